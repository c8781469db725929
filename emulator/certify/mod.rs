//! Certification for vendors: fixed, versioned [`profiles`], the [`certificate`] a profile run
//! yields (canonical JSON per RFC 8785, optionally signed with Ed25519), and [`verify`], which
//! reads it strictly (`strict_json`).

pub mod canonical;
pub mod certificate;
pub mod profiles;
pub mod verify;

pub use certificate::Certificate;
pub use profiles::{PROFILES, Profile};
