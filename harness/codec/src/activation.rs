//! SGP.22 Activation Codes (SGP.22 §4.1; digest §5).
//!
//! An activation code is `AC_Format "$" SMDP_Address "$" AC_Token ["$" SMDP_OID ["$" CCR_Flag ["$" …]]]`,
//! optionally behind the QR prefix `LPA:`. Fields are positional, so an empty optional field keeps
//! its delimiter (`1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1`).
//!
//! Activation codes are secrets (they are the key to a subscription): [`ActivationCode`]'s `Debug`
//! never prints the matching ID, errors and lint findings never quote it, and
//! [`ActivationCode::redacted`] / [`redact`] give report-safe renderings.
//!
//! # Modes and decisions
//!
//! [`ParseOptions::default()`] accepts what an SGP.22 v2 LPA accepts:
//!
//! * the `LPA:` prefix is optional and matched case-insensitively;
//! * ASCII whitespace around the whole input and around each field is ignored (lint:
//!   [`LintCode::SurroundingWhitespace`]); control characters other than whitespace are rejected
//!   anywhere ([`ActivationCodeError::ControlCharacter`]);
//! * format must be `"1"` (the only defined format; "2" is mentioned in the wild but unspecified);
//! * the SM-DP+ address must be a fully qualified domain name, see [`validate_smdp_address`]:
//!   no scheme, no path, no port, no IPv4/IPv6 literal (SM-DP+ TLS certificates name hosts; a lab
//!   server needs a DNS name, e.g. via `/etc/hosts`), LDH characters only (internationalised names
//!   must be given in punycode), at least two labels, labels 1–63 characters, no leading/trailing
//!   `-` in a label, no trailing dot, at most 253 characters (255 octets on the wire), the last
//!   label not all-numeric. Upper and lower case are both accepted (DNS is case-insensitive);
//! * the matching ID may be empty (SGP.22 §4.1 has an example with an empty token) and otherwise
//!   consists of printable ASCII (`0x21`–`0x7E`) without `$`;
//! * the SM-DP+ OID, when non-empty, is a dotted OID: digits and dots, at least two arcs, first arc
//!   0–2, second arc ≤ 39 under arcs 0 and 1. An empty OID field means "absent";
//! * the CCR flag is `"1"` or empty (empty = not required); anything else is rejected;
//! * fields after the fifth (later SGP.22 versions: CI public key indicator, "delete notification
//!   for device change", …) are kept verbatim in [`ActivationCode::extra_fields`];
//! * the activation code (without `LPA:` prefix and surrounding whitespace) is at most
//!   [`MAX_LEN`] = 255 bytes. The limit is widely implemented but *unconfirmed* against the spec
//!   text. Inputs above [`MAX_INPUT_BYTES`] are rejected before any other work.
//!
//! `strict` additionally requires the canonical form an SM-DP+ should issue — the form whose
//! QR payload fits the QR alphanumeric character set:
//!
//! * the prefix, if present, is exactly `LPA:`; no whitespace anywhere around fields;
//! * the SM-DP+ address has no lower-case letters (SGP.22's examples are upper-case; lower case
//!   forces the QR code into byte mode);
//! * the matching ID uses only `0-9`, `A-Z` and `-` (upper case only);
//! * OID arcs have no leading zeros (`1.3.06` is not the same string as the certificate's OID);
//! * no empty trailing field (`…$` at the OID position, or an empty CCR field);
//! * at most 5 fields (SGP.22 v2 grammar; later-version fields are a lint finding).
//!
//! The two modes are tied to [`lint`] by an invariant that the tests check: with
//! `allow_host_port == false`, an input parses in strict mode exactly when it parses in default
//! mode and `lint` reports nothing.
//!
//! `allow_host_port` (for lab servers) accepts `host:port` (port 1–65535) and single-label host
//! names such as `localhost`; it applies in both modes (an explicit opt-in wins over `strict`).
//!
//! [`lint`] does not complain about a missing `LPA:` prefix: a bare activation code is the normal
//! form for manual entry, and the function cannot know whether its input came from a QR code.
//! Use [`ActivationCode::parse_qr`] when the prefix is required.

use std::fmt::{self, Write as _};
use std::str::FromStr;

/// Maximum length of an activation code in bytes, without the `LPA:` prefix (unconfirmed limit;
/// for a valid code, which is ASCII, bytes = characters).
pub const MAX_LEN: usize = 255;
/// Inputs longer than this (in bytes, prefix and whitespace included) are rejected outright.
pub const MAX_INPUT_BYTES: usize = 1024;
/// The QR-code payload prefix.
pub const QR_PREFIX: &str = "LPA:";
/// Number of fields defined by SGP.22 v2 (format, address, matching ID, OID, CCR flag).
pub const V2_FIELD_COUNT: usize = 5;
/// Maximum length of a DNS name in text form (255 octets on the wire).
pub const MAX_ADDRESS_LEN: usize = 253;
/// Maximum length of one DNS label.
pub const MAX_LABEL_LEN: usize = 63;

const DEFAULT_MATCHING_ID_CHARS: &str = "printable ASCII 0x21-0x7E except '$'";
const STRICT_MATCHING_ID_CHARS: &str = "strict mode: 0-9, A-Z and '-' only";

/// Activation code format (field 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AcFormat {
    /// Format `"1"`, the only format SGP.22 defines.
    #[default]
    V1,
}

impl AcFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AcFormat::V1 => "1",
        }
    }
}

impl fmt::Display for AcFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field of an activation code, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Format,
    SmdpAddress,
    MatchingId,
    SmdpOid,
    CcrFlag,
    /// A later-version field at the given 1-based position (≥ 6).
    Extra(usize),
}

impl Field {
    /// 1-based position of the field in the `$`-separated list.
    pub fn position(self) -> usize {
        match self {
            Field::Format => 1,
            Field::SmdpAddress => 2,
            Field::MatchingId => 3,
            Field::SmdpOid => 4,
            Field::CcrFlag => 5,
            Field::Extra(p) => p,
        }
    }

