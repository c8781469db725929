//! The book (`docs/src/`) holds together: every relative link and `#anchor` resolves, every page
//! is in `SUMMARY.md`, no document cites the spec pages users do not have, the rules page is what
//! `payterm rules --format markdown` prints, `payterm docs TOPIC` prints each page byte for byte,
//! and the getting-started files under `docs/examples/` are the ones the pages show.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::docs_console::{blocks, pages};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn payterm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_payterm")).args(args).output().unwrap()
}

/// The text of a page outside its code blocks and inline code, where links live.
fn prose(page: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in page.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            let mut in_code = false;
            for part in line.split('`') {
                if !in_code {
                    out.push_str(part);
                }
                in_code = !in_code;
            }
            out.push('\n');
        }
    }
    out
}

/// The id mdBook gives a heading: its text without markup, lower case, spaces as dashes, other
/// punctuation dropped; a repeated id gets `-1`, `-2`, ….
fn anchors(page: &str) -> BTreeSet<String> {
    let link = regex::Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in page.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let Some(text) = line.strip_prefix('#').filter(|_| !fenced) else { continue };
        let text = link.replace_all(text.trim_start_matches('#').trim(), "$1");
        let id: String = text
            .chars()
            .filter_map(|c| match c {
                c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
                c if c.is_whitespace() => Some('-'),
                _ => None,
            })
            .collect();
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 { id.clone() } else { format!("{id}-{n}") });
        *n += 1;
    }
    out
}

/// Every broken relative link of the markdown files `docs` (path relative to the repository,
/// text), checked against the files `exists` says are there.
fn broken_links(docs: &[(String, String)], exists: impl Fn(&Path) -> bool) -> Vec<String> {
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let by_path: BTreeMap<&str, &str> = docs.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut problems = Vec::new();
    for (path, text) in docs {
        for target in link.captures_iter(&prose(text)).map(|c| c[1].to_owned()) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let resolved = if file.is_empty() {
                PathBuf::from(path)
            } else {
                normalise(&Path::new(path).parent().unwrap_or(Path::new("")).join(file))
            };
            let key = resolved.to_string_lossy().into_owned();
            if !file.is_empty() && !exists(&resolved) {
                problems.push(format!("{path}: links to {target}, and {key} does not exist"));
            } else if !anchor.is_empty() {
                match by_path.get(key.as_str()) {
                    Some(target_text) if anchors(target_text).contains(anchor) => {}
                    Some(_) => problems.push(format!("{path}: links to {target}, and {key} has no heading #{anchor}")),
                    None => problems.push(format!("{path}: links to {target}: an anchor into a file that is no page")),
                }
            }
        }
    }
    problems
}

/// `a/b/../c` as `a/c`.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The repository's user documents: the book's pages, the README, and every other README.
fn documents() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = pages().into_iter().map(|(p, t)| (format!("docs/src/{p}"), t)).collect();
    // Every other Markdown file a user can open: a README added anywhere is checked without
    // being listed here.
    let mut found = Vec::new();
    markdown_outside_the_book(repo(), &mut found);
    found.sort();
    for path in found {
        let name = path.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
        docs.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    docs
}

