//! The judge: the conformance rules as one table ([`rules::RULES`]), each decided by its own
//! function over the run's typed facts ([`facts::Facts`]), and [`judge()`] that applies them.

mod as_ordered;
mod cloud;
pub mod facts;
mod initiator;
mod integrity;
mod links;
mod liveness;
mod money;
mod rate;
pub mod rules;
mod statuses;
#[cfg(test)]
pub(crate) mod synth;
#[cfg(test)]
mod tests;
mod tokens;
pub mod verdict;
mod verdicts;
mod voids;

pub use rate::cannot_fail as rate_cannot_fail;
pub use verdict::{Verdict, VerdictKind};
pub use verdicts::{failed, judge};
