//! HyPe Initiator invoices and the virtual customer who pays them: [`Invoice`],
//! [`InvoiceStatus`] and the pure [`next_status`] transition function.
//!
//! ```text
//!           open              pay                succeed
//!  created ──────▶ reached ──────▶ payment_in_process ──────▶ completed_success
//!     │               │                   │                          │ refund
//!     └─── reject ────┴────── reject ─────┘                          ▼
//!                     ▼                                      completed_refunded
//!             completed_rejected
//! ```
//! `undeterminable` and `unexpected` are never reached by the customer: scenarios script them.

use serde::{Deserialize, Serialize};

use crate::time::VirtualTime;

/// What `status` answers for an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// The service is resolving a transition right now.
    Undeterminable,
    /// Just created; nobody has touched it.
    Created,
    /// The customer opened the gateway URI.
    Reached,
    /// The customer is paying; the service awaits the payment from upstream.
    PaymentInProcess,
    /// Paid (a refund can still follow).
    CompletedSuccess,
    /// Paid, then refunded. Final.
    CompletedRefunded,
    /// The customer rejected it. Final.
    CompletedRejected,
    /// An internal protocol inconsistency.
    Unexpected,
}

impl InvoiceStatus {
    /// Every status.
    pub const ALL: [InvoiceStatus; 8] = [
        InvoiceStatus::Undeterminable,
        InvoiceStatus::Created,
        InvoiceStatus::Reached,
        InvoiceStatus::PaymentInProcess,
        InvoiceStatus::CompletedSuccess,
        InvoiceStatus::CompletedRefunded,
        InvoiceStatus::CompletedRejected,
        InvoiceStatus::Unexpected,
    ];

    /// The wire name, e.g. `payment_in_process`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Undeterminable => "undeterminable",
            InvoiceStatus::Created => "created",
            InvoiceStatus::Reached => "reached",
            InvoiceStatus::PaymentInProcess => "payment_in_process",
            InvoiceStatus::CompletedSuccess => "completed_success",
            InvoiceStatus::CompletedRefunded => "completed_refunded",
            InvoiceStatus::CompletedRejected => "completed_rejected",
            InvoiceStatus::Unexpected => "unexpected",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<InvoiceStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the customer's money is with the merchant in this status.
    pub fn is_paid(self) -> bool {
        self == InvoiceStatus::CompletedSuccess
    }
}

/// What the virtual customer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerAction {
    /// Opens the gateway URI.
    Open,
    /// Starts paying.
    Pay,
    /// The payment arrives from upstream.
    Succeed,
    /// Rejects the transaction.
    Reject,
    /// The merchant refunds a completed payment.
    Refund,
}

impl CustomerAction {
    /// Every action.
    pub const ALL: [CustomerAction; 5] = [
        CustomerAction::Open,
        CustomerAction::Pay,
        CustomerAction::Succeed,
        CustomerAction::Reject,
        CustomerAction::Refund,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerAction::Open => "open",
            CustomerAction::Pay => "pay",
            CustomerAction::Succeed => "succeed",
            CustomerAction::Reject => "reject",
            CustomerAction::Refund => "refund",
        }
    }

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<CustomerAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// A customer action that does not apply in the invoice's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the customer cannot {} an invoice that is {}", action.as_str(), status.as_str())]
pub struct InvalidCustomerAction {
    /// The status the invoice was in.
    pub status: InvoiceStatus,
    /// The action.
    pub action: CustomerAction,
}

/// The invoice state machine: the status after `action`, or why it cannot happen now.
pub fn next_status(status: InvoiceStatus, action: CustomerAction) -> Result<InvoiceStatus, InvalidCustomerAction> {
    use CustomerAction::*;
    use InvoiceStatus::*;
    match (status, action) {
        (Created | Reached, Open) => Ok(Reached),
        (Created | Reached, Pay) => Ok(PaymentInProcess),
        (PaymentInProcess, Succeed) => Ok(CompletedSuccess),
        (Created | Reached | PaymentInProcess, Reject) => Ok(CompletedRejected),
        (CompletedSuccess, Refund) => Ok(CompletedRefunded),
        _ => Err(InvalidCustomerAction { status, action }),
    }
}

/// One line of an invoice's fiscal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fiscal {
    /// Item name.
    pub name: String,
    /// Quantity.
    pub amount: u64,
    /// Product classification code.
    pub code_mxik: String,
    /// VAT rate.
    pub vat: u64,
    /// VAT amount, tiyin.
    pub vat_price: u64,
    /// `amount × price_per_unit`, tiyin.
    pub price_total: u64,
    /// Unit price, tiyin.
    pub price_per_unit: u64,
    /// Package code.
    pub code_mxik_package: String,
}

/// An invoice issued through the initiator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// The service's identifier (a UUID).
    pub identifier: String,
    /// The integrator's invoice id, unique per store per year.
    pub invoice: String,
    /// The store.
    pub store: String,
    /// Total, tiyin.
    pub total: u64,
    /// Fiscal lines.
    pub fiscals: Vec<Fiscal>,
    /// Current status.
    pub status: InvoiceStatus,
    /// When it was issued.
    pub created: VirtualTime,
    /// When its status last changed.
    pub updated: VirtualTime,
    /// The URI the customer pays through.
    pub gateway_uri: String,
    /// How many times the integration handed the URI to the customer.
    pub presented: u32,
}

/// An enrolled store: its public keys, whose users are outside its operator group, and
/// whether its endpoint is disabled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    /// Enrolled Ed25519 public keys by key id.
    pub keys: Vec<(String, [u8; 32])>,
    /// Key ids whose users are not members of the operator group (seed 002: the initiator is
    /// run as a member of it). Every other enrolled key's user is.
    pub outsiders: std::collections::BTreeSet<String>,
    /// Whether the store's endpoint is disabled (`user_disabled`).
    pub disabled: bool,
}

impl Store {
    /// Whether the user of `key_id` is a member of the store's operator group.
    pub fn is_operator(&self, key_id: &str) -> bool {
        !self.outsiders.contains(key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerAction::*;
    use InvoiceStatus::*;
    use rstest::rstest;

    #[rstest]
    #[case::customer_opens_the_uri(Created, Open, Reached)]
    #[case::opening_twice_stays_reached(Reached, Open, Reached)]
    #[case::customer_pays_after_opening(Reached, Pay, PaymentInProcess)]
    #[case::customer_pays_straight_away(Created, Pay, PaymentInProcess)]
    #[case::payment_arrives(PaymentInProcess, Succeed, CompletedSuccess)]
    #[case::customer_rejects_before_opening(Created, Reject, CompletedRejected)]
    #[case::customer_rejects_while_paying(PaymentInProcess, Reject, CompletedRejected)]
    #[case::merchant_refunds_a_paid_invoice(CompletedSuccess, Refund, CompletedRefunded)]
    fn allowed(#[case] from: InvoiceStatus, #[case] action: CustomerAction, #[case] to: InvoiceStatus) {
        assert_eq!(next_status(from, action), Ok(to));
    }

    #[rstest]
    #[case::no_success_without_paying(Reached, Succeed)]
    #[case::no_refund_before_success(PaymentInProcess, Refund)]
    #[case::refunded_is_final(CompletedRefunded, Refund)]
    #[case::rejected_is_final(CompletedRejected, Pay)]
    #[case::paid_cannot_be_rejected(CompletedSuccess, Reject)]
    #[case::no_reopening_while_paying(PaymentInProcess, Open)]
    fn refused(#[case] from: InvoiceStatus, #[case] action: CustomerAction) {
        assert!(next_status(from, action).is_err());
    }
}
