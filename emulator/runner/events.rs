//! What an integration reports on stdout, one JSON object per line (spec/driver.md):
//! [`Event`]s (`present_uri`, `flag`, `outcome`), each stamped with the virtual time the
//! runner read it; any other line is kept as log.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::world::clock::VirtualTime;

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

/// The JSON Schema of one event line (`payterm schema events`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(EventLine)).unwrap_or_default()
}

/// A stdout line: an event, or log (with why it is not an event, when it looked like one).
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// A valid event.
    Event(Event),
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
        Ok(l) => Parsed::Event(Event { at, order: l.order, kind: l.kind }),
        Err(e) => Parsed::Log { line: line.to_owned(), problem: Some(format!("not a driver-contract event: {e}")) },
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
