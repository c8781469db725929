//! HYPE-IN-PROCESS (never hand out the URI again while paying; a first invoice still followed
//! to its end), HYPE-SUCCESS, HYPE-REFUNDED, HYPE-REJECTED and HYPE-SKIP-FLAGGED.

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::{FlagKind, OutcomeResult};
use crate::world::invoice::InvoiceStatus;
use crate::world::task::TaskState;

const IN_PROCESS: &str = "HYPE-IN-PROCESS";
const URI_A: &str = "http://127.0.0.1:1/hype/pay/ID-A";

fn invoice_run(rule: &str, deadline: &str) -> Synth {
    Synth::new(&scenario(
        "\"initiator\"",
        &format!("\"{rule}\""),
        &order("o1", "invoice", "INV-7", &format!("deadline = \"{deadline}\"\n")),
    ))
}

fn said(status: &str) -> serde_json::Value {
    json!({"identifier": "ID-A", "status": status})
}

/// INV-7 issued as ID-A at 1 s, presented at 1.5 s, answered `payment_in_process` at 4 s.
fn paying(deadline: &str) -> Synth {
    let mut run = invoice_run(IN_PROCESS, deadline);
    run.issued(1.0, "ID-A", "INV-7").invoice_req("INV-7", 1.0, "ID-A");
    run.present("o1", 1.5, URI_A);
    run.invoice_status(3.0, "ID-A", InvoiceStatus::PaymentInProcess);
    run.status_req("INV-7", "ID-A", 4.0, said("payment_in_process"));
    run
}

// HYPE-IN-PROCESS.

#[test]
fn no_payment_in_process_leaves_in_process_not_exercised() {
    let mut run = invoice_run(IN_PROCESS, "5m");
    run.issued(1.0, "ID-A", "INV-7").invoice_req("INV-7", 1.0, "ID-A");
    run.status_req("INV-7", "ID-A", 4.0, said("created"));
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, "no status of the order was answered payment_in_process");
}

#[test]
fn not_handing_the_uri_out_again_passes() {
    let mut run = paying("5m");
    run.status_req("INV-7", "ID-A", 9.0, said("completed_success"));
    run.outcome("o1", 10.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert_eq!(verdict.happened, "the URI was not handed out again while paying");
}

/// From the first printed `payment_in_process` (at 4 s) until a printed answer says otherwise
/// (`completed_success` at 9 s), the invoice's URI is not handed out.
#[rstest]
#[case::as_it_went_into_process(4.0, URI_A, Fail)]
#[case::one_ms_before(3.999, URI_A, Pass)]
#[case::while_paying(6.0, URI_A, Fail)]
#[case::one_ms_before_it_completed(8.999, URI_A, Fail)]
#[case::as_it_completed(9.0, URI_A, Pass)]
#[case::by_its_identifier_on_another_host(6.0, "https://pay.example/p/ID-A?lang=cs", Fail)]
#[case::another_invoices_uri(6.0, "http://127.0.0.1:1/hype/pay/ID-AB", Pass)]
fn presenting_the_uri_while_it_is_in_process(#[case] at: f64, #[case] uri: &str, #[case] expected: VerdictKind) {
    let mut run = paying("5m");
    run.present("o1", at, uri);
    run.status_req("INV-7", "ID-A", 9.0, said("completed_success"));
    run.outcome("o1", 10.0, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.happened.starts_with("handed out the URI of ID-A at"), "{}", verdict.happened);
        assert!(verdict.happened.ends_with("while its payment was in process"), "{}", verdict.happened);
        assert!(
            verdict.evidence.iter().any(|e| e.contains("present_uri") && e.contains(uri)),
            "{:?}",
            verdict.evidence
        );
    }
}

/// `undeterminable` does not say the payment stopped being in process: the URI stays unsafe.
#[test]
fn an_undeterminable_answer_does_not_end_the_payment_in_process() {
    let mut run = paying("5m");
    run.status_req("INV-7", "ID-A", 6.0, said("undeterminable"));
    run.present("o1", 7.0, URI_A);
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, Fail, "{verdict:#?}");
}

