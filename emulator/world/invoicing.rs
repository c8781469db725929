//! HyPe Initiator invoices in the World: stores and their enrolled keys, issuing invoices
//! (unique per store per year, idempotent for the same content), and the virtual customer's
//! actions, which move money in the ledger.

use time::OffsetDateTime;

use super::events::WorldEventKind;
use super::invoice::{CustomerAction, Fiscal, InvalidCustomerAction, Invoice, InvoiceStatus, Store, next_status};
use super::ledger::{LedgerEntry, LedgerKind, Surface};
use super::money::Currency;
use super::state::World;
use crate::time::VirtualTime;

/// An invoice as the integration asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceOrder {
    /// The integrator's invoice id.
    pub invoice: String,
    /// The store.
    pub store: String,
    /// Total, tiyin.
    pub total: u64,
    /// Fiscal lines.
    pub fiscals: Vec<Fiscal>,
}

/// Why an invoice was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceRefusal {
    /// The store has no enrolled key.
    #[error("store `{0}` is not enrolled")]
    UnknownStore(String),
    /// The store's endpoint is disabled.
    #[error("store `{0}` is disabled")]
    StoreDisabled(String),
    /// The invoice id was used this year with other content.
    #[error(
        "invoice id `{invoice}` was already used this year in store `{store}` with different content (hint: invoice ids are unique per store per year; use a new one, e.g. `{invoice}-2`)"
    )]
    Conflict {
        /// The store.
        store: String,
        /// The invoice id.
        invoice: String,
    },
    /// `total` is not the sum of the fiscal lines.
    #[error("total {total} is not the sum of the fiscals' price_total ({sum})")]
    TotalMismatch {
        /// The total given.
        total: u64,
        /// The sum of `price_total` (wider than a total can be, so an overflowing sum is shown
        /// as it is rather than wrapped or capped to look like a match).
        sum: u128,
    },
    /// A fiscal line's `price_total` is not `amount × price_per_unit`.
    #[error("fiscals[{index}].price_total {price_total} is not amount × price_per_unit ({expected})")]
    FiscalMismatch {
        /// Which line.
        index: usize,
        /// Its `price_total`.
        price_total: u64,
        /// `amount × price_per_unit`, which may be past what a `u64` holds.
        expected: u128,
    },
}

/// Why a customer action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CustomerRefusal {
    /// No invoice has that identifier.
    #[error("no invoice `{0}`")]
    UnknownInvoice(String),
    /// The action does not apply now.
    #[error(transparent)]
    Invalid(#[from] InvalidCustomerAction),
}

fn year_of(t: VirtualTime) -> i32 {
    OffsetDateTime::from_unix_timestamp(t.0.div_euclid(1000)).map_or(1970, |d| d.year())
}

/// Checks the arithmetic of an invoice order.
pub fn check_totals(order: &InvoiceOrder) -> Result<(), InvoiceRefusal> {
    // In u128, where a product of two u64 and a sum of any practical number of them fit: with
    // saturating u64 arithmetic, 2 × u64::MAX "equals" a price_total of u64::MAX.
    let mut sum: u128 = 0;
    for (index, f) in order.fiscals.iter().enumerate() {
        let expected = u128::from(f.amount) * u128::from(f.price_per_unit);
        if u128::from(f.price_total) != expected {
            return Err(InvoiceRefusal::FiscalMismatch { index, price_total: f.price_total, expected });
        }
        sum = sum.saturating_add(u128::from(f.price_total));
    }
    if sum != u128::from(order.total) {
        return Err(InvoiceRefusal::TotalMismatch { total: order.total, sum });
    }
    Ok(())
}

impl World {
    /// Enrolls `public_key` as `key_id` for `store` (the administrative step).
    pub fn enroll(&mut self, store: &str, key_id: &str, public_key: [u8; 32]) {
        let s = self.stores.entry(store.to_owned()).or_default();
        s.keys.retain(|(id, _)| id != key_id);
        s.keys.push((key_id.to_owned(), public_key));
    }

    /// Makes `store` known to the service before any key is enrolled for it: its requests
    /// then get `bad_signature` until one is, rather than `resource_not_found`.
    pub fn declare_store(&mut self, store: &str) {
        self.stores.entry(store.to_owned()).or_default();
    }

    /// The store named `store`.
    pub fn store(&self, store: &str) -> Option<&Store> {
        self.stores.get(store)
    }

    /// Every store by name.
    pub fn stores(&self) -> impl Iterator<Item = (&String, &Store)> {
        self.stores.iter()
    }

    /// Puts the user of `key_id` into the store's operator group, or takes them out of it.
    pub fn set_operator(&mut self, store: &str, key_id: &str, operator: bool) -> Result<(), InvoiceRefusal> {
        let s = self.stores.get_mut(store).ok_or_else(|| InvoiceRefusal::UnknownStore(store.to_owned()))?;
        if operator {
            s.outsiders.remove(key_id);
        } else {
            s.outsiders.insert(key_id.to_owned());
        }
        Ok(())
    }

