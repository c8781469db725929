//! A small HTTP client over hyper for the CLI's own calls (`payterm demo`); integrations use
//! whatever client they like.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// An answer, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Null` if it is not JSON).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A reusable plain-HTTP client.
#[derive(Clone)]
pub(crate) struct HttpClient {
    inner: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient { inner: Client::builder(TokioExecutor::new()).build_http() }
    }
}

impl HttpClient {
    /// Sends a request and reads the whole answer.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Answer, String> {
        let mut builder = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let req = builder.body(Full::new(body)).map_err(|e| format!("failed to build a request to {url}: {e}"))?;
        let resp = self.inner.request(req).await.map_err(|e| format!("failed to reach {url}: {}", with_causes(&e)))?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("failed to read the answer from {url}: {}", with_causes(&e)))?
            .to_bytes();
        Ok(Answer { status: parts.status, headers: parts.headers, body })
    }
}

/// `e` and its causes: hyper's own message ("client error (Connect)") names no reason; the
/// causes do ("Connection refused", "connection reset by peer").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