/// The service's own gateway URI need not end with the identifier: the one it answered for
/// the invoice is the invoice's URI however it is spelt.
#[test]
fn presenting_the_gateway_uri_the_service_answered_while_in_process_fails() {
    let mut run = invoice_run(IN_PROCESS, "5m");
    let uri = "https://gateway.example/pay?token=7f3a";
    run.issued(1.0, "ID-A", "INV-7");
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"version": 1, "document": "aehype_invoice", "payload": {"invoice": "INV-7", "store": "testingstore", "total": 100}}))
        .answer(200, json!({"identifier": "ID-A", "gateway_uri": uri, "autofeed": {}}))
        .add();
    run.invoice_status(3.0, "ID-A", InvoiceStatus::PaymentInProcess);
    run.status_req("INV-7", "ID-A", 4.0, said("payment_in_process"));
    run.present("o1", 6.0, uri);
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Fail);
}

/// Only an answer about the same invoice ends its payment in process: another invoice's
/// final status does not make the first one's URI safe again.
#[test]
fn another_invoices_final_status_does_not_end_the_first_ones_payment() {
    let mut run = paying("5m");
    run.status_req("INV-7", "ID-Z", 5.0, json!({"identifier": "ID-Z", "status": "completed_rejected"}));
    run.present("o1", 6.0, URI_A);
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Fail);
}

#[test]
fn presenting_again_after_a_rejection_is_fine() {
    let mut run = paying("5m");
    run.status_req("INV-7", "ID-A", 6.0, said("completed_rejected"));
    run.present("o1", 7.0, URI_A);
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Pass);
}

/// A new invoice for the order after the first went into process.
fn second_invoice(deadline: &str) -> Synth {
    let mut run = paying(deadline);
    run.issued(10.0, "ID-B", "INV-7-2").invoice_req("INV-7-2", 10.0, "ID-B");
    run.present("o1", 10.5, "http://127.0.0.1:1/hype/pay/ID-B");
    run
}

#[test]
fn a_new_invoice_with_the_first_followed_to_its_end_passes() {
    let mut run = second_invoice("5m");
    run.invoice_status(20.0, "ID-A", InvoiceStatus::CompletedRejected);
    run.status_req("INV-7", "ID-A", 21.0, said("completed_rejected"));
    run.outcome("o1", 22.0, OutcomeResult::NotPaid, json!(null));
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Pass);
}

#[rstest]
#[case::an_outcome_at_the_moment_it_was_printed(21.0, Pass)]
#[case::only_an_outcome_before_it(20.999, Fail)]
fn after_following_the_first_to_its_end_an_outcome_follows(#[case] at: f64, #[case] expected: VerdictKind) {
    let mut run = second_invoice("5m");
    run.invoice_status(20.0, "ID-A", InvoiceStatus::CompletedSuccess);
    run.status_req("INV-7", "ID-A", 21.0, said("completed_success"));
    run.outcome("o1", at, OutcomeResult::Paid, json!(null));
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "followed ID-A to its end but reported no outcome after it");
    }
}

/// The first invoice completed at 20 s: with 5 m 30 s of patience and tolerance it had to be
/// seen ending by 5 m 50 s; a deadline before that only asks that it is still followed.
#[rstest]
#[case::the_deadline_leaves_room_to_see_it("350s", Fail, "never saw ID-A end (completed_success at")]
#[case::the_deadline_1_ms_too_soon("349999ms", Fail, "stopped following ID-A once a new invoice was issued")]
fn the_first_invoice_never_seen_ending(#[case] deadline: &str, #[case] expected: VerdictKind, #[case] says: &str) {
    let mut run = second_invoice(deadline);
    run.invoice_status(20.0, "ID-A", InvoiceStatus::CompletedSuccess);
    let verdict = run.verdict(IN_PROCESS, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert!(verdict.happened.contains(says), "{}", verdict.happened);
    assert!(verdict.evidence.iter().any(|e| e.contains("/hype/v1/invoices")), "{:?}", verdict.evidence);
}

/// The same invoice id sent again is answered with the same identifier: it is not a new
/// invoice, so nothing more is asked of the first.
#[test]
fn the_same_invoice_sent_again_is_not_a_new_invoice() {
    let mut run = paying("5m");
    run.invoice_req("INV-7", 10.0, "ID-A");
    run.invoice_status(20.0, "ID-A", InvoiceStatus::CompletedSuccess);
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Pass);
}

