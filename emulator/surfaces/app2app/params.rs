//! The operations of the spec's table ([`Operation`]) and their parameters, read from a
//! [`Link`] into a [`Request`]: what is mandatory, enums (case-insensitive), booleans and
//! amounts. [`prepare`] is the first step every deep link takes, over HTTP and on the CLI.

use super::answer::Reason;
use super::link::{self, Link, LinkError, REDIRECT_URL, shown};
use crate::world::codes::PaymentMethod;
use crate::world::ids::AmsId;
use crate::world::task::{ClientInfo, ReceiptOptions, ReceiptType};

/// A deep-link operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `batch/close`.
    CloseBatch,
    /// `batch/detail`.
    BatchDetail,
    /// `transaction/create`: a sale.
    Create,
    /// `transaction/refund`.
    Refund,
    /// `transaction/cancel`: a void.
    Cancel,
    /// `transaction/detail`.
    Detail,
    /// `status`.
    Status,
}

const RECEIPT: [&str; 4] = ["printByPaymentApp", "preferableReceiptType", "clientPhone", "clientEmail"];
const PAY: [&str; 12] = [
    "amount",
    "clientID",
    "originReferenceNum",
    "tipAmount",
    "tipCollect",
    "transactionType",
    "requestID",
    REDIRECT_URL,
    RECEIPT[0],
    RECEIPT[1],
    RECEIPT[2],
    RECEIPT[3],
];
const CANCEL: [&str; 8] =
    ["amsID", "clientID", "requestID", REDIRECT_URL, RECEIPT[0], RECEIPT[1], RECEIPT[2], RECEIPT[3]];
const CLOSE: [&str; 6] = ["clientID", REDIRECT_URL, RECEIPT[0], RECEIPT[1], RECEIPT[2], RECEIPT[3]];

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 7] = [
        Operation::CloseBatch,
        Operation::BatchDetail,
        Operation::Create,
        Operation::Refund,
        Operation::Cancel,
        Operation::Detail,
        Operation::Status,
    ];

    /// The link's path, e.g. `batch/close`.
    pub fn path(self) -> &'static str {
        match self {
            Operation::CloseBatch => "batch/close",
            Operation::BatchDetail => "batch/detail",
            Operation::Create => "transaction/create",
            Operation::Refund => "transaction/refund",
            Operation::Cancel => "transaction/cancel",
            Operation::Detail => "transaction/detail",
            Operation::Status => "status",
        }
    }

    /// The operation at `path`.
    pub fn parse(path: &str) -> Option<Operation> {
        Self::ALL.into_iter().find(|o| o.path() == path)
    }

    /// Whether the operation answers only by redirect (the spec makes `redirectUrl` mandatory).
    pub fn needs_redirect(self) -> bool {
        self == Operation::Status
    }

    /// The parameters the spec's table lists for it.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Operation::CloseBatch => &CLOSE,
            Operation::BatchDetail => &["amsID", REDIRECT_URL],
            Operation::Create | Operation::Refund => &PAY,
            Operation::Cancel => &CANCEL,
            Operation::Detail => &["amsID", "requestID", REDIRECT_URL],
            Operation::Status => &[REDIRECT_URL],
        }
    }
}

/// How `transaction/detail` names its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// By `amsID`.
    AmsId(AmsId),
    /// By the `requestID` of the link that made it.
    RequestId(String),
}

/// A sale or refund as a link asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// `transaction/refund` rather than `transaction/create`.
    pub refund: bool,
    /// `amount`, minor units.
    pub amount: u64,
    /// `tipAmount`, minor units.
    pub tip_amount: Option<u64>,
    /// `tipCollect`.
    pub tip_collect: Option<bool>,
    /// `transactionType` (default `CARD`).
    pub method: PaymentMethod,
    /// `originReferenceNum`.
    pub reference: Option<String>,
}

/// What a link asks the terminal to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Close the open batch.
    CloseBatch,
    /// Answer a closed batch.
    BatchDetail(AmsId),
    /// A sale or a refund.
    Pay(Payment),
    /// Void a sale.
    Cancel(AmsId),
    /// Answer a transaction.
    Detail(Lookup),
    /// Answer the app's status.
    Status,
}

