//! keygen → enroll → invoice → the customer → status through the real binary, for every final
//! status; retries of the same invoice; the gateway URI; keygen's file; the shim; and the
//! README walkthrough against a spawned `payterm serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use rstest::rstest;
use serde_json::Value;

use super::harness::{STORE, Sandbox, Served, autofeed_of, invoice_doc, run, s};

#[rstest]
#[case::paid(&["open", "pay", "succeed"], &["reached", "payment_in_process", "completed_success"])]
#[case::paid_then_refunded(&["pay", "succeed", "refund"], &["payment_in_process", "completed_success", "completed_refunded"])]
#[case::rejected_while_paying(&["open", "pay", "reject"], &["reached", "payment_in_process", "completed_rejected"])]
fn an_invoice_round_trips_to_its_final_status(#[case] actions: &[&str], #[case] statuses: &[&str]) {
    // Arrange: a key made and enrolled by the binary itself.
    let served = Served::start();
    let sandbox = Sandbox::new();
    let keygen = sandbox.payterm(&["keygen"], b"").answer();
    assert!(keygen["keyId"].as_str().unwrap().starts_with("ed25519-"), "{keygen}");
    assert_eq!(sandbox.enroll(&served, STORE).code, Some(0));
    // Act
    let answer = sandbox.invoice(&invoice_doc("TEST-2024", STORE, 600_000)).answer();
    let feed = autofeed_of(&answer);
    let first = sandbox.status(&feed).answer();
    let mut seen = Vec::new();
    for action in actions {
        served.act(answer["identifier"].as_str().unwrap(), action);
        seen.push(sandbox.status(&feed).answer());
    }
    // Assert
    assert_eq!(first["status"], "created");
    assert_eq!(seen.iter().map(|a| a["status"].as_str().unwrap()).collect::<Vec<_>>(), statuses);
    assert!(seen.iter().all(|a| a["identifier"] == answer["identifier"]));
    assert_eq!(feed["payload"]["endpoint"], served.url().as_str());
    assert_eq!(answer["gateway_uri"], format!("{}/hype/pay/{}", served.url(), answer["identifier"].as_str().unwrap()));
}

#[test]
fn status_answers_every_status_including_forced_ones() {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let answer = sandbox.invoice(&invoice_doc("A-1", STORE, 100)).answer();
    let id = answer["identifier"].as_str().unwrap();
    for status in payterm::world::invoice::InvoiceStatus::ALL {
        let (code, _) =
            served.control_post(&format!("/invoices/{id}/status"), serde_json::json!({"status": status.as_str()}));
        assert_eq!(code, 200);
        let got = sandbox.status(&autofeed_of(&answer)).answer();
        assert_eq!(got, serde_json::json!({"identifier": id, "status": status.as_str()}));
    }
}

#[test]
fn the_same_invoice_sent_twice_is_the_same_transaction_byte_for_byte() {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let doc = invoice_doc("RETRY-1", STORE, 250);
    let first = sandbox.invoice(&doc);
    let again = sandbox.invoice(&doc);
    assert_eq!(first.stdout, again.stdout);
    assert_eq!(served.control_get("/invoices").1["invoices"].as_array().unwrap().len(), 1);
}

#[test]
fn a_browser_opening_the_gateway_uri_reaches_the_transaction() {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let answer = sandbox.invoice(&invoice_doc("<b>WEB</b>", STORE, 12_345)).answer();
    let (code, kind, page) = served.get(answer["gateway_uri"].as_str().unwrap(), "text/html");
    assert_eq!((code, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(
        page.contains("&lt;b&gt;WEB&lt;/b&gt;") && page.contains("123.45 soum") && page.contains("reached"),
        "{page}"
    );
    assert_eq!(sandbox.status(&autofeed_of(&answer)).answer()["status"], "reached");
}

#[test]
fn keygen_writes_a_private_key_and_will_not_overwrite_it() {
    let sandbox = Sandbox::new();
    let first = sandbox.payterm(&["keygen"], b"").answer();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(sandbox.key()).unwrap().permissions().mode() & 0o777, 0o600);
    }
    sandbox.payterm(&["keygen"], b"").fails(4, "already exists");
    let other = sandbox.dir.join("other.key");
    let second = sandbox.payterm(&["keygen", "--key", &s(&other)], b"").answer();
    let forced = sandbox.payterm(&["keygen", "--force"], b"").answer();
    assert_ne!(first["publicKey"], second["publicKey"]);
    assert_ne!(first["publicKey"], forced["publicKey"]);
    assert!(std::fs::read_to_string(sandbox.key()).unwrap().contains(forced["keyId"].as_str().unwrap()));
}

#[test]
fn the_shim_takes_only_the_subcommand_like_the_real_tool() {
    // Arrange: the link, installed twice (the second replaces the first).
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let bin = sandbox.dir.join("bin");
    for _ in 0..2 {
        let installed = sandbox.payterm(&["install-shim", &s(&bin)], b"");
        assert_eq!(installed.code, Some(0), "{}", installed.stderr);
        assert!(String::from_utf8_lossy(&installed.stdout).trim().ends_with("bin/aelucrative-hype-initiator"));
    }
    let shim = bin.join("aelucrative-hype-initiator");
    let shim_run = |args: &[&str], stdin: &[u8]| {
        let mut cmd = Command::new(&shim);
        cmd.args(args);
        sandbox.env(&mut cmd);
        run(&mut cmd, stdin)
    };
    // Act
    let answer = shim_run(&["invoice"], invoice_doc("SHIM-1", STORE, 700).as_bytes()).answer();
    let status = shim_run(&["status"], autofeed_of(&answer).to_string().as_bytes()).answer();
    // Assert
    assert_eq!(status["status"], "created");
    shim_run(&["invoice", "--store", "x"], b"").fails(2, "usage: aelucrative-hype-initiator invoice|status");
    shim_run(&[], b"").fails(2, "no subcommand");
}

/// Kills `payterm serve` on drop.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_readme_walkthrough_works_against_payterm_serve() {
    // Arrange: `payterm serve --seed 7`, its two URLs read from its stdout.
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_payterm"))
            .args(["serve", "--port", "0", "--control-port", "0", "--seed", "7"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (mut cloud, mut control) = (String::new(), String::new());
    for line in BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(url) = line.trim().strip_prefix("Cloud API") {
            cloud = url.trim().to_owned();
        }
        if let Some(url) = line.trim().strip_prefix("control") {
            control = url.trim().to_owned();
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let sandbox = Sandbox::new();
    // Act: the README's commands.
    sandbox.payterm(&["keygen"], b"").answer();
    let enrolled = sandbox.payterm(&["enroll", "--server", &cloud, "--control", &control, "--store", STORE], b"");
    assert_eq!(enrolled.code, Some(0), "{}", enrolled.stderr);
    let answer = sandbox.invoice(&invoice_doc("TEST-2024", STORE, 600_000)).answer();
    let id = answer["identifier"].as_str().unwrap().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    for action in ["open", "pay", "succeed"] {
        let status = rt.block_on(http.post(format!("{control}/invoices/{id}/{action}")).send()).unwrap().status();
        assert_eq!(status, 200, "{action}");
    }
    let status = sandbox.status(&autofeed_of(&answer)).answer();
    // Assert
    assert_eq!(status, serde_json::json!({"identifier": id, "status": "completed_success"}));
    let listed: Value =
        rt.block_on(async { http.get(format!("{control}/invoices")).send().await?.json().await }).unwrap();
    assert_eq!(listed["invoices"][0]["status"], "completed_success");
}
