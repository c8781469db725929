//! The HyPe Initiator: `Initiator` runs `aelucrative-hype-initiator` one request at a time,
//! and `invoice` issues an order's invoice, presents its gateway URI once and follows its
//! `status` to an outcome, acting on each status and fault as initiator.md's tables say.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::sync::{Mutex, watch};

use crate::events::{clip, emit};
use crate::orders::{Job, int, text};
use crate::pacing::{secs, sleep_until};

const PROGRAM: &str = "aelucrative-hype-initiator";

/// What one run of the program gave.
enum Run {
    /// A JSON object on stdout: the service's answer, as-is.
    Json(Value),
    /// A fundamental failure: no valid JSON on stdout (or no answer in time).
    NoJson(String),
    /// The service said `user_disabled` earlier: no request may go any more.
    Disabled,
}

/// The program, one run at a time.
pub struct Initiator {
    lock: Mutex<()>,
    /// Set for good by a `user_disabled` answer (HYPE-F-USER-DISABLED: stop using it).
    disabled: watch::Sender<bool>,
}

impl Initiator {
    /// The initiator, not yet disabled.
    pub fn new() -> Self {
        Initiator { lock: Mutex::new(()), disabled: watch::Sender::new(false) }
    }

    fn is_disabled(&self) -> bool {
        *self.disabled.borrow()
    }

    /// Runs `command` with `document` on stdin for the order of `job`. Runs are serialised, so
    /// once the service says `user_disabled` no further request can start — not even one of
    /// another order that was already waiting its turn.
    async fn run(&self, job: &mut Job, command: &str, document: &[u8]) -> Run {
        let mut disabled = self.disabled.subscribe();
        tokio::select! {
            () = sleep_until(job.pacer.next_at()) => {}
            // Woken: a disabled service makes waiting pointless.
            _ = disabled.wait_for(|d| *d) => {}
        }
        if self.is_disabled() {
            return Run::Disabled;
        }
        let _turn = self.lock.lock().await;
        if self.is_disabled() {
            return Run::Disabled;
        }
        job.order.log(&format!("{PROGRAM} {command}"));
        let timeout = f64::min(job.app.settings.initiator_timeout, f64::max(0.01, job.order.remaining()));
        let spawned = Command::new(PROGRAM)
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return Run::NoJson(format!("cannot run {PROGRAM}: {e}")),
        };
        // The service sees the request at some moment between the start and the end of the
        // run (its start-up time varies with the machine's load); the pacer allows for both.
        job.pacer.mark_start();
        let exchange = async move {
            if let Some(mut stdin) = child.stdin.take() {
                // A program that exits without reading its stdin is judged by its output.
                let _ = stdin.write_all(document).await;
            }
            child.wait_with_output().await
        };
        let output = tokio::time::timeout(secs(timeout), exchange).await;
        let output = match output {
            // Dropping the timed-out future killed the program (kill_on_drop).
            Err(_) => return Run::NoJson("no answer in time (killed)".to_owned()),
            Ok(Err(e)) => return Run::NoJson(format!("lost the program's output: {e}")),
            Ok(Ok(output)) => output,
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let answer = match serde_json::from_str::<Value>(stdout.trim()) {
            Ok(answer @ Value::Object(_)) => answer,
            _ => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.trim().lines().last().unwrap_or_default();
                return Run::NoJson(format!("{}, no JSON ({})", output.status, clip(last, 200)));
            }
        };
        job.order.log(&format!("-> {}", clip(&answer.to_string(), 300)));
        if answer.get("fault").and_then(Value::as_str) == Some("user_disabled") {
            self.disabled.send_replace(true);
        }
        Run::Json(answer)
    }
}

