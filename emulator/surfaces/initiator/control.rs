//! The control API's initiator routes: the virtual customer (`/invoices/…`: open, pay,
//! succeed, reject, refund, a forced status, a presented URI) and the administrative side
//! (`/stores/…`: enroll a key, disable, enable). [`InvoiceView`] is how an invoice is shown.

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::document::valid_store;
use super::signing::parse_public_key;
use crate::http::{ApiError, ApiRequest, Reply, json, read_json};
use crate::surfaces::sim::Sim;
use crate::time::VirtualTime;
use crate::world::CustomerRefusal;
use crate::world::invoice::{CustomerAction, Fiscal, Invoice, InvoiceStatus, Store, next_status};

const ROUTES_HINT: &str = "(hint: GET /invoices, GET /invoices/{identifier}, POST /invoices/{identifier}/open|pay|succeed|reject|refund|present|status, GET /stores, POST /stores/{store}/keys|disable|enable)";

/// An invoice as the control API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceView {
    identifier: String,
    invoice: String,
    store: String,
    total: u64,
    status: &'static str,
    /// What the customer can do now.
    allowed_actions: Vec<&'static str>,
    /// How many times the integration handed the gateway URI to the customer.
    presented: u32,
    gateway_uri: String,
    created: VirtualTime,
    updated: VirtualTime,
    /// The fiscal lines (only when one invoice is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    fiscals: Option<Vec<Fiscal>>,
}

impl InvoiceView {
    /// The view of `i`, with its fiscal lines if `full`.
    pub fn new(i: &Invoice, full: bool) -> Self {
        InvoiceView {
            identifier: i.identifier.clone(),
            invoice: i.invoice.clone(),
            store: i.store.clone(),
            total: i.total,
            status: i.status.as_str(),
            allowed_actions: allowed(i.status),
            presented: i.presented,
            gateway_uri: i.gateway_uri.clone(),
            created: i.created,
            updated: i.updated,
            fiscals: full.then(|| i.fiscals.clone()),
        }
    }
}

fn allowed(status: InvoiceStatus) -> Vec<&'static str> {
    CustomerAction::ALL.into_iter().filter(|a| next_status(status, *a).is_ok()).map(CustomerAction::as_str).collect()
}

/// The initiator's control routes; `None` when `segments` is not one of them.
pub fn control(sim: &Sim, req: &ApiRequest, segments: &[&str]) -> Option<Result<Reply, ApiError>> {
    let m = &req.method;
    let result = match segments {
        ["invoices"] if m == Method::GET => list(sim),
        ["invoices", id] if m == Method::GET => one(sim, id),
        ["invoices", id, "status"] if m == Method::POST => force(sim, id, req),
        ["invoices", id, "present"] if m == Method::POST => present(sim, id),
        ["invoices", id, action] if m == Method::POST => act(sim, id, action),
        ["stores"] if m == Method::GET => stores(sim),
        ["stores", store, "keys"] if m == Method::POST => enroll(sim, store, req),
        ["stores", store, "disable"] if m == Method::POST => set_disabled(sim, store, true),
        ["stores", store, "enable"] if m == Method::POST => set_disabled(sim, store, false),
        ["invoices", ..] | ["stores", ..] => {
            Err(ApiError::not_found(format!("no control route for {m} {}\n{ROUTES_HINT}", req.path)))
        }
        _ => return None,
    };
    Some(result)
}

fn unknown_invoice(id: &str) -> ApiError {
    ApiError::not_found(format!("no invoice `{id}`\n(hint: GET /invoices lists them)"))
}

fn refusal(e: CustomerRefusal) -> ApiError {
    match e {
        CustomerRefusal::UnknownInvoice(id) => unknown_invoice(&id),
        CustomerRefusal::Invalid(invalid) => {
            let now = allowed(invalid.status);
            let hint = if now.is_empty() {
                format!("(hint: {} is final for the customer)", invalid.status.as_str())
            } else {
                format!("(hint: from {} the customer can: {})", invalid.status.as_str(), now.join(", "))
            };
            ApiError::new(StatusCode::CONFLICT, "ACTION_NOT_ALLOWED", format!("{invalid}\n{hint}"))
        }
    }
}

fn view_reply(sim: &Sim, id: &str, full: bool) -> Result<Reply, ApiError> {
    let world = sim.world();
    let invoice = world.invoice(id).ok_or_else(|| unknown_invoice(id))?;
    Ok(json(StatusCode::OK, &InvoiceView::new(invoice, full)))
}

fn list(sim: &Sim) -> Result<Reply, ApiError> {
    let world = sim.world();
    let views: Vec<InvoiceView> = world.invoices().into_iter().map(|i| InvoiceView::new(i, false)).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "invoices": views })))
}

fn one(sim: &Sim, id: &str) -> Result<Reply, ApiError> {
    view_reply(sim, id, true)
}

