//! The Cloud API rules about tasks and batches, judged from the requests the integration made
//! and the World's own transitions: CLOUD-TASK-NOT-PAYMENT, CLOUD-POLL-UNTIL-FINAL,
//! CLOUD-NO-DUPLICATE-SALE, CLOUD-BATCH-TOTALS and CLOUD-QUEUE-PARALLEL.

use std::collections::BTreeMap;

use super::facts::{Call, Facts, OrderFacts, Reported, Req, TaskFact, word};
use super::money::outcome_line;
use super::verdict::Verdict;
use crate::record::events::OutcomeResult;
use crate::scenario::model::{Operation, Order};
use crate::time::VirtualTime;
use crate::world::ledger::Surface;
use crate::world::task::{TaskRequest, TaskState};

fn cloud_orders<'a>(
    f: &'a Facts,
    operation: Option<Operation>,
) -> impl Iterator<Item = (&'a Order, &'a OrderFacts)> + 'a {
    f.each_order().filter(move |(o, _)| o.surface == Surface::Cloud && operation.is_none_or(|op| o.operation == op))
}

/// A scenario-wide not-exercised verdict when no order is of the kind a rule judges.
fn or_none(mut verdicts: Vec<Verdict>, rule: &'static str, expected: &str, kind: &str) -> Vec<Verdict> {
    if verdicts.is_empty() {
        verdicts.push(Verdict::not_exercised(rule, None, expected, format!("the scenario has no {kind}")));
    }
    verdicts
}

/// Whether the ledger shows transaction `ams` captured (whatever its task's state said).
fn captured(f: &Facts, ams: &str) -> bool {
    f.record.ledger.iter().any(|e| e.payment == ams && e.kind == crate::world::ledger::LedgerKind::Capture)
}

const NOT_PAYMENT: &str = "CLOUD-TASK-NOT-PAYMENT";

/// CLOUD-TASK-NOT-PAYMENT: after a sale task ends with a transaction (COMPLETED, or FAILED
/// with one), the transaction is read before a paid/not_paid outcome, and a payment that was
/// not captured is never reported paid; after a close-batch task COMPLETED, the batch is read
/// before batch_closed/not_closed.
pub(super) fn task_not_payment(f: &Facts) -> Vec<Verdict> {
    let expected = "after a sale task ended, GET /v1/transactions/{amsId} (a final result, read after the end) \
                    before reporting paid or not_paid, and a payment not captured is never paid; after a close-batch \
                    task completed, GET /v1/batches/{amsId} before batch_closed or not_closed";
    let verdicts = cloud_orders(f, None)
        .filter(|(o, _)| matches!(o.operation, Operation::Sale | Operation::CloseBatch))
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let sale = order.operation == Operation::Sale;
            let mut exercised = false;
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            for outcome in f.outcomes(order) {
                let definitive = if sale {
                    matches!(outcome.result, OutcomeResult::Paid | OutcomeResult::NotPaid)
                } else {
                    matches!(outcome.result, OutcomeResult::BatchClosed | OutcomeResult::NotClosed)
                };
                if !definitive {
                    continue;
                }
                let ended: Vec<&TaskFact> = f
                    .tasks_of(of)
                    .filter(|t| {
                        t.ams.is_some() && matches!(t.request, TaskRequest::Sale(_) | TaskRequest::CloseBatch(_))
                    })
                    .filter(|t| t.ended.is_some_and(|(at, s)| at <= outcome.at && s != TaskState::Cancelled))
                    .collect();
                if ended.is_empty() {
                    continue;
                }
                exercised = true;
                // The result the outcome came from: a task's transaction (or batch) read after
                // that task ended; with several tasks (a duplicate) any of them.
                let read_after_end = |task: &TaskFact| {
                    let (ended_at, _) = task.ended.unwrap_or((outcome.at, TaskState::Completed));
                    let ams = task.ams.as_deref().unwrap_or_default();
                    f.reqs_of(of).any(|r| {
                        let names = match &r.call {
                            Call::Transaction { ams: a } => sale && a == ams,
                            Call::Batch { ams: a } => !sale && a == ams,
                            _ => false,
                        };
                        names
                            && r.status == 200
                            && r.stamps.received >= ended_at
                            && r.answered() <= outcome.at
                            && r.answer().is_some_and(|a| a.get("result").and_then(|v| v.as_i64()) != Some(-9))
                    })
                };
                let read: Vec<&&TaskFact> = ended.iter().filter(|t| read_after_end(t)).collect();
                // The read must be of a result that says what was reported: paid from a captured
                // transaction, not_paid from one that was not (a batch from its close).
                let supports = |t: &&&TaskFact| {
                    let got = t.ams.as_deref().is_some_and(|a| captured(f, a));
                    !sale || (outcome.result == OutcomeResult::Paid) == got
                };
                let what = if sale { "transaction" } else { "batch" };
                if read.is_empty() {
                    let task = ended[ended.len() - 1];
                    problems.push(format!(
                        "reported {} at {} without reading {what} {} after task {} ended at {}",
                        word(outcome.result),
                        outcome.at,
                        task.ams.as_deref().unwrap_or_default(),
                        task.id,
                        task.ended.map_or(outcome.at, |(at, _)| at)
                    ));
                    evidence.push(outcome_line(outcome.at, outcome.result));
                } else if !read.iter().any(supports) {
                    let seen: Vec<&str> = read.iter().filter_map(|t| t.ams.as_deref()).collect();
                    problems.push(format!(
                        "reported {} at {}, but no {what} read says so ({} read: {})",
                        word(outcome.result),
                        outcome.at,
                        if outcome.result == OutcomeResult::Paid { "none captured" } else { "captured" },
                        seen.join(", ")
                    ));
                    evidence.push(outcome_line(outcome.at, outcome.result));
                }
            }
            if !exercised {
                return Verdict::not_exercised(
                    NOT_PAYMENT,
                    id,
                    expected,
                    "no outcome followed a task of the order that ended with a transaction or batch",
                );
            }
            Verdict::from_problems(
                NOT_PAYMENT,
                id,
                expected,
                problems,
                evidence,
                "the result was read before each outcome",
            )
        })
        .collect();
    or_none(verdicts, NOT_PAYMENT, expected, "Cloud sale or close batch")
}

