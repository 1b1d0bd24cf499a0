//! The exact data every SGP.22 signature covers (digest §4.1–§4.3), built in one place so no
//! role re-derives it.
//!
//! | signature | signer | data |
//! |---|---|---|
//! | serverSignature1 | SK.DPauth | serverSigned1 TLV (`30 …`) |
//! | euiccSignature1 | SK.EUICC | euiccSigned1 TLV (`30 …`) |
//! | smdpSignature2 | SK.DPpb | smdpSigned2 TLV ‖ `5F37 40` ‖ euiccSignature1 |
//! | euiccSignature2 | SK.EUICC | euiccSigned2 TLV ‖ `5F37 40` ‖ smdpSignature2 |
//! | smdpSign | SK.DPpb | BF23 content without the smdpSign DO ‖ `5F49 41` ‖ euiccOtpk |
//! | euiccSignPIR | SK.EUICC | ProfileInstallationResultData TLV (`BF27 …`) |
//! | euiccNotificationSignature | SK.EUICC | tbsOtherNotification TLV (`BF2F …`) |
//! | euiccCancelSessionSignature | SK.EUICC | euiccCancelSessionSigned TLV (`30 …`) |
//!
//! **Inputs are the bytes as received.** Every function takes byte slices of the TLVs exactly as
//! they came off the wire (for a parsed tree, [`Tlv::encode`] of the untouched subtree, which is
//! byte-identical to the input; never a view's DER re-encoding) and never re-encodes them: a
//! verifier must check what the signer signed, including any non-DER length or unknown
//! extension the signer put there. Signatures are raw `r ‖ s` (64 bytes); the signature DO a
//! signature is chained through is rebuilt as `5F37 ‖ DER-length ‖ signature` from the
//! signature bytes as received (`5F37 40 …` for a well-formed 64-byte signature).

use rsp_codec::tlv::{write_der_length, Tag, Tlv, TlvError};

use crate::ecc::{EccError, PrivateKey, PublicKey};

/// Tag of the signature DO, `[APPLICATION 55]`.
pub const SIGNATURE_TAG: Tag = Tag::of(0x5F37);
/// Tag of a one-time public key DO, `[APPLICATION 73]`.
pub const PUBLIC_KEY_TAG: Tag = Tag::of(0x5F49);

