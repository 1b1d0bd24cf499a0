//! Content-octet codecs for the universal types SGP.22 uses: INTEGER, BOOLEAN, NULL,
//! OBJECT IDENTIFIER, BIT STRING and UTF8String. Each decoder checks DER rules and says what is
//! wrong; none panics.

/// A primitive content that does not follow its type's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("empty INTEGER")]
    EmptyInteger,
    #[error("INTEGER not minimally encoded")]
    NonMinimalInteger,
    #[error("INTEGER of {len} bytes does not fit 64 bits")]
    IntegerTooLarge { len: usize },
    #[error("BOOLEAN must be 1 byte, got {len}")]
    BooleanLength { len: usize },
    #[error("BOOLEAN TRUE must be FF in DER, got {value:02X}")]
    BooleanValue { value: u8 },
    #[error("NULL must be empty, got {len} bytes")]
    NullNotEmpty { len: usize },
    #[error("empty OBJECT IDENTIFIER")]
    EmptyOid,
    #[error("OBJECT IDENTIFIER arc not minimally encoded at byte {index}")]
    NonMinimalOidArc { index: usize },
    #[error("OBJECT IDENTIFIER ends inside an arc")]
    TruncatedOid,
    #[error("OBJECT IDENTIFIER arc too large at byte {index}")]
    OidArcTooLarge { index: usize },
    #[error("invalid dotted OID {text:?}: {reason}")]
    InvalidDottedOid { text: String, reason: &'static str },
    #[error("empty BIT STRING (no unused-bits octet)")]
    EmptyBitString,
    #[error("BIT STRING unused-bits count {unused} is over 7")]
    BitStringUnusedTooLarge { unused: u8 },
    #[error("BIT STRING with no data must have 0 unused bits, got {unused}")]
    BitStringEmptyWithUnused { unused: u8 },
    #[error("BIT STRING unused bits are not zero")]
    BitStringPaddingNotZero,
    #[error("invalid UTF-8 at byte {index}")]
    InvalidUtf8 { index: usize },
}

/// Minimal two's-complement content of an INTEGER.
pub fn encode_integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let b = bytes[start];
        let next_high = bytes[start + 1] & 0x80;
        if (b == 0x00 && next_high == 0) || (b == 0xFF && next_high != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// Decodes INTEGER content (DER: minimal) into an `i64`.
pub fn decode_integer(content: &[u8]) -> Result<i64, ContentError> {
    match content {
        [] => return Err(ContentError::EmptyInteger),
        [0x00, b, ..] if b & 0x80 == 0 => return Err(ContentError::NonMinimalInteger),
        [0xFF, b, ..] if b & 0x80 != 0 => return Err(ContentError::NonMinimalInteger),
        _ => {}
    }
    if content.len() > 8 {
        return Err(ContentError::IntegerTooLarge { len: content.len() });
    }
    let neg = content[0] & 0x80 != 0;
    let init: i64 = if neg { -1 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, b| (acc << 8) | i64::from(*b)))
}

pub fn encode_boolean(v: bool) -> Vec<u8> {
    vec![if v { 0xFF } else { 0x00 }]
}

pub fn decode_boolean(content: &[u8]) -> Result<bool, ContentError> {
    match content {
        [0x00] => Ok(false),
        [0xFF] => Ok(true),
        [v] => Err(ContentError::BooleanValue { value: *v }),
        _ => Err(ContentError::BooleanLength { len: content.len() }),
    }
}

pub fn decode_null(content: &[u8]) -> Result<(), ContentError> {
    if content.is_empty() {
        Ok(())
    } else {
        Err(ContentError::NullNotEmpty { len: content.len() })
    }
}

/// Dotted text (`2.999.10`) from OID content octets.
pub fn decode_oid(content: &[u8]) -> Result<String, ContentError> {
    if content.is_empty() {
        return Err(ContentError::EmptyOid);
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for (i, b) in content.iter().enumerate() {
        if !in_arc && *b == 0x80 {
            return Err(ContentError::NonMinimalOidArc { index: i });
        }
        if acc > (u64::MAX >> 7) {
            return Err(ContentError::OidArcTooLarge { index: i });
        }
        acc = (acc << 7) | u64::from(b & 0x7F);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(acc);
            acc = 0;
        }
    }
    if in_arc {
        return Err(ContentError::TruncatedOid);
    }
    let first = arcs[0];
    let (a, b) = if first < 40 {
        (0, first)
    } else if first < 80 {
        (1, first - 40)
    } else {
        (2, first - 80)
    };
    let mut s = format!("{a}.{b}");
    for arc in &arcs[1..] {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Ok(s)
}

/// OID content octets from dotted text.
pub fn encode_oid(text: &str) -> Result<Vec<u8>, ContentError> {
    let bad = |reason| ContentError::InvalidDottedOid {
        text: text.chars().take(64).collect(),
        reason,
    };
    let mut arcs = Vec::new();
    for part in text.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("arcs must be non-empty decimal numbers"));
        }
        if part.len() > 1 && part.starts_with('0') {
            return Err(bad("arc with a leading zero"));
        }
        arcs.push(part.parse::<u64>().map_err(|_| bad("arc too large"))?);
    }
    if arcs.len() < 2 {
        return Err(bad("needs at least two arcs"));
    }
    if arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return Err(bad("first arcs out of range"));
    }
    let first = arcs[0]
        .checked_mul(40)
        .and_then(|v| v.checked_add(arcs[1]))
        .ok_or(bad("arc too large"))?;
    let mut out = Vec::new();
    for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut chunk = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(0x80 | (rest & 0x7F) as u8);
            rest >>= 7;
        }
        out.extend(chunk.iter().rev());
    }
    Ok(out)
}