/// A link read whole: the action with the parameters every action shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// What to do.
    pub action: Action,
    /// `clientID`, to check against the terminal's merchant.
    pub client_id: Option<String>,
    /// `requestID` (or `requestId`).
    pub request_id: Option<String>,
    /// `printByPaymentApp`, `preferableReceiptType`, `clientPhone`, `clientEmail`.
    pub receipt: ReceiptOptions,
}

/// Why a link is answered `ERROR` before anything runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The `error` reason.
    pub reason: Reason,
    /// Why, for people.
    pub message: String,
}

impl Refusal {
    fn new(reason: Reason, message: impl Into<String>) -> Self {
        Refusal { reason, message: message.into() }
    }
}

/// A link ready to run: where to redirect, and the request or why it is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The `redirectUrl`, if usable.
    pub redirect: Option<String>,
    /// The request, or the refusal to answer with.
    pub request: Result<Request, Refusal>,
    /// Notes for the journal.
    pub notes: Vec<String>,
    /// Parameters given more than once.
    pub repeated: Vec<String>,
    /// Parameters no operation takes (or spelt in another case than the spec's).
    pub unknown: Vec<String>,
}

/// Reads `text` as a deep link and its parameters; needs no World, so a server does it outside
/// the World's lock.
pub fn prepare(text: &str) -> Result<Prepared, LinkError> {
    let mut link = link::parse(text)?;
    let operation = Operation::parse(&link.path);
    if operation.is_some_and(Operation::needs_redirect) && link.redirect.is_none() {
        return Err(LinkError::NoRedirectUrl(link.path.clone()));
    }
    let unknown = link
        .params
        .iter()
        .filter(|(name, _)| !Operation::ALL.iter().flat_map(|o| o.params()).any(|k| k == name))
        .map(|(name, _)| name.clone())
        .collect();
    let request = match (&link.fault, operation) {
        (Some(fault), _) => Err(Refusal::new(Reason::Failed, fault.clone())),
        (None, None) => Err(Refusal::new(
            Reason::UnsupportedTransactionOperationOrType,
            format!("no operation `{}` (hint: {})", shown(&link.path), Operation::ALL.map(Operation::path).join(", ")),
        )),
        (None, Some(op)) => {
            link.notes.extend(unused(&link, op));
            read(&link, op)
        }
    };
    Ok(Prepared { redirect: link.redirect, request, notes: link.notes, repeated: link.repeated, unknown })
}

fn unused(link: &Link, op: Operation) -> Vec<String> {
    let mut notes = Vec::new();
    for (name, _) in &link.params {
        if op.params().contains(&name.as_str()) {
            continue;
        }
        let known = Operation::ALL.iter().flat_map(|o| o.params()).find(|k| k.eq_ignore_ascii_case(name));
        notes.push(match known {
            Some(k) if *k == name => format!("parameter {k} is not used by {}; ignored", op.path()),
            Some(k) => format!("unknown parameter {} ignored (hint: the spec spells it {k})", shown(name)),
            None => format!("unknown parameter {} ignored", shown(name)),
        });
    }
    notes
}

fn read(link: &Link, op: Operation) -> Result<Request, Refusal> {
    let takes = |name: &str| op.params().contains(&name);
    let action = match op {
        Operation::CloseBatch => Action::CloseBatch,
        Operation::Status => Action::Status,
        Operation::BatchDetail => Action::BatchDetail(ams_id(link, op)?),
        Operation::Cancel => Action::Cancel(ams_id(link, op)?),
        Operation::Create | Operation::Refund => Action::Pay(payment(link, op == Operation::Refund)?),
        Operation::Detail => match (link.get("amsID"), link.get("requestID")) {
            (Some(ams), _) => Action::Detail(Lookup::AmsId(AmsId::from(ams))),
            (None, Some(id)) => Action::Detail(Lookup::RequestId(id.to_owned())),
            (None, None) => {
                return Err(Refusal::new(Reason::Failed, "transaction/detail needs amsID or requestID"));
            }
        },
    };
    let receipt = if takes("printByPaymentApp") { receipt(link)? } else { ReceiptOptions::default() };
    Ok(Request {
        action,
        client_id: link.get("clientID").filter(|_| takes("clientID")).map(str::to_owned),
        request_id: link.get("requestID").filter(|_| takes("requestID")).map(str::to_owned),
        receipt,
    })
}

