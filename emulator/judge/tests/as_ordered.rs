//! MONEY-AS-ORDERED: each payment, void, close and invoice compared with its order as payterm
//! decoded it; and LIVENESS-OUTCOME, whose "the emulator refused" excuse no longer covers a
//! refusal the integration caused by asking for something else (issue 20, section 3).

use serde_json::json;

use crate::judge::VerdictKind::{Fail, NotExercised, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::record::events::OutcomeResult;

const RULE: &str = "MONEY-AS-ORDERED";

fn one_sale(extra: &str) -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"MONEY-AS-ORDERED\"", &order("o1", "sale", "COUNTER A", extra)))
}

/// `POST /v1/tasks/TRANSACTION` of a SALE with `body`, acted on `tid`, at `s`.
fn sale_with(run: &mut Synth, s: f64, tid: &str, body: serde_json::Value) {
    run.ex("cloud", "POST", "/v1/tasks/TRANSACTION", s)
        .json(body)
        .answer(201, json!({"taskId": "T1", "state": "QUEUED"}))
        .tid(tid)
        .add();
}

fn sale_body(amount: u64, tip: Option<u64>, reference: &str) -> serde_json::Value {
    let mut body = json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": "CARD",
                          "originReferenceNum": reference});
    if let Some(tip) = tip {
        body["tipAmount"] = json!(tip);
    }
    body
}

#[test]
fn a_sale_asked_exactly_as_ordered_passes() {
    let mut run = one_sale("tip = 300\n");
    sale_with(&mut run, 1.0, "999888", sale_body(1250, Some(300), "COUNTER A"));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Pass, "{verdict:#?}");
}

#[test]
fn no_payment_asked_for_leaves_the_rule_not_exercised() {
    let mut run = one_sale("");
    run.outcome("o1", 2.0, OutcomeResult::Unknown, json!(null));
    assert_eq!(run.kind(RULE, Some("o1")), NotExercised);
}

