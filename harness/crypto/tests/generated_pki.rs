//! The generator's output and the verifier agree: a generated set loads with the SGP.26 loader,
//! every valid chain verifies on both curves, and every invalid variant is refused for the reason
//! its name gives.

use rsp_crypto::cert::{CertError, StatusContext, Time};
use rsp_crypto::pkigen::{generate_to_dir, GenerateOptions};
use rsp_crypto::pkiset::PkiSet;

fn generated(seed: u64) -> (tempdir::Dir, PkiSet) {
    let dir = tempdir::Dir::new(&format!("rspcheck-pki-{seed}"));
    generate_to_dir(
        dir.path(),
        &GenerateOptions {
            seed,
            ..GenerateOptions::default()
        },
    )
    .expect("generates");
    let set = PkiSet::load(dir.path()).expect("loads with the SGP.26 loader");
    (dir, set)
}

mod tempdir {
    use std::path::{Path, PathBuf};
    /// A directory under the target dir, removed on drop.
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn every_generated_chain_behaves_as_named() {
    let (_dir, set) = generated(42);
    let at: Time = "2026-10-01T00:00:00Z".parse().unwrap();
    let reports = set.verify_all(at);
    let unexpected: Vec<String> = reports
        .iter()
        .filter(|r| !r.as_expected())
        .map(ToString::to_string)
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected outcomes:\n{}\n\nall:\n{}",
        unexpected.join("\n"),
        reports
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let valid = reports.iter().filter(|r| r.expect_valid).count();
    // CI, EUM, eUICC, DPauth, DPpb, DPtls, DSauth, DStls, operator on two curves.
    assert!(valid >= 16, "only {valid} valid chains checked");
    for r in reports.iter().filter(|r| !r.expect_valid) {
        let err: &CertError = r.result.as_ref().unwrap_err();
        let name = r.name.to_ascii_uppercase();
        let kind = err.kind();
        let want = if name.contains("NOT_YET_VALID") {
            "NotYetValid"
        } else if name.contains("EXPIRED") {
            "Expired"
        } else if name.contains("INVALID_EID") {
            "EidOutOfRange"
        } else if name.contains("UNMATCHED_EID") {
            // Not the eUICC the order is bound to: SGP.23 AuthenticateClient #14.
            assert_eq!(
                err.es9_status(StatusContext::AuthenticateClient),
                ("8.1.1", "3.8"),
                "{r}"
            );
            continue;
        } else if name.contains("WRONG_ROLE") {
            "RoleMismatch"
        } else if name.contains("WRONG_OID") {
            "ServerOidMismatch"
        } else if name.contains("UNKNOWN_CI") {
            "UnknownCi"
        } else if name.ends_with("_INVALID.DER") {
            "BadSignature"
        } else {
            panic!("invalid variant with no expectation: {r}");
        };
        assert_eq!(kind, want, "{r}");
    }
}
