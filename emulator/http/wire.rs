//! Control below hyper, for transport faults that clients must see as real I/O errors:
//! [`FaultIo`] wraps a connection's stream and, when its [`WireControl`] says so, resets the
//! TCP connection (`SO_LINGER` 0, so the peer gets an RST) or drips the answer out slowly.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// What the stream does on the next write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireAction {
    /// Reset the connection instead of answering.
    Reset,
    /// Send the head and half the body of the answer, then close: fewer bytes arrive than
    /// `Content-Length` promises.
    Truncate,
    /// Write at most `chunk` bytes every `every`.
    Drip {
        /// Bytes per write.
        chunk: usize,
        /// Pause between writes.
        every: Duration,
    },
}

/// A handle a request handler uses to act on its own connection; found in the request's
/// extensions.
#[derive(Clone, Debug, Default)]
pub struct WireControl(Arc<Mutex<Option<WireAction>>>);

impl WireControl {
    /// Arms `action` for the answer about to be written.
    pub fn arm(&self, action: WireAction) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(action);
    }

    /// Disarms: the next answer is written normally.
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn current(&self) -> Option<WireAction> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A stream with a TCP socket underneath, so a reset can reach the socket.
pub trait HasTcp {
    /// The TCP stream.
    fn tcp(&self) -> &TcpStream;
}

impl HasTcp for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl HasTcp for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// A connection's stream, obeying its [`WireControl`].
pub struct FaultIo<S> {
    inner: S,
    control: WireControl,
    pause: Option<Pin<Box<Sleep>>>,
    /// Bytes a truncated answer may still write.
    budget: Option<usize>,
}

impl<S> FaultIo<S> {
    /// Wraps `inner`, obeying `control`.
    pub fn new(inner: S, control: WireControl) -> Self {
        FaultIo { inner, control, pause: None, budget: None }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FaultIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + HasTcp + Unpin> AsyncWrite for FaultIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.control.current() {
            None => Pin::new(&mut self.inner).poll_write(cx, buf),
            Some(WireAction::Reset) => {
                // With SO_LINGER 0, closing the socket (when hyper drops the connection after
                // this error) sends an RST instead of a FIN: the client sees "connection reset".
                let _ = socket2::SockRef::from(self.inner.tcp()).set_linger(Some(Duration::ZERO));
                Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, "payterm: scripted connection reset")))
            }
            Some(WireAction::Truncate) => {
                let budget = *self.budget.get_or_insert_with(|| truncated_length(buf));
                if budget == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "payterm: scripted truncated body",
                    )));
                }
                let n = buf.len().min(budget);
                let written = Pin::new(&mut self.inner).poll_write(cx, &buf[..n]);
                if let Poll::Ready(Ok(k)) = written {
                    self.budget = Some(budget - k);
                }
                written
            }
            Some(WireAction::Drip { chunk, every }) => {
                if let Some(pause) = self.pause.as_mut() {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.pause = None;
                }
                let n = buf.len().min(chunk.max(1));
                let written = Pin::new(&mut self.inner).poll_write(cx, &buf[..n]);
                if matches!(written, Poll::Ready(Ok(_))) {
                    self.pause = Some(Box::pin(tokio::time::sleep(every)));
                }
                written
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How much of a response written as one buffer to let through: the head and half the body.
fn truncated_length(buf: &[u8]) -> usize {
    match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => {
            let head = end + 4;
            head + (buf.len() - head) / 2
        }
        None => buf.len() / 2,
    }
}

use std::future::Future as _;
