//! World scenarios as tables: modes, the test-amount outcomes, voids, batches, the ledger.

use rstest::rstest;

use super::codes::{CardOutcome, EcrResult, PaymentMethod};
use super::ids::{AmsId, TaskId, Tid};
use super::money::Currency;
use super::task::{CancelledBy, CloseBatchRequest, ReceiptOptions, SaleRequest, TaskRequest, TaskState, VoidRequest};
use super::terminal::{TerminalConfig, TerminalMode};
use super::void_rules::VoidRefusal;
use super::{CardPresented, CreateRefusal, PastSale, TaskRefusal, World};
use crate::time::{VirtualDuration, VirtualTime};

const T0: VirtualTime = VirtualTime::DEFAULT_START;

fn tid() -> Tid {
    Tid::from("999888")
}

fn world(mode: TerminalMode) -> World {
    let mut w = World::documented_example(42, T0);
    w.set_mode(&tid(), mode).unwrap();
    w.drain_events();
    w
}

fn sale(amount: u64, method: PaymentMethod) -> TaskRequest {
    TaskRequest::Sale(SaleRequest {
        amount,
        currency: Currency::CZK,
        method,
        tip_amount: None,
        tip_collect: None,
        reference: Some(format!("ORDER {amount}")),
        receipt: ReceiptOptions::default(),
    })
}

fn void(origin: &AmsId) -> TaskRequest {
    TaskRequest::Void(VoidRequest {
        origin: origin.clone(),
        currency: Currency::CZK,
        amount: None,
        reference: None,
        receipt: ReceiptOptions::default(),
    })
}

fn close() -> TaskRequest {
    TaskRequest::CloseBatch(CloseBatchRequest::default())
}

fn state(w: &World, id: &TaskId) -> TaskState {
    w.task(id).unwrap().state
}

/// Runs a sale to its end on an automatic terminal and returns its task id.
fn run_sale(w: &mut World, amount: u64, method: PaymentMethod) -> TaskId {
    let id = w.create_task(&tid(), sale(amount, method)).unwrap();
    w.advance_by(VirtualDuration::secs(10));
    id
}

#[rstest]
#[case::approved_1111(1111, TaskState::Completed, EcrResult::SUCCESS, None, true)]
#[case::other_amounts_are_approved(1250, TaskState::Completed, EcrResult::SUCCESS, None, true)]
#[case::declined_1122(1122, TaskState::Completed, EcrResult::DECLINED, Some(42), false)]
#[case::timeout_1123(1123, TaskState::Failed, EcrResult::FAILED, Some(65), false)]
#[case::exception_1124(1124, TaskState::Failed, EcrResult::FAILED, Some(104), false)]
fn test_amounts_decide_card_outcomes(
    #[case] amount: u64,
    #[case] task_state: TaskState,
    #[case] result: EcrResult,
    #[case] error_code: Option<u16>,
    #[case] captured: bool,
) {
    let mut w = world(TerminalMode::Automatic);
    let id = run_sale(&mut w, amount, PaymentMethod::Card);
    let task = w.task(&id).unwrap();
    assert_eq!(task.state, task_state);
    let tx = w.transaction(task.ams_id.as_ref().unwrap()).unwrap();
    assert_eq!(tx.result, result);
    assert_eq!(tx.error.map(|e| e.code), error_code);
    assert_eq!(task.error.as_ref().map(|e| e.code.code), error_code.filter(|_| task_state == TaskState::Failed));
    assert_eq!(w.ledger().standing_payments(Some(&format!("ORDER {amount}"))), usize::from(captured));
}

