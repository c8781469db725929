//! Rendering a [`GenScenario`] as a scenario file, in exactly the format
//! `docs/src/scenarios.md` documents, so `payterm run` reads back what was generated.

use std::fmt::Write as _;

use super::model::{Answer, GenScenario, Hold, HttpFault, Step};
use crate::world::ledger::Surface;

impl GenScenario {
    /// The scenario file's text, targeting every rule of its surfaces (what a run is judged on).
    pub fn to_toml(&self) -> String {
        self.render(&self.rules())
    }

    /// The scenario file of a find: targeting only `rule`, the one it proves broken, so that once
    /// the bug is fixed it passes again instead of coming back inconclusive on rules it never set
    /// out to exercise.
    pub fn to_toml_proving(&self, rule: &str) -> String {
        self.render(&[rule])
    }

    fn render(&self, targets: &[&str]) -> String {
        let mut t = String::new();
        let kinds: Vec<&str> = self.orders.iter().map(|o| o.operation()).collect();
        let _ = writeln!(t, "version = 1");
        let _ = writeln!(
            t,
            "name = \"explored: seed {} run {}, {} order(s) ({})\"",
            self.seed,
            self.run,
            self.orders.len(),
            kinds.join(", ")
        );
        let surfaces: Vec<String> = self.surfaces().iter().map(|s| format!("\"{}\"", s.as_str())).collect();
        let _ = writeln!(t, "surfaces = [{}]", surfaces.join(", "));
        let rules: Vec<String> = targets.iter().map(|r| format!("\"{r}\"")).collect();
        let _ = writeln!(t, "rules = [{}]", rules.join(", "));
        let _ = writeln!(t, "seed = {}", self.seed);
        let _ = writeln!(t, "deadline = \"{}s\"", self.deadline_s());
        let _ = writeln!(t, "patience = \"{}s\"", super::room::PATIENCE_S);
        let _ = writeln!(t, "tags = [\"explore\"]");
        if self.semi_integrated {
            let _ = write!(t, "\n[[terminals]]\ntid = \"999888\"\nmode = \"semi_integrated\"\n");
        }
        for o in &self.orders {
            let _ = write!(t, "\n[[orders]]\nid = \"{}\"\noperation = \"{}\"\n", o.id, o.operation());
            let _ = writeln!(t, "surface = \"{}\"", o.surface.as_str());
            let _ = writeln!(t, "amount = {}", o.amount);
            let _ = writeln!(t, "reference = \"{}\"", o.reference());
            if o.at_s > 0 {
                let _ = writeln!(t, "at = \"{}s\"", o.at_s);
            }
            if let Some(p) = o.print_by_payment_app {
                let _ = writeln!(t, "print_by_payment_app = {p}");
            }
        }
        let c = &self.customer;
        // Only invoices have a customer at the other end of a gateway URI.
        if self.orders.iter().any(|o| o.surface == Surface::Initiator) {
            let _ = write!(
                t,
                "\n[customer]\nopens_after = \"{}s\"\npays_after = \"{}s\"\ncompletes_after = \"{}s\"\ncompletes = \"{}\"\n",
                c.opens_after_s,
                c.pays_after_s,
                c.completes_after_s,
                if c.rejects { "reject" } else { "success" }
            );
            if let Some(r) = c.refunds_after_s {
                let _ = writeln!(t, "refunds_after = \"{r}s\"");
            }
        }
        // Each kind in its own array of tables, in the order the steps have within their kind.
        for kind in ["status", "task", "card", "http", "link", "tokens"] {
            for step in self.steps.iter().filter(|s| table_of(s) == kind) {
                let _ = write!(t, "\n[[script.{kind}]]\n");
                render_step(&mut t, step);
            }
        }
        t
    }
}

fn table_of(step: &Step) -> &'static str {
    match step {
        Step::Status { .. } => "status",
        Step::Task { .. } => "task",
        Step::Card { .. } => "card",
        Step::Http { .. } => "http",
        Step::Link { .. } => "link",
        Step::Tokens { .. } => "tokens",
    }
}

fn render_hold(t: &mut String, hold: Hold) {
    let _ = match hold {
        Hold::Polls(n) => writeln!(t, "polls = {n}"),
        Hold::Secs(s) => writeln!(t, "hold = \"{s}s\""),
        Hold::UntilOpens => writeln!(t, "until = \"customer.opens\""),
        Hold::UntilPays => writeln!(t, "until = \"customer.pays\""),
        Hold::UntilCompletes => writeln!(t, "until = \"customer.completes\""),
        Hold::Forever => Ok(()),
    };
}

fn render_step(t: &mut String, step: &Step) {
    match step {
        Step::Status { order, answer, hold } => {
            let _ = writeln!(t, "order = \"{order}\"");
            let _ = match answer {
                Answer::Status(s) => writeln!(t, "status = \"{s}\""),
                Answer::Fault(f) => writeln!(t, "fault = \"{f}\""),
            };
            render_hold(t, *hold);
        }
        Step::Task { order, state, hold, outcome, captured } => {
            let _ = writeln!(t, "order = \"{order}\"\nstate = \"{state}\"");
            render_hold(t, *hold);
            if let Some(o) = outcome {
                let _ = writeln!(t, "outcome = \"{o}\"");
            }
            if *captured {
                let _ = writeln!(t, "captured = true");
            }
        }
        Step::Card { outcome, after_s } => {
            let _ = writeln!(t, "outcome = \"{outcome}\"\nafter = \"{after_s}s\"");
        }
        Step::Http { matcher, from, times, fault, after_acting } => {
            let _ = writeln!(t, "match = \"{matcher}\"\nfrom = {from}\ntimes = {times}");
            let _ = match fault {
                HttpFault::Status(code, retry) => {
                    let retry = retry.map(|r| format!("\nretry_after = \"{r}s\"")).unwrap_or_default();
                    writeln!(t, "fault = \"status\"\nstatus = {code}{retry}")
                }
                HttpFault::Reset => writeln!(t, "fault = \"reset\""),
                HttpFault::Hang => writeln!(t, "fault = \"hang\""),
                HttpFault::Truncate => writeln!(t, "fault = \"truncate\""),
                HttpFault::MalformedJson => writeln!(t, "fault = \"malformed_json\""),
                HttpFault::Delay(d) => writeln!(t, "fault = \"delay\"\ndelay = \"{d}s\""),
                HttpFault::SlowDrip(d) => writeln!(t, "fault = \"slow_drip\"\ndelay = \"{d}s\""),
            };
            let when = if *after_acting { "after_acting" } else { "before_acting" };
            let _ = writeln!(t, "when = \"{when}\"");
        }
        Step::Link { order, error } => {
            let _ = writeln!(t, "order = \"{order}\"");
            let _ = match error {
                Some(e) => writeln!(t, "status = \"ERROR\"\nerror = \"{e}\""),
                None => writeln!(t, "status = \"CANCELLED\""),
            };
        }
        Step::Tokens { at_s } => {
            let _ = writeln!(t, "at = \"{at_s}s\"");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_find_targets_only_the_rule_it_proves_and_still_reads_back() {
        let generated = super::super::generate::generate(1, 11);
        let text = generated.to_toml_proving("HYPE-IN-PROCESS");
        assert!(text.contains("rules = [\"HYPE-IN-PROCESS\"]\n"), "{text}");
        let scenario = crate::scenario::parse("find.toml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(scenario.rules.iter().map(|r| r.id).collect::<Vec<_>>(), ["HYPE-IN-PROCESS"]);
        assert!(generated.to_toml().contains("\"RATE-NO-STORM\""), "a run is still judged on every rule");
    }
}
