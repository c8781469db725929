//! GP tom deep links through `GET /app2app` and `payterm link`: every operation, the redirect's
//! exact shape, one World shared with the Cloud API, hostile and broken links.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::support::{Cloud, TID};

/// One answer of `GET /app2app`.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: Value,
}

impl Answer {
    /// The fields the answer added to the redirect URL (JSON fields parsed).
    fn fields(&self) -> BTreeMap<String, Value> {
        redirect_fields(self.location.as_deref().expect("a Location header"))
    }
}

/// The query fields GP tom added to `url`, JSON values parsed.
fn redirect_fields(url: &str) -> BTreeMap<String, Value> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let value = if v.starts_with('{') { serde_json::from_str(&v).unwrap() } else { Value::from(v.as_ref()) };
            (k.into_owned(), value)
        })
        .collect()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn send(c: &Cloud, link: &str, accept_json: bool) -> Answer {
    let mut req = no_redirects().get(c.url("/app2app")).query(&[("uri", link)]);
    if accept_json {
        req = req.header("accept", "application/json");
    }
    let resp = req.send().await.unwrap();
    let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    Answer { status: resp.status(), location, body: resp.json().await.unwrap_or(Value::Null) }
}

/// Sends `link` and returns the redirect's fields, asserting a 302.
async fn redirect(c: &Cloud, link: &str) -> BTreeMap<String, Value> {
    let a = send(c, link, false).await;
    assert_eq!(a.status, StatusCode::FOUND, "{link}: {}", a.body);
    a.fields()
}

fn minor(v: &Value) -> i64 {
    (v.as_f64().unwrap() * 100.0).round() as i64
}

