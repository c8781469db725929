//! [`WorkFolder`]: a folder of one run's own (the initiator shim, its key and config), made
//! under the system's temporary folder with a random name no other user can plant first
//! (`tempfile`, mode 0700), and removed however the run ends: when it is dropped (the run
//! finished, or was cancelled by SIGINT or SIGTERM), or by the reaper if payterm is killed.

use std::path::Path;

use super::reaper;

/// A run's work folder; removed on drop.
pub struct WorkFolder {
    // Dropped in this order: the folder is removed, then the reaper told it is gone.
    dir: tempfile::TempDir,
    _reaped: Option<reaper::Registration>,
}

impl WorkFolder {
    /// A new folder `payterm-PREFIX-XXXXXX` in the temporary folder, registered with the reaper
    /// of `payterm` (the binary).
    pub fn new(prefix: &str, payterm: &Path) -> Result<WorkFolder, String> {
        let dir = tempfile::Builder::new().prefix(&format!("payterm-{prefix}-")).tempdir().map_err(|e| {
            format!(
                "failed to create a work folder in {}: {e}\n(hint: set TMPDIR to a folder you can write)",
                std::env::temp_dir().display()
            )
        })?;
        let absolute = std::path::absolute(dir.path()).unwrap_or_else(|_| dir.path().to_owned());
        Ok(WorkFolder { _reaped: reaper::guard_folder(payterm, &absolute), dir })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
