//! Fault injection: how eUICC and LPA test sequences reach their error paths. A fault is armed
//! for the next matching ES9+ exchange (optionally the next n) and changes the SM-DP+'s answer
//! after every check has run: a corrupted signature, a field changed by path, a substituted
//! certificate, a damaged BPP segment, a forced status, a delay or a dropped connection. Two act
//! while the BPP is bound instead: a substituted StoreMetadata and a substituted profile package.
//!
//! The core applies faults to the JSON answer ([`Smdp::handle`] and so the ASN.1 binding too);
//! delays and dropped connections are transport matters, handed to the HTTP adapter through
//! [`Smdp::take_transport_fault`]. The runner arms faults in-process ([`Smdp::arm`]); `rspcheck
//! serve smdp` exposes the same over a loopback admin port ([`crate::admin`]).

use std::collections::VecDeque;
use std::time::Duration;

use rsp_codec::json::Es9Function;
use rsp_codec::path;
use rsp_codec::schema;
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::es9::Es9Answer;

/// Faults kept armed at most (each request consumes at most the first matching one).
pub const MAX_ARMED: usize = 64;
/// Largest profile package a [`Fault::ProfilePackage`] carries.
pub const MAX_FAULT_PROFILE_PACKAGE: usize = 1 << 20;

/// What to do to a BPP segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SegmentDamage {
    /// Flip a bit of the C-MAC (the last 8 content bytes).
    Mac,
    /// Flip a bit of the first ciphertext block: the plaintext (and so its padding or its
    /// TLV structure) no longer decrypts as protected; the MAC fails first on a conforming card.
    Ciphertext,
    /// Change the segment's tag (86↔87↔88 becomes 85).
    Tag,
    /// Make the segment's length field claim one byte more than it holds (the BPP's TLV
    /// structure breaks there).
    Length,
    /// Drop the segment's last byte (a consistent TLV whose MAC is short).
    Truncate,
}

/// One fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// Flip a bit in the answer's signature: serverSignature1 (InitiateAuthentication),
    /// smdpSignature2 (AuthenticateClient), the BF23 signature (GetBoundProfilePackage).
    CorruptSignature,
    /// Replace (or insert) the TLV at `path` inside the base64 field `field` of the JSON answer.
    /// The path starts with the field's ASN.1 type name, e.g. `ServerSigned1.serverAddress`.
    #[serde(rename_all = "camelCase")]
    SetField {
        field: String,
        path: String,
        /// Hex of the whole TLV to put there.
        tlv_hex: String,
    },
    /// Remove the TLV at `path` inside the base64 field `field`.
    RemoveField { field: String, path: String },
    /// Replace the certificate of the answer (serverCertificate / smdpCertificate), e.g. with
    /// one from `sgp26/invalid/`.
    #[serde(rename_all = "camelCase")]
    SubstituteCertificate { der_hex: String },
    /// Damage protected segment `index` of the BPP, counting every 87/88/86 from 0 in order
    /// (A0, A1, A2, A3).
    BppSegment { index: usize, damage: SegmentDamage },
    /// Answer `Failed` with this status instead of the real answer (the state change already
    /// happened, as when a server fails after committing).
    Status { subject: String, reason: String },
    /// Hold the answer this long before sending it.
    #[serde(rename_all = "camelCase")]
    Delay { millis: u64 },
    /// Close the connection instead of answering.
    DropConnection,
    /// Bind the next BPP with this StoreMetadataRequest (a whole BF25 TLV) in its sequence of
    /// 88 instead of the order's: protected like the real one, so only the eUICC's checks of
    /// its content (ICCID against the profile, structure) can catch it. A large one spreads
    /// over several 88 segments.
    #[serde(rename_all = "camelCase")]
    StoreMetadata { tlv_hex: String },
    /// Bind the next BPP with these bytes as its unprotected profile package (the sequence of
    /// ProfileElements the 86 segments carry) instead of the order's profile: segmented and
    /// protected with the session keys like a real one, so whatever they hold reaches the
    /// eUICC's profile interpreter. Need not be valid DER; 1 byte to 1 MiB.
    #[serde(rename_all = "camelCase")]
    ProfilePackage { der_hex: String },
}

