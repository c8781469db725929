//! The answer to a deep link: [`Outcome`] says what happened, [`verdict`] is the one table that
//! turns it into the redirect's `status`, `error` and `code` (\[ours\] where the vendor is silent),
//! and [`render`] writes the redirect URL and its JSON twin ([`Rendered`]).
//!
//! | what happened | `status` | `error` | `code` | payload |
//! |---|---|---|---|---|
//! | payment approved (sale, refund) | `COMPLETED` | | | `receipt` |
//! | card declined (test amount 1122) | `ERROR` | `failed` | `insufficientFunds` | `receipt` |
//! | terminal timed out (1123) | `ERROR` | `networkError` | | `receipt` |
//! | terminal exception (1124) | `ERROR` | `failed` | | `receipt` |
//! | cancelled on the device (card outcome `cancelled`) | `CANCELLED` | | | `receipt` |
//! | detail of a payment still waiting for its card | `ERROR` | `failed` | | `receipt` (`result` -9) |
//! | void approved (`transaction/cancel`) | `COMPLETED` | | | `receipt` of the void |
//! | void refused by the void rules | `ERROR` | `cannotBeVoided` | | |
//! | unknown `amsID` / `requestID` (detail, cancel, batch detail) | `ERROR` | `failed` | | |
//! | batch closed, batch found, app status | `COMPLETED` | | | `batch` / `appStatus` |
//! | a parameter refused | `ERROR` | the parameter's reason | | |
//!
//! `transaction/detail` answers a stored transaction with the row its outcome had when it was
//! made, so `status` never says `COMPLETED` for money that did not move.

use serde_json::{Map, Value, json};

use super::pct;
use crate::world::batch::{BatchResult, Totals, listed, tip_average, tip_average_percentage};
use crate::world::codes::{CardOutcome, EcrResult, TaskErrorCode, TransactionType};
use crate::world::money::{to_major_number, to_major_string};
use crate::world::transaction::Transaction;

/// The task status the redirect carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done as asked.
    Completed,
    /// Cancelled on the device.
    Cancelled,
    /// Refused or failed; `error` says why.
    Error,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "COMPLETED",
            Status::Cancelled => "CANCELLED",
            Status::Error => "ERROR",
        }
    }
}

/// The `error` reasons of the vendor's SDK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Anything without a finer reason.
    Failed,
    /// The terminal or the host did not answer in time.
    NetworkError,
    /// `clientID` is not the logged-in merchant's.
    InvalidClientId,
    /// The terminal has no merchant to check `clientID` against.
    MerchantInfoMissing,
    /// The batch could not be closed.
    FailedToCloseBatch,
    /// Unknown operation, or a payment method deep links do not offer.
    UnsupportedTransactionOperationOrType,
    /// `amount` or `tipAmount` is not a positive whole number of minor units within the limit.
    InvalidAmount,
    /// The void rules refuse the void.
    CannotBeVoided,
    /// No terminal is logged in to the app.
    UserNotLoggedIn,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 9] = [
        Reason::Failed,
        Reason::NetworkError,
        Reason::InvalidClientId,
        Reason::MerchantInfoMissing,
        Reason::FailedToCloseBatch,
        Reason::UnsupportedTransactionOperationOrType,
        Reason::InvalidAmount,
        Reason::CannotBeVoided,
        Reason::UserNotLoggedIn,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Failed => "failed",
            Reason::NetworkError => "networkError",
            Reason::InvalidClientId => "invalidClientId",
            Reason::MerchantInfoMissing => "merchantInfoMissing",
            Reason::FailedToCloseBatch => "failedToCloseBatch",
            Reason::UnsupportedTransactionOperationOrType => "unsupportedTransactionOperationOrType",
            Reason::InvalidAmount => "invalidAmount",
            Reason::CannotBeVoided => "cannotBeVoided",
            Reason::UserNotLoggedIn => "userNotLoggedIn",
        }
    }
}

/// What a deep link came to, before it is written as the redirect's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A sale or refund was settled with this card outcome (non-card methods: approved).
    Payment(CardOutcome),
    /// A payment still waits for its card (a Cloud API sale on an assisted terminal).
    PaymentPending,
    /// The void was approved.
    VoidApproved,
    /// The void rules refused the void.
    VoidRefused,
    /// No transaction or batch has the id.
    NotFound,
    /// The batch was closed or found, or the app status read.
    Done,
    /// A parameter or the terminal refused the link before anything ran.
    Refused(Reason),
}

