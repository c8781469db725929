//! The scenarios' `# Caught:` claims and their proof against a reference integration
//! ([`Reference`]): [`parse`] reads the claims of one file, [`suite_claims`] those of the
//! whole built-in suite, and [`prove_all`] runs each mistake over the scenarios that name it,
//! through the real binary, and says which claims it did not prove. A claim reads
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
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use payterm::judge::rules::find;
use regex::Regex;
use serde_json::Value;

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

/// One `# Caught:` claim.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The scenario, as `scenarios/…/x.toml`.
    pub file: String,
    /// The line the claim starts on, from 1.
    pub line: usize,
    /// What the mistake does, in words.
    pub text: String,
    pub mistake: String,
    pub rule: String,
    pub also: Vec<String>,
}

impl Claim {
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario file under `scenarios/`, as paths relative to the repository, sorted.
pub fn scenario_files() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("scenarios"), &mut files);
    let mut names: Vec<String> =
        files.iter().map(|p| p.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/")).collect();
    names.sort();
    names
}

/// The text of a comment line (after `#`, trimmed), if it is one.
fn comment(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix('#').map(str::trim)
}

/// The claims of one file, or what is wrong with them (each naming the file and line).
pub fn parse(file: &str, source: &str) -> (Vec<Claim>, Vec<String>) {
    let bracket = Regex::new(concat!(
        r"^Caught:\s*(?P<text>.*?)\s*",
        r"\[mistake: (?P<mistake>[a-z0-9]+(?:-[a-z0-9]+)*) -> (?P<rule>[A-Z0-9-]+)",
        r"(?:; also (?P<also>[A-Z0-9-]+(?:, [A-Z0-9-]+)*))?\]$",
    ))
    .unwrap();
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(body) = comment(lines[i]).filter(|b| b.starts_with("Caught:")) else {
            i += 1;
            continue;
        };
        let start = i + 1;
        let mut joined = body.to_owned();
        // The claim runs on over comment lines until one ends its bracket.
        while !joined.ends_with(']') {
            match lines.get(i + 1).and_then(|l| comment(l)) {
                Some(next) if !next.starts_with("Caught:") => {
                    joined.push(' ');
                    joined.push_str(next);
                    i += 1;
                }
                _ => break,
            }
        }
        i += 1;
        let Some(c) = bracket.captures(&joined) else {
            problems.push(format!(
                "{file}:{start}: a `Caught:` claim without a well-formed bracket — it must end with \
                 `[mistake: <name> -> <RULE-ID>]` or `[mistake: <name> -> <RULE-ID>; also <RULE-ID>, …]`:\n    \
                 {joined}"
            ));
            continue;
        };
        let also: Vec<String> =
            c.name("also").map(|a| a.as_str().split(", ").map(str::to_owned).collect()).unwrap_or_default();
        let claim = Claim {
            file: file.to_owned(),
            line: start,
            text: c["text"].to_owned(),
            mistake: c["mistake"].to_owned(),
            rule: c["rule"].to_owned(),
            also,
        };
        if claim.text.is_empty() {
            problems.push(format!("{}: the claim does not say what the mistake does", claim.at()));
        }
        for rule in std::iter::once(&claim.rule).chain(&claim.also) {
            if find(rule).is_none() {
                problems.push(format!("{}: unknown rule {rule} (`payterm rules` lists them)", claim.at()));
            }
        }
        if claim.also.contains(&claim.rule) {
            problems.push(format!("{}: {} is both the claimed rule and its collateral", claim.at(), claim.rule));
        }
        claims.push(claim);
    }
    (claims, problems)
}

/// Every claim of every scenario, and what is wrong with them (each naming its file and line).
pub fn suite_claims() -> (Vec<Claim>, Vec<String>) {
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    for file in scenario_files() {
        let source = std::fs::read_to_string(repo().join(&file)).unwrap();
        let (mut found, mut wrong) = parse(&file, &source);
        claims.append(&mut found);
        problems.append(&mut wrong);
    }
    (claims, problems)
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
