//! The APDU layer of the reference eUICC: logical channels, SELECT of the ISD-R (FCI with the
//! ISDRProprietaryApplicationTemplate), STORE DATA chaining, 61xx + GET RESPONSE, and the ISO
//! status word of every malformed command.

mod common;

use common::*;
use proptest::prelude::*;
use rsp_codec::apdu::{sw, CommandApdu, ResponseApdu};
use rsp_codec::tlv::Tlv;
use rsp_euicc::{ECASD_AID, ISDR_AID};
use rstest::rstest;

fn raw(card: &mut rsp_euicc::Euicc, hex_apdu: &str) -> ResponseApdu {
    ResponseApdu::parse(&card.process(&hex::decode(hex_apdu).unwrap())).unwrap()
}

#[test]
fn select_isdr_answers_the_fci_with_svn() {
    let mut card = card();
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 4, 0)
            .with_data(ISDR_AID.to_vec())
            .with_le(0),
    );
    assert_eq!(r.sw, sw::OK);
    let fci = Tlv::parse(&r.data).unwrap();
    assert_eq!(fci.tag(), t(0x6F));
    assert_eq!(fci.children()[0].content().unwrap(), &ISDR_AID[..]);
    let e0 = fci
        .children()
        .iter()
        .find(|c| c.tag() == t(0xE0))
        .expect("E0");
    assert_eq!(e0.children()[0].content().unwrap(), &[2, 5, 0]);
    assert!(rsp_codec::named::validate(
        &rsp_codec::schema::ISDR_PROPRIETARY_APPLICATION_TEMPLATE,
        e0
    )
    .is_empty());
}

#[test]
fn select_without_le_answers_61xx_and_get_response_delivers_it() {
    let mut card = card();
    let r = transmit(
        &mut card,
        &CommandApdu::new(0, 0xA4, 4, 0).with_data(ISDR_AID.to_vec()),
    );
    assert_eq!(r.sw1(), 0x61);
    assert!(r.data.is_empty());
    let n = r.sw2();
    // Short Le: part of it, then the rest.
    let part = raw(&mut card, "00C0000005");
    assert_eq!(part.data.len(), 5);
    assert_eq!(part.sw, 0x6100 | u16::from(n - 5));
    let rest = transmit(
        &mut card,
        &CommandApdu::new(0, 0xC0, 0, 0).with_le(usize::from(n - 5)),
    );
    assert_eq!(rest.sw, sw::OK);
    let mut all = part.data;
    all.extend(rest.data);
    assert_eq!(Tlv::parse(&all).unwrap().tag(), t(0x6F));
    // Nothing left.
    assert_eq!(
        raw(&mut card, "00C0000000").sw,
        sw::CONDITIONS_NOT_SATISFIED
    );
}

#[test]
fn get_response_in_proprietary_class_is_tolerated() {
    let mut card = card();
    let lpa = Lpa::open(&mut card);
    let ch = lpa.channel;
    let cla = rsp_codec::apdu::class_for_channel(0x80, ch);
    let r = transmit(
        lpa.card,
        &CommandApdu::new(cla, 0xE2, 0x91, 0).with_data(hex::decode("BF2200").unwrap()),
    );
    assert_eq!(r.sw1(), 0x61);
    let gr = transmit(
        lpa.card,
        &CommandApdu::new(cla, 0xC0, 0, 0).with_le(usize::from(r.sw2())),
    );
    assert!(gr.sw == sw::OK || gr.sw1() == 0x61);
    assert_eq!(gr.data[..2], [0xBF, 0x22]);
}

#[test]
fn logical_channels_open_select_and_close() {
    let mut card = card();
    let opened = raw(&mut card, "0070000001");
    assert_eq!((opened.sw, opened.data.clone()), (sw::OK, vec![1]));
    assert_eq!(raw(&mut card, "0070000001").data, vec![2]);
    // ISD-R on channel 1; STORE DATA on channel 2 (nothing selected) is not for the ISD-R.
    let sel = CommandApdu::new(0x01, 0xA4, 4, 0x0C).with_data(ISDR_AID.to_vec());
    assert_eq!(transmit(&mut card, &sel).sw, sw::OK);
    assert_eq!(raw(&mut card, "81E2910003BF2E0000").sw, sw::OK);
    assert_ne!(raw(&mut card, "82E2910003BF2E0000").sw, sw::OK);
    // Close channel 2, then it is unknown.
    assert_eq!(raw(&mut card, "00708002").sw, sw::OK);
    assert_eq!(
        raw(&mut card, "82E2910003BF2E0000").sw,
        sw::LOGICAL_CHANNEL_NOT_SUPPORTED
    );
    // Channel 0 cannot be closed; a channel beyond 19 does not exist.
    assert_eq!(raw(&mut card, "00708000").sw, sw::INCORRECT_P1P2);
    assert_eq!(raw(&mut card, "00700014").sw, sw::INCORRECT_P1P2);
    // Further interindustry class for channel 5.
    assert_eq!(raw(&mut card, "00700005").sw, sw::OK);
    let sel = CommandApdu::new(0x41, 0xA4, 4, 0x0C).with_data(ECASD_AID.to_vec());
    assert_eq!(transmit(&mut card, &sel).sw, sw::OK);
    // A reset closes everything but channel 0.
    rsp_codec::apdu::Transport::reset(&mut card).unwrap();
    assert_eq!(
        raw(&mut card, "81E2910003BF2E0000").sw,
        sw::LOGICAL_CHANNEL_NOT_SUPPORTED
    );
}

