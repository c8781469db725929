//! The GP tom Cloud API: OAuth, tasks, results, and the OpenAPI document, over the shared
//! HTTP core. [`CloudApi`] holds what the handlers share.

pub mod auth;
pub mod dto;
pub(super) mod guard;
pub mod openapi;
mod openapi_rules;
mod render_cache;
mod results;
pub mod router;
mod tasks;

use std::sync::Arc;

pub use crate::http::ApiRequest;
pub use tasks::{batch_body, validate_transaction};

use crate::surfaces::sim::Sim;
use auth::TokenService;

impl CloudApi {
    /// Checks the request's bearer token at virtual time `now`.
    pub fn verify(
        &self,
        headers: &http::HeaderMap,
        now: crate::time::VirtualTime,
    ) -> Result<std::sync::Arc<auth::Claims>, auth::TokenProblem> {
        self.tokens.verify(headers, now, self.sim.tokens_revoked_through())
    }
}

/// What every Cloud API handler shares.
pub struct CloudApi {
    /// The World, its clock and the journal.
    pub sim: Arc<Sim>,
    /// Issues and checks tokens.
    pub tokens: TokenService,
    /// The largest body read.
    pub max_body_bytes: usize,
    /// This server's own base URL, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Rendered task answers, reused while a task does not change.
    pub rendered: render_cache::RenderCache,
}
