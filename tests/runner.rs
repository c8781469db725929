//! The runner through the real binary: an integration's events are read and its crash or
//! hang is recorded, not fatal; a hung integration's whole process group is killed at the
//! deadline; the initiator program on its PATH works and the virtual customer pays.

use std::process::Command;

fn run(exec: &str, scenario: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--exec", exec, scenario, "--time-scale", "0.01"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Runs `payterm run ARGS --report json=…` in the repository; returns (exit code, output, report).
fn run_with_report(args: &[&str]) -> (Option<i32>, String, serde_json::Value) {
    let dir = tempfile_dir();
    let json = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--time-scale", "0.01"])
        .args(args)
        .arg(format!("--report=json={}", json.display()))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(&json).map(|t| serde_json::from_str(&t).unwrap()).unwrap_or_default();
    (out.status.code(), text, report)
}

fn tempfile_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("payterm-runner-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_initiator_program_on_the_path_issues_and_the_virtual_customer_pays() {
    // Act
    let (code, text, report) = run_with_report(&[
        "--exec",
        "python3 tests/runner-fixtures/invoice_paid.py",
        "tests/runner-fixtures/short-invoice.toml",
    ]);
    // Assert
    assert_eq!(code, Some(0), "{text}");
    let order = &report["scenarios"][0]["orders"][0];
    assert_eq!(order["events"], serde_json::json!(["present_uri", "outcome paid"]), "{text}");
    assert_eq!(order["ledger"], serde_json::json!(["capture 600000"]), "{text}");
}

#[test]
fn a_crashing_integration_is_recorded_not_fatal() {
    let (ok, text) = run("echo 'not json at all'; exit 3", "tests/runner-fixtures/short-sale.toml");
    assert!(!ok, "judged: no outcome came\n{text}");
    assert!(text.contains("1 scenarios: 0 passed, 1 failed"), "{text}");
    assert!(text.contains("integration exited with 3"), "{text}");
    assert!(text.contains("stdout: not json at all"), "{text}");
}

#[test]
fn a_hung_integration_and_its_children_are_killed_at_the_deadline() {
    // Arrange: a sleep of a length no other process on the machine has (600.<our pid> s), so
    // counting them afterwards counts only this integration's.
    let pid = std::process::id();
    let marker = std::env::temp_dir().join(format!("payterm-hang-{pid}"));
    let sleep = format!("sleep 600.{pid}");
    let exec = format!("({sleep}; touch {}) & {sleep}", marker.display());

    // Act
    let (ok, text) = run(&exec, "tests/runner-fixtures/short-sale.toml");

    // Assert
    assert!(!ok, "judged: no outcome came\n{text}");
    assert!(text.contains("still running at the deadline: its process group was killed"), "{text}");
    // The background child was in the same group: no process is left to touch the marker.
    let count = format!("ps -eo args | grep -c '^[s]leep 600.{pid}$'");
    let ps = Command::new("sh").args(["-c", &count]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ps.stdout).trim(), "0", "a {sleep} survived the kill");
}

#[test]
fn scenarios_run_side_by_side_report_in_their_own_order() {
    // Act
    let (code, text, report) = run_with_report(&[
        "--jobs",
        "2",
        "--exec",
        "python3 tests/runner-fixtures/invoice_paid.py",
        "tests/runner-fixtures/short-invoice.toml",
        "tests/runner-fixtures/invoice-in-process.toml",
    ]);
    // Assert: files are reported in sorted path order, whatever finished first.
    assert_eq!(code, Some(0), "{text}");
    let files: Vec<&str> =
        report["scenarios"].as_array().unwrap().iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["tests/runner-fixtures/invoice-in-process.toml", "tests/runner-fixtures/short-invoice.toml"]);
    assert!(text.contains("2 scenarios: 2 passed, 0 failed"), "{text}");
    assert_eq!(report["summary"]["passed"], 2, "{text}");
}
