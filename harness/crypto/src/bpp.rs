//! The bound profile package (BF36, SGP.22 §2.5.5 / ES8+, digest §4.3): key agreement, building
//! and opening.
//!
//! - SM-DP+ side: [`bind`] generates otSK.DP on the curve of SK.DPpb, agrees ShS with the
//!   eUICC's otPK, derives the [`SessionKeys`] and returns the signed
//!   InitialiseSecureChannelRequest (BF23); [`build_bpp`] then protects ConfigureISDP (A0, 87),
//!   StoreMetadata (A1, 88), the optional ReplaceSessionKeys (A2, 87) and the profile (A3, 86,
//!   cut without regard to ProfileElement boundaries), every segment at most 1020 bytes on the
//!   wire, switching to the PPKs with a counter restart after ReplaceSessionKeys.
//! - eUICC side: [`derive_from_isc`] checks BF23 (remoteOpId, transactionId, smdpSign, CRT) and
//!   derives the same keys; [`open_bpp`] / [`open_bpp_with`] validate the structure against
//!   the codec schema `BOUND_PROFILE_PACKAGE`, unprotect every segment in the order an eUICC
//!   processes them and say which part and segment failed.
//!
//! # Errors and the PIR
//!
//! [`BppError::pir_code`] gives the `(bppCommandId, errorReason)` the eUICC reports in the
//! ProfileInstallationResult. bppCommandId is the command the failing element belongs to:
//! 0 initialiseSecureChannel (BF23, and anything about the BF36 envelope itself),
//! 1 configureISDP (A0), 2 storeMetadata (A1), 4 replaceSessionKeys (A2),
//! 5 loadProfileElements (A3). An element out of place is charged to the part that was expected
//! at that position (after A1, where A2 or A3 may come, to loadProfileElements).
//!
//! | failure | errorReason |
//! |---|---|
//! | BF36 not parseable, wrong tag, schema violation, unexpected/missing/out-of-order part, no segment in A0/A1/A2, segment tag/length/size/truncation/alignment ([`BspError`] other than MAC/padding) | 7 scp03tStructureError |
//! | segment MAC mismatch, bad padding after decryption | 8 scp03tSecurityError |
//! | decrypted BF24/BF25/BF26 not one valid TLV of its type, PPKs not 16 bytes | 1 incorrectInputValues |
//! | BF23: remoteOpId ≠ installBoundProfilePackage | 5 unsupportedRemoteOperationType |
//! | BF23: transactionId ≠ the session's | 3 invalidTransactionId |
//! | BF23: smdpSign does not verify | 2 invalidSignature |
//! | BF23: keyType ≠ 88 or keyLen ≠ 10 | 4 unsupportedCrtValues |
//! | BF23: smdpOtpk not a point on the curve | 1 incorrectInputValues |
//!
//! An empty A3 is accepted here (an empty profile); rejecting a profile without ProfileElements
//! is the profile installer's business (errorReason 12).

use std::borrow::Cow;
use std::fmt;

use rsp_codec::named::{validate, SchemaError};
use rsp_codec::schema::{self, TypeDef};
use rsp_codec::tlv::{Tag, Tlv, TlvError};
use rsp_codec::views::{InitialiseSecureChannelRequest, View};

use crate::ecc::{EccError, PrivateKey, PublicKey, RandomSource};
use crate::kdf::{self, KdfError, SessionKeys, KEY_LEN_16, KEY_TYPE_AES};
use crate::scp03t::{BspError, BspSession, SegmentTag};
use crate::signed::{self, SignatureError, SignedDataError};

/// `bppCommandId` values (SGP.22 `BppCommandId`).
pub mod command_id {
    pub const INITIALISE_SECURE_CHANNEL: i64 = 0;
    pub const CONFIGURE_ISDP: i64 = 1;
    pub const STORE_METADATA: i64 = 2;
    pub const STORE_METADATA2: i64 = 3;
    pub const REPLACE_SESSION_KEYS: i64 = 4;
    pub const LOAD_PROFILE_ELEMENTS: i64 = 5;
}

/// `errorReason` values (SGP.22 `ErrorReason`) this module produces.
pub mod error_reason {
    pub const INCORRECT_INPUT_VALUES: i64 = 1;
    pub const INVALID_SIGNATURE: i64 = 2;
    pub const INVALID_TRANSACTION_ID: i64 = 3;
    pub const UNSUPPORTED_CRT_VALUES: i64 = 4;
    pub const UNSUPPORTED_REMOTE_OPERATION_TYPE: i64 = 5;
    pub const SCP03T_STRUCTURE_ERROR: i64 = 7;
    pub const SCP03T_SECURITY_ERROR: i64 = 8;
}

/// `remoteOpId` installBoundProfilePackage.
pub const REMOTE_OP_INSTALL_BPP: i64 = 1;

const BPP_TAG: Tag = Tag::of(0xBF36);

// ---------------------------------------------------------------- parts

/// The five elements of a BPP, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BppPart {
    /// BF23, in clear.
    InitialiseSecureChannel,
    /// A0: ConfigureISDP in 87 segments.
    FirstSequenceOf87,
    /// A1: StoreMetadata in 88 segments.
    SequenceOf88,
    /// A2 (optional): ReplaceSessionKeys in 87 segments.
    SecondSequenceOf87,
    /// A3: the profile in 86 segments.
    SequenceOf86,
}

impl BppPart {
    pub const ALL: [BppPart; 5] = [
        BppPart::InitialiseSecureChannel,
        BppPart::FirstSequenceOf87,
        BppPart::SequenceOf88,
        BppPart::SecondSequenceOf87,
        BppPart::SequenceOf86,
    ];

