//! Runs of the real `payterm run` binary with a JSON report ([`payterm_run`]), and one run of
//! the built-in suite against a correct integration ([`run_suite`]): every scenario it did not
//! pass is an [`Alarm`], kept with its verdicts' evidence and its report.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::busy::{Load, sampled};

/// Real seconds per virtual second: `payterm run`'s default, passed explicitly so a changed
/// default does not quietly change what `make stress` proves.
pub const TIME_SCALE: &str = "0.01";

/// A correct integration: its name in the tables and `STRESS_ONLY`, and its `--exec` command.
pub struct Integration {
    pub name: &'static str,
    pub exec: String,
}

/// One verdict of an alarm: a failed rule, or a targeted rule never exercised.
pub struct Shown {
    pub rule: String,
    pub order: Option<String>,
    pub verdict: String,
    pub happened: String,
    pub evidence: Vec<String>,
}

/// One scenario a correct integration did not pass: a false alarm.
pub struct Alarm {
    pub integration: &'static str,
    pub run: usize,
    pub file: String,
    /// `failed`, `inconclusive` or `error`.
    pub status: String,
    pub verdicts: Vec<Shown>,
    /// The harness's reason, for `error`.
    pub error: Option<String>,
    pub reproduce: String,
    /// The JSON report holding its transcript and log (kept).
    pub report: PathBuf,
}

/// One run of the suite.
pub struct SuiteRun {
    pub scenarios: usize,
    pub alarms: Vec<Alarm>,
    /// Why the run gave no report, if it did not.
    pub problem: Option<String>,
    pub code: Option<i32>,
    pub wall: Duration,
    pub load: Load,
}

/// Runs `payterm run --exec EXEC PATHS… --time-scale 0.01 [--jobs J] --report json=REPORT` in
/// the repository; its exit code, and the report or why there is none.
pub fn payterm_run(
    exec: &str,
    paths: &[&str],
    jobs: Option<usize>,
    report: &Path,
) -> (Option<i32>, Result<Value, String>) {
    let _ = std::fs::remove_file(report);
    let mut command = Command::new(env!("CARGO_BIN_EXE_payterm"));
    command.current_dir(env!("CARGO_MANIFEST_DIR")).args(["run", "--exec", exec]).args(paths);
    command.args(["--time-scale", TIME_SCALE]);
    if let Some(jobs) = jobs {
        command.args(["--jobs", &jobs.to_string()]);
    }
    command.arg("--report").arg(format!("json={}", report.display()));
    let out = match command.output() {
        Ok(out) => out,
        Err(e) => return (None, Err(format!("payterm run did not start: {e}"))),
    };
    let said = || format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let json = std::fs::read_to_string(report)
        .map_err(|e| format!("no JSON report ({e}); payterm run exited {:?} saying:\n{}", out.status.code(), said()))
        .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("the JSON report does not parse: {e}")));
    (out.status.code(), json)
}

/// The scenarios of a report.
pub fn scenarios(report: &Value) -> &[Value] {
    report["scenarios"].as_array().map_or(&[], Vec::as_slice)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// The verdicts of a scenario that are `verdict` (`fail`, `not_exercised`, …).
pub fn verdicts<'a>(scenario: &'a Value, verdict: &'a str) -> impl Iterator<Item = Shown> + 'a {
    scenario["verdicts"].as_array().into_iter().flatten().filter(move |v| v["verdict"] == verdict).map(|v| Shown {
        rule: text(&v["rule"]),
        order: v["order"].as_str().map(str::to_owned),
        verdict: text(&v["verdict"]),
        happened: text(&v["happened"]),
        evidence: v["evidence"].as_array().into_iter().flatten().map(text).collect(),
    })
}

/// One run of the built-in suite against `integration`, its report at `report` (kept only when
/// it holds an alarm), the load read throughout.
pub fn run_suite(integration: &Integration, run: usize, jobs: Option<usize>, report: &Path) -> SuiteRun {
    let started = Instant::now();
    let ((code, json), load) = sampled(|| payterm_run(&integration.exec, &["--builtin"], jobs, report));
    let wall = started.elapsed();
    let json = match json {
        Ok(json) => json,
        Err(problem) => {
            return SuiteRun { scenarios: 0, alarms: Vec::new(), problem: Some(problem), code, wall, load };
        }
    };
    let alarms: Vec<Alarm> = scenarios(&json)
        .iter()
        .filter(|s| s["status"] != "passed")
        .map(|s| {
            let targets: Vec<&str> = s["targets"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut shown: Vec<Shown> = verdicts(s, "fail").collect();
            // Inconclusive: the targeted rules it never exercised say why.
            shown.extend(verdicts(s, "not_exercised").filter(|v| targets.contains(&v.rule.as_str())));
            Alarm {
                integration: integration.name,
                run,
                file: text(&s["file"]),
                status: text(&s["status"]),
                verdicts: shown,
                error: s["error"].as_str().map(str::to_owned),
                reproduce: text(&s["reproduce"]),
                report: report.to_owned(),
            }
        })
        .collect();
    if alarms.is_empty() {
        // A clean report is 3–4 MB of transcripts nobody needs; one with an alarm is the evidence.
        let _ = std::fs::remove_file(report);
    }
    SuiteRun { scenarios: scenarios(&json).len(), alarms, problem: None, code, wall, load }
}

impl Alarm {
    /// The alarm for the terminal: scenario, status, each verdict with some evidence, the rerun.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} run {}: {} {}", self.integration, self.run, self.status, self.file)];
        if let Some(error) = &self.error {
            lines.push(format!("    error: {error}"));
        }
        for v in &self.verdicts {
            let order = v.order.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
            lines.push(format!("    {} {}{order}: {}", v.verdict, v.rule, v.happened));
            lines.extend(v.evidence.iter().take(6).map(|e| format!("        {e}")));
        }
        lines.push(format!("    report: {}", self.report.display()));
        lines.push(format!("    rerun: {}", self.reproduce));
        lines
    }

    pub fn json(&self) -> Value {
        json!({
            "integration": self.integration,
            "run": self.run,
            "file": self.file,
            "status": self.status,
            "error": self.error,
            "verdicts": self.verdicts.iter().map(|v| json!({
                "rule": v.rule, "order": v.order, "verdict": v.verdict, "happened": v.happened, "evidence": v.evidence,
            })).collect::<Vec<_>>(),
            "reproduce": self.reproduce,
            "report": self.report,
        })
    }
}
