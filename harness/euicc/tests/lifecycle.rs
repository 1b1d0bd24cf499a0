//! A profile's whole life on the reference eUICC, checked from both sides: download over ES10,
//! enable, then the UICC interface proves the install (EF.IMSI as the profile says, Milenage AKA
//! with the profile's K/OPc), then disable, delete and the notifications of each step.

mod common;

use common::*;
use rsp_codec::apdu::{sw, CommandApdu};
use rsp_codec::der;
use rsp_crypto::milenage::{self, AuthResponse, Milenage};
use rsp_crypto::Curve;

/// EF.IMSI coding of `001010000000001`: length 08, parity nibble 9, digits swapped.
const IMSI_EF: &str = "080910100000000010";
const K: &str = "000102030405060708090A0B0C0D0E0F";
const OPC: &str = "0F0E0D0C0B0A09080706050403020100";

fn usim_aid(card: &mut rsp_euicc::Euicc) -> Vec<u8> {
    // EF.DIR record 1 holds the USIM application template (61 { 4F AID … }).
    let r = transmit(
        card,
        &CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(vec![0x2F, 0x00]),
    );
    assert_eq!(r.sw, sw::OK, "SELECT EF.DIR");
    let rec = transmit(card, &CommandApdu::new(0, 0xB2, 1, 4).with_le(0));
    assert_eq!(rec.sw, sw::OK, "READ RECORD EF.DIR");
    let t = rsp_codec::tlv::Tlv::parse_prefix(&rec.data).unwrap().0;
    t.children()
        .iter()
        .find(|c| c.tag() == rsp_codec::tlv::Tag::of(0x4F))
        .unwrap()
        .content()
        .unwrap()
        .to_vec()
}

#[test]
fn download_enable_use_disable_delete() {
    let mut card = card();
    let mut dp = dp(Curve::NistP256);
    let p = profile("minimal-milenage");
    let iccid = TestDp::metadata(&p, 2).iccid.to_vec();
    assert_eq!(pir_error(&download(&mut card, &mut dp, &p, 2)), None);

    // No enabled profile: no file system on the basic channel.
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]),
    );
    assert_eq!(r.sw, sw::FILE_NOT_FOUND);

    {
        let mut lpa = Lpa::open(&mut card);
        assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0);
    }

    // The UICC side: ADF.USIM by AID from EF.DIR, EF.IMSI as the profile says.
    let aid = usim_aid(&mut card);
    let sel = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 0x04, 0x04)
            .with_data(aid.clone())
            .with_le(0),
    );
    assert_eq!(sel.sw, sw::OK, "SELECT ADF.USIM: {}", sw::describe(sel.sw));
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(vec![0x6F, 0x07]),
    );
    assert_eq!(r.sw, sw::OK, "SELECT EF.IMSI");
    let imsi = transmit(&mut card, &CommandApdu::new(0, 0xB0, 0, 0).with_le(9));
    assert_eq!(
        (hex::encode_upper(&imsi.data), imsi.sw),
        (IMSI_EF.to_owned(), sw::OK)
    );

    // AKA with the installed K/OPc: the network's vector authenticates, RES/CK/IK agree.
    let k: [u8; 16] = hex::decode(K).unwrap().try_into().unwrap();
    let opc: [u8; 16] = hex::decode(OPC).unwrap().try_into().unwrap();
    let net = Milenage::new(k, opc);
    let rand = [0x5Au8; 16];
    let v = net.generate_vector(&rand, [0, 0, 0, 0, 0, 0x21], [0x80, 0x00]);
    let auth = CommandApdu::new(0, 0x88, 0x00, 0x81)
        .with_data(milenage::build_authenticate_command(&rand, &v.autn))
        .with_le(0);
    let r = transmit(&mut card, &auth);
    assert_eq!(r.sw, sw::OK, "AUTHENTICATE: {}", sw::describe(r.sw));
    match milenage::parse_authenticate_response(&r.data).unwrap() {
        AuthResponse::Success { res, ck, ik, .. } => {
            assert_eq!(res, v.xres.to_vec());
            assert_eq!((ck, ik), (v.ck, v.ik));
        }
        other => panic!("expected success, got {other:?}"),
    }
    // The same challenge again is a replay: synchronisation failure with AUTS.
    let r = transmit(&mut card, &auth);
    assert!(matches!(
        milenage::parse_authenticate_response(&r.data).unwrap(),
        AuthResponse::SyncFailure { .. }
    ));
    // A corrupted MAC: 9862.
    let mut bad = v.autn;
    bad[15] ^= 1;
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0x88, 0x00, 0x81)
            .with_data(milenage::build_authenticate_command(&rand, &bad))
            .with_le(0),
    );
    assert_eq!(r.sw, sw::AUTH_ERROR_INCORRECT_MAC);

    // SQN memory survives a reset (it is kept with the profile).
    rsp_codec::apdu::Transport::reset(&mut card).unwrap();
    transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(aid.clone()),
    );
    let r = transmit(&mut card, &auth);
    assert!(
        matches!(
            milenage::parse_authenticate_response(&r.data).unwrap(),
            AuthResponse::SyncFailure { .. }
        ),
        "replay after reset"
    );

    // Disable, delete; the notifications of each step are queued (PIR, enable, disable, delete).
    let mut lpa = Lpa::open(&mut card);
    let disable = cons(
        0xBF32,
        vec![
            cons(0xA0, vec![prim(0x5A, iccid.clone())]),
            prim(0x81, vec![0xFF]),
        ],
    );
    assert_eq!(result_code(&lpa.call(&disable.encode_der())), 0);
    let delete = cons(0xBF33, vec![prim(0x5A, iccid.clone())]);
    assert_eq!(result_code(&lpa.call(&delete.encode_der())), 0);
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
    assert_eq!(events, vec![0, 1, 2, 3]);
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]),
    );
    assert_eq!(r.sw, sw::FILE_NOT_FOUND, "no file system after delete");
}

#[test]
fn every_ts48_profile_reads_back_its_imsi_after_install() {
    for file in ["NoBERTLV.der", "BERTLV_SUCI.der"] {
        let Some(p) = load_ts48(file) else { return };
        let mut card = card();
        let mut dp = dp(Curve::NistP256);
        let iccid = TestDp::metadata(&p, 0).iccid.to_vec();
        assert_eq!(pir_error(&download(&mut card, &mut dp, &p, 0)), None);
        let mut lpa = Lpa::open(&mut card);
        assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0);
        let aid = usim_aid(&mut card);
        assert_eq!(
            transmit(
                &mut card,
                &CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(aid)
            )
            .sw,
            sw::OK
        );
        assert_eq!(
            transmit(
                &mut card,
                &CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(vec![0x6F, 0x07])
            )
            .sw,
            sw::OK
        );
        let imsi = transmit(&mut card, &CommandApdu::new(0, 0xB0, 0, 0).with_le(9));
        assert_eq!(imsi.sw, sw::OK, "{file}");
        let pkg = rsp_profile::package::ProfilePackage::parse(&p).unwrap();
        let fs = rsp_profile::expand::expand(&pkg).unwrap();
        let want = fs.nodes.iter().find(|n| n.fid == Some(0x6F07)).unwrap();
        assert_eq!(imsi.data, want.content, "{file}: EF.IMSI as expanded");
    }
}
