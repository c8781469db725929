//! Runs one scenario against an integration (spec/driver.md): a fresh emulator on its own
//! port, the integration driven in command or service mode until it is done or the deadline
//! passes, then the World run on to the last deadline. The result is a [`Record`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::bounds::{Bounds, EventOverflow};
use super::contract::Contract;
use super::feed::OrderFeed;
use super::latency::{LatencySample, Probe, ProbeTarget};
use super::{RunError, command, service, shim};
use crate::MockCloud;
use crate::journal::JournalEntry;
use crate::record::events::Event;
use crate::scenario::Scenario;
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::ledger::LedgerEntry;

/// How the integration is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A command run by `sh -c` once per scenario, in `dir` if given.
    Command {
        /// The command line.
        command: String,
        /// The folder it runs in.
        dir: Option<PathBuf>,
    },
    /// A long-running service orders are POSTed to.
    Service {
        /// Its URL.
        url: String,
    },
}

/// How to run scenarios.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The integration.
    pub target: Target,
    /// Real seconds per virtual second.
    pub time_scale: f64,
    /// The payterm binary (the initiator shim links to it).
    pub payterm: PathBuf,
    /// A folder the run may write in (shim, key, config).
    pub work_dir: PathBuf,
    /// How long the integration may take to come up before its scenario's clock starts.
    pub startup_timeout: Duration,
}

impl RunOptions {
    /// Command mode: `command` run in the current folder.
    pub fn command(command: &str, time_scale: f64, payterm: PathBuf, work_dir: PathBuf) -> Self {
        RunOptions {
            target: Target::Command { command: command.to_owned(), dir: None },
            time_scale,
            payterm,
            work_dir,
            startup_timeout: command::DEFAULT_STARTUP_TIMEOUT,
        }
    }
}

/// How the integration's part of the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It exited by itself with this code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It was still running at the deadline and its process group was killed.
    KilledAtDeadline,
    /// It could not be started.
    FailedToStart(String),
    /// Service mode: every order had a final outcome and the service went quiet.
    Settled,
    /// Service mode: the deadline came first.
    DeadlineReached,
    /// It showed no sign of being up (no request, no event, no `ready`) within this long.
    DidNotStart(Duration),
}

/// What driving the integration produced.
pub struct Driven {
    /// Its events, in order (those kept within bounds).
    pub events: Vec<Event>,
    /// Its log lines.
    pub log: Vec<String>,
    /// How it ended.
    pub ending: Ending,
    /// The events past the bounds.
    pub event_overflow: EventOverflow,
    /// Bytes of output it wrote.
    pub output_bytes: u64,
    /// How long it took to come up (real time; command mode).
    pub ready_after: Option<Duration>,
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
    /// Virtual time at the end (the World run on past the last deadline).
    pub ended: VirtualTime,
    /// Virtual time the integration's part ended: it exited, was killed at the deadline, or
    /// the service went quiet. What the ledger did before then, it could still report.
    pub finished: VirtualTime,
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
    /// What the integration sent past payterm's bounds (judged by `RUN-BOUNDS`).
    pub bounds: Bounds,
    /// How long it took to come up, in real time (command mode).
    pub ready_after: Option<Duration>,
    /// payterm's own measures of the machine's latency during the run: how long the initiator
    /// program took from spawn to exit, now and then.
    pub latency: Vec<LatencySample>,
    /// Real time the run took.
    pub wall: Duration,
}

/// Runs `scenario` with `seed` against the integration `options` describe.
pub async fn run_scenario(scenario: Arc<Scenario>, seed: u64, options: &RunOptions) -> Result<Record, RunError> {
    let capacity = journal_capacity(&scenario);
    run_with_journal(scenario, seed, options, capacity).await
}

/// [`run_scenario`] with a journal of `capacity` entries.
async fn run_with_journal(
    scenario: Arc<Scenario>,
    seed: u64,
    options: &RunOptions,
    capacity: usize,
) -> Result<Record, RunError> {
    let wall = Instant::now();
    // A scenario that needs finer timing than the run's scale gives runs slower.
    let time_scale = options.time_scale.max(scenario.min_time_scale.unwrap_or(0.0));
    let key = shim::harness_key(seed);
    // The World is payterm's alone during a run: no control API, and in command mode no
    // events but those on stdout.
    let mut builder = MockCloud::builder()
        .scenario(scenario.clone())
        .seed(seed)
        .time_scale(time_scale)
        .harness_key(shim::enrolled(&key))
        .journal_capacity(capacity)
        .journal_for_run(body_budget(&scenario))
        .without_control_api();
    if matches!(options.target, Target::Command { .. }) {
        builder = builder.refuse_posted_events();
    }
    let cloud = builder.start().await?;
    let started = cloud.now();
    let store = scenario.stores.first().map_or("testingstore", |s| s.name.as_str());
    let shim = shim::install(&options.work_dir, &options.payterm, &key, store, &cloud.uri()).map_err(RunError::Shim)?;
    let contract = Contract::new(&cloud, &scenario, time_scale, &shim);
    let probe = Probe::start(&cloud, ProbeTarget { bin: shim.bin.clone(), config: shim.config.clone() });
    let mut feed = OrderFeed::new(&scenario, wall, time_scale);
    let last = scenario.orders.iter().map(|o| o.at + o.deadline).max().unwrap_or(VirtualDuration::secs(300));
    // The grace after the last deadline: 5 virtual seconds, at least 2 real ones.
    let span = feed.real(last) + feed.real(VirtualDuration::secs(5)).max(Duration::from_secs(2));
    let driven = match &options.target {
        Target::Command { command, dir } => {
            // The scenario's clock waits for the process to come up (see command::drive).
            cloud.hold_clock_until_started();
            let limits = (span, options.startup_timeout);
            command::drive(&cloud, &mut feed, &contract, (command, dir.as_deref()), limits, &options.payterm).await
        }
        Target::Service { url } => {
            service::drive(&cloud, &mut feed, &contract, url, &options.work_dir, wall + span).await
        }
    };
    let latency = probe.finish();
    let given = std::mem::take(&mut feed.given);
    // Whatever the integration did, the World runs on past the last deadline by the patience
    // window (a jump of the virtual clock, no real waiting): a payment it gave up on may still
    // complete, and the judge must see that in the ledger.
    let end = started + last + scenario.timing.patience;
    let now = cloud.now();
    let finished = now;
    if now < end {
        cloud.advance(end - now);
    }
    // What the integration sent past the bounds was counted, not kept: the judge reads the
    // run from its beginning, and RUN-BOUNDS fails it for the flood.
    let bounds = Bounds {
        journal: cloud.journal().overflow(),
        events: driven.event_overflow,
        output_bytes: driven.output_bytes,
    };
    Ok(Record {
        scenario,
        seed,
        time_scale,
        started,
        ended: cloud.now(),
        finished,
        given,
        events: driven.events,
        log: driven.log,
        journal: cloud.journal().since(0),
        ledger: cloud.with_world(|w| w.ledger().entries().to_vec()),
        ending: driven.ending,
        bounds,
        ready_after: driven.ready_after,
        latency,
        wall: wall.elapsed(),
    })
}

