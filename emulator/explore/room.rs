//! How long a correct integration may take over a generated scenario, and so its deadline
//! ([`GenScenario::deadline_s`]): every wait as long as the spec allows, so a deadline never
//! ends a run while a correct integration was still within its rights.
//!
//! The model of a correct integration (conformance.md: "later", RATE-NO-STORM):
//! - after any answer it may wait up to the patience window before asking again, which the
//!   scenario declares ([`PATIENCE_S`]). After faults that is where its backoff is capped too:
//!   after k faults in a row it waits at least twice the minimum interval and never less than
//!   the wait before (say 1 s, 2 s, 4 s… doubling up to the window), and after a `Retry-After`
//!   at least that long, then up to the window more;
//! - each exchange takes up to [`EXCHANGE_S`] itself (at `--time-scale 0.01` a 30 ms process
//!   start is 3 virtual seconds), and a held answer [`HANG_S`] before the client gives up;
//! - on top come the payment's own holds (spans, the customer's steps, the card reader), and
//!   the other sales on the terminal, which runs one task at a time.

use super::model::{Answer, GenOrder, GenScenario, Hold, HttpFault, Step};
use crate::world::ledger::Surface;

/// The patience window every generated scenario declares (`patience`), virtual seconds: the
/// longest a correct integration may wait after an answer, a fault's backoff included. A
/// minute, not the default five, keeps the deadlines it implies short (an integration that
/// watches a paid invoice for a refund until the deadline, as the reference does, runs that
/// long), yet leaves a backoff capped at 30 s room to grow: capped at the window itself, its
/// waits could only stay equal while the exchanges' own latency varies, and RATE-NO-STORM
/// measured such intervals as shrinking (with 30 s, 7 runs in 25 of two generated scenarios).
pub const PATIENCE_S: u32 = 60;
/// The longest one exchange may take at the exploring speed, virtual seconds (at 0.01 the
/// initiator program's exchanges take 0.3 to 0.5 virtual seconds on a quiet machine).
pub const EXCHANGE_S: u32 = 5;
/// How long a client may wait on a held answer before it gives up, virtual seconds.
pub const HANG_S: u32 = 30;
/// One more request of a correct integration: the wait before it, and the exchange.
pub const REQUEST_S: u32 = PATIENCE_S + EXCHANGE_S;
/// What the terminal takes for one sale by itself (pickup 1 s and card 3 s, `profile.rs`).
const SALE_S: u32 = 5;
/// Slack on top of the longest order's room.
const MARGIN_S: u32 = 30;

/// Whether a request fault's `matcher` strikes requests an order on `surface` makes.
fn strikes(matcher: &str, surface: Surface) -> bool {
    match surface {
        Surface::Initiator => matcher.contains("/hype/"),
        Surface::Cloud => matcher.contains("/v1/"),
        Surface::App2app => false,
    }
}

impl GenScenario {
    /// The scenario's deadline: the longest room any order needs ([`Self::room_s`]), with a
    /// margin, in whole tens of seconds, at least a minute.
    pub fn deadline_s(&self) -> u32 {
        let longest = self.orders.iter().map(|o| self.room_s(o)).max().unwrap_or(0);
        (longest + MARGIN_S).div_ceil(10).saturating_mul(10).max(60)
    }

    /// How long a correct integration may take over `order`, from when it is given: its own
    /// way, the request faults that may strike it, and, for a sale, the terminal's other sales.
    pub fn room_s(&self, order: &GenOrder) -> u32 {
        let own = self.own_s(order) + self.faults_s(order.surface);
        if order.surface == Surface::Initiator { own } else { own + self.terminal_s(order) }
    }

