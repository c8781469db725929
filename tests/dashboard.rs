//! The dashboard on the control port: its embedded assets, its JSON views, the live
//! transcript over server-sent events (bounded, never blocked by a client), the sequence
//! diagram, (in `scenario`) loading a scenario and stepping through its script, and (in
//! `browser`) the page itself in a real headless Chromium.

mod browser;
mod scenario;
mod webdriver;

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::time::Duration;

use payterm::MockCloud;
use payterm::dashboard::{INDEX_HTML, MAX_BYTES, SCENARIO_JS, SCRIPT_JS, STYLE_CSS};
use payterm::journal::Exchange;
use payterm::time::VirtualTime;
use payterm::world::money::Currency;
use payterm::world::terminal::TerminalMode;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Cloud, TID};

/// A server-sent event: its name, id and data.
#[derive(Debug)]
struct Event {
    name: String,
    id: String,
    data: String,
}

/// The events of one stream answer (comments and `retry` lines are not events).
fn events(text: &str) -> Vec<Event> {
    text.split("\n\n")
        .filter_map(|block| {
            let field = |k: &str| block.lines().find_map(|l| l.strip_prefix(k)).map(str::to_owned);
            Some(Event { name: field("event: ")?, id: field("id: ").unwrap_or_default(), data: field("data: ")? })
        })
        .collect()
}

/// The lines of every `lines` event.
fn lines(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.name == "lines")
        .flat_map(|e| serde_json::from_str::<Value>(&e.data).unwrap()["lines"].as_array().unwrap().clone())
        .collect()
}

async fn stream(c: &Cloud, query: &str, last_id: Option<&str>) -> (reqwest::header::HeaderMap, String) {
    let mut req = c.http.get(c.control(&format!("/events/stream{query}")));
    if let Some(id) = last_id {
        req = req.header("last-event-id", id);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    (headers, resp.text().await.unwrap())
}

/// Writes `n` exchanges straight into the journal, each with a body of `body` bytes.
fn fill_journal(cloud: &MockCloud, n: usize, body: usize) {
    let text = bytes::Bytes::from("x".repeat(body));
    for i in 0..n {
        cloud.journal().exchange(
            VirtualTime::DEFAULT_START,
            Exchange {
                response: payterm::journal::body_text(&text),
                ..Exchange::new(payterm::record::route::Door::Cloud, http::Method::GET, format!("/v1/tasks/t{i}"), 200)
            },
        );
    }
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary_with_their_content_types() {
    // Arrange
    let c = Cloud::paused().await;

    // Act
    let mut got = Vec::new();
    for path in ["/", "/dashboard.css", "/dashboard.js", "/scenario.js"] {
        let resp = c.http.get(c.control(path)).send().await.unwrap();
        let csp = resp.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_owned());
        let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
        got.push((resp.status(), kind, csp, resp.text().await.unwrap()));
    }

    // Assert
    let kinds: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "text/html; charset=utf-8",
            "text/css; charset=utf-8",
            "text/javascript; charset=utf-8",
            "text/javascript; charset=utf-8"
        ]
    );
    assert!(got.iter().all(|g| g.0 == StatusCode::OK));
    assert_eq!([&got[0].3, &got[1].3, &got[2].3, &got[3].3], [INDEX_HTML, STYLE_CSS, SCRIPT_JS, SCENARIO_JS]);
    assert!(got[0].2.as_deref().unwrap().contains("default-src 'none'"), "the page may load nothing from elsewhere");
    assert!(
        INDEX_HTML
            .contains("<script src=\"/dashboard.js\" defer></script>\n<script src=\"/scenario.js\" defer></script>")
    );
    assert!(INDEX_HTML.contains("<link rel=\"stylesheet\" href=\"/dashboard.css\">"));
}

