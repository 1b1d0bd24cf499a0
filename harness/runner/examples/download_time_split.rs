//! Where the time of a profile download goes: N activation-code downloads by rsp-lpa into the
//! reference eUICC (in process, APDUs), from the reference SM-DP+ twice — called in process
//! (`Smdp::handle`, no TLS, no HTTP) and served over HTTPS on 127.0.0.1 with keep-alive — and
//! the split of each: total, waiting for the server (and inside its handler), inside the card,
//! the LPA's own work, and the TLS+HTTP overhead.
//!
//! `cargo run --release -p rsp-runner --example download_time_split [-- N]` (N = 20 by default).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_crypto::Curve;
use rsp_lpa::download::TimeSplit;
use rsp_lpa::{Card, CardOptions, Download, DownloadOptions, RspServer, Source};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{Order, OrderStore, SmdpConfig};

const ICCID: &str = "89999000000000000018";

/// One download's figures.
#[derive(Clone, Copy, Default)]
struct Sample {
    total: Duration,
    server: Duration,
    server_calls: u64,
    server_bytes: u64,
    /// Inside the SM-DP+'s handler (in process: the same as `server`).
    handler: Duration,
    apdu: Duration,
    apdus: u64,
    apdu_bytes: u64,
}

fn source(matching_id: &str) -> Source {
    Source::ActivationCode(
        ActivationCode::parse(&format!("LPA:1${SMDP}${matching_id}"), &ParseOptions::lab())
            .expect("activation code"),
    )
}

/// One download into a fresh card; the order for `matching_id` must be in place.
fn download(server: &mut dyn RspServer, matching_id: &str, seed: u64) -> (Sample, TimeSplit) {
    let pki = pki(PkiKind::Generated).expect("generated PKI");
    let mut euicc = card(pki, Curve::NistP256, seed);
    let mut card = Card::open(&mut euicc, CardOptions::default()).expect("ISD-R");
    let started = Instant::now();
    let mut d = Download::new(
        &mut card,
        server,
        source(matching_id),
        DownloadOptions::default(),
    );
    while let Some(step) = d.next_step() {
        if let Err(e) = d.step() {
            panic!("{}: {e}", step.name());
        }
    }
    let total = started.elapsed();
    d.installed().expect("installed");
    let split = d.time_split();
    let sample = Sample {
        total,
        server: split.server.time,
        server_calls: split.server.calls,
        server_bytes: split.server.bytes_sent + split.server.bytes_received,
        handler: split.server.time,
        apdu: split.apdu.time,
        apdus: split.apdu.commands,
        apdu_bytes: split.apdu.bytes_sent + split.apdu.bytes_received,
    };
    (sample, split)
}

fn mean(samples: &[Sample], f: impl Fn(&Sample) -> Duration) -> Duration {
    samples.iter().map(&f).sum::<Duration>() / samples.len().max(1) as u32
}

fn median(samples: &[Sample], f: impl Fn(&Sample) -> Duration) -> Duration {
    let mut v: Vec<Duration> = samples.iter().map(f).collect();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1e3)
}

