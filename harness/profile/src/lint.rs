//! The profile-package linter: structure, header/service consistency and known interop
//! pitfalls of a [`ProfilePackage`] (digest §7.1–§7.6), as a list of [`Finding`]s.
//!
//! Rules come from three sources: the structure checks of pysim's SAIP validator (header first,
//! MF second, end last, unique identifications, occurrence limits, ordering dependencies,
//! mandatory-service dependencies, `File` element shape), the schema itself
//! ([`ProfilePackage::validate`]) and the interop failure patterns of digest §7.6. Every finding
//! names its rule by a stable id (`SAIP-STRUCT-001`), so reports and CI filters can rely on it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rsp_codec::der;
use rsp_codec::named::{Node, SchemaErrorKind};
use rsp_codec::schema::TypeDef;
use rsp_codec::tlv::{Tag, Tlv};
use serde::{Serialize, Serializer};

use crate::package::{HeaderView, PeKind, ProfileElement, ProfilePackage};
use crate::schema;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a defect.
    Info,
    /// Valid by the PE specification but known to fail on some eUICCs, or inconsistent.
    Warning,
    /// The package breaks a rule of the PE specification; expect installation to fail.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $sev:ident, $title:literal; )*) => {
        /// A lint rule. Its [`RuleId::id`] string is stable across releases.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $( $(#[$doc])* $variant, )*
        }

        impl RuleId {
            /// Every rule, in id order.
            pub const ALL: &'static [RuleId] = &[$( RuleId::$variant, )*];

            /// The stable id (`SAIP-STRUCT-001`).
            pub fn id(self) -> &'static str {
                match self { $( RuleId::$variant => $id, )* }
            }

            /// The severity findings of this rule carry.
            pub fn severity(self) -> Severity {
                match self { $( RuleId::$variant => Severity::$sev, )* }
            }

            /// One-line title.
            pub fn title(self) -> &'static str {
                match self { $( RuleId::$variant => $title, )* }
            }

            /// The rule with this id string.
            pub fn from_id(id: &str) -> Option<RuleId> {
                RuleId::ALL.iter().copied().find(|r| r.id() == id)
            }
        }
    };
}

rules! {
    /// The first PE is not the ProfileHeader (or there is none).
    HeaderFirst = "SAIP-STRUCT-001", Error, "ProfileHeader must be the first PE";
    /// The last PE is not PE-End.
    EndLast = "SAIP-STRUCT-002", Error, "PE-End must be the last PE";
    /// The second PE is not PE-MF (permitted via genericFileManagement, but unusual).
    MfSecond = "SAIP-STRUCT-003", Warning, "PE-MF should be the second PE";
    /// Two PEs share an identification value.
    DuplicateIdentification = "SAIP-STRUCT-004", Error, "PE identification values must be unique";
    /// More than one header/end/mf/cd/telecom/usim/isim/csim/opt-*/df-saip/df-5gs PE.
    MultipleOccurrence = "SAIP-STRUCT-005", Error, "PE kind may occur at most once";
    /// An optional PE without (or before) the PE it depends on.
    OrderDependency = "SAIP-STRUCT-006", Error, "PE must follow the PE it depends on";
    /// A schema violation reported by `ProfilePackage::validate`.
    SchemaViolation = "SAIP-SCHEMA-001", Error, "PE does not match PEDefinitions";
    /// A field not described by PEDefinitions v3.3.1 (kept, re-emitted).
    UnknownField = "SAIP-SCHEMA-002", Info, "unknown field in a known PE";
    /// A PE of an unknown kind, not mandated.
    UnknownPe = "SAIP-PE-001", Info, "unknown PE kind (eUICC may skip it)";
    /// A PE of an unknown kind with `mandated` set.
    UnknownMandatedPe = "SAIP-PE-002", Error, "unknown PE kind marked mandated";
    /// A `File` element breaks the doNotCreate / fileDescriptor shape rules.
    FileStructure = "SAIP-FILE-001", Error, "malformed File element";
    /// A mandatory service (usim/isim/csim) is listed but its PE is missing.
    ServiceWithoutPe = "SAIP-SVC-001", Error, "mandatory service listed without its PE";
    /// A usim/isim/csim PE is present but the service is not listed.
    PeWithoutService = "SAIP-SVC-002", Warning, "application PE present without its mandatory service";
    /// An akaParameter uses an algorithm whose service is not listed.
    AlgorithmNotListed = "SAIP-SVC-003", Warning, "authentication algorithm used but not listed as mandatory service";
    /// An algorithm service is listed but no akaParameter uses it.
    AlgorithmListedUnused = "SAIP-SVC-004", Info, "algorithm service listed but not used";
    /// BER-TLV files are created but the ber-tlv service is not listed.
    BerTlvNotListed = "SAIP-SVC-005", Warning, "BER-TLV files without the ber-tlv mandatory service";
    /// ber-tlv is listed but no BER-TLV file is visible in the package.
    BerTlvListedUnused = "SAIP-SVC-006", Info, "ber-tlv service listed but no BER-TLV file visible";
    /// A service is listed that depends on another service which is not listed.
    ServiceDependency = "SAIP-SVC-007", Error, "mandatory service depends on a service that is not listed";
    /// A mandated application / eap / cdmaParameter PE whose service (javacard or multos, eap,
    /// cave) is not listed.
    FeatureWithoutService = "SAIP-SVC-008", Warning, "mandated PE needs a service that is not listed";
    /// The header ICCID coding (plain or nibble-swapped) relative to EF.ICCID.
    IccidCoding = "SAIP-HDR-001", Info, "header ICCID coding";
    /// The header ICCID matches EF.ICCID in neither coding.
    IccidMismatch = "SAIP-HDR-002", Warning, "header ICCID does not match EF.ICCID";
    /// A mandated template-based PE whose template is not in eUICC-Mandatory-GFSTEList.
    TemplateNotListed = "SAIP-HDR-003", Warning, "mandated PE's template not in eUICC-Mandatory-GFSTEList";
    /// efFileSize encoded in a single octet (some v2.0 eUICCs expect at least 2).
    /// K or OPc/TOPc of a length the algorithm cannot use.
    AkaKeyLength = "SAIP-AKA-001", Error, "key or OPc length does not fit the algorithm";
    EfFileSizeOneOctet = "SAIP-COMPAT-001", Warning, "efFileSize encoded in one octet";
    /// proprietaryEFInfo overridden on a template EF with a default pattern, pattern not restated.
    ProprietaryInfoWithoutPattern = "SAIP-COMPAT-002", Warning, "proprietaryEFInfo overrides the template fill/repeat pattern";
    /// SD openPersoData / catTpParameters (new in v2.2).
    SdV22Fields = "SAIP-COMPAT-003", Warning, "securityDomain uses fields new in SAIP v2.2";
    /// USIM test algorithm with a 32- or 64-bit RES.
    TestAlgorithmShortRes = "SAIP-COMPAT-004", Warning, "USIM test algorithm with 32/64-bit RES";
    /// 19-digit ICCID.
    Iccid19Digits = "SAIP-COMPAT-005", Warning, "19-digit ICCID";
    /// A template OID with a version suffix (`.4.2`, `.13.4`); a warning when the template is
    /// newer than the PE version the header declares.
    VersionedTemplate = "SAIP-COMPAT-006", Info, "versioned template OID";
    /// DEFAULT parameters omitted where eUICCs are reported to misbehave.
    OmittedDefault = "SAIP-COMPAT-007", Info, "DEFAULT parameters omitted";
    /// A base (unversioned) template introduced after the PE version the header declares
    /// (e.g. DF.5GS under a v2.1 header). Versioned OIDs are SAIP-COMPAT-006's.
    TemplateNewerThanHeader = "SAIP-COMPAT-008", Warning, "template newer than the declared PE version";
    /// A created-by-default template PE leaves template files out (neither listed nor
    /// `doNotCreate`): the eUICC must create them from the template.
    ReliesOnDefaultCreation = "SAIP-COMPAT-009", Info, "files left to default creation";
    /// Listed files with no content and no fill/repeat pattern whose template has default
    /// content: the eUICC must supply it.
    ReliesOnTemplateContent = "SAIP-COMPAT-010", Info, "content left to the template default";
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// Position of the PE in the package (`None` for package-level findings).
    pub pe_index: Option<usize>,
    /// The PE kind (`usim`, `unknown(BF30)`).
    pub pe_kind: Option<String>,
    /// `PEHeader.identification` of the PE.
    pub identification: Option<u16>,
    /// Schema path inside the PE (`usim.ef-imsi[0].fileDescriptor.efFileSize`).
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What a profile engineer should do about it.
    pub explanation: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity, self.rule)?;
        if let Some(i) = self.pe_index {
            write!(f, " pe[{i}]")?;
            if let Some(k) = &self.pe_kind {
                write!(f, " {k}")?;
            }
            if let Some(id) = self.identification {
                write!(f, "(id {id})")?;
            }
        }
        if let Some(p) = &self.path {
            write!(f, " {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The findings as a JSON array (stable field names; `rule` is the id string).
pub fn to_json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).expect("findings serialize")
}

