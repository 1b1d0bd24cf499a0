//! Shared by the integration tests: a generated test PKI, the repository's profile vectors and
//! the TS.48 profiles; the SM-DP+ side and the LPA view come from `rsp_euicc::testkit`.
#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
pub use rsp_euicc::testkit::*;
use rsp_euicc::{Credentials, Euicc, EuiccConfig};

/// A PKI generated once per test binary (seed 7, both curves).
pub fn pki_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| generated_pki(7))
}

pub fn pki() -> &'static PkiSet {
    static SET: OnceLock<PkiSet> = OnceLock::new();
    SET.get_or_init(|| PkiSet::load(pki_dir()).expect("load PKI"))
}

pub fn card_with(config: EuiccConfig, seed: u64) -> Euicc {
    let creds = Credentials::from_set(pki()).expect("credentials");
    Euicc::new(config, creds, Box::new(SeededRandom::new(seed))).expect("card")
}

pub fn card() -> Euicc {
    card_with(EuiccConfig::default(), 1)
}

/// The built profile vectors of the repository (`vectors/profiles`).
pub fn profile(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors/profiles")
        .join(format!("{name}.der"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// TS.48 profiles beside the checkout: fail under CI=true when missing, skip loudly otherwise.
pub fn load_ts48(file: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/ts48-v7")
        .join(file);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "CI=true and TS.48 vector {} is missing: {e}",
                path.display()
            )
        }
        Err(e) => {
            eprintln!(
                "!!! SKIPPING: TS.48 vector {} not readable ({e})",
                path.display()
            );
            None
        }
    }
}

/// The test SM-DP+ of the generated PKI on `curve`.
pub fn dp(curve: Curve) -> TestDp {
    TestDp::new(pki().curve(curve).expect("curve in PKI"))
}

/// ES10c EnableProfile (BF31) of the profile with this ICCID, refreshFlag set.
pub fn enable_request(iccid: &[u8]) -> Vec<u8> {
    cons(
        0xBF31,
        vec![
            cons(0xA0, vec![prim(0x5A, iccid.to_vec())]),
            prim(0x81, vec![0xFF]),
        ],
    )
    .encode_der()
}
