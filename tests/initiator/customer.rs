//! The control API's initiator routes: the virtual customer's actions (each exactly as the
//! World's state machine allows, 409 otherwise), forced statuses, presented URIs, stores and
//! keys; and the gateway URI as JSON. Invoices are issued over signed HTTP here.

use ed25519_dalek::SigningKey;
use payterm::surfaces::initiator::signing;
use rstest::rstest;
use serde_json::{Value, json};

use super::harness::{STORE, Served, invoice_doc};

/// A served emulator with key 1 enrolled (over the control API) and one invoice issued.
fn issued() -> (Served, String) {
    let served = Served::start();
    let key = SigningKey::from_bytes(&[1; 32]);
    let body = json!({"keyId": signing::key_id(&key.verifying_key()), "publicKey": signing::public_key_base64(&key)});
    assert_eq!(served.control_post(&format!("/stores/{STORE}/keys"), body).0, 201);
    let doc = invoice_doc("C-1", STORE, 500);
    let (_, answer) = served.signed("/hype/v1/invoices", STORE, &key, doc.as_bytes(), doc.as_bytes());
    let id = answer["identifier"].as_str().unwrap().to_owned();
    (served, id)
}

#[rstest]
#[case::open_then_pay(&["open", "pay"], "payment_in_process")]
#[case::reject_at_once(&["reject"], "completed_rejected")]
#[case::pay_succeed_refund(&["pay", "succeed", "refund"], "completed_refunded")]
fn customer_actions_move_the_status(#[case] actions: &[&str], #[case] expected: &str) {
    let (served, id) = issued();
    let mut last = Value::Null;
    for action in actions {
        let (code, view) = served.control_post(&format!("/invoices/{id}/{action}"), json!({}));
        assert_eq!(code, 200, "{view}");
        last = view;
    }
    assert_eq!(last["status"], expected);
}

#[rstest]
#[case::succeed_before_paying(&[], "succeed", "from created the customer can: open, pay, reject")]
#[case::refund_a_rejected_one(&["reject"], "refund", "completed_rejected is final for the customer")]
#[case::reject_a_paid_one(&["pay", "succeed"], "reject", "from completed_success the customer can: refund")]
fn an_action_not_allowed_now_is_409_with_what_is(#[case] before: &[&str], #[case] action: &str, #[case] hint: &str) {
    let (served, id) = issued();
    for a in before {
        served.act(&id, a);
    }
    let (code, body) = served.control_post(&format!("/invoices/{id}/{action}"), json!({}));
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("ACTION_NOT_ALLOWED")));
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("the customer cannot {action} an invoice that is")), "{message}");
    assert!(message.contains(hint), "{message}");
}

#[test]
fn invoices_are_listed_with_status_and_presented_count() {
    let (served, id) = issued();
    served.act(&id, "open");
    let (code, _) = served.control_post(&format!("/invoices/{id}/present"), json!({}));
    assert_eq!(code, 200);
    let (_, view) = served.control_post(&format!("/invoices/{id}/present"), json!({}));
    assert_eq!(view["presented"], 2);
    let (_, list) = served.control_get("/invoices");
    let first = &list["invoices"][0];
    assert_eq!((first["identifier"].as_str(), first["status"].as_str()), (Some(id.as_str()), Some("reached")));
    assert_eq!(
        (first["presented"].as_u64(), first["allowedActions"].clone()),
        (Some(2), json!(["open", "pay", "reject"]))
    );
    assert!(first.get("fiscals").is_none(), "the list leaves fiscal lines out");
    let (_, one) = served.control_get(&format!("/invoices/{id}"));
    assert_eq!(one["fiscals"][0]["code_mxik"], "10305008004000000");
}

#[test]
fn a_status_can_be_forced_but_only_to_a_known_one() {
    let (served, id) = issued();
    let (code, view) = served.control_post(&format!("/invoices/{id}/status"), json!({"status": "unexpected"}));
    assert_eq!((code, view["status"].as_str()), (200, Some("unexpected")));
    let (code, body) = served.control_post(&format!("/invoices/{id}/status"), json!({"status": "paid"}));
    assert_eq!((code, body["error"]["field"].as_str()), (400, Some("status")));
    assert!(body["error"]["message"].as_str().unwrap().contains("undeterminable, created"), "{body}");
}

#[test]
fn unknown_invoices_actions_and_stores_are_404() {
    let (served, id) = issued();
    assert_eq!(served.control_post("/invoices/nope/open", json!({})).0, 404);
    assert_eq!(served.control_get("/invoices/nope").0, 404);
    let (code, body) = served.control_post(&format!("/invoices/{id}/dance"), json!({}));
    assert_eq!(code, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("open, pay, succeed, reject or refund"), "{body}");
    let (code, body) = served.control_post("/stores/nostore/disable", json!({}));
    assert_eq!(code, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("POST /stores/nostore/keys"), "{body}");
}

