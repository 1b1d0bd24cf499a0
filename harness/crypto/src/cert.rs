//! SGP.22 certificates: parsing, the facts the RSP roles need, and chain verification.
//!
//! # Parsing
//!
//! [`RspCertificate::from_der`] parses an X.509 v3 certificate with our own lossless TLV tree
//! ([`rsp_codec::tlv`]): the certificate must be DER (signatures cover the exact bytes), every
//! extension SGP.22 uses is decoded, and every other critical extension is listed
//! ([`RspCertificate::unknown_critical_extensions`]). Any defect is a [`ParseError`] saying what
//! was wrong; no input panics (a proptest feeds random and mutated bytes).
//!
//! # Roles
//!
//! SGP.22 names a certificate's role by a certificate-policy OID under `id-rspRole`
//! (`2.23.146.1.2.1`), see [`Role`]. SGP.22 v3 certificate variants ("Ov3", A, B, C) put the EUM
//! policy at `2.23.146.1.2.1.0.0.0` (as osmo-smdpp reads them, digest §9); [`Role::from_policy_oid`]
//! accepts that OID as [`Role::Eum`] too. There is no GSMA policy for an ES2+ operator client
//! certificate (SGP.26 has none): [`Role::Operator`] has no policy OID and only checks one when
//! [`VerifyOptions::operator_policy`] names it.
//!
//! # Verification
//!
//! [`verify_chain`] checks a leaf against intermediates and trust anchors (the CIs) at a time the
//! caller gives; it never reads the wall clock. The chain shape is fixed by the role
//! ([`Role::chain`]): CI → EUM → eUICC, or CI → leaf for the SM-DP+/SM-DS/operator roles (SGP.22
//! v2 has no sub-CAs). Certificates are checked top-down, anchor first, and the first failure is
//! returned, which is the order SGP.22 AuthenticateClient prescribes (the EUM certificate is
//! verified with the CI key before the eUICC certificate is verified with the EUM key), so an
//! expired EUM is reported as an EUM problem even when the eUICC certificate below it is also
//! wrong. Per certificate the order is: signature algorithm and signature (by the issuer's key),
//! own key on a supported curve, same curve as the issuer, issuer name, authority key
//! identifier present, validity (expired and not-yet-valid distinct), unknown critical
//! extensions, key usage, basic constraints, role policy, extended key usage, then the
//! role-specific checks (EUM: a permitted EID range; eUICC: EID format, range, check digits;
//! SM-DP+/SM-DS auth and pb: a SAN registeredID).
//!
//! Path building picks each issuer by authority key identifier = subject key identifier (the
//! SHA-1 key hash is computed when a certificate has no SKI extension), or by issuer name when a
//! certificate has no AKI. When neither identifies an issuer, the *designated* one is used: the
//! single trust anchor, or the single one on the certificate's curve (an SM-DP+ verifies the EUM
//! with the CI named by `euiccCiPKIdToBeUsed`), or the next unused intermediate (the EUM
//! certificate that came with the eUICC certificate);
//! its signature check then fails as [`CertError::BadSignature`]. A certificate whose AKI names
//! no given CI is [`CertError::UnknownCi`]; one that names no given EUM is
//! [`CertError::IssuerNotFound`].
//!
//! # Error codes
//!
//! [`CertError::es9_status`] maps a failure to the ES9+/ES11 status code (digest §2.3, SGP.23
//! AuthenticateClient error sequences #1–#7) and [`CertError::authenticate_server_error`] /
//! [`CertError::prepare_download_error`] to the ES10b error enumerations (digest §3.2).
//!
//! # Note for TLS (rustls / webpki)
//!
//! In the SGP.26 set, `certificatePolicies` is **critical** on the CI, EUM, eUICC, DPauth and
//! DPpb certificates and **non-critical** on the DP TLS certificates; the TLS certificates carry a
//! critical keyUsage and a critical extKeyUsage (serverAuth + clientAuth), both of which webpki
//! understands, plus a SAN with a DNS name and a registeredID. So a CI → DPtls chain has no
//! critical extension webpki would refuse (and webpki takes only subject, key and name
//! constraints from a trust anchor, so the CI's critical policies do not matter there). Any
//! auth/pb/eUICC/EUM certificate fed to webpki would be refused for its critical
//! certificatePolicies. The EUM carries a critical nameConstraints with a permitted DirName
//! `O=RSP Test EUM, serialNumber=89049032`: SGP.22 reads the serialNumber as an EID *prefix*,
//! whereas RFC 5280 DirName constraints need the subject to start with those RDNs, which the
//! eUICC subject (`C=ES, O=…, serialNumber=<EID>, CN=…`) does not; `openssl verify` rejects the
//! eUICC chain with "permitted subtree violation". The brainpoolP256r1 TLS certificate needs a
//! verifier that implements that curve (rustls's stock providers do not). The
//! `CERT_S_SM_DP_VARO_TLS_*` certificates are valid from 2026-07-21 to 2027-02-06; the DP2/4/8
//! TLS certificates expired on 2025-08-11.

use std::fmt;
use std::str::FromStr;

use rsp_codec::der::{decode_bit_string, decode_boolean, decode_integer, decode_oid};
use rsp_codec::eid::{Eid, EidError};
use rsp_codec::tlv::{Limits, Tag, Tlv, TlvError};
use sha1::Digest as _;

use crate::ecc::{Curve, PublicKey};

/// Object identifiers used here.
pub mod oid {
    pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
    pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    pub const SUBJECT_KEY_ID: &str = "2.5.29.14";
    pub const KEY_USAGE: &str = "2.5.29.15";
    pub const SUBJECT_ALT_NAME: &str = "2.5.29.17";
    pub const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    pub const NAME_CONSTRAINTS: &str = "2.5.29.30";
    pub const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
    pub const CERTIFICATE_POLICIES: &str = "2.5.29.32";
    pub const AUTHORITY_KEY_ID: &str = "2.5.29.35";
    pub const EXT_KEY_USAGE: &str = "2.5.29.37";
    /// GSMA `permittedEins` (SEQUENCE OF PrintableString EID prefixes), SGP.22 v3 EUM variants.
    pub const PERMITTED_EINS: &str = "2.23.146.1.2.2.0";
    pub const KP_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
    pub const KP_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
    pub const AT_COMMON_NAME: &str = "2.5.4.3";
    pub const AT_SERIAL_NUMBER: &str = "2.5.4.5";
    pub const ROLE_CI: &str = "2.23.146.1.2.1.0";
    pub const ROLE_EUICC: &str = "2.23.146.1.2.1.1";
    pub const ROLE_EUM: &str = "2.23.146.1.2.1.2";
    pub const ROLE_DP_TLS: &str = "2.23.146.1.2.1.3";
    pub const ROLE_DP_AUTH: &str = "2.23.146.1.2.1.4";
    pub const ROLE_DP_PB: &str = "2.23.146.1.2.1.5";
    pub const ROLE_DS_TLS: &str = "2.23.146.1.2.1.6";
    pub const ROLE_DS_AUTH: &str = "2.23.146.1.2.1.7";
    /// EUM policy of the SGP.22 v3 certificate variants (per osmo-smdpp; digest §9).
    pub const ROLE_EUM_V3: &str = "2.23.146.1.2.1.0.0.0";
}

const BOOLEAN: Tag = Tag::of(0x01);
const INTEGER: Tag = Tag::of(0x02);
const BIT_STRING: Tag = Tag::of(0x03);
const OCTET_STRING: Tag = Tag::of(0x04);
const OID: Tag = Tag::of(0x06);
const SEQUENCE: Tag = Tag::of(0x30);
const SET: Tag = Tag::of(0x31);
const UTC_TIME: Tag = Tag::of(0x17);
const GENERALIZED_TIME: Tag = Tag::of(0x18);
const CTX0: Tag = Tag::of(0xA0);

/// Bounds for certificate input: SGP.22 certificates are about 500 bytes.
const CERT_LIMITS: Limits = Limits {
    max_depth: 24,
    max_size: 64 * 1024,
};

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/// A UTC instant with one-second resolution (seconds since 1970-01-01T00:00:00Z).
///
/// Parses from `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD` (midnight UTC) and displays as the former.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    pub const fn from_unix(seconds: i64) -> Time {
        Time(seconds)
    }

    pub const fn unix(self) -> i64 {
        self.0
    }

    /// From calendar fields (proleptic Gregorian, years 0–9999); `None` if out of range.
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        min: u32,
        sec: u32,
    ) -> Option<Time> {
        let valid = (0..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && min < 60
            && sec < 60;
        valid.then(|| {
            Time(
                days_from_civil(year, month, day) * 86_400
                    + i64::from(hour) * 3600
                    + i64::from(min) * 60
                    + i64::from(sec),
            )
        })
    }

    /// Calendar fields `(year, month, day, hour, minute, second)`.
    pub fn to_utc(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // secs is in 0..86400, so the casts cannot truncate.
        (
            y,
            m,
            d,
            (secs / 3600) as u32,
            (secs % 3600 / 60) as u32,
            (secs % 60) as u32,
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // d is 1..=31 and m 1..=12: the casts cannot truncate.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_utc();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// Where a server reads the time, once per request: the system clock when serving, a fixed
/// one in tests and replays (so a seed reproduces a run).
pub trait Clock: Send + Sync {
    fn now(&self) -> Time;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Time {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Time::from_unix(secs)
    }
}

/// Always the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Time);

impl Clock for FixedClock {
    fn now(&self) -> Time {
        self.0
    }
}

/// A time string that is not `YYYY-MM-DD[THH:MM:SSZ]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {0:?}: expected YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD (UTC)")]
pub struct TimeParseError(pub String);

impl FromStr for Time {
    type Err = TimeParseError;

    fn from_str(s: &str) -> Result<Time, TimeParseError> {
        let err = || TimeParseError(s.chars().take(40).collect());
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        let date = |b: &[u8]| b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
        if !date(b) {
            return Err(err());
        }
        let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
        let (h, mi, sec) = match b.len() {
            10 => (Some(0), Some(0), Some(0)),
            20 if (b[10] == b'T' || b[10] == b' ')
                && b[13] == b':'
                && b[16] == b':'
                && b[19] == b'Z' =>
            {
                (num(11..13), num(14..16), num(17..19))
            }
            _ => return Err(err()),
        };
        match (y, mo, d, h, mi, sec) {
            (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) => {
                Time::from_utc(i64::from(y), mo, d, h, mi, sec).ok_or_else(err)
            }
            _ => Err(err()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parse errors
// ---------------------------------------------------------------------------------------------

/// Why bytes are not an acceptable certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a DER TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("certificate is not DER (non-minimal length encoding)")]
    NotDer,
    #[error("{field}: {problem}")]
    Structure {
        field: &'static str,
        problem: String,
    },
    #[error("{field}: invalid time: {problem}")]
    Time {
        field: &'static str,
        problem: String,
    },
    #[error("extension {oid} appears more than once")]
    DuplicateExtension { oid: String },
    #[error("extension {name} ({oid}): {problem}")]
    Extension {
        name: &'static str,
        oid: String,
        problem: String,
    },
    #[error("no CERTIFICATE block in PEM input{0}")]
    Pem(String),
}

fn bad(field: &'static str, problem: impl Into<String>) -> ParseError {
    ParseError::Structure {
        field,
        problem: problem.into(),
    }
}

fn expect_tag<'a>(t: &'a Tlv, tag: Tag, field: &'static str) -> Result<&'a Tlv, ParseError> {
    if t.tag() == tag {
        Ok(t)
    } else {
        Err(bad(
            field,
            format!("expected tag {tag:?}, found {:?}", t.tag()),
        ))
    }
}

fn content<'a>(t: &'a Tlv, field: &'static str) -> Result<&'a [u8], ParseError> {
    t.content()
        .ok_or_else(|| bad(field, "expected a primitive encoding"))
}

fn oid_of(t: &Tlv, field: &'static str) -> Result<String, ParseError> {
    let c = content(expect_tag(t, OID, field)?, field)?;
    decode_oid(c).map_err(|e| bad(field, e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// One `AttributeTypeAndValue` of a distinguished name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute type OID, e.g. `2.5.4.5` (serialNumber).
    pub oid: String,
    /// Encoded tag of the value (e.g. `0x13` PrintableString, `0x0C` UTF8String).
    pub value_tag: u32,
    /// The value as text (strings decoded; any other type as `#` + hex).
    pub value: String,
}

/// A distinguished name, kept both as its DER and as decoded RDNs in certificate order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    der: Vec<u8>,
    rdns: Vec<Vec<Attribute>>,
}

impl Name {
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The relative distinguished names, each a set of attributes.
    pub fn rdns(&self) -> &[Vec<Attribute>] {
        &self.rdns
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.rdns.iter().flatten()
    }

    /// First value of the attribute type `oid`.
    pub fn get(&self, oid: &str) -> Option<&str> {
        self.attributes()
            .find(|a| a.oid == oid)
            .map(|a| a.value.as_str())
    }

    /// The `serialNumber` attribute (the EID in an eUICC certificate).
    pub fn serial_number(&self) -> Option<&str> {
        self.get(oid::AT_SERIAL_NUMBER)
    }

    pub fn common_name(&self) -> Option<&str> {
        self.get(oid::AT_COMMON_NAME)
    }

    /// Name equality for chaining: identical DER, or the same attributes in the same order with
    /// values equal after ASCII case folding and whitespace collapsing (RFC 5280 §7.1, simplified).
    pub fn matches(&self, other: &Name) -> bool {
        if self.der == other.der {
            return true;
        }
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        };
        self.rdns.len() == other.rdns.len()
            && self.rdns.iter().zip(&other.rdns).all(|(a, b)| {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.oid == y.oid && norm(&x.value) == norm(&y.value))
            })
    }

    fn parse(t: &Tlv, field: &'static str) -> Result<Name, ParseError> {
        expect_tag(t, SEQUENCE, field)?;
        let mut rdns = Vec::new();
        for set in t.children() {
            expect_tag(set, SET, field)?;
            if set.children().is_empty() {
                return Err(bad(field, "empty RelativeDistinguishedName"));
            }
            let mut rdn = Vec::new();
            for atv in set.children() {
                expect_tag(atv, SEQUENCE, field)?;
                let [ty, value] = atv.children() else {
                    return Err(bad(
                        field,
                        "AttributeTypeAndValue must hold a type and a value",
                    ));
                };
                rdn.push(Attribute {
                    oid: oid_of(ty, field)?,
                    value_tag: value.tag().to_u32(),
                    value: decode_string(value),
                });
            }
            rdns.push(rdn);
        }
        Ok(Name {
            der: t.encode(),
            rdns,
        })
    }
}

/// Text of a directory string (lossy; never fails).
fn decode_string(t: &Tlv) -> String {
    let Some(c) = t.content() else {
        return format!("#{}", hex::encode(t.encode()));
    };
    match t.tag().to_u32() {
        0x0C | 0x12 | 0x13 | 0x16 | 0x1A => String::from_utf8_lossy(c).into_owned(),
        0x14 => c.iter().map(|&b| char::from(b)).collect(),
        0x1E => char::decode_utf16(
            c.chunks(2)
                .map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)])),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        0x1C => c
            .chunks(4)
            .map(|p| {
                let mut w = [0u8; 4];
                w[..p.len()].copy_from_slice(p);
                char::from_u32(u32::from_be_bytes(w)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => format!("#{}", hex::encode(t.encode())),
    }
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        _ => return None,
    })
}

/// Writes `s` with control characters escaped, so that a hostile name stays on one line.
fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        if c.is_control() {
            write!(f, "\\u{{{:x}}}", u32::from(c))?;
        } else {
            fmt::Write::write_char(f, c)?;
        }
    }
    Ok(())
}

/// OpenSSL-like one-line form: `C=ES, O=RSP Test EUM, CN=EUM Test` (certificate order).
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rdns.is_empty() {
            return f.write_str("<empty name>");
        }
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            for (j, a) in rdn.iter().enumerate() {
                if j > 0 {
                    f.write_str(" + ")?;
                }
                match short_name(&a.oid) {
                    Some(n) => f.write_str(n)?,
                    None => f.write_str(&a.oid)?,
                }
                f.write_str("=")?;
                write_escaped(f, &a.value)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------------

/// One extension as found in the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub oid: String,
    pub critical: bool,
    /// Content of `extnValue` (the DER of the extension's own structure).
    pub value: Vec<u8>,
}

/// The keyUsage extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage {
    /// Bit `n` of the BIT STRING is `1 << n` (0 digitalSignature … 8 decipherOnly).
    pub bits: u16,
    pub critical: bool,
}

