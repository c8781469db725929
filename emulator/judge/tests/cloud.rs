//! CLOUD-TASK-NOT-PAYMENT (the result read after the task ended, before an outcome) and
//! CLOUD-POLL-UNTIL-FINAL (each task polled within the patience window until seen final, and
//! not after).

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, close, order, sale, scenario};
use crate::record::events::OutcomeResult;
use crate::scenario::model::{FaultKind, When};
use crate::world::batch::Totals;
use crate::world::task::TaskState;

const NOT_PAYMENT: &str = "CLOUD-TASK-NOT-PAYMENT";
const POLL: &str = "CLOUD-POLL-UNTIL-FINAL";

fn sale_run(extra: &str) -> Synth {
    Synth::new(&scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!("{extra}{}", order("o1", "sale", "R1", "")),
    ))
}

/// A sale whose task T1 ends at 10 s in `state` with transaction A1 (captured or not).
fn ended_sale(state: TaskState, captured: bool) -> Synth {
    let mut run = sale_run("");
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, state)), "A1", captured);
    run
}

// CLOUD-TASK-NOT-PAYMENT.

#[test]
fn a_scenario_without_a_cloud_sale_or_close_batch_does_not_exercise_task_not_payment() {
    let text = scenario(
        "\"cloud\", \"initiator\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &order("o1", "invoice", "INV-1", "surface = \"initiator\"\n"),
    );
    let verdict = Synth::new(&text).verdict(NOT_PAYMENT, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("the scenario has no Cloud sale or close batch"), "{}", verdict.happened);
}

#[rstest]
#[case::an_unknown_outcome(TaskState::Completed, OutcomeResult::Unknown)]
#[case::a_cancelled_task(TaskState::Cancelled, OutcomeResult::NotPaid)]
fn no_outcome_after_a_task_that_ended_with_a_transaction_is_not_exercised(
    #[case] state: TaskState,
    #[case] result: OutcomeResult,
) {
    let mut run = ended_sale(state, false);
    run.outcome("o1", 12.0, result, json!(null));
    let verdict = run.verdict(NOT_PAYMENT, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no outcome followed a task of the order that ended"), "{}", verdict.happened);
}

/// A sale task that failed before it had a transaction (no AMS id) leaves nothing to read:
/// `not_paid` from its state alone is not judged here.
#[test]
fn a_task_that_ended_without_a_transaction_is_not_exercised() {
    let mut run = sale_run("");
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.task("T1", "999888", sale(Some("R1"), 1250), 1.0);
    run.task_state("T1", 10.0, TaskState::Failed, None);
    run.outcome("o1", 12.0, OutcomeResult::NotPaid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), NotExercised);
}

#[test]
fn an_outcome_before_the_task_ended_is_not_judged_here() {
    let mut run = ended_sale(TaskState::Completed, true);
    run.outcome("o1", 9.999, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), NotExercised);
}

#[rstest]
#[case::approved_read_and_paid(true, 0, OutcomeResult::Paid, Pass)]
#[case::declined_read_and_not_paid(false, 1122, OutcomeResult::NotPaid, Pass)]
#[case::declined_read_but_paid(false, 1122, OutcomeResult::Paid, Fail)]
fn a_completed_sale_read_after_it_ended(
    #[case] captured: bool,
    #[case] result: i64,
    #[case] reported: OutcomeResult,
    #[case] expected: VerdictKind,
) {
    let mut run = ended_sale(TaskState::Completed, captured);
    run.fetch("A1", 11.0, result);
    run.outcome("o1", 12.0, reported, json!(null));
    let verdict = run.verdict(NOT_PAYMENT, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    match expected {
        Pass => assert!(verdict.happened.contains("the result was read before each outcome"), "{}", verdict.happened),
        _ => {
            assert!(
                verdict.happened.contains("but no transaction read says so (none captured read: A1)"),
                "{}",
                verdict.happened
            );
            assert!(verdict.evidence.iter().any(|e| e.contains("outcome paid")), "{:?}", verdict.evidence);
        }
    }
}

#[rstest]
#[case::completed(TaskState::Completed, true, OutcomeResult::Paid)]
#[case::failed_with_a_transaction(TaskState::Failed, false, OutcomeResult::NotPaid)]
fn an_outcome_from_the_task_state_alone_fails(
    #[case] state: TaskState,
    #[case] captured: bool,
    #[case] reported: OutcomeResult,
) {
    let mut run = ended_sale(state, captured);
    run.poll("T1", 10.5, state.as_str(), Some("A1"));
    run.outcome("o1", 12.0, reported, json!(null));
    let verdict = run.verdict(NOT_PAYMENT, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("without reading transaction A1 after task T1 ended at"), "{}", verdict.happened);
    assert!(verdict.evidence.iter().any(|e| e.contains("event") && e.contains("outcome")), "{:?}", verdict.evidence);
}

/// The read counts when it was received at or after the task's end and answered at or before
/// the outcome.
#[rstest]
#[case::received_as_the_task_ended(10.0, 10.0, Pass)]
#[case::received_1_ms_before_the_task_ended(9.999, 10.0, Fail)]
#[case::answered_as_the_outcome_was_reported(10.0, 12.0, Pass)]
#[case::answered_1_ms_after_the_outcome(10.0, 12.001, Fail)]
fn the_read_falls_between_the_end_and_the_outcome(
    #[case] received: f64,
    #[case] answered: f64,
    #[case] expected: VerdictKind,
) {
    let mut run = ended_sale(TaskState::Completed, true);
    run.ex("cloud", "GET", "/v1/transactions/A1", received)
        .answer(200, json!({"amsId": "A1", "result": 0}))
        .answered_at(answered)
        .add();
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), expected);
}

