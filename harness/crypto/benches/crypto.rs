//! Crypto cost per operation (divan): ECDSA sign/verify, ECKA, key generation on both curves;
//! SCP03t protect/unprotect of a 12 KB profile (build_bpp / open_bpp); the key agreement
//! helpers. `cargo bench -p rsp-crypto --bench crypto`.

use std::hint::black_box;

use divan::Bencher;
use rsp_codec::tlv::Tlv;
use rsp_crypto::bpp::{
    bind, build_bpp, derive_from_isc, open_bpp, BindParams, BppContent, ReplaceSessionKeys,
};
use rsp_crypto::{Curve, PrivateKey, RandomSource, SeededRandom};

fn main() {
    divan::main();
}

const CURVES: [Curve; 2] = Curve::ALL;
const EID: [u8; 16] = [
    0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23, 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35,
];
/// About the size of euiccSigned1 (the largest signed object of a download).
const MESSAGE: [u8; 400] = [0x5A; 400];

fn key(curve: Curve, seed: u64) -> PrivateKey {
    PrivateKey::generate(curve, &mut SeededRandom::new(seed))
}

/// Key pair generation as an ephemeral key is made: scalar + uncompressed public point.
#[divan::bench(args = CURVES)]
fn keygen(bencher: Bencher, curve: Curve) {
    let mut rng = SeededRandom::new(1);
    bencher.bench_local(|| {
        let k = PrivateKey::generate(curve, &mut rng);
        black_box(k.public_key().to_uncompressed())
    });
}

#[divan::bench(args = CURVES)]
fn sign(bencher: Bencher, curve: Curve) {
    let k = key(curve, 2);
    bencher.bench_local(|| black_box(k.sign(black_box(&MESSAGE))));
}

#[divan::bench(args = CURVES)]
fn verify(bencher: Bencher, curve: Curve) {
    let k = key(curve, 3);
    let pk = k.public_key();
    let sig = k.sign(&MESSAGE);
    bencher.bench_local(|| pk.verify(black_box(&MESSAGE), black_box(&sig)).unwrap());
}

#[divan::bench(args = CURVES)]
fn ecdh(bencher: Bencher, curve: Curve) {
    let a = key(curve, 4);
    let b = key(curve, 5).public_key();
    bencher.bench_local(|| black_box(a.shared_secret(black_box(&b)).unwrap()));
}

struct Fixture {
    dppb: PrivateKey,
    euicc_ot: PrivateKey,
    otpk: Vec<u8>,
    isc: Tlv,
    keys: rsp_crypto::kdf::SessionKeys,
    isdp: Tlv,
    meta: Tlv,
    rsk: ReplaceSessionKeys,
    profile: Vec<u8>,
}

fn fixture(curve: Curve) -> Fixture {
    let mut rng = SeededRandom::new(6);
    let dppb = PrivateKey::generate(curve, &mut rng);
    let euicc_ot = PrivateKey::generate(curve, &mut rng);
    let otpk = euicc_ot.public_key().to_uncompressed();
    let b = bind(
        &dppb,
        &BindParams {
            transaction_id: &[1; 16],
            host_id: b"bench",
            eid: &EID,
            euicc_otpk: &otpk,
        },
        &mut rng,
    )
    .unwrap();
    let mut profile = vec![0u8; 12 * 1024];
    rng.fill(&mut profile);
    Fixture {
        dppb,
        euicc_ot,
        otpk,
        isc: b.isc,
        keys: b.keys,
        isdp: Tlv::parse(&[0xBF, 0x24, 0x00]).unwrap(),
        meta: Tlv::parse(&{
            let mut m = vec![0xBF, 0x25, 0x1A, 0x5A, 0x0A];
            m.extend([0x98, 0, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x14]);
            m.extend([
                0x91, 0x03, b'S', b'P', b'N', 0x92, 0x04, b'T', b'E', b'S', b'T',
            ]);
            m.extend([0x95, 0x01, 0x02]);
            m
        })
        .unwrap(),
        rsk: ReplaceSessionKeys::generate(&mut rng),
        profile,
    }
}

impl Fixture {
    fn content(&self) -> BppContent<'_> {
        BppContent {
            isc: &self.isc,
            configure_isdp: &self.isdp,
            store_metadata: &self.meta,
            replace_session_keys: Some(&self.rsk),
            profile: &self.profile,
        }
    }
}

/// SM-DP+: protect a 12 KB profile (13 segments of 86 plus 87/88/87).
#[divan::bench]
fn build_bpp_12k(bencher: Bencher) {
    let f = fixture(Curve::NistP256);
    bencher.bench_local(|| black_box(build_bpp(&f.content(), &f.keys).unwrap().encode()));
}

/// eUICC: parse, validate and unprotect the same BPP.
#[divan::bench]
fn open_bpp_12k(bencher: Bencher) {
    let f = fixture(Curve::NistP256);
    let bytes = build_bpp(&f.content(), &f.keys).unwrap().encode();
    bencher.bench_local(|| black_box(open_bpp(black_box(&bytes), &f.keys).unwrap()));
}

/// SM-DP+ key agreement: keygen + ECKA + KDF + smdpSign.
#[divan::bench(args = CURVES)]
fn bind_smdp(bencher: Bencher, curve: Curve) {
    let f = fixture(curve);
    let mut rng = SeededRandom::new(7);
    let params = BindParams {
        transaction_id: &[1; 16],
        host_id: b"bench",
        eid: &EID,
        euicc_otpk: &f.otpk,
    };
    bencher.bench_local(|| black_box(bind(&f.dppb, &params, &mut rng).unwrap()));
}

/// eUICC key agreement: verify smdpSign + ECKA + KDF.
#[divan::bench(args = CURVES)]
fn derive_euicc(bencher: Bencher, curve: Curve) {
    let f = fixture(curve);
    let pk = f.dppb.public_key();
    bencher.bench_local(|| {
        black_box(derive_from_isc(&f.isc, &pk, &f.euicc_ot, &EID, &[1; 16]).unwrap())
    });
}
