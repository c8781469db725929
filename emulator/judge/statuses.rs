//! The initiator rows about where a payment stands and what follows: HYPE-IN-PROCESS (never
//! hand out the URI again while paying; a first invoice still followed to its end),
//! HYPE-SUCCESS, HYPE-REFUNDED, HYPE-REJECTED, and HYPE-SKIP-FLAGGED.

use super::facts::{Facts, OrderFacts, Req, word};
use super::initiator::{Asked, asked, identifier_of, initiator_reqs, invoice_orders, or_none};
use super::liveness::{spec_said_stop, still_live};
use super::money::outcome_line;
use super::verdict::Verdict;
use crate::record::events::{EventKind, OutcomeResult};
use crate::scenario::model::Order;
use crate::time::VirtualTime;
use crate::world::invoice::InvoiceStatus;

/// The gateway URIs the service handed out for invoice `identifier`, as the integration got them.
fn gateway_uris(f: &Facts, identifier: &str) -> Vec<String> {
    f.reqs
        .iter()
        .filter(|r| matches!(asked(r), Some(Asked::Invoice(_))))
        .filter_map(|r| r.answer())
        .filter(|a| a.get("identifier").and_then(|v| v.as_str()) == Some(identifier))
        .filter_map(|a| a.get("gateway_uri").and_then(|v| v.as_str()).map(str::to_owned))
        .collect()
}

/// Whether `uri` is the gateway URI of invoice `identifier`: one the service answered, or one
/// whose last path segment is exactly the identifier.
fn is_uri_of(uri: &str, known: &[String], identifier: &str) -> bool {
    known.iter().any(|k| k == uri)
        || uri.split(['?', '#']).next().and_then(|p| p.rsplit('/').next()) == Some(identifier)
}

/// The `present_uri` events of an order, with when.
fn presented<'a>(f: &'a Facts, order: &'a Order) -> impl Iterator<Item = (VirtualTime, &'a str)> + 'a {
    f.record.events.iter().filter(move |e| e.order == order.id).filter_map(|e| match &e.kind {
        EventKind::PresentUri { uri } => Some((e.at, uri.as_str())),
        _ => None,
    })
}

const IN_PROCESS: &str = "HYPE-IN-PROCESS";

/// HYPE-IN-PROCESS.
pub(super) fn in_process(f: &Facts) -> Vec<Verdict> {
    let expected = "never hand out an invoice's URI again while its payment is in process (a new invoice's URI is \
                    fine); if a new invoice is issued, still follow the first to its final status and report it";
    let verdicts = invoice_orders(f).map(|(order, of)| in_process_one(f, order, of, expected)).collect();
    or_none(verdicts, IN_PROCESS, expected)
}

