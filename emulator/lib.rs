//! payterm: a payment-terminal emulator and conformance test harness for the GP tom Cloud
//! API, GP tom deep links and the HyPe Initiator.
//!
//! # The API
//! What a Rust test needs is re-exported here: [`MockCloud`] (the emulator in-process, with the
//! [`HarnessKey`] its initiator service trusts), the
//! scenario model ([`Scenario`], [`scenario::load`]), running one against an integration
//! ([`run_scenario`], [`RunOptions`], [`Record`], [`RunError`]), judging the record ([`judge()`],
//! [`Verdict`]) and the report model ([`ScenarioReport`]). The public modules are public for
//! payterm's own tests and tools; their items may change between minor versions. The modules
//! no test or tool outside the crate needs are private: `control`, `mock_cloud` (its types are
//! re-exported above), `script` (likewise), `client`, `printable`, `strict_json` and `files`.
//!
//! # Layers
//! Bottom to top (CONVENTIONS.md; `tests/layers.rs` fails on a use of a higher layer):
//! base ([`exit_codes`], `printable`, [`redact`], [`time`], `strict_json`, `files`) →
//! [`profile`] → [`world`] → [`http`], `client` → [`record`] → [`journal`] → [`surfaces`] →
//! [`scenario`] → `script` → `control`, `mock_cloud` → [`runner`] → [`judge`](mod@judge) →
//! [`report`] → [`dashboard`] → [`explore`], [`certify`] → [`cli`].

#![warn(unreachable_pub)]

pub mod certify;
pub mod cli;
mod client;
mod control;
pub mod dashboard;
pub mod exit_codes;
pub mod explore;
mod files;
pub mod http;
pub mod journal;
pub mod judge;
mod mock_cloud;
mod printable;
pub mod profile;
pub mod record;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario;
mod script;
mod strict_json;
pub mod surfaces;
pub mod time;
pub mod world;

pub use judge::{Verdict, VerdictKind, judge};
pub use mock_cloud::{MockCloud, MockCloudBuilder, StartError};
pub use report::ScenarioReport;
pub use runner::{Record, RunError, RunOptions, Target, run_scenario};
pub use scenario::Scenario;
pub use script::setup::HarnessKey;

/// The user guide's Rust example (`docs/src/library.md`), compiled as a doc test so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../docs/src/library.md")]
pub struct LibraryPageDoctests;
