//! The journal: a bounded record of every exchange on the wire and every World transition,
//! in order, with virtual timestamps. Bounded so a long-running server keeps flat memory.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use crate::world::clock::VirtualTime;
use crate::world::events::WorldEvent;

/// The header a handler sets to attach a note to its exchange in the journal; the server
/// removes it before answering.
pub const NOTE_HEADER: &str = "x-payterm-note";

/// The most bytes of a body the journal keeps; the rest is cut and marked.
const BODY_KEEP: usize = 4096;

/// One request and its answer.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    /// Which surface answered (`cloud`, `app2app`, `initiator`, `control`).
    pub surface: &'static str,
    /// The method.
    #[serde(serialize_with = "method_text")]
    pub method: http::Method,
    /// Path and query.
    pub target: String,
    /// The status answered.
    pub status: u16,
    /// Notes the handler attached (e.g. a duplicated deep-link parameter).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The request body (cut past 4 KiB), shown as text.
    #[serde(skip_serializing_if = "Body::is_empty")]
    pub request: Body,
    /// The answer body (cut past 4 KiB), shown as text.
    #[serde(skip_serializing_if = "Body::is_empty")]
    pub response: Body,
}

fn method_text<S: serde::Serializer>(m: &http::Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// A body kept by the journal: shared bytes (no copy on the hot path), cut past 4 KiB, shown
/// as (lossy) UTF-8 text.
#[derive(Clone, Debug, Default)]
pub struct Body {
    bytes: bytes::Bytes,
    cut: usize,
}

impl Body {
    /// Whether there is no body.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The body as text, with a note where it was cut.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.cut > 0 {
            text.push_str(&format!("… [{} more bytes]", self.cut));
        }
        text
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// A journal line.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JournalEntry {
    /// A request and its answer.
    Exchange {
        /// Sequence number, from 1.
        seq: u64,
        /// Virtual time of the answer.
        at: VirtualTime,
        /// The exchange.
        #[serde(flatten)]
        exchange: Exchange,
    },
    /// A World transition.
    World {
        /// Sequence number.
        seq: u64,
        /// The transition.
        #[serde(flatten)]
        event: WorldEvent,
    },
}

/// A bounded, thread-safe journal.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    seq: u64,
    exchanges: u64,
    dropped: u64,
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        Journal { capacity, inner: Mutex::new(Inner::default()) }
    }

    fn push(&self, make: impl FnOnce(u64) -> JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.seq += 1;
        let entry = make(inner.seq);
        if matches!(entry, JournalEntry::Exchange { .. }) {
            inner.exchanges += 1;
        }
        if inner.entries.len() >= self.capacity {
            inner.entries.pop_front();
            inner.dropped += 1;
        }
        inner.entries.push_back(entry);
    }

    /// Records an exchange answered at `at`.
    pub fn exchange(&self, at: VirtualTime, exchange: Exchange) {
        self.push(|seq| JournalEntry::Exchange { seq, at, exchange });
    }

    /// How many exchanges were recorded (kept or dropped): a cheap sign of activity.
    pub fn exchanges(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).exchanges
    }

    /// Records the exchange `reply` answers (its `x-payterm-note` headers become notes and are
    /// taken off) and hands the reply back, its body read once into shared bytes.
    pub async fn record_reply(
        &self,
        at: VirtualTime,
        surface: &'static str,
        method: &http::Method,
        target: String,
        request: &bytes::Bytes,
        reply: crate::http::Reply,
    ) -> crate::http::Reply {
        use http_body_util::BodyExt;
        let (mut parts, body) = reply.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        let notes =
            parts.headers.get_all(NOTE_HEADER).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
        parts.headers.remove(NOTE_HEADER);
        let exchange = Exchange {
            surface,
            method: method.clone(),
            target,
            status: parts.status.as_u16(),
            notes,
            request: body_text(request),
            response: body_text(&bytes),
        };
        self.exchange(at, exchange);
        crate::http::Reply::from_parts(parts, http_body_util::Full::new(bytes))
    }

    /// Records World transitions.
    pub fn world(&self, events: Vec<WorldEvent>) {
        for event in events {
            self.push(|seq| JournalEntry::World { seq, event });
        }
    }

    /// The entries kept, oldest first, after sequence number `after`.
    pub fn since(&self, after: u64) -> Vec<JournalEntry> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .iter()
            .filter(|e| match e {
                JournalEntry::Exchange { seq, .. } | JournalEntry::World { seq, .. } => *seq > after,
            })
            .cloned()
            .collect()
    }

    /// At most `max` of the entries kept after sequence number `after`, oldest first: what
    /// a reader that has seen up to `after` reads next, found and copied in time independent
    /// of how much the journal holds (the dashboard's live stream reads it in pages).
    pub fn page(&self, after: u64, max: usize) -> Vec<JournalEntry> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let start = inner.entries.partition_point(|e| match e {
            JournalEntry::Exchange { seq, .. } | JournalEntry::World { seq, .. } => *seq <= after,
        });
        inner.entries.range(start..).take(max).cloned().collect()
    }

    /// How many entries were dropped to keep the bound.
    pub fn dropped(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).dropped
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = Inner::default();
    }
}

/// A body for the journal: shared when small; past 4 KiB the first 4 KiB are copied, so a
/// bounded journal never pins large buffers.
pub fn body_text(bytes: &bytes::Bytes) -> Body {
    if bytes.len() <= BODY_KEEP {
        return Body { bytes: bytes.clone(), cut: 0 };
    }
    Body { bytes: bytes::Bytes::copy_from_slice(&bytes[..BODY_KEEP]), cut: bytes.len() - BODY_KEEP }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(n: u16) -> Exchange {
        Exchange {
            surface: "cloud",
            method: http::Method::GET,
            target: "/".into(),
            status: n,
            notes: Vec::new(),
            request: Body::default(),
            response: Body::default(),
        }
    }

    #[test]
    fn the_journal_keeps_only_its_capacity() {
        let j = Journal::new(2);
        for n in 0..5 {
            j.exchange(VirtualTime(0), ex(n));
        }
        assert_eq!(j.since(0).len(), 2);
        assert_eq!(j.dropped(), 3);
    }

    #[test]
    fn a_page_starts_after_the_sequence_number_given_and_stops_at_its_size() {
        let j = Journal::new(10);
        for n in 0..15 {
            j.exchange(VirtualTime(0), ex(n));
        }
        let seqs = |entries: Vec<JournalEntry>| {
            entries
                .iter()
                .map(|e| match e {
                    JournalEntry::Exchange { seq, .. } | JournalEntry::World { seq, .. } => *seq,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(seqs(j.page(0, 3)), [6, 7, 8], "the oldest kept first");
        assert_eq!(seqs(j.page(12, 10)), [13, 14, 15]);
        assert!(j.page(15, 10).is_empty());
    }

    #[test]
    fn long_bodies_are_cut() {
        let text = body_text(&bytes::Bytes::from(vec![b'a'; 5000])).text();
        assert!(text.ends_with("[904 more bytes]"));
    }
}
