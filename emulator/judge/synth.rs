//! [`Synth`]: a run written by hand for the judge's own tests — exchanges, World transitions,
//! the integration's events and the ledger at chosen virtual times, with no process, socket or
//! real time — judged rule by rule through the same [`Facts`] as a real run.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::facts::Facts;
use super::rules;
use super::verdict::{Verdict, VerdictKind};
use crate::journal::{Body, Exchange, JournalEntry, LinkCheck, Stamps, StruckFault};
use crate::record::events::{Event, EventKind, FlagKind, OutcomeResult};
use crate::runner::{Ending, Record};
use crate::scenario::Scenario;
use crate::scenario::model::{FaultKind, When};
use crate::time::{VirtualDuration, VirtualTime};
use crate::world::batch::Totals;
use crate::world::codes::PaymentMethod;
use crate::world::events::{WorldEvent, WorldEventKind};
use crate::world::ids::{AmsId, TaskId, Tid};
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::{LedgerEntry, LedgerKind, Surface};
use crate::world::money::Currency;
use crate::world::task::{CancelledBy, CloseBatchRequest, SaleRequest, TaskRequest, TaskState, VoidRequest};

/// The moment `s` virtual seconds after the run started.
pub(crate) fn t(s: f64) -> VirtualTime {
    VirtualTime::DEFAULT_START + VirtualDuration((s * 1000.0).round() as i64)
}

/// A scenario file with this header and `body` (orders, stores, history, script, timing).
pub(crate) fn scenario(surfaces: &str, rules: &str, body: &str) -> String {
    format!("version = 1\nname = \"synthetic\"\nsurfaces = [{surfaces}]\nrules = [{rules}]\n{body}")
}

/// A run written by hand.
pub(crate) struct Synth {
    scenario: Arc<Scenario>,
    time_scale: f64,
    journal: Vec<JournalEntry>,
    events: Vec<Event>,
    ledger: Vec<LedgerEntry>,
    log: Vec<String>,
    ending: Ending,
    finished: VirtualTime,
    seq: u64,
    bounds: crate::runner::bounds::Bounds,
    latency: Vec<crate::runner::latency::LatencySample>,
}

impl Synth {
    /// A run of the scenario `text`, at time scale 0.01 (5 real ms are 500 virtual ms).
    pub(crate) fn new(text: &str) -> Self {
        let scenario = crate::scenario::parse("synthetic.toml", text).unwrap_or_else(|e| panic!("bad scenario: {e:?}"));
        Synth {
            scenario: Arc::new(scenario),
            time_scale: 0.01,
            journal: Vec::new(),
            events: Vec::new(),
            ledger: Vec::new(),
            log: Vec::new(),
            ending: Ending::Exited(Some(0)),
            finished: t(300.0),
            seq: 0,
            bounds: crate::runner::bounds::Bounds::default(),
            latency: Vec::new(),
        }
    }

    /// payterm measured the initiator program taking `took_ms` real milliseconds to start and
    /// end at `at_s` virtual seconds.
    pub(crate) fn latency(&mut self, at_s: f64, took_ms: u64) -> &mut Self {
        self.latency.push(crate::runner::latency::LatencySample { at: t(at_s), took: Duration::from_millis(took_ms) });
        self
    }

    /// What the run sent past payterm's bounds.
    pub(crate) fn bounds(&mut self, bounds: crate::runner::bounds::Bounds) -> &mut Self {
        self.bounds = bounds;
        self
    }

    /// Real seconds per virtual second.
    pub(crate) fn scale(mut self, time_scale: f64) -> Self {
        self.time_scale = time_scale;
        self
    }

    /// How the integration ended.
    pub(crate) fn ending(&mut self, ending: Ending) -> &mut Self {
        self.ending = ending;
        self
    }

    /// When the integration's part ended (default: 300 s in).
    pub(crate) fn finished(&mut self, s: f64) -> &mut Self {
        self.finished = t(s);
        self
    }

