//! The report a person reads in the terminal: one line per scenario as it finishes, then each
//! failed or inconclusive scenario explained (rule, spec row, what was expected, what happened,
//! the evidence, the integration's log and a command that reproduces it), then the summary.
//! Everything that came from outside is printed with its control characters written out.

use std::fmt::Write as _;

use super::model::{ScenarioReport, ScenarioStatus, SuiteReport};
use crate::printable::{escape, line as printable_line};

/// How many of the integration's log lines a failure shows (the last ones).
const LOG_LINES: usize = 20;
/// The most characters of one quoted line (a log line can be 64 KiB).
const LINE_CHARS: usize = 1_000;

/// `[ 3/50] pass  scenarios/cloud/x.toml  0.3s`: one scenario, as it finishes.
pub fn progress_line(done: usize, total: usize, s: &ScenarioReport) -> String {
    let width = total.to_string().len();
    let (word, detail) = match s.status {
        ScenarioStatus::Passed => {
            let warned = s.verdicts.iter().filter(|v| v.verdict == "warn").count();
            let mut known: Vec<&str> =
                s.verdicts.iter().filter(|v| v.known.is_some()).map(|v| v.rule.as_str()).collect();
            known.extend(s.unexercised.iter().filter(|u| u.known.is_some()).map(|u| u.rule.as_str()));
            known.dedup();
            if known.is_empty() {
                ("pass", if warned > 0 { format!("  ({warned} warning(s))") } else { String::new() })
            } else {
                ("xfail", format!("  known: {}", known.join(", ")))
            }
        }
        ScenarioStatus::Failed => {
            let mut rules: Vec<&str> = s.failures().map(|v| v.rule.as_str()).collect();
            rules.dedup();
            ("FAIL", format!("  {}", rules.join(", ")))
        }
        ScenarioStatus::Inconclusive => {
            let rules: Vec<&str> = s.inconclusive_rules().map(|u| u.rule.as_str()).collect();
            ("INCONCLUSIVE", format!("  not exercised: {}", rules.join(", ")))
        }
        ScenarioStatus::Skipped => ("skip", format!("  {}", s.skipped.as_deref().unwrap_or(""))),
        ScenarioStatus::Error => ("ERROR", format!("  {}", s.error.as_deref().unwrap_or(""))),
    };
    let time = if s.status == ScenarioStatus::Skipped { String::new() } else { format!("  {:.1}s", s.wall_s) };
    let line = format!("[{done:>width$}/{total}] {word:<5} {}{time}{}", s.file, printable_line(&detail, LINE_CHARS));
    escape(&line).into_owned()
}

/// Every failed, inconclusive or errored scenario explained, then known failures and
/// warnings in brief.
pub fn explanations(report: &SuiteReport) -> String {
    let mut out = String::new();
    for s in report.scenarios.iter().filter(|s| s.status.is_bad()) {
        explain(&mut out, s);
    }
    let mut known: Vec<String> = Vec::new();
    for s in &report.scenarios {
        for v in &s.verdicts {
            if let Some(reason) = &v.known {
                let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
                known.push(format!("   xfail {}{order} in {}: {} [known: {reason}]", v.rule, s.file, v.happened));
            }
        }
        for u in s.unexercised.iter().filter(|u| u.known.is_some()) {
            let reason = u.known.as_deref().unwrap_or("");
            let never = u.never.join("; ");
            known.push(format!("   xfail {} in {}: not exercised: {never} [known: {reason}]", u.rule, s.file));
        }
    }
    if !known.is_empty() {
        let _ = writeln!(out, "\nknown failures (reported, not counted):");
        for k in known {
            let _ = writeln!(out, "{}", printable_line(&k, LINE_CHARS));
        }
    }
    let warnings: Vec<String> = report
        .scenarios
        .iter()
        .flat_map(|s| {
            s.verdicts.iter().filter(|v| v.verdict == "warn").map(move |v| {
                let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
                format!("   warn {}{order} in {}: {}", v.rule, s.file, v.happened)
            })
        })
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings (allowed, but discouraged):");
        for w in warnings {
            let _ = writeln!(out, "{}", printable_line(&w, LINE_CHARS));
        }
    }
    out
}

fn explain(out: &mut String, s: &ScenarioReport) {
    // Each line is built, then escaped as a whole: its fields came from the integration or
    // from a scenario file.
    let mut say = |text: String| {
        let _ = writeln!(out, "{}", printable_line(&text, LINE_CHARS));
    };
    say(String::new());
    say(format!("── {} ({})", s.file, s.name));
    if let Some(error) = &s.error {
        say(format!("   the harness could not run it: {error}"));
        return;
    }
    say(format!("   integration {}; {:.1}s real, {:.0}s virtual", s.ending, s.wall_s, s.virtual_s));
    for v in s.failures() {
        let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
        say(format!("   FAIL {}{order}: {}", v.rule, v.row));
        say(format!("        expected: {}", v.expected));
        say(format!("        happened: {}", v.happened));
        for line in &v.evidence {
            say(format!("        | {line}"));
        }
    }
    for u in s.inconclusive_rules() {
        say(format!("   INCONCLUSIVE {}: {}", u.rule, u.row));
        say("        targeted, but the run never exercised it, so it proves nothing about it:".to_owned());
        for never in &u.never {
            say(format!("        never: {never}"));
        }
    }
    for o in &s.orders {
        say(format!(
            "   {} ({} on {}, {}): events [{}]; ledger [{}]",
            o.id,
            o.operation,
            o.surface,
            o.reference,
            o.events.join(", "),
            o.ledger.join(", ")
        ));
    }
    if !s.log.is_empty() {
        let shown = s.log.len().min(LOG_LINES);
        say(format!("   the integration's log (last {shown} of {} lines):", s.log.len()));
        for line in &s.log[s.log.len() - shown..] {
            say(format!("        {line}"));
        }
    }
    say(format!("   reproduce: {}", s.reproduce));
}

/// `50 scenarios: 48 passed, 1 failed, 1 skipped in 24.1s`.
pub fn summary_line(report: &SuiteReport) -> String {
    let c = &report.summary;
    let mut parts = vec![format!("{} passed", c.passed), format!("{} failed", c.failed)];
    if c.inconclusive > 0 {
        parts.push(format!("{} inconclusive", c.inconclusive));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    if c.errors > 0 {
        parts.push(format!("{} could not run", c.errors));
    }
    if c.expected_failures > 0 {
        parts.push(format!("{} known failure(s)", c.expected_failures));
    }
    format!("{} scenarios: {} in {:.1}s", c.total, parts.join(", "), report.wall_s)
}
