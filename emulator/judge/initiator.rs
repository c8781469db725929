//! The initiator rules, judged from the `status` and `invoice` requests the integration's
//! initiator program sent (the autofeed in each body names the invoice), the answers, and
//! the integration's events: the status table (ask again later, never re-present during
//! `payment_in_process`, report what the final status means), the fault table (retry later,
//! or stop and flag), and fundamental failures.

use super::facts::Req;
use super::verdict::{Verdict, VerdictKind};
use crate::runner::Record;
use crate::runner::events::{EventKind, FlagKind, OutcomeResult};
use crate::scenario::model::Order;
use crate::world::clock::{VirtualDuration, VirtualTime};

/// What one status or invoice request of the order was answered.
#[derive(Clone, Debug)]
pub struct Asked {
    /// The request.
    pub req: Req,
    /// `status` or `invoice`.
    pub kind: &'static str,
    /// The invoice identifier it concerns (status requests; invoice answers).
    pub identifier: Option<String>,
    /// The status answered, if a status.
    pub status: Option<String>,
    /// The fault answered, if a fault.
    pub fault: Option<String>,
    /// Whether the answer was struck by a scripted transport fault (no JSON reached the program).
    pub struck: bool,
}

fn belongs(invoice: &str, order: &Order) -> bool {
    invoice == order.reference
        || invoice
            .strip_prefix(order.reference.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// The initiator requests of `order`, in order.
pub fn asked(reqs: &[Req], order: &Order) -> Vec<Asked> {
    reqs.iter()
        .filter(|r| r.surface == "initiator" && r.method == "POST")
        .filter_map(|r| {
            let kind = match r.path.as_str() {
                "/hype/v1/status" => "status",
                "/hype/v1/invoices" => "invoice",
                _ => return None,
            };
            let invoice = r.request["payload"]["invoice"].as_str()?;
            if !belongs(invoice, order) {
                return None;
            }
            let identifier =
                r.request["payload"]["identifier"].as_str().or(r.response["identifier"].as_str()).map(str::to_owned);
            Some(Asked {
                kind,
                identifier,
                status: r.response["status"].as_str().map(str::to_owned),
                fault: r.response["fault"].as_str().map(str::to_owned),
                // The program got no JSON: the connection was reset, held, cut, or garbled.
                struck: r.response.is_null()
                    || r.notes
                        .iter()
                        .any(|n| ["Reset", "Hang", "Truncate", "MalformedJson"].iter().any(|k| n.contains(k))),
                req: r.clone(),
            })
        })
        .collect()
}

fn outcome_after(record: &Record, order: &Order, at: VirtualTime) -> Option<(VirtualTime, OutcomeResult)> {
    record.events.iter().filter(|e| e.order == order.id && e.at >= at).find_map(|e| match &e.kind {
        EventKind::Outcome { result, .. } => Some((e.at, *result)),
        _ => None,
    })
}

fn last_outcome(record: &Record, order: &Order) -> Option<OutcomeResult> {
    record.events.iter().rev().filter(|e| e.order == order.id).find_map(|e| match &e.kind {
        EventKind::Outcome { result, .. } => Some(*result),
        _ => None,
    })
}

fn flagged(record: &Record, order: &Order, kind: Option<FlagKind>) -> bool {
    record.events.iter().any(|e| {
        e.order == order.id && matches!(&e.kind, EventKind::Flag { kind: k, .. } if kind.is_none_or(|want| *k == want))
    })
}

fn verdict(
    rule: &'static str,
    order: &Order,
    ok: bool,
    expected: &str,
    happened: &str,
    evidence: Vec<String>,
) -> Verdict {
    Verdict::held(rule, Some(&order.id), ok, expected, happened, evidence)
}

fn unexercised(rule: &'static str, order: &Order, expected: &str) -> Verdict {
    Verdict::new(rule, Some(&order.id), VerdictKind::NotExercised, expected, "the run never answered it")
}

/// A "try again later" answer (`status` among `statuses`, or `fault` among `faults`) must be
/// followed by another request of the same kind for the same invoice, unless the deadline
/// came first; and no paid/not_paid verdict may be drawn from it.
fn ask_again(
    record: &Record,
    order: &Order,
    asked: &[Asked],
    rule: &'static str,
    statuses: &[&str],
    faults: &[&str],
) -> Verdict {
    let expected = "ask again later; draw no paid/not_paid verdict from this answer";
    let deadline =
        record.given.iter().find(|(id, _)| id == &order.id).map_or(record.started, |(_, at)| *at) + order.deadline;
    let hits: Vec<(usize, &Asked)> = asked
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.status.as_deref().is_some_and(|s| statuses.contains(&s))
                || a.fault.as_deref().is_some_and(|f| faults.contains(&f))
        })
        .collect();
    let Some((i, last)) = hits.last().copied() else { return unexercised(rule, order, expected) };
    let followed = asked[i + 1..].iter().any(|a| a.kind == last.kind);
    let verdict_drawn = outcome_after(record, order, last.req.at)
        .filter(|(_, r)| matches!(r, OutcomeResult::Paid | OutcomeResult::NotPaid))
        .filter(|_| !followed);
    if let Some((at, r)) = verdict_drawn {
        return verdict(
            rule,
            order,
            false,
            expected,
            &format!("reported {:?} at {at} from a \"try again later\" answer", r).to_lowercase(),
            vec![last.req.line.clone()],
        );
    }
    // Not asking again is excused only when the answer came too close to the deadline to ask
    // again; reporting `unknown` does not excuse it.
    let room = VirtualDuration(record.scenario.timing.min_poll_interval.as_millis() * 2);
    let gave_up = !followed && last.req.at + room < deadline;
    verdict(
        rule,
        order,
        !gave_up,
        expected,
        if gave_up { "never asked again" } else { "asked again" },
        vec![last.req.line.clone()],
    )
}

