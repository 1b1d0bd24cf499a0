//! Field value types of the JSON bindings: base64 and hex binary fields, EID and ICCID digit
//! strings, and the ES2+ notificationPointId.
//!
//! Decode errors start with [`INVALID_BASE64`] / [`INVALID_HEX`] so that
//! [`parse_body`](super::parse_body) can classify them; everything else is an invalid value.

use std::fmt;

use base64::Engine as _;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Prefix of every base64 decode error message.
pub const INVALID_BASE64: &str = "invalid base64";
/// Prefix of every hex decode error message.
pub const INVALID_HEX: &str = "invalid hex";

/// Bytes shown by `Debug` before eliding.
const DEBUG_BYTES: usize = 32;

fn debug_bytes(f: &mut fmt::Formatter<'_>, name: &str, bytes: &[u8]) -> fmt::Result {
    if bytes.len() <= DEBUG_BYTES {
        write!(f, "{name}({})", hex::encode_upper(bytes))
    } else {
        write!(
            f,
            "{name}({}… {} bytes)",
            hex::encode_upper(&bytes[..DEBUG_BYTES]),
            bytes.len()
        )
    }
}

/// Human-readable description of a base64 decode error (starts with [`INVALID_BASE64`]).
pub fn describe_base64_error(e: &base64::DecodeError) -> String {
    match e {
        base64::DecodeError::InvalidByte(at, b) => {
            format!("{INVALID_BASE64} at character {at} ({})", show_byte(*b))
        }
        base64::DecodeError::InvalidLength(len) => {
            format!("{INVALID_BASE64}: {len} symbols cannot be a padded base64 string")
        }
        base64::DecodeError::InvalidLastSymbol(at, b) => format!(
            "{INVALID_BASE64} at character {at} ({}): last symbol has non-zero trailing bits",
            show_byte(*b)
        ),
        base64::DecodeError::InvalidPadding => {
            format!("{INVALID_BASE64}: missing or misplaced '=' padding")
        }
    }
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

/// Human-readable description of a hex decode error (starts with [`INVALID_HEX`]).
pub fn describe_hex_error(e: &hex::FromHexError, len: usize) -> String {
    match e {
        hex::FromHexError::InvalidHexCharacter { c, index } => {
            format!("{INVALID_HEX} at character {index} ({c:?})")
        }
        hex::FromHexError::OddLength => {
            format!("{INVALID_HEX}: odd number of digits ({len})")
        }
        hex::FromHexError::InvalidStringLength => format!("{INVALID_HEX}: bad length ({len})"),
    }
}

/// Decodes standard, padded base64 (RFC 4648 §4), strictly: no whitespace, canonical padding.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| describe_base64_error(&e))
}

/// Decodes hex, either case. The empty string decodes to no bytes.
pub fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s).map_err(|e| describe_hex_error(&e, s.len()))
}

/// A binary field carried as standard base64 with padding (all DER fields of ES9+/ES11, and
/// ES2+ `resultData`).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Base64Bytes(pub Vec<u8>);

impl Base64Bytes {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The base64 text as it goes on the wire.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }

    /// Parses base64 text (strict, see [`decode_base64`]).
    pub fn from_base64(s: &str) -> Result<Self, String> {
        decode_base64(s).map(Self)
    }
}

impl fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_bytes(f, "Base64Bytes", &self.0)
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl From<&[u8]> for Base64Bytes {
    fn from(v: &[u8]) -> Self {
        Self(v.to_vec())
    }
}

impl AsRef<[u8]> for Base64Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Base64Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Base64Bytes, E> {
                decode_base64(v).map(Base64Bytes).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A binary field carried as a hex string: accepts either case, emits upper case.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct HexBytes(pub Vec<u8>);

impl HexBytes {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode_upper(&self.0)
    }

    pub fn from_hex(s: &str) -> Result<Self, String> {
        decode_hex(s).map(Self)
    }
}

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_bytes(f, "HexBytes", &self.0)
    }
}

