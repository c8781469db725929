//! The rules of `spec/conformance.md` as one table of data: [`RULES`]. Each has a stable ID,
//! the spec row it comes from, and how the judge decides it; `payterm rules` prints it.

/// Which part of the spec a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleArea {
    /// Initiator statuses.
    InitiatorStatus,
    /// Initiator faults.
    InitiatorFault,
    /// Cloud API.
    Cloud,
    /// Deep links.
    Link,
    /// Money safety and liveness.
    Money,
}

impl RuleArea {
    /// The heading of the spec section.
    pub fn title(self) -> &'static str {
        match self {
            RuleArea::InitiatorStatus => "Initiator statuses",
            RuleArea::InitiatorFault => "Initiator faults",
            RuleArea::Cloud => "Cloud API",
            RuleArea::Link => "Deep links",
            RuleArea::Money => "Money safety",
        }
    }
}

/// One conformance rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Stable ID, e.g. `HYPE-IN-PROCESS`.
    pub id: &'static str,
    /// The spec section.
    pub area: RuleArea,
    /// The spec row it comes from, quoted.
    pub row: &'static str,
    /// How the judge decides it.
    pub judged_as: &'static str,
}

const fn rule(id: &'static str, area: RuleArea, row: &'static str, judged_as: &'static str) -> Rule {
    Rule { id, area, row, judged_as }
}

use RuleArea::*;

