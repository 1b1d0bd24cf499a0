//! The ECASD content: the eUICC's key pairs and certificate chains (one per curve), the CI
//! public keys it trusts, and the EID, loaded from a PKI folder in the SGP.26 layout (the GSMA
//! test set or one made by `rspcheck pki generate`).

use std::path::Path;

use rsp_codec::eid::Eid;
use rsp_crypto::cert::RspCertificate;
use rsp_crypto::pkiset::{PkiSet, PkiSetError};
use rsp_crypto::{Curve, PrivateKey};

/// Why credentials cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(transparent)]
    Pki(#[from] PkiSetError),
    #[error("{name}: {problem}")]
    Unusable { name: String, problem: String },
    #[error("the eUICC certificates carry different EIDs: {0} and {1}")]
    EidMismatch(String, String),
    #[error("no curve with an eUICC key pair in the PKI folder")]
    Empty,
}

/// One curve's eUICC key, CERT.EUICC and CERT.EUM.
#[derive(Clone)]
pub struct CurveCredentials {
    pub curve: Curve,
    pub sk_euicc: PrivateKey,
    pub euicc_cert: RspCertificate,
    pub eum_cert: RspCertificate,
    /// The CI that issued CERT.EUM: its SKI is what the eUICC offers for signing.
    pub ci: RspCertificate,
}

impl std::fmt::Debug for CurveCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveCredentials")
            .field("curve", &self.curve)
            .field("euicc", &self.euicc_cert.subject().common_name())
            .field("ci_pkid", &hex::encode_upper(self.ci.key_id()))
            .finish_non_exhaustive()
    }
}

/// Everything the ECASD holds.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub eid: Eid,
    pub curves: Vec<CurveCredentials>,
    /// CI certificates the eUICC verifies server chains against.
    pub trusted_cis: Vec<RspCertificate>,
}

impl Credentials {
    /// Loads every curve of a PKI folder that has an eUICC key.
    pub fn load(dir: impl AsRef<Path>) -> Result<Credentials, CredentialsError> {
        Credentials::from_set(&PkiSet::load(dir)?)
    }

    pub fn from_set(set: &PkiSet) -> Result<Credentials, CredentialsError> {
        let mut curves = Vec::new();
        let mut eid: Option<Eid> = None;
        for c in set.curves() {
            let Some(sk) = c.euicc.key.clone() else {
                continue;
            };
            let unusable = |problem: String| CredentialsError::Unusable {
                name: c.euicc.name.clone(),
                problem,
            };
            if sk.public_key().to_uncompressed()
                != c.euicc
                    .cert
                    .public_key()
                    .map(|k| k.to_uncompressed())
                    .unwrap_or_default()
            {
                return Err(unusable(
                    "the private key does not match the certificate".into(),
                ));
            }
            let this = c
                .euicc
                .cert
                .eid()
                .ok_or_else(|| unusable("no EID (subject serialNumber)".into()))?
                .map_err(|e| unusable(format!("EID: {e}")))?;
            match &eid {
                Some(e) if e != &this => {
                    return Err(CredentialsError::EidMismatch(
                        e.to_digits(),
                        this.to_digits(),
                    ))
                }
                _ => eid = Some(this),
            }
            curves.push(CurveCredentials {
                curve: c.curve,
                sk_euicc: sk,
                euicc_cert: c.euicc.cert.clone(),
                eum_cert: c.eum.cert.clone(),
                ci: c.ci.cert.clone(),
            });
        }
        let eid = eid.ok_or(CredentialsError::Empty)?;
        Ok(Credentials {
            eid,
            curves,
            trusted_cis: set.cis(),
        })
    }

    /// The credentials whose CI has key id `pkid`.
    pub fn for_ci(&self, pkid: &[u8]) -> Option<&CurveCredentials> {
        self.curves.iter().find(|c| c.ci.key_id() == pkid)
    }

    /// The trusted CI with key id `pkid`.
    pub fn trusted_ci(&self, pkid: &[u8]) -> Option<&RspCertificate> {
        self.trusted_cis.iter().find(|c| c.key_id() == pkid)
    }
}
