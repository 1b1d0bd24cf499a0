//! SGP.26 certificate set: every valid chain verifies, every `invalid/` certificate fails for
//! the reason its name says, with the ES9+ status SGP.23 expects (AuthenticateClient error
//! sequences #1–#7, digest §2.3).
//!
//! Needs `shared/vectors/sgp26` beside the checkout (or `RSPCHECK_VECTORS`). Missing vectors
//! fail the test when `CI=true`, and skip it loudly otherwise.

use std::path::PathBuf;

use rsp_crypto::cert::{
    verify_chain, verify_chain_with, CertError, Position, Role, RspCertificate, StatusContext,
    Time, VerifyOptions,
};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::Curve;

fn sgp26() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("RSPCHECK_VECTORS").map(PathBuf::from),
        Some(manifest.join("../../../shared/vectors")),
        Some(manifest.join("../../shared/vectors")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .map(|d| d.join("sgp26"))
        .find(|d| d.join("CertificateIssuer").is_dir());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SGP.26 vectors missing (looked beside {}): CI must have them",
            manifest.display()
        );
        eprintln!(
            "!!! SGP.26 vectors not found beside {}: test SKIPPED (outside CI only) !!!",
            manifest.display()
        );
    }
    found
}

fn t(s: &str) -> Time {
    s.parse().unwrap()
}

/// Inside every valid certificate's validity, including the VARO TLS certificates
/// (2026-07-21 – 2027-02-06).
fn good_time() -> Time {
    t("2026-10-01T00:00:00Z")
}

fn cert(dir: &std::path::Path, rel: &str) -> RspCertificate {
    RspCertificate::from_der_or_pem(&std::fs::read(dir.join(rel)).unwrap()).unwrap()
}

#[test]
fn every_valid_chain_verifies_on_both_curves() {
    let Some(dir) = sgp26() else { return };
    let set = PkiSet::load(&dir).unwrap();
    assert_eq!(set.curves().len(), 2);
    let reports = set.verify_all(good_time());
    let valid: Vec<_> = reports
        .iter()
        .filter(|r| r.expect_valid && !set.extra_tls.iter().any(|e| e.name == r.name))
        .collect();
    // CI, EUM, eUICC, DPauth, DPpb, DPtls, DP2auth, DP2pb per curve.
    assert_eq!(valid.len(), 16);
    for r in &valid {
        assert!(r.result.is_ok(), "{r}");
        assert!(!r.to_string().contains('\n'));
    }
    for (curve, pkid) in [
        (Curve::NistP256, "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"),
        (
            Curve::BrainpoolP256r1,
            "C0BC70BA36929D43B467FF57570530E57AB8FCD8",
        ),
    ] {
        let cs = set.curve(curve).unwrap();
        for e in [
            &cs.ci,
            &cs.eum,
            &cs.euicc,
            &cs.dp_auth,
            &cs.dp_pb,
            &cs.dp_tls,
        ] {
            assert!(e.key.is_some(), "{} has a private key", e.name);
        }
        let anchors = [cs.ci.cert.clone()];
        let v = verify_chain(
            &cs.euicc.cert,
            std::slice::from_ref(&cs.eum.cert),
            &anchors,
            Role::Euicc,
            good_time(),
        )
        .unwrap();
        assert_eq!(hex::encode_upper(v.ci_pkid()), pkid);
        assert_eq!(
            v.eid().unwrap().to_digits(),
            "89049032123451234512345678901235"
        );
        assert_eq!(v.curve(), curve);
        assert_eq!(v.eum().unwrap(), &cs.eum.cert);
        for (e, role, oid) in [
            (&cs.dp_auth, Role::DpAuth, "2.999.10"),
            (&cs.dp_pb, Role::DpPb, "2.999.10"),
            (&cs.dp_tls, Role::DpTls, "2.999.10"),
            (cs.dp2_auth.as_ref().unwrap(), Role::DpAuth, "2.999.12"),
            (cs.dp2_pb.as_ref().unwrap(), Role::DpPb, "2.999.12"),
        ] {
            let v = verify_chain(&e.cert, &[], &anchors, role, good_time()).unwrap();
            assert_eq!(v.server_oid(), Some(oid), "{}", e.name);
            assert_eq!(hex::encode_upper(v.ci_pkid()), pkid);
        }
        let v = verify_chain(&cs.dp_tls.cert, &[], &anchors, Role::DpTls, good_time()).unwrap();
        assert_eq!(v.dns_names(), ["testsmdpplus1.example.com"]);
    }
}

