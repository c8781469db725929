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
    let mut failed: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("FAIL "))
        .map(|rest| rest.split([' ', ':']).next().unwrap_or("").to_owned())
        .collect();
    failed.sort();
    failed.dedup();
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
