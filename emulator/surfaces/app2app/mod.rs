//! GP tom deep links: a `gptom://…` link runs on the virtual terminal and is answered by the
//! redirect URL the GP tom app would open. [`answer_link`] is the whole path (read, run on the
//! World, render) that `GET /app2app` ([`http_answer`]) and `payterm link` share.
//!
//! Layout: `link` reads the URL, `pct` percent-encodes, `params` reads the operation's
//! parameters, `execute` runs it on the World, `answer` maps the outcome to the redirect
//! (the outcome table lives there), `handover` decides who hands over the receipt,
//! `endpoint` serves HTTP; `payterm link` (in `cli`) runs one on the command line.

pub mod answer;
mod endpoint;
pub mod execute;
pub mod handover;
pub mod link;
pub mod params;
pub mod pct;
mod scripted;

pub use answer::{Reason, Rendered, Status};
pub use endpoint::http_answer;
pub use execute::answer_link;
pub use link::LinkError;