/// The highest severity among `findings`.
pub fn max_severity(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// PE kinds that may occur at most once (pysim `check_number_of_occurrence`, plus header/mf).
const AT_MOST_ONCE: &[&str] = &[
    "header", "mf", "end", "cd", "telecom", "usim", "isim", "csim", "opt-usim", "opt-isim",
    "opt-csim", "df-saip", "df-5gs",
];

/// (dependent PE, PE it must follow).
const ORDER_DEPS: &[(&str, &str)] = &[
    ("opt-usim", "usim"),
    ("phonebook", "usim"),
    ("gsm-access", "usim"),
    ("df-5gs", "usim"),
    ("df-saip", "usim"),
    ("opt-isim", "isim"),
    ("opt-csim", "csim"),
];

/// (service, services of which at least one must also be listed) — pysim
/// `check_mandatory_services`.
const SERVICE_DEPS: &[(&str, &[&str])] = &[
    ("gba-usim", &["usim"]),
    ("gba-isim", &["isim"]),
    ("multiple-usim", &["usim"]),
    ("multiple-isim", &["isim"]),
    ("multiple-csim", &["csim"]),
    ("get-identity", &["usim", "isim"]),
    ("profile-a-x25519", &["usim", "isim"]),
    ("profile-b-p256", &["usim", "isim"]),
];

/// Explanation of SAIP-COMPAT-007.
const OMITTED_DEFAULT_EXPLANATION: &str = "Correct as is: DER requires leaving out a value equal \
     to its DEFAULT. Some eUICCs are reported (digest §7.6, unconfirmed) to fail PEs that rely on \
     defaults; if a target eUICC is known to, encode these values explicitly for it.";

/// Template OID prefix (`2.23.143.1.2.`).
const TEMPLATE_PREFIX: &str = "2.23.143.1.2.";

/// Lints a package. Findings are ordered by PE (package-level ones first), then by rule.
pub fn lint(pkg: &ProfilePackage) -> Vec<Finding> {
    let mut cx = Cx {
        pkg,
        out: Vec::new(),
    };
    cx.structure();
    cx.schema();
    cx.files();
    let header = pkg.header();
    if let Some(h) = &header {
        cx.services(h);
        cx.iccid(h);
    }
    cx.compat();
    let mut out = cx.out;
    out.sort_by_key(|f| (f.pe_index.map_or(0, |i| i + 1), f.rule));
    out
}

struct Cx<'a> {
    pkg: &'a ProfilePackage,
    out: Vec<Finding>,
}

