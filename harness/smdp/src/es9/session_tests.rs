//! The session table: expiry at the injected clock, amortised purging, the MAX_SESSIONS cap.
//! (Expiry seen through ES9+ answers is in tests/session_expiry.rs.)

use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;

use super::*;
use crate::MemoryStore;

const T0: i64 = 1_767_225_600;

fn smdp(ttl: u64) -> Smdp<MemoryStore> {
    let pki = PkiSet::load(rsp_euicc::testkit::generated_pki(7)).expect("PKI");
    let config = SmdpConfig {
        session_ttl: Duration::from_secs(ttl),
        ..SmdpConfig::default()
    };
    Smdp::new(
        config,
        &pki,
        MemoryStore::default(),
        Box::new(SeededRandom::new(1)),
        Time::from_unix(T0),
    )
    .expect("SM-DP+")
}

fn tx(i: usize) -> Vec<u8> {
    let mut t = vec![0u8; 16];
    t[8..].copy_from_slice(&(i as u64).to_be_bytes());
    t
}

fn add(s: &mut Smdp<MemoryStore>, i: usize) {
    s.insert_session(tx(i), [0; 16], 0, Vec::new());
}

#[test]
fn a_session_lives_until_its_ttl_then_is_unknown_and_removed() {
    let mut s = smdp(300);
    add(&mut s, 1);
    s.set_time(Time::from_unix(T0 + 299));
    assert!(s.session(&tx(1)).is_ok());
    s.set_time(Time::from_unix(T0 + 300));
    let e = s.session(&tx(1)).err().expect("expired");
    assert_eq!(e.failure(), Some(KnownStatus::TransactionIdUnknown));
    assert_eq!(s.session_count(), 0, "removed on lookup");
}

#[test]
fn purging_is_bounded_per_call_and_stops_at_the_first_live_session() {
    let mut s = smdp(300);
    for i in 0..10 {
        add(&mut s, i);
    }
    s.set_time(Time::from_unix(T0 + 100));
    add(&mut s, 10); // expires at T0 + 400
    s.set_time(Time::from_unix(T0 + 300));
    assert_eq!(s.purge_expired(4), 4);
    assert_eq!(s.session_count(), 7);
    assert_eq!(s.purge_expired(100), 6);
    assert_eq!(s.session_count(), 1, "the live one stays");
    assert_eq!(s.purge_expired(100), 0);
    assert!(s.session(&tx(10)).is_ok());
}

#[test]
fn finished_sessions_leave_entries_that_purging_skips() {
    let mut s = smdp(300);
    for i in 0..6 {
        add(&mut s, i);
    }
    for i in 0..5 {
        s.sessions.remove(&tx(i));
    }
    s.set_time(Time::from_unix(T0 + 301));
    // Five stale entries and one expired session: two calls of four.
    assert_eq!(s.purge_expired(4), 0);
    assert_eq!(s.purge_expired(4), 1);
    assert_eq!((s.session_count(), s.session_queue.len()), (0, 0));
}

#[test]
fn at_the_cap_the_oldest_session_goes_and_the_queue_stays_bounded() {
    let mut s = smdp(300);
    for i in 0..MAX_SESSIONS + 1 {
        add(&mut s, i);
    }
    assert_eq!(s.session_count(), MAX_SESSIONS);
    assert!(s.session(&tx(0)).is_err(), "oldest evicted");
    assert!(s.session(&tx(1)).is_ok());
    // A long-lived session at the front while many others finish: the queue is compacted.
    for i in MAX_SESSIONS + 1..4 * MAX_SESSIONS {
        add(&mut s, i);
        if i > MAX_SESSIONS + 1 {
            s.sessions.remove(&tx(i - 1));
        }
    }
    assert!(s.session_queue.len() <= 2 * MAX_SESSIONS);
    assert!(s.session_count() <= MAX_SESSIONS);
}

#[test]
fn handle_purges_on_every_request() {
    let mut s = smdp(60);
    for i in 0..8 {
        add(&mut s, i);
    }
    s.set_time(Time::from_unix(T0 + 60));
    // Any request, even a malformed one, does a bounded share of the cleanup.
    s.handle(Es9Function::CancelSession, b"{}");
    assert_eq!(s.session_count(), 4);
    s.handle(Es9Function::CancelSession, b"{}");
    assert_eq!(s.session_count(), 0);
}
