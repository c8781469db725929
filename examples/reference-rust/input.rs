//! Orders on stdin: `serve` reads one JSON object per line until EOF, dates each line by when
//! it was given at the earliest (an order's deadline counts from then), and runs every order
//! in its own task, so orders that arrive while others are in flight start at once.

use std::io::Read;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::events::{clip, log};
use crate::orders::{App, Order, run_order};
use crate::pacing::now;

/// A read that returned later than this waited for its data; a quicker one found it waiting.
const BLOCKED_S: f64 = 0.002;

/// When this process started, on the `now()` clock (Linux: from `/proc`), so that orders
/// already waiting in the pipe while the program started count from when they were given.
fn process_start() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").ok();
    let uptime = std::fs::read_to_string("/proc/uptime").ok();
    let started = stat.as_deref().and_then(|s| s.rsplit_once(')')).and_then(|(_, rest)| {
        // Field 22 of stat (the 20th after the command name) is the start time in clock
        // ticks; Linux reports them to user space at a fixed 100 Hz.
        rest.split_whitespace().nth(19).and_then(|t| t.parse::<f64>().ok())
    });
    let up = uptime.as_deref().and_then(|u| u.split_whitespace().next()).and_then(|u| u.parse::<f64>().ok());
    match (started, up) {
        (Some(started), Some(up)) if (0.0..60.0).contains(&(up - started / 100.0)) => now() - (up - started / 100.0),
        _ => 0.0,
    }
}

/// Reads stdin on a thread of its own (a blocking read tells whether data was waiting) and
/// sends each line with the earliest moment it can have been given.
fn read_stdin(lines: mpsc::UnboundedSender<(String, f64)>) {
    let mut stdin = std::io::stdin().lock();
    let mut chunk = vec![0u8; 65536];
    let mut buffer: Vec<u8> = Vec::new();
    let mut line_since: Option<f64> = None;
    // The last moment the pipe was seen empty; at first, the process's start.
    let mut last_empty = process_start();
    loop {
        let before = now();
        let n = match stdin.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => 0,
        };
        let after = now();
        // A chunk we waited for counts from its arrival; one that was already waiting counts
        // from the last moment the pipe was seen empty (earlier is the safe side).
        let arrived = if after - before > BLOCKED_S { after } else { last_empty };
        if n < chunk.len() {
            last_empty = after;
        }
        if n == 0 {
            if !String::from_utf8_lossy(&buffer).trim().is_empty() {
                let _ = lines.send((String::from_utf8_lossy(&buffer).into_owned(), line_since.unwrap_or(arrived)));
            }
            return;
        }
        let since = *line_since.get_or_insert(arrived);
        buffer.extend_from_slice(&chunk[..n]);
        let mut since = since;
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let _ = lines.send((String::from_utf8_lossy(&line[..end]).into_owned(), since));
            // The rest of the buffer came in this chunk.
            since = arrived;
        }
        line_since = if buffer.is_empty() { None } else { Some(since) };
    }
}

/// Runs every order given on stdin; returns when stdin is closed and every order has its
/// final outcome.
pub async fn serve(app: Arc<App>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || read_stdin(tx));
    let mut running = Vec::new();
    while let Some((line, received)) = rx.recv().await {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let raw = match serde_json::from_str::<Value>(line) {
            Ok(raw @ Value::Object(_)) => raw,
            Ok(_) => {
                log("pos", &format!("not an order: {}", clip(line, 200)));
                continue;
            }
            Err(_) => {
                log("pos", &format!("not an order (not JSON): {}", clip(line, 200)));
                continue;
            }
        };
        let Some(order) = Order::new(raw, received, &app.settings) else {
            log("pos", &format!("not an order (no id): {}", clip(line, 200)));
            continue;
        };
        let order = Arc::new(order);
        if !app.register(&order) {
            log("pos", &format!("order {} given twice; ignoring the second", order.id));
            continue;
        }
        order.log(&format!("given {:.2}v ago at the earliest", (now() - received) / app.settings.scale));
        running.push(tokio::spawn(run_order(Arc::clone(&app), order)));
    }
    log("pos", "stdin closed; waiting for every order's outcome");
    for order in running {
        let _ = order.await;
    }
    log("pos", "done");
}
