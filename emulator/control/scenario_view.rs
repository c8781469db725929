//! `GET /scenario` (and the dashboard's `GET /dashboard/scenario`): the served scenario — its rules, orders, customer and script
//! steps in words ([`Step`]), each step with where the script stands on it where the script
//! can tell ([`super::progress`]).

use http::StatusCode;
use serde_json::{Value, json};

use super::progress;
use crate::http::{ApiError, Reply};
use crate::scenario::Scenario;
use crate::scenario::model::{Completion, CustomerEvent, FaultKind, Hold, OperatorActionKind, StatusAnswer, When};
use crate::surfaces::sim::Sim;

/// One script step in words, and how its progress can be known.
pub(crate) struct Step {
    /// `status`, `task`, `card`, `fault`, `link`, `operator`, `clock` or `tokens`.
    pub kind: &'static str,
    /// What it does, in words.
    pub text: String,
    /// What tells whether it happened.
    pub track: Track,
}

/// What tells whether a step happened.
pub(crate) enum Track {
    /// The `nth` (from 0) step of `order`'s status timeline.
    Status(String, usize),
    /// The `nth` (from 0) step of `order`'s task timeline.
    Task(String, usize),
    /// `order`'s `nth` (from 1) deep link.
    Link(String, u32),
    /// The `n`th (from 0) `[[script.operator]]` entry.
    Operator(usize),
    /// The `n`th `[[script.clock]]` entry.
    Clock(usize),
    /// The `n`th `[[script.tokens]]` entry.
    Tokens(usize),
    /// Nothing the script keeps: card outcomes are taken by the World's card reader, and
    /// request faults are counted without a record of which struck.
    Untracked,
}

/// `GET /scenario`, `GET /dashboard/scenario`.
pub(crate) fn view(sim: &Sim) -> Result<Reply, ApiError> {
    Ok(crate::http::json(StatusCode::OK, &view_json(sim)))
}

/// The served scenario with where its script stands, or `{"scenario": null}`.
pub(crate) fn view_json(sim: &Sim) -> Value {
    let Some(snap) = super::snapshot::current(sim) else { return json!({ "scenario": null }) };
    let s = &snap.scenario;
    let rules: Vec<_> = s.rules.iter().map(|r| json!({ "id": r.id, "area": r.area.title(), "row": r.row })).collect();
    let orders: Vec<_> = s
        .orders
        .iter()
        .map(|o| {
            let mut line = crate::scenario::orders::order_json(o);
            if let Some(map) = line.as_object_mut() {
                map.insert("at".to_owned(), json!(format!("+{}", o.at)));
                let due = snap.start + o.at;
                map.insert("due".to_owned(), json!(due));
                map.insert("reached".to_owned(), json!(snap.now >= due));
            }
            line
        })
        .collect();
    let steps = steps(s);
    json!({ "scenario": {
        "name": s.name,
        "description": s.description,
        "seed": s.seed,
        "surfaces": s.surfaces.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "terminals": s.terminals.iter().map(|t| json!({"tid": t.tid.as_str(), "mode": t.mode.as_str(), "currency": t.currency.code()})).collect::<Vec<_>>(),
        "rules": rules,
        "orders": orders,
        "customer": customer(s),
        "steps": steps.iter().map(|st| progress::step_json(st, &snap)).collect::<Vec<_>>(),
        "progress": progress::progress_json(&steps, &snap),
    }})
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

/// Every script step, in words.
pub(crate) fn steps(s: &Scenario) -> Vec<Step> {
    let mut out = Vec::new();
    let mut step = |kind: &'static str, text: String, track: Track| out.push(Step { kind, text, track });
    let sc = &s.script;
    for (i, st) in sc.status.iter().enumerate() {
        let answer = match st.answer {
            StatusAnswer::Status(x) => x.as_str().to_owned(),
            StatusAnswer::Fault(f) => format!("fault {}", f.as_str()),
        };
        // Its position among its order's steps, as the order's timeline counts them.
        let n = sc.status.iter().take(i).filter(|x| x.order == st.order).count();
        step(
            "status",
            format!("{}: status answers {answer} {}", st.order, hold(&st.hold)),
            Track::Status(st.order.clone(), n),
        );
    }
    for (i, t) in sc.tasks.iter().enumerate() {
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
        let n = sc.tasks.iter().take(i).filter(|x| x.order == t.order).count();
        step("task", text, Track::Task(t.order.clone(), n));
    }
    for c in &sc.cards {
        let after = c.after.map_or_else(String::new, |d| format!(" after {d}"));
        step("card", format!("{}: next card {}{after}", c.tid.as_str(), c.outcome.as_str()), Track::Untracked);
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
        step("fault", format!("{target}: {kind} {when}, {which}"), Track::Untracked);
    }
    for l in &sc.links {
        let status = format!("{:?}", l.status).to_uppercase();
        let mut text = format!("{}: deep link #{} answers {status}", l.order, l.nth);
        for (k, v) in [("error", &l.error), ("code", &l.code)] {
            if let Some(v) = v {
                text.push_str(&format!(" {k}={v}"));
            }
        }
        step("link", text, Track::Link(l.order.clone(), l.nth));
    }
    for (i, o) in sc.operator.iter().enumerate() {
        let what = match &o.action {
            OperatorActionKind::Pick(Some(order)) => format!("picks {order}'s task"),
            OperatorActionKind::Pick(None) => "picks the queue head".to_owned(),
            OperatorActionKind::Reject(order) => format!("rejects {order}'s task"),
            OperatorActionKind::Card(c) => format!("presents a card: {}", c.as_str()),
            OperatorActionKind::Mode(m) => format!("switches to {}", m.as_str()),
        };
        step("operator", format!("at +{}: the operator of {} {what}", o.at, o.tid.as_str()), Track::Operator(i));
    }
    for (i, (at, by)) in sc.clock.iter().enumerate() {
        step("clock", format!("at +{at}: the clock jumps {by}"), Track::Clock(i));
    }
    for (i, at) in sc.token_expiry.iter().enumerate() {
        step("tokens", format!("at +{at}: every access token expires"), Track::Tokens(i));
    }
    out
}