impl Fault {
    /// Faults that change the BPP while it is bound rather than an answer.
    fn acts_at_binding(&self) -> bool {
        matches!(
            self,
            Fault::StoreMetadata { .. } | Fault::ProfilePackage { .. }
        )
    }
}

/// A fault waiting for its exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmedFault {
    /// The function whose answer it changes; `None` = the next ES9+ answer of any function.
    #[serde(default, with = "function_name")]
    pub function: Option<Es9Function>,
    pub fault: Fault,
    /// How many matching exchanges it applies to.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// Why a fault could not be armed or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("{MAX_ARMED} faults are armed already")]
    TooMany,
    #[error("fault.times must be at least 1")]
    ZeroTimes,
    #[error("{what}: not hex: {problem}")]
    Hex { what: &'static str, problem: String },
    #[error("{what}: not one DER TLV: {problem}")]
    Tlv { what: &'static str, problem: String },
    #[error("path {0:?}: the first segment must name an ASN.1 type")]
    UnknownType(String),
    #[error("status {subject}/{reason} is not in the SGP.22 catalogue")]
    UnknownStatus { subject: String, reason: String },
    #[error("answer field {field}: {problem}")]
    Field { field: String, problem: String },
    #[error("{what}: {len} bytes, expected 1 to {max}")]
    Size {
        what: &'static str,
        len: usize,
        max: usize,
    },
}

/// A transport-level effect for the HTTP adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFault {
    Delay(Duration),
    DropConnection,
}

