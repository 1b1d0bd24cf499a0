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
