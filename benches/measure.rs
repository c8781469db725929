//! [`measure`]: one load run against one server with both sides' CPU sampled over the recorded
//! window, loud notes when the figures cannot mean what they claim, and the run's [`Figure`]s.

use std::time::Instant;

use tokio::runtime::Runtime;

use crate::report::{Figure, Target};
use crate::{LOADGEN_THREADS, SERVER_THREADS, cpu, loadgen};

/// Where a server's CPU time is read.
#[derive(Clone, Copy, Debug)]
pub enum Cpu {
    /// Threads of this process named `bench-server*` (wiremock-rs's thread inherits the name).
    InProcess,
    /// A peer process, all its threads.
    Process(u32),
}

/// One load run's figures plus how busy each side was while recording.
pub struct Measured {
    /// The load generator's figures.
    pub load: loadgen::LoadReport,
    /// Percent of one core the server used.
    pub server_cpu: f64,
    /// Percent of one core the load generator used.
    pub loadgen_cpu: f64,
}

impl Measured {
    /// This run's throughput over `base`'s.
    pub fn rps_over(&self, base: &Measured) -> f64 {
        self.load.rps() / base.load.rps().max(1.0)
    }
}

/// Runs the load generator on `load_rt` and samples both sides' CPU over the recorded window.
pub fn measure(load_rt: &Runtime, spec: &loadgen::LoadSpec, what: &str, server: Cpu) -> Measured {
    println!("running {what} on {} ...", spec.addr);
    let (load, busy) = load_rt.block_on(async {
        let sampler = async {
            tokio::time::sleep(spec.warmup).await;
            let before = (cpu::snapshot(&[SERVER_THREADS, LOADGEN_THREADS]), process_secs(server), Instant::now());
            tokio::time::sleep(spec.duration).await;
            let after = (cpu::snapshot(&[SERVER_THREADS, LOADGEN_THREADS]), process_secs(server), Instant::now());
            let threads = cpu::busy_percent(&before.0, &after.0);
            let wall = after.2.saturating_duration_since(before.2).as_secs_f64().max(1e-9);
            let server_busy = match (before.1, after.1) {
                (Some(b), Some(a)) => (a - b) / wall * 100.0,
                _ => threads[0],
            };
            [server_busy, threads[1]]
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
        // Neither side was saturated, so something else held the cores (or the server waits).
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

fn process_secs(server: Cpu) -> Option<f64> {
    match server {
        Cpu::InProcess => None,
        Cpu::Process(pid) => cpu::process_secs(pid),
    }
}

/// What a run's throughput and p99 are held to, against its baseline.
#[derive(Clone, Copy, Debug, Default)]
pub struct Targets {
    /// For `rps`.
    pub rps: Option<Target>,
    /// For `p99`.
    pub p99: Option<Target>,
}

/// The figures of one run, compared with `baseline` when given.
pub fn load_figures(prefix: &str, m: &Measured, baseline: Option<&Measured>, targets: Targets) -> Vec<Figure> {
    let figure = |name: &str, value: f64, unit, base: Option<f64>, target: Option<Target>| {
        let f = match base {
            Some(b) => Figure::against(&format!("{prefix}.{name}"), value, unit, b),
            None => Figure::plain(&format!("{prefix}.{name}"), value, unit),
        };
        match target {
            Some(t) => f.target(t),
            None => f,
        }
    };
    let base = |f: fn(&Measured) -> f64| baseline.map(f);
    let q = |p: f64| move |m: &Measured| m.load.quantile_ms(p);
    vec![
        figure("rps", m.load.rps(), "req/s", base(|b| b.load.rps()), targets.rps),
        figure("p50", q(0.50)(m), "ms", baseline.map(q(0.50)), None),
        figure("p99", q(0.99)(m), "ms", baseline.map(q(0.99)), targets.p99),
        Figure::plain(&format!("{prefix}.errors"), (m.load.non_200 + m.load.io_errors) as f64, "count"),
        Figure::plain(&format!("{prefix}.server_cpu"), m.server_cpu, "%"),
        Figure::plain(&format!("{prefix}.loadgen_cpu"), m.loadgen_cpu, "%"),
    ]
}
