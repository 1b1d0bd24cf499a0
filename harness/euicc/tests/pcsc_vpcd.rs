//! System test: the reference eUICC served by `run_vpcd` through a real pcscd and its vpcd
//! driver, reached back with `PcscTransport` — proof that any PC/SC application sees rspcheck's
//! virtual eUICC (SELECT ISD-R, GetEID, GetEUICCInfo2) and that rspcheck can drive a card in any
//! reader.
//!
//! Needs pcscd running with the vsmartcard-vpcd driver (reader "Virtual PCD 00 00" on
//! 127.0.0.1:35963, nothing else connected to it):
//! `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev && pcscd` then
//! `cargo test -p rsp-euicc --features pcsc --test pcsc_vpcd`.
#![cfg(feature = "pcsc")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rsp_codec::apdu::{sw, CommandApdu, Transport};
use rsp_codec::tlv::Tlv;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_euicc::pcsc_transport::{list_readers, wait_for_card, wait_for_empty, PcscTransport};
use rsp_euicc::vpcd::{run_vpcd, VpcdEnd, VpcdOptions, VpcdStats, DEFAULT_PORT};
use rsp_euicc::{testkit, Credentials, Euicc, EuiccConfig, ISDR_AID};

/// vpcd slot 0 (`CHANNELID 0x8C7B` in /etc/reader.conf.d/vpcd); slot 1 is "… 00 01" on 35964.
const READER: &str = "Virtual PCD 00 00";
const HOW_TO_START: &str = "start pcscd with the vpcd driver first: \
    `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev` then `pcscd` \
    (or `pcscd --foreground &`), and check with `pcsc_scan -r` that \"Virtual PCD 00 00\" is listed";
/// pcscd polls presence every 0.4 s; a card shows up well within this.
const CARD_APPEARS_WITHIN: Duration = Duration::from_secs(20);
/// Bound for the whole test, so a wedged pcscd fails CI instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(90);

fn card() -> Euicc {
    let set = PkiSet::load(testkit::generated_pki(7)).expect("PKI");
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&set).expect("credentials"),
        Box::new(SeededRandom::new(1)),
    )
    .expect("card")
}

/// Ends the process if the test runs past `TEST_BOUND`: PC/SC calls can block indefinitely.
fn watchdog() {
    std::thread::spawn(|| {
        std::thread::sleep(TEST_BOUND);
        eprintln!("pcsc_vpcd: no result after {TEST_BOUND:?}; is pcscd wedged?");
        std::process::exit(101);
    });
}

fn start_virtual_card(stop: Arc<AtomicBool>) -> JoinHandle<Result<VpcdStats, String>> {
    std::thread::spawn(move || {
        let mut card = card();
        let options = VpcdOptions {
            addr: ([127, 0, 0, 1], DEFAULT_PORT).into(),
            reconnect: false,
            stop: Some(stop),
            ..VpcdOptions::default()
        };
        run_vpcd(&mut card, &options).map_err(|e| e.to_string())
    })
}

fn stop_virtual_card(
    stop: &AtomicBool,
    handle: JoinHandle<Result<VpcdStats, String>>,
) -> Result<VpcdStats, String> {
    stop.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !handle.is_finished() {
        assert!(Instant::now() < deadline, "run_vpcd ignored the stop flag");
        std::thread::sleep(Duration::from_millis(10));
    }
    handle.join().expect("run_vpcd panicked")
}

fn send(transport: &mut PcscTransport, command: CommandApdu) -> (Vec<u8>, u16) {
    let response = transport
        .exchange(&command)
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    (response.data, response.sw)
}