fn assert_totals_add_up(t: &Value) {
    assert_eq!(t["totalCount"].as_u64().unwrap(), t["saleCount"].as_u64().unwrap() + t["voidCount"].as_u64().unwrap());
    assert_eq!(minor(&t["totalAmount"]), minor(&t["saleAmount"]) - minor(&t["voidAmount"]));
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[tokio::test]
async fn every_operation_answers_by_redirect_on_the_first_terminal() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let sale = redirect(&c, "gptom://transaction/create?amount=435&requestID=s-1&redirectUrl=fb://Success").await;
    let ams = sale["receipt"]["amsID"].as_str().unwrap().to_owned();
    let by_id = redirect(&c, &format!("gptom://transaction/detail?amsID={ams}&redirectUrl=fb://x")).await;
    let refund = redirect(&c, "gptom://transaction/refund?amount=100&transactionType=CASH&redirectUrl=fb://x").await;
    let cancel = redirect(&c, &format!("gptom://transaction/cancel?amsID={ams}&redirectUrl=fb://x")).await;
    let closed = redirect(&c, "gptom://batch/close?redirectUrl=fb://x").await;
    let batch_id = closed["batch"]["amsId"].as_str().unwrap().to_owned();
    let detail = redirect(&c, &format!("gptom://batch/detail?amsID={batch_id}&redirectUrl=fb://x")).await;
    let status = redirect(&c, "gptom://status?redirectUrl=fb://x").await;
    // Assert
    for answer in [&sale, &by_id, &refund, &cancel, &closed, &detail, &status] {
        assert_eq!(answer["status"], "COMPLETED", "{answer:?}");
    }
    assert_eq!(sale["receipt"]["amount"], "4.35");
    assert_eq!((&sale["receipt"]["terminalID"], &sale["receipt"]["requestID"]), (&json!(TID), &json!("s-1")));
    assert_eq!(by_id["receipt"]["transactionID"], sale["receipt"]["transactionID"]);
    assert_eq!(refund["receipt"]["cardNumber"], Value::Null);
    assert_ne!(cancel["receipt"]["amsID"], json!(ams));
    assert_eq!(detail["batch"], closed["batch"]);
    assert_eq!(closed["batch"]["subBatches"]["CASH"]["voidAmount"], json!(1.0));
    assert_eq!(status["appStatus"]["openBatchNumber"], 2);
    assert_eq!(status["appStatus"]["merchantID"], "223");
    assert_eq!(status["appStatus"]["version"], format!("payterm-{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn the_close_batch_redirect_has_every_field_and_its_totals_add_up() {
    // Arrange: a card sale with a tip, a cash sale voided, a declined card.
    let c = Cloud::paused().await;
    redirect(&c, "gptom://transaction/create?amount=9550&tipAmount=450&redirectUrl=fb://x").await;
    let cash = redirect(&c, "gptom://transaction/create?amount=500&transactionType=cash&redirectUrl=fb://x").await;
    let cash_id = cash["receipt"]["amsID"].as_str().unwrap().to_owned();
    redirect(&c, &format!("gptom://transaction/cancel?amsID={cash_id}&redirectUrl=fb://x")).await;
    redirect(&c, "gptom://transaction/create?amount=1122&redirectUrl=fb://x").await;
    // Act
    let a = send(&c, "gptom://batch/close?clientID=223&redirectUrl=fb://Success?from=pos", false).await;
    // Assert
    let location = a.location.clone().unwrap();
    assert!(location.starts_with("fb://Success?from=pos&status=COMPLETED&batch=%7B%22amsId%22"), "{location}");
    let fields = a.fields();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["batch", "from", "receiptType", "status"]);
    assert_eq!(fields["receiptType"], "PRINT", "GP tom handed the report over on paper");
    let batch = &fields["batch"];
    let keys: Vec<&str> = batch.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = "amsId batchNumber communicationId currency date previousBatchDate firstTransactionDate saleCount \
                    saleAmount voidCount voidAmount totalCount totalAmount invalidCount tipCount tipAmount tipAverage \
                    tipAveragePercentage subBatches";
    assert_eq!(keys, expected.split_whitespace().collect::<Vec<_>>());
    assert_eq!(
        (&batch["batchNumber"], &batch["currency"], &batch["previousBatchDate"]),
        (&json!(1), &json!("CZK"), &Value::Null)
    );
    assert_eq!((&batch["saleCount"], &batch["saleAmount"]), (&json!(2), &json!(105.0)));
    assert_eq!((&batch["voidCount"], &batch["voidAmount"]), (&json!(1), &json!(5.0)));
    assert_eq!((&batch["totalCount"], &batch["totalAmount"]), (&json!(3), &json!(100.0)));
    assert_eq!((&batch["invalidCount"], &batch["tipCount"], &batch["tipAmount"]), (&json!(1), &json!(1), &json!(4.5)));
    assert_totals_add_up(batch);
    let subs = batch["subBatches"].as_object().unwrap();
    assert_eq!(subs.keys().collect::<Vec<_>>(), ["CARD", "CASH"]);
    for sub in subs.values() {
        assert_eq!(sub["closeBatchNumber"], 1);
        assert_totals_add_up(sub);
    }
    assert_eq!(subs["CARD"]["saleAmount"], json!(100.0));
    // The Cloud API reads the same batch in minor units.
    let token = c.token().await;
    let (_, cloud) = c.get(&format!("/v1/batches/{}", batch["amsId"].as_str().unwrap()), &token).await;
    assert_eq!(
        (cloud["totalAmount"].as_i64(), cloud["communicationId"].as_str()),
        (Some(10_000), batch["communicationId"].as_str())
    );
    settings().bind(|| {
        insta::assert_snapshot!("app2app_close_batch_redirect", location);
        insta::assert_json_snapshot!("app2app_close_batch_fields", fields);
    });
}

#[tokio::test]
async fn a_sale_redirect_is_pinned() {
    let c = Cloud::paused().await;
    let a = send(&c, "gptom://transaction/create?amount=1250&requestId=order-7&redirectUrl=fb://Success", false).await;
    let location = a.location.clone().unwrap();
    let fields = a.fields();
    assert_eq!(fields["receipt"]["cardNumber"].as_str().map(str::len), Some(4));
    settings().bind(|| {
        insta::assert_snapshot!("app2app_sale_redirect", location);
        insta::assert_json_snapshot!("app2app_sale_fields", fields);
    });
}

#[tokio::test]
async fn a_deep_link_sale_lands_in_the_cloud_apis_open_batch_and_the_ledger() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.completed_sale(&token, 1000, "CARD").await;
    // Act
    let sale =
        redirect(&c, "gptom://transaction/create?amount=250&originReferenceNum=ORDER42&redirectUrl=fb://x").await;
    // Assert
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    assert_eq!((open["saleCount"].as_u64(), open["saleAmount"].as_i64()), (Some(2), Some(1250)));
    let (_, ledger) = c.control_get("/ledger").await;
    let entry = ledger["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["surface"], "app2app");
    assert_eq!(
        (&entry["payment"], &entry["amount"], &entry["reference"]),
        (&sale["receipt"]["amsID"], &json!(250), &json!("ORDER42"))
    );
    let (_, tx) = c.get(&format!("/v1/transactions/{}", sale["receipt"]["amsID"].as_str().unwrap()), &token).await;
    assert_eq!((tx["receiptNumber"].as_u64(), tx["amount"].as_u64()), (Some(2), Some(250)));
}

#[rstest]
#[case::approved_1111(1111, "COMPLETED", None, None)]
#[case::declined_1122(1122, "ERROR", Some("failed"), Some("insufficientFunds"))]
#[case::timeout_1123(1123, "ERROR", Some("networkError"), None)]
#[case::exception_1124(1124, "ERROR", Some("failed"), None)]
#[tokio::test]
async fn test_amounts_map_to_status_error_and_code_with_the_receipt(
    #[case] amount: u64,
    #[case] status: &str,
    #[case] error: Option<&str>,
    #[case] code: Option<&str>,
) {
    let c = Cloud::paused().await;
    let f = redirect(&c, &format!("gptom://transaction/create?amount={amount}&redirectUrl=fb://x")).await;
    assert_eq!(f["status"], status);
    assert_eq!((f.get("error").and_then(Value::as_str), f.get("code").and_then(Value::as_str)), (error, code));
    assert_eq!(f["receipt"]["amount"], format!("{}.{}", amount / 100, amount % 100));
    // Asked again later, the transaction answers the same way.
    let ams = f["receipt"]["amsID"].as_str().unwrap();
    let again = redirect(&c, &format!("gptom://transaction/detail?amsID={ams}&redirectUrl=fb://x")).await;
    assert_eq!((&again["status"], again.get("error")), (&f["status"], f.get("error")));
}

#[tokio::test]
async fn a_card_cancelled_on_the_device_answers_cancelled_with_the_receipt() {
    let c = Cloud::paused().await;
    let (presented, _) = c.control_post(&format!("/terminals/{TID}/card"), json!({"outcome": "cancelled"})).await;
    let f = redirect(&c, "gptom://transaction/create?amount=700&redirectUrl=fb://x").await;
    assert_eq!(presented, StatusCode::OK);
    assert_eq!((&f["status"], f.get("error")), (&json!("CANCELLED"), None));
    assert_eq!(f["receipt"]["result"], -1);
}

#[tokio::test]
async fn voids_the_rules_refuse_and_unknown_ids_answer_error() {
    // Arrange
    let c = Cloud::paused().await;
    let sale = redirect(&c, "gptom://transaction/create?amount=300&redirectUrl=fb://x").await;
    let ams = sale["receipt"]["amsID"].as_str().unwrap().to_owned();
    redirect(&c, &format!("gptom://transaction/cancel?amsID={ams}&redirectUrl=fb://x")).await;
    // Act
    let twice = redirect(&c, &format!("gptom://transaction/cancel?amsID={ams}&redirectUrl=fb://x")).await;
    let unknown = [
        "gptom://transaction/cancel?amsID=404&redirectUrl=fb://x",
        "gptom://transaction/detail?amsID=404&redirectUrl=fb://x",
        "gptom://transaction/detail?requestID=nobody&redirectUrl=fb://x",
        "gptom://batch/detail?amsID=404&redirectUrl=fb://x",
    ];
    // Assert
    assert_eq!(
        (&twice["status"], &twice["error"], twice.get("receipt")),
        (&json!("ERROR"), &json!("cannotBeVoided"), None)
    );
    for link in unknown {
        let f = redirect(&c, link).await;
        assert_eq!((&f["status"], &f["error"]), (&json!("ERROR"), &json!("failed")), "{link}");
    }
}

#[rstest]
#[case::unknown_path("gptom://transaction/steal?amount=5", "unsupportedTransactionOperationOrType")]
#[case::go_crypto(
    "gptom://transaction/create?amount=5&transactionType=GO_CRYPTO",
    "unsupportedTransactionOperationOrType"
)]
#[case::unknown_method(
    "gptom://transaction/create?amount=5&transactionType=IOU",
    "unsupportedTransactionOperationOrType"
)]
#[case::bad_percent_escape("gptom://transaction/create?amount=5&clientEmail=a%zz", "failed")]
#[case::percent_at_the_end("gptom://transaction/create?amount=5&clientEmail=a%", "failed")]
#[case::invalid_utf8("gptom://transaction/create?amount=5&clientEmail=%C3%28", "failed")]
#[case::value_over_2_kib(&format!("gptom://batch/close?clientEmail={}", "a".repeat(2100)), "failed")]
#[case::link_over_8_kib(&format!("gptom://batch/close?{}", format!("&x={}", "a".repeat(1000)).repeat(9)), "failed")]
#[case::missing_amount("gptom://transaction/create", "invalidAmount")]
#[case::non_numeric_amount("gptom://transaction/create?amount=ten", "invalidAmount")]
#[case::negative_amount("gptom://transaction/refund?amount=-100", "invalidAmount")]
#[case::zero_amount("gptom://transaction/create?amount=0", "invalidAmount")]
#[case::overflowing_amount("gptom://transaction/create?amount=184467440737095516160", "invalidAmount")]
#[case::amount_over_the_limit("gptom://transaction/create?amount=1000000000", "invalidAmount")]
#[case::negative_tip("gptom://transaction/create?amount=5&tipAmount=-1", "invalidAmount")]
#[case::bad_bool("gptom://batch/close?printByPaymentApp=yes", "failed")]
#[case::bad_receipt_type("gptom://batch/close?preferableReceiptType=fax", "failed")]
#[case::other_merchant("gptom://batch/close?clientID=224", "invalidClientId")]
#[case::reference_over_20("gptom://transaction/create?amount=5&originReferenceNum=ABCDEFGHIJKLMNOPQRSTU", "failed")]
#[case::cancel_without_ams_id("gptom://transaction/cancel", "failed")]
#[case::detail_without_ids("gptom://transaction/detail", "failed")]
#[case::batch_detail_without_ams_id("gptom://batch/detail", "failed")]
#[tokio::test]
async fn broken_links_redirect_with_the_reason(#[case] link: &str, #[case] reason: &str) {
    let c = Cloud::paused().await;
    let sep = if link.contains('?') { '&' } else { '?' };
    let f = redirect(&c, &format!("{link}{sep}redirectUrl=fb://Failed")).await;
    assert_eq!((&f["status"], &f["error"]), (&json!("ERROR"), &json!(reason)));
    let (_, ledger) = c.control_get("/ledger").await;
    assert_eq!(ledger["entries"], json!([]), "a refused link moves no money");
}

