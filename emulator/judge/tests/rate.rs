//! RATE-NO-STORM: every repeated request at least the minimum interval after the last answer
//! and not before its `Retry-After`; after two or more faults in a row, at least twice the
//! minimum and never shrinking past max(10 %, 20 real ms). Most cases run at time scale 1
//! (5 real ms of tolerance are 5 virtual ms), so the spec's 10 % decides the boundaries.

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{self, Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, link_target, order, scenario};
use crate::scenario::model::{FaultKind, When};

const RULE: &str = "RATE-NO-STORM";

/// A Cloud sale with minimum interval `min`, at time scale `scale`.
fn run(min: &str, scale: f64) -> Synth {
    let text = scenario(
        "\"cloud\"",
        "\"RATE-NO-STORM\"",
        &format!("min_poll_interval = \"{min}\"\n{}", order("o1", "sale", "R1", "")),
    );
    Synth::new(&text).scale(scale)
}

/// Polls of T1 answered `status`, the first at 1 s, each next `gap` seconds after the last.
fn polls(run: &mut Synth, task: &str, statuses: &[u16], gaps: &[f64]) {
    let mut at = 1.0;
    for (n, status) in statuses.iter().enumerate() {
        run.ex("cloud", "GET", &format!("/v1/tasks/{task}"), at).answer(*status, json!({"state": "IN_PROGRESS"})).add();
        at += gaps.get(n).copied().unwrap_or(1.0);
    }
}

#[test]
fn no_repeated_request_leaves_the_rule_not_exercised() {
    let mut run = run("500ms", 0.01);
    run.create_sale("R1", 1.0, 201, Some("T1"));
    run.poll("T1", 2.0, "COMPLETED", Some("A1"));
    run.fetch("A1", 3.0, 0);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, NotExercised);
    assert_eq!(verdict.happened, "no request was repeated");
}

#[test]
fn polls_at_the_minimum_interval_pass() {
    let mut run = run("1s", 1.0);
    polls(&mut run, "T1", &[200, 200, 200, 200], &[1.0, 1.0, 1.0]);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Pass);
    assert_eq!(verdict.happened, "3 repeated request(s), none too soon");
    assert!(
        verdict.expected.contains("at least 1s apart") && verdict.expected.contains("at least 2s apart"),
        "{}",
        verdict.expected
    );
}

/// The minimum interval (500 ms) with its tolerance (10 %, 50 ms).
#[rstest]
#[case::at_the_minimum_less_its_tolerance(0.45, Pass)]
#[case::one_ms_sooner(0.449, Fail)]
fn a_poll_sooner_than_the_minimum_interval(#[case] gap: f64, #[case] expected: VerdictKind) {
    let mut run = run("500ms", 1.0);
    polls(&mut run, "T1", &[200, 200], &[gap]);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert_eq!(verdict.happened, "1 repeated request(s) came too soon");
        assert!(
            verdict.evidence[0]
                .starts_with("poll of task T1: repeated 449ms after the last answer, under the minimum 500ms ("),
            "{:?}",
            verdict.evidence
        );
        assert!(verdict.evidence[0].contains("GET /v1/tasks/T1"), "{:?}", verdict.evidence);
    }
}

/// At the default scale (0.01), 5 real ms are 500 virtual ms of tolerance.
#[rstest]
#[case::half_a_second_under_a_second(0.5, Pass)]
#[case::one_ms_more_under(0.499, Fail)]
fn the_tolerance_is_5_real_ms_when_that_is_larger(#[case] gap: f64, #[case] expected: VerdictKind) {
    let mut run = run("1s", 0.01);
    polls(&mut run, "T1", &[200, 200], &[gap]);
    assert_eq!(run.kind(RULE, None), expected);
}

/// The interval runs from the end of the answer to the start of the next request.
#[test]
fn the_interval_runs_from_the_end_of_the_answer() {
    let mut run = run("1s", 1.0);
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.0).answer(200, json!({})).answered_at(5.0).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 5.5).answer(200, json!({})).add();
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Fail, "0.5 s after an answer that took 4 s: {verdict:#?}");
    assert!(verdict.evidence[0].contains("repeated 500ms after the last answer"), "{:?}", verdict.evidence);
}

/// `Retry-After: 30` with its tolerance (10 %, 3 s); the minimum interval does not excuse it.
#[rstest]
#[case::at_the_retry_after_less_its_tolerance(27.0, Pass)]
#[case::one_ms_sooner(26.999, Fail)]
#[case::after_the_minimum_interval_only(1.0, Fail)]
fn a_request_sooner_than_its_retry_after(#[case] gap: f64, #[case] expected: VerdictKind) {
    let mut run = run("500ms", 1.0);
    run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", 1.0)
        .json(json!({"transactionType": "SALE", "originReferenceNum": "R1"}))
        .answer(503, json!(null))
        .retry_after(30)
        .fault(FaultKind::Status { code: 503, retry_after: None }, When::BeforeActing)
        .add();
    run.create_sale("R1", 1.0 + gap, 201, Some("T1"));
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.evidence[0].starts_with("SALE create R1: repeated"), "{:?}", verdict.evidence);
        assert!(verdict.evidence[0].contains("after an answer that said Retry-After 30s"), "{:?}", verdict.evidence);
    }
}

