//! Errors that point into a scenario file: [`ScenarioDiagnostic`] (one problem, with its span,
//! a label and a hint) and [`ScenarioErrors`] (every problem found in one file), rendered
//! by miette from a short [`Excerpt`] of the file, so a huge file or line costs a few lines.

use std::fmt;
use std::ops::Range;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use crate::printable;

/// The most characters of one line an excerpt draws; the rest is cut and marked.
const LINE_CHARS: usize = 160;
/// The most lines of a span an excerpt draws.
const SPAN_LINES: usize = 12;
/// The most characters of text from the file a message, label or hint quotes.
const QUOTED_CHARS: usize = 80;
/// The most characters of a message, label or hint.
const MESSAGE_CHARS: usize = 1_000;

/// One problem in a scenario file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct ScenarioDiagnostic {
    /// What is wrong, lowercase.
    pub message: String,
    /// The lines of the file around the problem.
    #[source_code]
    pub src: Excerpt,
    /// Where, in the excerpt.
    #[label("{label}")]
    pub span: SourceSpan,
    /// What the label under the span says.
    pub label: String,
    /// How to fix it, where known.
    #[help]
    pub help: Option<String>,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column of the span's start.
    pub column: usize,
}

impl ScenarioDiagnostic {
    /// A problem at byte range `span` of `text` (file `name`).
    pub fn new(
        name: &str,
        text: &str,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Self {
        ScenarioDiagnostic::at(name, text, &LineIndex::of(text), span, message, label, help)
    }

    /// [`ScenarioDiagnostic::new`] with the file's lines already indexed, so many problems in
    /// one file cost no more than one each.
    pub(crate) fn at(
        name: &str,
        text: &str,
        lines: &LineIndex,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line = lines.line_of(start);
        let column = text[lines.start(line)..start].chars().count() + 1;
        let (src, span) = Excerpt::around(name, text, lines, start..end);
        ScenarioDiagnostic {
            message: quoted(&message),
            src,
            span,
            label: quoted(&label),
            help: help.as_deref().map(quoted),
            line: line + 1,
            column,
        }
    }

    /// The problem drawn with the file's lines, without colour.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        if handler.render_report(&mut out, self).is_err() {
            out = format!("{}:{}:{}: {}", self.src.name, self.line, self.column, self.message);
        }
        out
    }
}

/// `text` (a message, label or hint) ready to print: each `` `quoted` `` piece of the file cut
/// to [`QUOTED_CHARS`], the whole to [`MESSAGE_CHARS`], controls written out.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS + 64));
    for (i, piece) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd pieces sit between backquotes: text from the file.
        if i % 2 == 1 { out.push_str(&printable::shorten(piece, QUOTED_CHARS)) } else { out.push_str(piece) }
    }
    printable::line(&out, MESSAGE_CHARS)
}

/// Where each line of a file starts, found once.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The line starts of `text`.
    pub(crate) fn of(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { starts }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Where 0-based `line` starts.
    fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    /// Where 0-based `line` ends (its `\n`, or the end of `text`), without a `\r` before it.
    fn end(&self, text: &str, line: usize) -> usize {
        let end = self.starts.get(line + 1).map_or(text.len(), |next| next - 1);
        if text[..end].ends_with('\r') { end - 1 } else { end }
    }

    fn count(&self) -> usize {
        self.starts.len()
    }
}

/// The lines of a file around one problem, each cut to [`LINE_CHARS`] with its controls
/// written out, and the line number the excerpt starts at, so miette draws the right numbers.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// The 0-based line of the file the excerpt's first line is.
    first_line: usize,
}

impl Excerpt {
    /// The excerpt of `text` for the problem at `span`, and the span within it: one line
    /// before, the span's lines (at most [`SPAN_LINES`]), one line after.
    fn around(name: &str, text: &str, lines: &LineIndex, span: Range<usize>) -> (Excerpt, SourceSpan) {
        let first_span_line = lines.line_of(span.start);
        let last_span_line =
            lines.line_of(span.end.saturating_sub(1).max(span.start)).min(first_span_line + SPAN_LINES - 1);
        let first = first_span_line.saturating_sub(1);
        let last = (last_span_line + 1).min(lines.count() - 1);
        let mut out = String::new();
        let (mut start, mut end) = (None, None);
        for line in first..=last {
            if line > first {
                out.push('\n');
            }
            let (from, to) = (lines.start(line), lines.end(text, line));
            // Keep the part of a long line that holds the span's start, when it is on it.
            let focus = (line == first_span_line).then_some(span.start.clamp(from, to));
            let (keep_from, keep_to) = window(text, from, to, focus);
            if keep_from > from {
                out.push('…');
            }
            for (i, c) in text[keep_from..keep_to].char_indices() {
                let at = keep_from + i;
                if at == span.start {
                    start = Some(out.len());
                }
                if at == span.end && start.is_some() {
                    end = Some(out.len());
                }
                printable::push_escaped(&mut out, c);
            }
            // What lies past the part drawn (cut, or the line's end) maps to the end of it.
            if start.is_none() && line == first_span_line {
                start = Some(out.len());
            }
            if end.is_none() && start.is_some() && (span.end <= to || line == last_span_line) {
                end = Some(out.len());
            }
            if keep_to < to {
                out.push('…');
            }
        }
        // The newline that ends the last line, as in the file: miette draws an empty last line
        // only when it ends.
        if last + 1 < lines.count() {
            out.push('\n');
        }
        let start = start.unwrap_or(out.len());
        let end = end.unwrap_or(out.len()).max(start);
        let excerpt = Excerpt { name: name.to_owned(), text: out, first_line: first };
        (excerpt, (start, end - start).into())
    }
}

