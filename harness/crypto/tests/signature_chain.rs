//! The signature chain of one download, signed and verified through `rsp_crypto::signed` over
//! the bytes as received, on both curves.

use rsp_codec::tlv::Tlv;
use rsp_codec::views::{EuiccSigned2, SmdpSigned2, View};
use rsp_crypto::signed::{self, SignatureError};
use rsp_crypto::{Curve, EccError, PrivateKey, SeededRandom};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn chain_over_received_bytes_on_both_curves() {
    let mut rng = SeededRandom::new(11);
    for curve in Curve::ALL {
        let dpauth = PrivateKey::generate(curve, &mut rng);
        let dppb = PrivateKey::generate(curve, &mut rng);
        let euicc = PrivateKey::generate(curve, &mut rng);
        let ot = PrivateKey::generate(curve, &mut rng);

        // serverSigned1 / euiccSigned1: the TLVs themselves.
        let server_signed1 = h("302B 8001 01 8110 00112233445566778899aabbccddeeff 8302 6470 8410 ffeeddccbbaa99887766554433221100");
        let s1 = signed::sign_server_signature1(&dpauth, &server_signed1);
        signed::verify_server_signature1(&dpauth.public_key(), &server_signed1, &s1).unwrap();
        let euicc_signed1 = h("3003 800101");
        let e1 = signed::sign_euicc_signature1(&euicc, &euicc_signed1);

        // smdpSigned2 chained to euiccSignature1.
        let smdp_signed2 = SmdpSigned2 {
            transaction_id: vec![1],
            cc_required: false,
            bpp_euicc_otpk: None,
            extensions: vec![],
        }
        .encode();
        let s2 = signed::sign_smdp_signature2(&dppb, &smdp_signed2, &e1);
        let mut data = smdp_signed2.clone();
        data.extend(signed::signature_do(&e1));
        dppb.public_key().verify(&data, &s2).unwrap();
        signed::verify_smdp_signature2(&dppb.public_key(), &smdp_signed2, &e1, &s2).unwrap();

        // euiccSigned2 received with a non-DER length (81 xx) on euiccOtpk: the signature
        // covers those bytes, so verification must use them, not a view's DER.
        let otpk = ot.public_key().to_uncompressed();
        let mut received = h("30 48 8001 01 5F49 81 41");
        received.extend(&otpk);
        let e2 = signed::sign_euicc_signature2(&euicc, &received, &s2);
        signed::verify_euicc_signature2(&euicc.public_key(), &received, &s2, &e2).unwrap();
        let reencoded = EuiccSigned2::read(&Tlv::parse(&received).unwrap())
            .unwrap()
            .encode();
        assert_ne!(reencoded, received);
        assert!(matches!(
            signed::verify_euicc_signature2(&euicc.public_key(), &reencoded, &s2, &e2),
            Err(SignatureError::Ecc(EccError::BadSignature { .. }))
        ));
        // The untouched parsed tree re-encodes to the received bytes.
        assert_eq!(Tlv::parse(&received).unwrap().encode(), received);

        // PIR, notification and cancel-session objects.
        let pir = h("BF271F800101BF2F0A800101810207800C0161060388370AA208A106800101810108");
        let sp = signed::sign_euicc_sign_pir(&euicc, &pir);
        signed::verify_euicc_sign_pir(&euicc.public_key(), &pir, &sp).unwrap();
        let cancel = h("300e 800101 8106 883703 02 01 02 820101");
        let sc = signed::sign_euicc_cancel_session(&euicc, &cancel);
        assert!(
            signed::verify_euicc_cancel_session(&euicc.public_key(), &cancel[1..], &sc).is_err()
        );
    }
}