    /// A log line of the integration's.
    pub(crate) fn log(&mut self, line: &str) -> &mut Self {
        self.log.push(line.to_owned());
        self
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A World transition at `s`.
    pub(crate) fn world(&mut self, s: f64, kind: WorldEventKind) -> &mut Self {
        let seq = self.next_seq();
        self.journal.push(JournalEntry::World { seq, event: WorldEvent { at: t(s), kind } });
        self
    }

    /// A request on `surface` (`cloud`, `app2app`, `initiator`), sent and answered at `s`.
    pub(crate) fn ex(&mut self, surface: &'static str, method: &str, target: &str, s: f64) -> Ex<'_> {
        let method = http::Method::from_bytes(method.as_bytes()).unwrap_or(http::Method::GET);
        let surface = crate::record::route::Door::parse(surface).expect("a surface payterm has");
        let mut exchange = Exchange::new(surface, method, target, 200);
        exchange.stamps = Stamps::at(t(s));
        Ex { synth: self, exchange }
    }

    fn push_exchange(&mut self, exchange: Exchange) {
        let seq = self.next_seq();
        let at = exchange.stamps.answered;
        self.journal.push(JournalEntry::Exchange { seq, at, exchange });
    }

    fn event(&mut self, order: &str, s: f64, kind: EventKind) -> &mut Self {
        self.events.push(Event { at: t(s), order: order.to_owned(), kind });
        self
    }

    /// The integration's outcome for `order` at `s`, with `details` (a JSON object or null).
    pub(crate) fn outcome(&mut self, order: &str, s: f64, result: OutcomeResult, details: Value) -> &mut Self {
        let details = details.as_object().cloned().unwrap_or_default();
        self.event(order, s, EventKind::Outcome { result, details })
    }

    /// A flag for `order` at `s`.
    pub(crate) fn flag(&mut self, order: &str, s: f64, kind: FlagKind) -> &mut Self {
        self.event(order, s, EventKind::Flag { kind, reason: "synthetic".to_owned() })
    }

    /// A `present_uri` for `order` at `s`.
    pub(crate) fn present(&mut self, order: &str, s: f64, uri: &str) -> &mut Self {
        self.event(order, s, EventKind::PresentUri { uri: uri.to_owned() })
    }

    /// Money moved at `s`.
    pub(crate) fn money(
        &mut self,
        s: f64,
        kind: LedgerKind,
        payment: &str,
        amount: u64,
        reference: Option<&str>,
    ) -> &mut Self {
        self.ledger.push(LedgerEntry {
            at: t(s),
            kind,
            payment: payment.to_owned(),
            amount,
            currency: Currency::CZK,
            reference: reference.map(str::to_owned),
            surface: Surface::Cloud,
        });
        self
    }

    /// A task the World created at `s` on `tid`.
    pub(crate) fn task(&mut self, id: &str, tid: &str, request: TaskRequest, s: f64) -> &mut Self {
        let request = Box::new(request);
        self.world(s, WorldEventKind::TaskQueued { tid: Tid::from(tid), task: TaskId::from(id), request })
    }

    /// Task `id` moving to `state` at `s` (with its AMS id once it has one).
    pub(crate) fn task_state(&mut self, id: &str, s: f64, state: TaskState, ams: Option<&str>) -> &mut Self {
        let by = (state == TaskState::Cancelled).then_some(CancelledBy::Api);
        self.world(
            s,
            WorldEventKind::TaskState {
                tid: Tid::from("999888"),
                task: TaskId::from(id),
                state,
                by,
                ams_id: ams.map(AmsId::from),
            },
        )
    }

    /// A card sale task on 999888 for `reference`, created at `created`; with `ends`, it ends
    /// then in `state` with transaction `ams` (captured when `COMPLETED` and `captured`).
    pub(crate) fn sale_task(
        &mut self,
        id: &str,
        reference: Option<&str>,
        created: f64,
        ends: Option<(f64, TaskState)>,
        ams: &str,
        captured: bool,
    ) -> &mut Self {
        self.task(id, "999888", sale(reference, 1250), created);
        self.task_state(id, created + 1.0, TaskState::InProgress, Some(ams));
        if let Some((s, state)) = ends {
            if captured {
                self.money(s, LedgerKind::Capture, ams, 1250, reference);
            }
            self.task_state(id, s, state, Some(ams));
        }
        self
    }

    /// A batch of 999888 closed at `s`.
    pub(crate) fn batch_closed(&mut self, s: f64, ams: &str, totals: Totals) -> &mut Self {
        self.world(
            s,
            WorldEventKind::BatchClosed { tid: Tid::from("999888"), ams_id: AmsId::from(ams), batch_number: 1, totals },
        )
    }

    /// An invoice issued at `s`.
    pub(crate) fn issued(&mut self, s: f64, identifier: &str, invoice: &str) -> &mut Self {
        self.world(
            s,
            WorldEventKind::InvoiceIssued {
                identifier: identifier.to_owned(),
                invoice: invoice.to_owned(),
                store: "testingstore".to_owned(),
            },
        )
    }

    /// An invoice's status changing at `s`.
    pub(crate) fn invoice_status(&mut self, s: f64, identifier: &str, status: InvoiceStatus) -> &mut Self {
        self.world(s, WorldEventKind::InvoiceStatus { identifier: identifier.to_owned(), status, action: None })
    }

    /// The record of the run.
    pub(crate) fn record(&self) -> Record {
        Record {
            scenario: self.scenario.clone(),
            seed: 1,
            time_scale: self.time_scale,
            started: VirtualTime::DEFAULT_START,
            ended: t(600.0),
            finished: self.finished,
            given: self.scenario.orders.iter().map(|o| (o.id.clone(), VirtualTime::DEFAULT_START + o.at)).collect(),
            events: self.events.clone(),
            log: self.log.clone(),
            journal: self.journal.clone(),
            ledger: self.ledger.clone(),
            ending: self.ending.clone(),
            bounds: self.bounds,
            ready_after: None,
            latency: self.latency.clone(),
            wall: Duration::ZERO,
        }
    }

    /// Every verdict rule `id` gives this run.
    pub(crate) fn judge(&self, id: &str) -> Vec<Verdict> {
        let rule = rules::find(id).unwrap_or_else(|| panic!("no rule {id}"));
        let record = self.record();
        (crate::judge::rules::check(rule))(&Facts::new(&record))
    }

    /// The one verdict rule `id` gives order `order` (or the scenario, for `None`).
    pub(crate) fn verdict(&self, id: &str, order: Option<&str>) -> Verdict {
        let all = self.judge(id);
        let mut mine = all.iter().filter(|v| v.order.as_deref() == order);
        match (mine.next(), mine.next()) {
            (Some(v), None) => v.clone(),
            _ => panic!("expected one verdict of {id} for {order:?}, got {all:#?}"),
        }
    }

    /// The kind of the one verdict rule `id` gives `order`.
    pub(crate) fn kind(&self, id: &str, order: Option<&str>) -> VerdictKind {
        self.verdict(id, order).kind
    }
}

/// A card sale request.
pub(crate) fn sale(reference: Option<&str>, amount: u64) -> TaskRequest {
    TaskRequest::Sale(SaleRequest {
        amount,
        currency: Currency::CZK,
        method: PaymentMethod::Card,
        tip_amount: None,
        tip_collect: None,
        reference: reference.map(str::to_owned),
        receipt: Default::default(),
    })
}

/// A void request of `origin`.
pub(crate) fn void(origin: &str, reference: Option<&str>) -> TaskRequest {
    TaskRequest::Void(VoidRequest {
        origin: AmsId::from(origin),
        currency: Currency::CZK,
        amount: None,
        reference: reference.map(str::to_owned),
        receipt: Default::default(),
    })
}

/// A close-batch request.
pub(crate) fn close(reference: Option<&str>) -> TaskRequest {
    TaskRequest::CloseBatch(CloseBatchRequest { reference: reference.map(str::to_owned), receipt: Default::default() })
}

/// One exchange being written.
pub(crate) struct Ex<'s> {
    synth: &'s mut Synth,
    exchange: Exchange,
}

impl Ex<'_> {
    /// The request body, as text.
    pub(crate) fn body(mut self, text: &str) -> Self {
        self.exchange.request = Body::keep(&bytes::Bytes::from(text.to_owned()), usize::MAX);
        self
    }

