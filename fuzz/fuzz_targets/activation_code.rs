//! Activation codes under every option set: parse or fail cleanly; what parses formats to a
//! string that parses back to the same code; lint and redaction never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::activation::{lint, ActivationCode, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = lint(text);
    for opts in [ParseOptions::default(), ParseOptions::strict(), ParseOptions::lab()] {
        if let Ok(ac) = ActivationCode::parse(text, &opts) {
            let formatted = ac.to_string();
            let again = ActivationCode::parse(&formatted, &opts).expect("formatted code parses");
            assert_eq!(again, ac);
            let _ = ac.redacted();
            let _ = ac.to_qr_payload();
        }
    }
});