    /// What the request faults on `surface`'s requests cost: each struck request is one more
    /// request, after a hang's timeout or a `Retry-After` as well. All of them count for every
    /// order, since which order's request a fault strikes depends on the order of requests.
    pub fn faults_s(&self, surface: Surface) -> u32 {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Http { matcher, times, fault, .. } if strikes(matcher, surface) => {
                    let extra = match fault {
                        HttpFault::Hang => HANG_S,
                        HttpFault::Status(_, Some(r)) => *r,
                        HttpFault::Delay(d) | HttpFault::SlowDrip(d) => *d,
                        _ => 0,
                    };
                    times * (REQUEST_S + extra)
                }
                _ => 0,
            })
            .sum()
    }

    /// The order's own way: its requests, each a whole [`REQUEST_S`] after the answer before
    /// it (the first one; a step held for `polls` its polls; any other step the one that sees
    /// it, or without a script the one that sees the ending), the spans its steps hold, and the
    /// customer.
    fn own_s(&self, order: &GenOrder) -> u32 {
        let c = &self.customer;
        let customer_s = c.opens_after_s + c.pays_after_s + c.completes_after_s + c.refunds_after_s.unwrap_or(0);
        let (mut requests, mut held_s) = (0, 0);
        for step in self.steps.iter().filter(|s| s.order() == Some(order.id.as_str())) {
            match step {
                Step::Status { hold, .. } | Step::Task { hold, .. } => match hold {
                    Hold::Polls(n) => requests += n,
                    Hold::Secs(s) => (requests, held_s) = (requests + 1, held_s + s),
                    // Customer events come within `customer_s`, counted once below.
                    Hold::UntilOpens | Hold::UntilPays | Hold::UntilCompletes | Hold::Forever => requests += 1,
                },
                _ => requests += 1,
            }
        }
        let total = REQUEST_S * (1 + requests.max(1)) + held_s;
        match order.surface {
            Surface::Initiator => {
                // After a rejection a correct integration may issue one new invoice (HYPE-REJECTED),
                // which the customer takes as long again.
                let rejected =
                    c.rejects || self.status_of(&order.id).any(|(a, _)| a == Answer::Status("completed_rejected"));
                total + customer_s + if rejected { customer_s + 2 * REQUEST_S } else { 0 }
            }
            // The transaction's read after the task's end, and a new token after expiry.
            Surface::Cloud => {
                let tokens = self.steps.iter().filter(|s| matches!(s, Step::Tokens { .. })).count();
                total + REQUEST_S * (1 + u32::try_from(tokens).unwrap_or(u32::MAX))
            }
            Surface::App2app => total,
        }
    }

    /// What the terminal's other work may cost a sale: it runs one task at a time, so the
    /// sale may wait for every other sale's whole way (and, on a semi-integrated terminal,
    /// a retry after its `409 TERMINAL_BUSY` for each); the card reader takes its time.
    fn terminal_s(&self, order: &GenOrder) -> u32 {
        let sales = self.orders.iter().filter(|o| o.surface != Surface::Initiator);
        let cards_s: u32 =
            self.steps.iter().map(|s| if let Step::Card { after_s, .. } = s { *after_s } else { 0 }).sum();
        let mut total = cards_s;
        for other in sales {
            total += SALE_S;
            if other.id != order.id {
                total += self.own_s(other) + if self.semi_integrated { REQUEST_S } else { 0 };
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::model::Customer;

    fn scenario(surfaces: &[Surface], steps: Vec<Step>) -> GenScenario {
        let customer =
            Customer { opens_after_s: 2, pays_after_s: 3, completes_after_s: 5, rejects: false, refunds_after_s: None };
        let orders = surfaces
            .iter()
            .enumerate()
            .map(|(i, surface)| GenOrder {
                id: format!("o{}", i + 1),
                surface: *surface,
                amount: 1200,
                at_s: 0,
                print_by_payment_app: None,
            })
            .collect();
        GenScenario { seed: 1, run: 1, semi_integrated: false, customer, orders, steps }
    }

    fn status(answer: Answer, hold: Hold) -> Step {
        Step::Status { order: "o1".into(), answer, hold }
    }

    fn http(matcher: &'static str, times: u32, fault: HttpFault) -> Step {
        Step::Http { matcher, from: 1, times, fault, after_acting: false }
    }

    fn room(s: &GenScenario) -> u32 {
        s.room_s(&s.orders[0])
    }

    #[test]
    fn each_fault_in_a_row_costs_a_whole_patience_window_and_an_exchange() {
        // Arrange
        let success = status(Answer::Status("completed_success"), Hold::Forever);
        let calm = scenario(&[Surface::Initiator], vec![success.clone()]);
        let faulty =
            scenario(&[Surface::Initiator], vec![status(Answer::Fault("unspecified"), Hold::Polls(3)), success]);

        // Act, Assert: one request for each of the three faults.
        assert_eq!(room(&faulty) - room(&calm), 3 * REQUEST_S);
        assert_eq!(room(&calm), 2 * REQUEST_S + 2 + 3 + 5, "the invoice, the request that sees it paid, the customer");
    }

    #[test]
    fn a_hang_costs_the_clients_timeout_and_a_retry_after_its_wait_on_top() {
        let calm = scenario(&[Surface::Cloud], vec![]);
        let hung = scenario(&[Surface::Cloud], vec![http("POST /v1/tasks/TRANSACTION", 2, HttpFault::Hang)]);
        let told = scenario(&[Surface::Cloud], vec![http("GET /v1/tasks/*", 1, HttpFault::Status(503, Some(30)))]);
        assert_eq!(room(&hung) - room(&calm), 2 * (REQUEST_S + HANG_S));
        assert_eq!(room(&told) - room(&calm), REQUEST_S + 30);
    }

    #[test]
    fn a_fault_on_another_surface_costs_nothing() {
        let calm = scenario(&[Surface::Initiator], vec![]);
        let other = scenario(&[Surface::Initiator], vec![http("GET /v1/tasks/*", 3, HttpFault::Reset)]);
        assert_eq!(room(&other), room(&calm));
    }

    #[test]
    fn a_sale_may_wait_for_the_terminals_other_sales_and_longer_on_a_semi_integrated_one() {
        let one = scenario(&[Surface::Cloud], vec![]);
        let mut two = scenario(&[Surface::Cloud, Surface::Cloud], vec![]);
        let alone = room(&one);
        assert_eq!(room(&two), 2 * alone, "its own way, and the other sale's whole way before it");
        two.semi_integrated = true;
        assert_eq!(room(&two), 2 * alone + REQUEST_S, "and a retry after 409 TERMINAL_BUSY");
    }

    #[test]
    fn the_deadline_is_the_longest_room_with_a_margin_in_whole_tens_of_seconds() {
        let s = scenario(
            &[Surface::Initiator, Surface::Cloud],
            vec![status(Answer::Fault("server_error"), Hold::Polls(2))],
        );
        let longest = s.orders.iter().map(|o| s.room_s(o)).max().unwrap();
        assert_eq!(s.deadline_s(), (longest + MARGIN_S).div_ceil(10) * 10);
        assert!(s.deadline_s() >= 60);
    }
}
