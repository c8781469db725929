//! A scenario loaded into a running server (`POST /scenario`, `DELETE /scenario`) and its
//! script stepped through on a paused clock (`POST /clock/step`), with where the script
//! stands in `GET /dashboard/scenario`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Cloud, TID, answer};

/// Two sales on an assisted terminal; the operator picks the second at 1m and presents a
/// card at 1m15s.
pub const OPERATOR: &str = r#"version = 1
name = "the operator picks the second sale first"
surfaces = ["cloud"]
rules = ["CLOUD-QUEUE-PARALLEL"]

[[terminals]]
tid = "555001"
mode = "assisted"

[[orders]]
id = "o1"
operation = "sale"
amount = 1500
reference = "DESK A"

[[orders]]
id = "o2"
operation = "sale"
amount = 2500
reference = "DESK B"
at = "10s"

[[script.operator]]
at = "1m"
action = "pick"
order = "o2"

[[script.operator]]
at = "1m15s"
action = "card"
outcome = "approved"
"#;

/// The same file with a misspelt operation on line 8.
const MISSPELT: &str = r#"version = 1
name = "a misspelt operation"
surfaces = ["cloud"]
rules = ["CLOUD-QUEUE-PARALLEL"]

[[orders]]
id = "o1"
operation = "sael"
amount = 1500
"#;

const TERMINAL: &str = "555001";

async fn post_scenario(c: &Cloud, content_type: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    answer(c.http.post(c.control("/scenario?name=desk.toml")).header("content-type", content_type).body(body)).await
}