#[test]
fn automatic_terminal_runs_tasks_one_at_a_time_in_arrival_order() {
    let mut w = world(TerminalMode::Automatic);
    let a = w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    let b = w.create_task(&tid(), sale(200, PaymentMethod::Card)).unwrap();
    assert_eq!((state(&w, &a), state(&w, &b)), (TaskState::Queued, TaskState::Queued));
    w.advance_by(VirtualDuration::secs(1));
    assert_eq!((state(&w, &a), state(&w, &b)), (TaskState::InProgress, TaskState::Queued));
    w.advance_by(VirtualDuration::secs(3));
    assert_eq!((state(&w, &a), state(&w, &b)), (TaskState::Completed, TaskState::Queued));
    w.advance_by(VirtualDuration::secs(1));
    assert_eq!(state(&w, &b), TaskState::InProgress);
    w.advance_by(VirtualDuration::secs(3));
    assert_eq!(state(&w, &b), TaskState::Completed);
}

#[test]
fn a_card_sale_reports_user_input_needed_while_it_runs() {
    let mut w = world(TerminalMode::Automatic);
    let id = w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    w.advance_by(VirtualDuration::secs(2));
    let ams = w.task(&id).unwrap().ams_id.clone().unwrap();
    assert_eq!(w.transaction(&ams).unwrap().result, EcrResult::USER_INPUT_NEEDED);
}

#[test]
fn assisted_terminal_waits_for_the_operator_and_notifies_them() {
    let mut w = world(TerminalMode::Assisted);
    let id = w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    let events = w.drain_events();
    assert!(events.iter().any(|e| matches!(e.kind, super::events::WorldEventKind::OperatorNotified { .. })));
    w.advance_by(VirtualDuration::hours(1));
    assert_eq!(state(&w, &id), TaskState::Queued);
    w.operator_pick(&tid(), &id).unwrap();
    assert_eq!(state(&w, &id), TaskState::InProgress);
    w.advance_by(VirtualDuration::hours(1));
    assert_eq!(state(&w, &id), TaskState::InProgress, "waits for the card");
    assert_eq!(w.present_card(&tid(), CardOutcome::Declined), Ok(CardPresented::Finished(id.clone())));
    assert_eq!(state(&w, &id), TaskState::Completed);
    let ams = w.task(&id).unwrap().ams_id.clone().unwrap();
    assert_eq!(w.transaction(&ams).unwrap().result, EcrResult::DECLINED);
}

#[test]
fn assisted_operator_may_pick_out_of_order() {
    let mut w = world(TerminalMode::Assisted);
    let a = w.create_task(&tid(), sale(100, PaymentMethod::Cash)).unwrap();
    let b = w.create_task(&tid(), sale(200, PaymentMethod::Cash)).unwrap();
    w.operator_pick(&tid(), &b).unwrap();
    assert_eq!(w.operator_pick(&tid(), &a), Err(TaskRefusal::Busy(tid())));
    w.advance_by(VirtualDuration::secs(1));
    assert_eq!((state(&w, &a), state(&w, &b)), (TaskState::Queued, TaskState::Completed));
}

#[test]
fn assisted_operator_rejection_cancels_the_task() {
    let mut w = world(TerminalMode::Assisted);
    let id = w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    w.operator_reject(&tid(), &id).unwrap();
    assert_eq!(state(&w, &id), TaskState::Cancelled);
    assert_eq!(w.task(&id).unwrap().cancelled_by, Some(CancelledBy::Operator));
    assert!(matches!(w.operator_pick(&tid(), &id), Err(TaskRefusal::WrongState { .. })));
}

#[test]
fn a_card_presented_in_advance_decides_the_next_sale() {
    let mut w = world(TerminalMode::Automatic);
    assert_eq!(w.present_card(&tid(), CardOutcome::Timeout), Ok(CardPresented::Kept));
    let id = run_sale(&mut w, 1111, PaymentMethod::Card);
    assert_eq!(state(&w, &id), TaskState::Failed);
}