impl Outcome {
    /// The outcome a stored transaction had when it was made.
    pub fn of_transaction(tx: &Transaction) -> Outcome {
        match (tx.kind, tx.result) {
            (TransactionType::Void, EcrResult::SUCCESS) => Outcome::VoidApproved,
            (TransactionType::Void, _) => Outcome::VoidRefused,
            (_, EcrResult::SUCCESS) => Outcome::Payment(CardOutcome::Approved),
            (_, EcrResult::USER_INPUT_NEEDED) => Outcome::PaymentPending,
            _ => Outcome::Payment(match tx.error {
                Some(TaskErrorCode::PAYMENT_DECLINED) => CardOutcome::Declined,
                Some(TaskErrorCode::TRANSACTION_TIMEOUT) => CardOutcome::Timeout,
                Some(TaskErrorCode::CANCELLED_ON_DEVICE) => CardOutcome::Cancelled,
                _ => CardOutcome::Exception,
            }),
        }
    }
}

/// The redirect's verdict fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `status`.
    pub status: Status,
    /// `error`, with `status=ERROR`.
    pub error: Option<Reason>,
    /// `code`: the refusal category of a declined card.
    pub code: Option<&'static str>,
}

/// The outcome table of the module docs: the one place outcomes become `status`, `error` and
/// `code`.
pub fn verdict(outcome: Outcome) -> Verdict {
    let (status, error, code) = match outcome {
        Outcome::Payment(CardOutcome::Approved) | Outcome::VoidApproved | Outcome::Done => {
            (Status::Completed, None, None)
        }
        Outcome::Payment(CardOutcome::Declined) => (Status::Error, Some(Reason::Failed), Some("insufficientFunds")),
        Outcome::Payment(CardOutcome::Timeout) => (Status::Error, Some(Reason::NetworkError), None),
        Outcome::Payment(CardOutcome::Exception) | Outcome::PaymentPending | Outcome::NotFound => {
            (Status::Error, Some(Reason::Failed), None)
        }
        Outcome::Payment(CardOutcome::Cancelled) => (Status::Cancelled, None, None),
        Outcome::VoidRefused => (Status::Error, Some(Reason::CannotBeVoided), None),
        Outcome::Refused(reason) => (Status::Error, Some(reason), None),
    };
    Verdict { status, error, code }
}

/// The terminal logged in to the GP tom app, as `gptom://status` reports it. \[ours\]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppStatus {
    /// Its TID.
    pub terminal_id: String,
    /// Its merchant.
    pub merchant_id: String,
    /// Its currency.
    pub currency: String,
    /// The number of its open batch.
    pub open_batch_number: u32,
}

/// The data an answer carries, snapshotted from the World.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A transaction, with the `requestID` the link named.
    Receipt(Box<Transaction>, Option<String>),
    /// A closed batch.
    Batch(Box<BatchResult>),
    /// The app's status: the terminal logged in, if one is.
    AppStatus(Option<AppStatus>),
}

/// What running a link on the World came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// What happened.
    pub outcome: Outcome,
    /// The data to answer with.
    pub payload: Option<Payload>,
    /// Why, for people, when the answer is `ERROR`.
    pub message: Option<String>,
    /// Notes for the journal.
    pub notes: Vec<String>,
}

impl Done {
    /// An answer refused with `reason` before anything ran.
    pub fn refused(reason: Reason, message: impl Into<String>) -> Done {
        Done { outcome: Outcome::Refused(reason), payload: None, message: Some(message.into()), notes: Vec::new() }
    }
}

/// A deep link's answer, written out.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The verdict.
    pub verdict: Verdict,
    /// The redirect URL, when the link named a `redirectUrl`.
    pub redirect: Option<String>,
    /// `{"redirect"?, "status", "batch"|"receipt"|"appStatus"?, "error"?, "code"?, "message"?}`.
    pub json: Value,
    /// Notes for the journal.
    pub notes: Vec<String>,
}

impl Rendered {
    /// Adds a refusal category (`code`) to the answer, in the JSON and the redirect.
    pub fn set_code(&mut self, code: &str) {
        self.add_field("code", code);
    }

    /// Adds a text field to the answer, in the JSON and at the end of the redirect's query
    /// (before any fragment).
    pub fn add_field(&mut self, name: &str, value: &str) {
        if let Some(obj) = self.json.as_object_mut() {
            obj.insert(name.to_owned(), Value::String(value.to_owned()));
        }
        if let Some(url) = self.redirect.as_mut() {
            let (head, fragment) = url.split_once('#').map_or((url.as_str(), None), |(h, f)| (h, Some(f)));
            let mut next = format!("{head}&{name}={}", super::pct::encode(value));
            if let Some(f) = fragment {
                next.push('#');
                next.push_str(f);
            }
            *url = next;
        }
        if let (Some(url), Some(obj)) = (&self.redirect, self.json.as_object_mut()) {
            obj.insert("redirect".to_owned(), Value::String(url.clone()));
        }
    }

