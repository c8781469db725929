//! Request bodies read under a cap, JSON answers, and [`ApiError`], the one error shape every
//! JSON endpoint answers with: `{"error": {"code", "message", "field"?, …}}`.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// An answer ready to send.
pub type Reply = Response<Full<Bytes>>;

/// How long a client has to send the whole body once the head arrived.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// An error answer: a status and a JSON body naming what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `INVALID_FIELD`.
    pub code: String,
    /// A sentence for people, lowercase, with a "(hint: …)" line where the fix is known.
    pub message: String,
    /// Further members of the error object (`field`, `ecrResult`, `reason`).
    pub extra: Map<String, Value>,
    /// Extra headers (e.g. `WWW-Authenticate`).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, code: code.to_owned(), message: message.into(), extra: Map::new(), headers: Vec::new() }
    }

    /// A 400 that names the offending field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_FIELD", message).with("field", field)
    }

    /// A 404 for an unknown route or resource.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// Adds a member to the error object.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    /// The JSON answer.
    pub fn into_response(self) -> Reply {
        let mut error = Map::new();
        error.insert("code".to_owned(), Value::String(self.code));
        error.insert("message".to_owned(), Value::String(self.message));
        error.extend(self.extra);
        let mut body = Map::new();
        body.insert("error".to_owned(), Value::Object(error));
        let mut resp = json(self.status, &Value::Object(body));
        for (name, value) in self.headers {
            resp.headers_mut().append(name, value);
        }
        resp
    }
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Reply {
        e.into_response()
    }
}

/// Anything that becomes a JSON answer.
pub trait JsonResponse {
    /// The answer.
    fn into_reply(self) -> Reply;
}

impl JsonResponse for Result<Reply, ApiError> {
    fn into_reply(self) -> Reply {
        self.unwrap_or_else(ApiError::into_response)
    }
}

/// A JSON answer with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// `text` as one header line of printable ASCII (a newline becomes a space, anything else
/// outside printable ASCII its Rust escape), so any message can ride in a header.
pub fn header_line(text: &str) -> HeaderValue {
    let line: String = text
        .replace('\n', " ")
        .chars()
        .flat_map(|c| if c == ' ' || c.is_ascii_graphic() { vec![c] } else { c.escape_default().collect() })
        .collect();
    // Only printable ASCII is left, which a header value always takes.
    HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// A JSON answer from bytes already rendered.
pub fn json_bytes(status: StatusCode, body: Bytes) -> Reply {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An answer with no body.
pub fn empty(status: StatusCode) -> Reply {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

/// Reads the whole body, refusing more than `cap` bytes (413) or a client too slow to send it
/// (408).
pub async fn read_body(body: Incoming, declared_len: Option<u64>, cap: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {cap} bytes"),
        )
        .with("limit", cap)
    };
    if declared_len.is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    // Most polls have no body: skip the read timer altogether.
    if hyper::body::Body::is_end_stream(&body) {
        return Ok(Bytes::new());
    }
    let collected = tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, cap).collect()).await;
    match collected {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            format!("the request body did not arrive within {} s", BODY_READ_TIMEOUT.as_secs()),
        )),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BODY_UNREADABLE",
            format!("failed to read the request body: {e}"),
        )),
        // Copied into an allocation of its own: the body is a slice of the connection's read
        // buffer, and the journal keeping it would pin that whole buffer (kilobytes per
        // request: 1,000,000 logins grew the server by 90 MB).
        Ok(Ok(c)) => Ok(Bytes::copy_from_slice(&c.to_bytes())),
    }
}

