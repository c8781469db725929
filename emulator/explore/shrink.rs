//! [`shrink`]: makes a failing [`GenScenario`] smaller while it still fails the same rule,
//! greedily: fewer orders, then fewer steps, then shorter holds, times and counts, taking the
//! first smaller candidate (in a fixed order) that still fails, until none does.

use std::future::Future;

use super::model::{GenScenario, Hold, HttpFault, Step};
use crate::world::ledger::Surface;

/// What shrinking ended with.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest scenario found that still fails.
    pub scenario: GenScenario,
    /// How many candidates were run.
    pub tries: usize,
    /// How many of them were taken.
    pub taken: usize,
    /// Whether it stopped because `budget` candidates had been tried, with some left untried.
    pub budget_spent: bool,
    /// The scenarios taken before the last, from `start` on, to fall back to if the last
    /// does not fail again.
    pub path: Vec<GenScenario>,
}

/// Shrinks `start`, which fails, with `still_fails` (runs a candidate, says whether it fails
/// the same rule), running up to `jobs` candidates at once and at most `budget` in all;
/// `on_taken` is shown each smaller scenario as it is taken. Of a
/// batch the first candidate in the fixed order that fails is taken; the next round goes on
/// from that place in the new candidate list (wrapping round), so the cuts that failed just
/// before are not all run again first. The result depends only on what the runs say.
pub async fn shrink<F, Fut>(
    start: GenScenario,
    jobs: usize,
    budget: usize,
    mut still_fails: F,
    on_taken: &mut dyn FnMut(&GenScenario),
) -> Shrunk
where
    F: FnMut(GenScenario) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut current = start;
    let (mut tries, mut taken, mut from) = (0, 0, 0);
    let mut path = Vec::new();
    let mut budget_spent = false;
    // A run may miss a failure that hangs on timing, so when a whole round takes nothing the
    // big cuts (an order, an order's whole script) get a second chance before shrinking ends.
    let mut second_chance = false;
    'rounds: loop {
        let mut all = candidates(&current);
        if second_chance {
            all.truncate(big_cuts(&current));
        }
        let from_here = if second_chance { 0 } else { from.min(all.len()) };
        let order: Vec<&GenScenario> = all[from_here..].iter().chain(&all[..from_here]).collect();
        for (b, batch) in order.chunks(jobs.max(1)).enumerate() {
            let batch = &batch[..batch.len().min(budget.saturating_sub(tries))];
            if batch.is_empty() {
                budget_spent = true;
                break 'rounds;
            }
            tries += batch.len();
            let verdicts = futures_util::future::join_all(batch.iter().map(|c| still_fails((*c).clone()))).await;
            if let Some(i) = verdicts.iter().position(|failed| *failed) {
                path.push(current);
                current = batch[i].clone();
                on_taken(&current);
                taken += 1;
                from = (from_here + b * jobs.max(1) + i) % all.len().max(1);
                second_chance = false;
                continue 'rounds;
            }
        }
        if second_chance {
            break;
        }
        second_chance = true;
    }
    Shrunk { scenario: current, tries, taken, budget_spent, path }
}

/// How many of [`candidates`]'s first entries are big cuts: an order gone, or an order's
/// whole script.
fn big_cuts(s: &GenScenario) -> usize {
    big(s).len()
}

fn big(s: &GenScenario) -> Vec<GenScenario> {
    let mut out: Vec<GenScenario> = Vec::new();
    for i in 0..s.orders.len() {
        let mut c = s.clone();
        let gone = c.orders.remove(i).id;
        c.steps.retain(|step| step.order() != Some(gone.as_str()));
        out.push(tidy(c));
    }
    for o in &s.orders {
        let mut c = s.clone();
        c.steps.retain(|step| step.order() != Some(o.id.as_str()));
        out.push(c);
    }
    keep_valid(s, out)
}

