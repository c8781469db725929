//! Task endpoints through HTTP: states move with the virtual clock, every mode behaves as the
//! spec says, and every refusal carries its status and code.

use payterm::MockCloud;
use payterm::world::money::Currency;
use payterm::world::terminal::{TerminalConfig, TerminalMode};
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::support::{Cloud, TID, answer};

fn sale_body(amount: u64) -> Value {
    json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": "CARD"})
}

#[tokio::test]
async fn a_sale_moves_from_queued_to_in_progress_to_completed_on_the_virtual_clock() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    // Act
    let task = c.sale(&token, 1250, "CARD").await;
    let queued = c.task(&token, &task["taskId"]).await;
    c.advance_secs(1);
    let running = c.task(&token, &task["taskId"]).await;
    c.advance_secs(3);
    let done = c.task(&token, &task["taskId"]).await;
    // Assert
    assert_eq!(
        [&queued["state"], &running["state"], &done["state"]],
        [&json!("QUEUED"), &json!("IN_PROGRESS"), &json!("COMPLETED")]
    );
    assert_eq!(done["taskType"], "TRANSACTION");
    assert_eq!(done["request"]["amount"], 1250);
    assert!(done["amsId"].is_string());
}

#[rstest]
#[case::approved_1111(1111, "COMPLETED", 0, None)]
#[case::declined_1122(1122, "COMPLETED", -4, None)]
#[case::timeout_1123(1123, "FAILED", -1, Some(65))]
#[case::exception_1124(1124, "FAILED", -1, Some(104))]
#[tokio::test]
async fn test_amounts_give_the_documented_outcomes(
    #[case] amount: u64,
    #[case] state: &str,
    #[case] result: i64,
    #[case] task_error: Option<u64>,
) {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (task, tx) = c.completed_sale(&token, amount, "CARD").await;
    assert_eq!(task["state"], state);
    assert_eq!(tx["result"], result);
    assert_eq!(task["error"]["code"].as_u64(), task_error);
}

#[tokio::test]
async fn an_assisted_terminal_holds_tasks_until_the_operator_picks_one() {
    // Arrange
    let terminal = TerminalConfig { mode: TerminalMode::Assisted, ..TerminalConfig::documented_example() };
    let c = Cloud::start(MockCloud::builder().paused().terminal(terminal)).await;
    let token = c.token().await;
    let task = c.sale(&token, 500, "CARD").await;
    c.advance_secs(600);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "QUEUED");
    // Act
    let (picked, _) = c.control_post(&format!("/terminals/{TID}/pick"), json!({"taskId": task["taskId"]})).await;
    let waiting = c.task(&token, &task["taskId"]).await;
    let (carded, _) = c.control_post(&format!("/terminals/{TID}/card"), json!({"outcome": "approved"})).await;
    // Assert
    assert_eq!((picked, carded), (StatusCode::OK, StatusCode::OK));
    assert_eq!(waiting["state"], "IN_PROGRESS");
    let (_, tx) = c.get(&format!("/v1/transactions/{}", waiting["amsId"].as_str().unwrap()), &token).await;
    assert_eq!(tx["result"], 0);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "COMPLETED");
}

#[tokio::test]
async fn a_card_sale_waiting_on_the_device_reports_result_minus_9() {
    let terminal = TerminalConfig { mode: TerminalMode::Assisted, ..TerminalConfig::documented_example() };
    let c = Cloud::start(MockCloud::builder().paused().terminal(terminal)).await;
    let token = c.token().await;
    let task = c.sale(&token, 500, "CARD").await;
    c.control_post(&format!("/terminals/{TID}/pick"), json!({})).await;
    let running = c.task(&token, &task["taskId"]).await;
    let (_, tx) = c.get(&format!("/v1/transactions/{}", running["amsId"].as_str().unwrap()), &token).await;
    assert_eq!(tx["result"], -9);
    assert_eq!(tx["responseMessage"], "USER_INPUT_NEEDED");
}

