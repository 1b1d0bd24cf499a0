//! Integration tests of the JSON bindings (`rsp_codec::json`) and the status catalogue
//! (`rsp_codec::status`): realistic bodies for every function, serialisation snapshots,
//! classified parse errors, round-trip properties and catalogue coverage.

use std::fmt::Debug;

use proptest::prelude::*;
use rsp_codec::json::{
    self, parse_body, parse_body_with_limit, AddressKey, AuthenticateClientRequest,
    AuthenticateClientResponse, Base64Bytes, CancelOrderRequest, CancelSessionRequest,
    ConfirmOrderRequest, ConfirmOrderResponse, DeleteEventRequest, DownloadOrderRequest,
    DownloadOrderResponse, Eid32, Es11AuthenticateClientResponse, Es11Function,
    Es11InitiateAuthenticationRequest, Es12Function, Es2Function, Es9Function, EventEntry,
    ExecutionStatus, Extra, FunctionExecutionStatus, GetBoundProfilePackageRequest,
    GetBoundProfilePackageResponse, HandleDownloadProgressInfoRequest, HandleNotificationRequest,
    HeaderOnlyResponse, IccidDigits, InitiateAuthenticationRequest, InitiateAuthenticationResponse,
    JsonBodyError, NotificationPointId, RegisterEventRequest, ReleaseProfileRequest, RequestHeader,
    ResponseHeader, Secret, StatusCodeData, TransactionIdHex,
};
use rsp_codec::status::{self, KnownStatus, ReasonCode, StatusMatch, SubjectCode};
use rstest::rstest;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Fixtures: plausible DER blobs (right leading tags and lengths; signatures are not valid).

const TID: &str = "DE57826309EBD2A06097E6F2F25D7B5F";
const CHALLENGE_B64: &str = "oSnOBM8ZrrXS+wx/YfEf5w==";
/// BF20 EUICCInfo1: svn 2.2.0, one CI PKId (SGP.26 NIST CI) in each list.
const EUICC_INFO1_B64: &str =
    "vyA1ggMCAgCpFgQU9UFyvfmKldZcvriKOKHBHYAKhcOqFgQU9UFyvfmKldZcvriKOKHBHYAKhcM=";
const SERVER_SIGNED1_B64: &str = "MFGAEN5XgmMJ69KgYJfm8vJde1+BEKEpzgTPGa610vsMf2HxH+eDGXRlc3RzbWRwcGx1czEuZXhhbXBsZS5jb22EELO0QpE9b7u4MW7iaL6/Ywk=";
const SIG1_B64: &str =
    "XzdAGirefS1aVsIDKWDjEGt8nDU26dTsZCKwcpccN5VZ0ZamXX5pG0I/0L9nP9aZD5Z96SWLEnS+1+8AP68xu9ykZA==";
const PKID_B64: &str = "BBT1QXK9+YqV1ly+uIo4ocEdgAqFww==";
const ASR_B64: &str = "vziBKKAmMCSAEN5XgmMJ69KgYJfm8vJde1+DELO0QpE9b7u4MW7iaL6/Ywm3Cg==";
const PDR_B64: &str = "vyGBgG48VJJDiDBGhq6AXrn90mQl/4DVneUsWBBOmGfB99BRnudooA9Xh4Mxls07Bm7skJyJAYukNZ61vEeRGN3oaULRm8BEHOJVxKvvVD6Vd8vsKDqZNNRnRjE2ZApnsl3zN8ygWUX/QQotAS2aJVaeus1ovb88IMLAzVocJxZXjqFU";
const METADATA_B64: &str = "vyUlWgqYABAyVHaYEDIUkRByc3BjaGVjayB0ZXN0IG9wkgVUZXN0MQ==";
const SIG2_B64: &str =
    "XzdAUaRUAFDnDjqRhMsseGB08wgFsAp/k6H1oqvqNxe2XtcwUlxIJe3ydBCWWlKXKsy9vYfD9BEw60RSWlZDe/lGHg==";
const PIR_B64: &str = "vzeBkPcJ/p4x+Rx20mI7rjy/pbJuxjLzrvL/Q4GMGe8axL5JGIp3nrYpf7dMq5qxXYtngwKh30fTBkPTvD6/+2LiFHCnMy0RUOh050K1GBfWj5zZ2p5V6+Ire3vs0aW24ln0rKoVpvYzYXwnJgvk7mbX3/qIH3UbxDeNQkqWOVsHhbkZytJkMNDyJsiuvEaCsYEyUQ==";
const CSR_B64: &str = "v0GBghXLLlYXOECHy7qcRqBtiyYaQg97CE2rIdMBTvbgcuiv87QR+V+lA5ujcK2BCNDqsyAW+EywN281MakL0PxiKKrSMsMH1v2wC+o04qEwDAyagoK0PZmoYPdVxW5iGG3R46ekFTjmQkwTUwh9qTQ7Za0IDceesnb/vfRr5MDiIGF0CRc=";
const EID: &str = "89049032123451234512345678901235";

/// A DER certificate-shaped blob (`30 82 LL LL` …) of `len` content bytes.
fn fake_cert(len: usize) -> Vec<u8> {
    let mut v = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
    v.extend((0..len).map(|i| (i * 7 + 3) as u8));
    v
}

fn b64(bytes: &[u8]) -> String {
    Base64Bytes::new(bytes.to_vec()).to_base64()
}

fn parse<T: DeserializeOwned>(body: &str) -> T {
    match parse_body(body.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("parse failed: {e}\nbody: {body}"),
    }
}

fn pretty<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn hdr(requester: &str, call: &str) -> RequestHeader {
    RequestHeader::new(requester, call)
}

// ---------------------------------------------------------------------------------------------
// ES9+

#[test]
fn es9_initiate_authentication_request_as_lpac_sends_it() {
    // lpac: cJSON_PrintUnformatted, keys in this order, no header.
    let body = format!(
        r#"{{"smdpAddress":"testsmdpplus1.example.com","euiccChallenge":"{CHALLENGE_B64}","euiccInfo1":"{EUICC_INFO1_B64}"}}"#
    );
    let r: InitiateAuthenticationRequest = parse(&body);
    assert_eq!(r.header, None);
    assert_eq!(r.smdp_address, "testsmdpplus1.example.com");
    assert_eq!(r.euicc_challenge.as_bytes().len(), 16);
    assert_eq!(&r.euicc_info1.as_bytes()[..3], &[0xBF, 0x20, 0x35]);
    assert!(r.extra.is_empty());
    assert_eq!(
        Es9Function::from_path("/gsma/rsp2/es9plus/initiateAuthentication"),
        Some(Es9Function::InitiateAuthentication)
    );
    // Re-serialises to the same JSON value.
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(serde_json::to_value(&r).unwrap(), again);
}

#[test]
fn es9_initiate_authentication_request_with_header_and_unknown_keys() {
    let body = format!(
        r#"{{"header":{{"functionRequesterIdentifier":"lpa","functionCallIdentifier":"1"}},
            "smdpAddress":"SMDP.example.com","euiccChallenge":"{CHALLENGE_B64}",
            "euiccInfo1":"{EUICC_INFO1_B64}","lpaRspCapability":"BQA=","x-vendor":{{"a":[1,2]}}}}"#
    );
    let r: InitiateAuthenticationRequest = parse(&body);
    assert_eq!(r.header, Some(hdr("lpa", "1")));
    assert_eq!(r.extra.len(), 2);
    assert_eq!(r.extra["lpaRspCapability"], json!("BQA="));
    assert_eq!(r.extra["x-vendor"], json!({"a": [1, 2]}));
    let out = serde_json::to_value(&r).unwrap();
    assert_eq!(out["x-vendor"], json!({"a": [1, 2]}));
}

