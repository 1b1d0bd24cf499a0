//! The SM-DS use case end to end, every role a reference implementation, every hop real:
//! the operator's ConfirmOrder with `smdsAddress` makes the SM-DP+ register an event at the
//! SM-DS over mutual-TLS ES12; the eUICC discovers it over ES11 (HTTPS); the profile is
//! downloaded with the EventID as matching ID; after installation the SM-DP+ deletes the event,
//! so a second discovery finds nothing.

use std::time::Duration;

use rsp_codec::json::{Es11Function, Es2Function, Es9Function};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_http::{ClientConfig, ClientIdentity, HttpClient, Trust};
use rsp_smdp::es12_client::HttpEventRegistrar;
use rsp_smdp::{MemoryStore, Order, OrderState, OrderStore, Smdp, SmdpConfig};
use rsp_smds::http::FixedClock;
use serde_json::{json, Value};

const SMDS: &str = "testsmds.example.com";
const ICCID: &str = "89999000000000000018";

fn now() -> Time {
    Time::from_unix(1_767_225_600)
}

fn b64(bytes: &[u8]) -> String {
    rsp_codec::json::Base64Bytes::new(bytes.to_vec()).to_base64()
}

fn unb64(v: &Value) -> Vec<u8> {
    rsp_codec::json::Base64Bytes::from_base64(v.as_str().expect("base64 string"))
        .expect("base64")
        .into_bytes()
}

fn ok(v: Value) -> Value {
    assert_eq!(
        v["header"]["functionExecutionStatus"]["status"], "Executed-Success",
        "{v}"
    );
    v
}

fn call(smdp: &mut Smdp<MemoryStore>, f: Es9Function, body: Value) -> Value {
    let a = smdp.handle(f, body.to_string().as_bytes());
    if a.http_status == 204 {
        return Value::Null;
    }
    serde_json::from_slice(&a.body).expect("JSON")
}

/// The four InitiateAuthentication parts an LPA hands to AuthenticateServer.
fn authenticate_server(lpa: &mut Lpa<'_>, ia: &Value, matching_id: Option<&str>) -> Tlv {
    let part = |k: &str| Tlv::parse(&unb64(&ia[k])).expect("TLV");
    lpa.call(
        &testkit::authenticate_server_request(
            part("serverSigned1"),
            part("serverSignature1"),
            part("euiccCiPKIdToBeUsed"),
            part("serverCertificate"),
            matching_id,
        )
        .encode_der(),
    )
}

