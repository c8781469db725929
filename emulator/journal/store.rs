//! [`Journal`]: a bounded record of every exchange on the wire and every World transition,
//! in order, with virtual timestamps. Bounded so a long-running server keeps flat memory.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use super::exchange::{Annotations, Body, Exchange, Stamps};
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::events::WorldEvent;

/// The header a handler sets to attach a note to its exchange in the journal; the server
/// removes it before answering.
pub const NOTE_HEADER: &str = "x-payterm-note";

/// The most bytes of a body a server's journal keeps; the rest is cut and marked.
pub(super) const BODY_KEEP: usize = 4096;

/// The most bytes of a body a run's journal keeps once its budget of whole bodies is spent:
/// enough for the judge's reading of an ordinary request, too little for a flood to matter.
const BODY_KEEP_PAST_BUDGET: usize = 512;

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
    /// How the bound is kept.
    mode: Mode,
    inner: Mutex<Inner>,
    /// Woken at every exchange recorded: a runner waiting for the integration's first request
    /// waits on it instead of looking again and again.
    activity: tokio::sync::Notify,
}

/// How a journal stays within its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// A long-running server's: the oldest entries make room for new ones.
    Ring,
    /// A run's: everything from the start, bodies whole until `body_budget` bytes of them are
    /// kept; past `capacity` exchanges new ones are counted, not kept (the World's transitions
    /// are kept up to four times that), so the judge reads the run from its beginning and a
    /// flood costs a bounded amount of memory.
    Run {
        /// Bytes of bodies kept whole before each is cut to [`BODY_KEEP_PAST_BUDGET`].
        body_budget: usize,
    },
}

#[derive(Debug, Default)]
struct Inner {
    seq: u64,
    exchanges: u64,
    dropped: u64,
    world_entries: u64,
    body_bytes: usize,
    bodies_cut: u64,
    entries: VecDeque<JournalEntry>,
}

