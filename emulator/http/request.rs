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
        let query = parts.uri.query().map(decode_query).transpose().map_err(|e| (e, parts.method.clone()))?;
        let wire = parts.extensions.get::<super::WireControl>().cloned().unwrap_or_default();
        Ok(ApiRequest {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: query.unwrap_or_default(),
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

/// Decodes a query string's pairs. `form_urlencoded` turns escapes that decode to bytes that are
/// not UTF-8 into U+FFFD, so a parameter would silently become text the client never sent (a
/// deep link's `redirectUrl`, a task `reference`): that is refused with a 400 naming it instead.
fn decode_query(query: &str) -> Result<Vec<(String, String)>, super::ApiError> {
    let mut pairs = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = String::from_utf8(percent_decode(raw_name));
        let value = String::from_utf8(percent_decode(raw_value));
        match (name, value) {
            (Ok(name), Ok(value)) => pairs.push((name, value)),
            (name, _) => {
                let name = name.unwrap_or_else(|_| raw_name.to_owned());
                return Err(super::ApiError::field(
                    &name,
                    format!(
                        "query parameter `{name}` is not UTF-8 once percent-decoded\n(hint: percent-encode the text's UTF-8 bytes, e.g. é as %C3%A9)"
                    ),
                ));
            }
        }
    }
    Ok(pairs)
}

/// `application/x-www-form-urlencoded` decoding of one name or value, as `form_urlencoded` does
/// it (`+` is a space, then `percent_encoding` decodes), but keeping the bytes.
fn percent_decode(raw: &str) -> Vec<u8> {
    let spaced: Vec<u8> = raw.bytes().map(|b| if b == b'+' { b' ' } else { b }).collect();
    percent_encoding::percent_decode(&spaced).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_decodes_as_form_urlencoded_does() {
        let query = "a=1&b=x+y&&c=%C3%A9&d&e=%zz%4&f=50%";
        let ours = decode_query(query).unwrap();
        let theirs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn an_escape_that_is_not_utf8_is_a_400_naming_the_parameter() {
        let e = decode_query("state=QUEUED&reference=caf%E9").unwrap_err();
        assert_eq!((e.status.as_u16(), e.extra["field"].as_str()), (400, Some("reference")));
        assert!(e.message.contains("not UTF-8"), "{}", e.message);
    }
}
