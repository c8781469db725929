//! Sending a signed document to the service and deciding what reaches stdout: [`post_signed`]
//! returns the answer's bytes when they are an initiator answer (with the service's detail for
//! stderr), or a fundamental failure (exit 6) when the service is down, resets the connection,
//! times out or answers otherwise.

use std::time::Duration;

use bytes::Bytes;
use http::Method;

use crate::cli::CliError;
use crate::client::HttpClient;
use crate::surfaces::initiator::answers::DETAIL_HEADER;
use crate::surfaces::initiator::exit_codes::{DOCUMENT_REFUSED, NOT_AN_OPERATOR, SERVICE_UNREACHABLE, SETUP};
use crate::surfaces::initiator::service::{
    DOCUMENT_REFUSED as DOCUMENT_REFUSED_CODE, NOT_AN_OPERATOR as NOT_AN_OPERATOR_CODE,
};
use crate::surfaces::initiator::signing::{KEY_ID_HEADER, SIGNATURE_HEADER, STORE_HEADER, sign};
use ed25519_dalek::SigningKey;

/// How long the service has to answer. \[ours\] Real seconds: the initiator is a process of
/// its own, outside the emulator's virtual time.
pub(super) const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Who signs: the store, the enrolled key's id, and the key.
pub(super) struct Signer<'k> {
    /// The store the request acts for.
    pub store: &'k str,
    /// The key id the service knows the key by.
    pub key_id: &'k str,
    /// The key.
    pub key: &'k SigningKey,
}

/// An initiator answer: the bytes for stdout, and what the service said about it for stderr.
pub(super) struct Answered {
    /// The answer as the service sent it.
    pub body: Bytes,
    /// The service's detail ([`crate::surfaces::initiator::answers::DETAIL_HEADER`]), if it gave one.
    pub detail: Option<String>,
}

/// POSTs `body` signed to `url`; the answer if it is an initiator answer.
pub(super) async fn post_signed(url: &str, signer: &Signer<'_>, body: Bytes) -> Result<Answered, CliError> {
    if url.starts_with("https://") {
        return Err(CliError::new(
            SETUP,
            format!(
                "cannot reach {url}: the emulated initiator speaks plain http only\n(hint: run `payterm serve` without --tls for the initiator)"
            ),
        ));
    }
    let signature = sign(signer.key, &body);
    let headers = [
        ("content-type", "application/json"),
        (STORE_HEADER, signer.store),
        (KEY_ID_HEADER, signer.key_id),
        (SIGNATURE_HEADER, signature.as_str()),
    ];
    let client = HttpClient::default();
    let sent = tokio::time::timeout(ANSWER_TIMEOUT, client.send(Method::POST, url, &headers, body)).await;
    let answer = match sent {
        Err(_) => {
            return Err(unreachable(format!(
                "the initiator service at {url} did not answer within {} s",
                ANSWER_TIMEOUT.as_secs()
            )));
        }
        Ok(Err(e)) => return Err(unreachable(format!("no answer from the initiator service: {e}"))),
        Ok(Ok(answer)) => answer,
    };
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
    // A fault is printed whatever the HTTP status; anything else only on success. Other JSON
    // (a proxy's or another server's error) is not the service's answer.
    let is_fault = parsed.as_ref().is_some_and(|v| v.get("fault").is_some());
    let is_json_object = parsed.as_ref().is_some_and(serde_json::Value::is_object);
    if is_json_object && (answer.status.is_success() || is_fault) {
        let detail = answer.headers.get(DETAIL_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        return Ok(Answered { body: answer.body, detail });
    }
    if let Some(refusal) = refused(&answer) {
        return Err(refusal);
    }
    let excerpt: String = String::from_utf8_lossy(&answer.body).chars().take(200).collect();
    Err(unreachable(format!(
        "the initiator service at {url} answered HTTP {} without an initiator answer: {}",
        answer.status.as_u16(),
        if excerpt.trim().is_empty() { "(empty body)".to_owned() } else { excerpt }
    )))
}

/// A refusal no retry fixes, each a fundamental failure with its own exit code: a document the
/// service refuses whatever the moment (`422 DOCUMENT_REFUSED`; the fault table's "try again
/// later" would repeat it for ever), or a user outside the operator group (`403 NOT_AN_OPERATOR`).
fn refused(answer: &crate::client::Answer) -> Option<CliError> {
    let json = answer.json();
    let error = &json["error"];
    let message = error["message"].as_str().unwrap_or("no reason given");
    match (answer.status, error["code"].as_str()) {
        (http::StatusCode::UNPROCESSABLE_ENTITY, Some(DOCUMENT_REFUSED_CODE)) => {
            Some(CliError::new(DOCUMENT_REFUSED, format!("the service refused the document: {message}")))
        }
        (http::StatusCode::FORBIDDEN, Some(NOT_AN_OPERATOR_CODE)) => Some(CliError::new(
            NOT_AN_OPERATOR,
            format!("{message}\n(hint: run it as a member of the operator group, or have the administrator add you)"),
        )),
        _ => None,
    }
}

fn unreachable(message: String) -> CliError {
    CliError::new(
        SERVICE_UNREACHABLE,
        format!(
            "{message}\n(hint: is the service running at the endpoint of the config or autofeed? `payterm serve` prints its Cloud API URL)"
        ),
    )
}
