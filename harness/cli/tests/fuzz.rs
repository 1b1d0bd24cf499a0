//! `rspcheck fuzz` end to end: the LPA role is rspcheck's own LPA command line, driven through
//! its command template like a vendor's, so only this crate's tests can reach it.

use std::process::{Command, Output};

fn rspcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(args)
        .output()
        .expect("run rspcheck")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_campaign_against_the_reference_lpa_finds_nothing() {
    let out = tempfile::tempdir().unwrap();
    let o = rspcheck(&[
        "fuzz",
        "--role",
        "lpa",
        "--iterations",
        "24",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 findings"), "{}", text(&o));
    assert!(out.path().join("index.html").is_file());
    assert!(out.path().join("fuzz/campaign.json").is_file());
}

#[test]
fn an_lpa_that_panics_on_a_multibyte_activation_code_is_caught_and_replays() {
    let out = tempfile::tempdir().unwrap();
    let o = rspcheck(&[
        "fuzz",
        "--planted",
        "lpa-panic-on-multibyte-ac",
        "--target",
        "activation-code",
        // About one multi-byte insertion in twenty straddles byte 12.
        "--strategy",
        "multibyte",
        "--iterations",
        "160",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let findings: Vec<_> = std::fs::read_dir(out.path().join("fuzz/findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(findings.len(), 1, "{}", text(&o));
    let finding: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&findings[0]).unwrap()).unwrap();
    assert_eq!(finding["reaction"]["class"], "crash");
    assert!(finding["reaction"]["detail"]
        .as_str()
        .unwrap()
        .contains("101"));
    // Minimized to a byte or two of the activation code.
    let patch = finding["minimized"]["patch"].as_str().expect("minimized");
    assert!(patch.split(':').nth(2).unwrap().len() <= 6, "{patch}");
    let file = findings[0].to_str().unwrap();
    let again = rspcheck(&[
        "fuzz",
        "--planted",
        "lpa-panic-on-multibyte-ac",
        "--replay",
        file,
    ]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "still a bug: {}",
        text(&again)
    );
    let fixed = rspcheck(&["fuzz", "--role", "lpa", "--replay", file]);
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "gone without the bug: {}",
        text(&fixed)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["fuzz", "--planted", "no-such-bug"],
        vec!["fuzz", "--role", "smdp", "--target", "no-such-target"],
        vec![
            "fuzz",
            "--role",
            "smdp",
            "--strategy",
            "no-such-strategy",
            "--iterations",
            "1",
        ],
    ] {
        let o = rspcheck(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
    let list = rspcheck(&["fuzz", "--list"]);
    assert!(list.status.success());
    assert!(text(&list).contains("bpp-segments"));
}
