//! What no retry can fix is never a "try again later" fault (issue 15.1): a document the
//! service refuses whatever the moment is a fundamental failure of the program (exit 7, the
//! reason on stderr, no JSON); a store the service does not know is `resource_not_found`.

use ed25519_dalek::SigningKey;
use payterm::surfaces::initiator::exit_codes::DOCUMENT_REFUSED;
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
