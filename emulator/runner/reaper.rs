//! The reaper: a small helper process (`payterm __reap`) that outlives payterm only to end
//! the integrations' process groups, and remove the runs' work folders, when payterm itself is
//! killed (`kill -9` runs no code). [`guard`] registers a group and [`guard_folder`] a folder;
//! the helper reads `+PGID` / `-PGID` and `+dir:PATH` / `-dir:PATH` lines on its stdin and, at
//! end of input — payterm exited, however — kills every group still registered, then removes
//! every folder still registered.
//!
//! A parent-death signal (`prctl(PR_SET_PDEATHSIG)`) would reach only the integration's first
//! process, not the children it started, and needs `unsafe` code between fork and exec; a pipe
//! closing when its writer dies covers the whole group, on Linux and macOS alike.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// The hidden command the helper runs as.
pub const COMMAND: &str = "__reap";

/// The helper, started at the first registration; `None` when it could not start (then only
/// payterm's own clean-up ends the groups).
static REAPER: Mutex<Option<Reaper>> = Mutex::new(None);

struct Reaper {
    _child: Child,
    stdin: ChildStdin,
}

/// Registers process group `pgid` with the reaper (started from `payterm` on first use) until
/// the returned guard is dropped.
pub fn guard(payterm: &Path, pgid: u32) -> Registration {
    register(payterm, pgid.to_string())
}

/// Registers folder `dir` (an absolute path) with the reaper until the returned guard is
/// dropped: removed with all it holds should payterm be killed first. A path that cannot be
/// written on one line is not registered.
pub fn guard_folder(payterm: &Path, dir: &Path) -> Option<Registration> {
    let dir = dir.to_str().filter(|d| !d.contains('\n') && Path::new(d).is_absolute())?;
    Some(register(payterm, format!("{FOLDER}{dir}")))
}

/// What starts the key of a folder.
const FOLDER: &str = "dir:";

fn register(payterm: &Path, key: String) -> Registration {
    let mut reaper = REAPER.lock().unwrap_or_else(|e| e.into_inner());
    if reaper.as_mut().is_none_or(|r| writeln!(r.stdin, "+{key}").is_err()) {
        *reaper = start(payterm);
        if let Some(r) = reaper.as_mut() {
            let _ = writeln!(r.stdin, "+{key}");
        }
    }
    Registration(key)
}

/// A group or folder registered with the reaper; dropping it unregisters it (the group has
/// been ended, the folder removed).
pub struct Registration(String);

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(r) = REAPER.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            let _ = writeln!(r.stdin, "-{}", self.0);
        }
    }
}

fn start(payterm: &Path) -> Option<Reaper> {
    let mut cmd = Command::new(payterm);
    cmd.arg(COMMAND).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
    // Its own group: a Ctrl-C in the terminal goes to payterm's group, and the reaper must be
    // there afterwards to see payterm go.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().ok()?;
    let stdin = child.stdin.take()?;
    Some(Reaper { _child: child, stdin })
}

/// `payterm __reap`: reads registrations until end of input, then kills every group still
/// registered and removes every folder still registered (after the groups: nothing writes
/// there any more).
pub fn reap_main() {
    let (mut groups, mut folders) = (BTreeSet::new(), BTreeSet::new());
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let (sign, key) = line.split_at(line.len().min(1));
        if let Some(dir) = key.strip_prefix(FOLDER) {
            match sign {
                "+" => folders.insert(dir.to_owned()),
                "-" => folders.remove(dir),
                _ => false,
            };
            continue;
        }
        match (sign, key.trim().parse::<u32>()) {
            ("+", Ok(pgid)) => {
                groups.insert(pgid);
            }
            ("-", Ok(pgid)) => {
                groups.remove(&pgid);
            }
            _ => {}
        }
    }
    for pgid in groups {
        kill_group(pgid);
    }
    for dir in folders {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Sends SIGKILL to process group `pgid` (a system call, no process spawned: this runs from
/// `Drop`, on a signal, and in the reaper after payterm died).
pub fn kill_group(pgid: u32) {
    #[cfg(unix)]
    if let Ok(pgid) = i32::try_from(pgid) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), nix::sys::signal::Signal::SIGKILL);
    }
    #[cfg(not(unix))]
    let _ = pgid;
}
