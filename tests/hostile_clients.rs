//! Hostile clients on a real socket: slow heads and bodies are cut off by the server's own
//! timeouts, bytes that are not UTF-8 and JSON nested past any sense get a 400, and idle
//! connections starve nobody; meanwhile other clients are served. The bad-input cases of
//! `server_robustness` (malformed JSON, size caps, garbage) are not repeated here.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use payterm::http::ServerLimits;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::support::Cloud;

/// How long the body of a request may take once its head arrived (`http::body`'s
/// `BODY_READ_TIMEOUT`, which is not public; the same figure as the head's).
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Slack over a server timeout for a loaded machine: the assertions are that the server cuts
/// the client off at all, not how punctually.
const SLACK: Duration = Duration::from_secs(10);
/// How often a slow client sends its next byte.
const DRIP: Duration = Duration::from_millis(200);

/// Sends `request` whole on a new connection and reads until the server closes it.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(SLACK, stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes a `Connection: close` request")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A `GET` on a new connection. After a wait as long as the server's timeouts, a pooled
/// connection may be the one the server is just closing as idle (its header timeout also ends
/// idle keep-alive connections), which is the client's race, not what these tests are about.
async fn fresh_get(c: &Cloud, path: &str, token: &str) -> StatusCode {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    client.get(c.url(path)).bearer_auth(token).send().await.unwrap().status()
}

/// Sends `start` and then `filler` for ever, one byte every [`DRIP`], until the server hangs up.
async fn drip(mut wr: OwnedWriteHalf, start: &'static [u8], filler: u8) {
    for &b in start.iter().chain(std::iter::repeat(&filler)) {
        if wr.write_all(&[b]).await.is_err() {
            break;
        }
        tokio::time::sleep(DRIP).await;
    }
}

/// The status code of a raw HTTP/1.1 answer.
fn status_of(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

/// The JSON body of a raw HTTP/1.1 answer.
fn body_of(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("the body is not JSON ({e}): {answer:?}"))
}

/// Whether a raw answer has arrived whole: its head and a JSON body that parses.
fn has_json_body(seen: &str) -> bool {
    seen.split_once("\r\n\r\n").is_some_and(|(_, body)| serde_json::from_str::<Value>(body).is_ok())
}

