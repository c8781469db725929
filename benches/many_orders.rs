//! [`measure`]: issue 7's scale figure. One scenario of 1,000 concurrent Cloud sales on 100
//! automatic terminals ([`crate::scale_scenario`]), checked with `payterm check`, then run by the
//! release binary the way a user runs it (`payterm run FILE`, the built-in reference
//! integration, time scale 0.01), and once more against the reference with a planted duplicate
//! sale (`tests/runner-fixtures/pos_duplicate_sale.py`), which must be caught on exactly the
//! orders it broke.
//!
//! Figures: wall time and orders per second of the reference run, payterm's peak resident
//! memory (`VmHWM`, sampled from `/proc` while it runs), the time payterm spent after the run
//! (judging and building the report: the report's run wall time minus the scenario's), and the
//! JSON report's size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::scale_scenario::{Shape, scenario_toml};

/// The shape measured: 100 terminals, 10 sales each, every fifth declined, one round of orders
/// (one per terminal) every half virtual second.
pub const SHAPE: Shape = Shape { terminals: 100, per_terminal: 10, declined_every: 5, spread_ms: 500 };

/// The order ids the planted bug breaks (those ending in 5 or 7; see the fixture).
const BROKEN_ENDINGS: [char; 2] = ['5', '7'];

/// One `payterm run` of the scenario.
pub struct Run {
    /// Its exit code.
    pub code: Option<i32>,
    /// Wall time of the whole `payterm run`.
    pub wall: Duration,
    /// payterm's peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// The JSON report's size, bytes.
    pub report_bytes: u64,
    /// Real seconds payterm spent after the integration's part (judge and report).
    pub after_run_s: f64,
    /// Real seconds the scenario's run took (the integration at work, then the World run on).
    pub run_s: f64,
    /// Orders that got an outcome event.
    pub with_outcome: usize,
    /// Every failed verdict: rule → the orders it failed on (`-` for scenario-wide ones).
    pub failed: BTreeMap<String, BTreeSet<String>>,
    /// Verdicts by kind (`pass`, `fail`, `not_exercised`, `warn`).
    pub kinds: BTreeMap<String, usize>,
}

/// Both runs.
pub struct ManyOrders {
    /// Orders in the scenario.
    pub orders: usize,
    /// The reference integration's run.
    pub reference: Run,
    /// The planted duplicate sale's run.
    pub fixture: Run,
    /// Whether the reference run passed with every order reaching an outcome.
    pub reference_ok: bool,
    /// Whether the fixture was caught on exactly the orders it broke, and on nothing else.
    pub fixture_caught: bool,
}

impl ManyOrders {
    /// The figures, as (name, value, unit), for the bench's table and results file.
    pub fn figures(&self) -> Vec<(String, f64, &'static str)> {
        let r = &self.reference;
        vec![
            ("scale.1000_orders.wall".to_owned(), r.wall.as_secs_f64(), "s"),
            ("scale.1000_orders.orders_per_s".to_owned(), self.orders as f64 / r.wall.as_secs_f64().max(1e-9), "ord/s"),
            ("scale.1000_orders.peak_rss".to_owned(), r.peak_rss_kib as f64 * 1024.0 / 1e6, "MB"),
            ("scale.1000_orders.judge_and_report".to_owned(), r.after_run_s, "s"),
            ("scale.1000_orders.report_json".to_owned(), r.report_bytes as f64 / 1e6, "MB"),
            ("scale.1000_orders.reference_passed".to_owned(), f64::from(u8::from(self.reference_ok)), "bool"),
            ("scale.1000_orders.fixture_caught".to_owned(), f64::from(u8::from(self.fixture_caught)), "bool"),
            ("scale.1000_orders.fixture_wall".to_owned(), self.fixture.wall.as_secs_f64(), "s"),
        ]
    }
}

/// Writes the scenario, checks it, runs it against the reference and the fixture.
pub fn measure() -> ManyOrders {
    let dir = scratch();
    std::fs::create_dir_all(&dir).expect("the scratch folder for the scale run is writable");
    let file = dir.join("many-orders.toml");
    std::fs::write(&file, scenario_toml(&SHAPE)).expect("the scale scenario can be written");
    let orders = SHAPE.orders();
    println!(
        "scale: {orders} concurrent Cloud sales on {} automatic terminals ({} declined), `payterm run`, time scale 0.01",
        SHAPE.terminals,
        (0..orders).filter(|n| SHAPE.declined(*n)).count()
    );
    let check = Command::new(payterm()).arg("check").arg(&file).output().expect("payterm check starts");
    assert!(check.status.success(), "payterm check refused the generated scenario: {}", text(&check.stdout));
    check_figure(&dir);

    let reference = run(&dir, &file, None, "reference");
    let all_ids: BTreeSet<String> = (0..orders).map(|n| SHAPE.id(n)).collect();
    let reference_ok = reference.code == Some(0) && reference.failed.is_empty() && reference.with_outcome == orders;
    report("reference", &reference, orders);
    println!(
        "  reference: {}",
        if reference_ok { "every order reached an outcome, every rule passed" } else { "!!! NOT all passed !!!" }
    );

    let fixture_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runner-fixtures/pos_duplicate_sale.py");
    let fixture = run(&dir, &file, Some(&format!("python3 '{}'", fixture_path.display())), "duplicate sale");
    report("duplicate sale", &fixture, orders);
    let broken: BTreeSet<String> = all_ids.iter().filter(|id| id.ends_with(BROKEN_ENDINGS)).cloned().collect();
    let charged_twice: BTreeSet<String> =
        (0..orders).filter(|n| !SHAPE.declined(*n)).map(|n| SHAPE.id(n)).filter(|id| broken.contains(id)).collect();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("CLOUD-NO-DUPLICATE-SALE".to_owned(), broken.clone()),
        ("MONEY-NO-DOUBLE-CHARGE".to_owned(), charged_twice.clone()),
    ]
    .into();
    let fixture_caught = fixture.code == Some(1) && fixture.failed == expected && fixture.with_outcome == orders;
    println!(
        "  duplicate sale: {} — broke {} orders ({} of them approved, so charged twice); caught {}",
        if fixture_caught { "caught on exactly those, nothing else" } else { "!!! NOT as expected !!!" },
        broken.len(),
        charged_twice.len(),
        summary(&fixture.failed)
    );
    let _ = std::fs::remove_dir_all(&dir);
    ManyOrders { orders, reference, fixture, reference_ok, fixture_caught }
}

