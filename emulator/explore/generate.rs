//! [`generate`]: a random [`GenScenario`] from a ChaCha8 RNG seeded by (seed, run), walking
//! the spec's own state machines: invoice statuses forward from `created` with faults at
//! chosen points, Cloud tasks from `QUEUED` to a final state, card outcomes, request faults,
//! token expiry, and several orders on one terminal at random times.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{Answer, Customer, GenOrder, GenScenario, Hold, HttpFault, Step};
use crate::world::ledger::Surface;

/// The RNG of run `run` of exploration `seed`: the two numbers fill different bytes of the
/// key, so no two (seed, run) pairs share a stream.
fn rng_for(seed: u64, run: u32) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..12].copy_from_slice(&run.to_le_bytes());
    key[12..20].copy_from_slice(b"explore1");
    ChaCha8Rng::from_seed(key)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// One of `items`, each as likely as its weight.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if at < *w {
            return *item;
        }
        at -= w;
    }
    items[items.len() - 1].0
}

/// The scenario of run `run` of exploration `seed`: the same pair always gives the same one.
pub fn generate(seed: u64, run: u32) -> GenScenario {
    let rng = &mut rng_for(seed, run);
    let count = weighted(rng, &[(1, 2), (2, 4), (3, 3), (4, 1)]);
    let mut orders: Vec<GenOrder> = Vec::new();
    for i in 1..=count {
        let has_link = orders.iter().any(|o| o.surface == Surface::App2app);
        let surface = weighted(
            rng,
            &[(Surface::Initiator, 5), (Surface::Cloud, 4), (Surface::App2app, if has_link { 0 } else { 1 })],
        );
        let amount = match surface {
            Surface::Initiator => rng.random_range(10..=9999) * 100,
            // The vendor's test amounts decide a card by themselves (declined, timeout, exception).
            _ if rng.random_bool(0.3) => pick(rng, &[1111, 1122, 1123, 1124]),
            _ => rng.random_range(1200..=9999),
        };
        let at_s = if rng.random_bool(0.5) { 0 } else { rng.random_range(1..=30) };
        let print_by_payment_app = (surface == Surface::App2app && rng.random_bool(0.3)).then_some(false);
        orders.push(GenOrder { id: format!("o{i}"), surface, amount, at_s, print_by_payment_app });
    }
    let customer = Customer {
        opens_after_s: rng.random_range(1..=10),
        pays_after_s: rng.random_range(1..=8),
        completes_after_s: rng.random_range(3..=25),
        rejects: rng.random_bool(0.1),
        refunds_after_s: None,
    };
    let mut s = GenScenario { seed, run, semi_integrated: false, customer, orders, steps: Vec::new() };
    let count_of = |s: &GenScenario, surface: Surface| s.orders.iter().filter(|o| o.surface == surface).count();
    let invoices = count_of(&s, Surface::Initiator);
    let sales = count_of(&s, Surface::Cloud) + count_of(&s, Surface::App2app);
    s.semi_integrated =
        count_of(&s, Surface::Cloud) >= 2 && count_of(&s, Surface::App2app) == 0 && rng.random_bool(0.25);
    for order in s.orders.clone() {
        match order.surface {
            Surface::Initiator if rng.random_bool(0.7) => status_script(rng, &mut s.steps, &order.id, invoices),
            Surface::Cloud if rng.random_bool(0.4) => task_script(rng, &mut s.steps, &order.id),
            Surface::App2app if rng.random_bool(0.3) => {
                let error = pick(rng, &[None, Some("failed"), Some("userNotLoggedIn"), Some("networkError")]);
                s.steps.push(Step::Link { order: order.id.clone(), error });
            }
            _ => {}
        }
    }
    if sales > 0 {
        for _ in 0..weighted(rng, &[(0, 3), (1, 2), (2, 1)]) {
            let outcome = weighted(rng, &[("approved", 4), ("declined", 2), ("timeout", 1), ("exception", 1)]);
            s.steps.push(Step::Card { outcome, after_s: rng.random_range(1..=20) });
        }
    }
    for _ in 0..weighted(rng, &[(0, 2), (1, 3), (2, 1)]) {
        if let Some(step) = http_fault(rng, &s) {
            s.steps.push(step);
        }
    }
    if count_of(&s, Surface::Cloud) > 0 && rng.random_bool(0.15) {
        s.steps.push(Step::Tokens { at_s: rng.random_range(5..=60) });
    }
    let has_status = s.steps.iter().any(|st| matches!(st, Step::Status { .. }));
    if invoices > 0 && !has_status && rng.random_bool(0.15) {
        s.customer.refunds_after_s = Some(rng.random_range(10..=40));
    }
    s
}

