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
    // Nothing failed but the known failures of the personality matrix (selftest.expectations.toml).
    assert_eq!(
        results["expectations"]["unexpected"], 0,
        "{}",
        results["expectations"]
    );
    for c in results["cases"].as_array().unwrap() {
        if c["verdict"] != "pass" {
            assert_eq!(c["expectation"]["judgement"], "expected-fail", "{c}");
            assert!(c["id"].as_str().unwrap().starts_with("COMPAT."), "{c}");
        }
    }
    assert!(run_dir.join("compat.html").is_file());
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

/// An SM-DP+ as a remote DUT: `rspcheck serve smdp` on loopback (ES9+ and ES2+ over mutual TLS,
/// its own inventory), reached only through its ICS, host overrides and the PKI's operator
/// certificate. Cases that inspect the reference SM-DP+ are not applicable to it.
#[test]
fn a_remote_smdp_is_tested_through_es9_and_es2_as_its_ics_declares() {
    use std::io::{BufRead, BufReader};

    struct Guard(std::process::Child);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = rsp_euicc::testkit::generated_pki(7);
    let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/profiles");
    let mut config = format!(
        "pki = {pki:?}\nin_memory = true\nbind = \"127.0.0.1:0\"\n[es2]\nbind = \"127.0.0.1:0\"\n"
    );
    for p in ["minimal-milenage", "usim-isim-full", "tuak256"] {
        config.push_str(&format!(
            "[[profile]]\nder = {:?}\n",
            profiles.join(format!("{p}.der"))
        ));
    }
    std::fs::write(dir.path().join("smdp.toml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args([
            "serve",
            "smdp",
            "--config",
            "smdp.toml",
            "--max-requests",
            "200",
        ])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _guard = Guard(child);
    let mut lines = BufReader::new(stderr).lines();
    let (mut es9, mut es2) = (None, None);
    while es9.is_none() || es2.is_none() {
        let line = lines.next().expect("server output").unwrap();
        let after = |marker: &str| {
            line.split_once(marker)
                .map(|(_, rest)| rest.split(['/', ' ']).next().unwrap_or_default().to_owned())
        };
        if line.contains("serving ES9+") {
            es9 = after("https://");
        } else if line.contains("ES2+ on") {
            es2 = after("https://");
        }
    }
    std::thread::spawn(move || for _ in lines {});
    std::fs::write(
        dir.path().join("ics.toml"),
        format!(
            "role = \"smdp\"\nname = \"reference SM-DP+ as a remote DUT\"\n[endpoints]\n\
             server = \"testsmdpplus1.example.com\"\n\
             es2plus = \"https://testsmdpplus1.example.com:9443\"\n\
             iccids = [\"89999000000000000018\", \"89999000000000000026\", \"89999000000000000042\"]\n\
             [pki]\ndir = {pki:?}\n[options]\nes2plus = true\n"
        ),
    )
    .unwrap();
    let o = rspcheck(
        dir.path(),
        &[
            "run",
            "--ics",
            "ics.toml",
            "--resolve",
            &format!("testsmdpplus1.example.com={}", es9.unwrap()),
            "--resolve",
            &format!("testsmdpplus1.example.com:9443={}", es2.unwrap()),
            "--id",
            "SMDP.ES9.InitiateAuthentication.01",
            "--id",
            "SMDP.ES9.AuthenticateClient.01",
            "--id",
            "SMDP.ES9.GetBoundProfilePackage.03",
            "--id",
            "SMDP.ES9.AuthenticateClient.Err.09",
            "--id",
            "SMDP.ES9.Robustness.*",
            "--out",
            "run",
        ],
    );
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    let got = outcomes(&dir.path().join("run"));
    let find = |id: &str| got.iter().find(|(i, _)| i == id).map(|(_, o)| o.as_str());
    assert_eq!(
        find("SMDP.ES9.InitiateAuthentication.01"),
        Some("pass"),
        "{got:?}"
    );
    // A whole download with a confirmation code, ordered over ES2+.
    assert_eq!(
        find("SMDP.ES9.GetBoundProfilePackage.03"),
        Some("pass"),
        "{got:?}"
    );
    assert_eq!(
        find("SMDP.ES9.AuthenticateClient.Err.09"),
        Some("pass"),
        "{got:?}"
    );
    assert_eq!(
        find("SMDP.ES9.Robustness.ContentType"),
        Some("pass"),
        "{got:?}"
    );
    // It reads the reference SM-DP+'s ledger: nothing to read on a DUT.
    assert_eq!(
        find("SMDP.ES9.AuthenticateClient.01"),
        Some("not-applicable"),
        "{got:?}"
    );
}