/// A decoded BIT STRING: the data octets and the number of unused bits in the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitString {
    pub unused: u8,
    pub data: Vec<u8>,
}

impl BitString {
    /// Number of meaningful bits.
    pub fn len(&self) -> usize {
        self.data.len() * 8 - self.unused as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bit `n` counted from the first (most significant) bit, as ASN.1 named bits are.
    pub fn bit(&self, n: usize) -> bool {
        n < self.len() && self.data[n / 8] & (0x80 >> (n % 8)) != 0
    }
    /// The named-bit DER form of a set of bit numbers (trailing zero bits removed).
    pub fn from_bits(bits: &[usize]) -> BitString {
        let Some(max) = bits.iter().max() else {
            return BitString {
                unused: 0,
                data: Vec::new(),
            };
        };
        let mut data = vec![0u8; max / 8 + 1];
        for n in bits {
            data[n / 8] |= 0x80 >> (n % 8);
        }
        BitString {
            unused: (7 - max % 8) as u8,
            data,
        }
    }
    pub fn set_bits(&self) -> Vec<usize> {
        (0..self.len()).filter(|n| self.bit(*n)).collect()
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.data.len() + 1);
        v.push(self.unused);
        v.extend_from_slice(&self.data);
        v
    }
}

pub fn decode_bit_string(content: &[u8]) -> Result<BitString, ContentError> {
    let Some((&unused, data)) = content.split_first() else {
        return Err(ContentError::EmptyBitString);
    };
    if unused > 7 {
        return Err(ContentError::BitStringUnusedTooLarge { unused });
    }
    if data.is_empty() && unused != 0 {
        return Err(ContentError::BitStringEmptyWithUnused { unused });
    }
    if let Some(last) = data.last() {
        if last & ((1u8 << unused) - 1) != 0 {
            return Err(ContentError::BitStringPaddingNotZero);
        }
    }
    Ok(BitString {
        unused,
        data: data.to_vec(),
    })
}

pub fn decode_utf8(content: &[u8]) -> Result<&str, ContentError> {
    std::str::from_utf8(content).map_err(|e| ContentError::InvalidUtf8 {
        index: e.valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case(0, "00")]
    #[case(127, "7F")]
    #[case(128, "0080")]
    #[case(-1, "FF")]
    #[case(-129, "FF7F")]
    #[case(256, "0100")]
    fn integers(#[case] v: i64, #[case] hex: &str) {
        assert_eq!(hex::encode_upper(encode_integer(v)), hex);
        assert_eq!(decode_integer(&hex::decode(hex).unwrap()).unwrap(), v);
    }

    #[test]
    fn integer_errors() {
        assert_eq!(decode_integer(&[]), Err(ContentError::EmptyInteger));
        assert_eq!(
            decode_integer(&[0, 1]),
            Err(ContentError::NonMinimalInteger)
        );
        assert_eq!(
            decode_integer(&[0xFF, 0x80]),
            Err(ContentError::NonMinimalInteger)
        );
        assert!(decode_integer(&[1; 9]).is_err());
    }

    #[rstest]
    #[case("2.999.10", "8837 0A")]
    #[case("1.2.840.10045.4.3.2", "2A8648CE3D040302")]
    #[case("2.23.146.1.2.1.4", "6781 1201 0201 04")]
    fn oids(#[case] text: &str, #[case] hex: &str) {
        let bytes = hex::decode(hex.replace(' ', "")).unwrap();
        assert_eq!(encode_oid(text).unwrap(), bytes);
        assert_eq!(decode_oid(&bytes).unwrap(), text);
    }

    #[test]
    fn oid_errors() {
        assert!(decode_oid(&[]).is_err());
        assert!(decode_oid(&[0x2A, 0x80, 0x01]).is_err());
        assert!(decode_oid(&[0x2A, 0x86]).is_err());
        assert!(encode_oid("1").is_err());
        assert!(encode_oid("3.1").is_err());
        assert!(encode_oid("1.2.x").is_err());
        assert!(encode_oid("1.02").is_err());
    }

    #[test]
    fn bit_strings() {
        // NotificationEvent install(0) = 07 80, delete(3) = 04 10
        assert_eq!(BitString::from_bits(&[0]).encode(), vec![0x07, 0x80]);
        assert_eq!(BitString::from_bits(&[3]).encode(), vec![0x04, 0x10]);
        assert_eq!(BitString::from_bits(&[0, 1, 2]).encode(), vec![0x05, 0xE0]);
        let b = decode_bit_string(&[0x05, 0xE0]).unwrap();
        assert_eq!(b.set_bits(), vec![0, 1, 2]);
        assert!(decode_bit_string(&[0x05, 0xE1]).is_err());
        assert!(decode_bit_string(&[0x08, 0x00]).is_err());
        assert!(decode_bit_string(&[]).is_err());
        assert!(decode_bit_string(&[0x01]).is_err());
    }

    proptest! {
        #[test]
        fn integer_round_trip(v: i64) {
            prop_assert_eq!(decode_integer(&encode_integer(v)).unwrap(), v);
        }

        #[test]
        fn oid_round_trip(a in 0u64..3, b in 0u64..40, rest in proptest::collection::vec(0u64..u64::MAX >> 8, 0..8)) {
            let mut text = format!("{a}.{b}");
            for r in rest { text.push_str(&format!(".{r}")); }
            let enc = encode_oid(&text).unwrap();
            prop_assert_eq!(decode_oid(&enc).unwrap(), text);
        }

        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            let _ = decode_integer(&bytes);
            let _ = decode_oid(&bytes);
            let _ = decode_bit_string(&bytes);
            let _ = decode_utf8(&bytes);
            let _ = decode_boolean(&bytes);
        }
    }
}
