//! Virtual time, the base every layer counts in: instants ([`VirtualTime`]), spans
//! ([`VirtualDuration`]), the [`Pace`] that converts spans between virtual and real time, and
//! the [`Clock`] that dates real instants (paused, paced or jumped by days); the World itself
//! knows only virtual time.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant in virtual time: milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VirtualTime(pub i64);

/// A span of virtual time in milliseconds (may be negative, e.g. a sale "94 days ago").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VirtualDuration(pub i64);

impl VirtualDuration {
    /// `n` milliseconds.
    pub const fn millis(n: i64) -> Self {
        VirtualDuration(n)
    }
    /// `n` seconds.
    pub const fn secs(n: i64) -> Self {
        VirtualDuration(n * 1000)
    }
    /// `n` hours.
    pub const fn hours(n: i64) -> Self {
        VirtualDuration(n * 3_600_000)
    }
    /// `n` days of 24 hours.
    pub const fn days(n: i64) -> Self {
        VirtualDuration(n * 86_400_000)
    }
    /// The span in milliseconds.
    pub const fn as_millis(self) -> i64 {
        self.0
    }
    /// The span in (fractional) seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

/// A duration text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{0}` (hint: a number and a unit, e.g. `500ms`, `20s`, `5m`, `2h`, `94d`, `-94d`)")]
pub struct InvalidDuration(pub String);

impl FromStr for VirtualDuration {
    type Err = InvalidDuration;

    /// Reads `500ms`, `20s`, `5m`, `2h`, `94d`, optionally signed, or several parts such as
    /// `1h30m`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || InvalidDuration(s.to_owned());
        let text = s.trim();
        let (sign, mut rest) = match text.strip_prefix('-') {
            Some(r) => (-1, r),
            None => (1, text.strip_prefix('+').unwrap_or(text)),
        };
        if rest.is_empty() {
            return Err(err());
        }
        let mut total: i64 = 0;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
            if digits == 0 {
                return Err(err());
            }
            let n: i64 = rest[..digits].parse().map_err(|_| err())?;
            rest = &rest[digits..];
            let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(err()),
            };
            rest = &rest[unit_len..];
            total = n.checked_mul(factor).and_then(|part| total.checked_add(part)).ok_or_else(err)?;
        }
        Ok(VirtualDuration(sign * total))
    }
}

impl fmt::Display for VirtualDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        match ms {
            _ if ms != 0 && ms % 86_400_000 == 0 => write!(f, "{}d", ms / 86_400_000),
            _ if ms != 0 && ms % 3_600_000 == 0 => write!(f, "{}h", ms / 3_600_000),
            _ if ms != 0 && ms % 60_000 == 0 => write!(f, "{}m", ms / 60_000),
            _ if ms % 1000 == 0 => write!(f, "{}s", ms / 1000),
            _ => write!(f, "{ms}ms"),
        }
    }
}

impl std::ops::Add<VirtualDuration> for VirtualTime {
    type Output = VirtualTime;
    fn add(self, d: VirtualDuration) -> VirtualTime {
        VirtualTime(self.0.saturating_add(d.0))
    }
}

impl std::ops::Add for VirtualDuration {
    type Output = VirtualDuration;
    fn add(self, other: VirtualDuration) -> VirtualDuration {
        VirtualDuration(self.0.saturating_add(other.0))
    }
}

impl std::ops::Sub for VirtualDuration {
    type Output = VirtualDuration;
    fn sub(self, other: VirtualDuration) -> VirtualDuration {
        VirtualDuration(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Sub<VirtualTime> for VirtualTime {
    type Output = VirtualDuration;
    fn sub(self, other: VirtualTime) -> VirtualDuration {
        VirtualDuration(self.0.saturating_sub(other.0))
    }
}

impl VirtualTime {
    /// 2026-01-01T00:00:00Z, where worlds that are not told otherwise start, so runs repeat.
    pub const DEFAULT_START: VirtualTime = VirtualTime(1_767_225_600_000);

    /// The instant as RFC 3339 text in UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        // Every answer carries timestamps: plain integer formatting is several times faster
        // than interpreting a format description.
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) if (0..=9999).contains(&t.year()) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.millisecond()
            ),
            _ => format!("@{}ms", self.0),
        }
    }

    /// Reads RFC 3339 text.
    pub fn parse_rfc3339(text: &str) -> Option<VirtualTime> {
        let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok().map(VirtualTime)
    }

    /// The wall-clock time now, for a server that should show today's dates.
    pub fn wall_clock_now() -> VirtualTime {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        VirtualTime(i64::try_from(nanos / 1_000_000).unwrap_or(Self::DEFAULT_START.0))
    }
}

