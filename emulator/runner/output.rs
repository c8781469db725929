//! The integration's output, kept within bounds: [`read_lines`] cuts a line at [`MAX_LINE`]
//! bytes (marked, the rest of it skipped unread into memory) and reads bytes that are not
//! UTF-8 lossily; [`Log`] keeps the last [`MAX_LOG`] bytes of log lines and counts the rest.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The most bytes of one line kept; the rest is counted and dropped.
pub const MAX_LINE: usize = 64 * 1024;
/// The most bytes of log lines a scenario keeps (the last ones).
pub const MAX_LOG: usize = 1024 * 1024;

/// Every byte an integration wrote, on all its pipes (kept or not): what `RUN-BOUNDS` holds
/// against [`super::bounds::OUTPUT_LIMIT`].
#[derive(Clone, Debug, Default)]
pub struct OutputCount(Arc<AtomicU64>);

impl OutputCount {
    /// The bytes counted so far.
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Reads `reader` line by line, handing each to `emit` (which resolves to false to stop, and
/// may wait: a consumer that is behind slows the reading, so a flood of output waits in the
/// integration's pipe, not in payterm's memory), never holding more than [`MAX_LINE`] bytes of a
/// line; every byte read is added to `count`.
pub async fn read_lines<R, F, Fut>(reader: R, count: OutputCount, mut emit: F)
where
    R: AsyncRead + Unpin,
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line: Vec<u8> = Vec::new();
    let mut cut: u64 = 0;
    // Whether the last byte skipped was a `\r` (of a `\r\n` ending, not a byte of the line).
    let mut skipped_cr = false;
    while let Ok(buf) = reader.fill_buf().await {
        if buf.is_empty() {
            if !line.is_empty() || cut > 0 {
                emit(finish(&line, cut)).await;
            }
            return;
        }
        let (chunk, ended, used) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true, i + 1),
            None => (buf, false, buf.len()),
        };
        let take = chunk.len().min(MAX_LINE - line.len());
        line.extend_from_slice(&chunk[..take]);
        if take < chunk.len() {
            cut += (chunk.len() - take) as u64;
            skipped_cr = chunk.last() == Some(&b'\r');
        }
        reader.consume(used);
        count.0.fetch_add(used as u64, Ordering::Relaxed);
        if ended {
            if !emit(finish(&line, cut - u64::from(skipped_cr && cut > 0))).await {
                return;
            }
            line.clear();
            cut = 0;
            skipped_cr = false;
        }
    }
}

/// A line as text: lossy UTF-8 (a character cut at the bound shows as U+FFFD), without its
/// `\r`, and marked when it was cut.
fn finish(line: &[u8], cut: u64) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = String::from_utf8_lossy(line).into_owned();
    if cut > 0 {
        text.push_str(&format!(" … [line cut at {} KiB: {cut} more bytes not kept]", MAX_LINE / 1024));
    }
    text
}

/// The log lines of one run: the last [`MAX_LOG`] bytes of them, and a count of those dropped
/// to stay within it.
#[derive(Debug, Default)]
pub struct Log {
    lines: VecDeque<String>,
    bytes: usize,
    dropped_lines: u64,
    dropped_bytes: u64,
}

impl Log {
    /// Keeps `line`, dropping the oldest lines past the bound.
    pub fn push(&mut self, line: String) {
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.bytes > MAX_LOG && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len();
                self.dropped_lines += 1;
                self.dropped_bytes += old.len() as u64;
            }
        }
    }

    /// The lines kept, oldest first, after a first line saying what was dropped (if anything).
    pub fn into_lines(self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.lines.len() + 1);
        if self.dropped_lines > 0 {
            out.push(format!(
                "payterm: {} earlier line(s) ({} bytes) of the integration's output were dropped; the last {} KiB are kept",
                self.dropped_lines,
                self.dropped_bytes,
                MAX_LOG / 1024
            ));
        }
        out.extend(self.lines);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let count = OutputCount::default();
        read_lines(bytes, count.clone(), |l| {
            out.push(l);
            std::future::ready(true)
        })
        .await;
        assert_eq!(count.bytes(), bytes.len() as u64, "every byte is counted");
        out
    }

    #[tokio::test]
    async fn a_huge_line_is_cut_and_marked_and_the_next_one_read() {
        let mut bytes = vec![b'x'; 3 * MAX_LINE];
        bytes.extend_from_slice(b"\r\nnext\n");
        let lines = lines_of(&bytes).await;
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with(&"x".repeat(MAX_LINE)), "{}", lines[0].len());
        assert!(lines[0].ends_with(&format!("{} more bytes not kept]", 2 * MAX_LINE)), "{}", &lines[0][MAX_LINE..]);
        assert_eq!(lines[1], "next");
    }

    #[tokio::test]
    async fn bytes_that_are_not_utf8_do_not_stop_the_reading() {
        assert_eq!(lines_of(b"a\xffb\nlast without newline").await, ["a\u{fffd}b", "last without newline"]);
    }

    #[test]
    fn the_log_keeps_its_last_mebibyte_and_counts_the_rest() {
        let mut log = Log::default();
        for i in 0..200_000 {
            log.push(format!("line {i:>10}"));
        }
        let lines = log.into_lines();
        let kept: usize = lines[1..].iter().map(String::len).sum();
        assert!(kept <= MAX_LOG, "{kept}");
        assert!(lines[0].starts_with("payterm: ") && lines[0].contains("dropped"), "{}", lines[0]);
        assert_eq!(lines.last().map(String::as_str), Some("line     199999"));
    }
}
