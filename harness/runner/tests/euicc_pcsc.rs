//! System test: the eUICC suites against a card in a PC/SC reader — the DUT adapter a vendor
//! uses. The card is the reference eUICC served to pcscd through the vpcd driver; the engine
//! reaches it only through `PcscTransport` (a fresh connection per case, the card cleaned to
//! SGP.23's initial conditions first), with the reference SM-DP+ and SM-DS on 127.0.0.1.
//!
//! Needs pcscd running with vsmartcard-vpcd (reader "Virtual PCD 00 00" on 127.0.0.1:35963,
//! nothing else connected): `.ci/run` starts it; by hand see `lpa_vpcd.rs`, then
//! `cargo test -p rsp-runner --features pcsc --test euicc_pcsc`.
#![cfg(feature = "pcsc")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_crypto::{Curve, SeededRandom};
use rsp_euicc::pcsc_transport::{wait_for_card, PcscTransport};
use rsp_euicc::vpcd::{run_vpcd, VpcdOptions, DEFAULT_PORT};
use rsp_euicc::{Credentials, Euicc};
use rsp_runner::engine::{self, RunConfig, Selection};
use rsp_runner::ics::Role;
use rsp_runner::world::{reference_card_config, Pki};

const READER: &str = "Virtual PCD 00 00";
/// Bound for the whole test, so a wedged pcscd fails CI instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(300);

#[test]
fn the_euicc_suites_pass_against_a_card_behind_pcscd() {
    std::thread::spawn(|| {
        std::thread::sleep(TEST_BOUND);
        eprintln!("euicc_pcsc: no result after {TEST_BOUND:?}; is pcscd wedged?");
        std::process::exit(101);
    });
    let pki = Pki::generated().unwrap();
    let mut duts =
        rsp_runner::selftest::reference_duts(&[Role::Euicc], Duration::from_secs(20)).unwrap();
    let dut = &mut duts[0];
    // The card offers NIST only (as configured below): the ICS says so.
    dut.ics.options.insert(
        "curve.brp".into(),
        rsp_runner::applies::OptionValue::Bool(false),
    );
    dut.world.card_dut = Some(Arc::new(|| {
        PcscTransport::connect(READER)
            .map(|t| Box::new(t) as Box<dyn rsp_codec::apdu::Transport>)
            .map_err(|e| e.to_string())
    }));
    dut.identity.adapter = format!("pcsc:{READER}");

    // The card behind pcscd: the reference eUICC with the configuration the world would give it.
    let stop = Arc::new(AtomicBool::new(false));
    let card_config = reference_card_config(&dut.world).unwrap();
    let card_pki = pki.clone();
    let stop_card = stop.clone();
    let card = std::thread::spawn(move || {
        let mut euicc = Euicc::new(
            card_config,
            Credentials::from_set(&card_pki.set).unwrap(),
            Box::new(SeededRandom::new(21)),
        )
        .unwrap();
        let options = VpcdOptions {
            addr: ([127, 0, 0, 1], DEFAULT_PORT).into(),
            reconnect: false,
            stop: Some(stop_card),
            ..VpcdOptions::default()
        };
        run_vpcd(&mut euicc, &options).map_err(|e| e.to_string())
    });
    wait_for_card(READER, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("no card in {READER:?}: {e} (is pcscd running with vpcd?)"));
    assert_eq!(dut.world.curve, Curve::NistP256);

    let catalogue = rsp_runner::scenario::load_dir(&engine::repo_root().join("suites")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = RunConfig {
        run_dir: dir.path().join("run"),
        seed: 1,
        selection: Selection {
            // The eUICC suites, and part of the compatibility matrix (a repo profile's
            // variants and a TS.48 profile as given) read back through PC/SC.
            ids: vec![
                "EUICC.*".into(),
                "COMPAT.minimal-milenage.*".into(),
                "COMPAT.ts48-NoBERTLV.original".into(),
            ],
            ..Selection::default()
        },
        duts,
        // One card, one case at a time.
        jobs: 1,
        case_timeout: Duration::from_secs(60),
        resume: false,
        reveal_secrets: false,
        command: "test".into(),
        rerun_template: "rspcheck run --id {id} --seed {seed}".into(),
        vectors: engine::shared_vectors(),
        repo_vectors: engine::repo_root().join("vectors"),
        started_at: 0,
    };
    let started = Instant::now();
    let summary = engine::run(&catalogue, &config, &|_| {}).unwrap();
    let suites_took = started.elapsed();

    // Live fuzzing through the same reader: every eUICC target over real APDUs, the card
    // cleaned before each iteration; a conforming card gives no finding.
    let fuzz_started = Instant::now();
    let campaign = rsp_runner::fuzz::CampaignConfig {
        seed: 3,
        targets: rsp_runner::fuzz::Target::of_role(Role::Euicc),
        strategies: Vec::new(),
        iterations: Some(40),
        time: None,
        health_every: 20,
        timeout: Duration::from_secs(30),
        minimize: true,
        reveal_secrets: false,
        out_dir: dir.path().join("fuzz"),
        vectors: engine::shared_vectors(),
        repo_vectors: engine::repo_root().join("vectors"),
        replay_template: "rspcheck fuzz --replay {finding}".into(),
        command: "test".into(),
        started_at: 0,
    };
    let fuzzed = rsp_runner::fuzz::run_campaign(&config.duts[0], &campaign, &|_, _| {}).unwrap();
    let fuzz_took = fuzz_started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let stats = card.join().unwrap().unwrap();
    eprintln!(
        "{} eUICC cases through pcscd in {:.1} s, then {} fuzz iterations in {:.1} s ({} APDUs in all)",
        summary.cases.len(),
        suites_took.as_secs_f64(),
        fuzzed.iterations,
        fuzz_took.as_secs_f64(),
        stats.apdus
    );
    assert_eq!(fuzzed.iterations, 40);
    assert!(fuzzed.findings.is_empty(), "{:#?}", fuzzed.findings);
    assert!(fuzzed.stopped.is_none(), "{:?}", fuzzed.stopped);
    for t in &fuzzed.targets {
        assert_eq!(
            t.reactions.get("harness-error"),
            None,
            "{}: {:?}",
            t.target,
            t.reactions
        );
    }
    assert!(summary.cases.len() >= 20, "{}", summary.cases.len());
    let bad: Vec<String> = summary
        .cases
        .iter()
        .filter(|c| !matches!(c.outcome.name(), "pass" | "not-applicable"))
        .map(|c| {
            format!(
                "{} [{}]: {}",
                c.id,
                c.outcome.name(),
                c.outcome.reason().unwrap_or_default()
            )
        })
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
