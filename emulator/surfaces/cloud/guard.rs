//! What keeps a web page from using the Cloud port: [`check`] refuses, on every route, a `Host`
//! this server does not answer to (DNS rebinding), and on the routes only an integration calls
//! — the Cloud API, deep links, the initiator service, the events inbox — a request a browser
//! marks as another site's (`Sec-Fetch-Site`, or an `Origin` not of this machine). Integrations
//! send neither header; the OpenAPI document, `/health` and the payment gateway page a
//! customer's browser opens stay open to pages.

use http::{Method, Request, StatusCode, header};

use crate::http::{ApiError, Hosts, Reply};

/// The refusal of a request no integration would send, answered before its body is read.
pub(crate) fn check<B>(hosts: &Hosts, req: &Request<B>) -> Result<(), Reply> {
    let refuse = |code: &str, message: String| Err(ApiError::new(StatusCode::FORBIDDEN, code, message).into_response());
    let headers = req.headers();
    let text = |name| headers.get(name).map(|v: &http::HeaderValue| v.to_str().unwrap_or("?"));
    // HTTP/1.1 sends the authority as `Host`; a request in absolute form carries it in the URI.
    let host = text(header::HOST).map(str::to_owned).or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Some(host) = host.filter(|h| !hosts.allows(h)) {
        return refuse(
            "FOREIGN_HOST",
            format!(
                "this emulator answers only requests addressed to a loopback name or one added with --allow-host, not `{}`\n(hint: use http://127.0.0.1:PORT or http://localhost:PORT, or start payterm serve with --allow-host NAME for the name your integration uses)",
                crate::printable::line(&host, 80)
            ),
        );
    }
    if pages_may_open(req.method(), req.uri().path()) {
        return Ok(());
    }
    let cross_site =
        text(http::HeaderName::from_static("sec-fetch-site")).filter(|s| matches!(*s, "cross-site" | "same-site"));
    let origin = text(header::ORIGIN).filter(|o| !from_this_machine(o, hosts));
    if let Some(why) = origin
        .map(|o| format!("a page at `{}`", crate::printable::line(o, 80)))
        .or_else(|| cross_site.map(|s| format!("a page of another site (Sec-Fetch-Site: {s})")))
    {
        return refuse(
            "FOREIGN_ORIGIN",
            format!(
                "the Cloud API, deep links, the initiator service and the events inbox take requests from integrations, not from {why}\n(hint: call it from your integration's code, which sends no Origin; a web page is refused so that it cannot make sales or post outcomes)"
            ),
        );
    }
    Ok(())
}

/// The routes meant for a browser too: the OpenAPI document, the health check, and the
/// gateway page a customer opens from a QR code or a link.
fn pages_may_open(method: &Method, path: &str) -> bool {
    method == Method::GET && (matches!(path, "/openapi.json" | "/health") || path.starts_with("/hype/pay/"))
}

/// Whether `origin` (`scheme://host[:port]`) is a page on this machine or an allowed name.
fn from_this_machine(origin: &str, hosts: &Hosts) -> bool {
    origin
        .split_once("://")
        .is_some_and(|(scheme, authority)| matches!(scheme, "http" | "https") && hosts.allows(authority))
}
