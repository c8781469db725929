//! The JSON report: one [`SuiteReport`] per run, one [`ScenarioReport`] per scenario, each
//! verdict with its rule's spec row. Its shape is versioned by [`SCHEMA_VERSION`] and printed
//! by `payterm schema report`.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::known::{KnownFailure, KnownStatus, read_known};
use super::transcript::{TranscriptLine, transcript};
use crate::judge::{Verdict, VerdictKind};
use crate::printable;
use crate::runner::{Ending, Record};

/// The version of the report's shape; raised when a field changes meaning or goes away.
/// 2: a scenario whose targeted rule was not exercised is `inconclusive`, no longer `passed`
/// (`summary.inconclusive`, `scenarios[].unexercised`); `builtin`; `interrupted`.
/// 3: a verdict may be `not_applicable` (a targeted rule so judged is not inconclusive).
pub const SCHEMA_VERSION: u32 = 3;

/// A whole run.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SuiteReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The payterm that ran it.
    pub payterm_version: String,
    /// The integration, as its manifest (or the command line) declares it.
    pub integration: Integration,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// Real seconds the whole run took.
    pub wall_s: f64,
    /// Counts.
    pub summary: Summary,
    /// The signal that stopped the run before every scenario finished (`SIGINT`, `SIGTERM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Every scenario, in the order they were given.
    pub scenarios: Vec<ScenarioReport>,
}

/// The integration under test.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Integration {
    /// Its declared name.
    pub name: Option<String>,
    /// Its declared version.
    pub version: Option<String>,
    /// The command run once per scenario (command mode).
    pub command: Option<String>,
    /// The URL orders were posted to (service mode).
    pub service: Option<String>,
}

/// How many scenarios ended how.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Scenarios in the run.
    pub total: usize,
    /// No rule failed and every targeted rule was exercised.
    pub passed: usize,
    /// Some rule failed.
    pub failed: usize,
    /// No rule failed, but a targeted rule was not exercised: the run proves nothing about it.
    #[serde(default)]
    pub inconclusive: usize,
    /// Not run: the integration does not support what they need.
    pub skipped: usize,
    /// The harness could not run them.
    pub errors: usize,
    /// Failed verdicts and unexercised targets recorded as known (`--expected-failures`):
    /// reported, not counted as failed or inconclusive.
    #[serde(default)]
    pub expected_failures: usize,
}

/// How a scenario ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioStatus {
    /// No rule failed and every targeted rule was exercised.
    Passed,
    /// Some rule failed.
    Failed,
    /// No rule failed, but a targeted rule was not exercised (see `unexercised`).
    Inconclusive,
    /// Not run (see `skipped`).
    Skipped,
    /// The harness could not run it (see `error`).
    Error,
}

impl ScenarioStatus {
    /// `passed`, `failed`, `inconclusive`, `skipped` or `error`, as the JSON report says it.
    pub fn word(self) -> &'static str {
        match self {
            ScenarioStatus::Passed => "passed",
            ScenarioStatus::Failed => "failed",
            ScenarioStatus::Inconclusive => "inconclusive",
            ScenarioStatus::Skipped => "skipped",
            ScenarioStatus::Error => "error",
        }
    }

    /// Whether the scenario counts against the run: failed, inconclusive, or not runnable.
    pub fn is_bad(self) -> bool {
        matches!(self, ScenarioStatus::Failed | ScenarioStatus::Inconclusive | ScenarioStatus::Error)
    }
}

/// A rule the scenario targets that the run did not exercise: why it is inconclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unexercised {
    /// The rule's ID.
    pub rule: String,
    /// The spec row the rule comes from.
    pub row: String,
    /// What the integration never did, per its `not_exercised` verdicts (`no VOID was sent`),
    /// or that this payterm gave the rule no verdict at all.
    pub never: Vec<String>,
    /// For one recorded as known (`--expected-failures`): why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<String>,
}

