//! Put + get of one order with a 12 KB package and a 13 KB bound BPP: on a file (WAL,
//! synchronous=FULL: every put waits for the disk) and in memory (the SQL cost alone).

use divan::Bencher;
use rsp_smdp::orders::{BoundBpp, Order, OrderState, OrderStore};
use rsp_smdp::sqlite::SqliteStore;

fn main() {
    divan::main();
}

fn order(n: u64) -> Order {
    let mut o = Order::released(
        "89999000000000000018",
        vec![0x5A; 12 * 1024],
        Some("AC-BENCH"),
        Some("89049032123451234512345678901235"),
    );
    o.state = OrderState::Downloaded;
    o.download_attempts = (n % 1000) as u32;
    o.bound = Some(BoundBpp {
        euicc_otpk: vec![0x04; 65],
        bpp: vec![0xA5; 13 * 1024],
    });
    o
}

fn put_get(b: Bencher, mut store: SqliteStore) {
    let mut n = 0u64;
    b.bench_local(|| {
        n += 1;
        store.put(order(n));
        let o = store.get("89999000000000000018").expect("stored");
        assert!(store.take_error().is_none());
        divan::black_box(o)
    });
}

#[divan::bench(sample_count = 30, sample_size = 10)]
fn put_get_file(b: Bencher) {
    let dir = tempfile::tempdir().unwrap();
    put_get(b, SqliteStore::open(dir.path().join("bench.db")).unwrap());
}

#[divan::bench]
fn put_get_memory(b: Bencher) {
    put_get(b, SqliteStore::open_in_memory().unwrap());
}

#[divan::bench]
fn by_matching_id_file(b: Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    store.put(order(0));
    b.bench_local(|| divan::black_box(store.by_matching_id("AC-BENCH")));
}
