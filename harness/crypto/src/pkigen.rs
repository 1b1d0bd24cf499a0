//! Test PKI generator: a complete SGP.22 certificate hierarchy (CI, EUM, eUICC, SM-DP+ auth/pb/TLS,
//! SM-DS auth/TLS, an ES2+ operator client) on NIST P-256 and brainpoolP256r1, shaped like the
//! GSMA SGP.26 test certificates and written in the SGP.26 file layout, plus deliberately broken
//! variants for negative tests.
//!
//! Everything comes from [`GenerateOptions`]: keys, serial numbers and EIDs are drawn from a
//! [`SeededRandom`] derived from `seed`, times come from the options (never the wall clock) and
//! ECDSA signatures are RFC 6979 deterministic, so one seed always gives byte-identical files.
//!
//! # Shape (mirrors the SGP.26 "variant O" certificates)
//!
//! | role | subject | extensions, in order (`!` = critical) |
//! |---|---|---|
//! | CI (self-signed) | CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT | SKI, BC! CA, CP! ci, KU! keyCertSign+cRLSign, SAN regID, CRL DP A+B |
//! | EUM | C=ES, O=RSP Test EUM, CN=EUM Test | AKI, SKI, KU! keyCertSign, CP! eum, SAN regID, BC! CA pathlen 0, CRL DP B, NC! DirName O + serialNumber=EID prefix |
//! | eUICC | C=ES, O=RSP Test EUM, serialNumber=EID, CN=Test eUICC | AKI, SKI, KU! digitalSignature, CP! euicc |
//! | DPauth / DPpb | O=ACME, CN=TEST SM-DP+ | AKI, SKI, SAN regID, KU! digitalSignature, CP! dp-auth / dp-pb, CRL DP A+B |
//! | DP TLS | O=ACME, CN=&lt;SM-DP+ address&gt; | KU! digitalSignature, EKU! serverAuth+clientAuth, CP dp-tls, SKI, AKI, SAN DNS+regID, CRL DP 1+2 |
//! | DSauth | O=ACME, CN=TEST SM-DS | as DPauth, CP! ds-auth, SAN regID = SM-DS OID |
//! | DS TLS | O=ACME, CN=&lt;SM-DS address&gt; | as DP TLS, CP ds-tls, SAN DNS+regID of the SM-DS |
//! | Operator | O=RSP Test Operator, CN=TEST Operator | KU! digitalSignature, EKU! clientAuth, CP (test policy), SKI, AKI, SAN regID, CRL DP 1+2 |
//!
//! SKI is the SHA-1 of the uncompressed public point; AKI carries the issuer's SKI only. String
//! types follow SGP.26: `C` and `serialNumber` PrintableString, everything else UTF8String;
//! validity uses UTCTime before 2050 and GeneralizedTime from 2050 on.
//!
//! The EUM's name constraint (`DirName: O=RSP Test EUM, serialNumber=<prefix>`) follows SGP.22's
//! own reading (the EID in the eUICC subject must start with the prefix). RFC 5280 directory-name
//! matching cannot express that, so OpenSSL reports "permitted subtree violation" for the eUICC
//! leg, of the real SGP.26 chain as of this one; every other chain verifies with OpenSSL.
//!
//! # Decisions beyond SGP.26
//!
//! - SM-DS: address `testsmds.example.com`, OID `2.999.15`, roles id-rspRole-ds-auth
//!   (`2.23.146.1.2.1.7`) and id-rspRole-ds-tls (`…1.6`), shaped like their SM-DP+ counterparts.
//! - ES2+ operator: SGP.22 defines no GSMA role for it, so it is a TLS client certificate issued by
//!   the test CI (so one trust anchor serves every interface) with EKU clientAuth, the test policy
//!   `2.999.20.1` (non-critical, so TLS stacks accept it) and SAN registeredID `2.999.20`.
//! - Validity: every certificate starts at `not_before` (default 2020-04-01T08:27:51Z, the SGP.26
//!   CI's); lengths default to SGP.26's (CI 12783 days, EUM 12410, eUICC 2 000 000, DPauth/DPpb
//!   3650) except TLS certificates: 3650 days instead of SGP.26's 200, so that a set generated
//!   with default options stays usable for years.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rsp_codec::der::{encode_oid, BitString};
use rsp_codec::eid::Eid;
use rsp_codec::tlv::{Tag, Tlv};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use crate::ecc::{
    pem_encode, raw_to_der, Curve, PrivateKey, PublicKey, RandomSource, SeededRandom,
};

/// GSMA RSP role policy OIDs (`id-rspRole`, SGP.22 §A).
pub mod role_oid {
    pub use crate::cert::oid::{
        ROLE_CI as CI, ROLE_DP_AUTH as DP_AUTH, ROLE_DP_PB as DP_PB, ROLE_DP_TLS as DP_TLS,
        ROLE_DS_AUTH as DS_AUTH, ROLE_DS_TLS as DS_TLS, ROLE_EUICC as EUICC, ROLE_EUM as EUM,
    };
}

/// X.509 extension OIDs used here.
pub mod ext_oid {
    pub const SUBJECT_KEY_ID: &str = "2.5.29.14";
    pub const KEY_USAGE: &str = "2.5.29.15";
    pub const SUBJECT_ALT_NAME: &str = "2.5.29.17";
    pub const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    pub const NAME_CONSTRAINTS: &str = "2.5.29.30";
    pub const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
    pub const CERTIFICATE_POLICIES: &str = "2.5.29.32";
    pub const AUTHORITY_KEY_ID: &str = "2.5.29.35";
    pub const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
}

const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_CN: &str = "2.5.4.3";
const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_C: &str = "2.5.4.6";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// CRL distribution points of the SGP.26 test CI.
pub const CRL_A: &str = "http://ci.test.example.com/CRL-A.crl";
pub const CRL_B: &str = "http://ci.test.example.com/CRL-B.crl";
pub const CRL_1: &str = "http://ci.test.example.com/CRL-1.crl";
pub const CRL_2: &str = "http://ci.test.example.com/CRL-2.crl";

/// Organisation of the EUM (subject `O` of EUM and eUICC, and the name-constraint `O`).
pub const EUM_ORGANIZATION: &str = "RSP Test EUM";

const DAY: i64 = 86_400;

/// 2020-04-01T08:27:51Z, the notBefore of the SGP.26 test CI.
pub const SGP26_NOT_BEFORE: i64 = 1_585_729_671;

/// A validity window in Unix seconds (UTC), both ends inclusive as in X.509.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub not_before: i64,
    pub not_after: i64,
}

impl Window {
    /// `days` days from `not_before`.
    pub fn days(not_before: i64, days: u32) -> Window {
        Window {
            not_before,
            not_after: not_before + i64::from(days) * DAY,
        }
    }
}

