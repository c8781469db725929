//! [`judge`]: every verdict for one run. The rules the scenario targets are judged, and the
//! money-safety rules always (a bug anywhere may cost a customer money); a targeted rule that
//! got no verdict is reported as not judged, never as passed.

use super::verdict::{Verdict, VerdictKind};
use super::{cloud, facts, initiator, links, money};
use crate::runner::Record;

/// Every verdict for `record`, and the targeted rules not judged yet.
pub fn judge(record: &Record) -> (Vec<Verdict>, Vec<&'static str>) {
    let mut verdicts = Vec::new();
    let reqs = facts::requests(record);
    let index = facts::CloudIndex::new(record, &reqs);
    let live = money::LiveIndex::new(record);
    let targets = |id: &str| record.scenario.rules.iter().any(|r| r.id == id);
    for order in &record.scenario.orders {
        if order.surface == crate::world::ledger::Surface::Cloud {
            let f = facts::cloud(&index, &reqs, order);
            // The Cloud rules are judged where a scenario targets them: elsewhere their
            // preconditions (e.g. a refused void) are not set up on purpose.
            let cloud_rules = [
                ("CLOUD-TASK-NOT-PAYMENT", cloud::task_not_payment(record, order, &f)),
                ("CLOUD-POLL-UNTIL-FINAL", cloud::poll_until_final(record, order, &f)),
                ("CLOUD-NO-DUPLICATE-SALE", cloud::no_duplicate_sale(order, &f)),
                ("CLOUD-VOID-SAME-TID", cloud::void_same_tid(record, order, &f)),
                ("CLOUD-VOID-93-DAYS", cloud::void_93_days(record, order, &f)),
                ("CLOUD-BATCH-TOTALS", cloud::batch_totals(record, order, &reqs)),
            ];
            verdicts.extend(cloud_rules.into_iter().filter(|(id, _)| targets(id)).map(|(_, v)| v));
        }
        if order.surface == crate::world::ledger::Surface::App2app {
            if targets("LINK-STATUS-HANDLED") {
                verdicts.push(links::status_handled(record, order, &reqs));
            }
            if targets("LINK-RECEIPT-CHOICE") {
                verdicts.push(links::receipt_choice(record, order));
            }
        }
        if order.surface == crate::world::ledger::Surface::Initiator {
            verdicts.extend(initiator::judge_order(record, order, &reqs, &targets));
        }
        verdicts.push(money::no_double_charge(record, order));
        verdicts.push(money::no_lost_payment(record, order));
        verdicts.push(money::truthful_outcome(record, order));
        verdicts.push(money::liveness(record, &live, order));
    }
    verdicts.extend(money::unattributed(record));
    if targets("CLOUD-TOKEN-REUSE") {
        verdicts.push(cloud::token_reuse(&reqs));
    }
    if targets("LINK-PARAMS-VALID") {
        verdicts.push(links::params_valid(&reqs));
    }
    if targets("HYPE-SKIP-FLAGGED") {
        verdicts.push(links::skip_flagged(record));
    }
    if targets("CLOUD-QUEUE-PARALLEL") {
        verdicts.push(links::queue_parallel(record, &index, &reqs));
    }
    if targets("RATE-NO-STORM") {
        verdicts.push(links::no_storm(record, &reqs));
    }
    // A targeted rule with no verdict at all was not judged: say so, never count it passed.
    let pending =
        record.scenario.rules.iter().map(|r| r.id).filter(|id| !verdicts.iter().any(|v| v.rule == *id)).collect();
    (verdicts, pending)
}

/// Whether any verdict failed.
pub fn failed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.kind == VerdictKind::Fail)
}
