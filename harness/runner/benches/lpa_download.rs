//! A whole activation-code download by rsp-lpa into the reference eUICC (in process, APDUs),
//! from the reference SM-DP+ called in process (`Smdp::handle`) and served over HTTPS on
//! 127.0.0.1 with keep-alive. The difference is what TLS and HTTP cost a download; the
//! `download_time_split` example breaks the figures down further.
//!
//! `cargo bench -p rsp-runner --bench lpa_download`

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use common::*;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_crypto::Curve;
use rsp_euicc::Euicc;
use rsp_lpa::{Card, CardOptions, Download, DownloadOptions, RspServer, Source};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{Order, OrderStore, SmdpConfig};

const ICCID: &str = "89999000000000000018";

fn main() {
    divan::main();
}

/// A fresh matching ID per download (a consumed one never works again) and a fresh card (the
/// ICCID is installed on the last one).
fn next(prefix: &str) -> (String, Euicc) {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let pki = pki(PkiKind::Generated).expect("generated PKI");
    (format!("{prefix}-{n}"), card(pki, Curve::NistP256, n))
}

fn order(matching_id: &str) -> Order {
    static PACKAGE: OnceLock<Vec<u8>> = OnceLock::new();
    let package = PACKAGE.get_or_init(|| profile("minimal-milenage"));
    Order::released(ICCID, package.clone(), Some(matching_id), None)
}

fn run(server: &mut dyn RspServer, euicc: &mut Euicc, matching_id: &str) {
    let ac = ActivationCode::parse(&format!("LPA:1${SMDP}${matching_id}"), &ParseOptions::lab())
        .expect("activation code");
    let mut card = Card::open(euicc, CardOptions::default()).expect("ISD-R");
    Download::new(
        &mut card,
        server,
        Source::ActivationCode(ac),
        DownloadOptions::default(),
    )
    .run()
    .expect("download");
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn in_process(bencher: divan::Bencher) {
    let pki = pki(PkiKind::Generated).unwrap();
    let mut smdp = smdp_core(pki, SmdpConfig::default(), vec![], None);
    bencher
        .with_inputs(|| {
            let (m, euicc) = next("BENCH-LOCAL");
            let o = order(&m);
            (m, euicc, o)
        })
        .bench_local_values(|(m, mut euicc, o)| {
            smdp.store_mut().put(o);
            run(&mut InProcess(&mut smdp), &mut euicc, &m);
        });
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn https_keep_alive(bencher: divan::Bencher) {
    let pki = pki(PkiKind::Generated).unwrap();
    let service = Arc::new(SmdpService::new(smdp_core(
        pki,
        SmdpConfig::default(),
        vec![],
        None,
    )));
    let server = serve_as_smdp(pki, service.clone());
    let mut https = lpa_https(pki, vec![(SMDP.to_owned(), server.local_addr())]);
    // One download outside the measurement opens the connection that the rest reuse.
    let (m, mut euicc) = next("BENCH-HTTPS");
    service.with(|s| s.store_mut().put(order(&m)));
    run(&mut https, &mut euicc, &m);
    bencher
        .with_inputs(|| {
            let (m, euicc) = next("BENCH-HTTPS");
            service.with(|s| s.store_mut().put(order(&m)));
            (m, euicc)
        })
        .bench_local_values(|(m, mut euicc)| run(&mut https, &mut euicc, &m));
}
