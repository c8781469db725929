//! payterm: a payment-terminal emulator and conformance test harness.
//!
//! # Layout
//! - [`world`]: the pure domain: terminals, tasks, transactions, batches, the ledger, the
//!   virtual clock.
//! - [`profile`]: every figure the emulator uses and where each behaviour comes from.

pub mod profile;
pub mod world;
