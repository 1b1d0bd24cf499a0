//! The engine's judgements on purpose-made cases against the reference implementations: a wrong
//! expectation fails, a hang is cut by the guard timeout, a harness panic is an error that does
//! not end the run, and the expectations file turns known failures into expected-fail.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_runner::engine::{self, RunConfig, Selection};
use rsp_runner::expectations::Expectations;
use rsp_runner::ics::Role;
use rsp_runner::journal::ExpectationMark;
use rsp_runner::scenario::{self, Catalogue};
use rsp_runner::verdict::Verdict;

const CASES: &str = r#"
dut = "smdp"
interface = "ES9+"
group = "Engine"

[[case]]
id = "T.Pass"
title = "a nominal InitiateAuthentication"
[[case.step]]
do = "smdp.order"
[[case.step]]
do = "lpa.download"
with = { until = "initiate_authentication" }

[[case]]
id = "T.WrongExpectation"
title = "expects a refusal the SM-DP+ does not give"
[[case.step]]
do = "smdp.order"
[[case.step]]
do = "lpa.download"
with = { until = "initiate_authentication" }
expect = { status = "8.8.1/3.8" }

[[case]]
id = "T.Hang"
title = "the SM-DP+ holds its answer longer than the guard"
timeout = 1
[[case.step]]
do = "smdp.order"
[[case.step]]
do = "smdp.arm"
with = { fault = { kind = "delay", millis = 4000 } }
[[case.step]]
do = "lpa.download"
with = { until = "initiate_authentication" }

[[case]]
id = "T.BadArgument"
title = "an action refuses its argument: the harness, not the DUT, failed"
[[case.step]]
do = "smdp.order"
with = { profile = "no-such-profile" }

[[case]]
id = "T.NotApplicable"
title = "needs brainpool"
applies_if = "curve.brp"
[[case.step]]
do = "smdp.order"
"#;

fn config(dir: &Path, expectations: Expectations, brp: bool) -> RunConfig {
    let mut duts =
        rsp_runner::selftest::reference_duts(&[Role::Smdp], Duration::from_secs(10)).unwrap();
    duts[0].expectations = expectations;
    duts[0].ics.options.insert(
        "curve.brp".into(),
        rsp_runner::applies::OptionValue::Bool(brp),
    );
    RunConfig {
        run_dir: dir.join("run"),
        seed: 3,
        selection: Selection::default(),
        duts,
        jobs: 2,
        case_timeout: Duration::from_secs(30),
        resume: false,
        reveal_secrets: false,
        command: "test".into(),
        rerun_template: "rspcheck run --id {id} --seed {seed}".into(),
        vectors: None,
        repo_vectors: engine::repo_root().join("vectors"),
        started_at: 0,
    }
}

fn catalogue() -> Catalogue {
    Catalogue {
        cases: scenario::parse_file(CASES, Path::new("engine.toml")).unwrap(),
    }
}

#[test]
fn verdicts_follow_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let summary = engine::run(
        &catalogue(),
        &config(dir.path(), Expectations::default(), false),
        &|_| {},
    )
    .unwrap();
    let by = |id: &str| summary.cases.iter().find(|c| c.id == id).unwrap().clone();
    assert_eq!(by("T.Pass").outcome.verdict(), Some(Verdict::Pass));
    let wrong = by("T.WrongExpectation");
    assert_eq!(wrong.outcome.verdict(), Some(Verdict::Fail));
    let reason = wrong.outcome.reason().unwrap();
    assert!(
        reason.contains("expected status 8.8.1/3.8, observed status success"),
        "{reason}"
    );
    let hang = by("T.Hang");
    assert_eq!(hang.outcome.verdict(), Some(Verdict::Fail));
    assert!(hang
        .outcome
        .reason()
        .unwrap()
        .contains("guard timeout of 1 s"));
    // The steps before the hang are kept.
    assert_eq!(hang.steps.len(), 2, "{:?}", hang.steps);
    let bad = by("T.BadArgument");
    assert_eq!(bad.outcome.verdict(), Some(Verdict::Error));
    assert!(bad.outcome.reason().unwrap().contains("no-such-profile"));
    assert_eq!(by("T.NotApplicable").outcome.name(), "not-applicable");
    assert!(by("T.NotApplicable")
        .outcome
        .reason()
        .unwrap()
        .contains("`curve.brp` is false (curve.brp = false)"));
    // The hang did not hold the run: the guard cut it after 1 s of its 4.
    assert!(started.elapsed() < Duration::from_secs(20));
    // Every case is in the journal, with its re-run command.
    let journal = rsp_runner::journal::read(&dir.path().join("run/journal.jsonl")).unwrap();
    assert_eq!(journal.cases.len(), 5);
    assert!(journal
        .cases
        .iter()
        .all(|c| c.rerun == format!("rspcheck run --id {} --seed 3", c.id)));
    assert_eq!(summary.unexpected, 3);
}

#[test]
fn a_harness_panic_is_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Expectations::default(), false);
    c.duts[0].world.card_dut = Some(Arc::new(|| panic!("planted panic opening the card")));
    c.selection = Selection {
        ids: vec!["T.Pass".into(), "T.WrongExpectation".into()],
        ..Selection::default()
    };
    let summary = engine::run(&catalogue(), &c, &|_| {}).unwrap();
    assert_eq!(summary.cases.len(), 2);
    for case in &summary.cases {
        assert_eq!(case.outcome.verdict(), Some(Verdict::Error), "{case:?}");
        assert!(case
            .outcome
            .reason()
            .unwrap()
            .contains("planted panic opening the card"));
    }
}

#[test]
fn expectations_mark_known_failures_and_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    let expectations = Expectations::parse(
        r#"
[[expect]]
case = "T.Wrong*"
reason = "known: the SM-DP+ accepts any address"
link = "https://bugs.example/1"

[[expect]]
case = "T.Pass"
reason = "was broken once"

[[expect]]
case = "T.Gone"
reason = "a case that no longer exists"
"#,
        "expectations.toml",
    )
    .unwrap();
    let mut c = config(dir.path(), expectations, true);
    c.selection = Selection {
        ids: vec!["T.Pass".into(), "T.WrongExpectation".into()],
        ..Selection::default()
    };
    let summary = engine::run(&catalogue(), &c, &|_| {}).unwrap();
    let by = |id: &str| summary.cases.iter().find(|c| c.id == id).unwrap().clone();
    assert_eq!(
        by("T.WrongExpectation").expectation,
        Some(ExpectationMark::ExpectedFail {
            reason: "known: the SM-DP+ accepts any address".into(),
            link: Some("https://bugs.example/1".into())
        })
    );
    assert!(matches!(
        by("T.Pass").expectation,
        Some(ExpectationMark::ExpectedFailPassed { .. })
    ));
    assert_eq!(summary.unexpected, 1, "expected-fail-passed is unexpected");
    assert_eq!(
        summary.stale,
        vec![("smdp".to_owned(), "T.Gone".to_owned())]
    );
}
