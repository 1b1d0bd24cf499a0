//! Profile download into the reference eUICC over APDUs: AuthenticateServer, PrepareDownload and
//! LoadBoundProfilePackage in the pieces LPAs send, with the checks and error codes of digest
//! §3.2/§4.1 and the PIR of every failure.

mod common;

use common::*;
use rsp_codec::apdu::{sw, CommandApdu};
use rsp_codec::der;
use rsp_codec::tlv::Tlv;
use rsp_crypto::{signed, Curve};
use rsp_euicc::es10::{auth_error, download_error};
use rsp_euicc::{EuiccConfig, Personality};
use rstest::rstest;

fn challenge(lpa: &mut Lpa<'_>) -> Vec<u8> {
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    ch.children()[0].content().unwrap().to_vec()
}

fn auth_error_code(resp: &Tlv) -> Option<i64> {
    let r = resp.children().first()?;
    if r.tag() != t(0xA1) {
        return None;
    }
    der::decode_integer(r.children().get(1)?.content()?).ok()
}

#[rstest]
#[case::nist(Curve::NistP256)]
#[case::brainpool(Curve::BrainpoolP256r1)]
fn downloads_and_installs_a_profile(#[case] curve: Curve) {
    let mut card = card();
    let mut dp = dp(curve);
    let profile = profile("minimal-milenage");
    let pir = download(&mut card, &mut dp, &profile, 2);
    assert_eq!(pir_error(&pir), None, "PIR: {pir:?}");

    // euiccSignPIR verifies with the eUICC key of the curve the SM-DP+ asked for.
    let set = pki().curve(curve).unwrap();
    let data = &pir.children()[0];
    let sig = pir.children()[1].content().unwrap();
    signed::verify_euicc_sign_pir(set.euicc.cert.public_key().unwrap(), &data.encode(), sig)
        .expect("PIR signature");

    let installed = &card.state().profiles;
    assert_eq!(installed.len(), 1);
    assert!(!installed[0].enabled);
    assert_eq!(
        hex::encode_upper(&installed[0].isdp_aid),
        "A0000005591010FFFFFFFF8900001000"
    );
    // The PIR waits in the notification list.
    assert_eq!(card.state().notifications.len(), 1);
}

#[test]
fn a_second_download_of_the_same_iccid_fails_in_store_metadata() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("minimal-milenage");
    assert_eq!(pir_error(&download(&mut card, &mut dp, &profile, 2)), None);
    let pir = download(&mut card, &mut dp, &profile, 2);
    // storeMetadata (2), installFailedDueToIccidAlreadyExistsOnEuicc (9).
    assert_eq!(pir_error(&pir), Some((2, 9)));
    assert_eq!(card.state().profiles.len(), 1);
}

#[rstest]
#[case::minimal("minimal-milenage")]
#[case::full("usim-isim-full")]
#[case::iccid19("iccid19-operational")]
fn every_built_profile_installs(#[case] name: &str) {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &profile(name), 2);
    assert_eq!(pir_error(&pir), None, "{name}: {pir:?}");
}

#[test]
fn a_mandatory_service_the_card_lacks_is_feature_not_supported() {
    let tuak = profile("tuak256");
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &tuak, 2);
    assert_eq!(pir_error(&pir), Some((5, 12)));
    assert_eq!(sima_status(&pir), Some(10), "feature-not-supported");

    let mut config = EuiccConfig::default();
    config.uicc_capability.push("tuak256".into());
    let mut card = card_with(config, 2);
    assert_eq!(pir_error(&download(&mut card, &mut dp, &tuak, 2)), None);
}

/// The PEStatus status of an error PIR's simaResponse.
fn sima_status(pir: &Tlv) -> Option<i64> {
    let fr = pir.children()[0]
        .children()
        .iter()
        .find(|c| c.tag() == t(0xA2))?;
    let sima = fr.children()[0]
        .children()
        .iter()
        .find(|c| c.tag() == t(0x82))?;
    let resp = Tlv::parse(sima.content()?).ok()?;
    let status = resp
        .children()
        .first()?
        .children()
        .first()?
        .children()
        .first()?;
    der::decode_integer(status.content()?).ok()
}