#[tokio::test]
async fn a_semi_integrated_terminal_refuses_a_second_task_with_409_terminal_busy() {
    let terminal = TerminalConfig { mode: TerminalMode::SemiIntegrated, ..TerminalConfig::documented_example() };
    let c = Cloud::start(MockCloud::builder().paused().terminal(terminal)).await;
    let token = c.token().await;
    c.sale(&token, 500, "CARD").await;
    let (status, body) = c.post("/v1/tasks/TRANSACTION", &token, sale_body(600)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "TERMINAL_BUSY");
    c.advance_secs(10);
    assert_eq!(c.post("/v1/tasks/TRANSACTION", &token, sale_body(600)).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_queued_task_can_be_withdrawn_and_a_running_one_cannot() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let first = c.sale(&token, 100, "CARD").await;
    let second = c.sale(&token, 200, "CARD").await;
    c.advance_secs(1);
    // Act
    let (running, refused) =
        c.send(Method::DELETE, &format!("/v1/tasks/{}", first["taskId"].as_str().unwrap()), &token, None).await;
    let (queued, withdrawn) =
        c.send(Method::DELETE, &format!("/v1/tasks/{}", second["taskId"].as_str().unwrap()), &token, None).await;
    // Assert
    assert_eq!(running, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "TASK_NOT_CANCELLABLE");
    assert_eq!(queued, StatusCode::OK);
    assert_eq!(withdrawn["state"], "CANCELLED");
    assert_eq!(withdrawn["cancelledBy"], "api");
}

#[tokio::test]
async fn the_task_list_filters_by_state_and_reference() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let mut body = sale_body(100);
    body["originReferenceNum"] = json!("Invoice 37364FD");
    c.post("/v1/tasks/TRANSACTION", &token, body).await;
    c.sale(&token, 200, "CARD").await;
    let (_, by_reference) = c.get("/v1/tasks?reference=Invoice%2037364FD", &token).await;
    let (_, queued) = c.get("/v1/tasks?state=QUEUED", &token).await;
    let (_, completed) = c.get("/v1/tasks?state=COMPLETED", &token).await;
    assert_eq!(by_reference["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(by_reference["tasks"][0]["request"]["originReferenceNum"], "Invoice 37364FD");
    assert_eq!(queued["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(completed["tasks"].as_array().unwrap().len(), 0);
    let (bad, err) = c.get("/v1/tasks?state=DONE", &token).await;
    assert_eq!((bad, &err["error"]["field"]), (StatusCode::BAD_REQUEST, &json!("state")));
}

#[tokio::test]
async fn an_empty_state_filter_is_400_naming_the_field_not_a_list_of_every_task() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.sale(&token, 100, "CARD").await;
    // Act
    let (status, answer) = c.get("/v1/tasks?state=", &token).await;
    // Assert
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["field"], "state");
}

#[rstest]
#[case::an_exponent("1e3")]
#[case::a_zero_fraction("2662.0")]
#[case::a_tip_with_a_fraction("1000, \"tipAmount\": 1.0E2")]
#[tokio::test]
async fn an_amount_not_written_as_an_integer_literal_is_refused(#[case] amount: &'static str) {
    // Arrange: `1e3` and `2662.0` are numbers, but not the integers the field is declared as.
    let c = Cloud::paused().await;
    let token = c.token().await;
    let body =
        format!(r#"{{"transactionType": "SALE", "amount": {amount}, "currencyCode": "CZK", "paymentMethod": "CARD"}}"#);
    // Act
    let (status, answer) = answer(
        c.http
            .post(c.url("/v1/tasks/TRANSACTION"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    // Assert
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(["amount", "tipAmount"].contains(&answer["error"]["field"].as_str().unwrap_or("")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("integer"), "{answer}");
    assert_eq!(c.cloud.with_world(|w| w.task_count()), 0);
}

async fn raw_batch(c: &Cloud, token: &str, body: &'static str) -> (StatusCode, Value) {
    answer(
        c.http.post(c.url("/v1/tasks/BATCH")).bearer_auth(token).header("content-type", "application/json").body(body),
    )
    .await
}

#[rstest]
#[case::no_body("", StatusCode::CREATED)]
#[case::an_empty_object("{}", StatusCode::CREATED)]
#[case::whitespace("\t", StatusCode::BAD_REQUEST)]
#[case::json_null("null", StatusCode::BAD_REQUEST)]
#[case::a_json_array("[]", StatusCode::BAD_REQUEST)]
#[tokio::test]
async fn a_close_batch_takes_no_body_or_a_json_object_and_nothing_else(
    #[case] body: &'static str,
    #[case] expected: StatusCode,
) {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, answer) = raw_batch(&c, &token, body).await;
    assert_eq!(status, expected, "{answer}");
    if expected == StatusCode::BAD_REQUEST {
        assert!(answer["error"]["code"] == "INVALID_JSON" || answer["error"]["code"] == "INVALID_FIELD", "{answer}");
    }
}

#[tokio::test]
async fn an_unknown_task_is_404() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, body) = c.get("/v1/tasks/00000000-0000-4000-8000-000000000000", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "TASK_NOT_FOUND");
}

#[rstest]
#[case::missing_transaction_type(json!({"amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD"}), "transactionType")]
#[case::missing_amount(json!({"transactionType": "SALE", "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::zero_amount(json!({"transactionType": "SALE", "amount": 0, "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::negative_amount(json!({"transactionType": "SALE", "amount": -5, "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::amount_as_text(json!({"transactionType": "SALE", "amount": "12.50", "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::huge_amount(json!({"transactionType": "SALE", "amount": 10_000_000_000u64, "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::missing_currency(json!({"transactionType": "SALE", "amount": 100, "paymentMethod": "CARD"}), "currencyCode")]
#[case::unknown_currency(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "XXX", "paymentMethod": "CARD"}), "currencyCode")]
#[case::missing_payment_method(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK"}), "paymentMethod")]
#[case::bad_payment_method(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CHEQUE"}), "paymentMethod")]
#[case::bad_transaction_type(json!({"transactionType": "REFUND", "amount": 100, "currencyCode": "CZK"}), "transactionType")]
#[case::unknown_field(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "colour": "red"}), "colour")]
#[case::reference_too_long(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": "123456789012345678901"}), "originReferenceNum")]
#[case::reference_not_ascii(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": "Faktura č. 1"}), "originReferenceNum")]
#[case::void_without_origin(json!({"transactionType": "VOID", "currencyCode": "CZK"}), "originTransactionID")]
#[case::sale_with_origin(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "originTransactionID": "1"}), "originTransactionID")]
#[case::fractional_amount(json!({"transactionType": "SALE", "amount": 12.5, "currencyCode": "CZK", "paymentMethod": "CARD"}), "amount")]
#[case::fractional_tip(json!({"transactionType": "SALE", "amount": 100, "tipAmount": 0.5, "currencyCode": "CZK", "paymentMethod": "CARD"}), "tipAmount")]
#[case::bad_receipt_type(json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "preferableReceiptType": "FAX"}), "preferableReceiptType")]
#[tokio::test]
async fn a_malformed_transaction_task_is_400_naming_the_field(#[case] body: Value, #[case] field: &str) {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, answer) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["field"], field, "{answer}");
    assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn a_wrong_currency_is_422_parameter_invalid() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let body = json!({"transactionType": "SALE", "amount": 100, "currencyCode": "EUR", "paymentMethod": "CARD"});
    let (status, answer) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["ecrResult"], -6);
    assert_eq!(answer["error"]["reason"], "CURRENCY_MISMATCH");
}

async fn void(c: &Cloud, token: &str, ams: &Value) -> (StatusCode, Value) {
    c.post(
        "/v1/tasks/TRANSACTION",
        token,
        json!({"transactionType": "VOID", "originTransactionID": ams, "currencyCode": "CZK"}),
    )
    .await
}

#[tokio::test]
async fn a_void_after_94_days_is_422_not_allowed() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 4000, "CARD").await;
    c.cloud.advance(payterm::time::VirtualDuration::days(94));
    let token = c.token().await;
    let (status, answer) = void(&c, &token, &tx["amsId"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["code"], "NOT_ALLOWED");
    assert_eq!(answer["error"]["ecrResult"], -8);
    assert_eq!(answer["error"]["reason"], "VOID_WINDOW_EXPIRED");
}

#[tokio::test]
async fn a_void_within_93_days_is_accepted() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 4000, "CARD").await;
    c.cloud.advance(payterm::time::VirtualDuration::days(92));
    let token = c.token().await;
    assert_eq!(void(&c, &token, &tx["amsId"]).await.0, StatusCode::CREATED);
}

