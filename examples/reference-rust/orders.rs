//! Orders: the shared `App` (clients, credentials, every order given so far), one `Order`
//! per cashier's request with its outcome, and `Job`, the order's own flow state. `run_order`
//! gives each order its deadline and catches what goes wrong inside it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::cloud_api::Cloud;
use crate::events::{clip, emit, log};
use crate::http::Http;
use crate::initiator::Initiator;
use crate::pacing::{Pacer, Settings, now, sleep_until};
use crate::{app2app, cloud, initiator};

/// A value as text, the way a cashier's system means it: a non-empty string, or a number;
/// `None` for null, `""`, `0`, `false` (Python's truthiness, which the reference follows).
pub fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.as_f64() != Some(0.0) => Some(n.to_string()),
        Value::Bool(true) => Some("true".to_owned()),
        _ => None,
    }
}

/// A value as an integer (a number, or a string of one); 0 when absent or not a number.
pub fn int(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .unwrap_or(0)
}

/// Whether a JSON number equals `n` (`0` and `0.0` alike).
pub fn num_is(value: Option<&Value>, n: i64) -> bool {
    value.and_then(Value::as_f64).is_some_and(|f| f == n as f64)
}

/// The vendor's documented example (`payterm serve`'s defaults), for runs by hand.
fn default_credentials() -> Value {
    json!({
        "cloud": {"basic": "Basic YXRvbTphc2hmdWY0ZTVmYQ==", "username": "jan.novak@example.com",
                  "password": "ABCDEFGHIJKL", "tid": "999888"},
        "app2app": {"clientID": "223"},
        "initiator": {"store": "testingstore"},
    })
}

