//! [`ScriptRuntime`]: one scenario's script applied to a World as virtual time passes and
//! requests arrive. It watches World events (a task created, an invoice issued, a URI
//! presented, a customer action), acts when a cue it queued in the World falls due, drives
//! scripted task and status timelines, and tells the surfaces which answer replaces their own.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::drive::{drive_invoice, drive_task, passed};
use super::plan::{FaultPlan, Strike};
use super::timeline::Timeline;
use crate::scenario::model::{
    Completion, CustomerEvent, Hold, LinkOverride, Operation, OperatorAction, OperatorActionKind, Scenario,
    StatusAnswer, TaskStep,
};
use crate::surfaces::served::Effects;
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::events::{WorldEvent, WorldEventKind};
use crate::world::ids::TaskId;
use crate::world::invoice::{CustomerAction, InvoiceStatus};
use crate::world::ledger::Surface;
use crate::world::{Cue, World};

/// Something the script does at a moment: what a [`Cue`] it queued in the World stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Timed {
    Operator(OperatorAction),
    ClockJump(VirtualDuration),
    ExpireTokens,
    Customer {
        identifier: String,
        action: CustomerAction,
    },
    /// A timeline's step ends at this moment (its span is over, or its requests or customer
    /// event have come): the next begins.
    Deadline(VirtualTime),
}

/// Where a script stands ([`ScriptRuntime::progress`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Per `[[script.operator]]` entry, in file order: when it is due, `None` once done.
    pub operator: Vec<Option<VirtualTime>>,
    /// Per `[[script.clock]]` entry: when the jump is due, `None` once done.
    pub clock: Vec<Option<VirtualTime>>,
    /// Per `[[script.tokens]]` entry: when the tokens expire, `None` once done.
    pub tokens: Vec<Option<VirtualTime>>,
    /// Per order whose status timeline has begun (its invoice was issued): where it stands.
    pub status: HashMap<String, StepAt>,
    /// Per order whose task timeline has begun (its task was created): where it stands.
    pub tasks: HashMap<String, StepAt>,
    /// How many deep links each order has made.
    pub links: HashMap<String, u32>,
    /// The customer's actions still to come, soonest first.
    pub customer: Vec<CustomerDue>,
    /// The invoices the customer plan acts on (their URI was presented), with their order.
    pub invoices: Vec<(String, Option<String>)>,
    /// The next moment the script does something by itself.
    pub next_due: Option<VirtualTime>,
}

/// Where one timeline stands: the step now answered, and when it ends by time alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StepAt {
    /// The index of the step among the order's steps, in file order.
    pub index: usize,
    /// When the step ends and the next begins, if by time.
    pub ends: Option<VirtualTime>,
}

/// A customer action the plan has scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CustomerDue {
    /// The invoice.
    pub identifier: String,
    /// What the customer does.
    pub action: CustomerAction,
    /// When.
    pub at: VirtualTime,
}

/// One scenario's script at work.
#[derive(Debug)]
pub(crate) struct ScriptRuntime {
    scenario: Arc<Scenario>,
    plan: FaultPlan,
    /// What each cue queued in the World stands for, indexed by the cue.
    actions: Vec<Timed>,
    /// The timeline deadlines already cued.
    deadlines: BTreeSet<VirtualTime>,
    status: HashMap<String, Timeline<StatusAnswer>>,
    tasks: HashMap<String, Timeline<TaskStep>>,
    invoice_order: HashMap<String, String>,
    task_order: HashMap<TaskId, String>,
    customer_started: Vec<String>,
    /// The status each invoice's last `status` answer printed (a fault prints none).
    printed: HashMap<String, InvoiceStatus>,
    /// Customer steps waiting for the integration to see the status they would end.
    unseen: Vec<(String, CustomerAction)>,
    links_seen: HashMap<String, u32>,
}

