//! SGP.22 function execution status codes (`subjectCode` / `reasonCode`), digest §2.3.
//!
//! * [`SubjectCode`] and [`ReasonCode`] are validated dotted numbers ("8.10.1", "3.10"),
//!   (de)serialised as JSON strings.
//! * [`KnownStatus`] is the catalogue: one variant per row of digest §2.3 plus the generic
//!   transport/parameter codes of digest §2.1. Each row knows its codes, our description of its
//!   meaning, the functions it applies to and whether it is corroborated.
//! * [`lookup`] maps a received pair back to the catalogue; [`classify`] additionally says
//!   whether the pair was a legacy alias (the lpac variants 8.8.5/4.1, 8.8/3.1, 8.2.6/3.1 and
//!   8.1.1/3.1 of the normative 4.10 / 3.10 codes).
//!
//! Generic codes for malformed requests (our decision, digest §10 item 3 leaves them open):
//!
//! | Situation | Code | Variant |
//! |---|---|---|
//! | wrong Content-Type, or body not a JSON object at all (not UTF-8, syntax, too deep, too large, array…) | 1.2.1 / 2.1 | [`KnownStatus::InvalidRequest`] |
//! | X-Admin-Protocol missing/unsupported | 1.2.2 / 2.1 | [`KnownStatus::UnsupportedAdminProtocol`] |
//! | mandatory JSON field missing | 1.3.1 / 2.2 | [`KnownStatus::MandatoryParameterMissing`] |
//! | field present but invalid (bad base64/hex, wrong type or length, bad digits) | 1.3.1 / 2.1 | [`KnownStatus::InvalidParameter`] (unconfirmed) |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::json::{Es11Function, Es12Function, Es2Function, Es9Function, RspFunction};

/// Longest accepted subject/reason code string.
pub const MAX_CODE_LEN: usize = 32;
/// Most dot-separated components accepted in a code.
pub const MAX_CODE_COMPONENTS: usize = 8;
/// Most digits accepted in one component.
pub const MAX_COMPONENT_DIGITS: usize = 4;

/// Why a string is not a dotted-number code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeFormatError {
    #[error("{kind} is empty")]
    Empty { kind: &'static str },
    #[error("{kind} is {len} characters long, at most {MAX_CODE_LEN} allowed")]
    TooLong { kind: &'static str, len: usize },
    #[error("{kind} {value:?} is not a dotted number such as \"8.10.1\" ({why})")]
    Malformed {
        kind: &'static str,
        value: String,
        why: &'static str,
    },
}

fn validate_dotted(kind: &'static str, s: &str) -> Result<(), CodeFormatError> {
    if s.is_empty() {
        return Err(CodeFormatError::Empty { kind });
    }
    if s.len() > MAX_CODE_LEN {
        return Err(CodeFormatError::TooLong { kind, len: s.len() });
    }
    let malformed = |why| CodeFormatError::Malformed {
        kind,
        value: s.to_owned(),
        why,
    };
    let mut count = 0;
    for part in s.split('.') {
        count += 1;
        if part.is_empty() {
            return Err(malformed("empty component"));
        }
        if part.len() > MAX_COMPONENT_DIGITS {
            return Err(malformed("component has too many digits"));
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("only digits and dots are allowed"));
        }
    }
    if count > MAX_CODE_COMPONENTS {
        return Err(malformed("too many components"));
    }
    Ok(())
}