    /// Field name in the schema (`sequenceOf86`, …).
    pub fn name(self) -> &'static str {
        match self {
            BppPart::InitialiseSecureChannel => "initialiseSecureChannelRequest",
            BppPart::FirstSequenceOf87 => "firstSequenceOf87",
            BppPart::SequenceOf88 => "sequenceOf88",
            BppPart::SecondSequenceOf87 => "secondSequenceOf87",
            BppPart::SequenceOf86 => "sequenceOf86",
        }
    }

    pub fn tag(self) -> Tag {
        Tag::of(match self {
            BppPart::InitialiseSecureChannel => 0xBF23,
            BppPart::FirstSequenceOf87 => 0xA0,
            BppPart::SequenceOf88 => 0xA1,
            BppPart::SecondSequenceOf87 => 0xA2,
            BppPart::SequenceOf86 => 0xA3,
        })
    }

    pub fn from_tag(tag: Tag) -> Option<BppPart> {
        BppPart::ALL.into_iter().find(|p| p.tag() == tag)
    }

    /// The bppCommandId reported for a failure in this part.
    pub fn bpp_command_id(self) -> i64 {
        match self {
            BppPart::InitialiseSecureChannel => command_id::INITIALISE_SECURE_CHANNEL,
            BppPart::FirstSequenceOf87 => command_id::CONFIGURE_ISDP,
            BppPart::SequenceOf88 => command_id::STORE_METADATA,
            BppPart::SecondSequenceOf87 => command_id::REPLACE_SESSION_KEYS,
            BppPart::SequenceOf86 => command_id::LOAD_PROFILE_ELEMENTS,
        }
    }

    /// The segment tag of a sequence part (`None` for BF23).
    pub fn segment_tag(self) -> Option<SegmentTag> {
        match self {
            BppPart::InitialiseSecureChannel => None,
            BppPart::FirstSequenceOf87 | BppPart::SecondSequenceOf87 => Some(SegmentTag::Tag87),
            BppPart::SequenceOf88 => Some(SegmentTag::Tag88),
            BppPart::SequenceOf86 => Some(SegmentTag::Tag86),
        }
    }

    fn is_optional(self) -> bool {
        self == BppPart::SecondSequenceOf87
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for BppPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------- ReplaceSessionKeys

/// The content of ReplaceSessionKeysRequest (BF26): the profile protection keys.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplaceSessionKeys {
    pub initial_mcv: [u8; 16],
    pub ppk_enc: [u8; 16],
    pub ppk_mac: [u8; 16],
}

impl fmt::Debug for ReplaceSessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplaceSessionKeys(<redacted>)")
    }
}

impl ReplaceSessionKeys {
    /// Fresh PPKs and initial MCV from the injected randomness.
    pub fn generate(rng: &mut dyn RandomSource) -> ReplaceSessionKeys {
        let mut k = [[0u8; 16]; 3];
        k.iter_mut().for_each(|b| rng.fill(b));
        ReplaceSessionKeys {
            initial_mcv: k[0],
            ppk_enc: k[1],
            ppk_mac: k[2],
        }
    }

    /// `BF26 { 80 initialMacChainingValue, 81 ppkEnc, 82 ppkCmac }` (DER).
    pub fn to_tlv(&self) -> Tlv {
        Tlv::constructed(
            Tag::of(0xBF26),
            vec![
                Tlv::primitive(Tag::of(0x80), self.initial_mcv.to_vec()),
                Tlv::primitive(Tag::of(0x81), self.ppk_enc.to_vec()),
                Tlv::primitive(Tag::of(0x82), self.ppk_mac.to_vec()),
            ],
        )
    }

    /// From a BF26 tree valid against the schema, with 16-byte values.
    pub fn from_tlv(t: &Tlv) -> Result<ReplaceSessionKeys, String> {
        check_content(&schema::REPLACE_SESSION_KEYS_REQUEST, t)?;
        let get = |tag: u32| -> Result<[u8; 16], String> {
            let v = t
                .child(Tag::of(tag))
                .and_then(Tlv::content)
                .unwrap_or_default();
            v.try_into()
                .map_err(|_| format!("{:02X}: key of {} bytes, expected 16", tag, v.len()))
        };
        Ok(ReplaceSessionKeys {
            initial_mcv: get(0x80)?,
            ppk_enc: get(0x81)?,
            ppk_mac: get(0x82)?,
        })
    }

    /// As keys for a fresh [`BspSession`] (equivalent to `replace_session_keys`).
    pub fn as_session_keys(&self) -> SessionKeys {
        SessionKeys {
            initial_mcv: self.initial_mcv,
            s_enc: self.ppk_enc,
            s_mac: self.ppk_mac,
        }
    }
}

// ---------------------------------------------------------------- key agreement

/// What the SM-DP+ binds a BPP to.
#[derive(Debug, Clone, Copy)]
pub struct BindParams<'a> {
    pub transaction_id: &'a [u8],
    /// hostId of the CRT (1..16 bytes).
    pub host_id: &'a [u8],
    /// The 16-byte binary EID.
    pub eid: &'a [u8; 16],
    /// otPK.EUICC.ECKA as received in euiccSigned2 (`5F49` content).
    pub euicc_otpk: &'a [u8],
}

/// The SM-DP+ side of the key agreement.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The signed InitialiseSecureChannelRequest (BF23, DER).
    pub isc: Tlv,
    pub keys: SessionKeys,
    /// otSK.DP.ECKA (kept for re-offering the same BPP on a retry).
    pub smdp_ot_sk: PrivateKey,
}