impl KeyUsage {
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    pub const CRL_SIGN: u16 = 1 << 6;

    pub fn digital_signature(&self) -> bool {
        self.bits & Self::DIGITAL_SIGNATURE != 0
    }
    pub fn key_cert_sign(&self) -> bool {
        self.bits & Self::KEY_CERT_SIGN != 0
    }
    pub fn crl_sign(&self) -> bool {
        self.bits & Self::CRL_SIGN != 0
    }
}

/// The basicConstraints extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u32>,
    pub critical: bool,
}

/// The certificatePolicies extension (policy OIDs only; qualifiers are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    pub oids: Vec<String>,
    pub critical: bool,
}

/// The subjectAltName forms SGP.22 uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectAltName {
    /// `registeredID` entries: the SM-DP+/SM-DS OID (CI `2.999.1`, EUM `2.999.5` in SGP.26).
    pub registered_ids: Vec<String>,
    pub dns_names: Vec<String>,
    pub uris: Vec<String>,
    /// Count of other GeneralName forms.
    pub other: usize,
    pub critical: bool,
}

/// The nameConstraints extension, as far as SGP.22 uses it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameConstraints {
    /// Permitted directory names.
    pub permitted_dir_names: Vec<Name>,
    /// The `serialNumber` values of the permitted directory names: the EID prefixes an EUM may
    /// issue under (SGP.26 variant O).
    pub permitted_serial_prefixes: Vec<String>,
    /// Count of permitted subtrees of other forms (not enforced here).
    pub permitted_other: usize,
    /// Count of excluded subtrees (not enforced here).
    pub excluded: usize,
    pub critical: bool,
}

/// What happened to a certificate's subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// An EC key on a curve we support.
    Ec(PublicKey),
    /// Not an EC key on P-256/brainpoolP256r1, or not a valid point; says why.
    Unsupported(String),
}

// ---------------------------------------------------------------------------------------------
// The certificate
// ---------------------------------------------------------------------------------------------

/// A parsed SGP.22 certificate: its DER and the facts the RSP roles need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RspCertificate {
    der: Vec<u8>,
    tbs: std::ops::Range<usize>,
    version: u8,
    serial: Vec<u8>,
    tbs_signature_algorithm: String,
    signature_algorithm: String,
    signature: Vec<u8>,
    issuer: Name,
    subject: Name,
    not_before: Time,
    not_after: Time,
    spki: Vec<u8>,
    key_algorithm: String,
    curve_oid: Option<String>,
    key: KeyInfo,
    computed_key_id: Vec<u8>,
    extensions: Vec<Extension>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    key_usage: Option<KeyUsage>,
    basic_constraints: Option<BasicConstraints>,
    policies: Option<Policies>,
    san: Option<SubjectAltName>,
    eku: Option<(Vec<String>, bool)>,
    name_constraints: Option<NameConstraints>,
    permitted_eins: Option<Vec<String>>,
    crl_distribution_points: Vec<String>,
    self_signature_ok: SelfSignatureOk,
}

/// Set once this certificate's self-signature has verified with its own key. A trust anchor
/// is the same object in every chain it ends, so each chain no longer pays one ECDSA
/// verification for it (a third of an eUICC chain's). Only success is kept: a failure is
/// verified, and reported with its detail, every time. Not part of what a certificate is:
/// equal certificates compare equal whatever their caches hold. Shared by clones (same DER, so
/// the same answer): callers that clone their anchors per chain still profit.
#[derive(Clone, Default)]
struct SelfSignatureOk(std::sync::Arc<std::sync::OnceLock<()>>);

impl PartialEq for SelfSignatureOk {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SelfSignatureOk {}

impl fmt::Debug for SelfSignatureOk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "verified"
        } else {
            "-"
        })
    }
}

impl RspCertificate {
    /// Parses one DER certificate. Never panics.
    pub fn from_der(der: &[u8]) -> Result<RspCertificate, ParseError> {
        let top = Tlv::parse_with(der, &CERT_LIMITS)?;
        if !top.is_der() {
            return Err(ParseError::NotDer);
        }
        expect_tag(&top, SEQUENCE, "Certificate")?;
        let [tbs, alg, sig] = top.children() else {
            return Err(bad(
                "Certificate",
                format!(
                    "expected tbsCertificate, signatureAlgorithm, signatureValue; found {} elements",
                    top.children().len()
                ),
            ));
        };
        expect_tag(tbs, SEQUENCE, "tbsCertificate")?;
        let start = tbs.offset().unwrap_or(0);
        let tbs_range = start..start.saturating_add(tbs.encoded_len()).min(der.len());
        let signature_algorithm = algorithm(alg, "signatureAlgorithm")?;
        let sig_bits = decode_bit_string(content(
            expect_tag(sig, BIT_STRING, "signatureValue")?,
            "signatureValue",
        )?)
        .map_err(|e| bad("signatureValue", e.to_string()))?;
        if sig_bits.unused != 0 {
            return Err(bad("signatureValue", "unused bits in the signature"));
        }

        let mut it = tbs.children().iter().peekable();
        let mut version = 0u8;
        if let Some(v) = it.next_if(|t| t.tag() == CTX0) {
            let [int] = v.children() else {
                return Err(bad("version", "[0] must hold one INTEGER"));
            };
            let n = decode_integer(content(expect_tag(int, INTEGER, "version")?, "version")?)
                .map_err(|e| bad("version", e.to_string()))?;
            version = match n {
                0..=2 => n as u8,
                _ => return Err(bad("version", format!("unknown version value {n}"))),
            };
        }
        let mut next = |field: &'static str| {
            it.next()
                .ok_or_else(|| bad(field, "missing from tbsCertificate"))
        };
        let serial_t = next("serialNumber")?;
        let serial = content(
            expect_tag(serial_t, INTEGER, "serialNumber")?,
            "serialNumber",
        )?;
        if serial.is_empty() {
            return Err(bad("serialNumber", "empty INTEGER"));
        }
        let tbs_signature_algorithm = algorithm(next("signature")?, "signature")?;
        if tbs_signature_algorithm != signature_algorithm {
            return Err(bad(
                "signature",
                format!(
                    "tbsCertificate says {tbs_signature_algorithm}, signatureAlgorithm says {signature_algorithm}"
                ),
            ));
        }
        let issuer = Name::parse(next("issuer")?, "issuer")?;
        let validity = expect_tag(next("validity")?, SEQUENCE, "validity")?;
        let [nb, na] = validity.children() else {
            return Err(bad("validity", "expected notBefore and notAfter"));
        };
        let not_before = parse_time(nb, "notBefore")?;
        let not_after = parse_time(na, "notAfter")?;
        let subject = Name::parse(next("subject")?, "subject")?;
        let spki_t = expect_tag(
            next("subjectPublicKeyInfo")?,
            SEQUENCE,
            "subjectPublicKeyInfo",
        )?;
        let spki = spki_t.encode();
        let [key_alg, key_bits] = spki_t.children() else {
            return Err(bad(
                "subjectPublicKeyInfo",
                "expected algorithm and subjectPublicKey",
            ));
        };
        expect_tag(key_alg, SEQUENCE, "subjectPublicKeyInfo.algorithm")?;
        let key_algorithm = oid_of(
            key_alg
                .children()
                .first()
                .ok_or_else(|| bad("subjectPublicKeyInfo.algorithm", "empty"))?,
            "subjectPublicKeyInfo.algorithm",
        )?;
        let bits = decode_bit_string(content(
            expect_tag(key_bits, BIT_STRING, "subjectPublicKey")?,
            "subjectPublicKey",
        )?)
        .map_err(|e| bad("subjectPublicKey", e.to_string()))?;
        let computed_key_id = sha1::Sha1::digest(&bits.data).to_vec();
        let curve_oid = match key_alg.children().get(1) {
            Some(p) if p.tag() == OID => {
                Some(oid_of(p, "subjectPublicKeyInfo.algorithm.parameters")?)
            }
            _ => None,
        };
        let key = if key_algorithm != oid::EC_PUBLIC_KEY {
            KeyInfo::Unsupported(format!(
                "key algorithm {key_algorithm} is not id-ecPublicKey"
            ))
        } else {
            match PublicKey::from_spki_der(&spki) {
                Ok(k) => KeyInfo::Ec(k),
                Err(e) => KeyInfo::Unsupported(e.to_string()),
            }
        };

        let mut cert = RspCertificate {
            der: der.to_vec(),
            tbs: tbs_range,
            version,
            serial: serial.to_vec(),
            tbs_signature_algorithm,
            signature_algorithm,
            signature: sig_bits.data,
            issuer,
            subject,
            not_before,
            not_after,
            spki,
            key_algorithm,
            curve_oid,
            key,
            computed_key_id,
            extensions: Vec::new(),
            ski: None,
            aki: None,
            key_usage: None,
            basic_constraints: None,
            policies: None,
            san: None,
            eku: None,
            name_constraints: None,
            permitted_eins: None,
            crl_distribution_points: Vec::new(),
            self_signature_ok: SelfSignatureOk::default(),
        };

