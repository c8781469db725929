//! `GET /app2app?uri=<percent-encoded gptom link>` on the Cloud API's port: `302` to the
//! redirect URL, `200` JSON for a client that asks for JSON or a link without `redirectUrl`,
//! `400` when there is nothing to redirect to. Notes go to the journal as `x-payterm-note`.

use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::answer::{Outcome, Reason};
use super::execute::{execute, finish};
use super::handover;
use super::link::LinkError;
use super::params::prepare;
use crate::http::{ApiError, ApiRequest, Reply, header_line, json};
use crate::journal::{Annotations, LinkCheck, NOTE_HEADER};
use crate::surfaces::sim::Sim;

/// Answers a deep link over HTTP.
pub async fn http_answer(sim: &Sim, req: &ApiRequest) -> Result<Reply, ApiError> {
    let uri = req.query("uri").ok_or_else(|| {
        ApiError::field(
            "uri",
            "`uri` is mandatory: the percent-encoded gptom link\n\
             (hint: curl -G --data-urlencode 'uri=gptom://status?redirectUrl=fb://Success' …/app2app)",
        )
    })?;
    if let Some((name, _)) = req.query.iter().find(|(k, _)| k != "uri") {
        // A link sent without percent-encoding loses everything after its first `&` to the
        // outer query; running what is left could charge a customer the caller never meant.
        return Err(ApiError::field(
            "uri",
            format!(
                "the query has `{}` beside `uri`: the link was probably not percent-encoded\n\
                 (hint: encode the whole link, e.g. curl -G --data-urlencode 'uri=gptom://…')",
                super::link::shown(name)
            ),
        )
        .with("reason", "UNENCODED_LINK"));
    }
    let prepared = prepare(uri).map_err(link_error)?;
    let mut check = LinkCheck {
        malformed: prepared.request.as_ref().err().map(|r| r.reason.as_str().to_owned()),
        repeated: prepared.repeated.clone(),
        unknown: prepared.unknown.clone(),
        scripted: false,
    };
    if req.query.iter().filter(|(k, _)| k == "uri").count() > 1 {
        check.repeated.push("uri".to_owned());
    }
    // The World's lock is held only while the operation runs; reading and rendering are pure.
    let (done, code, handover, now) = sim.act(|world| {
        let (done, code) = match super::scripted::scripted(world, &prepared) {
            Some((done, code)) => {
                check.scripted = true;
                (done, code)
            }
            None => (execute(world, &prepared), None),
        };
        let handover = handover::of(&prepared, &done);
        (done, code, handover, (world.now(), world.profile().receipt_choice))
    });
    // A clientID that is not the terminal's merchant is the integration's configuration, as
    // much a malformed link as a bad amount.
    if let (false, Outcome::Refused(reason @ (Reason::InvalidClientId | Reason::MerchantInfoMissing))) =
        (check.scripted, done.outcome)
    {
        check.malformed.get_or_insert_with(|| reason.as_str().to_owned());
    }
    if let Some(h) = &handover {
        // GP tom redirects once the customer chose how to get the receipt; without the lock.
        if h.waits() {
            sim.wait_until(now.0 + now.1).await;
        }
        sim.act(|world| h.record(world));
    }
    let mut rendered = finish(prepared, done);
    if let Some(code) = code {
        rendered.set_code(&code);
    }
    if let Some(h) = &handover {
        h.annotate(&mut rendered);
    }
    if req.query.iter().filter(|(k, _)| k == "uri").count() > 1 {
        rendered.notes.insert(0, "parameter uri given more than once; the last wins".to_owned());
    }
    let mut reply = match &rendered.redirect {
        Some(url) if !accepts_json(&req.headers) => {
            let location = HeaderValue::from_str(url).map_err(|_| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the redirect URL is not a valid header")
            })?;
            // The body repeats the answer so the journal, which keeps bodies, shows it.
            let mut reply = json(StatusCode::FOUND, &rendered.json);
            reply.headers_mut().insert(header::LOCATION, location);
            reply
        }
        _ => json(StatusCode::OK, &rendered.json),
    };
    Annotations { link: Some(check), ..Annotations::default() }.attach(&mut reply);
    for note in &rendered.notes {
        reply.headers_mut().append(NOTE_HEADER, header_line(note));
    }
    Ok(reply)
}

fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("application/json"))
}

fn link_error(e: LinkError) -> ApiError {
    ApiError::field("uri", e.to_string()).with("reason", e.reason())
}
