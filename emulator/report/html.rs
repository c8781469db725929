//! The HTML writer, [`html()`]: one self-contained page (inline CSS, no scripts, no external
//! assets) with a rule × scenario matrix and one foldable section per scenario, written with
//! `maud`, which escapes every value; text from outside goes in as `printable::Shown`.

use std::collections::HashMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::marks::{Mark, RuleResult, rule_results};
use super::model::{OrderSummary, ScenarioReport, ScenarioStatus, SuiteReport, VerdictReport};
use super::transcript::TranscriptLine;
use crate::judge::rules::Rule;
use crate::printable::Shown;

/// Plain, light-only styling: the colours back up the cell text, they never replace it.
const STYLE: &str = "
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:100rem;padding:1rem;color:#1f2328;background:#fff}
code,pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem;margin:.3rem 0}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:.5rem 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
ul.counts{list-style:none;padding:0;display:flex;gap:1.5rem;font-size:1.1rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse}
.matrix th,.matrix td{border:1px solid #d0d7de;padding:.1rem .25rem;text-align:center;font-size:11px}
.matrix thead th.rule{vertical-align:bottom}
.matrix thead th.rule span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-family:ui-monospace,monospace}
.matrix tbody th{text-align:left;font-weight:normal;white-space:nowrap;max-width:22rem;overflow:hidden;text-overflow:ellipsis;font-size:13px}
.matrix td a{color:inherit}
.FAIL,.failed,.error{background:#cf222e;color:#fff;font-weight:700}
.INC,.inconclusive{background:#bc4c00;color:#fff;font-weight:700}
.warn{background:#fff8c5}
.pass,.passed{color:#116329}
.ne,.na,.skip,.skipped,.none{color:#59636e}
.badge{padding:0 .4rem;border-radius:.3rem}
section.scenario{border-top:2px solid #d0d7de;margin-top:1.5rem}
article.verdict{border-left:4px solid #d0d7de;padding-left:.8rem;margin:.8rem 0}
article.verdict.FAIL{border-color:#cf222e;background:none;color:inherit;font-weight:normal}
article.verdict.warn{border-color:#d4a72c;background:none}
article.verdict.INC{border-color:#bc4c00;background:none;color:inherit;font-weight:normal}
table.orders th,table.orders td{border:1px solid #d0d7de;padding:.1rem .4rem;text-align:left}
table.orders caption{text-align:left;font-weight:600}
table.transcript td{border-top:1px solid #eaeef2;padding:.05rem .4rem;vertical-align:top;font:12px/1.35 ui-monospace,monospace}
table.transcript td:last-child{white-space:pre-wrap;overflow-wrap:anywhere}
summary{cursor:pointer}
";

/// The report as one HTML page.
pub fn html(report: &SuiteReport) -> String {
    let results: Vec<Vec<RuleResult<'_>>> = report.scenarios.iter().map(rule_results).collect();
    let name = report.integration.name.as_deref().unwrap_or("integration");
    let s = &report.summary;
    // Newlines between blocks keep the file readable in an editor; they do not change the page.
    let page = html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title {
                    "payterm report: " (Shown(name)) " — " (s.failed) " failed, " (s.passed) " passed of " (s.total)
                }
                style { (PreEscaped(STYLE)) }
            }
            "\n"
            body {
                "\n" (header(report)) "\n"
                main {
                    "\n" (summary(report)) "\n" (matrix(report, &results)) "\n"
                    @for (i, (s, rules)) in report.scenarios.iter().zip(&results).enumerate() {
                        (scenario(i, s, rules)) "\n"
                    }
                }
                "\n"
            }
            "\n"
        }
        "\n"
    };
    page.into_string()
}

/// Seconds with millisecond precision.
fn secs(s: f64) -> String {
    format!("{s:.3} s")
}

fn header(report: &SuiteReport) -> Markup {
    let i = &report.integration;
    let mut who = i.name.clone().unwrap_or_else(|| "(unnamed)".to_owned());
    if let Some(v) = &i.version {
        who.push(' ');
        who.push_str(v);
    }
    html! {
        header {
            h1 { "payterm conformance report" }
            dl class="facts" {
                dt { "Integration" } dd { (Shown(&who)) }
                @if let Some(c) = &i.command { dt { "Command" } dd { code { (Shown(c)) } } }
                @if let Some(u) = &i.service { dt { "Service" } dd { code { (Shown(u)) } } }
                dt { "payterm" } dd { (Shown(&report.payterm_version)) }
                dt { "Time scale" } dd { (report.time_scale) " real seconds per virtual second" }
                dt { "Wall time" } dd { (secs(report.wall_s)) }
            }
        }
    }
}

fn summary(report: &SuiteReport) -> Markup {
    let s = &report.summary;
    let (verdict, class) = if s.failed + s.errors > 0 {
        ("FAILED", "failed")
    } else if s.inconclusive > 0 {
        ("INCONCLUSIVE", "inconclusive")
    } else {
        ("PASSED", "passed")
    };
    html! {
        section aria-labelledby="summary" {
            h2 id="summary" { "Summary: " span class={ "badge " (class) } { (verdict) } }
            ul class="counts" {
                li { (s.total) " scenarios" }
                li class="passed" { (s.passed) " passed" }
                li { (s.failed) " failed" }
                li { (s.inconclusive) " inconclusive" }
                li { (s.skipped) " skipped" }
                li { (s.errors) " errors" }
            }
        }
        @if let Some(signal) = &report.interrupted {
            p { strong { "Interrupted by " (Shown(signal)) } ": scenarios that had not finished are marked skipped." }
        }
    }
}

/// Rows are scenarios, columns the rules any scenario touched, grouped by spec section.
fn matrix(report: &SuiteReport, results: &[Vec<RuleResult<'_>>]) -> Markup {
    let rules = report.rules();
    // Consecutive rules of one area share a column group (the table lists areas together).
    let mut areas: Vec<(&'static str, usize)> = Vec::new();
    for r in &rules {
        match areas.last_mut() {
            Some((title, n)) if *title == r.area.title() => *n += 1,
            _ => areas.push((r.area.title(), 1)),
        }
    }
    html! {
        section aria-labelledby="matrix" {
            h2 id="matrix" { "Rules by scenario" }
            @if rules.is_empty() {
                p { "No scenario targets a rule or has a verdict." }
            } @else {
                div class="wrap" { table class="matrix" {
                    caption {
                        "Each cell: " b { "pass" } ", " b { "FAIL" } ", " b { "warn" } " (allowed but discouraged), "
                        b { "INC" } " (targeted but not exercised: inconclusive), " b { "n/e" }
                        " (not exercised, not targeted), " b { "–" } " (no verdict), " b { "skip" } " or " b { "err" }
                        " (scenario not run), blank (not concerned). Hover a column for its rule."
                    }
                    col;
                    @for (_, n) in &areas { colgroup span=(n) {} }
                    thead {
                        tr {
                            td {}
                            @for (title, n) in &areas { th scope="colgroup" colspan=(n) { (Shown(title)) } }
                        }
                        tr {
                            th scope="col" { "Scenario" }
                            @for r in &rules {
                                th scope="col" class="rule" title={ (Shown(r.id)) " — " (Shown(r.row)) } {
                                    span { (Shown(r.id)) }
                                }
                            }
                        }
                    }
                    tbody {
                        @for (i, (s, results)) in report.scenarios.iter().zip(results).enumerate() {
                            @let status = s.status.word();
                            @let by_id: HashMap<&str, (usize, &RuleResult<'_>)> =
                                results.iter().enumerate().map(|(k, r)| (r.id, (k, r))).collect();
                            tr {
                                th scope="row" title=(Shown(&s.name)) {
                                    a href={ "#s" (i) } { (Shown(&s.file)) }
                                    " " span class={ "badge " (status) } { (status) }
                                }
                                @for rule in &rules { (cell(i, s, rule, by_id.get(rule.id).copied())) }
                            }
                            "\n"
                        }
                    }
                } }
            }
        }
    }
}

/// One matrix cell; a failed or warned one links to its explanation.
fn cell(i: usize, s: &ScenarioReport, rule: &Rule, result: Option<(usize, &RuleResult<'_>)>) -> Markup {
    let Some((k, r)) = result else {
        return html! { td {} };
    };
    let mark = r.mark();
    let (class, text) = match (mark, s.status) {
        (Mark::None, ScenarioStatus::Skipped) => ("skip", "skip"),
        (Mark::None, ScenarioStatus::Error) => ("error", "err"),
        (Mark::None, _) => ("none", "–"),
        (Mark::NotExercised, _) => ("ne", mark.short()),
        (Mark::NotApplicable, _) => ("na", mark.short()),
        _ => (mark.short(), mark.short()),
    };
    let orders: Vec<&str> =
        r.verdicts.iter().filter(|v| v.verdict == "fail").filter_map(|v| v.order.as_deref()).collect();
    let detail = if orders.is_empty() { String::new() } else { format!(" for {}", orders.join(", ")) };
    html! {
        td class=(class) title={ (Shown(rule.id)) ": " (text) (Shown(&detail)) } {
            @if matches!(mark, Mark::Fail | Mark::Warn | Mark::Inconclusive) {
                a href={ "#s" (i) "-v" (k) } { (text) }
            } @else {
                (text)
            }
        }
    }
}

/// One scenario's section: facts always shown, the rest folded (open when it failed).
fn scenario(i: usize, s: &ScenarioReport, results: &[RuleResult<'_>]) -> Markup {
    let status = s.status.word();
    // A scenario not run has nothing to fold: its facts already say why.
    let folded = !(matches!(s.status, ScenarioStatus::Skipped | ScenarioStatus::Error) && s.log.is_empty());
    let open = matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Inconclusive);
    let count = |m: Mark| results.iter().filter(|r| r.mark() == m).count();
    let listed = |m: Mark| results.iter().filter(|r| r.mark() == m).map(|r| r.id).collect::<Vec<_>>().join(", ");
    let lists = [
        ("Passed", Mark::Pass),
        ("Not applicable (the spec let it finish first)", Mark::NotApplicable),
        ("Not exercised", Mark::NotExercised),
    ]
    .map(|(label, m)| (label, listed(m)));
    html! {
        section class="scenario" id={ "s" (i) } aria-labelledby={ "s" (i) "-h" } {
            "\n"
            h2 id={ "s" (i) "-h" } { span class={ "badge " (status) } { (status.to_uppercase()) } " " (Shown(&s.file)) }
            dl class="facts" {
                dt { "Scenario" } dd { (Shown(&s.name)) }
                @if let Some(why) = &s.skipped { dt { "Skipped because" } dd { (Shown(why)) } }
                @if let Some(why) = &s.error { dt { "Error" } dd { (Shown(why)) } }
                dt { "Integration ended" } dd { (Shown(&s.ending)) }
                dt { "Seed" } dd { (s.seed) }
                dt { "Time" } dd { (secs(s.wall_s)) " real, " (secs(s.virtual_s)) " virtual" }
                @if !s.targets.is_empty() { dt { "Targets" } dd { (Shown(&s.targets.join(", "))) } }
            }
            "\n"
            @if !s.reproduce.is_empty() {
                p { "Reproduce:" } pre { code { (Shown(&s.reproduce)) } }
            }
            @if folded {
                details open[open] {
                    summary {
                        "Verdicts (" (count(Mark::Fail)) " failed, " (count(Mark::Inconclusive)) " inconclusive, "
                        (count(Mark::Warn)) " warned, " (count(Mark::Pass)) " passed, " (count(Mark::NotExercised))
                        " not exercised), log and transcript"
                    }
                    "\n"
                    (orders(&s.orders))
                    @for (k, r) in results.iter().enumerate() {
                        @if matches!(r.mark(), Mark::Fail | Mark::Warn | Mark::Inconclusive) { (explain(i, k, r)) "\n" }
                    }
                    @for (label, ids) in &lists {
                        @if !ids.is_empty() { p { (label) ": " (Shown(ids)) "." } }
                    }
                    @if !s.not_judged.is_empty() {
                        p { "Targeted, but this payterm gives no verdict: " (Shown(&s.not_judged.join(", "))) "." }
                    }
                    (log(&s.log)) "\n"
                    (super::diagram::figure(s))
                    (transcript(&s.transcript))
                }
            }
        }
    }
}

/// A failed or warned rule: its spec row, and for each order that failed or warned it what
/// was expected, what happened and the lines that prove it.
fn explain(i: usize, k: usize, r: &RuleResult<'_>) -> Markup {
    let mark = r.mark();
    let row = r.verdicts.first().map(|v| v.row.as_str()).or(r.unexercised.map(|u| u.row.as_str())).unwrap_or("");
    let shown = |v: &&&VerdictReport| v.verdict == "fail" || v.verdict == "warn";
    html! {
        article class={ "verdict " (mark.short()) } id={ "s" (i) "-v" (k) } {
            h3 { span class={ "badge " (mark.short()) } { (mark.short()) } " " (Shown(r.id)) }
            @if !row.is_empty() { p { "Spec row: " q { (Shown(row)) } } }
            @if let (Mark::Inconclusive, Some(u)) = (mark, r.unexercised) {
                p { "Targeted, but the run never exercised it, so it proves nothing about it:" }
                ul { @for never in &u.never { li { (Shown(never)) } } }
            }
            @for v in r.verdicts.iter().filter(shown) {
                dl class="facts" {
                    @if let Some(order) = &v.order { dt { "Order" } dd { (Shown(order)) " (" (Shown(&v.verdict)) ")" } }
                    dt { "Expected" } dd { (Shown(&v.expected)) }
                    dt { "Happened" } dd { (Shown(&v.happened)) }
                }
                @if !v.evidence.is_empty() {
                    p { "Evidence:" }
                    pre { @for line in &v.evidence { (Shown(line)) "\n" } }
                }
            }
        }
    }
}

/// Each order at a glance: what the integration reported beside what the ledger holds.
fn orders(orders: &[OrderSummary]) -> Markup {
    html! {
        @if !orders.is_empty() {
            div class="wrap" { table class="orders" {
                caption { "Orders" }
                thead { tr {
                    th scope="col" { "Order" } th scope="col" { "Operation" } th scope="col" { "Surface" }
                    th scope="col" { "Reference" } th scope="col" { "Events reported" } th scope="col" { "Ledger" }
                } }
                tbody {
                    @for o in orders {
                        tr {
                            th scope="row" { (Shown(&o.id)) }
                            td { (Shown(&o.operation)) } td { (Shown(&o.surface)) } td { (Shown(&o.reference)) }
                            td { (Shown(&none_if_empty(&o.events))) } td { (Shown(&none_if_empty(&o.ledger))) }
                        }
                        "\n"
                    }
                }
            } }
            "\n"
        }
    }
}

fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn log(log: &[String]) -> Markup {
    html! {
        @if log.is_empty() {
            p { "The integration logged nothing." }
        } @else {
            details {
                summary { "The integration's log (" (log.len()) " lines)" }
                pre { @for line in log { (Shown(line)) "\n" } }
            }
        }
    }
}

/// One row per line; request and answer bodies fold inside their row.
fn transcript(lines: &[TranscriptLine]) -> Markup {
    html! {
        @if !lines.is_empty() {
            details {
                summary { "Transcript (" (lines.len()) " lines)" }
                div class="wrap" { table class="transcript" {
                    thead { tr {
                        th scope="col" { "Offset (s)" } th scope="col" { "Kind" } th scope="col" { "Surface" }
                        th scope="col" { "Text" }
                    } }
                    "\n"
                    tbody {
                        @for l in lines {
                            // Integer arithmetic: exact for any offset, negative ones included.
                            @let sign = if l.offset_ms < 0 { "-" } else { "+" };
                            @let ms = l.offset_ms.unsigned_abs();
                            tr {
                                td { (sign) (ms / 1000) "." (format!("{:03}", ms % 1000)) }
                                td { (Shown(&l.kind)) }
                                td { (Shown(l.surface.as_deref().unwrap_or(""))) }
                                td {
                                    (Shown(&l.text))
                                    @if l.request.is_some() || l.response.is_some() {
                                        details {
                                            summary { "bodies" }
                                            @for (label, body) in [("request", &l.request), ("answer", &l.response)] {
                                                @if let Some(body) = body { (label) ":" pre { (Shown(body)) } }
                                            }
                                        }
                                    }
                                }
                            }
                            "\n"
                        }
                    }
                } }
            }
            "\n"
        }
    }
}
