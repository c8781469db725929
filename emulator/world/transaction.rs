//! Transactions on a terminal: [`Transaction`], with the card data a receipt shows.

use super::codes::{EcrResult, PaymentMethod, TaskErrorCode, TransactionType};
use super::ids::{AmsId, Tid};
use super::money::Currency;
use crate::time::VirtualTime;

/// The masked card a customer presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardData {
    /// Masked number, last four digits shown.
    pub masked_number: String,
    /// Scheme, e.g. `VISA`.
    pub card_type: &'static str,
    /// How the card was read, e.g. `CONTACTLESS`.
    pub entry_mode: &'static str,
    /// Whether a PIN was verified.
    pub pin_ok: bool,
}

/// The cards the virtual customer holds; one is chosen per sale from the seeded RNG.
pub const TEST_CARDS: &[(&str, &str)] =
    &[("VISA", "************0119"), ("MASTERCARD", "************4444"), ("MAESTRO", "************0035")];

/// A sale or void as the terminal and the authorisation host record it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// Its id at the authorisation host.
    pub ams_id: AmsId,
    /// The terminal that made it.
    pub tid: Tid,
    /// Sale or void.
    pub kind: TransactionType,
    /// How it was paid (a void takes the sale's method).
    pub method: PaymentMethod,
    /// Amount without the tip, minor units.
    pub amount: u64,
    /// Tip, minor units.
    pub tip_amount: u64,
    /// Currency.
    pub currency: Currency,
    /// ECR result code; `-9` while the terminal waits for the card.
    pub result: EcrResult,
    /// The numbered error of a declined or failed transaction.
    pub error: Option<TaskErrorCode>,
    /// The card, for card transactions that reached the reader.
    pub card: Option<CardData>,
    /// Issuer approval code, when approved.
    pub approval_code: Option<String>,
    /// Retrieval reference number.
    pub reference_number: String,
    /// The batch it belongs to.
    pub batch_number: u32,
    /// The terminal's receipt sequence number.
    pub receipt_number: u32,
    /// When it was made.
    pub date: VirtualTime,
    /// Whether a later void returned its money.
    pub voided: bool,
    /// For a void: the sale it voids.
    pub origin: Option<AmsId>,
    /// The integrator's order reference.
    pub order_reference: Option<String>,
}

impl Transaction {
    /// Amount plus tip: what the customer was (or would be) charged.
    pub fn total_amount(&self) -> u64 {
        self.amount.saturating_add(self.tip_amount)
    }

    /// Whether money moved: an approved sale or void.
    pub fn is_approved(&self) -> bool {
        self.result == EcrResult::SUCCESS
    }

    /// The response message shown with the result, e.g. `"APPROVED"`.
    pub fn response_message(&self) -> &'static str {
        match (self.result, self.error) {
            (EcrResult::SUCCESS, _) => "APPROVED",
            (_, Some(code)) => code.name,
            (result, None) => result.name(),
        }
    }
}
