//! Validation of the `[script]` sections: status and task timelines, card outcomes, request
//! faults, deep-link overrides, operator actions, clock jumps and token expiry.

use toml::Spanned;

use super::model::{
    CardStep, CustomerEvent, FaultKind, Hold, HttpFault, InitiatorFault, LinkOverride, LinkStatus, Operation,
    OperatorAction, OperatorActionKind, Order, RequestMatcher, Script, StatusAnswer, StatusStep, TaskStep, When,
};
use super::raw::{RawHttpFault, RawScript, Text};
use super::suggest;
use super::validate::Validator;
use crate::world::codes::CardOutcome;
use crate::world::invoice::InvoiceStatus;
use crate::world::ledger::Surface;
use crate::world::task::{TaskEvent, TaskState, next_state};
use crate::world::terminal::{TerminalConfig, TerminalMode};

/// The reasons a deep link's `error` can carry (app2app.md).
pub const LINK_ERRORS: &[&str] = &[
    "failed",
    "networkError",
    "invalidClientId",
    "merchantInfoMissing",
    "failedToCloseBatch",
    "unsupportedTransactionOperationOrType",
    "invalidAmount",
    "cannotBeVoided",
    "userNotLoggedIn",
];

fn outcomes() -> Vec<(&'static str, CardOutcome)> {
    CardOutcome::ALL.iter().map(|o| (o.as_str(), *o)).collect()
}

