//! The other half of `make stress`: under the same load, the Python reference's planted
//! mistakes over the scenarios whose `# Caught:` claims name them ([`mistakes`]) and its cheats
//! over their scenarios ([`cheats`]). Each claim's rule must fail, each cheat's rules must fail
//! saying what was tried; a catch that does not happen is a [`Miss`], counted once, never rerun.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::cheat_table::CHEATS;
use crate::claim_grammar::{Claim, suite_claims};
use crate::suite::{payterm_run, scenarios, verdicts};

/// How many mistakes (or cheats) run at once, each its scenarios `--jobs` at a time: as
/// `tests/claims.rs` proves them.
const AT_ONCE: usize = 2;

/// The Python reference, which every claim's mistake and every cheat belongs to.
const POS: &str = "python3 examples/reference-python/pos.py";

/// A catch that did not happen, with what the judge said instead.
pub struct Miss {
    /// `scenarios/…:line` of the claim, or the cheat's name.
    pub what: String,
    pub lines: Vec<String>,
}

/// What one phase caught.
#[derive(Default)]
pub struct Caught {
    /// Claims (or cheats) tried.
    pub tried: usize,
    pub misses: Vec<Miss>,
    /// Caught, but a rule outside the claim's declared collateral failed too: shown, not a miss
    /// (the claim is about the rule it names; `make test` holds the collateral exact).
    pub beside: Vec<String>,
}

impl Caught {
    pub fn caught(&self) -> usize {
        self.tried - self.misses.len()
    }

    pub fn json(&self) -> Value {
        json!({
            "tried": self.tried,
            "caught": self.caught(),
            "missed": self.misses.iter().map(|m| json!({"what": m.what, "why": m.lines})).collect::<Vec<_>>(),
            "outside_collateral": self.beside,
        })
    }
}

/// Runs `f` over `items`, [`AT_ONCE`] at a time; the results in no particular order.
fn pool<I: Send, O: Send>(items: Vec<I>, f: impl Fn(I) -> O + Sync) -> Vec<O> {
    let queue = Mutex::new(items);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                    let Some(item) = next else { break };
                    let done = f(item);
                    out.lock().unwrap_or_else(|e| e.into_inner()).push(done);
                }
            });
        }
    });
    out.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The failed verdicts of a scenario, one line each, for a miss.
fn failed_lines(scenario: Option<&Value>) -> Vec<String> {
    let Some(s) = scenario else { return vec!["    the scenario is not in the report".to_owned()] };
    let mut lines = vec![format!(
        "    scenario {}, integration {}; failed:",
        s["status"].as_str().unwrap_or("?"),
        s["ending"].as_str().unwrap_or("?")
    )];
    let failed: Vec<String> = verdicts(s, "fail").map(|v| format!("      {}: {}", v.rule, v.happened)).collect();
    if failed.is_empty() {
        lines.push("      (none)".to_owned());
    }
    lines.extend(failed);
    lines
}

/// Every claim of the suite, its mistake run over the scenarios its claims name, under
/// whatever load the caller keeps up; reports under `dir` (kept when something was missed).
pub fn mistakes(jobs: Option<usize>, dir: &Path) -> Result<Caught, String> {
    let (claims, problems) = suite_claims();
    if !problems.is_empty() {
        return Err(format!("the scenarios' claims do not parse:\n{}", problems.join("\n")));
    }
    let mut by_mistake: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    for claim in claims {
        by_mistake.entry(claim.mistake.clone()).or_default().push(claim);
    }
    let tried = by_mistake.values().map(Vec::len).sum();
    let results = pool(by_mistake.into_iter().collect(), |(mistake, claims)| one_mistake(&mistake, &claims, jobs, dir));
    let mut caught = Caught { tried, ..Caught::default() };
    for (mut misses, mut beside) in results {
        caught.misses.append(&mut misses);
        caught.beside.append(&mut beside);
    }
    caught.misses.sort_by(|a, b| a.what.cmp(&b.what));
    caught.beside.sort();
    Ok(caught)
}

