//! MONEY-NO-DOUBLE-CHARGE, MONEY-NO-LOST-PAYMENT and MONEY-TRUTHFUL-OUTCOME, judged against the
//! ledger; and the attribution of money to orders they rely on (exact references; a re-issued
//! invoice by its `-<n>` suffix; everything to the one order of a single-order scenario).

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::OutcomeResult;
use crate::world::batch::Totals;
use crate::world::ledger::LedgerKind::{Capture, Refund, Void};
use crate::world::task::TaskState;

const DOUBLE: &str = "MONEY-NO-DOUBLE-CHARGE";
const LOST: &str = "MONEY-NO-LOST-PAYMENT";
const TRUTHFUL: &str = "MONEY-TRUTHFUL-OUTCOME";

fn sale_run() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-TASK-NOT-PAYMENT\"", &order("o1", "sale", "R1", "")))
}

/// A sale that was tried: a create answered 201, its task T1 created.
fn tried() -> Synth {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.task("T1", "999888", crate::judge::synth::sale(Some("R1"), 1250), 1.0);
    run
}

// MONEY-NO-DOUBLE-CHARGE.

#[test]
fn orders_that_take_no_payment_get_no_double_charge_verdict() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-BATCH-TOTALS\"",
        &format!("{}{}", order("c1", "close_batch", "EOD", ""), order("v1", "void", "V1", "ams_id = \"A9\"\n")),
    );
    assert_eq!(Synth::new(&text).judge(DOUBLE), vec![]);
}

#[test]
fn a_sale_never_attempted_leaves_double_charge_not_exercised() {
    let verdict = sale_run().verdict(DOUBLE, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no payment was attempted for the order"), "{}", verdict.happened);
}

/// An invoice issued is an attempt to pay, though no Cloud task or payment link was made.
#[test]
fn an_invoice_issued_with_nothing_captured_is_a_pass_with_no_payment_standing() {
    let text = scenario("\"initiator\"", "\"HYPE-CREATED\"", &order("o1", "invoice", "INV-1", ""));
    let mut run = Synth::new(&text);
    run.issued(1.0, "ID-A", "INV-1").invoice_req("INV-1", 1.0, "ID-A");
    let verdict = run.verdict(DOUBLE, Some("o1"));
    assert_eq!((verdict.kind, verdict.happened.as_str()), (Pass, "0 standing payment(s)"));
}

#[rstest]
#[case::one_capture(&[(Capture, "A1")], Pass, "1 standing payment(s)")]
#[case::a_tried_sale_with_no_capture(&[], Pass, "0 standing payment(s)")]
#[case::two_captures(&[(Capture, "A1"), (Capture, "A2")], Fail, "the customer was charged 2 times")]
#[case::two_captures_one_voided(&[(Capture, "A1"), (Capture, "A2"), (Void, "A2")], Pass, "1 standing payment(s)")]
#[case::two_captures_one_refunded(&[(Capture, "A1"), (Capture, "A2"), (Refund, "A1")], Pass, "1 standing payment(s)")]
#[case::three_captures(&[(Capture, "A1"), (Capture, "A2"), (Capture, "A3")], Fail, "the customer was charged 3 times")]
fn payments_standing_at_the_end(
    #[case] ledger: &[(crate::world::ledger::LedgerKind, &str)],
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let mut run = tried();
    for (n, (kind, payment)) in ledger.iter().enumerate() {
        run.money(2.0 + n as f64, *kind, payment, 1250, Some("R1"));
    }
    let verdict = run.verdict(DOUBLE, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
    if expected == Fail {
        assert!(
            verdict.evidence.iter().all(|e| e.starts_with("ledger ") && e.contains("capture")),
            "{:?}",
            verdict.evidence
        );
    }
}

#[test]
fn a_payment_voided_only_in_part_still_stands() {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1")).money(3.0, Capture, "A2", 1250, Some("R1"));
    run.money(4.0, Void, "A2", 1249, Some("R1"));
    assert_eq!(run.kind(DOUBLE, Some("o1")), Fail);
}

#[test]
fn another_orders_payment_is_not_this_orders() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("o2", "sale", "R2", "")),
    );
    let mut run = Synth::new(&text);
    run.create_sale("R1", 1.0, 201, Some("T1")).create_sale("R2", 1.0, 201, Some("T2"));
    run.money(2.0, Capture, "A1", 1250, Some("R1")).money(3.0, Capture, "A2", 1250, Some("R2"));
    assert_eq!((run.kind(DOUBLE, Some("o1")), run.kind(DOUBLE, Some("o2"))), (Pass, Pass));
}

