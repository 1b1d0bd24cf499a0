//! ES8+ on the eUICC: the bound profile package arrives in pieces (digest §3.1: `BF36 len` +
//! BF23, then A0, the A1 header, each 88, A2, the A3 header, each 86) and is processed as it
//! arrives — BF23 checked and keys derived, every segment unprotected on arrival, ConfigureISDP,
//! StoreMetadata and ReplaceSessionKeys applied when their sequence is complete, and the
//! ProfileElements parsed and checked one by one as the 86 segments deliver their bytes.
//!
//! The loader accepts any cut of the byte stream (a whole BF36 in one STORE DATA sequence
//! works as well as lpac's pieces); it holds at most one incomplete element.

use rsp_codec::tlv::{Limits, Tag, Tlv};
use rsp_codec::views::{StoreMetadataRequest, View};
use rsp_crypto::bpp::{self, command_id, error_reason, BppPart, IscError, ReplaceSessionKeys};
use rsp_crypto::scp03t::BspSession;
use rsp_crypto::{PrivateKey, PublicKey};
use rsp_profile::package::{PeKind, ProfileElement};

/// PEStatus codes (digest §7.5).
pub mod pe_status {
    pub const OK: i64 = 0;
    pub const PE_NOT_SUPPORTED: i64 = 1;
    pub const BAD_VALUES: i64 = 3;
    pub const NOT_ENOUGH_MEMORY: i64 = 4;
    pub const INVALID_REQUEST_FORMAT: i64 = 5;
    pub const INVALID_PARAMETER: i64 = 6;
    pub const TEMPLATE_NOT_SUPPORTED: i64 = 9;
    pub const FEATURE_NOT_SUPPORTED: i64 = 10;
    pub const UNSUPPORTED_PROFILE_VERSION: i64 = 31;
}

/// errorReason values beyond those of the crypto crate.
pub mod reason {
    pub const UNSUPPORTED_PROFILE_CLASS: i64 = 6;
    pub const ICCID_ALREADY_EXISTS: i64 = 9;
    pub const INSUFFICIENT_MEMORY: i64 = 10;
    pub const INTERRUPTION: i64 = 11;
    pub const PE_PROCESSING_ERROR: i64 = 12;
    pub const DATA_MISMATCH: i64 = 13;
    pub const PPR_NOT_ALLOWED: i64 = 15;
    pub const UNKNOWN_ERROR: i64 = 127;
}

/// The largest incomplete element the loader buffers (a segment is at most 1020 bytes; a whole
/// A0/A2 or BF23 is far smaller; ProfileElements are bounded separately).
const MAX_PENDING: usize = 64 * 1024;
/// Largest single ProfileElement accepted (an application load block can be large).
pub const MAX_PE_LEN: usize = 1 << 20;

/// A PEStatus for the simaResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeStatus {
    pub status: i64,
    pub identification: Option<u16>,
    pub additional_information: Option<u8>,
    pub offset: Option<u32>,
}

impl PeStatus {
    /// One EUICCResponse (`30 { A0 { 30 PEStatus }, [81 aborted] }`).
    pub fn euicc_response(&self, aborted: bool) -> Vec<u8> {
        let mut st = vec![Tlv::primitive(
            Tag::of(0x80),
            rsp_codec::der::encode_integer(self.status),
        )];
        if let Some(id) = self.identification {
            st.push(Tlv::primitive(
                Tag::of(0x81),
                rsp_codec::der::encode_integer(i64::from(id)),
            ));
        }
        if let Some(a) = self.additional_information {
            st.push(Tlv::primitive(
                Tag::of(0x82),
                rsp_codec::der::encode_integer(i64::from(a)),
            ));
        }
        if let Some(o) = self.offset {
            st.push(Tlv::primitive(
                Tag::of(0x83),
                rsp_codec::der::encode_integer(i64::from(o)),
            ));
        }
        let mut children = vec![Tlv::constructed(
            Tag::of(0xA0),
            vec![Tlv::constructed(Tag::of(0x30), st)],
        )];
        if aborted {
            children.push(Tlv::primitive(Tag::of(0x81), Vec::new()));
        }
        Tlv::constructed(Tag::of(0x30), children).encode_der()
    }
}

