//! The command line: [`Cli`] parsed by clap, one file per command, and [`CliError`] with the
//! exit code each failure maps to.

mod certify;
mod check;
mod demo;
mod docs;
mod explore;
mod files;
mod init;
pub mod initiator;
mod last_run;
mod link;
mod rules;
mod run;
mod run_plan;
pub use run_plan::default_jobs;
mod schema;
mod serve;
mod signals;
mod spec;

use clap::{Parser, Subcommand};

use crate::exit_codes;

/// payterm: a payment-terminal emulator and conformance test harness.
#[derive(Debug, Parser)]
#[command(name = "payterm", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// payterm's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the mock cloud and its control API until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Walk a sale, a declined sale, a void and a close batch through the Cloud API, printing
    /// each request and answer.
    Demo(demo::DemoArgs),
    /// Print the redirect URL a GP tom deep link (`gptom://…`) is answered with.
    Link(link::LinkArgs),
    /// The HyPe Initiator client: keygen, enroll, invoice, status, install-shim.
    Initiator(initiator::InitiatorArgs),
    /// Run scenarios against an integration and judge it: the built-in suite against the
    /// built-in reference integration when given nothing.
    Run(run::RunArgs),
    /// Generate random scenarios from a seed, run and judge them, and shrink a failure to a
    /// small scenario file that `payterm run` reproduces.
    Explore(explore::ExploreArgs),
    /// Run a certification profile in full and write a certificate (optionally signed).
    Certify(certify::CertifyArgs),
    /// Certificate tools: verify.
    #[command(subcommand)]
    Certificate(certify::CertificateCommand),
    /// Write a starter manifest, integration (Python) and scenario into a folder.
    Init(init::InitArgs),
    /// Validate scenario files without running them.
    Check(check::CheckArgs),
    /// Scenario tools.
    #[command(subcommand)]
    Scenario(check::ScenarioCommand),
    /// Print the conformance rules: ID, spec row, how each is judged (`--format markdown`: the
    /// book's rules page).
    Rules(rules::RulesArgs),
    /// Print a JSON Schema: the driver contract's orders and events, the JSON report, scenarios.
    Schema {
        /// Which.
        #[arg(value_enum)]
        kind: schema::SchemaKind,
    },
    /// Print the Cloud API's OpenAPI 3.1 document.
    Openapi,
    /// Print the emulator's profile: which behaviour the vendor documents and which is ours.
    Spec,
    /// Print a page of the user guide (the book, embedded for offline use); without a topic,
    /// list the pages.
    Docs(docs::DocsArgs),
    /// The helper that ends the integrations' process groups if payterm is killed (internal).
    #[command(name = "__reap", hide = true)]
    Reap,
}

/// A failure of a command, with its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// What went wrong, lowercase, with a hint line where the fix is known.
    pub message: String,
    /// The exit code.
    pub code: i32,
}

impl CliError {
    /// A failure with `code`. A message may quote a file or an answer: its control characters
    /// are written out, line by line (its own line breaks stay: the hint line).
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = message.split('\n').map(crate::printable::escape).collect::<Vec<_>>().join("\n");
        CliError { message, code }
    }

    /// The exit code.
    pub fn exit_code(&self) -> i32 {
        self.code
    }
}

impl From<crate::mock_cloud::StartError> for CliError {
    fn from(e: crate::mock_cloud::StartError) -> Self {
        let code = match e {
            crate::mock_cloud::StartError::Bind { .. } => exit_codes::BIND_FAILED,
            _ => exit_codes::SETUP_FAILED,
        };
        CliError::new(code, e.to_string())
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Openapi => {
            println!("{}", crate::surfaces::cloud::openapi::document(crate::surfaces::cloud::openapi::DEFAULT_SERVER));
            Ok(())
        }
        Command::Run(args) => runtime()?.block_on(run::run(args)),
        Command::Explore(args) => runtime()?.block_on(explore::run(args)),
        Command::Check(args) => check::run(args),
        Command::Init(args) => init::run(args),
        Command::Certify(args) => runtime()?.block_on(certify::run(args)),
        Command::Certificate(command) => certify::certificate_command(command),
        Command::Scenario(command) => check::scenario_command(command),
        Command::Rules(args) => {
            rules::run(&args);
            Ok(())
        }
        Command::Schema { kind } => {
            schema::print(kind);
            Ok(())
        }
        Command::Spec => {
            spec::print_spec();
            Ok(())
        }
        Command::Docs(args) => docs::run(args),
        Command::Reap => {
            crate::runner::reaper::reap_main();
            Ok(())
        }
        Command::Serve(args) => runtime()?.block_on(serve::run(args)),
        Command::Demo(args) => runtime()?.block_on(demo::run(args)),
        Command::Link(args) => link::run(args),
        Command::Initiator(args) => initiator::run(args),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(exit_codes::INTERNAL, format!("failed to start the async runtime: {e}")))
}
