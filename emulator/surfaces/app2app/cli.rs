//! `payterm link 'gptom://…'`: prints the redirect URL a deep link is answered with.

use clap::Args;

use crate::cli::CliError;

/// Options of `payterm link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The deep link, e.g. 'gptom://batch/close?redirectUrl=fb://Success'.
    pub link: String,
}

/// Runs `payterm link`.
pub fn run(_args: LinkArgs) -> Result<(), CliError> {
    Err(CliError::new(crate::exit_codes::INTERNAL, "payterm link is not implemented yet"))
}
