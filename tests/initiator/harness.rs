//! Helpers for the initiator tests: [`Sandbox`] (a temp folder with the config and key, and the
//! real binary run with stdin), [`Run`] (what it did), and [`Served`] (a mock cloud on its
//! own runtime, so plain tests can run the binary while it serves).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use ed25519_dalek::SigningKey;
use payterm::MockCloud;
use payterm::surfaces::initiator::{keyfile, signing};
use serde_json::{Value, json};

pub const STORE: &str = "testingstore";

/// A per-test folder holding the config and key files; removed on drop.
pub struct Sandbox {
    pub dir: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("payterm-initiator-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Sandbox { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.join("initiator.json")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.join("initiator.key")
    }

    /// The binary as `payterm initiator ARGS`, with this sandbox's config and HOME.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_payterm"));
        cmd.arg("initiator").args(args);
        self.env(&mut cmd);
        cmd
    }

    /// Points `cmd` at this sandbox: its config, and a HOME that holds nothing.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("PAYTERM_INITIATOR_CONFIG", self.config()).env("HOME", &self.dir).env_remove("XDG_CONFIG_HOME");
    }

    pub fn payterm(&self, args: &[&str], stdin: &[u8]) -> Run {
        run(&mut self.command(args), stdin)
    }

    pub fn invoice(&self, doc: &str) -> Run {
        self.payterm(&["invoice"], doc.as_bytes())
    }

    pub fn status(&self, autofeed: &Value) -> Run {
        self.payterm(&["status"], autofeed.to_string().as_bytes())
    }

    /// Writes a key made from `seed` (a stable key id for snapshots) where keygen would.
    pub fn fixed_key(&self, seed: u8) -> String {
        let key = SigningKey::from_bytes(&[seed; 32]);
        keyfile::write(&self.key(), &key, true).unwrap();
        signing::key_id(&key.verifying_key())
    }

    /// `enroll` with the default key for `store` against `served`.
    pub fn enroll(&self, served: &Served, store: &str) -> Run {
        let (server, control) = (served.url(), served.control_url());
        self.payterm(&["enroll", "--server", &server, "--control", &control, "--store", store], b"")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cmd` with `stdin` and collects what it did.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Run {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // A writer thread: a child that fails before reading must not block the test on a full pipe.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run { code: out.status.code(), stdout: out.stdout, stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and one JSON answer plus a newline on stdout; returns it.
    pub fn answer(&self) -> Value {
        let text = String::from_utf8_lossy(&self.stdout);
        assert_eq!(self.code, Some(0), "stdout: {text}\nstderr: {}", self.stderr);
        assert!(text.ends_with('\n') && text.matches('\n').count() == 1, "one line: {text:?}");
        serde_json::from_str(&text).unwrap()
    }

    /// Asserts exit 0 and a JSON object with `fault` on stdout; returns the fault's name.
    pub fn fault(&self) -> String {
        self.answer()["fault"].as_str().unwrap_or_else(|| panic!("no fault in {:?}", self)).to_owned()
    }

    /// Asserts a fundamental failure: exit `code`, nothing on stdout, `message` on stderr.
    pub fn fails(&self, code: i32, message: &str) {
        assert_eq!(self.code, Some(code), "stderr: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout must hold no JSON: {:?}", String::from_utf8_lossy(&self.stdout));
        assert!(self.stderr.contains(message), "expected {message:?} in stderr:\n{}", self.stderr);
    }
}

/// An invoice document with one fiscal line worth `total`.
pub fn invoice_doc(invoice: &str, store: &str, total: u64) -> String {
    json!({"version": 1, "document": "aehype_invoice", "payload": {"invoice": invoice, "store": store,
        "total": total, "fiscals": [{"name": "Kurs", "amount": 1, "code_mxik": "10305008004000000", "vat": 0,
        "vat_price": 0, "price_total": total, "price_per_unit": total, "code_mxik_package": "1546606"}]}})
    .to_string()
}

/// A mock cloud (seed 7, paused clock) on a runtime of its own.
pub struct Served {
    // Dropped first: the servers stop before their runtime does.
    pub cloud: MockCloud,
    pub http: reqwest::Client,
    pub rt: tokio::runtime::Runtime,
}

impl Served {
    pub fn start() -> Served {
        Served::start_with(MockCloud::builder().seed(7).paused())
    }

    /// A mock cloud from `builder` (e.g. serving a scenario) on a runtime of its own.
    pub fn start_with(builder: payterm::MockCloudBuilder) -> Served {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let cloud = rt.block_on(builder.start()).unwrap();
        Served { cloud, http: reqwest::Client::new(), rt }
    }

    pub fn url(&self) -> String {
        self.cloud.uri()
    }

    pub fn control_url(&self) -> String {
        self.cloud.control_uri()
    }

    /// A sandbox whose key (from `seed`) is enrolled for [`STORE`] through the binary.
    pub fn enrolled(&self, seed: u8) -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.fixed_key(seed);
        let run = sandbox.enroll(self, STORE);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        sandbox
    }

    fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
        })
    }

    pub fn control_post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.control_url())).json(&body))
    }

    pub fn control_get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.control_url())))
    }

    /// The customer acts on `identifier`; asserts the control API agreed.
    pub fn act(&self, identifier: &str, action: &str) {
        let (status, body) = self.control_post(&format!("/invoices/{identifier}/{action}"), json!({}));
        assert_eq!(status, 200, "{action}: {body}");
    }

    /// GETs `url` with `accept`; status, content type and body.
    pub fn get(&self, url: &str, accept: &str) -> (u16, String, String) {
        self.rt.block_on(async {
            let resp = self.http.get(url).header("accept", accept).send().await.unwrap();
            let kind = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            (resp.status().as_u16(), kind, resp.text().await.unwrap())
        })
    }

    /// POSTs `body` to the service at `path` with the given headers.
    pub fn post_hype(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path}", self.url())).body(body.to_vec());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req)
    }

    /// POSTs `body` to the service at `path`; status, answer and the service's detail header.
    pub fn post_hype_detail(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value, String) {
        let mut req = self.http.post(format!("{}{path}", self.url())).body(body.to_vec());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            let detail =
                resp.headers().get("x-hype-detail").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null), detail)
        })
    }

    /// POSTs `body` signed by `key`, as [`Served::post_hype_detail`] answers.
    pub fn signed_detail(&self, path: &str, store: &str, key: &SigningKey, body: &[u8]) -> (u16, Value, String) {
        let key_id = signing::key_id(&key.verifying_key());
        let signature = signing::sign(key, body);
        let headers = [("x-hype-store", store), ("x-hype-key-id", key_id.as_str()), ("x-hype-signature", &signature)];
        self.post_hype_detail(path, &headers, body)
    }

    /// POSTs `body` signed by `key` (over `signed_over`, normally the body itself).
    pub fn signed(&self, path: &str, store: &str, key: &SigningKey, body: &[u8], signed_over: &[u8]) -> (u16, Value) {
        let key_id = signing::key_id(&key.verifying_key());
        let signature = signing::sign(key, signed_over);
        let headers = [("x-hype-store", store), ("x-hype-key-id", key_id.as_str()), ("x-hype-signature", &signature)];
        self.post_hype(path, &headers, body)
    }
}

/// The autofeed of an invoice answer.
pub fn autofeed_of(answer: &Value) -> Value {
    answer["autofeed"].clone()
}

/// `path` as text, for arguments.
pub fn s(path: &Path) -> String {
    path.display().to_string()
}
