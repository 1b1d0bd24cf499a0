//! TCA file-structure templates (digest §7.3): for each template OID, the files a template-based
//! file-system PE describes, with FID, type, size or record layout, SFI, access-rule record,
//! default content, the parameters the profile must supply and the PE specification version
//! that introduced the template.
//!
//! The data is our own transcription of the template facts (Profile interoperability
//! specification v3.3.1, Annex A, as summarised by pySim's `templates.py`), in our own format.
//! Where the summary disagreed with TS 102 221 / TS 31.102 file identifiers, the PE schema or
//! the TS.48 test profiles (which state the FIDs explicitly), the standard FID is used and the
//! line says so.
//!
//! Complete (every file of the template): MF `.1`, DF.CD `.2`, DF.TELECOM `.3`/`.3.2`,
//! ADF.USIM `.4`/`.4.2`, USIM optional `.5`/`.5.2`/`.5.3`, DF.PHONEBOOK `.6`, DF.GSM-ACCESS
//! `.7`, ADF.ISIM `.8`, ISIM optional `.9`/`.9.2`, DF.EAP `.12`, DF.5GS
//! `.13`/`.13.2`/`.13.3`/`.13.4`, DF.SAIP `.14`, DF.SNPN `.15`, DF.5GProSe `.16`.
//!
//! Missing (no file data; [`recognised_without_data`] lists them): ADF.CSIM `.10`/`.10.2` and
//! CSIM optional `.11`/`.11.2` (the summary has no CSIM tables, only a TODO; the TS.48 profiles
//! state FIDs and record lengths but not the sizes the template supplies, so a CSIM file without
//! `efFileSize` or content keeps an unknown size), IoT `.17` and IoT optional `.18` (not in the
//! summary), and the OIDs v3.4.1 added: `.3.3`, `.5.4`, `.9.3`, `.15.2`, `.16.2`, `.19`
//! (unconfirmed; see `WITHOUT_DATA`).

use std::fmt;

/// File type as a template gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The MF, a DF or an ADF.
    Df,
    Adf,
    Transparent,
    LinearFixed,
    Cyclic,
    BerTlv,
}

impl FileKind {
    pub fn is_dir(self) -> bool {
        matches!(self, FileKind::Df | FileKind::Adf)
    }
    pub fn is_record(self) -> bool {
        matches!(self, FileKind::LinearFixed | FileKind::Cyclic)
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Df => "DF",
            FileKind::Adf => "ADF",
            FileKind::Transparent => "TR",
            FileKind::LinearFixed => "LF",
            FileKind::Cyclic => "CY",
            FileKind::BerTlv => "BT",
        })
    }
}

/// Size of a template file; `None` parts are supplied by the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// DF/ADF: no size.
    None,
    /// Transparent or BER-TLV file size in bytes.
    Bytes(Option<u32>),
    /// Record file: record count and record length.
    Records {
        count: Option<u16>,
        len: Option<u16>,
    },
}

/// Default content of a template file (per record for record files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultContent {
    /// No default: the content comes from the profile (or stays as created, `FF`s).
    None,
    /// `head`, then `fill` repeated, then `tail` at the end (`07FF...FF`, `FF...FF0000000001FFFF`).
    Fill {
        head: &'static [u8],
        fill: u8,
        tail: &'static [u8],
    },
    /// Exact bytes (`0A`, `00000002`).
    Bytes(&'static [u8]),
}

/// `0A`, `07FF…FF`, `FF…FF0000000001FFFF`; `-` when there is no default.
impl fmt::Display for DefaultContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DefaultContent::None => f.write_str("-"),
            DefaultContent::Bytes(b) => f.write_str(&hex::encode_upper(b)),
            DefaultContent::Fill { head, fill, tail } => write!(
                f,
                "{}{fill:02X}…{fill:02X}{}",
                hex::encode_upper(head),
                hex::encode_upper(tail)
            ),
        }
    }
}

impl DefaultContent {
    /// The default content of one record / one transparent body of `len` bytes (`None` when
    /// the template gives no default).
    pub fn render(&self, len: usize) -> Option<Vec<u8>> {
        match *self {
            DefaultContent::None => None,
            DefaultContent::Bytes(b) => {
                let mut v = vec![0xFF; len];
                let n = b.len().min(len);
                v[..n].copy_from_slice(&b[..n]);
                Some(v)
            }
            DefaultContent::Fill { head, fill, tail } => {
                let mut v = vec![fill; len];
                let n = head.len().min(len);
                v[..n].copy_from_slice(&head[..n]);
                if tail.len() <= len {
                    v[len - tail.len()..].copy_from_slice(tail);
                }
                Some(v)
            }
        }
    }
}

/// A parameter the profile must supply for a template file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    /// ADF AID (`dfName`).
    Aid,
    /// Temporary FID of an ADF (`fileID`).
    TempFid,
    /// FID (DF.EAP; files whose FID the profile picks from a range).
    Fid,
    PinStatusTemplateDo,
    /// File size (`efFileSize`) or record length (`fileDescriptor`).
    Size,
    /// Number of records (via `efFileSize`).
    NbRec,
    Sfi,
}

/// One file of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateFile {
    /// The PE schema field name (`ef-imsi`).
    pub name: &'static str,
    /// Display name (`EF.IMSI`).
    pub label: &'static str,
    /// FID; `None` for an ADF (temporary FID from the profile) or when the profile must supply it.
    pub fid: Option<u16>,
    /// How many consecutive FIDs from `fid` the profile may choose from (1 = fixed FID).
    pub fid_choices: u16,
    pub kind: FileKind,
    pub layout: Layout,
    pub sfi: Option<u8>,
    /// Access rule: record number in the template's EF.ARR ([`Template::arr_fid`]).
    pub arr: Option<u8>,
    pub default: DefaultContent,
    pub content_required: bool,
    pub params: &'static [Param],
    /// Field name of the parent DF inside the template; `None` = the template's root DF (or
    /// the base directory for templates without a root DF).
    pub parent: Option<&'static str>,
}

/// Where a template's files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The template's root is the MF itself.
    Root,
    /// Under the MF (`MF/DF.TELECOM`, `MF/ADF.USIM`).
    Mf,
    /// Inside the ADF created by the last PE of this kind (`"usim"`, `"isim"`).
    Adf(&'static str),
    /// Inside the most recently created ADF.
    CurrentAdf,
}

/// A TCA file-structure template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Dotted OID (`2.23.143.1.2.4.2`).
    pub oid: &'static str,
    pub name: &'static str,
    /// The `ProfileElement` alternative that uses it (`usim`).
    pub pe: &'static str,
    pub created_by_default: bool,
    pub base: Base,
    /// EF.ARR the `arr` record numbers refer to.
    pub arr_fid: u16,
    pub files: &'static [TemplateFile],
    /// First PE specification version (header major/minor) that defines this template.
    pub since: SpecVersion,
}

impl Template {
    pub fn file(&self, name: &str) -> Option<&'static TemplateFile> {
        self.files.iter().find(|f| f.name == name)
    }
    /// The template's root DF/ADF (its first file when that is a directory).
    pub fn root(&self) -> Option<&'static TemplateFile> {
        self.files.first().filter(|f| f.kind.is_dir())
    }
}

/// A PE specification version as the ProfileHeader declares it (`major-version`,
/// `minor-version`; v2.3.1 is 2.3). Ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecVersion {
    pub major: u8,
    pub minor: u8,
}

