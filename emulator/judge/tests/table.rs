//! The rule table and how it is applied: which rules a run is judged on ([`judge()`]), what
//! "not judged" means, and the verdict constructors every rule uses.

use serde_json::json;

use crate::judge::VerdictKind::{Fail, NotExercised, Pass, Warn};
use crate::judge::rules::{self, Judged, RULES, RuleArea};
use crate::judge::synth::{Synth, order, scenario};
use crate::judge::{Verdict, failed, judge};
use crate::record::events::OutcomeResult;

#[test]
fn the_money_rules_are_judged_in_every_run_and_the_others_where_targeted() {
    let always: Vec<&str> = RULES.iter().filter(|r| r.judged == Judged::Always).map(|r| r.id).collect();
    assert_eq!(
        always,
        [
            "MONEY-NO-DOUBLE-CHARGE",
            "MONEY-AS-ORDERED",
            "MONEY-NO-LOST-PAYMENT",
            "MONEY-TRUTHFUL-OUTCOME",
            "LIVENESS-OUTCOME",
            "RUN-INTEGRITY",
            "RUN-BOUNDS"
        ]
    );
}

#[test]
fn a_rule_is_found_by_its_exact_id() {
    assert_eq!(rules::find("HYPE-IN-PROCESS").map(|r| r.id), Some("HYPE-IN-PROCESS"));
    assert_eq!(rules::find("HYPE-IN-PROCES").map(|r| r.id), None);
    assert_eq!(rules::find("hype-in-process").map(|r| r.id), None);
}

#[test]
fn every_area_has_its_spec_heading() {
    let titles: Vec<&str> = [
        RuleArea::InitiatorStatus,
        RuleArea::InitiatorFault,
        RuleArea::Cloud,
        RuleArea::Link,
        RuleArea::Money,
        RuleArea::Integrity,
    ]
    .iter()
    .map(|a| a.title())
    .collect();
    assert_eq!(
        titles,
        [
            "Initiator statuses",
            "Initiator faults",
            "Cloud API",
            "Deep links",
            "Money safety",
            "What the judge may believe"
        ]
    );
}

#[test]
fn a_run_is_judged_on_its_targets_and_the_money_rules() {
    // Arrange
    let text = scenario("\"cloud\"", "\"CLOUD-TOKEN-REUSE\"", &order("o1", "sale", "R1", ""));
    let mut run = Synth::new(&text);
    run.outcome("o1", 1.0, OutcomeResult::Unknown, json!(null));

    // Act
    let (verdicts, pending) = judge(&run.record());

    // Assert
    let mut rules: Vec<&str> = verdicts.iter().map(|v| v.rule).collect();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "CLOUD-TOKEN-REUSE",
            "MONEY-NO-DOUBLE-CHARGE",
            "MONEY-AS-ORDERED",
            "MONEY-NO-LOST-PAYMENT",
            "MONEY-TRUTHFUL-OUTCOME",
            "LIVENESS-OUTCOME",
            "RUN-INTEGRITY",
            "RUN-BOUNDS"
        ]
    );
    assert!(pending.is_empty(), "{pending:?}");
    assert!(failed(&verdicts), "unknown with nothing live fails LIVENESS-OUTCOME");
}

#[test]
fn a_targeted_rule_with_nothing_to_judge_says_so_instead_of_going_missing() {
    let text = scenario("\"cloud\"", "\"CLOUD-VOID-SAME-TID\", \"CLOUD-TOKEN-REUSE\"", &order("o1", "sale", "R1", ""));
    let (verdicts, pending) = judge(&Synth::new(&text).record());
    assert!(pending.is_empty(), "{pending:?}");
    let void = verdicts.iter().find(|v| v.rule == "CLOUD-VOID-SAME-TID").unwrap();
    assert_eq!((void.kind, void.happened.as_str()), (NotExercised, "the scenario has no Cloud void order"));
    assert!(verdicts.iter().any(|v| v.rule == "CLOUD-TOKEN-REUSE"));
}

#[test]
fn failed_is_true_for_a_fail_only() {
    let v = |kind| Verdict::new("X", None, kind, "e", "h");
    assert!(!failed(&[]));
    assert!(!failed(&[v(Pass), v(Warn), v(NotExercised)]));
    assert!(failed(&[v(Pass), v(Fail)]));
}

#[test]
fn held_is_a_pass_without_evidence_or_a_fail_with_it() {
    let pass = Verdict::held("X", Some("o1"), true, "expected", "happened", vec!["line".into()]);
    assert_eq!((pass.kind, pass.order.as_deref(), pass.evidence.len()), (Pass, Some("o1"), 0));
    let fail = Verdict::held("X", None, false, "expected", "happened", vec!["line".into()]);
    assert_eq!((fail.kind, fail.evidence), (Fail, vec!["line".to_owned()]));
    assert_eq!((fail.expected.as_str(), fail.happened.as_str()), ("expected", "happened"));
}

#[test]
fn problems_are_joined_into_one_failure_and_none_is_a_pass() {
    let fail = Verdict::from_problems("X", None, "e", vec!["a".into(), "b".into()], vec!["l".into()], "fine");
    assert_eq!((fail.kind, fail.happened.as_str(), fail.evidence.len()), (Fail, "a; b", 1));
    let pass = Verdict::from_problems("X", None, "e", Vec::new(), vec!["l".into()], "fine");
    assert_eq!((pass.kind, pass.happened.as_str(), pass.evidence.len()), (Pass, "fine", 0));
}

#[test]
fn not_exercised_says_what_never_happened() {
    let v = Verdict::not_exercised("X", Some("o1"), "e", "no VOID was sent");
    assert_eq!((v.kind, v.happened.as_str(), v.rule), (NotExercised, "no VOID was sent", "X"));
}

/// MONEY-NO-DOUBLE-CHARGE judges paying orders only: targeted in a scenario without one, it
/// gives no verdict, and the run says the rule went unjudged instead of counting it passed.
#[test]
fn a_targeted_rule_that_gives_no_verdict_is_pending() {
    let text = scenario("\"cloud\"", "\"MONEY-NO-DOUBLE-CHARGE\"", &order("c1", "close_batch", "EOD", ""));
    let (verdicts, pending) = judge(&Synth::new(&text).record());
    assert_eq!(pending, ["MONEY-NO-DOUBLE-CHARGE"]);
    assert!(verdicts.iter().all(|v| v.rule != "MONEY-NO-DOUBLE-CHARGE"));
}
