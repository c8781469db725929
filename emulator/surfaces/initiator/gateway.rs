//! The gateway URI `GET /hype/pay/{identifier}`: what a customer's browser or QR scan
//! reaches. Opening it is the customer's `open` (→ `reached`) while the status allows; the
//! answer is a tiny HTML page, or JSON when the client asks for `application/json`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use maud::{DOCTYPE, Markup, html};
use serde_json::json;

use crate::http::{ApiRequest, Reply, json as json_reply};
use crate::printable::Shown;
use crate::surfaces::sim::Sim;
use crate::world::invoice::{CustomerAction, InvoiceStatus};

/// What the page shows.
struct Payment {
    invoice: String,
    store: String,
    total: u64,
    status: InvoiceStatus,
}

/// Answers the customer opening the gateway URI of `identifier`.
pub fn page(sim: &Sim, req: &ApiRequest, identifier: &str) -> Reply {
    let shown = sim.act(|world| {
        if world
            .invoice(identifier)
            .is_some_and(|i| matches!(i.status, InvoiceStatus::Created | InvoiceStatus::Reached))
        {
            // Only `created` and `reached` can be opened; the result is checked just above.
            let _ = world.customer_act(identifier, CustomerAction::Open);
        }
        world.invoice(identifier).map(|i| Payment {
            invoice: i.invoice.clone(),
            store: i.store.clone(),
            total: i.total,
            status: i.status,
        })
    });
    let wants_json =
        req.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    match (shown, wants_json) {
        (None, true) => json_reply(
            StatusCode::NOT_FOUND,
            &json!({"identifier": identifier, "error": "no such payment (the link is wrong or expired)"}),
        ),
        (None, false) => page_of(
            StatusCode::NOT_FOUND,
            "Payment not found",
            html! { p { "No such payment: the link is wrong or expired." } },
        ),
        (Some(s), true) => json_reply(
            StatusCode::OK,
            &json!({"identifier": identifier, "invoice": s.invoice, "store": s.store, "total": s.total,
                    "status": s.status.as_str()}),
        ),
        (Some(s), false) => {
            // The invoice id and the store are the integrator's free text.
            let body = html! {
                p {
                    "Invoice " b { (Shown(&s.invoice)) } " of store " b { (Shown(&s.store)) } ": "
                    (s.total / 100) "." (format!("{:02}", s.total % 100)) " soum."
                }
                "\n"
                p { "Status: " code { (s.status.as_str()) } }
            };
            page_of(StatusCode::OK, "HyPe payment", body)
        }
    }
}

/// The whole page around `body`, as an answer.
fn page_of(status: StatusCode, title: &str, body: Markup) -> Reply {
    let mut resp = Response::new(Full::new(Bytes::from(document(title, body))));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

fn document(title: &str, body: Markup) -> String {
    let page = html! {
        (DOCTYPE) "\n"
        html { head { meta charset="utf-8"; title { (title) } } "\n" body { h1 { (title) } "\n" (body) "\n" } } "\n"
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_escaped_by_the_one_policy() {
        let page = document("t", html! { p { (Shown("<a href='x'>&\"\u{202e}</a>")) } });
        assert!(page.contains("<p>&lt;a href='x'&gt;&amp;&quot;\\u{202e}&lt;/a&gt;</p>"), "{page}");
    }
}
