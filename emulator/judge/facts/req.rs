//! One exchange as the judge reads it: a [`Req`], its request classified once into a typed
//! [`Call`] (what it asked, and the keys orders are matched on), with its whole bodies
//! parsed, its stamps, its `Retry-After` and the fault that struck it.

use serde_json::Value;

use crate::record::route::Door;
pub use crate::record::route::{Call, CreateKind, Grant, LinkCall};

use crate::journal::{Annotations, Exchange, Stamps};
use crate::record::scripted::InitiatorFault;
use crate::scenario::model::FaultKind;
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::invoice::InvoiceStatus;

/// One exchange, read.
#[derive(Clone, Debug)]
pub struct Req {
    /// Its position among the run's exchanges.
    pub index: usize,
    /// `cloud`, `app2app`, `initiator`, `control`.
    pub surface: Door,
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
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        let request = exchange.request.json().unwrap_or(Value::Null);
        let response = exchange.response.json().unwrap_or(Value::Null);
        let method = exchange.method.as_str().to_owned();
        let call = exchange.route.clone();
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

    /// The initiator status printed, e.g. `created`, typed (a word no status has is none).
    pub fn initiator_status(&self) -> Option<InvoiceStatus> {
        InvoiceStatus::parse(self.initiator_answer()?.get("status")?.as_str()?)
    }

    /// The initiator fault printed, e.g. `server_error`, typed (a word no fault has is none).
    pub fn initiator_fault(&self) -> Option<InitiatorFault> {
        InitiatorFault::parse(self.initiator_answer()?.get("fault")?.as_str()?)
    }

    /// Whether the answer tells the client to try again (a transport fault, a 5xx, 408, 409,
    /// 425, 429, an initiator fault to retry, or an initiator answer the program could not
    /// print): the answers after which RATE-NO-STORM asks for a growing backoff. A 401 is not
    /// one: the client refreshes its token and repeats at once, rightly.
    pub fn is_fault(&self) -> bool {
        if !self.delivered() {
            return true;
        }
        if self.surface == Door::Initiator && matches!(self.call, Call::Invoice { .. } | Call::Status { .. }) {
            return self.initiator_answer().is_none()
                || matches!(self.initiator_fault(), Some(InitiatorFault::Unspecified | InitiatorFault::ServerError));
        }
        matches!(self.status, 408 | 409 | 425 | 429 | 500..=599)
    }

    /// The state a task answer (`GET /v1/tasks/{id}`, a create) carries, if delivered.
    pub fn task_state(&self) -> Option<crate::world::task::TaskState> {
        crate::world::task::TaskState::parse(self.answer()?.get("state")?.as_str()?)
    }
}
