//! Which order each request, task, invoice and movement of money belongs to ([`Attribution`]):
//! by the order's reference matched exactly (an invoice re-issued for the same order is
//! `<reference>-<n>`), by the sale a void names, by the task and AMS ids the World handed out;
//! where several orders void one sale, by when each was given, whether it was still open and
//! the task ids its outcomes name; where nothing else tells, by the one order of that kind on
//! that surface; in a single-order scenario, everything belongs to its one order.

use std::collections::HashMap;

use super::req::{Call, CreateKind, Req};
use super::world::{TaskFact, WorldFacts};
use crate::record::events::{EventKind, OutcomeResult};
use crate::runner::Record;
use crate::scenario::model::{Operation, Order, VoidTarget};
use crate::time::VirtualTime;
use crate::world::ledger::{LedgerEntry, LedgerKind, Surface};
use crate::world::task::TaskRequest;

/// How things are matched to orders in one run.
pub struct Attribution<'s> {
    orders: &'s [Order],
    /// Order index by exact reference.
    by_reference: HashMap<&'s str, usize>,
    /// The AMS id each void order voids, once known.
    pub void_targets: Vec<Option<String>>,
    /// When each order was given.
    given: Vec<VirtualTime>,
    /// When each order first had an outcome other than `unknown`.
    settled: Vec<Option<VirtualTime>>,
    /// The task ids each order's outcomes name.
    named: Vec<Vec<String>>,
}

impl<'s> Attribution<'s> {
    /// The attribution of `record`'s orders, void targets resolved against its ledger.
    pub fn new(record: &'s Record) -> Self {
        let orders = record.scenario.orders.as_slice();
        let ledger = &record.ledger;
        let by_reference = orders.iter().enumerate().map(|(i, o)| (o.reference.as_str(), i)).collect();
        let void_targets = orders.iter().map(|o| void_target(orders, o, ledger)).collect();
        let given = orders
            .iter()
            .map(|o| record.given.iter().find(|(id, _)| id == &o.id).map_or(record.started, |(_, at)| *at))
            .collect();
        let outcomes = |o: &'s Order| {
            record.events.iter().filter(move |e| e.order == o.id).filter_map(|e| match &e.kind {
                EventKind::Outcome { result, details } => Some((e.at, *result, details)),
                _ => None,
            })
        };
        let settled = orders
            .iter()
            .map(|o| outcomes(o).find(|(_, result, _)| *result != OutcomeResult::Unknown).map(|(at, _, _)| at))
            .collect();
        let named = orders
            .iter()
            .map(|o| outcomes(o).filter_map(|(_, _, d)| d.get("taskId")?.as_str().map(str::to_owned)).collect())
            .collect();
        Attribution { orders, by_reference, void_targets, given, settled, named }
    }

    /// The only order, in a single-order scenario.
    fn single(&self) -> Option<usize> {
        (self.orders.len() == 1).then_some(0)
    }

    /// The order whose reference `reference` is: exactly, or `<reference>-<n>` for an invoice
    /// order when no order has the longer reference itself.
    pub fn by_reference(&self, reference: &str) -> Option<usize> {
        if let Some(i) = self.by_reference.get(reference) {
            return Some(*i);
        }
        let (stem, n) = reference.rsplit_once('-')?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.by_reference(stem).filter(|i| self.orders[*i].operation == Operation::Invoice)
    }

    /// The void order that voids `ams`, for a request or task made at `at` (of task `task`, if
    /// known). Where several orders void the same sale: the one whose outcome names the task;
    /// else, among those given by then, the first still open (no final outcome before `at`),
    /// else the last given; an order not yet given cannot have asked.
    pub fn void_of(&self, ams: &str, at: VirtualTime, task: Option<&str>) -> Option<usize> {
        let mut candidates: Vec<usize> =
            (0..self.orders.len()).filter(|i| self.void_targets[*i].as_deref() == Some(ams)).collect();
        if candidates.len() <= 1 {
            return candidates.first().copied();
        }
        if let Some(i) = task.and_then(|t| candidates.iter().copied().find(|i| self.named[*i].iter().any(|n| n == t))) {
            return Some(i);
        }
        candidates.sort_by_key(|i| (self.given[*i], *i));
        let given: Vec<usize> = candidates.iter().copied().filter(|i| self.given[*i] <= at).collect();
        let open = given.iter().copied().find(|i| self.settled[*i].is_none_or(|done| done >= at));
        open.or_else(|| given.last().copied()).or_else(|| candidates.first().copied())
    }

    /// The one order of `operation` on `surface`, if exactly one.
    fn only(&self, operation: Operation, surface: Surface) -> Option<usize> {
        let mut found =
            self.orders.iter().enumerate().filter(|(_, o)| o.operation == operation && o.surface == surface);
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// The order a task belongs to.
    pub fn task(&self, task: &TaskFact) -> Option<usize> {
        let request = &task.request;
        let by_reference = request.reference().and_then(|r| self.by_reference(r));
        let by_kind = match request {
            TaskRequest::Void(v) => self.void_of(v.origin.as_str(), task.created, Some(&task.id)),
            TaskRequest::CloseBatch(_) => self.only(Operation::CloseBatch, Surface::Cloud),
            TaskRequest::Sale(_) => self.only(Operation::Sale, Surface::Cloud),
        };
        by_reference.or(by_kind).or_else(|| self.single())
    }

    /// The order a request belongs to, given the World's tasks and invoices and the orders
    /// those were attributed to.
    pub fn request(&self, req: &Req, world: &WorldFacts, task_orders: &HashMap<String, usize>) -> Option<usize> {
        let at = req.arrived();
        let reference = |r: &Option<String>| r.as_deref().and_then(|r| self.by_reference(r));
        let of_ams = |ams: &str| {
            world.task_of_ams(ams).and_then(|t| task_orders.get(&t.id).copied()).or_else(|| self.void_of(ams, at, None))
        };
        let found = match &req.call {
            Call::Create { reference: r, origin, kind } => reference(r)
                .or_else(|| origin.as_deref().and_then(|o| self.void_of(o, at, None)))
                .or_else(|| match kind {
                    CreateKind::Sale => self.only(Operation::Sale, Surface::Cloud),
                    CreateKind::Void => self.only(Operation::Void, Surface::Cloud),
                    CreateKind::CloseBatch => self.only(Operation::CloseBatch, Surface::Cloud),
                    CreateKind::Unreadable => None,
                }),
            Call::Poll { task } | Call::Withdraw { task } => task_orders.get(task).copied(),
            Call::List { reference: r } => reference(r),
            Call::Transaction { ams } | Call::Batch { ams } => of_ams(ams),
            Call::Link(link) => reference(&link.reference)
                .or_else(|| link.ams.as_deref().and_then(of_ams))
                // An amsID that is an order's reference: that order, asking for the wrong thing.
                .or_else(|| link.ams.as_deref().and_then(|a| self.by_reference(a)))
                .or_else(|| match link.operation.as_str() {
                    "transaction/create" | "transaction/refund" => self.only(Operation::Sale, Surface::App2app),
                    "transaction/cancel" => self.only(Operation::Void, Surface::App2app),
                    "batch/close" | "batch/detail" => self.only(Operation::CloseBatch, Surface::App2app),
                    _ => None,
                }),
            Call::Invoice { invoice } => reference(invoice),
            Call::Status { invoice, identifier } => reference(invoice).or_else(|| {
                let known = world.invoice(identifier.as_deref()?)?;
                self.by_reference(&known.invoice)
            }),
            Call::Token(_) | Call::Other => return None,
        };
        found.or_else(|| self.single())
    }

    /// Whether ledger entry `e` is the money of order `i`: a void order's is the payment it
    /// voids; any other's what carries its reference — or, in a single-order scenario, every
    /// movement during the run.
    pub fn money(&self, e: &LedgerEntry, i: usize, started: VirtualTime) -> bool {
        if self.orders[i].operation == Operation::Void {
            return self.void_targets[i].as_deref() == Some(e.payment.as_str());
        }
        match e.reference.as_deref().and_then(|r| self.by_reference(r)) {
            Some(owner) => owner == i,
            None => self.single() == Some(i) && e.at >= started,
        }
    }
}

