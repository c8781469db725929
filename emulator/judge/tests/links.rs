//! LINK-PARAMS-VALID (every link parses), LINK-STATUS-HANDLED (each order's outcome against
//! its own links' answers) and LINK-RECEIPT-CHOICE (who hands over a receipt).

use rstest::rstest;
use serde_json::{Value, json};

use crate::journal::LinkCheck;
use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, link_target, order, scenario};
use crate::record::events::OutcomeResult;
use crate::scenario::model::{FaultKind, When};

const PARAMS: &str = "LINK-PARAMS-VALID";
const STATUS: &str = "LINK-STATUS-HANDLED";
const RECEIPT: &str = "LINK-RECEIPT-CHOICE";

fn link_run(rules: &str, extra: &str) -> Synth {
    Synth::new(&scenario("\"app2app\"", rules, &order("o1", "sale", "L1", extra)))
}

const PAY: &[(&str, &str)] = &[("amount", "1250"), ("originReferenceNum", "L1")];

// LINK-PARAMS-VALID.

#[test]
fn no_link_opened_leaves_params_valid_not_exercised() {
    let verdict = link_run("\"LINK-PARAMS-VALID\"", "").verdict(PARAMS, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no deep link was opened"), "{}", verdict.happened);
}

#[test]
fn clean_links_pass() {
    let mut run = link_run("\"LINK-PARAMS-VALID\"", "");
    run.link("transaction/create", PAY, 1.0, json!({"status": "COMPLETED"}));
    run.link("transaction/create", PAY, 2.0, json!({"status": "CANCELLED"}));
    let verdict = run.verdict(PARAMS, None);
    assert_eq!(verdict.kind, Pass);
    assert!(verdict.happened.contains("2 link(s), each well formed"), "{}", verdict.happened);
}

fn checked(check: LinkCheck) -> Synth {
    let mut run = link_run("\"LINK-PARAMS-VALID\"", "");
    run.link("transaction/create", PAY, 1.0, json!({"status": "COMPLETED"}));
    run.ex("app2app", "GET", &link_target("transaction/create", PAY), 2.0)
        .answer(302, json!({"status": "ERROR"}))
        .link_check(check)
        .add();
    run
}

#[rstest]
#[case::a_malformed_amount(
    LinkCheck { malformed: Some("invalidAmount".into()), ..LinkCheck::default() },
    "answered ERROR invalidAmount"
)]
#[case::a_parameter_twice(
    LinkCheck { repeated: vec!["amount".into()], ..LinkCheck::default() },
    "amount given more than once"
)]
#[case::an_unknown_parameter(
    LinkCheck { unknown: vec!["colour".into()], ..LinkCheck::default() },
    "unknown parameter colour"
)]
#[case::everything_at_once(
    LinkCheck { malformed: Some("invalidClientId".into()), repeated: vec!["a".into()], unknown: vec!["b".into()], scripted: false },
    "answered ERROR invalidClientId; a given more than once; unknown parameter b"
)]
fn a_malformed_link_fails_and_says_why(#[case] check: LinkCheck, #[case] why: &str) {
    let verdict = checked(check).verdict(PARAMS, None);
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "1 of 2 links were malformed");
    assert_eq!(verdict.evidence.len(), 1, "{:?}", verdict.evidence);
    assert!(verdict.evidence[0].ends_with(&format!("→ 302 ({why})")), "{:?}", verdict.evidence);
}

#[test]
fn an_error_the_script_chose_is_not_the_links_fault() {
    let check = LinkCheck { malformed: Some("userNotLoggedIn".into()), scripted: true, ..LinkCheck::default() };
    assert_eq!(checked(check).kind(PARAMS, None), Pass);
}

#[rstest]
#[case::with_the_first_line_of_its_message(json!({"error": {"message": "uri: not a gptom link\nmore"}}), "(uri: not a gptom link)")]
#[case::without_a_message(json!(null), "(refused)")]
fn a_link_refused_400_fails(#[case] body: Value, #[case] why: &str) {
    let mut run = link_run("\"LINK-PARAMS-VALID\"", "");
    run.ex("app2app", "GET", "/app2app?uri=nonsense", 1.0).answer(400, body).add();
    let verdict = run.verdict(PARAMS, None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.evidence[0].ends_with(why), "{:?}", verdict.evidence);
}

// LINK-STATUS-HANDLED.

