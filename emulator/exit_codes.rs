//! The exit codes of `payterm`: a public contract, listed in the book as well (`docs/src/exit-codes.md`).

/// Everything passed (or the command did what it was asked).
pub const SUCCESS: i32 = 0;
/// At least one scenario failed a rule or was inconclusive (a targeted rule not exercised), a
/// certificate did not verify, or the demo saw an answer it did not expect.
pub const FAILED: i32 = 1;
/// The command line was wrong (clap's own code).
pub const USAGE: i32 = 2;
/// A scenario or input file is invalid.
pub const INVALID_INPUT: i32 = 3;
/// The harness could not set up (a file it needs is missing, an integration cannot start).
pub const SETUP_FAILED: i32 = 4;
/// The mock cloud could not bind its port.
pub const BIND_FAILED: i32 = 5;
/// The initiator client could not reach its service, or got no initiator JSON back.
pub const SERVICE_UNREACHABLE: i32 = 6;
/// The initiator's service refused the document whatever the moment (an invoice id reused
/// with other content, totals that do not add up): fix it, do not send it again.
pub const DOCUMENT_REFUSED: i32 = 7;
/// The initiator was run by a user outside the store's operator group: administrative.
pub const NOT_AN_OPERATOR: i32 = 8;
/// The selection is empty: no scenario would run (a filter matched nothing, nothing to rerun,
/// or every selected scenario would be skipped). A run that tests nothing is not a pass.
pub const NO_SCENARIOS: i32 = 9;
/// Stopped by SIGINT (Ctrl-C), after ending the integrations and writing what finished (128 + 2).
pub const INTERRUPTED: i32 = 130;
/// Stopped by SIGTERM, after ending the integrations and writing what finished (128 + 15).
pub const TERMINATED: i32 = 143;
/// A bug in payterm itself.
pub const INTERNAL: i32 = 70;
