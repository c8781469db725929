//! The script engine as the surfaces serve it: a [`ScriptRuntime`] is the Sim's [`Script`],
//! and a [`Scenario`] the [`Recipe`] that starts one.

use std::any::Any;
use std::sync::Arc;

use super::runtime::ScriptRuntime;
use crate::record::scripted::{LinkOverride, StatusAnswer, Strike};
use crate::scenario::Scenario;
use crate::surfaces::served::{Effects, Recipe, Script};
use crate::time::VirtualTime;
use crate::world::World;
use crate::world::events::WorldEvent;
use crate::world::ids::TaskId;

impl Script for ScriptRuntime {
    fn catch_up(&mut self, world: &mut World, now: VirtualTime) -> Effects {
        ScriptRuntime::catch_up(self, world, now)
    }

    fn take_stash(&mut self) -> Vec<WorldEvent> {
        ScriptRuntime::take_stash(self)
    }

    fn observe(&mut self, world: &mut World, events: &[WorldEvent]) {
        ScriptRuntime::observe(self, world, events)
    }

    fn task_polled(&mut self, world: &mut World, id: &TaskId, now: VirtualTime) {
        ScriptRuntime::task_polled(self, world, id, now)
    }

    fn status_polled(&mut self, world: &mut World, identifier: &str, now: VirtualTime) -> Option<StatusAnswer> {
        ScriptRuntime::status_polled(self, world, identifier, now)
    }

    fn strike(&mut self, method: &str, path: &str) -> Option<Strike> {
        ScriptRuntime::strike(self, method, path)
    }

    fn link_override(&mut self, reference: &str) -> Option<LinkOverride> {
        ScriptRuntime::link_override(self, reference)
    }

    fn next_due(&self) -> Option<VirtualTime> {
        ScriptRuntime::next_due(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Recipe for Scenario {
    fn script(self: Arc<Self>, start: VirtualTime) -> Box<dyn Script> {
        Box::new(ScriptRuntime::new(self, start))
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The served recipe as a scenario (every recipe payterm serves is one).
pub fn scenario_of(recipe: &Arc<dyn Recipe>) -> Option<Arc<Scenario>> {
    crate::surfaces::served::recipe_as::<Scenario>(recipe)
}

/// The served script as the engine's runtime.
pub fn runtime_of(script: &dyn Script) -> Option<&ScriptRuntime> {
    script.as_any().downcast_ref::<ScriptRuntime>()
}
