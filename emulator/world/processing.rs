//! How terminals run their tasks: the World's timers, pickup, card reading, finishing a sale,
//! a void or a close batch, and the operator's actions on an assisted terminal.

use std::cmp::Reverse;

use super::batch::{BatchResult, OpenBatch};
use super::clock::{VirtualDuration, VirtualTime};
use super::codes::{CardOutcome, EcrResult, PaymentMethod, TaskErrorCode, TransactionType};
use super::events::WorldEventKind;
use super::ids::{AmsId, TaskId, Tid};
use super::ledger::{LedgerEntry, LedgerKind, Surface};
use super::state::{TaskRefusal, Timer, TimerKind, World};
use super::task::{CancelledBy, TaskError, TaskEvent, TaskRequest, TaskState, next_state};
use super::terminal::TerminalMode;
use super::transaction::{CardData, TEST_CARDS, Transaction};
use super::void_rules::check_void;

/// What presenting a card did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardPresented {
    /// A sale was waiting for it and is now finished.
    Finished(TaskId),
    /// No sale waited; the outcome is kept for the next card sale on this terminal.
    Kept,
}

impl World {
    /// Moves virtual time forward to `now`, firing every timer due by then in order.
    /// Earlier times are ignored: virtual time never runs back.
    pub fn advance_to(&mut self, now: VirtualTime) {
        while let Some(Reverse(timer)) = self.timers.peek() {
            if timer.due > now {
                break;
            }
            let Some(Reverse(timer)) = self.timers.pop() else { break };
            self.now = self.now.max(timer.due);
            match timer.kind {
                TimerKind::Start(tid) => self.pickup(&tid),
                TimerKind::Finish(task) => self.finish(&task, None),
            }
        }
        self.now = self.now.max(now);
    }

    /// Moves virtual time forward by `by`.
    pub fn advance_by(&mut self, by: VirtualDuration) {
        self.advance_to(self.now + by);
    }

    /// When the next timer is due, if any (lets a driver sleep until something happens).
    pub fn next_due(&self) -> Option<VirtualTime> {
        self.timers.peek().map(|Reverse(t)| t.due)
    }

    fn schedule(&mut self, after: VirtualDuration, kind: TimerKind) {
        self.timer_seq += 1;
        let timer = Timer { due: self.now + after, seq: self.timer_seq, kind };
        self.timers.push(Reverse(timer));
    }

    /// Schedules an automatic terminal to pick up its queue head, unless one is scheduled.
    pub(crate) fn schedule_pickup(&mut self, tid: &Tid) {
        let pickup = self.profile.automatic_pickup;
        let t = self.terminal_mut(tid);
        if t.current.is_some() || t.queue.is_empty() || t.start_scheduled {
            return;
        }
        t.start_scheduled = true;
        self.schedule(pickup, TimerKind::Start(tid.clone()));
    }

    fn pickup(&mut self, tid: &Tid) {
        let t = self.terminal_mut(tid);
        t.start_scheduled = false;
        if t.mode == TerminalMode::Assisted || t.current.is_some() {
            return;
        }
        if let Some(task) = t.queue.pop_front() {
            self.start(tid, task);
        }
    }

    /// The operator of terminal `tid` picks a queued task: it starts at once.
    pub fn operator_pick(&mut self, tid: &Tid, task: &TaskId) -> Result<(), TaskRefusal> {
        let t = self.terminals.get(tid).ok_or_else(|| TaskRefusal::UnknownTerminal(tid.clone()))?;
        if !t.queue.contains(task) {
            return Err(match self.tasks.get(task) {
                Some(found) if &found.tid == tid => TaskRefusal::WrongState { task: task.clone(), state: found.state },
                _ => TaskRefusal::UnknownTask(task.clone()),
            });
        }
        if t.current.is_some() {
            return Err(TaskRefusal::Busy(tid.clone()));
        }
        self.terminal_mut(tid).queue.retain(|q| q != task);
        self.start(tid, task.clone());
        Ok(())
    }

    /// The operator of terminal `tid` rejects a queued task: it is cancelled.
    pub fn operator_reject(&mut self, tid: &Tid, task: &TaskId) -> Result<(), TaskRefusal> {
        match self.tasks.get(task) {
            Some(found) if &found.tid == tid => self.cancel_queued(task, CancelledBy::Operator),
            _ => Err(TaskRefusal::UnknownTask(task.clone())),
        }
    }

