//! The JUnit XML writer, [`junit`]: one `<testsuite>` per scenario and one `<testcase>` per
//! scenario × rule, for CI systems that draw test results. It also holds `RuleResult`, the
//! fold of one rule's verdicts in one scenario that the HTML writer's matrix shares.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::model::{ScenarioReport, ScenarioStatus, SuiteReport, Unexercised, VerdictReport};
use crate::judge::rules::RULES;

/// How many of the integration's last log lines a failure message carries.
const LOG_TAIL: usize = 20;

/// What the `file` attribute of a built-in scenario's testcases starts with: the embedded
/// suite, not a path in the repository.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// The report as a JUnit XML document (UTF-8, XML 1.0).
pub fn junit(report: &SuiteReport) -> String {
    let suites: Vec<(&ScenarioReport, Vec<Case>)> = report.scenarios.iter().map(|s| (s, cases(s))).collect();
    let stopped = report.interrupted.as_deref().map(|signal| interruption(report, signal));
    let all = suites.iter().flat_map(|(_, cases)| cases).chain(&stopped);
    let totals = Totals::of(all);
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let name = match &report.integration.name {
        Some(n) => format!("payterm: {n}"),
        None => "payterm".to_owned(),
    };
    open(&mut out, 0, "testsuites", &[("name", &name)], &totals, report.wall_s);
    if let Some(case) = &stopped {
        interrupted_suite(&mut out, case);
    }
    for (scenario, cases) in &suites {
        suite(&mut out, scenario, cases);
    }
    out.push_str("</testsuites>\n");
    out
}

/// One testcase: a rule in a scenario, or the scenario itself when it targets none.
struct Case {
    name: String,
    outcome: Outcome,
    /// Notes for a case that passed anyway (warnings, orders that did not exercise it).
    notes: String,
}

enum Outcome {
    Passed,
    /// `kind` is the `type` attribute: `fail`, or `inconclusive` for a targeted rule the run
    /// never exercised (CI must not read that as a pass).
    Failed {
        message: String,
        body: String,
        kind: &'static str,
    },
    Skipped {
        message: String,
    },
    Error {
        message: String,
    },
}

#[derive(Default)]
struct Totals {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Totals {
    fn of<'a>(cases: impl IntoIterator<Item = &'a Case>) -> Self {
        let mut t = Totals::default();
        for case in cases {
            t.tests += 1;
            match case.outcome {
                Outcome::Passed => {}
                Outcome::Failed { .. } => t.failures += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
                Outcome::Error { .. } => t.errors += 1,
            }
        }
        t
    }
}

/// The testcases of one scenario.
fn cases(s: &ScenarioReport) -> Vec<Case> {
    let case = |name: &str, outcome| Case { name: name.to_owned(), outcome, notes: String::new() };
    match s.status {
        ScenarioStatus::Skipped => {
            let message = s.skipped.clone().unwrap_or_else(|| "skipped".to_owned());
            let skip = || Outcome::Skipped { message: message.clone() };
            if s.targets.is_empty() {
                vec![case("scenario", skip())]
            } else {
                s.targets.iter().map(|t| case(t, skip())).collect()
            }
        }
        ScenarioStatus::Error => {
            let message = s.error.clone().unwrap_or_else(|| "the harness could not run it".to_owned());
            vec![case("scenario", Outcome::Error { message })]
        }
        ScenarioStatus::Passed | ScenarioStatus::Failed | ScenarioStatus::Inconclusive => {
            rule_results(s).iter().map(|r| judged_case(s, r)).collect()
        }
    }
}

