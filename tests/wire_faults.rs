//! Scripted transport faults seen by a real client (`reqwest`) as the errors it would meet in
//! production: a reset is a connection error, a truncated body a body error, a hang a timeout,
//! malformed JSON a decode error, a slow drip many small chunks.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use payterm::http::{BoxReply, Handler, ServerLimits, WireControl, json, serve};
use payterm::record::scripted::RETRY_AFTER_VIRTUAL;
use payterm::scenario::model::FaultKind;
use payterm::surfaces::faults::answer;
use payterm::time::VirtualDuration;
use reqwest::StatusCode;

/// A server whose path names the fault: `/reset`, `/truncate`, …; `/ok` answers normally.
async fn faulty_server() -> (payterm::http::ServerHandle, String) {
    let handler: Arc<dyn Handler> = Arc::new(|req: http::Request<hyper::body::Incoming>| -> BoxReply {
        Box::pin(async move {
            let wire = req.extensions().get::<WireControl>().cloned().unwrap_or_default();
            let normal = json(
                http::StatusCode::OK,
                &serde_json::json!({"taskId": "t-1", "state": "COMPLETED", "pad": "x".repeat(200)}),
            );
            let kind = match req.uri().path() {
                "/reset" => FaultKind::Reset,
                "/truncate" => FaultKind::Truncate,
                "/hang" => FaultKind::Hang,
                "/malformed" => FaultKind::MalformedJson,
                "/drip" => FaultKind::SlowDrip(VirtualDuration::secs(10)),
                "/delay" => FaultKind::Delay(VirtualDuration::secs(5)),
                "/status" => FaultKind::Status { code: 503, retry_after: Some(VirtualDuration::secs(30)) },
                _ => return normal,
            };
            answer(&kind, Some(normal), &wire, payterm::time::Pace::new(0.01)).await
        })
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = serve(listener, handler, ServerLimits::default(), None).unwrap();
    let base = format!("http://{}", handle.addr());
    (handle, base)
}

fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(" / ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[tokio::test]
async fn a_reset_is_a_connection_reset_for_the_client() {
    let (_server, base) = faulty_server().await;
    let err = reqwest::get(format!("{base}/reset")).await.unwrap_err();
    let text = chain(&err);
    assert!(text.to_lowercase().contains("reset"), "{text}");
}

#[tokio::test]
async fn a_truncated_body_fails_while_reading_it() {
    let (_server, base) = faulty_server().await;
    let resp = reqwest::get(format!("{base}/truncate")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let err = resp.bytes().await.unwrap_err();
    assert!(err.is_body() || err.is_decode(), "{}", chain(&err));
}

#[tokio::test]
async fn a_hang_is_a_timeout_for_the_client() {
    let (_server, base) = faulty_server().await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let err = client.get(format!("{base}/hang")).send().await.unwrap_err();
    assert!(err.is_timeout(), "{}", chain(&err));
}

#[tokio::test]
async fn malformed_json_fails_to_decode() {
    let (_server, base) = faulty_server().await;
    let resp = reqwest::get(format!("{base}/malformed")).await.unwrap();
    let err = resp.json::<serde_json::Value>().await.unwrap_err();
    assert!(err.is_decode(), "{}", chain(&err));
}

#[tokio::test]
async fn a_slow_drip_arrives_whole_in_many_small_pieces() {
    let (_server, base) = faulty_server().await;
    let mut resp = reqwest::get(format!("{base}/drip")).await.unwrap();
    let (mut chunks, mut body) = (0, Vec::new());
    while let Some(chunk) = resp.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["state"], "COMPLETED");
    assert!(chunks > 3, "the body came in {chunks} pieces");
}

#[tokio::test]
async fn a_delayed_answer_is_the_normal_answer() {
    let (_server, base) = faulty_server().await;
    let value: serde_json::Value = reqwest::get(format!("{base}/delay")).await.unwrap().json().await.unwrap();
    assert_eq!(value["taskId"], "t-1");
}

#[tokio::test]
async fn a_status_fault_carries_retry_after_in_real_and_virtual_seconds() {
    let (_server, base) = faulty_server().await;
    let resp = reqwest::get(format!("{base}/status")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1", "30 virtual s at 0.01 is 0.3 real s, rounded up");
    assert_eq!(resp.headers()[RETRY_AFTER_VIRTUAL], "30");
}

#[tokio::test]
async fn the_server_keeps_serving_after_every_fault() {
    let (_server, base) = faulty_server().await;
    for path in ["/reset", "/truncate", "/malformed"] {
        let _ = reqwest::get(format!("{base}{path}")).await.map(|r| async { r.bytes().await });
    }
    assert_eq!(reqwest::get(format!("{base}/ok")).await.unwrap().status(), StatusCode::OK);
}
