//! CLOUD-VOID-SAME-TID and CLOUD-VOID-93-DAYS: a void goes to the sale's terminal; a refused
//! VOID is sent once and reported `not_voided`; what the World shows impossible is never
//! reported `voided`, and what it shows possible is tried before `not_voided`.

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, sale, scenario};
use crate::record::events::OutcomeResult;
use crate::scenario::model::{FaultKind, When};
use crate::world::batch::Totals;
use crate::world::codes::PaymentMethod;
use crate::world::ledger::LedgerKind;
use crate::world::task::{TaskRequest, TaskState};

const SAME_TID: &str = "CLOUD-VOID-SAME-TID";
const DAYS_93: &str = "CLOUD-VOID-93-DAYS";
const DAY: f64 = 86_400.0;

/// A void order of the history sale `AMS-1`, made `at` (e.g. `-94d`) by `method` on 999888,
/// in a batch `batch` (`open` or `closed`); a second terminal 100001 exists.
fn history_void(at: &str, method: &str, batch: &str) -> Synth {
    Synth::new(&scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-SAME-TID\", \"CLOUD-VOID-93-DAYS\"",
        &format!(
            "[[terminals]]\ntid = \"999888\"\n[[terminals]]\ntid = \"100001\"\n\
             [[history.sales]]\namount = 1250\nams_id = \"AMS-1\"\nat = \"{at}\"\nmethod = \"{method}\"\nbatch = \"{batch}\"\n\
             {}",
            order("v1", "void", "VOID 1", "ams_id = \"AMS-1\"\n")
        ),
    ))
}

fn card_void() -> Synth {
    history_void("-1d", "CARD", "open")
}

// CLOUD-VOID-SAME-TID.

#[test]
fn a_void_never_sent_leaves_same_tid_not_exercised() {
    let mut run = card_void();
    run.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(SAME_TID, Some("v1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no VOID reached a terminal"), "{}", verdict.happened);
    assert!(verdict.expected.contains("terminal 999888"), "{}", verdict.expected);
}

#[test]
fn a_void_refused_before_authentication_reached_no_terminal() {
    let mut run = card_void();
    run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0)
        .json(json!({"transactionType": "VOID", "originTransactionID": "AMS-1"}))
        .answer(401, json!({"error": {"code": "UNAUTHORIZED"}}))
        .add();
    assert_eq!(run.kind(SAME_TID, Some("v1")), NotExercised);
}

#[rstest]
#[case::on_the_sales_terminal_passes(&["999888"], Pass)]
#[case::on_another_terminal_fails(&["100001"], Fail)]
#[case::once_right_and_once_on_another_terminal_fails(&["999888", "100001"], Fail)]
fn a_void_of_a_history_sale(#[case] tids: &[&str], #[case] expected: VerdictKind) {
    let mut run = card_void();
    for (n, tid) in tids.iter().enumerate() {
        run.create_void("AMS-1", None, 1.0 + n as f64, tid, 201, Some("TV"));
    }
    let verdict = run.verdict(SAME_TID, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("a VOID was sent to another terminal"), "{}", verdict.happened);
        assert_eq!(verdict.evidence.len(), 1, "only the wrong one: {:?}", verdict.evidence);
        assert!(verdict.evidence[0].contains("(terminal 100001)"), "{:?}", verdict.evidence);
    } else {
        assert!(verdict.happened.contains("every VOID went to the sale's terminal"), "{}", verdict.happened);
    }
}