/// Every one-change-smaller version of `s` that is still fair and still a valid scenario
/// file, the biggest cuts first.
pub fn candidates(s: &GenScenario) -> Vec<GenScenario> {
    let mut out = big(s);
    // Steps that strike by count across every order (request faults, cards) go first: a
    // failure that needs only an order's own script replays the same way every time.
    let shared: Vec<usize> = (0..s.steps.len()).filter(|i| s.steps[*i].order().is_none()).collect();
    let own = (0..s.steps.len()).filter(|i| s.steps[*i].order().is_some());
    for i in shared.iter().copied().chain(own) {
        let mut c = s.clone();
        c.steps.remove(i);
        out.push(tidy(c));
    }
    for i in 0..s.steps.len() {
        for smaller in smaller_steps(&s.steps[i]) {
            let mut c = s.clone();
            c.steps[i] = smaller;
            out.push(c);
        }
    }
    for i in 0..s.orders.len() {
        let o = &s.orders[i];
        let mut changes = Vec::new();
        if o.at_s > 0 {
            changes.extend([0, o.at_s / 2]);
        }
        for at_s in changes {
            let mut c = s.clone();
            c.orders[i].at_s = at_s;
            out.push(c);
        }
        if o.print_by_payment_app.is_some() {
            let mut c = s.clone();
            c.orders[i].print_by_payment_app = None;
            out.push(c);
        }
    }
    // The customer's timings are not made shorter: they are no step, and a payment that stays
    // in process for a second makes a failure that replays only by luck.
    let mut changed = |f: &dyn Fn(&mut GenScenario)| {
        let mut c = s.clone();
        f(&mut c);
        out.push(c);
    };
    changed(&|c| c.customer.refunds_after_s = None);
    changed(&|c| c.customer.rejects = false);
    changed(&|c| c.semi_integrated = false);
    keep_valid(s, out)
}

/// `out` without `s` itself, repeats, and what is unfair or not a valid scenario file.
fn keep_valid(s: &GenScenario, out: Vec<GenScenario>) -> Vec<GenScenario> {
    let mut unique: Vec<GenScenario> = Vec::new();
    for c in out {
        if c != *s && !unique.contains(&c) && c.is_fair() && crate::scenario::parse("candidate", &c.to_toml()).is_ok() {
            unique.push(c);
        }
    }
    unique
}

/// The shortest span a hold is cut to. Shorter windows (a state shown for one poll) make
/// failures that hang on which of two requests comes first, and those replay only by luck.
const FLOOR_S: u32 = 5;

fn smaller_hold(hold: Hold) -> Vec<Hold> {
    match hold {
        Hold::Polls(n) if n > 1 => vec![Hold::Polls(1), Hold::Polls(n - 1)],
        Hold::Secs(s) if s > FLOOR_S => vec![Hold::Secs((s / 2).max(FLOOR_S))],
        _ => Vec::new(),
    }
}

/// The same step with one figure made smaller: a hold, a count, a delay, a flag.
fn smaller_steps(step: &Step) -> Vec<Step> {
    let mut out = Vec::new();
    match step {
        Step::Status { order, answer, hold } => {
            for h in smaller_hold(*hold) {
                out.push(Step::Status { order: order.clone(), answer: *answer, hold: h });
            }
        }
        Step::Task { order, state, hold, outcome, captured } => {
            for h in smaller_hold(*hold) {
                out.push(Step::Task { order: order.clone(), state, hold: h, outcome: *outcome, captured: *captured });
            }
            if *captured {
                out.push(Step::Task { order: order.clone(), state, hold: *hold, outcome: *outcome, captured: false });
            }
        }
        Step::Card { outcome, after_s } if *after_s > 1 => {
            out.push(Step::Card { outcome, after_s: after_s / 2 });
        }
        Step::Http { matcher, from, times, fault, after_acting } => {
            let with = |from: u32, times: u32, fault: HttpFault| Step::Http {
                matcher,
                from,
                times,
                fault,
                after_acting: *after_acting,
            };
            if *times > 1 {
                out.push(with(*from, 1, *fault));
            }
            if *from > 1 {
                out.extend([with(1, *times, *fault), with(from - 1, *times, *fault)]);
            }
            let lighter = match fault {
                HttpFault::Status(code, Some(r)) => Some(HttpFault::Status(*code, (*r > 1).then_some(r / 2))),
                HttpFault::Delay(d) if *d > 1 => Some(HttpFault::Delay(d / 2)),
                HttpFault::SlowDrip(d) if *d > 1 => Some(HttpFault::SlowDrip(d / 2)),
                _ => None,
            };
            if let Some(f) = lighter {
                out.push(with(*from, *times, f));
            }
        }
        Step::Tokens { at_s } if *at_s > 1 => out.push(Step::Tokens { at_s: at_s / 2 }),
        _ => {}
    }
    out
}

