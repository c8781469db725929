//! The emulator's profile: every figure it uses, in one place, and the table that says which
//! behaviour the vendor documents and which is this project's own completion.
//!
//! `payterm spec` prints [`SPEC`]; when better information arrives, change it here.

use crate::world::clock::VirtualDuration;

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

/// One behaviour of the emulator and where it comes from.
#[derive(Clone, Copy, Debug)]
pub struct SpecItem {
    /// The surface or area.
    pub area: &'static str,
    /// Where it comes from.
    pub source: Source,
    /// What the emulator does.
    pub behaviour: &'static str,
}

const fn item(area: &'static str, source: Source, behaviour: &'static str) -> SpecItem {
    SpecItem { area, source, behaviour }
}

/// The emulator's behaviour, item by item, each tagged with its source.
pub const SPEC: &[SpecItem] = &[
    item(
        "cloud",
        Source::Seed,
        "tasks (sale, void, close batch) queue on a terminal; many in parallel for one terminal",
    ),
    item(
        "cloud",
        Source::Seed,
        "a task's state is not the payment's result: a COMPLETED task may carry a declined payment",
    ),
    item(
        "cloud",
        Source::Seed,
        "assisted mode: tasks wait until the operator picks one; a notification is raised on arrival",
    ),
    item("cloud", Source::Seed, "automatic mode: tasks run at once, one at a time, in arrival order"),
    item(
        "cloud",
        Source::Ours,
        "semi-integrated mode: one task at a time, no queue; a new task while busy gets 409 TERMINAL_BUSY",
    ),
    item("cloud", Source::Seed, "void: same TID as the sale; card sales within 93 × 24 h; never cryptocurrency"),
    item(
        "cloud",
        Source::Ours,
        "void of CASH, ACCOUNT_PAYMENT, BLIK_PAYMENT, PAYMENT_GATEWAY only while their batch is open",
    ),
    item("cloud", Source::Seed, "close batch returns totals and opens the next batch number"),
    item(
        "cloud",
        Source::Doc,
        "POST /cloud/oauth/token with HTTP Basic client credentials and grant_type=password; refresh at POST /api/oauth/token",
    ),
    item(
        "cloud",
        Source::Doc,
        "access tokens: JWT, expires_in 3600 for a terminal login, 86399 for a master login (tid null)",
    ),
    item("cloud", Source::Ours, "refresh tokens live 90 days; refresh is also accepted at /cloud/oauth/token"),
    item("cloud", Source::Ours, "master tokens name the TID in the request body's `tid` or in `?tid=` on reads"),
    item("cloud", Source::Doc, "POST /v1/tasks/TRANSACTION and POST /v1/tasks/BATCH create tasks"),
    item(
        "cloud",
        Source::Ours,
        "GET /v1/tasks/{taskId}, GET /v1/tasks?tid=&state=&reference=, DELETE /v1/tasks/{taskId}",
    ),
    item(
        "cloud",
        Source::Ours,
        "GET /v1/transactions/{amsId} and GET /v1/batches/{amsId} (OPEN = the open batch so far)",
    ),
    item("cloud", Source::Ours, "task states QUEUED → IN_PROGRESS → COMPLETED | FAILED, QUEUED → CANCELLED"),
    item(
        "cloud",
        Source::Ours,
        "create answers 201 with CloudTaskDetailApiResponse; 400 names the field; 422 carries an ECR code and a reason",
    ),
    item(
        "cloud",
        Source::Doc,
        "ECR result codes 0, -1 … -9 (success, failed, id invalid, not found, declined, already voided, parameter invalid, unauthorised, not allowed, user input needed)",
    ),
    item(
        "cloud",
        Source::Doc,
        "test amounts: 1111 approved, 1122 declined, 1123 timeout, 1124 exception; any other approved",
    ),
    item(
        "cloud",
        Source::Ours,
        "1122 → COMPLETED, result -4, 42 PAYMENT_DECLINED; 1123 → FAILED, -1, 65 TRANSACTION_TIMEOUT; 1124 → FAILED, -1, 104 TECHNICAL_ERROR",
    ),
    item(
        "cloud",
        Source::Ours,
        "a card sale's transaction exists from the moment its task starts, with result -9 until the card is read",
    ),
    item(
        "cloud",
        Source::Ours,
        "a void the host refuses when the terminal runs it (e.g. voided meanwhile) completes the task with the refusal's ECR code",
    ),
    item(
        "cloud",
        Source::Ours,
        "batch arithmetic: saleAmount includes tips; totalAmount = saleAmount − voidAmount; totalCount = saleCount + voidCount, overall and per sub-batch; GO_CRYPTO has its own sub-batch",
    ),
    item("cloud", Source::Ours, "timings: pickup 1 s, card processing 3 s, other tasks 1 s (virtual)"),
    item(
        "cloud",
        Source::Ours,
        "request bodies over 64 KiB get 413; unknown routes 404 JSON; malformed JSON 400 with line and column",
    ),
    item(
        "cloud",
        Source::Ours,
        "a known path with another method gets 405 with Allow; TRANSACTION and BATCH are never task ids, so GET or DELETE on them is 405 too",
    ),
    item(
        "cloud",
        Source::Ours,
        "amounts are whole minor units: 1000.0 reads as 1000 (JSON Schema counts it an integer); a fraction or a negative is 400",
    ),
    item(
        "cloud",
        Source::Ours,
        "a close batch takes no body at all or a JSON object; whitespace, null or any other JSON is 400",
    ),
    item("cloud", Source::Ours, "an empty `?state=` on GET /v1/tasks is 400, like any state that is not one"),
    item(
        "cloud",
        Source::Ours,
        "GET /openapi.json: the document says per route every status it answers, including scripted 429/500/503, and the fields each transaction type requires",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_documented_and_completed_items() {
        assert!(SPEC.iter().any(|i| i.source == Source::Ours));
        assert!(SPEC.iter().any(|i| i.source == Source::Doc));
        assert!(SPEC.iter().any(|i| i.source == Source::Seed));
    }
}
