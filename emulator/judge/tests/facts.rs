//! The typed facts every rule reads: exchanges read once ([`Req`]), the World's transitions
//! ([`WorldFacts`]), the integration's events, and what belongs to which order.

use rstest::rstest;
use serde_json::{Value, json};

use crate::judge::facts::{Call, CreateKind, Facts, Grant, Req, word};
use crate::judge::synth::{Synth, close, order, sale, scenario, t, void};
use crate::record::events::{FlagKind, OutcomeResult};
use crate::scenario::model::{FaultKind, When};
use crate::time::VirtualDuration;
use crate::world::events::WorldEventKind;
use crate::world::ids::{AmsId, TaskId, Tid};
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::LedgerKind;
use crate::world::task::{CancelledBy, TaskState};

fn one_sale() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-TASK-NOT-PAYMENT\"", &order("o1", "sale", "R1", "")))
}

/// The one exchange of a run with this request and answer.
fn req(
    surface: &'static str,
    method: &str,
    target: &str,
    body: Value,
    status: u16,
    answer: Value,
    fault: Option<FaultKind>,
) -> Req {
    let mut run = one_sale();
    let mut ex = run.ex(surface, method, target, 1.0).json(body).answer(status, answer);
    if let Some(kind) = fault {
        ex = ex.fault(kind, When::AfterActing);
    }
    ex.add();
    let record = run.record();
    Facts::new(&record).reqs.remove(0)
}

fn cloud(status: u16, fault: Option<FaultKind>) -> Req {
    req("cloud", "GET", "/v1/tasks/T1", json!(null), status, json!({"state": "IN_PROGRESS"}), fault)
}

fn initiator(status: u16, answer: Value, fault: Option<FaultKind>) -> Req {
    req("initiator", "POST", "/hype/v1/status", json!({"payload": {"identifier": "ID-A"}}), status, answer, fault)
}

// Exchanges.

#[test]
fn an_exchange_reads_as_one_evidence_line() {
    assert_eq!(cloud(200, None).line, "2026-01-01T00:00:01.000Z cloud GET /v1/tasks/T1 → 200");
    assert_eq!(cloud(0, Some(FaultKind::Hang)).line, "2026-01-01T00:00:01.000Z cloud GET /v1/tasks/T1 → no answer");
}

#[rstest]
#[case::a_whole_answer(200, None, true)]
#[case::a_scripted_status(503, Some(FaultKind::Status { code: 503, retry_after: None }), true)]
#[case::a_delayed_answer(200, Some(FaultKind::Delay(VirtualDuration::secs(3))), true)]
#[case::a_slow_drip(200, Some(FaultKind::SlowDrip(VirtualDuration::secs(3))), true)]
#[case::a_reset(200, Some(FaultKind::Reset), false)]
#[case::a_cut_body(200, Some(FaultKind::Truncate), false)]
#[case::a_garbled_body(200, Some(FaultKind::MalformedJson), false)]
#[case::a_hang(0, Some(FaultKind::Hang), false)]
fn an_answer_is_delivered_unless_a_fault_kept_it_from_the_client(
    #[case] status: u16,
    #[case] fault: Option<FaultKind>,
    #[case] delivered: bool,
) {
    let r = cloud(status, fault.clone());
    assert_eq!(r.delivered(), delivered);
    assert_eq!(r.answer().is_some(), delivered);
    assert_eq!(r.fault(), fault.as_ref());
    assert_eq!(r.task_state(), delivered.then_some(TaskState::InProgress));
}

#[test]
fn an_empty_answer_is_no_answer() {
    let r = req("cloud", "GET", "/v1/tasks/T1", json!(null), 204, json!(null), None);
    assert!(r.delivered());
    assert_eq!(r.answer(), None);
    assert_eq!(r.task_state(), None);
}

/// The answers after which the client should back off.
#[rstest]
#[case::ok(200, None, false)]
#[case::not_found(404, None, false)]
#[case::unauthorized(401, None, false)]
#[case::refused_void(422, None, false)]
#[case::timeout(408, None, true)]
#[case::busy(409, None, true)]
#[case::too_early(425, None, true)]
#[case::too_many(429, None, true)]
#[case::server_error(500, None, true)]
#[case::unavailable(503, None, true)]
#[case::the_last_5xx(599, None, true)]
#[case::a_reset(200, Some(FaultKind::Reset), true)]
fn cloud_faults(#[case] status: u16, #[case] fault: Option<FaultKind>, #[case] is_fault: bool) {
    assert_eq!(cloud(status, fault).is_fault(), is_fault);
}

