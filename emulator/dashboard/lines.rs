//! Journal entries as the dashboard shows them: [`Line`], one line of text with what it can
//! be filtered by (terminal, surface, the ids it names, the served scenario's orders), and as
//! report [`TranscriptLine`]s for the live sequence diagram.

use serde::Serialize;
use serde_json::Value;

use crate::control::progress::world_text;
use crate::journal::{Exchange, JournalEntry};
use crate::report::TranscriptLine;
use crate::scenario::Scenario;
use crate::time::VirtualTime;
use crate::world::events::WorldEvent;

/// One live transcript line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Line {
    seq: u64,
    at: String,
    /// `exchange` or `world`.
    kind: &'static str,
    /// `cloud`, `app2app`, `initiator`, `control`, or `world` for a transition.
    surface: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    /// Task ids, AMS ids and invoice identifiers the line names: the page links lines of one
    /// order through them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keys: Vec<String>,
    /// The served scenario's orders whose reference the line carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    orders: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fault: bool,
    /// Whether the journal kept a request or answer body (`GET /dashboard/journal/{seq}`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    bodies: bool,
}

/// The sequence number of `entry`.
pub(super) fn seq_of(entry: &JournalEntry) -> u64 {
    match entry {
        JournalEntry::Exchange { seq, .. } | JournalEntry::World { seq, .. } => *seq,
    }
}

/// `entry` as a live line; `scenario` names the orders to look for.
pub(super) fn line(entry: &JournalEntry, scenario: Option<&Scenario>) -> Line {
    match entry {
        JournalEntry::Exchange { seq, at, exchange } => exchange_line(*seq, *at, exchange, scenario),
        JournalEntry::World { seq, event } => {
            let value = serde_json::to_value(&event.kind).unwrap_or_default();
            let mut keys = Vec::new();
            for k in ["task", "ams_id", "identifier"] {
                push_key(&mut keys, value.get(k));
            }
            Line {
                seq: *seq,
                at: event.at.to_rfc3339(),
                kind: "world",
                surface: "world",
                text: world_text(&value),
                tid: value.get("tid").and_then(Value::as_str).map(str::to_owned),
                keys,
                orders: Vec::new(),
                fault: false,
                bodies: false,
            }
        }
    }
}

fn exchange_line(seq: u64, at: VirtualTime, x: &Exchange, scenario: Option<&Scenario>) -> Line {
    let request = x.request.text();
    let response = x.response.text();
    let path = x.target.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut keys = Vec::new();
    let mut tid = None;
    for pair in segments.windows(2) {
        match pair {
            // `POST /v1/tasks/TRANSACTION` names a task type, not a task.
            ["tasks", "TRANSACTION" | "BATCH"] => {}
            ["tasks" | "transactions" | "batches" | "invoices", id] => keys.push((*id).to_owned()),
            ["terminals", t] => tid = Some((*t).to_owned()),
            _ => {}
        }
    }
    // Bodies are at most 4 KiB each (the journal cuts them), so reading them is cheap.
    for body in [&request, &response] {
        let Ok(value) = serde_json::from_str::<Value>(body) else { continue };
        for k in ["taskId", "amsId", "identifier"] {
            push_key(&mut keys, value.get(k));
        }
        if tid.is_none() {
            tid = value.get("tid").and_then(Value::as_str).map(str::to_owned);
        }
    }
    let orders = scenario
        .map(|s| {
            s.orders
                .iter()
                .filter(|o| {
                    !o.reference.is_empty()
                        && (request.contains(&o.reference)
                            || response.contains(&o.reference)
                            || x.target.contains(&o.reference))
                })
                .map(|o| o.id.clone())
                .collect()
        })
        .unwrap_or_default();
    Line {
        seq,
        at: at.to_rfc3339(),
        kind: "exchange",
        surface: x.surface.as_str(),
        text: exchange_text(x),
        tid,
        keys,
        orders,
        fault: x.notes.iter().any(|n| n.starts_with("scripted fault")),
        bodies: !x.request.is_empty() || !x.response.is_empty(),
    }
}

fn push_key(keys: &mut Vec<String>, value: Option<&Value>) {
    if let Some(k) = value.and_then(Value::as_str).filter(|k| !k.is_empty())
        && !keys.iter().any(|have| have == k)
    {
        keys.push(k.to_owned());
    }
}

/// `POST /v1/tasks/TRANSACTION → 201 [note]`, as the report's transcript writes it.
fn exchange_text(x: &Exchange) -> String {
    let mut text = format!("{} {} → {}", x.method, x.target, x.status_text());
    for note in &x.notes {
        text.push_str(&format!(" [{note}]"));
    }
    text
}

/// `entries` as report transcript lines (without bodies), offsets from `start`.
pub(super) fn transcript(entries: &[JournalEntry], start: VirtualTime) -> Vec<TranscriptLine> {
    let line = |at: VirtualTime, kind: &str, surface: Option<&str>, text: String| TranscriptLine {
        at: at.to_string(),
        offset_ms: (at - start).as_millis(),
        kind: kind.to_owned(),
        surface: surface.map(str::to_owned),
        text,
        request: None,
        response: None,
    };
    entries
        .iter()
        .map(|e| match e {
            JournalEntry::Exchange { at, exchange, .. } => {
                line(*at, "exchange", Some(exchange.surface.as_str()), exchange_text(exchange))
            }
            JournalEntry::World { event, .. } => world_line(event, &line),
        })
        .collect()
}

fn world_line(
    event: &WorldEvent,
    line: &impl Fn(VirtualTime, &str, Option<&str>, String) -> TranscriptLine,
) -> TranscriptLine {
    let value = serde_json::to_value(&event.kind).unwrap_or_default();
    line(event.at, "world", None, world_text(&value))
}

/// When `entry` happened.
pub(super) fn at_of(entry: &JournalEntry) -> VirtualTime {
    match entry {
        JournalEntry::Exchange { at, .. } => *at,
        JournalEntry::World { event, .. } => event.at,
    }
}
