//! CLOUD-NO-DUPLICATE-SALE (one live SALE task per order), CLOUD-BATCH-TOTALS (the totals read
//! from the closed batch) and CLOUD-QUEUE-PARALLEL (orders sharing a terminal, each with its
//! own task's outcome).

use rstest::rstest;
use serde_json::{Value, json};

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, close, order, sale, scenario};
use crate::record::events::OutcomeResult;
use crate::scenario::model::{FaultKind, When};
use crate::world::batch::Totals;
use crate::world::task::TaskState;

const DUPLICATE: &str = "CLOUD-NO-DUPLICATE-SALE";
const TOTALS: &str = "CLOUD-BATCH-TOTALS";
const PARALLEL: &str = "CLOUD-QUEUE-PARALLEL";

// CLOUD-NO-DUPLICATE-SALE.

fn sale_run() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-NO-DUPLICATE-SALE\"", &order("o1", "sale", "R1", "")))
}

#[test]
fn a_scenario_without_a_cloud_sale_does_not_exercise_no_duplicate_sale() {
    let text = scenario("\"cloud\"", "\"CLOUD-NO-DUPLICATE-SALE\"", &order("c1", "close_batch", "EOD", ""));
    let verdict = Synth::new(&text).verdict(DUPLICATE, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("the scenario has no Cloud sale"), "{}", verdict.happened);
}

#[test]
fn no_sale_task_leaves_no_duplicate_sale_not_exercised() {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 503, None);
    let verdict = run.verdict(DUPLICATE, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no SALE task was created for the order"), "{}", verdict.happened);
}

#[test]
fn one_sale_task_passes() {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    let verdict = run.verdict(DUPLICATE, Some("o1"));
    assert_eq!(verdict.kind, Pass);
    assert!(verdict.happened.contains("1 SALE task(s), never two at once"), "{}", verdict.happened);
}

/// A second SALE task for the order: fine once the first is final (at that very moment too),
/// a duplicate 1 ms before.
#[rstest]
#[case::created_as_the_first_ended(10.0, Pass)]
#[case::created_1_ms_before_the_first_ended(9.999, Fail)]
#[case::created_while_the_first_was_queued(2.0, Fail)]
fn a_second_sale_task(#[case] second_at: f64, #[case] expected: VerdictKind) {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Failed)), "A1", false);
    run.create_sale("R1", second_at, 201, Some("T2"));
    run.sale_task("T2", Some("R1"), second_at, Some((20.0, TaskState::Completed)), "A2", true);
    let verdict = run.verdict(DUPLICATE, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("SALE task T2 was created at"), "{}", verdict.happened);
        assert!(verdict.happened.contains("while task T1 (created"), "{}", verdict.happened);
        assert_eq!(verdict.evidence.len(), 2, "both creates: {:?}", verdict.evidence);
    } else {
        assert!(verdict.happened.contains("2 SALE task(s)"), "{}", verdict.happened);
    }
}

#[test]
fn a_second_sale_after_withdrawing_the_first_passes() {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.task("T1", "999888", sale(Some("R1"), 1250), 1.0);
    run.withdraw("T1", 3.0, 200);
    run.task_state("T1", 3.0, TaskState::Cancelled, None);
    run.create_sale("R1", 4.0, 201, Some("T2"));
    run.sale_task("T2", Some("R1"), 4.0, Some((20.0, TaskState::Completed)), "A2", true);
    assert_eq!(run.kind(DUPLICATE, Some("o1")), Pass);
}

/// The third task is judged against every earlier one, not only the one before it.
#[test]
fn a_third_sale_while_the_first_still_runs_fails() {
    let mut run = sale_run();
    run.sale_task("T1", Some("R1"), 1.0, None, "A1", false);
    run.sale_task("T2", Some("R1"), 2.0, Some((3.0, TaskState::Cancelled)), "A2", false);
    run.sale_task("T3", Some("R1"), 5.0, Some((9.0, TaskState::Completed)), "A3", true);
    let verdict = run.verdict(DUPLICATE, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(
        verdict.happened.contains("SALE task T2 was created"),
        "the first duplicate is named: {}",
        verdict.happened
    );
}

#[test]
fn sales_of_two_orders_at_once_are_not_duplicates() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-NO-DUPLICATE-SALE\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("o2", "sale", "R2", "")),
    );
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.sale_task("T2", Some("R2"), 2.0, Some((12.0, TaskState::Completed)), "A2", true);
    assert_eq!((run.kind(DUPLICATE, Some("o1")), run.kind(DUPLICATE, Some("o2"))), (Pass, Pass));
}

// CLOUD-BATCH-TOTALS.

const BATCH: Totals = Totals { sale_count: 3, sale_amount: 5000, void_count: 1, void_amount: 1250 };

fn reported() -> Value {
    json!({"saleCount": 3, "saleAmount": 5000, "voidCount": 1, "voidAmount": 1250, "totalCount": 4, "totalAmount": 3750})
}