#[rstest]
#[case::not_base64(json!({"keyId": "k1", "publicKey": "%%%"}), "publicKey")]
#[case::too_short(json!({"keyId": "k1", "publicKey": "AAAA"}), "publicKey")]
#[case::an_empty_key_id(json!({"keyId": "", "publicKey": "AAAA"}), "keyId")]
#[case::an_unknown_field(json!({"keyId": "k1", "publicKey": "AAAA", "store": "x"}), "store")]
fn a_bad_enrollment_is_400_naming_the_field(#[case] body: Value, #[case] field: &str) {
    let served = Served::start();
    let (code, answer) = served.control_post("/stores/s1/keys", body);
    assert_eq!((code, answer["error"]["field"].as_str()), (400, Some(field)), "{answer}");
}

#[test]
fn stores_show_their_keys_and_whether_they_are_disabled() {
    let (served, _) = issued();
    served.control_post(&format!("/stores/{STORE}/disable"), json!({}));
    let (code, body) = served.control_get("/stores");
    assert_eq!(code, 200);
    let store = &body["stores"][0];
    assert_eq!((store["store"].as_str(), store["disabled"].as_bool()), (Some(STORE), Some(true)));
    let key = SigningKey::from_bytes(&[1; 32]);
    assert_eq!(store["keys"][0]["publicKey"], signing::public_key_base64(&key));
}

#[test]
fn the_gateway_answers_json_when_asked_and_opens_only_what_can_be_opened() {
    let (served, id) = issued();
    let uri = format!("{}/hype/pay/{id}", served.url());
    served.act(&id, "pay");
    let (code, kind, body) = served.get(&uri, "application/json");
    assert_eq!((code, kind.as_str()), (200, "application/json"));
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((page["status"].as_str(), page["total"].as_u64()), (Some("payment_in_process"), Some(500)));
    let (code, _, _) = served.get(&format!("{}/hype/pay/nope", served.url()), "text/html");
    assert_eq!(code, 404);
}

#[test]
fn the_service_routes_refuse_other_methods_and_paths() {
    let served = Served::start();
    let (code, _, _) = served.get(&format!("{}/hype/v1/status", served.url()), "application/json");
    assert_eq!(code, 405);
    let (code, _, body) = served.get(&format!("{}/hype/v2/status", served.url()), "application/json");
    assert_eq!(code, 404);
    assert!(body.contains("POST /hype/v1/invoices"), "{body}");
}

#[test]
fn enrolling_another_key_under_an_enrolled_id_is_refused_unless_replace_is_said() {
    // Arrange: a store with a key.
    let served = Served::start();
    let first = SigningKey::from_bytes(&[1; 32]);
    let second = SigningKey::from_bytes(&[2; 32]);
    let body = |key: &SigningKey, replace: Option<bool>| {
        let mut b = json!({"keyId": "shared-id", "publicKey": signing::public_key_base64(key)});
        if let Some(r) = replace {
            b["replace"] = json!(r);
        }
        b
    };
    assert_eq!(served.control_post("/stores/s9/keys", body(&first, None)).0, 201);
    // Act
    let (again, _) = served.control_post("/stores/s9/keys", body(&first, None));
    let (other, refusal) = served.control_post("/stores/s9/keys", body(&second, None));
    let (_, kept) = served.control_get("/stores");
    let (replaced, _) = served.control_post("/stores/s9/keys", body(&second, Some(true)));
    let (_, now) = served.control_get("/stores");
    // Assert
    assert_eq!(again, 200, "the same key again changes nothing");
    assert_eq!(other, 409, "{refusal}");
    assert_eq!(refusal["error"]["code"], "KEY_EXISTS");
    let key_of = |stores: &serde_json::Value| {
        stores["stores"].as_array().unwrap().iter().find(|s| s["store"] == "s9").unwrap()["keys"][0]["publicKey"]
            .clone()
    };
    assert_eq!(key_of(&kept), json!(signing::public_key_base64(&first)));
    assert_eq!(replaced, 200);
    assert_eq!(key_of(&now), json!(signing::public_key_base64(&second)));
}

#[test]
fn enrolling_a_key_again_without_operator_keeps_what_was_said_before() {
    // Arrange: a key taken out of the operator group.
    let served = Served::start();
    let key = signing::public_key_base64(&SigningKey::from_bytes(&[4; 32]));
    let outsider = json!({"keyId": "k4", "publicKey": key, "operator": false});
    assert_eq!(served.control_post("/stores/s4/keys", outsider).0, 201);
    // Act: `payterm initiator enroll` again, which says nothing of the group.
    let (again, _) = served.control_post("/stores/s4/keys", json!({"keyId": "k4", "publicKey": key}));
    let (_, stores) = served.control_get("/stores");
    // Assert
    assert_eq!(again, 200);
    let s4 = stores["stores"].as_array().unwrap().iter().find(|s| s["store"] == "s4").unwrap();
    assert_eq!(s4["keys"][0]["operator"], false, "{s4}");
}

#[rstest]
#[case::the_all_zero_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
#[case::the_identity_point("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
#[case::a_point_of_order_8("xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA3o=")]
fn a_weak_public_key_is_not_enrolled(#[case] public: &str) {
    // Arrange
    let served = Served::start();
    // Act
    let (code, answer) = served.control_post("/stores/s5/keys", json!({"keyId": "weak", "publicKey": public}));
    // Assert
    assert_eq!((code, answer["error"]["field"].as_str()), (400, Some("publicKey")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("weak"), "{answer}");
}
