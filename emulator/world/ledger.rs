//! The ledger: the ground truth of every capture, void and refund, per order reference.
//! The judge reads money safety from here, never from what an integration says.

use std::collections::BTreeMap;

use serde::Serialize;

use super::money::Currency;
use crate::time::VirtualTime;

/// What moved money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// The customer was charged.
    Capture,
    /// A capture was voided (money returned before settlement).
    Void,
    /// A capture was refunded (money returned after settlement).
    Refund,
}

/// The surface through which the money moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// GP tom Cloud API.
    Cloud,
    /// GP tom deep links.
    App2app,
    /// HyPe Initiator.
    Initiator,
}

impl Surface {
    /// `cloud`, `app2app` or `initiator`, as scenarios and the driver contract spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Cloud => "cloud",
            Surface::App2app => "app2app",
            Surface::Initiator => "initiator",
        }
    }
}

/// One movement of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    /// When it happened.
    pub at: VirtualTime,
    /// Capture, void or refund.
    pub kind: LedgerKind,
    /// The payment's id: an AMS id, or an invoice identifier.
    pub payment: String,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// The order reference the integration passed on, if it did.
    pub reference: Option<String>,
    /// Where it happened.
    pub surface: Surface,
}

/// The state of one payment according to the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentBalance {
    /// Minor units captured.
    pub captured: u64,
    /// Minor units returned by voids or refunds.
    pub returned: u64,
}

impl PaymentBalance {
    /// Whether the customer is still out of pocket for this payment.
    pub fn is_standing(&self) -> bool {
        self.captured > self.returned
    }
}

/// Every movement of money, in order.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
}

impl Ledger {
    /// Records a movement.
    pub fn record(&mut self, entry: LedgerEntry) {
        self.entries.push(entry);
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// Balances per payment, for one order reference (or for unattributed money with
    /// `None`), as they stood at `at` (inclusive).
    pub fn payments_for(&self, reference: Option<&str>, at: VirtualTime) -> BTreeMap<String, PaymentBalance> {
        let mut out: BTreeMap<String, PaymentBalance> = BTreeMap::new();
        for e in self.entries.iter().filter(|e| e.at <= at && e.reference.as_deref() == reference) {
            let b = out.entry(e.payment.clone()).or_default();
            match e.kind {
                LedgerKind::Capture => b.captured += e.amount,
                LedgerKind::Void | LedgerKind::Refund => b.returned += e.amount,
            }
        }
        out
    }

    /// Payments still standing for `reference` now: each is money the customer paid.
    pub fn standing_payments(&self, reference: Option<&str>) -> usize {
        self.payments_for(reference, VirtualTime(i64::MAX)).values().filter(|b| b.is_standing()).count()
    }

    /// Net money captured minus returned over the whole ledger, per currency.
    pub fn net(&self) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for e in &self.entries {
            let sign = if e.kind == LedgerKind::Capture { 1 } else { -1 };
            *out.entry(e.currency.code().to_owned()).or_insert(0) += sign * i64::try_from(e.amount).unwrap_or(i64::MAX);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: LedgerKind, payment: &str, amount: u64, reference: &str, at: i64) -> LedgerEntry {
        LedgerEntry {
            at: VirtualTime(at),
            kind,
            payment: payment.to_owned(),
            amount,
            currency: Currency::CZK,
            reference: Some(reference.to_owned()),
            surface: Surface::Cloud,
        }
    }

    #[test]
    fn two_captures_for_one_order_are_two_standing_payments() {
        let mut l = Ledger::default();
        l.record(entry(LedgerKind::Capture, "A", 100, "o1", 1));
        l.record(entry(LedgerKind::Capture, "B", 100, "o1", 2));
        assert_eq!(l.standing_payments(Some("o1")), 2);
    }

    #[test]
    fn a_voided_capture_no_longer_stands() {
        let mut l = Ledger::default();
        l.record(entry(LedgerKind::Capture, "A", 100, "o1", 1));
        l.record(entry(LedgerKind::Void, "A", 100, "o1", 5));
        assert_eq!(l.standing_payments(Some("o1")), 0);
        let at_2 = l.payments_for(Some("o1"), VirtualTime(2));
        assert!(at_2["A"].is_standing(), "before the void the payment stood");
        assert_eq!(l.net()["CZK"], 0);
    }
}
