//! The rules of `spec/conformance.md` as one table: [`RULES`]. Each row has a stable ID, the
//! spec row it comes from and how it is judged in words (`payterm rules` prints it); scenarios
//! name rules from here, and the judge pairs each with its check.

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
    /// What the judge may believe: the run itself.
    Integrity,
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
            RuleArea::Integrity => "What the judge may believe",
        }
    }
}

/// When a rule is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// In every run: a bug anywhere may cost a customer money.
    Always,
    /// Where a scenario targets it: elsewhere its preconditions are not set up on purpose.
    WhenTargeted,
}

/// One conformance rule: its ID, its spec row and how it is judged in words (what `payterm
/// rules` prints); the judge holds its check (`judge::rules::check`).
#[derive(Clone, Copy)]
pub struct Rule {
    /// Stable ID, e.g. `HYPE-IN-PROCESS`.
    pub id: &'static str,
    /// The spec section.
    pub area: RuleArea,
    /// The spec row it comes from, quoted.
    pub row: &'static str,
    /// How the judge decides it.
    pub judged_as: &'static str,
    /// When it is judged.
    pub judged: Judged,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).field("area", &self.area).finish_non_exhaustive()
    }
}

const fn rule(id: &'static str, area: RuleArea, row: &'static str, judged_as: &'static str) -> Rule {
    Rule { id, area, row, judged_as, judged: Judged::WhenTargeted }
}

const fn always(id: &'static str, row: &'static str, judged_as: &'static str) -> Rule {
    Rule { id, area: RuleArea::Money, row, judged_as, judged: Judged::Always }
}

use RuleArea::*;

