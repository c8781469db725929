//! Fundamental failures: a bad document, a missing or damaged setup, a service that is down,
//! resets the connection or answers something else. Each exits with its documented code,
//! says what happened on stderr, and leaves stdout without any JSON.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use payterm::surfaces::initiator::exit_codes::{BAD_INPUT, SERVICE_UNREACHABLE, SETUP};
use rstest::rstest;
use serde_json::json;

use super::harness::{STORE, Sandbox, Served, autofeed_of, invoice_doc};

fn doc() -> String {
    invoice_doc("A-1", STORE, 600_000)
}

#[rstest]
#[case::a_wrong_version(doc().replace("\"version\":1", "\"version\":2").into_bytes(), "unsupported document version 2")]
#[case::a_wrong_document(doc().replace("aehype_invoice", "aehype_receipt").into_bytes(), "expected document `aehype_invoice`, got \"aehype_receipt\"")]
#[case::an_autofeed_given_to_invoice(doc().replace("aehype_invoice", "aehype_autofeed").into_bytes(), "hint: `status` reads the autofeed")]
#[case::a_missing_field(doc().replace("\"total\":600000,", "").into_bytes(), "missing field `total`")]
#[case::a_missing_fiscal_field(doc().replace("\"code_mxik\":\"10305008004000000\",", "").into_bytes(), "`payload.fiscals[0]`: missing field `code_mxik`")]
#[case::non_utf8(b"{\"version\": 1, \"document\": \"aehype_invoice\xff\"}".to_vec(), "not UTF-8 text: invalid byte at offset 42")]
#[case::truncated(doc().as_bytes()[..60].to_vec(), "ends before the JSON document does")]
#[case::empty(Vec::new(), "stdin is empty")]
#[case::not_json(b"invoice TEST-2024".to_vec(), "not valid JSON")]
#[case::totals_that_do_not_add_up(doc().replace("\"total\":600000", "\"total\":600001").into_bytes(), "total 600001 is not the sum")]
#[case::a_line_whose_price_is_not_amount_times_unit(doc().replace("\"amount\":1", "\"amount\":2").into_bytes(), "fiscals[0].price_total 600000 is not amount × price_per_unit (1200000)")]
#[case::a_line_past_u64_that_saturates_to_its_price(invoice_doc("A-1", STORE, u64::MAX).replace("\"amount\":1", "\"amount\":2").into_bytes(), "fiscals[0].price_total 18446744073709551615 is not amount × price_per_unit (36893488147419103230)")]
#[case::another_store(invoice_doc("A-1", "otherstore", 5).into_bytes(), "the invoice is for store `otherstore`, but this initiator is set up for store `testingstore`")]
fn a_bad_invoice_document_exits_3_without_json(#[case] stdin: Vec<u8>, #[case] message: &str) {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    sandbox.payterm(&["invoice"], &stdin).fails(BAD_INPUT, message);
    assert_eq!(served.control_get("/invoices").1["invoices"], json!([]), "nothing reached the service");
}

#[rstest]
#[case::an_invoice_given_to_status(doc(), "hint: `invoice` reads the invoice document")]
#[case::no_endpoint(json!({"version": 1, "document": "aehype_autofeed", "payload": {"identifier": "x", "invoice": "A", "store": STORE}}).to_string(), "missing field `endpoint`")]
#[case::a_version_that_is_text(json!({"version": "1", "document": "aehype_autofeed", "payload": {}}).to_string(), "unsupported document version \"1\"")]
fn a_bad_autofeed_exits_3_without_json(#[case] stdin: String, #[case] message: &str) {
    let served = Served::start();
    served.enrolled(1).payterm(&["status"], stdin.as_bytes()).fails(BAD_INPUT, message);
}

#[test]
fn no_config_exits_4_and_says_how_to_make_one() {
    Sandbox::new().invoice(&doc()).fails(SETUP, "no initiator config at");
}

#[test]
fn a_damaged_config_exits_4() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.config(), "{\"version\": 1, \"endpoint\": ").unwrap();
    sandbox.invoice(&doc()).fails(SETUP, "is damaged");
}

#[test]
fn an_unreadable_key_file_exits_4() {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    std::fs::remove_file(sandbox.key()).unwrap();
    sandbox.invoice(&doc()).fails(SETUP, "failed to read the key file");
    // A folder where the file should be cannot be read either, even by root.
    std::fs::create_dir(sandbox.key()).unwrap();
    sandbox.invoice(&doc()).fails(SETUP, "failed to read the key file");
}

