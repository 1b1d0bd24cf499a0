//! ISO/IEC 7816-4 command and response APDUs, the status words the roles use, GlobalPlatform
//! STORE DATA framing of ES10 requests (digest §3.1), and the [`Transport`] every card sits behind.
//!
//! The LPA, the runner and the reference eUICC meet here: the LPA sends through a
//! `&mut dyn Transport` without knowing whether the card is the in-process reference eUICC, a
//! PC/SC reader or anything else.

use std::fmt;

/// Status words (ISO/IEC 7816-4 §5.6, ETSI TS 102 221 §10.2).
pub mod sw {
    pub const OK: u16 = 0x9000;
    /// `61xx`: xx more bytes with GET RESPONSE.
    pub const MORE_DATA: u8 = 0x61;
    /// `6Cxx`: wrong Le, xx is the right one.
    pub const WRONG_LE: u8 = 0x6C;
    pub const WARNING_EOF: u16 = 0x6282;
    pub const WARNING_SELECTED_INVALIDATED: u16 = 0x6283;
    pub const VERIFY_FAILED_BASE: u16 = 0x63C0;
    pub const MEMORY_FAILURE: u16 = 0x6581;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const LOGICAL_CHANNEL_NOT_SUPPORTED: u16 = 0x6881;
    pub const SECURE_MESSAGING_NOT_SUPPORTED: u16 = 0x6882;
    pub const LAST_COMMAND_EXPECTED: u16 = 0x6883;
    pub const COMMAND_INCOMPATIBLE_WITH_FILE: u16 = 0x6981;
    pub const SECURITY_STATUS_NOT_SATISFIED: u16 = 0x6982;
    pub const AUTH_METHOD_BLOCKED: u16 = 0x6983;
    pub const REFERENCED_DATA_INVALIDATED: u16 = 0x6984;
    pub const CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
    pub const COMMAND_NOT_ALLOWED_NO_EF: u16 = 0x6986;
    pub const WRONG_DATA: u16 = 0x6A80;
    pub const FUNCTION_NOT_SUPPORTED: u16 = 0x6A81;
    pub const FILE_NOT_FOUND: u16 = 0x6A82;
    pub const RECORD_NOT_FOUND: u16 = 0x6A83;
    pub const NOT_ENOUGH_MEMORY: u16 = 0x6A84;
    pub const INCORRECT_P1P2: u16 = 0x6A86;
    pub const REFERENCED_DATA_NOT_FOUND: u16 = 0x6A88;
    pub const WRONG_P1P2: u16 = 0x6B00;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    pub const NO_PRECISE_DIAGNOSIS: u16 = 0x6F00;
    /// TS 31.102 AUTHENTICATE: MAC failure.
    pub const AUTH_ERROR_INCORRECT_MAC: u16 = 0x9862;