fn in_process_one(f: &Facts, order: &Order, of: &OrderFacts, expected: &str) -> Verdict {
    let id = Some(order.id.as_str());
    let reqs = initiator_reqs(f, of);
    let paying: Vec<&Req> =
        reqs.iter().copied().filter(|r| r.initiator_status() == Some(InvoiceStatus::PaymentInProcess)).collect();
    if paying.is_empty() {
        return Verdict::not_exercised(
            IN_PROCESS,
            id,
            expected,
            "no status of the order was answered payment_in_process",
        );
    }
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut identifiers: Vec<String> = paying.iter().filter_map(|r| identifier_of(r)).collect();
    identifiers.dedup();
    for identifier in &identifiers {
        let about = |r: &&&Req| identifier_of(r).as_deref() == Some(identifier.as_str());
        let Some(first) = paying.iter().find(about) else { continue };
        let began = first.answered();
        // In process until a later printed answer about it says otherwise (`undeterminable`
        // does not: the service cannot tell, so the URI is still unsafe).
        let ended = reqs
            .iter()
            .filter(|r| identifier_of(r).as_deref() == Some(identifier.as_str()) && r.answered() > began)
            .find(|r| {
                r.initiator_status()
                    .is_some_and(|s| !matches!(s, InvoiceStatus::PaymentInProcess | InvoiceStatus::Undeterminable))
            })
            .map(|r| r.answered());
        let uris = gateway_uris(f, identifier);
        for (at, uri) in presented(f, order) {
            if at >= began && ended.is_none_or(|end| at < end) && is_uri_of(uri, &uris, identifier) {
                problems.push(format!("handed out the URI of {identifier} at {at}, while its payment was in process"));
                evidence.extend([first.line.clone(), format!("event {at} present_uri {uri}")]);
            }
        }
        // A new invoice for the order after the first went into process.
        let Some(second) = reqs.iter().find(|r| {
            matches!(asked(r), Some(Asked::Invoice(_)))
                && r.arrived() > began
                && identifier_of(r).as_deref() != Some(identifier.as_str())
        }) else {
            continue;
        };
        let completed = f.world.invoice(identifier).and_then(|v| v.completed());
        let printed_final = reqs.iter().copied().find(|r| {
            identifier_of(r).as_deref() == Some(identifier.as_str())
                && r.initiator_status().is_some_and(|s| {
                    matches!(
                        s,
                        InvoiceStatus::CompletedSuccess
                            | InvoiceStatus::CompletedRefunded
                            | InvoiceStatus::CompletedRejected
                    )
                })
        });
        match (completed, printed_final) {
            (_, Some(done)) => {
                if !f.outcomes(order).iter().any(|o| o.at >= done.answered()) {
                    problems.push(format!("followed {identifier} to its end but reported no outcome after it"));
                    evidence.push(done.line.clone());
                }
            }
            (Some((at, status)), None) if at + f.patience() + f.tolerance(f.patience()) <= of.deadline => {
                problems.push(format!(
                    "issued a new invoice at {} and never saw {identifier} end ({} at {at})",
                    second.arrived(),
                    status.as_str()
                ));
                evidence.push(second.line.clone());
            }
            (_, None) => {
                let followed = reqs.iter().any(|r| {
                    r.arrived() > second.arrived() && identifier_of(r).as_deref() == Some(identifier.as_str())
                });
                if !followed {
                    problems.push(format!("stopped following {identifier} once a new invoice was issued"));
                    evidence.push(second.line.clone());
                }
            }
        }
    }
    problems.dedup();
    Verdict::from_problems(
        IN_PROCESS,
        id,
        expected,
        problems,
        evidence,
        "the URI was not handed out again while paying",
    )
}

/// After a printed `status`: the outcomes allowed after it (the last must be one of them),
/// whether no `status` of that invoice may follow, and what else is judged.
fn final_status(
    f: &Facts,
    rule: &'static str,
    status: InvoiceStatus,
    allowed: &[OutcomeResult],
    no_more_status: bool,
) -> Vec<Verdict> {
    let words: Vec<&str> = allowed.iter().map(|r| word(*r)).collect();
    let expected = format!(
        "after {}: report {}{}",
        status.as_str(),
        words.join(" or "),
        if no_more_status { ", and ask no more" } else { "" }
    );
    let verdicts = invoice_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let reqs = initiator_reqs(f, of);
            let Some(hit) = reqs.iter().copied().find(|r| r.initiator_status() == Some(status)) else {
                if let Some(why) = finished_first(f, order, of, status) {
                    return Verdict::not_applicable(rule, id, &expected, why);
                }
                return Verdict::not_exercised(
                    rule,
                    id,
                    &expected,
                    format!("no status of the order was answered {}", status.as_str()),
                );
            };
            let identifier = identifier_of(hit);
            let invoice_id = f.world.invoice(identifier.as_deref().unwrap_or_default()).map(|v| v.invoice.clone());
            let after: Vec<&Req> = reqs.iter().copied().filter(|r| r.arrived() > hit.answered()).collect();
            let asked_again = after.iter().any(|r| asked(r) == Some(Asked::Status(identifier.clone())));
            let invoices: Vec<&&Req> = after.iter().filter(|r| matches!(asked(r), Some(Asked::Invoice(_)))).collect();
            let new_id = invoices.iter().any(|r| matches!(asked(r), Some(Asked::Invoice(i)) if i != invoice_id));
            let same_id = invoices.iter().any(|r| matches!(asked(r), Some(Asked::Invoice(i)) if i == invoice_id));
            let last = f.outcomes(order).into_iter().rfind(|o| o.at >= hit.answered());
            let mut problems = Vec::new();
            let ok = last.as_ref().is_some_and(|o| allowed.contains(&o.result))
                || (status == InvoiceStatus::CompletedRejected && new_id);
            if !ok {
                problems.push(format!("reported {}", last.as_ref().map_or("nothing after it", |o| word(o.result))));
            }
            if no_more_status && asked_again {
                problems.push("asked for its status again".to_owned());
            }
            if status == InvoiceStatus::CompletedSuccess && !invoices.is_empty() {
                problems.push("issued another invoice for a paid order".to_owned());
            }
            if status == InvoiceStatus::CompletedRejected && same_id {
                problems.push("issued the rejected invoice id again".to_owned());
            }
            let mut evidence = vec![hit.line.clone()];
            evidence.extend(last.map(|o| outcome_line(o.at, o.result)));
            evidence.extend(after.iter().take(3).map(|r| r.line.clone()));
            Verdict::from_problems(rule, id, &expected, problems, evidence, format!("{} handled", status.as_str()))
        })
        .collect();
    or_none(verdicts, rule, &expected)
}

