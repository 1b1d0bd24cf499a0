//! The scenario loader on arbitrary text: a suite file is written by people (vendors add their
//! own), so a malformed one must give a load error with file and line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = rsp_runner::scenario::parse_file(text, std::path::Path::new("fuzz.toml")) {
        // Every error names where it happened.
        let shown = e.to_string();
        assert!(shown.starts_with("fuzz.toml"), "{shown}");
    }
});
