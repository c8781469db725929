//! `payterm run`: selects scenarios, runs each against the integration (command or service
//! mode, several at once), judges them, prints a line per scenario as it finishes and each
//! failure explained, writes the reports asked for, and exits 1 when a rule failed or a
//! scenario was inconclusive; on SIGINT or SIGTERM it ends the integrations, writes what
//! finished and exits 130 or 143.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use futures_util::StreamExt;

use super::CliError;
use super::run_plan::{Plan, ReportSpec};
use crate::exit_codes;
use crate::printable;
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
    /// Real seconds an integration may take to come up. Start-up is not judged: each
    /// scenario's clock starts when the integration is ready — its first request, or its first
    /// event, or `{"event": "ready"}` on stdout — so a JVM that needs seconds is judged like a
    /// script. Orders due at the start are on its stdin from the beginning. Past this, the
    /// scenario fails as "did not start".
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = positive_seconds)]
    pub startup_timeout: f64,
    /// The seed (default: each scenario's own, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How many scenarios run at once (default: four per core, at most 64; scenarios mostly wait).
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
    /// Only the scenarios that failed, were inconclusive or did not finish in the runs recorded
    /// here (`.payterm/last-run.json`), each from where it came (built-in suite or file).
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
pub(super) async fn run(args: RunArgs) -> Result<(), CliError> {
    let plan = Plan::from_args(&args)?;
    if args.list {
        plan.print_list();
        return Ok(());
    }
    let outputs: Vec<(String, PathBuf)> = plan.reports.iter().map(|r| (r.kind.clone(), r.path.clone())).collect();
    super::files::check_outputs(&outputs, &plan.inputs)?;
    let run = execute(&plan, &args).await?;
    let report = &run.report;
    let unused = report.unused_known(&plan.known);
    if let (false, Some(file)) = (unused.is_empty(), &args.expected_failures) {
        println!("known failures that passed this time (remove them from {}):", file.display());
        for k in &unused {
            println!("   {}", printable::line(&format!("{} {}", k.scenario, k.rule), 300));
        }
    }
    let written = write_reports(&plan.reports, report);
    if let Err(why) = super::last_run::remember(&run.outcomes(&plan)) {
        eprintln!("payterm: {why} (--rerun-failed will not know this run)");
    }
    written?;
    if let Some(signal) = &report.interrupted {
        let finished = report.scenarios.iter().filter(|s| s.status != ScenarioStatus::Skipped).count();
        return Err(CliError::new(
            super::signals::exit_code(signal),
            format!(
                "interrupted by {signal}: {finished} of {} scenario(s) finished; their reports are written, the integrations ended",
                report.summary.total
            ),
        ));
    }
    if report.summary.errors > 0 {
        return Err(CliError::new(
            exit_codes::SETUP_FAILED,
            format!("{} scenario(s) could not run", report.summary.errors),
        ));
    }
    let (failed, inconclusive) = (report.summary.failed, report.summary.inconclusive);
    if failed + inconclusive > 0 {
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!("{failed} scenario(s) broke a rule"));
        }
        if inconclusive > 0 {
            parts.push(format!("{inconclusive} scenario(s) inconclusive: a rule they target was never exercised"));
        }
        return Err(CliError::new(exit_codes::FAILED, parts.join("; ")));
    }
    Ok(())
}

/// A run's report, and which scenarios were cut short by a signal.
pub(super) struct Executed {
    /// The report.
    pub report: SuiteReport,
    /// Per scenario: whether it was running when the run was interrupted.
    interrupted: Vec<bool>,
}

