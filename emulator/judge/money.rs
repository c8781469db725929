//! The money-safety rules and liveness, judged against the ledger (the emulator's ground
//! truth), never against what the integration says: MONEY-NO-DOUBLE-CHARGE,
//! MONEY-NO-LOST-PAYMENT, MONEY-TRUTHFUL-OUTCOME, LIVENESS-OUTCOME.

use std::collections::{BTreeMap, HashMap};

use super::verdict::{Verdict, VerdictKind};
use crate::journal::JournalEntry;
use crate::runner::Record;
use crate::runner::events::{EventKind, OutcomeResult};
use crate::scenario::model::{Operation, Order, VoidTarget};
use crate::world::clock::{VirtualDuration, VirtualTime};
use crate::world::events::WorldEventKind;
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::{LedgerEntry, LedgerKind};

/// Whether ledger entry `e` belongs to `order`: its reference, or (an invoice) a new
/// invoice for the same order, `<reference>-N`. A void order's money is the voided payment's:
/// a history sale's AMS id, or the payment of the sale order it voids.
fn belongs(e: &LedgerEntry, order: &Order) -> bool {
    match (&order.operation, &order.void_target) {
        (Operation::Void, Some(VoidTarget::AmsId(ams))) => return &e.payment == ams,
        (Operation::Void, Some(VoidTarget::Order(_))) => return false,
        _ => {}
    }
    match e.reference.as_deref() {
        Some(r) if r == order.reference => true,
        Some(r) => {
            order.operation == Operation::Invoice
                && r.strip_prefix(order.reference.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|n| n.parse::<u32>().is_ok())
        }
        None => false,
    }
}

/// Payments of `order` still standing at `at` (captured, not voided or refunded), with their
/// ledger lines.
fn standing(record: &Record, order: &Order, at: VirtualTime) -> BTreeMap<String, (i64, Vec<String>)> {
    let mut out: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for e in record.ledger.iter().filter(|e| e.at <= at && belongs(e, order)) {
        let entry = out.entry(e.payment.clone()).or_default();
        let amount = i64::try_from(e.amount).unwrap_or(i64::MAX);
        entry.0 += if e.kind == LedgerKind::Capture { amount } else { -amount };
        entry.1.push(ledger_line(e));
    }
    out.retain(|_, (net, _)| *net > 0);
    out
}

fn ledger_line(e: &LedgerEntry) -> String {
    format!(
        "ledger {} {:?} {} {} of {} (ref {})",
        e.at,
        e.kind,
        e.amount,
        e.currency,
        e.payment,
        e.reference.as_deref().unwrap_or("-")
    )
    .to_lowercase()
}

fn outcomes(record: &Record, order: &Order) -> Vec<(VirtualTime, OutcomeResult)> {
    record
        .events
        .iter()
        .filter(|e| e.order == order.id)
        .filter_map(|e| match &e.kind {
            EventKind::Outcome { result, .. } => Some((e.at, *result)),
            _ => None,
        })
        .collect()
}

fn event_line(at: VirtualTime, result: OutcomeResult) -> String {
    format!(
        "event {at} outcome {}",
        serde_json::to_value(result).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    )
}

/// MONEY-NO-DOUBLE-CHARGE: at the end, at most one standing payment per order.
pub fn no_double_charge(record: &Record, order: &Order) -> Verdict {
    let rule = "MONEY-NO-DOUBLE-CHARGE";
    let expected = "at most one captured, un-voided, un-refunded payment for the order at the end";
    let payments = standing(record, order, VirtualTime(i64::MAX));
    if payments.len() > 1 {
        let evidence = payments.values().flat_map(|(_, lines)| lines.clone());
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            format!("the customer was charged {} times", payments.len()),
        )
        .with_evidence(evidence);
    }
    let kind = if matches!(order.operation, Operation::Sale | Operation::Invoice) {
        VerdictKind::Pass
    } else {
        VerdictKind::NotExercised
    };
    Verdict::new(rule, Some(&order.id), kind, expected, format!("{} standing payment(s)", payments.len()))
}

/// MONEY-NO-LOST-PAYMENT: money the ledger shows captured is never reported `not_paid`.
pub fn no_lost_payment(record: &Record, order: &Order) -> Verdict {
    let rule = "MONEY-NO-LOST-PAYMENT";
    let expected = "a payment the ledger shows captured is never reported not_paid";
    let at_end = standing(record, order, VirtualTime(i64::MAX));
    let lost: Vec<_> = outcomes(record, order).into_iter().filter(|(_, r)| *r == OutcomeResult::NotPaid).collect();
    if !at_end.is_empty() && !lost.is_empty() {
        let mut evidence: Vec<String> = lost.iter().map(|(at, r)| event_line(*at, *r)).collect();
        evidence.extend(at_end.values().flat_map(|(_, lines)| lines.clone()));
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            "reported not_paid, but the customer paid",
        )
        .with_evidence(evidence);
    }
    let kind = if at_end.is_empty() && lost.is_empty() { VerdictKind::NotExercised } else { VerdictKind::Pass };
    Verdict::new(rule, Some(&order.id), kind, expected, "no captured payment was reported not_paid")
}

