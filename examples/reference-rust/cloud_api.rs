//! The GP tom Cloud API client: `Cloud` keeps one access token per terminal, shared by every
//! order, and `call` makes one paced, authenticated request of an order's flow (an `Answer`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::events::clip;
use crate::http::{Lost, error_code, parse_json, retry_after_of};
use crate::orders::{App, Job, Order, text};
use crate::pacing::{now, sleep_until};

/// One access token (per TID; `None` = the master account) and the pacing of its endpoint.
#[derive(Default)]
struct Slot {
    access: Option<String>,
    refresh: Option<String>,
    expires_at: f64,
    next_at: f64,
    streak: i32,
    gap: f64,
    flagged: bool,
}

/// An answer of the Cloud API.
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub headers: HeaderMap,
    /// A 401 was handled (the token renewed): send the same request again.
    pub retry: bool,
}

/// Why a token request did not give a token.
enum TokenError {
    Lost(Lost),
    /// The endpoint refused the grant (OAuth error): asking again the same way will not help.
    Refused(String),
}

type SharedSlot = Arc<tokio::sync::Mutex<Slot>>;

/// The Cloud API's address, the merchant's login and the tokens.
pub struct Cloud {
    pub base: String,
    basic: String,
    username: String,
    password: String,
    pub default_tid: Option<String>,
    slots: Mutex<HashMap<Option<String>, SharedSlot>>,
}

impl Cloud {
    /// The client for `PAYTERM_URL` with the `cloud` credentials.
    pub fn new(creds: &Value) -> Self {
        let section = creds.get("cloud");
        let field = |key: &str| text(section.and_then(|c| c.get(key)));
        let base = std::env::var("PAYTERM_URL").ok().filter(|u| !u.is_empty());
        let basic = field("basic").unwrap_or_else(|| "Basic YXRvbTphc2hmdWY0ZTVmYQ==".to_owned());
        Cloud {
            base: base.unwrap_or_else(|| "http://127.0.0.1:7878".to_owned()).trim_end_matches('/').to_owned(),
            basic: if basic.to_ascii_lowercase().starts_with("basic ") { basic } else { format!("Basic {basic}") },
            username: field("username").unwrap_or_default(),
            password: field("password").unwrap_or_default(),
            default_tid: field("tid"),
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, tid: Option<&str>) -> SharedSlot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(tid.map(str::to_owned)).or_default())
    }

    /// Sends one token request, paced per slot (its own backoff: every order shares it);
    /// fills the slot or says why not.
    async fn token_request(
        &self,
        app: &App,
        order: &Order,
        slot: &mut Slot,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(), TokenError> {
        let s = app.settings;
        sleep_until(slot.next_at).await;
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let headers = [
            ("Authorization", self.basic.clone()),
            ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
            ("Accept", "application/json".to_owned()),
        ];
        let url = format!("{}{path}", self.base);
        let exchange = async {
            let reply =
                app.http.exchange(order.remaining(), Method::POST, &url, &headers, Some(body.into_bytes())).await?;
            if reply.status >= 500 || reply.status == 429 {
                let retry_after = retry_after_of(&reply.headers, s.scale);
                return Err(Lost::new(format!("token endpoint answered {}", reply.status), retry_after));
            }
            let answer = parse_json(&reply.body)?;
            Ok((reply, answer))
        };
        let (reply, answer) = match exchange.await {
            Ok(got) => got,
            Err(lost) => {
                slot.streak = slot.streak.saturating_add(1);
                let backoff = f64::min(s.backoff_first_v * 2f64.powi(slot.streak.min(30) - 1), s.backoff_cap_v);
                slot.gap = f64::max(slot.gap, s.v2r(backoff));
                if let Some(retry_after) = lost.retry_after {
                    slot.gap = f64::max(slot.gap, retry_after);
                }
                slot.next_at = now() + slot.gap;
                return Err(TokenError::Lost(lost));
            }
        };
        if let (200, Some(access)) = (reply.status, text(answer.get("access_token"))) {
            slot.streak = 0;
            slot.gap = 0.0;
            slot.access = Some(access);
            slot.refresh = text(answer.get("refresh_token")).or(slot.refresh.take());
            let lifetime_v = match answer.get("expires_in") {
                Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite() && *f > 0.0),
                _ => None,
            }
            .unwrap_or(3600.0);
            // Renewed a little before it runs out, so no call meets an expired token on purpose.
            slot.expires_at = now() + s.v2r(lifetime_v - f64::min(60.0, lifetime_v / 10.0));
            return Ok(());
        }
        slot.next_at = now() + s.v2r(s.poll_v);
        let shown = clip(&String::from_utf8_lossy(&reply.body), 200);
        Err(TokenError::Refused(format!("{path} answered {}: {shown}", reply.status)))
    }

    /// A password login for `tid` (`None`: the master account).
    async fn login(&self, app: &App, order: &Order, slot: &mut Slot, tid: Option<&str>) -> Result<(), Lost> {
        let mut form = vec![("grant_type", "password"), ("username", &self.username), ("password", &self.password)];
        if let Some(tid) = tid {
            form.push(("tid", tid));
        }
        order.log(&format!(
            "password login for {}",
            tid.map_or("the master account".to_owned(), |t| format!("terminal {t}"))
        ));
        match self.token_request(app, order, slot, "/cloud/oauth/token", &form).await {
            Ok(()) => Ok(()),
            Err(TokenError::Lost(lost)) => Err(lost),
            Err(TokenError::Refused(why)) => {
                // The merchant's login is wrong or suspended: a person must look (once).
                if !slot.flagged {
                    slot.flagged = true;
                    order.flag("administrative", &format!("the Cloud API refused the merchant login: {why}"));
                }
                Err(Lost::new(why, None))
            }
        }
    }

    /// CLOUD-TOKEN-REUSE: renew with the refresh token; log in again only if it is refused.
    async fn refresh(&self, app: &App, order: &Order, slot: &mut Slot, tid: Option<&str>) -> Result<(), Lost> {
        if let Some(refresh) = slot.refresh.clone() {
            order.log(&format!("refreshing the token of {}", tid.unwrap_or("the master account")));
            let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
            match self.token_request(app, order, slot, "/api/oauth/token", &form).await {
                Ok(()) => return Ok(()),
                Err(TokenError::Lost(lost)) => return Err(lost),
                Err(TokenError::Refused(why)) => {
                    order.log(&format!("refresh refused ({why}); logging in again"));
                    slot.refresh = None;
                }
            }
        }
        slot.access = None;
        self.login(app, order, slot, tid).await
    }

    /// The token for `tid`: the one held (reused across calls and orders), refreshed when it
    /// is about to run out, or a login the first time. Concurrent orders wait on the slot's
    /// lock, so they never log in twice: the first renews, the others take the new token.
    async fn token(&self, app: &App, order: &Order, tid: Option<&str>) -> Result<String, Lost> {
        let slot = self.slot(tid);
        let mut slot = slot.lock().await;
        if let Some(access) = slot.access.clone().filter(|_| now() < slot.expires_at) {
            return Ok(access);
        }
        if slot.access.is_some() {
            self.refresh(app, order, &mut slot, tid).await?;
        } else {
            self.login(app, order, &mut slot, tid).await?;
        }
        slot.access.clone().ok_or_else(|| Lost::new("no token", None))
    }

    /// A 401 for `stale`: refresh on TOKEN_EXPIRED, log in again otherwise.
    async fn token_rejected(
        &self,
        app: &App,
        order: &Order,
        tid: Option<&str>,
        stale: &str,
        code: Option<String>,
    ) -> Result<(), Lost> {
        let slot = self.slot(tid);
        let mut slot = slot.lock().await;
        if slot.access.as_deref().is_some_and(|a| a != stale) {
            return Ok(()); // Another order has renewed it already.
        }
        if code.as_deref() == Some("TOKEN_EXPIRED") {
            self.refresh(app, order, &mut slot, tid).await
        } else {
            slot.access = None;
            self.login(app, order, &mut slot, tid).await
        }
    }
}