/// The `*.md` files under `dir`, leaving out the book's pages (read by `pages`), build output,
/// installed packages and version control.
fn markdown_outside_the_book(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let skipped = matches!(name.as_str(), "target" | "node_modules" | ".git" | ".venv" | "book")
                || path == repo().join("docs/src");
            if !skipped {
                markdown_outside_the_book(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

#[test]
fn every_link_of_the_documents_resolves_to_a_file_and_heading() {
    // Arrange
    let docs = documents();
    // Act
    let problems = broken_links(&docs, |p| repo().join(p).exists());
    // Assert
    assert!(problems.is_empty(), "{} broken links:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_link_to_a_missing_file_or_heading_is_caught() {
    // Arrange: a page with one good link, a link to a missing page and one to a missing heading.
    let docs = vec![
        ("docs/src/a.md".to_owned(), "# Top\n## Two words\n[ok](b.md#the-end) [self](#two-words)\n".to_owned()),
        (
            "docs/src/b.md".to_owned(),
            "# The end\n[gone](spec/driver.md) [no](a.md#nowhere) `[code](x.md)`\n".to_owned(),
        ),
    ];
    // Act
    let problems = broken_links(&docs, |p| docs.iter().any(|(d, _)| Path::new(d) == p));
    // Assert
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("docs/src/spec/driver.md does not exist"), "{problems:?}");
    assert!(problems[1].contains("has no heading #nowhere"), "{problems:?}");
}

#[test]
fn no_document_cites_the_spec_pages_users_do_not_have() {
    let cited =
        regex::Regex::new(r"\bspec/(driver|conformance|cloud-api|app2app|initiator|scenario-sketch)\.md").unwrap();
    let mut texts = documents();
    texts.push((
        "examples/reference-python/payterm.toml".to_owned(),
        std::fs::read_to_string(repo().join("examples/reference-python/payterm.toml")).unwrap(),
    ));
    for (name, text) in payterm::runner::builtin::REFERENCE {
        texts.push((format!("examples/reference-python/{name}"), (*text).to_owned()));
    }
    let citing: Vec<&str> = texts.iter().filter(|(_, t)| cited.is_match(t)).map(|(p, _)| p.as_str()).collect();
    assert!(citing.is_empty(), "these cite spec pages the repository does not have: {citing:?}");
}

#[test]
fn every_page_is_in_the_summary_and_every_summary_entry_is_a_page() {
    let pages: BTreeSet<String> = pages().into_iter().map(|(p, _)| p).filter(|p| p != "SUMMARY.md").collect();
    let summary = std::fs::read_to_string(repo().join("docs/src/SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> =
        regex::Regex::new(r"\]\(([^)]+\.md)\)").unwrap().captures_iter(&summary).map(|c| c[1].to_owned()).collect();
    assert_eq!(pages, listed, "docs/src and SUMMARY.md disagree");
}

#[test]
fn the_rules_page_is_the_one_the_rule_table_generates() {
    // Arrange
    let out = payterm(&["rules", "--format", "markdown"]);
    assert!(out.status.success());
    // Act
    let committed = std::fs::read_to_string(repo().join("docs/src/rules.md")).unwrap();
    // Assert
    assert!(
        committed == String::from_utf8_lossy(&out.stdout),
        "docs/src/rules.md differs from the rule table (hint: run `make docs-gen` and commit the page)"
    );
}

#[test]
fn payterm_docs_prints_every_page_of_the_book_exactly() {
    // Arrange
    let listing = String::from_utf8(payterm(&["docs"]).stdout).unwrap();
    for (path, text) in pages().into_iter().filter(|(p, _)| p != "SUMMARY.md") {
        let topic = path.trim_end_matches(".md");
        // Act
        let out = payterm(&["docs", topic]);
        // Assert
        assert!(out.status.success(), "payterm docs {topic}");
        assert!(out.stdout == text.as_bytes(), "payterm docs {topic} is not docs/src/{path}");
        assert!(listing.contains(&format!(" {topic} ")), "payterm docs does not list {topic}:\n{listing}");
    }
}

#[test]
fn payterm_docs_names_the_nearest_page_for_one_it_does_not_have() {
    let out = payterm(&["docs", "drivr"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `payterm docs driver`"));
}

#[test]
fn the_getting_started_files_are_the_ones_the_pages_show() {
    // Arrange: every file block of a getting-started page, by page and name.
    let root = repo().join("docs/examples/getting-started");
    let mut checked = 0;
    for (path, text) in
        pages().into_iter().filter(|(p, _)| p.starts_with("getting-started/") && *p != "getting-started/index.md")
    {
        let lang = path.trim_start_matches("getting-started/").trim_end_matches(".md").to_owned();
        for (info, _, body) in blocks(&text) {
            let Some(name) = info.split_whitespace().find_map(|w| w.strip_prefix("file=")) else { continue };
            // Act
            let on_disk = std::fs::read_to_string(root.join(&lang).join(name))
                .unwrap_or_else(|e| panic!("docs/examples/getting-started/{lang}/{name}: {e}"));
            // Assert
            assert_eq!(
                on_disk,
                body.join("\n") + "\n",
                "docs/examples/getting-started/{lang}/{name} differs from {path}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} getting-started files checked");
}

#[test]
fn the_readme_is_a_front_page() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.lines().count() <= 250, "README.md has {} lines", readme.lines().count());
}
