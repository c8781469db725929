//! The real `payterm` binary: `serve` prints its URLs and answers the documented curl
//! example, `demo` walks the API and exits 0, `openapi` and `spec` print, bad flags exit 2.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn payterm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_payterm"))
}

#[test]
fn openapi_prints_a_3_1_document() {
    let out = payterm().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["schemas"]["CreateCloudTaskTransactionApiRequest"].is_object());
}

#[test]
fn spec_lists_documented_and_completed_behaviour() {
    let out = payterm().arg("spec").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(text.contains("[doc]") && text.contains("[ours]") && text.contains("[seed]"));
    assert!(text.contains("TERMINAL_BUSY"));
}

#[test]
fn demo_walks_the_api_and_exits_zero() {
    let out = payterm().arg("demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("→ POST /v1/tasks/BATCH"));
    assert!(text.contains("every step answered as the spec says"));
}

#[test]
fn a_bad_flag_exits_with_the_usage_code() {
    let out = payterm().args(["serve", "--mode", "sideways"]).output().unwrap();
    assert_eq!(out.status.code(), Some(payterm::exit_codes::USAGE));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sideways"));
}

#[test]
fn a_taken_port_exits_with_the_bind_code() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = payterm().args(["serve", "--port", &port, "--control-port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(payterm::exit_codes::BIND_FAILED));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed to bind") && err.contains("hint"), "{err}");
}

/// Kills the child on drop so a failing test leaves no server behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `payterm serve ARGS` and reads what it prints up to "Press Ctrl-C".
fn serve(args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Child(
        payterm()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut printed = Vec::new();
    for line in BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    (child, printed)
}

/// The rest of the printed line that starts with `label`, trimmed.
fn printed_value(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{}", lines.join("\n")))
}

#[test]
fn serve_prints_its_urls_and_answers_the_vendors_curl_example() {
    // Arrange
    let (_child, printed) = serve(&["--port", "0", "--control-port", "0", "--seed", "1"]);
    let text = printed.join("\n");
    let cloud = printed_value(&printed, "Cloud API");
    assert!(text.contains("control") && text.contains("jan.novak@example.com / ABCDEFGHIJKL"), "{text}");
    // Act: the vendor's documented token request, verbatim but for the host.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{cloud}/cloud/oauth/token"))
            .header("Authorization", "Basic YXRvbTphc2hmdWY0ZTVmYQ==")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=password&username=jan.novak@example.com&password=ABCDEFGHIJKL&tid=999888")
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap()
            .status()
    });
    // Assert
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[test]
fn serve_with_tls_writes_a_certificate_that_clients_can_trust() {
    let (_child, printed) = serve(&["--port", "0", "--control-port", "0", "--tls"]);
    let cloud = printed_value(&printed, "Cloud API");
    let cert = printed_value(&printed, "TLS cert").split_whitespace().next().unwrap_or_default().to_owned();
    assert!(cloud.starts_with("https://"), "{cloud}");
    let pem = std::fs::read(&cert).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let doc = rt.block_on(async {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap();
        let url = cloud.replace("127.0.0.1", "localhost");
        client.get(format!("{url}/health")).send().await.unwrap().status()
    });
    assert_eq!(doc, reqwest::StatusCode::OK);
}

#[test]
fn the_demo_transcript_is_stable_after_redaction() {
    let out = payterm().arg("demo").output().unwrap();
    assert!(out.status.success());
    let text = payterm::redact::Redactor::new().redact(&String::from_utf8_lossy(&out.stdout));
    // Real time drives the demo's polling: how often a task is polled, and which states a
    // poll happens to catch, vary. Poll blocks are dropped; every other answer is pinned.
    let mut stable = String::new();
    let mut in_poll = false;
    for line in text.lines() {
        if line.starts_with("→ GET /v1/tasks/") || line.trim_start().starts_with("(polled") {
            in_poll = true;
        }
        if !in_poll {
            stable.push_str(line);
            stable.push('\n');
        }
        if line.is_empty() {
            in_poll = false;
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("cli_demo_transcript", stable));
}

#[test]
fn serve_plays_a_scenario_and_prints_its_orders() {
    // Arrange
    let args =
        ["--port", "0", "--control-port", "0", "--scenario", "scenarios/cloud/lost-answer-after-sale-task-exists.toml"];
    let (_child, printed) = serve(&args);
    let cloud = printed_value(&printed, "Cloud API");
    let order_line = printed.iter().find(|l| l.trim().starts_with("{\"id\"")).expect("the order line");
    let order: serde_json::Value = serde_json::from_str(order_line.trim()).unwrap();
    assert_eq!((order["operation"].as_str(), order["reference"].as_str()), (Some("sale"), Some("Invoice 37364FD")));
    // Act: create the sale the order asks for; the scenario resets the answer after acting.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (lost, found) = rt.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{cloud}/cloud/oauth/token"))
            .header("Authorization", "Basic YXRvbTphc2hmdWY0ZTVmYQ==")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=password&username=jan.novak@example.com&password=ABCDEFGHIJKL&tid=999888")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let body = serde_json::json!({"transactionType": "SALE", "amount": order["amount"], "currencyCode": "CZK",
            "paymentMethod": "CARD", "originReferenceNum": order["reference"]});
        let lost = http.post(format!("{cloud}/v1/tasks/TRANSACTION")).bearer_auth(&token).json(&body).send().await;
        let found: serde_json::Value = http
            .get(format!("{cloud}/v1/tasks?reference=Invoice%2037364FD"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (lost, found)
    });
    // Assert
    assert!(lost.is_err(), "the scenario resets the create answer");
    assert_eq!(found["tasks"].as_array().unwrap().len(), 1);
}

