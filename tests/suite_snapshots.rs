//! The built-in suite against the reference integration, pinned: every scenario runs through
//! the library as `payterm run` would, is judged, and the stable part of its report
//! (`report::stable`) is snapshotted in `snapshots/suite/`, one file per scenario.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use payterm::judge::judge;
use payterm::report::ScenarioReport;
use payterm::report::stable::stable;
use payterm::runner::builtin::{SUITE, reference_command};
use payterm::runner::{RunOptions, run_scenario};

/// Scenarios run at once: they mostly wait, and four keep a two-core machine busy enough.
const JOBS: usize = 2;

/// `cloud/sale-approved.toml` → `cloud__sale-approved`.
fn snapshot_name(path: &str) -> String {
    path.trim_end_matches(".toml").replace('/', "__")
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots/suite");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Runs the scenario at `path` in the built-in suite and builds its report.
async fn run_one(path: &str, text: &str, exec: &str, work_dir: PathBuf) -> ScenarioReport {
    let file = format!("scenarios/{path}");
    let scenario = Arc::new(payterm::scenario::parse(&file, text).unwrap());
    let seed = scenario.seed.unwrap_or(1);
    let options = RunOptions::command(exec, 0.01, env!("CARGO_BIN_EXE_payterm").into(), work_dir);
    let record = run_scenario(scenario, seed, &options).await.unwrap();
    let _ = std::fs::remove_dir_all(&options.work_dir);
    let (verdicts, not_judged) = judge(&record);
    let reproduce = format!("payterm run --builtin --name {file} --seed {seed}");
    ScenarioReport::judged(Path::new(&file), &record, &verdicts, &not_judged, reproduce)
}

// Timing at 0.01 real s per virtual s: beside the other tests a loaded machine could move a
// window, so nextest runs it alone (`.config/nextest.toml`); `make snapshots` runs only it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_built_in_scenario_passes_against_the_reference_with_a_stable_transcript() {
    // Arrange
    let root = std::env::temp_dir().join(format!("payterm-suite-snapshots-{}", std::process::id()));
    let exec = reference_command(&root.join("reference")).unwrap();

    // Act
    let runs = SUITE.iter().enumerate().map(|(i, (path, text))| {
        let work_dir = root.join(format!("run-{i}"));
        let exec = exec.clone();
        async move { (*path, run_one(path, text, &exec, work_dir).await) }
    });
    let mut reports: Vec<(&str, ScenarioReport)> =
        futures_util::stream::iter(runs).buffer_unordered(JOBS).collect().await;
    reports.sort_by_key(|(path, _)| *path);
    let _ = std::fs::remove_dir_all(&root);

    // Assert
    // Every snapshot is compared before failing, so one run shows (and writes `.snap.new` for)
    // every scenario that changed.
    let changed: Vec<&str> = reports
        .iter()
        .filter(|(path, report)| {
            let text = stable(report);
            let name = snapshot_name(path);
            std::panic::catch_unwind(|| settings().bind(|| insta::assert_snapshot!(name, text))).is_err()
        })
        .map(|(path, _)| *path)
        .collect();
    let failed: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.status != payterm::report::ScenarioStatus::Passed)
        .map(|(path, r)| {
            let rules: Vec<String> =
                r.failures().map(|v| format!("{} {}", v.rule, v.order.as_deref().unwrap_or("-"))).collect();
            let unexercised: Vec<&str> = r.inconclusive_rules().map(|u| u.rule.as_str()).collect();
            format!("{path}: {:?} {} {}", r.status, rules.join(", "), unexercised.join(", "))
        })
        .collect();
    assert!(failed.is_empty(), "scenarios did not pass against the reference:\n{}", failed.join("\n"));
    assert!(changed.is_empty(), "stable transcripts changed:\n{}", changed.join("\n"));
}