/// MONEY-TRUTHFUL-OUTCOME: the last reported outcome matches the ledger when it was reported.
pub fn truthful_outcome(record: &Record, order: &Order) -> Verdict {
    let rule = "MONEY-TRUTHFUL-OUTCOME";
    let expected = "the last reported outcome equals the ledger's state for the order when it was reported";
    let Some((at, result)) = outcomes(record, order).last().copied() else {
        return Verdict::new(rule, Some(&order.id), VerdictKind::NotExercised, expected, "no outcome was reported");
    };
    // A void of another order's sale is judged on that order's money.
    let subject = match (&order.operation, &order.void_target) {
        (Operation::Void, Some(VoidTarget::Order(of))) => {
            record.scenario.orders.iter().find(|o| &o.id == of).unwrap_or(order)
        }
        _ => order,
    };
    let order_ref = order;
    let order = subject;
    let paid_then = !standing(record, order, at).is_empty();
    let returned_then = record.ledger.iter().any(|e| e.at <= at && belongs(e, order) && e.kind != LedgerKind::Capture);
    let truthful = match result {
        OutcomeResult::Paid => paid_then,
        OutcomeResult::NotPaid => !paid_then,
        OutcomeResult::Refunded => returned_then && !paid_then,
        OutcomeResult::Voided => returned_then,
        OutcomeResult::NotVoided => true,
        // Batch outcomes are judged by CLOUD-BATCH-TOTALS; `unknown` claims nothing.
        OutcomeResult::BatchClosed | OutcomeResult::NotClosed | OutcomeResult::Unknown => true,
    };
    let mut evidence = vec![event_line(at, result)];
    evidence.extend(record.ledger.iter().filter(|e| belongs(e, order)).map(ledger_line));
    let order = order_ref;
    let kind = if truthful { VerdictKind::Pass } else { VerdictKind::Fail };
    let happened = if truthful {
        "the outcome matched the ledger".to_owned()
    } else {
        format!(
            "reported {} while the ledger showed {}",
            event_line(at, result).rsplit(' ').next().unwrap_or("?"),
            if paid_then { "the customer paying" } else { "no payment standing" }
        )
    };
    Verdict::new(rule, Some(&order.id), kind, expected, happened).with_evidence(evidence)
}

/// MONEY-TRUTHFUL-OUTCOME for money no order can be held to: a charge with no reference, or
/// a reference no order has.
pub fn unattributed(record: &Record) -> Option<Verdict> {
    let lines: Vec<String> = record
        .ledger
        .iter()
        // History (before the start) is the World's past, not the integration's doing.
        .filter(|e| e.at >= record.started)
        .filter(|e| e.kind == LedgerKind::Capture && !record.scenario.orders.iter().any(|o| belongs(e, o)))
        .map(ledger_line)
        .collect();
    (!lines.is_empty()).then(|| {
        Verdict::new(
            "MONEY-TRUTHFUL-OUTCOME",
            None,
            VerdictKind::Fail,
            "every charge carries the reference of the order it was made for",
            format!("{} charge(s) could not be attributed to an order", lines.len()),
        )
        .with_evidence(lines)
    })
}

/// What LIVENESS-OUTCOME asks of the journal about every order, gathered in one pass over it:
/// per order only what it finds costs, not a scan of the whole transcript (an `unknown` from
/// each of 1,000 orders would make that quadratic).
pub struct LiveIndex {
    /// Some initiator answer said `user_disabled`.
    disabled: bool,
    /// The request bodies of initiator exchanges answered with a fault after which the spec
    /// says stop.
    stops: Vec<String>,
    /// The task ids of created tasks (201), by the reference their request carried.
    tasks: HashMap<String, Vec<String>>,
    /// When each task first reached a final state (virtual time).
    task_done: HashMap<String, VirtualTime>,
    /// Invoices issued: when, the invoice id, the service's identifier.
    issued: Vec<(VirtualTime, String, String)>,
    /// When each invoice (by identifier) first reached a completed status.
    invoice_done: HashMap<String, VirtualTime>,
}