impl Executed {
    /// What each scenario leaves in `.payterm/last-run.json`.
    fn outcomes<'a>(&'a self, plan: &Plan) -> Vec<super::last_run::Outcome<'a>> {
        let stopped = self.report.interrupted.is_some();
        self.report
            .scenarios
            .iter()
            .zip(&plan.scenarios)
            .zip(&self.interrupted)
            .map(|((s, entry), &cut)| {
                let status = match s.status {
                    // Not started: after an interrupt it still waits to run; after --fail-fast or
                    // a skip, it keeps its record.
                    ScenarioStatus::Skipped if cut || (stopped && entry.skip.is_none()) => Some("interrupted"),
                    ScenarioStatus::Skipped => None,
                    other => Some(other.word()),
                };
                super::last_run::Outcome { file: &s.file, builtin: entry.builtin, status }
            })
            .collect()
    }
}

/// Runs `plan`: a line per scenario as it finishes, then the failures explained and the
/// summary. On SIGINT or SIGTERM it stops: the integrations still running are ended (their
/// process groups killed), and the report holds what finished. Shared by `payterm run` and
/// `payterm certify`.
pub(super) async fn execute(plan: &Plan, args: &RunArgs) -> Result<Executed, CliError> {
    let mut signals = super::signals::Signals::listen();
    let clock = Instant::now();
    if let crate::runner::Target::Service { url } = &plan.target {
        crate::runner::reachable(url).await.map_err(|e| CliError::new(exit_codes::SERVICE_UNREACHABLE, e))?;
    }
    plan.print_header();
    let payterm = std::env::current_exe()
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to find the payterm binary: {e}")))?;
    let total = plan.scenarios.len();
    let mut reports: Vec<Option<ScenarioReport>> = vec![None; total];
    let running: Arc<Vec<AtomicBool>> = Arc::new((0..total).map(|_| AtomicBool::new(false)).collect());
    let mut done = report_skipped(plan, &mut reports);
    let runs = plan.scenarios.iter().enumerate().filter(|(_, e)| e.skip.is_none()).map(|(i, entry)| {
        let options = RunOptions {
            target: plan.target.clone(),
            time_scale: args.time_scale,
            payterm: payterm.clone(),
            work_dir: PathBuf::new(),
            startup_timeout: std::time::Duration::from_secs_f64(args.startup_timeout),
        };
        let seed = args.seed.or(entry.scenario.seed).unwrap_or(1);
        run_in_folder(i, entry.scenario.clone(), seed, options, running.clone())
    });
    let mut results = futures_util::stream::iter(runs).buffer_unordered(plan.jobs);
    let mut interrupted = None;
    loop {
        let next = tokio::select! {
            next = results.next() => next,
            signal = signals.first() => {
                interrupted = Some(signal);
                break;
            }
        };
        let Some((i, seed, record)) = next else { break };
        let entry = &plan.scenarios[i];
        running[i].store(false, Ordering::Relaxed);
        let mut report = match record {
            Ok(record) => {
                let (verdicts, not_judged) = crate::judge::judge(&record);
                ScenarioReport::judged(&entry.file, &record, &verdicts, &not_judged, plan.reproduce(entry, seed))
            }
            Err(e) => ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Error, e.to_string()),
        };
        report.builtin = entry.builtin;
        report.apply_known(&plan.known);
        done += 1;
        println!("{}", terminal::progress_line(done, total, &report));
        let bad = matches!(report.status, ScenarioStatus::Failed | ScenarioStatus::Inconclusive);
        reports[i] = Some(report);
        if bad && args.fail_fast {
            break;
        }
    }
    // Dropping the stream cancels what is still running; its process groups are killed.
    drop(results);
    let cut: Vec<bool> = running.iter().map(|r| r.load(Ordering::Relaxed)).collect();
    let scenarios = account_for_unfinished(plan, reports, &cut, interrupted);
    let mut report =
        SuiteReport::new(plan.integration.clone(), args.time_scale, clock.elapsed().as_secs_f64(), scenarios);
    report.interrupted = interrupted.map(str::to_owned);
    print_ending(&report);
    Ok(Executed { report, interrupted: cut })
}