/// Why the rule of `status` does not apply: the order's invoice took `status` only after the
/// integration's part of the run had ended, and it had reported an outcome for the order before
/// that — the spec lets it finish then (a refund after `paid` is reported only while it still
/// runs: MONEY-TRUTHFUL-OUTCOME).
fn finished_first(f: &Facts, order: &Order, of: &OrderFacts, status: InvoiceStatus) -> Option<String> {
    let finished = f.record.finished;
    let at = f
        .invoices_of(of)
        .find_map(|v| v.statuses.iter().find(|(at, s)| *s == status && *at > finished).map(|(at, _)| *at))?;
    let reported = f.outcomes(order).into_iter().rfind(|o| o.at <= finished)?;
    Some(format!(
        "the integration reported {} and had finished by {finished}, as the spec allows, before the \
         invoice was {} at {at}",
        word(reported.result),
        status.as_str()
    ))
}

/// HYPE-SUCCESS: `paid` (or `refunded`, once refunded), and no second invoice afterwards.
pub(super) fn success(f: &Facts) -> Vec<Verdict> {
    final_status(
        f,
        "HYPE-SUCCESS",
        InvoiceStatus::CompletedSuccess,
        &[OutcomeResult::Paid, OutcomeResult::Refunded],
        false,
    )
}

/// HYPE-REFUNDED: `refunded`, and no `status` for it afterwards.
pub(super) fn refunded(f: &Facts) -> Vec<Verdict> {
    final_status(f, "HYPE-REFUNDED", InvoiceStatus::CompletedRefunded, &[OutcomeResult::Refunded], true)
}

/// HYPE-REJECTED: `not_paid` or a new invoice with a new id, and no `status` for it afterwards.
pub(super) fn rejected(f: &Facts) -> Vec<Verdict> {
    final_status(f, "HYPE-REJECTED", InvoiceStatus::CompletedRejected, &[OutcomeResult::NotPaid], true)
}

/// HYPE-SKIP-FLAGGED (scenario-wide): a flagged order never stops the others: each order not
/// flagged reaches an outcome by its deadline, `unknown` only while it is still live.
pub(super) fn skip_flagged(f: &Facts) -> Vec<Verdict> {
    let rule = "HYPE-SKIP-FLAGGED";
    let expected = "the orders not flagged still reach their outcomes";
    let flagged: Vec<&str> =
        f.record.events.iter().filter(|e| matches!(e.kind, EventKind::Flag { .. })).map(|e| e.order.as_str()).collect();
    let others: Vec<(&Order, &OrderFacts)> =
        f.each_order().filter(|(o, _)| !flagged.contains(&o.id.as_str())).collect();
    if flagged.is_empty() || others.is_empty() {
        return vec![Verdict::not_exercised(rule, None, expected, "no order was flagged beside others")];
    }
    let stalled: Vec<String> = others
        .iter()
        .filter(|(order, of)| {
            let by = of.deadline + f.tolerance(order.deadline);
            match f.outcomes(order).into_iter().rfind(|o| o.at <= by) {
                None => true,
                Some(o) => {
                    o.result == OutcomeResult::Unknown
                        && !still_live(f, of, o.at.min(of.deadline))
                        && !spec_said_stop(f, order, of)
                }
            }
        })
        .map(|(order, _)| format!("order {} reached no outcome", order.id))
        .collect();
    vec![Verdict::from_problems(
        rule,
        None,
        expected,
        if stalled.is_empty() { Vec::new() } else { vec!["other orders stalled".to_owned()] },
        stalled,
        format!("{} other order(s) finished", others.len()),
    )]
}
