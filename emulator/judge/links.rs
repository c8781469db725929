//! The deep-link rules and the multi-order rules: LINK-PARAMS-VALID, LINK-STATUS-HANDLED,
//! LINK-RECEIPT-CHOICE, HYPE-SKIP-FLAGGED, CLOUD-QUEUE-PARALLEL, and RATE-NO-STORM.

use super::facts::{CloudIndex, Req, cloud};
use super::verdict::{Verdict, VerdictKind};
use crate::runner::Record;
use crate::runner::events::{EventKind, OutcomeResult};
use crate::scenario::model::Order;
use crate::world::clock::VirtualDuration;
use crate::world::ledger::Surface;

fn link_requests(reqs: &[Req]) -> Vec<&Req> {
    reqs.iter().filter(|r| r.surface == "app2app").collect()
}

/// LINK-PARAMS-VALID (scenario-wide): every link the integration opens parses.
pub fn params_valid(reqs: &[Req]) -> Verdict {
    let rule = "LINK-PARAMS-VALID";
    let expected = "every link parses: mandatory parameters present, enums valid, amounts numeric minor units";
    let links = link_requests(reqs);
    if links.is_empty() {
        return Verdict::new(rule, None, VerdictKind::NotExercised, expected, "no deep link was opened");
    }
    let bad: Vec<String> = links
        .iter()
        .filter(|r| {
            let error = r.response["error"].as_str().unwrap_or("");
            let scripted = r.notes.iter().any(|n| n.starts_with("scripted"));
            r.status == 400
                || (!scripted
                    && ["invalidAmount", "unsupportedTransactionOperationOrType", "invalidClientId"].contains(&error))
                || r.notes.iter().any(|n| {
                    n.starts_with("unknown parameter")
                        || n.contains("given twice")
                        || n.contains("times; the last wins")
                })
        })
        .map(|r| format!("{} ({})", r.line, r.notes.join("; ")))
        .collect();
    Verdict::held(
        rule,
        None,
        bad.is_empty(),
        expected,
        &format!("{} of {} links were malformed", bad.len(), links.len()),
        bad,
    )
}

/// LINK-STATUS-HANDLED: `CANCELLED` and `ERROR` never become `paid` or `batch_closed`.
pub fn status_handled(record: &Record, order: &Order, reqs: &[Req]) -> Verdict {
    let rule = "LINK-STATUS-HANDLED";
    let expected = "CANCELLED and ERROR answers never reported paid, voided or batch_closed";
    let links = link_requests(reqs);
    let last_link =
        links.last().map(|r| (r.at, r.response["status"].as_str().unwrap_or("").to_owned(), r.line.clone()));
    let outcome = record.events.iter().rev().filter(|e| e.order == order.id).find_map(|e| match &e.kind {
        EventKind::Outcome { result, .. } => Some((e.at, *result)),
        _ => None,
    });
    let (Some((_, status, line)), Some((_, result))) = (last_link, outcome) else {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::NotExercised,
            expected,
            "no link answered, or no outcome",
        );
    };
    let claimed = matches!(result, OutcomeResult::Paid | OutcomeResult::Voided | OutcomeResult::BatchClosed);
    let ok = !(claimed && (status == "CANCELLED" || status == "ERROR"));
    Verdict::held(
        rule,
        Some(&order.id),
        ok,
        expected,
        &format!("the last link answered {status}; reported {result:?}").to_lowercase(),
        vec![line],
    )
}

/// LINK-RECEIPT-CHOICE: with `printByPaymentApp=false`, the integration hands over the receipt.
pub fn receipt_choice(record: &Record, order: &Order) -> Verdict {
    let rule = "LINK-RECEIPT-CHOICE";
    let expected = "with printByPaymentApp=false, the outcome says receipt_by: integration";
    if order.print_by_payment_app != Some(false) {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::NotExercised,
            expected,
            "GP tom hands over the receipt",
        );
    }
    let said = record.events.iter().filter(|e| e.order == order.id).any(|e| match &e.kind {
        EventKind::Outcome { details, .. } => details.get("receipt_by").and_then(|v| v.as_str()) == Some("integration"),
        _ => false,
    });
    Verdict::held(
        rule,
        Some(&order.id),
        said,
        expected,
        if said { "handed over" } else { "no outcome said receipt_by: integration" },
        Vec::new(),
    )
}

