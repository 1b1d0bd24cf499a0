//! The reference SM-DP+ against the reference eUICC, in process: an LPA in the test moves the
//! messages (JSON to the SM-DP+, APDUs to the card) step by step, so each step's answer and the
//! order state can be checked, including the error codes of digest §2.3.

use rsp_codec::json::{self, Es9Function};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_smdp::{Es9Answer, MemoryStore, Order, OrderState, OrderStore, Smdp, SmdpConfig};
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

fn smdp(orders: Vec<Order>) -> Smdp<MemoryStore> {
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

fn card() -> Euicc {
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki()).unwrap(),
        Box::new(SeededRandom::new(3)),
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
fn body(a: &Es9Answer) -> Value {
    serde_json::from_slice(&a.body).expect("JSON answer")
}
fn success(a: &Es9Answer) -> Value {
    assert_eq!(a.failure(), None, "{}", String::from_utf8_lossy(&a.body));
    body(a)
}
fn post(smdp: &mut Smdp<MemoryStore>, f: Es9Function, v: Value) -> Es9Answer {
    smdp.handle(f, v.to_string().as_bytes())
}

/// The LPA's side of one download, step by step.
struct Download {
    tx: String,
    auth_server_response: Vec<u8>,
    prepare_response: Vec<u8>,
}

fn initiate(smdp: &mut Smdp<MemoryStore>, lpa: &mut Lpa<'_>) -> (Es9Answer, Vec<u8>) {
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

fn authenticate(
    smdp: &mut Smdp<MemoryStore>,
    lpa: &mut Lpa<'_>,
    matching_id: Option<&str>,
) -> (Download, Es9Answer) {
    authenticate_with(smdp, lpa, matching_id, |_| {})
}

/// [`authenticate`] with a change to the card's AuthenticateServerResponse before it is posted.
fn authenticate_with(
    smdp: &mut Smdp<MemoryStore>,
    lpa: &mut Lpa<'_>,
    matching_id: Option<&str>,
    mutate: impl FnOnce(&mut Tlv),
) -> (Download, Es9Answer) {
    let (a, _) = initiate(smdp, lpa);
    let ia = success(&a);
    let mut ctx = Vec::new();
    if let Some(m) = matching_id {
        ctx.push(Tlv::primitive(Tag::of(0x80), m.as_bytes().to_vec()));
    }
    ctx.push(Tlv::constructed(
        Tag::of(0xA1),
        vec![
            Tlv::primitive(Tag::of(0x80), vec![0x35, 0x29, 0x06, 0x11]),
            Tlv::constructed(Tag::of(0xA1), vec![]),
        ],
    ));
    let req = Tlv::constructed(
        Tag::of(0xBF38),
        vec![
            Tlv::parse(&unb64(&ia["serverSigned1"])).unwrap(),
            Tlv::parse(&unb64(&ia["serverSignature1"])).unwrap(),
            Tlv::parse(&unb64(&ia["euiccCiPKIdToBeUsed"])).unwrap(),
            Tlv::parse(&unb64(&ia["serverCertificate"])).unwrap(),
            Tlv::constructed(Tag::of(0xA0), ctx),
        ],
    );
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

fn prepare(lpa: &mut Lpa<'_>, ac: &Value, cc: Option<&str>, tx: &str) -> Vec<u8> {
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

fn get_bpp(smdp: &mut Smdp<MemoryStore>, d: &Download) -> Es9Answer {
    post(
        smdp,
        Es9Function::GetBoundProfilePackage,
        json!({
            "transactionId": d.tx, "prepareDownloadResponse": b64(&d.prepare_response),
        }),
    )
}

/// A whole download by matching ID; returns the PIR.
fn full_download(
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

#[test]
fn activation_code_download_installs_and_the_code_never_works_twice() {
    let mut smdp = smdp(vec![Order::released(
        ICCID,
        profile(),
        Some("AC-TOKEN-1"),
        None,
    )]);
    let mut card = card();
    let pir = full_download(&mut smdp, &mut card, Some("AC-TOKEN-1"), None);
    assert_eq!(testkit::pir_error(&pir), None);
    assert_eq!(
        smdp.store().get(ICCID).unwrap().state,
        OrderState::Installed
    );
    assert_eq!(card.state().profiles.len(), 1);

    // The same activation code again (another card): refused.
    let mut other = self::card();
    let mut lpa = Lpa::open(&mut other);
    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("AC-TOKEN-1"));
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdRefused));

    // The ledger: attempt, delivery, installation, the refused re-use; no matching ID in it.
    let log = smdp.store().audit_log();
    let events: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.event.name(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        events,
        vec![
            ("download-attempt", "ok"),
            ("bpp-delivered", "ok"),
            ("installed", "ok"),
            ("download-refused", "8.2.6/3.8"),
        ]
    );
    assert!(log.iter().all(|e| !format!("{e:?}").contains("AC-TOKEN-1")));
    assert_eq!(log[0].eid.as_deref(), Some(card.eid().to_digits().as_str()));
}

#[test]
fn default_smdp_download_finds_the_order_by_eid() {
    let eid = card().eid().to_digits();
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), None, Some(&eid))]);
    let mut card = card();
    assert_eq!(
        testkit::pir_error(&full_download(&mut smdp, &mut card, None, None)),
        None
    );
    // No order for another EID.
    let mut smdp2 = self::smdp(vec![Order::released(
        ICCID,
        profile(),
        None,
        Some("89049032123451234512345678901235"),
    )]);
    let mut lpa = Lpa::open(&mut card);
    let (_, a) = authenticate(&mut smdp2, &mut lpa, None);
    assert_eq!(a.failure(), Some(KnownStatus::EidMismatch));
}

