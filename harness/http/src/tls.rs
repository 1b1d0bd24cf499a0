//! rustls configuration: certificate/key loading, the SGP.22 suite order, verifiers.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme, SupportedProtocolVersion};

use crate::HttpError;

/// Server TLS identity and policy. TLS certificates must be NIST P-256 (rustls has no brainpool).
#[derive(Clone)]
pub struct TlsConfig {
    /// DER certificates, leaf first (e.g. `CERT_S_SM_DP_VARO_TLS_NIST.der`; the CI need not be sent).
    pub cert_chain_der: Vec<Vec<u8>>,
    /// Private key DER: PKCS#8 or SEC1 (`EC PRIVATE KEY`, as the SGP.26 `SK_*.pem` files hold).
    pub key_der: Vec<u8>,
    /// Root CA DERs a client certificate must chain to (ES2+ mutual TLS). When set, a client
    /// without a valid certificate is refused in the handshake.
    pub client_auth: Option<Vec<Vec<u8>>>,
    /// Offer TLS 1.2 (SGP.22 v2 mandates it).
    pub tls12: bool,
    /// Offer TLS 1.3.
    pub tls13: bool,
}

impl fmt::Debug for TlsConfig {
    // The key never goes to logs or reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field(
                "cert_chain_der",
                &format_args!("{} certificate(s)", self.cert_chain_der.len()),
            )
            .field("key_der", &"<redacted>")
            .field("client_auth", &self.client_auth.as_ref().map(Vec::len))
            .field("tls12", &self.tls12)
            .field("tls13", &self.tls13)
            .finish()
    }
}

impl TlsConfig {
    /// TLS 1.2 and 1.3, no client authentication.
    pub fn new(cert_chain_der: Vec<Vec<u8>>, key_der: Vec<u8>) -> TlsConfig {
        TlsConfig {
            cert_chain_der,
            key_der,
            client_auth: None,
            tls12: true,
            tls13: true,
        }
    }

    /// Loads a certificate (`.der`, or PEM with one or more `CERTIFICATE` blocks: a chain, leaf
    /// first) and a private key (PEM `EC PRIVATE KEY`/`PRIVATE KEY`, or DER).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsConfig, HttpError> {
        Ok(TlsConfig::new(
            load_certificates(cert)?,
            load_private_key(key)?,
        ))
    }

    /// Requires client certificates chaining to one of `roots` (DER).
    pub fn with_client_auth(mut self, roots: Vec<Vec<u8>>) -> TlsConfig {
        self.client_auth = Some(roots);
        self
    }

    pub(crate) fn server_config(&self) -> Result<rustls::ServerConfig, HttpError> {
        let provider = provider();
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions(self.tls12, self.tls13)?)
            .map_err(|source| HttpError::TlsConfig {
                what: "protocol versions",
                source,
            })?;
        let builder = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some(roots) => {
                let store = root_store(roots, "client-auth root")?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(store), provider)
                        .build()
                        .map_err(|e| HttpError::TlsSetup(format!("client verifier: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let chain = self
            .cert_chain_der
            .iter()
            .map(|c| CertificateDer::from(c.clone()))
            .collect();
        let key = key_from_der(&self.key_der)?;
        let mut config =
            builder
                .with_single_cert(chain, key)
                .map_err(|source| HttpError::TlsConfig {
                    what: "server certificate and key",
                    source,
                })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        // Prefer our order so TLS 1.2 lands on the mandated ECDHE-ECDSA-AES128-GCM-SHA256.
        config.ignore_client_order = true;
        Ok(config)
    }
}

/// The ring provider with SGP.22's preferences: TLS 1.2 ECDHE-ECDSA only, AES-128-GCM first;
/// secp256r1 first among key-exchange groups (SGP.22 names it for TLS 1.2 ECDHE).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    use ring::cipher_suite as cs;
    use ring::kx_group;
    Arc::new(CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_AES_128_GCM_SHA256,
            cs::TLS13_AES_256_GCM_SHA384,
            cs::TLS13_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        kx_groups: vec![kx_group::SECP256R1, kx_group::X25519, kx_group::SECP384R1],
        ..ring::default_provider()
    })
}

pub(crate) fn versions(
    tls12: bool,
    tls13: bool,
) -> Result<Vec<&'static SupportedProtocolVersion>, HttpError> {
    let mut v = Vec::new();
    if tls13 {
        v.push(&rustls::version::TLS13);
    }
    if tls12 {
        v.push(&rustls::version::TLS12);
    }
    if v.is_empty() {
        return Err(HttpError::TlsSetup(
            "neither TLS 1.2 nor TLS 1.3 enabled".into(),
        ));
    }
    Ok(v)
}

