//! [`measure`]: the built-in suite against the reference integration, timed the way a user runs
//! it (`payterm run --jobs N` on the release binary cargo built for this bench), with the
//! default jobs and a sweep of jobs from 1 to 16, and payterm's own CPU time per scenario.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
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
    /// payterm's own CPU time (its threads, not the integrations it runs) in that run.
    pub default_cpu: Duration,
}

impl SuiteTimes {
    /// The figures: the default's wall time, each jobs' wall time, and each jobs' scenarios per
    /// second against jobs 1's (the same run's baseline).
    pub fn figures(&self) -> Vec<Figure> {
        let rate = |d: Duration| self.scenarios as f64 / d.as_secs_f64().max(1e-9);
        let mut figures = vec![
            Figure::plain("suite.reference.wall_default_jobs", self.default.as_secs_f64(), "s")
                .target(Target::ValueBelow(30.0)),
            Figure::plain(
                "suite.reference.payterm_cpu_per_scenario",
                self.default_cpu.as_secs_f64() * 1000.0 / self.scenarios.max(1) as f64,
                "ms",
            ),
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
    let (default, default_cpu) = run(None);
    println!(
        "  payterm's own CPU time: {:.2} s for {scenarios} scenarios ({:.1} ms a scenario; the integrations' not counted)",
        default_cpu.as_secs_f64(),
        default_cpu.as_secs_f64() * 1000.0 / scenarios.max(1) as f64
    );
    let sweep: Vec<(usize, Duration)> = SWEEP.iter().map(|&j| (j, run(Some(j)).0)).collect();
    if let Some((jobs, wall)) = sweep.iter().min_by_key(|(_, d)| *d) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "  fastest: --jobs {jobs} ({:.1} s) on {cores} core(s); the default is {} ({:.1} s)",
            wall.as_secs_f64(),
            payterm::cli::default_jobs(),
            default.as_secs_f64()
        );
    }
    SuiteTimes { scenarios, sweep, default, default_cpu }
}

/// One `payterm run --jobs N`, in a scratch folder so no manifest is picked up and the run's
/// `.payterm/last-run.json` lands outside the repository: its wall time and payterm's own CPU
/// time, read from `/proc` while it runs (zero where there is no `/proc`).
fn run(jobs: Option<usize>) -> (Duration, Duration) {
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
    let mut child = command
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to start {payterm}: {e}"));
    let pipe = |mut p: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = p.read_to_end(&mut bytes);
            bytes
        })
    };
    let out = pipe(Box::new(child.stdout.take().expect("piped stdout")));
    let err = pipe(Box::new(child.stderr.take().expect("piped stderr")));
    // The last reading before the process exits: at most one interval of CPU goes unseen.
    let mut cpu = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("payterm run can be waited for") {
            break status;
        }
        cpu = own_cpu(child.id()).unwrap_or(cpu);
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = started.elapsed();
    let output =
        std::process::Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() };
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
    (wall, cpu)
}

/// The CPU time process `pid` has used in its own threads (user and system; its children's are
/// not counted), from `/proc/<pid>/stat`.
fn own_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields that follow start after its closing `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line; here, after the name and state, 11 and 12.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second()))
}

/// `getconf CLK_TCK`, 100 where it cannot be read (the value on every Linux this runs on).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn scratch(jobs: usize) -> PathBuf {
    std::env::temp_dir().join(format!("payterm-bench-suite-{}-jobs{jobs}", std::process::id()))
}
