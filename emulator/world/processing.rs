//! How terminals run their tasks: the World's timers, pickup, card reading, finishing a sale,
//! a void or a close batch, and the operator's actions on an assisted terminal.

use super::codes::{CardOutcome, PaymentMethod, TaskErrorCode, TransactionType};
use super::events::WorldEventKind;
use super::ids::{TaskId, Tid};
use super::ledger::Surface;
use super::state::{TaskRefusal, TimerKind, World};
use super::task::{CancelledBy, TaskError, TaskEvent, TaskRequest, TaskState, next_state};
use super::terminal::{KeptCard, TerminalMode};
use crate::time::VirtualDuration;

/// What presenting a card did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardPresented {
    /// A sale was waiting for it and is now finished.
    Finished(TaskId),
    /// No sale waited; the outcome is kept for the next card sale on this terminal.
    Kept,
}

impl World {
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

    pub(super) fn pickup(&mut self, tid: &Tid) {
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
                t.next_cards.push_back(KeptCard { outcome, after: None });
                Ok(CardPresented::Kept)
            }
        }
    }

    /// Keeps a card outcome (and how long the reader takes over it) for the next card sale on
    /// terminal `tid`, after any kept before it.
    pub fn queue_card(
        &mut self,
        tid: &Tid,
        outcome: CardOutcome,
        after: Option<VirtualDuration>,
    ) -> Result<(), TaskRefusal> {
        let t = self.terminals.get_mut(tid).ok_or_else(|| TaskRefusal::UnknownTerminal(tid.clone()))?;
        t.next_cards.push_back(KeptCard { outcome, after });
        Ok(())
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

    /// Moves task `id` by `event` if the state machine allows it, and says so in the events.
    pub(crate) fn set_state(&mut self, id: &TaskId, event: TaskEvent, by: Option<CancelledBy>) -> Option<TaskState> {
        let now = self.now;
        let task = self.tasks.get_mut(id)?;
        let state = next_state(task.state, event).ok()?;
        task.state = state;
        task.updated = now;
        task.cancelled_by = by.or(task.cancelled_by);
        let (tid, ams_id) = (task.tid.clone(), task.ams_id.clone());
        self.emit(WorldEventKind::TaskState { tid, task: id.clone(), state, by, ams_id });
        Some(state)
    }

    fn start(&mut self, tid: &Tid, id: TaskId) {
        if self.set_state(&id, TaskEvent::Start, None).is_none() {
            return;
        }
        let Some(request) = self.tasks.get(&id).map(|t| t.request.clone()) else { return };
        let t = self.terminal_mut(tid);
        t.current = Some(id.clone());
        let (mode, has_card) = (t.mode, !t.next_cards.is_empty());
        let reader_time = t.next_cards.front().and_then(|c| c.after);
        let delay = match &request {
            TaskRequest::Sale(sale) => {
                let ams_id = self.open_sale(tid, sale, TransactionType::Sale);
                self.task_mut(&id).ams_id = Some(ams_id);
                if sale.method == PaymentMethod::Card && mode == TerminalMode::Assisted && !has_card {
                    self.terminal_mut(tid).waiting_for_card = true;
                    self.emit(WorldEventKind::WaitingForCard { tid: tid.clone(), task: id });
                    return;
                }
                if sale.method == PaymentMethod::Card {
                    reader_time.unwrap_or(self.profile.card_processing)
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

    /// Finishes running task `id`; `card` overrides the outcome of a card sale.
    pub(super) fn finish(&mut self, id: &TaskId, card: Option<CardOutcome>) {
        let Some(task) = self.tasks.get(id) else { return };
        if task.state != TaskState::InProgress {
            return;
        }
        let (tid, request, ams_id) = (task.tid.clone(), task.request.clone(), task.ams_id.clone());
        match request {
            TaskRequest::Sale(sale) => {
                let Some(ams_id) = ams_id else { return };
                let (outcome, error) = self.settle_sale(&tid, &ams_id, &sale, card, Surface::Cloud);
                match (outcome, error) {
                    (CardOutcome::Approved | CardOutcome::Declined, _) | (_, None) => {
                        self.set_state(id, TaskEvent::Complete, None);
                    }
                    (_, Some(code)) => {
                        self.task_mut(id).error = Some(TaskError { code, message: describe_failure(code) });
                        self.set_state(id, TaskEvent::Fail, None);
                    }
                }
            }
            TaskRequest::Void(void) => {
                let (ams_id, _) = self.settle_void(&tid, &void.origin, void.reference, Surface::Cloud);
                self.task_mut(id).ams_id = Some(ams_id);
                self.set_state(id, TaskEvent::Complete, None);
            }
            TaskRequest::CloseBatch(_) => match self.try_close_batch(&tid) {
                Ok(ams_id) => {
                    self.task_mut(id).ams_id = Some(ams_id);
                    self.set_state(id, TaskEvent::Complete, None);
                }
                Err(mismatch) => {
                    let code = TaskErrorCode::BATCH_TOTALS_MISMATCH;
                    self.task_mut(id).error = Some(TaskError { code, message: mismatch.to_string() });
                    self.set_state(id, TaskEvent::Fail, None);
                }
            },
        }
        let t = self.terminal_mut(&tid);
        t.current = None;
        t.waiting_for_card = false;
        if t.mode != TerminalMode::Assisted {
            self.schedule_pickup(&tid);
        }
    }
}

fn describe_failure(code: TaskErrorCode) -> String {
    match code {
        TaskErrorCode::CANCELLED_ON_DEVICE => "the customer or the operator cancelled on the device".to_owned(),
        TaskErrorCode::TRANSACTION_TIMEOUT => "the terminal timed out waiting for the card".to_owned(),
        TaskErrorCode::TECHNICAL_ERROR => "the terminal hit a technical error".to_owned(),
        other => other.name.to_lowercase().replace('_', " "),
    }
}
