//! What an integration reports on stdout, one JSON object per line (spec/driver.md):
//! [`Event`]s (`present_uri`, `flag`, `outcome`), each stamped with the virtual time the
//! runner read it, and `{"event": "ready"}` once it is up; any other line is kept as log.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::VirtualTime;

/// The verdict an integration reports for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeResult {
    /// The customer paid.
    Paid,
    /// The customer did not pay.
    NotPaid,
    /// Paid, then refunded.
    Refunded,
    /// The sale was voided.
    Voided,
    /// The void did not happen.
    NotVoided,
    /// The batch closed.
    BatchClosed,
    /// The batch did not close.
    NotClosed,
    /// The integration does not know (honest while a payment is still live, or after the
    /// spec said stop).
    Unknown,
}

/// A flag's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Needs an engineer.
    Engineering,
    /// Concerns the service agreement or operations.
    Administrative,
}

/// One event of the driver contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The integration handed the gateway URI to the customer.
    PresentUri {
        /// The URI.
        uri: String,
    },
    /// The integration flagged a transaction for a person.
    Flag {
        /// Engineering or administrative.
        kind: FlagKind,
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// The integration's verdict for the order.
    Outcome {
        /// The verdict.
        result: OutcomeResult,
        /// Everything else it sent (ids, `batch`, `receipt_by`).
        #[serde(flatten)]
        details: serde_json::Map<String, Value>,
    },
}

/// An event as read, with its order and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Virtual time the runner read it.
    pub at: VirtualTime,
    /// The order it concerns.
    pub order: String,
    /// What it says.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// One event as an integration writes it (a stdout line, or a post to `/_payterm/events`).
#[derive(Deserialize, JsonSchema)]
pub struct EventLine {
    /// The order it concerns.
    order: String,
    /// What it says.
    #[serde(flatten)]
    kind: EventKind,
}

/// The most characters of a flag's `reason` kept: it is for a person to read.
pub const MAX_REASON: usize = 1024;

/// The JSON Schema of one event line (`payterm schema events`): an order's event, or `ready`.
/// The outcome's open fields are named with what the rules read from them.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(EventLine)).unwrap_or_default();
    let order_events = schema.as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut described = Value::Object(order_events);
    describe_outcome_fields(&mut described);
    serde_json::json!({
        "$schema": described.get("$schema").cloned().unwrap_or(Value::Null),
        "title": "Event",
        "description": "One line an integration writes on stdout (or posts to /_payterm/events in service mode): an order's event, or {\"event\": \"ready\"} once it is up (the scenario's clock starts then, or at its first request).",
        "oneOf": [
            described,
            {"title": "Ready", "type": "object", "required": ["event"],
             "properties": {"event": {"const": "ready"}},
             "description": "The integration is up: the scenario's clock starts (at the latest, at its first request)."}
        ]
    })
}

/// Names the fields of an outcome the rules read (`serde(flatten)` leaves them open).
fn describe_outcome_fields(schema: &mut Value) {
    let fields = serde_json::json!({
        "taskId": {"type": "string", "description": "Cloud: the task the outcome comes from (CLOUD-QUEUE-PARALLEL)."},
        "amsId": {"type": "string", "description": "Cloud and deep links: the transaction or batch it concerns."},
        "identifier": {"type": "string", "description": "Initiator: the service's identifier of the invoice."},
        "batch": {"type": "object", "description": "batch_closed: the totals the service returned (saleCount, saleAmount, voidCount, voidAmount, totalCount, totalAmount; CLOUD-BATCH-TOTALS)."},
        "receipt_by": {"const": "integration", "description": "Deep links with printByPaymentApp=false: the integration handed over the receipt itself (LINK-RECEIPT-CHOICE)."}
    });
    let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else { return };
    for variant in variants {
        let is_outcome = variant.pointer("/properties/event/const").and_then(Value::as_str) == Some("outcome")
            || variant.pointer("/properties/event/enum/0").and_then(Value::as_str) == Some("outcome");
        if let (true, Some(props)) = (is_outcome, variant.get_mut("properties").and_then(Value::as_object_mut)) {
            for (name, field) in fields.as_object().into_iter().flatten() {
                props.insert(name.clone(), field.clone());
            }
        }
    }
}

