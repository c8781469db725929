//! GP tom deep links: `sale`, `void` and `close_batch` open a `gptom://…` link through
//! `PAYTERM_APP2APP_URL` and read the redirect's status; a lost answer is checked before the
//! link is opened again.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::http::{Lost, parse_json, pct, pct_decode, retry_after_of};
use crate::orders::{Job, Sale, int, text, void_target};

/// Where GP tom sends the cashier back (the integration's own scheme; never followed).
const REDIRECT_URL: &str = "pos://done";
/// The methods a deep link offers (`GO_CRYPTO` is not one of them).
const LINK_METHODS: [&str; 5] = ["CARD", "CASH", "ACCOUNT_PAYMENT", "BLIK_PAYMENT", "PAYMENT_GATEWAY"];

/// Why a link gave no redirect to act on.
enum LinkError {
    /// No usable answer: the link may or may not have run.
    Lost(Lost),
    /// The app refused the link itself (HTTP 400): nothing ran.
    Bad(String),
}

impl From<Lost> for LinkError {
    fn from(lost: Lost) -> Self {
        LinkError::Lost(lost)
    }
}

type Fields = Map<String, Value>;

/// LINK-PARAMS-VALID: every value percent-encoded inside the link.
fn link_of(path: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", pct(v))).collect();
    format!("gptom://{path}?{}", query.join("&"))
}

/// The redirect's query: values percent-decoded by RFC 3986 rules (a `+` stays a `+`), the
/// JSON ones parsed.
fn parse_redirect(location: &str) -> Result<Fields, Lost> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let mut fields = Fields::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        fields.insert(pct_decode(key), Value::String(pct_decode(value)));
    }
    for key in ["receipt", "batch", "appStatus"] {
        if let Some(Value::String(raw)) = fields.get(key) {
            let parsed =
                serde_json::from_str(raw).map_err(|_| Lost::new(format!("redirect {key} is not JSON"), None))?;
            fields.insert(key.to_owned(), parsed);
        }
    }
    Ok(fields)
}

/// Opens a `gptom://` link; returns the redirect's fields. The `302` is not followed.
async fn open_link(job: &mut Job, link: &str) -> Result<Fields, LinkError> {
    job.pacer.wait().await;
    let app = std::sync::Arc::clone(&job.app);
    let prefix = std::env::var("PAYTERM_APP2APP_URL")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| format!("{}/app2app?uri=", app.cloud.base));
    let url = format!("{prefix}{}", pct(link));
    job.order.log(&format!("opening {link}"));
    job.pacer.mark_start();
    let reply = app.http.exchange(job.order.remaining(), Method::GET, &url, &[], None).await?;
    let fields = match reply.status {
        301 | 302 | 303 | 307 | 308 => {
            let location = reply.headers.get("location").and_then(|v| v.to_str().ok());
            let location =
                location.ok_or_else(|| Lost::new(format!("redirect {} without Location", reply.status), None))?;
            parse_redirect(location)?
        }
        200 => match parse_json(&reply.body)? {
            Value::Object(body) if body.contains_key("status") => body,
            _ => return Err(Lost::new("200 without a status", None).into()),
        },
        400 => return Err(LinkError::Bad(crate::events::clip(&String::from_utf8_lossy(&reply.body), 300))),
        status => {
            let retry_after = retry_after_of(&reply.headers, app.settings.scale);
            return Err(Lost::new(format!("app2app answered {status}"), retry_after).into());
        }
    };
    let show = |k: &str| text(fields.get(k)).unwrap_or_else(|| "None".to_owned());
    job.order.log(&format!("-> status={} error={} code={}", show("status"), show("error"), show("code")));
    Ok(fields)
}

fn status(fields: &Fields) -> Option<&str> {
    fields.get("status").and_then(Value::as_str)
}

/// LINK-RECEIPT-CHOICE: with printByPaymentApp=false the integration hands the receipt (or
/// batch report) over itself — here it logs it — and says so in the outcome.
fn hand_over_receipt(job: &Job, what: &str, payload: &Value) -> Vec<(&'static str, Value)> {
    if job.order.print_by_payment_app() == Some(false) {
        job.order.log(&format!("handing over the {what} ourselves: {payload}"));
        return vec![("receipt_by", json!("integration"))];
    }
    vec![]
}

fn client_id(job: &Job) -> Vec<(&'static str, String)> {
    job.app.cred("app2app", "clientID").map(|id| ("clientID", id)).into_iter().collect()
}

fn print_flag(job: &Job) -> String {
    if job.order.print_by_payment_app() == Some(false) { "false" } else { "true" }.to_owned()
}

