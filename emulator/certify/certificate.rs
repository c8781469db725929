//! The certificate: what a profile run established (profile and harness versions, scenario
//! file hashes, per-rule verdict counts, transcript digests, the integration's declared name),
//! a digest per section, and an optional Ed25519 signature over its canonical JSON.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::canonical::canonical;
use super::profiles::{Profile, sha256_hex};
use crate::report::SuiteReport;
use crate::report::model::Integration;

/// The version of the certificate's shape.
pub const CERTIFICATE_VERSION: u32 = 1;

/// The sections each carrying a digest.
const SECTIONS: [&str; 7] = ["profile", "harness", "integration", "run", "scenarios", "rules", "result"];

/// A certificate, as written to `certificate.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Certificate {
    /// [`CERTIFICATE_VERSION`].
    pub certificate_version: u32,
    /// The profile: name, version, digest, the rules that may warn.
    pub profile: Value,
    /// The payterm that ran it.
    pub harness: Value,
    /// The integration, as it declared itself.
    pub integration: Integration,
    /// Seed and time scale.
    pub run: Value,
    /// Per scenario: file, file hash, status, each verdict, transcript digest.
    pub scenarios: Vec<Value>,
    /// Per rule: counts of each verdict, and the rule's standing under the profile.
    pub rules: Vec<Value>,
    /// `certified` or `not_certified`, with why.
    pub result: Value,
    /// SHA-256 of each section's canonical JSON.
    pub digests: BTreeMap<String, String>,
    /// Ed25519 over the canonical JSON of everything but this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Value>,
}

/// The rules' standing and the result, from the scenarios' verdicts under `profile`.
pub fn judge_rules(scenarios: &[Value], may_warn: &[String]) -> (Vec<Value>, Value) {
    let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut problems = Vec::new();
    for s in scenarios {
        for v in s["verdicts"].as_array().into_iter().flatten() {
            let (rule, verdict) = (v["rule"].as_str().unwrap_or("?"), v["verdict"].as_str().unwrap_or("?"));
            *counts.entry(rule.to_owned()).or_default().entry(verdict.to_owned()).or_default() += 1;
        }
        if s["status"] == "inconclusive" {
            problems.push(format!(
                "{} is inconclusive: a rule it targets was never exercised",
                s["file"].as_str().unwrap_or("?")
            ));
        }
        if s["status"] == "error" || s["status"] == "skipped" {
            problems.push(format!(
                "{} was not run ({})",
                s["file"].as_str().unwrap_or("?"),
                s["status"].as_str().unwrap_or("?")
            ));
        }
    }
    let rules: Vec<Value> = counts
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
            } else {
                "not_exercised"
            };
            if standing == "fail" {
                problems.push(format!("{rule}: {} fail, {} warn", n("fail"), n("warn")));
            }
            json!({"id": rule, "pass": n("pass"), "fail": n("fail"), "warn": n("warn"),
                   "not_exercised": n("not_exercised"), "standing": standing})
        })
        .collect();
    let verdict = if problems.is_empty() { "certified" } else { "not_certified" };
    (rules, json!({"verdict": verdict, "problems": problems}))
}

impl Certificate {
    /// The certificate of `report`, a run of `profile` with `seed`.
    pub fn new(profile: &Profile, report: &SuiteReport, seed: Option<u64>) -> Self {
        let hashes: BTreeMap<String, String> = profile.files().into_iter().collect();
        let scenarios: Vec<Value> = report
            .scenarios
            .iter()
            .map(|s| {
                let verdicts: Vec<Value> = s
                    .verdicts
                    .iter()
                    .map(|v| json!({"rule": v.rule, "order": v.order, "verdict": v.verdict}))
                    .collect();
                let transcript = serde_json::to_value(&s.transcript).unwrap_or_default();
                json!({
                    "file": s.file,
                    "sha256": hashes.get(&s.file).cloned().unwrap_or_default(),
                    "status": s.status.word(),
                    "seed": s.seed,
                    "verdicts": verdicts,
                    "transcript_sha256": sha256_hex(canonical(&transcript).as_bytes()),
                })
            })
            .collect();
        let may_warn: Vec<String> = profile.may_warn.iter().map(|s| (*s).to_owned()).collect();
        let (rules, result) = judge_rules(&scenarios, &may_warn);
        let mut cert = Certificate {
            certificate_version: CERTIFICATE_VERSION,
            profile: json!({"name": profile.name, "version": profile.version, "digest": profile.digest(),
                            "may_warn": may_warn}),
            harness: json!({"name": "payterm", "version": env!("CARGO_PKG_VERSION")}),
            integration: report.integration.clone(),
            run: json!({"seed": seed, "time_scale": report.time_scale}),
            scenarios,
            rules,
            result,
            digests: BTreeMap::new(),
            signature: None,
        };
        cert.digests = cert.section_digests();
        cert
    }

    /// Whether the profile's run certified the integration.
    pub fn certified(&self) -> bool {
        self.result["verdict"] == "certified"
    }

    fn section(&self, name: &str) -> Value {
        match name {
            "profile" => self.profile.clone(),
            "harness" => self.harness.clone(),
            "integration" => serde_json::to_value(&self.integration).unwrap_or_default(),
            "run" => self.run.clone(),
            "scenarios" => Value::Array(self.scenarios.clone()),
            "rules" => Value::Array(self.rules.clone()),
            _ => self.result.clone(),
        }
    }

    /// SHA-256 of each section's canonical JSON.
    pub fn section_digests(&self) -> BTreeMap<String, String> {
        SECTIONS.iter().map(|s| ((*s).to_owned(), sha256_hex(canonical(&self.section(s)).as_bytes()))).collect()
    }

    /// The canonical JSON the signature covers: everything but `signature`.
    pub fn signed_bytes(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("signature");
        }
        canonical(&value)
    }

    /// Signs the certificate with `key`.
    pub fn sign(&mut self, key: &SigningKey) {
        use crate::surfaces::initiator::signing;
        self.signature = None;
        let value = signing::sign(key, self.signed_bytes().as_bytes());
        self.signature = Some(json!({
            "algorithm": "Ed25519",
            "canonicalization": "RFC 8785",
            "key_id": signing::key_id(&key.verifying_key()),
            "public_key": signing::public_key_base64(key),
            "value": value,
        }));
    }
}
