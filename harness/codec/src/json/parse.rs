//! Classified parsing of JSON bodies: every failure maps to a [`JsonBodyError`] variant that
//! names the field path and to the SGP.22 status a server should answer with.
//!
//! Status mapping (see [`crate::status`] for the rationale):
//!
//! | Error | Status |
//! |---|---|
//! | `TooLarge`, `NotUtf8`, `Syntax`, `TooDeep`, `NotAnObject` | 1.2.1 / 2.1 `InvalidRequest` |
//! | `MissingField` | 1.3.1 / 2.2 `MandatoryParameterMissing` |
//! | `InvalidBase64`, `InvalidHex`, `InvalidValue` | 1.3.1 / 2.1 `InvalidParameter` (unconfirmed) |
//!
//! A server that prefers to treat a malformed `transactionId` as unknown (8.10.1/3.9) can
//! check [`JsonBodyError::path`] itself.
//!
//! Errors never echo a secret ([`Secret`](super::types::Secret) fields, see
//! [`SECRET_JSON_KEYS`]): [`Secret`](super::types::Secret)'s deserialiser names only the JSON
//! type of a wrong value, and any message that would quote a value found under a secret key or
//! under `eventEntries` (e.g. an event entry given as a bare string) is replaced by
//! [`REDACTED_REASON`].

use std::fmt;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::error::Category;

use super::header::ResponseHeader;
use super::types::{INVALID_BASE64, INVALID_HEX, SECRET_JSON_KEYS};
use crate::status::KnownStatus;

/// Default bound on a body, checked before parsing (1 MiB). Enough for every request and for
/// every response except large bound profile packages.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
/// Bound suggested for GetBoundProfilePackage responses received by an LPA (8 MiB).
pub const BPP_BODY_LIMIT: usize = 8 << 20;
/// serde_json's nesting limit; deeper bodies are [`JsonBodyError::TooDeep`].
pub const MAX_NESTING_DEPTH: usize = 128;
/// Longest detail text kept in an error (longer ones, e.g. echoing a huge string, are cut).
pub const MAX_DETAIL_LEN: usize = 200;
/// Longest path segment kept in an error.
const MAX_KEY_LEN: usize = 64;
/// Reason given instead of a serde message that would quote a secret value.
pub const REDACTED_REASON: &str = "invalid value (not shown: the field holds a secret)";
/// Keys under which any quoted value may be a secret (besides [`SECRET_JSON_KEYS`]).
const SECRET_CONTAINER_KEYS: &[&str] = &["eventEntries"];

/// Why a JSON body was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonBodyError {
    /// Body larger than the limit (checked before parsing).
    TooLarge { size: usize, limit: usize },
    /// Body is not UTF-8; `valid_up_to` is the offset of the first bad byte.
    NotUtf8 { valid_up_to: usize },
    /// Not well-formed JSON (includes truncated bodies and trailing garbage).
    Syntax {
        line: usize,
        column: usize,
        detail: String,
    },
    /// Nested deeper than [`MAX_NESTING_DEPTH`].
    TooDeep { line: usize, column: usize },
    /// Well-formed JSON, but not an object at top level; `found` is "array", "string", …
    NotAnObject { found: &'static str },
    /// A mandatory field is absent (or `null`); `path` ends with the field name.
    MissingField { path: String },
    /// A base64 field does not decode.
    InvalidBase64 { path: String, detail: String },
    /// A hex field does not decode.
    InvalidHex { path: String, detail: String },
    /// Wrong type, bad length, bad digits, unknown enum value, duplicate key…
    InvalidValue { path: String, reason: String },
}

fn show_path(path: &str) -> &str {
    if path.is_empty() {
        "(body)"
    } else {
        path
    }
}

impl fmt::Display for JsonBodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonBodyError::TooLarge { size, limit } => {
                write!(f, "body of {size} bytes exceeds the limit of {limit} bytes")
            }
            JsonBodyError::NotUtf8 { valid_up_to } => {
                write!(
                    f,
                    "body is not valid UTF-8 (bad byte at offset {valid_up_to})"
                )
            }
            JsonBodyError::Syntax {
                line,
                column,
                detail,
            } => write!(f, "malformed JSON at line {line} column {column}: {detail}"),
            JsonBodyError::TooDeep { line, column } => write!(
                f,
                "JSON nested deeper than {MAX_NESTING_DEPTH} levels at line {line} column {column}"
            ),
            JsonBodyError::NotAnObject { found } => {
                write!(f, "body is a JSON {found}, expected an object")
            }
            JsonBodyError::MissingField { path } => {
                write!(f, "{}: mandatory field missing", show_path(path))
            }
            JsonBodyError::InvalidBase64 { path, detail }
            | JsonBodyError::InvalidHex { path, detail } => {
                write!(f, "{}: {detail}", show_path(path))
            }
            JsonBodyError::InvalidValue { path, reason } => {
                write!(f, "{}: {reason}", show_path(path))
            }
        }
    }
}