const POLL: &str = "CLOUD-POLL-UNTIL-FINAL";

/// When the integration learned task `task` was final: the first delivered answer (a poll,
/// or a list by reference) that showed it final.
fn seen_final(f: &Facts, of: &OrderFacts, task: &TaskFact) -> Option<VirtualTime> {
    f.reqs_of(of)
        .filter(|r| match &r.call {
            Call::Poll { task: t } => t == &task.id && r.task_state().is_some_and(TaskState::is_final),
            Call::List { .. } => r.answer().and_then(|a| a.get("tasks")?.as_array().cloned()).is_some_and(|tasks| {
                tasks.iter().any(|t| {
                    t.get("taskId").and_then(|v| v.as_str()) == Some(task.id.as_str())
                        && t.get("state")
                            .and_then(|v| v.as_str())
                            .and_then(TaskState::parse)
                            .is_some_and(TaskState::is_final)
                })
            }),
            _ => false,
        })
        .map(Req::answered)
        .next()
}

/// CLOUD-POLL-UNTIL-FINAL: each task is polled, within the patience window each time, until a
/// final state is seen, and not after.
pub(super) fn poll_until_final(f: &Facts) -> Vec<Verdict> {
    let expected = "poll each task (at most the patience window apart) until COMPLETED, FAILED or CANCELLED is seen, \
                    and not after";
    let verdicts = cloud_orders(f, None)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let reqs: Vec<&Req> = f.reqs_of(of).collect();
            let tasks: Vec<&TaskFact> = f.tasks_of(of).collect();
            let polled = |task: &TaskFact| -> Vec<&Req> {
                reqs.iter().copied().filter(|r| matches!(&r.call, Call::Poll { task: t } if *t == task.id)).collect()
            };
            // A lookup by reference that already shows the task final needs no poll after it.
            if tasks.iter().all(|t| polled(t).is_empty() && seen_final(f, of, t).is_none()) {
                return Verdict::not_exercised(POLL, id, expected, "no task of the order was polled or seen final");
            }
            let outcomes = f.outcomes(order);
            let patience = f.patience() + f.tolerance(f.patience());
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            for (n, task) in tasks.iter().enumerate() {
                let polls = polled(task);
                let seen = seen_final(f, of, task);
                if let Some(seen) = seen {
                    let after: Vec<&&Req> = polls.iter().filter(|r| r.arrived() > seen).collect();
                    if !after.is_empty() {
                        problems.push(format!(
                            "polled task {} {} more time(s) after it was final",
                            task.id,
                            after.len()
                        ));
                        evidence.extend(after.iter().take(3).map(|r| r.line.clone()));
                    }
                }
                // The last task of the order must not be given up on while it is live.
                if n + 1 < tasks.len() || polls.is_empty() {
                    continue;
                }
                if seen.is_none() {
                    let claimed = outcomes.iter().find(|o| o.result != OutcomeResult::Unknown && o.at >= task.created);
                    if let Some(o) = claimed {
                        problems.push(format!(
                            "reported {} at {} without seeing task {} final",
                            word(o.result),
                            o.at,
                            task.id
                        ));
                        evidence.push(outcome_line(o.at, o.result));
                        continue;
                    }
                }
                // Every wait until it was seen final ("later" is at most the patience window).
                let watched: Vec<&Req> =
                    polls.iter().copied().filter(|r| seen.is_none_or(|s| r.arrived() <= s)).collect();
                let mut gaps: Vec<(VirtualTime, VirtualTime)> =
                    watched.windows(2).map(|w| (w[0].answered(), w[1].arrived())).collect();
                let quit = outcomes
                    .iter()
                    .map(|o| o.at)
                    .find(|at| *at >= task.created)
                    .unwrap_or(of.deadline)
                    .min(of.deadline);
                if let (None, Some(last)) = (seen, watched.last()) {
                    let live_until = task.ended.map_or(quit, |(at, _)| at.max(last.answered()).min(quit));
                    gaps.push((last.answered(), live_until.max(last.answered())));
                }
                if let Some((from, to)) = gaps.into_iter().find(|(from, to)| *to - *from > patience) {
                    problems.push(format!(
                        "left task {} unpolled for {} (from {from} to {to}) while it was not known final, longer \
                         than the patience window",
                        task.id,
                        to - from
                    ));
                    evidence.extend(watched.iter().rev().take(2).map(|r| r.line.clone()));
                }
            }
            Verdict::from_problems(POLL, id, expected, problems, evidence, "polled until final, not after")
        })
        .collect();
    or_none(verdicts, POLL, expected, "Cloud order")
}

