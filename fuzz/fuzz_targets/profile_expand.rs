//! File-system expansion of hostile profile packages: never panics, never allocates from a
//! declared size (the expander bounds every file and the total).
//! The mutator is the structure-aware one of `rspcheck_fuzz::der_mutator`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_profile::expand::expand;
use rsp_profile::ProfilePackage;

rspcheck_fuzz::der_mutator!(0);

fuzz_target!(|data: &[u8]| {
    let Ok(p) = ProfilePackage::parse(data) else {
        return;
    };
    if let Ok(fs) = expand(&p) {
        let _ = fs.to_string();
        let _ = format!("{fs:#}");
    }
});
