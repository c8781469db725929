//! How each rule fared in a scenario, [`rule_results`]: its verdicts gathered into a
//! [`RuleResult`] and folded into one [`Mark`], the worst winning. The JUnit writer makes a
//! testcase of each, the HTML writer a cell of its matrix.

use std::collections::HashMap;

use super::model::{ScenarioReport, Unexercised, VerdictReport};
use crate::judge::rules::RULES;

/// How a rule fared in a scenario, all its verdicts folded: the worst wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Some order failed it.
    Fail,
    /// Every failure of it was expected (`--expected-failures`).
    ExpectedFail,
    /// Targeted, but no verdict exercised it: the scenario proves nothing about it.
    Inconclusive,
    /// None failed; some warned.
    Warn,
    /// Some order passed it and none failed or warned.
    Pass,
    /// The spec let the integration finish before the situation it tests arose.
    NotApplicable,
    /// No order exercised it.
    NotExercised,
    /// No verdict at all (targeted but not judged, or not run).
    None,
}

impl Mark {
    /// The cell text of the HTML matrix.
    pub(crate) fn short(self) -> &'static str {
        match self {
            Mark::Fail => "FAIL",
            Mark::ExpectedFail => "xfail",
            Mark::Inconclusive => "INC",
            Mark::Warn => "warn",
            Mark::Pass => "pass",
            Mark::NotApplicable => "n/a",
            Mark::NotExercised => "n/e",
            Mark::None => "",
        }
    }
}

/// One rule's verdicts in one scenario.
pub(crate) struct RuleResult<'a> {
    /// The rule's ID.
    pub(crate) id: &'a str,
    /// Its verdicts, one per order (or one for the whole scenario).
    pub(crate) verdicts: Vec<&'a VerdictReport>,
    /// Why it is inconclusive, when the scenario targets it and the run did not exercise it.
    pub(crate) unexercised: Option<&'a Unexercised>,
}

impl RuleResult<'_> {
    /// The folded outcome; a verdict string this payterm does not know counts as none.
    pub(crate) fn mark(&self) -> Mark {
        let any = |kind: &str| self.verdicts.iter().any(|v| v.verdict == kind);
        if self.verdicts.iter().any(|v| v.failed()) {
            Mark::Fail
        } else if any("fail") {
            Mark::ExpectedFail
        } else if any("warn") {
            Mark::Warn
        } else if any("pass") {
            Mark::Pass
        } else if any("not_applicable") {
            Mark::NotApplicable
        } else if let Some(u) = self.unexercised {
            if u.known.is_some() { Mark::ExpectedFail } else { Mark::Inconclusive }
        } else if any("not_exercised") {
            Mark::NotExercised
        } else {
            Mark::None
        }
    }
}

/// Every rule `s` targets or has a verdict for, in the rule table's order (rules the table
/// does not know last, in the order they appear).
pub(crate) fn rule_results(s: &ScenarioReport) -> Vec<RuleResult<'_>> {
    let mut results: Vec<RuleResult<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let ids = s.targets.iter().map(String::as_str).chain(s.verdicts.iter().map(|v| v.rule.as_str()));
    for id in ids {
        index.entry(id).or_insert_with(|| {
            let unexercised = s.unexercised.iter().find(|u| u.rule == id);
            results.push(RuleResult { id, verdicts: Vec::new(), unexercised });
            results.len() - 1
        });
    }
    for v in &s.verdicts {
        if let Some(&i) = index.get(v.rule.as_str()) {
            results[i].verdicts.push(v);
        }
    }
    let position = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
    // A stable sort, so unknown rules keep the order they appeared in.
    results.sort_by_key(|r| position(r.id));
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(verdict: &str, known: Option<&str>) -> VerdictReport {
        VerdictReport {
            rule: "R".to_owned(),
            row: String::new(),
            order: None,
            verdict: verdict.to_owned(),
            expected: String::new(),
            happened: String::new(),
            evidence: Vec::new(),
            known: known.map(str::to_owned),
        }
    }

    #[rstest::rstest]
    #[case::one_failure_outweighs_passes(&[("pass", None), ("fail", None), ("warn", None)], Mark::Fail)]
    #[case::a_known_failure_is_expected(&[("pass", None), ("fail", Some("T-1"))], Mark::ExpectedFail)]
    #[case::a_warning_outweighs_a_pass(&[("pass", None), ("warn", None)], Mark::Warn)]
    #[case::a_pass_outweighs_not_exercised(&[("not_exercised", None), ("pass", None)], Mark::Pass)]
    #[case::not_applicable_outweighs_not_exercised(
        &[("not_exercised", None), ("not_applicable", None)],
        Mark::NotApplicable
    )]
    #[case::only_not_exercised(&[("not_exercised", None)], Mark::NotExercised)]
    #[case::an_unknown_word_is_no_verdict(&[("maybe", None)], Mark::None)]
    fn the_worst_verdict_wins(#[case] verdicts: &[(&str, Option<&str>)], #[case] mark: Mark) {
        let verdicts: Vec<VerdictReport> = verdicts.iter().map(|(v, k)| verdict(v, *k)).collect();
        let result = RuleResult { id: "R", verdicts: verdicts.iter().collect(), unexercised: None };
        assert_eq!(result.mark(), mark);
    }

    #[test]
    fn a_targeted_rule_never_exercised_is_inconclusive_unless_known() {
        let never = Unexercised { rule: "R".to_owned(), row: String::new(), never: Vec::new(), known: None };
        let known = Unexercised { known: Some("T-2".to_owned()), ..never.clone() };
        let exercised_by_none = [verdict("not_exercised", None)];
        let mark =
            |u| RuleResult { id: "R", verdicts: exercised_by_none.iter().collect(), unexercised: Some(u) }.mark();
        assert_eq!((mark(&never), mark(&known)), (Mark::Inconclusive, Mark::ExpectedFail));
    }
}