    /// Disables (or re-enables) a store's endpoint.
    pub fn set_store_disabled(&mut self, store: &str, disabled: bool) -> Result<(), InvoiceRefusal> {
        let s = self.stores.get_mut(store).ok_or_else(|| InvoiceRefusal::UnknownStore(store.to_owned()))?;
        s.disabled = disabled;
        Ok(())
    }

    /// Issues an invoice, or returns the one already issued this year under the same id
    /// with the same content. The flag says whether it is new. `gateway_base` is where the
    /// customer pays (the identifier is appended).
    pub fn issue_invoice(
        &mut self,
        order: InvoiceOrder,
        gateway_base: &str,
    ) -> Result<(&Invoice, bool), InvoiceRefusal> {
        let store = self.stores.get(&order.store).ok_or_else(|| InvoiceRefusal::UnknownStore(order.store.clone()))?;
        if store.disabled {
            return Err(InvoiceRefusal::StoreDisabled(order.store.clone()));
        }
        check_totals(&order)?;
        let key = (order.store.clone(), year_of(self.now), order.invoice.clone());
        if let Some(identifier) = self.invoice_index.get(&key).cloned() {
            let existing = &self.invoices[&identifier];
            if existing.total == order.total && existing.fiscals == order.fiscals {
                return Ok((&self.invoices[&identifier], false));
            }
            return Err(InvoiceRefusal::Conflict { store: order.store, invoice: order.invoice });
        }
        let identifier = self.ids.uuid();
        let invoice = Invoice {
            identifier: identifier.clone(),
            invoice: order.invoice.clone(),
            store: order.store.clone(),
            total: order.total,
            fiscals: order.fiscals,
            status: InvoiceStatus::Created,
            created: self.now,
            updated: self.now,
            gateway_uri: format!("{gateway_base}{identifier}"),
            presented: 0,
        };
        self.invoice_index.insert(key, identifier.clone());
        self.invoices.insert(identifier.clone(), invoice);
        self.emit(WorldEventKind::InvoiceIssued {
            identifier: identifier.clone(),
            invoice: order.invoice,
            store: order.store,
        });
        Ok((&self.invoices[&identifier], true))
    }

    /// The invoice with `identifier`.
    pub fn invoice(&self, identifier: &str) -> Option<&Invoice> {
        self.invoices.get(identifier)
    }

    /// Every invoice, oldest first.
    pub fn invoices(&self) -> Vec<&Invoice> {
        let mut all: Vec<&Invoice> = self.invoices.values().collect();
        all.sort_by(|a, b| (a.created, &a.identifier).cmp(&(b.created, &b.identifier)));
        all
    }

    /// The virtual customer does `action` on invoice `identifier`; success captures the money
    /// and a refund returns it, in the ledger.
    pub fn customer_act(&mut self, identifier: &str, action: CustomerAction) -> Result<InvoiceStatus, CustomerRefusal> {
        let now = self.now;
        let inv =
            self.invoices.get_mut(identifier).ok_or_else(|| CustomerRefusal::UnknownInvoice(identifier.to_owned()))?;
        let status = next_status(inv.status, action)?;
        inv.status = status;
        inv.updated = now;
        let entry = match action {
            CustomerAction::Succeed => Some(LedgerKind::Capture),
            CustomerAction::Refund => Some(LedgerKind::Refund),
            _ => None,
        }
        .map(|kind| LedgerEntry {
            at: now,
            kind,
            payment: inv.identifier.clone(),
            amount: inv.total,
            currency: Currency::UZS,
            reference: Some(inv.invoice.clone()),
            surface: Surface::Initiator,
        });
        if let Some(entry) = entry {
            self.ledger.record(entry);
        }
        self.emit(WorldEventKind::InvoiceStatus { identifier: identifier.to_owned(), status, action: Some(action) });
        Ok(status)
    }

    /// Sets an invoice's status as a script says (e.g. `undeterminable`), moving no money.
    pub fn force_invoice_status(&mut self, identifier: &str, status: InvoiceStatus) -> Result<(), CustomerRefusal> {
        let now = self.now;
        let inv =
            self.invoices.get_mut(identifier).ok_or_else(|| CustomerRefusal::UnknownInvoice(identifier.to_owned()))?;
        inv.status = status;
        inv.updated = now;
        self.emit(WorldEventKind::InvoiceStatus { identifier: identifier.to_owned(), status, action: None });
        Ok(())
    }