    /// The field at a 1-based position (positions 0 and ≥ 6 give [`Field::Extra`]).
    pub fn from_position(position: usize) -> Field {
        match position {
            1 => Field::Format,
            2 => Field::SmdpAddress,
            3 => Field::MatchingId,
            4 => Field::SmdpOid,
            5 => Field::CcrFlag,
            p => Field::Extra(p),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Format => "format",
            Field::SmdpAddress => "SM-DP+ address",
            Field::MatchingId => "matching ID",
            Field::SmdpOid => "SM-DP+ OID",
            Field::CcrFlag => "confirmation-code-required flag",
            Field::Extra(_) => "later-version field",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {} ({})", self.position(), self.name())
    }
}

/// Parser options; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParseOptions {
    /// Require the canonical form (upper case, strict matching-ID set, no stray whitespace or
    /// empty trailing fields, at most 5 fields).
    pub strict: bool,
    /// Lab servers: accept `host:port` and single-label host names.
    pub allow_host_port: bool,
}

impl ParseOptions {
    /// `strict: true, allow_host_port: false`.
    pub fn strict() -> ParseOptions {
        ParseOptions {
            strict: true,
            allow_host_port: false,
        }
    }

    /// `strict: false, allow_host_port: true`.
    pub fn lab() -> ParseOptions {
        ParseOptions {
            strict: false,
            allow_host_port: true,
        }
    }
}

/// Why an SM-DP+ address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressProblem {
    #[error("the address is empty")]
    Empty,
    #[error("URL scheme not allowed; give the bare host name (e.g. \"smdp.example.com\")")]
    Scheme,
    #[error("path not allowed; the SM-DP+ address is a bare host name without '/'")]
    Path,
    #[error("IPv6 literal not allowed; an SM-DP+ address must be a fully qualified domain name")]
    Ipv6Literal,
    #[error(
        "IP address literal not allowed; an SM-DP+ address must be a fully qualified domain name"
    )]
    Ipv4Literal,
    #[error("port not allowed (use the lenient host:port option for lab servers)")]
    PortNotAllowed { port: String },
    #[error("port {port:?} is not a number in 1-65535")]
    InvalidPort { port: String },
    #[error("{len} characters long; a DNS name has at most {max}")]
    TooLong { len: usize, max: usize },
    #[error(
        "character {character:?} at position {position} is not a letter, digit, '-' or '.' \
         (internationalised names must be written in punycode, \"xn--...\")"
    )]
    InvalidCharacter { position: usize, character: char },
    #[error("label {label} is empty (leading dot or \"..\")")]
    EmptyLabel { label: usize },
    #[error("trailing dot not allowed")]
    TrailingDot,
    #[error("label {label} is {len} characters long; DNS allows at most 63")]
    LabelTooLong { label: usize, len: usize },
    #[error("label {label} starts or ends with '-'")]
    HyphenAtLabelEdge { label: usize },
    #[error("the last label is all digits, which no top-level domain is")]
    NumericTld,
    #[error(
        "a single label is not a fully qualified domain name \
         (lab host names like \"localhost\" need the lenient host:port option)"
    )]
    SingleLabel,
    #[error(
        "lower-case letters are not allowed in strict mode \
         (SGP.22 examples and QR alphanumeric mode use upper case)"
    )]
    LowerCase,
}

impl AddressProblem {
    /// The variant name, e.g. `"PortNotAllowed"`.
    pub fn kind(&self) -> &'static str {
        match self {
            AddressProblem::Empty => "Empty",
            AddressProblem::Scheme => "Scheme",
            AddressProblem::Path => "Path",
            AddressProblem::Ipv6Literal => "Ipv6Literal",
            AddressProblem::Ipv4Literal => "Ipv4Literal",
            AddressProblem::PortNotAllowed { .. } => "PortNotAllowed",
            AddressProblem::InvalidPort { .. } => "InvalidPort",
            AddressProblem::TooLong { .. } => "TooLong",
            AddressProblem::InvalidCharacter { .. } => "InvalidCharacter",
            AddressProblem::EmptyLabel { .. } => "EmptyLabel",
            AddressProblem::TrailingDot => "TrailingDot",
            AddressProblem::LabelTooLong { .. } => "LabelTooLong",
            AddressProblem::HyphenAtLabelEdge { .. } => "HyphenAtLabelEdge",
            AddressProblem::NumericTld => "NumericTld",
            AddressProblem::SingleLabel => "SingleLabel",
            AddressProblem::LowerCase => "LowerCase",
        }
    }
}

/// Why an SM-DP+ OID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OidProblem {
    #[error("the OID is empty")]
    Empty,
    #[error(
        "character {character:?} at position {position}: an OID is digits separated by dots \
         (e.g. 1.3.6.1.4.1.31746)"
    )]
    InvalidCharacter { position: usize, character: char },
    #[error("arc {arc} is empty (leading, trailing or doubled dot)")]
    EmptyArc { arc: usize },
    #[error("an OID has at least two arcs")]
    TooFewArcs,
    #[error("the first arc must be 0, 1 or 2")]
    FirstArcOutOfRange,
    #[error("the second arc must be at most 39 when the first arc is 0 or 1")]
    SecondArcOutOfRange,
    #[error("arc {arc} has a leading zero (strict mode: arcs must be written canonically)")]
    LeadingZero { arc: usize },
}

impl OidProblem {
    /// The variant name, e.g. `"EmptyArc"`.
    pub fn kind(&self) -> &'static str {
        match self {
            OidProblem::Empty => "Empty",
            OidProblem::InvalidCharacter { .. } => "InvalidCharacter",
            OidProblem::EmptyArc { .. } => "EmptyArc",
            OidProblem::TooFewArcs => "TooFewArcs",
            OidProblem::FirstArcOutOfRange => "FirstArcOutOfRange",
            OidProblem::SecondArcOutOfRange => "SecondArcOutOfRange",
            OidProblem::LeadingZero { .. } => "LeadingZero",
        }
    }
}

fn empty_hint(field: &Field) -> &'static str {
    match field {
        Field::Format => "; expected \"1\"",
        Field::SmdpAddress => "; the SM-DP+ address (an FQDN) is mandatory",
        Field::MatchingId => "",
        _ => "; strict mode: remove the trailing '$' instead of leaving the field empty",
    }
}

