//! One exchange as the judge reads it: a [`Req`], its request classified once into a typed
//! [`Call`] (what it asked, and the keys orders are matched on), with its whole bodies
//! parsed, its stamps, its `Retry-After` and the fault that struck it.

use serde_json::Value;

use crate::journal::{Annotations, Exchange, Stamps};
use crate::scenario::model::FaultKind;
use crate::time::{VirtualDuration, VirtualTime};

/// Which grant a token request asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A login with the merchant's password, for `tid` (none: a master account).
    Password {
        /// The terminal named.
        tid: Option<String>,
    },
    /// A refresh with a refresh token.
    Refresh,
    /// Anything else.
    Other,
}

/// What a Cloud task creation asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateKind {
    /// A SALE.
    Sale,
    /// A VOID.
    Void,
    /// A close batch.
    CloseBatch,
    /// A body the judge could not read as either.
    Unreadable,
}

/// What a request asked, by kind, with the keys that tie it to orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `POST /cloud/oauth/token` or `/api/oauth/token`.
    Token(Grant),
    /// `POST /v1/tasks/TRANSACTION` or `/v1/tasks/BATCH`.
    Create {
        /// What it creates.
        kind: CreateKind,
        /// `originReferenceNum`.
        reference: Option<String>,
        /// `originTransactionID` (a void's sale).
        origin: Option<String>,
    },
    /// `GET /v1/tasks/{id}`.
    Poll {
        /// The task id.
        task: String,
    },
    /// `GET /v1/tasks?reference=…`.
    List {
        /// The reference asked about.
        reference: Option<String>,
    },
    /// `DELETE /v1/tasks/{id}`.
    Withdraw {
        /// The task id.
        task: String,
    },
    /// `GET /v1/transactions/{amsId}`.
    Transaction {
        /// The AMS id.
        ams: String,
    },
    /// `GET /v1/batches/{amsId}`.
    Batch {
        /// The AMS id (`OPEN` for the open batch).
        ams: String,
    },
    /// `GET /app2app?uri=…`.
    Link(LinkCall),
    /// `POST /hype/v1/invoices`.
    Invoice {
        /// The invoice id.
        invoice: Option<String>,
    },
    /// `POST /hype/v1/status`.
    Status {
        /// The invoice id the autofeed names.
        invoice: Option<String>,
        /// The service's identifier the autofeed names.
        identifier: Option<String>,
    },
    /// Anything else.
    Other,
}

/// A deep link the integration opened, read with the emulator's own parser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkCall {
    /// The operation path, e.g. `transaction/create`.
    pub operation: String,
    /// `originReferenceNum`.
    pub reference: Option<String>,
    /// `amsID`.
    pub ams: Option<String>,
    /// `printByPaymentApp`, read as the emulator reads it.
    pub print_by_payment_app: Option<bool>,
    /// `amount`, decoded.
    pub amount: Option<String>,
    /// `tipAmount`, decoded.
    pub tip: Option<String>,
}

impl LinkCall {
    /// Whether it is a payment (`transaction/create` or `transaction/refund`).
    pub fn is_payment(&self) -> bool {
        matches!(self.operation.as_str(), "transaction/create" | "transaction/refund")
    }
}

/// One exchange, read.
#[derive(Clone, Debug)]
pub struct Req {
    /// Its position among the run's exchanges.
    pub index: usize,
    /// `cloud`, `app2app`, `initiator`, `control`.
    pub surface: &'static str,
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// What it asked.
    pub call: Call,
    /// When it was read and answered, at payterm's socket.
    pub stamps: Stamps,
    /// The status answered (0: none, the request was held).
    pub status: u16,
    /// The request body as JSON (`Null` when it was not JSON).
    pub request: Value,
    /// The answer body as JSON (`Null` when it was not JSON).
    pub response: Value,
    /// The virtual `Retry-After` the answer carried.
    pub retry_after: Option<VirtualDuration>,
    /// What the handler attached: the fault that struck it, the terminal, a link's problems.
    pub annotations: Annotations,
    /// How it reads in evidence.
    pub line: String,
}

