//! GP tom deep links: a `gptom://…` link runs on the virtual terminal and is answered by the
//! redirect URL the GP tom app would open.

pub mod cli;

use http::StatusCode;

use crate::http::{ApiError, ApiRequest, Reply};
use crate::surfaces::sim::Sim;

/// `GET /app2app?uri=<percent-encoded gptom link>` on the Cloud API's port.
pub fn http_answer(_sim: &Sim, _req: &ApiRequest) -> Result<Reply, ApiError> {
    Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, "NOT_IMPLEMENTED", "deep links are not served yet"))
}