/// Why an activation code was rejected. Messages never quote the matching ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationCodeError {
    #[error("activation code is empty")]
    Empty,
    #[error(
        "activation code is {len} bytes long; at most {max} are accepted \
         (commonly implemented SGP.22 limit)"
    )]
    TooLong { len: usize, max: usize },
    #[error("QR payload must start with \"LPA:\"")]
    MissingQrPrefix,
    #[error("QR prefix {found:?} is not the upper-case \"LPA:\" (strict mode)")]
    NonCanonicalPrefix { found: String },
    #[error(
        "control character U+{code:04X} at character position {position} of the input; \
         an activation code is printable text"
    )]
    ControlCharacter { position: usize, code: u32 },
    #[error(
        "{field} is missing: an activation code has at least three '$'-separated fields, \
         format$SM-DP+ address$matching ID"
    )]
    MissingField { field: Field },
    #[error("{field} is empty{}", empty_hint(.field))]
    EmptyField { field: Field },
    #[error(
        "{count} fields found; strict mode allows the {max} SGP.22 v2 fields \
         (later-version fields are accepted in default mode)"
    )]
    TooManyFields { count: usize, max: usize },
    #[error("{field} has leading or trailing whitespace (strict mode)")]
    SurroundingWhitespace { field: Field },
    #[error("format {found:?} (field 1) is not supported: SGP.22 defines only format \"1\"")]
    UnsupportedFormat { found: String },
    #[error("SM-DP+ address {address:?} (field 2): {reason}")]
    InvalidAddress {
        address: String,
        reason: AddressProblem,
    },
    #[error(
        "matching ID (field 3): character {character:?} at position {position} is not allowed \
         ({allowed})"
    )]
    InvalidMatchingId {
        position: usize,
        character: char,
        allowed: &'static str,
    },
    /// `oid` is quoted only when it is digits and dots; anything else is masked (it may be a
    /// matching ID shifted by a stray `$`).
    #[error("SM-DP+ OID {oid} (field 4): {reason}")]
    InvalidOid { oid: String, reason: OidProblem },
    #[error(
        "confirmation-code-required flag (field 5) is {found:?}; the only defined value is \"1\" \
         (omit the field when no confirmation code is needed)"
    )]
    InvalidCcrFlag { found: String },
}

impl ActivationCodeError {
    /// Every value [`ActivationCodeError::kind`] can return.
    pub const KINDS: &'static [&'static str] = &[
        "Empty",
        "TooLong",
        "MissingQrPrefix",
        "NonCanonicalPrefix",
        "ControlCharacter",
        "MissingField",
        "EmptyField",
        "TooManyFields",
        "SurroundingWhitespace",
        "UnsupportedFormat",
        "InvalidAddress",
        "InvalidMatchingId",
        "InvalidOid",
        "InvalidCcrFlag",
    ];

    /// The variant name, e.g. `"UnsupportedFormat"` (used by the vector manifest).
    pub fn kind(&self) -> &'static str {
        match self {
            ActivationCodeError::Empty => "Empty",
            ActivationCodeError::TooLong { .. } => "TooLong",
            ActivationCodeError::MissingQrPrefix => "MissingQrPrefix",
            ActivationCodeError::NonCanonicalPrefix { .. } => "NonCanonicalPrefix",
            ActivationCodeError::ControlCharacter { .. } => "ControlCharacter",
            ActivationCodeError::MissingField { .. } => "MissingField",
            ActivationCodeError::EmptyField { .. } => "EmptyField",
            ActivationCodeError::TooManyFields { .. } => "TooManyFields",
            ActivationCodeError::SurroundingWhitespace { .. } => "SurroundingWhitespace",
            ActivationCodeError::UnsupportedFormat { .. } => "UnsupportedFormat",
            ActivationCodeError::InvalidAddress { .. } => "InvalidAddress",
            ActivationCodeError::InvalidMatchingId { .. } => "InvalidMatchingId",
            ActivationCodeError::InvalidOid { .. } => "InvalidOid",
            ActivationCodeError::InvalidCcrFlag { .. } => "InvalidCcrFlag",
        }
    }

    /// The field the error is about, where there is one.
    pub fn field(&self) -> Option<Field> {
        match self {
            ActivationCodeError::MissingField { field }
            | ActivationCodeError::EmptyField { field }
            | ActivationCodeError::SurroundingWhitespace { field } => Some(*field),
            ActivationCodeError::UnsupportedFormat { .. } => Some(Field::Format),
            ActivationCodeError::InvalidAddress { .. } => Some(Field::SmdpAddress),
            ActivationCodeError::InvalidMatchingId { .. } => Some(Field::MatchingId),
            ActivationCodeError::InvalidOid { .. } => Some(Field::SmdpOid),
            ActivationCodeError::InvalidCcrFlag { .. } => Some(Field::CcrFlag),
            _ => None,
        }
    }

    /// The kind of the nested reason for address and OID errors (e.g. `"PortNotAllowed"`).
    pub fn reason_kind(&self) -> Option<&'static str> {
        match self {
            ActivationCodeError::InvalidAddress { reason, .. } => Some(reason.kind()),
            ActivationCodeError::InvalidOid { reason, .. } => Some(reason.kind()),
            _ => None,
        }
    }
}

/// A parsed activation code.
///
/// `Debug` masks the matching ID; `Display` gives the canonical form (without `LPA:` prefix).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActivationCode {
    pub format: AcFormat,
    pub smdp_address: String,
    /// AC_Token; a secret. May be empty.
    pub matching_id: String,
    /// Absent when the field is missing or empty.
    pub smdp_oid: Option<String>,
    pub confirmation_code_required: bool,
    /// Fields after the fifth (later SGP.22 versions), verbatim apart from whitespace trimming.
    pub extra_fields: Vec<String>,
}

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivationCode")
            .field("format", &self.format)
            .field("smdp_address", &self.smdp_address)
            .field(
                "matching_id",
                &format_args!("<redacted:{}>", self.matching_id.chars().count()),
            )
            .field("smdp_oid", &self.smdp_oid)
            .field(
                "confirmation_code_required",
                &self.confirmation_code_required,
            )
            .field("extra_fields", &self.extra_fields)
            .finish()
    }
}

impl ActivationCode {
    /// Parses a bare activation code (`1$…`) or a QR payload (`LPA:1$…`, prefix case-insensitive).
    pub fn parse(input: &str, opts: &ParseOptions) -> Result<ActivationCode, ActivationCodeError> {
        let split = split(input)?;
        from_split(&split, opts)
    }