/// An invoice's status timeline: forward along created → reached → payment_in_process → an
/// ending (success, success then refund, rejected, or a stop the spec names), with
/// `undeterminable` and "try again later" faults at random points before the ending.
fn status_script(rng: &mut ChaCha8Rng, steps: &mut Vec<Step>, order: &str, invoices: usize) {
    let mut path: Vec<(Answer, Hold)> = Vec::new();
    if rng.random_bool(0.7) {
        let options = [(Hold::UntilOpens, 1), (Hold::Polls(rng.random_range(1..=3)), 2), (secs(rng, 2, 15), 2)];
        let hold = weighted(rng, &options);
        path.push((Answer::Status("created"), hold));
    }
    if rng.random_bool(0.6) {
        let options = [(Hold::UntilPays, 1), (Hold::Polls(rng.random_range(1..=3)), 2), (secs(rng, 2, 15), 2)];
        let hold = weighted(rng, &options);
        path.push((Answer::Status("reached"), hold));
    }
    if rng.random_bool(0.8) {
        let options = [(Hold::Polls(rng.random_range(1..=4)), 1), (secs(rng, 3, 30), 2)];
        let hold = weighted(rng, &options);
        path.push((Answer::Status("payment_in_process"), hold));
    }
    match weighted(rng, &[(0, 5), (1, 1), (2, 1), (3, 2)]) {
        0 => path.push((Answer::Status("completed_success"), Hold::Forever)),
        1 => {
            path.push((Answer::Status("completed_success"), secs(rng, 5, 20)));
            path.push((Answer::Status("completed_refunded"), Hold::Forever));
        }
        2 => path.push((Answer::Status("completed_rejected"), Hold::Forever)),
        _ => {
            path.truncate(rng.random_range(0..=path.len()));
            // The customer completes the payment on the clock: each status before the stop
            // ends with the customer's step past it, so none is answered after the money
            // moved, however slowly the integration polls (GenScenario::statuses_agree).
            for (answer, hold) in &mut path {
                *hold = match answer {
                    Answer::Status("created") => Hold::UntilOpens,
                    Answer::Status("reached") => Hold::UntilPays,
                    _ => Hold::UntilCompletes,
                };
            }
            let mut stops =
                vec![Answer::Fault("bad_signature"), Answer::Fault("resource_not_found"), Answer::Status("unexpected")];
            if invoices == 1 {
                stops.push(Answer::Fault("user_disabled"));
            }
            path.push((pick(rng, &stops), Hold::Forever));
        }
    }
    // Answers that say nothing about the way, slipped in before the ending.
    if rng.random_bool(0.2) {
        let at = rng.random_range(0..path.len());
        path.insert(at, (Answer::Status("undeterminable"), Hold::Polls(rng.random_range(1..=2))));
    }
    for _ in 0..weighted(rng, &[(0, 1), (1, 2), (2, 1)]) {
        let at = rng.random_range(0..path.len());
        let fault = pick(rng, &["unspecified", "server_error"]);
        path.insert(at, (Answer::Fault(fault), Hold::Polls(rng.random_range(1..=2))));
    }
    steps.extend(path.into_iter().map(|(answer, hold)| Step::Status { order: order.to_owned(), answer, hold }));
}

