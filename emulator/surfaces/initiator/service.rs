//! The initiator service on the Cloud API's port: `POST /hype/v1/invoices` and
//! `POST /hype/v1/status`, signed as [`super::signing`] says, answering a status, an invoice
//! or a fault (all HTTP 200); `GET /hype/pay/{identifier}` is the gateway ([`super::gateway`]).
//!
//! Checks run in this order: the store (`resource_not_found` when the service does not know
//! it), the signature (`bad_signature`), the store's endpoint (`user_disabled`), the document,
//! the signing store against the document's store, then the transaction
//! (`resource_not_found`). A key whose user is outside the store's operator group is refused
//! `403 NOT_AN_OPERATOR` after the signature. A document the service would refuse whatever the moment (unreadable,
//! totals that do not add up, an invoice id reused with other content) is no fault to retry:
//! it is answered `422 DOCUMENT_REFUSED`, which the program turns into a fundamental failure.

use http::{Method, StatusCode, header};
use serde_json::Value;

use super::answers::{Fault, fault_answer, fault_answer_named, invoice_answer, reply, status_answer};
use super::document::{DocumentError, parse_autofeed, parse_invoice};
use super::signing::{self, KEY_ID_HEADER, SIGNATURE_HEADER, STORE_HEADER, SignatureError};
use crate::http::{ApiError, ApiRequest, Reply};
use crate::record::scripted::StatusAnswer;
use crate::surfaces::sim::Sim;
use crate::world::{InvoiceRefusal, World};

/// The error code of a document the service refuses whatever the moment.
pub const DOCUMENT_REFUSED: &str = "DOCUMENT_REFUSED";
/// The error code of a request by a user outside the store's operator group.
pub const NOT_AN_OPERATOR: &str = "NOT_AN_OPERATOR";

/// Why a request was not answered with a status or an invoice.
enum Refused {
    /// A fault answer of seed 002's table, with what went wrong for the engineer.
    Fault(Fault, String),
    /// A document no retry can fix (`reason` names which check), answered `422`.
    Document(&'static str, String),
    /// The key's user is not in the store's operator group, answered `403`.
    NotAnOperator(String),
}

impl Refused {
    fn fault(fault: Fault, detail: impl Into<String>) -> Self {
        Refused::Fault(fault, detail.into())
    }

    fn document(reason: &'static str, detail: impl std::fmt::Display) -> Self {
        Refused::Document(reason, detail.to_string())
    }

    /// The answer, echoing `identifier` in a fault.
    fn answer(self, identifier: Option<&str>) -> Result<Reply, ApiError> {
        match self {
            Refused::Fault(fault, detail) => Ok(reply(&fault_answer(fault, identifier), Some(&detail))),
            Refused::Document(reason, detail) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                DOCUMENT_REFUSED,
                format!("{detail}\n(hint: this document is refused whatever the moment: fix it, do not send it again)"),
            )
            .with("reason", reason)),
            Refused::NotAnOperator(detail) => Err(ApiError::new(StatusCode::FORBIDDEN, NOT_AN_OPERATOR, detail)),
        }
    }
}

impl From<SignatureError> for Refused {
    fn from(e: SignatureError) -> Self {
        Refused::fault(Fault::BadSignature, e.to_string())
    }
}

/// The initiator service's routes under `/hype/`. `base_url` is the server's own base URL,
/// the endpoint every autofeed names.
pub fn http_answer(sim: &Sim, req: &ApiRequest, base_url: &str) -> Result<Reply, ApiError> {
    let segments = req.segments();
    let m = &req.method;
    match segments.as_slice() {
        ["hype", "v1", "invoices"] if m == Method::POST => invoice(sim, req, base_url),
        ["hype", "v1", "status"] if m == Method::POST => status(sim, req),
        ["hype", "pay", identifier] if m == Method::GET => Ok(super::gateway::page(sim, req, identifier)),
        ["hype", "v1", "invoices" | "status"] => Err(not_allowed(m, &req.path, "POST")),
        ["hype", "pay", _] => Err(not_allowed(m, &req.path, "GET")),
        _ => Err(ApiError::not_found(format!(
            "no initiator route for {m} {}\n(hint: POST /hype/v1/invoices, POST /hype/v1/status, GET /hype/pay/{{identifier}})",
            req.path
        ))),
    }
}

fn not_allowed(method: &Method, path: &str, allow: &str) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not allowed on {path} (allowed: {allow})"),
    )
    .with_header(header::ALLOW, allow)
}

fn header_value<'r>(req: &'r ApiRequest, name: &'static str) -> Result<&'r str, SignatureError> {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(SignatureError::MissingHeader(name))
}

/// The store the service does not know, as `resource_not_found` ("wrong endpoint id").
fn unknown_store(store: &str) -> Refused {
    Refused::fault(
        Fault::ResourceNotFound,
        format!("the service knows no store `{store}` (hint: the store is the one your key was enrolled for)"),
    )
}

