//! `GET /dashboard/terminals?offset=&limit=&q=`: one window of the terminal list, each
//! terminal with its task in progress, the head of its queue with task states and its open
//! batch totals ([`TerminalRow`]), so a page showing 1,000 terminals asks only for what it draws.

use http::StatusCode;
use serde::Serialize;

use crate::http::{ApiError, ApiRequest, Reply, json};
use crate::surfaces::sim::Sim;
use crate::world::World;
use crate::world::ids::TaskId;
use crate::world::task::TaskRequest;
use crate::world::terminal::{Terminal, TerminalMode};

/// The most rows one window holds.
const MAX_LIMIT: usize = 200;
/// How many queued tasks a row shows; the rest are counted.
const QUEUE_SHOWN: usize = 5;

/// A task as a row shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TaskBrief {
    task_id: String,
    state: &'static str,
    /// `sale`, `void` or `close_batch`.
    operation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

/// The open batch's totals, minor units.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchTotals {
    number: u32,
    sale_count: u64,
    sale_amount: i64,
    void_count: u64,
    void_amount: i64,
}

/// One terminal in the window.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TerminalRow {
    tid: String,
    currency: String,
    mode: TerminalMode,
    current: Option<TaskBrief>,
    waiting_for_card: bool,
    queue: Vec<TaskBrief>,
    queue_length: usize,
    next_cards: Vec<&'static str>,
    open_batch: BatchTotals,
    task_count: usize,
}

fn brief(world: &World, id: &TaskId) -> Option<TaskBrief> {
    let task = world.task(id)?;
    let (operation, amount) = match &task.request {
        TaskRequest::Sale(s) => ("sale", Some(s.amount)),
        TaskRequest::Void(v) => ("void", v.amount),
        TaskRequest::CloseBatch(_) => ("close_batch", None),
    };
    Some(TaskBrief {
        task_id: task.id.0.clone(),
        state: task.state.as_str(),
        operation,
        amount,
        reference: task.request.reference().map(str::to_owned),
    })
}

fn row(world: &World, t: &Terminal) -> TerminalRow {
    let all = t.batch.overall();
    TerminalRow {
        tid: t.tid.0.clone(),
        currency: t.currency.code().to_owned(),
        mode: t.mode,
        current: t.current.as_ref().and_then(|id| brief(world, id)),
        waiting_for_card: t.waiting_for_card,
        queue: t.queue.iter().take(QUEUE_SHOWN).filter_map(|id| brief(world, id)).collect(),
        queue_length: t.queue.len(),
        next_cards: t.next_cards.iter().map(|c| c.outcome.as_str()).collect(),
        open_batch: BatchTotals {
            number: t.batch.number,
            sale_count: all.sale_count,
            sale_amount: all.sale_amount,
            void_count: all.void_count,
            void_amount: all.void_amount,
        },
        task_count: t.tasks.len(),
    }
}

fn number(req: &ApiRequest, key: &str, default: usize) -> Result<usize, ApiError> {
    match req.query(key) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ApiError::field(key, format!("`{key}` must be a whole number"))),
    }
}

/// One window of terminals whose TID contains `q`, in TID order, with the total that match.
pub(super) fn window(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    let offset = number(req, "offset", 0)?;
    let limit = number(req, "limit", 50)?.min(MAX_LIMIT);
    let q = req.query("q").map(str::trim).unwrap_or("");
    let world = sim.world();
    let matches = |t: &&Terminal| q.is_empty() || t.tid.0.contains(q);
    let total = world.terminals().filter(matches).count();
    let rows: Vec<TerminalRow> =
        world.terminals().filter(matches).skip(offset).take(limit).map(|t| row(&world, t)).collect();
    let tasks = world.task_count();
    drop(world);
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "total": total, "offset": offset, "taskCount": tasks, "terminals": rows }),
    ))
}