#[test]
fn a_request_repeated_at_once_after_a_401_is_a_token_refresh_not_a_storm() {
    let mut run = run("1s", 1.0);
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.0).answer(401, json!({"error": {"code": "TOKEN_EXPIRED"}})).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.1).answer(200, json!({})).add();
    assert_eq!(run.kind(RULE, None), Pass);
}

/// After two faults in a row (min 1 s), the wait is at least 2 s less 10 %: 1.8 s.
#[rstest]
#[case::twice_the_minimum_less_its_tolerance(1.8, Pass)]
#[case::one_ms_sooner(1.799, Fail)]
fn after_two_faults_in_a_row_twice_the_minimum(#[case] gap: f64, #[case] expected: VerdictKind) {
    let mut run = run("1s", 1.0);
    polls(&mut run, "T1", &[503, 503, 200], &[1.8, gap]);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(
            verdict.evidence[0]
                .starts_with("poll of task T1: waited 1799ms after 2 faults in a row, under twice the minimum ("),
            "{:?}",
            verdict.evidence
        );
    }
}

#[test]
fn after_one_fault_the_minimum_is_enough() {
    let mut run = run("1s", 1.0);
    polls(&mut run, "T1", &[503, 200, 200], &[1.0, 1.0]);
    assert_eq!(run.kind(RULE, None), Pass);
}

#[test]
fn an_answer_between_faults_starts_the_count_again() {
    let mut run = run("1s", 1.0);
    polls(&mut run, "T1", &[503, 503, 200, 503, 200], &[2.0, 2.0, 1.0, 1.0]);
    assert_eq!(run.kind(RULE, None), Pass);
}

/// Faults in a row need a wait that never shrinks by more than max(10 %, 20 real ms).
#[rstest]
#[case::a_constant_backoff(1.0, &[10.0, 10.0, 10.0], Pass)]
#[case::a_growing_backoff(1.0, &[5.0, 10.0, 20.0], Pass)]
#[case::shrinking_by_10_percent(1.0, &[10.0, 9.0], Pass)]
#[case::shrinking_by_1_ms_more(1.0, &[10.0, 8.999], Fail)]
#[case::shrinking_by_20_real_ms_at_the_default_scale(0.01, &[10.0, 8.0], Pass)]
#[case::shrinking_by_1_ms_more_at_the_default_scale(0.01, &[10.0, 7.999], Fail)]
fn a_backoff_after_repeated_faults(#[case] scale: f64, #[case] waits: &[f64], #[case] expected: VerdictKind) {
    let mut run = run("1s", scale);
    let mut gaps = vec![3.0];
    gaps.extend_from_slice(waits);
    let statuses = vec![503; gaps.len() + 1];
    polls(&mut run, "T1", &statuses, &gaps);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        let shown = verdict.evidence.join("\n");
        assert!(shown.contains("waited"), "{shown}");
        assert!(shown.contains("after fault 3 in a row but 10s after fault 2"), "{shown}");
        assert!(shown.contains("the wait shrank by more than the"), "{shown}");
    }
}

/// A hung request's end is the client's own timeout: no baseline for a shrink after it.
#[test]
fn a_wait_after_a_hung_request_is_no_baseline_for_a_shrink() {
    let mut run = run("1s", 1.0);
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.0).answer(503, json!(null)).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 4.0).fault(FaultKind::Hang, When::BeforeActing).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 34.0).answer(503, json!(null)).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 38.0).answer(200, json!({})).add();
    assert_eq!(run.kind(RULE, None), Pass, "4 s after the fault that followed the hang, though 30 s after the hang");
}

/// A request is timed by its arrival at payterm's socket: a header claiming the client began
/// earlier moves nothing (issue 20: a forged `x-payterm-launched` turned red into green).
#[rstest]
#[case::at_the_minimum_less_its_tolerance(1.45, Pass)]
#[case::one_ms_sooner(1.449, Fail)]
fn a_status_is_timed_by_its_arrival(#[case] arrives: f64, #[case] expected: VerdictKind) {
    let text = scenario("\"initiator\"", "\"RATE-NO-STORM\"", &order("o1", "invoice", "INV-1", ""));
    let mut run = Synth::new(&text).scale(1.0);
    run.status_req("INV-1", "ID-A", 1.0, json!({"identifier": "ID-A", "status": "created"}));
    run.ex("initiator", "POST", "/hype/v1/status", arrives)
        .json(json!({"payload": {"identifier": "ID-A", "invoice": "INV-1"}}))
        .answer(200, json!({"identifier": "ID-A", "status": "created"}))
        .add();
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    if expected == Fail {
        assert!(verdict.evidence[0].starts_with("status of ID-A: repeated 449ms"), "{:?}", verdict.evidence);
    }
}

