//! Every claim of the built-in scenarios proven (issue 13, "every claim proven"). A scenario's
//! comments say which mistakes it catches, one claim each:
//!
//! ```text
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>]
//! # Caught: <what the mistake does> [mistake: <name> -> <RULE-ID>; also <RULE-ID>, <RULE-ID>]
//! ```
//!
//! A claim may wrap over several comment lines; the bracket ends it. `<name>` is a mistake of
//! the reference integration (`python3 examples/reference-python/pos.py --mistake <name>`
//! makes exactly that one), `<RULE-ID>` the rule it fails there, and the rules after `also`
//! the collateral the same mistake unavoidably breaks. These tests parse every claim, then run
//! each mistake once over the scenarios that name it, through the real binary, and check that
//! the named rule fails in each and no rule outside the claim's collateral does. The parser
//! and the proof are shared with `reference_node`, which proves the Node.js reference's
//! mistakes the same way (`support::claims`).

use std::collections::BTreeSet;
use std::path::Path;

use payterm::judge::rules::RULES;

use crate::support::cheat_table::CHEATS;
use crate::support::claims::{Claim, Reference, parse, prove_all, suite_claims};

/// How many mistakes run at once (each runs its scenarios two at a time).
const AT_ONCE: usize = 2;

/// Every claim of every scenario; panics naming each file and line that is wrong.
fn all_claims() -> Vec<Claim> {
    let known = Reference::PYTHON.mistakes();
    let (claims, mut problems) = suite_claims();
    for claim in &claims {
        if !known.contains_key(&claim.mistake) {
            problems.push(format!(
                "{}: unknown mistake {:?} (`python3 examples/reference-python/pos.py --mistake list` lists them)",
                claim.at(),
                claim.mistake
            ));
        }
    }
    assert!(problems.is_empty(), "{} problem(s) with the scenarios' claims:\n{}", problems.len(), problems.join("\n"));
    claims
}

#[test]
fn the_claim_grammar_is_read_as_written() {
    let source = "# A correct integration…\n\
                  # Caught: one line [mistake: poll-after-final -> CLOUD-POLL-UNTIL-FINAL]\n\
                  # Caught: a claim that wraps\n\
                  # over lines [mistake: task-state-is-payment -> CLOUD-TASK-NOT-PAYMENT; also\n\
                  # MONEY-TRUTHFUL-OUTCOME, MONEY-NO-LOST-PAYMENT]\n\
                  # Caught: no bracket at all\n\
                  \n\
                  # Caught: a bracket cut short [mistake: x]\n\
                  # Caught: an unknown rule [mistake: x -> NO-SUCH-RULE]\n";
    let (claims, problems) = parse("scenarios/x.toml", source);
    let read: Vec<(usize, &str, &str, &str, Vec<&str>)> = claims
        .iter()
        .map(|c| {
            (c.line, c.text.as_str(), c.mistake.as_str(), c.rule.as_str(), c.also.iter().map(String::as_str).collect())
        })
        .collect();
    assert_eq!(
        read,
        [
            (2, "one line", "poll-after-final", "CLOUD-POLL-UNTIL-FINAL", vec![]),
            (
                3,
                "a claim that wraps over lines",
                "task-state-is-payment",
                "CLOUD-TASK-NOT-PAYMENT",
                vec!["MONEY-TRUTHFUL-OUTCOME", "MONEY-NO-LOST-PAYMENT"]
            ),
            (9, "an unknown rule", "x", "NO-SUCH-RULE", vec![]),
        ]
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("scenarios/x.toml:6: a `Caught:` claim without a well-formed bracket"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("scenarios/x.toml:8: a `Caught:` claim without a well-formed bracket"),
        "{problems:#?}"
    );
    assert!(problems[2].starts_with("scenarios/x.toml:9: unknown rule NO-SUCH-RULE"), "{problems:#?}");
}

#[test]
fn every_claim_is_well_formed_and_names_a_known_mistake_and_rule() {
    let claims = all_claims();
    assert!(claims.len() >= 50, "only {} claims found", claims.len());
}

/// Every rule is proven by a planted mistake's claim, or — for what the judge may believe,
/// which no honest mistake breaks — by a planted cheat (`cheats`).
#[test]
fn every_rule_is_proven_by_at_least_one_claim_or_cheat() {
    let mut claimed: BTreeSet<String> = all_claims().into_iter().map(|c| c.rule).collect();
    claimed.extend(CHEATS.iter().flat_map(|c| c.fails.iter().map(|(rule, _)| (*rule).to_owned())));
    let unproven: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !claimed.contains(*id)).collect();
    assert!(unproven.is_empty(), "rules no claim or cheat proves: {unproven:?}");
}

#[test]
fn each_mistake_fails_the_rule_its_claims_name_and_nothing_outside_their_collateral() {
    let claims = all_claims();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("claims");
    let started = std::time::Instant::now();
    let problems = prove_all(Reference::PYTHON, claims, AT_ONCE, &dir);
    eprintln!("claims: every mistake run in {:.1?}", started.elapsed());
    assert!(problems.is_empty(), "{} claim(s) not proven:\n\n{}", problems.len(), problems.join("\n\n"));
}
