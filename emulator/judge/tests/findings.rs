//! One test per finding of issue 13 (mistakes planted in outside integrations that went green,
//! and a correct backoff flagged), each on a synthetic run: every one failed before the judge
//! read typed facts.

use serde_json::json;

use crate::journal::LinkCheck;
use crate::judge::VerdictKind::{Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, scenario};
use crate::record::events::{FlagKind, OutcomeResult};
use crate::scenario::model::{FaultKind, When};
use crate::world::batch::Totals;
use crate::world::task::TaskState;

fn void_order(ams: &str, at_days: &str, method: &str) -> String {
    scenario(
        "\"cloud\"",
        "\"CLOUD-VOID-93-DAYS\"",
        &format!(
            "[[history.sales]]\namount = 4000\nams_id = \"{ams}\"\nat = \"{at_days}\"\nmethod = \"{method}\"\n\
             [[orders]]\nid = \"o1\"\noperation = \"void\"\nams_id = \"{ams}\"\nreference = \"VOID OLD\"\n"
        ),
    )
}

/// Finding 1: a refused VOID retried every second (without the order's reference) is caught.
#[test]
fn a_refused_void_retried_every_second_fails_the_93_day_rule() {
    // Arrange
    let mut run = Synth::new(&void_order("AMS-OLD-1", "-94d", "CARD"));
    for n in 0..5 {
        run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0 + f64::from(n))
            .json(json!({"transactionType": "VOID", "originTransactionID": "AMS-OLD-1", "currencyCode": "CZK"}))
            .answer(422, json!({"error": {"code": "VOID_NOT_ALLOWED", "reason": "VOID_WINDOW_EXPIRED"}}))
            .tid("999888")
            .add();
    }
    run.outcome("o1", 7.0, OutcomeResult::NotVoided, json!(null));

    // Act
    let verdict = run.verdict("CLOUD-VOID-93-DAYS", Some("o1"));

    // Assert
    assert_eq!(verdict.kind, Fail, "{verdict:#?}");
    assert!(verdict.happened.contains("sent 4 more time(s)"), "{}", verdict.happened);
}

fn sale_order(rules: &str, body: &str) -> String {
    scenario(
        "\"cloud\"",
        rules,
        &format!("{body}[[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 1250\nreference = \"R1\"\n"),
    )
}

/// Finding 2: a create retried 1 s after a 503 that said Retry-After 30 s is a storm; 30 s
/// later is not; the boundary is the tolerance (10 % of 30 s) below it.
#[test]
fn a_create_retried_before_its_retry_after_fails_rate_no_storm() {
    let run = |retry_at: f64| {
        let mut run = Synth::new(&sale_order("\"RATE-NO-STORM\"", ""));
        run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0)
            .json(json!({"transactionType": "SALE", "originReferenceNum": "R1"}))
            .answer(503, json!({"error": {"code": "SCRIPTED_FAULT"}}))
            .retry_after(30)
            .fault(FaultKind::Status { code: 503, retry_after: None }, When::BeforeActing)
            .add();
        run.create_sale("R1", retry_at, 201, Some("T1"));
        run.kind("RATE-NO-STORM", None)
    };
    assert_eq!(run(2.0), Fail, "1 s after a Retry-After of 30 s");
    assert_eq!(run(31.0), Pass, "30 s after");
    // 10 % of 30 s is 3 s of tolerance: 27.0 s is the last wait that passes.
    assert_eq!(run(28.0), Pass, "27 s after: within the tolerance");
    assert_eq!(run(27.9), Fail, "26.9 s after: past the tolerance");
}

/// Finding 3: `not_voided` for a void the World allowed, never sent, fails; for a crypto sale
/// (impossible, checked locally) it passes.
#[test]
fn not_voided_without_trying_fails_only_when_the_void_was_possible() {
    let run = |at: &str, method: &str| {
        let mut run = Synth::new(&void_order("AMS-1", at, method));
        run.outcome("o1", 2.0, OutcomeResult::NotVoided, json!(null));
        (run.kind("CLOUD-VOID-93-DAYS", Some("o1")), run.kind("LIVENESS-OUTCOME", Some("o1")))
    };
    assert_eq!(run("-92d", "CARD"), (Fail, Fail), "92 days old: the void was possible");
    assert_eq!(run("-94d", "CARD"), (Pass, Pass), "94 days old: impossible");
    assert_eq!(run("-1d", "GO_CRYPTO"), (Pass, Pass), "crypto: impossible");
}