#[rstest]
#[case::crypto_sale("GO_CRYPTO", -8, "CRYPTO_NOT_VOIDABLE")]
#[tokio::test]
async fn a_void_the_rules_forbid_is_422(#[case] method: &str, #[case] ecr: i64, #[case] reason: &str) {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 4000, method).await;
    let (status, answer) = void(&c, &token, &tx["amsId"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((answer["error"]["ecrResult"].as_i64(), answer["error"]["reason"].as_str()), (Some(ecr), Some(reason)));
}

#[tokio::test]
async fn a_void_of_an_unknown_sale_is_422_not_found() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, answer) = void(&c, &token, &json!("000000000000")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["ecrResult"], -3);
}

#[tokio::test]
async fn a_second_void_of_a_voided_sale_is_422_already_voided() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 4000, "CARD").await;
    assert_eq!(void(&c, &token, &tx["amsId"]).await.0, StatusCode::CREATED);
    c.advance_secs(10);
    let (status, answer) = void(&c, &token, &tx["amsId"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["code"], "ALREADY_VOIDED");
    assert_eq!(answer["error"]["ecrResult"], -5);
}

#[tokio::test]
async fn a_void_on_another_terminal_is_422_other_tid() {
    // Arrange
    let other =
        TerminalConfig { tid: "111222".into(), currency: Currency::CZK, ..TerminalConfig::documented_example() };
    let c = Cloud::start(MockCloud::builder().paused().terminal(TerminalConfig::documented_example()).terminal(other))
        .await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 4000, "CARD").await;
    let other_token = c.token_for(Some("111222")).await["access_token"].as_str().unwrap().to_owned();
    // Act
    let (status, answer) = void(&c, &other_token, &tx["amsId"]).await;
    // Assert
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["reason"], "OTHER_TID");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("not made on this terminal") && !message.contains("999888"), "{answer}");
}