#[rstest]
#[case::nobertlv("NoBERTLV.der")]
#[case::nobertlv_noramrfm("NoBERTLV_NoRAMRFM.der")]
#[case::bertlv_suci("BERTLV_SUCI.der")]
#[case::bertlv_suci_noramrfm("BERTLV_SUCI_NoRAMRFM.der")]
fn every_ts48_profile_installs(#[case] file: &str) {
    let Some(profile) = load_ts48(file) else {
        return;
    };
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &profile, 0);
    assert_eq!(pir_error(&pir), None, "{file}: {pir:?}");
    assert_eq!(
        card.state().profiles[0].package,
        profile,
        "stored as received"
    );
}

#[test]
fn replace_session_keys_path_installs() {
    let mut card = card();
    let eid = *card.eid().as_bytes();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("usim-isim-full");
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    let meta = TestDp::metadata(&profile, 2);
    let bpp = dp.bpp(&prep, &eid, &meta, &profile, true);
    assert_eq!(pir_error(&load_pieces(&mut lpa, &bpp)), None);
}

#[test]
fn a_whole_bpp_in_one_store_data_sequence_also_installs() {
    let mut card = card();
    let eid = *card.eid().as_bytes();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("minimal-milenage");
    let mut lpa = Lpa::open(&mut card);
    lpa.block_size = 255;
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    let bpp = dp.bpp(&prep, &eid, &TestDp::metadata(&profile, 2), &profile, false);
    let pir = lpa.call(&bpp.encode());
    assert_eq!(pir_error(&pir), None);
}

// ------------------------------------------------------------------ AuthenticateServer

#[test]
fn authenticate_server_without_a_challenge_is_no_session_context() {
    let mut card = card();
    let dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);
    let r = lpa.call(&dp.authenticate_server_request(&[0; 16], None).encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::NO_SESSION_CONTEXT));
}

#[test]
fn authenticate_server_checks_the_challenge_signature_and_ci() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);

    let c = challenge(&mut lpa);
    let mut other = c.clone();
    other[0] ^= 1;
    let r = lpa.call(&dp.authenticate_server_request(&other, None).encode_der());
    assert_eq!(
        auth_error_code(&r),
        Some(auth_error::EUICC_CHALLENGE_MISMATCH)
    );

    // After an error the session is gone.
    let r = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::NO_SESSION_CONTEXT));

    let c = challenge(&mut lpa);
    let mut req = dp.authenticate_server_request(&c, None);
    let mut sig = req.children()[1].content().unwrap().to_vec();
    sig[10] ^= 0xFF;
    req.children_mut()[1].set_content(sig);
    let r = lpa.call(&req.encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::INVALID_SIGNATURE));

    let c = challenge(&mut lpa);
    dp.ci_pkid = vec![0xAB; 20];
    let r = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::CI_PK_UNKNOWN));
}

#[test]
fn authenticate_server_refuses_a_certificate_of_the_wrong_role() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    // Present CERT.DPpb where CERT.DPauth belongs (and sign with its key).
    dp.cert_auth = dp.cert_pb.clone();
    dp.sk_auth = dp.sk_pb.clone();
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let r = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::INVALID_OID));
}

#[test]
fn authenticate_server_answers_a_signed_euicc_signed1_with_the_chain() {
    let mut card = card();
    let dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let r = lpa.call(&dp.authenticate_server_request(&c, Some("ABC")).encode_der());
    let ok = &r.children()[0];
    let signed1 = &ok.children()[0];
    let set = pki().curve(Curve::NistP256).unwrap();
    signed::verify_euicc_signature1(
        set.euicc.cert.public_key().unwrap(),
        &signed1.encode(),
        ok.children()[1].content().unwrap(),
    )
    .expect("euiccSignature1");
    assert_eq!(ok.children()[2].encode(), set.euicc.cert.der());
    assert_eq!(ok.children()[3].encode(), set.eum.cert.der());
    // serverChallenge and transactionId echoed.
    assert_eq!(
        signed1.children()[0].content().unwrap(),
        &dp.transaction_id[..]
    );
    assert_eq!(
        signed1.children()[2].content().unwrap(),
        &dp.server_challenge[..]
    );
}

#[test]
fn authenticate_server_refuses_the_sgp26_style_wrong_role_dpauth() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let bad = pki()
        .invalid
        .iter()
        .find(|e| e.name.ends_with("DPauth_ECDSA_NIST_WRONG_ROLE.der"))
        .expect("invalid DPauth");
    dp.cert_auth = bad.cert.clone();
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let r = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    assert_eq!(auth_error_code(&r), Some(auth_error::INVALID_OID));
}