/// Why a load stopped: what goes into the PIR errorResult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFailure {
    pub bpp_command_id: i64,
    pub error_reason: i64,
    pub pe_status: Option<PeStatus>,
    /// For logs and reports.
    pub detail: String,
}

impl LoadFailure {
    pub fn new(bpp_command_id: i64, error_reason: i64, detail: impl Into<String>) -> LoadFailure {
        LoadFailure {
            bpp_command_id,
            error_reason,
            pe_status: None,
            detail: detail.into(),
        }
    }

    pub fn pe(status: i64, identification: Option<u16>, detail: impl Into<String>) -> LoadFailure {
        LoadFailure {
            bpp_command_id: command_id::LOAD_PROFILE_ELEMENTS,
            error_reason: reason::PE_PROCESSING_ERROR,
            pe_status: Some(PeStatus {
                status,
                identification,
                additional_information: None,
                offset: None,
            }),
            detail: detail.into(),
        }
    }
}

/// What the session contributes to the load.
pub struct LoadContext {
    pub transaction_id: Vec<u8>,
    pub pk_dppb: PublicKey,
    pub euicc_ot_sk: PrivateKey,
    pub eid: [u8; 16],
    pub max_segment_size: usize,
    /// Planted bug (fuzzer self-test only): the session segment whose C-MAC is not checked,
    /// from [`crate::Personality::blind_mac_segment`]. `None` on a conforming card.
    pub blind_mac_segment: Option<usize>,
}

/// Checks the card applies to each piece as it is completed (profile store, personality).
pub trait InstallPolicy {
    /// ConfigureISDP accepted: room for another ISD-P?
    fn configure_isdp(&mut self, request: &Tlv) -> Result<(), LoadFailure>;
    /// StoreMetadata complete.
    fn store_metadata(&mut self, metadata: &StoreMetadataRequest) -> Result<(), LoadFailure>;
    /// One ProfileElement parsed (index in the package).
    fn profile_element(&mut self, index: usize, pe: &ProfileElement) -> Result<(), LoadFailure>;
}

/// Progress of a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadStep {
    /// More pieces expected; the STORE DATA answer is empty.
    NeedMore,
    /// The BPP is complete: install these.
    Complete(Box<LoadedProfile>),
}

/// The output of a complete load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedProfile {
    pub configure_isdp: Tlv,
    pub metadata_tlv: Tlv,
    pub metadata: StoreMetadataRequest,
    pub pes: Vec<ProfileElement>,
    pub package: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Waiting for `BF36 len`.
    Envelope,
    /// Inside BF36, between parts; `next` is the index of the next expected part.
    BetweenParts,
    /// Inside a sequence part with `remaining` content bytes.
    InPart {
        part: BppPart,
        remaining: usize,
    },
    Done,
}

/// The streaming loader of one BPP.
pub struct BppLoader {
    ctx: LoadContext,
    buf: Vec<u8>,
    position: Position,
    /// Content bytes of BF36 not yet consumed.
    bf36_remaining: usize,
    next_part: usize,
    session: Option<BspSession>,
    /// Unprotected payload of the current sequence part.
    command: Vec<u8>,
    configure_isdp: Option<Tlv>,
    metadata: Option<(Tlv, StoreMetadataRequest)>,
    profile_stream: Vec<u8>,
    package: Vec<u8>,
    pes: Vec<ProfileElement>,
    /// The bppCommandId of the command in progress (for an interruption PIR).
    current_command: i64,
}

