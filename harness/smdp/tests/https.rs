//! A whole download over real HTTPS on 127.0.0.1: the reference SM-DP+ served by `rsp-http` with
//! its DPtls certificate, an in-test LPA using the HTTPS client (trusting the CI, with the
//! SGP.22 role check of the TLS certificate), and the reference eUICC over APDUs.

mod common;

use std::sync::Arc;

use common::*;
use rsp_codec::json::Es9Function;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_euicc::testkit::{self, Lpa};
use rsp_http::{ClientConfig, HttpClient, Trust};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{MemoryStore, Order, OrderState, OrderStore};
use serde_json::{json, Value};

struct Served {
    server: rsp_http::ServerHandle,
    service: Arc<SmdpService<MemoryStore>>,
    client: HttpClient,
}

fn serve(orders: Vec<Order>) -> Served {
    let service = Arc::new(SmdpService::new(smdp(orders)));
    let Https { server, client } = serve_https(service.clone(), 200);
    Served {
        server,
        service,
        client,
    }
}

fn call(s: &Served, f: Es9Function, body: &Value) -> (u16, Value, Option<String>) {
    let url = format!(
        "https://{ADDRESS}:{}{}",
        s.server.local_addr().port(),
        f.path()
    );
    let r = s
        .client
        .post(&url, "application/json", body.to_string().as_bytes())
        .expect("POST");
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).expect("JSON")
    };
    (r.status, v, r.header("x-admin-protocol").map(str::to_owned))
}

fn ok(v: &Value) -> &Value {
    assert_eq!(
        v["header"]["functionExecutionStatus"]["status"], "Executed-Success",
        "{v}"
    );
    v
}

#[test]
fn a_download_over_https_installs_the_profile() {
    let s = serve(vec![Order::released(
        ICCID,
        profile(),
        Some("AC-HTTPS"),
        None,
    )]);
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let (status, ia, admin) = call(
        &s,
        Es9Function::InitiateAuthentication,
        &json!({
            "euiccChallenge": b64(ch.children()[0].content().unwrap()), "euiccInfo1": b64(&info1), "smdpAddress": ADDRESS,
        }),
    );
    assert_eq!((status, admin.as_deref()), (200, Some("gsma/rsp/v2.5.0")));
    ok(&ia);
    let req = authenticate_server_request(&ia, Some("AC-HTTPS"));
    let auth = lpa.call(&req.encode_der()).encode();
    let tx = ia["transactionId"].as_str().unwrap().to_owned();
    let (_, ac, _) = call(
        &s,
        Es9Function::AuthenticateClient,
        &json!({"transactionId": tx, "authenticateServerResponse": b64(&auth)}),
    );
    ok(&ac);
    let prep = prepare(&mut lpa, &ac, None, &tx);
    let (_, gb, _) = call(
        &s,
        Es9Function::GetBoundProfilePackage,
        &json!({"transactionId": tx, "prepareDownloadResponse": b64(&prep)}),
    );
    let bpp = unb64(&ok(&gb)["boundProfilePackage"]);
    let pir = testkit::load_pieces(&mut lpa, &Tlv::parse(&bpp).unwrap());
    assert_eq!(testkit::pir_error(&pir), None);
    let (status, body, _) = call(
        &s,
        Es9Function::HandleNotification,
        &json!({"pendingNotification": b64(&pir.encode())}),
    );
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        s.service.with(|m| m.store().get(ICCID).unwrap().state),
        OrderState::Installed
    );
}

#[test]
fn transport_rules_are_answered_with_sgp22_statuses() {
    let s = serve(vec![]);
    let url = format!(
        "https://{ADDRESS}:{}{}",
        s.server.local_addr().port(),
        Es9Function::InitiateAuthentication.path()
    );
    let r = s.client.post(&url, "text/plain", b"{}").unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (
            r.status,
            v["header"]["functionExecutionStatus"]["statusCodeData"]["subjectCode"].as_str()
        ),
        (200, Some("1.2.1"))
    );
    let dir = rsp_euicc::testkit::generated_pki(7);
    let ci = std::fs::read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).unwrap();
    let mut config = ClientConfig::new(Trust::Roots(vec![ci]));
    config.admin_protocol = Some("gsma/rsp/v1.0.0".into());
    config.resolve = vec![(ADDRESS.into(), s.server.local_addr())];
    let v1 = HttpClient::new(config).unwrap();
    let r = v1.post(&url, "application/json", b"{}").unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v["header"]["functionExecutionStatus"]["statusCodeData"]["subjectCode"],
        "1.2.2"
    );
    let r = s
        .client
        .post(&url, "application/json", b"{not json")
        .unwrap();
    assert_eq!(
        r.status, 200,
        "malformed JSON is a status answer, never a 5xx"
    );
    // Over the SM-DP+'s 64 KiB limit but within the adapter's, so the body is read in full
    // (an early answer to a multi-megabyte upload may meet a reset, which rsp-http tests).
    let big = vec![b' '; 100 * 1024];
    let r = s.client.post(&url, "application/json", &big).unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (
            r.status,
            v["header"]["functionExecutionStatus"]["statusCodeData"]["subjectCode"].as_str()
        ),
        (200, Some("1.2.1"))
    );
    let other = format!(
        "https://{ADDRESS}:{}/gsma/rsp2/es9plus/nothing",
        s.server.local_addr().port()
    );
    assert_eq!(
        s.client
            .post(&other, "application/json", b"{}")
            .unwrap()
            .status,
        404
    );
    assert_eq!(s.server.stats().responses_5xx, 0);
}

