//! The initiator's "ask again later" rows and the rows after which the spec says stop:
//! HYPE-UNDETERMINABLE, HYPE-CREATED, HYPE-REACHED, HYPE-F-UNSPECIFIED, HYPE-F-SERVER-ERROR,
//! HYPE-NO-JSON, HYPE-F-BAD-SIGNATURE, HYPE-F-NOT-FOUND, HYPE-F-USER-DISABLED, HYPE-UNEXPECTED.
//! Each is judged from what the initiator program printed for the order's requests.

use super::facts::{Call, Facts, OrderFacts, Req, word};
use super::money::outcome_line;
use super::verdict::{Verdict, VerdictKind};
use crate::record::events::{EventKind, FlagKind, OutcomeResult};
use crate::record::scripted::InitiatorFault;
use crate::runner::Ending;
use crate::scenario::model::{Operation, Order};
use crate::time::VirtualTime;
use crate::world::invoice::InvoiceStatus;

/// Which of the two initiator commands a request was, and what it was about: the invoice id
/// (invoice) or the identifier (status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Asked {
    /// `invoice` of this invoice id.
    Invoice(Option<String>),
    /// `status` of this identifier.
    Status(Option<String>),
}

/// What an initiator request asked.
pub(super) fn asked(r: &Req) -> Option<Asked> {
    match &r.call {
        Call::Invoice { invoice } => Some(Asked::Invoice(invoice.clone())),
        Call::Status { identifier, .. } => Some(Asked::Status(identifier.clone())),
        _ => None,
    }
}

/// The initiator requests of an order, in the order they were started.
pub(super) fn initiator_reqs<'a>(f: &'a Facts, of: &'a OrderFacts) -> Vec<&'a Req> {
    let mut reqs: Vec<&Req> = f.reqs_of(of).filter(|r| asked(r).is_some()).collect();
    reqs.sort_by_key(|r| (r.arrived(), r.index));
    reqs
}

/// The identifier a request concerns: the autofeed's (status), or the one answered (invoice).
pub(super) fn identifier_of(r: &Req) -> Option<String> {
    match &r.call {
        Call::Status { identifier, .. } => identifier.clone(),
        _ => r.answer()?.get("identifier")?.as_str().filter(|s| !s.is_empty()).map(str::to_owned),
    }
}

/// The invoice orders.
pub(super) fn invoice_orders<'a>(f: &'a Facts) -> impl Iterator<Item = (&'a Order, &'a OrderFacts)> + 'a {
    f.each_order().filter(|(o, _)| o.operation == Operation::Invoice)
}

/// A scenario-wide not-exercised verdict when the scenario has no invoice order.
pub(super) fn or_none(mut verdicts: Vec<Verdict>, rule: &'static str, expected: &str) -> Vec<Verdict> {
    if verdicts.is_empty() {
        verdicts.push(Verdict::not_exercised(rule, None, expected, "the scenario has no invoice order"));
    }
    verdicts
}

/// Whether a paid/not_paid outcome was drawn from the answer to `hit`: one reported after it
/// with no completed status printed for the order in between.
fn verdict_drawn<'r>(f: &'r Facts, order: &Order, reqs: &[&Req], hit: &Req) -> Option<super::facts::Reported<'r>> {
    // Only the last answer before the outcome can be what it was drawn from.
    f.outcomes(order).into_iter().find(|o| {
        o.at >= hit.answered()
            && matches!(o.result, OutcomeResult::Paid | OutcomeResult::NotPaid)
            && reqs
                .iter()
                .filter(|r| r.answered() <= o.at)
                .max_by_key(|r| (r.answered(), r.index))
                .is_some_and(|r| r.index == hit.index)
    })
}

