//! The script engine: applies a scenario's script to a World and its surfaces. [`plan`]
//! decides which requests a fault strikes, [`timeline`] which scripted step answers a
//! request, and [`faults`] answers struck requests, down to real TCP resets.

mod drive;
pub mod faults;
pub mod plan;
mod runtime;
pub mod setup;
pub mod timeline;

pub use runtime::{CustomerDue, Effects, Progress, ScriptRuntime, StepAt};
