//! `payterm init [DIR]`: writes a starter manifest, a starter integration in Python and one
//! scenario, so a new user sees a failing run, fixes one line, and sees it pass.

use std::path::{Path, PathBuf};

use clap::Args;

use super::CliError;
use crate::exit_codes;

/// Options of `payterm init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to write in (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

const FILES: [(&str, &str); 3] = [
    ("payterm.toml", include_str!("init_files/payterm.toml")),
    ("pos.py", include_str!("init_files/pos.py")),
    ("scenarios/declined-card.toml", include_str!("init_files/scenarios/declined-card.toml")),
];

/// Runs `payterm init`.
pub(super) fn run(args: InitArgs) -> Result<(), CliError> {
    let existing: Vec<String> = FILES
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(CliError::new(
            exit_codes::USAGE,
            format!("{} already exist(s); nothing was written\n(hint: pass --force to overwrite)", existing.join(", ")),
        ));
    }
    for (name, text) in FILES {
        write(&args.dir.join(name), text)?;
        println!("wrote {}", args.dir.join(name).display());
    }
    let cd = if args.dir == Path::new(".") { String::new() } else { format!("cd {} && ", args.dir.display()) };
    println!();
    println!("next:");
    println!("  1. {cd}payterm run       — it fails: the starter takes a COMPLETED task for a paid sale");
    println!("  2. fix pos.py where it says FIX ME (read the transaction's result)");
    println!("  3. payterm run          — it passes");
    println!("  4. payterm run --builtin — the built-in suite against pos.py (what it does not declare is skipped)");
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            CliError::new(exit_codes::SETUP_FAILED, format!("failed to create {}: {e}", parent.display()))
        })?;
    }
    std::fs::write(path, text)
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to write {}: {e}", path.display())))
}