    /// Like [`ActivationCode::parse`] but requires the `LPA:` prefix.
    pub fn parse_qr(
        input: &str,
        opts: &ParseOptions,
    ) -> Result<ActivationCode, ActivationCodeError> {
        let split = split(input)?;
        if split.prefix.is_none() {
            return Err(ActivationCodeError::MissingQrPrefix);
        }
        from_split(&split, opts)
    }

    /// `LPA:` + canonical form.
    pub fn to_qr_payload(&self) -> String {
        format!("{QR_PREFIX}{self}")
    }

    /// Canonical form with the matching ID replaced by `<redacted:N>` (N = its length);
    /// an empty matching ID stays empty.
    pub fn redacted(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_fields(&mut out, true);
        out
    }

    fn write_fields<W: fmt::Write>(&self, w: &mut W, redact: bool) -> fmt::Result {
        write!(w, "{}${}$", self.format, self.smdp_address)?;
        if redact && !self.matching_id.is_empty() {
            write!(w, "<redacted:{}>", self.matching_id.chars().count())?;
        } else if !redact {
            w.write_str(&self.matching_id)?;
        }
        let need_ccr = self.confirmation_code_required || !self.extra_fields.is_empty();
        if self.smdp_oid.is_some() || need_ccr {
            write!(w, "${}", self.smdp_oid.as_deref().unwrap_or(""))?;
        }
        if need_ccr {
            w.write_str(if self.confirmation_code_required {
                "$1"
            } else {
                "$"
            })?;
        }
        for extra in &self.extra_fields {
            write!(w, "${extra}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_fields(f, false)
    }
}

impl FromStr for ActivationCode {
    type Err = ActivationCodeError;

    /// Parses with [`ParseOptions::default`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivationCode::parse(s, &ParseOptions::default())
    }
}

/// Masks the third `$`-separated field of a raw (possibly invalid) activation code, for logs and
/// reports. Inputs above [`MAX_INPUT_BYTES`] are summarised by their length only.
pub fn redact(input: &str) -> String {
    if input.len() > MAX_INPUT_BYTES {
        return format!("<redacted activation code: {} bytes>", input.len());
    }
    let mut out = String::with_capacity(input.len());
    for (i, part) in input.split('$').enumerate() {
        if i > 0 {
            out.push('$');
        }
        if i == 2 && !part.is_empty() {
            // Writing to a String cannot fail.
            let _ = write!(out, "<redacted:{}>", part.chars().count());
        } else {
            out.push_str(part);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Splitting (shared by parse and lint)

fn is_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

struct Split<'a> {
    /// The prefix as written, when present.
    prefix: Option<&'a str>,
    leading_ws: bool,
    trailing_ws: bool,
    /// Raw (untrimmed) fields; never empty.
    fields: Vec<&'a str>,
}

impl Split<'_> {
    /// Trimmed value of the field at 0-based index `i` ("" when absent).
    fn value(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.trim_matches(is_ws))
    }

    /// 1-based positions of fields that have surrounding whitespace, ascending, without repeats.
    fn whitespace_fields(&self) -> Vec<usize> {
        let n = self.fields.len();
        let mut out = Vec::new();
        for (i, raw) in self.fields.iter().enumerate() {
            let pos = i + 1;
            let edge = (pos == 1 && self.leading_ws) || (pos == n && self.trailing_ws);
            if edge || raw.trim_matches(is_ws).len() != raw.len() {
                out.push(pos);
            }
        }
        out
    }

    /// 1-based position of the first field of a run of empty fields at the end of the code, when
    /// that run starts at the OID position or later (`…$`, `…$$`).
    fn empty_trailing_field(&self) -> Option<usize> {
        let n = self.fields.len();
        let last_non_empty = (0..n)
            .rev()
            .find(|&i| !self.value(i).is_empty())
            .map_or(0, |i| i + 1);
        let start = last_non_empty.max(3) + 1;
        (n >= start && start >= 4).then_some(start)
    }
}

fn split(input: &str) -> Result<Split<'_>, ActivationCodeError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(ActivationCodeError::TooLong {
            len: input.len(),
            max: MAX_LEN,
        });
    }
    if let Some((i, c)) = input
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !is_ws(*c))
    {
        return Err(ActivationCodeError::ControlCharacter {
            position: i + 1,
            code: u32::from(c),
        });
    }
    let start_trimmed = input.trim_start_matches(is_ws);
    let trimmed = start_trimmed.trim_end_matches(is_ws);
    let leading_ws = start_trimmed.len() != input.len();
    let trailing_ws = trimmed.len() != start_trimmed.len();
    if trimmed.is_empty() {
        return Err(ActivationCodeError::Empty);
    }
    let (prefix, body) = match trimmed.get(..QR_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(QR_PREFIX) => {
            (Some(p), trimmed.get(QR_PREFIX.len()..).unwrap_or(""))
        }
        _ => (None, trimmed),
    };
    if body.len() > MAX_LEN {
        return Err(ActivationCodeError::TooLong {
            len: body.len(),
            max: MAX_LEN,
        });
    }
    if body.trim_matches(is_ws).is_empty() {
        return Err(ActivationCodeError::Empty);
    }
    Ok(Split {
        prefix,
        leading_ws,
        trailing_ws,
        fields: body.split('$').collect(),
    })
}

