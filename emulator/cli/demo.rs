//! `payterm demo`: starts the mock cloud in-process and walks a sale, a declined sale, a void
//! and a close batch through the Cloud API as a client would, printing every request and
//! answer, and checks each outcome so a broken emulator exits non-zero.

use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use http::Method;
use serde_json::{Value, json};

use super::CliError;
use crate::MockCloud;
use crate::client::{Answer, HttpClient};
use crate::exit_codes;
use crate::time::{Pace, VirtualDuration};

/// Options of `payterm demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Real seconds per virtual second.
    #[arg(long, default_value_t = 0.01)]
    time_scale: f64,
    /// Print every poll instead of collapsing repeated answers.
    #[arg(long)]
    verbose: bool,
}

struct Walk {
    http: HttpClient,
    base: String,
    token: String,
    verbose: bool,
    poll: Duration,
}

fn failed(message: impl Into<String>) -> CliError {
    CliError::new(exit_codes::FAILED, message)
}

fn print_exchange(method: &Method, path: &str, body: Option<&str>, answer: &Answer) {
    println!("→ {method} {path}");
    if let Some(b) = body {
        println!("  {b}");
    }
    let pretty = serde_json::to_string_pretty(&answer.json()).unwrap_or_default();
    println!("← {}", answer.status);
    for line in pretty.lines() {
        println!("  {line}");
    }
    println!();
}

impl Walk {
    async fn call(&self, method: Method, path: &str, body: Option<Value>, quiet: bool) -> Result<Answer, CliError> {
        let auth = format!("Bearer {}", self.token);
        let text = body.map(|b| b.to_string());
        let mut headers = vec![("authorization", auth.as_str())];
        if text.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let bytes = text.clone().map(Bytes::from).unwrap_or_default();
        let answer =
            self.http.send(method.clone(), &format!("{}{path}", self.base), &headers, bytes).await.map_err(failed)?;
        if !quiet {
            print_exchange(&method, path, text.as_deref(), &answer);
        }
        Ok(answer)
    }

    async fn expect(&self, method: Method, path: &str, body: Option<Value>, status: u16) -> Result<Value, CliError> {
        let answer = self.call(method, path, body, false).await?;
        if answer.status.as_u16() != status {
            return Err(failed(format!("expected {status} from {path}, got {}", answer.status)));
        }
        Ok(answer.json())
    }

    /// Polls a task until it is final, printing the first answer and each change of state.
    async fn poll(&self, task_id: &str) -> Result<Value, CliError> {
        let path = format!("/v1/tasks/{task_id}");
        let mut last_state = String::new();
        let mut polls = 0;
        for _ in 0..2000 {
            polls += 1;
            let answer = self.call(Method::GET, &path, None, true).await?;
            let body = answer.json();
            let state = body["state"].as_str().unwrap_or("?").to_owned();
            if state != last_state || self.verbose {
                print_exchange(&Method::GET, &path, None, &answer);
                last_state = state.clone();
            }
            if matches!(state.as_str(), "COMPLETED" | "FAILED" | "CANCELLED") {
                println!("  (polled {polls} times until {state})\n");
                return Ok(body);
            }
            tokio::time::sleep(self.poll).await;
        }
        Err(failed(format!("task {task_id} did not reach a final state")))
    }

    async fn sale(&self, amount: u64, reference: &str) -> Result<(Value, Value), CliError> {
        let body = json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK",
                          "paymentMethod": "CARD", "originReferenceNum": reference});
        let task = self.expect(Method::POST, "/v1/tasks/TRANSACTION", Some(body), 201).await?;
        let done = self.poll(task["taskId"].as_str().unwrap_or_default()).await?;
        let ams = done["amsId"].as_str().unwrap_or_default().to_owned();
        let tx = self.expect(Method::GET, &format!("/v1/transactions/{ams}"), None, 200).await?;
        Ok((done, tx))
    }
}

fn check(what: &str, ok: bool) -> Result<(), CliError> {
    if ok {
        println!("✓ {what}\n");
        Ok(())
    } else {
        Err(failed(format!("demo check failed: {what}")))
    }
}

pub(super) async fn run(args: DemoArgs) -> Result<(), CliError> {
    let cloud = MockCloud::builder().time_scale(args.time_scale).start().await?;
    println!("payterm demo: mock cloud at {} (terminal 999888, automatic mode)\n", cloud.uri());
    let http = HttpClient::default();
    let form = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888";
    let answer = http
        .send(
            Method::POST,
            &format!("{}/cloud/oauth/token", cloud.uri()),
            &[("authorization", cloud.basic_credential()), ("content-type", "application/x-www-form-urlencoded")],
            Bytes::from(form),
        )
        .await
        .map_err(failed)?;
    print_exchange(&Method::POST, "/cloud/oauth/token", Some(form), &answer);
    let token = answer.json()["access_token"].as_str().unwrap_or_default().to_owned();
    check("logged in with the documented credentials", answer.status.is_success() && !token.is_empty())?;
    let walk = Walk {
        http,
        base: cloud.uri(),
        token,
        verbose: args.verbose,
        poll: Pace::new(args.time_scale).real(VirtualDuration::millis(500)).max(Duration::from_millis(2)),
    };

    println!("── 1. a sale of 12.50 CZK (approved)\n");
    let (task, sale) = walk.sale(1250, "Invoice 37364FD").await?;
    check(
        "the sale's task COMPLETED and its transaction is approved (result 0)",
        task["state"] == "COMPLETED" && sale["result"] == 0,
    )?;

    println!("── 2. a sale of 11.22 CZK (the test amount the issuer declines)\n");
    let (task, declined) = walk.sale(1122, "Invoice 37364FE").await?;
    check(
        "the task COMPLETED — yet the payment is declined (result -4): a task's state is not the payment's result",
        task["state"] == "COMPLETED" && declined["result"] == -4,
    )?;

    println!("── 3. a void of the first sale\n");
    let ams = sale["amsId"].as_str().unwrap_or_default();
    let body = json!({"transactionType": "VOID", "originTransactionID": ams, "currencyCode": "CZK"});
    let task = walk.expect(Method::POST, "/v1/tasks/TRANSACTION", Some(body), 201).await?;
    let done = walk.poll(task["taskId"].as_str().unwrap_or_default()).await?;
    let void = walk
        .expect(Method::GET, &format!("/v1/transactions/{}", done["amsId"].as_str().unwrap_or_default()), None, 200)
        .await?;
    let original = walk.expect(Method::GET, &format!("/v1/transactions/{ams}"), None, 200).await?;
    check("the void is approved and the sale is marked voided", void["result"] == 0 && original["voided"] == true)?;

    println!("── 4. close batch\n");
    let task = walk.expect(Method::POST, "/v1/tasks/BATCH", Some(json!({})), 201).await?;
    let done = walk.poll(task["taskId"].as_str().unwrap_or_default()).await?;
    let batch = walk
        .expect(Method::GET, &format!("/v1/batches/{}", done["amsId"].as_str().unwrap_or_default()), None, 200)
        .await?;
    check(
        "the batch holds 1 sale and 1 void of 12.50, total 0, with 1 declined (invalid) transaction",
        batch["saleCount"] == 1 && batch["voidCount"] == 1 && batch["totalAmount"] == 0 && batch["invalidCount"] == 1,
    )?;
    println!("payterm demo: every step answered as the spec says");
    Ok(())
}
