//! The cost of one `aelucrative-hype-initiator status` invocation, process start to exit,
//! against a running emulator, beside `true` measured the same way in the same run.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use payterm::MockCloud;
use payterm::surfaces::initiator::SHIM_NAME;

/// Median wall time of `runs` invocations of the shim's `status`, and of `true`.
pub struct ShimTimes {
    /// The shim's median.
    pub status: Duration,
    /// `true`'s median.
    pub baseline: Duration,
    /// Invocations per figure.
    pub runs: usize,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn timed(mut command: Command, stdin: &[u8]) -> Duration {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().expect("the program ends");
    let elapsed = start.elapsed();
    assert!(out.status.success(), "the program failed: {}", String::from_utf8_lossy(&out.stderr));
    elapsed
}

/// Lays out the shim for `cloud`, issues one invoice through it, then times `runs` status
/// invocations and `runs` runs of `true`.
pub fn measure(cloud: &MockCloud, runs: usize) -> ShimTimes {
    let dir = std::env::temp_dir().join(format!("payterm-bench-shim-{}", std::process::id()));
    let key = payterm::runner::shim::harness_key(7);
    let enrolled = payterm::runner::shim::enrolled(&key);
    cloud.with_world(|w| w.enroll("testingstore", &enrolled.key_id, enrolled.public));
    let shim = payterm::runner::shim::install(
        &dir,
        std::path::Path::new(env!("CARGO_BIN_EXE_payterm")),
        &key,
        "testingstore",
        &cloud.uri(),
    )
    .expect("the shim installs");
    let program = shim.bin.join(SHIM_NAME);
    let command = |sub: &str| {
        let mut c = Command::new(&program);
        c.arg(sub).env("PAYTERM_INITIATOR_CONFIG", &shim.config);
        c
    };
    let doc = br#"{"version":1,"document":"aehype_invoice","payload":{"invoice":"BENCH-1","store":"testingstore","total":600000,"fiscals":[{"name":"x","amount":1,"code_mxik":"1","vat":0,"vat_price":0,"price_total":600000,"price_per_unit":600000,"code_mxik_package":"1"}]}}"#;
    let out = command("invoice").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().and_then(|mut c| {
        if let Some(mut input) = c.stdin.take() {
            input.write_all(doc)?;
        }
        c.wait_with_output()
    });
    let answer: serde_json::Value =
        serde_json::from_slice(&out.expect("the invoice runs").stdout).expect("the invoice answers JSON");
    let autofeed = serde_json::to_vec(&answer["autofeed"]).expect("the autofeed serialises");
    // Warm the page cache once for each program before timing.
    timed(command("status"), &autofeed);
    timed(Command::new("true"), b"");
    let status = median((0..runs).map(|_| timed(command("status"), &autofeed)).collect());
    let baseline = median((0..runs).map(|_| timed(Command::new("true"), b"")).collect());
    let _ = std::fs::remove_dir_all(&dir);
    ShimTimes { status, baseline, runs }
}