#[test]
fn the_assets_name_no_external_url() {
    let assets = [
        ("index.html", INDEX_HTML),
        ("dashboard.css", STYLE_CSS),
        ("dashboard.js", SCRIPT_JS),
        ("scenario.js", SCENARIO_JS),
    ];
    for (name, text) in assets {
        for banned in ["http://", "https://", "src=\"//", "href=\"//", "url(", "@import", "cdn"] {
            assert!(!text.contains(banned), "{name} contains `{banned}`");
        }
    }
    for (file, _) in assets {
        let path = format!("{}/emulator/dashboard/assets/{file}", env!("CARGO_MANIFEST_DIR"));
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 500, "{file} has {lines} lines");
    }
}

#[tokio::test]
async fn a_window_of_terminals_comes_with_queued_task_states_and_the_total() {
    // Arrange
    let c =
        Cloud::start(MockCloud::builder().seed(7).paused().terminals(120, TerminalMode::Assisted, Currency::CZK)).await;
    let token = c.token().await;
    let task = c.sale(&token, 1250, "CARD").await;

    // Act
    let (status, window) = c.control_get("/dashboard/terminals?offset=100&limit=10").await;
    let (_, found) = c.control_get(&format!("/dashboard/terminals?q={TID}")).await;
    let (bad, error) = c.control_get("/dashboard/terminals?limit=many").await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!((window["total"].as_u64(), window["offset"].as_u64()), (Some(120), Some(100)));
    let tids: Vec<&str> = window["terminals"].as_array().unwrap().iter().map(|t| t["tid"].as_str().unwrap()).collect();
    assert_eq!(tids.len(), 10);
    assert!(tids.windows(2).all(|w| w[0] < w[1]), "TID order: {tids:?}");
    assert_eq!(found["total"], 1);
    let row = &found["terminals"][0];
    assert_eq!((row["mode"].as_str(), row["queueLength"].as_u64()), (Some("assisted"), Some(1)));
    assert_eq!(
        row["queue"][0],
        json!({"taskId": task["taskId"], "state": "QUEUED", "operation": "sale", "amount": 1250})
    );
    assert_eq!((bad, error["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));
}

#[tokio::test]
async fn the_stream_sends_journal_lines_then_waits_for_the_next_one() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    c.sale(&token, 1250, "CARD").await;

    // Act
    let (headers, first) = stream(&c, "?hold=0", None).await;
    let first = events(&first);
    let last = first.last().unwrap().id.clone();
    let next = {
        let url = c.control("/events/stream");
        let http = c.http.clone();
        let last = last.clone();
        tokio::spawn(async move { http.get(url).header("last-event-id", last).send().await.unwrap().text().await })
    };
    c.control_post("/clock/advance", json!({"by": "1s"})).await;
    let next = tokio::time::timeout(Duration::from_secs(5), next).await.expect("the new line arrives").unwrap();

    // Assert
    assert_eq!(headers["content-type"], "text/event-stream; charset=utf-8");
    let texts: Vec<String> = lines(&first).iter().map(|l| l["text"].as_str().unwrap().to_owned()).collect();
    assert!(texts.contains(&"POST /v1/tasks/TRANSACTION → 201".to_owned()), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("task_queued tid=999888")), "{texts:?}");
    let created = lines(&first).into_iter().find(|l| l["text"] == "POST /v1/tasks/TRANSACTION → 201").unwrap();
    assert_eq!((created["surface"].as_str(), created["tid"].as_str()), (Some("cloud"), Some(TID)));
    assert_eq!(last, format!("0-{}", lines(&first).len()));
    let more = lines(&events(&next.unwrap()));
    let seqs: Vec<u64> = more.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs[0], lines(&first).len() as u64 + 1, "only lines after {last}: {more:?}");
    assert_eq!(more.last().unwrap()["text"], "POST /clock/advance → 200");
}

