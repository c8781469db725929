//! What happens inside the World, in order, with virtual timestamps: [`WorldEvent`]. The
//! transcript and the dashboard show these; the judge reads them.

use serde::Serialize;

use super::clock::VirtualTime;
use super::codes::CardOutcome;
use super::ids::{AmsId, TaskId, Tid};
use super::task::{CancelledBy, TaskState};

/// One transition of the World.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorldEvent {
    /// When, in virtual time.
    pub at: VirtualTime,
    /// What.
    #[serde(flatten)]
    pub kind: WorldEventKind,
}

/// The transitions the World reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WorldEventKind {
    /// A task joined a terminal's queue.
    TaskQueued {
        /// Terminal.
        tid: Tid,
        /// Task.
        task: TaskId,
        /// What it asks for (the judge attributes tasks to orders by it, whether or not the
        /// answer reached the client).
        #[serde(skip)]
        request: Box<super::task::TaskRequest>,
    },
    /// An assisted terminal's operator got a push notification about a new task.
    OperatorNotified {
        /// Terminal.
        tid: Tid,
        /// Task.
        task: TaskId,
    },
    /// A task changed state.
    TaskState {
        /// Terminal.
        tid: Tid,
        /// Task.
        task: TaskId,
        /// The new state.
        state: TaskState,
        /// Who cancelled it, for `CANCELLED`.
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<CancelledBy>,
        /// The transaction or batch it made, once there is one.
        #[serde(skip)]
        ams_id: Option<AmsId>,
    },
    /// A card sale waits for the card.
    WaitingForCard {
        /// Terminal.
        tid: Tid,
        /// Task.
        task: TaskId,
    },
    /// A card outcome was decided for a sale.
    CardRead {
        /// Terminal.
        tid: Tid,
        /// Transaction.
        ams_id: AmsId,
        /// Outcome.
        outcome: CardOutcome,
    },
    /// A transaction reached its result.
    TransactionResult {
        /// Terminal.
        tid: Tid,
        /// Transaction.
        ams_id: AmsId,
        /// ECR result code.
        result: i32,
    },
    /// A batch closed and the next opened.
    BatchClosed {
        /// Terminal.
        tid: Tid,
        /// The closed batch.
        ams_id: AmsId,
        /// Its number.
        batch_number: u32,
        /// Its totals over every method, as the close computed them.
        #[serde(skip)]
        totals: super::batch::Totals,
    },
    /// An invoice was issued.
    InvoiceIssued {
        /// The service's identifier.
        identifier: String,
        /// The integrator's invoice id.
        invoice: String,
        /// The store.
        store: String,
    },
    /// An invoice's status changed.
    InvoiceStatus {
        /// The invoice.
        identifier: String,
        /// The new status.
        status: super::invoice::InvoiceStatus,
        /// The customer's action that moved it; none when a script set it.
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<super::invoice::CustomerAction>,
    },
    /// The integration handed an invoice's gateway URI to the customer.
    UriPresented {
        /// The invoice.
        identifier: String,
        /// Its status at that moment.
        status: super::invoice::InvoiceStatus,
    },
    /// A terminal's mode changed.
    ModeChanged {
        /// Terminal.
        tid: Tid,
        /// The new mode.
        mode: super::terminal::TerminalMode,
    },
}