/// Validity lengths in days, per kind of certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityDays {
    /// CI (SGP.26: 12783, 2020-04-01 → 2055-04-01).
    pub ci: u32,
    /// EUM (SGP.26: 12410, → 2054-03-24).
    pub eum: u32,
    /// eUICC (SGP.26: 2 000 000, → year 7496).
    pub euicc: u32,
    /// DPauth, DPpb, DSauth (SGP.26: 3650).
    pub server: u32,
    /// DP TLS, DS TLS, operator (SGP.26's DP TLS: 200; default here 3650, see module docs).
    pub tls: u32,
}

impl Default for ValidityDays {
    fn default() -> Self {
        ValidityDays {
            ci: 12_783,
            eum: 12_410,
            euicc: 2_000_000,
            server: 3_650,
            tls: 3_650,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Seed of every random choice (keys, serial numbers, EIDs).
    pub seed: u64,
    /// Curves to generate a set for (each its own hierarchy, as in SGP.26).
    pub curves: Vec<Curve>,
    /// notBefore of every valid certificate, Unix seconds (UTC).
    pub not_before: i64,
    pub validity: ValidityDays,
    /// Window of the `*_EXPIRED` variants (default 2010-01-01 → 2015-01-01, as SGP.26's).
    pub expired: Window,
    /// Window of the `*_NOT_YET_VALID` variant (default 2090-01-01 → 2100-01-01).
    pub not_yet_valid: Window,
    /// EID prefix the EUM may issue (nameConstraints `serialNumber`), 1–28 digits.
    pub eid_prefix: String,
    /// SM-DP+ FQDN (DP TLS CN and dNSName).
    pub smdp_address: String,
    /// SM-DP+ OID (registeredID of DPauth, DPpb, DP TLS).
    pub smdp_oid: String,
    /// SM-DS FQDN (DS TLS CN and dNSName).
    pub smds_address: String,
    /// SM-DS OID (registeredID of DSauth, DS TLS).
    pub smds_oid: String,
    /// CI OID (registeredID of the CI).
    pub ci_oid: String,
    /// EUM OID (registeredID of the EUM).
    pub eum_oid: String,
    /// Operator OID (registeredID of the ES2+ client certificate).
    pub operator_oid: String,
    /// Certificate policy of the ES2+ client certificate (no GSMA role exists for it).
    pub operator_policy_oid: String,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: 0,
            curves: Curve::ALL.to_vec(),
            not_before: SGP26_NOT_BEFORE,
            validity: ValidityDays::default(),
            expired: Window {
                not_before: 1_262_304_000,
                not_after: 1_420_070_400,
            },
            not_yet_valid: Window {
                not_before: 3_786_912_000,
                not_after: 4_102_444_800,
            },
            eid_prefix: "89049032".into(),
            smdp_address: "testsmdpplus1.example.com".into(),
            smdp_oid: "2.999.10".into(),
            smds_address: "testsmds.example.com".into(),
            smds_oid: "2.999.15".into(),
            ci_oid: "2.999.1".into(),
            eum_oid: "2.999.5".into(),
            operator_oid: "2.999.20".into(),
            operator_policy_oid: "2.999.20.1".into(),
        }
    }
}

/// Why a PKI could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum PkiGenError {
    #[error("option {option}: {reason}")]
    Option {
        option: &'static str,
        reason: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn opt_err(option: &'static str, reason: impl Into<String>) -> PkiGenError {
    PkiGenError::Option {
        option,
        reason: reason.into(),
    }
}

pub use crate::cert::Role;

/// File layout and generation order of the roles a set has (inherent impl on [`cert::Role`](crate::cert::Role)).
impl Role {
    /// Every role a generated set has, in generation order (keys are drawn in this order, so
    /// changing it changes every file of a seed).
    pub const GENERATED: [Role; 9] = [
        Role::Ci,
        Role::Eum,
        Role::Euicc,
        Role::DpAuth,
        Role::DpPb,
        Role::DpTls,
        Role::DsAuth,
        Role::DsTls,
        Role::Operator,
    ];

    /// Short name used in the manifest.
    pub fn manifest_name(self) -> &'static str {
        match self {
            Role::Ci => "ci",
            Role::Eum => "eum",
            Role::Euicc => "euicc",
            Role::DpAuth => "dp-auth",
            Role::DpPb => "dp-pb",
            Role::DpTls => "dp-tls",
            Role::DsAuth => "ds-auth",
            Role::DsTls => "ds-tls",
            Role::Operator => "operator",
        }
    }

    /// The role's issuer (the CI issues itself).
    pub fn issuer(self) -> Role {
        match self {
            Role::Ci => Role::Ci,
            Role::Euicc => Role::Eum,
            _ => Role::Ci,
        }
    }

    /// Folder of the SGP.26 layout.
    pub fn dir(self) -> &'static str {
        match self {
            Role::Ci => "CertificateIssuer",
            Role::Eum => "EUM",
            Role::Euicc => "eUICC",
            Role::DpAuth => "DPauth",
            Role::DpPb => "DPpb",
            Role::DpTls => "DPtls",
            Role::DsAuth => "DSauth",
            Role::DsTls => "DStls",
            Role::Operator => "Operator",
        }
    }

    /// `(certificate stem, key stem)`: files are `{cert}_{NIST|BRP}.der`, `SK_{key}_…pem`,
    /// `PK_{key}_…pem`.
    fn stems(self) -> (&'static str, &'static str) {
        match self {
            Role::Ci => ("CERT_CI_ECDSA", "CI_ECDSA"),
            Role::Eum => ("CERT_EUM_ECDSA", "EUM_ECDSA"),
            Role::Euicc => ("CERT_EUICC_ECDSA", "EUICC_ECDSA"),
            Role::DpAuth => ("CERT_S_SM_DPauth_ECDSA", "S_SM_DPauth_ECDSA"),
            Role::DpPb => ("CERT_S_SM_DPpb_ECDSA", "S_SM_DPpb_ECDSA"),
            Role::DpTls => ("CERT_S_SM_DP_VARO_TLS", "S_SM_DP_TLS"),
            Role::DsAuth => ("CERT_S_SM_DSauth_ECDSA", "S_SM_DSauth_ECDSA"),
            Role::DsTls => ("CERT_S_SM_DS_TLS", "S_SM_DS_TLS"),
            Role::Operator => ("CERT_OPERATOR_ECDSA", "OPERATOR_ECDSA"),
        }
    }

    /// Relative path of the DER certificate, e.g. `DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der`.
    pub fn cert_path(self, curve: Curve) -> PathBuf {
        Path::new(self.dir()).join(format!("{}_{}.der", self.stems().0, curve.file_tag()))
    }

    /// Relative path of the private key (`SK_…pem`).
    pub fn sk_path(self, curve: Curve) -> PathBuf {
        Path::new(self.dir()).join(format!("SK_{}_{}.pem", self.stems().1, curve.file_tag()))
    }

    /// Relative path of the public key (`PK_…pem`); SGP.26 has none for the CI.
    pub fn pk_path(self, curve: Curve) -> Option<PathBuf> {
        (self != Role::Ci).then(|| {
            Path::new(self.dir()).join(format!("PK_{}_{}.pem", self.stems().1, curve.file_tag()))
        })
    }
}

