//! [`Message`]: a TLV tree together with its schema type — the unit the role crates, scenario
//! mutations and the fuzzer work with.

use crate::named::{self, Decoded, PrettyOptions, SchemaError};
use crate::path::{self, FieldValue, PathError};
use crate::schema::TypeDef;
use crate::tlv::{Limits, Tlv, TlvError};

/// Why bytes are not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("{ty}: {source}")]
    Tlv {
        ty: &'static str,
        #[source]
        source: TlvError,
    },
    #[error("{first}{}", if *more > 0 { format!(" (and {more} more)") } else { String::new() })]
    Schema {
        first: SchemaError,
        more: usize,
        all: Vec<SchemaError>,
    },
}

/// A message of a known schema type. Holds the lossless tree; the named view is derived on demand.
#[derive(Debug, Clone)]
pub struct Message {
    ty: &'static TypeDef,
    tlv: Tlv,
}

/// Same schema type and same tree.
impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.ty, other.ty) && self.tlv == other.tlv
    }
}
impl Eq for Message {}

impl Message {
    /// Parses the TLV layer only; schema problems are reported by [`Message::validate`].
    pub fn parse(ty: &'static TypeDef, bytes: &[u8]) -> Result<Message, CodecError> {
        Message::parse_with(ty, bytes, &Limits::default())
    }

    pub fn parse_with(
        ty: &'static TypeDef,
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<Message, CodecError> {
        let tlv = Tlv::parse_with(bytes, limits).map_err(|source| CodecError::Tlv {
            ty: ty.name,
            source,
        })?;
        Ok(Message { ty, tlv })
    }

    /// Parses and requires the message to be valid against the schema.
    pub fn decode(ty: &'static TypeDef, bytes: &[u8]) -> Result<Message, CodecError> {
        let m = Message::parse(ty, bytes)?;
        let errors = m.validate();
        match errors.first() {
            None => Ok(m),
            Some(first) => Err(CodecError::Schema {
                first: first.clone(),
                more: errors.len() - 1,
                all: errors,
            }),
        }
    }

    /// Wraps an existing tree.
    pub fn from_tlv(ty: &'static TypeDef, tlv: Tlv) -> Message {
        Message { ty, tlv }
    }

    pub fn schema(&self) -> &'static TypeDef {
        self.ty
    }
    pub fn tlv(&self) -> &Tlv {
        &self.tlv
    }
    pub fn tlv_mut(&mut self) -> &mut Tlv {
        &mut self.tlv
    }
    pub fn into_tlv(self) -> Tlv {
        self.tlv
    }

    pub fn named(&self) -> Decoded<'_> {
        named::decode(self.ty, &self.tlv)
    }
    pub fn validate(&self) -> Vec<SchemaError> {
        named::validate(self.ty, &self.tlv)
    }
    /// Indented named rendering, secrets redacted.
    pub fn pretty(&self) -> String {
        named::pretty(&self.named().root, &PrettyOptions::default())
    }
    pub fn pretty_with(&self, opts: &PrettyOptions) -> String {
        named::pretty(&self.named().root, opts)
    }

    /// Bytes as parsed (identical to the input for an untouched message).
    pub fn encode(&self) -> Vec<u8> {
        self.tlv.encode()
    }
    pub fn encode_der(&self) -> Vec<u8> {
        self.tlv.encode_der()
    }

    pub fn get(&self, path: &str) -> Result<&Tlv, PathError> {
        path::get(self.ty, &self.tlv, path)
    }
    pub fn get_content(&self, path: &str) -> Result<&[u8], PathError> {
        path::get_content(self.ty, &self.tlv, path)
    }
    pub fn set(&mut self, path: &str, value: FieldValue) -> Result<(), PathError> {
        path::set(self.ty, &mut self.tlv, path, value)
    }
    pub fn set_tlv(&mut self, path: &str, tlv: Tlv) -> Result<(), PathError> {
        path::set_tlv(self.ty, &mut self.tlv, path, tlv)
    }
    pub fn insert(&mut self, path: &str, tlv: Tlv) -> Result<(), PathError> {
        path::insert(self.ty, &mut self.tlv, path, tlv)
    }
    pub fn remove(&mut self, path: &str) -> Result<Tlv, PathError> {
        path::remove(self.ty, &mut self.tlv, path)
    }
}
