//! The ES9+ ASN.1 binding (digest §2.1): `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1`, a DER `RemoteProfileProvisioningRequest` (`A2`)
//! in and a `RemoteProfileProvisioningResponse` (`A2`) out.
//!
//! Each request is translated to its JSON twin and run through the same [`Smdp::handle`], so both
//! bindings share every check; the eUICC-signed parts travel as the exact received bytes. The
//! JSON answer is translated back: success into the `…Ok` alternative, a `Failed` status into the
//! INTEGER error alternative of that function's response CHOICE (mapping below; a status with no
//! counterpart becomes `undefinedError` 127). HandleNotification has no response: HTTP 204.
//!
//! A body that is not an `A2` holding one of the five requests, or whose fields are not where the
//! schema puts them, gets HTTP 400 with a text naming the problem: the binding has no error
//! alternative for an undecodable request (unconfirmed what SGP.22 prescribes there).

use rsp_codec::json::{
    AuthenticateClientResponse, Base64Bytes, Es9Function, GetBoundProfilePackageResponse,
    InitiateAuthenticationResponse,
};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use serde_json::json;

use crate::es9::{Es9Answer, Smdp, MAX_BODY};
use crate::orders::OrderStore;

/// Path of the ASN.1 binding.
pub const ASN1_PATH: &str = "/gsma/rsp2/asn1";
/// Content-Type of both directions.
pub const ASN1_CONTENT_TYPE: &str = "application/x-gsma-rsp-asn1";

const TAG_WRAPPER: Tag = Tag::of(0xA2);
const TAG_INITIATE_AUTHENTICATION: Tag = Tag::of(0xBF39);
const TAG_AUTHENTICATE_CLIENT: Tag = Tag::of(0xBF3B);
const TAG_GET_BPP: Tag = Tag::of(0xBF3A);
const TAG_CANCEL_SESSION: Tag = Tag::of(0xBF41);
const TAG_HANDLE_NOTIFICATION: Tag = Tag::of(0xBF3D);

/// What the ASN.1 binding answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asn1Answer {
    /// HTTP 200 with a DER `RemoteProfileProvisioningResponse`.
    Response(Vec<u8>),
    /// HTTP 204 (HandleNotification).
    NoContent,
    /// HTTP 400: the body is not a request this binding can decode.
    BadRequest(String),
}

/// Why a body is not a usable `RemoteProfileProvisioningRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Asn1RequestError {
    #[error("request body of {0} bytes exceeds the {MAX_BODY}-byte limit")]
    TooLarge(usize),
    #[error("RemoteProfileProvisioningRequest: {0}")]
    Tlv(String),
    #[error("RemoteProfileProvisioningRequest: tag {0:X?} where A2 is expected")]
    NotA2(Vec<u8>),
    #[error("RemoteProfileProvisioningRequest: A2 must hold exactly one request, found {0}")]
    Alternatives(usize),
    #[error("RemoteProfileProvisioningRequest: unknown alternative {0:X?}")]
    UnknownAlternative(Vec<u8>),
    #[error("{function}: missing or misplaced {field}")]
    Field {
        function: &'static str,
        field: &'static str,
    },
    #[error("{function}.{field}: {problem}")]
    Value {
        function: &'static str,
        field: &'static str,
        problem: String,
    },
}

/// The request decoded into the function and its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRequest {
    pub function: Es9Function,
    pub json_body: Vec<u8>,
}

fn field<'a>(
    parent: &'a Tlv,
    tag: u32,
    function: &'static str,
    name: &'static str,
) -> Result<&'a Tlv, Asn1RequestError> {
    parent.child(Tag::of(tag)).ok_or(Asn1RequestError::Field {
        function,
        field: name,
    })
}

fn content<'a>(
    parent: &'a Tlv,
    tag: u32,
    function: &'static str,
    name: &'static str,
) -> Result<&'a [u8], Asn1RequestError> {
    field(parent, tag, function, name)?
        .content()
        .ok_or(Asn1RequestError::Field {
            function,
            field: name,
        })
}

fn b64(bytes: impl Into<Vec<u8>>) -> Base64Bytes {
    Base64Bytes::new(bytes)
}

