//! [`run`]: every [`Server`] measured in turn, round after round, so all meet the same machine;
//! the round whose payterm/bare ratio is the median gives every load figure, so each ratio
//! compares two runs of the same moment. Peer processes not being measured are paused meanwhile.

use std::net::SocketAddr;

use tokio::runtime::Runtime;

use crate::loadgen::LoadSpec;
use nix::sys::signal::Signal;

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
        let measured: Vec<Measured> = servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                // Only the server measured runs: an idle JVM or Node.js peer still takes CPU
                // (JIT, GC, timers) from the one under load, and moved the payterm/bare ratio.
                pause_peers(servers, Some(i));
                measure(load_rt, &spec(s.addr), &s.what, s.cpu)
            })
            .collect();
        pause_peers(servers, None);
        let payterm = &measured[PAYTERM];
        let mut line = format!("  round {round}: payterm / bare = {:.3}", payterm.rps_over(&measured[BARE]));
        for (s, m) in servers.iter().zip(&measured).skip(PAYTERM + 1) {
            line.push_str(&format!("; {} / payterm = {:.3}", s.prefix, m.rps_over(payterm)));
        }
        println!("{line}");
        all.push(measured);
    }
    resume_peers(servers);
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

/// Stops (SIGSTOP) every peer process but `running`'s, and resumes `running` if it is one.
fn pause_peers(servers: &[Server], running: Option<usize>) {
    for (i, s) in servers.iter().enumerate() {
        if let Cpu::Process(pid) = s.cpu {
            signal_group(pid, if Some(i) == running { Signal::SIGCONT } else { Signal::SIGSTOP });
        }
    }
}

/// Lets every peer process run again, as the rounds found them.
fn resume_peers(servers: &[Server]) {
    for s in servers {
        if let Cpu::Process(pid) = s.cpu {
            signal_group(pid, Signal::SIGCONT);
        }
    }
}

/// Signals the process group `pid` leads (each peer is started in its own).
fn signal_group(pid: u32, signal: Signal) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), signal);
    }
}
