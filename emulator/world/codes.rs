//! The vendor's enumerations: payment methods, transaction types, ECR result codes and the
//! task error codes of the test-amount table.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a sale is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// A payment card; the only method whose outcome the test amounts decide.
    Card,
    /// Cash handed to the cashier.
    Cash,
    /// A bank-account payment.
    AccountPayment,
    /// BLIK.
    BlikPayment,
    /// A payment-gateway payment.
    PaymentGateway,
    /// Cryptocurrency; can never be voided.
    GoCrypto,
}

impl PaymentMethod {
    /// Every method, in the order batch answers list them.
    pub const ALL: [PaymentMethod; 6] = [
        PaymentMethod::Card,
        PaymentMethod::Cash,
        PaymentMethod::AccountPayment,
        PaymentMethod::BlikPayment,
        PaymentMethod::PaymentGateway,
        PaymentMethod::GoCrypto,
    ];

    /// The wire name, e.g. `"ACCOUNT_PAYMENT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "CARD",
            PaymentMethod::Cash => "CASH",
            PaymentMethod::AccountPayment => "ACCOUNT_PAYMENT",
            PaymentMethod::BlikPayment => "BLIK_PAYMENT",
            PaymentMethod::PaymentGateway => "PAYMENT_GATEWAY",
            PaymentMethod::GoCrypto => "GO_CRYPTO",
        }
    }

    /// Reads a wire name, ignoring case.
    pub fn parse(text: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(text))
    }
}

/// A sale or the void of an earlier sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionType {
    /// Charge the customer.
    Sale,
    /// Return an earlier sale's money.
    Void,
    /// Return money without voiding a sale (deep links' `transaction/refund`).
    Refund,
}

/// The vendor's ECR result code of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EcrResult(pub i32);

impl EcrResult {
    /// `0`: success.
    pub const SUCCESS: EcrResult = EcrResult(0);
    /// `-1`: failed.
    pub const FAILED: EcrResult = EcrResult(-1);
    /// `-2`: the transaction id is invalid.
    pub const TRANSACTION_ID_INVALID: EcrResult = EcrResult(-2);
    /// `-3`: not found.
    pub const NOT_FOUND: EcrResult = EcrResult(-3);
    /// `-4`: declined.
    pub const DECLINED: EcrResult = EcrResult(-4);
    /// `-5`: already voided.
    pub const ALREADY_VOIDED: EcrResult = EcrResult(-5);
    /// `-6`: a parameter is invalid.
    pub const PARAMETER_INVALID: EcrResult = EcrResult(-6);
    /// `-7`: unauthorised.
    pub const UNAUTHORISED: EcrResult = EcrResult(-7);
    /// `-8`: not allowed.
    pub const NOT_ALLOWED: EcrResult = EcrResult(-8);
    /// `-9`: user input is needed on the device.
    pub const USER_INPUT_NEEDED: EcrResult = EcrResult(-9);

    /// The code's name, e.g. `"NOT_ALLOWED"`.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "SUCCESS",
            -1 => "FAILED",
            -2 => "TRANSACTION_ID_INVALID",
            -3 => "NOT_FOUND",
            -4 => "DECLINED",
            -5 => "ALREADY_VOIDED",
            -6 => "PARAMETER_INVALID",
            -7 => "UNAUTHORISED",
            -8 => "NOT_ALLOWED",
            -9 => "USER_INPUT_NEEDED",
            _ => "UNKNOWN",
        }
    }
}

/// What the card reader makes of a card sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// The issuer approves; money is captured.
    Approved,
    /// The issuer declines; the task still completes.
    Declined,
    /// The terminal times out; the task fails.
    Timeout,
    /// The terminal hits an exception; the task fails.
    Exception,
    /// The customer or the operator cancels on the device; the task fails.
    Cancelled,
}

impl CardOutcome {
    /// The outcome the vendor's simulator gives a card sale of `amount` minor units.
    pub fn for_test_amount(amount: u64) -> CardOutcome {
        match amount {
            1122 => CardOutcome::Declined,
            1123 => CardOutcome::Timeout,
            1124 => CardOutcome::Exception,
            _ => CardOutcome::Approved,
        }
    }

    /// The wire name, e.g. `"declined"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardOutcome::Approved => "approved",
            CardOutcome::Declined => "declined",
            CardOutcome::Timeout => "timeout",
            CardOutcome::Exception => "exception",
            CardOutcome::Cancelled => "cancelled",
        }
    }

    /// Every outcome.
    pub const ALL: [CardOutcome; 5] = [
        CardOutcome::Approved,
        CardOutcome::Declined,
        CardOutcome::Timeout,
        CardOutcome::Exception,
        CardOutcome::Cancelled,
    ];

    /// Reads a wire name.
    pub fn parse(text: &str) -> Option<CardOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str().eq_ignore_ascii_case(text))
    }
}

/// The numbered error a finished task or a declined transaction carries (the test-amount
/// table's "error code" column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskErrorCode {
    /// The number, e.g. `65`.
    pub code: u16,
    /// The name, e.g. `"TRANSACTION_TIMEOUT"`.
    pub name: &'static str,
}

impl TaskErrorCode {
    /// Every code a task can fail or complete with.
    pub const ALL: [TaskErrorCode; 5] = [
        TaskErrorCode::PAYMENT_DECLINED,
        TaskErrorCode::TRANSACTION_TIMEOUT,
        TaskErrorCode::TECHNICAL_ERROR,
        TaskErrorCode::BATCH_TOTALS_MISMATCH,
        TaskErrorCode::CANCELLED_ON_DEVICE,
    ];
    /// 42: the payment was declined.
    pub const PAYMENT_DECLINED: TaskErrorCode = TaskErrorCode { code: 42, name: "PAYMENT_DECLINED" };
    /// 65: the terminal timed out.
    pub const TRANSACTION_TIMEOUT: TaskErrorCode = TaskErrorCode { code: 65, name: "TRANSACTION_TIMEOUT" };
    /// 104: a technical error on the terminal.
    pub const TECHNICAL_ERROR: TaskErrorCode = TaskErrorCode { code: 104, name: "TECHNICAL_ERROR" };
    /// 88: a close batch failed, the terminal's and the authorisation host's totals differing
    /// (\[ours\]: the number and the name; the check is seed 000's).
    pub const BATCH_TOTALS_MISMATCH: TaskErrorCode = TaskErrorCode { code: 88, name: "BATCH_TOTALS_MISMATCH" };
    /// 20: cancelled on the device by the customer or the operator.
    pub const CANCELLED_ON_DEVICE: TaskErrorCode = TaskErrorCode { code: 20, name: "CANCELLED_ON_DEVICE" };
}
