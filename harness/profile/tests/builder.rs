//! The profile builder: every built package parses, validates cleanly, round-trips, and the
//! committed vectors/profiles/*.der match a rebuild of their .toml.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rsp_codec::tlv::Tlv;
use rsp_profile::builder::{
    build, build_der, ef_acc, ef_imsi, plmn_bytes, BuildError, ProfileDescription,
};
use rsp_profile::expand::{expand, FileSystem};
use rsp_profile::templates::FileKind;
use rsp_profile::ProfilePackage;
use rstest::rstest;

const MINIMAL: &str = r#"
iccid = "89999000000000000018"
imsi = "001010000000001"
ki = "000102030405060708090A0B0C0D0E0F"
opc = "0F0E0D0C0B0A09080706050403020100"
"#;

fn desc(extra: &str) -> ProfileDescription {
    ProfileDescription::from_toml(&format!("{MINIMAL}\n{extra}")).unwrap()
}

fn assert_clean(d: &ProfileDescription) -> ProfilePackage {
    let pkg = build(d).unwrap();
    let bytes = pkg.encode();
    let again = ProfilePackage::parse(&bytes).unwrap();
    let errors: Vec<String> = again.validate().iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    assert!(
        again.unknowns().is_empty(),
        "unknown fields: {:#?}",
        again.unknowns()
    );
    assert_eq!(again.encode(), bytes, "round trip");
    for pe in again.pes() {
        assert!(pe.kind().is_known());
    }
    let ids: Vec<u16> = again
        .pes()
        .iter()
        .filter_map(|p| p.identification())
        .collect();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(ids.len(), sorted.len(), "identifications unique");
    assert_eq!(again.kinds().first().unwrap(), &"header");
    assert_eq!(again.kinds().get(1).unwrap(), &"mf");
    assert_eq!(again.kinds().last().unwrap(), &"end");
    assert_eq!(build_der(d).unwrap(), bytes, "deterministic");
    again
}

#[rstest]
#[case::minimal("")]
#[case::opt_usim("opt_usim = true\noplmn = [\"001-01\", \"999-123\"]")]
#[case::isim("isim = true\nspn = \"rspcheck\"")]
#[case::everything("opt_usim = true\nisim = true\ngsm_access = true\ndf_5gs = true\nspn = \"Test Net\"\nmnc_length = 3")]
#[case::test_algorithm("algorithm = \"usim-test-algorithm\"\nalgorithm_options = \"02\"")]
#[case::versions("saip_version = \"2.1\"\nprofile_class = \"operational\"\nprofile_type = \"x\"")]
fn builds_clean_packages(#[case] extra: &str) {
    assert_clean(&desc(extra));
}

#[test]
fn tuak_128_and_256() {
    let base = "algorithm = \"tuak\"\nopc = \"000102030405060708090A0B0C0D0E0F000102030405060708090A0B0C0D0E0F\"";
    let text = MINIMAL.replace("opc = \"0F0E0D0C0B0A09080706050403020100\"", base);
    let d = ProfileDescription::from_toml(&text).unwrap();
    let pkg = assert_clean(&d);
    assert!(pkg
        .header()
        .unwrap()
        .mandatory_services
        .contains(&"tuak128".to_owned()));
    let mut d256 = d.clone();
    d256.ki = "11".repeat(32);
    let pkg = assert_clean(&d256);
    assert!(pkg
        .header()
        .unwrap()
        .mandatory_services
        .contains(&"tuak256".to_owned()));
}

