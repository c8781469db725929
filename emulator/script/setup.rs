//! The World a scenario starts in: its terminals, the stores with the harness's key
//! enrolled, the history of earlier sales, and the scripted card outcomes waiting on the
//! terminals.

use crate::profile::Profile;
use crate::scenario::Scenario;
use crate::scenario::model::HistoryBatch;
use crate::time::VirtualTime;
use crate::world::ids::AmsId;
use crate::world::terminal::Merchant;
use crate::world::{PastSale, World};

/// The key the harness's initiator program signs with, enrolled for every store the
/// scenario declares enrolled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HarnessKey {
    /// Its key id.
    pub key_id: String,
    /// The Ed25519 public key.
    pub public: [u8; 32],
}

/// The World `scenario` starts in, at `start`, every id drawn from `seed`.
pub(crate) fn world_for(
    scenario: &Scenario,
    seed: u64,
    start: VirtualTime,
    key: Option<&HarnessKey>,
    profile: Profile,
) -> World {
    let mut world = World::new(seed, start, profile);
    world.add_merchant(Merchant::documented_example());
    for terminal in &scenario.terminals {
        world.add_terminal(terminal.clone());
    }
    for (tid, by) in &scenario.host_totals {
        let _ = world.set_host_totals_differ_by(tid, *by);
    }
    for store in &scenario.stores {
        match key.filter(|_| store.enrolled) {
            Some(key) => world.enroll(&store.name, &key.key_id, key.public),
            // A store must exist to be disabled; an all-zero key verifies nothing, so every
            // request to an unenrolled store gets `bad_signature`.
            None => world.enroll(&store.name, "not-enrolled", [0; 32]),
        }
        if store.disabled {
            let _ = world.set_store_disabled(&store.name, true);
        }
        if let Some(key) = key.filter(|_| !store.operator) {
            let _ = world.set_operator(&store.name, &key.key_id, false);
        }
    }
    for sale in &scenario.history {
        // The history was validated against the scenario's terminals, so it always lands.
        let _ = world.record_past_sale(PastSale {
            tid: sale.tid.clone(),
            amount: sale.amount,
            method: sale.method,
            at: start + sale.at,
            ams_id: sale.ams_id.clone().map(AmsId),
            reference: sale.reference.clone(),
            in_open_batch: sale.batch == HistoryBatch::Open,
        });
    }
    for card in &scenario.script.cards {
        let _ = world.queue_card(&card.tid, card.outcome, card.after);
    }
    world.drain_events();
    world
}