// MONEY-NO-LOST-PAYMENT.

#[test]
fn nothing_captured_and_nothing_reported_not_paid_is_not_exercised() {
    let mut run = tried();
    run.outcome("o1", 5.0, OutcomeResult::Unknown, json!(null));
    let verdict = run.verdict(LOST, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no payment was captured and none reported not_paid"), "{}", verdict.happened);
}

#[rstest]
#[case::captured_and_paid(true, OutcomeResult::Paid, Pass)]
#[case::captured_and_unknown(true, OutcomeResult::Unknown, Pass)]
#[case::not_captured_and_not_paid(false, OutcomeResult::NotPaid, Pass)]
#[case::captured_and_not_paid(true, OutcomeResult::NotPaid, Fail)]
fn a_captured_payment_is_never_reported_not_paid(
    #[case] captured: bool,
    #[case] result: OutcomeResult,
    #[case] expected: VerdictKind,
) {
    let mut run = tried();
    if captured {
        run.money(2.0, Capture, "A1", 1250, Some("R1"));
    }
    run.outcome("o1", 5.0, result, json!(null));
    let verdict = run.verdict(LOST, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "reported not_paid, but the customer paid");
        assert!(verdict.evidence[0].contains("outcome not_paid"), "{:?}", verdict.evidence);
        assert!(
            verdict.evidence[1].starts_with("ledger") && verdict.evidence[1].contains("capture"),
            "{:?}",
            verdict.evidence
        );
    } else {
        assert_eq!(verdict.happened, "no captured payment was reported not_paid");
    }
}

/// `not_paid` for a payment that then completes is lost money, even if corrected later.
#[rstest]
#[case::never_corrected(false)]
#[case::corrected_to_paid_later(true)]
fn not_paid_before_the_payment_completed_fails(#[case] corrected: bool) {
    let mut run = tried();
    run.outcome("o1", 5.0, OutcomeResult::NotPaid, json!(null));
    run.money(20.0, Capture, "A1", 1250, Some("R1"));
    if corrected {
        run.outcome("o1", 21.0, OutcomeResult::Paid, json!(null));
    }
    assert_eq!(run.kind(LOST, Some("o1")), Fail);
}

#[test]
fn not_paid_after_the_integration_voided_the_payment_passes() {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1")).money(3.0, Void, "A1", 1250, Some("R1"));
    run.outcome("o1", 5.0, OutcomeResult::NotPaid, json!(null));
    assert_eq!(run.kind(LOST, Some("o1")), Pass);
}

// MONEY-TRUTHFUL-OUTCOME.

#[rstest]
#[case::no_outcome(None, "no outcome was reported")]
#[case::unknown(Some(OutcomeResult::Unknown), "the last outcome was unknown, which claims nothing")]
fn truthful_outcome_needs_a_claim(#[case] result: Option<OutcomeResult>, #[case] says: &str) {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1"));
    if let Some(result) = result {
        run.outcome("o1", 5.0, result, json!(null));
    }
    let verdict = run.verdict(TRUTHFUL, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, says);
}

