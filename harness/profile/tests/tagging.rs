//! Small hand-built PEs: the wire tagging of File/Fcp, akaParameter, pinCodes and the rest.

use rsp_codec::{Tag, Tlv};
use rsp_profile::schema::EUICC_RESPONSE;
use rsp_profile::{PeKind, ProfileElement, ProfilePackage};

fn p(tag: u32, content: &[u8]) -> Tlv {
    Tlv::primitive(Tag::of(tag), content.to_vec())
}
fn c(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(Tag::of(tag), children)
}
fn pe_header(id: u8) -> Tlv {
    c(0xA0, vec![p(0x80, &[]), p(0x81, &[id])])
}
/// OID 2.23.143.1.2.n content.
fn template(n: u8) -> Vec<u8> {
    vec![0x67, 0x81, 0x0F, 0x01, 0x02, n]
}
fn pe(tlv: Tlv) -> ProfileElement {
    ProfileElement::from_tlv(tlv)
}
fn errors(pe: &ProfileElement) -> Vec<String> {
    pe.schema_errors().iter().map(ToString::to_string).collect()
}

/// DF.CD with an EF.LAUNCHPAD `File`: fileDescriptor A1 (Fcp with implicit 8x tags),
/// fillFileOffset 82, fillFileContent 83.
fn cd_pe(file_id: &[u8]) -> Tlv {
    c(
        0xB1,
        vec![
            pe_header(5),
            p(0x81, &template(2)),
            c(
                0xA2,
                vec![c(
                    0xA1,
                    vec![
                        p(0x82, &[0x78, 0x21]),
                        p(0x83, &[0x7F, 0x11]),
                        p(0xC6, &[0x90, 0x01, 0x00, 0x83, 0x01, 0x01]),
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
                            p(0x83, file_id),
                            p(0x8B, &[0x2F, 0x06, 0x01]),
                            p(0x80, &[0x20]),
                            p(0x88, &[]),
                            c(0xA5, vec![p(0xC0, &[0x40]), p(0xC1, &[0xFF])]),
                        ],
                    ),
                    p(0x82, &[0x03]),
                    p(0x83, &[0x01, 0x02]),
                ],
            ),
            c(0xA4, vec![p(0x80, &[])]),
        ],
    )
}

#[test]
fn file_and_fcp_tags() {
    let pe = pe(cd_pe(&[0x6F, 0x01]));
    assert_eq!(pe.kind(), "cd");
    assert_eq!(pe.identification(), Some(5));
    assert!(pe.mandated());
    assert_eq!(pe.template_id().as_deref(), Some("2.23.143.1.2.2"));
    assert!(errors(&pe).is_empty(), "{:?}", errors(&pe));
    assert!(pe.unknown_fields().is_empty());
    let m = pe.message();
    assert_eq!(
        m.get_content("cd.ef-launchpad[0].fileDescriptor.fileID")
            .unwrap(),
        [0x6F, 0x01]
    );
    assert_eq!(
        m.get_content("cd.ef-launchpad[1].fillFileOffset").unwrap(),
        [0x03]
    );
    assert_eq!(
        m.get_content("cd.ef-launchpad[2].fillFileContent").unwrap(),
        [0x01, 0x02]
    );
    assert_eq!(
        m.get_content("cd.ef-launchpad[0].fileDescriptor.proprietaryEFInfo.fillPattern")
            .unwrap(),
        [0xFF]
    );
    assert!(m.get("cd.ef-icon[0].doNotCreate").is_ok());
    let pretty = pe.pretty();
    assert!(pretty.contains("shortEFID [88] = ''"), "{pretty}");
    assert!(pretty.contains("pinStatusTemplateDO [C6]"), "{pretty}");
}

#[test]
fn fcp_violation_names_pe_and_path() {
    let mut bytes = Vec::new();
    for t in [c(0xAA, vec![pe_header(1)]), cd_pe(&[0x6F, 0x01, 0x02])] {
        bytes.extend(t.encode());
    }
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    let errs = pkg.validate();
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert_eq!(
        (e.index, e.kind, e.identification),
        (1, PeKind::Known("cd"), Some(5))
    );
    assert_eq!(e.error.path, "cd.ef-launchpad[0].fileDescriptor.fileID");
    assert!(
        e.to_string().starts_with(
            "pe[1] cd(id 5): cd.ef-launchpad[0].fileDescriptor.fileID: expected 2 bytes, got 3"
        ),
        "{e}"
    );
}

#[test]
fn fcp_fields_out_of_order_are_reported() {
    // efFileSize (80) before fileID (83): DER order violated.
    let tlv = c(
        0xB1,
        vec![
            pe_header(5),
            p(0x81, &template(2)),
            c(
                0xA2,
                vec![c(0xA1, vec![p(0x80, &[0x10]), p(0x83, &[0x7F, 0x11])])],
            ),
        ],
    );
    let errs = errors(&pe(tlv));
    assert!(
        errs.iter()
            .any(|e| e.contains("cd.df-cd[0].fileDescriptor.#83")),
        "{errs:?}"
    );
}

