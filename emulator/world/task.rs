//! Cloud API tasks and their state machine: [`Task`], [`TaskState`] and the pure
//! [`next_state`] transition function.
//!
//! ```text
//!            start              complete
//!  QUEUED ──────────▶ IN_PROGRESS ──────────▶ COMPLETED
//!    │                    │
//!    │ cancel             │ fail
//!    ▼                    ▼
//!  CANCELLED            FAILED
//! ```

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::{PaymentMethod, TaskErrorCode};
use super::ids::{AmsId, TaskId, Tid};
use super::money::Currency;
use crate::time::VirtualTime;

/// Where a task stands. Only `COMPLETED`, `FAILED` and `CANCELLED` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    /// Waiting in the terminal's queue.
    Queued,
    /// Running on the terminal.
    InProgress,
    /// Ran to its end; the transaction inside may still be declined.
    Completed,
    /// The terminal could not run it to its end.
    Failed,
    /// Withdrawn through the API or rejected by the operator before it started.
    Cancelled,
}

impl TaskState {
    /// Whether no further transition can happen.
    pub fn is_final(self) -> bool {
        matches!(self, TaskState::Completed | TaskState::Failed | TaskState::Cancelled)
    }

    /// The wire name, e.g. `"IN_PROGRESS"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "QUEUED",
            TaskState::InProgress => "IN_PROGRESS",
            TaskState::Completed => "COMPLETED",
            TaskState::Failed => "FAILED",
            TaskState::Cancelled => "CANCELLED",
        }
    }

    /// Every state.
    pub const ALL: [TaskState; 5] =
        [TaskState::Queued, TaskState::InProgress, TaskState::Completed, TaskState::Failed, TaskState::Cancelled];

    /// Reads a wire name, ignoring case.
    pub fn parse(text: &str) -> Option<TaskState> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// Something that happens to a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEvent {
    /// The terminal begins it.
    Start,
    /// It ran to its end.
    Complete,
    /// It broke off.
    Fail,
    /// It was withdrawn or rejected.
    Cancel,
}

/// A transition the state machine does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("task in state {} cannot take event {event:?}", state.as_str())]
pub struct InvalidTransition {
    /// The state the task was in.
    pub state: TaskState,
    /// The event that does not apply to it.
    pub event: TaskEvent,
}

/// The task state machine: the state after `event`, or why `event` cannot happen now.
pub fn next_state(state: TaskState, event: TaskEvent) -> Result<TaskState, InvalidTransition> {
    use TaskEvent::*;
    use TaskState::*;
    match (state, event) {
        (Queued, Start) => Ok(InProgress),
        (Queued, Cancel) => Ok(Cancelled),
        (InProgress, Complete) => Ok(Completed),
        (InProgress, Fail) => Ok(Failed),
        _ => Err(InvalidTransition { state, event }),
    }
}

/// What kind of task, in the API's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskType {
    /// A sale or a void.
    Transaction,
    /// A close batch.
    Batch,
}

/// How the customer would like the receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReceiptType {
    /// By text message.
    Sms,
    /// By e-mail.
    Email,
    /// As a QR code on the screen.
    Qr,
    /// On paper.
    Print,
}

impl ReceiptType {
    /// The wire name, upper case as the vendor's SDK sends it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptType::Sms => "SMS",
            ReceiptType::Email => "EMAIL",
            ReceiptType::Qr => "QR",
            ReceiptType::Print => "PRINT",
        }
    }

    /// Reads a wire name, ignoring case (the deep links accept `qr` and `QR`). `PHONE` is
    /// `SMS`: seed 001's own list of values spells it so.
    pub fn parse(text: &str) -> Option<ReceiptType> {
        match text.to_ascii_uppercase().as_str() {
            "SMS" | "PHONE" => Some(ReceiptType::Sms),
            "EMAIL" => Some(ReceiptType::Email),
            "QR" => Some(ReceiptType::Qr),
            "PRINT" => Some(ReceiptType::Print),
            _ => None,
        }
    }
}

/// The customer's contact for the receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInfo {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number, e.g. `+420606505404`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Options every task carries about the receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptOptions {
    /// Whether the payment app hands over the receipt (the default) or the caller does.
    pub print_by_payment_app: Option<bool>,
    /// The preselected receipt channel.
    pub preferable_receipt_type: Option<ReceiptType>,
    /// The customer's contact.
    pub client_info: Option<ClientInfo>,
}

