//! The initiator's "ask again later" rows (HYPE-UNDETERMINABLE, HYPE-CREATED, HYPE-REACHED,
//! HYPE-F-UNSPECIFIED, HYPE-F-SERVER-ERROR, HYPE-NO-JSON) and HYPE-UNEXPECTED; the rows after
//! which the spec says stop are in `initiator_stop.rs`.

use rstest::rstest;
use serde_json::{Value, json};

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass, Warn};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::{FlagKind, OutcomeResult};
use crate::runner::Ending;
use crate::scenario::model::{FaultKind, When};

/// One invoice order INV-1 with `extra` scenario lines (timing), and a deadline of 10 m: longer
/// than the default patience window (5 m and 30 s of tolerance), so a missing "later" shows.
pub(super) fn invoice_run(rules: &str, extra: &str) -> Synth {
    Synth::new(&scenario(
        "\"initiator\"",
        rules,
        &format!("{extra}{}", order("o1", "invoice", "INV-1", "deadline = \"10m\"\n")),
    ))
}

/// `status` of ID-A at `s`, answered with `answer`, or not printed at all (`None`: a 200 whose
/// body is no JSON).
fn status(run: &mut Synth, s: f64, answer: Option<&Value>) {
    match answer {
        Some(a) => {
            run.status_req("INV-1", "ID-A", s, a.clone());
        }
        None => {
            run.ex("initiator", "POST", "/hype/v1/status", s)
                .json(json!({"payload": {"identifier": "ID-A", "invoice": "INV-1"}}))
                .answer(200, json!(null))
                .fault(FaultKind::MalformedJson, When::AfterActing)
                .add();
        }
    }
}

fn answer_of(rule: &str) -> Option<Value> {
    match rule {
        "HYPE-UNDETERMINABLE" => Some(json!({"identifier": "ID-A", "status": "undeterminable"})),
        "HYPE-CREATED" => Some(json!({"identifier": "ID-A", "status": "created"})),
        "HYPE-REACHED" => Some(json!({"identifier": "ID-A", "status": "reached"})),
        "HYPE-F-UNSPECIFIED" => Some(json!({"identifier": "ID-A", "fault": "unspecified"})),
        "HYPE-F-SERVER-ERROR" => Some(json!({"identifier": "ID-A", "fault": "server_error"})),
        _ => None,
    }
}

/// A run answered `rule`'s "try again later" at 1 s; then `again` (seconds after) the same
/// `status`, answered `completed_success`.
fn ask_again(rule: &str, extra: &str, again: Option<f64>) -> Synth {
    let mut run = invoice_run(&format!("\"{rule}\""), extra);
    run.issued(0.5, "ID-A", "INV-1").invoice_req("INV-1", 0.5, "ID-A");
    status(&mut run, 1.0, answer_of(rule).as_ref());
    if let Some(after) = again {
        status(&mut run, 1.0 + after, Some(&json!({"identifier": "ID-A", "status": "completed_success"})));
    }
    run
}

const ASK_AGAIN: [&str; 6] = [
    "HYPE-UNDETERMINABLE",
    "HYPE-CREATED",
    "HYPE-REACHED",
    "HYPE-F-UNSPECIFIED",
    "HYPE-F-SERVER-ERROR",
    "HYPE-NO-JSON",
];

#[test]
fn a_scenario_without_an_invoice_order_exercises_no_initiator_row() {
    let text =
        scenario("\"initiator\", \"cloud\"", "\"HYPE-CREATED\"", &order("o1", "sale", "R1", "surface = \"cloud\"\n"));
    let run = Synth::new(&text);
    for rule in
        ASK_AGAIN.iter().chain(&["HYPE-F-BAD-SIGNATURE", "HYPE-F-NOT-FOUND", "HYPE-F-USER-DISABLED", "HYPE-UNEXPECTED"])
    {
        let verdict = run.verdict(rule, None);
        assert_eq!(verdict.kind, NotExercised, "{rule}");
        assert_eq!(verdict.happened, "the scenario has no invoice order", "{rule}");
    }
}

