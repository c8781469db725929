//! A scenario's transcript drawn as a sequence diagram, [`sequence_svg`]: one row per line
//! between the integration, the cloud, the terminal and the customer, with scripted faults
//! marked and the evidence of failed rules highlighted. Inline SVG, escaped, capped in rows.

use maud::{Markup, PreEscaped, html};

use super::model::ScenarioReport;
use super::transcript::TranscriptLine;
use crate::printable::Shown;

/// The most rows drawn; past it a note says how many lines were left out, so a huge
/// transcript cannot make a huge picture.
pub const MAX_ROWS: usize = 1500;

/// The most characters of a row's tooltip (the full line).
const TITLE_CHARS: usize = 300;
/// Pixels per character of the 11 px monospace font, to cut labels to the room they have.
const CHAR_PX: usize = 7;

const ROW: usize = 22;
const TOP: usize = 58;
const WIDTH: usize = 1260;
/// The x of each lifeline: integration, cloud, terminal, customer. Requests between the
/// integration and the cloud are the longest labels, so that gap is the widest.
const LANES: [usize; 4] = [150, 590, 820, 1000];
const NAMES: [&str; 4] = ["integration", "cloud (payterm)", "terminal", "customer"];
/// Where the marks column (fault, evidence) starts.
const MARKS_X: usize = 1085;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    Integration = 0,
    Cloud = 1,
    Terminal = 2,
    Customer = 3,
}

/// How one line is drawn: an arrow between two lanes (a note when they are the same).
struct Placement {
    from: Lane,
    to: Lane,
    label: String,
}

/// The transcript of `report` as an inline SVG sequence diagram (empty when there is none).
pub fn sequence_svg(report: &ScenarioReport) -> String {
    let lines = &report.transcript;
    if lines.is_empty() {
        return String::new();
    }
    let evidence = failed_evidence(report);
    let shown = lines.len().min(MAX_ROWS);
    let cut = lines.len() - shown;
    let height = TOP + shown * ROW + if cut > 0 { 3 * ROW } else { ROW };
    let faults = lines.iter().filter(|l| is_fault(l)).count();
    let label = format!(
        "Sequence diagram of {}: {}, {}",
        report.name,
        count(lines.len(), "line"),
        count(faults, "scripted fault")
    );
    let hidden_evidence = lines[shown..].iter().filter(|l| !evidence_rules(l, &evidence).is_empty()).count();
    let more = if hidden_evidence > 0 {
        format!(", {hidden_evidence} of them evidence of a failed rule")
    } else {
        String::new()
    };
    // Elements are closed explicitly (`<rect …></rect>`): the page served alone must be XML,
    // and inside HTML an SVG element without its end tag would swallow the next ones.
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" width=(WIDTH) height=(height)
            viewBox={ "0 0 " (WIDTH) " " (height) } font-family="ui-monospace,Menlo,Consolas,monospace" font-size="11"
            aria-label=(Shown(&label)) {
            "\n"
            rect width=(WIDTH) height=(height) fill="#ffffff" {}
            "\n"
            @for (x, name) in LANES.iter().zip(NAMES) {
                rect x=(x - 80) y="8" width="160" height="26" rx="4" fill="#eef2f6" stroke="#57606a" {}
                text x=(x) y="25" text-anchor="middle" font-weight="bold" { (name) }
                line x1=(x) y1="34" x2=(x) y2=(height - ROW / 2) stroke="#8c959f" stroke-dasharray="3 3" {}
                "\n"
            }
            text x="4" y="25" fill="#57606a" { "offset (s)" }
            text x=(MARKS_X) y="25" fill="#57606a" { "marks" }
            "\n"
            @for (i, line) in lines.iter().take(shown).enumerate() {
                (row(TOP + i * ROW, line, &evidence_rules(line, &evidence))) "\n"
            }
            @if cut > 0 {
                text x="4" y=(TOP + shown * ROW + ROW) font-weight="bold" {
                    "… " (cut) " more lines not drawn (the diagram stops at " (MAX_ROWS) " rows" (more)
                    "); the transcript lists every line."
                }
                "\n"
            }
        }
        "\n"
    };
    svg.into_string()
}

/// The diagram folded under a heading, for a scenario's section of the HTML report.
pub fn figure(report: &ScenarioReport) -> Markup {
    let svg = sequence_svg(report);
    let faults = report.transcript.iter().filter(|l| is_fault(l)).count();
    html! {
        @if !svg.is_empty() {
            details open[!failed_evidence(report).is_empty()] {
                summary {
                    "Sequence diagram (" (count(report.transcript.len(), "line")) ", " (count(faults, "scripted fault"))
                    "; evidence of failed rules highlighted)"
                }
                "\n"
                div class="wrap" { "\n" (PreEscaped(svg)) }
            }
            "\n"
        }
    }
}

