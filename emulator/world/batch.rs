//! Batches: the running totals of the open batch ([`OpenBatch`]) and the closed result
//! ([`BatchResult`]) with its per-payment-method sub-batches.

use std::collections::BTreeMap;

use super::codes::PaymentMethod;
use super::ids::{AmsId, Tid};
use super::money::Currency;
use crate::time::VirtualTime;

/// Counts and amounts of one payment method (or of the whole batch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Approved sales.
    pub sale_count: u64,
    /// What they charged, tips included, minor units.
    pub sale_amount: i64,
    /// Approved voids.
    pub void_count: u64,
    /// What they returned, minor units.
    pub void_amount: i64,
}

impl Totals {
    /// `saleCount + voidCount`.
    pub fn total_count(&self) -> u64 {
        self.sale_count + self.void_count
    }

    /// `saleAmount − voidAmount`.
    pub fn total_amount(&self) -> i64 {
        self.sale_amount - self.void_amount
    }

    fn add(&mut self, other: &Totals) {
        self.sale_count += other.sale_count;
        self.sale_amount += other.sale_amount;
        self.void_count += other.void_count;
        self.void_amount += other.void_amount;
    }
}

/// The open batch of a terminal, accumulating as transactions land in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenBatch {
    /// Its number; the next batch gets the next number.
    pub number: u32,
    /// When the previous batch closed, if one did.
    pub previous_batch_date: Option<VirtualTime>,
    /// When the first transaction landed.
    pub first_transaction_date: Option<VirtualTime>,
    /// Totals per payment method.
    pub per_method: BTreeMap<PaymentMethod, Totals>,
    /// Declined or failed transactions.
    pub invalid_count: u64,
    /// Sales that carried a tip.
    pub tip_count: u64,
    /// The tips, minor units.
    pub tip_amount: i64,
    /// What the sales with a tip charged besides their tips, minor units: the base of
    /// `tipAveragePercentage`.
    pub tip_base: i64,
}

/// The payment methods every batch lists in its sub-batches, used or not: seed 000's example
/// lists `CASH` and `CARD`.
pub const ALWAYS_LISTED: [PaymentMethod; 2] = [PaymentMethod::Card, PaymentMethod::Cash];

/// The sub-batches a batch shows: every method used, and [`ALWAYS_LISTED`] with zero totals.
pub fn listed(per_method: &BTreeMap<PaymentMethod, Totals>) -> BTreeMap<PaymentMethod, Totals> {
    let mut all = per_method.clone();
    for method in ALWAYS_LISTED {
        all.entry(method).or_default();
    }
    all
}

/// The average tip of the sales that carried one, minor units (rounded half up; 0 without tips).
/// \[ours\] The SDK names `tipAverage`; what it averages over is ours.
pub fn tip_average(tip_amount: i64, tip_count: u64) -> i64 {
    let count = i64::try_from(tip_count).unwrap_or(i64::MAX);
    if count == 0 { 0 } else { (2 * tip_amount + count) / (2 * count) }
}

/// The tips as a percentage of what the tipped sales charged besides them, to two decimals
/// (0 without tips). \[ours\] The SDK names `tipAveragePercentage`.
pub fn tip_average_percentage(tip_amount: i64, tip_base: i64) -> f64 {
    if tip_base <= 0 {
        return 0.0;
    }
    // In hundredths of a percent, rounded half up, so 450 on 9550 is 4.71, not 4.712041….
    let hundredths = (tip_amount as i128 * 10_000 * 2 + tip_base as i128) / (2 * tip_base as i128);
    hundredths as f64 / 100.0
}

impl OpenBatch {
    /// An empty batch numbered `number`.
    pub fn new(number: u32, previous_batch_date: Option<VirtualTime>) -> Self {
        OpenBatch {
            number,
            previous_batch_date,
            first_transaction_date: None,
            per_method: BTreeMap::new(),
            invalid_count: 0,
            tip_count: 0,
            tip_amount: 0,
            tip_base: 0,
        }
    }

    fn touch(&mut self, at: VirtualTime) {
        self.first_transaction_date.get_or_insert(at);
    }

    /// Records an approved sale charging `total` (tip included).
    pub fn add_sale(&mut self, method: PaymentMethod, total: u64, tip: u64, at: VirtualTime) {
        self.touch(at);
        let t = self.per_method.entry(method).or_default();
        t.sale_count += 1;
        t.sale_amount += to_i64(total);
        if tip > 0 {
            self.tip_count += 1;
            self.tip_amount += to_i64(tip);
            self.tip_base += to_i64(total.saturating_sub(tip));
        }
    }