macro_rules! dotted_code {
    ($(#[$m:meta])* $name:ident, $kind:literal) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `s` (digits separated by single dots).
            pub fn new(s: &str) -> Result<Self, CodeFormatError> {
                validate_dotted($kind, s)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Numeric components ("8.10.1" → [8, 10, 1]).
            pub fn components(&self) -> impl Iterator<Item = u32> + '_ {
                // Validated: every component is 1..=4 ASCII digits, so parsing cannot fail.
                self.0.split('.').map(|p| p.parse::<u32>().unwrap_or(0))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = CodeFormatError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeFormatError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                validate_dotted($kind, &s)?;
                Ok(Self(s))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = CodeFormatError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

dotted_code!(
    /// A `subjectCode`, e.g. "8.10.1" (what the status is about).
    SubjectCode,
    "subjectCode"
);
dotted_code!(
    /// A `reasonCode`, e.g. "3.9" (what went wrong).
    ReasonCode,
    "reasonCode"
);

/// Static description of one catalogue row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo {
    pub subject: &'static str,
    pub reason: &'static str,
    /// Our description of the meaning.
    pub meaning: &'static str,
    /// Functions that may return it.
    pub functions: &'static [RspFunction],
    /// Other (subject, reason) pairs some implementations send for the same condition.
    pub legacy_aliases: &'static [(&'static str, &'static str)],
    /// `false` when the code is not corroborated by more than one source / the spec text.
    pub confirmed: bool,
}

const ES9_IA: RspFunction = RspFunction::Es9(Es9Function::InitiateAuthentication);
const ES9_AC: RspFunction = RspFunction::Es9(Es9Function::AuthenticateClient);
const ES9_GBPP: RspFunction = RspFunction::Es9(Es9Function::GetBoundProfilePackage);
const ES9_CS: RspFunction = RspFunction::Es9(Es9Function::CancelSession);
const ES11_IA: RspFunction = RspFunction::Es11(Es11Function::InitiateAuthentication);
const ES11_AC: RspFunction = RspFunction::Es11(Es11Function::AuthenticateClient);
const ES12_RE: RspFunction = RspFunction::Es12(Es12Function::RegisterEvent);
const ES12_DE: RspFunction = RspFunction::Es12(Es12Function::DeleteEvent);
const ES2_DO: RspFunction = RspFunction::Es2(Es2Function::DownloadOrder);
const ES2_CO: RspFunction = RspFunction::Es2(Es2Function::ConfirmOrder);
const ES2_CA: RspFunction = RspFunction::Es2(Es2Function::CancelOrder);
const ES2_RP: RspFunction = RspFunction::Es2(Es2Function::ReleaseProfile);
const ALL: &[RspFunction] = RspFunction::ALL;

macro_rules! catalogue {
    ($(
        $(#[$m:meta])*
        $variant:ident = ($s:literal, $r:literal), $meaning:literal, $functions:expr,
            aliases: [$(($as:literal, $ar:literal)),*], confirmed: $c:literal;
    )*) => {
        /// Catalogue of known status codes (digest §2.3 plus generic codes of §2.1).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum KnownStatus {
            $( $(#[$m])* $variant, )*
        }

        impl KnownStatus {
            /// Every catalogue row, in declaration order.
            pub const ALL: &'static [KnownStatus] = &[ $( KnownStatus::$variant, )* ];

            /// The static description of this row.
            pub const fn info(self) -> &'static StatusInfo {
                match self {
                    $( KnownStatus::$variant => &StatusInfo {
                        subject: $s,
                        reason: $r,
                        meaning: $meaning,
                        functions: $functions,
                        legacy_aliases: &[ $( ($as, $ar), )* ],
                        confirmed: $c,
                    }, )*
                }
            }

            /// Variant name ("TransactionIdUnknown").
            pub const fn name(self) -> &'static str {
                match self {
                    $( KnownStatus::$variant => stringify!($variant), )*
                }
            }
        }
    };
}

catalogue! {
    // ---- generic (digest §2.1; semantics unconfirmed) ----
    /// Wrong Content-Type, or a body that is not a JSON object (not UTF-8, syntax error,
    /// nesting too deep, too large, an array or scalar at top level).
    InvalidRequest = ("1.2.1", "2.1"),
        "request not acceptable: wrong Content-Type or body is not a well-formed JSON object",
        ALL, aliases: [], confirmed: false;
    /// Missing or unsupported `X-Admin-Protocol` header.
    UnsupportedAdminProtocol = ("1.2.2", "2.1"),
        "X-Admin-Protocol header missing or not a supported gsma/rsp/v2.x version",
        ALL, aliases: [], confirmed: false;
    /// A mandatory JSON field is missing.
    MandatoryParameterMissing = ("1.3.1", "2.2"),
        "a mandatory function parameter is missing",
        ALL, aliases: [], confirmed: false;
    /// A JSON field is present but invalid (bad base64/hex, wrong type, length or digits).
    /// Our choice by analogy with 1.3.1/2.2 (unconfirmed).
    InvalidParameter = ("1.3.1", "2.1"),
        "a function parameter is present but invalid (encoding, type, length or format)",
        ALL, aliases: [], confirmed: false;

    // ---- ES9+ (and ES11 AuthenticateClient where the ASN.1 error list has the same case) ----
    TransactionIdUnknown = ("8.10.1", "3.9"),
        "transactionId unknown: no ongoing RSP session with this identifier",
        &[ES9_AC, ES9_GBPP, ES9_CS, ES11_AC], aliases: [], confirmed: true;
    EuiccSignatureInvalid = ("8.1", "6.1"),
        "eUICC signature invalid, or signed data (e.g. serverChallenge) does not match the session",
        &[ES9_AC, ES9_GBPP, ES9_CS, ES11_AC], aliases: [], confirmed: true;
    InvalidSmdpAddress = ("8.8.1", "3.8"),
        "smdpAddress refused: not this SM-DP+'s address (compared case-insensitively)",
        &[ES9_IA], aliases: [], confirmed: true;
    CiPkIdNotSupported = ("8.8.2", "3.1"),
        "none of the eUICC's euiccCiPKIdListForSigning keys is supported by the SM-DP+",
        &[ES9_IA], aliases: [], confirmed: true;
    SvnNotSupported = ("8.8.3", "3.1"),
        "the eUICC's specification version number is not supported by the SM-DP+",
        &[ES9_IA], aliases: [], confirmed: true;
    NoDpAuthCertificateForCi = ("8.8.4", "3.7"),
        "the SM-DP+ has no CERT.DPauth chaining to a CI in euiccCiPKIdListForVerification",
        &[ES9_IA], aliases: [], confirmed: true;
    EumCertificateInvalid = ("8.1.2", "6.1"),
        "EUM certificate invalid (verification failed)",
        &[ES9_AC, ES11_AC], aliases: [], confirmed: true;
    EumCertificateExpired = ("8.1.2", "6.3"),
        "EUM certificate expired",
        &[ES9_AC, ES11_AC], aliases: [], confirmed: true;
    EuiccCertificateInvalid = ("8.1.3", "6.1"),
        "eUICC certificate invalid (verification failed)",
        &[ES9_AC, ES11_AC], aliases: [], confirmed: true;
    EuiccCertificateExpired = ("8.1.3", "6.3"),
        "eUICC certificate expired",
        &[ES9_AC, ES11_AC], aliases: [], confirmed: true;
    CiPkIdUnknown = ("8.11.1", "3.9"),
        "EUM certificate not issued by the CI indicated by euiccCiPKIdToBeUsed (unknown CI key)",
        &[ES9_AC], aliases: [], confirmed: true;
    /// Only seen in osmo-smdpp.
    EidOutOfEumRange = ("8.1.4", "6.1"),
        "EID outside the range the EUM certificate permits",
        &[ES9_AC], aliases: [], confirmed: false;
    ProfileNotReleased = ("8.2", "1.2"),
        "profile not yet released for download (not allowed)",
        &[ES9_AC], aliases: [], confirmed: true;
    MatchingIdRefused = ("8.2.6", "3.8"),
        "MatchingID (AC token or EventID) refused",
        &[ES9_AC], aliases: [], confirmed: true;
    EidMismatch = ("8.1.1", "3.8"),
        "EID refused: does not match the EID of the download order",
        &[ES9_AC], aliases: [], confirmed: true;
    NoEligibleProfile = ("8.2.5", "4.3"),
        "no eligible profile for this eUICC/device (stored data mismatch)",
        &[ES9_AC], aliases: [], confirmed: true;
    DownloadOrderExpired = ("8.8.5", "4.10"),
        "download order expired (time to live elapsed)",
        &[ES9_AC], aliases: [("8.8.5", "4.1")], confirmed: true;
    DownloadOrderMaxRetries = ("8.8.5", "6.4"),
        "maximum number of download attempts for the order exceeded",
        &[ES9_AC], aliases: [], confirmed: true;
    InsufficientMemory = ("8.1", "4.8"),
        "eUICC has insufficient memory for this profile",
        &[ES9_AC], aliases: [], confirmed: true;
    ConfirmationCodeMissing = ("8.2.7", "2.2"),
        "confirmation code required but missing",
        &[ES9_GBPP], aliases: [], confirmed: true;
    ConfirmationCodeRefused = ("8.2.7", "3.8"),
        "confirmation code refused (wrong hash)",
        &[ES9_GBPP], aliases: [], confirmed: true;
    ConfirmationCodeRetriesExceeded = ("8.2.7", "6.4"),
        "maximum number of confirmation code attempts exceeded",
        &[ES9_GBPP], aliases: [], confirmed: true;
    BppNotAvailable = ("8.2", "3.7"),
        "bound profile package not available for a new binding (e.g. retry with a new otPK refused)",
        &[ES9_GBPP], aliases: [], confirmed: true;
    SmdpOidInvalid = ("8.8", "3.10"),
        "smdpOid in euiccCancelSessionSigned is not this SM-DP+'s OID (invalid association)",
        &[ES9_CS], aliases: [("8.8", "3.1")], confirmed: true;

    // ---- ES2+ ----
    IccidInUse = ("8.2.1", "3.3"),
        "ICCID already in use / not available",
        &[ES2_DO], aliases: [], confirmed: true;
    IccidUnknown = ("8.2.1", "3.9"),
        "ICCID / profile unknown",
        &[ES2_DO, ES2_CO, ES2_CA, ES2_RP], aliases: [], confirmed: true;
    IccidNotAllowed = ("8.2.1", "1.2"),
        "caller not allowed to act on this ICCID / profile",
        &[ES2_DO, ES2_CO, ES2_CA, ES2_RP], aliases: [], confirmed: true;
    ProfileStateTransitionInvalid = ("8.2.1", "3.5"),
        "profile state does not allow the operation (e.g. profile cannot be released)",
        &[ES2_RP, ES2_CA], aliases: [], confirmed: true;
    MatchingIdConflict = ("8.2.6", "3.3"),
        "conflicting MatchingID (already in use)",
        &[ES2_CO], aliases: [], confirmed: true;
    MatchingIdAssociationMismatch = ("8.2.6", "3.10"),
        "a different MatchingID is already associated with the ICCID",
        &[ES2_CO], aliases: [("8.2.6", "3.1")], confirmed: true;
    EidMissing = ("8.1.1", "2.2"),
        "EID missing (required because an SM-DS address was given or the MatchingID is empty)",
        &[ES2_CO], aliases: [], confirmed: true;
    EidAssociationMismatch = ("8.1.1", "3.10"),
        "a different EID is already associated with the ICCID",
        &[ES2_CO], aliases: [("8.1.1", "3.1")], confirmed: true;
    SmdsInaccessible = ("8.9", "5.1"),
        "SM-DS unreachable or smdsAddress invalid",
        &[ES2_CO], aliases: [], confirmed: true;
    SmdsExecutionError = ("8.9", "4.2"),
        "the SM-DS (event registration/deletion, possibly cascaded) returned an error",
        &[ES2_CO, ES12_RE, ES12_DE], aliases: [], confirmed: true;
    ProfileTypeNotAllowed = ("8.2.5", "1.2"),
        "profile type not allowed for this caller",
        &[ES2_DO], aliases: [], confirmed: true;
    ProfileTypeUnavailable = ("8.2.5", "3.7"),
        "no profile of this type left",
        &[ES2_DO], aliases: [], confirmed: true;
    ProfileTypeMismatch = ("8.2.5", "3.8"),
        "profile type does not match the given ICCID",
        &[ES2_DO], aliases: [], confirmed: true;
    ProfileTypeUnknown = ("8.2.5", "3.9"),
        "profile type unknown",
        &[ES2_DO], aliases: [], confirmed: true;

    // ---- ES11 ----
    InvalidSmdsAddress = ("8.9.1", "3.8"),
        "SM-DS address refused: not this SM-DS's address",
        &[ES11_IA], aliases: [], confirmed: true;
    SmdsCiPkIdNotSupported = ("8.9.2", "3.1"),
        "none of the eUICC's CI public key identifiers is supported by the SM-DS",
        &[ES11_IA], aliases: [], confirmed: true;
    SmdsSvnNotSupported = ("8.9.3", "3.1"),
        "the eUICC's specification version number is not supported by the SM-DS",
        &[ES11_IA], aliases: [], confirmed: true;
    NoDsAuthCertificateForCi = ("8.9.4", "3.7"),
        "the SM-DS has no CERT.DSauth under a CI supported by the eUICC",
        &[ES11_IA], aliases: [], confirmed: true;

    // ---- ES12 ----
    EventIdDuplicated = ("8.9.5", "3.3"),
        "event record already exists (EventID already in use)",
        &[ES12_RE], aliases: [], confirmed: true;
    EventIdUnknown = ("8.9.5", "3.9"),
        "no event record with this EventID for the EID",
        &[ES12_DE], aliases: [], confirmed: true;
}

impl KnownStatus {
    /// Normative subject code string ("8.10.1").
    pub const fn subject(self) -> &'static str {
        self.info().subject
    }

    /// Normative reason code string ("3.9").
    pub const fn reason(self) -> &'static str {
        self.info().reason
    }

    /// Our description of the meaning.
    pub const fn meaning(self) -> &'static str {
        self.info().meaning
    }

    /// Functions that may answer with this status.
    pub const fn functions(self) -> &'static [RspFunction] {
        self.info().functions
    }

    /// Whether `function` may answer with this status.
    pub fn applies_to(self, function: RspFunction) -> bool {
        self.functions().contains(&function)
    }

    /// Legacy (subject, reason) pairs that mean the same (lpac variants).
    pub const fn legacy_aliases(self) -> &'static [(&'static str, &'static str)] {
        self.info().legacy_aliases
    }

    /// `false` for codes that only one implementation uses or whose semantics are our guess.
    pub const fn is_confirmed(self) -> bool {
        self.info().confirmed
    }

    /// Typed subject code.
    pub fn subject_code(self) -> SubjectCode {
        SubjectCode(self.subject().to_owned())
    }

    /// Typed reason code.
    pub fn reason_code(self) -> ReasonCode {
        ReasonCode(self.reason().to_owned())
    }

    /// Name of the subject ("TransactionId").
    pub fn subject_name(self) -> Option<&'static str> {
        subject_name(self.subject())
    }

    /// Name of the reason ("Unknown").
    pub fn reason_name(self) -> Option<&'static str> {
        reason_name(self.reason())
    }

    /// Whether `(subject, reason)` denotes this status (normatively or as a legacy alias).
    pub fn matches(self, subject: &str, reason: &str) -> bool {
        classify(subject, reason).is_some_and(|m| m.status == self)
    }
}

