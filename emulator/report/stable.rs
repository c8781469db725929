//! [`stable`]: the part of a [`ScenarioReport`] that is the same every run against the
//! reference integration (spec/driver.md, "Repeatability"), for snapshots and the flake check:
//! per order its World transitions, exchanges (polls collapsed, faults as notes) and events,
//! then the verdicts; ids are named after their order, times and ports redacted.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::Value;

use super::model::ScenarioReport;
use super::transcript::TranscriptLine;
use crate::redact::Redactor;

/// Fields whose value is the reference an integration passed on (the order's `reference`).
const REFERENCE_KEYS: [&str; 3] = ["originReferenceNum", "requestID", "invoice"];
/// Fields holding a generated id, and the placeholder kind each becomes.
const ID_KEYS: [(&str, &str); 4] =
    [("taskId", "task"), ("amsId", "ams"), ("amsID", "ams"), ("identifier", "identifier")];

/// The stable text of `report`: what a run against the reference integration shows every time.
///
/// The transcript is split by order because concurrent orders interleave differently from run
/// to run, and each order's World transitions, exchanges and events are listed apart because
/// their interleaving depends on when the integration polled. Within a list, equal lines are
/// one line where the first was (how often an integration polls or retries depends on timing);
/// a poll's state is shown only for the last request to its target (earlier states depend on
/// when it polled; the World lists every state).
/// Verdicts are listed without their evidence, and `not_exercised` is left out: it claims
/// nothing (a rule that flips between it and `pass` still shows, as a line that comes and goes).
pub fn stable(report: &ScenarioReport) -> String {
    let mut out = format!("{}: {}\n", report.file, report.status.word());
    out.push_str(&format!("name: {}\n", report.name));
    if let Some(why) = report.skipped.as_ref().or(report.error.as_ref()) {
        out.push_str(&format!("not run: {why}\n"));
        return out;
    }
    out.push_str(&format!("integration {}\n", report.ending));
    let refs: HashMap<&str, &str> = report.orders.iter().map(|o| (o.reference.as_str(), o.id.as_str())).collect();
    let labels = Labels::of(&report.transcript, &refs);
    let mut redactor = Redactor::new();
    let mut groups: Vec<(String, Group)> = report
        .orders
        .iter()
        .map(|o| (format!("{}: {} on {} ({})", o.id, o.operation, o.surface, o.reference), Group::default()))
        .collect();
    let mut other = Group::default();
    for line in &report.transcript {
        let (owner, item) = match line.kind.as_str() {
            "world" => {
                let (text, orders) = labels.apply(&line.text);
                (only(orders), Item::plain(text))
            }
            "event" => {
                let (order, rest) = line.text.split_once(' ').unwrap_or((line.text.as_str(), ""));
                (Some(order.to_owned()), Item::plain(labels.apply(rest).0))
            }
            "exchange" => exchange(line, &labels, &refs),
            _ => continue,
        };
        // With one order, everything the World and the wire saw was for it.
        let owner = match (line.kind.as_str(), report.orders.as_slice()) {
            ("world" | "exchange", [only_order]) => Some(only_order.id.clone()),
            _ => owner,
        };
        let index = owner.and_then(|o| report.orders.iter().position(|x| x.id == o));
        let group = match index.and_then(|i| groups.get_mut(i)) {
            Some((_, group)) => group,
            None => &mut other,
        };
        match line.kind.as_str() {
            "world" => group.world.push(item),
            "event" => group.events.push(item),
            _ => group.exchanges.push(item),
        }
    }
    for (title, group) in &groups {
        out.push_str(&format!("\n{title}\n"));
        group.render(&mut out, &mut redactor);
    }
    if !other.is_empty() {
        out.push_str("\nnot attributed to one order\n");
        other.render(&mut out, &mut redactor);
    }
    out.push_str("\nverdicts\n");
    for v in report.verdicts.iter().filter(|v| v.verdict != "not_exercised") {
        out.push_str(&format!("  {} {} → {}\n", v.rule, v.order.as_deref().unwrap_or("-"), v.verdict));
    }
    if !report.not_judged.is_empty() {
        out.push_str(&format!("not judged: {}\n", report.not_judged.join(", ")));
    }
    out
}

/// The one order in `orders`, if there is exactly one.
fn only(orders: BTreeSet<String>) -> Option<String> {
    let mut it = orders.into_iter();
    match (it.next(), it.next()) {
        (Some(o), None) => Some(o),
        _ => None,
    }
}