        for t in it {
            match t.tag().to_u32() {
                // issuerUniqueID / subjectUniqueID: allowed, ignored.
                0x81 | 0x82 | 0xA1 | 0xA2 if cert.extensions.is_empty() => {}
                0xA3 if cert.extensions.is_empty() => {
                    if version != 2 {
                        return Err(bad("extensions", "extensions need a v3 certificate"));
                    }
                    cert.parse_extensions(t)?;
                }
                _ => {
                    return Err(bad(
                        "tbsCertificate",
                        format!("unexpected element with tag {:?}", t.tag()),
                    ))
                }
            }
        }
        Ok(cert)
    }

    /// Parses the first `CERTIFICATE` block of PEM text.
    pub fn from_pem(text: &str) -> Result<RspCertificate, ParseError> {
        let blocks = crate::ecc::pem_blocks(text).map_err(|e| ParseError::Pem(format!(": {e}")))?;
        let der = blocks
            .into_iter()
            .find(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .ok_or_else(|| ParseError::Pem(String::new()))?;
        RspCertificate::from_der(&der)
    }

    /// DER, or PEM when the bytes start with `-----BEGIN` (after whitespace).
    pub fn from_der_or_pem(bytes: &[u8]) -> Result<RspCertificate, ParseError> {
        let trimmed = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |i| &bytes[i..]);
        if trimmed.starts_with(b"-----BEGIN") {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ParseError::Pem(": not UTF-8 text".into()))?;
            RspCertificate::from_pem(text)
        } else {
            RspCertificate::from_der(bytes)
        }
    }

    fn parse_extensions(&mut self, t: &Tlv) -> Result<(), ParseError> {
        let [seq] = t.children() else {
            return Err(bad("extensions", "[3] must hold one SEQUENCE"));
        };
        expect_tag(seq, SEQUENCE, "extensions")?;
        if seq.children().is_empty() {
            return Err(bad("extensions", "empty SEQUENCE OF Extension"));
        }
        for e in seq.children() {
            expect_tag(e, SEQUENCE, "extension")?;
            let (oid_t, critical, value_t) = match e.children() {
                [o, v] => (o, false, v),
                [o, c, v] => {
                    let c = content(expect_tag(c, BOOLEAN, "extension.critical")?, "critical")?;
                    let critical = decode_boolean(c)
                        .map_err(|err| bad("extension.critical", err.to_string()))?;
                    (o, critical, v)
                }
                _ => return Err(bad("extension", "expected extnID, [critical], extnValue")),
            };
            let ext_oid = oid_of(oid_t, "extension.extnID")?;
            let value = content(
                expect_tag(value_t, OCTET_STRING, "extension.extnValue")?,
                "extension.extnValue",
            )?
            .to_vec();
            if self.extensions.iter().any(|x| x.oid == ext_oid) {
                return Err(ParseError::DuplicateExtension { oid: ext_oid });
            }
            self.interpret(&ext_oid, critical, &value)?;
            self.extensions.push(Extension {
                oid: ext_oid,
                critical,
                value,
            });
        }
        Ok(())
    }

    fn interpret(&mut self, ext_oid: &str, critical: bool, value: &[u8]) -> Result<(), ParseError> {
        let name = match ext_oid {
            oid::SUBJECT_KEY_ID => "subjectKeyIdentifier",
            oid::AUTHORITY_KEY_ID => "authorityKeyIdentifier",
            oid::KEY_USAGE => "keyUsage",
            oid::BASIC_CONSTRAINTS => "basicConstraints",
            oid::CERTIFICATE_POLICIES => "certificatePolicies",
            oid::SUBJECT_ALT_NAME => "subjectAltName",
            oid::NAME_CONSTRAINTS => "nameConstraints",
            oid::EXT_KEY_USAGE => "extKeyUsage",
            oid::CRL_DISTRIBUTION_POINTS => "cRLDistributionPoints",
            oid::PERMITTED_EINS => "permittedEins",
            _ => return Ok(()),
        };
        let fail = |problem: String| ParseError::Extension {
            name,
            oid: ext_oid.to_owned(),
            problem,
        };
        let t = Tlv::parse_with(value, &CERT_LIMITS).map_err(|e| fail(e.to_string()))?;
        let f = "extension";
        match ext_oid {
            oid::SUBJECT_KEY_ID => {
                let c = content(expect_tag(&t, OCTET_STRING, f)?, f)?;
                if c.is_empty() {
                    return Err(fail("empty key identifier".into()));
                }
                self.ski = Some(c.to_vec());
            }
            oid::AUTHORITY_KEY_ID => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                if let Some(k) = t.child(Tag::of(0x80)) {
                    let c = content(k, f).map_err(|e| fail(e.to_string()))?;
                    self.aki = Some(c.to_vec());
                }
            }
            oid::KEY_USAGE => {
                let c = content(expect_tag(&t, BIT_STRING, f)?, f)?;
                let bits = decode_bit_string(c).map_err(|e| fail(e.to_string()))?;
                let mask = (0..9)
                    .filter(|n| bits.bit(*n))
                    .fold(0u16, |m, n| m | (1 << n));
                self.key_usage = Some(KeyUsage {
                    bits: mask,
                    critical,
                });
            }
            oid::BASIC_CONSTRAINTS => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let mut ca = false;
                let mut path_len = None;
                for c in t.children() {
                    match c.tag() {
                        BOOLEAN if path_len.is_none() => {
                            ca = decode_boolean(content(c, f)?).map_err(|e| fail(e.to_string()))?;
                        }
                        INTEGER => {
                            let n =
                                decode_integer(content(c, f)?).map_err(|e| fail(e.to_string()))?;
                            let n = u32::try_from(n)
                                .map_err(|_| fail(format!("pathLenConstraint {n} out of range")))?;
                            path_len = Some(n);
                        }
                        other => return Err(fail(format!("unexpected element {other:?}"))),
                    }
                }
                self.basic_constraints = Some(BasicConstraints {
                    ca,
                    path_len,
                    critical,
                });
            }
            oid::CERTIFICATE_POLICIES => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let mut oids = Vec::new();
                for p in t.children() {
                    expect_tag(p, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                    let first = p
                        .children()
                        .first()
                        .ok_or_else(|| fail("empty PolicyInformation".into()))?;
                    oids.push(oid_of(first, f).map_err(|e| fail(e.to_string()))?);
                }
                self.policies = Some(Policies { oids, critical });
            }
            oid::SUBJECT_ALT_NAME => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let mut san = SubjectAltName {
                    critical,
                    ..SubjectAltName::default()
                };
                for g in t.children() {
                    match g.tag().to_u32() {
                        0x82 => san.dns_names.push(ia5(g).map_err(fail)?),
                        0x86 => san.uris.push(ia5(g).map_err(fail)?),
                        0x88 => {
                            let c = content(g, f).map_err(|e| fail(e.to_string()))?;
                            san.registered_ids
                                .push(decode_oid(c).map_err(|e| fail(e.to_string()))?);
                        }
                        _ => san.other += 1,
                    }
                }
                self.san = Some(san);
            }
            oid::NAME_CONSTRAINTS => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let mut nc = NameConstraints {
                    critical,
                    ..NameConstraints::default()
                };
                for part in t.children() {
                    match part.tag().to_u32() {
                        0xA0 => {
                            for sub in part.children() {
                                expect_tag(sub, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                                let base = sub
                                    .children()
                                    .first()
                                    .ok_or_else(|| fail("empty GeneralSubtree".into()))?;
                                if base.tag() == Tag::of(0xA4) {
                                    let [inner] = base.children() else {
                                        return Err(fail(
                                            "directoryName must hold one Name".into(),
                                        ));
                                    };
                                    let n = Name::parse(inner, "nameConstraints.directoryName")
                                        .map_err(|e| fail(e.to_string()))?;
                                    if let Some(s) = n.serial_number() {
                                        nc.permitted_serial_prefixes.push(s.to_owned());
                                    }
                                    nc.permitted_dir_names.push(n);
                                } else {
                                    nc.permitted_other += 1;
                                }
                            }
                        }
                        0xA1 => nc.excluded += part.children().len(),
                        other => return Err(fail(format!("unexpected element {other:#X}"))),
                    }
                }
                self.name_constraints = Some(nc);
            }
            oid::EXT_KEY_USAGE => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let oids = t
                    .children()
                    .iter()
                    .map(|o| oid_of(o, f).map_err(|e| fail(e.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                self.eku = Some((oids, critical));
            }
            oid::CRL_DISTRIBUTION_POINTS => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                collect_uris(&t, &mut self.crl_distribution_points);
            }
            oid::PERMITTED_EINS => {
                expect_tag(&t, SEQUENCE, f).map_err(|e| fail(e.to_string()))?;
                let mut eins = Vec::new();
                for s in t.children() {
                    match s.tag().to_u32() {
                        0x13 | 0x0C | 0x16 => eins.push(decode_string(s)),
                        other => return Err(fail(format!("EIN prefix with tag {other:#X}"))),
                    }
                }
                self.permitted_eins = Some(eins);
            }
            _ => {}
        }
        Ok(())
    }

    // --- accessors -----------------------------------------------------------------------------

    /// The certificate exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The signed part (`tbsCertificate`) as received.
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }
    /// X.509 version number (1–3).
    pub fn version(&self) -> u8 {
        self.version + 1
    }
    /// Serial number content octets (two's complement, as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(&self.serial)
    }
    /// OID of `signatureAlgorithm` (equal to the one inside `tbsCertificate`).
    pub fn signature_algorithm(&self) -> &str {
        &self.signature_algorithm
    }
    /// The signature value (for ECDSA: a DER `ECDSA-Sig-Value`).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }
    pub fn subject(&self) -> &Name {
        &self.subject
    }
    pub fn not_before(&self) -> Time {
        self.not_before
    }
    pub fn not_after(&self) -> Time {
        self.not_after
    }
    /// `SubjectPublicKeyInfo` DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
    /// Subject public key algorithm OID.
    pub fn key_algorithm(&self) -> &str {
        &self.key_algorithm
    }
    /// Named-curve OID of an EC key, supported or not.
    pub fn curve_oid(&self) -> Option<&str> {
        self.curve_oid.as_deref()
    }
    pub fn key_info(&self) -> &KeyInfo {
        &self.key
    }
    /// The subject public key, when it is on a supported curve.
    pub fn public_key(&self) -> Option<&PublicKey> {
        match &self.key {
            KeyInfo::Ec(k) => Some(k),
            KeyInfo::Unsupported(_) => None,
        }
    }
    pub fn curve(&self) -> Option<Curve> {
        self.public_key().map(PublicKey::curve)
    }
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }
    pub fn extension(&self, oid: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.oid == oid)
    }
    /// The subjectKeyIdentifier extension value.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.ski.as_deref()
    }
    /// The key identifier used for chaining and as the CI PKId: the SKI extension, or else the
    /// SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1, what SGP.22 uses).
    pub fn key_id(&self) -> &[u8] {
        self.ski.as_deref().unwrap_or(&self.computed_key_id)
    }
    /// SHA-1 of the subjectPublicKey bits, whatever the SKI extension says.
    pub fn computed_key_id(&self) -> &[u8] {
        &self.computed_key_id
    }
    /// The keyIdentifier of the authorityKeyIdentifier extension.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.aki.as_deref()
    }
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }
    pub fn policies(&self) -> Option<&Policies> {
        self.policies.as_ref()
    }
    /// Policy OIDs (empty without the extension).
    pub fn policy_oids(&self) -> &[String] {
        self.policies.as_ref().map_or(&[], |p| &p.oids)
    }
    /// The RSP roles named by the certificate policies.
    pub fn roles(&self) -> Vec<Role> {
        self.policy_oids()
            .iter()
            .filter_map(|o| Role::from_policy_oid(o))
            .collect()
    }
    pub fn has_role(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }
    pub fn subject_alt_name(&self) -> Option<&SubjectAltName> {
        self.san.as_ref()
    }
    /// SAN `registeredID` OIDs (the SM-DP+ / SM-DS OID).
    pub fn registered_ids(&self) -> &[String] {
        self.san.as_ref().map_or(&[], |s| &s.registered_ids)
    }
    pub fn dns_names(&self) -> &[String] {
        self.san.as_ref().map_or(&[], |s| &s.dns_names)
    }
    /// extKeyUsage OIDs and criticality.
    pub fn extended_key_usage(&self) -> Option<(&[String], bool)> {
        self.eku.as_ref().map(|(o, c)| (o.as_slice(), *c))
    }
    pub fn name_constraints(&self) -> Option<&NameConstraints> {
        self.name_constraints.as_ref()
    }
    /// The permittedEins extension (`2.23.146.1.2.2.0`).
    pub fn permitted_eins(&self) -> Option<&[String]> {
        self.permitted_eins.as_deref()
    }
    /// Every EID prefix this (EUM) certificate permits: nameConstraints DirName serialNumber
    /// values (variant O) followed by permittedEins entries (v3 variants).
    pub fn eid_prefixes(&self) -> Vec<&str> {
        let nc = self
            .name_constraints
            .iter()
            .flat_map(|n| n.permitted_serial_prefixes.iter());
        let eins = self.permitted_eins.iter().flatten();
        nc.chain(eins).map(String::as_str).collect()
    }
    pub fn crl_distribution_points(&self) -> &[String] {
        &self.crl_distribution_points
    }
    /// OIDs of critical extensions this module does not process.
    pub fn unknown_critical_extensions(&self) -> Vec<&str> {
        self.extensions
            .iter()
            .filter(|e| e.critical && !is_known_extension(&e.oid))
            .map(|e| e.oid.as_str())
            .collect()
    }
    /// The subject `serialNumber` text (the EID of an eUICC certificate), unchecked.
    pub fn eid_text(&self) -> Option<&str> {
        self.subject.serial_number()
    }
    /// The EID of an eUICC certificate, with check digits verified.
    pub fn eid(&self) -> Option<Result<Eid, EidError>> {
        self.eid_text().map(Eid::parse)
    }
    /// Issuer name equals subject name.
    pub fn is_self_issued(&self) -> bool {
        self.issuer.matches(&self.subject)
    }
    /// Validity at `at`: `Ok` inside `[notBefore, notAfter]` (both inclusive, RFC 5280).
    pub fn validity_at(&self, at: Time) -> Result<(), ValidityError> {
        if at < self.not_before {
            Err(ValidityError::NotYetValid)
        } else if at > self.not_after {
            Err(ValidityError::Expired)
        } else {
            Ok(())
        }
    }
    /// Verifies this certificate's signature with `issuer_key` (ecdsa-with-SHA256 only).
    pub fn verify_signature(&self, issuer_key: &PublicKey) -> Result<(), String> {
        if self.signature_algorithm != oid::ECDSA_WITH_SHA256 {
            return Err(format!(
                "signature algorithm {} is not ecdsa-with-SHA256",
                self.signature_algorithm
            ));
        }
        issuer_key
            .verify_der(self.tbs_der(), &self.signature)
            .map_err(|e| e.to_string())
    }
}

