//! `cargo bench --bench load`: payterm's `GET /v1/tasks/{id}` against a bare hyper server under
//! the same load, payterm's resident memory with 10,000 terminals holding 100,000 queued tasks,
//! and the built-in suite's wall time; prints a table and writes `target/bench/results.json`.

mod bare_hyper;
mod cpu;
mod loadgen;
mod report;
mod scale;
mod shim;
mod suite;

use std::time::Duration;

use payterm::MockCloud;
use report::{Figure, Target};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// Thread-name prefixes of the two runtimes, for the CPU figures.
const SERVER_THREADS: &str = "bench-server";
const LOADGEN_THREADS: &str = "bench-loadgen";

/// Measured before recording, so connection setup and cold caches stay out of the figures.
const WARMUP: Duration = Duration::from_millis(500);

/// The password grant for the documented example merchant, scoped to its terminal 999888.
const TOKEN_FORM: &str = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888";

fn main() {
    if let Ok(mode) = std::env::var(scale::CHILD_ENV) {
        let shape =
            scale::shape(&mode).unwrap_or_else(|| panic!("unknown {}={mode:?} (scale or empty)", scale::CHILD_ENV));
        scale::child_main(shape);
        return;
    }
    let secs: f64 = env_or("BENCH_SECS", 3.0);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
    // The target is measured with the journal on, as a user runs it; 0 switches it off.
    let journal: usize = env_or("BENCH_JOURNAL", 10_000);
    let conns: usize = env_or("BENCH_CONNS", 64);
    assert!(secs > 0.0 && conns > 0 && rounds > 0, "BENCH_SECS, BENCH_CONNS and BENCH_ROUNDS must be positive");
    let duration = Duration::from_secs_f64(secs);

    // Two runtimes so the load generator never steals the server's worker: on a 2-core
    // machine each gets one core, and the CPU figures show which side was the bottleneck.
    let server_rt = runtime(SERVER_THREADS);
    let load_rt = runtime(LOADGEN_THREADS);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "payterm load bench: {cores} cores; {conns} keep-alive connections; {rounds} alternating rounds of {:.1} s warm-up + {secs} s per server",
        WARMUP.as_secs_f64()
    );
    println!("  split: server on its own tokio multi-thread runtime with 1 worker ({SERVER_THREADS}),");
    println!("         load generator on another with 1 worker ({LOADGEN_THREADS}); main thread only coordinates");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        // A busy machine skews both runs; say how busy it was before starting.
        println!("  load average before the run: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    }

    // payterm first, only to get a token and a task: the bare server is then sent the very
    // same request bytes (path and Authorization header), so both parse the same head.
    let cloud = server_rt
        .block_on(MockCloud::builder().paused().journal_capacity(journal).start())
        .expect("the mock cloud starts on loopback");
    let (token, task_id, payterm_body) = load_rt.block_on(setup_payterm(&cloud));
    let path = format!("/v1/tasks/{task_id}");
    let auth = vec![format!("Authorization: Bearer {token}")];
    println!("  request: GET {path} with a {}-byte bearer token", token.len());
    println!("  body: payterm {payterm_body} bytes, bare hyper {} bytes", bare_hyper::BODY.len());

    let (bare_addr, accept_loop) = server_rt.block_on(bare_hyper::start()).expect("the bare server binds loopback");
    let spec = |addr| loadgen::LoadSpec {
        addr,
        request: loadgen::render_get(addr, &path, &auth),
        conns,
        warmup: WARMUP,
        duration,
    };
    // Rounds alternate the two servers so both meet the same machine: on a shared 2-core
    // box a single back-to-back pair can differ by ±20 % from load alone.
    let mut pairs: Vec<(Measured, Measured)> = Vec::new();
    for round in 1..=rounds {
        println!("round {round}/{rounds}");
        let bare = measure(&load_rt, &spec(bare_addr), "bare hyper");
        let payterm = measure(&load_rt, &spec(cloud.address()), "payterm GET /v1/tasks/{id}");
        println!("  round {round}: payterm / bare = {:.3}", ratio(&bare, &payterm));
        pairs.push((bare, payterm));
    }
    accept_loop.abort();
    // The round with the median ratio: both figures then come from the same moment.
    pairs.sort_by(|a, b| ratio(&a.0, &a.1).total_cmp(&ratio(&b.0, &b.1)));
    let (bare, payterm) = pairs.swap_remove(pairs.len() / 2);
    println!(
        "median round of {rounds}: bare {:.0} req/s, payterm {:.0} req/s (ratio {:.3})",
        bare.load.rps(),
        payterm.load.rps(),
        ratio(&bare, &payterm)
    );
    // Deep links over HTTP, on the same alternating scheme: a read-only link, so the World
    // does not grow during the load.
    let link_path = format!("/app2app?uri={}", "gptom%3A%2F%2Fstatus%3FredirectUrl%3Dpos%3A%2F%2Fdone");
    let link_spec = loadgen::LoadSpec {
        addr: cloud.address(),
        request: loadgen::render_get(cloud.address(), &link_path, &[]),
        conns,
        warmup: WARMUP,
        duration,
    };
    let links = measure(&load_rt, &link_spec, "payterm GET /app2app (deep link gptom://status)");
    let shim_runs: usize = env_or("BENCH_SHIM_RUNS", 30);
    println!("initiator program: {shim_runs} `status` invocations and {shim_runs} of `true`, one after another");
    let shim_times = shim::measure(&cloud, shim_runs);
    println!(
        "  median: status {:.2} ms, true {:.2} ms",
        shim_times.status.as_secs_f64() * 1e3,
        shim_times.baseline.as_secs_f64() * 1e3
    );
    // Confirms the journal was on for the whole run (it records every exchange).
    let (kept, dropped) = (cloud.journal().since(0).len(), cloud.journal().dropped());
    drop(cloud);
    println!("  payterm journal after the run: {kept} entries kept, {dropped} dropped past capacity");

    println!("memory: child processes (re-running this binary with {}=...)", scale::CHILD_ENV);
    let empty = scale::spawn_child("empty");
    println!("  empty child: {empty}");
    let big = scale::spawn_child("scale");
    check_scale(&big);
    // The suite as a user runs it, after the load runs so they do not share the cores
    // (BENCH_SUITE=0 skips it).
    let suite_times = if env_or("BENCH_SUITE", 1u8) == 0 {
        println!("suite: skipped (BENCH_SUITE=0)");
        None
    } else {
        Some(suite::measure())
    };

    let mut figures = Vec::new();
    figures.extend(load_figures("bare_hyper", &bare, None));
    figures.extend(load_figures("payterm.get_task", &payterm, Some(&bare)));
    figures.push(Figure::against("app2app.link.rps", links.load.rps(), "req/s", bare.load.rps()));
    figures.push(Figure::plain("app2app.link.p99", links.load.quantile_ms(0.99), "ms"));
    figures.push(Figure::against(
        "initiator.status_invocation",
        shim_times.status.as_secs_f64() * 1e3,
        "ms",
        shim_times.baseline.as_secs_f64() * 1e3,
    ));
    let _ = shim_times.runs;
    let mb = |v: &Value, key: &str| v[key].as_f64().expect("the child reports every RSS figure") * 1024.0 / 1e6;
    let empty_mb = mb(&empty, "rss_after_kib");
    figures.push(Figure::plain("memory.rss_empty_world", empty_mb, "MB"));
    figures.push(Figure::against("memory.rss_10k_terminals", mb(&big, "rss_before_kib"), "MB", empty_mb));
    figures.push(
        Figure::against("memory.rss_10k_terminals_100k_tasks", mb(&big, "rss_after_kib"), "MB", empty_mb)
            .target(Target::ValueBelow(300.0)),
    );
    figures.extend(suite_times.iter().flat_map(suite::SuiteTimes::figures));
    report::print_table(&figures);
    match report::write_json(&figures) {
        Ok(path) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", report::results_path().display()),
    }
    let missed: Vec<&str> = figures.iter().filter(|f| f.met() == Some(false)).map(|f| f.name.as_str()).collect();
    if missed.is_empty() {
        println!("every target met");
    } else {
        println!("targets MISSED: {}", missed.join(", "));
    }
    // Nothing left to serve; do not wait for idle keep-alive tasks to notice.
    server_rt.shutdown_background();
    load_rt.shutdown_background();
}