/// `1 line`, `2 lines`.
fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// One row: a highlight band for evidence, the offset, the arrow or note, the marks.
fn row(y: usize, line: &TranscriptLine, rules: &[&str]) -> Markup {
    let sign = if line.offset_ms < 0 { "-" } else { "+" };
    let ms = line.offset_ms.unsigned_abs();
    let p = place(line);
    let fault = fault_number(line);
    let colour = if fault.is_some() {
        "#cf222e"
    } else {
        match line.kind.as_str() {
            "world" => "#0550ae",
            "event" | "order" => "#116329",
            _ => "#1f2328",
        }
    };
    let (from, to) = (LANES[p.from as usize], LANES[p.to as usize]);
    let mut marks = Vec::new();
    if let Some(n) = &fault {
        marks.push(format!("⚡ FAULT{n}"));
    }
    if !rules.is_empty() {
        marks.push(format!("◆ {}", rules.join(", ")));
    }
    // A group per row: its tooltip carries the whole line, which the label may have cut.
    html! {
        g {
            title { (Shown(&cut(&line.text, TITLE_CHARS))) }
            @if !rules.is_empty() { rect x="0" y=(y - 15) width=(WIDTH) height=(ROW) fill="#fff1a8" {} }
            text x="4" y=(y) fill="#57606a" { (sign) (ms / 1000) "." (format!("{:03}", ms % 1000)) }
            @if from == to {
                // A note runs right of its lifeline, up to the next one (or the marks column).
                @let room = LANES.iter().copied().find(|x| *x > from).unwrap_or(MARKS_X) - from - 14;
                circle cx=(from) cy=(y - 4) r="4" fill=(colour) {}
                text x=(from + 8) y=(y) fill=(colour) { (Shown(&cut(&p.label, room / CHAR_PX))) }
            } @else {
                // The head is a small triangle at `to`, drawn here rather than as a shared marker:
                // several diagrams on one page (some inside closed <details>) must not share ids.
                @let ly = y + 2;
                @let back = if to > from { to - 8 } else { to + 8 };
                @let room = from.abs_diff(to) - 12;
                line x1=(from) y1=(ly) x2=(back) y2=(ly) stroke=(colour) stroke-width="1.5"
                    stroke-dasharray=[fault.is_some().then_some("6 3")] {}
                polygon points={ (to) "," (ly) " " (back) "," (ly - 4) " " (back) "," (ly + 4) } fill=(colour) {}
                text x=(from.min(to) + from.abs_diff(to) / 2) y=(y - 3) text-anchor="middle" fill=(colour) {
                    (Shown(&cut(&p.label, room / CHAR_PX)))
                }
            }
            @if !marks.is_empty() {
                text x=(MARKS_X) y=(y) font-weight="bold" fill=(if fault.is_some() { "#cf222e" } else { "#1f2328" }) {
                    (Shown(&cut(&marks.join(" "), (WIDTH - MARKS_X) / CHAR_PX)))
                }
            }
        }
    }
}

/// For a line a scripted fault answered (the journal's note says so), ` #n`, the fault's
/// number in the script (empty when the note has none).
fn fault_number(line: &TranscriptLine) -> Option<String> {
    if !is_fault(line) {
        return None;
    }
    let after = line.text.split("[scripted fault").nth(1).unwrap_or("");
    let n: String =
        after.trim_start().strip_prefix('#').unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
    Some(if n.is_empty() { String::new() } else { format!(" #{n}") })
}

/// Whether a scripted fault answered this exchange (the journal's note says so).
fn is_fault(line: &TranscriptLine) -> bool {
    line.kind == "exchange" && line.text.contains("[scripted fault")
}

/// `(rule, evidence line)` of every failed verdict.
fn failed_evidence(report: &ScenarioReport) -> Vec<(&str, &str)> {
    report
        .verdicts
        .iter()
        .filter(|v| v.verdict == "fail")
        .flat_map(|v| v.evidence.iter().map(move |e| (v.rule.as_str(), e.as_str())))
        .collect()
}

/// The failed rules that cite `line` as evidence. Evidence lines are the judge's own
/// renderings (`{at} {surface} {method} {target} → {status}`, `event {at} outcome …`), so a
/// line matches when the evidence names its instant and its core text.
fn evidence_rules<'a>(line: &TranscriptLine, evidence: &[(&'a str, &str)]) -> Vec<&'a str> {
    let core = line.text.split(" [").next().unwrap_or(&line.text);
    let name = line.text.split_whitespace().nth(1).unwrap_or("");
    let mut rules: Vec<&str> = Vec::new();
    for (rule, e) in evidence {
        let hit = if *e == line.text {
            true
        } else if !e.contains(&line.at) {
            false
        } else {
            match line.kind.as_str() {
                "exchange" => {
                    let surface = line.surface.as_deref().unwrap_or("");
                    e.contains(&format!("{surface} {core}"))
                }
                "event" => e.starts_with("event ") && !name.is_empty() && e.contains(&format!(" {name}")),
                _ => e.contains(core),
            }
        };
        if hit && !rules.contains(rule) {
            rules.push(rule);
        }
    }
    rules
}