/// One line of a group: `key` is what must be equal for lines to collapse, `target` what a poll
/// state belongs to, `state` the state it answered (exchanges only).
#[derive(Debug)]
struct Item {
    key: String,
    target: Option<String>,
    state: Option<String>,
}

impl Item {
    fn plain(text: String) -> Self {
        Item { key: text, target: None, state: None }
    }
}

/// What concerns one order (or none): its World transitions, exchanges and events.
#[derive(Debug, Default)]
struct Group {
    world: Vec<Item>,
    exchanges: Vec<Item>,
    events: Vec<Item>,
}

impl Group {
    fn is_empty(&self) -> bool {
        self.world.is_empty() && self.exchanges.is_empty() && self.events.is_empty()
    }

    fn render(&self, out: &mut String, redactor: &mut Redactor) {
        for (name, items) in [("world", &self.world), ("exchanges", &self.exchanges), ("events", &self.events)] {
            let lines = collapse(items);
            if lines.is_empty() {
                continue;
            }
            out.push_str(&format!("  {name}:\n"));
            for line in lines {
                out.push_str(&format!("    {}\n", redactor.redact(&line)));
            }
        }
    }
}

/// Items with equal keys become one line, where the first of them was, with the state of the
/// last of them; a state is shown only if that last one was the last for its target.
fn collapse(items: &[Item]) -> Vec<String> {
    let mut keys: Vec<&str> = Vec::new();
    let mut last: HashMap<&str, usize> = HashMap::new();
    let mut last_for_target: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if last.insert(&item.key, i).is_none() {
            keys.push(&item.key);
        }
        if let Some(target) = &item.target {
            last_for_target.insert(target, i);
        }
    }
    keys.into_iter()
        .map(|key| {
            let i = last.get(key).copied().unwrap_or_default();
            let shown = items.get(i).and_then(|item| {
                let (target, state) = (item.target.as_deref()?, item.state.as_deref()?);
                (last_for_target.get(target) == Some(&i)).then_some(state)
            });
            match shown {
                Some(state) => format!("{key} {state}"),
                None => key.to_owned(),
            }
        })
        .collect()
}

/// An exchange line (`cloud GET /v1/tasks/<task:o1> → 200`, its notes, what it answered) and
/// the order it concerns: the order whose reference the request names, else the answer, else
/// the order whose ids the line names.
fn exchange(line: &TranscriptLine, labels: &Labels, refs: &HashMap<&str, &str>) -> (Option<String>, Item) {
    // Notes come after the first ` [`; the target is percent-encoded, so it has no spaces.
    let (head, notes) = line.text.split_once(" [").map_or((line.text.as_str(), ""), |(h, n)| (h, n));
    let mut parts = head.splitn(3, ' ');
    let (method, target, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let shown = format!("{} {method} {}", line.surface.as_deref().unwrap_or("?"), decode(target));
    let (shown, mut orders) = labels.apply(&shown);
    let (answer, state) = answered(line.response.as_deref());
    let mut key = format!("{shown} {status}");
    if let Some(answer) = answer {
        key.push_str(&format!(" {answer}"));
    }
    if !notes.is_empty() {
        key.push_str(&format!(" [{}", labels.apply(notes).0));
    }
    let mut asked: BTreeSet<String> = BTreeSet::new();
    let mut target_text = target.to_owned();
    // Deep links are encoded twice (`redirectUrl` inside `uri`); decode until nothing changes.
    for _ in 0..3 {
        target_text = decode(&target_text);
    }
    for piece in target_text.split(['?', '&', '=', '/']) {
        if let Some(order) = refs.get(piece) {
            asked.insert((*order).to_owned());
        }
    }
    asked.extend(references_in(line.request.as_deref(), refs));
    let item = Item { key, target: Some(shown), state };
    orders.extend(labels.apply(notes).1);
    orders.extend(labels.apply(line.response.as_deref().unwrap_or_default()).1);
    let code: u16 = status.trim_start_matches('→').trim().parse().unwrap_or(0);
    if code >= 400 && notes.is_empty() && orders.is_empty() {
        // When orders contend (a busy terminal, two voids of one sale), which of them is
        // refused is a race: a refusal naming no id of its own is pinned on no order.
        return (None, item);
    }
    let owner = if !asked.is_empty() {
        only(asked)
    } else {
        let answered = references_in(line.response.as_deref(), refs);
        if answered.is_empty() { only(orders) } else { only(answered) }
    };
    (owner, item)
}

/// What an answer says, split in two: the part that identifies it (an error code, how many
/// tasks a lookup found) and a poll state (`state`, `status`), which depends on timing.
fn answered(body: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(Value::Object(map)) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
        return (None, None);
    };
    if let Some(code) = map.get("error").and_then(|e| e.get("code")).and_then(Value::as_str) {
        return (Some(code.to_owned()), None);
    }
    if let Some(Value::Array(tasks)) = map.get("tasks") {
        return (Some(format!("tasks={}", tasks.len())), None);
    }
    let state = ["state", "status"].iter().find_map(|k| map.get(*k).and_then(Value::as_str));
    (None, state.map(str::to_owned))
}

