//! The HTML writer, [`html`]: one self-contained page (inline CSS, no scripts, no external
//! assets) with a rule × scenario matrix and one foldable section per scenario. Everything
//! the integration produced is escaped, and the page grows linearly with the transcript.

use std::collections::HashMap;
use std::fmt::{self, Display, Write as _};

use super::marks::{Mark, RuleResult, rule_results};
use super::model::{OrderSummary, ScenarioReport, ScenarioStatus, SuiteReport, VerdictReport};
use super::transcript::TranscriptLine;
use crate::judge::rules::Rule;

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
    let transcript_lines: usize = report.scenarios.iter().map(|s| s.transcript.len()).sum();
    let mut out = String::with_capacity(16 * 1024 + transcript_lines * 200);
    let results: Vec<Vec<RuleResult<'_>>> = report.scenarios.iter().map(rule_results).collect();
    head(&mut out, report);
    header(&mut out, report);
    out.push_str("<main>\n");
    summary(&mut out, report);
    matrix(&mut out, report, &results);
    for (i, (s, rules)) in report.scenarios.iter().zip(&results).enumerate() {
        scenario(&mut out, i, s, rules);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `s` escaped for HTML text and double-quoted attributes, with the characters of
/// `printable::needs_escape` made visible (`printable::for_markup`).
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Runs of harmless characters are written whole; only the specials cost a call each.
        let mut start = 0;
        for (i, c) in self.0.char_indices() {
            let shown;
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => match crate::printable::for_markup(c) {
                    Some(visible) => {
                        shown = visible;
                        &shown
                    }
                    None => continue,
                },
            };
            f.write_str(&self.0[start..i])?;
            f.write_str(replacement)?;
            start = i + c.len_utf8();
        }
        f.write_str(&self.0[start..])
    }
}

/// Seconds with millisecond precision.
fn secs(s: f64) -> String {
    format!("{s:.3} s")
}

fn head(out: &mut String, report: &SuiteReport) {
    let name = report.integration.name.as_deref().unwrap_or("integration");
    let s = &report.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>payterm report: {} — {} failed, {} passed of {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        Esc(name),
        s.failed,
        s.passed,
        s.total
    );
}

fn header(out: &mut String, report: &SuiteReport) {
    let i = &report.integration;
    out.push_str("<header>\n<h1>payterm conformance report</h1>\n<dl class=\"facts\">\n");
    let mut who = i.name.clone().unwrap_or_else(|| "(unnamed)".to_owned());
    if let Some(v) = &i.version {
        who.push(' ');
        who.push_str(v);
    }
    let _ = writeln!(out, "<dt>Integration</dt><dd>{}</dd>", Esc(&who));
    if let Some(c) = &i.command {
        let _ = writeln!(out, "<dt>Command</dt><dd><code>{}</code></dd>", Esc(c));
    }
    if let Some(u) = &i.service {
        let _ = writeln!(out, "<dt>Service</dt><dd><code>{}</code></dd>", Esc(u));
    }
    let _ = writeln!(out, "<dt>payterm</dt><dd>{}</dd>", Esc(&report.payterm_version));
    let _ = writeln!(out, "<dt>Time scale</dt><dd>{} real seconds per virtual second</dd>", report.time_scale);
    let _ = writeln!(out, "<dt>Wall time</dt><dd>{}</dd>", secs(report.wall_s));
    out.push_str("</dl>\n</header>\n");
}

fn summary(out: &mut String, report: &SuiteReport) {
    let s = &report.summary;
    let (verdict, class) = if s.failed + s.errors > 0 {
        ("FAILED", "failed")
    } else if s.inconclusive > 0 {
        ("INCONCLUSIVE", "inconclusive")
    } else {
        ("PASSED", "passed")
    };
    let _ = write!(
        out,
        "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary: <span class=\"badge {class}\">{verdict}</span></h2>\n\
         <ul class=\"counts\"><li>{} scenarios</li><li class=\"passed\">{} passed</li><li>{} failed</li>\
         <li>{} inconclusive</li><li>{} skipped</li><li>{} errors</li></ul>\n</section>\n",
        s.total, s.passed, s.failed, s.inconclusive, s.skipped, s.errors
    );
    if let Some(signal) = &report.interrupted {
        let _ = writeln!(
            out,
            "<p><strong>Interrupted by {}</strong>: scenarios that had not finished are marked skipped.</p>",
            Esc(signal)
        );
    }
}

