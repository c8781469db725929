//! `payterm serve`: the mock cloud and its control API, until Ctrl-C.

use clap::Args;

use super::CliError;
use crate::MockCloud;
use crate::exit_codes;
use crate::world::clock::VirtualTime;
use crate::world::money::Currency;
use crate::world::terminal::TerminalMode;

/// Options of `payterm serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The Cloud API port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// The control API port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 7879)]
    control_port: u16,
    /// How many terminals: `999888` first, then `100001`, `100002`, …
    #[arg(long, default_value_t = 1)]
    terminals: usize,
    /// How the terminals take tasks: automatic, assisted or semi_integrated.
    #[arg(long, default_value = "automatic", value_parser = parse_mode)]
    mode: TerminalMode,
    /// The terminals' currency.
    #[arg(long, default_value = "CZK")]
    currency: String,
    /// Real seconds per virtual second (1 = real time, 0.01 = a virtual second lasts 10 ms).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// The seed every id and random choice comes from (default: drawn from the time).
    #[arg(long)]
    seed: Option<u64>,
    /// Serve HTTPS with a self-signed certificate (its path is printed).
    #[arg(long)]
    tls: bool,
    /// How many journal entries to keep.
    #[arg(long, default_value_t = 10_000)]
    journal: usize,
}

fn parse_mode(s: &str) -> Result<TerminalMode, String> {
    TerminalMode::parse(s).ok_or_else(|| format!("unknown mode `{s}` (automatic, assisted or semi_integrated)"))
}

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    if !(args.time_scale > 0.0 && args.time_scale.is_finite()) {
        return Err(CliError::new(exit_codes::USAGE, "--time-scale must be a positive number"));
    }
    if args.terminals == 0 {
        return Err(CliError::new(exit_codes::USAGE, "--terminals must be at least 1"));
    }
    let currency: Currency = args
        .currency
        .parse()
        .map_err(|e: crate::world::money::UnknownCurrency| CliError::new(exit_codes::USAGE, e.to_string()))?;
    let seed = args.seed.unwrap_or_else(|| VirtualTime::wall_clock_now().0.unsigned_abs());
    let mut builder = MockCloud::builder()
        .seed(seed)
        .time_scale(args.time_scale)
        .starting_at(VirtualTime::wall_clock_now())
        .terminals(args.terminals, args.mode, currency)
        .port(args.port)
        .control_port(args.control_port)
        .journal_capacity(args.journal);
    let cert = args.tls.then(|| crate::http::default_cert_path(args.port));
    if let Some(path) = &cert {
        builder = builder.tls(path.clone());
    }
    let cloud = builder.start().await?;
    println!("payterm serve: mock cloud ready (seed {seed}, time scale {})", args.time_scale);
    println!("  Cloud API   {}", cloud.uri());
    println!("  OpenAPI     {}/openapi.json", cloud.uri());
    println!("  control     {}", cloud.control_uri());
    if let Some(path) = cert {
        println!("  TLS cert    {} (self-signed; trust it or pass curl --cacert)", path.display());
    }
    println!("  client      Authorization: {}", cloud.basic_credential());
    println!("  merchant    jan.novak@example.com / ABCDEFGHIJKL");
    let more = if args.terminals > 1 { format!(" and {} more (100001…)", args.terminals - 1) } else { String::new() };
    println!("  terminals   999888 ({}, {currency}){more}", args.mode.as_str());
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::new(exit_codes::INTERNAL, format!("failed to wait for Ctrl-C: {e}")))?;
    println!("payterm serve: stopping");
    drop(cloud);
    Ok(())
}