/// Parses `bytes` as JSON into `T`; a 400 names the position and, where it can, the field.
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            "the request body is empty (hint: send a JSON object)",
        ));
    }
    // JSON is UTF-8 (RFC 8259 § 8.1). serde_json names a stray byte only as "expected value",
    // so say what is wrong, and where, before it looks.
    if let Err(e) = std::str::from_utf8(bytes) {
        let offset = e.valid_up_to();
        let (line, column) = position(bytes, offset);
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            format!(
                "the request body is not UTF-8: invalid byte 0x{:02X} at line {line} column {column}\n(hint: JSON is UTF-8 text; encode the body as UTF-8)",
                bytes[offset]
            ),
        )
        .with("line", line)
        .with("column", column));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let position = format!("line {} column {}", inner.line(), inner.column());
        let text = inner.to_string();
        // serde_json appends " at line L column C"; we say the position once, up front.
        let detail = text.split(" at line ").next().unwrap_or(&text).to_owned();
        let field = unknown_field_name(&detail).or_else(|| (path != "." && !path.is_empty()).then(|| path.clone()));
        let (code, what) = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ("INVALID_JSON", "the request body is not valid JSON")
            }
            _ => ("INVALID_FIELD", "the request body does not match the schema"),
        };
        let mut err = ApiError::new(StatusCode::BAD_REQUEST, code, format!("{what}: {detail} at {position}"))
            .with("line", inner.line())
            .with("column", inner.column());
        if let Some(f) = field {
            err = err.with("field", f);
        }
        err
    })?;
    // One JSON value and nothing after it but whitespace: `{…} xyz` or `{…}{}` is not what the
    // client meant to send, and acting on its first half would charge a card for half a body.
    if let Err(e) = de.end() {
        let offset = offset_of(bytes, e.line(), e.column());
        let (line, column) = (e.line(), e.column());
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            format!(
                "the request body is not valid JSON: trailing characters after the JSON value at byte offset {offset} (line {line} column {column})\n(hint: send exactly one JSON value)"
            ),
        )
        .with("offset", offset)
        .with("line", line)
        .with("column", column));
    }
    // A key twice in one object: serde_json keeps the last, another reader the first, so the
    // body means two things (a typed field already says `duplicate field`; this covers the rest).
    if let Err(e) = crate::strict_json::unique_keys(bytes) {
        let text = e.to_string();
        let detail = text.split(" at line ").next().unwrap_or(&text).to_owned();
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            format!(
                "the request body is not valid JSON: {detail} at line {} column {}\n(hint: name each key once in an object)",
                e.line(),
                e.column()
            ),
        )
        .with("line", e.line())
        .with("column", e.column()));
    }
    Ok(value)
}

/// The byte offset of 1-based `line` and `column` (serde_json counts columns in bytes).
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let start = match line {
        0 | 1 => 0,
        n => bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(n - 2).map_or(bytes.len(), |(i, _)| i + 1),
    };
    (start + column.saturating_sub(1)).min(bytes.len())
}

/// The 1-based line and column of byte `offset`.
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn unknown_field_name(detail: &str) -> Option<String> {
    let rest = detail.strip_prefix("unknown field `")?;
    rest.split('`').next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are read by serde only")]
    struct Body {
        amount: u64,
    }

    #[test]
    fn malformed_json_names_its_position() {
        let e = read_json::<Body>(b"{\"amount\": ").unwrap_err();
        assert_eq!(e.code, "INVALID_JSON");
        assert!(e.message.contains("line 1 column 11"), "{}", e.message);
    }

    #[test]
    fn a_body_that_is_not_utf8_is_named_as_such_with_its_position() {
        let e = read_json::<Body>(b"{\n \"amount\": \xff}").unwrap_err();
        assert_eq!(e.code, "INVALID_JSON");
        assert!(
            e.message.starts_with("the request body is not UTF-8: invalid byte 0xFF at line 2 column 12"),
            "{}",
            e.message
        );
        assert_eq!((&e.extra["line"], &e.extra["column"]), (&Value::from(2), &Value::from(12)));
    }

    #[rstest::rstest]
    #[case::a_word_after_the_object(b"{\"amount\": 1} xyz", 14)]
    #[case::a_second_object(b"{\"amount\": 1}{}", 13)]
    #[case::after_a_newline(b"{\"amount\": 1}\n\n,", 15)]
    fn trailing_bytes_are_refused_with_their_offset(#[case] body: &[u8], #[case] offset: usize) {
        let e = read_json::<Body>(body).unwrap_err();
        assert_eq!((e.code.as_str(), &e.extra["offset"]), ("INVALID_JSON", &Value::from(offset)), "{}", e.message);
        assert!(e.message.contains(&format!("byte offset {offset}")), "{}", e.message);
    }

    #[test]
    fn trailing_whitespace_is_fine() {
        assert!(read_json::<Body>(b"{\"amount\": 1}\r\n \t").is_ok());
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let e = read_json::<Body>(br#"{"amount": "ten"}"#).unwrap_err();
        assert_eq!(e.extra["field"], "amount");
    }

    #[test]
    fn an_unknown_field_is_named() {
        let e = read_json::<Body>(br#"{"amount": 1, "amont": 2}"#).unwrap_err();
        assert_eq!(e.extra["field"], "amont");
    }
}