/// A stdout line: an event, the integration saying it is up, or log (with why it is not an
/// event, when it looked like one).
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// A valid event.
    Event(Event),
    /// `{"event": "ready"}`: the integration is up.
    Ready,
    /// Anything else; `problem` says why a JSON line was not an event.
    Log {
        /// The line.
        line: String,
        /// Why it is not an event, if it was JSON.
        problem: Option<String>,
    },
}

/// Reads one stdout line read at `at`.
pub fn parse_line(line: &str, at: VirtualTime) -> Parsed {
    let trimmed = line.trim();
    if !trimmed.starts_with('{') {
        return Parsed::Log { line: line.to_owned(), problem: None };
    }
    match serde_json::from_str::<EventLine>(trimmed) {
        Ok(l) => Parsed::Event(Event { at, order: l.order, kind: cut_reason(l.kind) }),
        Err(e) => match serde_json::from_str::<Value>(trimmed) {
            Ok(v) if v.get("event").and_then(Value::as_str) == Some("ready") => Parsed::Ready,
            _ => Parsed::Log { line: line.to_owned(), problem: Some(format!("not a driver-contract event: {e}")) },
        },
    }
}

/// A flag's reason past [`MAX_REASON`] characters is cut and marked.
fn cut_reason(kind: EventKind) -> EventKind {
    match kind {
        EventKind::Flag { kind, reason } if reason.chars().count() > MAX_REASON => {
            let kept: String = reason.chars().take(MAX_REASON).collect();
            let more = reason.chars().count() - MAX_REASON;
            EventKind::Flag { kind, reason: format!("{kept} … [{more} more characters not kept]") }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: VirtualTime = VirtualTime::DEFAULT_START;

    #[test]
    fn an_outcome_keeps_its_details() {
        let Parsed::Event(e) = parse_line(r#"{"order":"o1","event":"outcome","result":"paid","amsId":"123"}"#, T)
        else {
            panic!("not an event")
        };
        let EventKind::Outcome { result, details } = e.kind else { panic!("not an outcome") };
        assert_eq!((result, details["amsId"].as_str()), (OutcomeResult::Paid, Some("123")));
    }

    #[test]
    fn garbage_and_unknown_events_are_log() {
        assert!(matches!(parse_line("polling task 42…", T), Parsed::Log { problem: None, .. }));
        assert!(matches!(parse_line(r#"{"order":"o1","event":"dance"}"#, T), Parsed::Log { problem: Some(_), .. }));
        assert!(matches!(
            parse_line(r#"{"order":"o1","event":"outcome","result":"maybe"}"#, T),
            Parsed::Log { problem: Some(_), .. }
        ));
    }

    #[test]
    fn ready_is_read_with_or_without_other_fields() {
        assert_eq!(parse_line(r#"{"event": "ready"}"#, T), Parsed::Ready);
        assert_eq!(parse_line(r#"{"event":"ready","pid":42}"#, T), Parsed::Ready);
        assert!(matches!(parse_line(r#"{"event":"readyish"}"#, T), Parsed::Log { problem: Some(_), .. }));
    }

    #[test]
    fn a_long_flag_reason_is_cut() {
        let line = format!(r#"{{"order":"o1","event":"flag","kind":"engineering","reason":"{}"}}"#, "x".repeat(5000));
        let Parsed::Event(Event { kind: EventKind::Flag { reason, .. }, .. }) = parse_line(&line, T) else {
            panic!("not a flag")
        };
        assert!(reason.starts_with(&"x".repeat(MAX_REASON)) && reason.ends_with("[3976 more characters not kept]"));
    }

    #[test]
    fn the_schema_names_ready_and_the_outcome_fields_rules_read() {
        let schema = json_schema().to_string();
        for field in ["\"ready\"", "receipt_by", "\"batch\"", "taskId"] {
            assert!(schema.contains(field), "{field} missing from {schema}");
        }
    }

    #[test]
    fn a_flag_and_a_presented_uri_are_events() {
        assert!(matches!(
            parse_line(r#"{"order":"o1","event":"flag","kind":"engineering","reason":"bad_signature"}"#, T),
            Parsed::Event(_)
        ));
        assert!(matches!(
            parse_line(r#"{"order":"o1","event":"present_uri","uri":"http://x/hype/pay/abc"}"#, T),
            Parsed::Event(_)
        ));
    }
}
