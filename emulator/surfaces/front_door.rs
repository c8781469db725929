//! The front door of the integration's port: every request of every surface (the Cloud API,
//! deep links, the initiator service) comes in here. It is stamped at payterm's own socket,
//! guarded (Host, Origin), struck by the script's fault if one is due (a wrapper around the
//! surface's handler), handed to its surface, classified and journalled.

use std::sync::Arc;
use std::time::Instant;

use http::{Method, Request};
use hyper::body::Incoming;

use super::cloud::CloudApi;
use super::faults;
use crate::http::{ApiRequest, Reply};
use crate::journal::{Annotations, StruckFault, Tamper};
use crate::record::route::Door;
use crate::record::scripted::{FaultKind, Strike, When};

/// Answers one request. Its stamps are taken here, at payterm's own socket; a header that
/// claims another time (`x-payterm-…`) moves nothing and is recorded as tampering.
pub async fn handle(api: Arc<CloudApi>, req: Request<Incoming>) -> Reply {
    if let Err(refused) = super::cloud::guard::check(&api.sim.hosts, &req) {
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
    let mut reply = faults::answer(&strike.kind, normal, &req.wire, api.sim.pace()).await;
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
    faults::answer(&strike.kind, normal, &req.wire, api.sim.pace()).await
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
fn surface_of(target: &str) -> Door {
    if target.starts_with("/app2app") {
        Door::App2app
    } else if target.starts_with("/hype/") {
        Door::Initiator
    } else {
        Door::Cloud
    }
}

/// The surface that serves `req`: deep links at `/app2app`, the initiator service under
/// `/hype/`, the Cloud API (and its `openapi.json`, `health`) everywhere else.
async fn dispatch(api: &CloudApi, req: &ApiRequest) -> Reply {
    use crate::http::JsonResponse;
    match req.segments().as_slice() {
        ["app2app"] if req.method == Method::GET => super::app2app::http_answer(&api.sim, req).await.into_reply(),
        ["hype", ..] => super::initiator::http_answer(&api.sim, req, &api.base_url).into_reply(),
        _ => super::cloud::router::dispatch(api, req),
    }
}
