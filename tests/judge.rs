//! The judge through the real binary: each deliberately broken integration is caught by its
//! target rule and by no other judged rule; an honest integration by none.

use std::process::Command;

/// Runs `exec` on `scenario`; returns (exit code, the FAIL lines' rule IDs, all output).
fn judged(exec: &str, scenario: &str) -> (Option<i32>, Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--exec", exec, scenario, "--time-scale", "0.01"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let failed = crate::support::failed_rules(&text);
    (out.status.code(), failed, text)
}

#[test]
fn an_honest_integration_breaks_no_judged_rule() {
    let (code, failed, text) =
        judged("python3 tests/runner-fixtures/invoice_paid.py", "tests/runner-fixtures/short-invoice.toml");
    assert_eq!((code, failed.len()), (Some(0), 0), "{text}");
}

#[test]
fn reporting_paid_without_paying_is_caught_by_truthful_outcome_alone() {
    let (code, failed, text) =
        judged("python3 tests/runner-fixtures/reports_paid_without_paying.py", "tests/runner-fixtures/short-sale.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["MONEY-TRUTHFUL-OUTCOME"], "{text}");
    assert!(text.contains("expected: the last reported outcome equals the ledger's state"), "{text}");
}

#[test]
fn charging_twice_is_caught_by_no_double_charge_alone() {
    let (code, failed, text) =
        judged("python3 tests/runner-fixtures/charges_twice.py", "tests/runner-fixtures/short-sale.toml");
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["MONEY-NO-DOUBLE-CHARGE"], "{text}");
    assert!(text.contains("the customer was charged 2 times"), "{text}");
}

#[test]
fn giving_up_on_a_payment_that_later_succeeds_is_caught_by_no_lost_payment_alone() {
    let (code, failed, text) =
        judged("python3 tests/runner-fixtures/gives_up_not_paid.py", "tests/runner-fixtures/short-invoice.toml");
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

fn judged_with_bug(bug: &str) -> (Option<i32>, Vec<String>, String) {
    judged(&format!("BUG={bug} python3 tests/runner-fixtures/cloud_sale.py"), "tests/runner-fixtures/cloud-sale.toml")
}

#[test]
fn an_honest_cloud_integration_breaks_no_judged_rule() {
    let (code, failed, text) = judged_with_bug("none");
    assert_eq!((code, failed.len()), (Some(0), 0), "{text}");
}

#[test]
fn reporting_a_completed_task_as_paid_without_reading_the_result_is_caught_by_task_not_payment_alone() {
    let (_, failed, text) = judged_with_bug("no_fetch");
    assert_eq!(failed, ["CLOUD-TASK-NOT-PAYMENT"], "{text}");
}

#[test]
fn logging_in_for_every_call_is_caught_by_token_reuse_alone() {
    let (_, failed, text) = judged_with_bug("login_each_call");
    assert_eq!(failed, ["CLOUD-TOKEN-REUSE"], "{text}");
}

#[test]
fn polling_a_finished_task_is_caught_by_poll_until_final_alone() {
    let (_, failed, text) = judged_with_bug("poll_after_final");
    assert_eq!(failed, ["CLOUD-POLL-UNTIL-FINAL"], "{text}");
}

fn initiator_with_bug(bug: &str, scenario: &str) -> (Option<i32>, Vec<String>, String) {
    judged(&format!("BUG={bug} python3 tests/runner-fixtures/initiator_client.py"), scenario)
}

#[test]
fn an_honest_initiator_client_breaks_no_judged_rule() {
    for scenario in
        ["tests/runner-fixtures/invoice-in-process.toml", "tests/runner-fixtures/invoice-bad-signature.toml"]
    {
        let (code, failed, text) = initiator_with_bug("none", scenario);
        assert_eq!((code, failed.len()), (Some(0), 0), "{text}");
    }
}

#[test]
fn re_presenting_the_uri_during_payment_in_process_is_caught_by_in_process_alone() {
    let (_, failed, text) = initiator_with_bug("re_present", "tests/runner-fixtures/invoice-in-process.toml");
    assert_eq!(failed, ["HYPE-IN-PROCESS"], "{text}");
    assert!(text.contains("present_uri"), "{text}");
}

#[test]
fn repeating_a_request_after_bad_signature_is_caught_by_bad_signature_alone() {
    let (_, failed, text) =
        initiator_with_bug("retry_bad_signature", "tests/runner-fixtures/invoice-bad-signature.toml");
    assert_eq!(failed, ["HYPE-F-BAD-SIGNATURE"], "{text}");
}

#[test]
fn polling_without_pause_is_caught_by_no_storm_and_a_sane_pace_is_not() {
    // At 0.01 real s per virtual s the spec's tolerance (5 real ms) is the whole 0.5 s
    // minimum interval; a slower clock makes the rule bite.
    let run = |bug: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["run", "--exec", &format!("BUG={bug} python3 tests/runner-fixtures/cloud_sale.py")])
            .args(["tests/runner-fixtures/cloud-sale-rate.toml", "--time-scale", "0.1"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), text)
    };
    let (storm_code, storm) = run("storm");
    assert_eq!(storm_code, Some(payterm::exit_codes::FAILED), "{storm}");
    assert!(storm.contains("FAIL RATE-NO-STORM"), "{storm}");
    let (calm_code, calm) = run("none");
    assert_eq!(calm_code, Some(0), "{calm}");
}