/// A void of a sale made in the run (`of = "s1"`): its terminal is the sale task's.
#[rstest]
#[case::on_the_sale_tasks_terminal_passes("100001", Pass)]
#[case::on_the_default_terminal_fails("999888", Fail)]
fn a_void_of_a_sale_made_in_the_run(#[case] tid: &str, #[case] expected: VerdictKind) {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-SAME-TID\"",
        &format!(
            "[[terminals]]\ntid = \"999888\"\n[[terminals]]\ntid = \"100001\"\n{}{}",
            order("s1", "sale", "R1", "tid = \"100001\"\n"),
            order("v1", "void", "V1", "of = \"s1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.task("T1", "100001", sale(Some("R1"), 1250), 1.0);
    run.money(5.0, LedgerKind::Capture, "A1", 1250, Some("R1")).task_state("T1", 5.0, TaskState::Completed, Some("A1"));
    run.create_void("A1", Some("V1"), 10.0, tid, 201, Some("TV"));
    let verdict = run.verdict(SAME_TID, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert!(verdict.expected.contains("terminal 100001"), "{}", verdict.expected);
}

// CLOUD-VOID-93-DAYS.

#[rstest]
#[case::nothing_reported(None)]
#[case::unknown_reported(Some(OutcomeResult::Unknown))]
fn no_void_sent_and_no_void_outcome_is_not_exercised(#[case] outcome: Option<OutcomeResult>) {
    let mut run = history_void("-94d", "CARD", "open");
    if let Some(result) = outcome {
        run.outcome("v1", 2.0, result, json!(null));
    }
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no VOID was sent and no void outcome reported"), "{}", verdict.happened);
}

#[test]
fn a_refused_void_sent_once_and_reported_not_voided_passes() {
    let mut run = history_void("-94d", "CARD", "open");
    run.create_void("AMS-1", None, 1.0, "999888", 422, None);
    run.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(verdict.happened.contains("as the World allows"), "{}", verdict.happened);
}

#[rstest]
#[case::unknown(Some(OutcomeResult::Unknown), "reported unknown, not not_voided")]
#[case::voided(Some(OutcomeResult::Voided), "reported voided, not not_voided")]
#[case::nothing(None, "reported nothing, not not_voided")]
fn a_refused_void_must_be_reported_not_voided(#[case] outcome: Option<OutcomeResult>, #[case] says: &str) {
    let mut run = history_void("-94d", "CARD", "open");
    run.create_void("AMS-1", None, 1.0, "999888", 422, None);
    if let Some(result) = outcome {
        run.outcome("v1", 2.0, result, json!(null));
    }
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains(says), "{}", verdict.happened);
    assert!(verdict.evidence.iter().any(|e| e.contains("→ 422")), "{:?}", verdict.evidence);
}

#[test]
fn a_refused_void_reported_voided_also_says_why_it_was_impossible() {
    let mut run = history_void("-94d", "CARD", "open");
    run.create_void("AMS-1", None, 1.0, "999888", 422, None);
    run.outcome("v1", 2.0, OutcomeResult::Voided, json!(null));
    let happened = run.verdict(DAYS_93, Some("v1")).happened;
    assert!(happened.contains("reported voided, but sale AMS-1 is 94d old, past the 93d void window"), "{happened}");
}

/// Repeating a refused VOID: the repeat counts from the end of the refusal's answer.
#[rstest]
#[case::sent_as_the_refusal_was_answered_is_not_a_repeat(1.0, Pass)]
#[case::sent_1_ms_after_it_is_a_repeat(1.001, Fail)]
#[case::sent_a_minute_after_it_is_a_repeat(61.0, Fail)]
fn a_refused_void_sent_again(#[case] again_at: f64, #[case] expected: VerdictKind) {
    let mut run = history_void("-94d", "CARD", "open");
    run.create_void("AMS-1", None, 1.0, "999888", 422, None);
    run.create_void("AMS-1", None, again_at, "999888", 422, None);
    run.outcome("v1", 70.0, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("the refused VOID was sent 1 more time(s)"), "{}", verdict.happened);
        assert_eq!(verdict.evidence.len(), 2, "the refusal and the repeat: {:?}", verdict.evidence);
    }
}

/// A refusal whose answer never reached the client (a reset after acting) was not read:
/// sending the VOID again is how the client learns it.
#[test]
fn a_refusal_the_client_never_read_may_be_sent_again() {
    let mut run = history_void("-94d", "CARD", "open");
    run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0)
        .json(json!({"transactionType": "VOID", "originTransactionID": "AMS-1"}))
        .answer(422, json!({"error": {"code": "VOID_NOT_ALLOWED"}}))
        .fault(FaultKind::Reset, When::AfterActing)
        .tid("999888")
        .add();
    run.create_void("AMS-1", None, 3.0, "999888", 422, None);
    run.outcome("v1", 4.0, OutcomeResult::NotVoided, json!(null));
    assert_eq!(run.kind(DAYS_93, Some("v1")), Pass);
}

