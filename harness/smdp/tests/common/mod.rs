//! Shared by the SM-DP+ integration tests: the generated PKI, the reference eUICC as the
//! counterpart, and an in-test LPA that moves JSON to the SM-DP+ and APDUs to the card.
#![allow(dead_code)] // each test file uses part of it

use std::sync::Arc;
use std::time::Duration;

use rsp_codec::json::{self, Es9Function};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_http::{ClientConfig, HttpClient, HttpResponse, ServerConfig, TlsConfig, Trust};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{Es9Answer, MemoryStore, Order, OrderStore, Smdp, SmdpConfig};
use serde_json::{json, Value};

pub const ADDRESS: &str = "testsmdpplus1.example.com";
pub const ICCID: &str = "89999000000000000018";

pub fn pki() -> PkiSet {
    PkiSet::load(testkit::generated_pki(7)).expect("PKI")
}

pub fn profile() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/minimal-milenage.der"
    ))
    .unwrap()
}

pub fn now() -> Time {
    Time::from_unix(1_767_225_600)
}

pub fn smdp(orders: Vec<Order>) -> Smdp<MemoryStore> {
    let mut store = MemoryStore::default();
    for o in orders {
        store.put(o);
    }
    Smdp::new(
        SmdpConfig::default(),
        &pki(),
        store,
        Box::new(SeededRandom::new(11)),
        now(),
    )
    .expect("SM-DP+")
}

pub fn card() -> Euicc {
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki()).unwrap(),
        Box::new(SeededRandom::new(3)),
    )
    .unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    json::Base64Bytes::new(bytes.to_vec()).to_base64()
}
pub fn unb64(v: &Value) -> Vec<u8> {
    json::Base64Bytes::from_base64(v.as_str().expect("string"))
        .expect("base64")
        .into_bytes()
}
pub fn body(a: &Es9Answer) -> Value {
    serde_json::from_slice(&a.body).expect("JSON answer")
}
pub fn success(a: &Es9Answer) -> Value {
    assert_eq!(a.failure(), None, "{}", String::from_utf8_lossy(&a.body));
    body(a)
}
pub fn post(smdp: &mut Smdp<MemoryStore>, f: Es9Function, v: Value) -> Es9Answer {
    smdp.handle(f, v.to_string().as_bytes())
}

/// The LPA's side of one download, step by step.
pub struct Download {
    pub tx: String,
    pub auth_server_response: Vec<u8>,
    pub prepare_response: Vec<u8>,
}

pub fn initiate(smdp: &mut Smdp<MemoryStore>, lpa: &mut Lpa<'_>) -> (Es9Answer, Vec<u8>) {
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let challenge = ch.children()[0].content().unwrap().to_vec();
    let a = post(
        smdp,
        Es9Function::InitiateAuthentication,
        json!({
            "euiccChallenge": b64(&challenge), "euiccInfo1": b64(&info1), "smdpAddress": ADDRESS,
        }),
    );
    (a, challenge)
}

pub fn authenticate(
    smdp: &mut Smdp<MemoryStore>,
    lpa: &mut Lpa<'_>,
    matching_id: Option<&str>,
) -> (Download, Es9Answer) {
    authenticate_with(smdp, lpa, matching_id, |_| {})
}

/// The ES10b AuthenticateServer request (BF38) an LPA builds from an InitiateAuthentication
/// answer (JSON) and the activation code's matching ID; ctxParams1 carries a fixed TAC.
pub fn authenticate_server_request(ia: &Value, matching_id: Option<&str>) -> Tlv {
    let part = |k: &str| Tlv::parse(&unb64(&ia[k])).unwrap();
    testkit::authenticate_server_request(
        part("serverSigned1"),
        part("serverSignature1"),
        part("euiccCiPKIdToBeUsed"),
        part("serverCertificate"),
        matching_id,
    )
}

