//! The TLV tree: any bytes parse or fail cleanly; what parses re-encodes byte for byte, and its
//! DER form parses again to the same DER.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::tlv::Tlv;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = Tlv::parse(data) {
        assert_eq!(t.encode(), data, "lossless re-encoding");
        let der = t.encode_der();
        let again = Tlv::parse(&der).expect("DER output parses");
        assert!(again.is_der());
        assert_eq!(again.encode(), der);
    }
    if let Ok(all) = Tlv::parse_all(data) {
        let joined: Vec<u8> = all.iter().flat_map(|t| t.encode()).collect();
        assert_eq!(joined, data);
    }
});
