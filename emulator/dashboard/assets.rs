//! The dashboard's page, style sheet and script, embedded in the binary at build time and
//! served as they are: no build step, nothing fetched from elsewhere, works offline.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use crate::http::Reply;

/// The page.
pub const INDEX_HTML: &str = include_str!("assets/index.html");
/// The style sheet.
pub const STYLE_CSS: &str = include_str!("assets/dashboard.css");
/// The script.
pub const SCRIPT_JS: &str = include_str!("assets/dashboard.js");
/// The script of the Scenario tab (loading a file, stepping through its script).
pub const SCENARIO_JS: &str = include_str!("assets/scenario.js");

/// Only this origin may provide scripts, styles, images and connections: the page cannot
/// load anything from the network even by mistake.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The asset at `path`, if there is one.
pub(super) fn asset(path: &str) -> Option<Reply> {
    let (body, content_type) = match path {
        "/" | "/index.html" => (INDEX_HTML, "text/html; charset=utf-8"),
        "/dashboard.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        "/dashboard.js" => (SCRIPT_JS, "text/javascript; charset=utf-8"),
        "/scenario.js" => (SCENARIO_JS, "text/javascript; charset=utf-8"),
        _ => return None,
    };
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The binary is the version: a browser revalidates rather than keep an old page.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Some(resp)
}