impl SpecVersion {
    pub const fn new(major: u8, minor: u8) -> SpecVersion {
        SpecVersion { major, minor }
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

// ---------------------------------------------------------------- data helpers

use DefaultContent as D;
use FileKind as K;
use Param as P;

const fn file(
    name: &'static str,
    label: &'static str,
    fid: Option<u16>,
    kind: FileKind,
    layout: Layout,
) -> TemplateFile {
    TemplateFile {
        name,
        label,
        fid,
        fid_choices: 1,
        kind,
        layout,
        sfi: None,
        arr: None,
        default: DefaultContent::None,
        content_required: false,
        params: &[],
        parent: None,
    }
}
const fn df(name: &'static str, label: &'static str, fid: u16) -> TemplateFile {
    file(name, label, Some(fid), K::Df, Layout::None)
        .arr(14)
        .params(&[P::PinStatusTemplateDo])
}
const fn tr(name: &'static str, label: &'static str, fid: u16, size: Option<u32>) -> TemplateFile {
    file(name, label, Some(fid), K::Transparent, Layout::Bytes(size))
}
const fn bt(name: &'static str, label: &'static str, fid: u16) -> TemplateFile {
    file(name, label, Some(fid), K::BerTlv, Layout::Bytes(None)).params(&[P::Size])
}
const fn lf(
    name: &'static str,
    label: &'static str,
    fid: u16,
    count: Option<u16>,
    len: Option<u16>,
) -> TemplateFile {
    file(
        name,
        label,
        Some(fid),
        K::LinearFixed,
        Layout::Records { count, len },
    )
}
const fn cy(
    name: &'static str,
    label: &'static str,
    fid: u16,
    count: Option<u16>,
    len: Option<u16>,
) -> TemplateFile {
    file(
        name,
        label,
        Some(fid),
        K::Cyclic,
        Layout::Records { count, len },
    )
}

impl TemplateFile {
    const fn arr(mut self, record: u8) -> Self {
        self.arr = Some(record);
        self
    }
    const fn sfi(mut self, sfi: u8) -> Self {
        self.sfi = Some(sfi);
        self
    }
    const fn def(mut self, d: DefaultContent) -> Self {
        self.default = d;
        self
    }
    const fn required(mut self) -> Self {
        self.content_required = true;
        self
    }
    const fn params(mut self, p: &'static [Param]) -> Self {
        self.params = p;
        self
    }
    const fn parent(mut self, p: &'static str) -> Self {
        self.parent = Some(p);
        self
    }
    const fn choices(mut self, n: u16) -> Self {
        self.fid_choices = n;
        self
    }
}

const FF: DefaultContent = D::Fill {
    head: &[],
    fill: 0xFF,
    tail: &[],
};
const ZERO: DefaultContent = D::Fill {
    head: &[],
    fill: 0x00,
    tail: &[],
};
const X00FF: DefaultContent = D::Fill {
    head: &[0x00],
    fill: 0xFF,
    tail: &[],
};
const NB_SIZE: &[Param] = &[P::NbRec, P::Size];
const SIZE: &[Param] = &[P::Size];
const PLMN_ACT8: &[u8] = &[
    0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF,
    0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF,
    0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00,
];

// ---------------------------------------------------------------- MF (.1)

static MF_FILES: &[TemplateFile] = &[
    file("mf", "MF", Some(0x3F00), K::Df, Layout::None)
        .arr(14)
        .params(&[P::PinStatusTemplateDo]),
    tr("ef-pl", "EF.PL", 0x2F05, Some(2))
        .arr(1)
        .sfi(0x05)
        .def(FF),
    // The summary says 2F02; TS 102 221 and the TS.48 profiles say 2FE2.
    tr("ef-iccid", "EF.ICCID", 0x2FE2, Some(10))
        .arr(11)
        .required(),
    lf("ef-dir", "EF.DIR", 0x2F00, None, None)
        .arr(10)
        .sfi(0x1E)
        .required()
        .params(NB_SIZE),
    lf("ef-arr", "EF.ARR", 0x2F06, None, None)
        .arr(10)
        .required()
        .params(NB_SIZE),
    tr("ef-umpc", "EF.UMPC", 0x2F08, Some(5)).arr(10).sfi(0x08),
];

// ---------------------------------------------------------------- DF.CD (.2)

static CD_FILES: &[TemplateFile] = &[
    df("df-cd", "DF.CD", 0x7F11),
    tr("ef-launchpad", "EF.LAUNCHPAD", 0x6F01, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-icon", "EF.ICON", 0x6F40, None)
        .choices(0x3F)
        .arr(2)
        .required()
        .params(&[P::Fid, P::Size]),
];

// ---------------------------------------------------------------- DF.PHONEBOOK (.6 under ADF.USIM; also inside DF.TELECOM)

macro_rules! phonebook_files {
    ($parent:expr) => {
        [
            lf("ef-pbr", "EF.PBR", 0x4F30, None, None)
                .arr(2)
                .required()
                .params(NB_SIZE)
                .parent($parent),
            lf("ef-ext1", "EF.EXT1", 0x4F38, None, Some(13))
                .choices(8)
                .arr(5)
                .def(X00FF)
                .params(&[P::Fid, P::NbRec, P::Sfi])
                .parent($parent),
            lf("ef-aas", "EF.AAS", 0x4F40, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size])
                .parent($parent),
            lf("ef-gas", "EF.GAS", 0x4F48, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size])
                .parent($parent),
            tr("ef-psc", "EF.PSC", 0x4F22, Some(4))
                .arr(5)
                .def(D::Bytes(&[0, 0, 0, 0]))
                .params(&[P::Sfi])
                .parent($parent),
            tr("ef-cc", "EF.CC", 0x4F23, Some(2))
                .arr(5)
                .def(D::Bytes(&[0, 0]))
                .params(&[P::Sfi])
                .parent($parent),
            tr("ef-puid", "EF.PUID", 0x4F24, Some(2))
                .arr(5)
                .def(D::Bytes(&[0, 0]))
                .params(&[P::Sfi])
                .parent($parent),
            lf("ef-iap", "EF.IAP", 0x4F50, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-adn", "EF.ADN", 0x4F58, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            // The summary labels this range "EF.ADN" too; 2-byte records of 00 are EF.PBC.
            lf("ef-pbc", "EF.PBC", 0x4F60, None, Some(2))
                .choices(8)
                .arr(5)
                .def(ZERO)
                .params(&[P::Fid, P::NbRec, P::Sfi])
                .parent($parent),
            lf("ef-anr", "EF.ANR", 0x4F68, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-puri", "EF.PURI", 0x4F70, None, None)
                .choices(8)
                .arr(5)
                .required()
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-email", "EF.EMAIL", 0x4F78, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-sne", "EF.SNE", 0x4F80, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-uid", "EF.UID", 0x4F88, None, Some(2))
                .choices(8)
                .arr(5)
                .def(ZERO)
                .params(&[P::Fid, P::NbRec, P::Sfi])
                .parent($parent),
            lf("ef-grp", "EF.GRP", 0x4F90, None, None)
                .choices(8)
                .arr(5)
                .def(ZERO)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
            lf("ef-ccp1", "EF.CCP1", 0x4F98, None, None)
                .choices(8)
                .arr(5)
                .def(FF)
                .params(&[P::Fid, P::NbRec, P::Size, P::Sfi])
                .parent($parent),
        ]
    };
}

static PHONEBOOK_FILES: &[TemplateFile] = &{
    let pb = phonebook_files!("df-phonebook");
    let mut out = [df("df-phonebook", "DF.PHONEBOOK", 0x5F3A); 18];
    let mut i = 0;
    while i < pb.len() {
        let mut f = pb[i];
        f.parent = None;
        out[i + 1] = f;
        i += 1;
    }
    out
};

// ---------------------------------------------------------------- DF.TELECOM (.3, .3.2)

macro_rules! telecom_files {
    ($($extra:expr),* $(,)?) => {{
        let pb = phonebook_files!("df-phonebook");
        [
            // The summary gives 7F11 (DF.CD's FID); TS 51.011/31.102 and the TS.48 profiles use 7F10.
            df("df-telecom", "DF.TELECOM", 0x7F10),
            lf("ef-arr", "EF.ARR", 0x6F06, None, None).arr(10).required().params(NB_SIZE),
            lf("ef-rma", "EF.RMA", 0x6F53, None, None).arr(3).required().params(NB_SIZE),
            tr("ef-sume", "EF.SUME", 0x6F54, Some(22)).arr(3).required(),
            lf("ef-ice-dn", "EF.ICE_DN", 0x6FE0, Some(50), Some(24)).arr(9).def(FF),
            lf("ef-ice-ff", "EF.ICE_FF", 0x6FE1, None, None).arr(9).def(FF).params(NB_SIZE),
            lf("ef-psismsc", "EF.PSISMSC", 0x6FE5, None, None).arr(5).required().params(NB_SIZE),
            df("df-graphics", "DF.GRAPHICS", 0x5F50),
            lf("ef-img", "EF.IMG", 0x4F20, None, None).arr(2).def(X00FF).params(NB_SIZE).parent("df-graphics"),
            tr("ef-iidf", "EF.IIDF", 0x4F40, None).choices(0x40).arr(2).def(FF).params(&[P::Fid, P::Size]).parent("df-graphics"),
            bt("ef-ice-graphics", "EF.ICE_GRAPHICS", 0x4F21).arr(9).parent("df-graphics"),
            tr("ef-launch-scws", "EF.LAUNCH_SCWS", 0x4F01, None).arr(10).required().params(SIZE).parent("df-graphics"),
            tr("ef-icon", "EF.ICON", 0x4F80, None).choices(0x40).arr(10).required().params(&[P::Fid, P::Size]).parent("df-graphics"),
            df("df-phonebook", "DF.PHONEBOOK", 0x5F3A),
            pb[0], pb[1], pb[2], pb[3], pb[4], pb[5], pb[6], pb[7], pb[8],
            pb[9], pb[10], pb[11], pb[12], pb[13], pb[14], pb[15], pb[16],
            df("df-multimedia", "DF.MULTIMEDIA", 0x5F3B),
            bt("ef-mml", "EF.MML", 0x4F47).arr(5).parent("df-multimedia"),
            bt("ef-mmdf", "EF.MMDF", 0x4F48).arr(5).parent("df-multimedia"),
            df("df-mmss", "DF.MMSS", 0x5F3C),
            tr("ef-mlpl", "EF.MLPL", 0x4F20, None).arr(2).sfi(0x01).required().params(SIZE).parent("df-mmss"),
            tr("ef-mspl", "EF.MSPL", 0x4F21, None).arr(2).sfi(0x02).required().params(SIZE).parent("df-mmss"),
            // The summary repeats 4F21; TS 31.102 gives EF.MMSSMODE 4F22.
            tr("ef-mmssmode", "EF.MMSSMODE", 0x4F22, Some(1)).arr(2).sfi(0x03).required().parent("df-mmss"),
            $($extra),*
        ]
    }};
}

static TELECOM_V1_FILES: &[TemplateFile] = &telecom_files!();
static TELECOM_V2_FILES: &[TemplateFile] = &telecom_files!(
    df("df-mcs", "DF.MCS", 0x5F3D),
    tr("ef-mst", "EF.MST", 0x4F01, None)
        .arr(2)
        .sfi(0x01)
        .required()
        .params(SIZE)
        .parent("df-mcs"),
    bt("ef-mcs-config", "EF.MCS_CONFIG", 0x4F02)
        .arr(2)
        .sfi(0x02)
        .required()
        .parent("df-mcs"),
    df("df-v2x", "DF.V2X", 0x5F3E),
    tr("ef-vst", "EF.VST", 0x4F01, None)
        .arr(2)
        .sfi(0x01)
        .required()
        .params(SIZE)
        .parent("df-v2x"),
    bt("ef-v2x-config", "EF.V2X_CONFIG", 0x4F02)
        .arr(2)
        .sfi(0x02)
        .required()
        .parent("df-v2x"),
    tr("ef-v2xp-pc5", "EF.V2XP_PC5", 0x4F03, None)
        .arr(2)
        .required()
        .params(SIZE)
        .parent("df-v2x"),
    tr("ef-v2xp-Uu", "EF.V2XP_Uu", 0x4F04, None)
        .arr(2)
        .required()
        .params(SIZE)
        .parent("df-v2x"),
);

// ---------------------------------------------------------------- ADF.USIM (.4, .4.2)

macro_rules! usim_files {
    ($ust:expr) => {
        [
            file("adf-usim", "ADF.USIM", None, K::Adf, Layout::None)
                .arr(14)
                .params(&[P::Aid, P::TempFid, P::PinStatusTemplateDo]),
            tr("ef-imsi", "EF.IMSI", 0x6F07, Some(9))
                .arr(2)
                .sfi(0x07)
                .required(),
            lf("ef-arr", "EF.ARR", 0x6F06, None, None)
                .arr(10)
                .sfi(0x17)
                .required()
                .params(NB_SIZE),
            tr("ef-keys", "EF.Keys", 0x6F08, Some(33))
                .arr(5)
                .sfi(0x08)
                .def(D::Fill {
                    head: &[0x07],
                    fill: 0xFF,
                    tail: &[],
                }),
            tr("ef-keysPS", "EF.KeysPS", 0x6F09, Some(33))
                .arr(5)
                .sfi(0x09)
                .def(D::Fill {
                    head: &[0x07],
                    fill: 0xFF,
                    tail: &[],
                }),
            tr("ef-hpplmn", "EF.HPPLMN", 0x6F31, Some(1))
                .arr(2)
                .sfi(0x12)
                .def(D::Bytes(&[0x0A])),
            tr("ef-ust", "EF.UST", 0x6F38, Some($ust))
                .arr(2)
                .sfi(0x04)
                .required(),
            lf("ef-fdn", "EF.FDN", 0x6F3B, Some(20), Some(26))
                .arr(8)
                .def(FF),
            lf("ef-sms", "EF.SMS", 0x6F3C, Some(10), Some(176))
                .arr(5)
                .def(X00FF),
            lf("ef-smsp", "EF.SMSP", 0x6F42, Some(1), Some(38))
                .arr(5)
                .def(FF),
            tr("ef-smss", "EF.SMSS", 0x6F43, Some(2))
                .arr(5)
                .def(D::Bytes(&[0xFF, 0xFF])),
            tr("ef-spn", "EF.SPN", 0x6F46, Some(17)).arr(10).required(),
            tr("ef-est", "EF.EST", 0x6F56, Some(1))
                .arr(8)
                .sfi(0x05)
                .required(),
            tr("ef-start-hfn", "EF.START-HFN", 0x6F5B, Some(6))
                .arr(5)
                .sfi(0x0F)
                .def(D::Bytes(&[0xF0, 0, 0, 0xF0, 0, 0])),
            tr("ef-threshold", "EF.THRESHOLD", 0x6F5C, Some(3))
                .arr(2)
                .sfi(0x10)
                .def(D::Bytes(&[0xFF, 0xFF, 0xFF])),
            tr("ef-psloci", "EF.PSLOCI", 0x6F73, Some(14))
                .arr(5)
                .sfi(0x0C)
                .def(D::Fill {
                    head: &[],
                    fill: 0xFF,
                    tail: &[0x00, 0x00, 0xFF, 0x01],
                }),
            tr("ef-acc", "EF.ACC", 0x6F78, Some(2))
                .arr(2)
                .sfi(0x06)
                .required(),
            tr("ef-fplmn", "EF.FPLMN", 0x6F7B, Some(12))
                .arr(5)
                .sfi(0x0D)
                .def(FF),
            tr("ef-loci", "EF.LOCI", 0x6F7E, Some(11))
                .arr(5)
                .sfi(0x0B)
                .def(D::Fill {
                    head: &[],
                    fill: 0xFF,
                    tail: &[0x00, 0x00, 0xFF, 0x01],
                }),
            tr("ef-ad", "EF.AD", 0x6FAD, Some(4))
                .arr(10)
                .sfi(0x03)
                .def(D::Bytes(&[0x00, 0x00, 0x00, 0x02])),
            lf("ef-ecc", "EF.ECC", 0x6FB7, Some(1), Some(4))
                .arr(10)
                .sfi(0x01)
                .required(),
            tr("ef-netpar", "EF.NETPAR", 0x6FC4, Some(128))
                .arr(5)
                .def(FF),
            tr("ef-epsloci", "EF.EPSLOCI", 0x6FE3, Some(18))
                .arr(5)
                .sfi(0x1E)
                .def(D::Fill {
                    head: &[],
                    fill: 0xFF,
                    tail: &[0x00, 0x00, 0x01],
                }),
            lf("ef-epsnsc", "EF.EPSNSC", 0x6FE4, Some(1), Some(80))
                .arr(5)
                .sfi(0x18)
                .def(FF),
        ]
    };
}

static USIM_V1_FILES: &[TemplateFile] = &usim_files!(14);
static USIM_V2_FILES: &[TemplateFile] = &usim_files!(17);

// ---------------------------------------------------------------- USIM optional (.5, .5.2, .5.3)

macro_rules! opt_usim_files {
    ($($extra:expr),* $(,)?) => {
        [
            tr("ef-li", "EF.LI", 0x6F05, Some(6)).arr(1).sfi(0x02).def(FF),
            tr("ef-acmax", "EF.ACMmax", 0x6F37, Some(3)).arr(5).def(ZERO),
            cy("ef-acm", "EF.ACM", 0x6F39, Some(1), Some(3)).arr(7).def(ZERO),
            tr("ef-gid1", "EF.GID1", 0x6F3E, Some(8)).arr(2).required(),
            tr("ef-gid2", "EF.GID2", 0x6F3F, Some(8)).arr(2).required(),
            lf("ef-msisdn", "EF.MSISDN", 0x6F40, Some(1), Some(24)).arr(2).def(FF),
            tr("ef-puct", "EF.PUCT", 0x6F41, Some(5)).arr(5).def(D::Bytes(&[0xFF, 0xFF, 0xFF, 0x00, 0x00])),
            tr("ef-cbmi", "EF.CBMI", 0x6F45, Some(10)).arr(5).def(FF),
            tr("ef-cbmid", "EF.CBMID", 0x6F48, Some(10)).arr(2).sfi(0x0E).def(FF),
            lf("ef-sdn", "EF.SDN", 0x6F49, Some(10), Some(24)).arr(2).def(FF),
            lf("ef-ext2", "EF.EXT2", 0x6F4B, Some(10), Some(13)).arr(8).def(X00FF),
            lf("ef-ext3", "EF.EXT3", 0x6F4C, Some(10), Some(13)).arr(2).def(X00FF),
            tr("ef-cbmir", "EF.CBMIR", 0x6F50, Some(20)).arr(5).def(FF),
            tr("ef-plmnwact", "EF.PLMNwAcT", 0x6F60, Some(40)).arr(5).sfi(0x0A).def(D::Bytes(PLMN_ACT8)),
            tr("ef-oplmnwact", "EF.OPLMNwAcT", 0x6F61, Some(40)).arr(2).sfi(0x11).def(D::Bytes(PLMN_ACT8)),
            tr("ef-hplmnwact", "EF.HPLMNwAcT", 0x6F62, Some(5)).arr(2).sfi(0x13).def(D::Bytes(&[0xFF, 0xFF, 0xFF, 0x00, 0x00])),
            tr("ef-dck", "EF.DCK", 0x6F2C, Some(16)).arr(5).def(FF),
            tr("ef-cnl", "EF.CNL", 0x6F32, Some(30)).arr(2).def(FF),
            lf("ef-smsr", "EF.SMSR", 0x6F47, Some(10), Some(30)).arr(5).def(X00FF),
            lf("ef-bdn", "EF.BDN", 0x6F4D, Some(10), Some(25)).arr(8).def(FF),
            lf("ef-ext5", "EF.EXT5", 0x6F4E, Some(10), Some(13)).arr(5).def(X00FF),
            lf("ef-ccp2", "EF.CCP2", 0x6F4F, Some(5), Some(15)).arr(5).sfi(0x16).def(FF),
            lf("ef-ext4", "EF.EXT4", 0x6F55, Some(10), Some(13)).arr(8).def(X00FF),
            tr("ef-acl", "EF.ACL", 0x6F57, Some(101)).arr(8).def(X00FF),
            lf("ef-cmi", "EF.CMI", 0x6F58, Some(10), Some(11)).arr(2).def(FF),
            cy("ef-ici", "EF.ICI", 0x6F80, Some(20), Some(38)).arr(5).sfi(0x14).def(D::Fill { head: &[], fill: 0xFF, tail: &[0x00, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF] }),
            cy("ef-oci", "EF.OCI", 0x6F81, Some(20), Some(37)).arr(5).sfi(0x15).def(D::Fill { head: &[], fill: 0xFF, tail: &[0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF] }),
            cy("ef-ict", "EF.ICT", 0x6F82, Some(1), Some(3)).arr(7).def(ZERO),
            cy("ef-oct", "EF.OCT", 0x6F83, Some(1), Some(3)).arr(7).def(ZERO),
            tr("ef-vgcs", "EF.VGCS", 0x6FB1, Some(20)).arr(2).required(),
            tr("ef-vgcss", "EF.VGCSS", 0x6FB2, Some(7)).arr(5).required(),
            tr("ef-vbs", "EF.VBS", 0x6FB3, Some(20)).arr(2).required(),
            tr("ef-vbss", "EF.VBSS", 0x6FB4, Some(7)).arr(5).required(),
            tr("ef-emlpp", "EF.eMLPP", 0x6FB5, Some(2)).arr(2).required(),
            tr("ef-aaem", "EF.AaeM", 0x6FB6, Some(1)).arr(5).def(D::Bytes(&[0x00])),
            tr("ef-hiddenkey", "EF.HiddenKey", 0x6FC3, Some(4)).arr(5).def(FF),
            lf("ef-pnn", "EF.PNN", 0x6FC5, Some(10), Some(16)).arr(10).sfi(0x19).required(),
            lf("ef-opl", "EF.OPL", 0x6FC6, Some(5), Some(8)).arr(10).sfi(0x1A).required(),
            lf("ef-mbdn", "EF.MBDN", 0x6FC7, Some(3), Some(24)).arr(5).required(),
            lf("ef-ext6", "EF.EXT6", 0x6FC8, Some(10), Some(13)).arr(5).def(X00FF),
            lf("ef-mbi", "EF.MBI", 0x6FC9, Some(10), Some(5)).arr(5).required(),
            lf("ef-mwis", "EF.MWIS", 0x6FCA, Some(10), Some(6)).arr(5).def(ZERO),
            lf("ef-cfis", "EF.CFIS", 0x6FCB, Some(10), Some(16)).arr(5).def(D::Fill { head: &[0x01, 0x00], fill: 0xFF, tail: &[] }),
            // The summary repeats 6FCB; TS 31.102 gives EF.EXT7 6FCC.
            lf("ef-ext7", "EF.EXT7", 0x6FCC, Some(10), Some(13)).arr(5).def(X00FF),
            tr("ef-spdi", "EF.SPDI", 0x6FCD, Some(17)).arr(2).sfi(0x1B).required(),
            lf("ef-mmsn", "EF.MMSN", 0x6FCE, Some(10), Some(6)).arr(5).def(D::Fill { head: &[0, 0, 0], fill: 0xFF, tail: &[] }),
            lf("ef-ext8", "EF.EXT8", 0x6FCF, Some(10), Some(13)).arr(5).def(X00FF),
            tr("ef-mmsicp", "EF.MMSICP", 0x6FD0, Some(100)).arr(2).def(FF),
            lf("ef-mmsup", "EF.MMSUP", 0x6FD1, None, None).arr(5).def(FF).params(NB_SIZE),
            tr("ef-mmsucp", "EF.MMSUCP", 0x6FD2, Some(100)).arr(5).def(FF),
            lf("ef-nia", "EF.NIA", 0x6FD3, Some(5), Some(11)).arr(2).def(FF),
            tr("ef-vgcsca", "EF.VGCSCA", 0x6FD4, None).arr(2).def(ZERO).params(SIZE),
            tr("ef-vbsca", "EF.VBSCA", 0x6FD5, None).arr(2).def(ZERO).params(SIZE),
            tr("ef-gbabp", "EF.GBABP", 0x6FD6, None).arr(5).def(FF).params(SIZE),
            lf("ef-msk", "EF.MSK", 0x6FD7, None, None).arr(2).def(FF).params(NB_SIZE),
            lf("ef-muk", "EF.MUK", 0x6FD8, None, None).arr(2).def(FF).params(NB_SIZE),
            tr("ef-ehplmn", "EF.EHPLMN", 0x6FD9, Some(15)).arr(2).sfi(0x1D).def(FF),
            lf("ef-gbanl", "EF.GBANL", 0x6FDA, None, None).arr(2).def(FF).params(NB_SIZE),
            tr("ef-ehplmnpi", "EF.EHPLMNPI", 0x6FDB, Some(1)).arr(2).def(D::Bytes(&[0x00])),
            tr("ef-lrplmnsi", "EF.LRPLMNSI", 0x6FDC, Some(1)).arr(2).def(D::Bytes(&[0x00])),
            lf("ef-nafkca", "EF.NAFKCA", 0x6FDD, None, None).arr(2).def(FF).params(NB_SIZE),
            tr("ef-spni", "EF.SPNI", 0x6FDE, None).arr(10).def(X00FF).params(SIZE),
            lf("ef-pnni", "EF.PNNI", 0x6FDF, None, None).arr(10).def(X00FF).params(NB_SIZE),
            lf("ef-ncp-ip", "EF.NCP-IP", 0x6FE2, None, None).arr(2).required().params(NB_SIZE),
            tr("ef-ufc", "EF.UFC", 0x6FE6, Some(30)).arr(10).def(D::Bytes(&[
                0x80, 0x1E, 0x60, 0xC0, 0x1E, 0x90, 0x00, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
            ])),
            tr("ef-nasconfig", "EF.NASCONFIG", 0x6FE8, Some(18)).arr(2).required(),
            lf("ef-uicciari", "EF.UICCIARI", 0x6FE7, None, None).arr(2).required().params(NB_SIZE),
            tr("ef-pws", "EF.PWS", 0x6FEC, None).arr(10).required().params(SIZE),
            lf("ef-fdnuri", "EF.FDNURI", 0x6FED, None, None).arr(8).def(FF).params(NB_SIZE),
            lf("ef-bdnuri", "EF.BDNURI", 0x6FEE, None, None).arr(8).def(FF).params(NB_SIZE),
            lf("ef-sdnuri", "EF.SDNURI", 0x6FEF, None, None).arr(2).def(FF).params(NB_SIZE),
            // The summary calls 6FF0 "EF.IWL"; the PE field at that position is `ef-ial`.
            lf("ef-ial", "EF.IAL", 0x6FF0, None, None).arr(3).def(FF).params(NB_SIZE),
            cy("ef-ips", "EF.IPS", 0x6FF1, None, Some(4)).arr(10).def(FF).params(&[P::NbRec]),
            lf("ef-ipd", "EF.IPD", 0x6FF2, None, None).arr(3).def(FF).params(NB_SIZE),
            $($extra),*
        ]
    };
}

static OPT_USIM_V1_FILES: &[TemplateFile] = &opt_usim_files!();
// The v2 additions (.5.2), shared by v3 (.5.3), which only adds EF.eAKA.
macro_rules! opt_usim_v2_files {
    ($($extra:expr),* $(,)?) => {
        opt_usim_files!(
    tr("ef-epdgid", "EF.ePDGId", 0x6FF3, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-epdgselection", "EF.ePDGSelection", 0x6FF4, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-epdgidem", "EF.ePDGIdEm", 0x6FF5, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-epdgselectionem", "EF.ePDGSelectionEm", 0x6FF6, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-frompreferred", "EF.FromPreferred", 0x6FF7, Some(1))
        .arr(2)
        .def(D::Bytes(&[0x00])),
    bt("ef-imsconfigdata", "EF.IMSConfigData", 0x6FF8)
        .arr(2)
        .required(),
    tr("ef-3gpppsdataoff", "EF.3GPPPSDATAOFF", 0x6FF9, Some(4))
        .arr(2)
        .required(),
    lf(
        "ef-3gpppsdataoffservicelist",
        "EF.3GPPPSDATAOFFservicelist",
        0x6FFA,
        None,
        None
    )
    .arr(2)
    .required()
    .params(NB_SIZE),
    bt("ef-xcapconfigdata", "EF.XCAPConfigData", 0x6FFC)
        .arr(2)
        .required(),
    tr("ef-earfcnlist", "EF.EARFCNList", 0x6FFD, None)
        .arr(10)
        .required()
        .params(SIZE),
    // The summary repeats 6FFD; TS 31.102 gives EF.MuDMiDConfigData 6FFE.
    bt("ef-mudmidconfigdata", "EF.MuDMiDConfigData", 0x6FFE)
        .arr(2)
        .required(),
            $($extra),*
        )
    };
}

static OPT_USIM_V2_FILES: &[TemplateFile] = &opt_usim_v2_files!();
// Section 9.5.2.3 (v3.3.1). The summary gives EF.eAKA a fixed size of 1 and also lists `size`
// as a parameter; the fixed size is kept (the profile may still state efFileSize).
static OPT_USIM_V3_FILES: &[TemplateFile] =
    &opt_usim_v2_files!(tr("ef-eaka", "EF.eAKA", 0x6F01, Some(1)).arr(3).required(),);

// ---------------------------------------------------------------- DF.GSM-ACCESS (.7)

static GSM_ACCESS_FILES: &[TemplateFile] = &[
    df("df-gsm-access", "DF.GSM-ACCESS", 0x5F3B),
    tr("ef-kc", "EF.Kc", 0x4F20, Some(9))
        .arr(5)
        .sfi(0x01)
        .def(D::Fill {
            head: &[],
            fill: 0xFF,
            tail: &[0x07],
        }),
    tr("ef-kcgprs", "EF.KcGPRS", 0x4F52, Some(9))
        .arr(5)
        .sfi(0x02)
        .def(D::Fill {
            head: &[],
            fill: 0xFF,
            tail: &[0x07],
        }),
    tr("ef-cpbcch", "EF.CPBCCH", 0x4F63, Some(10))
        .arr(5)
        .def(FF),
    tr("ef-invscan", "EF.InvScan", 0x4F64, Some(1))
        .arr(2)
        .def(D::Bytes(&[0x00])),
];

// ---------------------------------------------------------------- ADF.ISIM (.8), ISIM optional (.9, .9.2)

static ISIM_FILES: &[TemplateFile] = &[
    file("adf-isim", "ADF.ISIM", None, K::Adf, Layout::None)
        .arr(14)
        .params(&[P::Aid, P::TempFid, P::PinStatusTemplateDo]),
    tr("ef-impi", "EF.IMPI", 0x6F02, None)
        .arr(2)
        .sfi(0x02)
        .required()
        .params(SIZE),
    lf("ef-impu", "EF.IMPU", 0x6F04, Some(1), None)
        .arr(2)
        .sfi(0x04)
        .required()
        .params(SIZE),
    tr("ef-domain", "EF.DOMAIN", 0x6F03, None)
        .arr(2)
        .sfi(0x05)
        .required()
        .params(SIZE),
    tr("ef-ist", "EF.IST", 0x6F07, Some(14))
        .arr(2)
        .sfi(0x07)
        .required(),
    tr("ef-ad", "EF.AD", 0x6FAD, Some(3))
        .arr(10)
        .sfi(0x03)
        .def(D::Bytes(&[0x00, 0x00, 0x00])),
    lf("ef-arr", "EF.ARR", 0x6F06, None, None)
        .arr(10)
        .sfi(0x06)
        .required()
        .params(NB_SIZE),
];

macro_rules! opt_isim_files {
    ($($extra:expr),* $(,)?) => {
        [
            lf("ef-pcscf", "EF.P-CSCF", 0x6F09, Some(1), None).arr(2).required().params(SIZE),
            lf("ef-sms", "EF.SMS", 0x6F3C, Some(10), Some(176)).arr(5).def(X00FF),
            lf("ef-smsp", "EF.SMSP", 0x6F42, Some(1), Some(38)).arr(5).def(FF),
            tr("ef-smss", "EF.SMSS", 0x6F43, Some(2)).arr(5).def(D::Bytes(&[0xFF, 0xFF])),
            lf("ef-smsr", "EF.SMSR", 0x6F47, Some(10), Some(30)).arr(5).def(X00FF),
            tr("ef-gbabp", "EF.GBABP", 0x6FD5, None).arr(5).def(FF).params(SIZE),
            lf("ef-gbanl", "EF.GBANL", 0x6FD7, None, None).arr(2).def(FF).params(NB_SIZE),
            lf("ef-nafkca", "EF.NAFKCA", 0x6FDD, None, None).arr(2).def(FF).params(NB_SIZE),
            lf("ef-uicciari", "EF.UICCIARI", 0x6FE7, None, None).arr(2).required().params(NB_SIZE),
            $($extra),*
        ]
    };
}

static OPT_ISIM_V1_FILES: &[TemplateFile] = &opt_isim_files!();
static OPT_ISIM_V2_FILES: &[TemplateFile] = &opt_isim_files!(
    tr("ef-frompreferred", "EF.FromPreferred", 0x6FF7, Some(1))
        .arr(2)
        .def(D::Bytes(&[0x00])),
    bt("ef-imsconfigdata", "EF.IMSConfigData", 0x6FF8)
        .arr(2)
        .required(),
    bt("ef-xcapconfigdata", "EF.XCAPConfigData", 0x6FFC)
        .arr(2)
        .required(),
    lf("ef-webrtcuri", "EF.WebRTCURI", 0x6FFA, None, None)
        .arr(2)
        .required()
        .params(NB_SIZE),
    // The summary repeats 6FFA; TS 31.103 gives EF.MuDMiDConfigData 6FFE.
    bt("ef-mudmidconfigdata", "EF.MuDMiDConfigData", 0x6FFE)
        .arr(2)
        .required(),
);

// ---------------------------------------------------------------- DF.5GS (.13, .13.2, .13.3, .13.4)

const LOCI5G: DefaultContent = D::Fill {
    head: &[],
    fill: 0xFF,
    tail: &[0x00, 0x00, 0x00, 0x01],
};

macro_rules! df5gs_files {
    ($nsc_count:expr, $nsc_len:expr, $ri:expr; $($extra:expr),* $(,)?) => {
        [
            // The summary gives 6FC0; TS 31.102 and the TS.48 profiles use 5FC0.
            df("df-df-5gs", "DF.5GS", 0x5FC0),
            tr("ef-5gs3gpploci", "EF.5GS3GPPLOCI", 0x4F01, Some(20)).arr(5).sfi(0x01).def(LOCI5G),
            tr("ef-5gsn3gpploci", "EF.5GSN3GPPLOCI", 0x4F02, Some(20)).arr(5).sfi(0x02).def(LOCI5G),
            lf("ef-5gs3gppnsc", "EF.5GS3GPPNSC", 0x4F03, Some($nsc_count), Some($nsc_len)).arr(5).sfi(0x03).def(FF),
            lf("ef-5gsn3gppnsc", "EF.5GSN3GPPNSC", 0x4F04, Some($nsc_count), Some($nsc_len)).arr(5).sfi(0x04).def(FF),
            tr("ef-5gauthkeys", "EF.5GAUTHKEYS", 0x4F05, Some(110)).arr(5).sfi(0x05).required(),
            tr("ef-uac-aic", "EF.UAC_AIC", 0x4F06, Some(4)).arr(2).sfi(0x06).required(),
            tr("ef-suci-calc-info", "EF.SUCI_Calc_Info", 0x4F07, None).arr(2).sfi(0x07).def(FF).params(SIZE),
            lf("ef-opl5g", "EF.OPL5G", 0x4F08, None, Some(10)).arr(10).sfi(0x08).def(FF).params(&[P::NbRec]),
            tr("ef-supinai", "EF.SUPI_NAI", 0x4F09, None).arr(2).sfi(0x09).required().params(SIZE),
            tr("ef-routing-indicator", "EF.Routing_Indicator", 0x4F0A, Some(4)).arr(2).sfi(0x0A).def(D::Bytes($ri)),
            $($extra),*
        ]
    };
}

const RI_V1: &[u8] = &[0xF0, 0xFF, 0xFF, 0xFF];

static DF_5GS_V1_FILES: &[TemplateFile] = &df5gs_files!(1, 57, RI_V1;);
static DF_5GS_V2_FILES: &[TemplateFile] = &df5gs_files!(1, 57, RI_V1;
    bt("ef-ursp", "EF.URSP", 0x4F0B).arr(2),
    tr("ef-tn3gppsnn", "EF.TN3GPPSNN", 0x4F0C, Some(1)).arr(2).sfi(0x0C).def(D::Bytes(&[0x00])),
);
static DF_5GS_V3_FILES: &[TemplateFile] = &df5gs_files!(2, 62, RI_V1;
    bt("ef-ursp", "EF.URSP", 0x4F0B).arr(2),
    tr("ef-tn3gppsnn", "EF.TN3GPPSNN", 0x4F0C, Some(1)).arr(2).sfi(0x0C).def(D::Bytes(&[0x00])),
);
// Section 9.5.11.4. The Routing Indicator default is F0FF0000 here, F0FFFFFF in v1-v3 (as the
// summary gives it; not checked against TS 31.102).
static DF_5GS_V4_FILES: &[TemplateFile] = &df5gs_files!(2, 62, &[0xF0, 0xFF, 0x00, 0x00];
    bt("ef-ursp", "EF.URSP", 0x4F0B).arr(2),
    tr("ef-tn3gppsnn", "EF.TN3GPPSNN", 0x4F0C, Some(1)).arr(2).sfi(0x0C).def(D::Bytes(&[0x00])),
    tr("ef-cag", "EF.CAG", 0x4F0D, Some(2)).arr(2).sfi(0x0D).required(),
    // The summary lists no parameter but gives no size either: the profile must supply it.
    tr("ef-sor-cmci", "EF.SOR_CMCI", 0x4F0E, None).arr(2).sfi(0x0E).required().params(SIZE),
    tr("ef-dri", "EF.DRI", 0x4F0F, Some(7)).arr(2).sfi(0x0F).required(),
    tr("ef-5gsedrx", "EF.5GSEDRX", 0x4F10, Some(2)).arr(2).sfi(0x10).required(),
    tr("ef-5gnswo-conf", "EF.5GNSWO_CONF", 0x4F11, Some(1)).arr(2).sfi(0x11).required(),
    tr("ef-mchpplmn", "EF.MCHPPLMN", 0x4F15, Some(1)).arr(2).sfi(0x15).required(),
    tr("ef-kausf-derivation", "EF.KAUSF_DERIVATION", 0x4F16, Some(1)).arr(2).sfi(0x16).required(),
);

// ---------------------------------------------------------------- DF.SAIP (.14), DF.EAP (.12)

static DF_SAIP_FILES: &[TemplateFile] = &[
    // The summary gives 6FD0; the TS.48 profiles use 5FD0.
    df("df-df-saip", "DF.SAIP", 0x5FD0),
    tr("ef-suci-calc-info-usim", "EF.SUCI_Calc_Info", 0x4F01, None)
        .arr(3)
        .def(FF)
        .params(SIZE),
];

static DF_EAP_FILES: &[TemplateFile] = &[
    file("df-eap", "DF.EAP", None, K::Df, Layout::None)
        .arr(14)
        .params(&[P::Fid, P::PinStatusTemplateDo]),
    tr("ef-eapkeys", "EF.EAPKEYS", 0x4F01, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-eapstatus", "EF.EAPSTATUS", 0x4F02, Some(1))
        .arr(2)
        .def(D::Bytes(&[0x00])),
    tr("ef-puid", "EF.PUId", 0x4F03, None)
        .arr(2)
        .required()
        .params(SIZE),
    tr("ef-ps", "EF.Ps", 0x4F04, None)
        .arr(5)
        .def(FF)
        .params(SIZE),
    tr("ef-curid", "EF.CurID", 0x4F20, None)
        .arr(5)
        .def(FF)
        .params(SIZE),
    tr("ef-reid", "EF.RelID", 0x4F21, None)
        .arr(5)
        .required()
        .params(SIZE),
    tr("ef-realm", "EF.Realm", 0x4F22, None)
        .arr(5)
        .required()
        .params(SIZE),
];

// ---------------------------------------------------------------- DF.SNPN (.15), DF.5GProSe (.16)

static DF_SNPN_FILES: &[TemplateFile] = &[
    df("df-df-snpn", "DF.SNPN", 0x5FE0),
    tr("ef-pws-snpn", "EF.PWS_SNPN", 0x4F01, Some(1))
        .arr(10)
        .required(),
];

static DF_5GPROSE_FILES: &[TemplateFile] = &[
    // The summary misspells the DF's parameter `pinStatusTeimplateDO`.
    df("df-df-5g-prose", "DF.5G_ProSe", 0x5FF0),
    tr("ef-5g-prose-st", "EF.5G_PROSE_ST", 0x4F01, Some(1))
        .arr(2)
        .sfi(0x01)
        .required(),
    tr("ef-5g-prose-dd", "EF.5G_PROSE_DD", 0x4F02, Some(26))
        .arr(2)
        .sfi(0x02)
        .required(),
    tr("ef-5g-prose-dc", "EF.5G_PROSE_DC", 0x4F03, Some(12))
        .arr(2)
        .sfi(0x03)
        .required(),
    tr("ef-5g-prose-u2nru", "EF.5G_PROSE_U2NRU", 0x4F04, Some(32))
        .arr(2)
        .sfi(0x04)
        .required(),
    tr("ef-5g-prose-ru", "EF.5G_PROSE_RU", 0x4F05, Some(29))
        .arr(2)
        .sfi(0x05)
        .required(),
    tr("ef-5g-prose-uir", "EF.5G_PROSE_UIR", 0x4F06, Some(32))
        .arr(2)
        .sfi(0x06)
        .required(),
];

// ---------------------------------------------------------------- registry

// One positional row per template keeps the registry table readable.
#[allow(clippy::too_many_arguments)]
const fn tpl(
    oid: &'static str,
    name: &'static str,
    pe: &'static str,
    by_default: bool,
    base: Base,
    arr_fid: u16,
    files: &'static [TemplateFile],
    since: SpecVersion,
) -> Template {
    Template {
        oid,
        name,
        pe,
        created_by_default: by_default,
        base,
        arr_fid,
        files,
        since,
    }
}

// Versions introducing each template, from the summary's table of template OIDs per PE
// specification version (1.0.1, 2.0, 2.1, 2.2, 2.3, 2.3.1, 3.1, 3.2, 3.3.1). Its first 3.x
// entry is 3.1: the `.x.2`/`.13.3` templates may already be in a 3.0 (unconfirmed).
const V1_0: SpecVersion = SpecVersion::new(1, 0);
const V2_2: SpecVersion = SpecVersion::new(2, 2);
const V2_3: SpecVersion = SpecVersion::new(2, 3);
const V3_1: SpecVersion = SpecVersion::new(3, 1);
const V3_3: SpecVersion = SpecVersion::new(3, 3);
const V3_4: SpecVersion = SpecVersion::new(3, 4);

const USIM: Base = Base::Adf("usim");
const ISIM: Base = Base::Adf("isim");

/// Every template with file data, in priority order.
#[rustfmt::skip]
pub static TEMPLATES: &[Template] = &[
    tpl("2.23.143.1.2.1", "MF", "mf", true, Base::Root, 0x2F06, MF_FILES, V1_0),
    tpl("2.23.143.1.2.2", "DF.CD", "cd", false, Base::Mf, 0x2F06, CD_FILES, V1_0),
    tpl("2.23.143.1.2.3", "DF.TELECOM", "telecom", false, Base::Mf, 0x2F06, TELECOM_V1_FILES, V1_0),
    tpl("2.23.143.1.2.3.2", "DF.TELECOM v2", "telecom", false, Base::Mf, 0x2F06, TELECOM_V2_FILES, V3_1),
    tpl("2.23.143.1.2.4", "ADF.USIM", "usim", true, Base::Mf, 0x6F06, USIM_V1_FILES, V1_0),
    tpl("2.23.143.1.2.4.2", "ADF.USIM v2", "usim", true, Base::Mf, 0x6F06, USIM_V2_FILES, V3_1),
    tpl("2.23.143.1.2.5", "USIM optional", "opt-usim", false, USIM, 0x6F06, OPT_USIM_V1_FILES, V1_0),
    tpl("2.23.143.1.2.5.2", "USIM optional v2", "opt-usim", false, USIM, 0x6F06, OPT_USIM_V2_FILES, V3_1),
    tpl("2.23.143.1.2.5.3", "USIM optional v3", "opt-usim", false, USIM, 0x6F06, OPT_USIM_V3_FILES, V3_3),
    tpl("2.23.143.1.2.6", "DF.PHONEBOOK", "phonebook", false, USIM, 0x6F06, PHONEBOOK_FILES, V1_0),
    tpl("2.23.143.1.2.7", "DF.GSM-ACCESS", "gsm-access", false, USIM, 0x6F06, GSM_ACCESS_FILES, V1_0),
    tpl("2.23.143.1.2.8", "ADF.ISIM", "isim", true, Base::Mf, 0x6F06, ISIM_FILES, V1_0),
    tpl("2.23.143.1.2.9", "ISIM optional", "opt-isim", false, ISIM, 0x6F06, OPT_ISIM_V1_FILES, V1_0),
    tpl("2.23.143.1.2.9.2", "ISIM optional v2", "opt-isim", false, ISIM, 0x6F06, OPT_ISIM_V2_FILES, V3_1),
    tpl("2.23.143.1.2.13", "DF.5GS", "df-5gs", false, USIM, 0x6F06, DF_5GS_V1_FILES, V2_3),
    tpl("2.23.143.1.2.13.2", "DF.5GS v2", "df-5gs", false, USIM, 0x6F06, DF_5GS_V2_FILES, V3_1),
    tpl("2.23.143.1.2.13.3", "DF.5GS v3", "df-5gs", false, USIM, 0x6F06, DF_5GS_V3_FILES, V3_1),
    tpl("2.23.143.1.2.13.4", "DF.5GS v4", "df-5gs", false, USIM, 0x6F06, DF_5GS_V4_FILES, V3_3),
    tpl("2.23.143.1.2.14", "DF.SAIP", "df-saip", false, USIM, 0x6F06, DF_SAIP_FILES, V2_3),
    tpl("2.23.143.1.2.15", "DF.SNPN", "df-snpn", false, USIM, 0x6F06, DF_SNPN_FILES, V3_3),
    tpl("2.23.143.1.2.16", "DF.5GProSe", "df-5gprose", false, USIM, 0x6F06, DF_5GPROSE_FILES, V3_3),
    tpl("2.23.143.1.2.12", "DF.EAP", "eap", false, Base::CurrentAdf, 0x6F06, DF_EAP_FILES, V2_2),
];

/// Template OIDs that exist (digest §7.3) but have no file data here: a PE using one can only
/// be expanded from the FCPs it states explicitly. The summary transcribes no CSIM template
/// ("TODO") and no IoT template.
const WITHOUT_DATA: &[(&str, &str, SpecVersion)] = &[
    ("2.23.143.1.2.10", "ADF.CSIM", V1_0),
    ("2.23.143.1.2.10.2", "ADF.CSIM v2", V3_1),
    ("2.23.143.1.2.11", "CSIM optional", V1_0),
    ("2.23.143.1.2.11.2", "CSIM optional v2", V3_1),
    ("2.23.143.1.2.17", "IoT", V3_3),
    ("2.23.143.1.2.18", "IoT optional", V3_3),
    // Assigned by Annex B of PE specification v3.4.1 (unconfirmed: from a third-party
    // transcription of that annex, not in the digest). Recognised so a profile using them
    // expands from its explicit files instead of failing as an unknown template; the names
    // are ours, and `.19` as ADF.SSIM is inferred from the same transcription's parameter
    // table (AID, temporary FID, pinStatusTemplateDO, like the other ADF templates).
    ("2.23.143.1.2.3.3", "DF.TELECOM v3", V3_4),
    ("2.23.143.1.2.5.4", "USIM optional v4", V3_4),
    ("2.23.143.1.2.9.3", "ISIM optional v3", V3_4),
    ("2.23.143.1.2.15.2", "DF.SNPN v2", V3_4),
    ("2.23.143.1.2.16.2", "DF.5GProSe v2", V3_4),
    ("2.23.143.1.2.19", "ADF.SSIM", V3_4),
];

/// The name of a template OID that exists but has no file data here.
pub fn recognised_without_data(oid: &str) -> Option<&'static str> {
    WITHOUT_DATA
        .iter()
        .find(|(o, _, _)| *o == oid)
        .map(|(_, n, _)| *n)
}

/// The first PE specification version defining this template OID (with or without file data).
pub fn since(oid: &str) -> Option<SpecVersion> {
    lookup(oid).map(|t| t.since).or_else(|| {
        WITHOUT_DATA
            .iter()
            .find(|(o, _, _)| *o == oid)
            .map(|(_, _, v)| *v)
    })
}

/// The template with this dotted OID.
pub fn lookup(oid: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.oid == oid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn template_files_are_fields_of_their_pe_type() {
        for t in TEMPLATES {
            let (_, ty) = crate::schema::PROFILE_ELEMENT
                .fields()
                .iter()
                .map(|f| (f.name, f.ty))
                .find(|(n, _)| *n == t.pe)
                .unwrap_or_else(|| panic!("{}: no PE {}", t.oid, t.pe));
            let mut seen = HashSet::new();
            for f in t.files {
                assert!(
                    ty.field(f.name).is_some(),
                    "{} {}: {} not in {}",
                    t.oid,
                    t.name,
                    f.name,
                    ty.name
                );
                assert!(seen.insert(f.name), "{}: {} twice", t.oid, f.name);
                if let Some(p) = f.parent {
                    let pf = t.file(p).unwrap_or_else(|| panic!("{}: parent {p}", t.oid));
                    assert!(pf.kind.is_dir());
                }
            }
        }
    }

    #[test]
    fn fids_are_unique_within_a_df() {
        for t in TEMPLATES {
            let root = t.root().map(|r| r.name);
            let mut seen: HashSet<(Option<&str>, u16)> = HashSet::new();
            for f in t.files.iter().filter(|f| Some(f.name) != root) {
                let Some(fid) = f.fid else { continue };
                for fid in fid..fid + f.fid_choices {
                    assert!(
                        seen.insert((f.parent, fid)),
                        "{} {}: FID {fid:04X} twice ({})",
                        t.oid,
                        t.name,
                        f.name
                    );
                }
            }
        }
    }

    #[test]
    fn registry_lookup_and_priority() {
        assert_eq!(
            lookup("2.23.143.1.2.4.2")
                .unwrap()
                .file("ef-ust")
                .unwrap()
                .layout,
            Layout::Bytes(Some(17))
        );
        assert_eq!(
            lookup("2.23.143.1.2.4")
                .unwrap()
                .file("ef-ust")
                .unwrap()
                .layout,
            Layout::Bytes(Some(14))
        );
        assert!(lookup("2.23.143.1.2.99").is_none());
        assert!(recognised_without_data("2.23.143.1.2.10").is_some());
        let oids: HashSet<_> = TEMPLATES.iter().map(|t| t.oid).collect();
        assert_eq!(oids.len(), TEMPLATES.len());
        for t in TEMPLATES {
            assert!(recognised_without_data(t.oid).is_none());
            assert_eq!(
                t.created_by_default,
                t.root().is_some_and(|r| r.kind == FileKind::Adf) || t.oid == "2.23.143.1.2.1"
            );
        }
    }

    #[test]
    fn new_templates_extend_their_predecessors() {
        let same = |a: &TemplateFile, b: &TemplateFile| a == b;
        // .5.3 = .5.2 plus EF.eAKA.
        let (v2, v3) = (
            lookup("2.23.143.1.2.5.2").unwrap(),
            lookup("2.23.143.1.2.5.3").unwrap(),
        );
        assert_eq!(v3.files.len(), v2.files.len() + 1);
        assert!(v2
            .files
            .iter()
            .all(|f| v3.file(f.name).is_some_and(|g| same(f, g))));
        let eaka = v3.file("ef-eaka").unwrap();
        assert_eq!(
            (eaka.fid, eaka.layout, eaka.arr),
            (Some(0x6F01), Layout::Bytes(Some(1)), Some(3))
        );
        assert!(eaka.content_required && v2.file("ef-eaka").is_none());
        // .13.4 = .13.3 with another Routing Indicator default plus seven EFs.
        let (v3, v4) = (
            lookup("2.23.143.1.2.13.3").unwrap(),
            lookup("2.23.143.1.2.13.4").unwrap(),
        );
        assert_eq!(v4.files.len(), v3.files.len() + 7);
        for f in v3.files {
            let g = v4.file(f.name).unwrap();
            assert_eq!(same(f, g), f.name != "ef-routing-indicator", "{}", f.name);
        }
        let ri = v4
            .file("ef-routing-indicator")
            .unwrap()
            .default
            .render(4)
            .unwrap();
        assert_eq!(ri, [0xF0, 0xFF, 0x00, 0x00]);
        assert_eq!(v4.root().unwrap().fid, Some(0x5FC0));
        let sor = v4.file("ef-sor-cmci").unwrap();
        assert_eq!((sor.layout, sor.params), (Layout::Bytes(None), SIZE));
        // DF.SNPN and DF.5GProSe under ADF.USIM, with the TS 31.102 DF FIDs.
        let snpn = lookup("2.23.143.1.2.15").unwrap();
        assert_eq!(
            (snpn.root().unwrap().fid, snpn.base),
            (Some(0x5FE0), Base::Adf("usim"))
        );
        let prose = lookup("2.23.143.1.2.16").unwrap();
        assert_eq!(prose.root().unwrap().fid, Some(0x5FF0));
        let sizes: Vec<_> = prose.files[1..].iter().map(|f| f.layout).collect();
        let want = [1, 26, 12, 32, 29, 32].map(|n| Layout::Bytes(Some(n)));
        assert_eq!(sizes, want);
        assert!(prose.files[1..]
            .iter()
            .all(|f| f.content_required && f.sfi.is_some()));
    }

    #[test]
    fn every_template_oid_has_a_since_version() {
        let all = [
            "1", "2", "3", "3.2", "3.3", "4", "4.2", "5", "5.2", "5.3", "5.4", "6", "7", "8", "9",
            "9.2", "9.3", "10", "10.2", "11", "11.2", "12", "13", "13.2", "13.3", "13.4", "14",
            "15", "15.2", "16", "16.2", "17", "18", "19",
        ];
        for o in all {
            let oid = format!("2.23.143.1.2.{o}");
            let known = lookup(&oid).is_some() || recognised_without_data(&oid).is_some();
            assert!(known, "{oid} unknown");
            let v = since(&oid).unwrap_or_else(|| panic!("{oid}: no since"));
            // A version suffix is never older than its base template.
            if let Some((base, _)) = o.split_once('.') {
                assert!(
                    v >= since(&format!("2.23.143.1.2.{base}")).unwrap(),
                    "{oid}"
                );
                assert!(v >= SpecVersion::new(3, 1), "{oid}");
            }
        }
        assert_eq!(since("2.23.143.1.2.12"), Some(SpecVersion::new(2, 2)));
        assert_eq!(since("2.23.143.1.2.13"), Some(SpecVersion::new(2, 3)));
        assert_eq!(since("2.23.143.1.2.5.3"), Some(SpecVersion::new(3, 3)));
        assert_eq!(since("2.23.143.1.2.10.2"), Some(SpecVersion::new(3, 1)));
        assert_eq!(since("2.23.143.1.2.99"), None);
        assert_eq!(SpecVersion::new(3, 3).to_string(), "3.3");
    }

    #[test]
    fn csim_and_iot_have_no_file_data() {
        // No source transcribes them (module doc); PEs using them expand from explicit FCPs.
        for oid in ["10", "10.2", "11", "11.2", "17", "18"] {
            let oid = format!("2.23.143.1.2.{oid}");
            assert!(lookup(&oid).is_none() && recognised_without_data(&oid).is_some());
        }
    }

    #[test]
    fn default_patterns_render() {
        let keys = lookup("2.23.143.1.2.4").unwrap().file("ef-keys").unwrap();
        let v = keys.default.render(33).unwrap();
        assert_eq!(v[0], 0x07);
        assert!(v[1..].iter().all(|&b| b == 0xFF));
        let loci = lookup("2.23.143.1.2.4").unwrap().file("ef-loci").unwrap();
        assert_eq!(
            hex::encode_upper(loci.default.render(11).unwrap()),
            "FFFFFFFFFFFFFF0000FF01"
        );
        let ad = lookup("2.23.143.1.2.4").unwrap().file("ef-ad").unwrap();
        assert_eq!(ad.default.render(4).unwrap(), [0, 0, 0, 2]);
    }
}
