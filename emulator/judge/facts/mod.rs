//! The typed facts rules are judged from, built once per run: [`Facts`] holds every exchange
//! read whole ([`Req`]), what the World did ([`WorldFacts`]), the integration's events and the
//! ledger, each tied to the order it belongs to by exact keys ([`Attribution`]).

mod orders;
mod req;
mod world;

use std::collections::HashMap;

use serde_json::{Map, Value};

pub use orders::Attribution;
pub use req::{Call, CreateKind, Grant, LinkCall, Req};
pub use world::{BatchFact, InvoiceFact, TaskFact, WorldFacts};

use crate::journal::JournalEntry;
use crate::record::events::{EventKind, FlagKind, OutcomeResult};
use crate::runner::Record;
use crate::scenario::Scenario;
use crate::scenario::model::Order;
use crate::time::{Pace, VirtualDuration, VirtualTime};
use crate::world::ledger::LedgerEntry;

/// An outcome the integration reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Reported<'r> {
    /// When the runner read it.
    pub at: VirtualTime,
    /// The verdict.
    pub result: OutcomeResult,
    /// Everything else it said (`taskId`, `batch`, `receipt_by`).
    pub details: &'r Map<String, Value>,
}

/// What belongs to one order.
#[derive(Clone, Debug, Default)]
pub struct OrderFacts {
    /// When it was given.
    pub given: VirtualTime,
    /// When its deadline fell.
    pub deadline: VirtualTime,
    /// Its requests, as indices into [`Facts::reqs`], in order.
    pub reqs: Vec<usize>,
    /// Its tasks, as indices into the World's tasks, in order created.
    pub tasks: Vec<usize>,
    /// Its invoices, as indices into the World's invoices, in order issued.
    pub invoices: Vec<usize>,
    /// Its money: indices into the ledger.
    pub money: Vec<usize>,
    /// The AMS id a void order voids, once known.
    pub void_target: Option<String>,
}

/// Everything a run produced, read once, for every rule.
pub struct Facts<'r> {
    /// The run.
    pub record: &'r Record,
    /// Every exchange, in the order answered.
    pub reqs: Vec<Req>,
    /// What the World did.
    pub world: WorldFacts,
    /// Per order of the scenario, in the scenario's order.
    pub orders: Vec<OrderFacts>,
    /// Ledger entries no order can be held to (during the run only).
    pub unattributed: Vec<usize>,
}