/// The testcase of one judged rule: failed if any order failed it, skipped if none exercised it.
fn judged_case(s: &ScenarioReport, r: &RuleResult<'_>) -> Case {
    let mut notes = String::new();
    for v in r.verdicts.iter().filter(|v| v.verdict == "warn" || v.verdict == "not_exercised") {
        let _ = writeln!(notes, "{}{}: {}", v.verdict, for_order(v), v.happened);
        let _ = writeln!(notes, "  expected: {}", v.expected);
        for line in &v.evidence {
            let _ = writeln!(notes, "  | {line}");
        }
    }
    let outcome = match r.mark() {
        Mark::Fail => {
            let failed: Vec<&VerdictReport> = r.verdicts.iter().copied().filter(|v| v.failed()).collect();
            let first = failed.first().map_or("", |v| v.happened.as_str());
            let orders = orders(&failed);
            let message = if orders.is_empty() {
                format!("{} failed: {first}", r.id)
            } else {
                format!("{} failed for {orders}: {first}", r.id)
            };
            Outcome::Failed { message, body: failure_body(s, &failed), kind: "fail" }
        }
        Mark::Inconclusive => {
            let never = r.unexercised.map_or_else(String::new, |u| u.never.join("; "));
            let message = format!("{} inconclusive: targeted, but not exercised: {never}", r.id);
            Outcome::Failed { message, body: inconclusive_body(s, r.unexercised), kind: "inconclusive" }
        }
        Mark::ExpectedFail => {
            // Recorded as known: reported, but not a failure for CI.
            let (why, happened) = match r.verdicts.iter().find(|v| v.verdict == "fail") {
                Some(v) => (v.known.as_deref().unwrap_or(""), v.happened.clone()),
                None => {
                    let u = r.unexercised;
                    let never = u.map_or_else(String::new, |u| u.never.join("; "));
                    (u.and_then(|u| u.known.as_deref()).unwrap_or(""), format!("not exercised: {never}"))
                }
            };
            Outcome::Skipped { message: format!("expected failure ({why}): {happened}") }
        }
        Mark::Warn | Mark::Pass => Outcome::Passed,
        Mark::NotApplicable => {
            let why = r.verdicts.iter().find(|v| v.verdict == "not_applicable").map_or("", |v| v.happened.as_str());
            Outcome::Skipped { message: format!("not applicable: {why}") }
        }
        Mark::NotExercised => {
            let first = r.verdicts.first().map_or("", |v| v.happened.as_str());
            Outcome::Skipped { message: format!("not exercised: {first}") }
        }
        Mark::None if s.not_judged.iter().any(|n| n == r.id) => {
            Outcome::Skipped { message: "targeted, but this payterm gives no verdict for this rule".to_owned() }
        }
        Mark::None => Outcome::Skipped { message: "targeted, but no verdict was given".to_owned() },
    };
    // A skipped case already says why in its message; the notes would repeat it.
    if matches!(outcome, Outcome::Skipped { .. }) {
        notes.clear();
    }
    Case { name: r.id.to_owned(), outcome, notes }
}

/// ` for order o1`, or nothing for a verdict on the whole scenario.
fn for_order(v: &VerdictReport) -> String {
    v.order.as_ref().map_or_else(String::new, |o| format!(" for order {o}"))
}

/// `order o1` or `orders o1, o2`; empty when no verdict names an order.
fn orders(verdicts: &[&VerdictReport]) -> String {
    let ids: Vec<&str> = verdicts.iter().filter_map(|v| v.order.as_deref()).collect();
    match ids.len() {
        0 => String::new(),
        1 => format!("order {}", ids[0]),
        _ => format!("orders {}", ids.join(", ")),
    }
}

