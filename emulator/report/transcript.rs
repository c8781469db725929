//! The transcript of one run: every order given, every request and answer on every surface,
//! every World transition and every event the integration reported, in virtual-time order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::journal::JournalEntry;
use crate::runner::Record;
use crate::time::VirtualTime;

/// One line of a transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TranscriptLine {
    /// Virtual time (RFC 3339).
    pub at: String,
    /// Milliseconds of virtual time since the scenario started.
    pub offset_ms: i64,
    /// `order`, `exchange`, `world`, `event` or `log`.
    pub kind: String,
    /// For exchanges: `cloud`, `control`, `app2app` or `initiator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// One line a person reads (`POST /v1/tasks → 201`, `task_state t1 COMPLETED`, …).
    pub text: String,
    /// The request body, for exchanges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The answer body, for exchanges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// The most bytes of one body a report shows (the judge read it whole).
const BODY_SHOWN: usize = 4 * 1024;
/// The most bytes of one scenario's transcript a report keeps (its beginning): what an
/// integration floods costs a report no more than this.
const TRANSCRIPT_BYTES: usize = 4 * 1024 * 1024;

/// The transcript of `record`: its beginning, within `TRANSCRIPT_BYTES`, each body within
/// `BODY_SHOWN`, and a last line counting what was left out.
pub fn transcript(record: &Record) -> Vec<TranscriptLine> {
    let all = every_line(record);
    let mut kept = Vec::new();
    let mut bytes = 0;
    let mut left_out = (0usize, 0usize);
    for line in all {
        let size = line.text.len()
            + line.request.as_ref().map_or(0, String::len)
            + line.response.as_ref().map_or(0, String::len);
        if bytes + size > TRANSCRIPT_BYTES {
            left_out = (left_out.0 + 1, left_out.1 + size);
            continue;
        }
        bytes += size;
        kept.push(line);
    }
    if left_out.0 > 0 {
        let last = kept.last().map_or_else(|| (record.started.to_string(), 0), |l| (l.at.clone(), l.offset_ms));
        kept.push(TranscriptLine {
            at: last.0,
            offset_ms: last.1,
            kind: "log".to_owned(),
            surface: None,
            text: format!(
                "payterm: {} more line(s) ({} bytes) not shown: a report keeps the first {} MiB of a scenario's \
                 transcript",
                left_out.0,
                left_out.1,
                TRANSCRIPT_BYTES / (1024 * 1024)
            ),
            request: None,
            response: None,
        });
    }
    kept
}

/// A body as a report shows it: secrets hidden, cut past [`BODY_SHOWN`] bytes and marked.
fn shown(body: &crate::journal::Body) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let bytes = body.bytes();
    let mut text = if bytes.len() > BODY_SHOWN {
        let kept = String::from_utf8_lossy(&bytes[..BODY_SHOWN]).into_owned();
        format!("{kept}… [{} more bytes not shown]", bytes.len() - BODY_SHOWN)
    } else {
        body.text()
    };
    // Reports are shared (CI artifacts): the merchant's password and the tokens stay out of
    // them, as they stay out of the journal the control API shows.
    text = crate::redact::secrets(&text);
    Some(text)
}

/// Every line of the transcript of `record`, in virtual-time order.
fn every_line(record: &Record) -> Vec<TranscriptLine> {
    let mut lines: Vec<(VirtualTime, TranscriptLine)> = Vec::new();
    let line = |at: VirtualTime, kind: &str, text: String| TranscriptLine {
        at: at.to_string(),
        offset_ms: (at - record.started).as_millis(),
        kind: kind.to_owned(),
        surface: None,
        text,
        request: None,
        response: None,
    };
    for (order, at) in &record.given {
        let text = record.scenario.orders.iter().find(|o| &o.id == order).map_or_else(
            || format!("order {order} given"),
            |o| format!("order {order} given: {} on {} ({})", o.operation.as_str(), o.surface.as_str(), o.reference),
        );
        lines.push((*at, line(*at, "order", text)));
    }
    for entry in &record.journal {
        match entry {
            JournalEntry::Exchange { at, exchange, .. } => {
                let mut text = format!("{} {} → {}", exchange.method, exchange.target, exchange.status_text());
                for note in &exchange.notes {
                    text.push_str(&format!(" [{note}]"));
                }
                lines.push((
                    *at,
                    TranscriptLine {
                        surface: Some(exchange.surface.as_str().to_owned()),
                        request: shown(&exchange.request),
                        response: shown(&exchange.response),
                        ..line(*at, "exchange", text)
                    },
                ));
            }
            JournalEntry::World { event, .. } => {
                let value = serde_json::to_value(&event.kind).unwrap_or_default();
                lines.push((event.at, line(event.at, "world", world_text(&value))));
            }
        }
    }
    for event in &record.events {
        let mut value = serde_json::to_value(&event.kind).unwrap_or_default();
        let name = value.get("event").and_then(|v| v.as_str()).unwrap_or("event").to_owned();
        if let Some(map) = value.as_object_mut() {
            map.remove("event");
        }
        lines.push((event.at, line(event.at, "event", format!("{} {name} {value}", event.order))));
    }
    // A stable sort: lines at the same instant keep the order they were recorded in.
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

/// `task_state tid=999888 task=… state=COMPLETED`: the event name, then its fields.
fn world_text(value: &serde_json::Value) -> String {
    let Some(map) = value.as_object() else { return value.to_string() };
    let mut text = map.get("event").and_then(|v| v.as_str()).unwrap_or("world").to_owned();
    for (k, v) in map.iter().filter(|(k, _)| k.as_str() != "event") {
        let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        text.push_str(&format!(" {k}={shown}"));
    }
    text
}
