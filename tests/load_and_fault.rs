//! Load with faults: 32 concurrent clients create and poll sales on four automatic terminals
//! while some of their connections are reset mid-request or abandoned mid-flight. Afterwards the
//! server still serves, every acknowledged task exists exactly once, nothing half-sent became a
//! task, and the ledger balances against the closed batches.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use payterm::MockCloud;
use payterm::world::money::Currency;
use payterm::world::terminal::TerminalMode;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::Cloud;

const CLIENTS: usize = 32;
const OPS: usize = 12;
const TIDS: [&str; 4] = ["999888", "100001", "100002", "100003"];
/// The test amounts the emulator declines and times out (profile: "1122 declined, 1123
/// timeout"); every other amount here is approved.
const DECLINED: u64 = 1122;
const TIMES_OUT: u64 = 1123;

/// How one create attempt was made, and so what may have come of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    /// A whole request with its answer read: a 201 must leave exactly one task.
    Normal,
    /// The head and half the body, then a TCP reset: must leave no task.
    HalfBody,
    /// Half the head, then a TCP reset: must leave no task.
    HalfHead,
    /// The whole request, then a reset before the answer: a task may or may not exist.
    LostAnswer,
    /// A client future dropped mid-flight: a task may or may not exist.
    Abandoned,
}

impl Attempt {
    fn of(client: usize, op: usize) -> Attempt {
        match (client + op) % 8 {
            0..=3 => Attempt::Normal,
            4 => Attempt::HalfBody,
            5 => Attempt::HalfHead,
            6 => Attempt::LostAnswer,
            _ => Attempt::Abandoned,
        }
    }
}

/// What the clients saw: acknowledged task ids by reference, and every attempt's kind.
#[derive(Default)]
struct Seen {
    acked: BTreeMap<String, String>,
    attempts: BTreeMap<String, Attempt>,
}

fn sale_body(reference: &str, amount: u64) -> String {
    json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": "CARD",
           "originReferenceNum": reference})
    .to_string()
}

/// Writes `bytes` on a new connection, then resets it (`SO_LINGER` 0) without reading a thing.
async fn write_then_reset(addr: SocketAddr, bytes: &[u8]) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).unwrap();
    drop(stream);
}

