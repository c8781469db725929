//! [`setup_payterm`]: a terminal token and a queued sale on a running payterm, in-process or the
//! `payterm serve` child, so every server is then sent the very same request bytes.

use serde_json::{Value, json};

/// The password grant for the documented example merchant, scoped to its terminal 999888.
pub const TOKEN_FORM: &str = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888";

/// A payterm to set up: its base URI and the client's Basic credential.
#[derive(Clone, Copy, Debug)]
pub struct Payterm<'a> {
    /// `http://127.0.0.1:PORT`.
    pub uri: &'a str,
    /// The `Authorization` value of the token endpoint's client.
    pub basic: &'a str,
}

/// What the load polls: the token, the task, and the answer's exact bytes.
#[derive(Clone, Debug)]
pub struct Polled {
    /// The terminal's bearer token.
    pub token: String,
    /// The queued sale's id.
    pub task_id: String,
    /// What `GET /v1/tasks/{id}` answered, for the peers to serve the same bytes.
    pub body: String,
}

impl Polled {
    /// The polled path.
    pub fn path(&self) -> String {
        format!("/v1/tasks/{}", self.task_id)
    }

    /// The header lines every load request carries.
    pub fn auth(&self) -> Vec<String> {
        vec![format!("Authorization: Bearer {}", self.token)]
    }
}

/// A token from the password grant with `form`; panics with the answer if refused.
pub async fn fetch_token(client: &reqwest::Client, payterm: Payterm<'_>, form: &str) -> String {
    let resp = client
        .post(format!("{}/cloud/oauth/token", payterm.uri))
        .header("Authorization", payterm.basic)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let body = expect_json(resp, 200, "POST /cloud/oauth/token").await;
    body["access_token"].as_str().expect("the token answer has access_token").to_owned()
}

/// A terminal token, a queued sale, and the body polling it answers.
pub async fn setup_payterm(payterm: Payterm<'_>) -> Polled {
    let client = reqwest::Client::new();
    let token = fetch_token(&client, payterm, TOKEN_FORM).await;
    let sale = json!({"transactionType": "SALE", "amount": 1250, "currencyCode": "CZK", "paymentMethod": "CARD"});
    let resp = client
        .post(format!("{}/v1/tasks/TRANSACTION", payterm.uri))
        .bearer_auth(&token)
        .json(&sale)
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let created = expect_json(resp, 201, "POST /v1/tasks/TRANSACTION").await;
    let task_id = created["taskId"].as_str().expect("the created task has a taskId").to_owned();
    // One poll by a real client first, so a broken path fails here rather than as a
    // suspiciously fast run of 401s.
    let resp = client
        .get(format!("{}/v1/tasks/{task_id}", payterm.uri))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the mock cloud answers on loopback");
    let body = expect_text(resp, 200, "GET /v1/tasks/{id}").await;
    Polled { token, task_id, body }
}

/// The answer's body, after checking its status; panics with the body if the status is wrong.
async fn expect_text(resp: reqwest::Response, status: u16, what: &str) -> String {
    let got = resp.status().as_u16();
    let text = resp.text().await.expect("the answer body arrives");
    assert_eq!(got, status, "{what} answered {got}: {text}");
    text
}

/// The answer's body as JSON, after checking its status.
async fn expect_json(resp: reqwest::Response, status: u16, what: &str) -> Value {
    let text = expect_text(resp, status, what).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what} answered non-JSON ({e}): {text}"))
}
