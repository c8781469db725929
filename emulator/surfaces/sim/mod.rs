//! [`Sim`]: the World, its clock and the scenario's script behind one lock, shared by every
//! surface of one server, with the journal beside it. Every look first fires, in time order,
//! what the World's one queue holds due by the clock's time (its own timers and the script's
//! cues); [`Sim::world`] then reads the World and [`Sim::act`] changes it, what the act caused
//! shown to the script and journalled before the lock is let go.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use self::acting::caused;
pub(crate) use self::acting::{Acting, WorldGuard};
use super::served::{Recipe, Script};
use crate::journal::{Journal, Stamps};
use crate::record::scripted::Strike;
use crate::time::{Clock, Pace, VirtualDuration, VirtualTime};
use crate::world::events::WorldEvent;
use crate::world::{Fired, World};

mod acting;

/// How to build the World again on reset.
pub(crate) type WorldFactory = Box<dyn Fn() -> World + Send + Sync>;

/// How to build the World a scenario loaded at run time starts in (the plain World for
/// `None`), starting at the given moment.
pub(crate) type ScenarioWorlds = Box<dyn Fn(Option<&Arc<dyn Recipe>>, VirtualTime) -> WorldFactory + Send + Sync>;

/// A factory a reset can take out of the lock and build with.
type SharedFactory = Arc<dyn Fn() -> World + Send + Sync>;

/// The World, its clock, the script, and the journal.
pub struct Sim {
    inner: Mutex<Inner>,
    /// The virtual time the World was last brought to, readable without the lock (the
    /// journal stamps every exchange with it).
    last_now: AtomicI64,
    /// Bumped by every reset and load: caches of rendered answers key on it.
    generation: AtomicU64,
    /// Access tokens issued at or before this virtual millisecond count as expired.
    tokens_revoked_through: AtomicI64,
    /// Whether a scenario is served, readable without the lock: without one, requests skip
    /// the lock a fault strike needs.
    scripted: AtomicBool,
    /// Whether the clock waits for the integration to come up: the first request starts it,
    /// dated at its own arrival (see [`Sim::start_at`]).
    awaiting_start: AtomicBool,
    /// The real instant a held clock was started at.
    started: Mutex<Option<Instant>>,
    /// Builds the World of a scenario loaded at run time.
    worlds: Option<ScenarioWorlds>,
    /// Every exchange and transition.
    pub journal: Journal,
    /// Events a service-mode integration posted.
    pub inbox: super::inbox::EventInbox,
    /// The host names both ports answer to (loopback, and `--allow-host`).
    pub hosts: crate::http::Hosts,
}

struct Inner {
    world: World,
    clock: Clock,
    script: Option<Box<dyn Script>>,
    /// The served scenario; it, the factory and the script change together.
    recipe: Option<Arc<dyn Recipe>>,
    factory: SharedFactory,
    /// When the script began: its `at` times count from here.
    script_start: VirtualTime,
}

/// The served script as it stands, for a layer that knows its type to read
/// ([`Sim::look_at_script`]).
pub struct ScriptView<'a> {
    /// The script.
    pub script: &'a dyn Script,
    /// The scenario it runs.
    pub recipe: &'a Arc<dyn Recipe>,
    /// The World it drives.
    pub world: &'a World,
    /// When the script began: its `at` times count from here.
    pub start: VirtualTime,
    /// Virtual time now.
    pub now: VirtualTime,
    /// Whether the clock is paused.
    pub paused: bool,
}

/// Why the clock did not step to the script's next event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepRefusal {
    /// Nothing is scripted.
    #[error("no scenario is served, so nothing is scripted")]
    NoScenario,
    /// A running clock would not stop at the event.
    #[error("the clock is running, so it would not stop exactly at the next event")]
    ClockRunning,
    /// What comes next waits for a request or the customer, not for time.
    #[error("nothing in the script is due by time alone")]
    NothingDue,
}

/// What stepping to the script's next event did ([`Sim::step_script`]), with the script as
/// read before and after.
#[derive(Clone, Debug)]
pub struct Stepped<T> {
    /// The script before the step.
    pub before: T,
    /// The moment stepped to.
    pub due: VirtualTime,
    /// The script after.
    pub after: T,
    /// What happened in the World on the way, as journalled.
    pub events: Vec<WorldEvent>,
}

impl Sim {
    /// A Sim running `factory()`'s World on `clock`, with `recipe`'s script if given.
    pub fn new(factory: WorldFactory, clock: Clock, journal_capacity: usize, recipe: Option<Arc<dyn Recipe>>) -> Self {
        let factory: SharedFactory = Arc::from(factory);
        let mut world = factory();
        let script_start = world.now();
        let script = recipe.clone().map(|r| r.script(&mut world));
        let last_now = AtomicI64::new(world.now().0);
        Sim {
            scripted: AtomicBool::new(recipe.is_some()),
            awaiting_start: AtomicBool::new(false),
            started: Mutex::new(None),
            inner: Mutex::new(Inner { world, clock, script, recipe, factory, script_start }),
            last_now,
            generation: AtomicU64::new(0),
            tokens_revoked_through: AtomicI64::new(i64::MIN),
            worlds: None,
            journal: Journal::new(journal_capacity),
            inbox: Default::default(),
            hosts: Default::default(),
        }
    }