/// Paid or not paid, judged by the money standing at the moment of the report.
#[rstest]
#[case::paid_as_the_capture_was_booked(OutcomeResult::Paid, 2.0, Pass, "reported paid with a payment standing")]
#[case::paid_1_ms_before_it(
    OutcomeResult::Paid,
    1.999,
    Fail,
    "reported paid while the ledger showed no payment standing"
)]
#[case::not_paid_1_ms_before_it_as_the_integration_ended(
    OutcomeResult::NotPaid,
    1.999,
    Pass,
    "reported not_paid with no payment standing"
)]
#[case::not_paid_after_it(
    OutcomeResult::NotPaid,
    2.0,
    Fail,
    "reported not_paid while the ledger showed a payment standing"
)]
fn paid_and_not_paid_against_the_ledger(
    #[case] result: OutcomeResult,
    #[case] at: f64,
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1")).finished(at);
    run.outcome("o1", at, result, json!(null));
    let verdict = run.verdict(TRUTHFUL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
    if expected == Fail {
        assert!(verdict.evidence[0].contains("outcome"), "{:?}", verdict.evidence);
        assert!(verdict.evidence[1].starts_with("ledger"), "{:?}", verdict.evidence);
    }
}

/// A change of the ledger after the last outcome must be reported while the integration still
/// runs (until it ended or the deadline came); a void is the integration's own doing.
#[rstest]
#[case::a_refund_while_it_ran(Refund, 10.0, 300.0, Fail)]
#[case::a_refund_as_it_ended(Refund, 10.0, 10.0, Fail)]
#[case::a_refund_1_ms_after_it_ended(Refund, 10.001, 10.0, Pass)]
#[case::a_refund_after_the_deadline(Refund, 300.001, 400.0, Pass)]
#[case::its_own_void(Void, 10.0, 300.0, Pass)]
fn a_later_change_of_the_ledger(
    #[case] kind: crate::world::ledger::LedgerKind,
    #[case] at: f64,
    #[case] finished: f64,
    #[case] expected: VerdictKind,
) {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1")).finished(finished);
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    run.money(at, kind, "A1", 1250, Some("R1"));
    let verdict = run.verdict(TRUTHFUL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.starts_with("reported paid at"), "{}", verdict.happened);
        assert!(verdict.happened.contains("but the ledger moved at"), "{}", verdict.happened);
        assert!(
            verdict.happened.ends_with("showed no payment standing, and no outcome followed"),
            "{}",
            verdict.happened
        );
    }
}

#[test]
fn only_the_last_outcome_is_judged() {
    let mut run = tried();
    run.outcome("o1", 1.5, OutcomeResult::Paid, json!(null));
    run.money(2.0, Capture, "A1", 1250, Some("R1"));
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("o1")), Pass);
}

#[rstest]
#[case::after_the_refund(&[(Capture, 2.0), (Refund, 10.0)], 11.0, Pass, "reported refunded with the payment refunded")]
#[case::before_the_refund(&[(Capture, 2.0), (Refund, 10.0)], 9.0, Fail, "reported refunded while the ledger showed no refund")]
#[case::never_paid(&[], 11.0, Fail, "reported refunded while the ledger showed no refund")]
#[case::a_void_is_not_a_refund(&[(Capture, 2.0), (Void, 10.0)], 11.0, Fail, "reported refunded while the ledger showed no refund")]
fn refunded_against_the_ledger(
    #[case] ledger: &[(crate::world::ledger::LedgerKind, f64)],
    #[case] at: f64,
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let mut run = tried();
    for (kind, s) in ledger {
        run.money(*s, *kind, "A1", 1250, Some("R1"));
    }
    run.outcome("o1", at, OutcomeResult::Refunded, json!(null));
    let verdict = run.verdict(TRUTHFUL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
}

#[test]
fn refunded_while_a_second_payment_stands_fails() {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1")).money(3.0, Capture, "A2", 1250, Some("R1"));
    run.money(10.0, Refund, "A1", 1250, Some("R1"));
    run.outcome("o1", 11.0, OutcomeResult::Refunded, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("o1")), Fail);
}

