//! Scenarios: the TOML file format (`docs/src/scenarios.md` is its reference), read in two
//! stages — a raw serde mirror that keeps spans ([`raw`]), then a validated [`Scenario`] —
//! with every error pointing at its line and column.

mod diagnostic;
pub mod model;
pub mod orders;
pub mod raw;
mod suggest;
mod validate;
mod validate_script;
mod validate_setup;
mod validate_status;

use std::path::Path;

pub use diagnostic::{ScenarioDiagnostic, ScenarioErrors};
pub use model::Scenario;
pub use validate::{VERSION, parse};
pub use validate_script::LINK_ERRORS;

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("failed to read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a valid scenario.
    #[error(transparent)]
    Invalid(#[from] ScenarioErrors),
}

/// Reads and validates a scenario file's bytes: [`parse`], once they are known to be UTF-8
/// text (TOML is); else one problem at the first bad byte, with its line and column (the
/// text before it is exact).
pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<Scenario, ScenarioErrors> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(name, text),
        Err(e) => {
            // The text is drawn with the bad bytes as U+FFFD; the span covers the first one
            // so that it ends on a character boundary.
            let offset = e.valid_up_to();
            let problem = ScenarioDiagnostic::new(
                name,
                &String::from_utf8_lossy(bytes),
                offset..offset + char::REPLACEMENT_CHARACTER.len_utf8(),
                format!("the file is not UTF-8 text: invalid byte 0x{:02X}", bytes[offset]),
                "not UTF-8".to_owned(),
                Some("TOML is UTF-8: save the file as UTF-8".to_owned()),
            );
            Err(ScenarioErrors { path: name.to_owned(), diagnostics: vec![problem] })
        }
    }
}

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read { path: name.clone(), source })?;
    Ok(parse_bytes(&name, &bytes)?)
}

/// The JSON Schema of the file format, for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(raw::RawScenario);
    serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_owned())
}
