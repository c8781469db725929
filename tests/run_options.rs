//! `payterm run`'s options through the real binary: a manifest's unsupported scenarios are
//! skipped, filters and partitions select, `--list` runs nothing, `--fail-fast` stops,
//! `--rerun-failed` reruns only what failed, and a failure shows the integration's stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    repo().join("tests/runner-fixtures").join(name).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-run-options-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `payterm ARGS` in `dir`; returns (exit code, stdout + stderr).
fn payterm(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_payterm")).current_dir(dir).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

fn listed(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("scenarios/"))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_manifest_skips_the_scenarios_its_integration_does_not_support() {
    // Arrange: an integration that declares the Cloud surface only.
    let dir = scratch("manifest");
    let manifest = format!(
        "name = \"cloud-only\"\nversion = \"1.2.3\"\nsurfaces = [\"cloud\"]\noperations = [\"sale\"]\ncommand = \"python3 {}\"\n",
        fixture("cloud_sale.py")
    );
    std::fs::write(dir.join("payterm.toml"), manifest).unwrap();
    // Act: run from the manifest's folder, naming a Cloud and an initiator scenario.
    let (code, text) = payterm(
        &dir,
        &["run", &fixture("cloud-sale.toml"), &fixture("short-invoice.toml"), "--report", "json=report.json"],
    );
    // Assert
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("skip  "), "{text}");
    assert!(text.contains("needs the initiator surface, which cloud-only does not declare"), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["skipped"], 1);
    assert_eq!(report["summary"]["passed"], 1);
    assert_eq!(report["integration"]["name"], "cloud-only");
    assert_eq!(report["integration"]["version"], "1.2.3");
}

#[test]
fn list_shows_the_selection_and_runs_nothing() {
    // Act
    let (code, text) = payterm(repo(), &["run", "--list", "--rule", "HYPE-IN-PROCESS"]);
    // Assert
    assert_eq!(code, Some(0), "{text}");
    let files = listed(&text);
    assert!(!files.is_empty(), "{text}");
    assert!(text.lines().filter(|l| l.starts_with("scenarios/")).all(|l| l.contains("HYPE-IN-PROCESS")), "{text}");
    assert!(!text.contains("[1/"), "nothing ran\n{text}");
}

#[test]
fn surface_and_name_filters_both_hold() {
    // Act
    let (_, text) = payterm(repo(), &["run", "--list", "--surface", "app2app", "--name", "cancel"]);
    // Assert
    let files = listed(&text);
    assert!(!files.is_empty(), "{text}");
    assert!(files.iter().all(|f| f.contains("cancel")), "{text}");
    assert!(text.lines().filter(|l| l.starts_with("scenarios/")).all(|l| l.contains("app2app")), "{text}");
}

#[test]
fn partitions_split_the_suite_without_overlap_or_loss() {
    // Act
    let all = listed(&payterm(repo(), &["run", "--list"]).1);
    let parts: Vec<Vec<String>> =
        (1..=3).map(|k| listed(&payterm(repo(), &["run", "--list", "--partition", &format!("{k}/3")]).1)).collect();
    // Assert
    let mut joined: Vec<String> = parts.concat();
    joined.sort();
    assert_eq!(joined, all);
    assert!(parts.iter().all(|p| !p.is_empty()), "{parts:?}");
}

#[test]
fn a_bad_report_kind_or_partition_is_a_usage_error() {
    let (code, text) = payterm(repo(), &["run", "--list", "--report", "pdf=x.pdf"]);
    assert_eq!(code, Some(payterm::exit_codes::USAGE), "{text}");
    assert!(text.contains("unknown kind `pdf`"), "{text}");
    let (code, text) = payterm(repo(), &["run", "--list", "--partition", "4/3"]);
    assert_eq!(code, Some(payterm::exit_codes::USAGE), "{text}");
}