#[rstest]
#[case::too_short("00A4", sw::WRONG_LENGTH)]
#[case::lc_mismatch("00A4040005A000", sw::WRONG_LENGTH)]
#[case::cla_ff("FFA4040000", sw::CLA_NOT_SUPPORTED)]
#[case::cla_rfu("20A4040000", sw::CLA_NOT_SUPPORTED)]
#[case::ins_6x("0060000000", sw::INS_NOT_SUPPORTED)]
#[case::closed_channel("03A40400", sw::LOGICAL_CHANNEL_NOT_SUPPORTED)]
#[case::secure_messaging("0CA40400", sw::SECURE_MESSAGING_NOT_SUPPORTED)]
#[case::manage_channel_bad_p1("00704000", sw::INCORRECT_P1P2)]
#[case::manage_channel_proprietary("80700000", sw::CLA_NOT_SUPPORTED)]
#[case::get_response_p1("00C0010000", sw::INCORRECT_P1P2)]
#[case::select_unknown_aid_no_profile(
    "00A4040010A0000005591010FFFFFFFF8900009900",
    sw::FILE_NOT_FOUND
)]
#[case::read_binary_no_profile("00B0000010", sw::COMMAND_NOT_ALLOWED_NO_EF)]
fn malformed_commands_get_iso_status_words(#[case] apdu: &str, #[case] expected: u16) {
    let mut card = card();
    assert_eq!(
        raw(&mut card, apdu).sw,
        expected,
        "{apdu}: {}",
        sw::describe(raw(&mut card, apdu).sw)
    );
}

#[rstest]
#[case::interindustry_class("01E2910003BF2E00", sw::CLA_NOT_SUPPORTED)]
#[case::encrypted("81E2B10003BF2E00", sw::INCORRECT_P1P2)]
#[case::dgi_structure("81E2810003BF2E00", sw::INCORRECT_P1P2)]
#[case::empty("81E29100", sw::WRONG_LENGTH)]
#[case::first_block_not_zero("81E2910103BF2E00", sw::INCORRECT_P1P2)]
#[case::unknown_ins_on_isdr("81CA00FF00", sw::INS_NOT_SUPPORTED)]
fn store_data_errors(#[case] apdu: &str, #[case] expected: u16) {
    let mut card = card();
    let lpa = Lpa::open(&mut card);
    assert_eq!(lpa.channel, 1);
    assert_eq!(raw(lpa.card, apdu).sw, expected, "{apdu}");
}

#[test]
fn an_interleaved_command_breaks_the_store_data_chain() {
    let mut card = card();
    let lpa = Lpa::open(&mut card);
    assert_eq!(raw(lpa.card, "81E2110002BF2E").sw, sw::OK);
    assert_eq!(
        raw(lpa.card, "01A4040C10A0000005591010FFFFFFFF8900000100").sw,
        sw::LAST_COMMAND_EXPECTED
    );
    // The chain is gone: block 1 is now out of sequence.
    assert_eq!(raw(lpa.card, "81E291010100").sw, sw::INCORRECT_P1P2);
    // A fresh chain works.
    assert_eq!(raw(lpa.card, "81E2110002BF2E").sw, sw::OK);
    assert_eq!(raw(lpa.card, "81E291010100").sw1(), 0x61);
}

#[test]
fn es10_in_small_blocks_equals_one_block() {
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    lpa.block_size = 1;
    let small = lpa.es10(&hex::decode("BF2200").unwrap());
    lpa.block_size = 255;
    let big = lpa.es10(&hex::decode("BF2200").unwrap());
    assert_eq!(small, big);
    assert_eq!(big.sw, sw::OK);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random APDUs after a valid ISD-R selection: never a panic, always a status word, and the
    /// card still answers a nominal request afterwards.
    #[test]
    fn random_apdus_never_break_the_card(cmds in proptest::collection::vec(
        (any::<u8>(), prop_oneof![Just(0xE2u8), Just(0xA4), Just(0x70), Just(0xC0), Just(0xB0), any::<u8>()],
         any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)), 1..20)) {
        let mut card = card();
        Lpa::open(&mut card);
        for (cla, ins, p1, p2, data) in cmds {
            let mut bytes = vec![cla, ins, p1, p2];
            if !data.is_empty() {
                bytes.push(data.len() as u8);
                bytes.extend(&data);
            }
            let r = card.process(&bytes);
            prop_assert!(r.len() >= 2);
        }
        rsp_codec::apdu::Transport::reset(&mut card).unwrap();
        let mut lpa = Lpa::open(&mut card);
        let eid = lpa.call(&hex::decode("BF3E035C015A").unwrap());
        prop_assert_eq!(eid.tag(), t(0xBF3E));
    }
}
