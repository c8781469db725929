//! The pure domain: terminals with queues and modes, tasks, transactions, batches, the
//! ledger and the virtual clock. No I/O and no real time: every change is a method call at
//! an explicit virtual time, so it is tested synchronously.

mod agenda;
pub mod batch;
pub mod codes;
pub mod events;
pub mod ids;
mod immediate;
pub mod invoice;
mod invoicing;
pub mod ledger;
pub mod money;
mod processing;
mod scripted;
mod settle;
mod state;
pub mod task;
pub mod terminal;
pub mod transaction;
pub mod void_rules;

#[cfg(test)]
mod tests;

pub use agenda::Fired;
pub use immediate::Settled;
pub use invoicing::{CustomerRefusal, InvoiceOrder, InvoiceRefusal, check_totals};
pub use processing::CardPresented;
pub use scripted::ScriptedEnd;
pub use settle::TotalsMismatch;
pub use state::{CreateRefusal, Cue, PastSale, TaskRefusal, World};
