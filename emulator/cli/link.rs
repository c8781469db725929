//! `payterm link 'gptom://…'` ([`LinkArgs`]): prints the redirect URL a deep link is answered
//! with, acting on a running `payterm serve` (`--server`, `PAYTERM_URL`) or on a fresh one-shot
//! World.

use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use http::{Method, StatusCode, header};

use crate::cli::{CliError, runtime};
use crate::client::HttpClient;
use crate::exit_codes;
use crate::surfaces::app2app::execute::answer_link;
use crate::surfaces::app2app::pct;
use crate::time::VirtualTime;
use crate::world::World;

/// How long a server has to answer one link.
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of `payterm link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The deep link, e.g. 'gptom://batch/close?redirectUrl=fb://Success'.
    pub link: String,
    /// The Cloud API URL of a running `payterm serve` to act on, e.g. http://127.0.0.1:7878;
    /// without it the link runs on a fresh one-shot World.
    #[arg(long, env = "PAYTERM_URL")]
    pub server: Option<String>,
}

/// Runs `payterm link`: the redirect URL (or, for a link without `redirectUrl`, the JSON
/// answer) on stdout, exit 0 also for `status=ERROR`; exit 3 when there is nothing to
/// redirect to.
pub(super) fn run(args: LinkArgs) -> Result<(), CliError> {
    match args.server.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(server) => {
            let printable = runtime()?.block_on(via_server(server, &args.link))?;
            println!("{printable}");
            Ok(())
        }
        None => one_shot(&args.link),
    }
}

fn one_shot(link: &str) -> Result<(), CliError> {
    let mut world = World::documented_example(0, VirtualTime::DEFAULT_START);
    let tid = world.app_terminal().map(|t| t.tid.to_string()).unwrap_or_default();
    let rendered =
        answer_link(&mut world, link).map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e.to_string()))?;
    eprintln!("payterm link: no --server or PAYTERM_URL; ran on a fresh one-shot World (terminal {tid})");
    // Without a server there is no journal: its notes go to stderr.
    for note in &rendered.notes {
        eprintln!("payterm link: note: {note}");
    }
    println!("{}", rendered.printable());
    Ok(())
}

async fn via_server(server: &str, link: &str) -> Result<String, CliError> {
    let base = server.trim_end_matches('/');
    if base.starts_with("https://") {
        return Err(CliError::new(
            exit_codes::SETUP_FAILED,
            format!(
                "--server {base} is HTTPS, and payterm link speaks plain HTTP\n(hint: run the server without --tls)"
            ),
        ));
    }
    if !base.starts_with("http://") {
        return Err(CliError::new(
            exit_codes::USAGE,
            format!(
                "--server `{}` is not an http:// URL\n(hint: pass the Cloud API URL payterm serve prints, e.g. http://127.0.0.1:7878)",
                crate::surfaces::app2app::link::shown(base)
            ),
        ));
    }
    let url = format!("{base}/app2app?uri={}", pct::encode(link));
    let unreachable = |why: String| {
        CliError::new(
            exit_codes::SETUP_FAILED,
            format!(
                "{why}\n(hint: start it with `payterm serve`, or leave out --server and PAYTERM_URL to run on a fresh one-shot World)"
            ),
        )
    };
    let client = HttpClient::default();
    let sent = client.send(Method::GET, &url, &[], Bytes::new());
    let answer = tokio::time::timeout(SERVER_TIMEOUT, sent)
        .await
        .map_err(|_| unreachable(format!("{base} did not answer within {} s", SERVER_TIMEOUT.as_secs())))?
        .map_err(|e| {
            // The client names the whole URL; the server's base is what the reader needs.
            let why = e.strip_prefix(&format!("failed to reach {url}: ")).unwrap_or(&e);
            unreachable(format!("failed to reach payterm serve at {base}: {why}"))
        })?;
    let body = answer.json();
    let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
    match answer.status {
        StatusCode::FOUND => answer
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| CliError::new(exit_codes::INTERNAL, format!("{base} answered 302 without a Location"))),
        StatusCode::OK => Ok(String::from_utf8_lossy(&answer.body).into_owned()),
        StatusCode::BAD_REQUEST => Err(CliError::new(exit_codes::INVALID_INPUT, message)),
        other => Err(CliError::new(
            exit_codes::SETUP_FAILED,
            format!("{base} answered {other} to GET /app2app: {message}\n(hint: is it a payterm serve?)"),
        )),
    }
}
