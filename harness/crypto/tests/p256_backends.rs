//! The P-256 backends held against each other: ring's verification (feature `ring`, the
//! default) must accept and refuse exactly what RustCrypto's does, and signing through the
//! RFC 6979 function directly must give the bytes `SigningKey` gives, on both curves — so a
//! seed still reproduces every signature. Plus the RFC 6979 A.2.5 known answers.

use proptest::prelude::*;
use rsp_crypto::ecc::backends;
use rsp_crypto::{Curve, PrivateKey, PublicKey, SeededRandom};

/// Order n of P-256, big-endian.
const N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// n − s (the other valid s of a signature), for 0 < s < n.
fn negate(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

/// Both backends' verdicts must agree; returns the verdict.
fn agree(pk: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    let reference = backends::verify_rustcrypto(pk, msg, sig);
    let used = pk.verify(msg, sig);
    assert_eq!(
        used.is_ok(),
        reference.is_ok(),
        "backends disagree on sig {}",
        hex::encode(sig)
    );
    used.is_ok()
}

fn key(curve: Curve, seed: u64) -> PrivateKey {
    PrivateKey::generate(curve, &mut SeededRandom::new(seed))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn direct_rfc6979_signing_matches_signing_key(seed: u64, msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        for curve in Curve::ALL {
            let k = key(curve, seed);
            prop_assert_eq!(k.sign(&msg), backends::sign_via_signing_key(&k, &msg));
        }
    }

    #[test]
    fn verification_backends_agree(
        seed: u64,
        msg in proptest::collection::vec(any::<u8>(), 0..300),
        flip in 0usize..512,
        noise in proptest::collection::vec(any::<u8>(), 64),
    ) {
        let k = key(Curve::NistP256, seed);
        let pk = k.public_key();
        let sig = k.sign(&msg);
        prop_assert!(agree(&pk, &msg, &sig));
        // The same r with n − s is valid ECDSA too; neither backend insists on low s.
        let mut high = sig;
        high[32..].copy_from_slice(&negate(&sig[32..]));
        prop_assert!(agree(&pk, &msg, &high));
        let mut flipped = sig;
        flipped[flip / 8] ^= 1 << (flip % 8);
        prop_assert!(!agree(&pk, &msg, &flipped));
        let mut other = msg.clone();
        other.push(0);
        prop_assert!(!agree(&pk, &other, &sig));
        prop_assert!(!agree(&key(Curve::NistP256, seed ^ 1).public_key(), &msg, &sig));
        agree(&pk, &msg, &noise);
    }
}

#[test]
fn out_of_range_and_malformed_signatures_are_refused_by_both() {
    let k = key(Curve::NistP256, 9);
    let pk = k.public_key();
    let sig = k.sign(b"m");
    let (r, s) = (&sig[..32], &sig[32..]);
    let zero = [0u8; 32];
    let ff = [0xFFu8; 32];
    for (r, s) in [
        (&zero[..], s),
        (r, &zero[..]),
        (&N[..], s),
        (r, &N[..]),
        (&ff[..], s),
        (r, &ff[..]),
    ] {
        let mut bad = r.to_vec();
        bad.extend_from_slice(s);
        assert!(!agree(&pk, b"m", &bad));
    }
    assert!(pk.verify(b"m", &sig[..63]).is_err());
    assert!(backends::verify_rustcrypto(&pk, b"m", &sig[..63]).is_err());
}

/// RFC 6979 A.2.5 (P-256, SHA-256): deterministic k, so fixed signatures.
#[test]
fn rfc6979_p256_sha256_known_answers() {
    let x =
        hex::decode("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721").unwrap();
    let k = PrivateKey::from_bytes(Curve::NistP256, &x).unwrap();
    assert_eq!(
        hex::encode_upper(k.public_key().to_uncompressed()),
        "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB67903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    );
    for (msg, r, s) in [
        (
            "sample",
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
            "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
        ),
        (
            "test",
            "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
            "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083",
        ),
    ] {
        let sig = k.sign(msg.as_bytes());
        assert_eq!(hex::encode_upper(sig), format!("{r}{s}"), "{msg}");
        assert!(agree(&k.public_key(), msg.as_bytes(), &sig));
    }
}