/// Outside the validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityError {
    Expired,
    NotYetValid,
}

fn is_known_extension(o: &str) -> bool {
    matches!(
        o,
        oid::SUBJECT_KEY_ID
            | oid::AUTHORITY_KEY_ID
            | oid::KEY_USAGE
            | oid::BASIC_CONSTRAINTS
            | oid::CERTIFICATE_POLICIES
            | oid::SUBJECT_ALT_NAME
            | oid::NAME_CONSTRAINTS
            | oid::EXT_KEY_USAGE
            | oid::CRL_DISTRIBUTION_POINTS
            | oid::PERMITTED_EINS
    )
}

fn ia5(t: &Tlv) -> Result<String, String> {
    let c = t.content().ok_or("expected a primitive IA5String")?;
    if c.is_ascii() {
        Ok(String::from_utf8_lossy(c).into_owned())
    } else {
        Err("IA5String with non-ASCII bytes".into())
    }
}

fn collect_uris(t: &Tlv, out: &mut Vec<String>) {
    if t.tag() == Tag::of(0x86) {
        if let Ok(s) = ia5(t) {
            out.push(s);
        }
    }
    for c in t.children() {
        collect_uris(c, out);
    }
}

fn algorithm(t: &Tlv, field: &'static str) -> Result<String, ParseError> {
    expect_tag(t, SEQUENCE, field)?;
    let first = t
        .children()
        .first()
        .ok_or_else(|| bad(field, "empty AlgorithmIdentifier"))?;
    oid_of(first, field)
}

fn parse_time(t: &Tlv, field: &'static str) -> Result<Time, ParseError> {
    let err = |p: &str| ParseError::Time {
        field,
        problem: p.to_owned(),
    };
    let c = t.content().ok_or_else(|| err("constructed time"))?;
    let num = |r: std::ops::Range<usize>| -> Result<u32, ParseError> {
        let part = c.get(r).ok_or_else(|| err("too short"))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(err("non-digit character"));
        }
        Ok(part.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
    };
    let (year, rest) = match t.tag() {
        UTC_TIME => {
            if c.len() != 13 || c.last() != Some(&b'Z') {
                return Err(err("UTCTime must be YYMMDDHHMMSSZ"));
            }
            let yy = num(0..2)?;
            (i64::from(if yy >= 50 { 1900 + yy } else { 2000 + yy }), 2)
        }
        GENERALIZED_TIME => {
            if c.len() != 15 || c.last() != Some(&b'Z') {
                return Err(err("GeneralizedTime must be YYYYMMDDHHMMSSZ"));
            }
            (i64::from(num(0..4)?), 4)
        }
        other => return Err(err(&format!("tag {other:?} is not a time"))),
    };
    Time::from_utc(
        year,
        num(rest..rest + 2)?,
        num(rest + 2..rest + 4)?,
        num(rest + 4..rest + 6)?,
        num(rest + 6..rest + 8)?,
        num(rest + 8..rest + 10)?,
    )
    .ok_or_else(|| err("field out of range"))
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

/// The RSP certificate roles (certificate-policy OIDs `2.23.146.1.2.1.x`, digest §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// GSMA Certificate Issuer (root), `…1.0`.
    Ci,
    /// eUICC Manufacturer, `…1.2` (v3 variants: `…1.0.0.0`).
    Eum,
    /// eUICC, `…1.1`.
    Euicc,
    /// SM-DP+ TLS, `…1.3`.
    DpTls,
    /// SM-DP+ authentication (CERT.DPauth.ECDSA), `…1.4`.
    DpAuth,
    /// SM-DP+ profile binding (CERT.DPpb.ECDSA), `…1.5`.
    DpPb,
    /// SM-DS TLS, `…1.6`.
    DsTls,
    /// SM-DS authentication, `…1.7`.
    DsAuth,
    /// ES2+ operator TLS client certificate issued by the CI. No GSMA policy OID exists (SGP.26
    /// has no such certificate); see [`VerifyOptions::operator_policy`].
    Operator,
}

impl Role {
    /// The eight roles with a GSMA policy OID.
    pub const GSMA: [Role; 8] = [
        Role::Ci,
        Role::Eum,
        Role::Euicc,
        Role::DpTls,
        Role::DpAuth,
        Role::DpPb,
        Role::DsTls,
        Role::DsAuth,
    ];

    /// The SGP.22 v2 policy OID (`None` for [`Role::Operator`]).
    pub fn policy_oid(self) -> Option<&'static str> {
        Some(match self {
            Role::Ci => oid::ROLE_CI,
            Role::Euicc => oid::ROLE_EUICC,
            Role::Eum => oid::ROLE_EUM,
            Role::DpTls => oid::ROLE_DP_TLS,
            Role::DpAuth => oid::ROLE_DP_AUTH,
            Role::DpPb => oid::ROLE_DP_PB,
            Role::DsTls => oid::ROLE_DS_TLS,
            Role::DsAuth => oid::ROLE_DS_AUTH,
            Role::Operator => return None,
        })
    }

    /// The role a policy OID names; accepts the v3 EUM OID `2.23.146.1.2.1.0.0.0`.
    pub fn from_policy_oid(o: &str) -> Option<Role> {
        if o == oid::ROLE_EUM_V3 {
            return Some(Role::Eum);
        }
        Role::GSMA.into_iter().find(|r| r.policy_oid() == Some(o))
    }

    /// Short name as in SGP.26 directory names.
    pub fn name(self) -> &'static str {
        match self {
            Role::Ci => "CI",
            Role::Eum => "EUM",
            Role::Euicc => "eUICC",
            Role::DpTls => "DPtls",
            Role::DpAuth => "DPauth",
            Role::DpPb => "DPpb",
            Role::DsTls => "DStls",
            Role::DsAuth => "DSauth",
            Role::Operator => "Operator",
        }
    }

    /// Whether certificates of this role are CAs.
    pub fn is_ca(self) -> bool {
        matches!(self, Role::Ci | Role::Eum)
    }

    /// The expected chain, leaf first: `[Euicc, Eum, Ci]`, `[Eum, Ci]`, `[Ci]`, or `[self, Ci]`.
    pub fn chain(self) -> &'static [Role] {
        match self {
            Role::Ci => &[Role::Ci],
            Role::Eum => &[Role::Eum, Role::Ci],
            Role::Euicc => &[Role::Euicc, Role::Eum, Role::Ci],
            Role::DpTls => &[Role::DpTls, Role::Ci],
            Role::DpAuth => &[Role::DpAuth, Role::Ci],
            Role::DpPb => &[Role::DpPb, Role::Ci],
            Role::DsTls => &[Role::DsTls, Role::Ci],
            Role::DsAuth => &[Role::DsAuth, Role::Ci],
            Role::Operator => &[Role::Operator, Role::Ci],
        }
    }

    /// SM-DP+ or SM-DS roles (their certificates carry the server OID).
    pub fn is_server(self) -> bool {
        matches!(
            self,
            Role::DpTls | Role::DpAuth | Role::DpPb | Role::DsTls | Role::DsAuth
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Verification errors
// ---------------------------------------------------------------------------------------------

/// Where in the chain a certificate sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Leaf,
    /// Index into the `intermediates` the caller gave.
    Intermediate(usize),
    /// Index into the `trust_anchors` the caller gave.
    Anchor(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Leaf => f.write_str("leaf"),
            Position::Intermediate(i) => write!(f, "intermediate #{i}"),
            Position::Anchor(i) => write!(f, "trust anchor #{i}"),
        }
    }
}

/// The certificate a [`CertError`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRef {
    pub position: Position,
    /// The role expected at this level of the chain.
    pub role: Role,
    /// Subject, one line.
    pub subject: String,
}

impl CertRef {
    fn of(c: &RspCertificate, position: Position, role: Role) -> CertRef {
        CertRef {
            position,
            role,
            subject: c.subject().to_string(),
        }
    }
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} certificate ({}) \"{}\"",
            self.role, self.position, self.subject
        )
    }
}

