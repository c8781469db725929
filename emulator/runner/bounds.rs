//! What an integration sends is bounded, and going past a bound is its own failure
//! (`RUN-BOUNDS`), never the harness's: [`EventLog`] keeps a run's events up to a count and a
//! size that grow with its orders and counts the rest; [`Bounds`] gathers what every bound of
//! one run counted (the journal's, the events', the output's).

use serde::Serialize;

use crate::journal::Overflow;
use crate::record::events::Event;

/// Events any run may keep, whatever its orders.
const BASE_EVENTS: usize = 1_000;
/// Events each order adds to that (a few outcomes, flags and presented URIs is usual).
const EVENTS_PER_ORDER: usize = 50;
/// Bytes of events any run may keep.
const BASE_EVENT_BYTES: usize = 1024 * 1024;
/// Bytes each order adds to that.
const EVENT_BYTES_PER_ORDER: usize = 16 * 1024;
/// Bytes of output (stdout and stderr, events included) past which the integration floods.
pub const OUTPUT_LIMIT: u64 = 16 * 1024 * 1024;

/// The events of one run, within bounds.
#[derive(Debug)]
pub struct EventLog {
    kept: Vec<Event>,
    bytes: usize,
    max_count: usize,
    max_bytes: usize,
    dropped: u64,
    dropped_bytes: u64,
}

impl EventLog {
    /// The bounds of a run of `orders` orders.
    pub fn for_orders(orders: usize) -> Self {
        EventLog {
            kept: Vec::new(),
            bytes: 0,
            max_count: BASE_EVENTS + EVENTS_PER_ORDER * orders,
            max_bytes: BASE_EVENT_BYTES + EVENT_BYTES_PER_ORDER * orders,
            dropped: 0,
            dropped_bytes: 0,
        }
    }

    /// Keeps `event` (`size` bytes as the integration wrote it) if it fits; whether it did.
    pub fn push(&mut self, event: Event, size: usize) -> bool {
        if self.kept.len() >= self.max_count || self.bytes + size > self.max_bytes {
            self.dropped += 1;
            self.dropped_bytes += size as u64;
            return false;
        }
        self.bytes += size;
        self.kept.push(event);
        true
    }

    /// The events kept, in order.
    pub fn events(&self) -> &[Event] {
        &self.kept
    }

    /// The events kept, and what was dropped.
    pub fn into_parts(self) -> (Vec<Event>, EventOverflow) {
        let overflow = EventOverflow {
            dropped: self.dropped,
            dropped_bytes: self.dropped_bytes,
            max_count: self.max_count,
            max_bytes: self.max_bytes,
        };
        (self.kept, overflow)
    }
}

/// What an [`EventLog`] could not keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventOverflow {
    /// Events not kept.
    pub dropped: u64,
    /// Their bytes.
    pub dropped_bytes: u64,
    /// The most events kept.
    pub max_count: usize,
    /// The most bytes of events kept.
    pub max_bytes: usize,
}

/// What every bound of one run counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// The journal's.
    pub journal: Overflow,
    /// The events'.
    pub events: EventOverflow,
    /// Bytes of output the integration wrote (stdout and stderr).
    pub output_bytes: u64,
}

impl Bounds {
    /// What went past a bound, in words (empty when nothing did).
    pub fn breaches(&self) -> Vec<String> {
        let mut out = Vec::new();
        let j = &self.journal;
        if j.exchanges_dropped > 0 {
            out.push(format!(
                "{} request(s) past the {} payterm records for this scenario were counted, not kept",
                j.exchanges_dropped, j.capacity
            ));
        }
        if j.world_dropped > 0 {
            out.push(format!("{} World transition(s) past the bound were counted, not kept", j.world_dropped));
        }
        if j.bodies_cut > 0 {
            out.push(format!(
                "{} body(ies) were cut short once the run's budget of whole bodies was spent",
                j.bodies_cut
            ));
        }
        let e = &self.events;
        if e.dropped > 0 {
            out.push(format!(
                "{} event(s) ({} bytes) past the {} events or {} bytes kept for this scenario were dropped",
                e.dropped, e.dropped_bytes, e.max_count, e.max_bytes
            ));
        }
        if self.output_bytes > OUTPUT_LIMIT {
            out.push(format!(
                "it wrote {} bytes of output, past the {} MiB a scenario's output may take",
                self.output_bytes,
                OUTPUT_LIMIT / (1024 * 1024)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::events::{EventKind, FlagKind};
    use crate::time::VirtualTime;

    fn flag() -> Event {
        Event {
            at: VirtualTime::DEFAULT_START,
            order: "o1".into(),
            kind: EventKind::Flag { kind: FlagKind::Engineering, reason: String::new() },
        }
    }

    #[test]
    fn events_past_the_count_or_the_bytes_are_counted_not_kept() {
        let mut by_count = EventLog::for_orders(0);
        for _ in 0..BASE_EVENTS + 5 {
            by_count.push(flag(), 10);
        }
        let (kept, overflow) = by_count.into_parts();
        assert_eq!((kept.len(), overflow.dropped), (BASE_EVENTS, 5));

        let mut by_bytes = EventLog::for_orders(1);
        assert!(by_bytes.push(flag(), BASE_EVENT_BYTES));
        assert!(!by_bytes.push(flag(), EVENT_BYTES_PER_ORDER + 1), "one byte past the bound");
        assert!(by_bytes.push(flag(), EVENT_BYTES_PER_ORDER), "exactly at the bound");
    }

    #[test]
    fn a_run_within_its_bounds_has_no_breach() {
        assert!(Bounds::default().breaches().is_empty());
        let flooded = Bounds { output_bytes: OUTPUT_LIMIT + 1, ..Bounds::default() };
        assert_eq!(flooded.breaches().len(), 1);
        assert!(Bounds { output_bytes: OUTPUT_LIMIT, ..Bounds::default() }.breaches().is_empty());
    }
}