    /// What `payterm link` prints: the redirect URL, or the JSON answer without one.
    pub fn printable(&self) -> String {
        self.redirect.clone().unwrap_or_else(|| self.json.to_string())
    }
}

/// Writes `done` as the redirect to `redirect` (if any) and as JSON.
pub fn render(redirect: Option<&str>, done: Done) -> Rendered {
    let verdict = verdict(done.outcome);
    let payload = done.payload.as_ref().map(payload_json);
    let mut fields: Vec<(&str, Value)> = vec![("status", Value::from(verdict.status.as_str()))];
    fields.extend(payload);
    fields.extend(verdict.error.map(|e| ("error", Value::from(e.as_str()))));
    fields.extend(verdict.code.map(|c| ("code", Value::from(c))));
    let redirect = redirect.map(|base| redirect_url(base, &fields));
    let mut json = Map::new();
    if let Some(url) = &redirect {
        json.insert("redirect".to_owned(), Value::from(url.as_str()));
    }
    json.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let mut notes = done.notes;
    if let (Some(message), Some(error)) = (&done.message, verdict.error) {
        json.insert("message".to_owned(), Value::from(message.as_str()));
        notes.push(format!("answered ERROR {}: {message}", error.as_str()));
    }
    Rendered { verdict, redirect, json: Value::Object(json), notes }
}

/// `base` with the fields added to its query (before any fragment), every value compact and
/// percent-encoded.
fn redirect_url(base: &str, fields: &[(&str, Value)]) -> String {
    let clean = pct::clean_url(base);
    let (head, fragment) = clean.split_once('#').map_or((clean.as_str(), None), |(h, f)| (h, Some(f)));
    let mut url = head.to_owned();
    if !head.contains('?') {
        url.push('?');
    } else if !(head.ends_with('?') || head.ends_with('&')) {
        url.push('&');
    }
    let query: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{k}={}", pct::encode(&text))
        })
        .collect();
    url.push_str(&query.join("&"));
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

fn payload_json(payload: &Payload) -> (&'static str, Value) {
    match payload {
        Payload::Receipt(tx, request_id) => ("receipt", receipt_json(tx, request_id.as_deref())),
        Payload::Batch(batch) => ("batch", batch_json(batch)),
        Payload::AppStatus(status) => ("appStatus", app_status_json(status.as_ref())),
    }
}

fn receipt_json(tx: &Transaction, request_id: Option<&str>) -> Value {
    let exponent = tx.currency.exponent();
    let money = |minor: u64| to_major_string(i64::try_from(minor).unwrap_or(i64::MAX), exponent);
    let card = tx.card.as_ref();
    let last4 = card.map(|c| {
        let n = c.masked_number.chars().count();
        c.masked_number.chars().skip(n.saturating_sub(4)).collect::<String>()
    });
    let mut receipt = json!({
        "result": tx.result.0,
        "amsID": tx.ams_id.as_str(),
        "transactionID": tx.reference_number,
        "amount": money(tx.amount),
        "tipAmount": money(tx.tip_amount),
        "totalAmount": money(tx.total_amount()),
        "authorizationCode": tx.approval_code,
        "batchNumber": tx.batch_number,
        "sequenceNumber": tx.receipt_number,
        "terminalID": tx.tid.as_str(),
        "cardNumber": last4,
        "cardType": card.map(|c| c.card_type),
        "currencyCode": tx.currency.code(),
        "pinOk": card.map(|c| c.pin_ok),
        "cardEntryMode": card.map(|c| c.entry_mode),
        "date": tx.date.to_rfc3339(),
    });
    if let (Some(id), Value::Object(map)) = (request_id, &mut receipt) {
        map.insert("requestID".to_owned(), Value::from(id));
    }
    receipt
}

fn totals_json(into: &mut Map<String, Value>, t: &Totals, exponent: u8) {
    let n = |minor: i64| Value::Number(to_major_number(minor, exponent));
    into.insert("saleCount".to_owned(), t.sale_count.into());
    into.insert("saleAmount".to_owned(), n(t.sale_amount));
    into.insert("voidCount".to_owned(), t.void_count.into());
    into.insert("voidAmount".to_owned(), n(t.void_amount));
    into.insert("totalCount".to_owned(), t.total_count().into());
    into.insert("totalAmount".to_owned(), n(t.total_amount()));
}

