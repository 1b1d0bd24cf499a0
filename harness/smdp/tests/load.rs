//! The load test's code path in debug mode, with a few dozen sessions: the SM-DP+ on HTTPS in
//! this process, the lean eUICC (`tests/loadkit/mod.rs`) doing concurrent, sequential and abandoned
//! sessions, and expiry of the abandoned ones. The full run (1,000 concurrent, 10,000
//! sequential, memory) is `cargo run --release -p rsp-smdp --example loadtest`.

mod loadkit;

use std::time::Duration;

use loadkit::*;
use rsp_crypto::Curve;

#[test]
fn concurrent_sequential_and_abandoned_sessions_then_expiry() {
    const CONCURRENT: usize = 24;
    const SEQUENTIAL: usize = 12;
    const ABANDONED: usize = 20;
    let (handle, server) = start_server(&ServerOptions {
        orders: CONCURRENT + SEQUENTIAL,
        seed: 5,
        session_ttl: Duration::from_secs(300),
        ..ServerOptions::default()
    })
    .expect("server");
    let addr = handle.local_addr();
    let http = http_client(addr, true).expect("client");
    let card = LeanEuicc::new(Curve::NistP256).expect("lean eUICC");
    let timings = Timings::default();

    let mut peak = 0;
    run_concurrent(&card, &http, addr, 0, CONCURRENT, 8, 9, &timings, |step| {
        if step == 2 {
            peak = server.stats().sessions;
        }
    });
    assert_eq!(
        timings.first_errors.lock().unwrap().as_slice(),
        &[] as &[String]
    );
    assert_eq!(peak, CONCURRENT, "all sessions in flight at once");
    assert_eq!(server.stats().sessions, 0, "installed sessions are closed");

    run_sequential(&card, &http, addr, CONCURRENT, SEQUENTIAL, 2, 9, &timings);
    assert_eq!(
        timings.errors(),
        0,
        "{:?}",
        timings.first_errors.lock().unwrap()
    );
    assert_eq!(timings.downloads() as usize, CONCURRENT + SEQUENTIAL);
    let s = server_stats(&http, addr).expect("stats");
    assert_eq!(
        (s.installed, s.orders),
        (CONCURRENT + SEQUENTIAL, CONCURRENT + SEQUENTIAL)
    );

    let txs = run_abandoned(&card, &http, addr, 1000, ABANDONED, 4, 9, &timings);
    assert_eq!((txs.len(), timings.errors()), (ABANDONED, 0));
    assert_eq!(server.stats().sessions, ABANDONED);
    // Not yet expired: the session is still known (the probe's body is refused, not its id).
    advance_clock(&http, addr, 299).expect("advance");
    let status = probe_unknown(&http, addr, &txs[0]).expect("probe");
    assert_ne!(status, Some(("8.10.1".into(), "3.9".into())));
    advance_clock(&http, addr, 1).expect("advance");
    let status = probe_unknown(&http, addr, &txs[1]).expect("probe");
    assert_eq!(status, Some(("8.10.1".into(), "3.9".into())));
    // Ordinary traffic purges the rest, at most four per request.
    for _ in 0..ABANDONED / 4 {
        server_stats(&http, addr).expect("stats");
        probe_unknown(&http, addr, &[0; 16]).expect("probe");
    }
    assert_eq!(server.stats().sessions, 0);
    drop(handle);
}