/// An SM-DS as a remote DUT: `rspcheck serve smds` on loopback (ES11, and ES12 on its
/// mutual-TLS listener), reached only through its ICS and host overrides.
#[test]
fn a_remote_smds_is_tested_through_es11_and_es12_as_its_ics_declares() {
    use std::io::{BufRead, BufReader};

    struct Guard(std::process::Child);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = rsp_euicc::testkit::generated_pki(7);
    std::fs::write(
        dir.path().join("smds.toml"),
        format!(
            "pki = {pki:?}\nin_memory = true\nbind = \"127.0.0.1:0\"\nes12_bind = \"127.0.0.1:0\"\n\
             [limits]\nmax_requests = 200\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(["serve", "smds", "--config", "smds.toml"])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _guard = Guard(child);
    let mut lines = BufReader::new(stderr).lines();
    let (mut es11, mut es12) = (None, None);
    while es11.is_none() || es12.is_none() {
        let line = lines.next().expect("server output").unwrap();
        let after = |marker: &str| {
            line.split_once(marker)
                .map(|(_, rest)| rest.split(['/', ' ']).next().unwrap_or_default().to_owned())
        };
        if line.contains("serving ES11") {
            es11 = after("https://");
        } else if line.contains("serving ES12") {
            es12 = after("https://");
        }
    }
    std::thread::spawn(move || for _ in lines {});
    std::fs::write(
        dir.path().join("ics.toml"),
        format!(
            "role = \"smds\"\nname = \"reference SM-DS as a remote DUT\"\n[endpoints]\n\
             server = \"testsmds.example.com\"\nes12 = \"testsmds.example.com:9444\"\n\
             [pki]\ndir = {pki:?}\n"
        ),
    )
    .unwrap();
    let o = rspcheck(
        dir.path(),
        &[
            "run",
            "--ics",
            "ics.toml",
            "--resolve",
            &format!("testsmds.example.com={}", es11.unwrap()),
            "--resolve",
            &format!("testsmds.example.com:9444={}", es12.unwrap()),
            "--id",
            "SMDS.*",
            "--out",
            "run",
        ],
    );
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    let got = outcomes(&dir.path().join("run"));
    assert!(got.len() >= 6, "{got:?}");
    assert!(got.iter().all(|(_, o)| o == "pass"), "{got:?}");
}

#[test]
fn compat_runs_the_matrix_of_one_profile_file_under_personalities() {
    let dir = tempfile::tempdir().unwrap();
    let profile =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/profiles/minimal-milenage.der");
    let o = rspcheck(
        dir.path(),
        &[
            "compat",
            profile.to_str().unwrap(),
            "--personality",
            "conforming",
            "--personality",
            "explicit-defaults-required",
            "--out",
            "m",
        ],
    );
    let out = text(&o.stdout);
    // The strict personality refuses DER profiles (no DEFAULTs spelled out): exit status 1.
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", text(&o.stderr));
    assert!(
        out.contains("COMPAT.explicit-defaults-required.minimal-milenage.original"),
        "{out}"
    );
    assert!(
        !out.contains("COMPAT.conforming."),
        "the conforming card failed:\n{out}"
    );
    let page = std::fs::read_to_string(dir.path().join("m/compat.html")).unwrap();
    assert!(page.contains("minimal-milenage"), "{page}");
    assert!(page.contains("with-defaults"), "{page}");

    let o = rspcheck(dir.path(), &["compat", "/nonexistent.der"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}