    /// The request body, as JSON.
    pub(crate) fn json(self, value: Value) -> Self {
        let text = value.to_string();
        self.body(&text)
    }

    /// The answer: `status` and a JSON body (`Value::Null` for none).
    pub(crate) fn answer(mut self, status: u16, body: Value) -> Self {
        self.exchange.status = status;
        let text = if body.is_null() { String::new() } else { body.to_string() };
        self.exchange.response = Body::keep(&bytes::Bytes::from(text), usize::MAX);
        self
    }

    /// The answer is written at `s` (it was read at the time given first).
    pub(crate) fn answered_at(mut self, s: f64) -> Self {
        self.exchange.stamps.answered = t(s);
        self
    }

    /// The answer carried `Retry-After` of `secs` virtual seconds.
    pub(crate) fn retry_after(mut self, secs: i64) -> Self {
        self.exchange.retry_after = Some(VirtualDuration::secs(secs));
        self
    }

    /// A scripted fault struck it.
    pub(crate) fn fault(mut self, kind: FaultKind, when: When) -> Self {
        if kind == FaultKind::Hang {
            self.exchange.status = 0;
        }
        self.exchange.annotations.fault = Some(StruckFault { index: 0, kind, when });
        self
    }

    /// It acted on terminal `tid`.
    pub(crate) fn tid(mut self, tid: &str) -> Self {
        self.exchange.annotations.tid = Some(tid.to_owned());
        self
    }

