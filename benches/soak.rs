//! [`payterm`] and [`wiremock_rs`]: a soak of `BENCH_SOAK_REQUESTS` requests (default 1,000,000)
//! against a child process, `payterm serve` with its journal at the default capacity or
//! wiremock-rs with request recording on and off, its resident memory read before, during and after.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::loadgen::{self, LoadSpec};
use crate::peers::process::{PeerProcess, bench_child, free_port};
use crate::peers::wiremock_rs;
use crate::pin::Pinning;
use crate::report::{Figure, Target};
use crate::setup::{self, Payterm, Polled};

/// One server's soak.
pub struct Soak {
    /// The figures' prefix, e.g. `soak.payterm`.
    pub name: &'static str,
    /// Requests answered.
    pub requests: usize,
    /// Answers that were not 200, plus connection errors.
    pub errors: u64,
    /// Throughput over the soak.
    pub rps: f64,
    /// Resident memory after setup, before the load, KiB.
    pub rss_before_kib: u64,
    /// Resident memory after the last request, KiB.
    pub rss_after_kib: u64,
}

/// How to drive a soak.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Requests in all.
    pub requests: u64,
    /// Keep-alive connections.
    pub conns: usize,
    /// The most the soak may take before it stops short.
    pub max: Duration,
    /// The most resident memory the server may reach before the soak stops short, MB.
    pub max_rss_mb: u64,
}

