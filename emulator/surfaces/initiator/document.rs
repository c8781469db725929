//! The JSON documents the initiator reads on stdin and the service reads in request bodies:
//! the invoice (`aehype_invoice`) and the autofeed (`aehype_autofeed`), both version 1.
//! [`parse_invoice`] and [`parse_autofeed`] check them the same way on both sides.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::world::invoice::Fiscal;
use crate::world::{InvoiceOrder, InvoiceRefusal, check_totals};

/// The only document version there is.
pub const VERSION: u64 = 1;
/// The invoice document's name.
pub const INVOICE_DOCUMENT: &str = "aehype_invoice";
/// The autofeed document's name.
pub const AUTOFEED_DOCUMENT: &str = "aehype_autofeed";

/// The payload of an invoice document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayload {
    /// The integrator's invoice id, unique per store per year.
    pub invoice: String,
    /// The store (alphanumeric ASCII).
    pub store: String,
    /// Total, tiyin.
    pub total: u64,
    /// Fiscal lines.
    pub fiscals: Vec<Fiscal>,
}

impl InvoicePayload {
    /// The World's order for this payload.
    pub fn into_order(self) -> InvoiceOrder {
        InvoiceOrder { invoice: self.invoice, store: self.store, total: self.total, fiscals: self.fiscals }
    }
}

/// The payload of an autofeed document: everything `status` needs, nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutofeedPayload {
    /// The service's identifier of the transaction.
    pub identifier: String,
    /// The integrator's invoice id.
    pub invoice: String,
    /// The store.
    pub store: String,
    /// The service's base URL.
    pub endpoint: String,
}

/// Why a document was refused; the message reads after "failed to read the document: ".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Nothing (or only blanks) was given.
    #[error(
        "stdin is empty\n(hint: pipe the JSON document in, e.g. `cat invoice.json | aelucrative-hype-initiator invoice`)"
    )]
    Empty,
    /// The bytes are not UTF-8.
    #[error("the input is not UTF-8 text: invalid byte at offset {offset}\n(hint: save the document as UTF-8)")]
    NotUtf8 {
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// The JSON stops before the document does.
    #[error("the input ends before the JSON document does (truncated at line {line} column {column})")]
    Truncated {
        /// Line of the end.
        line: usize,
        /// Column of the end.
        column: usize,
    },
    /// Not JSON.
    #[error("the input is not valid JSON: {detail} at line {line} column {column}")]
    NotJson {
        /// serde_json's words.
        detail: String,
        /// Line.
        line: usize,
        /// Column.
        column: usize,
    },
    /// JSON, but not an object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// `version` or `document` is missing.
    #[error(
        "the document has no `{0}` field\n(hint: a document starts {{\"version\": 1, \"document\": \"…\", \"payload\": {{…}}}})"
    )]
    MissingHeader(&'static str),
    /// `version` is not 1.
    #[error("unsupported document version {0}\n(hint: this initiator reads version 1 documents)")]
    WrongVersion(String),
    /// `document` names another document.
    #[error("expected document `{expected}`, got {found}{hint}")]
    WrongDocument {
        /// The document this command reads.
        expected: &'static str,
        /// What the input says (as JSON).
        found: String,
        /// A hint line, or nothing.
        hint: &'static str,
    },
    /// The payload does not match its schema.
    #[error("invalid payload at `{path}`: {detail}")]
    Payload {
        /// Where, e.g. `payload.fiscals[0]`.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A payload field has a wrong value.
    #[error("invalid `payload.{field}`: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The totals do not add up.
    #[error(
        "the invoice does not add up: {0}\n(hint: total = Σ price_total, and price_total = amount × price_per_unit, in tiyin)"
    )]
    Totals(InvoiceRefusal),
}

/// Reads and checks an invoice document.
pub fn parse_invoice(bytes: &[u8]) -> Result<InvoicePayload, DocumentError> {
    let payload: InvoicePayload = envelope(bytes, INVOICE_DOCUMENT)?;
    if payload.invoice.trim().is_empty() {
        return Err(DocumentError::Field { field: "invoice", reason: "it is empty".to_owned() });
    }
    check_store(&payload.store)?;
    check_totals(&payload.clone().into_order()).map_err(DocumentError::Totals)?;
    Ok(payload)
}

/// Reads and checks an autofeed document.
pub fn parse_autofeed(bytes: &[u8]) -> Result<AutofeedPayload, DocumentError> {
    let payload: AutofeedPayload = envelope(bytes, AUTOFEED_DOCUMENT)?;
    if payload.identifier.trim().is_empty() {
        return Err(DocumentError::Field { field: "identifier", reason: "it is empty".to_owned() });
    }
    check_store(&payload.store)?;
    if !(payload.endpoint.starts_with("http://") || payload.endpoint.starts_with("https://")) {
        return Err(DocumentError::Field {
            field: "endpoint",
            reason: format!("`{}` is not an http:// or https:// URL", payload.endpoint),
        });
    }
    Ok(payload)
}

/// Whether `store` is a valid store name: 1 to 64 ASCII letters or digits.
pub fn valid_store(store: &str) -> bool {
    !store.is_empty() && store.len() <= 64 && store.chars().all(|c| c.is_ascii_alphanumeric())
}

