//! The [`World`]: terminals, tasks, transactions, batches and the ledger, changed only by the
//! methods here and in `processing`, always at an explicit virtual time.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use super::batch::{BatchResult, OpenBatch};
use super::codes::{EcrResult, PaymentMethod, TransactionType};
use super::events::{WorldEvent, WorldEventKind};
use super::ids::{AmsId, IdGen, TaskId, Tid};
use super::invoice::{Invoice, Store};
use super::ledger::{Ledger, LedgerEntry, LedgerKind, Surface};
use super::money::Currency;
use super::task::{CancelledBy, Task, TaskEvent, TaskRequest, TaskState, next_state};
use super::terminal::{Merchant, Terminal, TerminalConfig, TerminalMode};
use super::transaction::Transaction;
use super::void_rules::{VoidRefusal, check_void};
use crate::profile::Profile;
use crate::time::VirtualTime;

/// How many events the World keeps for a reader that has not drained them; older ones are
/// dropped so a World nobody reads stays bounded.
const EVENT_BACKLOG: usize = 100_000;

/// Why a task could not be created.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreateRefusal {
    /// No terminal has that TID.
    #[error("no terminal has TID {0}")]
    UnknownTerminal(Tid),
    /// The request's currency is not the terminal's.
    #[error("currency {got} does not match the terminal's currency {expected}")]
    CurrencyMismatch {
        /// The terminal's currency.
        expected: Currency,
        /// The request's.
        got: Currency,
    },
    /// A semi-integrated terminal is running a task.
    #[error("terminal {0} is busy with another task")]
    Busy(Tid),
    /// The void breaks a void rule.
    #[error("{}", .0.message())]
    Void(VoidRefusal),
    /// A close batch failed: the host's totals differ from the terminal's.
    #[error("{0}")]
    TotalsDiffer(super::settle::TotalsMismatch),
}

/// Why an operation on an existing task was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskRefusal {
    /// No task has that id (on that terminal).
    #[error("no task {0}")]
    UnknownTask(TaskId),
    /// No terminal has that TID.
    #[error("no terminal has TID {0}")]
    UnknownTerminal(Tid),
    /// The task is not in a state that allows it.
    #[error("task {task} is {} (hint: only QUEUED tasks can be withdrawn, rejected or picked)", state.as_str())]
    WrongState {
        /// The task.
        task: TaskId,
        /// Its state.
        state: TaskState,
    },
    /// The terminal is running another task.
    #[error("terminal {0} is running another task")]
    Busy(Tid),
}

/// A moment a script asked to be woken at: the World keeps it in its queue beside its own
/// timers and hands it back, unread, when it falls due ([`World::fire_next`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cue(pub u64);

/// A timer inside the World: something due at a virtual time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub(crate) due: VirtualTime,
    pub(crate) seq: u64,
    pub(crate) kind: TimerKind,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// Pick up the head of a terminal's queue.
    Start(Tid),
    /// Finish a running task.
    Finish(TaskId),
    /// Wake the script.
    Cue(Cue),
}

/// The whole emulated payment world. Pure: no I/O, no real time; every change happens at the
/// World's virtual `now`, which moves only through [`World::advance_to`].
#[derive(Debug)]
pub struct World {
    pub(crate) now: VirtualTime,
    pub(crate) profile: Profile,
    pub(crate) ids: IdGen,
    pub(crate) merchants: Vec<Merchant>,
    pub(crate) terminals: BTreeMap<Tid, Terminal>,
    /// The terminal the GP tom app is logged in to: the first one added.
    pub(crate) app_terminal: Option<Tid>,
    pub(crate) tasks: HashMap<TaskId, Task>,
    pub(crate) transactions: HashMap<AmsId, Transaction>,
    pub(crate) batches: HashMap<AmsId, BatchResult>,
    pub(crate) ledger: Ledger,
    pub(crate) timers: BinaryHeap<Reverse<Timer>>,
    pub(crate) timer_seq: u64,
    pub(crate) events: VecDeque<WorldEvent>,
    pub(crate) request_ids: HashMap<String, AmsId>,
    pub(crate) stores: BTreeMap<String, Store>,
    pub(crate) invoices: HashMap<String, Invoice>,
    pub(crate) invoice_index: HashMap<(String, i32, String), String>,
    pub(crate) held: std::collections::HashSet<TaskId>,
}

impl World {
    /// An empty World at `start`, every id drawn from `seed`.
    pub fn new(seed: u64, start: VirtualTime, profile: Profile) -> Self {
        World {
            now: start,
            profile,
            ids: IdGen::new(seed),
            merchants: Vec::new(),
            terminals: BTreeMap::new(),
            app_terminal: None,
            tasks: HashMap::new(),
            transactions: HashMap::new(),
            batches: HashMap::new(),
            ledger: Ledger::default(),
            timers: BinaryHeap::new(),
            timer_seq: 0,
            events: VecDeque::new(),
            request_ids: HashMap::new(),
            stores: BTreeMap::new(),
            invoices: HashMap::new(),
            invoice_index: HashMap::new(),
            held: std::collections::HashSet::new(),
        }
    }