/// The AMS id void order `o` voids: the one it names, or the capture of the order it names.
fn void_target(orders: &[Order], o: &Order, ledger: &[LedgerEntry]) -> Option<String> {
    match (&o.operation, &o.void_target) {
        (Operation::Void, Some(VoidTarget::AmsId(ams))) => Some(ams.clone()),
        (Operation::Void, Some(VoidTarget::Order(of))) => {
            let sale = orders.iter().find(|s| &s.id == of)?;
            ledger
                .iter()
                .find(|e| e.kind == LedgerKind::Capture && e.reference.as_deref() == Some(sale.reference.as_str()))
                .map(|e| e.payment.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(orders: &str) -> String {
        format!("version = 1\nname = \"t\"\nsurfaces = [\"initiator\"]\nrules = [\"HYPE-SUCCESS\"]\n{orders}")
    }

    #[test]
    fn references_match_exactly_and_a_reissued_invoice_by_its_suffix() {
        let s = scenario(
            "[[orders]]\nid = \"a\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-1\"\n\
             [[orders]]\nid = \"b\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-10\"\n",
        );
        let record = crate::judge::synth::Synth::new(&s).record();
        let a = Attribution::new(&record);
        assert_eq!(a.by_reference("REF-1"), Some(0));
        assert_eq!(a.by_reference("REF-10"), Some(1), "REF-10 is its own order, not REF-1's");
        assert_eq!(a.by_reference("REF-1-2"), Some(0), "a second invoice of REF-1");
        assert_eq!(a.by_reference("REF-100"), None);
        assert_eq!(a.by_reference("REF-"), None);
        assert_eq!(a.by_reference("REF-1-x"), None);
    }
}
