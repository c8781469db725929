//! The control API's handlers, one small function per route.

use http::StatusCode;
use serde::Deserialize;

use super::views::TerminalView;
use crate::http::{ApiError, ApiRequest, Reply, json, read_json};
use crate::surfaces::sim::Sim;
use crate::time::VirtualDuration;
use crate::world::codes::CardOutcome;
use crate::world::ids::{TaskId, Tid};
use crate::world::money::Currency;
use crate::world::terminal::{TerminalConfig, TerminalMode};
use crate::world::{CardPresented, TaskRefusal, World};

fn refusal(e: TaskRefusal) -> ApiError {
    let status = match e {
        TaskRefusal::UnknownTask(_) | TaskRefusal::UnknownTerminal(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, "REFUSED", e.to_string())
}

fn known(world: &World, tid: &str) -> Result<Tid, ApiError> {
    let tid = Tid::from(tid);
    if world.terminal(&tid).is_none() {
        return Err(ApiError::not_found(format!("no terminal has TID {tid}")));
    }
    Ok(tid)
}

pub(super) fn list_terminals(sim: &Sim) -> Result<Reply, ApiError> {
    let world = sim.world();
    let views: Vec<_> = world.terminals().map(|t| TerminalView::new(t, &world, false)).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "terminals": views })))
}