/// A sale as requested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRequest {
    /// Amount in minor units, without the tip.
    pub amount: u64,
    /// Currency; must be the terminal's.
    pub currency: Currency,
    /// How the customer pays.
    pub method: PaymentMethod,
    /// A tip added by the cashier, in minor units.
    pub tip_amount: Option<u64>,
    /// Ask the customer for a tip on the device.
    pub tip_collect: Option<bool>,
    /// The integrator's order reference (`originReferenceNum`).
    pub reference: Option<String>,
    /// Receipt options.
    pub receipt: ReceiptOptions,
}

/// A void as requested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoidRequest {
    /// The sale to void.
    pub origin: AmsId,
    /// Currency named in the request.
    pub currency: Currency,
    /// Amount named in the request, if any (informational: a void returns the whole sale).
    pub amount: Option<u64>,
    /// The integrator's reference.
    pub reference: Option<String>,
    /// Receipt options.
    pub receipt: ReceiptOptions,
}

/// A close batch as requested.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloseBatchRequest {
    /// The integrator's reference.
    pub reference: Option<String>,
    /// Receipt options.
    pub receipt: ReceiptOptions,
}

/// What a task asks the terminal to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskRequest {
    /// Charge the customer.
    Sale(SaleRequest),
    /// Void an earlier sale.
    Void(VoidRequest),
    /// Close the open batch.
    CloseBatch(CloseBatchRequest),
}

impl TaskRequest {
    /// The API's task type.
    pub fn task_type(&self) -> TaskType {
        match self {
            TaskRequest::Sale(_) | TaskRequest::Void(_) => TaskType::Transaction,
            TaskRequest::CloseBatch(_) => TaskType::Batch,
        }
    }

    /// The integrator's reference, if the request carried one.
    pub fn reference(&self) -> Option<&str> {
        match self {
            TaskRequest::Sale(s) => s.reference.as_deref(),
            TaskRequest::Void(v) => v.reference.as_deref(),
            TaskRequest::CloseBatch(b) => b.reference.as_deref(),
        }
    }
}

/// Why a task failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError {
    /// The numbered code.
    pub code: TaskErrorCode,
    /// A sentence for people.
    pub message: String,
}

/// Who cancelled a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    /// The integration withdrew it (`DELETE /v1/tasks/{id}`).
    Api,
    /// The operator rejected it on the device.
    Operator,
}

/// A task queued on a terminal.
#[derive(Clone, Debug)]
pub struct Task {
    /// Its id.
    pub id: TaskId,
    /// The terminal it runs on.
    pub tid: Tid,
    /// What it asks for.
    pub request: TaskRequest,
    /// Where it stands.
    pub state: TaskState,
    /// When it was created.
    pub created: VirtualTime,
    /// When its state last changed.
    pub updated: VirtualTime,
    /// The transaction or batch it produced, once that exists.
    pub ams_id: Option<AmsId>,
    /// Why it failed, when `FAILED`.
    pub error: Option<TaskError>,
    /// Who cancelled it, when `CANCELLED`.
    pub cancelled_by: Option<CancelledBy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskEvent::*;
    use TaskState::*;
    use rstest::rstest;

    #[rstest]
    #[case::queued_task_starts(Queued, Start, InProgress)]
    #[case::queued_task_is_cancelled(Queued, Cancel, Cancelled)]
    #[case::running_task_completes(InProgress, Complete, Completed)]
    #[case::running_task_fails(InProgress, Fail, Failed)]
    fn allowed_transitions(#[case] from: TaskState, #[case] event: TaskEvent, #[case] to: TaskState) {
        assert_eq!(next_state(from, event), Ok(to));
    }

    #[rstest]
    #[case::queued_task_cannot_complete_without_running(Queued, Complete)]
    #[case::queued_task_cannot_fail_without_running(Queued, Fail)]
    #[case::running_task_cannot_be_withdrawn(InProgress, Cancel)]
    #[case::running_task_cannot_start_twice(InProgress, Start)]
    #[case::completed_is_final_for_start(Completed, Start)]
    #[case::completed_is_final_for_cancel(Completed, Cancel)]
    #[case::failed_is_final(Failed, Complete)]
    #[case::cancelled_is_final(Cancelled, Start)]
    fn refused_transitions(#[case] from: TaskState, #[case] event: TaskEvent) {
        assert_eq!(next_state(from, event), Err(InvalidTransition { state: from, event }));
    }

    #[rstest]
    #[case::queued(Queued, false)]
    #[case::in_progress(InProgress, false)]
    #[case::completed(Completed, true)]
    #[case::failed(Failed, true)]
    #[case::cancelled(Cancelled, true)]
    fn final_states(#[case] state: TaskState, #[case] is_final: bool) {
        assert_eq!(state.is_final(), is_final);
    }
}