#[test]
fn structure_mirrors_the_test_profiles() {
    let pkg = assert_clean(&desc(
        "opt_usim = true\nisim = true\ngsm_access = true\ndf_5gs = true",
    ));
    let kinds: Vec<String> = pkg.kinds().iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds,
        [
            "header",
            "mf",
            "pukCodes",
            "pinCodes",
            "usim",
            "opt-usim",
            "pinCodes",
            "akaParameter",
            "gsm-access",
            "df-5gs",
            "isim",
            "opt-isim",
            "pinCodes",
            "akaParameter",
            "end"
        ]
    );
    let h = pkg.header().unwrap();
    assert_eq!((h.major_version, h.minor_version), (Some(2), Some(3)));
    assert_eq!(h.iccid_digits().as_deref(), Some("89999000000000000018"));
    assert_eq!(h.mandatory_services, ["usim", "isim", "milenage"]);
    assert_eq!(
        h.gfste_list,
        [
            "2.23.143.1.2.1",
            "2.23.143.1.2.4",
            "2.23.143.1.2.5",
            "2.23.143.1.2.7",
            "2.23.143.1.2.13",
            "2.23.143.1.2.8",
            "2.23.143.1.2.9"
        ]
    );
    let (_, usim) = pkg.by_kind("usim").next().unwrap();
    assert_eq!(usim.template_id().as_deref(), Some("2.23.143.1.2.4"));
    let text = pkg.pretty_with(&Default::default());
    assert!(text.contains("A0000000871002FFFFFFFF8900000100"), "{text}");
    // EF.IMSI, EF.ICCID (nibble-swapped) contents.
    let der = hex::encode_upper(pkg.encode());
    assert!(der.contains("8309080910100000000010"), "EF.IMSI content");
    assert!(der.contains("830A98990900000000000081"), "EF.ICCID content");
    // akaParameter: milenage (1), key and opc, no sqn defaults.
    let (_, aka) = pkg.by_kind("akaParameter").next().unwrap();
    let aka_hex = hex::encode_upper(aka.encode());
    assert!(aka_hex.contains("800101810100"), "{aka_hex}");
    assert!(
        !aka_hex.contains("8306"),
        "sqnDelta DEFAULT omitted: {aka_hex}"
    );
}

#[test]
fn file_content_encodings() {
    assert_eq!(
        hex::encode_upper(ef_imsi(&[0, 0, 1, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
        "080910101032547698"
    );
    // Even digit count: parity bit clear, last nibble F, file padded with FF.
    assert_eq!(
        hex::encode_upper(ef_imsi(&[2, 6, 2, 0, 1, 1, 2, 3, 4, 5])),
        "062126102143F5FFFF"
    );
    assert_eq!(plmn_bytes(&[0, 0, 1], &[0, 1]), [0x00, 0xF1, 0x10]);
    assert_eq!(plmn_bytes(&[3, 1, 0], &[2, 6, 0]), [0x13, 0x00, 0x62]);
    assert_eq!(ef_acc(&[0, 0, 1, 0, 1, 5]), [0x00, 0x20]);
    assert_eq!(ef_acc(&[0, 0, 1, 0, 1, 9]), [0x02, 0x00]);
}

#[rstest]
#[case("imsi = \"12345\"", "imsi: must be 6..15 digits")]
#[case("imsi = \"00101000000000A\"", "imsi: must be 6..15 digits")]
#[case("iccid = \"898800000000000001\"", "iccid: must be 19 or 20 digits")]
#[case("ki = \"00\"", "ki: must be 32 hex digits")]
#[case(
    "opc = \"zz0102030405060708090A0B0C0D0E0F\"",
    "opc: must be 32 hex digits"
)]
#[case("pin1 = \"12\"", "pin1: must be 4..8 digits")]
#[case("adm1 = \"1234\"", "adm1: must be 8 digits")]
#[case("spn = \"ü\"", "spn: must be 1..16 characters")]
#[case("csim = true", "csim: ADF.CSIM")]
#[case("df_saip = true", "df_saip:")]
#[case("phonebook = true", "phonebook:")]
#[case("oplmn = [\"001-01\"]", "oplmn: needs opt_usim")]
#[case(
    "opt_usim = true\noplmn = [\"00101\"]",
    "oplmn: \"00101\" must be MCC-MNC"
)]
#[case("saip_version = \"two\"", "saip_version:")]
#[case("pin_attempts = 0", "pin_attempts: must be 1..15")]
#[case("mnc_length = 4", "mnc_length: must be 2 or 3")]
#[case("usim_aid = \"A000000087\"", "usim_aid: must be 7..16 bytes")]
fn errors_name_the_field(#[case] change: &str, #[case] expected: &str) {
    let key = change.split(" =").next().unwrap();
    let text: String = MINIMAL
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} =")))
        .chain(change.lines())
        .collect::<Vec<_>>()
        .join("\n");
    let d = ProfileDescription::from_toml(&text).unwrap();
    let err = build(&d).unwrap_err().to_string();
    assert!(
        err.starts_with(expected) || err.contains(expected),
        "{err} vs {expected}"
    );
}

