//! The files a run leaves behind, written so that a crash cannot spoil them: [`write_atomic`]
//! writes a temporary file beside the target and renames it over, and [`check_outputs`] makes
//! sure, before anything runs, that every report can be written and would destroy no input.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::CliError;
use crate::exit_codes;

/// Writes `bytes` to `path` all at once: into a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. A reader (or a `kill -9`) sees the old file or the new one,
/// never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = parent_of(path);
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let n = N.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create_new(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// The folder `path` is in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// `path` made absolute through its folder (which must exist), so two spellings of one file
/// compare equal even before the file exists.
fn resolved(path: &Path) -> Option<PathBuf> {
    let dir = parent_of(path).canonicalize().ok()?;
    Some(dir.join(path.file_name()?))
}

/// Checks, before the first scenario starts, that each of `outputs` (what, path) can be
/// written — its folder exists (created if missing) and takes a new file, it is not a folder,
/// it is none of `inputs`, and no two outputs share a path. Fails with exit code 3 naming the
/// first problem.
pub fn check_outputs(outputs: &[(String, PathBuf)], inputs: &[PathBuf]) -> Result<(), CliError> {
    let invalid = |m: String| CliError::new(exit_codes::INVALID_INPUT, m);
    let inputs: Vec<PathBuf> = inputs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (what, path) in outputs {
        let shown = path.display();
        let dir = parent_of(path);
        std::fs::create_dir_all(&dir).map_err(|e| {
            invalid(format!(
                "failed to create the folder of the {what} report {shown}: {e}\n(hint: nothing ran; pick a path in a folder you can write)"
            ))
        })?;
        if path.is_dir() {
            return Err(invalid(format!(
                "the {what} report {shown} is a folder\n(hint: name a file, e.g. {shown}/report.{what})"
            )));
        }
        let probe = dir.join(format!(".payterm-probe.{}.tmp", std::process::id()));
        match std::fs::File::create_new(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(e) => {
                return Err(invalid(format!(
                    "failed to write the {what} report {shown}: its folder {} takes no new file: {e}\n(hint: nothing ran; pick a path in a folder you can write)",
                    dir.display()
                )));
            }
        }
        let Some(target) = resolved(path) else { continue };
        if inputs.contains(&target) {
            return Err(invalid(format!(
                "the {what} report {shown} would overwrite one of the run's inputs\n(hint: nothing ran; write reports elsewhere, e.g. target/payterm/)"
            )));
        }
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == target) {
            return Err(invalid(format!(
                "the {what} and {other} reports would both be written to {shown}\n(hint: give each report its own path)"
            )));
        }
        seen.push((target, what));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("payterm-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_write_that_fails_leaves_the_old_file_whole_and_no_temporary_file() {
        // Arrange: a valid report, and a folder where the rename must fail (the target is a
        // non-empty folder by then).
        let dir = scratch("atomic");
        let report = dir.join("report.json");
        std::fs::write(&report, "{\"old\": true}").unwrap();
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("inside")).unwrap();
        // Act
        write_atomic(&report, b"{\"new\": true}").unwrap();
        let failed = write_atomic(&blocked, b"never");
        // Assert
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "{\"new\": true}");
        assert!(failed.is_err());
        let left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(left.iter().all(|n| !n.ends_with(".tmp")), "{left:?}");
    }

    #[test]
    fn two_reports_on_one_path_or_on_an_input_are_refused() {
        let dir = scratch("outputs");
        let input = dir.join("scenario.toml");
        std::fs::write(&input, "x").unwrap();
        let same = [("json".to_owned(), dir.join("r")), ("html".to_owned(), dir.join("./r"))];
        let e = check_outputs(&same, &[]).unwrap_err();
        assert_eq!(e.code, exit_codes::INVALID_INPUT);
        assert!(e.message.contains("would both be written"), "{}", e.message);
        let e = check_outputs(&[("json".to_owned(), input.clone())], std::slice::from_ref(&input)).unwrap_err();
        assert!(e.message.contains("overwrite one of the run's inputs"), "{}", e.message);
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "x");
    }
}