#[rstest]
#[case::not_a_url("batch/close?redirectUrl=fb://x", "NOT_A_URL", "is not a URL")]
#[case::other_scheme("https://gptom.com/batch/close?redirectUrl=fb://x", "NOT_GPTOM", "not `gptom`")]
#[case::status_without_redirect("gptom://status", "NO_REDIRECT_URL", "no usable redirectUrl")]
#[case::relative_redirect("gptom://batch/close?redirectUrl=Success", "BAD_REDIRECT_URL", "is not a URL")]
#[case::huge_and_no_redirect(&format!("gptom://batch/close?{}", format!("&x={}", "a".repeat(1000)).repeat(9)), "LINK_TOO_LARGE", "size caps")]
#[tokio::test]
async fn links_with_nothing_to_redirect_to_are_400_and_cli_errors(
    #[case] link: &str,
    #[case] reason: &str,
    #[case] says: &str,
) {
    // Over HTTP.
    let c = Cloud::paused().await;
    let a = send(&c, link, false).await;
    assert_eq!(
        (a.status, &a.body["error"]["field"], &a.body["error"]["reason"]),
        (StatusCode::BAD_REQUEST, &json!("uri"), &json!(reason))
    );
    // On the command line.
    let out = payterm_link(&[link], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INVALID_INPUT), "{err}");
    assert!(err.contains(says) && err.contains("hint"), "{err}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn a_request_without_uri_or_with_an_unencoded_link_is_a_400() {
    let c = Cloud::paused().await;
    let missing = no_redirects().get(c.url("/app2app")).send().await.unwrap();
    let unencoded = no_redirects()
        .get(c.url("/app2app?uri=gptom://transaction/create?amount=100&redirectUrl=fb://x"))
        .send()
        .await
        .unwrap();
    assert_eq!((missing.status(), unencoded.status()), (StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST));
    assert_eq!(missing.json::<Value>().await.unwrap()["error"]["field"], "uri");
    assert_eq!(unencoded.json::<Value>().await.unwrap()["error"]["reason"], "UNENCODED_LINK");
}