impl Cx<'_> {
    fn push(
        &mut self,
        rule: RuleId,
        pe: Option<usize>,
        path: Option<String>,
        message: impl Into<String>,
        explanation: impl Into<String>,
    ) {
        self.push_sev(rule, rule.severity(), pe, path, message, explanation);
    }

    fn push_sev(
        &mut self,
        rule: RuleId,
        severity: Severity,
        pe: Option<usize>,
        path: Option<String>,
        message: impl Into<String>,
        explanation: impl Into<String>,
    ) {
        let p = pe.and_then(|i| self.pkg.get(i));
        self.out.push(Finding {
            rule,
            severity,
            pe_index: pe,
            pe_kind: p.map(|p| p.kind().to_string()),
            identification: p.and_then(ProfileElement::identification),
            path,
            message: message.into(),
            explanation: explanation.into(),
        });
    }

    fn first(&self, kind: &str) -> Option<usize> {
        self.pkg.by_kind(kind).next().map(|(i, _)| i)
    }

    // ------------------------------------------------------------ structure

    fn structure(&mut self) {
        let kinds = self.pkg.kinds();
        match kinds.first() {
            None => {
                self.push(
                    RuleId::HeaderFirst,
                    None,
                    None,
                    "the package holds no PE",
                    "A profile package is a ProfileHeader, the PEs, then PE-End.",
                );
                return;
            }
            Some(k) if *k != "header" => {
                let msg = match self.first("header") {
                    Some(i) => format!("first PE is {k}; the ProfileHeader is at pe[{i}]"),
                    None => format!("first PE is {k} and there is no ProfileHeader"),
                };
                self.push(
                    RuleId::HeaderFirst,
                    Some(0),
                    None,
                    msg,
                    "Move (or add) the ProfileHeader to the start of the package; eUICCs read \
                     the version, ICCID and mandatory services from it before any other PE.",
                );
            }
            _ => {}
        }
        let last = kinds.len() - 1;
        if kinds[last] != "end" {
            let msg = match self.first("end") {
                Some(i) => format!("last PE is {}; PE-End is at pe[{i}]", kinds[last]),
                None => format!("last PE is {} and there is no PE-End", kinds[last]),
            };
            self.push(
                RuleId::EndLast,
                Some(last),
                None,
                msg,
                "Finish the package with exactly one PE-End; the eUICC completes installation \
                 only on it and rejects PEs after it.",
            );
        }
        if kinds.len() > 1 && kinds[1] != "mf" {
            let msg = match self.first("mf") {
                Some(i) => format!("second PE is {}; PE-MF is at pe[{i}]", kinds[1]),
                None => format!(
                    "second PE is {} and there is no PE-MF (MF via genericFileManagement?)",
                    kinds[1]
                ),
            };
            self.push(
                RuleId::MfSecond,
                Some(1),
                None,
                msg,
                "Put PE-MF directly after the header. Creating the MF another way is permitted \
                 but rarely tested; most tools (pysim) and many eUICCs expect PE-MF second.",
            );
        }
        // Identifications.
        let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            if let Some(id) = pe.identification() {
                if let Some(&first) = seen.get(&id) {
                    self.push(
                        RuleId::DuplicateIdentification,
                        Some(i),
                        None,
                        format!("identification {id} already used by pe[{first}]"),
                        "Give every PE a distinct PEHeader.identification: the eUICC reports \
                         install results (PEStatus) by identification, so duplicates make \
                         failures unattributable and some eUICCs reject them.",
                    );
                } else {
                    seen.insert(id, i);
                }
            }
        }
        // Occurrence limits.
        for kind in AT_MOST_ONCE {
            let idx: Vec<usize> = self.pkg.by_kind(kind).map(|(i, _)| i).collect();
            for &i in idx.iter().skip(1) {
                self.push(
                    RuleId::MultipleOccurrence,
                    Some(i),
                    None,
                    format!("another {kind} PE (first at pe[{}])", idx[0]),
                    format!(
                        "Keep a single {kind} PE; merge the file definitions into it. A second \
                         one would create the same files or application twice."
                    ),
                );
            }
        }
        // Ordering dependencies.
        for (dep, after) in ORDER_DEPS {
            let base = self.first(after);
            let deps: Vec<usize> = self.pkg.by_kind(dep).map(|(i, _)| i).collect();
            for i in deps {
                let msg = match base {
                    None => format!("{dep} without a {after} PE"),
                    Some(b) if b > i => format!("{dep} before the {after} PE (pe[{b}])"),
                    Some(_) => continue,
                };
                self.push(
                    RuleId::OrderDependency,
                    Some(i),
                    None,
                    msg,
                    format!(
                        "{dep} creates files inside the {after} application: place it after the \
                         {after} PE (and add that PE if it is missing)."
                    ),
                );
            }
        }
    }

    // ------------------------------------------------------------ schema, unknown PEs

    fn schema(&mut self) {
        for e in self.pkg.validate() {
            // The root-level "unknown alternative" of an unknown PE is SAIP-PE-00x.
            let unknown_pe = !e.kind.is_known()
                && (e.error.path.is_empty()
                    || matches!(
                        e.error.kind,
                        SchemaErrorKind::UnknownAlternative { .. }
                            | SchemaErrorKind::WrongTag { .. }
                    ));
            if unknown_pe {
                continue; // reported as SAIP-PE-00x
            }
            self.push(
                RuleId::SchemaViolation,
                Some(e.index),
                Some(e.error.path.clone()),
                e.error.kind.to_string(),
                "Fix the encoding to match PEDefinitions: eUICCs decode PEs strictly and answer \
                 a malformed PE with bad-values / invalid-request-format.",
            );
        }
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            match pe.kind() {
                PeKind::Unknown(tag) => {
                    if pe.mandated() {
                        self.push(
                            RuleId::UnknownMandatedPe,
                            Some(i),
                            None,
                            format!("PE with unknown tag {tag} is marked mandated"),
                            "An eUICC that does not know this PE must reject the whole profile \
                             (pe-not-supported). Drop `mandated` if the PE is optional, or make \
                             sure target eUICCs support it.",
                        );
                    } else {
                        self.push(
                            RuleId::UnknownPe,
                            Some(i),
                            None,
                            format!("PE with unknown tag {tag}"),
                            "Not in PEDefinitions v3.3.1; eUICCs that do not know it skip it \
                             (not mandated). Check it is intended.",
                        );
                    }
                }
                PeKind::Known(_) => {
                    for p in pe.unknown_fields() {
                        self.push(
                            RuleId::UnknownField,
                            Some(i),
                            Some(p),
                            "field not described by PEDefinitions v3.3.1",
                            "Extension fields are allowed, but older eUICCs may reject them; \
                             make sure the target eUICC version knows the field.",
                        );
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------ File elements

    fn files(&mut self) {
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            if !is_file_pe(pe) {
                continue;
            }
            let decoded = pe.message().named();
            let mut hits: Vec<(String, String)> = Vec::new();
            walk_pe(&decoded.root, &mut |path, n| {
                if !is_type(n, &schema::FILE) {
                    return;
                }
                let items: Vec<&str> = n
                    .children
                    .iter()
                    .map(|it| it.children.first().map_or("?", |c| &*c.name))
                    .collect();
                let fds = items.iter().filter(|k| **k == "fileDescriptor").count();
                let msg = if items.contains(&"doNotCreate") && items.len() != 1 {
                    Some("doNotCreate must be the only element of the File")
                } else if fds > 1 {
                    Some("more than one fileDescriptor in the File")
                } else if fds == 1 && items[0] != "fileDescriptor" {
                    Some("fileDescriptor must be the first element of the File")
                } else {
                    None
                };
                if let Some(m) = msg {
                    hits.push((path.to_owned(), m.to_owned()));
                }
            });
            for (path, m) in hits {
                self.push(
                    RuleId::FileStructure,
                    Some(i),
                    Some(path),
                    m,
                    "A File is [fileDescriptor] then fillFileOffset/fillFileContent operations, \
                     or doNotCreate alone (PE spec §8.3). Reorder or split the elements.",
                );
            }
        }
    }

    // ------------------------------------------------------------ services

    fn services(&mut self, h: &HeaderView) {
        let hdr = self.first("header");
        let listed: BTreeSet<&str> = h.mandatory_services.iter().map(String::as_str).collect();
        for app in ["usim", "isim", "csim"] {
            let pe = self.first(app);
            match (listed.contains(app), pe) {
                (true, None) => self.push(
                    RuleId::ServiceWithoutPe,
                    hdr,
                    Some("header.eUICC-Mandatory-services".into()),
                    format!("mandatory service {app} listed but there is no {app} PE"),
                    format!(
                        "Either add the {app} PE or remove {app} from eUICC-Mandatory-services \
                         (it needlessly narrows the eligible eUICCs)."
                    ),
                ),
                (false, Some(i)) => self.push(
                    RuleId::PeWithoutService,
                    Some(i),
                    None,
                    format!("{app} PE present but {app} is not a mandatory service"),
                    format!(
                        "List {app} in eUICC-Mandatory-services so the SM-DP+/LPA eligibility \
                         check rejects eUICCs without {app} before download instead of failing \
                         at installation."
                    ),
                ),
                _ => {}
            }
        }
        for (svc, needs) in SERVICE_DEPS {
            if listed.contains(svc) && !needs.iter().any(|n| listed.contains(n)) {
                self.push(
                    RuleId::ServiceDependency,
                    hdr,
                    Some("header.eUICC-Mandatory-services".into()),
                    format!("{svc} listed without {}", needs.join(" or ")),
                    format!(
                        "{svc} only makes sense with {}: add it (and its PE) or drop {svc}.",
                        needs.join(" or ")
                    ),
                );
            }
        }
        self.feature_services(&listed);
        self.gfste_list(h);
        // Algorithms.
        let mut used: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (i, pe) in self.pkg.by_kind("akaParameter") {
            if let Some(a) = aka_algorithm(pe) {
                used.entry(a.service()).or_insert(i);
            }
        }
        for (svc, i) in &used {
            if !listed.contains(svc) {
                self.push(
                    RuleId::AlgorithmNotListed,
                    Some(*i),
                    None,
                    format!("akaParameter uses {svc} but it is not a mandatory service"),
                    format!(
                        "List {svc} in eUICC-Mandatory-services; otherwise an eUICC without it \
                         accepts the download and fails installing the akaParameter."
                    ),
                );
            }
        }
        for svc in ["milenage", "tuak128", "tuak256", "usim-test-algorithm"] {
            if listed.contains(svc) && !used.contains_key(svc) {
                self.push(
                    RuleId::AlgorithmListedUnused,
                    hdr,
                    Some("header.eUICC-Mandatory-services".into()),
                    format!("{svc} listed but no akaParameter uses it"),
                    format!(
                        "Drop {svc} from eUICC-Mandatory-services unless an application needs \
                         it; listing it excludes eUICCs without it."
                    ),
                );
            }
        }
        // BER-TLV files.
        let bt = self.ber_tlv_files();
        match (listed.contains("ber-tlv"), bt.first()) {
            (false, Some((i, path))) => self.push(
                RuleId::BerTlvNotListed,
                Some(*i),
                Some(path.clone()),
                format!(
                    "{} BER-TLV file(s) created (fileDescriptor type 39) but ber-tlv is not a \
                     mandatory service",
                    bt.len()
                ),
                "List ber-tlv in eUICC-Mandatory-services, or use a profile variant without \
                 BER-TLV files for eUICCs that lack them (cf. TS.48 NoBERTLV).",
            ),
            (true, None) => self.push(
                RuleId::BerTlvListedUnused,
                hdr,
                Some("header.eUICC-Mandatory-services".into()),
                "ber-tlv listed but no PE creates a BER-TLV file",
                "Drop ber-tlv from the mandatory services unless a template creates BER-TLV \
                 files by default (not visible to this check).",
            ),
            _ => {}
        }
    }

    /// (PE index, path) of every Fcp (file PEs and genericFileManagement) with FDB type 0x39.
    fn ber_tlv_files(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            let decoded = pe.message().named();
            walk_pe(&decoded.root, &mut |path, n| {
                if is_type(n, &schema::FCP) {
                    let fdb = n
                        .get("fileDescriptor")
                        .and_then(|d| d.tlv.content())
                        .and_then(|c| c.first().copied());
                    if fdb.is_some_and(|b| b & 0xBF == 0x39) {
                        out.push((i, path.to_owned()));
                    }
                }
            });
        }
        out
    }

    // ------------------------------------------------------------ ICCID

    /// A mandated PE the eUICC must process needs its feature: an application (a load block or
    /// instances) needs javacard or multos, an eap PE eap, a cdmaParameter cave. The mapping is
    /// the one pySim uses to rebuild the services list; javacard vs multos cannot be told from
    /// the PE, so either satisfies it.
    fn feature_services(&mut self, listed: &BTreeSet<&str>) {
        const FEATURES: &[(&str, &[&str])] = &[
            ("application", &["javacard", "multos"]),
            ("eap", &["eap"]),
            ("cdmaParameter", &["cave"]),
        ];
        for (kind, services) in FEATURES {
            let Some(i) = self
                .pkg
                .by_kind(kind)
                .find(|(_, pe)| pe.mandated())
                .map(|(i, _)| i)
            else {
                continue;
            };
            if services.iter().any(|s| listed.contains(s)) {
                continue;
            }
            let wanted = services.join(" or ");
            self.push(
                RuleId::FeatureWithoutService,
                Some(i),
                None,
                format!("mandated {kind} PE but {wanted} is not a mandatory service"),
                format!(
                    "List {wanted} in eUICC-Mandatory-services: the eUICC must process this PE, \
                     and without the service the eligibility check lets an eUICC lacking it \
                     download a profile it then fails to install."
                ),
            );
        }
    }

    /// Every mandated template-based PE's template belongs in eUICC-Mandatory-GFSTEList, so
    /// eligibility checks see what the eUICC must support (pySim rebuilds the list this way).
    fn gfste_list(&mut self, h: &HeaderView) {
        let mut missing: Vec<(usize, String)> = Vec::new();
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            if !pe.mandated() {
                continue;
            }
            if let Some(tid) = pe.template_id() {
                if !h.gfste_list.contains(&tid) && !missing.iter().any(|(_, t)| *t == tid) {
                    missing.push((i, tid));
                }
            }
        }
        for (i, tid) in missing {
            let kind = self
                .pkg
                .get(i)
                .map(|pe| pe.kind().to_string())
                .unwrap_or_default();
            self.push(
                RuleId::TemplateNotListed,
                Some(i),
                Some(format!("{kind}.templateID")),
                format!(
                    "mandated {kind} uses template {tid}, which eUICC-Mandatory-GFSTEList omits"
                ),
                "Add the template OID to eUICC-Mandatory-GFSTEList: the eUICC must support it to \
                 install this mandated PE, and the list is what tells an SM-DP+ or LPA so \
                 before the download.",
            );
        }
    }

    fn iccid(&mut self, h: &HeaderView) {
        let hdr = self.first("header");
        let Some(raw) = h.iccid.as_deref() else {
            return;
        };
        let header_hex = hex::encode_upper(raw);
        let ef = self.ef_iccid();
        // Digits as the header reads in plain order, and as EF.ICCID coding decodes them.
        let plain_digits = header_hex.trim_end_matches('F').to_owned();
        let swapped_digits = swap_nibbles(&header_hex).trim_end_matches('F').to_owned();
        let path = Some("header.iccid".to_owned());
        let digits = match &ef {
            Some((ef_idx, ef_path, content)) => {
                let ef_hex = hex::encode_upper(content);
                let ef_digits = swap_nibbles(&ef_hex).trim_end_matches('F').to_owned();
                let coding = if ef_hex == header_hex {
                    Some("nibble-swapped (EF.ICCID) coding")
                } else if swap_nibbles(&ef_hex) == header_hex {
                    Some("plain digit order")
                } else {
                    None
                };
                match coding {
                    Some(c) => self.push(
                        RuleId::IccidCoding,
                        hdr,
                        path,
                        format!(
                            "header iccid {header_hex} uses {c}; matches EF.ICCID {ef_hex} \
                             (ICCID {ef_digits})"
                        ),
                        "PE spec leaves the header coding ambiguous: TS.48 and the SIMalliance \
                         samples use plain order, RSP-level Iccid (StoreMetadata, ProfileInfo) \
                         uses EF.ICCID coding. Keep the header and EF.ICCID consistent and make \
                         sure the SM-DP+ converts for StoreMetadata.",
                    ),
                    None => self.push(
                        RuleId::IccidMismatch,
                        hdr,
                        path,
                        format!(
                            "header iccid {header_hex} matches EF.ICCID {ef_hex} (pe[{ef_idx}] \
                             {ef_path}, ICCID {ef_digits}) in neither plain nor nibble-swapped \
                             coding"
                        ),
                        "Set the header iccid to the EF.ICCID digits (plain order, as TS.48 \
                         does); a mismatch makes the installed ICCID differ from the one in \
                         metadata and notifications.",
                    ),
                }
                Some(ef_digits)
            }
            None => {
                self.push(
                    RuleId::IccidCoding,
                    hdr,
                    path,
                    format!(
                        "header iccid {header_hex} (plain order reads {plain_digits}, \
                         nibble-swapped reads {swapped_digits}); no EF.ICCID content in PE-MF \
                         to compare with"
                    ),
                    "EF.ICCID content could not be read from mf.ef-iccid; the header coding \
                     cannot be checked.",
                );
                if plain_digits.starts_with("89") {
                    Some(plain_digits)
                } else {
                    Some(swapped_digits)
                }
            }
        };
        if let Some(d) = digits {
            if d.len() == 19 {
                self.push(
                    RuleId::Iccid19Digits,
                    hdr,
                    Some("header.iccid".into()),
                    format!("ICCID {d} has 19 digits"),
                    "Support for 19-digit ICCIDs (with F padding) is only required from SGP.22 \
                     v2.2; older eUICCs/LPAs may mishandle them. Prefer 20-digit ICCIDs when \
                     targeting v2.0/v2.1 eUICCs.",
                );
            }
        }
    }

    /// (PE index, path, content) of EF.ICCID in PE-MF, when written at offset 0.
    fn ef_iccid(&self) -> Option<(usize, String, Vec<u8>)> {
        let (i, mf) = self.pkg.by_kind("mf").next()?;
        let decoded = mf.message().named();
        let alt = decoded.root.children.first()?;
        let file = alt.get("ef-iccid")?;
        let mut offset_seen = false;
        for item in &file.children {
            let Some(c) = item.children.first() else {
                continue;
            };
            match &*c.name {
                "fillFileOffset" => offset_seen = true,
                "fillFileContent" if !offset_seen => {
                    let path = format!("mf.ef-iccid[{}].fillFileContent", item.index?);
                    return Some((i, path, c.tlv.content()?.to_vec()));
                }
                _ => {}
            }
        }
        None
    }

    // ------------------------------------------------------------ compatibility

    fn compat(&mut self) {
        for (i, pe) in self.pkg.pes().iter().enumerate() {
            self.ef_file_size(i, pe);
            if is_file_pe(pe) {
                self.proprietary_info(i, pe);
                self.versioned_template(i, pe);
                self.template_reliance(i, pe);
            }
            match pe.kind() {
                k if k == "securityDomain" => self.sd_fields(i, pe),
                k if k == "akaParameter" => self.aka(i, pe),
                k if k == "pinCodes" || k == "pukCodes" => self.pin_defaults(i, pe),
                _ => {}
            }
        }
    }

    fn ef_file_size(&mut self, i: usize, pe: &ProfileElement) {
        let decoded = pe.message().named();
        let mut paths = Vec::new();
        walk_pe(&decoded.root, &mut |path, n| {
            if is_type(n, &schema::FCP) {
                if let Some(s) = n.get("efFileSize") {
                    if s.tlv.content().is_some_and(|c| c.len() == 1) {
                        paths.push(format!("{path}.efFileSize"));
                    }
                }
            }
        });
        if let Some(first) = paths.first() {
            let more = if paths.len() > 1 {
                format!(
                    " (and {} more: {})",
                    paths.len() - 1,
                    short_list(&paths[1..])
                )
            } else {
                String::new()
            };
            self.push(
                RuleId::EfFileSizeOneOctet,
                Some(i),
                Some(first.clone()),
                format!(
                    "{} efFileSize value(s) encoded in one octet{more}",
                    paths.len()
                ),
                "Minimal encoding is valid, but some SGP.22 v2.0 eUICCs reject an efFileSize \
                 shorter than 2 octets. Encode sizes as 2 octets (e.g. '0014') when targeting \
                 v2.0 eUICCs.",
            );
        }
    }

    fn proprietary_info(&mut self, i: usize, pe: &ProfileElement) {
        let Some(tid) = pe.template_id() else {
            return;
        };
        let decoded = pe.message().named();
        let Some(alt) = decoded.root.children.first() else {
            return;
        };
        let mut hits = Vec::new();
        for file in &alt.children {
            // Template EFs with a default content pattern (digest §7.3): overriding their
            // proprietaryEFInfo without restating the pattern is the ≤v2.2 pitfall.
            let Some(default) = crate::templates::lookup(&tid)
                .and_then(|t| t.file(&file.name))
                .map(|f| f.default)
                .filter(|d| *d != crate::templates::DefaultContent::None)
            else {
                continue;
            };
            for item in &file.children {
                let Some(fcp) = item.children.first().filter(|c| c.name == "fileDescriptor") else {
                    continue;
                };
                if let Some(pi) = fcp.get("proprietaryEFInfo") {
                    if pi.get("fillPattern").is_none() && pi.get("repeatPattern").is_none() {
                        hits.push((
                            format!(
                                "{}.{}[{}].fileDescriptor.proprietaryEFInfo",
                                alt.name,
                                file.name,
                                item.index.unwrap_or(0)
                            ),
                            file.name.to_string(),
                            default,
                        ));
                    }
                }
            }
        }
        for (path, name, default) in hits {
            self.push(
                RuleId::ProprietaryInfoWithoutPattern,
                Some(i),
                Some(path),
                format!(
                    "{name} overrides proprietaryEFInfo without fillPattern/repeatPattern \
                     (template default content {default})"
                ),
                "eUICCs up to v2.2 may drop the template's default pattern when \
                 proprietaryEFInfo is given; restate the template fill/repeat pattern in the \
                 override (or write the content explicitly).",
            );
        }
    }

    fn versioned_template(&mut self, i: usize, pe: &ProfileElement) {
        let Some(tid) = pe.template_id() else {
            return;
        };
        let Some(rest) = tid.strip_prefix(TEMPLATE_PREFIX) else {
            return;
        };
        if rest.split('.').count() < 2 {
            self.base_template_version(i, pe, &tid);
            return;
        }
        let header = self.pkg.header();
        let declared = header.as_ref().and_then(|h| h.version());
        let hv = header
            .map(|h| {
                format!(
                    "{}.{}",
                    h.major_version.unwrap_or(-1),
                    h.minor_version.unwrap_or(-1)
                )
            })
            .unwrap_or_else(|| "?".into());
        let since = crate::templates::since(&tid);
        // Newer than the declared version: an eUICC of that version cannot know the template.
        let newer = matches!((since, declared), (Some(s), Some(d)) if s > d);
        let since_text = since.map_or_else(|| "unknown version".to_owned(), |s| format!("PE v{s}"));
        let (severity, explanation) = if newer {
            (
                Severity::Warning,
                "The template was introduced after the PE specification version the header \
                 declares; an eUICC implementing only that version may answer \
                 template-not-supported. Raise the header version to the one the template \
                 needs, or use the base template with explicit files.",
            )
        } else {
            (
                RuleId::VersionedTemplate.severity(),
                "Versioned templates were added in later PE specification versions; eUICCs that \
                 only know an older version answer template-not-supported. Check that the target \
                 eUICCs support this template version (list it in eUICC-Mandatory-GFSTEList) or \
                 use the base template with explicit files.",
            )
        };
        self.push_sev(
            RuleId::VersionedTemplate,
            severity,
            Some(i),
            Some(format!("{}.templateID", pe.kind())),
            format!(
                "template {tid} is a versioned template (base {}, since {since_text}); header \
                 declares PE version {hv}{}",
                template_base(&tid),
                if newer {
                    ", older than the template"
                } else {
                    ""
                }
            ),
            explanation,
        );
    }

    /// SAIP-COMPAT-009/010: what the PE leaves to the template, which the field reports
    /// (digest §7.6, unconfirmed) say some eUICCs get wrong. `rspcheck profile variants` writes
    /// the explicit variant that spells it out.
    fn template_reliance(&mut self, i: usize, pe: &ProfileElement) {
        let Some(t) = pe
            .template_id()
            .and_then(|tid| crate::templates::lookup(&tid))
        else {
            return;
        };
        let Some(ty) = pe.schema() else {
            return;
        };
        let component = |name: &str| {
            ty.field(name)
                .and_then(|f| f.wire_tag())
                .and_then(|tag| pe.tlv().child(tag))
        };
        let root = t.root().map(|r| r.name);
        let mut omitted = Vec::new();
        let mut omitted_needing_content = 0;
        let mut defaulted = Vec::new();
        for f in t.files.iter().filter(|f| Some(f.name) != root) {
            match component(f.name) {
                None if t.created_by_default => {
                    omitted.push(f.label);
                    if f.content_required {
                        omitted_needing_content += 1;
                    }
                }
                Some(file)
                    if f.default != crate::templates::DefaultContent::None
                        && !f.kind.is_dir()
                        && !states_content(file) =>
                {
                    defaulted.push(f.label);
                }
                _ => {}
            }
        }
        let kind = pe.kind();
        if !omitted.is_empty() {
            self.push(
                RuleId::ReliesOnDefaultCreation,
                Some(i),
                Some(format!("{kind}")),
                format!(
                    "{} of {} template {} files not listed, left to default creation{}: {}",
                    omitted.len(),
                    t.name,
                    t.oid,
                    if omitted_needing_content > 0 {
                        format!(
                            " ({omitted_needing_content} of them need content from the profile)"
                        )
                    } else {
                        String::new()
                    },
                    shorten(&omitted)
                ),
                "A conforming eUICC creates every file of a created-by-default template that the \
                 PE does not list or mark doNotCreate. Some eUICCs are reported to skip or \
                 mis-create such files; the `explicit` variant of `rspcheck profile variants` \
                 lists them all, so the two can be tried against a card.",
            );
        }
        if !defaulted.is_empty() {
            self.push(
                RuleId::ReliesOnTemplateContent,
                Some(i),
                Some(format!("{kind}")),
                format!(
                    "{} listed files take their content from {} defaults: {}",
                    defaulted.len(),
                    t.name,
                    shorten(&defaulted)
                ),
                "These files state neither fillFileContent nor a fill/repeat pattern, so the \
                 eUICC must write the template's default content. The `explicit` variant writes \
                 the defaults out for cards that get them wrong.",
            );
        }
    }

    fn base_template_version(&mut self, i: usize, pe: &ProfileElement, tid: &str) {
        let declared = self.pkg.header().and_then(|h| h.version());
        let (Some(since), Some(declared)) = (crate::templates::since(tid), declared) else {
            return;
        };
        if since <= declared {
            return;
        }
        self.push(
            RuleId::TemplateNewerThanHeader,
            Some(i),
            Some(format!("{}.templateID", pe.kind())),
            format!(
                "template {tid} ({}) was introduced in PE v{since}; the header declares v{declared}",
                crate::templates::lookup(tid)
                    .map(|t| t.name)
                    .or_else(|| crate::templates::recognised_without_data(tid))
                    .unwrap_or("?")
            ),
            "An eUICC implementing only the declared PE version may not know this template and \
             answer template-not-supported (or pe-not-supported for the PE kind). Raise the \
             header version to the one the template needs, or leave the PE out for such eUICCs.",
        );
    }

    fn sd_fields(&mut self, i: usize, pe: &ProfileElement) {
        for field in ["openPersoData", "catTpParameters"] {
            let present = pe
                .schema()
                .and_then(|t| t.field(field))
                .and_then(|f| f.wire_tag())
                .is_some_and(|t| pe.tlv().child(t).is_some());
            if present {
                self.push(
                    RuleId::SdV22Fields,
                    Some(i),
                    Some(format!("securityDomain.{field}")),
                    format!("securityDomain carries {field} (added in PE v2.2)"),
                    "SGP.22 v2.0/v2.1 eUICCs reject this field; omit it (or ship a variant \
                     without it) when targeting them.",
                );
            }
        }
    }

    /// PE spec §8.4.2 (unconfirmed wording, from a third-party transcription of v3.4.1): K is 16
    /// bytes for MILENAGE and the test algorithm, 16 or 32 for TUAK; OPc is 16 bytes for
    /// MILENAGE, TOPc 32 for TUAK (TS 35.231: TOP is 256 bits whatever K's length); the test
    /// algorithm ignores OPc.
    fn aka_key_lengths(&mut self, i: usize, ap: &Node<'_>, algorithm: Option<i64>) {
        let (name, keys, opcs): (&str, &[usize], &[usize]) = match algorithm {
            Some(1) => ("milenage", &[16], &[16]),
            Some(2) => ("tuak", &[16, 32], &[32]),
            Some(3) => ("usim-test-algorithm", &[16], &[]),
            _ => return,
        };
        for (field, allowed) in [("key", keys), ("opc", opcs)] {
            let Some(len) = ap.get(field).and_then(|n| n.tlv.content()).map(<[u8]>::len) else {
                continue;
            };
            if allowed.is_empty() || allowed.contains(&len) {
                continue;
            }
            let want: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            self.push(
                RuleId::AkaKeyLength,
                Some(i),
                Some(format!(
                    "akaParameter.algoConfiguration.algoParameter.{field}"
                )),
                format!(
                    "{name} {field} of {len} bytes (must be {} bytes)",
                    want.join(" or ")
                ),
                "The eUICC cannot run the algorithm with this value and refuses the PE (or \
                 authenticates with a truncated or padded secret). Provision K and OPc/TOPc at \
                 the algorithm's lengths: MILENAGE K 16, OPc 16; TUAK K 16 or 32, TOPc 32; the \
                 test algorithm K 16.",
            );
        }
    }

    fn aka(&mut self, i: usize, pe: &ProfileElement) {
        let decoded = pe.message().named();
        let Some(alt) = decoded.root.children.first() else {
            return;
        };
        let algo = alt
            .get("algoConfiguration")
            .and_then(|c| c.children.first())
            .filter(|c| c.name == "algoParameter");
        if let Some(ap) = algo {
            let id = ap
                .get("algorithmID")
                .and_then(|n| n.tlv.content())
                .and_then(|c| der::decode_integer(c).ok());
            let opts = ap
                .get("algorithmOptions")
                .and_then(|n| n.tlv.content())
                .and_then(|c| c.first().copied());
            self.aka_key_lengths(i, ap, id);
            if let (Some(3), Some(o)) = (id, opts) {
                let bits = test_algorithm_res_bits(o);
                if bits <= 64 {
                    self.push(
                        RuleId::TestAlgorithmShortRes,
                        Some(i),
                        Some(
                            "akaParameter.algoConfiguration.algoParameter.algorithmOptions".into(),
                        ),
                        format!(
                            "usim-test-algorithm with algorithmOptions {o:02X} (RES {bits} bits)"
                        ),
                        "SGP.22 v2.1 eUICCs are reported to fail the USIM test algorithm with \
                         32/64-bit RES; use 128-bit RES (algorithmOptions coding as for TUAK \
                         RES length, bits b1-b3: 0=32, 1=64, 2=128, 3=256 — coding assumed).",
                    );
                }
            }
            let omitted = omitted_defaults(ap, &["rotationConstants", "xoringConstants"]);
            if !omitted.is_empty() && id == Some(1) {
                self.push(
                    RuleId::OmittedDefault,
                    Some(i),
                    Some("akaParameter.algoConfiguration.algoParameter".into()),
                    format!(
                        "Milenage DEFAULT parameters omitted: {}",
                        omitted.join(", ")
                    ),
                    OMITTED_DEFAULT_EXPLANATION,
                );
            }
        }
        let omitted = omitted_defaults(alt, &["sqnOptions", "sqnDelta", "sqnAgeLimit"]);
        if !omitted.is_empty() {
            self.push(
                RuleId::OmittedDefault,
                Some(i),
                Some("akaParameter".into()),
                format!("SQN DEFAULT parameters omitted: {}", omitted.join(", ")),
                OMITTED_DEFAULT_EXPLANATION,
            );
        }
    }

    fn pin_defaults(&mut self, i: usize, pe: &ProfileElement) {
        let decoded = pe.message().named();
        let mut hits = Vec::new();
        walk_pe(&decoded.root, &mut |path, n| {
            let fields: &[&str] = if is_type(n, &schema::PIN_CONFIGURATION) {
                &["pinAttributes", "maxNumOfAttemps-retryNumLeft"]
            } else if is_type(n, &schema::PUK_CONFIGURATION) {
                &["maxNumOfAttemps-retryNumLeft"]
            } else {
                return;
            };
            let o = omitted_defaults(n, fields);
            if !o.is_empty() {
                hits.push((path.to_owned(), o));
            }
        });
        if let Some((first, o)) = hits.first() {
            self.push(
                RuleId::OmittedDefault,
                Some(i),
                Some(first.clone()),
                format!(
                    "{} PIN/PUK configuration(s) omit DEFAULT {}",
                    hits.len(),
                    o.join(", ")
                ),
                OMITTED_DEFAULT_EXPLANATION,
            );
        }
    }
}

