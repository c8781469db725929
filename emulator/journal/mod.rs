//! The journal: every exchange on the wire ([`Exchange`], with typed [`Annotations`]) and
//! every World transition, in order, with virtual timestamps, kept by a bounded [`Journal`].

mod exchange;
mod store;

pub use exchange::{Annotations, Body, Exchange, LinkCheck, Stamps, StruckFault, Tamper, body_text};
pub use store::{Journal, JournalEntry, NOTE_HEADER, Overflow};