/// Why a chain does not verify. Every variant names the certificate ([`CertRef`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The certificate bytes did not parse (only from [`verify_chain_der`]).
    #[error("{cert}: malformed: {error}")]
    Malformed { cert: CertRef, error: ParseError },
    /// The chain does not end at a given CI: an AKI names no trust anchor, or the chain ends in
    /// a self-signed certificate that is not a trust anchor.
    #[error("{cert}: issued by an unknown CI (key id {})", key_id.as_deref().unwrap_or("none"))]
    UnknownCi {
        cert: CertRef,
        /// Hex key identifier of the unknown issuer, when known.
        key_id: Option<String>,
    },
    /// The issuer (an EUM for an eUICC certificate) is not among the intermediates.
    #[error("{cert}: issuer \"{issuer}\" not found among the given certificates (AKI {})", aki.as_deref().unwrap_or("none"))]
    IssuerNotFound {
        cert: CertRef,
        issuer: String,
        aki: Option<String>,
    },
    /// The path found does not have the shape the role calls for.
    #[error("{cert}: {problem}")]
    ChainShape { cert: CertRef, problem: String },
    #[error("{cert}: signature algorithm {oid} is not ecdsa-with-SHA256")]
    UnsupportedSignatureAlgorithm { cert: CertRef, oid: String },
    #[error("{cert}: signature does not verify with the key of \"{issuer}\": {detail}")]
    BadSignature {
        cert: CertRef,
        issuer: String,
        detail: String,
    },
    /// The subject key is not on P-256/brainpoolP256r1 (or not a valid point / not EC).
    #[error("{cert}: unsupported public key: {detail}")]
    UnsupportedCurve { cert: CertRef, detail: String },
    /// The subject key is on another curve than its issuer's key.
    #[error("{cert}: key on {curve} but issuer key on {issuer_curve}")]
    CurveMismatch {
        cert: CertRef,
        curve: Curve,
        issuer_curve: Curve,
    },
    #[error(
        "{cert}: issuer name \"{issuer}\" differs from the issuer's subject \"{issuer_subject}\""
    )]
    IssuerNameMismatch {
        cert: CertRef,
        issuer: String,
        issuer_subject: String,
    },
    #[error("{cert}: no authorityKeyIdentifier")]
    MissingAuthorityKeyId { cert: CertRef },
    #[error("{cert}: expired at {not_after} (checked at {at})")]
    Expired {
        cert: CertRef,
        not_after: Time,
        at: Time,
    },
    #[error("{cert}: not valid before {not_before} (checked at {at})")]
    NotYetValid {
        cert: CertRef,
        not_before: Time,
        at: Time,
    },
    #[error("{cert}: unknown critical extension {oid}")]
    UnknownCriticalExtension { cert: CertRef, oid: String },
    #[error("{cert}: key usage: {problem}")]
    KeyUsage {
        cert: CertRef,
        problem: &'static str,
    },
    /// A CA certificate without basicConstraints cA=TRUE.
    #[error("{cert}: not a CA (basicConstraints cA is not TRUE)")]
    NotCa { cert: CertRef },
    /// A leaf with basicConstraints cA=TRUE.
    #[error("{cert}: end-entity certificate has basicConstraints cA=TRUE")]
    EndEntityIsCa { cert: CertRef },
    #[error("{cert}: pathLenConstraint {path_len} but {below} CA certificates below it")]
    PathLenExceeded {
        cert: CertRef,
        path_len: u32,
        below: usize,
    },
    /// The expected role's policy OID is not among the certificate policies.
    #[error("{cert}: certificate policies {found:?} lack the {expected} role")]
    RoleMismatch {
        cert: CertRef,
        expected: Role,
        found: Vec<String>,
    },
    #[error("{cert}: extKeyUsage lacks {missing}")]
    ExtendedKeyUsage {
        cert: CertRef,
        missing: &'static str,
    },
    /// An SM-DP+/SM-DS auth or pb certificate without a SAN registeredID (the server OID).
    #[error("{cert}: no subjectAltName registeredID (SM-DP+/SM-DS OID)")]
    MissingServerOid { cert: CertRef },
    /// An EUM certificate that permits no EID range (neither nameConstraints serialNumber nor
    /// permittedEins).
    #[error("{cert}: EUM certificate permits no EID range")]
    NoPermittedEins { cert: CertRef },
    #[error("{cert}: no subject serialNumber (EID)")]
    EidMissing { cert: CertRef },
    #[error("{cert}: subject serialNumber {value:?} is not an EID: {problem}")]
    EidMalformed {
        cert: CertRef,
        value: String,
        problem: String,
    },
    #[error("{cert}: EID {eid} is outside the EUM's permitted prefixes {permitted:?}")]
    EidOutOfRange {
        cert: CertRef,
        eid: String,
        permitted: Vec<String>,
    },
    #[error("{cert}: EID {eid} has wrong check digits (expected {expected:02})")]
    EidCheckDigits {
        cert: CertRef,
        eid: String,
        expected: u8,
    },
    /// The EID is not the one the caller expected (the order's EID, SGP.23 AuthenticateClient
    /// error sequence #14).
    #[error("{cert}: EID {found} is not the expected EID {expected}")]
    EidMismatch {
        cert: CertRef,
        expected: String,
        found: String,
    },
    /// The leaf's SM-DP+/SM-DS OID (SAN registeredID) is not the expected one, e.g. a CERT.DPpb
    /// of another SM-DP+ than the CERT.DPauth of the session.
    #[error("{cert}: server OID {found:?} is not the expected {expected}")]
    ServerOidMismatch {
        cert: CertRef,
        expected: String,
        found: Option<String>,
    },
}

/// Which server-side function is reporting a [`CertError`] as an ES9+/ES11 status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusContext {
    /// ES9+ (or ES11) AuthenticateClient: the server verifies CERT.EUICC.ECDSA and
    /// CERT.EUM.ECDSA up to the CI named by `euiccCiPKIdToBeUsed`.
    AuthenticateClient,
    /// ES9+ InitiateAuthentication: the SM-DP+ needs its own CERT.DPauth chaining to a CI of
    /// `euiccCiPKIdListForVerification`.
    InitiateAuthentication,
    /// ES11 InitiateAuthentication: the same at the SM-DS (CERT.DSauth).
    Es11InitiateAuthentication,
}

impl CertError {
    /// The certificate the error is about.
    pub fn cert(&self) -> &CertRef {
        match self {
            CertError::Malformed { cert, .. }
            | CertError::UnknownCi { cert, .. }
            | CertError::IssuerNotFound { cert, .. }
            | CertError::ChainShape { cert, .. }
            | CertError::UnsupportedSignatureAlgorithm { cert, .. }
            | CertError::BadSignature { cert, .. }
            | CertError::UnsupportedCurve { cert, .. }
            | CertError::CurveMismatch { cert, .. }
            | CertError::IssuerNameMismatch { cert, .. }
            | CertError::MissingAuthorityKeyId { cert }
            | CertError::Expired { cert, .. }
            | CertError::NotYetValid { cert, .. }
            | CertError::UnknownCriticalExtension { cert, .. }
            | CertError::KeyUsage { cert, .. }
            | CertError::NotCa { cert }
            | CertError::EndEntityIsCa { cert }
            | CertError::PathLenExceeded { cert, .. }
            | CertError::RoleMismatch { cert, .. }
            | CertError::ExtendedKeyUsage { cert, .. }
            | CertError::MissingServerOid { cert }
            | CertError::NoPermittedEins { cert }
            | CertError::EidMissing { cert }
            | CertError::EidMalformed { cert, .. }
            | CertError::EidOutOfRange { cert, .. }
            | CertError::EidCheckDigits { cert, .. }
            | CertError::EidMismatch { cert, .. }
            | CertError::ServerOidMismatch { cert, .. } => cert,
        }
    }

    /// The variant name, e.g. `"Expired"`.
    pub fn kind(&self) -> &'static str {
        match self {
            CertError::Malformed { .. } => "Malformed",
            CertError::UnknownCi { .. } => "UnknownCi",
            CertError::IssuerNotFound { .. } => "IssuerNotFound",
            CertError::ChainShape { .. } => "ChainShape",
            CertError::UnsupportedSignatureAlgorithm { .. } => "UnsupportedSignatureAlgorithm",
            CertError::BadSignature { .. } => "BadSignature",
            CertError::UnsupportedCurve { .. } => "UnsupportedCurve",
            CertError::CurveMismatch { .. } => "CurveMismatch",
            CertError::IssuerNameMismatch { .. } => "IssuerNameMismatch",
            CertError::MissingAuthorityKeyId { .. } => "MissingAuthorityKeyId",
            CertError::Expired { .. } => "Expired",
            CertError::NotYetValid { .. } => "NotYetValid",
            CertError::UnknownCriticalExtension { .. } => "UnknownCriticalExtension",
            CertError::KeyUsage { .. } => "KeyUsage",
            CertError::NotCa { .. } => "NotCa",
            CertError::EndEntityIsCa { .. } => "EndEntityIsCa",
            CertError::PathLenExceeded { .. } => "PathLenExceeded",
            CertError::RoleMismatch { .. } => "RoleMismatch",
            CertError::ExtendedKeyUsage { .. } => "ExtendedKeyUsage",
            CertError::MissingServerOid { .. } => "MissingServerOid",
            CertError::NoPermittedEins { .. } => "NoPermittedEins",
            CertError::EidMissing { .. } => "EidMissing",
            CertError::EidMalformed { .. } => "EidMalformed",
            CertError::EidOutOfRange { .. } => "EidOutOfRange",
            CertError::EidCheckDigits { .. } => "EidCheckDigits",
            CertError::EidMismatch { .. } => "EidMismatch",
            CertError::ServerOidMismatch { .. } => "ServerOidMismatch",
        }
    }

    /// ES9+/ES11 `(subjectCode, reasonCode)` for this failure (digest §2.3).
    ///
    /// [`StatusContext::AuthenticateClient`] (SGP.23 AuthenticateClient error sequences):
    /// - unknown CI, or any problem with the CI certificate itself → `8.11.1/3.9` (#7: the
    ///   server cannot use the CI the eUICC names);
    /// - EUM certificate expired → `8.1.2/6.3` (#2); any other EUM problem, including a
    ///   not-yet-valid EUM and an EUM without EID range → `8.1.2/6.1` (#1);
    /// - eUICC certificate expired → `8.1.3/6.3` (#4); any other eUICC certificate problem →
    ///   `8.1.3/6.1` (#3);
    /// - EID outside the EUM's permitted range → `8.1.4/6.1`, as the digest has it from
    ///   osmo-smdpp (unconfirmed in the spec; another osmo-smdpp revision sends `8.1.3/6.1`);
    /// - EID with wrong check digits → `8.1.1/3.8` (EID refused): the subject is the EID, not the
    ///   certificate, and this is the code SGP.23 expects for the one test certificate in
    ///   circulation with such an EID (`CERT_EUICC_ECDSA_NIST_UNMATCHED_EID`, sequence #14);
    /// - EID other than [`VerifyOptions::expected_eid`] (the order's) → `8.1.1/3.8` (#14).
    ///
    /// [`StatusContext::InitiateAuthentication`]: any failure of the server's own DPauth chain
    /// means "no usable CERT.DPauth" → `8.8.4/3.7`; [`StatusContext::Es11InitiateAuthentication`]
    /// likewise → `8.9.4/3.7`.
    pub fn es9_status(&self, context: StatusContext) -> (&'static str, &'static str) {
        match context {
            StatusContext::InitiateAuthentication => return ("8.8.4", "3.7"),
            StatusContext::Es11InitiateAuthentication => return ("8.9.4", "3.7"),
            StatusContext::AuthenticateClient => {}
        }
        match self {
            CertError::UnknownCi { .. } => return ("8.11.1", "3.9"),
            CertError::EidOutOfRange { .. } => return ("8.1.4", "6.1"),
            CertError::EidCheckDigits { .. } | CertError::EidMismatch { .. } => {
                return ("8.1.1", "3.8")
            }
            _ => {}
        }
        let expired = matches!(self, CertError::Expired { .. });
        match (self.cert().role, self.cert().position) {
            (_, Position::Anchor(_)) | (Role::Ci, _) => ("8.11.1", "3.9"),
            (Role::Eum, _) if expired => ("8.1.2", "6.3"),
            (Role::Eum, _) => ("8.1.2", "6.1"),
            (_, _) if expired => ("8.1.3", "6.3"),
            _ => ("8.1.3", "6.1"),
        }
    }

    /// ES10b AuthenticateServer error code for a failed CERT.DPauth/CERT.DSauth chain
    /// (digest §3.2): `ciPKUnknown 7` when the chain does not reach a CI the eUICC has,
    /// `invalidSignature 2` for a bad signature, `unsupportedCurve 3` for a key on an
    /// unsupported curve or on another curve than the CI's, `invalidOid 5` when the leaf lacks
    /// the expected role policy or the server OID, `invalidCertificate 1` for everything else
    /// (expiry, key usage, constraints, malformed).
    pub fn authenticate_server_error(&self) -> i64 {
        match self {
            CertError::UnknownCi { .. } => 7,
            CertError::BadSignature { .. } => 2,
            CertError::UnsupportedCurve { .. } | CertError::CurveMismatch { .. } => 3,
            CertError::RoleMismatch { cert, .. }
            | CertError::MissingServerOid { cert }
            | CertError::ServerOidMismatch { cert, .. }
                if cert.position == Position::Leaf =>
            {
                5
            }
            _ => 1,
        }
    }

    /// ES10b PrepareDownload error code for a failed CERT.DPpb chain (digest §3.2):
    /// `invalidSignature 2`, `unsupportedCurve 3`, else `invalidCertificate 1` (PrepareDownload
    /// has no ciPKUnknown or invalidOid; its 5 is invalidTransactionId).
    pub fn prepare_download_error(&self) -> i64 {
        match self {
            CertError::BadSignature { .. } => 2,
            CertError::UnsupportedCurve { .. } | CertError::CurveMismatch { .. } => 3,
            _ => 1,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// Knobs for [`verify_chain_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Verify the EID check digits of an eUICC certificate (default `true`). Turn off to let a
    /// test EID with wrong check digits through to the order-matching logic.
    pub check_eid_check_digits: bool,
    /// Policy OID an [`Role::Operator`] leaf must carry; `None` (default) checks no policy.
    pub operator_policy: Option<String>,
    /// The EID an eUICC leaf must carry (e.g. the EID an order is bound to); `None` accepts any.
    pub expected_eid: Option<String>,
    /// The SM-DP+/SM-DS OID the leaf must carry in its SAN registeredID (e.g. a CERT.DPpb must
    /// name the SM-DP+ of the session's CERT.DPauth); `None` accepts any.
    pub expected_server_oid: Option<String>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            check_eid_check_digits: true,
            operator_policy: None,
            expected_eid: None,
            expected_server_oid: None,
        }
    }
}

/// A chain that verified: its certificates leaf first, CI last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    role: Role,
    certs: Vec<RspCertificate>,
    key: PublicKey,
    eid: Option<Eid>,
}

