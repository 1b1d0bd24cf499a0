//! The four GSMA TS.48 v7 generic test profiles decode completely and re-encode byte for byte.
//!
//! The profiles are read from the shared vector store (never copied into the repo). When they
//! are missing the tests fail under `CI=true` and skip loudly otherwise.

use rsp_profile::{PeKind, ProfilePackage};
use rstest::rstest;

mod common;
use common::{load_ts48 as load, ts48_dir as vectors_dir};

/// PE kinds in order, as listed in the value notation of the full TS.48 v7 profiles.
const FULL: &[&str] = &[
    "header",
    "mf",
    "pukCodes",
    "pinCodes",
    "telecom",
    "pinCodes",
    "genericFileManagement",
    "usim",
    "opt-usim",
    "pinCodes",
    "akaParameter",
    "gsm-access",
    "df-5gs",
    "df-saip",
    "csim",
    "opt-csim",
    "pinCodes",
    "cdmaParameter",
    "isim",
    "opt-isim",
    "pinCodes",
    "akaParameter",
    "genericFileManagement",
    "genericFileManagement",
    "securityDomain",
    "rfm",
    "rfm",
    "rfm",
    "rfm",
    "end",
];

/// The `_NoRAMRFM` variants (no value notation shipped): the full list without the four
/// RAM/RFM application PEs.
fn no_ram_rfm() -> Vec<&'static str> {
    FULL.iter().copied().filter(|k| *k != "rfm").collect()
}

/// Unknown fields we accept, with the reason. Empty: the schema covers every field of the
/// four profiles.
const ALLOWED_UNKNOWN: &[&str] = &[];

/// Kinds named in a value-notation file (`valueN ProfileElement ::= kind : {`), read at test time.
fn kinds_from_value_notation(name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(vectors_dir().join(name)).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once(" ProfileElement ::= "))
            .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_owned())
            .collect(),
    )
}

#[rstest]
#[case::bertlv_suci("BERTLV_SUCI", true, true)]
#[case::bertlv_suci_no_ram_rfm("BERTLV_SUCI_NoRAMRFM", true, false)]
#[case::no_bertlv("NoBERTLV", false, true)]
#[case::no_bertlv_no_ram_rfm("NoBERTLV_NoRAMRFM", false, false)]
fn ts48_profile_decodes_completely(#[case] name: &str, #[case] ber_tlv: bool, #[case] rfm: bool) {
    let Some(bytes) = load(&format!("{name}.der")) else {
        return;
    };
    let pkg = ProfilePackage::parse(&bytes).expect("TLV layer parses");

    // Byte-identical re-encoding.
    assert_eq!(pkg.encode(), bytes, "{name}: re-encoding differs");

    // Every PE known, in the expected order.
    let kinds: Vec<String> = pkg.kinds().iter().map(PeKind::to_string).collect();
    assert!(
        pkg.kinds().iter().all(PeKind::is_known),
        "{name}: {kinds:?}"
    );
    let expected: Vec<&str> = if rfm { FULL.to_vec() } else { no_ram_rfm() };
    assert_eq!(kinds, expected, "{name}: PE kinds");
    if let Some(from_txt) = kinds_from_value_notation(&format!("{name}.txt")) {
        assert_eq!(
            kinds, from_txt,
            "{name}: PE kinds differ from the value notation"
        );
    }

    // Zero schema errors, zero unknown fields.
    let errors: Vec<String> = pkg.validate().iter().map(ToString::to_string).collect();
    assert!(
        errors.is_empty(),
        "{name}: {} schema errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    let unknown: Vec<String> = pkg
        .unknowns()
        .into_iter()
        .filter(|u| !ALLOWED_UNKNOWN.iter().any(|a| u.contains(a)))
        .collect();
    assert!(
        unknown.is_empty(),
        "{name}: unknown fields:\n{}",
        unknown.join("\n")
    );

    // Header values.
    let h = pkg.header().expect("header PE");
    assert_eq!(pkg.kinds()[0], "header");
    assert_eq!((h.major_version, h.minor_version), (Some(2), Some(3)));
    assert_eq!(
        h.profile_type.as_deref(),
        Some("GSMA Generic eUICC Test Profile")
    );
    assert_eq!(h.iccid_digits().as_deref(), Some("89000123456789012341"));
    assert_eq!(h.gfste_list.len(), 11);
    assert_eq!(h.gfste_list[0], "2.23.143.1.2.1");
    assert!(h.gfste_list.iter().all(|o| o.starts_with("2.23.143.1.2.")));
    for s in [
        "usim",
        "isim",
        "csim",
        "usim-test-algorithm",
        "get-identity",
    ] {
        assert!(
            h.mandatory_services.iter().any(|m| m == s),
            "{name}: service {s}"
        );
    }
    assert_eq!(
        h.mandatory_services.iter().any(|m| m == "ber-tlv"),
        ber_tlv,
        "{name}: ber-tlv"
    );

    // Every PE but the header carries a unique identification.
    let mut ids: Vec<u16> = pkg.pes()[1..]
        .iter()
        .map(|p| p.identification().expect("identification"))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "{name}: duplicate identifications");

    // Template PEs name their template; the pretty printer has one heading per PE.
    let (_, usim) = pkg.by_kind("usim").next().expect("usim PE");
    assert_eq!(usim.template_id().as_deref(), Some("2.23.143.1.2.4"));
    let pretty = pkg.pretty();
    assert_eq!(
        pretty.lines().filter(|l| l.starts_with("== pe[")).count(),
        pkg.len()
    );
    assert!(pretty.contains("algorithmID [80] = 3 (usim-test-algorithm)"));
}

#[test]
fn ts48_edit_is_reported_with_pe_and_path() {
    let Some(bytes) = load("NoBERTLV.der") else {
        return;
    };
    let mut pkg = ProfilePackage::parse(&bytes).unwrap();
    let (i, _) = pkg.by_kind("usim").next().unwrap();
    let pe = &mut pkg.pes_mut()[i];
    let id = pe.identification().unwrap();
    // Break the size constraint of the USIM AID (dfName, 5..16 bytes).
    pe.message_mut()
        .set_tlv(
            "usim.adf-usim[0].fileDescriptor.dfName",
            rsp_codec::Tlv::primitive(rsp_codec::Tag::of(0x84), vec![0xA0; 4]),
        )
        .expect("path resolves");
    let errors = pkg.validate();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let msg = errors[0].to_string();
    let want = format!("pe[{i}] usim(id {id}): usim.adf-usim[0].fileDescriptor.dfName: ");
    assert!(msg.starts_with(&want), "{msg}");
    assert_ne!(pkg.encode(), bytes);
}

#[test]
fn renderings_mask_keys_and_pins() {
    let Some(bytes) = load("BERTLV_SUCI.der") else {
        return;
    };
    let p = ProfilePackage::parse(&bytes).unwrap();
    let text = p.pretty();
    for field in ["key", "opc", "pinValue", "pukValue"] {
        assert!(
            text.contains(&format!("{field} [")),
            "{field} not rendered at all"
        );
    }
    for line in text.lines() {
        let t = line.trim_start();
        if ["key [", "opc [", "pinValue [", "pukValue ["]
            .iter()
            .any(|p| t.starts_with(p))
        {
            assert!(t.contains("<redacted"), "secret shown: {t}");
        }
    }
    let shown = p.pretty_with(&rsp_codec::named::PrettyOptions {
        redact_secrets: false,
        ..Default::default()
    });
    assert!(!shown.contains("opc [80] = <redacted") && shown.contains("opc ["));
}
