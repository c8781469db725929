//! A scenario's `[[script.link]]` answers for deep links: the link is answered `CANCELLED` or
//! `ERROR` as scripted, and nothing runs on the terminal (the customer cancelled on the
//! device, the app was not logged in, …).

use super::answer::{Done, Outcome, Reason};
use super::params::{Action, Prepared};
use crate::record::scripted::{LinkOverride, LinkStatus};
use crate::surfaces::sim::Acting;
use crate::world::codes::CardOutcome;

/// The scripted answer for `prepared`, if the scenario replaces it.
pub(super) fn scripted(world: &mut Acting<'_>, prepared: &Prepared) -> Option<(Done, Option<String>)> {
    let request = prepared.request.as_ref().ok()?;
    // A payment link names its order by `originReferenceNum`; other links by what they do.
    let key = match &request.action {
        Action::Pay(payment) => payment.reference.clone().unwrap_or_default(),
        Action::Cancel(_) => "@void".to_owned(),
        Action::CloseBatch => "@close_batch".to_owned(),
        _ => return None,
    };
    let LinkOverride { status, error, code, .. } = world.link_override(&key)?;
    let done = match status {
        LinkStatus::Cancelled => Done {
            outcome: Outcome::Payment(CardOutcome::Cancelled),
            payload: None,
            message: None,
            notes: vec!["scripted answer: CANCELLED".to_owned()],
        },
        LinkStatus::Error => {
            let name = error.unwrap_or_else(|| "failed".to_owned());
            let reason = Reason::ALL.into_iter().find(|r| r.as_str() == name).unwrap_or(Reason::Failed);
            let mut done = Done::refused(reason, format!("the scenario answers ERROR {name} here"));
            done.notes.push(format!("scripted answer: ERROR {name}"));
            done
        }
    };
    Some((done, code))
}
