//! Routes a Cloud API request to its handler, reads the body under the cap first, answers 404
//! or 405 for what matches no route, and journals every exchange.

use std::sync::Arc;
use std::time::Instant;

use http::header;
use http::{Method, Request, StatusCode};
use hyper::body::Incoming;

use super::{CloudApi, openapi, results, tasks};
use crate::http::ApiRequest;
use crate::http::{ApiError, JsonResponse, Reply, json};
use crate::journal::{Annotations, StruckFault, Tamper};
use crate::record::scripted::Strike;
use crate::record::scripted::{FaultKind, When};
use crate::surfaces::faults;

/// Answers one request. Its stamps are taken here, at payterm's own socket; a header that
/// claims another time (`x-payterm-…`) moves nothing and is recorded as tampering.
pub async fn handle(api: Arc<CloudApi>, req: Request<Incoming>) -> Reply {
    if let Err(refused) = super::guard::check(&api.sim.hosts, &req) {
        return refused;
    }
    let arrived = Instant::now();
    // A run's clock held until the integration comes up starts at this arrival, before the
    // request is handled or stamped.
    api.sim.start_at(arrived);
    let forged = payterm_headers(&req);
    let target = req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    match ApiRequest::read(req, api.max_body_bytes).await {
        Err((error, method)) => {
            let reply = tampered(error.into_response(), forged, false);
            journal(&api, arrived, &method, target, &bytes::Bytes::new(), reply).await
        }
        // The harness's own endpoint: not the integration's traffic to the payment services,
        // so neither scripted faults nor the journal see it.
        Ok(req) if req.path == crate::surfaces::inbox::PATH && req.method == Method::POST => {
            crate::surfaces::inbox::answer(&api.sim, &req.body)
        }
        Ok(req) => {
            let control = is_control_route(&req.segments());
            let strike = api.sim.strike(req.method.as_str(), &req.path);
            let reply = match strike {
                None => dispatch(&api, &req).await,
                Some(strike) if strike.kind == FaultKind::Hang => {
                    // The client never gets an answer, and gives up when it likes: the journal
                    // records the request now, or the exchange would vanish with the connection.
                    return hang(&api, arrived, &req, &target, strike, tamper_of(forged, control)).await;
                }
                Some(strike) => struck(&api, &req, strike).await,
            };
            journal(&api, arrived, &req.method, target, &req.body, tampered(reply, forged, control)).await
        }
    }
}

/// The names of the request's headers that only payterm itself sets (`x-payterm-…`).
fn payterm_headers(req: &Request<Incoming>) -> Vec<String> {
    let mut names: Vec<String> =
        req.headers().keys().map(|k| k.as_str().to_owned()).filter(|k| k.starts_with("x-payterm-")).collect();
    names.dedup();
    names
}

/// Whether `segments` name a route of the control API, which the integration's port never
/// serves: asking for one there is an attempt to drive the World from outside the protocols.
fn is_control_route(segments: &[&str]) -> bool {
    matches!(
        segments.first().copied(),
        Some("reset" | "clock" | "terminals" | "scenario" | "ledger" | "journal" | "invoices" | "stores" | "dashboard")
    )
}

fn tamper_of(forged: Vec<String>, control: bool) -> Option<Tamper> {
    if control {
        Some(Tamper::ControlRoute)
    } else if !forged.is_empty() {
        Some(Tamper::PaytermHeaders(forged))
    } else {
        None
    }
}

/// `reply` with what the request tampered with attached for the judge.
fn tampered(mut reply: Reply, forged: Vec<String>, control: bool) -> Reply {
    if let Some(tamper) = tamper_of(forged, control) {
        Annotations { tamper: Some(tamper), ..Annotations::default() }.attach(&mut reply);
    }
    reply
}

/// The typed record of a scripted fault.
fn fault_of(strike: &Strike) -> Annotations {
    Annotations {
        fault: Some(StruckFault { index: strike.index, kind: strike.kind.clone(), when: strike.when }),
        ..Annotations::default()
    }
}

/// A request a scripted fault strikes: answered by the fault, before or after the emulator
/// acts on it; its annotations say which fault it was.
async fn struck(api: &CloudApi, req: &ApiRequest, strike: Strike) -> Reply {
    let normal = match strike.when {
        When::BeforeActing => None,
        When::AfterActing => Some(dispatch(api, req).await),
    };
    let carried = normal.as_ref().and_then(|r| r.extensions().get::<Annotations>().cloned());
    let mut reply = faults::answer(&strike.kind, normal, &req.wire, api.sim.time_scale()).await;
    if let Some(carried) = carried {
        carried.attach(&mut reply);
    }
    fault_of(&strike).attach(&mut reply);
    reply
}

