//! System test: rsp-lpa drives the reference eUICC through a real pcscd — the card served to
//! pcscd's vpcd driver by `run_vpcd`, the LPA reaching it with `PcscTransport` as it would any
//! card in any reader — and downloads a profile with an activation code over HTTPS from the
//! reference SM-DP+, enables it, reads EF.IMSI on the basic channel and lists the profiles.
//!
//! Needs pcscd running with the vsmartcard-vpcd driver (reader "Virtual PCD 00 00" on
//! 127.0.0.1:35963, nothing else connected to it): `.ci/run` starts it; by hand,
//! `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev && pcscd`, then
//! `cargo test -p rsp-runner --features pcsc --test lpa_vpcd`.
#![cfg(feature = "pcsc")]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_codec::views::NotificationEvent;
use rsp_crypto::Curve;
use rsp_euicc::pcsc_transport::{list_readers, wait_for_card, wait_for_empty, PcscTransport};
use rsp_euicc::vpcd::{run_vpcd, VpcdEnd, VpcdOptions, VpcdStats, DEFAULT_PORT};
use rsp_lpa::notifications::{self, RetryPolicy};
use rsp_lpa::server::ServerStats;
use rsp_lpa::{Card, CardOptions, Download, DownloadOptions, ProfileFilter, ProfileId, Source};
use rsp_smdp::{Order, OrderState, OrderStore, SmdpConfig};

const READER: &str = "Virtual PCD 00 00";
const HOW_TO_START: &str = "start pcscd with the vpcd driver first: \
    `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev` then `pcscd` \
    (or `pcscd --foreground &`), and check with `pcsc_scan -r` that \"Virtual PCD 00 00\" is listed";
const CARD_APPEARS_WITHIN: Duration = Duration::from_secs(20);
/// Bound for the whole test, so a wedged pcscd fails CI instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(120);
const ICCID: &str = "89999000000000000018";

fn watchdog() {
    std::thread::spawn(|| {
        std::thread::sleep(TEST_BOUND);
        eprintln!("lpa_vpcd: no result after {TEST_BOUND:?}; is pcscd wedged?");
        std::process::exit(101);
    });
}

/// What the card held when the virtual card stopped: `(ICCID BCD hex, enabled)` per profile.
type CardSummary = Vec<(String, bool)>;

fn start_virtual_card(
    stop: Arc<AtomicBool>,
) -> JoinHandle<Result<(VpcdStats, CardSummary), String>> {
    std::thread::spawn(move || {
        let pki = pki(PkiKind::Generated).expect("generated PKI");
        let mut euicc = card(pki, Curve::NistP256, 9);
        let options = VpcdOptions {
            addr: ([127, 0, 0, 1], DEFAULT_PORT).into(),
            reconnect: false,
            stop: Some(stop),
            ..VpcdOptions::default()
        };
        let stats = run_vpcd(&mut euicc, &options).map_err(|e| e.to_string())?;
        let summary = euicc
            .state()
            .profiles
            .iter()
            .map(|p| (hex::encode_upper(&p.iccid), p.enabled))
            .collect();
        Ok((stats, summary))
    })
}

#[test]
fn the_lpa_downloads_and_enables_a_profile_on_a_card_behind_pcscd() {
    watchdog();
    let readers = list_readers().unwrap_or_else(|e| panic!("{e}\n{HOW_TO_START}"));
    assert!(
        readers.iter().any(|r| r == READER),
        "pcscd runs but has no reader {READER:?} (readers: {readers:?}): is vsmartcard-vpcd \
         installed, and was pcscd started after it? {HOW_TO_START}"
    );
    // A card that just left (a previous test) is reported for up to one presence poll.
    wait_for_empty(READER, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));

    let pki = pki(PkiKind::Generated).unwrap();
    let package = profile("minimal-milenage");
    let smdp = serve_smdp(
        pki,
        SmdpConfig::default(),
        vec![Order::released(
            ICCID,
            package.clone(),
            Some("AC-VPCD"),
            None,
        )],
        None,
    );
    let mut https = lpa_https(pki, vec![(SMDP.to_owned(), smdp.addr())]);

    let stop = Arc::new(AtomicBool::new(false));
    let server = start_virtual_card(stop.clone());
    if let Err(e) = wait_for_card(READER, CARD_APPEARS_WITHIN) {
        let state = if server.is_finished() {
            format!(
                "run_vpcd ended: {:?}",
                server.join().map(|r| r.map(|(s, _)| s))
            )
        } else {
            "run_vpcd is still running but pcscd shows no card".to_owned()
        };
        panic!("{e}; {state}");
    }

    let transport = PcscTransport::connect(READER).expect("connect to the virtual card");
    let mut card = Card::open(transport, CardOptions::default()).expect("open the ISD-R");
    let ac = ActivationCode::parse(&format!("LPA:1${SMDP}$AC-VPCD"), &ParseOptions::lab()).unwrap();
    let started = Instant::now();
    let mut download = Download::new(
        &mut card,
        &mut https,
        Source::ActivationCode(ac),
        DownloadOptions::default(),
    );
    while let Some(step) = download.next_step() {
        if let Err(e) = download.step() {
            panic!("{}: {e}", step.name());
        }
    }
    let installed = download.installed().expect("installed");
    let split = download.time_split();
    drop(download);
    eprintln!(
        "lpa_vpcd: download in {:?}: {} APDUs in {:?} ({:?} each), {} server calls in {:?}",
        started.elapsed(),
        split.apdu.commands,
        split.apdu.time,
        split.apdu.time / split.apdu.commands.max(1) as u32,
        split.server.calls,
        split.server.time,
    );
    assert_eq!(installed.iccid.as_deref(), Some(ICCID));
    assert_eq!(
        smdp.service.with(|s| s.store().get(ICCID).unwrap().state),
        OrderState::Installed
    );

    let id = ProfileId::parse(ICCID).unwrap();
    card.enable_profile(&id, true).expect("EnableProfile");
    let profiles = card.profiles(&ProfileFilter::All).expect("GetProfilesInfo");
    assert_eq!(profiles.len(), 1, "{profiles:?}");
    assert_eq!(profiles[0].iccid.as_deref(), Some(ICCID));
    assert!(profiles[0].enabled(), "{profiles:?}");
    assert_eq!(read_imsi(card.transport_mut()), profile_imsi(&package));

    // The enable notification reaches the SM-DP+ and leaves the card.
    let policy = RetryPolicy {
        attempts: 2,
        backoff: Duration::ZERO,
        sleep: |_| {},
    };
    let sent = notifications::process(
        &mut card,
        &mut https,
        &mut ServerStats::default(),
        None,
        true,
        &policy,
    )
    .expect("notifications");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].event, Some(NotificationEvent::Enable));
    assert_eq!(sent[0].outcome, Ok(true));
    drop(card.close().expect("close the logical channel"));

    stop.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.is_finished() {
        assert!(Instant::now() < deadline, "run_vpcd ignored the stop flag");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (stats, summary) = server.join().expect("run_vpcd panicked").expect("run_vpcd");
    eprintln!("lpa_vpcd: {stats:?}");
    assert_eq!(stats.end, VpcdEnd::Stopped);
    assert_eq!(stats.card_errors, 0, "{stats:?}");
    assert_eq!(stats.bad_responses, 0, "{stats:?}");
    assert!(stats.apdus >= split.apdu.commands, "{stats:?}");
    let iccid_bcd = hex::encode_upper(rsp_codec::iccid::Iccid::parse(ICCID).unwrap().to_bcd());
    assert_eq!(summary, [(iccid_bcd, true)]);
}
