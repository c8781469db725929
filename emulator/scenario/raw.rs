//! The raw scenario: a serde mirror of the TOML file that only checks what the user typed and
//! keeps the span of every value the validator looks at again. [`RawScenario`] is also the
//! source of the JSON Schema (`payterm scenario schema`).

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A text value with its position in the file.
pub type Text = Spanned<String>;

/// A scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// The format version; must be 1.
    #[schemars(with = "Option<u32>")]
    pub version: Option<Spanned<i64>>,
    /// What the scenario shows, in a sentence.
    #[schemars(with = "Option<String>")]
    pub name: Option<Text>,
    /// More words, if the name is not enough.
    pub description: Option<String>,
    /// The surfaces it exercises: `cloud`, `app2app`, `initiator`.
    #[schemars(with = "Option<Vec<String>>")]
    pub surfaces: Option<Spanned<Vec<Text>>>,
    /// The rule IDs it targets (see `payterm rules`).
    #[schemars(with = "Option<Vec<String>>")]
    pub rules: Option<Spanned<Vec<Text>>>,
    /// The seed of every random choice; the runner's `--seed` overrides it.
    pub seed: Option<u64>,
    /// Virtual time each order has to reach an outcome (default `5m`).
    #[schemars(with = "Option<String>")]
    pub deadline: Option<Text>,
    /// How long after a "try again later" answer the next try may come (default `5m`).
    #[schemars(with = "Option<String>")]
    pub patience: Option<Text>,
    /// The fastest allowed polling (default `500ms`).
    #[schemars(with = "Option<String>")]
    pub min_poll_interval: Option<Text>,
    /// The smallest time scale (real seconds per virtual second) the scenario is run at: a
    /// scenario whose timing needs more real time than the default gives declares it.
    #[schemars(with = "Option<f64>")]
    pub min_time_scale: Option<Spanned<f64>>,
    /// Free-form labels for filtering.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The virtual terminals (default: `999888`, automatic, CZK).
    #[serde(default)]
    pub terminals: Vec<RawTerminal>,
    /// Initiator stores (default: `testingstore`, enrolled with the harness's key).
    #[serde(default)]
    pub stores: Vec<RawStore>,
    /// What the World holds before the scenario starts.
    pub history: Option<RawHistory>,
    /// What the cashier asks the integration to do.
    #[serde(default)]
    pub orders: Vec<RawOrder>,
    /// How the virtual customer behaves once handed a gateway URI.
    pub customer: Option<RawCustomer>,
    /// What the emulated side does, and when.
    #[serde(default)]
    pub script: RawScript,
}

/// A virtual terminal.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTerminal {
    /// Its TID.
    #[schemars(with = "String")]
    pub tid: Text,
    /// `automatic` (default), `assisted` or `semi_integrated`.
    #[schemars(with = "Option<String>")]
    pub mode: Option<Text>,
    /// ISO 4217 letters (default `CZK`).
    #[schemars(with = "Option<String>")]
    pub currency: Option<Text>,
    /// How far the authorisation host's sum of the open batch is from the terminal's, minor
    /// units (default 0: they agree); anything else makes every close batch on it fail.
    pub host_totals_differ_by: Option<i64>,
}

/// An initiator store.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// Its name (ASCII letters and digits).
    #[schemars(with = "String")]
    pub name: Text,
    /// Whether its endpoint starts disabled (`user_disabled`).
    #[serde(default)]
    pub disabled: bool,
    /// Whether the harness's key is enrolled for it (default true; false gives `bad_signature`).
    pub enrolled: Option<bool>,
    /// Whether the user of the harness's key is in the store's operator group (default true;
    /// false makes every run of the initiator program a fundamental failure, exit 8).
    pub operator: Option<bool>,
}

/// History the World starts with.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHistory {
    /// Earlier approved sales.
    #[serde(default)]
    pub sales: Vec<RawPastSale>,
}

/// An earlier approved sale.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPastSale {
    /// The terminal (default: the first).
    #[schemars(with = "Option<String>")]
    pub tid: Option<Text>,
    /// Minor units.
    #[schemars(with = "i64")]
    pub amount: Spanned<i64>,
    /// Payment method (default `CARD`).
    #[schemars(with = "Option<String>")]
    pub method: Option<Text>,
    /// Its AMS id, so orders can void it (default: drawn from the seed).
    pub ams_id: Option<String>,
    /// When, relative to the start: a negative duration such as `-94d`.
    #[schemars(with = "String")]
    pub at: Text,
    /// The order reference it was made for.
    pub reference: Option<String>,
    /// `open` (default): still in the open batch; `closed`: in a batch closed since.
    #[schemars(with = "Option<String>")]
    pub batch: Option<Text>,
}

