//! rspcheck's LPA over the ES9+ ASN.1 binding (digest §2.1): a [`RspServer`] that takes the
//! LPA's JSON requests, sends each as a DER `RemoteProfileProvisioningRequest` (`A2`) to
//! `/gsma/rsp2/asn1`, and turns the `RemoteProfileProvisioningResponse` back into the JSON the
//! LPA reads. A case with `binding = "asn1"` downloads this way; ES11 (SM-DS) stays JSON.
//!
//! The binding's error alternatives are INTEGERs per function; each is mapped back to the
//! SGP.22 status it stands for (the inverse of `rsp_smdp::asn1::error_code`). A code with no
//! JSON counterpart (undefinedError 127 and the like) is reported as status `0/<code>`.

use base64::Engine as _;
use rsp_codec::json::Es9Function;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_lpa::server::{RawReply, RspServer, ServerError};
use serde_json::{json, Value};

/// Path and Content-Type of the binding.
pub const ASN1_PATH: &str = "/gsma/rsp2/asn1";
pub const ASN1_CONTENT_TYPE: &str = "application/x-gsma-rsp-asn1";

/// Why a JSON request or a DER answer could not be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    #[error("{function}: request field {field}: {problem}")]
    Request {
        function: &'static str,
        field: &'static str,
        problem: String,
    },
    #[error("{function}: answer: {problem}")]
    Answer {
        function: &'static str,
        problem: String,
    },
}

fn b64(v: &Value, function: &'static str, field: &'static str) -> Result<Vec<u8>, TranslateError> {
    let text = v[field].as_str().ok_or_else(|| TranslateError::Request {
        function,
        field,
        problem: "missing or not a string".into(),
    })?;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| TranslateError::Request {
            function,
            field,
            problem: e.to_string(),
        })
}

fn der(v: &Value, function: &'static str, field: &'static str) -> Result<Tlv, TranslateError> {
    Tlv::parse(&b64(v, function, field)?).map_err(|e| TranslateError::Request {
        function,
        field,
        problem: e.to_string(),
    })
}

fn transaction(v: &Value, function: &'static str) -> Result<Tlv, TranslateError> {
    let text = v["transactionId"]
        .as_str()
        .ok_or_else(|| TranslateError::Request {
            function,
            field: "transactionId",
            problem: "missing or not a string".into(),
        })?;
    let bytes = hex::decode(text).map_err(|e| TranslateError::Request {
        function,
        field: "transactionId",
        problem: e.to_string(),
    })?;
    Ok(Tlv::primitive(Tag::of(0x80), bytes))
}

/// The DER `RemoteProfileProvisioningRequest` for a JSON ES9+ request.
pub fn encode_request(function: Es9Function, json_body: &[u8]) -> Result<Vec<u8>, TranslateError> {
    let name = function.name();
    let v: Value = serde_json::from_slice(json_body).map_err(|e| TranslateError::Request {
        function: name,
        field: "body",
        problem: e.to_string(),
    })?;
    let inner = match function {
        Es9Function::InitiateAuthentication => {
            let address = v["smdpAddress"]
                .as_str()
                .ok_or_else(|| TranslateError::Request {
                    function: name,
                    field: "smdpAddress",
                    problem: "missing or not a string".into(),
                })?;
            Tlv::constructed(
                Tag::of(0xBF39),
                vec![
                    Tlv::primitive(Tag::of(0x81), b64(&v, name, "euiccChallenge")?),
                    Tlv::primitive(Tag::of(0x83), address.as_bytes().to_vec()),
                    der(&v, name, "euiccInfo1")?,
                ],
            )
        }
        Es9Function::AuthenticateClient => Tlv::constructed(
            Tag::of(0xBF3B),
            vec![
                transaction(&v, name)?,
                der(&v, name, "authenticateServerResponse")?,
            ],
        ),
        Es9Function::GetBoundProfilePackage => Tlv::constructed(
            Tag::of(0xBF3A),
            vec![
                transaction(&v, name)?,
                der(&v, name, "prepareDownloadResponse")?,
            ],
        ),
        Es9Function::CancelSession => {
            // The eUICC's BF41 travels as [1] here, its alternatives unchanged.
            let response = der(&v, name, "cancelSessionResponse")?;
            Tlv::constructed(
                Tag::of(0xBF41),
                vec![
                    transaction(&v, name)?,
                    Tlv::constructed(Tag::of(0xA1), response.children().to_vec()),
                ],
            )
        }
        Es9Function::HandleNotification => Tlv::constructed(
            Tag::of(0xBF3D),
            vec![Tlv::constructed(
                Tag::of(0xA0),
                vec![der(&v, name, "pendingNotification")?],
            )],
        ),
    };
    Ok(Tlv::constructed(Tag::of(0xA2), vec![inner]).encode())
}

