//! The HyPe Initiator: the service side (signed invoices and status on the Cloud API's port),
//! the virtual customer's control routes, and the drop-in command-line client.

pub mod cli;

use http::StatusCode;

use crate::http::{ApiError, ApiRequest, Reply};
use crate::surfaces::sim::Sim;

/// The initiator service's routes under `/hype/` on the Cloud API's port. `base_url` is the
/// server's own base URL (for gateway URIs and the autofeed's endpoint).
pub fn http_answer(_sim: &Sim, _req: &ApiRequest, _base_url: &str) -> Result<Reply, ApiError> {
    Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, "NOT_IMPLEMENTED", "the initiator service is not served yet"))
}

/// The control API's initiator routes (`/stores/…`, `/invoices/…`); `None` when `segments`
/// is not one of them.
pub fn control(_sim: &Sim, _req: &ApiRequest, _segments: &[&str]) -> Option<Result<Reply, ApiError>> {
    None
}