/// What a person needs to act on a failure: each failed order's expectation, what happened
/// and the proof, the command that reruns it, and the end of the integration's log.
fn failure_body(s: &ScenarioReport, failed: &[&VerdictReport]) -> String {
    let mut body = String::new();
    if let Some(row) = failed.first().map(|v| &v.row).filter(|r| !r.is_empty()) {
        let _ = writeln!(body, "spec row: {row}");
    }
    for v in failed {
        let _ = writeln!(body, "\nFAIL{}", for_order(v));
        let _ = writeln!(body, "  expected: {}", v.expected);
        let _ = writeln!(body, "  happened: {}", v.happened);
        if let Some(o) = s.orders.iter().find(|o| v.order.as_ref() == Some(&o.id)) {
            let _ = writeln!(body, "  order: {} on {}, reference {}", o.operation, o.surface, o.reference);
            let _ = writeln!(body, "    events reported: {}", list_or_none(&o.events));
            let _ = writeln!(body, "    ledger: {}", list_or_none(&o.ledger));
        }
        if !v.evidence.is_empty() {
            let _ = writeln!(body, "  evidence:");
            for line in &v.evidence {
                let _ = writeln!(body, "    | {line}");
            }
        }
    }
    if !s.reproduce.is_empty() {
        let _ = writeln!(body, "\nreproduce: {}", s.reproduce);
    }
    let _ = writeln!(body, "integration ended: {}", s.ending);
    let tail = s.log.len().saturating_sub(LOG_TAIL);
    match tail {
        _ if s.log.is_empty() => body.push_str("\nthe integration logged nothing\n"),
        0 => body.push_str("\nthe integration's log:\n"),
        _ => {
            let _ = writeln!(body, "\nthe integration's log (last {LOG_TAIL} of {} lines):", s.log.len());
        }
    }
    for line in &s.log[tail..] {
        let _ = writeln!(body, "  {line}");
    }
    body
}

