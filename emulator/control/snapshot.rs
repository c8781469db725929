//! The served scenario's script as the control API and the dashboard show it: the scenario,
//! where its script stands, and the invoices its customer acts on, read under the Sim's lock.

use std::sync::Arc;

use crate::scenario::Scenario;
use crate::script::Progress;
use crate::script::served::{runtime_of, scenario_of};
use crate::surfaces::sim::{ScriptView, Sim};
use crate::time::VirtualTime;
use crate::world::invoice::InvoiceStatus;

/// The served scenario's script as it stands.
#[derive(Clone, Debug)]
pub(crate) struct ScriptSnapshot {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// When its script began: its `at` times count from here.
    pub start: VirtualTime,
    /// Virtual time now.
    pub now: VirtualTime,
    /// Whether the clock is paused.
    pub paused: bool,
    /// Where the script stands.
    pub progress: Progress,
    /// Each invoice the customer plan acts on: its identifier, order and status now.
    pub invoices: Vec<(String, Option<String>, Option<InvoiceStatus>)>,
}

/// `view` as a snapshot; `None` for a script that is not payterm's own engine.
pub(crate) fn of(view: ScriptView<'_>) -> Option<ScriptSnapshot> {
    let progress = runtime_of(view.script)?.progress(view.world);
    let invoices = progress
        .invoices
        .iter()
        .map(|(id, order)| (id.clone(), order.clone(), view.world.invoice(id).map(|i| i.status)))
        .collect();
    Some(ScriptSnapshot {
        scenario: scenario_of(view.recipe)?,
        start: view.start,
        now: view.now,
        paused: view.paused,
        progress,
        invoices,
    })
}

/// The served scenario's script as it stands now (caught up first), if one is served.
pub(crate) fn current(sim: &Sim) -> Option<ScriptSnapshot> {
    sim.look_at_script(of).flatten()
}

/// The scenario the Sim serves, if any.
pub(crate) fn served_scenario(sim: &Sim) -> Option<Arc<Scenario>> {
    sim.recipe().as_ref().and_then(scenario_of)
}
