//! The front door's reading of a request: [`classify`] turns a method, a target and a body
//! into the typed [`Call`] the journal keeps with the exchange, with the surfaces' own parsers
//! (a deep link is read as `/app2app` reads it).

use serde_json::Value;

use crate::record::route::{Call, CreateKind, Grant, LinkCall};

/// What the request `method target` with `body` asked.
pub fn classify(method: &str, target: &str, body: &[u8]) -> Call {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let json = serde_json::from_slice(body).unwrap_or(Value::Null);
    classify_parts(method, path, &query, &json, body)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

/// What a request asked, from its method, path, query and body.
fn classify_parts(method: &str, path: &str, query: &[(String, String)], body: &Value, raw: &[u8]) -> Call {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let param = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match (method, segments.as_slice()) {
        ("POST", ["cloud" | "api", "oauth", "token"]) => {
            let form: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
            let field = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            Call::Token(match field("grant_type").as_deref() {
                Some("password") => Grant::Password { tid: field("tid").filter(|t| !t.is_empty()) },
                Some("refresh_token") => Grant::Refresh,
                _ => Grant::Other,
            })
        }
        ("POST", ["v1", "tasks", kind @ ("TRANSACTION" | "BATCH")]) => {
            let kind = match (*kind, body.get("transactionType").and_then(Value::as_str)) {
                ("BATCH", _) => CreateKind::CloseBatch,
                (_, Some("SALE")) => CreateKind::Sale,
                (_, Some("VOID")) => CreateKind::Void,
                _ => CreateKind::Unreadable,
            };
            Call::Create {
                kind,
                reference: text(body, "originReferenceNum"),
                origin: text(body, "originTransactionID"),
            }
        }
        ("GET", ["v1", "tasks"]) => Call::List { reference: param("reference") },
        ("GET", ["v1", "tasks", id]) => Call::Poll { task: (*id).to_owned() },
        ("DELETE", ["v1", "tasks", id]) => Call::Withdraw { task: (*id).to_owned() },
        ("GET", ["v1", "transactions", id]) => Call::Transaction { ams: (*id).to_owned() },
        ("GET", ["v1", "batches", id]) => Call::Batch { ams: (*id).to_owned() },
        ("GET", ["app2app"]) => param("uri").map_or(Call::Other, |uri| Call::Link(link_call(&uri))),
        ("POST", ["hype", "v1", "invoices"]) => Call::Invoice { invoice: text(&body["payload"], "invoice") },
        ("POST", ["hype", "v1", "status"]) => Call::Status {
            invoice: text(&body["payload"], "invoice"),
            identifier: text(&body["payload"], "identifier"),
        },
        _ => Call::Other,
    }
}

/// A deep link read with the emulator's own parser; one it cannot read at all has no keys.
fn link_call(uri: &str) -> LinkCall {
    let Ok(link) = super::app2app::link::parse(uri) else { return LinkCall::default() };
    let get = |name: &str| link.get(name).map(str::to_owned);
    LinkCall {
        operation: link.path.clone(),
        reference: get("originReferenceNum"),
        ams: get("amsID"),
        print_by_payment_app: link.get("printByPaymentApp").and_then(|v| match v.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }),
        amount: get("amount"),
        tip: get("tipAmount"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, target: &str, body: &str) -> Call {
        classify(method, target, body.as_bytes())
    }

    #[test]
    fn requests_are_classified_with_their_keys() {
        assert_eq!(
            call("POST", "/v1/tasks/TRANSACTION", r#"{"transactionType":"VOID","originTransactionID":"A1"}"#),
            Call::Create { kind: CreateKind::Void, reference: None, origin: Some("A1".into()) }
        );
        assert_eq!(
            call("POST", "/v1/tasks/BATCH", ""),
            Call::Create { kind: CreateKind::CloseBatch, reference: None, origin: None }
        );
        assert_eq!(call("GET", "/v1/tasks?reference=REF%201", ""), Call::List { reference: Some("REF 1".into()) });
        assert_eq!(
            call("POST", "/cloud/oauth/token", "grant_type=password&username=u&password=p&tid=999888"),
            Call::Token(Grant::Password { tid: Some("999888".into()) })
        );
        assert_eq!(
            call("POST", "/api/oauth/token", "grant_type=refresh_token&refresh_token=x"),
            Call::Token(Grant::Refresh)
        );
        let Call::Link(link) = call(
            "GET",
            "/app2app?uri=gptom%3A%2F%2Ftransaction%2Fcreate%3Famount%3D100%26originReferenceNum%3DR1%26printByPaymentApp%3Dfalse%26redirectUrl%3Dfb%3A%2F%2Fx",
            "",
        ) else {
            panic!("not a link")
        };
        assert_eq!(
            (link.operation.as_str(), link.reference.as_deref(), link.print_by_payment_app),
            ("transaction/create", Some("R1"), Some(false))
        );
    }
}