#[test]
fn fail_fast_stops_at_the_first_failure_and_reports_the_rest_as_not_run() {
    // Arrange: an integration that never reports, on two scenarios, one at a time.
    let dir = scratch("fail-fast");
    // Act
    let (code, text) = payterm(
        &dir,
        &[
            "run",
            "--exec",
            "cat > /dev/null",
            "--jobs",
            "1",
            "--fail-fast",
            &fixture("short-sale.toml"),
            &fixture("cloud-sale.toml"),
            "--report",
            "json=r.json",
        ],
    );
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!((report["summary"]["failed"].as_u64(), report["summary"]["skipped"].as_u64()), (Some(1), Some(1)));
    assert!(text.contains("--fail-fast stopped the run"), "{text}");
}

#[test]
fn rerun_failed_runs_only_what_failed_last_time() {
    // Arrange: one scenario fails (no transaction read), one passes.
    let dir = scratch("rerun");
    let exec = format!("BUG=no_fetch python3 {}", fixture("cloud_sale.py"));
    let (code, text) =
        payterm(&dir, &["run", "--exec", &exec, &fixture("cloud-sale.toml"), &fixture("short-sale.toml")]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    // Act
    let (_, text) = payterm(
        &dir,
        &["run", "--exec", &exec, "--rerun-failed", &fixture("cloud-sale.toml"), &fixture("short-sale.toml")],
    );
    // Assert
    assert!(text.contains("rerunning 1 scenario(s) recorded in .payterm/last-run.json"), "{text}");
    assert!(text.contains("1 scenarios: 0 passed, 1 failed"), "{text}");
    assert!(!text.contains("short-sale.toml  "), "{text}");
}

#[test]
fn rerun_failed_reruns_files_given_by_path_without_naming_them_again() {
    // Arrange: a failing run of files given by path (the record was matched against the
    // built-in suite, which selected nothing and passed).
    let dir = scratch("rerun-paths");
    let exec = format!("BUG=no_fetch python3 {}", fixture("cloud_sale.py"));
    let (code, text) = payterm(&dir, &["run", "--exec", &exec, &fixture("cloud-sale.toml")]);
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    // Act
    let (code, text) = payterm(&dir, &["run", "--exec", &exec, "--rerun-failed"]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("cloud-sale.toml"), "{text}");
    assert!(text.contains("1 scenarios: 0 passed, 1 failed"), "{text}");
}

#[test]
fn an_empty_selection_fails_with_its_own_exit_code_and_says_why() {
    // Act
    let dir = scratch("empty");
    let (code, text) = payterm(&dir, &["run", "--name", "typo-xyz"]);
    let (listed, list_text) = payterm(&dir, &["run", "--list", "--rule", "HYPE-*", "--surface", "app2app"]);
    let (rerun, rerun_text) = payterm(&dir, &["run", "--rerun-failed"]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::NO_SCENARIOS), "{text}");
    assert!(text.contains("no scenario to run") && text.contains("--name typo-xyz"), "{text}");
    assert!(!text.contains("0 scenarios: 0 passed"), "{text}");
    assert_eq!(listed, Some(payterm::exit_codes::NO_SCENARIOS), "{list_text}");
    assert_eq!(rerun, Some(payterm::exit_codes::NO_SCENARIOS), "{rerun_text}");
    assert!(rerun_text.contains("no run was recorded in this folder"), "{rerun_text}");
}

#[test]
fn a_selection_every_scenario_of_which_would_be_skipped_tests_nothing_and_fails() {
    // Arrange: an integration declaring the Cloud surface only, given an invoice scenario.
    let dir = scratch("all-skipped");
    let manifest = format!(
        "name = \"cloud-only\"\nsurfaces = [\"cloud\"]\noperations = [\"sale\"]\ncommand = \"python3 {}\"\n",
        fixture("cloud_sale.py")
    );
    std::fs::write(dir.join("payterm.toml"), manifest).unwrap();
    // Act
    let (code, text) = payterm(&dir, &["run", &fixture("short-invoice.toml")]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::NO_SCENARIOS), "{text}");
    assert!(text.contains("would be skipped"), "{text}");
}

