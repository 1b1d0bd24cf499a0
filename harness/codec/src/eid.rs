//! eUICC identifier (EID; digest §6).
//!
//! An EID is 32 decimal digits, the last two being check digits (ISO/IEC 7064 MOD 97-10 style,
//! SGP.29 §10): over the 32-digit number, `EID mod 97 == 1`. To compute them, take the first 30
//! digits, append `00`, and subtract that number mod 97 from 98. On the wire (GetEID, tag `5A`)
//! the EID is 16 bytes of BCD in plain order, *not* nibble-swapped: `89 04 90 32 …`.
//!
//! [`Eid`] only ever holds decimal digits; constructors verify the check digits, except
//! [`Eid::parse_unverified`] / [`Eid::from_bcd_unverified`], which exist so that tests and the
//! fuzzer can build EIDs with wrong check digits. No input is trimmed: `" 8904…"` is an error.

use std::fmt;
use std::str::FromStr;

/// Number of digits in an EID.
pub const EID_DIGITS: usize = 32;
/// Number of digits before the check digits.
pub const EID_BASE_DIGITS: usize = 30;
/// Number of bytes of an EID in BCD.
pub const EID_BYTES: usize = 16;

/// Why an EID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EidError {
    #[error("EID must have {expected} decimal digits, found {found} characters")]
    WrongLength { expected: usize, found: usize },
    #[error("EID character {character:?} at position {position} is not a decimal digit")]
    NonDigit { position: usize, character: char },
    #[error("EID must be {expected} bytes of BCD, found {found} bytes")]
    WrongByteLength { expected: usize, found: usize },
    #[error(
        "EID byte 0x{byte:02X} at offset {offset} is not BCD (every nibble must be 0-9; \
         EIDs are not F-padded)"
    )]
    BadNibble { offset: usize, byte: u8 },
    #[error("EID check digits are wrong: expected {expected:02}, found {found:02}")]
    CheckDigits { expected: u8, found: u8 },
}

impl EidError {
    /// The variant name, e.g. `"CheckDigits"`.
    pub fn kind(&self) -> &'static str {
        match self {
            EidError::WrongLength { .. } => "WrongLength",
            EidError::NonDigit { .. } => "NonDigit",
            EidError::WrongByteLength { .. } => "WrongByteLength",
            EidError::BadNibble { .. } => "BadNibble",
            EidError::CheckDigits { .. } => "CheckDigits",
        }
    }
}

/// Checks that `s` is exactly `expected` ASCII digits and returns their values.
fn digit_values(s: &str, expected: usize) -> Result<impl Iterator<Item = u8> + '_, EidError> {
    // Count at most expected + 1 characters so that a huge input costs nothing extra.
    let found = s.chars().take(expected.saturating_add(1)).count();
    if found != expected {
        return Err(EidError::WrongLength {
            expected,
            found: if found > expected {
                s.chars().count()
            } else {
                found
            },
        });
    }
    if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(EidError::NonDigit {
            position: i + 1,
            character: c,
        });
    }
    Ok(s.bytes().map(|b| b.wrapping_sub(b'0')))
}

/// `digits mod 97`, digit by digit.
fn mod97(digits: impl Iterator<Item = u8>) -> u32 {
    digits.fold(0u32, |acc, d| (acc * 10 + u32::from(d)) % 97)
}

fn check_value(base: impl Iterator<Item = u8>) -> u8 {
    // (base ‖ "00") mod 97 = (base mod 97) * 100 mod 97.
    let r = (mod97(base) * 100) % 97;
    // 98 - r is in 2..=98; the cast cannot truncate.
    (98 - r) as u8
}

/// Computes the two check digits for a 30-digit EID base, as ASCII digits (e.g. `*b"35"`).
pub fn compute_check_digits(first30: &str) -> Result<[u8; 2], EidError> {
    let v = check_value(digit_values(first30, EID_BASE_DIGITS)?);
    Ok([b'0' + v / 10, b'0' + v % 10])
}

/// An EID: 16 bytes of plain-order BCD, every nibble a decimal digit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eid([u8; EID_BYTES]);