#[rstest]
#[case::a_pending_result(200, None, json!({"amsId": "A1", "result": -9}))]
#[case::a_503(503, None, json!({"error": {"code": "SCRIPTED_FAULT"}}))]
#[case::a_lost_answer(200, Some(FaultKind::Reset), json!({"amsId": "A1", "result": 0}))]
#[case::a_garbled_answer(200, Some(FaultKind::MalformedJson), json!({"amsId": "A1", "result": 0}))]
fn a_read_that_gave_no_final_result_does_not_count(
    #[case] status: u16,
    #[case] fault: Option<FaultKind>,
    #[case] body: serde_json::Value,
) {
    let mut run = ended_sale(TaskState::Completed, true);
    let mut ex = run.ex("cloud", "GET", "/v1/transactions/A1", 11.0).answer(status, body);
    if let Some(kind) = fault {
        ex = ex.fault(kind, When::AfterActing);
    }
    ex.add();
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), Fail);
}

#[test]
fn a_read_of_another_transaction_does_not_count() {
    let mut run = ended_sale(TaskState::Completed, true);
    run.fetch("A9", 11.0, 0);
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), Fail);
}

/// Every definitive outcome is judged, not only the first.
#[test]
fn a_second_outcome_after_a_retry_needs_its_own_read() {
    let mut run = ended_sale(TaskState::Failed, false);
    run.fetch("A1", 11.0, 1122);
    run.outcome("o1", 12.0, OutcomeResult::NotPaid, json!(null));
    run.create_sale("R1", 20.0, 201, Some("T2"));
    run.sale_task("T2", Some("R1"), 20.0, Some((30.0, TaskState::Completed)), "A2", true);
    run.outcome("o1", 32.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(NOT_PAYMENT, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    // The only read was of the failed first task's transaction, which does not say paid.
    assert!(verdict.happened.contains("no transaction read says so (none captured read: A1)"), "{}", verdict.happened);
}

fn close_run(read: Option<&str>, at: f64) -> Synth {
    let text = scenario("\"cloud\"", "\"CLOUD-TASK-NOT-PAYMENT\"", &order("c1", "close_batch", "EOD", ""));
    let mut run = Synth::new(&text);
    let totals = Totals { sale_count: 1, sale_amount: 1250, void_count: 0, void_amount: 0 };
    run.task("B1", "999888", close(Some("EOD")), 1.0);
    run.batch_closed(3.0, "BATCH-1", totals).task_state("B1", 3.0, TaskState::Completed, Some("BATCH-1"));
    match read {
        Some("batch") => {
            run.read_batch("BATCH-1", at, json!({"amsId": "BATCH-1"}));
        }
        Some(_) => {
            run.fetch("BATCH-1", at, 0);
        }
        None => {}
    }
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!(null));
    run
}

#[rstest]
#[case::the_batch_read_after_it_closed(Some("batch"), 4.0, Pass)]
#[case::the_batch_read_before_it_closed(Some("batch"), 2.0, Fail)]
#[case::the_batch_read_as_a_transaction(Some("transaction"), 4.0, Fail)]
#[case::nothing_read(None, 4.0, Fail)]
fn a_close_batch_outcome_follows_a_read_of_the_batch(
    #[case] read: Option<&str>,
    #[case] at: f64,
    #[case] expected: VerdictKind,
) {
    let verdict = close_run(read, at).verdict(NOT_PAYMENT, Some("c1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("reported batch_closed at"), "{}", verdict.happened);
        assert!(verdict.happened.contains("without reading batch BATCH-1 after task B1 ended"), "{}", verdict.happened);
    }
}

#[test]
fn a_sale_read_as_a_batch_does_not_count() {
    let mut run = ended_sale(TaskState::Completed, true);
    run.read_batch("A1", 11.0, json!({"amsId": "A1"}));
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(NOT_PAYMENT, Some("o1")), Fail);
}

// CLOUD-POLL-UNTIL-FINAL.

fn poll_run(extra: &str) -> Synth {
    Synth::new(&scenario(
        "\"cloud\"",
        "\"CLOUD-POLL-UNTIL-FINAL\"",
        &format!("{extra}{}", order("o1", "sale", "R1", "")),
    ))
}

#[test]
fn a_scenario_without_a_cloud_order_does_not_exercise_poll_until_final() {
    let text = scenario(
        "\"cloud\", \"app2app\"",
        "\"CLOUD-POLL-UNTIL-FINAL\"",
        &order("o1", "sale", "R1", "surface = \"app2app\"\n"),
    );
    let verdict = Synth::new(&text).verdict(POLL, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("the scenario has no Cloud order"), "{}", verdict.happened);
}

#[test]
fn a_task_never_polled_leaves_poll_until_final_not_exercised() {
    let mut run = poll_run("");
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no task of the order was polled or seen final"), "{}", verdict.happened);
}

#[test]
fn polling_until_completed_and_stopping_passes() {
    let mut run = poll_run("");
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    for s in [2.0, 5.0, 8.0] {
        run.poll("T1", s, "IN_PROGRESS", Some("A1"));
    }
    run.poll("T1", 11.0, "COMPLETED", Some("A1"));
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(verdict.happened.contains("polled until final, not after"), "{}", verdict.happened);
}

/// Polls after the first answer that showed the task final are too many; one started at
/// the very moment that answer was written is not after it.
#[rstest]
#[case::none_after(&[], Pass)]
#[case::one_started_as_the_final_answer_was_written(&[11.0], Pass)]
#[case::one_started_1_ms_later(&[11.001], Fail)]
#[case::two_later(&[12.0, 13.0], Fail)]
fn polls_after_the_task_was_seen_final(#[case] after: &[f64], #[case] expected: VerdictKind) {
    let mut run = poll_run("");
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.poll("T1", 5.0, "IN_PROGRESS", Some("A1"));
    run.ex("cloud", "GET", "/v1/tasks/T1", 10.5)
        .answer(200, json!({"taskId": "T1", "state": "COMPLETED", "amsId": "A1"}))
        .answered_at(11.0)
        .add();
    for s in after {
        run.poll("T1", *s, "COMPLETED", Some("A1"));
    }
    run.outcome("o1", 14.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        let said = format!("polled task T1 {} more time(s) after it was final", after.len());
        assert!(verdict.happened.contains(&said), "{}", verdict.happened);
        assert_eq!(verdict.evidence.len(), after.len(), "{:?}", verdict.evidence);
    }
}

#[test]
fn a_list_by_reference_that_shows_the_task_final_counts_as_seeing_it() {
    let mut run = poll_run("");
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.poll("T1", 5.0, "IN_PROGRESS", Some("A1"));
    run.list("R1", 11.0, json!([{"taskId": "T1", "state": "COMPLETED"}]));
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(POLL, Some("o1")), Pass, "the list showed it final");
    run.poll("T1", 13.0, "COMPLETED", Some("A1"));
    assert_eq!(run.kind(POLL, Some("o1")), Fail, "polled after the list showed it final");
}

