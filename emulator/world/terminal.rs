//! Virtual terminals and the merchants that own them: [`Terminal`], [`TerminalMode`],
//! [`Merchant`].

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::batch::OpenBatch;
use super::codes::CardOutcome;
use super::ids::{AmsId, TaskId, Tid};
use super::money::Currency;

/// How a terminal takes its tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalMode {
    /// Runs queued tasks at once, first in first out, one at a time.
    Automatic,
    /// Tasks wait until the operator picks one (or rejects it).
    Assisted,
    /// One task at a time and no queue: a task while busy is refused.
    SemiIntegrated,
}

impl TerminalMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminalMode::Automatic => "automatic",
            TerminalMode::Assisted => "assisted",
            TerminalMode::SemiIntegrated => "semi_integrated",
        }
    }

    /// Reads a wire name (`semi-integrated` is accepted too).
    pub fn parse(text: &str) -> Option<TerminalMode> {
        match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "automatic" => Some(TerminalMode::Automatic),
            "assisted" => Some(TerminalMode::Assisted),
            "semi_integrated" => Some(TerminalMode::SemiIntegrated),
            _ => None,
        }
    }
}

/// A card outcome presented in advance, for the next card sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptCard {
    /// What the reader makes of it.
    pub outcome: CardOutcome,
    /// How long the reader takes (default: the profile's card processing time).
    pub after: Option<crate::time::VirtualDuration>,
}

/// A merchant company with a GP tom login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// The merchant id printed on receipts and used as the deep links' `clientID`.
    pub merchant_id: String,
    /// The login (an e-mail address).
    pub username: String,
    /// The password.
    pub password: String,
}

impl Merchant {
    /// The vendor's documented example merchant: `jan.novak@example.com` / `ABCDEFGHIJKL`.
    pub fn documented_example() -> Self {
        Merchant {
            merchant_id: "223".to_owned(),
            username: "jan.novak@example.com".to_owned(),
            password: "ABCDEFGHIJKL".to_owned(),
        }
    }
}

/// How to set up a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalConfig {
    /// Its TID.
    pub tid: Tid,
    /// Its currency.
    pub currency: Currency,
    /// The merchant that owns it.
    pub merchant_id: String,
    /// How it takes tasks.
    pub mode: TerminalMode,
}

impl TerminalConfig {
    /// The vendor's documented example terminal: TID `999888`, CZK, automatic mode.
    pub fn documented_example() -> Self {
        TerminalConfig {
            tid: Tid::from("999888"),
            currency: Currency::CZK,
            merchant_id: "223".to_owned(),
            mode: TerminalMode::Automatic,
        }
    }
}

/// A virtual terminal: its queue, the task it runs, its open batch.
#[derive(Clone, Debug)]
pub struct Terminal {
    /// Its TID.
    pub tid: Tid,
    /// Its currency.
    pub currency: Currency,
    /// The merchant that owns it.
    pub merchant_id: String,
    /// How it takes tasks.
    pub mode: TerminalMode,
    /// Every task ever created for it, oldest first.
    pub tasks: Vec<TaskId>,
    /// Tasks waiting to run, in arrival order.
    pub queue: VecDeque<TaskId>,
    /// The task running now.
    pub current: Option<TaskId>,
    /// Whether the running card sale waits for the operator to present a card.
    pub waiting_for_card: bool,
    /// Card outcomes presented in advance, used by the next card sales in order.
    pub next_cards: VecDeque<KeptCard>,
    /// The open batch.
    pub batch: OpenBatch,
    /// Closed batches, oldest first.
    pub closed_batches: Vec<AmsId>,
    /// The last receipt number used.
    pub receipt_seq: u32,
    /// How far the authorisation host's sum of the open batch is from the terminal's, minor
    /// units: anything but 0 makes every close batch fail until they agree again.
    pub host_totals_differ_by: i64,
    /// Whether a pickup of the queue head is already scheduled.
    pub(crate) start_scheduled: bool,
}

impl Terminal {
    /// A new idle terminal with an empty batch number 1.
    pub fn new(config: TerminalConfig) -> Self {
        Terminal {
            tid: config.tid,
            currency: config.currency,
            merchant_id: config.merchant_id,
            mode: config.mode,
            tasks: Vec::new(),
            queue: VecDeque::new(),
            current: None,
            waiting_for_card: false,
            next_cards: VecDeque::new(),
            batch: OpenBatch::new(1, None),
            closed_batches: Vec::new(),
            receipt_seq: 0,
            host_totals_differ_by: 0,
            start_scheduled: false,
        }
    }

    /// Whether it runs or holds a task.
    pub fn is_busy(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty()
    }
}
