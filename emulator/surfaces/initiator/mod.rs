//! The HyPe Initiator: the service side (signed invoices and status on the Cloud API's port,
//! [`http_answer`]), the virtual customer's and the administrator's control routes
//! ([`control()`]), and the drop-in command-line client ([`cli`]).
//!
//! # Layout
//! - [`service`]: `POST /hype/v1/invoices` and `/hype/v1/status`; [`gateway`]: the gateway URI.
//! - [`signing`]: the request-signing scheme; [`keyfile`]: the private key file.
//! - [`document`]: the stdin documents; [`answers`]: the answer and fault shapes.
//! - [`control`](mod@control): `/invoices/…` and `/stores/…` on the control API.
//! - [`cli`], `commands`, [`client`], [`config`], [`exit_codes`]: the client program.

pub mod answers;
pub mod cli;
pub mod client;
mod commands;
pub mod config;
pub mod control;
pub mod document;
pub mod exit_codes;
pub mod gateway;
pub mod keyfile;
pub mod service;
pub mod signing;

pub use answers::{Fault, fault_answer, fault_answer_named, status_answer};
pub use control::control;
pub use service::http_answer;
