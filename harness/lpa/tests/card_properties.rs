//! Properties of the APDU layer against a card that answers anything.

use proptest::prelude::*;
use rsp_codec::apdu::{CommandApdu, Transport, TransportError};
use rsp_lpa::{Card, CardOptions, ProfileFilter};

/// Records the commands; answers from a list, then 9000 for ever.
struct Recorder {
    answers: Vec<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Transport for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        if self.answers.is_empty() {
            return Ok(vec![0x90, 0x00]);
        }
        Ok(self.answers.remove(0))
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(vec![0x3B, 0x00])
    }
}

proptest! {
    /// Whatever the block size, the STORE DATA blocks carry the request exactly, numbered from
    /// 0, with P1 11 on all but the last (91), on the opened channel.
    #[test]
    fn store_data_blocks_carry_the_request(
        request in proptest::collection::vec(any::<u8>(), 1..1200),
        block_size in 1usize..=255,
        channel in 1u8..=3,
    ) {
        let t = Recorder { answers: vec![vec![channel, 0x90, 0x00]], sent: vec![] };
        let options = CardOptions { block_size, ..CardOptions::default() };
        let mut card = Card::open(t, options).unwrap();
        card.es10_raw(&request).unwrap();
        let t = card.close().unwrap();
        let blocks: Vec<CommandApdu> = t.sent[2..t.sent.len() - 1]
            .iter()
            .map(|c| CommandApdu::parse(c).unwrap())
            .collect();
        let joined: Vec<u8> = blocks.iter().flat_map(|b| b.data.clone()).collect();
        prop_assert_eq!(joined, request);
        for (i, b) in blocks.iter().enumerate() {
            prop_assert_eq!(b.cla, 0x80 | channel);
            prop_assert_eq!(usize::from(b.p2), i & 0xFF);
            prop_assert_eq!(b.p1, if i + 1 == blocks.len() { 0x91 } else { 0x11 });
            prop_assert!(b.data.len() <= block_size);
        }
    }

    /// A card answering garbage gets errors, never a panic or a hang.
    #[test]
    fn garbage_answers_never_panic(
        answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..30),
    ) {
        let t = Recorder { answers, sent: vec![] };
        if let Ok(mut card) = Card::open(t, CardOptions::default()) {
            let _ = card.euicc_info2();
            let _ = card.profiles(&ProfileFilter::All);
            let _ = card.list_notifications(None);
            let _ = card.retrieve_notifications(None);
            let _ = card.configured_addresses();
            let _ = card.eid();
        }
    }
}
