//! `cargo bench --bench load`: payterm's `GET /v1/tasks/{id}` against a bare hyper server and the
//! tools users would pick instead (wiremock-rs, WireMock (Java), Mockoon CLI) under the same load,
//! startup to the first answer, memory at scale and over a soak, and the built-in suite's wall
//! time; prints a table and writes `target/bench/results.json`.

mod bare_hyper;
mod cpu;
mod extras;
mod loadgen;
mod many_orders;
mod measure;
mod peers;
mod pin;
mod report;
mod rounds;
mod scale;
mod scale_scenario;
mod setup;
mod shim;
mod soak;
mod startup;
mod suite;
mod wrk;

use std::time::Duration;

use measure::{Cpu, Targets, load_figures};
use payterm::MockCloud;
use peers::wiremock_rs;
use pin::{LOADGEN_CPU, Pinning, SERVER_CPU};
use report::{Figure, Target};
use rounds::{BARE, PAYTERM, Server};
use serde_json::Value;
use tokio::runtime::Runtime;

/// Thread-name prefixes of the two runtimes, for the CPU figures.
const SERVER_THREADS: &str = "bench-server";
const LOADGEN_THREADS: &str = "bench-loadgen";

/// Measured before recording, so connection setup and cold caches stay out of the figures.
const WARMUP: Duration = Duration::from_millis(500);