impl From<Vec<u8>> for HexBytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HexBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HexBytes, E> {
                decode_hex(v).map(HexBytes).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Shortest TransactionId in bytes.
pub const TRANSACTION_ID_MIN_LEN: usize = 1;
/// Longest TransactionId in bytes (`OCTET STRING (SIZE(1..16))`).
pub const TRANSACTION_ID_MAX_LEN: usize = 16;

/// Error building a [`TransactionIdHex`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionIdError {
    #[error("{0}")]
    Hex(String),
    #[error(
        "transactionId must be {TRANSACTION_ID_MIN_LEN} to {TRANSACTION_ID_MAX_LEN} bytes, got {0}"
    )]
    Length(usize),
}

/// The JSON `transactionId`: hex of the binary TransactionId, 1..=16 bytes. Either case is
/// accepted on input; upper case is emitted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionIdHex(Vec<u8>);

impl TransactionIdHex {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, TransactionIdError> {
        let bytes = bytes.into();
        if (TRANSACTION_ID_MIN_LEN..=TRANSACTION_ID_MAX_LEN).contains(&bytes.len()) {
            Ok(Self(bytes))
        } else {
            Err(TransactionIdError::Length(bytes.len()))
        }
    }

    pub fn from_hex(s: &str) -> Result<Self, TransactionIdError> {
        Self::new(decode_hex(s).map_err(TransactionIdError::Hex)?)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode_upper(&self.0)
    }
}

impl fmt::Debug for TransactionIdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionIdHex({})", self.to_hex())
    }
}

impl fmt::Display for TransactionIdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for TransactionIdHex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TransactionIdHex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TransactionIdHex;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex string of 1 to 16 bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TransactionIdHex, E> {
                TransactionIdHex::from_hex(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Error validating a digit-string field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitsError {
    #[error("EID must be 32 decimal digits, got {len} characters")]
    EidLength { len: usize },
    #[error("EID must be decimal digits only, found {found:?} at character {at}")]
    EidCharacter { at: usize, found: char },
    #[error("ICCID must be 19 or 20 characters, got {len}")]
    IccidLength { len: usize },
    #[error(
        "ICCID must be decimal digits (optionally a 20th padding 'F'), found {found:?} at character {at}"
    )]
    IccidCharacter { at: usize, found: char },
}

/// An EID in JSON: exactly 32 decimal digits, kept as given. (Check digits are not verified
/// here; that belongs to the EID module.)
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Eid32(String);

impl Eid32 {
    pub const LEN: usize = 32;

    pub fn new(s: &str) -> Result<Self, DigitsError> {
        Self::validate(s)?;
        Ok(Self(s.to_owned()))
    }

    fn validate(s: &str) -> Result<(), DigitsError> {
        if let Some((at, found)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(DigitsError::EidCharacter { at, found });
        }
        if s.len() != Self::LEN {
            return Err(DigitsError::EidLength { len: s.len() });
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Eid32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eid32({})", self.0)
    }
}

impl fmt::Display for Eid32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Eid32 {
    type Error = DigitsError;
    fn try_from(s: String) -> Result<Self, DigitsError> {
        Self::validate(&s)?;
        Ok(Self(s))
    }
}

impl From<Eid32> for String {
    fn from(e: Eid32) -> String {
        e.0
    }
}

/// An ICCID in JSON: 19 or 20 decimal digits, or 19 digits followed by a padding `F`/`f`
/// (sent to pre-2.2 peers). Kept exactly as given.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IccidDigits(String);

impl IccidDigits {
    pub fn new(s: &str) -> Result<Self, DigitsError> {
        Self::validate(s)?;
        Ok(Self(s.to_owned()))
    }

    fn validate(s: &str) -> Result<(), DigitsError> {
        for (at, c) in s.chars().enumerate() {
            let padding = at == 19 && (c == 'F' || c == 'f');
            if !c.is_ascii_digit() && !padding {
                return Err(DigitsError::IccidCharacter { at, found: c });
            }
        }
        if !(19..=20).contains(&s.len()) {
            return Err(DigitsError::IccidLength { len: s.len() });
        }
        Ok(())
    }

