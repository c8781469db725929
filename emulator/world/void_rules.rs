//! The rules that decide whether a sale may be voided: [`check_void`] and the
//! [`VoidRefusal`] that names the broken rule and its ECR code.

use super::codes::{EcrResult, PaymentMethod, TransactionType};
use super::ids::Tid;
use super::transaction::Transaction;
use crate::time::{VirtualDuration, VirtualTime};

/// Why a void is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VoidRefusal {
    /// No transaction has that id.
    UnknownSale,
    /// The id names a void, not a sale.
    NotASale,
    /// The sale was declined or failed: there is nothing to return.
    SaleNotApproved,
    /// The void was asked of another terminal than the sale's (which is not said: a host
    /// tells a terminal nothing of the others).
    OtherTid,
    /// Already voided.
    AlreadyVoided,
    /// A card sale older than the void window.
    WindowExpired {
        /// How old the sale is.
        age: VirtualDuration,
        /// The window.
        window: VirtualDuration,
    },
    /// Cryptocurrency payments can never be voided.
    Crypto,
    /// A non-card sale whose batch has closed.
    BatchClosed {
        /// The sale's payment method.
        method: PaymentMethod,
    },
}

impl VoidRefusal {
    /// The ECR code the spec's table gives this refusal.
    pub fn ecr(&self) -> EcrResult {
        match self {
            VoidRefusal::UnknownSale => EcrResult::NOT_FOUND,
            VoidRefusal::AlreadyVoided => EcrResult::ALREADY_VOIDED,
            VoidRefusal::NotASale | VoidRefusal::SaleNotApproved => EcrResult::TRANSACTION_ID_INVALID,
            VoidRefusal::OtherTid
            | VoidRefusal::WindowExpired { .. }
            | VoidRefusal::Crypto
            | VoidRefusal::BatchClosed { .. } => EcrResult::NOT_ALLOWED,
        }
    }

    /// A stable machine-readable reason, finer than the ECR code.
    pub fn reason(&self) -> &'static str {
        match self {
            VoidRefusal::UnknownSale => "SALE_NOT_FOUND",
            VoidRefusal::NotASale => "NOT_A_SALE",
            VoidRefusal::SaleNotApproved => "SALE_NOT_APPROVED",
            VoidRefusal::OtherTid => "OTHER_TID",
            VoidRefusal::AlreadyVoided => "ALREADY_VOIDED",
            VoidRefusal::WindowExpired { .. } => "VOID_WINDOW_EXPIRED",
            VoidRefusal::Crypto => "CRYPTO_NOT_VOIDABLE",
            VoidRefusal::BatchClosed { .. } => "BATCH_CLOSED",
        }
    }

    /// A sentence for people, with the fix where one is known.
    pub fn message(&self) -> String {
        match self {
            VoidRefusal::UnknownSale => "no sale has that originTransactionID".to_owned(),
            VoidRefusal::NotASale => "originTransactionID names a void, not a sale".to_owned(),
            VoidRefusal::SaleNotApproved => "the sale was not approved, so there is nothing to void".to_owned(),
            VoidRefusal::OtherTid => "the sale was not made on this terminal\n(hint: create the VOID task for the \
                                      terminal that made the sale)"
                .to_owned(),
            VoidRefusal::AlreadyVoided => "the sale is already voided".to_owned(),
            VoidRefusal::WindowExpired { age, window } => {
                format!("the sale is {} old; card sales can be voided for {} (93 × 24 h)", describe_age(*age), window)
            }
            VoidRefusal::Crypto => "cryptocurrency payments cannot be voided".to_owned(),
            VoidRefusal::BatchClosed { method } => {
                format!("{} sales can be voided only while their batch is open, and it has closed", method.as_str())
            }
        }
    }
}

fn describe_age(age: VirtualDuration) -> String {
    let ms = age.as_millis();
    let days = ms / 86_400_000;
    let hours = (ms % 86_400_000) / 3_600_000;
    format!("{days}d {hours}h")
}

