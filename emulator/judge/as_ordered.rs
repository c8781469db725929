//! MONEY-AS-ORDERED: what the integration asks for is what the order says — a payment on the
//! order's terminal, for its amount, tip and currency, carrying its reference; a void or cancel
//! naming the order's sale; an invoice for the order's total, under its id — compared as
//! payterm decoded each request, on every surface. A request that moves money for no order
//! fails too. [`differences`] is shared with LIVENESS-OUTCOME, where a refusal the integration
//! caused by asking for something else excuses nothing.

use std::collections::BTreeSet;

use serde_json::Value;

use super::facts::{Call, CreateKind, Facts, OrderFacts, Req};
use super::verdict::Verdict;
use crate::scenario::model::Order;

const RULE: &str = "MONEY-AS-ORDERED";

/// Whether `req` asks for money to move (a payment, a void, an invoice) or a batch to close:
/// the requests this rule reads.
pub(super) fn moves_money(req: &Req) -> bool {
    match &req.call {
        Call::Create { .. } | Call::Invoice { .. } => true,
        Call::Link(link) => {
            link.is_payment() || matches!(link.operation.as_str(), "transaction/cancel" | "batch/close")
        }
        _ => false,
    }
}

/// How `req`, a request of `order`, differs from what the order says (empty: as ordered).
pub(super) fn differences(f: &Facts, order: &Order, of: &OrderFacts, req: &Req) -> Vec<String> {
    let mut out = Vec::new();
    let ordered_amount = order.amount.map_or_else(none, |a| a.to_string());
    let ordered_tip = order.tip.filter(|t| *t > 0).map_or_else(none, |t| t.to_string());
    match &req.call {
        Call::Create { kind: CreateKind::Sale, .. } => {
            let body = &req.request;
            if let Some(tid) = &req.annotations.tid {
                differs(&mut out, "on terminal", tid.clone(), order.tid.as_str().to_owned());
            }
            differs(&mut out, "amount", json_text(body.get("amount")), ordered_amount);
            differs(&mut out, "tipAmount", tip(Some(json_text(body.get("tipAmount")))), ordered_tip);
            differs(&mut out, "currencyCode", json_text(body.get("currencyCode")), order.currency.code().to_owned());
            differs(&mut out, "originReferenceNum", json_text(body.get("originReferenceNum")), order.reference.clone());
        }
        Call::Create { kind: CreateKind::Void, origin, .. } => {
            if let Some(sale) = &of.void_target {
                differs(&mut out, "a VOID of", text(origin.as_deref()), sale.clone());
            }
        }
        Call::Create { kind: CreateKind::CloseBatch, .. } => {
            if let Some(tid) = &req.annotations.tid {
                differs(&mut out, "a close batch on terminal", tid.clone(), order.tid.as_str().to_owned());
            }
        }
        Call::Create { kind: CreateKind::Unreadable, .. } => {
            out.push("a task whose body says neither SALE nor VOID".to_owned());
        }
        Call::Link(link) if link.operation == "transaction/cancel" => {
            if let Some(sale) = &of.void_target {
                differs(&mut out, "a cancel of amsID", text(link.ams.as_deref()), sale.clone());
            }
        }
        Call::Link(link) if link.is_payment() => {
            differs(&mut out, "amount", text(link.amount.as_deref()), ordered_amount);
            differs(&mut out, "tipAmount", tip(link.tip.clone()), ordered_tip);
            differs(&mut out, "originReferenceNum", text(link.reference.as_deref()), order.reference.clone());
        }
        Call::Invoice { invoice } => {
            let payload = &req.request["payload"];
            let id = invoice.as_deref().unwrap_or_default();
            if !is_try_of(id, &order.reference) {
                out.push(format!(
                    "invoice id {id}, the order says {} (or {}-N for another try)",
                    order.reference, order.reference
                ));
            }
            differs(&mut out, "total", json_text(payload.get("total")), ordered_amount);
            let store = f.scenario().stores.first().map_or("testingstore", |s| s.name.as_str());
            differs(&mut out, "store", json_text(payload.get("store")), store.to_owned());
        }
        _ => {}
    }
    out
}

/// Notes in `out` that the request asked `asked` where the order says `ordered`.
fn differs(out: &mut Vec<String>, what: &str, asked: String, ordered: String) {
    if asked != ordered {
        out.push(format!("{what} {asked}, the order says {ordered}"));
    }
}

fn none() -> String {
    "none".to_owned()
}

/// A JSON value as it reads: a string's text, anything else as JSON, `none` when absent.
fn json_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => none(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

fn text(value: Option<&str>) -> String {
    value.map_or_else(none, str::to_owned)
}

/// A tip as asked: a zero tip is no tip.
fn tip(value: Option<String>) -> String {
    value.filter(|t| t != "none" && !t.bytes().all(|b| b == b'0')).unwrap_or_else(none)
}

/// Whether invoice id `id` is the order's `reference`, or `<reference>-<n>`: another try.
fn is_try_of(id: &str, reference: &str) -> bool {
    id == reference
        || id
            .strip_prefix(reference)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// MONEY-AS-ORDERED for every order, and once for the scenario when a request moved money for
/// no order.
pub(super) fn as_ordered(f: &Facts) -> Vec<Verdict> {
    let expected = "the order's terminal, amount, tip, currency and reference; a void or cancel of the order's sale";
    let mut verdicts: Vec<Verdict> = f
        .each_order()
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let asked: Vec<&Req> = f.reqs_of(of).filter(|r| moves_money(r)).collect();
            if asked.is_empty() {
                return Verdict::not_exercised(RULE, id, expected, "no payment, void, close or invoice was asked for");
            }
            let mut problems = Vec::new();
            for r in &asked {
                let wrong = differences(f, order, of, r);
                if !wrong.is_empty() {
                    problems.push((r.line.clone(), wrong.join("; ")));
                }
            }
            let evidence = problems.iter().take(5).map(|(line, _)| line.clone()).collect();
            let said = problems.iter().take(3).map(|(_, what)| what.clone()).collect();
            Verdict::from_problems(RULE, id, expected, said, evidence, format!("{} request(s) as ordered", asked.len()))
        })
        .collect();
    let owned: BTreeSet<usize> = f.orders.iter().flat_map(|o| o.reqs.iter().copied()).collect();
    let stray: Vec<&Req> = f.reqs.iter().filter(|r| moves_money(r) && !owned.contains(&r.index)).collect();
    if !stray.is_empty() {
        verdicts.push(Verdict::fail(
            RULE,
            None,
            expected,
            format!("{} request(s) asked for money for no order (no order's reference, sale or terminal)", stray.len()),
            stray.iter().take(5).map(|r| r.line.clone()),
        ));
    }
    verdicts
}