#[test]
fn es9_initiate_authentication_response_osmo_smdpp_style() {
    let cert = fake_cert(0x20A);
    let body = format!(
        r#"{{"serverSigned1": "{SERVER_SIGNED1_B64}", "serverSignature1": "{SIG1_B64}",
            "transactionId": "{TID}", "euiccCiPKIdToBeUsed": "{PKID_B64}",
            "serverCertificate": "{}",
            "header": {{"functionExecutionStatus": {{"status": "Executed-Success"}}}}}}"#,
        b64(&cert)
    );
    let r: InitiateAuthenticationResponse = parse(&body);
    assert!(r.header.is_executed());
    assert_eq!(r.header, ResponseHeader::success());
    assert_eq!(r.transaction_id.as_ref().unwrap().to_hex(), TID);
    assert_eq!(r.server_signed1.as_ref().unwrap().as_bytes()[0], 0x30);
    let sig = r.server_signature1.as_ref().unwrap().as_bytes();
    assert_eq!((sig.len(), &sig[..3]), (67, &[0x5F, 0x37, 0x40][..]));
    let pkid = r.euicc_ci_pkid_to_be_used.as_ref().unwrap().as_bytes();
    assert_eq!((pkid.len(), &pkid[..2]), (22, &[0x04, 0x14][..]));
    assert_eq!(r.server_certificate.as_ref().unwrap().as_bytes(), &cert[..]);
}

#[test]
fn es9_failed_response_osmo_smdpp_style() {
    let body = r#"{"header": {"functionExecutionStatus": {"status": "Failed", "statusCodeData": {"subjectCode": "8.8.1", "reasonCode": "3.8", "message": "Invalid SM-DP+ Address"}}}}"#;
    let r: InitiateAuthenticationResponse = parse(body);
    assert_eq!(r.header.status(), ExecutionStatus::Failed);
    assert_eq!(
        r.header.known_status(),
        Some(KnownStatus::InvalidSmdpAddress)
    );
    let d = r.header.status_code_data().unwrap();
    assert_eq!(d.message.as_deref(), Some("Invalid SM-DP+ Address"));
    assert_eq!(d.subject_identifier, None);
    assert_eq!(r.transaction_id, None);
    assert_eq!(r.server_signed1, None);
    // Any response body can be read for its status alone.
    let h: HeaderOnlyResponse = parse(body);
    assert_eq!(h.header, r.header);
    // Our own rendering of the same failure is byte-identical in JSON value terms.
    let ours = HeaderOnlyResponse::new(
        ResponseHeader::failed(KnownStatus::InvalidSmdpAddress)
            .with_message("Invalid SM-DP+ Address"),
    );
    assert_eq!(
        serde_json::to_value(ours).unwrap(),
        serde_json::from_str::<Value>(body).unwrap()
    );
}

#[test]
fn es9_authenticate_client_request_lower_case_transaction_id() {
    let body = format!(
        r#"{{"transactionId":"{}","authenticateServerResponse":"{ASR_B64}"}}"#,
        TID.to_lowercase()
    );
    let r: AuthenticateClientRequest = parse(&body);
    assert_eq!(r.transaction_id.to_hex(), TID);
    assert_eq!(
        &r.authenticate_server_response.as_bytes()[..2],
        &[0xBF, 0x38]
    );
    // Emitted upper-case.
    assert_eq!(
        serde_json::to_value(&r).unwrap()["transactionId"],
        json!(TID)
    );
}

#[test]
fn es9_authenticate_client_response_profile_metadata_key() {
    let cert = fake_cert(0x1F0);
    let body = format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},
            "transactionId":"{TID}","profileMetadata":"{METADATA_B64}",
            "smdpSigned2":"MBOAEN5XgmMJ69KgYJfm8vJde1+BAQA=","smdpSignature2":"{SIG2_B64}",
            "smdpCertificate":"{}"}}"#,
        b64(&cert)
    );
    let r: AuthenticateClientResponse = parse(&body);
    assert_eq!(
        &r.profile_metadata.as_ref().unwrap().as_bytes()[..2],
        &[0xBF, 0x25]
    );
    assert_eq!(r.smdp_signed2.as_ref().unwrap().as_bytes()[0], 0x30);
    assert_eq!(r.smdp_signature2.as_ref().unwrap().as_bytes().len(), 67);
    assert!(r.extra.is_empty());
    // The ASN.1 spelling is not the JSON key: it is kept as an unknown key.
    let wrong = format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"profileMetaData":"{METADATA_B64}"}}"#
    );
    let r: AuthenticateClientResponse = parse(&wrong);
    assert_eq!(r.profile_metadata, None);
    assert!(r.extra.contains_key("profileMetaData"));
}

#[test]
fn es9_get_bound_profile_package() {
    let req: GetBoundProfilePackageRequest = parse(&format!(
        r#"{{"transactionId":"{TID}","prepareDownloadResponse":"{PDR_B64}"}}"#
    ));
    assert_eq!(
        &req.prepare_download_response.as_bytes()[..2],
        &[0xBF, 0x21]
    );
    let mut bpp = vec![0xBF, 0x36, 0x82, 0x01, 0x00];
    bpp.extend((0..0x100).map(|i| i as u8));
    let resp: GetBoundProfilePackageResponse = parse(&format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"transactionId":"{TID}","boundProfilePackage":"{}"}}"#,
        b64(&bpp)
    ));
    assert_eq!(resp.bound_profile_package.unwrap().as_bytes(), &bpp[..]);
}

#[test]
fn es9_handle_notification_and_cancel_session() {
    let n: HandleNotificationRequest = parse(&format!(r#"{{"pendingNotification":"{PIR_B64}"}}"#));
    assert_eq!(&n.pending_notification.as_bytes()[..2], &[0xBF, 0x37]);
    assert!(!Es9Function::HandleNotification.has_response_body());

    let c: CancelSessionRequest = parse(&format!(
        r#"{{"transactionId":"{TID}","cancelSessionResponse":"{CSR_B64}"}}"#
    ));
    assert_eq!(&c.cancel_session_response.as_bytes()[..2], &[0xBF, 0x41]);
    let r: HeaderOnlyResponse =
        parse(r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}"#);
    assert!(r.header.is_executed());
    let legacy: HeaderOnlyResponse = parse(
        r#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.8","reasonCode":"3.1"}}}}"#,
    );
    let d = legacy.header.status_code_data().unwrap();
    assert_eq!(d.known(), Some(KnownStatus::SmdpOidInvalid));
    assert!(d.is_legacy_alias());
}

// ---------------------------------------------------------------------------------------------
// ES11

#[test]
fn es11_initiate_authentication_accepts_both_address_keys() {
    let vendor: Es11InitiateAuthenticationRequest = parse(&format!(
        r#"{{"euiccChallenge":"{CHALLENGE_B64}","euiccInfo1":"{EUICC_INFO1_B64}","smdsAddress":"lpa.ds.gsma.com"}}"#
    ));
    assert_eq!(vendor.address, "lpa.ds.gsma.com");
    assert_eq!(vendor.address_key, AddressKey::SmdsAddress);

    let lpac_body = format!(
        r#"{{"smdpAddress":"lpa.ds.gsma.com","euiccChallenge":"{CHALLENGE_B64}","euiccInfo1":"{EUICC_INFO1_B64}"}}"#
    );
    let lpac: Es11InitiateAuthenticationRequest = parse(&lpac_body);
    assert_eq!(lpac.address, "lpa.ds.gsma.com");
    assert_eq!(lpac.address_key, AddressKey::SmdpAddress);
    assert!(lpac.extra.is_empty());
    // Re-serialised under the key it came with.
    assert_eq!(
        serde_json::to_value(&lpac).unwrap(),
        serde_json::from_str::<Value>(&lpac_body).unwrap()
    );
    // lpac posts it to the es9plus path.
    assert_eq!(
        Es11Function::from_path_detailed("/gsma/rsp2/es9plus/initiateAuthentication"),
        Some((Es11Function::InitiateAuthentication, true))
    );

    let both: Es11InitiateAuthenticationRequest = parse(&format!(
        r#"{{"smdsAddress":"ds.example","smdpAddress":"dp.example","euiccChallenge":"{CHALLENGE_B64}","euiccInfo1":"{EUICC_INFO1_B64}"}}"#
    ));
    assert_eq!(both.address, "ds.example");
    assert_eq!(both.address_key, AddressKey::SmdsAddress);
    assert_eq!(both.extra["smdpAddress"], json!("dp.example"));

    let e = parse_body::<Es11InitiateAuthenticationRequest>(
        format!(r#"{{"euiccChallenge":"{CHALLENGE_B64}","euiccInfo1":"{EUICC_INFO1_B64}"}}"#)
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        JsonBodyError::MissingField {
            path: "smdsAddress".into()
        }
    );
    assert_eq!(e.status(), KnownStatus::MandatoryParameterMissing);
}

#[test]
fn es11_authenticate_client_event_entries() {
    let body = format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"transactionId":"{TID}",
            "eventEntries":[{{"eventId":"EV-0001","rspServerAddress":"smdp.example.com"}},
                            {{"eventId":"EV-0002","rspServerAddress":"alt-smds.example.com","x":1}}]}}"#
    );
    let r: Es11AuthenticateClientResponse = parse(&body);
    let entries = r.event_entries.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0], EventEntry::new("EV-0001", "smdp.example.com"));
    assert_eq!(entries[1].rsp_server_address, "alt-smds.example.com");
    assert_eq!(entries[1].extra["x"], json!(1));

    let empty: Es11AuthenticateClientResponse = parse(&format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"transactionId":"{TID}","eventEntries":[]}}"#
    ));
    assert_eq!(empty.event_entries, Some(vec![]));
}