impl LiveIndex {
    /// The index of `record`'s journal.
    pub fn new(record: &Record) -> Self {
        let mut index = LiveIndex {
            disabled: false,
            stops: Vec::new(),
            tasks: HashMap::new(),
            task_done: HashMap::new(),
            issued: Vec::new(),
            invoice_done: HashMap::new(),
        };
        let earliest = |map: &mut HashMap<String, VirtualTime>, key: &str, at: VirtualTime| {
            let slot = map.entry(key.to_owned()).or_insert(at);
            *slot = (*slot).min(at);
        };
        for e in &record.journal {
            match e {
                JournalEntry::Exchange { exchange, .. } if exchange.surface == "initiator" => {
                    let body = exchange.response.text();
                    index.disabled |= body.contains("\"user_disabled\"");
                    if STOP_FAULTS.iter().any(|f| body.contains(f)) {
                        index.stops.push(exchange.request.text());
                    }
                }
                JournalEntry::Exchange { exchange, .. }
                    if exchange.surface == "cloud"
                        && exchange.status == 201
                        && exchange.target.starts_with("/v1/tasks/") =>
                {
                    let Ok(answer) = serde_json::from_str::<serde_json::Value>(&exchange.response.text()) else {
                        continue;
                    };
                    if let (Some(reference), Some(task)) =
                        (answer["request"]["originReferenceNum"].as_str(), answer["taskId"].as_str())
                    {
                        index.tasks.entry(reference.to_owned()).or_default().push(task.to_owned());
                    }
                }
                JournalEntry::World { event, .. } => match &event.kind {
                    WorldEventKind::TaskState { task, state, .. } if state.is_final() => {
                        earliest(&mut index.task_done, task.as_str(), event.at);
                    }
                    WorldEventKind::InvoiceIssued { identifier, invoice, .. } => {
                        index.issued.push((event.at, invoice.clone(), identifier.clone()));
                    }
                    WorldEventKind::InvoiceStatus {
                        identifier,
                        status:
                            InvoiceStatus::CompletedSuccess
                            | InvoiceStatus::CompletedRejected
                            | InvoiceStatus::CompletedRefunded,
                        ..
                    } => earliest(&mut index.invoice_done, identifier, event.at),
                    _ => {}
                },
                JournalEntry::Exchange { .. } => {}
            }
        }
        index
    }
}

/// The initiator faults after which the spec says stop, as they appear in an answer.
const STOP_FAULTS: [&str; 4] = ["\"bad_signature\"", "\"user_disabled\"", "\"resource_not_found\"", "\"unexpected\""];

/// Whether the service told the integration to stop on this order (a fault after which the
/// honest verdict is `unknown`), judging from the journal.
fn spec_said_stop(record: &Record, index: &LiveIndex, order: &Order) -> bool {
    // A disabled endpoint stops every order of the store, asked about or not.
    if index.disabled && order.surface == crate::world::ledger::Surface::Initiator {
        return true;
    }
    index.stops.iter().any(|request| request.contains(&order.reference) || record.scenario.orders.len() == 1)
}

/// Whether the order's payment existed and was still live at `at`: an invoice of the order not
/// completed, or a task of the order not final, by the World's own transitions. An order the
/// integration never acted on is not live: `unknown` for it is giving up, not honesty.
fn still_live(index: &LiveIndex, order: &Order, at: VirtualTime) -> bool {
    let open = |done: Option<&VirtualTime>| done.is_none_or(|done| *done > at);
    match order.operation {
        Operation::Invoice => {
            let prefix = format!("{}-", order.reference);
            index
                .issued
                .iter()
                .filter(|(issued, invoice, _)| {
                    *issued <= at && (invoice == &order.reference || invoice.starts_with(&prefix))
                })
                .any(|(_, _, identifier)| open(index.invoice_done.get(identifier)))
        }
        _ => index.tasks.get(&order.reference).into_iter().flatten().any(|task| open(index.task_done.get(task))),
    }
}

/// LIVENESS-OUTCOME: every order gets an outcome by its deadline; `unknown` only while the
/// payment is still live at the deadline, or after the spec said stop.
pub fn liveness(record: &Record, index: &LiveIndex, order: &Order) -> Verdict {
    let rule = "LIVENESS-OUTCOME";
    let expected =
        "an outcome by the deadline (unknown only while the payment is still live, or after the spec said stop)";
    let given = record.given.iter().find(|(id, _)| id == &order.id).map_or(record.started, |(_, at)| *at);
    let deadline = given + order.deadline;
    // conformance.md: timing is judged with a tolerance of 10 % or 5 real ms, whichever is
    // larger — the outcome is stamped when the runner reads it, after any stall of the machine.
    let slack = VirtualDuration((order.deadline.as_millis() / 10).max((5.0 / record.time_scale.max(1e-6)) as i64));
    let in_time: Vec<_> = outcomes(record, order).into_iter().filter(|(at, _)| *at <= deadline + slack).collect();
    let Some((at, result)) = in_time.last().copied() else {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            format!("no outcome by the deadline ({deadline}, with {slack} of tolerance)"),
        )
        .with_evidence(record.log.iter().rev().take(5).cloned());
    };
    // `unknown` given within the tolerance before the deadline is judged by what was live when
    // it was given (an integration must stop a little early to be on time); given earlier, by
    // what was live at the deadline (it should have kept watching).
    let judged_at = if at + slack >= deadline { at.min(deadline) } else { deadline };
    if result == OutcomeResult::Unknown && !spec_said_stop(record, index, order) && !still_live(index, order, judged_at)
    {
        return Verdict::new(
            rule,
            Some(&order.id),
            VerdictKind::Fail,
            expected,
            "reported unknown, but nothing was still in progress when it was reported (or at the deadline)",
        )
        .with_evidence([event_line(at, result)]);
    }
    Verdict::new(rule, Some(&order.id), VerdictKind::Pass, expected, "an outcome came in time")
        .with_evidence([event_line(at, result)])
}