impl ScriptRuntime {
    /// The script of `scenario`, starting at `world`'s time: its timed actions are queued in
    /// `world` as cues.
    pub(crate) fn new(scenario: Arc<Scenario>, world: &mut World) -> Self {
        let start = world.now();
        let mut status: HashMap<String, Vec<(StatusAnswer, Hold)>> = HashMap::new();
        for step in &scenario.script.status {
            status.entry(step.order.clone()).or_default().push((step.answer, step.hold));
        }
        let mut tasks: HashMap<String, Vec<(TaskStep, Hold)>> = HashMap::new();
        for step in &scenario.script.tasks {
            tasks.entry(step.order.clone()).or_default().push((step.clone(), step.hold));
        }
        let mut rt = ScriptRuntime {
            plan: FaultPlan::new(&scenario.script.http),
            actions: Vec::new(),
            deadlines: BTreeSet::new(),
            status: status.into_iter().map(|(o, steps)| (o, Timeline::new(steps))).collect(),
            tasks: tasks.into_iter().map(|(o, steps)| (o, Timeline::new(steps))).collect(),
            invoice_order: HashMap::new(),
            task_order: HashMap::new(),
            customer_started: Vec::new(),
            printed: HashMap::new(),
            unseen: Vec::new(),
            links_seen: HashMap::new(),
            scenario: scenario.clone(),
        };
        for op in &scenario.script.operator {
            rt.schedule(world, start + op.at, Timed::Operator(op.clone()));
        }
        for (at, by) in &scenario.script.clock {
            rt.schedule(world, start + *at, Timed::ClockJump(*by));
        }
        for at in &scenario.script.token_expiry {
            rt.schedule(world, start + *at, Timed::ExpireTokens);
        }
        rt
    }

    /// Queues `action` in the World's one queue, as a cue due at `at`.
    fn schedule(&mut self, world: &mut World, at: VirtualTime, action: Timed) {
        world.cue_at(at, Cue(self.actions.len() as u64));
        self.actions.push(action);
    }

    /// Cues the end of each timeline's current step not cued yet: a step held for a span
    /// ends at its deadline; one whose requests or customer event have come ends now, after
    /// the answer that completed it.
    fn cue_deadlines(&mut self, world: &mut World) {
        let now = world.now();
        let due: Vec<VirtualTime> = self
            .tasks
            .values()
            .filter_map(|t| t.ends(now))
            .chain(self.status.values().filter_map(|t| t.ends(now)))
            .collect();
        for at in due {
            if self.deadlines.insert(at) {
                self.schedule(world, at, Timed::Deadline(at));
            }
        }
    }

    /// Where the script stands in `world`, read without changing either (the dashboard shows it).
    pub(crate) fn progress(&self, world: &World) -> Progress {
        let script = &self.scenario.script;
        let (operators, jumps) = (script.operator.len(), script.clock.len());
        let mut p = Progress {
            operator: vec![None; operators],
            clock: vec![None; jumps],
            tokens: vec![None; script.token_expiry.len()],
            next_due: world.next_cue(),
            links: self.links_seen.clone(),
            ..Progress::default()
        };
        // `new` schedules the operator's actions, then the clock jumps, then the token
        // expiries, each in file order, before anything else: an action's index says which
        // entry it is. Whatever is still queued in the World has not happened yet.
        for (at, Cue(index)) in world.cues() {
            let index = index as usize;
            let Some(action) = self.actions.get(index) else { continue };
            let due = match action {
                Timed::Operator(_) => p.operator.get_mut(index),
                Timed::ClockJump(_) => p.clock.get_mut(index - operators),
                Timed::ExpireTokens => p.tokens.get_mut(index - operators - jumps),
                Timed::Customer { identifier, action } => {
                    p.customer.push(CustomerDue { identifier: identifier.clone(), action: *action, at });
                    None
                }
                Timed::Deadline(_) => None,
            };
            if let Some(due) = due {
                *due = Some(at);
            }
        }
        p.customer.sort_by(|a, b| (a.at, &a.identifier).cmp(&(b.at, &b.identifier)));
        for order in self.invoice_order.values() {
            if let Some(step) = self.status.get(order).and_then(step_at) {
                p.status.insert(order.clone(), step);
            }
        }
        for order in self.task_order.values() {
            if let Some(step) = self.tasks.get(order).and_then(step_at) {
                p.tasks.insert(order.clone(), step);
            }
        }
        p.invoices = self
            .customer_started
            .iter()
            .map(|identifier| (identifier.clone(), self.invoice_order.get(identifier).cloned()))
            .collect();
        p
    }

