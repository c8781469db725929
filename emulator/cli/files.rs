//! The files a run leaves behind, written so that a crash cannot spoil them and no path is
//! turned into something it was not: [`write_atomic`] replaces a regular file whole (a
//! temporary file beside it, renamed over), writes a symbolic link's target the same way, and
//! writes a FIFO, a device or a standard stream (`/dev/stdout`) in place; [`check_outputs`]
//! makes sure, before anything runs, that every report can be written and would destroy no input.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::exit_codes;

/// What writing a report to a path means.
enum Target {
    /// Replace this regular file (or create it) whole: the path itself, or the file a
    /// symbolic link points to (the link stays).
    Replace(PathBuf),
    /// Write through payterm's own standard output or error, after what it printed.
    Stream(Stream),
    /// A FIFO, a device, a socket: opened and written in place; renaming over it would only
    /// put a file where it was.
    InPlace,
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// The standard stream `path` names (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`, and the
/// same for 2), written through payterm's own handle so the report follows what was printed,
/// whether it goes to a terminal, a pipe or a file.
fn stream(path: &Path) -> Option<Stream> {
    match path.to_str()? {
        "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(Stream::Stdout),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(Stream::Stderr),
        _ => None,
    }
}

/// What writing to `path` means, or why it cannot be written at all.
fn target(path: &Path) -> std::io::Result<Target> {
    use std::io::{Error, ErrorKind};
    if let Some(s) = stream(path) {
        return Ok(Target::Stream(s));
    }
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Target::Replace(path.to_owned())),
        other => other?,
    };
    if meta.is_file() {
        return Ok(Target::Replace(path.to_owned()));
    }
    if meta.is_dir() {
        return Err(Error::other("it is a folder"));
    }
    if !meta.file_type().is_symlink() {
        return Ok(Target::InPlace);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Target::Replace(std::fs::canonicalize(path)?)),
        Ok(m) if m.is_dir() => Err(Error::other("it is a symbolic link to a folder")),
        Ok(_) => Ok(Target::InPlace),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let to = std::fs::read_link(path).map(|p| p.display().to_string()).unwrap_or_default();
            Err(Error::new(ErrorKind::NotFound, format!("it is a symbolic link to {to}, which does not exist")))
        }
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path` as the kind of file it is. A regular file (or a new one) is written
/// all at once: into a temporary file in the same folder (a random name, made by `tempfile`),
/// flushed to disk, then renamed over `path`, so a reader sees the old file or the new one,
/// never half of one; a failure removes the temporary file. A symbolic link keeps pointing
/// where it did, and its target is replaced so. A standard stream, a FIFO or a device is
/// written in place, appended to what it holds (a FIFO waits for its reader, as a shell's
/// `>` does). `kill -9` runs no code: killed mid-write, payterm leaves the temporary file
/// `.NAME.XXXXXX.tmp` beside a report that is still whole.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match target(path)? {
        Target::Replace(real) => replace(&real, bytes),
        Target::Stream(s) => {
            let _ = std::io::stdout().flush();
            match s {
                Stream::Stdout => std::io::stdout().lock().write_all(bytes),
                Stream::Stderr => std::io::stderr().lock().write_all(bytes),
            }
        }
        Target::InPlace => std::fs::OpenOptions::new().append(true).open(path)?.write_all(bytes),
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A report is read by others as any file this user makes (the umask applies), not kept
    // private as a temporary file is by default.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(parent_of(path))?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map(|_| ()).map_err(|e| e.error)
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
/// written — a regular file (or a link to one, or a new file) whose folder exists (created if
/// missing) and takes a new file, and that is none of `inputs`; a standard stream, FIFO or
/// device as it is — and that no two outputs share a path. Fails with exit code 3 naming the
/// first problem.
pub(super) fn check_outputs(outputs: &[(String, PathBuf)], inputs: &[PathBuf]) -> Result<(), CliError> {
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
        let real = match target(path) {
            Ok(Target::Replace(real)) => real,
            // Written in place: nothing to create, and a FIFO is not opened before its time
            // (that would wait for a reader).
            Ok(Target::Stream(_) | Target::InPlace) => continue,
            Err(e) => {
                return Err(invalid(format!(
                    "failed to write the {what} report {shown}: {e}\n(hint: nothing ran; name a file, a link to one, a FIFO or /dev/stdout)"
                )));
            }
        };
        let dir = parent_of(&real);
        if let Err(e) = tempfile::Builder::new().prefix(".payterm-probe.").tempfile_in(&dir) {
            return Err(invalid(format!(
                "failed to write the {what} report {shown}: its folder {} takes no new file: {e}\n(hint: nothing ran; pick a path in a folder you can write)",
                dir.display()
            )));
        }
        let Some(target) = resolved(&real) else { continue };
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
