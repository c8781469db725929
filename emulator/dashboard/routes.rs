//! The dashboard's routes on the control port: the page and its assets, and the read-only
//! JSON views the existing control routes lack. Every action the page takes goes through the
//! control routes a test or a scenario uses.

use http::Method;

use super::{assets, diagram, terminals};
use crate::control::scenario_view as scenario;
use crate::http::{ApiError, ApiRequest, Reply};
use crate::surfaces::sim::Sim;

/// The path of the live transcript (server-sent events).
pub const STREAM_PATH: &str = "/events/stream";

/// The dashboard's answer to `req`; `None` when it is not a dashboard route.
pub(super) fn route(sim: &Sim, req: &ApiRequest, segments: &[&str]) -> Option<Result<Reply, ApiError>> {
    if req.method != Method::GET && req.method != Method::HEAD {
        return None;
    }
    if let Some(reply) = assets::asset(&req.path) {
        return Some(Ok(reply));
    }
    let result = match segments {
        ["dashboard", "terminals"] => terminals::window(sim, req),
        ["dashboard", "scenario"] => scenario::view(sim),
        ["dashboard", "diagram.svg"] => diagram::diagram(sim, req),
        ["dashboard", "journal", seq] => diagram::entry(sim, seq, req),
        _ => return None,
    };
    Some(result)
}

/// Whether `req` asks for the live transcript.
pub(super) fn is_stream(req: &ApiRequest) -> bool {
    req.method == Method::GET && req.path == STREAM_PATH
}