/// Why the signed data could not be extracted from what was received.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedDataError {
    #[error("signed object is not a TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("expected tag {expected}, found {found}")]
    WrongTag { expected: Tag, found: Tag },
    #[error("{tag} must be constructed")]
    NotConstructed { tag: Tag },
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(transparent)]
    Data(#[from] SignedDataError),
    #[error(transparent)]
    Ecc(#[from] EccError),
}

/// `5F37 40 ‖ sig`: the DO a raw signature travels in.
pub fn signature_do(sig: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(67);
    push_do(&mut out, SIGNATURE_TAG, sig);
    out
}

fn push_do(out: &mut Vec<u8>, tag: Tag, content: &[u8]) {
    tag.write(out);
    write_der_length(out, content.len());
    out.extend_from_slice(content);
}

fn chained(signed: &[u8], previous_signature: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(signed.len() + 4 + previous_signature.len());
    out.extend_from_slice(signed);
    push_do(&mut out, SIGNATURE_TAG, previous_signature);
    out
}

/// serverSignature1 covers the serverSigned1 TLV as received.
pub fn server_signature1_data(server_signed1: &[u8]) -> Vec<u8> {
    server_signed1.to_vec()
}

/// euiccSignature1 covers the euiccSigned1 TLV as received (the `30` TLV inside `BF38 A0`).
pub fn euicc_signature1_data(euicc_signed1: &[u8]) -> Vec<u8> {
    euicc_signed1.to_vec()
}

/// smdpSignature2 covers `smdpSigned2 ‖ 5F37 40 ‖ euiccSignature1`.
pub fn smdp_signature2_data(smdp_signed2: &[u8], euicc_signature1: &[u8]) -> Vec<u8> {
    chained(smdp_signed2, euicc_signature1)
}

/// euiccSignature2 covers `euiccSigned2 ‖ 5F37 40 ‖ smdpSignature2`.
pub fn euicc_signature2_data(euicc_signed2: &[u8], smdp_signature2: &[u8]) -> Vec<u8> {
    chained(euicc_signed2, smdp_signature2)
}

/// smdpSign covers the InitialiseSecureChannelRequest content without its smdpSign DO,
/// followed by `5F49 41 <euiccOtpk>`. `isc` is the BF23 TLV as received (or, on the signing
/// side, as built, with or without a `5F37` child): every child except `5F37` is taken as the
/// exact received bytes, in order.
pub fn smdp_sign_data(isc: &[u8], euicc_otpk: &[u8]) -> Result<Vec<u8>, SignedDataError> {
    let t = Tlv::parse(isc)?;
    check_isc(&t)?;
    let mut out = Vec::with_capacity(isc.len() + 4 + euicc_otpk.len());
    for c in t.children().iter().filter(|c| c.tag() != SIGNATURE_TAG) {
        // Offsets come from parsing `isc`, so the slice is in bounds and exactly the input.
        let start = c.offset().unwrap_or_default();
        let end = start + c.encoded_len();
        out.extend_from_slice(isc.get(start..end).unwrap_or_default());
    }
    push_do(&mut out, PUBLIC_KEY_TAG, euicc_otpk);
    Ok(out)
}

/// [`smdp_sign_data`] for a parsed BF23 tree: the children are written with [`Tlv::encode`],
/// which is the received bytes for an untouched parsed tree (and DER for a built one).
pub fn smdp_sign_data_tlv(isc: &Tlv, euicc_otpk: &[u8]) -> Result<Vec<u8>, SignedDataError> {
    check_isc(isc)?;
    let mut out = Vec::new();
    for c in isc.children().iter().filter(|c| c.tag() != SIGNATURE_TAG) {
        c.encode_into(&mut out, true);
    }
    push_do(&mut out, PUBLIC_KEY_TAG, euicc_otpk);
    Ok(out)
}

fn check_isc(t: &Tlv) -> Result<(), SignedDataError> {
    let expected = Tag::of(0xBF23);
    if t.tag() != expected {
        return Err(SignedDataError::WrongTag {
            expected,
            found: t.tag(),
        });
    }
    if !t.is_constructed() {
        return Err(SignedDataError::NotConstructed { tag: expected });
    }
    Ok(())
}

/// euiccSignPIR covers the ProfileInstallationResultData TLV (`BF27 …`) as received.
pub fn euicc_sign_pir_data(pir_data: &[u8]) -> Vec<u8> {
    pir_data.to_vec()
}

/// The OtherSignedNotification signature covers the tbsOtherNotification TLV (`BF2F …`).
pub fn other_signed_notification_data(tbs_other_notification: &[u8]) -> Vec<u8> {
    tbs_other_notification.to_vec()
}

/// euiccCancelSessionSignature covers the euiccCancelSessionSigned TLV (`30 …`).
pub fn euicc_cancel_session_data(euicc_cancel_session_signed: &[u8]) -> Vec<u8> {
    euicc_cancel_session_signed.to_vec()
}

// ---------------------------------------------------------------- sign / verify wrappers

macro_rules! simple_pair {
    ($(#[$doc:meta])* $sign:ident, $verify:ident, $data:ident) => {
        $(#[$doc])*
        pub fn $sign(key: &PrivateKey, signed: &[u8]) -> [u8; 64] {
            key.sign(&$data(signed))
        }
        $(#[$doc])*
        pub fn $verify(key: &PublicKey, signed: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
            Ok(key.verify(&$data(signed), signature)?)
        }
    };
}

simple_pair!(
    /// serverSignature1 (SK.DPauth / PK.DPauth).
    sign_server_signature1,
    verify_server_signature1,
    server_signature1_data
);
simple_pair!(
    /// euiccSignature1 (SK.EUICC / PK.EUICC).
    sign_euicc_signature1,
    verify_euicc_signature1,
    euicc_signature1_data
);
simple_pair!(
    /// euiccSignPIR (SK.EUICC / PK.EUICC of the session).
    sign_euicc_sign_pir,
    verify_euicc_sign_pir,
    euicc_sign_pir_data
);
simple_pair!(
    /// OtherSignedNotification (SK.EUICC / the attached CERT.EUICC).
    sign_other_signed_notification,
    verify_other_signed_notification,
    other_signed_notification_data
);
simple_pair!(
    /// euiccCancelSessionSignature (SK.EUICC / PK.EUICC).
    sign_euicc_cancel_session,
    verify_euicc_cancel_session,
    euicc_cancel_session_data
);

/// smdpSignature2 (SK.DPpb) over `smdpSigned2 ‖ 5F37 40 ‖ euiccSignature1`.
pub fn sign_smdp_signature2(
    key: &PrivateKey,
    smdp_signed2: &[u8],
    euicc_signature1: &[u8],
) -> [u8; 64] {
    key.sign(&smdp_signature2_data(smdp_signed2, euicc_signature1))
}

/// Verifies smdpSignature2 with PK.DPpb.
pub fn verify_smdp_signature2(
    key: &PublicKey,
    smdp_signed2: &[u8],
    euicc_signature1: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    Ok(key.verify(
        &smdp_signature2_data(smdp_signed2, euicc_signature1),
        signature,
    )?)
}

/// euiccSignature2 (SK.EUICC) over `euiccSigned2 ‖ 5F37 40 ‖ smdpSignature2`.
pub fn sign_euicc_signature2(
    key: &PrivateKey,
    euicc_signed2: &[u8],
    smdp_signature2: &[u8],
) -> [u8; 64] {
    key.sign(&euicc_signature2_data(euicc_signed2, smdp_signature2))
}

/// Verifies euiccSignature2 with PK.EUICC.
pub fn verify_euicc_signature2(
    key: &PublicKey,
    euicc_signed2: &[u8],
    smdp_signature2: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    Ok(key.verify(
        &euicc_signature2_data(euicc_signed2, smdp_signature2),
        signature,
    )?)
}

/// smdpSign (SK.DPpb) over a BF23 (any `5F37` child in it is left out) and euiccOtpk.
pub fn sign_smdp_sign(
    key: &PrivateKey,
    isc: &[u8],
    euicc_otpk: &[u8],
) -> Result<[u8; 64], SignedDataError> {
    Ok(key.sign(&smdp_sign_data(isc, euicc_otpk)?))
}

/// Verifies smdpSign with PK.DPpb over the received BF23 and the eUICC's own otPK.
pub fn verify_smdp_sign(
    key: &PublicKey,
    isc: &[u8],
    euicc_otpk: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    Ok(key.verify(&smdp_sign_data(isc, euicc_otpk)?, signature)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecc::{Curve, SeededRandom};

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn signature_do_layout() {
        let d = signature_do(&[7; 64]);
        assert_eq!(&d[..3], &[0x5F, 0x37, 0x40]);
        assert_eq!(d.len(), 67);
    }

    #[test]
    fn chained_data_includes_the_previous_signature_do() {
        let signed2 = h("3006 800101 010100");
        let sig1 = [0xAB; 64];
        let d = smdp_signature2_data(&signed2, &sig1);
        let mut want = signed2.clone();
        want.extend(signature_do(&sig1));
        assert_eq!(d, want);
        assert_eq!(euicc_signature2_data(&signed2, &sig1), want);
    }

    #[test]
    fn smdp_sign_data_keeps_received_bytes_and_drops_the_signature() {
        // BF23 with a non-DER length on transactionId (81 02): kept verbatim.
        let isc =
            h("BF23 1C 820101 80 81 02 0102 A6 09 800188 810110 8401AA 5F49 01 04 5F37 02 EEEE");
        let otpk = [0x04; 65];
        let d = smdp_sign_data(&isc, &otpk).unwrap();
        let mut want = h("820101 80 81 02 0102 A6 09 800188 810110 8401AA 5F49 01 04");
        want.extend(h("5F49 41"));
        want.extend(otpk);
        assert_eq!(d, want);
        let t = Tlv::parse(&isc).unwrap();
        assert_eq!(smdp_sign_data_tlv(&t, &otpk).unwrap(), want);
        // The signer's view (no 5F37 yet) gives the same data.
        let unsigned = h("BF23 17 820101 80 81 02 0102 A6 09 800188 810110 8401AA 5F49 01 04");
        assert_eq!(smdp_sign_data(&unsigned, &otpk).unwrap(), want);
        assert!(matches!(
            smdp_sign_data(&h("BF24 00"), &otpk),
            Err(SignedDataError::WrongTag { .. })
        ));
        assert!(matches!(
            smdp_sign_data(&h("BF23 05 00"), &otpk),
            Err(SignedDataError::Tlv(_))
        ));
    }

    #[test]
    fn sign_verify_round_trips_on_both_curves() {
        let mut rng = SeededRandom::new(3);
        for curve in Curve::ALL {
            let sk = PrivateKey::generate(curve, &mut rng);
            let pk = sk.public_key();
            let signed = h("3003 800101");
            let sig = sign_server_signature1(&sk, &signed);
            verify_server_signature1(&pk, &signed, &sig).unwrap();
            assert!(verify_euicc_signature1(&pk, &h("3003 800102"), &sig).is_err());
            let s2 = sign_smdp_signature2(&sk, &signed, &[1; 64]);
            verify_smdp_signature2(&pk, &signed, &[1; 64], &s2).unwrap();
            assert!(verify_smdp_signature2(&pk, &signed, &[2; 64], &s2).is_err());
            let e2 = sign_euicc_signature2(&sk, &signed, &s2);
            verify_euicc_signature2(&pk, &signed, &s2, &e2).unwrap();
            let isc = h("BF23 03 820101");
            let ss = sign_smdp_sign(&sk, &isc, &[4; 65]).unwrap();
            verify_smdp_sign(&pk, &isc, &[4; 65], &ss).unwrap();
            assert!(matches!(
                verify_smdp_sign(&pk, &isc, &[5; 65], &ss),
                Err(SignatureError::Ecc(EccError::BadSignature { .. }))
            ));
            for (sign, verify) in [
                (
                    sign_euicc_sign_pir as fn(&PrivateKey, &[u8]) -> [u8; 64],
                    verify_euicc_sign_pir as fn(&PublicKey, &[u8], &[u8]) -> _,
                ),
                (
                    sign_other_signed_notification,
                    verify_other_signed_notification,
                ),
                (sign_euicc_cancel_session, verify_euicc_cancel_session),
                (sign_euicc_signature1, verify_euicc_signature1),
            ] {
                let s = sign(&sk, &signed);
                verify(&pk, &signed, &s).unwrap();
                assert!(verify(&pk, &signed, &s[..63]).is_err());
            }
        }
    }
}