fn signed_ms(a: Duration, b: Duration) -> String {
    format!("{:8.3} ms", (a.as_secs_f64() - b.as_secs_f64()) * 1e3)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N: a number of downloads"))
        .unwrap_or(20)
        .max(1);
    let pki = pki(PkiKind::Generated).expect("generated PKI");
    let package = profile("minimal-milenage");
    let order = |m: &str| Order::released(ICCID, package.clone(), Some(m), None);

    // In process: the LPA calls Smdp::handle directly.
    let mut smdp = smdp_core(pki, SmdpConfig::default(), vec![], None);
    let mut local = Vec::new();
    for i in 0..=n {
        let m = format!("TS-LOCAL-{i}");
        smdp.store_mut().put(order(&m));
        let (s, _) = download(&mut InProcess(&mut smdp), &m, i as u64);
        if i > 0 {
            local.push(s); // the first one warms caches up
        }
    }

    // HTTPS with keep-alive: one client for all downloads, the handler timed inside the server.
    let service = Arc::new(SmdpService::new(smdp_core(
        pki,
        SmdpConfig::default(),
        vec![],
        None,
    )));
    let timed = Arc::new(Timed::new(service.clone()));
    let server = serve_as_smdp(pki, timed.clone());
    let mut https = lpa_https(pki, vec![(SMDP.to_owned(), server.local_addr())]);
    let mut remote = Vec::new();
    let mut cold = Sample::default();
    let mut bpp_bytes = 0;
    for i in 0..=n {
        let m = format!("TS-HTTPS-{i}");
        service.with(|s| s.store_mut().put(order(&m)));
        let (mut s, split) = download(&mut https, &m, 1000 + i as u64);
        s.handler = timed.take().1;
        bpp_bytes = split.server.bytes_received;
        if i == 0 {
            cold = s; // includes the TLS handshake of a new connection
        } else {
            remote.push(s);
        }
    }
    let stats = server.shutdown();

    let l = |f: fn(&Sample) -> Duration| mean(&local, f);
    let r = |f: fn(&Sample) -> Duration| mean(&remote, f);
    let lpa_self = |s: &Sample| s.total.saturating_sub(s.server + s.apdu);
    let tls_http = |s: &Sample| s.server.saturating_sub(s.handler);
    println!(
        "download time split: {n} activation-code downloads each way (+1 warm-up), minimal-milenage, \
         NIST P-256, {} server calls, {} APDUs ({} bytes), {} bytes over ES9+ per download",
        remote[0].server_calls, remote[0].apdus, remote[0].apdu_bytes, remote[0].server_bytes
    );
    println!("  (ES9+ answers total {bpp_bytes} bytes, the BPP most of it)");
    println!();
    println!("mean per download              in process      HTTPS keep-alive");
    println!(
        "total                         {}     {}",
        ms(l(|s| s.total)),
        ms(r(|s| s.total))
    );
    println!(
        "  waiting for the SM-DP+      {}     {}",
        ms(l(|s| s.server)),
        ms(r(|s| s.server))
    );
    println!(
        "    inside its handler        {}     {}",
        ms(l(|s| s.handler)),
        ms(r(|s| s.handler))
    );
    println!(
        "    TLS + HTTP (wait-handler) {}     {}",
        ms(Duration::ZERO),
        ms(mean(&remote, tls_http))
    );
    println!(
        "  inside the card (APDUs)     {}     {}",
        ms(l(|s| s.apdu)),
        ms(r(|s| s.apdu))
    );
    println!(
        "  the LPA itself              {}     {}",
        ms(mean(&local, lpa_self)),
        ms(mean(&remote, lpa_self))
    );
    println!();
    println!(
        "median total                  {}     {}",
        ms(median(&local, |s| s.total)),
        ms(median(&remote, |s| s.total))
    );
    println!(
        "TLS+HTTP overhead estimate (HTTPS total - in-process total): {}",
        signed_ms(r(|s| s.total), l(|s| s.total))
    );
    println!(
        "crypto and role logic (SM-DP+ handler + card), in process: {}  ({} handler + {} card)",
        ms(l(|s| s.handler) + l(|s| s.apdu)),
        ms(l(|s| s.handler)).trim(),
        ms(l(|s| s.apdu)).trim()
    );
    println!(
        "per APDU (in process): {:.1} µs over {} APDUs",
        l(|s| s.apdu).as_secs_f64() * 1e6 / local[0].apdus as f64,
        local[0].apdus
    );
    println!(
        "first HTTPS download (new TLS connection): total {}, waiting {}, handler {}",
        ms(cold.total).trim(),
        ms(cold.server).trim(),
        ms(cold.handler).trim()
    );
    println!(
        "server: {} connections for {} requests (keep-alive)",
        stats.connections, stats.requests
    );
}