/// `PAYTERM_CREDENTIALS`, section by section over the defaults.
fn load_credentials() -> Value {
    let mut creds = default_credentials();
    let Ok(given) = std::env::var("PAYTERM_CREDENTIALS") else { return creds };
    match serde_json::from_str::<Value>(&given) {
        Ok(Value::Object(given)) => {
            for key in ["cloud", "app2app", "initiator"] {
                if let Some(section @ Value::Object(_)) = given.get(key) {
                    creds[key] = section.clone();
                }
            }
        }
        _ => log("pos", "PAYTERM_CREDENTIALS is not a JSON object; using the vendor's example"),
    }
    creds
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What every order shares: settings, credentials, the clients, the orders given so far.
pub struct App {
    pub settings: Settings,
    pub creds: Value,
    pub http: Http,
    pub cloud: Cloud,
    pub initiator: Initiator,
    orders: Mutex<HashMap<String, Arc<Order>>>,
    /// amsId → TID of the sales this process made (a void must go to the sale's TID).
    known_sales: Mutex<HashMap<String, String>>,
}

impl App {
    /// The shared state, from the environment.
    pub fn new(settings: Settings) -> Result<Self, String> {
        let creds = load_credentials();
        let cloud = Cloud::new(&creds);
        Ok(App {
            settings,
            http: Http::new(settings)?,
            cloud,
            creds,
            initiator: Initiator::new(),
            orders: Mutex::new(HashMap::new()),
            known_sales: Mutex::new(HashMap::new()),
        })
    }

    /// A credentials field (`section.key`) as text.
    pub fn cred(&self, section: &str, key: &str) -> Option<String> {
        text(self.creds.get(section).and_then(|s| s.get(key)))
    }

    /// Registers an order; false if its id was given before.
    pub fn register(&self, order: &Arc<Order>) -> bool {
        let mut orders = lock(&self.orders);
        if orders.contains_key(&order.id) {
            return false;
        }
        orders.insert(order.id.clone(), Arc::clone(order));
        true
    }

    fn order(&self, id: &str) -> Option<Arc<Order>> {
        lock(&self.orders).get(id).cloned()
    }

    /// Remembers the TID of a sale this process made.
    pub fn know_sale(&self, ams: &str, tid: &str) {
        lock(&self.known_sales).insert(ams.to_owned(), tid.to_owned());
    }

    fn known_sale(&self, ams: &str) -> Option<String> {
        lock(&self.known_sales).get(ams).cloned()
    }
}

/// A sale an order made (for a later void naming that order with `of`).
#[derive(Clone, Debug)]
pub struct Sale {
    pub ams: String,
    pub tid: Option<String>,
}

#[derive(Default)]
struct OrderState {
    /// The ids reported with every outcome (`taskId`, `amsId`, `identifier`), in order.
    ids: Map<String, Value>,
    outcome: Option<String>,
    sale: Option<Sale>,
}

/// One order, as the cashier gave it, and what became of it.
pub struct Order {
    pub raw: Value,
    pub id: String,
    pub operation: String,
    pub surface: String,
    pub reference: String,
    /// When the order gives up (a little before its deadline), on the `now()` clock.
    pub give_up_at: f64,
    state: Mutex<OrderState>,
    /// True once the order has its outcome (or gave up): a void of its sale may go on.
    done: watch::Sender<bool>,
}

impl Order {
    /// The order in `raw`, given at `received` at the earliest; `None` without an `id`.
    pub fn new(raw: Value, received: f64, settings: &Settings) -> Option<Self> {
        let id = match raw.get("id")? {
            Value::Null => return None,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let deadline_v = match raw.get("deadline_s") {
            Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite() && *f > 0.0),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite() && *f > 0.0),
            _ => None,
        }
        .unwrap_or(300.0);
        let deadline = received + settings.v2r(deadline_v);
        // The margin is never more than 15 % of the deadline, so a short deadline still leaves
        // the order most of its time.
        let margin = f64::min(settings.give_up_margin, settings.v2r(deadline_v) * 0.15);
        Some(Order {
            operation: text(raw.get("operation")).unwrap_or_default(),
            surface: text(raw.get("surface")).unwrap_or_default(),
            reference: text(raw.get("reference")).unwrap_or_else(|| format!("REF-{id}")),
            give_up_at: deadline - margin,
            raw,
            id,
            state: Mutex::new(OrderState::default()),
            done: watch::Sender::new(false),
        })
    }

    /// Real seconds until the order gives up.
    pub fn remaining(&self) -> f64 {
        self.give_up_at - now()
    }

    /// A log line about this order.
    pub fn log(&self, message: &str) {
        log(&self.id, message);
    }

    /// The order's `printByPaymentApp`, when the cashier set it.
    pub fn print_by_payment_app(&self) -> Option<bool> {
        self.raw.get("printByPaymentApp").and_then(Value::as_bool)
    }

    /// Flags the order for a person (driver.md `flag` event).
    pub fn flag(&self, kind: &str, reason: &str) {
        self.log(&format!("FLAG {kind}: {reason}"));
        emit(&json!({"order": self.id, "event": "flag", "kind": kind, "reason": reason}));
    }

    /// Reports a verdict with the ids known so far and `extra` fields (nulls left out).
    pub fn report(&self, result: &str, extra: Vec<(&str, Value)>) {
        let mut event = Map::new();
        event.insert("order".into(), json!(self.id));
        event.insert("event".into(), json!("outcome"));
        event.insert("result".into(), json!(result));
        let mut state = lock(&self.state);
        for (key, value) in &state.ids {
            event.insert(key.clone(), value.clone());
        }
        let shown: Map<String, Value> = extra.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        for (key, value) in &shown {
            if !value.is_null() {
                event.insert(key.clone(), value.clone());
            }
        }
        state.outcome = Some(result.to_owned());
        drop(state);
        self.log(&format!("OUTCOME {result} {}", clip(&Value::Object(shown).to_string(), 200)));
        emit(&Value::Object(event));
        self.done.send_replace(true);
    }

    /// Records an id to report with the outcome.
    pub fn set_id(&self, key: &str, value: &str) {
        if !value.is_empty() {
            lock(&self.state).ids.insert(key.to_owned(), json!(value));
        }
    }

    /// The last outcome reported.
    pub fn outcome(&self) -> Option<String> {
        lock(&self.state).outcome.clone()
    }

    /// Records the sale this order made.
    pub fn set_sale(&self, sale: Sale) {
        lock(&self.state).sale = Some(sale);
    }

    fn sale(&self) -> Option<Sale> {
        lock(&self.state).sale.clone()
    }

    /// Waits until the order has its outcome (or gave up).
    async fn finished(&self) {
        let mut done = self.done.subscribe();
        let _ = done.wait_for(|d| *d).await;
    }
}

