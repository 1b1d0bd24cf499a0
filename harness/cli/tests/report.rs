//! `rspcheck report RUN_DIR [--against OTHER]` on journals written through the journal API.

use std::path::Path;
use std::process::{Command, Output};

use rsp_runner::journal::{CaseMeta, CaseRecord, Journal, RunHeader, SCHEMA_VERSION};
use rsp_runner::verdict::{Outcome, Verdict};

fn rspcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn journal(dir: &Path, seed: u64, cases: &[(&str, Verdict)]) {
    let header = RunHeader {
        schema: SCHEMA_VERSION,
        seed,
        dut: "reference smdp".into(),
        selection: vec!["SMDP.*".into()],
        started_at: 1_767_225_600 + seed as i64,
        command: format!("rspcheck run --dut smdp --seed {seed}"),
        duts: vec![],
    };
    let mut j = Journal::create(dir, &header).unwrap();
    for &(id, verdict) in cases {
        j.append(&CaseRecord {
            id: id.into(),
            meta: CaseMeta {
                title: format!("case {id}"),
                dut: "smdp".into(),
                interface: "ES9+".into(),
                group: "InitiateAuthentication".into(),
                ..CaseMeta::default()
            },
            outcome: Outcome::Verdict {
                verdict,
                reason: (verdict != Verdict::Pass).then(|| "status 8.8/3.8".into()),
            },
            expectation: None,
            rerun: format!("rspcheck run --case {id}"),
            seed: 1,
            duration_us: 2_000,
            steps: vec![],
        })
        .unwrap();
    }
}

#[test]
fn report_rerenders_and_compares_two_runs() {
    let base = tempfile::tempdir().unwrap();
    let now = tempfile::tempdir().unwrap();
    journal(
        base.path(),
        1,
        &[("SMDP.A.01", Verdict::Pass), ("SMDP.A.02", Verdict::Fail)],
    );
    journal(
        now.path(),
        2,
        &[("SMDP.A.01", Verdict::Fail), ("SMDP.A.02", Verdict::Pass)],
    );
    let o = rspcheck(&[
        "report",
        now.path().to_str().unwrap(),
        "--against",
        base.path().to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    // Differences are printed, not an error.
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("index.html"), "{out}");
    assert!(out.contains("2 case pages"), "{out}");
    assert!(
        out.contains("new failures: 1\n  SMDP.A.01: pass -> fail"),
        "{out}"
    );
    assert!(out.contains("fixed: 1\n  SMDP.A.02: fail -> pass"), "{out}");
    for f in [
        "index.html",
        "results.json",
        "junit.xml",
        "comparison.html",
        "comparison.json",
        "cases/SMDP.A.01.html",
        "assets/report.js",
    ] {
        assert!(now.path().join(f).is_file(), "{f}");
    }
    let index = std::fs::read_to_string(now.path().join("index.html")).unwrap();
    assert!(index.contains("href=\"comparison.html\""));
    assert!(!index.contains("secrets revealed"));

    let o = rspcheck(&["report", base.path().to_str().unwrap(), "--reveal-secrets"]);
    assert!(o.status.success());
    let index = std::fs::read_to_string(base.path().join("index.html")).unwrap();
    assert!(index.contains("secrets revealed"));
    assert!(!base.path().join("comparison.html").exists());
}

#[test]
fn report_without_a_journal_fails_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let o = rspcheck(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("journal.jsonl"), "{err}");
}
