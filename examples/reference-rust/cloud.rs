//! The Cloud API flows of an order: `sale`, `void` and `close_batch` — create the task (never
//! twice), poll it by its own id until it is final, then read the transaction or batch.

use std::fmt;

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::cloud_api::call;
use crate::http::{Lost, pct, retry_after_of};
use crate::orders::{Job, Sale, int, num_is, text, void_target};

const FINAL_TASK_STATES: [&str; 3] = ["COMPLETED", "FAILED", "CANCELLED"];
const TASK_STATES: [&str; 5] = ["QUEUED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"];

fn state_of(task: &Value) -> Option<&str> {
    task.get("state").and_then(Value::as_str)
}

fn is_state(task: &Value, states: &[&str]) -> bool {
    state_of(task).is_some_and(|s| states.contains(&s))
}

/// originReferenceNum takes at most 20 ASCII letters, digits and spaces; the order's reference
/// goes out on every request (attribution), made to fit.
fn cloud_reference(job: &Job) -> String {
    let reference = &job.order.reference;
    let clean: String =
        reference.chars().map(|c| if c.is_ascii_alphanumeric() || c == ' ' { c } else { ' ' }).take(20).collect();
    if &clean != reference {
        job.order.log(&format!("reference {reference:?} is not a valid originReferenceNum; sending {clean:?}"));
    }
    clean
}

/// The Cloud API refused the create (4xx): nothing was created.
struct Refusal {
    status: u16,
    body: Value,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.body.get("error") {
            Some(Value::Object(err)) => {
                let part = |k: &str| text(err.get(k)).unwrap_or_default();
                let line = format!("{} {}: {} {}", self.status, part("code"), part("reason"), part("message"));
                f.write_str(line.trim())
            }
            _ => write!(f, "{}", self.status),
        }
    }
}

/// The lost-answer handling of a create, one branch per conformance.md row.
async fn create(
    job: &mut Job,
    tid: &str,
    path: &str,
    body: &Value,
    ours: impl Fn(&Value) -> bool,
) -> Result<Value, Refusal> {
    let scale = job.app.settings.scale;
    let reference = text(body.get("originReferenceNum"));
    let mut look_first = false;
    loop {
        if let (true, Some(reference)) = (look_first, reference.as_deref()) {
            // Lost answers: the create may have acted. Look the task up by reference before
            // creating again, so an order never has a second live task
            // (CLOUD-NO-DUPLICATE-SALE, MONEY-NO-DOUBLE-CHARGE).
            let query = format!("/v1/tasks?reference={}", pct(reference));
            let a = match call(job, Method::GET, &query, Some(tid), None).await {
                Ok(a) => a,
                Err(lost) => {
                    job.pacer.fault(lost.retry_after, &lost.why);
                    continue;
                }
            };
            if a.retry {
                continue;
            }
            let Some(tasks) = a.json.get("tasks").and_then(Value::as_array).filter(|_| a.status == 200) else {
                job.pacer.fault(retry_after_of(&a.headers, scale), "");
                continue;
            };
            job.pacer.ok();
            if let Some(found) = tasks.iter().rfind(|t| t.is_object() && ours(t)) {
                job.order
                    .log(&format!("the lost create did happen: task {}", found.get("taskId").unwrap_or(&Value::Null)));
                return Ok(found.clone());
            }
            job.order.log("no task with our reference: creating it again");
            look_first = false;
            continue;
        }
        let a = match call(job, Method::POST, path, Some(tid), Some(body)).await {
            Ok(a) => a,
            Err(Lost { why, retry_after, not_sent: true }) => {
                // No token: the request never left, so nothing can have been created.
                job.pacer.fault(retry_after, &why);
                continue;
            }
            Err(lost) => {
                job.order.log(&format!("create answer lost ({lost}); will look the task up first"));
                job.pacer.fault(lost.retry_after, &lost.why);
                look_first = true;
                continue;
            }
        };
        if a.retry {
            continue;
        }
        if matches!(a.status, 200 | 201) && text(a.json.get("taskId")).is_some() && is_state(&a.json, &TASK_STATES) {
            job.pacer.ok();
            return Ok(a.json);
        }
        if a.status == 409 {
            // TERMINAL_BUSY is a refusal: nothing was created, so sending the same create
            // again later, with backoff, is no duplicate (RATE-NO-STORM, LIVENESS-OUTCOME).
            let code = crate::http::error_code(&a.json).unwrap_or_default();
            job.order.log(&format!("terminal busy ({code}); trying again later"));
            job.pacer.fault(retry_after_of(&a.headers, scale), "");
            continue;
        }
        if (400..500).contains(&a.status) {
            job.pacer.ok();
            return Err(Refusal { status: a.status, body: a.json });
        }
        // A 2xx that is not a task (or anything else): we cannot know what happened.
        job.order.log(&format!("create answered {} without a task; will look it up", a.status));
        job.pacer.fault(retry_after_of(&a.headers, scale), "");
        look_first = true;
    }
}

