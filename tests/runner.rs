//! The runner through the real binary: an integration's events are read and its crash or
//! hang is recorded, not fatal; a hung integration's whole process group is killed at the
//! deadline; the initiator program on its PATH works and the virtual customer pays.

use std::process::Command;

fn run(exec: &str, scenario: &str) -> (bool, String) {
    run_with_args(exec, scenario, &[])
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
    // It says it is up, so the scenario's clock runs to the deadline.
    let exec = format!("echo '{{\"event\": \"ready\"}}'; ({sleep}; touch {}) & {sleep}", marker.display());

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

#[test]
fn a_flood_of_output_is_kept_within_bounds_and_says_what_was_cut() {
    // Arrange: a 5 MB line on stderr, then 300,000 short lines on stdout (a 100 MB line once
    // made a 209 MB report and 419 MB of RSS).
    let exec = "python3 -c \"import sys; sys.stderr.write('x' * 5000000 + '\\n'); sys.stderr.flush(); \
                [print('line', i) for i in range(300000)]\"";
    // Act
    let (code, text, report) = run_with_report(&["--exec", exec, "tests/runner-fixtures/short-sale.toml"]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "no outcome came\n{}", &text[..text.len().min(3000)]);
    let log: Vec<&str> =
        report["scenarios"][0]["log"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    let kept: usize = log.iter().map(|l| l.len()).sum();
    assert!(kept <= 1024 * 1024 + 200, "{kept} bytes of log kept");
    assert!(log[0].contains("earlier line(s)") && log[0].contains("were dropped"), "{}", log[0]);
    assert_eq!(log.last().copied(), Some("stdout: line 299999"));
    assert!(report.to_string().len() < 3_000_000, "a {} byte report", report.to_string().len());
    assert!(text.len() < 100_000, "{} bytes printed", text.len());
}

#[test]
fn a_line_too_long_to_keep_is_cut_and_marked() {
    // Act
    let exec = "python3 -c \"import sys; sys.stderr.write('y' * 5000000 + '\\n')\"";
    let (_, _, report) = run_with_report(&["--exec", exec, "tests/runner-fixtures/short-sale.toml"]);
    // Assert
    let log = report["scenarios"][0]["log"].as_array().unwrap();
    let line = log.iter().find_map(|l| l.as_str().filter(|l| l.starts_with("stderr: yyy"))).unwrap();
    assert!(line.len() < 70_000, "{} bytes", line.len());
    assert!(line.ends_with("more bytes not kept]"), "{}", &line[line.len() - 100..]);
}

#[test]
fn the_integrations_terminal_sequences_and_nul_bytes_are_shown_not_obeyed() {
    // Arrange: stderr that would retitle the window, clear the screen, fake a green run, and
    // a NUL byte (grep then called the whole output binary).
    let exec = r#"printf '\033]0;pwned\007\033[2J\033[32mALL SCENARIOS PASSED\033[0m\r\n\0nul\n\233J c1\n\342\200\256reversed\n' >&2; exit 1"#;
    // Act
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--exec", exec, "tests/runner-fixtures/short-sale.toml", "--time-scale", "0.01"])
        .output()
        .unwrap();
    // Assert
    let stdout = out.stdout;
    for byte in [0x1b_u8, 0x07, 0x00, b'\r'] {
        assert!(!stdout.contains(&byte), "a raw 0x{byte:02x} reached the terminal");
    }
    let text = String::from_utf8(stdout).expect("the output is text");
    assert!(!text.contains('\u{9b}') && !text.contains('\u{202e}'), "{text}");
    assert!(text.contains(r"stderr: \x1b]0;pwned\x07\x1b[2J\x1b[32mALL SCENARIOS PASSED\x1b[0m"), "{text}");
    assert!(text.contains(r"stderr: \x00nul"), "{text}");
    assert!(text.contains(r"\u{202e}reversed"), "{text}");
}

/// Start-up is not judged (issue 20, finding 6): an integration that takes 3 real seconds to
/// come up — 300 virtual seconds at the default scale, more than most deadlines — passes the
/// whole built-in suite, because each scenario's clock starts when it is ready.
#[test]
fn an_integration_that_takes_three_seconds_to_start_passes_the_whole_suite_at_the_default_scale() {
    // Act
    let (code, text, report) = run_with_report(&[
        "--builtin",
        "--jobs",
        "8",
        "--exec",
        "sleep 3; exec python3 examples/reference-python/pos.py",
    ]);
    // Assert
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(report["summary"]["passed"], report["summary"]["total"], "{text}");
    assert_eq!(report["summary"]["inconclusive"], 0, "{text}");
}

/// An integration that shows no sign of being up (no request, no event, no `ready`) within
/// `--startup-timeout` did not start; a log line is no such sign.
#[test]
fn an_integration_that_never_comes_up_did_not_start() {
    let (ok, text) = run_with_args(
        "echo 'starting the JVM…' >&2; sleep 30",
        "tests/runner-fixtures/short-sale.toml",
        &["--startup-timeout", "1"],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("did not start: no request, no event and no {\"event\": \"ready\"} within 1 s"), "{text}");
}

fn run_with_args(exec: &str, scenario: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--exec", exec, scenario, "--time-scale", "0.01"])
        .args(args)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}
