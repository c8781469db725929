//! The Cloud API's JSON bodies, as the spec names them. The same types serve requests,
//! answers and the OpenAPI document, so the document cannot drift from the server.

use std::collections::BTreeMap;

use serde::de::{self, Unexpected};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::world::batch::{BatchResult, OpenBatch, Totals, listed, tip_average, tip_average_percentage};
use crate::world::codes::{PaymentMethod, TransactionType};
use crate::world::money::Currency;
use crate::world::task::{CancelledBy, ClientInfo, ReceiptType, Task, TaskRequest, TaskState, TaskType};
use crate::world::transaction::Transaction;

/// The transaction types a Cloud API task may ask for (deep links also know refunds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CloudTransactionType {
    /// Charge the customer.
    Sale,
    /// Void an earlier sale.
    Void,
}

/// `POST /v1/tasks/TRANSACTION`: a sale or a void. Also echoed in task answers.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCloudTaskTransactionApiRequest {
    /// `SALE` or `VOID`. Mandatory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<CloudTransactionType>,
    /// Minor units (1000 = 10.00); mandatory for SALE, > 0.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "minor_units")]
    pub amount: Option<u64>,
    /// ISO 4217 letters; mandatory; must be the terminal's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Mandatory for SALE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    /// The sale's `amsId`; mandatory for VOID.
    #[serde(rename = "originTransactionID", skip_serializing_if = "Option::is_none")]
    pub origin_transaction_id: Option<String>,
    /// Up to 20 ASCII letters, digits and spaces, e.g. "Invoice 37364FD".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_reference_num: Option<String>,
    /// A tip in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "minor_units")]
    pub tip_amount: Option<u64>,
    /// Ask the customer for a tip on the device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_collect: Option<bool>,
    /// Whether the payment app hands over the receipt; default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub print_by_payment_app: Option<bool>,
    /// `SMS`, `EMAIL`, `QR` or `PRINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferable_receipt_type: Option<ReceiptType>,
    /// The customer's contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<ClientInfo>,
    /// The destination terminal; master-account tokens only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
}

/// An amount in minor units: a JSON integer literal. `1e3` and `1000.0` are refused though
/// their value is whole: an integration that sends them computes money in floating point,
/// and a stricter host (or the next amount, `1000.1`) would refuse it. `null` is no amount.
fn minor_units<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let expected = &"an integer literal: a whole, non-negative number of minor units (1000 = 10.00), not 1000.0 or 1e3";
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else { return Ok(None) };
    // Without serde_json's arbitrary precision, only an integer literal reads as u64 or i64.
    if let Some(n) = number.as_u64() {
        return Ok(Some(n));
    }
    if let Some(n) = number.as_i64() {
        return Err(de::Error::invalid_value(Unexpected::Signed(n), expected));
    }
    Err(de::Error::invalid_value(Unexpected::Float(number.as_f64().unwrap_or(f64::NAN)), expected))
}

/// `POST /v1/tasks/BATCH`: close the open batch. Every field is optional; an empty body is fine.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCloudTaskBatchApiRequest {
    /// A reference of the integrator's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_reference_num: Option<String>,
    /// Whether the payment app prints the batch report; default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub print_by_payment_app: Option<bool>,
    /// The destination terminal; master-account tokens only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
}

/// Why a task failed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskErrorBody {
    /// The numbered code, e.g. 65.
    pub code: u16,
    /// The code's name, e.g. `TRANSACTION_TIMEOUT`.
    pub message: String,
    /// A sentence for people.
    pub description: String,
}

/// A task: `CloudTaskDetailApiResponse`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloudTaskDetailApiResponse {
    /// The task id.
    pub task_id: String,
    /// `TRANSACTION` or `BATCH`.
    pub task_type: TaskType,
    /// The terminal.
    pub tid: String,
    /// `QUEUED`, `IN_PROGRESS`, `COMPLETED`, `FAILED` or `CANCELLED`; a state, not a payment result.
    pub state: TaskState,
    /// When it was created (RFC 3339, virtual time).
    pub created: String,
    /// When its state last changed.
    pub updated: String,
    /// The request, echoed.
    #[schema(value_type = Object)]
    pub request: RequestEcho,
    /// The transaction or batch, once it exists: fetch the result with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ams_id: Option<String>,
    /// Why it failed, when `FAILED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TaskErrorBody>,
    /// Who cancelled it (`api` or `operator`), when `CANCELLED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub cancelled_by: Option<CancelledBy>,
}