/// Decodes a `RemoteProfileProvisioningRequest` into the ES9+ function and its JSON request.
pub fn decode_request(body: &[u8]) -> Result<DecodedRequest, Asn1RequestError> {
    if body.len() > MAX_BODY {
        return Err(Asn1RequestError::TooLarge(body.len()));
    }
    let outer = Tlv::parse(body).map_err(|e| Asn1RequestError::Tlv(e.to_string()))?;
    if outer.tag() != TAG_WRAPPER {
        return Err(Asn1RequestError::NotA2(outer.tag().to_bytes()));
    }
    let [inner] = outer.children() else {
        return Err(Asn1RequestError::Alternatives(outer.children().len()));
    };
    let tag = inner.tag();
    let (function, value) = if tag == TAG_INITIATE_AUTHENTICATION {
        const F: &str = "InitiateAuthenticationRequest";
        let address = content(inner, 0x83, F, "smdpAddress")?;
        let address = std::str::from_utf8(address).map_err(|e| Asn1RequestError::Value {
            function: F,
            field: "smdpAddress",
            problem: format!("not UTF-8: {e}"),
        })?;
        (
            Es9Function::InitiateAuthentication,
            json!({
                "euiccChallenge": b64(content(inner, 0x81, F, "euiccChallenge")?),
                "smdpAddress": address,
                "euiccInfo1": b64(field(inner, 0xBF20, F, "euiccInfo1")?.encode()),
            }),
        )
    } else if tag == TAG_AUTHENTICATE_CLIENT {
        const F: &str = "AuthenticateClientRequest";
        (
            Es9Function::AuthenticateClient,
            json!({
                "transactionId": hex::encode_upper(content(inner, 0x80, F, "transactionId")?),
                "authenticateServerResponse":
                    b64(field(inner, 0xBF38, F, "authenticateServerResponse")?.encode()),
            }),
        )
    } else if tag == TAG_GET_BPP {
        const F: &str = "GetBoundProfilePackageRequest";
        (
            Es9Function::GetBoundProfilePackage,
            json!({
                "transactionId": hex::encode_upper(content(inner, 0x80, F, "transactionId")?),
                "prepareDownloadResponse":
                    b64(field(inner, 0xBF21, F, "prepareDownloadResponse")?.encode()),
            }),
        )
    } else if tag == TAG_CANCEL_SESSION {
        const F: &str = "CancelSessionRequestEs9";
        // cancelSessionResponse is implicitly [1] here; the JSON binding carries the eUICC's
        // own BF41, so the alternatives are re-wrapped (the signed part is untouched).
        let wrapped = field(inner, 0xA1, F, "cancelSessionResponse")?;
        let response = Tlv::constructed(TAG_CANCEL_SESSION, wrapped.children().to_vec());
        (
            Es9Function::CancelSession,
            json!({
                "transactionId": hex::encode_upper(content(inner, 0x80, F, "transactionId")?),
                "cancelSessionResponse": b64(response.encode()),
            }),
        )
    } else if tag == TAG_HANDLE_NOTIFICATION {
        const F: &str = "HandleNotification";
        let wrapper = field(inner, 0xA0, F, "pendingNotification")?;
        let [notification] = wrapper.children() else {
            return Err(Asn1RequestError::Value {
                function: F,
                field: "pendingNotification",
                problem: format!(
                    "one notification expected, found {}",
                    wrapper.children().len()
                ),
            });
        };
        (
            Es9Function::HandleNotification,
            json!({ "pendingNotification": b64(notification.encode()) }),
        )
    } else {
        return Err(Asn1RequestError::UnknownAlternative(tag.to_bytes()));
    };
    Ok(DecodedRequest {
        function,
        json_body: serde_json::to_vec(&value).unwrap_or_default(),
    })
}