/// A parsed BER header: tag, content length, header length. `Ok(None)`: need more bytes.
pub fn read_header(buf: &[u8]) -> Result<Option<(Tag, usize, usize)>, String> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let Some(&b) = buf.get(i) else {
                return Ok(None);
            };
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 4 {
                return Err("tag longer than 3 bytes".into());
            }
        }
    }
    let tag = Tlv::parse_prefix(&{
        // A tag followed by a zero length makes a parseable TLV for reading the tag value.
        let mut t = buf[..i].to_vec();
        t.push(0);
        t
    })
    .map_err(|e| format!("tag: {e}"))?
    .0
    .tag();
    let Some(&l0) = buf.get(i) else {
        return Ok(None);
    };
    i += 1;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x80 => return Err("indefinite length".into()),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            if buf.len() < i + n {
                return Ok(None);
            }
            let mut v = 0usize;
            for &b in &buf[i..i + n] {
                v = (v << 8) | usize::from(b);
            }
            i += n;
            v
        }
        _ => return Err(format!("length form {l0:02X}")),
    };
    Ok(Some((tag, len, i)))
}

impl BppLoader {
    pub fn new(ctx: LoadContext) -> BppLoader {
        BppLoader {
            ctx,
            buf: Vec::new(),
            position: Position::Envelope,
            bf36_remaining: 0,
            next_part: 0,
            session: None,
            command: Vec::new(),
            configure_isdp: None,
            metadata: None,
            profile_stream: Vec::new(),
            package: Vec::new(),
            pes: Vec::new(),
            current_command: command_id::INITIALISE_SECURE_CHANNEL,
        }
    }

    /// The command in progress, for the PIR of an interrupted load.
    pub fn current_command(&self) -> i64 {
        self.current_command
    }

    /// The StoreMetadata, once received (the ICCID of an interrupted load).
    pub fn metadata(&self) -> Option<&StoreMetadataRequest> {
        self.metadata.as_ref().map(|(_, m)| m)
    }

    /// Whether the bytes start a piece this loader expects (used by the ES10 dispatcher to tell
    /// BPP pieces from other requests).
    pub fn expects_more(&self) -> bool {
        self.position != Position::Done
    }

    fn structure(&self, part: Option<BppPart>, detail: impl Into<String>) -> LoadFailure {
        LoadFailure::new(
            part.map_or(
                command_id::INITIALISE_SECURE_CHANNEL,
                BppPart::bpp_command_id,
            ),
            error_reason::SCP03T_STRUCTURE_ERROR,
            detail,
        )
    }

    /// Feeds the data of one STORE DATA sequence.
    pub fn feed(
        &mut self,
        data: &[u8],
        policy: &mut dyn InstallPolicy,
    ) -> Result<LoadStep, LoadFailure> {
        if self.position == Position::Done {
            return Err(self.structure(None, "BPP already complete"));
        }
        self.buf.extend_from_slice(data);
        loop {
            match self.step(policy)? {
                Some(true) => continue,
                Some(false) => {
                    if self.buf.len() > MAX_PENDING {
                        return Err(self.structure(
                            self.current_part(),
                            format!("incomplete element of more than {MAX_PENDING} bytes"),
                        ));
                    }
                    return Ok(LoadStep::NeedMore);
                }
                None => return self.finish(),
            }
        }
    }

    fn current_part(&self) -> Option<BppPart> {
        match self.position {
            Position::InPart { part, .. } => Some(part),
            _ => BppPart::ALL.get(self.next_part).copied(),
        }
    }

