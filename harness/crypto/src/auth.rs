//! The RSP server's side of mutual authentication (digest §4.1 steps 3 and 6), shared by the
//! SM-DP+ (ES9+) and the SM-DS (ES11): choosing the credentials for InitiateAuthentication,
//! building serverSigned1, and verifying the eUICC's AuthenticateServerResponse — certificate
//! chain at the server's clock, euiccSignature1 over the bytes as received, and the echoes of
//! transactionId, serverChallenge and serverAddress inside the signed data.
//!
//! Failures are enums with the SGP.22 status each one answers with; the SM-DP+ and SM-DS only
//! differ in the subject codes of the InitiateAuthentication refusals (8.8.x vs 8.9.x).

use rsp_codec::eid::Eid;
use rsp_codec::status::{self, KnownStatus};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{EuiccInfo1, EuiccSigned1, View};

use crate::cert::{self, Role, RspCertificate, StatusContext, Time, VerifyOptions};
use crate::{signed, PublicKey};

/// Why an InitiateAuthentication request is refused before any credential is chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitiateError {
    /// The address the LPA named is not this server (SM-DP+ 8.8.1/3.8, SM-DS 8.9.1/3.8).
    #[error("the address is not this server's")]
    Address,
    #[error("euiccChallenge: 16 bytes expected, found {0}")]
    Challenge(usize),
    #[error("euiccInfo1: {0}")]
    EuiccInfo1(String),
    /// The eUICC's SVN is outside the server's range (SM-DP+ 8.8.3/3.1, SM-DS 8.9.3/3.1).
    #[error("eUICC SVN {0:?} not supported")]
    Svn([u8; 3]),
}

/// The checks every InitiateAuthentication starts with, in the order servers apply them:
/// address (case-insensitive), euiccChallenge length, EUICCInfo1, SVN within `svn_range`.
pub fn check_initiate_request(
    named_address: &str,
    own_address: &str,
    euicc_challenge: &[u8],
    euicc_info1: &[u8],
    svn_range: ([u8; 3], [u8; 3]),
) -> Result<([u8; 16], EuiccInfo1), InitiateError> {
    if !named_address.eq_ignore_ascii_case(own_address) {
        return Err(InitiateError::Address);
    }
    let challenge: [u8; 16] = euicc_challenge
        .try_into()
        .map_err(|_| InitiateError::Challenge(euicc_challenge.len()))?;
    let info1 =
        EuiccInfo1::decode(euicc_info1).map_err(|e| InitiateError::EuiccInfo1(e.to_string()))?;
    if info1.svn < svn_range.0 || info1.svn > svn_range.1 {
        return Err(InitiateError::Svn(info1.svn));
    }
    Ok((challenge, info1))
}

/// Why no credentials fit the eUICC's CI lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialChoiceError {
    /// No server certificate chains to a CI in euiccCiPKIdListForVerification
    /// (SM-DP+ 8.8.4/3.7, SM-DS 8.9.4/3.7).
    #[error("no server certificate under a CI the eUICC can verify")]
    NoCertificateForCi,
    /// Verifiable, but none of those CIs is in euiccCiPKIdListForSigning
    /// (SM-DP+ 8.8.2/3.1, SM-DS 8.9.2/3.1).
    #[error("no supported CI in the eUICC's list for signing")]
    NoSigningCi,
}

/// Index of the first credential set whose CI (key id in `ci_key_ids`) the eUICC can verify and
/// signs with (osmo-smdpp's order of checks: verification first).
pub fn choose_credentials(
    ci_key_ids: &[&[u8]],
    info1: &EuiccInfo1,
) -> Result<usize, CredentialChoiceError> {
    let listed = |list: &[Vec<u8>], id: &[u8]| list.iter().any(|k| k == id);
    let verifiable: Vec<usize> = (0..ci_key_ids.len())
        .filter(|&i| listed(&info1.ci_pkids_for_verification, ci_key_ids[i]))
        .collect();
    if verifiable.is_empty() {
        return Err(CredentialChoiceError::NoCertificateForCi);
    }
    verifiable
        .into_iter()
        .find(|&i| listed(&info1.ci_pkids_for_signing, ci_key_ids[i]))
        .ok_or(CredentialChoiceError::NoSigningCi)
}

