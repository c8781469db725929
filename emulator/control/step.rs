//! `POST /clock/step`: a paused clock moved exactly to the served script's next timed event
//! (an operator's action, a clock jump, a token expiry, a customer's action, the end of a
//! timed status or task step), which then fires; the answer says what it was.

use http::StatusCode;

use super::progress::stepped_json;
use super::snapshot;
use crate::http::{ApiError, Reply, json};
use crate::surfaces::sim::{Sim, StepRefusal, Stepped};

/// `POST /clock/step`.
pub(super) fn step(sim: &Sim) -> Result<Reply, ApiError> {
    let stepped = sim.step_script(snapshot::of).map_err(|e| {
        let (code, hint) = match e {
            StepRefusal::NoScenario => {
                ("NO_SCENARIO", "load one with POST /scenario, or start with payterm serve --scenario FILE")
            }
            StepRefusal::ClockRunning => ("CLOCK_RUNNING", "pause the clock first: POST /clock/pause"),
            StepRefusal::NothingDue => (
                "NOTHING_DUE",
                "what comes next waits for the integration's requests or the customer; POST /clock/advance moves the clock by a duration",
            ),
        };
        ApiError::new(StatusCode::CONFLICT, code, format!("{e}\n(hint: {hint})"))
    })?;
    let (Some(before), Some(after)) = (stepped.before, stepped.after) else {
        let message = "the served script is not one payterm's script engine runs";
        return Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", message));
    };
    let stepped = Stepped { before, due: stepped.due, after, events: stepped.events };
    Ok(json(StatusCode::OK, &stepped_json(&stepped)))
}
