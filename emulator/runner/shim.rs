//! The initiator program the integration calls: a folder holding `aelucrative-hype-initiator`
//! (a link to payterm), a signing key enrolled for the scenario's store, and the config that
//! names the scenario's service — so the integration runs it exactly as in production.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use rand::{RngCore, SeedableRng};

use crate::script::setup::HarnessKey;
use crate::surfaces::initiator::SHIM_NAME;
use crate::surfaces::initiator::{config, keyfile, signing};

/// The harness's initiator key for a run with `seed` (repeatable, so transcripts repeat).
pub fn harness_key(seed: u64) -> SigningKey {
    let mut bytes = [0u8; 32];
    rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6b65_7973).fill_bytes(&mut bytes);
    SigningKey::from_bytes(&bytes)
}

/// What the World enrolls for `key`.
pub fn enrolled(key: &SigningKey) -> HarnessKey {
    HarnessKey { key_id: signing::key_id(&key.verifying_key()), public: key.verifying_key().to_bytes() }
}

/// The shim folder (to put first on `PATH`) and the config path (for `PAYTERM_INITIATOR_CONFIG`).
pub struct Shim {
    /// The folder holding `aelucrative-hype-initiator`.
    pub bin: PathBuf,
    /// The config file.
    pub config: PathBuf,
}

/// Lays out the shim under `dir` for `payterm` (the binary), signing with `key` for `store`
/// at the service `endpoint`.
pub fn install(dir: &Path, payterm: &Path, key: &SigningKey, store: &str, endpoint: &str) -> Result<Shim, String> {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| format!("failed to create {}: {e}", bin.display()))?;
    let link = bin.join(SHIM_NAME);
    let _ = std::fs::remove_file(&link);
    link_to(payterm, &link).map_err(|e| format!("failed to link {} to {}: {e}", link.display(), payterm.display()))?;
    let key_file = dir.join("initiator.key");
    keyfile::write(&key_file, key, true).map_err(|e| e.to_string())?;
    let config_path = dir.join("initiator.json");
    let cfg = config::Config {
        version: 1,
        endpoint: endpoint.to_owned(),
        store: store.to_owned(),
        key_file,
        key_id: signing::key_id(&key.verifying_key()),
    };
    let mut text = serde_json::to_string_pretty(&cfg).map_err(|e| e.to_string())?;
    text.push('\n');
    crate::files::write_new(&config_path, text.as_bytes(), false)?;
    Ok(Shim { bin, config: config_path })
}

#[cfg(unix)]
fn link_to(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_to(target: &Path, link: &Path) -> std::io::Result<()> {
    std::fs::copy(target, link).map(|_| ())
}