/// ServerSigned1 (`30 { 80 tx, 81 euiccChallenge, 83 address, 84 serverChallenge }`).
pub fn server_signed1(
    transaction_id: &[u8],
    euicc_challenge: &[u8],
    server_address: &str,
    server_challenge: &[u8],
) -> Tlv {
    Tlv::constructed(
        Tag::of(0x30),
        vec![
            Tlv::primitive(Tag::of(0x80), transaction_id.to_vec()),
            Tlv::primitive(Tag::of(0x81), euicc_challenge.to_vec()),
            Tlv::primitive(Tag::of(0x83), server_address.as_bytes().to_vec()),
            Tlv::primitive(Tag::of(0x84), server_challenge.to_vec()),
        ],
    )
}

/// What the server sent in InitiateAuthentication, to hold the answer against.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub transaction_id: &'a [u8],
    pub server_challenge: &'a [u8],
    /// Compared case-insensitively with euiccSigned1.serverAddress.
    pub server_address: &'a str,
    /// euiccCiPKIdToBeUsed: the eUICC's chain must end at this CI.
    pub ci_key_id: &'a [u8],
}

/// An eUICC whose AuthenticateServerResponse verified.
#[derive(Debug, Clone)]
pub struct AuthenticatedEuicc {
    pub signed1: EuiccSigned1,
    /// PK.EUICC from CERT.EUICC.
    pub public_key: PublicKey,
    pub eid: Eid,
    /// euiccSignature1, raw r‖s as received (smdpSignature2 covers it).
    pub signature1: Vec<u8>,
}

/// Why an AuthenticateServerResponse is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientAuthError {
    #[error("authenticateServerResponse: {0}")]
    Malformed(String),
    /// The eUICC answered with authenticateResponseError.
    #[error("authenticateServerResponse is not authenticateResponseOk")]
    NotOk,
    /// The EUM or eUICC certificate: its status says which and why (8.1.2/8.1.3/8.11.1 …).
    #[error("{message}")]
    Certificate {
        status: KnownStatus,
        message: String,
    },
    #[error("euiccSignature1 does not verify")]
    Signature,
    #[error("serverChallenge in euiccSigned1 does not match")]
    ServerChallenge,
    #[error("serverAddress in euiccSigned1 is not this server")]
    ServerAddress,
    #[error("transactionId in euiccSigned1 differs")]
    TransactionId,
    #[error("no EID in CERT.EUICC")]
    NoEid,
}

impl ClientAuthError {
    /// The SGP.22 status AuthenticateClient answers with.
    pub fn status(&self) -> KnownStatus {
        match self {
            ClientAuthError::Malformed(_) | ClientAuthError::NotOk => KnownStatus::InvalidParameter,
            ClientAuthError::Certificate { status, .. } => *status,
            ClientAuthError::Signature
            | ClientAuthError::ServerChallenge
            | ClientAuthError::ServerAddress => KnownStatus::EuiccSignatureInvalid,
            ClientAuthError::TransactionId => KnownStatus::TransactionIdUnknown,
            ClientAuthError::NoEid => KnownStatus::EuiccCertificateInvalid,
        }
    }
}

/// Verifies an AuthenticateServerResponse (BF38, the bytes as the eUICC produced them) against
/// what the server sent. `at` gives the time certificates are judged at for a given leaf (the
/// server's clock, or the leaf's notBefore when expiry checks are off).
pub fn verify_authenticate_server_response(
    response: &[u8],
    expected: &Expected<'_>,
    trusted_cis: &[RspCertificate],
    at: impl Fn(&RspCertificate) -> Time,
) -> Result<AuthenticatedEuicc, ClientAuthError> {
    verify_response(response, expected, trusted_cis, at, true)
}

/// **Deliberately planted bug, for the live fuzzer's self-test only**: as
/// [`verify_authenticate_server_response`] but without checking euiccSignature1, so a corrupted
/// signature is accepted. Every other check stays.
pub fn verify_authenticate_server_response_skipping_signature1(
    response: &[u8],
    expected: &Expected<'_>,
    trusted_cis: &[RspCertificate],
    at: impl Fn(&RspCertificate) -> Time,
) -> Result<AuthenticatedEuicc, ClientAuthError> {
    verify_response(response, expected, trusted_cis, at, false)
}

