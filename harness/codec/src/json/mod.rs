//! JSON side of ES9+, ES11, ES12 and ES2+ (SGP.22 digest §2).
//!
//! * [`function`]: which function lives at which path.
//! * [`header`]: request/response headers and status code data.
//! * [`types`]: base64/hex binary fields, EID/ICCID digit strings, [`Secret`] strings
//!   (matching IDs, event IDs, confirmation codes: redacted by `Debug`).
//! * [`es9`], [`es11`], [`es12`], [`es2`]: request/response bodies with the exact JSON names.
//! * [`parse`]: [`parse_body`], which classifies every failure into a [`JsonBodyError`] that
//!   knows the SGP.22 status to answer with.
//!
//! Unknown keys are tolerated on input and kept in each object's `extra` map (re-emitted on
//! output), so a server or test can report them. `extra` must not repeat a known key.
//!
//! HTTP conventions (digest §2.1): `POST`, `Content-Type: application/json`,
//! `X-Admin-Protocol: gsma/rsp/v2.x.y`, `User-Agent: gsma-rsp-lpad`; errors come back with HTTP
//! 200 and status `Failed`; HandleNotification and HandleDownloadProgressInfo answer 204.

pub mod es11;
pub mod es12;
pub mod es2;
pub mod es9;
pub mod function;
pub mod header;
pub mod parse;
pub mod types;

pub use es11::{
    AddressKey, Es11AuthenticateClientRequest, Es11AuthenticateClientResponse,
    Es11InitiateAuthenticationRequest, Es11InitiateAuthenticationResponse, EventEntry,
};
pub use es12::{
    DeleteEventRequest, DeleteEventResponse, RegisterEventRequest, RegisterEventResponse,
};
pub use es2::{
    CancelOrderRequest, CancelOrderResponse, ConfirmOrderRequest, ConfirmOrderResponse,
    DownloadOrderRequest, DownloadOrderResponse, HandleDownloadProgressInfoRequest,
    ReleaseProfileRequest, ReleaseProfileResponse, FINAL_PROFILE_STATUS_AVAILABLE,
    FINAL_PROFILE_STATUS_UNAVAILABLE,
};
pub use es9::{
    AuthenticateClientRequest, AuthenticateClientResponse, CancelSessionRequest,
    CancelSessionResponse, GetBoundProfilePackageRequest, GetBoundProfilePackageResponse,
    HandleNotificationRequest, HeaderOnlyResponse, InitiateAuthenticationRequest,
    InitiateAuthenticationResponse,
};
pub use function::{Es11Function, Es12Function, Es2Function, Es9Function, Interface, RspFunction};
pub use header::{
    ExecutionStatus, Extra, FunctionExecutionStatus, RequestHeader, ResponseHeader, StatusCodeData,
};
pub use parse::{
    parse_body, parse_body_with_limit, JsonBodyError, BPP_BODY_LIMIT, DEFAULT_BODY_LIMIT,
    MAX_NESTING_DEPTH, REDACTED_REASON,
};
pub use types::{
    Base64Bytes, DigitsError, Eid32, HexBytes, IccidDigits, NotificationPointId, Secret,
    TransactionIdError, TransactionIdHex, SECRET_JSON_KEYS,
};

/// HTTP method of every function.
pub const HTTP_METHOD: &str = "POST";

/// `X-Admin-Protocol` header name.
pub const HEADER_X_ADMIN_PROTOCOL: &str = "X-Admin-Protocol";
/// `Content-Type` header name.
pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
/// `User-Agent` header name.
pub const HEADER_USER_AGENT: &str = "User-Agent";

/// The `X-Admin-Protocol` value we send.
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";
/// Prefix a peer's `X-Admin-Protocol` must start with (SGP.22 v2).
pub const ADMIN_PROTOCOL_V2_PREFIX: &str = "gsma/rsp/v2.";
/// The `User-Agent` LPAs send.
pub const USER_AGENT_LPAD: &str = "gsma-rsp-lpad";