#[rstest]
#[case::a_status(200, json!({"identifier": "ID-A", "status": "created"}), None, false)]
#[case::unspecified(200, json!({"identifier": "ID-A", "fault": "unspecified"}), None, true)]
#[case::server_error_on_a_500(500, json!({"identifier": "ID-A", "fault": "server_error"}), None, true)]
#[case::bad_signature(401, json!({"identifier": "ID-A", "fault": "bad_signature"}), None, false)]
#[case::nothing_printed(200, json!({"identifier": "ID-A", "status": "created"}), Some(FaultKind::Reset), true)]
#[case::an_error_that_is_no_initiator_answer(502, json!({"error": "bad gateway"}), None, true)]
fn initiator_faults(
    #[case] status: u16,
    #[case] answer: Value,
    #[case] fault: Option<FaultKind>,
    #[case] is_fault: bool,
) {
    assert_eq!(initiator(status, answer, fault).is_fault(), is_fault);
}

/// An initiator exchange other than an invoice or a status is judged by its HTTP status, as a
/// Cloud one is: a body that looks like an initiator fault does not make it one.
#[rstest]
#[case::a_200_with_a_fault_like_body(200, false)]
#[case::a_503(503, true)]
fn other_initiator_exchanges_are_judged_by_their_status(#[case] status: u16, #[case] is_fault: bool) {
    let other = req(
        "initiator",
        "POST",
        "/hype/v1/keys",
        json!({}),
        status,
        json!({"identifier": "", "fault": "server_error"}),
        None,
    );
    assert_eq!(other.is_fault(), is_fault);
}

/// A refusal no retry fixes is its code on its own status: 422 DOCUMENT_REFUSED or 403
/// NOT_AN_OPERATOR, nothing else.
#[rstest]
#[case::a_refused_document(422, "DOCUMENT_REFUSED", Some("DOCUMENT_REFUSED"))]
#[case::a_user_outside_the_operator_group(403, "NOT_AN_OPERATOR", Some("NOT_AN_OPERATOR"))]
#[case::another_code_on_a_403(403, "FORBIDDEN", None)]
#[case::another_code_on_a_422(422, "INVALID_AMOUNT", None)]
#[case::the_code_on_another_status(400, "DOCUMENT_REFUSED", None)]
fn initiator_refusals(#[case] status: u16, #[case] code: &str, #[case] refusal: Option<&str>) {
    let answer = json!({"error": {"code": code, "message": "m"}});
    let r = req("initiator", "POST", "/hype/v1/invoices", json!({}), status, answer, None);
    assert_eq!(r.initiator_refusal(), refusal);
}

#[rstest]
#[case::a_status(200, json!({"status": "created"}), Some("created"), None)]
#[case::a_fault_on_a_4xx(401, json!({"fault": "bad_signature"}), None, Some("bad_signature"))]
#[case::an_issued_invoice(200, json!({"identifier": "ID-A", "gateway_uri": "u"}), None, None)]
#[case::a_fault_that_is_not_text(200, json!({"fault": 3}), None, None)]
#[case::an_array(200, json!(["created"]), None, None)]
#[case::a_4xx_without_a_fault(404, json!({"status": "created"}), None, None)]
fn what_the_initiator_program_prints(
    #[case] status: u16,
    #[case] answer: Value,
    #[case] printed_status: Option<&str>,
    #[case] printed_fault: Option<&str>,
) {
    let r = initiator(status, answer.clone(), None);
    assert_eq!(r.initiator_status().map(crate::world::invoice::InvoiceStatus::as_str), printed_status);
    assert_eq!(r.initiator_fault().map(crate::record::scripted::InitiatorFault::as_str), printed_fault);
    let printed = answer.is_object() && (printed_fault.is_some() || (200..300).contains(&status));
    assert_eq!(r.initiator_answer().is_some(), printed, "{answer}");
}

#[test]
fn a_request_is_timed_by_its_arrival_and_its_answer_at_payterms_socket() {
    let mut run = one_sale();
    run.ex("initiator", "POST", "/hype/v1/status", 5.0).answered_at(6.0).add();
    let record = run.record();
    let facts = Facts::new(&record);
    assert_eq!((facts.reqs[0].arrived(), facts.reqs[0].answered()), (t(5.0), t(6.0)));
}

#[rstest]
#[case::a_sale("POST", "/v1/tasks/TRANSACTION", r#"{"transactionType":"SALE","originReferenceNum":"R1"}"#,
    Call::Create { kind: CreateKind::Sale, reference: Some("R1".into()), origin: None })]