/// A "try again later" answer (`status` among `statuses`, `fault` among `faults`, or — with
/// `no_json` — nothing printed) must be followed by the same request again, no sooner than the
/// minimum interval (or its `Retry-After`) and no later than the patience window, unless the
/// deadline comes first; no paid/not_paid verdict may be drawn from it; and the integration
/// must not crash on it.
fn ask_again(
    f: &Facts,
    rule: &'static str,
    statuses: &[InvoiceStatus],
    faults: &[InitiatorFault],
    no_json: bool,
) -> Vec<Verdict> {
    let expected = "ask again later (no sooner than the minimum interval, within the patience window); draw no \
                    paid/not_paid verdict from this answer";
    let verdicts = invoice_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let reqs = initiator_reqs(f, of);
            let matches = |r: &Req| {
                if no_json {
                    // A refusal no retry fixes is not a failure to try again later.
                    return r.initiator_answer().is_none() && r.initiator_refusal().is_none();
                }
                r.initiator_status().is_some_and(|s| statuses.contains(&s))
                    || r.initiator_fault().is_some_and(|x| faults.contains(&x))
            };
            let hits: Vec<&Req> = reqs.iter().copied().filter(|r| matches(r)).collect();
            if hits.is_empty() {
                let never = if no_json {
                    "no initiator answer of the order went unprinted"
                } else {
                    "the run never answered it"
                };
                return Verdict::not_exercised(rule, id, expected, never);
            }
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            let soonest = f.min_interval() - f.tolerance(f.min_interval());
            let latest = f.patience() + f.tolerance(f.patience());
            for hit in &hits {
                let what = asked(hit);
                let next = reqs.iter().find(|r| r.arrived() > hit.answered() && asked(r) == what);
                match next {
                    Some(next) => {
                        let waited = next.arrived() - hit.answered();
                        let wanted = hit.retry_after.map_or(soonest, |ra| ra - f.tolerance(ra)).max(soonest);
                        if waited < wanted {
                            problems.push(format!("asked again {waited} after the answer, sooner than {wanted}"));
                            evidence.extend([hit.line.clone(), next.line.clone()]);
                        } else if waited > latest {
                            problems
                                .push(format!("asked again only {waited} after the answer, past the patience window"));
                            evidence.extend([hit.line.clone(), next.line.clone()]);
                        }
                    }
                    // Not asking again is right once the service said stop (user_disabled for
                    // any order, or a stop fault on this one).
                    None if hit.answered() + latest < of.deadline && !super::liveness::spec_said_stop(f, order, of) => {
                        problems.push(format!("never asked again after the answer at {}", hit.answered()));
                        evidence.push(hit.line.clone());
                    }
                    None => {
                        // An invoice whose answer was lost or refused for now is asked again
                        // under its own id; another id instead risks a second charge.
                        let other = reqs.iter().find(|r| {
                            r.arrived() > hit.answered() && matches!((asked(r), &what), (Some(Asked::Invoice(a)), Some(Asked::Invoice(b))) if a != *b)
                        });
                        if let Some(other) = other {
                            problems.push("issued another invoice id instead of asking again under the same one".to_owned());
                            evidence.extend([hit.line.clone(), other.line.clone()]);
                        }
                    }
                }
                if let Some(o) = verdict_drawn(f, order, &reqs, hit) {
                    problems.push(format!("reported {} at {} from a \"try again later\" answer", word(o.result), o.at));
                    evidence.extend([hit.line.clone(), outcome_line(o.at, o.result)]);
                }
            }
            if no_json && matches!(f.record.ending, Ending::Exited(Some(code)) if code != 0) {
                problems.push("the integration crashed".to_owned());
            }
            if no_json && matches!(f.record.ending, Ending::Exited(None)) {
                problems.push("the integration was killed by a signal".to_owned());
            }
            problems.dedup();
            evidence.dedup();
            Verdict::from_problems(
                rule,
                id,
                expected,
                problems,
                evidence,
                format!("asked again after {} answer(s)", hits.len()),
            )
        })
        .collect();
    or_none(verdicts, rule, expected)
}

/// HYPE-UNDETERMINABLE.
pub(super) fn undeterminable(f: &Facts) -> Vec<Verdict> {
    ask_again(f, "HYPE-UNDETERMINABLE", &[InvoiceStatus::Undeterminable], &[], false)
}

/// HYPE-CREATED: as "ask again later"; presenting the URI again more often than the minimum
/// interval is a warning (it spams the customer).
pub(super) fn created(f: &Facts) -> Vec<Verdict> {
    with_spam_warning(f, ask_again(f, "HYPE-CREATED", &[InvoiceStatus::Created], &[], false))
}

/// HYPE-REACHED: as HYPE-CREATED.
pub(super) fn reached(f: &Facts) -> Vec<Verdict> {
    with_spam_warning(f, ask_again(f, "HYPE-REACHED", &[InvoiceStatus::Reached], &[], false))
}

/// HYPE-F-UNSPECIFIED.
pub(super) fn unspecified(f: &Facts) -> Vec<Verdict> {
    ask_again(f, "HYPE-F-UNSPECIFIED", &[], &[InitiatorFault::Unspecified], false)
}

/// HYPE-F-SERVER-ERROR.
pub(super) fn server_error(f: &Facts) -> Vec<Verdict> {
    ask_again(f, "HYPE-F-SERVER-ERROR", &[], &[InitiatorFault::ServerError], false)
}

/// HYPE-NO-JSON: after a fundamental failure (no JSON printed), no crash, no verdict from it,
/// and the same request again later.
pub(super) fn no_json(f: &Facts) -> Vec<Verdict> {
    ask_again(f, "HYPE-NO-JSON", &[], &[], true)
}