/// The byte range of the line `from..to` to draw: all of it when short, else about
/// [`LINE_CHARS`] characters starting a little before `focus`.
fn window(text: &str, from: usize, to: usize, focus: Option<usize>) -> (usize, usize) {
    if text[from..to].chars().nth(LINE_CHARS).is_none() {
        return (from, to);
    }
    let focus = focus.unwrap_or(from);
    // A little of what comes before the problem, so its label has something to point past.
    let keep_from = text[from..focus].char_indices().rev().take(LINE_CHARS / 4).last().map_or(focus, |(i, _)| from + i);
    let keep_to = text[keep_from..to].char_indices().nth(LINE_CHARS).map_or(to, |(i, _)| keep_from + i);
    (keep_from, keep_to)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Every problem found in one scenario file.
#[derive(Debug)]
pub struct ScenarioErrors {
    /// The file's name as given.
    pub path: String,
    /// The problems, in file order.
    pub diagnostics: Vec<ScenarioDiagnostic>,
}

impl ScenarioErrors {
    /// Every problem drawn, one after another.
    pub fn render(&self) -> String {
        self.diagnostics.iter().map(ScenarioDiagnostic::render).collect::<Vec<_>>().join("\n")
    }
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        let path = printable::escape(&self.path);
        write!(f, "{path} is not a valid scenario ({n} problem{})", if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            write!(f, "\n  {path}:{}:{}: {}", d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str, span: Range<usize>) -> ScenarioDiagnostic {
        ScenarioDiagnostic::new("f.toml", text, span, "bad".into(), "here".into(), None)
    }

    #[test]
    fn a_short_file_is_drawn_whole_around_the_problem() {
        let text = "a = 1\nb = 2\nc = 3\nd = 4\n";
        let d = problem(text, 10..11);
        assert_eq!((d.line, d.column), (2, 5));
        let shown = d.render();
        assert!(
            shown.contains("[f.toml:2:5]") && shown.contains("1 │ a = 1") && shown.contains("3 │ c = 3"),
            "{shown}"
        );
        assert!(!shown.contains("d = 4"), "one line of context\n{shown}");
    }

    #[test]
    fn a_huge_line_is_cut_around_the_problem() {
        let text = format!("name = \"{}\"\nrules = [\"X\"]\n", "y".repeat(5_000_000));
        let at = text.find("rules").unwrap() + 10;
        let d = problem(&text, at..at + 1);
        let shown = d.render();
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(shown.contains("[f.toml:2:11]"), "{shown}");
        assert!(shown.contains('…'), "{shown}");
    }

    #[test]
    fn a_problem_far_into_a_long_line_is_still_shown() {
        let text = format!("x = \"{}BAD{}\"\n", "a".repeat(1000), "b".repeat(1000));
        let at = text.find("BAD").unwrap();
        let shown = problem(&text, at..at + 3).render();
        assert!(shown.contains("BAD"), "{shown}");
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
    }

    #[test]
    fn quoted_text_and_controls_in_a_message_are_tamed() {
        let long = "z".repeat(100_000);
        let d = ScenarioDiagnostic::new(
            "f.toml",
            "x",
            0..1,
            format!("invalid reference `{long}\u{1b}[2J`"),
            "l".into(),
            None,
        );
        assert!(d.message.len() < 200, "{}", d.message.len());
        assert!(!d.message.contains('\u{1b}'), "{}", d.message);
    }

    #[test]
    fn controls_in_the_file_are_drawn_written_out() {
        let text = "name = \"\u{1b}]0;pwned\u{7}\"\nversion = 9\n";
        let at = text.find('9').unwrap();
        let shown = problem(text, at..at + 1).render();
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown}");
        assert!(shown.contains("\\x1b]0;pwned\\x07"), "{shown}");
    }
}