    /// A cue this script queued fell due: the World stands at its moment. What must happen
    /// outside the World (a clock jump, tokens expiring) is returned for the Sim to carry out.
    pub(crate) fn cue(&mut self, world: &mut World, Cue(index): Cue) -> Effects {
        let mut effects = Effects::default();
        let now = world.now();
        match self.actions.get(index as usize).cloned() {
            Some(Timed::ClockJump(by)) => effects.clock_jump = Some(by),
            Some(Timed::ExpireTokens) => effects.expire_tokens = true,
            Some(Timed::Operator(op)) => self.operate(world, &op),
            Some(Timed::Customer { identifier, action }) => self.customer(world, &identifier, action),
            Some(Timed::Deadline(at)) => {
                self.deadlines.remove(&at);
            }
            None => {}
        }
        self.sync_timelines(world, now);
        self.cue_deadlines(world);
        effects
    }

    /// Watches what happened in the World (called before the events are journalled).
    pub(crate) fn observe(&mut self, world: &mut World, events: &[WorldEvent]) {
        for event in events {
            self.observe_one(world, event);
        }
        self.cue_deadlines(world);
    }

    fn observe_one(&mut self, world: &mut World, event: &WorldEvent) {
        match &event.kind {
            WorldEventKind::TaskQueued { task, .. } => self.task_created(world, task, event.at),
            WorldEventKind::InvoiceIssued { identifier, invoice, .. } => {
                let order = self.scenario.orders.iter().find(|o| &o.reference == invoice).map(|o| o.id.clone());
                if let Some(order) = order.filter(|o| !self.invoice_order.values().any(|v| v == o)) {
                    self.invoice_order.insert(identifier.clone(), order.clone());
                    if let Some(t) = self.status.get_mut(&order) {
                        t.begin(event.at);
                    }
                    // The first step holds from the invoice's issue: the World shows it now.
                    self.sync_timelines(world, event.at);
                }
            }
            WorldEventKind::UriPresented { identifier, .. } => self.presented(world, identifier, event.at),
            WorldEventKind::InvoiceStatus { identifier, action: Some(action), .. } => {
                self.customer_event(world, identifier, *action, event.at);
            }
            _ => {}
        }
    }

    fn task_created(&mut self, world: &mut World, task: &TaskId, at: VirtualTime) {
        let Some(reference) = world.task(task).and_then(|t| t.request.reference().map(str::to_owned)) else { return };
        let order = self.scenario.orders.iter().find(|o| o.reference == reference).map(|o| o.id.clone());
        let Some(order) = order.filter(|o| self.tasks.contains_key(o) && !self.task_order.values().any(|v| v == o))
        else {
            return;
        };
        super::drive::known(world.hold_task(task));
        self.task_order.insert(task.clone(), order.clone());
        if let Some(t) = self.tasks.get_mut(&order) {
            t.begin(at);
        }
        self.sync_timelines(world, at);
    }

    /// A poll of task `id`: counts toward its step's hold and moves the World to the step.
    pub(crate) fn task_polled(&mut self, world: &mut World, id: &TaskId, now: VirtualTime) {
        let Some(order) = self.task_order.get(id).cloned() else { return };
        if let Some(step) = self.tasks.get_mut(&order).and_then(|t| t.answer(now)) {
            drive_task(world, id, &step);
        }
        self.cue_deadlines(world);
    }