#[test]
fn semi_integrated_terminal_refuses_a_task_while_busy() {
    let mut w = world(TerminalMode::SemiIntegrated);
    w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    assert_eq!(w.create_task(&tid(), sale(200, PaymentMethod::Card)), Err(CreateRefusal::Busy(tid())));
    w.advance_by(VirtualDuration::secs(10));
    assert!(w.create_task(&tid(), sale(200, PaymentMethod::Card)).is_ok());
}

#[test]
fn a_queued_task_can_be_withdrawn_but_not_once_it_runs() {
    let mut w = world(TerminalMode::Automatic);
    let a = w.create_task(&tid(), sale(100, PaymentMethod::Card)).unwrap();
    let b = w.create_task(&tid(), sale(200, PaymentMethod::Card)).unwrap();
    w.advance_by(VirtualDuration::secs(1));
    assert!(matches!(w.withdraw_task(&a), Err(TaskRefusal::WrongState { state: TaskState::InProgress, .. })));
    w.withdraw_task(&b).unwrap();
    w.advance_by(VirtualDuration::secs(20));
    assert_eq!(state(&w, &b), TaskState::Cancelled);
    assert_eq!(w.ledger().standing_payments(Some("ORDER 200")), 0);
}

#[test]
fn wrong_currency_is_refused() {
    let mut w = world(TerminalMode::Automatic);
    let mut req = sale(100, PaymentMethod::Card);
    if let TaskRequest::Sale(s) = &mut req {
        s.currency = Currency::EUR;
    }
    assert!(matches!(w.create_task(&tid(), req), Err(CreateRefusal::CurrencyMismatch { .. })));
}

#[test]
fn a_void_returns_the_money_and_lands_in_the_open_batch() {
    let mut w = world(TerminalMode::Automatic);
    let s = run_sale(&mut w, 5000, PaymentMethod::Card);
    let ams = w.task(&s).unwrap().ams_id.clone().unwrap();
    let v = w.create_task(&tid(), void(&ams)).unwrap();
    w.advance_by(VirtualDuration::secs(10));
    assert_eq!(state(&w, &v), TaskState::Completed);
    assert!(w.transaction(&ams).unwrap().voided);
    assert_eq!(w.ledger().standing_payments(Some("ORDER 5000")), 0);
    let open = w.open_batch(&tid()).unwrap().overall();
    assert_eq!((open.sale_count, open.void_count, open.total_amount()), (1, 1, 0));
}

#[test]
fn void_after_94_days_is_refused_when_created() {
    let mut w = world(TerminalMode::Automatic);
    let s = run_sale(&mut w, 4000, PaymentMethod::Card);
    let ams = w.task(&s).unwrap().ams_id.clone().unwrap();
    w.advance_by(VirtualDuration::days(94));
    let refusal = w.create_task(&tid(), void(&ams)).unwrap_err();
    assert!(matches!(refusal, CreateRefusal::Void(VoidRefusal::WindowExpired { .. })));
}

#[test]
fn a_void_voided_meanwhile_completes_with_already_voided() {
    let mut w = world(TerminalMode::Automatic);
    let s = run_sale(&mut w, 4000, PaymentMethod::Card);
    let ams = w.task(&s).unwrap().ams_id.clone().unwrap();
    let first = w.create_task(&tid(), void(&ams)).unwrap();
    let second = w.create_task(&tid(), void(&ams)).unwrap();
    w.advance_by(VirtualDuration::secs(20));
    assert_eq!((state(&w, &first), state(&w, &second)), (TaskState::Completed, TaskState::Completed));
    let second_tx = w.task(&second).unwrap().ams_id.clone().unwrap();
    assert_eq!(w.transaction(&second_tx).unwrap().result, EcrResult::ALREADY_VOIDED);
    assert_eq!(w.open_batch(&tid()).unwrap().overall().void_count, 1);
}

