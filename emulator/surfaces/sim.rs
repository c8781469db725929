//! [`Sim`]: the World, its clock and the scenario's script behind one lock, shared by every
//! surface of one server, with the journal beside it. Taking the World through
//! [`Sim::world`] first brings it, and the script, up to the clock's time.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::journal::Journal;
use crate::scenario::Scenario;
use crate::scenario::model::{LinkOverride, StatusAnswer};
use crate::script::ScriptRuntime;
use crate::script::plan::Strike;
use crate::world::World;
use crate::world::clock::{Clock, VirtualDuration, VirtualTime};
use crate::world::ids::TaskId;

/// How to build the World again on reset.
pub type WorldFactory = Box<dyn Fn() -> World + Send + Sync>;

/// The World, its clock, the script, and the journal.
pub struct Sim {
    inner: Mutex<Inner>,
    /// The virtual time the World was last brought to, readable without the lock (the
    /// journal stamps every exchange with it).
    last_now: AtomicI64,
    /// Bumped by every reset: caches of rendered answers key on it.
    generation: AtomicU64,
    /// Access tokens issued at or before this virtual second count as expired.
    tokens_revoked_through: AtomicI64,
    factory: WorldFactory,
    scenario: Option<Arc<Scenario>>,
    /// Every exchange and transition.
    pub journal: Journal,
    /// Events a service-mode integration posted.
    pub inbox: super::inbox::EventInbox,
}

struct Inner {
    world: World,
    clock: Clock,
    script: Option<ScriptRuntime>,
}

/// The World, locked and brought up to the clock's time; on drop the script sees what
/// happened and the events are journalled.
pub struct WorldGuard<'a> {
    inner: MutexGuard<'a, Inner>,
    journal: &'a Journal,
}

impl std::ops::Deref for WorldGuard<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        &self.inner.world
    }
}

impl std::ops::DerefMut for WorldGuard<'_> {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.inner.world
    }
}

impl Drop for WorldGuard<'_> {
    fn drop(&mut self) {
        let Inner { world, script, .. } = &mut *self.inner;
        let mut events = script.as_mut().map(ScriptRuntime::take_stash).unwrap_or_default();
        let fresh = world.drain_events();
        if let Some(script) = script.as_mut().filter(|_| !fresh.is_empty()) {
            // The script may answer what it saw (hold a task it drives) before anyone else
            // can take the lock; what that causes is journalled with the rest.
            script.observe(world, &fresh);
            events.extend(fresh);
            events.extend(world.drain_events());
        } else {
            events.extend(fresh);
        }
        if !events.is_empty() {
            self.journal.world(events);
        }
    }
}

impl WorldGuard<'_> {
    /// A poll of task `id`: a scripted task moves along its timeline.
    pub fn poll_task(&mut self, id: &TaskId) {
        let Inner { world, script, .. } = &mut *self.inner;
        if let Some(script) = script.as_mut() {
            let now = world.now();
            script.task_polled(world, id, now);
        }
    }

    /// A `status` request about invoice `identifier`: the scripted answer replacing the
    /// World's, if any (the World is moved to match a scripted status first).
    pub fn poll_status(&mut self, identifier: &str) -> Option<StatusAnswer> {
        let Inner { world, script, .. } = &mut *self.inner;
        let now = world.now();
        script.as_mut()?.status_polled(world, identifier, now)
    }

    /// The scripted answer replacing a deep link made for `reference`, if any.
    pub fn link_override(&mut self, reference: &str) -> Option<LinkOverride> {
        self.inner.script.as_mut()?.link_override(reference)
    }
}

