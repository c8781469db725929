//! The Cloud API rules, judged from the requests the integration made and the World's own
//! transitions: CLOUD-TASK-NOT-PAYMENT, CLOUD-POLL-UNTIL-FINAL, CLOUD-NO-DUPLICATE-SALE,
//! CLOUD-TOKEN-REUSE, CLOUD-VOID-SAME-TID, CLOUD-VOID-93-DAYS, CLOUD-BATCH-TOTALS.

use super::facts::{CloudFacts, Req};
use super::verdict::{Verdict, VerdictKind};
use crate::runner::Record;
use crate::runner::events::{EventKind, OutcomeResult};
use crate::scenario::model::{Operation, Order};
use crate::world::clock::VirtualTime;
use crate::world::ledger::Surface;
use crate::world::task::TaskState;

fn first_outcome(
    record: &Record,
    order: &Order,
) -> Option<(VirtualTime, OutcomeResult, serde_json::Map<String, serde_json::Value>)> {
    record.events.iter().filter(|e| e.order == order.id).find_map(|e| match &e.kind {
        EventKind::Outcome { result, details } => Some((e.at, *result, details.clone())),
        _ => None,
    })
}

fn lines(reqs: &[Req]) -> Vec<String> {
    reqs.iter().map(|r| r.line.clone()).collect()
}

fn not_exercised(rule: &'static str, order: &Order, expected: &str, why: &str) -> Verdict {
    Verdict::new(rule, Some(&order.id), VerdictKind::NotExercised, expected, why)
}

/// CLOUD-TASK-NOT-PAYMENT: after COMPLETED, the result is fetched before an outcome is reported.
pub fn task_not_payment(record: &Record, order: &Order, f: &CloudFacts) -> Verdict {
    let rule = "CLOUD-TASK-NOT-PAYMENT";
    let expected = "after a task COMPLETED, GET /v1/transactions/{amsId} before reporting an outcome";
    let completed = f.tasks.iter().filter_map(|t| f.task_final(t)).find(|(_, s)| *s == TaskState::Completed);
    let (Some((done_at, _)), Some((reported, result, _))) = (completed, first_outcome(record, order)) else {
        return not_exercised(rule, order, expected, "no completed task, or no outcome");
    };
    if order.operation != Operation::Sale || reported < done_at || result == OutcomeResult::Unknown {
        return not_exercised(rule, order, expected, "the outcome did not follow a completed sale");
    }
    if f.fetches.iter().any(|r| r.at <= reported && r.status == 200) {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Pass,
            expected,
            "the result was read before the outcome",
        );
    }
    Verdict::new(
        rule,
        Some(&order.id),
        VerdictKind::Fail,
        expected,
        "reported an outcome from the task's state without reading the transaction",
    )
    .with_evidence(lines(&f.polls).into_iter().rev().take(3).collect::<Vec<_>>().into_iter().rev())
}

/// CLOUD-POLL-UNTIL-FINAL: polls go on until a final state; none after it was seen.
pub fn poll_until_final(record: &Record, order: &Order, f: &CloudFacts) -> Verdict {
    let rule = "CLOUD-POLL-UNTIL-FINAL";
    let expected = "poll until COMPLETED, FAILED or CANCELLED, and not after";
    if f.polls.is_empty() {
        return not_exercised(rule, order, expected, "no task of the order was polled");
    }
    for task in &f.tasks {
        let polls: Vec<&Req> = f.polls.iter().filter(|r| r.path.ends_with(task.as_str())).collect();
        let seen_final = polls.iter().position(|r| {
            r.status == 200 && matches!(r.response["state"].as_str(), Some("COMPLETED" | "FAILED" | "CANCELLED"))
        });
        if let Some(i) = seen_final.filter(|i| i + 1 < polls.len()) {
            return Verdict::new(
                rule,
                Some(&order.id),
                VerdictKind::Fail,
                expected,
                format!("polled task {task} {} more time(s) after it was final", polls.len() - i - 1),
            )
            .with_evidence(polls[i..].iter().take(4).map(|r| r.line.clone()));
        }
        let reported = first_outcome(record, order).filter(|(_, r, _)| *r != OutcomeResult::Unknown);
        if let Some((at, result, _)) =
            reported.filter(|(at, _, _)| seen_final.is_none() && polls.last().is_some_and(|p| p.at <= *at))
        {
            let final_then = f.task_final(task).is_some_and(|(done, _)| done <= at);
            if !final_then || matches!(result, OutcomeResult::Paid | OutcomeResult::NotPaid) {
                return Verdict::new(
                    rule,
                    Some(&order.id),
                    VerdictKind::Fail,
                    expected,
                    format!("stopped polling task {task} before it was final and reported an outcome"),
                )
                .with_evidence(polls.iter().rev().take(3).map(|r| r.line.clone()));
            }
        }
    }
    Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, "polled until final, not after")
}

