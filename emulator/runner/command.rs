//! Command mode (spec/driver.md): the integration runs as a process in its own process group,
//! orders on its stdin, events on its stdout; the whole group is killed at the deadline, and
//! also whenever the run is dropped (`--fail-fast` cancelling it), so no child outlives it.
//!
//! ```text
//!   spawn ──▶ starting ──(first request, an event, or `ready`)──▶ running ──▶ exited
//!   (clock      │  orders due at 0 already on stdin                  │  (clock runs:
//!    paused)    └──(startup timeout)──▶ did not start                 │   orders at their
//!                                                                    └──▶ killed at deadline
//! ```

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::bounds::EventLog;
use super::contract::Contract;
use super::feed::OrderFeed;
use super::output::{Log, OutputCount, read_lines};
use super::run_one::{Driven, Ending};
use crate::MockCloud;
use crate::record::events::{Event, EventKind, Parsed, parse_line};

/// A line of the integration's output, with the real instant it was read.
enum Output {
    Stdout(String, Instant),
    Stderr(String),
}

/// How long an integration may take to come up by default (`payterm run --startup-timeout`).
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest the last lines are waited for once the integration's group has ended.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Lines read but not yet taken: at most this many (of at most 64 KiB each) wait in memory.
const LINES_IN_FLIGHT: usize = 256;

/// What was read of one integration's output.
struct Reading {
    events: EventLog,
    log: Log,
    count: OutputCount,
}

