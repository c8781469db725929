//! CPU time of named threads, from `/proc/self/task/*/stat`, and of peer processes, to tell
//! whether a load run was bound by the server or by the load generator sharing the machine.

use std::time::Instant;

/// Clock ticks per second for `/proc` times. Linux has used 100 (USER_HZ) on every common
/// architecture for decades; reading it properly needs libc, which the bench does not pull in.
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds used so far by each thread-name prefix, taken at one instant.
#[derive(Clone, Debug)]
pub struct Snapshot {
    at: Instant,
    secs: Vec<f64>,
}

/// Takes a snapshot of the threads whose name starts with each of `prefixes`.
pub fn snapshot(prefixes: &[&str]) -> Snapshot {
    let mut secs = vec![0.0; prefixes.len()];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Snapshot { at: Instant::now(), secs };
    };
    for task in tasks.flatten() {
        // A thread may exit between listing and reading; it is skipped, not an error.
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let Some((name, ticks)) = parse_stat(&stat) else { continue };
        if let Some(i) = prefixes.iter().position(|p| name.starts_with(p)) {
            secs[i] += ticks / TICKS_PER_SEC;
        }
    }
    Snapshot { at: Instant::now(), secs }
}

/// Percent of one core each prefix's threads used between `before` and `after`.
pub fn busy_percent(before: &Snapshot, after: &Snapshot) -> Vec<f64> {
    let wall = after.at.saturating_duration_since(before.at).as_secs_f64().max(1e-9);
    before.secs.iter().zip(&after.secs).map(|(b, a)| (a - b) / wall * 100.0).collect()
}

/// The thread name and its user + system ticks from a `stat` line.
fn parse_stat(stat: &str) -> Option<(&str, f64)> {
    // The name sits in parentheses and may itself hold spaces or parentheses, so split at the
    // last ')' rather than on whitespace.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    // After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
    // cmajflt utime(14) stime(15); index 0 here is field 3.
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((name, utime + stime))
}

/// CPU seconds used so far by process `pid` (all its threads), from `/proc/<pid>/stat`.
pub fn process_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat).map(|(_, ticks)| ticks / TICKS_PER_SEC)
}