    /// It tried what only payterm may do.
    pub(crate) fn tamper(mut self, tamper: crate::journal::Tamper) -> Self {
        self.exchange.annotations.tamper = Some(tamper);
        self
    }

    /// What the link parser found.
    pub(crate) fn link_check(mut self, check: LinkCheck) -> Self {
        self.exchange.annotations.link = Some(check);
        self
    }

    /// Writes it into the run.
    pub(crate) fn add(mut self) {
        // Classified as the front door classifies what arrives.
        self.exchange.route = crate::surfaces::route::classify(
            self.exchange.method.as_str(),
            &self.exchange.target,
            self.exchange.request.bytes(),
        );
        self.synth.push_exchange(self.exchange);
    }
}

/// Shorthands for the requests rules look at most.
impl Synth {
    /// `POST /v1/tasks/TRANSACTION` of a SALE for `reference` at `s`, answered `status`
    /// (201 with `task`).
    pub(crate) fn create_sale(&mut self, reference: &str, s: f64, status: u16, task: Option<&str>) -> &mut Self {
        let answer = task.map_or(json!({"error": {"code": "SCRIPTED_FAULT"}}), |id| {
            json!({"taskId": id, "state": "QUEUED", "tid": "999888", "request": {"originReferenceNum": reference}})
        });
        self.ex("cloud", "POST", "/v1/tasks/TRANSACTION", s)
            .json(json!({"transactionType": "SALE", "amount": 1250, "currencyCode": "CZK", "paymentMethod": "CARD", "originReferenceNum": reference}))
            .answer(status, answer)
            .tid("999888")
            .add();
        self
    }

    /// `GET /v1/tasks/{task}` at `s`, answered 200 with `state` (and `ams` once known).
    pub(crate) fn poll(&mut self, task: &str, s: f64, state: &str, ams: Option<&str>) -> &mut Self {
        let mut answer = json!({"taskId": task, "state": state, "tid": "999888"});
        if let Some(ams) = ams {
            answer["amsId"] = json!(ams);
        }
        self.ex("cloud", "GET", &format!("/v1/tasks/{task}"), s).answer(200, answer).add();
        self
    }