#[rstest]
#[case::cut_short(|t: &str| t[..t.len() / 2].to_owned())]
#[case::a_changed_secret(|t: &str| t.replace("\"secret_key\": \"A", "\"secret_key\": \"B"))]
#[case::not_a_key(|_: &str| "ssh-ed25519 AAAAC3Nza".to_owned())]
fn a_damaged_key_file_exits_4(#[case] damage: fn(&str) -> String) {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let text = std::fs::read_to_string(sandbox.key()).unwrap();
    std::fs::write(sandbox.key(), damage(&text)).unwrap();
    sandbox.invoice(&doc()).fails(SETUP, "is damaged");
}

/// A sandbox configured (not registered) for a service at `endpoint`.
fn configured_for(endpoint: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.fixed_key(1);
    let run = sandbox.payterm(&["enroll", "--server", endpoint, "--store", STORE, "--config-only"], b"");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    sandbox
}

/// A loopback port nobody listens on.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

#[test]
fn a_service_that_is_down_exits_6() {
    let sandbox = configured_for(&closed_port());
    sandbox.invoice(&doc()).fails(SERVICE_UNREACHABLE, "no answer from the initiator service");
    sandbox.invoice(&doc()).fails(SERVICE_UNREACHABLE, "Connection refused");
}

#[test]
fn an_autofeed_naming_a_service_that_is_down_exits_6() {
    let served = Served::start();
    let sandbox = served.enrolled(1);
    let mut feed = autofeed_of(&sandbox.invoice(&doc()).answer());
    feed["payload"]["endpoint"] = json!(closed_port());
    sandbox.status(&feed).fails(SERVICE_UNREACHABLE, "no answer from the initiator service");
}

/// A fake service that treats each of its first few connections with `handle`.
fn fake_service(handle: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4).flatten() {
            handle(stream);
        }
    });
    url
}

/// Reads one request: the head, then `content-length` bytes of body.
fn read_request(stream: &mut TcpStream) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                .unwrap_or(0);
            if seen.len() >= end + 4 + len {
                return;
            }
        }
    }
}

#[test]
fn a_service_that_resets_the_connection_exits_6() {
    let url = fake_service(|stream| {
        // Closing with the request unread makes the kernel answer with a reset.
        std::thread::sleep(Duration::from_millis(200));
        drop(stream);
    });
    let run = configured_for(&url).invoice(&doc());
    run.fails(SERVICE_UNREACHABLE, "no answer from the initiator service");
    // The kernel's reset, or hyper seeing the connection close first: either is named.
    assert!(run.stderr.contains("reset") || run.stderr.contains("closed"), "{}", run.stderr);
}

#[test]
fn a_service_that_answers_html_exits_6() {
    let url = fake_service(|mut stream| {
        read_request(&mut stream);
        let body = "<html>502 bad gateway</html>";
        let head = format!(
            "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(format!("{head}{body}").as_bytes());
    });
    configured_for(&url)
        .invoice(&doc())
        .fails(SERVICE_UNREACHABLE, "answered HTTP 502 without an initiator answer: <html>502");
}

#[test]
fn a_server_without_the_initiator_exits_6_rather_than_print_its_error() {
    let served = Served::start();
    let sandbox = configured_for(&format!("{}/elsewhere", served.url()));
    sandbox.invoice(&doc()).fails(SERVICE_UNREACHABLE, "answered HTTP 404");
}

#[test]
fn an_enrollment_sent_to_the_wrong_port_or_to_nobody_fails_without_a_config() {
    let served = Served::start();
    let sandbox = Sandbox::new();
    sandbox.fixed_key(1);
    let cloud = served.url();
    let wrong = sandbox.payterm(&["enroll", "--server", &cloud, "--control", &cloud, "--store", STORE], b"");
    wrong.fails(SETUP, "the control API refused the enrollment (HTTP 404)");
    let nobody = closed_port();
    let down = sandbox.payterm(&["enroll", "--server", &cloud, "--control", &nobody, "--store", STORE], b"");
    down.fails(SERVICE_UNREACHABLE, "Connection refused");
    assert!(!sandbox.config().exists(), "no config is written for a key the service does not know");
}