/// One scenario's result.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioReport {
    /// The scenario file, as given (`scenarios/…` for a built-in one).
    pub file: String,
    /// Built into payterm: `file` names its place in the embedded suite, not a file on disk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
    /// The scenario's name.
    pub name: String,
    /// How it ended.
    pub status: ScenarioStatus,
    /// Why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// What kept the harness from running it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The rules it targets.
    pub targets: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Real seconds it took.
    pub wall_s: f64,
    /// Virtual seconds it spanned.
    pub virtual_s: f64,
    /// How the integration's process ended (`exited 0`, `killed at the deadline`, …).
    pub ending: String,
    /// Each order: what the integration reported and what the ledger holds for it.
    pub orders: Vec<OrderSummary>,
    /// Every verdict.
    pub verdicts: Vec<VerdictReport>,
    /// Targeted rules this payterm gave no verdict for.
    pub not_judged: Vec<String>,
    /// Targeted rules the run did not exercise (the scenario is inconclusive unless one
    /// failed, or each is known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexercised: Vec<Unexercised>,
    /// The integration's stderr and its stdout lines that were not events.
    pub log: Vec<String>,
    /// Every order, exchange, transition and event, in virtual-time order.
    pub transcript: Vec<TranscriptLine>,
    /// A command that runs this scenario alone, the same way.
    pub reproduce: String,
}

/// One order at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrderSummary {
    /// The order's id.
    pub id: String,
    /// `sale`, `void`, `close_batch`, `invoice`.
    pub operation: String,
    /// `cloud`, `app2app`, `initiator`.
    pub surface: String,
    /// The reference the integration passes on.
    pub reference: String,
    /// The integration's events for it (`outcome paid`, `flag engineering`, `present_uri`).
    pub events: Vec<String>,
    /// The ledger's movements carrying its reference (`capture 1250`, `void 1250`).
    pub ledger: Vec<String>,
}

impl OrderSummary {
    fn of(record: &Record) -> Vec<Self> {
        use crate::record::events::EventKind;
        let word = |v: serde_json::Value| v.as_str().unwrap_or("?").to_owned();
        record
            .scenario
            .orders
            .iter()
            .map(|order| OrderSummary {
                id: order.id.clone(),
                operation: order.operation.as_str().to_owned(),
                surface: order.surface.as_str().to_owned(),
                reference: order.reference.clone(),
                events: record
                    .events
                    .iter()
                    .filter(|e| e.order == order.id)
                    .map(|e| match &e.kind {
                        EventKind::Outcome { result, .. } => {
                            format!("outcome {}", word(serde_json::to_value(result).unwrap_or_default()))
                        }
                        EventKind::Flag { kind, .. } => {
                            format!("flag {}", word(serde_json::to_value(kind).unwrap_or_default()))
                        }
                        EventKind::PresentUri { .. } => "present_uri".to_owned(),
                    })
                    .collect(),
                ledger: record
                    .ledger
                    .iter()
                    .filter(|e| e.reference.as_deref() == Some(order.reference.as_str()))
                    .map(|e| format!("{:?} {}", e.kind, e.amount).to_lowercase())
                    .collect(),
            })
            .collect()
    }
}

/// One verdict, with its rule's spec row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VerdictReport {
    /// The rule's ID.
    pub rule: String,
    /// The spec row the rule comes from.
    pub row: String,
    /// The order it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// `pass`, `fail`, `warn`, `not_exercised` or `not_applicable` (the spec let the
    /// integration finish before the situation arose: not counted against the scenario).
    pub verdict: String,
    /// What the rule expected.
    pub expected: String,
    /// What happened.
    pub happened: String,
    /// Transcript lines that prove it.
    pub evidence: Vec<String>,
    /// For a failure recorded as known (`--expected-failures`): why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<String>,
}

impl VerdictReport {
    /// Whether the rule was broken, and that was not expected.
    pub fn failed(&self) -> bool {
        self.verdict == "fail" && self.known.is_none()
    }
}

impl From<&Verdict> for VerdictReport {
    fn from(v: &Verdict) -> Self {
        let verdict = match v.kind {
            VerdictKind::Pass => "pass",
            VerdictKind::Fail => "fail",
            VerdictKind::Warn => "warn",
            VerdictKind::NotExercised => "not_exercised",
            VerdictKind::NotApplicable => "not_applicable",
        };
        VerdictReport {
            rule: v.rule.to_owned(),
            row: crate::judge::rules::find(v.rule).map_or_else(String::new, |r| r.row.to_owned()),
            order: v.order.clone(),
            verdict: verdict.to_owned(),
            expected: printable::shorten(&v.expected, TEXT_CHARS).into_owned(),
            happened: printable::shorten(&v.happened, TEXT_CHARS).into_owned(),
            // Evidence quotes; a quoted line of the integration's log can be 64 KiB.
            evidence: v.evidence.iter().map(|e| printable::shorten(e, EVIDENCE_CHARS).into_owned()).collect(),
            known: None,
        }
    }
}

