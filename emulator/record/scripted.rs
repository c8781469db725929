//! What a scenario's script does to a surface, as the surfaces and the journal know it: the
//! fault that strikes a request ([`FaultKind`], [`When`], [`Strike`]), the answer that replaces
//! an initiator status ([`StatusAnswer`]) or a deep link's ([`LinkOverride`]), and the header
//! carrying a virtual `Retry-After`. The scenario file names them; the script decides them.

use crate::time::VirtualDuration;
use crate::world::invoice::InvoiceStatus;

/// The header carrying a `Retry-After` in virtual seconds (the standard one carries real ones).
pub const RETRY_AFTER_VIRTUAL: &str = "x-payterm-retry-after-virtual";

/// An initiator fault answered instead of a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitiatorFault {
    /// `unspecified`.
    Unspecified,
    /// `server_error`.
    ServerError,
    /// `bad_signature`.
    BadSignature,
    /// `user_disabled`.
    UserDisabled,
    /// `resource_not_found`.
    ResourceNotFound,
}

impl InitiatorFault {
    /// Every fault.
    pub const ALL: [InitiatorFault; 5] = [
        InitiatorFault::Unspecified,
        InitiatorFault::ServerError,
        InitiatorFault::BadSignature,
        InitiatorFault::UserDisabled,
        InitiatorFault::ResourceNotFound,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InitiatorFault::Unspecified => "unspecified",
            InitiatorFault::ServerError => "server_error",
            InitiatorFault::BadSignature => "bad_signature",
            InitiatorFault::UserDisabled => "user_disabled",
            InitiatorFault::ResourceNotFound => "resource_not_found",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<InitiatorFault> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

impl std::fmt::Display for InitiatorFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a status step answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAnswer {
    /// A status.
    Status(InvoiceStatus),
    /// A fault.
    Fault(InitiatorFault),
}

/// Whether a fault strikes before or after the emulator acts on the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Nothing happened.
    BeforeActing,
    /// It happened; the answer is lost.
    AfterActing,
}

/// A fault on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// An HTTP status with an optional `Retry-After`.
    Status {
        /// The status code.
        code: u16,
        /// The `Retry-After`.
        retry_after: Option<VirtualDuration>,
    },
    /// The TCP connection is reset.
    Reset,
    /// The connection is held open with no answer.
    Hang,
    /// Fewer body bytes than `Content-Length` promises.
    Truncate,
    /// A body that is not JSON.
    MalformedJson,
    /// The answer trickles out over this long.
    SlowDrip(VirtualDuration),
    /// The answer comes this late.
    Delay(VirtualDuration),
}

/// A deep-link status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// `CANCELLED`.
    Cancelled,
    /// `ERROR`.
    Error,
}

/// A deep-link answer replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkOverride {
    /// The order.
    pub order: String,
    /// The status.
    pub status: LinkStatus,
    /// The error reason.
    pub error: Option<String>,
    /// The refusal category.
    pub code: Option<String>,
    /// Which link of the order (1-based).
    pub nth: u32,
}

/// A fault that strikes a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strike {
    /// What happens.
    pub kind: FaultKind,
    /// Before or after the emulator acts.
    pub when: When,
    /// Which fault of the script (0-based), for the transcript.
    pub index: usize,
}
