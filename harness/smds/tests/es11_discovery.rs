//! The reference SM-DS against the reference eUICC, in process: an SM-DP+ registers an event over
//! ES12, an LPA in the test moves the messages (JSON to the SM-DS, APDUs to the card) and
//! discovers it over ES11; each error code of digest §2.3 for ES11/ES12 is provoked.

use rsp_codec::json::{self, Es11Function, Es12Function};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_smds::{Answer, EventStore, MemoryEventStore, Smds, SmdsConfig, SmdsError, SmdsPlantedBug};
use rstest::rstest;
use serde_json::{json, Value};

const SMDS: &str = "testsmds.example.com";
const SMDP: &str = "testsmdpplus1.example.com";
const OTHER_EID: &str = "89049032123451234512345678901235";

fn pki() -> PkiSet {
    PkiSet::load(testkit::generated_pki(7)).expect("PKI")
}

fn now() -> Time {
    Time::from_unix(1_767_225_600)
}

fn smds() -> Smds<MemoryEventStore> {
    Smds::new(
        SmdsConfig::default(),
        &pki(),
        MemoryEventStore::default(),
        Box::new(SeededRandom::new(11)),
        now(),
    )
    .expect("SM-DS")
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
fn body(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).expect("JSON answer")
}
fn success(a: &Answer) -> Value {
    assert_eq!(a.failure(), None, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.is_executed());
    body(a)
}

fn es12(smds: &mut Smds<MemoryEventStore>, f: Es12Function, v: Value) -> Answer {
    smds.handle_es12(f, v.to_string().as_bytes())
}

fn register(smds: &mut Smds<MemoryEventStore>, eid: &str, event_id: &str) -> Answer {
    es12(
        smds,
        Es12Function::RegisterEvent,
        json!({
            "header": {"functionRequesterIdentifier": "dp-1", "functionCallIdentifier": "call-1"},
            "eid": eid, "rspServerAddress": SMDP, "eventId": event_id, "forwardingIndicator": false,
        }),
    )
}

fn delete(smds: &mut Smds<MemoryEventStore>, eid: &str, event_id: &str) -> Answer {
    es12(
        smds,
        Es12Function::DeleteEvent,
        json!({
            "header": {"functionRequesterIdentifier": "dp-1", "functionCallIdentifier": "call-2"},
            "eid": eid, "eventId": event_id,
        }),
    )
}

/// How the LPA talks to the SM-DS: the normative ES11 form, or lpac's (es9plus paths resolved
/// by `Es11Function::from_path_detailed`, address under `smdpAddress`).
#[derive(Clone, Copy, Debug)]
enum Style {
    Es11,
    Es9PlusAlias,
}

fn function(style: Style, f: Es11Function) -> Es11Function {
    let path = match style {
        Style::Es11 => f.path(),
        Style::Es9PlusAlias => f.alias_path(),
    };
    let (resolved, alias) = Es11Function::from_path_detailed(path).expect("ES11 path");
    assert_eq!(alias, matches!(style, Style::Es9PlusAlias));
    resolved
}

fn initiate(smds: &mut Smds<MemoryEventStore>, lpa: &mut Lpa<'_>, style: Style) -> Answer {
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let challenge = ch.children()[0].content().unwrap().to_vec();
    let key = match style {
        Style::Es11 => "smdsAddress",
        Style::Es9PlusAlias => "smdpAddress",
    };
    let mut req = json!({"euiccChallenge": b64(&challenge), "euiccInfo1": b64(&info1)});
    req[key] = json!(SMDS);
    smds.handle_es11(
        function(style, Es11Function::InitiateAuthentication),
        req.to_string().as_bytes(),
    )
}