    /// A short name for logs and reports.
    pub fn describe(sw: u16) -> String {
        let text = match sw {
            OK => "ok",
            WARNING_EOF => "end of file/record reached before Le bytes",
            WARNING_SELECTED_INVALIDATED => "selected file invalidated",
            MEMORY_FAILURE => "memory problem",
            WRONG_LENGTH => "wrong length",
            LOGICAL_CHANNEL_NOT_SUPPORTED => "logical channel not supported",
            SECURE_MESSAGING_NOT_SUPPORTED => "secure messaging not supported",
            LAST_COMMAND_EXPECTED => "last command of the chain expected",
            COMMAND_INCOMPATIBLE_WITH_FILE => "command incompatible with file structure",
            SECURITY_STATUS_NOT_SATISFIED => "security status not satisfied",
            AUTH_METHOD_BLOCKED => "authentication method blocked",
            REFERENCED_DATA_INVALIDATED => "referenced data invalidated",
            CONDITIONS_NOT_SATISFIED => "conditions of use not satisfied",
            COMMAND_NOT_ALLOWED_NO_EF => "command not allowed (no current EF)",
            WRONG_DATA => "incorrect parameters in the data field",
            FUNCTION_NOT_SUPPORTED => "function not supported",
            FILE_NOT_FOUND => "file or application not found",
            RECORD_NOT_FOUND => "record not found",
            NOT_ENOUGH_MEMORY => "not enough memory space",
            INCORRECT_P1P2 => "incorrect P1-P2",
            REFERENCED_DATA_NOT_FOUND => "referenced data not found",
            WRONG_P1P2 => "wrong parameters P1-P2",
            INS_NOT_SUPPORTED => "instruction not supported",
            CLA_NOT_SUPPORTED => "class not supported",
            NO_PRECISE_DIAGNOSIS => "no precise diagnosis",
            AUTH_ERROR_INCORRECT_MAC => "authentication error, incorrect MAC",
            _ => match (sw >> 8) as u8 {
                MORE_DATA => return format!("{sw:04X} ({} more bytes)", sw & 0xFF),
                WRONG_LE => return format!("{sw:04X} (wrong Le, use {})", sw & 0xFF),
                0x63 if sw & 0xF0 == 0xC0 => {
                    return format!("{sw:04X} (verification failed, {} tries left)", sw & 0x0F)
                }
                _ => "unknown",
            },
        };
        format!("{sw:04X} ({text})")
    }
}

/// Instruction bytes the roles use.
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const MANAGE_CHANNEL: u8 = 0x70;
    pub const GET_RESPONSE: u8 = 0xC0;
    pub const STORE_DATA: u8 = 0xE2;
    pub const READ_BINARY: u8 = 0xB0;
    pub const UPDATE_BINARY: u8 = 0xD6;
    pub const READ_RECORD: u8 = 0xB2;
    pub const UPDATE_RECORD: u8 = 0xDC;
    pub const STATUS: u8 = 0xF2;
    pub const VERIFY: u8 = 0x20;
    pub const UNBLOCK_PIN: u8 = 0x2C;
    pub const AUTHENTICATE: u8 = 0x88;
    pub const GET_DATA: u8 = 0xCA;
}

/// Why bytes are not an APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command APDU of {0} bytes: at least 4 (CLA INS P1 P2) needed")]
    TooShort(usize),
    #[error("response APDU of {0} bytes: at least 2 (SW1 SW2) needed")]
    ResponseTooShort(usize),
    #[error("Lc {lc} but {available} data bytes follow")]
    LcMismatch { lc: usize, available: usize },
    #[error("extended length APDU truncated at byte {0}")]
    ExtendedTruncated(usize),
    #[error("Lc of 0 in extended form")]
    ZeroExtendedLc,
    #[error("{0} data bytes exceed the 65535 an APDU can carry")]
    DataTooLong(usize),
    #[error("INS {0:02X} is invalid (6X and 9X are reserved for status words)")]
    InvalidIns(u8),
    #[error("CLA FF is reserved for PPS")]
    InvalidCla,
}

/// A command APDU (ISO/IEC 7816-4 §5.1, cases 1–4, short and extended).
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length: `None` = absent; `Some(0)` in short form means 256.
    pub le: Option<usize>,
    /// Extended length encoding (3-byte Lc/Le).
    pub extended: bool,
}

impl fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02X} {:02X} {:02X} {:02X}",
            self.cla, self.ins, self.p1, self.p2
        )?;
        if !self.data.is_empty() {
            write!(
                f,
                " Lc={} {}",
                self.data.len(),
                hex::encode_upper(&self.data)
            )?;
        }
        if let Some(le) = self.le {
            write!(f, " Le={le}")?;
        }
        Ok(())
    }
}

