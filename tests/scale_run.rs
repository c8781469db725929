//! Many orders at once through the real binary (issue 7, "Scale"), small enough for the suite:
//! 100 Cloud sales on 10 terminals all reach an outcome and pass against the reference; a
//! planted duplicate sale is caught on exactly the orders it broke; an integration that never
//! reads its stdin (more order lines than a pipe holds) is still killed at the deadline. The
//! 1,000-order figure is `cargo bench --bench scale_run`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../benches/scale_scenario.rs"]
mod scale_scenario;

use scale_scenario::{Shape, scenario_toml};

const SMALL: Shape = Shape { terminals: 10, per_terminal: 10, declined_every: 5, spread_ms: 500 };

/// A scratch folder holding `shape`'s scenario file; returns both.
fn scenario_file(name: &str, shape: &Shape) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("payterm-scale-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scale.toml");
    std::fs::write(&file, scenario_toml(shape)).unwrap();
    (dir, file)
}

/// `payterm run FILE ARGS --report json=…` in `dir`, ended if it is still running after
/// `limit` (then the run hung: `None` as its exit code). Returns (exit code, the report).
fn run(dir: &Path, file: &Path, args: &[&str], limit: Duration) -> (Option<i32>, Value) {
    let json = dir.join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(dir)
        .arg("run")
        .arg(file)
        .args(["--time-scale", "0.01"])
        .args(args)
        .arg(format!("--report=json={}", json.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let report = std::fs::read_to_string(&json).map(|t| serde_json::from_str(&t).unwrap()).unwrap_or_default();
    (code, report)
}

/// Each failed rule of the report's only scenario, with the orders it failed on.
fn failures(report: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in report["scenarios"][0]["verdicts"].as_array().unwrap() {
        if v["verdict"] == "fail" {
            let order = v["order"].as_str().unwrap_or("-").to_owned();
            out.entry(v["rule"].as_str().unwrap().to_owned()).or_default().insert(order);
        }
    }
    out
}

/// The orders of the report's only scenario that got an outcome event.
fn with_outcome(report: &Value) -> usize {
    let orders = report["scenarios"][0]["orders"].as_array().unwrap();
    orders
        .iter()
        .filter(|o| o["events"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().starts_with("outcome")))
        .count()
}

#[test]
fn the_generated_scale_scenarios_are_valid() {
    // Arrange
    let big = Shape { terminals: 100, per_terminal: 10, declined_every: 5, spread_ms: 500 };
    let (dir, small) = scenario_file("check-small", &SMALL);
    let big_file = dir.join("big.toml");
    std::fs::write(&big_file, scenario_toml(&big)).unwrap();
    // Act
    let out = Command::new(env!("CARGO_BIN_EXE_payterm")).arg("check").arg(&small).arg(&big_file).output().unwrap();
    // Assert
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1000 concurrent Cloud sales on 100 terminals"), "{text}");
    assert_eq!((big.orders(), (0..big.orders()).filter(|n| big.declined(*n)).count()), (1000, 200));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hundred_concurrent_sales_on_ten_terminals_all_reach_an_outcome_and_pass_against_the_reference() {
    // Arrange
    let (dir, file) = scenario_file("reference", &SMALL);
    // Act: the built-in reference integration (no --exec).
    let (code, report) = run(&dir, &file, &[], Duration::from_secs(300));
    // Assert
    assert_eq!(failures(&report), BTreeMap::new());
    assert_eq!((code, with_outcome(&report)), (Some(0), SMALL.orders()));
    let verdicts = report["scenarios"][0]["verdicts"].as_array().unwrap();
    let passed = |rule: &str| verdicts.iter().filter(|v| v["rule"] == rule && v["verdict"] == "pass").count();
    assert_eq!(passed("CLOUD-NO-DUPLICATE-SALE"), SMALL.orders(), "judged on every order");
    assert_eq!((passed("CLOUD-TOKEN-REUSE"), passed("CLOUD-QUEUE-PARALLEL"), passed("RATE-NO-STORM")), (1, 1, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_duplicate_sale_among_a_hundred_orders_is_caught_on_exactly_the_orders_it_broke() {
    // Arrange: the fixture duplicates the sales of orders whose id ends in 5 or 7; those
    // ending in 5 are the declined ones (every fifth), those ending in 7 approved.
    let (dir, file) = scenario_file("duplicate", &SMALL);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runner-fixtures/pos_duplicate_sale.py");
    let exec = format!("python3 '{}'", fixture.display());
    let ids: Vec<(String, bool)> = (0..SMALL.orders()).map(|n| (SMALL.id(n), SMALL.declined(n))).collect();
    let broken: BTreeSet<String> =
        ids.iter().filter(|(id, _)| id.ends_with(['5', '7'])).map(|(id, _)| id.clone()).collect();
    let approved: BTreeSet<String> =
        ids.iter().filter(|(id, declined)| !declined && broken.contains(id)).map(|(id, _)| id.clone()).collect();
    // Act
    let (code, report) = run(&dir, &file, &["--exec", &exec], Duration::from_secs(300));
    // Assert
    assert_eq!((broken.len(), approved.len()), (20, 10));
    let expected: BTreeMap<String, BTreeSet<String>> =
        [("CLOUD-NO-DUPLICATE-SALE".to_owned(), broken), ("MONEY-NO-DOUBLE-CHARGE".to_owned(), approved)].into();
    assert_eq!(failures(&report), expected);
    assert_eq!((code, with_outcome(&report)), (Some(payterm::exit_codes::FAILED), SMALL.orders()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_integration_that_never_reads_its_orders_is_still_killed_at_the_deadline() {
    // Arrange: 1,000 order lines (about 150 KiB) are more than a pipe holds (64 KiB); a
    // one-minute deadline.
    let shape = Shape { terminals: 10, per_terminal: 100, declined_every: 0, spread_ms: 0 };
    let (dir, file) = scenario_file("no-reader", &shape);
    let text = std::fs::read_to_string(&file).unwrap().replace("deadline = \"5m\"", "deadline = \"1m\"");
    std::fs::write(&file, text).unwrap();
    // Act: it sleeps with its stdin open, never reading (not `sleep 600`: tests/runner.rs
    // counts those). The limit only tells a hang (the runner blocked writing orders) from an
    // end; it is ten times what the run needs.
    // It says it is up first, so the scenario's clock runs to the deadline.
    let exec = "echo '{\"event\": \"ready\"}'; sleep 300";
    let (code, report) = run(&dir, &file, &["--exec", exec], Duration::from_secs(60));
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "payterm run did not end by itself");
    assert_eq!(report["scenarios"][0]["ending"], "still running at the deadline: its process group was killed");
    assert_eq!(failures(&report)["LIVENESS-OUTCOME"].len(), shape.orders());
    let _ = std::fs::remove_dir_all(&dir);
}