impl Eid {
    /// Parses 32 decimal digits and verifies the check digits.
    pub fn parse(s: &str) -> Result<Eid, EidError> {
        let eid = Eid::parse_unverified(s)?;
        eid.verify()?;
        Ok(eid)
    }

    /// Parses 32 decimal digits without verifying the check digits.
    pub fn parse_unverified(s: &str) -> Result<Eid, EidError> {
        let mut bytes = [0u8; EID_BYTES];
        for (i, d) in digit_values(s, EID_DIGITS)?.enumerate() {
            if let Some(b) = bytes.get_mut(i / 2) {
                *b |= if i % 2 == 0 { d << 4 } else { d };
            }
        }
        Ok(Eid(bytes))
    }

    /// Decodes 16 bytes of BCD (as in GetEID's `5A` value) and verifies the check digits.
    pub fn from_bcd(bytes: &[u8]) -> Result<Eid, EidError> {
        let eid = Eid::from_bcd_unverified(bytes)?;
        eid.verify()?;
        Ok(eid)
    }

    /// Decodes 16 bytes of BCD without verifying the check digits.
    pub fn from_bcd_unverified(bytes: &[u8]) -> Result<Eid, EidError> {
        let arr: [u8; EID_BYTES] = bytes.try_into().map_err(|_| EidError::WrongByteLength {
            expected: EID_BYTES,
            found: bytes.len(),
        })?;
        if let Some((offset, &byte)) = arr
            .iter()
            .enumerate()
            .find(|(_, &b)| b >> 4 > 9 || b & 0x0F > 9)
        {
            return Err(EidError::BadNibble { offset, byte });
        }
        Ok(Eid(arr))
    }

    /// Builds an EID from its first 30 digits by appending the check digits.
    pub fn from_base(first30: &str) -> Result<Eid, EidError> {
        let [a, b] = compute_check_digits(first30)?;
        let mut bytes = [0u8; EID_BYTES];
        let digits = first30.bytes().chain([a, b]).map(|c| c.wrapping_sub(b'0'));
        for (i, d) in digits.enumerate() {
            if let Some(byte) = bytes.get_mut(i / 2) {
                *byte |= if i % 2 == 0 { d << 4 } else { d };
            }
        }
        Ok(Eid(bytes))
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().flat_map(|b| [b >> 4, b & 0x0F])
    }

    /// The check digits as written in the EID (last two digits), as a number 0–99.
    pub fn check_digits(&self) -> u8 {
        self.0.last().map_or(0, |b| (b >> 4) * 10 + (b & 0x0F))
    }

    /// The check digits the first 30 digits call for, as a number 2–98.
    pub fn expected_check_digits(&self) -> u8 {
        check_value(self.digits().take(EID_BASE_DIGITS))
    }

    /// Whether the whole EID mod 97 equals 1.
    pub fn check_digits_valid(&self) -> bool {
        mod97(self.digits()) == 1
    }

    fn verify(&self) -> Result<(), EidError> {
        if self.check_digits_valid() {
            Ok(())
        } else {
            Err(EidError::CheckDigits {
                expected: self.expected_check_digits(),
                found: self.check_digits(),
            })
        }
    }

    /// The 32 digits.
    pub fn to_digits(&self) -> String {
        self.to_string()
    }

    /// The 16 BCD bytes, as sent in GetEID.
    pub fn as_bytes(&self) -> &[u8; EID_BYTES] {
        &self.0
    }
}

impl fmt::Display for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{:02X}", b)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eid({self})")
    }
}

impl FromStr for Eid {
    type Err = EidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Eid::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SGP26_EID: &str = "89049032123451234512345678901235";

    #[test]
    fn digest_worked_examples() {
        let eid = Eid::parse(SGP26_EID).unwrap();
        assert_eq!(eid.to_digits(), SGP26_EID);
        assert_eq!(eid.as_bytes()[..4], [0x89, 0x04, 0x90, 0x32]);
        assert_eq!(
            compute_check_digits("890490321234512345123456789012"),
            Ok(*b"35")
        );
        assert_eq!(
            compute_check_digits("890000000000000000000000000000"),
            Ok(*b"02")
        );
        assert_eq!(
            Eid::from_base("890000000000000000000000000000")
                .unwrap()
                .to_string(),
            "89000000000000000000000000000002"
        );
        // Counter-check from the digest: "…901335" mod 97 = 4, so it is invalid.
        let bad = "89049032123451234512345678901335";
        assert_eq!(mod97(bad.bytes().map(|b| b - b'0')), 4);
        assert_eq!(Eid::parse(bad).map_err(|e| e.kind()), Err("CheckDigits"));
        assert_eq!(mod97(SGP26_EID.bytes().map(|b| b - b'0')), 1);
    }

