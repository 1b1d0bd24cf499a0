//! The APDU side of the LPA: a logical channel to the ISD-R over any
//! [`Transport`](rsp_codec::apdu::Transport), ES10 requests as STORE DATA sequences, and the
//! status-word handling deployed cards need (61xx + GET RESPONSE, 6Cxx, either GET RESPONSE class).

use std::time::{Duration, Instant};

use rsp_codec::apdu::{self, ins, sw, CommandApdu, ResponseApdu, Transport, TransportError};

/// ISD-R AID (digest §3.1).
pub const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// GET RESPONSE chains followed before giving up: 1 MiB in 256-byte pieces, with margin.
const MAX_GET_RESPONSES: usize = 8192;

/// Which class byte GET RESPONSE is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GetResponseClass {
    /// ISO/IEC 7816-4 interindustry class (`0X`) on the channel: the standard.
    #[default]
    Iso,
    /// The class of the STORE DATA (`8X`), as lpac sends it.
    Proprietary,
}

/// How the LPA frames APDUs. Defaults follow lpac, the most widely deployed open LPA.
#[derive(Debug, Clone)]
pub struct CardOptions {
    /// STORE DATA data bytes per block (1..=255).
    pub block_size: usize,
    /// Open a logical channel (MANAGE CHANNEL); `false` selects the ISD-R on the basic channel.
    pub logical_channel: bool,
    /// Append `Le=00` to STORE DATA (pysim does, lpac does not).
    pub store_data_le: bool,
    /// Class of GET RESPONSE; the other class is tried when the card refuses the first with 6E00.
    pub get_response_class: GetResponseClass,
    /// Largest ES10 answer accepted (bounded allocation for a misbehaving card).
    pub max_response_bytes: usize,
}

impl Default for CardOptions {
    fn default() -> Self {
        CardOptions {
            block_size: 120,
            logical_channel: true,
            store_data_le: false,
            get_response_class: GetResponseClass::Iso,
            max_response_bytes: 1 << 20,
        }
    }
}

/// Why an exchange with the card failed. A status word is carried as such so callers can match it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    #[error("{command}: card answered {}", sw::describe(*.sw))]
    Status { command: String, sw: u16 },
    #[error("{command}: card answered more than {limit} bytes")]
    TooLarge { command: String, limit: usize },
    #[error("{command}: GET RESPONSE chain longer than {MAX_GET_RESPONSES} answers")]
    EndlessChain { command: String },
    #[error("MANAGE CHANNEL answered no channel number")]
    NoChannel,
    #[error("invalid option: {0}")]
    Options(String),
}

/// What crossed the card interface: for the time split of a download and for reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApduStats {
    pub commands: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Wall time inside [`Transport::transmit`] (card processing plus the link).
    pub time: Duration,
}

/// One exchange as it crossed the interface, for the trace a scenario or a report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApduExchange {
    pub command: Vec<u8>,
    pub response: Vec<u8>,
}

/// An open channel to the ISD-R.
pub struct Card<T: Transport> {
    transport: T,
    options: CardOptions,
    channel: u8,
    select_response: Vec<u8>,
    stats: ApduStats,
    trace: Option<Vec<ApduExchange>>,
}

impl<T: Transport> Card<T> {
    /// Opens a channel (or uses the basic one) and selects the ISD-R.
    pub fn open(transport: T, options: CardOptions) -> Result<Card<T>, CardError> {
        if !(1..=255).contains(&options.block_size) {
            return Err(CardError::Options(format!(
                "block size {} is outside 1..=255",
                options.block_size
            )));
        }
        let mut card = Card {
            transport,
            options,
            channel: 0,
            select_response: Vec::new(),
            stats: ApduStats::default(),
            trace: None,
        };
        if card.options.logical_channel {
            let r = card.transmit(
                "MANAGE CHANNEL",
                &CommandApdu::new(0x00, ins::MANAGE_CHANNEL, 0x00, 0x00).with_le(1),
            )?;
            card.channel = *r.data.first().ok_or(CardError::NoChannel)?;
        }
        card.select_response = card.select_isdr()?;
        Ok(card)
    }

    fn select_isdr(&mut self) -> Result<Vec<u8>, CardError> {
        let select = CommandApdu::new(
            apdu::class_for_channel(0x00, self.channel),
            ins::SELECT,
            0x04,
            0x00,
        )
        .with_data(ISDR_AID.to_vec())
        .with_le(0);
        Ok(self.transmit("SELECT ISD-R", &select)?.data)
    }

    /// The FCI the ISD-R answered SELECT with (contains the SVN, digest §3.1).
    pub fn select_response(&self) -> &[u8] {
        &self.select_response
    }

    pub fn channel(&self) -> u8 {
        self.channel
    }

    pub fn options(&self) -> &CardOptions {
        &self.options
    }

    pub fn stats(&self) -> &ApduStats {
        &self.stats
    }

    /// Starts recording every exchange (cleared on each call).
    pub fn record_trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    /// The exchanges recorded since [`Card::record_trace`].
    pub fn take_trace(&mut self) -> Vec<ApduExchange> {
        self.trace.replace(Vec::new()).unwrap_or_default()
    }

