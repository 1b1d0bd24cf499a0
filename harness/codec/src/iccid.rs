//! ICCID (ITU-T E.118 integrated circuit card identifier; digest §7.2).
//!
//! An [`Iccid`] holds 18–20 decimal digits. Two binary codings exist:
//!
//! * **EF.ICCID coding** ([`Iccid::from_bcd`], [`Iccid::to_bcd`]): 10 bytes, nibble-swapped BCD
//!   (the first digit is the *low* nibble of the first byte), unused nibbles at the end set to
//!   `F`. This is what EF.ICCID holds and what every RSP-level `Iccid` (`5A` in StoreMetadata,
//!   ProfileInfo, notifications) carries: digits `89000123456789012341` ↔ bytes
//!   `98 00 10 32 54 76 98 10 32 14`.
//! * **Plain-order BCD** ([`Iccid::from_plain_bcd`], [`Iccid::to_plain_bcd`]): the first digit
//!   is the *high* nibble. Some profile packages carry the ProfileHeader `iccid` this way
//!   (`89 00 01 23 45 67 89 01 23 41`); whether the PE spec mandates it is unconfirmed.
//!
//! The Luhn check digit (E.118) is the **last** digit, computed over all the digits before it.
//! [`Iccid::parse`] does not require it (20-digit ICCIDs without a valid Luhn digit exist in the
//! wild); [`Iccid::parse_strict`] does.

use std::fmt;
use std::str::FromStr;

/// Fewest digits accepted.
pub const MIN_DIGITS: usize = 18;
/// Most digits accepted.
pub const MAX_DIGITS: usize = 20;
/// Bytes of an ICCID in BCD (EF.ICCID size).
pub const ICCID_BYTES: usize = 10;

/// Why an ICCID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IccidError {
    #[error("ICCID must have 18 to 20 digits, found {found}")]
    WrongLength { found: usize },
    #[error("ICCID character {character:?} at position {position} is not a decimal digit")]
    NonDigit { position: usize, character: char },
    #[error(
        "ICCID has a trailing 'F' padding digit but {digits} digits; \
         padding is only accepted after 19 digits"
    )]
    UnexpectedPadding { digits: usize },
    #[error("ICCID must be {expected} bytes of BCD, found {found} bytes")]
    WrongByteLength { expected: usize, found: usize },
    #[error(
        "ICCID byte 0x{byte:02X} at offset {offset} has a nibble that is neither a digit nor \
         'F' padding"
    )]
    BadNibble { offset: usize, byte: u8 },
    #[error(
        "ICCID byte at offset {offset} has a digit after 'F' padding; padding is only allowed \
         at the end"
    )]
    PaddingNotAtEnd { offset: usize },
    #[error("ICCID Luhn check digit is wrong: expected {expected}, found {found}")]
    LuhnMismatch { expected: u8, found: u8 },
}

impl IccidError {
    /// The variant name, e.g. `"PaddingNotAtEnd"`.
    pub fn kind(&self) -> &'static str {
        match self {
            IccidError::WrongLength { .. } => "WrongLength",
            IccidError::NonDigit { .. } => "NonDigit",
            IccidError::UnexpectedPadding { .. } => "UnexpectedPadding",
            IccidError::WrongByteLength { .. } => "WrongByteLength",
            IccidError::BadNibble { .. } => "BadNibble",
            IccidError::PaddingNotAtEnd { .. } => "PaddingNotAtEnd",
            IccidError::LuhnMismatch { .. } => "LuhnMismatch",
        }
    }
}

fn check_digits_only(s: &str) -> Result<(), IccidError> {
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(IccidError::NonDigit {
            position: i + 1,
            character: c,
        }),
        None => Ok(()),
    }
}

/// Luhn check digit (0–9) for `payload`, the digits that precede the check digit.
pub fn luhn_check_digit(payload: &str) -> Result<u8, IccidError> {
    check_digits_only(payload)?;
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .fold(0u32, u32::wrapping_add);
    // (10 - sum mod 10) mod 10 is 0..=9; the cast cannot truncate.
    Ok(((10 - sum % 10) % 10) as u8)
}

/// An ICCID of 18–20 decimal digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid {
    digits: String,
}

