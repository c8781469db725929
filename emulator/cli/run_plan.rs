//! What `payterm run` will do, settled before anything runs: the integration (flags, else a
//! manifest, else the built-in reference), the scenarios selected (or the last run's failures,
//! from where they came) and those skipped with why, the reports to write. A selection that
//! would run nothing is an error of its own, never a green run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::CliError;
use super::check::scenario_files;
use super::last_run::{self, LAST_RUN};
use super::run::RunArgs;
use crate::exit_codes;
use crate::report::model::Integration;
use crate::runner::Target;
use crate::runner::manifest::{self, Manifest};
use crate::runner::select::{Selection, parse_partition};
use crate::scenario::{self, LoadError, Scenario};

/// One scenario of the plan.
pub(super) struct Entry {
    /// Its file, as shown (`scenarios/…` for the built-in suite).
    pub file: PathBuf,
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Why it will not run, if it will not.
    pub skip: Option<String>,
    /// From the built-in suite (embedded), not a file.
    pub builtin: bool,
}

/// A report to write.
pub(super) struct ReportSpec {
    /// `json`, `junit` or `html`.
    pub kind: String,
    /// Where.
    pub path: PathBuf,
}

/// Everything settled before the run.
pub(super) struct Plan {
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
    /// The files the run reads, which no report may overwrite.
    pub inputs: Vec<PathBuf>,
    /// The folder the built-in reference integration is written to, removed with the plan.
    _reference: Option<crate::runner::WorkFolder>,
}

impl Plan {
    /// Settles the plan from the command line.
    pub(super) fn from_args(args: &RunArgs) -> Result<Self, CliError> {
        let usage = |m: String| CliError::new(exit_codes::USAGE, m);
        let empty = |m: String| CliError::new(exit_codes::NO_SCENARIOS, m);
        if !(args.time_scale > 0.0 && args.time_scale.is_finite()) {
            return Err(usage("--time-scale must be a positive number".into()));
        }
        let reports = args.report.iter().map(|r| parse_report(r)).collect::<Result<Vec<_>, _>>().map_err(usage)?;
        let partition = args.partition.as_deref().map(parse_partition).transpose().map_err(usage)?;
        let manifest = load_manifest(args)?;
        let (target, integration, target_flags, reference) = integration(args, manifest.as_ref())?;
        let mut paths = args.paths.clone();
        if paths.is_empty()
            && !args.builtin
            && let Some(m) = &manifest
        {
            paths = m.scenarios.iter().map(|p| m.dir.join(p)).collect();
        }
        let selection =
            Selection { surfaces: args.surface.clone(), rules: args.rule.clone(), names: args.name.clone(), partition };
        let (loaded, builtin_suite, from) = if args.rerun_failed {
            load_rerun(args, &paths)?
        } else {
            let builtin = paths.is_empty();
            let from = if builtin { "the built-in suite".to_owned() } else { describe(&paths) };
            (load(&paths, builtin)?, builtin, from)
        };
        let total = loaded.len();
        let mut loaded = loaded;
        loaded.retain(|(file, s, _)| selection.selects(&file.display().to_string(), s));
        if loaded.is_empty() {
            let what = if total == 0 {
                format!("{from} holds none")
            } else {
                format!("the filters select none of the {total} in {from}{}", filters(args))
            };
            return Err(empty(format!(
                "no scenario to run: {what}\n(hint: `payterm run --list` shows the selection without filters)"
            )));
        }
        if args.rerun_failed {
            println!("payterm run: rerunning {} scenario(s) recorded in {LAST_RUN}", loaded.len());
        }
        let scenarios: Vec<Entry> = loaded
            .into_iter()
            .map(|(file, scenario, builtin)| {
                let skip = manifest.as_ref().and_then(|m| m.unsupported(&scenario));
                Entry { file, scenario, skip, builtin }
            })
            .collect();
        if !args.list && scenarios.iter().all(|e| e.skip.is_some()) {
            let why = scenarios.first().and_then(|e| e.skip.clone()).unwrap_or_default();
            return Err(empty(format!(
                "no scenario to run: each of the {} selected would be skipped (the first: {why})\n(hint: select scenarios the manifest's surfaces and operations cover)",
                scenarios.len()
            )));
        }
        let known = match &args.expected_failures {
            Some(path) => {
                crate::report::model::read_known(path).map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e))?
            }
            None => Vec::new(),
        };
        let jobs = args.jobs.unwrap_or_else(default_jobs).max(1);
        let mut inputs: Vec<PathBuf> = scenarios.iter().filter(|e| !e.builtin).map(|e| e.file.clone()).collect();
        inputs.extend(args.manifest.clone().or_else(|| manifest.as_ref().map(|_| PathBuf::from(manifest::FILE_NAME))));
        inputs.extend(args.expected_failures.clone());
        inputs.push(PathBuf::from(LAST_RUN));
        let mut target_flags = target_flags;
        if let Some(known) = &args.expected_failures {
            target_flags = format!(
                "{target_flags} --expected-failures {}",
                crate::printable::shell_path(&known.display().to_string())
            )
            .trim_start()
            .to_owned();
        }
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
            inputs,
            _reference: reference,
        })
    }

    /// `payterm run: 50 scenarios (the built-in suite) against …, 4 at a time`.
    pub(super) fn print_header(&self) {
        let source = if self.builtin_suite { " (the built-in suite, embedded)" } else { "" };
        let who = match (&self.integration.name, &self.target) {
            // The built-in reference's command names a temporary file: noise, not news.
            (Some(name), Target::Command { .. }) if name.ends_with("(built-in)") => name.clone(),
            (Some(name), Target::Command { command, .. }) => format!("{name} ({command})"),
            (Some(name), Target::Service { url }) => format!("{name} (service at {url})"),
            (None, Target::Command { command, .. }) => command.clone(),
            (None, Target::Service { url }) => format!("the service at {url}"),
        };
        let who = crate::printable::line(&who, 300);
        println!("payterm run: {} scenarios{source} against {who}, {} at a time", self.scenarios.len(), self.jobs);
    }

    /// `--list`: each scenario, its surfaces and rules, and whether it would be skipped.
    pub(super) fn print_list(&self) {
        for e in &self.scenarios {
            let surfaces: std::collections::BTreeSet<&str> =
                e.scenario.orders.iter().map(|o| o.surface.as_str()).collect();
            let rules: Vec<&str> = e.scenario.rules.iter().map(|r| r.id).collect();
            let skip = e.skip.as_deref().map(|w| format!("  [skipped: {w}]")).unwrap_or_default();
            let line = format!(
                "{}  [{}]  {}{skip}",
                e.file.display(),
                surfaces.into_iter().collect::<Vec<_>>().join(","),
                rules.join(" ")
            );
            println!("{}", crate::printable::escape(&line));
        }
        let skipped = self.scenarios.iter().filter(|e| e.skip.is_some()).count();
        println!("{} scenarios would run, {skipped} would be skipped", self.scenarios.len() - skipped);
    }

    /// The command that runs `entry` alone, the same way, from this folder: a built-in
    /// scenario by `--builtin --name` (a manifest here would otherwise bring its own), a file
    /// by its path.
    pub(super) fn reproduce(&self, entry: &Entry, seed: u64) -> String {
        let which = if entry.builtin {
            format!("--builtin --name {}", shell_quote(&entry.file.display().to_string()))
        } else {
            crate::printable::shell_path(&entry.file.display().to_string())
        };
        let flags = if self.target_flags.is_empty() { String::new() } else { format!("{} ", self.target_flags) };
        format!("payterm run {flags}{which} --seed {seed} --time-scale {}", self.time_scale)
    }
}

