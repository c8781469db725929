//! The baseline: a minimal hyper 1 HTTP/1.1 server answering every request with a fixed JSON
//! body the size of a payterm task, served the way `emulator/http/server.rs` serves, so
//! the payterm/bare ratio isolates what payterm does per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A copy of what `GET /v1/tasks/{id}` answers for a queued sale (275 bytes), so both servers
/// push the same bytes and the ratio is not skewed by body size.
pub const BODY: &str = concat!(
    r#"{"taskId":"6c67375f-e632-4ca4-b967-bdcb3c9dba7d","taskType":"TRANSACTION","tid":"999888","#,
    r#""state":"QUEUED","created":"2026-01-01T00:00:00.000Z","updated":"2026-01-01T00:00:00.000Z","#,
    r#""request":{"transactionType":"SALE","amount":1250,"currencyCode":"CZK","paymentMethod":"CARD"}}"#
);

/// Child mode: a minimal bare-hyper process, for the startup figure's baseline.
pub const CHILD_MODE: &str = "bare-hyper";

/// Binds 127.0.0.1:0 and serves on the current runtime; abort the handle to stop accepting.
pub async fn start() -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    start_on(0).await
}

/// The child's work, as a minimal hyper binary would do it: a default tokio runtime, bind the
/// port from the environment, serve until stdin closes.
pub fn child_main() {
    let port: u16 = std::env::var(crate::peers::PORT_ENV).ok().and_then(|p| p.parse().ok()).expect("a port to bind");
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let _server = rt.block_on(start_on(port)).expect("the chosen port is free");
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

/// Binds 127.0.0.1:`port` and serves on the current runtime.
pub async fn start_on(port: u16) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    let accept_loop = tokio::spawn(async move {
        loop {
            let Ok((stream, _peer)) = listener.accept().await else {
                // Same policy as the real server: accept errors are transient.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|_req: Request<Incoming>| async {
                    let mut resp = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
                    resp.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(resp)
                });
                // The same connection settings payterm uses, so both pay for the same timer
                // and buffer work and the ratio reflects the application alone.
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(10)).max_buf_size(16 * 1024);
                let _ = builder.serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((addr, accept_loop))
}