fn check_store(store: &str) -> Result<(), DocumentError> {
    if valid_store(store) {
        return Ok(());
    }
    Err(DocumentError::Field { field: "store", reason: format!("`{store}` is not 1 to 64 ASCII letters or digits") })
}

/// Checks the bytes, the header (`version`, `document`) and reads the payload.
fn envelope<T: DeserializeOwned>(bytes: &[u8], expected: &'static str) -> Result<T, DocumentError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DocumentError::NotUtf8 { offset: e.valid_up_to() })?;
    if text.trim().is_empty() {
        return Err(DocumentError::Empty);
    }
    // Read strictly: a signed document that names a key twice means one thing to us and
    // another to a reader that keeps the other value.
    let doc: Value = crate::strict_json::parse(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => DocumentError::Truncated { line: e.line(), column: e.column() },
        _ => {
            let text = e.to_string();
            let detail = text.split(" at line ").next().unwrap_or(&text).to_owned();
            DocumentError::NotJson { detail, line: e.line(), column: e.column() }
        }
    })?;
    let Value::Object(mut doc) = doc else {
        return Err(DocumentError::NotAnObject);
    };
    // The header is checked before the payload, so a document for another version is named
    // as such rather than as a list of missing fields.
    match doc.get("version") {
        None => return Err(DocumentError::MissingHeader("version")),
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => return Err(DocumentError::WrongVersion(v.to_string())),
    }
    match doc.get("document") {
        None => return Err(DocumentError::MissingHeader("document")),
        Some(Value::String(d)) if d == expected => {}
        Some(found) => {
            let hint = match found.as_str() {
                Some(INVOICE_DOCUMENT) => "\n(hint: `invoice` reads the invoice document; this is for that command)",
                Some(AUTOFEED_DOCUMENT) => "\n(hint: `status` reads the autofeed; this is for that command)",
                _ => "",
            };
            return Err(DocumentError::WrongDocument { expected, found: found.to_string(), hint });
        }
    }
    let payload = doc.remove("payload").ok_or(DocumentError::MissingHeader("payload"))?;
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." { "payload".to_owned() } else { format!("payload.{inner}") };
        DocumentError::Payload { path, detail: e.into_inner().to_string() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const INVOICE: &str = r#"{"version": 1, "document": "aehype_invoice", "payload": {"invoice": "TEST-2024",
        "store": "testingstore", "total": 600000, "fiscals": [{"name": "Kurs", "amount": 1,
        "code_mxik": "10305008004000000", "vat": 0, "vat_price": 0, "price_total": 600000,
        "price_per_unit": 600000, "code_mxik_package": "1546606"}]}}"#;

    #[test]
    fn the_documented_invoice_is_read() {
        let p = parse_invoice(INVOICE.as_bytes()).unwrap();
        assert_eq!(
            (p.invoice.as_str(), p.store.as_str(), p.total, p.fiscals.len()),
            ("TEST-2024", "testingstore", 600000, 1)
        );
    }

    #[rstest]
    #[case::empty("  \n", "stdin is empty")]
    #[case::truncated(&INVOICE[..40], "ends before the JSON document does")]
    #[case::not_json("version: 1", "not valid JSON")]
    #[case::an_array("[1]", "not a JSON object")]
    #[case::no_version(r#"{"document": "aehype_invoice"}"#, "no `version` field")]
    #[case::version_two(&INVOICE.replace("\"version\": 1", "\"version\": 2"), "unsupported document version 2")]
    #[case::version_as_text(&INVOICE.replace("\"version\": 1", "\"version\": \"1\""), "unsupported document version \"1\"")]
    #[case::an_autofeed(&INVOICE.replace("aehype_invoice", "aehype_autofeed"), "hint: `status` reads the autofeed")]
    #[case::no_payload(r#"{"version": 1, "document": "aehype_invoice"}"#, "no `payload` field")]
    #[case::no_total(&INVOICE.replace("\"total\": 600000,", ""), "invalid payload at `payload`: missing field `total`")]
    #[case::a_fiscal_without_price(&INVOICE.replace("\"price_total\": 600000,", ""), "`payload.fiscals[0]`: missing field `price_total`")]
    #[case::a_negative_total(&INVOICE.replace("600000,", "-1,"), "payload.total")]
    #[case::a_bad_store(&INVOICE.replace("testingstore", "testing store"), "invalid `payload.store`")]
    #[case::totals_disagree(&INVOICE.replace("\"total\": 600000", "\"total\": 600001"), "total 600001 is not the sum")]
    fn bad_invoices_are_named(#[case] input: &str, #[case] expected: &str) {
        let e = parse_invoice(input.as_bytes()).unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }

    #[test]
    fn non_utf8_names_the_offset() {
        assert_eq!(parse_invoice(b"{\"a\": \"\xff\"}"), Err(DocumentError::NotUtf8 { offset: 7 }));
    }

    #[test]
    fn an_autofeed_needs_an_http_endpoint() {
        let doc = r#"{"version": 1, "document": "aehype_autofeed", "payload": {"identifier": "x",
            "invoice": "A", "store": "s1", "endpoint": "ftp://h"}}"#;
        assert!(parse_autofeed(doc.as_bytes()).unwrap_err().to_string().contains("payload.endpoint"));
        let ok = doc.replace("ftp://h", "http://127.0.0.1:1");
        assert_eq!(parse_autofeed(ok.as_bytes()).unwrap().identifier, "x");
    }
}
