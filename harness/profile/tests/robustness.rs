//! Random bytes and random mutations of a small built profile never panic the package layer.

use proptest::prelude::*;
use rsp_codec::{Tag, Tlv};
use rsp_profile::ProfilePackage;

fn p(tag: u32, content: &[u8]) -> Tlv {
    Tlv::primitive(Tag::of(tag), content.to_vec())
}
fn c(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(Tag::of(tag), children)
}
fn hdr(id: u8) -> Tlv {
    c(0xA0, vec![p(0x80, &[]), p(0x81, &[id])])
}

/// header, mf-less DF.CD with one file, pinCodes, akaParameter, end.
fn small_profile() -> Vec<u8> {
    let oid = |n: u8| vec![0x67, 0x81, 0x0F, 0x01, 0x02, n];
    let pes = [
        c(
            0xA0,
            vec![
                p(0x80, &[2]),
                p(0x81, &[3]),
                p(
                    0x83,
                    &[0x89, 0, 0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x23, 0x41],
                ),
                c(0xA5, vec![p(0x81, &[]), p(0x91, &[])]),
                c(0xA6, vec![p(0x06, &oid(2))]),
            ],
        ),
        c(
            0xB1,
            vec![
                hdr(1),
                p(0x81, &oid(2)),
                c(
                    0xA2,
                    vec![c(
                        0xA1,
                        vec![
                            p(0x82, &[0x78, 0x21]),
                            p(0x83, &[0x7F, 0x11]),
                            p(0xC6, &[0x90, 0x01, 0x00]),
                        ],
                    )],
                ),
                c(
                    0xA3,
                    vec![
                        c(
                            0xA1,
                            vec![
                                p(0x82, &[0x41, 0x21]),
                                p(0x83, &[0x6F, 0x01]),
                                p(0x80, &[0x10]),
                                c(0xA5, vec![p(0xC1, &[0xFF])]),
                            ],
                        ),
                        p(0x82, &[0x02]),
                        p(0x83, &[0xAA, 0xBB]),
                    ],
                ),
            ],
        ),
        c(
            0xA2,
            vec![
                hdr(2),
                c(
                    0xA1,
                    vec![c(
                        0xA0,
                        vec![c(
                            0x30,
                            vec![p(0x80, &[1]), p(0x81, b"1234\xFF\xFF\xFF\xFF")],
                        )],
                    )],
                ),
            ],
        ),
        c(
            0xA4,
            vec![
                hdr(3),
                c(
                    0xA1,
                    vec![c(
                        0xA1,
                        vec![
                            p(0x80, &[1]),
                            p(0x81, &[0]),
                            p(0x82, &[0x11; 16]),
                            p(0x83, &[0x22; 16]),
                        ],
                    )],
                ),
            ],
        ),
        c(0xAA, vec![hdr(4)]),
    ];
    pes.iter().flat_map(Tlv::encode).collect()
}

/// Everything a caller may do with a parsed package.
fn exercise(bytes: &[u8]) {
    if let Ok(pkg) = ProfilePackage::parse(bytes) {
        assert_eq!(pkg.encode(), bytes, "lossless re-encoding");
        let _ = pkg.validate().iter().map(ToString::to_string).count();
        let _ = pkg.unknowns();
        let _ = pkg.header().map(|h| h.iccid_digits());
        let _ = pkg.pretty();
        for pe in pkg.pes() {
            let _ = (
                pe.kind().to_string(),
                pe.identification(),
                pe.template_id(),
                pe.mandated(),
            );
        }
    }
}

#[test]
fn small_profile_is_valid() {
    let bytes = small_profile();
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    assert!(pkg.validate().is_empty(), "{:?}", pkg.validate());
    assert!(pkg.unknowns().is_empty(), "{:?}", pkg.unknowns());
    assert_eq!(pkg.len(), 5);
    assert_eq!(pkg.encode(), bytes);
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Xor(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Xor(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let n = bytes.len();
    match *m {
        Mutation::Set(i, b) => bytes[i % n] = b,
        Mutation::Xor(i, b) => bytes[i % n] ^= b,
        Mutation::Insert(i, b) => bytes.insert(i % (n + 1), b),
        Mutation::Remove(i) => {
            bytes.remove(i % n);
        }
        Mutation::Truncate(i) => bytes.truncate(i % n),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_profile_never_panics(muts in proptest::collection::vec(mutation(), 1..6)) {
        let mut bytes = small_profile();
        for m in &muts {
            apply(&mut bytes, m);
        }
        exercise(&bytes);
    }
}
