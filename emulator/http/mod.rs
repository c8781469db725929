//! The HTTP server core every surface shares: the accept loop with graceful shutdown,
//! connection limits, panic isolation, capped bodies, JSON answers and optional TLS.

pub mod authority;
mod body;
mod request;
mod server;
mod tls;
mod wire;

pub use authority::Hosts;
pub use body::{ApiError, JsonResponse, Reply, empty, header_line, json, json_bytes, read_body, read_json};
pub use request::ApiRequest;
pub use server::{BoxReply, Handler, ServerHandle, ServerLimits, serve};
pub use tls::{SelfSignedTls, default_cert_path, self_signed};
pub use wire::{FaultIo, HasTcp, WireAction, WireControl};