pub(super) fn terminal(sim: &Sim, tid: &str) -> Result<Reply, ApiError> {
    let world = sim.world();
    let tid = known(&world, tid)?;
    let t = world.terminal(&tid).ok_or_else(|| ApiError::not_found("no such terminal"))?;
    Ok(json(StatusCode::OK, &TerminalView::new(t, &world, true)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewTerminal {
    tid: String,
    currency: Option<String>,
    mode: Option<String>,
    merchant_id: Option<String>,
}

pub(super) fn add_terminal(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: NewTerminal = read_json(&req.body)?;
    let tid = body.tid.trim().to_owned();
    if tid.is_empty() || tid.len() > 32 || !tid.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::field("tid", "`tid` must be 1 to 32 ASCII letters or digits"));
    }
    let currency = match body.currency {
        None => Currency::CZK,
        Some(c) => {
            c.parse().map_err(|e: crate::world::money::UnknownCurrency| ApiError::field("currency", e.to_string()))?
        }
    };
    let mode = parse_mode(body.mode.as_deref())?.unwrap_or(TerminalMode::Automatic);
    sim.act(|world| {
        // A terminal added without a merchant belongs to the server's (`serve --client-id`).
        let merchant_id = body.merchant_id.unwrap_or_else(|| {
            world.default_merchant_id().map_or_else(|| TerminalConfig::documented_example().merchant_id, str::to_owned)
        });
        world.add_terminal(TerminalConfig { tid: Tid::from(tid.as_str()), currency, merchant_id, mode });
        let t = world.terminal(&Tid::from(tid.as_str())).ok_or_else(|| ApiError::not_found("no such terminal"))?;
        Ok(json(StatusCode::CREATED, &TerminalView::new(t, world, false)))
    })
}

fn parse_mode(text: Option<&str>) -> Result<Option<TerminalMode>, ApiError> {
    text.map(|m| {
        TerminalMode::parse(m).ok_or_else(|| {
            ApiError::field("mode", format!("unknown mode `{m}` (hint: automatic, assisted or semi_integrated)"))
        })
    })
    .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeBody {
    mode: String,
}

pub(super) fn set_mode(sim: &Sim, tid: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: ModeBody = read_json(&req.body)?;
    let mode = parse_mode(Some(&body.mode))?.unwrap_or(TerminalMode::Automatic);
    sim.act(|world| {
        let tid = known(world, tid)?;
        world.set_mode(&tid, mode).map_err(refusal)?;
        terminal_reply(world, &tid)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HostBody {
    totals_differ_by: i64,
}

/// The authorisation host's totals: `{"totalsDifferBy": 500}` makes every close batch on the
/// terminal fail until `{"totalsDifferBy": 0}`.
pub(super) fn host(sim: &Sim, tid: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: HostBody = read_json(&req.body)?;
    sim.act(|world| {
        let tid = known(world, tid)?;
        world.set_host_totals_differ_by(&tid, body.totals_differ_by).map_err(|e| ApiError::not_found(e.to_string()))?;
        terminal_reply(world, &tid)
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TaskBody {
    task_id: Option<String>,
}

fn task_body(req: &ApiRequest) -> Result<TaskBody, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TaskBody::default());
    }
    read_json(&req.body)
}

pub(super) fn pick(sim: &Sim, tid: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body = task_body(req)?;
    sim.act(|world| {
        let tid = known(world, tid)?;
        let task = match body.task_id {
            Some(id) => TaskId(id),
            None => world.terminal(&tid).and_then(|t| t.queue.front().cloned()).ok_or_else(|| {
                ApiError::new(StatusCode::CONFLICT, "QUEUE_EMPTY", "the queue is empty: nothing to pick")
            })?,
        };
        world.operator_pick(&tid, &task).map_err(refusal)?;
        terminal_reply(world, &tid)
    })
}

pub(super) fn reject(sim: &Sim, tid: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body = task_body(req)?;
    sim.act(|world| {
        let tid = known(world, tid)?;
        let task = body.task_id.map(TaskId).ok_or_else(|| ApiError::field("taskId", "`taskId` is mandatory"))?;
        world.operator_reject(&tid, &task).map_err(refusal)?;
        terminal_reply(world, &tid)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardBody {
    outcome: String,
}

pub(super) fn card(sim: &Sim, tid: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: CardBody = read_json(&req.body)?;
    let outcome = CardOutcome::parse(&body.outcome).ok_or_else(|| {
        ApiError::field(
            "outcome",
            format!("unknown card outcome `{}` (hint: approved, declined, timeout or exception)", body.outcome),
        )
    })?;
    sim.act(|world| {
        let tid = known(world, tid)?;
        let presented = world.present_card(&tid, outcome).map_err(refusal)?;
        let (effect, task) = match presented {
            CardPresented::Finished(task) => ("finished", Some(task.0)),
            CardPresented::Kept => ("kept_for_next_sale", None),
        };
        Ok(json(StatusCode::OK, &serde_json::json!({ "effect": effect, "taskId": task })))
    })
}

fn terminal_reply(world: &World, tid: &Tid) -> Result<Reply, ApiError> {
    let t = world.terminal(tid).ok_or_else(|| ApiError::not_found("no such terminal"))?;
    Ok(json(StatusCode::OK, &TerminalView::new(t, world, false)))
}

pub(super) fn clock(sim: &Sim) -> Result<Reply, ApiError> {
    let (now, paused, scale) = sim.clock_state();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "now": now, "paused": paused, "timeScale": scale.real_per_virtual() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    by: String,
}

pub(super) fn advance(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body: AdvanceBody = read_json(&req.body)?;
    let by: VirtualDuration =
        body.by.parse().map_err(|e: crate::time::InvalidDuration| ApiError::field("by", e.to_string()))?;
    if by.as_millis() < 0 {
        return Err(ApiError::field("by", "virtual time only moves forward"));
    }
    sim.advance(by);
    clock(sim)
}

pub(super) fn pause(sim: &Sim, paused: bool) -> Result<Reply, ApiError> {
    sim.set_paused(paused);
    clock(sim)
}

pub(super) fn reset(sim: &Sim) -> Result<Reply, ApiError> {
    sim.reset();
    list_terminals(sim)
}

pub(super) fn ledger(sim: &Sim) -> Result<Reply, ApiError> {
    let world = sim.world();
    Ok(json(StatusCode::OK, &serde_json::json!({ "entries": world.ledger().entries(), "net": world.ledger().net() })))
}

pub(super) fn journal(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    let after = match req.query("after") {
        None => 0,
        Some(a) => a.parse().map_err(|_| ApiError::field("after", "`after` must be a sequence number"))?,
    };
    let shown = secrets_shown(req)?;
    let entries: Vec<serde_json::Value> = sim
        .journal
        .since(after)
        .iter()
        .map(|e| {
            let value = serde_json::to_value(e).unwrap_or_default();
            if shown { value } else { super::redact_secrets(value) }
        })
        .collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "entries": entries, "dropped": sim.journal.dropped() })))
}

/// Whether `?secrets=shown` asks for passwords and tokens in clear (hidden by default).
pub(crate) fn secrets_shown(req: &ApiRequest) -> Result<bool, ApiError> {
    match req.query("secrets") {
        None | Some("hidden") => Ok(false),
        Some("shown") => Ok(true),
        Some(other) => Err(ApiError::field(
            "secrets",
            format!("`secrets` is `hidden` (the default) or `shown`, not `{}`", crate::printable::line(other, 40)),
        )),
    }
}
