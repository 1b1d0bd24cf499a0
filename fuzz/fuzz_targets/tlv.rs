//! The TLV tree: any bytes parse or fail cleanly; what parses re-encodes byte for byte, and its
//! DER form parses again to the same DER. A run of TLVs (`parse_all`) re-encodes byte for byte.
//!
//! Cheap per input: `parse_all` runs only where `parse` stopped at trailing bytes (any other
//! failure is in the first TLV, where `parse_all` fails the same way; on exactly one TLV it is
//! the same node parser over the same bytes), and only a tree with non-minimal lengths is
//! re-parsed (a DER tree is its own DER form). Inputs over 1 KiB are skipped: every length
//! form the parser accepts short of the 3-octet one (64 KiB, out of reach anyway) fits in
//! less. The mutator is the structure-aware one of `rspcheck_fuzz::der_mutator`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::tlv::{Tlv, TlvErrorKind};

rspcheck_fuzz::der_mutator!(0);

/// Longest input worth parsing (also `max_len` in `options/tlv.options`).
const MAX_INPUT: usize = 1024;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let mut out = Vec::with_capacity(data.len());
    match Tlv::parse(data) {
        Ok(t) => {
            t.encode_into(&mut out, true);
            assert_eq!(out, data, "lossless re-encoding");
            if t.is_der() {
                out.clear();
                t.encode_into(&mut out, false);
                assert_eq!(out, data, "a DER tree is its own DER form");
            } else {
                let der = t.encode_der();
                let again = Tlv::parse(&der).expect("DER output parses");
                assert!(again.is_der());
                assert_eq!(again.encode(), der);
            }
        }
        Err(e) if matches!(e.kind, TlvErrorKind::TrailingBytes { .. }) => {
            if let Ok(all) = Tlv::parse_all(data) {
                all.iter().for_each(|t| t.encode_into(&mut out, true));
                assert_eq!(out, data, "lossless re-encoding of a run");
            }
        }
        Err(_) => {
            if data.is_empty() {
                assert_eq!(Tlv::parse_all(data).map(|all| all.len()), Ok(0));
            }
        }
    }
});
