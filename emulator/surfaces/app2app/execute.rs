//! Runs a prepared deep link on the terminal the app is logged in to, as the GP tom app in the
//! foreground does ([`execute`]), and [`answer_link`], the whole path from link text to
//! [`Rendered`] answer that the HTTP endpoint and `payterm link` share.

use super::answer::{AppStatus, Done, Outcome, Payload, Reason, Rendered, render};
use super::handover;
use super::link::{LinkError, shown};
use super::params::{Action, Lookup, Payment, Prepared, Request, prepare};
use crate::world::CreateRefusal;
use crate::world::World;
use crate::world::codes::CardOutcome;
use crate::world::ids::{AmsId, Tid};
use crate::world::ledger::Surface;
use crate::world::money::Currency;
use crate::world::task::SaleRequest;
use crate::world::transaction::Transaction;
use crate::world::void_rules::VoidRefusal;

/// Parses, runs and renders `text` on `world`; a receipt GP tom hands over takes the
/// customer's choice of time on the World's clock first.
pub fn answer_link(world: &mut World, text: &str) -> Result<Rendered, LinkError> {
    let prepared = prepare(text)?;
    let done = execute(world, &prepared);
    let handover = handover::of(&prepared, &done);
    if let Some(h) = &handover {
        if h.waits() {
            let due = world.now() + world.profile().receipt_choice;
            world.advance_to(due);
        }
        h.record(world);
    }
    let mut rendered = finish(prepared, done);
    if let Some(h) = handover {
        h.annotate(&mut rendered);
    }
    Ok(rendered)
}

/// Writes the answer of `prepared` that came to `done`; needs no World.
pub fn finish(prepared: Prepared, done: Done) -> Rendered {
    let mut rendered = render(prepared.redirect.as_deref(), done);
    let mut notes = prepared.notes;
    notes.append(&mut rendered.notes);
    rendered.notes = notes;
    rendered
}

/// The terminal the app is logged in to ([`World::app_terminal`]).
struct Terminal {
    tid: Tid,
    merchant_id: String,
    currency: Currency,
    open_batch: u32,
}

/// Runs `prepared` on `world`, snapshotting what the answer needs.
pub fn execute(world: &mut World, prepared: &Prepared) -> Done {
    let request = match &prepared.request {
        Ok(request) => request,
        Err(refusal) => return Done::refused(refusal.reason, refusal.message.clone()),
    };
    let terminal = world.app_terminal().map(|t| Terminal {
        tid: t.tid.clone(),
        merchant_id: t.merchant_id.clone(),
        currency: t.currency,
        open_batch: t.batch.number,
    });
    if request.action == Action::Status {
        let status = terminal.map(|t| AppStatus {
            terminal_id: t.tid.0,
            merchant_id: t.merchant_id,
            currency: t.currency.code().to_owned(),
            open_batch_number: t.open_batch,
        });
        return done(Outcome::Done, Some(Payload::AppStatus(status)), None);
    }
    let Some(terminal) = terminal else {
        return Done::refused(
            Reason::UserNotLoggedIn,
            "no terminal is logged in to the app (hint: add one through the control API, POST /terminals)",
        );
    };
    if let Some(client) = &request.client_id {
        if terminal.merchant_id.is_empty() {
            return Done::refused(Reason::MerchantInfoMissing, format!("terminal {} has no merchant", terminal.tid));
        }
        if *client != terminal.merchant_id {
            return Done::refused(
                Reason::InvalidClientId,
                format!("clientID `{}` is not the merchant of terminal {}", shown(client), terminal.tid),
            );
        }
    }
    match &request.action {
        Action::Pay(payment) => pay(world, &terminal, payment, request),
        Action::Cancel(origin) => cancel(world, &terminal.tid, origin, request),
        Action::Detail(lookup) => detail(world, &terminal.tid, lookup, request),
        Action::BatchDetail(ams_id) => match world.batch(ams_id).filter(|b| b.tid == terminal.tid) {
            Some(batch) => done(Outcome::Done, Some(Payload::Batch(Box::new(batch.clone()))), None),
            None => not_found("batch", ams_id.as_str(), &terminal.tid),
        },
        Action::CloseBatch => match world.close_batch_now(&terminal.tid) {
            Ok(id) => match world.batch(&id) {
                Some(batch) => done(Outcome::Done, Some(Payload::Batch(Box::new(batch.clone()))), None),
                None => Done::refused(Reason::FailedToCloseBatch, format!("batch {id} went missing")),
            },
            // Seed 000: closing checks the terminal and the host agree; the vendor's SDK names
            // the failure `failedToCloseBatch`.
            Err(e) => Done::refused(Reason::FailedToCloseBatch, e.to_string()),
        },
        // Answered above, before the terminal is required.
        Action::Status => done(Outcome::Done, None, None),
    }
}

