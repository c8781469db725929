//! The protocols integrations speak, as thin adapters over the World: `cloud` (the GP tom
//! Cloud API), `app2app` (GP tom deep links), `initiator` (the HyPe Initiator) and `control`
//! (the port a person or a test drives the emulated side through); `inbox` takes a
//! service-mode integration's events.

pub mod app2app;
pub mod cloud;
pub mod control;
pub mod faults;
pub mod inbox;
pub mod initiator;
pub(crate) mod sim;
