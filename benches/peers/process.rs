//! [`PeerProcess`]: a server the bench started as a child process on a loopback port it chose,
//! timed from spawn to its first 200, its output in a log file, killed (by its pid) on drop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::loadgen;

/// The port a bench child serves on.
pub const PORT_ENV: &str = "PAYTERM_BENCH_PORT";
/// The path a bench child answers.
pub const PATH_ENV: &str = "PAYTERM_BENCH_PATH";
/// The body a bench child answers with.
pub const BODY_ENV: &str = "PAYTERM_BENCH_BODY";

/// This bench binary re-run as a child in `mode`, serving on `port`.
pub fn bench_child(mode: &str, port: u16, path: &str, body: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the bench knows its own path"));
    c.env(crate::scale::CHILD_ENV, mode).env(PORT_ENV, port.to_string()).env(PATH_ENV, path).env(BODY_ENV, body);
    c
}

/// A running peer process.
pub struct PeerProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Spawn to the first 200 on the probe request.
    pub startup: Duration,
    /// Its stdout and stderr.
    pub log: PathBuf,
    child: Child,
    // Held so a bench child sees EOF on stdin, and exits, if this process dies first.
    _stdin: Option<ChildStdin>,
}

/// A free loopback port: bound, read and released, for a peer that cannot report its own.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// Where `scripts/bench-peers.sh` installs the peers: `BENCH_PEERS_DIR`, or
/// `$CARGO_TARGET_DIR/bench/peers`; their data files and logs go there too.
pub fn peers_dir() -> PathBuf {
    std::env::var_os("BENCH_PEERS_DIR")
        .map_or_else(|| crate::report::results_path().with_file_name("peers"), PathBuf::from)
}

/// Where a peer's output goes: `peers/logs/NAME.log`.
pub fn log_path(name: &str) -> PathBuf {
    peers_dir().join("logs").join(format!("{name}.log"))
}

/// Whether `program --version`-style `args` runs and succeeds; the error says why not.
pub fn runs(program: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("`{program} {}` exited with {s}", args.join(" "))),
        Err(e) => Err(format!("`{program}` cannot run ({e})")),
    }
}

impl PeerProcess {
    /// Spawns `command` (which must listen on `port`) and waits up to `timeout` for
    /// `probe_path` to answer 200; says why not if it exits or never does.
    pub fn start(
        rt: &Runtime,
        name: &str,
        mut command: Command,
        port: u16,
        probe_path: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = log_path(name);
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let out = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
        let request = loadgen::render_get(addr, probe_path, &[]);
        let started = Instant::now();
        // Its own process group, so the rounds can pause it with its children (see `pause`).
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
        let stdin = child.stdin.take();
        let mut peer = PeerProcess { addr, startup: Duration::ZERO, log, child, _stdin: stdin };
        loop {
            if let Ok(Some(status)) = peer.child.try_wait() {
                return Err(format!("{name} exited with {status} before answering: {}", peer.log_tail()));
            }
            let last = match rt.block_on(loadgen::probe(addr, &request)) {
                Ok(200) => break,
                Ok(status) => format!("answered {status}"),
                Err(e) => e,
            };
            if started.elapsed() > timeout {
                return Err(format!(
                    "{name} did not answer 200 on {probe_path} within {timeout:?} ({last}): {}",
                    peer.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        peer.startup = started.elapsed();
        Ok(peer)
    }

    /// Its pid, for `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        status_kib(self.pid(), "VmRSS:")
    }

    /// The most resident memory it has had, KiB.
    pub fn peak_kib(&self) -> Option<u64> {
        status_kib(self.pid(), "VmHWM:")
    }

    /// The last lines of its log, on one line, for an error message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(4)..].join(" | ");
        if tail.is_empty() { format!("(nothing in {})", self.log.display()) } else { tail }
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/<pid>/status`.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The median of `samples` (sorted in place); zero when empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}
