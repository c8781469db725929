//! The built-in suite's coverage: together the files under `scenarios/` target every rule,
//! script every initiator status and fault, every task state and request fault, use every
//! terminal mode, provoke every void refusal, and the book's rules page names
//! exactly the files that target each rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use payterm::judge::rules::{RULES, RuleArea};
use payterm::scenario::Scenario;
use payterm::scenario::model::{
    FaultKind, HistoryBatch, InitiatorFault, LinkStatus, Operation, StatusAnswer, VoidTarget, When,
};
use payterm::time::VirtualDuration;
use payterm::world::codes::PaymentMethod;
use payterm::world::invoice::InvoiceStatus;
use payterm::world::task::TaskState;
use payterm::world::terminal::TerminalMode;

/// The book's page that lists, under each rule, the built-in scenarios targeting it.
const RULES_PAGE: &str = "docs/src/rules.md";
/// The book's page about the suite, which names files as examples of what it covers.
const SUITE_PAGE: &str = "docs/src/builtin-suite.md";

fn book(page: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap()
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

/// Every built-in scenario, by its path relative to `scenarios/` (forward slashes).
fn suite() -> BTreeMap<String, Scenario> {
    let root = scenarios_dir();
    let mut paths = Vec::new();
    toml_files(&root, &mut paths);
    assert!(!paths.is_empty(), "no scenario files under {}", root.display());
    paths
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let scenario = payterm::scenario::load(&path).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
            (name, scenario)
        })
        .collect()
}

/// Fails with every item of `wanted` that no scenario covers, named by `what`.
fn assert_all_covered<T: std::fmt::Debug>(
    what: &str,
    wanted: impl IntoIterator<Item = T>,
    covered: impl Fn(&T) -> bool,
) {
    let missing: Vec<String> = wanted.into_iter().filter(|w| !covered(w)).map(|w| format!("{w:?}")).collect();
    assert!(missing.is_empty(), "no built-in scenario covers these {what}: {}", missing.join(", "));
}

fn fault_kind_name(kind: &FaultKind) -> &'static str {
    // Exhaustive on purpose: a new kind of request fault must be added to the suite too.
    match kind {
        FaultKind::Status { .. } => "status",
        FaultKind::Reset => "reset",
        FaultKind::Hang => "hang",
        FaultKind::Truncate => "truncate",
        FaultKind::MalformedJson => "malformed_json",
        FaultKind::SlowDrip(_) => "slow_drip",
        FaultKind::Delay(_) => "delay",
    }
}

const FAULT_KINDS: [&str; 7] = ["status", "reset", "hang", "truncate", "malformed_json", "slow_drip", "delay"];

fn terminal_modes() -> [TerminalMode; 3] {
    // The enum has no `ALL`; this match stops compiling when a mode is added, as a reminder.
    let _exhaustive = |mode: TerminalMode| match mode {
        TerminalMode::Automatic | TerminalMode::Assisted | TerminalMode::SemiIntegrated => (),
    };
    [TerminalMode::Automatic, TerminalMode::Assisted, TerminalMode::SemiIntegrated]
}

#[test]
fn every_rule_is_targeted_by_some_built_in_scenario() {
    // Arrange
    let suite = suite();

    // Act
    let targeted: BTreeSet<&str> = suite.values().flat_map(|s| s.rules.iter().map(|r| r.id)).collect();

    // Assert: what the judge may believe (RUN-*) is judged in every run and proven by the
    // reference's cheats (tests/cheats.rs), not targeted by a scenario.
    let targetable = RULES.iter().filter(|r| r.area != RuleArea::Integrity).map(|r| r.id);
    assert_all_covered("rules", targetable, |id| targeted.contains(id));
}

#[test]
fn every_initiator_status_is_answered_by_some_status_step() {
    // Arrange
    let suite = suite();

    // Act
    let answered: BTreeSet<&str> = suite
        .values()
        .flat_map(|s| s.script.status.iter())
        .filter_map(|st| match st.answer {
            StatusAnswer::Status(status) => Some(status.as_str()),
            StatusAnswer::Fault(_) => None,
        })
        .collect();

    // Assert
    let wanted = InvoiceStatus::ALL.map(InvoiceStatus::as_str);
    assert_all_covered("initiator statuses in a [[script.status]] step", wanted, |status| answered.contains(status));
}

