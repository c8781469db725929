//! The dashboard: a page on the control port (`GET /`) to watch and drive the emulated side —
//! terminals, the customer, the clock, the live transcript, and the served scenario with
//! where its script stands. Its assets are embedded; [`Dashboard`] is the control API's
//! extension that serves them, its views and the live transcript.

mod assets;
mod diagram;
mod lines;
mod routes;
mod stream;
mod terminals;

use crate::control::{Extension, ReplyFuture};
use crate::http::{ApiError, ApiRequest, Reply};
use crate::surfaces::sim::Sim;

pub use assets::{INDEX_HTML, SCENARIO_JS, SCRIPT_JS, STYLE_CSS};
pub use routes::STREAM_PATH;
pub use stream::{MAX_BYTES, MAX_LINES};

/// The dashboard, served on the control port beside the control API.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dashboard;

impl Extension for Dashboard {
    fn route(&self, sim: &Sim, req: &ApiRequest, segments: &[&str]) -> Option<Result<Reply, ApiError>> {
        routes::route(sim, req, segments)
    }

    fn stream<'a>(&'a self, sim: &'a Sim, req: &'a ApiRequest) -> Option<ReplyFuture<'a>> {
        routes::is_stream(req).then(|| Box::pin(stream::answer(sim, req)) as ReplyFuture<'a>)
    }
}