// ------------------------------------------------------------------ PrepareDownload

#[test]
fn prepare_download_refuses_a_dppb_of_another_smdp() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let bad = pki()
        .invalid
        .iter()
        .find(|e| e.name.ends_with("DPpb_ECDSA_NIST_WRONG_OID.der"))
        .expect("invalid DPpb");
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    dp.cert_pb = bad.cert.clone();
    let r = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    assert_eq!(
        prepare_error_code(&r),
        Some(download_error::INVALID_CERTIFICATE)
    );
}

fn prepare_error_code(resp: &Tlv) -> Option<i64> {
    auth_error_code(resp)
}

#[test]
fn prepare_download_checks_session_transaction_and_signature() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());

    let mut bad = dp.prepare_download_request(&auth, None, None);
    let mut sig = bad.children()[1].content().unwrap().to_vec();
    sig[0] ^= 1;
    bad.children_mut()[1].set_content(sig);
    let r = lpa.call(&bad.encode_der());
    assert_eq!(
        prepare_error_code(&r),
        Some(download_error::INVALID_SIGNATURE)
    );

    // The session ended with the error.
    let r = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    assert_eq!(
        prepare_error_code(&r),
        Some(download_error::NO_SESSION_CONTEXT)
    );

    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let tx = dp.transaction_id.clone();
    dp.transaction_id = vec![0x99; 16];
    let r = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    assert_eq!(
        prepare_error_code(&r),
        Some(download_error::INVALID_TRANSACTION_ID)
    );
    dp.transaction_id = tx;
}

#[test]
fn prepare_download_refuses_a_dppb_of_another_curve_chain() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let brp = common::dp(Curve::BrainpoolP256r1);
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    dp.cert_pb = brp.cert_pb.clone();
    dp.sk_pb = brp.sk_pb.clone();
    let r = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    // Both certificates carry the SM-DP+ OID and chain to a trusted CI, but not to the CI of
    // the session's CERT.DPauth.
    assert_eq!(
        prepare_error_code(&r),
        Some(download_error::INVALID_CERTIFICATE),
        "{r:?}"
    );
}

