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
    assert_eq!((phone["status"].as_str(), phone["receiptType"].as_str()), (Some("COMPLETED"), Some("SMS")), "{phone}");
    assert_eq!((fax["status"].as_str(), fax["error"].as_str()), (Some("ERROR"), Some("failed")), "{fax}");
}

/// `payterm serve` on free ports with `args`, killed on drop.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `payterm serve ARGS` and reads its banner up to "Press Ctrl-C".
fn serve(args: &[&str]) -> (Serve, Vec<String>) {
    use std::io::BufRead;
    let mut child = Serve(
        std::process::Command::new(env!("CARGO_BIN_EXE_payterm"))
            .args(["serve", "--port", "0", "--control-port", "0", "--seed", "5", "--time-scale", "0.01"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut banner = Vec::new();
    for line in std::io::BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    (child, banner)
}

fn banner_value(banner: &[String], label: &str) -> String {
    banner.iter().find_map(|l| l.trim().strip_prefix(label)).map(|v| v.trim().to_owned()).unwrap()
}

#[tokio::test]
async fn serve_takes_the_apps_own_client_id_and_store_and_shows_them() {
    // Arrange
    let (_serve, banner) = serve(&["--client-id", "4711", "--store", "shop1"]);
    let (url, control) = (banner_value(&banner, "Cloud API"), banner_value(&banner, "control"));
    let http = reqwest::Client::new();
    let link = |link: &'static str| {
        let req = http.get(format!("{url}/app2app")).query(&[("uri", link)]).header("accept", "application/json");
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Act
    let own = link("gptom://batch/close?clientID=4711&printByPaymentApp=false&redirectUrl=fb://x").await;
    let documented = link("gptom://batch/close?clientID=223&printByPaymentApp=false&redirectUrl=fb://x").await;
    let stores: Value = http.get(format!("{control}/stores")).send().await.unwrap().json().await.unwrap();
    // Assert
    assert!(banner_value(&banner, "merchant").ends_with("(deep links' clientID 4711)"), "{banner:?}");
    assert!(banner_value(&banner, "store").starts_with("shop1 (initiator; enroll your key:"), "{banner:?}");
    assert_eq!(own["status"], "COMPLETED", "{own}");
    assert_eq!((documented["status"].as_str(), documented["error"].as_str()), (Some("ERROR"), Some("invalidClientId")));
    assert_eq!(stores["stores"], json!([{"store": "shop1", "disabled": false, "keys": []}]), "{stores}");
}

/// The World's events of kind `event` in the journal, in order.
async fn world_events(c: &Cloud, event: &str) -> Vec<Value> {
    let (_, journal) = c.control_get("/journal").await;
    journal["entries"].as_array().unwrap().iter().filter(|e| e["event"] == event).cloned().collect()
}

#[tokio::test]
async fn print_by_payment_app_true_redirects_after_the_customers_receipt_choice() {
    // Arrange
    let c = Cloud::paused().await;
    let before = c.cloud.now();
    // Act: the default, with a type preselected.
    let sale = link(&c, "gptom://transaction/create?amount=1250&preferableReceiptType=qr&redirectUrl=fb://x").await;
    // Assert: the customer took time to choose (the paused clock moved there), the answer says how.
    assert_eq!(sale["receiptType"], "QR", "{sale}");
    assert!(sale["redirect"].as_str().unwrap().ends_with("&receiptType=QR"), "{sale}");
    let handed = world_events(&c, "receipt_handover").await;
    assert_eq!(handed.len(), 1, "{handed:?}");
    assert_eq!((handed[0]["by"].as_str(), handed[0]["receipt_type"].as_str()), (Some("payment_app"), Some("QR")));
    assert_eq!(handed[0]["ams_id"], sale["receipt"]["amsID"]);
    let paid = world_events(&c, "transaction_result").await;
    let at = |e: &Value| payterm::time::VirtualTime::parse_rfc3339(e["at"].as_str().unwrap()).unwrap();
    assert_eq!(at(&paid[0]), before, "the payment itself is at once");
    assert_eq!((at(&handed[0]) - at(&paid[0])).as_millis(), 5_000, "the customer chooses for 5 s");
    assert_eq!(c.cloud.now(), at(&handed[0]));
}

#[tokio::test]
async fn print_by_payment_app_false_redirects_at_once_and_leaves_the_receipt_to_the_caller() {
    // Arrange
    let c = Cloud::paused().await;
    let before = c.cloud.now();
    // Act
    let sale = link(&c, "gptom://transaction/create?amount=1250&printByPaymentApp=false&redirectUrl=fb://x").await;
    let close = link(&c, "gptom://batch/close?printByPaymentApp=false&redirectUrl=fb://x").await;
    // Assert: no time passes, no receiptType; the receipt is the integration's to hand over.
    assert_eq!(c.cloud.now(), before);
    for answer in [&sale, &close] {
        assert!(answer.get("receiptType").is_none(), "{answer}");
        assert!(!answer["redirect"].as_str().unwrap().contains("receiptType"), "{answer}");
    }
    let handed = world_events(&c, "receipt_handover").await;
    let by: Vec<(&str, &Value)> = handed.iter().map(|e| (e["by"].as_str().unwrap(), &e["ams_id"])).collect();
    assert_eq!(by, [("integration", &sale["receipt"]["amsID"]), ("integration", &close["batch"]["amsId"])]);
    assert!(handed.iter().all(|e| e.get("receipt_type").is_none()), "{handed:?}");
}

#[tokio::test]
async fn on_a_running_clock_the_redirect_waits_for_the_choice_in_virtual_time() {
    // Arrange: 1 virtual second lasts 10 ms.
    let c = Cloud::start(MockCloud::builder().seed(7).time_scale(0.01)).await;
    // Act
    let start = c.cloud.now();
    let true_ = link(&c, "gptom://transaction/create?amount=1250&redirectUrl=fb://x").await;
    let after_true = c.cloud.now();
    // Assert: the answer came no sooner than 5 virtual seconds after the link was opened.
    assert_eq!(true_["receiptType"], "PRINT", "{true_}");
    assert!((after_true - start).as_millis() >= 5_000, "{start} → {after_true}");
}

#[test]
fn payterm_link_on_a_one_shot_world_shows_the_receipt_choice() {
    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm"))
        .args(["link", "gptom://transaction/create?amount=435&preferableReceiptType=EMAIL&redirectUrl=fb://Success"])
        .env_remove("PAYTERM_URL")
        .output()
        .unwrap();
    // Assert
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.trim().ends_with("&receiptType=EMAIL"), "{stdout}");
}

#[tokio::test]
async fn a_close_link_fails_with_failed_to_close_batch_while_the_host_disagrees() {
    // Arrange
    let c = Cloud::paused().await;
    link(&c, "gptom://transaction/create?amount=3000&printByPaymentApp=false&redirectUrl=fb://x").await;
    c.control_post(&format!("/terminals/{TID}/host"), json!({"totalsDifferBy": -100})).await;
    // Act
    let close = link(&c, "gptom://batch/close?redirectUrl=fb://x").await;
    let app = link(&c, "gptom://status?redirectUrl=fb://x").await;
    // Assert: the vendor's failed close; no report to hand over; the batch is still open.
    assert_eq!(
        (close["status"].as_str(), close["error"].as_str()),
        (Some("ERROR"), Some("failedToCloseBatch")),
        "{close}"
    );
    assert!(close.get("batch").is_none() && close.get("receiptType").is_none(), "{close}");
    assert!(close["message"].as_str().unwrap().contains("terminal 3000, host 2900"), "{close}");
    assert_eq!(app["appStatus"]["openBatchNumber"], 1, "{app}");
}
