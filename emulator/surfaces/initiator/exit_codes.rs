//! The exit codes of the initiator client (`payterm initiator …` and
//! `aelucrative-hype-initiator`): a public contract, listed in the book as well (`docs/src/surfaces/initiator.md`).
//!
//! | code | meaning | stdout |
//! |---|---|---|
//! | 0 | the service answered: a status, an invoice, or a fault | the answer, as-is |
//! | 2 | the command line is wrong | nothing |
//! | 3 | the input document is bad: unreadable, not UTF-8, truncated, not JSON, wrong `version` or `document`, a missing or wrong field, totals that do not add up, another store | nothing |
//! | 4 | setup: no config, a damaged config, an unreadable or damaged key file, a key file already there, an enrollment the control API refused | nothing |
//! | 6 | the service is down, reset the connection, timed out, or answered without initiator JSON | nothing |
//! | 7 | the service refused the document whatever the moment: an invoice id reused this year with other content (or totals that do not add up, or a document it cannot read, from a program that does not check first) | nothing |
//! | 8 | the user of the configured key is not a member of the store's operator group (seed 002: the initiator is run as one) | nothing |
//! | 70 | a bug in payterm | nothing |

/// The service answered; its JSON is on stdout (even a fault: faults are answers).
pub const ANSWERED: i32 = crate::exit_codes::SUCCESS;
/// The command line is wrong.
pub const USAGE: i32 = crate::exit_codes::USAGE;
/// The JSON document on stdin is unusable.
pub const BAD_INPUT: i32 = crate::exit_codes::INVALID_INPUT;
/// The initiator is not set up: config or key file missing or damaged.
pub const SETUP: i32 = crate::exit_codes::SETUP_FAILED;
/// The service could not be reached or gave no usable answer.
pub const SERVICE_UNREACHABLE: i32 = crate::exit_codes::SERVICE_UNREACHABLE;
/// The service refused the document whatever the moment: a mistake to fix, not to retry.
pub const DOCUMENT_REFUSED: i32 = crate::exit_codes::DOCUMENT_REFUSED;
/// The configured key's user is not in the store's operator group: administrative.
pub const NOT_AN_OPERATOR: i32 = crate::exit_codes::NOT_AN_OPERATOR;
/// A bug in payterm itself.
pub const INTERNAL: i32 = crate::exit_codes::INTERNAL;
