//! Moving the World to a scripted step: a held task to its state ([`drive_task`]), an invoice
//! forward through the customer's actions ([`drive_invoice`]), and the one case no action can
//! reach, a status the completed payment has already passed ([`passed`]).

use crate::scenario::model::TaskStep;
use crate::world::ids::TaskId;
use crate::world::invoice::{CustomerAction, InvoiceStatus};
use crate::world::task::TaskState;
use crate::world::{ScriptedEnd, World};

/// Moves a held task to the step's state.
pub(super) fn drive_task(world: &mut World, id: &TaskId, step: &TaskStep) {
    let moved = match step.state {
        TaskState::Queued => Ok(()),
        TaskState::InProgress => world.force_start(id),
        state => world.force_finish(
            id,
            ScriptedEnd { state, outcome: step.outcome, result: step.result, captured: step.captured },
        ),
    };
    known(moved);
}

/// The script moves only tasks the World told it of: an unknown one is payterm's own bug,
/// loud in its tests; a run goes on (the integration is not failed for it).
pub(super) fn known(moved: Result<(), crate::world::TaskRefusal>) {
    debug_assert!(moved.is_ok(), "the script moved a task the World does not have: {moved:?}");
}

/// Moves an invoice forward to `status` through the customer's actions; statuses the
/// customer cannot produce (`undeterminable`, `unexpected`) leave the World as it is.
pub(super) fn drive_invoice(world: &mut World, identifier: &str, status: InvoiceStatus) {
    use CustomerAction::*;
    let path: &[CustomerAction] = match status {
        InvoiceStatus::Reached => &[Open],
        InvoiceStatus::PaymentInProcess => &[Open, Pay],
        InvoiceStatus::CompletedSuccess => &[Open, Pay, Succeed],
        InvoiceStatus::CompletedRefunded => &[Open, Pay, Succeed, Refund],
        InvoiceStatus::CompletedRejected => &[Reject],
        _ => &[],
    };
    for action in path {
        if world.invoice(identifier).is_some_and(|i| i.status == status) {
            break;
        }
        let _ = world.customer_act(identifier, *action);
    }
}

/// Whether answering `status` would contradict the ledger: the invoice's payment has
/// completed (captured, refunded or rejected, by the customer plan) in another status, which
/// no customer action undoes. `undeterminable` and `unexpected` say nothing about the payment.
pub(super) fn passed(shown: InvoiceStatus, status: InvoiceStatus) -> bool {
    use InvoiceStatus::*;
    let completed = matches!(shown, CompletedSuccess | CompletedRefunded | CompletedRejected);
    completed && shown != status && !matches!(status, Undeterminable | Unexpected)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use InvoiceStatus::*;

    #[rstest]
    #[case::created_after_a_capture_is_passed(CompletedSuccess, Created, true)]
    #[case::in_process_after_a_rejection_is_passed(CompletedRejected, PaymentInProcess, true)]
    #[case::success_after_a_refund_is_passed(CompletedRefunded, CompletedSuccess, true)]
    #[case::the_same_completion_is_not(CompletedSuccess, CompletedSuccess, false)]
    #[case::created_while_paying_claims_no_money(PaymentInProcess, Created, false)]
    #[case::unexpected_says_nothing_about_the_payment(CompletedSuccess, Unexpected, false)]
    #[case::undeterminable_says_nothing_either(CompletedRejected, Undeterminable, false)]
    fn a_status_is_passed_only_by_a_completed_payment(
        #[case] shown: InvoiceStatus,
        #[case] status: InvoiceStatus,
        #[case] expected: bool,
    ) {
        assert_eq!(passed(shown, status), expected);
    }
}