    /// The vendor's documented example: merchant `jan.novak@example.com` and the automatic
    /// CZK terminal `999888`.
    pub fn documented_example(seed: u64, start: VirtualTime) -> Self {
        let mut w = World::new(seed, start, Profile::default());
        w.add_merchant(Merchant::documented_example());
        w.add_terminal(TerminalConfig::documented_example());
        w
    }

    /// Virtual time as the World last saw it.
    pub fn now(&self) -> VirtualTime {
        self.now
    }

    /// The profile in force.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Adds (or replaces) a merchant login.
    pub fn add_merchant(&mut self, merchant: Merchant) {
        self.merchants.retain(|m| m.username != merchant.username);
        self.merchants.push(merchant);
    }

    /// The merchant with login `username`.
    pub fn merchant_by_login(&self, username: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.username.eq_ignore_ascii_case(username))
    }

    /// The id of the first merchant added (the one a terminal added without one belongs to).
    pub fn default_merchant_id(&self) -> Option<&str> {
        self.merchants.first().map(|m| m.merchant_id.as_str())
    }

    /// Gives merchant `from` the id `to`, on its login and on every terminal it owns: a real
    /// app passes its own `clientID`.
    pub fn rename_merchant(&mut self, from: &str, to: &str) {
        for m in self.merchants.iter_mut().filter(|m| m.merchant_id == from) {
            m.merchant_id = to.to_owned();
        }
        for t in self.terminals.values_mut().filter(|t| t.merchant_id == from) {
            t.merchant_id = to.to_owned();
        }
    }

    /// The merchant with id `merchant_id`.
    pub fn merchant(&self, merchant_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.merchant_id == merchant_id)
    }

    /// Adds a terminal; a terminal with the same TID is replaced. The first one added is the
    /// one the GP tom app is logged in to ([`World::app_terminal`]).
    pub fn add_terminal(&mut self, config: TerminalConfig) {
        self.app_terminal.get_or_insert_with(|| config.tid.clone());
        self.terminals.insert(config.tid.clone(), Terminal::new(config));
    }

    /// The terminal the GP tom app is logged in to, where deep links act: the first terminal
    /// added (the scenario's first, or `999888`), whatever TIDs were added after it.
    pub fn app_terminal(&self) -> Option<&Terminal> {
        self.app_terminal.as_ref().and_then(|tid| self.terminals.get(tid))
    }

    /// The terminal with `tid`.
    pub fn terminal(&self, tid: &Tid) -> Option<&Terminal> {
        self.terminals.get(tid)
    }

    /// Every terminal, by TID.
    pub fn terminals(&self) -> impl Iterator<Item = &Terminal> {
        self.terminals.values()
    }

    /// The task with `id`.
    pub fn task(&self, id: &TaskId) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// Every task of terminal `tid`, oldest first.
    pub fn tasks_of<'a>(&'a self, tid: &Tid) -> impl Iterator<Item = &'a Task> + 'a {
        self.terminals.get(tid).into_iter().flat_map(|t| t.tasks.iter()).filter_map(|id| self.tasks.get(id))
    }

    /// The number of tasks in the World.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// The transaction with `ams_id`.
    pub fn transaction(&self, ams_id: &AmsId) -> Option<&Transaction> {
        self.transactions.get(ams_id)
    }

    /// The closed batch with `ams_id`.
    pub fn batch(&self, ams_id: &AmsId) -> Option<&BatchResult> {
        self.batches.get(ams_id)
    }

    /// The open batch of terminal `tid`.
    pub fn open_batch(&self, tid: &Tid) -> Option<&OpenBatch> {
        self.terminals.get(tid).map(|t| &t.batch)
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Takes the events that happened since the last call.
    pub fn drain_events(&mut self) -> Vec<WorldEvent> {
        self.events.drain(..).collect()
    }

    pub(crate) fn emit(&mut self, kind: WorldEventKind) {
        if self.events.len() >= EVENT_BACKLOG {
            self.events.pop_front();
        }
        self.events.push_back(WorldEvent { at: self.now, kind });
    }

    /// Creates a task on terminal `tid` at the World's current time.
    pub fn create_task(&mut self, tid: &Tid, request: TaskRequest) -> Result<TaskId, CreateRefusal> {
        let terminal = self.terminals.get(tid).ok_or_else(|| CreateRefusal::UnknownTerminal(tid.clone()))?;
        let currency = match &request {
            TaskRequest::Sale(s) => Some(s.currency),
            TaskRequest::Void(v) => Some(v.currency),
            TaskRequest::CloseBatch(_) => None,
        };
        if let Some(got) = currency.filter(|c| *c != terminal.currency) {
            return Err(CreateRefusal::CurrencyMismatch { expected: terminal.currency, got });
        }
        if terminal.mode == TerminalMode::SemiIntegrated && terminal.is_busy() {
            return Err(CreateRefusal::Busy(tid.clone()));
        }
        if let TaskRequest::Void(v) = &request {
            check_void(
                self.transactions.get(&v.origin),
                tid,
                terminal.batch.number,
                self.now,
                self.profile.void_window,
            )
            .map_err(CreateRefusal::Void)?;
        }
        let id = self.ids.task_id();
        let queued =
            WorldEventKind::TaskQueued { tid: tid.clone(), task: id.clone(), request: Box::new(request.clone()) };
        let task = Task {
            id: id.clone(),
            tid: tid.clone(),
            request,
            state: TaskState::Queued,
            created: self.now,
            updated: self.now,
            ams_id: None,
            error: None,
            cancelled_by: None,
        };
        self.tasks.insert(id.clone(), task);
        let mode = {
            let t = self.terminal_mut(tid);
            t.tasks.push(id.clone());
            t.queue.push_back(id.clone());
            t.mode
        };
        self.emit(queued);
        match mode {
            TerminalMode::Assisted => {
                self.emit(WorldEventKind::OperatorNotified { tid: tid.clone(), task: id.clone() })
            }
            TerminalMode::Automatic | TerminalMode::SemiIntegrated => self.schedule_pickup(tid),
        }
        Ok(id)
    }

    /// Withdraws a task that has not started (`DELETE /v1/tasks/{id}`).
    pub fn withdraw_task(&mut self, id: &TaskId) -> Result<(), TaskRefusal> {
        self.cancel_queued(id, CancelledBy::Api)
    }

    pub(crate) fn cancel_queued(&mut self, id: &TaskId, by: CancelledBy) -> Result<(), TaskRefusal> {
        let task = self.tasks.get_mut(id).ok_or_else(|| TaskRefusal::UnknownTask(id.clone()))?;
        let state = next_state(task.state, TaskEvent::Cancel)
            .map_err(|e| TaskRefusal::WrongState { task: id.clone(), state: e.state })?;
        task.state = state;
        task.updated = self.now;
        task.cancelled_by = Some(by);
        let tid = task.tid.clone();
        self.terminal_mut(&tid).queue.retain(|q| q != id);
        self.emit(WorldEventKind::TaskState { tid, task: id.clone(), state, by: Some(by), ams_id: None });
        Ok(())
    }

    /// Puts a sale in the World's history, as if it had been approved at `at` on `tid`; used
    /// by scenarios that start with earlier sales.
    pub fn record_past_sale(&mut self, past: PastSale) -> Result<AmsId, CreateRefusal> {
        let terminal =
            self.terminals.get_mut(&past.tid).ok_or_else(|| CreateRefusal::UnknownTerminal(past.tid.clone()))?;
        let ams_id = past.ams_id.unwrap_or_else(|| self.ids.ams_id());
        terminal.receipt_seq += 1;
        let batch_number = if past.in_open_batch { terminal.batch.number } else { 0 };
        if past.in_open_batch {
            terminal.batch.add_sale(past.method, past.amount, 0, past.at);
        }
        let tx = Transaction {
            ams_id: ams_id.clone(),
            tid: past.tid.clone(),
            kind: TransactionType::Sale,
            method: past.method,
            amount: past.amount,
            tip_amount: 0,
            currency: terminal.currency,
            result: EcrResult::SUCCESS,
            error: None,
            card: None,
            approval_code: Some(self.ids.approval_code()),
            reference_number: self.ids.digits(12),
            batch_number,
            receipt_number: terminal.receipt_seq,
            date: past.at,
            voided: false,
            origin: None,
            order_reference: past.reference.clone(),
        };
        self.ledger.record(LedgerEntry {
            at: past.at,
            kind: LedgerKind::Capture,
            payment: ams_id.0.clone(),
            amount: past.amount,
            currency: tx.currency,
            reference: past.reference,
            surface: Surface::Cloud,
        });
        self.transactions.insert(ams_id.clone(), tx);
        Ok(ams_id)
    }

    pub(crate) fn terminal_mut(&mut self, tid: &Tid) -> &mut Terminal {
        // Callers hold a TID they found in `terminals`, and terminals are never removed.
        self.terminals.entry(tid.clone()).or_insert_with(|| {
            Terminal::new(TerminalConfig {
                tid: tid.clone(),
                currency: Currency::CZK,
                merchant_id: String::new(),
                mode: TerminalMode::Automatic,
            })
        })
    }
}

/// A sale that happened before the scenario began.
#[derive(Clone, Debug)]
pub struct PastSale {
    /// The terminal that made it.
    pub tid: Tid,
    /// Amount, minor units.
    pub amount: u64,
    /// How it was paid.
    pub method: PaymentMethod,
    /// When.
    pub at: VirtualTime,
    /// Its AMS id, or `None` to draw one.
    pub ams_id: Option<AmsId>,
    /// The order reference it was made for.
    pub reference: Option<String>,
    /// Whether it is still in the open batch (otherwise it was in a batch closed since).
    pub in_open_batch: bool,
}
