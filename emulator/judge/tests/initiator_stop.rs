//! The initiator's rows after which the spec says stop: HYPE-F-BAD-SIGNATURE and
//! HYPE-F-NOT-FOUND stop the request that was answered so, HYPE-F-USER-DISABLED stops every
//! request; each needs its flag raised.

use rstest::rstest;
use serde_json::json;

use super::initiator::invoice_run;
use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::FlagKind;

/// `fault` answered to o1's `status` of ID-A at 1 s.
fn stopped(rule: &str, fault: &str, two_orders: bool) -> Synth {
    let mut orders = order("o1", "invoice", "INV-1", "");
    if two_orders {
        orders.push_str(&order("o2", "invoice", "INV-2", ""));
    }
    let mut run = Synth::new(&scenario("\"initiator\"", &format!("\"{rule}\""), &orders));
    run.issued(0.5, "ID-A", "INV-1").invoice_req("INV-1", 0.5, "ID-A");
    run.status_req("INV-1", "ID-A", 1.0, json!({"identifier": "ID-A", "fault": fault}));
    run
}

#[rstest]
#[case::bad_signature("HYPE-F-BAD-SIGNATURE", "bad_signature")]
#[case::not_found("HYPE-F-NOT-FOUND", "resource_not_found")]
#[case::user_disabled("HYPE-F-USER-DISABLED", "user_disabled")]
fn a_stop_fault_never_answered_is_not_exercised(#[case] rule: &str, #[case] fault: &str) {
    let mut run = invoice_run(&format!("\"{rule}\""), "");
    run.status_req("INV-1", "ID-A", 1.0, json!({"identifier": "ID-A", "status": "created"}));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, format!("no request of the order was answered {fault}"));
}

#[rstest]
#[case::bad_signature_with_an_engineering_flag(
    "HYPE-F-BAD-SIGNATURE",
    "bad_signature",
    Some(FlagKind::Engineering),
    Pass
)]
#[case::bad_signature_with_an_administrative_flag(
    "HYPE-F-BAD-SIGNATURE",
    "bad_signature",
    Some(FlagKind::Administrative),
    Pass
)]
#[case::bad_signature_unflagged("HYPE-F-BAD-SIGNATURE", "bad_signature", None, Fail)]
#[case::not_found_with_an_engineering_flag("HYPE-F-NOT-FOUND", "resource_not_found", Some(FlagKind::Engineering), Pass)]
#[case::not_found_with_an_administrative_flag(
    "HYPE-F-NOT-FOUND",
    "resource_not_found",
    Some(FlagKind::Administrative),
    Fail
)]
#[case::user_disabled_with_an_administrative_flag(
    "HYPE-F-USER-DISABLED",
    "user_disabled",
    Some(FlagKind::Administrative),
    Pass
)]
#[case::user_disabled_with_an_engineering_flag(
    "HYPE-F-USER-DISABLED",
    "user_disabled",
    Some(FlagKind::Engineering),
    Fail
)]
#[case::user_disabled_unflagged("HYPE-F-USER-DISABLED", "user_disabled", None, Fail)]
fn a_stop_fault_is_flagged(
    #[case] rule: &str,
    #[case] fault: &str,
    #[case] flag: Option<FlagKind>,
    #[case] expected: VerdictKind,
) {
    let mut run = stopped(rule, fault, false);
    if let Some(kind) = flag {
        run.flag("o1", 1.5, kind);
    }
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "no flag was raised for the order");
    } else {
        assert_eq!(verdict.happened, "stopped and flagged");
    }
    assert!(verdict.expected.starts_with(&format!("after {fault}: do not repeat the request")), "{}", verdict.expected);
}

#[rstest]
#[case::bad_signature("HYPE-F-BAD-SIGNATURE", "bad_signature")]
#[case::not_found("HYPE-F-NOT-FOUND", "resource_not_found")]
#[case::user_disabled("HYPE-F-USER-DISABLED", "user_disabled")]
fn repeating_the_request_after_a_stop_fault_fails(#[case] rule: &str, #[case] fault: &str) {
    let mut run = stopped(rule, fault, false);
    run.flag("o1", 1.5, FlagKind::Administrative).flag("o1", 1.5, FlagKind::Engineering);
    run.status_req("INV-1", "ID-A", 60.0, json!({"identifier": "ID-A", "fault": fault}));
    let verdict = run.verdict(rule, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert_eq!(verdict.happened, format!("sent 1 more request(s) after {fault}"));
    assert_eq!(verdict.evidence.len(), 2, "the fault and the repeat: {:?}", verdict.evidence);
}

/// `bad_signature` and `resource_not_found` stop that request; another one (a new invoice) is
/// not a repeat. `user_disabled` stops everything.
#[rstest]
#[case::bad_signature("HYPE-F-BAD-SIGNATURE", "bad_signature", Pass)]
#[case::not_found("HYPE-F-NOT-FOUND", "resource_not_found", Pass)]
#[case::user_disabled("HYPE-F-USER-DISABLED", "user_disabled", Fail)]
fn another_request_after_a_stop_fault(#[case] rule: &str, #[case] fault: &str, #[case] expected: VerdictKind) {
    let mut run = stopped(rule, fault, false);
    run.flag("o1", 1.5, FlagKind::Administrative).flag("o1", 1.5, FlagKind::Engineering);
    run.invoice_req("INV-1-2", 60.0, "ID-B");
    assert_eq!(run.kind(rule, Some("o1")), expected);
}

/// A request of another order already on its way when `user_disabled` came (within the
/// tolerance of the minimum interval: 500 ms at the default scale) is a race, not a repeat.
#[rstest]
#[case::started_within_the_grace(1.5, Pass)]
#[case::started_1_ms_after_it(1.501, Fail)]
#[case::a_minute_later(61.0, Fail)]
fn another_orders_request_after_user_disabled(#[case] at: f64, #[case] expected: VerdictKind) {
    let mut run = stopped("HYPE-F-USER-DISABLED", "user_disabled", true);
    run.flag("o1", 1.5, FlagKind::Administrative);
    run.ex("initiator", "POST", "/hype/v1/invoices", at)
        .json(json!({"payload": {"invoice": "INV-2"}}))
        .answer(200, json!({"identifier": "", "fault": "user_disabled"}))
        .add();
    let verdict = run.verdict("HYPE-F-USER-DISABLED", Some("o1"));
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.evidence.iter().any(|e| e.contains("/hype/v1/invoices")), "{:?}", verdict.evidence);
    }
}