/// Runs `command` (with `sh -c`, in `dir` if given) until it exits or `span` has passed since
/// the scenario's clock started. The clock (paused by the caller) starts when the integration
/// is ready — its first request, its first event, or `{"event": "ready"}` — so a runtime that
/// takes seconds to start (a JVM) loses none of its deadlines to that; orders due at the start
/// are on its stdin from the beginning, so one that waits for an order before its first request
/// comes up too. Past `startup_timeout` without a sign, it did not start.
///
/// Orders are given at their times and written to stdin by a task of their own: an
/// integration that reads its stdin slowly, or never (a thousand orders are more than a pipe
/// holds), holds up only its own orders, never the reading of its events nor the deadline.
pub(super) async fn drive(
    cloud: &MockCloud,
    feed: &mut OrderFeed<'_>,
    contract: &Contract,
    (command, dir): (&str, Option<&std::path::Path>),
    (span, startup_timeout): (Duration, Duration),
    payterm: &std::path::Path,
) -> Driven {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    for (name, value) in contract.env() {
        cmd.env(name, value);
    }
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    #[cfg(unix)]
    cmd.process_group(0);
    let orders_count = feed.len();
    let mut reading =
        Reading { events: EventLog::for_orders(orders_count), log: Log::default(), count: OutputCount::default() };
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return driven(reading, Ending::FailedToStart(e.to_string()), None),
    };
    let _group = GroupGuard(child.id());
    // Should payterm itself be killed (`kill -9`), the reaper ends the group instead.
    let _reaped = child.id().map(|pid| super::reaper::guard(payterm, pid));
    // Bounded: a reader that is ahead waits, and the integration's writes wait in its pipe.
    let (tx, mut rx) = mpsc::channel(LINES_IN_FLIGHT);
    // Lines are cut at a bound and read lossily: a 100 MB line or a stray byte that is not
    // UTF-8 must neither take the memory nor stop the reading (a full pipe would block the
    // integration).
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        tokio::spawn(read_lines(out, reading.count.clone(), move |line| {
            let tx = tx.clone();
            async move { tx.send(Output::Stdout(line, Instant::now())).await.is_ok() }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        tokio::spawn(read_lines(err, reading.count.clone(), move |line| {
            let tx = tx.clone();
            async move { tx.send(Output::Stderr(line)).await.is_ok() }
        }));
    }
    drop(tx);
    // Taken first: `Child::wait` closes a stdin still held by the child handle.
    let (mut orders, writer) = match child.stdin.take().map(spawn_writer) {
        Some((orders, writer)) => (Some(orders), Some(writer)),
        None => (None, None),
    };
    let spawned = Instant::now();
    feed.restart(spawned);
    give_due(cloud, feed, &mut orders);
    let startup = start_up(cloud, &mut child, &mut rx, &mut reading, spawned + startup_timeout).await;
    // Started by a request's arrival (the router) or a line's reading (start_up), or now.
    cloud.start_clock_at(Instant::now());
    let started = cloud.clock_started_at().unwrap_or_else(Instant::now);
    let ready_after = started.saturating_duration_since(spawned);
    let ending = match startup {
        Startup::Ready => {
            feed.restart(started);
            run(cloud, feed, &mut child, &mut rx, &mut reading, &mut orders, Instant::now() + span).await
        }
        Startup::Exited(code) => {
            end_group(&mut child).await;
            drain(cloud, &mut rx, &mut reading).await;
            Ending::Exited(code)
        }
        Startup::TimedOut => {
            end_group(&mut child).await;
            drain(cloud, &mut rx, &mut reading).await;
            Ending::DidNotStart(startup_timeout)
        }
    };
    if let Some(writer) = writer {
        writer.abort();
    }
    driven(reading, ending, Some(ready_after))
}

fn driven(reading: Reading, ending: Ending, ready_after: Option<Duration>) -> Driven {
    let (events, event_overflow) = reading.events.into_parts();
    Driven {
        events,
        log: reading.log.into_lines(),
        ending,
        event_overflow,
        output_bytes: reading.count.bytes(),
        ready_after,
    }
}

/// How the start-up ended.
enum Startup {
    /// A request, an event or `ready` came.
    Ready,
    /// The process exited first.
    Exited(Option<i32>),
    /// Nothing came in time.
    TimedOut,
}

/// Waits, with the scenario's clock paused, for the integration's first sign of being up.
async fn start_up(
    cloud: &MockCloud,
    child: &mut Child,
    rx: &mut mpsc::Receiver<Output>,
    reading: &mut Reading,
    until: Instant,
) -> Startup {
    let activity = cloud.journal().activity();
    loop {
        let request = activity.notified();
        tokio::pin!(request);
        request.as_mut().enable();
        if cloud.journal().exchanges() > 0 {
            return Startup::Ready;
        }
        tokio::select! {
            () = &mut request => return Startup::Ready,
            output = rx.recv() => match output {
                Some(o) => {
                    if take(cloud, o, reading) {
                        return Startup::Ready;
                    }
                }
                // Both pipes closed: only the exit or the timeout can come now.
                None => tokio::select! {
                    () = &mut request => return Startup::Ready,
                    status = child.wait() => return Startup::Exited(status.ok().and_then(|s| s.code())),
                    () = tokio::time::sleep_until(until.into()) => return Startup::TimedOut,
                },
            },
            status = child.wait() => return Startup::Exited(status.ok().and_then(|s| s.code())),
            () = tokio::time::sleep_until(until.into()) => return Startup::TimedOut,
        }
    }
}

/// Runs the scenario's clock until the integration exits or `deadline` passes.
async fn run(
    cloud: &MockCloud,
    feed: &mut OrderFeed<'_>,
    child: &mut Child,
    rx: &mut mpsc::Receiver<Output>,
    reading: &mut Reading,
    orders: &mut Option<mpsc::UnboundedSender<String>>,
    deadline: Instant,
) -> Ending {
    let mut pipes_open = true;
    let activity = cloud.journal().activity();
    loop {
        let exchange = activity.notified();
        tokio::pin!(exchange);
        exchange.as_mut().enable();
        give_due(cloud, feed, orders);
        let mut wake = feed.next_due().map_or(deadline, |due| due.min(deadline));
        // A void waiting for its sale's AMS id: the sale is settled at the World's next timer,
        // or by a request of the integration's (a poll that moves a scripted task).
        let for_a_sale = feed.waiting_for_a_sale();
        if for_a_sale && let Some(due) = cloud.next_due() {
            wake = wake.min(due.max(Instant::now() + Duration::from_millis(1)));
        }
        tokio::select! {
            status = child.wait() => {
                end_group(child).await;
                drain(cloud, rx, reading).await;
                return Ending::Exited(status.ok().and_then(|s| s.code()));
            }
            output = rx.recv(), if pipes_open => match output {
                Some(o) => {
                    take(cloud, o, reading);
                }
                None => pipes_open = false,
            },
            () = &mut exchange, if for_a_sale => {}
            () = tokio::time::sleep_until(wake.into()) => {}
        }
        if Instant::now() >= deadline {
            end_group(child).await;
            drain(cloud, rx, reading).await;
            return Ending::KilledAtDeadline;
        }
    }
}

/// Writes the orders whose time has come; closes stdin once every order was given.
fn give_due(cloud: &MockCloud, feed: &mut OrderFeed<'_>, orders: &mut Option<mpsc::UnboundedSender<String>>) {
    for line in feed.due(cloud) {
        if let Some(orders) = orders.as_ref() {
            let _ = orders.send(format!("{line}\n"));
        }
    }
    if feed.is_empty() {
        *orders = None; // EOF once the writer has written what it holds: no more orders.
    }
}

/// Kills the integration's process group and reaps its first process.
async fn end_group(child: &mut Child) {
    kill_group(child.id());
    let _ = child.kill().await;
}

/// Starts the task that writes order lines to the integration's stdin, one at a time, and
/// closes stdin (EOF) once its queue is closed and written.
fn spawn_writer(mut stdin: tokio::process::ChildStdin) -> (mpsc::UnboundedSender<String>, tokio::task::JoinHandle<()>) {
    let (orders, mut queue) = mpsc::unbounded_channel::<String>();
    let task = tokio::spawn(async move {
        while let Some(line) = queue.recv().await {
            // A closed stdin (the integration exited early) is judged, not fatal.
            if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
                break;
            }
        }
    });
    (orders, task)
}