mod function_name {
    use rsp_codec::json::Es9Function;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn name(f: Es9Function) -> &'static str {
        f.path().rsplit('/').next().unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(f: &Option<Es9Function>, s: S) -> Result<S::Ok, S::Error> {
        match f {
            Some(f) => s.serialize_str(name(*f)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Es9Function>, D::Error> {
        let Some(n) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        Es9Function::ALL
            .iter()
            .copied()
            .find(|f| name(*f).eq_ignore_ascii_case(&n))
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown ES9+ function {n:?}")))
    }
}

fn parse_hex(what: &'static str, s: &str) -> Result<Vec<u8>, FaultError> {
    hex::decode(s.trim()).map_err(|e| FaultError::Hex {
        what,
        problem: e.to_string(),
    })
}

fn parse_tlv(what: &'static str, s: &str) -> Result<Tlv, FaultError> {
    Tlv::parse(&parse_hex(what, s)?).map_err(|e| FaultError::Tlv {
        what,
        problem: e.to_string(),
    })
}

fn root_type(p: &str) -> Result<&'static schema::TypeDef, FaultError> {
    let first = p.split('.').next().unwrap_or_default();
    schema::lookup(first).ok_or_else(|| FaultError::UnknownType(p.to_owned()))
}

impl ArmedFault {
    /// Checks the parts that can be checked before an answer exists.
    pub fn validate(&self) -> Result<(), FaultError> {
        if self.times == 0 {
            return Err(FaultError::ZeroTimes);
        }
        match &self.fault {
            Fault::SetField { path, tlv_hex, .. } => {
                root_type(path)?;
                parse_tlv("tlvHex", tlv_hex)?;
            }
            Fault::RemoveField { path, .. } => {
                root_type(path)?;
            }
            Fault::SubstituteCertificate { der_hex } => {
                parse_tlv("derHex", der_hex)?;
            }
            Fault::StoreMetadata { tlv_hex } => {
                parse_tlv("tlvHex", tlv_hex)?;
            }
            Fault::ProfilePackage { der_hex } => {
                // Checked on the text first: a huge string is refused before it is decoded.
                let max = MAX_FAULT_PROFILE_PACKAGE;
                let len = der_hex.trim().len() / 2;
                if len == 0 || len > max {
                    return Err(FaultError::Size {
                        what: "derHex",
                        len,
                        max,
                    });
                }
                parse_hex("derHex", der_hex)?;
            }
            Fault::Status { subject, reason } => {
                if rsp_codec::status::lookup(subject, reason).is_none() {
                    return Err(FaultError::UnknownStatus {
                        subject: subject.clone(),
                        reason: reason.clone(),
                    });
                }
            }
            Fault::CorruptSignature
            | Fault::BppSegment { .. }
            | Fault::Delay { .. }
            | Fault::DropConnection => {}
        }
        Ok(())
    }
}

/// The armed faults and the transport effect of the last answer.
#[derive(Debug, Default)]
pub struct FaultPlan {
    armed: VecDeque<ArmedFault>,
    transport: Option<TransportFault>,
    applied: u64,
}

impl FaultPlan {
    pub fn arm(&mut self, fault: ArmedFault) -> Result<(), FaultError> {
        fault.validate()?;
        if self.armed.len() >= MAX_ARMED {
            return Err(FaultError::TooMany);
        }
        self.armed.push_back(fault);
        Ok(())
    }

    pub fn armed(&self) -> Vec<ArmedFault> {
        self.armed.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.armed.clear();
        self.transport = None;
    }

    /// Faults applied so far.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    pub fn take_transport(&mut self) -> Option<TransportFault> {
        self.transport.take()
    }

    /// The StoreMetadataRequest an armed [`Fault::StoreMetadata`] puts into the BPP being
    /// bound now, counting one use.
    pub fn take_store_metadata(&mut self) -> Option<Tlv> {
        self.take_at_binding(|f| match f {
            Fault::StoreMetadata { tlv_hex } => Some(parse_tlv("tlvHex", tlv_hex).ok()),
            _ => None,
        })
    }

    /// The profile package an armed [`Fault::ProfilePackage`] puts into the BPP being bound
    /// now, counting one use.
    pub fn take_profile_package(&mut self) -> Option<Vec<u8>> {
        self.take_at_binding(|f| match f {
            Fault::ProfilePackage { der_hex } => Some(parse_hex("derHex", der_hex).ok()),
            _ => None,
        })
    }

    /// Takes the first fault armed for GetBoundProfilePackage that `pick` recognises
    /// (`Some(value)`), counting one use.
    fn take_at_binding<T>(&mut self, pick: impl Fn(&Fault) -> Option<Option<T>>) -> Option<T> {
        let (i, value) = self.armed.iter().enumerate().find_map(|(i, a)| {
            if a.function
                .is_some_and(|f| f != Es9Function::GetBoundProfilePackage)
            {
                return None;
            }
            pick(&a.fault).map(|v| (i, v))
        })?;
        self.armed[i].times -= 1;
        if self.armed[i].times == 0 {
            self.armed.remove(i);
        }
        self.applied += 1;
        value
    }

    /// Takes the first fault armed for `function`, counting one use. StoreMetadata and
    /// ProfilePackage faults act while the BPP is bound ([`FaultPlan::take_store_metadata`],
    /// [`FaultPlan::take_profile_package`]), not on answers.
    fn next_for(&mut self, function: Es9Function) -> Option<Fault> {
        let i = self
            .armed
            .iter()
            .position(|a| a.function.is_none_or(|f| f == function) && !a.fault.acts_at_binding())?;
        let entry = &mut self.armed[i];
        let fault = entry.fault.clone();
        entry.times -= 1;
        if entry.times == 0 {
            self.armed.remove(i);
        }
        self.applied += 1;
        Some(fault)
    }

    /// Applies the next fault armed for `function` to `answer`. A fault that does not fit the
    /// answer (no such field) turns it into 1.2.1/2.1 naming the problem, so a scenario sees
    /// its own mistake instead of a silent pass.
    pub fn apply(&mut self, function: Es9Function, answer: Es9Answer) -> Es9Answer {
        let Some(fault) = self.next_for(function) else {
            return answer;
        };
        match fault {
            Fault::Delay { millis } => {
                self.transport = Some(TransportFault::Delay(Duration::from_millis(millis)));
                answer
            }
            Fault::DropConnection => {
                self.transport = Some(TransportFault::DropConnection);
                answer
            }
            Fault::Status { subject, reason } => match rsp_codec::status::lookup(&subject, &reason)
            {
                Some(status) => Es9Answer::failed(status, "injected fault"),
                None => answer,
            },
            other => edit_answer(function, &other, &answer).unwrap_or_else(|e| {
                Es9Answer::failed(KnownStatus::InvalidRequest, format!("fault: {e}"))
            }),
        }
    }
}

fn signature_field(function: Es9Function) -> Option<&'static str> {
    match function {
        Es9Function::InitiateAuthentication => Some("serverSignature1"),
        Es9Function::AuthenticateClient => Some("smdpSignature2"),
        Es9Function::GetBoundProfilePackage => Some("boundProfilePackage"),
        _ => None,
    }
}