#[tokio::test]
async fn a_cash_sale_cannot_be_voided_once_its_batch_closed() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 2500, "CASH").await;
    c.post("/v1/tasks/BATCH", &token, json!({})).await;
    c.advance_secs(5);
    let (status, answer) = void(&c, &token, &tx["amsId"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["reason"], "BATCH_CLOSED");
}

#[tokio::test]
async fn a_void_of_a_declined_sale_or_of_a_void_is_422_transaction_id_invalid() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, declined) = c.completed_sale(&token, 1122, "CARD").await;
    let (_, approved) = c.completed_sale(&token, 1111, "CARD").await;
    let (_, void_task) = void(&c, &token, &approved["amsId"]).await;
    c.advance_secs(10);
    let void_ams = c.task(&token, &void_task["taskId"]).await["amsId"].clone();
    // Act
    let (s1, of_declined) = void(&c, &token, &declined["amsId"]).await;
    let (s2, of_void) = void(&c, &token, &void_ams).await;
    // Assert
    assert_eq!((s1, s2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(
        (of_declined["error"]["ecrResult"].as_i64(), of_declined["error"]["reason"].as_str()),
        (Some(-2), Some("SALE_NOT_APPROVED"))
    );
    assert_eq!(
        (of_void["error"]["ecrResult"].as_i64(), of_void["error"]["reason"].as_str()),
        (Some(-2), Some("NOT_A_SALE"))
    );
}

#[tokio::test]
async fn two_voids_queued_for_one_sale_void_it_once_and_the_second_completes_with_already_voided() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, sale) = c.completed_sale(&token, 3000, "CARD").await;
    let (s1, first) = void(&c, &token, &sale["amsId"]).await;
    let (s2, second) = void(&c, &token, &sale["amsId"]).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED), "both are accepted while the sale is unvoided");
    c.advance_secs(10);
    let first = c.task(&token, &first["taskId"]).await;
    let second = c.task(&token, &second["taskId"]).await;
    let (_, first_tx) = c.get(&format!("/v1/transactions/{}", first["amsId"].as_str().unwrap()), &token).await;
    let (_, second_tx) = c.get(&format!("/v1/transactions/{}", second["amsId"].as_str().unwrap()), &token).await;
    assert_eq!((first["state"].as_str(), second["state"].as_str()), (Some("COMPLETED"), Some("COMPLETED")));
    assert_eq!((first_tx["result"].as_i64(), second_tx["result"].as_i64()), (Some(0), Some(-5)));
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    assert_eq!(open["voidCount"], 1);
}