impl Sim {
    /// A Sim running `factory()`'s World on `clock`, with `scenario`'s script if given.
    pub fn new(factory: WorldFactory, clock: Clock, journal_capacity: usize, scenario: Option<Arc<Scenario>>) -> Self {
        let world = factory();
        let script = scenario.clone().map(|s| ScriptRuntime::new(s, world.now()));
        let last_now = AtomicI64::new(world.now().0);
        Sim {
            inner: Mutex::new(Inner { world, clock, script }),
            last_now,
            generation: AtomicU64::new(0),
            tokens_revoked_through: AtomicI64::new(i64::MIN),
            factory,
            scenario,
            journal: Journal::new(journal_capacity),
            inbox: Default::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves the World as the panicking handler left it;
        // every World method keeps it consistent, so serving goes on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The World at the clock's current time, the script caught up.
    pub fn world(&self) -> WorldGuard<'_> {
        let mut inner = self.lock();
        loop {
            let Inner { world, clock, script } = &mut *inner;
            let now = clock.now();
            if let Some(script) = script.as_mut() {
                let effects = script.catch_up(world, now);
                if effects.expire_tokens {
                    self.tokens_revoked_through.store(world.now().0 / 1000, Ordering::Relaxed);
                }
                if let Some(by) = effects.clock_jump {
                    // The jump happened at the script's moment; what falls due after it is
                    // caught up in the next turn.
                    clock.advance(by);
                    continue;
                }
            }
            world.advance_to(now);
            break;
        }
        self.last_now.store(inner.world.now().0, Ordering::Relaxed);
        WorldGuard { inner, journal: &self.journal }
    }

    /// Counts a request against the scripted faults; the fault that strikes it, if any. A
    /// server without a scenario answers at once, without taking the lock: this runs for
    /// every request.
    pub fn strike(&self, method: &str, path: &str) -> Option<Strike> {
        self.scenario.as_ref()?;
        self.world().inner.script.as_mut()?.strike(method, path)
    }

    /// The virtual time the World was last brought to: the time of the latest request,
    /// without taking the lock.
    pub fn last_now(&self) -> VirtualTime {
        VirtualTime(self.last_now.load(Ordering::Relaxed))
    }

    /// The scenario this Sim serves, if any (the dashboard shows its orders and script).
    pub fn scenario(&self) -> Option<&Arc<Scenario>> {
        self.scenario.as_ref()
    }

    /// How many times the World was reset.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Access tokens issued at or before this virtual second count as expired.
    pub fn tokens_revoked_through(&self) -> i64 {
        self.tokens_revoked_through.load(Ordering::Relaxed)
    }

    /// Expires every access token issued so far.
    pub fn expire_tokens(&self) {
        let now = self.now();
        self.tokens_revoked_through.store(now.0 / 1000, Ordering::Relaxed);
    }

    /// Virtual time now.
    pub fn now(&self) -> VirtualTime {
        let inner = self.lock();
        inner.clock.now().max(inner.world.now())
    }

    /// Real seconds per virtual second.
    pub fn time_scale(&self) -> f64 {
        self.lock().clock.time_scale()
    }

    /// Jumps the clock forward by `by` and fires what fell due.
    pub fn advance(&self, by: VirtualDuration) -> VirtualTime {
        {
            let mut inner = self.lock();
            inner.clock.advance(by);
        }
        let w = self.world();
        w.now()
    }

    /// Pauses or resumes the clock.
    pub fn set_paused(&self, paused: bool) {
        let mut inner = self.lock();
        if paused {
            inner.clock.pause();
        } else {
            inner.clock.resume();
        }
    }

    /// The clock's state: (now, paused, time scale).
    pub fn clock_state(&self) -> (VirtualTime, bool, f64) {
        let inner = self.lock();
        (inner.clock.now().max(inner.world.now()), inner.clock.is_paused(), inner.clock.time_scale())
    }

    /// Throws the World (and the script's progress) away and builds them anew; the clock
    /// keeps running from where it is.
    pub fn reset(&self) {
        let world = (self.factory)();
        let mut inner = self.lock();
        self.generation.fetch_add(1, Ordering::Relaxed);
        let now = inner.clock.now();
        inner.world = world;
        inner.script = self.scenario.clone().map(|s| ScriptRuntime::new(s, inner.world.now()));
        inner.world.advance_to(now);
        drop(inner);
        self.journal.clear();
    }
}
