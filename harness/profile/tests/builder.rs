//! The profile builder: every built package parses, validates cleanly, round-trips, and the
//! committed vectors/profiles/*.der match a rebuild of their .toml.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rsp_codec::tlv::Tlv;
use rsp_profile::builder::{
    build, build_der, ef_acc, ef_imsi, plmn_bytes, BuildError, ProfileDescription,
};
use rsp_profile::expand::{expand, FileSystem};
use rsp_profile::lint::{lint, Severity};
use rsp_profile::templates::FileKind;
use rsp_profile::variants::{check_equivalent, variants};
use rsp_profile::ProfilePackage;
use rstest::rstest;

mod common;
use common::MINIMAL_DESCRIPTION as MINIMAL;

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
#[case("df_saip = true", "df_saip: needs df_5gs = true")]
#[case("phonebook_records = 5", "phonebook_records: needs phonebook = true")]
#[case(
    "phonebook = true\nphonebook_records = 0",
    "phonebook_records: must be 1..250"
)]
#[case("telecom_version = 2", "telecom_version: needs telecom = true")]
#[case(
    "telecom = true\ntelecom_version = 3",
    "telecom_version: must be 1 or 2"
)]
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

// ------------------------------------------------------------------ optional parts

const SD: &str = r#"
[[security_domain]]
aid = "A000000151000001"
enc = "404142434445464748494A4B4C4D4E4F"
mac = "505152535455565758595A5B5C5D5E5F"
dek = "606162636465666768696A6B6C6D6E6F"
"#;

const RFM: &str = r#"
[[rfm]]
instance_aid = "A00000055910100001"
tar = ["B00120"]
[[rfm]]
instance_aid = "A00000055910100002"
security_domain_aid = "A000000151000001"
tar = ["B00140", "B00141"]
minimum_security_level = "12"
adf = "usim"
"#;

const APP: &str = r#"
[[application]]
package_aid = "F0000000010001"
load_block = "DECAFFED0102030405060708090A0B0C0D0E0F"
hash = "0102030405060708090A0B0C0D0E0F1011121314"
[[application.instance]]
class_aid = "F000000001000101"
instance_aid = "F000000001000101"
install_parameters = "C900"
toolkit_parameters = "0100000000"
[[application]]
package_aid = "A0000000871005"
[[application.instance]]
class_aid = "A000000087100501"
instance_aid = "A000000087100502"
privileges = "00"
life_cycle_state = "0F"
"#;

/// Plain keys first: TOML puts keys after a `[[table]]` into that table.
const FS_PARTS: &str = "telecom = true\nphonebook = true\ndf_5gs = true\ndf_saip = true";

fn full_with(extra: &str) -> String {
    format!("{EVERYTHING}\ntelecom = true\ntelecom_version = 2\nphonebook = true\ndf_saip = true\n{extra}")
}

/// Built, clean, lint-clean, expands, every access reference resolves, every variant is
/// equivalent to the source.
fn assert_complete(what: &str, d: &ProfileDescription) -> ProfilePackage {
    let pkg = assert_clean(d);
    let findings = lint(&pkg);
    assert!(
        findings.iter().all(|f| f.severity < Severity::Error),
        "{what}: lint errors {:#?}",
        findings.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    // The header agrees with the parts (services, template versions); the only warning left
    // is the builder's deliberate one-octet efFileSize (variants give the two-byte form).
    let warnings: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning && f.rule.id() != "SAIP-COMPAT-001")
        .map(ToString::to_string)
        .collect();
    assert!(warnings.is_empty(), "{what}: {warnings:#?}");
    assert_arr_references_resolve(what, &pkg);
    let set = variants(&pkg);
    assert!(!set.variants.is_empty(), "{what}: no variants");
    for v in &set.variants {
        let again = ProfilePackage::parse(&v.package.encode()).unwrap();
        assert!(again.validate().is_empty(), "{what}/{}", v.name);
        check_equivalent(&pkg, &again).unwrap_or_else(|e| panic!("{what}/{}: {e}", v.name));
    }
    pkg
}

