//! LIVENESS-OUTCOME: every order gets an outcome by its deadline (with the tolerance);
//! `unknown` only while its payment is live or after the spec said stop; a negative outcome only
//! after trying what was possible. Every order is judged: the rule is never "not exercised".

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, Pass};
use crate::judge::synth::{Synth, order, sale, scenario};
use crate::record::events::OutcomeResult;
use crate::world::invoice::InvoiceStatus;
use crate::world::task::TaskState;

const RULE: &str = "LIVENESS-OUTCOME";

/// A Cloud sale with a deadline of 10 s (1 s of tolerance: 10 % of it).
fn sale_run() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-TASK-NOT-PAYMENT\"", &order("o1", "sale", "R1", "deadline = \"10s\"\n")))
}

#[test]
fn every_order_is_judged() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("c1", "close_batch", "EOD", "")),
    );
    let verdicts = Synth::new(&text).judge(RULE);
    let orders: Vec<_> = verdicts.iter().map(|v| v.order.as_deref()).collect();
    assert_eq!(orders, [Some("o1"), Some("c1")]);
}

#[test]
fn no_outcome_fails_and_shows_the_integrations_last_log_lines() {
    let mut run = sale_run();
    for n in 0..7 {
        run.log(&format!("line {n}"));
    }
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, "no outcome by the deadline (2026-01-01T00:00:10.000Z, with 1s of tolerance)");
    assert_eq!(verdict.evidence, ["line 2", "line 3", "line 4", "line 5", "line 6"]);
}

/// The deadline is the order's own, counted from when it was given, plus the tolerance.
#[rstest]
#[case::at_the_deadline_and_tolerance(11.0, Pass)]
#[case::one_ms_later(11.001, Fail)]
fn an_outcome_by_the_deadline(#[case] at: f64, #[case] expected: VerdictKind) {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.outcome("o1", at, OutcomeResult::NotPaid, json!(null));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Pass {
        assert_eq!(verdict.happened, "not_paid came in time");
        assert!(verdict.evidence[0].contains("outcome not_paid"), "{:?}", verdict.evidence);
    }
}

#[test]
fn an_order_given_later_has_its_deadline_counted_from_then() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &order("o1", "sale", "R1", "at = \"1m\"\ndeadline = \"10s\"\n"),
    );
    let mut run = Synth::new(&text);
    run.create_sale("R1", 61.0, 201, Some("T1"));
    run.outcome("o1", 71.0, OutcomeResult::NotPaid, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), Pass);
}

#[test]
fn the_last_outcome_by_the_deadline_counts() {
    let mut run = sale_run();
    run.sale_task("T1", Some("R1"), 1.0, Some((5.0, TaskState::Completed)), "A1", true);
    run.outcome("o1", 2.0, OutcomeResult::Unknown, json!(null));
    run.outcome("o1", 6.0, OutcomeResult::Paid, json!(null));
    run.outcome("o1", 20.0, OutcomeResult::Unknown, json!(null));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert_eq!(verdict.happened, "paid came in time");
}

/// `unknown` while the task was still live is honest; when nothing was live, it is giving up.
#[rstest]
#[case::task_still_running(None, Pass)]
#[case::task_ended_after_the_unknown(Some(9.6), Pass)]
#[case::task_ended_before_it(Some(5.0), Fail)]
fn unknown_near_the_deadline(#[case] ended: Option<f64>, #[case] expected: VerdictKind) {
    let mut run = sale_run();
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.sale_task("T1", Some("R1"), 1.0, ended.map(|s| (s, TaskState::Completed)), "A1", false);
    run.outcome("o1", 9.5, OutcomeResult::Unknown, json!(null));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(
            verdict.happened,
            "reported unknown, but nothing was still in progress when it was reported (or at the deadline)"
        );
    }
}