#[rstest]
fn an_answer_never_given_leaves_the_row_not_exercised(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
) {
    let mut run = invoice_run(&format!("\"{rule}\""), "");
    run.issued(0.5, "ID-A", "INV-1").invoice_req("INV-1", 0.5, "ID-A");
    status(&mut run, 1.0, Some(&json!({"identifier": "ID-A", "status": "payment_in_process"})));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, NotExercised, "{verdict:#?}");
    let never = if rule == "HYPE-NO-JSON" {
        "no initiator answer of the order went unprinted"
    } else {
        "the run never answered it"
    };
    assert_eq!(verdict.happened, never);
}

#[rstest]
fn asking_again_a_second_later_passes(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
) {
    let verdict = ask_again(rule, "", Some(1.0)).verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert_eq!(verdict.happened, "asked again after 1 answer(s)");
}

#[rstest]
fn never_asking_again_fails(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
) {
    let verdict = ask_again(rule, "", None).verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "never asked again after the answer at 2026-01-01T00:00:01.000Z");
    assert_eq!(verdict.evidence.len(), 1);
    assert!(verdict.evidence[0].contains("POST /hype/v1/status"), "{:?}", verdict.evidence);
}

/// Not asking again is fine when the deadline comes before the patience window ends.
#[rstest]
#[case::the_deadline_within_the_window("5m", Pass)]
#[case::the_deadline_at_its_very_end("331s", Pass)]
#[case::the_deadline_1_ms_past_it("331001ms", Fail)]
fn not_asking_again_before_the_deadline(#[case] deadline: &str, #[case] expected: VerdictKind) {
    // Patience 5 m and 30 s of tolerance from the answer at 1 s: 5 m 31 s.
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-CREATED\"",
        &order("o1", "invoice", "INV-1", &format!("deadline = \"{deadline}\"\n")),
    );
    let mut run = Synth::new(&text);
    status(&mut run, 1.0, Some(&json!({"identifier": "ID-A", "status": "created"})));
    assert_eq!(run.kind("HYPE-CREATED", Some("o1")), expected);
}

/// The minimum interval of 10 s has 1 s of tolerance.
#[rstest]
fn asking_again_too_soon_fails(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
    #[values((9.0, true), (8.999, false))] case: (f64, bool),
) {
    let (after, ok) = case;
    let verdict = ask_again(rule, "min_poll_interval = \"10s\"\n", Some(after)).verdict(rule, Some("o1"));
    if ok {
        assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    } else {
        assert_eq!(verdict.kind, Fail);
        assert_eq!(verdict.happened, "asked again 8999ms after the answer, sooner than 9s");
        assert_eq!(verdict.evidence.len(), 2);
    }
}

/// A `Retry-After` of 30 s (3 s of tolerance) raises the floor.
#[rstest]
#[case::at_the_retry_after_less_its_tolerance(27.0, Pass)]
#[case::one_ms_sooner(26.999, Fail)]
fn asking_again_before_the_retry_after(#[case] after: f64, #[case] expected: VerdictKind) {
    let mut run = invoice_run("\"HYPE-F-SERVER-ERROR\"", "");
    run.ex("initiator", "POST", "/hype/v1/status", 1.0)
        .json(json!({"payload": {"identifier": "ID-A", "invoice": "INV-1"}}))
        .answer(503, json!({"identifier": "ID-A", "fault": "server_error"}))
        .retry_after(30)
        .add();
    status(&mut run, 1.0 + after, Some(&json!({"identifier": "ID-A", "status": "created"})));
    let verdict = run.verdict("HYPE-F-SERVER-ERROR", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "asked again 26999ms after the answer, sooner than 27s");
    }
}

