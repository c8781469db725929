//! The certificate: what a profile run established (profile and harness versions, scenario
//! file hashes, targets and verdicts, per-rule counts, transcript digests, the integration's
//! declared name), a digest per section, and an optional Ed25519 signature over the canonical
//! JSON (RFC 8785) of the whole document but the signature's value — its own metadata
//! included. Every part is a typed section that refuses fields it does not know.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::canonical;
use super::profiles::{Profile, sha256_hex};
use crate::report::SuiteReport;

/// The version of the certificate's shape. 2: sections are closed (unknown fields refused),
/// scenarios carry their targets, the signature covers the whole document and its own metadata.
pub const CERTIFICATE_VERSION: u32 = 3;
/// The only signature algorithm.
pub const ALGORITHM: &str = "Ed25519";
/// How the signed bytes are made.
pub const CANONICALIZATION: &str = "RFC 8785";

/// The sections each carrying a digest.
pub const SECTIONS: [&str; 7] = ["profile", "harness", "integration", "run", "scenarios", "rules", "result"];

/// A certificate, as written to `certificate.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// [`CERTIFICATE_VERSION`].
    pub certificate_version: u32,
    /// The profile run.
    pub profile: ProfileSection,
    /// The payterm that ran it.
    pub harness: Harness,
    /// The integration, as it declared itself.
    pub integration: DeclaredIntegration,
    /// Seed and time scale.
    pub run: RunSection,
    /// Every scenario of the profile.
    pub scenarios: Vec<ScenarioEntry>,
    /// Per rule: counts of each verdict, and the rule's standing under the profile.
    pub rules: Vec<RuleEntry>,
    /// `certified` or `not_certified`, with why.
    pub result: Outcome,
    /// SHA-256 of each section's canonical JSON.
    pub digests: Digests,
    /// Ed25519 over the canonical JSON of everything but `signature.value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// The profile run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSection {
    /// Its name.
    pub name: String,
    /// Its version (an integer: `1.0` is refused, not read as 1).
    pub version: u32,
    /// [`Profile::digest`].
    pub digest: String,
    /// The rules whose warnings do not fail certification.
    pub may_warn: Vec<String>,
}

/// The payterm that ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Harness {
    /// `payterm`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The integration, as its manifest or the command line declared it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredIntegration {
    /// Its declared name.
    pub name: Option<String>,
    /// Its declared version.
    pub version: Option<String>,
    /// The command run (command mode).
    pub command: Option<String>,
    /// The URL orders were posted to (service mode).
    pub service: Option<String>,
}

/// How the profile was run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// The seed given, if one was (else each scenario's own).
    pub seed: Option<u64>,
    /// Real seconds per virtual second.
    pub time_scale: f64,
}

/// One scenario of the profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEntry {
    /// `scenarios/…`.
    pub file: String,
    /// SHA-256 of the file's text.
    pub sha256: String,
    /// `passed`, `failed`, `inconclusive`, `skipped` or `error`.
    pub status: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The rules it targets.
    pub targets: Vec<String>,
    /// Every verdict.
    pub verdicts: Vec<VerdictEntry>,
    /// SHA-256 of its transcript's canonical JSON.
    pub transcript_sha256: String,
}

/// One verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictEntry {
    /// The rule.
    pub rule: String,
    /// The order, for a per-order verdict.
    pub order: Option<String>,
    /// `pass`, `fail`, `warn` or `not_exercised`.
    pub verdict: String,
}

/// One rule's counts and standing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// The rule.
    pub id: String,
    /// Verdicts `pass`.
    pub pass: u64,
    /// Verdicts `fail`.
    pub fail: u64,
    /// Verdicts `warn`.
    pub warn: u64,
    /// Verdicts `not_exercised`.
    pub not_exercised: u64,
    /// Verdicts `not_applicable` (the spec let the integration finish first).
    pub not_applicable: u64,
    /// `pass`, `fail`, `warn`, `not_applicable` or `not_exercised`.
    pub standing: String,
}

/// The result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// `certified` or `not_certified`.
    pub verdict: String,
    /// Why not, one line each.
    pub problems: Vec<String>,
}

/// The digest of each section, hex SHA-256 of its canonical JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(missing_docs, reason = "one field per section, named after it")]
pub struct Digests {
    pub profile: String,
    pub harness: String,
    pub integration: String,
    pub run: String,
    pub scenarios: String,
    pub rules: String,
    pub result: String,
}

impl Digests {
    /// The digest recorded for `section`.
    pub fn get(&self, section: &str) -> &str {
        match section {
            "profile" => &self.profile,
            "harness" => &self.harness,
            "integration" => &self.integration,
            "run" => &self.run,
            "scenarios" => &self.scenarios,
            "rules" => &self.rules,
            _ => &self.result,
        }
    }
}

/// The signature and what it says about itself (all of it signed but `value`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// [`ALGORITHM`].
    pub algorithm: String,
    /// [`CANONICALIZATION`].
    pub canonicalization: String,
    /// The key's id, derived from `public_key`.
    pub key_id: String,
    /// The public key, standard base64.
    pub public_key: String,
    /// The signature, standard base64.
    pub value: String,
}

/// A scenario's status from its targets and verdicts: `failed` if a verdict failed, else
/// `inconclusive` if a target was never exercised (no pass, fail, warn or not_applicable), else
/// `passed`.
pub fn status_of(targets: &[String], verdicts: &[VerdictEntry]) -> &'static str {
    let exercised = |t: &String| {
        verdicts
            .iter()
            .any(|v| &v.rule == t && matches!(v.verdict.as_str(), "pass" | "fail" | "warn" | "not_applicable"))
    };
    if verdicts.iter().any(|v| v.verdict == "fail") {
        "failed"
    } else if !targets.iter().all(exercised) {
        "inconclusive"
    } else {
        "passed"
    }
}

