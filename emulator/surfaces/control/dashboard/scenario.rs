//! `GET /dashboard/scenario`: the scenario `serve --scenario FILE` serves — its rules, orders,
//! customer and script steps in words — and `GET /dashboard/diagram.svg`, the live journal
//! drawn as a sequence diagram.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use serde_json::json;

use super::lines::{at_of, transcript};
use crate::http::{ApiError, ApiRequest, Reply};
use crate::report::diagram::{MAX_ROWS, sequence_svg};
use crate::report::{ScenarioReport, ScenarioStatus};
use crate::scenario::Scenario;
use crate::scenario::model::{Completion, CustomerEvent, FaultKind, Hold, OperatorActionKind, StatusAnswer, When};
use crate::surfaces::sim::Sim;

/// The served scenario, or `{"scenario": null}`.
pub fn view(sim: &Sim) -> Result<Reply, ApiError> {
    let Some(s) = sim.scenario() else {
        return Ok(crate::http::json(StatusCode::OK, &json!({ "scenario": null })));
    };
    let rules: Vec<_> = s.rules.iter().map(|r| json!({ "id": r.id, "area": r.area.title(), "row": r.row })).collect();
    let orders: Vec<_> = s
        .orders
        .iter()
        .map(|o| {
            let mut line = crate::scenario::orders::order_json(o);
            if let Some(map) = line.as_object_mut() {
                map.insert("at".to_owned(), json!(format!("+{}", o.at)));
            }
            line
        })
        .collect();
    let body = json!({ "scenario": {
        "name": s.name,
        "description": s.description,
        "seed": s.seed,
        "surfaces": s.surfaces.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "terminals": s.terminals.iter().map(|t| json!({"tid": t.tid.as_str(), "mode": t.mode.as_str(), "currency": t.currency.code()})).collect::<Vec<_>>(),
        "rules": rules,
        "orders": orders,
        "customer": customer(s),
        "steps": steps(s),
    }});
    Ok(crate::http::json(StatusCode::OK, &body))
}

fn hold(h: &Hold) -> String {
    match h {
        Hold::Polls(n) => format!("for {n} polls"),
        Hold::For(d) => format!("for {d}"),
        Hold::Until(e) => format!("until the customer {}", event(*e)),
        Hold::Forever => "from then on".to_owned(),
    }
}

fn event(e: CustomerEvent) -> &'static str {
    match e {
        CustomerEvent::Opens => "opens",
        CustomerEvent::Pays => "pays",
        CustomerEvent::Completes => "completes",
    }
}

fn customer(s: &Scenario) -> String {
    let c = &s.customer;
    let opens = c.opens_after.map_or_else(|| "never opens the URI".to_owned(), |d| format!("opens the URI after {d}"));
    let ends = match c.completes {
        Completion::Success => format!("the payment succeeds {} later", c.completes_after),
        Completion::Reject => format!("rejects it {} later", c.completes_after),
        Completion::Never => "the payment never ends".to_owned(),
    };
    let refund = c.refunds_after.map_or_else(String::new, |d| format!(", refunds {d} after success"));
    format!("{opens}, pays {} after opening, {ends}{refund}", c.pays_after)
}

