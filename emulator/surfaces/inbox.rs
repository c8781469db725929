//! `POST /_payterm/events`: where an integration in service mode reports its events
//! (spec/driver.md) — one driver-contract event object, or an array of them. The runner
//! takes them from the [`EventInbox`]; a malformed event is refused with a 400 naming it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use http::StatusCode;
use serde_json::Value;

use super::sim::Sim;
use crate::http::{ApiError, Reply, json};
use crate::record::events::{Event, Parsed, parse_line};

/// The path events are posted to.
pub const PATH: &str = "/_payterm/events";

/// Events held until the runner takes them; past [`EventInbox::CAPACITY`] a post is refused,
/// so a server nobody drains keeps flat memory.
#[derive(Debug, Default)]
pub struct EventInbox {
    events: Mutex<Vec<Event>>,
    /// Whether posts are refused: a command-mode run reads events on stdout only.
    closed: AtomicBool,
    /// Woken at every post accepted, so the runner waits for events instead of polling.
    posted: tokio::sync::Notify,
}

impl EventInbox {
    /// At most this many events wait.
    pub const CAPACITY: usize = 100_000;

    /// Takes posted events (`true`, the default) or refuses them (`false`).
    pub fn open(&self, open: bool) {
        self.closed.store(!open, Ordering::Relaxed);
    }

    /// Woken at every post accepted (register the `Notified` before [`EventInbox::take`], so
    /// none is missed in between).
    pub fn posted(&self) -> &tokio::sync::Notify {
        &self.posted
    }

    /// Takes every event waiting.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Answers a post of events: 202 with how many were accepted, or 400 naming the first bad one
/// (then none of the post is kept, so a retry of the fixed post does not double what was).
pub fn answer(sim: &Sim, body: &[u8]) -> Reply {
    if sim.inbox.closed.load(Ordering::Relaxed) {
        return ApiError::new(
            StatusCode::CONFLICT,
            "EVENTS_ON_STDOUT",
            "this run drives the integration as a command: its events are read on stdout, not posted",
        )
        .into_response();
    }
    let result = (|| {
        let value: Value = crate::http::read_json(body)?;
        let items = match value {
            Value::Array(items) => items,
            one @ Value::Object(_) => vec![one],
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_EVENT",
                    "expected an event object or an array of them",
                ));
            }
        };
        let now = sim.now();
        let mut events = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match parse_line(&item.to_string(), now) {
                Parsed::Event(event) => events.push(event),
                // A service is up once it takes orders: `ready` says nothing more.
                Parsed::Ready => {}
                Parsed::Log { problem, .. } => {
                    let why = problem.unwrap_or_else(|| "not an event".to_owned());
                    return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_EVENT", format!("event {i}: {why}"))
                        .with("index", i));
                }
            }
        }
        let mut held = sim.inbox.events.lock().unwrap_or_else(|e| e.into_inner());
        if held.len() + events.len() > EventInbox::CAPACITY {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "INBOX_FULL",
                "too many events wait to be read",
            ));
        }
        let accepted = events.len();
        held.extend(events);
        drop(held);
        sim.inbox.posted.notify_waiters();
        Ok(json(StatusCode::ACCEPTED, &serde_json::json!({"accepted": accepted})))
    })();
    result.unwrap_or_else(ApiError::into_response)
}
