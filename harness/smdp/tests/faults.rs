//! Faults armed on the SM-DP+ reach the reference eUICC's error paths: a corrupted
//! serverSignature1, a changed serverAddress, a substituted certificate and damaged BPP segments
//! give the answers the card must give.

mod common;

use common::*;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_euicc::testkit::{self, Lpa};
use rsp_smdp::faults::ArmedFault;
use rstest::rstest;
use serde_json::{json, Value};

fn fault(v: Value) -> ArmedFault {
    serde_json::from_value(v).expect("fault JSON")
}

/// AuthenticateServer with the SM-DP+'s (possibly faulty) InitiateAuthentication answer;
/// returns the card's BF38.
fn authenticate_server(armed: Option<Value>) -> Tlv {
    let mut smdp = smdp(vec![]);
    if let Some(v) = armed {
        smdp.arm(fault(v)).unwrap();
    }
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let (a, _) = initiate(&mut smdp, &mut lpa);
    let ia = success(&a);
    let req = authenticate_server_request(&ia, None);
    lpa.call(&req.encode_der())
}

/// The AuthenticateServer error code, if the card refused.
fn auth_error(bf38: &Tlv) -> Option<u8> {
    // authenticateResponseError: A1 { transactionId 80, authenticateErrorCode 02 }.
    bf38.child(Tag::of(0xA1))
        .and_then(|e| e.child(Tag::of(0x02)))
        .and_then(|e| e.content())
        .map(|c| c[0])
}

#[rstest]
// invalidSignature (2)
#[case(json!({"fault": {"kind": "corruptSignature"}}), Some(2))]
// The signed serverAddress no longer matches what the LPA asked for: invalidSignature too,
// because the signature covers it (the card checks the signature first).
#[case(json!({"fault": {"kind": "setField", "field": "serverSigned1",
    "path": "ServerSigned1.serverAddress", "tlvHex": "8303782E79"}}), Some(2))]
// CERT.DPpb where CERT.DPauth belongs (a valid chain, the wrong certificate policy): the
// reference eUICC answers invalidOid (5).
#[case(json!({"function": "initiateAuthentication", "fault": {"kind": "substituteCertificate",
    "derHex": "@DPpb"}}), Some(5))]
#[case(json!({"function": "cancelSession", "fault": {"kind": "corruptSignature"}}), None)]
fn faulty_initiate_authentication_answers_are_refused_by_the_card(
    #[case] mut armed: Value,
    #[case] expected: Option<u8>,
) {
    if armed["fault"]["derHex"] == "@DPpb" {
        let dir = rsp_euicc::testkit::generated_pki(7);
        let der = std::fs::read(dir.join("DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der")).unwrap();
        armed["fault"]["derHex"] = Value::String(hex::encode(der));
    }
    let bf38 = authenticate_server(Some(armed));
    assert_eq!(auth_error(&bf38), expected, "{bf38:?}");
}

#[rstest]
#[case("mac")]
#[case("ciphertext")]
#[case("tag")]
#[case("truncate")]
fn a_damaged_bpp_segment_fails_the_installation(#[case] damage: &str) {
    let mut smdp = smdp(vec![rsp_smdp::Order::released(
        ICCID,
        profile(),
        Some("AC-FAULT"),
        None,
    )]);
    smdp.arm(fault(json!({"function": "getBoundProfilePackage",
        "fault": {"kind": "bppSegment", "index": 2, "damage": damage}})))
        .unwrap();
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let (mut d, a) = authenticate(&mut smdp, &mut lpa, Some("AC-FAULT"));
    d.prepare_response = prepare(&mut lpa, &success(&a), None, &d.tx);
    let bpp = unb64(&success(&get_bpp(&mut smdp, &d))["boundProfilePackage"]);
    // Piece by piece as an LPA sends it; the card refuses either with a PIR error or, for a
    // piece it cannot place (a segment with a foreign tag), with a status word.
    let mut refused = false;
    for piece in rsp_crypto::bpp::lpa_pieces(&Tlv::parse(&bpp).unwrap()) {
        let r = lpa.es10(&piece);
        if r.sw != rsp_codec::apdu::sw::OK {
            refused = true;
            break;
        }
        if !r.data.is_empty() {
            let pir = Tlv::parse(&r.data).unwrap();
            refused = testkit::pir_error(&pir).is_some();
            break;
        }
    }
    assert!(refused, "{damage}: the damaged BPP was accepted");
    assert_eq!(smdp.faults_applied(), 1);
}

