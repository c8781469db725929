//! The explorer's own scenario model, [`GenScenario`]: orders, a customer plan and one flat
//! list of script [`Step`]s, small enough to generate and shrink, with the rules it targets,
//! its deadline, and the fairness checks the file format cannot make.

use crate::world::ledger::Surface;

/// How long a status or task step holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// For this many requests.
    Polls(u32),
    /// For this many virtual seconds.
    Secs(u32),
    /// Until the customer opens the URI.
    UntilOpens,
    /// Until the customer starts paying.
    UntilPays,
    /// Until the customer's payment completes (succeeds or is rejected).
    UntilCompletes,
    /// For ever (only ever the last step of its order).
    Forever,
}

/// What a `[[script.status]]` step answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A status of initiator.md's table.
    Status(&'static str),
    /// A fault of initiator.md's table.
    Fault(&'static str),
}

/// A request fault of `[[script.http]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpFault {
    /// An HTTP status, with a `Retry-After` in virtual seconds.
    Status(u16, Option<u32>),
    /// A TCP reset.
    Reset,
    /// Held open until the client gives up.
    Hang,
    /// Fewer bytes than `Content-Length`.
    Truncate,
    /// A body that is not JSON.
    MalformedJson,
    /// The answer comes this many virtual seconds late.
    Delay(u32),
    /// The answer trickles out over this many virtual seconds.
    SlowDrip(u32),
}

/// One script entry; the list keeps each kind's relative order, which is what TOML keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An invoice's status answer.
    Status {
        /// The invoice order.
        order: String,
        /// What is answered.
        answer: Answer,
        /// How long.
        hold: Hold,
    },
    /// A Cloud task's state.
    Task {
        /// The Cloud sale order.
        order: String,
        /// `QUEUED`, `IN_PROGRESS`, `COMPLETED`, `FAILED` or `CANCELLED`.
        state: &'static str,
        /// How long.
        hold: Hold,
        /// The card outcome of a final step.
        outcome: Option<&'static str>,
        /// A `FAILED` sale whose money was captured all the same.
        captured: bool,
    },
    /// The next card outcome on the terminal.
    Card {
        /// `approved`, `declined`, `timeout` or `exception`.
        outcome: &'static str,
        /// How long the reader takes, virtual seconds.
        after_s: u32,
    },
    /// A fault on matching requests.
    Http {
        /// `METHOD /path`.
        matcher: &'static str,
        /// The first matching request struck, from 1.
        from: u32,
        /// How many in a row.
        times: u32,
        /// What happens.
        fault: HttpFault,
        /// The emulator acts before the answer is lost.
        after_acting: bool,
    },
    /// A deep-link answer replaced: `CANCELLED` (no error) or `ERROR` with a reason.
    Link {
        /// The deep-link order.
        order: String,
        /// The `ERROR` reason; `None` is `CANCELLED`.
        error: Option<&'static str>,
    },
    /// Every access token expires at this virtual second.
    Tokens {
        /// From the scenario's start.
        at_s: u32,
    },
}

impl Step {
    /// The order the step belongs to, if one.
    pub fn order(&self) -> Option<&str> {
        match self {
            Step::Status { order, .. } | Step::Task { order, .. } | Step::Link { order, .. } => Some(order),
            _ => None,
        }
    }
}

/// One order given to the integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOrder {
    /// `o1`, `o2`, …
    pub id: String,
    /// `invoice` on the initiator, `sale` on the others.
    pub surface: Surface,
    /// Minor units (tiyin for invoices).
    pub amount: u64,
    /// When it is given, virtual seconds.
    pub at_s: u32,
    /// Deep links: who hands over the receipt.
    pub print_by_payment_app: Option<bool>,
}

impl GenOrder {
    /// The reference passed on: `INV-o1` for an invoice, `SALE o1` elsewhere (the Cloud API
    /// takes letters, digits and spaces). No reference contains another, since the judge
    /// finds an invoice's requests by the text of its reference.
    pub fn reference(&self) -> String {
        match self.surface {
            Surface::Initiator => format!("INV-{}", self.id),
            _ => format!("SALE {}", self.id),
        }
    }

    pub(super) fn operation(&self) -> &'static str {
        if self.surface == Surface::Initiator { "invoice" } else { "sale" }
    }
}

