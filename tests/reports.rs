//! The JUnit and HTML writers on hand-built reports: JUnit that a real XML parser reads with
//! the right counts, HTML that escapes everything the integration produced.

use payterm::report::model::Integration;
use payterm::report::{
    OrderSummary, ScenarioReport, ScenarioStatus, SuiteReport, TranscriptLine, VerdictReport, html, junit,
};

/// Lines an integration might log to break a report: markup, CDATA ends, quotes, an escape.
const HOSTILE: [&str; 4] =
    ["<script>alert(1)</script>", "a ]]> b", "\u{1b}[31mred\u{1b}[0m", "\"quoted\" & 'apostrophe'"];

fn verdict(rule: &str, order: Option<&str>, verdict: &str) -> VerdictReport {
    VerdictReport {
        rule: rule.to_owned(),
        row: format!("the spec row of {rule}"),
        order: order.map(str::to_owned),
        verdict: verdict.to_owned(),
        expected: format!("{rule} expected this"),
        happened: format!("{rule} {verdict} happened"),
        evidence: vec![format!("evidence of {rule} <{verdict}>")],
        known: None,
    }
}

fn scenario(file: &str, status: ScenarioStatus, targets: &[&str]) -> ScenarioReport {
    ScenarioReport {
        file: file.to_owned(),
        builtin: false,
        name: format!("the {file} scenario"),
        status,
        skipped: None,
        error: None,
        targets: targets.iter().map(|t| (*t).to_owned()).collect(),
        seed: 7,
        wall_s: 1.5,
        virtual_s: 90.0,
        ending: "exited with 0".to_owned(),
        orders: Vec::new(),
        verdicts: Vec::new(),
        not_judged: Vec::new(),
        unexercised: Vec::new(),
        log: Vec::new(),
        transcript: Vec::new(),
        reproduce: format!("payterm run --exec ./pos {file} --seed 7"),
    }
}

fn line(offset_ms: i64, kind: &str, text: &str) -> TranscriptLine {
    TranscriptLine {
        at: "2025-01-01T00:00:00Z".to_owned(),
        offset_ms,
        kind: kind.to_owned(),
        surface: None,
        text: text.to_owned(),
        request: None,
        response: None,
    }
}

/// Five scenarios: passed (with a warn and a not_exercised), failed (hostile log), skipped
/// with targets, skipped without, and an error. Ten testcases: 1 failure, 4 skipped, 1 error.
fn suite() -> SuiteReport {
    let mut passed = scenario("suite/passed.toml", ScenarioStatus::Passed, &["HYPE-SUCCESS"]);
    passed.verdicts = vec![
        verdict("HYPE-SUCCESS", Some("o1"), "pass"),
        verdict("MONEY-NO-DOUBLE-CHARGE", None, "pass"),
        verdict("RATE-NO-STORM", None, "warn"),
        verdict("HYPE-REFUNDED", Some("o1"), "not_exercised"),
    ];
    passed.transcript = vec![
        line(0, "order", "order o1 given"),
        TranscriptLine {
            surface: Some("initiator".to_owned()),
            request: Some("{\"amount\": \"<b>12</b>\"}".to_owned()),
            response: Some("{\"status\": \"created\"}".to_owned()),
            ..line(1500, "exchange", "POST /invoices → 201")
        },
    ];

    let mut failed = scenario("suite/failed.toml", ScenarioStatus::Failed, &["HYPE-IN-PROCESS"]);
    failed.verdicts = vec![
        verdict("HYPE-IN-PROCESS", Some("o1"), "fail"),
        verdict("HYPE-IN-PROCESS", Some("o2"), "pass"),
        verdict("HYPE-IN-PROCESS", Some("o3"), "fail"),
        verdict("MONEY-TRUTHFUL-OUTCOME", None, "pass"),
    ];
    failed.orders = vec![OrderSummary {
        id: "o1".to_owned(),
        operation: "sale".to_owned(),
        surface: "cloud".to_owned(),
        reference: "R-<1>".to_owned(),
        events: vec!["outcome paid".to_owned()],
        ledger: Vec::new(),
    }];
    failed.log = (1..=25).map(|i| format!("log line {i}")).chain(HOSTILE.iter().map(|s| (*s).to_owned())).collect();
    failed.transcript = vec![line(250, "log", "<script>alert(1)</script>")];

    let mut skipped =
        scenario("suite/skipped.toml", ScenarioStatus::Skipped, &["LINK-PARAMS-VALID", "LINK-STATUS-HANDLED"]);
    skipped.skipped = Some("the integration declares no deep-link support".to_owned());
    let mut untargeted = scenario("suite/untargeted.toml", ScenarioStatus::Skipped, &[]);
    untargeted.skipped = Some("nothing to run".to_owned());
    let mut error = scenario("suite/error.toml", ScenarioStatus::Error, &["CLOUD-BATCH-TOTALS"]);
    error.error = Some("failed to start the mock cloud <port 0>".to_owned());

    let integration = Integration {
        name: Some("Acme <POS> & \"Co\"".to_owned()),
        version: Some("2.1".to_owned()),
        command: Some("./pos --flag '<x>'".to_owned()),
        service: None,
    };
    SuiteReport::new(integration, 0.01, 12.25, vec![passed, failed, skipped, untargeted, error])
}

