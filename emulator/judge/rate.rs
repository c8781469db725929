//! RATE-NO-STORM: every repeated request — a poll, a retried create, void or close, a repeated
//! `status` or `invoice`, a repeated deep link — keeps to the minimum interval and to the
//! `Retry-After` it was given; after two or more faults in a row, the waits are at least twice
//! the minimum and never shrink.
//!
//! An interval is measured from the end of one answer to the arrival of the next request, both
//! at payterm's own socket (nothing the client sends moves either). That is the integration's
//! wait plus its own latency, never less, so a floor (the minimum interval, `Retry-After`) can
//! be judged with the spec's tolerance alone. A shrink compares two such intervals, each
//! carrying latency of its own: a shrink counts only past the largest of 10 %,
//! [`LATENCY_ALLOWANCE_MS`] real milliseconds, and twice the latency payterm itself measured
//! on the machine at that time (its probe of the initiator program's start-up), so a loaded
//! machine or a program's start never turns a constant backoff into a shrinking one — a false
//! alarm costs more than a shrink hidden while the machine stalled; a scenario that needs finer
//! timing declares a slower scale.

use std::collections::BTreeMap;

use super::facts::{Call, CreateKind, Facts, Grant, Req};
use super::verdict::Verdict;
use crate::time::{VirtualDuration, VirtualTime};

/// Real milliseconds of the integration's own latency (scheduling, a process start) that one
/// interval may carry more than the next without counting as a shrink.
pub(super) const LATENCY_ALLOWANCE_MS: f64 = 20.0;

const RULE: &str = "RATE-NO-STORM";

/// What a request repeats, as a key: requests with one key form a series.
fn series_key(r: &Req) -> Option<String> {
    let key = match &r.call {
        Call::Poll { task } => format!("poll of task {task}"),
        Call::Create { kind, reference, origin } => {
            let what = match kind {
                CreateKind::Sale => "SALE",
                CreateKind::Void => "VOID",
                CreateKind::CloseBatch => "close batch",
                CreateKind::Unreadable => "task",
            };
            let of = reference.clone().or_else(|| origin.clone()).unwrap_or_default();
            format!("{what} create {of}").trim_end().to_owned()
        }
        Call::List { reference } => format!("task list {}", reference.as_deref().unwrap_or_default()),
        Call::Withdraw { task } => format!("withdrawal of task {task}"),
        Call::Transaction { ams } => format!("read of transaction {ams}"),
        Call::Batch { ams } => format!("read of batch {ams}"),
        Call::Token(Grant::Password { tid }) => format!("login {}", tid.as_deref().unwrap_or("master")),
        Call::Token(_) => "token refresh".to_owned(),
        Call::Link(link) => format!(
            "deep link {} {}",
            link.operation,
            link.reference.as_deref().or(link.ams.as_deref()).unwrap_or_default()
        ),
        Call::Invoice { invoice } => format!("invoice {}", invoice.as_deref().unwrap_or_default()),
        Call::Status { identifier, invoice } => {
            format!("status of {}", identifier.as_deref().or(invoice.as_deref()).unwrap_or_default())
        }
        Call::Other => return None,
    };
    Some(key)
}

/// Why RATE-NO-STORM, targeted by `scenario`, cannot fail when it runs at `time_scale` (or its
/// own `min_time_scale`, if slower), if it cannot: the spec's tolerance (5 real ms, at least)
/// covers the whole minimum interval, so even a tight loop of requests would pass its floor.
pub fn cannot_fail(scenario: &crate::scenario::Scenario, time_scale: f64) -> Option<String> {
    if !scenario.rules.iter().any(|r| r.id == RULE) {
        return None;
    }
    let pace = crate::time::Pace::new(time_scale.max(scenario.min_time_scale.unwrap_or(0.0)));
    let scale = pace.real_per_virtual();
    let min = scenario.timing.min_poll_interval;
    let tolerance = VirtualDuration((min.as_millis() / 10).max(pace.virtual_of_millis(5.0).as_millis()));
    if tolerance < min {
        return None;
    }
    // The slowest scale at which 5 real ms are under the minimum interval: twice that.
    let needed = 2.0 * 0.005 / min.as_secs_f64().max(1e-9);
    Some(format!(
        "{RULE} cannot fail at time scale {scale}: its tolerance (5 real ms, {tolerance} virtual) covers the whole \
         minimum interval ({min}), so even a tight loop passes\n(hint: declare `min_time_scale = {needed}` or more, or a \
         longer `min_poll_interval`)"
    ))
}

/// RATE-NO-STORM, scenario-wide.
pub(super) fn no_storm(f: &Facts) -> Vec<Verdict> {
    let min = f.min_interval();
    let twice = VirtualDuration(min.as_millis() * 2);
    let expected = format!(
        "repeated requests at least {min} apart and not before their Retry-After; after repeated faults, at least \
         {twice} apart and never shrinking"
    );
    let mut series: BTreeMap<String, Vec<&Req>> = BTreeMap::new();
    for r in f.reqs.iter().filter(|r| r.surface != crate::record::route::Door::Control) {
        if let Some(key) = series_key(r) {
            series.entry(key).or_default().push(r);
        }
    }
    for list in series.values_mut() {
        list.sort_by_key(|r| (r.arrived(), r.index));
    }
    if series.values().all(|s| s.len() < 2) {
        return vec![Verdict::not_exercised(RULE, None, &expected, "no request was repeated")];
    }
    let allowance = f.real_ms(LATENCY_ALLOWANCE_MS);
    let mut problems = Vec::new();
    let mut repeats = 0;
    for (key, reqs) in &series {
        let mut in_a_row = 0;
        // The wait after the previous fault of the current run of faults.
        let mut after_fault: Option<VirtualDuration> = None;
        for pair in reqs.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            repeats += 1;
            let gap = next.arrived() - prev.answered();
            in_a_row = if prev.is_fault() { in_a_row + 1 } else { 0 };
            if let Some(ra) = prev.retry_after
                && gap + f.tolerance(ra) < ra
            {
                problems
                    .push(format!("{key}: repeated {gap} after an answer that said Retry-After {ra} ({})", next.line));
            } else if prev.status != 401 && gap + f.tolerance(min) < min {
                problems.push(format!(
                    "{key}: repeated {gap} after the last answer, under the minimum {min} ({})",
                    next.line
                ));
            } else if in_a_row >= 2 {
                if gap + f.tolerance(twice) < twice {
                    problems.push(format!(
                        "{key}: waited {gap} after {in_a_row} faults in a row, under twice the minimum ({})",
                        next.line
                    ));
                } else if let Some(before) = after_fault {
                    let measured =
                        f.latency_near(VirtualTime(prev.answered().0 - before.as_millis()), next.arrived()).as_millis()
                            * 2;
                    let slack = VirtualDuration((before.as_millis() / 10).max(allowance).max(measured));
                    if gap + slack < before {
                        problems.push(format!(
                            "{key}: waited {gap} after fault {in_a_row} in a row but {before} after fault {} — the \
                             wait shrank by more than the {slack} allowed ({})",
                            in_a_row - 1,
                            next.line
                        ));
                    }
                }
            }
            // A held request's end is the client's own timeout, unknown here: no baseline.
            after_fault = (in_a_row >= 1 && prev.status != 0).then_some(gap);
        }
    }
    let count = problems.len();
    problems.truncate(5);
    vec![Verdict::from_problems(
        RULE,
        None,
        &expected,
        if count == 0 { Vec::new() } else { vec![format!("{count} repeated request(s) came too soon")] },
        problems,
        format!("{repeats} repeated request(s), none too soon"),
    )]
}