fn done(outcome: Outcome, payload: Option<Payload>, message: Option<String>) -> Done {
    Done { outcome, payload, message, notes: Vec::new() }
}

fn receipt(tx: &Transaction, request: &Request) -> Option<Payload> {
    Some(Payload::Receipt(Box::new(tx.clone()), request.request_id.clone()))
}

fn not_found(what: &str, id: &str, tid: &Tid) -> Done {
    let message = format!("no {what} has id `{}` on terminal {tid}", shown(id));
    done(Outcome::NotFound, None, Some(message))
}

/// Why a stored transaction did not move money, for the answer's `message`.
fn unapproved(tx: &Transaction) -> Option<String> {
    (!tx.is_approved()).then(|| format!("the terminal answered {} (result {})", tx.response_message(), tx.result.0))
}

fn pay(world: &mut World, terminal: &Terminal, payment: &Payment, request: &Request) -> Done {
    let profile = world.profile();
    let (max_amount, max_reference) = (profile.max_amount, profile.max_reference_len);
    for (name, value) in [("amount", Some(payment.amount)), ("tipAmount", payment.tip_amount)] {
        if let Some(v) = value.filter(|v| *v > max_amount) {
            return Done::refused(
                Reason::InvalidAmount,
                format!("{name} {v} is over the terminal's limit of {max_amount} minor units"),
            );
        }
    }
    if payment.reference.as_ref().is_some_and(|r| r.chars().count() > max_reference) {
        return Done::refused(Reason::Failed, format!("originReferenceNum is longer than {max_reference} characters"));
    }
    let mut notes = Vec::new();
    if let Some(id) = request.request_id.as_deref()
        && let Some(previous) = world.transaction_by_request_id(id)
    {
        notes.push(format!(
            "requestID {} named transaction {} already; it now names the new one",
            shown(id),
            previous.ams_id
        ));
    }
    let sale = SaleRequest {
        amount: payment.amount,
        currency: terminal.currency,
        method: payment.method,
        tip_amount: payment.tip_amount,
        tip_collect: payment.tip_collect,
        reference: payment.reference.clone(),
        receipt: request.receipt.clone(),
    };
    let id = request.request_id.as_deref();
    let settled = if payment.refund {
        world.refund_now(&terminal.tid, &sale, id, Surface::App2app)
    } else {
        world.sale_now(&terminal.tid, &sale, id, Surface::App2app)
    };
    let settled = match settled {
        Ok(s) => s,
        Err(e) => return Done::refused(Reason::Failed, e.to_string()),
    };
    let Some(tx) = world.transaction(&settled.ams_id) else {
        return Done::refused(Reason::Failed, format!("transaction {} went missing", settled.ams_id));
    };
    let message = (settled.outcome != CardOutcome::Approved).then(|| unapproved(tx)).flatten();
    Done { outcome: Outcome::Payment(settled.outcome), payload: receipt(tx, request), message, notes }
}

fn cancel(world: &mut World, tid: &Tid, origin: &AmsId, request: &Request) -> Done {
    match world.void_now(tid, origin, request.request_id.as_deref(), Surface::App2app) {
        Ok(void) => match world.transaction(&void) {
            Some(tx) => done(Outcome::VoidApproved, receipt(tx, request), None),
            None => Done::refused(Reason::Failed, format!("void {void} went missing")),
        },
        Err(CreateRefusal::Void(VoidRefusal::UnknownSale)) => not_found("transaction", origin.as_str(), tid),
        Err(CreateRefusal::Void(refusal)) => done(Outcome::VoidRefused, None, Some(refusal.message())),
        Err(other) => Done::refused(Reason::Failed, other.to_string()),
    }
}

fn detail(world: &World, tid: &Tid, lookup: &Lookup, request: &Request) -> Done {
    let (found, id) = match lookup {
        Lookup::AmsId(ams_id) => (world.transaction(ams_id), ams_id.as_str()),
        Lookup::RequestId(id) => (world.transaction_by_request_id(id), id.as_str()),
    };
    match found.filter(|tx| &tx.tid == tid) {
        Some(tx) => done(Outcome::of_transaction(tx), receipt(tx, request), unapproved(tx)),
        None => not_found("transaction", id, tid),
    }
}