/// The most characters of a verdict's `expected` or `happened`.
const TEXT_CHARS: usize = 2_000;
/// The most characters of one line of evidence.
const EVIDENCE_CHARS: usize = 500;

/// The targeted rules of `targets` that `verdicts` never exercised: no `pass`, `fail` or
/// `warn` among their verdicts, whatever the judge that gave them.
fn unexercised(targets: &[String], verdicts: &[VerdictReport]) -> Vec<Unexercised> {
    targets
        .iter()
        .filter(|t| {
            !verdicts
                .iter()
                .any(|v| &v.rule == *t && matches!(v.verdict.as_str(), "pass" | "fail" | "warn" | "not_applicable"))
        })
        .map(|t| {
            let mut never: Vec<String> = Vec::new();
            for v in verdicts.iter().filter(|v| &v.rule == t) {
                let said = match &v.order {
                    Some(order) => format!("order {order}: {}", v.happened),
                    None => v.happened.clone(),
                };
                if !never.contains(&said) {
                    never.push(said);
                }
            }
            if never.is_empty() {
                never.push(format!("no verdict: this payterm does not judge {t} on this run"));
            }
            let row = crate::judge::rules::find(t).map_or_else(String::new, |r| r.row.to_owned());
            Unexercised { rule: t.clone(), row, never, known: None }
        })
        .collect()
}

impl ScenarioReport {
    /// The report of a run the judge gave `verdicts` (and `not_judged`) for; `reproduce` is
    /// the command that runs it alone.
    pub fn judged(file: &Path, record: &Record, verdicts: &[Verdict], not_judged: &[&str], reproduce: String) -> Self {
        let verdicts: Vec<VerdictReport> = verdicts.iter().map(VerdictReport::from).collect();
        let targets: Vec<String> = record.scenario.rules.iter().map(|r| r.id.to_owned()).collect();
        let mut report = ScenarioReport {
            file: file.display().to_string(),
            builtin: false,
            name: record.scenario.name.clone(),
            status: ScenarioStatus::Passed,
            skipped: None,
            error: None,
            unexercised: unexercised(&targets, &verdicts),
            targets,
            seed: record.seed,
            wall_s: record.wall.as_secs_f64(),
            virtual_s: (record.ended - record.started).as_secs_f64(),
            ending: ending_text(&record.ending),
            orders: OrderSummary::of(record),
            verdicts,
            not_judged: not_judged.iter().map(|s| (*s).to_owned()).collect(),
            log: record.log.clone(),
            transcript: transcript(record),
            reproduce,
        };
        report.settle();
        report
    }

    /// The status from the verdicts: failed if a rule failed, else inconclusive if a targeted
    /// rule was not exercised (and not known), else passed. Not-run scenarios keep theirs.
    fn settle(&mut self) {
        if matches!(self.status, ScenarioStatus::Skipped | ScenarioStatus::Error) {
            return;
        }
        self.status = if self.verdicts.iter().any(VerdictReport::failed) {
            ScenarioStatus::Failed
        } else if self.unexercised.iter().any(|u| u.known.is_none()) {
            ScenarioStatus::Inconclusive
        } else {
            ScenarioStatus::Passed
        };
    }

    /// A scenario not run, because of `why` (skipped) or a harness failure (error).
    pub fn not_run(file: &Path, scenario: &crate::scenario::Scenario, status: ScenarioStatus, why: String) -> Self {
        ScenarioReport {
            file: file.display().to_string(),
            builtin: false,
            name: scenario.name.clone(),
            status,
            skipped: (status == ScenarioStatus::Skipped).then(|| why.clone()),
            error: (status != ScenarioStatus::Skipped).then_some(why),
            targets: scenario.rules.iter().map(|r| r.id.to_owned()).collect(),
            seed: scenario.seed.unwrap_or(1),
            wall_s: 0.0,
            virtual_s: 0.0,
            ending: "not run".to_owned(),
            orders: Vec::new(),
            verdicts: Vec::new(),
            not_judged: Vec::new(),
            unexercised: Vec::new(),
            log: Vec::new(),
            transcript: Vec::new(),
            reproduce: String::new(),
        }
    }