/// What a person needs to act on an inconclusive rule: what the scenario targets, what the
/// integration never did, the command that reruns it, and the end of its log.
fn inconclusive_body(s: &ScenarioReport, u: Option<&Unexercised>) -> String {
    let mut body = String::new();
    if let Some(u) = u {
        if !u.row.is_empty() {
            let _ = writeln!(body, "spec row: {}", u.row);
        }
        let _ = writeln!(body, "\nthe scenario targets {}, but the run never exercised it:", u.rule);
        for never in &u.never {
            let _ = writeln!(body, "  {never}");
        }
        let _ = writeln!(body, "a run that did not exercise a rule proves nothing about it");
    }
    if !s.reproduce.is_empty() {
        let _ = writeln!(body, "\nreproduce: {}", s.reproduce);
    }
    let _ = writeln!(body, "integration ended: {}", s.ending);
    for line in &s.log[s.log.len().saturating_sub(LOG_TAIL)..] {
        let _ = writeln!(body, "  {line}");
    }
    body
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

/// Writes one scenario's `<testsuite>`.
fn suite(out: &mut String, s: &ScenarioReport, cases: &[Case]) {
    let totals = Totals::of(cases);
    open(out, 1, "testsuite", &[("name", &s.file)], &totals, s.wall_s);
    out.push_str("    <properties>\n");
    let status = s.status.word();
    // A built-in scenario is no file of the repository CI runs in: `file` says where it lives.
    let (file, source) = if s.builtin {
        (
            format!("{BUILTIN_PREFIX}{}", s.file),
            format!(
                "built into payterm {}, not a file in this repository (print it: payterm scenario show {})",
                env!("CARGO_PKG_VERSION"),
                s.file
            ),
        )
    } else {
        (s.file.clone(), String::new())
    };
    let seed = s.seed.to_string();
    let virtual_s = seconds(s.virtual_s);
    let mut props = vec![
        ("scenario", s.name.as_str()),
        ("status", status),
        ("seed", &seed),
        ("virtual_s", &virtual_s),
        ("ending", &s.ending),
    ];
    if !s.reproduce.is_empty() {
        props.push(("reproduce", &s.reproduce));
    }
    if !source.is_empty() {
        props.push(("source", &source));
    }
    for (name, value) in props {
        out.push_str("      <property");
        attr(out, "name", name);
        attr(out, "value", value);
        out.push_str("/>\n");
    }
    out.push_str("    </properties>\n");
    for case in cases {
        out.push_str("    <testcase");
        attr(out, "classname", &s.file);
        attr(out, "name", &case.name);
        attr(out, "file", &file);
        if matches!(case.outcome, Outcome::Passed) && case.notes.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        match &case.outcome {
            Outcome::Passed => {}
            Outcome::Failed { message, body, kind } => element(out, "failure", message, kind, body),
            Outcome::Skipped { message } => {
                out.push_str("      <skipped");
                attr(out, "message", message);
                out.push_str("/>\n");
            }
            Outcome::Error { message } => element(out, "error", message, "error", message),
        }
        if !case.notes.is_empty() {
            out.push_str("      <system-out>");
            text(out, &case.notes);
            out.push_str("</system-out>\n");
        }
        out.push_str("    </testcase>\n");
    }
    if !s.log.is_empty() {
        // The whole log once per suite; failures carry only its tail.
        out.push_str("    <system-err>");
        for line in &s.log {
            text(out, line);
            out.push('\n');
        }
        out.push_str("</system-err>\n");
    }
    out.push_str("  </testsuite>\n");
}

/// The testcase that says a signal cut the run short: an error, so that a CI system reading
/// only the totals does not take an interrupted run (its unfinished scenarios skipped) for a
/// clean one.
fn interruption(report: &SuiteReport, signal: &str) -> Case {
    let finished = report.scenarios.iter().filter(|s| s.status != ScenarioStatus::Skipped).count();
    let message = format!(
        "interrupted by {signal}: {finished} of {} scenario(s) finished; the others are reported skipped, not run",
        report.scenarios.len()
    );
    Case { name: "interrupted".to_owned(), outcome: Outcome::Error { message }, notes: String::new() }
}

/// The suite of the run itself, holding [`interruption`]'s testcase.
fn interrupted_suite(out: &mut String, case: &Case) {
    open(out, 1, "testsuite", &[("name", "payterm run")], &Totals::of([case]), 0.0);
    out.push_str("    <testcase classname=\"payterm run\"");
    attr(out, "name", &case.name);
    out.push_str(">\n");
    if let Outcome::Error { message } = &case.outcome {
        element(out, "error", message, "interrupted", message);
    }
    out.push_str("    </testcase>\n  </testsuite>\n");
}

/// `<testsuites …>` or `<testsuite …>` with its counts.
fn open(out: &mut String, depth: usize, tag: &str, attrs: &[(&str, &str)], t: &Totals, time: f64) {
    out.push_str(&"  ".repeat(depth));
    out.push('<');
    out.push_str(tag);
    for (name, value) in attrs {
        attr(out, name, value);
    }
    let _ = writeln!(
        out,
        " tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        t.tests,
        t.failures,
        t.errors,
        t.skipped,
        seconds(time)
    );
}

/// `<failure message="…" type="…">body</failure>` (or `<error …>`).
fn element(out: &mut String, tag: &str, message: &str, kind: &str, body: &str) {
    let _ = write!(out, "      <{tag}");
    attr(out, "message", message);
    attr(out, "type", kind);
    out.push('>');
    text(out, body);
    let _ = writeln!(out, "</{tag}>");
}

/// Seconds with millisecond precision; a non-finite figure (never expected) becomes 0 so CI
/// parsers that read `time` as a number do not reject the whole file.
fn seconds(s: f64) -> String {
    if s.is_finite() { format!("{s:.3}") } else { "0.000".to_owned() }
}

/// Writes ` name="value"`, escaped for a double-quoted attribute.
fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            // Written as references, or attribute-value normalisation turns them into spaces.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '"' => out.push_str("&quot;"),
            _ => escape_char(out, c),
        }
    }
    out.push('"');
}

/// Writes `s` as element content (quotes need no escape there).
fn text(out: &mut String, s: &str) {
    for c in s.chars() {
        escape_char(out, c);
    }
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        // `>` only matters in `]]>`, but escaping it always is simpler than tracking that.
        '>' => out.push_str("&gt;"),
        _ => match crate::printable::for_markup(c) {
            Some(visible) => out.push_str(&visible),
            None => out.push(c),
        },
    }
}