#[rstest]
#[case::telecom("telecom = true", &["telecom"])]
#[case::telecom_v2("telecom = true\ntelecom_version = 2", &["telecom"])]
#[case::phonebook("phonebook = true\nphonebook_records = 20", &["phonebook"])]
#[case::df_saip("df_5gs = true\ndf_saip = true", &["df-5gs", "df-saip"])]
#[case::fs_parts(FS_PARTS, &["telecom", "df-5gs", "df-saip", "phonebook"])]
#[case::security_domain(SD, &["securityDomain"])]
#[case::security_domain_des(&format!("{SD}key_type = \"des\"\nkey_version = 1\nprivileges = \"80C000\""), &["securityDomain"])]
#[case::rfm(&format!("{SD}{RFM}"), &["securityDomain", "rfm", "rfm"])]
#[case::rfm_isim(&format!("isim = true\n{RFM}").replace("adf = \"usim\"", "adf = \"isim\"\nadf_access_domain = \"01\""), &["isim", "rfm", "rfm"])]
#[case::applications(APP, &["application", "application"])]
#[case::everything(&full_with(&format!("{SD}{RFM}{APP}")), &["telecom", "df-saip", "phonebook", "securityDomain", "rfm", "application"])]
fn optional_parts_build_complete_packages(#[case] extra: &str, #[case] kinds: &[&str]) {
    let pkg = assert_complete(extra, &desc(extra));
    let have: Vec<String> = pkg.kinds().iter().map(ToString::to_string).collect();
    for k in kinds {
        assert!(have.iter().any(|h| h == k), "{k} missing in {have:?}");
    }
    // Off by default: the minimal description has none of them.
    let minimal: Vec<String> = build(&desc(""))
        .unwrap()
        .kinds()
        .iter()
        .map(ToString::to_string)
        .collect();
    for k in kinds.iter().filter(|k| **k != "df-5gs" && **k != "isim") {
        assert!(
            !minimal.iter().any(|h| h == k),
            "{k} in the minimal profile"
        );
    }
}

#[test]
fn optional_parts_sit_where_the_test_profiles_have_them() {
    let pkg = build(&desc(&full_with(&format!("{SD}{RFM}{APP}")))).unwrap();
    let kinds: Vec<String> = pkg.kinds().iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds,
        [
            "header",
            "mf",
            "pukCodes",
            "pinCodes",
            "telecom",
            "usim",
            "opt-usim",
            "pinCodes",
            "akaParameter",
            "gsm-access",
            "df-5gs",
            "df-saip",
            "phonebook",
            "isim",
            "opt-isim",
            "pinCodes",
            "akaParameter",
            "securityDomain",
            "rfm",
            "rfm",
            "application",
            "application",
            "end"
        ]
    );
    let h = pkg.header().unwrap();
    assert_eq!(
        h.gfste_list,
        [
            "2.23.143.1.2.1",
            "2.23.143.1.2.3.2",
            "2.23.143.1.2.4",
            "2.23.143.1.2.5",
            "2.23.143.1.2.7",
            "2.23.143.1.2.13",
            "2.23.143.1.2.14",
            "2.23.143.1.2.6",
            "2.23.143.1.2.8",
            "2.23.143.1.2.9"
        ]
    );
    let fs = expand(&pkg).unwrap();
    for path in [
        "3F00/7F10/6F06",
        "3F00/7F10/6FE0",
        "3F00/7FF0/5FD0/4F01",
        "3F00/7FF0/5F3A/4F30",
        "3F00/7FF0/5F3A/4F58",
    ] {
        assert!(fs.get_by_fids(path).is_some(), "{path} not created:\n{fs}");
    }
    let adn = fs.get_by_fids("3F00/7FF0/5F3A/4F58").unwrap();
    assert_eq!(
        (adn.record_len, adn.sfi, adn.size),
        (Some(28), Some(1), 280)
    );
    let pbr = &fs.get_by_fids("3F00/7FF0/5F3A/4F30").unwrap().content;
    assert_eq!(hex::encode_upper(&pbr[..7]), "A805C0034F5801");
    let suci = &fs.get_by_fids("3F00/7FF0/5FD0/4F01").unwrap().content;
    assert_eq!(hex::encode_upper(&suci[..4]), "A0020000");
    // UST: local phonebook (1), SUCI services (124, 125).
    let ust = &fs.get_by_fids("3F00/7FF0/6F38").unwrap().content;
    assert_eq!(ust[0] & 0x01, 0x01);
    assert_eq!(ust[15] & 0x18, 0x18, "{}", hex::encode_upper(ust));
    // The SUCI file is the eUICC's: ADM only.
    let i = (0..fs.nodes.len())
        .find(|&i| fs.fid_path(i) == "3F00/7FF0/5FD0/4F01")
        .unwrap();
    let rec = resolve_arr(&fs, i).unwrap().unwrap();
    assert!(hex::encode_upper(&rec).starts_with("80017FA40683010A950108"));
}

