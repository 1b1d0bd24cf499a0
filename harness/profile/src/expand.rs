//! Expansion of a profile package into the file system a conforming eUICC must create
//! (digest §7.3), plus summaries of the PIN/PUK, AKA, security-domain and application PEs.
//!
//! Handled: every template-based file PE with a template in [`crate::templates`]
//! (created-by-default rules, `doNotCreate`, Fcp overrides of file descriptor, FID, AID, size,
//! SFI, lcsi, security attributes, fill/repeat pattern, link path; fillFileOffset /
//! fillFileContent as successive relative seek/write), PEs whose template OID is recognised but
//! has no file data (files built from their explicit FCPs only, with a note), and
//! genericFileManagement (filePath / createFCP / fillFileOffset / fillFileContent).
//! Memory is bounded: sizes above [`MAX_FILE_SIZE`] / [`MAX_TOTAL_SIZE`] are errors.

use std::fmt::{self, Write as _};

use rsp_codec::der;
use rsp_codec::tlv::{Tag, Tlv};

use crate::package::{ProfileElement, ProfilePackage};
use crate::schema::{ROTATION_CONSTANTS_DEFAULT, XORING_CONSTANTS_DEFAULT};
use crate::templates::{
    self, Base, DefaultContent, FileKind, Layout, Param, Template, TemplateFile,
};

/// Largest file (content bytes) an expansion will materialise.
pub const MAX_FILE_SIZE: usize = 1 << 20;
/// Largest total content of all files of one expansion.
pub const MAX_TOTAL_SIZE: usize = 16 << 20;

/// Why a package does not expand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("{pe}: unknown template {oid}")]
    UnknownTemplate { pe: String, oid: String },
    #[error("{pe}: no templateID")]
    NoTemplateId { pe: String },
    #[error("{pe}: template {oid} is for PE {expected}")]
    TemplateMismatch {
        pe: String,
        oid: String,
        expected: &'static str,
    },
    #[error("{pe}: {what}: no {dir} to create it in")]
    NoParent {
        pe: String,
        what: String,
        dir: String,
    },
    #[error("{pe}: {file}: missing parameter {param:?}")]
    MissingParameter {
        pe: String,
        file: String,
        param: Param,
    },
    #[error("{pe}: {file}: {what}")]
    BadValue {
        pe: String,
        file: String,
        what: String,
    },
    #[error("{pe}: {file}: size {size} exceeds the limit of {limit} bytes")]
    TooLarge {
        pe: String,
        file: String,
        size: u64,
        limit: usize,
    },
    #[error("{pe}: {file}: write of {len} bytes at offset {offset} beyond size {size}")]
    FillOutOfRange {
        pe: String,
        file: String,
        offset: usize,
        len: usize,
        size: usize,
    },
    #[error("{pe}: {file}: a file with FID {fid:04X} already exists in {dir}")]
    DuplicateFid {
        pe: String,
        file: String,
        fid: u16,
        dir: String,
    },
    #[error("{pe}: filePath {path} does not name a DF")]
    BadPath { pe: String, path: String },
}

/// Bytes that must not be shown (PIN/PUK values, K, OPc, key data).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {} bytes>", self.0.len())
    }
}
impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {}B>", self.0.len())
    }
}

