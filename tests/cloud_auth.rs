//! OAuth: the vendor's documented example works verbatim, wrong credentials are refused,
//! tokens expire on the virtual clock, refresh works on both paths, master tokens need a tid.

use payterm::time::VirtualDuration;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{BASIC, Cloud, TID};

#[tokio::test]
async fn the_documented_example_gets_a_terminal_token() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let token = c.token_for(Some(TID)).await;
    // Assert
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(token["scope"], "read write");
    assert_eq!(token["tid"], TID);
    assert!(token["refresh_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn a_login_without_tid_gets_a_master_token() {
    let c = Cloud::paused().await;
    let token = c.token_for(None).await;
    assert_eq!(token["tid"], serde_json::Value::Null);
    assert_eq!(token["expires_in"], 86399);
}

#[tokio::test]
async fn a_wrong_client_credential_is_refused_with_401() {
    let c = Cloud::paused().await;
    let (status, body) = c
        .token_form(
            "/cloud/oauth/token",
            "Basic d3Jvbmc6d3Jvbmc=",
            "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888",
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401() {
    let c = Cloud::paused().await;
    let (status, body) = c
        .token_form(
            "/cloud/oauth/token",
            BASIC,
            "grant_type=password&username=jan.novak%40example.com&password=nope&tid=999888",
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_tid_of_another_merchant_is_refused() {
    let c = Cloud::paused().await;
    let (status, body) = c
        .token_form(
            "/cloud/oauth/token",
            BASIC,
            "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=123",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error_description"].as_str().unwrap_or("").contains("123"), "{body}");
}

#[tokio::test]
async fn an_unsupported_grant_is_named() {
    let c = Cloud::paused().await;
    let (status, body) = c.token_form("/cloud/oauth/token", BASIC, "grant_type=client_credentials").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_call_without_a_token_gets_401_with_a_hint() {
    let c = Cloud::paused().await;
    let resp = c.http.get(c.url("/v1/tasks")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("www-authenticate").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
}

#[tokio::test]
async fn a_forged_token_gets_401_invalid_token() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let forged = format!("{}x", &token[..token.len() - 1]);
    let (status, body) = c.get("/v1/tasks", &forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "INVALID_TOKEN");
}

#[tokio::test]
async fn an_access_token_expires_after_an_hour_of_virtual_time_and_refresh_renews_it() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token_for(Some(TID)).await;
    let access = token["access_token"].as_str().unwrap();
    assert_eq!(c.get("/v1/tasks", access).await.0, StatusCode::OK);
    // Act
    c.cloud.advance(VirtualDuration::secs(3601));
    let (expired, body) = c.get("/v1/tasks", access).await;
    let form = format!("grant_type=refresh_token&refresh_token={}", token["refresh_token"].as_str().unwrap());
    let (refreshed, renewed) = c.token_form("/api/oauth/token", BASIC, &form).await;
    // Assert
    assert_eq!(expired, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "TOKEN_EXPIRED");
    assert_eq!(refreshed, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["tid"], TID);
    assert_eq!(c.get("/v1/tasks", renewed["access_token"].as_str().unwrap()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn refresh_is_also_accepted_on_the_cloud_path() {
    let c = Cloud::paused().await;
    let token = c.token_for(Some(TID)).await;
    let form = format!("grant_type=refresh_token&refresh_token={}", token["refresh_token"].as_str().unwrap());
    assert_eq!(c.token_form("/cloud/oauth/token", BASIC, &form).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_token_expires_after_90_days() {
    let c = Cloud::paused().await;
    let token = c.token_for(Some(TID)).await;
    c.cloud.advance(VirtualDuration::days(91));
    let form = format!("grant_type=refresh_token&refresh_token={}", token["refresh_token"].as_str().unwrap());
    let (status, body) = c.token_form("/api/oauth/token", BASIC, &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_master_token_must_name_the_tid() {
    // Arrange
    let c = Cloud::paused().await;
    let master = c.token_for(None).await["access_token"].as_str().unwrap().to_owned();
    let sale = json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD"});
    // Act
    let (without, body) = c.post("/v1/tasks/TRANSACTION", &master, sale.clone()).await;
    let mut named = sale;
    named["tid"] = json!(TID);
    let (with, task) = c.post("/v1/tasks/TRANSACTION", &master, named).await;
    // Assert
    assert_eq!(without, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "tid");
    assert_eq!(with, StatusCode::CREATED, "{task}");
    assert_eq!(task["tid"], TID);
    assert_eq!(c.get(&format!("/v1/tasks?tid={TID}"), &master).await.1["tasks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_terminal_token_cannot_act_on_another_terminal() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let body = json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "tid": "111222"});
    let (status, answer) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(answer["error"]["code"], "TID_NOT_ALLOWED");
}

#[tokio::test]
async fn a_second_server_with_the_same_seed_cannot_mint_tokens_the_first_accepts() {
    // Arrange: two servers with the seed `payterm serve` prints.
    let first = Cloud::start(payterm::MockCloud::builder().seed(42).paused()).await;
    let second = Cloud::start(payterm::MockCloud::builder().seed(42).paused()).await;
    let minted = second.token_for(Some(TID)).await;
    // Act
    let (status, body) = first.get("/v1/tasks", minted["access_token"].as_str().unwrap()).await;
    let form = format!("grant_type=refresh_token&refresh_token={}", minted["refresh_token"].as_str().unwrap());
    let (refreshed, refusal) = first.token_form("/api/oauth/token", BASIC, &form).await;
    // Assert
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "INVALID_TOKEN");
    assert_eq!(refreshed, StatusCode::UNAUTHORIZED, "{refusal}");
    assert_eq!(refusal["error"], "invalid_grant");
}

#[tokio::test]
async fn a_test_may_ask_for_the_secret_from_the_seed_and_then_tokens_repeat() {
    // Arrange
    let builder = || payterm::MockCloud::builder().seed(42).paused().token_secret_from_seed();
    let (first, second) = (Cloud::start(builder()).await, Cloud::start(builder()).await);
    // Act
    let (a, b) = (first.token_for(Some(TID)).await, second.token_for(Some(TID)).await);
    // Assert
    assert_eq!(a["access_token"], b["access_token"]);
    assert_eq!(first.get("/v1/tasks", b["access_token"].as_str().unwrap()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token_nor_the_other_way_round() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token_for(Some(TID)).await;
    // Act
    let (as_access, _) = c.get("/v1/tasks", token["refresh_token"].as_str().unwrap()).await;
    let form = format!("grant_type=refresh_token&refresh_token={}", token["access_token"].as_str().unwrap());
    let (as_refresh, _) = c.token_form("/api/oauth/token", BASIC, &form).await;
    // Assert
    assert_eq!((as_access, as_refresh), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn a_refresh_answers_the_same_refresh_token_and_a_login_a_new_one() {
    // Arrange
    let c = Cloud::paused().await;
    let login = c.token_for(Some(TID)).await;
    // Act
    let form = format!("grant_type=refresh_token&refresh_token={}", login["refresh_token"].as_str().unwrap());
    let (_, refreshed) = c.token_form("/api/oauth/token", BASIC, &form).await;
    let again = c.token_for(Some(TID)).await;
    // Assert
    assert_eq!(refreshed["refresh_token"], login["refresh_token"]);
    assert_ne!(again["refresh_token"], login["refresh_token"]);
}

/// Issue 20, finding 5: a scripted expiry revokes the tokens issued up to its own moment, not
/// every token of its virtual second: one refreshed right after the 401 is valid.
#[tokio::test]
async fn a_token_refreshed_in_the_same_virtual_second_as_a_scripted_expiry_is_valid() {
    // Arrange: every access token expires at 60 s.
    let text = "version = 1\nname = \"expiry\"\nsurfaces = [\"cloud\"]\nrules = [\"CLOUD-TOKEN-REUSE\"]\n\
                [[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 100\nreference = \"R1\"\n\
                [[script.tokens]]\nat = \"60s\"\n";
    let scenario = std::sync::Arc::new(payterm::scenario::parse("expiry.toml", text).unwrap());
    let c = Cloud::start(payterm::MockCloud::builder().paused().scenario(scenario)).await;
    let token = c.token_for(Some(TID)).await;
    // Act: the expiry fires; 100 virtual ms later, in the same second, the token is refreshed.
    c.cloud.advance(VirtualDuration::millis(60_000));
    let (expired, _) = c.get("/v1/tasks", token["access_token"].as_str().unwrap()).await;
    c.cloud.advance(VirtualDuration::millis(100));
    let form = format!("grant_type=refresh_token&refresh_token={}", token["refresh_token"].as_str().unwrap());
    let (_, renewed) = c.token_form("/api/oauth/token", BASIC, &form).await;
    let (after, body) = c.get("/v1/tasks", renewed["access_token"].as_str().unwrap()).await;
    // Assert
    assert_eq!(expired, StatusCode::UNAUTHORIZED);
    assert_eq!(after, StatusCode::OK, "a token issued after the expiry is valid: {body}");
}
