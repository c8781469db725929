//! Service mode end to end: a long-running integration (the adapter in
//! examples/service-adapter around the reference) takes POSTed orders and posts its events to
//! `/_payterm/events`; it is judged like command mode. The events endpoint refuses malformed
//! events by name, and a service that is not up fails the run at once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::support::Cloud;

/// The adapter, started on a free port; killed when dropped.
struct Adapter {
    child: Child,
    url: String,
}

impl Adapter {
    fn start() -> Adapter {
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service-adapter/adapter.py"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").expect("the adapter prints its URL").to_owned();
        Adapter { child, url }
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn the_reference_behind_a_service_passes_scenarios_on_every_surface() {
    // Arrange
    let adapter = Adapter::start();
    let report = std::env::temp_dir().join(format!("payterm-service-{}.json", std::process::id()));
    // Act: a Cloud sale polled through every state, a deep-link sale, a slow invoice, and
    // several sales on one terminal.
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .args(["run", "--service", &adapter.url, "--time-scale", "0.01", "--jobs", "2"])
        .args(["--name", "cloud/sale-polled-through-every-state", "--name", "app2app/sale-approved-receipt"])
        .args(["--name", "initiator/payment-in-process-then-success", "--name", "money/several-sales-on-one-terminal"])
        .arg(format!("--report=json={}", report.display()))
        .output()
        .unwrap();
    // Assert
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["summary"]["passed"], 4, "{text}");
    assert_eq!(report["integration"]["service"], adapter.url.as_str());
    let endings: Vec<&str> =
        report["scenarios"].as_array().unwrap().iter().map(|s| s["ending"].as_str().unwrap()).collect();
    assert!(endings.iter().all(|e| e.contains("final outcome")), "{endings:?}");
}

#[test]
fn a_service_that_is_not_up_fails_the_run_at_once() {
    // Arrange: a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // Act
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .args(["run", "--service", &format!("http://127.0.0.1:{port}/orders")])
        .output()
        .unwrap();
    // Assert
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::SERVICE_UNREACHABLE), "{text}");
    assert!(text.contains("failed to reach the service"), "{text}");
}

#[tokio::test]
async fn posted_events_are_taken_and_a_malformed_one_is_refused_by_index() {
    // Arrange
    let c = Cloud::paused().await;
    let url = c.url("/_payterm/events");
    // Act
    let good =
        c.http.post(&url).json(&json!({"order": "o1", "event": "outcome", "result": "paid"})).send().await.unwrap();
    let bad = c
        .http
        .post(&url)
        .json(&json!([{"order": "o1", "event": "present_uri", "uri": "x"}, {"order": "o1", "event": "outcome", "result": "maybe"}]))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(good.status(), 202);
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["index"], 1, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("event 1:"), "{body}");
    let taken = c.cloud.take_posted_events();
    assert_eq!(taken.len(), 1, "none of the refused post is kept");
    assert!(c.cloud.journal().since(0).is_empty(), "the harness's own endpoint is not the integration's traffic");
}