#[tokio::test]
async fn request_id_is_read_in_both_spellings_and_enums_ignore_case() {
    let c = Cloud::paused().await;
    let link = "gptom://transaction/create?amount=800&requestId=pos-1&transactionType=blik_payment\
                &preferableReceiptType=Qr&printByPaymentApp=FALSE&tipCollect=True&redirectUrl=fb://x";
    let sale = redirect(&c, link).await;
    let found = redirect(&c, "gptom://transaction/detail?requestID=pos-1&redirectUrl=fb://x").await;
    assert_eq!(sale["status"], "COMPLETED");
    assert_eq!(
        (&found["receipt"]["amsID"], &found["receipt"]["requestID"]),
        (&sale["receipt"]["amsID"], &json!("pos-1"))
    );
}

#[tokio::test]
async fn a_plus_in_client_phone_stays_a_plus_and_an_unencoded_one_is_caught() {
    let c = Cloud::paused().await;
    let seed_link = "gptom://batch/close?clientID=223&redirectUrl=fb://Success&printByPaymentApp=true\
                     &preferableReceiptType=QR&clientPhone=+420606505404&clientEmail=info@gptom.com";
    // Encoded as the spec asks, the vendor's own example closes the batch.
    assert_eq!(redirect(&c, seed_link).await["status"], "COMPLETED");
    // Sent raw, the outer query turns `+` into a space, which no URL holds.
    let raw = format!("{}/app2app?uri={}", c.cloud.uri(), seed_link.replace('&', "%26").replace('?', "%3F"));
    let resp = no_redirects().get(raw).send().await.unwrap();
    let f = redirect_fields(resp.headers()["location"].to_str().unwrap());
    assert_eq!((&f["status"], &f["error"]), (&json!("ERROR"), &json!("failed")));
}