    /// Marks the failures and unexercised targets `known` lists for this scenario as known
    /// (reported, not failed), and settles the status again.
    pub fn apply_known(&mut self, known: &[KnownFailure]) {
        for k in known.iter().filter(|k| k.scenario == self.file) {
            for v in self.verdicts.iter_mut().filter(|v| v.rule == k.rule && v.verdict == "fail" && k.covers_failure())
            {
                v.known = Some(k.reason.clone());
            }
            for u in self.unexercised.iter_mut().filter(|u| u.rule == k.rule && k.covers_inconclusive()) {
                u.known = Some(k.reason.clone());
            }
        }
        self.settle();
    }

    /// The targeted rules not exercised, and not known.
    pub fn inconclusive_rules(&self) -> impl Iterator<Item = &Unexercised> {
        self.unexercised.iter().filter(|u| u.known.is_none())
    }

    /// The verdicts that failed.
    pub fn failures(&self) -> impl Iterator<Item = &VerdictReport> {
        self.verdicts.iter().filter(|v| v.failed())
    }
}

impl SuiteReport {
    /// A report of `scenarios`, counted.
    pub fn new(integration: Integration, time_scale: f64, wall_s: f64, scenarios: Vec<ScenarioReport>) -> Self {
        let count = |s: ScenarioStatus| scenarios.iter().filter(|r| r.status == s).count();
        let known_unexercised = scenarios.iter().flat_map(|s| &s.unexercised).filter(|u| u.known.is_some()).count();
        let summary = Summary {
            total: scenarios.len(),
            passed: count(ScenarioStatus::Passed),
            failed: count(ScenarioStatus::Failed),
            inconclusive: count(ScenarioStatus::Inconclusive),
            skipped: count(ScenarioStatus::Skipped),
            errors: count(ScenarioStatus::Error),
            expected_failures: scenarios.iter().flat_map(|s| &s.verdicts).filter(|v| v.known.is_some()).count()
                + known_unexercised,
        };
        SuiteReport {
            schema_version: SCHEMA_VERSION,
            payterm_version: env!("CARGO_PKG_VERSION").to_owned(),
            integration,
            time_scale,
            wall_s,
            summary,
            interrupted: None,
            scenarios,
        }
    }

    /// The entries of a known-failures list that did not fail this time (their scenario ran
    /// and no verdict of that rule was marked known): they can be removed.
    pub fn unused_known(&self, known: &[KnownFailure]) -> Vec<KnownFailure> {
        known
            .iter()
            .filter(|k| {
                let ran: Vec<&ScenarioReport> = self
                    .scenarios
                    .iter()
                    .filter(|s| {
                        s.file == k.scenario
                            && matches!(
                                s.status,
                                ScenarioStatus::Passed | ScenarioStatus::Failed | ScenarioStatus::Inconclusive
                            )
                    })
                    .collect();
                let used = ran.iter().any(|s| {
                    s.verdicts.iter().any(|v| v.rule == k.rule && v.known.is_some())
                        || s.unexercised.iter().any(|u| u.rule == k.rule && u.known.is_some())
                });
                !ran.is_empty() && !used
            })
            .cloned()
            .collect()
    }

    /// Every rule any scenario has a verdict for or targets, in the rule table's order.
    pub fn rules(&self) -> Vec<&'static crate::judge::rules::Rule> {
        let seen = |id: &str| {
            self.scenarios.iter().any(|s| s.targets.iter().any(|t| t == id) || s.verdicts.iter().any(|v| v.rule == id))
        };
        crate::judge::rules::RULES.iter().filter(|r| seen(r.id)).collect()
    }
}

/// How the integration's process ended, in words.
pub fn ending_text(ending: &Ending) -> String {
    match ending {
        Ending::Exited(Some(code)) => format!("exited with {code}"),
        Ending::Exited(None) => "killed by a signal".to_owned(),
        Ending::KilledAtDeadline => "still running at the deadline: its process group was killed".to_owned(),
        Ending::FailedToStart(e) => format!("failed to start: {e}"),
        Ending::Settled => "every order had a final outcome and the service went quiet".to_owned(),
        Ending::DeadlineReached => "the service was still working at the deadline".to_owned(),
        Ending::DidNotStart(after) => format!(
            "did not start: no request, no event and no {{\"event\": \"ready\"}} within {} s (hint: --startup-timeout)",
            after.as_secs_f64()
        ),
    }
}
