//! One request and its answer as the journal keeps it: an [`Exchange`] with its bodies, the
//! moments it was sent, read and answered, and the typed [`Annotations`] the handler attached
//! (the scripted fault that struck it, the terminal it acted on, what was wrong with a link).

use serde::Serialize;

use crate::record::scripted::{FaultKind, When};
use crate::time::{VirtualDuration, VirtualTime};

/// When an exchange happened, in virtual time, as payterm saw it at its own socket: nothing
/// the client sends (a header, a body field) moves either stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamps {
    /// When the request reached payterm (its head had been read).
    pub received: VirtualTime,
    /// When the answer was handed to the connection (for a hung request: when it was read).
    pub answered: VirtualTime,
}

impl Stamps {
    /// Stamps of an exchange read and answered at `at`.
    pub fn at(at: VirtualTime) -> Self {
        Stamps { received: at, answered: at }
    }
}

/// A scripted fault that struck an exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StruckFault {
    /// Its index among the scenario's `[[script.http]]` entries (0-based).
    pub index: usize,
    /// What it did.
    pub kind: FaultKind,
    /// Before or after the emulator acted on the request.
    pub when: When,
}

impl StruckFault {
    /// Whether the client got a whole, readable answer despite the fault (a delay or a slow
    /// drip still delivers every byte; a status is an answer of its own).
    pub fn delivers(&self) -> bool {
        matches!(self.kind, FaultKind::Status { .. } | FaultKind::Delay(_) | FaultKind::SlowDrip(_))
    }

    /// The note the journal shows for it.
    pub fn note(&self) -> String {
        let moment = if self.when == When::AfterActing { "after acting" } else { "before acting" };
        format!("scripted fault #{}: {:?} {moment}", self.index + 1, self.kind)
    }
}

/// What was wrong with a deep link as the integration wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkCheck {
    /// The refusal reason when the link itself was malformed (a missing mandatory parameter,
    /// a bad enum value or amount, an unknown operation), e.g. `invalidAmount`; not set for
    /// refusals about the business (a void that cannot be done) or scripted answers.
    pub malformed: Option<String>,
    /// Parameters given more than once.
    pub repeated: Vec<String>,
    /// Parameters the operation does not take.
    pub unknown: Vec<String>,
    /// Whether the scenario's script chose the answer.
    pub scripted: bool,
}

impl LinkCheck {
    /// Whether the link parsed cleanly.
    pub fn is_clean(&self) -> bool {
        self.malformed.is_none() && self.repeated.is_empty() && self.unknown.is_empty()
    }
}

/// Typed facts a handler attaches to its answer (in the response's extensions) for the
/// journal; the judge reads these, never the display notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// The scripted fault that struck the exchange.
    pub fault: Option<StruckFault>,
    /// The terminal a Cloud request acted on (after authentication).
    pub tid: Option<String>,
    /// A deep link's problems.
    pub link: Option<LinkCheck>,
    /// What the request tried that only payterm itself may do.
    pub tamper: Option<Tamper>,
}

/// A request that tried to do what only payterm itself may: set a stamp, or drive the World
/// from outside the protocol surfaces. Judged by `RUN-INTEGRITY`; the request itself is
/// answered as any other (the header ignored, the route unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// It carried headers named `x-payterm-…` (lower-cased), which payterm reads from no
    /// client: the judge's times are taken at payterm's own socket.
    PaytermHeaders(Vec<String>),
    /// It asked the integration's port for a route of the control API (`/reset`,
    /// `/clock/advance`, …), which is never served there.
    ControlRoute,
}

impl Tamper {
    /// What was tried, in words.
    pub fn describe(&self) -> String {
        match self {
            Tamper::PaytermHeaders(names) => {
                format!("sent {} (payterm takes no stamp or fact from an integration)", names.join(", "))
            }
            Tamper::ControlRoute => "asked for a control-API route, which only payterm itself may drive".to_owned(),
        }
    }
}

impl Annotations {
    /// Adds what `other` says to what is already known.
    pub fn merge(&mut self, other: Annotations) {
        self.fault = other.fault.or(self.fault.take());
        self.tid = other.tid.or(self.tid.take());
        self.link = other.link.or(self.link.take());
        self.tamper = other.tamper.or(self.tamper.take());
    }

