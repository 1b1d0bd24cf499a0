//! Reference eUICC benchmarks: a full BPP load of a 12 KB profile (TS.48 NoBERTLV: BF23
//! verification, ECDH, KDF, every segment unprotected, PEs parsed, checked, expanded and stored)
//! and a whole download on the card side (AuthenticateServer + PrepareDownload + load).
//!
//! The TS.48 profile is read from `../shared/vectors`; without it the 2 KB `usim-isim-full`
//! vector is used and the benchmark says so.

use divan::Bencher;
use rsp_codec::tlv::Tlv;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
use rsp_euicc::testkit::{self, Lpa, TestDp};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};

fn main() {
    divan::main();
}

fn profile() -> Vec<u8> {
    let ts48 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/ts48-v7/NoBERTLV.der"
    );
    match std::fs::read(ts48) {
        Ok(b) => b,
        Err(_) => {
            eprintln!(
                "TS.48 vectors missing: benchmarking the 2 KB usim-isim-full profile instead"
            );
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../vectors/profiles/usim-isim-full.der"
            ))
            .expect("profile vector")
        }
    }
}

fn set() -> PkiSet {
    PkiSet::load(testkit::generated_pki(7)).expect("PKI")
}

fn card(set: &PkiSet) -> Euicc {
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(set).expect("credentials"),
        Box::new(SeededRandom::new(1)),
    )
    .expect("card")
}

/// A card after PrepareDownload and the BPP bound to it.
fn prepared(set: &PkiSet, curve: Curve, profile: &[u8]) -> (Euicc, Tlv) {
    let mut card = card(set);
    let eid = *card.eid().as_bytes();
    let mut dp = TestDp::new(set.curve(curve).expect("curve"));
    let mut lpa = Lpa::open(&mut card);
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let auth = lpa.call(
        &dp.authenticate_server_request(ch.children()[0].content().unwrap(), None)
            .encode_der(),
    );
    let prep = lpa.call(&dp.prepare_download_request(&auth, None, None).encode_der());
    let bpp = dp.bpp(&prep, &eid, &TestDp::metadata(profile, 2), profile, false);
    (card, bpp)
}

#[divan::bench(args = [Curve::NistP256, Curve::BrainpoolP256r1])]
fn load_bpp_12k(bencher: Bencher, curve: Curve) {
    let set = set();
    let profile = profile();
    bencher
        .with_inputs(|| prepared(&set, curve, &profile))
        .bench_local_values(|(mut card, bpp)| {
            let mut lpa = Lpa::open(&mut card);
            let pir = testkit::load_pieces(&mut lpa, &bpp);
            assert!(testkit::pir_error(&pir).is_none());
        });
}

#[divan::bench(args = [Curve::NistP256, Curve::BrainpoolP256r1])]
fn full_download_card_side(bencher: Bencher, curve: Curve) {
    let set = set();
    let profile = profile();
    let mut dp = TestDp::new(set.curve(curve).expect("curve"));
    bencher
        .with_inputs(|| card(&set))
        .bench_local_values(|mut card| {
            let pir = testkit::download(&mut card, &mut dp, &profile, 2);
            assert!(testkit::pir_error(&pir).is_none());
        });
}
