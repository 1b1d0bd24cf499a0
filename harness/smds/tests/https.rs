//! The reference SM-DS over real HTTPS on 127.0.0.1: an SM-DP+ registers events on the
//! mutual-TLS ES12 listener, an in-test LPA discovers them with the reference eUICC on the ES11
//! listener (normative paths and lpac's es9plus aliases), and the ES11/ES12 statuses and the
//! transport rules come back over the wire. Servers stop by themselves after a bounded number
//! of requests; every test checks that none answered 5xx.

mod common;

use common::*;
use rsp_codec::json::{Es11Function, Es12Function};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::{Role, Time};
use rsp_http::{ClientConfig, HttpClient, Trust};
use rsp_smds::{EventStore, MemoryEventStore};
use rstest::rstest;
use serde_json::{json, Value};

fn ds() -> Ds<MemoryEventStore> {
    start(MemoryEventStore::default(), DsOptions::default())
}

#[rstest]
#[case::es11(Style::Es11)]
#[case::es9plus_alias(Style::Es9PlusAlias)]
fn a_registered_event_is_discovered_over_https(#[case] style: Style) {
    let ds = ds();
    let dp = dp_client(&ds);
    let lpa = lpa_client(&ds);
    let t = Target {
        client: &lpa,
        port: ds.es11.local_addr().port(),
        address: &ds.address,
    };
    let mut card = card();
    let eid = card.eid().to_digits();
    assert_eq!(discover(&t, &mut card, style), vec![]);
    assert_eq!(register(&ds, &dp, &eid, "EVENT-1", false), "ok");
    assert_eq!(register(&ds, &dp, OTHER_EID, "EVENT-2", false), "ok");
    assert_eq!(
        discover(&t, &mut card, style),
        vec![("EVENT-1".to_owned(), SMDP.to_owned())]
    );
    assert_eq!(delete(&ds, &dp, &eid, "EVENT-1"), "ok");
    assert_eq!(discover(&t, &mut card, style), vec![]);
    let audit = ds.service.with(|s| s.store().audit_log());
    let actions: Vec<_> = audit.iter().map(|a| a.action.name()).collect();
    assert_eq!(
        actions,
        ["discover", "register", "register", "discover", "delete", "discover"]
    );
    assert_eq!(ds.stop(), 0);
}

#[rstest]
#[case::duplicate_register("register", "E-1", "8.9.5/3.3")]
#[case::delete_unknown("delete", "NO-SUCH", "8.9.5/3.9")]
#[case::register_other("register", "E-2", "ok")]
#[case::delete_known("delete", "E-1", "ok")]
fn es12_statuses_over_https(#[case] op: &str, #[case] event_id: &str, #[case] expect: &str) {
    let ds = ds();
    let dp = dp_client(&ds);
    let eid = card().eid().to_digits();
    assert_eq!(register(&ds, &dp, &eid, "E-1", false), "ok");
    let got = match op {
        "register" => register(&ds, &dp, &eid, event_id, false),
        _ => delete(&ds, &dp, &eid, event_id),
    };
    assert_eq!(got, expect);
    assert_eq!(ds.stop(), 0);
}