    /// Attaches these facts to `reply`, beside any it carries already.
    pub fn attach(self, reply: &mut crate::http::Reply) {
        match reply.extensions_mut().get_mut::<Annotations>() {
            Some(existing) => existing.merge(self),
            None => {
                reply.extensions_mut().insert(self);
            }
        }
    }
}

/// One request and its answer.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    /// Which surface answered (`cloud`, `app2app`, `initiator`, `control`).
    pub surface: crate::record::route::Door,
    /// The method.
    #[serde(serialize_with = "method_text")]
    pub method: http::Method,
    /// Path and query.
    pub target: String,
    /// The status answered (0: no answer, the request was held until the client gave up).
    pub status: u16,
    /// When it was sent, read and answered.
    #[serde(skip)]
    pub stamps: Stamps,
    /// The virtual `Retry-After` the answer carried (`X-Payterm-Retry-After-Virtual`).
    #[serde(skip)]
    pub retry_after: Option<VirtualDuration>,
    /// What the request asked, classified at the front door.
    #[serde(skip)]
    pub route: crate::record::route::Call,
    /// Typed facts from the handler.
    #[serde(skip)]
    pub annotations: Annotations,
    /// Notes for people (a scripted fault, a duplicated deep-link parameter): a view of the
    /// annotations and of what the handler said, never read by the judge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The request body, shown as text.
    #[serde(skip_serializing_if = "Body::is_empty")]
    pub request: Body,
    /// The answer body, shown as text.
    #[serde(skip_serializing_if = "Body::is_empty")]
    pub response: Body,
}

impl Exchange {
    /// The status answered, in words: the code, or `no answer` for a request held until the
    /// client gave up.
    pub fn status_text(&self) -> String {
        if self.status == 0 { "no answer".to_owned() } else { self.status.to_string() }
    }

    /// An exchange with no bodies, notes or annotations, read and answered at `at`.
    pub fn new(
        surface: crate::record::route::Door,
        method: http::Method,
        target: impl Into<String>,
        status: u16,
    ) -> Self {
        Exchange {
            surface,
            method,
            target: target.into(),
            status,
            stamps: Stamps::at(VirtualTime::DEFAULT_START),
            retry_after: None,
            route: crate::record::route::Call::Other,
            annotations: Annotations::default(),
            notes: Vec::new(),
            request: Body::default(),
            response: Body::default(),
        }
    }
}

fn method_text<S: serde::Serializer>(m: &http::Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// A body kept by the journal: shared bytes (no copy on the hot path), cut past the journal's
/// limit (a long-running server keeps 4 KiB; a run keeps it whole), shown as (lossy) UTF-8.
#[derive(Clone, Debug, Default)]
pub struct Body {
    bytes: bytes::Bytes,
    cut: usize,
}

impl Body {
    /// A body of `bytes`, cut past `keep` bytes: past the limit the kept part is copied, so a
    /// bounded journal never pins large buffers.
    pub fn keep(bytes: &bytes::Bytes, keep: usize) -> Self {
        if bytes.len() <= keep {
            return Body { bytes: bytes.clone(), cut: 0 };
        }
        Body { bytes: bytes::Bytes::copy_from_slice(&bytes[..keep]), cut: bytes.len() - keep }
    }

    /// Whether there is no body.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether bytes were cut off.
    pub fn is_cut(&self) -> bool {
        self.cut > 0
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The body as JSON, if it is whole and parses.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.is_cut() {
            return None;
        }
        serde_json::from_slice(&self.bytes).ok()
    }

    /// The body as text, with a note where it was cut.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.cut > 0 {
            text.push_str(&format!("… [{} more bytes]", self.cut));
        }
        text
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// A body for a journal that keeps 4 KiB of each (`payterm serve`'s).
pub fn body_text(bytes: &bytes::Bytes) -> Body {
    Body::keep(bytes, super::store::BODY_KEEP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_and_whole_ones_parse() {
        let long = bytes::Bytes::from(vec![b'a'; 5000]);
        assert!(body_text(&long).text().ends_with("[904 more bytes]"));
        assert_eq!(body_text(&long).json(), None);
        let whole = Body::keep(&bytes::Bytes::from_static(b"{\"a\": 1}"), usize::MAX);
        assert_eq!(whole.json(), Some(serde_json::json!({"a": 1})));
    }
}