/// CLOUD-POLL-UNTIL-FINAL, CLOUD-QUEUE-PARALLEL: polls the task by its own id until it is
/// final; no poll after that.
async fn poll(job: &mut Job, tid: &str, mut task: Value) -> Value {
    let scale = job.app.settings.scale;
    let task_id = text(task.get("taskId")).unwrap_or_default();
    job.order.set_id("taskId", &task_id);
    let path = format!("/v1/tasks/{}", pct(&task_id));
    while !is_state(&task, &FINAL_TASK_STATES) {
        let a = match call(job, Method::GET, &path, Some(tid), None).await {
            Ok(a) => a,
            Err(lost) => {
                job.pacer.fault(lost.retry_after, &lost.why);
                continue;
            }
        };
        if a.retry {
            continue;
        }
        if a.status == 200 && text(a.json.get("taskId")).as_deref() == Some(&task_id) && is_state(&a.json, &TASK_STATES)
        {
            if state_of(&a.json) != state_of(&task) {
                job.order.log(&format!("task {task_id} is {}", state_of(&a.json).unwrap_or("?")));
            }
            task = a.json;
            job.pacer.ok();
        } else {
            // No task state in it (a placeholder, a 404): it says nothing; ask again later.
            job.pacer.fault(retry_after_of(&a.headers, scale), "");
        }
    }
    if let Some(ams) = text(task.get("amsId")) {
        job.order.set_id("amsId", &ams);
    }
    task
}

/// Reads a result (transaction, batch) until a complete answer arrives.
async fn read(job: &mut Job, tid: Option<&str>, path: &str, valid: impl Fn(&Map<String, Value>) -> bool) -> Value {
    let scale = job.app.settings.scale;
    loop {
        let a = match call(job, Method::GET, path, tid, None).await {
            Ok(a) => a,
            Err(lost) => {
                job.pacer.fault(lost.retry_after, &lost.why);
                continue;
            }
        };
        if a.retry {
            continue;
        }
        if a.status == 200 && a.json.as_object().is_some_and(&valid) {
            job.pacer.ok();
            return a.json;
        }
        job.pacer.fault(retry_after_of(&a.headers, scale), "");
    }
}

/// The transaction's result; while the card is still awaited (-9, user input needed on the
/// device) it is not an outcome, so it is read again later.
async fn read_transaction(job: &mut Job, tid: &str, ams: &str) -> Value {
    let path = format!("/v1/transactions/{}", pct(ams));
    loop {
        let tx = read(job, Some(tid), &path, |j| j.contains_key("result")).await;
        if !num_is(tx.get("result"), -9) {
            return tx;
        }
        job.order.log("transaction still awaits the card (-9); reading it again later");
    }
}

/// CLOUD-TASK-NOT-PAYMENT: result 0 is `yes`; a non-zero result is `no` unless the
/// transaction also carries an approval code (captured?): then it is flagged and `unknown`.
fn money_verdict(job: &Job, tx: &Value, yes: &'static str, no: &'static str) -> &'static str {
    if num_is(tx.get("result"), 0) {
        return yes;
    }
    if let Some(code) = text(tx.get("approvedCode")) {
        let ams = tx.get("amsId").unwrap_or(&Value::Null);
        let result = tx.get("result").unwrap_or(&Value::Null);
        let why =
            format!("transaction {ams} has result {result} but approval code {code}: cannot tell whether money moved");
        job.order.flag("engineering", &why);
        return "unknown";
    }
    no
}

/// LINK-RECEIPT-CHOICE's Cloud twin: with printByPaymentApp=false the receipt is ours.
fn receipt_by(job: &Job, handed: bool) -> Vec<(&'static str, Value)> {
    if handed && job.order.print_by_payment_app() == Some(false) {
        vec![("receipt_by", json!("integration"))]
    } else {
        vec![]
    }
}

fn same_request(task: &Value, task_type: &str, fields: &[(&str, &str)]) -> bool {
    let request = task.get("request");
    task.get("taskType").and_then(Value::as_str) == Some(task_type)
        && fields.iter().all(|(k, v)| request.and_then(|r| r.get(*k)).and_then(Value::as_str) == Some(*v))
}

