//! [`judge`]: every verdict for one run. Each rule of the table the scenario targets is
//! judged, and the money-safety rules always (a bug anywhere may cost a customer money), all
//! from one set of typed facts built once.

use super::facts::Facts;
use super::rules::{Judged, RULES};
use super::verdict::{Verdict, VerdictKind};
use crate::runner::Record;

/// Every verdict for `record`, and the targeted rules that got no verdict at all.
pub fn judge(record: &Record) -> (Vec<Verdict>, Vec<&'static str>) {
    let facts = Facts::new(record);
    let targets = |id: &str| record.scenario.rules.iter().any(|r| r.id == id);
    let verdicts: Vec<Verdict> = RULES
        .iter()
        .filter(|rule| rule.judged == Judged::Always || targets(rule.id))
        .flat_map(|rule| (crate::judge::rules::check(rule))(&facts))
        .collect();
    // A targeted rule with no verdict at all was not judged: say so, never count it passed.
    let pending =
        record.scenario.rules.iter().map(|r| r.id).filter(|id| !verdicts.iter().any(|v| v.rule == *id)).collect();
    (verdicts, pending)
}

/// Whether any verdict failed.
pub fn failed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.kind == VerdictKind::Fail)
}
