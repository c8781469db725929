//! Service mode (spec/driver.md): each order is POSTed to the integration's URL with the
//! contract beside it (`payterm`), and its events come back on `/_payterm/events`. The run
//! ends when every order has a final outcome and the integration has gone quiet, or at the
//! deadline.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;

use super::bounds::EventLog;
use super::command::receive;
use super::contract::Contract;
use super::feed::OrderFeed;
use super::run_one::{Driven, Ending};
use crate::MockCloud;
use crate::client::HttpClient;
use crate::record::events::{Event, EventKind, OutcomeResult};
use crate::time::VirtualDuration;

/// How long, in virtual time, nothing may happen (no request, no event) once every order has
/// a final outcome, before the run counts as finished.
pub(super) const QUIET: VirtualDuration = VirtualDuration::secs(10);

/// Posts the orders of `feed` to `url` and collects the events posted back, until settled or
/// `deadline`.
pub(super) async fn drive(
    cloud: &MockCloud,
    feed: &mut OrderFeed<'_>,
    contract: &Contract,
    url: &str,
    work_dir: &std::path::Path,
    deadline: Instant,
) -> Driven {
    let (mut events, mut log) = (EventLog::for_orders(feed.len()), Vec::new());
    let initiator = match contract.write_initiator_wrapper(work_dir) {
        Ok(path) => path,
        Err(e) => return driven(events, log, Ending::FailedToStart(e)),
    };
    let payterm = contract.service_json(&initiator);
    let client = HttpClient::default();
    let quiet = feed.real(QUIET).max(Duration::from_millis(100));
    let mut last_activity = (Instant::now(), cloud.journal().exchanges());
    let (activity, posted) = (cloud.journal().activity(), cloud.events_posted());
    let ending = loop {
        // Registered before anything is looked at, so a request or a post in between still wakes.
        let (exchange, post) = (activity.notified(), posted.notified());
        tokio::pin!(exchange, post);
        exchange.as_mut().enable();
        post.as_mut().enable();
        for mut order in feed.due(cloud) {
            order["payterm"] = payterm.clone();
            let body = Bytes::from(order.to_string());
            let id = order["id"].as_str().unwrap_or("?").to_owned();
            match client.send(Method::POST, url, &[("content-type", "application/json")], body).await {
                Ok(answer) if answer.status.is_success() => {}
                Ok(answer) => log.push(format!(
                    "service: POST {url} (order {id}) answered {}: {}",
                    answer.status,
                    String::from_utf8_lossy(&answer.body).chars().take(300).collect::<String>()
                )),
                Err(e) => log.push(format!("service: POST {url} (order {id}): {e}")),
            }
        }
        for event in cloud.take_posted_events() {
            let size = serde_json::to_string(&event).map_or(0, |t| t.len());
            if events.push(event.clone(), size) {
                receive(cloud, &event);
            }
            last_activity.0 = Instant::now();
        }
        let seq = cloud.journal().exchanges();
        if seq != last_activity.1 {
            last_activity = (Instant::now(), seq);
        }
        let finished = feed.is_empty() && settled(feed, events.events());
        if finished && last_activity.0.elapsed() >= quiet {
            break Ending::Settled;
        }
        if Instant::now() >= deadline {
            break Ending::DeadlineReached;
        }
        // Nothing to do until a request, a post of events, the next order, the World's next
        // timer (a void waiting for its sale), the end of the quiet spell or the deadline.
        let mut wake = feed.next_due().map_or(deadline, |due| due.min(deadline));
        if feed.waiting_for_a_sale()
            && let Some(due) = cloud.next_due()
        {
            wake = wake.min(due.max(Instant::now() + Duration::from_millis(1)));
        }
        if finished {
            wake = wake.min(last_activity.0 + quiet);
        }
        tokio::select! {
            () = &mut exchange => {}
            () = &mut post => {}
            () = tokio::time::sleep_until(wake.into()) => {}
        }
    };
    driven(events, log, ending)
}

fn driven(events: EventLog, log: Vec<String>, ending: Ending) -> Driven {
    let (events, event_overflow) = events.into_parts();
    Driven { events, log, ending, event_overflow, output_bytes: 0, ready_after: None }
}

/// Whether every order given has a last outcome other than `unknown`.
fn settled(feed: &OrderFeed<'_>, events: &[Event]) -> bool {
    feed.given.iter().all(|(order, _)| {
        let last = events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Outcome { result, .. } if &e.order == order => Some(*result),
            _ => None,
        });
        last.is_some_and(|r| r != OutcomeResult::Unknown)
    })
}

/// Whether something listens at `url` (a TCP connection succeeds), so a run against a
/// service that is not up fails at once with one clear error instead of once per scenario.
pub async fn reachable(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("--service {url}: not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("--service {url}: only http:// URLs are supported"));
    }
    let host = uri.host().ok_or_else(|| format!("--service {url}: no host"))?;
    let address = format!("{host}:{}", uri.port_u16().unwrap_or(80));
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(&address)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("failed to reach the service at {url}: {e}")),
        Err(_) => Err(format!("failed to reach the service at {url}: no answer in 5 s")),
    }
}
