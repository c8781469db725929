//! What the driver contract hands an integration for one scenario (spec/driver.md): the
//! emulator's URLs, the time scale, the merchant's credentials and the initiator program —
//! as environment variables (command mode) or beside each posted order (service mode).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::shim::Shim;
use crate::MockCloud;
use crate::scenario::Scenario;

/// The contract of one scenario's run.
#[derive(Clone, Debug)]
pub(super) struct Contract {
    url: String,
    time_scale: f64,
    min_poll_interval_s: f64,
    patience_s: f64,
    credentials: Value,
    shim: PathBuf,
    config: PathBuf,
}

impl Contract {
    /// The contract for `scenario` on `cloud`, with the initiator laid out in `shim`.
    pub(super) fn new(cloud: &MockCloud, scenario: &Scenario, time_scale: f64, shim: &Shim) -> Self {
        let store = scenario.stores.first().map_or("testingstore", |s| s.name.as_str());
        let credentials = json!({
            "cloud": {"basic": cloud.basic_credential(), "username": "jan.novak@example.com",
                      "password": "ABCDEFGHIJKL",
                      "tid": scenario.terminals.first().map_or("999888", |t| t.tid.as_str())},
            "app2app": {"clientID": "223"},
            "initiator": {"store": store},
        });
        Contract {
            url: cloud.uri(),
            time_scale,
            min_poll_interval_s: scenario.timing.min_poll_interval.as_secs_f64(),
            patience_s: scenario.timing.patience.as_secs_f64(),
            credentials,
            shim: shim.bin.clone(),
            config: shim.config.clone(),
        }
    }

    /// The environment of command mode.
    pub(super) fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.shim.clone()];
        paths.extend(std::env::split_paths(&path));
        vec![
            ("PAYTERM_URL", self.url.clone().into()),
            ("PAYTERM_APP2APP_URL", format!("{}/app2app?uri=", self.url).into()),
            ("PAYTERM_TIME_SCALE", self.time_scale.to_string().into()),
            // Beyond driver.md: the scenario's own limits, so an integration can pace itself.
            ("PAYTERM_MIN_POLL_INTERVAL", self.min_poll_interval_s.to_string().into()),
            ("PAYTERM_PATIENCE", self.patience_s.to_string().into()),
            ("PAYTERM_CREDENTIALS", self.credentials.to_string().into()),
            (crate::surfaces::initiator::config::CONFIG_ENV, self.config.clone().into()),
            ("PATH", std::env::join_paths(paths).unwrap_or(path)),
        ]
    }

    /// What service mode sends beside each order, under `payterm`: the same facts as the
    /// environment, and the initiator program's full path (`initiator`) — a wrapper that
    /// carries its own configuration, since a long-running service has one environment.
    pub(super) fn service_json(&self, initiator: &std::path::Path) -> Value {
        json!({
            "url": self.url,
            "app2app_url": format!("{}/app2app?uri=", self.url),
            "events_url": format!("{}{}", self.url, crate::surfaces::inbox::PATH),
            "time_scale": self.time_scale,
            "min_poll_interval_s": self.min_poll_interval_s,
            "patience_s": self.patience_s,
            "credentials": self.credentials,
            "initiator": initiator.display().to_string(),
        })
    }

    /// Writes the initiator wrapper for service mode into `dir`; returns its path.
    pub(super) fn write_initiator_wrapper(&self, dir: &std::path::Path) -> Result<PathBuf, String> {
        let folder = dir.join("service-bin");
        std::fs::create_dir_all(&folder).map_err(|e| format!("failed to create {}: {e}", folder.display()))?;
        let path = folder.join(crate::surfaces::initiator::SHIM_NAME);
        let quote = |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
        let script = format!(
            "#!/bin/sh\n# The emulated initiator of one payterm scenario, configured.\nexport {}={}\nexec {} \"$@\"\n",
            crate::surfaces::initiator::config::CONFIG_ENV,
            quote(&self.config),
            quote(&self.shim.join(crate::surfaces::initiator::SHIM_NAME)),
        );
        crate::files::write_new(&path, script.as_bytes(), true)?;
        Ok(path)
    }
}
