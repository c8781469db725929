//! [`explore`]: generates run after run, runs each against the integration and judges it;
//! a failure is confirmed at two speeds, shrunk, and written as `found-<seed>-<run>.toml`, a
//! scenario file `payterm run` reproduces. The result is an [`ExploreReport`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use futures_util::StreamExt;

use super::generate::generate;
use super::model::GenScenario;
use super::shrink::shrink;
use crate::judge::verdict::VerdictKind;
use crate::runner::{RunOptions, Target, run_scenario};

/// How to explore.
#[derive(Clone, Debug)]
pub struct ExploreOptions {
    /// The integration.
    pub target: Target,
    /// The flags that name the integration in a `payterm run` command (empty: the built-in
    /// reference, which `payterm run` uses when told nothing).
    pub target_flags: String,
    /// The exploration seed.
    pub seed: u64,
    /// How many runs.
    pub runs: u32,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// The second speed every failure is confirmed at (see [`confirm_scale`]).
    pub confirm_scale: f64,
    /// Where found scenarios are written.
    pub out: PathBuf,
    /// How many runs (or shrinking candidates) at once.
    pub jobs: usize,
    /// Go on after a find.
    pub keep_going: bool,
    /// Only failures of these rules are shrunk (`HYPE-*` matches a prefix); empty: any rule.
    pub rules: Vec<String>,
    /// The payterm binary (the initiator shim links to it).
    pub payterm: PathBuf,
    /// The most candidates one shrink may try.
    pub shrink_budget: usize,
}

/// A failure found and shrunk.
#[derive(Clone, Debug)]
pub struct Find {
    /// The run that found it.
    pub run: u32,
    /// The rule it breaks.
    pub rule: &'static str,
    /// (orders, steps) as generated.
    pub original: (usize, usize),
    /// (orders, steps) after shrinking.
    pub shrunk: (usize, usize),
    /// Candidates run while shrinking.
    pub shrink_runs: usize,
    /// Whether shrinking stopped at `shrink_budget` candidates with some left untried (it
    /// might have gone further with more).
    pub budget_spent: bool,
    /// The file written.
    pub file: PathBuf,
    /// The command that reproduces it.
    pub reproduce: String,
    /// The shrunk scenario's text, as written.
    pub text: String,
}

/// What an exploration did.
#[derive(Clone, Debug, Default)]
pub struct ExploreReport {
    /// Runs made (not counting confirmations and shrinking).
    pub runs: u32,
    /// What was found.
    pub finds: Vec<Find>,
    /// Runs whose failure did not happen again at both speeds: (run, rule).
    pub unconfirmed: Vec<(u32, &'static str)>,
}

/// Why an exploration could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExploreError {
    /// A generated scenario was refused by the scenario reader: a bug in the generator.
    #[error("failed to validate the scenario generated for run {run} (a bug in the generator):\n{errors}")]
    Invalid {
        /// The run.
        run: u32,
        /// What the reader said.
        errors: String,
    },
    /// A run could not start (the emulator, the shim, the work folder).
    #[error("failed to run the scenario of run {run}: {message}")]
    Run {
        /// The run.
        run: u32,
        /// What went wrong.
        message: String,
    },
    /// The found scenario could not be written.
    #[error("failed to write {path}: {source}")]
    Write {
        /// Where.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl ExploreOptions {
    /// Whether failures of `rule` are looked for.
    pub fn looks_for(&self, rule: &str) -> bool {
        self.rules.is_empty()
            || self.rules.iter().any(|r| match r.strip_suffix('*') {
                Some(prefix) => rule.starts_with(prefix),
                None => r == rule,
            })
    }
}

/// How many runs in a row a smaller scenario must fail to be taken, and the smallest must
/// fail again at the end: a race lost half the time survives three in a row one time in
/// eight, and six one time in sixty-four.
const CONFIRMATIONS: usize = 3;

/// The second speed a failure must also show at: four times slower than `time_scale` while
/// that stays at most a tenth (a virtual second of 0.1 real s or less), else four times faster.
///
/// What an integration does costs real time (a process start, an interpreter's work), and at
/// 0.01 a 30 ms process start is three virtual seconds: a failure that needs the integration
/// to be that slow (or that fast) shows on a loaded machine and not on a quiet one. Changing
/// the speed changes what those costs come to in virtual time, so a failure seen at both is
/// one of the script's sequence of events, which `payterm run` replays on any machine.
pub fn confirm_scale(time_scale: f64) -> f64 {
    if time_scale * 4.0 <= 0.1 { time_scale * 4.0 } else { time_scale / 4.0 }
}

/// Runs `s` once at `time_scale` and returns the rules it broke, in the order the judge gave
/// them.
async fn run_once(
    s: &GenScenario,
    options: &ExploreOptions,
    time_scale: f64,
) -> Result<Vec<&'static str>, ExploreError> {
    let name = format!("explore-{}-{}.toml", s.seed, s.run);
    let scenario = crate::scenario::parse(&name, &s.to_toml())
        .map_err(|e| ExploreError::Invalid { run: s.run, errors: e.render() })?;
    // Removed when the run ends, also when it is cancelled midway (a batch of runs is dropped
    // once one of them fails).
    let work_dir = crate::runner::WorkFolder::new("explore", &options.payterm)
        .map_err(|message| ExploreError::Run { run: s.run, message })?;
    let run_options = RunOptions {
        target: options.target.clone(),
        time_scale,
        payterm: options.payterm.clone(),
        work_dir: work_dir.path().to_owned(),
        startup_timeout: crate::runner::DEFAULT_STARTUP_TIMEOUT,
    };
    let seed = scenario.seed.unwrap_or(1);
    let record = run_scenario(Arc::new(scenario), seed, &run_options).await;
    drop(work_dir);
    let record = record.map_err(|e| ExploreError::Run { run: s.run, message: e.to_string() })?;
    let (verdicts, _) = crate::judge::judge(&record);
    let mut broken: Vec<&'static str> = Vec::new();
    for v in verdicts.iter().filter(|v| v.kind == VerdictKind::Fail) {
        if !broken.contains(&v.rule) {
            broken.push(v.rule);
        }
    }
    Ok(broken)
}