/// The rules' standing and the result, from the scenarios' verdicts under `may_warn`.
pub fn judge_rules(scenarios: &[ScenarioEntry], may_warn: &[String]) -> (Vec<RuleEntry>, Outcome) {
    let mut counts: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    let mut problems = Vec::new();
    for s in scenarios {
        for v in &s.verdicts {
            *counts.entry(&v.rule).or_default().entry(&v.verdict).or_default() += 1;
        }
        match s.status.as_str() {
            "inconclusive" => {
                problems.push(format!("{} is inconclusive: a rule it targets was never exercised", s.file));
            }
            "error" | "skipped" => problems.push(format!("{} was not run ({})", s.file, s.status)),
            _ => {}
        }
    }
    let rules: Vec<RuleEntry> = counts
        .iter()
        .map(|(rule, c)| {
            let n = |k: &str| c.get(k).copied().unwrap_or(0);
            // A warning fails the rule unless the profile lets that rule warn.
            let standing = if n("fail") > 0 || (n("warn") > 0 && !may_warn.iter().any(|r| r == rule)) {
                "fail"
            } else if n("warn") > 0 {
                "warn"
            } else if n("pass") > 0 {
                "pass"
            } else if n("not_applicable") > 0 {
                "not_applicable"
            } else {
                "not_exercised"
            };
            if standing == "fail" {
                problems.push(format!("{rule}: {} fail, {} warn", n("fail"), n("warn")));
            }
            RuleEntry {
                id: (*rule).to_owned(),
                pass: n("pass"),
                fail: n("fail"),
                warn: n("warn"),
                not_exercised: n("not_exercised"),
                not_applicable: n("not_applicable"),
                standing: standing.to_owned(),
            }
        })
        .collect();
    let verdict = if problems.is_empty() { "certified" } else { "not_certified" };
    (rules, Outcome { verdict: verdict.to_owned(), problems })
}

impl Certificate {
    /// The certificate of `report`, a run of `profile` with `seed`.
    pub fn new(profile: &Profile, report: &SuiteReport, seed: Option<u64>) -> Self {
        let hashes: BTreeMap<String, String> = profile.files().into_iter().collect();
        let scenarios: Vec<ScenarioEntry> = report
            .scenarios
            .iter()
            .map(|s| {
                let transcript = serde_json::to_value(&s.transcript).unwrap_or_default();
                ScenarioEntry {
                    file: s.file.clone(),
                    sha256: hashes.get(&s.file).cloned().unwrap_or_default(),
                    status: s.status.word().to_owned(),
                    seed: s.seed,
                    targets: s.targets.clone(),
                    verdicts: s
                        .verdicts
                        .iter()
                        .map(|v| VerdictEntry {
                            rule: v.rule.clone(),
                            order: v.order.clone(),
                            verdict: v.verdict.clone(),
                        })
                        .collect(),
                    transcript_sha256: sha256_hex(canonical(&transcript).as_bytes()),
                }
            })
            .collect();
        let may_warn: Vec<String> = profile.may_warn.iter().map(|s| (*s).to_owned()).collect();
        let (rules, result) = judge_rules(&scenarios, &may_warn);
        let i = &report.integration;
        let mut cert = Certificate {
            certificate_version: CERTIFICATE_VERSION,
            profile: ProfileSection {
                name: profile.name.to_owned(),
                version: profile.version,
                digest: profile.digest(),
                may_warn,
            },
            harness: Harness { name: "payterm".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() },
            integration: DeclaredIntegration {
                name: i.name.clone(),
                version: i.version.clone(),
                command: i.command.clone(),
                service: i.service.clone(),
            },
            run: RunSection { seed, time_scale: report.time_scale },
            scenarios,
            rules,
            result,
            digests: Digests::default(),
            signature: None,
        };
        let value = serde_json::to_value(&cert).unwrap_or_default();
        cert.digests = section_digests(&value);
        cert
    }

    /// Whether the profile's run certified the integration.
    pub fn certified(&self) -> bool {
        self.result.verdict == "certified"
    }

    /// Signs the certificate with `key`: its metadata first, then the value over the whole.
    pub fn sign(&mut self, key: &SigningKey) {
        use crate::surfaces::initiator::signing;
        self.signature = Some(Signature {
            algorithm: ALGORITHM.to_owned(),
            canonicalization: CANONICALIZATION.to_owned(),
            key_id: signing::key_id(&key.verifying_key()),
            public_key: signing::public_key_base64(key),
            value: String::new(),
        });
        let value = serde_json::to_value(&*self).unwrap_or_default();
        let signed = signing::sign(key, signed_bytes(&value).as_bytes());
        if let Some(sig) = &mut self.signature {
            sig.value = signed;
        }
    }
}

/// SHA-256 of each section of `document`'s canonical JSON, as it stands.
pub fn section_digests(document: &Value) -> Digests {
    let d = |s: &str| sha256_hex(canonical(&document[s]).as_bytes());
    Digests {
        profile: d("profile"),
        harness: d("harness"),
        integration: d("integration"),
        run: d("run"),
        scenarios: d("scenarios"),
        rules: d("rules"),
        result: d("result"),
    }
}

/// What a signature covers: the canonical JSON of `document` as it stands, every field but
/// `signature.value` (the algorithm, key id and public key included).
pub fn signed_bytes(document: &Value) -> String {
    let mut value = document.clone();
    if let Some(sig) = value.get_mut("signature").and_then(Value::as_object_mut) {
        sig.remove("value");
    }
    canonical(&value)
}