#[test]
fn the_first_invoice_still_asked_about_after_the_new_one_passes() {
    let mut run = second_invoice("5m");
    run.status_req("INV-7", "ID-A", 30.0, said("payment_in_process"));
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Pass);
}

/// A status about the first invoice is known by its autofeed, not by its answer: one answered
/// with a fault (whose identifier is empty) still shows the first invoice followed.
#[test]
fn the_first_invoice_still_asked_about_though_the_answer_was_a_fault_passes() {
    let mut run = second_invoice("30s");
    run.status_req("INV-7", "ID-A", 20.0, json!({"identifier": "", "fault": "server_error"}));
    assert_eq!(run.kind(IN_PROCESS, Some("o1")), Pass);
}

// HYPE-SUCCESS, HYPE-REFUNDED, HYPE-REJECTED.

/// INV-7 issued as ID-A at 1 s; `status` answered `status` at 4 s.
fn completed(rule: &str, status: &str) -> Synth {
    let mut run = invoice_run(rule, "5m");
    run.issued(1.0, "ID-A", "INV-7").invoice_req("INV-7", 1.0, "ID-A");
    run.status_req("INV-7", "ID-A", 4.0, said(status));
    run
}

#[rstest]
#[case::success("HYPE-SUCCESS", "completed_success")]
#[case::refunded("HYPE-REFUNDED", "completed_refunded")]
#[case::rejected("HYPE-REJECTED", "completed_rejected")]
fn a_completed_status_never_printed_is_not_exercised(#[case] rule: &str, #[case] status: &str) {
    let mut run = completed(rule, "payment_in_process");
    run.outcome("o1", 5.0, OutcomeResult::Unknown, json!(null));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, format!("no status of the order was answered {status}"));
}

#[rstest]
#[case::success_paid("HYPE-SUCCESS", "completed_success", Some(OutcomeResult::Paid), Pass, "completed_success handled")]
#[case::success_refunded_later(
    "HYPE-SUCCESS",
    "completed_success",
    Some(OutcomeResult::Refunded),
    Pass,
    "completed_success handled"
)]
#[case::success_not_paid("HYPE-SUCCESS", "completed_success", Some(OutcomeResult::NotPaid), Fail, "reported not_paid")]
#[case::success_unknown("HYPE-SUCCESS", "completed_success", Some(OutcomeResult::Unknown), Fail, "reported unknown")]
#[case::success_nothing("HYPE-SUCCESS", "completed_success", None, Fail, "reported nothing after it")]
#[case::refunded_refunded(
    "HYPE-REFUNDED",
    "completed_refunded",
    Some(OutcomeResult::Refunded),
    Pass,
    "completed_refunded handled"
)]
#[case::refunded_paid("HYPE-REFUNDED", "completed_refunded", Some(OutcomeResult::Paid), Fail, "reported paid")]
#[case::rejected_not_paid(
    "HYPE-REJECTED",
    "completed_rejected",
    Some(OutcomeResult::NotPaid),
    Pass,
    "completed_rejected handled"
)]
#[case::rejected_paid("HYPE-REJECTED", "completed_rejected", Some(OutcomeResult::Paid), Fail, "reported paid")]
#[case::rejected_nothing("HYPE-REJECTED", "completed_rejected", None, Fail, "reported nothing after it")]
fn the_outcome_after_a_completed_status(
    #[case] rule: &str,
    #[case] status: &str,
    #[case] result: Option<OutcomeResult>,
    #[case] expected: VerdictKind,
    #[case] says: &str,
) {
    let mut run = completed(rule, status);
    if let Some(result) = result {
        run.outcome("o1", 5.0, result, json!(null));
    }
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert_eq!(verdict.happened, says);
    if expected == Fail {
        assert!(verdict.evidence[0].contains("POST /hype/v1/status"), "{:?}", verdict.evidence);
    }
}