/// `not_voided` without sending: fine only when the World shows the void impossible.
#[rstest]
#[case::card_sale_93_days_old_is_still_voidable("-93d", "CARD", "open", 0.0, Fail)]
#[case::card_sale_93_days_and_1_ms_old_is_not("-93d", "CARD", "open", 0.001, Pass)]
#[case::card_sale_a_day_old_is_voidable("-1d", "CARD", "open", 2.0, Fail)]
#[case::crypto_sale_is_never_voidable("-1d", "GO_CRYPTO", "open", 2.0, Pass)]
#[case::cash_sale_in_the_open_batch_is_voidable("-100d", "CASH", "open", 2.0, Fail)]
#[case::cash_sale_in_a_closed_batch_is_not("-1d", "CASH", "closed", 2.0, Pass)]
fn not_voided_without_sending_the_void(
    #[case] sale_at: &str,
    #[case] method: &str,
    #[case] batch: &str,
    #[case] outcome_at: f64,
    #[case] expected: VerdictKind,
) {
    let mut run = history_void(sale_at, method, batch);
    run.outcome("v1", outcome_at, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(
            verdict.happened.contains("without sending the VOID, though the World allowed it"),
            "{}",
            verdict.happened
        );
    }
}

/// `not_voided` without sending, for a sale made in the run: the World knows it by its own
/// capture and its task's method. Sale s0 (A0) is captured at 1 s, s1 (A1, the one voided)
/// at `captured` s, paid by `method`.
#[rstest]
#[case::a_card_sale_captured_in_the_run_is_voidable(PaymentMethod::Card, 5.0, 20.0, Fail)]
#[case::a_crypto_sale_made_in_the_run_is_not(PaymentMethod::GoCrypto, 5.0, 20.0, Pass)]
#[case::its_age_counts_from_its_own_capture_not_the_first_in_the_ledger(
    PaymentMethod::Card,
    10.0 * DAY,
    100.0 * DAY,
    Fail
)]
#[case::past_93_days_from_its_own_capture(PaymentMethod::Card, 1.0 * DAY, 100.0 * DAY, Pass)]
fn not_voided_without_sending_the_void_of_a_sale_made_in_the_run(
    #[case] method: PaymentMethod,
    #[case] captured: f64,
    #[case] outcome_at: f64,
    #[case] expected: VerdictKind,
) {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-93-DAYS\"",
        &format!(
            "{}{}{}",
            order("s0", "sale", "R0", ""),
            order("s1", "sale", "R1", ""),
            order("v1", "void", "V1", "of = \"s1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.task("T0", "999888", sale(Some("R0"), 1250), 0.5);
    run.money(1.0, LedgerKind::Capture, "A0", 1250, Some("R0")).task_state("T0", 1.0, TaskState::Completed, Some("A0"));
    let TaskRequest::Sale(mut request) = sale(Some("R1"), 1250) else { unreachable!() };
    request.method = method;
    run.task("T1", "999888", TaskRequest::Sale(request), captured - 0.5);
    run.money(captured, LedgerKind::Capture, "A1", 1250, Some("R1"));
    run.task_state("T1", captured, TaskState::Completed, Some("A1"));
    run.outcome("v1", outcome_at, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
}

#[test]
fn a_cash_sale_whose_batch_closed_during_the_run_is_no_longer_voidable() {
    let totals = Totals { sale_count: 1, sale_amount: 1250, void_count: 0, void_amount: 0 };
    let closed = |at: f64| {
        let mut run = history_void("-1d", "CASH", "open");
        run.batch_closed(at, "B1", totals);
        run.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
        run.kind(DAYS_93, Some("v1"))
    };
    assert_eq!(closed(1.0), Pass, "closed before the outcome");
    assert_eq!(closed(3.0), Fail, "closed only after it");
}

#[test]
fn a_sale_already_voided_or_unknown_needs_no_void() {
    let mut voided = card_void();
    voided.money(0.5, LedgerKind::Void, "AMS-1", 1250, None);
    voided.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
    assert_eq!(voided.kind(DAYS_93, Some("v1")), Pass);

    let text = scenario("\"cloud\"", "\"CLOUD-VOID-93-DAYS\"", &order("v1", "void", "V1", "ams_id = \"NOPE\"\n"));
    let mut unknown = Synth::new(&text);
    unknown.outcome("v1", 2.0, OutcomeResult::Voided, json!(null));
    let verdict = unknown.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("reported voided, but no sale NOPE exists"), "{}", verdict.happened);
}

#[rstest]
#[case::a_crypto_sale("-1d", "GO_CRYPTO", "reported voided, but sale AMS-1 was paid in cryptocurrency")]
#[case::a_cash_sale_in_a_closed_batch(
    "-1d",
    "CASH",
    "reported voided, but sale AMS-1 was paid by CASH and its batch is closed"
)]
#[case::a_possible_void_never_sent("-1d", "CARD", "reported voided, but no VOID of the order went through")]
fn voided_without_a_void_that_went_through_fails(#[case] at: &str, #[case] method: &str, #[case] says: &str) {
    let batch = if method == "CASH" { "closed" } else { "open" };
    let mut run = history_void(at, method, batch);
    run.outcome("v1", 2.0, OutcomeResult::Voided, json!(null));
    let verdict = run.verdict(DAYS_93, Some("v1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains(says), "{}", verdict.happened);
}

/// `voided` after the order's VOID task completed and the ledger returned the money.
#[rstest]
#[case::completed_and_returned_passes(TaskState::Completed, true, Pass)]
#[case::completed_without_the_money_returned_fails(TaskState::Completed, false, Fail)]
#[case::failed_fails(TaskState::Failed, false, Fail)]
fn voided_after_the_orders_void_task(#[case] state: TaskState, #[case] returned: bool, #[case] expected: VerdictKind) {
    let mut run = card_void();
    run.create_void("AMS-1", None, 1.0, "999888", 201, Some("TV"));
    run.void_task("TV", "AMS-1", "999888", 1.0, Some((4.0, state)), returned);
    run.outcome("v1", 5.0, OutcomeResult::Voided, json!(null));
    assert_eq!(run.kind(DAYS_93, Some("v1")), expected);
}

/// Only the sale's own money returned while the order's VOID task ran counts: another
/// payment's void, or any other entry of the ledger, does not make a completed task a void.
#[rstest]
#[case::another_payments_void(LedgerKind::Void, "AMS-9")]
#[case::another_payments_capture(LedgerKind::Capture, "AMS-9")]
fn voided_needs_the_sales_own_money_returned(#[case] kind: LedgerKind, #[case] payment: &str) {
    let mut run = card_void();
    run.create_void("AMS-1", None, 1.0, "999888", 201, Some("TV"));
    run.void_task("TV", "AMS-1", "999888", 1.0, Some((4.0, TaskState::Completed)), false);
    run.money(3.0, kind, payment, 1250, None);
    run.outcome("v1", 5.0, OutcomeResult::Voided, json!(null));
    assert_eq!(run.kind(DAYS_93, Some("v1")), Fail);
}

/// The money came back at 3 s but the task completed only at 4 s: `voided` at 3.5 s was said
/// before the task said so.
#[test]
fn voided_after_the_money_returned_but_before_the_task_completed_fails() {
    let mut run = card_void();
    run.create_void("AMS-1", None, 1.0, "999888", 201, Some("TV"));
    run.void_task("TV", "AMS-1", "999888", 1.0, None, false);
    run.money(3.0, LedgerKind::Void, "AMS-1", 1250, None);
    run.task_state("TV", 4.0, TaskState::Completed, Some("AMS-1"));
    run.outcome("v1", 3.5, OutcomeResult::Voided, json!(null));
    assert_eq!(run.kind(DAYS_93, Some("v1")), Fail);
}

#[test]
fn voided_reported_before_the_void_task_completed_fails() {
    let mut run = card_void();
    run.create_void("AMS-1", None, 1.0, "999888", 201, Some("TV"));
    run.void_task("TV", "AMS-1", "999888", 1.0, Some((4.0, TaskState::Completed)), true);
    run.outcome("v1", 3.999, OutcomeResult::Voided, json!(null));
    assert_eq!(run.kind(DAYS_93, Some("v1")), Fail);
}
