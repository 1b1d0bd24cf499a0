//! ES10a/ES10c and notifications on the reference eUICC: results and error codes of every
//! function (digest §3.2), notifications with their signatures, PPR enforcement, persistence.

mod common;

use common::*;
use rsp_codec::der::{self, BitString};
use rsp_crypto::{signed, Curve};
use rsp_euicc::store::CardState;
use rsp_euicc::{Euicc, EuiccConfig};
use rstest::rstest;

/// A card with the `minimal-milenage` and `usim-isim-full` profiles installed (disabled), their
/// install PIRs removed from the notification list.
fn card_with_two_profiles() -> (Euicc, Vec<Vec<u8>>) {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let mut iccids = Vec::new();
    for name in ["minimal-milenage", "usim-isim-full"] {
        let p = profile(name);
        assert_eq!(pir_error(&download(&mut card, &mut dp, &p, 2)), None);
        iccids.push(TestDp::metadata(&p, 2).iccid.to_vec());
    }
    let mut lpa = Lpa::open(&mut card);
    for seq in [1, 2] {
        let r = lpa.call(&cons(0xBF30, vec![prim(0x80, der::encode_integer(seq))]).encode_der());
        assert_eq!(result_code(&r), 0);
    }
    (card, iccids)
}

fn disable(iccid: &[u8]) -> Vec<u8> {
    cons(
        0xBF32,
        vec![
            cons(0xA0, vec![prim(0x5A, iccid.to_vec())]),
            prim(0x81, vec![0xFF]),
        ],
    )
    .encode_der()
}
fn delete(iccid: &[u8]) -> Vec<u8> {
    cons(0xBF33, vec![prim(0x5A, iccid.to_vec())]).encode_der()
}

fn profile_states(lpa: &mut Lpa<'_>) -> Vec<(Vec<u8>, i64)> {
    let r = lpa.call(&hex::decode("BF2D00").unwrap());
    r.children()[0]
        .children()
        .iter()
        .map(|e3| {
            let iccid = e3
                .children()
                .iter()
                .find(|c| c.tag() == t(0x5A))
                .unwrap()
                .content()
                .unwrap()
                .to_vec();
            let st = e3.children().iter().find(|c| c.tag() == t(0x9F70)).unwrap();
            (iccid, der::decode_integer(st.content().unwrap()).unwrap())
        })
        .collect()
}

#[test]
fn enable_disable_delete_with_their_results_and_notifications() {
    let (mut card, iccids) = card_with_two_profiles();
    let mut lpa = Lpa::open(&mut card);
    let unknown = vec![0x98; 10];

    assert_eq!(
        result_code(&lpa.call(&enable_request(&unknown))),
        1,
        "iccidOrAidNotFound"
    );
    assert_eq!(result_code(&lpa.call(&enable_request(&iccids[0]))), 0);
    assert_eq!(
        result_code(&lpa.call(&enable_request(&iccids[0]))),
        2,
        "profileNotInDisabledState"
    );
    assert_eq!(
        profile_states(&mut lpa),
        vec![(iccids[0].clone(), 1), (iccids[1].clone(), 0)]
    );

    // Enabling the other profile disables the first.
    assert_eq!(result_code(&lpa.call(&enable_request(&iccids[1]))), 0);
    assert_eq!(
        profile_states(&mut lpa),
        vec![(iccids[0].clone(), 0), (iccids[1].clone(), 1)]
    );

    assert_eq!(
        result_code(&lpa.call(&delete(&iccids[1]))),
        2,
        "enabled: profileNotInDisabledState"
    );
    assert_eq!(
        result_code(&lpa.call(&disable(&iccids[0]))),
        2,
        "profileNotInEnabledState"
    );
    assert_eq!(result_code(&lpa.call(&disable(&iccids[1]))), 0);
    assert_eq!(result_code(&lpa.call(&delete(&iccids[1]))), 0);
    assert_eq!(
        result_code(&lpa.call(&delete(&iccids[1]))),
        1,
        "already deleted"
    );
    assert_eq!(profile_states(&mut lpa).len(), 1);

    // enable(0), enable(1) → disable(0)+enable(1), disable(1), delete(1).
    let list = lpa.call(&hex::decode("BF2800").unwrap());
    let events: Vec<usize> = list.children()[0]
        .children()
        .iter()
        .map(|m| {
            let ops = m.children().iter().find(|c| c.tag() == t(0x81)).unwrap();
            der::decode_bit_string(ops.content().unwrap())
                .unwrap()
                .set_bits()[0]
        })
        .collect();
    assert_eq!(events, vec![1, 2, 1, 2, 3]);

    // Each is an OtherSignedNotification verifiable with the attached eUICC certificate.
    let all = lpa.call(&hex::decode("BF2B00").unwrap());
    for n in all.children()[0].children() {
        let cert = rsp_crypto::cert::RspCertificate::from_der(&n.children()[2].encode()).unwrap();
        signed::verify_other_signed_notification(
            cert.public_key().unwrap(),
            &n.children()[0].encode(),
            n.children()[1].content().unwrap(),
        )
        .expect("notification signature");
    }
    // Filter by event: disable only.
    let filter = cons(
        0xBF28,
        vec![prim(0x81, BitString::from_bits(&[2]).encode())],
    );
    assert_eq!(
        lpa.call(&filter.encode_der()).children()[0]
            .children()
            .len(),
        2
    );
    // Retrieve by sequence number.
    let first_seq = 3; // 1 and 2 were the PIRs
    let by_seq = cons(
        0xBF2B,
        vec![cons(0xA0, vec![prim(0x80, der::encode_integer(first_seq))])],
    );
    assert_eq!(
        lpa.call(&by_seq.encode_der()).children()[0]
            .children()
            .len(),
        1
    );
    // Remove: ok, then nothingToDelete.
    let rm = cons(0xBF30, vec![prim(0x80, der::encode_integer(first_seq))]).encode_der();
    assert_eq!(result_code(&lpa.call(&rm)), 0);
    assert_eq!(result_code(&lpa.call(&rm)), 1);
}

