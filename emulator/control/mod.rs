//! The control API: what a person or a test uses to drive the emulated side — list
//! terminals and queues, act as the operator, present card outcomes, move the clock, step it
//! to the script's next event, load a scenario, reset. It listens on its own port, never on
//! the one the integration uses; a layer above may serve more routes there behind the same
//! guard (an [`Extension`]: `payterm serve` adds the dashboard). Only local tools and that
//! page may drive it: a foreign `Host` or `Origin`, or a write that is not JSON, is refused,
//! and secrets in the journal are hidden unless `?secrets=shown` asks for them.

mod guard;
mod handlers;
pub(crate) mod progress;
mod scenario;
pub(crate) mod scenario_view;
pub(crate) mod snapshot;
mod step;
mod views;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::{Method, Request, StatusCode};
use hyper::body::Incoming;

use crate::http::{ApiError, ApiRequest, JsonResponse, Reply, json};
use crate::surfaces::sim::Sim;

/// A reply made later (a long-lived stream).
pub(crate) type ReplyFuture<'a> = Pin<Box<dyn Future<Output = Reply> + Send + 'a>>;

/// Routes a layer above serves on the control port, behind the same guard (the dashboard:
/// its page, views and live transcript).
pub trait Extension: Send + Sync + std::fmt::Debug + 'static {
    /// The answer to `req` if it is one of these routes, tried before the control API's own.
    fn route(&self, sim: &Sim, req: &ApiRequest, segments: &[&str]) -> Option<Result<Reply, ApiError>>;
    /// A long-lived answer to `req` (a stream), if it asks for one.
    fn stream<'a>(&'a self, sim: &'a Sim, req: &'a ApiRequest) -> Option<ReplyFuture<'a>>;
}

pub(crate) use guard::redact as redact_secrets;
pub(crate) use handlers::secrets_shown;

/// The largest body the control API reads: a JSON command, or a scenario file (the largest
/// built-in one is about 2 KiB).
const MAX_BODY: usize = 64 * 1024;

/// Answers one control request, with `extension`'s routes beside the control API's.
pub(crate) async fn handle(sim: Arc<Sim>, extension: Option<Arc<dyn Extension>>, req: Request<Incoming>) -> Reply {
    let arrived = std::time::Instant::now();
    let target = req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let extension = extension.as_deref();
    let (reply, method, body) = match ApiRequest::read(req, MAX_BODY).await {
        Err((error, method)) => (error.into_response(), method, Default::default()),
        Ok(req) => match guard::check(&req, req.path == "/scenario", &sim.hosts) {
            Err(refused) => (refused.into_response(), req.method, req.body),
            Ok(()) => {
                let reply = match extension.and_then(|e| e.stream(&sim, &req)) {
                    Some(stream) => stream.await,
                    None => dispatch(&sim, extension, &req),
                };
                (reply, req.method, req.body)
            }
        },
    };
    // Reads of the journal itself are not journalled, or a watcher would flood it.
    if target.starts_with("/journal") || method == Method::GET {
        return reply;
    }
    sim.journal
        .record_reply(
            sim.stamps(arrived),
            crate::record::route::Door::Control,
            &method,
            target,
            (&body, crate::record::route::Call::Other),
            reply,
        )
        .await
}

fn dispatch(sim: &Sim, extension: Option<&dyn Extension>, req: &ApiRequest) -> Reply {
    let segments = req.segments();
    let m = &req.method;
    if let Some(result) = crate::surfaces::initiator::control(sim, req, &segments) {
        return result.into_reply();
    }
    if let Some(result) = extension.and_then(|e| e.route(sim, req, &segments)) {
        return result.into_reply();
    }
    let result = match segments.as_slice() {
        ["health"] if m == Method::GET => Ok(json(StatusCode::OK, &serde_json::json!({"status": "ok"}))),
        ["terminals"] if m == Method::GET => handlers::list_terminals(sim),
        ["terminals"] if m == Method::POST => handlers::add_terminal(sim, req),
        ["terminals", tid] if m == Method::GET => handlers::terminal(sim, tid),
        ["terminals", tid, "mode"] if m == Method::POST => handlers::set_mode(sim, tid, req),
        ["terminals", tid, "pick"] if m == Method::POST => handlers::pick(sim, tid, req),
        ["terminals", tid, "reject"] if m == Method::POST => handlers::reject(sim, tid, req),
        ["terminals", tid, "card"] if m == Method::POST => handlers::card(sim, tid, req),
        ["terminals", tid, "host"] if m == Method::POST => handlers::host(sim, tid, req),
        ["clock"] if m == Method::GET => handlers::clock(sim),
        ["clock", "advance"] if m == Method::POST => handlers::advance(sim, req),
        ["clock", "pause"] if m == Method::POST => handlers::pause(sim, true),
        ["clock", "resume"] if m == Method::POST => handlers::pause(sim, false),
        ["clock", "step"] if m == Method::POST => step::step(sim),
        ["scenario"] if m == Method::GET => scenario::view(sim),
        ["scenario"] if m == Method::POST => scenario::load(sim, req),
        ["scenario"] if m == Method::DELETE => scenario::unload(sim),
        ["reset"] if m == Method::POST => handlers::reset(sim),
        ["ledger"] if m == Method::GET => handlers::ledger(sim),
        ["journal"] if m == Method::GET => handlers::journal(sim, req),
        _ => Err(ApiError::not_found(format!(
            "no control route for {m} {}\n(hint: GET / is the dashboard; GET /terminals, POST /terminals/{{tid}}/pick|reject|card|mode|host, GET /clock, POST /clock/advance|pause|resume|step, GET|POST|DELETE /scenario, POST /reset, GET /ledger, GET /journal)",
            req.path
        ))),
    };
    result.into_reply()
}