fn batch_json(b: &BatchResult) -> Value {
    let exponent = b.currency.exponent();
    let mut m = Map::new();
    m.insert("amsId".to_owned(), b.ams_id.as_str().into());
    m.insert("batchNumber".to_owned(), b.batch_number.into());
    m.insert("communicationId".to_owned(), b.communication_id.as_str().into());
    m.insert("currency".to_owned(), b.currency.code().into());
    m.insert("date".to_owned(), b.date.to_rfc3339().into());
    m.insert("previousBatchDate".to_owned(), b.previous_batch_date.map(|d| d.to_rfc3339()).into());
    m.insert("firstTransactionDate".to_owned(), b.first_transaction_date.map(|d| d.to_rfc3339()).into());
    totals_json(&mut m, &b.overall, exponent);
    m.insert("invalidCount".to_owned(), b.invalid_count.into());
    m.insert("tipCount".to_owned(), b.tip_count.into());
    m.insert("tipAmount".to_owned(), Value::Number(to_major_number(b.tip_amount, exponent)));
    let average = tip_average(b.tip_amount, b.tip_count);
    m.insert("tipAverage".to_owned(), Value::Number(to_major_number(average, exponent)));
    m.insert("tipAveragePercentage".to_owned(), tip_average_percentage(b.tip_amount, b.tip_base).into());
    let subs = listed(&b.per_method).into_iter().map(|(method, t)| {
        let mut sub = Map::new();
        sub.insert("closeBatchNumber".to_owned(), b.batch_number.into());
        totals_json(&mut sub, &t, exponent);
        (method.as_str().to_owned(), Value::Object(sub))
    });
    m.insert("subBatches".to_owned(), Value::Object(subs.collect()));
    Value::Object(m)
}

fn app_status_json(status: Option<&AppStatus>) -> Value {
    let version = format!("payterm-{}", env!("CARGO_PKG_VERSION"));
    match status {
        Some(s) => json!({
            "status": "READY", "loggedIn": true, "terminalID": s.terminal_id, "merchantID": s.merchant_id,
            "currency": s.currency, "openBatchNumber": s.open_batch_number, "version": version,
        }),
        None => json!({"status": "LOGGED_OUT", "loggedIn": false, "version": version}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::approved(Outcome::Payment(CardOutcome::Approved), "COMPLETED", None, None)]
    #[case::declined(Outcome::Payment(CardOutcome::Declined), "ERROR", Some("failed"), Some("insufficientFunds"))]
    #[case::timeout(Outcome::Payment(CardOutcome::Timeout), "ERROR", Some("networkError"), None)]
    #[case::exception(Outcome::Payment(CardOutcome::Exception), "ERROR", Some("failed"), None)]
    #[case::cancelled_on_device(Outcome::Payment(CardOutcome::Cancelled), "CANCELLED", None, None)]
    #[case::void_refused(Outcome::VoidRefused, "ERROR", Some("cannotBeVoided"), None)]
    #[case::not_found(Outcome::NotFound, "ERROR", Some("failed"), None)]
    #[case::refused(Outcome::Refused(Reason::InvalidAmount), "ERROR", Some("invalidAmount"), None)]
    fn outcomes_map_to_the_table(
        #[case] outcome: Outcome,
        #[case] status: &str,
        #[case] error: Option<&str>,
        #[case] code: Option<&str>,
    ) {
        let v = verdict(outcome);
        assert_eq!((v.status.as_str(), v.error.map(Reason::as_str), v.code), (status, error, code));
    }

    #[rstest]
    #[case::no_query("fb://Success", "fb://Success?status=COMPLETED")]
    #[case::with_query("fb://x?a=1", "fb://x?a=1&status=COMPLETED")]
    #[case::ending_in_question_mark("fb://x?", "fb://x?status=COMPLETED")]
    #[case::ending_in_ampersand("fb://x?a=1&", "fb://x?a=1&status=COMPLETED")]
    #[case::fragment_stays_last("fb://x#top", "fb://x?status=COMPLETED#top")]
    fn fields_join_the_redirects_query(#[case] base: &str, #[case] url: &str) {
        assert_eq!(redirect_url(base, &[("status", Value::from("COMPLETED"))]), url);
    }

    #[test]
    fn json_fields_are_compact_and_percent_encoded() {
        let url = redirect_url("fb://x", &[("receipt", json!({"amount": "4.35", "a b": 1}))]);
        assert_eq!(url, "fb://x?receipt=%7B%22amount%22%3A%224.35%22%2C%22a%20b%22%3A1%7D");
    }
}