#[test]
fn a_list_that_shows_another_task_or_a_live_state_is_not_seeing_it_final() {
    let mut run = poll_run("");
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.poll("T1", 5.0, "IN_PROGRESS", Some("A1"));
    run.list("R1", 11.0, json!([{"taskId": "T9", "state": "COMPLETED"}, {"taskId": "T1", "state": "IN_PROGRESS"}]));
    run.outcome("o1", 12.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("reported paid at"), "{}", verdict.happened);
    assert!(verdict.happened.contains("without seeing task T1 final"), "{}", verdict.happened);
}

#[rstest]
#[case::paid(OutcomeResult::Paid, Fail)]
#[case::not_paid(OutcomeResult::NotPaid, Fail)]
#[case::unknown(OutcomeResult::Unknown, Pass)]
fn an_outcome_without_seeing_the_task_final(#[case] result: OutcomeResult, #[case] expected: VerdictKind) {
    let mut run = poll_run("patience = \"1m\"\n");
    run.sale_task("T1", Some("R1"), 1.0, Some((20.0, TaskState::Completed)), "A1", true);
    run.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    run.poll("T1", 12.0, "IN_PROGRESS", Some("A1"));
    run.outcome("o1", 21.0, result, json!(null));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
}

/// With a patience window of 10 s (1 s of tolerance), a poll 11 s after the last answer is
/// still in time; 1 ms more is giving up on the task for a while.
#[rstest]
#[case::eleven_seconds_apart(13.0, Pass)]
#[case::eleven_seconds_and_1_ms_apart(13.001, Fail)]
fn polls_of_a_live_task_stay_within_the_patience_window(#[case] second: f64, #[case] expected: VerdictKind) {
    let mut run = poll_run("patience = \"10s\"\n");
    run.sale_task("T1", Some("R1"), 1.0, Some((30.0, TaskState::Completed)), "A1", true);
    run.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    run.poll("T1", second, "IN_PROGRESS", Some("A1"));
    run.poll("T1", 20.0, "IN_PROGRESS", Some("A1"));
    run.poll("T1", 30.0, "COMPLETED", Some("A1"));
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, expected, "seen final in the end, the waits before still count: {verdict:#?}");
    // Never seen final: the same.
    let mut unseen = poll_run("patience = \"10s\"\n");
    unseen.sale_task("T1", Some("R1"), 1.0, None, "A1", false);
    unseen.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    unseen.poll("T1", second, "IN_PROGRESS", Some("A1"));
    for s in [20.0, 30.0, 40.0, 50.0] {
        unseen.poll("T1", s, "IN_PROGRESS", Some("A1"));
    }
    unseen.outcome("o1", 55.0, OutcomeResult::Unknown, json!(null));
    let verdict = unseen.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("left task T1 unpolled for 11001ms"), "{}", verdict.happened);
        assert!(verdict.happened.contains("longer than the patience window"), "{}", verdict.happened);
    }
}

