//! The control API, on its own port: operator actions, card outcomes, the clock, reset, the
//! ledger and the journal.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Cloud, TID};

#[tokio::test]
async fn the_control_api_is_on_its_own_port_not_the_integrations() {
    let c = Cloud::paused().await;
    assert_ne!(c.cloud.uri(), c.cloud.control_uri());
    let resp = c.http.get(c.url("/terminals")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (status, body) = c.control_get("/terminals").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["terminals"][0]["tid"], TID);
    assert_eq!(body["terminals"][0]["mode"], "automatic");
}

#[tokio::test]
async fn the_operator_rejects_a_queued_task() {
    let c = Cloud::paused().await;
    c.control_post(&format!("/terminals/{TID}/mode"), json!({"mode": "assisted"})).await;
    let token = c.token().await;
    let task = c.sale(&token, 100, "CARD").await;
    let (status, _) = c.control_post(&format!("/terminals/{TID}/reject"), json!({"taskId": task["taskId"]})).await;
    assert_eq!(status, StatusCode::OK);
    let task = c.task(&token, &task["taskId"]).await;
    assert_eq!((task["state"].as_str(), task["cancelledBy"].as_str()), (Some("CANCELLED"), Some("operator")));
}

#[tokio::test]
async fn a_card_outcome_presented_in_advance_decides_the_next_sale() {
    let c = Cloud::paused().await;
    let (status, body) = c.control_post(&format!("/terminals/{TID}/card"), json!({"outcome": "declined"})).await;
    assert_eq!((status, body["effect"].as_str()), (StatusCode::OK, Some("kept_for_next_sale")));
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 1111, "CARD").await;
    assert_eq!(tx["result"], -4);
}

