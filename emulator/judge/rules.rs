//! Each rule of the catalogue ([`crate::record::rules`]) paired with the code that decides it:
//! [`check`] gives a rule's judgement; a test keeps the two tables in step, row for row.

pub use crate::record::rules::{Judged, RULES, Rule, RuleArea, TIMING, find};

use super::facts::Facts;
use super::verdict::Verdict;
use super::{as_ordered, cloud, initiator, integrity, links, liveness, money, rate, statuses, tokens, voids};

/// How a rule is decided: every verdict it gives one run, from the run's typed facts (one
/// per order it applies to, or one for the whole scenario; `not_exercised` when nothing in
/// the run tested it, saying what never happened).
pub type JudgeFn = fn(&Facts) -> Vec<Verdict>;

/// The check of every rule, in the catalogue's order.
const CHECKS: &[(&str, JudgeFn)] = &[
    ("HYPE-UNDETERMINABLE", initiator::undeterminable),
    ("HYPE-CREATED", initiator::created),
    ("HYPE-REACHED", initiator::reached),
    ("HYPE-IN-PROCESS", statuses::in_process),
    ("HYPE-SUCCESS", statuses::success),
    ("HYPE-REFUNDED", statuses::refunded),
    ("HYPE-REJECTED", statuses::rejected),
    ("HYPE-UNEXPECTED", initiator::unexpected),
    ("HYPE-NO-JSON", initiator::no_json),
    ("HYPE-F-UNSPECIFIED", initiator::unspecified),
    ("HYPE-F-SERVER-ERROR", initiator::server_error),
    ("HYPE-F-BAD-SIGNATURE", initiator::bad_signature),
    ("HYPE-F-USER-DISABLED", initiator::user_disabled),
    ("HYPE-F-NOT-FOUND", initiator::not_found),
    ("HYPE-SKIP-FLAGGED", statuses::skip_flagged),
    ("CLOUD-TASK-NOT-PAYMENT", cloud::task_not_payment),
    ("CLOUD-POLL-UNTIL-FINAL", cloud::poll_until_final),
    ("CLOUD-TOKEN-REUSE", tokens::token_reuse),
    ("CLOUD-NO-DUPLICATE-SALE", cloud::no_duplicate_sale),
    ("CLOUD-VOID-SAME-TID", voids::same_tid),
    ("CLOUD-VOID-93-DAYS", voids::within_93_days),
    ("CLOUD-BATCH-TOTALS", cloud::batch_totals),
    ("CLOUD-QUEUE-PARALLEL", cloud::queue_parallel),
    ("LINK-PARAMS-VALID", links::params_valid),
    ("LINK-STATUS-HANDLED", links::status_handled),
    ("LINK-RECEIPT-CHOICE", links::receipt_choice),
    ("MONEY-NO-DOUBLE-CHARGE", money::no_double_charge),
    ("MONEY-AS-ORDERED", as_ordered::as_ordered),
    ("MONEY-NO-LOST-PAYMENT", money::no_lost_payment),
    ("MONEY-TRUTHFUL-OUTCOME", money::truthful_outcome),
    ("LIVENESS-OUTCOME", liveness::liveness),
    ("RATE-NO-STORM", rate::no_storm),
    ("RUN-INTEGRITY", integrity::integrity),
    ("RUN-BOUNDS", integrity::bounds),
];

/// The check deciding `rule`.
pub fn check(rule: &Rule) -> JudgeFn {
    match CHECKS.iter().find(|(id, _)| *id == rule.id) {
        Some((_, judge)) => *judge,
        // Unreachable: the test below pairs every catalogue row with a check.
        None => panic!("rule {} has no check", rule.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_exactly_one_check_in_the_catalogues_order() {
        let rules: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let checks: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
        assert_eq!(rules, checks);
    }
}
