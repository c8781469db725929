//! `payterm certificate verify`: reads a certificate strictly (no duplicate key, no unknown
//! field, integers where integers belong), then checks its section digests, its internal
//! consistency (statuses, rule counts and result recomputed from the verdicts), its scenario
//! hashes against this payterm's profile, and its signature over the document as received —
//! naming each thing that differs, and saying plainly when authenticity was not checked.

use serde_json::Value;

use super::certificate::{
    ALGORITHM, CANONICALIZATION, CERTIFICATE_VERSION, Certificate, SECTIONS, judge_rules, section_digests,
    signed_bytes, status_of,
};
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

/// What a verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Every check.
    pub checks: Vec<Check>,
    /// Whether the signature was checked against a key the caller trusts (`--key`).
    pub authentic: bool,
    /// What the certificate says of the integration: certified under its profile or not.
    pub certified: bool,
    /// The profile, as `name vN`.
    pub profile: String,
    /// Why not certified, as the certificate says (its result, checked above against the
    /// verdicts).
    pub problems: Vec<String>,
}

/// Every check of `text` (a certificate's JSON); `key` is the trusted public key (base64) that
/// must have signed it. Without one, the signature is still checked against the key it names,
/// but that proves only that nothing changed since someone signed it, not who.
pub fn verify(text: &str, key: Option<&str>) -> Result<Verification, String> {
    let received = crate::strict_json::parse(text).map_err(|e| format!("not a payterm certificate: {e}"))?;
    let version = received.get("certificate_version").cloned().unwrap_or(Value::Null);
    if version.as_u64() != Some(u64::from(CERTIFICATE_VERSION)) {
        return Err(format!(
            "certificate version {version} is not one this payterm reads (it reads {CERTIFICATE_VERSION})\n(hint: verify it with the payterm that wrote it)"
        ));
    }
    let cert: Certificate = serde_path_to_error::deserialize(received.clone()).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." { String::new() } else { format!(" at `{path}`") };
        format!("not a payterm certificate: {}{at}", e.into_inner())
    })?;
    let mut checks = Vec::new();
    let now = section_digests(&received);
    for section in SECTIONS {
        let problem = (now.get(section) != cert.digests.get(section))
            .then(|| format!("the `{section}` section does not match its recorded digest: it was altered"));
        checks.push(check(format!("digest of {section}"), problem));
    }
    checks.push(check(
        "harness is payterm",
        (cert.harness.name != "payterm").then(|| format!("the harness is named `{}`", cert.harness.name)),
    ));
    let statuses: Vec<String> = cert
        .scenarios
        .iter()
        .filter(|s| !matches!(s.status.as_str(), "skipped" | "error") || !s.verdicts.is_empty())
        .filter(|s| s.status != status_of(&s.targets, &s.verdicts))
        .map(|s| {
            format!(
                "{} is recorded {}, but its verdicts make it {}",
                s.file,
                s.status,
                status_of(&s.targets, &s.verdicts)
            )
        })
        .collect();
    checks.push(check(
        "each scenario's status follows from its targets and verdicts",
        (!statuses.is_empty()).then(|| statuses.join("; ")),
    ));
    let (rules, result) = judge_rules(&cert.scenarios, &cert.profile.may_warn);
    let rule_problems: Vec<String> = rules
        .iter()
        .filter(|r| !cert.rules.contains(r))
        .map(|r| {
            format!("{} recomputes to {} pass, {} fail, {} warn, standing {}", r.id, r.pass, r.fail, r.warn, r.standing)
        })
        .chain(
            cert.rules
                .iter()
                .filter(|r| !rules.contains(r))
                .map(|r| format!("recorded {} has no support in the scenarios", r.id)),
        )
        .collect();
    checks.push(check(
        "rule counts match the scenarios' verdicts",
        (!rule_problems.is_empty()).then(|| rule_problems.join("; ")),
    ));
    checks.push(check(
        "result follows from the rules",
        (result != cert.result)
            .then(|| format!("recorded `{}`, but the verdicts give `{}`", cert.result.verdict, result.verdict)),
    ));
    checks.push(profile_check(&cert));
    let (signature, authentic) = signature_check(&cert, &received, key);
    checks.push(signature);
    Ok(Verification {
        checks,
        authentic,
        certified: cert.certified(),
        profile: format!("{} v{}", cert.profile.name, cert.profile.version),
        problems: cert.result.problems.clone(),
    })
}

