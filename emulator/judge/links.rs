//! The deep-link rules: LINK-PARAMS-VALID (what the emulator's parser found wrong with each
//! link), LINK-STATUS-HANDLED (each order's outcome against its own links' answers) and
//! LINK-RECEIPT-CHOICE (who hands over a receipt the answer carried).

use super::facts::{Call, Facts, LinkCall, OrderFacts, Req, word};
use super::money::outcome_line;
use super::verdict::Verdict;
use crate::record::events::OutcomeResult;
use crate::scenario::model::Order;
use crate::world::ledger::Surface;

fn link_of(r: &Req) -> Option<&LinkCall> {
    match &r.call {
        Call::Link(link) => Some(link),
        _ => None,
    }
}

fn link_orders<'a>(f: &'a Facts) -> impl Iterator<Item = (&'a Order, &'a OrderFacts)> + 'a {
    f.each_order().filter(|(o, _)| o.surface == Surface::App2app)
}

fn or_none(mut verdicts: Vec<Verdict>, rule: &'static str, expected: &str) -> Vec<Verdict> {
    if verdicts.is_empty() {
        verdicts.push(Verdict::not_exercised(rule, None, expected, "the scenario has no deep-link order"));
    }
    verdicts
}

/// LINK-PARAMS-VALID (scenario-wide): every link the integration opens parses: mandatory
/// parameters present, enums valid, amounts numeric minor units, nothing given twice or
/// unknown, the merchant's own clientID.
pub(super) fn params_valid(f: &Facts) -> Vec<Verdict> {
    let rule = "LINK-PARAMS-VALID";
    let expected = "every link parses: mandatory parameters present, enums valid, amounts numeric minor units, no \
                    parameter twice or unknown";
    let links: Vec<&Req> = f.reqs.iter().filter(|r| r.surface == crate::record::route::Door::App2app).collect();
    if links.is_empty() {
        return vec![Verdict::not_exercised(rule, None, expected, "no deep link was opened")];
    }
    let bad: Vec<String> = links
        .iter()
        .filter_map(|r| {
            let mut why = Vec::new();
            if r.status == 400 {
                why.push(
                    r.response["error"]["message"]
                        .as_str()
                        .unwrap_or("refused")
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
            if let Some(check) = &r.annotations.link {
                if let Some(reason) = check.malformed.as_ref().filter(|_| !check.scripted) {
                    why.push(format!("answered ERROR {reason}"));
                }
                why.extend(check.repeated.iter().map(|p| format!("{p} given more than once")));
                why.extend(check.unknown.iter().map(|p| format!("unknown parameter {p}")));
            }
            (!why.is_empty()).then(|| format!("{} ({})", r.line, why.join("; ")))
        })
        .collect();
    vec![Verdict::from_problems(
        rule,
        None,
        expected,
        if bad.is_empty() {
            Vec::new()
        } else {
            vec![format!("{} of {} links were malformed", bad.len(), links.len())]
        },
        bad,
        format!("{} link(s), each well formed", links.len()),
    )]
}

/// The answer status of a delivered link answer: `COMPLETED`, `CANCELLED`, `ERROR`.
fn status(r: &Req) -> Option<&str> {
    r.answer()?.get("status")?.as_str()
}

/// LINK-STATUS-HANDLED: for each order, an outcome that claims success (`paid`, `voided`,
/// `batch_closed`) comes after one of its own links answered `COMPLETED`, never from a
/// `CANCELLED` or `ERROR` answer.
pub(super) fn status_handled(f: &Facts) -> Vec<Verdict> {
    let rule = "LINK-STATUS-HANDLED";
    let expected = "CANCELLED and ERROR answers never reported paid, voided or batch_closed";
    let verdicts = link_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let answered: Vec<&Req> = f.reqs_of(of).filter(|r| link_of(r).is_some() && status(r).is_some()).collect();
            let outcomes = f.outcomes(order);
            if answered.is_empty() || outcomes.is_empty() {
                return Verdict::not_exercised(rule, id, expected, "no link of the order was answered, or no outcome");
            }
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            for o in &outcomes {
                let claims =
                    matches!(o.result, OutcomeResult::Paid | OutcomeResult::Voided | OutcomeResult::BatchClosed);
                let before: Vec<&&Req> = answered.iter().filter(|r| r.answered() <= o.at).collect();
                let Some(last) = before.last() else {
                    // A success claimed before any answer came from no COMPLETED.
                    if claims {
                        problems.push(format!("reported {} before any link of the order was answered", word(o.result)));
                        evidence.push(outcome_line(o.at, o.result));
                    }
                    continue;
                };
                if claims && status(last) != Some("COMPLETED") {
                    problems.push(format!(
                        "reported {} after its link answered {}",
                        word(o.result),
                        status(last).unwrap_or("?")
                    ));
                    evidence.extend([last.line.clone(), outcome_line(o.at, o.result)]);
                }
            }
            Verdict::from_problems(
                rule,
                id,
                expected,
                problems,
                evidence,
                "each outcome matched its own links' answers",
            )
        })
        .collect();
    or_none(verdicts, rule, expected)
}

/// LINK-RECEIPT-CHOICE: with `printByPaymentApp=false` (as the order asks) and an answer that
/// carries a receipt, the integration hands it over (`receipt_by: "integration"`).
pub(super) fn receipt_choice(f: &Facts) -> Vec<Verdict> {
    let rule = "LINK-RECEIPT-CHOICE";
    let expected = "with printByPaymentApp=false and a receipt in the answer, the outcome says receipt_by: integration";
    let verdicts = link_orders(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let links: Vec<&Req> = f.reqs_of(of).filter(|r| link_of(r).is_some()).collect();
            let asked_false = order.print_by_payment_app == Some(false);
            let with_receipt: Vec<&&Req> = links
                .iter()
                .filter(|r| r.answer().is_some_and(|a| a.get("receipt").is_some() || a.get("batch").is_some()))
                .collect();
            let ours = |r: &Req| link_of(r).and_then(|l| l.print_by_payment_app) == Some(false);
            let Some(last) = with_receipt.last() else {
                return Verdict::not_exercised(
                    rule,
                    id,
                    expected,
                    "no answer of the order carried a receipt to hand over",
                );
            };
            if !asked_false && !ours(last) {
                return Verdict::not_exercised(
                    rule,
                    id,
                    expected,
                    "GP tom hands over the receipt (printByPaymentApp was not false)",
                );
            }
            let mut problems = Vec::new();
            if asked_false && !ours(last) {
                problems.push(
                    "the order asked the integration to hand over the receipt, but the link left it to GP tom"
                        .to_owned(),
                );
            }
            let said = f.outcomes(order).iter().any(|o| {
                o.at >= last.answered() && o.details.get("receipt_by").and_then(|v| v.as_str()) == Some("integration")
            });
            if !said {
                problems.push("no outcome after the answer said receipt_by: integration".to_owned());
            }
            Verdict::from_problems(
                rule,
                id,
                expected,
                problems,
                vec![last.line.clone()],
                "the integration handed over the receipt",
            )
        })
        .collect();
    or_none(verdicts, rule, expected)
}