/// Finding 3's boundary: 93 days exactly is still within the window; 1 ms more is past it.
#[test]
fn the_void_window_ends_exactly_93_days_after_the_sale() {
    let run = |outcome_at: f64| {
        let mut run = Synth::new(&void_order("AMS-1", "-93d", "CARD"));
        run.outcome("o1", outcome_at, OutcomeResult::NotVoided, json!(null));
        run.kind("LIVENESS-OUTCOME", Some("o1"))
    };
    assert_eq!(run(0.0), Fail, "exactly 93 days: still possible, so not trying fails");
    assert_eq!(run(0.001), Pass, "93 days and 1 ms: impossible");
}

/// Finding 4: `batch_closed` with made-up totals, the batch never read, fails.
#[test]
fn made_up_batch_totals_never_read_fail_batch_totals() {
    // Arrange
    let text = scenario(
        "\"cloud\"",
        "\"CLOUD-BATCH-TOTALS\"",
        "[[orders]]\nid = \"o1\"\noperation = \"close_batch\"\nreference = \"EOD\"\n",
    );
    let totals = Totals { sale_count: 2, sale_amount: 3000, void_count: 0, void_amount: 0 };
    let mut made_up = Synth::new(&text);
    made_up.task("B1", "999888", crate::judge::synth::close(Some("EOD")), 1.0);
    made_up.batch_closed(3.0, "BATCH-1", totals).task_state("B1", 3.0, TaskState::Completed, Some("BATCH-1"));
    let mut honest = Synth::new(&text);
    honest.task("B1", "999888", crate::judge::synth::close(Some("EOD")), 1.0);
    honest.batch_closed(3.0, "BATCH-1", totals).task_state("B1", 3.0, TaskState::Completed, Some("BATCH-1"));
    honest
        .ex("cloud", "GET", "/v1/batches/BATCH-1", 4.0)
        .answer(200, json!({"amsId": "BATCH-1", "saleCount": 2}))
        .add();
    let reported = json!({"batch": {"saleCount": 2, "saleAmount": 3000, "voidCount": 0, "voidAmount": 0, "totalCount": 2, "totalAmount": 3000}});
    honest.outcome("o1", 5.0, OutcomeResult::BatchClosed, reported);
    made_up.outcome("o1", 5.0, OutcomeResult::BatchClosed, json!({"batch": {"saleCount": 9, "saleAmount": 1}}));

    // Act / Assert
    let verdict = made_up.verdict("CLOUD-BATCH-TOTALS", Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("without reading GET /v1/batches/BATCH-1"), "{}", verdict.happened);
    assert!(verdict.evidence.iter().any(|e| e.contains("saleCount: reported 9")), "{:?}", verdict.evidence);
    assert_eq!(honest.kind("CLOUD-BATCH-TOTALS", Some("o1")), Pass);
}

fn two_invoices(rules: &str) -> String {
    scenario(
        "\"initiator\"",
        rules,
        "[[orders]]\nid = \"o1\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-1\"\n\
         [[orders]]\nid = \"o2\"\noperation = \"invoice\"\namount = 100\nreference = \"REF-10\"\nat = \"1m\"\n",
    )
}

/// Finding 5: after `user_disabled` on o1, an invoice for o2 a minute later fails.
#[test]
fn after_user_disabled_an_invoice_for_another_order_fails() {
    // Arrange
    let mut run = Synth::new(&two_invoices("\"HYPE-F-USER-DISABLED\""));
    run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
        .json(json!({"payload": {"invoice": "REF-1"}}))
        .answer(200, json!({"identifier": "", "fault": "user_disabled"}))
        .add();
    run.flag("o1", 1.5, FlagKind::Administrative);
    run.ex("initiator", "POST", "/hype/v1/invoices", 61.0)
        .json(json!({"payload": {"invoice": "REF-10"}}))
        .answer(200, json!({"identifier": "", "fault": "user_disabled"}))
        .add();
    run.flag("o2", 61.5, FlagKind::Administrative);

    // Act
    let o1 = run.verdict("HYPE-F-USER-DISABLED", Some("o1"));

    // Assert
    assert_eq!(o1.kind, Fail, "{o1:#?}");
    assert!(o1.evidence.iter().any(|e| e.contains("/hype/v1/invoices")), "{:?}", o1.evidence);
}