/// POSTs a `RemoteProfileProvisioningRequest` holding `request` to the ASN.1 binding; returns
/// the HTTP status and the alternative inside the response's `A2`.
fn call_asn1(s: &Served, request: Tlv) -> (u16, Option<Tlv>) {
    let url = format!(
        "https://{ADDRESS}:{}/gsma/rsp2/asn1",
        s.server.local_addr().port()
    );
    let body = Tlv::constructed(Tag::of(0xA2), vec![request]).encode_der();
    let r = s
        .client
        .post(&url, "application/x-gsma-rsp-asn1", &body)
        .expect("POST");
    if r.status != 200 {
        return (r.status, None);
    }
    assert_eq!(
        r.header("content-type"),
        Some("application/x-gsma-rsp-asn1")
    );
    let outer = Tlv::parse(&r.body).expect("DER answer");
    assert_eq!(outer.tag(), Tag::of(0xA2));
    (r.status, outer.children().first().cloned())
}

/// The `…Ok` alternative's children, or a panic naming the error INTEGER.
fn asn1_ok(answer: &Option<Tlv>, response_tag: u32) -> Vec<Tlv> {
    let response = answer.as_ref().expect("a response");
    assert_eq!(response.tag(), Tag::of(response_tag));
    let ok = response.child(Tag::of(0xA0)).unwrap_or_else(|| {
        panic!(
            "error alternative {:02X?}",
            response.child(Tag::of(0x81)).and_then(|e| e.content())
        )
    });
    ok.children().to_vec()
}

fn asn1_error(answer: &Option<Tlv>) -> Vec<u8> {
    let response = answer.as_ref().expect("a response");
    response
        .child(Tag::of(0x81))
        .and_then(|e| e.content())
        .expect("error alternative")
        .to_vec()
}

