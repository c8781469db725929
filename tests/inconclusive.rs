//! Inconclusive is not a pass (issue 13 item 4): a scenario whose targeted rule the run never
//! exercised is reported inconclusive with what the integration never did, counted apart,
//! failed in JUnit and by the exit code — unless listed as known — rerun by
//! `--rerun-failed`, and never certified.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runner-fixtures").join(name).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-inconclusive-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn payterm(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm")).current_dir(dir).args(args).output().unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// An honest Cloud sale in a scenario that also targets the refused-void rule.
fn run_it(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let exec = format!("python3 {}", fixture("cloud_sale.py"));
    let scenario = fixture("void-rule-not-exercised.toml");
    let mut args = vec!["run", "--exec", &exec, &scenario];
    args.extend_from_slice(extra);
    payterm(dir, &args)
}

#[test]
fn a_targeted_rule_the_run_never_exercised_makes_the_scenario_inconclusive_and_the_run_fail() {
    // Arrange
    let dir = scratch("plain");
    // Act
    let (code, text) = run_it(&dir, &["--report", "json=r.json", "--report", "junit=j.xml", "--report", "html=r.html"]);
    // Assert: the terminal says what was never done, counted apart, and exits 1.
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("INCONCLUSIVE") && text.contains("not exercised: CLOUD-VOID-93-DAYS"), "{text}");
    assert!(text.contains("never: the scenario has no Cloud void order"), "{text}");
    assert!(text.contains("1 scenarios: 0 passed, 0 failed, 1 inconclusive"), "{text}");
    // The JSON report.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!(report["schema_version"], payterm::report::SCHEMA_VERSION);
    assert_eq!((report["summary"]["passed"].as_u64(), report["summary"]["inconclusive"].as_u64()), (Some(0), Some(1)));
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["status"], "inconclusive");
    assert_eq!(scenario["unexercised"][0]["rule"], "CLOUD-VOID-93-DAYS");
    assert_eq!(scenario["unexercised"][0]["never"][0], "the scenario has no Cloud void order");
    // JUnit: a failure, as a CI system reads it.
    let xml = std::fs::read_to_string(dir.join("j.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("CLOUD-VOID-93-DAYS"))
        .unwrap();
    let failure = case.children().find(|n| n.has_tag_name("failure")).expect("a <failure>");
    assert_eq!(failure.attribute("type"), Some("inconclusive"));
    assert!(failure.attribute("message").unwrap().contains("the scenario has no Cloud void order"), "{xml}");
    assert_eq!(doc.root_element().attribute("failures"), Some("1"), "{xml}");
    // HTML.
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(
        html.contains("INCONCLUSIVE") && html.contains("the scenario has no Cloud void order"),
        "an HTML report says so"
    );
}

#[test]
fn a_known_inconclusive_scenario_is_reported_as_known_and_does_not_fail() {
    // Arrange
    let dir = scratch("known");
    let known = format!(
        "[[failure]]\nscenario = \"{}\"\nrule = \"CLOUD-VOID-93-DAYS\"\nstatus = \"inconclusive\"\nreason = \"TICKET-9\"\n",
        fixture("void-rule-not-exercised.toml")
    );
    std::fs::write(dir.join("known.toml"), known).unwrap();
    // Act
    let (code, text) = run_it(&dir, &["--expected-failures", "known.toml", "--report", "junit=j.xml"]);
    // Assert
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("xfail CLOUD-VOID-93-DAYS") && text.contains("[known: TICKET-9]"), "{text}");
    let xml = std::fs::read_to_string(dir.join("j.xml")).unwrap();
    assert!(xml.contains("expected failure (TICKET-9): not exercised"), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn rerun_failed_reruns_an_inconclusive_scenario() {
    // Arrange
    let dir = scratch("rerun");
    assert_eq!(run_it(&dir, &[]).0, Some(payterm::exit_codes::FAILED));
    // Act
    let exec = format!("python3 {}", fixture("cloud_sale.py"));
    let (code, text) = payterm(&dir, &["run", "--exec", &exec, "--rerun-failed"]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("void-rule-not-exercised.toml") && text.contains("1 inconclusive"), "{text}");
}
