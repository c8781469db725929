//! `cargo bench --bench stress` (`make stress`): the judge raises no false alarm on a loaded
//! machine and still catches what it should. Beside busy loops on twice as many threads as the
//! machine has cores, the built-in suite runs `STRESS_RUNS` times (20) against the Python, Rust
//! and Node.js reference integrations, through the release `payterm run` at the default time
//! scale and `--jobs` (or `STRESS_JOBS`); any scenario not passed is a false alarm, counted and
//! shown with its evidence, never rerun. Under the same load the Python reference's planted
//! mistakes run over the scenarios whose `# Caught:` claims name them, and its cheats over
//! theirs: every claimed rule must fail. `STRESS_ONLY` (`python,rust,node,mistakes,cheats`)
//! picks parts. Prints the figures with the load average read throughout, writes them to
//! `target/bench/stress.json`, and exits 1 on any false alarm or missed catch.

#[path = "../tests/support/cheat_table.rs"]
mod cheat_table;
#[path = "../tests/support/claim_grammar.rs"]
mod claim_grammar;

#[path = "stress/busy.rs"]
mod busy;
#[path = "stress/catches.rs"]
mod catches;
#[path = "stress/suite.rs"]
mod suite;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use busy::{BusyLoops, Load, sampled};
use catches::Caught;
use suite::{Integration, SuiteRun, TIME_SCALE, run_suite};

/// The parts `STRESS_ONLY` may name, in the order they run.
const PARTS: [&str; 5] = ["python", "rust", "node", "mistakes", "cheats"];

/// What one integration's runs added up to.
struct Tally {
    name: &'static str,
    runs: Vec<SuiteRun>,
}

impl Tally {
    fn scenario_runs(&self) -> usize {
        self.runs.iter().map(|r| r.scenarios).sum()
    }

    fn alarms(&self) -> usize {
        self.runs.iter().map(|r| r.alarms.len()).sum()
    }

    fn load(&self) -> Load {
        let mut load = Load::default();
        for run in &self.runs {
            load.extend(&run.load);
        }
        load
    }

    fn wall_s(&self) -> f64 {
        self.runs.iter().map(|r| r.wall.as_secs_f64()).sum()
    }
}