    /// Presents a card with `outcome` on terminal `tid`: finishes the sale that waits for a
    /// card, or is kept for the next card sale.
    pub fn present_card(&mut self, tid: &Tid, outcome: CardOutcome) -> Result<CardPresented, TaskRefusal> {
        let t = self.terminals.get_mut(tid).ok_or_else(|| TaskRefusal::UnknownTerminal(tid.clone()))?;
        match (t.waiting_for_card, t.current.clone()) {
            (true, Some(task)) => {
                self.finish(&task, Some(outcome));
                Ok(CardPresented::Finished(task))
            }
            _ => {
                t.next_cards.push_back(outcome);
                Ok(CardPresented::Kept)
            }
        }
    }

    /// Switches terminal `tid` to `mode`; an automatic terminal then runs what is queued.
    pub fn set_mode(&mut self, tid: &Tid, mode: TerminalMode) -> Result<(), TaskRefusal> {
        let t = self.terminals.get_mut(tid).ok_or_else(|| TaskRefusal::UnknownTerminal(tid.clone()))?;
        t.mode = mode;
        self.emit(WorldEventKind::ModeChanged { tid: tid.clone(), mode });
        if mode != TerminalMode::Assisted {
            self.schedule_pickup(tid);
        }
        Ok(())
    }

    fn set_state(&mut self, id: &TaskId, event: TaskEvent) -> Option<TaskState> {
        let now = self.now;
        let task = self.tasks.get_mut(id)?;
        let state = next_state(task.state, event).ok()?;
        task.state = state;
        task.updated = now;
        let tid = task.tid.clone();
        self.emit(WorldEventKind::TaskState { tid, task: id.clone(), state, by: None });
        Some(state)
    }

    fn start(&mut self, tid: &Tid, id: TaskId) {
        if self.set_state(&id, TaskEvent::Start).is_none() {
            return;
        }
        let Some(request) = self.tasks.get(&id).map(|t| t.request.clone()) else { return };
        let t = self.terminal_mut(tid);
        t.current = Some(id.clone());
        let (mode, has_card) = (t.mode, !t.next_cards.is_empty());
        let delay = match &request {
            TaskRequest::Sale(sale) => {
                let ams_id = self.open_sale(tid, &id, sale);
                self.task_mut(&id).ams_id = Some(ams_id);
                if sale.method == PaymentMethod::Card && mode == TerminalMode::Assisted && !has_card {
                    self.terminal_mut(tid).waiting_for_card = true;
                    self.emit(WorldEventKind::WaitingForCard { tid: tid.clone(), task: id });
                    return;
                }
                if sale.method == PaymentMethod::Card {
                    self.profile.card_processing
                } else {
                    self.profile.non_card_processing
                }
            }
            TaskRequest::Void(_) | TaskRequest::CloseBatch(_) => self.profile.non_card_processing,
        };
        self.schedule(delay, TimerKind::Finish(id));
    }

    fn task_mut(&mut self, id: &TaskId) -> &mut super::task::Task {
        // Only called with ids of tasks the World holds; tasks are never removed.
        self.tasks.get_mut(id).expect("task ids handed out by the World stay valid")
    }

    /// Opens the transaction of a sale as it starts: result `-9` until the card is read.
    fn open_sale(&mut self, tid: &Tid, task: &TaskId, sale: &super::task::SaleRequest) -> AmsId {
        let ams_id = self.ids.ams_id();
        let reference_number = self.ids.digits(12);
        let t = self.terminal_mut(tid);
        t.receipt_seq += 1;
        let tx = Transaction {
            ams_id: ams_id.clone(),
            tid: tid.clone(),
            kind: TransactionType::Sale,
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
            date: self.now,
            voided: false,
            origin: None,
            order_reference: sale.reference.clone(),
        };
        let _ = task;
        self.transactions.insert(ams_id.clone(), tx);
        ams_id
    }