/// Why the SM-DP+ could not bind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    #[error("otPK.EUICC: {0}")]
    EuiccOtpk(EccError),
    #[error(transparent)]
    Kdf(#[from] KdfError),
    #[error("smdpSign: {0}")]
    Sign(#[from] SignedDataError),
}

/// SM-DP+: generates otSK.DP.ECKA with `rng` on the curve of SK.DPpb, agrees ShS with
/// otPK.EUICC, derives the session keys and builds the BF23 signed with SK.DPpb.
pub fn bind(
    sk_dppb: &PrivateKey,
    params: &BindParams<'_>,
    rng: &mut dyn RandomSource,
) -> Result<Binding, BindError> {
    let ot = PrivateKey::generate(sk_dppb.curve(), rng);
    bind_with_ephemeral(sk_dppb, ot, params)
}

/// [`bind`] with a given otSK.DP.ECKA (retries that reuse it, known-answer tests).
pub fn bind_with_ephemeral(
    sk_dppb: &PrivateKey,
    smdp_ot_sk: PrivateKey,
    params: &BindParams<'_>,
) -> Result<Binding, BindError> {
    let euicc_pk = PublicKey::from_sec1(smdp_ot_sk.curve(), params.euicc_otpk)
        .map_err(BindError::EuiccOtpk)?;
    let shs = smdp_ot_sk
        .shared_secret(&euicc_pk)
        .map_err(BindError::EuiccOtpk)?;
    let keys = kdf::derive_session_keys(&shs, params.host_id, params.eid)?;
    let view = InitialiseSecureChannelRequest {
        remote_op_id: REMOTE_OP_INSTALL_BPP,
        transaction_id: params.transaction_id.to_vec(),
        key_type: KEY_TYPE_AES,
        key_len: KEY_LEN_16,
        host_id: params.host_id.to_vec(),
        smdp_otpk: smdp_ot_sk.public_key().to_uncompressed(),
        smdp_sign: Vec::new(),
        extensions: Vec::new(),
    };
    let mut isc = view.to_tlv();
    let data = signed::smdp_sign_data_tlv(&isc, params.euicc_otpk)?;
    let sig = sk_dppb.sign(&data);
    if let Some(s) = isc
        .children_mut()
        .iter_mut()
        .find(|c| c.tag() == signed::SIGNATURE_TAG)
    {
        s.set_content(sig.to_vec());
    }
    Ok(Binding {
        isc,
        keys,
        smdp_ot_sk,
    })
}

/// Why the eUICC rejects an InitialiseSecureChannelRequest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IscError {
    #[error("{0}")]
    Schema(SchemaError),
    #[error("remoteOpId {found} is not installBoundProfilePackage(1)")]
    RemoteOpId { found: i64 },
    #[error("transactionId {found} is not the session's {expected}")]
    TransactionId { expected: String, found: String },
    #[error("smdpSign: {0}")]
    Signature(SignatureError),
    #[error("unsupported CRT: keyType {key_type:02X}, keyLen {key_len:02X} (expected 88, 10)")]
    CrtValues { key_type: u8, key_len: u8 },
    #[error("smdpOtpk: {0}")]
    SmdpOtpk(EccError),
    #[error(transparent)]
    Kdf(#[from] KdfError),
    #[error("{0}")]
    Other(String),
}

impl IscError {
    /// `(bppCommandId, errorReason)`: always initialiseSecureChannel (0).
    pub fn pir_code(&self) -> (i64, i64) {
        use error_reason::*;
        let reason = match self {
            IscError::Schema(_) => SCP03T_STRUCTURE_ERROR,
            IscError::RemoteOpId { .. } => UNSUPPORTED_REMOTE_OPERATION_TYPE,
            IscError::TransactionId { .. } => INVALID_TRANSACTION_ID,
            IscError::Signature(_) => INVALID_SIGNATURE,
            IscError::CrtValues { .. } => UNSUPPORTED_CRT_VALUES,
            IscError::SmdpOtpk(_) | IscError::Kdf(_) | IscError::Other(_) => INCORRECT_INPUT_VALUES,
        };
        (command_id::INITIALISE_SECURE_CHANNEL, reason)
    }
}

/// eUICC: checks a received BF23 (schema, remoteOpId, transactionId, smdpSign with PK.DPpb over
/// the received bytes and the eUICC's own otPK, CRT values), then ECKA with otSK.EUICC.ECKA and
/// the KDF with the received hostId and the EID.
pub fn derive_from_isc(
    isc: &Tlv,
    pk_dppb: &PublicKey,
    euicc_ot_sk: &PrivateKey,
    eid: &[u8; 16],
    transaction_id: &[u8],
) -> Result<SessionKeys, IscError> {
    if let Some(e) = validate(&schema::INITIALISE_SECURE_CHANNEL_REQUEST, isc)
        .into_iter()
        .next()
    {
        return Err(IscError::Schema(e));
    }
    let view =
        InitialiseSecureChannelRequest::read(isc).map_err(|e| IscError::Other(e.to_string()))?;
    if view.remote_op_id != REMOTE_OP_INSTALL_BPP {
        return Err(IscError::RemoteOpId {
            found: view.remote_op_id,
        });
    }
    if view.transaction_id != transaction_id {
        return Err(IscError::TransactionId {
            expected: hex::encode_upper(transaction_id),
            found: hex::encode_upper(&view.transaction_id),
        });
    }
    let own = euicc_ot_sk.public_key().to_uncompressed();
    let data = signed::smdp_sign_data_tlv(isc, &own)
        .map_err(|e| IscError::Signature(SignatureError::Data(e)))?;
    pk_dppb
        .verify(&data, &view.smdp_sign)
        .map_err(|e| IscError::Signature(SignatureError::Ecc(e)))?;
    if view.key_type != KEY_TYPE_AES || view.key_len != KEY_LEN_16 {
        return Err(IscError::CrtValues {
            key_type: view.key_type,
            key_len: view.key_len,
        });
    }
    let dp =
        PublicKey::from_sec1(euicc_ot_sk.curve(), &view.smdp_otpk).map_err(IscError::SmdpOtpk)?;
    let shs = euicc_ot_sk.shared_secret(&dp).map_err(IscError::SmdpOtpk)?;
    Ok(kdf::derive_session_keys(&shs, &view.host_id, eid)?)
}

// ---------------------------------------------------------------- building

/// What goes into a BPP. The commands are TLVs; their bytes ([`Tlv::encode`]) are what gets
/// protected, so a scenario can put anything there.
#[derive(Debug, Clone, Copy)]
pub struct BppContent<'a> {
    /// BF23, sent in clear (from [`bind`]).
    pub isc: &'a Tlv,
    /// BF24.
    pub configure_isdp: &'a Tlv,
    /// BF25 (must equal the profileMetadata of AuthenticateClient).
    pub store_metadata: &'a Tlv,
    pub replace_session_keys: Option<&'a ReplaceSessionKeys>,
    /// The unprotected profile package: concatenated DER ProfileElements.
    pub profile: &'a [u8],
}

/// Plaintext bytes per segment when building (each at most the segment maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentLayout {
    /// Per 87 segment of ConfigureISDP and ReplaceSessionKeys (≤ 1007).
    pub chunk_87: usize,
    /// Per 88 segment of StoreMetadata (≤ 1008).
    pub chunk_88: usize,
    /// Per 86 segment of the profile (≤ 1007).
    pub chunk_86: usize,
}

