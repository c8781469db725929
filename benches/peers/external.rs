//! [`start_all`]: the peer processes of the rounds (WireMock (Java), Mockoon CLI), each started
//! a few times for a median startup, the last instance kept, pinned and warmed up (JIT).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::runtime::Runtime;

use super::process::{PeerProcess, median};
use super::{java_wiremock, mockoon};
use crate::loadgen::{self, LoadSpec};
use crate::pin::Pinning;
use crate::report::Figure;
use crate::setup::Polled;

/// A peer process that started and answers the polled path.
pub struct External {
    /// The figures' prefix, e.g. `wiremock_java`.
    pub name: &'static str,
    /// What the log calls it.
    pub label: String,
    /// The instance the rounds load.
    pub process: PeerProcess,
    /// Median spawn-to-first-200 over its starts.
    pub startup: Duration,
    /// Resident memory right after its start, before any load, KiB.
    pub rss_started_kib: Option<u64>,
}

/// A peer that did not run, and why.
pub struct Skipped {
    /// The figures' prefix it would have had.
    pub name: &'static str,
    /// What went wrong.
    pub why: String,
}

/// Each peer's startup against payterm's (`payterm_startup`), and its RSS after the rounds
/// (`rss_after`, in the same order) against its RSS at start.
pub fn figures(externals: &[External], rss_after: &[Option<u64>], payterm_startup: Option<Duration>) -> Vec<Figure> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mb = crate::soak::mb;
    let mut figures = Vec::new();
    for (e, rss) in externals.iter().zip(rss_after) {
        let name = format!("startup.{}", e.name);
        figures.push(match payterm_startup {
            Some(p) => Figure::against(&name, ms(e.startup), "ms", ms(p)),
            None => Figure::plain(&name, ms(e.startup), "ms"),
        });
        if let (Some(after), Some(started)) = (rss, e.rss_started_kib) {
            figures.push(Figure::against(&format!("{}.rss_after_rounds", e.name), mb(*after), "MB", mb(started)));
        }
    }
    figures
}

type Starter = fn(&Runtime, &str, &str) -> Result<PeerProcess, String>;

/// Starts each peer `runs` times (at least once), keeps the last, pins it to the server core
/// and loads it for `warmup`; a peer that fails is skipped with the reason.
pub fn start_all(
    load_rt: &Runtime,
    pinning: Pinning,
    polled: &Polled,
    runs: usize,
    warmup: Duration,
    spec: impl Fn(SocketAddr) -> LoadSpec,
) -> (Vec<External>, Vec<Skipped>) {
    let peers: [(&'static str, String, Starter); 2] = [
        ("wiremock_java", format!("WireMock {} (Java, standalone jar)", java_wiremock::VERSION), java_wiremock::start),
        ("mockoon", format!("Mockoon CLI {}", mockoon::VERSION), mockoon::start),
    ];
    let (mut started, mut skipped) = (Vec::new(), Vec::new());
    for (name, label, start) in peers {
        println!("peer {label}: {runs} starts, spawn to first 200 on GET {}", polled.path());
        let mut times = Vec::new();
        let mut kept = None;
        for _ in 0..runs.max(1) {
            // The previous instance is dropped (killed) before the next starts.
            kept = None;
            match start(load_rt, &polled.path(), &polled.body) {
                Ok(p) => {
                    println!(
                        "  started in {:.0} ms (pid {}, log {})",
                        p.startup.as_secs_f64() * 1e3,
                        p.pid(),
                        p.log.display()
                    );
                    times.push(p.startup);
                    kept = Some(p);
                }
                Err(why) => {
                    println!("  !!! peer {label} NOT RUN: {why}");
                    skipped.push(Skipped { name, why });
                    break;
                }
            }
        }
        let Some(process) = kept else { continue };
        let rss_started_kib = process.rss_kib();
        if pinning.enabled() && !pinning.pin_process(process.pid()) {
            println!("  note: could not pin pid {} to the server core; it runs where the OS puts it", process.pid());
        }
        println!("  warming up (JIT) for {:.0} s under the same load as the rounds ...", warmup.as_secs_f64());
        let report = load_rt.block_on(loadgen::run(&LoadSpec {
            warmup: Duration::ZERO,
            duration: warmup,
            ..spec(process.addr)
        }));
        println!(
            "  warm-up: {:.0} req/s, p99 {:.3} ms, {} not 200, {} connection errors",
            report.rps(),
            report.quantile_ms(0.99),
            report.non_200,
            report.io_errors
        );
        if report.latencies_us.is_empty() || report.non_200 > 0 {
            let why = format!(
                "its warm-up did not get only 200s (first status {:?}, first error {:?}): {}",
                report.first_bad_status,
                report.first_io_error,
                process.log_tail()
            );
            println!("  !!! peer {label} NOT RUN: {why}");
            skipped.push(Skipped { name, why });
            continue;
        }
        let startup = median(&mut times);
        println!("  startup: median {:.0} ms of {} starts", startup.as_secs_f64() * 1e3, times.len());
        started.push(External { name, label, process, startup, rss_started_kib });
    }
    (started, skipped)
}