/// Rows are scenarios, columns the rules any scenario touched, grouped by spec section.
fn matrix(out: &mut String, report: &SuiteReport, results: &[Vec<RuleResult<'_>>]) {
    let rules = report.rules();
    out.push_str("<section aria-labelledby=\"matrix\">\n<h2 id=\"matrix\">Rules by scenario</h2>\n");
    if rules.is_empty() {
        out.push_str("<p>No scenario targets a rule or has a verdict.</p>\n</section>\n");
        return;
    }
    // Consecutive rules of one area share a column group (the table lists areas together).
    let mut areas: Vec<(&'static str, usize)> = Vec::new();
    for r in &rules {
        match areas.last_mut() {
            Some((title, n)) if *title == r.area.title() => *n += 1,
            _ => areas.push((r.area.title(), 1)),
        }
    }
    out.push_str("<div class=\"wrap\">\n<table class=\"matrix\">\n<caption>Each cell: <b>pass</b>, <b>FAIL</b>, \
        <b>warn</b> (allowed but discouraged), <b>INC</b> (targeted but not exercised: inconclusive), \
        <b>n/e</b> (not exercised, not targeted), <b>–</b> (no verdict), \
        <b>skip</b> or <b>err</b> (scenario not run), blank (not concerned). Hover a column for its rule.</caption>\n<col>");
    for (_, n) in &areas {
        let _ = write!(out, "<colgroup span=\"{n}\"></colgroup>");
    }
    out.push_str("\n<thead>\n<tr><td></td>");
    for (title, n) in &areas {
        let _ = write!(out, "<th scope=\"colgroup\" colspan=\"{n}\">{}</th>", Esc(title));
    }
    out.push_str("</tr>\n<tr><th scope=\"col\">Scenario</th>");
    for r in &rules {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"rule\" title=\"{} — {}\"><span>{}</span></th>",
            Esc(r.id),
            Esc(r.row),
            Esc(r.id)
        );
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for (i, (s, results)) in report.scenarios.iter().zip(results).enumerate() {
        let status = s.status.word();
        let _ = write!(
            out,
            "<tr><th scope=\"row\" title=\"{}\"><a href=\"#s{i}\">{}</a> <span class=\"badge {status}\">{status}</span></th>",
            Esc(&s.name),
            Esc(&s.file)
        );
        let by_id: HashMap<&str, (usize, &RuleResult<'_>)> =
            results.iter().enumerate().map(|(k, r)| (r.id, (k, r))).collect();
        for rule in &rules {
            cell(out, i, s, rule, by_id.get(rule.id).copied());
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

/// One matrix cell; a failed or warned one links to its explanation.
fn cell(out: &mut String, i: usize, s: &ScenarioReport, rule: &Rule, result: Option<(usize, &RuleResult<'_>)>) {
    let Some((k, r)) = result else {
        out.push_str("<td></td>");
        return;
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
    let _ = write!(out, "<td class=\"{class}\" title=\"{}: {text}{}\">", Esc(rule.id), Esc(&detail));
    if matches!(mark, Mark::Fail | Mark::Warn | Mark::Inconclusive) {
        let _ = write!(out, "<a href=\"#s{i}-v{k}\">{text}</a></td>");
    } else {
        out.push_str(text);
        out.push_str("</td>");
    }
}

/// One scenario's section: facts always shown, the rest folded (open when it failed).
fn scenario(out: &mut String, i: usize, s: &ScenarioReport, results: &[RuleResult<'_>]) {
    let status = s.status.word();
    let _ = write!(
        out,
        "<section class=\"scenario\" id=\"s{i}\" aria-labelledby=\"s{i}-h\">\n<h2 id=\"s{i}-h\">\
         <span class=\"badge {status}\">{}</span> {}</h2>\n<dl class=\"facts\">\n<dt>Scenario</dt><dd>{}</dd>\n",
        status.to_uppercase(),
        Esc(&s.file),
        Esc(&s.name)
    );
    if let Some(why) = &s.skipped {
        let _ = writeln!(out, "<dt>Skipped because</dt><dd>{}</dd>", Esc(why));
    }
    if let Some(why) = &s.error {
        let _ = writeln!(out, "<dt>Error</dt><dd>{}</dd>", Esc(why));
    }
    let _ = writeln!(out, "<dt>Integration ended</dt><dd>{}</dd>", Esc(&s.ending));
    let _ = writeln!(out, "<dt>Seed</dt><dd>{}</dd>", s.seed);
    let _ = writeln!(out, "<dt>Time</dt><dd>{} real, {} virtual</dd>", secs(s.wall_s), secs(s.virtual_s));
    if !s.targets.is_empty() {
        let _ = writeln!(out, "<dt>Targets</dt><dd>{}</dd>", Esc(&s.targets.join(", ")));
    }
    out.push_str("</dl>\n");
    if !s.reproduce.is_empty() {
        let _ = writeln!(out, "<p>Reproduce:</p>\n<pre><code>{}</code></pre>", Esc(&s.reproduce));
    }
    // A scenario not run has nothing to fold: its facts already say why.
    if matches!(s.status, ScenarioStatus::Skipped | ScenarioStatus::Error) && s.log.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    let count = |m: Mark| results.iter().filter(|r| r.mark() == m).count();
    let open = if matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Inconclusive) { " open" } else { "" };
    let _ = writeln!(
        out,
        "<details{open}>\n<summary>Verdicts ({} failed, {} inconclusive, {} warned, {} passed, {} not exercised), log and transcript</summary>",
        count(Mark::Fail),
        count(Mark::Inconclusive),
        count(Mark::Warn),
        count(Mark::Pass),
        count(Mark::NotExercised)
    );
    orders(out, &s.orders);
    for (k, r) in results.iter().enumerate() {
        if matches!(r.mark(), Mark::Fail | Mark::Warn | Mark::Inconclusive) {
            explain(out, i, k, r);
        }
    }
    let listed = |m: Mark| results.iter().filter(|r| r.mark() == m).map(|r| r.id).collect::<Vec<_>>().join(", ");
    for (label, m) in [
        ("Passed", Mark::Pass),
        ("Not applicable (the spec let it finish first)", Mark::NotApplicable),
        ("Not exercised", Mark::NotExercised),
    ] {
        let ids = listed(m);
        if !ids.is_empty() {
            let _ = writeln!(out, "<p>{label}: {}.</p>", Esc(&ids));
        }
    }
    if !s.not_judged.is_empty() {
        let _ = writeln!(out, "<p>Targeted, but this payterm gives no verdict: {}.</p>", Esc(&s.not_judged.join(", ")));
    }
    log(out, &s.log);
    out.push_str(&super::diagram::figure(s));
    transcript(out, &s.transcript);
    out.push_str("</details>\n</section>\n");
}

/// A failed or warned rule: its spec row, and for each order that failed or warned it what
/// was expected, what happened and the lines that prove it.
fn explain(out: &mut String, i: usize, k: usize, r: &RuleResult<'_>) {
    let mark = r.mark();
    let row = r.verdicts.first().map(|v| v.row.as_str()).or(r.unexercised.map(|u| u.row.as_str())).unwrap_or("");
    let _ = writeln!(
        out,
        "<article class=\"verdict {}\" id=\"s{i}-v{k}\">\n<h3><span class=\"badge {}\">{}</span> {}</h3>",
        mark.short(),
        mark.short(),
        mark.short(),
        Esc(r.id)
    );
    if !row.is_empty() {
        let _ = writeln!(out, "<p>Spec row: <q>{}</q></p>", Esc(row));
    }
    if let (Mark::Inconclusive, Some(u)) = (mark, r.unexercised) {
        out.push_str("<p>Targeted, but the run never exercised it, so it proves nothing about it:</p>\n<ul>\n");
        for never in &u.never {
            let _ = writeln!(out, "<li>{}</li>", Esc(never));
        }
        out.push_str("</ul>\n");
    }
    let shown = |v: &&&VerdictReport| v.verdict == "fail" || v.verdict == "warn";
    for v in r.verdicts.iter().filter(shown) {
        out.push_str("<dl class=\"facts\">\n");
        if let Some(order) = &v.order {
            let _ = writeln!(out, "<dt>Order</dt><dd>{} ({})</dd>", Esc(order), Esc(&v.verdict));
        }
        let _ = writeln!(out, "<dt>Expected</dt><dd>{}</dd>", Esc(&v.expected));
        let _ = writeln!(out, "<dt>Happened</dt><dd>{}</dd>", Esc(&v.happened));
        out.push_str("</dl>\n");
        if !v.evidence.is_empty() {
            out.push_str("<p>Evidence:</p>\n<pre>");
            for line in &v.evidence {
                let _ = writeln!(out, "{}", Esc(line));
            }
            out.push_str("</pre>\n");
        }
    }
    out.push_str("</article>\n");
}

/// Each order at a glance: what the integration reported beside what the ledger holds.
fn orders(out: &mut String, orders: &[OrderSummary]) {
    if orders.is_empty() {
        return;
    }
    out.push_str(
        "<div class=\"wrap\">\n<table class=\"orders\">\n<caption>Orders</caption>\n<thead><tr>\
         <th scope=\"col\">Order</th><th scope=\"col\">Operation</th><th scope=\"col\">Surface</th>\
         <th scope=\"col\">Reference</th><th scope=\"col\">Events reported</th><th scope=\"col\">Ledger</th>\
         </tr></thead>\n<tbody>\n",
    );
    for o in orders {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            Esc(&o.id),
            Esc(&o.operation),
            Esc(&o.surface),
            Esc(&o.reference),
            Esc(&none_if_empty(&o.events)),
            Esc(&none_if_empty(&o.ledger))
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn log(out: &mut String, log: &[String]) {
    if log.is_empty() {
        out.push_str("<p>The integration logged nothing.</p>\n");
        return;
    }
    let _ = write!(out, "<details>\n<summary>The integration's log ({} lines)</summary>\n<pre>", log.len());
    for line in log {
        let _ = writeln!(out, "{}", Esc(line));
    }
    out.push_str("</pre>\n</details>\n");
}

/// One row per line; request and answer bodies fold inside their row.
fn transcript(out: &mut String, lines: &[TranscriptLine]) {
    if lines.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<details>\n<summary>Transcript ({} lines)</summary>\n<div class=\"wrap\">\n<table class=\"transcript\">\n\
         <thead><tr><th scope=\"col\">Offset (s)</th><th scope=\"col\">Kind</th><th scope=\"col\">Surface</th>\
         <th scope=\"col\">Text</th></tr></thead>\n<tbody>\n",
        lines.len()
    );
    for l in lines {
        // Integer arithmetic: exact for any offset, negative ones included.
        let sign = if l.offset_ms < 0 { "-" } else { "+" };
        let ms = l.offset_ms.unsigned_abs();
        let _ = write!(
            out,
            "<tr><td>{sign}{}.{:03}</td><td>{}</td><td>{}</td><td>{}",
            ms / 1000,
            ms % 1000,
            Esc(&l.kind),
            Esc(l.surface.as_deref().unwrap_or("")),
            Esc(&l.text)
        );
        if l.request.is_some() || l.response.is_some() {
            out.push_str("<details><summary>bodies</summary>");
            for (label, body) in [("request", &l.request), ("answer", &l.response)] {
                if let Some(body) = body {
                    let _ = write!(out, "{label}:<pre>{}</pre>", Esc(body));
                }
            }
            out.push_str("</details>");
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        let shown = Esc("<a href='x'>\"&\u{1b}[0m</a>").to_string();
        assert_eq!(shown, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;\u{241b}[0m&lt;/a&gt;");
    }

    #[test]
    fn plain_text_passes_through_unchanged() {
        assert_eq!(Esc("pay 12,50 € — ok").to_string(), "pay 12,50 € — ok");
    }
}
