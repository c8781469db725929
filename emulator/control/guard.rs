//! What keeps a web page from driving the control API: [`check`] refuses a `Host` that is not
//! a loopback name or address or one added with `--allow-host` (DNS rebinding; parsed by
//! `http::authority`), an `Origin` other than the control API's own (cross-site requests), and
//! a write whose body is not JSON (HTML forms and `text/plain` posts need no CORS preflight);
//! [`redact`] hides the secrets a journal entry carries.

use http::{Method, StatusCode, header};
use serde_json::Value;

use crate::http::{ApiError, ApiRequest, Hosts};

/// Refuses a request no local tool would send: see the module docs. `toml_ok` is true on the
/// one route that takes a scenario file rather than JSON (it checks its own types); `hosts`
/// are the names this server answers to.
pub(super) fn check(req: &ApiRequest, toml_ok: bool, hosts: &Hosts) -> Result<(), ApiError> {
    let headers = &req.headers;
    let host = headers.get(header::HOST).map(|h| h.to_str().unwrap_or("?"));
    if let Some(host) = host
        && !hosts.allows(host)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FOREIGN_HOST",
            format!(
                "the control API answers only requests addressed to a loopback name or one added with --allow-host, not `{}`\n(hint: use http://127.0.0.1:PORT or http://localhost:PORT, or start payterm serve with --allow-host NAME; a page that reached this server under another name is refused so that it cannot drive it)",
                crate::printable::line(host, 80)
            ),
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("?");
        if !same_origin(origin, host, hosts) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FOREIGN_ORIGIN",
                format!(
                    "the control API takes requests from its own dashboard only, not from a page at `{}`\n(hint: drive it from a script or curl, which send no Origin, or from the dashboard this port serves)",
                    crate::printable::line(origin, 80)
                ),
            ));
        }
    }
    if matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS) || toml_ok {
        return Ok(());
    }
    let essence = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?").split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let json = |e: &str| e == "application/json" || (e.starts_with("application/") && e.ends_with("+json"));
    match essence {
        Some(e) if json(&e) => Ok(()),
        // A command that takes no body may come without a content type (`curl -X POST`).
        None if req.body.iter().all(u8::is_ascii_whitespace) => Ok(()),
        essence => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "the control API reads JSON, and this request's body is labelled `{}`\n(hint: send `content-type: application/json`, or no body at all for a command that takes none)",
                essence.as_deref().map_or_else(|| "nothing".to_owned(), |e| crate::printable::line(e, 80))
            ),
        )),
    }
}

/// Whether `origin` (`scheme://host[:port]`) is the page this server serves, at the same
/// `host` the request is addressed to.
fn same_origin(origin: &str, host: Option<&str>, hosts: &Hosts) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && hosts.allows(authority)
        && host.is_some_and(|h| h.eq_ignore_ascii_case(authority.trim_end_matches('/')))
}

/// A journal entry (as JSON) with its secrets hidden: passwords and refresh tokens in forms,
/// tokens and passwords in JSON bodies, and every JWT.
pub(crate) fn redact(mut entry: Value) -> Value {
    for key in ["target", "request", "response"] {
        if let Some(Value::String(text)) = entry.get_mut(key) {
            *text = crate::redact::secrets(text);
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::its_own_dashboard("http://127.0.0.1:7879", true)]
    #[case::another_local_port("http://127.0.0.1:3000", false)]
    #[case::a_web_site("https://attacker.example", false)]
    #[case::a_sandboxed_frame("null", false)]
    fn origins(#[case] origin: &str, #[case] ok: bool) {
        assert_eq!(same_origin(origin, Some("127.0.0.1:7879"), &Hosts::default()), ok, "{origin}");
    }

    #[test]
    fn secrets_in_forms_json_and_tokens_are_hidden() {
        let form = "grant_type=password&username=jan&password=ABCDEFGHIJKL&tid=1";
        assert_eq!(crate::redact::secrets(form), "grant_type=password&username=jan&password=<redacted>&tid=1");
        let answer = r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln","refresh_token":"r-1","tid":"1"}"#;
        assert_eq!(
            crate::redact::secrets(answer),
            r#"{"access_token":"<redacted>","refresh_token":"<redacted>","tid":"1"}"#
        );
    }
}