// ---------------------------------------------------------------------------------------------
// ES12

#[test]
fn es12_register_and_delete_event() {
    let r: RegisterEventRequest = parse(&format!(
        r#"{{"header":{{"functionRequesterIdentifier":"smdp.example.com","functionCallIdentifier":"RE-1"}},
            "eid":"{EID}","rspServerAddress":"smdp.example.com","eventId":"EV-0001","forwardingIndicator":false}}"#
    ));
    assert_eq!(r.eid.as_str(), EID);
    assert!(!r.forwarding_indicator);
    assert_eq!(r.header.function_call_identifier, "RE-1");
    let d: DeleteEventRequest = parse(&format!(
        r#"{{"header":{{"functionRequesterIdentifier":"smdp.example.com","functionCallIdentifier":"DE-1"}},"eid":"{EID}","eventId":"EV-0001"}}"#
    ));
    assert_eq!(d.event_id.expose(), "EV-0001");
    // ES12 requires the header.
    let e = parse_body::<DeleteEventRequest>(
        format!(r#"{{"eid":"{EID}","eventId":"EV-0001"}}"#).as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        JsonBodyError::MissingField {
            path: "header".into()
        }
    );
    assert_eq!(
        Es12Function::from_path("/gsma/rsp2/es12/deleteEvent"),
        Some(Es12Function::DeleteEvent)
    );
    let failed: HeaderOnlyResponse = parse(
        r#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.9.5","reasonCode":"3.9","subjectIdentifier":"EV-0001"}}}}"#,
    );
    assert_eq!(
        failed.header.known_status(),
        Some(KnownStatus::EventIdUnknown)
    );
}

// ---------------------------------------------------------------------------------------------
// ES2+

const ES2_HEADER: &str = r#""header":{"functionRequesterIdentifier":"MNO-1","functionCallIdentifier":"FCI-1717000000-1"}"#;

#[test]
fn es2_download_order() {
    let r: DownloadOrderRequest = parse(&format!(
        r#"{{{ES2_HEADER},"eid":"{EID}","iccid":"8988211000000000001F","profileType":"Test"}}"#
    ));
    let iccid = r.iccid.unwrap();
    assert!(iccid.is_padded());
    assert_eq!(iccid.digits(), "8988211000000000001");
    assert_eq!(r.profile_type.as_deref(), Some("Test"));
    // Only the header is mandatory.
    let minimal: DownloadOrderRequest = parse(&format!("{{{ES2_HEADER}}}"));
    assert_eq!(
        (minimal.eid, minimal.iccid, minimal.profile_type),
        (None, None, None)
    );
    let resp: DownloadOrderResponse = parse(
        r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"iccid":"89882110000000000012"}"#,
    );
    assert_eq!(resp.iccid.unwrap().as_str(), "89882110000000000012");
}

#[test]
fn es2_confirm_cancel_release() {
    let c: ConfirmOrderRequest = parse(&format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","eid":"{EID}","matchingId":"ABCD-1234","confirmationCode":"1234",
            "smdsAddress":"lpa.ds.gsma.com","releaseFlag":true}}"#
    ));
    assert!(c.release_flag);
    assert_eq!(c.iccid.as_str(), "8988211000000000001");
    assert_eq!(c.smds_address.as_deref(), Some("lpa.ds.gsma.com"));
    let cr: ConfirmOrderResponse = parse(
        r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"eid":"89049032123451234512345678901235","matchingId":"ABCD-1234","smdpAddress":"smdp.example.com"}"#,
    );
    assert_eq!(
        cr.matching_id.as_ref().map(Secret::expose),
        Some("ABCD-1234")
    );
    assert_eq!(cr.smdp_address.as_deref(), Some("smdp.example.com"));

    let x: CancelOrderRequest = parse(&format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","finalProfileStatusIndicator":"Available"}}"#
    ));
    assert_eq!(
        x.final_profile_status_indicator,
        json::FINAL_PROFILE_STATUS_AVAILABLE
    );
    let e = parse_body::<CancelOrderRequest>(
        format!(r#"{{{ES2_HEADER},"iccid":"8988211000000000001"}}"#).as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        JsonBodyError::MissingField {
            path: "finalProfileStatusIndicator".into()
        }
    );

    let rp: ReleaseProfileRequest = parse(&format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001"}}"#
    ));
    assert_eq!(rp.iccid.digits(), "8988211000000000001");
    assert_eq!(
        Es2Function::from_path("/gsma/rsp2/es2plus/releaseProfile"),
        Some(Es2Function::ReleaseProfile)
    );
}

#[test]
fn es2_handle_download_progress_info_pysim_style() {
    // pysim's ES2+ client encodes integers as strings.
    let r: HandleDownloadProgressInfoRequest = parse(&format!(
        r#"{{{ES2_HEADER},"eid":"{EID}","iccid":"8988211000000000001F","profileType":"Test",
            "timestamp":"2024-05-29T12:00:00+00:00","notificationPointId":"3",
            "notificationPointStatus":{{"status":"Executed-Success"}},"resultData":"fIfxXrHB4iQZzDEf"}}"#
    ));
    assert_eq!(r.notification_point_id, NotificationPointId::BPP_DOWNLOAD);
    assert_eq!(r.timestamp, "2024-05-29T12:00:00+00:00");
    assert_eq!(r.result_data.as_ref().unwrap().as_bytes().len(), 12);
    let st = r.notification_point_execution_status().unwrap();
    assert_eq!(st.status, ExecutionStatus::ExecutedSuccess);
    // Emitted as a number.
    assert_eq!(
        serde_json::to_value(&r).unwrap()["notificationPointId"],
        json!(3)
    );
    assert!(!Es2Function::HandleDownloadProgressInfo.has_response_body());
}

// ---------------------------------------------------------------------------------------------
// Serialisation snapshots (reviewed; stored under tests-pending/snapshots/).