/// payterm's throughput over the bare server's in one round.
fn ratio(bare: &Measured, payterm: &Measured) -> f64 {
    payterm.load.rps() / bare.load.rps().max(1.0)
}

/// One load run's figures plus how busy each side was while recording.
struct Measured {
    load: loadgen::LoadReport,
    server_cpu: f64,
    loadgen_cpu: f64,
}

/// Runs the load generator on `load_rt` and samples both runtimes' CPU over the recorded window.
fn measure(load_rt: &Runtime, spec: &loadgen::LoadSpec, what: &str) -> Measured {
    println!("running {what} on {} ...", spec.addr);
    let (load, busy) = load_rt.block_on(async {
        let sampler = async {
            tokio::time::sleep(spec.warmup).await;
            let before = cpu::snapshot(&[SERVER_THREADS, LOADGEN_THREADS]);
            tokio::time::sleep(spec.duration).await;
            cpu::busy_percent(&before, &cpu::snapshot(&[SERVER_THREADS, LOADGEN_THREADS]))
        };
        tokio::join!(loadgen::run(spec), sampler)
    });
    let m = Measured { server_cpu: busy[0], loadgen_cpu: busy[1], load };
    println!(
        "  {} requests in {:.2} s: {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms; CPU: server {:.0}%, load generator {:.0}%",
        m.load.latencies_us.len(),
        m.load.elapsed.as_secs_f64(),
        m.load.rps(),
        m.load.quantile_ms(0.50),
        m.load.quantile_ms(0.99),
        m.server_cpu,
        m.loadgen_cpu,
    );
    if m.loadgen_cpu >= 90.0 {
        // Both sides share two cores; a saturated generator caps what the server can show.
        println!("  note: the load generator was near a full core; this rps is a lower bound on the server's capacity");
    }
    if m.server_cpu < 90.0 && m.loadgen_cpu < 90.0 {
        // Neither side was saturated, so something else held the cores.
        println!("  note: neither side reached a full core; other processes were competing, figures are noisy");
    }
    if m.load.non_200 > 0 {
        println!(
            "  !!! {what}: {} of {} answers were NOT 200 (first: {:?}); its figures do not measure the intended path !!!",
            m.load.non_200,
            m.load.latencies_us.len(),
            m.load.first_bad_status
        );
    }
    if m.load.io_errors > 0 {
        println!("  !!! {what}: {} connection errors (first: {:?}) !!!", m.load.io_errors, m.load.first_io_error);
    }
    if m.load.latencies_us.is_empty() {
        println!("  !!! {what}: no request completed in the recorded window !!!");
    }
    m
}

