//! The protocols integrations speak, as thin adapters over the World: `cloud` (the GP tom
//! Cloud API) and `control` (the port a person or a test drives the emulated side through).

pub mod cloud;
pub mod control;
pub(crate) mod sim;
