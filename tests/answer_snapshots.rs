//! Pinned answer shapes: with a fixed seed and a paused clock the World gives the same ids and
//! times every run, so the answers are snapshotted whole (insta, in `snapshots/`).

use insta::assert_json_snapshot;
use serde_json::json;

use crate::support::Cloud;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[tokio::test]
async fn answers_of_a_sale_a_decline_a_void_and_a_close_batch() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (task, tx) = c.completed_sale(&token, 1250, "CARD").await;
    let (declined_task, declined) = c.completed_sale(&token, 1122, "CARD").await;
    let (_, void_task) = c
        .post(
            "/v1/tasks/TRANSACTION",
            &token,
            json!({"transactionType": "VOID", "originTransactionID": tx["amsId"], "currencyCode": "CZK"}),
        )
        .await;
    let (_, batch_task) = c.post("/v1/tasks/BATCH", &token, json!({})).await;
    c.advance_secs(10);
    let batch_task = c.task(&token, &batch_task["taskId"]).await;
    let (_, batch) = c.get(&format!("/v1/batches/{}", batch_task["amsId"].as_str().unwrap()), &token).await;
    let (_, timeout_tx) = c.completed_sale(&token, 1123, "CARD").await;
    settings().bind(|| {
        assert_json_snapshot!("cloud_sale_task_completed", task);
        assert_json_snapshot!("cloud_sale_transaction_approved", tx);
        assert_json_snapshot!("cloud_sale_task_declined", declined_task);
        assert_json_snapshot!("cloud_sale_transaction_declined", declined);
        assert_json_snapshot!("cloud_void_task_queued", void_task);
        assert_json_snapshot!("cloud_batch_closed", batch);
        assert_json_snapshot!("cloud_sale_task_failed_timeout", timeout_tx);
    });
}

#[tokio::test]
async fn answers_of_errors() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, missing) = c
        .post(
            "/v1/tasks/TRANSACTION",
            &token,
            json!({"transactionType": "SALE", "currencyCode": "CZK", "paymentMethod": "CARD"}),
        )
        .await;
    let (_, unknown_sale) = c
        .post(
            "/v1/tasks/TRANSACTION",
            &token,
            json!({"transactionType": "VOID", "originTransactionID": "404", "currencyCode": "CZK"}),
        )
        .await;
    let (_, no_token) = c.get("/v1/tasks", "nonsense").await;
    settings().bind(|| {
        assert_json_snapshot!("cloud_error_missing_amount", missing);
        assert_json_snapshot!("cloud_error_void_unknown_sale", unknown_sale);
        assert_json_snapshot!("cloud_error_invalid_token", no_token);
    });
}
