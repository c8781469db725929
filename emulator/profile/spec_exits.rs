//! The spec table of exit codes: `payterm`'s, which the initiator program shares.

use super::Source::Ours;
use super::origin::{OURS, OURS_INITIATOR};
use super::{SpecItem, item};

/// Its items.
pub(super) const ITEMS: &[SpecItem] = &[
    item(
        "exit codes",
        Ours,
        OURS_INITIATOR,
        &["diagnostics go to stderr, exit code non-zero"],
        "the initiator program exits non-zero on a fundamental failure, with no JSON on stdout",
        &[],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "0: passed, or the command did what it was asked (the initiator: the service answered)",
        &["exit:0"],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "1: a check failed: a scenario broke a rule or was inconclusive; a certificate did not verify, is not a certified one, or its authenticity was not checked; the demo saw an answer it did not expect",
        &["exit:1"],
    ),
    item("exit codes", Ours, OURS, &[], "2: the command line is wrong", &["exit:2"]),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "3: invalid input: a scenario file, a deep link with nothing to redirect to, an initiator document",
        &["exit:3"],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "4: setup failed (a file, a key, a config, a server that cannot be reached by payterm link)",
        &["exit:4"],
    ),
    item("exit codes", Ours, OURS, &[], "5: the mock cloud could not bind its port", &["exit:5"]),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "6: the initiator's service could not be reached or gave no initiator JSON",
        &["exit:6"],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "7: the initiator's service refused the document whatever the moment (422 DOCUMENT_REFUSED)",
        &["exit:7"],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "8: the initiator was run with a key whose user is not in the store's operator group (403 NOT_AN_OPERATOR)",
        &["exit:8"],
    ),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "9: payterm run selected nothing to run (a filter matched nothing, nothing to rerun, every scenario skipped)",
        &["exit:9"],
    ),
    item("exit codes", Ours, OURS, &[], "70: a bug in payterm", &["exit:70"]),
    item(
        "exit codes",
        Ours,
        OURS,
        &[],
        "130, 143: stopped by SIGINT or SIGTERM after ending the integrations and writing what finished",
        &["exit:130", "exit:143"],
    ),
];