/// The figures of one run, compared with `baseline` when given.
fn load_figures(prefix: &str, m: &Measured, baseline: Option<&Measured>) -> Vec<Figure> {
    let figure = |name: &str, value: f64, unit, base: Option<f64>| match base {
        Some(b) => Figure::against(&format!("{prefix}.{name}"), value, unit, b),
        None => Figure::plain(&format!("{prefix}.{name}"), value, unit),
    };
    let base = |f: fn(&Measured) -> f64| baseline.map(f);
    let mut rps = figure("rps", m.load.rps(), "req/s", base(|b| b.load.rps()));
    let p50 = figure("p50", m.load.quantile_ms(0.50), "ms", base(|b| b.load.quantile_ms(0.50)));
    let mut p99 = figure("p99", m.load.quantile_ms(0.99), "ms", base(|b| b.load.quantile_ms(0.99)));
    if baseline.is_some() {
        rps = rps.target(Target::RatioAtLeast(0.7));
        p99 = p99.target(Target::RatioAtMost(1.5));
    }
    vec![
        rps,
        p50,
        p99,
        Figure::plain(&format!("{prefix}.errors"), (m.load.non_200 + m.load.io_errors) as f64, "count"),
        Figure::plain(&format!("{prefix}.server_cpu"), m.server_cpu, "%"),
        Figure::plain(&format!("{prefix}.loadgen_cpu"), m.loadgen_cpu, "%"),
    ]
}

/// Says loudly if the scale child did not build what it was asked to.
fn check_scale(big: &Value) {
    println!("  scale child: {big}");
    let field = |k: &str| big[k].as_u64().unwrap_or(u64::MAX);
    if field("tasks") != 100_000 || field("http_refused") != 0 || field("world_refused") != 0 {
        println!(
            "  !!! the scale child did not end with 100,000 queued tasks and no refusals; the memory figure is off !!!"
        );
    }
}

/// A multi-thread runtime with one worker named `name`.
fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime for the bench")
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{key}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// A token from the password grant with `form`; panics with the answer if refused.
async fn fetch_token(client: &reqwest::Client, cloud: &MockCloud, form: &str) -> String {
    let resp = client
        .post(format!("{}/cloud/oauth/token", cloud.uri()))
        .header("Authorization", cloud.basic_credential())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let body = expect_json(resp, 200, "POST /cloud/oauth/token").await;
    body["access_token"].as_str().expect("the token answer has access_token").to_owned()
}

/// A terminal token, a queued sale, and the size of the body polling it answers.
async fn setup_payterm(cloud: &MockCloud) -> (String, String, usize) {
    let client = reqwest::Client::new();
    let token = fetch_token(&client, cloud, TOKEN_FORM).await;
    let sale = json!({"transactionType": "SALE", "amount": 1250, "currencyCode": "CZK", "paymentMethod": "CARD"});
    let resp = client
        .post(format!("{}/v1/tasks/TRANSACTION", cloud.uri()))
        .bearer_auth(&token)
        .json(&sale)
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let created = expect_json(resp, 201, "POST /v1/tasks/TRANSACTION").await;
    let task_id = created["taskId"].as_str().expect("the created task has a taskId").to_owned();
    // One poll by a real client first, so a broken path fails here rather than as a
    // suspiciously fast run of 401s.
    let resp = client
        .get(format!("{}/v1/tasks/{task_id}", cloud.uri()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let polled = expect_text(resp, 200, "GET /v1/tasks/{id}").await;
    (token, task_id, polled.len())
}

/// The answer's body, after checking its status; panics with the body if the status is wrong.
async fn expect_text(resp: reqwest::Response, status: u16, what: &str) -> String {
    let got = resp.status().as_u16();
    let text = resp.text().await.expect("the answer body arrives");
    assert_eq!(got, status, "{what} answered {got}: {text}");
    text
}

/// The answer's body as JSON, after checking its status.
async fn expect_json(resp: reqwest::Response, status: u16, what: &str) -> Value {
    let text = expect_text(resp, status, what).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what} answered non-JSON ({e}): {text}"))
}