/// The integration: `--exec`/`--service`, else the manifest's, else the built-in reference.
fn integration(
    args: &RunArgs,
    manifest: Option<&Manifest>,
) -> Result<(Target, Integration, String, Option<crate::runner::WorkFolder>), CliError> {
    let mut info = Integration {
        name: manifest.map(|m| m.name.clone()),
        version: manifest.and_then(|m| m.version.clone()),
        ..Integration::default()
    };
    let manifest_flag = args
        .manifest
        .as_ref()
        .map(|p| format!("--manifest {}", crate::printable::shell_path(&p.display().to_string())));
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
        let setup = |e| CliError::new(exit_codes::SETUP_FAILED, e);
        let payterm = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("payterm"));
        let folder = crate::runner::WorkFolder::new("reference", &payterm).map_err(setup)?;
        let command = crate::runner::builtin::reference_command(folder.path()).map_err(setup)?;
        info.name = Some("reference-python (built-in)".to_owned());
        info.version = Some(env!("CARGO_PKG_VERSION").to_owned());
        info.command = Some(command.clone());
        return Ok((Target::Command { command, dir: None }, info, String::new(), Some(folder)));
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
    Ok((target, info, flags, None))
}

/// A scenario loaded: its file, the scenario, whether it is built in.
type Loaded = (PathBuf, Arc<Scenario>, bool);

/// The scenarios at `paths`, or the built-in suite when `builtin`, in path order, each with
/// whether it is built in.
fn load(paths: &[PathBuf], builtin: bool) -> Result<Vec<Loaded>, CliError> {
    if builtin {
        return crate::runner::builtin::SUITE.iter().map(|(name, text)| load_builtin(name, text)).collect();
    }
    let mut loaded = Vec::new();
    for file in &scenario_files(paths)? {
        loaded.push((file.clone(), load_file(file)?, false));
    }
    Ok(loaded)
}

fn load_builtin(name: &str, text: &str) -> Result<(PathBuf, Arc<Scenario>, bool), CliError> {
    let shown = format!("scenarios/{name}");
    let s = scenario::parse(&shown, text).map_err(|e| CliError::new(exit_codes::INTERNAL, e.to_string()))?;
    Ok((PathBuf::from(shown), Arc::new(s), true))
}

