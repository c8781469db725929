//! The orders of a scenario, given at their virtual times: each due order becomes its
//! driver-contract JSON (a void of another order's sale waits until that sale has an AMS id).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::MockCloud;
use crate::scenario::Scenario;
use crate::scenario::model::{Operation, Order, VoidTarget};
use crate::scenario::orders::order_json;
use crate::time::{Pace, VirtualDuration, VirtualTime};

/// The orders still to give, and when each was given.
pub(super) struct OrderFeed<'a> {
    scenario: &'a Scenario,
    pending: Vec<&'a Order>,
    start: Instant,
    pace: Pace,
    /// When each order was given (virtual).
    pub given: Vec<(String, VirtualTime)>,
}

impl<'a> OrderFeed<'a> {
    /// The feed of `scenario`, which started (real time) at `start`.
    pub(super) fn new(scenario: &'a Scenario, start: Instant, time_scale: f64) -> Self {
        let mut pending: Vec<&Order> = scenario.orders.iter().collect();
        pending.sort_by_key(|o| o.at);
        OrderFeed { scenario, pending, start, pace: Pace::new(time_scale), given: Vec::new() }
    }

    /// Counts the orders' times from `start` instead (the scenario's clock starts late).
    pub(super) fn restart(&mut self, start: Instant) {
        self.start = start;
    }

    /// `d` of virtual time in real time.
    pub(super) fn real(&self, d: VirtualDuration) -> Duration {
        self.pace.real(d)
    }

    /// Whether every order was given.
    pub(super) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// How many orders the scenario has.
    pub(super) fn len(&self) -> usize {
        self.scenario.orders.len()
    }

    /// When the next order not yet given is due (real time); for a void already due but waiting
    /// for its sale, when it stops waiting (its deadline) — the sale itself wakes the caller
    /// through the World's timers.
    pub(super) fn next_due(&self) -> Option<Instant> {
        let o = self.pending.first()?;
        let due = self.start + self.real(o.at);
        Some(if self.waiting_for_a_sale() { self.start + self.real(o.at + o.deadline) } else { due })
    }

    /// Whether the next order is a void that is due but waits for its sale's AMS id.
    pub(super) fn waiting_for_a_sale(&self) -> bool {
        self.pending.first().is_some_and(|o| {
            matches!((o.operation, &o.void_target), (Operation::Void, Some(VoidTarget::Order(_))))
                && self.start + self.real(o.at) <= Instant::now()
        })
    }

    /// The orders whose time has come, as JSON, in order.
    pub(super) fn due(&mut self, cloud: &MockCloud) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(order) = self.pending.first().copied().filter(|o| self.start + self.real(o.at) <= Instant::now())
        {
            let mut line = order_json(order);
            if let (Operation::Void, Some(VoidTarget::Order(of))) = (order.operation, &order.void_target) {
                match sale_of(cloud, self.scenario, of) {
                    Some(ams) => line["amsId"] = json!(ams),
                    // Not yet: wait for the sale, but not past this order's own deadline.
                    None if Instant::now() < self.start + self.real(order.at + order.deadline) => break,
                    None => {}
                }
            }
            self.pending.remove(0);
            self.given.push((order.id.clone(), cloud.now()));
            out.push(line);
        }
        out
    }
}

/// The AMS id of the approved sale made for order `of`, once it exists.
fn sale_of(cloud: &MockCloud, scenario: &Scenario, of: &str) -> Option<String> {
    let reference = &scenario.orders.iter().find(|o| o.id == of)?.reference;
    cloud.with_world(|w| {
        w.ledger()
            .entries()
            .iter()
            .find(|e| {
                e.reference.as_deref() == Some(reference.as_str())
                    && e.kind == crate::world::ledger::LedgerKind::Capture
            })
            .map(|e| e.payment.clone())
    })
}
