//! [`Timeline`]: a scripted sequence of steps for one subject (an invoice's status answers, a
//! task's states), each held for a number of requests, a span of virtual time, or until a
//! customer event. Pure: the caller says when requests and events happen.

use crate::scenario::model::{CustomerEvent, Hold};
use crate::time::VirtualTime;

/// Where a timeline stands.
#[derive(Clone, Debug)]
pub(crate) struct Timeline<S> {
    steps: Vec<(S, Hold)>,
    current: usize,
    started: Option<VirtualTime>,
    polls: u32,
    events: Vec<CustomerEvent>,
}

impl<S: Clone> Timeline<S> {
    /// A timeline of `steps`, not started.
    pub(crate) fn new(steps: Vec<(S, Hold)>) -> Self {
        Timeline { steps, current: 0, started: None, polls: 0, events: Vec::new() }
    }

    /// Records that the customer did `event` (a step waiting for it may end).
    pub(crate) fn customer(&mut self, event: CustomerEvent) {
        self.events.push(event);
    }

    /// Moves past every step whose hold has ended by `now`.
    pub(crate) fn catch_up(&mut self, now: VirtualTime) {
        let started = *self.started.get_or_insert(now);
        let mut step_start = started;
        while self.current + 1 < self.steps.len() {
            let done = match self.steps[self.current].1 {
                Hold::Polls(n) => self.polls >= n,
                Hold::For(d) => now >= step_start + d,
                Hold::Until(event) => self.events.contains(&event),
                Hold::Forever => false,
            };
            if !done {
                break;
            }
            if let Hold::For(d) = self.steps[self.current].1 {
                step_start = step_start + d;
            } else {
                step_start = now;
            }
            self.current += 1;
            self.polls = 0;
            self.started = Some(step_start);
        }
    }

    /// The step a request at `now` is answered with; the request counts toward its hold.
    pub(crate) fn answer(&mut self, now: VirtualTime) -> Option<S> {
        self.catch_up(now);
        let step = self.steps.get(self.current).map(|(s, _)| s.clone());
        self.polls += 1;
        step
    }

    /// When the current step ends by time alone, if it does (the next step then begins).
    pub(crate) fn deadline(&self) -> Option<VirtualTime> {
        match (self.steps.get(self.current), self.started) {
            (Some((_, Hold::For(d))), Some(started)) if self.current + 1 < self.steps.len() => Some(started + *d),
            _ => None,
        }
    }

    /// When the current step ends, as far as is known at `now`: by time, at its deadline; held
    /// for requests or a customer event that has come, at `now` (it ends right after the
    /// answer that completed it). `None` before the timeline begins and at its last step.
    pub(crate) fn ends(&self, now: VirtualTime) -> Option<VirtualTime> {
        let started = self.started?;
        let (_, hold) = self.steps.get(self.current).filter(|_| self.current + 1 < self.steps.len())?;
        match *hold {
            Hold::For(d) => Some(started + d),
            Hold::Polls(n) if self.polls >= n => Some(now),
            Hold::Until(event) if self.events.contains(&event) => Some(now),
            _ => None,
        }
    }

    /// The index of the step now answered, once the timeline has begun.
    pub(crate) fn position(&self) -> Option<usize> {
        self.started.map(|_| self.current)
    }

    /// Starts the clock of the first step at `now` if nothing has yet.
    pub(crate) fn begin(&mut self, now: VirtualTime) {
        self.started.get_or_insert(now);
    }

    /// Ends the current step at `now`, the next one beginning then; false (and nothing
    /// changes) when it is the last step, which has no next one.
    pub(crate) fn pass(&mut self, now: VirtualTime) -> bool {
        if self.current + 1 >= self.steps.len() {
            return false;
        }
        self.current += 1;
        self.polls = 0;
        self.started = Some(now);
        true
    }

    /// The step now, without counting a request.
    pub(crate) fn peek(&mut self, now: VirtualTime) -> Option<S> {
        self.catch_up(now);
        self.steps.get(self.current).map(|(s, _)| s.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualDuration;

    const T0: VirtualTime = VirtualTime::DEFAULT_START;

    #[test]
    fn a_step_held_for_n_polls_answers_exactly_n_times() {
        let mut t = Timeline::new(vec![("fault", Hold::Polls(2)), ("created", Hold::Forever)]);
        let answers: Vec<&str> = (0..4).map(|_| t.answer(T0).unwrap()).collect();
        assert_eq!(answers, ["fault", "fault", "created", "created"]);
    }

    #[test]
    fn a_step_held_for_a_span_ends_on_the_virtual_clock() {
        let mut t =
            Timeline::new(vec![("in_process", Hold::For(VirtualDuration::secs(90))), ("success", Hold::Forever)]);
        assert_eq!(t.answer(T0), Some("in_process"));
        assert_eq!(t.answer(T0 + VirtualDuration::secs(89)), Some("in_process"));
        assert_eq!(t.answer(T0 + VirtualDuration::secs(90)), Some("success"));
    }

    #[test]
    fn a_step_held_until_a_customer_event_waits_for_it() {
        let mut t = Timeline::new(vec![("created", Hold::Until(CustomerEvent::Opens)), ("reached", Hold::Forever)]);
        assert_eq!(t.answer(T0 + VirtualDuration::secs(600)), Some("created"));
        t.customer(CustomerEvent::Opens);
        assert_eq!(t.answer(T0 + VirtualDuration::secs(601)), Some("reached"));
    }

    #[test]
    fn a_step_ends_at_its_deadline_or_once_its_requests_or_event_have_come() {
        let later = T0 + VirtualDuration::secs(7);
        let mut spans = Timeline::new(vec![("a", Hold::For(VirtualDuration::secs(10))), ("b", Hold::Forever)]);
        assert_eq!(spans.ends(later), None, "not begun");
        spans.begin(T0);
        assert_eq!(spans.ends(later), Some(T0 + VirtualDuration::secs(10)));
        let mut polls = Timeline::new(vec![("a", Hold::Polls(1)), ("b", Hold::Forever)]);
        polls.begin(T0);
        assert_eq!(polls.ends(later), None, "no request yet");
        assert_eq!(polls.answer(T0), Some("a"));
        assert_eq!(polls.ends(later), Some(later), "the one request was answered");
        let mut event = Timeline::new(vec![("a", Hold::Until(CustomerEvent::Pays)), ("b", Hold::Forever)]);
        event.begin(T0);
        assert_eq!(event.ends(later), None);
        event.customer(CustomerEvent::Pays);
        assert_eq!(event.ends(later), Some(later));
        assert_eq!(event.peek(later), Some("b"));
        assert_eq!(event.ends(later), None, "the last step never ends");
    }

    #[test]
    fn spans_chain_from_where_the_last_one_ended() {
        let mut t = Timeline::new(vec![
            ("a", Hold::For(VirtualDuration::secs(10))),
            ("b", Hold::For(VirtualDuration::secs(10))),
            ("c", Hold::Forever),
        ]);
        assert_eq!(t.answer(T0), Some("a"));
        assert_eq!(t.answer(T0 + VirtualDuration::secs(25)), Some("c"));
    }
}
