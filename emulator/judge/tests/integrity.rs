//! RUN-INTEGRITY: a request that sends a stamp of its own or asks for a control-API route, or
//! a control write payterm did not make, fails the run; RUN-BOUNDS: what went past a bound
//! fails it too. Both are judged in every run, and pass when nothing happened.

use serde_json::json;

use crate::journal::{Overflow, Tamper};
use crate::judge::VerdictKind::{Fail, Pass};
use crate::judge::synth::{Synth, order, scenario};
use crate::runner::bounds::{Bounds, EventOverflow, OUTPUT_LIMIT};

fn run() -> Synth {
    Synth::new(&scenario("\"cloud\"", "\"CLOUD-POLL-UNTIL-FINAL\"", &order("o1", "sale", "R1", "")))
}

#[test]
fn a_run_over_the_protocol_surfaces_alone_passes_both() {
    let mut run = run();
    run.login(Some("999888"), 1.0, 200).create_sale("R1", 2.0, 201, Some("T1")).poll(
        "T1",
        3.0,
        "COMPLETED",
        Some("A1"),
    );
    assert_eq!(run.kind("RUN-INTEGRITY", None), Pass);
    assert_eq!(run.kind("RUN-BOUNDS", None), Pass);
}

#[test]
fn a_forged_stamp_header_fails_and_is_named() {
    let mut run = run();
    run.ex("cloud", "GET", "/v1/tasks/T1", 3.0)
        .answer(200, json!({"taskId": "T1", "state": "COMPLETED"}))
        .tamper(Tamper::PaytermHeaders(vec!["x-payterm-launched".into()]))
        .add();
    let verdict = run.verdict("RUN-INTEGRITY", None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("sent x-payterm-launched"), "{}", verdict.happened);
    assert!(verdict.evidence[0].contains("GET /v1/tasks/T1"), "{:?}", verdict.evidence);
}

#[test]
fn asking_the_integrations_port_for_a_control_route_fails() {
    let mut run = run();
    run.ex("cloud", "POST", "/reset", 3.0).answer(404, json!(null)).tamper(Tamper::ControlRoute).add();
    let verdict = run.verdict("RUN-INTEGRITY", None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("control-API route"), "{}", verdict.happened);
}

#[test]
fn a_control_write_payterm_did_not_make_fails_and_a_control_read_does_not() {
    let mut run = run();
    run.ex("control", "GET", "/clock", 2.0).answer(200, json!({})).add();
    assert_eq!(run.kind("RUN-INTEGRITY", None), Pass, "a read changes nothing");
    run.ex("control", "POST", "/clock/advance", 3.0).answer(200, json!({})).add();
    let verdict = run.verdict("RUN-INTEGRITY", None);
    assert_eq!(verdict.kind, Fail);
    assert!(verdict.happened.contains("drove the control API"), "{}", verdict.happened);
}

#[test]
fn every_bound_passed_fails_run_bounds_and_says_what_was_counted() {
    let cases = [
        (
            Bounds {
                journal: Overflow { exchanges_dropped: 7, capacity: 20_000, ..Overflow::default() },
                ..Bounds::default()
            },
            "7 request(s)",
        ),
        (Bounds { journal: Overflow { bodies_cut: 3, ..Overflow::default() }, ..Bounds::default() }, "3 body(ies)"),
        (
            Bounds {
                events: EventOverflow { dropped: 5, dropped_bytes: 300_000, max_count: 1050, max_bytes: 1 },
                ..Bounds::default()
            },
            "5 event(s)",
        ),
        (Bounds { output_bytes: OUTPUT_LIMIT + 1, ..Bounds::default() }, "bytes of output"),
    ];
    for (bounds, said) in cases {
        let mut run = run();
        run.bounds(bounds);
        let verdict = run.verdict("RUN-BOUNDS", None);
        assert_eq!(verdict.kind, Fail, "{bounds:?}");
        assert!(verdict.happened.contains(said), "{said}: {}", verdict.happened);
    }
}