fn main() {
    let runs: usize = env_or("STRESS_RUNS", 20);
    let jobs: Option<usize> = std::env::var("STRESS_JOBS").ok().map(|_| env_or("STRESS_JOBS", 0));
    assert!(runs >= 1 && jobs != Some(0), "STRESS_RUNS and STRESS_JOBS must be at least 1");
    let only = parts();
    let integrations = integrations(&only);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let dir = target().join("bench").join("stress");
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["runs", "mistakes", "cheats"] {
        std::fs::create_dir_all(dir.join(sub)).expect("target/bench/stress can be made");
    }
    println!(
        "payterm stress: the built-in suite {runs} time(s) against {} at time scale {TIME_SCALE}, --jobs {}; then {}; \
         beside busy loops on {} threads ({cores} core(s))",
        integrations.iter().map(|i| i.name).collect::<Vec<_>>().join(", "),
        jobs.map_or_else(|| "default".to_owned(), |j| j.to_string()),
        only.iter().filter(|p| ["mistakes", "cheats"].contains(p)).copied().collect::<Vec<_>>().join(" and "),
        2 * cores,
    );
    let before = busy::read();
    if let Some(r) = before {
        println!("  load average before the busy loops: {:.2} ({} runnable)", r.load1, r.runnable);
    }
    let started = Instant::now();
    // Finished at the end of the block, or dropped on a panic's unwinding: the loops never outlive the runs.
    let (tallies, mistakes, cheats, busy_cpu) = {
        let busy = BusyLoops::start(2 * cores);
        println!("  {} busy loops started", busy.len());
        let mut tallies: Vec<Tally> = integrations.iter().map(|i| Tally { name: i.name, runs: Vec::new() }).collect();
        // Integrations take turns, run by run, so each meets the same spread of the machine's load.
        for run in 1..=runs {
            for (integration, tally) in integrations.iter().zip(&mut tallies) {
                let report = dir.join("runs").join(format!("{}-{run}.json", integration.name));
                let done = run_suite(integration, run, jobs, &report);
                println!(
                    "run {run}/{runs} {:<6} {} scenario(s), {} false alarm(s){} in {:.1} s, load {}",
                    integration.name,
                    done.scenarios,
                    done.alarms.len(),
                    done.problem.as_ref().map_or(String::new(), |_| ", NO REPORT".to_owned()),
                    done.wall.as_secs_f64(),
                    done.load.shown()
                );
                for alarm in &done.alarms {
                    let rules: Vec<&str> = alarm.verdicts.iter().map(|v| v.rule.as_str()).collect();
                    println!("  false alarm: {} {} ({})", alarm.status, alarm.file, rules.join(", "));
                }
                tally.runs.push(done);
            }
        }
        let mistakes = only.contains(&"mistakes").then(|| {
            println!("mistakes: every claim's mistake over its scenarios…");
            let t = Instant::now();
            let (caught, load) = sampled(|| catches::mistakes(jobs, &dir.join("mistakes")));
            (caught, load, t.elapsed().as_secs_f64())
        });
        let cheats = only.contains(&"cheats").then(|| {
            println!("cheats: every cheat over its scenario…");
            let t = Instant::now();
            let (caught, load) = sampled(|| catches::cheats(jobs, &dir.join("cheats")));
            (Ok(caught), load, t.elapsed().as_secs_f64())
        });
        let busy_cpu = busy.finish();
        (tallies, mistakes, cheats, busy_cpu)
    };
    let wall = started.elapsed().as_secs_f64();
    if let Some(cpu) = busy_cpu {
        // Cores' worth the loops held on average: near the core count means they took their share.
        println!(
            "the busy loops had {:.0} CPU-seconds in {wall:.0} s: {:.2} cores' worth on average",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / wall
        );
    }
    let failed = print_figures(&tallies, mistakes.as_ref(), cheats.as_ref(), wall);
    let figures = json!({
        "runs": runs,
        "jobs": jobs,
        "time_scale": TIME_SCALE.parse::<f64>().unwrap_or(0.01),
        "cores": cores,
        "busy_threads": 2 * cores,
        "busy_cpu_s": busy_cpu.map(|d| d.as_secs_f64()),
        "load_before": before.map(|r| json!({"load1": r.load1, "runnable": r.runnable})),
        "wall_s": wall,
        "integrations": tallies.iter().map(tally_json).collect::<Vec<_>>(),
        "mistakes": mistakes.as_ref().map(catch_json),
        "cheats": cheats.as_ref().map(catch_json),
        "passed": !failed,
    });
    let out = target().join("bench").join("stress.json");
    match serde_json::to_string_pretty(&figures).map(|text| std::fs::write(&out, text + "\n")) {
        Ok(Ok(())) => println!("figures: {}; reports with a false alarm or a miss: {}", out.display(), dir.display()),
        Ok(Err(e)) => eprintln!("could not write {}: {e}", out.display()),
        Err(e) => eprintln!("could not render the figures: {e}"),
    }
    if failed {
        println!("the stress proof FAILED");
        std::process::exit(1);
    }
}

/// A phase of catches as run: what it caught (or why it could not run), the load, its seconds.
type Phase = (Result<Caught, String>, Load, f64);