/// The reports of the scenarios the plan skips, each printed as it would have finished; how
/// many there were.
fn report_skipped(plan: &Plan, reports: &mut [Option<ScenarioReport>]) -> usize {
    let (mut done, total) = (0, plan.scenarios.len());
    for (i, entry) in plan.scenarios.iter().enumerate() {
        if let Some(why) = &entry.skip {
            let mut report =
                ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Skipped, why.clone());
            report.builtin = entry.builtin;
            done += 1;
            println!("{}", terminal::progress_line(done, total, &report));
            reports[i] = Some(report);
        }
    }
    done
}

/// Runs scenario `i` in a work folder of its own; `running[i]` says whether it is under way.
/// Each scenario has its own emulator, port and folder, so they run side by side; the folder
/// lives as long as this future: cancelled by a signal, it is removed too.
async fn run_in_folder(
    i: usize,
    scenario: Arc<crate::scenario::Scenario>,
    seed: u64,
    mut options: RunOptions,
    running: Arc<Vec<AtomicBool>>,
) -> (usize, u64, Result<crate::runner::Record, crate::runner::RunError>) {
    running[i].store(true, Ordering::Relaxed);
    let record = match crate::runner::WorkFolder::new("run", &options.payterm) {
        Ok(folder) => {
            options.work_dir = folder.path().to_owned();
            run_scenario(scenario, seed, &options).await
        }
        Err(e) => Err(crate::runner::RunError::WorkFolder(e)),
    };
    (i, seed, record)
}

/// Every scenario's report: those that finished, and for the others why not (interrupted while
/// it ran, not started because of the signal, or --fail-fast).
fn account_for_unfinished(
    plan: &Plan,
    reports: Vec<Option<ScenarioReport>>,
    cut: &[bool],
    interrupted: Option<&'static str>,
) -> Vec<ScenarioReport> {
    let not_run = reports.iter().filter(|r| r.is_none()).count();
    let why_not_run = match interrupted {
        Some(signal) => {
            println!(
                "payterm run: {signal}: stopped; {not_run} scenario(s) did not finish (their integrations were ended)"
            );
            format!("not finished: the run was interrupted by {signal}")
        }
        None => {
            if not_run > 0 {
                println!("--fail-fast stopped the run at the first failure: {not_run} scenario(s) not run");
            }
            "not run: --fail-fast stopped the run at the first failure".to_owned()
        }
    };
    reports
        .into_iter()
        .zip(&plan.scenarios)
        .zip(cut)
        .map(|((report, entry), &was_running)| {
            report.unwrap_or_else(|| {
                let why = match interrupted {
                    Some(signal) if was_running => format!("interrupted by {signal} while it ran"),
                    _ => why_not_run.clone(),
                };
                let mut r = ScenarioReport::not_run(&entry.file, &entry.scenario, ScenarioStatus::Skipped, why);
                r.builtin = entry.builtin;
                r
            })
        })
        .collect()
}

/// After the progress lines: the failures explained, the summary, and the rules no verdict
/// was given for.
fn print_ending(report: &SuiteReport) {
    print!("{}", terminal::explanations(report));
    println!();
    println!("{}", terminal::summary_line(report));
    let not_judged: std::collections::BTreeSet<&str> =
        report.scenarios.iter().flat_map(|s| s.not_judged.iter().map(String::as_str)).collect();
    if !not_judged.is_empty() {
        let list: Vec<&str> = not_judged.into_iter().collect();
        println!("not judged yet by this payterm (targeted, but no verdict): {}", list.join(", "));
    }
}

/// Writes every report asked for, each all at once (a crash leaves the old file or the new
/// one, never half); one that cannot be written does not stop the others.
pub(super) fn write_reports(specs: &[ReportSpec], report: &SuiteReport) -> Result<(), CliError> {
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
        match super::files::write_atomic(&spec.path, text.as_bytes()) {
            Ok(()) => println!("{} report: {}", spec.kind, spec.path.display()),
            Err(e) => {
                failures.push(format!("failed to write the {} report to {}: {e}", spec.kind, spec.path.display()))
            }
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(CliError::new(exit_codes::SETUP_FAILED, failures.join("\n"))) }
}

/// A positive number of seconds.
pub(super) fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 86400")),
    }
}