/// Every rule, in the order of conformance.md.
pub const RULES: &[Rule] = &[
    rule(
        "HYPE-UNDETERMINABLE",
        InitiatorStatus,
        "undeterminable → ask again later",
        "after each printed `undeterminable`, the same `status` again no sooner than the minimum interval (or its \
         Retry-After) and within the patience window (unless the deadline comes first, or the service said stop); no \
         paid/not_paid drawn from it",
    ),
    rule(
        "HYPE-CREATED",
        InitiatorStatus,
        "created → ask later; re-sending the URI is safe",
        "as HYPE-UNDETERMINABLE for `created`; presenting the same URI again sooner than the minimum interval is a warning",
    ),
    rule("HYPE-REACHED", InitiatorStatus, "reached → same as created", "as HYPE-CREATED for `reached`"),
    rule(
        "HYPE-IN-PROCESS",
        InitiatorStatus,
        "payment_in_process → later; unsafe to redistribute; a new transaction only if the first is still followed to its end",
        "fails on a present_uri of that invoice's URI (matched exactly) from its first printed payment_in_process until \
         a printed answer says otherwise (undeterminable does not; a new invoice's URI is fine); after a new invoice for the order, the first \
         must still be asked about until its completed status is printed (when it completes in time) and an outcome \
         reported after that",
    ),
    rule(
        "HYPE-SUCCESS",
        InitiatorStatus,
        "completed_success → paid, not final",
        "after a printed completed_success: the last outcome is paid (or refunded); no invoice for the order afterwards",
    ),
    rule(
        "HYPE-REFUNDED",
        InitiatorStatus,
        "completed_refunded → final",
        "after a printed completed_refunded: the last outcome is refunded; no `status` of that invoice afterwards",
    ),
    rule(
        "HYPE-REJECTED",
        InitiatorStatus,
        "completed_rejected → never paid; another transaction is safe",
        "after a printed completed_rejected: the last outcome is not_paid, or a new invoice with a new id follows (the \
         same id again fails); no `status` of that invoice afterwards",
    ),
    rule(
        "HYPE-UNEXPECTED",
        InitiatorStatus,
        "unexpected → engineering problem",
        "after a printed `unexpected`: an engineering flag for the order; no paid/not_paid unless a completed status \
         is printed later",
    ),
    rule(
        "HYPE-NO-JSON",
        InitiatorStatus,
        "fundamental failure → no valid JSON on stdout",
        "after a request whose answer the program could not print (reset, hung, cut, garbled, not an initiator answer): \
         the same request again later (as HYPE-UNDETERMINABLE), no paid/not_paid drawn from it, and no crash",
    ),
    rule(
        "HYPE-F-UNSPECIFIED",
        InitiatorFault,
        "unspecified → try again later",
        "as HYPE-UNDETERMINABLE, after each printed `unspecified`",
    ),
    rule(
        "HYPE-F-SERVER-ERROR",
        InitiatorFault,
        "server_error → try again later",
        "as HYPE-UNDETERMINABLE, after each printed `server_error`",
    ),
    rule(
        "HYPE-F-BAD-SIGNATURE",
        InitiatorFault,
        "bad_signature → do not repeat the request",
        "after a printed bad_signature: the same command for the same invoice or identifier is not sent again; a \
         flag (either kind) for the order",
    ),
    rule(
        "HYPE-F-USER-DISABLED",
        InitiatorFault,
        "user_disabled → administrative; stop",
        "after a printed user_disabled: no request to the service for any order (a request already started within \
         the tolerance is a race, not a repeat); an administrative flag for the order",
    ),
    rule(
        "HYPE-F-NOT-FOUND",
        InitiatorFault,
        "resource_not_found → engineering; the resource is gone",
        "after a printed resource_not_found: the same request is not sent again; an engineering flag for the order",
    ),
    rule(
        "HYPE-SKIP-FLAGGED",
        InitiatorFault,
        "flag and skip the faulty transaction, keep processing others",
        "with a flagged order among others, every order not flagged reaches an outcome by its deadline (unknown only \
         while still live, or after the spec said stop)",
    ),
    rule(
        "CLOUD-TASK-NOT-PAYMENT",
        Cloud,
        "a task's state is not the payment's result",
        "each paid/not_paid outcome after a sale task ended with a transaction (COMPLETED, or FAILED with one) \
         follows a read of that transaction made after the task ended (a final result, not -9), and a payment the \
         ledger does not show captured is never reported paid; each batch_closed/not_closed after a close-batch task \
         completed follows a read of that batch",
    ),
    rule(
        "CLOUD-POLL-UNTIL-FINAL",
        Cloud,
        "asynchronous flow: poll until final",
        "each task is polled until a poll (or a list by reference) shows it COMPLETED, FAILED or CANCELLED, and not \
         after; the order's last task is never left unpolled longer than the patience window while live (also when \
         it is seen final in the end), and no outcome other than unknown is reported without seeing it final",
    ),
    rule(
        "CLOUD-TOKEN-REUSE",
        Cloud,
        "a token lives for expires_in",
        "one password login per terminal (or master account) for all calls; after 401 TOKEN_EXPIRED the refresh \
         grant, a new login only after a refused refresh (logins racing at once are not counted)",
    ),
    rule(
        "CLOUD-NO-DUPLICATE-SALE",
        Cloud,
        "parallel tasks are allowed, so a duplicate is the integrator's fault",
        "the World's SALE tasks of the order (also those whose create answer was lost): none created while an \
         earlier one is not final, unless that one was withdrawn",
    ),
    rule(
        "CLOUD-VOID-SAME-TID",
        Cloud,
        "void on the TID of the sale",
        "every VOID of the order acts on the terminal that made the sale",
    ),
    rule(
        "CLOUD-VOID-93-DAYS",
        Cloud,
        "void within 93 days; not for crypto",
        "a VOID refused with 422 (past 93 × 24 h, crypto, or another refusal) is not sent again and is reported \
         not_voided; a void the World shows impossible is never reported voided; not_voided without sending the VOID \
         is fine only when the World shows the void impossible (checked locally)",
    ),
    rule(
        "CLOUD-BATCH-TOTALS",
        Cloud,
        "close batch returns totals",
        "the last batch_closed outcome follows GET /v1/batches/{amsId} of the batch the order closed, read after it \
         closed, and carries its saleCount, saleAmount, voidCount, voidAmount, totalCount and totalAmount",
    ),
    rule(
        "CLOUD-QUEUE-PARALLEL",
        Cloud,
        "many tasks in parallel for one terminal",
        "with several orders on one terminal, no outcome names another order's task, and each paid/not_paid is \
         what the order's own task did",
    ),
    rule(
        "LINK-PARAMS-VALID",
        Link,
        "parameters and their formats",
        "every link the integration opens parses: no missing mandatory parameter, bad enum or amount (the answer's \
         ERROR reason, unless scripted), no parameter twice, none unknown, the merchant's own clientID",
    ),
    rule(
        "LINK-STATUS-HANDLED",
        Link,
        "COMPLETED / CANCELLED / ERROR",
        "for each order, an outcome of paid, voided or batch_closed comes after its own last link answered COMPLETED, \
         never CANCELLED or ERROR",
    ),
    rule(
        "LINK-RECEIPT-CHOICE",
        Link,
        "printByPaymentApp decides who hands over the receipt",
        "when an answer carries a receipt (a receipt or a batch) and the order asked printByPaymentApp=false: the link \
         said false and an outcome after it says receipt_by: integration; an answer with no receipt asks nothing",
    ),
    always(
        "MONEY-NO-DOUBLE-CHARGE",
        "each order has at most one captured, un-voided, un-refunded payment",
        "judged against the ledger at the end of the scenario, for every sale and invoice order",
    ),
    always(
        "MONEY-AS-ORDERED",
        "what the integration asks for is what the order says",
        "every payment, void, close and invoice of an order, as payterm decoded it: on the order's terminal, for its \
         amount, its tip as tipAmount (never added to the amount) and its currency, carrying its reference exactly \
         (an invoice: its id, or <reference>-<n> for another try, and its total); a void or cancel names the order's \
         sale; a request that moves money for no order fails",
    ),
    always(
        "MONEY-NO-LOST-PAYMENT",
        "a captured payment is never reported not_paid",
        "judged against the ledger at the end: money still captured for the order, and any not_paid reported for it",
    ),
    always(
        "MONEY-TRUTHFUL-OUTCOME",
        "the last reported outcome equals the ledger's state for that order",
        "judged against the ledger (and the World's batches) at the moment of the last report: paid/not_paid by the \
         money standing, refunded by a refund, voided/not_voided by the order's own VOID, batch_closed/not_closed by \
         a batch the order closed; in a multi-order scenario every charge carries an order's reference",
    ),
    always(
        "LIVENESS-OUTCOME",
        "every order gets an outcome by its deadline",
        "an outcome by the deadline (with the tolerance); unknown only while the order's task or invoice is still \
         live, or after the spec said stop; not_paid/not_voided/not_closed without any attempt on the order's surface \
         only when the World shows the operation impossible",
    ),
    rule(
        "RATE-NO-STORM",
        Money,
        "no surface is polled faster than the minimum interval; intervals never shrink after repeated faults",
        "every repeated request (poll, create, read, link, invoice, status) at least the minimum interval after the \
         last answer and not before its Retry-After (X-Payterm-Retry-After-Virtual); after two or more faults in a row \
         at least twice the minimum and never shrinking (see Timing)",
    ),
    Rule {
        id: "RUN-INTEGRITY",
        area: Integrity,
        row: "the judge's facts are only what payterm observed; nothing but the protocol surfaces changes the World",
        judged_as: "fails when a request carries a header named x-payterm-… (payterm takes every time at its own \
                    socket, never from a client) or asks the integration's port for a control-API route (during a run \
                    there is no control API: the World is payterm's alone)",
        judged: Judged::Always,
    },
    Rule {
        id: "RUN-BOUNDS",
        area: Integrity,
        row: "everything an integration sends is bounded; a flood is its own failure",
        judged_as: "fails when the integration sends more than payterm keeps for a scenario: requests past the \
                    journal's room (every order polled at the minimum interval until its deadline, twice over, at \
                    least 20,000), bodies past 16 MiB + 64 KiB per order, events past 1,000 + 50 per order or 1 MiB + \
                    16 KiB per order, \
                    or 16 MiB of output; what comes past is counted, not kept",
        judged: Judged::Always,
    },
];