fn report(what: &str, run: &Run, orders: usize) {
    println!(
        "  {what}: exit {:?}, {:.2} s wall ({:.2} s the run, {:.2} s judge and report), {:.0} orders/s, \
         payterm peak RSS {:.1} MB, report {:.1} MB; {}/{orders} orders with an outcome; verdicts {:?}",
        run.code,
        run.wall.as_secs_f64(),
        run.run_s,
        run.after_run_s,
        orders as f64 / run.wall.as_secs_f64().max(1e-9),
        run.peak_rss_kib as f64 * 1024.0 / 1e6,
        run.report_bytes as f64 / 1e6,
        run.with_outcome,
        run.kinds,
    );
}

fn summary(failed: &BTreeMap<String, BTreeSet<String>>) -> String {
    if failed.is_empty() {
        return "nothing".to_owned();
    }
    failed.iter().map(|(rule, orders)| format!("{rule} on {} orders", orders.len())).collect::<Vec<_>>().join(", ")
}

/// One `payterm run FILE` (with `--exec exec` if given) in `dir`, its memory sampled while it
/// runs, its JSON report read back.
fn run(dir: &Path, file: &Path, exec: Option<&str>, what: &str) -> Run {
    let report_path = dir.join(format!("report-{}.json", what.replace(' ', "-")));
    let mut command = Command::new(payterm());
    command.arg("run");
    if let Some(exec) = exec {
        command.args(["--exec", exec]);
    }
    command.arg(file).arg("--report").arg(format!("json={}", report_path.display()));
    command.current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("failed to start payterm run: {e}"));
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    // VmHWM is the process's own high-water mark, so the last reading before it exits is its
    // peak (up to the last few milliseconds).
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(hwm_kib) {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("payterm run can be waited for") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let wall = started.elapsed();
    let report_bytes = std::fs::metadata(&report_path).map_or(0, |m| m.len());
    let json: Value = std::fs::read_to_string(&report_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("payterm run ({what}) wrote no readable JSON report (exit {:?})", status.code()));
    let scenario = &json["scenarios"][0];
    let run_s = scenario["wall_s"].as_f64().unwrap_or(0.0);
    let mut failed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for v in scenario["verdicts"].as_array().into_iter().flatten() {
        let kind = v["verdict"].as_str().unwrap_or("?").to_owned();
        if kind == "fail" {
            let order = v["order"].as_str().unwrap_or("-").to_owned();
            failed.entry(v["rule"].as_str().unwrap_or("?").to_owned()).or_default().insert(order);
        }
        *kinds.entry(kind).or_default() += 1;
    }
    let with_outcome = scenario["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| {
            o["events"].as_array().into_iter().flatten().any(|e| e.as_str().is_some_and(|e| e.starts_with("outcome")))
        })
        .count();
    Run {
        code: status.code(),
        wall,
        peak_rss_kib,
        report_bytes,
        after_run_s: json["wall_s"].as_f64().unwrap_or(0.0) - run_s,
        run_s,
        with_outcome,
        failed,
        kinds,
    }
}

/// `VmHWM` of a `/proc/PID/status` text, KiB.
fn hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn payterm() -> &'static str {
    env!("CARGO_BIN_EXE_payterm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("payterm-bench-many-orders-{}", std::process::id()))
}

/// How long `payterm check` takes over 100,000 orders (linear in them: each order's id and
/// reference is looked up, not compared with every order before it; ~90 s when it was).
fn check_figure(dir: &std::path::Path) {
    let mut toml = "version = 1\nname = \"many\"\nsurfaces = [\"cloud\"]\nrules = [\"RATE-NO-STORM\"]\n".to_owned();
    for i in 0..100_000 {
        toml.push_str(&format!("\n[[orders]]\nid = \"o{i}\"\noperation = \"sale\"\namount = 1250\n"));
    }
    let file = dir.join("check-100k.toml");
    std::fs::write(&file, toml).expect("the check scenario can be written");
    let started = std::time::Instant::now();
    let out = Command::new(payterm()).arg("check").arg(&file).output().expect("payterm check starts");
    let took = started.elapsed();
    assert!(out.status.success(), "payterm check refused 100,000 orders");
    println!("  payterm check of 100,000 orders: {:.2} s", took.as_secs_f64());
}