/// A close batch whose task B1 closed BATCH-1 at 3 s.
fn closed(rules: &str) -> Synth {
    let mut run = Synth::new(&scenario("\"cloud\"", rules, &order("c1", "close_batch", "EOD", "")));
    run.create_close("EOD", 1.0, 201, Some("B1"));
    run.task("B1", "999888", close(Some("EOD")), 1.0);
    run.batch_closed(3.0, "BATCH-1", BATCH).task_state("B1", 3.0, TaskState::Completed, Some("BATCH-1"));
    run
}

#[test]
fn a_scenario_without_a_cloud_close_batch_does_not_exercise_batch_totals() {
    let text = scenario("\"cloud\"", "\"CLOUD-BATCH-TOTALS\"", &order("o1", "sale", "R1", ""));
    let verdict = Synth::new(&text).verdict(TOTALS, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("the scenario has no Cloud close-batch order"), "{}", verdict.happened);
}

#[rstest]
#[case::nothing_reported(None)]
#[case::not_closed_reported(Some(OutcomeResult::NotClosed))]
fn no_batch_closed_outcome_leaves_batch_totals_not_exercised(#[case] result: Option<OutcomeResult>) {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    if let Some(result) = result {
        run.outcome("c1", 5.0, result, json!(null));
    }
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no batch_closed outcome was reported"), "{}", verdict.happened);
}

#[test]
fn the_totals_read_and_reported_pass() {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    run.read_batch("BATCH-1", 4.0, json!({"amsId": "BATCH-1"}));
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": reported()}));
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(verdict.happened.contains("the totals match the batch read"), "{}", verdict.happened);
}

#[test]
fn batch_closed_with_no_batch_closed_fails() {
    let mut run = Synth::new(&scenario("\"cloud\"", "\"CLOUD-BATCH-TOTALS\"", &order("c1", "close_batch", "EOD", "")));
    run.create_close("EOD", 1.0, 201, Some("B1"));
    run.task("B1", "999888", close(Some("EOD")), 1.0);
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": reported()}));
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("no batch of the order had closed"), "{}", verdict.happened);
    assert!(verdict.evidence[0].contains("outcome batch_closed"), "{:?}", verdict.evidence);
}

#[rstest]
#[case::sale_count("saleCount", json!(2), 3)]
#[case::sale_amount("saleAmount", json!(4999), 5000)]
#[case::void_count("voidCount", json!(0), 1)]
#[case::void_amount("voidAmount", json!(0), 1250)]
#[case::total_count("totalCount", json!(3), 4)]
#[case::total_amount("totalAmount", json!(5000), 3750)]
#[case::a_total_as_text("saleCount", json!("3"), 3)]
fn a_wrong_total_fails_and_names_the_field(#[case] field: &str, #[case] said: Value, #[case] truth: i64) {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    run.read_batch("BATCH-1", 4.0, json!({"amsId": "BATCH-1"}));
    let mut batch = reported();
    batch[field] = said.clone();
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": batch}));
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "the reported totals differ from the closed batch");
    let line = format!("{field}: reported {said}, the closed batch BATCH-1 has {truth}");
    assert_eq!(verdict.evidence.len(), 2, "{:?}", verdict.evidence);
    assert_eq!(verdict.evidence[1], line);
}

#[test]
fn totals_missing_from_the_outcome_are_each_named() {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    run.read_batch("BATCH-1", 4.0, json!({"amsId": "BATCH-1"}));
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!(null));
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.evidence.len(), 7, "the outcome and six fields: {:?}", verdict.evidence);
    assert!(verdict.evidence[1].starts_with("saleCount: reported nothing"), "{:?}", verdict.evidence);
}

/// The batch is read after it closed (at that moment too) and before the outcome (answered at
/// that moment too), with a whole 200 answer.
#[rstest]
#[case::received_as_it_closed(3.0, 3.0, 200, None, Pass)]
#[case::received_1_ms_before_it_closed(2.999, 3.5, 200, None, Fail)]
#[case::answered_as_the_outcome_came(4.0, 5.0, 200, None, Pass)]
#[case::answered_1_ms_after_the_outcome(4.0, 5.001, 200, None, Fail)]
#[case::answered_404(4.0, 4.0, 404, None, Fail)]
#[case::answer_reset(4.0, 4.0, 200, Some(FaultKind::Reset), Fail)]
fn the_batch_read(
    #[case] received: f64,
    #[case] answered: f64,
    #[case] status: u16,
    #[case] fault: Option<FaultKind>,
    #[case] expected: VerdictKind,
) {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    let mut ex =
        run.ex("cloud", "GET", "/v1/batches/BATCH-1", received).answer(status, json!({})).answered_at(answered);
    if let Some(kind) = fault {
        ex = ex.fault(kind, When::AfterActing);
    }
    ex.add();
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": reported()}));
    let verdict = run.verdict(TOTALS, Some("c1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "reported batch_closed without reading GET /v1/batches/BATCH-1 after it closed");
    }
}

/// The last `batch_closed` counts: totals made up after the right ones fail.
#[rstest]
#[case::right_then_made_up(json!({"saleCount": 9}), Fail)]
#[case::made_up_then_right(json!(null), Pass)]
fn the_last_batch_closed_outcome_is_judged(#[case] second: Value, #[case] expected: VerdictKind) {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    run.read_batch("BATCH-1", 4.0, json!({"amsId": "BATCH-1"}));
    let (first, last) = if second.is_null() { (json!({"saleCount": 9}), reported()) } else { (reported(), second) };
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": first}));
    run.outcome("c1", 6.0, OutcomeResult::BatchClosed, json!({"batch": last}));
    assert_eq!(run.kind(TOTALS, Some("c1")), expected);
}

#[test]
fn the_open_batch_read_is_not_the_closed_batch() {
    let mut run = closed("\"CLOUD-BATCH-TOTALS\"");
    run.read_batch("OPEN", 4.0, json!({}));
    run.outcome("c1", 5.0, OutcomeResult::BatchClosed, json!({"batch": reported()}));
    assert_eq!(run.kind(TOTALS, Some("c1")), Fail);
}

// CLOUD-QUEUE-PARALLEL.

/// Two sale orders: o1 (R1) on 999888, o2 (R2) on `tid2`.
fn two_sales(tid2: &str) -> Synth {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-QUEUE-PARALLEL\"",
        &format!(
            "[[terminals]]\ntid = \"999888\"\n[[terminals]]\ntid = \"100001\"\n{}{}",
            order("o1", "sale", "R1", ""),
            order("o2", "sale", "R2", &format!("tid = \"{tid2}\"\n"))
        ),
    );
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    run.task("T2", tid2, sale(Some("R2"), 1250), 2.0);
    run.task_state("T2", 12.0, TaskState::Completed, Some("A2"));
    run
}

