//! The judge: the conformance rules as data ([`rules::RULES`]); the functions that decide
//! each rule from a transcript and the ledger come with the runner.

pub mod rules;
