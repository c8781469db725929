//! `payterm certificate verify` against a catalogue of tampered certificates: a certificate is
//! made and signed in-process from a hand-built run of the app2app profile, altered one way
//! per case, and each alteration must be caught by the real binary, which names it.

use std::path::{Path, PathBuf};
use std::process::Command;

use ed25519_dalek::SigningKey;
use payterm::certify::certificate::{Certificate, section_digests};
use payterm::certify::profiles;
use payterm::report::model::Integration;
use payterm::report::{ScenarioReport, ScenarioStatus, SuiteReport, VerdictReport};
use payterm::surfaces::initiator::signing;
use serde_json::{Value, json};

/// Every scenario of the app2app profile, each target passed.
fn run_of_the_profile() -> SuiteReport {
    let profile = profiles::find("app2app").unwrap();
    let scenarios = payterm::runner::builtin::SUITE
        .iter()
        .filter_map(|(name, text)| {
            let file = format!("scenarios/{name}");
            let s = payterm::scenario::parse(&file, text).unwrap();
            profile.includes(&s).then(|| {
                let targets: Vec<String> = s.rules.iter().map(|r| r.id.to_owned()).collect();
                let verdicts = targets
                    .iter()
                    .map(|t| VerdictReport {
                        rule: t.clone(),
                        row: String::new(),
                        order: Some("o1".to_owned()),
                        verdict: "pass".to_owned(),
                        expected: String::new(),
                        happened: String::new(),
                        evidence: Vec::new(),
                        known: None,
                    })
                    .collect();
                ScenarioReport {
                    file,
                    builtin: true,
                    name: s.name.clone(),
                    status: ScenarioStatus::Passed,
                    skipped: None,
                    error: None,
                    targets,
                    seed: 1,
                    wall_s: 1.0,
                    virtual_s: 60.0,
                    ending: "exited with 0".to_owned(),
                    orders: Vec::new(),
                    verdicts,
                    not_judged: Vec::new(),
                    unexercised: Vec::new(),
                    log: Vec::new(),
                    transcript: Vec::new(),
                    reproduce: String::new(),
                }
            })
        })
        .collect();
    let integration = Integration {
        name: Some("my-pos".to_owned()),
        version: Some("1.2.3".to_owned()),
        command: Some("python3 pos.py".to_owned()),
        service: None,
    };
    SuiteReport::new(integration, 0.01, 10.0, scenarios)
}

fn vendor() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn forger() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn public(key: &SigningKey) -> String {
    signing::public_key_base64(key)
}

/// The vendor's signed certificate, as the text `payterm certify` writes.
fn signed_text() -> String {
    let mut cert = Certificate::new(profiles::find("app2app").unwrap(), &run_of_the_profile(), Some(7));
    assert!(cert.certified(), "{:?}", cert.result);
    cert.sign(&vendor());
    serde_json::to_string_pretty(&cert).unwrap()
}

