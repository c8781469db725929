//! [`measure`]: startup to the first answered request, spawn to the first 200, median of N starts
//! each: `payterm serve` (the release binary) beside a minimal bare-hyper process (this bench
//! re-run as a child); both unpinned, as a user starts them.

use std::process::Command;
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::bare_hyper;
use crate::peers::process::{PeerProcess, bench_child, free_port, median};
use crate::report::{Figure, Target};

/// How long either may take before the run counts as failed.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The two medians.
pub struct Startup {
    /// `payterm serve --port P --control-port 0`, probed on `GET /health`.
    pub payterm: Duration,
    /// The bare-hyper child, probed on `GET /`.
    pub bare: Duration,
}

impl Startup {
    /// payterm's median against the bare process's, held to < 50 ms.
    pub fn figures(&self) -> Vec<Figure> {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        vec![
            Figure::against("startup.payterm_serve", ms(self.payterm), "ms", ms(self.bare))
                .target(Target::ValueBelow(50.0)),
            Figure::plain("startup.bare_hyper", ms(self.bare), "ms"),
        ]
    }
}

/// Starts each `runs` times, alternating, and returns the medians; says which start failed.
pub fn measure(rt: &Runtime, runs: usize) -> Result<Startup, String> {
    let payterm = env!("CARGO_BIN_EXE_payterm");
    println!(
        "startup: {runs} starts each of `payterm serve` and a bare-hyper process, spawn to first 200, alternating"
    );
    let (mut p, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let mut serve = Command::new(payterm);
        serve.args(["serve", "--port", &port.to_string(), "--control-port", "0"]);
        p.push(PeerProcess::start(rt, "payterm-serve", serve, port, "/health", TIMEOUT)?.startup);
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let bare = bench_child(bare_hyper::CHILD_MODE, port, "/", "");
        b.push(PeerProcess::start(rt, "bare-hyper", bare, port, "/", TIMEOUT)?.startup);
    }
    let show = |v: &[Duration]| v.iter().map(|d| format!("{:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(" ");
    println!("  payterm serve, ms: {}", show(&p));
    println!("  bare hyper, ms:    {}", show(&b));
    Ok(Startup { payterm: median(&mut p), bare: median(&mut b) })
}