impl JsonBodyError {
    /// The SGP.22 status a server should answer with.
    pub fn status(&self) -> KnownStatus {
        match self {
            JsonBodyError::TooLarge { .. }
            | JsonBodyError::NotUtf8 { .. }
            | JsonBodyError::Syntax { .. }
            | JsonBodyError::TooDeep { .. }
            | JsonBodyError::NotAnObject { .. } => KnownStatus::InvalidRequest,
            JsonBodyError::MissingField { .. } => KnownStatus::MandatoryParameterMissing,
            JsonBodyError::InvalidBase64 { .. }
            | JsonBodyError::InvalidHex { .. }
            | JsonBodyError::InvalidValue { .. } => KnownStatus::InvalidParameter,
        }
    }

    /// Field path (`header.functionExecutionStatus.status`, `eventEntries[2].eventId`) for
    /// field-level errors; `""` means the body itself.
    pub fn path(&self) -> Option<&str> {
        match self {
            JsonBodyError::MissingField { path }
            | JsonBodyError::InvalidBase64 { path, .. }
            | JsonBodyError::InvalidHex { path, .. }
            | JsonBodyError::InvalidValue { path, .. } => Some(path),
            _ => None,
        }
    }

    /// A `Failed` response header carrying [`status`](Self::status) and this error as message.
    pub fn response_header(&self) -> ResponseHeader {
        ResponseHeader::failed(self.status()).with_message(self.to_string())
    }
}

/// Parses a JSON object body into `T`, bounded by [`DEFAULT_BODY_LIMIT`].
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonBodyError> {
    parse_body_with_limit(body, DEFAULT_BODY_LIMIT)
}

