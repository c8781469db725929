//! What the World did during a run, read from its own transitions: every task with what it
//! asked and how it ended ([`TaskFact`]), transaction results, closed batches with their
//! totals, and every invoice with its statuses ([`InvoiceFact`]).

use std::collections::HashMap;

use crate::journal::JournalEntry;
use crate::time::VirtualTime;
use crate::world::batch::Totals;
use crate::world::events::WorldEventKind;
use crate::world::invoice::InvoiceStatus;
use crate::world::task::{CancelledBy, TaskRequest, TaskState};

/// One task the World created.
#[derive(Clone, Debug)]
pub struct TaskFact {
    /// Its id.
    pub id: String,
    /// Its terminal.
    pub tid: String,
    /// When it was created.
    pub created: VirtualTime,
    /// What it asked for.
    pub request: TaskRequest,
    /// Its transaction or batch, once it had one.
    pub ams: Option<String>,
    /// When it became final, and how.
    pub ended: Option<(VirtualTime, TaskState)>,
    /// Who cancelled it, if it was cancelled.
    pub cancelled_by: Option<CancelledBy>,
}

impl TaskFact {
    /// Whether it was final at `at`.
    pub fn final_at(&self, at: VirtualTime) -> bool {
        self.ended.is_some_and(|(when, _)| when <= at)
    }

    /// Whether it was withdrawn through the API by `at`.
    pub fn withdrawn_by(&self, at: VirtualTime) -> bool {
        self.cancelled_by == Some(CancelledBy::Api) && self.final_at(at)
    }
}

/// One invoice the service issued.
#[derive(Clone, Debug)]
pub struct InvoiceFact {
    /// The service's identifier.
    pub identifier: String,
    /// The integrator's invoice id.
    pub invoice: String,
    /// When it was issued.
    pub issued: VirtualTime,
    /// Every status it took, in order.
    pub statuses: Vec<(VirtualTime, InvoiceStatus)>,
}

impl InvoiceFact {
    /// When it first reached a completed status, and which.
    pub fn completed(&self) -> Option<(VirtualTime, InvoiceStatus)> {
        self.statuses.iter().copied().find(|(_, s)| {
            matches!(
                s,
                InvoiceStatus::CompletedSuccess | InvoiceStatus::CompletedRejected | InvoiceStatus::CompletedRefunded
            )
        })
    }

    /// Its status at `at` (created until told otherwise).
    pub fn status_at(&self, at: VirtualTime) -> InvoiceStatus {
        self.statuses.iter().rev().find(|(when, _)| *when <= at).map_or(InvoiceStatus::Created, |(_, s)| *s)
    }
}

/// A batch the World closed.
#[derive(Clone, Debug)]
pub struct BatchFact {
    /// When.
    pub at: VirtualTime,
    /// Its terminal.
    pub tid: String,
    /// Its totals over every method.
    pub totals: Totals,
}

/// Everything the World did, by the keys rules look things up with.
#[derive(Clone, Debug, Default)]
pub struct WorldFacts {
    /// Every task, in the order created.
    pub tasks: Vec<TaskFact>,
    /// Tasks by id.
    task_index: HashMap<String, usize>,
    /// Transaction results (ECR code) by AMS id, with when and where.
    pub results: HashMap<String, (VirtualTime, String, i32)>,
    /// Closed batches by AMS id.
    pub batches: HashMap<String, BatchFact>,
    /// Every invoice, in the order issued.
    pub invoices: Vec<InvoiceFact>,
    /// Invoices by identifier.
    invoice_index: HashMap<String, usize>,
}

impl WorldFacts {
    /// The World's transitions in `journal`, read.
    pub fn read(journal: &[JournalEntry]) -> Self {
        let mut facts = WorldFacts::default();
        for entry in journal {
            let JournalEntry::World { event, .. } = entry else { continue };
            let at = event.at;
            match &event.kind {
                WorldEventKind::TaskQueued { tid, task, request } => {
                    facts.task_index.insert(task.as_str().to_owned(), facts.tasks.len());
                    facts.tasks.push(TaskFact {
                        id: task.as_str().to_owned(),
                        tid: tid.as_str().to_owned(),
                        created: at,
                        request: (**request).clone(),
                        ams: None,
                        ended: None,
                        cancelled_by: None,
                    });
                }
                WorldEventKind::TaskState { task, state, by, ams_id, .. } => {
                    let Some(t) = facts.task_index.get(task.as_str()).map(|i| &mut facts.tasks[*i]) else { continue };
                    if let Some(ams) = ams_id {
                        t.ams = Some(ams.as_str().to_owned());
                    }
                    if state.is_final() && t.ended.is_none() {
                        t.ended = Some((at, *state));
                        t.cancelled_by = *by;
                    }
                }
                WorldEventKind::TransactionResult { tid, ams_id, result } => {
                    facts.results.insert(ams_id.as_str().to_owned(), (at, tid.as_str().to_owned(), *result));
                }
                WorldEventKind::BatchClosed { tid, ams_id, totals, .. } => {
                    facts.batches.insert(
                        ams_id.as_str().to_owned(),
                        BatchFact { at, tid: tid.as_str().to_owned(), totals: *totals },
                    );
                }
                WorldEventKind::InvoiceIssued { identifier, invoice, .. } => {
                    facts.invoice_index.insert(identifier.clone(), facts.invoices.len());
                    facts.invoices.push(InvoiceFact {
                        identifier: identifier.clone(),
                        invoice: invoice.clone(),
                        issued: at,
                        statuses: vec![(at, InvoiceStatus::Created)],
                    });
                }
                WorldEventKind::InvoiceStatus { identifier, status, .. } => {
                    if let Some(i) = facts.invoice_index.get(identifier) {
                        facts.invoices[*i].statuses.push((at, *status));
                    }
                }
                _ => {}
            }
        }
        facts
    }

    /// The task with `id`.
    pub fn task(&self, id: &str) -> Option<&TaskFact> {
        self.task_index.get(id).map(|i| &self.tasks[*i])
    }

    /// The invoice with `identifier`.
    pub fn invoice(&self, identifier: &str) -> Option<&InvoiceFact> {
        self.invoice_index.get(identifier).map(|i| &self.invoices[*i])
    }

    /// The task that made transaction or batch `ams`.
    pub fn task_of_ams(&self, ams: &str) -> Option<&TaskFact> {
        self.tasks.iter().find(|t| t.ams.as_deref() == Some(ams))
    }
}
