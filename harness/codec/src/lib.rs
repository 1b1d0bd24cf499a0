//! rsp-codec: the SGP.22 codec every part of rspcheck speaks through.
//!
//! - [`tlv`]: lossless BER-TLV tree (byte-identical re-encoding, DER on edit, bounded parsing).
//! - [`der`]: content codecs for INTEGER, BOOLEAN, OID, BIT STRING, UTF-8.
//! - [`schema`]: the SGP.22 v2.5 message schema as data.
//! - [`named`]: schema decoding into a named tree, validation, pretty printing.
//! - [`path`]: get/set/insert/remove by named path (scenario mutations, live fuzzing).
//! - [`message`]: a tree plus its type, the unit the roles work with.
//! - [`views`]: typed Rust views of the messages the roles build and read.
//! - [`json`], [`status`]: ES9+/ES11/ES12/ES2+ JSON bodies, classified parse errors, and the
//!   subject/reason status-code catalogue.
//! - [`apdu`]: command/response APDUs, status words, STORE DATA framing, the card
//!   [`apdu::Transport`].
//! - [`activation`], [`eid`], [`iccid`]: activation codes (parse, format, lint, redact), EIDs
//!   (mod-97 check digits), ICCIDs (EF.ICCID BCD, Luhn).

pub mod activation;
pub mod apdu;
pub mod der;
pub mod eid;
pub mod iccid;
pub mod json;
pub mod message;
pub mod mutate;
pub mod named;
pub mod path;
pub mod schema;
pub mod status;
pub mod tlv;
pub mod views;

pub use message::{CodecError, Message};
pub use path::FieldValue;
pub use tlv::{Class, Limits, Tag, Tlv, TlvError};
