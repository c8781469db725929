//! The reference integration in Node.js (`examples/reference-node`): it passes the built-in
//! suite with nothing inconclusive, its planted mistakes are the Python reference's (same names,
//! same meanings), and each is caught as the scenarios' `# Caught:` claims say — the same proof
//! `claims` gives the Python reference (`support::claims`), over the claims that name a mistake
//! the Node reference makes. Skipped, saying so, where `node` is not installed.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::claims::{Reference, prove_all, scenario_files, suite_claims};

/// How many mistakes run at once (each runs its scenarios two at a time).
const AT_ONCE: usize = 2;

/// Whether `node` runs; says why not where `cargo test` shows it even when it captures test
/// output (a direct write to stderr is not captured).
fn node_is_installed(test: &str) -> bool {
    let works = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !works {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: node is not installed\n  (hint: apt-get update && apt-get install -y nodejs)"
        );
    }
    works
}

fn report_dir() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reference-node");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_node_reference_passes_the_built_in_suite_with_nothing_inconclusive() {
    if !node_is_installed("the_node_reference_passes_the_built_in_suite_with_nothing_inconclusive") {
        return;
    }
    // Arrange
    let report = report_dir().join("suite.json");
    let _ = std::fs::remove_file(&report);

    // Act
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--builtin", "--exec", &Reference::NODE.exec(None), "--jobs", "2", "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();

    // Assert
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let not_passed: Vec<String> = json["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["status"] != "passed")
        .map(|s| {
            let rules: Vec<&str> = s["verdicts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["verdict"] == "fail" || v["verdict"] == "not_exercised")
                .filter_map(|v| v["rule"].as_str())
                .collect();
            format!(
                "  {} {}: {}",
                s["status"].as_str().unwrap_or("?"),
                s["file"].as_str().unwrap_or("?"),
                rules.join(", ")
            )
        })
        .collect();
    assert!(not_passed.is_empty(), "not passed (report {}):\n{}\n{said}", report.display(), not_passed.join("\n"));
    let summary = &json["summary"];
    assert_eq!(summary["passed"], scenario_files().len(), "{summary}\n{said}");
    assert_eq!(summary["inconclusive"], 0, "{summary}");
    assert_eq!(out.status.code(), Some(0), "{said}");
}

#[test]
fn the_node_mistakes_are_the_python_references_with_the_same_meanings_and_each_is_claimed() {
    if !node_is_installed("the_node_mistakes_are_the_python_references_with_the_same_meanings_and_each_is_claimed") {
        return;
    }
    // Arrange
    let python = Reference::PYTHON.mistakes();
    let (claims, _) = suite_claims();

    // Act
    let node = Reference::NODE.mistakes();

    // Assert
    let differing: Vec<String> = node
        .iter()
        .filter(|(name, what)| python.get(*name) != Some(*what))
        .map(|(name, what)| format!("  {name}: node says {what:?}, pos.py says {:?}", python.get(name)))
        .collect();
    assert!(differing.is_empty(), "Node mistakes that are not the Python reference's:\n{}", differing.join("\n"));
    let unclaimed: Vec<&String> = node.keys().filter(|name| !claims.iter().any(|c| &c.mistake == *name)).collect();
    assert!(unclaimed.is_empty(), "Node mistakes no scenario claims (so nothing proves them): {unclaimed:?}");
    assert!(node.len() >= 24, "only {} Node mistakes", node.len());
}

#[test]
fn each_node_mistake_fails_the_rule_its_claims_name_and_nothing_outside_their_collateral() {
    if !node_is_installed("each_node_mistake_fails_the_rule_its_claims_name_and_nothing_outside_their_collateral") {
        return;
    }
    // Arrange
    let node = Reference::NODE.mistakes();
    let (claims, problems) = suite_claims();
    assert!(
        problems.is_empty(),
        "the scenarios' claims do not parse (tests `claims` say where):\n{}",
        problems.join("\n")
    );
    let claims: Vec<_> = claims.into_iter().filter(|c| node.contains_key(&c.mistake)).collect();

    // Act
    let started = std::time::Instant::now();
    let unproven = prove_all(Reference::NODE, claims, AT_ONCE, &report_dir());
    eprintln!("reference_node: every Node mistake run in {:.1?}", started.elapsed());

    // Assert
    assert!(unproven.is_empty(), "{} claim(s) not proven:\n\n{}", unproven.len(), unproven.join("\n\n"));
}