impl CloudTaskDetailApiResponse {
    /// The answer for `task`.
    pub fn from_task(task: &Task) -> Self {
        CloudTaskDetailApiResponse {
            task_id: task.id.0.clone(),
            task_type: task.request.task_type(),
            tid: task.tid.0.clone(),
            state: task.state,
            created: task.created.to_rfc3339(),
            updated: task.updated.to_rfc3339(),
            request: echo(&task.request),
            ams_id: task.ams_id.as_ref().map(|a| a.0.clone()),
            error: task.error.as_ref().map(|e| TaskErrorBody {
                code: e.code.code,
                message: e.code.name.to_owned(),
                description: e.message.clone(),
            }),
            cancelled_by: task.cancelled_by,
        }
    }
}

/// A task's request as the answer echoes it: a transaction or a batch body.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestEcho {
    /// A sale or void.
    Transaction(CreateCloudTaskTransactionApiRequest),
    /// A close batch.
    Batch(CreateCloudTaskBatchApiRequest),
}

fn echo(request: &TaskRequest) -> RequestEcho {
    match request {
        TaskRequest::Sale(s) => RequestEcho::Transaction(CreateCloudTaskTransactionApiRequest {
            transaction_type: Some(CloudTransactionType::Sale),
            amount: Some(s.amount),
            currency_code: Some(s.currency.code().to_owned()),
            payment_method: Some(s.method),
            origin_reference_num: s.reference.clone(),
            tip_amount: s.tip_amount,
            tip_collect: s.tip_collect,
            print_by_payment_app: s.receipt.print_by_payment_app,
            preferable_receipt_type: s.receipt.preferable_receipt_type,
            client_info: s.receipt.client_info.clone(),
            ..Default::default()
        }),
        TaskRequest::Void(v) => RequestEcho::Transaction(CreateCloudTaskTransactionApiRequest {
            transaction_type: Some(CloudTransactionType::Void),
            amount: v.amount,
            currency_code: Some(v.currency.code().to_owned()),
            origin_transaction_id: Some(v.origin.0.clone()),
            origin_reference_num: v.reference.clone(),
            print_by_payment_app: v.receipt.print_by_payment_app,
            preferable_receipt_type: v.receipt.preferable_receipt_type,
            client_info: v.receipt.client_info.clone(),
            ..Default::default()
        }),
        TaskRequest::CloseBatch(b) => RequestEcho::Batch(CreateCloudTaskBatchApiRequest {
            origin_reference_num: b.reference.clone(),
            print_by_payment_app: b.receipt.print_by_payment_app,
            tid: None,
        }),
    }
}

/// `GET /v1/tasks`: the terminal's tasks, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskListResponse {
    /// The tasks.
    pub tasks: Vec<CloudTaskDetailApiResponse>,
}

/// `GET /v1/transactions/{amsId}`: the transaction result.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransactionResultResponse {
    /// Its id.
    pub ams_id: String,
    /// ECR result: 0 success, -1 failed, -2 id invalid, -3 not found, -4 declined,
    /// -5 already voided, -6 parameter invalid, -7 unauthorised, -8 not allowed,
    /// -9 user input needed on the device.
    pub result: i32,
    /// `APPROVED`, or the decline or failure's name.
    pub response_message: String,
    /// The numbered error of a declined or failed transaction (42, 65, 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    /// `SALE` or `VOID`.
    pub transaction_type: TransactionType,
    /// How it was paid.
    pub payment_method: PaymentMethod,
    /// Amount without tip, minor units.
    pub amount: u64,
    /// Tip, minor units.
    pub tip_amount: u64,
    /// Amount plus tip.
    pub total_amount: u64,
    /// Currency.
    pub currency_code: String,
    /// Masked card number, last four digits shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// Card scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_type: Option<String>,
    /// Issuer approval code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_code: Option<String>,
    /// Retrieval reference number.
    pub reference_number: String,
    /// The batch it belongs to.
    pub batch_number: u32,
    /// Receipt sequence number.
    pub receipt_number: u32,
    /// Terminal.
    #[serde(rename = "terminalID")]
    pub terminal_id: String,
    /// Merchant.
    #[serde(rename = "merchantID")]
    pub merchant_id: String,
    /// When (RFC 3339, virtual time).
    pub date: String,
    /// Whether a void returned its money.
    pub voided: bool,
    /// For a void: the sale it voids.
    #[serde(rename = "originTransactionID", skip_serializing_if = "Option::is_none")]
    pub origin_transaction_id: Option<String>,
    /// The integrator's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_reference_num: Option<String>,
}

