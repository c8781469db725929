//! How the control API shows terminals: [`TerminalView`].

use serde::Serialize;

use crate::surfaces::cloud::dto::{BatchResultResponse, CloudTaskDetailApiResponse};
use crate::world::World;
use crate::world::terminal::{Terminal, TerminalMode};

/// A terminal as the control API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TerminalView {
    tid: String,
    currency: String,
    merchant_id: String,
    mode: TerminalMode,
    /// The running task.
    current: Option<String>,
    /// Whether the running card sale waits for a card.
    waiting_for_card: bool,
    /// Queued task ids in order.
    queue: Vec<String>,
    /// Card outcomes presented in advance.
    next_cards: Vec<&'static str>,
    open_batch: BatchResultResponse,
    /// How far the authorisation host's sum is from the terminal's (0: a close batch works).
    host_totals_differ_by: i64,
    /// Every task, oldest first (only when one terminal is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<Vec<CloudTaskDetailApiResponse>>,
    task_count: usize,
}

impl TerminalView {
    /// The view of `t`, with its tasks if `with_tasks`.
    pub(super) fn new(t: &Terminal, world: &World, with_tasks: bool) -> Self {
        TerminalView {
            tid: t.tid.0.clone(),
            currency: t.currency.code().to_owned(),
            merchant_id: t.merchant_id.clone(),
            mode: t.mode,
            current: t.current.as_ref().map(|c| c.0.clone()),
            waiting_for_card: t.waiting_for_card,
            queue: t.queue.iter().map(|q| q.0.clone()).collect(),
            next_cards: t.next_cards.iter().map(|c| c.outcome.as_str()).collect(),
            open_batch: BatchResultResponse::open(&t.batch, t.currency),
            host_totals_differ_by: t.host_totals_differ_by,
            tasks: with_tasks.then(|| world.tasks_of(&t.tid).map(CloudTaskDetailApiResponse::from_task).collect()),
            task_count: t.tasks.len(),
        }
    }
}
