//! [`ProfilePackage`]: an ordered run of DER ProfileElements, each decoded against
//! [`PROFILE_ELEMENT`](crate::schema::PROFILE_ELEMENT).
//!
//! The package keeps each PE as a lossless TLV tree inside an [`rsp_codec::Message`], so an
//! untouched package re-encodes byte for byte, unknown PEs and unknown fields are kept and
//! re-emitted, and path edits (`usim.ef-imsi[1].fillFileContent`) go through the codec's path
//! addressing.

use std::fmt::{self, Write as _};

use rsp_codec::der;
use rsp_codec::named::{self, PrettyOptions, SchemaError};

/// Profile fields whose values are secrets: subscriber keys (K, OPc), PIN/PUK values, security
/// domain key material and CDMA authentication data. Masked in renderings by default.
pub const PROFILE_SECRET_FIELDS: &[&str] = &[
    "key",
    "opc",
    "pinValue",
    "pukValue",
    "keyData",
    "authenticationKey",
    "simpleIPAuthenticationData",
    "mobileIPAuthenticationData",
    "hrpdAccessAuthenticationData",
];

fn with_profile_secrets(opts: &PrettyOptions) -> PrettyOptions {
    PrettyOptions {
        more_secrets: PROFILE_SECRET_FIELDS,
        ..*opts
    }
}
use rsp_codec::schema::TypeDef;
use rsp_codec::tlv::{Limits, Tag, Tlv, TlvError};
use rsp_codec::Message;

use crate::schema::{self, PROFILE_ELEMENT, SERVICES_LIST};

/// Why bytes are not a profile package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    #[error("profile package: {0}")]
    Tlv(#[from] TlvError),
    #[error("profile package is empty")]
    Empty,
}

/// One ProfileElement of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileElement {
    message: Message,
}

/// The kind of a PE: its `ProfileElement` alternative, or the tag of an unknown one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeKind {
    Known(&'static str),
    Unknown(Tag),
}

impl PeKind {
    pub fn is_known(&self) -> bool {
        matches!(self, PeKind::Known(_))
    }
}

impl fmt::Display for PeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeKind::Known(name) => f.write_str(name),
            PeKind::Unknown(tag) => write!(f, "unknown({tag})"),
        }
    }
}

impl PartialEq<&str> for PeKind {
    fn eq(&self, other: &&str) -> bool {
        match self {
            PeKind::Known(name) => name == other,
            PeKind::Unknown(tag) => other
                .strip_prefix("unknown(")
                .and_then(|t| t.strip_suffix(')'))
                .is_some_and(|t| t.eq_ignore_ascii_case(&tag.to_string())),
        }
    }
}

impl ProfileElement {
    /// Wraps a TLV as a PE (no checks; see [`ProfileElement::validate`]).
    pub fn from_tlv(tlv: Tlv) -> ProfileElement {
        ProfileElement {
            message: Message::from_tlv(&PROFILE_ELEMENT, tlv),
        }
    }

    /// Parses one PE from DER bytes (TLV layer only).
    pub fn parse(bytes: &[u8]) -> Result<ProfileElement, PackageError> {
        Ok(ProfileElement::from_tlv(Tlv::parse(bytes)?))
    }

    pub fn tlv(&self) -> &Tlv {
        self.message.tlv()
    }
    /// The PE as a codec message (path get/set/insert/remove).
    pub fn message(&self) -> &Message {
        &self.message
    }
    pub fn message_mut(&mut self) -> &mut Message {
        &mut self.message
    }
    pub fn tag(&self) -> Tag {
        self.tlv().tag()
    }

    /// Alternative name (`"usim"`), or `unknown(TAG)`.
    pub fn kind(&self) -> PeKind {
        match schema::pe_alternative(self.tag()) {
            Some((name, _)) => PeKind::Known(name),
            None => PeKind::Unknown(self.tag()),
        }
    }

