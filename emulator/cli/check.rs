//! `payterm check FILES…`: validates scenario files without running them; `payterm scenario
//! schema` prints the file format's JSON Schema.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::CliError;
use crate::exit_codes;
use crate::scenario::{self, LoadError};

/// Options of `payterm check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files, or directories searched for `*.toml` (default: `scenarios`).
    pub paths: Vec<PathBuf>,
    /// The time scale the scenarios will run at: a targeted rule that cannot fail at it (its
    /// timing tolerance covering what it tests) is warned about.
    #[arg(long, default_value_t = 0.01)]
    pub time_scale: f64,
}

/// `payterm scenario …`.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print the JSON Schema of scenario files, for editors.
    Schema,
    /// Print a built-in scenario's file, as embedded in this payterm (`scenarios/cloud/….toml`,
    /// with or without `builtin:` and `scenarios/`).
    Show {
        /// The scenario, as reports name it.
        name: String,
    },
}

/// Every `*.toml` under `paths`, sorted, directories searched recursively.
pub(super) fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut out).map_err(|e| {
                CliError::new(exit_codes::SETUP_FAILED, format!("failed to read directory {}: {e}", path.display()))
            })?;
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(CliError::new(
                exit_codes::SETUP_FAILED,
                format!("no such file or directory: {}", path.display()),
            ));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml")
            && path.file_name().is_none_or(|n| n != crate::runner::manifest::FILE_NAME)
        {
            // A folder may hold the integration's manifest beside its scenarios.
            out.push(path);
        }
    }
    Ok(())
}

/// Runs `payterm check`.
pub(super) fn run(args: CheckArgs) -> Result<(), CliError> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from("scenarios")] } else { args.paths };
    let files = scenario_files(&paths)?;
    if files.is_empty() {
        return Err(CliError::new(exit_codes::SETUP_FAILED, "no scenario files (*.toml) found"));
    }
    let mut invalid = 0;
    for file in &files {
        match scenario::load(file) {
            Ok(s) => {
                println!("ok       {}", crate::printable::line(&format!("{}  ({})", file.display(), s.name), 300));
                // Valid, but a verdict no run can turn red is no verdict: say so.
                if let Some(why) = crate::judge::rate_cannot_fail(&s, args.time_scale) {
                    println!("warning  {}: {why}", crate::printable::line(&file.display().to_string(), 300));
                }
            }
            Err(LoadError::Invalid(errors)) => {
                invalid += 1;
                println!(
                    "invalid  {}  ({} problem{})",
                    file.display(),
                    errors.diagnostics.len(),
                    if errors.diagnostics.len() == 1 { "" } else { "s" }
                );
                eprintln!("{}", errors.render());
            }
            Err(e) => {
                invalid += 1;
                println!("invalid  {}", file.display());
                eprintln!("payterm: {e}");
            }
        }
    }
    println!("{} valid, {invalid} invalid", files.len() - invalid);
    if invalid > 0 {
        return Err(CliError::new(
            exit_codes::INVALID_INPUT,
            format!("{invalid} of {} scenario files are invalid", files.len()),
        ));
    }
    Ok(())
}

/// Runs `payterm scenario …`.
pub(super) fn scenario_command(command: ScenarioCommand) -> Result<(), CliError> {
    match command {
        ScenarioCommand::Schema => println!("{}", scenario::json_schema()),
        ScenarioCommand::Show { name } => {
            let wanted = name.trim_start_matches("builtin:").trim_start_matches("scenarios/");
            let Some((_, text)) = crate::runner::builtin::SUITE.iter().find(|(n, _)| *n == wanted) else {
                return Err(CliError::new(
                    exit_codes::USAGE,
                    format!(
                        "no built-in scenario `{}`\n(hint: `payterm run --list` names them)",
                        crate::printable::line(&name, 200)
                    ),
                ));
            };
            print!("{text}");
        }
    }
    Ok(())
}
