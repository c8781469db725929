//! Memory at scale, measured in a child process so the load test's buffers and two runtimes do
//! not pollute the figure: the bench re-executes itself with `PAYTERM_BENCH_CHILD` set, the
//! child fills a World and prints its resident memory as one JSON line on stdout.

use std::process::{Command, Stdio};
use std::time::Instant;

use payterm::MockCloud;
use payterm::world::codes::PaymentMethod;
use payterm::world::ids::Tid;
use payterm::world::money::Currency;
use payterm::world::task::{ReceiptOptions, SaleRequest, TaskRequest};
use payterm::world::terminal::TerminalMode;
use serde_json::{Value, json};

/// The environment variable that switches the bench binary into a child mode.
pub const CHILD_ENV: &str = "PAYTERM_BENCH_CHILD";

/// What a child builds.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Terminals, all assisted so every task stays queued.
    pub terminals: usize,
    /// Tasks in all; must be a multiple of `terminals` (spread evenly).
    pub tasks: usize,
    /// How many of the tasks go through `POST /v1/tasks/TRANSACTION` (at most one per
    /// terminal), proving the real path works at scale.
    pub via_http: usize,
}

/// The shape for a child mode name: `scale` (the figure) or `empty` (its baseline).
pub fn shape(mode: &str) -> Option<Shape> {
    match mode {
        "scale" => Some(Shape { terminals: 10_000, tasks: 100_000, via_http: 1_000 }),
        "empty" => Some(Shape { terminals: 1, tasks: 0, via_http: 0 }),
        _ => None,
    }
}

/// Resident memory of this process, KiB, from `/proc/self/status`.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("the bench reads /proc, so it needs Linux");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("/proc/self/status has a VmRSS line in kB")
}

/// Runs `mode` in a child copy of this binary and returns what it printed.
pub fn spawn_child(mode: &str) -> Value {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let out = Command::new(exe)
        .env(CHILD_ENV, mode)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("the bench can run itself as a child");
    assert!(out.status.success(), "the `{mode}` child failed: {}", out.status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("the `{mode}` child printed {line:?}, not JSON: {e}"))
}

/// The child's work: builds `shape` and prints its RSS figures as JSON on stdout.
pub fn child_main(shape: Shape) {
    assert!(shape.via_http <= shape.terminals, "at most one HTTP task per terminal");
    assert!(shape.tasks.is_multiple_of(shape.terminals), "tasks spread evenly");
    // The same server/client split as the load test: one worker serves, this thread calls.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime for the child");
    let started = Instant::now();
    let rss_start = rss_kib();
    let report = rt.block_on(async move {
        let cloud = MockCloud::builder()
            .paused()
            .terminals(shape.terminals, TerminalMode::Assisted, Currency::CZK)
            .start()
            .await
            .expect("the mock cloud starts on loopback");
        let client = reqwest::Client::new();
        // Both children fetch a token, so the HTTP client stack is in both figures.
        let token = master_token(&client, &cloud).await;
        let tids: Vec<Tid> = cloud.with_world(|w| {
            let mut tids: Vec<Tid> = w.terminals().map(|t| t.tid.clone()).collect();
            // 999888 first, then 100001.., as the builder names them.
            tids.sort_by_key(|t| (t.as_str() != "999888", t.clone()));
            tids
        });
        assert_eq!(tids.len(), shape.terminals, "the builder made every terminal");
        let rss_before = rss_kib();

        let mut http_refused = 0u64;
        for tid in &tids[..shape.via_http] {
            let body = json!({"transactionType": "SALE", "amount": 1250, "currencyCode": "CZK", "paymentMethod": "CARD", "tid": tid.as_str()});
            let resp = client
                .post(format!("{}/v1/tasks/TRANSACTION", cloud.uri()))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("the mock cloud answers on loopback");
            if resp.status().as_u16() != 201 {
                http_refused += 1;
                if http_refused == 1 {
                    eprintln!("scale child: POST /v1/tasks/TRANSACTION answered {}: {:?}", resp.status(), resp.text().await);
                }
            }
        }
        let http_done = started.elapsed();

        let per_terminal = shape.tasks.checked_div(shape.terminals).unwrap_or(0);
        let mut world_refused = 0u64;
        for (i, tid) in tids.iter().enumerate() {
            let n = per_terminal - usize::from(i < shape.via_http);
            // One lock per terminal, as a busy server would take it: the guard's drop moves
            // the World's events into the journal, which is part of the real cost.
            cloud.with_world(|w| {
                for _ in 0..n {
                    if w.create_task(tid, TaskRequest::Sale(sale())).is_err() {
                        world_refused += 1;
                    }
                }
            });
        }
        let tasks = cloud.with_world(|w| w.task_count());
        let rss_after = rss_kib();
        json!({
            "terminals": shape.terminals,
            "tasks": tasks,
            "via_http": shape.via_http,
            "http_refused": http_refused,
            "world_refused": world_refused,
            "rss_start_kib": rss_start,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "http_secs": http_done.as_secs_f64(),
            "secs": started.elapsed().as_secs_f64(),
        })
    });
    println!("{report}");
}

fn sale() -> SaleRequest {
    SaleRequest {
        amount: 1250,
        currency: Currency::CZK,
        method: PaymentMethod::Card,
        tip_amount: None,
        tip_collect: None,
        reference: None,
        receipt: ReceiptOptions::default(),
    }
}

/// A master-account token: the password grant without `tid`.
async fn master_token(client: &reqwest::Client, cloud: &MockCloud) -> String {
    let form = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL";
    let uri = cloud.uri();
    crate::setup::fetch_token(client, crate::setup::Payterm { uri: &uri, basic: cloud.basic_credential() }, form).await
}