#[test]
fn profile_info_search_criteria_and_tag_lists() {
    let (mut card, iccids) = card_with_two_profiles();
    let mut lpa = Lpa::open(&mut card);
    let by_iccid = cons(
        0xBF2D,
        vec![cons(0xA0, vec![prim(0x5A, iccids[1].clone())])],
    );
    let r = lpa.call(&by_iccid.encode_der());
    assert_eq!(r.children()[0].children().len(), 1);

    let by_class = cons(0xBF2D, vec![cons(0xA0, vec![prim(0x95, vec![0x00])])]);
    assert_eq!(
        lpa.call(&by_class.encode_der()).children()[0]
            .children()
            .len(),
        0,
        "no test profiles"
    );

    let tags = cons(0xBF2D, vec![prim(0x5C, vec![0x5A, 0x9F, 0x70, 0x92])]);
    let r = lpa.call(&tags.encode_der());
    for e3 in r.children()[0].children() {
        let got: Vec<u32> = e3.children().iter().map(|c| c.tag().to_u32()).collect();
        assert_eq!(got, vec![0x5A, 0x9F70, 0x92]);
    }
    // Full info carries the metadata (service provider, name, class, notification config).
    let r = lpa.call(&hex::decode("BF2D00").unwrap());
    let e3 = &r.children()[0].children()[0];
    let tags: Vec<u32> = e3.children().iter().map(|c| c.tag().to_u32()).collect();
    assert_eq!(tags, vec![0x5A, 0x4F, 0x9F70, 0x91, 0x92, 0x95, 0xB6]);
    assert!(
        rsp_codec::named::validate(&rsp_codec::schema::PROFILE_INFO_LIST_RESPONSE, &r).is_empty()
    );
}

#[test]
fn nickname_eid_addresses_and_memory_reset() {
    let (mut card, iccids) = card_with_two_profiles();
    let eid = card.eid().as_bytes().to_vec();
    let mut lpa = Lpa::open(&mut card);

    let nick = cons(
        0xBF29,
        vec![prim(0x5A, iccids[0].clone()), prim(0x90, b"work".to_vec())],
    );
    assert_eq!(result_code(&lpa.call(&nick.encode_der())), 0);
    let nick_unknown = cons(
        0xBF29,
        vec![prim(0x5A, vec![0x98; 10]), prim(0x90, b"x".to_vec())],
    );
    assert_eq!(result_code(&lpa.call(&nick_unknown.encode_der())), 1);
    let r = lpa.call(&hex::decode("BF2D00").unwrap());
    assert!(r.children()[0].children()[0]
        .children()
        .iter()
        .any(|c| c.tag() == t(0x90) && c.content() == Some(b"work")));

    let r = lpa.call(&hex::decode("BF3E035C015A").unwrap());
    assert_eq!(r.children()[0].content().unwrap(), &eid[..]);

    let r = lpa.call(&hex::decode("BF3C00").unwrap());
    assert_eq!(
        r.children().len(),
        1,
        "no default SM-DP+ yet, root SM-DS only"
    );
    let set = cons(0xBF3F, vec![prim(0x80, b"smdp.example.com".to_vec())]);
    assert_eq!(result_code(&lpa.call(&set.encode_der())), 0);
    let r = lpa.call(&hex::decode("BF3C00").unwrap());
    assert_eq!(r.children()[0].content().unwrap(), b"smdp.example.com");

    // Reset: delete operational profiles and the default address.
    let reset = cons(
        0xBF34,
        vec![prim(0x82, BitString::from_bits(&[0, 2]).encode())],
    );
    assert_eq!(result_code(&lpa.call(&reset.encode_der())), 0);
    assert!(profile_states(&mut lpa).is_empty());
    assert_eq!(
        lpa.call(&hex::decode("BF3C00").unwrap()).children().len(),
        1
    );
    assert_eq!(
        result_code(&lpa.call(&reset.encode_der())),
        1,
        "nothingToDelete"
    );
}

