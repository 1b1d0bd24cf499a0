//! SAIP profile packages: any bytes parse or fail cleanly; what parses re-encodes byte for byte,
//! and validation and rendering never panic.
//! The mutator is the structure-aware one of `rspcheck_fuzz::der_mutator`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_profile::ProfilePackage;

rspcheck_fuzz::der_mutator!(0);

fuzz_target!(|data: &[u8]| {
    let Ok(p) = ProfilePackage::parse(data) else {
        return;
    };
    assert_eq!(p.encode(), data);
    let _ = p.validate();
    let _ = p.unknowns();
    let _ = p.header().map(|h| h.iccid_digits());
    let _ = p.pretty();
});