    /// The transport, e.g. to reach the UICC side of the card on the basic channel.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Closes the logical channel (if one was opened) and hands the transport back.
    pub fn close(mut self) -> Result<T, CardError> {
        if self.options.logical_channel && self.channel != 0 {
            let c = CommandApdu::new(0x00, ins::MANAGE_CHANNEL, 0x80, self.channel);
            self.transmit("MANAGE CHANNEL close", &c)?;
        }
        Ok(self.transport)
    }

    /// After a card reset: the channel is gone, so open it again and reselect the ISD-R.
    pub fn reopen(self) -> Result<Card<T>, CardError> {
        let Card {
            mut transport,
            options,
            ..
        } = self;
        transport.reset()?;
        Card::open(transport, options)
    }

    fn raw(&mut self, command: &CommandApdu) -> Result<ResponseApdu, CardError> {
        let bytes = command.encode();
        let started = Instant::now();
        let answer = self.transport.transmit(&bytes);
        self.stats.time += started.elapsed();
        self.stats.commands += 1;
        self.stats.bytes_sent += bytes.len() as u64;
        let answer = answer?;
        self.stats.bytes_received += answer.len() as u64;
        if let Some(trace) = &mut self.trace {
            trace.push(ApduExchange {
                command: bytes,
                response: answer.clone(),
            });
        }
        ResponseApdu::parse(&answer)
            .map_err(|e| CardError::Transport(TransportError::Malformed(e.to_string())))
    }

    /// One command with 6Cxx (resend with the right Le) and 61xx (GET RESPONSE until done)
    /// followed. Returns the final status word without judging it.
    pub fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, CardError> {
        let name = format!("{:02X}{:02X}", command.cla, command.ins);
        let mut r = self.raw(command)?;
        if r.sw1() == sw::WRONG_LE {
            let retry = command.clone().with_le(usize::from(r.sw2()));
            r = self.raw(&retry)?;
        }
        let mut data = std::mem::take(&mut r.data);
        let mut class = self.options.get_response_class;
        let mut rounds = 0;
        let mut switched = false;
        while r.sw1() == sw::MORE_DATA {
            rounds += 1;
            if rounds > MAX_GET_RESPONSES {
                return Err(CardError::EndlessChain { command: name });
            }
            let le = match r.sw2() {
                0 => 256,
                n => usize::from(n),
            };
            let base = match class {
                GetResponseClass::Iso => 0x00,
                GetResponseClass::Proprietary => 0x80,
            };
            let get = CommandApdu::new(
                apdu::class_for_channel(base, self.channel),
                ins::GET_RESPONSE,
                0,
                0,
            )
            .with_le(le);
            r = self.raw(&get)?;
            // A card that wants the other class says so with 6E00: switch once and stay there.
            if r.sw == sw::CLA_NOT_SUPPORTED && rounds == 1 && !switched {
                switched = true;
                class = match class {
                    GetResponseClass::Iso => GetResponseClass::Proprietary,
                    GetResponseClass::Proprietary => GetResponseClass::Iso,
                };
                self.options.get_response_class = class;
                rounds = 0;
                r = ResponseApdu::status(u16::from(sw::MORE_DATA) << 8 | u16::from(get_le(le)));
                continue;
            }
            data.extend_from_slice(&r.data);
            if data.len() > self.options.max_response_bytes {
                return Err(CardError::TooLarge {
                    command: name,
                    limit: self.options.max_response_bytes,
                });
            }
        }
        r.data = data;
        Ok(r)
    }

    /// [`Card::exchange`] that requires 9000 (or a warning 62xx/63xx where `accept_warning`).
    fn transmit(
        &mut self,
        command_name: &str,
        command: &CommandApdu,
    ) -> Result<ResponseApdu, CardError> {
        let r = self.exchange(command)?;
        if r.sw != sw::OK {
            return Err(CardError::Status {
                command: command_name.to_owned(),
                sw: r.sw,
            });
        }
        Ok(r)
    }

    /// One ES10 request as a STORE DATA sequence. Returns the final answer (data and status
    /// word) or, when a non-final block is refused, that block's answer: a scenario sees the card's
    /// status word as it was.
    pub fn es10_raw(&mut self, request: &[u8]) -> Result<ResponseApdu, CardError> {
        let commands = apdu::store_data_commands(
            self.channel,
            request,
            self.options.block_size,
            self.options.store_data_le,
        );
        let last = commands.len() - 1;
        for (i, c) in commands.iter().enumerate() {
            let r = self.exchange(c)?;
            if i == last || r.sw != sw::OK {
                return Ok(r);
            }
        }
        unreachable!("store_data_commands returns at least one command")
    }

    /// One ES10 request that must end in 9000; returns the response data.
    pub fn es10(&mut self, function: &str, request: &[u8]) -> Result<Vec<u8>, CardError> {
        let r = self.es10_raw(request)?;
        if r.sw != sw::OK {
            return Err(CardError::Status {
                command: function.to_owned(),
                sw: r.sw,
            });
        }
        Ok(r.data)
    }
}

