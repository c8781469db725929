//! What happens inside the World, in order, with virtual timestamps: [`WorldEvent`]. The
//! transcript and the dashboard show these; the judge reads them.

use serde::Serialize;

use super::codes::CardOutcome;
use super::ids::{AmsId, TaskId, Tid};
use super::task::{CancelledBy, TaskState};
use crate::time::VirtualTime;

/// Who hands a deep link's receipt to the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptHandler {
    /// The GP tom app (`printByPaymentApp=true`, the default).
    PaymentApp,
    /// The integration that opened the link (`printByPaymentApp=false`).
    Integration,
}

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
    /// A close batch failed: the authorisation host's totals differ from the terminal's, and
    /// the batch stays open.
    BatchCloseFailed {
        /// Terminal.
        tid: Tid,
        /// The batch that stays open.
        batch_number: u32,
        /// The terminal's total amount, minor units.
        terminal_total: i64,
        /// The host's.
        host_total: i64,
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
    /// A deep link's receipt (or batch report) was handed over: by the GP tom app once the
    /// customer chose how, or left to the integration (`printByPaymentApp=false`).
    ReceiptHandover {
        /// Terminal.
        tid: Tid,
        /// The transaction or closed batch the receipt is of.
        ams_id: AmsId,
        /// Who hands it to the customer.
        by: ReceiptHandler,
        /// How GP tom handed it over, when it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt_type: Option<super::task::ReceiptType>,
    },
    /// A terminal's mode changed.
    ModeChanged {
        /// Terminal.
        tid: Tid,
        /// The new mode.
        mode: super::terminal::TerminalMode,
    },
}
