//! Interrupting `payterm run`: SIGINT and SIGTERM end every integration's process group, write
//! the reports for what finished (the rest marked, the JUnit report with an error naming the
//! signal), remove the work folders and exit 130 or 143; `kill -9` of payterm itself still
//! ends the integration and removes its folder (the reaper).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runner-fixtures").join(name).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-interrupt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How many processes run `sleep SECONDS` exactly (a length no other process on the machine has).
fn sleeping(seconds: &str) -> usize {
    let count = format!("ps -eo args | grep -c '^[s]leep {seconds}$'");
    let out = Command::new("sh").args(["-c", &count]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

/// Waits up to `limit` for `done`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// `payterm run` of two scenarios, one at a time, against an integration that only sleeps.
fn start(dir: &Path, seconds: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(dir)
        .args(["run", "--jobs", "1", "--exec", &format!("sleep {seconds}")])
        .args([fixture("short-sale.toml"), fixture("cloud-sale.toml")])
        .args(["--report", "json=r.json", "--time-scale", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(pid: u32, name: &str) {
    assert!(Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status().unwrap().success());
}

#[test]
fn sigint_and_sigterm_end_the_integrations_write_what_finished_and_exit_130_and_143() {
    for (name, code, n) in [("INT", payterm::exit_codes::INTERRUPTED, 1), ("TERM", payterm::exit_codes::TERMINATED, 2)]
    {
        // Arrange: the first scenario's integration is running.
        let dir = scratch(name);
        let seconds = format!("307.{}{n}", std::process::id());
        let child = start(&dir, &seconds);
        assert!(wait_for(Duration::from_secs(20), || sleeping(&seconds) == 1), "the integration never started");
        // Act
        signal(child.id(), name);
        let out = child.wait_with_output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        // Assert
        assert_eq!(out.status.code(), Some(code), "SIG{name}\n{text}");
        assert!(wait_for(Duration::from_secs(5), || sleeping(&seconds) == 0), "SIG{name}: the integration survived");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).expect("the report is written")).unwrap();
        assert_eq!(report["interrupted"], format!("SIG{name}"));
        let skipped: Vec<&str> =
            report["scenarios"].as_array().unwrap().iter().filter_map(|s| s["skipped"].as_str()).collect();
        assert!(skipped.contains(&format!("interrupted by SIG{name} while it ran").as_str()), "{skipped:?}");
        assert!(text.contains(&format!("interrupted by SIG{name}")), "{text}");
    }
}

#[test]
fn kill_9_of_payterm_still_ends_the_integration_and_removes_its_work_folder() {
    // Arrange
    let dir = scratch("kill9");
    let seconds = format!("307.{}9", std::process::id());
    let mut child = start_in_tmp(&dir, &seconds, &[]);
    assert!(wait_for(Duration::from_secs(20), || sleeping(&seconds) == 1), "the integration never started");
    // Act
    child.kill().unwrap();
    let _ = child.wait();
    // Assert
    assert!(wait_for(Duration::from_secs(5), || sleeping(&seconds) == 0), "the integration outlived payterm");
    let empty = || std::fs::read_dir(dir.join("tmp")).unwrap().next().is_none();
    assert!(wait_for(Duration::from_secs(5), empty), "the work folder outlived payterm");
}

/// `payterm run` of one scenario in `dir`, its work folders under `dir/tmp`, against an
/// integration that writes where its initiator config is, then sleeps.
fn start_in_tmp(dir: &Path, seconds: &str, reports: &[&str]) -> Child {
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let exec = format!("printf '%s' \"$PAYTERM_INITIATOR_CONFIG\" > where.txt; sleep {seconds}");
    Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(dir)
        .env("TMPDIR", dir.join("tmp"))
        .args(["run", "--jobs", "1", "--exec", &exec, &fixture("short-sale.toml"), "--time-scale", "0.05"])
        .args(reports.iter().flat_map(|r| ["--report", r]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn an_interrupted_run_removes_its_work_folders_which_nobody_could_have_guessed() {
    // Arrange: the integration is running, in the work folder payterm made.
    let dir = scratch("folders");
    let seconds = format!("307.{}5", std::process::id());
    let child = start_in_tmp(&dir, &seconds, &[]);
    assert!(wait_for(Duration::from_secs(20), || sleeping(&seconds) == 1), "the integration never started");
    let config = PathBuf::from(std::fs::read_to_string(dir.join("where.txt")).unwrap());
    let folder = config.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let pid = child.id();
    // Act
    signal(pid, "INT");
    let out = child.wait_with_output().unwrap();
    // Assert
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INTERRUPTED));
    assert_ne!(folder, format!("payterm-run-{pid}-0"), "a name another user could plant first");
    let left: Vec<_> = std::fs::read_dir(dir.join("tmp")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind in TMPDIR: {left:?} (the run's folder was {folder})");
}

#[test]
fn an_interrupted_runs_junit_report_carries_an_error_naming_the_signal() {
    // Arrange
    let dir = scratch("junit");
    let seconds = format!("307.{}6", std::process::id());
    let child = start_in_tmp(&dir, &seconds, &["junit=r.xml"]);
    assert!(wait_for(Duration::from_secs(20), || sleeping(&seconds) == 1), "the integration never started");
    // Act
    signal(child.id(), "TERM");
    let out = child.wait_with_output().unwrap();
    // Assert: a CI system that reads only the totals sees that the run did not finish.
    assert_eq!(out.status.code(), Some(payterm::exit_codes::TERMINATED));
    let xml = std::fs::read_to_string(dir.join("r.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_ne!(root.attribute("errors"), Some("0"), "{xml}");
    let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap_or_else(|| panic!("no <error> in {xml}"));
    assert!(error.attribute("message").unwrap().contains("interrupted by SIGTERM"), "{xml}");
}
