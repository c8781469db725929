//! Validation of a scenario's setup: its terminals, initiator stores, history of earlier
//! sales, and the virtual customer's plan.

use std::collections::HashSet;

use super::model::{Completion, CustomerPlan, HistoryBatch, HistorySale, StoreSetup};
use super::raw::{RawCustomer, RawScenario, Text};
use super::suggest;
use super::validate::{MODES, Validator};
use crate::world::codes::PaymentMethod;
use crate::world::ids::Tid;
use crate::world::ledger::Surface;
use crate::world::money::Currency;
use crate::world::terminal::{TerminalConfig, TerminalMode};

impl Validator<'_> {
    pub(super) fn terminals(&mut self, raw: &RawScenario) -> Vec<TerminalConfig> {
        if raw.terminals.is_empty() {
            return vec![TerminalConfig::documented_example()];
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for t in &raw.terminals {
            let tid = t.tid.get_ref().trim();
            if tid.is_empty() || tid.len() > 32 || !tid.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.err(
                    t.tid.span(),
                    format!("invalid TID `{tid}`"),
                    "not a TID",
                    Some("1 to 32 ASCII letters or digits, e.g. `999888`".into()),
                );
            } else if !seen.insert(tid.to_owned()) {
                self.err(t.tid.span(), format!("terminal {tid} is declared twice"), "again", None);
            }
            let mode =
                t.mode.as_ref().and_then(|m| self.choice(m, "terminal mode", MODES)).unwrap_or(TerminalMode::Automatic);
            let currency = t.currency.as_ref().and_then(|c| self.currency(c)).unwrap_or(Currency::CZK);
            out.push(TerminalConfig { tid: Tid::from(tid), currency, mode, ..TerminalConfig::documented_example() });
        }
        out
    }

    pub(super) fn currency(&mut self, value: &Text) -> Option<Currency> {
        match value.get_ref().parse::<Currency>() {
            Ok(c) => Some(c),
            Err(_) => {
                let known: Vec<&str> = Currency::known_codes().collect();
                self.err(
                    value.span(),
                    format!("unknown currency `{}`", value.get_ref()),
                    "not a currency",
                    Some(suggest::hint(value.get_ref(), &known)),
                );
                None
            }
        }
    }

    pub(super) fn terminal_ref(&mut self, value: Option<&Text>, terminals: &[TerminalConfig]) -> Tid {
        let first = terminals.first().map_or_else(|| Tid::from("999888"), |t| t.tid.clone());
        let Some(value) = value else { return first };
        let tid = value.get_ref().trim();
        if terminals.iter().any(|t| t.tid.as_str() == tid) {
            return Tid::from(tid);
        }
        let names: Vec<&str> = terminals.iter().map(|t| t.tid.as_str()).collect();
        self.err(
            value.span(),
            format!("no terminal {tid} in this scenario"),
            "unknown terminal",
            Some(suggest::hint(tid, &names)),
        );
        first
    }

    pub(super) fn stores(&mut self, raw: &RawScenario, surfaces: &[Surface]) -> Vec<StoreSetup> {
        if raw.stores.is_empty() {
            return if surfaces.contains(&Surface::Initiator) {
                vec![StoreSetup { name: "testingstore".into(), disabled: false, enrolled: true, operator: true }]
            } else {
                Vec::new()
            };
        }
        let mut seen = HashSet::new();
        raw.stores
            .iter()
            .map(|s| {
                let name = s.name.get_ref().trim().to_owned();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                    self.err(
                        s.name.span(),
                        format!("invalid store name `{name}`"),
                        "not a store name",
                        Some("ASCII letters and digits only".into()),
                    );
                } else if !seen.insert(name.clone()) {
                    self.err(s.name.span(), format!("store `{name}` is declared twice"), "again", None);
                }
                StoreSetup {
                    name,
                    disabled: s.disabled,
                    enrolled: s.enrolled.unwrap_or(true),
                    operator: s.operator.unwrap_or(true),
                }
            })
            .collect()
    }

    pub(super) fn history(&mut self, raw: &RawScenario, terminals: &[TerminalConfig]) -> Vec<HistorySale> {
        let Some(history) = &raw.history else { return Vec::new() };
        let mut out = Vec::new();
        for s in &history.sales {
            let tid = self.terminal_ref(s.tid.as_ref(), terminals);
            let amount = self.positive(&s.amount, "amount").unwrap_or(1);
            let method = s.method.as_ref().and_then(|m| self.method(m)).unwrap_or(PaymentMethod::Card);
            let at = self.duration(&s.at, "at").unwrap_or_default();
            if at.as_millis() > 0 {
                self.err(
                    s.at.span(),
                    "history happens before the scenario starts",
                    "in the future",
                    Some("use a negative duration such as `-94d`".into()),
                );
            }
            let batch = s
                .batch
                .as_ref()
                .and_then(|b| {
                    self.choice(b, "batch", &[("open", HistoryBatch::Open), ("closed", HistoryBatch::Closed)])
                })
                .unwrap_or(HistoryBatch::Open);
            out.push(HistorySale {
                tid,
                amount,
                method,
                ams_id: s.ams_id.clone(),
                at,
                reference: s.reference.clone(),
                batch,
            });
        }
        out
    }

    pub(super) fn method(&mut self, value: &Text) -> Option<PaymentMethod> {
        let table: Vec<(&str, PaymentMethod)> = PaymentMethod::ALL.iter().map(|m| (m.as_str(), *m)).collect();
        self.choice(value, "payment method", &table)
    }

    pub(super) fn customer(&mut self, c: &RawCustomer) -> CustomerPlan {
        let d = CustomerPlan::default();
        let opens_after = match &c.opens_after {
            Some(t) if t.get_ref().trim() == "never" => None,
            Some(t) => self.non_negative_duration(t, "opens_after").or(d.opens_after),
            None => d.opens_after,
        };
        CustomerPlan {
            opens_after,
            pays_after: c
                .pays_after
                .as_ref()
                .and_then(|t| self.non_negative_duration(t, "pays_after"))
                .unwrap_or(d.pays_after),
            completes_after: c
                .completes_after
                .as_ref()
                .and_then(|t| self.non_negative_duration(t, "completes_after"))
                .unwrap_or(d.completes_after),
            completes: c
                .completes
                .as_ref()
                .and_then(|t| {
                    self.choice(
                        t,
                        "completion",
                        &[
                            ("success", Completion::Success),
                            ("reject", Completion::Reject),
                            ("never", Completion::Never),
                        ],
                    )
                })
                .unwrap_or(d.completes),
            refunds_after: c.refunds_after.as_ref().and_then(|t| self.non_negative_duration(t, "refunds_after")),
            waits_to_be_seen: c.waits_to_be_seen.unwrap_or(false),
        }
    }
}
