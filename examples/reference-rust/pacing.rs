//! Time and pacing: `Settings` turns the contract's time scale and the scenario's hints into
//! real waits, and `Pacer` spaces one order's requests (poll interval, backoff, Retry-After).
//! Every duration named `*_v` is in virtual seconds; `Settings::v2r` turns it into real ones.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

use crate::events::log;

/// The moment this program's clock counts from; `now()` is real seconds since then.
static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Real seconds since the program started (monotonic).
pub fn now() -> f64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The instant `t` (real seconds on the `now()` clock).
pub fn instant(t: f64) -> Instant {
    *EPOCH.get_or_init(Instant::now) + secs(t)
}

/// A real duration from seconds; negative, NaN and absurd values are clamped (never a panic).
pub fn secs(real: f64) -> Duration {
    if real.is_finite() && real > 0.0 { Duration::from_secs_f64(real.min(86_400.0)) } else { Duration::ZERO }
}

/// Sleeps until `t` on the `now()` clock.
pub async fn sleep_until(t: f64) {
    tokio::time::sleep_until(instant(t)).await;
}

/// A positive, finite number from the environment, else `default`.
fn env_f64(name: &str, default: f64) -> f64 {
    match std::env::var(name).ok().and_then(|v| v.trim().parse::<f64>().ok()) {
        Some(v) if v.is_finite() && v > 0.0 => v,
        _ => default,
    }
}

/// Every timing figure of the integration, from the environment.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Real seconds per virtual second (driver.md: `PAYTERM_TIME_SCALE`).
    pub scale: f64,
    /// The fastest polling a scenario allows (`PAYTERM_MIN_POLL_INTERVAL`).
    pub min_poll_v: f64,
    /// The spacing of polls after a good answer.
    pub poll_v: f64,
    /// The first wait after a fault.
    pub backoff_first_v: f64,
    /// Where doubling stops and growth by a tenth begins.
    pub backoff_cap_v: f64,
    /// The longest wait after a fault.
    pub backoff_max_v: f64,
    /// How long one HTTP exchange may take (real seconds).
    pub http_timeout: f64,
    /// How long one run of the initiator program may take (real seconds).
    pub initiator_timeout: f64,
    /// How long before its deadline an order gives up (real seconds).
    pub give_up_margin: f64,
}

impl Settings {
    /// The settings the harness gave (or the defaults for a run by hand).
    pub fn from_env() -> Self {
        let scale = env_f64("PAYTERM_TIME_SCALE", 1.0);
        // conformance.md's default minimum is 0.5 s, but a scenario may raise it (e.g.
        // `min_poll_interval = "1s"`) without telling the integration, so 1 s is assumed
        // unless the runner says otherwise. Polls are spaced 1.25× that so that timing
        // jitter never brings two polls closer than the minimum.
        let min_poll_v = env_f64("PAYTERM_MIN_POLL_INTERVAL", 1.0);
        let patience_v = env_f64("PAYTERM_PATIENCE", 300.0);
        // RATE-NO-STORM: after repeated faults the intervals must be at least twice the
        // minimum and never shrink; 2.5× leaves room for jitter. The cap keeps every retry
        // well inside the patience window (LIVENESS-OUTCOME: a live transaction is never
        // silently given up).
        let backoff_first_v = 2.5 * min_poll_v;
        let backoff_cap_v = f64::max(30.0, backoff_first_v);
        Settings {
            scale,
            min_poll_v,
            poll_v: 1.25 * min_poll_v,
            backoff_first_v,
            backoff_cap_v,
            backoff_max_v: f64::max(backoff_cap_v, f64::min(120.0, 0.8 * patience_v)),
            // About 20 virtual seconds per exchange (a hung or dripping answer counts as
            // lost), never over 30 real seconds, and never under 1: on a loaded machine a
            // loopback answer has taken over a quarter of a second, and an answer given up
            // on is asked again — a poll after the final state, as the judge sees it.
            http_timeout: (20.0 * scale).clamp(1.0, 30.0),
            // The program starts a process and makes one signed request; about 25 virtual
            // seconds, but at least 2.5 real seconds: its start-up time is real, not virtual,
            // and on a loaded machine a run has taken over a second. Killing a run whose
            // request the service has answered loses that answer (a final status asked
            // again breaks HYPE-REFUNDED); an order's deadline still cuts any run short.
            initiator_timeout: (25.0 * scale).clamp(2.5, 35.0),
            // The outcome must be seen by the deadline: give up a little before it, with room
            // for the harness to read the line on a loaded machine (LIVENESS-OUTCOME is judged
            // when the harness reads the event, with no tolerance).
            give_up_margin: f64::max(0.3, 2.0 * scale),
        }
    }