#[test]
fn aka_parameter_explicit_choice() {
    let algo = c(
        0xA1,
        vec![
            p(0x80, &[0x01]),
            p(0x81, &[0x00]),
            p(0x82, &[0x11; 16]),
            p(0x83, &[0x22; 16]),
            p(0x87, &[0x01]),
        ],
    );
    let good = pe(c(
        0xA4,
        vec![
            pe_header(11),
            c(0xA1, vec![algo.clone()]),
            p(0x82, &[0x02]),
            c(0xA5, vec![p(0x04, &[0; 6]); 32]),
        ],
    ));
    assert_eq!(good.kind(), "akaParameter");
    assert!(errors(&good).is_empty(), "{:?}", errors(&good));
    assert_eq!(
        good.message()
            .get_content("akaParameter.algoConfiguration.algoParameter.algorithmID")
            .unwrap(),
        [0x01]
    );
    assert!(good.pretty().contains("algorithmID [80] = 1 (milenage)"));

    // Mapping parameter alternative (A0 inside the explicit A1).
    let mapping = pe(c(
        0xA4,
        vec![
            pe_header(12),
            c(
                0xA1,
                vec![c(
                    0xA0,
                    vec![
                        p(0x80, &[0x01]),
                        p(0x81, &[0xA0, 0, 0, 0, 0x87, 0x10, 0x02]),
                    ],
                )],
            ),
        ],
    ));
    assert!(errors(&mapping).is_empty(), "{:?}", errors(&mapping));

    // The CHOICE without its explicit [1] wrapper is wrong.
    let unwrapped = pe(c(0xA4, vec![pe_header(11), algo]));
    assert!(!errors(&unwrapped).is_empty());

    // sqnInit must hold exactly 32 values.
    let short = pe(c(
        0xA4,
        vec![
            pe_header(11),
            c(
                0xA1,
                vec![c(
                    0xA1,
                    vec![
                        p(0x80, &[3]),
                        p(0x81, &[0]),
                        p(0x82, &[0; 16]),
                        p(0x83, &[0; 16]),
                    ],
                )],
            ),
            c(0xA5, vec![p(0x04, &[0; 6]); 2]),
        ],
    ));
    let errs = errors(&short);
    assert!(
        errs.iter()
            .any(|e| e.starts_with("akaParameter.sqnInit: expected 32 items")),
        "{errs:?}"
    );
}

#[test]
fn pin_and_puk_codes() {
    let pins = pe(c(
        0xA2,
        vec![
            pe_header(2),
            c(
                0xA1,
                vec![c(
                    0xA0,
                    vec![
                        c(
                            0x30,
                            vec![
                                p(0x80, &[0x01]),
                                p(0x81, b"1234\xFF\xFF\xFF\xFF"),
                                p(0x82, &[0x01]),
                                p(0x83, &[0x06]),
                            ],
                        ),
                        c(
                            0x30,
                            vec![p(0x80, &[0x0A]), p(0x81, b"12345678"), p(0x84, &[0x33])],
                        ),
                    ],
                )],
            ),
        ],
    ));
    assert_eq!(pins.kind(), "pinCodes");
    assert!(errors(&pins).is_empty(), "{:?}", errors(&pins));
    let pretty = pins.pretty();
    assert!(pretty.contains("keyReference [80] = 10 (adm1)"), "{pretty}");
    assert!(
        pretty.contains("unblockingPINReference [82] = 1 (pukAppl1)"),
        "{pretty}"
    );

    let shared = pe(c(
        0xA2,
        vec![pe_header(3), c(0xA1, vec![p(0x81, &[0x7F, 0xF1])])],
    ));
    assert!(errors(&shared).is_empty(), "{:?}", errors(&shared));
    assert!(shared.message().get("pinCodes.pinCodes.filePath").is_ok());

    let bad = pe(c(
        0xA2,
        vec![
            pe_header(3),
            c(
                0xA1,
                vec![c(
                    0xA0,
                    vec![c(0x30, vec![p(0x80, &[1]), p(0x81, &[0; 4])])],
                )],
            ),
        ],
    ));
    let errs = errors(&bad);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("pinCodes.pinCodes.pinconfig[0].pinValue: expected 8 bytes"),
        "{errs:?}"
    );

    let puks = pe(c(
        0xA3,
        vec![
            pe_header(4),
            c(
                0xA1,
                vec![c(
                    0x30,
                    vec![
                        p(0x80, &[0x00, 0x81]),
                        p(0x81, &[0x39; 8]),
                        p(0x82, &[0x00, 0xAA]),
                    ],
                )],
            ),
        ],
    ));
    assert!(errors(&puks).is_empty(), "{:?}", errors(&puks));
    assert!(puks
        .pretty()
        .contains("keyReference [80] = 129 (secondPUKAppl1)"));

    // A one-byte 0x81 is -127 in DER, not secondPUKAppl1: shown as such.
    let negative = pe(c(
        0xA3,
        vec![
            pe_header(4),
            c(
                0xA1,
                vec![c(0x30, vec![p(0x80, &[0x81]), p(0x81, &[0x39; 8])])],
            ),
        ],
    ));
    assert!(negative
        .pretty()
        .contains("keyReference [80] = -127 (not a named value)"));
}