/// Every initiator rule the scenario targets, for one invoice order.
pub fn judge_order(record: &Record, order: &Order, reqs: &[Req], targets: &dyn Fn(&str) -> bool) -> Vec<Verdict> {
    let a = asked(reqs, order);
    let mut out = Vec::new();
    let mut add = |id: &'static str, make: &dyn Fn() -> Verdict| {
        if targets(id) {
            out.push(make());
        }
    };
    add("HYPE-UNDETERMINABLE", &|| ask_again(record, order, &a, "HYPE-UNDETERMINABLE", &["undeterminable"], &[]));
    add("HYPE-CREATED", &|| ask_again(record, order, &a, "HYPE-CREATED", &["created"], &[]));
    add("HYPE-REACHED", &|| ask_again(record, order, &a, "HYPE-REACHED", &["reached"], &[]));
    add("HYPE-F-UNSPECIFIED", &|| ask_again(record, order, &a, "HYPE-F-UNSPECIFIED", &[], &["unspecified"]));
    add("HYPE-F-SERVER-ERROR", &|| ask_again(record, order, &a, "HYPE-F-SERVER-ERROR", &[], &["server_error"]));
    add("HYPE-IN-PROCESS", &|| in_process(record, order, &a));
    add("HYPE-SUCCESS", &|| {
        final_status(
            record,
            order,
            &a,
            "HYPE-SUCCESS",
            "completed_success",
            &[OutcomeResult::Paid, OutcomeResult::Refunded],
            false,
        )
    });
    add("HYPE-REFUNDED", &|| {
        final_status(record, order, &a, "HYPE-REFUNDED", "completed_refunded", &[OutcomeResult::Refunded], true)
    });
    add("HYPE-REJECTED", &|| {
        final_status(record, order, &a, "HYPE-REJECTED", "completed_rejected", &[OutcomeResult::NotPaid], true)
    });
    add("HYPE-UNEXPECTED", &|| unexpected(record, order, &a));
    add("HYPE-F-BAD-SIGNATURE", &|| {
        stop_fault(record, order, &a, "HYPE-F-BAD-SIGNATURE", "bad_signature", None, false)
    });
    add("HYPE-F-NOT-FOUND", &|| {
        stop_fault(record, order, &a, "HYPE-F-NOT-FOUND", "resource_not_found", Some(FlagKind::Engineering), false)
    });
    add("HYPE-F-USER-DISABLED", &|| {
        stop_fault(record, order, &a, "HYPE-F-USER-DISABLED", "user_disabled", Some(FlagKind::Administrative), true)
    });
    add("HYPE-NO-JSON", &|| no_json(record, order, &a));
    out
}

fn in_process(record: &Record, order: &Order, asked: &[Asked]) -> Verdict {
    let rule = "HYPE-IN-PROCESS";
    let expected = "never hand the URI out again while the payment is in process";
    let Some(first) = asked.iter().find(|a| a.status.as_deref() == Some("payment_in_process")) else {
        return unexercised(rule, order, expected);
    };
    // From the first in-process answer until a later answer says otherwise.
    let ended = asked
        .iter()
        .find(|a| a.req.at > first.req.at && a.status.as_deref().is_some_and(|s| s != "payment_in_process"))
        .map(|a| a.req.at);
    let re_presented: Vec<String> = record
        .events
        .iter()
        .filter(|e| e.order == order.id && e.at >= first.req.at && ended.is_none_or(|end| e.at < end))
        .filter(|e| matches!(e.kind, EventKind::PresentUri { .. }))
        .map(|e| format!("event {} present_uri", e.at))
        .collect();
    let mut evidence = vec![first.req.line.clone()];
    evidence.extend(re_presented.clone());
    verdict(
        rule,
        order,
        re_presented.is_empty(),
        expected,
        if re_presented.is_empty() {
            "the URI was not handed out again"
        } else {
            "the URI was handed out again during payment_in_process"
        },
        evidence,
    )
}

