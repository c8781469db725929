//! What `payterm run` will do, settled before anything runs: the integration (flags, else a
//! manifest, else the built-in reference), the scenarios selected and those skipped with why,
//! the reports to write; and the record of the last run that `--rerun-failed` reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::CliError;
use super::check::scenario_files;
use super::run::RunArgs;
use crate::exit_codes;
use crate::report::model::Integration;
use crate::report::{ScenarioStatus, SuiteReport};
use crate::runner::Target;
use crate::runner::manifest::{self, Manifest};
use crate::runner::select::{Selection, parse_partition};
use crate::scenario::{self, LoadError, Scenario};

/// Where the last run's failures are kept, relative to the current folder.
pub const LAST_RUN: &str = ".payterm/last-run.json";

/// One scenario of the plan.
pub struct Entry {
    /// Its file, as shown (`scenarios/…` for the built-in suite).
    pub file: PathBuf,
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Why it will not run, if it will not.
    pub skip: Option<String>,
}

/// A report to write.
pub struct ReportSpec {
    /// `json`, `junit` or `html`.
    pub kind: String,
    /// Where.
    pub path: PathBuf,
}

/// Everything settled before the run.
pub struct Plan {
    /// The integration.
    pub target: Target,
    /// What the reports say about it.
    pub integration: Integration,
    /// The scenarios, in path order.
    pub scenarios: Vec<Entry>,
    /// How many run at once.
    pub jobs: usize,
    /// Reports to write.
    pub reports: Vec<ReportSpec>,
    /// Failures recorded as known.
    pub known: Vec<crate::report::KnownFailure>,
    builtin_suite: bool,
    /// The flags that name the integration again in a reproduce command.
    target_flags: String,
    time_scale: f64,
}

impl Plan {
    /// Settles the plan from the command line.
    pub fn from_args(args: &RunArgs) -> Result<Self, CliError> {
        let usage = |m: String| CliError::new(exit_codes::USAGE, m);
        if !(args.time_scale > 0.0 && args.time_scale.is_finite()) {
            return Err(usage("--time-scale must be a positive number".into()));
        }
        let reports = args.report.iter().map(|r| parse_report(r)).collect::<Result<Vec<_>, _>>().map_err(usage)?;
        let partition = args.partition.as_deref().map(parse_partition).transpose().map_err(usage)?;
        let manifest = match (&args.manifest, &args.exec, &args.service) {
            (Some(path), _, _) => Some(manifest::load(path).map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e))?),
            (None, None, None) if Path::new(manifest::FILE_NAME).is_file() => Some(
                manifest::load(Path::new(manifest::FILE_NAME))
                    .map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e))?,
            ),
            _ => None,
        };
        let (target, integration, target_flags) = integration(args, manifest.as_ref())?;
        let mut paths = args.paths.clone();
        if paths.is_empty()
            && !args.builtin
            && let Some(m) = &manifest
        {
            paths = m.scenarios.iter().map(|p| m.dir.join(p)).collect();
        }
        let builtin_suite = paths.is_empty();
        let mut loaded = load(&paths)?;
        let selection =
            Selection { surfaces: args.surface.clone(), rules: args.rule.clone(), names: args.name.clone(), partition };
        loaded.retain(|(file, s)| selection.selects(&file.display().to_string(), s));
        if args.rerun_failed {
            match last_failed() {
                Some(failed) if !failed.is_empty() => {
                    loaded.retain(|(file, _)| failed.contains(&file.display().to_string()));
                    println!("payterm run: rerunning the {} scenario(s) that failed last time", loaded.len());
                }
                Some(_) => println!("payterm run: nothing failed last time ({LAST_RUN}); running the selection"),
                None => println!("payterm run: no record of a last run ({LAST_RUN}); running the selection"),
            }
        }
        let scenarios = loaded
            .into_iter()
            .map(|(file, scenario)| {
                let skip = manifest.as_ref().and_then(|m| m.unsupported(&scenario));
                Entry { file, scenario, skip }
            })
            .collect();
        let known = match &args.expected_failures {
            Some(path) => {
                crate::report::model::read_known(path).map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e))?
            }
            None => Vec::new(),
        };
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let jobs = args.jobs.unwrap_or(2 * cores).max(1);
        Ok(Plan {
            target,
            integration,
            scenarios,
            jobs,
            reports,
            known,
            builtin_suite,
            target_flags,
            time_scale: args.time_scale,
        })
    }

    /// `payterm run: 50 scenarios (the built-in suite) against …, 4 at a time`.
    pub fn print_header(&self) {
        let source = if self.builtin_suite { " (the built-in suite, embedded)" } else { "" };
        let who = match (&self.integration.name, &self.target) {
            // The built-in reference's command names a temporary file: noise, not news.
            (Some(name), Target::Command { .. }) if name.ends_with("(built-in)") => name.clone(),
            (Some(name), Target::Command { command, .. }) => format!("{name} ({command})"),
            (Some(name), Target::Service { url }) => format!("{name} (service at {url})"),
            (None, Target::Command { command, .. }) => command.clone(),
            (None, Target::Service { url }) => format!("the service at {url}"),
        };
        println!("payterm run: {} scenarios{source} against {who}, {} at a time", self.scenarios.len(), self.jobs);
    }

    /// `--list`: each scenario, its surfaces and rules, and whether it would be skipped.
    pub fn print_list(&self) {
        for e in &self.scenarios {
            let surfaces: std::collections::BTreeSet<&str> =
                e.scenario.orders.iter().map(|o| o.surface.as_str()).collect();
            let rules: Vec<&str> = e.scenario.rules.iter().map(|r| r.id).collect();
            let skip = e.skip.as_deref().map(|w| format!("  [skipped: {w}]")).unwrap_or_default();
            println!(
                "{}  [{}]  {}{skip}",
                e.file.display(),
                surfaces.into_iter().collect::<Vec<_>>().join(","),
                rules.join(" ")
            );
        }
        let skipped = self.scenarios.iter().filter(|e| e.skip.is_some()).count();
        println!("{} scenarios would run, {skipped} would be skipped", self.scenarios.len() - skipped);
    }

    /// The command that runs `entry` alone, the same way.
    pub fn reproduce(&self, entry: &Entry, seed: u64) -> String {
        let which = if self.builtin_suite {
            format!("--name {}", shell_quote(&entry.file.display().to_string()))
        } else {
            shell_quote(&entry.file.display().to_string())
        };
        let flags = if self.target_flags.is_empty() { String::new() } else { format!("{} ", self.target_flags) };
        format!("payterm run {flags}{which} --seed {seed} --time-scale {}", self.time_scale)
    }
}