/// After the last poll, the task stays the integration's to follow while it is live: until it
/// ended, the order's first outcome or its deadline, whichever comes first.
#[rstest]
#[case::the_task_ended_within_the_window_after_the_last_poll(Some(12.0), None, Pass)]
#[case::the_task_ended_past_the_window(Some(14.0), None, Fail)]
#[case::unknown_reported_within_the_window(None, Some(12.0), Pass)]
#[case::unknown_reported_past_the_window(None, Some(14.0), Fail)]
fn the_last_poll_of_a_task_never_seen_final(
    #[case] ended: Option<f64>,
    #[case] unknown_at: Option<f64>,
    #[case] expected: VerdictKind,
) {
    let mut run = poll_run("patience = \"10s\"\n");
    run.sale_task("T1", Some("R1"), 1.0, ended.map(|s| (s, TaskState::Completed)), "A1", true);
    run.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    if let Some(s) = unknown_at {
        run.outcome("o1", s, OutcomeResult::Unknown, json!(null));
    }
    let verdict = run.verdict(POLL, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
}

#[test]
fn the_last_poll_is_judged_up_to_the_deadline_at_most() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-POLL-UNTIL-FINAL\"",
        &format!("patience = \"10s\"\n{}", order("o1", "sale", "R1", "deadline = \"13s\"\n")),
    );
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, None, "A1", false);
    run.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    assert_eq!(run.kind(POLL, Some("o1")), Pass, "the deadline came 11 s after the last poll");
}

#[test]
fn only_the_orders_last_task_must_be_followed() {
    let mut run = poll_run("patience = \"10s\"\n");
    run.sale_task("T1", Some("R1"), 1.0, Some((50.0, TaskState::Completed)), "A1", false);
    run.poll("T1", 2.0, "IN_PROGRESS", Some("A1"));
    run.withdraw("T1", 3.0, 409);
    run.sale_task("T2", Some("R1"), 4.0, Some((20.0, TaskState::Completed)), "A2", true);
    run.poll("T2", 10.0, "IN_PROGRESS", Some("A2"));
    run.poll("T2", 20.0, "COMPLETED", Some("A2"));
    run.outcome("o1", 21.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(POLL, Some("o1")), Pass);
}