#[test]
fn a_scenario_without_a_deep_link_order_does_not_exercise_status_handled() {
    let text = scenario(
        "\"app2app\", \"cloud\"",
        "\"LINK-STATUS-HANDLED\"",
        &order("o1", "sale", "R1", "surface = \"cloud\"\n"),
    );
    let verdict = Synth::new(&text).verdict(STATUS, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("the scenario has no deep-link order"), "{}", verdict.happened);
}

#[rstest]
#[case::no_outcome(true, false)]
#[case::no_link_answered(false, true)]
fn status_handled_needs_an_answered_link_and_an_outcome(#[case] answered: bool, #[case] outcome: bool) {
    let mut run = link_run("\"LINK-STATUS-HANDLED\"", "");
    let mut ex = run
        .ex("app2app", "GET", &link_target("transaction/create", PAY), 1.0)
        .answer(302, json!({"status": "CANCELLED"}));
    if !answered {
        ex = ex.fault(FaultKind::Reset, When::AfterActing);
    }
    ex.add();
    if outcome {
        run.outcome("o1", 2.0, OutcomeResult::Paid, json!(null));
    }
    let verdict = run.verdict(STATUS, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no link of the order was answered, or no outcome"), "{}", verdict.happened);
}

#[rstest]
#[case::completed_paid("COMPLETED", OutcomeResult::Paid, Pass)]
#[case::cancelled_not_paid("CANCELLED", OutcomeResult::NotPaid, Pass)]
#[case::error_not_paid("ERROR", OutcomeResult::NotPaid, Pass)]
#[case::error_unknown("ERROR", OutcomeResult::Unknown, Pass)]
#[case::cancelled_paid("CANCELLED", OutcomeResult::Paid, Fail)]
#[case::error_paid("ERROR", OutcomeResult::Paid, Fail)]
#[case::error_voided("ERROR", OutcomeResult::Voided, Fail)]
#[case::cancelled_batch_closed("CANCELLED", OutcomeResult::BatchClosed, Fail)]
fn an_outcome_after_a_links_answer(#[case] status: &str, #[case] result: OutcomeResult, #[case] expected: VerdictKind) {
    let mut run = link_run("\"LINK-STATUS-HANDLED\"", "");
    run.link("transaction/create", PAY, 1.0, json!({"status": status}));
    run.outcome("o1", 2.0, result, json!(null));
    let verdict = run.verdict(STATUS, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        let said = format!("reported {} after its link answered {status}", crate::judge::facts::word(result));
        assert_eq!(verdict.happened, said);
        assert_eq!(verdict.evidence.len(), 2, "{:?}", verdict.evidence);
    } else {
        assert!(verdict.happened.contains("each outcome matched its own links' answers"), "{}", verdict.happened);
    }
}

/// The last link answered before the outcome counts: a retry that completes makes `paid` right,
/// a later cancel makes it wrong; an answer written at the moment of the outcome counts.
#[rstest]
#[case::error_then_completed(&["ERROR", "COMPLETED"], 2.0, 2.5, Pass)]
#[case::completed_then_cancelled(&["COMPLETED", "CANCELLED"], 2.0, 2.5, Fail)]
#[case::cancelled_answered_as_the_outcome_came(&["COMPLETED", "CANCELLED"], 1.0, 1.0, Fail)]
#[case::cancelled_answered_1_ms_after_the_outcome(&["COMPLETED", "CANCELLED"], 1.001, 1.0, Pass)]
fn the_last_answer_before_the_outcome_counts(
    #[case] answers: &[&str],
    #[case] second_at: f64,
    #[case] paid_at: f64,
    #[case] expected: VerdictKind,
) {
    let mut run = link_run("\"LINK-STATUS-HANDLED\"", "");
    run.link("transaction/create", PAY, 0.5, json!({"status": answers[0]}));
    run.link("transaction/create", PAY, second_at, json!({"status": answers[1]}));
    run.outcome("o1", paid_at, OutcomeResult::Paid, json!(null));
    run.outcome("o1", 3.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(STATUS, Some("o1")), expected);
}

/// `paid` reported before any link of the order was answered cannot come from a COMPLETED
/// answer.
#[test]
fn paid_before_any_answer_fails() {
    let mut run = link_run("\"LINK-STATUS-HANDLED\"", "");
    run.outcome("o1", 0.5, OutcomeResult::Paid, json!(null));
    run.link("transaction/create", PAY, 1.0, json!({"status": "CANCELLED"}));
    let verdict = run.verdict(STATUS, Some("o1"));
    assert_eq!(verdict.kind, Fail, "{verdict:#?}");
    assert!(
        verdict.happened.contains("reported paid before any link of the order was answered"),
        "{}",
        verdict.happened
    );
}

// LINK-RECEIPT-CHOICE.

fn receipt_run(asked_false: bool) -> Synth {
    link_run("\"LINK-RECEIPT-CHOICE\"", if asked_false { "print_by_payment_app = false\n" } else { "" })
}

const PAY_FALSE: &[(&str, &str)] = &[("amount", "1250"), ("originReferenceNum", "L1"), ("printByPaymentApp", "false")];

#[test]
fn a_scenario_without_a_deep_link_order_does_not_exercise_receipt_choice() {
    let text = scenario(
        "\"app2app\", \"cloud\"",
        "\"LINK-RECEIPT-CHOICE\"",
        &order("o1", "sale", "R1", "surface = \"cloud\"\n"),
    );
    assert_eq!(Synth::new(&text).kind(RECEIPT, None), NotExercised);
}

#[test]
fn gp_tom_handing_over_the_receipt_leaves_receipt_choice_not_exercised() {
    let mut run = receipt_run(false);
    run.link("transaction/create", PAY, 1.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", 2.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(RECEIPT, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("GP tom hands over the receipt"), "{}", verdict.happened);
}

#[test]
fn no_answer_with_a_receipt_leaves_receipt_choice_not_exercised() {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY_FALSE, 1.0, json!({"status": "CANCELLED"}));
    let verdict = run.verdict(RECEIPT, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("no answer of the order carried a receipt"), "{}", verdict.happened);
}

#[rstest]
#[case::an_approved_receipt(json!({"status": "COMPLETED", "receipt": {}}), OutcomeResult::Paid)]
#[case::a_declined_receipt(json!({"status": "ERROR", "receipt": {}, "code": "insufficientFunds"}), OutcomeResult::NotPaid)]
#[case::a_batch(json!({"status": "COMPLETED", "batch": {"amsId": "B1"}}), OutcomeResult::BatchClosed)]
fn a_receipt_handed_over_by_the_integration_passes(#[case] answer: Value, #[case] result: OutcomeResult) {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY_FALSE, 1.0, answer);
    run.outcome("o1", 2.0, result, json!({"receipt_by": "integration"}));
    let verdict = run.verdict(RECEIPT, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(verdict.happened.contains("the integration handed over the receipt"), "{}", verdict.happened);
}

#[rstest]
#[case::no_receipt_by(json!(null), 2.0)]
#[case::receipt_by_the_payment_app(json!({"receipt_by": "payment_app"}), 2.0)]
#[case::receipt_by_integration_1_ms_before_the_answer(json!({"receipt_by": "integration"}), 0.999)]
fn a_receipt_not_handed_over_fails(#[case] details: Value, #[case] at: f64) {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY_FALSE, 1.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", at, OutcomeResult::Paid, details);
    let verdict = run.verdict(RECEIPT, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "no outcome after the answer said receipt_by: integration");
    assert_eq!(verdict.evidence.len(), 1);
    assert!(verdict.evidence[0].contains("app2app GET /app2app?uri="), "{:?}", verdict.evidence);
}

#[test]
fn receipt_by_integration_at_the_moment_of_the_answer_passes() {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY_FALSE, 1.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", 1.0, OutcomeResult::Paid, json!({"receipt_by": "integration"}));
    assert_eq!(run.kind(RECEIPT, Some("o1")), Pass);
}

#[test]
fn a_link_that_left_the_receipt_to_gp_tom_against_the_order_fails() {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY, 1.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", 2.0, OutcomeResult::Paid, json!({"receipt_by": "integration"}));
    let verdict = run.verdict(RECEIPT, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(
        verdict.happened,
        "the order asked the integration to hand over the receipt, but the link left it to GP tom"
    );
}

#[test]
fn an_integration_that_chose_false_itself_must_hand_over_the_receipt() {
    let mut run = receipt_run(false);
    run.link("transaction/create", PAY_FALSE, 1.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", 2.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(RECEIPT, Some("o1")), Fail);
}

/// The last answer with a receipt is the one judged.
#[test]
fn the_last_receipt_is_the_one_judged() {
    let mut run = receipt_run(true);
    run.link("transaction/create", PAY_FALSE, 1.0, json!({"status": "ERROR", "receipt": {}}));
    run.outcome("o1", 2.0, OutcomeResult::NotPaid, json!({"receipt_by": "integration"}));
    run.link("transaction/create", PAY_FALSE, 3.0, json!({"status": "COMPLETED", "receipt": {}}));
    run.outcome("o1", 4.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(RECEIPT, Some("o1")), Fail);
}