#[test]
fn es12_without_a_client_certificate_is_refused() {
    let ds = ds();
    let register_url = ds.es12_url(Es12Function::RegisterEvent.path());
    let body = register_body(OTHER_EID, "E-1", SMDP, false);
    // No certificate: the mutual-TLS listener refuses the handshake.
    let anonymous = client(ds.es12.local_addr(), None);
    let e = anonymous
        .post(
            &register_url,
            "application/json",
            body.to_string().as_bytes(),
        )
        .expect_err("no client certificate");
    assert!(
        matches!(
            e,
            rsp_http::HttpError::TlsHandshake { .. } | rsp_http::HttpError::Http { .. }
        ),
        "{e}"
    );
    // A clientAuth certificate from the CI that is no SM-DP+/SM-DS: TLS accepts it, the SM-DS
    // does not (403).
    let operator = client(ds.es12.local_addr(), Some(identity(Role::Operator)));
    let (status, _) = post(&operator, &register_url, &body);
    assert_eq!(status, 403);
    // ES12 on the LPA listener: 403, whatever the caller.
    let lpa = lpa_client(&ds);
    let (status, _) = post(
        &lpa,
        &ds.es11_url(Es12Function::RegisterEvent.path()),
        &body,
    );
    assert_eq!(status, 403);
    // ES11 on the ES12 listener: 403.
    let dp = dp_client(&ds);
    let (status, _) = post(
        &dp,
        &ds.es12_url(Es11Function::InitiateAuthentication.path()),
        &json!({}),
    );
    assert_eq!(status, 403);
    // An SM-DS (cascade child) may register.
    let child = client(ds.es12.local_addr(), Some(identity(Role::DsTls)));
    let (status, v) = post(&child, &register_url, &body);
    assert_eq!((status, outcome(&v)), (200, "ok".to_owned()));
    assert_eq!(ds.service.with(|s| s.store().len()), 1);
    assert_eq!(ds.stop(), 0);
}

/// Builds EUICCInfo1 with chosen CI lists and SVN.
fn info1(svn: [u8; 3], verification: &[&[u8]], signing: &[&[u8]]) -> Vec<u8> {
    let list = |tag: u32, keys: &[&[u8]]| {
        Tlv::constructed(
            Tag::of(tag),
            keys.iter()
                .map(|k| Tlv::primitive(Tag::of(0x04), k.to_vec()))
                .collect(),
        )
    };
    Tlv::constructed(
        Tag::of(0xBF20),
        vec![
            Tlv::primitive(Tag::of(0x82), svn.to_vec()),
            list(0xA9, verification),
            list(0xAA, signing),
        ],
    )
    .encode_der()
}

#[derive(Debug, Clone, Copy)]
enum Ia {
    WrongAddress,
    OldSvn,
    NoSigningCi,
    NoVerificationCi,
}

#[rstest]
#[case::invalid_smds_address(Ia::WrongAddress, "8.9.1/3.8")]
#[case::svn_not_supported(Ia::OldSvn, "8.9.3/3.1")]
#[case::no_supported_ci_for_signing(Ia::NoSigningCi, "8.9.2/3.1")]
#[case::no_dsauth_under_a_verification_ci(Ia::NoVerificationCi, "8.9.4/3.7")]
fn es11_initiate_authentication_errors_over_https(#[case] case: Ia, #[case] expect: &str) {
    let ds = ds();
    let lpa = lpa_client(&ds);
    let mut card = card();
    let ci = pki().curves()[0].ci.cert.key_id().to_vec();
    let unknown = [0x5A; 20];
    let (address, info) = match case {
        Ia::WrongAddress => ("other.example.com", None),
        Ia::OldSvn => (HOST, Some(info1([1, 0, 0], &[&ci], &[&ci]))),
        Ia::NoSigningCi => (HOST, Some(info1([2, 2, 0], &[&ci], &[&unknown]))),
        Ia::NoVerificationCi => (HOST, Some(info1([2, 2, 0], &[&unknown], &[&ci]))),
    };
    let t = Target {
        client: &lpa,
        port: ds.es11.local_addr().port(),
        address,
    };
    let mut l = rsp_euicc::testkit::Lpa::open(&mut card);
    for style in [Style::Es11, Style::Es9PlusAlias] {
        let v = initiate(&t, &mut l, style, info.clone());
        assert_eq!(outcome(&v), expect, "{style:?}");
    }
    assert_eq!(ds.stop(), 0);
}

#[derive(Debug, Clone, Copy)]
enum Ac {
    BadSignature,
    UnknownCiEum,
    UnknownTransaction,
}

