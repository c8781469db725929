//! CLOUD-TOKEN-REUSE: one password login per terminal (or master account), reused across
//! calls; an expired token is refreshed with the refresh grant, not replaced by a new login.

use std::collections::BTreeMap;

use super::facts::{Call, Facts, Grant, Req};
use super::verdict::Verdict;

const RULE: &str = "CLOUD-TOKEN-REUSE";

/// Whether `r` is a Cloud API call made with a token.
fn authorized(r: &Req) -> bool {
    matches!(
        r.call,
        Call::Create { .. }
            | Call::Poll { .. }
            | Call::List { .. }
            | Call::Withdraw { .. }
            | Call::Transaction { .. }
            | Call::Batch { .. }
    )
}

/// CLOUD-TOKEN-REUSE, scenario-wide.
pub(super) fn token_reuse(f: &Facts) -> Vec<Verdict> {
    let expected = "one password login per terminal reused across calls; on 401 TOKEN_EXPIRED, the refresh grant";
    let calls = f.reqs.iter().filter(|r| authorized(r)).count();
    if calls < 2 {
        return vec![Verdict::not_exercised(RULE, None, expected, "fewer than two Cloud API calls were made")];
    }
    let expired = f.reqs.iter().filter(|r| r.status == 401 && r.response["error"]["code"] == "TOKEN_EXPIRED").count();
    // Logins that gave the client a token, per terminal named (None: the master account): a
    // login whose answer was lost (reset, cut, garbled) gave it nothing to reuse.
    let mut logins: BTreeMap<Option<String>, Vec<&Req>> = BTreeMap::new();
    for r in f.reqs.iter().filter(|r| r.status == 200 && r.delivered()) {
        if let Call::Token(Grant::Password { tid }) = &r.call {
            logins.entry(tid.clone()).or_default().push(r);
        }
    }
    let refused_refresh = |from: &Req, to: &Req| {
        f.reqs.iter().any(|q| {
            matches!(q.call, Call::Token(Grant::Refresh))
                && matches!(q.status, 400 | 401)
                && q.answered() >= from.answered()
                && q.answered() <= to.arrived()
        })
    };
    let mut extra = Vec::new();
    for list in logins.values() {
        for pair in list.windows(2) {
            let (first, again) = (pair[0], pair[1]);
            // A login sent while the first was still on its way is a race, not a replacement;
            // one after a refused refresh is the fix.
            if again.arrived() < first.answered() || refused_refresh(first, again) {
                continue;
            }
            extra.push(again.line.clone());
        }
    }
    if extra.is_empty() {
        return vec![Verdict::pass(
            RULE,
            None,
            expected,
            format!("one login per terminal for {calls} calls ({expired} expired-token answers)"),
        )];
    }
    vec![Verdict::fail(
        RULE,
        None,
        expected,
        format!("logged in again {} time(s) for {calls} calls ({expired} expired-token answers)", extra.len()),
        extra.into_iter().take(4),
    )]
}