fn main() {
    if let Ok(mode) = std::env::var(scale::CHILD_ENV) {
        child_main(&mode);
        return;
    }
    let secs: f64 = env_or("BENCH_SECS", 3.0);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
    // The target is measured with the journal on, as a user runs it; 0 switches it off.
    let journal: usize = env_or("BENCH_JOURNAL", 10_000);
    let conns: usize = env_or("BENCH_CONNS", 64);
    assert!(secs > 0.0 && conns > 0 && rounds > 0, "BENCH_SECS, BENCH_CONNS and BENCH_ROUNDS must be positive");
    let duration = Duration::from_secs_f64(secs);
    if std::env::var("BENCH_ONLY").as_deref() == Ok("suite") {
        // The suite's wall times and payterm's CPU alone, e.g. after a change to the runner.
        report::print_table(&suite::measure().figures());
        return;
    }
    if std::env::var("BENCH_ONLY").as_deref() == Ok("grants") {
        // One figure alone, e.g. after a change to the token service.
        let rt = runtime(LOADGEN_THREADS);
        let figures: Vec<Figure> =
            grant_soak(&rt, Pinning::detect(), conns).iter().flat_map(soak::grant_figures).collect();
        report::print_table(&figures);
        return;
    }

    // Two runtimes so the load generator never steals the server's worker: on a 2-core
    // machine each gets one core, and the CPU figures show which side was the bottleneck.
    let server_rt = runtime(SERVER_THREADS);
    let load_rt = runtime(LOADGEN_THREADS);
    let pinning = Pinning::detect();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "payterm load bench: {cores} cores; {conns} keep-alive connections; {rounds} alternating rounds of {:.1} s warm-up + {secs} s per server",
        WARMUP.as_secs_f64()
    );
    println!("  split: in-process servers on a tokio multi-thread runtime with 1 worker ({SERVER_THREADS}),");
    println!("         the load generator on another with 1 worker ({LOADGEN_THREADS}); main thread only coordinates");
    let pinned = (pinning.pin_threads(SERVER_THREADS, SERVER_CPU), pinning.pin_threads(LOADGEN_THREADS, LOADGEN_CPU));
    println!("  {} ({} server and {} load-generator threads)", pinning.describe(), pinned.0, pinned.1);
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        // A busy machine skews every run; say how busy it was before starting.
        println!("  load average before the run: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    }

    // payterm first, only to get a token and a task: every other server is then sent the very
    // same request bytes (path and Authorization header), so all parse the same head.
    let cloud = server_rt
        .block_on(MockCloud::builder().paused().journal_capacity(journal).start())
        .expect("the mock cloud starts on loopback");
    let uri = cloud.uri();
    let polled = load_rt.block_on(setup::setup_payterm(setup::Payterm { uri: &uri, basic: cloud.basic_credential() }));
    let (path, auth) = (polled.path(), polled.auth());
    println!("  request: GET {path} with a {}-byte bearer token", polled.token.len());
    println!(
        "  body: payterm {} bytes; bare hyper {} bytes (a copy); the peers serve payterm's own bytes",
        polled.body.len(),
        bare_hyper::BODY.len()
    );

    let (bare_addr, accept_loop) = server_rt.block_on(bare_hyper::start()).expect("the bare server binds loopback");
    // From a task on the server runtime, so wiremock-rs's own thread inherits its name and core.
    let wiremock = server_rt
        .block_on(async { tokio::spawn(wiremock_rs::start(path.clone(), polled.body.clone(), true, None)).await })
        .expect("wiremock-rs starts");
    let spec = |addr| loadgen::LoadSpec {
        addr,
        request: loadgen::render_get(addr, &path, &auth),
        conns,
        warmup: WARMUP,
        duration,
        budget: None,
    };
    let in_process =
        |prefix: &str, what: &str, addr| Server { prefix: prefix.into(), what: what.into(), addr, cpu: Cpu::InProcess };
    let mut servers = vec![
        in_process("bare_hyper", "bare hyper", bare_addr),
        in_process("payterm.get_task", "payterm GET /v1/tasks/{id}", cloud.address()),
        in_process(
            "wiremock_rs.get_task",
            "wiremock-rs 0.6 MockServer (request recording on, its default)",
            *wiremock.address(),
        ),
    ];
    let (externals, skipped) = if env_or("BENCH_PEERS", 1u8) == 0 {
        let why = "BENCH_PEERS=0".to_owned();
        (
            Vec::new(),
            vec![peers::Skipped { name: "wiremock_java", why: why.clone() }, peers::Skipped { name: "mockoon", why }],
        )
    } else {
        let (runs, warm) =
            (env_or("BENCH_PEER_STARTS", 3), Duration::from_secs_f64(env_or("BENCH_PEER_WARMUP_SECS", 15.0)));
        peers::external::start_all(&load_rt, pinning, &polled, runs, warm, spec)
    };
    for e in &externals {
        servers.push(Server {
            prefix: format!("{}.get_task", e.name),
            what: e.label.clone(),
            addr: e.process.addr,
            cpu: Cpu::Process(e.process.pid()),
        });
    }
    let median = rounds::run(&load_rt, &servers, spec, rounds);
    let peer_rss: Vec<Option<u64>> = externals.iter().map(|e| e.process.rss_kib()).collect();

    let wrk_runs = if env_or("BENCH_WRK", 1u8) != 0 && wrk::available() {
        let addrs = [bare_addr, cloud.address(), *wiremock.address()];
        wrk::runs(pinning, addrs, &path, &auth[0], conns, env_or("BENCH_WRK_SECS", 3u64))
    } else {
        println!("wrk: not on PATH (apt-get install wrk) or BENCH_WRK=0; only the bench's own load generator ran");
        None
    };
    drop(wiremock);
    accept_loop.abort();
    let extra = extras::run(&load_rt, &cloud, conns, duration);
    drop(cloud);

    println!("memory: child processes (re-running this binary with {}=...)", scale::CHILD_ENV);
    let empty = scale::spawn_child("empty");
    println!("  empty child: {empty}");
    let big = scale::spawn_child("scale");
    check_scale(&big);
    let startup = startup::measure(&load_rt, env_or("BENCH_STARTUP_RUNS", 11));
    if let Err(e) = &startup {
        println!("  !!! startup not measured: {e}");
    }
    let (soak_payterm, soak_peers) = soaks(&load_rt, pinning, &polled, conns);
    let grants = grant_soak(&load_rt, pinning, conns);
    // The suite as a user runs it, after the load runs so they do not share the cores
    // (BENCH_SUITE=0 skips it).
    let suite_times = if env_or("BENCH_SUITE", 1u8) == 0 {
        println!("suite: skipped (BENCH_SUITE=0)");
        None
    } else {
        Some(suite::measure())
    };

    // Issue 7's scale run: 1,000 Cloud sales on 100 terminals (BENCH_SCALE_RUN=0 skips it).
    let many = (env_or("BENCH_SCALE_RUN", 1u8) != 0).then(many_orders::measure);

    let mut figures = Vec::new();
    figures.extend(load_figures("bare_hyper", &median[BARE], None, Targets::default()));
    let against_bare = Targets { rps: Some(Target::RatioAtLeast(0.7)), p99: Some(Target::RatioAtMost(1.5)) };
    figures.extend(load_figures("payterm.get_task", &median[PAYTERM], Some(&median[BARE]), against_bare));
    for (s, m) in servers.iter().zip(&median).skip(PAYTERM + 1) {
        // payterm at least twice wiremock-rs's throughput: the peer's rps over payterm's <= 0.5.
        let rps = s.prefix.starts_with("wiremock_rs").then_some(Target::RatioAtMost(0.5));
        figures.extend(load_figures(&s.prefix, m, Some(&median[PAYTERM]), Targets { rps, p99: None }));
    }
    figures.extend(wrk_runs.iter().flat_map(wrk::figures));
    figures.extend(extra.figures(median[BARE].load.rps()));
    let mb = |v: &Value, key: &str| v[key].as_f64().expect("the child reports every RSS figure") * 1024.0 / 1e6;
    let empty_mb = mb(&empty, "rss_after_kib");
    figures.push(Figure::plain("memory.rss_empty_world", empty_mb, "MB"));
    figures.push(Figure::against("memory.rss_10k_terminals", mb(&big, "rss_before_kib"), "MB", empty_mb));
    figures.push(
        Figure::against("memory.rss_10k_terminals_100k_tasks", mb(&big, "rss_after_kib"), "MB", empty_mb)
            .target(Target::ValueBelow(300.0)),
    );
    figures.extend(soak::figures(soak_payterm.as_ref(), &soak_peers));
    figures.extend(grants.iter().flat_map(soak::grant_figures));
    if let Ok(s) = &startup {
        figures.extend(s.figures());
    }
    figures.extend(peers::external::figures(&externals, &peer_rss, startup.as_ref().ok().map(|s| s.payterm)));
    figures.extend(suite_times.iter().flat_map(suite::SuiteTimes::figures));
    for (name, value, unit) in many.iter().flat_map(many_orders::ManyOrders::figures) {
        figures.push(Figure::plain(&name, value, unit));
    }
    report::print_table(&figures);
    for s in &skipped {
        println!("NOT RUN: {} (its figures are omitted): {}", s.name, s.why);
    }
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
    drop(externals);
    // Nothing left to serve; do not wait for idle keep-alive tasks to notice.
    server_rt.shutdown_background();
    load_rt.shutdown_background();
}