#[test]
fn prepare_download_with_cc_echoes_hash_and_retry_reuses_the_one_time_key() {
    let mut card = card();
    let dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let prep = lpa.call(
        &dp.prepare_download_request(&auth, Some(b"1234"), None)
            .encode_der(),
    );
    let signed2 = &prep.children()[0].children()[0];
    let hash = signed2
        .children()
        .iter()
        .find(|c| c.tag() == t(0x04))
        .expect("hashCc echoed");
    assert_eq!(
        hash.content().unwrap(),
        &rsp_crypto::kdf::hash_cc(b"1234", &dp.transaction_id)[..]
    );
    let otpk = signed2.children()[1].content().unwrap().to_vec();

    // A new session re-offering the bound BPP (bppEuiccOtpk) gets the same otPK back.
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let prep = lpa.call(
        &dp.prepare_download_request(&auth, None, Some(&otpk))
            .encode_der(),
    );
    assert_eq!(
        prep.children()[0].children()[0].children()[1]
            .content()
            .unwrap(),
        &otpk[..]
    );

    // cc required but no hashCc: refused.
    let c = challenge(&mut lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let mut req = dp.prepare_download_request(&auth, Some(b"1234"), None);
    req.children_mut().retain(|c| c.tag() != t(0x04));
    let r = lpa.call(&req.encode_der());
    assert_eq!(prepare_error_code(&r), Some(download_error::UNDEFINED));
}

// ------------------------------------------------------------------ CancelSession

#[test]
fn cancel_session_signs_the_reason_and_ends_the_session() {
    let mut card = card();
    let dp = dp(Curve::NistP256);
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let req = cons(
        0xBF41,
        vec![prim(0x80, dp.transaction_id.clone()), prim(0x81, vec![1])],
    );
    let r = lpa.call(&req.encode_der());
    let ok = &r.children()[0];
    assert_eq!(ok.tag(), t(0xA0));
    let signed = &ok.children()[0];
    let set = pki().curve(Curve::NistP256).unwrap();
    signed::verify_euicc_cancel_session(
        set.euicc.cert.public_key().unwrap(),
        &signed.encode(),
        ok.children()[1].content().unwrap(),
    )
    .expect("signature");
    assert_eq!(
        der::decode_oid(signed.children()[1].content().unwrap()).unwrap(),
        "2.999.10"
    );
    // No session any more: invalidTransactionId.
    let r = lpa.call(&req.encode_der());
    assert_eq!(result_code(&r), 5);
}

// ------------------------------------------------------------------ LoadBoundProfilePackage

fn prepared_bpp(lpa: &mut Lpa<'_>, dp: &mut TestDp, eid: &[u8; 16], profile: &[u8]) -> Tlv {
    let c = challenge(lpa);
    let auth = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    dp.bpp(&prep, eid, &TestDp::metadata(profile, 2), profile, false)
}

#[rstest]
// (part index in BF36, segment index, byte to flip from the end, expected PIR)
#[case::configure_isdp_mac(1, 0, 1, (1, 8))]
#[case::metadata_mac(2, 0, 1, (2, 8))]
#[case::profile_mac(3, 1, 1, (5, 8))]
#[case::profile_ciphertext(3, 0, 12, (5, 8))]
fn a_damaged_segment_stops_the_load_with_its_pir(
    #[case] part: usize,
    #[case] segment: usize,
    #[case] from_end: usize,
    #[case] expected: (i64, i64),
) {
    let mut card = card();
    let eid = *card.eid().as_bytes();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("usim-isim-full");
    let mut lpa = Lpa::open(&mut card);
    let mut bpp = prepared_bpp(&mut lpa, &mut dp, &eid, &profile);
    let seg = &mut bpp.children_mut()[part].children_mut()[segment];
    let mut c = seg.content().unwrap().to_vec();
    let n = c.len();
    c[n - from_end] ^= 0x01;
    seg.set_content(c);
    assert_eq!(pir_error(&load_pieces(&mut lpa, &bpp)), Some(expected));
    assert!(card.state().profiles.is_empty());
    assert_eq!(
        card.state().notifications.len(),
        1,
        "the error PIR is queued"
    );
}

/// Flips the last MAC byte of protected segment `index` of the session (every 87/88/86 after
/// BF23, counted from 0 in order).
fn flip_session_segment_mac(bpp: &mut Tlv, index: usize) {
    let mut n = 0;
    for part in bpp.children_mut().iter_mut().skip(1) {
        for seg in part.children_mut() {
            if n == index {
                let mut c = seg.content().unwrap().to_vec();
                *c.last_mut().unwrap() ^= 0x01;
                seg.set_content(c);
                return;
            }
            n += 1;
        }
    }
    panic!("the BPP has {n} segments, no segment {index}");
}

/// The planted `planted-mac-blind-segment-3` card (fuzzer self-test) skips the C-MAC check of
/// the third segment only: that damage installs there and fails on a conforming card; a damaged
/// second or fourth segment fails on both with scp03tSecurityError (8).
#[rstest]
#[case::second(1, false)]
#[case::third(2, true)]
#[case::fourth(3, false)]
fn the_planted_blind_mac_card_accepts_a_bad_mac_on_the_third_segment_only(
    #[case] index: usize,
    #[case] planted_accepts: bool,
) {
    for personality in [
        Personality::Conforming,
        Personality::PlantedMacBlindSegment3,
    ] {
        let mut card = card_with(EuiccConfig::with_personality(personality), 4);
        let eid = *card.eid().as_bytes();
        let mut dp = dp(Curve::NistP256);
        let profile = profile("usim-isim-full");
        let mut lpa = Lpa::open(&mut card);
        let mut bpp = prepared_bpp(&mut lpa, &mut dp, &eid, &profile);
        flip_session_segment_mac(&mut bpp, index);
        let error = pir_error(&load_pieces(&mut lpa, &bpp));
        if planted_accepts && personality == Personality::PlantedMacBlindSegment3 {
            assert_eq!(error, None, "{personality}, segment {index}");
            assert_eq!(card.state().profiles.len(), 1);
            assert_eq!(card.state().profiles[0].package, profile);
        } else {
            assert_eq!(
                error.map(|(_, r)| r),
                Some(8),
                "{personality}, segment {index}"
            );
            assert!(card.state().profiles.is_empty());
        }
    }
}

#[test]
fn a_bad_smdp_sign_is_initialise_secure_channel_invalid_signature() {
    let mut card = card();
    let eid = *card.eid().as_bytes();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("minimal-milenage");
    let mut lpa = Lpa::open(&mut card);
    let mut bpp = prepared_bpp(&mut lpa, &mut dp, &eid, &profile);
    let isc = &mut bpp.children_mut()[0];
    let sig = isc
        .children_mut()
        .iter_mut()
        .find(|c| c.tag() == t(0x5F37))
        .unwrap();
    let mut s = sig.content().unwrap().to_vec();
    s[5] ^= 1;
    sig.set_content(s);
    assert_eq!(pir_error(&load_pieces(&mut lpa, &bpp)), Some((0, 2)));
}

#[test]
fn a_bpp_without_prepare_download_is_refused() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let r = lpa.es10(&hex::decode("BF36038001FF").unwrap());
    assert_eq!(r.sw, sw::CONDITIONS_NOT_SATISFIED);
}

