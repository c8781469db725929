//! `cargo bench --bench flake`: runs the built-in suite against the reference integration
//! `FLAKE_RUNS` times (20; `FLAKE_JOBS` at a time, 4; at `FLAKE_TIME_SCALE`, 0.01) and lists the
//! scenarios whose verdicts, or whose stable transcript (`report::stable`), differ between runs;
//! exits 1 when a verdict differs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use payterm::report::stable::stable;
use payterm::report::{ScenarioReport, ScenarioStatus};
use payterm::runner::builtin::{SUITE, reference_command};
use payterm::runner::{RunOptions, run_scenario};
use payterm::scenario::Scenario;

/// Real seconds per virtual second unless `FLAKE_TIME_SCALE` says otherwise: the default of
/// `payterm run`, which the snapshots use too.
const TIME_SCALE: f64 = 0.01;

/// How much of each differing line the table shows, so one long line does not widen the table.
const SHOWN: usize = 40;

/// What one run of one scenario showed.
struct Seen {
    status: ScenarioStatus,
    /// (rule, order, verdict), in the judge's order.
    verdicts: Vec<(String, String, String)>,
    stable: String,
}

fn main() {
    let runs: usize = env_or("FLAKE_RUNS", 20);
    let jobs: usize = env_or("FLAKE_JOBS", 4);
    // A slower scale gives the integration more real time per virtual second: differences that
    // vanish there come from timing, not from the code under test.
    let scale: f64 = env_or("FLAKE_TIME_SCALE", TIME_SCALE);
    assert!(runs >= 2 && jobs >= 1, "FLAKE_RUNS must be at least 2 and FLAKE_JOBS at least 1");
    assert!(scale > 0.0 && scale.is_finite(), "FLAKE_TIME_SCALE must be a positive number");
    let suite: Vec<(String, Arc<Scenario>)> = SUITE
        .iter()
        .map(|(path, text)| {
            let file = format!("scenarios/{path}");
            let scenario = payterm::scenario::parse(&file, text).expect("the built-in suite parses");
            (file, Arc::new(scenario))
        })
        .collect();
    let root = std::env::temp_dir().join(format!("payterm-flake-{}", std::process::id()));
    let exec = reference_command(&root.join("reference")).expect("the reference integration can be written");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    println!(
        "payterm flake check: the built-in suite ({} scenarios) against the reference, {runs} runs, {jobs} at a time, time scale {scale}",
        suite.len()
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        // Timing-sensitive verdicts flip more on a busy machine; say how busy it was.
        println!("  load average before the runs: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    }
    let mut seen: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for run in 1..=runs {
        let started = Instant::now();
        let dir = root.join(format!("run-{run}"));
        let reports = rt.block_on(run_suite(&suite, &exec, (jobs, scale), &dir));
        let passed = reports.iter().filter(|(_, s)| s.status == ScenarioStatus::Passed).count();
        println!("run {run}/{runs}: {passed} of {} passed in {:.1} s", reports.len(), started.elapsed().as_secs_f64());
        for (file, s) in reports {
            seen.entry(file).or_default().push(s);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    let verdict_rows = verdict_differences(&seen);
    let stable_rows = stable_differences(&seen);
    println!();
    print_table(
        "scenarios whose verdicts differ between runs",
        &["scenario", "rule", "order", "verdicts seen"],
        &verdict_rows,
    );
    print_table(
        "scenarios whose stable transcript differs between runs",
        &["scenario", "variants", "first difference"],
        &stable_rows,
    );
    match write_variants(&seen) {
        Ok(dir) => println!("every variant of a differing transcript: {}", dir.display()),
        Err(e) => eprintln!("could not write the variants: {e}"),
    }
    let flaky: BTreeSet<&String> = verdict_rows.iter().filter_map(|r| r.first()).collect();
    if flaky.is_empty() {
        println!("verdicts: the same in all {runs} runs");
    } else {
        println!("verdicts DIFFER between runs in {} scenario(s)", flaky.len());
        std::process::exit(1);
    }
}

/// One run of the whole suite, `jobs` scenarios at a time at `scale`; reports in the suite's order.
async fn run_suite(
    suite: &[(String, Arc<Scenario>)],
    exec: &str,
    (jobs, scale): (usize, f64),
    dir: &Path,
) -> Vec<(String, Seen)> {
    let runs = suite.iter().enumerate().map(|(i, (file, scenario))| {
        let options = RunOptions::command(exec, scale, env!("CARGO_BIN_EXE_payterm").into(), dir.join(i.to_string()));
        let seed = scenario.seed.unwrap_or(1);
        async move {
            let record = run_scenario(scenario.clone(), seed, &options).await;
            let _ = std::fs::remove_dir_all(&options.work_dir);
            let report = match record {
                Ok(record) => {
                    let (verdicts, not_judged) = payterm::judge::judge(&record);
                    ScenarioReport::judged(Path::new(file), &record, &verdicts, &not_judged, String::new())
                }
                Err(e) => ScenarioReport::not_run(Path::new(file), scenario, ScenarioStatus::Error, e.to_string()),
            };
            (i, file.clone(), seen(&report))
        }
    });
    let mut done: Vec<(usize, String, Seen)> = futures_util::stream::iter(runs).buffer_unordered(jobs).collect().await;
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter().map(|(_, file, s)| (file, s)).collect()
}

fn seen(report: &ScenarioReport) -> Seen {
    let mut verdicts: Vec<(String, String, String)> = report
        .verdicts
        .iter()
        .map(|v| (v.rule.clone(), v.order.clone().unwrap_or_else(|| "-".to_owned()), v.verdict.clone()))
        .collect();
    if let Some(error) = &report.error {
        // A run the harness could not make is a differing verdict too, not a silent gap.
        verdicts.push(("(not run)".to_owned(), "-".to_owned(), error.clone()));
    }
    Seen { status: report.status, verdicts, stable: stable(report) }
}

/// One row per (scenario, rule, order) whose verdict was not the same in every run, with how
/// often each verdict (or its absence) was seen.
fn verdict_differences(seen: &BTreeMap<String, Vec<Seen>>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (file, runs) in seen {
        let keys: BTreeSet<(&str, &str)> =
            runs.iter().flat_map(|s| s.verdicts.iter().map(|(r, o, _)| (r.as_str(), o.as_str()))).collect();
        for (rule, order) in keys {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for s in runs {
                let verdict = s.verdicts.iter().find(|(r, o, _)| r == rule && o == order).map_or("absent", |v| &v.2);
                *counts.entry(verdict).or_default() += 1;
            }
            if counts.len() > 1 {
                let shown: Vec<String> = counts.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
                rows.push(vec![file.clone(), rule.to_owned(), order.to_owned(), shown.join(", ")]);
            }
        }
    }
    rows
}

/// One row per scenario whose stable text was not the same in every run: how many runs gave
/// each variant, and the first line where the rarest variant departs from the commonest.
fn stable_differences(seen: &BTreeMap<String, Vec<Seen>>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (file, runs) in seen {
        let variants = variants(runs);
        if variants.len() < 2 {
            continue;
        }
        let counts: Vec<String> = variants.iter().map(|(_, n)| n.to_string()).collect();
        let (common, rare) = (variants[0].0, variants[variants.len() - 1].0);
        rows.push(vec![file.clone(), counts.join("/"), first_difference(common, rare)]);
    }
    rows
}

/// The distinct stable texts of `runs`, commonest first, with how many runs gave each.
fn variants(runs: &[Seen]) -> Vec<(&str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in runs {
        *counts.entry(s.stable.as_str()).or_default() += 1;
    }
    let mut variants: Vec<(&str, usize)> = counts.into_iter().collect();
    variants.sort_by_key(|v| std::cmp::Reverse(v.1));
    variants
}

fn first_difference(a: &str, b: &str) -> String {
    let (mut la, mut lb) = (a.lines(), b.lines());
    let cut = |line: Option<&str>| {
        let line = line.unwrap_or("(end)").trim();
        match line.char_indices().nth(SHOWN) {
            Some((i, _)) => format!("{}…", &line[..i]),
            None => line.to_owned(),
        }
    };
    for n in 1.. {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => return format!("line {n}: `{}` vs `{}`", cut(x), cut(y)),
        }
    }
    String::new()
}

/// Writes every variant of each differing stable text, `<scenario>.<k>.txt` (1 the commonest),
/// to `$CARGO_TARGET_DIR/bench/flake/` (or the crate's `target/`), for `diff`.
fn write_variants(seen: &BTreeMap<String, Vec<Seen>>) -> std::io::Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from);
    let dir = target.join("bench").join("flake");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    for (file, runs) in seen {
        let variants = variants(runs);
        if variants.len() < 2 {
            continue;
        }
        let name = file.trim_start_matches("scenarios/").trim_end_matches(".toml").replace('/', "__");
        for (k, (text, n)) in variants.iter().enumerate() {
            std::fs::write(dir.join(format!("{name}.{}.txt", k + 1)), format!("# {n} run(s)\n{text}"))?;
        }
    }
    Ok(dir)
}

fn print_table(title: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        println!("{title}: none");
        println!();
        return;
    }
    println!("{title}:");
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0).max(header[c].len()))
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("  {}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    println!("  {}", "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    println!();
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{key}={v:?} is not a number")),
        Err(_) => default,
    }
}
