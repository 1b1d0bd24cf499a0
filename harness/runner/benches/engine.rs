//! The engine's own costs next to the protocol work it drives: loading the catalogue, building
//! a case's world (reference SM-DP+ and SM-DS served over HTTPS, a fresh eUICC), and running a
//! whole nominal case (world + a download over HTTPS + journal-ready record).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use rsp_runner::engine::{self, Dut, RunConfig, Selection};
use rsp_runner::ics::Role;
use rsp_runner::scenario::{self, Catalogue};
use rsp_runner::world::World;

fn main() {
    divan::main();
}

fn suites() -> PathBuf {
    engine::repo_root().join("suites")
}

fn setup() -> &'static (Catalogue, Vec<Dut>, RunConfig) {
    static S: OnceLock<(Catalogue, Vec<Dut>, RunConfig)> = OnceLock::new();
    S.get_or_init(|| {
        let catalogue = scenario::load_dir(&suites()).expect("suites");
        let duts =
            rsp_runner::selftest::reference_duts(&Role::ALL, Duration::from_secs(20)).unwrap();
        let config = RunConfig {
            run_dir: std::env::temp_dir().join("rspcheck-bench-unused"),
            seed: 1,
            selection: Selection::default(),
            duts: duts.clone(),
            jobs: 1,
            case_timeout: Duration::from_secs(60),
            resume: false,
            reveal_secrets: false,
            command: "bench".into(),
            rerun_template: String::new(),
            vectors: None,
            repo_vectors: engine::repo_root().join("vectors"),
            started_at: 0,
        };
        (catalogue, duts, config)
    })
}

#[divan::bench(sample_count = 20)]
fn load_catalogue() -> usize {
    scenario::load_dir(&suites()).expect("suites").cases.len()
}

#[divan::bench(sample_count = 20)]
fn build_world() {
    let (_, duts, _) = setup();
    let spec = duts[0].world.clone();
    divan::black_box(World::build(spec).expect("world"));
}

#[divan::bench(sample_count = 20)]
fn nominal_download_case() {
    let (catalogue, duts, config) = setup();
    let case = catalogue
        .cases
        .iter()
        .find(|c| c.id == "SMDP.ES9.GetBoundProfilePackage.01")
        .expect("case");
    let dut = duts.iter().find(|d| d.ics.role == Role::Smdp).unwrap();
    let record = engine::run_case(case, dut, config);
    assert_eq!(record.outcome.name(), "pass", "{record:?}");
}

/// One live-fuzzing iteration against the reference SM-DP+ (world, order, a download over
/// HTTPS with one ES9+ body mutated, the oracle), on its own thread as campaigns run it.
#[divan::bench(sample_count = 20)]
fn fuzz_iteration_smdp() {
    let (_, duts, _) = setup();
    let dut = duts
        .iter()
        .find(|d| d.ics.role == Role::Smdp)
        .expect("SM-DP+ DUT");
    let targets = rsp_runner::fuzz::Target::of_role(Role::Smdp);
    let config = rsp_runner::fuzz::CampaignConfig {
        seed: 1,
        targets: targets.clone(),
        strategies: Vec::new(),
        iterations: Some(1),
        time: None,
        health_every: 0,
        timeout: Duration::from_secs(20),
        minimize: false,
        reveal_secrets: false,
        out_dir: std::env::temp_dir().join("rspcheck-bench-unused"),
        vectors: None,
        repo_vectors: engine::repo_root().join("vectors"),
        replay_template: String::new(),
        command: "bench".into(),
        started_at: 0,
    };
    let it = rsp_runner::fuzz::Iteration::plan(1, 1, &targets, &[]).expect("iteration");
    let o = rsp_runner::fuzz::run_iteration(dut, &config, &it, None);
    divan::black_box(o.reaction);
}