// ------------------------------------------------------------ helpers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Milenage,
    Tuak128,
    Tuak256,
    Test,
}

impl Algorithm {
    fn service(self) -> &'static str {
        match self {
            Algorithm::Milenage => "milenage",
            Algorithm::Tuak128 => "tuak128",
            Algorithm::Tuak256 => "tuak256",
            Algorithm::Test => "usim-test-algorithm",
        }
    }
}

/// The algorithm of an akaParameter PE's algoParameter (TUAK size from the key length).
fn aka_algorithm(pe: &ProfileElement) -> Option<Algorithm> {
    let decoded = pe.message().named();
    let ap = decoded
        .root
        .children
        .first()?
        .get("algoConfiguration")?
        .children
        .first()
        .filter(|c| c.name == "algoParameter")?;
    let id = der::decode_integer(ap.get("algorithmID")?.tlv.content()?).ok()?;
    let key_len = ap
        .get("key")
        .and_then(|k| k.tlv.content())
        .map_or(16, <[u8]>::len);
    match id {
        1 => Some(Algorithm::Milenage),
        2 if key_len == 32 => Some(Algorithm::Tuak256),
        2 => Some(Algorithm::Tuak128),
        3 => Some(Algorithm::Test),
        _ => None,
    }
}

/// RES length in bits from a test-algorithm algorithmOptions octet (assumed TUAK-style coding
/// in bits b1-b3: 0 = 32, 1 = 64, 2 = 128, 3 = 256).
fn test_algorithm_res_bits(options: u8) -> u32 {
    32 << (options & 0x07).min(3)
}

