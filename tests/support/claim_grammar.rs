//! The scenarios' `# Caught:` claims as written: [`parse`] reads the claims of one file,
//! [`suite_claims`] those of the whole built-in suite. Shared by the tests (`support::claims`,
//! which proves them) and `make stress` (`benches/stress.rs`, which catches them under load).

use std::path::{Path, PathBuf};

use payterm::judge::rules::find;
use regex::Regex;

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
        for entry in std::fs::read_dir(dir).expect("the scenarios folder reads") {
            let path = entry.expect("the scenarios folder reads").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("scenarios"), &mut files);
    let mut names: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(repo()).expect("a scenario under the repository").to_string_lossy().replace('\\', "/"))
        .collect();
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
    .expect("the claim pattern compiles");
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
        let source = std::fs::read_to_string(repo().join(&file)).expect("a scenario file reads");
        let (mut found, mut wrong) = parse(&file, &source);
        claims.append(&mut found);
        problems.append(&mut wrong);
    }
    (claims, problems)
}
