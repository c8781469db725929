//! The judge through the real binary: each mistake planted in the reference integration
//! (`pos.py --mistake NAME`) is caught by its target rule and by no other judged rule; the
//! reference itself by none. (tests/claims.rs proves every claim of the built-in scenarios the
//! same way; these are small scenarios of their own, one rule at a time.)

use std::process::Command;

const REFERENCE: &str = "python3 examples/reference-python/pos.py";

/// Runs `exec` on `scenario` at `scale`; returns (exit code, the FAIL lines' rule IDs, all output).
fn judged_at(exec: &str, scenario: &str, scale: &str) -> (Option<i32>, Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--exec", exec, scenario, "--time-scale", scale])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let failed = crate::support::failed_rules(&text);
    (out.status.code(), failed, text)
}

fn judged(exec: &str, scenario: &str) -> (Option<i32>, Vec<String>, String) {
    judged_at(exec, scenario, "0.01")
}

/// The reference with one planted mistake, on `scenario`.
fn with_mistake(mistake: &str, scenario: &str) -> (Option<i32>, Vec<String>, String) {
    judged(&format!("{REFERENCE} --mistake {mistake}"), scenario)
}

#[test]
fn the_reference_breaks_no_judged_rule() {
    for scenario in [
        "tests/runner-fixtures/short-invoice.toml",
        "tests/runner-fixtures/short-sale.toml",
        "tests/runner-fixtures/cloud-sale.toml",
        "tests/runner-fixtures/cloud-sale-once.toml",
        "tests/runner-fixtures/invoice-in-process.toml",
        "tests/runner-fixtures/invoice-bad-signature.toml",
        "tests/runner-fixtures/invoice-undeterminable.toml",
        "tests/runner-fixtures/link-cancelled.toml",
        "scenarios/cloud/void-on-another-tid-is-refused.toml",
    ] {
        let (code, failed, text) = judged(REFERENCE, scenario);
        assert_eq!((code, failed.len()), (Some(0), 0), "{scenario}:\n{text}");
    }
}