/// Finding 6a: a read of the transaction while the card was awaited does not count for the
/// outcome after the task completed.
#[test]
fn an_early_read_of_the_transaction_does_not_satisfy_task_not_payment() {
    let run = |read_at: f64| {
        let mut run = Synth::new(&sale_order("\"CLOUD-TASK-NOT-PAYMENT\"", ""));
        run.sale_task("T1", Some("R1"), 1.0, Some((10.0, TaskState::Completed)), "A1", true);
        run.fetch("A1", read_at, if read_at < 10.0 { -9 } else { 0 });
        run.outcome("o1", 12.0, OutcomeResult::Paid, json!({"taskId": "T1"}));
        run.kind("CLOUD-TASK-NOT-PAYMENT", Some("o1"))
    };
    assert_eq!(run(5.0), Fail, "read while the card was awaited");
    assert_eq!(run(11.0), Pass, "read after the task completed");
}

/// Finding 6b: each order is judged against its own links, not the last link of any order.
#[test]
fn link_status_is_judged_against_the_orders_own_links() {
    // Arrange
    let text = scenario(
        "\"app2app\"",
        "\"LINK-STATUS-HANDLED\"",
        "[[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 100\nreference = \"L1\"\n\
         [[orders]]\nid = \"o2\"\noperation = \"sale\"\namount = 100\nreference = \"L2\"\n",
    );
    let link = |reference: &str| {
        format!(
            "/app2app?uri=gptom%3A%2F%2Ftransaction%2Fcreate%3Famount%3D100%26originReferenceNum%3D{reference}%26redirectUrl%3Dfb%3A%2F%2Fx"
        )
    };
    let mut run = Synth::new(&text);
    run.ex("app2app", "GET", &link("L1"), 1.0).answer(302, json!({"status": "CANCELLED"})).add();
    run.ex("app2app", "GET", &link("L2"), 2.0).answer(302, json!({"status": "COMPLETED", "receipt": {}})).add();
    run.outcome("o1", 3.0, OutcomeResult::Paid, json!(null));
    run.outcome("o2", 3.0, OutcomeResult::Paid, json!(null));

    // Act / Assert
    assert_eq!(run.kind("LINK-STATUS-HANDLED", Some("o1")), Fail, "o1's own link was CANCELLED");
    assert_eq!(run.kind("LINK-STATUS-HANDLED", Some("o2")), Pass);
}

fn in_process_run(new_invoice: bool, follow_first: bool) -> Synth {
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-IN-PROCESS\"",
        "[[orders]]\nid = \"o1\"\noperation = \"invoice\"\namount = 100\nreference = \"INV-7\"\n",
    );
    let mut run = Synth::new(&text);
    run.issued(1.0, "ID-A", "INV-7").invoice_req("INV-7", 1.0, "ID-A");
    run.present("o1", 1.5, "http://127.0.0.1:1/hype/pay/ID-A");
    run.invoice_status(3.0, "ID-A", crate::world::invoice::InvoiceStatus::PaymentInProcess);
    run.status_req("INV-7", "ID-A", 4.0, json!({"identifier": "ID-A", "status": "payment_in_process"}));
    if new_invoice {
        run.issued(10.0, "ID-B", "INV-7-2").invoice_req("INV-7-2", 10.0, "ID-B");
        run.present("o1", 10.5, "http://127.0.0.1:1/hype/pay/ID-B");
    }
    run.invoice_status(20.0, "ID-A", crate::world::invoice::InvoiceStatus::CompletedSuccess);
    if follow_first {
        run.status_req("INV-7", "ID-A", 21.0, json!({"identifier": "ID-A", "status": "completed_success"}));
        run.outcome("o1", 22.0, OutcomeResult::Paid, json!(null));
    }
    run
}

/// Finding 6c: presenting a new invoice's URI during the first's payment is fine; dropping
/// the first invoice once a new one is issued is not.
#[test]
fn in_process_allows_a_new_invoices_uri_and_requires_the_first_followed() {
    assert_eq!(in_process_run(true, true).kind("HYPE-IN-PROCESS", Some("o1")), Pass);
    let dropped = in_process_run(true, false).verdict("HYPE-IN-PROCESS", Some("o1"));
    assert_eq!(dropped.kind, Fail, "{dropped:#?}");
    let mut re_presented = in_process_run(false, true);
    re_presented.present("o1", 5.0, "http://127.0.0.1:1/hype/pay/ID-A");
    assert_eq!(re_presented.kind("HYPE-IN-PROCESS", Some("o1")), Fail);
}

