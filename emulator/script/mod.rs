//! The script engine: applies a scenario's script to a World and its surfaces. [`plan`]
//! decides which requests a fault strikes and [`timeline`] which scripted step answers a
//! request; the surfaces' fault wrapper (`surfaces::faults`) answers struck requests.

mod drive;
pub(crate) mod plan;
mod runtime;
pub(crate) mod served;
pub(crate) mod setup;
pub(crate) mod timeline;

pub(crate) use runtime::{Progress, StepAt};