/// Bytes of bodies a run's journal keeps whole (requests and answers together): 16 MiB and 64 KiB
/// an order, far above what any scenario needs (an order's exchanges are a few KiB); past it,
/// bodies are cut and the run fails for the flood.
fn body_budget(scenario: &Scenario) -> usize {
    16 * 1024 * 1024 + 64 * 1024 * scenario.orders.len()
}

/// The exchanges a run of `scenario` keeps: room for every order polled at the scenario's
/// minimum interval until its deadline, twice over (its reads, logins and retries besides),
/// and never less than 20,000. Past it the integration floods: what comes is counted, not kept.
fn journal_capacity(scenario: &Scenario) -> usize {
    let min = scenario.timing.min_poll_interval.as_millis().max(1);
    let per_order: i64 = scenario.orders.iter().map(|o| (o.deadline.as_millis() + 5_000) / min * 2 + 100).sum();
    usize::try_from(per_order).unwrap_or(usize::MAX).max(20_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One Cloud sale, and an integration that makes 30 requests and reports `unknown`.
    fn busy_run() -> (Arc<Scenario>, RunOptions) {
        let text = r#"
            version = 1
            name = "thirty requests"
            surfaces = ["cloud"]
            rules = ["RATE-NO-STORM"]

            [[orders]]
            id = "o1"
            operation = "sale"
            amount = 1250
        "#;
        let scenario = Arc::new(crate::scenario::parse("busy.toml", text).unwrap());
        let script = r#"
import os, urllib.request
for _ in range(30):
    try:
        urllib.request.urlopen(os.environ["PAYTERM_URL"] + "/v1/nothing")
    except Exception:
        pass
print('{"order": "o1", "event": "outcome", "result": "unknown"}', flush=True)
"#;
        let dir = std::env::temp_dir().join(format!("payterm-journal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("busy.py"), script).unwrap();
        let command = format!("python3 '{}'", dir.join("busy.py").display());
        (scenario, RunOptions::command(&command, 0.01, PathBuf::from("payterm"), dir))
    }

    #[tokio::test]
    async fn a_run_past_its_journal_keeps_its_beginning_and_counts_the_rest() {
        // Arrange
        let (scenario, options) = busy_run();
        // Act
        let small = run_with_journal(scenario.clone(), 1, &options, 10).await.unwrap();
        let roomy = run_with_journal(scenario, 1, &options, 1_000).await.unwrap();
        let _ = std::fs::remove_dir_all(&options.work_dir);
        // Assert
        assert_eq!(small.bounds.journal.exchanges_dropped, 20, "30 requests, 10 kept");
        assert!(small.bounds.breaches().iter().any(|b| b.contains("20 request(s)")), "{:?}", small.bounds.breaches());
        assert!(roomy.bounds.breaches().is_empty());
        assert!(roomy.journal.len() >= 30, "{} entries", roomy.journal.len());
    }

    #[test]
    fn the_journal_has_room_for_every_order_polled_at_the_minimum_interval() {
        let text = |orders: usize| {
            let mut t =
                "version = 1\nname = \"many\"\nsurfaces = [\"cloud\"]\nrules = [\"RATE-NO-STORM\"]\n".to_owned();
            for n in 0..orders {
                t.push_str(&format!("\n[[orders]]\nid = \"o{n}\"\noperation = \"sale\"\namount = 1250\n"));
            }
            t
        };
        let capacity = |orders| journal_capacity(&crate::scenario::parse("many.toml", &text(orders)).unwrap());
        // 5 minutes and the grace at 0.5 s: 610 polls, twice that with their transitions.
        assert_eq!(capacity(1), 20_000, "never less than that");
        assert_eq!(capacity(1_000), 1_000 * (610 * 2 + 100));
    }
}