#[test]
fn profile_policy_rules_are_enforced() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let eid = *card.eid().as_bytes();
    let p = profile("minimal-milenage");
    let mut meta = TestDp::metadata(&p, 2);
    meta.profile_policy_rules = Some(BitString::from_bits(&[1, 2]));
    let iccid = meta.iccid.to_vec();
    let mut lpa = Lpa::open(&mut card);
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let auth = lpa.call(
        &dp.authenticate_server_request(ch.children()[0].content().unwrap(), None)
            .encode_der(),
    );
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    let bpp = dp.bpp(&prep, &eid, &meta, &p, false);
    assert_eq!(pir_error(&load_pieces(&mut lpa, &bpp)), None);

    assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0);
    assert_eq!(
        result_code(&lpa.call(&disable(&iccid))),
        3,
        "PPR1: disallowedByPolicy"
    );

    // A test profile may not carry PPRs: pprNotAllowed at StoreMetadata.
    let p2 = profile("usim-isim-full");
    let mut meta2 = TestDp::metadata(&p2, 0);
    meta2.profile_policy_rules = Some(BitString::from_bits(&[2]));
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let auth = lpa.call(
        &dp.authenticate_server_request(ch.children()[0].content().unwrap(), None)
            .encode_der(),
    );
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    let bpp = dp.bpp(&prep, &eid, &meta2, &p2, false);
    assert_eq!(pir_error(&load_pieces(&mut lpa, &bpp)), Some((2, 15)));
}

#[test]
fn rat_and_euicc_info_are_schema_valid() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let rat = lpa.call(&hex::decode("BF4300").unwrap());
    assert!(rsp_codec::named::validate(&rsp_codec::schema::GET_RAT_RESPONSE, &rat).is_empty());
    let info1 = lpa.call(&hex::decode("BF2000").unwrap());
    assert!(rsp_codec::named::validate(&rsp_codec::schema::EUICC_INFO1, &info1).is_empty());
    let info2 = lpa.call(&hex::decode("BF2200").unwrap());
    let errors = rsp_codec::named::validate(&rsp_codec::schema::EUICC_INFO2, &info2);
    assert!(errors.is_empty(), "{errors:?}");
    // Both test CIs offered for verification and signing.
    assert_eq!(info1.children()[1].children().len(), 2);
    assert_eq!(info1.children()[2].children().len(), 2);
}

#[rstest]
#[case::svn22("svn-2.2", [2, 2, 2])]
#[case::svn23("svn-2.3", [2, 3, 0])]
#[case::conforming("conforming", [2, 5, 0])]
fn personalities_report_their_svn(#[case] name: &str, #[case] svn: [u8; 3]) {
    let config = EuiccConfig::from_toml(&format!("personality = \"{name}\"")).unwrap();
    let mut card = card_with(config, 1);
    let mut lpa = Lpa::open(&mut card);
    let info1 = lpa.call(&hex::decode("BF2000").unwrap());
    assert_eq!(info1.children()[0].content().unwrap(), &svn[..]);
}

#[test]
fn load_crl_checks_format_and_issuer() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    // Not a CertificateList: invalidCRLFormat (2).
    let junk = cons(0xBF35, vec![cons(0xA0, vec![prim(0x02, vec![1])])]);
    assert_eq!(result_code(&lpa.call(&junk.encode_der())), 2);
    // A CRL-shaped list from an unknown issuer: verificationKeyNotFound (4).
    let tbs = cons(
        0x30,
        vec![
            cons(
                0x30,
                vec![prim(0x06, der::encode_oid("1.2.840.10045.4.3.2").unwrap())],
            ),
            cons(0x30, vec![]),
            prim(0x17, b"260101000000Z".to_vec()),
        ],
    );
    let crl = cons(
        0xBF35,
        vec![cons(
            0xA0,
            vec![
                tbs,
                cons(
                    0x30,
                    vec![prim(0x06, der::encode_oid("1.2.840.10045.4.3.2").unwrap())],
                ),
                prim(0x03, vec![0, 0x30, 0x00]),
            ],
        )],
    );
    assert_eq!(result_code(&lpa.call(&crl.encode_der())), 4);
}