fn describe(s: &GenScenario) -> String {
    let kinds: Vec<String> = s.orders.iter().map(|o| format!("{}@{}", o.surface.as_str(), o.at_s)).collect::<Vec<_>>();
    format!("{} order(s) [{}], {} step(s)", s.orders.len(), kinds.join(" "), s.steps.len())
}

/// Explores: `say` is told one line per run and per stage of a find, as they happen.
pub async fn explore(options: &ExploreOptions, say: &mut dyn FnMut(&str)) -> Result<ExploreReport, ExploreError> {
    let mut report = ExploreReport::default();
    // Runs are numbered from 1, and run N is generated from (seed, N).
    let mut next = 1;
    while next <= options.runs {
        // The stream lives in this block: leaving it at a failure cancels the runs still going
        // (their process groups are killed) before the failure is confirmed and shrunk.
        let failure = {
            let runs = futures_util::stream::iter(next..=options.runs)
                .map(|run| async move {
                    let s = generate(options.seed, run);
                    let clock = Instant::now();
                    let broken = run_once(&s, options, options.time_scale).await;
                    (s, broken, clock.elapsed())
                })
                .buffered(options.jobs.max(1));
            let mut runs = std::pin::pin!(runs);
            let mut failure = None;
            while let Some((s, broken, wall)) = runs.next().await {
                let broken = broken?;
                report.runs += 1;
                next = s.run + 1;
                let wanted = broken.iter().copied().find(|rule| options.looks_for(rule));
                let verdict = match (wanted, broken.is_empty()) {
                    (Some(rule), _) => format!("FAIL {rule}"),
                    (None, false) => format!("fail {} (not looked for)", broken.join(", ")),
                    (None, true) => "pass".to_owned(),
                };
                let wall = wall.as_secs_f64();
                say(&format!("[{}/{}] {verdict}  {}  {wall:.1}s", s.run, options.runs, describe(&s)));
                if let Some(rule) = wanted {
                    failure = Some((s, rule));
                    break;
                }
            }
            failure
        };
        let Some((s, rule)) = failure else { break };
        let (fast, slow) = (options.time_scale, options.confirm_scale);
        say(&format!("run {}: {rule} failed; running it again at --time-scale {fast} and {slow} to confirm", s.run));
        if !fails_again(&s, rule, 1, options, &AtomicUsize::new(0)).await? {
            say(&format!(
                "run {}: {rule} did not fail again at both speeds (it hangs on how fast the integration runs); not shrunk",
                s.run
            ));
            report.unconfirmed.push((s.run, rule));
            continue;
        }
        let find = shrink_and_write(&s, rule, options, say).await?;
        report.finds.push(find);
        if !options.keep_going {
            break;
        }
    }
    Ok(report)
}

