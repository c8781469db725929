//! Where `--report` writes (issue 22.1): a regular file is replaced whole; a symbolic link
//! keeps pointing where it did and its target gets the report; a FIFO and `/dev/stdout` are
//! written in place, never replaced by a file; a link to nothing is refused before the run.

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-report-paths-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runner-fixtures").join(name).display().to_string()
}

/// `payterm run` of one short scenario against an integration that exits at once, in `dir`.
fn run(dir: &Path, reports: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(dir)
        .args(["run", "--exec", "true", &fixture("short-sale.toml"), "--time-scale", "0.01"])
        .args(reports.iter().flat_map(|r| ["--report", r]))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_report_path_that_is_a_symbolic_link_keeps_its_link_and_its_target_gets_the_report() {
    // Arrange
    let dir = scratch("link");
    std::fs::create_dir_all(dir.join("kept")).unwrap();
    std::fs::write(dir.join("kept/report.json"), "old").unwrap();
    std::os::unix::fs::symlink("kept/report.json", dir.join("link.json")).unwrap();
    // Act
    let out = run(&dir, &["json=link.json"]);
    // Assert
    assert_eq!(out.status.code(), Some(payterm::exit_codes::FAILED), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        std::fs::symlink_metadata(dir.join("link.json")).unwrap().file_type().is_symlink(),
        "the link was replaced"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kept/report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["total"], 1);
    let names: Vec<_> = std::fs::read_dir(dir.join("kept")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}

#[test]
fn a_report_path_that_is_a_fifo_is_written_in_place_for_its_reader() {
    // Arrange: `--report junit=>(cat)` without the shell: a FIFO and a reader.
    let dir = scratch("fifo");
    let fifo = dir.join("junit.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo).unwrap().read_to_string(&mut text).unwrap();
            text
        })
    };
    // Act
    let out = run(&dir, &[&format!("junit={}", fifo.display())]);
    // Assert
    assert_eq!(out.status.code(), Some(payterm::exit_codes::FAILED), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced by a file");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !reader.is_finished() {
        assert!(std::time::Instant::now() < deadline, "the reader got nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let xml = reader.join().unwrap();
    assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
}

#[test]
fn a_junit_report_to_dev_stdout_follows_the_runs_own_output() {
    // Arrange: stdout is a pipe here, a file or a terminal elsewhere; each is written in place.
    let dir = scratch("stdout");
    // Act
    let out = run(&dir, &["junit=/dev/stdout"]);
    // Assert
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(payterm::exit_codes::FAILED), "{text}");
    let start = text.find("<?xml").unwrap_or_else(|| panic!("no XML on stdout:\n{text}"));
    let end = text.find("</testsuites>").unwrap() + "</testsuites>".len();
    assert!(roxmltree::Document::parse(&text[start..end]).is_ok(), "{text}");
    assert!(text[..start].contains("1 scenarios") && text[end..].contains("junit report: /dev/stdout"), "{text}");
    assert!(!std::fs::symlink_metadata("/dev/stdout").unwrap().file_type().is_file(), "/dev/stdout was replaced");
}

#[test]
fn a_report_path_that_links_to_nothing_is_refused_before_anything_runs() {
    // Arrange
    let dir = scratch("dangling");
    std::os::unix::fs::symlink("gone/report.html", dir.join("r.html")).unwrap();
    // Act
    let out = run(&dir, &["html=r.html"]);
    // Assert
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INVALID_INPUT), "{err}");
    assert!(err.contains("symbolic link") && err.contains("gone/report.html"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("[1/1]"), "nothing ran");
}