fn ams_id(link: &Link, op: Operation) -> Result<AmsId, Refusal> {
    link.get("amsID").map(AmsId::from).ok_or_else(|| Refusal::new(Reason::Failed, format!("{} needs amsID", op.path())))
}

fn payment(link: &Link, refund: bool) -> Result<Payment, Refusal> {
    let amount = minor_units(link, "amount")?.ok_or_else(|| {
        Refusal::new(Reason::InvalidAmount, "amount is mandatory (hint: minor units, amount=1050 is 10.50)")
    })?;
    if amount == 0 {
        return Err(Refusal::new(
            Reason::InvalidAmount,
            "amount is 0 (hint: minor units above 0, amount=1050 is 10.50)",
        ));
    }
    let method = match link.get("transactionType") {
        None => PaymentMethod::Card,
        Some(text) => match PaymentMethod::parse(text) {
            Some(m) if m != PaymentMethod::GoCrypto => m,
            _ => {
                return Err(Refusal::new(
                    Reason::UnsupportedTransactionOperationOrType,
                    format!(
                        "transactionType `{}` is not offered by deep links \
                         (hint: CARD, CASH, ACCOUNT_PAYMENT, BLIK_PAYMENT or PAYMENT_GATEWAY)",
                        shown(text)
                    ),
                ));
            }
        },
    };
    Ok(Payment {
        refund,
        amount,
        // A tip of 0 is "no tip", as the Cloud API takes it.
        tip_amount: minor_units(link, "tipAmount")?,
        tip_collect: flag(link, "tipCollect")?,
        method,
        reference: link.get("originReferenceNum").map(str::to_owned),
    })
}

/// A whole, non-negative number of minor units, if given.
fn minor_units(link: &Link, name: &str) -> Result<Option<u64>, Refusal> {
    let Some(text) = link.get(name) else { return Ok(None) };
    let refuse = |why: &str| {
        Refusal::new(
            Reason::InvalidAmount,
            format!("{name} `{}` {why} (hint: a whole number of minor units, 1050 is 10.50)", shown(text)),
        )
    };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        let negative = text.strip_prefix('-').is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
        return Err(refuse(if negative { "is negative" } else { "is not a whole number" }));
    }
    // Only digits are left, so a parse failure is an overflow.
    text.parse().map(Some).map_err(|_| refuse("is too large"))
}

fn flag(link: &Link, name: &str) -> Result<Option<bool>, Refusal> {
    let Some(text) = link.get(name) else { return Ok(None) };
    match text.to_ascii_lowercase().as_str() {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(Refusal::new(Reason::Failed, format!("{name} `{}` is not true or false", shown(text)))),
    }
}

