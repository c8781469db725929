//! What the surfaces need of a served scenario, as traits the script engine implements: a
//! [`Recipe`] starts a [`Script`], and the script acts on the World as time passes and
//! requests arrive. The surfaces never see the scenario itself, only these calls.

use std::any::Any;
use std::sync::Arc;

use crate::record::scripted::{LinkOverride, StatusAnswer, Strike};
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::events::WorldEvent;
use crate::world::ids::TaskId;
use crate::world::{Cue, World};

/// What a cue did outside the World, for the Sim to carry out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Jump the clock by this much.
    pub clock_jump: Option<VirtualDuration>,
    /// Expire every access token issued so far.
    pub expire_tokens: bool,
}

/// A scenario's script applied to one World: every call is made under the Sim's lock, with
/// the World it drives.
pub trait Script: Send {
    /// A cue the script queued in the World fell due (the World stands at its moment); what
    /// must happen outside the World is returned.
    fn cue(&mut self, world: &mut World, cue: Cue) -> Effects;
    /// Sees what happened in the World (and may answer it, holding a task it drives).
    fn observe(&mut self, world: &mut World, events: &[WorldEvent]);
    /// A poll of task `id`: a scripted task moves along its timeline.
    fn task_polled(&mut self, world: &mut World, id: &TaskId, now: VirtualTime);
    /// A `status` request about invoice `identifier`: the scripted answer replacing the
    /// World's, if any.
    fn status_polled(&mut self, world: &mut World, identifier: &str, now: VirtualTime) -> Option<StatusAnswer>;
    /// Counts a request against the scripted faults; the fault that strikes it, if any.
    fn strike(&mut self, method: &str, path: &str) -> Option<Strike>;
    /// The scripted answer replacing a deep link made for `reference`, if any.
    fn link_override(&mut self, reference: &str) -> Option<LinkOverride>;
    /// The script itself, for the layers that know its type (the control API shows it).
    fn as_any(&self) -> &dyn Any;
}

/// A scenario as the Sim serves it: what starts its script; the layers that know the
/// scenario's type read it back through [`Recipe::into_any`].
pub trait Recipe: Send + Sync + 'static {
    /// A fresh script for `world`, beginning at its time: its timed actions are queued there.
    fn script(self: Arc<Self>, world: &mut World) -> Box<dyn Script>;
    /// The recipe itself, to be downcast by a layer that knows its type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// The served recipe as `T`, when it is one.
pub fn recipe_as<T: Any + Send + Sync>(recipe: &Arc<dyn Recipe>) -> Option<Arc<T>> {
    recipe.clone().into_any().downcast::<T>().ok()
}
