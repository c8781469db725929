//! The runner: starts the integration under test against a fresh emulator per scenario,
//! feeds it the orders, reads its events, and records everything for the judge.

pub mod builtin;
pub mod events;
mod run_one;
pub mod shim;

pub use run_one::{Ending, Record, RunOptions, run_scenario};
