//! payterm's reference integration in Rust: a point of sale that follows every conformance
//! rule on all three surfaces, talking to the harness only through the driver contract
//! (docs/src/driver.md): environment, orders on stdin, events on stdout, HTTP, and the
//! `aelucrative-hype-initiator` program on `PATH`. It uses nothing of the `payterm` crate.
//!
//! Layout:
//! - `input`: orders on stdin, each run in its own task;
//! - `orders`: the shared app, one order's state and outcome, dispatch by surface;
//! - `pacing`: virtual time, poll interval, backoff, Retry-After;
//! - `events`: events on stdout, logs on stderr;
//! - `http`: one bounded HTTP exchange, lost answers, percent-encoding;
//! - `cloud_api`, `cloud`: the GP tom Cloud API client (tokens) and its flows;
//! - `app2app`: GP tom deep links;
//! - `initiator`: the HyPe Initiator program.

mod app2app;
mod cloud;
mod cloud_api;
mod events;
mod http;
mod initiator;
mod input;
mod orders;
mod pacing;

use std::process::ExitCode;
use std::sync::Arc;

use crate::events::log;
use crate::pacing::Settings;

fn main() -> ExitCode {
    // Start the clock first: every wait and deadline counts from it.
    let _ = pacing::now();
    let settings = Settings::from_env();
    events::init(settings.scale);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            log("pos", &format!("failed to start the async runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    log(
        "pos",
        &format!(
            "time scale {}, minimum poll interval {}v, poll {}v, backoff {}v..{}v",
            settings.scale, settings.min_poll_v, settings.poll_v, settings.backoff_first_v, settings.backoff_max_v
        ),
    );
    runtime.block_on(async {
        match orders::App::new(settings) {
            Ok(app) => {
                input::serve(Arc::new(app)).await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                log("pos", &e);
                ExitCode::from(2)
            }
        }
    })
}
