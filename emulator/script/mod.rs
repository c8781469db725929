//! The script engine: applies a scenario's script to a World and its surfaces. [`plan`]
//! decides which requests a fault strikes and [`timeline`] which scripted step answers a
//! request; the surfaces' fault wrapper (`surfaces::faults`) answers struck requests.

mod drive;
pub mod plan;
mod runtime;
pub mod served;
pub mod setup;
pub mod timeline;

pub use runtime::{CustomerDue, Progress, ScriptRuntime, StepAt};