/// The orders whose references appear as a string anywhere in the JSON `body`.
fn references_in(body: Option<&str>, refs: &HashMap<&str, &str>) -> BTreeSet<String> {
    fn walk(v: &Value, refs: &HashMap<&str, &str>, found: &mut BTreeSet<String>) {
        match v {
            Value::String(s) => {
                if let Some(order) = refs.get(s.as_str()) {
                    found.insert((*order).to_owned());
                }
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, refs, found)),
            Value::Object(map) => map.values().for_each(|x| walk(x, refs, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    if let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) {
        walk(&v, refs, &mut found);
    }
    found
}

/// Lenient percent-decoding for display: a broken escape is kept as it is.
fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|p| std::str::from_utf8(p).ok());
        match hex.filter(|_| b == b'%').and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// Generated ids named after the order they belong to (`<task:o1>`, `<ams:o2#2>` for o2's
/// second), so concurrent orders get the same placeholders whichever went first.
#[derive(Debug, Default)]
struct Labels {
    /// id → (placeholder, order).
    names: HashMap<String, (String, String)>,
}

fn id_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[1-9]\d{11}\b")
            .expect("the id pattern is valid")
    })
}

impl Labels {
    /// Every id an answer or request ties to an order's reference, in order of appearance.
    fn of(transcript: &[TranscriptLine], refs: &HashMap<&str, &str>) -> Self {
        let mut labels = Labels::default();
        let mut counts: HashMap<(String, &'static str), usize> = HashMap::new();
        for line in transcript.iter().filter(|l| l.kind == "exchange") {
            for body in [&line.request, &line.response] {
                let Some(value) = body.as_deref().and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
                    continue;
                };
                let mut found = Vec::new();
                tie(&value, refs, &mut found);
                for (id, order, kind) in found {
                    if labels.names.contains_key(&id) {
                        continue;
                    }
                    let n = counts.entry((order.clone(), kind)).or_insert(0);
                    *n += 1;
                    let name = if *n == 1 { format!("<{kind}:{order}>") } else { format!("<{kind}:{order}#{n}>") };
                    labels.names.insert(id, (name, order));
                }
            }
        }
        labels
    }

    /// `text` with every known id replaced, and the orders those ids belong to.
    fn apply(&self, text: &str) -> (String, BTreeSet<String>) {
        let mut orders = BTreeSet::new();
        let replaced = id_pattern().replace_all(text, |caps: &Captures<'_>| match self.names.get(&caps[0]) {
            Some((name, order)) => {
                orders.insert(order.clone());
                name.clone()
            }
            None => caps[0].to_owned(),
        });
        (replaced.into_owned(), orders)
    }
}