#[test]
fn security_domain_rfm_and_application_encodings() {
    let pkg = build(&desc(&format!("{SD}{RFM}{APP}"))).unwrap();
    let (_, sd) = pkg.by_kind("securityDomain").next().unwrap();
    let sd_hex = hex::encode_upper(sd.encode());
    // Instance: GP SD package and module, the AID, privileges, personalized, empty C9.
    assert!(
        sd_hex.contains(
            "4F07A00000015153504F08A0000001515350414F08A000000151000001820380000083010FC900"
        ),
        "{sd_hex}"
    );
    // ENC key: usage 18, id 01, version 30, AES component; keyAccess/macLength DEFAULTs omitted.
    assert!(
        sd_hex.contains("302295011882010183013030173015800188861040414243"),
        "{sd_hex}"
    );
    let rfm: Vec<String> = pkg
        .by_kind("rfm")
        .map(|(_, r)| hex::encode_upper(r.encode()))
        .collect();
    assert!(
        rfm[0].ends_with("4F09A00000055910100001A0050403B00120810102040100040100"),
        "{}",
        rfm[0]
    );
    assert!(
        rfm[1].ends_with("A00A0403B001400403B0014181011204010004010030188010A0000000871002FFFFFFFF8900000100810100820100"),
        "{}",
        rfm[1]
    );
    let apps: Vec<String> = pkg
        .by_kind("application")
        .map(|(_, a)| hex::encode_upper(a.encode()))
        .collect();
    assert!(
        apps[0].contains("A1344F07F0000000010001C114"),
        "{}",
        apps[0]
    );
    assert!(apps[0].contains("C413DECAFFED"), "{}", apps[0]);
    assert!(apps[0].contains("EA07800501000000"), "{}", apps[0]);
    assert!(!apps[1].contains("A1"), "no load block: {}", apps[1]);
    assert!(apps[1].contains("82010083010FC900"), "{}", apps[1]);
}