impl VerifiedChain {
    pub fn role(&self) -> Role {
        self.role
    }
    /// Leaf first, trust anchor (CI) last.
    pub fn certificates(&self) -> &[RspCertificate] {
        &self.certs
    }
    pub fn leaf(&self) -> &RspCertificate {
        &self.certs[0]
    }
    /// The CI certificate (trust anchor) the chain ends at.
    pub fn ci(&self) -> &RspCertificate {
        self.certs.last().unwrap_or(&self.certs[0])
    }
    /// The CI's key identifier (its SKI): what `euiccCiPKIdListForVerification`,
    /// `euiccCiPKIdListForSigning` and `euiccCiPKIdToBeUsed` carry.
    pub fn ci_pkid(&self) -> &[u8] {
        self.ci().key_id()
    }
    /// The EUM certificate of an eUICC chain.
    pub fn eum(&self) -> Option<&RspCertificate> {
        (self.role == Role::Euicc).then(|| &self.certs[1])
    }
    /// Curve of the leaf key (equal to every key in the chain).
    pub fn curve(&self) -> Curve {
        self.key.curve()
    }
    /// The leaf's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }
    /// The EID of an eUICC chain (check digits verified unless turned off).
    pub fn eid(&self) -> Option<Eid> {
        self.eid
    }
    /// The SM-DP+ / SM-DS OID: the first SAN registeredID of a server leaf.
    pub fn server_oid(&self) -> Option<&str> {
        if self.role.is_server() {
            self.leaf().registered_ids().first().map(String::as_str)
        } else {
            None
        }
    }
    /// SAN DNS names of the leaf (TLS certificates).
    pub fn dns_names(&self) -> &[String] {
        self.leaf().dns_names()
    }
}

/// [`verify_chain_with`] with default [`VerifyOptions`].
pub fn verify_chain(
    leaf: &RspCertificate,
    intermediates: &[RspCertificate],
    trust_anchors: &[RspCertificate],
    expected_role: Role,
    at: Time,
) -> Result<VerifiedChain, CertError> {
    verify_chain_with(
        leaf,
        intermediates,
        trust_anchors,
        expected_role,
        at,
        &VerifyOptions::default(),
    )
}

/// Parses DER certificates and verifies them; a parse failure is [`CertError::Malformed`] naming
/// the certificate (leaf or intermediate index), so that an SM-DP+ can answer it like any other
/// certificate failure.
pub fn verify_chain_der(
    leaf: &[u8],
    intermediates: &[&[u8]],
    trust_anchors: &[RspCertificate],
    expected_role: Role,
    at: Time,
    options: &VerifyOptions,
) -> Result<VerifiedChain, CertError> {
    let chain = expected_role.chain();
    let malformed = |position, role, error| CertError::Malformed {
        cert: CertRef {
            position,
            role,
            subject: "<unparsed>".into(),
        },
        error,
    };
    let leaf =
        RspCertificate::from_der(leaf).map_err(|e| malformed(Position::Leaf, expected_role, e))?;
    let mut inter = Vec::new();
    for (i, d) in intermediates.iter().enumerate() {
        let role = chain.get(i + 1).copied().unwrap_or(Role::Ci);
        inter.push(
            RspCertificate::from_der(d)
                .map_err(|e| malformed(Position::Intermediate(i), role, e))?,
        );
    }
    verify_chain_with(&leaf, &inter, trust_anchors, expected_role, at, options)
}

fn hex_id(b: &[u8]) -> String {
    hex::encode_upper(b)
}

/// Verifies `leaf` as `expected_role` at time `at`; see the module documentation for the
/// checks and their order.
pub fn verify_chain_with(
    leaf: &RspCertificate,
    intermediates: &[RspCertificate],
    trust_anchors: &[RspCertificate],
    expected_role: Role,
    at: Time,
    options: &VerifyOptions,
) -> Result<VerifiedChain, CertError> {
    let template = expected_role.chain();
    let role_at = |level: usize| template.get(level).copied().unwrap_or(Role::Ci);
    let path = build_path(leaf, intermediates, trust_anchors, template)?;

    // Shape: exactly the role's template.
    if path.len() != template.len() {
        let idx = path.len().min(template.len()).saturating_sub(2);
        let (c, pos) = path[idx];
        let want: Vec<&str> = template.iter().rev().map(|r| r.name()).collect();
        return Err(CertError::ChainShape {
            cert: CertRef::of(c, pos, role_at(idx)),
            problem: format!(
                "chain has {} certificates where a {} chain is {}",
                path.len(),
                expected_role,
                want.join(" → ")
            ),
        });
    }

    // Top-down: anchor first.
    for level in (0..path.len()).rev() {
        let (cert, pos) = path[level];
        let role = role_at(level);
        let r = || CertRef::of(cert, pos, role);
        let issuer = if level + 1 < path.len() {
            path[level + 1].0
        } else {
            cert
        };
        // Signature by the issuer (the anchor checks its self-signature).
        if cert.signature_algorithm() != oid::ECDSA_WITH_SHA256 {
            return Err(CertError::UnsupportedSignatureAlgorithm {
                cert: r(),
                oid: cert.signature_algorithm().to_owned(),
            });
        }
        if level + 1 == path.len() {
            // The anchor's own key must be usable before it can verify anything.
            own_key(cert, &r)?;
        }
        // Checked at the level above (or just now for the anchor).
        let issuer_key = own_key(issuer, &|| {
            CertRef::of(
                issuer,
                path[(level + 1).min(path.len() - 1)].1,
                role_at(level + 1),
            )
        })?;
        let anchor = level + 1 == path.len();
        if !(anchor && cert.self_signature_ok.0.get().is_some()) {
            cert.verify_signature(issuer_key)
                .map_err(|detail| CertError::BadSignature {
                    cert: r(),
                    issuer: issuer.subject().to_string(),
                    detail,
                })?;
            if anchor {
                // The anchor's issuer is itself: this was its self-signature.
                let _ = cert.self_signature_ok.0.set(());
            }
        }
        let key = own_key(cert, &r)?;
        if key.curve() != issuer_key.curve() {
            return Err(CertError::CurveMismatch {
                cert: r(),
                curve: key.curve(),
                issuer_curve: issuer_key.curve(),
            });
        }
        if !cert.issuer().matches(issuer.subject()) {
            return Err(CertError::IssuerNameMismatch {
                cert: r(),
                issuer: cert.issuer().to_string(),
                issuer_subject: issuer.subject().to_string(),
            });
        }
        if role != Role::Ci && cert.authority_key_id().is_none() {
            return Err(CertError::MissingAuthorityKeyId { cert: r() });
        }
        match cert.validity_at(at) {
            Ok(()) => {}
            Err(ValidityError::Expired) => {
                return Err(CertError::Expired {
                    cert: r(),
                    not_after: cert.not_after(),
                    at,
                })
            }
            Err(ValidityError::NotYetValid) => {
                return Err(CertError::NotYetValid {
                    cert: r(),
                    not_before: cert.not_before(),
                    at,
                })
            }
        }
        if let Some(o) = cert.unknown_critical_extensions().first() {
            return Err(CertError::UnknownCriticalExtension {
                cert: r(),
                oid: (*o).to_owned(),
            });
        }
        check_profile(cert, role, level, &r, options)?;
    }

    // eUICC: the EID, against the EUM's range.
    let mut eid = None;
    if expected_role == Role::Euicc {
        let (cert, pos) = path[0];
        let r = || CertRef::of(cert, pos, Role::Euicc);
        let text = cert
            .eid_text()
            .ok_or_else(|| CertError::EidMissing { cert: r() })?;
        let parsed = Eid::parse_unverified(text).map_err(|e| CertError::EidMalformed {
            cert: r(),
            value: text.chars().take(64).collect(),
            problem: e.to_string(),
        })?;
        let prefixes = path[1].0.eid_prefixes();
        let digits = parsed.to_digits();
        if !prefixes.iter().any(|p| {
            !p.is_empty() && digits.len() >= p.len() && digits[..p.len()].eq_ignore_ascii_case(p)
        }) {
            return Err(CertError::EidOutOfRange {
                cert: r(),
                eid: digits,
                permitted: prefixes.iter().map(|p| (*p).to_owned()).collect(),
            });
        }
        if options.check_eid_check_digits && !parsed.check_digits_valid() {
            return Err(CertError::EidCheckDigits {
                cert: r(),
                eid: digits,
                expected: parsed.expected_check_digits(),
            });
        }
        if let Some(expected) = &options.expected_eid {
            if !expected.eq_ignore_ascii_case(&digits) {
                return Err(CertError::EidMismatch {
                    cert: r(),
                    expected: expected.clone(),
                    found: digits,
                });
            }
        }
        eid = Some(parsed);
    }
    if let Some(expected) = &options.expected_server_oid {
        let (cert, pos) = path[0];
        let found = cert.registered_ids().first().cloned();
        if found.as_deref() != Some(expected.as_str()) {
            return Err(CertError::ServerOidMismatch {
                cert: CertRef::of(cert, pos, expected_role),
                expected: expected.clone(),
                found,
            });
        }
    }

    let (leaf_cert, leaf_pos) = path[0];
    let key = own_key(leaf_cert, &|| {
        CertRef::of(leaf_cert, leaf_pos, expected_role)
    })?
    .clone();
    Ok(VerifiedChain {
        role: expected_role,
        certs: path.iter().map(|(c, _)| (*c).clone()).collect(),
        key,
        eid,
    })
}

fn own_key<'a>(
    cert: &'a RspCertificate,
    r: &dyn Fn() -> CertRef,
) -> Result<&'a PublicKey, CertError> {
    match cert.key_info() {
        KeyInfo::Ec(k) => Ok(k),
        KeyInfo::Unsupported(detail) => Err(CertError::UnsupportedCurve {
            cert: r(),
            detail: detail.clone(),
        }),
    }
}

/// Key usage, basic constraints, role policy, EKU and the role-specific extensions.
fn check_profile(
    cert: &RspCertificate,
    role: Role,
    level: usize,
    r: &dyn Fn() -> CertRef,
    options: &VerifyOptions,
) -> Result<(), CertError> {
    let ku = cert.key_usage();
    let bc = cert.basic_constraints();
    if role.is_ca() {
        match ku {
            None => {
                return Err(CertError::KeyUsage {
                    cert: r(),
                    problem: "no keyUsage extension on a CA certificate",
                })
            }
            Some(k) if !k.key_cert_sign() => {
                return Err(CertError::KeyUsage {
                    cert: r(),
                    problem: "keyCertSign missing on a CA certificate",
                })
            }
            _ => {}
        }
        match bc {
            Some(b) if b.ca => {
                // CA certificates below this one, not counting the leaf.
                let below = level.saturating_sub(1);
                if let Some(p) = b.path_len {
                    if below > p as usize {
                        return Err(CertError::PathLenExceeded {
                            cert: r(),
                            path_len: p,
                            below,
                        });
                    }
                }
            }
            _ => return Err(CertError::NotCa { cert: r() }),
        }
    } else {
        match ku {
            None => {
                return Err(CertError::KeyUsage {
                    cert: r(),
                    problem: "no keyUsage extension",
                })
            }
            Some(k) if !k.digital_signature() => {
                return Err(CertError::KeyUsage {
                    cert: r(),
                    problem: "digitalSignature missing on an end-entity certificate",
                })
            }
            _ => {}
        }
        if bc.is_some_and(|b| b.ca) {
            return Err(CertError::EndEntityIsCa { cert: r() });
        }
    }

    let required = match role {
        Role::Operator => options.operator_policy.clone(),
        _ => role.policy_oid().map(str::to_owned),
    };
    if let Some(req) = required {
        let ok = cert
            .policy_oids()
            .iter()
            .any(|o| *o == req || (role == Role::Eum && o == oid::ROLE_EUM_V3));
        if !ok {
            return Err(CertError::RoleMismatch {
                cert: r(),
                expected: role,
                found: cert.policy_oids().to_vec(),
            });
        }
    }

    let eku_needed = match role {
        Role::DpTls | Role::DsTls => Some((oid::KP_SERVER_AUTH, "serverAuth")),
        Role::Operator => Some((oid::KP_CLIENT_AUTH, "clientAuth")),
        _ => None,
    };
    if let (Some((want, name)), Some((oids, _))) = (eku_needed, cert.extended_key_usage()) {
        if !oids.iter().any(|o| o == want) {
            return Err(CertError::ExtendedKeyUsage {
                cert: r(),
                missing: name,
            });
        }
    }

    match role {
        Role::Eum if cert.eid_prefixes().is_empty() => {
            Err(CertError::NoPermittedEins { cert: r() })
        }
        Role::DpAuth | Role::DpPb | Role::DsAuth if cert.registered_ids().is_empty() => {
            Err(CertError::MissingServerOid { cert: r() })
        }
        _ => Ok(()),
    }
}

