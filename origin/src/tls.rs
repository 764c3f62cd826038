//! HTTPS for the demo origin: a certificate and its key, from PEM, so that
//! the end-to-end tests can show an edge verifying its origin.

use std::io;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What an HTTPS listener presents: a certificate chain and its key.
#[derive(Clone)]
pub struct TlsIdentity {
    pub(crate) config: Arc<ServerConfig>,
}

impl TlsIdentity {
    /// The identity in `chain` (PEM certificates, the leaf first) and
    /// `key` (a PEM private key).
    ///
    /// # Errors
    /// `InvalidData` when either does not parse, or the key is not the
    /// leaf's.
    pub fn from_pem(chain: &[u8], key: &[u8]) -> io::Result<TlsIdentity> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"))
        };
        let chain = CertificateDer::pem_slice_iter(chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("certificate", &e))?;
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| invalid("key", &e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("protocols", &e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid("certificate and key", &e))?;
        Ok(TlsIdentity {
            config: Arc::new(config),
        })
    }

    /// The identity in the PEM files `chain` and `key`.
    ///
    /// # Errors
    /// When a file cannot be read, or as [`TlsIdentity::from_pem`].
    pub fn from_files(chain: &str, key: &str) -> io::Result<TlsIdentity> {
        TlsIdentity::from_pem(&std::fs::read(chain)?, &std::fs::read(key)?)
    }
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity")
    }
}
