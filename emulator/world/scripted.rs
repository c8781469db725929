//! Tasks driven by a scenario's script instead of the terminal's own timers: a held task
//! leaves the queue, and the script engine starts and finishes it, with a scripted card
//! outcome, ECR result, or money captured although the task failed.

use super::codes::{CardOutcome, EcrResult, PaymentMethod, TaskErrorCode};
use super::ids::TaskId;
use super::ledger::{LedgerEntry, LedgerKind, Surface};
use super::state::{TaskRefusal, World};
use super::task::{CancelledBy, TaskError, TaskEvent, TaskRequest, TaskState};
use super::transaction::TEST_CARDS;

/// How a scripted task ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptedEnd {
    /// The final state: `COMPLETED`, `FAILED` or `CANCELLED`.
    pub state: TaskState,
    /// The card outcome of a sale (default: by test amount, or failed for `FAILED`).
    pub outcome: Option<CardOutcome>,
    /// The ECR result the transaction carries instead of the outcome's.
    pub result: Option<i32>,
    /// A `FAILED` sale whose money was captured all the same (the answer was lost).
    pub captured: bool,
}

impl World {
    /// Takes task `id` out of its terminal's queue: from now on only the script moves it.
    pub fn hold_task(&mut self, id: &TaskId) -> Result<(), TaskRefusal> {
        let tid = self.tasks.get(id).map(|t| t.tid.clone()).ok_or_else(|| TaskRefusal::UnknownTask(id.clone()))?;
        self.terminal_mut(&tid).queue.retain(|q| q != id);
        self.held.insert(id.clone());
        Ok(())
    }

    /// Whether task `id` is driven by the script.
    pub fn is_held(&self, id: &TaskId) -> bool {
        self.held.contains(id)
    }

    /// Starts a held task (a sale's transaction opens, result `-9`); one already started or
    /// final stays as it is.
    pub fn force_start(&mut self, id: &TaskId) -> Result<(), TaskRefusal> {
        let task = self.tasks.get(id).ok_or_else(|| TaskRefusal::UnknownTask(id.clone()))?;
        if task.state != TaskState::Queued {
            return Ok(());
        }
        let (tid, request) = (task.tid.clone(), task.request.clone());
        self.set_state(id, TaskEvent::Start, None);
        // A task in progress occupies its terminal, scripted or not: the queue waits behind it.
        let t = self.terminal_mut(&tid);
        if t.current.is_none() {
            t.current = Some(id.clone());
        }
        if let TaskRequest::Sale(sale) = &request {
            let ams_id = self.open_sale(&tid, sale, super::codes::TransactionType::Sale);
            if let Some(t) = self.tasks.get_mut(id) {
                t.ams_id = Some(ams_id);
            }
        }
        Ok(())
    }

    /// Finishes a held task as the script says; a final one stays as it is.
    pub fn force_finish(&mut self, id: &TaskId, end: ScriptedEnd) -> Result<(), TaskRefusal> {
        let task = self.tasks.get(id).ok_or_else(|| TaskRefusal::UnknownTask(id.clone()))?;
        if task.state.is_final() {
            return Ok(());
        }
        if end.state == TaskState::Cancelled {
            if task.state == TaskState::Queued {
                self.set_state(id, TaskEvent::Cancel, Some(CancelledBy::Operator));
            }
            return Ok(());
        }
        if task.state == TaskState::Queued {
            self.force_start(id)?;
        }
        let task = self.tasks.get(id).ok_or_else(|| TaskRefusal::UnknownTask(id.clone()))?;
        let (tid, request, ams_id) = (task.tid.clone(), task.request.clone(), task.ams_id.clone());
        let failed = end.state == TaskState::Failed;
        match &request {
            TaskRequest::Sale(sale) => {
                // A started sale has its transaction (force_start opened it).
                let Some(ams_id) = ams_id else { return Ok(()) };
                let outcome = end.outcome.or(failed.then_some(CardOutcome::Timeout));
                let (_, error) = self.settle_sale(&tid, &ams_id, sale, outcome, Surface::Cloud);
                if end.captured && failed {
                    self.capture_anyway(&tid, &ams_id, sale.method);
                }
                if let (Some(result), Some(tx)) = (end.result, self.transactions.get_mut(&ams_id)) {
                    tx.result = EcrResult(result);
                }
                if failed {
                    let code = error.unwrap_or(TaskErrorCode::TECHNICAL_ERROR);
                    if let Some(t) = self.tasks.get_mut(id) {
                        t.error = Some(TaskError { code, message: "scripted failure".to_owned() });
                    }
                }
            }
            TaskRequest::Void(void) if !failed => {
                let (ams, _) = self.settle_void(&tid, &void.origin, void.reference.clone(), Surface::Cloud);
                if let (Some(result), Some(tx)) = (end.result, self.transactions.get_mut(&ams)) {
                    tx.result = EcrResult(result);
                }
                if let Some(t) = self.tasks.get_mut(id) {
                    t.ams_id = Some(ams);
                }
            }
            TaskRequest::CloseBatch(_) if !failed => {
                let ams = self.settle_close_batch(&tid);
                if let Some(t) = self.tasks.get_mut(id) {
                    t.ams_id = Some(ams);
                }
            }
            _ => {
                if let Some(t) = self.tasks.get_mut(id) {
                    t.error = Some(TaskError {
                        code: TaskErrorCode::TECHNICAL_ERROR,
                        message: "scripted failure".to_owned(),
                    });
                }
            }
        }
        let event = if failed { TaskEvent::Fail } else { TaskEvent::Complete };
        self.set_state(id, event, None);
        let t = self.terminal_mut(&tid);
        if t.current.as_ref() == Some(id) {
            t.current = None;
            t.waiting_for_card = false;
            if t.mode != super::terminal::TerminalMode::Assisted {
                self.schedule_pickup(&tid);
            }
        }
        Ok(())
    }