const DUPLICATE: &str = "CLOUD-NO-DUPLICATE-SALE";

/// CLOUD-NO-DUPLICATE-SALE: no second SALE task for an order while an earlier one is not
/// final, unless that one was withdrawn first. Tasks are the World's, so a task whose create
/// answer was lost counts.
pub(super) fn no_duplicate_sale(f: &Facts) -> Vec<Verdict> {
    let expected = "one SALE task per order while it is not final (a withdrawn one aside)";
    let verdicts = cloud_orders(f, Some(Operation::Sale))
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let sales: Vec<&TaskFact> = f.tasks_of(of).filter(|t| matches!(t.request, TaskRequest::Sale(_))).collect();
            if sales.is_empty() {
                return Verdict::not_exercised(DUPLICATE, id, expected, "no SALE task was created for the order");
            }
            for (i, second) in sales.iter().enumerate().skip(1) {
                if let Some(first) = sales[..i].iter().find(|t| !t.final_at(second.created)) {
                    return Verdict::fail(
                        DUPLICATE,
                        id,
                        expected,
                        format!(
                            "SALE task {} was created at {} while task {} (created {}) was not final",
                            second.id, second.created, first.id, first.created
                        ),
                        f.reqs_of(of).filter(|r| matches!(r.call, Call::Create { .. })).take(4).map(|r| r.line.clone()),
                    );
                }
            }
            Verdict::pass(DUPLICATE, id, expected, format!("{} SALE task(s), never two at once", sales.len()))
        })
        .collect();
    or_none(verdicts, DUPLICATE, expected, "Cloud sale")
}

const TOTALS: &str = "CLOUD-BATCH-TOTALS";

/// The batch fields compared, with the World's value of each.
fn truth(totals: &crate::world::batch::Totals) -> [(&'static str, i64); 6] {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    [
        ("saleCount", count(totals.sale_count)),
        ("saleAmount", totals.sale_amount),
        ("voidCount", count(totals.void_count)),
        ("voidAmount", totals.void_amount),
        ("totalCount", count(totals.total_count())),
        ("totalAmount", totals.total_amount()),
    ]
}

/// CLOUD-BATCH-TOTALS: a `batch_closed` outcome follows a read of the closed batch and
/// carries its totals.
pub(super) fn batch_totals(f: &Facts) -> Vec<Verdict> {
    let expected = "a batch_closed outcome follows GET /v1/batches/{amsId} of the closed batch and carries its totals";
    let verdicts = cloud_orders(f, Some(Operation::CloseBatch))
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            // The last batch_closed is the one that counts (an order's last outcome stands).
            let Some(outcome) = f.outcomes(order).into_iter().rfind(|o| o.result == OutcomeResult::BatchClosed) else {
                return Verdict::not_exercised(TOTALS, id, expected, "no batch_closed outcome was reported");
            };
            judge_totals(f, of, &outcome, expected, id)
        })
        .collect();
    or_none(verdicts, TOTALS, expected, "Cloud close-batch order")
}

