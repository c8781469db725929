//! The JUnit XML writer, [`junit`]: one `<testsuite>` per scenario and one `<testcase>` per
//! scenario × rule, for CI systems that draw test results. `quick-junit` writes the XML; what
//! it is given is first spelled by the one escaping policy (`xml`).

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::marks::{Mark, RuleResult, rule_results};
use super::model::{ScenarioReport, ScenarioStatus, SuiteReport, Unexercised, VerdictReport};

/// How many of the integration's last log lines a failure message carries.
const LOG_TAIL: usize = 20;

/// What the `file` attribute of a built-in scenario's testcases starts with: the embedded
/// suite, not a path in the repository.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// The report as a JUnit XML document (UTF-8, XML 1.0).
pub fn junit(report: &SuiteReport) -> String {
    let name = match &report.integration.name {
        Some(n) => format!("payterm: {n}"),
        None => "payterm".to_owned(),
    };
    let mut out = Report::new(xml(&name));
    out.set_time(duration(report.wall_s));
    // First, so that a CI system listing suites in order shows the interruption on top.
    if let Some(signal) = report.interrupted.as_deref() {
        out.add_test_suite(interrupted_suite(report, signal));
    }
    out.add_test_suites(report.scenarios.iter().map(suite));
    // Written into memory, so there is no I/O to fail, and every string is an `XmlString`.
    out.to_string().expect("a JUnit report serialises into memory")
}

/// `text` as the XML writer gets it: first spelled by the escaping policy
/// (`printable::markup_text`: controls and bidi marks made visible); then carriage returns
/// become the newlines an XML reader made of them and tabs become spaces, because
/// `quick_junit::XmlString` drops every control but the newline, and a dropped tab would run
/// two words together. `quick-junit` escapes `<`, `&` and quotes itself.
fn xml(text: &str) -> String {
    let shown = crate::printable::markup_text(text);
    shown.replace("\r\n", "\n").replace('\r', "\n").replace('\t', " ")
}

/// Seconds as a `Duration`; a figure that is not one (never expected) becomes 0, so CI
/// parsers that read `time` as a number do not reject the whole file.
fn duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or_default()
}

/// One scenario's `<testsuite>`: its facts as properties, a testcase per rule, its whole log.
fn suite(s: &ScenarioReport) -> TestSuite {
    let mut suite = TestSuite::new(xml(&s.file));
    suite.set_time(duration(s.wall_s));
    let status = s.status.word();
    // A built-in scenario is no file of the repository CI runs in: `file` says where it lives.
    let file = if s.builtin { format!("{BUILTIN_PREFIX}{}", s.file) } else { s.file.clone() };
    let mut props = vec![
        ("scenario", s.name.clone()),
        ("status", status.to_owned()),
        ("seed", s.seed.to_string()),
        ("virtual_s", format!("{:.3}", duration(s.virtual_s).as_secs_f64())),
        ("ending", s.ending.clone()),
    ];
    if !s.reproduce.is_empty() {
        props.push(("reproduce", s.reproduce.clone()));
    }
    if s.builtin {
        let source = format!(
            "built into payterm {}, not a file in this repository (print it: payterm scenario show {})",
            env!("CARGO_PKG_VERSION"),
            s.file
        );
        props.push(("source", source));
    }
    for (name, value) in props {
        suite.add_property(Property::new(name, xml(&value)));
    }
    for (name, status, notes) in cases(s) {
        let mut case = TestCase::new(xml(&name), status);
        case.set_classname(xml(&s.file));
        case.extra.insert("file".into(), xml(&file).into());
        if !notes.is_empty() {
            case.set_system_out(xml(&notes));
        }
        suite.add_test_case(case);
    }
    if !s.log.is_empty() {
        // The whole log once per suite; failures carry only its tail.
        let log: String = s.log.iter().flat_map(|line| [line.as_str(), "\n"]).collect();
        suite.set_system_err(xml(&log));
    }
    suite
}

/// A `<failure>` or `<error>` with its message, type and body.
fn non_success(kind: NonSuccessKind, ty: &str, message: &str, body: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(xml(message)).set_type(ty).set_description(xml(body));
    status
}

/// A `<skipped>` that says why.
fn skipped(message: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    status.set_message(xml(message));
    status
}