fn certificate_field(function: Es9Function) -> Option<&'static str> {
    match function {
        Es9Function::InitiateAuthentication => Some("serverCertificate"),
        Es9Function::AuthenticateClient => Some("smdpCertificate"),
        _ => None,
    }
}

fn field_error(field: &str, problem: impl Into<String>) -> FaultError {
    FaultError::Field {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

/// The answer's base64 field as bytes.
fn field_bytes(v: &Value, field: &str) -> Result<Vec<u8>, FaultError> {
    let s = v
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| field_error(field, "not in this answer"))?;
    rsp_codec::json::types::decode_base64(s).map_err(|e| field_error(field, e))
}

fn put_field(v: &mut Value, field: &str, bytes: &[u8]) {
    v[field] = Value::String(rsp_codec::json::Base64Bytes::new(bytes.to_vec()).to_base64());
}

fn flip_last_byte(t: &mut Tlv) {
    if let Some(c) = t.content() {
        let mut c = c.to_vec();
        if let Some(last) = c.last_mut() {
            *last ^= 0x01;
        }
        t.set_content(c);
    }
}

fn edit_answer(
    function: Es9Function,
    fault: &Fault,
    answer: &Es9Answer,
) -> Result<Es9Answer, FaultError> {
    if answer.failure().is_some() || answer.http_status != 200 {
        // Nothing to corrupt in a refusal; the fault is spent all the same.
        return Ok(answer.clone());
    }
    let mut v: Value =
        serde_json::from_slice(&answer.body).map_err(|e| field_error("body", e.to_string()))?;
    match fault {
        Fault::CorruptSignature => {
            let field = signature_field(function)
                .ok_or_else(|| field_error("signature", "this function's answer has none"))?;
            let mut t = Tlv::parse(&field_bytes(&v, field)?)
                .map_err(|e| field_error(field, e.to_string()))?;
            if function == Es9Function::GetBoundProfilePackage {
                let sig = t
                    .children_mut()
                    .iter_mut()
                    .find(|c| c.tag() == Tag::of(0xBF23))
                    .and_then(|isc| {
                        isc.children_mut()
                            .iter_mut()
                            .find(|c| c.tag() == Tag::of(0x5F37))
                    })
                    .ok_or_else(|| field_error(field, "no BF23 signature"))?;
                flip_last_byte(sig);
                t.mark_edited();
            } else {
                flip_last_byte(&mut t);
            }
            put_field(&mut v, field, &t.encode());
        }
        Fault::SetField {
            field,
            path: p,
            tlv_hex,
        } => {
            let mut t = Tlv::parse(&field_bytes(&v, field)?)
                .map_err(|e| field_error(field, e.to_string()))?;
            path::set_tlv(root_type(p)?, &mut t, p, parse_tlv("tlvHex", tlv_hex)?)
                .map_err(|e| field_error(field, e.to_string()))?;
            put_field(&mut v, field, &t.encode());
        }
        Fault::RemoveField { field, path: p } => {
            let mut t = Tlv::parse(&field_bytes(&v, field)?)
                .map_err(|e| field_error(field, e.to_string()))?;
            path::remove(root_type(p)?, &mut t, p)
                .map_err(|e| field_error(field, e.to_string()))?;
            put_field(&mut v, field, &t.encode());
        }
        Fault::SubstituteCertificate { der_hex } => {
            let field = certificate_field(function)
                .ok_or_else(|| field_error("certificate", "this function's answer has none"))?;
            field_bytes(&v, field)?;
            put_field(&mut v, field, &parse_hex("derHex", der_hex)?);
        }
        Fault::BppSegment { index, damage } => {
            let field = "boundProfilePackage";
            let bpp = field_bytes(&v, field)?;
            put_field(&mut v, field, &damage_segment(&bpp, *index, *damage)?);
        }
        Fault::Status { .. }
        | Fault::Delay { .. }
        | Fault::DropConnection
        | Fault::StoreMetadata { .. }
        | Fault::ProfilePackage { .. } => {}
    }
    Ok(Es9Answer {
        http_status: 200,
        body: serde_json::to_vec(&v).unwrap_or_default(),
    })
}

const SEGMENT_TAGS: [u32; 3] = [0x86, 0x87, 0x88];

/// Damages protected segment `index` of an encoded BPP.
pub fn damage_segment(
    bpp: &[u8],
    index: usize,
    damage: SegmentDamage,
) -> Result<Vec<u8>, FaultError> {
    let field = "boundProfilePackage";
    let mut t = Tlv::parse(bpp).map_err(|e| field_error(field, e.to_string()))?;
    // Locate segment `index`: (part position, segment position).
    let mut n = 0usize;
    let mut found = None;
    'parts: for (p, part) in t.children().iter().enumerate() {
        if !part.is_constructed() || part.tag() == Tag::of(0xBF23) {
            continue;
        }
        for (s, seg) in part.children().iter().enumerate() {
            if SEGMENT_TAGS.iter().any(|&g| seg.tag() == Tag::of(g)) {
                if n == index {
                    found = Some((p, s));
                    break 'parts;
                }
                n += 1;
            }
        }
    }
    let (p, s) =
        found.ok_or_else(|| field_error(field, format!("has {n} segments, no segment {index}")))?;
    if damage == SegmentDamage::Length {
        return lie_about_length(&t, p, s);
    }
    let seg = &mut t.children_mut()[p].children_mut()[s];
    let mut content = seg.content().unwrap_or_default().to_vec();
    match damage {
        SegmentDamage::Mac => {
            if let Some(last) = content.last_mut() {
                *last ^= 0x01;
            }
        }
        SegmentDamage::Ciphertext => {
            if let Some(first) = content.first_mut() {
                *first ^= 0x01;
            }
        }
        SegmentDamage::Tag => seg.set_tag(Tag::of(0x85)),
        SegmentDamage::Truncate => {
            content.pop();
        }
        SegmentDamage::Length => {}
    }
    seg.set_content(content);
    t.children_mut()[p].mark_edited();
    t.mark_edited();
    Ok(t.encode())
}