#[test]
fn every_initiator_fault_is_scripted_or_arises_from_a_store() {
    // Arrange
    let suite = suite();

    // Act
    let mut answered: BTreeSet<&str> = suite
        .values()
        .flat_map(|s| s.script.status.iter())
        .filter_map(|st| match st.answer {
            StatusAnswer::Fault(fault) => Some(fault.as_str()),
            StatusAnswer::Status(_) => None,
        })
        .collect();
    if suite.values().any(|s| s.stores.iter().any(|st| !st.enrolled)) {
        answered.insert(InitiatorFault::BadSignature.as_str());
    }
    if suite.values().any(|s| s.stores.iter().any(|st| st.disabled)) {
        answered.insert(InitiatorFault::UserDisabled.as_str());
    }

    // Assert
    let wanted = InitiatorFault::ALL.map(InitiatorFault::as_str);
    assert_all_covered("initiator faults (in a status step, or from a store)", wanted, |fault| {
        answered.contains(fault)
    });
}

#[test]
fn bad_signature_and_user_disabled_also_arise_from_a_store() {
    // Arrange
    let suite = suite();

    // Act
    let not_enrolled = suite.values().any(|s| s.stores.iter().any(|st| !st.enrolled));
    let disabled = suite.values().any(|s| s.stores.iter().any(|st| st.disabled));

    // Assert
    assert!(not_enrolled, "no built-in scenario has a store with `enrolled = false` (bad_signature from the store)");
    assert!(disabled, "no built-in scenario has a store with `disabled = true` (user_disabled from the store)");
}

#[test]
fn the_initiator_program_fails_without_json_in_some_scenario() {
    // Arrange
    let suite = suite();

    // Act
    let no_json = suite.values().any(|s| {
        s.script.http.iter().any(|h| {
            h.matcher.matches("POST", "/hype/v1/status")
                && matches!(h.kind, FaultKind::Reset | FaultKind::MalformedJson | FaultKind::Truncate)
        })
    });

    // Assert
    assert!(
        no_json,
        "no built-in scenario breaks `POST /hype/v1/status` (reset, malformed_json or truncate) so that \
         the initiator program prints no JSON (HYPE-NO-JSON)"
    );
}

#[test]
fn every_task_state_is_shown_by_some_task_step() {
    // Arrange
    let suite = suite();

    // Act
    let shown: BTreeSet<&str> = suite.values().flat_map(|s| s.script.tasks.iter().map(|t| t.state.as_str())).collect();

    // Assert
    assert_all_covered("task states in a [[script.task]] step", TaskState::ALL.map(TaskState::as_str), |state| {
        shown.contains(state)
    });
}

#[test]
fn every_terminal_mode_is_used_by_some_terminal() {
    // Arrange
    let suite = suite();

    // Act
    let used: BTreeSet<&str> = suite.values().flat_map(|s| s.terminals.iter().map(|t| t.mode.as_str())).collect();

    // Assert
    assert_all_covered("terminal modes", terminal_modes().map(TerminalMode::as_str), |mode| used.contains(mode));
}

#[test]
fn every_request_fault_strikes_before_acting_and_resets_and_truncations_also_after() {
    // Arrange
    let suite = suite();

    // Act
    let struck: BTreeSet<(&str, &str)> = suite
        .values()
        .flat_map(|s| s.script.http.iter())
        .map(|h| {
            let when = match h.when {
                When::BeforeActing => "before_acting",
                When::AfterActing => "after_acting",
            };
            (fault_kind_name(&h.kind), when)
        })
        .collect();
    let retry_after = suite
        .values()
        .flat_map(|s| s.script.http.iter())
        .any(|h| matches!(h.kind, FaultKind::Status { retry_after: Some(_), .. }));

    // Assert
    let wanted = FAULT_KINDS
        .iter()
        .map(|k| (*k, "before_acting"))
        .chain([("reset", "after_acting"), ("truncate", "after_acting")]);
    assert_all_covered("request faults (kind, when) in [[script.http]]", wanted, |pair| struck.contains(pair));
    assert!(retry_after, "no built-in scenario answers a request with a `status` fault carrying `retry_after`");
}

