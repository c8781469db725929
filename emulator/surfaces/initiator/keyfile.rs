//! The private key file [`KeyFile`]: a small JSON document holding the Ed25519 secret (and,
//! for people, its public key and key id), written readable only by its owner.
//!
//! ```json
//! {"version": 1, "document": "payterm_initiator_key", "key_id": "ed25519-…",
//!  "public_key": "<base64, 32 bytes>", "secret_key": "<base64, 32 bytes>"}
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use super::signing;

/// The `document` of a key file.
const KEY_DOCUMENT: &str = "payterm_initiator_key";

/// A key read from its file.
#[derive(Debug)]
pub struct KeyFile {
    /// The secret key.
    pub signing: SigningKey,
    /// Its id (derived from the public key).
    pub key_id: String,
}

/// Why a key file could not be made or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file cannot be read.
    #[error("failed to read the key file {}: {source}\n(hint: run `payterm initiator keygen`, or point the config's key_file at your key)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a key file, or its parts do not agree.
    #[error("the key file {} is damaged: {reason}\n(hint: generate a new key with `payterm initiator keygen --force` and enroll it again)", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `keygen` would overwrite a key.
    #[error("the key file {} already exists\n(hint: pass --force to replace it; the old key stops working once the new one is enrolled)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file cannot be written.
    #[error("failed to write the key file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The OS gave no randomness.
    #[error("failed to draw random bytes for a key: {0}")]
    Entropy(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDocument {
    version: u32,
    document: String,
    key_id: String,
    public_key: String,
    secret_key: String,
}

/// A new key from the operating system's randomness.
pub fn generate() -> Result<SigningKey, KeyFileError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyFileError::Entropy(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to `path`, readable only by its owner (mode 0600 on unix); refuses to replace
/// an existing file unless `force`. Creates the parent folder if missing.
pub fn write(path: &Path, key: &SigningKey, force: bool) -> Result<(), KeyFileError> {
    let write_err = |source| KeyFileError::Write { path: path.to_owned(), source };
    if !force && path.symlink_metadata().is_ok() {
        return Err(KeyFileError::Exists { path: path.to_owned() });
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let doc = KeyDocument {
        version: 1,
        document: KEY_DOCUMENT.to_owned(),
        key_id: signing::key_id(&key.verifying_key()),
        public_key: signing::public_key_base64(key),
        secret_key: BASE64.encode(key.to_bytes()),
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| write_err(std::io::Error::other(e)))?;
    text.push('\n');
    if force {
        // Removing first lets `create_new` set the mode: an existing file would keep its own.
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(write_err(e)),
            _ => {}
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyFileError::Exists { path: path.to_owned() },
        _ => write_err(e),
    })?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(write_err)
}

/// Reads the key at `path`.
pub fn read(path: &Path) -> Result<KeyFile, KeyFileError> {
    let bytes = std::fs::read(path).map_err(|source| KeyFileError::Read { path: path.to_owned(), source })?;
    parse(&bytes).map_err(|reason| KeyFileError::Damaged { path: path.to_owned(), reason })
}

fn parse(bytes: &[u8]) -> Result<KeyFile, String> {
    let doc: KeyDocument = serde_json::from_slice(bytes).map_err(|e| format!("it is not a key document ({e})"))?;
    if doc.version != 1 || doc.document != KEY_DOCUMENT {
        return Err(format!(
            "it is a `{}` version {} document, not a `{KEY_DOCUMENT}` version 1",
            doc.document, doc.version
        ));
    }
    let secret = BASE64.decode(doc.secret_key.trim()).map_err(|e| format!("secret_key is not base64 ({e})"))?;
    let secret: [u8; 32] =
        secret.try_into().map_err(|s: Vec<u8>| format!("secret_key is {} bytes, not 32", s.len()))?;
    let signing = SigningKey::from_bytes(&secret);
    let key_id = signing::key_id(&signing.verifying_key());
    // A secret that changed (a flipped bit, a bad edit) no longer matches its public half.
    if doc.public_key.trim() != signing::public_key_base64(&signing) || doc.key_id != key_id {
        return Err("its secret_key does not match its public_key and key_id".to_owned());
    }
    Ok(KeyFile { signing, key_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("payterm-keyfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_written_key_reads_back_and_is_private() {
        let path = dir("roundtrip").join("k.json");
        let key = generate().unwrap();
        write(&path, &key, false).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.signing.to_bytes(), key.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(matches!(write(&path, &key, false), Err(KeyFileError::Exists { .. })));
        write(&path, &generate().unwrap(), true).unwrap();
        assert_ne!(read(&path).unwrap().signing.to_bytes(), key.to_bytes());
    }

    #[test]
    fn a_changed_secret_is_damage() {
        let path = dir("damage").join("k.json");
        write(&path, &SigningKey::from_bytes(&[5; 32]), false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let other = BASE64.encode([6u8; 32]);
        let edited = text.replace(&BASE64.encode([5u8; 32]), &other);
        assert!(parse(edited.as_bytes()).unwrap_err().contains("does not match"));
        assert!(parse(b"{\"version\": 1").unwrap_err().contains("not a key document"));
    }
}