/// Flags a fault the spec says to stop on and returns true; false for "try again later".
fn stop_on_fault(job: &Job, fault: &str, detail: Option<String>, what: &str) -> bool {
    let order = &job.order;
    match fault {
        "bad_signature" => {
            // HYPE-F-BAD-SIGNATURE: engineering AND administrative; never sent again.
            let detail = detail.unwrap_or_else(|| "the signature was refused".to_owned());
            order.flag("engineering", &format!("{what}: bad_signature ({detail})"));
            order.flag("administrative", &format!("{what}: bad_signature: check the key enrollment of the store"));
            true
        }
        "user_disabled" => {
            // HYPE-F-USER-DISABLED: administrative; no further request to the service at all.
            let why =
                format!("{what}: user_disabled: the store's endpoint is disabled; no further requests to the service");
            order.flag("administrative", &why);
            true
        }
        "resource_not_found" => {
            // HYPE-F-NOT-FOUND: engineering; the resource is gone, asking again is pointless.
            let detail = detail.unwrap_or_else(|| "the transaction is gone".to_owned());
            order.flag("engineering", &format!("{what}: resource_not_found ({detail})"));
            true
        }
        // HYPE-F-UNSPECIFIED, HYPE-F-SERVER-ERROR (and a fault the spec does not name):
        // try again later, with backoff.
        _ => false,
    }
}

/// The invoice document: the order's reference is the invoice id (attribution), the
/// order's `fiscals` or one line of the whole amount.
fn invoice_document(job: &Job) -> Value {
    let store = job.app.cred("initiator", "store").unwrap_or_default();
    let amount = int(job.order.raw.get("amount"));
    let (total, fiscals) = match job.order.raw.get("fiscals") {
        Some(Value::Array(lines)) if !lines.is_empty() => {
            (lines.iter().map(|f| int(f.get("price_total"))).sum::<i64>(), Value::Array(lines.clone()))
        }
        _ => (
            amount,
            json!([{
                "name": format!("Order {}", job.order.reference),
                "amount": 1,
                "code_mxik": "10305008004000000",
                "vat": 0,
                "vat_price": 0,
                "price_total": amount,
                "price_per_unit": amount,
                "code_mxik_package": "1546606",
            }]),
        ),
    };
    json!({
        "version": 1,
        "document": "aehype_invoice",
        "payload": {"invoice": job.order.reference, "store": store, "total": total, "fiscals": fiscals},
    })
}

fn stopped_by_disabled(job: &Job) {
    job.order.flag("administrative", "the initiator endpoint is disabled (user_disabled): not using it");
    job.order.report("unknown", vec![]);
}

/// An invoice through the initiator, followed to its outcome.
pub async fn invoice(job: &mut Job) {
    let app = std::sync::Arc::clone(&job.app);
    // Built once: a retry sends the same document byte for byte (same id, same content; the
    // service is idempotent), so a lost answer never makes a second invoice.
    let document = invoice_document(job).to_string().into_bytes();
    let answer = loop {
        let answer = match app.initiator.run(job, "invoice", &document).await {
            Run::Disabled => return stopped_by_disabled(job),
            Run::NoJson(why) => {
                // HYPE-NO-JSON: a fundamental failure; the invoice may or may not exist. No
                // crash, no verdict: the same document again later.
                job.order.log(&format!("invoice: {why}; trying the same invoice again later"));
                job.pacer.fault(None, "");
                continue;
            }
            Run::Json(answer) => answer,
        };
        if let Some(fault) = text(answer.get("fault")) {
            let what = format!("invoice {}", job.order.reference);
            if stop_on_fault(job, &fault, text(answer.get("detail")), &what) {
                return job.order.report("unknown", vec![]);
            }
            let detail = text(answer.get("detail")).unwrap_or_default();
            job.order.log(&format!("invoice: fault {fault} ({detail}); trying again later"));
            job.pacer.fault(None, "");
            continue;
        }
        let complete = text(answer.get("identifier")).is_some()
            && text(answer.get("gateway_uri")).is_some()
            && answer.get("autofeed").is_some_and(Value::is_object);
        if complete {
            break answer;
        }
        job.order.log("invoice: an answer without identifier/gateway_uri/autofeed; trying again later");
        job.pacer.fault(None, "");
    };
    job.pacer.ok();
    let identifier = text(answer.get("identifier")).unwrap_or_default();
    job.order.set_id("identifier", &identifier);
    // HYPE-CREATED, HYPE-IN-PROCESS: the gateway URI is presented once, right after the
    // invoice, and never again — so never while the payment is in process.
    let uri = answer.get("gateway_uri").cloned().unwrap_or(Value::Null);
    emit(&json!({"order": job.order.id, "event": "present_uri", "uri": uri}));
    let autofeed = answer.get("autofeed").cloned().unwrap_or(Value::Null);
    follow_status(job, &autofeed, &identifier).await;
}

