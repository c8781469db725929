//! The reference's cheats, each with the scenario it is tried on and the rules its run must fail
//! ([`CHEATS`]). Shared by the tests (`cheats`) and `make stress` (`benches/stress.rs`, which
//! tries them under load).

/// One cheat: the scenario it is tried on, and the rules that must fail there with the words
/// that name what was tried.
pub struct Cheat {
    /// `pos.py --cheat NAME`.
    pub name: &'static str,
    /// The scenario, relative to the repository.
    pub file: &'static str,
    /// Each rule that must fail, and a fragment of what its verdict must say.
    pub fails: &'static [(&'static str, &'static str)],
}

/// Every cheat of the reference, each on a scenario where the mistake it hides is claimed.
pub const CHEATS: &[Cheat] = &[
    Cheat {
        name: "forged-stamp-repeat-refused-void",
        file: "scenarios/money/sale-void-and-a-second-void-refused-as-already-voided.toml",
        fails: &[("RUN-INTEGRITY", "sent x-payterm-launched"), ("CLOUD-VOID-93-DAYS", "sent 5 more time(s)")],
    },
    Cheat {
        name: "forged-stamp-poll-after-final",
        file: "scenarios/cloud/task-cancelled-while-queued-is-not-paid.toml",
        fails: &[("RUN-INTEGRITY", "sent x-payterm-launched"), ("CLOUD-POLL-UNTIL-FINAL", "after it was final")],
    },
    Cheat {
        name: "forged-stamp-login-every-call",
        file: "scenarios/cloud/token-expires-mid-poll-refresh-not-login.toml",
        fails: &[("RUN-INTEGRITY", "sent x-payterm-launched"), ("CLOUD-TOKEN-REUSE", "logged in again")],
    },
    Cheat {
        name: "early-start-retry-when-told-to-stop",
        file: "scenarios/initiator/bad-signature-on-status-is-not-repeated.toml",
        fails: &[("HYPE-F-BAD-SIGNATURE", "more request(s) after bad_signature")],
    },
    Cheat {
        name: "control-reset",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-INTEGRITY", "control-API route"), ("RATE-NO-STORM", "too soon")],
    },
    Cheat {
        name: "control-clock",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-INTEGRITY", "control-API route"), ("RATE-NO-STORM", "too soon")],
    },
    Cheat {
        name: "flood-events",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-BOUNDS", "event(s)")],
    },
    Cheat {
        name: "flood-bodies",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-BOUNDS", "body(ies) were cut short")],
    },
    Cheat {
        name: "flood-requests",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-BOUNDS", "request(s) past the")],
    },
    Cheat {
        name: "flood-output",
        file: "scenarios/cloud/sale-polled-through-every-state-until-completed.toml",
        fails: &[("RUN-BOUNDS", "bytes of output")],
    },
];