impl Iccid {
    /// Parses 18–20 decimal digits; a single trailing `F`/`f` after exactly 19 digits (as ES2+
    /// sends padded ICCIDs) is accepted and dropped. No whitespace is trimmed.
    pub fn parse(s: &str) -> Result<Iccid, IccidError> {
        let (body, padded) = match s.strip_suffix(['F', 'f']) {
            Some(body) => (body, true),
            None => (s, false),
        };
        check_digits_only(body)?;
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&body.len()) {
            return Err(IccidError::WrongLength { found: body.len() });
        }
        if padded && body.len() != MAX_DIGITS - 1 {
            return Err(IccidError::UnexpectedPadding { digits: body.len() });
        }
        Ok(Iccid {
            digits: body.to_string(),
        })
    }

    /// Like [`Iccid::parse`], and the last digit must be the Luhn check digit of the others.
    pub fn parse_strict(s: &str) -> Result<Iccid, IccidError> {
        let iccid = Iccid::parse(s)?;
        iccid.verify_luhn()?;
        Ok(iccid)
    }

    /// Decodes the EF.ICCID coding: 10 bytes, nibble-swapped, `F` padding only at the end.
    pub fn from_bcd(bytes: &[u8]) -> Result<Iccid, IccidError> {
        decode(bytes, true)
    }

    /// Decodes plain-order BCD (first digit in the high nibble), `F` padding only at the end.
    pub fn from_plain_bcd(bytes: &[u8]) -> Result<Iccid, IccidError> {
        decode(bytes, false)
    }

    /// EF.ICCID coding (nibble-swapped, `F`-padded).
    pub fn to_bcd(&self) -> [u8; ICCID_BYTES] {
        self.encode(true)
    }

    /// Plain-order BCD, `F`-padded.
    pub fn to_plain_bcd(&self) -> [u8; ICCID_BYTES] {
        self.encode(false)
    }

    fn encode(&self, swapped: bool) -> [u8; ICCID_BYTES] {
        let mut out = [0xFFu8; ICCID_BYTES];
        for (i, b) in self.digits.bytes().enumerate() {
            let d = b.wrapping_sub(b'0') & 0x0F;
            if let Some(byte) = out.get_mut(i / 2) {
                let high = (i % 2 == 0) != swapped;
                *byte = if high {
                    (*byte & 0x0F) | (d << 4)
                } else {
                    (*byte & 0xF0) | d
                };
            }
        }
        out
    }

    /// The digits (without padding).
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// Number of digits (18–20).
    pub fn len(&self) -> usize {
        self.digits.len()
    }

    /// Always false (an ICCID has at least 18 digits); provided for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether the last digit is the Luhn check digit of the preceding ones.
    pub fn luhn_valid(&self) -> bool {
        self.verify_luhn().is_ok()
    }

    fn verify_luhn(&self) -> Result<(), IccidError> {
        let (payload, last) = self.digits.split_at(self.digits.len().saturating_sub(1));
        let found = last.bytes().next().map_or(0, |b| b.wrapping_sub(b'0'));
        let expected = luhn_check_digit(payload)?;
        if expected == found {
            Ok(())
        } else {
            Err(IccidError::LuhnMismatch { expected, found })
        }
    }
}

fn decode(bytes: &[u8], swapped: bool) -> Result<Iccid, IccidError> {
    if bytes.len() != ICCID_BYTES {
        return Err(IccidError::WrongByteLength {
            expected: ICCID_BYTES,
            found: bytes.len(),
        });
    }
    let mut digits = String::with_capacity(MAX_DIGITS);
    let mut padding = false;
    for (offset, &byte) in bytes.iter().enumerate() {
        let (first, second) = if swapped {
            (byte & 0x0F, byte >> 4)
        } else {
            (byte >> 4, byte & 0x0F)
        };
        for nibble in [first, second] {
            match nibble {
                0..=9 if padding => return Err(IccidError::PaddingNotAtEnd { offset }),
                0..=9 => digits.push(char::from(b'0' + nibble)),
                0xF => padding = true,
                _ => return Err(IccidError::BadNibble { offset, byte }),
            }
        }
    }
    if digits.len() < MIN_DIGITS {
        return Err(IccidError::WrongLength {
            found: digits.len(),
        });
    }
    Ok(Iccid { digits })
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl fmt::Debug for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iccid({})", self.digits)
    }
}

impl FromStr for Iccid {
    type Err = IccidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iccid::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn ef_iccid_vs_plain_header_coding() {
        let ef = hex("98001032547698103214");
        let plain = hex("89000123456789012341");
        let a = Iccid::from_bcd(&ef).unwrap();
        assert_eq!(a.to_string(), "89000123456789012341");
        assert_eq!(a.to_bcd().to_vec(), ef);
        assert_eq!(a.to_plain_bcd().to_vec(), plain);
        let b = Iccid::from_plain_bcd(&plain).unwrap();
        assert_eq!(a, b);
        assert!(a.luhn_valid());
        assert_eq!(Iccid::parse_strict("89000123456789012341"), Ok(a.clone()));
        // Reading the header's plain coding as EF.ICCID gives the swapped digits.
        assert_eq!(
            Iccid::from_bcd(&plain).unwrap().as_str(),
            "98001032547698103214"
        );
    }