#[test]
fn two_runs_in_one_folder_keep_each_others_failures_for_rerun() {
    // Arrange: two runs side by side, each failing its own scenario.
    let dir = scratch("two-runs");
    let exec = "cat > /dev/null".to_owned();
    let spawn = |scenario: String| {
        let dir = dir.clone();
        let exec = exec.clone();
        std::thread::spawn(move || payterm(&dir, &["run", "--exec", &exec, &scenario]))
    };
    let (a, b) = (spawn(fixture("short-sale.toml")), spawn(fixture("cloud-sale.toml")));
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!((a.0, b.0), (Some(payterm::exit_codes::FAILED), Some(payterm::exit_codes::FAILED)), "{}\n{}", a.1, b.1);
    // Act
    let (_, text) = payterm(&dir, &["run", "--exec", "cat > /dev/null", "--rerun-failed", "--list"]);
    // Assert
    assert!(text.contains("short-sale.toml") && text.contains("cloud-sale.toml"), "{text}");
}

/// The `reproduce:` lines of a run's output.
fn reproduce_lines(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.trim().strip_prefix("reproduce: ")).map(str::to_owned).collect()
}

/// The progress lines of a run without their counters and times: status, file and rules.
fn verdicts(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with('['))
        .map(|l| {
            // `[1/1] FAIL  FILE  1.1s  RULES`: all but the counter and the time.
            let words: Vec<&str> = l.split_whitespace().collect();
            let mut kept: Vec<&str> = words.iter().skip(1).take(2).copied().collect();
            kept.extend(words.iter().skip(4));
            kept.join(" ")
        })
        .collect()
}

#[test]
fn every_reproduce_line_reproduces_its_verdict() {
    // Arrange: a folder with a manifest, whose integration fails a built-in scenario run with
    // --builtin, and a file given by path.
    let dir = scratch("reproduce");
    let manifest = "name = \"silent\"\nsurfaces = [\"cloud\"]\noperations = [\"sale\"]\ncommand = \"cat > /dev/null\"\nscenarios = []\n";
    std::fs::write(dir.join("payterm.toml"), manifest).unwrap();
    let runs: [&[&str]; 2] = [
        &["run", "--builtin", "--name", "cloud/declined-card-in-a-completed-task"],
        &["run", &fixture("short-sale.toml")],
    ];
    for args in runs {
        let (code, text) = payterm(&dir, args);
        assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
        let lines = reproduce_lines(&text);
        assert_eq!(lines.len(), 1, "{text}");
        // Act: the printed line, verbatim, from the same folder.
        let line = &lines[0];
        let words = line.strip_prefix("payterm ").unwrap();
        let out = Command::new("sh")
            .current_dir(&dir)
            .args(["-c", &format!("\"$PAYTERM\" {words}")])
            .env("PAYTERM", env!("CARGO_BIN_EXE_payterm"))
            .output()
            .unwrap();
        let again = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        // Assert
        assert_eq!(out.status.code(), code, "{line}\n{again}");
        assert_eq!(verdicts(&again), verdicts(&text), "{line}\n{again}");
        assert!(again.contains("1 scenarios: 0 passed, 1 failed"), "{line}\n{again}");
    }
}

#[test]
fn a_failure_shows_the_integrations_stderr_and_a_command_that_reproduces_it() {
    // Act
    let dir = scratch("stderr");
    let (code, text) =
        payterm(&dir, &["run", "--exec", "echo 'connecting to the till…' >&2; exit 4", &fixture("short-sale.toml")]);
    // Assert
    assert_eq!(code, Some(payterm::exit_codes::FAILED), "{text}");
    assert!(text.contains("stderr: connecting to the till…"), "{text}");
    assert!(text.contains("reproduce: payterm run --exec 'echo"), "{text}");
    assert!(text.contains("--seed 1 --time-scale 0.01"), "{text}");
}

