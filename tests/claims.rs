//! Every claim of the built-in scenarios proven (issue 13, "every claim proven"). A scenario's
//! comments say which mistakes it catches, one claim each:
//!
//! ```text
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>]
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>; also <RULE-ID>, <RULE-ID>]
//! ```
//!
//! A claim may wrap over several comment lines; the bracket ends it. `<name>` is a mistake of
//! the reference integration (`python3 examples/reference-python/pos.py --mistake <name>`
//! makes exactly that one), `<RULE-ID>` the rule it fails there, and the rules after `also`
//! the collateral the same mistake unavoidably breaks. These tests parse every claim, then run
//! each mistake once over the scenarios that name it, through the real binary, and check that
//! the named rule fails in each and no rule outside the claim's collateral does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use payterm::judge::rules::{RULES, find};
use regex::Regex;
use serde_json::Value;

/// How many mistakes run at once (each runs its scenarios two at a time).
const AT_ONCE: usize = 2;

/// One `# Caught:` claim.
#[derive(Clone, Debug)]
struct Claim {
    /// The scenario, as `scenarios/…/x.toml`.
    file: String,
    /// The line the claim starts on, from 1.
    line: usize,
    /// What the mistake does, in words.
    text: String,
    mistake: String,
    rule: String,
    also: Vec<String>,
}