    /// `GET /v1/transactions/{ams}` at `s`, answered 200 with ECR `result`.
    pub(crate) fn fetch(&mut self, ams: &str, s: f64, result: i64) -> &mut Self {
        self.ex("cloud", "GET", &format!("/v1/transactions/{ams}"), s)
            .answer(200, json!({"amsId": ams, "result": result}))
            .add();
        self
    }

    /// `POST /hype/v1/invoices` of `invoice` at `s`, answered with `identifier` and its URI.
    pub(crate) fn invoice_req(&mut self, invoice: &str, s: f64, identifier: &str) -> &mut Self {
        self.ex("initiator", "POST", "/hype/v1/invoices", s)
            .json(json!({"version": 1, "document": "aehype_invoice", "payload": {"invoice": invoice, "store": "testingstore", "total": 100}}))
            .answer(200, json!({"identifier": identifier, "gateway_uri": format!("http://127.0.0.1:1/hype/pay/{identifier}"), "autofeed": {}}))
            .add();
        self
    }

    /// `POST /hype/v1/status` about `identifier` (of `invoice`) at `s`, answered `answer`.
    pub(crate) fn status_req(&mut self, invoice: &str, identifier: &str, s: f64, answer: Value) -> &mut Self {
        self.ex("initiator", "POST", "/hype/v1/status", s)
            .json(json!({"version": 1, "document": "aehype_autofeed", "payload": {"identifier": identifier, "invoice": invoice, "store": "testingstore"}}))
            .answer(200, answer)
            .add();
        self
    }
}

/// An `[[orders]]` table: `id`, `operation` and `reference`, an amount for a sale or an
/// invoice, then `extra` lines as written (`at = "1m"`, `deadline = "30s"`, …).
pub(crate) fn order(id: &str, operation: &str, reference: &str, extra: &str) -> String {
    let amount = if matches!(operation, "sale" | "invoice") { "amount = 1250\n" } else { "" };
    format!("[[orders]]\nid = \"{id}\"\noperation = \"{operation}\"\nreference = \"{reference}\"\n{amount}{extra}")
}