#[case::an_unreadable_create("POST", "/v1/tasks/TRANSACTION", r#"{"transactionType":"REFUND"}"#,
    Call::Create { kind: CreateKind::Unreadable, reference: None, origin: None })]
#[case::a_poll("GET", "/v1/tasks/T1", "", Call::Poll { task: "T1".into() })]
#[case::a_withdrawal("DELETE", "/v1/tasks/T1", "", Call::Withdraw { task: "T1".into() })]
#[case::a_list_without_a_reference("GET", "/v1/tasks", "", Call::List { reference: None })]
#[case::a_transaction("GET", "/v1/transactions/A1", "", Call::Transaction { ams: "A1".into() })]
#[case::a_batch("GET", "/v1/batches/OPEN", "", Call::Batch { ams: "OPEN".into() })]
#[case::an_invoice("POST", "/hype/v1/invoices", r#"{"payload":{"invoice":"INV-1"}}"#, Call::Invoice { invoice: Some("INV-1".into()) })]
#[case::a_status("POST", "/hype/v1/status", r#"{"payload":{"invoice":"INV-1","identifier":"ID-A"}}"#,
    Call::Status { invoice: Some("INV-1".into()), identifier: Some("ID-A".into()) })]
#[case::a_login_without_a_terminal("POST", "/cloud/oauth/token", "grant_type=password&tid=", Call::Token(Grant::Password { tid: None }))]
#[case::another_grant("POST", "/cloud/oauth/token", "grant_type=client_credentials", Call::Token(Grant::Other))]
#[case::a_link_without_a_uri("GET", "/app2app", "", Call::Other)]
#[case::a_get_of_a_create("GET", "/v1/tasks/TRANSACTION/x", "", Call::Other)]
#[case::the_wrong_method("PUT", "/v1/tasks/T1", "", Call::Other)]
fn requests_are_classified(#[case] method: &str, #[case] target: &str, #[case] body: &str, #[case] call: Call) {
    let mut run = one_sale();
    run.ex("cloud", method, target, 1.0).body(body).add();
    let record = run.record();
    assert_eq!(Facts::new(&record).reqs[0].call, call);
}

#[test]
fn a_link_is_read_with_the_emulators_parser() {
    let mut run = one_sale();
    let target = crate::judge::synth::link_target(
        "transaction/cancel",
        &[("amsID", "A1"), ("originReferenceNum", "R1"), ("printByPaymentApp", "TRUE")],
    );
    run.ex("app2app", "GET", &target, 1.0).add();
    run.ex("app2app", "GET", "/app2app?uri=nonsense", 2.0).add();
    let record = run.record();
    let facts = Facts::new(&record);
    let Call::Link(link) = &facts.reqs[0].call else { panic!("{:?}", facts.reqs[0].call) };
    assert_eq!(
        (link.operation.as_str(), link.ams.as_deref(), link.reference.as_deref(), link.print_by_payment_app),
        ("transaction/cancel", Some("A1"), Some("R1"), Some(true))
    );
    assert!(!link.is_payment());
    let Call::Link(unread) = &facts.reqs[1].call else { panic!("{:?}", facts.reqs[1].call) };
    assert_eq!(unread.operation, "", "a link that does not parse has no keys");
}

#[rstest]
#[case::a_sale("transaction/create", true)]
#[case::a_refund("transaction/refund", true)]
#[case::a_cancel("transaction/cancel", false)]
#[case::a_close("batch/close", false)]
fn payments_among_links(#[case] operation: &str, #[case] payment: bool) {
    let link = crate::judge::facts::LinkCall { operation: operation.into(), ..Default::default() };
    assert_eq!(link.is_payment(), payment);
}

// The World.

#[test]
fn a_task_is_read_from_its_transitions() {
    let mut run = one_sale();
    run.task("T1", "100001", sale(Some("R1"), 1250), 1.0);
    run.task_state("T1", 2.0, TaskState::InProgress, Some("A1"));
    run.task_state("T1", 5.0, TaskState::Completed, None);
    run.task_state("T1", 6.0, TaskState::Failed, None);
    run.task_state("T9", 6.0, TaskState::Failed, None);
    let record = run.record();
    let facts = Facts::new(&record);
    let task = facts.world.task("T1").expect("T1");
    assert_eq!((task.tid.as_str(), task.created, task.ams.as_deref()), ("100001", t(1.0), Some("A1")));
    assert_eq!(task.ended, Some((t(5.0), TaskState::Completed)), "the first final state counts");
    assert!(!task.final_at(t(4.999)) && task.final_at(t(5.0)));
    assert!(!task.withdrawn_by(t(10.0)), "it completed");
    assert_eq!(facts.world.task_of_ams("A1").map(|t| t.id.as_str()), Some("T1"));
    assert!(facts.world.task_of_ams("A2").is_none());
    assert!(facts.world.task("T9").is_none(), "a transition of an unknown task is ignored");
    assert_eq!(facts.world.tasks.len(), 1);
}