impl serde::Serialize for VirtualTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl fmt::Display for VirtualTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// How fast virtual time runs: real seconds per virtual second (`0.01` makes a virtual second
/// last ten real milliseconds). Every conversion of a span between virtual and real time goes
/// through it, so they all round alike.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Pace(f64);

impl Pace {
    /// Virtual time runs as fast as real time.
    pub const REAL_TIME: Pace = Pace(1.0);
    /// The slowest and fastest paces kept: a scale outside them is taken as the nearest.
    const BOUNDS: (f64, f64) = (1e-9, 1e9);

    /// The pace of `real_per_virtual` real seconds per virtual second (kept within
    /// 1e-9..=1e9; anything not a number is real time).
    pub fn new(real_per_virtual: f64) -> Self {
        if real_per_virtual.is_nan() {
            return Pace::REAL_TIME;
        }
        Pace(real_per_virtual.clamp(Self::BOUNDS.0, Self::BOUNDS.1))
    }

    /// Real seconds per virtual second.
    pub fn real_per_virtual(self) -> f64 {
        self.0
    }

    /// The real time `d` of virtual time takes (none for a negative span).
    pub fn real(self, d: VirtualDuration) -> Duration {
        Duration::from_secs_f64((d.as_secs_f64() * self.0).max(0.0))
    }

    /// The virtual time `real` takes.
    pub fn virtual_of(self, real: Duration) -> VirtualDuration {
        self.virtual_of_millis(real.as_secs_f64() * 1000.0)
    }

    /// The virtual time `ms` real milliseconds take, truncated to whole virtual milliseconds.
    pub fn virtual_of_millis(self, ms: f64) -> VirtualDuration {
        VirtualDuration((ms / self.0) as i64)
    }
}

/// Maps real instants to virtual time.
///
/// Virtual time advances at `1 / time_scale` virtual seconds per real second while running
/// (a time scale of `0.01` makes one virtual second last ten real milliseconds), does not
/// advance while paused, and jumps forward on [`Clock::advance`].
#[derive(Debug, Clone)]
pub struct Clock {
    anchor_real: Instant,
    anchor_virtual: VirtualTime,
    pace: Pace,
    paused: bool,
}

impl Clock {
    /// A running clock that starts at `start` now, at `pace`.
    pub fn running(start: VirtualTime, pace: Pace) -> Self {
        Clock { anchor_real: Instant::now(), anchor_virtual: start, pace, paused: false }
    }

    /// A paused clock at `start`: it moves only through [`Clock::advance`].
    pub fn paused(start: VirtualTime) -> Self {
        Clock { anchor_real: Instant::now(), anchor_virtual: start, pace: Pace::REAL_TIME, paused: true }
    }

    /// Virtual time now.
    pub fn now(&self) -> VirtualTime {
        self.at(Instant::now())
    }

    /// Virtual time at the real instant `real`.
    pub fn at(&self, real: Instant) -> VirtualTime {
        if self.paused {
            return self.anchor_virtual;
        }
        self.anchor_virtual + self.pace.virtual_of(real.saturating_duration_since(self.anchor_real))
    }

    /// Jumps virtual time forward by `by` (negative spans are ignored: time never runs back).
    pub fn advance(&mut self, by: VirtualDuration) {
        let now = Instant::now();
        self.anchor_virtual = self.at(now) + VirtualDuration(by.0.max(0));
        self.anchor_real = now;
    }

    /// Stops virtual time where it is.
    pub fn pause(&mut self) {
        let now = Instant::now();
        self.anchor_virtual = self.at(now);
        self.anchor_real = now;
        self.paused = true;
    }

    /// Lets virtual time run again from where it stands.
    pub fn resume(&mut self) {
        self.anchor_real = Instant::now();
        self.paused = false;
    }

    /// Lets a paused clock run again as if it had started at the real instant `real` (not later
    /// than now): what happened since then is dated from there, not from when this is called.
    pub fn resume_at(&mut self, real: Instant) {
        if self.paused {
            self.anchor_real = real.min(Instant::now());
            self.paused = false;
        }
    }