/// One discovery; `mutate` may change the card's AuthenticateServerResponse before it is
/// posted. Panics, naming the card's error, if the eUICC refuses the SM-DS (CERT.DSauth).
fn discover_with(
    smds: &mut Smds<MemoryEventStore>,
    card: &mut Euicc,
    style: Style,
    mutate: impl FnOnce(&mut Tlv),
) -> Answer {
    let mut lpa = Lpa::open(card);
    let ia = success(&initiate(smds, &mut lpa, style));
    // ctxParams1 without matchingId: discovery (digest §2.4).
    let ctx = Tlv::constructed(
        Tag::of(0xA0),
        vec![Tlv::constructed(
            Tag::of(0xA1),
            vec![
                Tlv::primitive(Tag::of(0x80), vec![0x35, 0x29, 0x06, 0x11]),
                Tlv::constructed(Tag::of(0xA1), vec![]),
            ],
        )],
    );
    let req = Tlv::constructed(
        Tag::of(0xBF38),
        vec![
            Tlv::parse(&unb64(&ia["serverSigned1"])).unwrap(),
            Tlv::parse(&unb64(&ia["serverSignature1"])).unwrap(),
            Tlv::parse(&unb64(&ia["euiccCiPKIdToBeUsed"])).unwrap(),
            Tlv::parse(&unb64(&ia["serverCertificate"])).unwrap(),
            ctx,
        ],
    );
    let mut resp = lpa.call(&req.encode_der());
    assert_eq!(
        resp.children().first().map(|c| c.tag()),
        Some(Tag::of(0xA0)),
        "the eUICC refused the SM-DS's AuthenticateServer (CERT.DSauth): {}",
        hex::encode_upper(resp.encode())
    );
    mutate(&mut resp);
    let tx = ia["transactionId"].as_str().unwrap().to_owned();
    smds.handle_es11(
        function(style, Es11Function::AuthenticateClient),
        json!({"transactionId": tx, "authenticateServerResponse": b64(&resp.encode())})
            .to_string()
            .as_bytes(),
    )
}