/// The SGP.22 status an error alternative stands for: the inverse of the one table of the ASN.1
/// module's error enumerations the project has (`rsp_smdp::asn1::error_code`). Where several
/// statuses share a code the first in the catalogue is shown; undefinedError (127) and codes the
/// table does not know have no JSON status and come back as `0/<code>`.
fn status_of(function: Es9Function, code: i64) -> (String, String) {
    rsp_codec::status::KnownStatus::ALL
        .iter()
        .find(|s| code != 127 && rsp_smdp::asn1::error_code(function, **s) == code)
        .map(|s| (s.subject().to_owned(), s.reason().to_owned()))
        .unwrap_or_else(|| ("0".to_owned(), code.to_string()))
}

fn failed(function: Es9Function, code: i64) -> Value {
    let (subject, reason) = status_of(function, code);
    json!({"header": {"functionExecutionStatus": {"status": "Failed", "statusCodeData": {
        "subjectCode": subject, "reasonCode": reason,
        "message": format!("ASN.1 binding error {code}")}}}})
}

/// The JSON answer for a DER `RemoteProfileProvisioningResponse`.
pub fn decode_answer(function: Es9Function, der: &[u8]) -> Result<Value, TranslateError> {
    let name = function.name();
    let bad = |problem: String| TranslateError::Answer {
        function: name,
        problem,
    };
    let outer = Tlv::parse(der).map_err(|e| bad(e.to_string()))?;
    if outer.tag() != Tag::of(0xA2) {
        return Err(bad(format!(
            "tag {:X?} where A2 is expected",
            outer.tag().to_bytes()
        )));
    }
    let [response] = outer.children() else {
        return Err(bad(format!(
            "{} alternatives in A2",
            outer.children().len()
        )));
    };
    let [alternative] = response.children() else {
        return Err(bad(format!(
            "{} children in {:X?}",
            response.children().len(),
            response.tag().to_bytes()
        )));
    };
    if alternative.tag() == Tag::of(0x81) {
        let bytes = alternative.content().unwrap_or_default();
        if bytes.is_empty() || bytes.len() > 8 {
            return Err(bad("error INTEGER of a bad length".into()));
        }
        let code = bytes
            .iter()
            .fold(if bytes[0] & 0x80 != 0 { -1i64 } else { 0 }, |acc, b| {
                (acc << 8) | i64::from(*b)
            });
        return Ok(failed(function, code));
    }
    if alternative.tag() != Tag::of(0xA0) {
        return Err(bad(format!(
            "alternative {:X?}",
            alternative.tag().to_bytes()
        )));
    }
    let c = alternative.children();
    let enc = |i: usize, what: &str| {
        c.get(i)
            .map(|t| base64::engine::general_purpose::STANDARD.encode(t.encode()))
            .ok_or_else(|| bad(format!("no {what}")))
    };
    let tx = || {
        c.first()
            .filter(|t| t.tag() == Tag::of(0x80))
            .and_then(Tlv::content)
            .map(hex::encode_upper)
            .ok_or_else(|| bad("no transactionId".into()))
    };
    let success = json!({"functionExecutionStatus": {"status": "Executed-Success"}});
    Ok(match function {
        Es9Function::InitiateAuthentication => json!({
            "header": success, "transactionId": tx()?,
            "serverSigned1": enc(1, "serverSigned1")?, "serverSignature1": enc(2, "serverSignature1")?,
            "euiccCiPKIdToBeUsed": enc(3, "euiccCiPKIdToBeUsed")?, "serverCertificate": enc(4, "serverCertificate")?,
        }),
        Es9Function::AuthenticateClient => json!({
            "header": success, "transactionId": tx()?,
            "profileMetadata": enc(1, "profileMetadata")?, "smdpSigned2": enc(2, "smdpSigned2")?,
            "smdpSignature2": enc(3, "smdpSignature2")?, "smdpCertificate": enc(4, "smdpCertificate")?,
        }),
        Es9Function::GetBoundProfilePackage => json!({
            "header": success, "transactionId": tx()?,
            "boundProfilePackage": enc(1, "boundProfilePackage")?,
        }),
        Es9Function::CancelSession | Es9Function::HandleNotification => json!({"header": success}),
    })
}

/// The LPA's server over the ASN.1 binding for ES9+ (`asn1`), JSON for the rest (`json`).
pub struct Asn1Server {
    pub asn1: rsp_http::HttpClient,
    pub json: Box<dyn RspServer>,
}