impl fmt::Display for KnownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} ({})",
            self.subject(),
            self.reason(),
            self.meaning()
        )
    }
}

/// Result of [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMatch {
    pub status: KnownStatus,
    /// `true` when the pair was a legacy alias (e.g. lpac's 8.8.5/4.1) rather than the
    /// normative pair.
    pub is_legacy_alias: bool,
}

/// Catalogue entry for a received pair, normative or legacy alias.
pub fn lookup(subject: &str, reason: &str) -> Option<KnownStatus> {
    classify(subject, reason).map(|m| m.status)
}

/// Like [`lookup`], also telling whether the pair was a legacy alias.
pub fn classify(subject: &str, reason: &str) -> Option<StatusMatch> {
    if let Some(status) = KnownStatus::ALL
        .iter()
        .copied()
        .find(|k| k.subject() == subject && k.reason() == reason)
    {
        return Some(StatusMatch {
            status,
            is_legacy_alias: false,
        });
    }
    KnownStatus::ALL
        .iter()
        .copied()
        .find(|k| {
            k.legacy_aliases()
                .iter()
                .any(|&(s, r)| s == subject && r == reason)
        })
        .map(|status| StatusMatch {
            status,
            is_legacy_alias: true,
        })
}

/// [`lookup`] on typed codes.
pub fn lookup_codes(subject: &SubjectCode, reason: &ReasonCode) -> Option<KnownStatus> {
    lookup(subject.as_str(), reason.as_str())
}

