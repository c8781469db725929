//! Mockoon CLI as a peer: [`start`] writes a Mockoon environment with one route (the polled path,
//! payterm's body bytes, otherwise Mockoon's defaults) and runs `mockoon-cli start` on it.

use std::process::Command;
use std::time::Duration;

use serde_json::json;
use tokio::runtime::Runtime;

use super::process::{PeerProcess, free_port, peers_dir, runs};

/// The version `scripts/bench-peers.sh` installs.
pub const VERSION: &str = "9.9.0";

/// The data-file format version this CLI reads without migrating (`HighestMigrationId`).
const LAST_MIGRATION: u32 = 33;

/// How long Node may take to answer its first request.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment: Mockoon's `EnvironmentDefault` and `RouteResponseDefault`, one route.
fn environment(port: u16, path: &str, body: &str) -> serde_json::Value {
    let (env, route, response) = (
        "0b7f3c1e-2f5a-4c3e-9d1a-000000000001",
        "0b7f3c1e-2f5a-4c3e-9d1a-000000000002",
        "0b7f3c1e-2f5a-4c3e-9d1a-000000000003",
    );
    json!({
        "uuid": env, "lastMigration": LAST_MIGRATION, "name": "payterm bench", "endpointPrefix": "",
        "latency": 0, "port": port, "hostname": "127.0.0.1", "folders": [],
        "routes": [{
            "uuid": route, "type": "http", "documentation": "", "method": "get",
            "endpoint": path.trim_start_matches('/'),
            "responses": [{
                "uuid": response, "body": body, "latency": 0, "statusCode": 200, "label": "",
                "headers": [{"key": "Content-Type", "value": "application/json"}],
                "bodyType": "INLINE", "filePath": "", "databucketID": "", "sendFileAsBody": false,
                "rules": [], "rulesOperator": "OR", "disableTemplating": false, "fallbackTo404": false,
                "default": true, "crudKey": "id", "callbacks": []
            }],
            "responseMode": null, "streamingMode": null, "streamingInterval": 0
        }],
        "rootChildren": [{"type": "route", "uuid": route}],
        "proxyMode": false, "proxyHost": "", "proxyRemovePrefix": false,
        "tlsOptions": {"enabled": false, "type": "CERT", "pfxPath": "", "certPath": "", "keyPath": "", "caPath": "", "passphrase": ""},
        "cors": true, "headers": [], "proxyReqHeaders": [], "proxyResHeaders": [], "data": [], "callbacks": []
    })
}

/// Writes the data file and starts the CLI on a free port; logs go to stdout (`-X`), which the
/// bench sends to a file, so nothing lands in the home folder.
pub fn start(rt: &Runtime, path: &str, body: &str) -> Result<PeerProcess, String> {
    runs("node", &["--version"])?;
    let cli = peers_dir().join("node_modules/.bin/mockoon-cli");
    if !cli.exists() {
        return Err(format!("{} is not there (make bench installs it: scripts/bench-peers.sh)", cli.display()));
    }
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let data = peers_dir().join("mockoon-environment.json");
    let text = serde_json::to_string_pretty(&environment(port, path, body)).map_err(|e| e.to_string())?;
    std::fs::write(&data, text).map_err(|e| format!("cannot write {}: {e}", data.display()))?;
    let mut command = Command::new(&cli);
    command.arg("start").arg("--data").arg(&data).args(["--port", &port.to_string(), "--hostname", "127.0.0.1", "-X"]);
    PeerProcess::start(rt, "mockoon", command, port, path, STARTUP_TIMEOUT)
}
