//! Which order each request, task, invoice and movement of money belongs to ([`Attribution`]):
//! by the order's reference matched exactly (an invoice re-issued for the same order is
//! `<reference>-<n>`), by the sale a void names, by the task and AMS ids the World handed out;
//! in a single-order scenario, everything belongs to its one order.

use std::collections::HashMap;

use super::req::{Call, Req};
use super::world::WorldFacts;
use crate::scenario::Scenario;
use crate::scenario::model::{Operation, Order, VoidTarget};
use crate::world::ledger::{LedgerEntry, LedgerKind, Surface};
use crate::world::task::TaskRequest;

/// How things are matched to orders in one run.
pub struct Attribution<'s> {
    orders: &'s [Order],
    /// Order index by exact reference.
    by_reference: HashMap<&'s str, usize>,
    /// The AMS id each void order voids, once known.
    pub void_targets: Vec<Option<String>>,
}

impl<'s> Attribution<'s> {
    /// The attribution of `scenario`'s orders, void targets resolved against `ledger`.
    pub fn new(scenario: &'s Scenario, ledger: &[LedgerEntry]) -> Self {
        let orders = scenario.orders.as_slice();
        let by_reference = orders.iter().enumerate().map(|(i, o)| (o.reference.as_str(), i)).collect();
        let mut this = Attribution { orders, by_reference, void_targets: Vec::new() };
        this.void_targets = orders
            .iter()
            .map(|o| match (&o.operation, &o.void_target) {
                (Operation::Void, Some(VoidTarget::AmsId(ams))) => Some(ams.clone()),
                (Operation::Void, Some(VoidTarget::Order(of))) => {
                    let sale = orders.iter().find(|s| &s.id == of)?;
                    ledger
                        .iter()
                        .find(|e| {
                            e.kind == LedgerKind::Capture && e.reference.as_deref() == Some(sale.reference.as_str())
                        })
                        .map(|e| e.payment.clone())
                }
                _ => None,
            })
            .collect();
        this
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

    /// The void order that voids `ams`.
    pub fn void_of(&self, ams: &str) -> Option<usize> {
        self.void_targets.iter().position(|t| t.as_deref() == Some(ams))
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
    pub fn task(&self, request: &TaskRequest) -> Option<usize> {
        let by_reference = request.reference().and_then(|r| self.by_reference(r));
        let by_kind = match request {
            TaskRequest::Void(v) => self.void_of(v.origin.as_str()),
            TaskRequest::CloseBatch(_) => self.only(Operation::CloseBatch, Surface::Cloud),
            TaskRequest::Sale(_) => None,
        };
        by_reference.or(by_kind).or_else(|| self.single())
    }

    /// The order a request belongs to, given the World's tasks and invoices and the orders
    /// those were attributed to.
    pub fn request(&self, req: &Req, world: &WorldFacts, task_orders: &HashMap<String, usize>) -> Option<usize> {
        let reference = |r: &Option<String>| r.as_deref().and_then(|r| self.by_reference(r));
        let of_ams = |ams: &str| {
            world.task_of_ams(ams).and_then(|t| task_orders.get(&t.id).copied()).or_else(|| self.void_of(ams))
        };
        let found =
            match &req.call {
                Call::Create { reference: r, origin, .. } => {
                    reference(r).or_else(|| origin.as_deref().and_then(|o| self.void_of(o)))
                }
                Call::Poll { task } | Call::Withdraw { task } => task_orders.get(task).copied(),
                Call::List { reference: r } => reference(r),
                Call::Transaction { ams } | Call::Batch { ams } => of_ams(ams),
                Call::Link(link) => reference(&link.reference)
                    .or_else(|| link.ams.as_deref().and_then(of_ams))
                    .or_else(|| match link.operation.as_str() {
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
    pub fn money(&self, e: &LedgerEntry, i: usize, started: crate::world::clock::VirtualTime) -> bool {
        if self.orders[i].operation == Operation::Void {
            return self.void_targets[i].as_deref() == Some(e.payment.as_str());
        }
        match e.reference.as_deref().and_then(|r| self.by_reference(r)) {
            Some(owner) => owner == i,
            None => self.single() == Some(i) && e.at >= started,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(orders: &str) -> Scenario {
        let text =
            format!("version = 1\nname = \"t\"\nsurfaces = [\"initiator\"]\nrules = [\"HYPE-SUCCESS\"]\n{orders}");
        crate::scenario::parse("t.toml", &text).unwrap()
    }

    #[test]
    fn references_match_exactly_and_a_reissued_invoice_by_its_suffix() {
        let s = scenario(
            "[[orders]]\nid = \"a\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-1\"\n\
             [[orders]]\nid = \"b\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-10\"\n",
        );
        let a = Attribution::new(&s, &[]);
        assert_eq!(a.by_reference("REF-1"), Some(0));
        assert_eq!(a.by_reference("REF-10"), Some(1), "REF-10 is its own order, not REF-1's");
        assert_eq!(a.by_reference("REF-1-2"), Some(0), "a second invoice of REF-1");
        assert_eq!(a.by_reference("REF-100"), None);
        assert_eq!(a.by_reference("REF-"), None);
        assert_eq!(a.by_reference("REF-1-x"), None);
    }
}