/// Every script step as `(kind, text)`.
fn steps(s: &Scenario) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut step = |kind: &str, text: String| out.push(json!({ "kind": kind, "text": text }));
    let sc = &s.script;
    for st in &sc.status {
        let answer = match st.answer {
            StatusAnswer::Status(x) => x.as_str().to_owned(),
            StatusAnswer::Fault(f) => format!("fault {}", f.as_str()),
        };
        step("status", format!("{}: status answers {answer} {}", st.order, hold(&st.hold)));
    }
    for t in &sc.tasks {
        let mut text = format!("{}: task shows {} {}", t.order, t.state.as_str(), hold(&t.hold));
        if let Some(o) = t.outcome {
            text.push_str(&format!(", card {}", o.as_str()));
        }
        if let Some(r) = t.result {
            text.push_str(&format!(", result {r}"));
        }
        if t.captured {
            text.push_str(", money captured");
        }
        step("task", text);
    }
    for c in &sc.cards {
        let after = c.after.map_or_else(String::new, |d| format!(" after {d}"));
        step("card", format!("{}: next card {}{after}", c.tid.as_str(), c.outcome.as_str()));
    }
    for f in &sc.http {
        let kind = match &f.kind {
            FaultKind::Status { code, retry_after: Some(r) } => format!("status {code} with Retry-After {r}"),
            FaultKind::Status { code, retry_after: None } => format!("status {code}"),
            FaultKind::Reset => "connection reset".to_owned(),
            FaultKind::Hang => "hang".to_owned(),
            FaultKind::Truncate => "truncated body".to_owned(),
            FaultKind::MalformedJson => "malformed JSON".to_owned(),
            FaultKind::SlowDrip(d) => format!("slow drip over {d}"),
            FaultKind::Delay(d) => format!("delayed {d}"),
        };
        let when = if f.when == When::AfterActing { "after acting" } else { "before acting" };
        let which = match f.times {
            Some(1) => format!("request #{}", f.from),
            Some(n) => format!("requests #{}–#{}", f.from, f.from + n - 1),
            None => format!("every request from #{}", f.from),
        };
        let target = format!("{} /{}", f.matcher.method, f.matcher.segments.join("/"));
        step("fault", format!("{target}: {kind} {when}, {which}"));
    }
    for l in &sc.links {
        let status = format!("{:?}", l.status).to_uppercase();
        let mut text = format!("{}: deep link #{} answers {status}", l.order, l.nth);
        for (k, v) in [("error", &l.error), ("code", &l.code)] {
            if let Some(v) = v {
                text.push_str(&format!(" {k}={v}"));
            }
        }
        step("link", text);
    }
    for o in &sc.operator {
        let what = match &o.action {
            OperatorActionKind::Pick(Some(order)) => format!("picks {order}'s task"),
            OperatorActionKind::Pick(None) => "picks the queue head".to_owned(),
            OperatorActionKind::Reject(order) => format!("rejects {order}'s task"),
            OperatorActionKind::Card(c) => format!("presents a card: {}", c.as_str()),
            OperatorActionKind::Mode(m) => format!("switches to {}", m.as_str()),
        };
        step("operator", format!("at +{}: the operator of {} {what}", o.at, o.tid.as_str()));
    }
    for (at, by) in &sc.clock {
        step("clock", format!("at +{at}: the clock jumps {by}"));
    }
    for at in &sc.token_expiry {
        step("tokens", format!("at +{at}: every access token expires"));
    }
    out
}

/// The journal the server keeps (its last [`MAX_ROWS`] lines) as a sequence diagram.
pub fn diagram(sim: &Sim, _req: &ApiRequest) -> Result<Reply, ApiError> {
    // Read in pages, keeping only the last rows: memory stays bounded whatever the journal holds.
    let mut entries = std::collections::VecDeque::with_capacity(MAX_ROWS);
    let (mut after, mut total) = (0, 0);
    loop {
        let page = sim.journal.page(after, 5_000);
        let Some(last) = page.last() else { break };
        after = super::lines::seq_of(last);
        total += page.len();
        for e in page {
            if entries.len() == MAX_ROWS {
                entries.pop_front();
            }
            entries.push_back(e);
        }
    }
    let entries: Vec<_> = entries.into();
    let start = entries.first().map_or_else(|| sim.now(), at_of);
    let name = match sim.scenario() {
        Some(s) => format!("{} (live, last {} of {total} journal lines)", s.name, entries.len()),
        None => format!("the live journal (last {} of {total} lines)", entries.len()),
    };
    let report = ScenarioReport {
        file: String::new(),
        name,
        status: ScenarioStatus::Passed,
        skipped: None,
        error: None,
        targets: sim.scenario().map(|s| s.rules.iter().map(|r| r.id.to_owned()).collect()).unwrap_or_default(),
        seed: 0,
        wall_s: 0.0,
        virtual_s: 0.0,
        ending: String::new(),
        orders: Vec::new(),
        verdicts: Vec::new(),
        not_judged: Vec::new(),
        log: Vec::new(),
        transcript: transcript(&entries, start),
        reproduce: String::new(),
    };
    let mut svg = sequence_svg(&report);
    if svg.is_empty() {
        svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"No journal lines yet\" width=\"420\" height=\"30\"><text x=\"4\" y=\"20\" font-family=\"sans-serif\" font-size=\"13\">No journal lines yet.</text></svg>\n".to_owned();
    }
    let mut resp = Response::new(Full::new(Bytes::from(svg)));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `GET /dashboard/journal/{seq}`: one journal entry with its bodies, while the journal keeps it.
pub fn entry(sim: &Sim, seq: &str) -> Result<Reply, ApiError> {
    let seq: u64 = seq.parse().map_err(|_| ApiError::field("seq", "`seq` must be a sequence number"))?;
    let found = sim.journal.page(seq.saturating_sub(1), 1).into_iter().find(|e| super::lines::seq_of(e) == seq);
    match found {
        Some(e) => Ok(crate::http::json(StatusCode::OK, &e)),
        None => Err(ApiError::not_found(format!(
            "the journal no longer keeps line {seq}\n(hint: it keeps the last `--journal N` entries)"
        ))),
    }
}