    #[test]
    fn counter_example_is_invalid() {
        // "…901335": the base differs from the SGP.26 EID, the check digits do not.
        let err = Eid::parse("89049032123451234512345678901335").unwrap_err();
        let expected = compute_check_digits("890490321234512345123456789013").unwrap();
        let expected = (expected[0] - b'0') * 10 + (expected[1] - b'0');
        assert_eq!(
            err,
            EidError::CheckDigits {
                expected,
                found: 35
            }
        );
        assert_eq!(
            err.to_string(),
            format!("EID check digits are wrong: expected {expected:02}, found 35")
        );
        let raw = Eid::parse_unverified("89049032123451234512345678901335").unwrap();
        assert!(!raw.check_digits_valid());
    }

    #[test]
    fn errors() {
        assert_eq!(
            Eid::parse("8904903212345123451234567890123"),
            Err(EidError::WrongLength {
                expected: 32,
                found: 31
            })
        );
        assert_eq!(
            Eid::parse("890490321234512345123456789012355"),
            Err(EidError::WrongLength {
                expected: 32,
                found: 33
            })
        );
        assert_eq!(
            Eid::parse("8904903212345123451234567890123A"),
            Err(EidError::NonDigit {
                position: 32,
                character: 'A'
            })
        );
        assert_eq!(
            Eid::parse("8904903212345123451234567890123é"),
            Err(EidError::NonDigit {
                position: 32,
                character: 'é'
            })
        );
        assert_eq!(
            compute_check_digits("89049032"),
            Err(EidError::WrongLength {
                expected: 30,
                found: 8
            })
        );
        let mut bytes = *Eid::parse(SGP26_EID).unwrap().as_bytes();
        assert_eq!(Eid::from_bcd(&bytes), Eid::parse(SGP26_EID));
        assert_eq!(
            Eid::from_bcd(&bytes[..15]),
            Err(EidError::WrongByteLength {
                expected: 16,
                found: 15
            })
        );
        bytes[15] = 0x3F;
        assert_eq!(
            Eid::from_bcd(&bytes),
            Err(EidError::BadNibble {
                offset: 15,
                byte: 0x3F
            })
        );
        bytes[15] = 0x36;
        assert_eq!(
            Eid::from_bcd(&bytes),
            Err(EidError::CheckDigits {
                expected: 35,
                found: 36
            })
        );
        assert!(EidError::BadNibble {
            offset: 3,
            byte: 0xA1
        }
        .to_string()
        .contains("0xA1 at offset 3"));
    }

    proptest! {
        #[test]
        fn from_base_round_trip(base in "[0-9]{30}") {
            let eid = Eid::from_base(&base).unwrap();
            let digits = eid.to_digits();
            prop_assert!(digits.starts_with(&base));
            prop_assert!(eid.check_digits_valid());
            prop_assert_eq!(Eid::parse(&digits), Ok(eid));
            prop_assert_eq!(Eid::from_bcd(eid.as_bytes()), Ok(eid));
            // Any single-digit change is detected.
            for (i, c) in digits.char_indices() {
                let d = c.to_digit(10).unwrap();
                let mut other = digits.clone();
                other.replace_range(i..i + 1, &((d + 1) % 10).to_string());
                prop_assert_eq!(Eid::parse(&other).map_err(|e| e.kind()), Err("CheckDigits"));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}", b in prop::collection::vec(any::<u8>(), 0..20)) {
            let _ = Eid::parse(&s);
            let _ = compute_check_digits(&s);
            let _ = Eid::from_base(&s);
            let _ = Eid::from_bcd(&b);
        }
    }
}
