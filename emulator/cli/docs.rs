//! `payterm docs [TOPIC]`: the book's pages (`docs/src/`), embedded at build time, so the manual
//! an installed payterm prints offline is the one the book shows, byte for byte.

use clap::Args;

use super::CliError;
use crate::exit_codes;

include!(concat!(env!("OUT_DIR"), "/embedded_docs.rs"));

/// Options of `payterm docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// The page to print, e.g. `driver` or `getting-started/python`; without one, the list.
    pub topic: Option<String>,
}

/// One entry of the book's table of contents.
struct Topic {
    name: &'static str,
    title: &'static str,
    depth: usize,
}

/// The book's table of contents, in `SUMMARY.md`'s order: `[Title](path.md)` lines, nested by
/// indentation.
fn contents() -> Vec<Topic> {
    let summary = PAGES.iter().find(|(path, _)| *path == "SUMMARY.md").map_or("", |(_, text)| text);
    summary
        .lines()
        .filter_map(|line| {
            let indent = line.len() - line.trim_start().len();
            let entry = line.trim_start().trim_start_matches(['-', '*']).trim_start();
            let (title, rest) = entry.strip_prefix('[')?.split_once("](")?;
            let name = rest.strip_suffix(')')?.strip_suffix(".md")?;
            Some(Topic { name, title, depth: indent / 2 })
        })
        .collect()
}

/// Runs `payterm docs`.
pub fn run(args: DocsArgs) -> Result<(), CliError> {
    let Some(topic) = args.topic else {
        println!("payterm docs TOPIC prints a page of the book (the same text as docs/src/TOPIC.md):\n");
        for t in contents() {
            println!("  {:<32} {}", format!("{}{}", "  ".repeat(t.depth), t.name), t.title);
        }
        return Ok(());
    };
    let wanted = topic.trim_end_matches(".md");
    match PAGES.iter().find(|(path, _)| path.strip_suffix(".md") == Some(wanted)) {
        Some((_, text)) => {
            print!("{text}");
            Ok(())
        }
        None => {
            let nearest = contents()
                .into_iter()
                .map(|t| (strsim::levenshtein(t.name, wanted), t.name))
                .min()
                .map(|(_, name)| {
                    format!("\n(hint: did you mean `payterm docs {name}`? `payterm docs` lists the pages)")
                })
                .unwrap_or_default();
            Err(CliError::new(exit_codes::USAGE, format!("there is no page `{wanted}` in the book{nearest}")))
        }
    }
}
