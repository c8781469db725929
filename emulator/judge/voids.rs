//! The void rules: CLOUD-VOID-SAME-TID and CLOUD-VOID-93-DAYS, and what the World says of a
//! void ([`void_possible`], [`voided_by`]): the sale's terminal, age, method and batch.

use super::facts::{Call, CreateKind, Facts, OrderFacts, Req, word};
use super::verdict::Verdict;
use crate::record::events::OutcomeResult;
use crate::scenario::model::{HistoryBatch, Operation, Order};
use crate::time::VirtualTime;
use crate::world::codes::PaymentMethod;
use crate::world::ledger::{LedgerKind, Surface};
use crate::world::task::{TaskRequest, TaskState};

/// The sale a void order voids, as the World knows it.
#[derive(Clone, Debug)]
pub(super) struct SaleFact {
    /// Its terminal.
    pub tid: String,
    /// When it was made.
    pub at: VirtualTime,
    /// How it was paid.
    pub method: PaymentMethod,
    /// Whether its batch was closed before the run (a history sale in a closed batch).
    pub closed_before: bool,
}

/// The sale `ams`, from the scenario's history or the run's own sales.
pub(super) fn sale(f: &Facts, ams: &str) -> Option<SaleFact> {
    let started = f.record.started;
    if let Some(h) = f.scenario().history.iter().find(|h| h.ams_id.as_deref() == Some(ams)) {
        return Some(SaleFact {
            tid: h.tid.as_str().to_owned(),
            at: started + h.at,
            method: h.method,
            closed_before: h.batch == HistoryBatch::Closed,
        });
    }
    let capture = f.record.ledger.iter().find(|e| e.kind == LedgerKind::Capture && e.payment == ams)?;
    let task = f.world.task_of_ams(ams);
    let method = match task.map(|t| &t.request) {
        Some(TaskRequest::Sale(s)) => s.method,
        _ => PaymentMethod::Card,
    };
    let tid = task.map(|t| t.tid.clone()).or_else(|| f.world.results.get(ams).map(|(_, tid, _)| tid.clone()))?;
    Some(SaleFact { tid, at: capture.at, method, closed_before: false })
}

/// Whether the void of `order` could be done at `at`, by the World's rules (cloud-api.md):
/// the sale exists and is not voided; not crypto; a card sale within the void window; another
/// method while its batch is open. `Err` says why not.
pub(super) fn void_possible(f: &Facts, order: &Order, of: &OrderFacts, at: VirtualTime) -> Result<(), String> {
    let ams = of.void_target.as_deref().ok_or("the sale to void does not exist")?;
    let sale = sale(f, ams).ok_or_else(|| format!("no sale {ams} exists"))?;
    if f.record.ledger.iter().any(|e| e.payment == ams && e.kind == LedgerKind::Void && e.at <= at) {
        return Err(format!("sale {ams} is already voided"));
    }
    if sale.method == PaymentMethod::GoCrypto {
        return Err(format!("sale {ams} was paid in cryptocurrency"));
    }
    let window = crate::profile::Profile::default().void_window;
    if sale.method == PaymentMethod::Card {
        if at - sale.at > window {
            return Err(format!("sale {ams} is {} old, past the {window} void window", at - sale.at));
        }
        return Ok(());
    }
    let closed_since = f.world.batches.values().any(|b| b.tid == sale.tid && b.at >= sale.at && b.at <= at);
    if sale.closed_before || closed_since {
        return Err(format!("sale {ams} was paid by {} and its batch is closed", sale.method.as_str()));
    }
    let _ = order;
    Ok(())
}

/// Whether the order itself voided its sale by `at`: a VOID task of the order completed with
/// an approved result, or a cancel link of the order answered `COMPLETED`.
pub(super) fn voided_by(f: &Facts, of: &OrderFacts, at: VirtualTime) -> bool {
    // The ledger shows the void: the sale's money returned while the task ran.
    let by_task = f.tasks_of(of).any(|t| {
        let TaskRequest::Void(v) = &t.request else { return false };
        t.ended.is_some_and(|(when, state)| when <= at && state == TaskState::Completed)
            && f.record.ledger.iter().any(|e| {
                e.kind == LedgerKind::Void && e.payment == v.origin.as_str() && e.at >= t.created && e.at <= at
            })
    });
    let by_link = f.reqs_of(of).any(|r| {
        r.answered() <= at
            && matches!(&r.call, Call::Link(l) if l.operation == "transaction/cancel")
            && r.response.get("status").and_then(|s| s.as_str()) == Some("COMPLETED")
    });
    by_task || by_link
}

/// The VOID creations of the order, in order sent.
fn voids<'a>(f: &'a Facts, of: &'a OrderFacts) -> Vec<&'a Req> {
    f.reqs_of(of).filter(|r| matches!(r.call, Call::Create { kind: CreateKind::Void, .. })).collect()
}