impl Default for SegmentLayout {
    /// The largest segments: 1020 bytes on the wire.
    fn default() -> Self {
        SegmentLayout {
            chunk_87: SegmentTag::Tag87.max_plaintext_len(),
            chunk_88: SegmentTag::Tag88.max_plaintext_len(),
            chunk_86: SegmentTag::Tag86.max_plaintext_len(),
        }
    }
}

/// Why a BPP could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("segment layout: {tag} chunk of {chunk} bytes is outside 1..={max}")]
    Layout {
        tag: SegmentTag,
        chunk: usize,
        max: usize,
    },
    #[error("{part}: {source}")]
    Protect {
        part: BppPart,
        #[source]
        source: BspError,
    },
}

/// Builds the BPP with the largest segments ([`SegmentLayout::default`]).
pub fn build_bpp(content: &BppContent<'_>, keys: &SessionKeys) -> Result<Tlv, BuildError> {
    build_bpp_with(content, keys, &SegmentLayout::default())
}

/// Builds the BPP: BF23 in clear, then A0 (87), A1 (88), optional A2 (87) with the session
/// keys and one counter running across them, then A3 (86) with the PPKs (counter restarted)
/// when A2 is present, else with the session keys. Empty plaintexts still make one segment in
/// A0/A1/A2; an empty profile makes an empty A3.
pub fn build_bpp_with(
    content: &BppContent<'_>,
    keys: &SessionKeys,
    layout: &SegmentLayout,
) -> Result<Tlv, BuildError> {
    for (tag, chunk) in [
        (SegmentTag::Tag87, layout.chunk_87),
        (SegmentTag::Tag88, layout.chunk_88),
        (SegmentTag::Tag86, layout.chunk_86),
    ] {
        let max = tag.max_plaintext_len();
        if chunk == 0 || chunk > max {
            return Err(BuildError::Layout { tag, chunk, max });
        }
    }
    let mut children = vec![content.isc.clone()];
    let mut session = BspSession::new(keys);
    children.push(protect_part(
        &mut session,
        BppPart::FirstSequenceOf87,
        &content.configure_isdp.encode(),
        layout.chunk_87,
        true,
    )?);
    children.push(protect_part(
        &mut session,
        BppPart::SequenceOf88,
        &content.store_metadata.encode(),
        layout.chunk_88,
        true,
    )?);
    if let Some(rsk) = content.replace_session_keys {
        children.push(protect_part(
            &mut session,
            BppPart::SecondSequenceOf87,
            &rsk.to_tlv().encode_der(),
            layout.chunk_87,
            true,
        )?);
        session.replace_session_keys(&rsk.ppk_enc, &rsk.ppk_mac, &rsk.initial_mcv);
    }
    children.push(protect_part(
        &mut session,
        BppPart::SequenceOf86,
        content.profile,
        layout.chunk_86,
        false,
    )?);
    Ok(Tlv::constructed(BPP_TAG, children))
}

fn protect_part(
    session: &mut BspSession,
    part: BppPart,
    plaintext: &[u8],
    chunk: usize,
    at_least_one: bool,
) -> Result<Tlv, BuildError> {
    let tag = part.segment_tag().unwrap_or(SegmentTag::Tag86);
    let err = |source| BuildError::Protect { part, source };
    let mut segments = Vec::with_capacity(plaintext.len() / chunk.max(1) + 1);
    if plaintext.is_empty() && at_least_one {
        segments.push(session.protect_tlv(tag, &[]).map_err(err)?);
    }
    for c in plaintext.chunks(chunk.max(1)) {
        segments.push(session.protect_tlv(tag, c).map_err(err)?);
    }
    Ok(Tlv::constructed(part.tag(), segments))
}

/// The STORE DATA pieces deployed LPAs send a BPP in (digest §3.1, lpac): `BF36 len` with the
/// whole BF23; the whole A0; the A1 header alone, then each 88; the whole A2 if present; the
/// A3 header alone, then each 86. Each piece is one ES10 command with its own block numbering.
/// Children of BF36 other than these are sent whole, in place, so a mutated BPP still reaches
/// the card as the LPA would send it.
pub fn lpa_pieces(bpp: &Tlv) -> Vec<Vec<u8>> {
    fn header(tag: Tag, len: usize) -> Vec<u8> {
        let mut h = Vec::new();
        tag.write(&mut h);
        rsp_codec::tlv::write_der_length(&mut h, len);
        h
    }
    let mut pieces = Vec::new();
    let children = bpp.children();
    let mut first = header(bpp.tag(), bpp.content_len());
    let mut rest = children;
    if let Some((isc, tail)) = children.split_first() {
        first.extend_from_slice(&isc.encode());
        rest = tail;
    }
    pieces.push(first);
    for child in rest {
        let split = matches!(
            BppPart::from_tag(child.tag()),
            Some(BppPart::SequenceOf88 | BppPart::SequenceOf86)
        ) && child.is_constructed();
        if split {
            pieces.push(header(child.tag(), child.content_len()));
            pieces.extend(child.children().iter().map(Tlv::encode));
        } else {
            pieces.push(child.encode());
        }
    }
    pieces
}

// ---------------------------------------------------------------- opening

/// A BPP to open: wire bytes or an already parsed tree.
#[derive(Debug, Clone, Copy)]
pub enum BppInput<'a> {
    Bytes(&'a [u8]),
    Tlv(&'a Tlv),
}

impl<'a> From<&'a [u8]> for BppInput<'a> {
    fn from(b: &'a [u8]) -> Self {
        BppInput::Bytes(b)
    }
}
impl<'a> From<&'a Vec<u8>> for BppInput<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        BppInput::Bytes(b)
    }
}
impl<'a, const N: usize> From<&'a [u8; N]> for BppInput<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        BppInput::Bytes(b)
    }
}
impl<'a> From<&'a Tlv> for BppInput<'a> {
    fn from(t: &'a Tlv) -> Self {
        BppInput::Tlv(t)
    }
}