async fn load(c: &Cloud, text: &str) -> Value {
    let (status, view) = post_scenario(c, "application/toml", text.to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

/// A sale on `tid` with `reference`, as the integration would create it.
async fn sale(c: &Cloud, tid: &str, amount: u64, reference: &str) -> String {
    let token = c.token_for(Some(tid)).await["access_token"].as_str().unwrap().to_owned();
    let body = json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": reference});
    let (status, task) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task["taskId"].as_str().unwrap().to_owned()
}

async fn task_state(c: &Cloud, tid: &str, id: &str) -> String {
    let token = c.token_for(Some(tid)).await["access_token"].as_str().unwrap().to_owned();
    c.task(&token, &json!(id)).await["state"].as_str().unwrap().to_owned()
}

fn tids(terminals: &Value) -> Vec<&str> {
    terminals["terminals"].as_array().unwrap().iter().map(|t| t["tid"].as_str().unwrap()).collect()
}

fn states(view: &Value) -> Vec<Value> {
    view["scenario"]["steps"].as_array().unwrap().iter().map(|s| s["state"].clone()).collect()
}

#[tokio::test]
async fn a_loaded_scenario_replaces_the_world_with_its_terminals_and_orders_from_the_clocks_time() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.sale(&token, 1250, "CARD").await;
    c.control_post("/clock/advance", json!({"by": "5s"})).await;

    // Act
    let view = load(&c, OPERATOR).await;
    let (_, terminals) = c.control_get("/dashboard/terminals").await;
    let (_, journal) = c.control_get("/journal?after=0").await;
    c.control_post("/reset", json!({})).await;
    let (_, after_reset) = c.control_get("/dashboard/scenario").await;

    // Assert
    let s = &view["scenario"];
    assert_eq!(s["name"], "the operator picks the second sale first");
    let orders: Vec<(&str, &str, &str)> = s["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["at"].as_str().unwrap(), o["due"].as_str().unwrap()))
        .collect();
    assert_eq!(orders, [("o1", "+0s", "2026-01-01T00:00:05.000Z"), ("o2", "+10s", "2026-01-01T00:00:15.000Z")]);
    assert_eq!(s["progress"]["start"], "2026-01-01T00:00:05.000Z", "the script begins when it is loaded");
    assert_eq!((tids(&terminals), terminals["taskCount"].as_u64()), (vec![TERMINAL], Some(0)), "the old World is gone");
    let entries = journal["entries"].as_array().unwrap();
    assert_eq!(
        (entries[0]["target"].as_str(), entries[0]["status"].as_u64()),
        (Some("/scenario?name=desk.toml"), Some(200)),
        "the journal starts again with the load: {journal}"
    );
    assert_eq!(after_reset["scenario"]["name"], s["name"], "a reset keeps the loaded scenario");
}

#[tokio::test]
async fn an_invalid_file_is_a_400_naming_line_and_column_and_the_old_scenario_keeps_running() {
    // Arrange
    let c = Cloud::paused().await;
    load(&c, OPERATOR).await;
    let task = sale(&c, TERMINAL, 1500, "DESK A").await;
    let expected = payterm::scenario::parse("desk.toml", MISSPELT).unwrap_err();

    // Act
    let (status, error) = post_scenario(&c, "text/plain; charset=utf-8", MISSPELT).await;
    let (_, view) = c.control_get("/dashboard/scenario").await;

    // Assert
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let e = &error["error"];
    assert_eq!(e["code"], "INVALID_SCENARIO");
    let got: Vec<(u64, u64, &str)> = e["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    let want: Vec<(u64, u64, &str)> =
        expected.diagnostics.iter().map(|d| (d.line as u64, d.column as u64, d.message.as_str())).collect();
    assert_eq!(got, want, "the same problems as payterm check");
    assert_eq!(got[0].0, 8, "{got:?}");
    assert!(e["rendered"].as_str().unwrap().contains("operation = \"sael\""), "{}", e["rendered"]);
    assert!(e["message"].as_str().unwrap().starts_with("desk.toml is not a valid scenario"), "{}", e["message"]);
    assert_eq!(view["scenario"]["name"], "the operator picks the second sale first");
    assert_eq!(task_state(&c, TERMINAL, &task).await, "QUEUED", "the World is untouched");
}

#[tokio::test]
async fn a_body_that_is_not_a_scenario_files_text_is_refused_and_changes_nothing() {
    // Arrange
    let c = Cloud::paused().await;

    // Act
    let (json_type, _) = post_scenario(&c, "application/json", "{}").await;
    let (too_large, large) = post_scenario(&c, "application/toml", format!("# {}\n", "x".repeat(70_000))).await;
    let (not_utf8, bad) = post_scenario(&c, "application/toml", b"version = 1\nname = \"caf\xe9\"\n".to_vec()).await;
    let (_, view) = c.control_get("/dashboard/scenario").await;

    // Assert
    assert_eq!(json_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!((too_large, large["error"]["limit"].as_u64()), (StatusCode::PAYLOAD_TOO_LARGE, Some(64 * 1024)));
    assert_eq!(not_utf8, StatusCode::BAD_REQUEST);
    let d = &bad["error"]["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(12)), "{bad}");
    assert_eq!(d["message"], "the file is not UTF-8 text: invalid byte 0xE9");
    assert_eq!(view, json!({"scenario": null}));
}

#[tokio::test]
async fn stepping_a_paused_clock_lands_on_the_next_operator_action_and_fires_it() {
    // Arrange
    let c = Cloud::paused().await;
    let view = load(&c, OPERATOR).await;
    let first = sale(&c, TERMINAL, 1500, "DESK A").await;
    let second = sale(&c, TERMINAL, 2500, "DESK B").await;

    // Act
    let (status, stepped) = c.control_post("/clock/step", json!({})).await;
    let picked = task_state(&c, TERMINAL, &second).await;
    let (_, between) = c.control_get("/dashboard/scenario").await;
    let (_, carded) = c.control_post("/clock/step", json!({})).await;
    let (done, nothing) = c.control_post("/clock/step", json!({})).await;
    let (_, clock) = c.control_get("/clock").await;

    // Assert
    let pick = "at +1m: the operator of 555001 picks o2's task";
    let next = &view["scenario"]["progress"]["next"];
    assert_eq!((next["at"].as_str(), next["in"].as_str()), (Some("2026-01-01T00:01:00.000Z"), Some("1m")));
    assert_eq!(next["what"], json!([pick]));
    assert_eq!(states(&view), [json!("pending"), json!("pending")]);
    assert_eq!(view["scenario"]["steps"][0]["due"], "2026-01-01T00:01:00.000Z");
    assert_eq!(status, StatusCode::OK, "{stepped}");
    assert_eq!(
        (stepped["from"].as_str(), stepped["at"].as_str(), stepped["now"].as_str()),
        (Some("2026-01-01T00:00:00.000Z"), Some("2026-01-01T00:01:00.000Z"), Some("2026-01-01T00:01:00.000Z"))
    );
    assert_eq!(stepped["fired"], json!([pick]));
    let started = format!("task_state tid=555001 task={second} state=IN_PROGRESS");
    assert!(stepped["events"].as_array().unwrap().iter().any(|e| e == &json!(started)), "{stepped}");
    assert_eq!(picked, "IN_PROGRESS", "the operator picked o2 before o1");
    assert_eq!(task_state(&c, TERMINAL, &first).await, "QUEUED");
    assert_eq!(states(&between), [json!("done"), json!("pending")]);
    assert_eq!(between["scenario"]["progress"]["next"]["in"], "15s");
    assert_eq!(carded["fired"], json!(["at +75s: the operator of 555001 presents a card: approved"]));
    assert_eq!(task_state(&c, TERMINAL, &second).await, "COMPLETED");
    assert_eq!((done, nothing["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("NOTHING_DUE")));
    assert_eq!(clock["now"], "2026-01-01T00:01:15.000Z", "a refused step leaves the clock alone");
}

#[tokio::test]
async fn stepping_is_refused_without_a_scenario_and_on_a_running_clock() {
    // Arrange
    let c = Cloud::paused().await;

    // Act
    let (_, unscripted) = c.control_post("/clock/step", json!({})).await;
    load(&c, OPERATOR).await;
    c.control_post("/clock/resume", json!({})).await;
    let (_, running) = c.control_post("/clock/step", json!({})).await;

    // Assert
    assert_eq!(unscripted["error"]["code"], "NO_SCENARIO");
    assert_eq!(running["error"]["code"], "CLOCK_RUNNING");
    assert!(running["error"]["message"].as_str().unwrap().contains("POST /clock/pause"), "{running}");
}

#[tokio::test]
async fn deleting_the_scenario_goes_back_to_the_plain_world() {
    // Arrange
    let c = Cloud::paused().await;
    load(&c, OPERATOR).await;

    // Act
    let status = c.http.delete(c.control("/scenario")).send().await.unwrap().status();
    let (_, scenario) = c.control_get("/scenario").await;
    let (_, terminals) = c.control_get("/terminals").await;
    let (step, _) = c.control_post("/clock/step", json!({})).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scenario, json!({"scenario": null}));
    assert_eq!(tids(&terminals), [TID]);
    assert_eq!(step, StatusCode::CONFLICT);
}

/// A sale's task held QUEUED for 20s, IN_PROGRESS for one poll, then COMPLETED; the clock
/// jumps a day at 5m.
const TIMELINE: &str = r#"version = 1
name = "a scripted task and a clock jump"
surfaces = ["cloud"]
rules = ["CLOUD-POLL-UNTIL-FINAL"]

[[orders]]
id = "o1"
operation = "sale"
amount = 1250
reference = "TIMED 1"

[[script.task]]
state = "QUEUED"
hold = "20s"

[[script.task]]
state = "IN_PROGRESS"
polls = 1

[[script.task]]
state = "COMPLETED"
outcome = "approved"

[[script.clock]]
at = "5m"
jump = "1d"
"#;

#[tokio::test]
async fn stepping_follows_a_task_timeline_and_a_clock_jump_and_each_step_shows_where_it_stands() {
    // Arrange
    let c = Cloud::paused().await;
    let before_sale = load(&c, TIMELINE).await;
    let task = sale(&c, TID, 1250, "TIMED 1").await;
    let (_, created) = c.control_get("/dashboard/scenario").await;

    // Act
    let (_, to_progress) = c.control_post("/clock/step", json!({})).await;
    let polled = task_state(&c, TID, &task).await;
    let (_, after_poll) = c.control_get("/dashboard/scenario").await;
    let (_, jumped) = c.control_post("/clock/step", json!({})).await;
    let (_, end) = c.control_get("/dashboard/scenario").await;

    // Assert
    let pending = json!("pending");
    assert_eq!(states(&before_sale), [pending.clone(), pending.clone(), pending.clone(), pending.clone()]);
    assert_eq!(before_sale["scenario"]["progress"]["next"]["what"], json!(["at +5m: the clock jumps 1d"]));
    assert_eq!(states(&created), [json!("current"), pending.clone(), pending.clone(), pending.clone()]);
    assert_eq!(created["scenario"]["steps"][1]["due"], "2026-01-01T00:00:20.000Z", "QUEUED ends 20s after creation");
    assert_eq!(to_progress["fired"], json!(["o1: task shows IN_PROGRESS for 1 polls"]));
    assert_eq!(to_progress["at"], "2026-01-01T00:00:20.000Z");
    assert_eq!(polled, "IN_PROGRESS");
    assert_eq!(states(&after_poll), [json!("done"), json!("done"), json!("current"), pending]);
    assert_eq!(
        (jumped["at"].as_str(), jumped["now"].as_str()),
        (Some("2026-01-01T00:05:00.000Z"), Some("2026-01-02T00:05:00.000Z")),
        "the jump lands a day later: {jumped}"
    );
    assert_eq!(states(&end)[3], "done");
    assert_eq!(end["scenario"]["progress"]["next"], Value::Null);
    assert_eq!(task_state(&c, TID, &task).await, "COMPLETED");
}
