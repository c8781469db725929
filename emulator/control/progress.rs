//! Where the served scenario's script stands, beside its steps: each step `done`, `current`
//! or `pending` where the script can tell (status and task timelines, deep links, the
//! operator's actions, clock jumps, token expiries), `null` where it cannot (card outcomes,
//! request faults); the invoices the customer plan acts on; and what the script does next.

use serde_json::{Value, json};

use super::scenario_view::{Step, Track, steps};
use super::snapshot::ScriptSnapshot;
use crate::script::Progress;
use crate::surfaces::sim::Stepped;
use crate::time::VirtualTime;
use crate::world::events::WorldEvent;
use crate::world::invoice::CustomerAction;

/// A step's state (`None` where the script cannot tell) and when it is due by time alone.
fn state(track: &Track, p: &Progress) -> (Option<&'static str>, Option<VirtualTime>) {
    let timed = |due: Option<&Option<VirtualTime>>| match due {
        Some(Some(at)) => (Some("pending"), Some(*at)),
        Some(None) => (Some("done"), None),
        None => (None, None),
    };
    let timeline = |at: Option<&crate::script::StepAt>, n: usize| match at {
        // Its invoice is not issued or its task not created yet.
        None => (Some("pending"), None),
        Some(at) if n < at.index => (Some("done"), None),
        Some(at) if n == at.index => (Some("current"), None),
        // The step after the current one begins when the current one's time is up.
        Some(at) => (Some("pending"), at.ends.filter(|_| n == at.index + 1)),
    };
    match track {
        Track::Status(order, n) => timeline(p.status.get(order), *n),
        Track::Task(order, n) => timeline(p.tasks.get(order), *n),
        Track::Link(order, nth) => {
            let made = p.links.get(order).copied().unwrap_or(0);
            (Some(if made >= *nth { "done" } else { "pending" }), None)
        }
        Track::Operator(i) => timed(p.operator.get(*i)),
        Track::Clock(i) => timed(p.clock.get(*i)),
        Track::Tokens(i) => timed(p.tokens.get(*i)),
        Track::Untracked => (None, None),
    }
}

/// One step as the view shows it: `kind`, `text`, `state` and, while pending, `due`.
pub(crate) fn step_json(step: &Step, snap: &ScriptSnapshot) -> Value {
    let (state, due) = state(&step.track, &snap.progress);
    let mut v = json!({ "kind": step.kind, "text": step.text, "state": state });
    if let (Some(due), Some(map)) = (due, v.as_object_mut()) {
        map.insert("due".to_owned(), json!(due));
    }
    v
}

/// The clock, what comes next, and the invoices the customer plan acts on.
pub(crate) fn progress_json(steps: &[Step], snap: &ScriptSnapshot) -> Value {
    let invoices: Vec<_> = snap
        .invoices
        .iter()
        .map(|(identifier, order, status)| {
            let next = snap.progress.customer.iter().find(|c| &c.identifier == identifier).map(|c| {
                json!({ "action": c.action.as_str(), "at": c.at, "text": customer_text(c.action, order.as_deref(), identifier) })
            });
            json!({ "identifier": identifier, "order": order, "status": status.map(|s| s.as_str()), "next": next })
        })
        .collect();
    json!({
        "start": snap.start,
        "now": snap.now,
        "paused": snap.paused,
        "next": next_json(steps, snap),
        "invoices": invoices,
    })
}

/// When the script next does something by itself, how long from now, and what, or `null`.
fn next_json(steps: &[Step], snap: &ScriptSnapshot) -> Value {
    let Some(at) = snap.progress.next_due else { return Value::Null };
    let mut what: Vec<String> =
        steps.iter().filter(|s| state(&s.track, &snap.progress).1 == Some(at)).map(|s| s.text.clone()).collect();
    let order = |id: &str| snap.invoices.iter().find(|(i, _, _)| i == id).and_then(|(_, o, _)| o.clone());
    what.extend(
        snap.progress
            .customer
            .iter()
            .filter(|c| c.at == at)
            .map(|c| customer_text(c.action, order(&c.identifier).as_deref(), &c.identifier)),
    );
    json!({ "at": at, "in": (at - snap.now).to_string(), "what": what })
}

/// The customer plan's next action on an invoice, in words.
fn customer_text(action: CustomerAction, order: Option<&str>, identifier: &str) -> String {
    let whose = order.map_or_else(|| format!("invoice {identifier}'s"), |o| format!("{o}'s"));
    match action {
        CustomerAction::Open => format!("the customer opens {whose} gateway URI"),
        CustomerAction::Pay => format!("the customer starts paying {whose} invoice"),
        CustomerAction::Succeed => format!("{whose} payment succeeds"),
        CustomerAction::Reject => format!("the customer rejects {whose} payment"),
        CustomerAction::Refund => format!("{whose} payment is refunded"),
    }
}

/// `POST /clock/step`'s answer: the time before (`from`), the moment stepped to (`at`), the
/// time after (`now`: later than `at` after a scripted clock jump), what the script did
/// there (`fired`), the World's transitions on the way (`events`), and what comes `next`.
pub(crate) fn stepped_json(stepped: &Stepped<ScriptSnapshot>) -> Value {
    let (before, after) = (&stepped.before, &stepped.after);
    let fired = next_json(&steps(&before.scenario), before);
    json!({
        "from": before.now,
        "at": fired["at"],
        "now": after.now,
        "fired": fired["what"],
        "events": stepped.events.iter().map(event_text).collect::<Vec<_>>(),
        "next": next_json(&steps(&after.scenario), after),
    })
}

/// `task_state tid=999888 task=… state=COMPLETED`: the event name, then its fields, as the
/// report's transcript writes it.
pub(crate) fn world_text(value: &Value) -> String {
    let Some(map) = value.as_object() else { return value.to_string() };
    let mut text = map.get("event").and_then(Value::as_str).unwrap_or("world").to_owned();
    for (k, v) in map.iter().filter(|(k, _)| k.as_str() != "event") {
        let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        text.push_str(&format!(" {k}={shown}"));
    }
    text
}

/// A World transition as the transcript writes it.
pub(crate) fn event_text(event: &WorldEvent) -> String {
    world_text(&serde_json::to_value(&event.kind).unwrap_or_default())
}