#[tokio::test]
async fn accept_json_gets_200_with_the_same_answer_and_no_redirect_url_gets_json() {
    let c = Cloud::paused().await;
    let with = send(&c, "gptom://transaction/create?amount=1122&redirectUrl=fb://x", true).await;
    let without = send(&c, "gptom://transaction/create?amount=1250", false).await;
    assert_eq!((with.status, with.location.as_deref()), (StatusCode::OK, None));
    let fields = redirect_fields(with.body["redirect"].as_str().unwrap());
    assert_eq!(
        (&with.body["status"], &with.body["error"], &with.body["code"]),
        (&json!("ERROR"), &json!("failed"), &json!("insufficientFunds"))
    );
    assert_eq!(fields["receipt"], with.body["receipt"]);
    assert!(with.body["message"].as_str().unwrap().contains("PAYMENT_DECLINED"));
    assert_eq!((without.status, without.body.get("redirect")), (StatusCode::OK, None));
    assert_eq!(without.body["receipt"]["amount"], "12.50");
}

#[tokio::test]
async fn a_duplicated_parameter_keeps_the_last_and_is_noted_in_the_journal() {
    let c = Cloud::paused().await;
    let f = redirect(&c, "gptom://transaction/create?amount=100&amount=200&redirectUrl=fb://x").await;
    let (_, journal) = c.control_get("/journal").await;
    assert_eq!(f["receipt"]["amount"], "2.00");
    let exchange = journal["entries"].as_array().unwrap().iter().find(|e| e["surface"] == "app2app").unwrap();
    assert_eq!(exchange["notes"], json!(["parameter amount given twice; the last wins"]));
}