#[test]
fn every_void_refusal_is_provoked_by_some_scenario() {
    // Arrange
    let suite = suite();
    let window = VirtualDuration::days(93).as_millis();

    // Act
    let mut provoked: BTreeSet<&str> = BTreeSet::new();
    for s in suite.values() {
        let voids: Vec<_> = s.orders.iter().filter(|o| o.operation == Operation::Void).collect();
        let history_of = |target: &VoidTarget| match target {
            VoidTarget::AmsId(id) => s.history.iter().find(|h| h.ams_id.as_deref() == Some(id.as_str())),
            VoidTarget::Order(_) => None,
        };
        for void in &voids {
            let Some(target) = &void.void_target else { continue };
            match history_of(target) {
                Some(h) if h.method == PaymentMethod::Card && h.at.as_millis() < -window => {
                    provoked.insert("past 93 days (history)");
                }
                Some(h) if h.method == PaymentMethod::GoCrypto => {
                    provoked.insert("crypto");
                }
                Some(h) if h.method != PaymentMethod::Card && h.batch == HistoryBatch::Closed => {
                    provoked.insert("non-card sale in a closed batch");
                }
                Some(h) if h.tid != void.tid => {
                    provoked.insert("another TID");
                }
                None if matches!(target, VoidTarget::AmsId(_)) => {
                    provoked.insert("unknown sale");
                }
                _ => {}
            }
            if let VoidTarget::Order(sale) = target {
                let sale_at = s.orders.iter().find(|o| &o.id == sale).map_or(0, |o| o.at.as_millis());
                let jumped = s.script.clock.iter().any(|(at, by)| {
                    at.as_millis() > sale_at && void.at.as_millis() >= at.as_millis() && by.as_millis() > window
                });
                if jumped {
                    provoked.insert("past 93 days (clock jump)");
                }
            }
        }
        let targets: Vec<_> = voids.iter().filter_map(|v| v.void_target.as_ref()).collect();
        if targets.iter().enumerate().any(|(i, t)| targets[i + 1..].contains(t)) {
            provoked.insert("already voided");
        }
    }

    // Assert
    let wanted = [
        "past 93 days (history)",
        "past 93 days (clock jump)",
        "crypto",
        "another TID",
        "already voided",
        "unknown sale",
        "non-card sale in a closed batch",
    ];
    assert_all_covered("void refusals", wanted, |refusal| provoked.contains(refusal));
}

#[test]
fn the_test_amounts_and_a_failed_but_captured_sale_are_in_the_suite() {
    // Arrange
    let suite = suite();

    // Act
    let amounts: BTreeSet<u64> = suite
        .values()
        .flat_map(|s| s.orders.iter())
        .filter(|o| o.operation == Operation::Sale)
        .filter_map(|o| o.amount)
        .collect();
    let captured = suite.values().any(|s| s.script.tasks.iter().any(|t| t.captured));

    // Assert
    assert_all_covered("test amounts (1122 declined, 1123 timeout, 1124 exception)", [1122_u64, 1123, 1124], |a| {
        amounts.contains(a)
    });
    assert!(captured, "no built-in scenario has a FAILED task step with `captured = true`");
}