    /// As received (possibly with the padding F).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without a trailing padding F.
    pub fn digits(&self) -> &str {
        self.0.trim_end_matches(['F', 'f'])
    }

    /// Whether the value carries the trailing padding F.
    pub fn is_padded(&self) -> bool {
        self.0.len() == 20 && self.0.ends_with(['F', 'f'])
    }

    /// The form to send to pre-2.2 peers: 19 digits get a trailing `F`.
    pub fn padded(&self) -> IccidDigits {
        if self.0.len() == 19 {
            IccidDigits(format!("{}F", self.0))
        } else {
            self.clone()
        }
    }
}

impl fmt::Debug for IccidDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IccidDigits({})", self.0)
    }
}

impl fmt::Display for IccidDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IccidDigits {
    type Error = DigitsError;
    fn try_from(s: String) -> Result<Self, DigitsError> {
        Self::validate(&s)?;
        Ok(Self(s))
    }
}

impl From<IccidDigits> for String {
    fn from(i: IccidDigits) -> String {
        i.0
    }
}

/// JSON keys whose values are [`Secret`]s: activation-code tokens (`matchingId`; an SM-DS
/// `eventId` is used as a matching ID) and ES2+ confirmation codes.
pub const SECRET_JSON_KEYS: &[&str] = &["matchingId", "confirmationCode", "eventId"];

