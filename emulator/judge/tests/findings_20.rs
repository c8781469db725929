//! One test per finding of issue 20 that the judge alone decides: a request tied to the order
//! that asked for it with everything known, and a rule the spec let the integration finish
//! before (not applicable, never inconclusive).

use serde_json::json;

use crate::judge::VerdictKind::{NotApplicable, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::OutcomeResult;
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::LedgerKind;
use crate::world::task::TaskState;

/// Finding 2.1: two voids of the same sale, neither with a reference. The first is done and
/// its outcome names its task; the second, given later, is refused 422 — and that refusal is
/// the second's, not "the refused VOID was reported voided" against the first.
#[test]
fn two_voids_of_one_sale_each_answer_for_their_own_requests() {
    // Arrange
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-93-DAYS\"",
        &format!(
            "{}{}{}",
            order("s1", "sale", "SALE A", ""),
            order("v1", "void", "VOID A", "of = \"s1\"\n"),
            order("v2", "void", "VOID B", "of = \"s1\"\nat = \"100s\"\n"),
        ),
    );
    let mut run = Synth::new(&text);
    run.money(5.0, LedgerKind::Capture, "AMS-1", 1250, Some("SALE A"));
    run.create_void("AMS-1", None, 10.0, "999888", 201, Some("TV1"));
    run.void_task("TV1", "AMS-1", "999888", 10.0, Some((15.0, TaskState::Completed)), true);
    run.outcome("v1", 16.0, OutcomeResult::Voided, json!({"taskId": "TV1"}));
    run.create_void("AMS-1", None, 110.0, "999888", 422, None);
    run.outcome("v2", 111.0, OutcomeResult::NotVoided, json!(null));
    // Act
    let first = run.verdict("CLOUD-VOID-93-DAYS", Some("v1"));
    let second = run.verdict("CLOUD-VOID-93-DAYS", Some("v2"));
    // Assert
    assert_eq!(first.kind, Pass, "the first void was done and reported voided: {first:#?}");
    assert_eq!(second.kind, Pass, "the second was refused once and reported not_voided: {second:#?}");
}

/// An invoice order paid at 20 s and refunded at 60 s; the integration reports `paid` at 22 s.
fn refunded_later(finished: f64) -> Synth {
    let text = scenario("\"initiator\"", "\"HYPE-REFUNDED\"", &order("o1", "invoice", "INV-1", ""));
    let mut run = Synth::new(&text);
    run.issued(1.0, "ID-1", "INV-1");
    run.invoice_status(20.0, "ID-1", InvoiceStatus::CompletedSuccess);
    run.status_req("INV-1", "ID-1", 21.0, json!({"identifier": "ID-1", "status": "completed_success"}));
    run.outcome("o1", 22.0, OutcomeResult::Paid, json!({"identifier": "ID-1"}));
    run.invoice_status(60.0, "ID-1", InvoiceStatus::CompletedRefunded);
    run.finished(finished);
    run
}

/// Finding 2.2: an integration that exits right after `paid` — as the spec allows — is not
/// failed inconclusive on HYPE-REFUNDED for a refund that came after it had finished.
#[test]
fn a_refund_after_the_integration_finished_is_not_applicable_and_says_why() {
    let verdict = refunded_later(23.0).verdict("HYPE-REFUNDED", Some("o1"));
    assert_eq!(verdict.kind, NotApplicable, "{verdict:#?}");
    assert!(verdict.happened.contains("reported paid and had finished"), "{}", verdict.happened);
    assert!(verdict.happened.contains("as the spec allows"), "{}", verdict.happened);
}

/// While it still ran, the refund was there to be seen: never asking is not exercising it.
#[test]
fn a_refund_while_the_integration_still_ran_is_its_to_see() {
    assert_eq!(refunded_later(90.0).kind("HYPE-REFUNDED", Some("o1")), NotExercised);
}

/// Only an integration that had reported an outcome may have finished "as the spec allows".
#[test]
fn an_integration_that_finished_without_an_outcome_is_not_excused() {
    let text = scenario("\"initiator\"", "\"HYPE-REFUNDED\"", &order("o1", "invoice", "INV-1", ""));
    let mut run = Synth::new(&text);
    run.issued(1.0, "ID-1", "INV-1");
    run.invoice_status(60.0, "ID-1", InvoiceStatus::CompletedRefunded);
    run.finished(23.0);
    assert_eq!(run.kind("HYPE-REFUNDED", Some("o1")), NotExercised);
}

/// Finding 2.4: the create answer was lost; the lookup by reference already shows the task
/// COMPLETED, so no poll is needed — CLOUD-POLL-UNTIL-FINAL passes, it is not inconclusive.
#[test]
fn a_task_seen_final_by_its_lookup_needs_no_poll() {
    let text = scenario("\"cloud\"", "\"CLOUD-POLL-UNTIL-FINAL\"", &order("o1", "sale", "R1", ""));
    let mut run = Synth::new(&text);
    run.sale_task("T1", Some("R1"), 1.0, Some((2.5, TaskState::Completed)), "A1", true);
    run.create_sale("R1", 1.0, 502, None);
    run.list("R1", 3.0, json!([{"taskId": "T1", "state": "COMPLETED", "amsId": "A1"}]));
    run.fetch("A1", 4.0, 0);
    run.outcome("o1", 5.0, OutcomeResult::Paid, json!({"taskId": "T1"}));
    let verdict = run.verdict("CLOUD-POLL-UNTIL-FINAL", Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
}
