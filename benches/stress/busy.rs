//! The load `make stress` puts on the machine and its measure: [`BusyLoops`] spin on threads
//! until dropped (so a panic stops them too), and [`sampled`] reads `/proc/loadavg` every second
//! while a piece of work runs, into a [`Load`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// How often the load average is read while work runs.
const EVERY: Duration = Duration::from_secs(1);

/// Threads that each keep one core busy until the value is dropped.
#[must_use = "the loops stop when this is dropped"]
pub struct BusyLoops {
    stop: Arc<AtomicBool>,
    /// Each returns the CPU time it was given, when Linux says (`/proc/thread-self/schedstat`).
    threads: Vec<JoinHandle<Option<Duration>>>,
}

impl BusyLoops {
    /// Starts `n` spinning threads.
    pub fn start(n: usize) -> BusyLoops {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x: u64 = 1;
                    // Pure arithmetic, never a sleep or a syscall: each thread stays runnable, so the
                    // load average counts it and the scheduler shares a core with it.
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                        }
                    }
                    on_cpu()
                })
            })
            .collect();
        BusyLoops { stop, threads }
    }

    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Stops the loops; the CPU time they were given in all, the proof that they loaded the
    /// machine (`None` where Linux does not say).
    pub fn finish(mut self) -> Option<Duration> {
        self.stop_all()
    }

    fn stop_all(&mut self) -> Option<Duration> {
        self.stop.store(true, Ordering::Relaxed);
        let given: Vec<Option<Duration>> = self.threads.drain(..).map(|t| t.join().ok().flatten()).collect();
        given.into_iter().sum()
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// The CPU time the calling thread has had: the first field of its `schedstat`, nanoseconds.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(text.split_whitespace().next()?.parse().ok()?))
}

/// One reading of `/proc/loadavg`: the 1-minute load average and the tasks runnable right then.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub load1: f64,
    pub runnable: u32,
}

/// Every reading taken while some work ran.
#[derive(Clone, Debug, Default)]
pub struct Load {
    pub readings: Vec<Reading>,
}

impl Load {
    pub fn extend(&mut self, other: &Load) {
        self.readings.extend_from_slice(&other.readings);
    }

    /// Min, mean and max of the 1-minute load average (zeros when nothing was read).
    pub fn load1(&self) -> (f64, f64, f64) {
        stats(self.readings.iter().map(|r| r.load1))
    }

    /// Min, mean and max of the tasks runnable at each reading.
    pub fn runnable(&self) -> (f64, f64, f64) {
        stats(self.readings.iter().map(|r| f64::from(r.runnable)))
    }

    /// `min/mean/max` of the 1-minute load average, for the tables.
    pub fn shown(&self) -> String {
        let (min, mean, max) = self.load1();
        format!("{min:.2}/{mean:.2}/{max:.2}")
    }

    pub fn json(&self) -> Value {
        let (min, mean, max) = self.load1();
        let (rmin, rmean, rmax) = self.runnable();
        json!({
            "samples": self.readings.len(),
            "load1": {"min": min, "mean": mean, "max": max},
            "runnable": {"min": rmin, "mean": rmean, "max": rmax},
        })
    }
}

fn stats(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (mut min, mut max, mut sum, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0u32);
    for v in values {
        min = min.min(v);
        max = max.max(v);
        sum += v;
        n += 1;
    }
    if n == 0 { (0.0, 0.0, 0.0) } else { (min, sum / f64::from(n), max) }
}

/// The machine's load now, if `/proc/loadavg` can be read (Linux).
pub fn read() -> Option<Reading> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace();
    let load1 = fields.next()?.parse().ok()?;
    // The fourth field is `runnable/total`; the runnable count includes the reader itself.
    let runnable = fields.nth(2)?.split('/').next()?.parse().ok()?;
    Some(Reading { load1, runnable })
}

/// Runs `work`, reading the load at its start, every second while it runs, and at its end.
pub fn sampled<T>(work: impl FnOnce() -> T) -> (T, Load) {
    let done = AtomicBool::new(false);
    let mut load = Load::default();
    let out = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut readings = Vec::new();
            loop {
                readings.extend(read());
                // Short naps, so the reader notices the end of the work within 50 ms.
                let mut slept = Duration::ZERO;
                while slept < EVERY && !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    slept += Duration::from_millis(50);
                }
                if done.load(Ordering::Relaxed) {
                    readings.extend(read());
                    return readings;
                }
            }
        });
        let out = {
            // Set on the way out even when `work` panics, or the scope would wait for the reader forever.
            let _done = SetOnDrop(&done);
            work()
        };
        load.readings = reader.join().unwrap_or_default();
        out
    });
    (out, load)
}

struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