#[test]
fn serve_refuses_an_invalid_scenario_with_its_diagnostic() {
    let out = payterm()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "serve",
            "--port",
            "0",
            "--control-port",
            "0",
            "--scenario",
            "tests/invalid-scenarios/misspelt-rule.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(payterm::exit_codes::INVALID_INPUT));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `HYPE-CREATED`?"));
}

fn schema(kind: &str) -> serde_json::Value {
    let out = payterm().args(["schema", kind]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_orders_schema_names_every_field_the_runner_writes_for_the_built_in_suite() {
    // Arrange
    let schema = schema("orders");
    let properties = schema["properties"].as_object().unwrap();
    let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    // Act / Assert: every order of every built-in scenario fits.
    for (name, text) in payterm::runner::builtin::SUITE {
        let scenario = payterm::scenario::parse(name, text).unwrap();
        for order in &scenario.orders {
            let line = payterm::scenario::orders::order_json(order);
            let keys = line.as_object().unwrap();
            for key in keys.keys() {
                assert!(properties.contains_key(key), "{name}: `{key}` is not in the orders schema");
            }
            for key in &required {
                assert!(keys.contains_key(*key), "{name}: required `{key}` missing from {line}");
            }
        }
    }
}

#[test]
fn the_events_and_report_schemas_describe_their_documents() {
    let events = schema("events").to_string();
    for word in ["present_uri", "flag", "outcome", "not_paid", "engineering", "order"] {
        assert!(events.contains(word), "events schema lacks {word}");
    }
    let report = schema("report");
    assert!(report["properties"]["schema_version"].is_object(), "{report}");
    assert!(report.to_string().contains("transcript"), "{report}");
}

#[test]
fn serve_answers_a_host_name_added_with_allow_host_and_refuses_others() {
    // Arrange: the emulator reached as `payterm.test` (a container's name, say).
    let (_child, printed) = serve(&["--port", "0", "--control-port", "0", "--allow-host", "payterm.test"]);
    let cloud = printed_value(&printed, "Cloud API");
    let port = cloud.rsplit(':').next().unwrap().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status_as = |host: String| {
        rt.block_on(async {
            let resp = reqwest::Client::new()
                .get(format!("{cloud}/health"))
                .header("host", host)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .unwrap();
            resp.status()
        })
    };
    // Act
    let allowed = status_as(format!("payterm.test:{port}"));
    let other = status_as(format!("other.test:{port}"));
    // Assert
    assert_eq!((allowed, other), (reqwest::StatusCode::OK, reqwest::StatusCode::FORBIDDEN));
}

/// Issue 20, 3.2: a scenario targeting RATE-NO-STORM at a scale where its tolerance covers the
/// whole minimum interval can never fail it; `payterm check` says so, and names the fix.
#[test]
fn check_warns_of_a_timing_rule_that_cannot_fail_at_the_scale_it_runs_at() {
    // Arrange
    let dir = std::env::temp_dir().join(format!("payterm-check-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = |extra: &str| {
        format!(
            "version = 1\nname = \"storm\"\nsurfaces = [\"cloud\"]\nrules = [\"RATE-NO-STORM\"]\n{extra}\n\
             [[orders]]\nid = \"o1\"\noperation = \"sale\"\namount = 100\nreference = \"R1\"\n"
        )
    };
    std::fs::write(dir.join("blind.toml"), text("")).unwrap();
    std::fs::write(dir.join("slower.toml"), text("min_time_scale = 0.02")).unwrap();
    // Act
    let out = payterm().arg("check").arg(&dir).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    // Assert
    assert!(out.status.success(), "a warning is no invalid file: {said}");
    let warnings: Vec<&str> = said.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(warnings.len(), 1, "{said}");
    assert!(warnings[0].contains("blind.toml: RATE-NO-STORM cannot fail at time scale 0.01"), "{said}");
    assert!(said.contains("declare `min_time_scale = 0.02` or more"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
