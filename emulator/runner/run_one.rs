//! Runs one scenario against an integration in command mode (spec/driver.md): a fresh
//! emulator on its own port, the integration started in its own process group with the
//! contract's environment, orders written to its stdin at their virtual times, its stdout
//! read as events, and the whole group killed at the deadline. The result is a [`Record`].

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

use super::events::{Event, EventKind, Parsed, parse_line};
use super::shim;
use crate::MockCloud;
use crate::journal::JournalEntry;
use crate::scenario::Scenario;
use crate::scenario::model::{Operation, VoidTarget};
use crate::scenario::orders::order_json;
use crate::world::clock::{VirtualDuration, VirtualTime};
use crate::world::ledger::LedgerEntry;

/// How to run scenarios.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The integration's command, run by `sh -c`.
    pub exec: String,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// The payterm binary (the initiator shim links to it).
    pub payterm: PathBuf,
    /// A folder the run may write in (shim, key, config).
    pub work_dir: PathBuf,
}

/// How the integration's process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It exited by itself with this code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It was still running at the deadline and its process group was killed.
    KilledAtDeadline,
    /// It could not be started.
    FailedToStart(String),
}

/// Everything one run produced, for the judge and the reports.
#[derive(Debug)]
pub struct Record {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The seed used.
    pub seed: u64,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// Virtual time at the start.
    pub started: VirtualTime,
    /// Virtual time at the end.
    pub ended: VirtualTime,
    /// When each order was given (virtual).
    pub given: Vec<(String, VirtualTime)>,
    /// The integration's events, in order.
    pub events: Vec<Event>,
    /// Its stderr and its stdout lines that were not events (with why, for JSON lines).
    pub log: Vec<String>,
    /// Every exchange and World transition.
    pub journal: Vec<JournalEntry>,
    /// Every movement of money.
    pub ledger: Vec<LedgerEntry>,
    /// How the process ended.
    pub ending: Ending,
    /// Real time the run took.
    pub wall: Duration,
}

enum Output {
    Stdout(String),
    Stderr(String),
}

/// Runs `scenario` with `seed` against the integration `options` describe.
pub async fn run_scenario(scenario: Arc<Scenario>, seed: u64, options: &RunOptions) -> Result<Record, String> {
    let wall = Instant::now();
    let key = shim::harness_key(seed);
    let cloud = MockCloud::builder()
        .scenario(scenario.clone())
        .seed(seed)
        .time_scale(options.time_scale)
        .harness_key(shim::enrolled(&key))
        .journal_capacity(200_000)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let started = cloud.now();
    let store = scenario.stores.first().map_or("testingstore", |s| s.name.as_str());
    let shim = shim::install(&options.work_dir, &options.payterm, &key, store, &cloud.uri())?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![shim.bin.clone()];
    paths.extend(std::env::split_paths(&path));
    let credentials = json!({
        "cloud": {"basic": cloud.basic_credential(), "username": "jan.novak@example.com", "password": "ABCDEFGHIJKL",
                  "tid": scenario.terminals.first().map_or("999888", |t| t.tid.as_str())},
        "app2app": {"clientID": "223"},
        "initiator": {"store": store},
    });
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&options.exec)
        .env("PAYTERM_URL", cloud.uri())
        .env("PAYTERM_APP2APP_URL", format!("{}/app2app?uri=", cloud.uri()))
        .env("PAYTERM_TIME_SCALE", options.time_scale.to_string())
        // Beyond driver.md: the scenario's own limits, so an integration can pace itself.
        .env("PAYTERM_MIN_POLL_INTERVAL", scenario.timing.min_poll_interval.as_secs_f64().to_string())
        .env("PAYTERM_PATIENCE", scenario.timing.patience.as_secs_f64().to_string())
        .env("PAYTERM_CREDENTIALS", credentials.to_string())
        .env(crate::surfaces::initiator::config::CONFIG_ENV, &shim.config)
        .env("PATH", std::env::join_paths(paths).map_err(|e| e.to_string())?)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let real = |d: VirtualDuration| Duration::from_secs_f64((d.as_secs_f64() * options.time_scale).max(0.0));
    let last = scenario.orders.iter().map(|o| o.at + o.deadline).max().unwrap_or(VirtualDuration::secs(300));
    // The grace after the last deadline: 5 virtual seconds, at least 2 real ones.
    let deadline = wall + real(last) + real(VirtualDuration::secs(5)).max(Duration::from_secs(2));
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Ok(finish(
                &cloud,
                scenario,
                (seed, options.time_scale),
                started,
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Ending::FailedToStart(e.to_string()),
                wall,
            ));
        }
    };
    let pid = child.id();
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(Output::Stdout(line));
            }
        });
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(Output::Stderr(line));
            }
        });
    }
    drop(tx);
    let mut stdin = child.stdin.take();
    let mut pending: Vec<_> = scenario.orders.iter().collect();
    pending.sort_by_key(|o| o.at);
    let (mut events, mut log, mut given) = (Vec::new(), Vec::new(), Vec::new());
    let ending = loop {
        // Give every order whose time has come (a void of another order waits for its sale).
        while let Some(order) = pending.first().copied().filter(|o| wall + real(o.at) <= Instant::now()) {
            let mut line = order_json(order);
            if let (Operation::Void, Some(VoidTarget::Order(of))) = (order.operation, &order.void_target) {
                match sale_of(&cloud, &scenario, of) {
                    Some(ams) => {
                        line["amsId"] = json!(ams);
                    }
                    None if Instant::now() < wall + real(order.at + order.deadline) => break,
                    None => {}
                }
            }
            pending.remove(0);
            given.push((order.id.clone(), cloud.now()));
            if let Some(input) = stdin.as_mut() {
                let _ = input.write_all(format!("{line}\n").as_bytes()).await;
                let _ = input.flush().await;
            }
        }
        if pending.is_empty() {
            stdin = None; // EOF: no more orders.
        }
        tokio::select! {
            status = child.wait() => {
                drain(&cloud, &mut rx, &mut events, &mut log).await;
                break Ending::Exited(status.ok().and_then(|s| s.code()));
            }
            output = rx.recv() => match output {
                Some(o) => take(&cloud, o, &mut events, &mut log),
                None => tokio::time::sleep(Duration::from_millis(2)).await,
            },
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        if Instant::now() >= deadline {
            kill_group(pid);
            let _ = child.kill().await;
            drain(&cloud, &mut rx, &mut events, &mut log).await;
            break Ending::KilledAtDeadline;
        }
    };
    // Whatever the integration did, the World runs on to the last deadline (a jump of the
    // virtual clock, no real waiting): a payment it gave up on may still complete, and the
    // judge must see that in the ledger.
    let end = started + last;
    let now = cloud.now();
    if now < end {
        cloud.advance(end - now);
    }
    Ok(finish(&cloud, scenario, (seed, options.time_scale), started, given, events, log, ending, wall))
}

