//! The judge: the conformance rules as data ([`rules::RULES`]) and the functions that decide
//! them from a run's transcript, events and ledger ([`judge()`]).

mod cloud;
mod facts;
mod initiator;
mod links;
mod money;
pub mod rules;
pub mod verdict;
mod verdicts;

pub use verdict::{Verdict, VerdictKind};
pub use verdicts::{failed, judge};
