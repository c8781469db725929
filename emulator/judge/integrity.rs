//! What the judge may believe (conformance.md): RUN-INTEGRITY fails a run in which the
//! integration tried what only payterm may do — send a stamp of its own, drive the World
//! through the control API — and RUN-BOUNDS one in which it sent more than payterm keeps.
//! Both are judged in every run: a verdict must not be gamed, and a flood is the integration's
//! failure, never the harness's.

use super::facts::Facts;
use super::verdict::Verdict;

/// RUN-INTEGRITY, scenario-wide.
pub(super) fn integrity(f: &Facts) -> Vec<Verdict> {
    let rule = "RUN-INTEGRITY";
    let expected = "nothing but the protocol surfaces: no stamp of its own (x-payterm-… headers), no control-API route";
    let mut tried = Vec::new();
    let mut evidence = Vec::new();
    for r in &f.reqs {
        let what = match (&r.annotations.tamper, r.surface) {
            (Some(tamper), _) => tamper.describe(),
            // Payterm drives its own World in-process during a run: a write on a control API
            // came from elsewhere.
            (None, crate::record::route::Door::Control) if r.method != "GET" => "drove the control API".to_owned(),
            (None, _) => continue,
        };
        if !tried.contains(&what) {
            tried.push(what);
        }
        if evidence.len() < 5 {
            evidence.push(r.line.clone());
        }
    }
    vec![Verdict::from_problems(rule, None, expected, tried, evidence, "only the protocol surfaces were used")]
}

/// RUN-BOUNDS, scenario-wide.
pub(super) fn bounds(f: &Facts) -> Vec<Verdict> {
    let rule = "RUN-BOUNDS";
    let expected = "requests, bodies, events and output within what payterm keeps for a scenario";
    let breaches = f.record.bounds.breaches();
    vec![Verdict::from_problems(rule, None, expected, breaches, Vec::new(), "within bounds")]
}