#[rstest]
#[case::withdrawn_through_the_api(Some(CancelledBy::Api), 3.0, true)]
#[case::before_it_was_withdrawn(Some(CancelledBy::Api), 2.999, false)]
#[case::rejected_by_the_operator(Some(CancelledBy::Operator), 3.0, false)]
fn a_withdrawn_task(#[case] by: Option<CancelledBy>, #[case] at: f64, #[case] withdrawn: bool) {
    let mut run = one_sale();
    run.task("T1", "999888", sale(Some("R1"), 1250), 1.0);
    run.world(
        3.0,
        WorldEventKind::TaskState {
            tid: Tid::from("999888"),
            task: TaskId::from("T1"),
            state: TaskState::Cancelled,
            by,
            ams_id: None,
        },
    );
    let record = run.record();
    let facts = Facts::new(&record);
    let task = &facts.world.tasks[0];
    assert_eq!(task.cancelled_by, by);
    assert_eq!(task.withdrawn_by(t(at)), withdrawn);
}

#[test]
fn transaction_results_and_closed_batches_are_kept_by_ams_id() {
    let mut run = one_sale();
    run.world(
        2.0,
        WorldEventKind::TransactionResult { tid: Tid::from("100001"), ams_id: AmsId::from("A1"), result: 1122 },
    );
    run.batch_closed(3.0, "B1", crate::world::batch::Totals { sale_count: 2, ..Default::default() });
    let record = run.record();
    let facts = Facts::new(&record);
    assert_eq!(facts.world.results.get("A1"), Some(&(t(2.0), "100001".to_owned(), 1122)));
    let batch = &facts.world.batches["B1"];
    assert_eq!((batch.at, batch.tid.as_str(), batch.totals.sale_count), (t(3.0), "999888", 2));
}

#[test]
fn an_invoice_is_read_with_every_status_it_took() {
    let mut run = one_sale();
    run.issued(1.0, "ID-A", "INV-1");
    run.invoice_status(2.0, "ID-A", InvoiceStatus::PaymentInProcess);
    run.invoice_status(3.0, "ID-A", InvoiceStatus::CompletedSuccess);
    run.invoice_status(4.0, "ID-A", InvoiceStatus::CompletedRefunded);
    run.invoice_status(4.0, "ID-Z", InvoiceStatus::CompletedRefunded);
    let record = run.record();
    let facts = Facts::new(&record);
    let invoice = facts.world.invoice("ID-A").expect("ID-A");
    assert_eq!((invoice.invoice.as_str(), invoice.issued, invoice.statuses.len()), ("INV-1", t(1.0), 4));
    assert_eq!(invoice.completed(), Some((t(3.0), InvoiceStatus::CompletedSuccess)));
    assert_eq!(invoice.status_at(t(0.5)), InvoiceStatus::Created);
    assert_eq!(invoice.status_at(t(2.999)), InvoiceStatus::PaymentInProcess);
    assert_eq!(invoice.status_at(t(3.0)), InvoiceStatus::CompletedSuccess);
    assert!(facts.world.invoice("ID-Z").is_none());
}

#[rstest]
#[case::rejected(InvoiceStatus::CompletedRejected, true)]
#[case::refunded(InvoiceStatus::CompletedRefunded, true)]
#[case::in_process(InvoiceStatus::PaymentInProcess, false)]
#[case::unexpected(InvoiceStatus::Unexpected, false)]
fn completed_statuses(#[case] status: InvoiceStatus, #[case] completed: bool) {
    let mut run = one_sale();
    run.issued(1.0, "ID-A", "INV-1").invoice_status(2.0, "ID-A", status);
    let record = run.record();
    assert_eq!(Facts::new(&record).world.invoices[0].completed().is_some(), completed);
}

// Events and timing.

