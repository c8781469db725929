//! Results after a task completed: transaction fields, the open batch, and close-batch
//! arithmetic that always adds up, overall and per sub-batch.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::Cloud;

fn assert_adds_up(b: &Value) {
    let n = |k: &str| b[k].as_i64().unwrap_or_else(|| panic!("{k} missing in {b}"));
    assert_eq!(n("totalCount"), n("saleCount") + n("voidCount"), "{b}");
    assert_eq!(n("totalAmount"), n("saleAmount") - n("voidAmount"), "{b}");
}

#[tokio::test]
async fn an_approved_card_sale_has_a_masked_card_and_an_approval_code() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 1250, "CARD").await;
    assert_eq!(tx["result"], 0);
    assert_eq!(tx["responseMessage"], "APPROVED");
    assert_eq!(tx["transactionType"], "SALE");
    assert_eq!(tx["terminalID"], "999888");
    assert_eq!(tx["merchantID"], "223");
    assert!(tx["cardNumber"].as_str().is_some_and(|n| n.starts_with("****") && n.len() == 16));
    assert_eq!(tx["approvedCode"].as_str().map(str::len), Some(6));
    assert_eq!(tx["batchNumber"], 1);
    assert_eq!(tx["voided"], false);
}

#[tokio::test]
async fn a_declined_sale_carries_error_42() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 1122, "CARD").await;
    assert_eq!((tx["result"].as_i64(), tx["errorCode"].as_u64()), (Some(-4), Some(42)));
    assert_eq!(tx["responseMessage"], "PAYMENT_DECLINED");
    assert!(tx["approvedCode"].is_null());
}

#[tokio::test]
async fn a_tip_is_part_of_what_was_charged() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let body = json!({"transactionType": "SALE", "amount": 1000, "tipAmount": 150, "currencyCode": "CZK", "paymentMethod": "CARD"});
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
    c.advance_secs(10);
    let task = c.task(&token, &task["taskId"]).await;
    let (_, tx) = c.get(&format!("/v1/transactions/{}", task["amsId"].as_str().unwrap()), &token).await;
    assert_eq!(
        (tx["amount"].as_u64(), tx["tipAmount"].as_u64(), tx["totalAmount"].as_u64()),
        (Some(1000), Some(150), Some(1150))
    );
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    assert_eq!(
        (open["saleAmount"].as_i64(), open["tipCount"].as_i64(), open["tipAmount"].as_i64()),
        (Some(1150), Some(1), Some(150))
    );
}

#[tokio::test]
async fn close_batch_totals_add_up_overall_and_per_sub_batch_and_the_next_batch_opens() {
    // Arrange: card sales, a cash sale, a crypto sale, a decline, a void.
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, first) = c.completed_sale(&token, 10_000, "CARD").await;
    c.completed_sale(&token, 500, "CARD").await;
    c.completed_sale(&token, 2_000, "CASH").await;
    c.completed_sale(&token, 700, "GO_CRYPTO").await;
    c.completed_sale(&token, 1122, "CARD").await;
    c.post(
        "/v1/tasks/TRANSACTION",
        &token,
        json!({"transactionType": "VOID", "originTransactionID": first["amsId"], "currencyCode": "CZK"}),
    )
    .await;
    c.advance_secs(10);
    // Act
    let (_, task) = c.post("/v1/tasks/BATCH", &token, json!({})).await;
    assert_eq!(task["taskType"], "BATCH");
    c.advance_secs(10);
    let task = c.task(&token, &task["taskId"]).await;
    let (status, batch) = c.get(&format!("/v1/batches/{}", task["amsId"].as_str().unwrap()), &token).await;
    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(batch["state"], "CLOSED");
    assert_eq!(batch["batchNumber"], 1);
    assert_eq!(
        (batch["saleCount"].as_i64(), batch["voidCount"].as_i64(), batch["invalidCount"].as_i64()),
        (Some(4), Some(1), Some(1))
    );
    assert_eq!(batch["totalAmount"], 3_200);
    assert_adds_up(&batch);
    let subs = batch["subBatches"].as_object().unwrap();
    assert_eq!(subs.keys().collect::<Vec<_>>(), ["CARD", "CASH", "GO_CRYPTO"]);
    for sub in subs.values() {
        assert_adds_up(sub);
        assert_eq!(sub["closeBatchNumber"], 1);
    }
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    assert_eq!(
        (open["state"].as_str(), open["batchNumber"].as_i64(), open["totalCount"].as_i64()),
        (Some("OPEN"), Some(2), Some(0))
    );
    assert_eq!(open["previousBatchDate"], batch["date"]);
}

#[tokio::test]
async fn an_empty_batch_closes_with_zeros() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let resp = c.http.post(c.url("/v1/tasks/BATCH")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED, "an empty body is fine");
    let task: Value = resp.json().await.unwrap();
    c.advance_secs(5);
    let task = c.task(&token, &task["taskId"]).await;
    let (_, batch) = c.get(&format!("/v1/batches/{}", task["amsId"].as_str().unwrap()), &token).await;
    assert_eq!((batch["totalCount"].as_i64(), batch["totalAmount"].as_i64()), (Some(0), Some(0)));
    // Seed 000's example lists CASH and CARD: an empty batch lists them too, with zeros.
    let subs = batch["subBatches"].as_object().unwrap();
    assert_eq!(subs.keys().collect::<Vec<_>>(), ["CARD", "CASH"]);
    assert!(subs.values().all(|s| s["totalCount"] == 0 && s["totalAmount"] == 0), "{batch}");
}

#[tokio::test]
async fn unknown_transactions_and_batches_are_404() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    assert_eq!(c.get("/v1/transactions/123", &token).await.1["error"]["code"], "TRANSACTION_NOT_FOUND");
    assert_eq!(c.get("/v1/batches/123", &token).await.1["error"]["code"], "BATCH_NOT_FOUND");
}
