//! The initiator's [`Config`]: which service, which store, which key. `enroll` writes it;
//! `invoice` and `status` read it. Its path is `PAYTERM_INITIATOR_CONFIG` if set, else
//! `$XDG_CONFIG_HOME/payterm/initiator.json`, else `~/.config/payterm/initiator.json`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "PAYTERM_INITIATOR_CONFIG";

/// What `invoice` and `status` need to sign and send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Always 1.
    pub version: u32,
    /// The service's base URL (where `/hype/` lives), e.g. `http://127.0.0.1:7878`.
    pub endpoint: String,
    /// The store the key is enrolled for.
    pub store: String,
    /// The private key file (absolute).
    pub key_file: PathBuf,
    /// The enrolled key's id.
    pub key_id: String,
}

/// Why the config could not be found, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No path could be worked out.
    #[error(
        "no place for the initiator config: neither {CONFIG_ENV}, XDG_CONFIG_HOME nor HOME is set\n(hint: set {CONFIG_ENV}=/path/to/initiator.json)"
    )]
    NoPath,
    /// The file is not there.
    #[error("no initiator config at {}\n(hint: run `payterm initiator enroll --server URL --control URL --store STORE` first, or set {CONFIG_ENV})", path.display())]
    Missing {
        /// The path looked at.
        path: PathBuf,
    },
    /// The file cannot be read.
    #[error("failed to read the initiator config {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a config.
    #[error("the initiator config {} is damaged: {reason}\n(hint: run `payterm initiator enroll …` again to rewrite it)", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file cannot be written.
    #[error("failed to write the initiator config {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The config path from the process environment (`override_path` first, e.g. `--config`).
pub fn config_path(override_path: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(p) = override_path {
        return Ok(p.to_owned());
    }
    resolve(std::env::var_os(CONFIG_ENV), std::env::var_os("XDG_CONFIG_HOME"), std::env::var_os("HOME"))
        .ok_or(ConfigError::NoPath)
}

/// The config path from the three variables; empty values count as unset, and a relative
/// `XDG_CONFIG_HOME` is ignored as the XDG spec says.
fn resolve(explicit: Option<OsString>, xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let set = |v: Option<OsString>| v.filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = set(explicit) {
        return Some(p);
    }
    if let Some(x) = set(xdg).filter(|x| x.is_absolute()) {
        return Some(x.join("payterm").join("initiator.json"));
    }
    set(home).map(|h| h.join(".config").join("payterm").join("initiator.json"))
}

/// Where `keygen` puts the key by default: `initiator.key` beside the config file.
pub fn default_key_path(config: &Path) -> PathBuf {
    config.with_file_name("initiator.key")
}

/// Reads the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing { path: path.to_owned() },
        _ => ConfigError::Read { path: path.to_owned(), source },
    })?;
    let damaged = |reason: String| ConfigError::Damaged { path: path.to_owned(), reason };
    let config: Config = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    if config.version != 1 {
        return Err(damaged(format!("version {} is not 1", config.version)));
    }
    Ok(config)
}

/// Writes `config` to `path`, creating its folder.
pub fn save(path: &Path, config: &Config) -> Result<(), ConfigError> {
    let err = |source| ConfigError::Write { path: path.to_owned(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut text = serde_json::to_string_pretty(config).map_err(|e| err(std::io::Error::other(e)))?;
    text.push('\n');
    std::fs::write(path, text).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::the_variable_wins(Some("/c/i.json"), Some("/x"), Some("/h"), Some("/c/i.json"))]
    #[case::then_xdg(None, Some("/x"), Some("/h"), Some("/x/payterm/initiator.json"))]
    #[case::then_home(None, None, Some("/h"), Some("/h/.config/payterm/initiator.json"))]
    #[case::empty_values_count_as_unset(Some(""), Some(""), Some("/h"), Some("/h/.config/payterm/initiator.json"))]
    #[case::a_relative_xdg_is_ignored(None, Some("rel"), Some("/h"), Some("/h/.config/payterm/initiator.json"))]
    #[case::nothing_set_is_no_path(None, None, None, None)]
    fn the_config_path(
        #[case] explicit: Option<&str>,
        #[case] xdg: Option<&str>,
        #[case] home: Option<&str>,
        #[case] expected: Option<&str>,
    ) {
        let os = |v: Option<&str>| v.map(OsString::from);
        assert_eq!(resolve(os(explicit), os(xdg), os(home)), expected.map(PathBuf::from));
    }

    #[test]
    fn the_default_key_sits_beside_the_config() {
        assert_eq!(default_key_path(Path::new("/c/initiator.json")), PathBuf::from("/c/initiator.key"));
    }
}
