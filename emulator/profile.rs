//! The emulator's profile: every figure it uses, in one place, and the table that says, for all
//! three surfaces, which behaviour a seed states, which the vendor documents and which is this
//! project's own completion, naming the document each comes from.
//!
//! `payterm spec` prints [`SPEC`]; when better information arrives, change it here.

use crate::time::VirtualDuration;

/// Every number the World and the surfaces use for timing, limits and lifetimes.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// How long after a card sale a void is allowed. \[doc\] 93 × 24 h.
    pub void_window: VirtualDuration,
    /// How long an automatic or semi-integrated terminal takes to pick up a queued task. \[ours\]
    pub automatic_pickup: VirtualDuration,
    /// How long a card sale takes on the terminal once the card is presented. \[ours\]
    pub card_processing: VirtualDuration,
    /// How long a void, a close batch or a non-card sale takes on the terminal. \[ours\]
    pub non_card_processing: VirtualDuration,
    /// Lifetime of a terminal access token. \[doc\] 3600 s in the vendor's example.
    pub access_token_ttl: VirtualDuration,
    /// Lifetime of a master-account access token. \[doc\] 86399 s.
    pub master_token_ttl: VirtualDuration,
    /// Lifetime of a refresh token. \[ours\] 90 days.
    pub refresh_token_ttl: VirtualDuration,
    /// The largest amount a task may carry, minor units. \[ours\]
    pub max_amount: u64,
    /// The longest `originReferenceNum`. \[doc\] 20 characters.
    pub max_reference_len: usize,
    /// The largest request body the Cloud API reads. \[ours\] 64 KiB.
    pub max_body_bytes: usize,
    /// How long the customer takes to choose how GP tom hands over the receipt, before the
    /// deep link's redirect (`printByPaymentApp=true`). \[ours\] 5 s.
    pub receipt_choice: VirtualDuration,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            void_window: VirtualDuration::days(93),
            automatic_pickup: VirtualDuration::secs(1),
            card_processing: VirtualDuration::secs(3),
            non_card_processing: VirtualDuration::secs(1),
            access_token_ttl: VirtualDuration::secs(3600),
            master_token_ttl: VirtualDuration::secs(86_399),
            refresh_token_ttl: VirtualDuration::days(90),
            max_amount: 999_999_999,
            max_reference_len: 20,
            max_body_bytes: 64 * 1024,
            receipt_choice: VirtualDuration::secs(5),
        }
    }
}

/// Where a behaviour comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Stated in a seed document.
    Seed,
    /// Stated in the vendor's public documentation or SDK.
    Doc,
    /// This project's completion where the public material is silent.
    Ours,
}

impl Source {
    /// The tag as the spec pages write it.
    pub fn tag(self) -> &'static str {
        match self {
            Source::Seed => "[seed]",
            Source::Doc => "[doc]",
            Source::Ours => "[ours]",
        }
    }
}

/// One behaviour of the emulator, where it comes from, and the routes, fields, statuses,
/// faults and exit codes it accounts for (keys such as `route:cloud:GET /v1/tasks`,
/// `field:app2app:clientID`, `fault:initiator:bad_signature`, `exit:7`).
#[derive(Clone, Copy, Debug)]
pub struct SpecItem {
    /// The surface or area.
    pub area: &'static str,
    /// Where it comes from.
    pub source: Source,
    /// The seed or document it comes from, or `ours (…)` with the spec page that says so.
    pub origin: &'static str,
    /// What the emulator does.
    pub behaviour: &'static str,
    /// The words of the origin it rests on, copied from it (a seed in its own language, or the
    /// project's spec page that restates a vendor page or states our choice); empty only for
    /// [`origin::OURS`], which has no page to quote.
    pub quotes: &'static [&'static str],
    /// The keys it accounts for.
    pub covers: &'static [&'static str],
}

