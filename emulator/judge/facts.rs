//! The facts rules are judged from: the journal's exchanges read back as structured
//! requests ([`Req`]), and which of them belong to which order (by reference, then by the
//! task ids and AMS ids the emulator answered with).

use std::collections::HashMap;

use serde_json::Value;

use crate::journal::JournalEntry;
use crate::runner::Record;
use crate::scenario::model::Order;
use crate::world::clock::VirtualTime;
use crate::world::events::WorldEventKind;
use crate::world::task::TaskState;

/// One exchange, parsed.
#[derive(Clone, Debug)]
pub struct Req {
    /// When it was answered.
    pub at: VirtualTime,
    /// `cloud`, `app2app`, `initiator`.
    pub surface: &'static str,
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The request body as JSON, if it was.
    pub request: Value,
    /// The answer body as JSON, if it was.
    pub response: Value,
    /// The journal line, for evidence.
    pub line: String,
    /// Notes the journal kept (a scripted fault, a duplicated parameter, …).
    pub notes: Vec<String>,
}

/// Every exchange of the run, in order.
pub fn requests(record: &Record) -> Vec<Req> {
    record
        .journal
        .iter()
        .filter_map(|e| match e {
            JournalEntry::Exchange { at, exchange, .. } => {
                let target = exchange.target.clone();
                let path = target.split('?').next().unwrap_or("").to_owned();
                let request = serde_json::from_str(&exchange.request.text()).unwrap_or(Value::Null);
                let response = serde_json::from_str(&exchange.response.text()).unwrap_or(Value::Null);
                let line = format!("{at} {} {} {} → {}", exchange.surface, exchange.method, target, exchange.status);
                Some(Req {
                    at: *at,
                    surface: exchange.surface,
                    method: exchange.method.as_str().to_owned(),
                    path,
                    status: exchange.status,
                    request,
                    response,
                    line,
                    notes: exchange.notes.clone(),
                })
            }
            JournalEntry::World { .. } => None,
        })
        .collect()
}

/// The Cloud requests of `order`: task creations carrying its reference, and polls, deletes
/// and result fetches of the tasks and transactions those answers named.
pub struct CloudFacts {
    /// `POST /v1/tasks/…` carrying the order's reference, answered or not.
    pub creates: Vec<Req>,
    /// The task ids created for the order.
    pub tasks: Vec<String>,
    /// `GET /v1/tasks/{id}` of those tasks.
    pub polls: Vec<Req>,
    /// `GET /v1/transactions/{amsId}` of the AMS ids those tasks named.
    pub fetches: Vec<Req>,
    /// When each of those tasks reached a final state, and which (see [`CloudIndex::task_final`]).
    finals: HashMap<String, (VirtualTime, TaskState)>,
}

impl CloudFacts {
    /// When task `id` (one of [`CloudFacts::tasks`]) reached a final state, and which.
    pub fn task_final(&self, id: &str) -> Option<(VirtualTime, TaskState)> {
        self.finals.get(id).copied()
    }
}

/// Where the Cloud requests of a run are, by the keys orders are matched on, and when each
/// task became final: built once per run, so gathering one order's facts costs what it finds,
/// not a scan of the whole transcript (1,000 orders would make that quadratic).
pub struct CloudIndex {
    /// Indices into the requests of `POST /v1/tasks/…`, by the `originReferenceNum` sent.
    creates: HashMap<String, Vec<usize>>,
    /// Task ids listed in `GET /v1/tasks` answers, by the reference their request carried, in
    /// the order they were listed.
    listed: HashMap<String, Vec<String>>,
    /// Indices of `GET /v1/tasks/{id}`, by the id.
    polls: HashMap<String, Vec<usize>>,
    /// Indices of `GET /v1/transactions/{amsId}`, by the AMS id.
    fetches: HashMap<String, Vec<usize>>,
    /// The first final state of each task, by the World's own transitions.
    finals: HashMap<String, (VirtualTime, TaskState)>,
}

impl CloudIndex {
    /// The index of `reqs`, the requests of `record`.
    pub fn new(record: &Record, reqs: &[Req]) -> Self {
        let mut index = CloudIndex {
            creates: HashMap::new(),
            listed: HashMap::new(),
            polls: HashMap::new(),
            fetches: HashMap::new(),
            finals: HashMap::new(),
        };
        for (i, r) in reqs.iter().enumerate().filter(|(_, r)| r.surface == "cloud") {
            match r.method.as_str() {
                "POST" if r.path.starts_with("/v1/tasks/") => {
                    if let Some(reference) = r.request["originReferenceNum"].as_str() {
                        index.creates.entry(reference.to_owned()).or_default().push(i);
                    }
                }
                "GET" if r.path == "/v1/tasks" => {
                    for t in r.response["tasks"].as_array().into_iter().flatten() {
                        if let (Some(reference), Some(id)) =
                            (t["request"]["originReferenceNum"].as_str(), t["taskId"].as_str())
                        {
                            index.listed.entry(reference.to_owned()).or_default().push(id.to_owned());
                        }
                    }
                }
                "GET" => {
                    if let Some(id) = r.path.strip_prefix("/v1/tasks/") {
                        index.polls.entry(id.to_owned()).or_default().push(i);
                    } else if let Some(ams) = r.path.strip_prefix("/v1/transactions/") {
                        index.fetches.entry(ams.to_owned()).or_default().push(i);
                    }
                }
                _ => {}
            }
        }
        for e in &record.journal {
            if let JournalEntry::World { event, .. } = e
                && let WorldEventKind::TaskState { task, state, .. } = &event.kind
                && state.is_final()
            {
                index.finals.entry(task.as_str().to_owned()).or_insert((event.at, *state));
            }
        }
        index
    }

    /// When task `id` reached a final state, and which, by the World's own transitions.
    pub fn task_final(&self, id: &str) -> Option<(VirtualTime, TaskState)> {
        self.finals.get(id).copied()
    }
}

/// The requests at `indices` of `reqs`, each once, in the order they were made.
fn picked(reqs: &[Req], mut indices: Vec<usize>) -> Vec<Req> {
    indices.sort_unstable();
    indices.dedup();
    indices.into_iter().map(|i| reqs[i].clone()).collect()
}

/// The Cloud facts of `order`, found through `index` (built from `reqs`).
pub fn cloud(index: &CloudIndex, reqs: &[Req], order: &Order) -> CloudFacts {
    let reference = order.reference.as_str();
    let creates = picked(reqs, index.creates.get(reference).cloned().unwrap_or_default());
    let mut tasks: Vec<String> =
        creates.iter().filter_map(|r| r.response["taskId"].as_str().map(str::to_owned)).collect();
    // A task whose create answer was lost is found by its reference in a list answer.
    for id in index.listed.get(reference).into_iter().flatten() {
        if !tasks.contains(id) {
            tasks.push(id.clone());
        }
    }
    let polls = picked(reqs, tasks.iter().flat_map(|t| index.polls.get(t).into_iter().flatten().copied()).collect());
    let ams: Vec<&str> = polls.iter().filter_map(|r| r.response["amsId"].as_str()).collect();
    let fetches = picked(reqs, ams.iter().flat_map(|a| index.fetches.get(*a).into_iter().flatten().copied()).collect());
    let finals = tasks.iter().filter_map(|t| Some((t.clone(), index.task_final(t)?))).collect();
    CloudFacts { creates, tasks, polls, fetches, finals }
}
