//! Secrets (matching IDs, SM-DS event IDs, confirmation codes) must not reach reports or logs
//! through `Debug`, through classified JSON parse errors, or through activation-code errors and
//! lint findings.

use std::marker::PhantomData;

use rsp_codec::activation::{lint, ActivationCode, ParseOptions};
use rsp_codec::json::{
    parse_body, CancelOrderRequest, ConfirmOrderRequest, ConfirmOrderResponse, DeleteEventRequest,
    Es11AuthenticateClientResponse, EventEntry, JsonBodyError, RegisterEventRequest, Secret,
    REDACTED_REASON,
};
use rsp_codec::status::KnownStatus;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

const EID: &str = "89049032123451234512345678901235";
const MATCHING_ID: &str = "Q7X9-ZK4W-J2V8";
const CONFIRMATION_CODE: &str = "58213907";
const EVENT_ID_1: &str = "EVT-7YQ2-HN3D";
const EVENT_ID_2: &str = "EVT-K9P4-WZ6M";
const ES2_HEADER: &str =
    r#""header":{"functionRequesterIdentifier":"MNO-1","functionCallIdentifier":"FCI-42"}"#;
const ES12_HEADER: &str = r#""header":{"functionRequesterIdentifier":"smdp.example.com","functionCallIdentifier":"RE-7"}"#;

fn parse<T: DeserializeOwned>(body: &str) -> T {
    match parse_body(body.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("{e} in {body}"),
    }
}

/// Parses `body`, checks that it re-serialises to the same JSON (the wire format is unchanged)
/// and returns its `Debug` rendering, compact and pretty.
fn debug_of<T: DeserializeOwned + Serialize + std::fmt::Debug>(body: &str) -> String {
    let v: T = parse(body);
    let original: Value = serde_json::from_str(body).unwrap();
    assert_eq!(serde_json::to_value(&v).unwrap(), original);
    format!("{v:?}\n{v:#?}")
}

fn assert_hidden(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{s:?} leaked in:\n{text}");
    }
}