/// HYPE-SKIP-FLAGGED (scenario-wide): a flagged order never stops the others.
pub fn skip_flagged(record: &Record) -> Verdict {
    let rule = "HYPE-SKIP-FLAGGED";
    let expected = "the orders not flagged still reach their outcomes";
    let flagged: Vec<&str> =
        record.events.iter().filter(|e| matches!(e.kind, EventKind::Flag { .. })).map(|e| e.order.as_str()).collect();
    if flagged.is_empty() || record.scenario.orders.len() < 2 {
        return Verdict::new(rule, None, VerdictKind::NotExercised, expected, "no flag among several orders");
    }
    let stalled: Vec<String> = record
        .scenario
        .orders
        .iter()
        .filter(|o| !flagged.contains(&o.id.as_str()))
        .filter(|o| !record.events.iter().any(|e| e.order == o.id && matches!(e.kind, EventKind::Outcome { .. })))
        .map(|o| format!("order {} got no outcome", o.id))
        .collect();
    Verdict::held(
        rule,
        None,
        stalled.is_empty(),
        expected,
        if stalled.is_empty() { "the others finished" } else { "other orders stalled" },
        stalled,
    )
}

/// CLOUD-QUEUE-PARALLEL (scenario-wide): each order's outcome names its own task.
pub fn queue_parallel(record: &Record, index: &CloudIndex, reqs: &[Req]) -> Verdict {
    let rule = "CLOUD-QUEUE-PARALLEL";
    let expected = "with several orders on one terminal, each tracked by its own task to its own outcome";
    let cloud_orders: Vec<&Order> = record.scenario.orders.iter().filter(|o| o.surface == Surface::Cloud).collect();
    if cloud_orders.len() < 2 {
        return Verdict::new(rule, None, VerdictKind::NotExercised, expected, "fewer than two Cloud orders");
    }
    let mut mixed = Vec::new();
    for order in &cloud_orders {
        let own = cloud(index, reqs, order).tasks;
        for e in record.events.iter().filter(|e| e.order == order.id) {
            let EventKind::Outcome { details, .. } = &e.kind else { continue };
            let named = details.get("taskId").and_then(|v| v.as_str());
            if let Some(task) = named.filter(|t| !own.iter().any(|o| o == t)) {
                mixed.push(format!("order {} reported task {task}, which is not its own", order.id));
            }
        }
    }
    Verdict::held(
        rule,
        None,
        mixed.is_empty(),
        expected,
        if mixed.is_empty() { "each outcome named its own task" } else { "outcomes named other orders' tasks" },
        mixed,
    )
}

/// RATE-NO-STORM (scenario-wide): no polling faster than the minimum interval; after two or
/// more consecutive faults, intervals never shrink and are at least twice the minimum.
pub fn no_storm(record: &Record, reqs: &[Req]) -> Verdict {
    let rule = "RATE-NO-STORM";
    let min = record.scenario.timing.min_poll_interval;
    let expected = format!(
        "polls at least {min} apart; after repeated faults, intervals ≥ {} and never shrinking",
        VirtualDuration(min.as_millis() * 2)
    );
    // Judged in virtual time with a tolerance of 10 % or 5 real ms, whichever is larger.
    let slack = (min.as_millis() / 10).max((5.0 / record.time_scale.max(1e-6)) as i64);
    let mut series: std::collections::BTreeMap<String, Vec<&Req>> = std::collections::BTreeMap::new();
    for r in reqs {
        let key = match (r.surface, r.method.as_str()) {
            ("cloud", "GET") if r.path.starts_with("/v1/tasks/") => r.path.clone(),
            ("initiator", "POST") if r.path == "/hype/v1/status" => {
                format!("status {}", r.request["payload"]["identifier"])
            }
            _ => continue,
        };
        series.entry(key).or_default().push(r);
    }
    if series.values().all(|s| s.len() < 2) {
        return Verdict::new(rule, None, VerdictKind::NotExercised, expected, "nothing was polled twice");
    }
    let faulty = |r: &Req| {
        r.status >= 500
            || r.response.is_null()
            || r.response["fault"].is_string()
            || r.notes.iter().any(|n| n.starts_with("scripted fault"))
    };
    let mut problems = Vec::new();
    for (key, reqs) in &series {
        let mut faults_in_a_row = 0;
        let mut last_gap: Option<i64> = None;
        for pair in reqs.windows(2) {
            let gap = (pair[1].at - pair[0].at).as_millis();
            faults_in_a_row = if faulty(pair[0]) { faults_in_a_row + 1 } else { 0 };
            if gap + slack < min.as_millis() {
                problems.push(format!("{key}: {gap} ms between polls ({})", pair[1].line));
            } else if faults_in_a_row >= 2 {
                // A backoff at its cap repeats the same interval, and real-time jitter makes
                // that wobble: only a shrink of more than a tenth (or the slack) counts.
                let shrank = last_gap.is_some_and(|g| gap + slack.max(g / 10) < g);
                if shrank || gap + slack < 2 * min.as_millis() {
                    problems
                        .push(format!("{key}: {gap} ms after {faults_in_a_row} faults in a row ({})", pair[1].line));
                }
            }
            last_gap = if faults_in_a_row >= 1 { Some(gap) } else { None };
        }
    }
    problems.truncate(5);
    Verdict::held(
        rule,
        None,
        problems.is_empty(),
        &expected,
        if problems.is_empty() { "no storm" } else { "polled too fast" },
        problems,
    )
}
