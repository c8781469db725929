//! The report a person reads in the terminal: one line per scenario as it finishes, then each
//! failure explained (rule, spec row, what was expected, what happened, the evidence, the
//! integration's log and a command that reproduces it), then the summary.

use std::fmt::Write as _;

use super::model::{ScenarioReport, ScenarioStatus, SuiteReport};

/// How many of the integration's log lines a failure shows (the last ones).
const LOG_LINES: usize = 20;

/// `[ 3/50] pass  scenarios/cloud/x.toml  0.3s`: one scenario, as it finishes.
pub fn progress_line(done: usize, total: usize, s: &ScenarioReport) -> String {
    let width = total.to_string().len();
    let (word, detail) = match s.status {
        ScenarioStatus::Passed => {
            let warned = s.verdicts.iter().filter(|v| v.verdict == "warn").count();
            let known: Vec<&str> = s.verdicts.iter().filter(|v| v.known.is_some()).map(|v| v.rule.as_str()).collect();
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
        ScenarioStatus::Skipped => ("skip", format!("  {}", s.skipped.as_deref().unwrap_or(""))),
        ScenarioStatus::Error => ("ERROR", format!("  {}", s.error.as_deref().unwrap_or(""))),
    };
    let time = if s.status == ScenarioStatus::Skipped { String::new() } else { format!("  {:.1}s", s.wall_s) };
    format!("[{done:>width$}/{total}] {word:<5} {}{time}{detail}", s.file)
}

/// Every failed or errored scenario explained, then warnings in brief.
pub fn explanations(report: &SuiteReport) -> String {
    let mut out = String::new();
    for s in report.scenarios.iter().filter(|s| matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Error)) {
        explain(&mut out, s);
    }
    let known: Vec<String> = report
        .scenarios
        .iter()
        .flat_map(|s| {
            s.verdicts.iter().filter_map(move |v| {
                let reason = v.known.as_deref()?;
                let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
                Some(format!("   xfail {}{order} in {}: {} [known: {reason}]", v.rule, s.file, v.happened))
            })
        })
        .collect();
    if !known.is_empty() {
        let _ = writeln!(out, "\nknown failures (reported, not counted):");
        for k in known {
            let _ = writeln!(out, "{k}");
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
            let _ = writeln!(out, "{w}");
        }
    }
    out
}

fn explain(out: &mut String, s: &ScenarioReport) {
    let _ = writeln!(out, "\n── {} ({})", s.file, s.name);
    if let Some(error) = &s.error {
        let _ = writeln!(out, "   the harness could not run it: {error}");
        return;
    }
    let _ = writeln!(out, "   integration {}; {:.1}s real, {:.0}s virtual", s.ending, s.wall_s, s.virtual_s);
    for v in s.failures() {
        let order = v.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
        let _ = writeln!(out, "   FAIL {}{order}: {}", v.rule, v.row);
        let _ = writeln!(out, "        expected: {}", v.expected);
        let _ = writeln!(out, "        happened: {}", v.happened);
        for line in &v.evidence {
            let _ = writeln!(out, "        | {line}");
        }
    }
    for o in &s.orders {
        let _ = writeln!(
            out,
            "   {} ({} on {}, {}): events [{}]; ledger [{}]",
            o.id,
            o.operation,
            o.surface,
            o.reference,
            o.events.join(", "),
            o.ledger.join(", ")
        );
    }
    if !s.log.is_empty() {
        let shown = s.log.len().min(LOG_LINES);
        let _ = writeln!(out, "   the integration's log (last {shown} of {} lines):", s.log.len());
        for line in &s.log[s.log.len() - shown..] {
            let _ = writeln!(out, "        {line}");
        }
    }
    let _ = writeln!(out, "   reproduce: {}", s.reproduce);
}

/// `50 scenarios: 48 passed, 1 failed, 1 skipped in 24.1s`.
pub fn summary_line(report: &SuiteReport) -> String {
    let c = &report.summary;
    let mut parts = vec![format!("{} passed", c.passed), format!("{} failed", c.failed)];
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
