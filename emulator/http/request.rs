//! [`ApiRequest`]: a request with its body already read, as every handler takes it.

use bytes::Bytes;
use http::{HeaderMap, Method};

/// A request whose body has been read under the cap.
#[derive(Debug)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path, e.g. `/v1/tasks/…`.
    pub path: String,
    /// Decoded query pairs in order.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The connection's wire control, for scripted transport faults.
    pub wire: super::WireControl,
}

impl ApiRequest {
    /// The last value of query parameter `key`, if present and not empty.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
    }

    /// The path's segments, without empty ones.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

impl ApiRequest {
    /// Reads `req`'s body under `cap` bytes. On failure the error answer comes back with the
    /// method and target, so the exchange can still be journalled.
    pub async fn read(
        req: http::Request<hyper::body::Incoming>,
        cap: usize,
    ) -> Result<ApiRequest, (super::ApiError, Method)> {
        let (parts, body) = req.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = super::read_body(body, declared, cap).await.map_err(|e| (e, parts.method.clone()))?;
        let query =
            parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        let wire = parts.extensions.get::<super::WireControl>().cloned().unwrap_or_default();
        Ok(ApiRequest {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query,
            headers: parts.headers,
            body,
            wire,
        })
    }

    /// Path and query as the client sent them, for the journal.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.query).finish();
        format!("{}?{}", self.path, query)
    }
}
