//! [`Journal`]: a bounded record of every exchange on the wire and every World transition,
//! in order, with virtual timestamps. Bounded so a long-running server keeps flat memory.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use super::exchange::{Annotations, Body, Exchange, Stamps};
use crate::world::clock::{VirtualDuration, VirtualTime};
use crate::world::events::WorldEvent;

/// The header a handler sets to attach a note to its exchange in the journal; the server
/// removes it before answering.
pub const NOTE_HEADER: &str = "x-payterm-note";

/// The most bytes of a body a server's journal keeps; the rest is cut and marked.
pub(super) const BODY_KEEP: usize = 4096;

/// A journal line.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "exchanges are most of a journal: boxing them would only add an allocation each"
)]
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
    /// The most bytes of a body kept.
    body_keep: usize,
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
    /// A journal keeping the last `capacity` entries (0 keeps none), each body cut past 4 KiB.
    pub fn new(capacity: usize) -> Self {
        Journal { capacity, body_keep: BODY_KEEP, inner: Mutex::new(Inner::default()) }
    }

    /// A journal keeping the last `capacity` entries with their bodies whole: what a run keeps,
    /// since the judge reads every body (requests are capped at the surface's limit anyway).
    pub fn keeping_bodies(capacity: usize) -> Self {
        Journal { capacity, body_keep: usize::MAX, inner: Mutex::new(Inner::default()) }
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

    /// Records the exchange `reply` answers, stamped `stamps` (its `x-payterm-note` headers
    /// become notes and its [`Annotations`] extension typed facts; both are taken off), and
    /// hands the reply back, its body read once into shared bytes.
    pub async fn record_reply(
        &self,
        stamps: Stamps,
        surface: &'static str,
        method: &http::Method,
        target: String,
        request: &bytes::Bytes,
        reply: crate::http::Reply,
    ) -> crate::http::Reply {
        use http_body_util::BodyExt;
        let (mut parts, body) = reply.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        let mut exchange = Exchange::new(surface, method.clone(), target, parts.status.as_u16());
        exchange.stamps = stamps;
        exchange.annotations = parts.extensions.remove::<Annotations>().unwrap_or_default();
        exchange.retry_after = parts
            .headers
            .get(crate::script::faults::RETRY_AFTER_VIRTUAL)
            .and_then(|v| v.to_str().ok()?.trim().parse::<i64>().ok())
            .map(VirtualDuration::secs);
        exchange.notes.extend(exchange.annotations.fault.as_ref().map(super::StruckFault::note));
        exchange
            .notes
            .extend(parts.headers.get_all(NOTE_HEADER).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)));
        parts.headers.remove(NOTE_HEADER);
        exchange.request = Body::keep(request, self.body_keep);
        exchange.response = Body::keep(&bytes, self.body_keep);
        self.exchange(stamps.answered, exchange);
        crate::http::Reply::from_parts(parts, http_body_util::Full::new(bytes))
    }

    /// Records a request that gets no answer (held until the client gives up), read at
    /// `stamps.received`, with what the handler knew of it.
    pub fn record_unanswered(
        &self,
        stamps: Stamps,
        surface: &'static str,
        method: &http::Method,
        target: String,
        request: &bytes::Bytes,
        annotations: Annotations,
    ) {
        let mut exchange = Exchange::new(surface, method.clone(), target, 0);
        exchange.stamps = stamps;
        exchange.notes.extend(annotations.fault.as_ref().map(super::StruckFault::note));
        exchange.annotations = annotations;
        exchange.request = Body::keep(request, self.body_keep);
        self.exchange(stamps.received, exchange);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(n: u16) -> Exchange {
        Exchange::new("cloud", http::Method::GET, "/", n)
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
}
