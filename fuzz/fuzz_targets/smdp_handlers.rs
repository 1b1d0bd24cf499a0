//! Random and mutated request bodies into the reference SM-DP+'s ES9+ and ES2+ handlers,
//! in-process. The first byte picks the function (five ES9+, four ES2+, the ASN.1 binding); the
//! rest is the body.
//! Never a panic; every answer is HTTP 204 with no body or HTTP 200 with a JSON object that has
//! a `header.functionExecutionStatus`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rsp_codec::json::{Es2Function, Es9Function};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_smdp::asn1::Asn1Answer;
use rsp_smdp::{MemoryStore, Order, OrderStore, Smdp, SmdpConfig};

fn pki() -> &'static PkiSet {
    static PKI: OnceLock<PkiSet> = OnceLock::new();
    PKI.get_or_init(|| PkiSet::load(rsp_euicc::testkit::generated_pki(7)).expect("PKI"))
}

fn package() -> &'static [u8] {
    static P: OnceLock<Vec<u8>> = OnceLock::new();
    P.get_or_init(|| {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/profiles/minimal-milenage.der"))
            .expect("profile vector")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let mut store = MemoryStore::default();
    store.put(Order::released("89999000000000000018", package().to_vec(), Some("AC-1"), None));
    store.put(Order::available("89999000000000000026", package().to_vec(), "consumer"));
    let mut smdp = Smdp::new(
        SmdpConfig::default(),
        pki(),
        store,
        Box::new(SeededRandom::new(1)),
        Time::from_unix(1_767_225_600),
    )
    .expect("SM-DP+");
    if usize::from(pick) % 10 == 9 {
        match smdp.handle_asn1(body) {
            Asn1Answer::Response(der) => {
                let outer = rsp_codec::tlv::Tlv::parse(&der).expect("DER answer");
                assert_eq!(outer.children().len(), 1, "one response alternative");
            }
            Asn1Answer::NoContent | Asn1Answer::BadRequest(_) => {}
        }
        return;
    }
    let answer = match usize::from(pick) % 10 {
        n @ 0..=4 => smdp.handle(Es9Function::ALL[n], body),
        n => smdp.handle_es2(Es2Function::ALL[n - 5], body),
    };
    match answer.http_status {
        204 => assert!(answer.body.is_empty()),
        200 => {
            let v: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON answer");
            assert!(
                v["header"]["functionExecutionStatus"]["status"].is_string(),
                "answer without a status: {v}"
            );
        }
        other => panic!("HTTP {other}"),
    }
});
