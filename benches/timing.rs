//! `cargo bench --bench timing` (`make timing`): the proof that RATE-NO-STORM judges the
//! integration's own waits, not the machine's stalls. Beside a busy loop, at the default time
//! scale, it runs the scenarios with retries and `Retry-After` `TIMING_RUNS` times (20) with
//! two variants of the reference integration (`benches/timing/pos_variants.py`): `constant`
//! waits the same after every fault (correct: RATE-NO-STORM must never fail it) and `half`
//! waits half the `Retry-After` (a mistake: RATE-NO-STORM must fail it every time). Prints
//! the counts and exits 1 when either is off.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::StreamExt;
use payterm::judge::{VerdictKind, judge};
use payterm::runner::builtin::{SUITE, reference_command};
use payterm::runner::{RunOptions, run_scenario};
use payterm::scenario::Scenario;

/// The scenarios with repeated faults and `Retry-After` the variants run.
const CONSTANT: [&str; 4] = [
    "cloud/create-sale-503-retry-after-is-honoured.toml",
    "money/repeated-faults-on-two-surfaces-back-off.toml",
    "initiator/status-without-json-is-retried-later.toml",
    "cloud/poll-reset-then-malformed-answer-keeps-polling.toml",
];
/// The scenario whose `Retry-After` the `half` variant cuts short.
const HALF: [&str; 1] = ["cloud/create-sale-503-retry-after-is-honoured.toml"];

fn main() {
    let runs: usize = std::env::var("TIMING_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let scale = 0.01;
    let root = std::env::temp_dir().join(format!("payterm-timing-{}", std::process::id()));
    let pos = reference_command(&root.join("reference")).expect("the reference integration can be written");
    let pos_path = pos.trim_start_matches("python3 ").trim_matches('\'').to_owned();
    let variants = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/timing/pos_variants.py");
    let exec = |variant: &str| format!("PAYTERM_POS='{pos_path}' VARIANT={variant} python3 '{}'", variants.display());
    let busy = Arc::new(AtomicBool::new(true));
    let spinner = {
        let busy = busy.clone();
        std::thread::spawn(move || {
            let mut n: u64 = 0;
            while busy.load(Ordering::Relaxed) {
                n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        })
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    println!("payterm timing proof: {runs} runs of each variant at time scale {scale}, beside a busy loop");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("  load average before the runs: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    }
    let started = Instant::now();
    let constant = rt.block_on(count_storms(&scenarios(&CONSTANT), &exec("constant"), runs, scale, &root.join("c")));
    let half = rt.block_on(count_storms(&scenarios(&HALF), &exec("half"), runs, scale, &root.join("h")));
    busy.store(false, Ordering::Relaxed);
    let _ = spinner.join();
    let _ = std::fs::remove_dir_all(&root);
    println!();
    println!("| variant | scenario runs | RATE-NO-STORM failed | expected |");
    println!("|---|---|---|---|");
    println!("| constant waits after faults (correct) | {} | {} | 0 |", constant.0, constant.1);
    println!("| half the Retry-After (mistake) | {} | {} | {} |", half.0, half.1, half.0);
    println!("in {:.0} s", started.elapsed().as_secs_f64());
    for line in constant.2.iter().take(5) {
        println!("  false alarm: {line}");
    }
    if constant.1 > 0 || half.1 < half.0 {
        println!("the timing proof FAILED");
        std::process::exit(1);
    }
}

fn scenarios(files: &[&str]) -> Vec<(String, Arc<Scenario>)> {
    files
        .iter()
        .map(|file| {
            let text = SUITE.iter().find(|(path, _)| path == file).map(|(_, t)| *t).expect("a built-in scenario");
            (file.to_string(), Arc::new(payterm::scenario::parse(file, text).expect("the built-in suite parses")))
        })
        .collect()
}

/// Runs each scenario `runs` times, two at a time; returns (runs, runs where RATE-NO-STORM
/// failed, the failures' evidence).
async fn count_storms(
    suite: &[(String, Arc<Scenario>)],
    exec: &str,
    runs: usize,
    scale: f64,
    dir: &Path,
) -> (usize, usize, Vec<String>) {
    let work =
        (0..runs).flat_map(|run| suite.iter().map(move |s| (run, s))).enumerate().map(|(i, (_, (file, scenario)))| {
            let options =
                RunOptions::command(exec, scale, env!("CARGO_BIN_EXE_payterm").into(), dir.join(i.to_string()));
            async move {
                let record = run_scenario(scenario.clone(), scenario.seed.unwrap_or(1), &options).await;
                let _ = std::fs::remove_dir_all(&options.work_dir);
                match record {
                    Ok(record) => {
                        let (verdicts, _) = judge(&record);
                        let storms: Vec<String> = verdicts
                            .iter()
                            .filter(|v| v.rule == "RATE-NO-STORM" && v.kind == VerdictKind::Fail)
                            .flat_map(|v| v.evidence.iter().map(|e| format!("{file}: {e}")))
                            .collect();
                        let failed = verdicts.iter().any(|v| v.rule == "RATE-NO-STORM" && v.kind == VerdictKind::Fail);
                        (failed, storms)
                    }
                    Err(e) => (false, vec![format!("{file}: not run: {e}")]),
                }
            }
        });
    let done: Vec<(bool, Vec<String>)> = futures_util::stream::iter(work).buffer_unordered(2).collect().await;
    let failed = done.iter().filter(|(f, _)| *f).count();
    (done.len(), failed, done.into_iter().flat_map(|(_, e)| e).collect())
}