#[test]
fn the_expected_text_names_the_allowed_outcomes() {
    let expected = |rule, status| completed(rule, status).verdict(rule, Some("o1")).expected;
    assert_eq!(expected("HYPE-SUCCESS", "completed_success"), "after completed_success: report paid or refunded");
    assert_eq!(
        expected("HYPE-REFUNDED", "completed_refunded"),
        "after completed_refunded: report refunded, and ask no more"
    );
    assert_eq!(
        expected("HYPE-REJECTED", "completed_rejected"),
        "after completed_rejected: report not_paid, and ask no more"
    );
}

#[test]
fn an_outcome_only_before_the_completed_status_is_nothing_after_it() {
    let mut run = completed("HYPE-SUCCESS", "completed_success");
    run.outcome("o1", 3.999, OutcomeResult::Paid, json!(null));
    assert_eq!(run.verdict("HYPE-SUCCESS", Some("o1")).happened, "reported nothing after it");
}

/// Asking the status again: allowed after success (a refund may follow), not after a final one.
#[rstest]
#[case::after_success("HYPE-SUCCESS", "completed_success", OutcomeResult::Paid, Pass)]
#[case::after_refunded("HYPE-REFUNDED", "completed_refunded", OutcomeResult::Refunded, Fail)]
#[case::after_rejected("HYPE-REJECTED", "completed_rejected", OutcomeResult::NotPaid, Fail)]
fn asking_the_status_again(
    #[case] rule: &str,
    #[case] status: &str,
    #[case] result: OutcomeResult,
    #[case] expected: VerdictKind,
) {
    let mut run = completed(rule, status);
    run.status_req("INV-7", "ID-A", 10.0, said(status));
    run.outcome("o1", 11.0, result, json!(null));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "asked for its status again");
        assert_eq!(verdict.evidence.len(), 3, "the status, the outcome, the repeat: {:?}", verdict.evidence);
    }
}

#[test]
fn asking_about_another_invoice_is_not_asking_again() {
    let mut run = completed("HYPE-REFUNDED", "completed_refunded");
    run.status_req("INV-7", "ID-Z", 10.0, json!({"identifier": "ID-Z", "status": "created"}));
    run.outcome("o1", 11.0, OutcomeResult::Refunded, json!(null));
    assert_eq!(run.kind("HYPE-REFUNDED", Some("o1")), Pass);
}

#[rstest]
#[case::a_new_id("INV-7-2", Fail)]
#[case::the_same_id("INV-7", Fail)]
fn another_invoice_after_success_fails(#[case] invoice: &str, #[case] expected: VerdictKind) {
    let mut run = completed("HYPE-SUCCESS", "completed_success");
    run.outcome("o1", 5.0, OutcomeResult::Paid, json!(null));
    run.invoice_req(invoice, 10.0, "ID-B");
    let verdict = run.verdict("HYPE-SUCCESS", Some("o1"));
    assert_eq!(verdict.kind, expected);
    assert_eq!(verdict.happened, "issued another invoice for a paid order");
}