/// The integration: `--exec`/`--service`, else the manifest's, else the built-in reference.
fn integration(args: &RunArgs, manifest: Option<&Manifest>) -> Result<(Target, Integration, String), CliError> {
    let mut info = Integration {
        name: manifest.map(|m| m.name.clone()),
        version: manifest.and_then(|m| m.version.clone()),
        ..Integration::default()
    };
    let manifest_flag = args.manifest.as_ref().map(|p| format!("--manifest {}", shell_quote(&p.display().to_string())));
    let target = if let Some(command) = &args.exec {
        Target::Command { command: command.clone(), dir: None }
    } else if let Some(url) = &args.service {
        Target::Service { url: url.clone() }
    } else if let Some(m) = manifest {
        match (&m.command, &m.service) {
            (Some(command), _) => Target::Command { command: command.clone(), dir: Some(m.dir.clone()) },
            (None, Some(url)) => Target::Service { url: url.clone() },
            (None, None) => {
                return Err(CliError::new(
                    exit_codes::INVALID_INPUT,
                    format!(
                        "the manifest of {} gives neither `command` nor `service`\n(hint: add `command = \"python3 pos.py\"`, or pass --exec)",
                        m.name
                    ),
                ));
            }
        }
    } else {
        let dir = std::env::temp_dir().join(format!("payterm-reference-{}", std::process::id()));
        let command =
            crate::runner::builtin::reference_command(&dir).map_err(|e| CliError::new(exit_codes::SETUP_FAILED, e))?;
        info.name = Some("reference-python (built-in)".to_owned());
        info.version = Some(env!("CARGO_PKG_VERSION").to_owned());
        info.command = Some(command.clone());
        return Ok((Target::Command { command, dir: None }, info, String::new()));
    };
    let flags = match (&args.exec, &args.service) {
        (Some(command), _) => format!("--exec {}", shell_quote(command)),
        (None, Some(url)) => format!("--service {}", shell_quote(url)),
        _ => manifest_flag.unwrap_or_default(),
    };
    match &target {
        Target::Command { command, .. } => info.command = Some(command.clone()),
        Target::Service { url } => info.service = Some(url.clone()),
    }
    Ok((target, info, flags))
}

/// The scenarios at `paths` (none: the built-in suite), in path order.
fn load(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Arc<Scenario>)>, CliError> {
    let mut loaded = Vec::new();
    if paths.is_empty() {
        for (name, text) in crate::runner::builtin::SUITE {
            let shown = format!("scenarios/{name}");
            let s = scenario::parse(&shown, text).map_err(|e| CliError::new(exit_codes::INTERNAL, e.to_string()))?;
            loaded.push((PathBuf::from(shown), Arc::new(s)));
        }
        return Ok(loaded);
    }
    for file in &scenario_files(paths)? {
        match scenario::load(file) {
            Ok(s) => loaded.push((file.clone(), Arc::new(s))),
            Err(LoadError::Invalid(errors)) => {
                eprintln!("{}", errors.render());
                return Err(CliError::new(exit_codes::INVALID_INPUT, errors.to_string()));
            }
            Err(e) => return Err(CliError::new(exit_codes::SETUP_FAILED, e.to_string())),
        }
    }
    Ok(loaded)
}

fn parse_report(text: &str) -> Result<ReportSpec, String> {
    let (kind, path) = text
        .split_once('=')
        .ok_or_else(|| format!("--report takes KIND=PATH (json=…, junit=…, html=…), not `{text}`"))?;
    if !["json", "junit", "html"].contains(&kind) {
        return Err(format!("--report: unknown kind `{kind}` (known: json, junit, html)"));
    }
    if path.is_empty() {
        return Err(format!("--report {kind}=: the path is empty"));
    }
    Ok(ReportSpec { kind: kind.to_owned(), path: PathBuf::from(path) })
}

/// Quotes `text` for a POSIX shell when it needs it.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The files that failed (or could not run) in the last run here, if it was recorded.
fn last_failed() -> Option<Vec<String>> {
    let text = std::fs::read_to_string(LAST_RUN).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(value["failed"].as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
}

/// Records which scenarios failed, for `--rerun-failed`; a folder that cannot be written to
/// only costs that convenience.
pub fn remember(report: &SuiteReport) {
    let failed: Vec<&str> = report
        .scenarios
        .iter()
        .filter(|s| matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Error))
        .map(|s| s.file.as_str())
        .collect();
    let record = serde_json::json!({"schema_version": 1, "failed": failed});
    let path = Path::new(LAST_RUN);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(path, serde_json::to_string_pretty(&record).unwrap_or_default());
}
