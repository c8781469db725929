//! Access to the Sim's World under its lock: [`WorldGuard`] to read it, [`Acting`] to change
//! it inside [`super::Sim::act`], and [`see`], the one place the script is shown what
//! happened before it is journalled.

use std::sync::MutexGuard;

use super::Inner;
use crate::record::scripted::{LinkOverride, StatusAnswer};
use crate::surfaces::served::Script;
use crate::world::World;
use crate::world::events::WorldEvent;
use crate::world::ids::TaskId;

/// The World, locked and brought up to the clock's time, to read: what was due has fired and
/// been journalled, and reading changes nothing. Changes go through [`super::Sim::act`].
pub struct WorldGuard<'a> {
    pub(super) inner: MutexGuard<'a, Inner>,
}

impl std::ops::Deref for WorldGuard<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        &self.inner.world
    }
}

/// The World being acted on inside [`super::Sim::act`]: the World itself, and the script's say
/// on a request (a task polled, a status asked, a deep link made).
pub struct Acting<'a> {
    pub(super) inner: &'a mut Inner,
}

impl std::ops::Deref for Acting<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        &self.inner.world
    }
}

impl std::ops::DerefMut for Acting<'_> {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.inner.world
    }
}

impl Acting<'_> {
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

/// What an act caused in the World, the script having seen it (and answered) first.
pub(super) fn caused(inner: &mut Inner) -> Vec<WorldEvent> {
    let Inner { world, script, .. } = inner;
    let mut events = Vec::new();
    see(world, script.as_mut(), &mut events);
    events
}

/// Drains what happened in `world` into `events`, the script (if any) seeing each batch
/// first: it may answer what it saw (hold a task it drives, queue a cue) before anyone else
/// can take the lock, and what that causes is seen and drained in turn.
pub(super) fn see(world: &mut World, mut script: Option<&mut Box<dyn Script>>, events: &mut Vec<WorldEvent>) {
    loop {
        let fresh = world.drain_events();
        if fresh.is_empty() {
            return;
        }
        if let Some(script) = script.as_deref_mut() {
            script.observe(world, &fresh);
        }
        events.extend(fresh);
    }
}
