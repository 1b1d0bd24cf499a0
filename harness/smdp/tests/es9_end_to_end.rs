//! The reference SM-DP+ against the reference eUICC, in process: an LPA in the test moves the
//! messages (JSON to the SM-DP+, APDUs to the card) step by step, so each step's answer and the
//! order state can be checked, including the error codes of digest §2.3.

mod common;

use common::*;
use rsp_codec::json::{Es9Function, NotificationPointId};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::View;
use rsp_euicc::testkit::{self, Lpa};
use rsp_smdp::orders::AuditEvent;
use rsp_smdp::{Order, OrderState, OrderStore};
use serde_json::json;

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
    smdp.set_progress_reporting(true);
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
    // Every refusal is in the audit log, with its status and the attempt count.
    let refusals: Vec<(String, String)> = smdp
        .store()
        .audit_log()
        .into_iter()
        .filter(|e| e.event == AuditEvent::ConfirmationCodeRefused)
        .map(|e| {
            assert_eq!(e.iccid, ICCID);
            assert_eq!(e.eid.as_deref(), Some(card.eid().to_digits().as_str()));
            (e.outcome, e.detail)
        })
        .collect();
    assert_eq!(
        refusals,
        [
            ("8.2.7/3.8", "attempt 1 of 3"),
            ("8.2.7/3.8", "attempt 2 of 3"),
            ("8.2.7/6.4", "attempt 3 of 3"),
        ]
        .map(|(o, d)| (o.to_owned(), d.to_owned()))
    );
    // … and reaches the operator as ES2+ confirmation-failure points.
    let failures: Vec<_> = smdp
        .take_progress()
        .into_iter()
        .filter(|p| p.point == NotificationPointId::CONFIRMATION_FAILURE)
        .map(|p| p.outcome)
        .collect();
    assert_eq!(
        failures,
        [
            Err(KnownStatus::ConfirmationCodeRefused),
            Err(KnownStatus::ConfirmationCodeRefused),
            Err(KnownStatus::ConfirmationCodeRetriesExceeded),
        ]
    );

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
    // The same BPP re-delivered: the same smdpOtpk and protected segments, only
    // InitialiseSecureChannel names this session's transaction (signed again) …
    let (first, second) = (Tlv::parse(&first).unwrap(), Tlv::parse(&second).unwrap());
    assert_eq!(
        first.children()[1..],
        second.children()[1..],
        "same segments"
    );
    let isc =
        |t: &Tlv| rsp_codec::views::InitialiseSecureChannelRequest::read(&t.children()[0]).unwrap();
    let (i1, i2) = (isc(&first), isc(&second));
    assert_eq!(i1.smdp_otpk, i2.smdp_otpk);
    assert_eq!(hex::encode_upper(&i2.transaction_id), d2.tx);
    assert_ne!(i1.transaction_id, i2.transaction_id);
    // … so the eUICC installs it in the new session.
    let pir = testkit::load_pieces(&mut lpa, &second);
    assert_eq!(testkit::pir_error(&pir), None);
}