fn omitted_defaults(n: &Node<'_>, fields: &[&str]) -> Vec<&'static str> {
    let Some(ty) = n.ty else {
        return Vec::new();
    };
    ty.fields()
        .iter()
        .filter(|f| fields.contains(&f.name) && n.get(f.name).is_none())
        .map(|f| f.name)
        .collect()
}

fn is_file_pe(pe: &ProfileElement) -> bool {
    matches!(pe.kind(), PeKind::Known(k) if crate::schema::is_file_system_pe(k))
}

fn is_type(n: &Node<'_>, ty: &'static TypeDef) -> bool {
    n.ty.is_some_and(|t| std::ptr::eq(t, ty))
}

/// The template OID without a version suffix (`2.23.143.1.2.4.2` → `2.23.143.1.2.4`).
/// Whether a `File` element states its content: fillFileContent, doNotCreate (nothing to fill),
/// or a fill/repeat pattern in its FCP's proprietaryEFInfo.
fn states_content(file: &Tlv) -> bool {
    file.children()
        .iter()
        .any(|item| match item.tag().to_u32() {
            0x80 | 0x83 => true,
            // A component that holds several File instances.
            0x30 => states_content(item),
            0xA1 => item.child(Tag::of(0xA5)).is_some_and(|p| {
                p.child(Tag::of(0xC1)).is_some() || p.child(Tag::of(0xC2)).is_some()
            }),
            _ => false,
        })
}

/// Up to 8 names, then how many more.
fn shorten(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().copied().take(8).collect();
    match names.len().saturating_sub(8) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn template_base(oid: &str) -> &str {
    match oid.strip_prefix(TEMPLATE_PREFIX) {
        Some(rest) => match rest.find('.') {
            Some(dot) => &oid[..TEMPLATE_PREFIX.len() + dot],
            None => oid,
        },
        None => oid,
    }
}

fn swap_nibbles(hex: &str) -> String {
    let b = hex.as_bytes();
    b.chunks(2)
        .flat_map(|c| c.iter().rev())
        .map(|&c| c as char)
        .collect()
}

fn short_list(paths: &[String]) -> String {
    let mut s = paths.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if paths.len() > 3 {
        s.push_str(", …");
    }
    s
}

/// Walks the named tree of one PE, calling `f(path, node)` with paths relative to the PE
/// (`usim.ef-imsi[1].fillFileContent`), the same form as [`ProfileElement::schema_errors`].
fn walk_pe(root: &Node<'_>, f: &mut dyn FnMut(&str, &Node<'_>)) {
    // The root is the ProfileElement CHOICE; its one child is the alternative.
    let nodes: &[Node<'_>] = if root.children.len() == 1 && !root.children[0].unknown {
        &root.children
    } else {
        std::slice::from_ref(root)
    };
    for n in nodes {
        walk(n, &mut n.name.to_string(), f);
    }
}

fn walk(n: &Node<'_>, path: &mut String, f: &mut dyn FnMut(&str, &Node<'_>)) {
    f(path, n);
    for c in &n.children {
        let len = path.len();
        match c.index {
            Some(i) => path.push_str(&format!("[{i}]")),
            None => {
                path.push('.');
                path.push_str(&c.name);
            }
        }
        walk(c, path, f);
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_round_trip() {
        let ids: BTreeSet<&str> = RuleId::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), RuleId::ALL.len());
        for r in RuleId::ALL {
            assert_eq!(RuleId::from_id(r.id()), Some(*r));
            assert!(r.id().starts_with("SAIP-"));
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(swap_nibbles("8900012345"), "9800103254");
        assert_eq!(template_base("2.23.143.1.2.4.2"), "2.23.143.1.2.4");
        assert_eq!(template_base("2.23.143.1.2.13"), "2.23.143.1.2.13");
        assert_eq!(test_algorithm_res_bits(0x02), 128);
        assert_eq!(test_algorithm_res_bits(0x00), 32);
        assert_eq!(test_algorithm_res_bits(0x01), 64);
    }
}
