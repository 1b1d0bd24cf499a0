//! The profile-compatibility matrix: generated cases, the file-system oracle (it must be able
//! to fail), personalities that reject variants, and the report's matrix page.

use std::path::Path;
use std::time::Duration;

use rsp_runner::engine::{self, RunConfig, RunSummary, Selection};
use rsp_runner::ics::Role;
use rsp_runner::scenario::{self, Catalogue};

fn run(catalogue: &Catalogue, dir: &Path) -> RunSummary {
    let duts =
        rsp_runner::selftest::reference_duts(&[Role::Euicc], Duration::from_secs(20)).unwrap();
    let config = RunConfig {
        run_dir: dir.to_owned(),
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
    engine::run(catalogue, &config, &|_| {}).expect("run")
}

fn parse(text: &str) -> Catalogue {
    Catalogue {
        cases: scenario::parse_file(text, Path::new("suites/compat/t.toml")).expect("loads"),
    }
}

const HEAD: &str = "dut = \"euicc\"\ninterface = \"Profile package\"\ngroup = \"Compatibility\"\ntags = [\"compat\"]\n";

#[test]
fn a_matrix_expands_to_one_case_per_variant_and_all_install_identically() {
    let catalogue = parse(&format!(
        "{HEAD}\n[[matrix]]\nprofiles = [\"minimal-milenage\"]\n"
    ));
    let ids: Vec<&str> = catalogue.cases.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"COMPAT.minimal-milenage.original"), "{ids:?}");
    assert!(ids.contains(&"COMPAT.minimal-milenage.explicit"), "{ids:?}");
    assert!(ids.len() >= 3, "{ids:?}");
    let dir = tempfile::tempdir().unwrap();
    let summary = run(&catalogue, &dir.path().join("run"));
    for c in &summary.cases {
        assert_eq!(
            c.outcome.name(),
            "pass",
            "{}: {:?}",
            c.id,
            c.outcome.reason()
        );
        let compared = c.steps.last().and_then(|s| s.observed.clone()).unwrap();
        assert!(compared.contains("fs.identical=true"), "{compared}");
        assert!(compared.contains("fs.unreadable=0"), "{compared}");
    }
}

#[test]
fn the_file_system_oracle_sees_another_profile() {
    // The card holds minimal-milenage; the comparison is made against usim-isim-full.
    let catalogue = parse(&format!(
        r#"{HEAD}
[[case]]
id = "T.Oracle"
title = "t"
[[case.step]]
do = "smdp.order"
[[case.step]]
do = "lpa.download"
[[case.step]]
do = "es10.enable"
[[case.step]]
do = "smdp.order"
with = {{ profile = "usim-isim-full", matching_id = "SECOND-ORDER" }}
[[case.step]]
do = "uicc.compare_fs"
expect = {{ facts = {{ "fs.identical" = "false" }} }}
"#
    ));
    let dir = tempfile::tempdir().unwrap();
    let summary = run(&catalogue, &dir.path().join("run"));
    let c = &summary.cases[0];
    assert_eq!(c.outcome.name(), "pass", "{:?}", c.outcome.reason());
    let observed = c.steps.last().and_then(|s| s.observed.clone()).unwrap();
    assert!(
        observed.contains("fs.different=MF/") || observed.contains("fs.missing=MF/"),
        "{observed}"
    );
}

#[test]
fn a_strict_personality_rejects_and_the_matrix_page_shows_it() {
    let catalogue = parse(&format!(
        "{HEAD}\n[[matrix]]\nprofiles = [\"minimal-milenage\"]\npersonalities = [\"conforming\", \"explicit-defaults-required\"]\n"
    ));
    assert!(catalogue
        .cases
        .iter()
        .all(|c| c.id.starts_with("COMPAT.conforming.")
            || c.id.starts_with("COMPAT.explicit-defaults-required.")));
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let summary = run(&catalogue, &run_dir);
    let outcome = |id: &str| {
        summary
            .cases
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.outcome.name())
            .unwrap_or("absent")
    };
    assert_eq!(
        outcome("COMPAT.conforming.minimal-milenage.original"),
        "pass"
    );
    // DER drops DEFAULT values, so a card that wants them spelled out refuses the original.
    assert_eq!(
        outcome("COMPAT.explicit-defaults-required.minimal-milenage.original"),
        "fail"
    );
    assert_eq!(
        outcome("COMPAT.explicit-defaults-required.minimal-milenage.with-defaults"),
        "pass"
    );
    let contents =
        rsp_runner::journal::read(&run_dir.join(rsp_runner::journal::JOURNAL_FILE)).unwrap();
    rsp_runner::report::write_all(&run_dir, &contents, &Default::default()).unwrap();
    let page = std::fs::read_to_string(run_dir.join("compat.html")).unwrap();
    assert!(page.contains("explicit-defaults-required"), "{page}");
    assert!(page.contains("rejected: "), "{page}");
    assert!(page.contains("PIR error bppCommandId"), "{page}");
    let index = std::fs::read_to_string(run_dir.join("index.html")).unwrap();
    assert!(index.contains("compat.html"));
}

#[test]
fn a_missing_profile_file_is_one_unavailable_case_and_a_bad_name_a_load_error() {
    let catalogue = parse(&format!(
        "{HEAD}\n[[matrix]]\nprofiles = [\"file:/nonexistent/p.der\"]\n"
    ));
    assert_eq!(catalogue.cases.len(), 1);
    assert!(catalogue.cases[0].unavailable.is_some());
    let e = scenario::parse_file(
        &format!("{HEAD}\n[[matrix]]\nprofiles = [\"../x\"]\n"),
        Path::new("t.toml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("matrix"), "{e}");
}