    /// Lets [`Sim::load`] build the World of a scenario loaded at run time.
    pub fn with_scenario_worlds(mut self, worlds: ScenarioWorlds) -> Self {
        self.worlds = Some(worlds);
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves the World as the panicking handler left it;
        // every World method keeps it consistent, so serving goes on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The World at the clock's current time, everything due by then fired, to read.
    pub fn world(&self) -> WorldGuard<'_> {
        WorldGuard { inner: self.locked() }
    }

    /// Acts on the World: `f` runs under the lock, on the World at the clock's current time
    /// (everything due by then fired); what it caused is then shown to the script, which may
    /// answer it, and journalled, before anyone else can take the lock. What `f` returned.
    pub fn act<R>(&self, f: impl FnOnce(&mut Acting<'_>) -> R) -> R {
        let mut inner = self.locked();
        let result = f(&mut Acting { inner: &mut inner });
        let events = caused(&mut inner);
        if !events.is_empty() {
            self.journal.world(events);
        }
        result
    }

    /// The lock, the World brought to the clock's time and what fired on the way journalled.
    fn locked(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        let events = self.fire_due(&mut inner);
        if !events.is_empty() {
            self.journal.world(events);
        }
        inner
    }

    /// Fires what the World's one queue holds due by the clock's time, one moment at a
    /// time, in order: the World's own timers, and the script's cues handed to the script.
    /// Whatever happens at a moment is seen (by the script too) before the next moment
    /// fires. What happened, for the journal.
    fn fire_due(&self, inner: &mut Inner) -> Vec<WorldEvent> {
        let mut events = Vec::new();
        loop {
            let Inner { world, clock, script, .. } = &mut *inner;
            let Some(fired) = world.fire_next(clock.now()) else { break };
            if let (Fired::Cue(_, cue), Some(script)) = (fired, script.as_mut()) {
                let effects = script.cue(world, cue);
                if effects.expire_tokens {
                    self.tokens_revoked_through.store(world.now().0, Ordering::Relaxed);
                }
                if let Some(by) = effects.clock_jump {
                    // The jump happens at the cue's moment: what falls due after it fires in
                    // the turns that follow.
                    clock.advance(by);
                }
            }
            acting::see(world, script.as_mut(), &mut events);
        }
        self.last_now.store(inner.world.now().0, Ordering::Relaxed);
        events
    }

    /// Counts a request against the scripted faults; the fault that strikes it, if any. A
    /// server without a scenario answers at once, without taking the lock: this runs for
    /// every request.
    pub fn strike(&self, method: &str, path: &str) -> Option<Strike> {
        if !self.scripted.load(Ordering::Relaxed) {
            return None;
        }
        self.locked().script.as_mut()?.strike(method, path)
    }

    /// The virtual time the World was last brought to: the time of the latest request,
    /// without taking the lock.
    pub fn last_now(&self) -> VirtualTime {
        VirtualTime(self.last_now.load(Ordering::Relaxed))
    }

    /// The scenario this Sim serves, if any (the dashboard shows its orders and script).
    pub fn recipe(&self) -> Option<Arc<dyn Recipe>> {
        self.lock().recipe.clone()
    }

    /// `look` at the served script as it stands now (caught up first); `None` without one.
    pub fn look_at_script<T>(&self, look: impl FnOnce(ScriptView<'_>) -> T) -> Option<T> {
        view(&self.world().inner).map(look)
    }

    /// How many times the World was reset or a scenario loaded.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Access tokens issued at or before this virtual millisecond count as expired.
    pub fn tokens_revoked_through(&self) -> i64 {
        self.tokens_revoked_through.load(Ordering::Relaxed)
    }

    /// Expires every access token issued so far.
    pub fn expire_tokens(&self) {
        let now = self.now();
        self.tokens_revoked_through.store(now.0, Ordering::Relaxed);
    }

    /// The real instant at which the next thing the World or the script scheduled falls due
    /// (a card read ending, a customer paying), on a running clock: whoever waits on the World
    /// wakes then, instead of looking again and again.
    pub fn next_due(&self) -> Option<Instant> {
        let inner = self.lock();
        inner.clock.instant_of(inner.world.next_due()?)
    }

    /// Virtual time now.
    pub fn now(&self) -> VirtualTime {
        let inner = self.lock();
        inner.clock.now().max(inner.world.now())
    }

    /// How fast the clock runs.
    pub fn pace(&self) -> Pace {
        self.lock().clock.pace()
    }

    /// The stamps of an exchange whose request arrived at the real instant `arrived` and is
    /// answered now.
    pub fn stamps(&self, arrived: Instant) -> Stamps {
        let inner = self.lock();
        let received = inner.clock.at(arrived);
        let answered = inner.clock.now().max(inner.world.now()).max(received);
        Stamps { received, answered }
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

    /// Waits until virtual time reaches `due` (someone on the emulated side takes that long):
    /// on a running clock for the real time that takes, looking again now and then so a jump
    /// of the clock ends it early; a paused clock is moved there at once, since nothing else
    /// would move it while the request waits.
    pub async fn wait_until(&self, due: VirtualTime) {
        loop {
            let (clock_now, paused, pace) = self.clock_state();
            if clock_now >= due {
                break;
            }
            if paused {
                {
                    let mut inner = self.lock();
                    let by = due - inner.clock.now();
                    inner.clock.advance(by);
                }
                drop(self.world());
                break;
            }
            let left = pace.real(due - clock_now);
            tokio::time::sleep(left.min(std::time::Duration::from_millis(100))).await;
        }
    }

    /// Moves a paused clock exactly to the script's next timed event and fires what falls
    /// due there, all under one lock; `look` reads the script before and after.
    pub fn step_script<T>(&self, look: impl Fn(ScriptView<'_>) -> T) -> Result<Stepped<T>, StepRefusal> {
        // What was due before the step is journalled apart from what the step does.
        let mut inner = self.locked();
        let before = view(&inner).ok_or(StepRefusal::NoScenario)?;
        if !before.paused {
            return Err(StepRefusal::ClockRunning);
        }
        let due = before.world.next_cue().ok_or(StepRefusal::NothingDue)?;
        let by = due - before.now;
        let before = look(before);
        if by.as_millis() > 0 {
            inner.clock.advance(by);
        }
        let events = self.fire_due(&mut inner);
        if !events.is_empty() {
            self.journal.world(events.clone());
        }
        let after = look(view(&inner).ok_or(StepRefusal::NoScenario)?);
        Ok(Stepped { before, due, after, events })
    }

    /// Pauses the clock until the integration comes up: its first request (or the runner, on
    /// another sign of life) starts it, dated at that moment ([`Sim::start_at`]).
    pub fn hold_until_started(&self) {
        let mut inner = self.lock();
        inner.clock.pause();
        self.awaiting_start.store(true, Ordering::SeqCst);
    }

    /// Starts a clock held by [`Sim::hold_until_started`] as of the real instant `at` (a
    /// request's arrival, a line's reading): never later, so no request is dated by a paused
    /// clock. Whether this call started it.
    pub fn start_at(&self, at: Instant) -> bool {
        if !self.awaiting_start.load(Ordering::SeqCst) {
            return false;
        }
        let mut inner = self.lock();
        if !self.awaiting_start.swap(false, Ordering::SeqCst) {
            return false;
        }
        let at = at.min(Instant::now());
        inner.clock.resume_at(at);
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
        true
    }

    /// The real instant a held clock was started at, once it was.
    pub fn started_at(&self) -> Option<Instant> {
        *self.started.lock().unwrap_or_else(|e| e.into_inner())
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

    /// The clock's state: (now, paused, pace).
    pub fn clock_state(&self) -> (VirtualTime, bool, Pace) {
        let inner = self.lock();
        (inner.clock.now().max(inner.world.now()), inner.clock.is_paused(), inner.clock.pace())
    }

    /// Throws the World (and the script's progress) away and builds them anew; the clock
    /// keeps running from where it is.
    pub fn reset(&self) {
        loop {
            let factory = self.lock().factory.clone();
            // Built outside the lock: a World of many terminals takes a moment.
            let world = factory();
            let mut inner = self.lock();
            if Arc::ptr_eq(&inner.factory, &factory) {
                self.install(&mut inner, world);
                break;
            }
            // A scenario was loaded meanwhile: build its World instead.
        }
        self.journal.clear();
    }

    /// Serves `recipe` from now on (the plain World with `None`): a World built from its
    /// setup starting at the clock's time, its script fresh, the journal cleared, as after a
    /// reset; later resets go back to that start. `false` when this Sim cannot build the
    /// World of a scenario (it was made without [`Sim::with_scenario_worlds`]).
    pub fn load(&self, recipe: Option<Arc<dyn Recipe>>) -> bool {
        let Some(worlds) = &self.worlds else { return false };
        let factory: SharedFactory = Arc::from(worlds(recipe.as_ref(), self.now()));
        let world = factory();
        let mut inner = self.lock();
        inner.factory = factory;
        inner.recipe = recipe;
        self.install(&mut inner, world);
        drop(inner);
        self.journal.clear();
        true
    }

    /// Puts `world` in place with a fresh script for the served scenario.
    fn install(&self, inner: &mut Inner, mut world: World) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        let now = inner.clock.now();
        inner.script_start = world.now();
        inner.script = inner.recipe.clone().map(|r| r.script(&mut world));
        inner.world = world;
        inner.world.advance_to(now);
        self.scripted.store(inner.script.is_some(), Ordering::Relaxed);
    }
}

fn view(inner: &Inner) -> Option<ScriptView<'_>> {
    Some(ScriptView {
        script: inner.script.as_deref()?,
        recipe: inner.recipe.as_ref()?,
        world: &inner.world,
        start: inner.script_start,
        now: inner.clock.now().max(inner.world.now()),
        paused: inner.clock.is_paused(),
    })
}
