//! The `payterm` binary: parse the command line, run it, map the outcome to an exit code.
//! Invoked under the name `aelucrative-hype-initiator`, it acts as the HyPe Initiator.

use clap::Parser;
use payterm::surfaces::initiator::cli::{SHIM_NAME, shim_main};

fn main() {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    let name = std::path::Path::new(&program).file_stem().map(|s| s.to_string_lossy().into_owned());
    if name.as_deref() == Some(SHIM_NAME) {
        std::process::exit(shim_main(args.collect()));
    }
    let cli = payterm::cli::Cli::parse();
    if let Err(e) = payterm::cli::run(cli) {
        eprintln!("payterm: {e}");
        std::process::exit(e.exit_code());
    }
}