#[test]
fn an_unknown_mistake_is_refused_with_the_list_of_mistakes() {
    let out = Command::new("python3")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["examples/reference-python/pos.py", "--mistake", "no-such-mistake"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown mistake 'no-such-mistake'") && err.contains("retry-before-retry-after"), "{err}");
}

#[test]
fn reporting_paid_without_paying_is_caught_by_truthful_outcome_alone() {
    let (code, failed, text) = with_mistake("paid-without-asking", "tests/runner-fixtures/short-sale.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["MONEY-TRUTHFUL-OUTCOME"], "{text}");
    assert!(text.contains("expected: the last reported outcome equals the ledger's state"), "{text}");
}

#[test]
fn charging_twice_is_caught_by_no_double_charge_alone() {
    let (code, failed, text) = with_mistake("sale-created-twice", "tests/runner-fixtures/short-sale.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["MONEY-NO-DOUBLE-CHARGE"], "{text}");
    assert!(text.contains("the customer was charged 2 times"), "{text}");
}

#[test]
fn giving_up_on_a_payment_that_later_succeeds_is_caught_by_no_lost_payment_alone() {
    let (code, failed, text) = with_mistake("not-paid-at-once", "tests/runner-fixtures/short-invoice.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["MONEY-NO-LOST-PAYMENT"], "{text}");
}

#[test]
fn an_integration_that_does_nothing_is_caught_by_liveness() {
    let (code, failed, text) = judged("cat > /dev/null", "tests/runner-fixtures/short-sale.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["LIVENESS-OUTCOME"], "{text}");
    assert!(text.contains("no outcome by the deadline"), "{text}");
}

#[test]
fn reporting_a_completed_task_as_paid_without_reading_the_result_is_caught_by_task_not_payment_alone() {
    let (_, failed, text) = with_mistake("task-state-is-payment", "tests/runner-fixtures/cloud-sale.toml");
    assert_eq!(failed, ["CLOUD-TASK-NOT-PAYMENT"], "{text}");
}

#[test]
fn logging_in_for_every_call_is_caught_by_token_reuse_alone() {
    let (_, failed, text) = with_mistake("login-every-call", "tests/runner-fixtures/cloud-sale.toml");
    assert_eq!(failed, ["CLOUD-TOKEN-REUSE"], "{text}");
}

#[test]
fn polling_a_finished_task_is_caught_by_poll_until_final_alone() {
    let (_, failed, text) = with_mistake("poll-after-final", "tests/runner-fixtures/cloud-sale.toml");
    assert_eq!(failed, ["CLOUD-POLL-UNTIL-FINAL"], "{text}");
}

#[test]
fn re_presenting_the_uri_during_payment_in_process_is_caught_by_in_process_alone() {
    let (_, failed, text) = with_mistake("re-present-uri-in-process", "tests/runner-fixtures/invoice-in-process.toml");
    assert_eq!(failed, ["HYPE-IN-PROCESS"], "{text}");
    assert!(text.contains("present_uri"), "{text}");
}

#[test]
fn repeating_a_request_after_bad_signature_is_caught_by_bad_signature_alone() {
    let (_, failed, text) = with_mistake("retry-when-told-to-stop", "tests/runner-fixtures/invoice-bad-signature.toml");
    assert_eq!(failed, ["HYPE-F-BAD-SIGNATURE"], "{text}");
}

#[test]
fn polling_without_pause_is_caught_by_no_storm_and_a_sane_pace_is_not() {
    // At 0.01 real s per virtual s the spec's tolerance (5 real ms) is the whole 0.5 s
    // minimum interval; a slower clock makes the rule bite.
    let scenario = "tests/runner-fixtures/cloud-sale-rate.toml";
    let (storm_code, _, storm) = judged_at(&format!("{REFERENCE} --mistake poll-without-pause"), scenario, "0.1");
    assert_eq!(storm_code, Some(payterm::exit_codes::FAILED), "{storm}");
    assert!(storm.contains("FAIL RATE-NO-STORM"), "{storm}");
    let (calm_code, _, calm) = judged_at(REFERENCE, scenario, "0.1");
    assert_eq!(calm_code, Some(0), "{calm}");
}

#[test]
fn a_second_sale_while_the_first_runs_is_caught_by_no_duplicate_sale_and_its_declared_double_charge() {
    let (_, failed, text) = with_mistake("sale-created-twice", "tests/runner-fixtures/cloud-sale-once.toml");
    // Both sales are paid, so the duplicate necessarily charges twice too.
    assert_eq!(failed, ["CLOUD-NO-DUPLICATE-SALE", "MONEY-NO-DOUBLE-CHARGE"], "{text}");
}

#[test]
fn giving_up_on_undeterminable_is_caught_by_undeterminable_alone() {
    let (_, failed, text) =
        with_mistake("undeterminable-ends-the-polling", "tests/runner-fixtures/invoice-undeterminable.toml");
    assert_eq!(failed, ["HYPE-UNDETERMINABLE"], "{text}");
}

#[test]
fn reporting_a_cancelled_deep_link_as_paid_is_caught_by_status_handled_and_its_declared_truthful_outcome() {
    let (_, failed, text) = with_mistake("link-status-ignored", "tests/runner-fixtures/link-cancelled.toml");
    // Nothing was charged, so calling it paid is also untruthful.
    assert_eq!(failed, ["LINK-STATUS-HANDLED", "MONEY-TRUTHFUL-OUTCOME"], "{text}");
}

#[test]
fn voiding_on_the_cashiers_terminal_instead_of_the_sales_is_caught_by_void_same_tid_alone() {
    // The scenario: a sale made on 999888, the void asked at 999777.
    let (code, failed, text) =
        with_mistake("void-on-cashiers-terminal", "scenarios/cloud/void-on-another-tid-is-refused.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["CLOUD-VOID-SAME-TID"], "{text}");
}