fn assert_shown(text: &str, values: &[&str]) {
    for v in values {
        assert!(text.contains(v), "{v:?} missing from:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Secret itself

#[test]
fn secret_api() {
    let s = Secret::from(MATCHING_ID);
    assert_eq!(s.expose(), MATCHING_ID);
    assert_eq!(s, Secret::from(MATCHING_ID.to_string()));
    assert_eq!(s.clone(), s);
    assert_ne!(s, Secret::from("other"));
    assert_eq!(format!("{s:?}"), "Secret(<redacted, 14 chars>)");
    assert_eq!(
        format!("{:?}", Secret::from("äö")),
        "Secret(<redacted, 2 chars>)"
    );
    assert_eq!(
        format!("{:#?}", Secret::default()),
        "Secret(<redacted, 0 chars>)"
    );
    // Transparent on the wire.
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        format!("\"{MATCHING_ID}\"")
    );
    let back: Secret = serde_json::from_str(&format!("\"{MATCHING_ID}\"")).unwrap();
    assert_eq!(back, s);
    let escaped: Secret = serde_json::from_str(r#""A\u0042C""#).unwrap();
    assert_eq!(escaped.expose(), "ABC");
}

/// `Probe::<T>::new().is_display()` is true exactly when `T: Display` (inherent methods win
/// over trait methods; the inherent one only exists under the bound).
struct Probe<T>(PhantomData<T>);
impl<T> Probe<T> {
    fn new() -> Self {
        Probe(PhantomData)
    }
}
trait NotDisplay {
    fn is_display(&self) -> bool {
        false
    }
}
impl<T> NotDisplay for Probe<T> {}
impl<T: std::fmt::Display> Probe<T> {
    fn is_display(&self) -> bool {
        true
    }
}

#[test]
fn secret_has_no_display() {
    assert!(Probe::<String>::new().is_display());
    assert!(!Probe::<Secret>::new().is_display());
}

#[test]
fn secret_wrong_type_errors_do_not_quote_the_value() {
    for (json, ty) in [
        ("58213907", "integer"),
        ("-58213907", "integer"),
        ("582139.07", "floating point"),
        ("true", "boolean"),
        ("[\"58213907\"]", "sequence"),
        ("{\"a\":\"58213907\"}", "map"),
    ] {
        let e = serde_json::from_str::<Secret>(json)
            .unwrap_err()
            .to_string();
        assert_hidden(&e, &["58213907", "582139", "true"]);
        assert!(
            e.starts_with(&format!("invalid type: {ty}, expected a string")),
            "{e}"
        );
    }
    let e = serde_json::from_str::<Secret>("null")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("invalid type: null"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Debug of the bodies

#[test]
fn confirm_order_debug_redacts_matching_id_and_confirmation_code() {
    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","eid":"{EID}","matchingId":"{MATCHING_ID}","confirmationCode":"{CONFIRMATION_CODE}","smdsAddress":"lpa.ds.gsma.com","releaseFlag":true,"vendorNote":"n-1"}}"#
    );
    let dbg = debug_of::<ConfirmOrderRequest>(&body);
    assert_hidden(&dbg, &[MATCHING_ID, CONFIRMATION_CODE]);
    assert_shown(
        &dbg,
        &[
            "MNO-1",
            "FCI-42",
            "8988211000000000001",
            EID,
            "lpa.ds.gsma.com",
            "release_flag: true",
            "vendorNote",
            "n-1",
            "matching_id: Some(Secret(<redacted, 14 chars>))",
            "confirmation_code: Some(Secret(<redacted, 8 chars>))",
        ],
    );
    let c: ConfirmOrderRequest = parse(&body);
    assert_eq!(
        c.matching_id.as_ref().map(Secret::expose),
        Some(MATCHING_ID)
    );
    assert_eq!(
        c.confirmation_code.as_ref().map(Secret::expose),
        Some(CONFIRMATION_CODE)
    );

    let resp = format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"eid":"{EID}","matchingId":"{MATCHING_ID}","smdpAddress":"smdp.example.com"}}"#
    );
    let dbg = debug_of::<ConfirmOrderResponse>(&resp);
    assert_hidden(&dbg, &[MATCHING_ID]);
    assert_shown(&dbg, &[EID, "smdp.example.com", "ExecutedSuccess"]);

    let cancel = format!(
        r#"{{{ES2_HEADER},"iccid":"89882110000000000012","matchingId":"{MATCHING_ID}","finalProfileStatusIndicator":"Unavailable"}}"#
    );
    let dbg = debug_of::<CancelOrderRequest>(&cancel);
    assert_hidden(&dbg, &[MATCHING_ID]);
    assert_shown(&dbg, &["89882110000000000012", "Unavailable"]);
}

#[test]
fn es11_event_entries_debug_redacts_event_ids() {
    let body = format!(
        r#"{{"header":{{"functionExecutionStatus":{{"status":"Executed-Success"}}}},"transactionId":"DE57826309EBD2A06097E6F2F25D7B5F",
            "eventEntries":[{{"eventId":"{EVENT_ID_1}","rspServerAddress":"smdp.example.com"}},
                            {{"eventId":"{EVENT_ID_2}","rspServerAddress":"alt-smds.example.com","x":1}}]}}"#
    );
    let dbg = debug_of::<Es11AuthenticateClientResponse>(&body);
    assert_hidden(&dbg, &[EVENT_ID_1, EVENT_ID_2]);
    assert_shown(
        &dbg,
        &[
            "DE57826309EBD2A06097E6F2F25D7B5F",
            "smdp.example.com",
            "alt-smds.example.com",
            "event_id: Secret(<redacted, 13 chars>)",
        ],
    );
    let r: Es11AuthenticateClientResponse = parse(&body);
    let entries = r.event_entries.unwrap();
    assert_eq!(entries[0], EventEntry::new(EVENT_ID_1, "smdp.example.com"));
    assert_eq!(entries[1].event_id.expose(), EVENT_ID_2);
}

