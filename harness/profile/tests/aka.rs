//! `AkaSummary` carries every AKA parameter of the PE, not only the algorithm and keys: custom
//! MILENAGE constants, `sqnInit`, `authCounterMax` and `numberOfKeccak` reach the card model.

use rsp_codec::tlv::{Tag, Tlv};
use rsp_profile::builder::{build, ProfileDescription};
use rsp_profile::expand::expand;
use rsp_profile::ProfilePackage;

mod common;
use common::MINIMAL_DESCRIPTION as MINIMAL;

const ALGO: &str = "akaParameter.algoConfiguration.algoParameter";

fn built() -> ProfilePackage {
    build(&ProfileDescription::from_toml(MINIMAL).unwrap()).unwrap()
}

fn edit_aka(pkg: &mut ProfilePackage, edits: &[(&str, Tlv)]) {
    let (i, _) = pkg
        .by_kind("akaParameter")
        .next()
        .expect("an akaParameter PE");
    let message = pkg.pes_mut()[i].message_mut();
    for (path, tlv) in edits {
        message
            .insert(path, tlv.clone())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

fn custom_xoring() -> Vec<u8> {
    (0..80u8).map(|i| i.wrapping_mul(37) ^ 0x5A).collect()
}

#[test]
fn defaults_when_the_pe_leaves_them_implied() {
    let fs = expand(&built()).unwrap();
    let aka = &fs.aka[0];
    assert!(aka.has_default_constants());
    assert_eq!(aka.rotation_constants, [0x40, 0x00, 0x20, 0x40, 0x60]);
    assert_eq!(aka.xoring_constants.len(), 80);
    assert!(aka.sqn_init.is_empty());
    assert_eq!(
        (aka.auth_counter_max.as_deref(), aka.number_of_keccak),
        (None, 1)
    );
}

#[test]
fn custom_constants_and_sqn_init_are_carried_and_printed() {
    let mut pkg = built();
    let sqn_init: Vec<Tlv> = (0..32u8)
        .map(|i| Tlv::primitive(Tag::of(0x04), vec![0, 0, 0, 0, 0x10, i]))
        .collect();
    edit_aka(
        &mut pkg,
        &[
            (
                &format!("{ALGO}.rotationConstants"),
                Tlv::primitive(Tag::of(0x84), vec![10, 20, 30, 40, 50]),
            ),
            (
                &format!("{ALGO}.xoringConstants"),
                Tlv::primitive(Tag::of(0x85), custom_xoring()),
            ),
            (
                &format!("{ALGO}.authCounterMax"),
                Tlv::primitive(Tag::of(0x86), vec![0x01, 0x00, 0x00]),
            ),
            (
                "akaParameter.sqnInit",
                Tlv::constructed(Tag::of(0xA5), sqn_init),
            ),
        ],
    );
    let errors = pkg.validate();
    assert!(errors.is_empty(), "{errors:?}");
    let fs = expand(&pkg).unwrap();
    let aka = &fs.aka[0];
    assert!(!aka.has_default_constants());
    assert_eq!(aka.rotation_constants, [10, 20, 30, 40, 50]);
    assert_eq!(aka.xoring_constants, custom_xoring());
    assert_eq!(aka.auth_counter_max.as_deref(), Some(&[1, 0, 0][..]));
    assert_eq!(aka.sqn_init.len(), 32);
    assert_eq!(aka.sqn_init[7], [0, 0, 0, 0, 0x10, 7]);
    let text = fs.to_string();
    assert!(text.contains("rotationConstants 0A141E2832"), "{text}");
    assert!(text.contains("authCounterMax 010000"), "{text}");
    assert!(text.contains("sqnInit 000000001000 000000001001"), "{text}");
}
