//! The fault wrapper the front door puts around a surface's handler when the script strikes a
//! request. How a scripted request fault is answered: an HTTP status with `Retry-After`, a delay, a
//! hang, a truncated or malformed body, a slow drip, or a real TCP reset. [`answer`] turns a
//! [`FaultKind`] (and, after acting, the normal answer) into what the client receives.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full};

use crate::http::{ApiError, Reply, WireAction, WireControl};
use crate::record::scripted::FaultKind;
use crate::time::Pace;

/// How long a hung answer is held before the server gives up on the client itself.
const HANG_LIMIT: Duration = Duration::from_secs(600);

use crate::record::scripted::RETRY_AFTER_VIRTUAL;

/// Seconds rounded up, so a client that honours the header literally is never early.
fn ceil_secs(d: Duration) -> u64 {
    let whole = d.as_secs();
    if d.subsec_nanos() > 0 { whole + 1 } else { whole }
}

/// The answer the client gets when `kind` strikes. `normal` is the emulator's own answer when
/// the fault strikes after acting (`None` before acting).
pub async fn answer(kind: &FaultKind, normal: Option<Reply>, wire: &WireControl, pace: Pace) -> Reply {
    match kind {
        FaultKind::Status { code, retry_after } => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut err = ApiError::new(status, "SCRIPTED_FAULT", format!("the scenario answers {code} here"));
            if let Some(after) = retry_after {
                let real_secs = ceil_secs(pace.real(*after));
                let virtual_secs = ceil_secs(Duration::from_millis(after.as_millis().unsigned_abs()));
                err = err
                    .with_header(header::RETRY_AFTER, &real_secs.to_string())
                    .with_header(http::HeaderName::from_static(RETRY_AFTER_VIRTUAL), &virtual_secs.to_string());
            }
            err.into_response()
        }
        FaultKind::Reset => {
            wire.arm(WireAction::Reset);
            normal.unwrap_or_else(|| crate::http::empty(StatusCode::OK))
        }
        FaultKind::Hang => {
            // Held open with no answer until the client gives up (or the server stops).
            tokio::time::sleep(HANG_LIMIT).await;
            normal.unwrap_or_else(|| crate::http::empty(StatusCode::GATEWAY_TIMEOUT))
        }
        FaultKind::Delay(d) => {
            tokio::time::sleep(pace.real(*d)).await;
            normal.unwrap_or_else(placeholder)
        }
        FaultKind::Truncate => {
            // The head promises every byte; the stream lets half the body through, then closes.
            wire.arm(WireAction::Truncate);
            normal.unwrap_or_else(placeholder)
        }
        FaultKind::MalformedJson => {
            let (mut parts, bytes) = split(normal.unwrap_or_else(placeholder)).await;
            let mut broken = bytes.slice(..bytes.len() / 2).to_vec();
            broken.extend_from_slice(b"\x00<html>");
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Reply::from_parts(parts, Full::new(Bytes::from(broken)))
        }
        FaultKind::SlowDrip(d) => {
            let (parts, bytes) = split(normal.unwrap_or_else(placeholder)).await;
            // The head is dripped too: count it (about 160 bytes) so the whole answer takes `d`.
            let chunks = (bytes.len() + 160).div_ceil(16).max(1) as u32;
            wire.arm(WireAction::Drip { chunk: 16, every: pace.real(*d) / chunks });
            Reply::from_parts(parts, Full::new(bytes))
        }
    }
}

fn placeholder() -> Reply {
    crate::http::json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

async fn split(reply: Reply) -> (http::response::Parts, Bytes) {
    let (parts, body) = reply.into_parts();
    let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    (parts, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualDuration;

    #[test]
    fn retry_after_is_rounded_up_in_real_seconds() {
        assert_eq!(ceil_secs(Pace::new(0.01).real(VirtualDuration::secs(30))), 1);
        assert_eq!(ceil_secs(Pace::new(0.01).real(VirtualDuration::secs(250))), 3);
        assert_eq!(ceil_secs(Pace::REAL_TIME.real(VirtualDuration::secs(2))), 2);
    }
}