async fn one_client(c: Arc<Cloud>, tokens: Arc<Vec<String>>, client: usize) -> Seen {
    let mut seen = Seen::default();
    let token = &tokens[client % TIDS.len()];
    let addr = c.cloud.address();
    for op in 0..OPS {
        let reference = format!("L{client}x{op}");
        let amount = match op {
            3 => DECLINED,
            5 => TIMES_OUT,
            _ => 2000 + (client * OPS + op) as u64,
        };
        let body = sale_body(&reference, amount);
        let head = format!(
            "POST /v1/tasks/TRANSACTION HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let attempt = Attempt::of(client, op);
        seen.attempts.insert(reference.clone(), attempt);
        match attempt {
            Attempt::Normal => {
                let (status, task) = c.post("/v1/tasks/TRANSACTION", token, serde_json::from_str(&body).unwrap()).await;
                assert_eq!(status, StatusCode::CREATED, "{task}");
                let id = task["taskId"].as_str().unwrap().to_owned();
                // Poll it once at once: the answer names the same task and the same order.
                let polled = c.task(token, &task["taskId"]).await;
                assert_eq!(polled["request"]["originReferenceNum"], reference.as_str());
                seen.acked.insert(reference, id);
            }
            Attempt::HalfBody => {
                write_then_reset(addr, format!("{head}{}", &body[..body.len() / 2]).as_bytes()).await;
            }
            Attempt::HalfHead => write_then_reset(addr, &head.as_bytes()[..head.len() / 2]).await,
            Attempt::LostAnswer => write_then_reset(addr, format!("{head}{body}").as_bytes()).await,
            Attempt::Abandoned => {
                let send = c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(token).body(body).send();
                let flight = tokio::spawn(send);
                tokio::task::yield_now().await;
                flight.abort();
                let _ = flight.await;
            }
        }
        // Time moves while clients work, so creation and polling race the terminals' progress.
        c.advance_secs(1);
    }
    seen
}

/// Every task of every terminal, by terminal.
async fn all_tasks(c: &Cloud, tokens: &[String]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for token in tokens {
        let (status, list) = c.get("/v1/tasks", token).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        out.push(list["tasks"].as_array().unwrap().clone());
    }
    out
}

/// Advances virtual time until no task is queued or running.
async fn drain(c: &Cloud, tokens: &[String]) -> Vec<Vec<Value>> {
    for _ in 0..200 {
        let tasks = all_tasks(c, tokens).await;
        if tasks.iter().flatten().all(|t| ["COMPLETED", "FAILED", "CANCELLED"].contains(&t["state"].as_str().unwrap()))
        {
            return tasks;
        }
        c.advance_secs(30);
    }
    panic!("tasks still running after 6000 virtual seconds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_with_reset_connections_every_acknowledged_task_exists_once_and_the_ledger_balances() {
    // Arrange: four automatic terminals on a paused clock; a token for each.
    let c = Arc::new(
        Cloud::start(MockCloud::builder().seed(11).paused().terminals(
            TIDS.len(),
            TerminalMode::Automatic,
            Currency::CZK,
        ))
        .await,
    );
    let mut tokens = Vec::new();
    for tid in TIDS {
        tokens.push(c.token_for(Some(tid)).await["access_token"].as_str().unwrap().to_owned());
    }
    let tokens = Arc::new(tokens);

    // Act: the clients, all at once.
    let handles: Vec<_> =
        (0..CLIENTS).map(|client| tokio::spawn(one_client(c.clone(), tokens.clone(), client))).collect();
    let mut seen = Seen::default();
    for h in handles {
        let s = h.await.unwrap();
        seen.acked.extend(s.acked);
        seen.attempts.extend(s.attempts);
    }
    assert_eq!(c.get("/health", &tokens[0]).await.0, StatusCode::OK, "the server still serves");
    let tasks = drain(&c, &tokens).await;

    // Assert: no task twice, none lost, none made from half a request.
    let mut ids = BTreeSet::new();
    let mut by_reference: BTreeMap<String, &Value> = BTreeMap::new();
    for (tid, task) in TIDS.iter().zip(&tasks).flat_map(|(tid, ts)| ts.iter().map(move |t| (tid, t))) {
        assert_eq!(task["tid"], *tid);
        assert!(ids.insert(task["taskId"].as_str().unwrap()), "task listed twice: {task}");
        let reference = task["request"]["originReferenceNum"].as_str().unwrap().to_owned();
        assert!(by_reference.insert(reference.clone(), task).is_none(), "two tasks for {reference}");
    }
    for (reference, id) in &seen.acked {
        let task = by_reference.get(reference).unwrap_or_else(|| panic!("acknowledged {reference} ({id}) is lost"));
        assert_eq!(task["taskId"], id.as_str());
    }
    for (reference, task) in &by_reference {
        let attempt = seen.attempts.get(reference).unwrap_or_else(|| panic!("a task nobody asked for: {task}"));
        assert!(
            matches!(attempt, Attempt::Normal | Attempt::LostAnswer | Attempt::Abandoned),
            "{attempt:?} must leave no task, yet: {task}"
        );
    }
    let normal = seen.attempts.values().filter(|a| **a == Attempt::Normal).count();
    assert_eq!(seen.acked.len(), normal);
    // Timed-out card reads fail their task: the ledger below must not count them.
    assert!(tasks.iter().flatten().any(|t| t["state"] == "FAILED"), "some sales timed out");

    // Act: void every third approved sale, then close every terminal's batch.
    let mut approved: Vec<(usize, String, u64)> = Vec::new();
    for (t, ts) in tasks.iter().enumerate() {
        for task in ts.iter().filter(|t| t["state"] == "COMPLETED") {
            let ams = task["amsId"].as_str().unwrap();
            let (_, tx) = c.get(&format!("/v1/transactions/{ams}"), &tokens[t]).await;
            if tx["result"] == 0 {
                approved.push((t, ams.to_owned(), tx["totalAmount"].as_u64().unwrap()));
            }
        }
    }
    let voids: Vec<_> = approved.iter().step_by(3).cloned().collect();
    let void_handles: Vec<_> = voids
        .iter()
        .map(|(t, ams, _)| {
            let (c, token, ams) = (c.clone(), tokens[*t].clone(), ams.clone());
            tokio::spawn(async move {
                let body = json!({"transactionType": "VOID", "originTransactionID": ams, "currencyCode": "CZK"});
                let (status, task) = c.post("/v1/tasks/TRANSACTION", &token, body).await;
                assert_eq!(status, StatusCode::CREATED, "{task}");
            })
        })
        .collect();
    for h in void_handles {
        h.await.unwrap();
    }
    drain(&c, &tokens).await;
    let mut batch_tasks = Vec::new();
    for token in tokens.iter() {
        let (status, task) = c.post("/v1/tasks/BATCH", token, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        batch_tasks.push(task["taskId"].clone());
    }
    drain(&c, &tokens).await;

    // Assert: the ledger balances against the batches and against what the API answered.
    let (mut sale_amount, mut void_amount, mut total_amount, mut sale_count) = (0, 0, 0, 0);
    for (token, id) in tokens.iter().zip(&batch_tasks) {
        let task = c.task(token, id).await;
        let (status, batch) = c.get(&format!("/v1/batches/{}", task["amsId"].as_str().unwrap()), token).await;
        assert_eq!(status, StatusCode::OK, "{batch}");
        sale_amount += batch["saleAmount"].as_i64().unwrap();
        void_amount += batch["voidAmount"].as_i64().unwrap();
        total_amount += batch["totalAmount"].as_i64().unwrap();
        sale_count += batch["saleCount"].as_u64().unwrap();
    }
    let (_, ledger) = c.control_get("/ledger").await;
    let entries = ledger["entries"].as_array().unwrap();
    let sum = |kind: &str| -> i64 {
        entries.iter().filter(|e| e["kind"] == kind).map(|e| e["amount"].as_i64().unwrap()).sum()
    };
    let mut captured: Vec<&str> =
        entries.iter().filter(|e| e["kind"] == "capture").map(|e| e["payment"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = approved.iter().map(|(_, ams, _)| ams.as_str()).collect();
    captured.sort_unstable();
    expected.sort_unstable();
    assert_eq!(captured, expected, "each approved sale captured exactly once");
    assert_eq!(sum("capture"), approved.iter().map(|(_, _, a)| *a as i64).sum::<i64>());
    assert_eq!(sum("void"), voids.iter().map(|(_, _, a)| *a as i64).sum::<i64>());
    assert_eq!((sum("capture"), sum("void")), (sale_amount, void_amount));
    assert_eq!(sum("capture") - sum("void"), total_amount);
    assert_eq!(ledger["net"]["CZK"].as_i64(), Some(total_amount));
    assert_eq!(sale_count, approved.len() as u64);
    assert!(approved.len() >= seen.acked.len() / 2, "most sales were approved: {}", approved.len());
}