fn from_split(s: &Split<'_>, opts: &ParseOptions) -> Result<ActivationCode, ActivationCodeError> {
    use ActivationCodeError as E;
    let n = s.fields.len();
    if n < 2 {
        return Err(E::MissingField {
            field: Field::SmdpAddress,
        });
    }
    if n < 3 {
        return Err(E::MissingField {
            field: Field::MatchingId,
        });
    }
    if opts.strict {
        if let Some(p) = s.prefix {
            if p != QR_PREFIX {
                return Err(E::NonCanonicalPrefix {
                    found: p.to_string(),
                });
            }
        }
        if n > V2_FIELD_COUNT {
            return Err(E::TooManyFields {
                count: n,
                max: V2_FIELD_COUNT,
            });
        }
        if let Some(&pos) = s.whitespace_fields().first() {
            return Err(E::SurroundingWhitespace {
                field: Field::from_position(pos),
            });
        }
    }

    // Field 1: format.
    let format = match s.value(0) {
        "" => {
            return Err(E::EmptyField {
                field: Field::Format,
            })
        }
        "1" => AcFormat::V1,
        other => {
            return Err(E::UnsupportedFormat {
                found: other.to_string(),
            })
        }
    };

    // Field 2: SM-DP+ address.
    let address = s.value(1);
    if address.is_empty() {
        return Err(E::EmptyField {
            field: Field::SmdpAddress,
        });
    }
    validate_smdp_address(address, opts).map_err(|reason| E::InvalidAddress {
        address: address.to_string(),
        reason,
    })?;

    // Field 3: matching ID.
    let matching_id = s.value(2);
    check_matching_id(matching_id, opts.strict)?;

    // Field 4: SM-DP+ OID.
    let smdp_oid = match s.value(3) {
        "" => {
            if opts.strict && n == 4 {
                return Err(E::EmptyField {
                    field: Field::SmdpOid,
                });
            }
            None
        }
        oid => {
            validate_smdp_oid(oid, opts.strict).map_err(|reason| E::InvalidOid {
                oid: oid_for_message(oid),
                reason,
            })?;
            Some(oid.to_string())
        }
    };

    // Field 5: confirmation code required flag.
    let confirmation_code_required = match s.value(4) {
        "" => {
            if opts.strict && n >= 5 {
                return Err(E::EmptyField {
                    field: Field::CcrFlag,
                });
            }
            false
        }
        "1" => true,
        other => {
            return Err(E::InvalidCcrFlag {
                found: other.to_string(),
            })
        }
    };

    // Fields 6…: kept verbatim.
    let extra_fields = (V2_FIELD_COUNT..n)
        .map(|i| s.value(i).to_string())
        .collect();

    Ok(ActivationCode {
        format,
        smdp_address: address.to_string(),
        matching_id: matching_id.to_string(),
        smdp_oid,
        confirmation_code_required,
        extra_fields,
    })
}

fn is_strict_matching_id_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-'
}

fn check_matching_id(id: &str, strict: bool) -> Result<(), ActivationCodeError> {
    for (i, c) in id.chars().enumerate() {
        let (ok, allowed) = if !c.is_ascii_graphic() || c == '$' {
            (false, DEFAULT_MATCHING_ID_CHARS)
        } else if strict {
            (is_strict_matching_id_char(c), STRICT_MATCHING_ID_CHARS)
        } else {
            (true, "")
        };
        if !ok {
            return Err(ActivationCodeError::InvalidMatchingId {
                position: i + 1,
                character: c,
                allowed,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Address and OID validation

/// Splits `host:port`; `None` port when there is no `:`.
fn split_host_port(address: &str) -> (&str, Option<&str>) {
    match address.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (address, None),
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Validates an SM-DP+ address (also usable for `smdpAddress` in ES9+/ES11 messages).
/// See the module documentation for the rules; `opts.strict` adds the upper-case rule and
/// `opts.allow_host_port` admits `host:port` and single-label hosts.
pub fn validate_smdp_address(address: &str, opts: &ParseOptions) -> Result<(), AddressProblem> {
    use AddressProblem as P;
    if address.is_empty() {
        return Err(P::Empty);
    }
    if address.contains("://") {
        return Err(P::Scheme);
    }
    if address.contains('/') {
        return Err(P::Path);
    }
    if address.starts_with('[') || address.matches(':').count() >= 2 {
        return Err(P::Ipv6Literal);
    }
    let (host, port) = split_host_port(address);
    if host.split('.').all(all_digits) {
        return Err(P::Ipv4Literal);
    }
    if let Some(port) = port {
        if !opts.allow_host_port {
            return Err(P::PortNotAllowed {
                port: port.to_string(),
            });
        }
        let value = if all_digits(port) && port.len() <= 5 {
            port.parse::<u32>().unwrap_or(0)
        } else {
            0
        };
        if !(1..=65535).contains(&value) {
            return Err(P::InvalidPort {
                port: port.to_string(),
            });
        }
    }
    if host.is_empty() {
        return Err(P::Empty);
    }
    if host.len() > MAX_ADDRESS_LEN {
        return Err(P::TooLong {
            len: host.len(),
            max: MAX_ADDRESS_LEN,
        });
    }
    if let Some((i, c)) = host
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(P::InvalidCharacter {
            position: i + 1,
            character: c,
        });
    }
    let label_count = host.split('.').count();
    for (i, label) in host.split('.').enumerate() {
        let number = i + 1;
        if label.is_empty() {
            return Err(if number == label_count && label_count > 1 {
                P::TrailingDot
            } else {
                P::EmptyLabel { label: number }
            });
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(P::LabelTooLong {
                label: number,
                len: label.len(),
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(P::HyphenAtLabelEdge { label: number });
        }
    }
    if label_count < 2 && !opts.allow_host_port {
        return Err(P::SingleLabel);
    }
    if host.rsplit('.').next().is_some_and(all_digits) {
        return Err(P::NumericTld);
    }
    if opts.strict && host.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(P::LowerCase);
    }
    Ok(())
}

/// Value of a digit string, saturating at `u64::MAX`.
fn arc_value(arc: &str) -> u64 {
    arc.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(b.wrapping_sub(b'0')))
    })
}

/// Validates a dotted SM-DP+ OID (`strict` forbids leading zeros in arcs).
/// The OID field as quoted in messages: shown when it looks like an OID attempt (digits and
/// dots), otherwise masked, because a misplaced `$` can shift the matching ID into this field.
fn oid_for_message(oid: &str) -> String {
    if oid.chars().all(|c| c.is_ascii_digit() || c == '.') {
        format!("{oid:?}")
    } else {
        format!("<not an OID, {} characters>", oid.chars().count())
    }
}

pub fn validate_smdp_oid(oid: &str, strict: bool) -> Result<(), OidProblem> {
    use OidProblem as P;
    if oid.is_empty() {
        return Err(P::Empty);
    }
    if let Some((i, c)) = oid
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
    {
        return Err(P::InvalidCharacter {
            position: i + 1,
            character: c,
        });
    }
    if let Some(i) = oid.split('.').position(str::is_empty) {
        return Err(P::EmptyArc { arc: i + 1 });
    }
    let mut arcs = oid.split('.');
    let first = arcs.next().map_or(0, arc_value);
    let second = match arcs.next() {
        Some(a) => arc_value(a),
        None => return Err(P::TooFewArcs),
    };
    if first > 2 {
        return Err(P::FirstArcOutOfRange);
    }
    if first < 2 && second > 39 {
        return Err(P::SecondArcOutOfRange);
    }
    if strict {
        if let Some(i) = oid
            .split('.')
            .position(|a| a.len() > 1 && a.starts_with('0'))
        {
            return Err(P::LeadingZero { arc: i + 1 });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Lint

/// What [`lint`] can report: things lenient LPAs accept but a conforming SM-DP+ should not issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LintCode {
    /// Prefix written other than `LPA:` (e.g. `lpa:`).
    LowerCasePrefix,
    /// Whitespace around the code or around a field.
    SurroundingWhitespace,
    /// Field 1 empty.
    EmptyFormat,
    /// Lower-case letters in the SM-DP+ address.
    LowerCaseAddress,
    /// `host:port` in the SM-DP+ address.
    AddressHasPort,
    /// Lower-case letters in the matching ID.
    LowerCaseMatchingId,
    /// Matching-ID characters outside `0-9 A-Z -` other than lower-case letters.
    MatchingIdCharset,
    /// Non-empty OID field that is not a dotted OID.
    NotDottedOid,
    /// Dotted OID with leading zeros in an arc.
    NonCanonicalOid,
    /// The code ends with an empty OID or CCR field (`…$`, `…$$`).
    EmptyTrailingField,
    /// More than the 5 SGP.22 v2 fields.
    TrailingFields,
}

impl LintCode {
    pub const ALL: &'static [LintCode] = &[
        LintCode::LowerCasePrefix,
        LintCode::SurroundingWhitespace,
        LintCode::EmptyFormat,
        LintCode::LowerCaseAddress,
        LintCode::AddressHasPort,
        LintCode::LowerCaseMatchingId,
        LintCode::MatchingIdCharset,
        LintCode::NotDottedOid,
        LintCode::NonCanonicalOid,
        LintCode::EmptyTrailingField,
        LintCode::TrailingFields,
    ];

    /// The variant name, e.g. `"LowerCaseAddress"`.
    pub fn name(self) -> &'static str {
        match self {
            LintCode::LowerCasePrefix => "LowerCasePrefix",
            LintCode::SurroundingWhitespace => "SurroundingWhitespace",
            LintCode::EmptyFormat => "EmptyFormat",
            LintCode::LowerCaseAddress => "LowerCaseAddress",
            LintCode::AddressHasPort => "AddressHasPort",
            LintCode::LowerCaseMatchingId => "LowerCaseMatchingId",
            LintCode::MatchingIdCharset => "MatchingIdCharset",
            LintCode::NotDottedOid => "NotDottedOid",
            LintCode::NonCanonicalOid => "NonCanonicalOid",
            LintCode::EmptyTrailingField => "EmptyTrailingField",
            LintCode::TrailingFields => "TrailingFields",
        }
    }
}

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One lint finding. The message never quotes the matching ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    pub code: LintCode,
    /// `None` for the `LPA:` prefix.
    pub field: Option<Field>,
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} [{}]: {}", field, self.code, self.message),
            None => write!(f, "[{}]: {}", self.code, self.message),
        }
    }
}