/// One mistake over its claims' scenarios: the claims it missed, and those caught with a rule
/// outside their collateral failing too.
fn one_mistake(mistake: &str, claims: &[Claim], jobs: Option<usize>, dir: &Path) -> (Vec<Miss>, Vec<String>) {
    let files: BTreeSet<&str> = claims.iter().map(|c| c.file.as_str()).collect();
    let files: Vec<&str> = files.into_iter().collect();
    let exec = format!("{POS} --mistake {mistake}");
    let report = dir.join(format!("{mistake}.json"));
    let (_, json) = payterm_run(&exec, &files, jobs, &report);
    let rerun = |c: &Claim| format!("    rerun: payterm run --exec '{exec}' {} (report {})", c.file, report.display());
    let json = match json {
        Ok(json) => json,
        Err(why) => {
            let misses =
                claims.iter().map(|c| Miss { what: c.at(), lines: vec![format!("    {why}"), rerun(c)] }).collect();
            return (misses, Vec::new());
        }
    };
    let by_file: BTreeMap<&str, &Value> =
        scenarios(&json).iter().filter_map(|s| Some((s["file"].as_str()?, s))).collect();
    let (mut misses, mut beside) = (Vec::new(), Vec::new());
    for claim in claims {
        let scenario = by_file.get(claim.file.as_str()).copied();
        let failed: Vec<String> = scenario.map(|s| verdicts(s, "fail").map(|v| v.rule).collect()).unwrap_or_default();
        if failed.contains(&claim.rule) {
            let outside: BTreeSet<&String> =
                failed.iter().filter(|r| **r != claim.rule && !claim.also.contains(r)).collect();
            if !outside.is_empty() {
                let outside: Vec<&str> = outside.into_iter().map(String::as_str).collect();
                beside.push(format!("{} ({mistake} -> {}): also {}", claim.at(), claim.rule, outside.join(", ")));
            }
            continue;
        }
        let mut lines = vec![format!("    mistake {mistake} should fail {} — \"{}\"", claim.rule, claim.text)];
        lines.extend(scenario.into_iter().flat_map(|s| {
            s["verdicts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["rule"] == claim.rule.as_str())
                .map(|v| {
                    format!(
                        "    {} came back {}: {}",
                        claim.rule,
                        v["verdict"].as_str().unwrap_or("?"),
                        v["happened"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
        }));
        lines.extend(failed_lines(scenario));
        lines.push(rerun(claim));
        misses.push(Miss { what: claim.at(), lines });
    }
    if misses.is_empty() && beside.is_empty() {
        let _ = std::fs::remove_file(&report);
    }
    (misses, beside)
}

/// Every cheat of the reference on its scenario: each rule in its table must fail, saying
/// what was tried.
pub fn cheats(jobs: Option<usize>, dir: &Path) -> Caught {
    let results = pool(CHEATS.iter().collect(), |cheat| {
        let exec = format!("{POS} --cheat {}", cheat.name);
        let report: PathBuf = dir.join(format!("{}.json", cheat.name));
        let (code, json) = payterm_run(&exec, &[cheat.file], jobs, &report);
        let rerun = format!("    rerun: payterm run --exec '{exec}' {} (report {})", cheat.file, report.display());
        let json = match json {
            Ok(json) => json,
            Err(why) => return Some(Miss { what: cheat.name.to_owned(), lines: vec![format!("    {why}"), rerun] }),
        };
        let scenario = scenarios(&json).first();
        let failed: Vec<(String, String)> =
            scenario.map(|s| verdicts(s, "fail").map(|v| (v.rule, v.happened)).collect()).unwrap_or_default();
        let mut lines: Vec<String> = cheat
            .fails
            .iter()
            .filter(|(rule, words)| !failed.iter().any(|(r, happened)| r == rule && happened.contains(words)))
            .map(|(rule, words)| format!("    {rule} did not fail saying {words:?}"))
            .collect();
        if code != Some(1) {
            lines.push(format!("    payterm run exited {code:?}, not 1"));
        }
        if lines.is_empty() {
            let _ = std::fs::remove_file(&report);
            return None;
        }
        lines.extend(failed_lines(scenario));
        lines.push(rerun);
        Some(Miss { what: cheat.name.to_owned(), lines })
    });
    let mut misses: Vec<Miss> = results.into_iter().flatten().collect();
    misses.sort_by(|a, b| a.what.cmp(&b.what));
    Caught { tried: CHEATS.len(), misses, beside: Vec::new() }
}