#[test]
fn a_reset_mid_load_leaves_an_interruption_pir() {
    let mut card = card();
    let eid = *card.eid().as_bytes();
    let mut dp = dp(Curve::NistP256);
    let profile = profile("minimal-milenage");
    {
        let mut lpa = Lpa::open(&mut card);
        let bpp = prepared_bpp(&mut lpa, &mut dp, &eid, &profile);
        let pieces = rsp_crypto::bpp::lpa_pieces(&bpp);
        for p in &pieces[..4] {
            assert_eq!(lpa.es10(p).sw, sw::OK);
        }
    }
    rsp_codec::apdu::Transport::reset(&mut card).unwrap();
    assert!(card.state().profiles.is_empty());
    let n = &card.state().notifications;
    assert_eq!(n.len(), 1);
    let pir = Tlv::parse(&n[0].signed).unwrap();
    // storeMetadata was in progress (A1 header and first 88 sent), interruption (11).
    assert_eq!(pir_error(&pir), Some((2, 11)));
}

// ------------------------------------------------------------------ personalities

/// Every compatibility variant of a profile: the conforming card installs them all; each
/// personality rejects exactly the variants such cards are reported to reject, with the PEStatus
/// such a card gives.
#[rstest]
#[case::minimal("minimal-milenage", 0)]
// usim-isim-full: 6 template swaps (opt-usim .5.2/.5.3, df-5gs .13.2/.13.3/.13.4, opt-isim .9.2).
#[case::full("usim-isim-full", 6)]
fn compatibility_variants_against_personalities(
    #[case] name: &str,
    #[case] expected_rejections: usize,
) {
    let source = rsp_profile::package::ProfilePackage::parse(&profile(name)).unwrap();
    let set = rsp_profile::variants::variants(&source);
    assert!(!set.variants.is_empty());
    let expectations: &[(Personality, &str, i64)] = &[
        (Personality::NoTemplateV2, "template-", 9),
        (Personality::LegacyV20, "efFileSize-minimal", 3),
    ];
    let mut rejected = 0;
    for v in &set.variants {
        let bytes = v.package.encode();
        let mut card = card();
        let mut dp = dp(Curve::NistP256);
        let pir = download(&mut card, &mut dp, &bytes, 2);
        assert_eq!(
            pir_error(&pir),
            None,
            "conforming card refuses {name}/{}",
            v.name
        );
        for (p, prefix, status) in expectations {
            if !v.name.starts_with(prefix) {
                continue;
            }
            let mut card = card_with(EuiccConfig::with_personality(*p), 3);
            let pir = download(&mut card, &mut dp, &bytes, 2);
            if pir_error(&pir).is_some() {
                assert_eq!(pir_error(&pir), Some((5, 12)), "{p} {}", v.name);
                assert_eq!(sima_status(&pir), Some(*status), "{p} {}", v.name);
                rejected += 1;
            }
        }
    }
    assert_eq!(
        rejected, expected_rejections,
        "{name}: variants rejected by personalities"
    );
}

#[test]
fn explicit_defaults_required_rejects_omitted_defaults() {
    let mut card = card_with(
        EuiccConfig::with_personality(Personality::ExplicitDefaultsRequired),
        3,
    );
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &profile("minimal-milenage"), 2);
    assert_eq!(pir_error(&pir), Some((5, 12)));
    assert_eq!(sima_status(&pir), Some(6), "invalid-parameter");
}