    /// Records an approved void returning `total`.
    pub fn add_void(&mut self, method: PaymentMethod, total: u64, at: VirtualTime) {
        self.touch(at);
        let t = self.per_method.entry(method).or_default();
        t.void_count += 1;
        t.void_amount += to_i64(total);
    }

    /// Records a declined or failed transaction.
    pub fn add_invalid(&mut self, at: VirtualTime) {
        self.touch(at);
        self.invalid_count += 1;
    }

    /// The totals over every payment method.
    pub fn overall(&self) -> Totals {
        let mut all = Totals::default();
        for t in self.per_method.values() {
            all.add(t);
        }
        all
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A closed batch, as close batch answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchResult {
    /// Its id at the authorisation host.
    pub ams_id: AmsId,
    /// The terminal.
    pub tid: Tid,
    /// The batch number that was closed.
    pub batch_number: u32,
    /// The settlement communication id.
    pub communication_id: String,
    /// The terminal's currency.
    pub currency: Currency,
    /// When it closed.
    pub date: VirtualTime,
    /// When the batch before it closed.
    pub previous_batch_date: Option<VirtualTime>,
    /// When its first transaction landed.
    pub first_transaction_date: Option<VirtualTime>,
    /// Totals over every method.
    pub overall: Totals,
    /// Totals per method (methods with no transactions are left out).
    pub per_method: BTreeMap<PaymentMethod, Totals>,
    /// Declined or failed transactions.
    pub invalid_count: u64,
    /// Sales with a tip.
    pub tip_count: u64,
    /// The tips.
    pub tip_amount: i64,
    /// What the tipped sales charged besides their tips.
    pub tip_base: i64,
}

impl BatchResult {
    /// Closes `open` at `date`.
    pub fn close(
        open: &OpenBatch,
        tid: Tid,
        currency: Currency,
        ams_id: AmsId,
        communication_id: String,
        date: VirtualTime,
    ) -> Self {
        BatchResult {
            ams_id,
            tid,
            batch_number: open.number,
            communication_id,
            currency,
            date,
            previous_batch_date: open.previous_batch_date,
            first_transaction_date: open.first_transaction_date,
            overall: open.overall(),
            per_method: open.per_method.clone(),
            invalid_count: open.invalid_count,
            tip_count: open.tip_count,
            tip_amount: open.tip_amount,
            tip_base: open.tip_base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: VirtualTime = VirtualTime::DEFAULT_START;

    #[test]
    fn an_empty_batch_has_zero_totals() {
        let b = OpenBatch::new(1, None);
        assert_eq!(b.overall(), Totals::default());
        assert_eq!(b.overall().total_amount(), 0);
        assert_eq!(b.first_transaction_date, None);
    }

    #[test]
    fn totals_add_up_overall_and_per_method() {
        let mut b = OpenBatch::new(7, None);
        b.add_sale(PaymentMethod::Card, 10_000, 500, T0);
        b.add_sale(PaymentMethod::Card, 500, 0, T0);
        b.add_sale(PaymentMethod::Cash, 2_000, 0, T0);
        b.add_void(PaymentMethod::Card, 500, T0);
        let all = b.overall();
        assert_eq!((all.sale_count, all.void_count, all.total_count()), (3, 1, 4));
        assert_eq!(all.total_amount(), all.sale_amount - all.void_amount);
        assert_eq!(all.total_amount(), 12_000);
        let card = b.per_method[&PaymentMethod::Card];
        assert_eq!((card.total_count(), card.total_amount()), (3, 10_000));
        assert_eq!((b.tip_count, b.tip_amount), (1, 500));
        assert_eq!(
            (tip_average(b.tip_amount, b.tip_count), tip_average_percentage(b.tip_amount, b.tip_base)),
            (500, 5.26)
        );
    }

    #[test]
    fn tip_figures_round_half_up_and_are_zero_without_tips() {
        assert_eq!(tip_average(0, 0), 0);
        assert_eq!(tip_average(5, 2), 3);
        assert_eq!(tip_average_percentage(0, 0), 0.0);
        assert_eq!(tip_average_percentage(450, 9_550), 4.71);
    }

    #[test]
    fn card_and_cash_are_listed_even_when_unused() {
        let listed = listed(&BTreeMap::new());
        assert_eq!(listed.keys().copied().collect::<Vec<_>>(), ALWAYS_LISTED);
        assert!(listed.values().all(|t| *t == Totals::default()));
    }
}