/// A BPP with every segment unprotected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedBpp {
    /// BF23 as received (for smdpSign: [`signed::smdp_sign_data_tlv`]).
    pub isc: Tlv,
    /// BF24, decrypted and parsed.
    pub configure_isdp: Tlv,
    /// BF25, from the 88 segments.
    pub store_metadata: Tlv,
    pub replace_session_keys: Option<ReplaceSessionKeys>,
    /// The unprotected profile package (concatenated ProfileElements).
    pub profile: Vec<u8>,
    /// Number of segments in A0, A1, A2 and A3.
    pub segment_counts: [usize; 4],
}

impl OpenedBpp {
    /// The typed view of BF23.
    pub fn isc_view(&self) -> Result<InitialiseSecureChannelRequest, String> {
        InitialiseSecureChannelRequest::read(&self.isc).map_err(|e| e.to_string())
    }
}

/// Why a BPP does not open. Each variant says which part (and segment) failed;
/// [`BppError::pir_code`] maps it to the PIR (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BppError {
    /// The bytes are not one TLV.
    #[error("BoundProfilePackage: {source}")]
    Tlv {
        /// The part the failing TLV belongs to, from its tag path.
        part: Option<BppPart>,
        #[source]
        source: TlvError,
    },
    /// A schema violation (codec schema `BOUND_PROFILE_PACKAGE`).
    #[error("{error}")]
    Schema {
        part: Option<BppPart>,
        error: SchemaError,
    },
    /// Parts missing, repeated, out of order, unknown, or a sequence without segments.
    #[error("{}: {detail}", part.map_or("BoundProfilePackage", BppPart::name))]
    Structure {
        part: Option<BppPart>,
        detail: String,
    },
    /// Segment `index` (0-based, within the part) failed to unprotect.
    #[error("{part}[{index}]: {source}")]
    Segment {
        part: BppPart,
        index: usize,
        #[source]
        source: BspError,
    },
    /// The unprotected command is not a valid BF24 / BF25 / BF26.
    #[error("{part}: decrypted command: {detail}")]
    Content { part: BppPart, detail: String },
    /// BF23 rejected by the key resolver ([`derive_from_isc`]).
    #[error("initialiseSecureChannelRequest: {0}")]
    Isc(IscError),
}

impl BppError {
    /// The part that failed (`None`: the BF36 envelope).
    pub fn part(&self) -> Option<BppPart> {
        match self {
            BppError::Tlv { part, .. }
            | BppError::Schema { part, .. }
            | BppError::Structure { part, .. } => *part,
            BppError::Segment { part, .. } | BppError::Content { part, .. } => Some(*part),
            BppError::Isc(_) => Some(BppPart::InitialiseSecureChannel),
        }
    }

    /// `(bppCommandId, errorReason)` for the ProfileInstallationResult.
    pub fn pir_code(&self) -> (i64, i64) {
        use error_reason::*;
        let cmd = self.part().map_or(
            command_id::INITIALISE_SECURE_CHANNEL,
            BppPart::bpp_command_id,
        );
        match self {
            BppError::Isc(e) => e.pir_code(),
            BppError::Segment { source, .. } if source.is_security_error() => {
                (cmd, SCP03T_SECURITY_ERROR)
            }
            BppError::Content { .. } => (cmd, INCORRECT_INPUT_VALUES),
            _ => (cmd, SCP03T_STRUCTURE_ERROR),
        }
    }
}

/// Opens a BPP with known session keys: structure, then every segment in order. BF23 is only
/// checked against the schema (use [`open_bpp_with`] + [`derive_from_isc`] for the eUICC's
/// checks of BF23).
pub fn open_bpp<'a>(
    input: impl Into<BppInput<'a>>,
    keys: &SessionKeys,
) -> Result<OpenedBpp, BppError> {
    open_bpp_with(input, |_| Ok(keys.clone()))
}

