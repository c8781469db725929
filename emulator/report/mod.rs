//! Reports of a run: the [`SuiteReport`] model (what the JSON report holds), the transcript
//! of each scenario, and writers for people and CI (terminal, JSON, JUnit, HTML).

pub mod model;
pub mod transcript;

pub use model::{SCHEMA_VERSION, ScenarioReport, ScenarioStatus, SuiteReport, Summary, VerdictReport};
pub use transcript::{TranscriptLine, transcript};