/// One DF/ADF/EF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Display name (`EF.IMSI`, `ADF.USIM`, `EF.6F44` when no name is known).
    pub name: String,
    pub fid: Option<u16>,
    pub kind: FileKind,
    /// ADF AID (`dfName`).
    pub aid: Option<Vec<u8>>,
    /// File size in bytes (EFs).
    pub size: usize,
    /// Neither the template (none with file data here) nor the FCP gave the size: `size` is
    /// what the profile wrote, which a conforming eUICC need not create.
    pub size_unknown: bool,
    /// Record length (record EFs).
    pub record_len: Option<u16>,
    pub sfi: Option<u8>,
    pub lcsi: u8,
    /// `securityAttributesReferenced` (EF.ARR FID + record), explicit or from the template.
    pub security: Option<Vec<u8>>,
    pub pin_status: Option<Vec<u8>>,
    pub link_path: Option<Vec<u8>>,
    /// Final content (empty for DFs, BER-TLV files and linked files).
    pub content: Vec<u8>,
    /// Which PE and field created it (`pe[7] usim.ef-imsi`).
    pub source: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinSummary {
    /// DF the PE applies to (`MF`, `MF/ADF.USIM`).
    pub context: String,
    pub key_reference: i64,
    pub value: Secret,
    pub unblocking_reference: Option<i64>,
    pub attributes: i64,
    pub max_attempts_retries: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PukSummary {
    pub context: String,
    pub key_reference: i64,
    pub value: Secret,
    pub max_attempts_retries: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AkaSummary {
    pub context: String,
    /// `milenage` / `tuak` / `usim-test-algorithm` / `#n`, or `mapping`.
    pub algorithm: String,
    pub options: Option<u8>,
    pub key: Secret,
    pub opc: Secret,
    pub mapping_source: Option<Vec<u8>>,
    pub sqn_options: Vec<u8>,
    pub sqn_delta: Vec<u8>,
    pub sqn_age_limit: Vec<u8>,
    /// `sqnInit` entries (6 bytes each); empty when the PE leaves the DEFAULT (32 zero
    /// entries) implied.
    pub sqn_init: Vec<Vec<u8>>,
    /// MILENAGE r1..r5 (`rotationConstants`, DEFAULT `4000204060`).
    pub rotation_constants: Vec<u8>,
    /// MILENAGE c1..c5, 16 bytes each (`xoringConstants`, DEFAULT c1 = 0, c2 = …01, c3 = …02,
    /// c4 = …04, c5 = …08).
    pub xoring_constants: Vec<u8>,
    /// `authCounterMax` (OPTIONAL).
    pub auth_counter_max: Option<Vec<u8>>,
    /// TUAK `numberOfKeccak` (DEFAULT 1).
    pub number_of_keccak: u8,
}

impl AkaSummary {
    /// Whether the MILENAGE constants are the SAIP DEFAULTs (TS 35.206's example values).
    pub fn has_default_constants(&self) -> bool {
        self.rotation_constants == ROTATION_CONSTANTS_DEFAULT
            && self.xoring_constants == XORING_CONSTANTS_DEFAULT
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    pub usage: Vec<u8>,
    pub access: Vec<u8>,
    pub id: Vec<u8>,
    pub version: Vec<u8>,
    pub components: Vec<(Vec<u8>, Secret)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdSummary {
    pub instance_aid: Option<Vec<u8>>,
    pub privileges: Option<Vec<u8>>,
    pub keys: Vec<KeySummary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSummary {
    pub load_package_aid: Option<Vec<u8>>,
    pub instance_aids: Vec<Vec<u8>>,
}

/// The expansion of a package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSystem {
    /// Arena; index 0 is the MF once created. Children lists are in creation order.
    pub nodes: Vec<Node>,
    pub pins: Vec<PinSummary>,
    pub puks: Vec<PukSummary>,
    pub aka: Vec<AkaSummary>,
    pub security_domains: Vec<SdSummary>,
    pub applications: Vec<AppSummary>,
    /// Facts about the expansion a reader should know (unmodelled templates, missing content).
    pub notes: Vec<String>,
}

impl FileSystem {
    /// Node by name path (`MF/ADF.USIM/EF.IMSI`).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .enumerate()
            .find(|(i, _)| self.path(*i) == path)
            .map(|(_, n)| n)
    }

    /// Node by FID path (`3F00/7FD0/6F07`).
    pub fn get_by_fids(&self, path: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .enumerate()
            .find(|(i, _)| self.fid_path(*i) == path)
            .map(|(_, n)| n)
    }

    /// Name path of a node.
    pub fn path(&self, index: usize) -> String {
        self.walk_up(index, |n| n.name.clone())
    }

    /// FID path of a node (`????` for a missing FID).
    pub fn fid_path(&self, index: usize) -> String {
        self.walk_up(index, |n| {
            n.fid.map_or("????".to_owned(), |f| format!("{f:04X}"))
        })
    }

    fn walk_up(&self, index: usize, f: impl Fn(&Node) -> String) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(index);
        // Bounded by the node count, so a malformed arena cannot loop.
        for _ in 0..=self.nodes.len() {
            let Some(i) = cur else { break };
            parts.push(f(&self.nodes[i]));
            cur = self.nodes[i].parent;
        }
        parts.reverse();
        parts.join("/")
    }

    fn total_size(&self) -> usize {
        self.nodes.iter().map(|n| n.content.len()).sum()
    }

    fn child_by_fid(&self, dir: usize, fid: u16) -> Option<usize> {
        self.nodes[dir]
            .children
            .iter()
            .copied()
            .find(|&c| self.nodes[c].fid == Some(fid))
    }
}

// ---------------------------------------------------------------- Display

fn hex_up(b: &[u8]) -> String {
    hex::encode_upper(b)
}

const SHOW_BYTES: usize = 64;

/// FNV-1a 64: a stable content fingerprint for digest renderings (not a security function).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// One line per node (content in hex, cut after 64 bytes), then PIN/PUK/AKA/SD/application
/// summaries with secrets redacted. The alternate form `{:#}` shows each content as its length
/// and an FNV-1a digest instead of its bytes.
impl fmt::Display for FileSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].parent.is_none())
            .collect();
        for r in roots {
            self.fmt_node(f, r, 0)?;
        }
        for p in &self.pins {
            writeln!(
                f,
                "pin {} keyRef {} value {} unblock {} attributes {} attempts/retries {:02X}",
                p.context,
                p.key_reference,
                p.value,
                p.unblocking_reference
                    .map_or("-".to_owned(), |u| u.to_string()),
                p.attributes,
                p.max_attempts_retries
            )?;
        }
        for p in &self.puks {
            writeln!(
                f,
                "puk {} keyRef {} value {} attempts/retries {:02X}",
                p.context, p.key_reference, p.value, p.max_attempts_retries
            )?;
        }
        for a in &self.aka {
            write!(f, "aka {} algorithm {}", a.context, a.algorithm)?;
            if let Some(o) = a.options {
                write!(f, " options {o:02X}")?;
            }
            if let Some(m) = &a.mapping_source {
                write!(f, " mappingSource {}", hex_up(m))?;
            } else {
                write!(f, " K {} OPc {}", a.key, a.opc)?;
            }
            // Only what differs from the DEFAULTs, so a usual profile prints one short line.
            if !a.has_default_constants() {
                write!(
                    f,
                    " rotationConstants {} xoringConstants {}",
                    hex_up(&a.rotation_constants),
                    hex_up(&a.xoring_constants)
                )?;
            }
            if let Some(m) = &a.auth_counter_max {
                write!(f, " authCounterMax {}", hex_up(m))?;
            }
            if a.number_of_keccak != 1 {
                write!(f, " numberOfKeccak {}", a.number_of_keccak)?;
            }
            writeln!(
                f,
                " sqnOptions {} sqnDelta {} sqnAgeLimit {} sqnInit {} entries",
                hex_up(&a.sqn_options),
                hex_up(&a.sqn_delta),
                hex_up(&a.sqn_age_limit),
                a.sqn_init.len()
            )?;
            if a.sqn_init.iter().any(|e| e.iter().any(|b| *b != 0)) {
                let entries: Vec<String> = a.sqn_init.iter().map(|e| hex_up(e)).collect();
                writeln!(f, "  sqnInit {}", entries.join(" "))?;
            }
        }
        for sd in &self.security_domains {
            writeln!(
                f,
                "securityDomain {} privileges {}",
                sd.instance_aid.as_deref().map_or("-".to_owned(), hex_up),
                sd.privileges.as_deref().map_or("-".to_owned(), hex_up)
            )?;
            for k in &sd.keys {
                write!(
                    f,
                    "  key id {} version {} usage {} access {}",
                    hex_up(&k.id),
                    hex_up(&k.version),
                    hex_up(&k.usage),
                    hex_up(&k.access)
                )?;
                for (t, d) in &k.components {
                    write!(f, " [type {} {}]", hex_up(t), d)?;
                }
                writeln!(f)?;
            }
        }
        for a in &self.applications {
            let inst: Vec<String> = a.instance_aids.iter().map(|x| hex_up(x)).collect();
            writeln!(
                f,
                "application package {} instances [{}]",
                a.load_package_aid.as_deref().map_or("-".to_owned(), hex_up),
                inst.join(", ")
            )?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

impl FileSystem {
    fn fmt_node(&self, f: &mut fmt::Formatter<'_>, i: usize, depth: usize) -> fmt::Result {
        let n = &self.nodes[i];
        let mut line = format!(
            "{:indent$}{} [{}] {}",
            "",
            self.path(i),
            self.fid_path(i),
            n.kind,
            indent = depth * 2
        );
        if let Some(aid) = &n.aid {
            let _ = write!(line, " aid {}", hex_up(aid));
        }
        if !n.kind.is_dir() {
            if n.size_unknown {
                let _ = write!(line, " size unknown ({} written)", n.size);
            } else {
                let _ = write!(line, " size {}", n.size);
            }
            if let Some(rl) = n.record_len {
                let count = if rl == 0 { 0 } else { n.size / rl as usize };
                let _ = write!(line, " ({count}x{rl})");
            }
        }
        if let Some(s) = n.sfi {
            let _ = write!(line, " sfi {s:02X}");
        }
        let _ = write!(line, " lcsi {:02X}", n.lcsi);
        if let Some(s) = &n.security {
            let _ = write!(line, " sec {}", hex_up(s));
        }
        if let Some(p) = &n.pin_status {
            let _ = write!(line, " pins {}", hex_up(p));
        }
        if let Some(l) = &n.link_path {
            let _ = write!(line, " link {}", hex_up(l));
        }
        if !n.content.is_empty() {
            if f.alternate() {
                // `{:#}`: structure only — content as length and digest, for snapshots of
                // profiles whose content may not be reproduced (TS.48 licence).
                let _ = write!(
                    line,
                    " = <{} bytes, fnv1a {:016X}>",
                    n.content.len(),
                    fnv1a(&n.content)
                );
            } else if n.content.len() > SHOW_BYTES {
                let _ = write!(
                    line,
                    " = {}... ({} bytes)",
                    hex_up(&n.content[..SHOW_BYTES]),
                    n.content.len()
                );
            } else {
                let _ = write!(line, " = {}", hex_up(&n.content));
            }
        }
        writeln!(f, "{line}")?;
        for &c in &n.children {
            self.fmt_node(f, c, depth + 1)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- expansion

/// Expands a package into the file system and summaries a conforming eUICC must create.
pub fn expand(package: &ProfilePackage) -> Result<FileSystem, ExpandError> {
    let mut x = Expander::default();
    for (index, pe) in package.pes().iter().enumerate() {
        x.pe(index, pe)?;
    }
    Ok(x.fs)
}

#[derive(Default)]
struct Expander {
    fs: FileSystem,
    /// Last ADF created per PE kind (`usim` → node).
    adfs: Vec<(&'static str, usize)>,
    current_adf: Option<usize>,
}

/// What a `File` element or createFCP says about a file.
#[derive(Default)]
struct Fcp {
    descriptor: Option<Vec<u8>>,
    fid: Option<u16>,
    aid: Option<Vec<u8>>,
    lcsi: Option<u8>,
    security: Option<Vec<u8>>,
    size: Option<u64>,
    pin_status: Option<Vec<u8>>,
    /// `Some(None)` = present and empty (no SFI).
    sfi: Option<Option<u8>>,
    fill: Option<Vec<u8>>,
    repeat: Option<Vec<u8>>,
    max_size: Option<u64>,
    link: Option<Vec<u8>>,
}

fn tag(v: u32) -> Tag {
    Tag::of(v)
}

fn prim(t: &Tlv, v: u32) -> Option<&[u8]> {
    t.child(tag(v)).and_then(Tlv::content)
}

fn be_u64(b: &[u8]) -> Option<u64> {
    let b = &b[b.iter().take_while(|&&x| x == 0).count()..];
    if b.len() > 8 {
        return None;
    }
    Some(b.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
}

fn int(t: &Tlv, v: u32) -> Option<i64> {
    prim(t, v).and_then(|c| der::decode_integer(c).ok())
}

impl Fcp {
    fn read(t: &Tlv, pe: &str, file: &str) -> Result<Fcp, ExpandError> {
        let bad = |what: &str| ExpandError::BadValue {
            pe: pe.to_owned(),
            file: file.to_owned(),
            what: what.to_owned(),
        };
        let mut fcp = Fcp {
            descriptor: prim(t, 0x82).map(<[u8]>::to_vec),
            ..Fcp::default()
        };
        if let Some(d) = &fcp.descriptor {
            if d.len() < 2 {
                return Err(bad("fileDescriptor shorter than 2 bytes"));
            }
        }
        if let Some(f) = prim(t, 0x83) {
            let a: [u8; 2] = f.try_into().map_err(|_| bad("fileID not 2 bytes"))?;
            fcp.fid = Some(u16::from_be_bytes(a));
        }
        fcp.aid = prim(t, 0x84).map(<[u8]>::to_vec);
        if let Some(l) = prim(t, 0x8A) {
            fcp.lcsi = Some(*l.first().ok_or_else(|| bad("empty lcsi"))?);
        }
        fcp.security = prim(t, 0x8B).map(<[u8]>::to_vec);
        if let Some(s) = prim(t, 0x80) {
            fcp.size = Some(be_u64(s).unwrap_or(u64::MAX));
        }
        fcp.pin_status = prim(t, 0xC6).map(<[u8]>::to_vec);
        if let Some(s) = prim(t, 0x88) {
            fcp.sfi = Some(s.first().map(|b| b >> 3));
        }
        if let Some(p) = t.child(tag(0xA5)) {
            fcp.fill = prim(p, 0xC1).map(<[u8]>::to_vec);
            fcp.repeat = prim(p, 0xC2).map(<[u8]>::to_vec);
            fcp.max_size = prim(p, 0x86).map(|s| be_u64(s).unwrap_or(u64::MAX));
        }
        fcp.link = prim(t, 0xC7).map(<[u8]>::to_vec);
        Ok(fcp)
    }

    fn kind(&self) -> Option<(FileKind, Option<u16>)> {
        let d = self.descriptor.as_ref()?;
        let rec = (d.len() >= 4).then(|| u16::from_be_bytes([d[2], d[3]]));
        Some(match d[0] & 0xBF {
            0x38 => (FileKind::Df, None),
            0x01 => (FileKind::Transparent, None),
            0x02 => (FileKind::LinearFixed, rec),
            0x06 => (FileKind::Cyclic, rec),
            0x39 => (FileKind::BerTlv, None),
            _ => return None,
        })
    }
}

/// A file being built from a template entry and/or an FCP.
struct Building<'a> {
    pe: &'a str,
    file: String,
    tf: Option<&'static TemplateFile>,
    node: Node,
    /// Declared record count from the template (used when no efFileSize is given).
    count: Option<u16>,
    size_known: bool,
    fill: Option<Vec<u8>>,
    repeat: Option<Vec<u8>>,
    materialised: bool,
    pos: usize,
    /// No template data: a missing size becomes 0 and writes grow the file.
    lenient: bool,
    /// Set when `lenient` had to assume the size.
    size_assumed: bool,
}

impl<'a> Building<'a> {
    fn new(
        pe: &'a str,
        field: &str,
        tf: Option<&'static TemplateFile>,
        arr_fid: u16,
        source: String,
    ) -> Building<'a> {
        let (kind, count, rlen, size) = match tf.map(|t| (t.kind, t.layout)) {
            Some((k, Layout::Bytes(s))) => (k, None, None, s.map(|s| s as usize)),
            Some((k, Layout::Records { count, len })) => (
                k,
                count,
                len,
                count.zip(len).map(|(c, l)| c as usize * l as usize),
            ),
            Some((k, Layout::None)) => (k, None, None, Some(0)),
            None => (guess_kind(field), None, None, None),
        };
        let name = tf
            .map(|t| t.label.to_owned())
            .unwrap_or_else(|| label_of(field));
        Building {
            pe,
            file: field.to_owned(),
            tf,
            node: Node {
                name,
                fid: tf.and_then(|t| t.fid),
                kind,
                aid: None,
                size: size.unwrap_or(0),
                size_unknown: false,
                record_len: rlen,
                sfi: tf.and_then(|t| t.sfi),
                lcsi: 0x05,
                security: tf.and_then(|t| t.arr).map(|r| {
                    let [a, b] = arr_fid.to_be_bytes();
                    vec![a, b, r]
                }),
                pin_status: None,
                link_path: None,
                content: Vec::new(),
                source,
                parent: None,
                children: Vec::new(),
            },
            count,
            size_known: size.is_some() || kind.is_dir(),
            fill: None,
            repeat: None,
            materialised: false,
            pos: 0,
            lenient: false,
            size_assumed: false,
        }
    }

    fn err_bad(&self, what: impl Into<String>) -> ExpandError {
        ExpandError::BadValue {
            pe: self.pe.to_owned(),
            file: self.file.clone(),
            what: what.into(),
        }
    }

    fn apply_fcp(&mut self, fcp: Fcp) -> Result<(), ExpandError> {
        if fcp.descriptor.is_some() {
            let (k, rl) = fcp
                .kind()
                .ok_or_else(|| self.err_bad("unknown file descriptor byte"))?;
            if !(k.is_dir() && self.node.kind.is_dir()) {
                self.node.kind = k;
            }
            if k.is_record() {
                let rl =
                    rl.ok_or_else(|| self.err_bad("record file descriptor without record length"))?;
                if rl == 0 {
                    return Err(self.err_bad("record length 0"));
                }
                self.node.record_len = Some(rl);
                if let (Some(c), false) = (self.count, fcp.size.is_some()) {
                    self.node.size = c as usize * rl as usize;
                    self.size_known = true;
                }
            } else {
                self.node.record_len = None;
            }
        }
        if let Some(f) = fcp.fid {
            self.node.fid = Some(f);
        }
        if let Some(a) = fcp.aid {
            self.node.aid = Some(a);
        }
        if let Some(l) = fcp.lcsi {
            self.node.lcsi = l;
        }
        if let Some(s) = fcp.security {
            self.node.security = Some(s);
        }
        if let Some(p) = fcp.pin_status {
            self.node.pin_status = Some(p);
        }
        if let Some(s) = fcp.sfi {
            self.node.sfi = s;
        }
        if let Some(l) = fcp.link {
            self.node.link_path = Some(l);
        }
        let size = match (fcp.size, self.node.kind) {
            (Some(s), _) => Some(s),
            (None, FileKind::BerTlv) => fcp.max_size,
            _ => None,
        };
        if let Some(s) = size {
            if s > MAX_FILE_SIZE as u64 {
                return Err(ExpandError::TooLarge {
                    pe: self.pe.to_owned(),
                    file: self.file.clone(),
                    size: s,
                    limit: MAX_FILE_SIZE,
                });
            }
            self.node.size = s as usize;
            self.size_known = true;
        }
        if fcp.fill.is_some() || fcp.repeat.is_some() {
            self.fill = fcp.fill;
            self.repeat = fcp.repeat;
        }
        if self.materialised {
            // A second Fcp after content was written: start over with the new layout.
            self.materialised = false;
            self.node.content.clear();
            self.pos = 0;
        }
        Ok(())
    }

    /// Allocates the content from the pattern or template default.
    fn materialise(&mut self, total_so_far: usize) -> Result<(), ExpandError> {
        if self.materialised {
            return Ok(());
        }
        self.materialised = true;
        let n = &mut self.node;
        if n.kind.is_dir() || n.link_path.is_some() {
            return Ok(());
        }
        if !self.size_known && self.lenient {
            self.size_known = true;
            self.size_assumed = true;
        }
        if !self.size_known {
            let tf_param = if n.kind.is_record() {
                Param::NbRec
            } else {
                Param::Size
            };
            return Err(ExpandError::MissingParameter {
                pe: self.pe.to_owned(),
                file: self.file.clone(),
                param: tf_param,
            });
        }
        if n.size > MAX_FILE_SIZE || total_so_far.saturating_add(n.size) > MAX_TOTAL_SIZE {
            return Err(ExpandError::TooLarge {
                pe: self.pe.to_owned(),
                file: self.file.clone(),
                size: n.size as u64,
                limit: MAX_FILE_SIZE.min(MAX_TOTAL_SIZE - total_so_far.min(MAX_TOTAL_SIZE)),
            });
        }
        let unit = match n.record_len {
            Some(rl) if n.kind.is_record() && rl > 0 => rl as usize,
            _ => n.size,
        };
        let one: Vec<u8> = if let Some(p) = self.fill.as_deref().filter(|p| !p.is_empty()) {
            let last = *p.last().unwrap_or(&0xFF);
            (0..unit)
                .map(|i| if i < p.len() { p[i] } else { last })
                .collect()
        } else if let Some(p) = self.repeat.as_deref().filter(|p| !p.is_empty()) {
            (0..unit).map(|i| p[i % p.len()]).collect()
        } else {
            self.tf
                .map(|t| t.default)
                .unwrap_or(DefaultContent::None)
                .render(unit)
                .unwrap_or_else(|| vec![0xFF; unit])
        };
        let mut content = Vec::with_capacity(n.size);
        while content.len() < n.size && !one.is_empty() {
            let take = one.len().min(n.size - content.len());
            content.extend_from_slice(&one[..take]);
        }
        content.resize(n.size, 0xFF);
        n.content = content;
        Ok(())
    }

    fn seek(&mut self, off: usize, total: usize) -> Result<(), ExpandError> {
        self.materialise(total)?;
        self.pos = self.pos.saturating_add(off);
        Ok(())
    }

    fn write(&mut self, data: &[u8], total: usize) -> Result<(), ExpandError> {
        self.materialise(total)?;
        if self.node.kind.is_dir()
            || self.node.kind == FileKind::BerTlv
            || self.node.link_path.is_some()
        {
            return Err(self.err_bad(format!("fillFileContent on a {} file", self.node.kind)));
        }
        let end = self.pos.saturating_add(data.len());
        if self.size_assumed && end > self.node.content.len() {
            if end > MAX_FILE_SIZE || total.saturating_add(end) > MAX_TOTAL_SIZE {
                return Err(ExpandError::TooLarge {
                    pe: self.pe.to_owned(),
                    file: self.file.clone(),
                    size: end as u64,
                    limit: MAX_FILE_SIZE,
                });
            }
            self.node.content.resize(end, 0xFF);
            self.node.size = end;
        }
        if end > self.node.content.len() {
            return Err(ExpandError::FillOutOfRange {
                pe: self.pe.to_owned(),
                file: self.file.clone(),
                offset: self.pos,
                len: data.len(),
                size: self.node.content.len(),
            });
        }
        self.node.content[self.pos..end].copy_from_slice(data);
        self.pos = end;
        Ok(())
    }
}

fn guess_kind(field: &str) -> FileKind {
    if field.starts_with("adf-") {
        FileKind::Adf
    } else if field.starts_with("df-") || field == "mf" {
        FileKind::Df
    } else {
        FileKind::Transparent
    }
}

fn label_of(field: &str) -> String {
    if field == "mf" {
        return "MF".to_owned();
    }
    let stripped = field.strip_prefix("df-df-").map(|r| format!("df-{r}"));
    let field = stripped.as_deref().unwrap_or(field);
    match field.split_once('-') {
        Some((p, r)) => format!("{}.{}", p.to_uppercase(), r.to_uppercase()),
        None => field.to_uppercase(),
    }
}

impl Expander {
    fn pe(&mut self, index: usize, pe: &ProfileElement) -> Result<(), ExpandError> {
        let kind = match pe.kind() {
            crate::PeKind::Known(k) => k,
            crate::PeKind::Unknown(_) => return Ok(()),
        };
        let label = pe.label(index);
        if crate::schema::is_file_system_pe(kind) {
            return self.file_pe(index, &label, kind, pe);
        }
        match kind {
            "genericFileManagement" => self.gfm(&label, pe),
            "pinCodes" => {
                self.pins(pe);
                Ok(())
            }
            "pukCodes" => {
                self.puks(pe);
                Ok(())
            }
            "akaParameter" => {
                self.aka(pe);
                Ok(())
            }
            "securityDomain" => {
                self.sd(pe);
                Ok(())
            }
            "application" => {
                self.app(pe);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn context(&self) -> String {
        match self.current_adf {
            Some(a) => self.fs.path(a),
            None => "MF".to_owned(),
        }
    }

    fn insert(&mut self, b: Building<'_>, dir: Option<usize>) -> Result<usize, ExpandError> {
        let mut node = b.node;
        node.size_unknown = b.size_assumed;
        if let (Some(d), Some(fid)) = (dir, node.fid) {
            if self.fs.child_by_fid(d, fid).is_some() {
                return Err(ExpandError::DuplicateFid {
                    pe: b.pe.to_owned(),
                    file: b.file,
                    fid,
                    dir: self.fs.path(d),
                });
            }
        }
        node.parent = dir;
        let i = self.fs.nodes.len();
        self.fs.nodes.push(node);
        if let Some(d) = dir {
            self.fs.nodes[d].children.push(i);
        }
        Ok(i)
    }

    fn file_pe(
        &mut self,
        index: usize,
        label: &str,
        kind: &'static str,
        pe: &ProfileElement,
    ) -> Result<(), ExpandError> {
        let Some(ty) = pe.schema() else { return Ok(()) };
        let oid = pe.template_id().ok_or_else(|| ExpandError::NoTemplateId {
            pe: label.to_owned(),
        })?;
        let template: Option<&'static Template> = match templates::lookup(&oid) {
            Some(t) if t.pe != kind => {
                return Err(ExpandError::TemplateMismatch {
                    pe: label.to_owned(),
                    oid,
                    expected: t.pe,
                })
            }
            Some(t) => Some(t),
            None => match templates::recognised_without_data(&oid) {
                Some(name) => {
                    self.fs.notes.push(format!(
                        "{label}: template {oid} ({name}) has no file data here; only files with explicit FCPs were created"
                    ));
                    None
                }
                None => {
                    return Err(ExpandError::UnknownTemplate {
                        pe: label.to_owned(),
                        oid,
                    })
                }
            },
        };
        // Directory the template's top-level files go into.
        let base: Option<usize> = match template.map(|t| t.base) {
            Some(Base::Root) => None,
            Some(Base::Mf) => Some(self.mf(label, kind)?),
            Some(Base::Adf(which)) => Some(
                self.adfs
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == which)
                    .map(|(_, i)| *i)
                    .ok_or_else(|| ExpandError::NoParent {
                        pe: label.to_owned(),
                        what: kind.to_owned(),
                        dir: format!("ADF.{}", which.to_uppercase()),
                    })?,
            ),
            Some(Base::CurrentAdf) => {
                Some(self.current_adf.ok_or_else(|| ExpandError::NoParent {
                    pe: label.to_owned(),
                    what: kind.to_owned(),
                    dir: "ADF".to_owned(),
                })?)
            }
            None => match kind {
                "mf" | "iot" => None,
                "csim" => Some(self.mf(label, kind)?),
                "opt-csim" => Some(
                    self.adfs
                        .iter()
                        .rev()
                        .find(|(k, _)| *k == "csim")
                        .map(|(_, i)| *i)
                        .ok_or_else(|| ExpandError::NoParent {
                            pe: label.to_owned(),
                            what: kind.to_owned(),
                            dir: "ADF.CSIM".to_owned(),
                        })?,
                ),
                _ => Some(self.current_adf.ok_or_else(|| ExpandError::NoParent {
                    pe: label.to_owned(),
                    what: kind.to_owned(),
                    dir: "ADF".to_owned(),
                })?),
            },
        };
        let arr_fid = template.map_or(0x6F06, |t| t.arr_fid);
        let by_default = template.is_some_and(|t| t.created_by_default);
        let root_name = template.and_then(|t| t.root()).map(|r| r.name);
        let mut dirs: Vec<(&'static str, usize)> = Vec::new();
        let mut root_dir: Option<usize> = None;
        for (fi, field) in ty.fields().iter().enumerate().skip(2) {
            let elem = field.wire_tag().and_then(|t| pe.tlv().child(t));
            let tf = template.and_then(|t| t.file(field.name));
            if elem.is_none() && !(by_default && tf.is_some()) {
                continue;
            }
            let items = elem.map(Tlv::children).unwrap_or(&[]);
            if items.iter().any(|i| i.tag() == tag(0x80)) {
                continue; // doNotCreate
            }
            if template.is_some() && tf.is_none() {
                self.fs.notes.push(format!(
                    "{label}: {} is not a file of template {oid}; created from its FCP only",
                    field.name
                ));
            }
            if template.is_none() && !items.iter().any(|i| i.tag() == tag(0xA1)) {
                self.fs.notes.push(format!(
                    "{label}: {} not created (no template data, no FCP)",
                    field.name
                ));
                continue;
            }
            let source = format!("pe[{index}] {kind}.{}", field.name);
            let mut b = Building::new(label, field.name, tf, arr_fid, source);
            b.lenient = template.is_none();
            let total = self.fs.total_size();
            for item in items {
                match item.tag().to_u32() {
                    0xA1 => b.apply_fcp(Fcp::read(item, label, field.name)?)?,
                    0x82 => {
                        let off = item
                            .content()
                            .and_then(|c| der::decode_integer(c).ok())
                            .ok_or_else(|| b.err_bad("bad fillFileOffset"))?;
                        let off = usize::try_from(off)
                            .map_err(|_| b.err_bad("negative fillFileOffset"))?;
                        b.seek(off, total)?;
                    }
                    0x83 => b.write(item.content().unwrap_or(&[]), total)?,
                    _ => {}
                }
            }
            b.materialise(total)?;
            if b.size_assumed {
                self.fs.notes.push(format!(
                    "{label}: {}: size unknown without template data (shown as written)",
                    field.name
                ));
            }
            if let Some(t) = tf {
                if t.content_required
                    && !items.iter().any(|i| i.tag() == tag(0x83))
                    && b.fill.is_none()
                    && b.repeat.is_none()
                {
                    self.fs.notes.push(format!(
                        "{label}: {} content required by the template but not given",
                        field.name
                    ));
                }
                if t.params.contains(&Param::Aid) && b.node.aid.is_none() {
                    return Err(ExpandError::MissingParameter {
                        pe: label.to_owned(),
                        file: field.name.to_owned(),
                        param: Param::Aid,
                    });
                }
            }
            if b.node.fid.is_none() && !b.node.kind.is_dir() {
                return Err(ExpandError::MissingParameter {
                    pe: label.to_owned(),
                    file: field.name.to_owned(),
                    param: Param::Fid,
                });
            }
            // Parent: explicit template parent, else the root DF, else the base.
            let is_root = fi == 2
                && (root_name == Some(field.name) || (template.is_none() && b.node.kind.is_dir()));
            let dir = if is_root {
                base
            } else if let Some(p) = tf.and_then(|t| t.parent) {
                Some(
                    dirs.iter()
                        .find(|(n, _)| *n == p)
                        .map(|(_, i)| *i)
                        .ok_or_else(|| ExpandError::NoParent {
                            pe: label.to_owned(),
                            what: field.name.to_owned(),
                            dir: p.to_owned(),
                        })?,
                )
            } else if root_name.is_some() || (template.is_none() && root_dir.is_some()) {
                Some(root_dir.ok_or_else(|| ExpandError::NoParent {
                    pe: label.to_owned(),
                    what: field.name.to_owned(),
                    dir: root_name.unwrap_or("root DF").to_owned(),
                })?)
            } else {
                base
            };
            if dir.is_none() && !is_root {
                return Err(ExpandError::NoParent {
                    pe: label.to_owned(),
                    what: field.name.to_owned(),
                    dir: "MF".to_owned(),
                });
            }
            if dir.is_none() && self.fs.nodes.iter().any(|n| n.parent.is_none()) {
                return Err(ExpandError::BadValue {
                    pe: label.to_owned(),
                    file: field.name.to_owned(),
                    what: "second MF".to_owned(),
                });
            }
            let is_dir = b.node.kind.is_dir();
            let is_adf = b.node.kind == FileKind::Adf;
            let i = self.insert(b, dir)?;
            if is_dir {
                dirs.push((field.name, i));
                if is_root {
                    root_dir = Some(i);
                }
            }
            if is_adf {
                self.adfs.push((kind, i));
                self.current_adf = Some(i);
            }
        }
        Ok(())
    }

    /// The MF node, which must exist before other file PEs.
    fn mf(&self, label: &str, what: &str) -> Result<usize, ExpandError> {
        self.fs
            .nodes
            .iter()
            .position(|n| n.parent.is_none())
            .ok_or_else(|| ExpandError::NoParent {
                pe: label.to_owned(),
                what: what.to_owned(),
                dir: "MF".to_owned(),
            })
    }

    fn resolve(&self, label: &str, path: &[u8]) -> Result<usize, ExpandError> {
        let bad = || ExpandError::BadPath {
            pe: label.to_owned(),
            path: hex_up(path),
        };
        let mut cur = self.mf(label, "filePath")?;
        if !path.chunks_exact(2).remainder().is_empty() {
            return Err(bad());
        }
        for c in path.chunks(2) {
            let fid = u16::from_be_bytes([c[0], c[1]]);
            if fid == 0x3F00 && cur == 0 {
                continue;
            }
            cur = self.fs.child_by_fid(cur, fid).ok_or_else(bad)?;
        }
        if !self.fs.nodes[cur].kind.is_dir() {
            return Err(bad());
        }
        Ok(cur)
    }

    fn gfm(&mut self, label: &str, pe: &ProfileElement) -> Result<(), ExpandError> {
        let Some(cmds) = pe.tlv().child(tag(0xA1)) else {
            return Ok(());
        };
        for fm in cmds.children() {
            let mut dir = self.mf(label, "genericFileManagement")?;
            let mut current: Option<Building<'_>> = None;
            for item in fm.children() {
                let total = self.fs.total_size();
                match item.tag().to_u32() {
                    0x80 => {
                        if let Some(b) = current.take() {
                            self.finish_gfm(b, dir)?;
                        }
                        dir = self.resolve(label, item.content().unwrap_or(&[]))?;
                    }
                    0x62 => {
                        if let Some(b) = current.take() {
                            self.finish_gfm(b, dir)?;
                        }
                        let fcp = Fcp::read(item, label, "createFCP")?;
                        let kind = fcp
                            .kind()
                            .map(|k| k.0)
                            .or(fcp.aid.as_ref().map(|_| FileKind::Adf));
                        let Some(kind) = kind else {
                            return Err(ExpandError::BadValue {
                                pe: label.to_owned(),
                                file: "createFCP".to_owned(),
                                what: "no usable fileDescriptor".to_owned(),
                            });
                        };
                        let fid = fcp.fid.ok_or_else(|| ExpandError::MissingParameter {
                            pe: label.to_owned(),
                            file: "createFCP".to_owned(),
                            param: Param::Fid,
                        })?;
                        let name = self.name_for(dir, fid, kind);
                        let mut b = Building::new(
                            label,
                            "createFCP",
                            None,
                            0x6F06,
                            format!("{label} createFCP"),
                        );
                        b.file = name.clone();
                        b.node.name = name;
                        b.node.kind = kind;
                        b.size_known = kind.is_dir();
                        b.apply_fcp(fcp)?;
                        current = Some(b);
                    }
                    0x02 => {
                        let b = current.as_mut().ok_or_else(|| ExpandError::BadValue {
                            pe: label.to_owned(),
                            file: "-".to_owned(),
                            what: "fillFileOffset before createFCP".to_owned(),
                        })?;
                        let off = item
                            .content()
                            .and_then(|c| der::decode_integer(c).ok())
                            .and_then(|v| usize::try_from(v).ok())
                            .ok_or_else(|| b.err_bad("bad fillFileOffset"))?;
                        b.seek(off, total)?;
                    }
                    0x81 => {
                        let b = current.as_mut().ok_or_else(|| ExpandError::BadValue {
                            pe: label.to_owned(),
                            file: "-".to_owned(),
                            what: "fillFileContent before createFCP".to_owned(),
                        })?;
                        b.write(item.content().unwrap_or(&[]), total)?;
                    }
                    _ => {}
                }
            }
            if let Some(b) = current.take() {
                self.finish_gfm(b, dir)?;
            }
        }
        Ok(())
    }

    fn finish_gfm(&mut self, mut b: Building<'_>, dir: usize) -> Result<(), ExpandError> {
        b.materialise(self.fs.total_size())?;
        let is_adf = b.node.kind == FileKind::Adf;
        let i = self.insert(b, Some(dir))?;
        if is_adf {
            self.current_adf = Some(i);
        }
        Ok(())
    }

    /// A name for a file created by genericFileManagement: a template label when some
    /// template places a file with this FID in a DF of the same name, else `EF.6F44`.
    fn name_for(&self, dir: usize, fid: u16, kind: FileKind) -> String {
        let dir_name = &self.fs.nodes[dir].name;
        for t in templates::TEMPLATES {
            let root = t.root().map(|r| r.label);
            for f in t.files {
                let parent_label = match f.parent {
                    Some(p) => t.file(p).map(|p| p.label),
                    None if Some(f.label) == root => None,
                    None => root.or(match t.base {
                        Base::Adf("usim") => Some("ADF.USIM"),
                        Base::Adf(_) => Some("ADF.ISIM"),
                        _ => None,
                    }),
                };
                if f.fid == Some(fid)
                    && f.fid_choices == 1
                    && parent_label == Some(dir_name.as_str())
                {
                    return f.label.to_owned();
                }
            }
        }
        let p = if kind.is_dir() { "DF" } else { "EF" };
        format!("{p}.{fid:04X}")
    }

    fn pins(&mut self, pe: &ProfileElement) {
        let context = self.context();
        let Some(codes) = pe.tlv().child(tag(0xA1)) else {
            return;
        };
        let Some(list) = codes.child(tag(0xA0)) else {
            if let Some(p) = prim(codes, 0x81) {
                self.fs.notes.push(format!(
                    "pinCodes {context}: filePath {} (shared PINs)",
                    hex_up(p)
                ));
            }
            return;
        };
        for c in list.children() {
            self.fs.pins.push(PinSummary {
                context: context.clone(),
                key_reference: int(c, 0x80).unwrap_or(-1),
                value: Secret(prim(c, 0x81).unwrap_or(&[]).to_vec()),
                unblocking_reference: int(c, 0x82),
                attributes: int(c, 0x83).unwrap_or(7),
                max_attempts_retries: int(c, 0x84).unwrap_or(0x33),
            });
        }
    }

    fn puks(&mut self, pe: &ProfileElement) {
        let context = self.context();
        let Some(list) = pe.tlv().child(tag(0xA1)) else {
            return;
        };
        for c in list.children() {
            self.fs.puks.push(PukSummary {
                context: context.clone(),
                key_reference: int(c, 0x80).unwrap_or(-1),
                value: Secret(prim(c, 0x81).unwrap_or(&[]).to_vec()),
                max_attempts_retries: int(c, 0x82).unwrap_or(0xAA),
            });
        }
    }

    fn aka(&mut self, pe: &ProfileElement) {
        let t = pe.tlv();
        let cfg = t.child(tag(0xA1)).and_then(|c| c.children().first());
        let mut s = AkaSummary {
            context: self.context(),
            algorithm: "-".to_owned(),
            options: None,
            key: Secret::default(),
            opc: Secret::default(),
            mapping_source: None,
            sqn_options: prim(t, 0x82).map_or(vec![0x02], <[u8]>::to_vec),
            sqn_delta: prim(t, 0x83).map_or(vec![0, 0, 0x10, 0, 0, 0], <[u8]>::to_vec),
            sqn_age_limit: prim(t, 0x84).map_or(vec![0, 0, 0x10, 0, 0, 0], <[u8]>::to_vec),
            sqn_init: t.child(tag(0xA5)).map_or_else(Vec::new, |c| {
                c.children()
                    .iter()
                    .map(|e| e.content().unwrap_or(&[]).to_vec())
                    .collect()
            }),
            rotation_constants: ROTATION_CONSTANTS_DEFAULT.to_vec(),
            xoring_constants: XORING_CONSTANTS_DEFAULT.to_vec(),
            auth_counter_max: None,
            number_of_keccak: 1,
        };
        match cfg {
            Some(c) if c.tag() == tag(0xA0) => {
                s.algorithm = "mapping".to_owned();
                s.options = prim(c, 0x80).and_then(|o| o.first().copied());
                s.mapping_source = prim(c, 0x81).map(<[u8]>::to_vec);
            }
            Some(c) if c.tag() == tag(0xA1) => {
                s.algorithm = match int(c, 0x80) {
                    Some(1) => "milenage".to_owned(),
                    Some(2) => "tuak".to_owned(),
                    Some(3) => "usim-test-algorithm".to_owned(),
                    Some(n) => format!("#{n}"),
                    None => "-".to_owned(),
                };
                s.options = prim(c, 0x81).and_then(|o| o.first().copied());
                s.key = Secret(prim(c, 0x82).unwrap_or(&[]).to_vec());
                s.opc = Secret(prim(c, 0x83).unwrap_or(&[]).to_vec());
                if let Some(r) = prim(c, 0x84) {
                    s.rotation_constants = r.to_vec();
                }
                if let Some(x) = prim(c, 0x85) {
                    s.xoring_constants = x.to_vec();
                }
                s.auth_counter_max = prim(c, 0x86).map(<[u8]>::to_vec);
                if let Some(&[n]) = prim(c, 0x87) {
                    s.number_of_keccak = n;
                }
            }
            _ => {}
        }
        self.fs.aka.push(s);
    }

    fn sd(&mut self, pe: &ProfileElement) {
        let t = pe.tlv();
        let inst = t.child(tag(0xA1));
        let aids: Vec<&Tlv> = inst
            .map(|i| {
                i.children()
                    .iter()
                    .filter(|c| c.tag() == tag(0x4F))
                    .collect()
            })
            .unwrap_or_default();
        let keys = t
            .child(tag(0xA2))
            .map(|l| {
                l.children()
                    .iter()
                    .map(|k| KeySummary {
                        usage: prim(k, 0x95).unwrap_or(&[]).to_vec(),
                        access: prim(k, 0x96).map_or(vec![0], <[u8]>::to_vec),
                        id: prim(k, 0x82).unwrap_or(&[]).to_vec(),
                        version: prim(k, 0x83).unwrap_or(&[]).to_vec(),
                        components: k
                            .child(tag(0x30))
                            .map(|cs| {
                                cs.children()
                                    .iter()
                                    .map(|c| {
                                        (
                                            prim(c, 0x80).unwrap_or(&[]).to_vec(),
                                            Secret(prim(c, 0x86).unwrap_or(&[]).to_vec()),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.fs.security_domains.push(SdSummary {
            instance_aid: aids.get(2).and_then(|a| a.content()).map(<[u8]>::to_vec),
            privileges: inst.and_then(|i| prim(i, 0x82)).map(<[u8]>::to_vec),
            keys,
        });
    }

    fn app(&mut self, pe: &ProfileElement) {
        let t = pe.tlv();
        let load_package_aid = t
            .child(tag(0xA1))
            .and_then(|l| prim(l, 0x4F))
            .map(<[u8]>::to_vec);
        let instance_aids = t
            .child(tag(0xA2))
            .map(|l| {
                l.children()
                    .iter()
                    .filter_map(|i| {
                        i.children()
                            .iter()
                            .filter(|c| c.tag() == tag(0x4F))
                            .nth(2)
                            .and_then(Tlv::content)
                            .map(<[u8]>::to_vec)
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.fs.applications.push(AppSummary {
            load_package_aid,
            instance_aids,
        });
    }
}
