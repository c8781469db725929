//! The validated scenario: every reference resolved, every duration and amount typed, every
//! default filled in. [`Scenario`] is what the script engine and the runner take.

use crate::record::rules::Rule;
pub use crate::record::scripted::{FaultKind, InitiatorFault, LinkOverride, LinkStatus, StatusAnswer, When};
use crate::time::VirtualDuration;
use crate::world::codes::{CardOutcome, PaymentMethod};
use crate::world::ids::Tid;
use crate::world::ledger::Surface;
use crate::world::money::Currency;
use crate::world::task::TaskState;
use crate::world::terminal::TerminalConfig;

/// A scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The format version (1).
    pub version: u32,
    /// What it shows.
    pub name: String,
    /// More words.
    pub description: Option<String>,
    /// The surfaces it exercises.
    pub surfaces: Vec<Surface>,
    /// The rules it targets.
    pub rules: Vec<&'static Rule>,
    /// Its own seed, if it fixes one.
    pub seed: Option<u64>,
    /// Timing limits.
    pub timing: Timing,
    /// The smallest time scale it runs at, if it needs finer timing than the default gives.
    pub min_time_scale: Option<f64>,
    /// Labels.
    pub tags: Vec<String>,
    /// The terminals (at least one; deep links act on the first).
    pub terminals: Vec<TerminalConfig>,
    /// Terminals whose authorisation host holds another sum than they do (minor units): every
    /// close batch on them fails.
    pub host_totals: Vec<(Tid, i64)>,
    /// Initiator stores.
    pub stores: Vec<StoreSetup>,
    /// Earlier sales.
    pub history: Vec<HistorySale>,
    /// The orders, in the order given.
    pub orders: Vec<Order>,
    /// The virtual customer.
    pub customer: CustomerPlan,
    /// What the emulated side does.
    pub script: Script,
}

/// Timing limits, all virtual.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Default deadline per order.
    pub deadline: VirtualDuration,
    /// The longest "later" may be.
    pub patience: VirtualDuration,
    /// The fastest allowed polling.
    pub min_poll_interval: VirtualDuration,
}

/// An initiator store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSetup {
    /// Its name.
    pub name: String,
    /// Starts disabled.
    pub disabled: bool,
    /// The harness's key is enrolled for it.
    pub enrolled: bool,
    /// The user of the harness's key is a member of the store's operator group.
    pub operator: bool,
}

/// Whether a history sale is still in the open batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryBatch {
    /// Still open.
    Open,
    /// In a batch closed since.
    Closed,
}

/// An earlier approved sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistorySale {
    /// Terminal.
    pub tid: Tid,
    /// Minor units.
    pub amount: u64,
    /// Method.
    pub method: PaymentMethod,
    /// Its AMS id, if fixed.
    pub ams_id: Option<String>,
    /// Offset from the start (negative).
    pub at: VirtualDuration,
    /// Order reference.
    pub reference: Option<String>,
    /// Open or closed batch.
    pub batch: HistoryBatch,
}

/// What an order asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Charge the customer.
    Sale,
    /// Void an earlier sale.
    Void,
    /// Close the batch.
    CloseBatch,
    /// Issue an invoice through the initiator.
    Invoice,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 4] = [Operation::Sale, Operation::Void, Operation::CloseBatch, Operation::Invoice];

    /// The wire name, as in the driver contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Sale => "sale",
            Operation::Void => "void",
            Operation::CloseBatch => "close_batch",
            Operation::Invoice => "invoice",
        }
    }
}

/// What a void order voids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoidTarget {
    /// A fixed AMS id (a history sale's).
    AmsId(String),
    /// The payment of an earlier sale order.
    Order(String),
}

/// One order given to the integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Unique id.
    pub id: String,
    /// What it asks for.
    pub operation: Operation,
    /// Through which surface.
    pub surface: Surface,
    /// On which terminal.
    pub tid: Tid,
    /// Minor units (sales and invoices).
    pub amount: Option<u64>,
    /// A tip.
    pub tip: Option<u64>,
    /// Currency.
    pub currency: Currency,
    /// Payment method of a sale.
    pub method: PaymentMethod,
    /// The reference passed on every surface.
    pub reference: String,
    /// What a void voids.
    pub void_target: Option<VoidTarget>,
    /// When it is given.
    pub at: VirtualDuration,
    /// Its deadline.
    pub deadline: VirtualDuration,
    /// Deep links: who hands over the receipt.
    pub print_by_payment_app: Option<bool>,
}