    /// A `status` request about invoice `identifier`: the scripted answer, if the script
    /// replaces the World's (a fault, or a status the customer cannot produce). The status it
    /// prints is noted: a customer waiting for it to be seen goes on.
    pub(crate) fn status_polled(
        &mut self,
        world: &mut World,
        identifier: &str,
        now: VirtualTime,
    ) -> Option<StatusAnswer> {
        let answer = self.scripted_status(world, identifier, now);
        let printed = match answer {
            Some(StatusAnswer::Status(s)) => Some(s),
            Some(StatusAnswer::Fault(_)) => None,
            None => world.invoice(identifier).map(|i| i.status),
        };
        if let Some(status) = printed {
            self.printed.insert(identifier.to_owned(), status);
            // A step the customer held for this look comes now (the answer shows the status
            // before it).
            let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unseen)
                .into_iter()
                .partition(|(id, _)| id == identifier && world.invoice(id).is_some_and(|i| i.status == status));
            self.unseen = waiting;
            for (id, action) in ready {
                self.schedule(world, now, Timed::Customer { identifier: id, action });
            }
        }
        self.cue_deadlines(world);
        answer
    }

    fn scripted_status(&mut self, world: &mut World, identifier: &str, now: VirtualTime) -> Option<StatusAnswer> {
        let order = self.invoice_order.get(identifier)?.clone();
        let timeline = self.status.get_mut(&order)?;
        loop {
            let answer = timeline.peek(now)?;
            let StatusAnswer::Status(s) = answer else {
                timeline.answer(now);
                return Some(answer);
            };
            drive_invoice(world, identifier, s);
            let shown = world.invoice(identifier).map(|i| i.status);
            // A step whose status the customer plan has already completed the payment past
            // (say, while a slow integration backed off) is over: an answer never contradicts
            // the ledger. Past the last step, the World answers.
            if shown.is_some_and(|shown| passed(shown, s)) {
                if timeline.pass(now) {
                    continue;
                }
                return None;
            }
            timeline.answer(now);
            return (shown != Some(s)).then_some(answer);
        }
    }

    /// Counts a request and says whether a scripted fault strikes it.
    pub(crate) fn strike(&mut self, method: &str, path: &str) -> Option<Strike> {
        self.plan.decide(method, path)
    }

    /// The scripted answer replacing the deep link made for `reference`, if any.
    /// `key` is the link's reference, or `@void` / `@close_batch` for links that carry none
    /// (they belong to the scenario's only deep-link order of that kind).
    pub(crate) fn link_override(&mut self, key: &str) -> Option<LinkOverride> {
        let by_operation = |op: Operation| {
            let mut matching =
                self.scenario.orders.iter().filter(|o| o.surface == Surface::App2app && o.operation == op);
            match (matching.next(), matching.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        };
        let order = match key {
            "@void" => by_operation(Operation::Void),
            "@close_batch" => by_operation(Operation::CloseBatch),
            reference => self.scenario.orders.iter().find(|o| o.reference == reference),
        }?
        .id
        .clone();
        let seen = self.links_seen.entry(order.clone()).or_insert(0);
        *seen += 1;
        let n = *seen;
        self.scenario.script.links.iter().find(|l| l.order == order && l.nth == n).cloned()
    }

    fn presented(&mut self, world: &mut World, identifier: &str, at: VirtualTime) {
        if self.customer_started.iter().any(|i| i == identifier) {
            return;
        }
        self.customer_started.push(identifier.to_owned());
        if let Some(after) = self.scenario.customer.opens_after {
            self.schedule(
                world,
                at + after,
                Timed::Customer { identifier: identifier.to_owned(), action: CustomerAction::Open },
            );
        }
    }

    fn customer(&mut self, world: &mut World, identifier: &str, action: CustomerAction) {
        // A customer who waits to be seen does not end a status the integration has not been
        // answered yet: the step waits for that answer (see `status_polled`).
        if self.scenario.customer.waits_to_be_seen {
            let current = world.invoice(identifier).map(|i| i.status);
            if current.is_some() && current != self.printed.get(identifier).copied() {
                self.unseen.push((identifier.to_owned(), action));
                return;
            }
        }
        // Refused actions (the script moved the invoice elsewhere first) are simply skipped.
        let _ = world.customer_act(identifier, action);
    }

    /// The customer plan's next step after `action` happened, and the timelines' events.
    fn customer_event(&mut self, world: &mut World, identifier: &str, action: CustomerAction, at: VirtualTime) {
        let event = match action {
            CustomerAction::Open => Some(CustomerEvent::Opens),
            CustomerAction::Pay => Some(CustomerEvent::Pays),
            CustomerAction::Succeed | CustomerAction::Reject => Some(CustomerEvent::Completes),
            CustomerAction::Refund => None,
        };
        let order = self.invoice_order.get(identifier).cloned();
        if let (Some(event), Some(t)) = (event, order.as_ref().and_then(|o| self.status.get_mut(o))) {
            t.customer(event);
            // A step held until this ends now.
            self.sync_timelines(world, at);
        }
        if !self.customer_started.iter().any(|i| i == identifier) {
            return;
        }
        // With a status timeline that ends the payment itself, the customer only opens and pays.
        let scripted_end = order.as_ref().and_then(|o| self.status.get(o)).is_some_and(|_| {
            self.scenario.script.status.iter().any(|s| {
                Some(&s.order) == order.as_ref()
                    && matches!(s.answer, StatusAnswer::Status(st) if st == InvoiceStatus::CompletedSuccess || st == InvoiceStatus::CompletedRejected)
            })
        });
        let plan = self.scenario.customer;
        let id = identifier.to_owned();
        match action {
            CustomerAction::Open => self.schedule(
                world,
                at + plan.pays_after,
                Timed::Customer { identifier: id, action: CustomerAction::Pay },
            ),
            CustomerAction::Pay if !scripted_end => match plan.completes {
                Completion::Success => self.schedule(
                    world,
                    at + plan.completes_after,
                    Timed::Customer { identifier: id, action: CustomerAction::Succeed },
                ),
                Completion::Reject => self.schedule(
                    world,
                    at + plan.completes_after,
                    Timed::Customer { identifier: id, action: CustomerAction::Reject },
                ),
                Completion::Never => {}
            },
            CustomerAction::Succeed => {
                if let Some(after) = plan.refunds_after {
                    self.schedule(
                        world,
                        at + after,
                        Timed::Customer { identifier: id, action: CustomerAction::Refund },
                    );
                }
            }
            _ => {}
        }
    }

    /// The task of `order`: the scripted one, or the one carrying the order's reference.
    fn task_of(&self, world: &World, order: &str, tid: &crate::world::ids::Tid) -> Option<TaskId> {
        if let Some((task, _)) = self.task_order.iter().find(|(_, o)| o.as_str() == order) {
            return Some(task.clone());
        }
        let reference = &self.scenario.orders.iter().find(|o| o.id == order)?.reference;
        world.tasks_of(tid).find(|t| t.request.reference() == Some(reference.as_str())).map(|t| t.id.clone())
    }

    fn operate(&mut self, world: &mut World, op: &OperatorAction) {
        // An action the World refuses (nothing queued, a task already running) is skipped:
        // the operator's tap does nothing, as on a real device.
        let _ = match &op.action {
            OperatorActionKind::Pick(order) => {
                let task = match order {
                    Some(o) => self.task_of(world, o, &op.tid),
                    None => world.terminal(&op.tid).and_then(|t| t.queue.front().cloned()),
                };
                task.map(|t| world.operator_pick(&op.tid, &t))
            }
            OperatorActionKind::Reject(order) => {
                self.task_of(world, order, &op.tid).map(|t| world.operator_reject(&op.tid, &t))
            }
            OperatorActionKind::Card(outcome) => Some(world.present_card(&op.tid, *outcome).map(|_| ())),
            OperatorActionKind::Mode(mode) => Some(world.set_mode(&op.tid, *mode)),
        };
    }

    fn sync_timelines(&mut self, world: &mut World, now: VirtualTime) {
        for (id, order) in &self.task_order {
            if let Some(step) = self.tasks.get_mut(order).and_then(|t| t.peek(now)) {
                drive_task(world, id, &step);
            }
        }
        for (identifier, order) in &self.invoice_order {
            if let Some(StatusAnswer::Status(s)) = self.status.get_mut(order).and_then(|t| t.peek(now)) {
                drive_invoice(world, identifier, s);
            }
        }
    }
}

fn step_at<S: Clone>(t: &Timeline<S>) -> Option<StepAt> {
    t.position().map(|index| StepAt { index, ends: t.deadline() })
}