/// Reads one line of output; whether it was a sign of the integration being up (an event or
/// `ready`; a log line is not: a JVM logs long before it can take an order).
fn take(cloud: &MockCloud, output: Output, reading: &mut Reading) -> bool {
    match output {
        Output::Stderr(line) => {
            reading.log.push(format!("stderr: {line}"));
            false
        }
        Output::Stdout(line, read) => match parse_line(&line, cloud.now()) {
            Parsed::Event(event) => {
                // A sign of life starts a held clock as of its reading; the event is dated then.
                if cloud.clock_started_at().is_none() {
                    cloud.start_clock_at(read);
                }
                if reading.events.push(event.clone(), line.len()) {
                    receive(cloud, &event);
                }
                true
            }
            Parsed::Ready => {
                cloud.start_clock_at(read);
                true
            }
            Parsed::Log { line, problem: None } => {
                reading.log.push(format!("stdout: {line}"));
                false
            }
            Parsed::Log { line, problem: Some(p) } => {
                reading.log.push(format!("stdout: {line}  ({p})"));
                false
            }
        },
    }
}

/// What the emulated side does on an event: the virtual customer receives a presented URI
/// (its last path segment names the invoice).
pub(super) fn receive(cloud: &MockCloud, event: &Event) {
    if let EventKind::PresentUri { uri } = &event.kind {
        let identifier = uri.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
        let _ = cloud.with_world(|w| w.note_presented(&identifier));
    }
}

/// Reads what is left once the group has been ended: its pipes close, the readers reach the
/// end and the channel closes. A pipe some other process still holds open (one that left the
/// group) is given up on after [`DRAIN_LIMIT`].
async fn drain(cloud: &MockCloud, rx: &mut mpsc::Receiver<Output>, reading: &mut Reading) {
    let until = tokio::time::Instant::now() + DRAIN_LIMIT;
    while let Ok(Some(output)) = tokio::time::timeout_at(until, rx.recv()).await {
        take(cloud, output, reading);
    }
}

/// Kills the process group when dropped: the integration may have left children running.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

/// Kills the integration's whole process group (it may have started children).
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        super::reaper::kill_group(pid);
    }
}
