//! File-system expansion of the TS.48 v7 test profiles, robustness and size bounds.

use proptest::prelude::*;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_profile::expand::{expand, ExpandError};
use rsp_profile::{ProfileElement, ProfilePackage};

/// Records the largest single allocation made on the current thread, so a test can show that
/// a huge declared size is refused before any buffer of that size exists.
struct PeakAlloc;

thread_local! {
    static PEAK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = PEAK.try_with(|p| p.set(p.get().max(layout.size())));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let _ = PEAK.try_with(|p| p.set(p.get().max(new_size)));
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

const PROFILES: &[&str] = &[
    "BERTLV_SUCI",
    "BERTLV_SUCI_NoRAMRFM",
    "NoBERTLV",
    "NoBERTLV_NoRAMRFM",
];

mod common;

/// The profile bytes; `None` (loudly) when the vectors are absent, a failure under CI.
fn load(name: &str) -> Option<Vec<u8>> {
    common::load_ts48(&format!("{name}.der"))
}

#[test]
fn ts48_profiles_expand_and_snapshot() {
    for name in PROFILES {
        let Some(bytes) = load(name) else { continue };
        let pkg = ProfilePackage::parse(&bytes).unwrap();
        let fs = expand(&pkg).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Deterministic and comparable.
        assert_eq!(fs, expand(&pkg).unwrap());
        // Structure only: the TS.48 content is licensed for internal testing and must not be
        // reproduced in the repository; contents appear as length + digest. Content values are
        // checked by assertion in ts48_contents_match_the_value_notation.
        let text = format!("{fs:#}");
        assert!(
            !text.contains("98001032547698103214"),
            "content leaked into the snapshot"
        );
        insta::assert_snapshot!(format!("ts48_{name}"), text);
    }
}

#[test]
fn ts48_contents_match_the_value_notation() {
    let Some(bytes) = load("BERTLV_SUCI") else {
        return;
    };
    let fs = expand(&ProfilePackage::parse(&bytes).unwrap()).unwrap();
    let iccid = fs.get("MF/EF.ICCID").unwrap();
    assert_eq!(hex::encode_upper(&iccid.content), "98001032547698103214");
    assert_eq!(iccid.fid, Some(0x2FE2));
    assert_eq!(iccid.sfi, Some(0x02));
    let imsi = fs.get_by_fids("3F00/7FD0/6F07").unwrap();
    assert_eq!(imsi.name, "EF.IMSI");
    assert_eq!(imsi.size, 9);
    let ad = fs.get("MF/ADF.USIM/EF.AD").unwrap();
    assert_eq!(ad.size, ad.content.len());
    let ust = fs.get("MF/ADF.USIM/EF.UST").unwrap();
    assert!(!ust.content.is_empty());
    // EF.PL: fillPattern 656EFF over 6 bytes.
    assert_eq!(
        hex::encode_upper(&fs.get("MF/EF.PL").unwrap().content),
        "656EFFFFFFFF"
    );
    // EF.DIR: records written with relative seeks.
    let dir = fs.get("MF/EF.DIR").unwrap();
    assert_eq!(dir.record_len, Some(0x21));
    assert_eq!(&dir.content[33..35], &[0x61, 0x14]);
    // Secrets never rendered.
    let text = fs.to_string();
    assert!(text.contains("<redacted"));
    for p in &fs.pins {
        if !p.value.0.is_empty() {
            assert!(!text.contains(&hex::encode_upper(&p.value.0)));
        }
    }
}

fn file_pe(tag: u32, id: i64, oid: &[u8], files: Vec<Tlv>) -> Tlv {
    let mut children = vec![
        Tlv::constructed(
            Tag::of(0xA0),
            vec![Tlv::primitive(
                Tag::of(0x81),
                rsp_codec::der::encode_integer(id),
            )],
        ),
        Tlv::primitive(Tag::of(0x81), oid.to_vec()),
    ];
    children.extend(files);
    Tlv::constructed(Tag::of(tag), children)
}

fn minimal_mf(ef_pl_items: Vec<Tlv>) -> ProfilePackage {
    let oid = rsp_codec::der::encode_oid("2.23.143.1.2.1").unwrap();
    let dir_fcp = Tlv::constructed(
        Tag::of(0xA1),
        vec![
            Tlv::primitive(Tag::of(0x82), vec![0x42, 0x21, 0x00, 0x10]),
            Tlv::primitive(Tag::of(0x80), vec![0x20]),
        ],
    );
    let mf = file_pe(
        0xB0,
        1,
        &oid,
        vec![
            Tlv::constructed(Tag::of(0xA2), vec![]),
            Tlv::constructed(Tag::of(0xA3), ef_pl_items),
            Tlv::constructed(
                Tag::of(0xA4),
                vec![Tlv::primitive(Tag::of(0x83), vec![0x98; 10])],
            ),
            Tlv::constructed(Tag::of(0xA5), vec![dir_fcp.clone()]),
            Tlv::constructed(Tag::of(0xA6), vec![dir_fcp]),
        ],
    );
    ProfilePackage::from_pes(vec![ProfileElement::from_tlv(mf)])
}

#[test]
fn minimal_mf_defaults() {
    let fs = expand(&minimal_mf(vec![])).unwrap();
    assert_eq!(fs.get("MF/EF.PL").unwrap().content, vec![0xFF, 0xFF]);
    assert_eq!(fs.get("MF/EF.UMPC").unwrap().size, 5);
    assert_eq!(fs.get("MF/EF.DIR").unwrap().content.len(), 32);
}

#[test]
fn huge_declared_size_is_an_error_without_allocation() {
    for size in [
        vec![0x7F, 0xFF, 0xFF, 0xFF],
        vec![0xFF; 12],
        vec![0x10, 0x00, 0x01],
    ] {
        let fcp = Tlv::constructed(Tag::of(0xA1), vec![Tlv::primitive(Tag::of(0x80), size)]);
        let pkg = minimal_mf(vec![fcp]);
        PEAK.with(|p| p.set(0));
        let err = expand(&pkg).unwrap_err();
        let peak = PEAK.with(|p| p.get());
        assert!(matches!(err, ExpandError::TooLarge { .. }), "{err}");
        assert!(peak < 64 * 1024, "largest allocation {peak} bytes");
    }
}

#[test]
fn unknown_template_names_pe_and_oid() {
    let oid = rsp_codec::der::encode_oid("2.23.143.1.2.99").unwrap();
    let pe = file_pe(0xB0, 7, &oid, vec![Tlv::constructed(Tag::of(0xA2), vec![])]);
    let err = expand(&ProfilePackage::from_pes(vec![ProfileElement::from_tlv(
        pe,
    )]))
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("2.23.143.1.2.99") && msg.contains("mf(id 7)"),
        "{msg}"
    );
}

#[test]
fn fill_beyond_the_end_is_an_error() {
    let items = vec![
        Tlv::primitive(Tag::of(0x82), vec![0x01]),
        Tlv::primitive(Tag::of(0x83), vec![1, 2]),
    ];
    assert!(matches!(
        expand(&minimal_mf(items)).unwrap_err(),
        ExpandError::FillOutOfRange { .. }
    ));
}

fn mutate(bytes: &mut [u8], edits: &[(usize, u8)]) {
    if bytes.is_empty() {
        return;
    }
    for &(pos, v) in edits {
        let n = bytes.len();
        bytes[pos % n] = v;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn expansion_of_mutated_profiles_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), which in 0usize..2) {
        let mut bytes = if which == 0 { minimal_mf(vec![]).encode() } else { load("NoBERTLV").unwrap_or_else(|| minimal_mf(vec![]).encode()) };
        mutate(&mut bytes, &edits);
        if let Ok(pkg) = ProfilePackage::parse(&bytes) {
            let _ = expand(&pkg).map(|fs| fs.to_string());
        }
    }

    #[test]
    fn expansion_of_random_pes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(pkg) = ProfilePackage::parse(&bytes) {
            let _ = expand(&pkg).map(|fs| fs.to_string());
        }
    }
}