#[test]
fn init_gives_a_red_run_that_one_fix_turns_green() {
    // Arrange
    let dir = scratch("init");
    let (code, text) = payterm(&dir, &["init"]);
    assert_eq!(code, Some(0), "{text}");
    // Act: the starter as written, then with the fix its comment gives.
    let (red, red_text) = payterm(&dir, &["run"]);
    apply_the_fix_me(&dir);
    let (green, green_text) = payterm(&dir, &["run"]);
    // Assert
    assert_eq!(red, Some(payterm::exit_codes::FAILED), "{red_text}");
    assert!(red_text.contains("FAIL CLOUD-TASK-NOT-PAYMENT"), "{red_text}");
    assert_eq!(green, Some(0), "{green_text}");
    assert!(green_text.contains("against my-pos"), "{green_text}");
}

/// Does what the starter's FIX ME comment says, as a user would: its indented code lines,
/// uncommented, replace the line after them.
fn apply_the_fix_me(dir: &Path) {
    let pos = std::fs::read_to_string(dir.join("pos.py")).unwrap();
    let lines: Vec<&str> = pos.lines().collect();
    let start = lines.iter().position(|l| l.trim_start().starts_with("# FIX ME")).expect("a FIX ME comment");
    let code: Vec<String> = lines[start..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('#'))
        .filter_map(|l| l.strip_prefix("    #     "))
        .map(|l| format!("    {l}"))
        .collect();
    let replaced = start + lines[start..].iter().take_while(|l| l.trim_start().starts_with('#')).count();
    assert!(lines[replaced].trim_start().starts_with("return"), "{}", lines[replaced]);
    let mut fixed: Vec<String> = lines[..replaced].iter().map(|l| (*l).to_owned()).collect();
    fixed.extend(code);
    fixed.extend(lines[replaced + 1..].iter().map(|l| (*l).to_owned()));
    std::fs::write(dir.join("pos.py"), fixed.join("\n") + "\n").unwrap();
}

#[test]
fn the_fixed_starter_reports_a_task_cancelled_before_any_card_as_not_paid_instead_of_crashing() {
    // Arrange: the starter, fixed as its FIX ME comment says (it used to read the missing
    // amsId of a CANCELLED task and crash).
    let dir = scratch("init-cancelled");
    assert_eq!(payterm(&dir, &["init"]).0, Some(0));
    apply_the_fix_me(&dir);
    // Act
    let (code, text) = payterm(&dir, &["run", "--builtin", "--name", "cloud/task-cancelled-while-queued-is-not-paid"]);
    // Assert
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("KeyError") && !text.contains("Traceback"), "{text}");
    assert!(text.contains("1 scenarios: 1 passed"), "{text}");
}

#[test]
fn init_does_not_overwrite_without_force() {
    let dir = scratch("init-twice");
    assert_eq!(payterm(&dir, &["init"]).0, Some(0));
    let (code, text) = payterm(&dir, &["init"]);
    assert_eq!(code, Some(payterm::exit_codes::USAGE), "{text}");
    assert!(text.contains("--force"), "{text}");
}

