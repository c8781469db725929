//! The scenarios' `# Caught:` claims and their proof against a reference integration
//! ([`Reference`]): [`parse`] reads the claims of one file, [`suite_claims`] those of the
//! whole built-in suite (both from `claim_grammar`, which `make stress` shares), and
//! [`prove_all`] runs each mistake over the scenarios that name it, through the real binary,
//! and says which claims it did not prove. A claim reads
//!
//! ```text
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>]
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>; also <RULE-ID>, <RULE-ID>]
//! ```
//!
//! and may wrap over several comment lines; the bracket ends it. `<name>` is a planted mistake
//! of a reference integration, `<RULE-ID>` the rule it fails there, and the rules after `also`
//! the collateral the same mistake unavoidably breaks. A claim is proven when the named rule
//! fails in its scenario and no rule outside the claim's collateral does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

pub use super::claim_grammar::{Claim, parse, repo, scenario_files, suite_claims};

/// A reference integration with planted mistakes: `<program> <script> --mistake NAME`.
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub program: &'static str,
    pub script: &'static str,
}

impl Reference {
    /// The Python reference, whose mistakes the claims are written for.
    pub const PYTHON: Reference = Reference { program: "python3", script: "examples/reference-python/pos.py" };
    /// The Node.js reference, with some of the same mistakes.
    pub const NODE: Reference = Reference { program: "node", script: "examples/reference-node/main.js" };

    /// The command `payterm run --exec` runs, with the mistake if one is given.
    pub fn exec(&self, mistake: Option<&str>) -> String {
        match mistake {
            Some(m) => format!("{} {} --mistake {m}", self.program, self.script),
            None => format!("{} {}", self.program, self.script),
        }
    }

    /// Its planted mistakes and what each does: `--mistake list`, a name and a description a
    /// line.
    pub fn mistakes(&self) -> BTreeMap<String, String> {
        let out = Command::new(self.program)
            .current_dir(repo())
            .args([self.script, "--mistake", "list"])
            .output()
            .unwrap_or_else(|e| panic!("{} did not start: {e}", self.program));
        assert!(
            out.status.success(),
            "{} --mistake list failed: {}",
            self.exec(None),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| l.split_once(char::is_whitespace).unwrap_or((l, "")))
            .map(|(name, what)| (name.to_owned(), what.trim().to_owned()))
            .collect()
    }
}