fn load_file(file: &Path) -> Result<Arc<Scenario>, CliError> {
    match scenario::load(file) {
        Ok(s) => Ok(Arc::new(s)),
        Err(LoadError::Invalid(errors)) => {
            eprintln!("{}", errors.render());
            Err(CliError::new(exit_codes::INVALID_INPUT, errors.to_string()))
        }
        Err(e) => Err(CliError::new(exit_codes::SETUP_FAILED, e.to_string())),
    }
}

/// The scenarios the last run recorded, each from where it came, in path order.
fn load_recorded(recorded: &[last_run::Recorded]) -> Result<Vec<Loaded>, CliError> {
    let mut loaded = Vec::new();
    for r in recorded {
        if r.builtin {
            let name = r.file.strip_prefix("scenarios/").unwrap_or(&r.file);
            match crate::runner::builtin::SUITE.iter().find(|(n, _)| *n == name) {
                Some((name, text)) => loaded.push(load_builtin(name, text)?),
                None => println!("payterm run: {} is no longer in the built-in suite; not rerun", r.file),
            }
        } else {
            let file = PathBuf::from(&r.file);
            let file = if file.is_file() { file } else { r.path.clone().unwrap_or(file) };
            if !file.is_file() {
                return Err(CliError::new(
                    exit_codes::SETUP_FAILED,
                    format!(
                        "--rerun-failed: {} failed last time, but is no longer there\n(hint: run from the folder of that run, or run the scenarios by path)",
                        crate::printable::escape(&r.file)
                    ),
                ));
            }
            loaded.push((file.clone(), load_file(&file)?, false));
        }
    }
    loaded.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    loaded.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
    Ok(loaded)
}

/// `the 3 file(s) under scenarios/, x.toml`.
fn describe(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    crate::printable::line(&shown.join(", "), 200)
}

/// ` (--name typo-xyz --surface cloud)`: the filters given, for a message.
fn filters(args: &RunArgs) -> String {
    let mut given = Vec::new();
    given.extend(args.surface.iter().map(|v| format!("--surface {v}")));
    given.extend(args.rule.iter().map(|v| format!("--rule {v}")));
    given.extend(args.name.iter().map(|v| format!("--name {}", shell_quote(v))));
    given.extend(args.partition.iter().map(|v| format!("--partition {v}")));
    if given.is_empty() { String::new() } else { format!(" ({})", crate::printable::line(&given.join(" "), 300)) }
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

/// Quotes `text` for a POSIX shell when it needs it ([`crate::printable::shell_word`]).
pub(super) fn shell_quote(text: &str) -> String {
    crate::printable::shell_word(text)
}

/// How many scenarios `payterm run` runs at once unless told: four per core, at most 64. A
/// scenario mostly waits (on its integration and on virtual time); `make bench` sweeps --jobs,
/// and on 2 cores the built-in suite took 60 s at 1, 16 s at 4, 10 s at 8 and 9.4 s at 16.
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    (4 * cores).min(64)
}

/// The manifest: the one named by --manifest, else `payterm.toml` here when no integration is
/// named on the command line.
fn load_manifest(args: &RunArgs) -> Result<Option<manifest::Manifest>, CliError> {
    let path = match (&args.manifest, &args.exec, &args.service) {
        (Some(path), _, _) => path.as_path(),
        (None, None, None) if Path::new(manifest::FILE_NAME).is_file() => Path::new(manifest::FILE_NAME),
        _ => return Ok(None),
    };
    manifest::load(path).map(Some).map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e))
}

/// --rerun-failed: the scenarios the last run recorded here as failed, inconclusive or not
/// finished (each from where it came, or only those among `paths`), whether they are all
/// built in, and where they come from in words.
fn load_rerun(args: &RunArgs, paths: &[PathBuf]) -> Result<(Vec<Loaded>, bool, String), CliError> {
    let empty = |m: String| CliError::new(exit_codes::NO_SCENARIOS, m);
    let recorded = last_run::read().ok_or_else(|| {
            empty(format!(
                "--rerun-failed: no run was recorded in this folder ({LAST_RUN}), so there is nothing to rerun\n(hint: run `payterm run` here first, or leave out --rerun-failed)"
            ))
        })?;
    if recorded.is_empty() {
        return Err(empty(format!(
            "--rerun-failed: nothing failed in the last run recorded here ({LAST_RUN}): nothing to rerun"
        )));
    }
    let loaded = if args.paths.is_empty() && !args.builtin {
        // Each from where it came: the built-in suite or its file.
        load_recorded(&recorded)?
    } else {
        let mut loaded = load(paths, args.builtin)?;
        loaded.retain(|(file, _, builtin)| recorded.iter().any(|r| r.is(file, *builtin)));
        loaded
    };
    let builtin = loaded.iter().all(|(_, _, b)| *b);
    let from =
        format!("the {} scenario(s) recorded as failed, inconclusive or not finished in {LAST_RUN}", recorded.len());
    Ok((loaded, builtin, from))
}