/// Reports what lenient LPAs let through but a conforming SM-DP+ should not issue. Findings come
/// in field order. Input that cannot even be split into fields (empty, too long, control
/// characters) gives no findings; [`ActivationCode::parse`] explains those. A code that parses in
/// strict mode lints clean.
pub fn lint(input: &str) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let Ok(s) = split(input) else {
        return out;
    };
    let mut push = |code: LintCode, field: Option<Field>, message: String| {
        out.push(LintFinding {
            code,
            field,
            message,
        });
    };
    if let Some(p) = s.prefix {
        if p != QR_PREFIX {
            push(
                LintCode::LowerCasePrefix,
                None,
                format!("QR prefix {p:?} should be upper-case \"LPA:\""),
            );
        }
    }
    let ws = s.whitespace_fields();
    let ws_at = |pos: usize| ws.contains(&pos);
    let n = s.fields.len();
    for pos in 1..=n {
        let field = Field::from_position(pos);
        if ws_at(pos) {
            push(
                LintCode::SurroundingWhitespace,
                Some(field),
                "leading or trailing whitespace".to_string(),
            );
        }
        let value = s.value(pos - 1);
        match field {
            Field::Format if value.is_empty() => push(
                LintCode::EmptyFormat,
                Some(field),
                "format field is empty; it must be \"1\"".to_string(),
            ),
            Field::SmdpAddress => {
                if value.bytes().any(|b| b.is_ascii_lowercase()) {
                    push(
                        LintCode::LowerCaseAddress,
                        Some(field),
                        format!("{value:?} contains lower-case letters; SGP.22 examples and QR alphanumeric mode use upper case"),
                    );
                }
                if !value.contains("://") && split_host_port(value).1.is_some() {
                    push(
                        LintCode::AddressHasPort,
                        Some(field),
                        format!("{value:?} carries a port; an SM-DP+ address is a bare FQDN"),
                    );
                }
            }
            Field::MatchingId => {
                if let Some(i) = value.chars().position(|c| c.is_ascii_lowercase()) {
                    push(
                        LintCode::LowerCaseMatchingId,
                        Some(field),
                        format!(
                            "lower-case letter at position {}; matching IDs use 0-9, A-Z and '-'",
                            i + 1
                        ),
                    );
                }
                if let Some((i, c)) = value
                    .chars()
                    .enumerate()
                    .find(|(_, c)| !c.is_ascii_lowercase() && !is_strict_matching_id_char(*c))
                {
                    push(
                        LintCode::MatchingIdCharset,
                        Some(field),
                        format!(
                            "character {c:?} at position {}; matching IDs use 0-9, A-Z and '-'",
                            i + 1
                        ),
                    );
                }
            }
            Field::SmdpOid if !value.is_empty() => match validate_smdp_oid(value, false) {
                Err(reason) => push(
                    LintCode::NotDottedOid,
                    Some(field),
                    format!("{} is not a dotted OID: {reason}", oid_for_message(value)),
                ),
                Ok(()) => {
                    if let Err(reason) = validate_smdp_oid(value, true) {
                        push(
                            LintCode::NonCanonicalOid,
                            Some(field),
                            format!("{value:?}: {reason}"),
                        );
                    }
                }
            },
            _ => {}
        }
    }
    if let Some(pos) = s.empty_trailing_field() {
        push(
            LintCode::EmptyTrailingField,
            Some(Field::from_position(pos)),
            "the code ends with empty field(s); drop the trailing '$'".to_string(),
        );
    }
    if n > V2_FIELD_COUNT {
        push(
            LintCode::TrailingFields,
            Some(Field::Extra(V2_FIELD_COUNT + 1)),
            format!(
                "{} field(s) beyond the 5 defined by SGP.22 v2 (later-version fields)",
                n - V2_FIELD_COUNT
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn def() -> ParseOptions {
        ParseOptions::default()
    }

    #[test]
    fn digest_examples_round_trip() {
        for s in [
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815",
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1",
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1",
            "1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746",
            "1$SMDP.GSMA.COM$$1.3.6.1.4.1.31746",
        ] {
            let ac = ActivationCode::parse(s, &ParseOptions::strict()).unwrap();
            assert_eq!(ac.to_string(), s);
            assert_eq!(ac.to_qr_payload(), format!("LPA:{s}"));
            assert!(lint(s).is_empty(), "{s}: {:?}", lint(s));
        }
    }

    #[test]
    fn fields_and_qr() {
        let ac = ActivationCode::parse_qr("LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1", &def())
            .unwrap();
        assert_eq!(ac.smdp_address, "SMDP.GSMA.COM");
        assert_eq!(ac.matching_id, "04386-AGYFT-A74Y8-3F815");
        assert_eq!(ac.smdp_oid, None);
        assert!(ac.confirmation_code_required);
        assert_eq!(
            ActivationCode::parse_qr("1$SMDP.GSMA.COM$X", &def()),
            Err(ActivationCodeError::MissingQrPrefix)
        );
        let ac: ActivationCode = "lpa:1$smdp.example.com$abc$$$V3".parse().unwrap();
        assert_eq!(ac.extra_fields, vec!["V3".to_string()]);
        assert_eq!(ac.to_string(), "1$smdp.example.com$abc$$$V3");
    }

    #[test]
    fn redaction() {
        let ac = ActivationCode::parse("1$SMDP.EXAMPLE.COM$SECRET-TOKEN-12345$$1", &def()).unwrap();
        assert_eq!(ac.redacted(), "1$SMDP.EXAMPLE.COM$<redacted:18>$$1");
        let dbg = format!("{ac:?}");
        assert!(!dbg.contains("SECRET"), "{dbg}");
        assert!(dbg.contains("<redacted:18>"), "{dbg}");
        assert_eq!(
            redact("LPA:1$X$SECRET$1.2"),
            "LPA:1$X$<redacted:6>$1.2".to_string()
        );
        assert_eq!(redact("garbage"), "garbage");
        let err = ActivationCode::parse("1$SMDP.EXAMPLE.COM$SECRET TOKEN", &def()).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn messages_are_actionable() {
        let err = ActivationCode::parse("1$smdp.example.com:8443$X", &def()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SM-DP+ address \"smdp.example.com:8443\" (field 2): port not allowed \
             (use the lenient host:port option for lab servers)"
        );
        assert_eq!(err.field(), Some(Field::SmdpAddress));
        assert_eq!(err.reason_kind(), Some("PortNotAllowed"));
        let ok = ActivationCode::parse("1$smdp.example.com:8443$X", &ParseOptions::lab()).unwrap();
        assert_eq!(ok.smdp_address, "smdp.example.com:8443");
        let err = ActivationCode::parse("1$A.COM$X$$$", &ParseOptions::strict()).unwrap_err();
        assert_eq!(err.kind(), "TooManyFields");
        let err = ActivationCode::parse("1$A.COM$X$$", &ParseOptions::strict()).unwrap_err();
        assert_eq!(
            err,
            ActivationCodeError::EmptyField {
                field: Field::CcrFlag
            }
        );
        assert!(err
            .to_string()
            .starts_with("field 5 (confirmation-code-required flag) is empty"));
    }

    #[test]
    fn address_rules() {
        let d = def();
        let lab = ParseOptions::lab();
        let k = |a: &str, o: &ParseOptions| validate_smdp_address(a, o).map_err(|e| e.kind());
        assert_eq!(k("SMDP.GSMA.COM", &d), Ok(()));
        assert_eq!(k("xn--bcher-kva.example", &d), Ok(()));
        assert_eq!(k("https://smdp.example.com", &d), Err("Scheme"));
        assert_eq!(k("smdp.example.com/x", &d), Err("Path"));
        assert_eq!(k("[::1]:443", &lab), Err("Ipv6Literal"));
        assert_eq!(k("fe80::1", &lab), Err("Ipv6Literal"));
        assert_eq!(k("192.168.1.10", &d), Err("Ipv4Literal"));
        assert_eq!(k("192.168.1.10:8443", &lab), Err("Ipv4Literal"));
        assert_eq!(k("a.com:0", &lab), Err("InvalidPort"));
        assert_eq!(k("a.com:65536", &lab), Err("InvalidPort"));
        assert_eq!(k("a.com:", &lab), Err("InvalidPort"));
        assert_eq!(k("a.com:65535", &lab), Ok(()));
        assert_eq!(k("localhost", &d), Err("SingleLabel"));
        assert_eq!(k("localhost:8443", &lab), Ok(()));
        assert_eq!(k("a..com", &d), Err("EmptyLabel"));
        assert_eq!(k(".a.com", &d), Err("EmptyLabel"));
        assert_eq!(k("a.com.", &d), Err("TrailingDot"));
        assert_eq!(k(".", &d), Err("EmptyLabel"));
        assert_eq!(k("-a.com", &d), Err("HyphenAtLabelEdge"));
        assert_eq!(k("a.123", &d), Err("NumericTld"));
        assert_eq!(k("a_b.com", &d), Err("InvalidCharacter"));
        assert_eq!(k("a.com", &ParseOptions::strict()), Err("LowerCase"));
        let long_label = format!("{}.com", "A".repeat(64));
        assert_eq!(k(&long_label, &d), Err("LabelTooLong"));
        let long = vec!["ABCDEFGHIJ"; 24].join(".");
        assert_eq!(k(&long, &d), Err("TooLong"));
    }

    #[test]
    fn oid_rules() {
        let k = |o: &str, s: bool| validate_smdp_oid(o, s).map_err(|e| e.kind());
        assert_eq!(k("2.999.10", true), Ok(()));
        assert_eq!(k("1.3.6.1.4.1.31746", true), Ok(()));
        assert_eq!(k("1.3.06", false), Ok(()));
        assert_eq!(k("1.3.06", true), Err("LeadingZero"));
        assert_eq!(k("1", false), Err("TooFewArcs"));
        assert_eq!(k("3.1", false), Err("FirstArcOutOfRange"));
        assert_eq!(k("1.40", false), Err("SecondArcOutOfRange"));
        assert_eq!(
            k("1.99999999999999999999999", false),
            Err("SecondArcOutOfRange")
        );
        assert_eq!(k("1..3", false), Err("EmptyArc"));
        assert_eq!(k("1.3.x", false), Err("InvalidCharacter"));
    }

    #[test]
    fn lengths() {
        let ok = format!("1$A.COM${}", "A".repeat(MAX_LEN - 8));
        assert_eq!(ok.len(), MAX_LEN);
        assert!(ActivationCode::parse(&ok, &def()).is_ok());
        assert!(ActivationCode::parse(&format!("  LPA:{ok}\n"), &def()).is_ok());
        let too_long = format!("{ok}A");
        assert_eq!(
            ActivationCode::parse(&too_long, &def()),
            Err(ActivationCodeError::TooLong { len: 256, max: 255 })
        );
        let huge = "$".repeat(1 << 20);
        assert_eq!(
            ActivationCode::parse(&huge, &def()).map_err(|e| e.kind()),
            Err("TooLong")
        );
        assert!(lint(&huge).is_empty());
    }

    fn address_strategy() -> impl Strategy<Value = String> {
        (
            prop::collection::vec("[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?", 1..4),
            "[A-Za-z][A-Za-z0-9]{0,5}",
        )
            .prop_map(|(mut labels, tld)| {
                labels.push(tld);
                labels.join(".")
            })
    }

    fn oid_strategy() -> impl Strategy<Value = String> {
        (
            "[01]\\.([0-9]|[1-3][0-9])|2\\.[0-9]{1,3}",
            "(\\.[0-9]{1,6}){0,5}",
        )
            .prop_map(|(a, b)| format!("{a}{b}"))
    }

    prop_compose! {
        fn valid_code()(
            smdp_address in address_strategy(),
            matching_id in "[\\x21-\\x23\\x25-\\x7e]{0,40}",
            smdp_oid in prop::option::of(oid_strategy()),
            ccr in any::<bool>(),
            extra_fields in prop::collection::vec("[\\x21-\\x23\\x25-\\x7e]{0,8}", 0..3),
        ) -> ActivationCode {
            ActivationCode {
                format: AcFormat::V1,
                smdp_address,
                matching_id,
                smdp_oid,
                confirmation_code_required: ccr,
                extra_fields,
            }
        }
    }

    /// Strings near the grammar, to exercise the strict/lint invariant.
    fn near_grammar() -> impl Strategy<Value = String> {
        let upper = || address_strategy().prop_map(|a| a.to_ascii_uppercase());
        (
            (
                prop::sample::select(vec!["", "LPA:", "LPA:", "lpa:", " LPA:", "LPA: "]),
                prop::sample::select(vec!["1", "1", "1", " 1", "", "2"]),
                prop_oneof![
                    4 => upper(),
                    1 => address_strategy(),
                    1 => upper().prop_map(|a| format!("{a}:8443")),
                    1 => prop::sample::select(vec!["A..B", " SMDP.GSMA.COM", "1.2.3.4", "X"])
                        .prop_map(str::to_string),
                ],
                "[A-Z0-9-]{0,8}|[a-zA-Z0-9 /_.-]{0,6}",
            ),
            (
                prop_oneof![
                    2 => Just(String::new()),
                    2 => oid_strategy(),
                    1 => prop::sample::select(vec!["1.03.6", "1.x", "1", " 2.999.10"])
                        .prop_map(str::to_string),
                ],
                prop::sample::select(vec!["", "1", "1", "0", " 1"]),
                prop::collection::vec("[A-Z]{0,2}", 0..2),
                3usize..=7,
                prop::sample::select(vec!["", "", "\n", " "]),
            ),
        )
            .prop_map(|((prefix, fmt, addr, mid), (oid, ccr, extras, n, trail))| {
                let mut fields = vec![fmt.to_string(), addr, mid, oid, ccr.to_string()];
                fields.extend(extras);
                fields.truncate(n);
                format!("{prefix}{}{trail}", fields.join("$"))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn round_trip(ac in valid_code()) {
            let text = ac.to_string();
            prop_assume!(text.len() <= MAX_LEN);
            prop_assert_eq!(ActivationCode::parse(&text, &def()), Ok(ac.clone()));
            prop_assert_eq!(ActivationCode::parse(&ac.to_qr_payload(), &def()), Ok(ac.clone()));
            let n = ac.matching_id.chars().count();
            let mask = format!("<redacted:{n}>");
            let dbg = format!("{:?}", ac);
            prop_assert!(dbg.contains(&mask));
            if n > 0 {
                let head = format!("1${}$", ac.smdp_address);
                prop_assert_eq!(
                    ac.redacted(),
                    text.replacen(&format!("{head}{}", ac.matching_id), &format!("{head}{mask}"), 1)
                );
            }
        }

        #[test]
        fn strict_iff_default_and_lint_clean(s in near_grammar()) {
            let strict = ActivationCode::parse(&s, &ParseOptions::strict());
            let default = ActivationCode::parse(&s, &def());
            let findings = lint(&s);
            prop_assert_eq!(
                strict.is_ok(),
                default.is_ok() && findings.is_empty(),
                "input {:?}: strict {:?}, default {:?}, lint {:?}", s, strict, default, findings
            );
            if let Ok(ac) = strict {
                prop_assert_eq!(ac.to_string(), s.strip_prefix("LPA:").unwrap_or(&s));
            }
        }

        #[test]
        fn never_panics(s in "\\PC*|.*", b in prop::collection::vec(any::<u8>(), 0..300)) {
            for o in [def(), ParseOptions::strict(), ParseOptions::lab()] {
                let _ = ActivationCode::parse(&s, &o);
                let _ = ActivationCode::parse_qr(&s, &o);
            }
            let _ = lint(&s);
            let _ = redact(&s);
            let lossy = String::from_utf8_lossy(&b);
            let _ = ActivationCode::parse(&lossy, &def());
            let _ = lint(&lossy);
        }
    }
}
