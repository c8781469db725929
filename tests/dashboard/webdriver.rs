//! A small WebDriver client over chromedriver's HTTP API (W3C WebDriver), enough to drive a
//! headless Chromium through the dashboard: open a page, find, click, type, choose a file,
//! run a script, take a screenshot. [`Browser::start`] is `None` (with a printed reason) when Chromium or
//! chromedriver is not installed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C key under which an element reference comes back.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium driven through its own chromedriver, both ended by [`Browser::quit`]
/// (or on drop).
pub struct Browser {
    http: reqwest::Client,
    driver: tokio::process::Child,
    base: String,
}

/// Says why a browser test does not run, where `cargo test` shows it even when it captures
/// test output (a direct write to stderr is not captured).
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why}\n  (hint: apt-get update && apt-get install -y chromium chromium-driver; or set CHROMIUM and CHROMEDRIVER)"
    );
}

fn on_path(names: &[&str], env: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (after saying why) when either
    /// is missing. `extra` are more Chromium flags.
    pub async fn start(test: &str, extra: &[&str]) -> Option<Browser> {
        let Some(driver_bin) = on_path(&["chromedriver"], "CHROMEDRIVER") else {
            skip(test, "chromedriver is not installed");
            return None;
        };
        let Some(chromium) = on_path(&["chromium", "chromium-browser", "google-chrome"], "CHROMIUM") else {
            skip(test, "Chromium is not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = tokio::process::Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        // Waiting on chromedriver's own start, not on the emulator.
        let ready = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < ready, "chromedriver did not answer within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1366,768",
            // Nothing may leave the machine: every non-loopback request goes to a closed port.
            "--proxy-server=http://127.0.0.1:9",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
        ];
        args.extend_from_slice(extra);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "timeouts": {"implicit": 10_000, "pageLoad": 30_000, "script": 60_000},
        }}});
        let resp: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let Some(session) = resp["value"]["sessionId"].as_str() else {
            skip(test, &format!("Chromium did not start: {}", resp["value"]["message"]));
            return None;
        };
        let base = format!("{base}/session/{session}");
        Some(Browser { http, driver, base })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
        match resp["value"].get("error") {
            Some(e) => Err(format!("{e}: {}", resp["value"]["message"])),
            None => Ok(resp["value"].clone()),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await.unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The first element matching `css`, waiting up to the implicit wait (10 s) for it.
    pub async fn find(&self, css: &str) -> String {
        let found = self.post("/element", json!({"using": "css selector", "value": css})).await;
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("finding {css}: {found}")).to_owned()
    }

    /// Clicks the element matching `css`. The page redraws parts of itself every second, so
    /// an element found a moment ago may be gone: it is found again (up to 10 s).
    pub async fn click(&self, css: &str) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let id = self.find(css).await;
            match self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await {
                Ok(_) => return,
                Err(e) if Instant::now() < until && (e.contains("stale") || e.contains("not interactable")) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
    }

    /// Replaces the text of the input matching `css` with `text`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
        self.post(&format!("/element/{id}/value"), json!({ "text": text })).await;
    }

    /// Chooses the file at `path` in the file input matching `css` (its `change` fires).
    pub async fn upload(&self, css: &str, path: &Path) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/value"), json!({ "text": path.display().to_string() })).await;
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        let v = self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None).await.unwrap();
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` in the page and returns its value.
    pub async fn run(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] })).await
    }

    /// Runs `script`, which calls its last argument with the result, and returns the result.
    pub async fn run_async(&self, script: &str) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": [] })).await
    }

    /// Writes a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await.unwrap();
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// Ends the session (Chromium exits) and chromedriver.
    pub async fn quit(mut self) {
        let _ = self.cmd(reqwest::Method::DELETE, "", None).await;
        let _ = self.driver.kill().await;
    }
}

impl Drop for Browser {
    /// A test that panicked never reached [`Browser::quit`]: the session is ended here, or
    /// Chromium would outlive its killed chromedriver. Blocking and raw, as drop cannot wait
    /// on the runtime.
    fn drop(&mut self) {
        let Some(rest) = self.base.strip_prefix("http://") else { return };
        let Some((host, path)) = rest.split_once('/') else { return };
        if let Ok(mut conn) = std::net::TcpStream::connect(host) {
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!("DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            if conn.write_all(request.as_bytes()).is_ok() {
                // Chromedriver answers once Chromium has exited.
                let _ = std::io::Read::read(&mut conn, &mut [0; 512]);
            }
        }
        let _ = self.driver.start_kill();
    }
}