/// Content type we send on requests.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Content type we send on responses (as osmo-smdpp does).
pub const CONTENT_TYPE_JSON_UTF8: &str = "application/json;charset=UTF-8";

/// Path of the ASN.1 binding (digest §2.1).
pub const ASN1_BINDING_PATH: &str = "/gsma/rsp2/asn1";
/// Content type of the ASN.1 binding.
pub const CONTENT_TYPE_ASN1: &str = "application/x-gsma-rsp-asn1";

/// Splits a media type into its lower-cased `type/subtype` and whether every parameter is
/// acceptable (`charset` must be UTF-8; other parameters are ignored).
fn media_type_is(value: &str, expected: &str) -> bool {
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(expected) {
        return false;
    }
    parts.all(|param| {
        let param = param.trim();
        if param.is_empty() {
            return true;
        }
        match param.split_once('=') {
            Some((name, v)) if name.trim().eq_ignore_ascii_case("charset") => {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
            }
            Some(_) => true,
            None => false,
        }
    })
}

/// Whether a `Content-Type` value is JSON: `application/json`, case-insensitive, optional
/// whitespace, optional `charset=UTF-8` (quoted or not); any other charset is refused.
pub fn is_json_content_type(value: &str) -> bool {
    media_type_is(value, CONTENT_TYPE_JSON)
}

/// Whether a `Content-Type` value is the ASN.1 binding's.
pub fn is_asn1_content_type(value: &str) -> bool {
    media_type_is(value, CONTENT_TYPE_ASN1)
}

/// Whether a peer's `X-Admin-Protocol` is an SGP.22 v2 one (`gsma/rsp/v2.`…; surrounding
/// whitespace ignored, otherwise exact).
pub fn is_supported_admin_protocol(value: &str) -> bool {
    value.trim().starts_with(ADMIN_PROTOCOL_V2_PREFIX)
}

/// Parses `gsma/rsp/vMAJOR.MINOR.REV` into its numbers (`None` if not of that form).
pub fn parse_admin_protocol(value: &str) -> Option<(u16, u16, u16)> {
    let v = value.trim().strip_prefix("gsma/rsp/v")?;
    let mut it = v.split('.');
    let mut num = || -> Option<u16> {
        let p = it.next()?;
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let r = (num()?, num()?, num()?);
    if it.next().is_some() {
        return None;
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for ok in [
            "application/json",
            "application/json;charset=UTF-8",
            "application/json; charset=utf-8",
            "Application/JSON ; Charset = \"UTF-8\"",
            "  application/json  ",
            "application/json;",
            "application/json; boundary=x",
        ] {
            assert!(is_json_content_type(ok), "{ok:?}");
        }
        for bad in [
            "",
            "text/json",
            "application/jsonp",
            "application/json;charset=ISO-8859-1",
            "application/json;charset",
            "application/x-gsma-rsp-asn1",
        ] {
            assert!(!is_json_content_type(bad), "{bad:?}");
        }
        assert!(is_asn1_content_type(CONTENT_TYPE_ASN1));
        assert!(!is_asn1_content_type(CONTENT_TYPE_JSON));
    }

    #[test]
    fn admin_protocol() {
        assert!(is_supported_admin_protocol(ADMIN_PROTOCOL));
        assert!(is_supported_admin_protocol("gsma/rsp/v2.1.0"));
        assert!(is_supported_admin_protocol("gsma/rsp/v2.2.2"));
        assert!(!is_supported_admin_protocol("gsma/rsp/v3.0.0"));
        assert!(!is_supported_admin_protocol("gsma/rsp/v20.0.0"));
        assert!(!is_supported_admin_protocol(""));
        assert_eq!(parse_admin_protocol("gsma/rsp/v2.2.2"), Some((2, 2, 2)));
        assert_eq!(parse_admin_protocol("gsma/rsp/v2.2"), None);
        assert_eq!(parse_admin_protocol("gsma/rsp/v2.2.2.1"), None);
        assert_eq!(parse_admin_protocol("gsma/rsp/v2.x.2"), None);
    }
}