/// The BPP's bytes with segment (p, s)'s length field one larger than its content. A tree
/// cannot hold a lie, so the bytes are patched after encoding.
fn lie_about_length(t: &Tlv, p: usize, s: usize) -> Result<Vec<u8>, FaultError> {
    let mut bytes = t.encode();
    let reparsed = Tlv::parse(&bytes).map_err(|e| field_error("bpp", e.to_string()))?;
    let seg = &reparsed.children()[p].children()[s];
    let offset = seg
        .offset()
        .ok_or_else(|| field_error("bpp", "segment offset unknown"))?;
    let len_at = offset + seg.tag().encoded_len();
    let first = bytes[len_at];
    // Short form: bump the single byte if it stays short; long form: bump the last length octet.
    let last = if first & 0x80 == 0 {
        len_at
    } else {
        len_at + usize::from(first & 0x7F)
    };
    if bytes[last] == 0xFF || (first & 0x80 == 0 && first == 0x7F) {
        bytes[last] -= 1;
    } else {
        bytes[last] += 1;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn bpp() -> Vec<u8> {
        let seg = |tag: u32, n: u8| Tlv::primitive(Tag::of(tag), vec![n; 24]);
        Tlv::constructed(
            Tag::of(0xBF36),
            vec![
                Tlv::constructed(
                    Tag::of(0xBF23),
                    vec![Tlv::primitive(Tag::of(0x5F37), vec![9; 64])],
                ),
                Tlv::constructed(Tag::of(0xA0), vec![seg(0x87, 0)]),
                Tlv::constructed(Tag::of(0xA1), vec![seg(0x88, 1), seg(0x88, 2)]),
                Tlv::constructed(Tag::of(0xA3), vec![seg(0x86, 3), seg(0x86, 4)]),
            ],
        )
        .encode()
    }

    fn segment(bytes: &[u8], p: usize, s: usize) -> Tlv {
        Tlv::parse(bytes).unwrap().children()[p].children()[s].clone()
    }

    #[rstest]
    #[case(SegmentDamage::Mac, 0x86, 23, 4 ^ 1)]
    #[case(SegmentDamage::Ciphertext, 0x86, 0, 4 ^ 1)]
    #[case(SegmentDamage::Tag, 0x85, 0, 4)]
    fn segments_are_counted_across_parts(
        #[case] damage: SegmentDamage,
        #[case] tag: u32,
        #[case] at: usize,
        #[case] value: u8,
    ) {
        let out = damage_segment(&bpp(), 4, damage).unwrap();
        let seg = segment(&out, 3, 1);
        assert_eq!(seg.tag(), Tag::of(tag));
        assert_eq!(seg.content().unwrap()[at], value);
        // Everything else is untouched.
        assert_eq!(segment(&out, 3, 0), segment(&bpp(), 3, 0));
    }

    #[test]
    fn truncation_keeps_the_tlv_consistent() {
        let out = damage_segment(&bpp(), 1, SegmentDamage::Truncate).unwrap();
        assert_eq!(segment(&out, 2, 0).content().unwrap().len(), 23);
    }

    #[test]
    fn a_length_lie_breaks_the_structure() {
        let out = damage_segment(&bpp(), 0, SegmentDamage::Length).unwrap();
        assert_eq!(out.len(), bpp().len());
        assert!(Tlv::parse(&out).is_err() || segment(&out, 1, 0) != segment(&bpp(), 1, 0));
    }

    #[test]
    fn a_missing_segment_is_named() {
        let e = damage_segment(&bpp(), 5, SegmentDamage::Mac).unwrap_err();
        assert!(
            e.to_string().contains("has 5 segments, no segment 5"),
            "{e}"
        );
    }

    #[test]
    fn faults_are_consumed_per_matching_function() {
        let mut plan = FaultPlan::default();
        plan.arm(ArmedFault {
            function: Some(Es9Function::CancelSession),
            fault: Fault::DropConnection,
            times: 2,
        })
        .unwrap();
        let ok = Es9Answer::failed(KnownStatus::TransactionIdUnknown, "x");
        plan.apply(Es9Function::AuthenticateClient, ok.clone());
        assert_eq!(plan.take_transport(), None);
        for _ in 0..2 {
            plan.apply(Es9Function::CancelSession, ok.clone());
            assert_eq!(plan.take_transport(), Some(TransportFault::DropConnection));
        }
        plan.apply(Es9Function::CancelSession, ok);
        assert_eq!(plan.take_transport(), None);
        assert_eq!(plan.applied(), 2);
    }

    #[rstest]
    #[case(r#"{"fault":{"kind":"corruptSignature"}}"#, None)]
    #[case(r#"{"function":"getBoundProfilePackage","fault":{"kind":"bppSegment","index":3,"damage":"mac"}}"#, None)]
    #[case(
        r#"{"fault":{"kind":"status","subject":"8.2.7","reason":"3.8"},"times":0}"#,
        Some("at least 1")
    )]
    #[case(
        r#"{"fault":{"kind":"status","subject":"9.9","reason":"9.9"}}"#,
        Some("not in the SGP.22 catalogue")
    )]
    #[case(
        r#"{"fault":{"kind":"setField","field":"serverSigned1","path":"Nope.x","tlvHex":"8000"}}"#,
        Some("must name an ASN.1 type")
    )]
    #[case(
        r#"{"fault":{"kind":"substituteCertificate","derHex":"zz"}}"#,
        Some("not hex")
    )]
    #[case(r#"{"fault":{"kind":"storeMetadata","tlvHex":"BF2500"}}"#, None)]
    #[case(
        r#"{"fault":{"kind":"storeMetadata","tlvHex":"BF25"}}"#,
        Some("tlvHex")
    )]
    #[case(r#"{"fault":{"kind":"profilePackage","derHex":"A0030201FF"}}"#, None)]
    #[case(
        r#"{"fault":{"kind":"profilePackage","derHex":"zz"}}"#,
        Some("not hex")
    )]
    #[case(
        r#"{"fault":{"kind":"profilePackage","derHex":"ABC"}}"#,
        Some("not hex")
    )]
    #[case(
        r#"{"fault":{"kind":"profilePackage","derHex":""}}"#,
        Some("0 bytes, expected 1 to 1048576")
    )]
    fn armed_faults_are_validated(#[case] json: &str, #[case] error: Option<&str>) {
        let fault: ArmedFault = serde_json::from_str(json).unwrap();
        match (FaultPlan::default().arm(fault), error) {
            (Ok(()), None) => {}
            (Err(e), Some(want)) => assert!(e.to_string().contains(want), "{e}"),
            (r, want) => panic!("{r:?}, expected {want:?}"),
        }
    }

    #[test]
    fn a_store_metadata_fault_acts_at_binding_not_on_answers() {
        let mut plan = FaultPlan::default();
        plan.arm(ArmedFault {
            function: Some(Es9Function::GetBoundProfilePackage),
            fault: Fault::StoreMetadata {
                tlv_hex: "BF25035A0100".into(),
            },
            times: 1,
        })
        .unwrap();
        let answer = Es9Answer::failed(KnownStatus::TransactionIdUnknown, "x");
        assert_eq!(
            plan.apply(Es9Function::GetBoundProfilePackage, answer.clone()),
            answer
        );
        assert_eq!(plan.armed().len(), 1, "an answer does not spend it");
        let t = plan.take_store_metadata().unwrap();
        assert_eq!(t.encode(), hex::decode("BF25035A0100").unwrap());
        assert_eq!(plan.take_store_metadata(), None);
    }

    #[test]
    fn a_profile_package_fault_acts_at_binding_not_on_answers() {
        let mut plan = FaultPlan::default();
        plan.arm(ArmedFault {
            function: None,
            fault: Fault::ProfilePackage {
                der_hex: "DEADBEEF".into(),
            },
            times: 2,
        })
        .unwrap();
        let answer = Es9Answer::failed(KnownStatus::TransactionIdUnknown, "x");
        assert_eq!(
            plan.apply(Es9Function::GetBoundProfilePackage, answer.clone()),
            answer
        );
        assert_eq!(
            plan.take_store_metadata(),
            None,
            "not a StoreMetadata fault"
        );
        for _ in 0..2 {
            assert_eq!(
                plan.take_profile_package(),
                Some(vec![0xDE, 0xAD, 0xBE, 0xEF])
            );
        }
        assert_eq!(plan.take_profile_package(), None);
        assert_eq!(plan.applied(), 2);
    }

    #[test]
    fn a_profile_package_over_one_mebibyte_is_refused() {
        let fault = ArmedFault {
            function: None,
            fault: Fault::ProfilePackage {
                der_hex: "00".repeat(MAX_FAULT_PROFILE_PACKAGE + 1),
            },
            times: 1,
        };
        assert!(matches!(
            fault.validate(),
            Err(FaultError::Size { len, .. }) if len == MAX_FAULT_PROFILE_PACKAGE + 1
        ));
        let fault = ArmedFault {
            fault: Fault::ProfilePackage {
                der_hex: "00".repeat(MAX_FAULT_PROFILE_PACKAGE),
            },
            ..fault
        };
        assert_eq!(fault.validate(), Ok(()));
    }

    #[test]
    fn an_unknown_function_name_is_refused() {
        let r: Result<ArmedFault, _> =
            serde_json::from_str(r#"{"function":"doThings","fault":{"kind":"dropConnection"}}"#);
        assert!(r.unwrap_err().to_string().contains("unknown ES9+ function"));
    }
}