fn judge_totals(f: &Facts, of: &OrderFacts, outcome: &Reported, expected: &str, id: Option<&str>) -> Verdict {
    let line = outcome_line(outcome.at, outcome.result);
    let Some(ams) = super::money::batch_closed_by(f, of, outcome.at) else {
        return Verdict::fail(
            TOTALS,
            id,
            expected,
            "reported batch_closed, but no batch of the order had closed",
            [line],
        );
    };
    let batch = &f.world.batches[&ams];
    let read = f.reqs_of(of).any(|r| {
        matches!(&r.call, Call::Batch { ams: a } if *a == ams)
            && r.status == 200
            && r.delivered()
            && r.stamps.received >= batch.at
            && r.answered() <= outcome.at
    });
    let reported = outcome.details.get("batch");
    let wrong: Vec<String> = truth(&batch.totals)
        .iter()
        .filter(|(k, v)| reported.and_then(|b| b.get(*k)).and_then(|x| x.as_i64()) != Some(*v))
        .map(|(k, v)| {
            let said = reported.and_then(|b| b.get(*k)).map_or("nothing".to_owned(), |x| x.to_string());
            format!("{k}: reported {said}, the closed batch {ams} has {v}")
        })
        .collect();
    let mut problems = Vec::new();
    if !read {
        problems.push(format!("reported batch_closed without reading GET /v1/batches/{ams} after it closed"));
    }
    if !wrong.is_empty() {
        problems.push("the reported totals differ from the closed batch".to_owned());
    }
    let mut evidence = vec![line];
    evidence.extend(wrong);
    Verdict::from_problems(TOTALS, id, expected, problems, evidence, "the totals match the batch read")
}

const PARALLEL: &str = "CLOUD-QUEUE-PARALLEL";

/// CLOUD-QUEUE-PARALLEL: with several orders on one terminal, each order's outcome is its own
/// task's: the task it names is its own, and paid/not_paid is what its own task did.
pub(super) fn queue_parallel(f: &Facts) -> Vec<Verdict> {
    let expected = "with several orders on one terminal, each tracked by its own task to its own outcome";
    let mut per_tid: BTreeMap<&str, Vec<(&Order, &OrderFacts)>> = BTreeMap::new();
    for (order, of) in cloud_orders(f, None).filter(|(_, of)| !of.tasks.is_empty()) {
        per_tid.entry(order.tid.as_str()).or_default().push((order, of));
    }
    let shared: Vec<(&Order, &OrderFacts)> = per_tid.into_values().filter(|v| v.len() >= 2).flatten().collect();
    if shared.is_empty() {
        return vec![Verdict::not_exercised(PARALLEL, None, expected, "no two orders had tasks on one terminal")];
    }
    let mut mixed = Vec::new();
    for (order, of) in &shared {
        let own: Vec<&TaskFact> = f.tasks_of(of).collect();
        for outcome in f.outcomes(order) {
            if let Some(named) = outcome.details.get("taskId").and_then(|v| v.as_str())
                && !own.iter().any(|t| t.id == named)
            {
                mixed.push(format!("order {} reported task {named}, which is not its own", order.id));
            }
            let approved = own
                .iter()
                .rev()
                .find(|t| t.final_at(outcome.at))
                .and_then(|t| t.ams.as_deref())
                .is_some_and(|a| captured(f, a));
            let wrong = match outcome.result {
                OutcomeResult::Paid => !approved,
                OutcomeResult::NotPaid => approved,
                _ => false,
            };
            if wrong && order.operation == Operation::Sale {
                mixed.push(format!(
                    "order {} reported {} at {}, but its own task had {}",
                    order.id,
                    word(outcome.result),
                    outcome.at,
                    if approved { "an approved payment" } else { "no approved payment" }
                ));
            }
        }
    }
    vec![Verdict::from_problems(
        PARALLEL,
        None,
        expected,
        if mixed.is_empty() { Vec::new() } else { vec!["outcomes were not the orders' own tasks'".to_owned()] },
        mixed,
        format!("{} orders sharing a terminal, each with its own task's outcome", shared.len()),
    )]
}
