//! `payterm run`: selects scenarios, runs each against the integration (command or service
//! mode, several at once), judges them, prints a line per scenario as it finishes and each
//! failure explained, writes the reports asked for, and exits 1 when a rule failed.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use futures_util::StreamExt;

use super::CliError;
use super::run_plan::{Plan, ReportSpec};
use crate::exit_codes;
use crate::report::{ScenarioReport, ScenarioStatus, SuiteReport, terminal};
use crate::runner::{RunOptions, run_scenario};

/// Options of `payterm run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The integration's command, run with `sh -c` once per scenario (default: the manifest's,
    /// else the built-in reference integration, which needs `python3`).
    #[arg(long, conflicts_with = "service")]
    pub exec: Option<String>,
    /// The URL of a running integration (service mode): orders are POSTed there, events come
    /// back to `PAYTERM_URL/_payterm/events`.
    #[arg(long)]
    pub service: Option<String>,
    /// The integration's manifest (default: `payterm.toml` in this folder, if there is one).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Scenario files or directories (default: the manifest's `scenarios`, else the built-in
    /// suite, embedded in the binary).
    pub paths: Vec<PathBuf>,
    /// Run the built-in suite, even where a manifest names scenarios of its own.
    #[arg(long, conflicts_with = "paths")]
    pub builtin: bool,
    /// Real seconds per virtual second.
    #[arg(long, default_value_t = 0.01)]
    pub time_scale: f64,
    /// The seed (default: each scenario's own, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How many scenarios run at once (default: twice the cores; scenarios mostly wait).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Only scenarios with an order on this surface (repeatable).
    #[arg(long, value_parser = ["cloud", "app2app", "initiator"])]
    pub surface: Vec<String>,
    /// Only scenarios targeting this rule; `HYPE-*` matches a prefix (repeatable).
    #[arg(long)]
    pub rule: Vec<String>,
    /// Only scenarios whose file or name contains this (repeatable).
    #[arg(long)]
    pub name: Vec<String>,
    /// Only part K of N of the selection (`--partition 2/4`), split by a hash of each path.
    #[arg(long)]
    pub partition: Option<String>,
    /// Show what would run, and why anything would be skipped; run nothing.
    #[arg(long)]
    pub list: bool,
    /// Stop at the first failed scenario (those not finished are reported as not run).
    #[arg(long)]
    pub fail_fast: bool,
    /// Only the scenarios that failed in the last run here (`.payterm/last-run.json`).
    #[arg(long)]
    pub rerun_failed: bool,
    /// Write a report: `json=PATH`, `junit=PATH` or `html=PATH` (repeatable).
    #[arg(long, value_name = "KIND=PATH")]
    pub report: Vec<String>,
    /// Known failures (`[[failure]]` scenario, rule, reason): reported, but not failing the run.
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
}

/// Runs `payterm run`.
pub async fn run(args: RunArgs) -> Result<(), CliError> {
    let plan = Plan::from_args(&args)?;
    if args.list {
        plan.print_list();
        return Ok(());
    }
    let report = execute(&plan, &args).await?;
    let unused = report.unused_known(&plan.known);
    if let (false, Some(file)) = (unused.is_empty(), &args.expected_failures) {
        println!("known failures that passed this time (remove them from {}):", file.display());
        for k in &unused {
            println!("   {} {}", k.scenario, k.rule);
        }
    }
    let written = write_reports(&plan.reports, &report);
    super::run_plan::remember(&report);
    written?;
    if report.summary.errors > 0 {
        return Err(CliError::new(
            exit_codes::SETUP_FAILED,
            format!("{} scenario(s) could not run", report.summary.errors),
        ));
    }
    if report.summary.failed > 0 {
        return Err(CliError::new(exit_codes::FAILED, format!("{} scenario(s) broke a rule", report.summary.failed)));
    }
    Ok(())
}