/// Whether `sale` may be voided by terminal `tid` at `now`, with the terminal's open batch
/// numbered `open_batch`.
pub fn check_void(
    sale: Option<&Transaction>,
    tid: &Tid,
    open_batch: u32,
    now: VirtualTime,
    window: VirtualDuration,
) -> Result<(), VoidRefusal> {
    let sale = sale.ok_or(VoidRefusal::UnknownSale)?;
    // Another terminal's transaction first: what it is (a sale, a void, declined) is none of
    // this terminal's business.
    if &sale.tid != tid {
        return Err(VoidRefusal::OtherTid);
    }
    if sale.kind != TransactionType::Sale {
        return Err(VoidRefusal::NotASale);
    }
    if sale.result != EcrResult::SUCCESS {
        return Err(VoidRefusal::SaleNotApproved);
    }
    if sale.voided {
        return Err(VoidRefusal::AlreadyVoided);
    }
    match sale.method {
        PaymentMethod::GoCrypto => Err(VoidRefusal::Crypto),
        PaymentMethod::Card => {
            let age = now - sale.date;
            if age > window { Err(VoidRefusal::WindowExpired { age, window }) } else { Ok(()) }
        }
        method => {
            if sale.batch_number == open_batch {
                Ok(())
            } else {
                Err(VoidRefusal::BatchClosed { method })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::ids::AmsId;
    use crate::world::money::Currency;
    use rstest::rstest;

    const T0: VirtualTime = VirtualTime::DEFAULT_START;
    const WINDOW: VirtualDuration = VirtualDuration::days(93);

    fn sale(method: PaymentMethod) -> Transaction {
        Transaction {
            ams_id: AmsId::from("100000000001"),
            tid: Tid::from("999888"),
            kind: TransactionType::Sale,
            method,
            amount: 4000,
            tip_amount: 0,
            currency: Currency::CZK,
            result: EcrResult::SUCCESS,
            error: None,
            card: None,
            approval_code: None,
            reference_number: String::new(),
            batch_number: 1,
            receipt_number: 1,
            date: T0,
            voided: false,
            origin: None,
            order_reference: None,
        }
    }

    fn check(sale: Option<&Transaction>, tid: &str, batch: u32, after: VirtualDuration) -> Result<(), VoidRefusal> {
        check_void(sale, &Tid::from(tid), batch, T0 + after, WINDOW)
    }

    #[rstest]
    #[case::card_sale_the_same_day(PaymentMethod::Card, 1, VirtualDuration::hours(1))]
    #[case::card_sale_exactly_at_93_days(PaymentMethod::Card, 1, VirtualDuration::days(93))]
    #[case::card_sale_after_its_batch_closed(PaymentMethod::Card, 2, VirtualDuration::days(10))]
    #[case::cash_sale_in_the_open_batch(PaymentMethod::Cash, 1, VirtualDuration::days(100))]
    #[case::blik_sale_in_the_open_batch(PaymentMethod::BlikPayment, 1, VirtualDuration::secs(5))]
    fn voids_that_are_allowed(#[case] method: PaymentMethod, #[case] open_batch: u32, #[case] after: VirtualDuration) {
        assert_eq!(check(Some(&sale(method)), "999888", open_batch, after), Ok(()));
    }

    #[test]
    fn void_after_93_days_is_refused() {
        let r = check(Some(&sale(PaymentMethod::Card)), "999888", 1, VirtualDuration::days(94));
        assert!(matches!(r, Err(VoidRefusal::WindowExpired { .. })));
        assert_eq!(r.unwrap_err().ecr(), EcrResult::NOT_ALLOWED);
    }

    #[test]
    fn void_one_millisecond_past_93_days_is_refused() {
        let late = VirtualDuration(VirtualDuration::days(93).as_millis() + 1);
        let r = check(Some(&sale(PaymentMethod::Card)), "999888", 1, late);
        assert!(matches!(r, Err(VoidRefusal::WindowExpired { .. })));
    }

    #[rstest]
    #[case::void_of_unknown_sale_is_refused(
        None,
        "999888",
        1,
        VirtualDuration::secs(1),
        EcrResult::NOT_FOUND,
        "SALE_NOT_FOUND"
    )]
    #[case::void_on_another_tid_is_refused(
        Some(sale(PaymentMethod::Card)),
        "111222",
        1,
        VirtualDuration::secs(1),
        EcrResult::NOT_ALLOWED,
        "OTHER_TID"
    )]
    #[case::void_of_crypto_sale_is_refused(
        Some(sale(PaymentMethod::GoCrypto)),
        "999888",
        1,
        VirtualDuration::secs(1),
        EcrResult::NOT_ALLOWED,
        "CRYPTO_NOT_VOIDABLE"
    )]
    #[case::void_of_cash_sale_after_batch_closed_is_refused(
        Some(sale(PaymentMethod::Cash)),
        "999888",
        2,
        VirtualDuration::secs(1),
        EcrResult::NOT_ALLOWED,
        "BATCH_CLOSED"
    )]
    fn voids_that_are_refused(
        #[case] sale: Option<Transaction>,
        #[case] tid: &str,
        #[case] open_batch: u32,
        #[case] after: VirtualDuration,
        #[case] ecr: EcrResult,
        #[case] reason: &str,
    ) {
        let refusal = check(sale.as_ref(), tid, open_batch, after).unwrap_err();
        assert_eq!((refusal.ecr(), refusal.reason()), (ecr, reason));
    }

    #[test]
    fn void_of_already_voided_sale_is_refused() {
        let mut s = sale(PaymentMethod::Card);
        s.voided = true;
        let r = check(Some(&s), "999888", 1, VirtualDuration::secs(1)).unwrap_err();
        assert_eq!(r.ecr(), EcrResult::ALREADY_VOIDED);
    }

    #[test]
    fn void_of_declined_sale_is_refused() {
        let mut s = sale(PaymentMethod::Card);
        s.result = EcrResult::DECLINED;
        let r = check(Some(&s), "999888", 1, VirtualDuration::secs(1)).unwrap_err();
        assert_eq!(r, VoidRefusal::SaleNotApproved);
    }

    #[test]
    fn void_of_a_void_is_refused() {
        let mut s = sale(PaymentMethod::Card);
        s.kind = TransactionType::Void;
        let r = check(Some(&s), "999888", 1, VirtualDuration::secs(1)).unwrap_err();
        assert_eq!(r, VoidRefusal::NotASale);
    }
}
