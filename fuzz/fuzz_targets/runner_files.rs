//! The files a run reads that people or other tools write: the ICS, the expectations file and
//! a results journal (copied between labs). Each must be refused with an error naming the
//! problem, never a panic; a journal that reads fine also compares with itself cleanly. Also
//! the first bytes a server answers a legacy TLS ClientHello with (the security suite's probe).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = rsp_runner::ics::Ics::parse(text, "fuzz.toml");
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                if let Ok(e) = rsp_runner::expectations::Expectations::parse(text, "fuzz.toml") {
                    let _ = e.stale(["A.B", "C.*"]);
                }
            }
        }
        3 => {
            let _ = rsp_runner::tls_probe::classify(rest, 0x0302);
        }
        _ => {
            let path = std::path::Path::new("fuzz.jsonl");
            if let Ok(j) = rsp_runner::journal::read_from(rest, path) {
                let cmp = rsp_runner::report::compare(&j, &j);
                assert!(cmp.new_failures.is_empty(), "a run compared with itself");
            }
        }
    }
});