/// Asks `status` with the autofeed until the spec says the invoice is final (or stop).
async fn follow_status(job: &mut Job, autofeed: &Value, identifier: &str) {
    let app = std::sync::Arc::clone(&job.app);
    let feed = autofeed.to_string().into_bytes();
    let mut paid = false;
    let mut last: Option<String> = None;
    loop {
        let answer = match app.initiator.run(job, "status", &feed).await {
            Run::Disabled => {
                if paid {
                    // An order already paid keeps that outcome when its watch is stopped.
                    job.order.log("the endpoint is disabled; the invoice stays paid as reported");
                    job.order
                        .flag("administrative", "the initiator endpoint is disabled (user_disabled): not using it");
                    return;
                }
                return stopped_by_disabled(job);
            }
            Run::NoJson(why) => {
                // HYPE-NO-JSON: no crash, no verdict; ask again later.
                job.order.log(&format!("status: {why}; asking again later"));
                job.pacer.fault(None, "");
                continue;
            }
            Run::Json(answer) => answer,
        };
        if let Some(fault) = text(answer.get("fault")) {
            if stop_on_fault(job, &fault, text(answer.get("detail")), &format!("status of {identifier}")) {
                // The spec said stop: `unknown` (unless it was paid already, which stands).
                if !paid {
                    job.order.report("unknown", vec![]);
                }
                return;
            }
            job.order.log(&format!("status: fault {fault}; asking again later"));
            job.pacer.fault(None, "");
            continue;
        }
        let status = text(answer.get("status"));
        if status != last {
            job.order.log(&format!("invoice is {}", status.as_deref().unwrap_or("None")));
            last.clone_from(&status);
        }
        match status.as_deref() {
            // HYPE-UNDETERMINABLE, HYPE-CREATED, HYPE-REACHED, HYPE-IN-PROCESS: ask again
            // later, and (created/reached included) never present the URI again.
            Some("undeterminable" | "created" | "reached" | "payment_in_process") => job.pacer.ok(),
            Some("completed_success") => {
                // HYPE-SUCCESS: paid, but not final — a refund can still come, so the invoice
                // is watched until the deadline (MONEY-TRUTHFUL-OUTCOME).
                if !paid {
                    paid = true;
                    job.order.report("paid", vec![]);
                }
                job.pacer.ok();
            }
            Some("completed_refunded") => {
                // HYPE-REFUNDED: final; no more `status`.
                return job.order.report("refunded", vec![]);
            }
            Some("completed_rejected") => {
                // HYPE-REJECTED: never paid, final; no more `status`, and no new invoice
                // unless the cashier asks for one.
                return job.order.report("not_paid", vec![]);
            }
            other => {
                // HYPE-UNEXPECTED (or a status the spec does not know): an engineering problem;
                // no verdict is drawn from it and the integration stops asking.
                let why = format!(
                    "status {:?} for {identifier}: protocol inconsistency; update the SDK and report it to the provider",
                    other.unwrap_or("None")
                );
                job.order.flag("engineering", &why);
                if !paid {
                    job.order.report("unknown", vec![]);
                }
                return;
            }
        }
    }
}
