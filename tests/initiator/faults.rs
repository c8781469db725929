//! Every fault the service gives by itself, through the real binary where it can arise there
//! and over HTTP where only a hand-made request can cause it. A fault is an answer: exit 0,
//! exactly seed 002's JSON on stdout, and what went wrong on stderr.

use ed25519_dalek::SigningKey;
use serde_json::json;

use super::harness::{STORE, Sandbox, Served, autofeed_of, invoice_doc};

#[test]
fn a_key_that_was_never_enrolled_comes_back_as_bad_signature() {
    // Arrange: the store is known (another key of it is enrolled); ours was never registered.
    let served = Served::start();
    served.enrolled(9);
    let sandbox = Sandbox::new();
    sandbox.fixed_key(3);
    let url = served.url();
    let run = sandbox.payterm(&["enroll", "--server", &url, "--store", STORE, "--config-only"], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Act
    let run = sandbox.invoice(&invoice_doc("A-1", STORE, 100));
    // Assert: the seed's exact shape, no identifier known yet; the reason on stderr.
    assert_eq!(run.answer(), json!({"identifier": "", "fault": "bad_signature"}));
    assert!(run.stderr.contains("is not enrolled for store `testingstore`"), "{}", run.stderr);
}

#[test]
fn a_key_file_replaced_by_another_valid_key_comes_back_as_bad_signature() {
    // Arrange
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let answer = sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    // Act: another valid key where the enrolled one was.
    sandbox.fixed_key(2);
    let run = sandbox.status(&autofeed_of(&answer));
    let invoice = sandbox.invoice(&invoice_doc("A-2", STORE, 100)).answer();
    // Assert
    let status = run.answer();
    assert_eq!(status, json!({"identifier": answer["identifier"], "fault": "bad_signature"}), "names the transaction");
    assert!(run.stderr.contains("does not verify"), "{}", run.stderr);
    assert_eq!(invoice["fault"], "bad_signature");
}

#[test]
fn a_key_enrolled_for_another_store_cannot_ask_about_this_one() {
    let served = Served::start();
    let ours = served.enrolled(1);
    let theirs = Sandbox::new();
    theirs.fixed_key(2);
    assert_eq!(theirs.enroll(&served, "otherstore").code, Some(0));
    let answer = ours.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    assert_eq!(theirs.status(&autofeed_of(&answer)).fault(), "bad_signature");
}

#[test]
fn a_body_changed_after_signing_or_a_missing_header_is_bad_signature() {
    let served = Served::start();
    served.enrolled(1);
    let key = SigningKey::from_bytes(&[1; 32]);
    let doc = invoice_doc("A-1", STORE, 100);
    let changed = doc.replace("A-1", "A-9");
    let (code, tampered) = served.signed("/hype/v1/invoices", STORE, &key, changed.as_bytes(), doc.as_bytes());
    assert_eq!((code, tampered["fault"].as_str()), (200, Some("bad_signature")));
    let (_, unsigned, detail) =
        served.post_hype_detail("/hype/v1/invoices", &[("x-hype-store", STORE)], doc.as_bytes());
    assert_eq!(unsigned, json!({"identifier": "", "fault": "bad_signature"}));
    assert!(detail.contains("x-hype-key-id"), "{detail}");
    let headers = [("x-hype-store", STORE), ("x-hype-key-id", "ed25519-x"), ("x-hype-signature", "AAAA")];
    assert_eq!(served.post_hype("/hype/v1/invoices", &headers, doc.as_bytes()).1["fault"], "bad_signature");
    let (_, honest) = served.signed("/hype/v1/invoices", STORE, &key, doc.as_bytes(), doc.as_bytes());
    assert!(honest["gateway_uri"].is_string(), "{honest}");
}

#[test]
fn a_request_signed_for_one_store_about_another_is_bad_signature() {
    let served = Served::start();
    served.enrolled(1);
    let key = SigningKey::from_bytes(&[1; 32]);
    let other = Sandbox::new();
    other.fixed_key(1);
    assert_eq!(other.enroll(&served, "otherstore").code, Some(0), "the same key, enrolled for a second store");
    let doc = invoice_doc("A-1", STORE, 100);
    let (_, answer, detail) = served.signed_detail("/hype/v1/invoices", "otherstore", &key, doc.as_bytes());
    assert_eq!(answer["fault"], "bad_signature");
    assert!(detail.contains("signed for store `otherstore`"), "{detail}");
}

#[test]
fn a_disabled_store_is_user_disabled_until_enabled_again() {
    // Arrange
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let answer = sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    // Act
    assert_eq!(served.control_post(&format!("/stores/{STORE}/disable"), json!({})).0, 200);
    let status = sandbox.status(&autofeed_of(&answer)).answer();
    let invoice = sandbox.invoice(&invoice_doc("A-2", STORE, 100)).answer();
    assert_eq!(served.control_post(&format!("/stores/{STORE}/enable"), json!({})).0, 200);
    let after = sandbox.status(&autofeed_of(&answer)).answer();
    // Assert
    assert_eq!((status["fault"].as_str(), &status["identifier"]), (Some("user_disabled"), &answer["identifier"]));
    assert_eq!(invoice["fault"], "user_disabled");
    assert_eq!(after["status"], "created");
}

#[test]
fn an_unknown_or_mismatched_transaction_is_resource_not_found() {
    // Arrange
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let answer = sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    let feed = autofeed_of(&answer);
    let mut unknown = feed.clone();
    unknown["payload"]["identifier"] = json!("00000000-0000-4000-8000-000000000000");
    let mut other_invoice = feed.clone();
    other_invoice["payload"]["invoice"] = json!("A-2");
    let theirs = Sandbox::new();
    theirs.fixed_key(2);
    assert_eq!(theirs.enroll(&served, "otherstore").code, Some(0));
    let mut other_store = feed.clone();
    other_store["payload"]["store"] = json!("otherstore");
    // Act
    let answers = [sandbox.status(&unknown), sandbox.status(&other_invoice), theirs.status(&other_store)];
    // Assert
    for (run, asked) in answers.iter().zip([&unknown, &other_invoice, &other_store]) {
        let got = run.answer();
        assert_eq!(got["fault"], "resource_not_found", "{got}");
        assert_eq!(got["identifier"], asked["payload"]["identifier"]);
    }
}