impl RspServer for Asn1Server {
    fn post(&mut self, address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        let Some(function) = Es9Function::ALL.iter().copied().find(|f| f.path() == path) else {
            return self.json.post(address, path, body);
        };
        // A request the binding cannot carry never leaves: the LPA sees a refusal, as it would
        // from a server that could not parse it.
        let der = match encode_request(function, body) {
            Ok(d) => d,
            Err(e) => {
                return Ok(RawReply {
                    status: 400,
                    body: e.to_string().into_bytes(),
                })
            }
        };
        let url = format!("https://{address}{ASN1_PATH}");
        let reply = self
            .asn1
            .request(
                "POST",
                &url,
                &[
                    ("content-type", ASN1_CONTENT_TYPE),
                    ("x-admin-protocol", "gsma/rsp/v2.5.0"),
                ],
                &der,
            )
            .map_err(|e| ServerError::Exchange {
                address: address.to_owned(),
                detail: e.to_string(),
            })?;
        if reply.status != 200 {
            return Ok(RawReply {
                status: reply.status,
                body: reply.body,
            });
        }
        match decode_answer(function, &reply.body) {
            Ok(v) => Ok(RawReply {
                status: 200,
                body: v.to_string().into_bytes(),
            }),
            // An undecodable answer goes to the LPA as it came, so it reports it as malformed.
            Err(_) => Ok(RawReply {
                status: 200,
                body: reply.body,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_translate_into_the_reference_decoder_and_back() {
        let ia = json!({"euiccChallenge": base64::engine::general_purpose::STANDARD.encode([7u8; 16]),
                        "smdpAddress": "testsmdpplus1.example.com",
                        "euiccInfo1": base64::engine::general_purpose::STANDARD.encode(hex::decode("BF20038201FF").unwrap())});
        let der = encode_request(
            Es9Function::InitiateAuthentication,
            ia.to_string().as_bytes(),
        )
        .unwrap();
        let back = rsp_smdp::asn1::decode_request(&der).unwrap();
        assert_eq!(back.function, Es9Function::InitiateAuthentication);
        let v: Value = serde_json::from_slice(&back.json_body).unwrap();
        assert_eq!(v["smdpAddress"], ia["smdpAddress"]);
        assert_eq!(v["euiccInfo1"], ia["euiccInfo1"]);
        assert_eq!(v["euiccChallenge"], ia["euiccChallenge"]);

        let cs = json!({"transactionId": "0102", "cancelSessionResponse":
            base64::engine::general_purpose::STANDARD.encode(hex::decode("BF4103810105").unwrap())});
        let der = encode_request(Es9Function::CancelSession, cs.to_string().as_bytes()).unwrap();
        let back = rsp_smdp::asn1::decode_request(&der).unwrap();
        let v: Value = serde_json::from_slice(&back.json_body).unwrap();
        assert_eq!(v["cancelSessionResponse"], cs["cancelSessionResponse"]);
        assert_eq!(v["transactionId"], "0102");
    }

    #[test]
    fn error_alternatives_map_back_to_their_status() {
        for (function, status) in [
            (
                Es9Function::AuthenticateClient,
                rsp_codec::status::KnownStatus::MatchingIdRefused,
            ),
            (
                Es9Function::GetBoundProfilePackage,
                rsp_codec::status::KnownStatus::ConfirmationCodeRefused,
            ),
            (
                Es9Function::InitiateAuthentication,
                rsp_codec::status::KnownStatus::InvalidSmdpAddress,
            ),
            (
                Es9Function::CancelSession,
                rsp_codec::status::KnownStatus::TransactionIdUnknown,
            ),
        ] {
            let body = json!({"header": {"functionExecutionStatus": {"status": "Failed",
                "statusCodeData": {"subjectCode": status.subject(), "reasonCode": status.reason()}}}});
            let answer = rsp_smdp::es9::Es9Answer {
                http_status: 200,
                body: body.to_string().into_bytes(),
            };
            let rsp_smdp::asn1::Asn1Answer::Response(der) =
                rsp_smdp::asn1::encode_answer(function, &answer)
            else {
                panic!("no response")
            };
            let v = decode_answer(function, &der).unwrap();
            let sc = &v["header"]["functionExecutionStatus"]["statusCodeData"];
            assert_eq!(sc["subjectCode"], status.subject(), "{function:?}");
            assert_eq!(sc["reasonCode"], status.reason(), "{function:?}");
        }
    }

    #[test]
    fn every_error_code_maps_back_to_a_status_with_that_code() {
        use rsp_codec::status::KnownStatus;
        for &function in Es9Function::ALL {
            for &status in KnownStatus::ALL {
                let code = rsp_smdp::asn1::error_code(function, status);
                let (subject, reason) = status_of(function, code);
                if code == 127 {
                    assert_eq!((subject.as_str(), reason.as_str()), ("0", "127"));
                    continue;
                }
                let back = rsp_codec::status::lookup(&subject, &reason)
                    .unwrap_or_else(|| panic!("{function:?} {code}: {subject}/{reason}"));
                assert_eq!(rsp_smdp::asn1::error_code(function, back), code);
            }
        }
    }

    #[test]
    fn malformed_requests_and_answers_are_errors() {
        assert!(encode_request(Es9Function::AuthenticateClient, b"{}").is_err());
        assert!(encode_request(Es9Function::AuthenticateClient, b"not json").is_err());
        for der in ["", "A200", "A203BF3900", "300100", "A205BF39028100"] {
            let bytes = hex::decode(der).unwrap();
            assert!(
                decode_answer(Es9Function::InitiateAuthentication, &bytes).is_err(),
                "{der}"
            );
        }
        // An error INTEGER 127 has no JSON status: 0/127.
        let v = decode_answer(
            Es9Function::InitiateAuthentication,
            &hex::decode("A206BF390381017F").unwrap(),
        )
        .unwrap();
        assert_eq!(
            v["header"]["functionExecutionStatus"]["statusCodeData"]["reasonCode"],
            "127"
        );
    }
}
