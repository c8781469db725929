//! Helpers shared by the integration tests: [`Cloud`], a started mock cloud with a client;
//! `claims`, the scenarios' `# Caught:` claims (read by `claim_grammar`) and their proof against a
//! reference integration; `cheat_table`, the reference's cheats and what each must fail.

#![allow(dead_code)]

pub mod cheat_table;
mod claim_grammar;
pub mod claims;

use payterm::MockCloud;
use payterm::time::VirtualDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const TID: &str = "999888";
pub const BASIC: &str = "Basic YXRvbTphc2hmdWY0ZTVmYQ==";

/// A mock cloud on a paused clock with an HTTP client.
pub struct Cloud {
    pub cloud: MockCloud,
    pub http: reqwest::Client,
}

impl Cloud {
    /// The documented example (terminal 999888, automatic) on a paused clock, seed 7.
    pub async fn paused() -> Cloud {
        Cloud::start(MockCloud::builder().seed(7).paused()).await
    }

    /// Starts `builder`'s server with the dashboard on its control port, as `payterm serve` does.
    pub async fn start(builder: payterm::MockCloudBuilder) -> Cloud {
        let builder = builder.control_extension(std::sync::Arc::new(payterm::dashboard::Dashboard));
        let cloud = builder.start().await.expect("the mock cloud starts on loopback");
        Cloud { cloud, http: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cloud.uri())
    }

    pub fn control(&self, path: &str) -> String {
        format!("{}{path}", self.cloud.control_uri())
    }

    /// Posts the token form and returns status and JSON.
    pub async fn token_form(&self, path: &str, basic: &str, form: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .header("authorization", basic)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .expect("the token endpoint answers");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A terminal token for 999888 (or a master token with `None`).
    pub async fn token_for(&self, tid: Option<&str>) -> Value {
        let mut form = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL".to_owned();
        if let Some(tid) = tid {
            form.push_str(&format!("&tid={tid}"));
        }
        let (status, body) = self.token_form("/cloud/oauth/token", BASIC, &form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The access token for 999888.
    pub async fn token(&self) -> String {
        self.token_for(Some(TID)).await["access_token"].as_str().expect("an access token").to_owned()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body)).await
    }

    /// Creates a sale and returns the task answer (asserting 201).
    pub async fn sale(&self, token: &str, amount: u64, method: &str) -> Value {
        let body = json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": method});
        let (status, task) = self.post("/v1/tasks/TRANSACTION", token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        task
    }

    /// Polls a task.
    pub async fn task(&self, token: &str, id: &Value) -> Value {
        let (status, task) = self.get(&format!("/v1/tasks/{}", id.as_str().expect("a task id")), token).await;
        assert_eq!(status, StatusCode::OK, "{task}");
        task
    }

    /// Runs a sale to its end and returns (task, transaction).
    pub async fn completed_sale(&self, token: &str, amount: u64, method: &str) -> (Value, Value) {
        let task = self.sale(token, amount, method).await;
        self.advance_secs(10);
        let task = self.task(token, &task["taskId"]).await;
        let (status, tx) =
            self.get(&format!("/v1/transactions/{}", task["amsId"].as_str().unwrap_or("-")), token).await;
        assert_eq!(status, StatusCode::OK, "{tx}");
        (task, tx)
    }

    pub fn advance_secs(&self, secs: i64) {
        self.cloud.advance(VirtualDuration::secs(secs));
    }

    pub async fn control_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        answer(self.http.post(self.control(path)).json(&body)).await
    }

    pub async fn control_get(&self, path: &str) -> (StatusCode, Value) {
        answer(self.http.get(self.control(path))).await
    }
}

/// Sends `req` and returns the status and the body as JSON (`null` when it is not JSON).
pub async fn answer(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("the emulator answers");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The rule IDs of a `payterm run` output's FAIL lines, sorted, each once.
pub fn failed_rules(text: &str) -> Vec<String> {
    let mut rules: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("FAIL "))
        .map(|rest| rest.split([' ', ':']).next().unwrap_or("").to_owned())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}