impl Req {
    /// Reads exchange `exchange`, answered at `at`, the `index`th of the run.
    pub fn read(index: usize, at: VirtualTime, exchange: &Exchange) -> Req {
        let target = exchange.target.as_str();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let request = exchange.request.json().unwrap_or(Value::Null);
        let response = exchange.response.json().unwrap_or(Value::Null);
        let method = exchange.method.as_str().to_owned();
        let call = classify(&method, path, &query, &request, exchange.request.bytes());
        let answered = if exchange.status == 0 { "no answer".to_owned() } else { exchange.status.to_string() };
        Req {
            index,
            surface: exchange.surface,
            line: format!("{at} {} {method} {target} → {answered}", exchange.surface),
            method,
            path: path.to_owned(),
            call,
            stamps: exchange.stamps,
            status: exchange.status,
            request,
            response,
            retry_after: exchange.retry_after,
            annotations: exchange.annotations.clone(),
        }
    }

    /// When the request reached payterm's socket: the only "when it was sent" the judge
    /// believes (nothing the client sends moves it).
    pub fn arrived(&self) -> VirtualTime {
        self.stamps.received
    }

    /// When it was answered.
    pub fn answered(&self) -> VirtualTime {
        self.stamps.answered
    }

    /// The scripted fault that struck it, if one did.
    pub fn fault(&self) -> Option<&FaultKind> {
        self.annotations.fault.as_ref().map(|f| &f.kind)
    }

    /// Whether the client got the whole answer the emulator wrote (no reset, hang, cut or
    /// garbled body in the way).
    pub fn delivered(&self) -> bool {
        self.status != 0 && self.annotations.fault.as_ref().is_none_or(|f| f.delivers())
    }

    /// The answer the client read, as JSON, when it got one that parses.
    pub fn answer(&self) -> Option<&Value> {
        (self.delivered() && !self.response.is_null()).then_some(&self.response)
    }

    /// An initiator answer the program printed, as the program decides it: a whole JSON
    /// object on success (a status, an issued invoice), or a `fault` whatever the HTTP status;
    /// anything else is a fundamental failure with no JSON on stdout.
    pub fn initiator_answer(&self) -> Option<&Value> {
        let answer = self.answer().filter(|a| a.is_object())?;
        let fault = answer.get("fault").is_some_and(Value::is_string);
        (fault || (200..300).contains(&self.status)).then_some(answer)
    }

    /// A refusal no retry fixes, which the initiator program turns into a fundamental failure
    /// of its own exit code: `DOCUMENT_REFUSED` (422: a document the service refuses whatever
    /// the moment) or `NOT_AN_OPERATOR` (403: the user is outside the operator group).
    pub fn initiator_refusal(&self) -> Option<&str> {
        let code = self.answer()?.get("error")?.get("code")?.as_str()?;
        (matches!(self.status, 403 | 422) && matches!(code, "DOCUMENT_REFUSED" | "NOT_AN_OPERATOR")).then_some(code)
    }

    /// The initiator status printed, e.g. `created`.
    pub fn initiator_status(&self) -> Option<&str> {
        self.initiator_answer()?.get("status")?.as_str()
    }

    /// The initiator fault printed, e.g. `server_error`.
    pub fn initiator_fault(&self) -> Option<&str> {
        self.initiator_answer()?.get("fault")?.as_str()
    }

    /// Whether the answer tells the client to try again (a transport fault, a 5xx, 408, 409,
    /// 425, 429, an initiator fault to retry, or an initiator answer the program could not
    /// print): the answers after which RATE-NO-STORM asks for a growing backoff. A 401 is not
    /// one: the client refreshes its token and repeats at once, rightly.
    pub fn is_fault(&self) -> bool {
        if !self.delivered() {
            return true;
        }
        if self.surface == "initiator" && matches!(self.call, Call::Invoice { .. } | Call::Status { .. }) {
            return self.initiator_answer().is_none()
                || matches!(self.initiator_fault(), Some("unspecified" | "server_error"));
        }
        matches!(self.status, 408 | 409 | 425 | 429 | 500..=599)
    }