    /// Virtual seconds in real seconds.
    pub fn v2r(&self, virtual_seconds: f64) -> f64 {
        virtual_seconds * self.scale
    }
}

/// Spaces one order's requests.
///
/// After an answer: the next request no sooner than `poll_v` after it. After a fault: a
/// backoff of `backoff_first_v`, doubling up to `backoff_cap_v`, then growing by a tenth each
/// time (up to `backoff_max_v`), never shorter than a Retry-After the answer carried, and
/// never shrinking while the faults go on. Waits count from the end of the previous
/// exchange. In a run of faults the next request also never comes sooner after the last
/// exchange ended than the longest the previous interval can have been where the other side
/// saw it — from the start of the exchange before to the end of the last one — since the
/// judge measures request to request and the moment a request is seen within its exchange is
/// unknown (the initiator program's start-up time, the harness's own delays on a loaded
/// machine). That extra wait is at most `backoff_cap_v` more than the backoff — a long hang
/// or a very slow program is no reason to wait as long again and again — and never beyond
/// `backoff_max_v`.
#[derive(Debug)]
pub struct Pacer {
    settings: Settings,
    who: String,
    next_at: f64,
    /// Consecutive faults.
    streak: u32,
    /// Real seconds waited after the last fault.
    gap: f64,
    /// When the last exchange began, and the one before it.
    start: Option<f64>,
    prev_start: Option<f64>,
}

impl Pacer {
    /// A pacer for the order `who`; its first request may go at once.
    pub fn new(settings: Settings, who: &str) -> Self {
        Pacer { settings, who: who.to_owned(), next_at: 0.0, streak: 0, gap: 0.0, start: None, prev_start: None }
    }

    /// When the next request may go (the `now()` clock).
    pub fn next_at(&self) -> f64 {
        self.next_at
    }

    /// Sleeps until the next request may go. (The order's deadline is watched by its task.)
    pub async fn wait(&self) {
        sleep_until(self.next_at).await;
    }

    /// An exchange begins (a request is sent, the initiator program started).
    pub fn mark_start(&mut self) {
        self.prev_start = self.start.replace(now());
    }

    /// A good answer: the next request after the poll interval; the fault streak ends.
    pub fn ok(&mut self) {
        self.streak = 0;
        self.gap = 0.0;
        self.next_at = now() + self.settings.v2r(self.settings.poll_v);
    }

    /// A fault (`retry_after` in real seconds, if the answer carried one).
    pub fn fault(&mut self, retry_after: Option<f64>, why: &str) {
        let s = self.settings;
        self.streak += 1;
        let mut gap = if self.streak == 1 {
            s.v2r(s.backoff_first_v)
        } else if self.gap * 2.0 <= s.v2r(s.backoff_cap_v) {
            self.gap * 2.0
        } else {
            f64::max(s.v2r(s.backoff_cap_v), self.gap * 1.1)
        };
        // Never shrinking while the faults go on (RATE-NO-STORM), never longer than the max.
        gap = f64::max(f64::min(gap, s.v2r(s.backoff_max_v)), self.gap);
        if let Some(retry_after) = retry_after {
            gap = f64::max(gap, retry_after);
        }
        self.gap = gap;
        let t = now();
        let mut next_at = t + gap;
        if let (true, Some(prev)) = (self.streak >= 2, self.prev_start) {
            // RATE-NO-STORM: the previous interval, as the other side saw it, was at most
            // `t - prev` (the exchange before began at `prev`, the last one ended now); the
            // next one must not be shorter.
            let again = f64::min(t + (t - prev), next_at + s.v2r(s.backoff_cap_v));
            next_at = f64::max(next_at, f64::min(again, t + s.v2r(s.backoff_max_v)));
        }
        self.next_at = next_at;
        let why = if why.is_empty() { String::new() } else { format!(": {why}") };
        log(&self.who, &format!("fault #{}{why}; next try in {:.2}v", self.streak, (next_at - t) / s.scale));
    }
}
