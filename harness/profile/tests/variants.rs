//! Compatibility variants (DESIGN.md §8): every variant of every built profile and of the
//! TS.48 profiles re-parses, validates, expands to the source's file system and differs in
//! bytes from the source and from the other variants; the manifest lists them all.
//!
//! The TS.48 profiles are read from the shared vector store and never copied into the repo;
//! when they are missing the tests fail under `CI=true` and skip loudly otherwise.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rsp_profile::builder::{build, Algorithm, ProfileDescription};
use rsp_profile::expand::expand;
use rsp_profile::variants::{check_equivalent, fs_difference, variants, VariantSet};
use rsp_profile::ProfilePackage;
use rstest::rstest;

mod common;
use common::load_ts48;

/// Built profiles: `vectors/profiles` of the repo.
fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/profiles")
}

/// Every property of a variant set; returns it for count checks.
fn assert_variants(what: &str, source: &ProfilePackage) -> VariantSet {
    let set = variants(source);
    let want = expand(source).unwrap_or_else(|e| panic!("{what}: source does not expand: {e}"));
    let source_bytes = source.encode();
    let source_errors = source.validate().len();
    let mut seen: Vec<(&str, Vec<u8>)> = Vec::new();
    for v in &set.variants {
        let bytes = v.package.encode();
        let again = ProfilePackage::parse(&bytes)
            .unwrap_or_else(|e| panic!("{what}/{}: does not parse: {e}", v.name));
        let errors: Vec<String> = again.validate().iter().map(ToString::to_string).collect();
        assert!(
            errors.len() <= source_errors,
            "{what}/{}: schema errors {errors:#?}",
            v.name
        );
        if source_errors == 0 {
            assert!(errors.is_empty(), "{what}/{}: {errors:#?}", v.name);
        }
        let got = expand(&again).unwrap_or_else(|e| panic!("{what}/{}: {e}", v.name));
        assert!(
            got == want,
            "{what}/{}: expansion differs: {:?}",
            v.name,
            fs_difference(&want, &got)
        );
        check_equivalent(source, &again).unwrap();
        assert_ne!(
            bytes, source_bytes,
            "{what}/{}: same bytes as the source",
            v.name
        );
        if let Some((other, _)) = seen.iter().find(|(_, b)| *b == bytes) {
            panic!("{what}/{}: same bytes as {other}", v.name);
        }
        assert!(!v.description.is_empty(), "{what}/{}", v.name);
        seen.push((&v.name, bytes));
    }
    // Names are unique and the manifest lists every variant and every skipped one.
    let manifest: toml::Value = toml::from_str(&set.manifest()).unwrap();
    let listed: Vec<&str> = manifest
        .get("variant")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v["name"].as_str()).collect())
        .unwrap_or_default();
    let names: Vec<&str> = set.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(listed, names, "{what}: manifest variants");
    for v in manifest
        .get("variant")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        assert_eq!(
            v["file"].as_str().unwrap(),
            format!("{}.der", v["name"].as_str().unwrap())
        );
        assert!(v.get("description").is_some());
    }
    let skipped = manifest
        .get("skipped")
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len);
    assert_eq!(skipped, set.skipped.len(), "{what}: manifest skipped");
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{what}: duplicate variant names");
    set
}

fn names(set: &VariantSet) -> Vec<&str> {
    set.variants.iter().map(|v| v.name.as_str()).collect()
}

fn show(what: &str, set: &VariantSet) {
    eprintln!(
        "{what}: {} variants, {} skipped",
        set.variants.len(),
        set.skipped.len()
    );
    for v in &set.variants {
        eprintln!("  + {}: {}", v.name, v.description);
    }
    for (n, r) in &set.skipped {
        eprintln!("  - {n}: {r}");
    }
}