impl Claim {
    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario file under `scenarios/`, as paths relative to the repository, sorted.
fn scenario_files() -> Vec<String> {
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
fn parse(file: &str, source: &str) -> (Vec<Claim>, Vec<String>) {
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

/// The mistakes the reference integration knows: the first column of `--mistake list`.
fn known_mistakes() -> BTreeSet<String> {
    let out = Command::new("python3")
        .current_dir(repo())
        .args(["examples/reference-python/pos.py", "--mistake", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "pos.py --mistake list failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Every claim of every scenario; panics naming each file and line that is wrong.
fn all_claims() -> Vec<Claim> {
    let known = known_mistakes();
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    for file in scenario_files() {
        let source = std::fs::read_to_string(repo().join(&file)).unwrap();
        let (mut found, mut wrong) = parse(&file, &source);
        for claim in &found {
            if !known.contains(&claim.mistake) {
                wrong.push(format!(
                    "{}: unknown mistake {:?} (`python3 examples/reference-python/pos.py --mistake list` lists them)",
                    claim.at(),
                    claim.mistake
                ));
            }
        }
        claims.append(&mut found);
        problems.append(&mut wrong);
    }
    assert!(problems.is_empty(), "{} problem(s) with the scenarios' claims:\n{}", problems.len(), problems.join("\n"));
    claims
}

#[test]
fn the_claim_grammar_is_read_as_written() {
    let source = "# A correct integration…\n\
                  # Caught: one line [mistake: poll-after-final -> CLOUD-POLL-UNTIL-FINAL]\n\
                  # Caught: a claim that wraps\n\
                  # over lines [mistake: task-state-is-payment -> CLOUD-TASK-NOT-PAYMENT; also\n\
                  # MONEY-TRUTHFUL-OUTCOME, MONEY-NO-LOST-PAYMENT]\n\
                  # Caught: no bracket at all\n\
                  \n\
                  # Caught: a bracket cut short [mistake: x]\n\
                  # Caught: an unknown rule [mistake: x -> NO-SUCH-RULE]\n";
    let (claims, problems) = parse("scenarios/x.toml", source);
    let read: Vec<(usize, &str, &str, &str, Vec<&str>)> = claims
        .iter()
        .map(|c| {
            (c.line, c.text.as_str(), c.mistake.as_str(), c.rule.as_str(), c.also.iter().map(String::as_str).collect())
        })
        .collect();
    assert_eq!(
        read,
        [
            (2, "one line", "poll-after-final", "CLOUD-POLL-UNTIL-FINAL", vec![]),
            (
                3,
                "a claim that wraps over lines",
                "task-state-is-payment",
                "CLOUD-TASK-NOT-PAYMENT",
                vec!["MONEY-TRUTHFUL-OUTCOME", "MONEY-NO-LOST-PAYMENT"]
            ),
            (9, "an unknown rule", "x", "NO-SUCH-RULE", vec![]),
        ]
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("scenarios/x.toml:6: a `Caught:` claim without a well-formed bracket"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("scenarios/x.toml:8: a `Caught:` claim without a well-formed bracket"),
        "{problems:#?}"
    );
    assert!(problems[2].starts_with("scenarios/x.toml:9: unknown rule NO-SUCH-RULE"), "{problems:#?}");
}

#[test]
fn every_claim_is_well_formed_and_names_a_known_mistake_and_rule() {
    let claims = all_claims();
    assert!(claims.len() >= 50, "only {} claims found", claims.len());
}

#[test]
fn every_rule_is_proven_by_at_least_one_claim() {
    let claimed: BTreeSet<String> = all_claims().into_iter().map(|c| c.rule).collect();
    let unproven: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !claimed.contains(*id)).collect();
    assert!(unproven.is_empty(), "rules no claim proves: {unproven:?}");
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

/// Runs `mistake` over `files`; returns the JSON report's scenarios by file, or why not.
fn run_mistake(mistake: &str, files: &[String], report: &Path) -> Result<BTreeMap<String, Value>, String> {
    let exec = format!("python3 examples/reference-python/pos.py --mistake {mistake}");
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
fn judge_claim(claim: &Claim, scenario: Option<&Value>, report: &Path) -> Option<String> {
    let head = format!(
        "{}: mistake {} should fail {}{} — \"{}\"\n    (report {}; rerun: payterm run --exec 'python3 \
         examples/reference-python/pos.py --mistake {}' {})",
        claim.at(),
        claim.mistake,
        claim.rule,
        if claim.also.is_empty() { String::new() } else { format!(" (collateral: {})", claim.also.join(", ")) },
        claim.text,
        report.display(),
        claim.mistake,
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
fn prove(mistake: &str, claims: &[Claim], dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = claims.iter().map(|c| c.file.clone()).collect();
    files.sort();
    files.dedup();
    let report = dir.join(format!("{mistake}.json"));
    let judge_all = |scenarios: &BTreeMap<String, Value>, report: &Path| -> Vec<(Claim, String)> {
        claims
            .iter()
            .filter_map(|c| judge_claim(c, scenarios.get(&c.file), report).map(|why| (c.clone(), why)))
            .collect()
    };
    let first = match run_mistake(mistake, &files, &report) {
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
    match run_mistake(mistake, &again, &retry) {
        Ok(scenarios) => first
            .iter()
            .filter_map(|(c, _)| judge_claim(c, scenarios.get(&c.file), &retry))
            .map(|why| format!("{why}\n    (not proven twice in a row)"))
            .collect(),
        Err(why) => vec![format!("mistake {mistake} on {}: {why}", again.join(" "))],
    }
}

#[test]
fn each_mistake_fails_the_rule_its_claims_name_and_nothing_outside_their_collateral() {
    let claims = all_claims();
    let mut by_mistake: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    for claim in claims {
        by_mistake.entry(claim.mistake.clone()).or_default().push(claim);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("claims");
    std::fs::create_dir_all(&dir).unwrap();
    let queue = Mutex::new(by_mistake.into_iter().collect::<Vec<_>>());
    let problems = Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some((mistake, claims)) = next else { break };
                    let mut found = prove(&mistake, &claims, &dir);
                    problems.lock().unwrap().append(&mut found);
                }
            });
        }
    });
    let mut problems = problems.into_inner().unwrap();
    problems.sort();
    eprintln!("claims: every mistake run in {:.1?}", started.elapsed());
    assert!(problems.is_empty(), "{} claim(s) not proven:\n\n{}", problems.len(), problems.join("\n\n"));
}