impl TransactionResultResponse {
    /// The answer for `tx` of merchant `merchant_id`.
    pub fn from_transaction(tx: &Transaction, merchant_id: &str) -> Self {
        TransactionResultResponse {
            ams_id: tx.ams_id.0.clone(),
            result: tx.result.0,
            response_message: tx.response_message().to_owned(),
            error_code: tx.error.map(|e| e.code),
            transaction_type: tx.kind,
            payment_method: tx.method,
            amount: tx.amount,
            tip_amount: tx.tip_amount,
            total_amount: tx.total_amount(),
            currency_code: tx.currency.code().to_owned(),
            card_number: tx.card.as_ref().map(|c| c.masked_number.clone()),
            card_type: tx.card.as_ref().map(|c| c.card_type.to_owned()),
            approved_code: tx.approval_code.clone(),
            reference_number: tx.reference_number.clone(),
            batch_number: tx.batch_number,
            receipt_number: tx.receipt_number,
            terminal_id: tx.tid.0.clone(),
            merchant_id: merchant_id.to_owned(),
            date: tx.date.to_rfc3339(),
            voided: tx.voided,
            origin_transaction_id: tx.origin.as_ref().map(|a| a.0.clone()),
            origin_reference_num: tx.order_reference.clone(),
        }
    }
}

/// One payment method's part of a batch.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubBatchResponse {
    /// The batch number.
    pub close_batch_number: u32,
    /// Approved sales.
    pub sale_count: u64,
    /// What they charged, tips included.
    pub sale_amount: i64,
    /// Approved voids.
    pub void_count: u64,
    /// What they returned.
    pub void_amount: i64,
    /// `saleCount + voidCount`.
    pub total_count: u64,
    /// `saleAmount − voidAmount`.
    pub total_amount: i64,
}

impl SubBatchResponse {
    fn new(number: u32, t: &Totals) -> Self {
        SubBatchResponse {
            close_batch_number: number,
            sale_count: t.sale_count,
            sale_amount: t.sale_amount,
            void_count: t.void_count,
            void_amount: t.void_amount,
            total_count: t.total_count(),
            total_amount: t.total_amount(),
        }
    }
}

/// `GET /v1/batches/{amsId}`: a closed batch, or `OPEN` for the open batch so far.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResultResponse {
    /// `OPEN` or `CLOSED`.
    pub state: String,
    /// The closed batch's id; absent while open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ams_id: Option<String>,
    /// The batch number.
    pub batch_number: u32,
    /// Settlement communication id; absent while open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication_id: Option<String>,
    /// Currency.
    pub currency: String,
    /// When it closed; absent while open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When the batch before closed.
    pub previous_batch_date: Option<String>,
    /// When its first transaction landed.
    pub first_transaction_date: Option<String>,
    /// Approved sales.
    pub sale_count: u64,
    /// What they charged, tips included.
    pub sale_amount: i64,
    /// Approved voids.
    pub void_count: u64,
    /// What they returned.
    pub void_amount: i64,
    /// `saleCount + voidCount`.
    pub total_count: u64,
    /// `saleAmount − voidAmount`.
    pub total_amount: i64,
    /// Declined or failed transactions.
    pub invalid_count: u64,
    /// Sales with a tip.
    pub tip_count: u64,
    /// The tips.
    pub tip_amount: i64,
    /// The average tip of the sales with one (rounded half up).
    pub tip_average: i64,
    /// The tips as a percentage of what the tipped sales charged besides them, two decimals.
    pub tip_average_percentage: f64,
    /// Per payment method: `CARD` and `CASH` always, other methods when used.
    pub sub_batches: BTreeMap<String, SubBatchResponse>,
}

impl BatchResultResponse {
    /// The answer for a closed batch.
    pub fn closed(b: &BatchResult) -> Self {
        // A closed batch answers as the open batch it was, plus what closing gave it.
        let was = OpenBatch {
            number: b.batch_number,
            previous_batch_date: b.previous_batch_date,
            first_transaction_date: b.first_transaction_date,
            per_method: b.per_method.clone(),
            invalid_count: b.invalid_count,
            tip_count: b.tip_count,
            tip_amount: b.tip_amount,
            tip_base: b.tip_base,
        };
        BatchResultResponse {
            state: "CLOSED".to_owned(),
            ams_id: Some(b.ams_id.0.clone()),
            communication_id: Some(b.communication_id.clone()),
            date: Some(b.date.to_rfc3339()),
            ..Self::open(&was, b.currency)
        }
    }