#[tokio::test]
async fn a_redirect_url_cannot_smuggle_headers() {
    let c = Cloud::paused().await;
    let resp = no_redirects()
        .get(c.url("/app2app"))
        .query(&[("uri", "gptom://status?redirectUrl=fb://x%0D%0ASet-Cookie:%20a=b")])
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("set-cookie").is_none());
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("fb://x%0D%0ASet-Cookie:%20a=b?status=COMPLETED"));
}

fn payterm_link(args: &[&str], server: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_payterm"));
    cmd.arg("link").args(args).env_remove("PAYTERM_URL");
    if let Some(url) = server {
        cmd.env("PAYTERM_URL", url);
    }
    cmd.output().unwrap()
}

#[test]
fn payterm_link_without_a_server_runs_a_one_shot_world_and_exits_zero_on_error() {
    let ok = payterm_link(&["gptom://status?redirectUrl=fb://x"], None);
    let refused = payterm_link(&["gptom://transaction/create?amount=-1&redirectUrl=fb://x"], None);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success() && stderr.contains("fresh one-shot World (terminal 999888)"), "{stderr}");
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("fb://x?status=COMPLETED&appStatus="));
    assert_eq!(refused.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&refused.stdout).trim_end().ends_with("&error=invalidAmount"));
}

#[test]
fn payterm_link_with_an_unreachable_server_fails_with_setup_failed() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let out = payterm_link(&["--server", &url, "gptom://status?redirectUrl=fb://x"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::SETUP_FAILED), "{err}");
    assert!(err.contains("failed to reach payterm serve") && err.contains("hint"), "{err}");
}

/// Kills the server on drop so a failing test leaves none behind.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> (Serve, String, String) {
    let mut child = Serve(
        Command::new(env!("CARGO_BIN_EXE_payterm"))
            .args(["serve", "--port", "0", "--control-port", "0", "--seed", "5", "--time-scale", "0.01"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (mut cloud, mut control) = (None, None);
    for line in BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let line = line.trim();
        cloud = cloud.or_else(|| line.strip_prefix("Cloud API").map(|u| u.trim().to_owned()));
        control = control.or_else(|| line.strip_prefix("control").map(|u| u.trim().to_owned()));
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (child, cloud.expect("a Cloud API line"), control.expect("a control line"))
}

fn link_on(server: &str, link: &str, via_env: bool) -> BTreeMap<String, Value> {
    let out =
        if via_env { payterm_link(&[link], Some(server)) } else { payterm_link(&["--server", server, link], None) };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "a server run says nothing on stderr");
    redirect_fields(stdout.trim())
}

#[test]
fn payterm_link_against_payterm_serve_sells_voids_and_closes_on_one_terminal() {
    // Arrange
    let (_server, cloud, control) = serve();
    // Act
    let sale = link_on(&cloud, "gptom://transaction/create?amount=1990&redirectUrl=fb://Done", false);
    let ams = sale["receipt"]["amsID"].as_str().unwrap();
    let void = link_on(&cloud, &format!("gptom://transaction/cancel?amsID={ams}&redirectUrl=fb://Done"), true);
    let closed = link_on(&cloud, "gptom://batch/close?redirectUrl=fb://Done", false);
    let no_redirect = payterm_link(&["--server", &cloud, "gptom://transaction/detail?amsID=404"], None);
    // Assert
    assert_eq!([&sale["status"], &void["status"], &closed["status"]], [&json!("COMPLETED"); 3]);
    let batch = &closed["batch"];
    assert_eq!((&batch["saleCount"], &batch["voidCount"], &batch["totalAmount"]), (&json!(1), &json!(1), &json!(0.0)));
    assert_eq!(batch["subBatches"]["CARD"]["saleAmount"], json!(19.9));
    assert_totals_add_up(batch);
    let body: Value = serde_json::from_slice(&no_redirect.stdout).unwrap();
    assert_eq!((&body["status"], &body["error"], body.get("redirect")), (&json!("ERROR"), &json!("failed"), None));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ledger: Value =
        rt.block_on(async { reqwest::get(format!("{control}/ledger")).await.unwrap().json().await.unwrap() });
    let kinds: Vec<&Value> = ledger["entries"].as_array().unwrap().iter().map(|e| &e["kind"]).collect();
    assert_eq!(kinds, [&json!("capture"), &json!("void")]);
}
