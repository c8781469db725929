//! The typed record at the bottom of the layers: what a run is made of, as every layer above
//! reads it — the script's vocabulary of faults and replaced answers ([`scripted`]) and the
//! driver contract's events ([`events`]). The exchanges themselves are kept by the journal.

pub mod events;
pub mod scripted;
