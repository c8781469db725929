//! Text from outside through the real binary (issue 22.7, 22.8): one escaping policy for the
//! terminal, the HTML and the JUnit report (controls, bidi marks and overrides, line and
//! paragraph separators never written raw), and `reproduce:` lines that, pasted into a shell,
//! run the scenario file they name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("payterm-untrusted-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario whose one sale an integration that exits at once never reports.
fn scenario(name: &str) -> String {
    format!(
        "version = 1\nname = \"{name}\"\nsurfaces = [\"cloud\"]\nrules = [\"LIVENESS-OUTCOME\"]\n\n\
         [[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 1250\n"
    )
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(dir)
        .args(["run", "--time-scale", "0.01"])
        .args(args)
        .output()
        .unwrap()
}

/// The characters no output may carry raw: they reorder or break what a reader sees.
const UNSHOWABLE: [char; 7] = ['\u{202e}', '\u{2066}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{1b}'];

#[test]
fn bidi_controls_and_line_separators_are_shown_escaped_in_the_terminal_html_and_junit() {
    // Arrange: a scenario name and an integration log full of characters that reorder text.
    let dir = scratch("bidi");
    let name = r"paid \u202Eelas\u202C \u2066x\u2069 \u200F\u061C a\u2028b\u2029c";
    std::fs::write(dir.join("bidi.toml"), scenario(name)).unwrap();
    let log = r"printf 'log \342\200\256evil \342\200\250next \342\200\217 \033[31m\n' >&2";
    // Act
    let out = run(&dir, &["--exec", log, "bidi.toml", "--report", "html=r.html", "--report", "junit=r.xml"]);
    // Assert
    let terminal = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(payterm::exit_codes::FAILED), "{terminal}");
    assert!(terminal.contains(r"\u{202e}elas") && terminal.contains(r"a\u{2028}b"), "{terminal}");
    for (what, text) in [
        ("terminal", terminal.clone()),
        ("html", std::fs::read_to_string(dir.join("r.html")).unwrap()),
        ("junit", std::fs::read_to_string(dir.join("r.xml")).unwrap()),
    ] {
        for c in UNSHOWABLE {
            assert!(!text.contains(c), "{what} carries U+{:04X} raw", u32::from(c));
        }
        assert!(text.contains("202e") || text.contains("202E"), "{what} says which character was there");
    }
}

#[test]
fn a_reproduce_line_pasted_into_a_shell_runs_the_file_it_names() {
    // Arrange: names a shell would misread: a leading dash, controls, a quote.
    let dir = scratch("reproduce");
    let files = ["-r.toml", "esc\u{1b}[1m bold's\nline.toml"];
    for file in files {
        std::fs::write(dir.join(file), scenario("never reported")).unwrap();
    }
    let first = run(&dir, &["--exec", "true", "--", files[0], files[1]]);
    let text = String::from_utf8(first.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("reproduce: ")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    let bin = Path::new(env!("CARGO_BIN_EXE_payterm")).parent().unwrap().to_owned();
    let path =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    for line in lines {
        // Act
        let again = Command::new("bash").current_dir(&dir).env("PATH", &path).args(["-c", line]).output().unwrap();
        // Assert
        let said = format!("{}{}", String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
        assert_eq!(again.status.code(), Some(payterm::exit_codes::FAILED), "`{line}`:\n{said}");
        assert!(said.contains("1 scenarios") || said.contains("1 scenario"), "`{line}` ran one scenario:\n{said}");
        assert!(said.contains("LIVENESS-OUTCOME"), "`{line}`:\n{said}");
    }
}