/// After a rejection, a new invoice with a new id is the other way forward; the same id fails.
#[rstest]
#[case::a_new_id_then_paid("INV-7-2", Some(OutcomeResult::Paid), Pass, None)]
#[case::a_new_id_and_no_outcome_yet("INV-7-2", None, Pass, None)]
#[case::the_same_id_again("INV-7", Some(OutcomeResult::Paid), Fail, Some("issued the rejected invoice id again"))]
fn a_new_invoice_after_a_rejection(
    #[case] invoice: &str,
    #[case] result: Option<OutcomeResult>,
    #[case] expected: VerdictKind,
    #[case] says: Option<&str>,
) {
    let mut run = completed("HYPE-REJECTED", "completed_rejected");
    run.issued(10.0, "ID-B", invoice).invoice_req(invoice, 10.0, "ID-B");
    if let Some(result) = result {
        run.outcome("o1", 20.0, result, json!(null));
    }
    let verdict = run.verdict("HYPE-REJECTED", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if let Some(says) = says {
        assert!(verdict.happened.contains(says), "{}", verdict.happened);
    }
}

// HYPE-SKIP-FLAGGED.

/// o1 and o2 (deadline 10 s, 1 s of tolerance); o1 flagged at 2 s.
fn skip_run() -> Synth {
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-SKIP-FLAGGED\"",
        &format!("{}{}", order("o1", "invoice", "INV-1", ""), order("o2", "invoice", "INV-2", "deadline = \"10s\"\n")),
    );
    let mut run = Synth::new(&text);
    run.flag("o1", 2.0, FlagKind::Engineering);
    run
}

#[test]
fn no_flag_leaves_skip_flagged_not_exercised() {
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-SKIP-FLAGGED\"",
        &format!("{}{}", order("o1", "invoice", "INV-1", ""), order("o2", "invoice", "INV-2", "")),
    );
    let verdict = Synth::new(&text).verdict("HYPE-SKIP-FLAGGED", None);
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, "no order was flagged beside others");
}

#[test]
fn every_order_flagged_leaves_skip_flagged_not_exercised() {
    let mut run = skip_run();
    run.flag("o2", 3.0, FlagKind::Administrative);
    assert_eq!(run.kind("HYPE-SKIP-FLAGGED", None), NotExercised);
}

#[rstest]
#[case::paid_by_the_deadline_and_tolerance(Some((11.0, OutcomeResult::Paid)), Pass)]
#[case::paid_1_ms_later(Some((11.001, OutcomeResult::Paid)), Fail)]
#[case::no_outcome(None, Fail)]
#[case::unknown_with_nothing_live(Some((9.0, OutcomeResult::Unknown)), Fail)]
fn the_other_order_reaches_its_outcome(#[case] outcome: Option<(f64, OutcomeResult)>, #[case] expected: VerdictKind) {
    let mut run = skip_run();
    if let Some((at, result)) = outcome {
        run.outcome("o2", at, result, json!(null));
    }
    let verdict = run.verdict("HYPE-SKIP-FLAGGED", None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "other orders stalled");
        assert_eq!(verdict.evidence, ["order o2 reached no outcome"]);
    } else {
        assert_eq!(verdict.happened, "1 other order(s) finished");
    }
}

#[test]
fn unknown_while_the_other_invoice_is_live_passes() {
    let mut run = skip_run();
    run.issued(3.0, "ID-B", "INV-2").invoice_req("INV-2", 3.0, "ID-B");
    run.outcome("o2", 9.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind("HYPE-SKIP-FLAGGED", None), Pass);
}

#[test]
fn unknown_after_the_service_said_stop_passes() {
    let mut run = skip_run();
    run.ex("initiator", "POST", "/hype/v1/invoices", 3.0)
        .json(json!({"payload": {"invoice": "INV-2"}}))
        .answer(200, json!({"identifier": "", "fault": "resource_not_found"}))
        .add();
    run.outcome("o2", 9.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind("HYPE-SKIP-FLAGGED", None), Pass);
}

#[test]
fn a_cloud_order_beside_a_flagged_invoice_is_judged_too() {
    let text = scenario(
        "\"initiator\", \"cloud\"",
        "\"HYPE-SKIP-FLAGGED\"",
        &format!(
            "{}{}",
            order("o1", "invoice", "INV-1", "surface = \"initiator\"\n"),
            order("s1", "sale", "R1", "surface = \"cloud\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.flag("o1", 2.0, FlagKind::Engineering);
    run.sale_task("T1", Some("R1"), 1.0, Some((5.0, TaskState::Completed)), "A1", true);
    run.outcome("s1", 6.0, OutcomeResult::Paid, json!(null));
    assert_eq!(run.kind("HYPE-SKIP-FLAGGED", None), Pass);
}
