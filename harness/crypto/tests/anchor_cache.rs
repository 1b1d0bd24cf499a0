//! A trust anchor's self-signature is verified once and remembered (shared by clones); a bad
//! one is refused every time, with its reason.

use rsp_crypto::cert::{verify_chain, CertError, Role, RspCertificate};
use rsp_crypto::pkigen::{generate_to_dir, GenerateOptions};
use rsp_crypto::pkiset::PkiSet;
use std::slice::from_ref;

#[test]
fn anchor_self_signature_is_remembered_only_when_it_verifies() {
    let dir = std::env::temp_dir().join(format!("rspcheck-anchor-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    generate_to_dir(
        &dir,
        &GenerateOptions {
            seed: 3,
            ..GenerateOptions::default()
        },
    )
    .expect("generates");
    let set = PkiSet::load(&dir).expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    for c in set.curves() {
        let (leaf, eum, ci) = (&c.euicc.cert, &c.eum.cert, &c.ci.cert);
        let at = leaf.not_before();
        // A CI whose self-signature is broken: the last DER byte is in the signature.
        let mut der = ci.der().to_vec();
        *der.last_mut().unwrap() ^= 0x01;
        let broken = RspCertificate::from_der(&der).expect("still parses");
        for _ in 0..2 {
            let e = verify_chain(leaf, from_ref(eum), from_ref(&broken), Role::Euicc, at)
                .expect_err("broken anchor");
            assert!(matches!(e, CertError::BadSignature { .. }), "{e}");
        }
        let anchors = vec![ci.clone()];
        for _ in 0..3 {
            verify_chain(leaf, from_ref(eum), &anchors, Role::Euicc, at).expect("valid");
            // A fresh clone of the original shares what was learnt.
            let fresh = ci.clone();
            verify_chain(leaf, from_ref(eum), from_ref(&fresh), Role::Euicc, at).expect("valid");
        }
        // The broken one learnt nothing from its valid twin.
        assert!(verify_chain(leaf, from_ref(eum), from_ref(&broken), Role::Euicc, at).is_err());
    }
}