/// What a run's journal could not keep: the integration sent more than the bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overflow {
    /// Exchanges counted but not kept.
    pub exchanges_dropped: u64,
    /// World transitions counted but not kept.
    pub world_dropped: u64,
    /// Bodies cut short once the budget of whole bodies was spent.
    pub bodies_cut: u64,
    /// The most exchanges the journal keeps.
    pub capacity: usize,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none), each body cut past 4 KiB.
    pub fn new(capacity: usize) -> Self {
        Journal {
            capacity,
            body_keep: BODY_KEEP,
            mode: Mode::Ring,
            inner: Mutex::new(Inner::default()),
            activity: tokio::sync::Notify::new(),
        }
    }

    /// A run's journal: the first `capacity` exchanges with their bodies whole (the judge reads
    /// every body) until `body_budget` bytes of bodies are kept; what comes past either bound
    /// is counted ([`Journal::overflow`]), and the run fails for it.
    pub fn for_run(capacity: usize, body_budget: usize) -> Self {
        Journal {
            capacity,
            body_keep: usize::MAX,
            mode: Mode::Run { body_budget },
            inner: Mutex::new(Inner::default()),
            activity: tokio::sync::Notify::new(),
        }
    }

    fn push(&self, make: impl FnOnce(u64) -> JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.seq += 1;
        let entry = make(inner.seq);
        let exchange = matches!(entry, JournalEntry::Exchange { .. });
        if exchange {
            inner.exchanges += 1;
        } else {
            inner.world_entries += 1;
        }
        match self.mode {
            Mode::Ring => {
                if inner.entries.len() >= self.capacity {
                    inner.entries.pop_front();
                    inner.dropped += 1;
                }
            }
            Mode::Run { .. } => {
                let full = if exchange {
                    inner.exchanges > self.capacity as u64
                } else {
                    inner.world_entries > 4 * self.capacity as u64
                };
                if full {
                    inner.dropped += 1;
                    return;
                }
            }
        }
        inner.entries.push_back(entry);
    }

    /// `bytes` as the journal keeps them: whole, or cut past the server's limit, or — in a run
    /// whose budget of whole bodies is spent — cut short and counted.
    fn body(&self, bytes: &bytes::Bytes) -> Body {
        let Mode::Run { body_budget } = self.mode else { return Body::keep(bytes, self.body_keep) };
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.body_bytes + bytes.len() <= body_budget {
            inner.body_bytes += bytes.len();
            return Body::keep(bytes, usize::MAX);
        }
        if bytes.len() > BODY_KEEP_PAST_BUDGET {
            inner.bodies_cut += 1;
        }
        Body::keep(bytes, BODY_KEEP_PAST_BUDGET)
    }

    /// What a run's journal counted but could not keep.
    pub fn overflow(&self) -> Overflow {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Overflow {
            exchanges_dropped: inner.exchanges.saturating_sub(self.capacity as u64),
            world_dropped: inner.world_entries.saturating_sub(4 * self.capacity as u64),
            bodies_cut: inner.bodies_cut,
            capacity: self.capacity,
        }
    }

    /// Records an exchange answered at `at`.
    pub fn exchange(&self, at: VirtualTime, exchange: Exchange) {
        self.push(|seq| JournalEntry::Exchange { seq, at, exchange });
        self.activity.notify_waiters();
    }

    /// Woken at every exchange recorded (register the `Notified` before looking at
    /// [`Journal::exchanges`], so none is missed in between).
    pub fn activity(&self) -> &tokio::sync::Notify {
        &self.activity
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
        surface: crate::record::route::Door,
        method: &http::Method,
        target: String,
        (request, route): (&bytes::Bytes, crate::record::route::Call),
        reply: crate::http::Reply,
    ) -> crate::http::Reply {
        use http_body_util::BodyExt;
        let (mut parts, body) = reply.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        let mut exchange = Exchange::new(surface, method.clone(), target, parts.status.as_u16());
        exchange.stamps = stamps;
        exchange.route = route;
        exchange.annotations = parts.extensions.remove::<Annotations>().unwrap_or_default();
        exchange.retry_after = parts
            .headers
            .get(crate::record::scripted::RETRY_AFTER_VIRTUAL)
            .and_then(|v| v.to_str().ok()?.trim().parse::<i64>().ok())
            .map(VirtualDuration::secs);
        exchange.notes.extend(exchange.annotations.fault.as_ref().map(super::StruckFault::note));
        exchange
            .notes
            .extend(parts.headers.get_all(NOTE_HEADER).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)));
        parts.headers.remove(NOTE_HEADER);
        exchange.request = self.body(request);
        exchange.response = self.body(&bytes);
        self.exchange(stamps.answered, exchange);
        crate::http::Reply::from_parts(parts, http_body_util::Full::new(bytes))
    }

    /// Records a request that gets no answer (held until the client gives up), read at
    /// `stamps.received`, with what the handler knew of it.
    pub fn record_unanswered(
        &self,
        stamps: Stamps,
        surface: crate::record::route::Door,
        method: &http::Method,
        target: String,
        (request, route): (&bytes::Bytes, crate::record::route::Call),
        annotations: Annotations,
    ) {
        let mut exchange = Exchange::new(surface, method.clone(), target, 0);
        exchange.stamps = stamps;
        exchange.route = route;
        exchange.notes.extend(annotations.fault.as_ref().map(super::StruckFault::note));
        exchange.annotations = annotations;
        exchange.request = self.body(request);
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

    /// How many entries were dropped (or, in a run, not kept) to keep the bound.
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
        Exchange::new(crate::record::route::Door::Cloud, http::Method::GET, "/", n)
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
    fn a_runs_journal_keeps_its_beginning_and_counts_what_it_could_not_keep() {
        // Arrange
        let j = Journal::for_run(3, 10);
        // Act
        for n in 0..5 {
            j.exchange(VirtualTime(0), ex(n));
        }
        // Assert
        let kept: Vec<u16> = j
            .since(0)
            .iter()
            .filter_map(|e| match e {
                JournalEntry::Exchange { exchange, .. } => Some(exchange.status),
                JournalEntry::World { .. } => None,
            })
            .collect();
        assert_eq!(kept, [0, 1, 2], "the first exchanges, not the last");
        assert_eq!(j.overflow().exchanges_dropped, 2);
    }

    #[test]
    fn a_runs_journal_cuts_bodies_once_its_budget_is_spent() {
        let j = Journal::for_run(100, 1000);
        let whole = j.body(&bytes::Bytes::from(vec![b'a'; 900]));
        let cut = j.body(&bytes::Bytes::from(vec![b'b'; 900]));
        let small = j.body(&bytes::Bytes::from_static(b"{}"));
        assert!(!whole.is_cut());
        assert!(cut.is_cut() && cut.bytes().len() == BODY_KEEP_PAST_BUDGET);
        assert!(!small.is_cut(), "a body within what is kept past the budget is whole");
        assert_eq!(j.overflow().bodies_cut, 1);
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