/// How a rule fared in a scenario, all its verdicts folded: the worst wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Some order failed it.
    Fail,
    /// Every failure of it was expected (`--expected-failures`).
    ExpectedFail,
    /// Targeted, but no verdict exercised it: the scenario proves nothing about it.
    Inconclusive,
    /// None failed; some warned.
    Warn,
    /// Some order passed it and none failed or warned.
    Pass,
    /// The spec let the integration finish before the situation it tests arose.
    NotApplicable,
    /// No order exercised it.
    NotExercised,
    /// No verdict at all (targeted but not judged, or not run).
    None,
}

impl Mark {
    /// The cell text of the HTML matrix.
    pub(crate) fn short(self) -> &'static str {
        match self {
            Mark::Fail => "FAIL",
            Mark::ExpectedFail => "xfail",
            Mark::Inconclusive => "INC",
            Mark::Warn => "warn",
            Mark::Pass => "pass",
            Mark::NotApplicable => "n/a",
            Mark::NotExercised => "n/e",
            Mark::None => "",
        }
    }
}

/// One rule's verdicts in one scenario.
pub(crate) struct RuleResult<'a> {
    /// The rule's ID.
    pub(crate) id: &'a str,
    /// Its verdicts, one per order (or one for the whole scenario).
    pub(crate) verdicts: Vec<&'a VerdictReport>,
    /// Why it is inconclusive, when the scenario targets it and the run did not exercise it.
    pub(crate) unexercised: Option<&'a Unexercised>,
}

impl RuleResult<'_> {
    /// The folded outcome; a verdict string this payterm does not know counts as none.
    pub(crate) fn mark(&self) -> Mark {
        let any = |kind: &str| self.verdicts.iter().any(|v| v.verdict == kind);
        if self.verdicts.iter().any(|v| v.failed()) {
            Mark::Fail
        } else if any("fail") {
            Mark::ExpectedFail
        } else if any("warn") {
            Mark::Warn
        } else if any("pass") {
            Mark::Pass
        } else if any("not_applicable") {
            Mark::NotApplicable
        } else if let Some(u) = self.unexercised {
            if u.known.is_some() { Mark::ExpectedFail } else { Mark::Inconclusive }
        } else if any("not_exercised") {
            Mark::NotExercised
        } else {
            Mark::None
        }
    }
}

/// Every rule `s` targets or has a verdict for, in the rule table's order (rules the table
/// does not know last, in the order they appear).
pub(crate) fn rule_results(s: &ScenarioReport) -> Vec<RuleResult<'_>> {
    let mut results: Vec<RuleResult<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let ids = s.targets.iter().map(String::as_str).chain(s.verdicts.iter().map(|v| v.rule.as_str()));
    for id in ids {
        index.entry(id).or_insert_with(|| {
            let unexercised = s.unexercised.iter().find(|u| u.rule == id);
            results.push(RuleResult { id, verdicts: Vec::new(), unexercised });
            results.len() - 1
        });
    }
    for v in &s.verdicts {
        if let Some(&i) = index.get(v.rule.as_str()) {
            results[i].verdicts.push(v);
        }
    }
    let position = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
    // A stable sort, so unknown rules keep the order they appeared in.
    results.sort_by_key(|r| position(r.id));
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_controls_become_visible_and_allowed_whitespace_stays() {
        let mut out = String::new();
        text(&mut out, "a\u{1b}[31mb\u{0}\t\n\u{fffe}<]]>&");
        assert_eq!(out, "a\u{241b}[31mb\u{2400}\t\n\\u{fffe}&lt;]]&gt;&amp;");
    }

    #[test]
    fn attribute_newlines_survive_as_references() {
        let mut out = String::new();
        attr(&mut out, "message", "one\ntwo \"three\"");
        assert_eq!(out, " message=\"one&#10;two &quot;three&quot;\"");
    }
}