/// Every rule, in the order of conformance.md.
pub const RULES: &[Rule] = &[
    rule(
        "HYPE-UNDETERMINABLE",
        InitiatorStatus,
        "undeterminable → ask again later",
        "a later `status` for the same identifier follows; no final outcome reported on it",
    ),
    rule(
        "HYPE-CREATED",
        InitiatorStatus,
        "created → ask later; re-sending the URI is safe",
        "a later `status` follows; re-presenting the URI is allowed (warn if more often than the minimum poll interval)",
    ),
    rule("HYPE-REACHED", InitiatorStatus, "reached → same as created", "as HYPE-CREATED"),
    rule(
        "HYPE-IN-PROCESS",
        InitiatorStatus,
        "payment_in_process → later; unsafe to redistribute; a new transaction only if the first is still followed to its end",
        "fail on any present_uri of this transaction while it is in process; a first invoice must still be polled to a final status and reported",
    ),
    rule(
        "HYPE-SUCCESS",
        InitiatorStatus,
        "completed_success → paid, not final",
        "outcome `paid`; no second invoice for the same order afterwards",
    ),
    rule(
        "HYPE-REFUNDED",
        InitiatorStatus,
        "completed_refunded → final",
        "outcome `refunded`; no `status` for it afterwards",
    ),
    rule(
        "HYPE-REJECTED",
        InitiatorStatus,
        "completed_rejected → never paid; another transaction is safe",
        "outcome `not_paid` or a new invoice with a new invoice id; no `status` for it afterwards",
    ),
    rule(
        "HYPE-UNEXPECTED",
        InitiatorStatus,
        "unexpected → engineering problem",
        "a `flag` event of kind engineering; no paid/not_paid verdict drawn from it",
    ),
    rule(
        "HYPE-NO-JSON",
        InitiatorStatus,
        "fundamental failure → no valid JSON on stdout",
        "the integration does not crash or report a verdict from it; it tries again later",
    ),
    rule(
        "HYPE-F-UNSPECIFIED",
        InitiatorFault,
        "unspecified → try again later",
        "a later retry follows, respecting \"later\"",
    ),
    rule(
        "HYPE-F-SERVER-ERROR",
        InitiatorFault,
        "server_error → try again later",
        "a later retry follows, respecting \"later\"",
    ),
    rule(
        "HYPE-F-BAD-SIGNATURE",
        InitiatorFault,
        "bad_signature → do not repeat the request",
        "fail if the same request is sent again; a `flag` is expected",
    ),
    rule(
        "HYPE-F-USER-DISABLED",
        InitiatorFault,
        "user_disabled → administrative; stop",
        "no further requests to the service; `flag` administrative",
    ),
    rule(
        "HYPE-F-NOT-FOUND",
        InitiatorFault,
        "resource_not_found → engineering; the resource is gone",
        "no repeat of that request; `flag` engineering",
    ),
    rule(
        "HYPE-SKIP-FLAGGED",
        InitiatorFault,
        "flag and skip the faulty transaction, keep processing others",
        "in a multi-order scenario the other orders still reach their outcomes",
    ),
    rule(
        "CLOUD-TASK-NOT-PAYMENT",
        Cloud,
        "a task's state is not the payment's result",
        "after COMPLETED the result is fetched before an outcome is reported; a declined payment in a completed task is reported not_paid",
    ),
    rule(
        "CLOUD-POLL-UNTIL-FINAL",
        Cloud,
        "asynchronous flow: poll until final",
        "polls continue (respecting \"later\") until COMPLETED/FAILED/CANCELLED; none after",
    ),
    rule(
        "CLOUD-TOKEN-REUSE",
        Cloud,
        "a token lives for expires_in",
        "the token is reused across calls; on 401 for expiry the integration refreshes instead of logging in again",
    ),
    rule(
        "CLOUD-NO-DUPLICATE-SALE",
        Cloud,
        "parallel tasks are allowed, so a duplicate is the integrator's fault",
        "no second SALE task for the same order while the first is not final, unless withdrawn first",
    ),
    rule("CLOUD-VOID-SAME-TID", Cloud, "void on the TID of the sale", "no VOID task on another TID"),
    rule(
        "CLOUD-VOID-93-DAYS",
        Cloud,
        "void within 93 days; not for crypto",
        "one refused VOID is fine if reported not_voided; repeating a refused VOID fails",
    ),
    rule(
        "CLOUD-BATCH-TOTALS",
        Cloud,
        "close batch returns totals",
        "the reported batch outcome carries the totals the emulator returned",
    ),
    rule(
        "CLOUD-QUEUE-PARALLEL",
        Cloud,
        "many tasks in parallel for one terminal",
        "with several orders on one TID, each task is tracked by its own id to its own outcome",
    ),
    rule(
        "LINK-PARAMS-VALID",
        Link,
        "parameters and their formats",
        "every link the integration opens parses: mandatory present, enums valid, amounts numeric minor units",
    ),
    rule(
        "LINK-STATUS-HANDLED",
        Link,
        "COMPLETED / CANCELLED / ERROR",
        "CANCELLED and ERROR never become batch_closed/paid",
    ),
    rule(
        "LINK-RECEIPT-CHOICE",
        Link,
        "printByPaymentApp decides who hands over the receipt",
        "with printByPaymentApp=false the integration reports receipt_by: integration",
    ),
    rule(
        "MONEY-NO-DOUBLE-CHARGE",
        Money,
        "each order has at most one captured, un-voided, un-refunded payment",
        "judged against the ledger at the end of the scenario",
    ),
    rule(
        "MONEY-NO-LOST-PAYMENT",
        Money,
        "a captured payment is never reported not_paid",
        "judged against the ledger (unless the integration voided it)",
    ),
    rule(
        "MONEY-TRUTHFUL-OUTCOME",
        Money,
        "the last reported outcome equals the ledger's state for that order",
        "judged against the ledger at the moment of the report",
    ),
    rule(
        "LIVENESS-OUTCOME",
        Money,
        "every order gets an outcome by its deadline",
        "unknown is acceptable while the ledger is not final, or after the spec said stop",
    ),
    rule(
        "RATE-NO-STORM",
        Money,
        "no surface is polled faster than the minimum interval; intervals never shrink after repeated faults",
        "judged on the intervals between requests in virtual time",
    ),
];

/// The rule with `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_upper_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(RULES.iter().all(|r| r.id.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c.is_ascii_digit())));
    }

    #[test]
    fn every_spec_table_row_has_a_rule() {
        // conformance.md: 9 initiator statuses, 6 fault rows, 8 cloud, 3 link, 5 money.
        let count = |area| RULES.iter().filter(|r| r.area == area).count();
        assert_eq!(
            [count(InitiatorStatus), count(InitiatorFault), count(Cloud), count(Link), count(Money)],
            [9, 6, 8, 3, 5]
        );
    }
}