/// One order given to the integration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrder {
    /// Unique id, e.g. `o1`.
    #[schemars(with = "String")]
    pub id: Text,
    /// `sale`, `void`, `close_batch` or `invoice`.
    #[schemars(with = "String")]
    pub operation: Text,
    /// The surface (default: the scenario's only surface).
    #[schemars(with = "Option<String>")]
    pub surface: Option<Text>,
    /// The terminal (default: the first).
    #[schemars(with = "Option<String>")]
    pub tid: Option<Text>,
    /// Minor units (tiyin for invoices).
    #[schemars(with = "Option<i64>")]
    pub amount: Option<Spanned<i64>>,
    /// A tip, minor units.
    pub tip: Option<u64>,
    /// Currency (default: the terminal's).
    #[schemars(with = "Option<String>")]
    pub currency: Option<Text>,
    /// Payment method of a sale (default `CARD`).
    #[schemars(with = "Option<String>")]
    pub method: Option<Text>,
    /// The order reference the integration passes on (default: `REF-<id>`; for an invoice, the invoice id).
    #[schemars(with = "Option<String>")]
    pub reference: Option<Text>,
    /// For a void: the AMS id to void (a history sale's `ams_id`).
    #[schemars(with = "Option<String>")]
    pub ams_id: Option<Text>,
    /// For a void: the id of an earlier sale order whose payment to void.
    #[schemars(with = "Option<String>")]
    pub of: Option<Text>,
    /// When the order is given, virtual time after the start (default `0s`).
    #[schemars(with = "Option<String>")]
    pub at: Option<Text>,
    /// Its own deadline (default: the scenario's).
    #[schemars(with = "Option<String>")]
    pub deadline: Option<Text>,
    /// Deep links: whether GP tom hands over the receipt (default true).
    pub print_by_payment_app: Option<bool>,
}

/// How the virtual customer behaves once the integration presents a gateway URI.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCustomer {
    /// Opens the URI this long after it is presented (default `2s`; `never` to ignore it).
    #[schemars(with = "Option<String>")]
    pub opens_after: Option<Text>,
    /// Starts paying this long after opening (default `5s`).
    #[schemars(with = "Option<String>")]
    pub pays_after: Option<Text>,
    /// The payment completes this long after paying starts (default `10s`).
    #[schemars(with = "Option<String>")]
    pub completes_after: Option<Text>,
    /// How it completes: `success` (default), `reject` or `never`.
    #[schemars(with = "Option<String>")]
    pub completes: Option<Text>,
    /// A refund this long after success, if any.
    #[schemars(with = "Option<String>")]
    pub refunds_after: Option<Text>,
    /// Takes each next step only once the integration has been answered the invoice's current
    /// status (default `false`): a status a rule targets then cannot come and go unseen between
    /// two of its requests on a loaded machine.
    pub waits_to_be_seen: Option<bool>,
}

/// What the emulated side does.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScript {
    /// What `status` answers for an order's invoice, step by step.
    #[serde(default)]
    pub status: Vec<RawStatusStep>,
    /// How an order's Cloud API task moves, step by step.
    #[serde(default)]
    pub task: Vec<RawTaskStep>,
    /// Card outcomes, in the order sales reach the card reader.
    #[serde(default)]
    pub card: Vec<RawCard>,
    /// Faults on requests: HTTP statuses, delays, resets, hangs, truncated or malformed bodies.
    #[serde(default)]
    pub http: Vec<RawHttpFault>,
    /// Deep-link answers replaced by an error or a cancellation.
    #[serde(default)]
    pub link: Vec<RawLinkOverride>,
    /// The operator's actions on an assisted terminal.
    #[serde(default)]
    pub operator: Vec<RawOperator>,
    /// Jumps of the virtual clock.
    #[serde(default)]
    pub clock: Vec<RawClock>,
    /// Moments when every access token expires early.
    #[serde(default)]
    pub tokens: Vec<RawTokens>,
}

/// A step of an invoice's status timeline. Exactly one of `status` and `fault`; at most one
/// of `polls`, `hold` and `until` (the last step holds for ever).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStatusStep {
    /// The order (default: the only invoice order).
    #[schemars(with = "Option<String>")]
    pub order: Option<Text>,
    /// The status answered, e.g. `payment_in_process`; the customer is moved to match it.
    #[schemars(with = "Option<String>")]
    pub status: Option<Text>,
    /// A fault answered instead, e.g. `server_error`.
    #[schemars(with = "Option<String>")]
    pub fault: Option<Text>,
    /// Held for this many `status` requests.
    #[schemars(with = "Option<i64>")]
    pub polls: Option<Spanned<i64>>,
    /// Held for this long (virtual).
    #[schemars(with = "Option<String>")]
    pub hold: Option<Text>,
    /// Held until the customer `opens`, `pays` or `completes`.
    #[schemars(with = "Option<String>")]
    pub until: Option<Text>,
}

