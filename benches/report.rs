//! The bench's figures: a table for people and `target/bench/results.json` for tools, both
//! from the same list so they cannot disagree.

use std::path::PathBuf;

use serde_json::{Value, json};

/// A target a figure is held to; missing it is reported, never fatal.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio must be at least this.
    RatioAtLeast(f64),
    /// The ratio must be at most this.
    RatioAtMost(f64),
    /// The value must be below this.
    ValueBelow(f64),
}

impl Target {
    fn describe(self, unit: &str) -> String {
        match self {
            Target::RatioAtLeast(x) => format!("ratio >= {x}"),
            Target::RatioAtMost(x) => format!("ratio <= {x}"),
            Target::ValueBelow(x) => format!("< {x} {unit}"),
        }
    }
}

/// One measured figure.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Dotted name, e.g. `payterm.get_task.rps`.
    pub name: String,
    /// The measurement.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
    /// What it is compared with, if anything.
    pub baseline: Option<f64>,
    /// What it is held to, if anything.
    pub target: Option<Target>,
}

impl Figure {
    /// A figure with no baseline or target.
    pub fn plain(name: &str, value: f64, unit: &'static str) -> Self {
        Figure { name: name.to_owned(), value, unit, baseline: None, target: None }
    }

    /// A figure compared with `baseline`.
    pub fn against(name: &str, value: f64, unit: &'static str, baseline: f64) -> Self {
        Figure { baseline: Some(baseline), ..Figure::plain(name, value, unit) }
    }

    /// Holds the figure to `target`.
    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// value / baseline, when there is a usable baseline.
    pub fn ratio(&self) -> Option<f64> {
        self.baseline.filter(|b| *b > 0.0).map(|b| self.value / b)
    }

    /// Whether the target is met; `None` without a target (or without the ratio it needs).
    pub fn met(&self) -> Option<bool> {
        match self.target? {
            Target::RatioAtLeast(x) => self.ratio().map(|r| r >= x),
            Target::RatioAtMost(x) => self.ratio().map(|r| r <= x),
            Target::ValueBelow(x) => Some(self.value < x),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "value": round(self.value),
            "unit": self.unit,
            "baseline": self.baseline.map(round),
            "ratio": self.ratio().map(round),
        })
    }
}

/// Four significant-ish decimals: enough for any of these figures, and a diff-friendly file.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn show(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// Prints the table to stdout.
pub fn print_table(figures: &[Figure]) {
    let width = figures.iter().map(|f| f.name.len()).max().unwrap_or(4).max(4);
    println!();
    println!("{:<width$}  {:>10} {:<6} {:>10} {:>7}  target", "name", "value", "unit", "baseline", "ratio");
    println!("{}", "-".repeat(width + 60));
    for f in figures {
        let baseline = f.baseline.map_or_else(|| "-".to_owned(), show);
        let ratio = f.ratio().map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"));
        let target = match (f.target, f.met()) {
            (Some(t), Some(true)) => format!("{}  met", t.describe(f.unit)),
            (Some(t), Some(false)) => format!("{}  MISSED", t.describe(f.unit)),
            (Some(t), None) => format!("{}  unknown", t.describe(f.unit)),
            (None, _) => String::new(),
        };
        let value = if f.unit == "count" { format!("{:.0}", f.value) } else { show(f.value) };
        println!("{:<width$}  {value:>10} {:<6} {baseline:>10} {ratio:>7}  {target}", f.name, f.unit);
    }
    println!();
}

/// Where the results go: `$CARGO_TARGET_DIR/bench/results.json`, or the crate's `target/`.
pub fn results_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from);
    target.join("bench").join("results.json")
}

/// Writes the figures as a JSON array of `{name, value, unit, baseline, ratio}`.
pub fn write_json(figures: &[Figure]) -> std::io::Result<PathBuf> {
    let path = results_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let array = Value::Array(figures.iter().map(Figure::to_json).collect());
    let text = serde_json::to_string_pretty(&array).map_err(std::io::Error::other)?;
    std::fs::write(&path, text + "\n")?;
    Ok(path)
}
