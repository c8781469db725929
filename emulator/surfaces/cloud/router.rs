//! The Cloud API's routes: each path and method to its handler, 404 or 405 for what matches
//! none (with the task type's spelling as a hint). The front door (`surfaces::front_door`)
//! stamps, strikes and journals around it.

use http::header;
use http::{Method, StatusCode};

use super::{CloudApi, openapi, results, tasks};
use crate::http::ApiRequest;
use crate::http::{ApiError, JsonResponse, Reply, json};

/// Answers a request for the Cloud API.
pub(crate) fn dispatch(api: &CloudApi, req: &ApiRequest) -> Reply {
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
