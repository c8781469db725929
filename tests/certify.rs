//! Certification through the real binary: a profile run writes a signed certificate and the
//! reports; `certificate verify` finds it intact, and names what differs once it is altered
//! or checked against another key; a broken integration is not certified.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn payterm(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm")).current_dir(dir).args(args).output().unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-certify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A key made by `payterm initiator keygen`; returns its public key (base64).
fn keygen(dir: &Path, file: &str) -> String {
    let (code, text) = payterm(dir, &["initiator", "keygen", "--key", file, "--config", "unused.json"]);
    assert_eq!(code, Some(0), "{text}");
    let printed: Value = serde_json::from_str(text.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    printed["publicKey"].as_str().unwrap().to_owned()
}

fn rewrite(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut cert: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut cert);
    std::fs::write(path, serde_json::to_string_pretty(&cert).unwrap()).unwrap();
}

#[test]
fn a_signed_certificate_verifies_and_every_alteration_is_named() {
    // Arrange: the deep-link profile against the built-in reference, signed.
    let dir = scratch("signed");
    let public = keygen(&dir, "vendor.key");
    let other = keygen(&dir, "other.key");
    // Act
    let (code, text) =
        payterm(&dir, &["certify", "--profile", "app2app", "--out", "out", "--sign-key", "vendor.key", "--jobs", "2"]);
    // Assert: certified (every scenario passed, none inconclusive), and every file written.
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("CERTIFIED: profile app2app v3"), "{text}");
    for file in ["certificate.json", "report.html", "junit.xml", "report.json"] {
        assert!(dir.join("out").join(file).is_file(), "{file} missing\n{text}");
    }
    let cert_path = dir.join("out/certificate.json");
    let cert: Value = serde_json::from_str(&std::fs::read_to_string(&cert_path).unwrap()).unwrap();
    assert_eq!(cert["result"]["verdict"], "certified");
    assert_eq!(cert["scenarios"].as_array().unwrap().len(), 9);
    assert!(cert["scenarios"][0]["sha256"].as_str().unwrap().len() == 64);
    assert_eq!(cert["signature"]["algorithm"], "Ed25519");
    let (code, text) = payterm(&dir, &["certificate", "verify", "out/certificate.json", "--key", &public]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("authentic and intact"), "{text}");
    // Another key: named.
    let (code, text) = payterm(&dir, &["certificate", "verify", "out/certificate.json", "--key", &other]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("not by the key given"), "{text}");
    // A rule count raised: the rules section, the consistency check and the signature fail.
    rewrite(&cert_path, |c| c["rules"][0]["pass"] = Value::from(99));
    let (code, text) = payterm(&dir, &["certificate", "verify", "out/certificate.json"]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("FAIL  digest of rules"), "{text}");
    assert!(text.contains("FAIL  rule counts match"), "{text}");
    assert!(text.contains("changed after it was signed"), "{text}");
    assert!(!text.contains("FAIL  digest of scenarios"), "only what changed is named\n{text}");
}

#[test]
fn a_not_certified_run_claimed_certified_fails_its_digest_and_the_recomputation() {
    // Arrange: a certificate of a run, then a failed verdict turned into a pass with every
    // digest recomputed by the forger (but no key to sign with).
    let dir = scratch("forged");
    let (code, text) = payterm(&dir, &["certify", "--profile", "app2app", "--out", "out", "--exec", "cat > /dev/null"]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("NOT CERTIFIED"), "{text}");
    let cert_path = dir.join("out/certificate.json");
    // Act: claim it was certified.
    rewrite(&cert_path, |c| c["result"]["verdict"] = Value::from("certified"));
    let (code, text) = payterm(&dir, &["certificate", "verify", "out/certificate.json"]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("FAIL  digest of result"), "{text}");
    assert!(text.contains("FAIL  result follows from the rules"), "{text}");
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let (code, text) = payterm(&scratch("unknown"), &["certify", "--profile", "gold"]);
    assert_eq!(code, Some(payterm::exit_codes::USAGE), "{text}");
    assert!(text.contains("known: full, cloud, app2app, initiator"), "{text}");
}