/// Why a soak must stop now, if it must: the server's RSS past `max_rss_mb`, or the machine
/// under 2 GB of available memory (others share it).
fn guard(rss_kib: u64, max_rss_mb: u64) -> Option<String> {
    if mb(rss_kib) > max_rss_mb as f64 {
        return Some(format!("its RSS {:.0} MB passed BENCH_SOAK_MAX_RSS_MB={max_rss_mb}", mb(rss_kib)));
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let available = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    (mb(available) < 2000.0).then(|| format!("the machine has only {:.0} MB available", mb(available)))
}

/// `payterm serve --mode assisted` (so the polled task stays queued), its own token and sale.
pub fn payterm(rt: &Runtime, pinning: Pinning, plan: Plan) -> Result<Soak, String> {
    let server = serve(rt, "soak-payterm-serve")?;
    let basic = basic_credential(&server)?;
    let uri = format!("http://{}", server.addr);
    let polled = rt.block_on(setup::setup_payterm(Payterm { uri: &uri, basic: &basic }));
    let request = loadgen::render_get(server.addr, &polled.path(), &polled.auth());
    Ok(soak(rt, pinning, "soak.payterm", &server, request, plan))
}

/// `payterm serve` answering the documented password login for terminal 999888, over and
/// over: every answer a new access and refresh token (issue 14: each grant used to be kept).
pub fn payterm_grants(rt: &Runtime, pinning: Pinning, plan: Plan) -> Result<Soak, String> {
    let server = serve(rt, "soak-payterm-grants")?;
    let basic = basic_credential(&server)?;
    let form = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888";
    let request =
        loadgen::render_post_form(server.addr, "/cloud/oauth/token", &[format!("Authorization: {basic}")], form);
    Ok(soak(rt, pinning, "soak.grants.payterm", &server, request, plan))
}

fn serve(rt: &Runtime, name: &str) -> Result<PeerProcess, String> {
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let mut serve = Command::new(env!("CARGO_BIN_EXE_payterm"));
    serve.args(["serve", "--port", &port.to_string(), "--control-port", "0", "--mode", "assisted"]);
    PeerProcess::start(rt, name, serve, port, "/health", Duration::from_secs(30))
}

/// wiremock-rs in a child copy of the bench, answering `polled`'s path with its body.
pub fn wiremock_rs(
    rt: &Runtime,
    pinning: Pinning,
    polled: &Polled,
    recording: bool,
    plan: Plan,
) -> Result<Soak, String> {
    let (mode, name) = if recording {
        (wiremock_rs::CHILD_RECORDING, "soak.wiremock_rs")
    } else {
        (wiremock_rs::CHILD_NO_RECORDING, "soak.wiremock_rs_no_recording")
    };
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let child = bench_child(mode, port, &polled.path(), &polled.body);
    let server = PeerProcess::start(rt, mode, child, port, &polled.path(), Duration::from_secs(30))?;
    let request = loadgen::render_get(server.addr, &polled.path(), &polled.auth());
    Ok(soak(rt, pinning, name, &server, request, plan))
}

/// The credential `payterm serve` prints (`client      Authorization: Basic …`).
fn basic_credential(server: &PeerProcess) -> Result<String, String> {
    // It is printed right after the server starts answering; give the line a moment.
    for _ in 0..500 {
        let text = std::fs::read_to_string(&server.log).unwrap_or_default();
        let line = text.lines().find_map(|l| l.trim().strip_prefix("client"));
        if let Some(basic) = line.and_then(|v| v.trim().strip_prefix("Authorization:")) {
            return Ok(basic.trim().to_owned());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(format!("payterm serve printed no client credential: {}", server.log_tail()))
}

fn soak(
    rt: &Runtime,
    pinning: Pinning,
    name: &'static str,
    server: &PeerProcess,
    request: Vec<u8>,
    plan: Plan,
) -> Soak {
    if pinning.enabled() {
        pinning.pin_process(server.pid());
    }
    let addr: SocketAddr = server.addr;
    let budget = Arc::new(AtomicU64::new(plan.requests));
    let spec = LoadSpec {
        addr,
        request,
        conns: plan.conns,
        warmup: Duration::ZERO,
        duration: plan.max,
        budget: Some(budget.clone()),
    };
    let rss_before_kib = server.rss_kib().unwrap_or(0);
    println!(
        "{name}: {} requests on {addr} (pid {}), RSS before {:.1} MB",
        plan.requests,
        server.pid(),
        mb(rss_before_kib)
    );
    let (report, samples) = rt.block_on(async {
        let load = tokio::spawn(async move { loadgen::run(&spec).await });
        tokio::pin!(load);
        let mut samples = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tokio::select! {
                report = &mut load => break (report.expect("the load task does not panic"), samples),
                _ = tick.tick() => {
                    let rss = server.rss_kib().unwrap_or(0);
                    samples.push(rss);
                    if let Some(why) = guard(rss, plan.max_rss_mb) {
                        // Stop short rather than take the shared machine's memory: say so below.
                        if budget.swap(0, Ordering::Relaxed) > 0 {
                            println!("  !!! {name}: stopping early: {why} !!!");
                        }
                    }
                }
            }
        }
    });
    let rss_after_kib = server.rss_kib().unwrap_or(0);
    let shown: Vec<String> = samples.iter().map(|k| format!("{:.0}", mb(*k))).collect();
    println!("  RSS every 2 s, MB: {}", shown.join(" "));
    let errors = report.non_200 + report.io_errors;
    println!(
        "  {} answered in {:.1} s ({:.0} req/s, {errors} errors); RSS after {:.1} MB, peak {:.1} MB",
        report.latencies_us.len(),
        report.elapsed.as_secs_f64(),
        report.rps(),
        mb(rss_after_kib),
        mb(server.peak_kib().unwrap_or(0))
    );
    if (report.latencies_us.len() as u64) < plan.requests {
        println!(
            "  !!! {name}: stopped short of {} requests (BENCH_SOAK_MAX_SECS or a memory guard); its figures are for {} !!!",
            plan.requests,
            report.latencies_us.len()
        );
    }
    if errors > 0 {
        println!(
            "  !!! {name}: first status {:?}, first error {:?} !!!",
            report.first_bad_status, report.first_io_error
        );
    }
    Soak { name, requests: report.latencies_us.len(), errors, rps: report.rps(), rss_before_kib, rss_after_kib }
}

/// KiB to MB (10^6 bytes), as the other memory figures.
pub fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// The grant soak's figures: RSS after 1,000,000 logins against RSS before, held to < 64 MB.
pub fn grant_figures(grants: &Soak) -> Vec<Figure> {
    let name = grants.name;
    vec![
        Figure::against(&format!("{name}.rss_after"), mb(grants.rss_after_kib), "MB", mb(grants.rss_before_kib))
            .target(Target::ValueBelow(64.0)),
        Figure::plain(&format!("{name}.rss_growth"), mb(grants.rss_after_kib) - mb(grants.rss_before_kib), "MB"),
        Figure::plain(&format!("{name}.rps"), grants.rps, "req/s"),
        Figure::plain(&format!("{name}.requests"), grants.requests as f64, "count"),
        Figure::plain(&format!("{name}.errors"), grants.errors as f64, "count"),
    ]
}

/// payterm's RSS after the soak against its RSS before (held to < 64 MB); each peer's after and
/// growth against payterm's.
pub fn figures(payterm: Option<&Soak>, peers: &[Soak]) -> Vec<Figure> {
    let growth = |s: &Soak| mb(s.rss_after_kib) - mb(s.rss_before_kib);
    let mut figures = Vec::new();
    if let Some(p) = payterm {
        figures.push(
            Figure::against("soak.payterm.rss_after", mb(p.rss_after_kib), "MB", mb(p.rss_before_kib))
                .target(Target::ValueBelow(64.0)),
        );
        figures.push(Figure::plain("soak.payterm.rss_growth", growth(p), "MB"));
        figures.push(Figure::plain("soak.payterm.rps", p.rps, "req/s"));
        figures.push(Figure::plain("soak.payterm.requests", p.requests as f64, "count"));
        figures.push(Figure::plain("soak.payterm.errors", p.errors as f64, "count"));
    }
    for s in peers {
        let (after, grew) = (mb(s.rss_after_kib), growth(s));
        figures.push(match payterm {
            Some(p) => Figure::against(&format!("{}.rss_after", s.name), after, "MB", mb(p.rss_after_kib)),
            None => Figure::plain(&format!("{}.rss_after", s.name), after, "MB"),
        });
        figures.push(match payterm {
            Some(p) => Figure::against(&format!("{}.rss_growth", s.name), grew, "MB", growth(p)),
            None => Figure::plain(&format!("{}.rss_growth", s.name), grew, "MB"),
        });
        figures.push(Figure::plain(&format!("{}.rps", s.name), s.rps, "req/s"));
        figures.push(Figure::plain(&format!("{}.requests", s.name), s.requests as f64, "count"));
        figures.push(Figure::plain(&format!("{}.errors", s.name), s.errors as f64, "count"));
    }
    figures
}