/// How an `invalid/` certificate is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// Validity window entirely in the past ([`GenerateOptions::expired`]).
    Expired,
    /// Validity window entirely in the future ([`GenerateOptions::not_yet_valid`]).
    NotYetValid,
    /// Signature value altered (still well-formed DER, does not verify).
    BadSignature,
    /// A self-signed CI that no verifier trusts (`CERT_UNKNOWN_CI_ECDSA_*`).
    UntrustedRoot,
    /// Issued (issuer name, AKI, signature) by the untrusted root instead of the test CI.
    UnknownCi,
    /// EID outside the EUM's prefix (valid check digits).
    EidOutOfRange,
    /// EID inside the EUM's prefix (valid check digits) but not the eUICC's EID.
    UnmatchedEid,
    /// Certificate policy of another role (DPauth carrying id-rspRole-dp-pb).
    WrongRole,
    /// SM-DP+ OID (registeredID) different from the DPauth's.
    WrongSmdpOid,
}

impl Defect {
    fn suffix(self) -> &'static str {
        match self {
            Defect::Expired => "EXPIRED",
            Defect::NotYetValid => "NOT_YET_VALID",
            Defect::BadSignature => "INVALID",
            Defect::UntrustedRoot => "",
            Defect::UnknownCi => "UNKNOWN_CI",
            Defect::EidOutOfRange => "INVALID_EID",
            Defect::UnmatchedEid => "UNMATCHED_EID",
            Defect::WrongRole => "WRONG_ROLE",
            Defect::WrongSmdpOid => "WRONG_OID",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Defect::Expired => "expired",
            Defect::NotYetValid => "not-yet-valid",
            Defect::BadSignature => "bad-signature",
            Defect::UntrustedRoot => "untrusted-root",
            Defect::UnknownCi => "unknown-ci",
            Defect::EidOutOfRange => "eid-out-of-range",
            Defect::UnmatchedEid => "unmatched-eid",
            Defect::WrongRole => "wrong-role",
            Defect::WrongSmdpOid => "wrong-smdp-oid",
        }
    }
}

/// One certificate of a generated set with its private key.
#[derive(Debug, Clone)]
pub struct GeneratedCert {
    pub role: Role,
    pub curve: Curve,
    pub der: Vec<u8>,
    pub key: PrivateKey,
}

impl GeneratedCert {
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// `CERTIFICATE` PEM.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }
}

/// A deliberately broken certificate (written to `invalid/`).
#[derive(Debug, Clone)]
pub struct InvalidCert {
    /// The role it poses as; its valid counterpart is that role's certificate of the same curve
    /// (for [`Defect::UntrustedRoot`], the CI).
    pub role: Role,
    pub curve: Curve,
    pub defect: Defect,
    pub der: Vec<u8>,
}

impl InvalidCert {
    /// File name in `invalid/`, SGP.26 style (`CERT_EUICC_ECDSA_NIST_EXPIRED.der`, …).
    pub fn file_name(&self) -> String {
        let tag = self.curve.file_tag();
        if self.defect == Defect::UntrustedRoot {
            return format!("CERT_UNKNOWN_CI_ECDSA_{tag}.der");
        }
        format!("{}_{tag}_{}.der", self.role.stems().0, self.defect.suffix())
    }

    /// What a conforming verifier should make of it.
    pub fn expected_failure(&self) -> &'static str {
        match (self.role, self.defect) {
            (Role::Euicc, Defect::Expired) => {
                "CERT.EUICC expired: ES9+ AuthenticateClient 8.1.3/6.3"
            }
            (Role::Euicc, Defect::NotYetValid) => {
                "CERT.EUICC not yet valid: ES9+ AuthenticateClient 8.1.3/6.1 (no dedicated code)"
            }
            (Role::Euicc, Defect::BadSignature) => {
                "CERT.EUICC signature does not verify under CERT.EUM: AuthenticateClient 8.1.3/6.1"
            }
            (Role::Euicc, Defect::EidOutOfRange) => {
                "EID outside the EUM nameConstraints prefix: AuthenticateClient 8.1.4/6.1 \
                 (osmo-smdpp) or 8.1.3/6.1"
            }
            (Role::Euicc, Defect::UnmatchedEid) => {
                "chain valid, but the EID differs from the eUICC's: EID mismatch with the \
                 download order, AuthenticateClient 8.1.1/3.8"
            }
            (Role::Eum, Defect::Expired) => "CERT.EUM expired: AuthenticateClient 8.1.2/6.3",
            (Role::Eum, Defect::BadSignature) => {
                "CERT.EUM signature does not verify under CERT.CI: AuthenticateClient 8.1.2/6.1"
            }
            (Role::Eum, Defect::UnknownCi) => {
                "CERT.EUM issued by an unknown CI: AuthenticateClient 8.11.1/3.9"
            }
            (_, Defect::UntrustedRoot) => {
                "self-signed CI that is not trusted: no chain to it verifies"
            }
            (Role::DpAuth, Defect::WrongRole) => {
                "CERT.DPauth with the dp-pb policy: eUICC AuthenticateServer invalidCertificate"
            }
            (Role::DpPb, Defect::WrongSmdpOid) => {
                "CERT.DPpb SM-DP+ OID differs from CERT.DPauth's: eUICC PrepareDownload \
                 invalidCertificate"
            }
            _ => "invalid certificate",
        }
    }
}

/// The EIDs of a generated PKI (shared by every curve, as one eUICC holds a certificate per curve).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestEids {
    /// The eUICC's EID: inside the prefix, valid check digits.
    pub eid: Eid,
    /// Inside the prefix, valid check digits, different from `eid` (`*_UNMATCHED_EID`).
    pub unmatched: Eid,
    /// `eid` with the prefix's last digit changed and check digits recomputed (`*_INVALID_EID`).
    pub out_of_range: Eid,
}