/// A token problem is a request that never left: nothing can have happened.
fn not_sent(lost: Lost) -> Lost {
    if lost.not_sent { lost } else { Lost::not_sent(format!("no token: {lost}"), lost.retry_after) }
}

/// One paced request of the order's flow, with the token of `tid`. `Err` when there is no
/// usable answer (a transport fault, a 5xx/408/429, a body that is not JSON).
pub async fn call(
    job: &mut Job,
    method: Method,
    path: &str,
    tid: Option<&str>,
    body: Option<&Value>,
) -> Result<Answer, Lost> {
    job.pacer.wait().await;
    let app = Arc::clone(&job.app);
    let cloud = &app.cloud;
    let token = cloud.token(&app, &job.order, tid).await.map_err(not_sent)?;
    let mut headers = vec![("Authorization", format!("Bearer {token}")), ("Accept", "application/json".to_owned())];
    let data = body.map(|b| {
        headers.push(("Content-Type", "application/json".to_owned()));
        b.to_string().into_bytes()
    });
    job.pacer.mark_start();
    let url = format!("{}{path}", cloud.base);
    let reply = app.http.exchange(job.order.remaining(), method.clone(), &url, &headers, data).await?;
    job.order.log(&format!("{method} {path} -> {}", reply.status));
    if reply.status >= 500 || matches!(reply.status, 408 | 429) {
        let retry_after = retry_after_of(&reply.headers, app.settings.scale);
        return Err(Lost::new(format!("{method} {path} answered {}", reply.status), retry_after));
    }
    let answer = parse_json(&reply.body)?;
    if reply.status == 401 {
        // Refused before anything was done: renew the token, then send it again.
        job.unauthorized += 1;
        if job.unauthorized > 3 {
            job.unauthorized = 0;
            return Err(Lost::not_sent("401 again and again", None));
        }
        cloud.token_rejected(&app, &job.order, tid, &token, error_code(&answer)).await.map_err(not_sent)?;
        job.pacer.ok();
        return Ok(Answer { status: reply.status, json: answer, headers: reply.headers, retry: true });
    }
    job.unauthorized = 0;
    Ok(Answer { status: reply.status, json: answer, headers: reply.headers, retry: false })
}