#[tokio::test]
async fn a_long_backlog_comes_in_bounded_answers_until_the_client_has_it_all() {
    // Arrange
    let c = Cloud::start(MockCloud::builder().seed(7).paused().journal_capacity(20_000)).await;
    fill_journal(&c.cloud, 5_000, 1_000);

    // Act
    let mut answers = Vec::new();
    let mut last: Option<String> = None;
    while answers.len() < 50 {
        let (_, body) = stream(&c, "?hold=0", last.as_deref()).await;
        let evs = events(&body);
        if evs.is_empty() {
            break;
        }
        last = Some(evs.last().unwrap().id.clone());
        answers.push((body.len(), lines(&evs).len(), body.contains("retry: 1\n")));
    }

    // Assert
    assert_eq!(answers.iter().map(|a| a.1).sum::<usize>(), 5_000, "every line exactly once");
    assert!(answers.len() >= 3, "cut into several answers: {answers:?}");
    assert!(answers.iter().all(|a| a.1 <= payterm::dashboard::MAX_LINES), "{answers:?}");
    assert!(answers.iter().all(|a| a.0 <= MAX_BYTES + 4096), "each answer stays under the bound: {answers:?}");
    assert!(
        answers[..answers.len() - 1].iter().all(|a| a.2),
        "while more waits, the client is told to come back at once"
    );
    assert_eq!(last.as_deref(), Some("0-5000"));
}

#[tokio::test]
async fn a_browser_that_never_reads_or_goes_away_blocks_nothing() {
    // Arrange
    let c = Cloud::start(MockCloud::builder().seed(7).paused().journal_capacity(20_000)).await;
    fill_journal(&c.cloud, 5_000, 4_000);
    let addr = c.cloud.control_uri().trim_start_matches("http://").to_owned();
    let request = "GET /events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    // A client that asks and never reads a byte, and one that asks and hangs up at once.
    let mut stuck = std::net::TcpStream::connect(&addr).unwrap();
    stuck.write_all(request.as_bytes()).unwrap();
    let mut gone = std::net::TcpStream::connect(&addr).unwrap();
    gone.write_all(request.as_bytes()).unwrap();
    drop(gone);

    // Act
    let (status, clock) = c.control_post("/clock/advance", json!({"by": "1s"})).await;
    let (_, body) = stream(&c, "?hold=0&after=0-4999", None).await;

    // Assert
    assert_eq!((status, clock["now"].as_str()), (StatusCode::OK, Some("2026-01-01T00:00:01.000Z")));
    let texts: Vec<Value> = lines(&events(&body)).iter().map(|l| l["text"].clone()).collect();
    assert_eq!(texts, [json!("GET /v1/tasks/t4999 → 200"), json!("POST /clock/advance → 200")]);
    // What the stuck client was sent is one bounded answer, however much it leaves unread.
    stuck.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = vec![0; 4096];
    let n = stuck.read(&mut head).unwrap();
    let head = String::from_utf8_lossy(&head[..n]).to_string();
    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length: ")).unwrap().trim().parse().unwrap();
    assert!(length <= MAX_BYTES + 4096, "{length}");
}

#[tokio::test]
async fn a_reset_tells_the_stream_to_start_again() {
    // Arrange
    let c = Cloud::paused().await;
    c.control_post("/clock/advance", json!({"by": "1s"})).await;
    let (_, before) = stream(&c, "?hold=0", None).await;
    let last = events(&before).last().unwrap().id.clone();

    // Act
    c.control_post("/reset", json!({})).await;
    let (_, after) = stream(&c, "?hold=0", Some(&last)).await;

    // Assert
    let after = events(&after);
    assert_eq!(after[0].name, "reset");
    assert_eq!(after[0].id, "1-0");
    assert_eq!(lines(&after)[0]["text"], "POST /reset → 200");
}

