//! A self-signed certificate made at start, for clients that refuse plain HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A TLS acceptor and the certificate it presents.
pub struct SelfSignedTls {
    /// The acceptor to serve with.
    pub acceptor: TlsAcceptor,
    /// The certificate in PEM, for clients to trust.
    pub cert_pem: String,
}

/// Makes a certificate for `localhost` and `127.0.0.1`, writes its PEM to `cert_path`, and
/// returns an acceptor that presents it.
pub fn self_signed(cert_path: &Path) -> Result<SelfSignedTls, String> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| format!("failed to make a self-signed certificate: {e}"))?;
    let cert_pem = certified.cert.pem();
    let cert_der: CertificateDer<'static> = certified.cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("failed to set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|e| format!("failed to set up TLS: {e}"))?;
    // Its default path in the shared temporary folder is predictable: what another user
    // planted there (a link) is removed, not written through.
    crate::files::write_new(cert_path, cert_pem.as_bytes(), false)
        .map_err(|e| format!("failed to write the certificate: {e}"))?;
    Ok(SelfSignedTls { acceptor: TlsAcceptor::from(Arc::new(config)), cert_pem })
}

/// Where `payterm serve --tls` writes the certificate for port `port`.
pub fn default_cert_path(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("payterm-{port}.pem"))
}