#[test]
fn outcomes_and_flags_are_the_orders_own() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!("{}{}", order("o1", "sale", "R1", ""), order("o2", "sale", "R2", "")),
    );
    let mut run = Synth::new(&text);
    run.outcome("o1", 1.0, OutcomeResult::Unknown, json!({"taskId": "T1"}));
    run.flag("o1", 2.0, FlagKind::Engineering).present("o1", 2.5, "u");
    run.outcome("o2", 3.0, OutcomeResult::Paid, json!(null));
    run.outcome("o1", 4.0, OutcomeResult::Paid, json!(null));
    let record = run.record();
    let facts = Facts::new(&record);
    let (o1, o2) = (&record.scenario.orders[0], &record.scenario.orders[1]);
    let results: Vec<_> = facts.outcomes(o1).iter().map(|o| (o.at, o.result)).collect();
    assert_eq!(results, [(t(1.0), OutcomeResult::Unknown), (t(4.0), OutcomeResult::Paid)]);
    assert_eq!(facts.outcomes(o1)[0].details["taskId"], "T1");
    assert!(facts.flagged(o1, None, t(2.0)));
    assert!(facts.flagged(o1, Some(FlagKind::Engineering), t(0.0)));
    assert!(!facts.flagged(o1, Some(FlagKind::Administrative), t(0.0)), "another kind");
    assert!(!facts.flagged(o1, None, t(2.001)), "only before");
    assert!(!facts.flagged(o2, None, t(0.0)), "another order's");
}

#[rstest]
#[case::at_the_default_scale(0.01, "500ms", 500, 500)]
#[case::where_10_percent_is_larger(0.01, "10s", 1000, 500)]
#[case::at_scale_1(1.0, "500ms", 50, 5)]
#[case::slower(0.1, "1s", 100, 50)]
fn the_tolerance_is_10_percent_or_5_real_ms(
    #[case] scale: f64,
    #[case] min: &str,
    #[case] tolerance: i64,
    #[case] five_ms: i64,
) {
    let text = scenario(
        "\"cloud\"",
        "\"RATE-NO-STORM\"",
        &format!("min_poll_interval = \"{min}\"\npatience = \"1m\"\n{}", order("o1", "sale", "R1", "")),
    );
    let record = Synth::new(&text).scale(scale).record();
    let facts = Facts::new(&record);
    assert_eq!(facts.tolerance(facts.min_interval()), VirtualDuration(tolerance));
    assert_eq!(facts.real_ms(5.0), five_ms);
    assert_eq!(facts.patience(), VirtualDuration::secs(60));
    assert_eq!(
        facts.tolerance(VirtualDuration(-20_000)),
        VirtualDuration(2000.max(five_ms)),
        "of a length, whatever its sign"
    );
}

#[test]
fn outcome_words_are_the_driver_contracts() {
    let all = [
        (OutcomeResult::Paid, "paid"),
        (OutcomeResult::NotPaid, "not_paid"),
        (OutcomeResult::Refunded, "refunded"),
        (OutcomeResult::Voided, "voided"),
        (OutcomeResult::NotVoided, "not_voided"),
        (OutcomeResult::BatchClosed, "batch_closed"),
        (OutcomeResult::NotClosed, "not_closed"),
        (OutcomeResult::Unknown, "unknown"),
    ];
    for (result, text) in all {
        assert_eq!(word(result), text);
    }
}

// Attribution.