/// CLOUD-NO-DUPLICATE-SALE: no second SALE task for the order while the first is not final,
/// unless the first was withdrawn.
pub fn no_duplicate_sale(order: &Order, f: &CloudFacts) -> Verdict {
    let rule = "CLOUD-NO-DUPLICATE-SALE";
    let expected = "one SALE task per order while it is not final (a withdrawn one aside)";
    if order.operation != Operation::Sale || order.surface != Surface::Cloud {
        return not_exercised(rule, order, expected, "not a Cloud sale");
    }
    let created: Vec<&Req> =
        f.creates.iter().filter(|r| r.status == 201 && r.request["transactionType"] == "SALE").collect();
    for (i, second) in created.iter().enumerate().skip(1) {
        let first = created[i - 1];
        let Some(first_id) = first.response["taskId"].as_str() else { continue };
        let first_final = f.task_final(first_id).map(|(at, _)| at);
        if first_final.is_none_or(|done| done > second.at) {
            return Verdict::new(
                rule,
                Some(&order.id),
                VerdictKind::Fail,
                expected,
                "a second SALE task was created while the first was not final",
            )
            .with_evidence([first.line.clone(), second.line.clone()]);
        }
    }
    Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, format!("{} SALE task(s)", created.len()))
}

/// CLOUD-TOKEN-REUSE (scenario-wide): one login, reused; refresh after an expired token.
pub fn token_reuse(reqs: &[Req]) -> Verdict {
    let rule = "CLOUD-TOKEN-REUSE";
    let expected = "one password login reused across calls; on 401 TOKEN_EXPIRED, the refresh grant";
    let logins: Vec<&Req> =
        reqs.iter().filter(|r| r.surface == "cloud" && r.path.ends_with("/oauth/token") && r.status == 200).collect();
    let expired = reqs.iter().filter(|r| r.status == 401 && r.response["error"]["code"] == "TOKEN_EXPIRED").count();
    // A refresh answers with the same refresh token; only a password login issues a new one.
    // Each terminal needs its own login, and a login after a refused refresh is the fix.
    let mut per_terminal: std::collections::BTreeMap<String, Vec<&Req>> = std::collections::BTreeMap::new();
    let mut seen_refresh = Vec::new();
    for r in &logins {
        let Some(token) = r.response["refresh_token"].as_str() else { continue };
        if seen_refresh.contains(&token) {
            continue;
        }
        seen_refresh.push(token);
        let refused_refresh_before = reqs.iter().any(|q| {
            q.at <= r.at
                && q.path.ends_with("/oauth/token")
                && q.status == 401
                && q.response["error"] == "invalid_grant"
        });
        if !refused_refresh_before {
            per_terminal.entry(r.response["tid"].to_string()).or_default().push(r);
        }
    }
    let extra: Vec<&Req> = per_terminal.values().flat_map(|v| v.iter().skip(1).copied()).collect();
    let calls = reqs.iter().filter(|r| r.surface == "cloud" && r.path.starts_with("/v1/")).count();
    if calls == 0 {
        return Verdict::new(rule, None, VerdictKind::NotExercised, expected, "no Cloud API call");
    }
    if !extra.is_empty() {
        return Verdict::new(
            rule,
            None,
            VerdictKind::Fail,
            expected,
            format!("logged in again {} time(s) for {calls} calls ({expired} expired-token answers)", extra.len()),
        )
        .with_evidence(extra.iter().take(4).map(|r| r.line.clone()));
    }
    Verdict::new(rule, None, VerdictKind::Pass, expected, format!("one login per terminal for {calls} calls"))
}

fn voids(f: &CloudFacts) -> Vec<&Req> {
    f.creates.iter().filter(|r| r.request["transactionType"] == "VOID").collect()
}