#[tokio::test]
async fn the_served_scenario_shows_its_rules_orders_and_script_and_its_faults_in_the_diagram() {
    // Arrange
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/cloud/create-sale-503-retry-after-is-honoured.toml");
    let scenario = Arc::new(payterm::scenario::load(&path).unwrap());
    let c = Cloud::start(MockCloud::builder().seed(7).paused().scenario(scenario)).await;
    let token = c.token().await;
    let body = json!({"transactionType": "SALE", "amount": 1990, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": "BUSY HOST 1"});
    let (status, _) = c.post("/v1/tasks/TRANSACTION", &token, body).await;

    // Act
    let (_, view) = c.control_get("/dashboard/scenario").await;
    let resp = c.http.get(c.control("/dashboard/diagram.svg")).send().await.unwrap();
    let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let svg = resp.text().await.unwrap();
    let (_, live) = stream(&c, "?hold=0", None).await;

    // Assert
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let s = &view["scenario"];
    let rules: Vec<&str> = s["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["RATE-NO-STORM", "CLOUD-NO-DUPLICATE-SALE", "MONEY-NO-DOUBLE-CHARGE", "LIVENESS-OUTCOME"]);
    assert_eq!(
        (s["orders"][0]["id"].as_str(), s["orders"][0]["reference"].as_str()),
        (Some("o1"), Some("BUSY HOST 1"))
    );
    assert_eq!(
        s["steps"][0]["text"],
        "POST /v1/tasks/TRANSACTION: status 503 with Retry-After 30s before acting, requests #1–#2"
    );
    assert_eq!(kind, "image/svg+xml; charset=utf-8");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("⚡ FAULT #1"), "{svg}");
    let faulted = lines(&events(&live)).into_iter().find(|l| l["fault"] == true).unwrap();
    assert_eq!(faulted["orders"], json!(["o1"]), "the line carries the order's reference");
}

#[tokio::test]
async fn without_a_scenario_the_view_says_so_and_a_journal_line_shows_its_bodies() {
    // Arrange
    let c = Cloud::paused().await;
    c.control_post("/clock/advance", json!({"by": "1s"})).await;

    // Act
    let (_, view) = c.control_get("/dashboard/scenario").await;
    let (status, entry) = c.control_get("/dashboard/journal/1").await;
    let (missing, _) = c.control_get("/dashboard/journal/99").await;

    // Assert
    assert_eq!(view, json!({"scenario": null}));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (entry["target"].as_str(), entry["request"].as_str()),
        (Some("/clock/advance"), Some("{\"by\":\"1s\"}"))
    );
    assert_eq!(missing, StatusCode::NOT_FOUND);
}

mod diagram {
    //! `sequence_svg` on hand-made reports: escaping, faults, evidence, the row cap.

    use payterm::report::diagram::{MAX_ROWS, sequence_svg};
    use payterm::report::{ScenarioReport, ScenarioStatus, TranscriptLine, VerdictReport};

    fn line(i: i64, kind: &str, surface: Option<&str>, text: &str) -> TranscriptLine {
        TranscriptLine {
            at: format!("2026-01-01T00:00:{:02}.000Z", i % 60),
            offset_ms: i * 1000,
            kind: kind.to_owned(),
            surface: surface.map(str::to_owned),
            text: text.to_owned(),
            request: None,
            response: None,
        }
    }

    fn report(transcript: Vec<TranscriptLine>, verdicts: Vec<VerdictReport>) -> ScenarioReport {
        ScenarioReport {
            file: "x.toml".to_owned(),
            builtin: false,
            name: "a <scenario> & \"its\" name".to_owned(),
            status: ScenarioStatus::Failed,
            skipped: None,
            error: None,
            targets: Vec::new(),
            seed: 7,
            wall_s: 0.0,
            virtual_s: 0.0,
            ending: String::new(),
            orders: Vec::new(),
            verdicts,
            not_judged: Vec::new(),
            unexercised: Vec::new(),
            log: Vec::new(),
            transcript,
            reproduce: String::new(),
        }
    }

    fn failed(rule: &str, evidence: &str) -> VerdictReport {
        VerdictReport {
            rule: rule.to_owned(),
            row: String::new(),
            order: Some("o1".to_owned()),
            verdict: "fail".to_owned(),
            expected: String::new(),
            happened: String::new(),
            evidence: vec![evidence.to_owned()],
            known: None,
        }
    }

    #[test]
    fn what_the_integration_sent_is_escaped() {
        let svg = sequence_svg(&report(
            vec![line(1, "exchange", Some("cloud"), "GET /x?<script>alert(1)</script>&'\u{1b}' → 404")],
            vec![],
        ));
        assert!(!svg.contains("<script") && !svg.contains('\u{1b}'), "{svg}");
        assert!(svg.contains("aria-label=\"Sequence diagram of a &lt;scenario&gt; &amp; &quot;its&quot; name: 1 line"));
        // What a viewer reads back: the line as sent, its escape character made visible.
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("not well-formed XML ({e}): {svg}"));
        let title = doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text()).unwrap_or_default();
        assert!(title.contains("<script>alert(1)</script>&'\u{241b}'"), "{title}");
    }

    #[test]
    fn a_scripted_fault_is_marked_in_words_and_dashed() {
        let text = "POST /v1/tasks/TRANSACTION → 503 [scripted fault #2: Status before acting]";
        let svg = sequence_svg(&report(vec![line(1, "exchange", Some("cloud"), text)], vec![]));
        assert!(svg.contains("⚡ FAULT #2") && svg.contains("stroke-dasharray=\"6 3\""), "{svg}");
        assert!(svg.contains("1 line, 1 scripted fault"), "{svg}");
    }

    #[test]
    fn the_evidence_of_a_failed_rule_is_highlighted() {
        let lines = vec![
            line(1, "exchange", Some("cloud"), "GET /v1/tasks/t1 → 200"),
            line(2, "exchange", Some("cloud"), "GET /v1/tasks/t1 → 200"),
        ];
        let evidence = "2026-01-01T00:00:02.000Z cloud GET /v1/tasks/t1 → 200";
        let svg = sequence_svg(&report(lines, vec![failed("RATE-NO-STORM", evidence)]));
        assert_eq!(svg.matches("fill=\"#fff1a8\"").count(), 1, "only the cited line: {svg}");
        assert!(svg.contains("◆ RATE-NO-STORM"));
        let passed = VerdictReport { verdict: "pass".to_owned(), ..failed("RATE-NO-STORM", evidence) };
        let svg =
            sequence_svg(&report(vec![line(2, "exchange", Some("cloud"), "GET /v1/tasks/t1 → 200")], vec![passed]));
        assert!(!svg.contains("#fff1a8"), "a passed rule's evidence is not highlighted");
    }

    #[test]
    fn rows_stop_at_the_cap_with_a_note_and_the_size_stays_linear() {
        let many: Vec<TranscriptLine> = (0..MAX_ROWS as i64 + 250)
            .map(|i| line(i, "world", None, "task_state tid=1 task=t1 state=COMPLETED"))
            .collect();
        let svg = sequence_svg(&report(many, vec![]));
        assert_eq!(svg.matches("<g>").count(), MAX_ROWS);
        assert!(
            svg.contains("… 250 more lines not drawn (the diagram stops at 1500 rows)"),
            "{}",
            &svg[svg.len() - 400..]
        );
        assert!(svg.len() < MAX_ROWS * 700, "{} bytes", svg.len());
        assert_eq!(sequence_svg(&report(vec![], vec![])), "", "no transcript, no picture");
    }

    #[test]
    fn the_html_report_shows_the_diagram_in_the_scenarios_section() {
        let r = report(vec![line(1, "exchange", Some("cloud"), "GET /v1/tasks/t1 → 200")], vec![]);
        let suite = payterm::report::SuiteReport::new(Default::default(), 0.01, 1.0, vec![r]);
        let page = payterm::report::html(&suite);
        let section = page.split("<section class=\"scenario\"").nth(1).unwrap();
        assert!(
            section.contains("<summary>Sequence diagram (1 line, 0 scripted faults") && section.contains("<svg"),
            "{section}"
        );
    }
}