/// A Cloud task's timeline along the task state machine: QUEUED → IN_PROGRESS → COMPLETED or
/// FAILED, or QUEUED → CANCELLED.
fn task_script(rng: &mut ChaCha8Rng, steps: &mut Vec<Step>, order: &str) {
    let ending = weighted(rng, &[("COMPLETED", 6), ("FAILED", 2), ("CANCELLED", 1)]);
    let mut push = |state: &'static str, hold: Hold, outcome: Option<&'static str>, captured: bool| {
        steps.push(Step::Task { order: order.to_owned(), state, hold, outcome, captured });
    };
    let queued = ending == "CANCELLED" || rng.random_bool(0.6);
    if queued {
        let options = [(Hold::Polls(rng.random_range(1..=2)), 1), (secs(rng, 1, 15), 1)];
        let hold = weighted(rng, &options);
        push("QUEUED", hold, None, false);
    }
    if ending != "CANCELLED" && (queued || rng.random_bool(0.7)) {
        let options = [(Hold::Polls(rng.random_range(1..=4)), 1), (secs(rng, 2, 40), 1)];
        let hold = weighted(rng, &options);
        push("IN_PROGRESS", hold, None, false);
    }
    match ending {
        "COMPLETED" => push("COMPLETED", Hold::Forever, Some(pick(rng, &["approved", "declined"])), false),
        "FAILED" => push("FAILED", Hold::Forever, Some(pick(rng, &["timeout", "exception"])), rng.random_bool(0.3)),
        _ => push("CANCELLED", Hold::Forever, None, false),
    }
}

/// A fault on one of the requests the scenario's orders make, of a kind that request can
/// meet on a real network.
fn http_fault(rng: &mut ChaCha8Rng, s: &GenScenario) -> Option<Step> {
    let surfaces = s.surfaces();
    let mut targets = Vec::new();
    if surfaces.contains(&Surface::Cloud) {
        targets.extend(["POST /v1/tasks/TRANSACTION", "GET /v1/tasks/*", "GET /v1/transactions/*"]);
    }
    if surfaces.contains(&Surface::Initiator) {
        targets.extend(["POST /hype/v1/status", "POST /hype/v1/status", "POST /hype/v1/invoices"]);
    }
    if targets.is_empty() {
        return None;
    }
    let matcher = pick(rng, &targets);
    // Not `delay` nor `slow_drip`: the journal stamps such an exchange when its answer leaves,
    // and RATE-NO-STORM counts a late but complete answer as a fault, so a client that polls at
    // a steady pace after late answers is judged to storm.
    let retry_after = rng.random_range(2..=30);
    let options: &[(HttpFault, bool)] = match matcher {
        "POST /v1/tasks/TRANSACTION" => &[
            (HttpFault::Status(503, Some(retry_after)), false),
            (HttpFault::Status(500, None), false),
            (HttpFault::Reset, false),
            (HttpFault::Reset, true),
            (HttpFault::Truncate, true),
            (HttpFault::Hang, false),
        ],
        "GET /v1/tasks/*" => &[
            (HttpFault::Reset, false),
            (HttpFault::MalformedJson, false),
            (HttpFault::Status(500, None), false),
            (HttpFault::Truncate, false),
        ],
        "GET /v1/transactions/*" => {
            &[(HttpFault::Truncate, false), (HttpFault::Reset, false), (HttpFault::Status(500, None), false)]
        }
        "POST /hype/v1/invoices" => &[(HttpFault::Truncate, true), (HttpFault::Reset, false), (HttpFault::Reset, true)],
        _ => &[(HttpFault::Reset, false), (HttpFault::MalformedJson, false), (HttpFault::Truncate, false)],
    };
    let (fault, after_acting) = pick(rng, options);
    Some(Step::Http { matcher, from: rng.random_range(1..=6), times: rng.random_range(1..=3), fault, after_acting })
}

