//! The `payterm` binary: parse the command line, run it, map the outcome to an exit code.

use clap::Parser;

fn main() {
    let cli = payterm::cli::Cli::parse();
    if let Err(e) = payterm::cli::run(cli) {
        eprintln!("payterm: {e}");
        std::process::exit(e.exit_code());
    }
}
