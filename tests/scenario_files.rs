//! Scenario files: every built-in scenario validates (one generated test per file), and every
//! deliberately broken file under `tests/invalid-scenarios/` fails with a rendered diagnostic
//! pinned by a snapshot named after the file.

use std::path::PathBuf;

use rstest::rstest;

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The path relative to the repository root, with forward slashes, as diagnostics name it.
fn relative(path: &std::path::Path) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[rstest]
fn every_built_in_scenario_is_valid(#[files("scenarios/**/*.toml")] path: PathBuf) {
    let text = std::fs::read_to_string(&path).unwrap();
    if let Err(errors) = payterm::scenario::parse(&relative(&path), &text) {
        panic!("{}", errors.render());
    }
}

#[rstest]
fn every_broken_scenario_gets_a_diagnostic_pointing_into_it(#[files("tests/invalid-scenarios/*.toml")] path: PathBuf) {
    let bytes = std::fs::read(&path).unwrap();
    let errors = payterm::scenario::parse_bytes(&relative(&path), &bytes).expect_err("the file is broken on purpose");
    assert!(!errors.diagnostics.is_empty());
    for d in &errors.diagnostics {
        assert!(d.line >= 1 && d.column >= 1);
    }
    let name = format!("invalid_scenario_{}", path.file_stem().unwrap().to_string_lossy().replace('-', "_"));
    snapshot_settings().bind(|| insta::assert_snapshot!(name, errors.render()));
}

#[test]
fn check_exits_3_on_an_invalid_file_and_0_on_the_suite() {
    let bin = env!("CARGO_BIN_EXE_payterm");
    let root = env!("CARGO_MANIFEST_DIR");
    let bad = std::process::Command::new(bin)
        .current_dir(root)
        .args(["check", "tests/invalid-scenarios/misspelt-rule.toml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(payterm::exit_codes::INVALID_INPUT));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("did you mean `HYPE-CREATED`?"), "{stderr}");
    let good = std::process::Command::new(bin).current_dir(root).args(["check"]).output().unwrap();
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
}

#[test]
fn the_json_schema_describes_the_format() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm")).args(["scenario", "schema"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "RawScenario");
    for field in ["version", "name", "surfaces", "rules", "orders", "script"] {
        assert!(schema["properties"][field].is_object(), "{field} missing from the schema");
    }
}

#[test]
fn rules_prints_every_rule() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm")).arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for rule in payterm::judge::rules::RULES {
        assert!(text.contains(rule.id), "{} missing", rule.id);
    }
}

#[test]
fn the_embedded_suite_is_the_scenarios_folder_and_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut on_disk: Vec<String> = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                on_disk.push(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let embedded: Vec<String> = payterm::runner::builtin::SUITE.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(embedded, on_disk);
    for (name, text) in payterm::runner::builtin::SUITE {
        assert_eq!(std::fs::read_to_string(root.join(name)).unwrap(), *text, "{name} is stale in the binary");
        payterm::scenario::parse(name, text).unwrap_or_else(|e| panic!("{}", e.render()));
    }
}

/// A scenario of `n` Cloud sales, written to a scratch file.
fn many_orders(n: usize) -> std::path::PathBuf {
    let mut text = "version = 1\nname = \"many\"\nsurfaces = [\"cloud\"]\nrules = [\"RATE-NO-STORM\"]\n".to_owned();
    for i in 0..n {
        text.push_str(&format!("\n[[orders]]\nid = \"o{i}\"\noperation = \"sale\"\namount = 1250\n"));
    }
    let path = std::env::temp_dir().join(format!("payterm-many-orders-{}-{n}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_of_many_orders_finds_the_one_duplicate_id_among_them() {
    // Arrange: 20,000 orders, the last with the id of the first. (The lookup by id that makes
    // this linear — 100,000 orders took ~90 s when each order was compared with every one
    // before it, ~10 s now, in a debug build — is a speed, shown by `make bench`, not here.)
    let path = many_orders(20_000);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[orders]]\nid = \"o0\"\noperation = \"sale\"\namount = 1250\n");
    std::fs::write(&path, text).unwrap();
    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm")).arg("check").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    // Assert
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INVALID_INPUT), "{}", &stderr[..stderr.len().min(2000)]);
    let shown = &stderr[..stderr.len().min(2000)];
    assert!(stderr.contains("order `o0` is declared twice"), "{shown}");
    assert!(stderr.contains("many-orders") && stderr.contains(":100007:6]"), "the last order's id line\n{shown}");
}

#[test]
fn a_huge_value_is_quoted_short_and_drawn_short() {
    // Arrange: a 5 MB reference (invalid: at most 20 characters), and a 5 MB line before it.
    let path = std::env::temp_dir().join(format!("payterm-huge-value-{}.toml", std::process::id()));
    let text = format!(
        "version = 1\nname = \"{}\"\nsurfaces = [\"cloud\"]\nrules = [\"RATE-NO-STORM\"]\n\n[[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 1250\nreference = \"{}\"\n",
        "n".repeat(5_000_000),
        "y".repeat(5_000_000)
    );
    std::fs::write(&path, text).unwrap();
    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm")).arg("check").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    // Assert: the problem is named, its line drawn, and the output stays a few KB (it was 27 MB).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INVALID_INPUT), "{stderr}");
    assert!(stderr.contains("invalid reference `yyyy"), "{}", &stderr[..stderr.len().min(2000)]);
    assert!(stderr.contains("characters cut]"), "{}", &stderr[..stderr.len().min(2000)]);
    assert!(out.stdout.len() + out.stderr.len() < 8_000, "{} bytes of output", out.stdout.len() + out.stderr.len());
}