fn secs(rng: &mut ChaCha8Rng, low: u32, high: u32) -> Hold {
    Hold::Secs(rng.random_range(low..=high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::room;

    #[test]
    fn the_same_seed_and_run_give_the_same_scenario_and_others_differ() {
        assert_eq!(generate(5, 3), generate(5, 3));
        assert_ne!(generate(5, 3).to_toml(), generate(5, 4).to_toml());
        assert_ne!(generate(5, 3).to_toml(), generate(6, 3).to_toml());
    }

    /// Every generated scenario, for a spread of seeds.
    fn many() -> impl Iterator<Item = GenScenario> {
        (0..8).flat_map(|seed| (1..=100).map(move |run| generate(seed, run)))
    }

    #[test]
    fn every_status_before_a_stop_ends_by_a_customer_step_no_later_than_the_completion() {
        let mut checked = 0;
        for s in many() {
            assert!(s.statuses_agree(), "{}", s.to_toml());
            let c = s.customer;
            let completes = c.opens_after_s + c.pays_after_s + c.completes_after_s;
            for o in s.orders.iter().filter(|o| o.surface == Surface::Initiator) {
                let steps: Vec<(Answer, Hold)> = s.status_of(&o.id).collect();
                let ends_itself =
                    steps.iter().any(|(a, _)| matches!(a, Answer::Status("completed_success" | "completed_rejected")));
                for (answer, hold) in steps.iter().filter(|_| !ends_itself) {
                    if !matches!(answer, Answer::Status("created" | "reached" | "payment_in_process")) {
                        continue;
                    }
                    // When the step ends, counted from the URI's presentation.
                    let ends_at = match hold {
                        Hold::UntilOpens => c.opens_after_s,
                        Hold::UntilPays => c.opens_after_s + c.pays_after_s,
                        Hold::UntilCompletes => completes,
                        other => panic!("{answer:?} held {other:?} may outlast the customer:\n{}", s.to_toml()),
                    };
                    assert!(ends_at <= completes);
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "only {checked} such steps: the property was hardly exercised");
    }

    #[test]
    fn every_deadline_leaves_room_for_a_patience_window_after_each_fault_and_the_payments_own_holds() {
        for s in many() {
            let deadline = s.deadline_s();
            for o in &s.orders {
                // Answers that tell the integration to try again later: each may be followed by
                // a whole patience window before the next request (and a hang by the client's
                // timeout, a Retry-After by its wait, first).
                let mut waits = 0;
                let mut held = 0;
                for step in &s.steps {
                    match step {
                        Step::Status { order, answer, hold } if *order == o.id => {
                            let polls = if let Hold::Polls(n) = hold { *n } else { 0 };
                            if matches!(answer, Answer::Fault(_) | Answer::Status("undeterminable")) {
                                waits += polls * room::PATIENCE_S;
                            }
                            held += if let Hold::Secs(secs) = hold { *secs } else { 0 };
                        }
                        Step::Task { order, hold: Hold::Secs(secs), .. } if *order == o.id => held += secs,
                        Step::Http { matcher, times, fault, .. }
                            if matcher.contains("/hype/") == (o.surface == Surface::Initiator)
                                && o.surface != Surface::App2app =>
                        {
                            let extra = match fault {
                                HttpFault::Hang => room::HANG_S,
                                HttpFault::Status(_, Some(r)) => *r,
                                _ => 0,
                            };
                            waits += times * (room::PATIENCE_S + extra);
                        }
                        _ => {}
                    }
                }
                let c = s.customer;
                if o.surface == Surface::Initiator {
                    held += c.opens_after_s + c.pays_after_s + c.completes_after_s + c.refunds_after_s.unwrap_or(0);
                }
                // And one more window to see the ending and report it.
                let needed = waits + held + room::PATIENCE_S;
                assert!(deadline >= needed, "deadline {deadline} s < {needed} s for {}:\n{}", o.id, s.to_toml());
            }
        }
    }

    #[test]
    fn every_generated_scenario_is_fair_and_read_back_by_the_scenario_reader() {
        for seed in 0..4 {
            for run in 0..100 {
                let s = generate(seed, run);
                assert!(s.is_fair(), "seed {seed} run {run}:\n{}", s.to_toml());
                if let Err(e) = crate::scenario::parse("generated", &s.to_toml()) {
                    panic!("seed {seed} run {run}:\n{}\n{}", s.to_toml(), e.render());
                }
            }
        }
    }
}
