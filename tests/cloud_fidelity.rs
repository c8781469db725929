//! The Cloud API as the vendor documents it (issue 15): a master account names the terminal on
//! every call, and the batch object carries the SDK's fields with the seed's sub-batches.

use payterm::MockCloud;
use payterm::world::money::Currency;
use payterm::world::terminal::TerminalMode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

#[tokio::test]
async fn the_batch_carries_the_sdks_tip_figures_and_always_lists_card_and_cash() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (_, empty) = c.get("/v1/batches/OPEN", &token).await;
    let tipped = json!({"transactionType": "SALE", "amount": 9550, "tipAmount": 450, "currencyCode": "CZK", "paymentMethod": "CARD"});
    let (status, _) = c.post("/v1/tasks/TRANSACTION", &token, tipped).await;
    assert_eq!(status, StatusCode::CREATED);
    c.completed_sale(&token, 1000, "CARD").await;
    // Act
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    let link = c
        .http
        .get(c.url("/app2app"))
        .query(&[("uri", "gptom://batch/close?redirectUrl=fb://x")])
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    // Assert: seed 000's example lists CASH and CARD, also with nothing in them.
    let zero = json!({"closeBatchNumber": 1, "saleCount": 0, "saleAmount": 0, "voidCount": 0, "voidAmount": 0,
        "totalCount": 0, "totalAmount": 0});
    assert_eq!(empty["subBatches"], json!({"CARD": zero, "CASH": zero}), "{empty}");
    assert_eq!((&empty["tipAverage"], &empty["tipAveragePercentage"]), (&json!(0), &json!(0.0)));
    // One tipped sale of 95.50 + 4.50 and one without: the average tip is 4.50, 4.71 % of 95.50.
    assert_eq!(
        (&open["tipCount"], &open["tipAverage"], &open["tipAveragePercentage"]),
        (&json!(1), &json!(450), &json!(4.71))
    );
    assert_eq!(open["subBatches"]["CASH"]["saleCount"], 0, "{open}");
    let batch = &link["batch"];
    assert_eq!((&batch["tipAverage"], &batch["tipAveragePercentage"]), (&json!(4.5), &json!(4.71)), "{batch}");
    assert_eq!(batch["subBatches"]["CASH"]["totalAmount"], json!(0.0), "{batch}");
}

#[tokio::test]
async fn a_close_batch_fails_while_the_host_holds_other_totals_and_the_batch_stays_open() {
    // Arrange: a sale in the open batch, and a host whose sum is 5.00 more than the terminal's.
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.completed_sale(&token, 1250, "CARD").await;
    let (status, view) = c.control_post(&format!("/terminals/{TID}/host"), json!({"totalsDifferBy": 500})).await;
    assert_eq!((status, view["hostTotalsDifferBy"].as_i64()), (StatusCode::OK, Some(500)), "{view}");
    // Act
    let (_, task) = c.post("/v1/tasks/BATCH", &token, json!({})).await;
    c.advance_secs(5);
    let failed = c.task(&token, &task["taskId"]).await;
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    c.control_post(&format!("/terminals/{TID}/host"), json!({"totalsDifferBy": 0})).await;
    let (_, again) = c.post("/v1/tasks/BATCH", &token, json!({})).await;
    c.advance_secs(5);
    let closed = c.task(&token, &again["taskId"]).await;
    // Assert: seed 000's check failed; nothing closed, so no batch to read.
    assert_eq!(failed["state"], "FAILED", "{failed}");
    assert_eq!(
        (failed["error"]["code"].as_u64(), failed["error"]["message"].as_str()),
        (Some(88), Some("BATCH_TOTALS_MISMATCH"))
    );
    assert!(failed["error"]["description"].as_str().unwrap().contains("terminal 1250, host 1750"), "{failed}");
    assert!(failed.get("amsId").is_none_or(Value::is_null), "{failed}");
    assert_eq!((open["batchNumber"].as_u64(), open["saleCount"].as_u64()), (Some(1), Some(1)), "still open: {open}");
    let (_, journal) = c.control_get("/journal").await;
    let events: Vec<&Value> =
        journal["entries"].as_array().unwrap().iter().filter(|e| e["event"] == "batch_close_failed").collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0]["terminal_total"].as_i64(), events[0]["host_total"].as_i64()), (Some(1250), Some(1750)));
    assert_eq!(closed["state"], "COMPLETED", "once they agree: {closed}");
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    // A discriminator's mapping points at schemas as well.
                    ("mapping", Value::Object(m)) => out.extend(m.values().filter_map(Value::as_str)),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_served_openapi_document_names_its_own_server_and_uses_every_component() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let doc: Value = c.http.get(c.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    // Assert: `servers` is the loopback URL this server really has (redocly's recommended rules).
    assert_eq!(doc["servers"][0]["url"], c.cloud.uri(), "{}", doc["servers"]);
    let mut used = Vec::new();
    refs(&doc, &mut used);
    let unused: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|name| !used.contains(&format!("#/components/schemas/{name}").as_str()))
        .collect();
    assert!(unused.is_empty(), "components no route refers to: {unused:?}");
}