/// transaction/detail by requestID; `None` when no transaction has it (the link never ran).
async fn link_detail(job: &mut Job, request_id: &str) -> Option<Fields> {
    let link =
        link_of("transaction/detail", &[("requestID", request_id.to_owned()), ("redirectUrl", REDIRECT_URL.into())]);
    loop {
        match open_link(job, &link).await {
            Ok(fields) => {
                job.pacer.ok();
                let ran = fields.get("receipt").is_some_and(Value::is_object) || status(&fields) == Some("COMPLETED");
                return ran.then_some(fields);
            }
            Err(LinkError::Lost(lost)) => job.pacer.fault(lost.retry_after, &lost.why),
            Err(LinkError::Bad(why)) => {
                job.pacer.fault(None, "");
                job.order.log(&format!("detail link refused: {why}"));
            }
        }
    }
}

fn receipt(fields: &Fields) -> Option<&Value> {
    fields.get("receipt").filter(|r| r.is_object())
}

/// A sale by deep link.
pub async fn sale(job: &mut Job) {
    let method = job.raw_text("method").unwrap_or_else(|| "CARD".to_owned()).to_uppercase();
    if !LINK_METHODS.contains(&method.as_str()) {
        // Never send a link GP tom would refuse as invalid (LINK-PARAMS-VALID).
        job.order.flag("engineering", &format!("deep links do not offer {method}: the sale was not sent"));
        job.order.report("not_paid", vec![]);
        return;
    }
    let reference = job.order.reference.clone();
    let mut params = vec![("amount", int(job.order.raw.get("amount")).to_string())];
    if text(job.order.raw.get("tip")).is_some() {
        params.push(("tipAmount", int(job.order.raw.get("tip")).to_string()));
    }
    params.extend(client_id(job));
    params.extend([
        ("originReferenceNum", reference.chars().take(20).collect()),
        ("transactionType", method),
        ("printByPaymentApp", print_flag(job)),
        ("redirectUrl", REDIRECT_URL.into()),
        ("requestID", reference.clone()),
    ]);
    let link = link_of("transaction/create", &params);
    let mut check_first = false;
    let mut odd_status_flagged = false;
    loop {
        if check_first {
            // The link may or may not have run: look before opening it again, so a lost
            // answer never charges the customer twice (MONEY-NO-DOUBLE-CHARGE).
            let Some(fields) = link_detail(job, &reference).await else {
                job.order.log("the sale link never ran; opening it again");
                check_first = false;
                continue;
            };
            if receipt(&fields).is_some_and(|r| crate::orders::num_is(r.get("result"), -9)) {
                continue; // Still waiting for the card: ask again later.
            }
            return finish_sale(job, &fields);
        }
        let fields = match open_link(job, &link).await {
            Ok(fields) => fields,
            Err(LinkError::Lost(lost)) => {
                job.order.log(&format!("sale link answer lost ({lost}); will check it with transaction/detail"));
                job.pacer.fault(lost.retry_after, &lost.why);
                check_first = true;
                continue;
            }
            Err(LinkError::Bad(why)) => {
                job.order.flag("engineering", &format!("GP tom refused the sale link: {why}"));
                job.order.report("not_paid", vec![]);
                return;
            }
        };
        job.pacer.ok();
        if !matches!(status(&fields), Some("COMPLETED" | "CANCELLED" | "ERROR")) {
            // LINK-STATUS-HANDLED names three statuses; anything else says nothing, so the
            // transaction is looked up rather than guessed.
            if !odd_status_flagged {
                odd_status_flagged = true;
                let shown = fields.get("status").unwrap_or(&Value::Null);
                job.order.flag("engineering", &format!("unknown deep-link status {shown}"));
            }
            check_first = true;
            continue;
        }
        return finish_sale(job, &fields);
    }
}

/// LINK-STATUS-HANDLED: only `COMPLETED` is paid; `CANCELLED` and `ERROR` never are.
fn finish_sale(job: &Job, fields: &Fields) {
    let receipt = receipt(fields);
    let ams = receipt.and_then(|r| text(r.get("amsID")));
    if let Some(ams) = &ams {
        job.order.set_id("amsId", ams);
    }
    if status(fields) == Some("COMPLETED") {
        if let Some(ams) = ams {
            let tid = receipt.and_then(|r| text(r.get("terminalID")));
            if let Some(tid) = &tid {
                job.app.know_sale(&ams, tid);
            }
            job.order.set_sale(Sale { ams, tid });
        }
        job.order.report("paid", hand_over_receipt(job, "receipt", receipt.unwrap_or(&Value::Null)));
    } else {
        // CANCELLED or ERROR: never paid (the refusal category is for the cashier, in the log).
        let show = |k: &str| text(fields.get(k)).unwrap_or_default();
        job.order.log(&format!("not paid: {} {} {}", show("status"), show("error"), show("code")));
        let shown = receipt.cloned().unwrap_or_else(|| Value::Object(fields.clone()));
        job.order.report("not_paid", hand_over_receipt(job, "receipt", &shown));
    }
}