/// The scenario hashes against this payterm's copy of the profile. A profile this payterm
/// does not carry cannot vouch for the scenario list: that fails too, with a hint.
fn profile_check(cert: &Certificate) -> Check {
    let (name, version) = (&cert.profile.name, cert.profile.version);
    let Some(profile) = profiles::find(name).filter(|p| p.version == version) else {
        return check(
            "scenario files against the profile",
            Some(format!(
                "not checked: this payterm has no profile {name} v{version} (hint: verify with the payterm that wrote it, {} {})",
                cert.harness.name, cert.harness.version
            )),
        );
    };
    let ours: std::collections::BTreeMap<String, String> = profile.files().into_iter().collect();
    let mut problems = Vec::new();
    for s in &cert.scenarios {
        match ours.get(&s.file) {
            Some(h) if s.sha256 == *h => {}
            Some(_) => problems.push(format!("{}: its hash differs from profile {name} v{version}'s file", s.file)),
            None => problems.push(format!("{} is not in profile {name}", s.file)),
        }
    }
    let listed: std::collections::BTreeSet<&str> = cert.scenarios.iter().map(|s| s.file.as_str()).collect();
    problems
        .extend(ours.keys().filter(|f| !listed.contains(f.as_str())).map(|f| format!("{f} of the profile is missing")));
    if listed.len() != cert.scenarios.len() {
        problems.push("a scenario is listed twice".to_owned());
    }
    if cert.profile.digest != profile.digest() {
        problems.push("the profile digest differs from this payterm's".to_owned());
    }
    if cert.profile.may_warn.iter().map(String::as_str).ne(profile.may_warn.iter().copied()) {
        problems.push(format!("the rules that may warn differ from profile {name} v{version}'s"));
    }
    check("scenario files against the profile", (!problems.is_empty()).then(|| problems.join("; ")))
}

/// The signature over the document as received; whether it proves who signed (a trusted key).
fn signature_check(cert: &Certificate, received: &Value, key: Option<&str>) -> (Check, bool) {
    let Some(sig) = &cert.signature else {
        let problem = match key {
            Some(_) => "the certificate is not signed, but a key was given: it cannot be the key's".to_owned(),
            None => "not signed: nothing says who made it".to_owned(),
        };
        return (check("signature", Some(problem)), false);
    };
    let mut problems = Vec::new();
    if sig.algorithm != ALGORITHM {
        problems.push(format!("algorithm `{}`, not {ALGORITHM}", sig.algorithm));
    }
    if sig.canonicalization != CANONICALIZATION {
        problems.push(format!("canonicalization `{}`, not {CANONICALIZATION}", sig.canonicalization));
    }
    let public = match signing::parse_public_key(&sig.public_key) {
        Ok(p) => p,
        Err(e) => return (check("signature", Some(e)), false),
    };
    let derived = ed25519_dalek::VerifyingKey::from_bytes(&public).map(|k| signing::key_id(&k)).unwrap_or_default();
    if sig.key_id != derived {
        problems.push(format!("key id `{}` is not the id of its public key ({derived})", sig.key_id));
    }
    let trusted = key.map(|k| signing::parse_public_key(k).map(|t| t == public));
    match &trusted {
        Some(Ok(false)) => problems.push(format!("signed by key {}, not by the key given", sig.key_id)),
        Some(Err(e)) => problems.push(format!("the key given: {e}")),
        _ => {}
    }
    if let Err(e) = signing::verify(&public, &sig.key_id, signed_bytes(received).as_bytes(), &sig.value) {
        problems.push(format!("{e}: the certificate changed after it was signed"));
    }
    let authentic = problems.is_empty() && matches!(trusted, Some(Ok(true)));
    let what = match key {
        Some(_) => format!("Ed25519 signature by {derived}, the key given"),
        None => format!("Ed25519 signature by {derived} (the key it names; not a key you gave)"),
    };
    (check(what, (!problems.is_empty()).then(|| problems.join("; "))), authentic)
}
