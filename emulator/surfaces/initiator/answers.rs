//! The service's answers as pure functions: a status `{"identifier", "status"}`, a fault
//! `{"identifier", "fault", "detail"?}` ([`Fault`], [`fault_answer`]), and the invoice answer
//! with its autofeed. Scenario scripts reuse these to answer what they script.

use serde_json::{Value, json};

use super::document::{AUTOFEED_DOCUMENT, VERSION};
use crate::http::{Reply, json as json_reply};
use crate::world::invoice::{Invoice, InvoiceStatus};

/// The faults the service answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// An internal fault, not disclosed. Try again later.
    Unspecified,
    /// A known internal error of the service. Try again later.
    ServerError,
    /// The signature is damaged, invalid or not enrolled. Do not repeat the request.
    BadSignature,
    /// The store's endpoint is disabled. Administrative.
    UserDisabled,
    /// A wrong endpoint id, or a transaction that does not exist (any more).
    ResourceNotFound,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] =
        [Fault::Unspecified, Fault::ServerError, Fault::BadSignature, Fault::UserDisabled, Fault::ResourceNotFound];

    /// The wire name, e.g. `bad_signature`.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Unspecified => "unspecified",
            Fault::ServerError => "server_error",
            Fault::BadSignature => "bad_signature",
            Fault::UserDisabled => "user_disabled",
            Fault::ResourceNotFound => "resource_not_found",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<Fault> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// A fault answer. `identifier` is the transaction it concerns (`null` when there is none
/// yet, e.g. a refused invoice); `detail` says what happened, for the engineer reading it.
pub fn fault_answer(fault: Fault, identifier: Option<&str>, detail: Option<&str>) -> Value {
    let mut answer = json!({ "identifier": identifier, "fault": fault.as_str() });
    if let (Some(detail), Value::Object(map)) = (detail, &mut answer) {
        map.insert("detail".to_owned(), Value::String(detail.to_owned()));
    }
    answer
}

/// A fault answer by wire name, for scripts; `None` if `name` is no fault.
pub fn fault_answer_named(name: &str, identifier: Option<&str>, detail: Option<&str>) -> Option<Value> {
    Fault::parse(name).map(|f| fault_answer(f, identifier, detail))
}

/// A status answer.
pub fn status_answer(identifier: &str, status: InvoiceStatus) -> Value {
    json!({ "identifier": identifier, "status": status.as_str() })
}

/// The autofeed of `invoice` served from `endpoint`: everything `status` needs.
pub fn autofeed(invoice: &Invoice, endpoint: &str) -> Value {
    json!({
        "version": VERSION,
        "document": AUTOFEED_DOCUMENT,
        "payload": {
            "identifier": invoice.identifier,
            "invoice": invoice.invoice,
            "store": invoice.store,
            "endpoint": endpoint,
        }
    })
}

/// The answer to an invoice: its identifier, the gateway URI and the autofeed.
pub fn invoice_answer(invoice: &Invoice, endpoint: &str) -> Value {
    json!({
        "identifier": invoice.identifier,
        "gateway_uri": invoice.gateway_uri,
        "autofeed": autofeed(invoice, endpoint),
    })
}

/// Every answer of the service goes out as HTTP 200: faults are answers, not transport
/// errors, and the client prints them as-is.
pub fn reply(answer: &Value) -> Reply {
    json_reply(http::StatusCode::OK, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_its_name() {
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.as_str()), Some(f));
        }
        assert_eq!(Fault::parse("bad signature"), None);
    }

    #[test]
    fn a_fault_keeps_the_documented_member_order() {
        let text = fault_answer(Fault::BadSignature, None, None).to_string();
        assert_eq!(text, r#"{"identifier":null,"fault":"bad_signature"}"#);
        let text = fault_answer_named("server_error", Some("x"), Some("db down")).unwrap().to_string();
        assert_eq!(text, r#"{"identifier":"x","fault":"server_error","detail":"db down"}"#);
    }

    #[test]
    fn a_status_is_identifier_then_status() {
        let text = status_answer("x", InvoiceStatus::PaymentInProcess).to_string();
        assert_eq!(text, r#"{"identifier":"x","status":"payment_in_process"}"#);
    }
}