#[test]
fn generic_file_management_uses_its_own_choice() {
    let gfm = pe(c(
        0xA1,
        vec![
            pe_header(23),
            c(
                0xA1,
                vec![c(
                    0x30,
                    vec![
                        p(0x80, &[0x7F, 0xF1]),
                        c(
                            0x62,
                            vec![
                                p(0x82, &[0x41, 0x21]),
                                p(0x83, &[0x6F, 0x99]),
                                p(0x80, &[0x04]),
                            ],
                        ),
                        p(0x02, &[0x00]),
                        p(0x81, &[1, 2, 3, 4]),
                    ],
                )],
            ),
        ],
    ));
    assert!(errors(&gfm).is_empty(), "{:?}", errors(&gfm));
    let m = gfm.message();
    assert_eq!(
        m.get_content("genericFileManagement.fileManagementCMD[0][1].createFCP.fileID")
            .unwrap(),
        [0x6F, 0x99]
    );
}

#[test]
fn two_byte_pe_tags_and_unknown_pes() {
    let prose = pe(c(
        0xBF1F,
        vec![pe_header(30), p(0x81, &template(16)), c(0xA2, vec![])],
    ));
    assert_eq!(prose.kind(), "df-5gprose");
    assert!(errors(&prose).is_empty(), "{:?}", errors(&prose));

    let iot = pe(c(
        0xBF20,
        vec![
            pe_header(31),
            p(0x81, &template(17)),
            c(0xA9, vec![]),
            c(0xB2, vec![]),
        ],
    ));
    assert_eq!(iot.kind(), "iot");
    assert!(errors(&iot).is_empty(), "{:?}", errors(&iot));

    // An extension PE: kept, named by tag, its header still read; unknown fields kept too.
    let mut bytes = Vec::new();
    let ext = c(0xBF30, vec![pe_header(40), p(0x81, &[1])]);
    let end = c(0xAA, vec![pe_header(41), p(0x9F70, &[7])]);
    bytes.extend(ext.encode());
    bytes.extend(end.encode());
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    assert_eq!(pkg.kinds()[0], PeKind::Unknown(Tag::of(0xBF30)));
    assert_eq!(pkg.kinds()[0].to_string(), "unknown(BF30)");
    assert_eq!(pkg.kinds()[0], "unknown(BF30)");
    assert_eq!(pkg.get(0).unwrap().identification(), Some(40));
    assert_eq!(
        pkg.unknowns(),
        [
            "pe[0] unknown(BF30)(id 40): #BF30",
            "pe[1] end(id 41): end.#9F70"
        ]
    );
    assert_eq!(pkg.encode(), bytes);
    assert!(pkg.pretty().contains("== pe[0] unknown(BF30)(id 40)"));
}

#[test]
fn header_view() {
    // Digest §7.2 minimal header.
    let bytes = hex::decode(
        "A02D800102810103820178830A89000123456789012341A5048100 8400A61006066781 0F0102010606 67810F010204"
            .replace(' ', ""),
    )
    .unwrap();
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    assert!(pkg.validate().is_empty(), "{:?}", pkg.validate());
    let h = pkg.header().unwrap();
    assert_eq!((h.major_version, h.minor_version), (Some(2), Some(3)));
    assert_eq!(h.profile_type.as_deref(), Some("x"));
    assert_eq!(h.iccid_digits().as_deref(), Some("89000123456789012341"));
    assert_eq!(h.mandatory_services, ["usim", "milenage"]);
    assert_eq!(h.gfste_list, ["2.23.143.1.2.1", "2.23.143.1.2.4"]);
    assert_eq!(pkg.get(0).unwrap().identification(), None);
}

#[test]
fn euicc_response() {
    let tlv = c(
        0x30,
        vec![
            c(
                0xA0,
                vec![c(
                    0x30,
                    vec![p(0x80, &[0x09]), p(0x81, &[0x08]), p(0x83, &[0x10])],
                )],
            ),
            p(0x81, &[]),
            p(0x82, b"template"),
        ],
    );
    let m = rsp_codec::Message::from_tlv(&EUICC_RESPONSE, tlv);
    assert!(m.validate().is_empty(), "{:?}", m.validate());
    assert!(m
        .pretty()
        .contains("status [80] = 9 (template-not-supported)"));
}

#[test]
fn empty_and_truncated_input() {
    assert!(ProfilePackage::parse(&[]).is_err());
    assert!(ProfilePackage::parse(&[0xA0, 0x05, 0x80]).is_err());
}