/// [`authenticate`] with a change to the card's AuthenticateServerResponse before it is posted.
pub fn authenticate_with(
    smdp: &mut Smdp<MemoryStore>,
    lpa: &mut Lpa<'_>,
    matching_id: Option<&str>,
    mutate: impl FnOnce(&mut Tlv),
) -> (Download, Es9Answer) {
    let (a, _) = initiate(smdp, lpa);
    let ia = success(&a);
    let req = authenticate_server_request(&ia, matching_id);
    let mut resp_tlv = lpa.call(&req.encode_der());
    mutate(&mut resp_tlv);
    let resp = resp_tlv.encode();
    let tx = ia["transactionId"].as_str().unwrap().to_owned();
    let a = post(
        smdp,
        Es9Function::AuthenticateClient,
        json!({
            "transactionId": tx, "authenticateServerResponse": b64(&resp),
        }),
    );
    (
        Download {
            tx,
            auth_server_response: resp,
            prepare_response: Vec::new(),
        },
        a,
    )
}

pub fn prepare(lpa: &mut Lpa<'_>, ac: &Value, cc: Option<&str>, tx: &str) -> Vec<u8> {
    let mut items = vec![
        Tlv::parse(&unb64(&ac["smdpSigned2"])).unwrap(),
        Tlv::parse(&unb64(&ac["smdpSignature2"])).unwrap(),
    ];
    if let Some(code) = cc {
        let h = rsp_crypto::kdf::hash_cc(code.as_bytes(), &hex::decode(tx).unwrap());
        items.push(Tlv::primitive(Tag::of(0x04), h.to_vec()));
    }
    items.push(Tlv::parse(&unb64(&ac["smdpCertificate"])).unwrap());
    lpa.call(&Tlv::constructed(Tag::of(0xBF21), items).encode_der())
        .encode()
}

pub fn get_bpp(smdp: &mut Smdp<MemoryStore>, d: &Download) -> Es9Answer {
    post(
        smdp,
        Es9Function::GetBoundProfilePackage,
        json!({
            "transactionId": d.tx, "prepareDownloadResponse": b64(&d.prepare_response),
        }),
    )
}

/// A whole download by matching ID; returns the PIR.
pub fn full_download(
    smdp: &mut Smdp<MemoryStore>,
    card: &mut Euicc,
    matching_id: Option<&str>,
    cc: Option<&str>,
) -> Tlv {
    let mut lpa = Lpa::open(card);
    let (mut d, a) = authenticate(smdp, &mut lpa, matching_id);
    let ac = success(&a);
    d.prepare_response = prepare(&mut lpa, &ac, cc, &d.tx);
    let bpp = unb64(&success(&get_bpp(smdp, &d))["boundProfilePackage"]);
    let pir = testkit::load_pieces(&mut lpa, &Tlv::parse(&bpp).unwrap());
    let n = post(
        smdp,
        Es9Function::HandleNotification,
        json!({ "pendingNotification": b64(&pir.encode()) }),
    );
    assert_eq!((n.http_status, n.body.len()), (204, 0));
    let _ = &d.auth_server_response;
    pir
}

/// An SM-DP+ served over HTTPS on 127.0.0.1 with its DPtls certificate, and a client that
/// trusts the CI with the SGP.22 role check and resolves [`ADDRESS`] to it.
pub struct Https {
    pub server: rsp_http::ServerHandle,
    pub client: HttpClient,
}

/// Serves `service`; the server stops by itself after `max_requests`.
pub fn serve_https(service: Arc<SmdpService<MemoryStore>>, max_requests: u64) -> Https {
    let dir = testkit::generated_pki(7);
    let tls = TlsConfig::from_pem_files(
        &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
        &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
    )
    .expect("DP TLS");
    let server = rsp_http::serve(
        ServerConfig {
            tls: Some(tls),
            max_requests: Some(max_requests),
            ..ServerConfig::default()
        },
        service,
    )
    .expect("serve");
    let ci = std::fs::read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).unwrap();
    let mut config = ClientConfig::new(Trust::RspRole {
        roots: vec![ci],
        role: rsp_crypto::cert::Role::DpTls,
    });
    config.timeout = Duration::from_secs(10);
    config.resolve = vec![(ADDRESS.into(), server.local_addr())];
    Https {
        client: HttpClient::new(config).expect("client"),
        server,
    }
}

/// POSTs a JSON body to an ES9+ function of the served SM-DP+.
pub fn post_https(s: &Https, f: Es9Function, body: &Value) -> HttpResponse {
    let url = format!(
        "https://{ADDRESS}:{}{}",
        s.server.local_addr().port(),
        f.path()
    );
    s.client
        .post(&url, "application/json", body.to_string().as_bytes())
        .expect("POST")
}