#[test]
fn validity_is_judged_at_the_given_time() {
    let Some(dir) = sgp26() else { return };
    let set = PkiSet::load(&dir).unwrap();
    let cs = set.curve(Curve::NistP256).unwrap();
    let anchors = [cs.ci.cert.clone()];
    let e = verify_chain(
        &cs.dp_tls.cert,
        &[],
        &anchors,
        Role::DpTls,
        t("2027-03-01T00:00:00Z"),
    )
    .unwrap_err();
    match &e {
        CertError::Expired {
            cert, not_after, ..
        } => {
            assert_eq!(cert.position, Position::Leaf);
            assert_eq!(cert.role, Role::DpTls);
            assert_eq!(not_after.to_string(), "2027-02-06T13:39:07Z");
        }
        other => panic!("expected Expired, got {other}"),
    }
    // The VARO TLS certificates only start on 2026-07-21.
    let e = verify_chain(
        &cs.dp_tls.cert,
        &[],
        &anchors,
        Role::DpTls,
        t("2026-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "NotYetValid", "{e}");
    // Everything else is valid on 2026-01-01.
    let v = verify_chain(
        &cs.dp_auth.cert,
        &[],
        &anchors,
        Role::DpAuth,
        t("2026-01-01T00:00:00Z"),
    );
    assert!(v.is_ok());
    // DPauth expires in 2030: AuthenticateServer invalidCertificate.
    let e = verify_chain(
        &cs.dp_auth.cert,
        &[],
        &anchors,
        Role::DpAuth,
        t("2031-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "Expired");
    assert_eq!(e.authenticate_server_error(), 1);
    assert_eq!(
        e.es9_status(StatusContext::InitiateAuthentication),
        ("8.8.4", "3.7")
    );
    // The DP2/DP4/DP8 TLS certificates expired on 2025-08-11.
    assert_eq!(set.extra_tls.len(), 3);
    assert!(set.extra_tls.iter().all(|e| e.key.is_some()));
    for r in set
        .verify_all(good_time())
        .iter()
        .filter(|r| set.extra_tls.iter().any(|e| e.name == r.name))
    {
        assert_eq!(r.result.as_ref().unwrap_err().kind(), "Expired", "{r}");
    }
}

/// file, error kind, failing position, role at that position, ES9+ AuthenticateClient status.
type Expectation = (
    &'static str,
    &'static str,
    Position,
    Role,
    (&'static str, &'static str),
);

const INVALID: &[Expectation] = &[
    // SGP.23 #4: expired eUICC certificate.
    (
        "CERT_EUICC_ECDSA_NIST_EXPIRED.der",
        "Expired",
        Position::Leaf,
        Role::Euicc,
        ("8.1.3", "6.3"),
    ),
    // #3: eUICC certificate self-signed instead of signed by the EUM.
    (
        "CERT_EUICC_ECDSA_NIST_INVALID.der",
        "BadSignature",
        Position::Leaf,
        Role::Euicc,
        ("8.1.3", "6.1"),
    ),
    // EID 89049033… outside the EUM's 89049032 (osmo-smdpp: 8.1.4/6.1).
    (
        "CERT_EUICC_ECDSA_NIST_INVALID_EID.der",
        "EidOutOfRange",
        Position::Leaf,
        Role::Euicc,
        ("8.1.4", "6.1"),
    ),
    // EID …1299: inside the range but with wrong check digits (meant for #14, EID refused).
    (
        "CERT_EUICC_ECDSA_NIST_UNMATCHED_EID.der",
        "EidCheckDigits",
        Position::Leaf,
        Role::Euicc,
        ("8.1.1", "3.8"),
    ),
    // #2: expired EUM.
    (
        "CERT_EUM_ECDSA_NIST_EXPIRED.der",
        "Expired",
        Position::Intermediate(0),
        Role::Eum,
        ("8.1.2", "6.3"),
    ),
    // #1: EUM self-signed instead of signed by the CI.
    (
        "CERT_EUM_ECDSA_NIST_INVALID.der",
        "BadSignature",
        Position::Intermediate(0),
        Role::Eum,
        ("8.1.2", "6.1"),
    ),
    // #7: EUM issued by a CI the SM-DP+ does not know.
    (
        "CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der",
        "UnknownCi",
        Position::Intermediate(0),
        Role::Eum,
        ("8.11.1", "3.9"),
    ),
];

#[test]
fn every_invalid_certificate_fails_for_its_reason() {
    let Some(dir) = sgp26() else { return };
    let ci = cert(&dir, "CertificateIssuer/CERT_CI_ECDSA_NIST.der");
    let ci_brp = cert(&dir, "CertificateIssuer/CERT_CI_ECDSA_BRP.der");
    let eum = cert(&dir, "EUM/CERT_EUM_ECDSA_NIST.der");
    let euicc = cert(&dir, "eUICC/CERT_EUICC_ECDSA_NIST.der");
    for &(file, kind, position, role, status) in INVALID {
        let bad = cert(&dir, &format!("invalid/{file}"));
        let (leaf, inter) = if file.starts_with("CERT_EUM") {
            (euicc.clone(), bad)
        } else {
            (bad, eum.clone())
        };
        // With the designated CI, and with both CIs as anchors.
        for anchors in [vec![ci.clone()], vec![ci.clone(), ci_brp.clone()]] {
            let e = verify_chain(
                &leaf,
                std::slice::from_ref(&inter),
                &anchors,
                Role::Euicc,
                good_time(),
            )
            .unwrap_err();
            assert_eq!(e.kind(), kind, "{file}: {e}");
            assert_eq!(e.cert().position, position, "{file}: {e}");
            assert_eq!(e.cert().role, role, "{file}: {e}");
            assert_eq!(
                e.es9_status(StatusContext::AuthenticateClient),
                status,
                "{file}: {e}"
            );
        }
    }
}

#[test]
fn unknown_ci_and_unmatched_eid_details() {
    let Some(dir) = sgp26() else { return };
    let ci = cert(&dir, "CertificateIssuer/CERT_CI_ECDSA_NIST.der");
    let eum = cert(&dir, "EUM/CERT_EUM_ECDSA_NIST.der");
    let euicc = cert(&dir, "eUICC/CERT_EUICC_ECDSA_NIST.der");
    let eum_uci = cert(&dir, "invalid/CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der");
    let uci = cert(&dir, "invalid/CERT_UNKNOWN_CI_ECDSA_NIST.der");
    // The unknown CI has no SKI extension: its key id is the SHA-1 key hash the EUM's AKI names.
    assert_eq!(uci.subject_key_id(), None);
    assert_eq!(Some(uci.key_id()), eum_uci.authority_key_id());
    // With the unknown CI supplied, the chain ends at an untrusted root.
    let e = verify_chain(
        &euicc,
        &[eum_uci.clone(), uci.clone()],
        std::slice::from_ref(&ci),
        Role::Euicc,
        good_time(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "UnknownCi", "{e}");
    assert_eq!(e.cert().position, Position::Intermediate(1));
    assert_eq!(
        e.es9_status(StatusContext::AuthenticateClient),
        ("8.11.1", "3.9")
    );
    // The unknown CI as a CI.
    let e = verify_chain(&uci, &[], std::slice::from_ref(&ci), Role::Ci, good_time()).unwrap_err();
    assert_eq!(e.kind(), "UnknownCi");
    assert_eq!(e.authenticate_server_error(), 7);

    // UNMATCHED_EID: a well-formed eUICC certificate signed by the real EUM, same key as the
    // real eUICC, EID 89049032123451234512345678901299 (inside 89049032, but the check digits
    // should be 35): with check digits ignored it verifies, leaving the EID-vs-order check.
    let unmatched = cert(&dir, "invalid/CERT_EUICC_ECDSA_NIST_UNMATCHED_EID.der");
    assert_eq!(unmatched.public_key(), euicc.public_key());
    let lenient = VerifyOptions {
        check_eid_check_digits: false,
        ..VerifyOptions::default()
    };
    let v = verify_chain_with(
        &unmatched,
        std::slice::from_ref(&eum),
        std::slice::from_ref(&ci),
        Role::Euicc,
        good_time(),
        &lenient,
    )
    .unwrap();
    assert_eq!(
        v.eid().unwrap().to_digits(),
        "89049032123451234512345678901299"
    );
    assert!(!v.eid().unwrap().check_digits_valid());
}

#[test]
fn the_set_reports_invalid_files_as_rejected() {
    let Some(dir) = sgp26() else { return };
    let set = PkiSet::load(&dir).unwrap();
    assert_eq!(
        set.invalid.len(),
        8,
        "the .pem twins are folded into the .der"
    );
    let reports = set.verify_all(good_time());
    let invalid: Vec<_> = reports.iter().filter(|r| !r.expect_valid).collect();
    assert_eq!(invalid.len(), 8);
    for r in &invalid {
        assert!(r.as_expected(), "{r}");
        assert!(r.to_string().starts_with("REJECTED"), "{r}");
    }
    for &(file, kind, _, _, (s, rc)) in INVALID {
        let r = invalid
            .iter()
            .find(|r| r.name.ends_with(file))
            .unwrap_or_else(|| panic!("{file} reported"));
        let e = r.result.as_ref().unwrap_err();
        assert_eq!(e.kind(), kind, "{r}");
        assert!(r.to_string().contains(&format!("[ES9+ {s}/{rc}]")), "{r}");
    }
}

#[test]
fn server_chain_failures_map_to_authenticate_server_codes() {
    let Some(dir) = sgp26() else { return };
    let set = PkiSet::load(&dir).unwrap();
    let nist = set.curve(Curve::NistP256).unwrap();
    let brp = set.curve(Curve::BrainpoolP256r1).unwrap();
    // A NIST DPauth against the brainpool CI only: ciPKUnknown.
    let e = verify_chain(
        &nist.dp_auth.cert,
        &[],
        std::slice::from_ref(&brp.ci.cert),
        Role::DpAuth,
        good_time(),
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.authenticate_server_error()), ("UnknownCi", 7));
    // A DPpb offered as DPauth: invalidOid.
    let e = verify_chain(
        &nist.dp_pb.cert,
        &[],
        std::slice::from_ref(&nist.ci.cert),
        Role::DpAuth,
        good_time(),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.authenticate_server_error()),
        ("RoleMismatch", 5)
    );
    assert_eq!(e.prepare_download_error(), 1);
    // A corrupted signature: invalidSignature.
    let mut der = nist.dp_auth.cert.der().to_vec();
    let n = der.len();
    der[n - 5] ^= 0x01;
    let bad = RspCertificate::from_der(&der).unwrap();
    let e = verify_chain(
        &bad,
        &[],
        std::slice::from_ref(&nist.ci.cert),
        Role::DpAuth,
        good_time(),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.authenticate_server_error()),
        ("BadSignature", 2)
    );
    assert_eq!(e.prepare_download_error(), 2);
}

#[test]
fn sgp26_certificate_facts() {
    let Some(dir) = sgp26() else { return };
    let eum = cert(&dir, "EUM/CERT_EUM_ECDSA_NIST.der");
    assert_eq!(eum.eid_prefixes(), ["89049032"]);
    let nc = eum.name_constraints().unwrap();
    assert!(nc.critical);
    assert_eq!(
        nc.permitted_dir_names[0].to_string(),
        "O=RSP Test EUM, serialNumber=89049032"
    );
    assert_eq!(eum.permitted_eins(), None);
    assert_eq!(eum.roles(), [Role::Eum]);
    assert!(eum.policies().unwrap().critical);
    let bc = eum.basic_constraints().unwrap();
    assert!(bc.ca && bc.critical);
    assert_eq!(bc.path_len, Some(0));
    assert_eq!(eum.registered_ids(), ["2.999.5"]);
    assert_eq!(
        eum.subject().to_string(),
        "C=ES, O=RSP Test EUM, CN=EUM Test"
    );
    assert_eq!(eum.serial_hex(), "12345678");

    let euicc = cert(&dir, "eUICC/CERT_EUICC_ECDSA_BRP.der");
    assert_eq!(euicc.eid_text(), Some("89049032123451234512345678901235"));
    assert_eq!(euicc.not_after().to_string(), "7496-01-24T09:48:58Z");
    assert!(euicc.key_usage().unwrap().digital_signature());
    assert!(euicc.unknown_critical_extensions().is_empty());

    let ci = cert(&dir, "CertificateIssuer/CERT_CI_ECDSA_NIST.der");
    assert_eq!(
        hex::encode_upper(ci.subject_key_id().unwrap()),
        "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
    );
    assert_eq!(ci.computed_key_id(), ci.subject_key_id().unwrap());
    assert_eq!(ci.crl_distribution_points().len(), 2);
    let ku = ci.key_usage().unwrap();
    assert!(ku.key_cert_sign() && ku.crl_sign() && ku.critical);

    // TLS: policies non-critical, EKU serverAuth + clientAuth critical.
    let tls = cert(&dir, "DPtls/CERT_S_SM_DP_VARO_TLS_BRP.der");
    assert!(!tls.policies().unwrap().critical);
    let (eku, critical) = tls.extended_key_usage().unwrap();
    assert!(critical);
    assert_eq!(eku, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert_eq!(tls.curve(), Some(Curve::BrainpoolP256r1));
    for rel in [
        "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        "DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der",
        "DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der",
    ] {
        assert!(cert(&dir, rel).policies().unwrap().critical, "{rel}");
    }
    // PEM and DER of the CI are the same certificate.
    assert_eq!(
        cert(&dir, "CertificateIssuer/CERT_CI_ECDSA_NIST.pem").der(),
        ci.der()
    );
}
