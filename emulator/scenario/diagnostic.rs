//! Errors that point into a scenario file: [`ScenarioDiagnostic`] (one problem, with its span,
//! a label and a hint) and [`ScenarioErrors`] (every problem found in one file), rendered
//! by miette.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

/// One problem in a scenario file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct ScenarioDiagnostic {
    /// What is wrong, lowercase.
    pub message: String,
    /// The file.
    #[source_code]
    pub src: NamedSource<String>,
    /// Where.
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
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ScenarioDiagnostic {
            message,
            src: NamedSource::new(name, text.to_owned()),
            span: (start, end - start).into(),
            label,
            help,
            line,
            column,
        }
    }

    /// The problem drawn with the file's lines, without colour.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        if handler.render_report(&mut out, self).is_err() {
            out = format!("{}:{}:{}: {}", self.src.name(), self.line, self.column, self.message);
        }
        out
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
        write!(f, "{} is not a valid scenario ({n} problem{})", self.path, if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            write!(f, "\n  {}:{}:{}: {}", self.path, d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}