/// ES11 discovery over HTTPS: the (eventId, rspServerAddress) pairs.
fn discover(client: &HttpClient, port: u16, card: &mut Euicc) -> Vec<(String, String)> {
    let mut lpa = Lpa::open(card);
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let challenge = lpa.call(&hex::decode("BF2E00").unwrap());
    let url = |f: Es11Function| format!("https://{SMDS}:{port}{}", f.path());
    let post = |f: Es11Function, body: Value| -> Value {
        let r = client
            .post(&url(f), "application/json", body.to_string().as_bytes())
            .expect("ES11");
        assert_eq!(r.status, 200);
        ok(serde_json::from_slice(&r.body).expect("JSON"))
    };
    let ia = post(
        Es11Function::InitiateAuthentication,
        json!({"euiccChallenge": b64(challenge.children()[0].content().unwrap()),
               "euiccInfo1": b64(&info1), "smdsAddress": SMDS}),
    );
    let auth = authenticate_server(&mut lpa, &ia, None);
    let ac = post(
        Es11Function::AuthenticateClient,
        json!({"transactionId": ia["transactionId"], "authenticateServerResponse": b64(&auth.encode())}),
    );
    ac["eventEntries"]
        .as_array()
        .expect("eventEntries")
        .iter()
        .map(|e| {
            (
                e["eventId"].as_str().unwrap().to_owned(),
                e["rspServerAddress"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_smds_order_is_registered_discovered_downloaded_and_its_event_deleted() {
    let dir = testkit::generated_pki(7);
    let pki = PkiSet::load(&dir).expect("PKI");

    // The SM-DS: ES11 on one listener, mutual-TLS ES12 on another.
    let smds = rsp_smds::config::ServeConfig::from_toml("in_memory = true\n")
        .expect("config")
        .start(&pki, 5, Box::new(FixedClock(now())))
        .expect("SM-DS");
    let es12 = smds.es12.as_ref().expect("ES12 listener").local_addr();

    // The SM-DP+ reaches the SM-DS with its CERT.DPtls as client certificate.
    let cis: Vec<Vec<u8>> = pki.cis().iter().map(|c| c.der().to_vec()).collect();
    let mut es12_client = ClientConfig::new(Trust::Roots(cis.clone()));
    es12_client.client_identity = Some(ClientIdentity {
        cert_chain_der: rsp_http::load_certificates(
            &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
        )
        .unwrap(),
        key_der: rsp_http::load_private_key(&dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem")).unwrap(),
    });
    es12_client.resolve = vec![(SMDS.into(), es12)];
    es12_client.timeout = Duration::from_secs(10);
    let mut store = MemoryStore::default();
    let package = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/minimal-milenage.der"
    ))
    .expect("profile vector");
    store.put(Order::available(ICCID, package, "consumer"));
    let mut smdp = Smdp::new(
        SmdpConfig::default(),
        &pki,
        store,
        Box::new(SeededRandom::new(11)),
        now(),
    )
    .expect("SM-DP+");
    smdp.set_event_registrar(Box::new(HttpEventRegistrar::new(
        HttpClient::new(es12_client).expect("ES12 client"),
    )));

    let mut card = Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki).expect("credentials"),
        Box::new(SeededRandom::new(3)),
    )
    .expect("eUICC");
    let eid = card.eid().to_digits();

    // The operator orders for this EID, through the SM-DS.
    let header =
        json!({"functionRequesterIdentifier": "operator-1", "functionCallIdentifier": "1"});
    let es2 = |smdp: &mut Smdp<MemoryStore>, f: Es2Function, v: Value| -> Value {
        serde_json::from_slice(&smdp.handle_es2(f, v.to_string().as_bytes()).body).unwrap()
    };
    ok(es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header, "iccid": ICCID, "eid": eid}),
    ));
    let confirmed = ok(es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header, "iccid": ICCID, "eid": eid, "smdsAddress": SMDS, "releaseFlag": true}),
    ));
    let event_id = confirmed["matchingId"].as_str().unwrap().to_owned();

    // The eUICC discovers the event over ES11.
    let mut es11 = ClientConfig::new(Trust::Roots(cis));
    es11.resolve = vec![(SMDS.into(), smds.es11.local_addr())];
    let es11 = HttpClient::new(es11).expect("ES11 client");
    let port = smds.es11.local_addr().port();
    let events = discover(&es11, port, &mut card);
    assert_eq!(
        events,
        vec![(event_id.clone(), SmdpConfig::default().address)]
    );

    // … and downloads with the EventID as matching ID.
    {
        let mut lpa = Lpa::open(&mut card);
        let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
        let challenge = lpa.call(&hex::decode("BF2E00").unwrap());
        let ia = ok(call(
            &mut smdp,
            Es9Function::InitiateAuthentication,
            json!({"euiccChallenge": b64(challenge.children()[0].content().unwrap()),
                   "euiccInfo1": b64(&info1), "smdpAddress": events[0].1}),
        ));
        let auth = authenticate_server(&mut lpa, &ia, Some(&event_id));
        let tx = ia["transactionId"].clone();
        let ac = ok(call(
            &mut smdp,
            Es9Function::AuthenticateClient,
            json!({"transactionId": tx, "authenticateServerResponse": b64(&auth.encode())}),
        ));
        let part = |k: &str| Tlv::parse(&unb64(&ac[k])).unwrap();
        let prep = lpa.call(
            &Tlv::constructed(
                Tag::of(0xBF21),
                vec![
                    part("smdpSigned2"),
                    part("smdpSignature2"),
                    part("smdpCertificate"),
                ],
            )
            .encode_der(),
        );
        let gb = ok(call(
            &mut smdp,
            Es9Function::GetBoundProfilePackage,
            json!({"transactionId": tx, "prepareDownloadResponse": b64(&prep.encode())}),
        ));
        let bpp = Tlv::parse(&unb64(&gb["boundProfilePackage"])).unwrap();
        let pir = testkit::load_pieces(&mut lpa, &bpp);
        assert_eq!(testkit::pir_error(&pir), None);
        call(
            &mut smdp,
            Es9Function::HandleNotification,
            json!({"pendingNotification": b64(&pir.encode())}),
        );
    }
    assert_eq!(
        smdp.store().get(ICCID).unwrap().state,
        OrderState::Installed
    );

    // Installed: the SM-DP+ deleted the event, so discovery finds nothing.
    let mut other_session = Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki).expect("credentials"),
        Box::new(SeededRandom::new(3)),
    )
    .expect("eUICC");
    assert_eq!(discover(&es11, port, &mut other_session), vec![]);
    assert_eq!(smds.es11.stats().responses_5xx, 0);
}
