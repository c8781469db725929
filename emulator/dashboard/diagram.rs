//! `GET /dashboard/diagram.svg`, the live journal drawn as a sequence diagram, and
//! `GET /dashboard/journal/{seq}`, one journal entry with its bodies.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::lines::{at_of, transcript};
use crate::http::{ApiError, ApiRequest, Reply};
use crate::report::diagram::{MAX_ROWS, sequence_svg};
use crate::report::{ScenarioReport, ScenarioStatus};
use crate::surfaces::sim::Sim;

/// The journal the server keeps (its last [`MAX_ROWS`] lines) as a sequence diagram.
pub(super) fn diagram(sim: &Sim, _req: &ApiRequest) -> Result<Reply, ApiError> {
    // Read in pages, keeping only the last rows: memory stays bounded whatever the journal holds.
    let mut entries = std::collections::VecDeque::with_capacity(MAX_ROWS);
    let (mut after, mut total) = (0, 0);
    loop {
        let page = sim.journal.page(after, 5_000);
        let Some(last) = page.last() else { break };
        after = super::lines::seq_of(last);
        total += page.len();
        for e in page {
            if entries.len() == MAX_ROWS {
                entries.pop_front();
            }
            entries.push_back(e);
        }
    }
    let entries: Vec<_> = entries.into();
    let start = entries.first().map_or_else(|| sim.now(), at_of);
    let scenario = crate::control::snapshot::served_scenario(sim);
    let name = match &scenario {
        Some(s) => format!("{} (live, last {} of {total} journal lines)", s.name, entries.len()),
        None => format!("the live journal (last {} of {total} lines)", entries.len()),
    };
    let report = ScenarioReport {
        file: String::new(),
        builtin: false,
        name,
        status: ScenarioStatus::Passed,
        skipped: None,
        error: None,
        targets: scenario.map(|s| s.rules.iter().map(|r| r.id.to_owned()).collect()).unwrap_or_default(),
        seed: 0,
        wall_s: 0.0,
        virtual_s: 0.0,
        ending: String::new(),
        orders: Vec::new(),
        verdicts: Vec::new(),
        not_judged: Vec::new(),
        unexercised: Vec::new(),
        log: Vec::new(),
        transcript: transcript(&entries, start),
        reproduce: String::new(),
    };
    let mut svg = sequence_svg(&report);
    if svg.is_empty() {
        svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"No journal lines yet\" width=\"420\" height=\"30\"><text x=\"4\" y=\"20\" font-family=\"sans-serif\" font-size=\"13\">No journal lines yet.</text></svg>\n".to_owned();
    }
    let mut resp = Response::new(Full::new(Bytes::from(svg)));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `GET /dashboard/journal/{seq}`: one journal entry with its bodies, while the journal keeps it;
/// its secrets hidden unless `?secrets=shown`.
pub(super) fn entry(sim: &Sim, seq: &str, req: &ApiRequest) -> Result<Reply, ApiError> {
    let seq: u64 = seq.parse().map_err(|_| ApiError::field("seq", "`seq` must be a sequence number"))?;
    let shown = crate::control::secrets_shown(req)?;
    let found = sim.journal.page(seq.saturating_sub(1), 1).into_iter().find(|e| super::lines::seq_of(e) == seq);
    match found {
        Some(e) => {
            let value = serde_json::to_value(&e).unwrap_or_default();
            let value = if shown { value } else { crate::control::redact_secrets(value) };
            Ok(crate::http::json(StatusCode::OK, &value))
        }
        None => Err(ApiError::not_found(format!(
            "the journal no longer keeps line {seq}\n(hint: it keeps the last `--journal N` entries)"
        ))),
    }
}
