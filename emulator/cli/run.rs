//! `payterm run --exec CMD [PATHS…]`: runs each scenario against the integration, shows what
//! it did (its events per order, how its process ended, what the ledger holds) and the
//! judge's verdicts; exits 1 when a rule failed.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use futures_util::StreamExt;

use super::CliError;
use super::check::scenario_files;
use crate::exit_codes;
use crate::runner::events::EventKind;
use crate::runner::{Ending, Record, RunOptions, run_scenario};
use crate::scenario::{self, LoadError};

/// Options of `payterm run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The integration's command, run with `sh -c` once per scenario (default: the built-in
    /// reference integration, which needs `python3`).
    #[arg(long)]
    pub exec: Option<String>,
    /// Scenario files or directories (default: the built-in suite, embedded in the binary).
    pub paths: Vec<PathBuf>,
    /// Real seconds per virtual second.
    #[arg(long, default_value_t = 0.01)]
    pub time_scale: f64,
    /// The seed (default: each scenario's own, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How many scenarios run at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
}

/// Runs `payterm run`.
pub async fn run(args: RunArgs) -> Result<(), CliError> {
    if !(args.time_scale > 0.0 && args.time_scale.is_finite()) {
        return Err(CliError::new(exit_codes::USAGE, "--time-scale must be a positive number"));
    }
    let payterm = std::env::current_exe()
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to find the payterm binary: {e}")))?;
    let mut loaded = Vec::new();
    if args.paths.is_empty() {
        for (name, text) in crate::runner::builtin::SUITE {
            let shown = format!("scenarios/{name}");
            let s = scenario::parse(&shown, text).map_err(|e| CliError::new(exit_codes::INTERNAL, e.to_string()))?;
            loaded.push((PathBuf::from(shown), Arc::new(s)));
        }
        println!("payterm run: the built-in suite ({} scenarios, embedded)", loaded.len());
    } else {
        for file in &scenario_files(&args.paths)? {
            match scenario::load(file) {
                Ok(s) => loaded.push((file.clone(), Arc::new(s))),
                Err(LoadError::Invalid(errors)) => {
                    eprintln!("{}", errors.render());
                    return Err(CliError::new(exit_codes::INVALID_INPUT, errors.to_string()));
                }
                Err(e) => return Err(CliError::new(exit_codes::SETUP_FAILED, e.to_string())),
            }
        }
    }
    let exec = match &args.exec {
        Some(exec) => exec.clone(),
        None => {
            let dir = std::env::temp_dir().join(format!("payterm-reference-{}", std::process::id()));
            let command = crate::runner::builtin::reference_command(&dir)
                .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, e))?;
            println!("payterm run: the built-in reference integration ({command})");
            command
        }
    };
    let (mut failed_runs, mut pending_all) = (0, std::collections::BTreeSet::new());
    // Each scenario has its own emulator, port and work folder, so they can run side by side;
    // `buffered` keeps the printed order the scenarios' order.
    let runs = loaded.iter().enumerate().map(|(i, (file, scenario))| {
        let work_dir = std::env::temp_dir().join(format!("payterm-run-{}-{i}", std::process::id()));
        let options =
            RunOptions { exec: exec.clone(), time_scale: args.time_scale, payterm: payterm.clone(), work_dir };
        let seed = args.seed.or(scenario.seed).unwrap_or(1);
        async move {
            let record = run_scenario(scenario.clone(), seed, &options).await;
            let _ = std::fs::remove_dir_all(&options.work_dir);
            (file, record)
        }
    });
    let mut results = futures_util::stream::iter(runs).buffered(args.jobs.max(1));
    while let Some((file, record)) = results.next().await {
        let record = record
            .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to run {}: {e}", file.display())))?;
        print_record(file, &record, args.time_scale);
        let (verdicts, pending) = crate::judge::judge(&record);
        pending_all.extend(pending);
        if print_verdicts(&verdicts) {
            failed_runs += 1;
        }
    }
    println!();
    println!("{} scenarios: {} passed, {failed_runs} failed", loaded.len(), loaded.len() - failed_runs);
    if !pending_all.is_empty() {
        let list: Vec<&str> = pending_all.into_iter().collect();
        println!("not judged yet by this payterm (targeted, but no verdict): {}", list.join(", "));
    }
    if failed_runs > 0 {
        return Err(CliError::new(exit_codes::FAILED, format!("{failed_runs} scenario(s) broke a rule")));
    }
    Ok(())
}

/// Prints each failed or warned verdict in full; returns whether any failed.
fn print_verdicts(verdicts: &[crate::judge::Verdict]) -> bool {
    use crate::judge::VerdictKind;
    let passed = verdicts.iter().filter(|v| v.kind == VerdictKind::Pass).count();
    let mut failed = false;
    for v in verdicts.iter().filter(|v| matches!(v.kind, VerdictKind::Fail | VerdictKind::Warn)) {
        failed |= v.kind == VerdictKind::Fail;
        let what = if v.kind == VerdictKind::Fail { "FAIL" } else { "warn" };
        let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
        let row = crate::judge::rules::find(v.rule).map_or("", |r| r.row);
        println!("   {what} {}{order}: {row}", v.rule);
        println!("        expected: {}", v.expected);
        println!("        happened: {}", v.happened);
        for line in &v.evidence {
            println!("        | {line}");
        }
    }
    println!("   verdicts: {passed} passed{}", if failed { ", some FAILED" } else { "" });
    failed
}

fn print_record(file: &std::path::Path, r: &Record, time_scale: f64) {
    let ending = match &r.ending {
        Ending::Exited(Some(code)) => format!("exited with {code}"),
        Ending::Exited(None) => "killed by a signal".to_owned(),
        Ending::KilledAtDeadline => "still running at the deadline: its process group was killed".to_owned(),
        Ending::FailedToStart(e) => format!("failed to start: {e}"),
    };
    println!("── {} ({})", file.display(), r.scenario.name);
    println!("   integration {ending}; {:.1}s real, {} virtual", r.wall.as_secs_f64(), r.ended - r.started);
    for order in &r.scenario.orders {
        let events: Vec<String> = r
            .events
            .iter()
            .filter(|e| e.order == order.id)
            .map(|e| match &e.kind {
                EventKind::Outcome { result, .. } => {
                    format!("outcome {}", serde_json::to_value(result).unwrap_or_default().as_str().unwrap_or("?"))
                }
                EventKind::Flag { kind, .. } => {
                    format!("flag {}", serde_json::to_value(kind).unwrap_or_default().as_str().unwrap_or("?"))
                }
                EventKind::PresentUri { .. } => "present_uri".to_owned(),
            })
            .collect();
        let money: Vec<String> = r
            .ledger
            .iter()
            .filter(|e| e.reference.as_deref() == Some(order.reference.as_str()))
            .map(|e| format!("{:?} {}", e.kind, e.amount).to_lowercase())
            .collect();
        println!(
            "   {} ({} {}): events [{}]; ledger [{}]",
            order.id,
            order.operation.as_str(),
            order.reference,
            events.join(", "),
            money.join(", ")
        );
    }
    if !r.log.is_empty() {
        println!("   log: {} lines (last: {})", r.log.len(), r.log.last().map(String::as_str).unwrap_or(""));
    }
    println!(
        "   reproduce: payterm run --exec '<command>' {} --seed {} --time-scale {time_scale}",
        file.display(),
        r.seed
    );
}
