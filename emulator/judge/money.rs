//! The money-safety rules, judged against the ledger (the emulator's ground truth), never
//! against what the integration says: MONEY-NO-DOUBLE-CHARGE, MONEY-NO-LOST-PAYMENT and
//! MONEY-TRUTHFUL-OUTCOME.

use std::collections::BTreeMap;

use super::facts::{Facts, OrderFacts, word};
use super::verdict::Verdict;
use crate::record::events::OutcomeResult;
use crate::scenario::model::{Operation, Order};
use crate::time::VirtualTime;
use crate::world::ledger::{LedgerEntry, LedgerKind};

/// Payments of an order still standing at `at` (captured, not voided or refunded), with their
/// ledger lines.
pub(super) fn standing(f: &Facts, of: &OrderFacts, at: VirtualTime) -> BTreeMap<String, (i128, Vec<String>)> {
    let mut out: BTreeMap<String, (i128, Vec<String>)> = BTreeMap::new();
    for e in f.money_of(of).filter(|e| e.at <= at) {
        let entry = out.entry(e.payment.clone()).or_default();
        let amount = i128::from(e.amount);
        entry.0 += if e.kind == LedgerKind::Capture { amount } else { -amount };
        entry.1.push(ledger_line(e));
    }
    out.retain(|_, (net, _)| *net > 0);
    out
}

/// Whether money of the order came back (`kind`) by `at`.
pub(super) fn returned(f: &Facts, of: &OrderFacts, kind: LedgerKind, at: VirtualTime) -> bool {
    f.money_of(of).any(|e| e.at <= at && e.kind == kind)
}

/// A ledger entry, as evidence.
pub(super) fn ledger_line(e: &LedgerEntry) -> String {
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

/// An outcome, as evidence.
pub(super) fn outcome_line(at: VirtualTime, result: OutcomeResult) -> String {
    format!("event {at} outcome {}", word(result))
}

fn pays(order: &Order) -> bool {
    matches!(order.operation, Operation::Sale | Operation::Invoice)
}

/// Whether the integration tried to pay for the order (a task, a payment link, an invoice).
fn attempted(f: &Facts, of: &OrderFacts) -> bool {
    !of.tasks.is_empty()
        || !of.invoices.is_empty()
        || f.reqs_of(of).any(|r| matches!(&r.call, super::facts::Call::Link(l) if l.is_payment()))
}

const DOUBLE: &str = "MONEY-NO-DOUBLE-CHARGE";
const LOST: &str = "MONEY-NO-LOST-PAYMENT";
const TRUTHFUL: &str = "MONEY-TRUTHFUL-OUTCOME";

/// MONEY-NO-DOUBLE-CHARGE: at the end, at most one standing payment per order.
pub(super) fn no_double_charge(f: &Facts) -> Vec<Verdict> {
    let expected = "at most one captured, un-voided, un-refunded payment for the order at the end";
    f.each_order()
        .filter(|(o, _)| pays(o))
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let payments = standing(f, of, VirtualTime(i64::MAX));
            if payments.len() > 1 {
                let evidence = payments.values().flat_map(|(_, lines)| lines.clone());
                return Verdict::fail(
                    DOUBLE,
                    id,
                    expected,
                    format!("the customer was charged {} times", payments.len()),
                    evidence,
                );
            }
            if payments.is_empty() && !attempted(f, of) {
                return Verdict::not_exercised(DOUBLE, id, expected, "no payment was attempted for the order");
            }
            Verdict::pass(DOUBLE, id, expected, format!("{} standing payment(s)", payments.len()))
        })
        .collect()
}

/// MONEY-NO-LOST-PAYMENT: money the ledger shows captured is never reported `not_paid`.
pub(super) fn no_lost_payment(f: &Facts) -> Vec<Verdict> {
    let expected = "a payment the ledger shows captured is never reported not_paid";
    f.each_order()
        .filter(|(o, _)| pays(o))
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let at_end = standing(f, of, VirtualTime(i64::MAX));
            let said: Vec<_> = f.outcomes(order).into_iter().filter(|o| o.result == OutcomeResult::NotPaid).collect();
            if at_end.is_empty() && said.is_empty() {
                return Verdict::not_exercised(
                    LOST,
                    id,
                    expected,
                    "no payment was captured and none reported not_paid",
                );
            }
            if !at_end.is_empty() && !said.is_empty() {
                let mut evidence: Vec<String> = said.iter().map(|o| outcome_line(o.at, o.result)).collect();
                evidence.extend(at_end.values().flat_map(|(_, lines)| lines.clone()));
                return Verdict::fail(LOST, id, expected, "reported not_paid, but the customer paid", evidence);
            }
            Verdict::pass(LOST, id, expected, "no captured payment was reported not_paid")
        })
        .collect()
}

