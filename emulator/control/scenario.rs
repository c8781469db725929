//! `POST /scenario`: serve a scenario file from now on, read by the same reader as
//! `payterm check`, the World reset to its setup; `DELETE /scenario`: back to the plain World;
//! `GET /scenario`: the served scenario as the dashboard shows it. An invalid file is a 400
//! with every problem's line and column, and the scenario served before stays served.

use std::sync::Arc;

use http::{StatusCode, header};
use serde_json::json;

use super::scenario_view::view_json as scenario_json;
use crate::http::{ApiError, ApiRequest, Reply, json};
use crate::scenario::{ScenarioErrors, parse_bytes};
use crate::surfaces::sim::Sim;

/// Content types a scenario file may come as: TOML's own, text, or what a browser or
/// `curl --data-binary` sends for a file by default.
const TYPES: &[&str] =
    &["application/toml", "text/plain", "text/x-toml", "application/octet-stream", "application/x-www-form-urlencoded"];

/// How errors name a file sent without `?name=`.
const UNNAMED: &str = "scenario.toml";

/// `GET /scenario`.
pub(super) fn view(sim: &Sim) -> Result<Reply, ApiError> {
    Ok(json(StatusCode::OK, &scenario_json(sim)))
}

/// `POST /scenario?name=FILE` with the file's text as the body.
pub(super) fn load(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    media_type(req)?;
    let name = req.query("name").map(str::trim).filter(|n| n.len() <= 200).unwrap_or(UNNAMED);
    let scenario = parse_bytes(name, &req.body).map_err(|e| invalid(&e))?;
    if !sim.load(Some(Arc::new(scenario))) {
        return Err(cannot_load());
    }
    view(sim)
}

/// `DELETE /scenario`.
pub(super) fn unload(sim: &Sim) -> Result<Reply, ApiError> {
    if !sim.load(None) {
        return Err(cannot_load());
    }
    view(sim)
}

fn cannot_load() -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, "CANNOT_LOAD", "this server was built without a way to load scenarios")
}

fn media_type(req: &ApiRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers.get(header::CONTENT_TYPE) else { return Ok(()) };
    let essence = value.to_str().unwrap_or("?").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence.is_empty() || TYPES.contains(&essence.as_str()) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        format!(
            "a scenario file is TOML text, not `{essence}`\n(hint: send the file itself as the body: curl --data-binary @FILE -H 'content-type: application/toml')"
        ),
    ))
}

/// The 400 for an invalid file: the message `payterm check` prints, each problem with its
/// line and column, and the problems drawn with the file's lines.
fn invalid(errors: &ScenarioErrors) -> ApiError {
    let diagnostics: Vec<_> = errors
        .diagnostics
        .iter()
        .map(|d| json!({ "line": d.line, "column": d.column, "message": d.message, "label": d.label, "help": d.help }))
        .collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_SCENARIO",
        format!("{errors}\n(hint: nothing changed: the scenario served before is still served)"),
    )
    .with("diagnostics", diagnostics)
    .with("rendered", errors.render())
}
