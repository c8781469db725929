//! The receipt hand-over that `printByPaymentApp` decides ([`Handover`]). With `true` (the
//! default) GP tom offers the customer the receipt and redirects only once they chose how:
//! the profile's `receipt_choice` later, the chosen way in the answer's `receiptType`. With
//! `false` it redirects at once and the receipt is the caller's to hand over.

use super::answer::{Done, Payload, Rendered};
use super::params::{Action, Prepared};
use crate::world::World;
use crate::world::events::ReceiptHandler;
use crate::world::ids::{AmsId, Tid};
use crate::world::task::ReceiptType;

/// Who hands over the receipt of one deep link's answer, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handover {
    /// The terminal.
    pub tid: Tid,
    /// The transaction or closed batch the receipt is of.
    pub ams_id: AmsId,
    /// The GP tom app or the integration.
    pub by: ReceiptHandler,
    /// How GP tom handed it over: the preselected `preferableReceiptType`, else on paper.
    pub receipt_type: Option<ReceiptType>,
}

/// The hand-over an answer calls for: the links that take `printByPaymentApp` (sale, refund,
/// cancel, close batch) when their answer carries a receipt or a batch report.
pub fn of(prepared: &Prepared, done: &Done) -> Option<Handover> {
    let request = prepared.request.as_ref().ok()?;
    if !matches!(request.action, Action::Pay(_) | Action::Cancel(_) | Action::CloseBatch) {
        return None;
    }
    let (tid, ams_id) = match done.payload.as_ref()? {
        Payload::Receipt(tx, _) => (tx.tid.clone(), tx.ams_id.clone()),
        Payload::Batch(batch) => (batch.tid.clone(), batch.ams_id.clone()),
        Payload::AppStatus(_) => return None,
    };
    let (by, receipt_type) = if request.receipt.print_by_payment_app == Some(false) {
        (ReceiptHandler::Integration, None)
    } else {
        // [ours] With nothing preselected the customer takes the paper receipt.
        (ReceiptHandler::PaymentApp, Some(request.receipt.preferable_receipt_type.unwrap_or(ReceiptType::Print)))
    };
    Some(Handover { tid, ams_id, by, receipt_type })
}

impl Handover {
    /// Whether the redirect waits for the customer's choice.
    pub fn waits(&self) -> bool {
        self.by == ReceiptHandler::PaymentApp
    }

    /// Records the hand-over in the World at its time now.
    pub fn record(&self, world: &mut World) {
        world.hand_over_receipt(&self.tid, &self.ams_id, self.by, self.receipt_type);
    }

    /// Adds `receiptType` to the answer when GP tom handed the receipt over.
    pub fn annotate(&self, rendered: &mut Rendered) {
        if let Some(kind) = self.receipt_type {
            rendered.add_field("receiptType", kind.as_str());
        }
    }
}
