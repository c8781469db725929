//! payterm's own measure of how slow the machine is while a scenario runs: a [`Probe`] starts
//! the initiator program itself — the very binary an integration runs, with its config — and
//! times it from spawn to exit, a few times at the start and then every half second. The judge
//! allows intervals that much latency (a loaded machine, a program's start-up) instead of
//! believing any time an integration claims.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::MockCloud;
use crate::surfaces::initiator::config::CONFIG_ENV;
use crate::surfaces::initiator::{PROBE, SHIM_NAME};
use crate::time::VirtualTime;

/// How often the probe runs while the scenario does.
const EVERY: Duration = Duration::from_millis(500);
/// Probes taken back to back at the start, before the integration's clock starts.
const AT_START: usize = 3;
/// The longest a probe is waited for: past it, that is the measure.
const AT_MOST: Duration = Duration::from_secs(10);

/// One measure: at virtual time `at`, the program took `took` (real) from spawn to exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencySample {
    /// When it was started, in the scenario's virtual time.
    pub at: VirtualTime,
    /// How long it took, in real time.
    pub took: Duration,
}

/// What is needed to start the program as the integration would.
#[derive(Clone, Debug)]
pub struct ProbeTarget {
    /// The folder holding `aelucrative-hype-initiator`.
    pub bin: PathBuf,
    /// Its config file.
    pub config: PathBuf,
}

/// The probe of one run; its samples are taken by [`Probe::finish`].
pub struct Probe {
    samples: Arc<Mutex<Vec<LatencySample>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Probe {
    /// Starts probing `target` against `cloud`'s clock.
    pub fn start(cloud: &MockCloud, target: ProbeTarget) -> Probe {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let clock = cloud.clock_reader();
        let task = {
            let samples = samples.clone();
            tokio::spawn(async move {
                for n in 0.. {
                    let at = clock();
                    if let Some(took) = once(&target).await {
                        samples.lock().unwrap_or_else(|e| e.into_inner()).push(LatencySample { at, took });
                    }
                    if n + 1 >= AT_START {
                        tokio::time::sleep(EVERY).await;
                    }
                }
            })
        };
        Probe { samples, task }
    }

    /// Stops probing; the samples taken, in order.
    pub fn finish(self) -> Vec<LatencySample> {
        self.task.abort();
        std::mem::take(&mut *self.samples.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Starts the program once and times it to its exit; `None` if it could not run or failed.
async fn once(target: &ProbeTarget) -> Option<Duration> {
    let started = Instant::now();
    let mut child = Command::new(target.bin.join(SHIM_NAME))
        .arg(PROBE)
        .env(CONFIG_ENV, &target.config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    match tokio::time::timeout(AT_MOST, child.wait()).await {
        Ok(Ok(status)) if status.success() => Some(started.elapsed()),
        Ok(_) => None,
        Err(_) => Some(AT_MOST),
    }
}