#[test]
fn confirmation_code_is_checked_with_a_retry_limit() {
    let mut order = Order::released(ICCID, profile(), Some("AC-CC"), None);
    order.confirmation_code = Some("1234".into());
    let mut smdp = smdp(vec![order]);
    let mut card = card();
    for attempt in 1..=3 {
        let mut lpa = Lpa::open(&mut card);
        let (mut d, a) = authenticate(&mut smdp, &mut lpa, Some("AC-CC"));
        let ac = success(&a);
        d.prepare_response = prepare(&mut lpa, &ac, Some("0000"), &d.tx);
        let expected = if attempt < 3 {
            KnownStatus::ConfirmationCodeRefused
        } else {
            KnownStatus::ConfirmationCodeRetriesExceeded
        };
        assert_eq!(
            get_bpp(&mut smdp, &d).failure(),
            Some(expected),
            "attempt {attempt}"
        );
    }
    assert_eq!(smdp.store().get(ICCID).unwrap().state, OrderState::Error);

    // With the right code on a fresh order it installs.
    let mut order = Order::released(ICCID, profile(), Some("AC-CC"), None);
    order.confirmation_code = Some("1234".into());
    let mut smdp = self::smdp(vec![order]);
    let mut card = self::card();
    assert_eq!(
        testkit::pir_error(&full_download(
            &mut smdp,
            &mut card,
            Some("AC-CC"),
            Some("1234")
        )),
        None
    );
}

#[test]
fn es9_errors_have_their_status_codes() {
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), Some("AC-1"), None)]);
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);

    // Wrong address, wrong SVN, unknown matching ID, unknown transaction.
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let a = post(
        &mut smdp,
        Es9Function::InitiateAuthentication,
        json!({"euiccChallenge": b64(&[1; 16]), "euiccInfo1": b64(&info1), "smdpAddress": "other.example.com"}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::InvalidSmdpAddress));
    let a = post(
        &mut smdp,
        Es9Function::InitiateAuthentication,
        json!({"euiccChallenge": b64(&[1; 16]), "euiccInfo1": b64(&info1), "smdpAddress": "TESTSMDPPLUS1.example.com"}),
    );
    assert_eq!(a.failure(), None, "address compared case-insensitively");
    let mut old = info1.clone();
    old[5..8].copy_from_slice(&[1, 0, 0]); // BF20 len 82 03 svn
    let a = post(
        &mut smdp,
        Es9Function::InitiateAuthentication,
        json!({"euiccChallenge": b64(&[1; 16]), "euiccInfo1": b64(&old), "smdpAddress": ADDRESS}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::SvnNotSupported));

    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("NO-SUCH-CODE"));
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdRefused));

    let a = post(
        &mut smdp,
        Es9Function::AuthenticateClient,
        json!({"transactionId": "00112233445566778899AABBCCDDEEFF", "authenticateServerResponse": b64(&[0xBF, 0x38, 0x00])}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::TransactionIdUnknown));

    // Malformed bodies: generic statuses, never a panic.
    for bad in [
        &b"{"[..],
        b"[]",
        b"{\"transactionId\": 5}",
        b"",
        b"{\"euiccChallenge\": \"!!\", \"euiccInfo1\": \"\", \"smdpAddress\": \"x\"}",
    ] {
        let a = smdp.handle(Es9Function::InitiateAuthentication, bad);
        assert_eq!(a.http_status, 200);
        assert!(a.failure().is_some(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn a_tampered_euicc_signature_is_refused() {
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), Some("AC-1"), None)]);
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let (_, a) = authenticate_with(&mut smdp, &mut lpa, Some("AC-1"), |resp| {
        let sig = &mut resp.children_mut()[0].children_mut()[1];
        let mut s = sig.content().unwrap().to_vec();
        s[0] ^= 1;
        sig.set_content(s);
    });
    assert_eq!(a.failure(), Some(KnownStatus::EuiccSignatureInvalid));
}

