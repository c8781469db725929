//! HTTP on loopback: `Http` makes one bounded exchange (`Reply`), and anything short of a
//! complete answer becomes `Lost` — a reset, a timeout, a truncated or malformed body.

use std::error::Error as _;
use std::fmt;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::pacing::{Settings, secs};

/// No usable answer: a transport fault, a 5xx, a truncated or malformed body — or a request
/// that never left (`not_sent`: no token could be had, so nothing can have happened).
#[derive(Debug, Clone)]
pub struct Lost {
    pub why: String,
    /// Real seconds to wait, when the answer said (Retry-After).
    pub retry_after: Option<f64>,
    pub not_sent: bool,
}

impl Lost {
    /// A lost answer.
    pub fn new(why: impl Into<String>, retry_after: Option<f64>) -> Self {
        Lost { why: why.into(), retry_after, not_sent: false }
    }

    /// A request that never went out.
    pub fn not_sent(why: impl Into<String>, retry_after: Option<f64>) -> Self {
        Lost { why: why.into(), retry_after, not_sent: true }
    }
}

impl fmt::Display for Lost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.why)
    }
}

/// A complete answer.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The one HTTP client: no redirects followed (the app2app answer is a `302` to the
/// integration's own scheme), no proxy (the emulator is on loopback), and no pooled
/// connections, so a reset or a hang on one exchange cannot leak into the next.
pub struct Http {
    client: reqwest::Client,
    settings: Settings,
}

impl Http {
    /// The client; fails only if the TLS backend cannot start.
    pub fn new(settings: Settings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| format!("failed to build the HTTP client: {e}"))?;
        Ok(Http { client, settings })
    }

    /// One exchange, bounded as a whole (not only each read) by the HTTP timeout and by
    /// `remaining` real seconds, so an answer that hangs or drips for longer counts as lost.
    pub async fn exchange(
        &self,
        remaining: f64,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Reply, Lost> {
        let timeout = f64::min(self.settings.http_timeout, f64::max(0.01, remaining));
        let target = url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or(url);
        let mut request = self.client.request(method.clone(), url);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok::<Reply, reqwest::Error>(Reply { status, headers, body })
        };
        match tokio::time::timeout(secs(timeout), exchange).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(Lost::new(format!("{method} {target}: {}", chain(&e)), None)),
            Err(_) => Err(Lost::new(
                format!("{method} {target}: no complete answer within {:.0}v", timeout / self.settings.scale),
                None,
            )),
        }
    }
}

/// An error with its causes, for the log ("error sending request: connection reset").
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Real seconds to wait from a Retry-After answer.
///
/// `X-Payterm-Retry-After-Virtual` is exact (virtual seconds); `Retry-After` is the same wait
/// in real seconds rounded up to a whole second, which at a small time scale can be a hundred
/// times longer than asked (and eat the deadline). The exact one is used when present, with
/// a small margin so the retry is never early (driver.md, Time); else the standard header.
pub fn retry_after_of(headers: &HeaderMap, scale: f64) -> Option<f64> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(virtual_s) = header("x-payterm-retry-after-virtual").and_then(|v| v.parse::<f64>().ok())
        && virtual_s.is_finite()
    {
        return Some(virtual_s * scale * 1.02 + 0.002);
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return seconds.is_finite().then_some(seconds.max(0.0));
    }
    // An HTTP date (IMF-fixdate reads as RFC 2822 with the obsolete zone "GMT").
    let when = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    Some(f64::max(0.0, (when - time::OffsetDateTime::now_utc()).as_seconds_f64()))
}

/// A JSON body; an empty one is `null`. A body that does not parse was not a usable answer.
pub fn parse_json(body: &[u8]) -> Result<Value, Lost> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|_| Lost::new("malformed JSON", None))
}

/// The `error.code` of an error body (or an OAuth `error` string).
pub fn error_code(body: &Value) -> Option<String> {
    match body.get("error")? {
        Value::Object(err) => err.get("code").and_then(Value::as_str).map(str::to_owned),
        Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (Python's
/// `quote(v, safe="")`): a space is `%20`, never `+`.
pub fn pct(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-decodes by RFC 3986 rules: a `+` stays a `+` (app2app.md); bad escapes stay as
/// they are; invalid UTF-8 is replaced.
pub fn pct_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
