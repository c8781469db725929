//! The gateway URI `GET /hype/pay/{identifier}`: what a customer's browser or QR scan
//! reaches. Opening it is the customer's `open` (→ `reached`) while the status allows; the
//! answer is a tiny HTML page, or JSON when the client asks for `application/json`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use serde_json::json;

use crate::http::{ApiRequest, Reply, json as json_reply};
use crate::surfaces::sim::Sim;
use crate::world::invoice::{CustomerAction, InvoiceStatus};

/// What the page shows.
struct Shown {
    invoice: String,
    store: String,
    total: u64,
    status: InvoiceStatus,
}

/// Answers the customer opening the gateway URI of `identifier`.
pub fn page(sim: &Sim, req: &ApiRequest, identifier: &str) -> Reply {
    let shown = {
        let mut world = sim.world();
        if world
            .invoice(identifier)
            .is_some_and(|i| matches!(i.status, InvoiceStatus::Created | InvoiceStatus::Reached))
        {
            // Only `created` and `reached` can be opened; the result is checked just above.
            let _ = world.customer_act(identifier, CustomerAction::Open);
        }
        world.invoice(identifier).map(|i| Shown {
            invoice: i.invoice.clone(),
            store: i.store.clone(),
            total: i.total,
            status: i.status,
        })
    };
    let wants_json =
        req.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    match (shown, wants_json) {
        (None, true) => json_reply(
            StatusCode::NOT_FOUND,
            &json!({"identifier": identifier, "error": "no such payment (the link is wrong or expired)"}),
        ),
        (None, false) => {
            html(StatusCode::NOT_FOUND, "Payment not found", "<p>No such payment: the link is wrong or expired.</p>")
        }
        (Some(s), true) => json_reply(
            StatusCode::OK,
            &json!({"identifier": identifier, "invoice": s.invoice, "store": s.store, "total": s.total,
                    "status": s.status.as_str()}),
        ),
        (Some(s), false) => {
            let body = format!(
                "<p>Invoice <b>{}</b> of store <b>{}</b>: {}.{:02} soum.</p>\n<p>Status: <code>{}</code></p>",
                escape(&s.invoice),
                escape(&s.store),
                s.total / 100,
                s.total % 100,
                s.status.as_str()
            );
            html(StatusCode::OK, "HyPe payment", &body)
        }
    }
}

fn html(status: StatusCode, title: &str, body: &str) -> Reply {
    let text = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    );
    let mut resp = Response::new(Full::new(Bytes::from(text)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

/// Escapes text for HTML: the invoice id is the integrator's free text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_text_is_escaped() {
        assert_eq!(super::escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }
}
