//! The script engine over HTTP on loopback: a scenario's steps answer exactly as scripted
//! (held for N polls, for a span, until the customer acts), faults strike before or after
//! the emulator acts, timed actions fire on the virtual clock, and the same scenario, seed
//! and requests give the same transcript.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use payterm::HarnessKey;
use payterm::MockCloud;
use payterm::scenario::Scenario;
use payterm::surfaces::initiator::signing;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::Cloud;

fn scenario(text: &str) -> Arc<Scenario> {
    Arc::new(payterm::scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{}", e.render())))
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

async fn play(text: &str) -> Cloud {
    let k = key();
    let harness = HarnessKey { key_id: signing::key_id(&k.verifying_key()), public: k.verifying_key().to_bytes() };
    Cloud::start(MockCloud::builder().paused().scenario(scenario(text)).harness_key(harness)).await
}

/// A signed initiator request, as the initiator program sends it.
async fn hype(c: &Cloud, path: &str, body: Value) -> Value {
    let k = key();
    let bytes = serde_json::to_vec(&body).unwrap();
    let resp = c
        .http
        .post(c.url(path))
        .header(signing::STORE_HEADER, "testingstore")
        .header(signing::KEY_ID_HEADER, signing::key_id(&k.verifying_key()))
        .header(signing::SIGNATURE_HEADER, signing::sign(&k, &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    resp.json().await.unwrap()
}

/// Issues the invoice `TEST-2024` and returns the answer (identifier, autofeed).
async fn invoice(c: &Cloud) -> Value {
    let doc = json!({"version": 1, "document": "aehype_invoice", "payload": {"invoice": "TEST-2024", "store": "testingstore",
        "total": 600000, "fiscals": [{"name": "Course", "amount": 1, "code_mxik": "10305008004000000", "vat": 0,
        "vat_price": 0, "price_total": 600000, "price_per_unit": 600000, "code_mxik_package": "1546606"}]}});
    let answer = hype(c, "/hype/v1/invoices", doc).await;
    assert!(answer["identifier"].is_string(), "{answer}");
    answer
}

/// Issues the invoice `TEST-2024` and presents its URI to the virtual customer, whose plan
/// then starts.
async fn presented_invoice(c: &Cloud) -> Value {
    let answer = invoice(c).await;
    c.control_post(&format!("/invoices/{}/present", answer["identifier"].as_str().unwrap()), json!({})).await;
    answer
}

async fn status(c: &Cloud, invoice: &Value) -> Value {
    hype(c, "/hype/v1/status", invoice["autofeed"].clone()).await
}

fn said(answer: &Value) -> String {
    answer["status"].as_str().or(answer["fault"].as_str()).unwrap_or("?").to_owned()
}

const INITIATOR_HEAD: &str = r#"
version = 1
name = "engine test"
surfaces = ["initiator"]
rules = ["HYPE-CREATED"]
[[orders]]
id = "o1"
operation = "invoice"
amount = 600000
reference = "TEST-2024"
"#;

#[tokio::test]
async fn a_status_step_held_for_two_polls_answers_exactly_twice_then_waits_for_the_customer() {
    // Arrange
    let c = play(&format!(
        "{INITIATOR_HEAD}
[[script.status]]
fault = \"server_error\"
polls = 2
[[script.status]]
status = \"created\"
until = \"customer.opens\"
[[script.status]]
status = \"reached\"
"
    ))
    .await;
    let inv = invoice(&c).await;
    // Act
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(said(&status(&c, &inv).await));
    }
    c.control_post(&format!("/invoices/{}/open", inv["identifier"].as_str().unwrap()), json!({})).await;
    answers.push(said(&status(&c, &inv).await));
    // Assert
    assert_eq!(answers, ["server_error", "server_error", "created", "created", "reached"]);
}

#[tokio::test]
async fn a_payment_in_process_held_90s_then_succeeds_and_the_ledger_captures_at_that_moment() {
    let c = play(&format!(
        "{INITIATOR_HEAD}
[[script.status]]
status = \"payment_in_process\"
hold = \"90s\"
[[script.status]]
status = \"completed_success\"
"
    ))
    .await;
    let inv = invoice(&c).await;
    assert_eq!(said(&status(&c, &inv).await), "payment_in_process");
    c.advance_secs(89);
    assert_eq!(said(&status(&c, &inv).await), "payment_in_process");
    assert_eq!(c.control_get("/ledger").await.1["entries"], json!([]));
    c.advance_secs(1);
    let (_, ledger) = c.control_get("/ledger").await;
    assert_eq!(ledger["entries"][0]["kind"], "capture", "the capture happens on the clock, not on the next poll");
    assert_eq!(ledger["entries"][0]["at"], "2026-01-01T00:01:30.000Z");
    assert_eq!(said(&status(&c, &inv).await), "completed_success");
}

/// One queue for the World's timers and the script's cues: a step held until the customer
/// pays holds its span from the payment, even when nobody looks in between (before, the span
/// began at payterm's next look, here 100 s, and the capture came at 2:40).
#[tokio::test]
async fn a_span_after_the_customer_pays_counts_from_the_payment_not_from_the_next_look() {
    // Arrange
    let c = play(&format!(
        "{INITIATOR_HEAD}
[customer]
opens_after = \"2s\"
pays_after = \"3s\"
[[script.status]]
status = \"reached\"
until = \"customer.pays\"
[[script.status]]
status = \"payment_in_process\"
hold = \"60s\"
[[script.status]]
status = \"completed_success\"
"
    ))
    .await;
    let inv = presented_invoice(&c).await;
    // Act: one jump past the payment (at 5 s) and its minute in process, nobody asking.
    c.advance_secs(100);
    let (_, ledger) = c.control_get("/ledger").await;
    // Assert
    assert_eq!(ledger["entries"][0]["kind"], "capture", "{ledger}");
    assert_eq!(ledger["entries"][0]["at"], "2026-01-01T00:01:05.000Z", "paid at 5 s, in process for 60 s");
    assert_eq!(said(&status(&c, &inv).await), "completed_success");
}

#[tokio::test]
async fn undeterminable_is_answered_while_the_world_stays_as_it_is() {
    let c = play(&format!(
        "{INITIATOR_HEAD}
[[script.status]]
status = \"undeterminable\"
polls = 1
[[script.status]]
status = \"created\"
"
    ))
    .await;
    let inv = invoice(&c).await;
    assert_eq!(said(&status(&c, &inv).await), "undeterminable");
    let (_, invoices) = c.control_get("/invoices").await;
    assert_eq!(invoices["invoices"][0]["status"], "created");
    assert_eq!(said(&status(&c, &inv).await), "created");
}

#[tokio::test]
async fn the_customer_plan_opens_pays_and_completes_on_the_virtual_clock() {
    let c = play(&format!(
        "{INITIATOR_HEAD}\n[customer]\nopens_after = \"20s\"\npays_after = \"5s\"\ncompletes_after = \"30s\"\n"
    ))
    .await;
    let inv = presented_invoice(&c).await;
    let mut seen = Vec::new();
    for secs in [19, 1, 5, 29, 1] {
        c.advance_secs(secs);
        seen.push(said(&status(&c, &inv).await));
    }
    assert_eq!(seen, ["created", "reached", "payment_in_process", "payment_in_process", "completed_success"]);
}

/// Issue 20: a customer who waits to be seen ends no status the integration has not been
/// answered: however long it is not asked, the invoice stays `created`; once `created` is
/// printed, the customer opens (and each next step waits for its own look likewise).
#[tokio::test]
async fn a_customer_who_waits_to_be_seen_ends_no_status_the_integration_has_not_seen() {
    // Arrange
    let c = play(&format!(
        "{INITIATOR_HEAD}\n[customer]\nopens_after = \"2s\"\npays_after = \"2s\"\nwaits_to_be_seen = true\n"
    ))
    .await;
    let inv = presented_invoice(&c).await;
    // Act: a loaded machine: nobody asks for two virtual minutes; then asked again and again.
    c.advance_secs(120);
    let first = said(&status(&c, &inv).await);
    c.advance_secs(1);
    let second = said(&status(&c, &inv).await);
    c.advance_secs(120);
    let third = said(&status(&c, &inv).await);
    // Assert
    assert_eq!(first, "created", "not opened while nobody had seen created");
    assert_eq!(second, "reached", "opened once created was printed");
    assert_eq!(third, "payment_in_process", "paid on time, reached having been printed");
}

#[tokio::test]
async fn a_status_step_the_customer_plan_has_completed_the_payment_past_is_over_not_answered() {
    // Arrange: `created` for three polls, then a stop; the customer completes 10 s after the
    // URI is presented, long before a slow integration's third poll.
    let c = play(&format!(
        "{INITIATOR_HEAD}
[customer]
opens_after = \"2s\"
pays_after = \"3s\"
completes_after = \"5s\"
[[script.status]]
status = \"created\"
polls = 3
[[script.status]]
fault = \"bad_signature\"
"
    ))
    .await;
    let inv = presented_invoice(&c).await;

    // Act
    let first = said(&status(&c, &inv).await);
    c.advance_secs(6);
    let while_paying = said(&status(&c, &inv).await);
    c.advance_secs(24);
    let after_completion = said(&status(&c, &inv).await);

    // Assert: `created` while no money moved (the customer is paying), never after the capture.
    assert_eq!([first, while_paying, after_completion], ["created", "created", "bad_signature"]);
    assert_eq!(c.control_get("/ledger").await.1["entries"][0]["kind"], "capture");
}

#[tokio::test]
async fn past_the_last_step_the_world_answers_a_refund_the_script_did_not_make() {
    // Arrange: the script completes the payment at 10 s and answers `completed_success` for
    // ever; the customer plan refunds it 5 s later.
    let c = play(&format!(
        "{INITIATOR_HEAD}
[customer]
opens_after = \"1s\"
pays_after = \"1s\"
refunds_after = \"5s\"
[[script.status]]
status = \"payment_in_process\"
hold = \"10s\"
[[script.status]]
status = \"completed_success\"
"
    ))
    .await;
    let inv = presented_invoice(&c).await;

    // Act
    c.advance_secs(11);
    let paid = said(&status(&c, &inv).await);
    c.advance_secs(5);
    let refunded = said(&status(&c, &inv).await);

    // Assert
    assert_eq!([paid, refunded], ["completed_success", "completed_refunded"]);
}

const CLOUD_HEAD: &str = r#"
version = 1
name = "engine test"
surfaces = ["cloud"]
rules = ["CLOUD-POLL-UNTIL-FINAL"]
[[orders]]
id = "o1"
operation = "sale"
amount = 1111
reference = "Invoice 37364FD"
"#;

fn sale() -> Value {
    json!({"transactionType": "SALE", "amount": 1111, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": "Invoice 37364FD"})
}

#[tokio::test]
async fn a_reset_after_acting_loses_the_answer_but_the_task_exists() {
    // Arrange
    let c = play(&format!("{CLOUD_HEAD}\n[[script.http]]\nmatch = \"POST /v1/tasks/TRANSACTION\"\nfault = \"reset\"\nwhen = \"after_acting\"\n")).await;
    let token = c.token().await;
    // Act
    let lost = c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(&token).json(&sale()).send().await;
    let (_, found) = c.get("/v1/tasks?reference=Invoice%2037364FD", &token).await;
    // Assert
    assert!(lost.is_err(), "the client sees a connection error");
    assert_eq!(found["tasks"].as_array().unwrap().len(), 1, "the task was created before the reset");
    let (_, journal) = c.control_get("/journal").await;
    let notes: Vec<&Value> = journal["entries"].as_array().unwrap().iter().filter_map(|e| e.get("notes")).collect();
    assert!(notes.iter().any(|n| n.to_string().contains("after acting")), "{notes:?}");
}

#[tokio::test]
async fn a_reset_before_acting_creates_nothing() {
    let c =
        play(&format!("{CLOUD_HEAD}\n[[script.http]]\nmatch = \"POST /v1/tasks/TRANSACTION\"\nfault = \"reset\"\n"))
            .await;
    let token = c.token().await;
    assert!(c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(&token).json(&sale()).send().await.is_err());
    assert_eq!(c.get("/v1/tasks", &token).await.1["tasks"], json!([]));
    assert_eq!(
        c.post("/v1/tasks/TRANSACTION", &token, sale()).await.0,
        StatusCode::CREATED,
        "only the first request is struck"
    );
}

#[tokio::test]
async fn a_503_with_retry_after_strikes_only_its_window_of_polls() {
    let c = play(&format!(
        "{CLOUD_HEAD}\n[[script.http]]\nmatch = \"GET /v1/tasks/*\"\nfrom = 2\ntimes = 2\nfault = \"status\"\nstatus = 503\nretry_after = \"30s\"\n"
    ))
    .await;
    let token = c.token().await;
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, sale()).await;
    let url = c.url(&format!("/v1/tasks/{}", task["taskId"].as_str().unwrap()));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let resp = c.http.get(&url).bearer_auth(&token).send().await.unwrap();
        if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(resp.headers()["x-payterm-retry-after-virtual"], "30");
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [200, 503, 503, 200]);
}

#[tokio::test]
async fn a_scripted_task_holds_each_state_for_its_polls_and_completes_declined() {
    let c = play(&format!(
        "{CLOUD_HEAD}
[[script.task]]
state = \"QUEUED\"
polls = 3
[[script.task]]
state = \"IN_PROGRESS\"
polls = 2
[[script.task]]
state = \"COMPLETED\"
outcome = \"declined\"
"
    ))
    .await;
    let token = c.token().await;
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, sale()).await;
    // Far past the terminal's own timings: a held task moves only with its polls.
    c.advance_secs(600);
    let mut states = Vec::new();
    for _ in 0..7 {
        states.push(c.task(&token, &task["taskId"]).await["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["QUEUED", "QUEUED", "QUEUED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED", "COMPLETED"]);
    let done = c.task(&token, &task["taskId"]).await;
    let (_, tx) = c.get(&format!("/v1/transactions/{}", done["amsId"].as_str().unwrap()), &token).await;
    assert_eq!(tx["result"], -4, "1111 would be approved; the script says declined");
}

#[tokio::test]
async fn a_failed_task_whose_money_was_captured_shows_in_the_ledger() {
    let c = play(&format!(
        "{CLOUD_HEAD}\n[[script.task]]\nstate = \"IN_PROGRESS\"\nhold = \"30s\"\n[[script.task]]\nstate = \"FAILED\"\ncaptured = true\n"
    ))
    .await;
    let token = c.token().await;
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, sale()).await;
    c.advance_secs(31);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "FAILED");
    let (_, ledger) = c.control_get("/ledger").await;
    assert_eq!(
        (ledger["entries"][0]["kind"].as_str(), ledger["entries"][0]["reference"].as_str()),
        (Some("capture"), Some("Invoice 37364FD"))
    );
}

#[tokio::test]
async fn a_scripted_card_outcome_decides_the_next_sale() {
    let c = play(&format!("{CLOUD_HEAD}\n[[script.card]]\noutcome = \"declined\"\n")).await;
    let token = c.token().await;
    let (_, tx) = c.completed_sale(&token, 1111, "CARD").await;
    assert_eq!(tx["result"], -4);
}

#[tokio::test]
async fn token_expiry_strikes_at_its_moment_and_refresh_still_works() {
    let c = play(&format!("{CLOUD_HEAD}\n[[script.tokens]]\nat = \"30s\"\n")).await;
    let token = c.token_for(Some("999888")).await;
    let access = token["access_token"].as_str().unwrap();
    c.advance_secs(29);
    assert_eq!(c.get("/v1/tasks", access).await.0, StatusCode::OK);
    c.advance_secs(2);
    let (status, body) = c.get("/v1/tasks", access).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("TOKEN_EXPIRED")));
    let form = format!("grant_type=refresh_token&refresh_token={}", token["refresh_token"].as_str().unwrap());
    let (_, renewed) = c.token_form("/api/oauth/token", crate::support::BASIC, &form).await;
    assert_eq!(c.get("/v1/tasks", renewed["access_token"].as_str().unwrap()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_clock_jump_makes_a_void_too_late() {
    let c = play(
        r#"
version = 1
name = "jump"
surfaces = ["cloud"]
rules = ["CLOUD-VOID-93-DAYS"]
[[history.sales]]
amount = 4000
ams_id = "100000000092"
at = "-92d"
[[orders]]
id = "o1"
operation = "void"
ams_id = "100000000092"
[[script.clock]]
at = "10s"
jump = "2d"
"#,
    )
    .await;
    let token = c.token().await;
    c.advance_secs(11);
    let (_, clock) = c.control_get("/clock").await;
    assert_eq!(clock["now"], "2026-01-03T00:00:11.000Z");
    let token_after = c.token().await;
    let _ = token;
    let (status, answer) = c
        .post(
            "/v1/tasks/TRANSACTION",
            &token_after,
            json!({"transactionType": "VOID", "originTransactionID": "100000000092", "currencyCode": "CZK"}),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("VOID_WINDOW_EXPIRED"))
    );
}

#[tokio::test]
async fn the_operator_picks_on_an_assisted_terminal_at_the_scripted_moment() {
    let c = play(
        r#"
version = 1
name = "operator"
surfaces = ["cloud"]
rules = ["CLOUD-POLL-UNTIL-FINAL"]
[[terminals]]
tid = "999888"
mode = "assisted"
[[orders]]
id = "o1"
operation = "sale"
amount = 500
method = "CASH"
[[script.operator]]
at = "5s"
action = "pick"
"#,
    )
    .await;
    let token = c.token().await;
    let task = c.sale(&token, 500, "CASH").await;
    c.advance_secs(4);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "QUEUED");
    c.advance_secs(1);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "IN_PROGRESS");
}

#[tokio::test]
async fn the_same_scenario_seed_and_requests_give_the_same_transcript() {
    let text =
        format!("{CLOUD_HEAD}\n[[script.http]]\nmatch = \"GET /v1/tasks/*\"\nfault = \"status\"\nstatus = 503\n");
    let mut transcripts = Vec::new();
    for _ in 0..2 {
        let c = play(&text).await;
        let token = c.token().await;
        let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, sale()).await;
        for secs in [0, 1, 3, 5] {
            c.advance_secs(secs);
            let _ = c.get(&format!("/v1/tasks/{}", task["taskId"].as_str().unwrap()), &token).await;
        }
        let (_, journal) = c.control_get("/journal").await;
        transcripts.push(journal["entries"].clone());
    }
    assert!(transcripts[0].as_array().unwrap().len() > 8);
    assert_eq!(transcripts[0], transcripts[1]);
}

