//! `payterm certificate verify`: checks a certificate's section digests, its internal
//! consistency (rule counts and result recomputed from the scenarios' verdicts), its scenario
//! hashes against this payterm's profile, and its signature — naming each thing that differs.

use super::certificate::{Certificate, judge_rules};
use super::profiles;
use crate::surfaces::initiator::signing;

/// One check and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// `None` when it held; else what does not match.
    pub problem: Option<String>,
}

fn check(what: impl Into<String>, problem: Option<String>) -> Check {
    Check { what: what.into(), problem }
}

/// Every check of `text` (a certificate's JSON); `key` is a trusted public key (base64) the
/// signature must be made with.
pub fn verify(text: &str, key: Option<&str>) -> Result<Vec<Check>, String> {
    let cert: Certificate = serde_json::from_str(text).map_err(|e| format!("not a payterm certificate: {e}"))?;
    if cert.certificate_version != super::certificate::CERTIFICATE_VERSION {
        return Err(format!("certificate version {} is not one this payterm reads", cert.certificate_version));
    }
    let mut checks = Vec::new();
    let now = cert.section_digests();
    for (section, recorded) in &cert.digests {
        let problem = match now.get(section) {
            Some(d) if d == recorded => None,
            Some(_) => Some(format!("the `{section}` section does not match its recorded digest: it was altered")),
            None => Some(format!("a digest for an unknown section `{section}`")),
        };
        checks.push(check(format!("digest of {section}"), problem));
    }
    for section in now.keys().filter(|s| !cert.digests.contains_key(*s)) {
        checks.push(check(format!("digest of {section}"), Some("no digest recorded".to_owned())));
    }
    let may_warn: Vec<String> = cert.profile["may_warn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let (rules, result) = judge_rules(&cert.scenarios, &may_warn);
    let rule_problems: Vec<String> = rules
        .iter()
        .filter(|r| !cert.rules.contains(r))
        .map(|r| format!("{} recomputes to {r}", r["id"].as_str().unwrap_or("?")))
        .chain(
            cert.rules
                .iter()
                .filter(|r| !rules.contains(r))
                .map(|r| format!("recorded {r} has no support in the scenarios")),
        )
        .collect();
    checks.push(check(
        "rule counts match the scenarios' verdicts",
        (!rule_problems.is_empty()).then(|| rule_problems.join("; ")),
    ));
    checks.push(check(
        "result follows from the rules",
        (result != cert.result).then(|| format!("recorded {}, but the verdicts give {}", cert.result, result)),
    ));
    checks.extend(profile_checks(&cert));
    checks.push(signature_check(&cert, key));
    Ok(checks)
}

/// The scenario hashes against this payterm's copy of the profile, when it has the same one.
fn profile_checks(cert: &Certificate) -> Vec<Check> {
    let (name, version) = (cert.profile["name"].as_str().unwrap_or(""), cert.profile["version"].as_u64());
    let Some(profile) = profiles::find(name).filter(|p| Some(u64::from(p.version)) == version) else {
        // Not a sign of tampering: a newer or older payterm may not carry that profile.
        let what = format!("scenario files against the profile (not checked: this payterm has no {name} v{version:?})");
        return vec![check(what, None)];
    };
    let ours: std::collections::BTreeMap<String, String> = profile.files().into_iter().collect();
    let mut problems = Vec::new();
    for s in &cert.scenarios {
        let file = s["file"].as_str().unwrap_or("?");
        match ours.get(file) {
            Some(h) if s["sha256"].as_str() == Some(h.as_str()) => {}
            Some(_) => {
                problems.push(format!("{file}: its hash differs from profile {name} v{}'s file", profile.version))
            }
            None => problems.push(format!("{file} is not in profile {name}")),
        }
    }
    let listed: std::collections::BTreeSet<&str> = cert.scenarios.iter().filter_map(|s| s["file"].as_str()).collect();
    problems
        .extend(ours.keys().filter(|f| !listed.contains(f.as_str())).map(|f| format!("{f} of the profile is missing")));
    if cert.profile["digest"].as_str() != Some(profile.digest().as_str()) {
        problems.push("the profile digest differs from this payterm's".to_owned());
    }
    vec![check("scenario files against the profile", (!problems.is_empty()).then(|| problems.join("; ")))]
}

fn signature_check(cert: &Certificate, key: Option<&str>) -> Check {
    let Some(sig) = &cert.signature else {
        let problem = key.map(|_| "the certificate is not signed, but a key was given".to_owned());
        return check("signature", problem);
    };
    let public_text = sig["public_key"].as_str().unwrap_or("");
    if let Some(trusted) = key
        && trusted.trim() != public_text
    {
        return check("signature", Some(format!("signed by key {}, not by the key given", sig["key_id"])));
    }
    let public = match signing::parse_public_key(public_text) {
        Ok(p) => p,
        Err(e) => return check("signature", Some(e)),
    };
    let key_id = sig["key_id"].as_str().unwrap_or("");
    let problem = signing::verify(&public, key_id, cert.signed_bytes().as_bytes(), sig["value"].as_str().unwrap_or(""))
        .err()
        .map(|e| format!("{e}: the certificate changed after it was signed"));
    check(format!("Ed25519 signature by {key_id}"), problem)
}