#[rstest]
#[case(SD.replace("A000000151000001", "A0"), "security_domain[0].aid: must be hex of 5..16 bytes")]
#[case(SD.replace("404142434445464748494A4B4C4D4E4F", "4041"), "security_domain[0].enc: must be 32 or 48 or 64 hex digits")]
#[case(format!("{SD}key_type = \"des\"\n").replace("606162636465666768696A6B6C6D6E6F", &"60".repeat(32)), "security_domain[0].dek: must be 32 hex digits")]
#[case(format!("{SD}key_version = 0"), "security_domain[0].key_version: must be 1..127")]
#[case(format!("{SD}privileges = \"8000\""), "security_domain[0].privileges: must be 2 or 6 hex digits")]
#[case(format!("{SD}{SD}"), "security_domain[1].aid: AID A000000151000001 is already used by security_domain[0].aid")]
#[case(RFM.replace("tar = [\"B00120\"]", "tar = []"), "rfm[0].tar: needs at least one TAR")]
#[case(RFM.replace("\"B00141\"", "\"B001\""), "rfm[1].tar[1]: must be 6 hex digits")]
#[case(RFM.replace("\"B00141\"", "\"B00120\""), "rfm[1].tar[1]: TAR B00120 is already used by rfm[0].tar[0]")]
#[case(RFM.replace("adf = \"usim\"", "adf = \"csim\""), "rfm[1].adf: must be \"usim\", \"isim\" or an AID")]
#[case(RFM.replace("adf = \"usim\"", "adf = \"isim\""), "rfm[1].adf: \"isim\" needs isim = true")]
#[case(RFM.replace("adf = \"usim\"", "adf_access_domain = \"00\""), "rfm[1].adf_access_domain: needs adf")]
#[case(RFM.replace("minimum_security_level = \"12\"", "minimum_security_level = \"1212\""), "rfm[1].minimum_security_level: must be 2 hex digits")]
#[case(format!("{SD}{RFM}").replace("A00000055910100002", "A000000151000001"), "rfm[1].instance_aid: AID A000000151000001 is already used by security_domain[0].aid")]
#[case("[[application]]\npackage_aid = \"A0000000871005\"".to_owned(), "application[0]: needs load_block or at least one")]
#[case(APP.replace("DECAFFED", "DECAFFEZ"), "application[0].load_block: must be hex")]
#[case(APP.replace("A000000087100502", "F000000001000101"), "application[1].instance[0].instance_aid: AID F000000001000101 is already used by application[0].instance[0].instance_aid")]
#[case(APP.replace("life_cycle_state = \"0F\"", "life_cycle_state = \"\""), "application[1].instance[0].life_cycle_state: must be 2 hex digits")]
#[case(APP.replace("[[application]]\npackage_aid = \"A0000000871005\"", "[[application]]\npackage_aid = \"A0000000871005\"\nhash = \"00\""), "application[1].hash: needs load_block")]
fn bad_parts_name_the_key(#[case] extra: String, #[case] expected: &str) {
    let text = format!("{MINIMAL}\n{SD_PREFIX}{extra}");
    let err = match ProfileDescription::from_toml(&text).map(|d| build(&d)) {
        Ok(Ok(_)) => panic!("built, expected {expected}"),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    assert!(err.starts_with(expected), "{err}\n  vs {expected}");
}
/// Keys that must come before any table (none needed today).
const SD_PREFIX: &str = "";

#[test]
fn unknown_keys_inside_parts_are_rejected() {
    let err = ProfileDescription::from_toml(&format!("{MINIMAL}{SD}kvn = 1")).unwrap_err();
    assert!(err.to_string().contains("kvn"), "{err}");
    let err = ProfileDescription::from_toml(&format!("{MINIMAL}{RFM}tars = []")).unwrap_err();
    assert!(err.to_string().contains("tars"), "{err}");
}

#[test]
fn debug_masks_security_domain_keys() {
    let d = desc(SD);
    let shown = format!("{d:?}");
    for key in [
        &d.security_domain[0].enc,
        &d.security_domain[0].mac,
        &d.security_domain[0].dek,
    ] {
        assert!(!shown.contains(key.as_str()), "{key} in Debug: {shown}");
    }
    assert!(shown.contains("A000000151000001") && shown.contains("<redacted, 32 chars>"));
    // And the TOML round trip keeps every part.
    let again = ProfileDescription::from_toml(&desc(&format!("{SD}{RFM}{APP}")).to_toml()).unwrap();
    assert_eq!(again, desc(&format!("{SD}{RFM}{APP}")));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// TOML → package → decode → the description's values back: SD keys and AID, RFM TARs,
    /// application instance AIDs, EF.ADN record count.
    #[test]
    fn optional_parts_round_trip(
        sd_aid in "A0([0-9A-F]{2}){4,14}",
        keys in proptest::collection::vec("[0-9A-F]{32}", 3),
        kvn in 1u8..=127,
        tars in proptest::collection::btree_set("B0[0-9A-F]{4}", 1..4),
        instances in proptest::collection::btree_set("F1([0-9A-F]{2}){5,14}", 1..4),
        records in 1u8..=250,
        load_block in proptest::option::of("([0-9A-F]{2}){1,64}"),
    ) {
        let tars: Vec<String> = tars.into_iter().collect();
        let mut d = desc(&format!("phonebook = true\nphonebook_records = {records}"));
        d.security_domain.push(ProfileDescription::from_toml(&format!(
            "{MINIMAL}[[security_domain]]\naid = \"{sd_aid}\"\nenc = \"{}\"\nmac = \"{}\"\ndek = \"{}\"\nkey_version = {kvn}",
            keys[0], keys[1], keys[2]
        )).unwrap().security_domain.remove(0));
        let inst: Vec<String> = instances.iter().map(|i| format!(
            "[[application.instance]]\nclass_aid = \"{i}\"\ninstance_aid = \"{i}\"\n"
        )).collect();
        let lb = load_block.as_ref().map_or(String::new(), |b| format!("load_block = \"{b}\"\n"));
        let more = ProfileDescription::from_toml(&format!(
            "{MINIMAL}[[rfm]]\ninstance_aid = \"A00000055910100001\"\ntar = {tars:?}\n[[application]]\npackage_aid = \"F0000000010001\"\n{lb}{}",
            inst.concat()
        )).unwrap();
        d.rfm = more.rfm;
        d.application = more.application;
        let pkg = assert_clean(&d);
        let fs = expand(&pkg).unwrap();
        let sd = &fs.security_domains[0];
        prop_assert_eq!(hex::encode_upper(sd.instance_aid.as_ref().unwrap()), sd_aid);
        for (k, want) in sd.keys.iter().zip(&keys) {
            prop_assert_eq!(&k.version, &vec![kvn]);
            prop_assert_eq!(hex::encode_upper(&k.components[0].1 .0), want.clone());
        }
        let app = &fs.applications[0];
        let got: Vec<String> = app.instance_aids.iter().map(hex::encode_upper).collect();
        prop_assert_eq!(got, instances.iter().cloned().collect::<Vec<_>>());
        prop_assert_eq!(app.load_package_aid.is_some(), load_block.is_some());
        let (_, rfm) = pkg.by_kind("rfm").next().unwrap();
        let tar_list = rfm.tlv().children().iter().filter(|c| c.tag() == rsp_codec::tlv::Tag::of(0xA0)).nth(1).unwrap();
        let got: Vec<String> = tar_list.children().iter().map(|t| hex::encode_upper(t.content().unwrap())).collect();
        prop_assert_eq!(got, tars);
        let adn = fs.get_by_fids("3F00/7FF0/5F3A/4F58").unwrap();
        prop_assert_eq!(adn.size, usize::from(records) * 28);
    }
}

/// The header declares the version the templates need unless the description says otherwise.
#[rstest]
#[case::base_templates("", (2, 3))]
#[case::telecom_v2("telecom = true\ntelecom_version = 2", (3, 1))]
#[case::explicit_older("telecom = true\ntelecom_version = 2\nsaip_version = \"2.2\"", (2, 2))]
fn header_version_follows_the_templates(#[case] extra: &str, #[case] want: (i64, i64)) {
    let pkg = build(&desc(extra)).unwrap();
    let h = pkg.header().expect("header");
    assert_eq!(
        (h.major_version, h.minor_version),
        (Some(want.0), Some(want.1))
    );
}