/// Checks the store, the signature and the store's endpoint; returns the signing store.
fn authenticate(world: &World, req: &ApiRequest) -> Result<String, Refused> {
    let store = header_value(req, STORE_HEADER)?;
    let key_id = header_value(req, KEY_ID_HEADER)?;
    let signature = header_value(req, SIGNATURE_HEADER)?;
    let enrolled = world.store(store).ok_or_else(|| unknown_store(store))?;
    let public = enrolled
        .keys
        .iter()
        .find(|(id, _)| id == key_id)
        .map(|(_, public)| public)
        .ok_or_else(|| SignatureError::NotEnrolled { store: store.to_owned(), key_id: key_id.to_owned() })?;
    signing::verify(public, key_id, &req.body, signature)?;
    if !enrolled.is_operator(key_id) {
        return Err(Refused::NotAnOperator(format!(
            "the user of key `{key_id}` is not a member of the operator group of store `{store}` \
             (administrative: the initiator is run as a member of the operators group)"
        )));
    }
    if enrolled.disabled {
        return Err(Refused::fault(
            Fault::UserDisabled,
            format!("the endpoint of store `{store}` is disabled (administrative: resolve it with the provider)"),
        ));
    }
    Ok(store.to_owned())
}

fn same_store(world: &World, signing_store: &str, document_store: &str) -> Result<(), Refused> {
    if signing_store == document_store {
        return Ok(());
    }
    if world.store(document_store).is_none() {
        return Err(unknown_store(document_store));
    }
    Err(Refused::fault(
        Fault::BadSignature,
        format!("the request is signed for store `{signing_store}`, but the document is for store `{document_store}`"),
    ))
}

fn invoice(sim: &Sim, req: &ApiRequest, base_url: &str) -> Result<Reply, ApiError> {
    match sim.act(|world| issue(world, req, base_url)) {
        Ok(answer) => Ok(reply(&answer, None)),
        Err(refused) => refused.answer(None),
    }
}

fn issue(world: &mut World, req: &ApiRequest, base_url: &str) -> Result<Value, Refused> {
    let store = authenticate(world, req)?;
    let payload = parse_invoice(&req.body).map_err(|e| match e {
        DocumentError::Totals(_) => Refused::document("TOTALS_DO_NOT_ADD_UP", e),
        other => Refused::document("DOCUMENT_INVALID", other),
    })?;
    same_store(world, &store, &payload.store)?;
    let gateway_base = format!("{base_url}/hype/pay/");
    match world.issue_invoice(payload.into_order(), &gateway_base) {
        Ok((invoice, _new)) => Ok(invoice_answer(invoice, base_url)),
        Err(e) => Err(match e {
            InvoiceRefusal::StoreDisabled(_) => Refused::fault(Fault::UserDisabled, e.to_string()),
            InvoiceRefusal::UnknownStore(store) => unknown_store(&store),
            InvoiceRefusal::Conflict { .. } => Refused::document("INVOICE_ID_REUSED", e),
            other => Refused::document("TOTALS_DO_NOT_ADD_UP", other),
        }),
    }
}

fn status(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    // The identifier the request asks about is echoed in every fault, even unsigned ones:
    // it lets an integration attribute the fault to the transaction it flagged.
    let asked: Option<String> = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.pointer("/payload/identifier").and_then(Value::as_str).map(str::to_owned));
    let answered: Result<Value, Refused> = sim.act(|world| {
        let identifier = lookup(world, req)?;
        // A scenario's script may answer instead: a fault, or a status the World cannot show.
        // The journal marks scripted steps already: the answer carries no detail.
        Ok(match world.poll_status(&identifier) {
            Some(StatusAnswer::Fault(f)) => fault_answer_named(f.as_str(), Some(&identifier))
                .unwrap_or_else(|| fault_answer(Fault::Unspecified, Some(&identifier))),
            Some(StatusAnswer::Status(s)) => status_answer(&identifier, s),
            None => match world.invoice(&identifier) {
                Some(invoice) => status_answer(&identifier, invoice.status),
                None => fault_answer(Fault::ResourceNotFound, Some(&identifier)),
            },
        })
    });
    match answered {
        Ok(answer) => Ok(reply(&answer, None)),
        Err(refused) => refused.answer(asked.as_deref()),
    }
}

/// Checks a status request and returns the identifier it asks about.
fn lookup(world: &World, req: &ApiRequest) -> Result<String, Refused> {
    let store = authenticate(world, req)?;
    let feed = parse_autofeed(&req.body).map_err(|e| Refused::document("DOCUMENT_INVALID", e))?;
    same_store(world, &store, &feed.store)?;
    let not_found = || {
        Refused::fault(
            Fault::ResourceNotFound,
            format!("store `{}` has no transaction `{}` for invoice `{}`", feed.store, feed.identifier, feed.invoice),
        )
    };
    // Another store's transaction is "not found", not "forbidden": a store learns nothing of
    // the others.
    let invoice = world.invoice(&feed.identifier).ok_or_else(not_found)?;
    if invoice.store != feed.store || invoice.invoice != feed.invoice {
        return Err(not_found());
    }
    Ok(invoice.identifier.clone())
}