/// How a customer's payment ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// It succeeds.
    Success,
    /// The customer rejects it.
    Reject,
    /// It never ends.
    Never,
}

/// The virtual customer's behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerPlan {
    /// Opens the URI this long after it is presented; `None` never opens.
    pub opens_after: Option<VirtualDuration>,
    /// Starts paying this long after opening.
    pub pays_after: VirtualDuration,
    /// Completes this long after paying starts.
    pub completes_after: VirtualDuration,
    /// How it completes.
    pub completes: Completion,
    /// A refund this long after success.
    pub refunds_after: Option<VirtualDuration>,
    /// Each step waits until the integration has been answered the invoice's current status
    /// (then comes at its time or at that answer, whichever is later).
    pub waits_to_be_seen: bool,
}

impl Default for CustomerPlan {
    fn default() -> Self {
        CustomerPlan {
            opens_after: Some(VirtualDuration::secs(2)),
            pays_after: VirtualDuration::secs(5),
            completes_after: VirtualDuration::secs(10),
            completes: Completion::Success,
            refunds_after: None,
            waits_to_be_seen: false,
        }
    }
}

/// A customer event a step can wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerEvent {
    /// The customer opens the URI.
    Opens,
    /// The customer starts paying.
    Pays,
    /// The payment completes.
    Completes,
}

/// How long a step holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// For this many requests.
    Polls(u32),
    /// For this long.
    For(VirtualDuration),
    /// Until the customer does something.
    Until(CustomerEvent),
    /// For ever (the last step).
    Forever,
}

/// A step of an invoice's status timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusStep {
    /// The order.
    pub order: String,
    /// What is answered.
    pub answer: StatusAnswer,
    /// How long.
    pub hold: Hold,
}

/// A step of a Cloud task's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStep {
    /// The order.
    pub order: String,
    /// The state shown.
    pub state: TaskState,
    /// How long.
    pub hold: Hold,
    /// Card outcome of a final sale step.
    pub outcome: Option<CardOutcome>,
    /// ECR result override of a final step.
    pub result: Option<i32>,
    /// Money captured although the task failed.
    pub captured: bool,
}

/// A card outcome for the next sale on a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardStep {
    /// The terminal.
    pub tid: Tid,
    /// The outcome.
    pub outcome: CardOutcome,
    /// How long the reader takes.
    pub after: Option<VirtualDuration>,
}

/// A request pattern: a method and a path whose `*` segments match anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMatcher {
    /// The method, upper case.
    pub method: String,
    /// The path's segments.
    pub segments: Vec<String>,
}

impl RequestMatcher {
    /// Whether a request with `method` and `path` matches.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.method.eq_ignore_ascii_case(method)
            && parts.len() == self.segments.len()
            && self.segments.iter().zip(&parts).all(|(pattern, part)| pattern == "*" || pattern == part)
    }
}

/// A fault on matching requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpFault {
    /// Which requests.
    pub matcher: RequestMatcher,
    /// The first matching request struck (1-based).
    pub from: u32,
    /// How many are struck (`None`: every one from `from` on).
    pub times: Option<u32>,
    /// What happens.
    pub kind: FaultKind,
    /// Before or after acting.
    pub when: When,
}

/// An operator action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperatorActionKind {
    /// Pick the order's task (or the queue head).
    Pick(Option<String>),
    /// Reject the order's task.
    Reject(String),
    /// Present a card.
    Card(CardOutcome),
    /// Switch mode.
    Mode(crate::world::terminal::TerminalMode),
}

/// An operator action at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorAction {
    /// When.
    pub at: VirtualDuration,
    /// Terminal.
    pub tid: Tid,
    /// What.
    pub action: OperatorActionKind,
}

/// Everything the emulated side does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// Invoice status timelines.
    pub status: Vec<StatusStep>,
    /// Task timelines.
    pub tasks: Vec<TaskStep>,
    /// Card outcomes.
    pub cards: Vec<CardStep>,
    /// Request faults.
    pub http: Vec<HttpFault>,
    /// Deep-link overrides.
    pub links: Vec<LinkOverride>,
    /// Operator actions.
    pub operator: Vec<OperatorAction>,
    /// Clock jumps: (at, by).
    pub clock: Vec<(VirtualDuration, VirtualDuration)>,
    /// Token expiries.
    pub token_expiry: Vec<VirtualDuration>,
}