impl Validator<'_> {
    pub(super) fn script(&mut self, raw: &RawScript, orders: &[Order], terminals: &[TerminalConfig]) -> Script {
        let status = self.status_steps(raw, orders);
        let tasks = self.task_steps(raw, orders);
        let cards = raw
            .card
            .iter()
            .filter_map(|c| {
                let tid = self.terminal_ref(c.tid.as_ref(), terminals);
                let after = c.after.as_ref().and_then(|a| self.non_negative_duration(a, "after"));
                self.choice(&c.outcome, "card outcome", &outcomes()).map(|outcome| CardStep { tid, outcome, after })
            })
            .collect();
        let http = raw.http.iter().filter_map(|h| self.http_fault(h)).collect();
        let links = raw
            .link
            .iter()
            .filter_map(|l| {
                let order = self.order_ref(l.order.as_ref(), orders, Surface::App2app, None, "[[script.link]]")?;
                let status = self.choice(
                    &l.status,
                    "deep-link status",
                    &[("CANCELLED", LinkStatus::Cancelled), ("ERROR", LinkStatus::Error)],
                )?;
                let error = match (&l.error, status) {
                    (Some(e), _) => {
                        let table: Vec<(&str, &str)> = LINK_ERRORS.iter().map(|n| (*n, *n)).collect();
                        self.choice(e, "deep-link error", &table).map(str::to_owned)
                    }
                    (None, LinkStatus::Error) => {
                        self.err(
                            l.status.span(),
                            "an ERROR answer needs an `error` reason",
                            "which error?",
                            Some(format!("one of {}", suggest::one_of(LINK_ERRORS))),
                        );
                        None
                    }
                    (None, LinkStatus::Cancelled) => None,
                };
                Some(LinkOverride { order, status, error, code: l.code.clone(), nth: l.nth.unwrap_or(1).max(1) })
            })
            .collect();
        let operator = raw
            .operator
            .iter()
            .filter_map(|op| {
                let at = self.non_negative_duration(&op.at, "at")?;
                let tid = self.terminal_ref(op.tid.as_ref(), terminals);
                let kinds = [("pick", 0), ("reject", 1), ("card", 2), ("mode", 3)];
                let action = match self.choice(&op.action, "operator action", &kinds)? {
                    0 => OperatorActionKind::Pick(
                        op.order.as_ref().and_then(|o| self.order_ref(Some(o), orders, Surface::Cloud, None, "pick")),
                    ),
                    1 => OperatorActionKind::Reject(self.order_ref(
                        op.order.as_ref(),
                        orders,
                        Surface::Cloud,
                        None,
                        "reject",
                    )?),
                    2 => OperatorActionKind::Card(
                        self.required(&op.outcome, &op.action, "outcome")
                            .and_then(|o| self.choice(o, "card outcome", &outcomes()))?,
                    ),
                    _ => {
                        let modes = [
                            ("automatic", TerminalMode::Automatic),
                            ("assisted", TerminalMode::Assisted),
                            ("semi_integrated", TerminalMode::SemiIntegrated),
                        ];
                        OperatorActionKind::Mode(
                            self.required(&op.mode, &op.action, "mode")
                                .and_then(|m| self.choice(m, "terminal mode", &modes))?,
                        )
                    }
                };
                Some(OperatorAction { at, tid, action })
            })
            .collect();
        let clock = raw
            .clock
            .iter()
            .filter_map(|c| Some((self.non_negative_duration(&c.at, "at")?, self.positive_duration(&c.jump, "jump")?)))
            .collect();
        let token_expiry = raw.tokens.iter().filter_map(|t| self.non_negative_duration(&t.at, "at")).collect();
        Script { status, tasks, cards, http, links, operator, clock, token_expiry }
    }

    fn required<'t>(&mut self, value: &'t Option<Text>, near: &Text, field: &str) -> Option<&'t Text> {
        if value.is_none() {
            self.err(near.span(), format!("`{}` needs `{field}`", near.get_ref()), format!("add `{field}`"), None);
        }
        value.as_ref()
    }

    /// The order a script entry names, or the only order of the right kind when it names none.
    fn order_ref(
        &mut self,
        value: Option<&Text>,
        orders: &[Order],
        surface: Surface,
        operation: Option<Operation>,
        section: &str,
    ) -> Option<String> {
        let fits = |o: &&Order| o.surface == surface && operation.is_none_or(|op| o.operation == op);
        match value {
            Some(v) => {
                let name = v.get_ref().trim();
                match self.order_by_id(orders, name) {
                    Some(o) if fits(&o) => Some(name.to_owned()),
                    Some(_) => {
                        self.err(
                            v.span(),
                            format!(
                                "order `{name}` is not a {} order, so {section} cannot apply to it",
                                surface.as_str()
                            ),
                            "wrong order",
                            None,
                        );
                        None
                    }
                    None => {
                        let names: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
                        self.err(
                            v.span(),
                            format!("no order `{name}`"),
                            "unknown order",
                            Some(suggest::hint(name, &names)),
                        );
                        None
                    }
                }
            }
            None => {
                let candidates: Vec<&Order> = orders.iter().filter(fits).collect();
                match candidates.as_slice() {
                    [only] => Some(only.id.clone()),
                    _ => {
                        self.err(
                            0..0,
                            format!(
                                "a {section} entry does not name its `order`, and the scenario has {} {} orders",
                                candidates.len(),
                                surface.as_str()
                            ),
                            "the file starts here",
                            Some("add `order = \"o1\"`".into()),
                        );
                        None
                    }
                }
            }
        }
    }

    fn hold(
        &mut self,
        polls: &Option<Spanned<i64>>,
        hold: &Option<Text>,
        until: Option<&Text>,
        near: &Text,
    ) -> Option<Hold> {
        let given = [polls.is_some(), hold.is_some(), until.is_some()].iter().filter(|g| **g).count();
        if given > 1 {
            self.err(near.span(), "a step holds by `polls`, `hold` or `until`, not several", "one only", None);
            return None;
        }
        if let Some(p) = polls {
            return self.positive(p, "polls").map(|n| Hold::Polls(u32::try_from(n).unwrap_or(u32::MAX)));
        }
        if let Some(h) = hold {
            return self.non_negative_duration(h, "hold").map(Hold::For);
        }
        if let Some(u) = until {
            let events = [
                ("customer.opens", CustomerEvent::Opens),
                ("customer.pays", CustomerEvent::Pays),
                ("customer.completes", CustomerEvent::Completes),
            ];
            return self.choice(u, "customer event", &events).map(Hold::Until);
        }
        Some(Hold::Forever)
    }

    fn status_steps(&mut self, raw: &RawScript, orders: &[Order]) -> Vec<StatusStep> {
        let statuses: Vec<(&str, InvoiceStatus)> = InvoiceStatus::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let faults: Vec<(&str, InitiatorFault)> = InitiatorFault::ALL.iter().map(|f| (f.as_str(), *f)).collect();
        let mut out: Vec<(StatusStep, std::ops::Range<usize>)> = Vec::new();
        for s in &raw.status {
            let near = s.status.as_ref().or(s.fault.as_ref());
            let Some(near) = near else {
                let span = s.order.as_ref().map_or(0..0, Spanned::span);
                self.err(
                    span,
                    "a status step needs `status` or `fault`",
                    "what is answered?",
                    Some("e.g. `status = \"created\"` or `fault = \"server_error\"`".into()),
                );
                continue;
            };
            let answer = match (&s.status, &s.fault) {
                (Some(_), Some(f)) => {
                    self.err(f.span(), "a status step answers a `status` or a `fault`, not both", "one only", None);
                    None
                }
                (Some(st), None) => self.choice(st, "initiator status", &statuses).map(StatusAnswer::Status),
                (None, Some(f)) => self.choice(f, "initiator fault", &faults).map(StatusAnswer::Fault),
                (None, None) => None,
            };
            let order = self.order_ref(
                s.order.as_ref(),
                orders,
                Surface::Initiator,
                Some(Operation::Invoice),
                "[[script.status]]",
            );
            let hold = self.hold(&s.polls, &s.hold, s.until.as_ref(), near);
            if let (Some(answer), Some(order), Some(hold)) = (answer, order, hold) {
                out.push((StatusStep { order, answer, hold }, near.span()));
            }
        }
        self.only_last_holds_for_ever(out.iter().map(|(s, span)| (s.order.as_str(), s.hold, span.clone())).collect());
        self.status_steps_agree(&out);
        out.into_iter().map(|(s, _)| s).collect()
    }

    fn only_last_holds_for_ever(&mut self, steps: Vec<(&str, Hold, std::ops::Range<usize>)>) {
        for (i, (order, hold, span)) in steps.iter().enumerate() {
            let later = steps[i + 1..].iter().any(|(o, _, _)| o == order);
            if *hold == Hold::Forever && later {
                self.err(
                    span.clone(),
                    format!("this step of order `{order}` holds for ever, so the steps after it never come"),
                    "holds for ever",
                    Some("add `polls`, `hold` or `until` to it".into()),
                );
            }
        }
    }

    fn task_steps(&mut self, raw: &RawScript, orders: &[Order]) -> Vec<TaskStep> {
        let states: Vec<(&str, TaskState)> = TaskState::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let mut out: Vec<(TaskStep, std::ops::Range<usize>)> = Vec::new();
        for t in &raw.task {
            let Some(state) = self.choice(&t.state, "task state", &states) else { continue };
            let Some(order) = self.order_ref(t.order.as_ref(), orders, Surface::Cloud, None, "[[script.task]]") else {
                continue;
            };
            let outcome = t.outcome.as_ref().and_then(|o| self.choice(o, "card outcome", &outcomes()));
            if (t.outcome.is_some() || t.result.is_some()) && !state.is_final() {
                self.err(
                    t.state.span(),
                    "`outcome` and `result` belong on a final step (COMPLETED or FAILED)",
                    "not final",
                    None,
                );
            }
            if t.captured && state != TaskState::Failed {
                self.err(
                    t.state.span(),
                    "`captured` only applies to a FAILED step (captured, but the answer was lost)",
                    "not FAILED",
                    None,
                );
            }
            if let Some(prev) = out.iter().rev().find(|(s, _)| s.order == order) {
                let ok = [TaskEvent::Start, TaskEvent::Complete, TaskEvent::Fail, TaskEvent::Cancel]
                    .iter()
                    .any(|e| next_state(prev.0.state, *e) == Ok(state));
                if !ok {
                    self.err(
                        t.state.span(),
                        format!("a task cannot go from {} to {}", prev.0.state.as_str(), state.as_str()),
                        "impossible transition",
                        Some("QUEUED → IN_PROGRESS → COMPLETED | FAILED, or QUEUED → CANCELLED".into()),
                    );
                }
            }
            let Some(hold) = self.hold(&t.polls, &t.hold, None, &t.state) else { continue };
            out.push((
                TaskStep { order, state, hold, outcome, result: t.result, captured: t.captured },
                t.state.span(),
            ));
        }
        self.only_last_holds_for_ever(out.iter().map(|(s, span)| (s.order.as_str(), s.hold, span.clone())).collect());
        out.into_iter().map(|(s, _)| s).collect()
    }

    fn http_fault(&mut self, h: &RawHttpFault) -> Option<HttpFault> {
        let matcher = self.matcher(&h.matcher);
        let kinds = [
            ("status", 0),
            ("reset", 1),
            ("hang", 2),
            ("truncate", 3),
            ("malformed_json", 4),
            ("slow_drip", 5),
            ("delay", 6),
        ];
        let kind = self.choice(&h.fault, "fault", &kinds)?;
        let delay = h.delay.as_ref().and_then(|d| self.positive_duration(d, "delay"));
        if h.retry_after.is_some() && kind != 0 {
            self.err(h.fault.span(), "`retry_after` only goes with `fault = \"status\"`", "no status", None);
        }
        let kind = match kind {
            0 => {
                let Some(code) = &h.status else {
                    self.err(h.fault.span(), "a status fault needs `status`, e.g. 503", "which status?", None);
                    return None;
                };
                if !(100..=599).contains(code.get_ref()) {
                    self.err(
                        code.span(),
                        format!("{} is not an HTTP status", code.get_ref()),
                        "not a status",
                        Some("100 to 599".into()),
                    );
                    return None;
                }
                let retry_after = h.retry_after.as_ref().and_then(|r| self.non_negative_duration(r, "retry_after"));
                FaultKind::Status { code: u16::try_from(*code.get_ref()).unwrap_or(500), retry_after }
            }
            1 => FaultKind::Reset,
            2 => FaultKind::Hang,
            3 => FaultKind::Truncate,
            4 => FaultKind::MalformedJson,
            k => {
                let Some(d) = delay else {
                    self.err(
                        h.fault.span(),
                        format!("`{}` needs `delay`", h.fault.get_ref()),
                        "how long?",
                        Some("e.g. `delay = \"2s\"`".into()),
                    );
                    return None;
                };
                if k == 5 { FaultKind::SlowDrip(d) } else { FaultKind::Delay(d) }
            }
        };
        let when = h
            .when
            .as_ref()
            .and_then(|w| {
                self.choice(w, "moment", &[("before_acting", When::BeforeActing), ("after_acting", When::AfterActing)])
            })
            .unwrap_or(When::BeforeActing);
        let from = h.from.as_ref().and_then(|f| self.positive(f, "from")).unwrap_or(1);
        let times = match &h.times {
            None => Some(1),
            Some(t) if *t.get_ref() == 0 => None,
            Some(t) => self.positive(t, "times").map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        };
        Some(HttpFault { matcher: matcher?, from: u32::try_from(from).unwrap_or(u32::MAX), times, kind, when })
    }

    fn matcher(&mut self, text: &Text) -> Option<RequestMatcher> {
        let raw = text.get_ref().trim();
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
        let Some((method, path)) = raw.split_once(' ') else {
            self.err(
                text.span(),
                format!("invalid request pattern `{raw}`"),
                "not `METHOD /path`",
                Some("e.g. `POST /v1/tasks/TRANSACTION` or `GET /v1/tasks/*`".into()),
            );
            return None;
        };
        let method = method.to_ascii_uppercase();
        if !methods.contains(&method.as_str()) {
            self.err(
                text.span(),
                format!("unknown method `{method}`"),
                "not a method",
                Some(suggest::hint(&method, &methods)),
            );
            return None;
        }
        let path = path.trim();
        if !path.starts_with('/') || path.contains('?') {
            self.err(
                text.span(),
                format!("invalid path `{path}`"),
                "not a path",
                Some("a path from `/`, without a query; `*` matches one segment".into()),
            );
            return None;
        }
        Some(RequestMatcher {
            method,
            segments: path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        })
    }
}
