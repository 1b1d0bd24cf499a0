//! Every SGP.22 schema type: the first byte picks the type, the rest is the message. Decoding,
//! validation, pretty printing and path reads never panic; what parses re-encodes identically.
//! The mutator is the structure-aware one of `rspcheck_fuzz::der_mutator` (after the type byte).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_codec::{schema, Message};

rspcheck_fuzz::der_mutator!(1);

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let ty = schema::ALL_TYPES[pick as usize % schema::ALL_TYPES.len()];
    let Ok(m) = Message::parse(ty, bytes) else {
        return;
    };
    assert_eq!(m.encode(), bytes);
    let decoded = m.named();
    let _ = rsp_codec::named::pretty(&decoded.root, &Default::default());
    for field in ty.fields() {
        let _ = m.get(field.name);
    }
    // A valid message stays valid through DER normalisation.
    if decoded.is_valid() {
        let der = Message::parse(ty, &m.encode_der()).expect("DER re-parses");
        assert!(der.validate().is_empty(), "{:?}", der.validate());
    }
});