#[rstest]
#[case::bertlv_suci("BERTLV_SUCI.der")]
#[case::bertlv_suci_no_ram_rfm("BERTLV_SUCI_NoRAMRFM.der")]
#[case::no_bertlv("NoBERTLV.der")]
#[case::no_bertlv_no_ram_rfm("NoBERTLV_NoRAMRFM.der")]
fn ts48_profiles_have_equivalent_variants(#[case] file: &str) {
    let Some(bytes) = load_ts48(file) else { return };
    let pkg = ProfilePackage::parse(&bytes).unwrap();
    let set = assert_variants(file, &pkg);
    show(file, &set);
    let n = names(&set);
    // Observed: 23 variants on each TS.48 profile (v7 vectors); 22 before USIM optional v3
    // (.5.3) was in the registry.
    assert!(set.variants.len() >= 21, "{file}: only {n:?}");
    for must in ["explicit", "compressed", "efFileSize-2byte"] {
        assert!(n.contains(&must), "{file}: no {must} in {n:?}");
    }
    assert!(n.iter().any(|v| v.starts_with("omit-")), "{file}: {n:?}");
    // Template versions the registry shows as identical for what the profile uses; .5.3 only
    // adds EF.eAKA, which TS.48 does not use. DF.5GS v3/v4 change the NSC record layout.
    for must in [
        "template-telecom-3.2",
        "template-opt-usim-5.2",
        "template-opt-usim-5.3",
        "template-df-5gs-13.2",
        "template-opt-isim-9.2",
    ] {
        assert!(n.contains(&must), "{file}: no {must} in {n:?}");
    }
    for (skipped, why) in [
        ("template-usim-4.2", "ef-ust"),
        ("template-df-5gs-13.3", "ef-5gs3gppnsc"),
        ("template-df-5gs-13.4", "ef-5gs3gppnsc"),
    ] {
        assert!(
            set.skipped
                .iter()
                .any(|(s, r)| s == skipped && r.contains(why)),
            "{file}: {skipped} not skipped for {why}: {:?}",
            set.skipped
        );
    }
    // The header (2.3) is kept; the description says the template is newer.
    let v53 = set.get("template-opt-usim-5.3").unwrap();
    assert!(
        v53.description.contains("PE v3.3, the header declares 2.3"),
        "{}",
        v53.description
    );
}

#[test]
fn built_profiles_have_equivalent_variants() {
    let dir = profiles_dir();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("der") {
            continue;
        }
        let what = path.file_name().unwrap().to_string_lossy().into_owned();
        let pkg = ProfilePackage::parse(&std::fs::read(&path).unwrap()).unwrap();
        let set = assert_variants(&what, &pkg);
        show(&what, &set);
        let n = names(&set);
        assert!(set.variants.len() >= 4, "{what}: only {n:?}");
        for must in [
            "explicit",
            "compressed",
            "with-defaults",
            "efFileSize-2byte",
        ] {
            assert!(n.contains(&must), "{what}: no {must} in {n:?}");
        }
        count += 1;
    }
    assert!(count >= 4, "expected built profiles in {}", dir.display());
}