/// One download of the released ICCID order with `armed` faults; returns the PIR (or `None`
/// when the card refused a piece with a status word).
fn download_with(armed: Value) -> (Option<Tlv>, rsp_euicc::Euicc, Vec<u8>) {
    let mut smdp = smdp(vec![rsp_smdp::Order::released(
        ICCID,
        profile(),
        Some("AC-FAULT"),
        None,
    )]);
    smdp.arm(fault(armed)).unwrap();
    let mut card = card();
    let bpp = {
        let mut lpa = Lpa::open(&mut card);
        let (mut d, a) = authenticate(&mut smdp, &mut lpa, Some("AC-FAULT"));
        d.prepare_response = prepare(&mut lpa, &success(&a), None, &d.tx);
        unb64(&success(&get_bpp(&mut smdp, &d))["boundProfilePackage"])
    };
    assert_eq!(smdp.faults_applied(), 1);
    let mut lpa = Lpa::open(&mut card);
    let mut pir = None;
    for piece in rsp_crypto::bpp::lpa_pieces(&Tlv::parse(&bpp).unwrap()) {
        let r = lpa.es10(&piece);
        if r.sw != rsp_codec::apdu::sw::OK {
            break;
        }
        if !r.data.is_empty() {
            pir = Some(Tlv::parse(&r.data).unwrap());
            break;
        }
    }
    (pir, card, bpp)
}

/// Another valid profile under the order's ICCID: usim-isim-full rebuilt with ICCID.
fn other_profile_with_the_order_iccid() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/profiles/usim-isim-full.toml"
    ))
    .unwrap()
    .replace("89999000000000000026", ICCID);
    let desc = rsp_profile::builder::ProfileDescription::from_toml(&text).unwrap();
    rsp_profile::builder::build_der(&desc).unwrap()
}

#[test]
fn a_profile_package_fault_binds_those_bytes_and_the_card_installs_them() {
    let package = other_profile_with_the_order_iccid();
    assert_ne!(package, profile());
    let (pir, card, _) = download_with(json!({"function": "getBoundProfilePackage",
        "fault": {"kind": "profilePackage", "derHex": hex::encode(&package)}}));
    let pir = pir.expect("a PIR");
    assert_eq!(testkit::pir_error(&pir), None, "{pir:?}");
    // What the card decrypted from the 86 segments, stored as received.
    assert_eq!(card.state().profiles.len(), 1);
    assert_eq!(card.state().profiles[0].package, package);
}

#[rstest]
#[case::not_der("DEADBEEF")]
#[case::truncated_header("A0")]
#[case::empty_sequence("3000")]
fn a_garbage_profile_package_is_a_pir_error_not_a_panic(#[case] der_hex: &str) {
    let (pir, card, bpp) = download_with(json!({
        "fault": {"kind": "profilePackage", "derHex": der_hex}}));
    // The garbage is in the 86 segments, protected correctly (more than the order's own).
    let a3 = Tlv::parse(&bpp).unwrap().children().last().unwrap().clone();
    assert_eq!(a3.tag(), Tag::of(0xA3));
    assert_eq!(a3.children().len(), 1);
    let pir = pir.expect("a PIR");
    // loadProfileElements (5), with an error reason.
    assert_eq!(
        testkit::pir_error(&pir).map(|(cmd, _)| cmd),
        Some(5),
        "{pir:?}"
    );
    assert!(card.state().profiles.is_empty());
}
