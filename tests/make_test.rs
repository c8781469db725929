//! `make test` on a machine without cargo-nextest (issue 14 item 12): it installs it, or, when
//! that fails, runs the tests with cargo test — the README's two commands are all a new
//! machine needs. A stand-in `cargo` records what `make` asks of it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A stand-in `cargo`: `nextest` works once `installed` exists, `install` creates it when
/// `INSTALLABLE` is set, everything else succeeds; every call is logged.
const FAKE_CARGO: &str = r#"#!/bin/sh
echo "$*" >> "$FAKE_DIR/log"
case "$1" in
  nextest) [ -e "$FAKE_DIR/installed" ] || exit 101 ;;
  install) [ -n "$INSTALLABLE" ] || exit 101; touch "$FAKE_DIR/installed" ;;
esac
exit 0
"#;

fn fake(name: &str, nextest: bool, installable: bool) -> (PathBuf, Option<i32>, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("payterm-make-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cargo = dir.join("cargo");
    std::fs::write(&cargo, FAKE_CARGO).unwrap();
    Command::new("chmod").arg("+x").arg(&cargo).status().unwrap();
    if nextest {
        std::fs::write(dir.join("installed"), "").unwrap();
    }
    let out = Command::new("make")
        .arg("-C")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("--no-print-directory")
        .arg("test")
        .arg(format!("CARGO={}", cargo.display()))
        .env("FAKE_DIR", &dir)
        .env("INSTALLABLE", if installable { "1" } else { "" })
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default().lines().map(str::to_owned).collect();
    (dir, out.status.code(), log)
}

#[test]
fn make_test_uses_nextest_when_it_is_there() {
    let (_, code, log) = fake("present", true, false);
    assert_eq!(code, Some(0), "{log:?}");
    assert!(log.iter().any(|l| l == "nextest run --locked --no-fail-fast"), "{log:?}");
    assert!(!log.iter().any(|l| l.starts_with("install")), "{log:?}");
    assert!(log.iter().any(|l| l == "test --locked --doc"), "{log:?}");
}

#[test]
fn make_test_installs_nextest_when_it_is_missing() {
    let (_, code, log) = fake("install", false, true);
    assert_eq!(code, Some(0), "{log:?}");
    let install = log.iter().position(|l| l == "install --locked cargo-nextest").expect("an install");
    let run = log.iter().position(|l| l == "nextest run --locked --no-fail-fast").expect("a nextest run");
    assert!(install < run, "{log:?}");
}

#[test]
fn make_test_falls_back_to_cargo_test_when_nextest_cannot_be_installed() {
    let (_, code, log) = fake("fallback", false, false);
    assert_eq!(code, Some(0), "{log:?}");
    assert!(!log.iter().any(|l| l.starts_with("nextest run")), "{log:?}");
    let all = log.iter().find(|l| l.starts_with("test --locked --no-fail-fast --lib")).expect("cargo test");
    assert!(all.contains("--skip suite_snapshots::") && all.contains("--skip explore::exploring_from_a_fixed_seed"));
    assert!(log.iter().any(|l| l.contains("--test-threads 1 explore::exploring_from_a_fixed_seed suite_snapshots::")));
    assert!(log.iter().any(|l| l == "test --locked --doc"), "{log:?}");
}
