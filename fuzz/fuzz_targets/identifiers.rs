//! EID and ICCID parsers, text and BCD: never panic; what parses re-encodes to what it read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::eid::Eid;
use rsp_codec::iccid::Iccid;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Eid::from_bcd(data) {
        assert_eq!(&e.as_bytes()[..], data);
        assert_eq!(Eid::parse(&e.to_digits()).expect("digits parse"), e);
    }
    if let Ok(i) = Iccid::from_bcd(data) {
        assert_eq!(Iccid::from_bcd(&i.to_bcd()).expect("own BCD parses"), i);
    }
    let _ = Iccid::from_plain_bcd(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(e) = Eid::parse(text) {
            assert!(e.check_digits_valid());
        }
        if let Ok(i) = Iccid::parse(text) {
            assert_eq!(Iccid::parse(i.as_str()).expect("digits parse"), i);
        }
        let _ = Iccid::parse_strict(text);
    }
});
