//! [`Pinning`]: every server on core 0 and the load generator on core 1 through `taskset`, when
//! the machine has two cores and taskset is on PATH (`BENCH_PIN=0` turns it off), so in-process
//! servers and peer processes meet the same split.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// The core the servers run on, in-process threads and peer processes alike.
pub const SERVER_CPU: usize = 0;
/// The core the load generator runs on.
pub const LOADGEN_CPU: usize = 1;

/// Whether pinning is on, decided once at the start.
#[derive(Clone, Copy, Debug)]
pub struct Pinning {
    enabled: bool,
}

impl Pinning {
    /// On when `taskset` runs, the machine has at least two cores and `BENCH_PIN` is not 0.
    pub fn detect() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let wanted = std::env::var("BENCH_PIN").map_or(true, |v| v.trim() != "0");
        let taskset = Command::new("taskset")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        Pinning { enabled: wanted && taskset && cores >= 2 }
    }

    /// Whether servers and the load generator are pinned.
    pub fn enabled(self) -> bool {
        self.enabled
    }

    /// One line for the report.
    pub fn describe(self) -> String {
        if self.enabled {
            format!(
                "pinned with taskset: servers (in-process threads and peer processes) on core {SERVER_CPU}, load generator on core {LOADGEN_CPU}"
            )
        } else {
            "not pinned (no taskset, one core, or BENCH_PIN=0): the OS places servers and the load generator".to_owned()
        }
    }

    /// Pins this process's threads whose name starts with `prefix` to `cpu`; how many were.
    ///
    /// Threads created later by a pinned thread inherit its core (and its name), which is how
    /// wiremock-rs's own server thread, started from the server runtime, lands on core 0.
    pub fn pin_threads(self, prefix: &str, cpu: usize) -> usize {
        if !self.enabled {
            return 0;
        }
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
        let mut pinned = 0;
        for task in tasks.flatten() {
            let Ok(name) = std::fs::read_to_string(task.path().join("comm")) else { continue };
            if !name.starts_with(prefix) {
                continue;
            }
            let tid = task.file_name();
            let ok = Command::new("taskset")
                .args([OsStr::new("-p"), OsStr::new("-c"), OsStr::new(&cpu.to_string()), &tid])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            pinned += usize::from(ok);
        }
        pinned
    }

    /// Pins every thread of process `pid` to the server core (threads it starts later inherit
    /// it); peers start unpinned so their startup is timed as a user runs them.
    pub fn pin_process(self, pid: u32) -> bool {
        self.enabled
            && Command::new("taskset")
                .args(["-a", "-p", "-c", &SERVER_CPU.to_string(), &pid.to_string()])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    }

    /// A command that runs `program` on the load-generator core when pinning is on (wrk).
    pub fn loadgen_command(self, program: impl AsRef<OsStr>) -> Command {
        if self.enabled {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(LOADGEN_CPU.to_string()).arg(program);
            c
        } else {
            Command::new(program)
        }
    }
}
