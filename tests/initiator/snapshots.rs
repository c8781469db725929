//! Pinned shapes of the invoice answer, every status and every fault, as the real binary
//! prints them (seed 7, fixed keys; ports and identifiers redacted to stable placeholders).

use insta::assert_json_snapshot;
use payterm::redact::Redactor;
use payterm::surfaces::initiator::fault_answer_named;
use serde_json::{Value, json};

use super::harness::{STORE, Served, autofeed_of, invoice_doc};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn answers_of_the_initiator() {
    // Arrange
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let mut redactor = Redactor::new();
    let mut pin = |v: &Value| -> Value { serde_json::from_str(&redactor.redact(&v.to_string())).unwrap() };
    let mut statuses = Vec::new();
    // Act: one invoice walked to refunded, one rejected, one forced through the scripted two.
    let paid = sandbox.invoice(&invoice_doc("TEST-2024", STORE, 600_000)).answer();
    let paid_id = paid["identifier"].as_str().unwrap().to_owned();
    statuses.push(sandbox.status(&autofeed_of(&paid)).answer());
    for action in ["open", "pay", "succeed", "refund"] {
        served.act(&paid_id, action);
        statuses.push(sandbox.status(&autofeed_of(&paid)).answer());
    }
    let rejected = sandbox.invoice(&invoice_doc("TEST-2025", STORE, 100)).answer();
    served.act(rejected["identifier"].as_str().unwrap(), "reject");
    statuses.push(sandbox.status(&autofeed_of(&rejected)).answer());
    let forced = sandbox.invoice(&invoice_doc("TEST-2026", STORE, 100)).answer();
    let forced_id = forced["identifier"].as_str().unwrap().to_owned();
    for status in ["undeterminable", "unexpected"] {
        served.control_post(&format!("/invoices/{forced_id}/status"), json!({"status": status}));
        statuses.push(sandbox.status(&autofeed_of(&forced)).answer());
    }
    let mut unknown = autofeed_of(&paid);
    unknown["payload"]["invoice"] = json!("TEST-1999");
    let not_found = sandbox.status(&unknown).answer();
    served.control_post(&format!("/stores/{STORE}/disable"), json!({}));
    let disabled = sandbox.status(&autofeed_of(&paid)).answer();
    served.control_post(&format!("/stores/{STORE}/enable"), json!({}));
    sandbox.fixed_key(2);
    let bad_signature = sandbox.status(&autofeed_of(&paid)).answer();
    let no_identifier = sandbox.invoice(&invoice_doc("TEST-2027", STORE, 1)).answer();
    let server_error = fault_answer_named("server_error", Some(&paid_id)).unwrap();
    // Assert
    let mut names: Vec<&str> = statuses.iter().map(|s| s["status"].as_str().unwrap()).collect();
    names.sort_unstable();
    let mut all: Vec<&str> = payterm::world::invoice::InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
    all.sort_unstable();
    assert_eq!(names, all, "every status is pinned");
    settings().bind(|| {
        assert_json_snapshot!("initiator_invoice_answer", pin(&paid));
        for status in &statuses {
            assert_json_snapshot!(format!("initiator_status_{}", status["status"].as_str().unwrap()), pin(status));
        }
        assert_json_snapshot!("initiator_fault_resource_not_found", pin(&not_found));
        assert_json_snapshot!("initiator_fault_user_disabled", pin(&disabled));
        assert_json_snapshot!("initiator_fault_bad_signature_replaced_key", pin(&bad_signature));
        assert_json_snapshot!("initiator_fault_bad_signature_before_any_identifier", pin(&no_identifier));
        assert_json_snapshot!("initiator_fault_server_error_scripted", pin(&server_error));
    });
}