/// Drops what no order is left to meet: cards without sales, token expiry without Cloud
/// orders, request faults on a surface no order uses, a semi-integrated terminal with one sale.
fn tidy(mut s: GenScenario) -> GenScenario {
    let has = |s: &GenScenario, surface: Surface| s.orders.iter().any(|o| o.surface == surface);
    let cloud = has(&s, Surface::Cloud);
    let sales = cloud || has(&s, Surface::App2app);
    let initiator = has(&s, Surface::Initiator);
    s.steps.retain(|step| match step {
        Step::Card { .. } => sales,
        Step::Tokens { .. } => cloud,
        Step::Http { matcher, .. } if matcher.contains("/hype/") => initiator,
        Step::Http { .. } => cloud,
        _ => true,
    });
    if s.orders.iter().filter(|o| o.surface == Surface::Cloud).count() < 2 {
        s.semi_integrated = false;
    }
    if !initiator {
        s.customer.refunds_after_s = None;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::generate::generate;
    use crate::explore::model::Answer;

    /// A stand-in for "still fails": two invoices, one of them answered a server error.
    fn planted(s: &GenScenario) -> bool {
        let invoices = s.orders.iter().filter(|o| o.surface == Surface::Initiator).count();
        let fault = s.steps.iter().any(|st| matches!(st, Step::Status { answer: Answer::Fault("server_error"), .. }));
        invoices >= 2 && fault
    }

    fn shrunk(s: GenScenario, jobs: usize) -> Shrunk {
        shrunk_within(s, jobs, 500)
    }

    fn shrunk_within(s: GenScenario, jobs: usize, budget: usize) -> Shrunk {
        let mut quiet = |_: &GenScenario| {};
        let run = shrink(
            s,
            jobs,
            budget,
            |c| {
                let failed = planted(&c);
                async move { failed }
            },
            &mut quiet,
        );
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run)
    }

    #[test]
    fn every_candidate_is_smaller_in_one_way_and_still_a_valid_fair_scenario() {
        for run in 0..60 {
            let s = generate(3, run);
            for c in candidates(&s) {
                assert!(c.is_fair(), "{}", c.to_toml());
                assert!(crate::scenario::parse("c", &c.to_toml()).is_ok());
                assert!(c.size().0 <= s.size().0 && c.size().1 <= s.size().1);
            }
        }
    }

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs_and_is_deterministic() {
        let start = (0..200).map(|run| generate(11, run)).find(|s| planted(s) && s.size().1 > 4).unwrap();
        let one = shrunk(start.clone(), 1);
        assert!(planted(&one.scenario));
        assert_eq!(one.scenario.orders.len(), 2, "{}", one.scenario.to_toml());
        // Each invoice's script must end the payment or stop; the fault needs an ending after it.
        assert!(one.scenario.steps.len() <= 3, "{}", one.scenario.to_toml());
        assert!(candidates(&one.scenario).iter().all(|c| !planted(c)));
        // Running candidates four at a time takes the same path: the first failing one in order.
        assert_eq!(shrunk(start, 4).scenario, one.scenario);
        assert!(!one.budget_spent, "{} tries", one.tries);
    }

    #[test]
    fn shrinking_stops_at_its_budget_and_says_so() {
        // Arrange
        let start = (0..200).map(|run| generate(11, run)).find(|s| planted(s) && s.size().1 > 4).unwrap();
        let whole = shrunk(start.clone(), 1);

        // Act
        let cut = shrunk_within(start.clone(), 2, 3);

        // Assert
        assert!(whole.tries > 3, "the whole shrink needs more than the budget");
        assert!(cut.budget_spent);
        assert_eq!(cut.tries, 3);
        assert!(planted(&cut.scenario) && cut.scenario.size() <= start.size());
    }
}