impl CommandApdu {
    /// A case-1 command (no data, no Le).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> CommandApdu {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            extended: false,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> CommandApdu {
        self.data = data.into();
        if self.data.len() > 255 {
            self.extended = true;
        }
        self
    }

    pub fn with_le(mut self, le: usize) -> CommandApdu {
        self.le = Some(le);
        if le > 256 {
            self.extended = true;
        }
        self
    }

    /// Parses the bytes of a command (cases 1, 2S/E, 3S/E, 4S/E).
    pub fn parse(bytes: &[u8]) -> Result<CommandApdu, ApduError> {
        if bytes.len() < 4 {
            return Err(ApduError::TooShort(bytes.len()));
        }
        let mut apdu = CommandApdu::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let body = &bytes[4..];
        match body.len() {
            0 => {}
            1 => apdu.le = Some(usize::from(body[0])),
            _ if body[0] != 0 => {
                let lc = usize::from(body[0]);
                let rest = &body[1..];
                if rest.len() == lc {
                    apdu.data = rest.to_vec();
                } else if rest.len() == lc + 1 {
                    apdu.data = rest[..lc].to_vec();
                    apdu.le = Some(usize::from(rest[lc]));
                } else {
                    return Err(ApduError::LcMismatch {
                        lc,
                        available: rest.len(),
                    });
                }
            }
            _ => {
                // Extended: 00 followed by two length bytes.
                apdu.extended = true;
                if body.len() < 3 {
                    return Err(ApduError::ExtendedTruncated(4 + body.len()));
                }
                let n = usize::from(u16::from_be_bytes([body[1], body[2]]));
                let rest = &body[3..];
                if rest.is_empty() {
                    // Case 2E: Le only.
                    apdu.le = Some(n);
                } else {
                    if n == 0 {
                        return Err(ApduError::ZeroExtendedLc);
                    }
                    if rest.len() == n {
                        apdu.data = rest.to_vec();
                    } else if rest.len() == n + 2 {
                        apdu.data = rest[..n].to_vec();
                        apdu.le = Some(usize::from(u16::from_be_bytes([rest[n], rest[n + 1]])));
                    } else {
                        return Err(ApduError::LcMismatch {
                            lc: n,
                            available: rest.len(),
                        });
                    }
                }
            }
        }
        Ok(apdu)
    }

    /// The wire bytes. Short form unless `extended` is set (set automatically for long data).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.extended || self.data.len() > 255 || self.le.is_some_and(|l| l > 256);
        if extended {
            if !self.data.is_empty() {
                out.push(0);
                out.extend_from_slice(&(self.data.len().min(0xFFFF) as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 is encoded as 0000.
                out.extend_from_slice(&((le.min(65536) & 0xFFFF) as u16).to_be_bytes());
            }
        } else {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push((le.min(256) & 0xFF) as u8);
            }
        }
        out
    }

    /// Expected length in bytes (`Some(0)` in short form means 256; extended 0 means 65536).
    pub fn ne(&self) -> Option<usize> {
        self.le.map(|le| match (le, self.extended) {
            (0, false) => 256,
            (0, true) => 65536,
            (n, _) => n,
        })
    }

    /// The logical channel the class byte addresses (ISO/IEC 7816-4 §5.4.1), or `None` for a
    /// class byte that codes no channel (CLA FF, the RFU `2X`/`3X` range).
    pub fn channel(&self) -> Option<u8> {
        class_channel(self.cla)
    }

    /// Whether secure messaging is indicated in the class byte.
    pub fn secure_messaging(&self) -> bool {
        if self.cla & 0x40 == 0 {
            self.cla & 0x0C != 0
        } else {
            self.cla & 0x20 != 0
        }
    }

    /// Whether the class byte flags command chaining (b5).
    pub fn chaining(&self) -> bool {
        self.cla & 0x10 != 0
    }
}

/// The logical channel coded in a class byte: first interindustry `0X`/`8X`-`AX` (channels 0–3,
/// bits b2-b1) or further interindustry `4X`-`7X`/`CX`-`FX` (channels 4–19, bits b4-b1).
pub fn class_channel(cla: u8) -> Option<u8> {
    if cla == 0xFF {
        return None;
    }
    match cla & 0x60 {
        0x00 => Some(cla & 0x03),
        0x40 | 0x60 => Some(4 + (cla & 0x0F)),
        _ => None,
    }
}

