//! Files payterm writes into a run's folder, written so that nothing planted there (a link
//! to somewhere else) is ever written through.

use std::path::Path;

/// Writes `bytes` to `path` as a new file: whatever is there is removed first (a link itself,
/// not what it points to), then the file is made with `create_new`, which follows no link
/// planted in between — so nothing outside the run's folder is ever written through it.
pub(crate) fn write_new(path: &Path, bytes: &[u8], executable: bool) -> Result<(), String> {
    use std::io::Write as _;
    let failed = |e: std::io::Error| format!("failed to write {}: {e}", path.display());
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e)),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if executable { 0o755 } else { 0o644 });
    #[cfg(not(unix))]
    let _ = executable;
    options.open(path).and_then(|mut f| f.write_all(bytes)).map_err(failed)
}
