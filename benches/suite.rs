//! [`measure`]: the built-in suite against the reference integration, timed the way a user runs
//! it (`payterm run --jobs N` on the release binary cargo built for this bench), with the
//! default jobs and a sweep of jobs from 1 to 16.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::report::{Figure, Target};

/// The jobs the sweep tries: `payterm run` waits on integrations and virtual time far more
/// than it computes, so more jobs than cores may pay.
pub const SWEEP: [usize; 5] = [1, 2, 4, 8, 16];

/// The timed runs of the whole suite.
pub struct SuiteTimes {
    /// Scenarios in the built-in suite.
    pub scenarios: usize,
    /// Wall time at each jobs of [`SWEEP`], in order.
    pub sweep: Vec<(usize, Duration)>,
    /// Wall time with the default jobs, as `payterm run` runs with no options.
    pub default: Duration,
}

impl SuiteTimes {
    /// The figures: the default's wall time, each jobs' wall time, and each jobs' scenarios per
    /// second against jobs 1's (the same run's baseline).
    pub fn figures(&self) -> Vec<Figure> {
        let rate = |d: Duration| self.scenarios as f64 / d.as_secs_f64().max(1e-9);
        let mut figures = vec![
            Figure::plain("suite.reference.wall_default_jobs", self.default.as_secs_f64(), "s")
                .target(Target::ValueBelow(30.0)),
        ];
        let base = self.sweep.first().map(|(_, d)| *d).unwrap_or_default();
        for (jobs, wall) in &self.sweep {
            figures.push(Figure::plain(&format!("suite.reference.wall_jobs{jobs}"), wall.as_secs_f64(), "s"));
            if *jobs > 1 {
                figures.push(Figure::against(
                    &format!("suite.reference.rate_jobs{jobs}"),
                    rate(*wall),
                    "scen/s",
                    rate(base),
                ));
            }
        }
        figures
    }
}

/// Runs the suite with the default jobs, then with each jobs of [`SWEEP`], at the default time
/// scale (0.01), and says which jobs was fastest.
pub fn measure() -> SuiteTimes {
    let scenarios = payterm::runner::builtin::SUITE.len();
    println!(
        "suite: the built-in suite ({scenarios} scenarios) against the reference integration, `payterm run --jobs N`"
    );
    let default = run(None);
    let sweep: Vec<(usize, Duration)> = SWEEP.iter().map(|&j| (j, run(Some(j)))).collect();
    if let Some((jobs, wall)) = sweep.iter().min_by_key(|(_, d)| *d) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "  fastest: --jobs {jobs} ({:.1} s) on {cores} core(s); the default is {} ({:.1} s)",
            wall.as_secs_f64(),
            payterm::cli::default_jobs(),
            default.as_secs_f64()
        );
    }
    SuiteTimes { scenarios, sweep, default }
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