#[test]
fn a_download_over_the_asn1_binding_installs_the_profile() {
    let s = serve(vec![Order::released(
        ICCID,
        profile(),
        Some("AC-ASN1"),
        None,
    )]);
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let info1 = lpa.call(&hex::decode("BF2000").unwrap());
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let initiate = |address: &str| {
        Tlv::constructed(
            Tag::of(0xBF39),
            vec![
                Tlv::primitive(Tag::of(0x81), ch.children()[0].content().unwrap().to_vec()),
                Tlv::primitive(Tag::of(0x83), address.as_bytes().to_vec()),
                info1.clone(),
            ],
        )
    };
    // A wrong address is the INTEGER alternative invalidDpAddress (1).
    let (status, wrong) = call_asn1(&s, initiate("other.example.com"));
    assert_eq!((status, asn1_error(&wrong)), (200, vec![1]));
    let (_, ia) = call_asn1(&s, initiate(&ADDRESS.to_ascii_uppercase()));
    let ia = asn1_ok(&ia, 0xBF39);
    let tx = ia[0].clone();
    assert_eq!(tx.tag(), Tag::of(0x80));
    let ctx = Tlv::constructed(
        Tag::of(0xA0),
        vec![
            Tlv::primitive(Tag::of(0x80), b"AC-ASN1".to_vec()),
            Tlv::constructed(
                Tag::of(0xA1),
                vec![
                    Tlv::primitive(Tag::of(0x80), vec![0x35, 0x29, 0x06, 0x11]),
                    Tlv::constructed(Tag::of(0xA1), vec![]),
                ],
            ),
        ],
    );
    let mut auth_request = ia[1..].to_vec();
    auth_request.push(ctx);
    let auth = lpa.call(&Tlv::constructed(Tag::of(0xBF38), auth_request).encode_der());
    // An unknown transactionId is invalidTransactionId (10) in AuthenticateClientResponseEs9.
    let (_, unknown) = call_asn1(
        &s,
        Tlv::constructed(
            Tag::of(0xBF3B),
            vec![Tlv::primitive(Tag::of(0x80), vec![0; 16]), auth.clone()],
        ),
    );
    assert_eq!(asn1_error(&unknown), vec![10]);
    let (_, ac) = call_asn1(
        &s,
        Tlv::constructed(Tag::of(0xBF3B), vec![tx.clone(), auth]),
    );
    let ac = asn1_ok(&ac, 0xBF3B);
    assert_eq!(ac[1].tag(), Tag::of(0xBF25), "profileMetaData");
    let prep = lpa.call(
        &Tlv::constructed(
            Tag::of(0xBF21),
            vec![ac[2].clone(), ac[3].clone(), ac[4].clone()],
        )
        .encode_der(),
    );
    let (_, gb) = call_asn1(
        &s,
        Tlv::constructed(Tag::of(0xBF3A), vec![tx.clone(), prep]),
    );
    let gb = asn1_ok(&gb, 0xBF3A);
    assert_eq!(gb[1].tag(), Tag::of(0xBF36));
    let pir = testkit::load_pieces(&mut lpa, &gb[1]);
    assert_eq!(testkit::pir_error(&pir), None);
    let (status, none) = call_asn1(
        &s,
        Tlv::constructed(
            Tag::of(0xBF3D),
            vec![Tlv::constructed(Tag::of(0xA0), vec![pir])],
        ),
    );
    assert_eq!((status, none), (204, None));
    assert_eq!(
        s.service.with(|m| m.store().get(ICCID).unwrap().state),
        OrderState::Installed
    );
    // The session is gone: cancelling it is invalidTransactionId (1) in CancelSessionResponseEs9.
    let (_, cancel) = call_asn1(
        &s,
        Tlv::constructed(
            Tag::of(0xBF41),
            vec![
                tx,
                Tlv::constructed(Tag::of(0xA1), vec![Tlv::primitive(Tag::of(0x81), vec![5])]),
            ],
        ),
    );
    assert_eq!(asn1_error(&cancel), vec![1]);
    assert_eq!(s.server.stats().responses_5xx, 0);
}

#[test]
fn the_asn1_binding_refuses_what_it_cannot_decode() {
    let s = serve(vec![]);
    let url = format!(
        "https://{ADDRESS}:{}/gsma/rsp2/asn1",
        s.server.local_addr().port()
    );
    let post = |content_type: &str, body: &[u8]| {
        s.client
            .post(&url, content_type, body)
            .expect("POST")
            .status
    };
    assert_eq!(post("application/json", b"{}"), 415);
    assert_eq!(post("application/x-gsma-rsp-asn1", b"\x30\x00"), 400);
    assert_eq!(
        post("application/x-gsma-rsp-asn1", b"\xA2\x05\xBF\x3B"),
        400
    );
    assert_eq!(post("application/x-gsma-rsp-asn1", &[0xA2; 70 * 1024]), 400);
    assert_eq!(s.server.stats().responses_5xx, 0);
}

/// A clock the test moves.
struct TestClock(Arc<std::sync::atomic::AtomicI64>);

impl rsp_crypto::cert::Clock for TestClock {
    fn now(&self) -> rsp_crypto::cert::Time {
        rsp_crypto::cert::Time::from_unix(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[test]
fn a_served_smdp_reads_its_clock_per_request_so_sessions_expire() {
    let t = Arc::new(std::sync::atomic::AtomicI64::new(now().unix()));
    let service = SmdpService::new(smdp(vec![Order::released(
        ICCID,
        profile(),
        Some("AC-CLOCK"),
        None,
    )]))
    .with_clock(Box::new(TestClock(t.clone())));
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let (a, _) = service.with(|s| initiate(s, &mut lpa));
    let ia = success(&a);
    let auth = lpa
        .call(&authenticate_server_request(&ia, Some("AC-CLOCK")).encode_der())
        .encode();
    // Past the default session lifetime (300 s).
    t.fetch_add(301, std::sync::atomic::Ordering::SeqCst);
    let a = service.with(|s| {
        post(
            s,
            Es9Function::AuthenticateClient,
            json!({"transactionId": ia["transactionId"], "authenticateServerResponse": b64(&auth)}),
        )
    });
    assert_eq!(
        a.failure(),
        Some(rsp_codec::status::KnownStatus::TransactionIdUnknown)
    );
}