/// A failed verdict of a report, for the messages.
fn failure_lines(verdicts: &[&Value]) -> String {
    verdicts
        .iter()
        .map(|v| {
            let evidence: Vec<String> = v["evidence"]
                .as_array()
                .map(|e| e.iter().take(4).filter_map(|l| l.as_str()).map(|l| format!("        {l}")).collect())
                .unwrap_or_default();
            let order = v["order"].as_str().map(|o| format!(" ({o})")).unwrap_or_default();
            let mut line = format!(
                "      FAIL {}{order}: {}",
                v["rule"].as_str().unwrap_or("?"),
                v["happened"].as_str().unwrap_or("")
            );
            for e in evidence {
                line.push('\n');
                line.push_str(&e);
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `reference` (with `mistake`, if any) over `files`, two scenarios at a time; returns the
/// JSON report's scenarios by file, or why not.
pub fn run_reference(
    reference: Reference,
    mistake: Option<&str>,
    files: &[String],
    report: &Path,
) -> Result<BTreeMap<String, Value>, String> {
    let exec = reference.exec(mistake);
    let _ = std::fs::remove_file(report);
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(repo())
        .args(["run", "--exec", &exec])
        .args(files)
        .args(["--jobs", "2", "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .map_err(|e| format!("payterm run did not start: {e}"))?;
    let text = std::fs::read_to_string(report).map_err(|e| {
        format!(
            "no JSON report ({e}); payterm run said:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("the JSON report does not parse: {e}"))?;
    Ok(json["scenarios"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| Some((s["file"].as_str()?.to_owned(), s.clone()))).collect())
        .unwrap_or_default())
}

/// What is wrong with `claim` in its scenario's report (None: proven).
fn judge_claim(reference: Reference, claim: &Claim, scenario: Option<&Value>, report: &Path) -> Option<String> {
    let head = format!(
        "{}: mistake {} should fail {}{} — \"{}\"\n    (report {}; rerun: payterm run --exec '{}' {})",
        claim.at(),
        claim.mistake,
        claim.rule,
        if claim.also.is_empty() { String::new() } else { format!(" (collateral: {})", claim.also.join(", ")) },
        claim.text,
        report.display(),
        reference.exec(Some(&claim.mistake)),
        claim.file
    );
    let Some(scenario) = scenario else {
        return Some(format!("{head}\n    the scenario is not in the report"));
    };
    let verdicts: Vec<&Value> = scenario["verdicts"].as_array().map(|v| v.iter().collect()).unwrap_or_default();
    let failed: Vec<&Value> = verdicts.iter().copied().filter(|v| v["verdict"] == "fail").collect();
    let allowed: BTreeSet<&str> =
        std::iter::once(claim.rule.as_str()).chain(claim.also.iter().map(String::as_str)).collect();
    let named_fails = failed.iter().any(|v| v["rule"] == claim.rule.as_str());
    let outside: Vec<&Value> =
        failed.iter().copied().filter(|v| !allowed.contains(v["rule"].as_str().unwrap_or(""))).collect();
    if named_fails && outside.is_empty() {
        return None;
    }
    let mut why = Vec::new();
    if !named_fails {
        let judged = verdicts.iter().filter(|v| v["rule"] == claim.rule.as_str()).collect::<Vec<_>>();
        if judged.is_empty() {
            why.push(format!(
                "    {} was not judged at all (neither a target of the scenario nor a rule judged in every run)",
                claim.rule
            ));
        } else {
            for v in judged {
                why.push(format!(
                    "    {} came back {}{}: {}",
                    claim.rule,
                    v["verdict"].as_str().unwrap_or("?"),
                    v["order"].as_str().map(|o| format!(" ({o})")).unwrap_or_default(),
                    v["happened"].as_str().unwrap_or("")
                ));
            }
        }
    }
    if !outside.is_empty() {
        let rules: BTreeSet<&str> = outside.iter().filter_map(|v| v["rule"].as_str()).collect();
        why.push(format!(
            "    rules outside the claim failed too: {}",
            rules.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let ending = scenario["ending"].as_str().unwrap_or("?");
    let status = scenario["status"].as_str().unwrap_or("?");
    Some(format!(
        "{head}\n{}\n    scenario {status}, integration {ending}; failed rules:\n{}",
        why.join("\n"),
        if failed.is_empty() { "      (none)".to_owned() } else { failure_lines(&failed) }
    ))
}

/// Runs one mistake over its scenarios and judges its claims; a claim that is not proven is
/// run once more (the mistake alone, on its scenarios) before it counts, since timing rules
/// can meet a stall of the machine. Returns the problems.
fn prove(reference: Reference, mistake: &str, claims: &[Claim], dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = claims.iter().map(|c| c.file.clone()).collect();
    files.sort();
    files.dedup();
    let report = dir.join(format!("{mistake}.json"));
    let judge_all = |scenarios: &BTreeMap<String, Value>, report: &Path| -> Vec<(Claim, String)> {
        claims
            .iter()
            .filter_map(|c| judge_claim(reference, c, scenarios.get(&c.file), report).map(|why| (c.clone(), why)))
            .collect()
    };
    let first = match run_reference(reference, Some(mistake), &files, &report) {
        Ok(scenarios) => judge_all(&scenarios, &report),
        Err(why) => return vec![format!("mistake {mistake} on {}: {why}", files.join(" "))],
    };
    if first.is_empty() {
        return Vec::new();
    }
    let mut again: Vec<String> = first.iter().map(|(c, _)| c.file.clone()).collect();
    again.sort();
    again.dedup();
    let retry = dir.join(format!("{mistake}.again.json"));
    eprintln!("claims: mistake {mistake} not proven on {} — running it once more", again.join(" "));
    match run_reference(reference, Some(mistake), &again, &retry) {
        Ok(scenarios) => first
            .iter()
            .filter_map(|(c, _)| judge_claim(reference, c, scenarios.get(&c.file), &retry))
            .map(|why| format!("{why}\n    (not proven twice in a row)"))
            .collect(),
        Err(why) => vec![format!("mistake {mistake} on {}: {why}", again.join(" "))],
    }
}

/// Proves `claims` against `reference`: each mistake once over the scenarios its claims name,
/// `at_once` mistakes at a time, reports under `dir`. Returns the claims not proven, sorted.
pub fn prove_all(reference: Reference, claims: Vec<Claim>, at_once: usize, dir: &Path) -> Vec<String> {
    let mut by_mistake: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    for claim in claims {
        by_mistake.entry(claim.mistake.clone()).or_default().push(claim);
    }
    std::fs::create_dir_all(dir).unwrap();
    let queue = Mutex::new(by_mistake.into_iter().collect::<Vec<_>>());
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..at_once {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some((mistake, claims)) = next else { break };
                    let mut found = prove(reference, &mistake, &claims, dir);
                    problems.lock().unwrap().append(&mut found);
                }
            });
        }
    });
    let mut problems = problems.into_inner().unwrap();
    problems.sort();
    problems
}