/// A step of a Cloud API task's timeline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTaskStep {
    /// The order (default: the only Cloud order).
    #[schemars(with = "Option<String>")]
    pub order: Option<Text>,
    /// `QUEUED`, `IN_PROGRESS`, `COMPLETED`, `FAILED` or `CANCELLED`.
    #[schemars(with = "String")]
    pub state: Text,
    /// Held for this many polls of the task.
    #[schemars(with = "Option<i64>")]
    pub polls: Option<Spanned<i64>>,
    /// Held for this long (virtual).
    #[schemars(with = "Option<String>")]
    pub hold: Option<Text>,
    /// For a final step of a sale: the card outcome (default: by test amount).
    #[schemars(with = "Option<String>")]
    pub outcome: Option<Text>,
    /// For a final step: the ECR result code the transaction carries (e.g. `-7`).
    pub result: Option<i32>,
    /// For a `FAILED` sale: the money was captured although the answer was lost.
    #[serde(default)]
    pub captured: bool,
}

/// A card outcome for the next sale on a terminal.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCard {
    /// The terminal (default: the first).
    #[schemars(with = "Option<String>")]
    pub tid: Option<Text>,
    /// `approved`, `declined`, `timeout`, `exception` or `cancelled`.
    #[schemars(with = "String")]
    pub outcome: Text,
    /// How long the card reader takes (default: the profile's 3 s).
    #[schemars(with = "Option<String>")]
    pub after: Option<Text>,
}

/// A fault on matching requests.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHttpFault {
    /// `METHOD /path`, `*` matching one path segment, e.g. `GET /v1/tasks/*`, `POST /hype/v1/status`.
    #[serde(rename = "match")]
    #[schemars(with = "String")]
    pub matcher: Text,
    /// The first matching request it strikes, counting from 1 (default 1).
    #[schemars(with = "Option<i64>")]
    pub from: Option<Spanned<i64>>,
    /// How many matching requests it strikes (default 1; `0` = every one from `from` on).
    #[schemars(with = "Option<i64>")]
    pub times: Option<Spanned<i64>>,
    /// `status`, `reset`, `hang`, `truncate`, `malformed_json`, `slow_drip` or `delay`.
    #[schemars(with = "String")]
    pub fault: Text,
    /// For `status`: the HTTP status, e.g. 503.
    #[schemars(with = "Option<i64>")]
    pub status: Option<Spanned<i64>>,
    /// For `status`: a `Retry-After` (virtual; sent as real seconds rounded up).
    #[schemars(with = "Option<String>")]
    pub retry_after: Option<Text>,
    /// For `delay` and `slow_drip`: how long (virtual).
    #[schemars(with = "Option<String>")]
    pub delay: Option<Text>,
    /// `before_acting` (default: nothing happened) or `after_acting` (it happened; the answer is lost).
    #[schemars(with = "Option<String>")]
    pub when: Option<Text>,
}

/// A deep-link answer replaced.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLinkOverride {
    /// The order (default: the only deep-link order).
    #[schemars(with = "Option<String>")]
    pub order: Option<Text>,
    /// `CANCELLED` or `ERROR`.
    #[schemars(with = "String")]
    pub status: Text,
    /// For `ERROR`: the reason, e.g. `userNotLoggedIn`.
    #[schemars(with = "Option<String>")]
    pub error: Option<Text>,
    /// A refusal category, e.g. `insufficientFunds`.
    pub code: Option<String>,
    /// Which link of the order it replaces, counting from 1 (default 1).
    pub nth: Option<u32>,
}

/// An operator action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    /// When (virtual time after the start).
    #[schemars(with = "String")]
    pub at: Text,
    /// The terminal (default: the first).
    #[schemars(with = "Option<String>")]
    pub tid: Option<Text>,
    /// `pick` (the order's task, or the queue head), `reject`, `card` or `mode`.
    #[schemars(with = "String")]
    pub action: Text,
    /// For `pick`/`reject`: the order whose task.
    #[schemars(with = "Option<String>")]
    pub order: Option<Text>,
    /// For `card`: the outcome.
    #[schemars(with = "Option<String>")]
    pub outcome: Option<Text>,
    /// For `mode`: the new mode.
    #[schemars(with = "Option<String>")]
    pub mode: Option<Text>,
}

/// A jump of the virtual clock.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClock {
    /// When (virtual time after the start).
    #[schemars(with = "String")]
    pub at: Text,
    /// How far, e.g. `94d`.
    #[schemars(with = "String")]
    pub jump: Text,
}

/// Every access token expires early.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTokens {
    /// When (virtual time after the start).
    #[schemars(with = "String")]
    pub at: Text,
}
