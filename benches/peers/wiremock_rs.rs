//! wiremock-rs 0.6 as a peer: [`start`] mounts one mock answering the polled path with payterm's
//! body bytes, in this process for the rounds or, through [`child_main`], in a child copy of the
//! bench for the soak.

use std::io::Read;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::process::{BODY_ENV, PATH_ENV, PORT_ENV};

/// Child mode: wiremock-rs as its builder starts it (request recording on).
pub const CHILD_RECORDING: &str = "wiremock-rs";
/// Child mode: wiremock-rs with `disable_request_recording()`.
pub const CHILD_NO_RECORDING: &str = "wiremock-rs-no-recording";

/// Starts a `MockServer` on `listener` (or 127.0.0.1:0) with one mock for `GET {path}`.
///
/// wiremock-rs serves from a thread of its own with a current-thread runtime; started from a
/// task on the bench's server runtime, that thread inherits the runtime's name and core.
pub async fn start(
    path_: String,
    body: String,
    recording: bool,
    listener: Option<std::net::TcpListener>,
) -> MockServer {
    let mut builder = MockServer::builder();
    if let Some(listener) = listener {
        builder = builder.listener(listener);
    }
    if !recording {
        builder = builder.disable_request_recording();
    }
    let server = builder.start().await;
    Mock::given(method("GET"))
        .and(path(path_))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json"))
        .mount(&server)
        .await;
    server
}

/// The child's work: serves on the port, path and body from the environment until stdin
/// closes (the parent holds it; it kills the child when done, or dies and closes it).
pub fn child_main(recording: bool) {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("the wiremock-rs child needs {k}"));
    let port: u16 = var(PORT_ENV).parse().expect("the port is a number");
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the chosen port is free");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let server = rt.block_on(start(var(PATH_ENV), var(BODY_ENV), recording, Some(listener)));
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(server);
}