#[test]
fn a_second_sale_while_the_first_runs_is_caught_by_no_duplicate_sale_and_its_declared_double_charge() {
    let (_, honest, text) =
        judged("BUG=none python3 tests/runner-fixtures/cloud_sale.py", "tests/runner-fixtures/cloud-sale-once.toml");
    assert!(honest.is_empty(), "{text}");
    let (_, failed, text) = judged(
        "BUG=duplicate python3 tests/runner-fixtures/cloud_sale.py",
        "tests/runner-fixtures/cloud-sale-once.toml",
    );
    // Both sales are paid, so the duplicate necessarily charges twice too.
    assert_eq!(failed, ["CLOUD-NO-DUPLICATE-SALE", "MONEY-NO-DOUBLE-CHARGE"], "{text}");
}

#[test]
fn giving_up_on_undeterminable_is_caught_by_undeterminable_alone() {
    let (_, honest, text) = initiator_with_bug("none", "tests/runner-fixtures/invoice-undeterminable.toml");
    assert!(honest.is_empty(), "{text}");
    let (_, failed, text) =
        initiator_with_bug("stop_undeterminable", "tests/runner-fixtures/invoice-undeterminable.toml");
    assert_eq!(failed, ["HYPE-UNDETERMINABLE"], "{text}");
}

#[test]
fn reporting_a_cancelled_deep_link_as_paid_is_caught_by_status_handled_and_its_declared_truthful_outcome() {
    let (_, honest, text) =
        judged("BUG=none python3 tests/runner-fixtures/link_sale.py", "tests/runner-fixtures/link-cancelled.toml");
    assert!(honest.is_empty(), "{text}");
    let (_, failed, text) = judged(
        "BUG=ignore_status python3 tests/runner-fixtures/link_sale.py",
        "tests/runner-fixtures/link-cancelled.toml",
    );
    // Nothing was charged, so calling it paid is also untruthful.
    assert_eq!(failed, ["LINK-STATUS-HANDLED", "MONEY-TRUTHFUL-OUTCOME"], "{text}");
}

#[test]
fn voiding_on_the_cashiers_terminal_instead_of_the_sales_is_caught_by_void_same_tid_alone() {
    // The scenario: a sale made on 999888, the void asked at 999777.
    let scenario = "scenarios/cloud/void-on-another-tid-is-refused.toml";
    let (code, failed, text) = judged("BUG=other_tid python3 tests/runner-fixtures/cloud_void.py", scenario);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed, ["CLOUD-VOID-SAME-TID"], "{text}");
    let (code, failed, text) = judged("BUG=none python3 tests/runner-fixtures/cloud_void.py", scenario);
    assert_eq!((code, failed.len()), (Some(0), 0), "{text}");
}
