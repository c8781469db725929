//! `.payterm/last-run.json`: the scenarios that failed, were inconclusive, could not run or
//! were interrupted, each with where it came from (the built-in suite or a file), for
//! `payterm run --rerun-failed`. Runs in one folder merge into it under a lock: a scenario a
//! run did not touch keeps its record.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::files::write_atomic;
use crate::report::ScenarioStatus;

/// Where the record is kept, relative to the current folder.
pub(super) const LAST_RUN: &str = ".payterm/last-run.json";
/// The lock runs in one folder take while they read and rewrite the record.
const LOCK: &str = ".payterm/last-run.lock";
/// The record's shape.
const VERSION: u32 = 2;

/// One scenario to rerun.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Recorded {
    /// As reports show it (`scenarios/…` for a built-in one).
    pub file: String,
    /// From the built-in suite, not a file.
    #[serde(default)]
    pub builtin: bool,
    /// For a file: its absolute path, so the record holds from any spelling of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// `failed`, `inconclusive`, `error` or `interrupted`.
    pub status: String,
}

impl Recorded {
    /// Whether this is the record of the scenario at `file` (built-in or not).
    pub(super) fn is(&self, file: &Path, builtin: bool) -> bool {
        if builtin || self.builtin {
            return builtin == self.builtin && Path::new(&self.file) == file;
        }
        match (&self.path, file.canonicalize()) {
            (Some(recorded), Ok(given)) => *recorded == given,
            _ => Path::new(&self.file) == file,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    schema_version: u32,
    #[serde(default)]
    rerun: Vec<Recorded>,
    /// Version 1 kept only file names.
    #[serde(default, skip_serializing)]
    failed: Vec<String>,
}

/// The scenarios to rerun; `None` when no run was recorded here.
pub(super) fn read() -> Option<Vec<Recorded>> {
    let text = std::fs::read_to_string(LAST_RUN).ok()?;
    let record: Record = serde_json::from_str(&text).ok()?;
    let mut rerun = record.rerun;
    // Version 1: a name that is no file here was a built-in scenario.
    for file in record.failed {
        let builtin = !Path::new(&file).is_file();
        let path = (!builtin).then(|| Path::new(&file).canonicalize().ok()).flatten();
        rerun.push(Recorded { file, builtin, path, status: "failed".to_owned() });
    }
    Some(rerun)
}

/// What one scenario of a run leaves in the record.
pub(super) struct Outcome<'a> {
    /// As reports show it.
    pub file: &'a str,
    /// From the built-in suite.
    pub builtin: bool,
    /// `passed`, `failed`, `inconclusive`, `error`, `interrupted`; `None` when the run did not
    /// touch it (skipped, or not started after `--fail-fast`), so its record stays as it was.
    pub status: Option<&'a str>,
}

/// Merges a run's `outcomes` into the record: a scenario it touched is recorded anew (kept if
/// bad, dropped if it passed), the others keep their record. Another run in the same folder
/// waits for the lock, so neither loses what the other recorded. A folder that cannot be
/// written to only costs that convenience: the reason comes back for a warning.
pub(super) fn remember(outcomes: &[Outcome<'_>]) -> Result<(), String> {
    std::fs::create_dir_all(".payterm").map_err(|e| format!("failed to create .payterm: {e}"))?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK)
        .map_err(|e| format!("failed to open {LOCK}: {e}"))?;
    lock.lock().map_err(|e| format!("failed to lock {LOCK}: {e}"))?;
    let mut rerun = read().unwrap_or_default();
    for o in outcomes {
        let Some(status) = o.status else { continue };
        let file = Path::new(o.file);
        rerun.retain(|r| !r.is(file, o.builtin));
        if status != ScenarioStatus::Passed.word() {
            let path = (!o.builtin).then(|| file.canonicalize().ok()).flatten();
            rerun.push(Recorded { file: o.file.to_owned(), builtin: o.builtin, path, status: status.to_owned() });
        }
    }
    let record = Record { schema_version: VERSION, rerun, failed: Vec::new() };
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    // The lock is released when `lock` goes, after the rename.
    write_atomic(Path::new(LAST_RUN), text.as_bytes()).map_err(|e| format!("failed to write {LAST_RUN}: {e}"))
}