fn receipt(link: &Link) -> Result<ReceiptOptions, Refusal> {
    let preferable = match link.get("preferableReceiptType") {
        None => None,
        Some(text) => Some(ReceiptType::parse(text).ok_or_else(|| {
            Refusal::new(
                Reason::Failed,
                format!("preferableReceiptType `{}` is not sms (or phone), email, qr or print", shown(text)),
            )
        })?),
    };
    let (phone, email) = (link.get("clientPhone"), link.get("clientEmail"));
    let client_info = (phone.is_some() || email.is_some())
        .then(|| ClientInfo { phone: phone.map(str::to_owned), email: email.map(str::to_owned) });
    Ok(ReceiptOptions {
        // The spec's default: the payment app hands over the receipt.
        print_by_payment_app: Some(flag(link, "printByPaymentApp")?.unwrap_or(true)),
        preferable_receipt_type: preferable,
        client_info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn refusal(text: &str) -> Refusal {
        prepare(text).unwrap().request.unwrap_err()
    }

    #[test]
    fn a_sale_reads_every_parameter() {
        let p = prepare(
            "gptom://transaction/create?amount=1050&tipAmount=0&tipCollect=FALSE&transactionType=cash\
             &originReferenceNum=A1&requestId=r-1&clientID=223&preferableReceiptType=Sms&clientPhone=+420",
        )
        .unwrap();
        let r = p.request.unwrap();
        let Action::Pay(pay) = &r.action else { panic!("{r:?}") };
        assert_eq!((pay.amount, pay.tip_amount, pay.tip_collect), (1050, Some(0), Some(false)));
        assert_eq!((pay.method, pay.reference.as_deref(), pay.refund), (PaymentMethod::Cash, Some("A1"), false));
        assert_eq!((r.client_id.as_deref(), r.request_id.as_deref()), (Some("223"), Some("r-1")));
        assert_eq!(r.receipt.preferable_receipt_type, Some(ReceiptType::Sms));
        assert_eq!(r.receipt.print_by_payment_app, Some(true));
        assert_eq!(r.receipt.client_info.and_then(|c| c.phone).as_deref(), Some("+420"));
        assert_eq!(p.redirect, None);
    }

    #[rstest]
    #[case::missing_amount("gptom://transaction/create", Reason::InvalidAmount)]
    #[case::zero_amount("gptom://transaction/create?amount=0", Reason::InvalidAmount)]
    #[case::negative_amount("gptom://transaction/refund?amount=-5", Reason::InvalidAmount)]
    #[case::decimal_amount("gptom://transaction/create?amount=10.50", Reason::InvalidAmount)]
    #[case::overflowing_amount("gptom://transaction/create?amount=99999999999999999999999", Reason::InvalidAmount)]
    #[case::negative_tip("gptom://transaction/create?amount=5&tipAmount=-1", Reason::InvalidAmount)]
    #[case::crypto(
        "gptom://transaction/create?amount=5&transactionType=go_crypto",
        Reason::UnsupportedTransactionOperationOrType
    )]
    #[case::unknown_method(
        "gptom://transaction/create?amount=5&transactionType=IOU",
        Reason::UnsupportedTransactionOperationOrType
    )]
    #[case::bad_bool("gptom://batch/close?printByPaymentApp=yes", Reason::Failed)]
    #[case::bad_receipt_type("gptom://batch/close?preferableReceiptType=fax", Reason::Failed)]
    #[case::cancel_without_ams_id("gptom://transaction/cancel", Reason::Failed)]
    #[case::detail_without_ids("gptom://transaction/detail", Reason::Failed)]
    #[case::unknown_path("gptom://transaction/steal?amount=5", Reason::UnsupportedTransactionOperationOrType)]
    #[case::bad_encoding("gptom://batch/close?clientEmail=%zz", Reason::Failed)]
    fn bad_parameters_are_refused_with_their_reason(#[case] text: &str, #[case] reason: Reason) {
        assert_eq!(refusal(text).reason, reason);
    }

    #[test]
    fn a_bad_value_in_a_parameter_the_operation_ignores_is_only_noted() {
        let p = prepare("gptom://batch/detail?amsID=1&printByPaymentApp=maybe&AmsID=2&colour=red").unwrap();
        assert_eq!(p.request.unwrap().action, Action::BatchDetail(AmsId::from("1")));
        assert_eq!(
            p.notes,
            [
                "parameter printByPaymentApp is not used by batch/detail; ignored",
                "unknown parameter AmsID ignored (hint: the spec spells it amsID)",
                "unknown parameter colour ignored",
            ]
        );
    }

    #[test]
    fn status_without_a_redirect_is_a_link_error() {
        assert_eq!(prepare("gptom://status").unwrap_err().reason(), "NO_REDIRECT_URL");
        assert!(prepare("gptom://batch/close").unwrap().request.is_ok());
    }
}
