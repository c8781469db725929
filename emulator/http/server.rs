//! The accept loop: one task per connection, HTTP/1.1 with keep-alive, a header read timeout,
//! a cap on header size, a panic in a handler turned into a 500 for that request only, and a
//! graceful shutdown when the [`ServerHandle`] is dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::body::ApiError;
use super::wire::{FaultIo, HasTcp, WireControl};

/// A boxed future answering one request.
pub type BoxReply = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;

/// Answers requests. Implemented for any `Fn(Request<Incoming>) -> BoxReply`.
pub trait Handler: Send + Sync + 'static {
    /// Answers `req`.
    fn handle(&self, req: Request<Incoming>) -> BoxReply;
}

impl<F> Handler for F
where
    F: Fn(Request<Incoming>) -> BoxReply + Send + Sync + 'static,
{
    fn handle(&self, req: Request<Incoming>) -> BoxReply {
        self(req)
    }
}

/// Limits that protect the server from slow or hostile clients.
#[derive(Clone, Debug)]
pub struct ServerLimits {
    /// Time a client has to send the request head.
    pub header_read_timeout: Duration,
    /// The largest request head, bytes (hyper answers 431 past it).
    pub max_header_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits { header_read_timeout: Duration::from_secs(10), max_header_bytes: 16 * 1024 }
    }
}

/// A running server; dropping it stops accepting and lets open connections finish.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl ServerHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server now (the same as dropping the handle).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Serves `handler` on `listener` until the returned handle is dropped.
pub fn serve(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    limits: ServerLimits,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let (shutdown, mut stop) = watch::channel(false);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _peer)) = accepted else {
                        // Accept errors (e.g. too many open files) are transient: back off briefly.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = Connection {
                        handler: handler.clone(),
                        limits: limits.clone(),
                        stop: stop.clone(),
                    };
                    match tls.clone() {
                        None => { tokio::spawn(conn.run(stream)); }
                        Some(acceptor) => {
                            tokio::spawn(async move {
                                let handshake = tokio::time::timeout(conn.limits.header_read_timeout, acceptor.accept(stream)).await;
                                if let Ok(Ok(stream)) = handshake {
                                    conn.run(stream).await;
                                }
                            });
                        }
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
    Ok(ServerHandle { addr, shutdown })
}

struct Connection {
    handler: Arc<dyn Handler>,
    limits: ServerLimits,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn run<S>(mut self, stream: S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + HasTcp + Unpin + Send + 'static,
    {
        let handler = self.handler.clone();
        let control = WireControl::default();
        let stream = FaultIo::new(stream, control.clone());
        let service = service_fn(move |mut req: Request<Incoming>| {
            // Handlers reach their own connection through this, for scripted transport faults.
            // HTTP/1.1 answers one request at a time, so what the last answer armed is over.
            control.clear();
            req.extensions_mut().insert(control.clone());
            let reply = AssertUnwindSafe(handler.handle(req)).catch_unwind();
            async move {
                Ok::<_, std::convert::Infallible>(reply.await.unwrap_or_else(|_| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        "the emulator hit a bug while answering this request; other requests are unaffected (hint: please report it with the request that caused it)",
                    )
                    .into_response()
                }))
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            .max_buf_size(self.limits.max_header_bytes.max(8192));
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => {}
            _ = self.stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
            }
        }
    }
}