/// The SW2 that asks for `le` bytes again (256 is coded 00).
fn get_le(le: usize) -> u8 {
    if le >= 256 {
        0
    } else {
        le as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A card that answers from a script and records what it was sent.
    pub(crate) struct Scripted {
        pub answers: VecDeque<Vec<u8>>,
        pub sent: Vec<Vec<u8>>,
    }

    impl Scripted {
        pub fn new(answers: &[&str]) -> Scripted {
            Scripted {
                answers: answers.iter().map(|a| hex::decode(a).unwrap()).collect(),
                sent: Vec::new(),
            }
        }
    }

    impl Transport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.answers
                .pop_front()
                .ok_or_else(|| TransportError::Io("script exhausted".into()))
        }
        fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x3B, 0x00])
        }
    }

    fn sent_hex(card: &Card<Scripted>) -> Vec<String> {
        card.transport
            .sent
            .iter()
            .map(hex::encode_upper)
            .collect::<Vec<_>>()
    }

    #[test]
    fn opens_a_channel_selects_isdr_and_follows_61xx() {
        let t = Scripted::new(&["019000", "6105", "E00382030202029000", "BF2E0380010190"]);
        let mut card = Card::open(t, CardOptions::default()).unwrap();
        assert_eq!(card.channel(), 1);
        assert_eq!(
            card.select_response(),
            hex::decode("E0038203020202").unwrap()
        );
        let _ = card.es10_raw(&[0xBF, 0x2E, 0x00]);
        assert_eq!(
            sent_hex(&card)[..3],
            [
                "0070000001".to_owned(),
                "01A4040010A0000005591010FFFFFFFF890000010000".to_owned(),
                "01C0000005".to_owned(),
            ]
        );
    }

    #[test]
    fn wrong_le_is_resent_and_proprietary_get_response_is_tried_after_6e00() {
        let t = Scripted::new(&[
            "9000", // SELECT on the basic channel
            "6C02", // STORE DATA: wrong Le
            "6102", // resent: more data
            "6E00", // GET RESPONSE 00C0: class refused
            "AB019000",
        ]);
        let options = CardOptions {
            logical_channel: false,
            store_data_le: true,
            ..CardOptions::default()
        };
        let mut card = Card::open(t, options).unwrap();
        let r = card.es10_raw(&[0xBF, 0x2E, 0x00]).unwrap();
        assert_eq!((r.data, r.sw), (vec![0xAB, 0x01], 0x9000));
        let sent = sent_hex(&card);
        assert_eq!(sent[1], "80E2910003BF2E0000");
        assert_eq!(sent[2], "80E2910003BF2E0002");
        assert_eq!(sent[3], "00C0000002");
        assert_eq!(sent[4], "80C0000002");
        assert_eq!(
            card.options().get_response_class,
            GetResponseClass::Proprietary
        );
    }

    #[test]
    fn a_card_refusing_both_get_response_classes_ends_with_6e00() {
        let t = Scripted::new(&["9000", "6110", "6E00", "6E00"]);
        let options = CardOptions {
            logical_channel: false,
            ..CardOptions::default()
        };
        let mut card = Card::open(t, options).unwrap();
        let r = card.es10_raw(&[0xBF, 0x2E, 0x00]).unwrap();
        assert_eq!(r.sw, 0x6E00);
        assert_eq!(card.stats().commands, 4);
    }

    #[test]
    fn a_refused_middle_block_stops_the_sequence_with_its_status() {
        let t = Scripted::new(&["9000", "6A80"]);
        let options = CardOptions {
            logical_channel: false,
            block_size: 2,
            ..CardOptions::default()
        };
        let mut card = Card::open(t, options).unwrap();
        let e = card
            .es10("GetEUICCChallenge", &[0xBF, 0x2E, 0x00])
            .unwrap_err();
        assert_eq!(
            e,
            CardError::Status {
                command: "GetEUICCChallenge".into(),
                sw: 0x6A80
            }
        );
        assert_eq!(card.stats().commands, 2);
    }

    #[test]
    fn an_endless_or_oversized_answer_is_an_error_not_a_hang() {
        let mut answers = vec!["9000".to_owned()];
        answers.extend(std::iter::repeat_n("00".repeat(255) + "6100", 10));
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let options = CardOptions {
            logical_channel: false,
            max_response_bytes: 1000,
            ..CardOptions::default()
        };
        let mut card = Card::open(Scripted::new(&refs), options).unwrap();
        assert!(matches!(
            card.es10_raw(&[0xBF, 0x2E, 0x00]),
            Err(CardError::TooLarge { limit: 1000, .. })
        ));
    }

    #[test]
    fn a_bad_block_size_is_refused() {
        let options = CardOptions {
            block_size: 0,
            ..CardOptions::default()
        };
        assert!(matches!(
            Card::open(Scripted::new(&[]), options),
            Err(CardError::Options(_))
        ));
    }
}