/// The patience window of 10 s has 1 s of tolerance.
#[rstest]
fn asking_again_too_late_fails(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
    #[values((11.0, true), (11.001, false))] case: (f64, bool),
) {
    let (after, ok) = case;
    let verdict = ask_again(rule, "patience = \"10s\"\n", Some(after)).verdict(rule, Some("o1"));
    if ok {
        assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    } else {
        assert_eq!(verdict.kind, Fail);
        assert_eq!(verdict.happened, "asked again only 11001ms after the answer, past the patience window");
    }
}

/// Asking again means the same command about the same invoice: an invoice is not a status.
#[test]
fn issuing_a_new_invoice_is_not_asking_again() {
    let mut run = invoice_run("\"HYPE-CREATED\"", "");
    status(&mut run, 1.0, Some(&json!({"identifier": "ID-A", "status": "created"})));
    run.invoice_req("INV-1-2", 2.0, "ID-B");
    let verdict = run.verdict("HYPE-CREATED", Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.starts_with("never asked again"), "{}", verdict.happened);
}

/// An invoice command answered "try again later" is asked again under its own id.
#[test]
fn an_invoice_answered_server_error_is_sent_again_with_the_same_id() {
    let text = scenario("\"initiator\"", "\"HYPE-F-SERVER-ERROR\"", &order("o1", "invoice", "INV-1", ""));
    let mut run = Synth::new(&text);
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"payload": {"invoice": "INV-1"}}))
        .answer(500, json!({"identifier": "", "fault": "server_error"}))
        .add();
    run.invoice_req("INV-1", 3.0, "ID-A");
    assert_eq!(run.kind("HYPE-F-SERVER-ERROR", Some("o1")), Pass);
}

/// An invoice answered "try again later" shortly before the deadline: another invoice id
/// instead of the same one risks a second charge; one sent as the answer came was no reaction.
#[rstest]
#[case::another_id_a_second_later(2.0, Fail)]
#[case::another_id_sent_as_the_answer_came(1.0, Pass)]
fn another_invoice_id_instead_of_asking_again(#[case] at: f64, #[case] expected: VerdictKind) {
    let text =
        scenario("\"initiator\"", "\"HYPE-F-SERVER-ERROR\"", &order("o1", "invoice", "INV-1", "deadline = \"1m\"\n"));
    let mut run = Synth::new(&text);
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"payload": {"invoice": "INV-1"}}))
        .answer(500, json!({"identifier": "", "fault": "server_error"}))
        .add();
    run.invoice_req("INV-1-2", at, "ID-B");
    let verdict = run.verdict("HYPE-F-SERVER-ERROR", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "issued another invoice id instead of asking again under the same one");
        assert_eq!(verdict.evidence.len(), 2);
    }
}

#[rstest]
#[case::paid_right_after_it(OutcomeResult::Paid, false, Fail)]
#[case::not_paid_right_after_it(OutcomeResult::NotPaid, false, Fail)]
#[case::unknown_right_after_it(OutcomeResult::Unknown, false, Pass)]
#[case::paid_after_a_completed_status(OutcomeResult::Paid, true, Pass)]
fn a_verdict_drawn_from_a_try_again_later_answer(
    #[case] result: OutcomeResult,
    #[case] completed_between: bool,
    #[case] expected: VerdictKind,
) {
    let mut run = ask_again("HYPE-UNDETERMINABLE", "", if completed_between { Some(1.0) } else { None });
    status(&mut run, 3.0, Some(&json!({"identifier": "ID-A", "status": "completed_success"})));
    run.outcome("o1", if completed_between { 4.0 } else { 1.5 }, result, json!(null));
    let verdict = run.verdict("HYPE-UNDETERMINABLE", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.contains("from a \"try again later\" answer"), "{}", verdict.happened);
        assert!(verdict.evidence.iter().any(|e| e.contains("outcome")), "{:?}", verdict.evidence);
    }
}

