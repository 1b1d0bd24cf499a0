//! Cost of one USIM-side AUTHENTICATE (TEMP, f5, f1 check, SQN check, f2/f3/f4, c3) and of one
//! network vector. `cargo bench --bench milenage`.

use std::hint::black_box;

use divan::Bencher;
use rsp_crypto::milenage::{AkaOutcome, Milenage, SqnState};

fn main() {
    divan::main();
}

const K: [u8; 16] = [0x46; 16];
const OPC: [u8; 16] = [0xcd; 16];
const RAND: [u8; 16] = [0x23; 16];
const AMF: [u8; 2] = [0x80, 0x00];

/// One successful 3G AUTHENTICATE on the USIM side, SQN state copied fresh per iteration.
#[divan::bench]
fn authenticate_success(bencher: Bencher) {
    let m = Milenage::new(K, OPC);
    let state = SqnState::new();
    let v = m.generate_vector(&RAND, state.compose(1, 0), AMF);
    bencher.with_inputs(|| state.clone()).bench_local_refs(|s| {
        let out = m.authenticate(black_box(&RAND), black_box(&v.autn), s);
        debug_assert!(matches!(out, AkaOutcome::Success { .. }));
        out
    });
}

/// Replay: MAC check plus AUTS generation.
#[divan::bench]
fn authenticate_sync_failure(bencher: Bencher) {
    let m = Milenage::new(K, OPC);
    let mut state = SqnState::new();
    let v = m.generate_vector(&RAND, state.compose(1, 0), AMF);
    let _ = m.authenticate(&RAND, &v.autn, &mut state);
    bencher
        .with_inputs(|| state.clone())
        .bench_local_refs(|s| m.authenticate(black_box(&RAND), black_box(&v.autn), s));
}

/// Network side: one authentication vector.
#[divan::bench]
fn generate_vector(bencher: Bencher) {
    let m = Milenage::new(K, OPC);
    bencher
        .bench_local(|| m.generate_vector(black_box(&RAND), black_box([0, 0, 0, 0, 0, 0x20]), AMF));
}

/// Key schedule plus OPc derivation, paid once per subscriber.
#[divan::bench]
fn with_op(bencher: Bencher) {
    bencher.bench_local(|| Milenage::with_op(black_box(K), black_box(OPC)));
}
