//! [`run`]: `wrk` (when on PATH) once against a server, pinned to the load-generator core: a
//! second load generator's view of bare hyper, payterm and wiremock-rs, beside the bench's own.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use crate::pin::{LOADGEN_CPU, Pinning};
use crate::report::{Figure, Target};

/// What one wrk run reported.
pub struct WrkRun {
    /// `Requests/sec:`.
    pub rps: f64,
    /// The 99 % line of `--latency`, milliseconds.
    pub p99_ms: f64,
    /// `Non-2xx or 3xx responses:` plus socket errors.
    pub errors: u64,
}

/// What wrk saw of each server.
pub struct WrkRuns {
    /// Bare hyper.
    pub bare: WrkRun,
    /// payterm.
    pub payterm: WrkRun,
    /// wiremock-rs, if it ran.
    pub wiremock_rs: Option<WrkRun>,
}

/// wrk once against bare hyper, payterm and wiremock-rs (`addrs`, in that order), printing
/// each; `None` if bare hyper or payterm failed.
pub fn runs(
    pinning: Pinning,
    addrs: [SocketAddr; 3],
    path: &str,
    header: &str,
    conns: usize,
    secs: u64,
) -> Option<WrkRuns> {
    println!(
        "wrk: once each against bare hyper, payterm and wiremock-rs, -t1 -c{conns} -d{secs}s (on core {LOADGEN_CPU} when pinned)"
    );
    let once = |addr| run(pinning, addr, path, header, conns, secs);
    match (once(addrs[0]), once(addrs[1]), once(addrs[2])) {
        (Ok(bare), Ok(payterm), wiremock) => {
            println!(
                "  bare hyper {:.0} req/s p99 {:.3} ms; payterm {:.0} req/s p99 {:.3} ms",
                bare.rps, bare.p99_ms, payterm.rps, payterm.p99_ms
            );
            match &wiremock {
                Ok(w) => println!("  wiremock-rs {:.0} req/s p99 {:.3} ms", w.rps, w.p99_ms),
                Err(e) => println!("  !!! wrk did not run against wiremock-rs: {e}"),
            }
            Some(WrkRuns { bare, payterm, wiremock_rs: wiremock.ok() })
        }
        (b, p, _) => {
            println!("  !!! wrk did not run: {:?} {:?}", b.err(), p.err());
            None
        }
    }
}

/// payterm's wrk figures against bare hyper's, and wiremock-rs's against payterm's (held to
/// at most half of payterm's throughput, the figure measured with wrk).
pub fn figures(runs: &WrkRuns) -> Vec<Figure> {
    let (b, p) = (&runs.bare, &runs.payterm);
    let mut out = vec![
        Figure::plain("wrk.bare_hyper.rps", b.rps, "req/s"),
        Figure::against("wrk.payterm.rps", p.rps, "req/s", b.rps),
        Figure::plain("wrk.bare_hyper.p99", b.p99_ms, "ms"),
        Figure::against("wrk.payterm.p99", p.p99_ms, "ms", b.p99_ms),
    ];
    let mut errors = b.errors + p.errors;
    if let Some(w) = &runs.wiremock_rs {
        out.push(Figure::against("wrk.wiremock_rs.rps", w.rps, "req/s", p.rps).target(Target::RatioAtMost(0.5)));
        out.push(Figure::against("wrk.wiremock_rs.p99", w.p99_ms, "ms", p.p99_ms));
        errors += w.errors;
    }
    out.push(Figure::plain("wrk.errors", errors as f64, "count"));
    out
}

/// Whether `wrk` runs here.
pub fn available() -> bool {
    Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// `wrk -t1 -c{conns} -d{secs}s --latency -H {header} http://{addr}{path}`.
pub fn run(
    pinning: Pinning,
    addr: SocketAddr,
    path: &str,
    header: &str,
    conns: usize,
    secs: u64,
) -> Result<WrkRun, String> {
    let out = pinning
        .loadgen_command("wrk")
        .args(["-t1", &format!("-c{conns}"), &format!("-d{secs}s"), "--latency", "-H", header])
        .arg(format!("http://{addr}{path}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("wrk cannot run: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk exited with {}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    let field = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix)).map(str::trim);
    let rps =
        field("Requests/sec:").and_then(|v| v.parse().ok()).ok_or_else(|| format!("no Requests/sec in {text}"))?;
    let p99_ms = field("99%").and_then(parse_ms).ok_or_else(|| format!("no 99% latency line in {text}"))?;
    let non_2xx: u64 = field("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0);
    // "Socket errors: connect 0, read 0, write 0, timeout 0".
    let socket: u64 = field("Socket errors:")
        .map(|v| v.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Ok(WrkRun { rps, p99_ms, errors: non_2xx + socket })
}

/// wrk's latency with its unit (`812.00us`, `1.23ms`, `2.00s`), in milliseconds.
fn parse_ms(v: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e3)
    } else {
        (v, 1.0)
    };
    number.trim().parse::<f64>().ok().map(|x| x * scale)
}
