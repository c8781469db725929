//! LIVENESS-OUTCOME: every order gets an outcome by its deadline; `unknown` only while its
//! payment is still live or after the spec said stop; a negative outcome only after trying,
//! unless the World shows the operation impossible.

use super::as_ordered::differences;
use super::facts::{Call, Facts, OrderFacts, Req, word};
use super::money::outcome_line;
use super::verdict::Verdict;
use super::voids::void_possible;
use crate::record::events::OutcomeResult;
use crate::record::scripted::InitiatorFault;
use crate::scenario::model::{Operation, Order};
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::Surface;

const RULE: &str = "LIVENESS-OUTCOME";

/// The initiator faults (and status) after which the spec says stop asking.
const STOP: [InitiatorFault; 3] =
    [InitiatorFault::BadSignature, InitiatorFault::UserDisabled, InitiatorFault::ResourceNotFound];

/// Whether the service told the integration to stop on this order: a stop fault or
/// `unexpected` answered to one of its requests, or `user_disabled` answered to any request
/// (a disabled endpoint stops every order of the store).
pub(super) fn spec_said_stop(f: &Facts, order: &Order, of: &OrderFacts) -> bool {
    let own = f.reqs_of(of).any(|r| {
        r.initiator_fault().is_some_and(|fault| STOP.contains(&fault))
            || r.initiator_status() == Some(InvoiceStatus::Unexpected)
            || r.initiator_refusal().is_some()
    });
    let disabled = f.reqs.iter().any(|r| r.initiator_fault() == Some(InitiatorFault::UserDisabled));
    own || (disabled && order.surface == Surface::Initiator)
}

/// Whether the order's payment existed and was still live at `at`: a task of the order not
/// final, or an invoice of the order not completed, by the World's own transitions. An order
/// the integration never acted on is not live: `unknown` for it is giving up, not honesty.
pub(super) fn still_live(f: &Facts, of: &OrderFacts, at: VirtualTime) -> bool {
    f.tasks_of(of).any(|t| t.created <= at && !t.final_at(at))
        || f.invoices_of(of).any(|v| v.issued <= at && v.completed().is_none_or(|(done, _)| done > at))
}

/// The integration's tries of the order's operation on its surface (a task, a link, an
/// invoice), answered or not.
fn attempts<'a>(f: &'a Facts, order: &'a Order, of: &'a OrderFacts) -> impl Iterator<Item = &'a Req> + 'a {
    f.reqs_of(of).filter(move |r| match (&r.call, order.surface) {
        (Call::Create { .. }, Surface::Cloud) => true,
        (Call::Link(link), Surface::App2app) => !link.operation.is_empty(),
        (Call::Invoice { .. }, Surface::Initiator) => true,
        _ => false,
    })
}

/// Why the World shows the order's operation impossible at `at`, if it does (only a void can
/// be: past 93 days, of a crypto sale, already voided, of an unknown sale, …).
fn impossible(f: &Facts, order: &Order, of: &OrderFacts, at: VirtualTime) -> Option<String> {
    match order.operation {
        Operation::Void => void_possible(f, order, of, at).err(),
        _ => None,
    }
}

/// LIVENESS-OUTCOME for every order.
pub(super) fn liveness(f: &Facts) -> Vec<Verdict> {
    f.each_order().map(|(order, of)| one(f, order, of)).collect()
}

fn one(f: &Facts, order: &Order, of: &OrderFacts) -> Verdict {
    let expected = "an outcome by the deadline (unknown only while the payment is still live, or after the spec said \
                    stop; a negative one only after trying what was possible)";
    let id = Some(order.id.as_str());
    let deadline = of.deadline;
    // The outcome is stamped when the runner reads it, after any stall of the machine: the
    // spec's tolerance, and twice the latency payterm itself measured around the deadline.
    let measured = f.latency_near(deadline, deadline);
    let slack = f.tolerance(order.deadline) + VirtualDuration(measured.as_millis() * 2);
    let Some(last) = f.outcomes(order).into_iter().rfind(|o| o.at <= deadline + slack) else {
        let tail = f.record.log.len().saturating_sub(5);
        return Verdict::fail(
            RULE,
            id,
            expected,
            format!("no outcome by the deadline ({deadline}, with {slack} of tolerance)"),
            f.record.log[tail..].iter().cloned(),
        );
    };
    let (at, result) = (last.at, last.result);
    let evidence = vec![outcome_line(at, result)];
    let stop = spec_said_stop(f, order, of);
    if result == OutcomeResult::Unknown {
        // Given within the tolerance before the deadline, it is judged by what was live when
        // given (an integration must stop a little early to be on time); given earlier, by
        // what was live at the deadline (it should have kept watching).
        let judged_at = if at + slack >= deadline { at.min(deadline) } else { deadline };
        if !stop && !still_live(f, of, judged_at) {
            return Verdict::fail(
                RULE,
                id,
                expected,
                "reported unknown, but nothing was still in progress when it was reported (or at the deadline)",
                evidence,
            );
        }
    }
    let negative = matches!(result, OutcomeResult::NotPaid | OutcomeResult::NotVoided | OutcomeResult::NotClosed);
    // A try that asked for something other than the order (MONEY-AS-ORDERED) is no try of it:
    // a refusal the integration caused that way excuses nothing.
    let tries: Vec<&Req> = attempts(f, order, of).collect();
    let as_ordered = tries.iter().any(|r| differences(f, order, of, r).is_empty());
    if negative && !stop && !tries.is_empty() && !as_ordered && impossible(f, order, of, at).is_none() {
        let mut evidence = evidence.clone();
        evidence.extend(tries.iter().take(3).map(|r| r.line.clone()));
        return Verdict::fail(
            RULE,
            id,
            expected,
            format!(
                "reported {} after trying only what the order did not ask for (MONEY-AS-ORDERED): the refusal was its \
                 own doing",
                word(result)
            ),
            evidence,
        );
    }
    if negative && !stop && tries.is_empty() {
        match impossible(f, order, of, at) {
            Some(why) => {
                return Verdict::pass(RULE, id, expected, format!("{} without trying: {why}", word(result)));
            }
            None => {
                return Verdict::fail(
                    RULE,
                    id,
                    expected,
                    format!(
                        "reported {} without ever trying on the {} surface, though it was possible",
                        word(result),
                        order.surface.as_str()
                    ),
                    evidence,
                );
            }
        }
    }
    Verdict::pass(RULE, id, expected, format!("{} came in time", word(result))).with_evidence(evidence)
}
