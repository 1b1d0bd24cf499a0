//! Full downloads per second over TLS on loopback: the reference SM-DP+ served by rsp-http in
//! this process, the lean eUICC (`tests/loadkit/mod.rs`) as the client, keep-alive
//! connections. A custom harness rather than divan: the unit is a whole multi-threaded run, and
//! what matters is downloads/s per client thread count plus where a download's time goes.
//!
//! `cargo bench -p rsp-smdp --bench downloads [-- --downloads 2000 --runs 3 --threads 1,2,4,8]`
//!
//! The time split comes from a one-thread run (no lock wait in the handler): the lean card's
//! work is timed directly; the SM-DP+ handler and its store calls are timed in the server; TLS
//! and HTTP are the round trips minus the handler. Server crypto is estimated from the P-256
//! operation costs measured here times the operations a download makes on the server.

#[path = "../tests/loadkit/mod.rs"]
mod loadkit;

use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use loadkit::*;
use rsp_crypto::{Curve, PrivateKey, SeededRandom};

struct Args {
    downloads: usize,
    runs: usize,
    threads: Vec<usize>,
    keep_alive: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        downloads: 2000,
        runs: 3,
        threads: vec![1, 2, 4, 8],
        keep_alive: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--downloads" => a.downloads = value().parse().unwrap_or(a.downloads),
            "--runs" => a.runs = value().parse().unwrap_or(a.runs),
            "--threads" => a.threads = value().split(',').filter_map(|t| t.parse().ok()).collect(),
            "--no-keep-alive" => a.keep_alive = false,
            // `cargo bench` passes --bench; filters are not used.
            _ => {}
        }
    }
    a
}

/// Median time of one call of `f`, over `n` calls after a warm-up.
fn per_op(n: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

struct OpCosts {
    sign: Duration,
    verify: Duration,
    base_mul: Duration,
    ecdh: Duration,
}

fn op_costs() -> OpCosts {
    let mut rng = SeededRandom::new(1);
    let k = PrivateKey::generate(Curve::NistP256, &mut rng);
    let other = PrivateKey::generate(Curve::NistP256, &mut rng).public_key();
    let pk = k.public_key();
    let msg = [0x5Au8; 400];
    let sig = k.sign(&msg);
    OpCosts {
        sign: per_op(300, || {
            black_box(k.sign(black_box(&msg)));
        }),
        verify: per_op(300, || {
            black_box(pk.verify(black_box(&msg), &sig)).ok();
        }),
        base_mul: per_op(300, || {
            black_box(PrivateKey::generate(Curve::NistP256, &mut rng).public_key());
        }),
        ecdh: per_op(300, || {
            black_box(k.shared_secret(black_box(&other))).ok();
        }),
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let a = parse_args();
    let total = a.downloads * a.runs * a.threads.len() + a.downloads + 200;
    let (handle, server) = start_server(&ServerOptions {
        orders: total,
        seed: 1,
        ..ServerOptions::default()
    })
    .expect("SM-DP+");
    let addr = handle.local_addr();
    let http = http_client(addr, a.keep_alive).expect("client");
    let card = LeanEuicc::new(Curve::NistP256).expect("lean eUICC");
    let mut next = 0usize;
    let mut batch = |n: usize, threads: usize| {
        let timings = Timings::default();
        let before = server.stats();
        let t = Instant::now();
        run_sequential(&card, &http, addr, next, n, threads, 1, &timings);
        let d = t.elapsed();
        next += n;
        let after = server.stats();
        assert_eq!(timings.errors(), 0, "{:?}", timings.first_errors.lock());
        (d, timings, before, after)
    };
    batch(200, 2); // warm-up: connections, caches
    println!(
        "full downloads over TLS on loopback (P-256, keep-alive {}), {} per run; \
         2 cores shared with anything else running",
        a.keep_alive, a.downloads
    );
    for &threads in &a.threads {
        let mut rates: Vec<f64> = (0..a.runs)
            .map(|_| {
                let (d, ..) = batch(a.downloads, threads);
                a.downloads as f64 / d.as_secs_f64()
            })
            .collect();
        let shown: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "  {threads:>2} client threads: median {:>4.0} downloads/s  (runs: {})",
            rates[rates.len() / 2],
            shown.join(", ")
        );
    }

    // The split, from one client thread.
    let n = a.downloads;
    let (d, t, before, after) = batch(n, 1);
    let per = |ns: u64| Duration::from_nanos(ns / n as u64);
    let client = per(t.client_ns.load(Ordering::Relaxed));
    let calls: Vec<Duration> = t
        .call_ns
        .iter()
        .map(|c| per(c.load(Ordering::Relaxed)))
        .collect();
    let call_total: Duration = calls.iter().sum();
    let handler = per(after.handler_ns - before.handler_ns);
    let store = per(after.store_ns - before.store_ns);
    let ops = op_costs();
    // Per download on the SM-DP+: signatures serverSignature1, smdpSignature2, smdpSign;
    // verifications of CERT.EUM, CERT.EUICC, euiccSignature1, euiccSignature2, the PIR (the
    // CI's self-signature is remembered); otPK.DP generation and ECKA. On the card:
    // euiccSignature1, euiccSignature2, the PIR; CERT.DPauth, serverSignature1, CERT.DPpb,
    // smdpSignature2, smdpSign; otPK.EUICC twice (generate, then again in BF23 checking); ECKA.
    let server_crypto = ops.sign * 3 + ops.verify * 5 + ops.base_mul + ops.ecdh;
    let client_crypto = ops.sign * 3 + ops.verify * 5 + ops.base_mul * 2 + ops.ecdh;
    println!(
        "split per download, 1 client thread ({:.0} downloads/s, {:.0} µs each):",
        n as f64 / d.as_secs_f64(),
        us(d) / n as f64
    );
    println!(
        "  P-256 op costs here: sign {:.0} µs, verify {:.0} µs, k·G {:.0} µs, ECDH {:.0} µs",
        us(ops.sign),
        us(ops.verify),
        us(ops.base_mul),
        us(ops.ecdh)
    );
    println!(
        "  client (lean eUICC) {:>6.0} µs  of which crypto ≈ {:.0} µs (3 sign, 5 verify, 2 k·G, 1 ECDH)",
        us(client),
        us(client_crypto)
    );
    println!(
        "  SM-DP+ handler      {:>6.0} µs  of which crypto ≈ {:.0} µs (3 sign, 5 verify, 1 k·G, 1 ECDH), store {:.0} µs",
        us(handler),
        us(server_crypto),
        us(store)
    );
    println!(
        "  TLS + HTTP          {:>6.0} µs  (round trips {:.0} µs minus handler; per call: {})",
        us(call_total.saturating_sub(handler)),
        us(call_total),
        calls
            .iter()
            .map(|c| format!("{:.0}", us(*c)))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    drop(handle);
}
