//! The script engine as the surfaces serve it: a [`ScriptRuntime`] is the Sim's [`Script`],
//! and a [`Scenario`] the [`Recipe`] that starts one.

use std::any::Any;
use std::sync::Arc;

use super::runtime::ScriptRuntime;
use crate::record::scripted::{LinkOverride, StatusAnswer, Strike};
use crate::scenario::Scenario;
use crate::surfaces::served::{Effects, Recipe, Script};
use crate::time::VirtualTime;
use crate::world::events::WorldEvent;
use crate::world::ids::TaskId;
use crate::world::{Cue, World};

impl Script for ScriptRuntime {
    fn cue(&mut self, world: &mut World, cue: Cue) -> Effects {
        ScriptRuntime::cue(self, world, cue)
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Recipe for Scenario {
    fn script(self: Arc<Self>, world: &mut World) -> Box<dyn Script> {
        Box::new(ScriptRuntime::new(self, world))
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The served recipe as a scenario (every recipe payterm serves is one).
pub(crate) fn scenario_of(recipe: &Arc<dyn Recipe>) -> Option<Arc<Scenario>> {
    crate::surfaces::served::recipe_as::<Scenario>(recipe)
}

/// The served script as the engine's runtime.
pub(crate) fn runtime_of(script: &dyn Script) -> Option<&ScriptRuntime> {
    script.as_any().downcast_ref::<ScriptRuntime>()
}
