//! The facts rules are judged from: the journal's exchanges read back as structured
//! requests ([`Req`]), and which of them belong to which order (by reference, then by the
//! task ids and AMS ids the emulator answered with).

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
}

/// The Cloud facts of `order`.
pub fn cloud(reqs: &[Req], order: &Order) -> CloudFacts {
    let creates: Vec<Req> = reqs
        .iter()
        .filter(|r| r.surface == "cloud" && r.method == "POST" && r.path.starts_with("/v1/tasks/"))
        .filter(|r| r.request["originReferenceNum"].as_str() == Some(order.reference.as_str()))
        .cloned()
        .collect();
    let mut tasks: Vec<String> =
        creates.iter().filter_map(|r| r.response["taskId"].as_str().map(str::to_owned)).collect();
    // A task whose create answer was lost is found by its reference in a list answer.
    for r in reqs.iter().filter(|r| r.surface == "cloud" && r.method == "GET" && r.path == "/v1/tasks") {
        for t in r.response["tasks"].as_array().into_iter().flatten() {
            let ours = t["request"]["originReferenceNum"].as_str() == Some(order.reference.as_str());
            if let Some(id) = t["taskId"].as_str().filter(|id| ours && !tasks.iter().any(|k| k == id)) {
                tasks.push(id.to_owned());
            }
        }
    }
    let polls: Vec<Req> = reqs
        .iter()
        .filter(|r| r.surface == "cloud" && r.method == "GET")
        .filter(|r| r.path.strip_prefix("/v1/tasks/").is_some_and(|id| tasks.iter().any(|t| t == id)))
        .cloned()
        .collect();
    let ams: Vec<String> = polls.iter().filter_map(|r| r.response["amsId"].as_str().map(str::to_owned)).collect();
    let fetches = reqs
        .iter()
        .filter(|r| r.surface == "cloud" && r.method == "GET")
        .filter(|r| r.path.strip_prefix("/v1/transactions/").is_some_and(|id| ams.iter().any(|a| a == id)))
        .cloned()
        .collect();
    CloudFacts { creates, tasks, polls, fetches }
}

/// When task `id` reached a final state, and which, by the World's own transitions.
pub fn task_final(record: &Record, id: &str) -> Option<(VirtualTime, TaskState)> {
    record.journal.iter().find_map(|e| match e {
        JournalEntry::World { event, .. } => match &event.kind {
            WorldEventKind::TaskState { task, state, .. } if task.as_str() == id && state.is_final() => {
                Some((event.at, *state))
            }
            _ => None,
        },
        _ => None,
    })
}