/// The documents behaviour comes from, as [`SpecItem::origin`] names them.
pub mod origin {
    /// Seed 000: the GP tom Cloud API page (Polish).
    pub const SEED_000: &str = "seed 000";
    /// Seed 001: GP tom deep links, close batch (Czech and Romanian, with English lines).
    pub const SEED_001: &str = "seed 001";
    /// Seed 002: the HyPe Initiator's status page (Russian).
    pub const SEED_002: &str = "seed 002";
    /// The vendor's Cloud API documentation.
    pub const CLOUD_DOCS: &str = "vendor docs (Cloud API)";
    /// The vendor's deep-link page of ECR result codes.
    pub const LINK_RESULT_CODES: &str = "vendor docs (deep-link result codes)";
    /// The vendor's deep-link `InquireResult` and receipt data.
    pub const LINK_INQUIRE: &str = "vendor docs (deep-link InquireResult)";
    /// The vendor's iOS SDK (its `Batch` object).
    pub const IOS_SDK: &str = "vendor SDK (iOS)";
    /// The vendor's app2app SDK and its example app.
    pub const SDK: &str = "vendor SDK (app2app)";
    /// The vendor's simulator build.
    pub const SIMULATOR: &str = "vendor docs (simulator test amounts)";
    /// The HyPe Initiator's invoicing documentation.
    pub const HYPE_DOCS: &str = "vendor docs (HyPe invoicing)";
    /// This project's completion, written in its Cloud API spec page.
    pub const OURS_CLOUD: &str = "ours (Cloud API spec)";
    /// This project's completion, written in its deep-link spec page.
    pub const OURS_APP2APP: &str = "ours (deep-link spec)";
    /// This project's completion, written in its initiator spec page.
    pub const OURS_INITIATOR: &str = "ours (initiator spec)";
    /// This project's completion, in the book and here only.
    pub const OURS: &str = "ours (payterm)";

    /// The file an origin's quotes are checked against, relative to the project's shared
    /// folder (`../shared` beside the repository): a seed, or the spec page that restates a
    /// vendor page the seeds do not carry. `None` for [`OURS`].
    pub fn quoted_in(origin: &str) -> Option<&'static str> {
        Some(match origin {
            SEED_000 => "seeds/000_83a3fc69d9ac0ab6.txt",
            SEED_001 => "seeds/001_1fecf4cb55966113.txt",
            SEED_002 => "seeds/002_d5b1fd45d4c010a6.txt",
            CLOUD_DOCS | LINK_RESULT_CODES | LINK_INQUIRE | IOS_SDK | SIMULATOR | OURS_CLOUD => "spec/cloud-api.md",
            SDK | OURS_APP2APP => "spec/app2app.md",
            HYPE_DOCS | OURS_INITIATOR => "spec/initiator.md",
            _ => return None,
        })
    }
}

const fn item(
    area: &'static str,
    source: Source,
    origin: &'static str,
    quotes: &'static [&'static str],
    behaviour: &'static str,
    covers: &'static [&'static str],
) -> SpecItem {
    SpecItem { area, source, origin, behaviour, quotes, covers }
}

mod spec_app2app;
mod spec_cloud;
mod spec_exits;
mod spec_initiator;

/// The emulator's behaviour, surface by surface, each item tagged with its source.
pub const SPEC: &[&[SpecItem]] = &[spec_cloud::ITEMS, spec_app2app::ITEMS, spec_initiator::ITEMS, spec_exits::ITEMS];

/// Every item of [`SPEC`], in order.
pub fn spec_items() -> impl Iterator<Item = &'static SpecItem> {
    SPEC.iter().flat_map(|section| section.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_documented_and_completed_items() {
        // The three surfaces; exit codes are this project's, save the seed's "non-zero".
        for section in &SPEC[..3] {
            for source in [Source::Seed, Source::Doc, Source::Ours] {
                assert!(section.iter().any(|i| i.source == source), "{:?} in {}", source, section[0].area);
            }
        }
    }
}