#[test]
fn a_void_on_another_terminal_is_refused() {
    let mut w = world(TerminalMode::Automatic);
    w.add_terminal(TerminalConfig { tid: Tid::from("111222"), ..TerminalConfig::documented_example() });
    let s = run_sale(&mut w, 4000, PaymentMethod::Card);
    let ams = w.task(&s).unwrap().ams_id.clone().unwrap();
    let refusal = w.create_task(&Tid::from("111222"), void(&ams)).unwrap_err();
    assert!(matches!(refusal, CreateRefusal::Void(VoidRefusal::OtherTid)));
}

#[test]
fn close_batch_returns_totals_and_opens_the_next_batch() {
    let mut w = world(TerminalMode::Automatic);
    run_sale(&mut w, 10_000, PaymentMethod::Card);
    run_sale(&mut w, 1122, PaymentMethod::Card);
    let cash = run_sale(&mut w, 2_500, PaymentMethod::Cash);
    let cash_ams = w.task(&cash).unwrap().ams_id.clone().unwrap();
    w.create_task(&tid(), void(&cash_ams)).unwrap();
    let c = w.create_task(&tid(), close()).unwrap();
    w.advance_by(VirtualDuration::secs(20));
    let batch_ams = w.task(&c).unwrap().ams_id.clone().unwrap();
    let b = w.batch(&batch_ams).unwrap();
    assert_eq!(b.batch_number, 1);
    assert_eq!((b.overall.sale_count, b.overall.void_count, b.overall.total_count()), (2, 1, 3));
    assert_eq!(b.overall.total_amount(), 10_000);
    assert_eq!(b.invalid_count, 1);
    assert_eq!(b.per_method[&PaymentMethod::Cash].total_amount(), 0);
    assert_eq!(w.open_batch(&tid()).unwrap().number, 2);
    assert_eq!(w.open_batch(&tid()).unwrap().previous_batch_date, Some(b.date));
}

#[test]
fn an_empty_batch_closes_with_zeros() {
    let mut w = world(TerminalMode::Automatic);
    let c = w.create_task(&tid(), close()).unwrap();
    w.advance_by(VirtualDuration::secs(5));
    let b = w.batch(w.task(&c).unwrap().ams_id.as_ref().unwrap()).unwrap();
    assert_eq!((b.overall.total_count(), b.overall.total_amount()), (0, 0));
    assert!(b.per_method.is_empty());
}

#[test]
fn a_cash_sale_cannot_be_voided_after_its_batch_closed() {
    let mut w = world(TerminalMode::Automatic);
    let cash = run_sale(&mut w, 2_500, PaymentMethod::Cash);
    let ams = w.task(&cash).unwrap().ams_id.clone().unwrap();
    w.create_task(&tid(), close()).unwrap();
    w.advance_by(VirtualDuration::secs(5));
    let refusal = w.create_task(&tid(), void(&ams)).unwrap_err();
    assert!(matches!(refusal, CreateRefusal::Void(VoidRefusal::BatchClosed { .. })));
}

#[test]
fn a_past_sale_94_days_old_is_in_history_and_cannot_be_voided() {
    let mut w = world(TerminalMode::Automatic);
    let ams = w
        .record_past_sale(PastSale {
            tid: tid(),
            amount: 4000,
            method: PaymentMethod::Card,
            at: T0 + VirtualDuration::days(-94),
            ams_id: Some(AmsId::from("AMS-OLD-1")),
            reference: None,
            in_open_batch: false,
        })
        .unwrap();
    assert_eq!(ams, AmsId::from("AMS-OLD-1"));
    assert!(matches!(w.create_task(&tid(), void(&ams)), Err(CreateRefusal::Void(VoidRefusal::WindowExpired { .. }))));
}

#[test]
fn same_seed_and_same_calls_give_the_same_world() {
    let run = || {
        let mut w = world(TerminalMode::Automatic);
        let id = run_sale(&mut w, 1111, PaymentMethod::Card);
        let ams = w.task(&id).unwrap().ams_id.clone().unwrap();
        (id, ams, w.drain_events())
    };
    assert_eq!(run(), run());
}