#[rstest]
#[case::euicc_signature_invalid(Ac::BadSignature, "8.1/6.1")]
#[case::eum_under_unknown_ci(Ac::UnknownCiEum, "8.11.1/3.9")]
#[case::transaction_unknown(Ac::UnknownTransaction, "8.10.1/3.9")]
fn es11_authenticate_client_errors_over_https(#[case] case: Ac, #[case] expect: &str) {
    let ds = ds();
    let lpa = lpa_client(&ds);
    let t = Target {
        client: &lpa,
        port: ds.es11.local_addr().port(),
        address: &ds.address,
    };
    let mut card = card();
    let v = match case {
        Ac::BadSignature => discover_with(&t, &mut card, Style::Es11, |resp| {
            let sig = &mut resp.children_mut()[0].children_mut()[1];
            let mut s = sig.content().unwrap().to_vec();
            s[0] ^= 1;
            sig.set_content(s);
        }),
        Ac::UnknownCiEum => {
            let set = pki();
            let bad = set
                .invalid
                .iter()
                .find(|e| e.name.ends_with("CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der"))
                .expect("invalid EUM");
            let der = bad.cert.der().to_vec();
            discover_with(&t, &mut card, Style::Es11, move |resp| {
                resp.children_mut()[0].children_mut()[3] = Tlv::parse(&der).unwrap();
            })
        }
        Ac::UnknownTransaction => {
            let (_, v) = post(
                &lpa,
                &ds.es11_url(Es11Function::AuthenticateClient.path()),
                &json!({"transactionId": "00112233445566778899AABBCCDDEEFF",
                        "authenticateServerResponse": b64(&[0xBF, 0x38, 0x00])}),
            );
            v
        }
    };
    assert_eq!(outcome(&v), expect, "{v}");
    assert_eq!(ds.stop(), 0);
}

#[test]
fn transport_rules_are_answered_with_sgp22_statuses() {
    let ds = ds();
    let lpa = lpa_client(&ds);
    let url = ds.es11_url(Es11Function::InitiateAuthentication.path());
    let status_of = |r: rsp_http::HttpResponse| -> (u16, String) {
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        (r.status, outcome(&v))
    };
    assert_eq!(
        status_of(lpa.post(&url, "text/plain", b"{}").unwrap()),
        (200, "1.2.1/2.1".to_owned())
    );
    let mut config = ClientConfig::new(Trust::InsecureAcceptAny);
    config.admin_protocol = Some("gsma/rsp/v1.0.0".into());
    config.resolve = vec![(HOST.into(), ds.es11.local_addr())];
    let v1 = HttpClient::new(config).unwrap();
    assert_eq!(
        status_of(v1.post(&url, "application/json", b"{}").unwrap()),
        (200, "1.2.2/2.1".to_owned())
    );
    let r = lpa.post(&url, "application/json", b"{not json").unwrap();
    assert_eq!(r.status, 200, "malformed JSON is a status answer");
    let big = vec![b' '; rsp_smds::smds::MAX_BODY + 1];
    assert_eq!(
        status_of(lpa.post(&url, "application/json", &big).unwrap()),
        (200, "1.2.1/2.1".to_owned())
    );
    let other = ds.es11_url("/gsma/rsp2/es11/nothing");
    assert_eq!(
        lpa.post(&other, "application/json", b"{}").unwrap().status,
        404
    );
    assert_eq!(
        lpa.request("GET", &url, &[], b"").unwrap().status,
        405,
        "POST only"
    );
    // ES12 with the same rules on its own listener.
    let dp = dp_client(&ds);
    let es12 = ds.es12_url(Es12Function::DeleteEvent.path());
    assert_eq!(
        status_of(dp.post(&es12, "application/xml", b"{}").unwrap()),
        (200, "1.2.1/2.1".to_owned())
    );
    assert_eq!(ds.stop(), 0);
}

#[test]
fn the_clock_is_injected() {
    // Registration time and audit times come from the service's clock, not the wall clock.
    let ds = ds();
    let dp = dp_client(&ds);
    let eid = card().eid().to_digits();
    assert_eq!(register(&ds, &dp, &eid, "E-1", false), "ok");
    let (at, audit) = ds.service.with(|s| {
        (
            s.store().events_for(&eid).unwrap()[0].registered_at,
            s.store().audit_log(),
        )
    });
    assert_eq!(at, now());
    assert_eq!(Time::from_unix(audit[0].time), now());
    assert_eq!(ds.stop(), 0);
}