/// The INTEGER error of `function`'s response CHOICE for an SGP.22 status (digest §2.3 and the
/// error enumerations of the ASN.1 module).
pub fn error_code(function: Es9Function, status: KnownStatus) -> i64 {
    use KnownStatus as K;
    match function {
        Es9Function::InitiateAuthentication => match status {
            K::InvalidSmdpAddress => 1,
            K::SvnNotSupported => 2,
            // ciPKNotSupported covers both "no CI for signing" and "no DPauth for the CIs".
            K::CiPkIdNotSupported | K::NoDpAuthCertificateForCi => 3,
            _ => 127,
        },
        Es9Function::AuthenticateClient => match status {
            K::EumCertificateInvalid => 1,
            K::EumCertificateExpired => 2,
            K::EuiccCertificateInvalid => 3,
            K::EuiccCertificateExpired => 4,
            K::EuiccSignatureInvalid => 5,
            K::MatchingIdRefused => 6,
            K::EidMismatch => 7,
            K::NoEligibleProfile => 8,
            K::CiPkIdUnknown => 9,
            K::TransactionIdUnknown => 10,
            K::InsufficientMemory => 11,
            _ => 127,
        },
        Es9Function::GetBoundProfilePackage => match status {
            K::EuiccSignatureInvalid => 1,
            K::ConfirmationCodeMissing => 2,
            K::ConfirmationCodeRefused => 3,
            K::ConfirmationCodeRetriesExceeded => 4,
            K::BppNotAvailable => 5,
            K::DownloadOrderExpired => 6,
            K::TransactionIdUnknown => 95,
            _ => 127,
        },
        Es9Function::CancelSession => match status {
            K::TransactionIdUnknown => 1,
            K::EuiccSignatureInvalid => 2,
            _ => 127,
        },
        Es9Function::HandleNotification => 127,
    }
}

fn response_tag(function: Es9Function) -> Tag {
    match function {
        Es9Function::InitiateAuthentication => TAG_INITIATE_AUTHENTICATION,
        Es9Function::AuthenticateClient => TAG_AUTHENTICATE_CLIENT,
        Es9Function::GetBoundProfilePackage => TAG_GET_BPP,
        Es9Function::CancelSession => TAG_CANCEL_SESSION,
        Es9Function::HandleNotification => TAG_HANDLE_NOTIFICATION,
    }
}

fn integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    // Minimal two's complement: drop leading bytes that only repeat the sign.
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xFF && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    bytes[start..].to_vec()
}

fn wrap(function: Es9Function, alternative: Tlv) -> Vec<u8> {
    Tlv::constructed(
        TAG_WRAPPER,
        vec![Tlv::constructed(response_tag(function), vec![alternative])],
    )
    .encode()
}

fn error_response(function: Es9Function, status: KnownStatus) -> Vec<u8> {
    wrap(
        function,
        Tlv::primitive(Tag::of(0x81), integer(error_code(function, status))),
    )
}

/// Parses a TLV the JSON answer carried; our own handler produced it, so a failure is a bug
/// reported as undefinedError rather than a panic.
fn tlv(b: Option<&Base64Bytes>) -> Option<Tlv> {
    Tlv::parse(b?.as_bytes()).ok()
}

fn ok_alternative(function: Es9Function, json_answer: &[u8]) -> Option<Tlv> {
    let tx = |t: Option<&rsp_codec::json::TransactionIdHex>| {
        t.map(|t| Tlv::primitive(Tag::of(0x80), t.as_bytes().to_vec()))
    };
    let children = match function {
        Es9Function::InitiateAuthentication => {
            let r: InitiateAuthenticationResponse = serde_json::from_slice(json_answer).ok()?;
            vec![
                tx(r.transaction_id.as_ref())?,
                tlv(r.server_signed1.as_ref())?,
                tlv(r.server_signature1.as_ref())?,
                tlv(r.euicc_ci_pkid_to_be_used.as_ref())?,
                tlv(r.server_certificate.as_ref())?,
            ]
        }
        Es9Function::AuthenticateClient => {
            let r: AuthenticateClientResponse = serde_json::from_slice(json_answer).ok()?;
            vec![
                tx(r.transaction_id.as_ref())?,
                tlv(r.profile_metadata.as_ref())?,
                tlv(r.smdp_signed2.as_ref())?,
                tlv(r.smdp_signature2.as_ref())?,
                tlv(r.smdp_certificate.as_ref())?,
            ]
        }
        Es9Function::GetBoundProfilePackage => {
            let r: GetBoundProfilePackageResponse = serde_json::from_slice(json_answer).ok()?;
            vec![
                tx(r.transaction_id.as_ref())?,
                tlv(r.bound_profile_package.as_ref())?,
            ]
        }
        // CancelSessionOk is an empty SEQUENCE.
        Es9Function::CancelSession => Vec::new(),
        Es9Function::HandleNotification => return None,
    };
    Some(Tlv::constructed(Tag::of(0xA0), children))
}