fn verify_response(
    response: &[u8],
    expected: &Expected<'_>,
    trusted_cis: &[RspCertificate],
    at: impl Fn(&RspCertificate) -> Time,
    check_signature1: bool,
) -> Result<AuthenticatedEuicc, ClientAuthError> {
    let resp = Tlv::parse(response).map_err(|e| ClientAuthError::Malformed(e.to_string()))?;
    let ok = resp
        .children()
        .first()
        .filter(|c| resp.tag() == Tag::of(0xBF38) && c.tag() == Tag::of(0xA0))
        .ok_or(ClientAuthError::NotOk)?;
    if let Some(e) =
        rsp_codec::named::validate(&rsp_codec::schema::AUTHENTICATE_SERVER_RESPONSE, &resp)
            .into_iter()
            .next()
    {
        return Err(ClientAuthError::Malformed(e.to_string()));
    }
    let parts = ok.children();
    let (Some(signed1), Some(sig1), Some(euicc), Some(eum)) =
        (parts.first(), parts.get(1), parts.get(2), parts.get(3))
    else {
        return Err(ClientAuthError::Malformed(
            "authenticateResponseOk incomplete".into(),
        ));
    };
    let (euicc_der, eum_der) = (euicc.encode(), eum.encode());
    // eUICC ← EUM ← the CI the server named in euiccCiPKIdToBeUsed.
    let ci: Vec<RspCertificate> = trusted_cis
        .iter()
        .filter(|c| c.key_id() == expected.ci_key_id)
        .cloned()
        .collect();
    let leaf = RspCertificate::from_der(&euicc_der).map_err(|e| ClientAuthError::Certificate {
        status: KnownStatus::EuiccCertificateInvalid,
        message: format!("CERT.EUICC does not parse: {e}"),
    })?;
    let chain = cert::verify_chain_der(
        &euicc_der,
        &[&eum_der],
        &ci,
        Role::Euicc,
        at(&leaf),
        &VerifyOptions::default(),
    )
    .map_err(|e| {
        let (s, r) = e.es9_status(StatusContext::AuthenticateClient);
        ClientAuthError::Certificate {
            status: status::lookup(s, r).unwrap_or(KnownStatus::EuiccCertificateInvalid),
            message: e.to_string(),
        }
    })?;
    // The signature over the bytes as received, never a re-encoding.
    let signature1 = sig1.content().unwrap_or_default().to_vec();
    if check_signature1 {
        signed::verify_euicc_signature1(chain.public_key(), &signed1.encode(), &signature1)
            .map_err(|_| ClientAuthError::Signature)?;
    }
    let s1 = EuiccSigned1::read(signed1).map_err(|e| ClientAuthError::Malformed(e.to_string()))?;
    if s1.server_challenge.as_slice() != expected.server_challenge {
        return Err(ClientAuthError::ServerChallenge);
    }
    if !s1
        .server_address
        .eq_ignore_ascii_case(expected.server_address)
    {
        return Err(ClientAuthError::ServerAddress);
    }
    if s1.transaction_id != expected.transaction_id {
        return Err(ClientAuthError::TransactionId);
    }
    let eid = chain.eid().ok_or(ClientAuthError::NoEid)?;
    Ok(AuthenticatedEuicc {
        signed1: s1,
        public_key: chain.public_key().clone(),
        eid,
        signature1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info1(verification: &[&[u8]], signing: &[&[u8]]) -> EuiccInfo1 {
        EuiccInfo1 {
            svn: [2, 2, 0],
            ci_pkids_for_verification: verification.iter().map(|k| k.to_vec()).collect(),
            ci_pkids_for_signing: signing.iter().map(|k| k.to_vec()).collect(),
            extensions: Vec::new(),
        }
    }

    #[test]
    fn credentials_are_chosen_by_verification_then_signing() {
        let ids: [&[u8]; 2] = [b"nist", b"brp"];
        assert_eq!(
            choose_credentials(&ids, &info1(&[b"brp"], &[b"brp"])),
            Ok(1)
        );
        assert_eq!(
            choose_credentials(&ids, &info1(&[b"other"], &[b"nist"])),
            Err(CredentialChoiceError::NoCertificateForCi)
        );
        assert_eq!(
            choose_credentials(&ids, &info1(&[b"nist"], &[b"brp"])),
            Err(CredentialChoiceError::NoSigningCi)
        );
        assert_eq!(
            choose_credentials(&ids, &info1(&[b"brp", b"nist"], &[b"nist", b"brp"])),
            Ok(0)
        );
    }

    #[test]
    fn refusals_carry_their_status() {
        assert_eq!(
            ClientAuthError::ServerAddress.status(),
            KnownStatus::EuiccSignatureInvalid
        );
        assert_eq!(
            ClientAuthError::TransactionId.status(),
            KnownStatus::TransactionIdUnknown
        );
        assert_eq!(
            verify_authenticate_server_response(
                &[0xBF, 0x38, 0x03, 0x81, 0x01, 0x02],
                &Expected {
                    transaction_id: &[1],
                    server_challenge: &[0; 16],
                    server_address: "x",
                    ci_key_id: &[],
                },
                &[],
                |_| Time::from_unix(0),
            )
            .unwrap_err(),
            ClientAuthError::NotOk
        );
    }
}
