//! `payterm initiator keygen|enroll|invoice|status|install-shim` ([`InitiatorArgs`]), and the
//! same program invoked as `aelucrative-hype-initiator` ([`shim_main`]), which takes only the
//! subcommand, like the real tool. Exit codes are in
//! [`crate::surfaces::initiator::exit_codes`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

mod client;
mod commands;

use crate::cli::CliError;
use crate::surfaces::initiator::document::valid_store;
use crate::surfaces::initiator::exit_codes::{ANSWERED, USAGE};
use commands::Enrollment;

pub use crate::surfaces::initiator::{PROBE, SHIM_NAME};

/// Options of `payterm initiator`.
#[derive(Debug, Args)]
pub struct InitiatorArgs {
    /// The config file (default: $PAYTERM_INITIATOR_CONFIG, else
    /// $XDG_CONFIG_HOME/payterm/initiator.json, else ~/.config/payterm/initiator.json).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The subcommand.
    #[command(subcommand)]
    pub command: InitiatorCommand,
}

/// The initiator's subcommands.
#[derive(Debug, Subcommand)]
pub enum InitiatorCommand {
    /// Generate a signing key (private file, mode 0600); prints its key id and public key.
    Keygen {
        /// Where to write the key (default: initiator.key beside the config file).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Replace an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Enroll the key's public half for a store with the emulator, and write the config.
    Enroll {
        /// The Cloud API base URL, where /hype/ lives (`payterm serve` prints it).
        #[arg(long, value_name = "URL", value_parser = parse_http_url)]
        server: String,
        /// The control API base URL (`payterm serve` prints it).
        #[arg(long, value_name = "URL", value_parser = parse_http_url, required_unless_present = "config_only")]
        control: Option<String>,
        /// The store to enroll for (ASCII letters and digits).
        #[arg(long, value_parser = parse_store)]
        store: String,
        /// The key file (default: initiator.key beside the config file).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Only write the config: the key was enrolled some other way (or is meant not to be).
        #[arg(long, conflicts_with = "control")]
        config_only: bool,
    },
    /// Issue an invoice: the `aehype_invoice` document on stdin, the service's answer on stdout.
    Invoice,
    /// Ask for a transaction's status: the autofeed on stdin, the service's answer on stdout.
    Status,
    /// Put a link named aelucrative-hype-initiator to this program in DIR.
    InstallShim {
        /// The folder (created if missing); put it first on the integration's PATH.
        dir: PathBuf,
    },
}

fn parse_http_url(s: &str) -> Result<String, String> {
    if s.starts_with("http://") && s.len() > "http://".len() {
        Ok(s.trim_end_matches('/').to_owned())
    } else if s.starts_with("https://") {
        Err("the emulated initiator speaks plain http only (run `payterm serve` without --tls)".to_owned())
    } else {
        Err(format!("`{s}` is not an http:// URL"))
    }
}

fn parse_store(s: &str) -> Result<String, String> {
    if valid_store(s) { Ok(s.to_owned()) } else { Err(format!("`{s}` is not 1 to 64 ASCII letters or digits")) }
}

/// Runs `payterm initiator …`.
pub fn run(args: InitiatorArgs) -> Result<(), CliError> {
    let config = args.config.as_deref();
    match args.command {
        InitiatorCommand::Keygen { key, force } => commands::keygen(config, key.as_deref(), force),
        InitiatorCommand::Enroll { server, control, store, key, config_only: _ } => commands::enroll(
            config,
            &Enrollment { server: &server, control: control.as_deref(), store: &store, key: key.as_deref() },
        ),
        InitiatorCommand::Invoice => commands::invoice(config),
        InitiatorCommand::Status => commands::status(config),
        InitiatorCommand::InstallShim { dir } => commands::install_shim(&dir),
    }
}

const SHIM_USAGE: &str = "usage: aelucrative-hype-initiator invoice|status < document.json
  invoice   the aehype_invoice document on stdin; the service's answer on stdout
  status    the autofeed on stdin; the service's answer on stdout
The config comes from $PAYTERM_INITIATOR_CONFIG (see `payterm initiator --help`).";

/// Runs as `aelucrative-hype-initiator` with `args` (without the program name); returns the
/// exit code.
pub fn shim_main(args: Vec<OsString>) -> i32 {
    let words: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let outcome = match words.as_slice() {
        ["invoice"] => commands::invoice(None::<&Path>),
        ["status"] => commands::status(None::<&Path>),
        [PROBE] => commands::probe(None::<&Path>),
        ["-h" | "--help" | "help"] => {
            println!("{SHIM_USAGE}");
            return ANSWERED;
        }
        [] => Err(CliError::new(USAGE, format!("no subcommand\n{SHIM_USAGE}"))),
        other => Err(CliError::new(USAGE, format!("unknown arguments `{}`\n{SHIM_USAGE}", other.join(" ")))),
    };
    match outcome {
        Ok(()) => ANSWERED,
        Err(e) => {
            eprintln!("{SHIM_NAME}: {e}");
            e.exit_code()
        }
    }
}