/// `text` parsed, changed by `change`, written back.
fn edit(text: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    change(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

/// A forger's certificate: `change`d, every digest recomputed, signed with the forger's key.
fn forged(text: &str, change: impl FnOnce(&mut Certificate)) -> String {
    let mut cert: Certificate = serde_json::from_str(text).unwrap();
    change(&mut cert);
    cert.digests = section_digests(&serde_json::to_value(&cert).unwrap());
    cert.sign(&forger());
    serde_json::to_string_pretty(&cert).unwrap()
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-tamper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `payterm certificate verify` of `text` with `args`: (exit code, output).
fn verify(dir: &Path, name: &str, text: &str, args: &[&str]) -> (Option<i32>, String) {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payterm"))
        .args(["certificate", "verify"])
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn an_intact_certificate_verifies_against_its_vendors_key_and_only_then_is_called_authentic() {
    // Arrange
    let (dir, text, key) = (scratch(), signed_text(), public(&vendor()));
    // Act
    let with_key = verify(&dir, "intact-key", &text, &["--key", &key]);
    let without = verify(&dir, "intact-nokey", &text, &[]);
    let integrity = verify(&dir, "intact-integrity", &text, &["--integrity-only"]);
    // Assert
    assert_eq!(with_key.0, Some(0), "{}", with_key.1);
    assert!(with_key.1.contains("authentic and intact"), "{}", with_key.1);
    assert_eq!(without.0, Some(payterm::exit_codes::FAILED), "{}", without.1);
    assert!(without.1.contains("authenticity NOT checked"), "{}", without.1);
    assert_eq!(integrity.0, Some(0), "{}", integrity.1);
    assert!(integrity.1.contains("who signed it was NOT checked"), "{}", integrity.1);
}

/// How one case alters the certificate.
type Alteration = Box<dyn Fn(&str) -> String>;

fn value_edit(change: impl Fn(&mut Value) + 'static) -> Alteration {
    Box::new(move |text| edit(text, &change))
}

#[test]
fn every_tampering_in_the_catalogue_is_caught_and_named() {
    // Arrange: (case, alteration, verified with the vendor's key?, what the output must name).
    let catalogue: Vec<(&str, Alteration, bool, &str)> = vec![
        ("unknown top-level field", value_edit(|v| v["note"] = json!("approved by QA")), true, "unknown field `note`"),
        (
            "unknown field in integration",
            value_edit(|v| v["integration"]["tier"] = json!("gold")),
            true,
            "unknown field `tier`",
        ),
        (
            "unknown field in profile",
            value_edit(|v| v["profile"]["strict"] = json!(false)),
            true,
            "unknown field `strict`",
        ),
        (
            "unknown field in a scenario",
            value_edit(|v| v["scenarios"][0]["waived"] = json!(true)),
            true,
            "unknown field `waived`",
        ),
        (
            "unknown field in a verdict",
            value_edit(|v| v["scenarios"][0]["verdicts"][0]["note"] = json!("ok")),
            true,
            "unknown field `note`",
        ),
        (
            "unknown field in a rule",
            value_edit(|v| v["rules"][0]["waived"] = json!(true)),
            true,
            "unknown field `waived`",
        ),
        (
            "unknown field in the result",
            value_edit(|v| v["result"]["override"] = json!("certified")),
            true,
            "unknown field `override`",
        ),
        (
            "unknown field in the signature",
            value_edit(|v| v["signature"]["expires"] = json!("never")),
            true,
            "unknown field `expires`",
        ),
        ("unknown digest", value_edit(|v| v["digests"]["extra"] = json!("00")), true, "unknown field `extra`"),
        (
            "duplicate top-level key",
            Box::new(|t: &str| t.replacen('{', "{\n  \"certificate_version\": 2,", 1)),
            true,
            "duplicate key `certificate_version`",
        ),
        (
            "duplicate key in integration",
            Box::new(|t: &str| t.replacen("\"integration\": {", "\"integration\": {\"name\": \"other-pos\",", 1)),
            true,
            "duplicate key `name`",
        ),
        (
            "duplicate key in a verdict",
            Box::new(|t: &str| t.replacen("\"verdict\": \"pass\"", "\"verdict\": \"fail\", \"verdict\": \"pass\"", 1)),
            true,
            "duplicate key `verdict`",
        ),
        (
            "profile version as a float",
            value_edit(|v| v["profile"]["version"] = json!(1.0)),
            true,
            "invalid type: floating point",
        ),
        (
            "profile version this payterm lacks",
            value_edit(|v| v["profile"]["version"] = json!(99)),
            true,
            "no profile app2app v99",
        ),
        ("profile renamed", value_edit(|v| v["profile"]["name"] = json!("cloud")), true, "FAIL  digest of profile"),
        (
            "rules that may warn widened",
            value_edit(|v| v["profile"]["may_warn"] = json!(["LINK-STATUS-HANDLED"])),
            true,
            "FAIL  digest of profile",
        ),
        (
            "signature stripped, key given",
            value_edit(|v| {
                v.as_object_mut().unwrap().remove("signature");
            }),
            true,
            "not signed, but a key was given",
        ),
        (
            "signature stripped, no key",
            value_edit(|v| {
                v.as_object_mut().unwrap().remove("signature");
            }),
            false,
            "not signed",
        ),
        (
            "altered and re-signed by another key",
            Box::new(|t: &str| forged(t, |c| c.integration.name = Some("other-pos".into()))),
            true,
            "not by the key given",
        ),
        (
            "altered and re-signed, no key given",
            Box::new(|t: &str| forged(t, |c| c.integration.name = Some("other-pos".into()))),
            false,
            "authenticity NOT checked",
        ),
        (
            "key id changed",
            value_edit(|v| v["signature"]["key_id"] = json!("ed25519-0000000000000000")),
            true,
            "is not the id of its public key",
        ),
        ("algorithm changed", value_edit(|v| v["signature"]["algorithm"] = json!("none")), true, "algorithm `none`"),
        (
            "canonicalization changed",
            value_edit(|v| v["signature"]["canonicalization"] = json!("none")),
            true,
            "canonicalization `none`",
        ),
        (
            "public key swapped",
            value_edit(|v| v["signature"]["public_key"] = json!(public(&forger()))),
            true,
            "not by the key given",
        ),
        (
            "signature value corrupted",
            value_edit(|v| v["signature"]["value"] = json!("AAAA")),
            true,
            "not standard base64 of 64 bytes",
        ),
        (
            "integration name changed",
            value_edit(|v| v["integration"]["name"] = json!("other-pos")),
            true,
            "FAIL  digest of integration",
        ),
        (
            "integration version changed",
            value_edit(|v| v["integration"]["version"] = json!("9.9.9")),
            true,
            "changed after it was signed",
        ),
        (
            "a verdict turned to warn",
            value_edit(|v| v["scenarios"][0]["verdicts"][0]["verdict"] = json!("warn")),
            true,
            "FAIL  rule counts match",
        ),
        ("a rule count raised", value_edit(|v| v["rules"][0]["pass"] = json!(99)), true, "FAIL  digest of rules"),
        (
            "the result flipped",
            value_edit(|v| v["result"]["verdict"] = json!("not_certified")),
            true,
            "FAIL  result follows from the rules",
        ),
        (
            "a scenario removed",
            value_edit(|v| {
                v["scenarios"].as_array_mut().unwrap().remove(0);
            }),
            true,
            "of the profile is missing",
        ),
        (
            "a scenario listed twice",
            value_edit(|v| {
                let first = v["scenarios"][0].clone();
                v["scenarios"].as_array_mut().unwrap().push(first);
            }),
            true,
            "listed twice",
        ),
        (
            "a scenario file hash changed",
            value_edit(|v| v["scenarios"][0]["sha256"] = json!("0".repeat(64))),
            true,
            "its hash differs",
        ),
        (
            "a transcript digest changed",
            value_edit(|v| v["scenarios"][0]["transcript_sha256"] = json!("0".repeat(64))),
            true,
            "FAIL  digest of scenarios",
        ),
        (
            "a status turned inconclusive",
            value_edit(|v| v["scenarios"][0]["status"] = json!("inconclusive")),
            true,
            "its verdicts make it passed",
        ),
        (
            "a target dropped",
            value_edit(|v| v["scenarios"][0]["targets"] = json!([])),
            true,
            "FAIL  digest of scenarios",
        ),
        (
            "a verdict's order left out",
            value_edit(|v| {
                v["scenarios"][0]["verdicts"][0].as_object_mut().unwrap().remove("order");
            }),
            true,
            "changed after it was signed",
        ),
        (
            "harness renamed",
            value_edit(|v| v["harness"]["name"] = json!("other")),
            true,
            "the harness is named `other`",
        ),
        (
            "harness version changed",
            value_edit(|v| v["harness"]["version"] = json!("0.0.1")),
            true,
            "FAIL  digest of harness",
        ),
        ("run seed changed", value_edit(|v| v["run"]["seed"] = json!(8)), true, "FAIL  digest of run"),
        ("run seed as a float", value_edit(|v| v["run"]["seed"] = json!(7.0)), true, "invalid type: floating point"),
        ("time scale changed", value_edit(|v| v["run"]["time_scale"] = json!(1.0)), true, "FAIL  digest of run"),
        (
            "certificate version changed",
            value_edit(|v| v["certificate_version"] = json!(1)),
            true,
            "certificate version 1 is not one this payterm reads",
        ),
        (
            "a digest changed",
            value_edit(|v| v["digests"]["result"] = json!("0".repeat(64))),
            true,
            "FAIL  digest of result",
        ),
        (
            "bytes after the document",
            Box::new(|t: &str| format!("{t}\n{{\"result\": {{}}}}")),
            true,
            "trailing characters",
        ),
    ];
    let (dir, original, key) = (scratch(), signed_text(), public(&vendor()));
    assert!(catalogue.len() >= 25, "the catalogue holds at least the issue's 25 cases");
    // Act
    let mut missed = Vec::new();
    for (i, (case, alter, with_key, named)) in catalogue.iter().enumerate() {
        let text = alter(&original);
        assert_ne!(text, original, "{case}: the alteration changed nothing");
        let args: Vec<&str> = if *with_key { vec!["--key", &key] } else { Vec::new() };
        let (code, output) = verify(&dir, &format!("case-{i}"), &text, &args);
        if code == Some(0) || !output.contains(named) {
            missed.push(format!("{case}: exit {code:?}, expected it to name `{named}`:\n{output}"));
        }
    }
    // Assert
    assert!(
        missed.is_empty(),
        "{} of {} alterations not caught as expected:\n\n{}",
        missed.len(),
        catalogue.len(),
        missed.join("\n\n")
    );
}

#[test]
fn a_certificate_is_never_issued_over_an_inconclusive_scenario() {
    // Arrange: one scenario's first target got only a not_exercised verdict.
    let mut run = run_of_the_profile();
    let s = &mut run.scenarios[0];
    s.verdicts[0].verdict = "not_exercised".to_owned();
    s.status = ScenarioStatus::Inconclusive;
    let file = s.file.clone();
    // Act
    let mut cert = Certificate::new(profiles::find("app2app").unwrap(), &run, Some(7));
    cert.sign(&vendor());
    let text = serde_json::to_string_pretty(&cert).unwrap();
    // A forger claims it passed and re-signs: the status no longer follows from the verdicts.
    let claimed = forged(&text, |c| {
        c.scenarios[0].status = "passed".into();
        c.result.verdict = "certified".into();
        c.result.problems.clear();
    });
    let (code, output) = verify(&scratch(), "claimed-passed", &claimed, &["--integrity-only"]);
    // Assert
    assert!(!cert.certified());
    assert!(
        cert.result
            .problems
            .iter()
            .any(|p| p == &format!("{file} is inconclusive: a rule it targets was never exercised")),
        "{:?}",
        cert.result
    );
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{output}");
    assert!(output.contains("its verdicts make it inconclusive"), "{output}");
}