#[test]
fn requests_of_different_series_do_not_count_as_repeats() {
    let mut run = run("1s", 1.0);
    for (n, task) in ["T1", "T2", "T3"].iter().enumerate() {
        run.poll(task, 1.0 + n as f64 * 0.1, "IN_PROGRESS", None);
    }
    run.create_sale("R1", 1.0, 201, Some("T1")).create_sale("R2", 1.0, 201, Some("T2"));
    run.fetch("A1", 1.0, 0).read_batch("A1", 1.0, json!({}));
    assert_eq!(run.kind(RULE, None), NotExercised);
}

#[test]
fn the_harness_own_control_requests_are_not_judged() {
    let mut run = run("1s", 1.0);
    for s in [1.0, 1.01, 1.02] {
        run.ex("control", "POST", "/tasks/T1/advance", s).answer(200, json!({})).add();
    }
    assert_eq!(run.kind(RULE, None), NotExercised);
}

/// Every kind of repeated request is a series of its own.
#[rstest]
#[case::a_task_list("GET", "/v1/tasks?reference=R1", "", "task list R1")]
#[case::a_withdrawal("DELETE", "/v1/tasks/T1", "", "withdrawal of task T1")]
#[case::a_transaction_read("GET", "/v1/transactions/A1", "", "read of transaction A1")]
#[case::a_batch_read("GET", "/v1/batches/B1", "", "read of batch B1")]
#[case::a_login("POST", "/cloud/oauth/token", "grant_type=password&tid=999888", "login 999888")]
#[case::a_master_login("POST", "/cloud/oauth/token", "grant_type=password", "login master")]
#[case::a_token_refresh("POST", "/api/oauth/token", "grant_type=refresh_token", "token refresh")]
#[case::a_void_create(
    "POST",
    "/v1/tasks/TRANSACTION",
    r#"{"transactionType":"VOID","originTransactionID":"A1"}"#,
    "VOID create A1"
)]
#[case::a_close_batch("POST", "/v1/tasks/BATCH", r#"{"originReferenceNum":"EOD"}"#, "close batch create EOD")]
#[case::an_unreadable_create("POST", "/v1/tasks/TRANSACTION", r#"{"transactionType":"REFUND"}"#, "task create:")]
#[case::an_invoice("POST", "/hype/v1/invoices", r#"{"payload":{"invoice":"INV-1"}}"#, "invoice INV-1")]
#[case::a_status_by_invoice("POST", "/hype/v1/status", r#"{"payload":{"invoice":"INV-1"}}"#, "status of INV-1")]
fn a_repeated_request_of_each_kind_too_soon_fails(
    #[case] method: &str,
    #[case] target: &str,
    #[case] body: &str,
    #[case] key: &str,
) {
    let mut run = run("1s", 1.0);
    for s in [1.0, 1.1] {
        run.ex("cloud", method, target, s).body(body).answer(200, json!({})).add();
    }
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Fail, "{verdict:#?}");
    assert!(verdict.evidence[0].starts_with(key), "{:?}", verdict.evidence);
}

#[test]
fn a_repeated_deep_link_too_soon_fails() {
    let mut run = run("1s", 1.0);
    let target = link_target("transaction/create", &[("amount", "1250"), ("originReferenceNum", "R1")]);
    for s in [1.0, 1.1] {
        run.ex("app2app", "GET", &target, s).answer(302, json!({"status": "ERROR"})).add();
    }
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Fail);
    assert!(
        verdict.evidence[0].starts_with("deep link transaction/create R1: repeated 100ms"),
        "{:?}",
        verdict.evidence
    );
}

#[test]
fn requests_sent_at_once_are_a_storm() {
    let mut run = run("1s", 1.0);
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.0).answer(200, json!({})).answered_at(2.0).add();
    run.ex("cloud", "GET", "/v1/tasks/T1", 1.5).answer(200, json!({})).answered_at(2.0).add();
    assert_eq!(run.kind(RULE, None), Fail);
}

#[test]
fn at_most_five_problems_are_shown_and_all_are_counted() {
    let mut run = run("1s", 1.0);
    polls(&mut run, "T1", &[200; 9], &[0.1; 8]);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.happened, "8 repeated request(s) came too soon");
    assert_eq!(verdict.evidence.len(), 5);
}
