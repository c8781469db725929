//! The `payterm` binary: parse the command line, run it, map the outcome to an exit code.
//! Invoked under the name `aelucrative-hype-initiator`, it acts as the HyPe Initiator.

use clap::Parser;
use payterm::cli::initiator::shim_main;
use payterm::surfaces::initiator::SHIM_NAME;

fn main() {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    let name = std::path::Path::new(&program).file_stem().map(|s| s.to_string_lossy().into_owned());
    if name.as_deref() == Some(SHIM_NAME) {
        std::process::exit(shim_main(args.collect()));
    }
    quiet_on_closed_stdout();
    let cli = payterm::cli::Cli::parse();
    if let Err(e) = payterm::cli::run(cli) {
        eprintln!("payterm: {e}");
        std::process::exit(e.exit_code());
    }
}

/// `payterm schema report | head` closes our stdout early: Rust then panics in `println!`.
/// That is the reader's choice, not our failure: end quietly, as a SIGPIPE would (128 + 13).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