fn cloud_voids<'a>(f: &'a Facts) -> impl Iterator<Item = (&'a Order, &'a OrderFacts)> + 'a {
    f.each_order().filter(|(o, _)| o.operation == Operation::Void && o.surface == Surface::Cloud)
}

/// A scenario-wide not-exercised verdict when the scenario has no Cloud void order.
trait OrNone {
    fn or_none(self, rule: &'static str) -> Vec<Verdict>;
}

impl OrNone for Vec<Verdict> {
    fn or_none(mut self, rule: &'static str) -> Vec<Verdict> {
        if self.is_empty() {
            let expected = crate::judge::rules::find(rule).map_or("", |r| r.judged_as);
            self.push(Verdict::not_exercised(rule, None, expected, "the scenario has no Cloud void order"));
        }
        self
    }
}

const SAME_TID: &str = "CLOUD-VOID-SAME-TID";
const DAYS_93: &str = "CLOUD-VOID-93-DAYS";

/// CLOUD-VOID-SAME-TID: every VOID of the order goes to the terminal of the sale.
pub(super) fn same_tid(f: &Facts) -> Vec<Verdict> {
    cloud_voids(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let tid = of.void_target.as_deref().and_then(|ams| sale(f, ams)).map(|s| s.tid);
            let expected = format!("VOID tasks only on the sale's terminal {}", tid.as_deref().unwrap_or("(unknown)"));
            let sent: Vec<&Req> = voids(f, of).into_iter().filter(|r| r.annotations.tid.is_some()).collect();
            let Some(tid) = tid.filter(|_| !sent.is_empty()) else {
                return Verdict::not_exercised(SAME_TID, id, &expected, "no VOID reached a terminal for the order");
            };
            let elsewhere: Vec<String> = sent
                .iter()
                .filter(|r| r.annotations.tid.as_deref() != Some(tid.as_str()))
                .map(|r| format!("{} (terminal {})", r.line, r.annotations.tid.as_deref().unwrap_or("?")))
                .collect();
            Verdict::from_problems(
                SAME_TID,
                id,
                &expected,
                if elsewhere.is_empty() { Vec::new() } else { vec!["a VOID was sent to another terminal".to_owned()] },
                elsewhere,
                "every VOID went to the sale's terminal",
            )
        })
        .collect::<Vec<_>>()
        .or_none(SAME_TID)
}

/// CLOUD-VOID-93-DAYS: a refused VOID is not repeated and is reported `not_voided`; a void
/// the World shows impossible is never reported `voided`; one it shows possible is tried
/// before `not_voided` is reported.
pub(super) fn within_93_days(f: &Facts) -> Vec<Verdict> {
    let expected = "a refused VOID (422) is sent once and reported not_voided; an impossible void (past 93 days, \
                    crypto) is never reported voided; a possible one is tried before not_voided is reported";
    cloud_voids(f)
        .map(|(order, of)| {
            let id = Some(order.id.as_str());
            let sent = voids(f, of);
            let last = f.outcomes(order).pop();
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            // A refusal the client read: any VOID of the same sale started after it repeats it.
            if let Some(refusal) = sent.iter().find(|r| r.status == 422 && r.delivered()) {
                let again: Vec<&&Req> = sent.iter().filter(|r| r.arrived() > refusal.answered()).collect();
                evidence.push(refusal.line.clone());
                if !again.is_empty() {
                    problems.push(format!("the refused VOID was sent {} more time(s)", again.len()));
                    evidence.extend(again.iter().take(4).map(|r| r.line.clone()));
                }
                if last.as_ref().is_none_or(|o| o.result != OutcomeResult::NotVoided) {
                    let said = last.as_ref().map_or("nothing", |o| word(o.result));
                    problems.push(format!("the refused VOID was reported {said}, not not_voided"));
                }
            }
            match &last {
                Some(o) if o.result == OutcomeResult::Voided && !voided_by(f, of, o.at) => {
                    let why = void_possible(f, order, of, of.given)
                        .err()
                        .unwrap_or_else(|| "no VOID of the order went through".to_owned());
                    problems.push(format!("reported voided, but {why}"));
                }
                Some(o)
                    if o.result == OutcomeResult::NotVoided
                        && sent.is_empty()
                        && void_possible(f, order, of, o.at).is_ok() =>
                {
                    problems
                        .push("reported not_voided without sending the VOID, though the World allowed it".to_owned());
                }
                _ => {}
            }
            if sent.is_empty() && last.as_ref().is_none_or(|o| o.result == OutcomeResult::Unknown) {
                return Verdict::not_exercised(DAYS_93, id, expected, "no VOID was sent and no void outcome reported");
            }
            Verdict::from_problems(DAYS_93, id, expected, problems, evidence, "the void was judged as the World allows")
        })
        .collect::<Vec<_>>()
        .or_none(DAYS_93)
}
