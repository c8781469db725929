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
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The status answered.
    pub status: u16,
    /// Notes the handler attached (e.g. a duplicated deep-link parameter).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The request body as text (cut past 4 KiB).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub request: String,
    /// The answer body as text (cut past 4 KiB).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub response: String,
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

    /// How many entries were dropped to keep the bound.
    pub fn dropped(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).dropped
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = Inner::default();
    }
}

/// A body as journal text: UTF-8 (lossy), cut past 4 KiB.
pub fn body_text(bytes: &[u8]) -> String {
    if bytes.len() <= BODY_KEEP {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut text = String::from_utf8_lossy(&bytes[..BODY_KEEP]).into_owned();
    text.push_str(&format!("… [{} more bytes]", bytes.len() - BODY_KEEP));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(n: u16) -> Exchange {
        Exchange {
            surface: "cloud",
            method: "GET".into(),
            target: "/".into(),
            status: n,
            notes: Vec::new(),
            request: String::new(),
            response: String::new(),
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
    fn long_bodies_are_cut() {
        let text = body_text(&vec![b'a'; 5000]);
        assert!(text.ends_with("[904 more bytes]"));
    }
}
