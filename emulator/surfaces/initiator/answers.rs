//! The service's answers as pure functions: a status `{"identifier", "status"}`, a fault
//! `{"identifier", "fault", "detail"?}` ([`Fault`], [`fault_answer`]), and the invoice answer
//! with its autofeed. Scenario scripts reuse these to answer what they script.

use serde_json::{Value, json};

use super::document::{AUTOFEED_DOCUMENT, VERSION};
use crate::http::{Reply, header_line, json as json_reply};
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

/// The header that says what went wrong, for the engineer: the client prints it on stderr,
/// since seed 002's answer shapes have no room for it.
pub const DETAIL_HEADER: &str = "x-hype-detail";

/// A fault answer, exactly seed 002's shape: `identifier` is the transaction it concerns, `""`
/// when there is none (a refused invoice), as the seed's own example shows.
pub fn fault_answer(fault: Fault, identifier: Option<&str>) -> Value {
    json!({ "identifier": identifier.unwrap_or(""), "fault": fault.as_str() })
}

/// A fault answer by wire name, for scripts; `None` if `name` is no fault.
pub fn fault_answer_named(name: &str, identifier: Option<&str>) -> Option<Value> {
    Fault::parse(name).map(|f| fault_answer(f, identifier))
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
/// errors, and the client prints them as-is. A `detail` rides in [`DETAIL_HEADER`] and in the
/// journal's note.
pub fn reply(answer: &Value, detail: Option<&str>) -> Reply {
    let mut reply = json_reply(http::StatusCode::OK, answer);
    if let Some(detail) = detail {
        let line = header_line(detail);
        reply.headers_mut().insert(DETAIL_HEADER, line.clone());
        reply.headers_mut().append(crate::journal::NOTE_HEADER, line);
    }
    reply
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
    fn a_fault_is_exactly_the_seeds_shape() {
        let text = fault_answer(Fault::BadSignature, None).to_string();
        assert_eq!(text, r#"{"identifier":"","fault":"bad_signature"}"#);
        let text = fault_answer_named("server_error", Some("x")).unwrap().to_string();
        assert_eq!(text, r#"{"identifier":"x","fault":"server_error"}"#);
    }

    #[test]
    fn a_status_is_identifier_then_status() {
        let text = status_answer("x", InvoiceStatus::PaymentInProcess).to_string();
        assert_eq!(text, r#"{"identifier":"x","status":"payment_in_process"}"#);
    }
}