#[test]
fn a_known_failure_is_reported_but_does_not_fail_the_run_and_a_stale_one_is_named() {
    // Arrange: the no_fetch bug breaks CLOUD-TASK-NOT-PAYMENT on cloud-sale.toml; the list
    // also names a rule short-sale.toml does not break.
    let dir = scratch("known");
    let (cloud_sale, short_sale) = (fixture("cloud-sale.toml"), fixture("short-sale.toml"));
    let known = format!(
        "[[failure]]\nscenario = \"{cloud_sale}\"\nrule = \"CLOUD-TASK-NOT-PAYMENT\"\nreason = \"TICKET-7\"\n\n\
         [[failure]]\nscenario = \"{short_sale}\"\nrule = \"LIVENESS-OUTCOME\"\nreason = \"fixed since\"\n"
    );
    std::fs::write(dir.join("known.toml"), known).unwrap();
    let exec = format!("BUG=no_fetch python3 {}", fixture("cloud_sale.py"));
    // Act
    let (code, text) = payterm(
        &dir,
        &[
            "run",
            "--exec",
            &exec,
            &cloud_sale,
            &short_sale,
            "--expected-failures",
            "known.toml",
            "--report",
            "junit=j.xml",
        ],
    );
    // Assert
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("xfail CLOUD-TASK-NOT-PAYMENT"), "{text}");
    assert!(text.contains("[known: TICKET-7]"), "{text}");
    assert!(text.contains("known failures that passed this time"), "{text}");
    assert!(text.contains("LIVENESS-OUTCOME"), "{text}");
    let junit = std::fs::read_to_string(dir.join("j.xml")).unwrap();
    assert!(junit.contains("expected failure (TICKET-7)"), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
}

#[test]
fn a_known_failures_file_naming_no_rule_is_invalid_input() {
    let dir = scratch("known-bad");
    std::fs::write(dir.join("known.toml"), "[[failure]]\nscenario = \"x\"\nrule = \"CLOUD-TYPO\"\nreason = \"r\"\n")
        .unwrap();
    let (code, text) = payterm(&dir, &["run", "--list", "--expected-failures", "known.toml"]);
    assert_eq!(code, Some(payterm::exit_codes::INVALID_INPUT), "{text}");
    assert!(text.contains("no rule `CLOUD-TYPO`"), "{text}");
}

#[test]
fn junit_names_a_built_in_scenario_as_built_in_not_as_a_file_of_the_repository() {
    // Arrange: a folder of the user's own, where no scenarios/ exists.
    let dir = scratch("junit-builtin");
    // Act
    let name = "cloud/declined-card-in-a-completed-task-is-not-paid";
    let (_, text) =
        payterm(&dir, &["run", "--builtin", "--name", name, "--exec", "cat > /dev/null", "--report", "junit=j.xml"]);
    let (shown, source) = payterm(&dir, &["scenario", "show", &format!("builtin:scenarios/{name}.toml")]);
    // Assert
    let xml = std::fs::read_to_string(dir.join("j.xml")).unwrap_or_else(|_| panic!("{text}"));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let files: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("testcase")).filter_map(|n| n.attribute("file")).collect();
    assert!(!files.is_empty(), "{xml}");
    assert!(files.iter().all(|f| *f == format!("builtin:scenarios/{name}.toml")), "{files:?}");
    assert!(xml.contains("not a file in this repository"), "{xml}");
    assert_eq!(shown, Some(0), "{source}");
    assert!(source.starts_with("version = 1"), "{source}");
}

#[test]
fn report_paths_that_cannot_work_fail_before_the_first_scenario_with_exit_3() {
    // Arrange: a scenario copied here, and a plain file where a folder would have to be.
    let dir = scratch("report-paths");
    std::fs::copy(fixture("short-sale.toml"), dir.join("mine.toml")).unwrap();
    std::fs::write(dir.join("not-a-folder"), "x").unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["--report", "json=mine.toml"], "would overwrite one of the run's inputs"),
        (&["--report", "json=out/r", "--report", "html=./out/r"], "would both be written to"),
        (&["--report", "junit=not-a-folder/j.xml"], "failed to create the folder"),
    ];
    for (reports, said) in cases {
        // Act
        let mut args = vec!["run", "--exec", "cat > /dev/null", "mine.toml"];
        args.extend_from_slice(reports);
        let (code, text) = payterm(&dir, &args);
        // Assert
        assert_eq!(code, Some(payterm::exit_codes::INVALID_INPUT), "{reports:?}\n{text}");
        assert!(text.contains(said), "{reports:?}\n{text}");
        assert!(!text.contains("[1/1]"), "nothing ran\n{text}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.toml")).unwrap(),
        std::fs::read_to_string(fixture("short-sale.toml")).unwrap()
    );
}