#[test]
fn store_data_out_of_sequence_is_refused() {
    let mut card = card();
    let lpa = Lpa::open(&mut card);
    let ch = lpa.channel;
    let cla = rsp_codec::apdu::class_for_channel(0x80, ch);
    let first = CommandApdu::new(cla, 0xE2, 0x11, 0x00).with_data(vec![0xBF, 0x2E]);
    assert_eq!(transmit(&mut card, &first).sw, sw::OK);
    let skipped = CommandApdu::new(cla, 0xE2, 0x91, 0x02).with_data(vec![0x00]);
    assert_eq!(transmit(&mut card, &skipped).sw, sw::INCORRECT_P1P2);
}

// ------------------------------------------------------------------ limits

#[test]
fn a_full_card_refuses_the_next_profile_with_insufficient_memory() {
    let config = EuiccConfig {
        max_profiles: 1,
        ..EuiccConfig::default()
    };
    let mut card = card_with(config, 4);
    let mut dp = dp(Curve::NistP256);
    assert_eq!(
        pir_error(&download(
            &mut card,
            &mut dp,
            &profile("minimal-milenage"),
            2
        )),
        None
    );
    let pir = download(&mut card, &mut dp, &profile("usim-isim-full"), 2);
    // configureISDP (1), installFailedDueToInsufficientMemoryForProfile (10).
    assert_eq!(pir_error(&pir), Some((1, 10)));

    let config = EuiccConfig {
        memory_bytes: 1500,
        ..EuiccConfig::default()
    };
    let mut card = card_with(config, 4);
    let pir = download(&mut card, &mut dp, &profile("usim-isim-full"), 2);
    // The profile needs more than the card has: loadProfileElements (5), reason 10.
    assert_eq!(pir_error(&pir), Some((5, 10)));
}

#[test]
fn a_card_with_a_small_maximum_segment_refuses_full_size_segments() {
    let config = EuiccConfig {
        max_segment_size: 256,
        ..EuiccConfig::default()
    };
    let mut card = card_with(config, 5);
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &profile("usim-isim-full"), 2);
    // The first 86 segment is 1020 bytes: scp03tStructureError (7) in loadProfileElements.
    assert_eq!(pir_error(&pir), Some((5, 7)));
}

/// TS.48 v7 encodes efFileSize on one octet where it fits: a SAIP v2.0 card refuses that as
/// bad-values on the first PE that does it (the MF), and takes the `efFileSize-2byte` variant.
#[test]
fn a_legacy_v2_0_card_against_the_ts48_profiles() {
    for file in ["NoBERTLV.der", "BERTLV_SUCI.der"] {
        let Some(p) = load_ts48(file) else { return };
        let mut card = card_with(EuiccConfig::with_personality(Personality::LegacyV20), 6);
        let mut dp = dp(Curve::NistP256);
        let pir = download(&mut card, &mut dp, &p, 0);
        assert_eq!(pir_error(&pir), Some((5, 12)), "{file}");
        assert_eq!(sima_status(&pir), Some(3), "{file}: bad-values");

        let source = rsp_profile::package::ProfilePackage::parse(&p).unwrap();
        let set = rsp_profile::variants::variants(&source);
        let two = set
            .get("efFileSize-2byte")
            .expect("efFileSize-2byte variant");
        let pir = download(&mut card, &mut dp, &two.package.encode(), 0);
        assert_eq!(
            pir_error(&pir),
            None,
            "{file}: the 2-byte variant installs on the legacy card"
        );
    }
}

#[test]
fn authenticate_server_accepts_an_sm_ds_certificate_for_discovery() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let set = pki().curve(Curve::NistP256).unwrap();
    let ds = set.ds_auth.as_ref().expect("generated set has DSauth");
    dp.cert_auth = ds.cert.clone();
    dp.sk_auth = ds.key.clone().expect("DSauth key");
    dp.address = "testsmds.example.com".into();
    let mut lpa = Lpa::open(&mut card);
    let c = challenge(&mut lpa);
    let r = lpa.call(&dp.authenticate_server_request(&c, None).encode_der());
    assert_eq!(
        r.children()[0].tag(),
        t(0xA0),
        "authenticateResponseOk for CERT.DSauth: {r:?}"
    );
}