/// Finding 6d: a stop fault answered to REF-10 does not excuse REF-1's `unknown`.
#[test]
fn the_spec_said_stop_only_for_the_order_it_said_it_to() {
    // Arrange
    let mut run = Synth::new(&two_invoices("\"LIVENESS-OUTCOME\""));
    run.ex("initiator", "POST", "/hype/v1/invoices", 61.0)
        .json(json!({"payload": {"invoice": "REF-10"}}))
        .answer(200, json!({"identifier": "", "fault": "bad_signature"}))
        .add();
    run.outcome("o1", 30.0, OutcomeResult::Unknown, json!(null));
    run.outcome("o2", 62.0, OutcomeResult::Unknown, json!(null));

    // Act / Assert
    assert_eq!(run.kind("LIVENESS-OUTCOME", Some("o1")), Fail, "REF-1 never tried and nothing was live");
    assert_eq!(run.kind("LIVENESS-OUTCOME", Some("o2")), Pass, "REF-10 was told to stop");
}

/// Finding 6e: a task created before a scripted 503 after acting is a task: a second SALE
/// while it runs is a duplicate.
#[test]
fn a_task_whose_create_answer_was_a_503_after_acting_counts_as_a_duplicate() {
    // Arrange
    let mut run = Synth::new(&sale_order("\"CLOUD-NO-DUPLICATE-SALE\"", ""));
    run.sale_task("T1", Some("R1"), 1.0, Some((30.0, TaskState::Completed)), "A1", true);
    run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0)
        .json(json!({"transactionType": "SALE", "originReferenceNum": "R1"}))
        .answer(503, json!({"error": {"code": "SCRIPTED_FAULT"}}))
        .fault(FaultKind::Status { code: 503, retry_after: None }, When::AfterActing)
        .add();
    run.sale_task("T2", Some("R1"), 5.0, Some((35.0, TaskState::Completed)), "A2", true);
    run.create_sale("R1", 5.0, 201, Some("T2"));

    // Act / Assert
    assert_eq!(run.kind("CLOUD-NO-DUPLICATE-SALE", Some("o1")), Fail);
    assert_eq!(run.kind("MONEY-NO-DOUBLE-CHARGE", Some("o1")), Fail);
}

/// Finding 7a: an ERROR answer with no receipt asks nothing of the receipt rule.
#[test]
fn an_answer_without_a_receipt_leaves_the_receipt_rule_not_exercised() {
    let text = scenario(
        "\"app2app\"",
        "\"LINK-RECEIPT-CHOICE\"",
        "[[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 100\nreference = \"L1\"\nprint_by_payment_app = false\n",
    );
    let mut run = Synth::new(&text);
    let target = "/app2app?uri=gptom%3A%2F%2Ftransaction%2Fcreate%3Famount%3D100%26originReferenceNum%3DL1%26printByPaymentApp%3Dfalse%26redirectUrl%3Dfb%3A%2F%2Fx";
    run.ex("app2app", "GET", target, 1.0)
        .answer(302, json!({"status": "ERROR", "error": "userNotLoggedIn"}))
        .link_check(LinkCheck::default())
        .add();
    run.outcome("o1", 2.0, OutcomeResult::NotPaid, json!(null));
    assert_eq!(run.kind("LINK-RECEIPT-CHOICE", Some("o1")), NotExercised);
}

/// Finding 7b: creates refused 409 TERMINAL_BUSY retried about a second apart over 30 s are
/// a storm (faults in a row need twice the minimum, and no shrinking).
#[test]
fn creates_refused_busy_retried_every_second_are_a_storm() {
    let mut run = Synth::new(&sale_order("\"RATE-NO-STORM\"", "min_poll_interval = \"1s\"\n"));
    let mut at = 1.0;
    for gap in [1.4, 0.6, 1.2, 0.7, 1.0] {
        run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", at)
            .json(json!({"transactionType": "SALE", "originReferenceNum": "R1"}))
            .answer(409, json!({"error": {"code": "TERMINAL_BUSY"}}))
            .add();
        at += gap;
    }
    assert_eq!(run.kind("RATE-NO-STORM", None), Fail);
}

