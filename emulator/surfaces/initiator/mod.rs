//! The HyPe Initiator: the service side (signed invoices and status on the Cloud API's port,
//! [`http_answer`]), the virtual customer's and the administrator's control routes
//! ([`control()`]); the drop-in command-line client is `cli::initiator`.
//!
//! # Layout
//! - [`service`]: `POST /hype/v1/invoices` and `/hype/v1/status`; [`gateway`]: the gateway URI.
//! - [`signing`]: the request-signing scheme; [`keyfile`]: the private key file.
//! - [`document`]: the stdin documents; [`answers`]: the answer and fault shapes.
//! - [`control`](mod@control): `/invoices/…` and `/stores/…` on the control API.
//! - [`config`], [`exit_codes`]: what the client program (`cli::initiator`) reads and exits with.

pub mod answers;
pub mod config;
pub mod control;
pub mod document;
pub mod exit_codes;
pub mod gateway;
pub mod keyfile;
pub mod service;
pub mod signing;

/// The name the real initiator is installed under; invoked so, payterm acts as it.
pub const SHIM_NAME: &str = "aelucrative-hype-initiator";

/// The hidden subcommand the runner times to measure the program's own start-up.
pub const PROBE: &str = "__probe";

pub use answers::{Fault, fault_answer, fault_answer_named, status_answer};
pub use control::control;
pub use service::http_answer;