    /// The schema type of the alternative (`PE-USIM`), if known.
    pub fn schema(&self) -> Option<&'static TypeDef> {
        schema::pe_alternative(self.tag()).map(|(_, ty)| ty)
    }

    /// `PEHeader.identification`: the first component `A0` of every PE but the ProfileHeader
    /// holds it as `81`. Read structurally, so it also works for unknown PEs that follow the
    /// common layout.
    pub fn identification(&self) -> Option<u16> {
        if self.kind() == "header" {
            return None;
        }
        let hdr = self.tlv().children().first()?;
        if hdr.tag() != Tag::of(0xA0) {
            return None;
        }
        let id = hdr.child(Tag::of(0x81))?.content()?;
        der::decode_integer(id)
            .ok()
            .and_then(|v| u16::try_from(v).ok())
    }

    /// Whether `PEHeader.mandated` is present.
    pub fn mandated(&self) -> bool {
        self.kind() != "header"
            && self
                .tlv()
                .children()
                .first()
                .filter(|h| h.tag() == Tag::of(0xA0))
                .and_then(|h| h.child(Tag::of(0x80)))
                .is_some()
    }

    /// The template OID of a template-based file PE (`2.23.143.1.2.4`).
    pub fn template_id(&self) -> Option<String> {
        let ty = self.schema()?;
        let f = ty.field("templateID")?;
        let tlv = self.tlv().child(f.wire_tag()?)?;
        der::decode_oid(tlv.content()?).ok()
    }

    /// The ProfileHeader view, when this PE is the header.
    pub fn header(&self) -> Option<HeaderView> {
        (self.kind() == "header").then(|| HeaderView::read(self.tlv()))
    }

    /// Schema violations, with paths relative to the PE (`usim.ef-imsi[1].fileDescriptor...`).
    pub fn schema_errors(&self) -> Vec<SchemaError> {
        let mut errors = self.message.validate();
        for e in &mut errors {
            e.path = strip_root(&e.path);
        }
        errors
    }

    /// Unknown fields anywhere in the PE, as paths; only the outermost unknown node of a
    /// subtree is listed (an unknown PE is one path).
    pub fn unknown_fields(&self) -> Vec<String> {
        let decoded = self.message.named();
        let mut out: Vec<String> = Vec::new();
        // Depth-first order: a node's descendants follow it directly.
        for p in decoded.root.unknown_paths() {
            let p = strip_root(&p);
            let inside_last = out.last().is_some_and(|last| {
                p.strip_prefix(last.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            });
            if !inside_last {
                out.push(p);
            }
        }
        out
    }

    /// Named tree of the PE (the alternative node, without the `ProfileElement` level).
    pub fn pretty_with(&self, opts: &PrettyOptions) -> String {
        let opts = &with_profile_secrets(opts);
        let decoded = self.message.named();
        match decoded.root.children.as_slice() {
            [alt] => named::pretty(alt, opts),
            _ => named::pretty(&decoded.root, opts),
        }
    }

    pub fn pretty(&self) -> String {
        self.pretty_with(&PrettyOptions::default())
    }

    /// Lossless bytes of the PE.
    pub fn encode(&self) -> Vec<u8> {
        self.message.encode()
    }

    /// `pe[3] usim(id 4)`
    pub fn label(&self, index: usize) -> String {
        match self.identification() {
            Some(id) => format!("pe[{index}] {}(id {id})", self.kind()),
            None => format!("pe[{index}] {}", self.kind()),
        }
    }
}

fn strip_root(path: &str) -> String {
    let root = PROFILE_ELEMENT.name;
    match path.strip_prefix(root) {
        Some(rest) => rest.strip_prefix('.').unwrap_or(rest).to_owned(),
        None => path.to_owned(),
    }
}

/// A schema violation in one PE of a package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PeError {
    /// Position of the PE in the package.
    pub index: usize,
    pub kind: PeKind,
    pub identification: Option<u16>,
    /// The violation; its path is relative to the PE (`usim.ef-imsi[1].fileDescriptor`).
    pub error: SchemaError,
}

impl fmt::Display for PeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pe[{}] {}", self.index, self.kind)?;
        if let Some(id) = self.identification {
            write!(f, "(id {id})")?;
        }
        write!(f, ": {}", self.error)
    }
}

