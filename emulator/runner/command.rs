//! Command mode (spec/driver.md): the integration runs as a process in its own process group,
//! orders on its stdin, events on its stdout; the whole group is killed at the deadline, and
//! also whenever the run is dropped (`--fail-fast` cancelling it), so no child outlives it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::sync::mpsc;

use super::contract::Contract;
use super::events::{Event, EventKind, Parsed, parse_line};
use super::feed::OrderFeed;
use super::output::{Log, read_lines};
use super::run_one::{Driven, Ending};
use crate::MockCloud;

enum Output {
    Stdout(String),
    Stderr(String),
}

/// The longest the scenario's clock waits for an integration to show it is up.
pub const STARTUP_ALLOWANCE: Duration = Duration::from_secs(1);

/// Runs `command` (with `sh -c`, in `dir` if given) until it exits or `span` has passed since
/// the scenario's clock started. The clock (paused by the caller) starts at the process's first
/// sign of life — a line on stdout or stderr, or a request — or after [`STARTUP_ALLOWANCE`]:
/// an interpreter that takes a loaded machine's second to start must not lose a hundred
/// virtual seconds of its deadlines to that.
///
/// Orders are given at their times and written to stdin by a task of their own: an
/// integration that reads its stdin slowly, or never (a thousand orders are more than a pipe
/// holds), holds up only its own orders, never the reading of its events nor the deadline.
pub async fn drive(
    cloud: &MockCloud,
    feed: &mut OrderFeed<'_>,
    contract: &Contract,
    (command, dir): (&str, Option<&std::path::Path>),
    span: Duration,
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
    let (mut events, mut log) = (Vec::new(), Log::default());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return Driven { events, log: Vec::new(), ending: Ending::FailedToStart(e.to_string()) },
    };
    let _group = GroupGuard(child.id());
    // Should payterm itself be killed (`kill -9`), the reaper ends the group instead.
    let _reaped = child.id().map(|pid| super::reaper::guard(payterm, pid));
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Lines are cut at a bound and read lossily: a 100 MB line or a stray byte that is not
    // UTF-8 must neither take the memory nor stop the reading (a full pipe would block the
    // integration).
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        tokio::spawn(read_lines(out, move |line| tx.send(Output::Stdout(line)).is_ok()));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        tokio::spawn(read_lines(err, move |line| tx.send(Output::Stderr(line)).is_ok()));
    }
    drop(tx);
    // Taken first: `Child::wait` closes a stdin still held by the child handle.
    let (mut orders, writer) = match child.stdin.take().map(spawn_writer) {
        Some((orders, writer)) => (Some(orders), Some(writer)),
        None => (None, None),
    };
    let spawned = Instant::now();
    let startup_lines = loop {
        if cloud.journal().exchanges() > 0 || spawned.elapsed() >= STARTUP_ALLOWANCE {
            break Vec::new();
        }
        tokio::select! {
            output = rx.recv() => break output.into_iter().collect(),
            _ = child.wait() => break Vec::new(),
            _ = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    };
    cloud.set_paused(false);
    let start = Instant::now();
    feed.restart(start);
    let deadline = start + span;
    for output in startup_lines {
        take(cloud, output, &mut events, &mut log);
    }
    let ending = loop {
        for line in feed.due(cloud) {
            if let Some(orders) = &orders {
                let _ = orders.send(format!("{line}\n"));
            }
        }
        if feed.is_empty() {
            orders = None; // EOF once the writer has written what it holds: no more orders.
        }
        tokio::select! {
            status = child.wait() => {
                drain(cloud, &mut rx, &mut events, &mut log).await;
                break Ending::Exited(status.ok().and_then(|s| s.code()));
            }
            output = rx.recv() => match output {
                Some(o) => take(cloud, o, &mut events, &mut log),
                None => tokio::time::sleep(Duration::from_millis(2)).await,
            },
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        if Instant::now() >= deadline {
            kill_group(child.id());
            let _ = child.kill().await;
            drain(cloud, &mut rx, &mut events, &mut log).await;
            break Ending::KilledAtDeadline;
        }
    };
    if let Some(writer) = writer {
        writer.abort();
    }
    Driven { events, log: log.into_lines(), ending }
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

fn take(cloud: &MockCloud, output: Output, events: &mut Vec<Event>, log: &mut Log) {
    match output {
        Output::Stderr(line) => log.push(format!("stderr: {line}")),
        Output::Stdout(line) => match parse_line(&line, cloud.now()) {
            Parsed::Event(event) => {
                receive(cloud, &event);
                events.push(event);
            }
            Parsed::Log { line, problem: None } => log.push(format!("stdout: {line}")),
            Parsed::Log { line, problem: Some(p) } => log.push(format!("stdout: {line}  ({p})")),
        },
    }
}

/// What the emulated side does on an event: the virtual customer receives a presented URI
/// (its last path segment names the invoice).
pub fn receive(cloud: &MockCloud, event: &Event) {
    if let EventKind::PresentUri { uri } = &event.kind {
        let identifier = uri.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
        let _ = cloud.with_world(|w| w.note_presented(&identifier));
    }
}

async fn drain(cloud: &MockCloud, rx: &mut mpsc::UnboundedReceiver<Output>, events: &mut Vec<Event>, log: &mut Log) {
    // The readers finish once the pipes close; wait briefly for the last lines.
    while let Ok(Some(output)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
        take(cloud, output, events, log);
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