/// A sale on the Cloud API.
pub async fn sale(job: &mut Job) {
    let tid = job.raw_text("tid").or_else(|| job.app.cloud.default_tid.clone()).unwrap_or_default();
    let method = job.raw_text("method").unwrap_or_else(|| "CARD".to_owned()).to_uppercase();
    let reference = cloud_reference(job);
    let mut body = json!({
        "transactionType": "SALE",
        "amount": int(job.order.raw.get("amount")),
        "currencyCode": job.raw_text("currency").unwrap_or_else(|| "CZK".to_owned()),
        "paymentMethod": method,
        "originReferenceNum": reference,
    });
    if text(job.order.raw.get("tip")).is_some() {
        body["tipAmount"] = json!(int(job.order.raw.get("tip")));
    }
    if let Some(print) = job.order.print_by_payment_app() {
        body["printByPaymentApp"] = json!(print);
    }
    let ours =
        |t: &Value| same_request(t, "TRANSACTION", &[("transactionType", "SALE"), ("originReferenceNum", &reference)]);
    let created = match create(job, &tid, "/v1/tasks/TRANSACTION", &body, ours).await {
        Ok(task) => task,
        Err(refusal) => {
            // Nothing was created: no money can move for this order. A 422 is a business
            // refusal; any other 4xx means our request was wrong (an engineer must look).
            if refusal.status != 422 {
                job.order.flag("engineering", &format!("the Cloud API refused the sale: {refusal}"));
            }
            job.order.report("not_paid", vec![]);
            return;
        }
    };
    let task = poll(job, &tid, created).await;
    let tid = text(task.get("tid")).unwrap_or(tid);
    let ams = text(task.get("amsId"));
    match (state_of(&task), ams) {
        (Some("COMPLETED"), None) => {
            let id = task.get("taskId").unwrap_or(&Value::Null);
            job.order
                .flag("engineering", &format!("task {id} COMPLETED without a transaction: cannot read the result"));
            job.order.report("unknown", vec![]);
        }
        (Some("CANCELLED"), _) | (_, None) => {
            // Withdrawn or rejected before it ran (or failed before a transaction existed).
            job.order.report("not_paid", vec![]);
        }
        (_, Some(ams)) => {
            // A task's state is not the payment's result: read the transaction, also after
            // FAILED (the money may have been captured although the task failed:
            // MONEY-NO-LOST-PAYMENT).
            let tx = read_transaction(job, &tid, &ams).await;
            let verdict = money_verdict(job, &tx, "paid", "not_paid");
            if verdict == "paid" {
                let sale_tid = text(tx.get("terminalID")).unwrap_or_else(|| tid.clone());
                job.app.know_sale(&ams, &sale_tid);
                job.order.set_sale(Sale { ams, tid: Some(sale_tid) });
            }
            job.order.report(verdict, receipt_by(job, verdict != "unknown"));
        }
    }
}

/// CLOUD-VOID-SAME-TID: reads the sale before voiding it, to learn its terminal and currency.
/// Tries the terminals we know: the sale's, the configured one (the token we hold already),
/// then the order's. (A master-account token would have to name the terminal too.)
async fn locate_sale(job: &mut Job, ams: &str, known_tid: Option<&str>) -> Option<Value> {
    let scale = job.app.settings.scale;
    let mut candidates: Vec<Option<String>> = Vec::new();
    for tid in
        [known_tid.map(str::to_owned), job.app.cloud.default_tid.clone(), job.raw_text("tid")].into_iter().flatten()
    {
        if !candidates.contains(&Some(tid.clone())) {
            candidates.push(Some(tid));
        }
    }
    let path = format!("/v1/transactions/{}", pct(ams));
    for tid in candidates {
        loop {
            let a = match call(job, Method::GET, &path, tid.as_deref(), None).await {
                Ok(a) => a,
                Err(lost) => {
                    job.pacer.fault(lost.retry_after, &lost.why);
                    continue;
                }
            };
            if a.retry {
                continue;
            }
            if a.status == 200 && text(a.json.get("terminalID")).is_some() {
                job.pacer.ok();
                return Some(a.json);
            }
            if matches!(a.status, 403 | 404) {
                // This token does not see it: try the next.
                job.pacer.ok();
                break;
            }
            job.pacer.fault(retry_after_of(&a.headers, scale), "");
        }
    }
    None
}