    #[test]
    fn nineteen_digits_padding() {
        let i = Iccid::parse("8988211000000012347F").unwrap();
        assert_eq!(i.as_str(), "8988211000000012347");
        assert_eq!(i.len(), 19);
        assert_eq!(Iccid::parse("8988211000000012347f"), Ok(i.clone()));
        assert_eq!(Iccid::parse("8988211000000012347"), Ok(i.clone()));
        let ef = i.to_bcd();
        assert_eq!(ef.to_vec(), hex("988812010000002143F7"));
        assert_eq!(ef[9], 0xF7);
        assert_eq!(Iccid::from_bcd(&ef), Ok(i.clone()));
        assert_eq!(i.to_plain_bcd()[9], 0x7F);
        assert_eq!(Iccid::from_plain_bcd(&i.to_plain_bcd()), Ok(i.clone()));
        assert!(i.luhn_valid());
        let eighteen = Iccid::parse("898821100000001234").unwrap();
        assert_eq!(eighteen.to_bcd()[9], 0xFF);
        assert_eq!(Iccid::from_bcd(&eighteen.to_bcd()), Ok(eighteen));
    }

    #[test]
    fn errors() {
        let mut ef = hex("98001032547698103214");
        ef[4] = 0x5A;
        assert_eq!(
            Iccid::from_bcd(&ef),
            Err(IccidError::BadNibble {
                offset: 4,
                byte: 0x5A
            })
        );
        // F in the middle: digit after padding.
        let mid = hex("9800102F547698103214");
        assert_eq!(
            Iccid::from_bcd(&mid),
            Err(IccidError::PaddingNotAtEnd { offset: 3 })
        );
        let mid = hex("98001032547698102F14");
        assert_eq!(
            Iccid::from_bcd(&mid),
            Err(IccidError::PaddingNotAtEnd { offset: 8 })
        );
        assert_eq!(
            Iccid::from_bcd(&hex("980010325476981032")),
            Err(IccidError::WrongByteLength {
                expected: 10,
                found: 9
            })
        );
        assert_eq!(
            Iccid::from_bcd(&hex("98001032547698F1FFFF")),
            Err(IccidError::WrongLength { found: 15 })
        );
        assert_eq!(
            Iccid::parse("89000123456789012"),
            Err(IccidError::WrongLength { found: 17 })
        );
        assert_eq!(
            Iccid::parse("890001234567890123412"),
            Err(IccidError::WrongLength { found: 21 })
        );
        assert_eq!(
            Iccid::parse("8900012345F789012341"),
            Err(IccidError::NonDigit {
                position: 11,
                character: 'F'
            })
        );
        assert_eq!(
            Iccid::parse("890001234567890123F"),
            Err(IccidError::UnexpectedPadding { digits: 18 })
        );
        assert_eq!(
            Iccid::parse("89000123456789012341F"),
            Err(IccidError::UnexpectedPadding { digits: 20 })
        );
        assert_eq!(
            Iccid::parse_strict("89000123456789012342"),
            Err(IccidError::LuhnMismatch {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            luhn_check_digit("8900x"),
            Err(IccidError::NonDigit {
                position: 5,
                character: 'x'
            })
        );
        assert_eq!(luhn_check_digit("7992739871"), Ok(3));
        assert_eq!(luhn_check_digit(""), Ok(0));
    }

    proptest! {
        #[test]
        fn round_trips(digits in "[0-9]{18,20}") {
            let i = Iccid::parse(&digits).unwrap();
            prop_assert_eq!(i.to_string(), digits.clone());
            prop_assert_eq!(Iccid::from_bcd(&i.to_bcd()), Ok(i.clone()));
            prop_assert_eq!(Iccid::from_plain_bcd(&i.to_plain_bcd()), Ok(i.clone()));
            let payload = &digits[..digits.len() - 1];
            let with_luhn = format!("{payload}{}", luhn_check_digit(payload).unwrap());
            prop_assert!(Iccid::parse_strict(&with_luhn).is_ok());
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}", b in prop::collection::vec(any::<u8>(), 0..12)) {
            let _ = Iccid::parse(&s);
            let _ = Iccid::parse_strict(&s);
            let _ = luhn_check_digit(&s);
            let _ = Iccid::from_bcd(&b);
            let _ = Iccid::from_plain_bcd(&b);
        }
    }
}