/// Translates the JSON binding's answer for `function` into the ASN.1 binding's.
pub fn encode_answer(function: Es9Function, answer: &Es9Answer) -> Asn1Answer {
    if answer.http_status == 204 || function == Es9Function::HandleNotification {
        return Asn1Answer::NoContent;
    }
    if let Some(status) = answer.failure() {
        return Asn1Answer::Response(error_response(function, status));
    }
    match ok_alternative(function, &answer.body) {
        Some(ok) => Asn1Answer::Response(wrap(function, ok)),
        None => Asn1Answer::Response(wrap(function, Tlv::primitive(Tag::of(0x81), integer(127)))),
    }
}

impl<S: OrderStore> Smdp<S> {
    /// Handles one ASN.1-binding request body.
    pub fn handle_asn1(&mut self, body: &[u8]) -> Asn1Answer {
        match decode_request(body) {
            Ok(request) => {
                let answer = self.handle(request.function, &request.json_body);
                encode_answer(request.function, &answer)
            }
            Err(e) => Asn1Answer::BadRequest(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0, &[0x00])]
    #[case(1, &[0x01])]
    #[case(127, &[0x7F])]
    #[case(128, &[0x00, 0x80])]
    #[case(-1, &[0xFF])]
    #[case(-129, &[0xFF, 0x7F])]
    fn integers_are_minimal(#[case] v: i64, #[case] expected: &[u8]) {
        assert_eq!(integer(v), expected);
    }

    #[rstest]
    #[case(&[], "RemoteProfileProvisioningRequest: ")]
    #[case(&[0x30, 0x00], "where A2 is expected")]
    #[case(&[0xA2, 0x00], "exactly one request, found 0")]
    #[case(&[0xA2, 0x03, 0xBF, 0x42, 0x00], "unknown alternative")]
    #[case(&[0xA2, 0x05, 0xBF, 0x3B, 0x02, 0x30, 0x00], "AuthenticateClientRequest: missing or misplaced transactionId")]
    #[case(&[0xA2, 0x08, 0xBF, 0x3D, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x00], "")]
    fn malformed_requests_are_named(#[case] body: &[u8], #[case] expected: &str) {
        match decode_request(body) {
            Err(e) => assert!(e.to_string().contains(expected), "{e}"),
            // A BF3D with one (wrong) notification decodes; the handler judges its content.
            Ok(r) => {
                assert_eq!(r.function, Es9Function::HandleNotification);
                assert!(expected.is_empty());
            }
        }
    }

    #[test]
    fn cancel_session_response_is_rewrapped_as_bf41() {
        let body = Tlv::constructed(
            TAG_WRAPPER,
            vec![Tlv::constructed(
                TAG_CANCEL_SESSION,
                vec![
                    Tlv::primitive(Tag::of(0x80), vec![0xAB; 16]),
                    Tlv::constructed(Tag::of(0xA1), vec![Tlv::primitive(Tag::of(0x81), vec![5])]),
                ],
            )],
        )
        .encode();
        let r = decode_request(&body).unwrap();
        assert_eq!(r.function, Es9Function::CancelSession);
        let v: serde_json::Value = serde_json::from_slice(&r.json_body).unwrap();
        assert_eq!(v["transactionId"], "AB".repeat(16));
        let inner = Base64Bytes::from_base64(v["cancelSessionResponse"].as_str().unwrap()).unwrap();
        assert_eq!(inner.as_bytes(), &[0xBF, 0x41, 0x03, 0x81, 0x01, 0x05]);
    }

    #[rstest]
    #[case(
        Es9Function::InitiateAuthentication,
        KnownStatus::InvalidSmdpAddress,
        "A206BF3903810101"
    )]
    #[case(
        Es9Function::AuthenticateClient,
        KnownStatus::TransactionIdUnknown,
        "A206BF3B0381010A"
    )]
    #[case(
        Es9Function::GetBoundProfilePackage,
        KnownStatus::TransactionIdUnknown,
        "A206BF3A0381015F"
    )]
    #[case(
        Es9Function::GetBoundProfilePackage,
        KnownStatus::ConfirmationCodeRefused,
        "A206BF3A03810103"
    )]
    #[case(
        Es9Function::CancelSession,
        KnownStatus::SmdpOidInvalid,
        "A206BF410381017F"
    )]
    fn failures_become_the_integer_alternative(
        #[case] function: Es9Function,
        #[case] status: KnownStatus,
        #[case] expected_hex: &str,
    ) {
        let answer = Es9Answer::failed(status, "x");
        assert_eq!(
            encode_answer(function, &answer),
            Asn1Answer::Response(hex::decode(expected_hex).unwrap())
        );
    }
}