#[test]
fn es12_debug_redacts_event_id() {
    let body = format!(
        r#"{{{ES12_HEADER},"eid":"{EID}","rspServerAddress":"smdp.example.com","eventId":"{EVENT_ID_1}","forwardingIndicator":true}}"#
    );
    let dbg = debug_of::<RegisterEventRequest>(&body);
    assert_hidden(&dbg, &[EVENT_ID_1]);
    assert_shown(
        &dbg,
        &[
            EID,
            "smdp.example.com",
            "RE-7",
            "forwarding_indicator: true",
            "event_id: Secret(<redacted, 13 chars>)",
        ],
    );
    let r: RegisterEventRequest = parse(&body);
    assert_eq!(r.event_id.expose(), EVENT_ID_1);

    let body = format!(r#"{{{ES12_HEADER},"eid":"{EID}","eventId":"{EVENT_ID_2}"}}"#);
    let dbg = debug_of::<DeleteEventRequest>(&body);
    assert_hidden(&dbg, &[EVENT_ID_2]);
    assert_shown(&dbg, &[EID, "RE-7"]);
}

// ---------------------------------------------------------------------------------------------
// Parse errors

/// Parses `body` as `T`, expecting an error at `path`; checks that no rendering of the error
/// (Display, Debug, the Failed response header) contains any of `secrets`.
fn secret_error<T: DeserializeOwned + std::fmt::Debug>(
    body: &str,
    path: &str,
    secrets: &[&str],
) -> JsonBodyError {
    let e = parse_body::<T>(body.as_bytes()).unwrap_err();
    assert_eq!(e.path(), Some(path), "{e:?}");
    let header = serde_json::to_string(&e.response_header()).unwrap();
    let all = format!("{e}\n{e:?}\n{header}");
    assert_hidden(&all, secrets);
    e
}

#[test]
fn parse_errors_never_echo_secret_values() {
    // A confirmation code sent as a JSON number (a likely client bug) is still the code.
    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","confirmationCode":{CONFIRMATION_CODE},"releaseFlag":true}}"#
    );
    let e = secret_error::<ConfirmOrderRequest>(&body, "confirmationCode", &[CONFIRMATION_CODE]);
    assert_eq!(
        e,
        JsonBodyError::InvalidValue {
            path: "confirmationCode".into(),
            reason: "invalid type: integer, expected a string".into()
        }
    );
    assert_eq!(e.status(), KnownStatus::InvalidParameter);

    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","confirmationCode":5821.3907,"releaseFlag":true}}"#
    );
    secret_error::<ConfirmOrderRequest>(&body, "confirmationCode", &["5821", "3907"]);

    let body = r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"matchingId":47110815}"#;
    secret_error::<ConfirmOrderResponse>(body, "matchingId", &["47110815"]);

    let body = format!(
        r#"{{{ES12_HEADER},"eid":"{EID}","rspServerAddress":"a.example","eventId":99887766,"forwardingIndicator":false}}"#
    );
    secret_error::<RegisterEventRequest>(&body, "eventId", &["99887766"]);

    // `null` for a mandatory secret is a missing field, as for any other field.
    let body = format!(r#"{{{ES12_HEADER},"eid":"{EID}","eventId":null}}"#);
    let e = secret_error::<DeleteEventRequest>(&body, "eventId", &[]);
    assert_eq!(e.status(), KnownStatus::MandatoryParameterMissing);

    // Event IDs in the wrong place: serde would quote the string it did not expect.
    let ok = r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"#;
    let e = secret_error::<Es11AuthenticateClientResponse>(
        &format!(r#"{ok}"eventEntries":["{EVENT_ID_1}"]}}"#),
        "eventEntries[0]",
        &[EVENT_ID_1],
    );
    assert_eq!(
        e,
        JsonBodyError::InvalidValue {
            path: "eventEntries[0]".into(),
            reason: REDACTED_REASON.into()
        }
    );
    secret_error::<Es11AuthenticateClientResponse>(
        &format!(r#"{ok}"eventEntries":"{EVENT_ID_1}"}}"#),
        "eventEntries",
        &[EVENT_ID_1],
    );
    secret_error::<Es11AuthenticateClientResponse>(
        &format!(r#"{ok}"eventEntries":[{{"eventId":12345678,"rspServerAddress":"a.example"}}]}}"#),
        "eventEntries[0].eventId",
        &["12345678"],
    );
    secret_error::<Es11AuthenticateClientResponse>(
        &format!(r#"{ok}"eventEntries":[{{"eventId":"{EVENT_ID_1}","rspServerAddress":false}}]}}"#),
        "eventEntries[0].rspServerAddress",
        &[EVENT_ID_1],
    );

    // A duplicate secret key names the key only.
    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","matchingId":"{MATCHING_ID}","matchingId":"{EVENT_ID_1}","releaseFlag":true}}"#
    );
    secret_error::<ConfirmOrderRequest>(&body, "matchingId", &[MATCHING_ID, EVENT_ID_1]);

    // A syntax error inside a secret string does not quote it either.
    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","confirmationCode":"{CONFIRMATION_CODE}\q","releaseFlag":true}}"#
    );
    let e = parse_body::<ConfirmOrderRequest>(body.as_bytes()).unwrap_err();
    assert!(matches!(e, JsonBodyError::Syntax { .. }), "{e:?}");
    assert_hidden(&format!("{e}\n{e:?}"), &[CONFIRMATION_CODE]);

    // Non-secret fields keep serde's full message (the redaction is targeted).
    let body = format!(
        r#"{{{ES2_HEADER},"iccid":"8988211000000000001","smdsAddress":12345,"releaseFlag":true}}"#
    );
    let e = parse_body::<ConfirmOrderRequest>(body.as_bytes()).unwrap_err();
    assert_eq!(e.path(), Some("smdsAddress"));
    assert!(e.to_string().contains("12345"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Activation codes

#[test]
fn activation_code_errors_and_lints_never_quote_the_matching_id() {
    let upper = MATCHING_ID;
    let lower = MATCHING_ID.to_ascii_lowercase();
    let spaced = MATCHING_ID.replace('-', " ");
    let dotted = MATCHING_ID.replace('-', ".");
    let long = MATCHING_ID.repeat(20);
    let inputs = [
        format!("1$SMDP.EXAMPLE.COM${upper}"),
        format!("1$SMDP.EXAMPLE.COM${lower}"),
        format!("1$SMDP.EXAMPLE.COM${spaced}"),
        format!("1$SMDP.EXAMPLE.COM${dotted}"),
        format!("1$SMDP.EXAMPLE.COM${upper}\u{7}"),
        format!("1$SMDP.EXAMPLE.COM$ {upper} "),
        format!("lpa:1$SMDP.EXAMPLE.COM${upper}"),
        format!("2$SMDP.EXAMPLE.COM${upper}"),
        format!("$SMDP.EXAMPLE.COM${upper}"),
        format!("1$${upper}$1"),
        format!("1$smdp.example.com:8443${upper}"),
        format!("1$https://smdp.example.com${upper}"),
        format!("1$SMDP.EXAMPLE.COM${upper}$1.x"),
        format!("1$SMDP.EXAMPLE.COM${upper}$1.03"),
        format!("1$SMDP.EXAMPLE.COM${upper}$$yes"),
        format!("1$SMDP.EXAMPLE.COM${upper}$$"),
        format!("1$SMDP.EXAMPLE.COM${upper}$$1$V3$V4"),
        format!("1$SMDP.EXAMPLE.COM${long}"),
        format!("1$SMDP.EXAMPLE.COM${upper}$1.3.6.1.4.1.31746$1"),
    ];
    // Only the third field is the matching ID: a token shifted into the OID or CCR field by a
    // stray '$' (`1$A.COM$$TOKEN`) is quoted like any OID or flag (positional grammar).
    // Windows of 4 characters: a message may name one offending character, never a run of them.
    let windows: Vec<String> = [upper.to_string(), lower.clone(), spaced, dotted]
        .iter()
        .flat_map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars
                .windows(4)
                .map(|w| w.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect();
    let windows: Vec<&str> = windows.iter().map(String::as_str).collect();
    let mut errors = 0;
    let mut findings = 0;
    for input in &inputs {
        for opts in [
            ParseOptions::default(),
            ParseOptions::strict(),
            ParseOptions::lab(),
        ] {
            for result in [
                ActivationCode::parse(input, &opts),
                ActivationCode::parse_qr(input, &opts),
            ] {
                match result {
                    Ok(ac) => {
                        assert_hidden(&format!("{ac:?}\n{ac:#?}\n{}", ac.redacted()), &windows)
                    }
                    Err(e) => {
                        errors += 1;
                        assert_hidden(&format!("{e}\n{e:?}\n{e:#?}"), &windows);
                    }
                }
            }
        }
        for f in lint(input) {
            findings += 1;
            assert_hidden(&format!("{f}\n{f:?}"), &windows);
        }
    }
    // The inputs do exercise the error and lint paths.
    assert!(errors > 40, "{errors}");
    assert!(findings > 10, "{findings}");
}

#[test]
fn a_token_shifted_into_the_oid_field_is_not_quoted() {
    // A stray `$` moves the matching ID into field 4 (SM-DP+ OID).
    let code = "1$SMDP.EXAMPLE.COM$$04386-AGYFT-A74Y8-3F815";
    let err = ActivationCode::parse(code, &ParseOptions::default()).unwrap_err();
    assert_eq!(err.kind(), "InvalidOid");
    assert_hidden(&err.to_string(), &["AGYFT"]);
    assert_hidden(&format!("{err:?}"), &["AGYFT"]);
    for finding in lint(code) {
        assert_hidden(&finding.to_string(), &["AGYFT"]);
    }
    // A real OID attempt is still shown, so the user can see what is wrong with it.
    let err =
        ActivationCode::parse("1$SMDP.EXAMPLE.COM$X$1.02.3", &ParseOptions::strict()).unwrap_err();
    assert!(err.to_string().contains("1.02.3"), "{err}");
}