/// Whether `s` fails `rule` in each of `times` more runs at the exploration's speed and then
/// once more at the confirming speed (stopping at the first run that does not fail); `runs`
/// counts the runs made.
async fn fails_again(
    s: &GenScenario,
    rule: &'static str,
    times: usize,
    options: &ExploreOptions,
    runs: &AtomicUsize,
) -> Result<bool, ExploreError> {
    let scales = std::iter::repeat_n(options.time_scale, times).chain([options.confirm_scale]);
    for time_scale in scales {
        runs.fetch_add(1, Ordering::Relaxed);
        if !run_once(s, options, time_scale).await?.contains(&rule) {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn shrink_and_write(
    original: &GenScenario,
    rule: &'static str,
    options: &ExploreOptions,
    say: &mut dyn FnMut(&str),
) -> Result<Find, ExploreError> {
    say(&format!("shrinking {} while it still fails {rule}…", describe(original)));
    // A candidate is kept when it fails once at the exploration's speed: most candidates pass at
    // once, and the few kept are cheap to check. What is kept in the end is confirmed in full
    // below — CONFIRMATIONS times in a row and once at the other speed, since a failure that
    // hangs on which of two requests comes first fails only now and then — stepping back along
    // the path to the last one that holds.
    let runs = AtomicUsize::new(0);
    let counter = &runs;
    let still_fails = |c: GenScenario| async move {
        counter.fetch_add(1, Ordering::Relaxed);
        run_once(&c, options, options.time_scale).await.is_ok_and(|broken| broken.contains(&rule))
    };
    let mut taken = |c: &GenScenario| say(&format!("   still fails with {}", describe(c)));
    let shrunk = shrink(original.clone(), options.jobs, options.shrink_budget, still_fails, &mut taken).await;
    // The smallest one must fail as many times again, run alone as `payterm run` will run it,
    // or (a race it won by luck) the one taken before it is tried, and so on back to the
    // original.
    let mut fallbacks = shrunk.path.iter().rev().take(8);
    let mut s = shrunk.scenario;
    while s != *original {
        if fails_again(&s, rule, CONFIRMATIONS, options, &runs).await? {
            break;
        }
        say(&format!("the shrunk scenario ({}) did not fail again; stepping back", describe(&s)));
        s = fallbacks.next().cloned().unwrap_or_else(|| original.clone());
    }
    let file = options.out.join(format!("found-{}-{}.toml", options.seed, original.run));
    let flags = if options.target_flags.is_empty() { String::new() } else { format!("{} ", options.target_flags) };
    let reproduce = format!(
        "payterm run {flags}{} --time-scale {}",
        crate::printable::shell_path(&file.display().to_string()),
        options.time_scale
    );
    let (o, n) = (original.size(), s.size());
    let budget_spent = shrunk.budget_spent;
    let stopped = if budget_spent {
        format!("# Shrinking stopped at its budget of {} candidates (see --shrink-budget).\n", options.shrink_budget)
    } else {
        String::new()
    };
    let header = format!(
        "# Found by `payterm explore --seed {}`: run {} broke {rule}.\n\
         # Shrunk from {} order(s) and {} script step(s) to {} order(s) and {} step(s) in {} runs;\n\
         {stopped}\
         # it fails at --time-scale {} and at {}.\n\
         # Reproduce: {reproduce}\n\n",
        options.seed,
        original.run,
        o.0,
        o.1,
        n.0,
        n.1,
        runs.load(Ordering::Relaxed),
        options.time_scale,
        options.confirm_scale,
    );
    let text = header + &s.to_toml_proving(rule);
    std::fs::create_dir_all(&options.out)
        .and_then(|()| std::fs::write(&file, &text))
        .map_err(|source| ExploreError::Write { path: file.clone(), source })?;
    let shrink_runs = runs.load(Ordering::Relaxed);
    Ok(Find { run: original.run, rule, original: o, shrunk: n, shrink_runs, budget_spent, file, reproduce, text })
}

/// Quotes `text` for a POSIX shell when it needs it (`printable::shell_word`).
pub fn quote(text: &str) -> String {
    crate::printable::shell_word(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_confirmed_four_times_slower_unless_that_is_slower_than_a_tenth() {
        assert_eq!(confirm_scale(0.01), 0.04);
        assert_eq!(confirm_scale(0.025), 0.1);
        assert_eq!(confirm_scale(0.1), 0.025);
        assert_eq!(confirm_scale(1.0), 0.25);
    }
}
