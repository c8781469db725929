//! The protocols integrations speak, as thin adapters over the World: `cloud` (the GP tom
//! Cloud API), `app2app` (GP tom deep links) and `initiator` (the HyPe Initiator); `inbox`
//! takes a service-mode integration's events. `sim` holds the World, its clock and the
//! served script, which the surfaces reach only through the traits of [`served`].

pub mod app2app;
pub mod cloud;
pub mod faults;
pub mod front_door;
pub mod inbox;
pub mod initiator;
pub mod route;
pub mod served;
pub(crate) mod sim;