#[test]
fn a_sale_on_another_terminal_fails_naming_both() {
    let text = scenario(
        "\"cloud\"",
        "\"MONEY-AS-ORDERED\"",
        &format!(
            "[[terminals]]\ntid = \"999888\"\n[[terminals]]\ntid = \"100001\"\n{}",
            order("o1", "sale", "COUNTER B", "tid = \"100001\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    sale_with(&mut run, 1.0, "999888", sale_body(1250, None, "COUNTER B"));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("on terminal 999888, the order says 100001"), "{}", verdict.happened);
}

#[test]
fn a_tip_added_to_the_amount_and_sent_again_fails() {
    let mut run = one_sale("tip = 300\n");
    sale_with(&mut run, 1.0, "999888", sale_body(1550, Some(300), "COUNTER A"));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("amount 1550, the order says 1250"), "{}", verdict.happened);
}

#[test]
fn a_tip_left_out_or_a_zero_tip_where_none_was_ordered() {
    let mut run = one_sale("tip = 300\n");
    sale_with(&mut run, 1.0, "999888", sale_body(1250, None, "COUNTER A"));
    assert!(run.verdict(RULE, Some("o1")).happened.contains("tipAmount none, the order says 300"));
    let mut run = one_sale("");
    sale_with(&mut run, 1.0, "999888", sale_body(1250, Some(0), "COUNTER A"));
    assert_eq!(run.kind(RULE, Some("o1")), Pass, "a zero tip is no tip");
}

#[test]
fn another_currency_or_reference_fails() {
    let mut run = one_sale("");
    let mut body = sale_body(1250, None, "COUNTER  A");
    body["currencyCode"] = json!("EUR");
    sale_with(&mut run, 1.0, "999888", body);
    let happened = run.verdict(RULE, Some("o1")).happened;
    assert!(happened.contains("currencyCode EUR, the order says CZK"), "{happened}");
    assert!(happened.contains("originReferenceNum COUNTER  A, the order says COUNTER A"), "{happened}");
}

#[test]
fn a_link_whose_reference_was_form_encoded_fails() {
    let text = scenario("\"app2app\"", "\"MONEY-AS-ORDERED\"", &order("o1", "sale", "TABLE 12", ""));
    let mut run = Synth::new(&text);
    // The app decodes by RFC 3986: `TABLE+12` stays `TABLE+12`.
    run.link("transaction/create", &[("amount", "1250"), ("originReferenceNum", "TABLE+12")], 1.0, json!({}));
    let verdict = run.verdict(RULE, Some("o1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("originReferenceNum TABLE+12, the order says TABLE 12"), "{}", verdict.happened);
}

/// A void order of the history sale `AMS-7`, on deep links.
fn link_void() -> Synth {
    Synth::new(&scenario(
        "\"app2app\"",
        "\"MONEY-AS-ORDERED\", \"LIVENESS-OUTCOME\"",
        &format!(
            "[[history.sales]]\namount = 3300\nams_id = \"AMS-7\"\nat = \"-1h\"\n{}",
            order("v1", "void", "VOID DESK 7", "ams_id = \"AMS-7\"\n")
        ),
    ))
}

#[test]
fn a_cancel_naming_the_order_reference_fails_and_its_refusal_excuses_no_not_voided() {
    // Arrange
    let mut run = link_void();
    run.link(
        "transaction/cancel",
        &[("amsID", "VOID DESK 7")],
        1.0,
        json!({"status": "ERROR", "error": "cannotBeVoided"}),
    );
    run.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
    // Act
    let as_ordered = run.verdict(RULE, Some("v1"));
    let liveness = run.verdict("LIVENESS-OUTCOME", Some("v1"));
    // Assert
    assert_eq!(as_ordered.kind, Fail);
    assert!(
        as_ordered.happened.contains("a cancel of amsID VOID DESK 7, the order says AMS-7"),
        "{}",
        as_ordered.happened
    );
    assert_eq!(liveness.kind, Fail, "{liveness:#?}");
    assert!(liveness.happened.contains("its own doing"), "{}", liveness.happened);
}

#[test]
fn a_refused_cancel_of_the_right_sale_still_excuses_not_voided() {
    let mut run = link_void();
    run.link("transaction/cancel", &[("amsID", "AMS-7")], 1.0, json!({"status": "ERROR", "error": "cannotBeVoided"}));
    run.outcome("v1", 2.0, OutcomeResult::NotVoided, json!(null));
    assert_eq!(run.kind(RULE, Some("v1")), Pass);
    assert_eq!(run.kind("LIVENESS-OUTCOME", Some("v1")), Pass);
}

#[test]
fn a_sale_for_no_order_fails_for_the_whole_scenario() {
    let text = scenario(
        "\"cloud\"",
        "\"MONEY-AS-ORDERED\"",
        &format!("{}{}", order("o1", "sale", "TILL 1", ""), order("o2", "sale", "TILL 2", "")),
    );
    let mut run = Synth::new(&text);
    sale_with(&mut run, 1.0, "999888", sale_body(1250, None, "TILL 1"));
    sale_with(&mut run, 1.0, "999888", sale_body(1250, None, "TILL+2"));
    let verdict = run.verdict(RULE, None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("1 request(s) asked for money for no order"), "{}", verdict.happened);
    assert!(verdict.evidence[0].contains("POST /v1/tasks/TRANSACTION"), "{:?}", verdict.evidence);
}

#[test]
fn an_invoice_is_as_ordered_under_its_id_or_another_try_and_its_total() {
    let text = scenario("\"initiator\"", "\"MONEY-AS-ORDERED\"", &order("o1", "invoice", "INV-7", ""));
    let invoice = |run: &mut Synth, id: &str, total: u64| {
        run.ex("initiator", "POST", "/hype/v1/invoices", 1.0)
            .json(json!({"payload": {"invoice": id, "store": "testingstore", "total": total}}))
            .answer(200, json!({"identifier": "ID-1"}))
            .add();
    };
    for (id, total, expected) in
        [("INV-7", 1250, Pass), ("INV-7-2", 1250, Pass), ("INV-7", 125_000, Fail), ("INV-70", 1250, Fail)]
    {
        let mut run = Synth::new(&text);
        invoice(&mut run, id, total);
        assert_eq!(run.kind(RULE, Some("o1")), expected, "{id} {total}");
    }
}

#[test]
fn a_void_naming_another_sale_fails() {
    let text = scenario(
        "\"cloud\"",
        "\"MONEY-AS-ORDERED\"",
        &format!(
            "[[history.sales]]\namount = 1250\nams_id = \"AMS-1\"\nat = \"-1d\"\n{}",
            order("v1", "void", "VOID 1", "ams_id = \"AMS-1\"\n")
        ),
    );
    let mut run = Synth::new(&text);
    run.create_void("AMS-2", Some("VOID 1"), 1.0, "999888", 422, None);
    let verdict = run.verdict(RULE, Some("v1"));
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("a VOID of AMS-2, the order says AMS-1"), "{}", verdict.happened);
}