/// Prints the tables and every false alarm and miss; whether anything failed.
fn print_figures(tallies: &[Tally], mistakes: Option<&Phase>, cheats: Option<&Phase>, wall: f64) -> bool {
    let mut failed = false;
    if !tallies.is_empty() {
        println!();
        println!(
            "| integration | runs | scenario runs | false alarms | load min/mean/max | runnable min/mean/max | wall |"
        );
        println!("|---|---|---|---|---|---|---|");
    }
    for t in tallies {
        let (rmin, rmean, rmax) = t.load().runnable();
        println!(
            "| {} | {} | {} | {} | {} | {rmin:.0}/{rmean:.1}/{rmax:.0} | {:.0} s |",
            t.name,
            t.runs.len(),
            t.scenario_runs(),
            t.alarms(),
            t.load().shown(),
            t.wall_s()
        );
    }
    println!();
    println!("| Python reference, same load | tried | caught | missed | load min/mean/max | wall |");
    println!("|---|---|---|---|---|---|");
    for (what, phase) in [("mistakes' claims", mistakes), ("cheats", cheats)] {
        match phase {
            None => println!("| {what} | not run | | | | |"),
            Some((Ok(c), load, s)) => {
                println!("| {what} | {} | {} | {} | {} | {s:.0} s |", c.tried, c.caught(), c.misses.len(), load.shown())
            }
            Some((Err(_), load, s)) => println!("| {what} | could not run | | | {} | {s:.0} s |", load.shown()),
        }
    }
    println!("in {wall:.0} s");
    for t in tallies {
        for run in &t.runs {
            if let Some(problem) = &run.problem {
                failed = true;
                println!("\n{} gave no report: {problem}", t.name);
            }
            for alarm in &run.alarms {
                failed = true;
                println!("\nFALSE ALARM {}", alarm.lines().join("\n"));
            }
        }
    }
    for (what, phase) in [("mistake", mistakes), ("cheat", cheats)] {
        match phase {
            Some((Ok(c), _, _)) => {
                for miss in &c.misses {
                    failed = true;
                    println!("\nMISSED {what} {}\n{}", miss.what, miss.lines.join("\n"));
                }
                if !c.beside.is_empty() {
                    println!(
                        "\ncaught, with rules outside the claim's collateral failing too (not counted as missed):"
                    );
                    for line in &c.beside {
                        println!("  {line}");
                    }
                }
            }
            Some((Err(why), _, _)) => {
                failed = true;
                println!("\nthe {what}s could not run: {why}");
            }
            None => {}
        }
    }
    failed
}

fn tally_json(t: &Tally) -> Value {
    json!({
        "integration": t.name,
        "runs": t.runs.len(),
        "scenario_runs": t.scenario_runs(),
        "false_alarms": t.alarms(),
        "load": t.load().json(),
        "wall_s": t.wall_s(),
        "per_run": t.runs.iter().enumerate().map(|(i, r)| json!({
            "run": i + 1,
            "scenarios": r.scenarios,
            "false_alarms": r.alarms.len(),
            "exit": r.code,
            "no_report": r.problem,
            "wall_s": r.wall.as_secs_f64(),
            "load": r.load.json(),
        })).collect::<Vec<_>>(),
        "alarms": t.runs.iter().flat_map(|r| r.alarms.iter().map(suite::Alarm::json)).collect::<Vec<_>>(),
    })
}

fn catch_json((caught, load, wall_s): &Phase) -> Value {
    match caught {
        Ok(c) => json!({"figures": c.json(), "load": load.json(), "wall_s": wall_s}),
        Err(why) => json!({"could_not_run": why, "load": load.json(), "wall_s": wall_s}),
    }
}

/// The parts `STRESS_ONLY` names (all when unset).
fn parts() -> Vec<&'static str> {
    let Ok(only) = std::env::var("STRESS_ONLY") else { return PARTS.to_vec() };
    let named: Vec<&str> = only.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    for part in &named {
        assert!(PARTS.contains(part), "STRESS_ONLY: unknown part {part:?} (known: {})", PARTS.join(","));
    }
    PARTS.into_iter().filter(|p| named.contains(p)).collect()
}

/// The correct integrations among `only`; each one's tool checked, so a missing one stops the
/// bench before the load starts instead of showing up as 51 false alarms.
fn integrations(only: &[&str]) -> Vec<Integration> {
    let mut chosen = Vec::new();
    if only.contains(&"python") {
        require("python3", &["--version"], "install python3");
        chosen.push(Integration { name: "python", exec: "python3 examples/reference-python/pos.py".to_owned() });
    }
    if only.contains(&"rust") {
        let bin = target().join("debug").join("examples").join("reference_rust");
        assert!(
            bin.is_file(),
            "{} is missing (hint: cargo build --locked --example reference_rust; make stress does it)",
            bin.display()
        );
        chosen.push(Integration { name: "rust", exec: shell_quoted(&bin) });
    }
    if only.contains(&"node") {
        require("node", &["--version"], "apt-get install -y nodejs, or STRESS_ONLY without node");
        chosen.push(Integration { name: "node", exec: "node examples/reference-node/main.js".to_owned() });
    }
    chosen
}

fn require(program: &str, args: &[&str], hint: &str) {
    let works = Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    assert!(works, "{program} does not run (hint: {hint})");
}

/// `path` as one shell word: bare when that is safe, so the reports' rerun lines stay readable.
fn shell_quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `$CARGO_TARGET_DIR`, or the crate's `target/`.
fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from)
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{key}={v:?} is not a number")),
        Err(_) => default,
    }
}