    /// The answer for the open batch of a terminal with `currency`.
    pub fn open(b: &OpenBatch, currency: Currency) -> Self {
        let all = b.overall();
        BatchResultResponse {
            state: "OPEN".to_owned(),
            ams_id: None,
            batch_number: b.number,
            communication_id: None,
            currency: currency.code().to_owned(),
            date: None,
            previous_batch_date: b.previous_batch_date.map(|d| d.to_rfc3339()),
            first_transaction_date: b.first_transaction_date.map(|d| d.to_rfc3339()),
            sale_count: all.sale_count,
            sale_amount: all.sale_amount,
            void_count: all.void_count,
            void_amount: all.void_amount,
            total_count: all.total_count(),
            total_amount: all.total_amount(),
            invalid_count: b.invalid_count,
            tip_count: b.tip_count,
            tip_amount: b.tip_amount,
            tip_average: tip_average(b.tip_amount, b.tip_count),
            tip_average_percentage: tip_average_percentage(b.tip_amount, b.tip_base),
            sub_batches: sub_batches(b.number, &listed(&b.per_method)),
        }
    }
}

fn sub_batches(number: u32, per_method: &BTreeMap<PaymentMethod, Totals>) -> BTreeMap<String, SubBatchResponse> {
    per_method.iter().map(|(m, t)| (m.as_str().to_owned(), SubBatchResponse::new(number, t))).collect()
}

/// The error shape every Cloud API endpoint but the token endpoint answers with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error object.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// A stable code: `INVALID_FIELD`, `INVALID_JSON`, `UNAUTHORIZED`, `TOKEN_EXPIRED`,
    /// `INVALID_TOKEN`, `TID_NOT_ALLOWED`, `NOT_FOUND`, `TASK_NOT_FOUND`, `TERMINAL_NOT_FOUND`,
    /// `TRANSACTION_NOT_FOUND`, `BATCH_NOT_FOUND`, `METHOD_NOT_ALLOWED`, `TERMINAL_BUSY`,
    /// `TASK_NOT_CANCELLABLE`, `PAYLOAD_TOO_LARGE`, `REQUEST_TIMEOUT`, `BODY_UNREADABLE`,
    /// `INTERNAL`, `SCRIPTED_FAULT`, or for a 422 the ECR name (`NOT_ALLOWED`, `ALREADY_VOIDED`, …).
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The offending field, for a 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The ECR code, for a 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecr_result: Option<i32>,
    /// A finer reason, for a 422 (e.g. `VOID_WINDOW_EXPIRED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where malformed JSON broke off, for a 400: the line…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// …and the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The task's state, for a 409 `TASK_NOT_CANCELLABLE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TaskState>,
    /// The largest body read, bytes, for a 413.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// The terminal a request names, if it names one.
pub fn named_tid(tid: &Option<String>) -> Option<&str> {
    tid.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn amount_of(value: serde_json::Value) -> Result<Option<u64>, String> {
        let body = json!({"transactionType": "SALE", "amount": value});
        serde_json::from_value::<CreateCloudTaskTransactionApiRequest>(body)
            .map(|b| b.amount)
            .map_err(|e| e.to_string())
    }

    #[rstest]
    #[case::an_integer_is_read(json!(1000), Some(1000))]
    #[case::null_is_no_amount(json!(null), None)]
    fn an_amount_in_minor_units_is_read(#[case] value: serde_json::Value, #[case] expected: Option<u64>) {
        assert_eq!(amount_of(value), Ok(expected));
    }

    #[rstest]
    #[case::a_fraction_is_refused(json!(12.5))]
    #[case::a_zero_fraction_is_refused(json!(2662.0))]
    #[case::an_exponent_is_refused(json!(1e3))]
    #[case::a_negative_is_refused(json!(-5))]
    #[case::a_negative_fraction_is_refused(json!(-5.0))]
    #[case::beyond_exact_floats_is_refused(json!(1e300))]
    #[case::text_is_refused(json!("12.50"))]
    fn an_amount_that_is_not_whole_minor_units_is_refused(#[case] value: serde_json::Value) {
        let error = amount_of(value).unwrap_err();
        assert!(error.contains("minor units") || error.contains("invalid type"), "{error}");
    }

    #[test]
    fn an_absent_amount_is_none() {
        let body = json!({"transactionType": "VOID", "originTransactionID": "1"});
        let request: CreateCloudTaskTransactionApiRequest = serde_json::from_value(body).unwrap();
        assert_eq!(request.amount, None);
    }
}