/// Collects (id, order, kind) from every object in `v` that names an order's reference
/// (`originReferenceNum`, a task's `request.originReferenceNum`, a receipt's `requestID`, an
/// autofeed's `invoice`) beside an id.
fn tie(v: &Value, refs: &HashMap<&str, &str>, found: &mut Vec<(String, String, &'static str)>) {
    match v {
        Value::Object(map) => {
            let own = REFERENCE_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str));
            let nested = map.get("request").and_then(|r| r.get("originReferenceNum")).and_then(Value::as_str);
            if let Some(order) = own.or(nested).and_then(|r| refs.get(r)) {
                for (key, kind) in ID_KEYS {
                    if let Some(id) = map.get(key).and_then(Value::as_str) {
                        found.push((id.to_owned(), (*order).to_owned(), kind));
                    }
                }
            }
            map.values().for_each(|x| tie(x, refs, found));
        }
        Value::Array(items) => items.iter().for_each(|x| tie(x, refs, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange_line(text: &str, response: &str) -> TranscriptLine {
        TranscriptLine {
            at: "2026-01-01T00:00:01.000Z".to_owned(),
            offset_ms: 1000,
            kind: "exchange".to_owned(),
            surface: Some("cloud".to_owned()),
            text: text.to_owned(),
            request: None,
            response: Some(response.to_owned()),
        }
    }

    #[test]
    fn polls_collapse_to_one_line_with_the_last_state() {
        let task = r#"{"taskId":"6c67375f-e632-4ca4-b967-bdcb3c9dba7d","state":"STATE","request":{"originReferenceNum":"R1"}}"#;
        let refs: HashMap<&str, &str> = [("R1", "o1")].into_iter().collect();
        let lines: Vec<TranscriptLine> = ["QUEUED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]
            .iter()
            .map(|s| {
                exchange_line("GET /v1/tasks/6c67375f-e632-4ca4-b967-bdcb3c9dba7d → 200", &task.replace("STATE", s))
            })
            .collect();
        let labels = Labels::of(&lines, &refs);
        let items: Vec<Item> = lines.iter().map(|l| exchange(l, &labels, &refs).1).collect();
        assert_eq!(collapse(&items), vec!["cloud GET /v1/tasks/<task:o1> → 200 COMPLETED"]);
    }

    #[test]
    fn a_retry_after_a_fault_is_one_line_with_the_final_state() {
        let item = |key: &str, state: Option<&str>| Item {
            key: key.to_owned(),
            target: Some("GET /t".to_owned()),
            state: state.map(str::to_owned),
        };
        let items = vec![
            item("GET /t → 200", Some("QUEUED")),
            item("GET /t → 200 [fault", None),
            item("GET /t → 200", Some("IN_PROGRESS")),
            item("GET /t → 200 [fault", None),
            item("GET /t → 200", Some("COMPLETED")),
        ];
        assert_eq!(collapse(&items), vec!["GET /t → 200 COMPLETED", "GET /t → 200 [fault"]);
    }

    /// A run of two concurrent sales where `first` was created first.
    fn two_sales(first: (&str, &str), second: (&str, &str)) -> ScenarioReport {
        let order = |id: &str, reference: &str| super::super::model::OrderSummary {
            id: id.to_owned(),
            operation: "sale".to_owned(),
            surface: "cloud".to_owned(),
            reference: reference.to_owned(),
            events: Vec::new(),
            ledger: Vec::new(),
        };
        let created = |(task, reference): (&str, &str)| {
            let body =
                format!(r#"{{"taskId":"{task}","state":"QUEUED","request":{{"originReferenceNum":"{reference}"}}}}"#);
            exchange_line("POST /v1/tasks/TRANSACTION → 201", &body)
        };
        ScenarioReport {
            file: "scenarios/two.toml".to_owned(),
            builtin: false,
            name: "two sales".to_owned(),
            status: super::super::model::ScenarioStatus::Passed,
            skipped: None,
            error: None,
            targets: Vec::new(),
            seed: 1,
            wall_s: 1.0,
            virtual_s: 1.0,
            ending: "exited with 0".to_owned(),
            orders: vec![order("o1", "R1"), order("o2", "R2")],
            verdicts: Vec::new(),
            not_judged: Vec::new(),
            unexercised: Vec::new(),
            log: Vec::new(),
            transcript: [first, second]
                .into_iter()
                .flat_map(|(task, reference)| {
                    let queued = TranscriptLine {
                        kind: "world".to_owned(),
                        surface: None,
                        text: format!("task_queued tid=999888 task={task}"),
                        response: None,
                        ..exchange_line("", "")
                    };
                    [queued, created((task, reference))]
                })
                .collect(),
            reproduce: String::new(),
        }
    }

    #[test]
    fn ids_are_named_after_their_order_whichever_went_first() {
        let (a, b) = ("6c67375f-e632-4ca4-b967-bdcb3c9dba7d", "8ccd4b56-494e-48db-ab6b-e154f664dc4e");
        let one = stable(&two_sales((a, "R1"), (b, "R2")));
        let other = stable(&two_sales((b, "R2"), (a, "R1")));
        assert_eq!(one, other);
        assert!(one.contains("task_queued tid=999888 task=<task:o2>"), "{one}");
        assert!(!one.contains(a) && !one.contains(b), "{one}");
    }

    #[test]
    fn deep_links_are_shown_decoded() {
        assert_eq!(decode("/app2app?uri=gptom%3A%2F%2Fstatus%3Fa%3D%2"), "/app2app?uri=gptom://status?a=%2");
    }
}