fn sample_ia_request() -> InitiateAuthenticationRequest {
    InitiateAuthenticationRequest {
        header: None,
        euicc_challenge: Base64Bytes::from_base64(CHALLENGE_B64).unwrap(),
        euicc_info1: Base64Bytes::from_base64(EUICC_INFO1_B64).unwrap(),
        smdp_address: "testsmdpplus1.example.com".into(),
        extra: Extra::new(),
    }
}

#[test]
fn snapshot_es9_initiate_authentication_request() {
    insta::assert_snapshot!(pretty(&sample_ia_request()));
}

#[test]
fn snapshot_es9_initiate_authentication_response() {
    let r = InitiateAuthenticationResponse {
        header: ResponseHeader::success(),
        transaction_id: Some(TransactionIdHex::from_hex(TID).unwrap()),
        server_signed1: Some(Base64Bytes::from_base64(SERVER_SIGNED1_B64).unwrap()),
        server_signature1: Some(Base64Bytes::from_base64(SIG1_B64).unwrap()),
        euicc_ci_pkid_to_be_used: Some(Base64Bytes::from_base64(PKID_B64).unwrap()),
        server_certificate: Some(Base64Bytes::new(fake_cert(8))),
        extra: Extra::new(),
    };
    insta::assert_snapshot!(pretty(&r));
}

#[test]
fn snapshot_es9_failed_responses() {
    let r = AuthenticateClientResponse {
        header: ResponseHeader::failed(KnownStatus::TransactionIdUnknown).with_message("Unknown"),
        transaction_id: None,
        profile_metadata: None,
        smdp_signed2: None,
        smdp_signature2: None,
        smdp_certificate: None,
        extra: Extra::new(),
    };
    insta::assert_snapshot!(pretty(&r));
}

#[test]
fn snapshot_es9_authenticate_client_response() {
    let r = AuthenticateClientResponse {
        header: ResponseHeader::success(),
        transaction_id: Some(TransactionIdHex::from_hex(TID).unwrap()),
        profile_metadata: Some(Base64Bytes::from_base64(METADATA_B64).unwrap()),
        smdp_signed2: Some(Base64Bytes::new(vec![0x30, 0x03, 0x80, 0x01, 0x00])),
        smdp_signature2: Some(Base64Bytes::from_base64(SIG2_B64).unwrap()),
        smdp_certificate: Some(Base64Bytes::new(fake_cert(8))),
        extra: Extra::new(),
    };
    insta::assert_snapshot!(pretty(&r));
}

#[test]
fn snapshot_es11_messages() {
    let mut req = Es11InitiateAuthenticationRequest::new(
        Base64Bytes::from_base64(CHALLENGE_B64).unwrap(),
        Base64Bytes::from_base64(EUICC_INFO1_B64).unwrap(),
        "lpa.ds.gsma.com".into(),
    );
    let normative = pretty(&req);
    req.address_key = AddressKey::SmdpAddress;
    let lpac = pretty(&req);
    let resp = Es11AuthenticateClientResponse {
        header: ResponseHeader::success(),
        transaction_id: Some(TransactionIdHex::from_hex(TID).unwrap()),
        event_entries: Some(vec![EventEntry::new("EV-0001", "smdp.example.com")]),
        extra: Extra::new(),
    };
    insta::assert_snapshot!(format!("{normative}\n{lpac}\n{}", pretty(&resp)));
}

#[test]
fn snapshot_es12_register_event() {
    let r = RegisterEventRequest {
        header: hdr("smdp.example.com", "RE-1"),
        eid: Eid32::new(EID).unwrap(),
        rsp_server_address: "smdp.example.com".into(),
        event_id: "EV-0001".into(),
        forwarding_indicator: true,
        extra: Extra::new(),
    };
    insta::assert_snapshot!(pretty(&r));
}

#[test]
fn snapshot_es2_confirm_order_and_progress_info() {
    let c = ConfirmOrderRequest {
        header: hdr("MNO-1", "FCI-1"),
        iccid: IccidDigits::new("8988211000000000001").unwrap().padded(),
        eid: Some(Eid32::new(EID).unwrap()),
        matching_id: None,
        confirmation_code: None,
        smds_address: None,
        release_flag: true,
        extra: Extra::new(),
    };
    let mut status = serde_json::Map::new();
    status.insert("status".into(), json!("Failed"));
    status.insert(
        "statusCodeData".into(),
        serde_json::to_value(StatusCodeData::from(KnownStatus::ConfirmationCodeRefused)).unwrap(),
    );
    let p = HandleDownloadProgressInfoRequest {
        header: hdr("smdp.example.com", "HDPI-1"),
        eid: Some(Eid32::new(EID).unwrap()),
        iccid: IccidDigits::new("8988211000000000001F").unwrap(),
        profile_type: "Test".into(),
        timestamp: "2024-05-29T12:00:00Z".into(),
        notification_point_id: NotificationPointId::BPP_DOWNLOAD,
        notification_point_status: status,
        result_data: None,
        extra: Extra::new(),
    };
    insta::assert_snapshot!(format!("{}\n{}", pretty(&c), pretty(&p)));
}

#[test]
fn snapshot_parse_error_response() {
    let e = parse_body::<AuthenticateClientRequest>(br#"{"authenticateServerResponse":"AA=="}"#)
        .unwrap_err();
    insta::assert_snapshot!(pretty(&HeaderOnlyResponse::new(e.response_header())));
}

// ---------------------------------------------------------------------------------------------
// Malformed bodies → classified errors and status.

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn deep(n: usize) -> Vec<u8> {
    format!(
        r#"{{"transactionId":"00","authenticateServerResponse":"","x":{}{}}}"#,
        "[".repeat(n),
        "]".repeat(n)
    )
    .into_bytes()
}

fn oversized() -> Vec<u8> {
    let mut v = format!(
        r#"{{"transactionId":"00","authenticateServerResponse":"","pad":"{}"}}"#,
        "A".repeat(json::DEFAULT_BODY_LIMIT)
    )
    .into_bytes();
    v.truncate(json::DEFAULT_BODY_LIMIT + 10);
    v
}

fn variant(e: &JsonBodyError) -> &'static str {
    match e {
        JsonBodyError::TooLarge { .. } => "TooLarge",
        JsonBodyError::NotUtf8 { .. } => "NotUtf8",
        JsonBodyError::Syntax { .. } => "Syntax",
        JsonBodyError::TooDeep { .. } => "TooDeep",
        JsonBodyError::NotAnObject { .. } => "NotAnObject",
        JsonBodyError::MissingField { .. } => "MissingField",
        JsonBodyError::InvalidBase64 { .. } => "InvalidBase64",
        JsonBodyError::InvalidHex { .. } => "InvalidHex",
        JsonBodyError::InvalidValue { .. } => "InvalidValue",
    }
}

/// Parses `body` as the type named by `target`, discarding the value.
fn parse_as(target: &str, body: &[u8]) -> Result<(), JsonBodyError> {
    match target {
        "ac" => parse_body::<AuthenticateClientRequest>(body).map(drop),
        "ia_resp" => parse_body::<InitiateAuthenticationResponse>(body).map(drop),
        "es11_ac_resp" => parse_body::<Es11AuthenticateClientResponse>(body).map(drop),
        "confirm" => parse_body::<ConfirmOrderRequest>(body).map(drop),
        "hdpi" => parse_body::<HandleDownloadProgressInfoRequest>(body).map(drop),
        other => panic!("unknown target {other}"),
    }
}

const OK_AC: &str = r#"{"transactionId":"0A1B","authenticateServerResponse":"vzgA"}"#;