    /// The money of a sale that failed on the terminal was taken all the same: the ledger and
    /// the batch show the capture, the transaction an approval, while the task says `FAILED`.
    fn capture_anyway(&mut self, tid: &super::ids::Tid, ams_id: &super::ids::AmsId, method: PaymentMethod) {
        let now = self.now;
        let card = TEST_CARDS[0];
        let approval = self.ids.approval_code();
        let Some(tx) = self.transactions.get_mut(ams_id) else { return };
        tx.result = EcrResult::SUCCESS;
        tx.error = None;
        tx.approval_code = Some(approval);
        if tx.card.is_none() && method == PaymentMethod::Card {
            tx.card = Some(super::transaction::CardData {
                masked_number: card.1.to_owned(),
                card_type: card.0,
                entry_mode: "CONTACTLESS",
                pin_ok: true,
            });
        }
        let (total, tip, currency, reference) =
            (tx.total_amount(), tx.tip_amount, tx.currency, tx.order_reference.clone());
        let batch = &mut self.terminal_mut(tid).batch;
        // The failed attempt was counted invalid; it is a sale after all.
        batch.invalid_count = batch.invalid_count.saturating_sub(1);
        batch.add_sale(method, total, tip, now);
        self.ledger.record(LedgerEntry {
            at: now,
            kind: LedgerKind::Capture,
            payment: ams_id.0.clone(),
            amount: total,
            currency,
            reference,
            surface: Surface::Cloud,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{VirtualDuration, VirtualTime};
    use crate::world::codes::PaymentMethod;
    use crate::world::ids::Tid;
    use crate::world::money::Currency;
    use crate::world::task::{ReceiptOptions, SaleRequest};

    fn world_with_held_sale(amount: u64) -> (World, TaskId) {
        let mut w = World::documented_example(3, VirtualTime::DEFAULT_START);
        let sale = TaskRequest::Sale(SaleRequest {
            amount,
            currency: Currency::CZK,
            method: PaymentMethod::Card,
            tip_amount: None,
            tip_collect: None,
            reference: Some("O1".into()),
            receipt: ReceiptOptions::default(),
        });
        let id = w.create_task(&Tid::from("999888"), sale).unwrap();
        w.hold_task(&id).unwrap();
        (w, id)
    }

    #[test]
    fn a_held_task_does_not_run_by_itself() {
        let (mut w, id) = world_with_held_sale(1111);
        w.advance_by(VirtualDuration::hours(1));
        assert_eq!(w.task(&id).unwrap().state, TaskState::Queued);
        w.force_start(&id).unwrap();
        w.advance_by(VirtualDuration::hours(1));
        assert_eq!(w.task(&id).unwrap().state, TaskState::InProgress);
    }

    #[test]
    fn a_failed_sale_can_have_captured_the_money() {
        let (mut w, id) = world_with_held_sale(1111);
        w.force_finish(&id, ScriptedEnd { state: TaskState::Failed, outcome: None, result: None, captured: true })
            .unwrap();
        assert_eq!(w.task(&id).unwrap().state, TaskState::Failed);
        assert_eq!(w.ledger().standing_payments(Some("O1")), 1);
        let open = w.open_batch(&Tid::from("999888")).unwrap();
        assert_eq!((open.overall().sale_count, open.invalid_count), (1, 0));
    }

    #[test]
    fn a_scripted_result_replaces_the_outcomes_code() {
        let (mut w, id) = world_with_held_sale(1111);
        w.force_finish(
            &id,
            ScriptedEnd {
                state: TaskState::Completed,
                outcome: Some(CardOutcome::Declined),
                result: Some(-7),
                captured: false,
            },
        )
        .unwrap();
        let ams = w.task(&id).unwrap().ams_id.clone().unwrap();
        assert_eq!(w.transaction(&ams).unwrap().result, EcrResult(-7));
        assert_eq!(w.ledger().standing_payments(Some("O1")), 0);
    }

    #[test]
    fn the_script_cannot_move_a_task_the_world_does_not_have() {
        let (mut w, _) = world_with_held_sale(1111);
        let ghost = TaskId("00000000-0000-4000-8000-000000000000".into());
        let end = ScriptedEnd { state: TaskState::Completed, outcome: None, result: None, captured: false };
        let unknown = Err(TaskRefusal::UnknownTask(ghost.clone()));
        assert_eq!(w.hold_task(&ghost), unknown);
        assert_eq!(w.force_start(&ghost), unknown);
        assert_eq!(w.force_finish(&ghost, end), unknown);
        assert_eq!(w.ledger().entries().len(), 0, "nothing moved");
    }
}
