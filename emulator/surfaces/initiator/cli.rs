//! `payterm initiator keygen|enroll|invoice|status|install-shim`, and the same program
//! invoked as `aelucrative-hype-initiator`.

use std::ffi::OsString;

use clap::Args;

use crate::cli::CliError;

/// The name the real initiator is installed under; invoked so, payterm acts as it.
pub const SHIM_NAME: &str = "aelucrative-hype-initiator";

/// Options of `payterm initiator`.
#[derive(Debug, Args)]
pub struct InitiatorArgs {
    /// The subcommand and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs `payterm initiator …`.
pub fn run(_args: InitiatorArgs) -> Result<(), CliError> {
    Err(CliError::new(crate::exit_codes::INTERNAL, "payterm initiator is not implemented yet"))
}

/// Runs as `aelucrative-hype-initiator` with `args` (without the program name); returns the
/// exit code.
pub fn shim_main(_args: Vec<OsString>) -> i32 {
    eprintln!("{SHIM_NAME}: not implemented yet");
    crate::exit_codes::INTERNAL
}
