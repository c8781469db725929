//! Operations that run at once on a terminal, as a deep link does while the payment app is in
//! the foreground: sale, refund, void, close batch. They skip the Cloud API's task queue but
//! share its terminal, batch and ledger.

use super::codes::{CardOutcome, EcrResult, TransactionType};
use super::events::{ReceiptHandler, WorldEventKind};
use super::ids::{AmsId, Tid};
use super::ledger::Surface;
use super::state::{CreateRefusal, World};
use super::task::{ReceiptType, SaleRequest};
use super::void_rules::check_void;

/// What an immediate payment came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// The transaction.
    pub ams_id: AmsId,
    /// The card outcome (approved for non-card methods unless a script says otherwise).
    pub outcome: CardOutcome,
}

impl World {
    fn check_terminal(&self, tid: &Tid, currency: Option<super::money::Currency>) -> Result<(), CreateRefusal> {
        let t = self.terminals.get(tid).ok_or_else(|| CreateRefusal::UnknownTerminal(tid.clone()))?;
        if let Some(got) = currency.filter(|c| *c != t.currency) {
            return Err(CreateRefusal::CurrencyMismatch { expected: t.currency, got });
        }
        Ok(())
    }

    /// Runs a sale on `tid` now; `request_id` lets `transaction/detail` find it later.
    pub fn sale_now(
        &mut self,
        tid: &Tid,
        sale: &SaleRequest,
        request_id: Option<&str>,
        surface: Surface,
    ) -> Result<Settled, CreateRefusal> {
        self.pay_now(tid, sale, request_id, surface, TransactionType::Sale)
    }

    /// Runs a refund on `tid` now: money back to the customer without voiding a sale.
    pub fn refund_now(
        &mut self,
        tid: &Tid,
        refund: &SaleRequest,
        request_id: Option<&str>,
        surface: Surface,
    ) -> Result<Settled, CreateRefusal> {
        self.pay_now(tid, refund, request_id, surface, TransactionType::Refund)
    }

    fn pay_now(
        &mut self,
        tid: &Tid,
        sale: &SaleRequest,
        request_id: Option<&str>,
        surface: Surface,
        kind: TransactionType,
    ) -> Result<Settled, CreateRefusal> {
        self.check_terminal(tid, Some(sale.currency))?;
        let ams_id = self.open_sale(tid, sale, kind);
        let (outcome, _) = self.settle_sale(tid, &ams_id, sale, None, surface);
        if let Some(id) = request_id {
            self.request_ids.insert(id.to_owned(), ams_id.clone());
        }
        Ok(Settled { ams_id, outcome })
    }

    /// Voids `origin` on `tid` now, if the void rules allow it.
    pub fn void_now(
        &mut self,
        tid: &Tid,
        origin: &AmsId,
        request_id: Option<&str>,
        surface: Surface,
    ) -> Result<AmsId, CreateRefusal> {
        self.check_terminal(tid, None)?;
        let open_batch = self.terminals.get(tid).map_or(0, |t| t.batch.number);
        check_void(self.transactions.get(origin), tid, open_batch, self.now, self.profile.void_window)
            .map_err(CreateRefusal::Void)?;
        let (ams_id, result) = self.settle_void(tid, origin, None, surface);
        debug_assert_eq!(result, EcrResult::SUCCESS, "the rules were checked just above");
        if let Some(id) = request_id {
            self.request_ids.insert(id.to_owned(), ams_id.clone());
        }
        Ok(ams_id)
    }

    /// Closes the open batch of `tid` now, if the authorisation host agrees on its totals.
    pub fn close_batch_now(&mut self, tid: &Tid) -> Result<AmsId, CreateRefusal> {
        self.check_terminal(tid, None)?;
        self.try_close_batch(tid).map_err(CreateRefusal::TotalsDiffer)
    }

    /// Records who hands the receipt of `ams_id` (a transaction or a closed batch) to the
    /// customer, at the World's time now.
    pub fn hand_over_receipt(
        &mut self,
        tid: &Tid,
        ams_id: &AmsId,
        by: ReceiptHandler,
        receipt_type: Option<ReceiptType>,
    ) {
        self.emit(WorldEventKind::ReceiptHandover { tid: tid.clone(), ams_id: ams_id.clone(), by, receipt_type });
    }

    /// The transaction a deep link made with `requestID`.
    pub fn transaction_by_request_id(&self, request_id: &str) -> Option<&super::transaction::Transaction> {
        self.request_ids.get(request_id).and_then(|a| self.transactions.get(a))
    }
}
