//! `payterm explore`: random scenarios generated from the spec's own state machines
//! ([`generate()`]), run and judged one after another ([`explore()`]); a failure is shrunk to a
//! small scenario that still fails the same rule ([`shrink()`]) and written as a scenario file.

mod driver;
pub mod generate;
pub mod model;
mod render;
pub mod room;
pub mod shrink;

pub use driver::{ExploreError, ExploreOptions, ExploreReport, Find, confirm_scale, explore, quote};
pub use generate::generate;
pub use model::GenScenario;
pub use shrink::shrink;