    /// Whether the clock is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// How fast the clock runs while it runs.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// The real instant virtual time `at` comes, on a running clock (now, if it has passed);
    /// `None` on a paused one, where only a jump brings it.
    pub fn instant_of(&self, at: VirtualTime) -> Option<Instant> {
        if self.paused {
            return None;
        }
        Some(self.anchor_real + self.pace.real(at - self.anchor_virtual))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::millis("500ms", 500)]
    #[case::seconds("20s", 20_000)]
    #[case::minutes("5m", 300_000)]
    #[case::hours("2h", 7_200_000)]
    #[case::days("94d", 8_121_600_000)]
    #[case::negative_days("-94d", -8_121_600_000)]
    #[case::compound("1h30m", 5_400_000)]
    fn durations_parse(#[case] text: &str, #[case] ms: i64) {
        assert_eq!(text.parse::<VirtualDuration>(), Ok(VirtualDuration(ms)));
    }

    #[rstest]
    #[case::empty("")]
    #[case::no_unit("20")]
    #[case::bad_unit("20x")]
    #[case::no_number("s")]
    #[case::overflow("99999999999999999999d")]
    fn bad_durations_are_refused(#[case] text: &str) {
        assert!(text.parse::<VirtualDuration>().is_err());
    }

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(VirtualDuration::days(94).to_string(), "94d");
        assert_eq!(VirtualDuration::secs(90).to_string(), "90s");
        assert_eq!(VirtualDuration::millis(1500).to_string(), "1500ms");
    }

    #[test]
    fn a_paused_clock_moves_only_when_advanced() {
        let mut clock = Clock::paused(VirtualTime::DEFAULT_START);
        assert_eq!(clock.now(), VirtualTime::DEFAULT_START);
        clock.advance(VirtualDuration::days(94));
        assert_eq!(clock.now() - VirtualTime::DEFAULT_START, VirtualDuration::days(94));
    }

    #[test]
    fn a_scaled_clock_runs_faster_than_real_time() {
        let clock = Clock::running(VirtualTime::DEFAULT_START, Pace::new(0.01));
        let later = clock.anchor_real + Duration::from_millis(10);
        assert_eq!(clock.at(later) - VirtualTime::DEFAULT_START, VirtualDuration::secs(1));
    }

    #[test]
    fn a_pace_converts_both_ways_and_a_negative_span_takes_no_real_time() {
        let pace = Pace::new(0.01);
        assert_eq!(pace.real(VirtualDuration::secs(1)), Duration::from_millis(10));
        assert_eq!(pace.virtual_of(Duration::from_millis(10)), VirtualDuration::secs(1));
        assert_eq!(pace.virtual_of_millis(5.0), VirtualDuration::millis(500));
        assert_eq!(pace.real(VirtualDuration::secs(-5)), Duration::ZERO);
        assert_eq!(Pace::new(0.0).real_per_virtual(), 1e-9, "a zero scale is the fastest kept");
        assert_eq!(Pace::new(f64::NAN), Pace::REAL_TIME);
    }

    #[test]
    fn timestamps_have_fixed_width_milliseconds() {
        assert_eq!(
            (VirtualTime::DEFAULT_START + VirtualDuration::millis(4_259)).to_rfc3339(),
            "2026-01-01T00:00:04.259Z"
        );
        assert_eq!((VirtualTime::DEFAULT_START + VirtualDuration::days(94)).to_rfc3339(), "2026-04-05T00:00:00.000Z");
        assert_eq!(VirtualTime(-1).to_rfc3339(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn rfc3339_round_trips() {
        let t = VirtualTime::DEFAULT_START;
        assert_eq!(t.to_rfc3339(), "2026-01-01T00:00:00.000Z");
        assert_eq!(VirtualTime::parse_rfc3339(&t.to_rfc3339()), Some(t));
    }

    /// Issue 20 (a stress run): a clock held for the integration's start is started as of the
    /// first request's arrival, not when someone got round to it: what came since is dated
    /// from there, never by the paused clock.
    #[test]
    fn a_clock_resumed_at_a_past_instant_counts_from_it() {
        let start = VirtualTime(1_000_000);
        let mut clock = Clock::running(start, Pace::new(0.01));
        clock.pause();
        let paused_at = clock.now();
        let arrived = Instant::now().checked_sub(Duration::from_millis(50)).expect("a monotonic clock this old");
        clock.resume_at(arrived);
        let ran = clock.now() - paused_at;
        assert!(ran >= VirtualDuration::secs(5), "50 real ms at 0.01 are 5 virtual s: {ran}");
        clock.resume_at(Instant::now());
        assert!(clock.now() - paused_at >= VirtualDuration::secs(5), "a running clock is not resumed again");
    }
}
