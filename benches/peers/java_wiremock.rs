//! WireMock 3 (Java) as a peer: [`start`] runs the standalone jar that the npm package `wiremock`
//! ships, with its defaults, on a loopback port and one stub mapping for the polled path and body.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use tokio::runtime::Runtime;

use super::process::{PeerProcess, free_port, peers_dir, runs};

/// The version `scripts/bench-peers.sh` installs.
pub const VERSION: &str = "3.13.2";

/// How long the JVM may take to answer its first request.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The jar inside the npm package.
fn jar() -> Result<PathBuf, String> {
    let jar = peers_dir().join(format!("node_modules/wiremock/build/wiremock-standalone-{VERSION}.jar"));
    if jar.is_file() {
        Ok(jar)
    } else {
        Err(format!("{} is not there (make bench installs it: scripts/bench-peers.sh)", jar.display()))
    }
}

/// Writes the stub mapping into a root dir of its own and starts the jar on a free port.
pub fn start(rt: &Runtime, path: &str, body: &str) -> Result<PeerProcess, String> {
    runs("java", &["-version"])?;
    let jar = jar()?;
    let root = peers_dir().join("wiremock-root");
    let mappings = root.join("mappings");
    std::fs::create_dir_all(&mappings).map_err(|e| format!("cannot create {}: {e}", mappings.display()))?;
    let stub = json!({
        "request": {"method": "GET", "url": path},
        "response": {"status": 200, "body": body, "headers": {"Content-Type": "application/json"}}
    });
    let file = mappings.join("task.json");
    std::fs::write(&file, stub.to_string()).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let mut command = Command::new("java");
    command
        .arg("-jar")
        .arg(&jar)
        .args(["--bind-address", "127.0.0.1", "--port", &port.to_string(), "--disable-banner"])
        .arg("--root-dir")
        .arg(&root);
    PeerProcess::start(rt, "wiremock-java", command, port, path, STARTUP_TIMEOUT)
}