/// A request held with no answer: journalled at once, then held until the client gives up.
async fn hang(
    api: &CloudApi,
    arrived: Instant,
    req: &ApiRequest,
    target: &str,
    strike: Strike,
    tamper: Option<Tamper>,
) -> Reply {
    let mut annotations = fault_of(&strike);
    let normal = match strike.when {
        When::BeforeActing => None,
        When::AfterActing => Some(dispatch(api, req).await),
    };
    if let Some(carried) = normal.as_ref().and_then(|r| r.extensions().get::<Annotations>().cloned()) {
        let fault = annotations.fault.take();
        annotations = carried;
        annotations.fault = fault;
    }
    annotations.tamper = tamper;
    let stamps = api.sim.stamps(arrived);
    api.sim.journal.record_unanswered(
        stamps,
        surface_of(target),
        &req.method,
        target.to_owned(),
        (&req.body, crate::surfaces::route::classify(req.method.as_str(), target, &req.body)),
        annotations,
    );
    faults::answer(&strike.kind, normal, &req.wire, api.sim.time_scale()).await
}

async fn journal(
    api: &CloudApi,
    arrived: Instant,
    method: &Method,
    target: String,
    request: &bytes::Bytes,
    reply: Reply,
) -> Reply {
    let surface = surface_of(&target);
    let stamps = api.sim.stamps(arrived);
    let route = crate::surfaces::route::classify(method.as_str(), &target, request);
    api.sim.journal.record_reply(stamps, surface, method, target, (request, route), reply).await
}

/// Which surface a path belongs to, for the journal.
fn surface_of(target: &str) -> &'static str {
    if target.starts_with("/app2app") {
        "app2app"
    } else if target.starts_with("/hype/") {
        "initiator"
    } else {
        "cloud"
    }
}

async fn dispatch(api: &CloudApi, req: &ApiRequest) -> Reply {
    let segments = req.segments();
    let m = &req.method;
    let result = match segments.as_slice() {
        ["cloud" | "api", "oauth", "token"] if m == Method::POST => {
            let world = api.sim.world();
            return api.tokens.token_endpoint(&req.headers, &req.body, &world);
        }
        ["v1", "tasks", "TRANSACTION"] if m == Method::POST => tasks::create_transaction(api, req),
        ["v1", "tasks", "BATCH"] if m == Method::POST => tasks::create_batch(api, req),
        ["v1", "tasks"] if m == Method::GET => tasks::list(api, req),
        // `TRANSACTION` and `BATCH` name the create routes, never a task: other methods get 405.
        ["v1", "tasks", id] if m == Method::GET && !is_task_type(id) => tasks::get(api, req, id),
        ["v1", "tasks", id] if m == Method::DELETE && !is_task_type(id) => tasks::withdraw(api, req, id),
        ["v1", "transactions", id] if m == Method::GET => results::transaction(api, req, id),
        ["v1", "batches", id] if m == Method::GET => results::batch(api, req, id),
        ["app2app"] if m == Method::GET => crate::surfaces::app2app::http_answer(&api.sim, req).await,
        ["hype", ..] => crate::surfaces::initiator::http_answer(&api.sim, req, &api.base_url),
        ["openapi.json"] if m == Method::GET => Ok(openapi::reply(&api.base_url)),
        ["health"] if m == Method::GET => Ok(json(StatusCode::OK, &serde_json::json!({"status": "ok"}))),
        other => Err(no_route(m, other, &req.path)),
    };
    result.into_reply()
}

/// The methods a known path accepts, for a 405.
fn allowed(segments: &[&str]) -> Option<&'static str> {
    match segments {
        ["cloud" | "api", "oauth", "token"] => Some("POST"),
        ["v1", "tasks", "TRANSACTION" | "BATCH"] => Some("POST"),
        ["v1", "tasks"] => Some("GET"),
        ["v1", "tasks", _] => Some("GET, DELETE"),
        ["v1", "transactions" | "batches", _] => Some("GET"),
        ["openapi.json"] | ["health"] | ["app2app"] => Some("GET"),
        _ => None,
    }
}

/// Whether a path segment is one of the create routes' task types, spelt as the routes spell it.
fn is_task_type(segment: &str) -> bool {
    matches!(segment, "TRANSACTION" | "BATCH")
}

fn no_route(method: &Method, segments: &[&str], path: &str) -> ApiError {
    // A create sent to the task type in the wrong case: say how it is spelt. The right spelling
    // with a wrong method is a 405 like any other known path.
    if let ["v1", "tasks", kind] = segments
        && method == Method::POST
        && !is_task_type(kind)
        && is_task_type(&kind.to_ascii_uppercase())
    {
        return ApiError::not_found(format!(
            "no route for {method} {path}\n(hint: the task type is upper case: POST /v1/tasks/{})",
            kind.to_ascii_uppercase()
        ));
    }
    match allowed(segments) {
        Some(allow) => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("{method} is not allowed on {path} (allowed: {allow})"),
        )
        .with_header(header::ALLOW, allow),
        None => {
            let hint = "\n(hint: GET /openapi.json lists every route)";
            ApiError::not_found(format!("no route for {method} {path}{hint}"))
        }
    }
}