/// The AMS id of the approved sale made for order `of`, once it exists.
fn sale_of(cloud: &MockCloud, scenario: &Scenario, of: &str) -> Option<String> {
    let reference = &scenario.orders.iter().find(|o| o.id == of)?.reference;
    cloud.with_world(|w| {
        w.ledger()
            .entries()
            .iter()
            .find(|e| {
                e.reference.as_deref() == Some(reference.as_str())
                    && e.kind == crate::world::ledger::LedgerKind::Capture
            })
            .map(|e| e.payment.clone())
    })
}

fn take(cloud: &MockCloud, output: Output, events: &mut Vec<Event>, log: &mut Vec<String>) {
    match output {
        Output::Stderr(line) => log.push(format!("stderr: {line}")),
        Output::Stdout(line) => match parse_line(&line, cloud.now()) {
            Parsed::Event(event) => {
                if let EventKind::PresentUri { uri } = &event.kind {
                    // The virtual customer receives the URI: the last path segment names the invoice.
                    let identifier = uri.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
                    let _ = cloud.with_world(|w| w.note_presented(&identifier));
                }
                events.push(event);
            }
            Parsed::Log { line, problem: None } => log.push(format!("stdout: {line}")),
            Parsed::Log { line, problem: Some(p) } => log.push(format!("stdout: {line}  ({p})")),
        },
    }
}

async fn drain(
    cloud: &MockCloud,
    rx: &mut mpsc::UnboundedReceiver<Output>,
    events: &mut Vec<Event>,
    log: &mut Vec<String>,
) {
    // The readers finish once the pipes close; wait briefly for the last lines.
    while let Ok(Some(output)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
        take(cloud, output, events, log);
    }
}

/// Kills the integration's whole process group (it may have started children).
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
    }
    #[cfg(not(unix))]
    let _ = pid;
}

#[expect(clippy::too_many_arguments, reason = "assembles the record from the run's parts")]
fn finish(
    cloud: &MockCloud,
    scenario: Arc<Scenario>,
    (seed, time_scale): (u64, f64),
    started: VirtualTime,
    given: Vec<(String, VirtualTime)>,
    events: Vec<Event>,
    log: Vec<String>,
    ending: Ending,
    wall: Instant,
) -> Record {
    Record {
        scenario,
        seed,
        time_scale,
        started,
        ended: cloud.now(),
        given,
        events,
        log,
        journal: cloud.journal().since(0),
        ledger: cloud.with_world(|w| w.ledger().entries().to_vec()),
        ending,
        wall: wall.elapsed(),
    }
}
