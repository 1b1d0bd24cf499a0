//! `rspcheck run` as a user runs it: the self-test with no arguments, `--list`, and a run killed
//! with SIGKILL then resumed, which must end with the same results as an uninterrupted run.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn rspcheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn no_arguments_is_the_self_test_and_prints_the_report_path() {
    let dir = tempfile::tempdir().unwrap();
    let o = rspcheck(dir.path(), &[]);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    let report = out
        .lines()
        .find_map(|l| l.strip_prefix("report: "))
        .unwrap_or_else(|| panic!("no report line in:\n{out}"));
    let index = dir.path().join(report);
    assert!(index.is_file(), "{}", index.display());
    assert!(report.starts_with("reports/out/"), "{report}");
    let run_dir = index.parent().unwrap();
    for f in ["journal.jsonl", "results.json", "junit.xml"] {
        assert!(run_dir.join(f).is_file(), "{f}");
    }
    // The summary table: every role, and nothing failed.
    for role in ["euicc", "smdp", "smds", "lpa", "all"] {
        assert!(out.lines().any(|l| l.starts_with(role)), "{role}:\n{out}");
    }
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("results.json")).unwrap()).unwrap();
    let text = results.to_string();
    assert!(!text.contains("\"outcome\":\"fail\""), "{text}");
}

#[test]
fn list_shows_applicability_under_the_ics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ics.toml"),
        "role = \"smdp\"\n[endpoints]\nserver = \"127.0.0.1:9\"\n[options]\n\"curve.brp\" = false\n",
    )
    .unwrap();
    let o = rspcheck(dir.path(), &["run", "--ics", "ics.toml", "--list"]);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    let brp = out
        .lines()
        .find(|l| l.starts_with("SMDP.ES9.InitiateAuthentication.BRP.01"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        brp.contains("not applicable: ICS: `curve.brp` is false"),
        "{brp}"
    );
    assert!(!out.contains("EUICC."), "only the SM-DP+ cases:\n{out}");
}

/// `(id, outcome)` of every case in a run directory's results.
fn outcomes(run_dir: &Path) -> Vec<(String, String)> {
    let contents = rsp_runner::journal::read(&run_dir.join("journal.jsonl")).unwrap();
    let mut v: Vec<(String, String)> = contents
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.outcome.name().to_owned()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_run_killed_mid_way_resumes_to_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["run", "--role", "smdp", "--jobs", "1", "--seed", "5"];
    // The reference: one uninterrupted run.
    let full = dir.path().join("full");
    let o = rspcheck(
        dir.path(),
        &[&args[..], &["--out", full.to_str().unwrap()]].concat(),
    );
    assert!(o.status.success(), "{}", text(&o.stdout));
    let expected = outcomes(&full);
    assert!(expected.len() > 10);

    // The same run, killed with SIGKILL once a few cases are journaled.
    let killed = dir.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args([&args[..], &["--out", killed.to_str().unwrap()]].concat())
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = killed.join("journal.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the run journaled nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = outcomes(&killed);
    assert!(
        !partial.is_empty() && partial.len() < expected.len(),
        "{}",
        partial.len()
    );

    let o = rspcheck(
        dir.path(),
        &[
            "run",
            "--resume",
            killed.to_str().unwrap(),
            "--role",
            "smdp",
            "--jobs",
            "1",
            "--seed",
            "5",
        ],
    );
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(outcomes(&killed), expected);
    // Nothing finished before the kill was run again.
    let ids: Vec<String> = rsp_runner::journal::read(&journal)
        .unwrap()
        .cases
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "a case ran twice");
}