/// A secret string field (`matchingId`, `confirmationCode`, `eventId`): the key to a
/// subscription, so reports and logs must not show it.
///
/// On the wire it is a plain JSON string. `Debug` prints only its length
/// (`Secret(<redacted, 9 chars>)`), and there is deliberately no `Display`, so that
/// `format!("{}")` cannot leak it by accident; use [`Secret::expose`] where the value is really
/// needed. Deserialising a non-string reports only the JSON type, never the value.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Keep it out of reports and logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret value itself, by value.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// Length in characters (what `Debug` shows).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} chars>)", self.char_count())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `deserialize_any` rather than `deserialize_string`: serde_json answers the latter
        // with an error quoting the value (`invalid type: integer `1234``) without asking the
        // visitor, and a mistyped confirmation code is still a confirmation code.
        struct V;
        impl V {
            fn wrong<E: de::Error>(&self, what: &'static str) -> E {
                E::invalid_type(de::Unexpected::Other(what), self)
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(self.wrong("boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
                Err(self.wrong("integer"))
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<Secret, E> {
                Err(self.wrong("integer"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
                Err(self.wrong("integer"))
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Secret, E> {
                Err(self.wrong("integer"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(self.wrong("floating point"))
            }
            fn visit_char<E: de::Error>(self, _: char) -> Result<Secret, E> {
                Err(self.wrong("character"))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Secret, E> {
                Err(self.wrong("byte array"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Secret, E> {
                // Same wording as serde_json, so that `null` counts as a missing field.
                Err(self.wrong("null"))
            }
            fn visit_none<E: de::Error>(self) -> Result<Secret, E> {
                Err(self.wrong("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(self.wrong("sequence"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(self.wrong("map"))
            }
        }
        d.deserialize_any(V)
    }
}

/// ES2+ `notificationPointId`: an integer. Emitted as a JSON number; on input a decimal string
/// is accepted too because pysim's ES2+ client sends integers as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationPointId(pub u32);

impl NotificationPointId {
    /// Eligibility and retry limit check (meanings unconfirmed, digest §2.6).
    pub const ELIGIBILITY_CHECK: NotificationPointId = NotificationPointId(1);
    /// Confirmation failure.
    pub const CONFIRMATION_FAILURE: NotificationPointId = NotificationPointId(2);
    /// BPP download.
    pub const BPP_DOWNLOAD: NotificationPointId = NotificationPointId(3);
    /// BPP installation.
    pub const BPP_INSTALLATION: NotificationPointId = NotificationPointId(4);
}

impl Serialize for NotificationPointId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for NotificationPointId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NotificationPointId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer (or a decimal string)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v)
                    .map(NotificationPointId)
                    .map_err(|_| E::custom(format!("notificationPointId {v} out of range")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u32::try_from(v)
                    .map(NotificationPointId)
                    .map_err(|_| E::custom(format!("notificationPointId {v} out of range")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!(
                        "notificationPointId {v:?} is not a decimal integer"
                    )));
                }
                v.parse::<u32>()
                    .map(NotificationPointId)
                    .map_err(|_| E::custom(format!("notificationPointId {v} out of range")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_strict() {
        assert_eq!(Base64Bytes::from_base64("AQID").unwrap().0, vec![1, 2, 3]);
        assert_eq!(Base64Bytes::from_base64("").unwrap().0, Vec::<u8>::new());
        let e = Base64Bytes::from_base64("AQ!D").unwrap_err();
        assert_eq!(e, "invalid base64 at character 2 ('!')");
        assert!(Base64Bytes::from_base64("AQI")
            .unwrap_err()
            .starts_with(INVALID_BASE64));
        assert!(Base64Bytes::from_base64("AQ I=")
            .unwrap_err()
            .starts_with(INVALID_BASE64));
        assert!(Base64Bytes::from_base64("AR==")
            .unwrap_err()
            .contains("trailing bits"));
        assert!(Base64Bytes::from_base64("AQ-_").is_err()); // URL-safe alphabet refused
        assert_eq!(Base64Bytes::new(vec![0xFF, 0xFE]).to_base64(), "//4=");
    }

    #[test]
    fn hex_and_transaction_id() {
        let t: TransactionIdHex = serde_json::from_str("\"0a1B\"").unwrap();
        assert_eq!(t.as_bytes(), &[0x0A, 0x1B]);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"0A1B\"");
        assert!(TransactionIdHex::from_hex("").is_err());
        assert!(TransactionIdHex::from_hex(&"00".repeat(16)).is_ok());
        assert_eq!(
            TransactionIdHex::from_hex(&"00".repeat(17)),
            Err(TransactionIdError::Length(17))
        );
        let e = TransactionIdHex::from_hex("ABC").unwrap_err().to_string();
        assert_eq!(e, "invalid hex: odd number of digits (3)");
        let e = HexBytes::from_hex("zz").unwrap_err();
        assert_eq!(e, "invalid hex at character 0 ('z')");
    }

    #[test]
    fn digit_strings() {
        assert!(Eid32::new("89049032123451234512345678901235").is_ok());
        assert!(Eid32::new("8904903212345123451234567890123").is_err());
        assert!(Eid32::new("8904903212345123451234567890123A").is_err());
        assert!(IccidDigits::new("8988211000000000001").is_ok());
        assert!(IccidDigits::new("89882110000000000012").is_ok());
        let i = IccidDigits::new("8988211000000000001F").unwrap();
        assert!(i.is_padded());
        assert_eq!(i.digits(), "8988211000000000001");
        assert_eq!(
            IccidDigits::new("8988211000000000001")
                .unwrap()
                .padded()
                .as_str(),
            "8988211000000000001F"
        );
        assert!(IccidDigits::new("898821100000000000F1").is_err());
        assert!(IccidDigits::new("898821100000000000").is_err());
        assert!(IccidDigits::new("8988211000000000001FF").is_err());
    }

    #[test]
    fn notification_point_id_forms() {
        let a: NotificationPointId = serde_json::from_str("3").unwrap();
        let b: NotificationPointId = serde_json::from_str("\"3\"").unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<NotificationPointId>("-1").is_err());
        assert!(serde_json::from_str::<NotificationPointId>("\"x\"").is_err());
        assert!(serde_json::from_str::<NotificationPointId>("1.5").is_err());
        assert!(serde_json::from_str::<NotificationPointId>("\"99999999999\"").is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), "3");
    }
}