/// A `/app2app?uri=…` target for the link `gptom://{operation}?{params}` (a `redirectUrl` is
/// added), percent-encoded as a correct integration sends it: the link's values by RFC 3986
/// (a space is `%20`; the app reads a `+` as a `+`), the whole link as the `uri` parameter.
pub(crate) fn link_target(operation: &str, params: &[(&str, &str)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let query: Vec<String> = params
        .iter()
        .chain([&("redirectUrl", "fb://x")])
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect();
    let uri = format!("gptom://{operation}?{}", query.join("&"));
    let encoded: String = form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    format!("/app2app?uri={encoded}")
}

/// More shorthands: logins, voids, close batches, reads, lists and links.
impl Synth {
    /// A password login for `tid` (`None`: the master account) at `s`, answered `status`.
    pub(crate) fn login(&mut self, tid: Option<&str>, s: f64, status: u16) -> &mut Self {
        let tid = tid.map_or(String::new(), |t| format!("&tid={t}"));
        self.ex("cloud", "POST", "/cloud/oauth/token", s)
            .body(&format!("grant_type=password&username=jan.novak%40example.com&password=x{tid}"))
            .answer(status, json!({"access_token": "a", "refresh_token": "r", "expires_in": 300}))
            .add();
        self
    }

    /// A refresh grant at `s`, answered `status`.
    pub(crate) fn refresh(&mut self, s: f64, status: u16) -> &mut Self {
        self.ex("cloud", "POST", "/api/oauth/token", s)
            .body("grant_type=refresh_token&refresh_token=r")
            .answer(status, json!({"access_token": "b", "refresh_token": "r2", "expires_in": 300}))
            .add();
        self
    }

    /// `POST /v1/tasks/TRANSACTION` of a VOID of `origin` (with `reference`, if given) at `s`
    /// on terminal `tid`, answered `status` (`201` with `task`).
    pub(crate) fn create_void(
        &mut self,
        origin: &str,
        reference: Option<&str>,
        s: f64,
        tid: &str,
        status: u16,
        task: Option<&str>,
    ) -> &mut Self {
        let mut body = json!({"transactionType": "VOID", "originTransactionID": origin, "currencyCode": "CZK"});
        if let Some(r) = reference {
            body["originReferenceNum"] = json!(r);
        }
        let answer = match (status, task) {
            (_, Some(id)) => json!({"taskId": id, "state": "QUEUED", "tid": tid}),
            (422, None) => json!({"error": {"code": "VOID_NOT_ALLOWED", "reason": "VOID_WINDOW_EXPIRED"}}),
            _ => json!({"error": {"code": "SCRIPTED_FAULT"}}),
        };
        self.ex("cloud", "POST", "/v1/tasks/TRANSACTION", s).json(body).answer(status, answer).tid(tid).add();
        self
    }

    /// `POST /v1/tasks/BATCH` with `reference` at `s`, answered `status` (`201` with `task`).
    pub(crate) fn create_close(&mut self, reference: &str, s: f64, status: u16, task: Option<&str>) -> &mut Self {
        let answer = task.map_or(
            json!({"error": {"code": "SCRIPTED_FAULT"}}),
            |id| json!({"taskId": id, "state": "QUEUED", "tid": "999888"}),
        );
        self.ex("cloud", "POST", "/v1/tasks/BATCH", s)
            .json(json!({"originReferenceNum": reference}))
            .answer(status, answer)
            .tid("999888")
            .add();
        self
    }

    /// `GET /v1/batches/{ams}` at `s`, answered 200 with `body`.
    pub(crate) fn read_batch(&mut self, ams: &str, s: f64, body: Value) -> &mut Self {
        self.ex("cloud", "GET", &format!("/v1/batches/{ams}"), s).answer(200, body).add();
        self
    }

    /// `GET /v1/tasks?reference={reference}` at `s`, answered 200 with `tasks` (an array).
    pub(crate) fn list(&mut self, reference: &str, s: f64, tasks: Value) -> &mut Self {
        let target = format!(
            "/v1/tasks?reference={}",
            form_urlencoded::byte_serialize(reference.as_bytes()).collect::<String>()
        );
        self.ex("cloud", "GET", &target, s).answer(200, json!({"tasks": tasks})).add();
        self
    }

    /// `DELETE /v1/tasks/{task}` at `s`, answered `status`.
    pub(crate) fn withdraw(&mut self, task: &str, s: f64, status: u16) -> &mut Self {
        self.ex("cloud", "DELETE", &format!("/v1/tasks/{task}"), s).answer(status, json!(null)).add();
        self
    }

    /// The link `gptom://{operation}?{params}` opened at `s`, answered 302 with `answer` (the
    /// redirect's fields as JSON: `status`, `receipt`, `batch`, …), parsed cleanly.
    pub(crate) fn link(&mut self, operation: &str, params: &[(&str, &str)], s: f64, answer: Value) -> &mut Self {
        self.ex("app2app", "GET", &link_target(operation, params), s)
            .answer(302, answer)
            .link_check(LinkCheck::default())
            .add();
        self
    }

    /// A void task of `origin` on `tid`, created at `created` for `reference`; with `ends`, it
    /// ends then in `state` (the sale's money returned when `COMPLETED` and `returned`).
    pub(crate) fn void_task(
        &mut self,
        id: &str,
        origin: &str,
        tid: &str,
        created: f64,
        ends: Option<(f64, TaskState)>,
        returned: bool,
    ) -> &mut Self {
        self.task(id, tid, void(origin, None), created);
        if let Some((s, state)) = ends {
            if returned {
                self.money(s, LedgerKind::Void, origin, 1250, None);
            }
            self.task_state(id, s, state, Some(origin));
        }
        self
    }
}