/// The `<testcase>` of `rule` in the suite of `file`.
fn testcase<'a>(doc: &'a roxmltree::Document<'_>, file: &str, rule: &str) -> roxmltree::Node<'a, 'a> {
    let found: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("testcase") && n.attribute("classname") == Some(file) && n.attribute("name") == Some(rule)
        })
        .collect();
    assert_eq!(found.len(), 1, "one testcase {file} {rule}");
    found[0]
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.children().find(|n| n.has_tag_name(tag))
}

#[test]
fn junit_is_well_formed_xml_with_one_suite_per_scenario_and_the_right_totals() {
    // Arrange
    let report = suite();

    // Act
    let xml = junit(&report);

    // Assert
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
    assert_eq!(count("testsuite"), 5);
    assert_eq!((count("testcase"), count("failure"), count("skipped"), count("error")), (10, 1, 4, 1));
    let totals = ["tests", "failures", "errors", "skipped"].map(|a| root.attribute(a).unwrap());
    assert_eq!(totals, ["10", "1", "1", "4"]);
    assert_eq!(root.attribute("time"), Some("12.250"));
    let names: Vec<_> =
        doc.descendants().filter(|n| n.has_tag_name("testsuite")).map(|n| n.attribute("name")).collect();
    assert_eq!(names[1], Some("suite/failed.toml"));
}

#[test]
fn a_rule_failed_by_two_of_three_orders_is_one_failed_testcase_naming_those_orders() {
    // Arrange
    let report = suite();

    // Act
    let xml = junit(&report);

    // Assert
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = child(testcase(&doc, "suite/failed.toml", "HYPE-IN-PROCESS"), "failure").unwrap();
    let message = failure.attribute("message").unwrap();
    assert_eq!(message, "HYPE-IN-PROCESS failed for orders o1, o3: HYPE-IN-PROCESS fail happened");
    assert!(child(testcase(&doc, "suite/failed.toml", "MONEY-TRUTHFUL-OUTCOME"), "failure").is_none());
}

#[test]
fn a_failure_says_what_was_expected_what_happened_how_to_reproduce_and_how_the_log_ended() {
    // Arrange
    let report = suite();

    // Act
    let xml = junit(&report);

    // Assert
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let body = child(testcase(&doc, "suite/failed.toml", "HYPE-IN-PROCESS"), "failure").unwrap().text().unwrap();
    assert!(body.contains("spec row: the spec row of HYPE-IN-PROCESS"), "{body}");
    assert!(body.contains("FAIL for order o1\n  expected: HYPE-IN-PROCESS expected this"), "{body}");
    assert!(body.contains("  happened: HYPE-IN-PROCESS fail happened"), "{body}");
    assert!(body.contains("    | evidence of HYPE-IN-PROCESS <fail>"), "{body}");
    assert!(
        body.contains("  order: sale on cloud, reference R-<1>\n    events reported: outcome paid\n    ledger: none")
    );
    assert!(body.contains("reproduce: payterm run --exec ./pos suite/failed.toml --seed 7"), "{body}");
    assert!(body.contains("the integration's log (last 20 of 29 lines):"), "{body}");
    assert!(!body.contains("log line 9\n") && body.contains("log line 10\n"), "{body}");
    // The hostile lines come back intact through the parser, the escape made visible.
    assert!(body.contains("<script>alert(1)</script>") && body.contains("a ]]> b"), "{body}");
    assert!(body.contains("\"quoted\" & 'apostrophe'"), "{body}");
    assert!(body.contains("\u{241b}[31mred") && !xml.contains('\u{1b}'), "{body}");
}

#[test]
fn a_warning_passes_with_its_note_and_an_unexercised_rule_is_skipped() {
    // Arrange
    let report = suite();

    // Act
    let xml = junit(&report);

    // Assert
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let warned = testcase(&doc, "suite/passed.toml", "RATE-NO-STORM");
    assert!(child(warned, "failure").is_none() && child(warned, "skipped").is_none());
    let note = child(warned, "system-out").unwrap().text().unwrap();
    assert!(note.starts_with("warn: RATE-NO-STORM warn happened"), "{note}");
    let unexercised = child(testcase(&doc, "suite/passed.toml", "HYPE-REFUNDED"), "skipped").unwrap();
    assert_eq!(unexercised.attribute("message"), Some("not exercised: HYPE-REFUNDED not_exercised happened"));
}