/// The terminal of the sale a void order voids: a history sale's, or the sale order's.
fn sale_tid<'a>(record: &'a Record, order: &'a Order) -> &'a str {
    use crate::scenario::model::VoidTarget;
    match &order.void_target {
        Some(VoidTarget::AmsId(ams)) => record
            .scenario
            .history
            .iter()
            .find(|h| h.ams_id.as_deref() == Some(ams.as_str()))
            .map_or(order.tid.as_str(), |h| h.tid.as_str()),
        Some(VoidTarget::Order(of)) => {
            record.scenario.orders.iter().find(|o| &o.id == of).map_or(order.tid.as_str(), |o| o.tid.as_str())
        }
        None => order.tid.as_str(),
    }
}

/// CLOUD-VOID-SAME-TID: no VOID task on another TID than the sale's.
pub fn void_same_tid(record: &Record, order: &Order, f: &CloudFacts) -> Verdict {
    let rule = "CLOUD-VOID-SAME-TID";
    let tid = sale_tid(record, order);
    let expected = format!("VOID tasks only on the sale's terminal {tid}");
    let attempts = voids(f);
    if order.operation != Operation::Void || attempts.is_empty() {
        return not_exercised(rule, order, &expected, "no VOID task for the order");
    }
    let elsewhere: Vec<&&Req> = attempts
        .iter()
        .filter(|r| {
            r.response["tid"].as_str().is_some_and(|t| t != tid) || r.response["error"]["reason"] == "OTHER_TID"
        })
        .collect();
    if elsewhere.is_empty() {
        return Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, "voided on the sale's terminal");
    }
    Verdict::new(rule, Some(&order.id), VerdictKind::Fail, expected, "a VOID was sent to another terminal")
        .with_evidence(elsewhere.iter().map(|r| r.line.clone()))
}

/// CLOUD-VOID-93-DAYS: one refused VOID is fine if reported `not_voided`; repeating it fails.
pub fn void_93_days(record: &Record, order: &Order, f: &CloudFacts) -> Verdict {
    let rule = "CLOUD-VOID-93-DAYS";
    let expected = "a refused VOID (422) is not repeated and is reported not_voided";
    let refused: Vec<&Req> = voids(f).into_iter().filter(|r| r.status == 422).collect();
    if refused.is_empty() {
        return not_exercised(rule, order, expected, "no VOID was refused");
    }
    if refused.len() > 1 {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            format!("the refused VOID was sent {} times", refused.len()),
        )
        .with_evidence(refused.iter().map(|r| r.line.clone()));
    }
    match record.events.iter().rev().find(|e| e.order == order.id && matches!(e.kind, EventKind::Outcome { .. })) {
        Some(e) if matches!(e.kind, EventKind::Outcome { result: OutcomeResult::NotVoided, .. }) => {
            Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, "refused once, reported not_voided")
        }
        _ => Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            "the refused VOID was not reported not_voided",
        )
        .with_evidence([refused[0].line.clone()]),
    }
}

/// CLOUD-BATCH-TOTALS: a reported closed batch carries the totals the emulator returned.
pub fn batch_totals(record: &Record, order: &Order, reqs: &[Req]) -> Verdict {
    let rule = "CLOUD-BATCH-TOTALS";
    let expected = "the batch_closed outcome carries the totals the emulator answered";
    let Some((_, OutcomeResult::BatchClosed, details)) = first_outcome(record, order) else {
        return not_exercised(rule, order, expected, "no batch_closed outcome");
    };
    let answered: Vec<&Req> = reqs
        .iter()
        .filter(|r| r.status == 200 && r.response["state"] == "CLOSED" && r.path.starts_with("/v1/batches/"))
        .collect();
    let Some(batch) = answered.last().map(|r| &r.response) else {
        return not_exercised(rule, order, expected, "no closed batch was read over the Cloud API");
    };
    let reported = &details.get("batch").cloned().unwrap_or_default();
    let fields = ["saleCount", "saleAmount", "voidCount", "voidAmount", "totalCount", "totalAmount"];
    let wrong: Vec<String> = fields
        .iter()
        .filter(|k| reported[**k] != batch[**k])
        .map(|k| format!("{k}: reported {} but the emulator answered {}", reported[*k], batch[*k]))
        .collect();
    if wrong.is_empty() {
        return Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, "the totals match");
    }
    Verdict::new(rule, Some(&order.id), VerdictKind::Fail, expected, "the reported totals differ from the closed batch")
        .with_evidence(wrong)
}
