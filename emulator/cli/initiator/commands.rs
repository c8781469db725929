//! What each initiator command does: `keygen`, `enroll`, `invoice`, `status` and
//! `install-shim`. Setup comes first (config, key), then the document on stdin, then the
//! signed request; only the service's answer ever reaches stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::Method;

use super::client::{ANSWER_TIMEOUT, Answered, Signer, post_signed};
use crate::cli::{CliError, runtime};
use crate::client::HttpClient;
use crate::surfaces::initiator::config::{self, Config};
use crate::surfaces::initiator::document::{parse_autofeed, parse_invoice};
use crate::surfaces::initiator::exit_codes::{BAD_INPUT, INTERNAL, SERVICE_UNREACHABLE, SETUP};
use crate::surfaces::initiator::keyfile::{self, KeyFile};
use crate::surfaces::initiator::signing;

fn setup(e: impl std::fmt::Display) -> CliError {
    CliError::new(SETUP, e.to_string())
}

fn bad_input(e: impl std::fmt::Display) -> CliError {
    CliError::new(BAD_INPUT, format!("failed to read the document: {e}"))
}

/// Makes `path` absolute against the working directory, so the config stays valid from
/// wherever the integration runs.
fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path).map_err(|e| setup(format!("failed to resolve {}: {e}", path.display())))
}

/// `keygen`: a new key in `key` (default: beside the config); prints its id and public key.
pub(super) fn keygen(config_override: Option<&Path>, key: Option<&Path>, force: bool) -> Result<(), CliError> {
    let path = match key {
        Some(p) => p.to_owned(),
        None => config::default_key_path(&config::config_path(config_override).map_err(setup)?),
    };
    let signing = keyfile::generate().map_err(setup)?;
    keyfile::write(&path, &signing, force).map_err(setup)?;
    let id = signing::key_id(&signing.verifying_key());
    let public = signing::public_key_base64(&signing);
    // The stdout line is the control API's enrollment body, so it can be piped with curl.
    println!("{}", serde_json::json!({ "keyId": id, "publicKey": public }));
    eprintln!("wrote the private key to {} (readable only by you)", path.display());
    eprintln!(
        "next: payterm initiator enroll --server CLOUD_URL --control CONTROL_URL --store STORE --key {}",
        path.display()
    );
    Ok(())
}

/// Options of `enroll`, already parsed.
pub(super) struct Enrollment<'a> {
    /// The service's base URL.
    pub server: &'a str,
    /// The control API's base URL (`None`: write the config only).
    pub control: Option<&'a str>,
    /// The store.
    pub store: &'a str,
    /// The key file (default: beside the config).
    pub key: Option<&'a Path>,
}

/// `enroll`: registers the key's public half for the store, then writes the config.
pub(super) fn enroll(config_override: Option<&Path>, e: &Enrollment<'_>) -> Result<(), CliError> {
    let config_path = config::config_path(config_override).map_err(setup)?;
    let key_path = absolute(&e.key.map_or_else(|| config::default_key_path(&config_path), Path::to_owned))?;
    let key = keyfile::read(&key_path).map_err(setup)?;
    if let Some(control) = e.control {
        let url = format!("{}/stores/{}/keys", control.trim_end_matches('/'), e.store);
        let body = serde_json::json!({
            "keyId": key.key_id,
            "publicKey": signing::public_key_base64(&key.signing),
        });
        let client = HttpClient::default();
        let send =
            client.send(Method::POST, &url, &[("content-type", "application/json")], Bytes::from(body.to_string()));
        let answer = runtime()?
            .block_on(async { tokio::time::timeout(ANSWER_TIMEOUT, send).await })
            .unwrap_or_else(|_| {
                Err(format!("the control API at {url} did not answer within {} s", ANSWER_TIMEOUT.as_secs()))
            })
            .map_err(|m| {
                CliError::new(SERVICE_UNREACHABLE, format!("{m}\n(hint: `payterm serve` prints its control URL)"))
            })?;
        if !answer.status.is_success() {
            let json = answer.json();
            let said = json["error"]["message"]
                .as_str()
                .map_or_else(|| String::from_utf8_lossy(&answer.body).chars().take(200).collect(), str::to_owned);
            return Err(setup(format!(
                "the control API refused the enrollment (HTTP {}): {said}",
                answer.status.as_u16()
            )));
        }
    }
    let config = Config {
        version: 1,
        endpoint: e.server.trim_end_matches('/').to_owned(),
        store: e.store.to_owned(),
        key_file: key_path,
        key_id: key.key_id.clone(),
    };
    config::save(&config_path, &config).map_err(setup)?;
    let what = if e.control.is_some() { "enrolled" } else { "configured (not registered)" };
    eprintln!("{what} key {} for store {}; config written to {}", key.key_id, e.store, config_path.display());
    Ok(())
}

