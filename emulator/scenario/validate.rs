//! Raw → validated: [`parse`] reads a scenario file's text, checks every field, resolves every
//! reference, fills in defaults, and reports every problem it finds (not just the first),
//! each pointing at its line and column.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;

use super::diagnostic::{LineIndex, ScenarioDiagnostic, ScenarioErrors};
use super::model::{Operation, Order, Scenario, Timing, VoidTarget};
use super::raw::{RawOrder, RawScenario, Text};
use super::suggest;
use crate::record::rules::{self, RuleArea};
use crate::time::VirtualDuration;
use crate::world::codes::PaymentMethod;
use crate::world::ledger::Surface;
use crate::world::money::Currency;
use crate::world::terminal::{TerminalConfig, TerminalMode};

/// The only format version.
pub const VERSION: i64 = 1;

/// Reads and validates scenario text; `name` is how errors name the file.
pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioErrors> {
    let mut v = Validator { name, text, errors: Vec::new(), lines: None, order_index: None };
    let scenario = match toml::from_str::<RawScenario>(text) {
        Ok(raw) => Some(v.scenario(raw)),
        Err(e) => {
            v.toml_error(&e);
            None
        }
    };
    match scenario {
        Some(s) if v.errors.is_empty() => Ok(s),
        _ => {
            let mut diagnostics = v.errors;
            diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(ScenarioErrors { path: name.to_owned(), diagnostics })
        }
    }
}

pub(super) struct Validator<'a> {
    name: &'a str,
    text: &'a str,
    pub(super) errors: Vec<ScenarioDiagnostic>,
    /// The file's line starts, found at the first problem.
    lines: Option<LineIndex>,
    /// Where each order id first appears among the validated orders, found at the first look-up.
    order_index: Option<HashMap<String, usize>>,
}

pub(super) const SURFACES: &[(&str, Surface)] =
    &[("cloud", Surface::Cloud), ("app2app", Surface::App2app), ("initiator", Surface::Initiator)];

pub(super) const MODES: &[(&str, TerminalMode)] = &[
    ("automatic", TerminalMode::Automatic),
    ("assisted", TerminalMode::Assisted),
    ("semi_integrated", TerminalMode::SemiIntegrated),
];

const DURATION_HINT: &str = "a number and a unit: `500ms`, `20s`, `5m`, `2h`, `94d`";

impl<'a> Validator<'a> {
    pub(super) fn err(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let lines = self.lines.get_or_insert_with(|| LineIndex::of(self.text));
        self.errors.push(ScenarioDiagnostic::at(self.name, self.text, lines, span, message.into(), label.into(), help));
    }