/// The virtual customer, in virtual seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Customer {
    /// Opens the URI this long after it is presented.
    pub opens_after_s: u32,
    /// Starts paying this long after opening.
    pub pays_after_s: u32,
    /// The payment completes this long after paying starts.
    pub completes_after_s: u32,
    /// The customer rejects instead of paying.
    pub rejects: bool,
    /// A refund this long after success.
    pub refunds_after_s: Option<u32>,
}

/// A generated scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenScenario {
    /// The exploration seed (also the scenario's own `seed`).
    pub seed: u64,
    /// The run it was generated for.
    pub run: u32,
    /// The terminal is semi-integrated (refuses a second sale while busy) instead of automatic.
    pub semi_integrated: bool,
    /// The customer plan.
    pub customer: Customer,
    /// The orders.
    pub orders: Vec<GenOrder>,
    /// The script.
    pub steps: Vec<Step>,
}

/// The statuses that end an invoice's payment when a script answers them.
pub const SCRIPTED_ENDS: [&str; 3] = ["completed_success", "completed_rejected", "completed_refunded"];
/// The answers after which the spec tells the integration to stop asking.
pub const STOPS: [Answer; 4] = [
    Answer::Fault("bad_signature"),
    Answer::Fault("resource_not_found"),
    Answer::Fault("user_disabled"),
    Answer::Status("unexpected"),
];

impl GenScenario {
    /// (orders, script steps): the size the shrinker makes smaller.
    pub fn size(&self) -> (usize, usize) {
        (self.orders.len(), self.steps.len())
    }

    /// The surfaces its orders use, in a fixed order.
    pub fn surfaces(&self) -> Vec<Surface> {
        [Surface::Initiator, Surface::Cloud, Surface::App2app]
            .into_iter()
            .filter(|s| self.orders.iter().any(|o| o.surface == *s))
            .collect()
    }

    /// The status steps of `order`, in order.
    pub fn status_of<'a>(&'a self, order: &'a str) -> impl Iterator<Item = (Answer, Hold)> + 'a {
        self.steps.iter().filter_map(move |s| match s {
            Step::Status { order: o, answer, hold } if o == order => Some((*answer, *hold)),
            _ => None,
        })
    }