/// The class byte of `base` (`00` or `80`) on `channel` (0–19).
pub fn class_for_channel(base: u8, channel: u8) -> u8 {
    let proprietary = base & 0x80;
    if channel < 4 {
        proprietary | channel
    } else {
        proprietary | 0x40 | ((channel - 4) & 0x0F)
    }
}

/// A response APDU: data and the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.data.is_empty() {
            write!(f, "{} ", hex::encode_upper(&self.data))?;
        }
        write!(f, "{:04X}", self.sw)
    }
}

impl ResponseApdu {
    pub fn new(data: Vec<u8>, sw: u16) -> ResponseApdu {
        ResponseApdu { data, sw }
    }

    pub fn status(sw: u16) -> ResponseApdu {
        ResponseApdu {
            data: Vec::new(),
            sw,
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<ResponseApdu, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::ResponseTooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(ResponseApdu {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    pub fn sw1(&self) -> u8 {
        (self.sw >> 8) as u8
    }

    pub fn sw2(&self) -> u8 {
        self.sw as u8
    }

    pub fn is_ok(&self) -> bool {
        self.sw == sw::OK
    }
}

/// Why a transport could not exchange an APDU (the card answering with an error status word is
/// not a transport error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no card: {0}")]
    NoCard(String),
    #[error("card was reset or removed")]
    Reset,
    #[error("no answer within {0} ms")]
    Timeout(u64),
    #[error("transport I/O: {0}")]
    Io(String),
    #[error("malformed answer from the card: {0}")]
    Malformed(String),
}

/// Anything that carries APDUs to a card: the in-process reference eUICC, a PC/SC reader, a
/// test double. `transmit` takes and returns wire bytes (the response ends with SW1 SW2), so a
/// scenario can send deliberately malformed commands.
pub trait Transport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Resets the card (cold reset where the transport can). Returns the ATR.
    fn reset(&mut self) -> Result<Vec<u8>, TransportError>;

    /// Sends a command and parses the response.
    fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, TransportError> {
        let raw = self.transmit(&command.encode())?;
        ResponseApdu::parse(&raw).map_err(|e| TransportError::Malformed(e.to_string()))
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        (**self).reset()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        (**self).reset()
    }
}

/// STORE DATA P1 for a block that is not the last: BER-TLV structure, response may follow.
pub const STORE_DATA_P1_MORE: u8 = 0x11;
/// STORE DATA P1 for the last block.
pub const STORE_DATA_P1_LAST: u8 = 0x91;

/// The STORE DATA commands that carry `data` as one ES10 request on `channel`: blocks of at most
/// `block_size` bytes (1..=255), P2 = block number from 0, P1 11/91 (digest §3.1). `le` appends
/// Le=00 as pysim does (lpac omits it).
pub fn store_data_commands(
    channel: u8,
    data: &[u8],
    block_size: usize,
    le: bool,
) -> Vec<CommandApdu> {
    let size = block_size.clamp(1, 255);
    let cla = class_for_channel(0x80, channel);
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(size).collect()
    };
    let last = blocks.len() - 1;
    blocks
        .into_iter()
        .enumerate()
        .map(|(i, block)| {
            let p1 = if i == last {
                STORE_DATA_P1_LAST
            } else {
                STORE_DATA_P1_MORE
            };
            let mut c = CommandApdu::new(cla, ins::STORE_DATA, p1, (i & 0xFF) as u8)
                .with_data(block.to_vec());
            if le {
                c = c.with_le(0);
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::case1("00A40000", None, 0, false)]
    #[case::case2s("00C0000010", Some(16), 0, false)]
    #[case::case3s("80E2910003BF2E00", None, 3, false)]
    #[case::case4s("80E2910003BF2E0000", Some(0), 3, false)]
    #[case::case2e("00B00000000100", Some(256), 0, true)]
    #[case::case3e("80E29100000003BF2E00", None, 3, true)]
    #[case::case4e("80E29100000003BF2E000000", Some(0), 3, true)]
    fn parses_every_case(
        #[case] hex_apdu: &str,
        #[case] le: Option<usize>,
        #[case] lc: usize,
        #[case] extended: bool,
    ) {
        let bytes = hex::decode(hex_apdu).unwrap();
        let apdu = CommandApdu::parse(&bytes).unwrap();
        assert_eq!(apdu.le, le);
        assert_eq!(apdu.data.len(), lc);
        assert_eq!(apdu.extended, extended);
        assert_eq!(apdu.encode(), bytes, "re-encodes byte for byte");
    }

    #[rstest]
    #[case::empty("", ApduError::TooShort(0))]
    #[case::three("00A400", ApduError::TooShort(3))]
    #[case::lc_long("00A4040005A000", ApduError::LcMismatch { lc: 5, available: 2 })]
    #[case::lc_short("00A4040002A0000001", ApduError::LcMismatch { lc: 2, available: 4 })]
    #[case::ext_trunc("00A404000001", ApduError::ExtendedTruncated(6))]
    #[case::ext_zero("00A40400000000AA", ApduError::ZeroExtendedLc)]
    fn rejects_malformed(#[case] hex_apdu: &str, #[case] expected: ApduError) {
        let bytes = hex::decode(hex_apdu).unwrap();
        assert_eq!(CommandApdu::parse(&bytes), Err(expected));
    }

    #[rstest]
    #[case(0x00, Some(0))]
    #[case(0x03, Some(3))]
    #[case(0x81, Some(1))]
    #[case(0x40, Some(4))]
    #[case(0x4F, Some(19))]
    #[case(0xC5, Some(9))]
    #[case(0x20, None)]
    #[case(0xFF, None)]
    fn class_channels(#[case] cla: u8, #[case] channel: Option<u8>) {
        assert_eq!(class_channel(cla), channel);
    }

    #[test]
    fn class_for_channel_inverts_class_channel() {
        for ch in 0..20 {
            assert_eq!(class_channel(class_for_channel(0x80, ch)), Some(ch));
            assert_eq!(class_channel(class_for_channel(0x00, ch)), Some(ch));
        }
    }

    #[test]
    fn store_data_blocks() {
        let data: Vec<u8> = (0..=255u8).collect();
        let cmds = store_data_commands(1, &data, 120, false);
        assert_eq!(cmds.len(), 3);
        assert_eq!(
            cmds.iter().map(|c| (c.cla, c.p1, c.p2)).collect::<Vec<_>>(),
            [(0x81, 0x11, 0), (0x81, 0x11, 1), (0x81, 0x91, 2)]
        );
        let joined: Vec<u8> = cmds.iter().flat_map(|c| c.data.clone()).collect();
        assert_eq!(joined, data);
        let single = store_data_commands(0, &[0xBF, 0x2E, 0x00], 255, true);
        assert_eq!(hex::encode_upper(single[0].encode()), "80E2910003BF2E0000");
    }

    #[test]
    fn describes_status_words() {
        assert_eq!(sw::describe(0x9000), "9000 (ok)");
        assert_eq!(sw::describe(0x6110), "6110 (16 more bytes)");
        assert_eq!(
            sw::describe(0x63C2),
            "63C2 (verification failed, 2 tries left)"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(apdu) = CommandApdu::parse(&bytes) {
                prop_assert_eq!(apdu.encode(), bytes);
            }
        }

        #[test]
        fn encode_parse_round_trip(
            header in any::<[u8; 4]>(),
            data in proptest::collection::vec(any::<u8>(), 0..400),
            le in proptest::option::of(0usize..=256),
        ) {
            let mut c = CommandApdu::new(header[0], header[1], header[2], header[3]).with_data(data);
            if let Some(le) = le { c = c.with_le(le); }
            let parsed = CommandApdu::parse(&c.encode()).unwrap();
            prop_assert_eq!(parsed.ne(), c.ne());
            prop_assert_eq!(parsed.data, c.data);
        }
    }
}
