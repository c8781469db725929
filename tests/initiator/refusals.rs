//! What no retry can fix is never a "try again later" fault (issue 15.1, 15.6): a document the
//! service refuses whatever the moment (exit 7) and a user outside the operator group (exit 8)
//! are fundamental failures of the program (the reason on stderr, no JSON); a store the
//! service does not know is `resource_not_found`.

use std::sync::Arc;

use base64::Engine;
use ed25519_dalek::SigningKey;
use payterm::HarnessKey;
use payterm::MockCloud;
use payterm::surfaces::initiator::exit_codes::{DOCUMENT_REFUSED, NOT_AN_OPERATOR};
use payterm::surfaces::initiator::signing;
use serde_json::json;

use super::harness::{STORE, Sandbox, Served, invoice_doc};

#[test]
fn an_invoice_id_reused_with_other_content_is_a_fundamental_failure_not_unspecified() {
    // Arrange
    let served = Served::start();
    let sandbox = served.enrolled(1);
    sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    // Act
    let run = sandbox.invoice(&invoice_doc("A-1", STORE, 200));
    // Assert
    run.fails(DOCUMENT_REFUSED, "invoice id `A-1` was already used this year");
    assert!(run.stderr.contains("do not send it again"), "{}", run.stderr);
    let same = sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    assert!(same["gateway_uri"].is_string(), "the first content is still the invoice's: {same}");
}

#[test]
fn documents_the_service_refuses_are_422_over_http_never_a_fault() {
    // Arrange: documents a program that checks nothing could send.
    let served = Served::start();
    served.enrolled(1);
    let key = SigningKey::from_bytes(&[1; 32]);
    let totals = invoice_doc("A-1", STORE, 100).replace("\"total\":100", "\"total\":101");
    let autofeed = json!({"version": 2, "document": "aehype_autofeed", "payload": {}}).to_string();
    // Act
    let (code, answer, _) = served.signed_detail("/hype/v1/invoices", STORE, &key, totals.as_bytes());
    let (feed_code, feed, _) = served.signed_detail("/hype/v1/status", STORE, &key, autofeed.as_bytes());
    // Assert
    assert_eq!((code, answer["error"]["code"].as_str()), (422, Some("DOCUMENT_REFUSED")), "{answer}");
    assert_eq!(answer["error"]["reason"], "TOTALS_DO_NOT_ADD_UP");
    assert!(answer["error"]["message"].as_str().unwrap().contains("total 101 is not the sum"), "{answer}");
    assert_eq!((feed_code, feed["error"]["reason"].as_str()), (422, Some("DOCUMENT_INVALID")), "{feed}");
}

#[test]
fn a_store_the_service_does_not_know_is_resource_not_found_not_bad_signature() {
    // Arrange: a config for a store nobody enrolled.
    let served = Served::start();
    let sandbox = Sandbox::new();
    sandbox.fixed_key(3);
    let url = served.url();
    let run = sandbox.payterm(&["enroll", "--server", &url, "--store", "nosuchstore", "--config-only"], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Act
    let run = sandbox.invoice(&invoice_doc("A-1", "nosuchstore", 100));
    // Assert
    assert_eq!(run.answer(), json!({"identifier": "", "fault": "resource_not_found"}));
    assert!(run.stderr.contains("knows no store `nosuchstore`"), "{}", run.stderr);
}

/// A sandbox whose config names `served`'s store and the key made from `seed`, written without
/// registering the key (the administrator did that, or not).
fn configured(served: &Served, seed: u8) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.fixed_key(seed);
    let url = served.url();
    let run = sandbox.payterm(&["enroll", "--server", &url, "--store", STORE, "--config-only"], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    sandbox
}

#[test]
fn a_user_outside_the_operator_group_is_a_fundamental_failure_with_exit_8() {
    // Arrange: the administrator enrolls the key of a user who is not an operator.
    let served = Served::start();
    let key = SigningKey::from_bytes(&[4; 32]);
    let key_id = signing::key_id(&key.verifying_key());
    let public = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes());
    // The first enrollment creates the key (201); the same key again, now an operator, 200.
    let enroll = |operator: bool| {
        let body = json!({"keyId": key_id, "publicKey": public, "operator": operator});
        let (code, store) = served.control_post(&format!("/stores/{STORE}/keys"), body);
        assert_eq!(code, if operator { 200 } else { 201 }, "{store}");
        store
    };
    let store = enroll(false);
    let sandbox = configured(&served, 4);
    // Act
    let invoice = sandbox.invoice(&invoice_doc("A-1", STORE, 100));
    enroll(true);
    let after = sandbox.invoice(&invoice_doc("A-1", STORE, 100));
    // Assert
    assert_eq!(store["keys"][0]["operator"], false, "{store}");
    invoice.fails(NOT_AN_OPERATOR, "is not a member of the operator group of store `testingstore`");
    assert!(after.answer()["gateway_uri"].is_string(), "a member may issue it");
    assert_eq!(served.control_get("/invoices").1["invoices"].as_array().unwrap().len(), 1, "refused before acting");
}

#[test]
fn a_scenario_store_can_leave_the_harness_user_out_of_the_operator_group() {
    // Arrange: a scenario served with the harness's key, its user outside the group.
    let scenario = payterm::scenario::parse(
        "operator.toml",
        r#"version = 1
name = "the initiator is run by someone who is not an operator"
surfaces = ["initiator"]
rules = ["HYPE-NO-JSON"]
[[stores]]
name = "testingstore"
operator = false
[[orders]]
id = "o1"
operation = "invoice"
amount = 100
"#,
    )
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let key = SigningKey::from_bytes(&[5; 32]);
    let harness = HarnessKey { key_id: signing::key_id(&key.verifying_key()), public: key.verifying_key().to_bytes() };
    let served =
        Served::start_with(MockCloud::builder().seed(7).paused().scenario(Arc::new(scenario)).harness_key(harness));
    let sandbox = configured(&served, 5);
    // Act
    let feed = json!({"version": 1, "document": "aehype_autofeed",
        "payload": {"identifier": "x", "invoice": "A-1", "store": STORE, "endpoint": served.url()}});
    let (invoice, status) = (sandbox.invoice(&invoice_doc("A-1", STORE, 100)), sandbox.status(&feed));
    // Assert
    invoice.fails(NOT_AN_OPERATOR, "operator group");
    status.fails(NOT_AN_OPERATOR, "operator group");
}

#[test]
fn a_signed_invoice_with_a_duplicate_key_is_refused_not_read_by_its_last_value() {
    // Arrange: `"total": 1, "total": 600000`: a reader that keeps the first sees another total.
    let served = Served::start();
    served.enrolled(1);
    let key = SigningKey::from_bytes(&[1; 32]);
    let doubled = invoice_doc("D-1", STORE, 600_000).replace("\"total\":600000", "\"total\":1,\"total\":600000");
    // Act
    let (code, answer, _) = served.signed_detail("/hype/v1/invoices", STORE, &key, doubled.as_bytes());
    // Assert
    assert_eq!((code, answer["error"]["reason"].as_str()), (422, Some("DOCUMENT_INVALID")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("duplicate key `total`"), "{answer}");
}
