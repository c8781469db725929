//! Every command the book shows is run: each page's ```console blocks, in order, through the real
//! `payterm` binary in one shell per page (its own temporary folder, so `cd` and variables carry
//! from block to block as they would for a reader). A block's `$ ` lines are commands; the lines
//! under one are its expected output, matched in order against what it printed, `…` standing for
//! any text. A command exits 0 unless it ends `# exit N`. Code blocks marked `file=NAME` are
//! written into the folder where they appear; `payterm serve` runs in the background on free
//! ports, which stand in for the book's 7878 and 7879, until the page ends. ```text blocks are
//! illustrative and not run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One step of a page, in order.
#[derive(Debug)]
pub enum Step {
    /// A file block: write `text` to `name`.
    File { name: String, text: String },
    /// A command and the output lines expected of it.
    Command { line: usize, command: String, expected: Vec<String>, exit: i32 },
}

/// The fenced blocks of a page: (info string, first line number, body lines).
pub fn blocks(page: &str) -> Vec<(String, usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, Vec<String>)> = None;
    for (i, line) in page.lines().enumerate() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some((info.trim().to_owned(), i + 2, Vec::new()));
                }
            }
            Some((_, _, body)) => {
                if line.trim_end() == "```" {
                    out.extend(open.take());
                } else {
                    body.push(line.to_owned());
                }
            }
        }
    }
    out
}

/// The steps of a page: its file blocks and its console blocks' commands.
pub fn steps(page: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for (info, first, body) in blocks(page) {
        if let Some(name) = info.split_whitespace().find_map(|w| w.strip_prefix("file=")) {
            out.push(Step::File { name: name.to_owned(), text: body.join("\n") + "\n" });
            continue;
        }
        if info != "console" {
            continue;
        }
        let mut i = 0;
        while i < body.len() {
            let Some(first_line) = body[i].strip_prefix("$ ") else {
                panic!("line {}: a console block's output comes after a `$ ` command", first + i);
            };
            let line = first + i;
            let mut command = first_line.to_owned();
            i += 1;
            // A command goes on past a trailing backslash, and through a here-document.
            while command.ends_with('\\') && i < body.len() {
                command.push('\n');
                command.push_str(&body[i]);
                i += 1;
            }
            if let Some(tag) = heredoc_tag(&command) {
                while i < body.len() {
                    command.push('\n');
                    command.push_str(&body[i]);
                    i += 1;
                    if body[i - 1].trim() == tag {
                        break;
                    }
                }
            }
            let mut expected = Vec::new();
            while i < body.len() && !body[i].starts_with("$ ") {
                if !body[i].trim().is_empty() {
                    expected.push(body[i].clone());
                }
                i += 1;
            }
            let exit = command.rsplit_once("# exit ").and_then(|(_, n)| n.trim().parse().ok()).unwrap_or(0);
            out.push(Step::Command { line, command, expected, exit });
        }
    }
    out
}

fn heredoc_tag(command: &str) -> Option<String> {
    let after = command.split_once("<<")?.1.trim_start();
    let tag: String =
        after.trim_start_matches(['\'', '"']).chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!tag.is_empty()).then_some(tag)
}