/// The testcases of one scenario, as (name, status, notes): a rule in a scenario, or the
/// scenario itself when it targets none or could not run.
fn cases(s: &ScenarioReport) -> Vec<(String, TestCaseStatus, String)> {
    let case = |name: &str, status| (name.to_owned(), status, String::new());
    match s.status {
        ScenarioStatus::Skipped => {
            let message = s.skipped.as_deref().unwrap_or("skipped");
            if s.targets.is_empty() {
                vec![case("scenario", skipped(message))]
            } else {
                s.targets.iter().map(|t| case(t, skipped(message))).collect()
            }
        }
        ScenarioStatus::Error => {
            let message = s.error.as_deref().unwrap_or("the harness could not run it");
            vec![case("scenario", non_success(NonSuccessKind::Error, "error", message, message))]
        }
        ScenarioStatus::Passed | ScenarioStatus::Failed | ScenarioStatus::Inconclusive => {
            rule_results(s).iter().map(|r| judged_case(s, r)).collect()
        }
    }
}

/// The testcase of one judged rule: failed if any order failed it (`type="fail"`), or if the
/// scenario targets it and the run never exercised it (`type="inconclusive"`: CI must not read
/// that as a pass); skipped, saying why, if a known failure, not applicable or not exercised;
/// passed otherwise, a warning's note in `<system-out>`.
fn judged_case(s: &ScenarioReport, r: &RuleResult<'_>) -> (String, TestCaseStatus, String) {
    let mut notes = String::new();
    for v in r.verdicts.iter().filter(|v| v.verdict == "warn" || v.verdict == "not_exercised") {
        let _ = writeln!(notes, "{}{}: {}", v.verdict, for_order(v), v.happened);
        let _ = writeln!(notes, "  expected: {}", v.expected);
        for line in &v.evidence {
            let _ = writeln!(notes, "  | {line}");
        }
    }
    let status = match r.mark() {
        Mark::Fail => {
            let failed: Vec<&VerdictReport> = r.verdicts.iter().copied().filter(|v| v.failed()).collect();
            let first = failed.first().map_or("", |v| v.happened.as_str());
            let orders = orders(&failed);
            let message = if orders.is_empty() {
                format!("{} failed: {first}", r.id)
            } else {
                format!("{} failed for {orders}: {first}", r.id)
            };
            non_success(NonSuccessKind::Failure, "fail", &message, &failure_body(s, &failed))
        }
        Mark::Inconclusive => {
            let never = r.unexercised.map_or_else(String::new, |u| u.never.join("; "));
            let message = format!("{} inconclusive: targeted, but not exercised: {never}", r.id);
            non_success(NonSuccessKind::Failure, "inconclusive", &message, &inconclusive_body(s, r.unexercised))
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
            skipped(&format!("expected failure ({why}): {happened}"))
        }
        Mark::Warn | Mark::Pass => TestCaseStatus::success(),
        Mark::NotApplicable => {
            let why = r.verdicts.iter().find(|v| v.verdict == "not_applicable").map_or("", |v| v.happened.as_str());
            skipped(&format!("not applicable: {why}"))
        }
        Mark::NotExercised => {
            let first = r.verdicts.first().map_or("", |v| v.happened.as_str());
            skipped(&format!("not exercised: {first}"))
        }
        Mark::None if s.not_judged.iter().any(|n| n == r.id) => {
            skipped("targeted, but this payterm gives no verdict for this rule")
        }
        Mark::None => skipped("targeted, but no verdict was given"),
    };
    // A skipped case already says why in its message; the notes would repeat it.
    if matches!(status, TestCaseStatus::Skipped { .. }) {
        notes.clear();
    }
    (r.id.to_owned(), status, notes)
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

/// The suite of the run itself, holding one testcase in error that says a signal cut the run
/// short, so that a CI system reading only the totals does not take an interrupted run (its
/// unfinished scenarios skipped) for a clean one.
fn interrupted_suite(report: &SuiteReport, signal: &str) -> TestSuite {
    let finished = report.scenarios.iter().filter(|s| s.status != ScenarioStatus::Skipped).count();
    let message = format!(
        "interrupted by {signal}: {finished} of {} scenario(s) finished; the others are reported skipped, not run",
        report.scenarios.len()
    );
    let mut case = TestCase::new("interrupted", non_success(NonSuccessKind::Error, "interrupted", &message, &message));
    case.set_classname("payterm run");
    let mut suite = TestSuite::new("payterm run");
    suite.set_time(Duration::ZERO);
    suite.add_test_case(case);
    suite
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_spelled_by_the_policy_before_quick_junit_sees_it() {
        // The policy's spellings survive `XmlString`, which would strip raw controls silently.
        let text = "a\u{1b}[31mb\u{0}\u{202e}\u{fffe}<]]>&";
        let written = quick_junit::XmlString::new(xml(text));
        assert_eq!(written.as_str(), "a\u{241b}[31mb\u{2400}\\u{202e}\\u{fffe}<]]>&");
    }

    #[test]
    fn tabs_and_carriage_returns_keep_their_meaning() {
        assert_eq!(quick_junit::XmlString::new(xml("a\tb\r\nc\rd\n")).as_str(), "a b\nc\nd\n");
    }
}