#[rstest]
fn paid_drawn_from_a_try_again_later_answer_fails(
    #[values(
        "HYPE-UNDETERMINABLE",
        "HYPE-CREATED",
        "HYPE-REACHED",
        "HYPE-F-UNSPECIFIED",
        "HYPE-F-SERVER-ERROR",
        "HYPE-NO-JSON"
    )]
    rule: &str,
) {
    let mut run = ask_again(rule, "", Some(1.0));
    run.outcome("o1", 1.5, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.ends_with("from a \"try again later\" answer"), "{}", verdict.happened);
}

/// After `user_disabled` (for any order), the spec says stop: not asking again is right.
#[test]
fn not_asking_again_after_the_service_said_stop_passes() {
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-CREATED\"",
        &format!("{}{}", order("o1", "invoice", "INV-1", "deadline = \"10m\"\n"), order("o2", "invoice", "INV-2", "")),
    );
    let mut run = Synth::new(&text);
    status(&mut run, 1.0, Some(&json!({"identifier": "ID-A", "status": "created"})));
    run.ex("initiator", "POST", "/hype/v1/invoices", 2.0)
        .json(json!({"payload": {"invoice": "INV-2"}}))
        .answer(200, json!({"identifier": "", "fault": "user_disabled"}))
        .add();
    let verdict = run.verdict("HYPE-CREATED", Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
}

#[rstest]
#[case::a_crash(Ending::Exited(Some(1)), Some("the integration crashed"))]
#[case::a_signal(Ending::Exited(None), Some("the integration was killed by a signal"))]
#[case::a_clean_exit(Ending::Exited(Some(0)), None)]
#[case::killed_at_the_deadline(Ending::KilledAtDeadline, None)]
fn no_json_must_not_crash_the_integration(#[case] ending: Ending, #[case] problem: Option<&str>) {
    let mut run = ask_again("HYPE-NO-JSON", "", Some(1.0));
    run.ending(ending);
    let verdict = run.verdict("HYPE-NO-JSON", Some("o1"));
    match problem {
        Some(p) => {
            assert_eq!(verdict.kind, Fail);
            assert_eq!(verdict.happened, p);
        }
        None => assert_eq!(verdict.kind, Pass, "{verdict:#?}"),
    }
}

#[rstest]
#[case::a_reset(200, Some(FaultKind::Reset), json!({"identifier": "ID-A", "status": "created"}))]
#[case::a_hang(0, Some(FaultKind::Hang), json!(null))]
#[case::a_body_that_is_not_an_object(200, None, json!(["created"]))]
#[case::an_error_that_is_not_an_initiator_answer(502, None, json!({"error": "bad gateway"}))]
fn answers_the_program_could_not_print_are_no_json(
    #[case] code: u16,
    #[case] fault: Option<FaultKind>,
    #[case] body: Value,
) {
    let mut run = invoice_run("\"HYPE-NO-JSON\"", "");
    let mut ex = run
        .ex("initiator", "POST", "/hype/v1/status", 1.0)
        .json(json!({"payload": {"identifier": "ID-A", "invoice": "INV-1"}}))
        .answer(code, body);
    if let Some(kind) = fault {
        ex = ex.fault(kind, When::AfterActing);
    }
    ex.add();
    let verdict = run.verdict("HYPE-NO-JSON", Some("o1"));
    assert_eq!(verdict.kind, Fail, "never asked again: {verdict:#?}");
}

// Presenting the URI again: a warning when sooner than the minimum interval (10 s, 1 s of
// tolerance).