#[tokio::test]
async fn a_scripted_deep_link_answer_replaces_the_first_link_and_charges_nothing() {
    // Arrange
    let c = play(
        r#"
version = 1
name = "link"
surfaces = ["app2app"]
rules = ["LINK-STATUS-HANDLED"]
[[orders]]
id = "o1"
operation = "sale"
amount = 1250
reference = "A1"
[[script.link]]
status = "ERROR"
error = "userNotLoggedIn"
code = "appLocked"
"#,
    )
    .await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let link = "gptom://transaction/create?amount=1250&originReferenceNum=A1&redirectUrl=fb://Success";
    let ask = || async {
        let resp = http
            .get(c.url("/app2app"))
            .query(&[("uri", link)])
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        resp.json::<Value>().await.unwrap()
    };
    // Act
    let first = ask().await;
    let ledger_after_first = c.control_get("/ledger").await.1["entries"].clone();
    let second = ask().await;
    // Assert
    assert_eq!(
        (first["status"].as_str(), first["error"].as_str(), first["code"].as_str()),
        (Some("ERROR"), Some("userNotLoggedIn"), Some("appLocked"))
    );
    assert!(first["redirect"].as_str().unwrap().contains("code=appLocked"));
    assert_eq!(ledger_after_first, json!([]), "nothing ran on the terminal");
    assert_eq!(second["status"], "COMPLETED", "only the first link is replaced");
}

#[tokio::test]
async fn a_scripted_card_reader_time_sets_when_the_sale_completes() {
    let c = play(&format!("{CLOUD_HEAD}\n[[script.card]]\noutcome = \"approved\"\nafter = \"40s\"\n")).await;
    let token = c.token().await;
    let (_, task) = c.post("/v1/tasks/TRANSACTION", &token, sale()).await;
    c.advance_secs(1 + 39);
    assert_eq!(
        c.task(&token, &task["taskId"]).await["state"],
        "IN_PROGRESS",
        "the reader takes 40 s, not the usual 3 s"
    );
    c.advance_secs(1);
    assert_eq!(c.task(&token, &task["taskId"]).await["state"], "COMPLETED");
}
