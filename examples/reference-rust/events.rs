//! Output: events on stdout (one JSON object per line, flushed as written, driver.md) and
//! logs on stderr, which the harness keeps and shows in its report.

use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;

use crate::pacing::now;

/// The time scale, for logging in virtual seconds.
static SCALE: OnceLock<f64> = OnceLock::new();
/// One writer at a time, so lines of concurrent orders never interleave.
static OUT: Mutex<()> = Mutex::new(());

/// Sets the scale the log's timestamps are shown in.
pub fn init(scale: f64) {
    let _ = SCALE.set(scale);
}

/// Writes one event line and flushes it: the harness reads events as they come.
pub fn emit(event: &Value) {
    let line = event.to_string();
    let _guard = OUT.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = std::io::stdout().lock();
    // A closed stdout (the harness has gone) is no reason to crash.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// One log line on stderr, stamped with the virtual time since the start.
pub fn log(who: &str, message: &str) {
    let scale = SCALE.get().copied().unwrap_or(1.0);
    let _guard = OUT.lock().unwrap_or_else(PoisonError::into_inner);
    // Read under the lock, so the log's timestamps never run backwards.
    let elapsed_v = now() / scale;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "[pos-rs {elapsed_v:9.2}v] {who}: {message}");
}

/// At most `n` characters of `text` (for logs of foreign answers).
pub fn clip(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}
