//! The Cloud API as the vendor documents it (issue 15): a master account names the terminal on
//! every call, and the batch object carries the SDK's fields with the seed's sub-batches.

use payterm::MockCloud;
use payterm::world::money::Currency;
use payterm::world::terminal::TerminalMode;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Cloud, TID};

#[tokio::test]
async fn a_master_token_names_the_tid_on_every_read_and_withdrawal() {
    // Arrange: two terminals of the merchant; a completed sale on 999888, a queued one behind
    // a sale waiting for its card on an assisted terminal.
    let c =
        Cloud::start(MockCloud::builder().seed(7).paused().terminals(2, TerminalMode::Automatic, Currency::CZK)).await;
    let master = c.token_for(None).await["access_token"].as_str().unwrap().to_owned();
    let sale =
        json!({"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD", "tid": TID});
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &master, sale.clone()).await;
    let (_, queued) = c.post("/v1/tasks/TRANSACTION", &master, sale).await;
    c.advance_secs(5);
    let (_, done) = c.get(&format!("/v1/tasks/{}?tid={TID}", task["taskId"].as_str().unwrap()), &master).await;
    let ams = done["amsId"].as_str().unwrap().to_owned();
    let (task_id, queued_id) = (task["taskId"].as_str().unwrap(), queued["taskId"].as_str().unwrap());
    // Act
    let without = [
        c.get(&format!("/v1/tasks/{task_id}"), &master).await,
        c.get(&format!("/v1/transactions/{ams}"), &master).await,
        c.send(Method::DELETE, &format!("/v1/tasks/{queued_id}"), &master, None).await,
    ];
    let elsewhere = c.get(&format!("/v1/transactions/{ams}?tid=100001"), &master).await;
    let foreign = c.get(&format!("/v1/transactions/{ams}?tid=555555"), &master).await;
    let named = c.get(&format!("/v1/transactions/{ams}?tid={TID}"), &master).await;
    // Assert
    for (status, body) in &without {
        assert_eq!((*status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("tid")), "{body}");
    }
    assert_eq!(elsewhere.0, StatusCode::NOT_FOUND, "the transaction is not on 100001: {}", elsewhere.1);
    assert_eq!((foreign.0, foreign.1["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("TID_NOT_ALLOWED")));
    assert_eq!((named.0, named.1["amsId"].as_str()), (StatusCode::OK, Some(ams.as_str())));
    let token = c.token().await;
    assert_eq!(c.get(&format!("/v1/transactions/{ams}"), &token).await.0, StatusCode::OK, "a terminal token names it");
}