/// Reads until the server closes the connection or `done` holds for what arrived; `None` if
/// neither happens within `limit`.
async fn read_until(rd: &mut OwnedReadHalf, limit: Duration, done: impl Fn(&str) -> bool) -> Option<String> {
    let mut seen = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
            if done(&String::from_utf8_lossy(&seen)) {
                return;
            }
        }
    };
    tokio::time::timeout(limit, read).await.ok()?;
    Some(String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn a_slowloris_head_is_cut_off_within_the_header_timeout_while_others_are_served() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let limit = ServerLimits::default().header_read_timeout;
    let (mut rd, wr) = TcpStream::connect(c.cloud.address()).await.unwrap().into_split();
    let started = Instant::now();
    // Act: a head that never ends, one byte at a time.
    let slowloris = tokio::spawn(drip(wr, b"GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", b'a'));
    let (served, _) = c.get("/v1/tasks", &token).await;
    let still_dripping = !slowloris.is_finished();
    let answer = read_until(&mut rd, limit + SLACK, |_| false).await;
    slowloris.abort();
    // Assert
    assert_eq!(served, StatusCode::OK, "another client is served while the slowloris drips");
    assert!(still_dripping, "the other client was served while the slowloris was still sending");
    let answer = answer.unwrap_or_else(|| panic!("still open after {:?}", started.elapsed()));
    assert!(answer.is_empty() || status_of(&answer) == 408, "{answer:?}");
    assert_eq!(fresh_get(&c, "/v1/tasks", &token).await, StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_trickles_forever_gets_a_408_and_creates_nothing() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (mut rd, mut wr) = TcpStream::connect(c.cloud.address()).await.unwrap().into_split();
    let head = format!(
        "POST /v1/tasks/TRANSACTION HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    // Act: the body's bytes, one at a time, never reaching the length the head promised.
    let body = br#"{"transactionType": "SALE", "amount": 100, "currencyCode": "CZK", "paymentMethod": "CARD""#;
    let trickle = tokio::spawn(drip(wr, body, b' '));
    let (served, _) = c.get("/v1/tasks", &token).await;
    let still_trickling = !trickle.is_finished();
    let answer = read_until(&mut rd, BODY_READ_TIMEOUT + SLACK, has_json_body).await;
    // What is left of the body cannot be told from a next request: the server must hang up.
    let after = read_until(&mut rd, SLACK, |_| false).await;
    trickle.abort();
    // Assert
    assert_eq!(served, StatusCode::OK);
    assert!(still_trickling, "the other client was served while the body was still arriving");
    let answer = answer.expect("the server gives up on the body");
    assert_eq!(status_of(&answer), 408, "{answer:?}");
    assert_eq!(body_of(&answer)["error"]["code"], "REQUEST_TIMEOUT");
    assert_eq!(after.as_deref(), Some(""), "the connection is closed after the 408");
    assert_eq!(fresh_get(&c, "/v1/tasks", &token).await, StatusCode::OK);
    let tasks = c.cloud.with_world(|w| w.tasks_of(&"999888".into()).count());
    assert_eq!(tasks, 0, "a body that never arrived created nothing");
}

#[tokio::test]
async fn invalid_utf8_in_a_json_body_is_a_400_that_says_so() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let bodies: [&[u8]; 3] = [
        // Latin-1 where UTF-8 belongs, inside a string.
        b"{\"transactionType\": \"SALE\", \"amount\": 100, \"currencyCode\": \"CZK\", \"paymentMethod\": \"CARD\", \"originReferenceNum\": \"caf\xe9\"}",
        // A stray byte outside any string.
        b"{\"transactionType\": \xff}",
        // A truncated multi-byte sequence at the very end.
        b"{\"transactionType\": \"SALE\xc3",
    ];
    for body in bodies {
        // Act
        let resp = c
            .http
            .post(c.url("/v1/tasks/TRANSACTION"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        // Assert
        let status = resp.status();
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], "INVALID_JSON", "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("the request body is not UTF-8: invalid byte 0x"), "{message}");
        assert_eq!(answer["error"]["line"], 1, "{answer}");
    }
    let (_, list) = c.get("/v1/tasks", &token).await;
    assert_eq!(list["tasks"], serde_json::json!([]));
}

#[tokio::test]
async fn invalid_utf8_in_a_url_is_a_400_never_a_500() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    let addr = c.cloud.address();
    let request = |target: &[u8]| {
        let mut r = b"GET ".to_vec();
        r.extend_from_slice(target);
        r.extend_from_slice(
            format!(" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        r
    };
    // Act / Assert: raw bytes that are not UTF-8 (nor even legal in a request line).
    for target in [&b"/v1/tasks/\xff\xfe"[..], b"/v1/tasks?state=\xc3\x28", b"/app2app?uri=gptom://status\xff"] {
        let answer = exchange(addr, &request(target)).await;
        assert_eq!(status_of(&answer), 400, "{}: {answer:?}", String::from_utf8_lossy(target));
    }
    // Percent-escapes that decode to bytes that are not UTF-8: a 400 that names the parameter.
    let answer = exchange(addr, &request(b"/v1/tasks?state=%C3%28")).await;
    assert_eq!(status_of(&answer), 400, "{answer:?}");
    assert_eq!(body_of(&answer)["error"]["field"], "state");
    // Not read as U+FFFD either: the redirect would go to a URL the client never sent.
    let answer = exchange(addr, &request(b"/app2app?uri=gptom%3A%2F%2Fstatus%3FredirectUrl%3Dfb%3A%2F%2F%FF")).await;
    assert_eq!(status_of(&answer), 400, "{answer:?}");
    assert_eq!(body_of(&answer)["error"]["field"], "uri");
    // In the path, an escaped id is an id like any other: no such task, not a crash.
    let answer = exchange(addr, &request(b"/v1/tasks/%FF%FE")).await;
    assert_eq!(status_of(&answer), 404, "{answer:?}");
    assert_eq!(body_of(&answer)["error"]["code"], "TASK_NOT_FOUND");
    assert_eq!(c.get("/v1/tasks", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn json_nested_past_any_sense_is_a_400_and_the_server_keeps_serving() {
    // Arrange: as deep as the 64 KiB cap allows, so the nesting is what is refused, not the size.
    let c = Cloud::paused().await;
    let token = c.token().await;
    let arrays = "[".repeat(60_000);
    let objects = "{\"a\":".repeat(12_000);
    let cases = [
        (c.url("/v1/tasks/TRANSACTION"), arrays.clone()),
        (c.url("/v1/tasks/TRANSACTION"), objects.clone()),
        (c.url("/v1/tasks/BATCH"), arrays.clone()),
        (c.control("/terminals"), objects.clone()),
        // The one body read as any JSON value, so serde_json's depth limit is what stops it.
        (c.url("/_payterm/events"), arrays),
        (c.url("/_payterm/events"), objects),
    ];
    for (url, body) in cases {
        // Act
        let resp =
            c.http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body).send().await;
        // Assert
        let resp = resp.unwrap_or_else(|e| panic!("{url}: the server dropped the connection: {e}"));
        let status = resp.status();
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {answer}");
        assert!(answer["error"]["code"].as_str().unwrap().starts_with("INVALID_"), "{url}: {answer}");
        if url.ends_with("/_payterm/events") {
            assert!(answer["error"]["message"].as_str().unwrap().contains("recursion limit"), "{url}: {answer}");
        }
    }
    // 100,000 brackets are over the body cap: refused for their size, before any parsing.
    let resp = c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(&token).body("[".repeat(100_000)).send().await;
    assert_eq!(resp.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(c.get("/v1/tasks", &token).await.0, StatusCode::OK);
    assert_eq!(c.control_get("/health").await.0, StatusCode::OK);
}

#[tokio::test]
async fn hundreds_of_idle_connections_do_not_stop_a_new_client_being_served() {
    // Arrange: connections that say nothing, and connections that stop halfway through a head.
    let c = Cloud::paused().await;
    let token = c.token().await;
    let mut idle = Vec::new();
    for i in 0..400 {
        let mut stream = TcpStream::connect(c.cloud.address()).await.unwrap();
        if i % 2 == 1 {
            stream.write_all(b"GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
        }
        idle.push(stream);
    }
    let control_addr: SocketAddr = c.cloud.control_uri().trim_start_matches("http://").parse().unwrap();
    let mut control_idle = Vec::new();
    for _ in 0..100 {
        control_idle.push(TcpStream::connect(control_addr).await.unwrap());
    }
    // Act
    let served = tokio::time::timeout(SLACK, c.get("/v1/tasks", &token)).await;
    let sale = tokio::time::timeout(SLACK, c.sale(&token, 500, "CARD")).await;
    let control = tokio::time::timeout(SLACK, c.control_get("/health")).await;
    // Assert
    assert_eq!(served.expect("a new client is answered").0, StatusCode::OK);
    assert!(sale.expect("a new client can create a sale")["taskId"].is_string());
    assert_eq!(control.expect("the control API is answered").0, StatusCode::OK);
    drop((idle, control_idle));
}