fn discover(
    smds: &mut Smds<MemoryEventStore>,
    card: &mut Euicc,
    style: Style,
) -> Vec<(String, String)> {
    let a = discover_with(smds, card, style, |_| {});
    let v = success(&a);
    v["eventEntries"]
        .as_array()
        .expect("eventEntries array")
        .iter()
        .map(|e| {
            (
                e["eventId"].as_str().unwrap().to_owned(),
                e["rspServerAddress"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[rstest]
#[case::es11(Style::Es11)]
#[case::es9plus_alias(Style::Es9PlusAlias)]
fn a_registered_event_is_discovered_and_gone_once_deleted(#[case] style: Style) {
    let mut smds = smds();
    let mut card = card();
    let eid = card.eid().to_digits();
    assert_eq!(
        discover(&mut smds, &mut card, style),
        vec![],
        "no event yet"
    );

    success(&register(&mut smds, &eid, "EVENT-1"));
    success(&register(&mut smds, OTHER_EID, "EVENT-OTHER"));
    assert_eq!(
        discover(&mut smds, &mut card, style),
        vec![("EVENT-1".to_owned(), SMDP.to_owned())]
    );
    let stored = &smds.store().events_for(&eid).unwrap()[0];
    assert_eq!(
        (
            stored.registered_by.as_str(),
            stored.registered_at,
            stored.forwarding_indicator
        ),
        ("dp-1", now(), false)
    );
    // Discovery does not consume the event: only the SM-DP+ deletes it.
    assert_eq!(discover(&mut smds, &mut card, style).len(), 1);

    success(&delete(&mut smds, &eid, "EVENT-1"));
    assert_eq!(discover(&mut smds, &mut card, style), vec![]);
    assert_eq!(smds.store().len(), 1, "the other EID's event stays");
}

#[test]
fn es11_initiate_authentication_errors() {
    let mut smds = smds();
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let info1 = lpa.call(&hex::decode("BF2000").unwrap());
    let ia = |smds: &mut Smds<MemoryEventStore>, info1: &[u8], key: &str, address: &str| {
        let mut req = json!({"euiccChallenge": b64(&[1; 16]), "euiccInfo1": b64(info1)});
        req[key] = json!(address);
        smds.handle_es11(
            Es11Function::InitiateAuthentication,
            req.to_string().as_bytes(),
        )
    };
    let enc = info1.encode();

    // Address: either key, compared case-insensitively.
    for key in ["smdsAddress", "smdpAddress"] {
        assert_eq!(
            ia(&mut smds, &enc, key, "other.example.com").failure(),
            Some(KnownStatus::InvalidSmdsAddress),
            "{key}"
        );
        assert_eq!(
            ia(&mut smds, &enc, key, SMDP).failure(),
            Some(KnownStatus::InvalidSmdsAddress)
        );
        success(&ia(&mut smds, &enc, key, "TestSMDS.Example.COM"));
    }
    let ia_ok = success(&ia(&mut smds, &enc, "smdsAddress", SMDS));
    let ss1 = Tlv::parse(&unb64(&ia_ok["serverSigned1"])).unwrap();
    assert_eq!(
        ss1.children()[2].content().unwrap(),
        SMDS.as_bytes(),
        "serverAddress"
    );
    let cert =
        rsp_crypto::cert::RspCertificate::from_der(&unb64(&ia_ok["serverCertificate"])).unwrap();
    assert!(
        cert.has_role(rsp_crypto::cert::Role::DsAuth),
        "CERT.DSauth is sent"
    );

    // SVN.
    for svn in [[1, 0, 0], [3, 0, 0]] {
        let mut old = enc.clone();
        old[5..8].copy_from_slice(&svn); // BF20 len 82 03 svn
        assert_eq!(
            ia(&mut smds, &old, SMDS_KEY, SMDS).failure(),
            Some(KnownStatus::SmdsSvnNotSupported)
        );
    }

    // CI lists: rebuild EUICCInfo1 with chosen key identifiers.
    let lists = |verification: &[&[u8]], signing: &[&[u8]]| {
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
                Tlv::primitive(Tag::of(0x82), vec![2, 2, 0]),
                list(0xA9, verification),
                list(0xAA, signing),
            ],
        )
        .encode_der()
    };
    let set = pki();
    let ci = set.curves()[0].ci.cert.key_id().to_vec();
    let unknown = [0x5A; 20];
    assert_eq!(
        ia(&mut smds, &lists(&[&unknown], &[&ci]), SMDS_KEY, SMDS).failure(),
        Some(KnownStatus::NoDsAuthCertificateForCi)
    );
    assert_eq!(
        ia(&mut smds, &lists(&[&ci], &[&unknown]), SMDS_KEY, SMDS).failure(),
        Some(KnownStatus::SmdsCiPkIdNotSupported)
    );
    // Verification checked before signing (the SM-DP+'s order).
    assert_eq!(
        ia(&mut smds, &lists(&[&unknown], &[&unknown]), SMDS_KEY, SMDS).failure(),
        Some(KnownStatus::NoDsAuthCertificateForCi)
    );
    success(&ia(&mut smds, &lists(&[&ci], &[&ci]), SMDS_KEY, SMDS));

    // An own CERT.DSauth that is not valid at the SM-DS's clock is no usable certificate.
    smds.set_time(Time::from_unix(0));
    assert_eq!(
        ia(&mut smds, &enc, SMDS_KEY, SMDS).failure(),
        Some(KnownStatus::NoDsAuthCertificateForCi)
    );
}

const SMDS_KEY: &str = "smdsAddress";

#[test]
fn es11_authenticate_client_errors() {
    let mut smds = smds();
    let mut card = card();

    let a = smds.handle_es11(
        Es11Function::AuthenticateClient,
        json!({"transactionId": "00112233445566778899AABBCCDDEEFF", "authenticateServerResponse": b64(&[0xBF, 0x38, 0x00])})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.failure(), Some(KnownStatus::TransactionIdUnknown));

    let a = discover_with(&mut smds, &mut card, Style::Es11, |resp| {
        let sig = &mut resp.children_mut()[0].children_mut()[1];
        let mut s = sig.content().unwrap().to_vec();
        s[0] ^= 1;
        sig.set_content(s);
    });
    assert_eq!(a.failure(), Some(KnownStatus::EuiccSignatureInvalid));

    let set = pki();
    let bad = set
        .invalid
        .iter()
        .find(|e| e.name.ends_with("CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der"))
        .expect("invalid EUM");
    let der = bad.cert.der().to_vec();
    let a = discover_with(&mut smds, &mut card, Style::Es11, move |resp| {
        resp.children_mut()[0].children_mut()[3] = Tlv::parse(&der).unwrap();
    });
    assert_eq!(a.failure(), Some(KnownStatus::CiPkIdUnknown));

    // A used-up session cannot be replayed.
    let mut replay = None;
    let a = discover_with(&mut smds, &mut card, Style::Es11, |resp| {
        replay = Some(resp.encode());
    });
    let tx = success(&a)["transactionId"].as_str().unwrap().to_owned();
    let a = smds.handle_es11(
        Es11Function::AuthenticateClient,
        json!({"transactionId": tx, "authenticateServerResponse": b64(&replay.unwrap())})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.failure(), Some(KnownStatus::TransactionIdUnknown));
}

/// The planted `AcceptsBadEuiccSignature` SM-DS (fuzzer self-test) discloses the events of an
/// EID whose euiccSignature1 is corrupted; the conforming one answers 8.1/6.1. Other checks
/// (here the server challenge inside euiccSigned1) still hold on the planted one.
#[rstest]
#[case::conforming(None)]
#[case::planted(Some(SmdsPlantedBug::AcceptsBadEuiccSignature))]
fn a_corrupted_euicc_signature1_is_refused_unless_the_bug_is_planted(
    #[case] planted_bug: Option<SmdsPlantedBug>,
) {
    let mut smds = Smds::new(
        SmdsConfig {
            planted_bug,
            ..SmdsConfig::default()
        },
        &pki(),
        MemoryEventStore::default(),
        Box::new(SeededRandom::new(11)),
        now(),
    )
    .expect("SM-DS");
    let mut card = card();
    let eid = card.eid().to_digits();
    success(&register(&mut smds, &eid, "EVENT-1"));

    // An intact signature: discovered either way.
    assert_eq!(discover(&mut smds, &mut card, Style::Es11).len(), 1);

    let a = discover_with(&mut smds, &mut card, Style::Es11, |resp| {
        let sig = &mut resp.children_mut()[0].children_mut()[1];
        let mut s = sig.content().unwrap().to_vec();
        s[0] ^= 1;
        sig.set_content(s);
    });
    if planted_bug.is_some() {
        let events = success(&a)["eventEntries"].clone();
        assert_eq!(events[0]["eventId"], "EVENT-1", "{events}");
    } else {
        assert_eq!(a.failure(), Some(KnownStatus::EuiccSignatureInvalid));
    }

    // A changed euiccSigned1 (its serverChallenge, tag 84) is refused by both: the planted
    // one for the challenge, the conforming one already for the signature.
    let a = discover_with(&mut smds, &mut card, Style::Es11, |resp| {
        let signed1 = &mut resp.children_mut()[0].children_mut()[0];
        let ch = signed1
            .children_mut()
            .iter_mut()
            .find(|c| c.tag() == Tag::of(0x84))
            .unwrap();
        let mut c = ch.content().unwrap().to_vec();
        c[0] ^= 1;
        ch.set_content(c);
    });
    assert!(
        a.failure().is_some(),
        "{}",
        String::from_utf8_lossy(&a.body)
    );
}

#[test]
fn es12_errors() {
    let mut smds = smds();
    let eid = card().eid().to_digits();
    success(&register(&mut smds, &eid, "E-1"));
    assert_eq!(
        register(&mut smds, &eid, "E-1").failure(),
        Some(KnownStatus::EventIdDuplicated)
    );
    // The same EventID for another EID is another record.
    success(&register(&mut smds, OTHER_EID, "E-1"));
    assert_eq!(
        delete(&mut smds, &eid, "NO-SUCH").failure(),
        Some(KnownStatus::EventIdUnknown)
    );
    success(&delete(&mut smds, &eid, "E-1"));
    assert_eq!(
        delete(&mut smds, &eid, "E-1").failure(),
        Some(KnownStatus::EventIdUnknown)
    );

    // The header is mandatory on ES12.
    let a = es12(
        &mut smds,
        Es12Function::RegisterEvent,
        json!({"eid": eid, "rspServerAddress": SMDP, "eventId": "E-2", "forwardingIndicator": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::MandatoryParameterMissing));
    // Bad EID digits, empty EventID, an address that is no FQDN.
    for (e, id, addr) in [
        ("1234", "E-3", SMDP),
        (eid.as_str(), "", SMDP),
        (eid.as_str(), "E-4", "https://x/y"),
    ] {
        let a = es12(
            &mut smds,
            Es12Function::RegisterEvent,
            json!({"header": {"functionRequesterIdentifier": "dp", "functionCallIdentifier": "c"},
                   "eid": e, "rspServerAddress": addr, "eventId": id, "forwardingIndicator": false}),
        );
        assert_eq!(
            a.failure(),
            Some(KnownStatus::InvalidParameter),
            "{e} {id:?} {addr}"
        );
    }
    assert_eq!(smds.store().len(), 1);
}

#[test]
fn malformed_bodies_get_a_failed_header_and_never_panic() {
    let mut smds = smds();
    let bad: &[&[u8]] = &[
        b"",
        b"{",
        b"[]",
        b"null",
        b"\xff\xfe",
        b"{\"transactionId\": 5}",
        b"{\"euiccChallenge\": \"!!\", \"euiccInfo1\": \"\", \"smdsAddress\": \"x\"}",
        b"{\"euiccChallenge\": \"AAAA\", \"euiccInfo1\": \"vyAA\", \"smdsAddress\": \"testsmds.example.com\"}",
        b"{\"transactionId\": \"zz\", \"authenticateServerResponse\": \"AAAA\"}",
        b"{\"header\": {}, \"eid\": 1, \"eventId\": [], \"rspServerAddress\": {}}",
        b"{\"header\": {\"functionRequesterIdentifier\": \"a\", \"functionCallIdentifier\": \"b\"}, \"eid\": \"89049032123451234512345678901235\"}",
    ];
    let big = vec![b' '; rsp_smds::smds::MAX_BODY + 1];
    let mut all: Vec<&[u8]> = bad.to_vec();
    all.push(&big);
    for body in all {
        let answers = [
            smds.handle_es11(Es11Function::InitiateAuthentication, body),
            smds.handle_es11(Es11Function::AuthenticateClient, body),
            smds.handle_es12(Es12Function::RegisterEvent, body),
            smds.handle_es12(Es12Function::DeleteEvent, body),
        ];
        for a in answers {
            assert_eq!(a.http_status, 200);
            let v = body_of(&a);
            assert_eq!(v["header"]["functionExecutionStatus"]["status"], "Failed");
            assert!(a.failure().is_some(), "{}", String::from_utf8_lossy(body));
        }
    }
    // A well-formed session with garbage in authenticateServerResponse.
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let tx = success(&initiate(&mut smds, &mut lpa, Style::Es11))["transactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    for garbage in [
        &[][..],
        &[0xBF, 0x38, 0x03, 0xA1, 0x01, 0x00],
        &[0xBF, 0x38, 0x02, 0xA0, 0x00],
        &[0x30, 0x81],
    ] {
        let a = smds.handle_es11(
            Es11Function::AuthenticateClient,
            json!({"transactionId": tx, "authenticateServerResponse": b64(garbage)})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(
            a.failure(),
            Some(KnownStatus::InvalidParameter),
            "{garbage:02X?}"
        );
    }
}

fn body_of(a: &Answer) -> Value {
    body(a)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_set_without_dsauth_is_refused() {
    // Like the SGP.26 vectors, which publish no DSauth: the SM-DS needs a generated set.
    let dir = std::env::temp_dir().join(format!("rsp-smds-no-dsauth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&testkit::generated_pki(7), &dir);
    std::fs::remove_dir_all(dir.join("DSauth")).unwrap();
    let set = PkiSet::load(&dir).expect("set without DSauth loads");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(set.curves().iter().all(|c| c.ds_auth.is_none()));
    let r = Smds::new(
        SmdsConfig::default(),
        &set,
        MemoryEventStore::default(),
        Box::new(SeededRandom::new(1)),
        now(),
    );
    assert!(matches!(r, Err(SmdsError::NoCredentials)));
}