/// Parses a JSON object body into `T`, rejecting bodies longer than `limit` bytes unread.
pub fn parse_body_with_limit<T: DeserializeOwned>(
    body: &[u8],
    limit: usize,
) -> Result<T, JsonBodyError> {
    if body.len() > limit {
        return Err(JsonBodyError::TooLarge {
            size: body.len(),
            limit,
        });
    }
    let text = std::str::from_utf8(body).map_err(|e| JsonBodyError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .bytes()
        .next();
    if first != Some(b'{') {
        // Report a syntax error first; only well-formed non-objects are NotAnObject.
        return Err(match serde_json::from_str::<IgnoredAny>(text) {
            Err(e) => syntax_error(&e),
            Ok(_) => JsonBodyError::NotAnObject {
                found: kind_of(first),
            },
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => {
            de.end().map_err(|e| syntax_error(&e))?;
            Ok(value)
        }
        Err(e) => {
            let classified = classify(e);
            if classified.path().is_some() {
                // serde stops at the first type error; if the body is not well-formed JSON
                // further on, that is the more fundamental problem.
                if let Err(syntax) = serde_json::from_str::<IgnoredAny>(text) {
                    return Err(syntax_error(&syntax));
                }
            }
            Err(classified)
        }
    }
}

fn kind_of(first: Option<u8>) -> &'static str {
    match first {
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(m) => m.to_owned(),
        None => full,
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_DETAIL_LEN {
        let mut cut = MAX_DETAIL_LEN;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn syntax_error(e: &serde_json::Error) -> JsonBodyError {
    let detail = bare_message(e);
    if detail.starts_with("recursion limit exceeded") {
        JsonBodyError::TooDeep {
            line: e.line(),
            column: e.column(),
        }
    } else {
        JsonBodyError::Syntax {
            line: e.line(),
            column: e.column(),
            detail: truncate(detail),
        }
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    if key.len() > MAX_KEY_LEN {
        let mut cut = MAX_KEY_LEN;
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        path.push_str(&key[..cut]);
        path.push('…');
    } else {
        path.push_str(key);
    }
}

fn format_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
            Segment::Map { key } => push_key(&mut out, key),
            Segment::Enum { variant } => push_key(&mut out, variant),
            Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    out
}

fn quoted_name<'a>(msg: &'a str, prefix: &str) -> Option<&'a str> {
    msg.strip_prefix(prefix)?.strip_suffix('`')
}

/// Whether a value found at `path` may be, or contain, a secret.
fn in_secret_context(path: &serde_path_to_error::Path) -> bool {
    path.iter().any(|seg| match seg {
        serde_path_to_error::Segment::Map { key } => {
            SECRET_JSON_KEYS.contains(&key.as_str())
                || SECRET_CONTAINER_KEYS.contains(&key.as_str())
        }
        _ => false,
    })
}

/// serde quotes offending values between backticks (`integer `5``) or double quotes
/// (`string "abc"`); under a secret key such a message is replaced.
fn redact_if_quoting(msg: String, secret: bool) -> String {
    if secret && (msg.contains('`') || msg.contains('"')) {
        REDACTED_REASON.to_owned()
    } else {
        truncate(msg)
    }
}

fn classify(err: serde_path_to_error::Error<serde_json::Error>) -> JsonBodyError {
    let secret = in_secret_context(err.path());
    let mut path = format_path(err.path());
    let inner = err.into_inner();
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => syntax_error(&inner),
        Category::Data => {
            let msg = bare_message(&inner);
            if let Some(field) = quoted_name(&msg, "missing field `") {
                push_key(&mut path, field);
                JsonBodyError::MissingField { path }
            } else if msg.starts_with("invalid type: null") {
                // `"field": null` for a mandatory field counts as absent.
                JsonBodyError::MissingField { path }
            } else if let Some(field) = quoted_name(&msg, "duplicate field `") {
                push_key(&mut path, field);
                JsonBodyError::InvalidValue {
                    path,
                    reason: "duplicate field".to_owned(),
                }
            } else if msg.starts_with(INVALID_BASE64) {
                JsonBodyError::InvalidBase64 {
                    path,
                    detail: redact_if_quoting(msg, secret),
                }
            } else if msg.starts_with(INVALID_HEX) {
                JsonBodyError::InvalidHex {
                    path,
                    detail: redact_if_quoting(msg, secret),
                }
            } else {
                JsonBodyError::InvalidValue {
                    path,
                    reason: redact_if_quoting(msg, secret),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::AuthenticateClientRequest;

    fn err(body: &str) -> JsonBodyError {
        parse_body::<AuthenticateClientRequest>(body.as_bytes()).unwrap_err()
    }

    /// Found by the json_body fuzz target: without serde_json's exact float parsing a number in
    /// an unknown field drifted on the way through (…222.222 → …222.22 → another f64).
    #[test]
    fn unknown_numbers_survive_a_round_trip() {
        use crate::json::InitiateAuthenticationResponse;
        let body = br#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},
            "vendorField":222222222222222.222}"#;
        let v: InitiateAuthenticationResponse = parse_body(body).unwrap();
        let again = serde_json::to_vec(&v).unwrap();
        assert_eq!(
            parse_body::<InitiateAuthenticationResponse>(&again).unwrap(),
            v
        );
    }

    #[test]
    fn display_names_the_path() {
        let e =
            err(r#"{"transactionId":"00","authenticateServerResponse":"vzgAAAAAAAAAAAAA!AAA"}"#);
        assert_eq!(
            e.to_string(),
            "authenticateServerResponse: invalid base64 at character 16 ('!')"
        );
        let e = err(r#"{"authenticateServerResponse":"AA=="}"#);
        assert_eq!(e.to_string(), "transactionId: mandatory field missing");
        let e =
            err(r#"{"transactionId":"00","transactionId":"01","authenticateServerResponse":""}"#);
        assert_eq!(e.to_string(), "transactionId: duplicate field");
        let e = err(
            r#"{"header":{"functionRequesterIdentifier":"a"},"transactionId":"00","authenticateServerResponse":""}"#,
        );
        assert_eq!(
            e.to_string(),
            "header.functionCallIdentifier: mandatory field missing"
        );
    }

    #[test]
    fn long_details_are_cut() {
        let body = format!(
            r#"{{"header":"{}","transactionId":"00","authenticateServerResponse":""}}"#,
            "a".repeat(5000)
        );
        let e = err(&body);
        assert!(e.to_string().len() < 300, "{e}");
    }
}