    /// Finishes running task `id`; `card` overrides the outcome of a card sale.
    fn finish(&mut self, id: &TaskId, card: Option<CardOutcome>) {
        let Some(task) = self.tasks.get(id) else { return };
        if task.state != TaskState::InProgress {
            return;
        }
        let (tid, request) = (task.tid.clone(), task.request.clone());
        match request {
            TaskRequest::Sale(sale) => self.finish_sale(&tid, id, &sale, card),
            TaskRequest::Void(void) => self.finish_void(&tid, id, &void.origin, void.reference),
            TaskRequest::CloseBatch(_) => self.finish_close_batch(&tid, id),
        }
        let t = self.terminal_mut(&tid);
        t.current = None;
        t.waiting_for_card = false;
        if t.mode != TerminalMode::Assisted {
            self.schedule_pickup(&tid);
        }
    }

    fn finish_sale(&mut self, tid: &Tid, id: &TaskId, sale: &super::task::SaleRequest, card: Option<CardOutcome>) {
        let Some(ams_id) = self.tasks.get(id).and_then(|t| t.ams_id.clone()) else { return };
        let outcome = if sale.method == PaymentMethod::Card {
            let kept = self.terminal_mut(tid).next_cards.pop_front();
            let outcome = card.or(kept).unwrap_or_else(|| CardOutcome::for_test_amount(sale.amount));
            self.emit(WorldEventKind::CardRead { tid: tid.clone(), ams_id: ams_id.clone(), outcome });
            outcome
        } else {
            CardOutcome::Approved
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
        };
        let now = self.now;
        let Some(tx) = self.transactions.get_mut(&ams_id) else { return };
        tx.result = result;
        tx.error = error;
        tx.card = card_data;
        tx.approval_code = approval;
        tx.date = now;
        let (total, tip, currency, reference) =
            (tx.total_amount(), tx.tip_amount, tx.currency, tx.order_reference.clone());
        let batch = &mut self.terminal_mut(tid).batch;
        if outcome == CardOutcome::Approved {
            batch.add_sale(sale.method, total, tip, now);
            self.ledger.record(LedgerEntry {
                at: now,
                kind: LedgerKind::Capture,
                payment: ams_id.0.clone(),
                amount: total,
                currency,
                reference,
                surface: Surface::Cloud,
            });
        } else {
            batch.add_invalid(now);
        }
        self.emit(WorldEventKind::TransactionResult { tid: tid.clone(), ams_id, result: result.0 });
        match (outcome, error) {
            (CardOutcome::Timeout | CardOutcome::Exception, Some(code)) => {
                self.task_mut(id).error = Some(TaskError { code, message: describe_failure(code) });
                self.set_state(id, TaskEvent::Fail);
            }
            _ => {
                self.set_state(id, TaskEvent::Complete);
            }
        }
    }

    fn finish_void(&mut self, tid: &Tid, id: &TaskId, origin: &AmsId, reference: Option<String>) {
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
                surface: Surface::Cloud,
            });
        }
        self.transactions.insert(ams_id.clone(), void);
        self.task_mut(id).ams_id = Some(ams_id.clone());
        self.emit(WorldEventKind::TransactionResult { tid: tid.clone(), ams_id, result: result.0 });
        self.set_state(id, TaskEvent::Complete);
    }

    fn finish_close_batch(&mut self, tid: &Tid, id: &TaskId) {
        let ams_id = self.ids.ams_id();
        let communication_id = self.ids.digits(8);
        let now = self.now;
        let t = self.terminal_mut(tid);
        let result = BatchResult::close(&t.batch, tid.clone(), t.currency, ams_id.clone(), communication_id, now);
        t.batch = OpenBatch::new(t.batch.number + 1, Some(now));
        t.closed_batches.push(ams_id.clone());
        let batch_number = result.batch_number;
        self.batches.insert(ams_id.clone(), result);
        self.task_mut(id).ams_id = Some(ams_id.clone());
        self.emit(WorldEventKind::BatchClosed { tid: tid.clone(), ams_id, batch_number });
        self.set_state(id, TaskEvent::Complete);
    }
}

fn describe_failure(code: TaskErrorCode) -> String {
    match code {
        TaskErrorCode::TRANSACTION_TIMEOUT => "the terminal timed out waiting for the card".to_owned(),
        TaskErrorCode::TECHNICAL_ERROR => "the terminal hit a technical error".to_owned(),
        other => other.name.to_lowercase().replace('_', " "),
    }
}