#[test]
fn unknown_keys_are_rejected() {
    let err = ProfileDescription::from_toml(&format!("{MINIMAL}\nimsi_typo = \"1\"")).unwrap_err();
    assert!(
        matches!(err, BuildError::Toml(ref m) if m.contains("imsi_typo")),
        "{err}"
    );
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/profiles")
}

#[test]
fn committed_vectors_match_their_descriptions() {
    let dir = vectors_dir();
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for toml_path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let d =
            ProfileDescription::from_toml(&std::fs::read_to_string(toml_path).unwrap()).unwrap();
        let der = toml_path.with_extension("der");
        let built = build_der(&d).unwrap();
        if std::env::var_os("RSPCHECK_REGENERATE_PROFILES").is_some() {
            std::fs::write(&der, &built).unwrap();
        }
        let committed = std::fs::read(&der).unwrap_or_else(|e| panic!("{}: {e}", der.display()));
        assert!(
            committed == built,
            "{} drifted from {}",
            der.display(),
            toml_path.display()
        );
        assert_clean(&d);
        n += 1;
    }
    assert!(n >= 3, "expected vector descriptions in {}", dir.display());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn random_descriptions_build_clean(
        imsi in "[0-9]{6,15}",
        iccid in "89[0-9]{17,18}",
        ki in "[0-9A-F]{32}",
        opc in "[0-9A-F]{32}",
        spn in proptest::option::of("[A-Za-z0-9 ]{1,16}"),
        opt_usim: bool, isim: bool, gsm_access: bool, df_5gs: bool,
        algo in 0u8..2,
    ) {
        let mut d = desc("");
        d.imsi = imsi; d.iccid = iccid; d.ki = ki; d.opc = opc; d.spn = spn;
        d.opt_usim = opt_usim; d.isim = isim; d.gsm_access = gsm_access; d.df_5gs = df_5gs;
        if algo == 1 { d.algorithm = rsp_profile::builder::Algorithm::UsimTestAlgorithm; }
        assert_clean(&d);
    }
}

#[test]
fn debug_masks_keys_and_pins() {
    let text = std::fs::read_to_string(vectors_dir().join("usim-isim-full.toml")).unwrap();
    let mut desc = rsp_profile::builder::ProfileDescription::from_toml(&text).unwrap();
    desc.pin1 = Some("4711".into());
    desc.puk1 = Some("87654321".into());
    let shown = format!("{desc:?}");
    for secret in [desc.ki.as_str(), desc.opc.as_str(), "\"4711\"", "87654321"] {
        assert!(!shown.contains(secret), "{secret} in Debug: {shown}");
    }
    assert!(shown.contains(&desc.imsi) && shown.contains("<redacted"));
}

// ------------------------------------------------------------------ access rules

