//! Shared by the integration tests: the TS.48 profiles beside the checkout. They are read, never
//! copied into the repository; when missing, a test fails under `CI=true` and skips loudly
//! otherwise.
#![allow(dead_code)] // each test file uses part of it

use std::path::PathBuf;

/// The smallest builder description (synthetic keys; vectors/profiles/minimal-milenage.toml).
pub const MINIMAL_DESCRIPTION: &str = r#"
iccid = "89999000000000000018"
imsi = "001010000000001"
ki = "000102030405060708090A0B0C0D0E0F"
opc = "0F0E0D0C0B0A09080706050403020100"
"#;

pub fn ts48_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/ts48-v7")
}

/// The bytes of `file` (e.g. `NoBERTLV.der`), or `None` after a loud notice outside CI.
pub fn load_ts48(file: &str) -> Option<Vec<u8>> {
    let path = ts48_dir().join(file);
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
                "!!! SKIPPING: TS.48 vector {} not readable ({e}); set up ../shared/vectors",
                path.display()
            );
            None
        }
    }
}
