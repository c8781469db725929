//! `payterm explore` through the real binary: the same seed gives the same scenarios, every
//! one of them a valid file; a planted bug that no built-in scenario reaches is found from a
//! fixed seed and shrunk to a small scenario that fails it under `payterm run` and passes
//! with the reference; the reference itself gives no false alarm.

use std::path::{Path, PathBuf};
use std::process::Command;

use payterm::explore::generate;

use crate::support::failed_rules;

/// The reference integration with one planted bug: after a "try again later" answer to one
/// invoice, it re-presents the URIs of the other open invoices, also one in process.
const PLANTED: &str = "BUG=nudge python3 tests/runner-fixtures/pos_planted.py";
/// A seed whose run 11 is the first to put a transient fault on one invoice while another
/// is in process (runs 1 to 10 pass with this integration); runs 18, 23 and 28 do it too,
/// with wider windows, and are what a busy machine finds.
const SEED: &str = "10";
/// Real seconds per virtual second, as the rest of the suite. Timing noise on a loaded box
/// cannot steer the test: only HYPE-IN-PROCESS is looked for, a failure counts only when it
/// shows again at this speed and at four times slower (run 4 of this seed fails only when
/// the machine is busy, and is passed over), and a shrinking step is taken only when it fails
/// three times in a row and once slower (the shrunk file as often again). The test also runs
/// with no other test beside it (`.config/nextest.toml`).
const TIME_SCALE: &str = "0.01";

fn payterm(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-explore-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn script_steps(s: &payterm::scenario::Scenario) -> usize {
    let script = &s.script;
    script.status.len()
        + script.tasks.len()
        + script.cards.len()
        + script.http.len()
        + script.links.len()
        + script.operator.len()
        + script.clock.len()
        + script.token_expiry.len()
}

#[test]
fn the_same_seed_generates_the_same_scenarios_and_each_is_a_valid_file() {
    for seed in [1, 2, 42] {
        for run in 1..=100 {
            // Arrange, Act
            let (a, b) = (generate(seed, run).to_toml(), generate(seed, run).to_toml());

            // Assert
            assert_eq!(a, b, "seed {seed} run {run}");
            if let Err(e) = payterm::scenario::parse("generated.toml", &a) {
                panic!("seed {seed} run {run} does not validate:\n{a}\n{}", e.render());
            }
        }
    }
    assert_ne!(generate(1, 1).to_toml(), generate(2, 1).to_toml());
}

#[test]
fn the_planted_bug_passes_every_built_in_initiator_scenario() {
    // Act: the bug lives in the initiator flow, so those are the scenarios that could show it.
    let (code, text) = payterm(&["run", "--exec", PLANTED, "--surface", "initiator", "--time-scale", TIME_SCALE]);

    // Assert
    assert_eq!(code, Some(payterm::exit_codes::SUCCESS), "{text}");
    assert!(failed_rules(&text).is_empty(), "{text}");
    assert!(!text.contains(" 0 passed"), "{text}");
}

#[test]
fn exploring_from_a_fixed_seed_finds_the_planted_bug_and_shrinks_it_to_a_few_steps() {
    // Arrange
    let out = fresh_dir("planted");
    let out_arg = out.display().to_string();

    // Act
    let (code, text) = payterm(&[
        "explore",
        "--exec",
        PLANTED,
        "--seed",
        SEED,
        "--runs",
        "30",
        "--time-scale",
        TIME_SCALE,
        "--jobs",
        "2",
        "--rule",
        "HYPE-IN-PROCESS",
        "--out",
        &out_arg,
    ]);

    // Assert: found within the bounded runs, shrunk, written. Which run is found first and how
    // far it shrinks hang on the machine: a run whose failure needs the integration to be slow
    // is passed over, and a candidate that fails only most of the time may be taken and then
    // stepped back from. Seen on a quiet machine: run 11 found, 2 or 3 steps left of 6; with two
    // busy loops beside it: run 18, 2 steps left of 11; beside the other tests: run 18, 4 left.
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    let found = text.lines().find(|l| l.starts_with("found: HYPE-IN-PROCESS")).unwrap_or_else(|| panic!("{text}"));
    let run: u32 = found.split("by run ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(run <= 30, "{text}");
    let file = out.join(format!("found-{SEED}-{run}.toml"));
    let written = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}\n{text}", file.display()));
    assert!(
        written.starts_with(&format!("# Found by `payterm explore --seed {SEED}`: run {run} broke HYPE-IN-PROCESS.")),
        "{written}\n{text}"
    );
    assert!(written.contains(&format!("# Reproduce: payterm run --exec '{PLANTED}' {}", file.display())), "{written}");
    let scenario = payterm::scenario::load(&file).unwrap();
    let invoices = scenario.orders.iter().filter(|o| o.operation.as_str() == "invoice").count();
    // The bug needs two invoices: one in process, the other answered a fault.
    assert_eq!((scenario.orders.len(), invoices), (2, 2), "{written}\n{text}");
    let generated = generate(SEED.parse().unwrap(), run);
    let steps = script_steps(&scenario);
    assert!(steps < generated.steps.len() && steps <= 4, "{steps} steps:\n{written}\n{text}");

    // A find targets what it proves (issue 20, 2.3), so once the bug is fixed it passes.
    assert_eq!(scenario.rules.iter().map(|r| r.id).collect::<Vec<_>>(), ["HYPE-IN-PROCESS"], "{written}");

    // Assert: a true counterexample, not a harness artefact — the planted bug fails it, and
    // the reference (the bug fixed) passes it, not inconclusive.
    let (code, text) = payterm(&["run", "--exec", PLANTED, &file.display().to_string(), "--time-scale", TIME_SCALE]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert_eq!(failed_rules(&text), ["HYPE-IN-PROCESS"], "{text}");
    let (code, text) = payterm(&["run", &file.display().to_string(), "--time-scale", TIME_SCALE]);
    assert!(failed_rules(&text).is_empty(), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
    assert_eq!(code, Some(payterm::exit_codes::SUCCESS), "{text}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_reference_explored_for_a_handful_of_runs_breaks_no_rule() {
    // Arrange
    let out = fresh_dir("reference");

    // Act
    let (code, text) = payterm(&[
        "explore",
        "--seed",
        "5",
        "--runs",
        "6",
        "--time-scale",
        TIME_SCALE,
        "--jobs",
        "2",
        "--out",
        &out.display().to_string(),
    ]);

    // Assert
    assert_eq!(code, Some(payterm::exit_codes::SUCCESS), "{text}");
    assert!(text.contains("6 runs: 0 found"), "{text}");
    assert!(!Path::new(&out).exists(), "nothing is written when nothing is found");
}