impl<'r> Facts<'r> {
    /// The facts of `record`.
    pub fn new(record: &'r Record) -> Self {
        let reqs: Vec<Req> = record
            .journal
            .iter()
            .filter_map(|e| match e {
                JournalEntry::Exchange { at, exchange, .. } => Some((*at, exchange)),
                JournalEntry::World { .. } => None,
            })
            .enumerate()
            .map(|(i, (at, exchange))| Req::read(i, at, exchange))
            .collect();
        let world = WorldFacts::read(&record.journal);
        let scenario = &record.scenario;
        let who = Attribution::new(record);
        let mut orders: Vec<OrderFacts> = scenario
            .orders
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let given = record.given.iter().find(|(id, _)| id == &o.id).map_or(record.started, |(_, at)| *at);
                OrderFacts {
                    given,
                    deadline: given + o.deadline,
                    void_target: who.void_targets[i].clone(),
                    ..OrderFacts::default()
                }
            })
            .collect();
        let mut task_orders = HashMap::new();
        for (t, task) in world.tasks.iter().enumerate() {
            if let Some(i) = who.task(task) {
                orders[i].tasks.push(t);
                task_orders.insert(task.id.clone(), i);
            }
        }
        for (v, invoice) in world.invoices.iter().enumerate() {
            if let Some(i) = who.by_reference(&invoice.invoice).or((orders.len() == 1).then_some(0)) {
                orders[i].invoices.push(v);
            }
        }
        for req in &reqs {
            if let Some(i) = who.request(req, &world, &task_orders) {
                orders[i].reqs.push(req.index);
            }
        }
        let mut unattributed = Vec::new();
        for (n, e) in record.ledger.iter().enumerate() {
            let owners: Vec<usize> = (0..orders.len()).filter(|i| who.money(e, *i, record.started)).collect();
            for i in &owners {
                orders[*i].money.push(n);
            }
            if owners.is_empty() && e.at >= record.started {
                unattributed.push(n);
            }
        }
        Facts { record, reqs, world, orders, unattributed }
    }

    /// The scenario.
    pub fn scenario(&self) -> &'r Scenario {
        &self.record.scenario
    }

    /// The orders with their facts.
    pub fn each_order(&self) -> impl Iterator<Item = (&'r Order, &OrderFacts)> {
        self.record.scenario.orders.iter().zip(&self.orders)
    }

    /// The requests of an order, in order.
    pub fn reqs_of<'a>(&'a self, of: &'a OrderFacts) -> impl Iterator<Item = &'a Req> + 'a {
        of.reqs.iter().map(|i| &self.reqs[*i])
    }

    /// The tasks of an order, in order created.
    pub fn tasks_of<'a>(&'a self, of: &'a OrderFacts) -> impl Iterator<Item = &'a TaskFact> + 'a {
        of.tasks.iter().map(|i| &self.world.tasks[*i])
    }

    /// The invoices of an order, in order issued.
    pub fn invoices_of<'a>(&'a self, of: &'a OrderFacts) -> impl Iterator<Item = &'a InvoiceFact> + 'a {
        of.invoices.iter().map(|i| &self.world.invoices[*i])
    }

    /// The money of an order, in order.
    pub fn money_of<'a>(&'a self, of: &'a OrderFacts) -> impl Iterator<Item = &'a LedgerEntry> + 'a {
        of.money.iter().map(|i| &self.record.ledger[*i])
    }

    /// The outcomes reported for `order`, in order.
    pub fn outcomes(&self, order: &Order) -> Vec<Reported<'r>> {
        self.record
            .events
            .iter()
            .filter(|e| e.order == order.id)
            .filter_map(|e| match &e.kind {
                EventKind::Outcome { result, details } => Some(Reported { at: e.at, result: *result, details }),
                _ => None,
            })
            .collect()
    }

    /// The flags raised for `order` (of `kind`, if given) at or after `from`.
    pub fn flagged(&self, order: &Order, kind: Option<FlagKind>, from: VirtualTime) -> bool {
        self.record.events.iter().any(|e| {
            e.order == order.id
                && e.at >= from
                && matches!(&e.kind, EventKind::Flag { kind: k, .. } if kind.is_none_or(|want| *k == want))
        })
    }

    /// The scenario's minimum poll interval.
    pub fn min_interval(&self) -> VirtualDuration {
        self.record.scenario.timing.min_poll_interval
    }

    /// The scenario's patience window.
    pub fn patience(&self) -> VirtualDuration {
        self.record.scenario.timing.patience
    }

    /// conformance.md: timing is judged with a tolerance of 10 % of `d` or 5 real
    /// milliseconds, whichever is larger.
    pub fn tolerance(&self, d: VirtualDuration) -> VirtualDuration {
        VirtualDuration((d.as_millis().abs() / 10).max(self.real_ms(5.0)))
    }

    /// The most latency payterm itself measured around `from..=to` — how long the initiator
    /// program took to start and end, probed within a real second either side — in virtual
    /// time; the run's largest where none fell near; zero where none was measured.
    pub fn latency_near(&self, from: VirtualTime, to: VirtualTime) -> VirtualDuration {
        let samples = &self.record.latency;
        let margin = VirtualDuration(self.real_ms(1000.0));
        let near = samples.iter().filter(|s| s.at + margin >= from && s.at <= to + margin).map(|s| s.took).max();
        let took = near.or_else(|| samples.iter().map(|s| s.took).max()).unwrap_or_default();
        VirtualDuration(self.real_ms(took.as_secs_f64() * 1000.0))
    }

    /// `ms` real milliseconds in virtual time at this run's scale.
    pub fn real_ms(&self, ms: f64) -> i64 {
        Pace::new(self.record.time_scale).virtual_of_millis(ms).as_millis()
    }
}

/// An outcome's word, as the driver contract spells it.
pub fn word(result: OutcomeResult) -> &'static str {
    match result {
        OutcomeResult::Paid => "paid",
        OutcomeResult::NotPaid => "not_paid",
        OutcomeResult::Refunded => "refunded",
        OutcomeResult::Voided => "voided",
        OutcomeResult::NotVoided => "not_voided",
        OutcomeResult::BatchClosed => "batch_closed",
        OutcomeResult::NotClosed => "not_closed",
        OutcomeResult::Unknown => "unknown",
    }
}