pub(crate) fn root_store(roots: &[Vec<u8>], what: &str) -> Result<RootCertStore, HttpError> {
    if roots.is_empty() {
        return Err(HttpError::TlsSetup(format!("no {what} certificate given")));
    }
    let mut store = RootCertStore::empty();
    for (i, der) in roots.iter().enumerate() {
        store.add(CertificateDer::from(der.clone())).map_err(|e| {
            HttpError::TlsSetup(format!("{what} #{i} unusable as trust anchor: {e}"))
        })?;
    }
    Ok(store)
}

pub(crate) fn key_from_der(der: &[u8]) -> Result<PrivateKeyDer<'static>, HttpError> {
    PrivateKeyDer::try_from(der.to_vec()).map_err(|reason| HttpError::Pem {
        what: "private key DER".into(),
        reason: reason.into(),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, HttpError> {
    std::fs::read(path).map_err(|source| HttpError::ReadFile {
        path: path.to_owned(),
        source,
    })
}

fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Certificates from a file: one DER certificate, or every `CERTIFICATE` block of a PEM file.
pub fn load_certificates(path: &Path) -> Result<Vec<Vec<u8>>, HttpError> {
    let bytes = read(path)?;
    if looks_like_der(&bytes) {
        return Ok(vec![bytes]);
    }
    let what = || format!("certificate file {}", path.display());
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HttpError::Pem {
            what: what(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(HttpError::Pem {
            what: what(),
            reason: "neither DER nor PEM with a CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

/// A private key from a file: PEM (`EC PRIVATE KEY` SEC1 — an `EC PARAMETERS` block before it
/// is skipped —, `PRIVATE KEY` PKCS#8) or DER. Returns the DER as found.
pub fn load_private_key(path: &Path) -> Result<Vec<u8>, HttpError> {
    let bytes = read(path)?;
    let what = || format!("key file {}", path.display());
    let key = if looks_like_der(&bytes) {
        PrivateKeyDer::try_from(bytes.as_slice())
            .map(|k| k.clone_key())
            .map_err(|reason| HttpError::Pem {
                what: what(),
                reason: reason.into(),
            })?
    } else {
        PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| HttpError::Pem {
            what: what(),
            reason: e.to_string(),
        })?
    };
    Ok(key.secret_der().to_vec())
}

/// Accepts any server certificate but still checks the handshake signature against its key,
/// so the session is at least bound to the presented certificate. Lab use only.
#[derive(Debug)]
pub(crate) struct AcceptAnyServerCert(pub(crate) Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// webpki's checks plus the SGP.22 ones rsp-crypto knows: the chain has the shape of `role`
/// (`[role, CI]`), every certificate carries its id-rspRole policy, key usages fit. webpki alone
/// would accept any serverAuth certificate from the CI.
#[derive(Debug)]
pub(crate) struct RspRoleVerifier {
    pub(crate) inner: Arc<rustls::client::WebPkiServerVerifier>,
    pub(crate) anchors: Vec<rsp_crypto::cert::RspCertificate>,
    pub(crate) role: rsp_crypto::cert::Role,
}

impl RspRoleVerifier {
    pub(crate) fn new(
        roots: &[Vec<u8>],
        role: rsp_crypto::cert::Role,
        provider: Arc<CryptoProvider>,
    ) -> Result<RspRoleVerifier, HttpError> {
        let store = root_store(roots, "trusted root")?;
        let inner =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
                .build()
                .map_err(|e| HttpError::TlsSetup(format!("server verifier: {e}")))?;
        let anchors = roots
            .iter()
            .enumerate()
            .map(|(i, der)| {
                rsp_crypto::cert::RspCertificate::from_der(der)
                    .map_err(|e| HttpError::TlsSetup(format!("trusted root #{i}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RspRoleVerifier {
            inner,
            anchors,
            role,
        })
    }
}

impl ServerCertVerifier for RspRoleVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let intermediates: Vec<&[u8]> = intermediates.iter().map(|c| c.as_ref()).collect();
        let at =
            rsp_crypto::cert::Time::from_unix(i64::try_from(now.as_secs()).unwrap_or(i64::MAX));
        rsp_crypto::cert::verify_chain_der(
            end_entity.as_ref(),
            &intermediates,
            &self.anchors,
            self.role,
            at,
            &rsp_crypto::cert::VerifyOptions::default(),
        )
        .map_err(|e| {
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(e),
            )))
        })?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
