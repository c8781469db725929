//! [`measure`]: the built-in suite against the reference integration, timed the way a user runs
//! it (`payterm run --jobs N` on the release binary cargo built for this bench), with the
//! default jobs (twice the cores), jobs 1 and jobs 2.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::report::{Figure, Target};

/// The two timed runs of the whole suite.
pub struct SuiteTimes {
    /// Scenarios in the built-in suite.
    pub scenarios: usize,
    /// Wall time with `--jobs 1`.
    pub jobs1: Duration,
    /// Wall time with `--jobs 2`.
    pub jobs2: Duration,
    /// Wall time with the default jobs, as `payterm run` runs with no options.
    pub default: Duration,
}

impl SuiteTimes {
    /// The figures: jobs 1's wall time, and jobs 2's scenarios per second against jobs 1's.
    pub fn figures(&self) -> Vec<Figure> {
        let rate = |d: Duration| self.scenarios as f64 / d.as_secs_f64().max(1e-9);
        vec![
            Figure::plain("suite.reference.wall_default_jobs", self.default.as_secs_f64(), "s")
                .target(Target::ValueBelow(30.0)),
            Figure::plain("suite.reference.wall_jobs1", self.jobs1.as_secs_f64(), "s"),
            Figure::against("suite.reference.rate_jobs2", rate(self.jobs2), "scen/s", rate(self.jobs1)),
        ]
    }
}

/// Runs the suite with the default jobs, jobs 1 and jobs 2, at the default time scale (0.01).
pub fn measure() -> SuiteTimes {
    let scenarios = payterm::runner::builtin::SUITE.len();
    println!(
        "suite: the built-in suite ({scenarios} scenarios) against the reference integration, `payterm run --jobs N`"
    );
    SuiteTimes { scenarios, default: run(None), jobs1: run(Some(1)), jobs2: run(Some(2)) }
}

/// One `payterm run --jobs N`, in a scratch folder so no manifest is picked up and the run's
/// `.payterm/last-run.json` lands outside the repository.
fn run(jobs: Option<usize>) -> Duration {
    let dir = scratch(jobs.unwrap_or(0));
    std::fs::create_dir_all(&dir).expect("the scratch folder for the suite run is writable");
    let payterm = env!("CARGO_BIN_EXE_payterm");
    let started = Instant::now();
    let mut command = Command::new(payterm);
    command.arg("run");
    if let Some(jobs) = jobs {
        command.args(["--jobs", &jobs.to_string()]);
    }
    let jobs = jobs.map_or_else(|| "default".to_owned(), |j| j.to_string());
    let output = command.current_dir(&dir).output().unwrap_or_else(|e| panic!("failed to start {payterm}: {e}"));
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().rev().find(|l| l.contains("scenarios:")).unwrap_or("(no summary line)");
    println!("  jobs {jobs}: {:.1} s wall; {summary}", wall.as_secs_f64());
    if !output.status.success() {
        // A failing run still takes time, but it is not the run the figure should describe.
        println!(
            "  !!! jobs {jobs}: payterm run exited with {:?}; the figure times a run that did not pass !!!",
            output.status.code()
        );
        for line in String::from_utf8_lossy(&output.stderr).lines().take(5) {
            println!("  | {line}");
        }
    }
    wall
}

fn scratch(jobs: usize) -> PathBuf {
    std::env::temp_dir().join(format!("payterm-bench-suite-{}-jobs{jobs}", std::process::id()))
}