#[test]
fn orders_on_different_terminals_leave_queue_parallel_not_exercised() {
    let verdict = two_sales("100001").verdict(PARALLEL, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no two orders had tasks on one terminal"), "{}", verdict.happened);
}

#[test]
fn one_order_alone_leaves_queue_parallel_not_exercised() {
    let text = scenario("\"cloud\"", "\"CLOUD-QUEUE-PARALLEL\"", &order("o1", "sale", "R1", ""));
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
    assert_eq!(run.kind(PARALLEL, None), NotExercised);
}

#[test]
fn each_order_with_its_own_tasks_outcome_passes() {
    // o1's card was approved (A1 captured); o2's declined (A2 not captured).
    let mut run = two_sales("999888");
    run.outcome("o1", 11.0, OutcomeResult::Paid, json!({"taskId": "T1"}));
    run.outcome("o2", 13.0, OutcomeResult::NotPaid, json!({"taskId": "T2"}));
    let verdict = run.verdict(PARALLEL, None);
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(verdict.happened.contains("2 orders sharing a terminal"), "{}", verdict.happened);
}

#[test]
fn an_outcome_naming_the_other_orders_task_fails() {
    let mut run = two_sales("999888");
    run.outcome("o1", 11.0, OutcomeResult::Paid, json!({"taskId": "T1"}));
    run.outcome("o2", 13.0, OutcomeResult::NotPaid, json!({"taskId": "T1"}));
    let verdict = run.verdict(PARALLEL, None);
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "outcomes were not the orders' own tasks'");
    assert_eq!(verdict.evidence, vec!["order o2 reported task T1, which is not its own".to_owned()]);
}

#[rstest]
#[case::swapped_paid_for_the_declined_order("o2", OutcomeResult::Paid, "reported paid", "no approved payment")]
#[case::swapped_not_paid_for_the_approved_order(
    "o1",
    OutcomeResult::NotPaid,
    "reported not_paid",
    "an approved payment"
)]
fn an_outcome_that_is_not_the_orders_own_tasks_fails(
    #[case] wrong: &str,
    #[case] result: OutcomeResult,
    #[case] said: &str,
    #[case] had: &str,
) {
    let mut run = two_sales("999888");
    let right = |o: &str| if o == "o1" { OutcomeResult::Paid } else { OutcomeResult::NotPaid };
    for o in ["o1", "o2"] {
        run.outcome(o, 14.0, if o == wrong { result } else { right(o) }, json!(null));
    }
    let verdict = run.verdict(PARALLEL, None);
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.evidence.len(), 1, "{:?}", verdict.evidence);
    assert!(verdict.evidence[0].starts_with(&format!("order {wrong} {said} at")), "{:?}", verdict.evidence);
    assert!(verdict.evidence[0].ends_with(&format!("but its own task had {had}")), "{:?}", verdict.evidence);
}

#[test]
fn paid_before_the_orders_own_task_ended_is_not_its_tasks_outcome() {
    let mut run = two_sales("999888");
    run.outcome("o1", 9.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(PARALLEL, None), Fail);
}

#[test]
fn an_unknown_or_close_batch_outcome_claims_no_payment() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-QUEUE-PARALLEL\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("c1", "close_batch", "EOD", "")),
    );
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, None, "A1", false);
    run.task("B1", "999888", close(Some("EOD")), 2.0);
    run.outcome("o1", 5.0, OutcomeResult::Unknown, json!(null));
    run.outcome("c1", 5.0, OutcomeResult::NotClosed, json!(null));
    assert_eq!(run.kind(PARALLEL, None), Pass);
}