    /// Records that the integration handed the gateway URI of `identifier` to the customer.
    pub fn note_presented(&mut self, identifier: &str) -> Result<u32, CustomerRefusal> {
        let inv =
            self.invoices.get_mut(identifier).ok_or_else(|| CustomerRefusal::UnknownInvoice(identifier.to_owned()))?;
        inv.presented += 1;
        let (count, status) = (inv.presented, inv.status);
        self.emit(WorldEventKind::UriPresented { identifier: identifier.to_owned(), status });
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::World;

    fn world() -> World {
        let mut w = World::documented_example(1, VirtualTime::DEFAULT_START);
        w.enroll("testingstore", "k1", [7; 32]);
        w
    }

    fn fiscal(amount: u64, unit: u64) -> Fiscal {
        Fiscal {
            name: "item".into(),
            amount,
            code_mxik: "10305008004000000".into(),
            vat: 0,
            vat_price: 0,
            price_total: amount * unit,
            price_per_unit: unit,
            code_mxik_package: "1546606".into(),
        }
    }

    fn order(invoice: &str, total: u64) -> InvoiceOrder {
        InvoiceOrder { invoice: invoice.into(), store: "testingstore".into(), total, fiscals: vec![fiscal(1, total)] }
    }

    #[test]
    fn the_same_invoice_twice_is_the_same_transaction() {
        let mut w = world();
        let first = w.issue_invoice(order("TEST-2024", 600_000), "x/").unwrap().0.identifier.clone();
        let (again, new) = w.issue_invoice(order("TEST-2024", 600_000), "x/").unwrap();
        assert_eq!((again.identifier.clone(), new), (first, false));
    }

    #[test]
    fn an_invoice_id_reused_with_other_content_is_refused() {
        let mut w = world();
        w.issue_invoice(order("TEST-2024", 600_000), "x/").unwrap();
        assert!(matches!(w.issue_invoice(order("TEST-2024", 500_000), "x/"), Err(InvoiceRefusal::Conflict { .. })));
    }

    #[test]
    fn an_invoice_id_can_be_reused_the_next_year() {
        let mut w = world();
        w.issue_invoice(order("TEST-2024", 600_000), "x/").unwrap();
        w.advance_by(crate::time::VirtualDuration::days(366));
        assert!(w.issue_invoice(order("TEST-2024", 500_000), "x/").unwrap().1);
    }

    #[test]
    fn totals_must_add_up() {
        let mut w = world();
        let mut bad = order("A", 600_000);
        bad.total = 600_001;
        assert_eq!(
            w.issue_invoice(bad, "x/").unwrap_err(),
            InvoiceRefusal::TotalMismatch { total: 600_001, sum: 600_000 }
        );
        let mut bad_line = order("B", 600_000);
        bad_line.fiscals[0].amount = 2;
        assert!(matches!(w.issue_invoice(bad_line, "x/"), Err(InvoiceRefusal::FiscalMismatch { index: 0, .. })));
    }

    #[test]
    fn totals_past_u64_do_not_add_up_by_saturating() {
        // Arrange: 2 × u64::MAX given as u64::MAX, and two lines of u64::MAX summed to u64::MAX.
        let mut w = world();
        let mut product = order("P", u64::MAX);
        product.fiscals[0].amount = 2;
        product.fiscals[0].price_per_unit = u64::MAX;
        product.fiscals[0].price_total = u64::MAX;
        let mut sum = order("S", u64::MAX);
        sum.fiscals[0].amount = 1;
        sum.fiscals[0].price_per_unit = u64::MAX;
        sum.fiscals[0].price_total = u64::MAX;
        sum.fiscals.push(sum.fiscals[0].clone());

        // Act, Assert
        let expected = 2 * u128::from(u64::MAX);
        assert_eq!(
            w.issue_invoice(product, "x/").unwrap_err(),
            InvoiceRefusal::FiscalMismatch { index: 0, price_total: u64::MAX, expected }
        );
        assert_eq!(
            w.issue_invoice(sum, "x/").unwrap_err(),
            InvoiceRefusal::TotalMismatch { total: u64::MAX, sum: expected }
        );
    }

    #[test]
    fn unknown_and_disabled_stores_are_refused() {
        let mut w = world();
        let mut other = order("A", 100);
        other.store = "elsewhere".into();
        assert!(matches!(w.issue_invoice(other, "x/"), Err(InvoiceRefusal::UnknownStore(_))));
        w.set_store_disabled("testingstore", true).unwrap();
        assert!(matches!(w.issue_invoice(order("A", 100), "x/"), Err(InvoiceRefusal::StoreDisabled(_))));
    }

    #[test]
    fn a_paid_then_refunded_invoice_moves_money_in_and_out() {
        let mut w = world();
        let id = w.issue_invoice(order("TEST-2024", 600_000), "x/").unwrap().0.identifier.clone();
        for action in [CustomerAction::Open, CustomerAction::Pay, CustomerAction::Succeed] {
            w.customer_act(&id, action).unwrap();
        }
        assert_eq!(w.ledger().standing_payments(Some("TEST-2024")), 1);
        assert_eq!(w.customer_act(&id, CustomerAction::Refund).unwrap(), InvoiceStatus::CompletedRefunded);
        assert_eq!(w.ledger().standing_payments(Some("TEST-2024")), 0);
    }
}
