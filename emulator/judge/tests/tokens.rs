//! CLOUD-TOKEN-REUSE: one password login per terminal, reused; the refresh grant after
//! `401 TOKEN_EXPIRED`; a new login only after a refused refresh, or when the first was lost.

use rstest::rstest;
use serde_json::json;

use crate::judge::VerdictKind::{Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::scenario::model::{FaultKind, When};

const RULE: &str = "CLOUD-TOKEN-REUSE";

fn run() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-TOKEN-REUSE\"", &order("o1", "sale", "R1", "")))
}

/// A poll answered `401 TOKEN_EXPIRED` at `s`.
fn expired(run: &mut Synth, s: f64) {
    run.ex("cloud", "GET", "/v1/tasks/T1", s).answer(401, json!({"error": {"code": "TOKEN_EXPIRED"}})).add();
}

#[test]
fn fewer_than_two_calls_leave_the_rule_not_exercised() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, NotExercised);
    assert!(verdict.happened.contains("fewer than two Cloud API calls"), "{}", verdict.happened);
}

#[test]
fn one_login_reused_for_every_call_passes() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    for s in [3.0, 4.0, 5.0] {
        run.poll("T1", s, "IN_PROGRESS", None);
    }
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
    assert!(
        verdict.happened.contains("one login per terminal for 4 calls (0 expired-token answers)"),
        "{}",
        verdict.happened
    );
}

#[test]
fn a_login_before_every_call_fails_and_shows_the_extra_logins() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    run.login(Some("999888"), 3.0, 200).poll("T1", 4.0, "IN_PROGRESS", None);
    run.login(Some("999888"), 5.0, 200).poll("T1", 6.0, "COMPLETED", Some("A1"));
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("logged in again 2 time(s) for 3 calls"), "{}", verdict.happened);
    assert_eq!(verdict.evidence.len(), 2, "{:?}", verdict.evidence);
    assert!(verdict.evidence.iter().all(|e| e.contains("POST /cloud/oauth/token → 200")), "{:?}", verdict.evidence);
}

#[rstest]
#[case::the_refresh_grant_passes(true, 200, Pass)]
#[case::a_new_login_instead_of_the_refresh_grant_fails(false, 0, Fail)]
#[case::a_new_login_after_a_refused_refresh_passes(true, 400, Pass)]
#[case::a_new_login_after_a_refresh_refused_401_passes(true, 401, Pass)]
fn after_an_expired_token(
    #[case] refresh: bool,
    #[case] refresh_status: u16,
    #[case] expected: crate::judge::VerdictKind,
) {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    expired(&mut run, 3.0);
    if refresh {
        run.refresh(3.5, refresh_status);
    }
    if !refresh || refresh_status != 200 {
        run.login(Some("999888"), 4.0, 200);
    }
    run.poll("T1", 5.0, "COMPLETED", Some("A1"));
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, expected, "{verdict:#?}");
    assert!(verdict.happened.contains("(1 expired-token answers)"), "{}", verdict.happened);
}

#[test]
fn a_refused_refresh_before_the_first_login_does_not_excuse_a_second_login() {
    let mut run = run();
    run.refresh(0.5, 400);
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    run.login(Some("999888"), 3.0, 200).poll("T1", 4.0, "IN_PROGRESS", None);
    assert_eq!(run.kind(RULE, None), Fail);
}

#[test]
fn a_refused_refresh_after_the_second_login_does_not_excuse_it() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1"));
    run.login(Some("999888"), 3.0, 200).refresh(3.5, 400).poll("T1", 4.0, "IN_PROGRESS", None);
    assert_eq!(run.kind(RULE, None), Fail);
}

#[test]
fn logins_for_different_terminals_and_the_master_account_are_each_their_own() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).login(Some("100001"), 1.5, 200).login(None, 1.7, 200);
    run.create_sale("R1", 2.0, 201, Some("T1")).poll("T1", 3.0, "IN_PROGRESS", None);
    assert_eq!(run.kind(RULE, None), Pass);
}

#[test]
fn a_refused_login_retried_is_not_a_second_login() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 401).login(Some("999888"), 2.0, 200);
    run.create_sale("R1", 3.0, 201, Some("T1")).poll("T1", 4.0, "IN_PROGRESS", None);
    assert_eq!(run.kind(RULE, None), Pass);
}

/// Two logins racing at start-up: the second is sent before the first is answered.
#[rstest]
#[case::sent_1_ms_before_the_first_was_answered_is_a_race(1.999, Pass)]
#[case::sent_as_the_first_was_answered_is_a_second_login(2.0, Fail)]
fn a_login_racing_the_first(#[case] second_at: f64, #[case] expected: crate::judge::VerdictKind) {
    let mut run = run();
    let body = "grant_type=password&username=u&password=p&tid=999888";
    run.ex("cloud", "POST", "/cloud/oauth/token", 1.0).body(body).answer(200, json!({})).answered_at(2.0).add();
    run.ex("cloud", "POST", "/cloud/oauth/token", second_at).body(body).answer(200, json!({})).answered_at(2.5).add();
    run.create_sale("R1", 3.0, 201, Some("T1")).poll("T1", 4.0, "IN_PROGRESS", None);
    assert_eq!(run.kind(RULE, None), expected);
}

/// A login whose answer never arrived (the connection reset after the emulator acted) gave
/// the client no token: logging in again is the only way on, not a second login.
#[test]
fn a_login_whose_answer_was_lost_may_be_sent_again() {
    let mut run = run();
    run.ex("cloud", "POST", "/cloud/oauth/token", 1.0)
        .body("grant_type=password&username=u&password=p&tid=999888")
        .answer(200, json!({"access_token": "a"}))
        .fault(FaultKind::Reset, When::AfterActing)
        .add();
    run.login(Some("999888"), 2.0, 200).create_sale("R1", 3.0, 201, Some("T1")).poll("T1", 4.0, "IN_PROGRESS", None);
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
}
