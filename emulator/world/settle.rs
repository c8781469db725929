//! Settlement: what a sale, a refund, a void or a close batch does to transactions, the batch
//! and the ledger when the terminal runs it — shared by Cloud API tasks and deep links.

use super::batch::{BatchResult, OpenBatch};
use super::codes::{CardOutcome, EcrResult, PaymentMethod, TaskErrorCode, TransactionType};
use super::events::WorldEventKind;
use super::ids::{AmsId, Tid};
use super::ledger::{LedgerEntry, LedgerKind, Surface};
use super::state::World;
use super::task::SaleRequest;
use super::transaction::{CardData, TEST_CARDS, Transaction};
use super::void_rules::check_void;

/// Why a close batch failed: the terminal's and the authorisation host's totals differ.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "terminal {tid} and the authorisation host hold different totals for batch {batch_number} \
     (terminal {terminal}, host {host} minor units); the batch stays open"
)]
pub struct TotalsMismatch {
    /// The terminal.
    pub tid: Tid,
    /// The batch that stays open.
    pub batch_number: u32,
    /// The terminal's total amount.
    pub terminal: i64,
    /// The host's.
    pub host: i64,
}

impl World {
    /// Opens the transaction of a sale (or refund) as it starts: result `-9` until settled.
    pub(crate) fn open_sale(&mut self, tid: &Tid, sale: &SaleRequest, kind: TransactionType) -> AmsId {
        let ams_id = self.ids.ams_id();
        let reference_number = self.ids.digits(12);
        let now = self.now;
        let t = self.terminal_mut(tid);
        t.receipt_seq += 1;
        let tx = Transaction {
            ams_id: ams_id.clone(),
            tid: tid.clone(),
            kind,
            method: sale.method,
            amount: sale.amount,
            tip_amount: sale.tip_amount.unwrap_or(0),
            currency: sale.currency,
            result: EcrResult::USER_INPUT_NEEDED,
            error: None,
            card: None,
            approval_code: None,
            reference_number,
            batch_number: t.batch.number,
            receipt_number: t.receipt_seq,
            date: now,
            voided: false,
            origin: None,
            order_reference: sale.reference.clone(),
        };
        self.transactions.insert(ams_id.clone(), tx);
        ams_id
    }

    /// Decides and records the outcome of the open sale (or refund) `ams_id`; `card`
    /// overrides the outcome of a card payment, else a card kept on the terminal, else the
    /// test amount.
    pub(crate) fn settle_sale(
        &mut self,
        tid: &Tid,
        ams_id: &AmsId,
        sale: &SaleRequest,
        card: Option<CardOutcome>,
        surface: Surface,
    ) -> (CardOutcome, Option<TaskErrorCode>) {
        let kind = self.transactions.get(ams_id).map_or(TransactionType::Sale, |t| t.kind);
        let outcome = if sale.method == PaymentMethod::Card {
            let kept = self.terminal_mut(tid).next_cards.pop_front().map(|c| c.outcome);
            let outcome = card.or(kept).unwrap_or_else(|| CardOutcome::for_test_amount(sale.amount));
            self.emit(WorldEventKind::CardRead { tid: tid.clone(), ams_id: ams_id.clone(), outcome });
            outcome
        } else {
            card.unwrap_or(CardOutcome::Approved)
        };
        let card_data = (sale.method == PaymentMethod::Card).then(|| {
            let (card_type, masked) = TEST_CARDS[self.ids.below(TEST_CARDS.len())];
            CardData { masked_number: masked.to_owned(), card_type, entry_mode: "CONTACTLESS", pin_ok: true }
        });
        let approval = (outcome == CardOutcome::Approved).then(|| self.ids.approval_code());
        let (result, error) = match outcome {
            CardOutcome::Approved => (EcrResult::SUCCESS, None),
            CardOutcome::Declined => (EcrResult::DECLINED, Some(TaskErrorCode::PAYMENT_DECLINED)),
            CardOutcome::Timeout => (EcrResult::FAILED, Some(TaskErrorCode::TRANSACTION_TIMEOUT)),
            CardOutcome::Exception => (EcrResult::FAILED, Some(TaskErrorCode::TECHNICAL_ERROR)),
            CardOutcome::Cancelled => (EcrResult::FAILED, Some(TaskErrorCode::CANCELLED_ON_DEVICE)),
        };
        let now = self.now;
        let Some(tx) = self.transactions.get_mut(ams_id) else { return (outcome, error) };
        tx.result = result;
        tx.error = error;
        tx.card = card_data;
        tx.approval_code = approval;
        tx.date = now;
        let (total, tip, currency, reference) =
            (tx.total_amount(), tx.tip_amount, tx.currency, tx.order_reference.clone());
        let batch = &mut self.terminal_mut(tid).batch;
        let money = |kind| LedgerEntry {
            at: now,
            kind,
            payment: ams_id.0.clone(),
            amount: total,
            currency,
            reference,
            surface,
        };
        match (outcome, kind) {
            (CardOutcome::Approved, TransactionType::Refund) => {
                batch.add_void(sale.method, total, now);
                self.ledger.record(money(LedgerKind::Refund));
            }
            (CardOutcome::Approved, _) => {
                batch.add_sale(sale.method, total, tip, now);
                self.ledger.record(money(LedgerKind::Capture));
            }
            _ => batch.add_invalid(now),
        }
        self.emit(WorldEventKind::TransactionResult { tid: tid.clone(), ams_id: ams_id.clone(), result: result.0 });
        (outcome, error)
    }