/// Turns a passing verdict into a warning when the order's gateway URI was presented again
/// sooner than the minimum interval after the last time.
fn with_spam_warning(f: &Facts, verdicts: Vec<Verdict>) -> Vec<Verdict> {
    let min = f.min_interval() - f.tolerance(f.min_interval());
    verdicts
        .into_iter()
        .map(|mut v| {
            let Some(order) = v.order.clone() else { return v };
            let times: Vec<(VirtualTime, &str)> = f
                .record
                .events
                .iter()
                .filter(|e| e.order == order)
                .filter_map(|e| match &e.kind {
                    EventKind::PresentUri { uri } => Some((e.at, uri.as_str())),
                    _ => None,
                })
                .collect();
            let spam = times.windows(2).find(|w| w[0].1 == w[1].1 && w[1].0 - w[0].0 < min);
            if let (VerdictKind::Pass, Some(w)) = (v.kind, spam) {
                v.kind = VerdictKind::Warn;
                v.happened = format!(
                    "presented the URI again {} after the last time, sooner than the minimum interval",
                    w[1].0 - w[0].0
                );
            }
            v
        })
        .collect()
}

/// After `fault` answered one of the order's requests: the same request is not sent again
/// (with `everything`: no request to the service at all, for any order), and a flag (of
/// `flag`'s kind, if given) is raised for the order.
fn stop_fault(
    f: &Facts,
    rule: &'static str,
    fault: InitiatorFault,
    flag: Option<FlagKind>,
    everything: bool,
) -> Vec<Verdict> {
    let expected = format!(
        "after {fault}: do not repeat the request{}, and flag the transaction{}",
        if everything { " (nor send any other, for any order)" } else { "" },
        flag.map_or(String::new(), |k| format!(
            " ({})",
            if k == FlagKind::Engineering { "engineering" } else { "administrative" }
        ))
    );
    let verdicts = invoice_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let reqs = initiator_reqs(f, of);
            let Some(hit) = reqs.iter().copied().find(|r| r.initiator_fault() == Some(fault)) else {
                return Verdict::not_exercised(
                    rule,
                    id,
                    &expected,
                    format!("no request of the order was answered {fault}"),
                );
            };
            // A request of another order already on its way (within the tolerance) is a race.
            let grace = f.tolerance(f.min_interval());
            let what = asked(hit);
            let again: Vec<&Req> = if everything {
                f.reqs.iter().filter(|r| asked(r).is_some() && r.arrived() > hit.answered() + grace).collect()
            } else {
                reqs.iter().copied().filter(|r| r.arrived() > hit.answered() && asked(r) == what).collect()
            };
            let mut problems = Vec::new();
            if !again.is_empty() {
                problems.push(format!("sent {} more request(s) after {fault}", again.len()));
            }
            if !f.flagged(order, flag, VirtualTime(i64::MIN)) {
                problems.push("no flag was raised for the order".to_owned());
            }
            let mut evidence = vec![hit.line.clone()];
            evidence.extend(again.iter().take(4).map(|r| r.line.clone()));
            Verdict::from_problems(rule, id, &expected, problems, evidence, "stopped and flagged")
        })
        .collect();
    or_none(verdicts, rule, &expected)
}

/// HYPE-F-BAD-SIGNATURE.
pub(super) fn bad_signature(f: &Facts) -> Vec<Verdict> {
    stop_fault(f, "HYPE-F-BAD-SIGNATURE", InitiatorFault::BadSignature, None, false)
}

/// HYPE-F-NOT-FOUND.
pub(super) fn not_found(f: &Facts) -> Vec<Verdict> {
    stop_fault(f, "HYPE-F-NOT-FOUND", InitiatorFault::ResourceNotFound, Some(FlagKind::Engineering), false)
}

/// HYPE-F-USER-DISABLED: the store is disabled, not the invoice: nothing more for any order.
pub(super) fn user_disabled(f: &Facts) -> Vec<Verdict> {
    stop_fault(f, "HYPE-F-USER-DISABLED", InitiatorFault::UserDisabled, Some(FlagKind::Administrative), true)
}

/// HYPE-UNEXPECTED: an engineering flag, and no paid/not_paid verdict drawn from it.
pub(super) fn unexpected(f: &Facts) -> Vec<Verdict> {
    let rule = "HYPE-UNEXPECTED";
    let expected = "flag it for an engineer; draw no paid/not_paid verdict from it";
    let verdicts = invoice_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let reqs = initiator_reqs(f, of);
            let Some(hit) = reqs.iter().copied().find(|r| r.initiator_status() == Some(InvoiceStatus::Unexpected))
            else {
                return Verdict::not_exercised(rule, id, expected, "no status of the order was answered unexpected");
            };
            let mut problems = Vec::new();
            let mut evidence = vec![hit.line.clone()];
            if !f.flagged(order, Some(FlagKind::Engineering), hit.answered()) {
                problems.push("no engineering flag after it".to_owned());
            }
            if let Some(o) = verdict_drawn(f, order, &reqs, hit) {
                problems.push(format!("reported {} from it", word(o.result)));
                evidence.push(outcome_line(o.at, o.result));
            }
            Verdict::from_problems(rule, id, expected, problems, evidence, "flagged, no verdict drawn")
        })
        .collect();
    or_none(verdicts, rule, expected)
}