/// Loads the config and its key.
fn load(config_override: Option<&Path>) -> Result<(Config, KeyFile), CliError> {
    let path = config::config_path(config_override).map_err(setup)?;
    let config = config::load(&path).map_err(setup)?;
    let key = keyfile::read(&config.key_file).map_err(setup)?;
    Ok((config, key))
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes).map_err(|e| bad_input(format!("failed to read stdin: {e}")))?;
    Ok(bytes)
}

/// Writes the answer as-is, with a trailing newline if it has none, on stdout; the service's
/// detail goes to stderr, where diagnostics belong.
fn print_answer(answered: &Answered) -> Result<(), CliError> {
    if let Some(detail) = &answered.detail {
        eprintln!("the service says: {detail}");
    }
    let answer: &[u8] = &answered.body;
    let mut out = std::io::stdout().lock();
    let newline: &[u8] = if answer.ends_with(b"\n") { b"" } else { b"\n" };
    out.write_all(answer)
        .and_then(|()| out.write_all(newline))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(INTERNAL, format!("failed to write the answer to stdout: {e}")))
}

/// `invoice`: the invoice document on stdin, signed and sent; the answer on stdout.
pub(super) fn invoice(config_override: Option<&Path>) -> Result<(), CliError> {
    let (config, key) = load(config_override)?;
    let body = read_stdin()?;
    let payload = parse_invoice(&body).map_err(bad_input)?;
    if payload.store != config.store {
        return Err(CliError::new(
            BAD_INPUT,
            format!(
                "the invoice is for store `{}`, but this initiator is set up for store `{}`\n(hint: fix `payload.store`, or enroll a key for that store)",
                payload.store, config.store
            ),
        ));
    }
    let url = format!("{}/hype/v1/invoices", config.endpoint);
    let signer = Signer { store: &config.store, key_id: &config.key_id, key: &key.signing };
    let answer = runtime()?.block_on(post_signed(&url, &signer, Bytes::from(body)))?;
    print_answer(&answer)
}

/// `status`: the autofeed on stdin, signed and sent to the endpoint it names.
pub(super) fn status(config_override: Option<&Path>) -> Result<(), CliError> {
    let (config, key) = load(config_override)?;
    let body = read_stdin()?;
    let feed = parse_autofeed(&body).map_err(bad_input)?;
    let url = format!("{}/hype/v1/status", feed.endpoint.trim_end_matches('/'));
    // The autofeed's store signs: a key enrolled for another store then comes back as
    // `bad_signature` from the service, as the real one would say.
    let signer = Signer { store: &feed.store, key_id: &config.key_id, key: &key.signing };
    let answer = runtime()?.block_on(post_signed(&url, &signer, Bytes::from(body)))?;
    print_answer(&answer)
}

/// The hidden `__probe`: everything `status` does before it sends — start, read the config and
/// the key, start the runtime, sign — and nothing after. The runner times it from spawn to exit
/// to learn, by itself, how long this program takes to start on this machine right now (the
/// integration's own claims about that are never believed).
pub(super) fn probe(config_override: Option<&Path>) -> Result<(), CliError> {
    let (config, key) = load(config_override)?;
    let body = Bytes::from_static(br#"{"version":1,"document":"aehype_autofeed","payload":{}}"#);
    let signer = Signer { store: &config.store, key_id: &config.key_id, key: &key.signing };
    runtime()?.block_on(async { crate::surfaces::initiator::signing::sign(signer.key, &body) });
    Ok(())
}

/// `install-shim DIR`: a link named `aelucrative-hype-initiator` to this program in `dir`.
pub(super) fn install_shim(dir: &Path) -> Result<(), CliError> {
    let exe = std::env::current_exe().map_err(|e| setup(format!("failed to find this program's path: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| setup(format!("failed to create {}: {e}", dir.display())))?;
    let link = dir.join(super::SHIM_NAME);
    if let Ok(meta) = link.symlink_metadata() {
        if meta.is_dir() {
            return Err(setup(format!("{} is a folder; remove it first", link.display())));
        }
        std::fs::remove_file(&link).map_err(|e| setup(format!("failed to replace {}: {e}", link.display())))?;
    }
    make_link(&exe, &link)
        .map_err(|e| setup(format!("failed to link {} to {}: {e}", link.display(), exe.display())))?;
    println!("{}", link.display());
    Ok(())
}

#[cfg(unix)]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    // Without symlinks for everyone, a copy keeps the name that the dispatch looks at.
    std::fs::copy(target, link.with_extension("exe")).map(|_| ())
}
