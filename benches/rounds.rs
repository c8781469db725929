//! [`run`]: every [`Server`] measured in turn, round after round, so all meet the same machine;
//! the round whose payterm/bare ratio is the median gives every load figure, so each ratio
//! compares two runs of the same moment.

use std::net::SocketAddr;

use tokio::runtime::Runtime;

use crate::loadgen::LoadSpec;
use crate::measure::{Cpu, Measured, measure};

/// Index of the bare hyper server in the list; the rounds start with it.
pub const BARE: usize = 0;
/// Index of payterm; every peer's figures are against it.
pub const PAYTERM: usize = 1;

/// One server of the rounds.
pub struct Server {
    /// The figures' prefix, e.g. `wiremock_rs.get_task`.
    pub prefix: String,
    /// What the log calls it.
    pub what: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where its CPU time is read.
    pub cpu: Cpu,
}

/// Runs `rounds` rounds over `servers` (bare hyper first, payterm second) and returns the median
/// round's measurements, one per server, in the same order.
pub fn run(
    load_rt: &Runtime,
    servers: &[Server],
    spec: impl Fn(SocketAddr) -> LoadSpec,
    rounds: usize,
) -> Vec<Measured> {
    assert!(servers.len() > PAYTERM, "the rounds need bare hyper and payterm");
    let mut all: Vec<Vec<Measured>> = Vec::new();
    for round in 1..=rounds {
        println!("round {round}/{rounds}");
        let measured: Vec<Measured> = servers.iter().map(|s| measure(load_rt, &spec(s.addr), &s.what, s.cpu)).collect();
        let payterm = &measured[PAYTERM];
        let mut line = format!("  round {round}: payterm / bare = {:.3}", payterm.rps_over(&measured[BARE]));
        for (s, m) in servers.iter().zip(&measured).skip(PAYTERM + 1) {
            line.push_str(&format!("; {} / payterm = {:.3}", s.prefix, m.rps_over(payterm)));
        }
        println!("{line}");
        all.push(measured);
    }
    // The round with the median ratio: every figure then comes from the same moment.
    all.sort_by(|a, b| a[PAYTERM].rps_over(&a[BARE]).total_cmp(&b[PAYTERM].rps_over(&b[BARE])));
    let median = all.swap_remove(all.len() / 2);
    let mut line = String::new();
    for (s, m) in servers.iter().zip(&median) {
        line.push_str(&format!(" {} {:.0} req/s;", s.prefix, m.load.rps()));
    }
    println!("median round of {rounds}:{line} payterm / bare = {:.3}", median[PAYTERM].rps_over(&median[BARE]));
    median
}
