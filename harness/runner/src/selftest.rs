//! The self-test: every suite against the reference implementations, each role in turn as the
//! DUT, with an ICS that declares what the reference implementations really support.

use std::sync::Arc;
use std::time::Duration;

use rsp_crypto::Curve;
use rsp_euicc::Personality;

use crate::applies::OptionValue;
use crate::engine::Dut;
use crate::expectations::Expectations;
use crate::ics::{Ics, Role};
use crate::journal::DutIdentity;
use crate::world::{Pki, WorldError, WorldSpec};

/// The options the reference implementations support (beyond the defaults).
const REFERENCE_OPTIONS: &[&str] = &[
    "curve.nist",
    "curve.brp",
    "cc",
    "es2plus",
    "asn1_binding",
    "smds",
    "default_smdp",
    "replace_session_keys",
    "test_profiles",
    "production",
];

/// The ICS of the reference implementation of `role`.
pub fn reference_ics(role: Role) -> Ics {
    let mut ics = Ics::defaults(role);
    ics.name = Some(format!("rspcheck reference {}", role.name()));
    for o in REFERENCE_OPTIONS {
        ics.options.insert((*o).to_owned(), OptionValue::Bool(true));
    }
    ics
}

/// The world of a self-test: the generated PKI, every role the reference one.
pub fn reference_world(pki: Arc<Pki>, timeout: Duration) -> WorldSpec {
    WorldSpec {
        pki,
        curve: Curve::NistP256,
        seed: 0,
        personality: Personality::Conforming,
        smdp_dut: None,
        es2_dut: None,
        lpa_command: None,
        dut_iccids: Arc::default(),
        smds_dut: None,
        smds_es12_dut: None,
        resolve: Vec::new(),
        card_dut: None,
        replace_session_keys: false,
        production: false,
        smdp_tls: None,
        asn1_binding: false,
        operator_simulator: false,
        planted: None,
        timeout,
    }
}

/// The self-test's known failures (`selftest.expectations.toml` at the root of this source
/// tree): the compatibility matrix under the personalities that emulate non-conforming cards.
/// They belong to the eUICC DUT.
pub fn expectations() -> Result<Expectations, crate::expectations::ExpectationsError> {
    Expectations::load(&crate::engine::repo_root().join("selftest.expectations.toml"))
}

/// One DUT per role, all reference implementations.
pub fn reference_duts(roles: &[Role], timeout: Duration) -> Result<Vec<Dut>, WorldError> {
    let pki = Pki::generated()?;
    Ok(roles
        .iter()
        .map(|&role| Dut {
            ics: reference_ics(role),
            world: reference_world(pki.clone(), timeout),
            identity: DutIdentity {
                role: role.name().to_owned(),
                adapter: match role {
                    Role::Smdp | Role::Smds => "reference, served over HTTPS on 127.0.0.1".into(),
                    Role::Euicc => "reference, in process (APDUs)".into(),
                    Role::Lpa => "rspcheck LPA, in process".into(),
                },
                identity: vec![
                    (
                        "implementation".into(),
                        format!("rspcheck {} reference", role.name()),
                    ),
                    ("version".into(), env!("CARGO_PKG_VERSION").into()),
                    (
                        "PKI".into(),
                        "generated test PKI (seed 7), NIST + brainpool".into(),
                    ),
                ],
            },
            expectations: Expectations::default(),
        })
        .collect())
}
