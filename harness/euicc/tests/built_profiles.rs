//! Every profile of `vectors/profiles` (the builder's output) installs on the reference eUICC,
//! and the access rules its EF.ARRs give are the ones an ME relies on: EF.ICCID, EF.DIR and
//! the USIM's EF.AD / EF.SPN / EF.ECC read without ADM, EF.ICCID is never updated, EF.IMSI is
//! updated by ADM only.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use rsp_codec::apdu::{sw, ResponseApdu};
use rsp_crypto::Curve;
use rsp_euicc::EuiccConfig;
use rsp_profile::expand::expand;
use rsp_profile::ProfilePackage;

fn raw(card: &mut rsp_euicc::Euicc, hex_apdu: &str) -> ResponseApdu {
    ResponseApdu::parse(&card.process(&hex::decode(hex_apdu).unwrap())).unwrap()
}

fn ok(card: &mut rsp_euicc::Euicc, what: &str, hex_apdu: &str) -> Vec<u8> {
    let r = raw(card, hex_apdu);
    assert_eq!(
        r.sw,
        sw::OK,
        "{what}: {hex_apdu} answered {}",
        sw::describe(r.sw)
    );
    r.data
}

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/profiles");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "der"))
        .collect();
    v.sort();
    v
}

#[test]
fn built_profiles_install_and_read_without_adm() {
    let paths = vectors();
    assert!(paths.len() >= 4, "{paths:?}");
    for path in paths {
        let what = path.display().to_string();
        let der = std::fs::read(&path).unwrap();
        let fs = expand(&ProfilePackage::parse(&der).unwrap()).unwrap();
        // A card that claims every service the vectors list (the applets one needs javacard).
        let mut config = EuiccConfig::default();
        config
            .uicc_capability
            .extend(["tuak128".into(), "tuak256".into(), "javacard".into()]);
        let mut card = card_with(config, 3);
        let mut dp = dp(Curve::NistP256);
        let pir = download(&mut card, &mut dp, &der, 2);
        assert_eq!(pir_error(&pir), None, "{what}: {pir:?}");
        let iccid = TestDp::metadata(&der, 2).iccid.to_vec();
        {
            let mut lpa = Lpa::open(&mut card);
            assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0, "{what}");
        }

        // MF level: EF.ICCID and EF.DIR read with no verification at all.
        ok(&mut card, &what, "00A4000C023F00");
        ok(&mut card, &what, "00A4000C022FE2");
        assert_eq!(
            ok(&mut card, &what, "00B000000A"),
            iccid,
            "{what}: EF.ICCID"
        );
        assert_eq!(
            raw(&mut card, "00D6000001AA").sw,
            sw::SECURITY_STATUS_NOT_SATISFIED,
            "{what}: EF.ICCID update"
        );
        ok(&mut card, &what, "00A4000C022F00");
        let dir = ok(&mut card, &what, "00B2010400");
        assert_eq!(dir[0], 0x61, "{what}: EF.DIR record 1");

        // ADF.USIM: EF.AD, EF.SPN, EF.ECC read; EF.IMSI is not updated without ADM.
        let usim = fs.nodes.iter().find_map(|n| n.aid.clone()).unwrap();
        ok(
            &mut card,
            &what,
            &format!("00A4040C{:02X}{}", usim.len(), hex::encode_upper(&usim)),
        );
        for (fid, read) in [
            ("6FAD", "00B0000000"),
            ("6F46", "00B0000000"),
            ("6FB7", "00B2010400"),
        ] {
            ok(&mut card, &what, &format!("00A4000C02{fid}"));
            ok(&mut card, &format!("{what} {fid}"), read);
        }
        ok(&mut card, &what, "00A4000C026F07");
        assert_eq!(
            raw(&mut card, "00D6000001AA").sw,
            sw::SECURITY_STATUS_NOT_SATISFIED,
            "{what}: EF.IMSI update"
        );
    }
}

/// Downloads and enables one vector; the card is left at the MF of its file system.
fn installed(name: &str) -> rsp_euicc::Euicc {
    let der = profile(name);
    let mut config = EuiccConfig::default();
    config.uicc_capability.push("javacard".into());
    let mut card = card_with(config, 4);
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &der, 2);
    assert_eq!(pir_error(&pir), None, "{name}: {pir:?}");
    let iccid = TestDp::metadata(&der, 2).iccid.to_vec();
    let mut lpa = Lpa::open(&mut card);
    assert_eq!(result_code(&lpa.call(&enable_request(&iccid))), 0, "{name}");
    card
}

#[test]
fn telecom_phonebook_and_saip_files_answer_with_their_rules() {
    let name = "telecom-phonebook-saip";
    let mut card = installed(name);
    // DF.TELECOM: its EF.ARR (read always) and EF.ICE_DN (read always) without any PIN.
    ok(&mut card, name, "00A4000C023F00");
    ok(&mut card, name, "00A4000C027F10");
    ok(&mut card, name, "00A4000C026F06");
    ok(&mut card, name, "00B2010400");
    ok(&mut card, name, "00A4000C026FE0");
    assert_eq!(
        ok(&mut card, name, "00B2320400"),
        vec![0xFF; 24],
        "EF.ICE_DN record 50"
    );
    // ADF.USIM / DF.PHONEBOOK: EF.PBR names EF.ADN; 20 ADN records.
    ok(&mut card, name, "00A4040C07A0000000871002");
    ok(&mut card, name, "00A4000C025F3A");
    ok(&mut card, name, "00A4000C024F30");
    assert_eq!(
        ok(&mut card, name, "00B2010400")[..7],
        hex::decode("A805C0034F5801").unwrap()
    );
    ok(&mut card, name, "00A4000C024F58");
    ok(&mut card, name, "00B2140400");
    assert_eq!(raw(&mut card, "00B2150400").sw, sw::RECORD_NOT_FOUND);
    // DF.SAIP: the SUCI calculation info is the eUICC's own (ADM only).
    ok(&mut card, name, "00A4040C07A0000000871002");
    ok(&mut card, name, "00A4000C025FD0");
    ok(&mut card, name, "00A4000C024F01");
    assert_eq!(
        raw(&mut card, "00B0000004").sw,
        sw::SECURITY_STATUS_NOT_SATISFIED
    );
    ok(&mut card, name, "0020000A083132333435363738");
    assert_eq!(
        ok(&mut card, name, "00B0000004"),
        hex::decode("A0020000").unwrap()
    );
}

#[test]
fn applets_profile_installs_and_keeps_its_applet_pes() {
    let name = "applets";
    let card = installed(name);
    let stored = &card.state().profiles[0].package;
    let pkg = ProfilePackage::parse(stored).unwrap();
    let kinds: Vec<String> = pkg.kinds().iter().map(ToString::to_string).collect();
    for k in ["securityDomain", "rfm", "application"] {
        assert!(kinds.iter().any(|h| h == k), "{k} not stored: {kinds:?}");
    }
}

/// The applets profile lists javacard as a mandatory service: a card that does not claim it
/// refuses the profile while loading its PEs.
#[test]
fn a_card_without_javacard_refuses_the_applets_profile() {
    let der = profile("applets");
    let mut card = card_with(EuiccConfig::default(), 5);
    let mut dp = dp(Curve::NistP256);
    let pir = download(&mut card, &mut dp, &der, 2);
    assert_eq!(pir_error(&pir), Some((5, 12)), "{pir:?}");
}