/// Runs `plan`: a line per scenario as it finishes, then the failures explained and the
/// summary. Shared by `payterm run` and `payterm certify`.
pub async fn execute(plan: &Plan, args: &RunArgs) -> Result<SuiteReport, CliError> {
    let clock = Instant::now();
    if let crate::runner::Target::Service { url } = &plan.target {
        crate::runner::reachable(url).await.map_err(|e| CliError::new(exit_codes::SERVICE_UNREACHABLE, e))?;
    }
    plan.print_header();
    let payterm = std::env::current_exe()
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to find the payterm binary: {e}")))?;
    let total = plan.scenarios.len();
    let mut reports: Vec<Option<ScenarioReport>> = vec![None; total];
    let mut done = 0;
    for (i, entry) in plan.scenarios.iter().enumerate() {
        if let Some(why) = &entry.skip {
            let report = ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Skipped, why.clone());
            done += 1;
            println!("{}", terminal::progress_line(done, total, &report));
            reports[i] = Some(report);
        }
    }
    // Each scenario has its own emulator, port and work folder, so they run side by side.
    let runs = plan.scenarios.iter().enumerate().filter(|(_, e)| e.skip.is_none()).map(|(i, entry)| {
        let work_dir = std::env::temp_dir().join(format!("payterm-run-{}-{i}", std::process::id()));
        let options =
            RunOptions { target: plan.target.clone(), time_scale: args.time_scale, payterm: payterm.clone(), work_dir };
        let seed = args.seed.or(entry.scenario.seed).unwrap_or(1);
        let scenario = entry.scenario.clone();
        async move {
            let record = run_scenario(scenario, seed, &options).await;
            let _ = std::fs::remove_dir_all(&options.work_dir);
            (i, seed, record)
        }
    });
    let mut results = futures_util::stream::iter(runs).buffer_unordered(plan.jobs);
    while let Some((i, seed, record)) = results.next().await {
        let entry = &plan.scenarios[i];
        let report = match record {
            Ok(record) => {
                let (verdicts, not_judged) = crate::judge::judge(&record);
                ScenarioReport::judged(&entry.file, &record, &verdicts, &not_judged, plan.reproduce(entry, seed))
            }
            Err(e) => ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Error, e),
        };
        let mut report = report;
        report.apply_known(&plan.known);
        done += 1;
        println!("{}", terminal::progress_line(done, total, &report));
        let failed = report.status == ScenarioStatus::Failed;
        reports[i] = Some(report);
        if failed && args.fail_fast {
            break;
        }
    }
    // Dropping the stream cancels what is still running; its process groups are killed.
    drop(results);
    let not_run = reports.iter().filter(|r| r.is_none()).count();
    if not_run > 0 {
        println!("--fail-fast stopped the run at the first failure: {not_run} scenario(s) not run");
    }
    let scenarios: Vec<ScenarioReport> = reports
        .into_iter()
        .zip(&plan.scenarios)
        .map(|(report, entry)| {
            report.unwrap_or_else(|| {
                let why = "not run: --fail-fast stopped the run at the first failure".to_owned();
                ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Skipped, why)
            })
        })
        .collect();
    let report = SuiteReport::new(plan.integration.clone(), args.time_scale, clock.elapsed().as_secs_f64(), scenarios);
    print!("{}", terminal::explanations(&report));
    println!();
    println!("{}", terminal::summary_line(&report));
    let not_judged: std::collections::BTreeSet<&str> =
        report.scenarios.iter().flat_map(|s| s.not_judged.iter().map(String::as_str)).collect();
    if !not_judged.is_empty() {
        let list: Vec<&str> = not_judged.into_iter().collect();
        println!("not judged yet by this payterm (targeted, but no verdict): {}", list.join(", "));
    }
    Ok(report)
}

/// Writes every report asked for; one that cannot be written does not stop the others.
pub fn write_reports(specs: &[ReportSpec], report: &SuiteReport) -> Result<(), CliError> {
    let mut failures = Vec::new();
    for spec in specs {
        let text = match spec.kind.as_str() {
            "json" => serde_json::to_string_pretty(report).unwrap_or_default(),
            "junit" => crate::report::junit(report),
            _ => crate::report::html(report),
        };
        if let Some(parent) = spec.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        match std::fs::write(&spec.path, text) {
            Ok(()) => println!("{} report: {}", spec.kind, spec.path.display()),
            Err(e) => {
                failures.push(format!("failed to write the {} report to {}: {e}", spec.kind, spec.path.display()))
            }
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(CliError::new(exit_codes::SETUP_FAILED, failures.join("\n"))) }
}