fn act(sim: &Sim, id: &str, action: &str) -> Result<Reply, ApiError> {
    let action = CustomerAction::parse(action).ok_or_else(|| {
        ApiError::not_found(format!("no customer action `{action}`\n(hint: open, pay, succeed, reject or refund)"))
    })?;
    sim.act(|world| world.customer_act(id, action)).map_err(refusal)?;
    view_reply(sim, id, false)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForceBody {
    status: String,
}

fn force(sim: &Sim, id: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: ForceBody = read_json(&req.body)?;
    let status = InvoiceStatus::parse(&body.status).ok_or_else(|| {
        let names: Vec<&str> = InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::field("status", format!("unknown status `{}` (hint: one of {})", body.status, names.join(", ")))
    })?;
    sim.act(|world| world.force_invoice_status(id, status)).map_err(refusal)?;
    view_reply(sim, id, false)
}

fn present(sim: &Sim, id: &str) -> Result<Reply, ApiError> {
    sim.act(|world| world.note_presented(id)).map_err(refusal)?;
    view_reply(sim, id, false)
}

/// A store as the control API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreView {
    store: String,
    disabled: bool,
    keys: Vec<KeyView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyView {
    key_id: String,
    public_key: String,
    /// Whether the key's user is in the store's operator group.
    operator: bool,
}

impl StoreView {
    fn new(name: &str, s: &Store) -> Self {
        use base64::Engine;
        let keys = s
            .keys
            .iter()
            .map(|(id, public)| KeyView {
                key_id: id.clone(),
                public_key: base64::engine::general_purpose::STANDARD.encode(public),
                operator: s.is_operator(id),
            })
            .collect();
        StoreView { store: name.to_owned(), disabled: s.disabled, keys }
    }
}

fn stores(sim: &Sim) -> Result<Reply, ApiError> {
    let world = sim.world();
    let views: Vec<StoreView> = world.stores().map(|(name, s)| StoreView::new(name, s)).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "stores": views })))
}

fn store_reply(sim: &Sim, name: &str, status: StatusCode) -> Result<Reply, ApiError> {
    let world = sim.world();
    let s = world.store(name).ok_or_else(|| unknown_store(name))?;
    Ok(json(status, &StoreView::new(name, s)))
}

fn unknown_store(name: &str) -> ApiError {
    ApiError::not_found(format!("no store `{name}`\n(hint: enroll a key first: POST /stores/{name}/keys)"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnrollBody {
    key_id: String,
    public_key: String,
    /// Replace the key already enrolled under `keyId` (refused without it).
    #[serde(default)]
    replace: bool,
    /// Whether the key's user is in the store's operator group (default: true for a new key;
    /// a key enrolled again keeps what was said before).
    #[serde(default)]
    operator: Option<bool>,
}

fn enroll(sim: &Sim, store: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    if !valid_store(store) {
        return Err(ApiError::field("store", format!("store `{store}` is not 1 to 64 ASCII letters or digits")));
    }
    let body: EnrollBody = read_json(&req.body)?;
    let key_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if body.key_id.is_empty() || body.key_id.len() > 128 || !body.key_id.chars().all(key_ok) {
        return Err(ApiError::field("keyId", "`keyId` must be 1 to 128 ASCII letters, digits, `-`, `_`, `.` or `:`"));
    }
    let public = parse_public_key(&body.public_key).map_err(|m| ApiError::field("publicKey", m))?;
    let status = sim.act(|world| {
        let enrolled = world.store(store).and_then(|s| s.keys.iter().find(|(id, _)| *id == body.key_id)).map(|(_, k)| *k);
        let status = match enrolled {
            None => StatusCode::CREATED,
            // The same key again (a second `payterm initiator enroll`): nothing changes.
            Some(key) if key == public => StatusCode::OK,
            Some(_) if body.replace => StatusCode::OK,
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "KEY_EXISTS",
                    format!(
                        "store `{store}` already has another key enrolled as `{}`; it was left as it is\n(hint: send `\"replace\": true` to replace it: requests signed with the old key will then fail)",
                        body.key_id
                    ),
                )
                .with("field", "keyId"));
            }
        };
        world.enroll(store, &body.key_id, public);
        // `payterm initiator enroll` says nothing of the group: enrolling again must not undo an
        // administrator's `"operator": false`.
        let operator = body.operator.or(enrolled.is_none().then_some(true));
        if let Some(operator) = operator {
            let _ = world.set_operator(store, &body.key_id, operator);
        }
        Ok(status)
    })?;
    store_reply(sim, store, status)
}

fn set_disabled(sim: &Sim, store: &str, disabled: bool) -> Result<Reply, ApiError> {
    sim.act(|world| world.set_store_disabled(store, disabled)).map_err(|_| unknown_store(store))?;
    store_reply(sim, store, StatusCode::OK)
}
