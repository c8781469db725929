//! payterm: a payment-terminal emulator and conformance test harness for the GP tom Cloud
//! API, GP tom deep links and the HyPe Initiator.
//!
//! # Layout
//! - [`time`]: virtual time, and the clock that maps real time onto it.
//! - [`world`]: the pure domain: terminals, tasks, transactions, batches, the ledger.
//! - [`profile`]: every figure the emulator uses and where each behaviour comes from.
//! - [`surfaces`]: the protocols over HTTP: the Cloud API and the control API.
//! - [`http`]: the server core the surfaces share (limits, panic isolation, TLS).
//! - [`journal`]: the bounded record of exchanges and World transitions.
//! - [`redact`]: stable placeholders for what changes between runs, for snapshots.
//! - [`printable`]: text from outside made safe to print (controls shown, long text cut).
//! - [`mock_cloud`]: [`MockCloud`], the emulator in-process for Rust tests.
//! - [`scenario`]: the scenario file format, read in two stages with diagnostics.
//! - [`script`]: the script engine: scripted answers and request faults.
//! - [`runner`]: runs an integration against scenarios and records what it did.
//! - [`judge`]: the conformance rules as data.
//! - [`explore`]: random scenarios from the spec's state machines, run, judged, and shrunk.
//! - [`report`]: the JSON report model, transcripts, and the terminal, JUnit and HTML writers.
//! - [`certify`]: certification profiles, certificates, their signatures and verification.
//! - [`cli`]: the `payterm` command line; [`exit_codes`] its exit codes.

#![warn(unreachable_pub)]

pub mod certify;
pub mod cli;
pub mod client;
pub mod control;
pub mod dashboard;
pub mod exit_codes;
pub mod explore;
pub mod files;
pub mod http;
pub mod journal;
pub mod judge;
pub mod mock_cloud;
pub mod printable;
pub mod profile;
pub mod record;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod script;
pub mod strict_json;
pub mod surfaces;
pub mod time;
pub mod world;

pub use mock_cloud::{MockCloud, MockCloudBuilder, StartError};

/// The user guide's Rust example (`docs/src/library.md`), compiled as a doc test so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../docs/src/library.md")]
pub struct LibraryPageDoctests;