/// Opens a BPP, asking `keys_for` for the session keys once BF23 has passed the schema (the
/// eUICC passes a closure calling [`derive_from_isc`]). Elements are processed in wire order
/// as an eUICC would, so the error is the first one the eUICC would meet.
pub fn open_bpp_with<'a, F>(
    input: impl Into<BppInput<'a>>,
    keys_for: F,
) -> Result<OpenedBpp, BppError>
where
    F: FnOnce(&Tlv) -> Result<SessionKeys, IscError>,
{
    let tlv: Cow<'_, Tlv> = match input.into() {
        BppInput::Tlv(t) => Cow::Borrowed(t),
        BppInput::Bytes(b) => Cow::Owned(Tlv::parse(b).map_err(|source| BppError::Tlv {
            part: source.path.0.get(1).and_then(|t| BppPart::from_tag(*t)),
            source,
        })?),
    };
    let tlv = tlv.as_ref();
    let root = schema::BOUND_PROFILE_PACKAGE.name;
    let mut errors = validate(&schema::BOUND_PROFILE_PACKAGE, tlv);
    // Errors about BF36 itself (tag, primitive encoding, length form) come first.
    if let Some(i) = errors.iter().position(|e| e.path == root) {
        return Err(BppError::Schema {
            part: None,
            error: errors.swap_remove(i),
        });
    }
    let part_error = |part: BppPart, errors: &[SchemaError]| -> Option<BppError> {
        let prefix = format!("{root}.{}", part.name());
        errors
            .iter()
            .find(|e| match part {
                // BF23: anything inside it.
                BppPart::InitialiseSecureChannel => e
                    .path
                    .strip_prefix(&prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
                // Sequences: the container only; segments are checked one by one below.
                _ => e.path == prefix,
            })
            .map(|e| BppError::Schema {
                part: Some(part),
                error: e.clone(),
            })
    };

    let mut keys_for = Some(keys_for);
    let mut session: Option<BspSession> = None;
    let mut next = 0usize;
    let mut isc = None;
    let mut configure_isdp = None;
    let mut store_metadata = None;
    let mut rsk = None;
    let mut profile = Vec::new();
    let mut counts = [0usize; 4];

    for child in tlv.children() {
        let expected = BppPart::ALL.get(next).copied();
        let part = match BppPart::from_tag(child.tag()) {
            Some(p)
                if p.index() >= next
                    && BppPart::ALL[next..p.index()]
                        .iter()
                        .all(|q| q.is_optional()) =>
            {
                p
            }
            _ => {
                let charged = match expected {
                    Some(BppPart::SecondSequenceOf87) | None => BppPart::SequenceOf86,
                    Some(p) => p,
                };
                return Err(BppError::Structure {
                    part: Some(charged),
                    detail: match expected {
                        Some(e) => format!("unexpected {} where {} was expected", child.tag(), e),
                        None => format!("unexpected {} after sequenceOf86", child.tag()),
                    },
                });
            }
        };
        next = part.index() + 1;
        if let Some(e) = part_error(part, &errors) {
            return Err(e);
        }
        if part == BppPart::InitialiseSecureChannel {
            let resolve = keys_for.take().ok_or_else(|| BppError::Structure {
                part: Some(part),
                detail: "repeated".into(),
            })?;
            let keys = resolve(child).map_err(BppError::Isc)?;
            session = Some(BspSession::new(&keys));
            isc = Some(child.clone());
            continue;
        }
        let Some(s) = session.as_mut() else {
            return Err(BppError::Structure {
                part: Some(part),
                detail: "segments before initialiseSecureChannelRequest".into(),
            });
        };
        let plaintext = unprotect_part(s, part, child)?;
        counts[part.index() - 1] = child.children().len();
        match part {
            BppPart::FirstSequenceOf87 => {
                configure_isdp = Some(command(part, &plaintext, &schema::CONFIGURE_ISDP_REQUEST)?);
            }
            BppPart::SequenceOf88 => {
                store_metadata = Some(command(part, &plaintext, &schema::STORE_METADATA_REQUEST)?);
            }
            BppPart::SecondSequenceOf87 => {
                let t = command(part, &plaintext, &schema::REPLACE_SESSION_KEYS_REQUEST)?;
                let k = ReplaceSessionKeys::from_tlv(&t)
                    .map_err(|detail| BppError::Content { part, detail })?;
                s.replace_session_keys(&k.ppk_enc, &k.ppk_mac, &k.initial_mcv);
                rsk = Some(k);
            }
            BppPart::SequenceOf86 => profile = plaintext,
            BppPart::InitialiseSecureChannel => {}
        }
    }
    if let Some(missing) = BppPart::ALL[next.min(BppPart::ALL.len())..]
        .iter()
        .find(|p| !p.is_optional())
    {
        return Err(BppError::Structure {
            part: Some(*missing),
            detail: "missing".into(),
        });
    }
    match (isc, configure_isdp, store_metadata) {
        (Some(isc), Some(configure_isdp), Some(store_metadata)) => Ok(OpenedBpp {
            isc,
            configure_isdp,
            store_metadata,
            replace_session_keys: rsk,
            profile,
            segment_counts: counts,
        }),
        _ => Err(BppError::Structure {
            part: None,
            detail: "incomplete".into(),
        }),
    }
}

/// Unprotects every segment of one sequence part and concatenates the plaintexts.
fn unprotect_part(s: &mut BspSession, part: BppPart, seq: &Tlv) -> Result<Vec<u8>, BppError> {
    let tag = part.segment_tag().unwrap_or(SegmentTag::Tag86);
    let segments = seq.children();
    if segments.is_empty() && part != BppPart::SequenceOf86 {
        return Err(BppError::Structure {
            part: Some(part),
            detail: "no segments".into(),
        });
    }
    let mut out = Vec::new();
    for (index, seg) in segments.iter().enumerate() {
        let pt = s
            .unprotect_tlv(tag, seg)
            .map_err(|source| BppError::Segment {
                part,
                index,
                source,
            })?;
        out.extend_from_slice(&pt);
    }
    Ok(out)
}

/// The unprotected command of a part: exactly one TLV, valid against `ty`.
fn command(part: BppPart, plaintext: &[u8], ty: &'static TypeDef) -> Result<Tlv, BppError> {
    let t = Tlv::parse(plaintext).map_err(|e| BppError::Content {
        part,
        detail: e.to_string(),
    })?;
    check_content(ty, &t).map_err(|detail| BppError::Content { part, detail })?;
    Ok(t)
}