/// Whether a batch was closed for the order by `at`: one its Cloud tasks closed, or one a deep
/// link of the order answered `COMPLETED` with.
pub(super) fn batch_closed_by(f: &Facts, of: &OrderFacts, at: VirtualTime) -> Option<String> {
    let by_task = f.tasks_of(of).filter_map(|t| t.ams.clone());
    let by_link = f
        .reqs_of(of)
        .filter(|r| matches!(r.call, super::facts::Call::Link(_)))
        .filter_map(|r| r.answer()?.get("batch")?.get("amsId")?.as_str().map(str::to_owned));
    by_task.chain(by_link).find(|ams| f.world.batches.get(ams).is_some_and(|b| b.at <= at))
}

/// MONEY-TRUTHFUL-OUTCOME: the last reported outcome matches the ledger when it was reported;
/// and every charge of a multi-order scenario carries an order's reference.
pub(super) fn truthful_outcome(f: &Facts) -> Vec<Verdict> {
    let expected = "the last reported outcome equals the ledger's state for the order when it was reported";
    let mut verdicts: Vec<Verdict> = f.each_order().map(|(order, of)| truthful(f, order, of, expected)).collect();
    if !f.unattributed.is_empty() {
        let lines: Vec<String> = f.unattributed.iter().map(|i| ledger_line(&f.record.ledger[*i])).collect();
        verdicts.push(Verdict::fail(
            TRUTHFUL,
            None,
            "every charge carries the reference of the order it was made for",
            format!("{} charge(s) could not be attributed to an order", lines.len()),
            lines,
        ));
    }
    verdicts
}

fn truthful(f: &Facts, order: &Order, of: &OrderFacts, expected: &str) -> Verdict {
    let id = Some(order.id.as_str());
    let Some(last) = f.outcomes(order).pop() else {
        return Verdict::not_exercised(TRUTHFUL, id, expected, "no outcome was reported");
    };
    if last.result == OutcomeResult::Unknown {
        return Verdict::not_exercised(TRUTHFUL, id, expected, "the last outcome was unknown, which claims nothing");
    }
    let at = last.at;
    let mut evidence = vec![outcome_line(at, last.result)];
    evidence.extend(f.money_of(of).map(ledger_line));
    let (true_then, then) = truth(f, order, of, last.result, at);
    if !true_then {
        let happened = format!("reported {} while the ledger showed {then}", word(last.result));
        return Verdict::fail(TRUTHFUL, id, expected, happened, evidence);
    }
    // conformance.md: "a later change (a refund after success) must be reported only if it
    // happens while the integration is still running". A change of the ledger before the
    // integration finished (and before the deadline) must be reported: a refund after
    // success, a payment that completed after all. A void is the integration's own doing,
    // reported on the order that asked for it.
    let until = f.record.finished.min(of.deadline);
    let moved =
        f.money_of(of).filter(|e| e.at > at && e.at <= until && e.kind != LedgerKind::Void).map(|e| e.at).last();
    if let Some(moved) = moved {
        let (true_later, later) = truth(f, order, of, last.result, until);
        if !true_later {
            let happened = format!(
                "reported {} at {at}, but the ledger moved at {moved} while the integration still ran (until {until}) \
                 and showed {later}, and no outcome followed",
                word(last.result)
            );
            return Verdict::fail(TRUTHFUL, id, expected, happened, evidence);
        }
    }
    Verdict::pass(TRUTHFUL, id, expected, format!("reported {} with {then}", word(last.result)))
}

/// Whether outcome `result` of the order was true at `at`, and what the ledger showed.
fn truth(f: &Facts, order: &Order, of: &OrderFacts, result: OutcomeResult, at: VirtualTime) -> (bool, &'static str) {
    let paid = !standing(f, of, at).is_empty();
    match result {
        OutcomeResult::Unknown => (true, "nothing claimed"),
        OutcomeResult::Paid => (paid, if paid { "a payment standing" } else { "no payment standing" }),
        OutcomeResult::NotPaid => (!paid, if paid { "a payment standing" } else { "no payment standing" }),
        OutcomeResult::Refunded => {
            let refunded = returned(f, of, LedgerKind::Refund, at) && !paid;
            (refunded, if refunded { "the payment refunded" } else { "no refund" })
        }
        OutcomeResult::Voided | OutcomeResult::NotVoided => {
            // A void order answers for its own VOID (another order may have voided the sale
            // first); any other order for its money.
            let voided = if order.operation == Operation::Void {
                super::voids::voided_by(f, of, at)
            } else {
                returned(f, of, LedgerKind::Void, at)
            };
            let claims = result == OutcomeResult::Voided;
            (voided == claims, if voided { "the sale voided by the order" } else { "no void by the order" })
        }
        OutcomeResult::BatchClosed | OutcomeResult::NotClosed => {
            let closed = batch_closed_by(f, of, at).is_some();
            let claims = result == OutcomeResult::BatchClosed;
            (closed == claims, if closed { "a batch closed for the order" } else { "no batch closed for the order" })
        }
    }
}