#[rstest]
#[case::nine_seconds_apart("HYPE-CREATED", 9.0, "u1", Pass)]
#[case::one_ms_sooner("HYPE-CREATED", 8.999, "u1", Warn)]
#[case::reached_one_ms_sooner("HYPE-REACHED", 8.999, "u1", Warn)]
#[case::another_uri("HYPE-CREATED", 1.0, "u2", Pass)]
fn presenting_the_same_uri_again(
    #[case] rule: &str,
    #[case] apart: f64,
    #[case] second: &str,
    #[case] expected: VerdictKind,
) {
    let mut run = ask_again(rule, "min_poll_interval = \"10s\"\n", Some(10.0));
    run.present("o1", 2.0, "u1");
    run.present("o1", 2.0 + apart, second);
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Warn {
        assert_eq!(
            verdict.happened,
            "presented the URI again 8999ms after the last time, sooner than the minimum interval"
        );
    }
}

#[test]
fn presenting_too_often_does_not_soften_a_failure() {
    let mut run = ask_again("HYPE-CREATED", "", None);
    run.present("o1", 2.0, "u1").present("o1", 2.1, "u1");
    assert_eq!(run.kind("HYPE-CREATED", Some("o1")), Fail);
}

#[test]
fn presenting_too_often_is_not_a_concern_of_the_other_rows() {
    let mut run = ask_again("HYPE-UNDETERMINABLE", "", Some(1.0));
    run.present("o1", 2.0, "u1").present("o1", 2.1, "u1");
    assert_eq!(run.kind("HYPE-UNDETERMINABLE", Some("o1")), Pass);
}

// HYPE-UNEXPECTED.

fn unexpected_run() -> Synth {
    let mut run = invoice_run("\"HYPE-UNEXPECTED\"", "");
    run.issued(0.5, "ID-A", "INV-1").invoice_req("INV-1", 0.5, "ID-A");
    run.status_req("INV-1", "ID-A", 1.0, json!({"identifier": "ID-A", "status": "unexpected"}));
    run
}

#[test]
fn no_unexpected_status_leaves_the_row_not_exercised() {
    let mut run = invoice_run("\"HYPE-UNEXPECTED\"", "");
    run.status_req("INV-1", "ID-A", 1.0, json!({"identifier": "ID-A", "status": "created"}));
    let verdict = run.verdict("HYPE-UNEXPECTED", Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, "no status of the order was answered unexpected");
}

#[rstest]
#[case::an_engineering_flag_after_it(Some((FlagKind::Engineering, 1.0)), Pass)]
#[case::an_administrative_flag(Some((FlagKind::Administrative, 2.0)), Fail)]
#[case::an_engineering_flag_1_ms_before_it(Some((FlagKind::Engineering, 0.999)), Fail)]
#[case::no_flag(None, Fail)]
fn unexpected_is_flagged_for_an_engineer(#[case] flag: Option<(FlagKind, f64)>, #[case] expected: VerdictKind) {
    let mut run = unexpected_run();
    if let Some((kind, s)) = flag {
        run.flag("o1", s, kind);
    }
    let verdict = run.verdict("HYPE-UNEXPECTED", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "no engineering flag after it");
    } else {
        assert_eq!(verdict.happened, "flagged, no verdict drawn");
    }
}

#[rstest]
#[case::paid_from_it(OutcomeResult::Paid, false, Fail)]
#[case::not_paid_from_it(OutcomeResult::NotPaid, false, Fail)]
#[case::unknown(OutcomeResult::Unknown, false, Pass)]
#[case::paid_after_a_later_completed_status(OutcomeResult::Paid, true, Pass)]
fn no_verdict_is_drawn_from_unexpected(
    #[case] result: OutcomeResult,
    #[case] completed: bool,
    #[case] expected: VerdictKind,
) {
    let mut run = unexpected_run();
    run.flag("o1", 1.5, FlagKind::Engineering);
    if completed {
        run.status_req("INV-1", "ID-A", 5.0, json!({"identifier": "ID-A", "status": "completed_success"}));
    }
    run.outcome("o1", 6.0, result, json!(null));
    let verdict = run.verdict("HYPE-UNEXPECTED", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, format!("reported {} from it", crate::judge::facts::word(result)));
    }
}