    /// One element: `Some(true)` progressed, `Some(false)` needs more bytes, `None` complete.
    fn step(&mut self, policy: &mut dyn InstallPolicy) -> Result<Option<bool>, LoadFailure> {
        match self.position {
            Position::Done => Ok(None),
            Position::Envelope => {
                let Some((tag, len, hl)) = read_header(&self.buf)
                    .map_err(|e| self.structure(None, format!("BF36: {e}")))?
                else {
                    return Ok(Some(false));
                };
                if tag != Tag::of(0xBF36) {
                    return Err(self.structure(None, format!("{tag} where BF36 was expected")));
                }
                self.buf.drain(..hl);
                self.bf36_remaining = len;
                self.position = Position::BetweenParts;
                Ok(Some(true))
            }
            Position::BetweenParts => {
                if self.bf36_remaining == 0 {
                    if self.next_part < BppPart::ALL.len() {
                        // After A1 the missing part is A3 (A2 is optional).
                        let missing = match BppPart::ALL[self.next_part] {
                            BppPart::SecondSequenceOf87 => BppPart::SequenceOf86,
                            p => p,
                        };
                        return Err(
                            self.structure(Some(missing), format!("BF36 ends before {missing}"))
                        );
                    }
                    self.position = Position::Done;
                    return Ok(None);
                }
                let Some((tag, len, hl)) =
                    read_header(&self.buf).map_err(|e| self.structure(self.current_part(), e))?
                else {
                    return Ok(Some(false));
                };
                let expected = BppPart::ALL.get(self.next_part).copied();
                let part = match BppPart::from_tag(tag) {
                    Some(p)
                        if Some(p) == expected
                            || (expected == Some(BppPart::SecondSequenceOf87)
                                && p == BppPart::SequenceOf86) =>
                    {
                        p
                    }
                    _ => {
                        let charged = match expected {
                            Some(BppPart::SecondSequenceOf87) | None => BppPart::SequenceOf86,
                            Some(p) => p,
                        };
                        return Err(self.structure(
                            Some(charged),
                            format!("{tag} where {charged} was expected"),
                        ));
                    }
                };
                if hl + len > self.bf36_remaining {
                    return Err(
                        self.structure(Some(part), format!("{part} of {len} bytes overruns BF36"))
                    );
                }
                self.current_command = part.bpp_command_id();
                if part == BppPart::InitialiseSecureChannel {
                    if self.buf.len() < hl + len {
                        return Ok(Some(false));
                    }
                    let bytes: Vec<u8> = self.buf.drain(..hl + len).collect();
                    self.bf36_remaining -= hl + len;
                    self.initialise_secure_channel(&bytes)?;
                    self.next_part = 1;
                    return Ok(Some(true));
                }
                self.buf.drain(..hl);
                self.bf36_remaining -= hl;
                self.next_part = part as usize + 1;
                if len == 0 {
                    return Err(self.structure(Some(part), format!("{part} has no segment")));
                }
                self.command.clear();
                self.position = Position::InPart {
                    part,
                    remaining: len,
                };
                Ok(Some(true))
            }
            Position::InPart { part, remaining } => {
                if remaining == 0 {
                    self.end_part(part, policy)?;
                    self.position = Position::BetweenParts;
                    return Ok(Some(true));
                }
                let Some((tag, len, hl)) = read_header(&self.buf)
                    .map_err(|e| self.structure(Some(part), format!("segment: {e}")))?
                else {
                    return Ok(Some(false));
                };
                if hl + len > remaining {
                    return Err(self.structure(
                        Some(part),
                        format!("segment of {} bytes overruns {part}", hl + len),
                    ));
                }
                if hl + len > self.ctx.max_segment_size {
                    return Err(self.structure(
                        Some(part),
                        format!(
                            "segment of {} bytes exceeds this card's maximum of {}",
                            hl + len,
                            self.ctx.max_segment_size
                        ),
                    ));
                }
                if self.buf.len() < hl + len {
                    return Ok(Some(false));
                }
                let bytes: Vec<u8> = self.buf.drain(..hl + len).collect();
                self.bf36_remaining -= hl + len;
                self.position = Position::InPart {
                    part,
                    remaining: remaining - hl - len,
                };
                let expected = part
                    .segment_tag()
                    .ok_or_else(|| self.structure(Some(part), "no segments"))?;
                let seg =
                    Tlv::parse(&bytes).map_err(|e| self.structure(Some(part), e.to_string()))?;
                let _ = tag;
                let session = self.session.as_mut().ok_or_else(|| {
                    LoadFailure::new(
                        part.bpp_command_id(),
                        error_reason::SCP03T_STRUCTURE_ERROR,
                        "no secure channel",
                    )
                })?;
                let plain = session.unprotect_tlv(expected, &seg).map_err(|e| {
                    LoadFailure::new(
                        part.bpp_command_id(),
                        if e.is_security_error() {
                            error_reason::SCP03T_SECURITY_ERROR
                        } else {
                            error_reason::SCP03T_STRUCTURE_ERROR
                        },
                        format!("{part}: {e}"),
                    )
                })?;
                if part == BppPart::SequenceOf86 {
                    self.profile_bytes(&plain, policy)?;
                } else {
                    self.command.extend_from_slice(&plain);
                }
                Ok(Some(true))
            }
        }
    }

