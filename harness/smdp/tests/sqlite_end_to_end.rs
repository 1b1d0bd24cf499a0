//! The reference SM-DP+ on the SQLite store against the reference eUICC: a profile installed
//! by activation code, the SM-DP+ stopped and started again on the same database file, and the
//! same activation code refused with the audit log intact. The helpers follow
//! es9_end_to_end.rs.

mod common;

use rsp_codec::json::{self, Es9Function};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_smdp::sqlite::{audit_report, format_audit, AuditFilter, SqliteStore};
use rsp_smdp::{Es9Answer, Order, OrderState, OrderStore, Smdp, SmdpConfig};
use serde_json::{json, Value};

const ADDRESS: &str = "testsmdpplus1.example.com";
const ICCID: &str = "89999000000000000018";

fn pki() -> PkiSet {
    PkiSet::load(testkit::generated_pki(7)).expect("PKI")
}

fn profile() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/minimal-milenage.der"
    ))
    .unwrap()
}

fn now() -> Time {
    Time::from_unix(1_767_225_600)
}

fn smdp(store: SqliteStore, seed: u64) -> Smdp<SqliteStore> {
    Smdp::new(
        SmdpConfig::default(),
        &pki(),
        store,
        Box::new(SeededRandom::new(seed)),
        now(),
    )
    .expect("SM-DP+")
}

fn card(seed: u64) -> Euicc {
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki()).unwrap(),
        Box::new(SeededRandom::new(seed)),
    )
    .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    json::Base64Bytes::new(bytes.to_vec()).to_base64()
}
fn unb64(v: &Value) -> Vec<u8> {
    json::Base64Bytes::from_base64(v.as_str().expect("string"))
        .expect("base64")
        .into_bytes()
}
fn success(a: &Es9Answer) -> Value {
    assert_eq!(a.failure(), None, "{}", String::from_utf8_lossy(&a.body));
    serde_json::from_slice(&a.body).expect("JSON answer")
}
fn post(smdp: &mut Smdp<SqliteStore>, f: Es9Function, v: Value) -> Es9Answer {
    let answer = smdp.handle(f, v.to_string().as_bytes());
    // What the HTTP adapter does after every request: a store error fails it.
    if let Some(e) = smdp.store_mut().take_error() {
        panic!("store error during {f:?}: {e}");
    }
    answer
}

/// InitiateAuthentication and AuthenticateClient; returns the transaction ID and the answer.
fn authenticate(
    smdp: &mut Smdp<SqliteStore>,
    lpa: &mut Lpa<'_>,
    matching_id: &str,
) -> (String, Es9Answer) {
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let challenge = ch.children()[0].content().unwrap().to_vec();
    let ia = success(&post(
        smdp,
        Es9Function::InitiateAuthentication,
        json!({
            "euiccChallenge": b64(&challenge), "euiccInfo1": b64(&info1), "smdpAddress": ADDRESS,
        }),
    ));
    let req = common::authenticate_server_request(&ia, Some(matching_id));
    let resp = lpa.call(&req.encode_der()).encode();
    let tx = ia["transactionId"].as_str().unwrap().to_owned();
    let a = post(
        smdp,
        Es9Function::AuthenticateClient,
        json!({ "transactionId": tx, "authenticateServerResponse": b64(&resp) }),
    );
    (tx, a)
}

/// A whole download by matching ID; returns the PIR.
fn full_download(smdp: &mut Smdp<SqliteStore>, card: &mut Euicc, matching_id: &str) -> Tlv {
    let mut lpa = Lpa::open(card);
    let (tx, a) = authenticate(smdp, &mut lpa, matching_id);
    let ac = success(&a);
    let prepare = lpa
        .call(
            &Tlv::constructed(
                Tag::of(0xBF21),
                vec![
                    Tlv::parse(&unb64(&ac["smdpSigned2"])).unwrap(),
                    Tlv::parse(&unb64(&ac["smdpSignature2"])).unwrap(),
                    Tlv::parse(&unb64(&ac["smdpCertificate"])).unwrap(),
                ],
            )
            .encode_der(),
        )
        .encode();
    let bpp = success(&post(
        smdp,
        Es9Function::GetBoundProfilePackage,
        json!({ "transactionId": tx, "prepareDownloadResponse": b64(&prepare) }),
    ));
    let bpp = unb64(&bpp["boundProfilePackage"]);
    let pir = testkit::load_pieces(&mut lpa, &Tlv::parse(&bpp).unwrap());
    let n = post(
        smdp,
        Es9Function::HandleNotification,
        json!({ "pendingNotification": b64(&pir.encode()) }),
    );
    assert_eq!((n.http_status, n.body.len()), (204, 0));
    pir
}

#[test]
fn an_activation_code_is_refused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("smdp.db");

    // (a) Install by activation code.
    let mut store = SqliteStore::open(&db).unwrap();
    store.put(Order::released(ICCID, profile(), Some("AC-TOKEN-1"), None));
    let mut server = smdp(store, 11);
    let mut card = card(3);
    let pir = full_download(&mut server, &mut card, "AC-TOKEN-1");
    assert_eq!(testkit::pir_error(&pir), None);
    assert_eq!(card.state().profiles.len(), 1);
    let eid = card.eid().to_digits();

    // (b) Stop the SM-DP+ (the process ends: nothing but the file remains).
    drop(server);

    // (c) A new SM-DP+ on the same file, another seed.
    let mut server = smdp(SqliteStore::open(&db).unwrap(), 12);
    let order = server.store().get(ICCID).unwrap();
    assert_eq!(order.state, OrderState::Installed);
    assert!(order.bound.is_some(), "the bound BPP was kept");

    // (d) The same activation code from another card: refused.
    let mut other = self::card(4);
    let mut lpa = Lpa::open(&mut other);
    let (_, a) = authenticate(&mut server, &mut lpa, "AC-TOKEN-1");
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdRefused));
    assert!(other.state().profiles.is_empty());

    // The ledger spans both runs, with no matching ID in it.
    let log = server.store().audit_log();
    let events: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e.event.name(), e.iccid.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        events,
        vec![
            ("download-attempt", ICCID, "ok"),
            ("bpp-delivered", ICCID, "ok"),
            ("installed", ICCID, "ok"),
            // The order was found (it is installed): the refusal names its ICCID.
            ("download-refused", ICCID, "8.2.6/3.8"),
        ]
    );
    assert_eq!(log[0].eid.as_deref(), Some(eid.as_str()));
    assert!(log.iter().all(|e| !format!("{e:?}").contains("AC-TOKEN-1")));
    drop(server);

    // What `rspcheck smdp audit --db FILE --iccid …` shows.
    let store = SqliteStore::open_existing(&db).unwrap();
    let mine = audit_report(
        &store,
        AuditFilter {
            iccid: Some(ICCID.into()),
            ..AuditFilter::default()
        },
    );
    assert_eq!(mine, log);
    let table = format_audit(&mine);
    assert!(
        table.contains(&format!(
            "2026-01-01T00:00:00Z  download-attempt  {ICCID}  {eid}  ok         matching ID"
        )),
        "\n{table}"
    );
    assert!(!table.contains("AC-TOKEN-1"));
}