/// `unknown` given within the tolerance before the deadline is judged by what was live when
/// given; given earlier, by what was live at the deadline (it should have kept watching).
#[rstest]
#[case::given_at_the_start_of_the_tolerance(9.0, Pass)]
#[case::given_1_ms_earlier(8.999, Fail)]
fn unknown_given_early_is_judged_at_the_deadline(#[case] at: f64, #[case] expected: VerdictKind) {
    let mut run = sale_run();
    run.sale_task("T1", Some("R1"), 1.0, Some((9.5, TaskState::Completed)), "A1", true);
    run.outcome("o1", at, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), expected);
}

#[test]
fn unknown_without_ever_acting_is_giving_up() {
    let mut run = sale_run();
    run.outcome("o1", 10.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), Fail);
}

fn invoice_run(deadline: &str) -> Synth {
    Synth::new(&scenario(
        "\"initiator\"",
        "\"HYPE-CREATED\"",
        &order("o1", "invoice", "INV-1", &format!("deadline = \"{deadline}\"\n")),
    ))
}

#[rstest]
#[case::invoice_still_in_process(None, Pass)]
#[case::invoice_completed_before(Some(5.0), Fail)]
#[case::invoice_completed_at_the_moment_unknown_was_given(Some(10.0), Fail)]
#[case::invoice_completed_after_it(Some(10.5), Pass)]
fn unknown_for_an_invoice(#[case] completed: Option<f64>, #[case] expected: VerdictKind) {
    let mut run = invoice_run("10s");
    run.issued(1.0, "ID-A", "INV-1").invoice_req("INV-1", 1.0, "ID-A");
    run.invoice_status(3.0, "ID-A", InvoiceStatus::PaymentInProcess);
    if let Some(s) = completed {
        run.invoice_status(s, "ID-A", InvoiceStatus::CompletedSuccess);
    }
    run.outcome("o1", 10.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), expected);
}

/// After the service said stop, `unknown` (and a negative outcome without trying) is right.
#[rstest]
#[case::bad_signature("bad_signature")]
#[case::user_disabled("user_disabled")]
#[case::resource_not_found("resource_not_found")]
fn unknown_after_the_spec_said_stop(#[case] fault: &str) {
    let mut run = invoice_run("10s");
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"payload": {"invoice": "INV-1"}}))
        .answer(200, json!({"identifier": "", "fault": fault}))
        .add();
    run.outcome("o1", 2.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), Pass);
}

#[test]
fn unknown_after_an_unexpected_status_is_right() {
    let mut run = invoice_run("10s");
    run.issued(1.0, "ID-A", "INV-1").invoice_req("INV-1", 1.0, "ID-A");
    run.invoice_status(2.0, "ID-A", InvoiceStatus::CompletedSuccess);
    run.status_req("INV-1", "ID-A", 3.0, json!({"identifier": "ID-A", "status": "unexpected"}));
    run.outcome("o1", 4.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), Pass);
}

