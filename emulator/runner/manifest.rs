//! An integration's manifest (`payterm.toml`): its name and version, the surfaces and
//! operations it supports, and how to reach it (a command or a service URL). Scenarios that
//! need what it does not support are skipped, not failed.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::scenario::Scenario;

/// The file name `payterm run` looks for in the current folder.
pub const FILE_NAME: &str = "payterm.toml";

/// A parsed manifest.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The integration's name.
    pub name: String,
    /// Its version.
    #[serde(default)]
    pub version: Option<String>,
    /// `cloud`, `app2app`, `initiator` (default: all three).
    #[serde(default = "all_surfaces")]
    pub surfaces: Vec<String>,
    /// `sale`, `void`, `close_batch`, `invoice` (default: all four).
    #[serde(default = "all_operations")]
    pub operations: Vec<String>,
    /// The command run once per scenario, in the manifest's folder (command mode).
    #[serde(default)]
    pub command: Option<String>,
    /// The URL orders are posted to (service mode).
    #[serde(default)]
    pub service: Option<String>,
    /// Scenario files or folders `payterm run` takes when given none, relative to the manifest.
    #[serde(default)]
    pub scenarios: Vec<PathBuf>,
    /// The folder the manifest was read from (commands run there).
    #[serde(skip)]
    pub dir: PathBuf,
}

const SURFACES: [&str; 3] = ["cloud", "app2app", "initiator"];
const OPERATIONS: [&str; 4] = ["sale", "void", "close_batch", "invoice"];

fn all_surfaces() -> Vec<String> {
    SURFACES.iter().map(|s| (*s).to_owned()).collect()
}

fn all_operations() -> Vec<String> {
    OPERATIONS.iter().map(|s| (*s).to_owned()).collect()
}

/// Reads and checks the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    parse(&text, path)
}

/// Parses manifest `text` read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<Manifest, String> {
    let mut manifest: Manifest = toml::from_str(text).map_err(|e| format!("{}: {e}", path.display()))?;
    for s in &manifest.surfaces {
        if !SURFACES.contains(&s.as_str()) {
            return Err(format!("{}: unknown surface `{s}` (known: {})", path.display(), SURFACES.join(", ")));
        }
    }
    for o in &manifest.operations {
        if !OPERATIONS.contains(&o.as_str()) {
            return Err(format!("{}: unknown operation `{o}` (known: {})", path.display(), OPERATIONS.join(", ")));
        }
    }
    if manifest.command.is_some() && manifest.service.is_some() {
        return Err(format!("{}: give `command` or `service`, not both", path.display()));
    }
    // `payterm.toml` has an empty parent: the current folder.
    manifest.dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    Ok(manifest)
}

impl Manifest {
    /// Why the integration cannot run `scenario`, if it cannot: the first surface or
    /// operation an order needs that the manifest does not declare.
    pub fn unsupported(&self, scenario: &Scenario) -> Option<String> {
        for order in &scenario.orders {
            let surface = order.surface.as_str();
            if !self.surfaces.iter().any(|s| s == surface) {
                return Some(format!("needs the {surface} surface, which {} does not declare", self.name));
            }
            let operation = order.operation.as_str();
            if !self.operations.iter().any(|o| o == operation) {
                return Some(format!("needs the {operation} operation, which {} does not declare", self.name));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_manifest_supports_everything_and_remembers_its_folder() {
        let m = parse("name = \"pos\"\ncommand = \"python3 pos.py\"\n", Path::new("/x/payterm.toml")).unwrap();
        assert_eq!((m.surfaces.len(), m.operations.len(), m.dir.as_path()), (3, 4, Path::new("/x")));
    }

    #[test]
    fn an_unknown_surface_is_named() {
        let e = parse("name = \"pos\"\nsurfaces = [\"clod\"]\n", Path::new("payterm.toml")).unwrap_err();
        assert!(e.contains("unknown surface `clod`"), "{e}");
    }

    #[test]
    fn a_misspelt_key_is_refused() {
        let e = parse("name = \"pos\"\ncomand = \"x\"\n", Path::new("payterm.toml")).unwrap_err();
        assert!(e.contains("comand"), "{e}");
    }
}