fn final_status(
    record: &Record,
    order: &Order,
    asked: &[Asked],
    rule: &'static str,
    status: &str,
    outcomes: &[OutcomeResult],
    no_more_status: bool,
) -> Verdict {
    let expected = format!(
        "after {status}: report {}{}",
        outcomes.iter().map(|o| format!("{o:?}")).collect::<Vec<_>>().join(" or ").to_lowercase(),
        if no_more_status { ", and ask no more" } else { "" }
    );
    let Some((i, hit)) = asked.iter().enumerate().find(|(_, a)| a.status.as_deref() == Some(status)) else {
        return unexercised(rule, order, &expected);
    };
    let reported = last_outcome(record, order);
    let asked_again = asked[i + 1..].iter().any(|a| a.kind == "status" && a.identifier == hit.identifier);
    let new_invoice = asked[i + 1..]
        .iter()
        .any(|a| a.kind == "invoice" && a.req.request["payload"]["invoice"] != hit.req.request["payload"]["invoice"]);
    let outcome_ok = reported.is_some_and(|r| outcomes.contains(&r)) || (status == "completed_rejected" && new_invoice);
    let mut problems = Vec::new();
    if !outcome_ok {
        problems
            .push(format!("reported {}", reported.map_or("nothing".to_owned(), |r| format!("{r:?}").to_lowercase())));
    }
    if no_more_status && asked_again {
        problems.push("asked for the status again".to_owned());
    }
    if status == "completed_success" && new_invoice {
        problems.push("issued a second invoice for a paid order".to_owned());
    }
    verdict(rule, order, problems.is_empty(), &expected, &problems.join("; "), vec![hit.req.line.clone()])
}

fn unexpected(record: &Record, order: &Order, asked: &[Asked]) -> Verdict {
    let rule = "HYPE-UNEXPECTED";
    let expected = "flag it for an engineer; draw no paid/not_paid verdict from it";
    let Some(hit) = asked.iter().find(|a| a.status.as_deref() == Some("unexpected")) else {
        return unexercised(rule, order, expected);
    };
    let drawn = outcome_after(record, order, hit.req.at)
        .filter(|(_, r)| matches!(r, OutcomeResult::Paid | OutcomeResult::NotPaid));
    let ok = flagged(record, order, Some(FlagKind::Engineering)) && drawn.is_none();
    verdict(
        rule,
        order,
        ok,
        expected,
        if ok { "flagged" } else { "no engineering flag, or a verdict drawn from it" },
        vec![hit.req.line.clone()],
    )
}

fn stop_fault(
    record: &Record,
    order: &Order,
    asked: &[Asked],
    rule: &'static str,
    fault: &str,
    flag: Option<FlagKind>,
    stop_everything: bool,
) -> Verdict {
    let expected = format!(
        "after {fault}: do not repeat the request{}, and flag it",
        if stop_everything { " (nor any other)" } else { "" }
    );
    let Some((i, hit)) = asked.iter().enumerate().find(|(_, a)| a.fault.as_deref() == Some(fault)) else {
        return unexercised(rule, order, &expected);
    };
    let repeated: Vec<String> = asked[i + 1..]
        .iter()
        .filter(|a| stop_everything || (a.kind == hit.kind && a.req.request == hit.req.request))
        .map(|a| a.req.line.clone())
        .collect();
    let has_flag = flagged(record, order, flag);
    let mut problems = Vec::new();
    if !repeated.is_empty() {
        problems.push(format!("sent {} more request(s)", repeated.len()));
    }
    if !has_flag {
        problems.push("no flag".to_owned());
    }
    let mut evidence = vec![hit.req.line.clone()];
    evidence.extend(repeated);
    verdict(rule, order, problems.is_empty(), &expected, &problems.join("; "), evidence)
}

fn no_json(record: &Record, order: &Order, asked: &[Asked]) -> Verdict {
    let rule = "HYPE-NO-JSON";
    let expected = "after a fundamental failure (no JSON): no crash, no verdict from it, try again later";
    let Some((i, hit)) = asked.iter().enumerate().find(|(_, a)| a.struck) else {
        return unexercised(rule, order, expected);
    };
    let retried = asked[i + 1..].iter().any(|a| a.kind == hit.kind);
    let crashed = matches!(record.ending, crate::runner::Ending::Exited(Some(code)) if code != 0);
    let ok = retried && !crashed;
    verdict(
        rule,
        order,
        ok,
        expected,
        if ok { "tried again" } else { "did not try again, or crashed" },
        vec![hit.req.line.clone()],
    )
}