/// The EIDs [`generate`] uses for `seed` and `prefix` (cheap; no keys are made).
pub fn test_eids(seed: u64, prefix: &str) -> Result<TestEids, PkiGenError> {
    if prefix.is_empty() || prefix.len() > 28 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(opt_err(
            "eid_prefix",
            format!("{prefix:?} is not 1 to 28 digits"),
        ));
    }
    let mut rng = SeededRandom::new(derive_seed(seed, 0));
    let draw = |rng: &mut SeededRandom| {
        let mut base = prefix.to_owned();
        while base.len() < 30 {
            let mut b = [0u8];
            rng.fill(&mut b);
            if b[0] < 250 {
                base.push(char::from(b'0' + b[0] % 10));
            }
        }
        Eid::from_base(&base).expect("30 digits")
    };
    let eid = draw(&mut rng);
    let unmatched = loop {
        let e = draw(&mut rng);
        if e != eid {
            break e;
        }
    };
    let mut digits: Vec<u8> = eid.to_digits().into_bytes();
    let i = prefix.len() - 1;
    digits[i] = b'0' + (digits[i] - b'0' + 1) % 10;
    let base = String::from_utf8(digits[..30].to_vec()).expect("ASCII digits");
    let out_of_range = Eid::from_base(&base).expect("30 digits");
    Ok(TestEids {
        eid,
        unmatched,
        out_of_range,
    })
}

/// The hierarchy of one curve.
#[derive(Debug, Clone)]
pub struct CurvePki {
    pub curve: Curve,
    /// One per [`Role`], in [`Role::GENERATED`] order.
    pub certs: Vec<GeneratedCert>,
    /// Key of the untrusted root ([`Defect::UntrustedRoot`]); not written to disk.
    pub unknown_ci_key: PrivateKey,
    pub invalid: Vec<InvalidCert>,
}

impl CurvePki {
    pub fn cert(&self, role: Role) -> &GeneratedCert {
        self.certs
            .iter()
            .find(|c| c.role == role)
            .expect("every role is generated")
    }

    pub fn invalid(&self, role: Role, defect: Defect) -> Option<&InvalidCert> {
        self.invalid
            .iter()
            .find(|c| c.role == role && c.defect == defect)
    }
}

/// A generated test PKI, in memory.
#[derive(Debug, Clone)]
pub struct GeneratedPki {
    pub options: GenerateOptions,
    pub eids: TestEids,
    pub sets: Vec<CurvePki>,
}

/// What a written file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    CertificateDer,
    CertificatePem,
    PrivateKey,
    PublicKey,
}

impl FileKind {
    fn name(self) -> &'static str {
        match self {
            FileKind::CertificateDer => "certificate-der",
            FileKind::CertificatePem => "certificate-pem",
            FileKind::PrivateKey => "private-key",
            FileKind::PublicKey => "public-key",
        }
    }
}

/// One file of the output layout.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output directory.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub role: Role,
    pub curve: Curve,
    pub kind: FileKind,
    /// `None` for the valid set.
    pub defect: Option<Defect>,
    /// `"valid"` or what a verifier should fail with.
    pub expect: String,
}

/// Name of the manifest written beside the certificates.
pub const MANIFEST: &str = "manifest.toml";

impl GeneratedPki {
    pub fn set(&self, curve: Curve) -> Option<&CurvePki> {
        self.sets.iter().find(|s| s.curve == curve)
    }

    /// Every certificate and key file, in a fixed order (the manifest is not included).
    pub fn files(&self) -> Vec<OutputFile> {
        let mut out = Vec::new();
        for set in &self.sets {
            let curve = set.curve;
            for c in &set.certs {
                let file = |path: PathBuf, bytes: Vec<u8>, kind| OutputFile {
                    path,
                    bytes,
                    role: c.role,
                    curve,
                    kind,
                    defect: None,
                    expect: "valid".into(),
                };
                out.push(file(
                    c.role.cert_path(curve),
                    c.der.clone(),
                    FileKind::CertificateDer,
                ));
                if c.role == Role::Ci {
                    out.push(file(
                        c.role.cert_path(curve).with_extension("pem"),
                        c.to_pem().into_bytes(),
                        FileKind::CertificatePem,
                    ));
                }
                out.push(file(
                    c.role.sk_path(curve),
                    private_key_pem(&c.key).into_bytes(),
                    FileKind::PrivateKey,
                ));
                if let Some(pk) = c.role.pk_path(curve) {
                    out.push(file(
                        pk,
                        c.public_key().to_pem().into_bytes(),
                        FileKind::PublicKey,
                    ));
                }
            }
            for inv in &set.invalid {
                let file = |path: PathBuf, bytes: Vec<u8>, kind| OutputFile {
                    path,
                    bytes,
                    role: inv.role,
                    curve,
                    kind,
                    defect: Some(inv.defect),
                    expect: inv.expected_failure().into(),
                };
                let path = Path::new("invalid").join(inv.file_name());
                out.push(file(
                    path.clone(),
                    inv.der.clone(),
                    FileKind::CertificateDer,
                ));
                // SGP.26 ships the two EID variants also as PEM.
                if matches!(inv.defect, Defect::EidOutOfRange | Defect::UnmatchedEid) {
                    out.push(file(
                        path.with_extension("pem"),
                        pem_encode("CERTIFICATE", &inv.der).into_bytes(),
                        FileKind::CertificatePem,
                    ));
                }
            }
        }
        out
    }

    /// `manifest.toml`: the parameters and one `[[file]]` table per file (path, role, curve,
    /// kind, defect, expected outcome, SHA-256).
    pub fn manifest(&self) -> String {
        let o = &self.options;
        let mut m = String::from(
            "# Test PKI generated by rspcheck (rsp_crypto::pkigen) in the GSMA SGP.26 layout.\n\
             # Test material only: the private keys are published.\n",
        );
        let kv = |m: &mut String, k: &str, v: &str| {
            m.push_str(&format!("{k} = {}\n", toml_str(v)));
        };
        m.push_str(&format!("seed = {}\n", o.seed));
        let curves: Vec<String> = o.curves.iter().map(|c| toml_str(c.file_tag())).collect();
        m.push_str(&format!("curves = [{}]\n", curves.join(", ")));
        m.push_str(&format!("not_before = {}\n", o.not_before));
        kv(&mut m, "eid", &self.eids.eid.to_digits());
        kv(&mut m, "eid_unmatched", &self.eids.unmatched.to_digits());
        kv(
            &mut m,
            "eid_out_of_range",
            &self.eids.out_of_range.to_digits(),
        );
        kv(&mut m, "eid_prefix", &o.eid_prefix);
        kv(&mut m, "smdp_address", &o.smdp_address);
        kv(&mut m, "smdp_oid", &o.smdp_oid);
        kv(&mut m, "smdp_wrong_oid", &wrong_oid(&o.smdp_oid));
        kv(&mut m, "smds_address", &o.smds_address);
        kv(&mut m, "smds_oid", &o.smds_oid);
        kv(&mut m, "ci_oid", &o.ci_oid);
        kv(&mut m, "eum_oid", &o.eum_oid);
        kv(&mut m, "operator_oid", &o.operator_oid);
        kv(&mut m, "operator_policy_oid", &o.operator_policy_oid);
        for f in self.files() {
            m.push_str("\n[[file]]\n");
            kv(&mut m, "path", &rel_str(&f.path));
            kv(&mut m, "role", f.role.manifest_name());
            kv(&mut m, "curve", f.curve.file_tag());
            kv(&mut m, "kind", f.kind.name());
            m.push_str(&format!("valid = {}\n", f.defect.is_none()));
            if let Some(d) = f.defect {
                kv(&mut m, "defect", d.name());
            }
            kv(&mut m, "expect", &f.expect);
            kv(&mut m, "sha256", &hex::encode(Sha256::digest(&f.bytes)));
        }
        m
    }

