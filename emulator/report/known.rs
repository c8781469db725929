//! Known failures (`--expected-failures FILE`): [`KnownFailure`]s read by [`read_known`], each a
//! scenario and a rule whose failure, or lack of exercise, is reported but does not fail CI.

use std::path::Path;

use serde::Deserialize;

/// A failure recorded as known (`--expected-failures FILE`): still reported, not failing CI. It
/// covers the rule failing, and the rule going unexercised (an inconclusive scenario).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// The scenario file, as reports show it (`scenarios/cloud/….toml` for the built-in suite).
    pub scenario: String,
    /// The rule it fails.
    pub rule: String,
    /// Why it is accepted for now (a ticket, a date).
    pub reason: String,
    /// What is known: `failed` (the rule fails), `inconclusive` (the rule goes unexercised);
    /// both when left out.
    #[serde(default)]
    pub status: Option<KnownStatus>,
}

/// Which outcome of a rule a known failure covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnownStatus {
    /// The rule fails.
    Failed,
    /// The rule is targeted but not exercised.
    Inconclusive,
}

impl KnownFailure {
    /// Whether a failed verdict of the rule is covered.
    pub fn covers_failure(&self) -> bool {
        self.status != Some(KnownStatus::Inconclusive)
    }

    /// Whether the rule going unexercised is covered.
    pub fn covers_inconclusive(&self) -> bool {
        self.status != Some(KnownStatus::Failed)
    }
}

/// Reads a known-failures file: `[[failure]]` tables of `scenario`, `rule`, `reason` and
/// optionally `status`.
pub fn read_known(path: &Path) -> Result<Vec<KnownFailure>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        failure: Vec<KnownFailure>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for k in &file.failure {
        if crate::judge::rules::find(&k.rule).is_none() {
            return Err(format!("{}: no rule `{}` (hint: `payterm rules` lists them)", path.display(), k.rule));
        }
    }
    Ok(file.failure)
}
