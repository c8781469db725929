//! The typed record at the bottom of the layers: what a run is made of, as every layer above
//! reads it — the script's vocabulary of faults and replaced answers ([`scripted`]), the
//! driver contract's events ([`events`]), what each request asked ([`route`]) and the
//! catalogue of conformance rules ([`rules`]).

pub mod events;
pub mod route;
pub mod rules;
pub mod scripted;