#[test]
fn scenarios_not_run_become_skipped_rules_or_one_error_with_their_reason() {
    // Arrange
    let report = suite();

    // Act
    let xml = junit(&report);

    // Assert
    let doc = roxmltree::Document::parse(&xml).unwrap();
    for rule in ["LINK-PARAMS-VALID", "LINK-STATUS-HANDLED"] {
        let skipped = child(testcase(&doc, "suite/skipped.toml", rule), "skipped").unwrap();
        assert_eq!(skipped.attribute("message"), Some("the integration declares no deep-link support"));
    }
    assert!(child(testcase(&doc, "suite/untargeted.toml", "scenario"), "skipped").is_some());
    let error = child(testcase(&doc, "suite/error.toml", "scenario"), "error").unwrap();
    assert_eq!(error.attribute("message"), Some("failed to start the mock cloud <port 0>"));
}

#[test]
fn html_escapes_everything_from_the_integration_and_loads_nothing_from_outside() {
    // Arrange
    let report = suite();

    // Act
    let page = html(&report);

    // Assert
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(
        page.contains("<title>payterm report: Acme &lt;POS&gt; &amp; &quot;Co&quot; — 1 failed, 1 passed of 5</title>")
    );
    assert!(
        !page.contains("<script") && !page.contains("<b>12</b>") && !page.contains("<port"),
        "raw markup from data"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // An apostrophe stays as it is: every attribute is double-quoted, so it means nothing there.
    assert!(page.contains("a ]]&gt; b") && page.contains("&quot;quoted&quot; &amp; 'apostrophe'"));
    assert!(!page.contains('\u{1b}') && page.contains("\u{241b}[31mred"));
    assert!(!page.contains("src=") && !page.contains("href=\"http") && !page.contains("<link"));
    assert!(page.contains("<code>./pos --flag '&lt;x&gt;'</code>"));
}

#[test]
fn html_matrix_has_one_row_per_scenario_and_a_column_per_rule_touched() {
    // Arrange
    let report = suite();
    let rules = report.rules().len();

    // Act
    let page = html(&report);

    // Assert
    let matrix = page.split("<table class=\"matrix\">").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(matrix.matches("<th scope=\"row\"").count(), report.scenarios.len());
    assert_eq!(page.matches("<th scope=\"col\" class=\"rule\"").count(), rules);
    assert!(page.contains("title=\"HYPE-IN-PROCESS — "), "a rule's full ID is in its column's title");
    // The failed cell says FAIL in words and links to its explanation in the scenario's section.
    assert!(
        page.contains("<td class=\"FAIL\" title=\"HYPE-IN-PROCESS: FAIL for o1, o3\"><a href=\"#s1-v0\">FAIL</a></td>")
    );
    assert!(page.contains("id=\"s1-v0\"") && page.contains("<td class=\"ne\""));
    assert!(page.contains("<td class=\"skip\"") && page.contains("<td class=\"error\""));
}

#[test]
fn html_opens_failed_scenarios_and_folds_the_others() {
    // Arrange
    let report = suite();

    // Act
    let page = html(&report);

    // Assert
    let sections: Vec<&str> = page.split("<section class=\"scenario\"").skip(1).collect();
    assert_eq!(sections.len(), 5);
    let open: Vec<bool> = sections.iter().map(|s| s.contains("<details open>")).collect();
    assert_eq!(open, [false, true, false, false, false]);
    let failed = sections[1];
    assert!(failed.contains("<pre><code>payterm run --exec ./pos suite/failed.toml --seed 7</code></pre>"));
    assert!(failed.contains("<dt>Expected</dt><dd>HYPE-IN-PROCESS expected this</dd>"));
    assert!(failed.contains("evidence of HYPE-IN-PROCESS &lt;fail&gt;"));
    assert!(
        failed.contains(
            "<tr><th scope=\"row\">o1</th><td>sale</td><td>cloud</td><td>R-&lt;1&gt;</td><td>outcome paid</td>"
        )
    );
}

#[test]
fn html_renders_a_long_transcript_one_row_per_line() {
    // Arrange
    let mut report = suite();
    let lines = 100_000;
    report.scenarios[0].transcript = (0..lines).map(|i| line(i, "world", "task_state <t1> COMPLETED")).collect();

    // Act
    let page = html(&report);

    // Assert
    assert_eq!(page.matches("<td>task_state &lt;t1&gt; COMPLETED</td>").count(), lines as usize);
    assert!(page.contains("<tr><td>+99.999</td><td>world</td>"));
}

#[test]
fn a_json_report_keeps_the_merchants_password_and_the_tokens_out_of_its_transcript() {
    // Arrange: the reference logs in (password grant) and polls with a bearer token.
    let dir = std::env::temp_dir().join(format!("payterm-report-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    // Act
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--builtin", "--name", "cloud/sale-polled-through-every-state-until-completed.toml"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // Assert
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(text.contains("password=<redacted>"), "the login is in the transcript, its password hidden");
    assert!(!text.contains("ABCDEFGHIJKL"), "the merchant's password is in the report");
    assert!(!text.contains("\"access_token\":\"eyJ"), "an access token is in the report");
}