    /// The rules it targets: every rule about its surfaces that its orders can exercise (the
    /// money rules are judged always). Voids and close batches are never generated, so their
    /// rules are left out.
    pub fn rules(&self) -> Vec<&'static str> {
        let surfaces = self.surfaces();
        let mut rules = Vec::new();
        if surfaces.contains(&Surface::Initiator) {
            rules.extend([
                "HYPE-UNDETERMINABLE",
                "HYPE-CREATED",
                "HYPE-REACHED",
                "HYPE-IN-PROCESS",
                "HYPE-SUCCESS",
                "HYPE-REFUNDED",
                "HYPE-REJECTED",
                "HYPE-UNEXPECTED",
                "HYPE-NO-JSON",
                "HYPE-F-UNSPECIFIED",
                "HYPE-F-SERVER-ERROR",
                "HYPE-F-BAD-SIGNATURE",
                "HYPE-F-USER-DISABLED",
                "HYPE-F-NOT-FOUND",
                "HYPE-SKIP-FLAGGED",
            ]);
        }
        if surfaces.contains(&Surface::Cloud) {
            rules.extend([
                "CLOUD-TASK-NOT-PAYMENT",
                "CLOUD-POLL-UNTIL-FINAL",
                "CLOUD-TOKEN-REUSE",
                "CLOUD-NO-DUPLICATE-SALE",
                "CLOUD-QUEUE-PARALLEL",
            ]);
        }
        if surfaces.contains(&Surface::App2app) {
            rules.extend(["LINK-PARAMS-VALID", "LINK-STATUS-HANDLED", "LINK-RECEIPT-CHOICE"]);
        }
        rules.extend(["MONEY-NO-DOUBLE-CHARGE", "MONEY-NO-LOST-PAYMENT", "MONEY-TRUTHFUL-OUTCOME", "LIVENESS-OUTCOME"]);
        rules.push("RATE-NO-STORM");
        rules
    }

    /// Whether every status script agrees with the customer plan, so no answer contradicts the
    /// ledger however slowly the integration polls. A script that ends the payment itself
    /// (`completed_success`, `completed_rejected`) leaves the customer only opening and paying,
    /// so the money moves when the script says. A script that ends in a stop leaves the ending
    /// to the customer, who completes on the clock: each step answering that the payment is not
    /// yet complete (`created`, `reached`, `payment_in_process`) must then end by a customer
    /// event no later than the completion (opens, pays, completes), never by polls or a span,
    /// which a correct integration backing off after faults may stretch past it.
    pub fn statuses_agree(&self) -> bool {
        self.orders.iter().filter(|o| o.surface == Surface::Initiator).all(|o| {
            let steps: Vec<(Answer, Hold)> = self.status_of(&o.id).collect();
            let ends_itself =
                steps.iter().any(|(a, _)| matches!(a, Answer::Status("completed_success" | "completed_rejected")));
            ends_itself
                || steps.iter().all(|(answer, hold)| match answer {
                    Answer::Status("created" | "reached" | "payment_in_process") => {
                        matches!(hold, Hold::UntilOpens | Hold::UntilPays | Hold::UntilCompletes)
                    }
                    _ => true,
                })
        })
    }

    /// Whether a correct integration can pass it: the checks the file format cannot make,
    /// kept by generation and by every shrinking step. A status script ends the payment itself
    /// or tells the integration to stop (otherwise its last answer would hide the customer's
    /// ending for ever) and agrees with the customer plan ([`Self::statuses_agree`]); statuses
    /// only move forward; a task script ends in a final state; `user_disabled` (which stops
    /// every invoice) only with one invoice; at most one deep-link order (LINK-STATUS-HANDLED
    /// reads the scenario's last link); a refund only without status scripts; a
    /// semi-integrated terminal only for Cloud sales; no `Retry-After` longer than the
    /// patience window (a correct integration could not both honour it and come back within
    /// the window).
    pub fn is_fair(&self) -> bool {
        let of = |surface: Surface| self.orders.iter().filter(move |o| o.surface == surface);
        let invoices = of(Surface::Initiator).count();
        let statuses_ok = of(Surface::Initiator).all(|o| {
            let steps: Vec<(Answer, Hold)> = self.status_of(&o.id).collect();
            let Some((last, _)) = steps.last() else { return true };
            let ends = matches!(last, Answer::Status(s) if SCRIPTED_ENDS.contains(s)) || STOPS.contains(last);
            let ranks: Vec<u8> = steps.iter().filter_map(|(a, _)| status_rank(*a)).collect();
            let stops_last = steps.iter().rev().skip(1).all(|(a, _)| !STOPS.contains(a));
            ends && stops_last && ranks.windows(2).all(|w| w[0] <= w[1])
        });
        let tasks_ok = of(Surface::Cloud).all(|o| {
            let last = self.steps.iter().rev().find_map(|s| match s {
                Step::Task { order, state, .. } if *order == o.id => Some(*state),
                _ => None,
            });
            last.is_none_or(|s| ["COMPLETED", "FAILED", "CANCELLED"].contains(&s))
        });
        let disabled =
            self.steps.iter().any(|s| matches!(s, Step::Status { answer: Answer::Fault("user_disabled"), .. }));
        let has_status = self.steps.iter().any(|s| matches!(s, Step::Status { .. }));
        let steps_belong = self.steps.iter().all(|s| match s.order() {
            Some(id) => self.orders.iter().any(|o| o.id == id),
            None => true,
        });
        let retry_ok = self.steps.iter().all(|s| match s {
            Step::Http { fault: HttpFault::Status(_, Some(r)), .. } => *r <= super::room::PATIENCE_S,
            _ => true,
        });
        statuses_ok
            && self.statuses_agree()
            && retry_ok
            && tasks_ok
            && steps_belong
            && !(disabled && invoices != 1)
            && of(Surface::App2app).count() <= 1
            && !(self.customer.refunds_after_s.is_some() && has_status)
            && !(self.semi_integrated && of(Surface::App2app).count() > 0)
            && !self.orders.is_empty()
    }
}

/// Where a status stands on the way created → reached → payment_in_process → completed; the
/// answers that say nothing about the way (faults, `undeterminable`, `unexpected`) have none.
fn status_rank(answer: Answer) -> Option<u8> {
    match answer {
        Answer::Status("created") => Some(0),
        Answer::Status("reached") => Some(1),
        Answer::Status("payment_in_process") => Some(2),
        Answer::Status("completed_success" | "completed_rejected") => Some(3),
        Answer::Status("completed_refunded") => Some(4),
        _ => None,
    }
}
