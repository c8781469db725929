//! [`FaultPlan`]: which request each scripted fault strikes. Faults count the requests that
//! match them; the first fault whose window covers the count strikes.

pub(crate) use crate::record::scripted::Strike;
use crate::scenario::model::HttpFault;

/// The scripted request faults and how many requests each has seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct FaultPlan {
    faults: Vec<(HttpFault, u32)>,
}

impl FaultPlan {
    /// A plan for `faults`.
    pub(crate) fn new(faults: &[HttpFault]) -> Self {
        FaultPlan { faults: faults.iter().cloned().map(|f| (f, 0)).collect() }
    }

    /// Counts a request and says whether a fault strikes it. Every matching fault counts the
    /// request, so windows of different faults on one path stay independent.
    pub(crate) fn decide(&mut self, method: &str, path: &str) -> Option<Strike> {
        let mut strike = None;
        for (index, (fault, seen)) in self.faults.iter_mut().enumerate() {
            if !fault.matcher.matches(method, path) {
                continue;
            }
            *seen += 1;
            let n = *seen;
            let in_window = n >= fault.from && fault.times.is_none_or(|t| n < fault.from.saturating_add(t));
            if in_window && strike.is_none() {
                strike = Some(Strike { kind: fault.kind.clone(), when: fault.when, index });
            }
        }
        strike
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::scripted::{FaultKind, When};
    use crate::scenario::model::RequestMatcher;

    fn fault(pattern: &str, from: u32, times: Option<u32>, kind: FaultKind) -> HttpFault {
        let (method, path) = pattern.split_once(' ').unwrap();
        HttpFault {
            matcher: RequestMatcher {
                method: method.into(),
                segments: path.split('/').filter(|s| !s.is_empty()).map(String::from).collect(),
            },
            from,
            times,
            kind,
            when: When::BeforeActing,
        }
    }

    #[test]
    fn a_fault_strikes_its_window_of_matching_requests_only() {
        let mut plan = FaultPlan::new(&[fault("GET /v1/tasks/*", 2, Some(2), FaultKind::Reset)]);
        let struck: Vec<bool> = (0..5).map(|_| plan.decide("GET", "/v1/tasks/abc").is_some()).collect();
        assert_eq!(struck, [false, true, true, false, false]);
        assert!(plan.decide("POST", "/v1/tasks/TRANSACTION").is_none());
    }

    #[test]
    fn times_zero_strikes_every_request_from_the_first() {
        let mut plan = FaultPlan::new(&[fault("POST /hype/v1/status", 1, None, FaultKind::Hang)]);
        assert!((0..10).all(|_| plan.decide("POST", "/hype/v1/status").is_some()));
    }

    #[test]
    fn the_first_fault_in_file_order_wins_and_both_count() {
        let mut plan = FaultPlan::new(&[
            fault("GET /v1/tasks/*", 1, Some(1), FaultKind::Reset),
            fault("GET /v1/tasks/*", 1, Some(2), FaultKind::Truncate),
        ]);
        assert_eq!(plan.decide("GET", "/v1/tasks/a").map(|s| s.kind), Some(FaultKind::Reset));
        assert_eq!(plan.decide("GET", "/v1/tasks/a").map(|s| s.kind), Some(FaultKind::Truncate));
        assert_eq!(plan.decide("GET", "/v1/tasks/a"), None);
    }
}