/// Name of a subject code (digest §2.3 hierarchy; generic 1.x names are ours, unconfirmed).
pub fn subject_name(subject: &str) -> Option<&'static str> {
    Some(match subject {
        "1.2.1" => "Content-Type / request (unconfirmed)",
        "1.2.2" => "X-Admin-Protocol (unconfirmed)",
        "1.3.1" => "Function parameter (unconfirmed)",
        "8.1" => "eUICC",
        "8.1.1" => "EID",
        "8.1.2" => "EUM Certificate",
        "8.1.3" => "eUICC Certificate",
        "8.1.4" => "EID range of the EUM (unconfirmed)",
        "8.2" => "Profile",
        "8.2.1" => "Profile ICCID",
        "8.2.5" => "Profile Type",
        "8.2.6" => "MatchingID",
        "8.2.7" => "Confirmation Code",
        "8.8" => "SM-DP+",
        "8.8.1" => "SM-DP+ Address",
        "8.8.2" => "SM-DP+ Security Configuration",
        "8.8.3" => "SM-DP+ SVN",
        "8.8.4" => "SM-DP+ Certificate",
        "8.8.5" => "Download Order",
        "8.9" => "SM-DS",
        "8.9.1" => "SM-DS Address",
        "8.9.2" => "SM-DS Security Configuration",
        "8.9.3" => "SM-DS SVN",
        "8.9.4" => "SM-DS Certificate",
        "8.9.5" => "Event Record",
        "8.10.1" => "TransactionId",
        "8.11.1" => "CI Public Key",
        _ => return None,
    })
}

