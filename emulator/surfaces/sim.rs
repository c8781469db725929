//! [`Sim`]: the World and its clock behind one lock, shared by every surface of one server,
//! with the journal beside it.

use std::sync::{Mutex, MutexGuard};

use crate::journal::Journal;
use crate::world::World;
use crate::world::clock::{Clock, VirtualDuration, VirtualTime};

/// How to build the World again on reset.
pub type WorldFactory = Box<dyn Fn() -> World + Send + Sync>;

/// The World, its clock, and the journal.
pub struct Sim {
    inner: Mutex<Inner>,
    /// The virtual time the World was last brought to, readable without the lock (the
    /// journal stamps every exchange with it).
    last_now: std::sync::atomic::AtomicI64,
    /// Bumped by every reset: caches of rendered answers key on it.
    generation: std::sync::atomic::AtomicU64,
    factory: WorldFactory,
    /// Every exchange and transition.
    pub journal: Journal,
}

struct Inner {
    world: World,
    clock: Clock,
}

/// The World, locked and brought up to the clock's time; events are journalled on drop.
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
        let events = self.inner.world.drain_events();
        if !events.is_empty() {
            self.journal.world(events);
        }
    }
}

impl Sim {
    /// A Sim running `factory()`'s World on `clock`.
    pub fn new(factory: WorldFactory, clock: Clock, journal_capacity: usize) -> Self {
        let world = factory();
        let last_now = std::sync::atomic::AtomicI64::new(world.now().0);
        Sim {
            inner: Mutex::new(Inner { world, clock }),
            last_now,
            generation: std::sync::atomic::AtomicU64::new(0),
            factory,
            journal: Journal::new(journal_capacity),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves the World as the panicking handler left it;
        // every World method keeps it consistent, so serving goes on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The World at the clock's current time.
    pub fn world(&self) -> WorldGuard<'_> {
        let mut inner = self.lock();
        let now = inner.clock.now();
        inner.world.advance_to(now);
        self.last_now.store(inner.world.now().0, std::sync::atomic::Ordering::Relaxed);
        WorldGuard { inner, journal: &self.journal }
    }

    /// How many times the World was reset.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The virtual time the World was last brought to: the time of the latest request,
    /// without taking the lock.
    pub fn last_now(&self) -> VirtualTime {
        VirtualTime(self.last_now.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Virtual time now.
    pub fn now(&self) -> VirtualTime {
        let inner = self.lock();
        inner.clock.now().max(inner.world.now())
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

    /// Throws the World away and builds it anew; the clock keeps running from where it is.
    pub fn reset(&self) {
        let world = (self.factory)();
        let mut inner = self.lock();
        self.generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = inner.clock.now();
        inner.world = world;
        inner.world.advance_to(now);
        drop(inner);
        self.journal.clear();
    }
}
