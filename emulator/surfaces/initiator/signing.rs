//! The request-signing scheme \[ours\]: the client signs the exact request body with its
//! Ed25519 key and sends three headers — `X-Hype-Store` (the store it acts for),
//! `X-Hype-Key-Id` (the enrolled key's id) and `X-Hype-Signature` (standard base64 of the
//! 64-byte signature over the body bytes, nothing else). [`verify`] checks them.
//!
//! Only the body is signed, so a captured request can be replayed as-is; that is harmless
//! here because `status` only reads and `invoice` is idempotent for the same content.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// The store the request acts for.
pub const STORE_HEADER: &str = "x-hype-store";
/// The id of the enrolled key that signed the request.
pub const KEY_ID_HEADER: &str = "x-hype-key-id";
/// Standard base64 of the Ed25519 signature over the request body.
pub const SIGNATURE_HEADER: &str = "x-hype-signature";

/// The key id of `public`: `ed25519-` and the hex of its first eight bytes, so the same key
/// always has the same id and another key (almost surely) another one.
pub fn key_id(public: &VerifyingKey) -> String {
    let hex: String = public.as_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("ed25519-{hex}")
}

/// Standard base64 of `key`'s public half.
pub fn public_key_base64(key: &SigningKey) -> String {
    BASE64.encode(key.verifying_key().as_bytes())
}

/// The `X-Hype-Signature` value for `body`.
pub fn sign(key: &SigningKey, body: &[u8]) -> String {
    BASE64.encode(key.sign(body).to_bytes())
}

/// Reads a public key given as standard base64 of its 32 bytes; it must be a valid point.
pub fn parse_public_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = BASE64.decode(text.trim()).map_err(|e| {
        format!("the public key is not standard base64: {e} (hint: `payterm initiator keygen` prints it)")
    })?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("the public key is {} bytes; an Ed25519 public key is 32", b.len()))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| "the public key is not a valid Ed25519 point".to_owned())?;
    // A small-order point (the identity, the all-zero encoding) verifies signatures nobody
    // made with a secret key, so such a key would let anyone sign for the store.
    if key.is_weak() {
        return Err("the public key is a weak (small-order) Ed25519 point, for which signatures can be forged \
                    (hint: enroll the key `payterm initiator keygen` makes)"
            .to_owned());
    }
    Ok(bytes)
}

/// Why a signature was not accepted; every case is the `bad_signature` fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A header is missing or not text.
    #[error("the request has no {0} header")]
    MissingHeader(&'static str),
    /// The store has no key with that id.
    #[error("key `{key_id}` is not enrolled for store `{store}`")]
    NotEnrolled {
        /// The store named in the request.
        store: String,
        /// The key id named in the request.
        key_id: String,
    },
    /// The signature header is not base64 of 64 bytes.
    #[error("the signature is not standard base64 of 64 bytes")]
    Malformed,
    /// The signature does not verify against the enrolled key.
    #[error(
        "the signature does not verify against key `{0}` (the body changed after signing, or another key signed it)"
    )]
    DoesNotVerify(String),
}

/// Checks that `signature` (header text) is `public`'s signature over `body`. Strict
/// verification refuses malleable signatures and weak keys.
pub fn verify(public: &[u8; 32], key_id: &str, body: &[u8], signature: &str) -> Result<(), SignatureError> {
    let bytes = BASE64.decode(signature.trim()).map_err(|_| SignatureError::Malformed)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| SignatureError::Malformed)?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| SignatureError::DoesNotVerify(key_id.to_owned()))?;
    key.verify_strict(body, &Signature::from_bytes(&bytes))
        .map_err(|_| SignatureError::DoesNotVerify(key_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signature_verifies_over_the_same_bytes_only() {
        let k = key(1);
        let public = *k.verifying_key().as_bytes();
        let sig = sign(&k, b"{\"a\":1}");
        assert_eq!(verify(&public, "k", b"{\"a\":1}", &sig), Ok(()));
        assert_eq!(verify(&public, "k", b"{\"a\":2}", &sig), Err(SignatureError::DoesNotVerify("k".into())));
    }

    #[test]
    fn another_keys_signature_does_not_verify() {
        let public = *key(1).verifying_key().as_bytes();
        let sig = sign(&key(2), b"body");
        assert!(matches!(verify(&public, "k", b"body", &sig), Err(SignatureError::DoesNotVerify(_))));
    }

    #[test]
    fn a_garbled_signature_is_malformed() {
        let public = *key(1).verifying_key().as_bytes();
        assert_eq!(verify(&public, "k", b"body", "not base64!"), Err(SignatureError::Malformed));
        assert_eq!(verify(&public, "k", b"body", "AAAA"), Err(SignatureError::Malformed));
    }

    #[test]
    fn key_ids_are_stable_and_differ_between_keys() {
        let a = key_id(&key(1).verifying_key());
        assert_eq!(a, key_id(&key(1).verifying_key()));
        assert_ne!(a, key_id(&key(2).verifying_key()));
        assert!(a.starts_with("ed25519-") && a.len() == 8 + 16, "{a}");
    }

    #[test]
    fn public_keys_round_trip_and_bad_ones_are_named() {
        let k = key(3);
        assert_eq!(parse_public_key(&public_key_base64(&k)), Ok(*k.verifying_key().as_bytes()));
        assert!(parse_public_key("AAAA").unwrap_err().contains("3 bytes"));
        assert!(parse_public_key("%%").unwrap_err().contains("base64"));
    }
}
