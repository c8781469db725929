//! [`run`]: the figures measured once against the in-process payterm after the rounds: deep
//! links over HTTP, and the cost of one initiator `status` invocation beside `true`.

use std::time::Duration;

use payterm::MockCloud;
use tokio::runtime::Runtime;

use crate::measure::{Cpu, Measured, measure};
use crate::report::Figure;
use crate::{WARMUP, loadgen, shim};

/// What [`run`] measured.
pub struct Extras {
    links: Measured,
    shim: shim::ShimTimes,
}

impl Extras {
    /// The deep-link figures (throughput against the bare server's `bare_rps`) and the shim's.
    pub fn figures(&self, bare_rps: f64) -> Vec<Figure> {
        vec![
            Figure::against("app2app.link.rps", self.links.load.rps(), "req/s", bare_rps),
            Figure::plain("app2app.link.p99", self.links.load.quantile_ms(0.99), "ms"),
            Figure::against(
                "initiator.status_invocation",
                self.shim.status.as_secs_f64() * 1e3,
                "ms",
                self.shim.baseline.as_secs_f64() * 1e3,
            ),
        ]
    }
}

/// Deep links (a read-only link, so the World does not grow), the shim, and a check that the
/// journal was on for the whole run.
pub fn run(load_rt: &Runtime, cloud: &MockCloud, conns: usize, duration: Duration) -> Extras {
    let link_path = format!("/app2app?uri={}", "gptom%3A%2F%2Fstatus%3FredirectUrl%3Dpos%3A%2F%2Fdone");
    let link_spec = loadgen::LoadSpec {
        addr: cloud.address(),
        request: loadgen::render_get(cloud.address(), &link_path, &[]),
        conns,
        warmup: WARMUP,
        duration,
        budget: None,
    };
    let links = measure(load_rt, &link_spec, "payterm GET /app2app (deep link gptom://status)", Cpu::InProcess);
    let shim_runs: usize = crate::env_or("BENCH_SHIM_RUNS", 30);
    println!("initiator program: {shim_runs} `status` invocations and {shim_runs} of `true`, one after another");
    let shim = shim::measure(cloud, shim_runs);
    println!(
        "  median of {}: status {:.2} ms, true {:.2} ms",
        shim.runs,
        shim.status.as_secs_f64() * 1e3,
        shim.baseline.as_secs_f64() * 1e3
    );
    // Confirms the journal was on for the whole run (it records every exchange).
    let (kept, dropped) = (cloud.journal().since(0).len(), cloud.journal().dropped());
    println!("  payterm journal after the run: {kept} entries kept, {dropped} dropped past capacity");
    Extras { links, shim }
}