#[tokio::test]
async fn bad_control_input_is_named() {
    let c = Cloud::paused().await;
    let (status, body) = c.control_post(&format!("/terminals/{TID}/card"), json!({"outcome": "maybe"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("outcome")));
    let (status, _) = c.control_post("/terminals/nope/mode", json!({"mode": "assisted"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = c.control_post("/clock/advance", json!({"by": "soon"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("by")));
    let (status, _) = c.control_post(&format!("/terminals/{TID}/pick"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "an empty queue has nothing to pick");
}

#[tokio::test]
async fn advancing_the_clock_by_days_takes_milliseconds() {
    let c = Cloud::paused().await;
    let (_, before) = c.control_get("/clock").await;
    let started = std::time::Instant::now();
    let (status, after) = c.control_post("/clock/advance", json!({"by": "94d"})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(before["now"], "2026-01-01T00:00:00.000Z");
    assert_eq!(after["now"], "2026-04-05T00:00:00.000Z");
    assert_eq!(after["paused"], true);
}

#[tokio::test]
async fn a_terminal_can_be_added_and_the_world_reset() {
    let c = Cloud::paused().await;
    let (status, body) =
        c.control_post("/terminals", json!({"tid": "555000", "currency": "EUR", "mode": "semi_integrated"})).await;
    assert_eq!((status, body["currency"].as_str()), (StatusCode::CREATED, Some("EUR")));
    let token = c.token().await;
    c.sale(&token, 100, "CARD").await;
    let (status, body) = c.control_post("/reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["terminals"].as_array().unwrap().len(), 1);
    assert_eq!(c.get("/v1/tasks", &token).await.1["tasks"], json!([]));
}

#[tokio::test]
async fn the_ledger_and_journal_show_what_happened() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.completed_sale(&token, 1250, "CARD").await;
    let (_, ledger) = c.control_get("/ledger").await;
    assert_eq!(ledger["entries"][0]["kind"], "capture");
    assert_eq!(ledger["entries"][0]["amount"], 1250);
    assert_eq!(ledger["net"]["CZK"], 1250);
    let (_, journal) = c.control_get("/journal").await;
    let entries = journal["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["kind"] == "exchange" && e["target"] == "/v1/tasks/TRANSACTION" && e["status"] == 201)
    );
    assert!(entries.iter().any(|e| e["kind"] == "world" && e["event"] == "task_state" && e["state"] == "COMPLETED"));
}

#[tokio::test]
async fn after_a_reset_a_task_with_a_reused_id_answers_its_own_content() {
    // Arrange: the same seed draws the same task id again after a reset.
    let c = Cloud::paused().await;
    let token = c.token().await;
    let first = c.sale(&token, 100, "CARD").await;
    assert_eq!(c.task(&token, &first["taskId"]).await["request"]["amount"], 100);
    // Act
    c.control_post("/reset", json!({})).await;
    let second = c.sale(&token, 999, "CARD").await;
    // Assert
    assert_eq!(second["taskId"], first["taskId"], "the seed repeats ids");
    assert_eq!(c.task(&token, &second["taskId"]).await["request"]["amount"], 999);
}

/// The control port's `host:port`, as a client names it.
fn control_authority(c: &Cloud) -> String {
    c.cloud.control_uri().trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_request_addressed_to_a_foreign_host_name_is_refused() {
    // Arrange: a page that rebound its own name to 127.0.0.1 sends its name as the Host.
    let c = Cloud::paused().await;
    let port = c.cloud.control_uri().rsplit(':').next().unwrap().to_owned();
    // Act
    let (status, body) = crate::support::answer(
        c.http.post(c.control("/reset")).header("host", format!("attacker.example:{port}")).json(&json!({})),
    )
    .await;
    let (named, _) =
        crate::support::answer(c.http.get(c.control("/terminals")).header("host", format!("localhost:{port}"))).await;
    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "FOREIGN_HOST");
    assert!(body["error"]["message"].as_str().unwrap().contains("attacker.example"), "{body}");
    assert_eq!(named, StatusCode::OK, "localhost is this machine");
}

#[tokio::test]
async fn a_request_from_another_sites_page_is_refused_and_changes_nothing() {
    // Arrange
    let c = Cloud::paused().await;
    // Act: a cross-site fetch, and a page on another local port.
    let (foreign, body) = crate::support::answer(
        c.http
            .post(c.control(&format!("/terminals/{TID}/mode")))
            .header("origin", "https://attacker.example")
            .json(&json!({"mode": "assisted"})),
    )
    .await;
    let (other_port, _) = crate::support::answer(
        c.http
            .post(c.control(&format!("/terminals/{TID}/mode")))
            .header("origin", "http://127.0.0.1:1")
            .json(&json!({"mode": "assisted"})),
    )
    .await;
    let (own, _) = crate::support::answer(
        c.http
            .post(c.control(&format!("/terminals/{TID}/mode")))
            .header("origin", format!("http://{}", control_authority(&c)))
            .json(&json!({"mode": "semi_integrated"})),
    )
    .await;
    // Assert
    assert_eq!((foreign, other_port), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{body}");
    assert_eq!(body["error"]["code"], "FOREIGN_ORIGIN");
    assert_eq!(own, StatusCode::OK, "the dashboard this port serves may drive it");
    let (_, terminal) = c.control_get(&format!("/terminals/{TID}")).await;
    assert_eq!(terminal["mode"], "semi_integrated", "only the dashboard's own request took effect");
}

#[rstest::rstest]
#[case::text_plain("text/plain")]
#[case::a_form("application/x-www-form-urlencoded")]
#[case::multipart("multipart/form-data; boundary=x")]
#[case::no_content_type("")]
#[tokio::test]
async fn a_json_write_that_a_form_could_send_is_415(#[case] content_type: &str) {
    // Arrange: the bodies an HTML form or a no-preflight fetch can send.
    let c = Cloud::paused().await;
    let mut req = c.http.post(c.control(&format!("/terminals/{TID}/mode"))).body(r#"{"mode":"assisted"}"#);
    if !content_type.is_empty() {
        req = req.header("content-type", content_type);
    }
    // Act
    let (status, body) = crate::support::answer(req).await;
    // Assert
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("application/json"), "{body}");
    let (_, terminal) = c.control_get(&format!("/terminals/{TID}")).await;
    assert_eq!(terminal["mode"], "automatic");
}

#[tokio::test]
async fn a_command_without_a_body_needs_no_content_type() {
    let c = Cloud::paused().await;
    let (status, body) = crate::support::answer(c.http.post(c.control("/clock/pause"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_journal_hides_passwords_and_tokens_unless_asked() {
    // Arrange: a login, then a call with its token.
    let c = Cloud::paused().await;
    let token = c.token_for(Some(TID)).await;
    let access = token["access_token"].as_str().unwrap();
    // Act
    let (_, hidden) = c.control_get("/journal").await;
    let (_, shown) = c.control_get("/journal?secrets=shown").await;
    let seq = hidden["entries"][0]["seq"].as_u64().unwrap();
    let (_, entry) = c.control_get(&format!("/dashboard/journal/{seq}")).await;
    // Assert
    let hidden = hidden.to_string();
    for secret in ["ABCDEFGHIJKL", access, token["refresh_token"].as_str().unwrap()] {
        assert!(!hidden.contains(secret), "{secret} in {hidden}");
        assert!(!entry.to_string().contains(secret), "{secret} in {entry}");
    }
    assert!(hidden.contains("password=<redacted>"), "{hidden}");
    assert!(shown.to_string().contains("ABCDEFGHIJKL") && shown.to_string().contains(access));
}

#[rstest::rstest]
#[case::a_name_after_the_bracket("[::1].evil.example", StatusCode::FORBIDDEN)]
#[case::a_name_glued_to_the_bracket("[::1]evil.example:PORT", StatusCode::FORBIDDEN)]
#[case::a_port_that_is_not_a_number("127.0.0.1:http", StatusCode::FORBIDDEN)]
#[case::the_short_inet_aton_spelling_of_127_0_0_1("127.1:PORT", StatusCode::OK)]
#[case::ipv6_loopback_with_its_port("[::1]:PORT", StatusCode::OK)]
#[tokio::test]
async fn the_host_is_parsed_as_an_authority_not_matched_by_its_start(#[case] host: &str, #[case] expected: StatusCode) {
    // Arrange
    let c = Cloud::paused().await;
    let host = host.replace("PORT", control_authority(&c).rsplit(':').next().unwrap());
    // Act
    let (status, body) = crate::support::answer(c.http.get(c.control("/terminals")).header("host", &host)).await;
    // Assert
    assert_eq!(status, expected, "Host: {host}: {body}");
}

#[tokio::test]
async fn a_password_field_spelt_with_percent_escapes_is_hidden_too() {
    // Arrange: `pass%77ord` decodes to `password`, and the token endpoint reads it so.
    let c = Cloud::paused().await;
    let form = "grant_type=password&username=jan.novak%40example.com&pass%77ord=ABCDEFGHIJKL&tid=999888";
    let (status, _) = c.token_form("/cloud/oauth/token", crate::support::BASIC, form).await;
    assert_eq!(status, StatusCode::OK, "the escaped name logs in");
    // Act
    let (_, hidden) = c.control_get("/journal").await;
    // Assert
    assert!(!hidden.to_string().contains("ABCDEFGHIJKL"), "{hidden}");
    assert!(hidden.to_string().contains("pass%77ord=<redacted>"), "{hidden}");
}
