//! Deep links as a real app meets them (issue 15): the terminal the app is logged in to, the
//! receipt hand-over that `printByPaymentApp` decides, the seed's own receipt-type spelling,
//! and a close the host refuses because its totals differ.

use payterm::MockCloud;
use payterm::world::money::Currency;
use payterm::world::terminal::TerminalMode;
use serde_json::{Value, json};

use crate::support::{Cloud, TID};

/// `GET /app2app` with `Accept: application/json`: the answer's fields, asserting a 200.
async fn link(c: &Cloud, link: &str) -> Value {
    let resp = c
        .http
        .get(c.url("/app2app"))
        .query(&[("uri", link)])
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{link}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn deep_links_act_on_the_first_terminal_not_the_lowest_numbered_one() {
    // Arrange: 999888, 100001 and 100002 served, and 100000 added through the control API.
    let c =
        Cloud::start(MockCloud::builder().seed(7).paused().terminals(3, TerminalMode::Automatic, Currency::CZK)).await;
    let (status, body) = c.control_post("/terminals", json!({"tid": "100000"})).await;
    assert_eq!(status, 201, "{body}");
    // Act
    let sale = link(&c, "gptom://transaction/create?amount=1250&redirectUrl=fb://x").await;
    let app = link(&c, "gptom://status?redirectUrl=fb://x").await;
    // Assert
    assert_eq!(sale["receipt"]["terminalID"], TID, "{sale}");
    assert_eq!(app["appStatus"]["terminalID"], TID, "{app}");
}

#[tokio::test]
async fn the_seeds_phone_receipt_type_is_taken_as_sms() {
    // Arrange
    let c = Cloud::paused().await;
    // Act: the seed's value list spells the text-message receipt PHONE.
    let phone =
        link(&c, "gptom://batch/close?preferableReceiptType=PHONE&clientPhone=+420606505404&redirectUrl=fb://x").await;
    let fax = link(&c, "gptom://batch/close?preferableReceiptType=FAX&redirectUrl=fb://x").await;
    // Assert
    assert_eq!(phone["status"], "COMPLETED", "{phone}");
    assert_eq!((fax["status"].as_str(), fax["error"].as_str()), (Some("ERROR"), Some("failed")), "{fax}");
}
