//! Certificate parsing and chain verification on hostile DER: never panics. The input is parsed
//! as a leaf and checked against a fixed generated CI, so the verifier's paths run too.
//! The mutator is the structure-aware one of `rspcheck_fuzz::der_mutator`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rsp_crypto::cert::{verify_chain, Role, RspCertificate, Time};
use rsp_crypto::pkigen::{generate, GenerateOptions};
use rsp_crypto::Curve;

fn anchors() -> &'static (Vec<RspCertificate>, Vec<RspCertificate>) {
    static SET: OnceLock<(Vec<RspCertificate>, Vec<RspCertificate>)> = OnceLock::new();
    SET.get_or_init(|| {
        let opts = GenerateOptions { curves: vec![Curve::NistP256], ..GenerateOptions::default() };
        let pki = generate(&opts).expect("generates");
        let der = |name: &str| {
            pki.files()
                .iter()
                .find(|f| f.path.ends_with(name))
                .map(|f| RspCertificate::from_der(&f.bytes).expect("parses"))
                .expect("file present")
        };
        (vec![der("CERT_CI_ECDSA_NIST.der")], vec![der("CERT_EUM_ECDSA_NIST.der")])
    })
}

rspcheck_fuzz::der_mutator!(0);

fuzz_target!(|data: &[u8]| {
    let Ok(cert) = RspCertificate::from_der(data) else {
        return;
    };
    let (cis, eums) = anchors();
    let at = Time::from_unix(1_790_000_000);
    for role in [Role::Euicc, Role::DpAuth, Role::DpPb, Role::DpTls, Role::Eum, Role::Ci] {
        let _ = verify_chain(&cert, eums, cis, role, at).map(|c| (c.eid(), c.server_oid().map(str::len)));
    }
});
