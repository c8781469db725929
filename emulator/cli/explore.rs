//! `payterm explore`: runs random scenarios from a seed against an integration, prints a line
//! per run, and for a failure the rule, how far it shrank, the file written and the command
//! that reproduces it; exits 1 when something was found, 130 or 143 when interrupted.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::exit_codes;
use crate::explore::{ExploreOptions, confirm_scale, explore, quote};
use crate::runner::Target;

/// Options of `payterm explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The integration's command, run with `sh -c` once per scenario (default: the built-in
    /// reference integration, which needs `python3`).
    #[arg(long)]
    pub exec: Option<String>,
    /// The seed: the same seed always generates the same scenarios.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many scenarios to generate and run.
    #[arg(long, default_value_t = 100)]
    pub runs: u32,
    /// Real seconds per virtual second.
    #[arg(long, default_value_t = 0.01)]
    pub time_scale: f64,
    /// The second speed every failure must also show at before it is shrunk and written, so a
    /// found scenario does not hang on how fast this machine runs the integration (default:
    /// four times slower than --time-scale, or four times faster above 0.025).
    #[arg(long)]
    pub confirm_scale: Option<f64>,
    /// Where found scenarios are written.
    #[arg(long, default_value = "target/payterm-explore")]
    pub out: PathBuf,
    /// How many scenarios (or shrinking candidates) run at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Go on exploring after a find.
    #[arg(long)]
    pub keep_going: bool,
    /// Only look for failures of this rule; `HYPE-*` matches a prefix (repeatable). Other
    /// failures are shown but not shrunk.
    #[arg(long)]
    pub rule: Vec<String>,
    /// The most smaller scenarios shrinking one find may try (each is run once, or, when it
    /// fails, three times in a row and once at the confirming speed).
    #[arg(long, default_value_t = 120)]
    pub shrink_budget: usize,
}

/// Runs `payterm explore`.
pub(super) async fn run(args: ExploreArgs) -> Result<(), CliError> {
    for (flag, scale) in [("--time-scale", Some(args.time_scale)), ("--confirm-scale", args.confirm_scale)] {
        if scale.is_some_and(|s| !(s > 0.0 && s.is_finite())) {
            return Err(CliError::new(exit_codes::USAGE, format!("{flag} must be a positive number")));
        }
    }
    for rule in &args.rule {
        let prefix = rule.strip_suffix('*');
        let known = crate::judge::rules::RULES.iter().any(|r| prefix.map_or(r.id == rule, |p| r.id.starts_with(p)));
        if !known {
            return Err(CliError::new(
                exit_codes::USAGE,
                format!("--rule {rule}: no such rule\n(hint: `payterm rules` lists them)"),
            ));
        }
    }
    let payterm = std::env::current_exe()
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to find the payterm binary: {e}")))?;
    // The built-in reference is written to a folder of its own, removed when exploring ends
    // (dropped), however it ends.
    let mut reference_dir = None;
    let (command, target_flags) = match &args.exec {
        Some(command) => (command.clone(), format!("--exec {}", quote(command))),
        None => {
            let setup = |e| CliError::new(exit_codes::SETUP_FAILED, e);
            let folder = crate::runner::WorkFolder::new("explore-reference", &payterm).map_err(setup)?;
            let command = crate::runner::builtin::reference_command(folder.path()).map_err(setup)?;
            reference_dir = Some(folder);
            (command, String::new())
        }
    };
    let options = ExploreOptions {
        target: Target::Command { command: command.clone(), dir: None },
        target_flags,
        seed: args.seed,
        runs: args.runs,
        time_scale: args.time_scale,
        confirm_scale: args.confirm_scale.unwrap_or_else(|| confirm_scale(args.time_scale)),
        out: args.out,
        jobs: args.jobs.max(1),
        keep_going: args.keep_going,
        rules: args.rule,
        payterm,
        shrink_budget: args.shrink_budget,
    };
    println!(
        "payterm explore: seed {}, {} runs against {command}, {} at a time; failures confirmed at --time-scale {} and {}",
        options.seed, options.runs, options.jobs, options.time_scale, options.confirm_scale
    );
    // On SIGINT or SIGTERM the exploration is dropped, which ends every integration's process
    // group (the runner's guards); what was found so far has already been written.
    let mut signals = super::signals::Signals::listen();
    let mut say = |line: &str| println!("{}", crate::printable::escape(line));
    let report = tokio::select! {
        report = explore(&options, &mut say) => report,
        signal = signals.first() => {
            drop(reference_dir);
            return Err(CliError::new(
                super::signals::exit_code(signal),
                format!("interrupted by {signal}: exploring stopped and its integrations were ended; finds so far are in {}", options.out.display()),
            ));
        }
    };
    drop(reference_dir);
    let report = report.map_err(|e| CliError::new(exit_codes::SETUP_FAILED, e.to_string()))?;
    for find in &report.finds {
        println!();
        println!("found: {} broken by run {} of seed {}", find.rule, find.run, options.seed);
        println!(
            "   shrunk: {} order(s), {} step(s) → {} order(s), {} step(s) ({} runs)",
            find.original.0, find.original.1, find.shrunk.0, find.shrunk.1, find.shrink_runs
        );
        if find.budget_spent {
            println!(
                "   (it stopped at its budget of {} candidates: a larger --shrink-budget may shrink it further)",
                options.shrink_budget
            );
        }
        println!("   written: {}", crate::printable::escape(&find.file.display().to_string()));
        println!("   reproduce: {}", crate::printable::escape(&find.reproduce));
    }
    println!();
    let unconfirmed = report.unconfirmed.len();
    let note =
        if unconfirmed > 0 { format!(", {unconfirmed} failure(s) that did not happen again") } else { String::new() };
    println!("{} runs: {} found{note}", report.runs, report.finds.len());
    if report.finds.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(exit_codes::FAILED, format!("{} rule(s) broken by generated scenarios", report.finds.len())))
    }
}
