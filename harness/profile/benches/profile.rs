//! Decode (parse + schema validation) and expansion of a TS.48 profile package. Issue 4 target: at least
//! 20,000 profiles/s on the 2-core machine. Needs ../shared/vectors/ts48-v7 beside the checkout.

use divan::counter::{BytesCount, ItemsCount};
use divan::{black_box, Bencher};
use rsp_profile::expand::expand;
use rsp_profile::ProfilePackage;

fn main() {
    divan::main();
}

fn ts48(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/vectors/ts48-v7/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (TS.48 vectors are needed)"))
}

#[divan::bench(args = ["BERTLV_SUCI.der", "NoBERTLV_NoRAMRFM.der"])]
fn parse(bencher: Bencher, name: &str) {
    let bytes = ts48(name);
    bencher
        .counter(ItemsCount::new(1usize))
        .counter(BytesCount::new(bytes.len()))
        .bench(|| black_box(ProfilePackage::parse(black_box(&bytes)).unwrap().len()));
}

#[divan::bench(args = ["BERTLV_SUCI.der", "NoBERTLV_NoRAMRFM.der"])]
fn parse_and_validate(bencher: Bencher, name: &str) {
    let bytes = ts48(name);
    bencher
        .counter(ItemsCount::new(1usize))
        .counter(BytesCount::new(bytes.len()))
        .bench(|| {
            let p = ProfilePackage::parse(black_box(&bytes)).unwrap();
            black_box(p.validate().len())
        });
}

#[divan::bench(args = ["BERTLV_SUCI.der", "NoBERTLV_NoRAMRFM.der"])]
fn parse_and_expand(bencher: Bencher, name: &str) {
    let bytes = ts48(name);
    bencher
        .counter(ItemsCount::new(1usize))
        .counter(BytesCount::new(bytes.len()))
        .bench(|| {
            let p = ProfilePackage::parse(black_box(&bytes)).unwrap();
            black_box(expand(&p).unwrap().nodes.len())
        });
}
