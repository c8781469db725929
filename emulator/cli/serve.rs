//! `payterm serve`: the mock cloud and its control API, until Ctrl-C.

use clap::Args;

use super::CliError;
use crate::MockCloud;
use crate::exit_codes;
use crate::time::VirtualTime;
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
    /// Serve a scenario: its terminals, stores and history, and its script (statuses, task
    /// states, faults, timed actions), for pointing an integration at by hand.
    #[arg(long, value_name = "FILE")]
    scenario: Option<std::path::PathBuf>,
    /// The merchant's id: what your app passes as the deep links' `clientID` (and receipts
    /// print as `merchantID`). The vendor's example is 223.
    #[arg(long, value_name = "ID", default_value = "223", value_parser = parse_client_id)]
    client_id: String,
    /// An initiator store the service knows (repeatable); enroll your key for it with
    /// `payterm initiator enroll --store STORE`. The vendor's example is testingstore.
    #[arg(long = "store", value_name = "STORE", default_value = "testingstore", value_parser = parse_store)]
    stores: Vec<String>,
    /// A host name both ports answer to besides loopback ones (repeatable), e.g. the name a
    /// container reaches this one by. Requests addressed to any other name are refused, so a
    /// web page cannot reach the emulator by rebinding its own name to 127.0.0.1.
    #[arg(long = "allow-host", value_name = "NAME", value_parser = parse_host)]
    allow_hosts: Vec<String>,
}

fn parse_host(s: &str) -> Result<String, String> {
    crate::http::Hosts::allowing(&[s]).map(|_| s.to_owned())
}

fn parse_client_id(s: &str) -> Result<String, String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !s.is_empty() && s.len() <= 64 && s.chars().all(ok) {
        Ok(s.to_owned())
    } else {
        Err(format!("`{s}` is not 1 to 64 ASCII letters, digits, `-`, `_` or `.`"))
    }
}

fn parse_store(s: &str) -> Result<String, String> {
    if crate::surfaces::initiator::document::valid_store(s) {
        Ok(s.to_owned())
    } else {
        Err(format!("`{s}` is not 1 to 64 ASCII letters or digits"))
    }
}

fn parse_mode(s: &str) -> Result<TerminalMode, String> {
    TerminalMode::parse(s).ok_or_else(|| format!("unknown mode `{s}` (automatic, assisted or semi_integrated)"))
}

pub(super) async fn run(args: ServeArgs) -> Result<(), CliError> {
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
    let scenario = match &args.scenario {
        None => None,
        Some(path) => Some(std::sync::Arc::new(crate::scenario::load(path).map_err(|e| match e {
            crate::scenario::LoadError::Invalid(errors) => {
                eprintln!("{}", errors.render());
                CliError::new(exit_codes::INVALID_INPUT, errors.to_string())
            }
            other => CliError::new(exit_codes::SETUP_FAILED, other.to_string()),
        })?)),
    };
    let seed = args
        .seed
        .or(scenario.as_ref().and_then(|s| s.seed))
        .unwrap_or_else(|| VirtualTime::wall_clock_now().0.unsigned_abs());
    let mut builder = MockCloud::builder()
        .time_scale(args.time_scale)
        .starting_at(VirtualTime::wall_clock_now())
        .control_extension(std::sync::Arc::new(crate::dashboard::Dashboard));
    builder = match &scenario {
        Some(s) => builder.scenario(s.clone()),
        None => builder.terminals(args.terminals, args.mode, currency),
    };
    builder = builder.seed(seed).port(args.port).control_port(args.control_port).journal_capacity(args.journal);
    builder = builder.merchant_id(&args.client_id);
    let hosts = crate::http::Hosts::allowing(&args.allow_hosts).map_err(|e| CliError::new(exit_codes::USAGE, e))?;
    builder = builder.allow_hosts(hosts);
    for store in &args.stores {
        builder = builder.store(store);
    }
    let cert = args.tls.then(|| crate::http::default_cert_path(args.port));
    if let Some(path) = &cert {
        builder = builder.tls(path.clone());
    }
    let cloud = builder.start().await?;
    println!("payterm serve: mock cloud ready (seed {seed}, time scale {})", args.time_scale);
    println!("  Cloud API   {}", cloud.uri());
    println!("  OpenAPI     {}/openapi.json", cloud.uri());
    println!("  control     {}", cloud.control_uri());
    println!("  dashboard   {}/", cloud.control_uri());
    if let Some(path) = cert {
        println!("  TLS cert    {} (self-signed; trust it or pass curl --cacert)", path.display());
    }
    if !args.allow_hosts.is_empty() {
        println!("  hosts       loopback names and {} (--allow-host)", args.allow_hosts.join(", "));
    }
    println!("  client      Authorization: {}", cloud.basic_credential());
    println!("  merchant    jan.novak@example.com / ABCDEFGHIJKL (deep links' clientID {})", args.client_id);
    // A scenario lists its own stores below.
    let listed = |name: &str| scenario.as_ref().is_some_and(|s| s.stores.iter().any(|st| st.name == name));
    for store in args.stores.iter().filter(|s| !listed(s)) {
        println!(
            "  store       {store} (initiator; enroll your key: payterm initiator enroll --server {} --control {} --store {store})",
            cloud.uri(),
            cloud.control_uri()
        );
    }
    match &scenario {
        Some(s) => print_scenario(s),
        None => {
            let more = if args.terminals > 1 {
                format!(" and {} more (100001…)", args.terminals - 1)
            } else {
                String::new()
            };
            println!("  terminals   999888 ({}, {currency}){more}", args.mode.as_str());
        }
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::new(exit_codes::INTERNAL, format!("failed to wait for Ctrl-C: {e}")))?;
    println!("payterm serve: stopping");
    drop(cloud);
    Ok(())
}

fn print_scenario(s: &crate::scenario::Scenario) {
    let rules: Vec<&str> = s.rules.iter().map(|r| r.id).collect();
    println!("  scenario    {} (rules: {})", crate::printable::line(&s.name, 200), rules.join(", "));
    for t in &s.terminals {
        println!("  terminal    {} ({}, {})", t.tid, t.mode.as_str(), t.currency);
    }
    for store in &s.stores {
        let name = crate::printable::escape(&store.name);
        println!("  store       {name} (enroll your key: payterm initiator enroll --store {name} …)");
    }
    println!("  orders (driver contract, one JSON line each; give them to your integration):");
    for order in &s.orders {
        println!("    {}", crate::scenario::orders::order_json(order));
    }
}
