//! The catalogue in `suites/` loads, and every case passes (or is not applicable) against the
//! reference implementations: the self-test `cargo run --release` runs, as an integration test.

use std::path::PathBuf;
use std::time::Duration;

use rsp_runner::engine::{self, RunConfig, Selection};
use rsp_runner::ics::Role;
use rsp_runner::scenario;

fn suites() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites")
}

#[test]
fn every_suite_passes_against_the_reference_implementations() {
    let catalogue = scenario::load_dir(&suites()).expect("suites load");
    assert!(
        catalogue.cases.len() >= 60,
        "{} cases",
        catalogue.cases.len()
    );
    let mut duts =
        rsp_runner::selftest::reference_duts(&Role::ALL, Duration::from_secs(20)).unwrap();
    let known = rsp_runner::selftest::expectations().expect("selftest.expectations.toml");
    for d in &mut duts {
        if d.ics.role == Role::Euicc {
            d.expectations = known.clone();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let config = RunConfig {
        run_dir: dir.path().join("run"),
        seed: 1,
        selection: Selection::default(),
        duts,
        jobs: 2,
        case_timeout: Duration::from_secs(60),
        resume: false,
        reveal_secrets: false,
        command: "test".into(),
        rerun_template: "rspcheck run --id {id} --seed {seed}".into(),
        vectors: engine::shared_vectors(),
        repo_vectors: engine::repo_root().join("vectors"),
        started_at: 0,
    };
    let summary = engine::run(&catalogue, &config, &|_| {}).expect("run");
    assert_eq!(summary.unexpected, 0, "unexpected outcomes");
    assert!(summary.stale.is_empty(), "stale: {:?}", summary.stale);
    eprintln!(
        "{} cases: {} pass, {} not applicable, in {:.1} s",
        summary.cases.len(),
        summary.count("pass"),
        summary.count("not-applicable"),
        summary.wall.as_secs_f64()
    );
    let bad: Vec<String> = summary
        .cases
        .iter()
        // Known failures (the personality matrix) must fail exactly as listed; nothing else may.
        .filter(|c| {
            let expected_fail = matches!(
                c.expectation,
                Some(rsp_runner::journal::ExpectationMark::ExpectedFail { .. })
            );
            if expected_fail {
                assert!(
                    c.id.starts_with("COMPAT.") && c.meta.tags.iter().any(|t| t == "personality"),
                    "{} is an expected failure outside the personality matrix",
                    c.id
                );
            }
            c.outcome.name() != "pass" && !expected_fail
        })
        .map(|c| {
            let detail: Vec<String> = c
                .steps
                .iter()
                .map(|s| format!("    {} → {:?} {:?}", s.name, s.observed, s.notes))
                .collect();
            format!(
                "{} [{}]: {}\n{}",
                c.id,
                c.outcome.name(),
                c.outcome.reason().unwrap_or_default(),
                detail.join("\n")
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} not passing:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
