//! A rule's [`Verdict`] for one order (or the whole scenario): pass, fail, warn or not
//! exercised, with what was expected, what happened, and the transcript lines that prove it.

use serde::Serialize;

/// How a rule fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The rule held.
    Pass,
    /// The rule was broken.
    Fail,
    /// Allowed but discouraged.
    Warn,
    /// Nothing in the run tested it.
    NotExercised,
    /// The spec let the integration finish before the situation the rule tests arose (it
    /// reported `paid` and exited; the refund came later): shown with why, and not counted
    /// against the scenario.
    NotApplicable,
}

/// One verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The rule's ID.
    pub rule: &'static str,
    /// The order it concerns, if one.
    pub order: Option<String>,
    /// How it fared.
    pub kind: VerdictKind,
    /// What the rule expected.
    pub expected: String,
    /// What happened.
    pub happened: String,
    /// Transcript lines that prove it.
    pub evidence: Vec<String>,
}

impl Verdict {
    /// A verdict of `kind`.
    pub fn new(
        rule: &'static str,
        order: Option<&str>,
        kind: VerdictKind,
        expected: impl Into<String>,
        happened: impl Into<String>,
    ) -> Self {
        Verdict {
            rule,
            order: order.map(str::to_owned),
            kind,
            expected: expected.into(),
            happened: happened.into(),
            evidence: Vec::new(),
        }
    }

    /// A pass, or a fail with `evidence`, as `ok` says.
    pub fn held(
        rule: &'static str,
        order: Option<&str>,
        ok: bool,
        expected: &str,
        happened: &str,
        evidence: Vec<String>,
    ) -> Self {
        let kind = if ok { VerdictKind::Pass } else { VerdictKind::Fail };
        Verdict::new(rule, order, kind, expected, happened).with_evidence(if ok { Vec::new() } else { evidence })
    }

    /// Adds evidence lines.
    pub fn with_evidence(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(lines);
        self
    }

    /// The rule held.
    pub fn pass(rule: &'static str, order: Option<&str>, expected: &str, happened: impl Into<String>) -> Self {
        Verdict::new(rule, order, VerdictKind::Pass, expected, happened)
    }

    /// The rule was broken; `evidence` proves it.
    pub fn fail(
        rule: &'static str,
        order: Option<&str>,
        expected: &str,
        happened: impl Into<String>,
        evidence: impl IntoIterator<Item = String>,
    ) -> Self {
        Verdict::new(rule, order, VerdictKind::Fail, expected, happened).with_evidence(evidence)
    }

    /// Nothing in the run tested the rule: `never` says what the integration never did (or
    /// what never happened), e.g. "no VOID was sent".
    pub fn not_exercised(rule: &'static str, order: Option<&str>, expected: &str, never: impl Into<String>) -> Self {
        Verdict::new(rule, order, VerdictKind::NotExercised, expected, never)
    }

    /// The rule does not apply to this run: the spec let the integration finish before the
    /// situation it tests arose; `why` says so.
    pub fn not_applicable(rule: &'static str, order: Option<&str>, expected: &str, why: impl Into<String>) -> Self {
        Verdict::new(rule, order, VerdictKind::NotApplicable, expected, why)
    }

    /// A fail listing `problems` (and their evidence), or a pass saying `held`.
    pub fn from_problems(
        rule: &'static str,
        order: Option<&str>,
        expected: &str,
        problems: Vec<String>,
        evidence: Vec<String>,
        held: impl Into<String>,
    ) -> Self {
        if problems.is_empty() {
            Verdict::pass(rule, order, expected, held)
        } else {
            Verdict::fail(rule, order, expected, problems.join("; "), evidence)
        }
    }
}
