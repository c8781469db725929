//! Reports of a run: the [`SuiteReport`] model (what the JSON report holds), the transcript
//! of each scenario, and writers for people and CI (terminal, JSON, JUnit, HTML).

pub mod diagram;
pub mod html;
pub mod junit;
mod known;
mod marks;
pub mod model;
pub mod stable;
pub mod terminal;
pub mod transcript;

pub use html::html;
pub use junit::junit;
pub use model::{
    KnownFailure, OrderSummary, SCHEMA_VERSION, ScenarioReport, ScenarioStatus, SuiteReport, Summary, Unexercised,
    VerdictReport,
};
pub use transcript::{TranscriptLine, transcript};