/// The facts of a ProfileHeader a caller usually wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderView {
    pub major_version: Option<i64>,
    pub minor_version: Option<i64>,
    pub profile_type: Option<String>,
    /// The `iccid` octets as encoded (TS.48 profiles use plain digit order here, see digest §7.2).
    pub iccid: Option<Vec<u8>>,
    /// Names of the `eUICC-Mandatory-services` present (unknown ones as `#TAG`).
    pub mandatory_services: Vec<String>,
    /// `eUICC-Mandatory-GFSTEList`: template OIDs in dotted form.
    pub gfste_list: Vec<String>,
}

impl HeaderView {
    /// The declared PE specification version, when both numbers are present and fit.
    pub fn version(&self) -> Option<crate::templates::SpecVersion> {
        let v = |x: Option<i64>| x.and_then(|x| u8::try_from(x).ok());
        Some(crate::templates::SpecVersion::new(
            v(self.major_version)?,
            v(self.minor_version)?,
        ))
    }

    fn read(tlv: &Tlv) -> HeaderView {
        let int = |t: u32| {
            tlv.child(Tag::of(t))
                .and_then(Tlv::content)
                .and_then(|c| der::decode_integer(c).ok())
        };
        let mandatory_services = tlv
            .child(Tag::of(0xA5))
            .map(|s| {
                s.children()
                    .iter()
                    .map(|c| {
                        SERVICES_LIST
                            .fields()
                            .iter()
                            .find(|f| f.matches(c.tag()))
                            .map(|f| f.name.to_owned())
                            .unwrap_or_else(|| format!("#{}", c.tag()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let gfste_list = tlv
            .child(Tag::of(0xA6))
            .map(|l| {
                l.children()
                    .iter()
                    .filter_map(|c| c.content().and_then(|o| der::decode_oid(o).ok()))
                    .collect()
            })
            .unwrap_or_default();
        HeaderView {
            major_version: int(0x80),
            minor_version: int(0x81),
            profile_type: tlv
                .child(Tag::of(0x82))
                .and_then(Tlv::content)
                .and_then(|c| der::decode_utf8(c).ok())
                .map(str::to_owned),
            iccid: tlv
                .child(Tag::of(0x83))
                .and_then(Tlv::content)
                .map(<[u8]>::to_vec),
            mandatory_services,
            gfste_list,
        }
    }

    /// The header ICCID as a digit string read in plain order (`F` padding dropped).
    pub fn iccid_digits(&self) -> Option<String> {
        let hex = hex::encode_upper(self.iccid.as_ref()?);
        Some(hex.trim_end_matches('F').to_owned())
    }
}

/// An ordered list of ProfileElements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePackage {
    pes: Vec<ProfileElement>,
}

impl ProfilePackage {
    /// Parses a run of DER PEs with the default [`Limits`].
    pub fn parse(bytes: &[u8]) -> Result<ProfilePackage, PackageError> {
        ProfilePackage::parse_with(bytes, &Limits::default())
    }

    /// Parses a run of DER PEs; schema problems are reported by [`ProfilePackage::validate`].
    pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<ProfilePackage, PackageError> {
        if bytes.is_empty() {
            return Err(PackageError::Empty);
        }
        let pes = Tlv::parse_all_with(bytes, limits)?
            .into_iter()
            .map(ProfileElement::from_tlv)
            .collect();
        Ok(ProfilePackage { pes })
    }

    pub fn from_pes(pes: Vec<ProfileElement>) -> ProfilePackage {
        ProfilePackage { pes }
    }

    /// Concatenated PEs (byte-identical to the input for an untouched package).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for pe in &self.pes {
            pe.tlv().encode_into(&mut out, true);
        }
        out
    }

    pub fn pes(&self) -> &[ProfileElement] {
        &self.pes
    }
    pub fn pes_mut(&mut self) -> &mut Vec<ProfileElement> {
        &mut self.pes
    }
    pub fn len(&self) -> usize {
        self.pes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pes.is_empty()
    }
    pub fn get(&self, index: usize) -> Option<&ProfileElement> {
        self.pes.get(index)
    }

    /// Kinds of all PEs in order.
    pub fn kinds(&self) -> Vec<PeKind> {
        self.pes.iter().map(ProfileElement::kind).collect()
    }

    /// PEs of one kind (`"usim"`), with their indexes.
    pub fn by_kind<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (usize, &'a ProfileElement)> + 'a {
        self.pes
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.kind() == kind)
    }

    /// The PE with this identification.
    pub fn by_identification(&self, id: u16) -> Option<(usize, &ProfileElement)> {
        self.pes
            .iter()
            .enumerate()
            .find(|(_, p)| p.identification() == Some(id))
    }

    /// The first ProfileHeader PE's view.
    pub fn header(&self) -> Option<HeaderView> {
        self.pes.iter().find_map(ProfileElement::header)
    }

    /// Every schema violation of every PE, each naming its PE.
    pub fn validate(&self) -> Vec<PeError> {
        self.pes
            .iter()
            .enumerate()
            .flat_map(|(index, pe)| {
                let (kind, identification) = (pe.kind(), pe.identification());
                pe.schema_errors().into_iter().map(move |error| PeError {
                    index,
                    kind,
                    identification,
                    error,
                })
            })
            .collect()
    }

    /// Unknown PEs and unknown fields, as `pe[i] kind(id n): path`.
    pub fn unknowns(&self) -> Vec<String> {
        self.pes
            .iter()
            .enumerate()
            .flat_map(|(i, pe)| {
                let label = pe.label(i);
                pe.unknown_fields()
                    .into_iter()
                    .map(move |p| format!("{label}: {p}"))
            })
            .collect()
    }

    /// Named tree of each PE under a one-line heading. With `redact_secrets` on, the profile's
    /// secrets ([`PROFILE_SECRET_FIELDS`]) are masked too.
    pub fn pretty_with(&self, opts: &PrettyOptions) -> String {
        let opts = &with_profile_secrets(opts);
        let mut out = String::new();
        let mut offset = 0;
        for (i, pe) in self.pes.iter().enumerate() {
            let len = pe.tlv().encoded_len();
            let _ = write!(
                out,
                "== {} [{}] {len} bytes at offset {offset}",
                pe.label(i),
                pe.tag()
            );
            if pe.mandated() {
                out.push_str(", mandated");
            }
            if let Some(t) = pe.template_id() {
                let _ = write!(out, ", template {t}");
            }
            out.push('\n');
            out.push_str(&pe.pretty_with(opts));
            offset += len;
        }
        out
    }

    pub fn pretty(&self) -> String {
        self.pretty_with(&PrettyOptions::default())
    }
}

/// SAIP mandatory-service names (ProfileHeader `eUICC-Mandatory-services`) and the
/// UICCCapability bit of EUICCInfo2 that says an eUICC supports each (digest §7.2; the two lists
/// have different orders). The eUICC's install check and the SM-DP+'s eligibility check use it.
pub const SERVICE_CAPABILITY_BITS: &[(&str, usize)] = &[
    ("contactless", 0),
    ("usim", 1),
    ("isim", 2),
    ("csim", 3),
    ("milenage", 4),
    ("cave", 5),
    ("tuak128", 6),
    ("tuak256", 7),
    ("usim-test-algorithm", 8),
    ("gba-usim", 10),
    ("gba-isim", 11),
    ("mbms", 12),
    ("eap", 13),
    ("javacard", 14),
    ("multos", 15),
    ("multiple-usim", 16),
    ("multiple-isim", 17),
    ("multiple-csim", 18),
    ("ber-tlv", 19),
    ("dfLink", 20),
    ("cat-tp", 21),
    ("get-identity", 22),
    ("profile-a-x25519", 23),
    ("profile-b-p256", 24),
    ("suciCalculatorApi", 25),
    ("dns-resolution", 26),
    ("scp11ac", 27),
    ("scp11c-authorization-mechanism", 28),
    ("s16mode", 29),
    ("eaka", 30),
];

/// The UICCCapability bit for a mandatory-service name.
pub fn service_capability_bit(service: &str) -> Option<usize> {
    SERVICE_CAPABILITY_BITS
        .iter()
        .find(|(n, _)| *n == service)
        .map(|(_, b)| *b)
}
