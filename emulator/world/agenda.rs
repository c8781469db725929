//! The World's one queue of things due at a virtual time: its own timers (a terminal picking
//! up its queue, a card read ending) and the cues a script asked to be woken at, fired in time
//! order one at a time so whoever drives the World sees each moment before the next.

use std::cmp::Reverse;

use super::state::{Cue, Timer, TimerKind, World};
use crate::time::{VirtualDuration, VirtualTime};

/// What [`World::fire_next`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    /// One of the World's own timers fired at this moment (its events are waiting).
    Own(VirtualTime),
    /// A script's cue fell due at this moment: the World stands there, and the script acts.
    Cue(VirtualTime, Cue),
}

impl World {
    /// Fires the first thing due by `now`, moving virtual time to its moment; `None` (and
    /// time moved to `now`) once nothing is. Earlier times are ignored: virtual time never
    /// runs back.
    pub fn fire_next(&mut self, now: VirtualTime) -> Option<Fired> {
        let due = self.timers.peek().map(|Reverse(t)| t.due).filter(|due| *due <= now);
        let Some(Reverse(timer)) = due.and_then(|_| self.timers.pop()) else {
            self.now = self.now.max(now);
            return None;
        };
        self.now = self.now.max(timer.due);
        match timer.kind {
            TimerKind::Start(tid) => self.pickup(&tid),
            TimerKind::Finish(task) => self.finish(&task, None),
            TimerKind::Cue(cue) => return Some(Fired::Cue(self.now, cue)),
        }
        Some(Fired::Own(self.now))
    }

    /// Moves virtual time forward to `now`, firing every timer of the World's own due by then
    /// in order. A script's cues that fall due stay queued, for its driver's next
    /// [`World::fire_next`].
    pub fn advance_to(&mut self, now: VirtualTime) {
        let mut cues = Vec::new();
        while let Some(fired) = self.fire_next(now) {
            if let Fired::Cue(at, cue) = fired {
                cues.push((at, cue));
            }
        }
        for (at, cue) in cues {
            self.cue_at(at, cue);
        }
    }

    /// Moves virtual time forward by `by`.
    pub fn advance_by(&mut self, by: VirtualDuration) {
        self.advance_to(self.now + by);
    }

    /// When the next thing is due, the World's own or a script's (lets a driver sleep until
    /// something happens).
    pub fn next_due(&self) -> Option<VirtualTime> {
        self.timers.peek().map(|Reverse(t)| t.due)
    }

    /// Wakes the script with `cue` at `at` (at once, if that has passed).
    pub fn cue_at(&mut self, at: VirtualTime, cue: Cue) {
        self.push_timer(at, TimerKind::Cue(cue));
    }

    /// The script's cues still queued, in no particular order.
    pub fn cues(&self) -> impl Iterator<Item = (VirtualTime, Cue)> + '_ {
        self.timers.iter().filter_map(|Reverse(t)| match t.kind {
            TimerKind::Cue(cue) => Some((t.due, cue)),
            _ => None,
        })
    }

    /// When the script's next cue is due.
    pub fn next_cue(&self) -> Option<VirtualTime> {
        self.cues().map(|(at, _)| at).min()
    }

    pub(crate) fn schedule(&mut self, after: VirtualDuration, kind: TimerKind) {
        self.push_timer(self.now + after, kind);
    }

    fn push_timer(&mut self, due: VirtualTime, kind: TimerKind) {
        self.timer_seq += 1;
        self.timers.push(Reverse(Timer { due, seq: self.timer_seq, kind }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::terminal::TerminalMode;

    const T0: VirtualTime = VirtualTime::DEFAULT_START;

    #[test]
    fn cues_and_the_worlds_own_timers_fire_in_time_order_one_at_a_time() {
        let mut world = World::documented_example(1, T0);
        let tid = world.terminals().next().map(|t| t.tid.clone()).expect("a terminal");
        assert_eq!(world.terminal(&tid).map(|t| t.mode), Some(TerminalMode::Automatic));
        world.cue_at(T0 + VirtualDuration::secs(5), Cue(7));
        world.cue_at(T0 + VirtualDuration::millis(1), Cue(3));
        let pickup = world.profile().automatic_pickup;
        world.schedule(pickup, TimerKind::Start(tid));
        let mut fired = Vec::new();
        while let Some(f) = world.fire_next(T0 + VirtualDuration::secs(60)) {
            fired.push(f);
        }
        let mut expected = vec![
            (T0 + VirtualDuration::millis(1), Some(Cue(3))),
            (T0 + pickup, None),
            (T0 + VirtualDuration::secs(5), Some(Cue(7))),
        ];
        expected.sort_by_key(|(at, _)| *at);
        let got: Vec<_> = fired
            .iter()
            .map(|f| match f {
                Fired::Own(at) => (*at, None),
                Fired::Cue(at, cue) => (*at, Some(*cue)),
            })
            .collect();
        assert_eq!(got, expected);
        assert_eq!(world.now(), T0 + VirtualDuration::secs(60));
    }

    #[test]
    fn advancing_without_a_driver_keeps_the_cues_for_it() {
        let mut world = World::documented_example(1, T0);
        world.cue_at(T0 + VirtualDuration::secs(1), Cue(1));
        world.advance_to(T0 + VirtualDuration::secs(2));
        assert_eq!(world.cues().collect::<Vec<_>>(), [(T0 + VirtualDuration::secs(1), Cue(1))]);
        assert_eq!(world.fire_next(world.now()), Some(Fired::Cue(T0 + VirtualDuration::secs(2), Cue(1))));
        assert_eq!(world.next_cue(), None);
    }
}