/// Orders: a sale (R1), a void of it (`of`), a close batch, an invoice (INV-1).
fn four_orders() -> Synth {
    let text = scenario(
        "\"cloud\", \"app2app\", \"initiator\"",
        "\"CLOUD-TASK-NOT-PAYMENT\"",
        &format!(
            "{}{}{}{}",
            order("s1", "sale", "R1", "surface = \"cloud\"\n"),
            order("v1", "void", "V1", "surface = \"cloud\"\nof = \"s1\"\n"),
            order("c1", "close_batch", "EOD", "surface = \"app2app\"\n"),
            order("i1", "invoice", "INV-1", "surface = \"initiator\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.task("T1", "999888", sale(Some("R1"), 1250), 1.0);
    run.money(3.0, LedgerKind::Capture, "A1", 1250, Some("R1")).task_state("T1", 3.0, TaskState::Completed, Some("A1"));
    run.task("TV", "999888", void("A1", None), 5.0);
    run.money(6.0, LedgerKind::Void, "A1", 1250, None).task_state("TV", 6.0, TaskState::Completed, Some("A1"));
    run.issued(7.0, "ID-A", "INV-1-2");
    run
}

/// Which order each request of `run` was given to, by its target.
fn owners(run: &Synth) -> Vec<(String, Option<String>)> {
    let record = run.record();
    let facts = Facts::new(&record);
    facts
        .reqs
        .iter()
        .map(|r| {
            let owner = facts.each_order().find(|(_, of)| of.reqs.contains(&r.index)).map(|(o, _)| o.id.clone());
            (r.path.clone(), owner)
        })
        .collect()
}

#[test]
fn each_request_belongs_to_the_order_its_keys_name() {
    let mut run = four_orders();
    run.poll("T1", 2.0, "IN_PROGRESS", None);
    run.withdraw("TV", 5.5, 409);
    run.fetch("A1", 4.0, 0);
    run.list("R1", 4.5, json!([]));
    run.create_void("A1", None, 5.0, "999888", 201, Some("TV"));
    run.link("batch/close", &[], 8.0, json!({"status": "COMPLETED"}));
    run.status_req("", "ID-A", 9.0, json!({"status": "created"}));
    run.login(Some("999888"), 0.5, 200);
    run.poll("T404", 9.5, "COMPLETED", None);
    let found = owners(&run);
    let owner = |path: &str| found.iter().find(|(p, _)| p == path).and_then(|(_, o)| o.clone());
    assert_eq!(owner("/v1/tasks/T1").as_deref(), Some("s1"), "a poll by its task");
    assert_eq!(owner("/v1/tasks/TV").as_deref(), Some("v1"), "a withdrawal by its task, a void by the sale it names");
    assert_eq!(owner("/v1/transactions/A1").as_deref(), Some("s1"), "a read by the task that made the transaction");
    assert_eq!(owner("/v1/tasks").as_deref(), Some("s1"), "a list by its reference");
    assert_eq!(owner("/v1/tasks/TRANSACTION").as_deref(), Some("v1"), "a VOID create by its origin");
    assert_eq!(owner("/app2app").as_deref(), Some("c1"), "a close link: the only app2app close batch");
    assert_eq!(owner("/hype/v1/status").as_deref(), Some("i1"), "a status by its identifier's invoice");
    assert_eq!(owner("/cloud/oauth/token"), None, "a login is no order's");
    assert_eq!(owner("/v1/tasks/T404"), None, "an unknown task is no order's");
}

#[test]
fn tasks_invoices_and_money_belong_to_their_orders() {
    let run = four_orders();
    let record = run.record();
    let facts = Facts::new(&record);
    let of = |id: &str| facts.each_order().find(|(o, _)| o.id == id).map(|(_, of)| of.clone()).expect("order");
    assert_eq!(of("v1").void_target.as_deref(), Some("A1"), "the sale of s1, found in the ledger by its reference");
    assert_eq!((of("s1").tasks.len(), of("v1").tasks.len()), (1, 1));
    assert_eq!(of("i1").invoices.len(), 1, "INV-1-2 is a second invoice of INV-1");
    assert_eq!(of("s1").money.len(), 1, "the capture carries R1");
    assert_eq!(of("v1").money.len(), 2, "a void order's money is the payment it voids");
    assert!(facts.unattributed.is_empty(), "{:?}", facts.unattributed);
    assert_eq!(facts.scenario().orders.len(), 4);
}

#[test]
fn a_close_batch_task_belongs_to_the_only_cloud_close_batch_order() {
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-BATCH-TOTALS\"",
        &format!("{}{}", order("s1", "sale", "R1", ""), order("c1", "close_batch", "EOD", "")),
    );
    let mut run = Synth::new(&text);
    run.task("B1", "999888", close(None), 1.0);
    run.task("T1", "999888", sale(None, 1250), 1.0);
    let record = run.record();
    let facts = Facts::new(&record);
    let tasks: Vec<usize> = facts.each_order().map(|(_, of)| of.tasks.len()).collect();
    // MONEY-AS-ORDERED then says its reference is missing (tests/as_ordered.rs).
    assert_eq!(tasks, [1, 1], "the only Cloud sale order's, though it carries no reference; the close batch is c1's");
}

#[test]
fn in_a_single_order_scenario_everything_is_the_orders() {
    let mut run = one_sale();
    run.task("T1", "999888", sale(None, 1250), 1.0);
    run.poll("T9", 2.0, "COMPLETED", None);
    run.login(None, 0.5, 200);
    let record = run.record();
    let facts = Facts::new(&record);
    let (_, of) = facts.each_order().next().expect("o1");
    assert_eq!(of.tasks.len(), 1);
    assert_eq!(facts.reqs_of(of).map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/v1/tasks/T9"], "but not a login");
}