/// How intervals are measured, printed under the rule table.
pub const TIMING: &str = "Intervals are judged in virtual time, from the end of an answer to the arrival of the next \
request, both at payterm's own socket (no header or field the client sends moves either): the integration's wait \
plus its own latency, never less. A floor (the minimum interval, a Retry-After, twice the minimum after repeated \
faults) is judged with the spec's tolerance, 10 % or 5 real ms, whichever is larger. A shrink compares two \
intervals that each carry latency, so it counts only past 10 %, 20 real ms, or twice the latency payterm itself \
measured on the machine at the time (it times the initiator program from spawn to exit every half second), \
whichever is largest: a loaded machine never turns a constant or growing backoff into a shrinking one. A scenario that needs finer timing than the default scale allows declares \
`min_time_scale`, and `payterm check` warns of one whose tolerance would cover its whole minimum interval.";

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
        // conformance.md: 9 initiator statuses, 6 fault rows, 8 cloud, 3 link, 6 money; and the
        // two of "What the judge may believe".
        let count = |area| RULES.iter().filter(|r| r.area == area).count();
        assert_eq!(
            [count(InitiatorStatus), count(InitiatorFault), count(Cloud), count(Link), count(Money), count(Integrity)],
            [9, 6, 8, 3, 6, 2]
        );
    }
}