/// A void on the Cloud API.
pub async fn void(job: &mut Job) {
    let Some((ams, known_tid)) = void_target(job).await else { return };
    let mut currency = job.raw_text("currency").unwrap_or_else(|| "CZK".to_owned());
    let sale_tid = match locate_sale(job, &ams, known_tid.as_deref()).await {
        Some(sale) => {
            let tid = text(sale.get("terminalID")).unwrap_or_default();
            currency = text(sale.get("currencyCode")).unwrap_or(currency);
            let voided = sale.get("voided").unwrap_or(&Value::Null);
            job.order.log(&format!("sale {ams} was made on terminal {tid} (voided: {voided})"));
            tid
        }
        None => {
            let tid = known_tid.or_else(|| job.raw_text("tid")).or_else(|| job.app.cloud.default_tid.clone());
            let tid = tid.unwrap_or_default();
            job.order.log(&format!("sale {ams} not found; sending the void to terminal {tid} for the verdict"));
            tid
        }
    };
    let reference = cloud_reference(job);
    let mut body = json!({
        "transactionType": "VOID",
        "originTransactionID": ams,
        "currencyCode": currency,
        "originReferenceNum": reference,
    });
    if let Some(print) = job.order.print_by_payment_app() {
        body["printByPaymentApp"] = json!(print);
    }
    let fields =
        [("transactionType", "VOID"), ("originTransactionID", ams.as_str()), ("originReferenceNum", &reference)];
    let ours = |t: &Value| same_request(t, "TRANSACTION", &fields);
    let created = match create(job, &sale_tid, "/v1/tasks/TRANSACTION", &body, ours).await {
        Ok(task) => task,
        Err(refusal) => {
            // CLOUD-VOID-93-DAYS: a refused VOID (422: 93 days, crypto, already voided, other
            // TID, batch closed, unknown sale) is reported and never sent again — the answer
            // would not change.
            job.order.log(&format!("void refused: {refusal}"));
            if refusal.status != 422 {
                job.order.flag("engineering", &format!("the Cloud API refused the void: {refusal}"));
            }
            job.order.report("not_voided", vec![]);
            return;
        }
    };
    let task = poll(job, &sale_tid, created).await;
    match (state_of(&task), text(task.get("amsId"))) {
        (Some("COMPLETED"), None) => {
            let id = task.get("taskId").unwrap_or(&Value::Null);
            job.order
                .flag("engineering", &format!("task {id} COMPLETED without a transaction: cannot read the result"));
            job.order.report("unknown", vec![]);
        }
        (Some("CANCELLED"), _) | (_, None) => job.order.report("not_voided", vec![]),
        (_, Some(void_ams)) => {
            let tid = text(task.get("tid")).unwrap_or(sale_tid);
            let tx = read_transaction(job, &tid, &void_ams).await;
            let verdict = money_verdict(job, &tx, "voided", "not_voided");
            job.order.report(verdict, receipt_by(job, verdict != "unknown"));
        }
    }
}

/// CLOUD-BATCH-TOTALS: a close batch reports the totals the Cloud API returned, as received.
pub async fn close_batch(job: &mut Job) {
    let tid = job.raw_text("tid").or_else(|| job.app.cloud.default_tid.clone()).unwrap_or_default();
    let reference = cloud_reference(job);
    let mut body = json!({"originReferenceNum": reference});
    if let Some(print) = job.order.print_by_payment_app() {
        body["printByPaymentApp"] = json!(print);
    }
    let ours = |t: &Value| same_request(t, "BATCH", &[("originReferenceNum", &reference)]);
    let created = match create(job, &tid, "/v1/tasks/BATCH", &body, ours).await {
        Ok(task) => task,
        Err(refusal) => {
            job.order.flag("engineering", &format!("the Cloud API refused the close batch: {refusal}"));
            job.order.report("not_closed", vec![]);
            return;
        }
    };
    let task = poll(job, &tid, created).await;
    match (state_of(&task), text(task.get("amsId"))) {
        (Some("COMPLETED"), None) => {
            let id = task.get("taskId").unwrap_or(&Value::Null);
            job.order.flag("engineering", &format!("task {id} COMPLETED without a batch id: cannot read the totals"));
            job.order.report("unknown", vec![]);
        }
        (Some("COMPLETED"), Some(ams)) => {
            let path = format!("/v1/batches/{}", pct(&ams));
            let batch = read(job, Some(&tid), &path, |j| j.contains_key("batchNumber")).await;
            let mut extra = vec![("batch", batch)];
            extra.extend(receipt_by(job, true));
            job.order.report("batch_closed", extra);
        }
        _ => job.order.report("not_closed", vec![]),
    }
}