/// One order's flow: the shared app, the order, its pacer and its run of 401s.
pub struct Job {
    pub app: Arc<App>,
    pub order: Arc<Order>,
    pub pacer: Pacer,
    pub unauthorized: u32,
}

impl Job {
    /// The flow of `order`.
    pub fn new(app: Arc<App>, order: Arc<Order>) -> Self {
        let pacer = Pacer::new(app.settings, &order.id);
        Job { app, order, pacer, unauthorized: 0 }
    }

    /// An order field as text.
    pub fn raw_text(&self, key: &str) -> Option<String> {
        text(self.order.raw.get(key))
    }
}

/// Runs one order to its outcome. At the give-up time the flow is dropped (its request or
/// initiator run with it) and `unknown` is reported if nothing final is known: never
/// `not_paid` for a payment that may still be captured (LIVENESS-OUTCOME,
/// MONEY-NO-LOST-PAYMENT). A bug in one flow is caught here and never stops the others
/// (HYPE-SKIP-FLAGGED).
pub async fn run_order(app: Arc<App>, order: Arc<Order>) {
    order.log(&format!("order {}", order.raw));
    let mut flow = tokio::spawn(dispatch(Job::new(app, Arc::clone(&order))));
    tokio::select! {
        joined = &mut flow => {
            if let Err(e) = joined {
                order.log(&format!("internal error: {e}"));
                if order.outcome().is_none() {
                    order.flag("engineering", "internal error in the integration");
                    order.report("unknown", vec![]);
                }
            }
        }
        () = sleep_until(order.give_up_at) => {
            flow.abort();
            if order.outcome().is_none() {
                order.log("deadline: nothing final is known");
                order.report("unknown", vec![]);
            }
        }
    }
    order.done.send_replace(true);
}

async fn dispatch(mut job: Job) {
    let order = Arc::clone(&job.order);
    let (op, surface) = (order.operation.as_str(), order.surface.as_str());
    if op == "invoice" || surface == "initiator" {
        if matches!(op, "invoice" | "sale") {
            return initiator::invoice(&mut job).await;
        }
    } else if surface == "app2app" {
        match op {
            "sale" => return app2app::sale(&mut job).await,
            "void" => return app2app::void(&mut job).await,
            "close_batch" => return app2app::close_batch(&mut job).await,
            _ => {}
        }
    } else if surface == "cloud" || surface.is_empty() {
        match op {
            "sale" => return cloud::sale(&mut job).await,
            "void" => return cloud::void(&mut job).await,
            "close_batch" => return cloud::close_batch(&mut job).await,
            _ => {}
        }
    }
    order.flag("engineering", &format!("operation {op:?} on surface {surface:?} is not supported"));
    order.report("unknown", vec![]);
}

/// The amsId to void and the TID of its sale (if known). Reports when there is none.
pub async fn void_target(job: &Job) -> Option<(String, Option<String>)> {
    let order = &job.order;
    if let Some(ams) = job.raw_text("amsId") {
        let tid = job.app.known_sale(&ams);
        return Some((ams, tid));
    }
    let Some(of) = job.raw_text("of") else {
        order.flag("engineering", "a void order without amsId or of");
        order.report("unknown", vec![]);
        return None;
    };
    order.log(&format!("waiting for order {of}'s sale"));
    let sale = loop {
        if let Some(sale) = job.app.order(&of) {
            break sale;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    sale.finished().await;
    if let Some(Sale { ams, tid }) = sale.sale() {
        return Some((ams, tid));
    }
    let outcome = sale.outcome();
    if matches!(outcome.as_deref(), Some("not_paid" | "not_voided" | "refunded" | "voided")) {
        order.log(&format!("order {of} ended {outcome:?}: there is no captured sale to void"));
        order.report("not_voided", vec![]);
    } else {
        order.log(&format!("order {of} ended {outcome:?}: its sale is not known to be captured; nothing to void"));
        order.report("unknown", vec![]);
    }
    None
}
