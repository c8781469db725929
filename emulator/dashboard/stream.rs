//! `GET /events/stream`: the live transcript as server-sent events, fed from the journal.
//! Each answer waits (up to [`HOLD`]) for lines after the client's `Last-Event-ID`, sends at
//! most [`MAX_LINES`] of them in at most [`MAX_BYTES`], and ends; `EventSource` reconnects
//! by itself with the id of the last line it saw. So a slow or vanished browser holds one
//! bounded answer and no queue, and the server keeps no state per client.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::lines::{line, seq_of};
use crate::http::{ApiRequest, Reply};
use crate::surfaces::sim::Sim;

/// How long an answer waits for a first new line before it ends with a keep-alive comment.
pub(super) const HOLD: Duration = Duration::from_secs(10);
/// How often a waiting answer looks at the journal.
const TICK: Duration = Duration::from_millis(40);
/// The most lines one answer carries.
pub const MAX_LINES: usize = 2000;
/// The most bytes of lines one answer carries (a line past it waits for the next answer).
pub const MAX_BYTES: usize = 512 * 1024;
/// Lines per event: one `JSON.parse` per chunk in the page.
const CHUNK: usize = 250;
/// The most answers waiting at once over every server in the process; past it, a client is
/// told to come back later instead of holding a task.
const MAX_WAITING: usize = 64;

static WAITING: AtomicUsize = AtomicUsize::new(0);

/// A place in the waiting count, given back on drop (also when the client goes away).
struct Waiting;

impl Waiting {
    fn enter() -> Option<Waiting> {
        let before = WAITING.fetch_add(1, Ordering::AcqRel);
        if before >= MAX_WAITING {
            WAITING.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Waiting)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Where a client is: `{generation}-{seq}` (the generation changes on reset, when sequence
/// numbers start again).
struct Cursor {
    generation: Option<u64>,
    seq: u64,
}

impl Cursor {
    fn of(req: &ApiRequest) -> Cursor {
        let text = req
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.query("after").map(str::to_owned))
            .unwrap_or_default();
        match text.trim().split_once('-') {
            Some((g, s)) => Cursor { generation: g.parse().ok(), seq: s.parse().unwrap_or(0) },
            None => Cursor { generation: None, seq: text.trim().parse().unwrap_or(0) },
        }
    }
}

/// Answers one stream request (see the module docs). `?hold=0` answers at once.
pub(super) async fn answer(sim: &Sim, req: &ApiRequest) -> Reply {
    let mut cursor = Cursor::of(req);
    let hold = match req.query("hold") {
        Some(s) => Duration::from_millis(s.parse::<u64>().unwrap_or(0).min(HOLD.as_millis() as u64)),
        None => HOLD,
    };
    let Some(_waiting) = Waiting::enter() else {
        return event_stream(": busy: too many live views are open\nretry: 3000\n\n".to_owned());
    };
    let deadline = Instant::now() + hold;
    loop {
        let generation = sim.generation();
        let mut out = String::new();
        if cursor.generation.is_some_and(|g| g != generation) {
            // A reset started the sequence again: the page forgets what it shows.
            let _ = write!(out, "event: reset\nid: {generation}-0\ndata: {{}}\n\n");
            cursor = Cursor { generation: Some(generation), seq: 0 };
        }
        // One page past the bound tells whether more waits; a page is copied, never the journal.
        let entries = sim.journal.page(cursor.seq, MAX_LINES + 1);
        if !entries.is_empty() || !out.is_empty() {
            render(sim, &mut out, generation, cursor.seq, &entries);
            return event_stream(out);
        }
        if Instant::now() >= deadline {
            let _ = write!(out, ": nothing new\nretry: 250\n\n");
            return event_stream(out);
        }
        tokio::time::sleep(TICK).await;
    }
}

/// Writes `entries` (those after `after`) as `lines` events, within the bounds.
fn render(sim: &Sim, out: &mut String, generation: u64, after: u64, entries: &[crate::journal::JournalEntry]) {
    let scenario = crate::control::snapshot::served_scenario(sim);
    let scenario = scenario.as_deref();
    let first = entries.first().map_or(after + 1, seq_of);
    if first > after + 1 {
        // The journal's bound dropped lines the client never saw.
        let _ = write!(out, "event: gap\ndata: {{\"lost\":{}}}\n\n", first - after - 1);
    }
    let mut sent = 0;
    let mut chunk = String::new();
    let mut in_chunk = 0;
    let mut last = after;
    for entry in entries.iter().take(MAX_LINES) {
        let json = serde_json::to_string(&line(entry, scenario)).unwrap_or_else(|_| "null".to_owned());
        if sent > 0 && out.len() + chunk.len() + json.len() > MAX_BYTES {
            break;
        }
        if in_chunk > 0 {
            chunk.push(',');
        }
        chunk.push_str(&json);
        in_chunk += 1;
        sent += 1;
        last = seq_of(entry);
        if in_chunk == CHUNK {
            flush(out, &mut chunk, &mut in_chunk, generation, last);
        }
    }
    flush(out, &mut chunk, &mut in_chunk, generation, last);
    // More waiting: come back at once; otherwise after a short pause that batches bursts.
    let retry = if sent < entries.len() { 1 } else { 100 };
    let _ = write!(out, "retry: {retry}\n\n");
}

fn flush(out: &mut String, chunk: &mut String, in_chunk: &mut usize, generation: u64, last: u64) {
    if *in_chunk == 0 {
        return;
    }
    let _ = write!(out, "event: lines\nid: {generation}-{last}\ndata: {{\"lines\":[{chunk}]}}\n\n");
    chunk.clear();
    *in_chunk = 0;
}

fn event_stream(body: String) -> Reply {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