    /// Voids `origin` on `tid` if the rules allow it now, recording a void transaction
    /// either way; returns the void's id and its result.
    pub(crate) fn settle_void(
        &mut self,
        tid: &Tid,
        origin: &AmsId,
        reference: Option<String>,
        surface: Surface,
    ) -> (AmsId, EcrResult) {
        let open_batch = self.terminal_mut(tid).batch.number;
        let check = check_void(self.transactions.get(origin), tid, open_batch, self.now, self.profile.void_window);
        let ams_id = self.ids.ams_id();
        let reference_number = self.ids.digits(12);
        let now = self.now;
        let sale = self.transactions.get(origin).cloned();
        let result = match &check {
            Ok(()) => EcrResult::SUCCESS,
            Err(refusal) => refusal.ecr(),
        };
        let t = self.terminal_mut(tid);
        t.receipt_seq += 1;
        let (receipt_number, currency, batch_number) = (t.receipt_seq, t.currency, t.batch.number);
        let void = Transaction {
            ams_id: ams_id.clone(),
            tid: tid.clone(),
            kind: TransactionType::Void,
            method: sale.as_ref().map_or(PaymentMethod::Card, |s| s.method),
            amount: sale.as_ref().map_or(0, |s| s.amount),
            tip_amount: sale.as_ref().map_or(0, |s| s.tip_amount),
            currency,
            result,
            error: None,
            card: sale.as_ref().and_then(|s| s.card.clone()),
            approval_code: None,
            reference_number,
            batch_number,
            receipt_number,
            date: now,
            voided: false,
            origin: Some(origin.clone()),
            order_reference: reference.or_else(|| sale.as_ref().and_then(|s| s.order_reference.clone())),
        };
        if let (Ok(()), Some(sale)) = (&check, &sale) {
            if let Some(s) = self.transactions.get_mut(origin) {
                s.voided = true;
            }
            self.terminal_mut(tid).batch.add_void(sale.method, sale.total_amount(), now);
            self.ledger.record(LedgerEntry {
                at: now,
                kind: LedgerKind::Void,
                payment: origin.0.clone(),
                amount: sale.total_amount(),
                currency: sale.currency,
                reference: sale.order_reference.clone(),
                surface,
            });
        }
        self.transactions.insert(ams_id.clone(), void);
        self.emit(WorldEventKind::TransactionResult { tid: tid.clone(), ams_id: ams_id.clone(), result: result.0 });
        (ams_id, result)
    }

    /// Closes the open batch of `tid` if the authorisation host holds the same sum as the
    /// terminal (seed 000: closing checks that they agree); otherwise the batch stays open.
    pub(crate) fn try_close_batch(&mut self, tid: &Tid) -> Result<AmsId, TotalsMismatch> {
        let t = self.terminal_mut(tid);
        if t.host_totals_differ_by != 0 {
            let terminal = t.batch.overall().total_amount();
            let mismatch = TotalsMismatch {
                tid: tid.clone(),
                batch_number: t.batch.number,
                terminal,
                host: terminal.saturating_add(t.host_totals_differ_by),
            };
            self.emit(WorldEventKind::BatchCloseFailed {
                tid: tid.clone(),
                batch_number: mismatch.batch_number,
                terminal_total: mismatch.terminal,
                host_total: mismatch.host,
            });
            return Err(mismatch);
        }
        Ok(self.settle_close_batch(tid))
    }

    /// Sets how far the authorisation host's sum of `tid`'s open batch is from the terminal's
    /// (0: they agree).
    pub fn set_host_totals_differ_by(&mut self, tid: &Tid, by: i64) -> Result<(), super::state::CreateRefusal> {
        let t = self.terminals.get_mut(tid).ok_or_else(|| super::state::CreateRefusal::UnknownTerminal(tid.clone()))?;
        t.host_totals_differ_by = by;
        Ok(())
    }

    /// Closes the open batch of `tid` and opens the next; returns the closed batch's id.
    pub(crate) fn settle_close_batch(&mut self, tid: &Tid) -> AmsId {
        let ams_id = self.ids.ams_id();
        let communication_id = self.ids.digits(8);
        let now = self.now;
        let t = self.terminal_mut(tid);
        let result = BatchResult::close(&t.batch, tid.clone(), t.currency, ams_id.clone(), communication_id, now);
        t.batch = OpenBatch::new(t.batch.number + 1, Some(now));
        t.closed_batches.push(ams_id.clone());
        let (batch_number, totals) = (result.batch_number, result.overall);
        self.batches.insert(ams_id.clone(), result);
        self.emit(WorldEventKind::BatchClosed { tid: tid.clone(), ams_id: ams_id.clone(), batch_number, totals });
        ams_id
    }
}
