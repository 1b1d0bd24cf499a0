//! Property tests of the BPP: SM-DP+ `bind` + `build_bpp` against eUICC `derive_from_isc` +
//! `open_bpp_with`, on both curves, with and without ReplaceSessionKeys.

use proptest::prelude::*;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::bpp::{
    bind, build_bpp, derive_from_isc, open_bpp, open_bpp_with, BindParams, BppContent,
    ReplaceSessionKeys,
};
use rsp_crypto::kdf::SessionKeys;
use rsp_crypto::scp03t::MAX_SEGMENT_LEN;
use rsp_crypto::{Curve, PrivateKey, PublicKey, RandomSource, SeededRandom};

const EID: [u8; 16] = [
    0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23, 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35,
];
const TX: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
const META: &str = "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100";

/// Everything the eUICC needs to open, plus the BPP bytes.
struct Fixture {
    bpp: Vec<u8>,
    pk_dppb: PublicKey,
    euicc_ot: PrivateKey,
    keys: SessionKeys,
    isc: Vec<u8>,
}

impl Fixture {
    fn new(curve: Curve, seed: u64, profile: &[u8], rsk: bool) -> Fixture {
        let mut rng = SeededRandom::new(seed);
        let dppb = PrivateKey::generate(curve, &mut rng);
        let euicc_ot = PrivateKey::generate(curve, &mut rng);
        let otpk = euicc_ot.public_key().to_uncompressed();
        let binding = bind(
            &dppb,
            &BindParams {
                transaction_id: &TX,
                host_id: b"rspcheck",
                eid: &EID,
                euicc_otpk: &otpk,
            },
            &mut rng,
        )
        .unwrap();
        let rsk = rsk.then(|| ReplaceSessionKeys::generate(&mut rng));
        let isdp = Tlv::parse(&hex::decode("bf2400").unwrap()).unwrap();
        let meta = Tlv::parse(&hex::decode(META).unwrap()).unwrap();
        let bpp = build_bpp(
            &BppContent {
                isc: &binding.isc,
                configure_isdp: &isdp,
                store_metadata: &meta,
                replace_session_keys: rsk.as_ref(),
                profile,
            },
            &binding.keys,
        )
        .unwrap();
        Fixture {
            bpp: bpp.encode(),
            pk_dppb: dppb.public_key(),
            euicc_ot,
            keys: binding.keys,
            isc: binding.isc.encode(),
        }
    }

    /// The eUICC's open: smdpSign and everything else checked. `memo` skips the ECDSA
    /// verification when BF23 is byte-identical to the one built (pure speed-up).
    fn open(&self, bytes: &[u8], memo: bool) -> Result<Vec<u8>, rsp_crypto::bpp::BppError> {
        open_bpp_with(bytes, |isc| {
            if memo && isc.encode() == self.isc {
                return Ok(self.keys.clone());
            }
            derive_from_isc(isc, &self.pk_dppb, &self.euicc_ot, &EID, &TX)
        })
        .map(|o| o.profile)
    }
}

fn profile_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SeededRandom::new(seed ^ 0x5EED).fill(&mut v);
    v
}

fn curve_of(b: bool) -> Curve {
    if b {
        Curve::BrainpoolP256r1
    } else {
        Curve::NistP256
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn protect_then_unprotect_gives_the_profile_back(
        len in 0usize..=40 * 1024,
        seed in any::<u64>(),
        brainpool in any::<bool>(),
        rsk in any::<bool>(),
    ) {
        let profile = profile_bytes(len, seed);
        let f = Fixture::new(curve_of(brainpool), seed, &profile, rsk);
        prop_assert_eq!(f.open(&f.bpp, false).unwrap(), profile.clone());
        let opened = open_bpp(&f.bpp, &f.keys).unwrap();
        prop_assert_eq!(opened.replace_session_keys.is_some(), rsk);
        prop_assert_eq!(opened.segment_counts[3], len.div_ceil(1007));
        // Every segment fits 1020 bytes on the wire.
        let t = Tlv::parse(&f.bpp).unwrap();
        for part in &t.children()[1..] {
            for seg in part.children() {
                prop_assert!(seg.encoded_len() <= MAX_SEGMENT_LEN, "{}", seg.encoded_len());
            }
        }
    }

    #[test]
    fn any_single_byte_change_is_detected(
        len in 0usize..=6 * 1024,
        seed in any::<u64>(),
        brainpool in any::<bool>(),
        rsk in any::<bool>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 12),
    ) {
        let profile = profile_bytes(len, seed);
        let f = Fixture::new(curve_of(brainpool), seed, &profile, rsk);
        for (at, x) in flips {
            let mut bad = f.bpp.clone();
            let i = at.index(bad.len());
            bad[i] ^= x;
            let r = f.open(&bad, false);
            prop_assert!(r.is_err(), "byte {} ^= {:02X} went unnoticed", i, x);
        }
    }
}

/// Every byte position of a small BPP, two different changes each, both curves and both
/// shapes: always an error, never a panic.
#[test]
fn exhaustive_single_byte_changes_of_a_small_bpp() {
    for (n, (curve, rsk)) in [
        (Curve::NistP256, false),
        (Curve::NistP256, true),
        (Curve::BrainpoolP256r1, false),
        (Curve::BrainpoolP256r1, true),
    ]
    .into_iter()
    .enumerate()
    {
        let profile = profile_bytes(1500, n as u64);
        let f = Fixture::new(curve, 100 + n as u64, &profile, rsk);
        assert_eq!(f.open(&f.bpp, false).unwrap(), profile);
        for i in 0..f.bpp.len() {
            for x in [0x01, 0xFF] {
                let mut bad = f.bpp.clone();
                bad[i] ^= x;
                assert!(
                    f.open(&bad, true).is_err(),
                    "{curve} rsk={rsk}: byte {i} ^= {x:02X} went unnoticed"
                );
            }
        }
    }
}

/// Truncation at every length and appended bytes are errors.
#[test]
fn truncations_and_extensions_are_errors() {
    let f = Fixture::new(Curve::NistP256, 7, &profile_bytes(3000, 7), true);
    for cut in 0..f.bpp.len() {
        assert!(f.open(&f.bpp[..cut], true).is_err(), "cut at {cut}");
    }
    let mut longer = f.bpp.clone();
    longer.push(0);
    assert!(f.open(&longer, true).is_err());
    // SCP03t has no end marker: a BPP re-encoded consistently without its last 86 segment
    // opens to a shorter profile. Catching that is the profile installer's job (PE END).
    let mut t = Tlv::parse(&f.bpp).unwrap();
    t.children_mut()[4].children_mut().pop();
    let shorter = f.open(&t.encode(), true).unwrap();
    assert_eq!(shorter.len(), 3000 - 3000 % 1007);
    assert_eq!(t.children()[4].tag(), Tag::of(0xA3));
}