/// The EF.ARR record a node's `securityAttributesReferenced` names, resolved as the reference
/// eUICC does (ISO 7816-4 §9.3 / TS 102 221 §9.2.7): `[record]` alone means `2F06` for the
/// MF, an ADF or a file directly under the MF and `6F06` elsewhere; `FID record` names the
/// EF.ARR, searched in the file's DF (the DF itself for a DF), then upwards to the MF.
/// `Err` says which reference does not resolve.
fn resolve_arr(fs: &FileSystem, i: usize) -> Result<Option<Vec<u8>>, String> {
    let n = &fs.nodes[i];
    let Some(sec) = n.security.as_deref() else {
        return Ok(None);
    };
    let mf = 0;
    let (fid, record) = match sec {
        [r] => {
            let direct = n.kind == FileKind::Adf || i == mf || n.parent == Some(mf);
            (if direct { 0x2F06 } else { 0x6F06 }, *r)
        }
        [a, b, r] => (u16::from_be_bytes([*a, *b]), *r),
        other => return Err(format!("unexpected reference {}", hex::encode_upper(other))),
    };
    let mut dir = if n.kind.is_dir() { Some(i) } else { n.parent };
    while let Some(d) = dir {
        let found = fs.nodes[d]
            .children
            .iter()
            .copied()
            .find(|&c| fs.nodes[c].fid == Some(fid) && fs.nodes[c].kind.is_record());
        if let Some(arr) = found {
            let a = &fs.nodes[arr];
            let len = usize::from(a.record_len.unwrap_or(0));
            let count = a.content.len().checked_div(len).unwrap_or(0);
            let at = fs.fid_path(arr);
            if record == 0 || usize::from(record) > count {
                return Err(format!("record {record} of {at} ({count} records)"));
            }
            let rec = &a.content[(usize::from(record) - 1) * len..usize::from(record) * len];
            if rec.iter().all(|&b| b == 0xFF) {
                return Err(format!("record {record} of {at} is empty"));
            }
            return Ok(Some(rec.to_vec()));
        }
        dir = fs.nodes[d].parent;
    }
    Err(format!("no EF.ARR {fid:04X} above it"))
}

/// Every access-rule reference of the expansion resolves to a non-empty, well-formed EF.ARR
/// record (AM_DO `80` / command-header `84`, then SC_DOs `90` / `A4` / `97`).
fn assert_arr_references_resolve(what: &str, pkg: &ProfilePackage) {
    let fs = expand(pkg).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut problems = Vec::new();
    for i in 0..fs.nodes.len() {
        match resolve_arr(&fs, i) {
            Ok(Some(rec)) => {
                let body: Vec<u8> = rec.iter().copied().take_while(|&b| b != 0xFF).collect();
                let ok = Tlv::parse_all(&body).is_ok_and(|tlvs| {
                    !tlvs.is_empty()
                        && tlvs
                            .iter()
                            .all(|t| [0x80, 0x84, 0x90, 0x97, 0xA4].contains(&t.tag().to_u32()))
                });
                if !ok {
                    problems.push(format!(
                        "{}: malformed record {}",
                        fs.fid_path(i),
                        hex::encode_upper(&rec)
                    ));
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(format!("{} {}: {e}", fs.fid_path(i), fs.nodes[i].name)),
        }
    }
    assert!(problems.is_empty(), "{what}: {problems:#?}");
}

const EVERYTHING: &str =
    "opt_usim = true\nisim = true\ngsm_access = true\ndf_5gs = true\nspn = \"Test Net\"";

#[rstest]
#[case::minimal("")]
#[case::spn("spn = \"rspcheck\"")]
#[case::everything(EVERYTHING)]
fn every_access_rule_reference_resolves(#[case] extra: &str) {
    assert_arr_references_resolve(extra, &assert_clean(&desc(extra)));
}

#[test]
fn every_vector_profile_access_rule_reference_resolves() {
    for entry in std::fs::read_dir(vectors_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let d =
                ProfileDescription::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_arr_references_resolve(&path.display().to_string(), &build(&d).unwrap());
        }
    }
}

/// The rules the built EF.ARRs give the files an ME reads before any PIN (TS 102 221 §13,
/// TS 31.102 §4.2): read always, update by ADM at most.
#[test]
fn files_readable_without_pin_point_at_read_always_rules() {
    let fs = expand(&build(&desc(EVERYTHING)).unwrap()).unwrap();
    let read_always = |path: &str| {
        let i = (0..fs.nodes.len())
            .find(|&i| fs.fid_path(i) == path)
            .unwrap();
        let rec = resolve_arr(&fs, i).unwrap().unwrap();
        assert!(
            hex::encode_upper(&rec).starts_with("8001019000"),
            "{path}: {}",
            hex::encode_upper(&rec)
        );
    };
    for path in [
        "3F00/2FE2",
        "3F00/2F00",
        "3F00/2F05",
        "3F00/7FF0/6F46",
        "3F00/7FF0/6FAD",
        "3F00/7FF0/6FB7",
    ] {
        read_always(path);
    }
}