#[test]
fn state_survives_a_restart_through_the_state_file() {
    let dir = std::env::temp_dir().join(format!("rsp-euicc-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("card.json");
    let _ = std::fs::remove_file(&path);
    let iccid;
    {
        let mut card = card().with_state_file(&path).unwrap();
        let mut dp = dp(Curve::NistP256);
        let p = profile("minimal-milenage");
        iccid = TestDp::metadata(&p, 2).iccid.to_vec();
        assert_eq!(pir_error(&download(&mut card, &mut dp, &p, 2)), None);
        let mut lpa = Lpa::open(&mut card);
        assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0);
    }
    let saved = CardState::load(&path).unwrap();
    assert_eq!(saved.profiles.len(), 1);
    let mut card = card().with_state_file(&path).unwrap();
    let mut lpa = Lpa::open(&mut card);
    assert_eq!(profile_states(&mut lpa), vec![(iccid, 1)]);
    assert_eq!(
        lpa.call(&hex::decode("BF2800").unwrap()).children()[0]
            .children()
            .len(),
        2,
        "PIR + enable"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_es10_requests_get_status_words() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    for (req, sw) in [
        ("BF2E", 0x6A80),         // truncated TLV
        ("BF7F00", 0x6A88),       // unknown function
        ("8001FF", 0x6A80),       // primitive
        ("BF3103800101", 0x6A80), // EnableProfile without a profile identifier
        ("BF2E0000", 0x6A80),     // trailing byte
    ] {
        let r = lpa.es10(&hex::decode(req).unwrap());
        assert_eq!(r.sw, sw, "{req}");
    }
}

/// A CRL signed by the NIST test CI: `BF35 { A0 { tbsCertList, algorithm, signature } }`.
fn crl(number: i64, corrupt: bool) -> Vec<u8> {
    let set = pki().curve(Curve::NistP256).unwrap();
    let ci_key = set.ci.key.clone().expect("CI key");
    let alg = cons(
        0x30,
        vec![prim(0x06, der::encode_oid("1.2.840.10045.4.3.2").unwrap())],
    );
    let crl_number = cons(
        0x30,
        vec![
            prim(0x06, der::encode_oid("2.5.29.20").unwrap()),
            prim(0x04, prim(0x02, der::encode_integer(number)).encode_der()),
        ],
    );
    let tbs = cons(
        0x30,
        vec![
            prim(0x02, vec![1]),
            alg.clone(),
            rsp_codec::tlv::Tlv::parse(set.ci.cert.subject().der()).unwrap(),
            prim(0x17, b"260101000000Z".to_vec()),
            cons(0xA0, vec![cons(0x30, vec![crl_number])]),
        ],
    );
    let mut raw = ci_key.sign(&tbs.encode_der());
    if corrupt {
        raw[3] ^= 1;
    }
    let mut sig = vec![0];
    sig.extend(rsp_crypto::ecc::raw_to_der(&raw).unwrap());
    cons(0xBF35, vec![cons(0xA0, vec![tbs, alg, prim(0x03, sig)])]).encode_der()
}

#[test]
fn load_crl_accepts_a_ci_signed_list_and_refuses_stale_or_forged_ones() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let ok = lpa.call(&crl(5, false));
    assert_eq!(ok.children()[0].tag(), t(0xA0), "loadCRLResponseOk: {ok:?}");
    assert_eq!(result_code(&lpa.call(&crl(6, true))), 1, "invalidSignature");
    assert_eq!(
        result_code(&lpa.call(&crl(5, false))),
        5,
        "fresherCrlAlreadyLoaded"
    );
    assert_eq!(lpa.call(&crl(6, false)).children()[0].tag(), t(0xA0));
}

#[test]
fn get_profiles_info_with_a_bad_search_criterion_is_incorrect_input_values() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let r = lpa.call(&hex::decode("BF2D05A003990100").unwrap());
    assert_eq!(r.children()[0].tag(), t(0x81));
    assert_eq!(result_code(&r), 1);
}