#[test]
fn virtual_card_answers_through_pcscd() {
    watchdog();
    let readers = list_readers().unwrap_or_else(|e| panic!("{e}\n{HOW_TO_START}"));
    assert!(
        readers.iter().any(|r| r == READER),
        "pcscd runs but has no reader {READER:?} (readers: {readers:?}): is vsmartcard-vpcd \
         installed, and was pcscd started after it? {HOW_TO_START}"
    );

    // A card that just left (e.g. from the previous run of this test) is reported for up to one
    // presence poll; connecting to it then would fail on the first APDU.
    wait_for_empty(READER, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));

    let stop = Arc::new(AtomicBool::new(false));
    let server = start_virtual_card(stop.clone());
    if let Err(e) = wait_for_card(READER, CARD_APPEARS_WITHIN) {
        let server_state = if server.is_finished() {
            format!("run_vpcd ended: {:?}", server.join())
        } else {
            "run_vpcd is still running but pcscd shows no card".to_owned()
        };
        panic!("{e}; {server_state}");
    }

    let mut transport = PcscTransport::connect(READER).expect("connect to the virtual card");
    assert_eq!(transport.reader(), READER);
    let expected_atr = card().atr();
    let eid = card().eid().as_bytes().to_vec();
    assert_eq!(transport.atr(), expected_atr);

    // SELECT ISD-R: the FCI with the ISDRProprietaryApplicationTemplate.
    let select = CommandApdu::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(ISDR_AID)
        .with_le(0);
    let (fci, status) = send(&mut transport, select.clone());
    assert_eq!(status, sw::OK);
    let fci = Tlv::parse(&fci).expect("FCI");
    assert!(
        fci.children()
            .iter()
            .any(|c| c.tag() == rsp_codec::Tag::of(0xE0)),
        "{fci:?}"
    );

    // GetEID.
    let get_eid = CommandApdu::new(0x80, 0xE2, 0x91, 0x00)
        .with_data(hex::decode("BF3E035C015A").unwrap())
        .with_le(0);
    let (data, status) = send(&mut transport, get_eid.clone());
    assert_eq!(status, sw::OK);
    let resp = Tlv::parse(&data).expect("GetEID response");
    assert_eq!(resp.children()[0].content().unwrap(), &eid[..]);

    // GetEUICCInfo2, schema-valid.
    let info2 = CommandApdu::new(0x80, 0xE2, 0x91, 0x00)
        .with_data(hex::decode("BF2200").unwrap())
        .with_le(0);
    let (data, status) = send(&mut transport, info2);
    assert_eq!(status, sw::OK);
    let info2 = Tlv::parse(&data).expect("EUICCInfo2");
    assert!(rsp_codec::named::validate(&rsp_codec::schema::EUICC_INFO2, &info2).is_empty());

    // Round trips: each costs ~44 ms if delayed ACKs meet vpcd's split writes (see vpcd.rs).
    let started = Instant::now();
    const ROUND_TRIPS: u32 = 20;
    for _ in 0..ROUND_TRIPS {
        assert_eq!(send(&mut transport, get_eid.clone()).1, sw::OK);
    }
    eprintln!(
        "pcsc_vpcd: {:?} per APDU round trip",
        started.elapsed() / ROUND_TRIPS
    );

    // Cold reset (power off, power on) and warm reset both come back with the card's ATR, and
    // the ISD-R must be selected again.
    assert_eq!(transport.reset().expect("cold reset"), expected_atr);
    assert_eq!(transport.warm_reset().expect("warm reset"), expected_atr);
    assert_eq!(send(&mut transport, select).1, sw::OK);
    assert_eq!(send(&mut transport, get_eid).1, sw::OK);
    drop(transport);

    let stats = stop_virtual_card(&stop, server).expect("run_vpcd");
    assert_eq!(stats.end, VpcdEnd::Stopped);
    assert_eq!(stats.connections, 1);
    assert_eq!(stats.apdus, 5 + u64::from(ROUND_TRIPS), "{stats:?}");
    assert_eq!(stats.card_errors, 0, "{stats:?}");
    assert!(stats.power_offs >= 1 && stats.resets >= 1, "{stats:?}");
    eprintln!("pcsc_vpcd: {stats:?}");
}