/// A sale order reported voided: its own money came back by a void.
#[rstest]
#[case::voided_after_a_void(OutcomeResult::Voided, true, Pass)]
#[case::voided_without_one(OutcomeResult::Voided, false, Fail)]
#[case::not_voided_after_one(OutcomeResult::NotVoided, true, Fail)]
#[case::not_voided_without_one(OutcomeResult::NotVoided, false, Pass)]
fn a_sale_reported_voided(#[case] result: OutcomeResult, #[case] voided: bool, #[case] expected: VerdictKind) {
    let mut run = tried();
    run.money(2.0, Capture, "A1", 1250, Some("R1"));
    if voided {
        run.money(5.0, Void, "A1", 1250, Some("R1"));
    }
    run.outcome("o1", 6.0, result, json!(null));
    let verdict = run.verdict(TRUTHFUL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    let state = if voided { "the sale voided by the order" } else { "no void by the order" };
    assert!(verdict.happened.ends_with(state), "{}", verdict.happened);
}

/// A void order answers for its own VOID, not for a void another order made.
#[rstest]
#[case::its_own_void_task_completed(true, OutcomeResult::Voided, Pass)]
#[case::voided_by_someone_else(false, OutcomeResult::Voided, Fail)]
#[case::not_voided_when_someone_else_voided(false, OutcomeResult::NotVoided, Pass)]
#[case::not_voided_after_its_own_void(true, OutcomeResult::NotVoided, Fail)]
fn a_void_order_reported(#[case] own: bool, #[case] result: OutcomeResult, #[case] expected: VerdictKind) {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-93-DAYS\"",
        &format!(
            "[[history.sales]]\namount = 1250\nams_id = \"AMS-1\"\nat = \"-1d\"\n{}",
            order("v1", "void", "V1", "ams_id = \"AMS-1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    if own {
        run.void_task("TV", "AMS-1", "999888", 1.0, Some((3.0, TaskState::Completed)), true);
    } else {
        run.money(3.0, Void, "AMS-1", 1250, None);
    }
    run.outcome("v1", 4.0, result, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("v1")), expected);
}

/// A deep-link cancel answered COMPLETED voids the sale for the order.
#[test]
fn a_void_order_voided_by_its_cancel_link() {
    let text = scenario(
        "\"app2app\"",
        "\"LINK-STATUS-HANDLED\"",
        &format!(
            "[[history.sales]]\namount = 1250\nams_id = \"AMS-1\"\nat = \"-1d\"\n{}",
            order("v1", "void", "V1", "ams_id = \"AMS-1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.link("transaction/cancel", &[("amsID", "AMS-1")], 1.0, json!({"status": "COMPLETED"}));
    run.outcome("v1", 1.0, OutcomeResult::Voided, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("v1")), Pass);
    let mut refused = Synth::new(&text);
    refused.link("transaction/cancel", &[("amsID", "AMS-1")], 1.0, json!({"status": "ERROR"}));
    refused.outcome("v1", 1.0, OutcomeResult::Voided, json!(null));
    assert_eq!(refused.kind(TRUTHFUL, Some("v1")), Fail);
}

#[rstest]
#[case::batch_closed_after_it_closed(
    OutcomeResult::BatchClosed,
    4.0,
    Pass,
    "reported batch_closed with a batch closed for the order"
)]
#[case::batch_closed_before_it_closed(
    OutcomeResult::BatchClosed,
    2.999,
    Fail,
    "reported batch_closed while the ledger showed no batch closed for the order"
)]
#[case::not_closed_before_it_closed(
    OutcomeResult::NotClosed,
    2.999,
    Pass,
    "reported not_closed with no batch closed for the order"
)]
#[case::not_closed_after_it_closed(
    OutcomeResult::NotClosed,
    3.0,
    Fail,
    "reported not_closed while the ledger showed a batch closed for the order"
)]
fn a_close_batch_reported(
    #[case] result: OutcomeResult,
    #[case] at: f64,
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let mut run = Synth::new(&scenario("\"cloud\"", "\"CLOUD-BATCH-TOTALS\"", &order("c1", "close_batch", "EOD", "")));
    run.task("B1", "999888", crate::judge::synth::close(Some("EOD")), 1.0);
    run.batch_closed(3.0, "BATCH-1", Totals::default()).task_state("B1", 3.0, TaskState::Completed, Some("BATCH-1"));
    run.outcome("c1", at, result, json!(null));
    let verdict = run.verdict(TRUTHFUL, Some("c1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
}

#[test]
fn a_batch_closed_through_a_deep_link_counts_for_its_order() {
    let mut run =
        Synth::new(&scenario("\"app2app\"", "\"LINK-STATUS-HANDLED\"", &order("c1", "close_batch", "EOD", "")));
    run.batch_closed(1.0, "BATCH-1", Totals::default());
    run.link("batch/close", &[], 1.0, json!({"status": "COMPLETED", "batch": {"amsId": "BATCH-1"}}));
    run.outcome("c1", 2.0, OutcomeResult::BatchClosed, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("c1")), Pass);
}

// Attribution, through MONEY-TRUTHFUL-OUTCOME.

fn two_invoices() -> Synth {
    Synth::new(&scenario(
        "\"initiator\"",
        "\"HYPE-SUCCESS\"",
        &format!("{}{}", order("o1", "invoice", "REF-1", ""), order("o2", "invoice", "REF-10", "")),
    ))
}

/// `REF-1-2` is a second invoice of `REF-1`, `REF-10` is another order, `REF-100` no one's.
#[rstest]
#[case::the_orders_own_reference("REF-1", Pass, Fail, false)]
#[case::a_second_invoice_of_it("REF-1-2", Pass, Fail, false)]
#[case::the_other_orders_reference("REF-10", Fail, Pass, false)]
#[case::a_second_invoice_of_the_other("REF-10-3", Fail, Pass, false)]
#[case::no_ones_reference("REF-100", Fail, Fail, true)]
#[case::no_reference_at_all("", Fail, Fail, true)]
fn money_is_attributed_by_exact_reference(
    #[case] reference: &str,
    #[case] o1: VerdictKind,
    #[case] o2: VerdictKind,
    #[case] unattributed: bool,
) {
    let mut run = two_invoices();
    run.money(2.0, Capture, "P1", 100, Some(reference).filter(|r| !r.is_empty()));
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    run.outcome("o2", 3.0, OutcomeResult::Paid, json!(null));
    assert_eq!((run.kind(TRUTHFUL, Some("o1")), run.kind(TRUTHFUL, Some("o2"))), (o1, o2));
    let scenario_wide: Vec<_> = run.judge(TRUTHFUL).into_iter().filter(|v| v.order.is_none()).collect();
    assert_eq!(scenario_wide.len(), usize::from(unattributed), "{scenario_wide:#?}");
    if let Some(v) = scenario_wide.first() {
        assert_eq!(v.kind, Fail);
        assert_eq!(v.happened, "1 charge(s) could not be attributed to an order");
        assert!(v.evidence[0].starts_with("ledger") && v.evidence[0].contains("of p1"), "{:?}", v.evidence);
    }
}

#[test]
fn a_sales_reference_with_a_suffix_is_not_its_order() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("o2", "sale", "R2", "")),
    );
    let mut run = Synth::new(&text);
    run.money(2.0, Capture, "A1", 1250, Some("R1-2"));
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("o1")), Fail);
    assert_eq!(run.judge(TRUTHFUL).iter().filter(|v| v.order.is_none()).count(), 1);
}

/// In a single-order scenario every movement during the run is the order's, with or without
/// a reference; money moved before the run (history) is no one's.
#[rstest]
#[case::during_the_run_without_a_reference(2.0, None, Pass)]
#[case::during_the_run_with_another_reference(2.0, Some("OTHER"), Pass)]
#[case::before_the_run(-1.0, None, Fail)]
fn in_a_single_order_scenario_the_runs_money_is_the_orders(
    #[case] at: f64,
    #[case] reference: Option<&str>,
    #[case] expected: VerdictKind,
) {
    let mut run = tried();
    run.money(at, Capture, "A1", 1250, reference);
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(TRUTHFUL, Some("o1")), expected);
    assert!(run.judge(TRUTHFUL).iter().all(|v| v.order.is_some()), "nothing unattributed in a single-order scenario");
}