/// Finding 8 (and issue 20, timing under load): a constant backoff (3 s after each fault) whose
/// intervals differ by the initiator program's start-up is not a shrink once payterm has
/// measured that start-up itself; the integration is never asked when it started.
#[test]
fn a_constant_backoff_with_a_slow_program_start_is_not_a_shrink() {
    let text = scenario(
        "\"initiator\"",
        "\"RATE-NO-STORM\"",
        "min_poll_interval = \"1s\"\n[[orders]]\nid = \"o1\"\noperation = \"invoice\"\namount = 100\nreference = \"S1\"\n",
    );
    // Four faults in a row; the integration waits 3 s after each; its program took 2 s to
    // start the second time and 1 s after, so requests arrive 5 s, then 4 s, after an answer.
    let run = |measured_ms: Option<u64>, scale: f64| {
        let mut run = Synth::new(&text).scale(scale);
        for arrives in [10.0, 15.0, 19.0, 23.0] {
            run.ex("initiator", "POST", "/hype/v1/status", arrives)
                .json(json!({"payload": {"identifier": "ID", "invoice": "S1"}}))
                .answer(200, json!({"identifier": "ID", "fault": "server_error"}))
                .add();
        }
        if let Some(ms) = measured_ms {
            run.latency(0.0, ms).latency(12.0, ms);
        }
        run.verdict("RATE-NO-STORM", None)
    };
    assert_eq!(run(Some(150), 0.1).kind, Pass, "payterm measured 1.5 virtual s of start-up: 2 x that is allowed");
    assert_eq!(run(Some(10), 0.1).kind, Fail, "on an idle machine, 5 s then 4 s is a shrink");
    assert_eq!(run(None, 0.1).kind, Fail, "without a measure, at 100 ms a virtual second, 5 s then 4 s is a shrink");
    assert_eq!(run(None, 0.01).kind, Pass, "at the default scale 20 real ms are 2 virtual s of allowance");
}

/// What payterm measured decides: on an idle machine a backoff that halves is a shrink; on one
/// that stalled for longer than the backoff itself, the stall is the machine's, not a shrink
/// (issue 20: a stall longer than a constant backoff must never read as one).
#[test]
fn a_halving_backoff_is_a_shrink_unless_the_machine_stalled_longer() {
    let text = sale_order("\"RATE-NO-STORM\"", "min_poll_interval = \"1s\"\n");
    let run = |stall_ms: u64| {
        let mut run = Synth::new(&text).scale(1.0);
        for at in [1.0, 30.0, 50.0, 59.0] {
            run.ex("cloud", "GET", "/v1/tasks/T1", at).answer(500, json!(null)).add();
        }
        run.latency(30.0, stall_ms);
        run.verdict("RATE-NO-STORM", None)
    };
    assert_eq!(run(10).kind, Fail, "20 s then 9 s on an idle machine");
    assert_eq!(run(6_000).kind, Pass, "a 6 s stall measured while the 20 s wait ran");
}

/// The evidence of a shrinking backoff names both intervals compared.
#[test]
fn a_shrinking_backoff_names_both_intervals() {
    let text = sale_order("\"RATE-NO-STORM\"", "min_poll_interval = \"1s\"\n");
    let mut run = Synth::new(&text).scale(1.0);
    for at in [1.0, 30.0, 45.0, 50.0] {
        run.ex("cloud", "GET", "/v1/tasks/T1", at).answer(500, json!(null)).add();
    }
    let verdict = run.verdict("RATE-NO-STORM", None);
    assert_eq!(verdict.kind, Fail, "{verdict:#?}");
    let shown = verdict.evidence.join("\n");
    assert!(shown.contains("waited 15s after fault 2 in a row but 29s after fault 1"), "{shown}");
}

/// Issue 15's refusals no retry fixes (a refused document, a user outside the operator group)
/// are a stop, like bad_signature: `unknown` after one passes LIVENESS-OUTCOME, and they are
/// not "no JSON, try again later".
#[test]
fn a_refused_document_is_a_stop_not_a_failure_to_retry() {
    let text = scenario(
        "\"initiator\"",
        "\"HYPE-NO-JSON\", \"LIVENESS-OUTCOME\"",
        "[[orders]]\nid = \"o1\"\noperation = \"invoice\"\namount = 100\nreference = \"D1\"\n",
    );
    for (status, code) in [(422, "DOCUMENT_REFUSED"), (403, "NOT_AN_OPERATOR")] {
        let mut run = Synth::new(&text);
        run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
            .json(json!({"payload": {"invoice": "D1"}}))
            .answer(status, json!({"error": {"code": code, "reason": "INVOICE_ID_REUSED"}}))
            .add();
        run.flag("o1", 1.5, FlagKind::Engineering);
        run.outcome("o1", 2.0, OutcomeResult::Unknown, json!(null));
        assert_eq!(run.kind("HYPE-NO-JSON", Some("o1")), NotExercised, "{code}");
        assert_eq!(run.kind("LIVENESS-OUTCOME", Some("o1")), Pass, "{code}");
    }
}