#[rstest]
#[case::truncated(
    "ac",
    b(r#"{"transactionId": "#),
    "Syntax",
    None,
    KnownStatus::InvalidRequest
)]
#[case::bad_token(
    "ac",
    b(r#"{"transactionId": 0A1B}"#),
    "Syntax",
    None,
    KnownStatus::InvalidRequest
)]
#[case::trailing_garbage("ac", b(&format!("{OK_AC} x")), "Syntax", None, KnownStatus::InvalidRequest)]
#[case::two_objects("ac", b(&format!("{OK_AC}{OK_AC}")), "Syntax", None, KnownStatus::InvalidRequest)]
#[case::empty("ac", b(""), "Syntax", None, KnownStatus::InvalidRequest)]
#[case::whitespace_only("ac", b(" \n "), "Syntax", None, KnownStatus::InvalidRequest)]
#[case::lone_surrogate(
    "ac",
    b(r#"{"transactionId":"\ud800","authenticateServerResponse":""}"#),
    "Syntax",
    None,
    KnownStatus::InvalidRequest
)]
#[case::array(
    "ac",
    b(r#"[{"transactionId":"00"}]"#),
    "NotAnObject",
    None,
    KnownStatus::InvalidRequest
)]
#[case::string(
    "ac",
    b(r#""hello""#),
    "NotAnObject",
    None,
    KnownStatus::InvalidRequest
)]
#[case::number("ac", b("42"), "NotAnObject", None, KnownStatus::InvalidRequest)]
#[case::null("ac", b("null"), "NotAnObject", None, KnownStatus::InvalidRequest)]
#[case::invalid_utf8("ac", vec![b'{', b'"', 0xFF, 0xFE, b'"', b':', b'1', b'}'], "NotUtf8", None, KnownStatus::InvalidRequest)]
#[case::deep_nesting("ac", deep(200), "TooDeep", None, KnownStatus::InvalidRequest)]
#[case::deep_array_unclosed("ac", b(&"[".repeat(500)), "Syntax", None, KnownStatus::InvalidRequest)]
#[case::deep_array_closed("ac", b(&format!("{}{}", "[".repeat(500), "]".repeat(500))), "NotAnObject", None, KnownStatus::InvalidRequest)]
#[case::type_error_then_garbage(
    "ac",
    b(r#"{"transactionId":5,"authenticateServerResponse":"vzgA""#),
    "Syntax",
    None,
    KnownStatus::InvalidRequest
)]
#[case::missing_field_then_garbage(
    "ac",
    b(r#"{"authenticateServerResponse":"vzgA"} }"#),
    "Syntax",
    None,
    KnownStatus::InvalidRequest
)]
#[case::oversized("ac", oversized(), "TooLarge", None, KnownStatus::InvalidRequest)]
#[case::missing_transaction_id(
    "ac",
    b(r#"{"authenticateServerResponse":"vzgA"}"#),
    "MissingField",
    Some("transactionId"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::null_transaction_id(
    "ac",
    b(r#"{"transactionId":null,"authenticateServerResponse":"vzgA"}"#),
    "MissingField",
    Some("transactionId"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::empty_object(
    "ac",
    b("{}"),
    "MissingField",
    Some("transactionId"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::header_incomplete("ac", b(r#"{"header":{"functionCallIdentifier":"1"},"transactionId":"00","authenticateServerResponse":""}"#), "MissingField", Some("header.functionRequesterIdentifier"), KnownStatus::MandatoryParameterMissing)]
#[case::bad_base64(
    "ac",
    b(r#"{"transactionId":"0A1B","authenticateServerResponse":"vzg*"}"#),
    "InvalidBase64",
    Some("authenticateServerResponse"),
    KnownStatus::InvalidParameter
)]
#[case::unpadded_base64(
    "ac",
    b(r#"{"transactionId":"0A1B","authenticateServerResponse":"vzgAAA"}"#),
    "InvalidBase64",
    Some("authenticateServerResponse"),
    KnownStatus::InvalidParameter
)]
#[case::urlsafe_base64(
    "ac",
    b(r#"{"transactionId":"0A1B","authenticateServerResponse":"vz-_"}"#),
    "InvalidBase64",
    Some("authenticateServerResponse"),
    KnownStatus::InvalidParameter
)]
#[case::odd_length_hex(
    "ac",
    b(r#"{"transactionId":"0A1","authenticateServerResponse":"vzgA"}"#),
    "InvalidHex",
    Some("transactionId"),
    KnownStatus::InvalidParameter
)]
#[case::non_hex(
    "ac",
    b(r#"{"transactionId":"0G","authenticateServerResponse":"vzgA"}"#),
    "InvalidHex",
    Some("transactionId"),
    KnownStatus::InvalidParameter
)]
#[case::tid_17_bytes("ac", b(&format!(r#"{{"transactionId":"{}","authenticateServerResponse":"vzgA"}}"#, "AB".repeat(17))), "InvalidValue", Some("transactionId"), KnownStatus::InvalidParameter)]
#[case::tid_empty(
    "ac",
    b(r#"{"transactionId":"","authenticateServerResponse":"vzgA"}"#),
    "InvalidValue",
    Some("transactionId"),
    KnownStatus::InvalidParameter
)]
#[case::tid_number(
    "ac",
    b(r#"{"transactionId":1234,"authenticateServerResponse":"vzgA"}"#),
    "InvalidValue",
    Some("transactionId"),
    KnownStatus::InvalidParameter
)]
#[case::header_string(
    "ac",
    b(r#"{"header":"x","transactionId":"00","authenticateServerResponse":""}"#),
    "InvalidValue",
    Some("header"),
    KnownStatus::InvalidParameter
)]
#[case::header_array(
    "ac",
    b(r#"{"header":["a","b"],"transactionId":"00","authenticateServerResponse":""}"#),
    "InvalidValue",
    Some("header"),
    KnownStatus::InvalidParameter
)]
#[case::duplicate_key(
    "ac",
    b(r#"{"transactionId":"00","transactionId":"01","authenticateServerResponse":""}"#),
    "InvalidValue",
    Some("transactionId"),
    KnownStatus::InvalidParameter
)]
#[case::unknown_status(
    "ia_resp",
    b(r#"{"header":{"functionExecutionStatus":{"status":"Success"}}}"#),
    "InvalidValue",
    Some("header.functionExecutionStatus.status"),
    KnownStatus::InvalidParameter
)]
#[case::bad_subject_code("ia_resp", b(r#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.x","reasonCode":"3.9"}}}}"#), "InvalidValue", Some("header.functionExecutionStatus.statusCodeData.subjectCode"), KnownStatus::InvalidParameter)]
#[case::numeric_reason_code("ia_resp", b(r#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.1","reasonCode":6.1}}}}"#), "InvalidValue", Some("header.functionExecutionStatus.statusCodeData.reasonCode"), KnownStatus::InvalidParameter)]
#[case::missing_header(
    "ia_resp",
    b(r#"{"transactionId":"00"}"#),
    "MissingField",
    Some("header"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::missing_status(
    "ia_resp",
    b(r#"{"header":{"functionExecutionStatus":{}}}"#),
    "MissingField",
    Some("header.functionExecutionStatus.status"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::event_entry_missing_id("es11_ac_resp", b(r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"eventEntries":[{"eventId":"a","rspServerAddress":"b"},{"rspServerAddress":"c"}]}"#), "MissingField", Some("eventEntries[1].eventId"), KnownStatus::MandatoryParameterMissing)]
#[case::event_entries_object(
    "es11_ac_resp",
    b(r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"eventEntries":{}}"#),
    "InvalidValue",
    Some("eventEntries"),
    KnownStatus::InvalidParameter
)]
#[case::eid_31_digits("confirm", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001","eid":"8904903212345123451234567890123","releaseFlag":true}"#), "InvalidValue", Some("eid"), KnownStatus::InvalidParameter)]
#[case::iccid_letters("confirm", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"89882110000000000A1","releaseFlag":true}"#), "InvalidValue", Some("iccid"), KnownStatus::InvalidParameter)]
#[case::release_flag_string("confirm", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001","releaseFlag":"true"}"#), "InvalidValue", Some("releaseFlag"), KnownStatus::InvalidParameter)]
#[case::confirm_missing_release_flag("confirm", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001"}"#), "MissingField", Some("releaseFlag"), KnownStatus::MandatoryParameterMissing)]
#[case::confirm_missing_header(
    "confirm",
    b(r#"{"iccid":"8988211000000000001","releaseFlag":true}"#),
    "MissingField",
    Some("header"),
    KnownStatus::MandatoryParameterMissing
)]
#[case::notification_point_negative("hdpi", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001","profileType":"T","timestamp":"t","notificationPointId":-1,"notificationPointStatus":{}}"#), "InvalidValue", Some("notificationPointId"), KnownStatus::InvalidParameter)]
#[case::notification_point_status_string("hdpi", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001","profileType":"T","timestamp":"t","notificationPointId":1,"notificationPointStatus":"ok"}"#), "InvalidValue", Some("notificationPointStatus"), KnownStatus::InvalidParameter)]
#[case::result_data_bad_base64("hdpi", b(r#"{"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},"iccid":"8988211000000000001","profileType":"T","timestamp":"t","notificationPointId":1,"notificationPointStatus":{},"resultData":"%%%%"}"#), "InvalidBase64", Some("resultData"), KnownStatus::InvalidParameter)]
fn malformed_bodies(
    #[case] target: &str,
    #[case] body: Vec<u8>,
    #[case] expected: &str,
    #[case] path: Option<&str>,
    #[case] status: KnownStatus,
) {
    let e = parse_as(target, &body).unwrap_err();
    assert_eq!(variant(&e), expected, "{e}");
    assert_eq!(e.path(), path, "{e}");
    assert_eq!(e.status(), status, "{e}");
    let shown = e.to_string();
    if let Some(p) = path {
        assert!(shown.starts_with(&format!("{p}: ")), "{shown}");
    }
    assert!(shown.len() < 400, "{shown}");
    // The matching response header is well-formed and round-trips.
    let h = HeaderOnlyResponse::new(e.response_header());
    let back: HeaderOnlyResponse = parse_body(&serde_json::to_vec(&h).unwrap()).unwrap();
    assert_eq!(back.header.known_status(), Some(status));
}

#[test]
fn error_displays() {
    let e = parse_as(
        "ac",
        br#"{"transactionId":"0A1B","authenticateServerResponse":"vzgAAAAAAAAAAA!A"}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "authenticateServerResponse: invalid base64 at character 14 ('!')"
    );
    let e = parse_as(
        "ac",
        br#"{"transactionId":"0A1","authenticateServerResponse":""}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "transactionId: invalid hex: odd number of digits (3)"
    );
    let e = parse_as("ac", &deep(200)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("JSON nested deeper than 128 levels"),
        "{e}"
    );
    let e = parse_as("ac", b"[1]").unwrap_err();
    assert_eq!(e, JsonBodyError::NotAnObject { found: "array" });
    assert_eq!(e.to_string(), "body is a JSON array, expected an object");
    let e = parse_body_with_limit::<AuthenticateClientRequest>(OK_AC.as_bytes(), 10).unwrap_err();
    assert_eq!(
        e,
        JsonBodyError::TooLarge {
            size: OK_AC.len(),
            limit: 10
        }
    );
    // Nesting up to the limit is fine in unknown keys.
    assert!(parse_as("ac", &deep(100)).is_ok());
    assert!(parse_as("ac", format!("\r\n\t {OK_AC} \n").as_bytes()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Status catalogue.

/// Every row of digest §2.3 (+ the generic §2.1 codes), written out independently of the
/// catalogue.
const DIGEST_ROWS: &[(&str, &str, KnownStatus)] = &[
    ("1.2.1", "2.1", KnownStatus::InvalidRequest),
    ("1.2.2", "2.1", KnownStatus::UnsupportedAdminProtocol),
    ("1.3.1", "2.2", KnownStatus::MandatoryParameterMissing),
    ("1.3.1", "2.1", KnownStatus::InvalidParameter),
    ("8.10.1", "3.9", KnownStatus::TransactionIdUnknown),
    ("8.1", "6.1", KnownStatus::EuiccSignatureInvalid),
    ("8.8.1", "3.8", KnownStatus::InvalidSmdpAddress),
    ("8.8.2", "3.1", KnownStatus::CiPkIdNotSupported),
    ("8.8.3", "3.1", KnownStatus::SvnNotSupported),
    ("8.8.4", "3.7", KnownStatus::NoDpAuthCertificateForCi),
    ("8.1.2", "6.1", KnownStatus::EumCertificateInvalid),
    ("8.1.2", "6.3", KnownStatus::EumCertificateExpired),
    ("8.1.3", "6.1", KnownStatus::EuiccCertificateInvalid),
    ("8.1.3", "6.3", KnownStatus::EuiccCertificateExpired),
    ("8.11.1", "3.9", KnownStatus::CiPkIdUnknown),
    ("8.1.4", "6.1", KnownStatus::EidOutOfEumRange),
    ("8.2", "1.2", KnownStatus::ProfileNotReleased),
    ("8.2.6", "3.8", KnownStatus::MatchingIdRefused),
    ("8.1.1", "3.8", KnownStatus::EidMismatch),
    ("8.2.5", "4.3", KnownStatus::NoEligibleProfile),
    ("8.8.5", "4.10", KnownStatus::DownloadOrderExpired),
    ("8.8.5", "6.4", KnownStatus::DownloadOrderMaxRetries),
    ("8.1", "4.8", KnownStatus::InsufficientMemory),
    ("8.2.7", "2.2", KnownStatus::ConfirmationCodeMissing),
    ("8.2.7", "3.8", KnownStatus::ConfirmationCodeRefused),
    ("8.2.7", "6.4", KnownStatus::ConfirmationCodeRetriesExceeded),
    ("8.2", "3.7", KnownStatus::BppNotAvailable),
    ("8.8", "3.10", KnownStatus::SmdpOidInvalid),
    ("8.2.1", "3.3", KnownStatus::IccidInUse),
    ("8.2.1", "3.9", KnownStatus::IccidUnknown),
    ("8.2.1", "1.2", KnownStatus::IccidNotAllowed),
    ("8.2.1", "3.5", KnownStatus::ProfileStateTransitionInvalid),
    ("8.2.6", "3.3", KnownStatus::MatchingIdConflict),
    ("8.2.6", "3.10", KnownStatus::MatchingIdAssociationMismatch),
    ("8.1.1", "2.2", KnownStatus::EidMissing),
    ("8.1.1", "3.10", KnownStatus::EidAssociationMismatch),
    ("8.9", "5.1", KnownStatus::SmdsInaccessible),
    ("8.9", "4.2", KnownStatus::SmdsExecutionError),
    ("8.2.5", "1.2", KnownStatus::ProfileTypeNotAllowed),
    ("8.2.5", "3.7", KnownStatus::ProfileTypeUnavailable),
    ("8.2.5", "3.8", KnownStatus::ProfileTypeMismatch),
    ("8.2.5", "3.9", KnownStatus::ProfileTypeUnknown),
    ("8.9.1", "3.8", KnownStatus::InvalidSmdsAddress),
    ("8.9.2", "3.1", KnownStatus::SmdsCiPkIdNotSupported),
    ("8.9.3", "3.1", KnownStatus::SmdsSvnNotSupported),
    ("8.9.4", "3.7", KnownStatus::NoDsAuthCertificateForCi),
    ("8.9.5", "3.3", KnownStatus::EventIdDuplicated),
    ("8.9.5", "3.9", KnownStatus::EventIdUnknown),
];

#[test]
fn lookup_covers_every_row() {
    assert_eq!(DIGEST_ROWS.len(), KnownStatus::ALL.len());
    for &(s, r, k) in DIGEST_ROWS {
        assert_eq!(status::lookup(s, r), Some(k), "{s}/{r}");
        assert_eq!(
            status::classify(s, r),
            Some(StatusMatch {
                status: k,
                is_legacy_alias: false
            })
        );
        assert_eq!((k.subject(), k.reason()), (s, r));
        assert_eq!(k.subject_code(), SubjectCode::new(s).unwrap());
        assert_eq!(k.reason_code(), ReasonCode::new(r).unwrap());
        assert!(!k.meaning().is_empty());
        assert!(k.subject_name().is_some(), "{k:?}");
        assert!(status::reason_family_name(r).is_some());
        // Catalogue → header → JSON → header → catalogue.
        let h: HeaderOnlyResponse = parse_body(
            &serde_json::to_vec(&HeaderOnlyResponse::new(ResponseHeader::failed(k))).unwrap(),
        )
        .unwrap();
        assert_eq!(h.header.known_status(), Some(k));
    }
}

#[test]
fn legacy_aliases_resolve() {
    for (s, r, k) in [
        ("8.8.5", "4.1", KnownStatus::DownloadOrderExpired),
        ("8.8", "3.1", KnownStatus::SmdpOidInvalid),
        ("8.2.6", "3.1", KnownStatus::MatchingIdAssociationMismatch),
        ("8.1.1", "3.1", KnownStatus::EidAssociationMismatch),
    ] {
        assert_eq!(status::lookup(s, r), Some(k));
        let m = status::classify(s, r).unwrap();
        assert!(m.is_legacy_alias);
        assert_eq!(m.status.meaning(), k.meaning());
        assert!(k.matches(s, r));
        assert!(k.legacy_aliases().contains(&(s, r)));
    }
    assert_eq!(status::lookup("8.8.5", "4.2"), None);
    assert_eq!(status::lookup("9.9", "9.9"), None);
    assert_eq!(status::lookup("8.10.1 ", "3.9"), None);
}

#[test]
fn catalogue_metadata() {
    use json::RspFunction;
    assert!(KnownStatus::TransactionIdUnknown
        .applies_to(RspFunction::Es9(Es9Function::GetBoundProfilePackage)));
    assert!(KnownStatus::InvalidSmdsAddress
        .applies_to(RspFunction::Es11(Es11Function::InitiateAuthentication)));
    assert!(!KnownStatus::InvalidSmdsAddress
        .applies_to(RspFunction::Es9(Es9Function::InitiateAuthentication)));
    assert!(
        KnownStatus::EventIdDuplicated.applies_to(RspFunction::Es12(Es12Function::RegisterEvent))
    );
    for f in RspFunction::ALL {
        assert!(KnownStatus::MandatoryParameterMissing.applies_to(*f));
    }
    assert!(!KnownStatus::EidOutOfEumRange.is_confirmed());
    assert!(!KnownStatus::InvalidParameter.is_confirmed());
    assert!(KnownStatus::ConfirmationCodeMissing.is_confirmed());
    assert_eq!(
        KnownStatus::TransactionIdUnknown.subject_name(),
        Some("TransactionId")
    );
    assert_eq!(
        KnownStatus::TransactionIdUnknown.reason_name(),
        Some("Unknown")
    );
    assert_eq!(
        KnownStatus::DownloadOrderExpired.reason_name(),
        Some("Time to Live Expired")
    );
    assert_eq!(status::reason_family_name("6.4"), Some("Security Error"));
    assert_eq!(
        KnownStatus::TransactionIdUnknown.name(),
        "TransactionIdUnknown"
    );
}

// ---------------------------------------------------------------------------------------------
// Round-trip properties.

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn secret() -> impl Strategy<Value = Secret> {
    text().prop_map(Secret::from)
}

fn bytes(max: usize) -> impl Strategy<Value = Base64Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Base64Bytes::new)
}

fn tid() -> impl Strategy<Value = TransactionIdHex> {
    proptest::collection::vec(any::<u8>(), 1..=16).prop_map(|v| TransactionIdHex::new(v).unwrap())
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ]
}

fn extra() -> impl Strategy<Value = Extra> {
    proptest::collection::btree_map("x-[a-zA-Z0-9]{1,8}", json_leaf(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn req_header() -> impl Strategy<Value = RequestHeader> {
    (text(), text(), extra()).prop_map(|(a, b, extra)| RequestHeader {
        function_requester_identifier: a,
        function_call_identifier: b,
        extra,
    })
}

fn code() -> impl Strategy<Value = String> {
    "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}"
}

fn status_code_data() -> impl Strategy<Value = StatusCodeData> {
    (
        code(),
        code(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        extra(),
    )
        .prop_map(|(s, r, id, msg, extra)| StatusCodeData {
            subject_code: SubjectCode::new(&s).unwrap(),
            reason_code: ReasonCode::new(&r).unwrap(),
            subject_identifier: id,
            message: msg,
            extra,
        })
}

fn resp_header() -> impl Strategy<Value = ResponseHeader> {
    (
        proptest::sample::select(ExecutionStatus::ALL),
        proptest::option::of(status_code_data()),
        extra(),
        extra(),
    )
        .prop_map(|(status, data, e1, e2)| ResponseHeader {
            function_execution_status: FunctionExecutionStatus {
                status,
                status_code_data: data,
                extra: e1,
            },
            extra: e2,
        })
}

fn eid() -> impl Strategy<Value = Eid32> {
    "[0-9]{32}".prop_map(|s| Eid32::new(&s).unwrap())
}

fn iccid() -> impl Strategy<Value = IccidDigits> {
    "[0-9]{19}[0-9Ff]?".prop_map(|s| IccidDigits::new(&s).unwrap())
}

fn opt<T: Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

prop_compose! {
    fn ia_req()(header in opt(req_header()), c in bytes(20), i in bytes(80), a in text(), extra in extra())
        -> InitiateAuthenticationRequest {
        InitiateAuthenticationRequest { header, euicc_challenge: c, euicc_info1: i, smdp_address: a, extra }
    }
}
prop_compose! {
    fn ia_resp()(header in resp_header(), t in opt(tid()), s1 in opt(bytes(60)), g in opt(bytes(70)),
                 p in opt(bytes(22)), c in opt(bytes(100)), extra in extra()) -> InitiateAuthenticationResponse {
        InitiateAuthenticationResponse { header, transaction_id: t, server_signed1: s1, server_signature1: g,
            euicc_ci_pkid_to_be_used: p, server_certificate: c, extra }
    }
}
prop_compose! {
    fn ac_req()(header in opt(req_header()), t in tid(), a in bytes(200), extra in extra()) -> AuthenticateClientRequest {
        AuthenticateClientRequest { header, transaction_id: t, authenticate_server_response: a, extra }
    }
}
prop_compose! {
    fn ac_resp()(header in resp_header(), t in opt(tid()), m in opt(bytes(60)), s in opt(bytes(60)),
                 g in opt(bytes(70)), c in opt(bytes(100)), extra in extra()) -> AuthenticateClientResponse {
        AuthenticateClientResponse { header, transaction_id: t, profile_metadata: m, smdp_signed2: s,
            smdp_signature2: g, smdp_certificate: c, extra }
    }
}
prop_compose! {
    fn gbpp_req()(header in opt(req_header()), t in tid(), p in bytes(200), extra in extra()) -> GetBoundProfilePackageRequest {
        GetBoundProfilePackageRequest { header, transaction_id: t, prepare_download_response: p, extra }
    }
}
prop_compose! {
    fn gbpp_resp()(header in resp_header(), t in opt(tid()), b in opt(bytes(500)), extra in extra()) -> GetBoundProfilePackageResponse {
        GetBoundProfilePackageResponse { header, transaction_id: t, bound_profile_package: b, extra }
    }
}
prop_compose! {
    fn hn_req()(header in opt(req_header()), p in bytes(200), extra in extra()) -> HandleNotificationRequest {
        HandleNotificationRequest { header, pending_notification: p, extra }
    }
}
prop_compose! {
    fn cs_req()(header in opt(req_header()), t in tid(), c in bytes(200), extra in extra()) -> CancelSessionRequest {
        CancelSessionRequest { header, transaction_id: t, cancel_session_response: c, extra }
    }
}
prop_compose! {
    fn header_only()(header in resp_header(), extra in extra()) -> HeaderOnlyResponse {
        HeaderOnlyResponse { header, extra }
    }
}
prop_compose! {
    fn es11_ia_req()(header in opt(req_header()), c in bytes(20), i in bytes(80), address in text(),
                     smdp in any::<bool>(), extra in extra()) -> Es11InitiateAuthenticationRequest {
        Es11InitiateAuthenticationRequest { header, euicc_challenge: c, euicc_info1: i, address,
            address_key: if smdp { AddressKey::SmdpAddress } else { AddressKey::SmdsAddress }, extra }
    }
}
prop_compose! {
    fn event_entry()(event_id in secret(), rsp_server_address in text(), extra in extra()) -> EventEntry {
        EventEntry { event_id, rsp_server_address, extra }
    }
}
prop_compose! {
    fn es11_ac_resp()(header in resp_header(), t in opt(tid()),
                      e in opt(proptest::collection::vec(event_entry(), 0..4)), extra in extra())
        -> Es11AuthenticateClientResponse {
        Es11AuthenticateClientResponse { header, transaction_id: t, event_entries: e, extra }
    }
}
prop_compose! {
    fn register_event()(header in req_header(), eid in eid(), a in text(), e in secret(), f in any::<bool>(),
                        extra in extra()) -> RegisterEventRequest {
        RegisterEventRequest { header, eid, rsp_server_address: a, event_id: e, forwarding_indicator: f, extra }
    }
}
prop_compose! {
    fn delete_event()(header in req_header(), eid in eid(), e in secret(), extra in extra()) -> DeleteEventRequest {
        DeleteEventRequest { header, eid, event_id: e, extra }
    }
}
prop_compose! {
    fn download_order()(header in req_header(), eid in opt(eid()), iccid in opt(iccid()), p in opt(text()),
                        extra in extra()) -> DownloadOrderRequest {
        DownloadOrderRequest { header, eid, iccid, profile_type: p, extra }
    }
}
prop_compose! {
    fn download_order_resp()(header in resp_header(), iccid in opt(iccid()), extra in extra()) -> DownloadOrderResponse {
        DownloadOrderResponse { header, iccid, extra }
    }
}
prop_compose! {
    fn confirm_order()(header in req_header(), iccid in iccid(), eid in opt(eid()), m in opt(secret()),
                       c in opt(secret()), s in opt(text()), r in any::<bool>(), extra in extra()) -> ConfirmOrderRequest {
        ConfirmOrderRequest { header, iccid, eid, matching_id: m, confirmation_code: c, smds_address: s,
            release_flag: r, extra }
    }
}
prop_compose! {
    fn confirm_order_resp()(header in resp_header(), eid in opt(eid()), m in opt(secret()), s in opt(text()),
                            extra in extra()) -> ConfirmOrderResponse {
        ConfirmOrderResponse { header, eid, matching_id: m, smdp_address: s, extra }
    }
}
prop_compose! {
    fn cancel_order()(header in req_header(), iccid in iccid(), eid in opt(eid()), m in opt(secret()),
                      f in text(), extra in extra()) -> CancelOrderRequest {
        CancelOrderRequest { header, iccid, eid, matching_id: m, final_profile_status_indicator: f, extra }
    }
}
prop_compose! {
    fn release_profile()(header in req_header(), iccid in iccid(), extra in extra()) -> ReleaseProfileRequest {
        ReleaseProfileRequest { header, iccid, extra }
    }
}
prop_compose! {
    fn hdpi()(header in req_header(), eid in opt(eid()), iccid in iccid(), p in text(), t in text(),
              n in any::<u32>(), st in extra(), r in opt(bytes(40)), extra in extra()) -> HandleDownloadProgressInfoRequest {
        HandleDownloadProgressInfoRequest { header, eid, iccid, profile_type: p, timestamp: t,
            notification_point_id: NotificationPointId(n), notification_point_status: st, result_data: r, extra }
    }
}

fn round_trip<T>(v: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = serde_json::to_vec(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = parse_body(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    // Pretty-printed form parses to the same value too.
    let pretty = serde_json::to_vec_pretty(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = parse_body(&pretty).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test] fn rt_es9_initiate_authentication_request(v in ia_req()) { round_trip(&v)?; }
    #[test] fn rt_es9_initiate_authentication_response(v in ia_resp()) { round_trip(&v)?; }
    #[test] fn rt_es9_authenticate_client_request(v in ac_req()) { round_trip(&v)?; }
    #[test] fn rt_es9_authenticate_client_response(v in ac_resp()) { round_trip(&v)?; }
    #[test] fn rt_es9_get_bpp_request(v in gbpp_req()) { round_trip(&v)?; }
    #[test] fn rt_es9_get_bpp_response(v in gbpp_resp()) { round_trip(&v)?; }
    #[test] fn rt_es9_handle_notification_request(v in hn_req()) { round_trip(&v)?; }
    #[test] fn rt_es9_cancel_session_request(v in cs_req()) { round_trip(&v)?; }
    #[test] fn rt_header_only_response(v in header_only()) { round_trip(&v)?; }
    #[test] fn rt_es11_initiate_authentication_request(v in es11_ia_req()) { round_trip(&v)?; }
    #[test] fn rt_es11_authenticate_client_response(v in es11_ac_resp()) { round_trip(&v)?; }
    #[test] fn rt_es12_register_event_request(v in register_event()) { round_trip(&v)?; }
    #[test] fn rt_es12_delete_event_request(v in delete_event()) { round_trip(&v)?; }
    #[test] fn rt_es2_download_order_request(v in download_order()) { round_trip(&v)?; }
    #[test] fn rt_es2_download_order_response(v in download_order_resp()) { round_trip(&v)?; }
    #[test] fn rt_es2_confirm_order_request(v in confirm_order()) { round_trip(&v)?; }
    #[test] fn rt_es2_confirm_order_response(v in confirm_order_resp()) { round_trip(&v)?; }
    #[test] fn rt_es2_cancel_order_request(v in cancel_order()) { round_trip(&v)?; }
    #[test] fn rt_es2_release_profile_request(v in release_profile()) { round_trip(&v)?; }
    #[test] fn rt_es2_handle_download_progress_info_request(v in hdpi()) { round_trip(&v)?; }

    /// Arbitrary bytes never panic, and every error maps to a status.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        for target in ["ac", "ia_resp", "es11_ac_resp", "confirm", "hdpi"] {
            if let Err(e) = parse_as(target, &body) {
                let _ = (e.status(), e.to_string());
            }
        }
    }

    /// Byte-level mutations of a valid body never panic and always classify.
    #[test]
    fn mutated_bodies_never_panic(v in ac_req(), at in any::<prop::sample::Index>(), byte in any::<u8>(),
                                  cut in any::<prop::sample::Index>()) {
        let mut body = serde_json::to_vec(&v).unwrap();
        let i = at.index(body.len());
        body[i] = byte;
        let mut truncated = body.clone();
        truncated.truncate(cut.index(body.len() + 1));
        for b in [&body, &truncated] {
            if let Err(e) = parse_body::<AuthenticateClientRequest>(b) {
                let _ = (e.status(), e.to_string(), e.path());
            }
            let _ = parse_body::<Es11InitiateAuthenticationRequest>(b);
        }
    }
}
