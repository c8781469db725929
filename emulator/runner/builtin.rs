//! What `payterm run` uses when told nothing: the built-in suite and the Python reference
//! integration (`pos.py` and its package `pos/`), both embedded in the binary at build time.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded_suite.rs"));
include!(concat!(env!("OUT_DIR"), "/embedded_reference.rs"));

/// Writes the reference integration, every file of [`REFERENCE`], into `dir` (a new folder of
/// payterm's own: each file is created, never written through a link someone planted; each
/// folder of the package is made there, or was made by an earlier file) and returns the
/// command that runs it.
pub fn reference_command(dir: &Path) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
    for (name, text) in REFERENCE {
        let mut folder = dir.to_path_buf();
        for part in Path::new(name).parent().into_iter().flat_map(Path::components) {
            folder.push(part);
            make_folder(&folder)?;
        }
        crate::files::write_new(&dir.join(name), text.as_bytes(), false)?;
    }
    Ok(format!("python3 '{}'", dir.join("pos.py").display()))
}

/// Makes the folder `path`, or finds it made already as a folder (not a link to one).
fn make_folder(path: &Path) -> Result<(), String> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_dir() => Ok(()),
            _ => Err(format!("failed to create {}: {e} (and it is not a folder)", path.display())),
        },
        Err(e) => Err(format!("failed to create {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{REFERENCE, reference_command};

    /// Every file under `dir`, as paths relative to `root`, leaving out `__pycache__` folders
    /// (Python's own cache, ignored by git).
    fn files(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "__pycache__") {
                    files(root, &path, out);
                }
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn the_embedded_reference_is_exactly_pos_py_and_every_file_of_its_package() {
        // Arrange
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/reference-python");
        let mut on_disk = vec!["pos.py".to_owned()];
        files(&root, &root.join("pos"), &mut on_disk);
        on_disk.sort();
        // Act
        let mut embedded: Vec<String> = REFERENCE.iter().map(|(name, _)| (*name).to_owned()).collect();
        embedded.sort();
        // Assert: no file forgotten (a file of the package that is not Python would be), none
        // stale.
        assert_eq!(embedded, on_disk);
        for (name, text) in REFERENCE {
            assert_eq!(std::fs::read_to_string(root.join(name)).unwrap(), *text, "{name} is stale in the binary");
        }
    }

    #[test]
    fn the_reference_is_written_whole_and_every_file_is_new() {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let at: PathBuf = dir.path().join("reference");
        // Act
        let command = reference_command(&at).unwrap();
        // Assert
        assert_eq!(command, format!("python3 '{}'", at.join("pos.py").display()));
        let mut written = Vec::new();
        files(&at, &at, &mut written);
        written.sort();
        let mut embedded: Vec<String> = REFERENCE.iter().map(|(name, _)| (*name).to_owned()).collect();
        embedded.sort();
        assert_eq!(written, embedded);
        for (name, text) in REFERENCE {
            assert_eq!(std::fs::read_to_string(at.join(name)).unwrap(), *text, "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_where_the_package_goes_is_refused_not_written_through() {
        // Arrange: `pos` is a link to a folder elsewhere.
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("pos")).unwrap();
        // Act
        let result = reference_command(dir.path());
        // Assert
        assert!(result.is_err_and(|e| e.contains("not a folder")));
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}