/// Builds the path leaf → anchor (see the module documentation).
fn build_path<'a>(
    leaf: &'a RspCertificate,
    intermediates: &'a [RspCertificate],
    anchors: &'a [RspCertificate],
    template: &[Role],
) -> Result<Vec<(&'a RspCertificate, Position)>, CertError> {
    let role_at = |level: usize| template.get(level).copied().unwrap_or(Role::Ci);
    // A leaf that is itself a trust anchor (verifying a CI certificate).
    if let Some(i) = anchors.iter().position(|a| a.der() == leaf.der()) {
        return Ok(vec![(leaf, Position::Anchor(i))]);
    }
    if template.len() == 1 {
        return Err(CertError::UnknownCi {
            cert: CertRef::of(leaf, Position::Leaf, Role::Ci),
            key_id: Some(hex_id(leaf.key_id())),
        });
    }
    let mut path: Vec<(&RspCertificate, Position)> = vec![(leaf, Position::Leaf)];
    let mut used = vec![false; intermediates.len()];
    loop {
        let level = path.len() - 1;
        let (cur, pos) = path[level];
        let here = || CertRef::of(cur, pos, role_at(level));
        let next_role = role_at(level + 1);
        let aki = cur.authority_key_id();
        let linked = |c: &RspCertificate| match aki {
            Some(k) => c.key_id() == k,
            None => c.subject().matches(cur.issuer()),
        };
        let verifies = |c: &RspCertificate| {
            c.public_key()
                .is_some_and(|k| cur.verify_signature(k).is_ok())
        };
        // Anchors first; among several that match (the NIST and brainpool test CIs share a
        // subject), the one whose key verifies the signature.
        if let Some(i) = (0..anchors.len())
            .filter(|&i| linked(&anchors[i]))
            .max_by_key(|&i| verifies(&anchors[i]))
        {
            path.push((&anchors[i], Position::Anchor(i)));
            return Ok(path);
        }
        // A self-signed certificate where a CI is expected: a root we do not trust.
        if role_at(level) == Role::Ci
            && cur.is_self_issued()
            && aki.is_none_or(|k| k == cur.key_id())
        {
            return Err(CertError::UnknownCi {
                cert: here(),
                key_id: Some(hex_id(cur.key_id())),
            });
        }
        let candidates: Vec<usize> = (0..intermediates.len())
            .filter(|&i| !used[i] && intermediates[i].der() != cur.der())
            .collect();
        // Prefer an intermediate that matches by key id and by name.
        let found = candidates
            .iter()
            .copied()
            .filter(|&i| linked(&intermediates[i]))
            .max_by_key(|&i| intermediates[i].subject().matches(cur.issuer()));
        let found = match (found, aki) {
            (Some(i), _) => Some(i),
            // No AKI and no name match: the designated issuer.
            (None, None) if next_role == Role::Ci => {
                // The only anchor, or the only one on this certificate's curve.
                let designated: Vec<usize> = (0..anchors.len())
                    .filter(|&i| anchors.len() == 1 || anchors[i].curve() == cur.curve())
                    .collect();
                if let [i] = designated[..] {
                    path.push((&anchors[i], Position::Anchor(i)));
                    return Ok(path);
                }
                None
            }
            (None, None) => candidates.first().copied(),
            (None, Some(_)) => None,
        };
        match found {
            Some(i) if path.len() < 8 => {
                used[i] = true;
                path.push((&intermediates[i], Position::Intermediate(i)));
            }
            _ => {
                return Err(if next_role == Role::Ci || level + 1 >= template.len() {
                    CertError::UnknownCi {
                        cert: here(),
                        key_id: aki.map(hex_id),
                    }
                } else {
                    CertError::IssuerNotFound {
                        cert: here(),
                        issuer: cur.issuer().to_string(),
                        aki: aki.map(hex_id),
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecc::{raw_to_der, PrivateKey, SeededRandom};
    use proptest::prelude::*;
    use rsp_codec::der::encode_oid;

    fn t(tag: u32, content: impl Into<Vec<u8>>) -> Tlv {
        Tlv::primitive(Tag::from_encoded(tag).unwrap(), content)
    }
    fn c(tag: u32, children: Vec<Tlv>) -> Tlv {
        Tlv::constructed(Tag::from_encoded(tag).unwrap(), children)
    }
    fn o(s: &str) -> Tlv {
        t(0x06, encode_oid(s).unwrap())
    }
    fn name(cn: &str, serial: Option<&str>) -> Tlv {
        let mut rdns = vec![c(0x31, vec![c(0x30, vec![o("2.5.4.6"), t(0x13, "ES")])])];
        if let Some(s) = serial {
            rdns.push(c(0x31, vec![c(0x30, vec![o("2.5.4.5"), t(0x13, s)])]));
        }
        rdns.push(c(0x31, vec![c(0x30, vec![o("2.5.4.3"), t(0x0C, cn)])]));
        c(0x30, rdns)
    }
    fn ext(oid_s: &str, critical: bool, value: Tlv) -> Tlv {
        let mut v = vec![o(oid_s)];
        if critical {
            v.push(t(0x01, [0xFF]));
        }
        v.push(t(0x04, value.encode_der()));
        c(0x30, v)
    }
    fn ku(bits: &[usize]) -> Tlv {
        t(0x03, rsp_codec::der::BitString::from_bits(bits).encode())
    }
    fn policy(p: &str) -> Tlv {
        c(0x30, vec![c(0x30, vec![o(p)])])
    }

    struct Spec<'a> {
        subject: Tlv,
        issuer: Tlv,
        key: &'a PublicKey,
        signer: &'a PrivateKey,
        exts: Vec<Tlv>,
        sig_alg: &'a str,
        not_after: &'a str,
    }

    fn build(s: Spec<'_>) -> Vec<u8> {
        let spki = Tlv::parse(&s.key.to_spki_der()).unwrap();
        let mut tbs = vec![
            c(0xA0, vec![t(0x02, [2])]),
            t(0x02, [0x01, 0x00]),
            c(0x30, vec![o(s.sig_alg)]),
            s.issuer,
            c(0x30, vec![t(0x17, "200101000000Z"), t(0x18, s.not_after)]),
            s.subject,
            spki,
        ];
        if !s.exts.is_empty() {
            tbs.push(c(0xA3, vec![c(0x30, s.exts)]));
        }
        let tbs = c(0x30, tbs);
        let sig = raw_to_der(&s.signer.sign(&tbs.encode_der())).unwrap();
        let mut bits = vec![0];
        bits.extend(sig);
        c(0x30, vec![tbs, c(0x30, vec![o(s.sig_alg)]), t(0x03, bits)]).encode_der()
    }

    struct Pki {
        ci_key: PrivateKey,
        ci: RspCertificate,
        eum_key: PrivateKey,
        eum: RspCertificate,
        euicc_key: PrivateKey,
    }

    fn key_id(k: &PublicKey) -> Vec<u8> {
        sha1::Sha1::digest(k.to_uncompressed()).to_vec()
    }

    fn pki(curve: Curve) -> Pki {
        let mut rng = SeededRandom::new(42);
        let ci_key = PrivateKey::generate(curve, &mut rng);
        let eum_key = PrivateKey::generate(curve, &mut rng);
        let euicc_key = PrivateKey::generate(curve, &mut rng);
        let ci_pk = ci_key.public_key();
        let ci = build(Spec {
            subject: name("Test CI", None),
            issuer: name("Test CI", None),
            key: &ci_pk,
            signer: &ci_key,
            exts: vec![
                ext(oid::SUBJECT_KEY_ID, false, t(0x04, key_id(&ci_pk))),
                ext(oid::BASIC_CONSTRAINTS, true, c(0x30, vec![t(0x01, [0xFF])])),
                ext(oid::CERTIFICATE_POLICIES, true, policy(oid::ROLE_CI)),
                ext(oid::KEY_USAGE, true, ku(&[5, 6])),
            ],
            sig_alg: oid::ECDSA_WITH_SHA256,
            not_after: "20500101000000Z",
        });
        let eum_pk = eum_key.public_key();
        let nc = c(
            0x30,
            vec![c(
                0xA0,
                vec![c(
                    0x30,
                    vec![c(
                        0xA4,
                        vec![c(
                            0x30,
                            vec![c(
                                0x31,
                                vec![c(0x30, vec![o("2.5.4.5"), t(0x13, "89049032")])],
                            )],
                        )],
                    )],
                )],
            )],
        );
        let eum = build(Spec {
            subject: name("EUM", None),
            issuer: name("Test CI", None),
            key: &eum_pk,
            signer: &ci_key,
            exts: vec![
                ext(
                    oid::AUTHORITY_KEY_ID,
                    false,
                    c(0x30, vec![t(0x80, key_id(&ci_pk))]),
                ),
                ext(oid::SUBJECT_KEY_ID, false, t(0x04, key_id(&eum_pk))),
                ext(oid::KEY_USAGE, true, ku(&[5])),
                ext(oid::CERTIFICATE_POLICIES, true, policy(oid::ROLE_EUM)),
                ext(
                    oid::BASIC_CONSTRAINTS,
                    true,
                    c(0x30, vec![t(0x01, [0xFF]), t(0x02, [0])]),
                ),
                ext(oid::NAME_CONSTRAINTS, true, nc),
            ],
            sig_alg: oid::ECDSA_WITH_SHA256,
            not_after: "20500101000000Z",
        });
        Pki {
            ci: RspCertificate::from_der(&ci).unwrap(),
            eum: RspCertificate::from_der(&eum).unwrap(),
            ci_key,
            eum_key,
            euicc_key,
        }
    }

    fn euicc(p: &Pki, extra: Vec<Tlv>, sig_alg: &str) -> Vec<u8> {
        let pk = p.euicc_key.public_key();
        let mut exts = vec![
            ext(
                oid::AUTHORITY_KEY_ID,
                false,
                c(0x30, vec![t(0x80, key_id(&p.eum_key.public_key()))]),
            ),
            ext(oid::SUBJECT_KEY_ID, false, t(0x04, key_id(&pk))),
            ext(oid::KEY_USAGE, true, ku(&[0])),
            ext(oid::CERTIFICATE_POLICIES, true, policy(oid::ROLE_EUICC)),
        ];
        exts.extend(extra);
        build(Spec {
            subject: name("Test eUICC", Some("89049032123451234512345678901235")),
            issuer: name("EUM", None),
            key: &pk,
            signer: &p.eum_key,
            exts,
            sig_alg,
            not_after: "20490101000000Z",
        })
    }

    fn at() -> Time {
        "2030-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn time_round_trips_and_rejects_garbage() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2027-02-06T13:39:07Z",
            "7496-01-24T09:48:58Z",
            "2000-02-29T23:59:59Z",
        ] {
            assert_eq!(s.parse::<Time>().unwrap().to_string(), s);
        }
        assert_eq!("1970-01-02".parse::<Time>().unwrap().unix(), 86_400);
        assert_eq!(
            "2026-01-01T00:00:00Z".parse::<Time>().unwrap().unix(),
            1_767_225_600
        );
        for s in [
            "2026-02-30",
            "2026-13-01",
            "2026-01-01T24:00:00Z",
            "x",
            "2026-1-1",
            "",
        ] {
            assert!(s.parse::<Time>().is_err(), "{s}");
        }
    }

    #[test]
    fn hand_made_chain_verifies_on_both_curves() {
        for curve in Curve::ALL {
            let p = pki(curve);
            let leaf =
                RspCertificate::from_der(&euicc(&p, vec![], oid::ECDSA_WITH_SHA256)).unwrap();
            let v = verify_chain(
                &leaf,
                std::slice::from_ref(&p.eum),
                std::slice::from_ref(&p.ci),
                Role::Euicc,
                at(),
            )
            .unwrap();
            assert_eq!(v.curve(), curve);
            assert_eq!(
                v.eid().unwrap().to_digits(),
                "89049032123451234512345678901235"
            );
            assert_eq!(v.ci_pkid(), key_id(&p.ci_key.public_key()).as_slice());
            assert_eq!(v.server_oid(), None);
            assert_eq!(v.eum().unwrap(), &p.eum);
            // The CI verifies as itself; the EUM as an EUM.
            verify_chain(&p.ci, &[], std::slice::from_ref(&p.ci), Role::Ci, at()).unwrap();
            verify_chain(&p.eum, &[], std::slice::from_ref(&p.ci), Role::Eum, at()).unwrap();
            // Wrong expected role.
            let e = verify_chain(&p.eum, &[], std::slice::from_ref(&p.ci), Role::DpAuth, at())
                .unwrap_err();
            assert_eq!(e.kind(), "KeyUsage", "{e}");
            assert_eq!(e.authenticate_server_error(), 1);
        }
    }

    #[test]
    fn extra_critical_extension_is_named() {
        let p = pki(Curve::NistP256);
        let der = euicc(
            &p,
            vec![ext("1.2.3.4", true, t(0x05, []))],
            oid::ECDSA_WITH_SHA256,
        );
        let leaf = RspCertificate::from_der(&der).unwrap();
        assert_eq!(leaf.unknown_critical_extensions(), vec!["1.2.3.4"]);
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&p.eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert!(
            matches!(&e, CertError::UnknownCriticalExtension { oid, cert } if oid == "1.2.3.4" && cert.position == Position::Leaf),
            "{e}"
        );
        assert_eq!(
            e.es9_status(StatusContext::AuthenticateClient),
            ("8.1.3", "6.1")
        );
        // The same extension non-critical is fine.
        let der = euicc(
            &p,
            vec![ext("1.2.3.4", false, t(0x05, []))],
            oid::ECDSA_WITH_SHA256,
        );
        let leaf = RspCertificate::from_der(&der).unwrap();
        verify_chain(
            &leaf,
            std::slice::from_ref(&p.eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap();
    }

    #[test]
    fn wrong_signature_algorithm_and_curve_mismatch() {
        let p = pki(Curve::NistP256);
        // ecdsa-with-SHA384 OID on both algorithm fields.
        let der = euicc(&p, vec![], "1.2.840.10045.4.3.3");
        let leaf = RspCertificate::from_der(&der).unwrap();
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&p.eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "UnsupportedSignatureAlgorithm");
        // A brainpool eUICC key under a NIST EUM.
        let mut rng = SeededRandom::new(9);
        let bp = PrivateKey::generate(Curve::BrainpoolP256r1, &mut rng).public_key();
        let der = build(Spec {
            subject: name("Test eUICC", Some("89049032123451234512345678901235")),
            issuer: name("EUM", None),
            key: &bp,
            signer: &p.eum_key,
            exts: vec![
                ext(
                    oid::AUTHORITY_KEY_ID,
                    false,
                    c(0x30, vec![t(0x80, key_id(&p.eum_key.public_key()))]),
                ),
                ext(oid::KEY_USAGE, true, ku(&[0])),
                ext(oid::CERTIFICATE_POLICIES, true, policy(oid::ROLE_EUICC)),
            ],
            sig_alg: oid::ECDSA_WITH_SHA256,
            not_after: "20490101000000Z",
        });
        let leaf = RspCertificate::from_der(&der).unwrap();
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&p.eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "CurveMismatch", "{e}");
        assert_eq!(e.authenticate_server_error(), 3);
    }

    #[test]
    fn truncated_and_mangled_certificates_are_parse_errors() {
        let p = pki(Curve::NistP256);
        let der = euicc(&p, vec![], oid::ECDSA_WITH_SHA256);
        for n in [0, 1, 2, 10, der.len() / 2, der.len() - 1] {
            assert!(
                RspCertificate::from_der(&der[..n]).is_err(),
                "truncated at {n}"
            );
        }
        let mut extra = der.clone();
        extra.push(0);
        assert!(matches!(
            RspCertificate::from_der(&extra),
            Err(ParseError::Tlv(_))
        ));
        // Non-DER (over-long) length on the outer SEQUENCE.
        assert_eq!(der[1], 0x82);
        let mut nd = vec![0x30, 0x83, 0x00];
        nd.extend(&der[2..]);
        assert_eq!(RspCertificate::from_der(&nd), Err(ParseError::NotDer));
        // A duplicate extension.
        let dup = euicc(
            &p,
            vec![ext(oid::KEY_USAGE, true, ku(&[0]))],
            oid::ECDSA_WITH_SHA256,
        );
        assert!(matches!(
            RspCertificate::from_der(&dup),
            Err(ParseError::DuplicateExtension { .. })
        ));
        // A malformed known extension.
        let badku = euicc(
            &p,
            vec![ext(oid::BASIC_CONSTRAINTS, true, t(0x04, [1]))],
            oid::ECDSA_WITH_SHA256,
        );
        assert!(matches!(
            RspCertificate::from_der(&badku),
            Err(ParseError::Extension {
                name: "basicConstraints",
                ..
            })
        ));
    }

    #[test]
    fn tampered_tbs_is_bad_signature_and_ski_fallback_is_sha1() {
        let p = pki(Curve::BrainpoolP256r1);
        let mut der = euicc(&p, vec![], oid::ECDSA_WITH_SHA256);
        // Flip one bit inside the CN "Test eUICC".
        let pos = der.windows(10).position(|w| w == b"Test eUICC").unwrap();
        der[pos] ^= 0x01;
        let leaf = RspCertificate::from_der(&der).unwrap();
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&p.eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "BadSignature");
        assert_eq!(e.authenticate_server_error(), 2);
        assert_eq!(p.ci.computed_key_id(), p.ci.key_id());
    }

    #[test]
    fn eid_out_of_range_and_check_digits() {
        let p = pki(Curve::NistP256);
        let pk = p.euicc_key.public_key();
        let mk = |eid: &str| {
            RspCertificate::from_der(&build(Spec {
                subject: name("Test eUICC", Some(eid)),
                issuer: name("EUM", None),
                key: &pk,
                signer: &p.eum_key,
                exts: vec![
                    ext(
                        oid::AUTHORITY_KEY_ID,
                        false,
                        c(0x30, vec![t(0x80, key_id(&p.eum_key.public_key()))]),
                    ),
                    ext(oid::KEY_USAGE, true, ku(&[0])),
                    ext(oid::CERTIFICATE_POLICIES, true, policy(oid::ROLE_EUICC)),
                ],
                sig_alg: oid::ECDSA_WITH_SHA256,
                not_after: "20490101000000Z",
            }))
            .unwrap()
        };
        let v = |c: &RspCertificate| {
            verify_chain(
                c,
                std::slice::from_ref(&p.eum),
                std::slice::from_ref(&p.ci),
                Role::Euicc,
                at(),
            )
        };
        let e = v(&mk("89049033123451234512345678901234")).unwrap_err();
        assert_eq!(e.kind(), "EidOutOfRange");
        let e = v(&mk("89049032123451234512345678901299")).unwrap_err();
        assert_eq!(e.kind(), "EidCheckDigits");
        let e = v(&mk("8904903212345")).unwrap_err();
        assert_eq!(e.kind(), "EidMalformed");
    }

    #[test]
    fn v3_eum_policy_and_permitted_eins_extension() {
        let p = pki(Curve::NistP256);
        let eum_pk = p.eum_key.public_key();
        let ci_pk = p.ci_key.public_key();
        let mk = |policy_oid: &str, eins: Option<&str>| {
            let mut exts = vec![
                ext(
                    oid::AUTHORITY_KEY_ID,
                    false,
                    c(0x30, vec![t(0x80, key_id(&ci_pk))]),
                ),
                ext(oid::SUBJECT_KEY_ID, false, t(0x04, key_id(&eum_pk))),
                ext(oid::KEY_USAGE, true, ku(&[5])),
                ext(oid::CERTIFICATE_POLICIES, true, policy(policy_oid)),
                ext(
                    oid::BASIC_CONSTRAINTS,
                    true,
                    c(0x30, vec![t(0x01, [0xFF]), t(0x02, [0])]),
                ),
            ];
            if let Some(e) = eins {
                exts.push(ext(oid::PERMITTED_EINS, false, c(0x30, vec![t(0x13, e)])));
            }
            RspCertificate::from_der(&build(Spec {
                subject: name("EUM", None),
                issuer: name("Test CI", None),
                key: &eum_pk,
                signer: &p.ci_key,
                exts,
                sig_alg: oid::ECDSA_WITH_SHA256,
                not_after: "20500101000000Z",
            }))
            .unwrap()
        };
        let leaf = RspCertificate::from_der(&euicc(&p, vec![], oid::ECDSA_WITH_SHA256)).unwrap();
        let eum = mk(oid::ROLE_EUM_V3, Some("890490"));
        assert_eq!(eum.permitted_eins(), Some(&["890490".to_owned()][..]));
        assert_eq!(eum.roles(), [Role::Eum]);
        let v = verify_chain(
            &leaf,
            std::slice::from_ref(&eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap();
        assert_eq!(v.eum().unwrap().eid_prefixes(), ["890490"]);
        // Outside the permittedEins prefix.
        let eum = mk(oid::ROLE_EUM, Some("8904904"));
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "EidOutOfRange");
        // No range at all: the EUM is at fault.
        let eum = mk(oid::ROLE_EUM, None);
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "NoPermittedEins");
        assert_eq!(
            e.es9_status(StatusContext::AuthenticateClient),
            ("8.1.2", "6.1")
        );
        // A CI policy is not an EUM policy, and the v3 EUM OID is not the CI's.
        let eum = mk(oid::ROLE_CI, Some("89"));
        let e = verify_chain(
            &leaf,
            std::slice::from_ref(&eum),
            std::slice::from_ref(&p.ci),
            Role::Euicc,
            at(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), "RoleMismatch");
        assert_eq!(Role::from_policy_oid(oid::ROLE_CI), Some(Role::Ci));
        assert_eq!(Role::from_policy_oid("2.23.146.1.2.1.0.0"), None);
        for r in Role::GSMA {
            assert_eq!(Role::from_policy_oid(r.policy_oid().unwrap()), Some(r));
        }
    }

    #[test]
    fn operator_role_policy_is_configurable() {
        let p = pki(Curve::NistP256);
        let mut rng = SeededRandom::new(5);
        let op = PrivateKey::generate(Curve::NistP256, &mut rng).public_key();
        let der = build(Spec {
            subject: name("Operator", None),
            issuer: name("Test CI", None),
            key: &op,
            signer: &p.ci_key,
            exts: vec![
                ext(
                    oid::AUTHORITY_KEY_ID,
                    false,
                    c(0x30, vec![t(0x80, key_id(&p.ci_key.public_key()))]),
                ),
                ext(oid::KEY_USAGE, true, ku(&[0])),
                ext(
                    oid::EXT_KEY_USAGE,
                    true,
                    c(0x30, vec![o(oid::KP_CLIENT_AUTH)]),
                ),
            ],
            sig_alg: oid::ECDSA_WITH_SHA256,
            not_after: "20500101000000Z",
        });
        let leaf = RspCertificate::from_der(&der).unwrap();
        let anchors = std::slice::from_ref(&p.ci);
        verify_chain(&leaf, &[], anchors, Role::Operator, at()).unwrap();
        let strict = VerifyOptions {
            operator_policy: Some("2.999.77".into()),
            ..VerifyOptions::default()
        };
        let e = verify_chain_with(&leaf, &[], anchors, Role::Operator, at(), &strict).unwrap_err();
        assert_eq!(e.kind(), "RoleMismatch");
        // As a TLS server certificate it lacks serverAuth (and the DPtls policy).
        let e = verify_chain(&leaf, &[], anchors, Role::DpTls, at()).unwrap_err();
        assert_eq!(e.kind(), "RoleMismatch");
    }

    #[test]
    fn status_mapping_by_role_and_variant() {
        let r = |position, role| CertRef {
            position,
            role,
            subject: String::new(),
        };
        let at = Time::from_unix(0);
        let ac = StatusContext::AuthenticateClient;
        let expired = |c| CertError::Expired {
            cert: c,
            not_after: at,
            at,
        };
        let invalid = |c| CertError::KeyUsage {
            cert: c,
            problem: "x",
        };
        let cases = [
            (
                expired(r(Position::Intermediate(0), Role::Eum)),
                ("8.1.2", "6.3"),
            ),
            (
                invalid(r(Position::Intermediate(0), Role::Eum)),
                ("8.1.2", "6.1"),
            ),
            (expired(r(Position::Leaf, Role::Euicc)), ("8.1.3", "6.3")),
            (invalid(r(Position::Leaf, Role::Euicc)), ("8.1.3", "6.1")),
            (expired(r(Position::Anchor(0), Role::Ci)), ("8.11.1", "3.9")),
            (
                CertError::NotYetValid {
                    cert: r(Position::Intermediate(0), Role::Eum),
                    not_before: at,
                    at,
                },
                ("8.1.2", "6.1"),
            ),
            (
                CertError::UnknownCi {
                    cert: r(Position::Intermediate(0), Role::Eum),
                    key_id: None,
                },
                ("8.11.1", "3.9"),
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.es9_status(ac), want, "{e}");
            assert_eq!(
                e.es9_status(StatusContext::InitiateAuthentication),
                ("8.8.4", "3.7")
            );
            assert_eq!(
                e.es9_status(StatusContext::Es11InitiateAuthentication),
                ("8.9.4", "3.7")
            );
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = RspCertificate::from_der(&bytes);
            let _ = RspCertificate::from_der_or_pem(&bytes);
        }

        #[test]
        fn mutated_certificates_never_panic(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
            cut in any::<usize>(),
        ) {
            let p = pki(Curve::NistP256);
            let mut der = euicc(&p, vec![], oid::ECDSA_WITH_SHA256);
            for (i, b) in edits {
                let n = der.len();
                der[i % n] = b;
            }
            let keep = der.len() - cut % 8;
            der.truncate(keep);
            if let Ok(c) = RspCertificate::from_der(&der) {
                let _ = c.to_owned().subject().to_string();
                let _ = verify_chain(&c, std::slice::from_ref(&p.eum), std::slice::from_ref(&p.ci), Role::Euicc, at());
                let _ = verify_chain(&c, &[], &[p.ci.clone(), c.clone()], Role::Ci, at());
            }
        }
    }
}