/// A child copy of the bench: a server for the startup or soak figures, or a scale World.
fn child_main(mode: &str) {
    match mode {
        bare_hyper::CHILD_MODE => bare_hyper::child_main(),
        wiremock_rs::CHILD_RECORDING => wiremock_rs::child_main(true),
        wiremock_rs::CHILD_NO_RECORDING => wiremock_rs::child_main(false),
        other => {
            let shape = scale::shape(other).unwrap_or_else(|| panic!("unknown {}={other:?}", scale::CHILD_ENV));
            scale::child_main(shape);
        }
    }
}

/// The soaks (`BENCH_SOAK_REQUESTS`, 0 skips them): payterm serve, then wiremock-rs with
/// request recording on and off; one that cannot start is reported and left out.
fn soaks(
    rt: &Runtime,
    pinning: Pinning,
    polled: &setup::Polled,
    conns: usize,
) -> (Option<soak::Soak>, Vec<soak::Soak>) {
    let requests: u64 = env_or("BENCH_SOAK_REQUESTS", 1_000_000);
    if requests == 0 {
        println!("soak: skipped (BENCH_SOAK_REQUESTS=0)");
        return (None, Vec::new());
    }
    let max = Duration::from_secs(env_or("BENCH_SOAK_MAX_SECS", 300));
    let plan = soak::Plan { requests, conns, max, max_rss_mb: env_or("BENCH_SOAK_MAX_RSS_MB", 8000) };
    println!(
        "soak: {requests} requests each, child processes (on core {SERVER_CPU} when pinned), RSS from /proc/<pid>/status"
    );
    let report =
        |r: Result<soak::Soak, String>, what: &str| r.map_err(|e| println!("  !!! soak of {what} NOT RUN: {e}")).ok();
    let payterm = report(soak::payterm(rt, pinning, plan), "payterm serve");
    let peers = [true, false]
        .into_iter()
        .filter_map(|recording| report(soak::wiremock_rs(rt, pinning, polled, recording, plan), "wiremock-rs"))
        .collect();
    (payterm, peers)
}

/// The grant soak (`BENCH_GRANT_REQUESTS`, default 1,000,000; 0 skips it): password logins
/// against `payterm serve`, its RSS before and after.
fn grant_soak(rt: &Runtime, pinning: Pinning, conns: usize) -> Option<soak::Soak> {
    let requests: u64 = env_or("BENCH_GRANT_REQUESTS", 1_000_000);
    if requests == 0 {
        println!("grant soak: skipped (BENCH_GRANT_REQUESTS=0)");
        return None;
    }
    let max = Duration::from_secs(env_or("BENCH_SOAK_MAX_SECS", 300));
    let plan = soak::Plan { requests, conns, max, max_rss_mb: env_or("BENCH_SOAK_MAX_RSS_MB", 8000) };
    println!("grant soak: {requests} password logins against payterm serve, RSS from /proc/<pid>/status");
    soak::payterm_grants(rt, pinning, plan).map_err(|e| println!("  !!! grant soak NOT RUN: {e}")).ok()
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