/// A disabled store stops every invoice order, also one the fault was not answered to; it
/// does not stop a Cloud order.
#[test]
fn user_disabled_stops_every_invoice_order_but_not_a_cloud_one() {
    let text = scenario(
        "\"initiator\", \"cloud\"",
        "\"HYPE-F-USER-DISABLED\"",
        &format!(
            "{}{}{}",
            order("o1", "invoice", "INV-1", "surface = \"initiator\"\n"),
            order("o2", "invoice", "INV-2", "surface = \"initiator\"\n"),
            order("s1", "sale", "R1", "surface = \"cloud\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"payload": {"invoice": "INV-1"}}))
        .answer(200, json!({"identifier": "", "fault": "user_disabled"}))
        .add();
    for o in ["o1", "o2", "s1"] {
        run.outcome(o, 2.0, OutcomeResult::Unknown, json!(null));
    }
    let kinds: Vec<VerdictKind> = ["o1", "o2", "s1"].iter().map(|o| run.kind(RULE, Some(o))).collect();
    assert_eq!(kinds, [Pass, Pass, Fail]);
}

/// A negative outcome needs an attempt on the order's own surface.
#[rstest]
#[case::a_sale_never_tried("cloud", "sale", None, Fail)]
#[case::a_sale_tried_and_refused("cloud", "sale", Some("create"), Pass)]
#[case::a_sale_tried_on_the_wrong_surface("cloud", "sale", Some("link"), Fail)]
#[case::a_link_sale_tried("app2app", "sale", Some("link"), Pass)]
#[case::a_link_that_could_not_be_read_is_no_attempt("app2app", "sale", Some("garbage"), Fail)]
#[case::an_invoice_never_issued("initiator", "invoice", Some("status"), Fail)]
#[case::an_invoice_tried("initiator", "invoice", Some("invoice"), Pass)]
#[case::a_close_batch_never_tried("cloud", "close_batch", None, Fail)]
fn a_negative_outcome_without_trying(
    #[case] surface: &str,
    #[case] operation: &str,
    #[case] tried: Option<&str>,
    #[case] expected: VerdictKind,
) {
    let rule = match surface {
        "cloud" => "\"CLOUD-TASK-NOT-PAYMENT\"",
        "app2app" => "\"LINK-PARAMS-VALID\"",
        _ => "\"HYPE-CREATED\"",
    };
    let text = scenario(&format!("\"{surface}\""), rule, &order("o1", operation, "R1", ""));
    let mut run = Synth::new(&text);
    match tried {
        Some("create") => {
            run.create_sale("R1", 1.0, 409, None);
        }
        Some("link") => {
            run.link(
                "transaction/create",
                &[("amount", "1250"), ("originReferenceNum", "R1")],
                1.0,
                json!({"status": "ERROR"}),
            );
        }
        Some("garbage") => run.ex("app2app", "GET", "/app2app?uri=nonsense", 1.0).answer(400, json!(null)).add(),
        Some("status") => {
            run.status_req("R1", "ID-A", 1.0, json!({"identifier": "ID-A", "status": "created"}));
        }
        Some(_) => {
            run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
                .json(json!({"payload": {"invoice": "R1", "store": "testingstore", "total": 1250}}))
                .answer(503, json!(null))
                .add();
        }
        None => {}
    }
    let result = if operation == "close_batch" { OutcomeResult::NotClosed } else { OutcomeResult::NotPaid };
    run.outcome("o1", 2.0, result, json!(null));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        let said = format!("without ever trying on the {surface} surface, though it was possible");
        assert!(verdict.happened.contains(&said), "{}", verdict.happened);
    }
}

/// `not_voided` without trying: fine when the World shows the void impossible, and it says why.
#[rstest]
#[case::a_sale_94_days_old(
    "-94d",
    "CARD",
    Pass,
    "not_voided without trying: sale AMS-1 is 94d old, past the 93d void window"
)]
#[case::a_crypto_sale("-1d", "GO_CRYPTO", Pass, "not_voided without trying: sale AMS-1 was paid in cryptocurrency")]
#[case::a_voidable_sale(
    "-1d",
    "CARD",
    Fail,
    "reported not_voided without ever trying on the cloud surface, though it was possible"
)]
fn not_voided_without_trying(
    #[case] at: &str,
    #[case] method: &str,
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-93-DAYS\"",
        &format!(
            "[[history.sales]]\namount = 1250\nams_id = \"AMS-1\"\nat = \"{at}\"\nmethod = \"{method}\"\n{}",
            order("v1", "void", "V1", "ams_id = \"AMS-1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.outcome("v1", 0.0, OutcomeResult::NotVoided, json!(null));
    let verdict = run.verdict(RULE, Some("v1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
}

#[test]
fn a_positive_outcome_needs_no_attempt_here() {
    let mut run = sale_run();
    run.task("T1", "999888", sale(Some("R1"), 1250), 1.0);
    run.outcome("o1", 2.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), Pass, "truthfulness is another rule's");
}
