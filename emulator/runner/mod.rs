//! The runner: starts the integration under test against a fresh emulator per scenario,
//! feeds it the orders, reads its events, and records everything for the judge.

pub mod bounds;
/// The driver contract's events, defined in [`crate::record::events`].
pub use crate::record::events;
pub mod builtin;
mod command;
mod contract;
mod error;

mod feed;
pub mod latency;
pub mod manifest;
pub mod output;
pub mod reaper;
mod run_one;
pub mod select;
mod service;
pub mod shim;
mod work_folder;

pub use command::DEFAULT_STARTUP_TIMEOUT;
pub use error::RunError;
pub use run_one::{Driven, Ending, Record, RunOptions, Target, run_scenario};
pub use service::reachable;
pub use work_folder::WorkFolder;
