//! The tools users would pick instead of payterm, run beside it: wiremock-rs in-process, and
//! WireMock (Java) and Mockoon CLI as processes ([`External`]).

pub mod external;
pub mod java_wiremock;
pub mod mockoon;
pub mod process;
pub mod wiremock_rs;

pub use external::Skipped;
pub use process::PORT_ENV;