    /// The state a task answer (`GET /v1/tasks/{id}`, a create) carries, if delivered.
    pub fn task_state(&self) -> Option<crate::world::task::TaskState> {
        crate::world::task::TaskState::parse(self.answer()?.get("state")?.as_str()?)
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

/// What a request asked, from its method, path, query and body.
fn classify(method: &str, path: &str, query: &[(String, String)], body: &Value, raw: &[u8]) -> Call {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let param = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match (method, segments.as_slice()) {
        ("POST", ["cloud" | "api", "oauth", "token"]) => {
            let form: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
            let field = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            Call::Token(match field("grant_type").as_deref() {
                Some("password") => Grant::Password { tid: field("tid").filter(|t| !t.is_empty()) },
                Some("refresh_token") => Grant::Refresh,
                _ => Grant::Other,
            })
        }
        ("POST", ["v1", "tasks", kind @ ("TRANSACTION" | "BATCH")]) => {
            let kind = match (*kind, body.get("transactionType").and_then(Value::as_str)) {
                ("BATCH", _) => CreateKind::CloseBatch,
                (_, Some("SALE")) => CreateKind::Sale,
                (_, Some("VOID")) => CreateKind::Void,
                _ => CreateKind::Unreadable,
            };
            Call::Create {
                kind,
                reference: text(body, "originReferenceNum"),
                origin: text(body, "originTransactionID"),
            }
        }
        ("GET", ["v1", "tasks"]) => Call::List { reference: param("reference") },
        ("GET", ["v1", "tasks", id]) => Call::Poll { task: (*id).to_owned() },
        ("DELETE", ["v1", "tasks", id]) => Call::Withdraw { task: (*id).to_owned() },
        ("GET", ["v1", "transactions", id]) => Call::Transaction { ams: (*id).to_owned() },
        ("GET", ["v1", "batches", id]) => Call::Batch { ams: (*id).to_owned() },
        ("GET", ["app2app"]) => param("uri").map_or(Call::Other, |uri| Call::Link(link_call(&uri))),
        ("POST", ["hype", "v1", "invoices"]) => Call::Invoice { invoice: text(&body["payload"], "invoice") },
        ("POST", ["hype", "v1", "status"]) => Call::Status {
            invoice: text(&body["payload"], "invoice"),
            identifier: text(&body["payload"], "identifier"),
        },
        _ => Call::Other,
    }
}

/// A deep link read with the emulator's own parser; one it cannot read at all has no keys.
fn link_call(uri: &str) -> LinkCall {
    let Ok(link) = crate::surfaces::app2app::link::parse(uri) else { return LinkCall::default() };
    let get = |name: &str| link.get(name).map(str::to_owned);
    LinkCall {
        operation: link.path.clone(),
        reference: get("originReferenceNum"),
        ams: get("amsID"),
        print_by_payment_app: link.get("printByPaymentApp").and_then(|v| match v.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }),
        amount: get("amount"),
        tip: get("tipAmount"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, target: &str, body: &str) -> Call {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let json = serde_json::from_str(body).unwrap_or(Value::Null);
        classify(method, path, &query, &json, body.as_bytes())
    }

    #[test]
    fn requests_are_classified_with_their_keys() {
        assert_eq!(
            call("POST", "/v1/tasks/TRANSACTION", r#"{"transactionType":"VOID","originTransactionID":"A1"}"#),
            Call::Create { kind: CreateKind::Void, reference: None, origin: Some("A1".into()) }
        );
        assert_eq!(
            call("POST", "/v1/tasks/BATCH", ""),
            Call::Create { kind: CreateKind::CloseBatch, reference: None, origin: None }
        );
        assert_eq!(call("GET", "/v1/tasks?reference=REF%201", ""), Call::List { reference: Some("REF 1".into()) });
        assert_eq!(
            call("POST", "/cloud/oauth/token", "grant_type=password&username=u&password=p&tid=999888"),
            Call::Token(Grant::Password { tid: Some("999888".into()) })
        );
        assert_eq!(
            call("POST", "/api/oauth/token", "grant_type=refresh_token&refresh_token=x"),
            Call::Token(Grant::Refresh)
        );
        let Call::Link(link) = call(
            "GET",
            "/app2app?uri=gptom%3A%2F%2Ftransaction%2Fcreate%3Famount%3D100%26originReferenceNum%3DR1%26printByPaymentApp%3Dfalse%26redirectUrl%3Dfb%3A%2F%2Fx",
            "",
        ) else {
            panic!("not a link")
        };
        assert_eq!(
            (link.operation.as_str(), link.reference.as_deref(), link.print_by_payment_app),
            ("transaction/create", Some("R1"), Some(false))
        );
    }
}
