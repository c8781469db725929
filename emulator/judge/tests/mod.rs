//! The judge's own tests, on synthetic runs ([`super::synth::Synth`]): no process, socket or
//! real time, so the whole set runs in well under a second.

/// MONEY-AS-ORDERED, and LIVENESS-OUTCOME's excuse for refusals the integration caused.
mod as_ordered;
/// CLOUD-TASK-NOT-PAYMENT and CLOUD-POLL-UNTIL-FINAL.
mod cloud;
/// CLOUD-NO-DUPLICATE-SALE, CLOUD-BATCH-TOTALS and CLOUD-QUEUE-PARALLEL.
mod cloud_queue;
/// The typed facts: exchanges, the World, events, timing and attribution.
mod facts;
/// One test per finding of issue 13.
mod findings;
/// One test per finding of issue 20 the judge alone decides (attribution, not applicable).
mod findings_20;
/// The initiator's ask-again rows and HYPE-UNEXPECTED.
mod initiator;
/// The initiator's stop faults: HYPE-F-BAD-SIGNATURE, HYPE-F-NOT-FOUND, HYPE-F-USER-DISABLED.
mod initiator_stop;
/// RUN-INTEGRITY and RUN-BOUNDS: what the judge may believe.
mod integrity;
/// LINK-PARAMS-VALID, LINK-STATUS-HANDLED and LINK-RECEIPT-CHOICE.
mod links;
/// LIVENESS-OUTCOME.
mod liveness;
/// MONEY-NO-DOUBLE-CHARGE, MONEY-NO-LOST-PAYMENT, MONEY-TRUTHFUL-OUTCOME and attribution.
mod money;
/// RATE-NO-STORM.
mod rate;
/// HYPE-IN-PROCESS, HYPE-SUCCESS, HYPE-REFUNDED, HYPE-REJECTED and HYPE-SKIP-FLAGGED.
mod statuses;
/// The rule table, judge() and the verdict constructors.
mod table;
/// CLOUD-TOKEN-REUSE.
mod tokens;
/// CLOUD-VOID-SAME-TID and CLOUD-VOID-93-DAYS.
mod voids;