/// Name of a specific reason code (digest §2.3; names unconfirmed).
pub fn reason_name(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "1.2" => "Not Allowed",
        "2.1" => "Invalid",
        "2.2" => "Mandatory Element Missing",
        "3.1" => "Unsupported",
        "3.3" => "Already in Use",
        "3.7" => "Unavailable",
        "3.8" => "Refused",
        "3.9" => "Unknown",
        "3.10" => "Invalid Association",
        "4.2" => "Execution Error",
        "4.3" => "Stored Data Mismatch",
        "4.8" => "Insufficient Memory",
        "4.10" => "Time to Live Expired",
        "5.1" => "Inaccessible",
        "6.1" => "Verification Failed",
        "6.3" => "Expired",
        "6.4" => "Max Number of Retries Exceeded",
        _ => return None,
    })
}

/// Name of the reason family (first component: 1 access … 6 security; unconfirmed).
pub fn reason_family_name(reason: &str) -> Option<&'static str> {
    let first = reason.split('.').next()?;
    Some(match first {
        "1" => "Access Error",
        "2" => "Format Error",
        "3" => "Conditions of Use Not Satisfied",
        "4" => "Processing Error",
        "5" => "Transport Error",
        "6" => "Security Error",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_validate() {
        for ok in ["8.10.1", "3.9", "1", "3.10", "8.1"] {
            assert!(SubjectCode::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", ".", "8.", ".8", "8..1", "8.a", " 8.1", "8.1 ", "8-1", "12345.1", "+1",
        ] {
            assert!(SubjectCode::new(bad).is_err(), "{bad:?}");
        }
        assert!(ReasonCode::new("1.2.3.4.5.6.7.8.9").is_err());
        assert!(ReasonCode::new(&"1.".repeat(20)).is_err());
    }

    #[test]
    fn codes_serde() {
        let c: SubjectCode = serde_json::from_str("\"8.10.1\"").unwrap();
        assert_eq!(c, "8.10.1");
        assert_eq!(c.components().collect::<Vec<_>>(), vec![8, 10, 1]);
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"8.10.1\"");
        assert!(serde_json::from_str::<ReasonCode>("\"3.x\"").is_err());
        assert!(serde_json::from_str::<ReasonCode>("3.9").is_err());
    }

    #[test]
    fn catalogue_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for k in KnownStatus::ALL {
            assert!(SubjectCode::new(k.subject()).is_ok(), "{k:?}");
            assert!(ReasonCode::new(k.reason()).is_ok(), "{k:?}");
            assert!(seen.insert((k.subject(), k.reason())), "duplicate {k:?}");
            assert!(!k.functions().is_empty());
            assert!(k.subject_name().is_some(), "{k:?}");
            assert!(reason_family_name(k.reason()).is_some(), "{k:?}");
            assert_eq!(lookup(k.subject(), k.reason()), Some(*k));
        }
        for k in KnownStatus::ALL {
            for &(s, r) in k.legacy_aliases() {
                assert!(seen.insert((s, r)), "alias collides: {k:?} {s}/{r}");
                assert_eq!(
                    classify(s, r),
                    Some(StatusMatch {
                        status: *k,
                        is_legacy_alias: true
                    })
                );
            }
        }
    }
}