/// Where a line goes: the lanes it joins and what it says.
fn place(line: &TranscriptLine) -> Placement {
    use Lane::*;
    let at = |from, to, label: String| Placement { from, to, label };
    match line.kind.as_str() {
        "exchange" => {
            let surface = line.surface.as_deref().unwrap_or("");
            // Notes (a scripted fault, a duplicated parameter) go to the tooltip and the marks.
            let core = line.text.split(" [").next().unwrap_or(&line.text);
            if surface != "control" {
                return at(Integration, Cloud, core.to_owned());
            }
            let status = core.rsplit("→ ").next().unwrap_or("");
            let path = core.split_whitespace().nth(1).unwrap_or("");
            let segments: Vec<&str> =
                path.split('?').next().unwrap_or("").split('/').filter(|s| !s.is_empty()).collect();
            match segments.as_slice() {
                ["terminals", _, action] => at(Terminal, Terminal, format!("operator: {action} → {status}")),
                ["invoices", _, action] => at(Customer, Cloud, format!("customer: {action} → {status}")),
                ["clock", action] => at(Cloud, Cloud, format!("clock {action} → {status}")),
                _ => at(Cloud, Cloud, format!("control: {core}")),
            }
        }
        "world" => world(&line.text),
        "event" => at(Integration, Integration, format!("reports {}", line.text)),
        "order" => at(Integration, Integration, line.text.clone()),
        _ => at(Integration, Integration, line.text.clone()),
    }
}

/// A World transition (`task_state tid=… task=… state=COMPLETED`) as an arrow.
fn world(text: &str) -> Placement {
    use Lane::*;
    let mut words = text.split_whitespace();
    let name = words.next().unwrap_or("world");
    let field = |key: &str| {
        text.split_whitespace().find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('='))).unwrap_or("")
    };
    // Task ids are UUIDs: their first eight characters tell them apart within a scenario.
    let task = || field("task").chars().take(8).collect::<String>();
    let at = |from, to, label: String| Placement { from, to, label };
    match name {
        "task_queued" => at(Cloud, Terminal, format!("task {} queued", task())),
        "operator_notified" => at(Cloud, Terminal, "operator notified".to_owned()),
        "task_state" => at(Terminal, Cloud, format!("task {} {}", task(), field("state"))),
        "waiting_for_card" => at(Terminal, Customer, "insert card".to_owned()),
        "card_read" => at(Customer, Terminal, format!("card {}", field("outcome"))),
        "transaction_result" => at(Terminal, Cloud, format!("{} result {}", field("ams_id"), field("result"))),
        "batch_closed" => at(Terminal, Cloud, format!("batch {} closed", field("batch_number"))),
        "mode_changed" => at(Terminal, Terminal, format!("mode {}", field("mode"))),
        "invoice_issued" => at(Cloud, Cloud, format!("invoice {} issued", field("invoice"))),
        "invoice_status" if !field("action").is_empty() => {
            at(Customer, Cloud, format!("{}: {}", field("action"), field("status")))
        }
        "invoice_status" => at(Cloud, Cloud, format!("status {} (script)", field("status"))),
        "uri_presented" => at(Integration, Customer, "gateway URI presented".to_owned()),
        _ => at(Cloud, Cloud, text.to_owned()),
    }
}

/// `text` in at most `max` characters, cut with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    let max = max.max(2);
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &str, surface: Option<&str>, text: &str) -> TranscriptLine {
        TranscriptLine {
            at: "2026-01-01T00:00:01.000Z".to_owned(),
            offset_ms: 1000,
            kind: kind.to_owned(),
            surface: surface.map(str::to_owned),
            text: text.to_owned(),
            request: None,
            response: None,
        }
    }

    #[test]
    fn world_transitions_become_arrows_between_the_right_lanes() {
        let p = world("task_state tid=999888 task=t1 state=COMPLETED");
        assert!(p.from == Lane::Terminal && p.to == Lane::Cloud);
        assert_eq!(p.label, "task t1 COMPLETED");
        let p = world("task_queued tid=999888 task=bb343ad3-31b9-43b6-885f-26a39b9f7e63");
        assert_eq!(p.label, "task bb343ad3 queued");
        let p = world("card_read tid=999888 ams_id=a1 outcome=approved");
        assert!(p.from == Lane::Customer && p.to == Lane::Terminal);
    }

    #[test]
    fn an_exchange_is_evidence_when_the_judge_names_its_instant_and_request() {
        let l = line("exchange", Some("cloud"), "GET /v1/tasks/t1 → 200 [scripted fault #1: Reset before acting]");
        let evidence = [("CLOUD-X", "2026-01-01T00:00:01.000Z cloud GET /v1/tasks/t1 → 200")];
        assert_eq!(evidence_rules(&l, &evidence), vec!["CLOUD-X"]);
        let other = [("CLOUD-X", "2026-01-01T00:00:02.000Z cloud GET /v1/tasks/t1 → 200")];
        assert!(evidence_rules(&l, &other).is_empty());
    }

    #[test]
    fn control_characters_are_made_visible_not_written_raw() {
        let svg = row(100, &line("log", None, "a\u{1b}b\"<\u{202e}"), &[]).into_string();
        assert!(svg.contains("<title>a\u{241b}b&quot;&lt;\\u{202e}</title>"), "{svg}");
    }
}