    fn initialise_secure_channel(&mut self, bytes: &[u8]) -> Result<(), LoadFailure> {
        let isc = Tlv::parse(bytes).map_err(|e| {
            LoadFailure::new(
                command_id::INITIALISE_SECURE_CHANNEL,
                error_reason::SCP03T_STRUCTURE_ERROR,
                format!("BF23: {e}"),
            )
        })?;
        let keys = bpp::derive_from_isc(
            &isc,
            &self.ctx.pk_dppb,
            &self.ctx.euicc_ot_sk,
            &self.ctx.eid,
            &self.ctx.transaction_id,
        )
        .map_err(|e: IscError| {
            let (cmd, reason) = e.pir_code();
            LoadFailure::new(cmd, reason, format!("initialiseSecureChannel: {e}"))
        })?;
        let session = BspSession::new(&keys);
        self.session = Some(match self.ctx.blind_mac_segment {
            Some(segment) => session.with_blind_mac_segment(segment),
            None => session,
        });
        Ok(())
    }

    fn end_part(
        &mut self,
        part: BppPart,
        policy: &mut dyn InstallPolicy,
    ) -> Result<(), LoadFailure> {
        let cmd = part.bpp_command_id();
        let bad = |what: &str, e: String| {
            LoadFailure::new(
                cmd,
                error_reason::INCORRECT_INPUT_VALUES,
                format!("{what}: {e}"),
            )
        };
        match part {
            BppPart::InitialiseSecureChannel => Ok(()),
            BppPart::FirstSequenceOf87 => {
                let t = parse_one(&self.command).map_err(|e| bad("ConfigureISDP", e))?;
                if let Some(e) =
                    rsp_codec::named::validate(&rsp_codec::schema::CONFIGURE_ISDP_REQUEST, &t)
                        .into_iter()
                        .next()
                {
                    return Err(bad("ConfigureISDP", e.to_string()));
                }
                policy.configure_isdp(&t)?;
                self.configure_isdp = Some(t);
                Ok(())
            }
            BppPart::SequenceOf88 => {
                let t = parse_one(&self.command).map_err(|e| bad("StoreMetadata", e))?;
                let m = StoreMetadataRequest::from_tlv(&t)
                    .map_err(|e| bad("StoreMetadata", e.to_string()))?;
                policy.store_metadata(&m)?;
                self.metadata = Some((t, m));
                Ok(())
            }
            BppPart::SecondSequenceOf87 => {
                let t = parse_one(&self.command).map_err(|e| bad("ReplaceSessionKeys", e))?;
                let rsk =
                    ReplaceSessionKeys::from_tlv(&t).map_err(|e| bad("ReplaceSessionKeys", e))?;
                if let Some(s) = self.session.as_mut() {
                    s.replace_session_keys(&rsk.ppk_enc, &rsk.ppk_mac, &rsk.initial_mcv);
                }
                Ok(())
            }
            BppPart::SequenceOf86 => {
                if !self.profile_stream.is_empty() {
                    return Err(LoadFailure::pe(
                        pe_status::INVALID_REQUEST_FORMAT,
                        None,
                        format!(
                            "{} bytes after the last complete ProfileElement",
                            self.profile_stream.len()
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Appends unprotected profile bytes and hands every complete ProfileElement to the
    /// policy.
    fn profile_bytes(
        &mut self,
        plain: &[u8],
        policy: &mut dyn InstallPolicy,
    ) -> Result<(), LoadFailure> {
        self.profile_stream.extend_from_slice(plain);
        loop {
            let header = read_header(&self.profile_stream).map_err(|e| {
                LoadFailure::pe(
                    pe_status::INVALID_REQUEST_FORMAT,
                    None,
                    format!("ProfileElement {}: {e}", self.pes.len()),
                )
            })?;
            let Some((_, len, hl)) = header else {
                return Ok(());
            };
            if hl + len > MAX_PE_LEN {
                return Err(LoadFailure::pe(
                    pe_status::NOT_ENOUGH_MEMORY,
                    None,
                    format!("ProfileElement {} of {} bytes", self.pes.len(), hl + len),
                ));
            }
            if self.profile_stream.len() < hl + len {
                return Ok(());
            }
            let bytes: Vec<u8> = self.profile_stream.drain(..hl + len).collect();
            let index = self.pes.len();
            let pe = ProfileElement::parse(&bytes).map_err(|e| {
                LoadFailure::pe(
                    pe_status::INVALID_REQUEST_FORMAT,
                    None,
                    format!("ProfileElement {index}: {e}"),
                )
            })?;
            if index == 0 && pe.kind() != PeKind::Known("header") {
                return Err(LoadFailure::pe(
                    pe_status::INVALID_REQUEST_FORMAT,
                    pe.identification(),
                    format!("first ProfileElement is {}, not the header", pe.kind()),
                ));
            }
            if let Some(e) = pe.schema_errors().into_iter().next() {
                return Err(LoadFailure::pe(
                    pe_status::BAD_VALUES,
                    pe.identification(),
                    format!("{}: {e}", pe.label(index)),
                ));
            }
            policy.profile_element(index, &pe)?;
            self.package.extend_from_slice(&bytes);
            self.pes.push(pe);
        }
    }

    fn finish(&mut self) -> Result<LoadStep, LoadFailure> {
        if !self.buf.is_empty() {
            return Err(self.structure(
                Some(BppPart::SequenceOf86),
                format!("{} bytes after BF36", self.buf.len()),
            ));
        }
        let configure_isdp = self
            .configure_isdp
            .take()
            .ok_or_else(|| self.structure(Some(BppPart::FirstSequenceOf87), "no ConfigureISDP"))?;
        let (metadata_tlv, metadata) = self
            .metadata
            .take()
            .ok_or_else(|| self.structure(Some(BppPart::SequenceOf88), "no StoreMetadata"))?;
        match self.pes.last() {
            Some(pe) if pe.kind() == PeKind::Known("end") => {}
            last => {
                return Err(LoadFailure::pe(
                    pe_status::INVALID_REQUEST_FORMAT,
                    last.and_then(ProfileElement::identification),
                    "the profile does not end with an end ProfileElement",
                ))
            }
        }
        Ok(LoadStep::Complete(Box::new(LoadedProfile {
            configure_isdp,
            metadata_tlv,
            metadata,
            pes: std::mem::take(&mut self.pes),
            package: std::mem::take(&mut self.package),
        })))
    }
}

fn parse_one(bytes: &[u8]) -> Result<Tlv, String> {
    Tlv::parse_with(bytes, &Limits::default()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_need_more_bytes_or_fail_clearly() {
        assert_eq!(read_header(&[]), Ok(None));
        assert_eq!(read_header(&[0xBF]), Ok(None));
        assert_eq!(read_header(&[0xBF, 0x36]), Ok(None));
        assert_eq!(read_header(&[0xBF, 0x36, 0x82, 0x01]), Ok(None));
        assert_eq!(
            read_header(&[0xBF, 0x36, 0x82, 0x01, 0x00]),
            Ok(Some((Tag::of(0xBF36), 256, 5)))
        );
        assert_eq!(read_header(&[0x86, 0x05]), Ok(Some((Tag::of(0x86), 5, 2))));
        assert!(read_header(&[0xA3, 0x80])
            .unwrap_err()
            .contains("indefinite"));
        assert!(read_header(&[0xA3, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read_header(&[0xBF, 0xFF, 0xFF, 0xFF, 0x01, 0x00]).is_err());
    }

    #[test]
    fn pe_status_encodes_as_euicc_response() {
        let s = PeStatus {
            status: pe_status::TEMPLATE_NOT_SUPPORTED,
            identification: Some(4),
            additional_information: None,
            offset: None,
        };
        assert_eq!(
            hex::encode_upper(s.euicc_response(true)),
            "300CA00830068001098101048100"
        );
    }
}