/// A void by deep link (`transaction/cancel`).
pub async fn void(job: &mut Job) {
    let Some((ams, _)) = void_target(job).await else { return };
    let reference = job.order.reference.clone();
    let mut params = vec![("amsID", ams)];
    params.extend(client_id(job));
    params.extend([
        ("printByPaymentApp", print_flag(job)),
        ("redirectUrl", REDIRECT_URL.into()),
        ("requestID", reference.clone()),
    ]);
    let link = link_of("transaction/cancel", &params);
    let mut check_first = false;
    let mut network_errors = 0;
    loop {
        if check_first {
            let Some(fields) = link_detail(job, &reference).await else {
                job.order.log("our void has not run; opening the cancel link again");
                check_first = false;
                continue;
            };
            return finish_void(job, &fields);
        }
        let fields = match open_link(job, &link).await {
            Ok(fields) => fields,
            Err(LinkError::Lost(lost)) => {
                job.order.log(&format!("cancel link answer lost ({lost}); will check it with transaction/detail"));
                job.pacer.fault(lost.retry_after, &lost.why);
                check_first = true;
                continue;
            }
            Err(LinkError::Bad(why)) => {
                job.order.flag("engineering", &format!("GP tom refused the cancel link: {why}"));
                job.order.report("not_voided", vec![]);
                return;
            }
        };
        let network_error =
            status(&fields) == Some("ERROR") && fields.get("error").and_then(Value::as_str) == Some("networkError");
        if network_error && network_errors < 2 {
            // The terminal could not reach the host: on the safe side, check that nothing
            // ran, then open it again later with backoff (at most twice; RATE-NO-STORM).
            network_errors += 1;
            job.pacer.fault(None, "networkError");
            check_first = true;
            continue;
        }
        job.pacer.ok();
        return finish_void(job, &fields);
    }
}

fn finish_void(job: &Job, fields: &Fields) {
    let receipt = receipt(fields);
    if let Some(ams) = receipt.and_then(|r| text(r.get("amsID"))) {
        job.order.set_id("amsId", &ams);
    }
    if status(fields) == Some("COMPLETED") {
        job.order.report("voided", hand_over_receipt(job, "void receipt", receipt.unwrap_or(&Value::Null)));
    } else {
        let show = |k: &str| text(fields.get(k)).unwrap_or_default();
        job.order.log(&format!("not voided: {} {}", show("status"), show("error")));
        let shown = receipt.cloned().unwrap_or_else(|| Value::Object(fields.clone()));
        job.order.report("not_voided", hand_over_receipt(job, "receipt", &shown));
    }
}

/// gptom://status: the open batch's number (to tell whether a lost close did close).
async fn open_batch_number(job: &mut Job) -> Option<i64> {
    let link = link_of("status", &[("redirectUrl", REDIRECT_URL.into())]);
    loop {
        match open_link(job, &link).await {
            Ok(fields) => {
                job.pacer.ok();
                return fields.get("appStatus").and_then(|s| s.get("openBatchNumber")).and_then(Value::as_i64);
            }
            Err(LinkError::Lost(lost)) => job.pacer.fault(lost.retry_after, &lost.why),
            Err(LinkError::Bad(why)) => job.pacer.fault(None, &why),
        }
    }
}

/// A close batch by deep link (the seed's own operation).
pub async fn close_batch(job: &mut Job) {
    let before = open_batch_number(job).await;
    let mut params = client_id(job);
    params.extend([("printByPaymentApp", print_flag(job)), ("redirectUrl", REDIRECT_URL.into())]);
    let link = link_of("batch/close", &params);
    let mut check_first = false;
    loop {
        if check_first {
            let after = open_batch_number(job).await;
            if let (Some(before), Some(after)) = (before, after)
                && before != after
            {
                // It closed, but its totals were in the lost answer.
                job.order.log(&format!("the lost close did run: open batch {before} -> {after}; totals were lost"));
                let extra = hand_over_receipt(job, "batch report", &json!({"batchNumber": before}));
                return job.order.report("batch_closed", extra);
            }
            check_first = false;
            continue;
        }
        let fields = match open_link(job, &link).await {
            Ok(fields) => fields,
            Err(LinkError::Lost(lost)) => {
                job.order.log(&format!("close link answer lost ({lost}); will check the open batch first"));
                job.pacer.fault(lost.retry_after, &lost.why);
                check_first = true;
                continue;
            }
            Err(LinkError::Bad(why)) => {
                job.order.flag("engineering", &format!("GP tom refused the close link: {why}"));
                return job.order.report("not_closed", vec![]);
            }
        };
        job.pacer.ok();
        match (status(&fields), fields.get("batch").filter(|b| b.is_object())) {
            (Some("COMPLETED"), Some(batch)) => {
                if let Some(ams) = text(batch.get("amsId")) {
                    job.order.set_id("amsId", &ams);
                }
                // CLOUD-BATCH-TOTALS' twin: the totals as received (major units here).
                let mut extra = vec![("batch", batch.clone())];
                extra.extend(hand_over_receipt(job, "batch report", batch));
                job.order.report("batch_closed", extra);
            }
            _ => {
                let show = |k: &str| text(fields.get(k)).unwrap_or_default();
                job.order.log(&format!("not closed: {} {}", show("status"), show("error")));
                job.order.report("not_closed", vec![]);
            }
        }
        return;
    }
}