    /// Writes every file and the manifest under `dir` (created if missing; existing files of the
    /// same names are overwritten). Returns the written paths, manifest last.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, PkiGenError> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = self
            .files()
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect();
        files.push((PathBuf::from(MANIFEST), self.manifest().into_bytes()));
        let mut written = Vec::with_capacity(files.len());
        for (rel, bytes) in files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| PkiGenError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, bytes).map_err(|source| PkiGenError::Io {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Generates and writes a test PKI (what `rspcheck pki generate --out DIR` calls).
pub fn generate_to_dir(dir: &Path, opts: &GenerateOptions) -> Result<Vec<PathBuf>, PkiGenError> {
    generate(opts)?.write(dir)
}

/// SGP.26-style private key file: an `EC PARAMETERS` block (the named curve) followed by the SEC1
/// `EC PRIVATE KEY`.
pub fn private_key_pem(key: &PrivateKey) -> String {
    let params = oid(key.curve().oid()).encode_der();
    format!(
        "{}{}",
        pem_encode("EC PARAMETERS", &params),
        key.to_sec1_pem()
    )
}

fn rel_str(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `oid` with its last arc incremented (the SM-DP+ OID of `*_WRONG_OID`).
pub fn wrong_oid(oid: &str) -> String {
    match oid.rsplit_once('.') {
        Some((head, last)) => match last.parse::<u64>() {
            Ok(n) => format!("{head}.{}", n.wrapping_add(1)),
            Err(_) => format!("{oid}.1"),
        },
        None => format!("{oid}.1"),
    }
}

fn derive_seed(seed: u64, stream: u64) -> u64 {
    // SplitMix64 finaliser over seed ⊕ stream constant: independent streams per purpose.
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// DER building blocks

fn prim(tag: u32, content: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(Tag::of(tag), content)
}

fn cons(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(Tag::of(tag), children)
}

fn seq(children: Vec<Tlv>) -> Tlv {
    cons(0x30, children)
}

/// OBJECT IDENTIFIER; callers pass constants or validated options.
fn oid(text: &str) -> Tlv {
    prim(0x06, encode_oid(text).expect("OID validated"))
}

fn oid_content(text: &str) -> Vec<u8> {
    encode_oid(text).expect("OID validated")
}

#[derive(Clone, Copy)]
enum Str {
    Printable,
    Utf8,
}

fn attr(kind_oid: &str, value: &str) -> Tlv {
    let kind = match kind_oid {
        OID_C | OID_SERIAL_NUMBER => Str::Printable,
        _ => Str::Utf8,
    };
    let tag = match kind {
        Str::Printable => 0x13,
        Str::Utf8 => 0x0C,
    };
    cons(
        0x31,
        vec![seq(vec![
            oid(kind_oid),
            prim(tag, value.as_bytes().to_vec()),
        ])],
    )
}

fn name(rdns: &[(&str, &str)]) -> Tlv {
    seq(rdns.iter().map(|(k, v)| attr(k, v)).collect())
}

fn ci_name() -> Tlv {
    name(&[
        (OID_CN, "Test CI"),
        (OID_OU, "TESTCERT"),
        (OID_O, "RSPTEST"),
        (OID_C, "IT"),
    ])
}

fn unknown_ci_name() -> Tlv {
    name(&[
        (OID_C, "XX"),
        (OID_O, "Unknown CI"),
        (OID_CN, "Unknown Certificate Issuer"),
    ])
}

fn eum_name() -> Tlv {
    name(&[
        (OID_C, "ES"),
        (OID_O, EUM_ORGANIZATION),
        (OID_CN, "EUM Test"),
    ])
}

fn euicc_name(eid: &Eid) -> Tlv {
    name(&[
        (OID_C, "ES"),
        (OID_O, EUM_ORGANIZATION),
        (OID_SERIAL_NUMBER, &eid.to_digits()),
        (OID_CN, "Test eUICC"),
    ])
}

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
fn time(unix: i64) -> Tlv {
    let (y, mo, d) = civil_from_days(unix.div_euclid(DAY));
    let s = unix.rem_euclid(DAY);
    let (h, mi, se) = (s / 3600, s % 3600 / 60, s % 60);
    if (1950..2050).contains(&y) {
        prim(
            0x17,
            format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z", y % 100).into_bytes(),
        )
    } else {
        prim(
            0x18,
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z").into_bytes(),
        )
    }
}

fn check_window(option: &'static str, w: Window) -> Result<(), PkiGenError> {
    // 0000-01-01 .. 9999-12-31T23:59:59Z
    const MIN: i64 = -62_167_219_200;
    const MAX: i64 = 253_402_300_799;
    if !(MIN..=MAX).contains(&w.not_before) || !(MIN..=MAX).contains(&w.not_after) {
        return Err(opt_err(option, "time outside years 0000-9999"));
    }
    if w.not_after < w.not_before {
        return Err(opt_err(option, "notAfter before notBefore"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Extensions

#[derive(Clone)]
struct Ext {
    oid: &'static str,
    critical: bool,
    value: Vec<u8>,
}

impl Ext {
    fn new(oid: &'static str, critical: bool, value: Tlv) -> Ext {
        Ext {
            oid,
            critical,
            value: value.encode_der(),
        }
    }

    fn to_tlv(&self) -> Tlv {
        let mut v = vec![oid(self.oid)];
        if self.critical {
            v.push(prim(0x01, vec![0xFF]));
        }
        v.push(prim(0x04, self.value.clone()));
        seq(v)
    }
}

fn key_id(pk: &PublicKey) -> Vec<u8> {
    Sha1::digest(pk.to_uncompressed()).to_vec()
}

fn ski(pk: &PublicKey) -> Ext {
    Ext::new(ext_oid::SUBJECT_KEY_ID, false, prim(0x04, key_id(pk)))
}

fn aki(issuer: &PublicKey) -> Ext {
    Ext::new(
        ext_oid::AUTHORITY_KEY_ID,
        false,
        seq(vec![prim(0x80, key_id(issuer))]),
    )
}

fn key_usage(bits: &[usize]) -> Ext {
    Ext::new(
        ext_oid::KEY_USAGE,
        true,
        prim(0x03, BitString::from_bits(bits).encode()),
    )
}

const KU_DIGITAL_SIGNATURE: usize = 0;
const KU_KEY_CERT_SIGN: usize = 5;
const KU_CRL_SIGN: usize = 6;

fn basic_constraints_ca(path_len: Option<u8>) -> Ext {
    let mut v = vec![prim(0x01, vec![0xFF])];
    if let Some(n) = path_len {
        v.push(prim(0x02, rsp_codec::der::encode_integer(i64::from(n))));
    }
    Ext::new(ext_oid::BASIC_CONSTRAINTS, true, seq(v))
}

fn policies(policy: &str, critical: bool) -> Ext {
    Ext::new(
        ext_oid::CERTIFICATE_POLICIES,
        critical,
        seq(vec![seq(vec![oid(policy)])]),
    )
}

fn san(dns: Option<&str>, registered_id: &str) -> Ext {
    let mut v = Vec::new();
    if let Some(d) = dns {
        v.push(prim(0x82, d.as_bytes().to_vec()));
    }
    v.push(prim(0x88, oid_content(registered_id)));
    Ext::new(ext_oid::SUBJECT_ALT_NAME, false, seq(v))
}

fn crl_dps(urls: &[&str]) -> Ext {
    let dps = urls
        .iter()
        .map(|u| {
            seq(vec![cons(
                0xA0,
                vec![cons(0xA0, vec![prim(0x86, u.as_bytes().to_vec())])],
            )])
        })
        .collect();
    Ext::new(ext_oid::CRL_DISTRIBUTION_POINTS, false, seq(dps))
}

fn eku(purposes: &[&str]) -> Ext {
    Ext::new(
        ext_oid::EXTENDED_KEY_USAGE,
        true,
        seq(purposes.iter().map(|p| oid(p)).collect()),
    )
}

fn name_constraints(prefix: &str) -> Ext {
    let dir = name(&[(OID_O, EUM_ORGANIZATION), (OID_SERIAL_NUMBER, prefix)]);
    Ext::new(
        ext_oid::NAME_CONSTRAINTS,
        true,
        seq(vec![cons(0xA0, vec![seq(vec![cons(0xA4, vec![dir])])])]),
    )
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[derive(Clone)]
struct Spec {
    serial: Vec<u8>,
    issuer: Tlv,
    window: Window,
    subject: Tlv,
    key: PublicKey,
    exts: Vec<Ext>,
}

impl Spec {
    fn tbs(&self) -> Vec<u8> {
        let spki = Tlv::parse(&self.key.to_spki_der()).expect("own SPKI encoding parses");
        seq(vec![
            cons(0xA0, vec![prim(0x02, vec![2])]),
            prim(0x02, self.serial.clone()),
            seq(vec![oid(OID_ECDSA_WITH_SHA256)]),
            self.issuer.clone(),
            seq(vec![
                time(self.window.not_before),
                time(self.window.not_after),
            ]),
            self.subject.clone(),
            spki,
            cons(0xA3, vec![seq(self.exts.iter().map(Ext::to_tlv).collect())]),
        ])
        .encode_der()
    }

    fn replace(&mut self, ext: Ext) {
        for e in &mut self.exts {
            if e.oid == ext.oid {
                *e = ext.clone();
            }
        }
    }

    fn sign(&self, key: &PrivateKey) -> Vec<u8> {
        let tbs = self.tbs();
        assemble(&tbs, &key.sign(&tbs))
    }

    /// Signed, then the signature's `s` altered: well-formed, but it does not verify.
    fn sign_corrupted(&self, key: &PrivateKey) -> Vec<u8> {
        let tbs = self.tbs();
        let mut raw = key.sign(&tbs);
        raw[63] ^= 0x01;
        assemble(&tbs, &raw)
    }
}

fn assemble(tbs: &[u8], raw_signature: &[u8; 64]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend(raw_to_der(raw_signature).expect("64-byte signature"));
    seq(vec![
        Tlv::parse(tbs).expect("own TBS encoding parses"),
        seq(vec![oid(OID_ECDSA_WITH_SHA256)]),
        prim(0x03, bits),
    ])
    .encode_der()
}

/// Serial numbers in the SGP.26 styles, unique per issuer.
struct Serials<'r> {
    rng: &'r mut SeededRandom,
    used: BTreeSet<Vec<u8>>,
}

impl Serials<'_> {
    /// `len` random bytes with the top bit set, as a positive INTEGER (leading 00), like the
    /// SGP.26 CI's `00 B8 74 …`.
    fn high(&mut self, len: usize) -> Vec<u8> {
        self.unique(|rng| {
            let mut b = vec![0u8; len];
            rng.fill(&mut b);
            b[0] |= 0x80;
            let mut v = vec![0];
            v.extend(b);
            v
        })
    }

    /// `len` random bytes, first byte in `min..=0x7F` (no padding needed).
    fn plain(&mut self, len: usize, min: u8) -> Vec<u8> {
        self.unique(|rng| {
            let mut b = vec![0u8; len];
            rng.fill(&mut b);
            b[0] = min + b[0] % (0x80 - min);
            b
        })
    }

    /// `prefix` followed by `len` random bytes (the eUICC's `02 xx…`).
    fn prefixed(&mut self, prefix: u8, len: usize) -> Vec<u8> {
        self.unique(|rng| {
            let mut v = vec![0u8; len + 1];
            rng.fill(&mut v[1..]);
            v[0] = prefix;
            v
        })
    }

    fn unique(&mut self, mut f: impl FnMut(&mut SeededRandom) -> Vec<u8>) -> Vec<u8> {
        loop {
            let v = f(self.rng);
            if self.used.insert(v.clone()) {
                return v;
            }
        }
    }
}

fn validate(opts: &GenerateOptions) -> Result<(), PkiGenError> {
    if opts.curves.is_empty() {
        return Err(opt_err("curves", "no curve selected"));
    }
    let mut seen = BTreeSet::new();
    for c in &opts.curves {
        if !seen.insert(*c) {
            return Err(opt_err("curves", format!("{c} listed twice")));
        }
    }
    for (option, value) in [
        ("smdp_oid", &opts.smdp_oid),
        ("smds_oid", &opts.smds_oid),
        ("ci_oid", &opts.ci_oid),
        ("eum_oid", &opts.eum_oid),
        ("operator_oid", &opts.operator_oid),
        ("operator_policy_oid", &opts.operator_policy_oid),
    ] {
        encode_oid(value).map_err(|e| opt_err(option, format!("{value:?}: {e}")))?;
    }
    encode_oid(&wrong_oid(&opts.smdp_oid))
        .map_err(|e| opt_err("smdp_oid", format!("cannot derive a wrong OID: {e}")))?;
    for (option, value) in [
        ("smdp_address", &opts.smdp_address),
        ("smds_address", &opts.smds_address),
    ] {
        let ok = !value.is_empty()
            && value.len() <= 253
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !ok {
            return Err(opt_err(option, format!("{value:?} is not a DNS name")));
        }
    }
    let v = &opts.validity;
    for (option, days) in [
        ("validity.ci", v.ci),
        ("validity.eum", v.eum),
        ("validity.euicc", v.euicc),
        ("validity.server", v.server),
        ("validity.tls", v.tls),
    ] {
        check_window(option, Window::days(opts.not_before, days))?;
    }
    check_window("expired", opts.expired)?;
    check_window("not_yet_valid", opts.not_yet_valid)?;
    Ok(())
}

/// Generates the PKI for every curve of `opts`, in memory.
pub fn generate(opts: &GenerateOptions) -> Result<GeneratedPki, PkiGenError> {
    validate(opts)?;
    let eids = test_eids(opts.seed, &opts.eid_prefix)?;
    let sets = opts
        .curves
        .iter()
        .map(|&curve| generate_curve(opts, curve, &eids))
        .collect();
    Ok(GeneratedPki {
        options: opts.clone(),
        eids,
        sets,
    })
}

fn generate_curve(opts: &GenerateOptions, curve: Curve, eids: &TestEids) -> CurvePki {
    let stream = match curve {
        Curve::NistP256 => 1,
        Curve::BrainpoolP256r1 => 2,
    };
    let mut rng = SeededRandom::new(derive_seed(opts.seed, stream));
    let keys: Vec<PrivateKey> = Role::GENERATED
        .iter()
        .map(|_| PrivateKey::generate(curve, &mut rng))
        .collect();
    let unknown_ci_key = PrivateKey::generate(curve, &mut rng);
    let key = |r: Role| &keys[Role::GENERATED.iter().position(|x| *x == r).expect("role")];
    let pk = |r: Role| key(r).public_key();

    // Serial numbers: per issuer unique, in SGP.26's styles.
    let (ci_serial, eum_serial, ci_leaf_serials, euicc_serial, unknown_serial) = {
        let mut s = Serials {
            rng: &mut rng,
            used: BTreeSet::new(),
        };
        let ci = s.high(8);
        let eum = s.plain(4, 0x10);
        let leaves: Vec<Vec<u8>> = (0..6).map(|_| s.plain(2, 0x01)).collect();
        let mut s = Serials {
            rng: s.rng,
            used: BTreeSet::new(),
        };
        let euicc = s.prefixed(0x02, 8);
        let unknown = s.high(8);
        (ci, eum, leaves, euicc, unknown)
    };

    let nb = opts.not_before;
    let v = &opts.validity;
    let ci_pk = pk(Role::Ci);
    let eum_pk = pk(Role::Eum);

    let ci = Spec {
        serial: ci_serial,
        issuer: ci_name(),
        window: Window::days(nb, v.ci),
        subject: ci_name(),
        key: ci_pk.clone(),
        exts: vec![
            ski(&ci_pk),
            basic_constraints_ca(None),
            policies(role_oid::CI, true),
            key_usage(&[KU_KEY_CERT_SIGN, KU_CRL_SIGN]),
            san(None, &opts.ci_oid),
            crl_dps(&[CRL_A, CRL_B]),
        ],
    };
    let eum = Spec {
        serial: eum_serial,
        issuer: ci_name(),
        window: Window::days(nb, v.eum),
        subject: eum_name(),
        key: eum_pk.clone(),
        exts: vec![
            aki(&ci_pk),
            ski(&eum_pk),
            key_usage(&[KU_KEY_CERT_SIGN]),
            policies(role_oid::EUM, true),
            san(None, &opts.eum_oid),
            basic_constraints_ca(Some(0)),
            crl_dps(&[CRL_B]),
            name_constraints(&opts.eid_prefix),
        ],
    };
    let euicc_pk = pk(Role::Euicc);
    let euicc = Spec {
        serial: euicc_serial,
        issuer: eum_name(),
        window: Window::days(nb, v.euicc),
        subject: euicc_name(&eids.eid),
        key: euicc_pk.clone(),
        exts: vec![
            aki(&eum_pk),
            ski(&euicc_pk),
            key_usage(&[KU_DIGITAL_SIGNATURE]),
            policies(role_oid::EUICC, true),
        ],
    };
    let mut leaf_serials = ci_leaf_serials.into_iter();
    let mut sm = |role: Role, cn: &str, policy: &str, sm_oid: &str| {
        let k = pk(role);
        Spec {
            serial: leaf_serials.next().expect("six serials"),
            issuer: ci_name(),
            window: Window::days(nb, v.server),
            subject: name(&[(OID_O, "ACME"), (OID_CN, cn)]),
            key: k.clone(),
            exts: vec![
                aki(&ci_pk),
                ski(&k),
                san(None, sm_oid),
                key_usage(&[KU_DIGITAL_SIGNATURE]),
                policies(policy, true),
                crl_dps(&[CRL_A, CRL_B]),
            ],
        }
    };
    let dp_auth = sm(
        Role::DpAuth,
        "TEST SM-DP+",
        role_oid::DP_AUTH,
        &opts.smdp_oid,
    );
    let dp_pb = sm(Role::DpPb, "TEST SM-DP+", role_oid::DP_PB, &opts.smdp_oid);
    let ds_auth = sm(
        Role::DsAuth,
        "TEST SM-DS",
        role_oid::DS_AUTH,
        &opts.smds_oid,
    );
    let mut tls = |role: Role, org: &str, cn: &str, policy: &str, dns: Option<&str>, reg: &str| {
        let k = pk(role);
        let purposes: &[&str] = if dns.is_some() {
            &[OID_SERVER_AUTH, OID_CLIENT_AUTH]
        } else {
            &[OID_CLIENT_AUTH]
        };
        Spec {
            serial: leaf_serials.next().expect("six serials"),
            issuer: ci_name(),
            window: Window::days(nb, v.tls),
            subject: name(&[(OID_O, org), (OID_CN, cn)]),
            key: k.clone(),
            exts: vec![
                key_usage(&[KU_DIGITAL_SIGNATURE]),
                eku(purposes),
                policies(policy, false),
                ski(&k),
                aki(&ci_pk),
                san(dns, reg),
                crl_dps(&[CRL_1, CRL_2]),
            ],
        }
    };
    let dp_tls = tls(
        Role::DpTls,
        "ACME",
        &opts.smdp_address,
        role_oid::DP_TLS,
        Some(&opts.smdp_address),
        &opts.smdp_oid,
    );
    let ds_tls = tls(
        Role::DsTls,
        "ACME",
        &opts.smds_address,
        role_oid::DS_TLS,
        Some(&opts.smds_address),
        &opts.smds_oid,
    );
    let operator = tls(
        Role::Operator,
        "RSP Test Operator",
        "TEST Operator",
        &opts.operator_policy_oid,
        None,
        &opts.operator_oid,
    );

    let specs = [
        (Role::Ci, &ci),
        (Role::Eum, &eum),
        (Role::Euicc, &euicc),
        (Role::DpAuth, &dp_auth),
        (Role::DpPb, &dp_pb),
        (Role::DpTls, &dp_tls),
        (Role::DsAuth, &ds_auth),
        (Role::DsTls, &ds_tls),
        (Role::Operator, &operator),
    ];
    let certs = specs
        .iter()
        .map(|(role, spec)| GeneratedCert {
            role: *role,
            curve,
            der: spec.sign(key(role.issuer())),
            key: key(*role).clone(),
        })
        .collect();

    // Invalid variants: each a copy of the valid spec with exactly the stated change.
    let mut invalid = Vec::new();
    let mut push = |role: Role, defect: Defect, der: Vec<u8>| {
        invalid.push(InvalidCert {
            role,
            curve,
            defect,
            der,
        });
    };
    let ci_key = key(Role::Ci);
    let eum_key = key(Role::Eum);
    let with_window = |spec: &Spec, w: Window| {
        let mut s = spec.clone();
        s.window = w;
        s
    };
    push(
        Role::Euicc,
        Defect::Expired,
        with_window(&euicc, opts.expired).sign(eum_key),
    );
    push(
        Role::Euicc,
        Defect::NotYetValid,
        with_window(&euicc, opts.not_yet_valid).sign(eum_key),
    );
    push(
        Role::Euicc,
        Defect::BadSignature,
        euicc.sign_corrupted(eum_key),
    );
    for (defect, eid) in [
        (Defect::EidOutOfRange, &eids.out_of_range),
        (Defect::UnmatchedEid, &eids.unmatched),
    ] {
        let mut s = euicc.clone();
        s.subject = euicc_name(eid);
        push(Role::Euicc, defect, s.sign(eum_key));
    }
    push(
        Role::Eum,
        Defect::Expired,
        with_window(&eum, opts.expired).sign(ci_key),
    );
    push(Role::Eum, Defect::BadSignature, eum.sign_corrupted(ci_key));
    let unknown_pk = unknown_ci_key.public_key();
    let mut unknown_root = ci.clone();
    unknown_root.serial = unknown_serial;
    unknown_root.issuer = unknown_ci_name();
    unknown_root.subject = unknown_ci_name();
    unknown_root.key = unknown_pk.clone();
    unknown_root.replace(ski(&unknown_pk));
    push(
        Role::Ci,
        Defect::UntrustedRoot,
        unknown_root.sign(&unknown_ci_key),
    );
    let mut eum_unknown = eum.clone();
    eum_unknown.issuer = unknown_ci_name();
    eum_unknown.replace(aki(&unknown_pk));
    push(
        Role::Eum,
        Defect::UnknownCi,
        eum_unknown.sign(&unknown_ci_key),
    );
    let mut wrong_role = dp_auth.clone();
    wrong_role.replace(policies(role_oid::DP_PB, true));
    push(Role::DpAuth, Defect::WrongRole, wrong_role.sign(ci_key));
    let mut wrong = dp_pb.clone();
    wrong.replace(san(None, &wrong_oid(&opts.smdp_oid)));
    push(Role::DpPb, Defect::WrongSmdpOid, wrong.sign(ci_key));

    CurvePki {
        curve,
        certs,
        unknown_ci_key,
        invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_switch_to_generalized_in_2050() {
        assert_eq!(time(SGP26_NOT_BEFORE).content().unwrap(), b"200401082751Z");
        assert_eq!(time(0).content().unwrap(), b"700101000000Z");
        let ci_end = Window::days(SGP26_NOT_BEFORE, 12_783).not_after;
        assert_eq!(time(ci_end).tag(), Tag::of(0x18));
        assert_eq!(time(ci_end).content().unwrap(), b"20550401082751Z");
        let euicc_end = Window::days(SGP26_NOT_BEFORE, 2_000_000).not_after;
        assert_eq!(time(euicc_end).content().unwrap(), b"74960124082751Z");
        assert_eq!(time(-1).content().unwrap(), b"691231235959Z");
        assert_eq!(time(-631_152_001).content().unwrap(), b"19491231235959Z");
        assert_eq!(time(2_524_607_999).content().unwrap(), b"491231235959Z");
    }

    #[test]
    fn extension_encodings_match_sgp26_bytes() {
        // Values copied from the SGP.26 certificates (openssl asn1parse).
        assert_eq!(
            key_usage(&[KU_DIGITAL_SIGNATURE]).value,
            [0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            basic_constraints_ca(Some(0)).value,
            hex::decode("3006 0101FF 020100".replace(' ', "")).unwrap()
        );
        assert_eq!(
            basic_constraints_ca(None).value,
            hex::decode("30030101FF").unwrap()
        );
        assert_eq!(
            policies(role_oid::DP_TLS, false).value,
            hex::decode("300b3009060767811201020103").unwrap()
        );
        assert_eq!(
            san(Some("testsmdpplus1.example.com"), "2.999.10").value,
            hex::decode("3020821974657374736d6470706c7573312e6578616d706c652e636f6d880388370a")
                .unwrap()
        );
    }

    #[test]
    fn wrong_oid_increments_last_arc() {
        assert_eq!(wrong_oid("2.999.10"), "2.999.11");
        assert_eq!(wrong_oid("2.999"), "2.1000");
    }

    #[test]
    fn eids_share_prefix_and_check_digits() {
        let e = test_eids(5, "89049032").unwrap();
        assert!(e.eid.check_digits_valid() && e.unmatched.check_digits_valid());
        assert!(e.out_of_range.check_digits_valid());
        assert!(e.eid.to_digits().starts_with("89049032"));
        assert!(e.unmatched.to_digits().starts_with("89049032"));
        assert!(e.out_of_range.to_digits().starts_with("89049033"));
        assert!(test_eids(5, "8904903x").is_err());
        assert!(test_eids(5, "").is_err());
    }
}