fn check_content(ty: &'static TypeDef, t: &Tlv) -> Result<(), String> {
    match validate(ty, t).into_iter().next() {
        Some(e) => Err(e.to_string()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecc::{Curve, SeededRandom};

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    const EUICC_OTPK: &str = "0400f7b8d71403f21d84b00cd9e561178d737d3f4d065e62fee279271298dd4f074794ab791b9939d4461296efe388aa26731064263af988b7d2c4d77da44801b5";
    const META: &str = "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100";
    const SEG1: &str = "8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89";
    const SEG3: &str = "8748a14c800a001992351cd46ad2945654674369701d82b7b46567652bc8fbed234939fc57fba748015525fd6c651e9d3d1330652d42a0cfad950e912122af4ec5362d3c0bc535729c40";
    const EID: [u8; 16] = [
        0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23, 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12,
        0x35,
    ];

    fn digest_rsk() -> ReplaceSessionKeys {
        let ramp = |first: u8| {
            let mut k: [u8; 16] = std::array::from_fn(|i| i as u8);
            k[0] = first;
            k
        };
        ReplaceSessionKeys {
            initial_mcv: ramp(0),
            ppk_enc: ramp(1),
            ppk_mac: ramp(2),
        }
    }

    /// Digest §4.3 end to end: bind with the trace's otSK.DP gives KDF vector 1, and the BPP
    /// built from it carries the three segment vectors bit for bit.
    fn digest_binding() -> Binding {
        let mut rng = SeededRandom::new(9);
        let dppb = PrivateKey::generate(Curve::NistP256, &mut rng);
        let ot = PrivateKey::from_bytes(
            Curve::NistP256,
            &h("fb68a38ccedb69e15cbe03c256228998ac398587e5dc7117f948145c839d61a4"),
        )
        .unwrap();
        let otpk = h(EUICC_OTPK);
        bind_with_ephemeral(
            &dppb,
            ot,
            &BindParams {
                transaction_id: &[1, 2, 3, 4],
                host_id: &h("8080808080808080"),
                eid: &EID,
                euicc_otpk: &otpk,
            },
        )
        .unwrap()
    }

    #[test]
    fn digest_vectors_through_bind_and_build() {
        let b = digest_binding();
        assert_eq!(
            hex::encode(b.keys.initial_mcv),
            "406d507b448a699e7a36a38494debbde"
        );
        assert_eq!(
            hex::encode(b.keys.s_enc),
            "472f5bfadd97f21d34f3ce9b51b92751"
        );
        assert_eq!(
            hex::encode(b.keys.s_mac),
            "9ec07f5b36a13e12a991d66e294e6242"
        );
        let isdp = Tlv::parse(&h("bf2400")).unwrap();
        let meta = Tlv::parse(&h(META)).unwrap();
        let rsk = digest_rsk();
        let bpp = build_bpp(
            &BppContent {
                isc: &b.isc,
                configure_isdp: &isdp,
                store_metadata: &meta,
                replace_session_keys: Some(&rsk),
                profile: b"",
            },
            &b.keys,
        )
        .unwrap();
        let c = bpp.children();
        assert_eq!(hex::encode(c[1].children()[0].encode()), SEG1);
        let mut seg2 = h("8838");
        seg2.extend(h(META));
        seg2.extend(h("8a62cc9adbb5ccbc"));
        assert_eq!(c[2].children()[0].encode(), seg2);
        assert_eq!(hex::encode(c[3].children()[0].encode()), SEG3);
        assert!(c[4].children().is_empty());

        let opened = open_bpp(&bpp.encode(), &b.keys).unwrap();
        assert_eq!(opened.configure_isdp, isdp);
        assert_eq!(opened.store_metadata, meta);
        assert_eq!(opened.replace_session_keys, Some(rsk));
        assert_eq!(opened.segment_counts, [1, 1, 1, 0]);
        assert_eq!(opened.isc_view().unwrap().host_id, h("8080808080808080"));
    }

    fn sample(
        rsk: Option<&ReplaceSessionKeys>,
        profile: &[u8],
        layout: &SegmentLayout,
    ) -> (Tlv, SessionKeys) {
        let b = digest_binding();
        let isdp = Tlv::parse(&h("bf2400")).unwrap();
        let meta = Tlv::parse(&h(META)).unwrap();
        let bpp = build_bpp_with(
            &BppContent {
                isc: &b.isc,
                configure_isdp: &isdp,
                store_metadata: &meta,
                replace_session_keys: rsk,
                profile,
            },
            &b.keys,
            layout,
        )
        .unwrap();
        (bpp, b.keys)
    }

    #[test]
    fn small_layout_splits_every_part() {
        let rsk = digest_rsk();
        let layout = SegmentLayout {
            chunk_87: 16,
            chunk_88: 10,
            chunk_86: 100,
        };
        let profile: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let (bpp, keys) = sample(Some(&rsk), &profile, &layout);
        let opened = open_bpp(&bpp, &keys).unwrap();
        assert_eq!(opened.segment_counts, [1, 5, 4, 10]);
        assert_eq!(opened.profile, profile);
        assert!(matches!(
            build_bpp_with(
                &BppContent {
                    isc: &bpp.children()[0],
                    configure_isdp: &bpp,
                    store_metadata: &bpp,
                    replace_session_keys: None,
                    profile: &[],
                },
                &keys,
                &SegmentLayout {
                    chunk_86: 1008,
                    ..SegmentLayout::default()
                }
            ),
            Err(BuildError::Layout { max: 1007, .. })
        ));
    }

    fn flip(bpp: &Tlv, part: usize, seg: usize, byte: usize) -> Tlv {
        let mut t = bpp.clone();
        let s = &mut t.children_mut()[part].children_mut()[seg];
        let mut c = s.content().unwrap().to_vec();
        c[byte] ^= 1;
        s.set_content(c);
        t
    }

    #[test]
    fn errors_name_part_and_segment_and_map_to_the_pir() {
        let rsk = digest_rsk();
        let layout = SegmentLayout {
            chunk_86: 64,
            ..SegmentLayout::default()
        };
        let (bpp, keys) = sample(Some(&rsk), &[0x5A; 300], &layout);
        let e = open_bpp(&flip(&bpp, 4, 3, 0), &keys).unwrap_err();
        assert!(
            e.to_string().starts_with("sequenceOf86[3]: MAC mismatch"),
            "{e}"
        );
        assert_eq!(e.pir_code(), (5, 8));
        for (part, cmd) in [(1, 1), (2, 2), (3, 4)] {
            let e = open_bpp(&flip(&bpp, part, 0, 2), &keys).unwrap_err();
            assert_eq!(e.pir_code(), (cmd, 8), "{e}");
        }
        // Structure: a truncated segment in A1, a missing A3, an extra part, a wrong tag.
        let mut t = bpp.clone();
        t.children_mut()[2].children_mut()[0].set_content(vec![1, 2, 3]);
        let e = open_bpp(&t, &keys).unwrap_err();
        assert!(matches!(
            e,
            BppError::Segment {
                part: BppPart::SequenceOf88,
                index: 0,
                source: BspError::Truncated { .. }
            }
        ));
        assert_eq!(e.pir_code(), (2, 7));
        let mut t = bpp.clone();
        t.children_mut().pop();
        let e = open_bpp(&t, &keys).unwrap_err();
        assert_eq!(e.pir_code(), (5, 7), "{e}");
        let mut t = bpp.clone();
        t.children_mut().push(Tlv::primitive(Tag::of(0x80), vec![]));
        assert_eq!(open_bpp(&t, &keys).unwrap_err().pir_code(), (5, 7));
        let mut t = bpp.clone();
        t.children_mut().swap(1, 2);
        let e = open_bpp(&t, &keys).unwrap_err();
        assert_eq!(e.pir_code(), (1, 7), "{e}");
        let mut t = bpp.clone();
        t.children_mut()[4].children_mut()[1].set_tag(Tag::of(0x87));
        let e = open_bpp(&t, &keys).unwrap_err();
        assert!(matches!(
            e,
            BppError::Segment {
                index: 1,
                source: BspError::WrongTag { .. },
                ..
            }
        ));
        // BF23 schema error (hostId of 17 bytes).
        let mut t = bpp.clone();
        t.children_mut()[0].children_mut()[2].children_mut()[2].set_content(vec![0; 17]);
        let e = open_bpp(&t, &keys).unwrap_err();
        assert_eq!(e.part(), Some(BppPart::InitialiseSecureChannel), "{e}");
        assert_eq!(e.pir_code(), (0, 7));
        // Not a BPP at all.
        assert_eq!(
            open_bpp(&h("BF3600"), &keys).unwrap_err().pir_code(),
            (0, 7)
        );
        assert_eq!(
            open_bpp(&h("BF3605"), &keys).unwrap_err().pir_code(),
            (0, 7)
        );
        assert_eq!(
            open_bpp(&h("BF37 00"), &keys).unwrap_err().pir_code(),
            (0, 7)
        );
        // Wrong keys: MAC of the first segment.
        let mut other = keys.clone();
        other.s_mac[0] ^= 1;
        let e = open_bpp(&bpp, &other).unwrap_err();
        assert_eq!(
            e.to_string().split(':').next(),
            Some("firstSequenceOf87[0]")
        );
    }

    #[test]
    fn decrypted_content_errors_are_incorrect_input_values() {
        let b = digest_binding();
        let meta = Tlv::parse(&h(META)).unwrap();
        let not_bf24 = Tlv::primitive(Tag::of(0x04), vec![1]);
        let bpp = build_bpp(
            &BppContent {
                isc: &b.isc,
                configure_isdp: &not_bf24,
                store_metadata: &meta,
                replace_session_keys: None,
                profile: b"x",
            },
            &b.keys,
        )
        .unwrap();
        let e = open_bpp(&bpp, &b.keys).unwrap_err();
        assert!(matches!(e, BppError::Content { .. }), "{e}");
        assert_eq!(e.pir_code(), (1, 1));
        let short = Tlv::constructed(
            Tag::of(0xBF26),
            vec![
                Tlv::primitive(Tag::of(0x80), vec![0; 16]),
                Tlv::primitive(Tag::of(0x81), vec![0; 15]),
                Tlv::primitive(Tag::of(0x82), vec![0; 16]),
            ],
        );
        assert!(ReplaceSessionKeys::from_tlv(&short).is_err());
    }

    #[test]
    fn euicc_side_checks_of_the_isc() {
        let mut rng = SeededRandom::new(5);
        for curve in Curve::ALL {
            let dppb = PrivateKey::generate(curve, &mut rng);
            let euicc_ot = PrivateKey::generate(curve, &mut rng);
            let otpk = euicc_ot.public_key().to_uncompressed();
            let tx = [9u8; 16];
            let params = BindParams {
                transaction_id: &tx,
                host_id: b"host",
                eid: &EID,
                euicc_otpk: &otpk,
            };
            let b = bind(&dppb, &params, &mut rng).unwrap();
            assert_eq!(b.smdp_ot_sk.curve(), curve);
            let isc = Tlv::parse(&b.isc.encode()).unwrap();
            let pk = dppb.public_key();
            let keys = derive_from_isc(&isc, &pk, &euicc_ot, &EID, &tx).unwrap();
            assert_eq!(keys, b.keys);
            let err = |isc: &Tlv, tx: &[u8]| {
                derive_from_isc(isc, &pk, &euicc_ot, &EID, tx)
                    .unwrap_err()
                    .pir_code()
            };
            assert_eq!(err(&isc, &[8; 16]), (0, 3));
            let mut t = isc.clone();
            t.children_mut()[0].set_content(vec![2]);
            assert_eq!(err(&t, &tx), (0, 5));
            let mut t = isc.clone();
            t.children_mut()[2].children_mut()[2].set_content(b"hosT".to_vec());
            assert_eq!(err(&t, &tx), (0, 2));
            let mut t = isc.clone();
            t.children_mut()[4].set_content(vec![0; 64]);
            assert_eq!(err(&t, &tx), (0, 2));
            // Another eUICC key: the signature covers otPK.EUICC.
            let stranger = PrivateKey::generate(curve, &mut rng);
            assert!(matches!(
                derive_from_isc(&isc, &pk, &stranger, &EID, &tx),
                Err(IscError::Signature(_))
            ));
            // CRT values, re-signed so only the CRT is wrong.
            let mut t = isc.clone();
            t.children_mut()[2].children_mut()[0].set_content(vec![0x80]);
            let data = signed::smdp_sign_data_tlv(&t, &otpk).unwrap();
            t.children_mut()[4].set_content(dppb.sign(&data).to_vec());
            assert_eq!(err(&t, &tx), (0, 4));
            // Via open_bpp_with.
            let isdp = Tlv::parse(&h("bf2400")).unwrap();
            let meta = Tlv::parse(&h(META)).unwrap();
            let bpp = build_bpp(
                &BppContent {
                    isc: &b.isc,
                    configure_isdp: &isdp,
                    store_metadata: &meta,
                    replace_session_keys: None,
                    profile: &[7; 2000],
                },
                &b.keys,
            )
            .unwrap()
            .encode();
            let opened =
                open_bpp_with(&bpp, |isc| derive_from_isc(isc, &pk, &euicc_ot, &EID, &tx)).unwrap();
            assert_eq!(opened.profile, vec![7; 2000]);
            let e = open_bpp_with(&bpp, |isc| derive_from_isc(isc, &pk, &stranger, &EID, &tx))
                .unwrap_err();
            assert_eq!(e.pir_code(), (0, 2));
        }
    }

    #[test]
    fn bind_rejects_a_point_on_the_other_curve() {
        let mut rng = SeededRandom::new(6);
        let dppb = PrivateKey::generate(Curve::BrainpoolP256r1, &mut rng);
        let p256 = h(EUICC_OTPK);
        let r = bind(
            &dppb,
            &BindParams {
                transaction_id: &[1],
                host_id: &[1],
                eid: &EID,
                euicc_otpk: &p256,
            },
            &mut rng,
        );
        assert!(matches!(r, Err(BindError::EuiccOtpk(_))));
    }
}
