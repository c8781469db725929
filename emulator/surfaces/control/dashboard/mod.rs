//! The dashboard: a page on the control port (`GET /`) to watch and drive the emulated side —
//! terminals, the customer, the clock, the live transcript, and the served scenario with
//! where its script stands. Its assets are embedded; [`route`] answers its views and
//! [`stream`] the live transcript.

mod assets;
mod diagram;
mod lines;
mod progress;
mod routes;
mod scenario;
mod stream;
mod terminals;

pub use assets::{INDEX_HTML, SCENARIO_JS, SCRIPT_JS, STYLE_CSS};
pub use progress::stepped_json;
pub use routes::{STREAM_PATH, is_stream, route};
pub use scenario::view_json as scenario_json;
pub use stream::{MAX_BYTES, MAX_LINES, answer as stream};