/// DER profiles carry no DEFAULT-valued component; the `with-defaults` variant does, and its
/// own variants omit each of them again, every one equivalent to the original source.
#[test]
fn omissions_of_spelled_out_defaults_are_equivalent() {
    let dir = profiles_dir();
    for file in ["minimal-milenage.der", "usim-isim-full.der", "tuak256.der"] {
        let pkg = ProfilePackage::parse(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let set = variants(&pkg);
        let with = &set.get("with-defaults").expect("with-defaults").package;
        let again = assert_variants(&format!("{file}/with-defaults"), with);
        show(&format!("{file}/with-defaults"), &again);
        let n = names(&again);
        for (pe, param) in [
            ("omit-pinCodes", ".maxNumOfAttemps-retryNumLeft"),
            ("omit-pukCodes", ".maxNumOfAttemps-retryNumLeft"),
            ("omit-akaParameter", ".sqnOptions"),
            ("omit-akaParameter", ".sqnDelta"),
            ("omit-akaParameter", ".sqnAgeLimit"),
            ("omit-usim", ".lcsi"),
            ("omit-mf", ".lcsi"),
        ] {
            assert!(
                n.iter().any(|v| v.starts_with(pe) && v.ends_with(param)),
                "{file}: no {pe}*{param} in {n:?}"
            );
        }
        assert!(again.variants.len() >= 10, "{file}: {n:?}");
        for v in &again.variants {
            check_equivalent(&pkg, &v.package)
                .unwrap_or_else(|e| panic!("{file}/with-defaults/{}: {e}", v.name));
        }
    }
}

/// Built profiles encode efFileSize minimally; the two-octet variant's own variants include the
/// minimal re-encoding again.
#[test]
fn ef_file_size_encodings_round_trip() {
    let dir = profiles_dir();
    let pkg =
        ProfilePackage::parse(&std::fs::read(dir.join("usim-isim-full.der")).unwrap()).unwrap();
    let set = variants(&pkg);
    assert!(set.skipped.iter().any(|(n, _)| n == "efFileSize-minimal"));
    let two = &set.get("efFileSize-2byte").unwrap().package;
    let again = assert_variants("usim-isim-full/efFileSize-2byte", two);
    let minimal = &again.get("efFileSize-minimal").unwrap().package;
    assert_eq!(minimal.encode(), pkg.encode());
}

#[test]
fn write_emits_files_and_manifest() {
    let dir = profiles_dir();
    let pkg =
        ProfilePackage::parse(&std::fs::read(dir.join("minimal-milenage.der")).unwrap()).unwrap();
    let set = variants(&pkg);
    let out = std::env::temp_dir().join(format!("rsp-variants-{}", std::process::id()));
    set.write(&out).unwrap();
    for v in &set.variants {
        let bytes = std::fs::read(out.join(format!("{}.der", v.name))).unwrap();
        assert_eq!(bytes, v.package.encode());
    }
    let manifest = std::fs::read_to_string(out.join("manifest.toml")).unwrap();
    assert_eq!(manifest, set.manifest());
    std::fs::remove_dir_all(&out).unwrap();
}

/// A deliberately non-equivalent change is caught by the equivalence check.
#[test]
fn non_equivalent_mutation_is_detected() {
    let dir = profiles_dir();
    let pkg =
        ProfilePackage::parse(&std::fs::read(dir.join("minimal-milenage.der")).unwrap()).unwrap();
    let set = variants(&pkg);
    let explicit = set.get("explicit").expect("explicit variant");
    // Flip one byte of EF.IMSI's content in the explicit variant.
    let mut broken = explicit.package.clone();
    let (ui, _) = broken.by_kind("usim").next().unwrap();
    let mut tlv = broken.pes()[ui].tlv().clone();
    let imsi_tag = rsp_profile::schema::PE_USIM
        .field("ef-imsi")
        .and_then(|f| f.wire_tag())
        .unwrap();
    let imsi = tlv
        .children_mut()
        .iter_mut()
        .find(|c| c.tag() == imsi_tag)
        .expect("ef-imsi File element");
    let item = imsi
        .children_mut()
        .iter_mut()
        .find(|i| i.tag().to_u32() == 0x83)
        .expect("fillFileContent");
    let mut content = item.content().unwrap().to_vec();
    content[1] ^= 0x10;
    item.set_content(content);
    broken.pes_mut()[ui] = rsp_profile::ProfileElement::from_tlv(tlv);
    let err = check_equivalent(&pkg, &broken).unwrap_err();
    assert!(err.contains("EF.IMSI"), "{err}");

    // A changed PUK value is caught too.
    let mut other = pkg.clone();
    let (pi, _) = other.by_kind("pukCodes").next().unwrap();
    let mut tlv = other.pes()[pi].tlv().clone();
    let cfg = &mut tlv.children_mut()[1].children_mut()[0];
    if let Some(c) = cfg
        .children_mut()
        .iter_mut()
        .find(|c| c.tag().to_u32() == 0x81)
    {
        c.set_content(b"99999999".to_vec());
    }
    other.pes_mut()[pi] = rsp_profile::ProfileElement::from_tlv(tlv);
    let err = check_equivalent(&pkg, &other).unwrap_err();
    assert!(err.contains("PUK"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn variants_of_random_descriptions_are_equivalent(
        imsi in "[0-9]{6,15}",
        iccid in "89[0-9]{17,18}",
        ki in "[0-9A-F]{32}",
        opc in "[0-9A-F]{32}",
        spn in proptest::option::of("[A-Za-z0-9 ]{1,16}"),
        opt_usim: bool, isim: bool, gsm_access: bool, df_5gs: bool,
        algo in 0u8..2,
    ) {
        let mut d = ProfileDescription::from_toml(
            "iccid = \"89999000000000000018\"\nimsi = \"001010000000001\"\n\
             ki = \"000102030405060708090A0B0C0D0E0F\"\nopc = \"0F0E0D0C0B0A09080706050403020100\"\n",
        )
        .unwrap();
        d.imsi = imsi; d.iccid = iccid; d.ki = ki; d.opc = opc; d.spn = spn;
        d.opt_usim = opt_usim; d.isim = isim; d.gsm_access = gsm_access; d.df_5gs = df_5gs;
        if algo == 1 { d.algorithm = Algorithm::UsimTestAlgorithm; }
        let pkg = build(&d).unwrap();
        let set = assert_variants("generated", &pkg);
        prop_assert!(set.variants.len() >= 4, "{:?}", names(&set));
        for (name, reason) in &set.skipped {
            prop_assert!(!reason.starts_with("not equivalent"), "{name}: {reason}");
        }
    }
}