/// Does `actual` hold every expected line, in order, `…` matching any text?
fn matches_in_order(expected: &[String], actual: &str) -> Result<(), String> {
    let mut lines = actual.lines();
    for want in expected {
        let parts: Vec<String> = want.trim().split('…').map(regex::escape).collect();
        let pattern = regex::Regex::new(&format!("^\\s*{}\\s*$", parts.join(".*"))).unwrap();
        if !lines.by_ref().any(|l| pattern.is_match(l)) {
            return Err(format!("expected, in order, a line like {want:?}"));
        }
    }
    Ok(())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

const BEGIN: &str = "@@payterm-docs-begin";
const END: &str = "@@payterm-docs-end";

/// Runs one page's steps in a fresh folder; every mismatch, with what was printed.
pub fn run_page(page: &str, dir: &Path) -> Vec<String> {
    let steps = steps(page);
    let (cloud, control) = (free_port(), free_port());
    let ports = |s: &str| {
        s.replace("127.0.0.1:7878", &format!("127.0.0.1:{cloud}"))
            .replace("127.0.0.1:7879", &format!("127.0.0.1:{control}"))
    };
    let mut script = String::from("trap 'kill $(jobs -p) 2>/dev/null' EXIT\nexec 2>&1\n");
    for (n, step) in steps.iter().enumerate() {
        match step {
            Step::File { name, text } => std::fs::write(dir.join(name), text).unwrap(),
            Step::Command { command, .. } => {
                let command = ports(command);
                let body = match command.strip_prefix("payterm serve") {
                    // In the background on this page's ports; its banner is its output.
                    Some(args) => format!(
                        "payterm serve{args} --port {cloud} --control-port {control} > .serve.log 2>&1 &\n\
                         for _ in $(seq 200); do grep -q 'Press Ctrl-C' .serve.log && break; sleep 0.05; done\n\
                         cat .serve.log"
                    ),
                    None => command,
                };
                script.push_str(&format!("echo {BEGIN} {n}\n{{ {body}\n}} < /dev/null\necho {END} {n} $?\n"));
            }
        }
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_payterm"));
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("timeout")
        .args(["300", "bash", "-c", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("PAYTERM_URL")
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", dir)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut problems = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let Step::Command { line, command, expected, exit } = step else { continue };
        let section =
            printed.split(&format!("{BEGIN} {n}\n")).nth(1).and_then(|rest| rest.split_once(&format!("{END} {n} ")));
        let Some((output, code)) = section else {
            problems.push(format!("line {line}: `{command}` did not finish:\n{printed}"));
            break;
        };
        let code: i32 = code.lines().next().unwrap_or("").trim().parse().unwrap_or(-1);
        if code != *exit {
            problems.push(format!("line {line}: `{command}` exited {code}, not {exit}:\n{output}"));
        }
        let expected: Vec<String> = expected.iter().map(|e| ports(e)).collect();
        if let Err(why) = matches_in_order(&expected, output) {
            problems.push(format!("line {line}: `{command}`: {why}; it printed:\n{output}"));
        }
    }
    problems
}

/// The book's pages, `docs/src/**.md`, relative to it.
pub fn pages() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_console_block_of_the_book_runs_as_shown() {
    // Arrange
    let pages: Vec<_> = pages().into_iter().filter(|(_, text)| text.contains("```console")).collect();
    assert!(!pages.is_empty(), "the book has no console block");
    let mut problems = Vec::new();
    // Act
    for (name, text) in &pages {
        let dir = tempfile_dir(name);
        problems.extend(run_page(text, &dir).into_iter().map(|p| format!("docs/src/{name}: {p}")));
        let _ = std::fs::remove_dir_all(&dir);
    }
    // Assert
    assert!(
        problems.is_empty(),
        "{} commands of the book do not run as shown:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn a_command_whose_output_differs_from_the_book_is_caught() {
    // Arrange: a page that claims the wrong output, and one that claims the wrong exit code.
    let wrong_output = "```console\n$ payterm --version\npayterm 0.0.0-not-this\n```\n";
    let wrong_exit = "```console\n$ payterm docs no-such-page\n```\n";
    // Act
    let dir = tempfile_dir("wrong");
    let output = run_page(wrong_output, &dir);
    let exit = run_page(wrong_exit, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    // Assert
    assert!(output.len() == 1 && output[0].contains("payterm 0.0.0-not-this"), "{output:?}");
    assert!(exit.len() == 1 && exit[0].contains("exited 2, not 0"), "{exit:?}");
}

#[test]
fn a_console_block_is_read_as_commands_their_output_and_exit_codes() {
    let page =
        "```console\n$ cat > a.txt <<'EOF'\nx\nEOF\n$ payterm check a.toml \\\n    b.toml  # exit 3\nerror: …\n```\n";
    let steps = steps(page);
    let Step::Command { command, expected, .. } = &steps[0] else { panic!("{steps:?}") };
    assert_eq!(command, "cat > a.txt <<'EOF'\nx\nEOF");
    assert!(expected.is_empty());
    let Step::Command { command, expected, exit, .. } = &steps[1] else { panic!("{steps:?}") };
    assert_eq!(
        (command.as_str(), expected.as_slice(), *exit),
        ("payterm check a.toml \\\n    b.toml  # exit 3", &["error: …".to_owned()][..], 3)
    );
}

fn tempfile_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("payterm-docs-{}-{}", std::process::id(), name.replace(['/', '.'], "-")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
