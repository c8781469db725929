//! [`judge`]: every verdict for one run. The rules the scenario targets are judged, and the
//! money-safety rules always (a bug anywhere may cost a customer money); rules this payterm
//! cannot judge yet are reported as such, never as passed.

use super::money;
use super::verdict::{Verdict, VerdictKind};
use crate::runner::Record;

/// The rules this payterm judges so far.
pub const JUDGED: &[&str] =
    &["MONEY-NO-DOUBLE-CHARGE", "MONEY-NO-LOST-PAYMENT", "MONEY-TRUTHFUL-OUTCOME", "LIVENESS-OUTCOME"];

/// Every verdict for `record`, and the targeted rules not judged yet.
pub fn judge(record: &Record) -> (Vec<Verdict>, Vec<&'static str>) {
    let mut verdicts = Vec::new();
    for order in &record.scenario.orders {
        verdicts.push(money::no_double_charge(record, order));
        verdicts.push(money::no_lost_payment(record, order));
        verdicts.push(money::truthful_outcome(record, order));
        verdicts.push(money::liveness(record, order));
    }
    verdicts.extend(money::unattributed(record));
    let pending = record.scenario.rules.iter().map(|r| r.id).filter(|id| !JUDGED.contains(id)).collect();
    (verdicts, pending)
}

/// Whether any verdict failed.
pub fn failed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.kind == VerdictKind::Fail)
}
