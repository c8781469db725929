//! What `payterm run` uses when told nothing: the built-in suite and the Python reference
//! integration, both embedded in the binary at build time.

include!(concat!(env!("OUT_DIR"), "/embedded_suite.rs"));

/// The reference integration (`examples/reference-python/pos.py`), run with `python3`.
pub const REFERENCE_PY: &str = include_str!("../../examples/reference-python/pos.py");

/// Writes the reference integration into `dir` (a new folder of payterm's own: the file is
/// created, never written through a link someone planted) and returns the command that runs it.
pub fn reference_command(dir: &std::path::Path) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
    let path = dir.join("pos.py");
    crate::runner::shim::write_new(&path, REFERENCE_PY.as_bytes(), false)?;
    Ok(format!("python3 '{}'", path.display()))
}