#[test]
fn tokens_expire_and_deep_links_are_cancelled_failed_and_printed_by_the_integration() {
    // Arrange
    let suite = suite();

    // Act
    let tokens = suite.values().any(|s| !s.script.token_expiry.is_empty());
    let cancelled = suite.values().any(|s| s.script.links.iter().any(|l| l.status == LinkStatus::Cancelled));
    let errors: BTreeSet<&str> = suite
        .values()
        .flat_map(|s| s.script.links.iter())
        .filter(|l| l.status == LinkStatus::Error)
        .filter_map(|l| l.error.as_deref())
        .collect();
    let receipt_by_integration = suite.values().any(|s| s.orders.iter().any(|o| o.print_by_payment_app == Some(false)));
    let close_batch = suite.values().any(|s| s.orders.iter().any(|o| o.operation == Operation::CloseBatch));

    // Assert
    assert!(tokens, "no built-in scenario expires the access tokens ([[script.tokens]])");
    assert!(cancelled, "no built-in scenario answers a deep link CANCELLED ([[script.link]])");
    assert_all_covered("deep-link ERROR reasons", ["userNotLoggedIn", "failedToCloseBatch"], |e| errors.contains(e));
    assert!(receipt_by_integration, "no built-in scenario orders `print_by_payment_app = false`");
    assert!(close_batch, "no built-in scenario closes a batch");
}

/// The rules page: rule ID → the files its "Built-in scenarios that target it" line names.
fn rules_page_table() -> BTreeMap<String, BTreeSet<String>> {
    let mut table = BTreeMap::new();
    let mut rule = None;
    for line in book(RULES_PAGE).lines() {
        if let Some(id) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            rule = Some(id.to_owned());
        } else if let Some(files) = line.strip_prefix("- **Built-in scenarios that target it:** ") {
            let files =
                files.split(',').map(|f| f.trim().trim_matches('`').to_owned()).filter(|f| f != "none").collect();
            table.insert(rule.take().unwrap_or_else(|| panic!("a file list under no rule: {line}")), files);
        }
    }
    table
}

#[test]
fn the_rules_page_lists_every_rule_with_exactly_the_files_that_target_it() {
    // Arrange
    let suite = suite();
    let table = rules_page_table();

    // Act
    let mut problems = Vec::new();
    for rule in RULES.iter().filter(|r| r.area != RuleArea::Integrity) {
        let targeting: BTreeSet<String> =
            suite.iter().filter(|(_, s)| s.rules.iter().any(|r| r.id == rule.id)).map(|(n, _)| n.clone()).collect();
        match table.get(rule.id) {
            None => problems.push(format!("{} has no list", rule.id)),
            Some(listed) => {
                for missing in targeting.difference(listed) {
                    problems.push(format!("{}: `{missing}` targets it but is not listed", rule.id));
                }
                for extra in listed.difference(&targeting) {
                    problems.push(format!("{}: `{extra}` is listed but does not target it", rule.id));
                }
            }
        }
    }
    for unknown in table.keys().filter(|k| payterm::judge::rules::find(k).is_none()) {
        problems.push(format!("the section `{unknown}` names no rule"));
    }

    // Assert
    assert!(problems.is_empty(), "{RULES_PAGE} is out of date (hint: make docs-gen):\n{}", problems.join("\n"));
}

#[test]
fn every_file_the_suite_page_names_exists() {
    // Arrange
    let page = book(SUITE_PAGE);

    // Act
    let named: BTreeSet<&str> = page.split('`').filter(|part| part.ends_with(".toml") && !part.contains(' ')).collect();
    let missing: Vec<&str> = named
        .iter()
        .copied()
        .filter(|f| f.contains('/') && !f.contains('…') && !scenarios_dir().join(f).is_file())
        .collect();

    // Assert
    assert!(named.len() > 20, "{SUITE_PAGE} names only {} scenario files", named.len());
    assert!(missing.is_empty(), "{SUITE_PAGE} names files that do not exist: {}", missing.join(", "));
}

/// A verdict no run can turn red is no verdict (issue 20, 3.2): every built-in scenario that
/// targets RATE-NO-STORM can fail it at the default scale.
#[test]
fn every_built_in_scenario_can_fail_the_timing_rule_it_targets_at_the_default_scale() {
    let blind: Vec<String> = suite()
        .iter()
        .filter_map(|(name, s)| payterm::judge::rate_cannot_fail(s, 0.01).map(|why| format!("{name}: {why}")))
        .collect();
    assert!(blind.is_empty(), "{}", blind.join("\n"));
}