    /// The validated order called `id`, found in constant time.
    pub(super) fn order_by_id<'o>(&mut self, orders: &'o [Order], id: &str) -> Option<&'o Order> {
        let index = self.order_index.get_or_insert_with(|| {
            let mut index = HashMap::with_capacity(orders.len());
            for (i, o) in orders.iter().enumerate() {
                index.entry(o.id.clone()).or_insert(i);
            }
            index
        });
        index.get(id).and_then(|&i| orders.get(i))
    }

    fn toml_error(&mut self, e: &toml::de::Error) {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_owned();
        // serde's "unknown field `x`, expected one of `a`, `b`" → a did-you-mean hint.
        let help = message.strip_prefix("unknown field `").and_then(|rest| {
            let (field, expected) = rest.split_once('`')?;
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            Some(suggest::hint(field, &candidates))
        });
        let message = if message.starts_with("unknown field") {
            message.split(", expected").next().unwrap_or(&message).to_owned()
        } else {
            message
        };
        self.err(span, message, "here", help);
    }

    /// A choice among `table`'s names, case-insensitively; an error names the nearest one.
    pub(super) fn choice<T: Copy>(&mut self, value: &Text, what: &str, table: &[(&str, T)]) -> Option<T> {
        let found = table.iter().find(|(n, _)| n.eq_ignore_ascii_case(value.get_ref().trim())).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            self.err(
                value.span(),
                format!("unknown {what} `{}`", value.get_ref()),
                format!("unknown {what}"),
                Some(suggest::hint(value.get_ref(), &names)),
            );
        }
        found
    }

    pub(super) fn duration(&mut self, value: &Text, what: &str) -> Option<VirtualDuration> {
        match value.get_ref().parse::<VirtualDuration>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.err(
                    value.span(),
                    format!("invalid duration `{}` for {what}", value.get_ref()),
                    "not a duration",
                    Some(DURATION_HINT.to_owned()),
                );
                None
            }
        }
    }

    pub(super) fn non_negative_duration(&mut self, value: &Text, what: &str) -> Option<VirtualDuration> {
        let d = self.duration(value, what)?;
        if d.as_millis() < 0 {
            self.err(value.span(), format!("{what} cannot be negative"), "negative", None);
            return None;
        }
        Some(d)
    }

    fn time_scale(&mut self, value: &Spanned<f64>) -> Option<f64> {
        let scale = *value.get_ref();
        if !(scale > 0.0 && scale <= 1.0) {
            self.err(
                value.span(),
                format!("min_time_scale must be above 0 and at most 1 (real seconds per virtual second), not {scale}"),
                "out of range",
                Some("e.g. 0.05: a virtual second lasts at least 50 real ms".to_owned()),
            );
            return None;
        }
        Some(scale)
    }

    pub(super) fn positive_duration(&mut self, value: &Text, what: &str) -> Option<VirtualDuration> {
        let d = self.duration(value, what)?;
        if d.as_millis() <= 0 {
            self.err(value.span(), format!("{what} must be longer than zero"), "not positive", None);
            return None;
        }
        Some(d)
    }

    pub(super) fn positive(&mut self, value: &Spanned<i64>, what: &str) -> Option<u64> {
        let n = *value.get_ref();
        if n <= 0 {
            self.err(value.span(), format!("{what} must be greater than 0, not {n}"), "not positive", None);
            return None;
        }
        u64::try_from(n).ok()
    }

    fn scenario(&mut self, raw: RawScenario) -> Scenario {
        match &raw.version {
            None => self.err(
                0..0,
                "missing `version`",
                "the file starts here",
                Some(format!("start the file with `version = {VERSION}`")),
            ),
            Some(v) if *v.get_ref() != VERSION => self.err(
                v.span(),
                format!("unsupported scenario version {}", v.get_ref()),
                "unknown version",
                Some(format!("this payterm reads version {VERSION}")),
            ),
            Some(_) => {}
        }
        let name = match &raw.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().trim().to_owned(),
            Some(n) => {
                self.err(
                    n.span(),
                    "the name is empty",
                    "empty",
                    Some("say what the scenario shows, in a sentence".into()),
                );
                String::new()
            }
            None => {
                self.err(
                    0..0,
                    "missing `name`",
                    "the file starts here",
                    Some("add `name = \"what this scenario shows\"`".into()),
                );
                String::new()
            }
        };
        let surfaces = self.surfaces(&raw);
        let rules = self.rules(&raw, &surfaces);
        let timing = Timing {
            deadline: raw
                .deadline
                .as_ref()
                .and_then(|d| self.positive_duration(d, "deadline"))
                .unwrap_or(VirtualDuration::secs(300)),
            patience: raw
                .patience
                .as_ref()
                .and_then(|d| self.positive_duration(d, "patience"))
                .unwrap_or(VirtualDuration::secs(300)),
            min_poll_interval: raw
                .min_poll_interval
                .as_ref()
                .and_then(|d| self.non_negative_duration(d, "min_poll_interval"))
                .unwrap_or(VirtualDuration::millis(500)),
        };
        let terminals = self.terminals(&raw);
        let host_totals = raw
            .terminals
            .iter()
            .filter_map(|t| {
                t.host_totals_differ_by
                    .filter(|by| *by != 0)
                    .map(|by| (crate::world::ids::Tid::from(t.tid.get_ref().trim()), by))
            })
            .collect();
        let stores = self.stores(&raw, &surfaces);
        let history = self.history(&raw, &terminals);
        let orders = self.orders(&raw, &surfaces, &terminals, timing);
        let customer = raw.customer.as_ref().map(|c| self.customer(c)).unwrap_or_default();
        let script = self.script(&raw.script, &orders, &terminals);
        Scenario {
            version: 1,
            name,
            description: raw.description,
            surfaces,
            rules,
            seed: raw.seed,
            timing,
            min_time_scale: raw.min_time_scale.as_ref().and_then(|s| self.time_scale(s)),
            tags: raw.tags,
            terminals,
            host_totals,
            stores,
            history,
            orders,
            customer,
            script,
        }
    }

    fn surfaces(&mut self, raw: &RawScenario) -> Vec<Surface> {
        let Some(list) = &raw.surfaces else {
            self.err(
                0..0,
                "missing `surfaces`",
                "the file starts here",
                Some("add e.g. `surfaces = [\"cloud\"]` (cloud, app2app, initiator)".into()),
            );
            return Vec::new();
        };
        if list.get_ref().is_empty() {
            self.err(
                list.span(),
                "`surfaces` is empty",
                "empty",
                Some("name at least one of `cloud`, `app2app`, `initiator`".into()),
            );
        }
        let mut out = Vec::new();
        for s in list.get_ref() {
            if let Some(surface) = self.choice(s, "surface", SURFACES) {
                if out.contains(&surface) {
                    self.err(s.span(), format!("surface `{}` is named twice", s.get_ref()), "again", None);
                }
                out.push(surface);
            }
        }
        out
    }

    fn rules(&mut self, raw: &RawScenario, surfaces: &[Surface]) -> Vec<&'static rules::Rule> {
        let Some(list) = &raw.rules else {
            self.err(
                0..0,
                "missing `rules`",
                "the file starts here",
                Some("name the rule IDs it targets, e.g. `rules = [\"HYPE-CREATED\"]` (see `payterm rules`)".into()),
            );
            return Vec::new();
        };
        if list.get_ref().is_empty() {
            self.err(
                list.span(),
                "`rules` is empty",
                "empty",
                Some("a scenario targets at least one rule (see `payterm rules`)".into()),
            );
        }
        let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
        let mut out = Vec::new();
        for id in list.get_ref() {
            let Some(rule) = rules::find(id.get_ref().trim()) else {
                self.err(
                    id.span(),
                    format!("unknown rule `{}`", id.get_ref()),
                    "not a rule ID",
                    Some(suggest::hint(&id.get_ref().to_ascii_uppercase(), &ids)),
                );
                continue;
            };
            let needs = match rule.area {
                RuleArea::InitiatorStatus | RuleArea::InitiatorFault => Some(Surface::Initiator),
                RuleArea::Cloud => Some(Surface::Cloud),
                RuleArea::Link => Some(Surface::App2app),
                RuleArea::Money | RuleArea::Integrity => None,
            };
            if let Some(needed) = needs.filter(|n| !surfaces.is_empty() && !surfaces.contains(n)) {
                let surface = SURFACES.iter().find(|(_, s)| *s == needed).map_or("?", |(n, _)| *n);
                self.err(
                    id.span(),
                    format!("rule {} is about the {surface} surface, which this scenario does not exercise", rule.id),
                    "wrong surface",
                    Some(format!("add `{surface}` to `surfaces`, or drop the rule")),
                );
            }
            out.push(rule);
        }
        out
    }

    fn orders(
        &mut self,
        raw: &RawScenario,
        surfaces: &[Surface],
        terminals: &[TerminalConfig],
        timing: Timing,
    ) -> Vec<Order> {
        if raw.orders.is_empty() {
            self.err(
                0..0,
                "a scenario needs at least one order",
                "the file starts here",
                Some("add an `[[orders]]` table with `id` and `operation`".into()),
            );
        }
        let mut out: Vec<Order> = Vec::new();
        // Looked up by id, so a file of many orders is read in time linear in them.
        let mut earlier: HashMap<String, usize> = HashMap::new();
        let mut references = HashSet::new();
        for o in &raw.orders {
            let order = self.order(o, surfaces, terminals, timing, (&out, &earlier));
            if earlier.contains_key(&order.id) {
                self.err(
                    o.id.span(),
                    format!("order `{}` is declared twice", order.id),
                    "again",
                    Some("order ids are unique".into()),
                );
            }
            if !references.insert(order.reference.clone()) {
                let span = o.reference.as_ref().map_or_else(|| o.id.span(), Spanned::span);
                self.err(
                    span,
                    format!("reference `{}` is used by two orders", order.reference),
                    "again",
                    Some("the judge attributes money to orders by reference, so each needs its own".into()),
                );
            }
            earlier.entry(order.id.clone()).or_insert(out.len());
            out.push(order);
        }
        out
    }

    fn order(
        &mut self,
        o: &RawOrder,
        surfaces: &[Surface],
        terminals: &[TerminalConfig],
        timing: Timing,
        earlier: (&[Order], &HashMap<String, usize>),
    ) -> Order {
        let id = o.id.get_ref().trim().to_owned();
        if id.is_empty() {
            self.err(o.id.span(), "an order id is empty", "empty", None);
        }
        let ops: Vec<(&str, Operation)> = Operation::ALL.iter().map(|op| (op.as_str(), *op)).collect();
        let known_operation = self.choice(&o.operation, "operation", &ops);
        let operation = known_operation.unwrap_or(Operation::Sale);
        let surface = self.order_surface(o, known_operation, surfaces);
        let tid = self.terminal_ref(o.tid.as_ref(), terminals);
        let terminal_currency = terminals.iter().find(|t| t.tid == tid).map_or(Currency::CZK, |t| t.currency);
        let default_currency = if surface == Surface::Initiator { Currency::UZS } else { terminal_currency };
        let amount = o.amount.as_ref().and_then(|a| self.positive(a, "amount"));
        match (known_operation, &o.amount) {
            (Some(Operation::Sale | Operation::Invoice), None) => {
                self.err(
                    o.id.span(),
                    format!("order `{id}` ({}) has no amount", operation.as_str()),
                    "needs `amount`",
                    Some("add `amount = 1250` (minor units; tiyin for invoices)".into()),
                );
            }
            (Some(Operation::CloseBatch), Some(a)) => {
                self.err(a.span(), "a close_batch order takes no amount", "not used", None)
            }
            _ => {}
        }
        let reference =
            o.reference.as_ref().map_or_else(|| default_reference(&id, surface), |r| r.get_ref().trim().to_owned());
        if let Some(r) = &o.reference {
            let text = r.get_ref().trim();
            let ok = match surface {
                Surface::Cloud | Surface::App2app => {
                    !text.is_empty() && text.len() <= 20 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
                }
                Surface::Initiator => !text.is_empty() && text.len() <= 64 && !text.chars().any(char::is_control),
            };
            if !ok {
                self.err(
                    r.span(),
                    format!("invalid reference `{text}`"),
                    "not a reference",
                    Some("up to 20 ASCII letters, digits and spaces, as the Cloud API's originReferenceNum takes (an invoice id: up to 64 characters)".into()),
                );
            }
        }
        let void_target = self.void_target(o, operation, earlier);
        Order {
            id,
            operation,
            surface,
            tid,
            amount,
            tip: o.tip,
            currency: o.currency.as_ref().and_then(|c| self.currency(c)).unwrap_or(default_currency),
            method: o.method.as_ref().and_then(|m| self.method(m)).unwrap_or(PaymentMethod::Card),
            reference,
            void_target,
            at: o.at.as_ref().and_then(|a| self.non_negative_duration(a, "at")).unwrap_or_default(),
            deadline: o
                .deadline
                .as_ref()
                .and_then(|d| self.positive_duration(d, "deadline"))
                .unwrap_or(timing.deadline),
            print_by_payment_app: o.print_by_payment_app,
        }
    }

    fn order_surface(&mut self, o: &RawOrder, operation: Option<Operation>, surfaces: &[Surface]) -> Surface {
        let surface = match &o.surface {
            Some(s) => {
                let surface = self.choice(s, "surface", SURFACES).unwrap_or(Surface::Cloud);
                if !surfaces.is_empty() && !surfaces.contains(&surface) {
                    self.err(
                        s.span(),
                        format!("surface `{}` is not among the scenario's surfaces", s.get_ref()),
                        "not declared",
                        Some("add it to `surfaces` at the top".into()),
                    );
                }
                surface
            }
            None if operation == Some(Operation::Invoice) => Surface::Initiator,
            None if surfaces.len() == 1 => surfaces[0],
            None => {
                let without_initiator: Vec<Surface> =
                    surfaces.iter().copied().filter(|s| *s != Surface::Initiator).collect();
                if let [only] = without_initiator.as_slice() {
                    *only
                } else {
                    self.err(
                        o.id.span(),
                        "this order does not say its surface",
                        "which surface?",
                        Some("add `surface = \"cloud\"` (or app2app, initiator): the scenario has several".into()),
                    );
                    Surface::Cloud
                }
            }
        };
        let Some(operation) = operation else { return surface };
        let fits = match operation {
            Operation::Invoice => surface == Surface::Initiator,
            _ => surface != Surface::Initiator,
        };
        if !fits {
            self.err(
                o.operation.span(),
                format!("operation `{}` does not exist on the {} surface", operation.as_str(), surface.as_str()),
                "wrong surface",
                Some(
                    "invoices go through the initiator; sales, voids and close batches through cloud or app2app".into(),
                ),
            );
        }
        surface
    }

    fn void_target(
        &mut self,
        o: &RawOrder,
        operation: Operation,
        (earlier, by_id): (&[Order], &HashMap<String, usize>),
    ) -> Option<VoidTarget> {
        match (operation, &o.ams_id, &o.of) {
            (Operation::Void, Some(a), None) => Some(VoidTarget::AmsId(a.get_ref().trim().to_owned())),
            (Operation::Void, None, Some(of)) => {
                let name = of.get_ref().trim();
                match by_id.get(name).and_then(|&i| earlier.get(i)) {
                    Some(p) if p.operation == Operation::Sale => Some(VoidTarget::Order(name.to_owned())),
                    Some(_) => {
                        self.err(of.span(), format!("order `{name}` is not a sale"), "not a sale", None);
                        None
                    }
                    None => {
                        let names: Vec<&str> = earlier.iter().map(|p| p.id.as_str()).collect();
                        self.err(
                            of.span(),
                            format!("no earlier order `{name}`"),
                            "unknown order",
                            Some(suggest::hint(name, &names)),
                        );
                        None
                    }
                }
            }
            (Operation::Void, Some(a), Some(_)) => {
                self.err(a.span(), "a void names either `ams_id` or `of`, not both", "one too many", None);
                None
            }
            (Operation::Void, None, None) => {
                self.err(
                    o.id.span(),
                    "a void order needs `ams_id` (a history sale) or `of` (an earlier sale order)",
                    "what to void?",
                    None,
                );
                None
            }
            (_, Some(a), _) => {
                self.err(a.span(), "only void orders take `ams_id`", "not used", None);
                None
            }
            (_, None, Some(of)) => {
                self.err(of.span(), "only void orders take `of`", "not used", None);
                None
            }
            (_, None, None) => None,
        }
    }
}

/// The reference an order gets when it names none, valid on its surface: `REF o1` for the
/// Cloud API and deep links (letters, digits, spaces), `REF-o1` for an invoice id.
fn default_reference(id: &str, surface: Surface) -> String {
    let plain: String = id.chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    match surface {
        Surface::Initiator => format!("REF-{id}"),
        Surface::Cloud | Surface::App2app => format!("REF {plain}"),
    }
}
