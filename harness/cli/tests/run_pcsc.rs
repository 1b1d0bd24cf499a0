//! System test: an LPA under test reaching rspcheck's eUICC through pcscd, as a vendor's LPA
//! would — the `{reader}` placeholder of the command template. The LPA here is rspcheck's own
//! `rspcheck lpa --card pcsc:…` (this binary, built with `pcsc`), driven only through its ICS.
//!
//! Needs pcscd running with vsmartcard-vpcd (reader "Virtual PCD 00 00", nothing else
//! connected to it): `.ci/run` starts it; then `cargo test -p rspcheck --features pcsc --test
//! run_pcsc`.
#![cfg(feature = "pcsc")]

use std::process::Command;
use std::time::Duration;

#[test]
fn an_lpa_reaches_the_euicc_through_pcscd_and_downloads() {
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(300));
        eprintln!("run_pcsc: no result after 300 s; is pcscd wedged?");
        std::process::exit(101);
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lpa.toml"),
        "role = \"lpa\"\nname = \"rspcheck lpa over PC/SC\"\n[endpoints]\n\
         lpa_command = \"{rspcheck} lpa --card 'pcsc:{reader}' --pki {pki} \
         --resolve {smdp_resolve} --resolve {smds_resolve} \
         profile download --ac {activation_code} --confirmation-code {confirmation_code}\"\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args([
            "run", "--ics", "lpa.toml", "--id", "LPA.*", "--jobs", "1", "--out", "run",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let journal = rsp_runner::journal::read(&dir.path().join("run/journal.jsonl")).unwrap();
    let outcome = |id: &str| {
        journal
            .cases
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.outcome.name())
            .unwrap_or("absent")
    };
    // A whole download into the card behind pcscd, judged at the SM-DP+ and on the card.
    assert_eq!(outcome("LPA.AC.Valid.01"), "pass", "{out}");
    assert_eq!(outcome("LPA.Metadata.Mismatch"), "pass", "{out}");
    assert_eq!(outcome("LPA.AC.Invalid.Format"), "pass", "{out}");
}