#[test]
fn an_euicc_certificate_from_an_unknown_chain_is_refused() {
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), Some("AC-1"), None)]);
    let mut card = card();
    let set = pki();
    let bad = set
        .invalid
        .iter()
        .find(|e| e.name.ends_with("CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der"))
        .expect("invalid EUM");
    let der = bad.cert.der().to_vec();
    let mut lpa = Lpa::open(&mut card);
    let (_, a) = authenticate_with(&mut smdp, &mut lpa, Some("AC-1"), move |resp| {
        resp.children_mut()[0].children_mut()[3] = Tlv::parse(&der).unwrap();
    });
    assert!(
        a.failure() == Some(KnownStatus::CiPkIdUnknown),
        "{:?}",
        a.failure()
    );
}

#[test]
fn cancel_session_postponed_keeps_the_order_downloadable() {
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), Some("AC-1"), None)]);
    let mut card = card();
    {
        let mut lpa = Lpa::open(&mut card);
        let (d, a) = authenticate(&mut smdp, &mut lpa, Some("AC-1"));
        success(&a);
        let req = Tlv::constructed(
            Tag::of(0xBF41),
            vec![
                Tlv::primitive(Tag::of(0x80), hex::decode(&d.tx).unwrap()),
                Tlv::primitive(Tag::of(0x81), vec![1]),
            ],
        );
        let cancel = lpa.call(&req.encode_der()).encode();
        let a = post(
            &mut smdp,
            Es9Function::CancelSession,
            json!({"transactionId": d.tx, "cancelSessionResponse": b64(&cancel)}),
        );
        assert_eq!(a.failure(), None);
    }
    assert_eq!(smdp.store().get(ICCID).unwrap().state, OrderState::Released);
    assert_eq!(
        testkit::pir_error(&full_download(&mut smdp, &mut card, Some("AC-1"), None)),
        None
    );
}

#[test]
fn a_retry_with_the_same_one_time_key_gets_the_same_bpp() {
    let mut smdp = smdp(vec![Order::released(ICCID, profile(), Some("AC-1"), None)]);
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let (mut d, a) = authenticate(&mut smdp, &mut lpa, Some("AC-1"));
    d.prepare_response = prepare(&mut lpa, &success(&a), None, &d.tx);
    let first = unb64(&success(&get_bpp(&mut smdp, &d))["boundProfilePackage"]);
    // The LPA never loads it; a new session offers the bound BPP again (bppEuiccOtpk).
    let (mut d2, a) = authenticate(&mut smdp, &mut lpa, Some("AC-1"));
    let ac = success(&a);
    let signed2 = Tlv::parse(&unb64(&ac["smdpSigned2"])).unwrap();
    assert!(
        signed2
            .children()
            .iter()
            .any(|c| c.tag() == Tag::of(0x5F49)),
        "bppEuiccOtpk offered"
    );
    d2.prepare_response = prepare(&mut lpa, &ac, None, &d2.tx);
    let second = unb64(&success(&get_bpp(&mut smdp, &d2))["boundProfilePackage"]);
    assert_eq!(first, second, "same BPP re-delivered");
}
