//! Every cheat proven like a mistake (issue 20): the reference's `--cheat NAME` games its
//! verdict the way a hostile integration would — a forged timing header, an initiator program
//! started before its document, payterm's control API found through `/proc`, floods — and each
//! fails its run with a verdict that names what was tried. `payterm certify` says NOT CERTIFIED
//! for the attacks the issue found, and `certificate verify --key` exits non-zero on that
//! signed certificate, printing the verdict.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::cheat_table::CHEATS;
use crate::support::claims::repo;

fn work(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cheats").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn exec(cheat: &str) -> String {
    format!("python3 examples/reference-python/pos.py --cheat {cheat}")
}

fn payterm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payterm")).current_dir(repo()).args(args).output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The failed verdicts of a JSON report, as (rule, what happened).
fn failed(report: &Path) -> Vec<(String, String)> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    json["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["verdicts"].as_array().cloned().unwrap_or_default())
        .filter(|v| v["verdict"] == "fail")
        .map(|v| (v["rule"].as_str().unwrap_or("").to_owned(), v["happened"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[test]
fn the_reference_lists_exactly_the_cheats_proven_here() {
    let out = Command::new("python3")
        .current_dir(repo())
        .args(["examples/reference-python/pos.py", "--cheat", "list"])
        .output()
        .unwrap();
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let proven: Vec<&str> = CHEATS.iter().map(|c| c.name).collect();
    assert_eq!(listed, proven);
}

#[test]
fn every_cheat_fails_its_run_with_a_verdict_naming_what_was_tried() {
    let mut problems = Vec::new();
    for cheat in CHEATS {
        // Arrange
        let dir = work(cheat.name);
        let report = dir.join("report.json");
        // Act
        let out = payterm(&[
            "run",
            "--exec",
            &exec(cheat.name),
            cheat.file,
            "--report",
            &format!("json={}", report.display()),
        ]);
        // Assert
        if out.status.code() != Some(1) {
            problems.push(format!("{}: exit {:?}, not 1\n{}", cheat.name, out.status.code(), said(&out)));
            continue;
        }
        let failed = failed(&report);
        for (rule, words) in cheat.fails {
            if !failed.iter().any(|(r, happened)| r == rule && happened.contains(words)) {
                problems.push(format!("{}: {rule} did not fail saying {words:?}; failed: {failed:?}", cheat.name));
            }
        }
    }
    assert!(problems.is_empty(), "{} cheat(s) not caught:\n{}", problems.len(), problems.join("\n"));
}

/// The attacks the issue found turned a run into a signed CERTIFIED; each now certifies
/// nothing, and verifying that genuine certificate with the vendor's key fails and says why.
#[test]
fn a_cheating_integration_is_not_certified_and_its_signed_certificate_does_not_verify() {
    let dir = work("certify");
    let key = dir.join("vendor.key");
    let keygen = payterm(&["initiator", "keygen", "--key", &key.display().to_string()]);
    assert!(keygen.status.success(), "{}", said(&keygen));
    let printed: Value = serde_json::from_slice(&keygen.stdout).unwrap();
    let public = printed["publicKey"].as_str().unwrap().to_owned();
    for (cheat, profile) in [
        ("forged-stamp-repeat-refused-void", "cloud"),
        ("control-reset", "cloud"),
        ("flood-requests", "cloud"),
        ("early-start-retry-when-told-to-stop", "initiator"),
    ] {
        let out_dir = dir.join(cheat);
        let certify = payterm(&[
            "certify",
            "--profile",
            profile,
            "--exec",
            &exec(cheat),
            "--jobs",
            "4",
            "--sign-key",
            &key.display().to_string(),
            "--out",
            &out_dir.display().to_string(),
        ]);
        let text = said(&certify);
        assert_eq!(certify.status.code(), Some(1), "{cheat}: {text}");
        assert!(text.contains(&format!("NOT CERTIFIED: profile {profile}")), "{cheat}: {text}");
        let certificate = out_dir.join("certificate.json").display().to_string();
        let verify = payterm(&["certificate", "verify", &certificate, "--key", &public]);
        let shown = said(&verify);
        assert_eq!(verify.status.code(), Some(1), "{cheat}: a NOT certified certificate must not verify: {shown}");
        assert!(shown.contains("verdict: NOT CERTIFIED"), "{cheat}: {shown}");
        assert!(shown.contains("authentic and intact"), "{cheat}: it is genuine, and says so: {shown}");
    }
}
