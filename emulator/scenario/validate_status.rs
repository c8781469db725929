//! Validation of how an invoice's `[[script.status]]` steps fit the payment: no step waits for
//! a customer the script itself leaves out, and no step answers a status behind a payment an
//! earlier step has completed, which would contradict the ledger.

use std::collections::HashMap;
use std::ops::Range;

use super::model::{CustomerEvent, Hold, StatusAnswer, StatusStep};
use super::validate::Validator;
use crate::world::invoice::InvoiceStatus;

/// How an earlier step of the order has completed the payment.
#[derive(Clone, Copy)]
enum Completed {
    /// It answered this completed status (the script moved the money).
    Status(InvoiceStatus),
    /// It waited for the customer to complete.
    ByCustomer,
}

/// Whether answering `status` after `done` contradicts the ledger: the payment has completed,
/// and statuses only move forward (created → reached → payment_in_process →
/// completed_success → completed_refunded, or completed_rejected). `undeterminable` and
/// `unexpected` say nothing about the payment.
fn behind(done: Completed, status: InvoiceStatus) -> bool {
    use InvoiceStatus::*;
    match (done, status) {
        (_, Undeterminable | Unexpected) => false,
        (Completed::ByCustomer, s) => matches!(s, Created | Reached | PaymentInProcess),
        (Completed::Status(CompletedSuccess), s) => !matches!(s, CompletedSuccess | CompletedRefunded),
        (Completed::Status(done), s) => s != done,
    }
}

impl Validator<'_> {
    pub(super) fn status_steps_agree(&mut self, steps: &[(StatusStep, Range<usize>)]) {
        // The customer plan leaves the ending to a script that scripts it: a step waiting for
        // the customer to complete would then wait for ever.
        for (i, (step, span)) in steps.iter().enumerate() {
            let scripted_end = steps[i + 1..].iter().any(|(later, _)| {
                later.order == step.order
                    && matches!(
                        later.answer,
                        StatusAnswer::Status(InvoiceStatus::CompletedSuccess | InvoiceStatus::CompletedRejected)
                    )
            });
            if step.hold == Hold::Until(CustomerEvent::Completes) && scripted_end {
                self.err(
                    span.clone(),
                    format!("this step of order `{}` waits for the customer to complete, but a later step completes the payment itself, so the customer never does", step.order),
                    "waits for ever",
                    Some("hold it for a span (`hold = \"30s\"`) or a number of `polls` instead".into()),
                );
            }
        }
        // Once the payment is complete, a status behind it would claim money the ledger does
        // not show (or hide money it does): the engine never answers it.
        let mut completed: HashMap<&str, (Completed, String)> = HashMap::new();
        for (step, span) in steps {
            let order = step.order.as_str();
            if let (Some((done, how)), StatusAnswer::Status(status)) = (completed.get(order), step.answer)
                && behind(*done, status)
            {
                let status = status.as_str();
                self.err(
                    span.clone(),
                    format!("this step of order `{order}` answers `{status}` after {how}, so the payment is complete by then and `{status}` would contradict the ledger"),
                    "behind the payment",
                    Some("statuses only move forward: created → reached → payment_in_process → completed_success → completed_refunded (or completed_rejected); move this step before the completion, or remove it".into()),
                );
            }
            let done = match (step.answer, step.hold) {
                (StatusAnswer::Status(s), _)
                    if matches!(
                        s,
                        InvoiceStatus::CompletedSuccess
                            | InvoiceStatus::CompletedRejected
                            | InvoiceStatus::CompletedRefunded
                    ) =>
                {
                    Some((Completed::Status(s), format!("an earlier step answers `{}`", s.as_str())))
                }
                (_, Hold::Until(CustomerEvent::Completes)) => {
                    Some((Completed::ByCustomer, "an earlier step waits for the customer to complete".to_owned()))
                }
                _ => None,
            };
            if let Some(done) = done {
                // A refund after success moves the payment on; the first completion is kept
                // otherwise, so a second one is judged against it.
                let refund = matches!(done.0, Completed::Status(InvoiceStatus::CompletedRefunded));
                if refund || !completed.contains_key(order) {
                    completed.insert(order, done);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use InvoiceStatus::*;

    #[rstest]
    #[case::created_after_success_is_behind(Completed::Status(CompletedSuccess), Created, true)]
    #[case::rejected_after_success_is_behind(Completed::Status(CompletedSuccess), CompletedRejected, true)]
    #[case::refunded_after_success_moves_on(Completed::Status(CompletedSuccess), CompletedRefunded, false)]
    #[case::success_after_refund_is_behind(Completed::Status(CompletedRefunded), CompletedSuccess, true)]
    #[case::success_after_rejection_is_behind(Completed::Status(CompletedRejected), CompletedSuccess, true)]
    #[case::in_process_after_the_customer_completed_is_behind(Completed::ByCustomer, PaymentInProcess, true)]
    #[case::a_completion_after_the_customer_completed_is_judged_by_the_plan(
        Completed::ByCustomer,
        CompletedRefunded,
        false
    )]
    #[case::unexpected_claims_nothing(Completed::Status(CompletedSuccess), Unexpected, false)]
    fn a_status_is_behind_a_completed_payment_only_where_it_moves_back(
        #[case] done: Completed,
        #[case] status: InvoiceStatus,
        #[case] expected: bool,
    ) {
        assert_eq!(behind(done, status), expected);
    }
}
