//! Scenario files (DESIGN §4): `suites/<role>/<function-group>.toml`, each a group of cases.
//!
//! ```toml
//! dut = "smdp"                      # the role under test
//! interface = "ES9+"
//! group = "InitiateAuthentication"
//! tags = ["es9"]
//!
//! [[case]]
//! id = "SMDP.ES9.InitiateAuthentication.01"
//! sgp23 = "4.3.12.2.1 TC_SM-DP+_ES9+.InitiateAuthenticationNIST #01"
//! refs = ["SGP.22 5.6.1"]
//! title = "Nominal InitiateAuthentication"
//! applies_if = "curve.nist"
//!
//! [[case.step]]
//! do = "smdp.order"
//! with = { profile = "minimal-milenage" }
//!
//! [[case.step]]
//! do = "lpa.download"
//! with = { until = "initiate_authentication" }
//! mutate = [{ op = "json_remove", on = "initiateAuthentication", key = "euiccInfo1" }]
//! expect = { status = "8.1.1/2.2" }
//! ```
//!
//! Unknown keys, unknown actions, arguments an action does not take, and mutation paths that
//! cannot exist in the schema are load errors naming the file and line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rsp_codec::schema::{self, Kind, TypeDef};
use serde::Deserialize;

use crate::actions::{self, ArgKind};
use crate::applies::Expr;
use crate::ics::Role;

/// Largest scenario file read (a suite is text a person writes).
const MAX_FILE: u64 = 4 * 1024 * 1024;

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {detail}")]
    Invalid {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("{path}: larger than {MAX_FILE} bytes")]
    TooLarge { path: PathBuf },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    dut: String,
    interface: String,
    group: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    case: Vec<toml::Spanned<CaseDoc>>,
    /// Cases generated from profiles and their variants ([`crate::compat`]).
    #[serde(default)]
    matrix: Vec<toml::Spanned<MatrixDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixDoc {
    profiles: Vec<String>,
    /// Reference eUICC personalities to run the matrix under (default: the eUICC as it is).
    #[serde(default)]
    personalities: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseDoc {
    id: String,
    #[serde(default)]
    sgp23: Option<String>,
    #[serde(default)]
    refs: Vec<String>,
    title: String,
    #[serde(default)]
    applies_if: Option<toml::Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    /// Guard timeout of this case (seconds), overriding the run's.
    #[serde(default)]
    timeout: Option<u64>,
    /// The curve the roles use in this case: `nist` (default) or `brp`.
    #[serde(default)]
    curve: Option<String>,
    /// The reference SM-DP+ adds ReplaceSessionKeys to its BPPs.
    #[serde(default)]
    rsk: bool,
    /// The reference eUICC's personality (`conforming`, `svn-2.2`, `legacy-v2.0` …); a case
    /// that sets one does not apply to a DUT card.
    #[serde(default)]
    personality: Option<String>,
    /// The certificate set of the case's world: `generated` (default) or `sgp26` (the GSMA
    /// test certificates from ../shared/vectors; reference roles only).
    #[serde(default)]
    pki: Option<String>,
    /// The reference SM-DP+ is configured for production: it does not accept eUICCs chaining
    /// to a GSMA test CI (SGP.26). Against an SM-DP+ under test: `applies_if = "production"`.
    #[serde(default)]
    production: bool,
    /// The reference SM-DP+ presents a TLS certificate the LPA must refuse: `unknown_ca`,
    /// `expired` or `wrong_name`.
    #[serde(default)]
    smdp_tls: Option<String>,
    /// The ES9+ binding rspcheck's LPA uses: `json` (default) or `asn1`.
    #[serde(default)]
    binding: Option<String>,
    /// What goes wrong in the field if the DUT fails the case (required in `security` files).
    #[serde(default)]
    risk: Option<String>,
    #[serde(default)]
    step: Vec<toml::Spanned<StepDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepDoc {
    #[serde(rename = "do")]
    action: toml::Spanned<String>,
    #[serde(default, rename = "with")]
    args: Option<toml::Spanned<toml::Table>>,
    #[serde(default)]
    mutate: Vec<toml::Spanned<Mutation>>,
    #[serde(default)]
    expect: Option<toml::Spanned<Expect>>,
    /// Save facts the step observed as variables: `{ var = "fact" }`.
    #[serde(default)]
    save: BTreeMap<String, String>,
}

/// A change to the message a step sends (DESIGN §4's mutation vocabulary).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    pub op: MutationOp,
    /// The function whose outgoing message it changes (`AuthenticateServer`,
    /// `authenticateClient`, …); default: every message of the step.
    #[serde(default)]
    pub on: Option<String>,
    /// For ES9+/ES11 JSON: the base64 field holding the DER the path points into.
    #[serde(default)]
    pub field: Option<String>,
    /// Codec path, led by the ASN.1 type name (`AuthenticateServerRequest.serverSigned1.…`).
    #[serde(default)]
    pub path: Option<String>,
    /// JSON key for `json_set` / `json_remove`.
    #[serde(default)]
    pub key: Option<String>,
    /// Content bytes (set), a whole TLV (insert, replace), or a whole message (raw), as hex.
    #[serde(default)]
    pub hex: Option<String>,
    #[serde(default)]
    pub int: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
    /// A JSON value for `json_set`.
    #[serde(default)]
    pub value: Option<toml::Value>,
    /// For `replace_cert`: `pki:<entry>` (e.g. `pki:dp_pb`, `pki:eum`) or a DER file relative
    /// to the vectors folder (`sgp26/invalid/…`).
    #[serde(default)]
    pub cert: Option<String>,
    /// For `truncate`: bytes kept.
    #[serde(default)]
    pub keep: Option<usize>,
    /// For `fuzz`: `der:<strategy>` (an ES10 request), `json:<strategy>` (an ES9+/ES11 body),
    /// `piece:<strategy>` (the LoadBoundProfilePackage pieces) or `patch` (see
    /// [`crate::fuzz::mutation`]).
    #[serde(default)]
    pub strategy: Option<String>,
    /// For `fuzz`: the mutation's seed (the same seed makes the same change).
    #[serde(default)]
    pub seed: Option<u64>,
    /// For `fuzz` with `strategy = "patch"`: `START:DELETE:HEX` applied to the message bytes
    /// (a minimized finding).
    #[serde(default)]
    pub patch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationOp {
    Set,
    Remove,
    Insert,
    CorruptSignature,
    ReplaceCert,
    Truncate,
    Raw,
    JsonSet,
    JsonRemove,
    /// Swap two of the LoadBoundProfilePackage pieces the LPA sends: `key` and `int` are their
    /// indexes (negative from the end).
    Swap,
    /// A live-fuzzing mutation: `strategy` and `seed` (or a `patch`), see [`crate::fuzz`].
    Fuzz,
}

/// What a step must observe. Every key given must match; no `expect` means success.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `success`, `failed` (any failure), or `SUBJECT/REASON` (e.g. `8.1.1/3.8`); `a|b`
    /// accepts either.
    #[serde(default)]
    pub status: Option<String>,
    /// ES10 result: `ok`, a name (`invalidSignature`, `a|b` for either) or a number.
    #[serde(default)]
    pub result: Option<toml::Value>,
    /// Profile installation result: `{ result = "error", bpp_command_id = 1, error_reason = 3 }`.
    #[serde(default)]
    pub pir: Option<PirExpect>,
    #[serde(default)]
    pub http_status: Option<u16>,
    /// ISO status word, hex (`6A88`); `X` matches any nibble, `a|b` accepts either (`6AXX|6700`).
    #[serde(default)]
    pub sw: Option<String>,
    /// Facts the step reported: `{ "profile.state" = "enabled", events = "1" }`.
    #[serde(default)]
    pub facts: BTreeMap<String, toml::Value>,
    /// The download's outcome: `installed`, `install_failed`, `cancelled:<reason>`,
    /// `ac_refused`, `confirmation_code_required`, `timeout`; `a|b` accepts either (two LPAs
    /// may refuse the same thing at different points).
    #[serde(default)]
    pub outcome: Option<String>,
    /// The DUT must not answer within this many milliseconds (a hang is the expected reaction).
    #[serde(default)]
    pub no_response_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PirExpect {
    /// `success` or `error`.
    pub result: String,
    #[serde(default)]
    pub bpp_command_id: Option<i64>,
    #[serde(default)]
    pub error_reason: Option<i64>,
    /// Any of these errorReasons (where the spec leaves the order of checks open, e.g. a
    /// signed field changed: its own error or invalidSignature).
    #[serde(default)]
    pub error_reasons: Vec<i64>,
    /// The first PEStatus in the simaResponse whose status is not ok (digest §7.5), e.g. 9
    /// template-not-supported.
    #[serde(default)]
    pub pe_status: Option<i64>,
}

/// One step of a case, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDef {
    pub action: String,
    pub args: toml::Table,
    pub mutate: Vec<Mutation>,
    pub expect: Option<Expect>,
    pub save: BTreeMap<String, String>,
    pub line: usize,
}

/// One case, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDef {
    pub id: String,
    pub title: String,
    pub dut: Role,
    pub interface: String,
    pub group: String,
    pub sgp23: Option<String>,
    pub refs: Vec<String>,
    pub tags: Vec<String>,
    pub applies_if: Option<(String, Expr)>,
    pub timeout: Option<u64>,
    pub curve: rsp_crypto::Curve,
    pub rsk: bool,
    pub personality: Option<rsp_euicc::Personality>,
    /// The case runs on the SGP.26 certificates.
    pub sgp26: bool,
    /// The reference SM-DP+ runs in production mode.
    pub production: bool,
    /// The risk a security case covers.
    pub risk: Option<String>,
    /// The reference SM-DP+'s TLS certificate is one an LPA must refuse.
    pub smdp_tls: Option<crate::world::BadTls>,
    /// Why the case cannot run anywhere (a generated case whose input file is missing).
    pub unavailable: Option<String>,
    /// rspcheck's LPA speaks the ES9+ ASN.1 binding.
    pub asn1_binding: bool,
    pub steps: Vec<StepDef>,
    /// `suites/<role>/<file>.toml:<line>`.
    pub source: String,
}

impl CaseDef {
    pub fn meta(&self) -> crate::journal::CaseMeta {
        crate::journal::CaseMeta {
            title: self.title.clone(),
            dut: self.dut.name().to_owned(),
            interface: self.interface.clone(),
            group: self.group.clone(),
            sgp23: self.sgp23.clone(),
            risk: self.risk.clone(),
            refs: self.refs.clone(),
            tags: self.tags.clone(),
            applies_if: self.applies_if.as_ref().map(|(t, _)| t.clone()),
            source: self.source.clone(),
        }
    }
}

/// Every case of a suites folder, in file and then declaration order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub cases: Vec<CaseDef>,
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

/// Parses one scenario file; `display` is the path shown in errors and sources. A `[[matrix]]`
/// takes its profiles from this source tree's `vectors/` and `../shared/vectors`.
pub fn parse_file(text: &str, display: &Path) -> Result<Vec<CaseDef>, LoadError> {
    let dirs = crate::compat::ProfileDirs {
        repo_vectors: crate::engine::repo_root().join("vectors"),
        shared_vectors: crate::engine::shared_vectors(),
    };
    parse_file_in(text, display, &dirs)
}

/// [`parse_file`] with the profile folders given.
pub fn parse_file_in(
    text: &str,
    display: &Path,
    dirs: &crate::compat::ProfileDirs,
) -> Result<Vec<CaseDef>, LoadError> {
    let invalid = |line: usize, detail: String| LoadError::Invalid {
        path: display.to_owned(),
        line,
        detail,
    };
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s)).unwrap_or(1);
        invalid(line, e.message().to_owned())
    })?;
    let dut = Role::parse(&doc.dut).ok_or_else(|| {
        invalid(
            1,
            format!("dut {:?}: give one of euicc, smdp, smds, lpa", doc.dut),
        )
    })?;
    let mut out = Vec::new();
    for spanned in doc.case {
        let case_line = line_of(text, spanned.span());
        let c = spanned.into_inner();
        if c.id.is_empty()
            || !c
                .id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "._-+".contains(ch))
        {
            return Err(invalid(
                case_line,
                format!("case id {:?}: letters, digits and . _ - + only", c.id),
            ));
        }
        let applies_if = match c.applies_if {
            Some(s) => {
                let line = line_of(text, s.span());
                let t = s.into_inner();
                let e = Expr::parse(&t).map_err(|e| invalid(line, format!("applies_if: {e}")))?;
                for name in e.options() {
                    if !crate::ics::OPTIONS.iter().any(|o| o.name == name) {
                        return Err(invalid(
                            line,
                            format!("applies_if: unknown ICS option {name:?}"),
                        ));
                    }
                }
                Some((t, e))
            }
            None => None,
        };
        let curve = match c.curve.as_deref() {
            None | Some("nist") => rsp_crypto::Curve::NistP256,
            Some("brp") => rsp_crypto::Curve::BrainpoolP256r1,
            Some(other) => return Err(invalid(case_line, format!("curve {other:?}: nist or brp"))),
        };
        let personality = match &c.personality {
            None => None,
            Some(name) => Some(
                rsp_euicc::Personality::ALL
                    .into_iter()
                    .find(|p| p.name() == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = rsp_euicc::Personality::ALL
                            .iter()
                            .map(|p| p.name())
                            .collect();
                        invalid(
                            case_line,
                            format!("personality {name:?}: one of {}", known.join(", ")),
                        )
                    })?,
            ),
        };
        let sgp26 = match c.pki.as_deref() {
            None | Some("generated") => false,
            Some("sgp26") => true,
            Some(other) => {
                return Err(invalid(
                    case_line,
                    format!("pki {other:?}: generated or sgp26"),
                ))
            }
        };
        if c.step.is_empty() {
            return Err(invalid(case_line, format!("case {}: no steps", c.id)));
        }
        let smdp_tls = match c.smdp_tls.as_deref() {
            None => None,
            Some(name) => Some(
                crate::world::BadTls::ALL
                    .into_iter()
                    .find(|b| b.name() == name)
                    .ok_or_else(|| {
                        invalid(
                            case_line,
                            format!("smdp_tls {name:?}: unknown_ca, expired or wrong_name"),
                        )
                    })?,
            ),
        };
        let asn1_binding = match c.binding.as_deref() {
            None | Some("json") => false,
            Some("asn1") => true,
            Some(other) => {
                return Err(invalid(
                    case_line,
                    format!("binding {other:?}: json or asn1"),
                ))
            }
        };
        let security = doc.tags.iter().chain(&c.tags).any(|t| t == "security");
        if security && c.risk.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(invalid(
                case_line,
                format!("case {}: a security case states its `risk`", c.id),
            ));
        }
        let mut steps = Vec::new();
        for s in c.step {
            let step_line = line_of(text, s.span());
            let s = s.into_inner();
            let action_line = line_of(text, s.action.span());
            let action = s.action.into_inner();
            let (args_line, args) = match s.args {
                Some(a) => (line_of(text, a.span()), a.into_inner()),
                None => (step_line, toml::Table::new()),
            };
            let spec = actions::spec(&action).ok_or_else(|| {
                invalid(
                    action_line,
                    format!(
                        "unknown action {action:?} (known: {})",
                        actions::names().join(", ")
                    ),
                )
            })?;
            for (k, v) in &args {
                let Some((_, kind, _)) = spec.args.iter().find(|(n, _, _)| n == k) else {
                    let known: Vec<&str> = spec.args.iter().map(|(n, _, _)| *n).collect();
                    return Err(invalid(
                        args_line,
                        format!(
                            "{action}: no argument {k:?} (takes: {})",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                };
                if !kind.accepts(v) {
                    return Err(invalid(
                        args_line,
                        format!("{action}: argument {k:?} must be {}", kind.describe()),
                    ));
                }
            }
            for (n, _, required) in spec.args {
                if *required && !args.contains_key(*n) {
                    return Err(invalid(
                        step_line,
                        format!("{action}: argument {n:?} is required"),
                    ));
                }
            }
            let mut mutate = Vec::new();
            for m in s.mutate {
                let line = line_of(text, m.span());
                let m = m.into_inner();
                if !spec.mutable {
                    return Err(invalid(
                        line,
                        format!("{action} sends nothing a mutation could change"),
                    ));
                }
                check_mutation(&m).map_err(|d| invalid(line, d))?;
                mutate.push(m);
            }
            let expect = match s.expect {
                Some(e) => {
                    let line = line_of(text, e.span());
                    let e = e.into_inner();
                    check_expect(&e).map_err(|d| invalid(line, d))?;
                    Some(e)
                }
                None => None,
            };
            steps.push(StepDef {
                action,
                args,
                mutate,
                expect,
                save: s.save,
                line: step_line,
            });
        }
        let mut tags = doc.tags.clone();
        tags.extend(c.tags);
        out.push(CaseDef {
            id: c.id,
            title: c.title,
            dut,
            interface: doc.interface.clone(),
            group: doc.group.clone(),
            sgp23: c.sgp23,
            refs: c.refs,
            tags,
            applies_if,
            timeout: c.timeout,
            curve,
            rsk: c.rsk,
            personality,
            sgp26,
            production: c.production,
            risk: c.risk,
            smdp_tls,
            unavailable: None,
            asn1_binding,
            steps,
            source: format!("{}:{case_line}", display.display()),
        });
    }
    for m in doc.matrix {
        let line = line_of(text, m.span());
        let m = m.into_inner();
        let base = CaseBase {
            dut,
            interface: doc.interface.clone(),
            group: doc.group.clone(),
            tags: doc.tags.clone(),
            source: format!("{}:{line}", display.display()),
        };
        let mut personalities = Vec::new();
        for name in &m.personalities {
            let p = rsp_euicc::Personality::ALL
                .into_iter()
                .find(|p| p.name() == name)
                .ok_or_else(|| invalid(line, format!("matrix: personality {name:?}")))?;
            personalities.push(Some(p));
        }
        if personalities.is_empty() {
            personalities.push(None);
        }
        for profile in &m.profiles {
            let path = dirs.path_of(profile);
            if let Err(e) = &path {
                if !e.contains("not there") {
                    return Err(invalid(line, format!("matrix: {e}")));
                }
            }
            for &p in &personalities {
                out.extend(matrix_cases(&base, profile, path.clone(), p));
            }
        }
    }
    Ok(out)
}

/// What the cases of one file share.
struct CaseBase {
    dut: Role,
    interface: String,
    group: String,
    tags: Vec<String>,
    source: String,
}

/// The cases of one profile of a `[[matrix]]`: its original and each variant, downloaded,
/// enabled and compared over the UICC interface; one unavailable case when it cannot be read.
fn matrix_cases(
    base: &CaseBase,
    profile: &str,
    path: Result<PathBuf, String>,
    personality: Option<rsp_euicc::Personality>,
) -> Vec<CaseDef> {
    let id = match personality {
        Some(p) => format!("{}.{}", p.name(), crate::compat::id_part(profile)),
        None => crate::compat::id_part(profile),
    };
    let case = |variant: &str, unavailable: Option<String>| {
        let step = |action: &str, args: toml::Table, expect: Option<Expect>| StepDef {
            action: action.into(),
            args,
            mutate: Vec::new(),
            expect,
            save: BTreeMap::new(),
            line: 0,
        };
        let mut order = toml::Table::new();
        order.insert("profile".into(), profile.into());
        order.insert("variant".into(), variant.into());
        let mut tags = base.tags.clone();
        tags.push(format!("variant:{variant}"));
        tags.push(format!("profile:{}", crate::compat::id_part(profile)));
        if let Some(p) = personality {
            tags.push(format!("personality:{}", p.name()));
        }
        CaseDef {
            id: format!("COMPAT.{id}.{variant}"),
            title: if variant == crate::compat::ORIGINAL {
                format!("{profile} as given installs, and its file system over the UICC interface is its expansion")
            } else {
                format!("{profile}, variant {variant}, installs, and its file system over the UICC interface is the original's expansion")
            },
            dut: base.dut,
            interface: base.interface.clone(),
            group: format!("{} {profile}", base.group),
            sgp23: None,
            refs: vec![
                "SGP.22 2.5.5".into(),
                "SAIP 3.3.1".into(),
                "digest §7.6".into(),
            ],
            tags,
            applies_if: None,
            timeout: None,
            curve: rsp_crypto::Curve::NistP256,
            rsk: false,
            personality,
            sgp26: false,
            production: false,
            risk: None,
            smdp_tls: None,
            unavailable,
            asn1_binding: false,
            steps: vec![
                step("smdp.order", order, None),
                step(
                    "lpa.download",
                    toml::Table::new(),
                    Some(Expect {
                        outcome: Some("installed".into()),
                        ..Expect::default()
                    }),
                ),
                step("es10.enable", toml::Table::new(), None),
                step(
                    "uicc.compare_fs",
                    toml::Table::new(),
                    Some(Expect {
                        facts: [("fs.identical".to_owned(), toml::Value::from("true"))].into(),
                        ..Expect::default()
                    }),
                ),
            ],
            source: base.source.clone(),
        }
    };
    match path.and_then(|p| crate::compat::variants_of(&p)) {
        Ok(variants) => variants.keys().map(|v| case(v, None)).collect(),
        Err(e) => vec![case(crate::compat::ORIGINAL, Some(e))],
    }
}

fn check_expect(e: &Expect) -> Result<(), String> {
    if let Some(s) = &e.status {
        let alternative_ok = |alt: &str| {
            matches!(alt, "success" | "failed")
                || alt.split_once('/').is_some_and(|(a, b)| {
                    let code =
                        |t: &str| !t.is_empty() && t.split('.').all(|p| p.parse::<u32>().is_ok());
                    code(a) && code(b)
                })
        };
        if !s.split('|').all(alternative_ok) {
            return Err(format!(
                "expect.status {s:?}: give success, failed or SUBJECT/REASON like 8.1.1/3.8 \
                 (alternatives separated by |)"
            ));
        }
    }
    if let Some(sw) = &e.sw {
        let pattern_ok = |p: &str| {
            p.len() == 4
                && p.chars()
                    .all(|c| c.is_ascii_hexdigit() || c == 'X' || c == 'x')
        };
        if !sw.split('|').all(pattern_ok) {
            return Err(format!(
                "expect.sw {sw:?}: four hex digits (X for any), alternatives separated by |, \
                 e.g. 9000 or 6AXX|6700"
            ));
        }
    }
    if let Some(p) = &e.pir {
        if p.result != "success" && p.result != "error" {
            return Err(format!(
                "expect.pir.result {:?}: success or error",
                p.result
            ));
        }
    }
    if let Some(r) = &e.result {
        if !(r.is_str() || r.is_integer()) {
            return Err("expect.result: a name (ok, invalidSignature …) or a number".into());
        }
    }
    Ok(())
}

/// Checks that a mutation is complete and that its path can exist in the schema.
fn check_mutation(m: &Mutation) -> Result<(), String> {
    use MutationOp as Op;
    let need = |what: &str, present: bool| {
        if present {
            Ok(())
        } else {
            Err(format!("mutation {:?} needs `{what}`", m.op))
        }
    };
    match m.op {
        Op::Set => {
            need("path", m.path.is_some())?;
            need(
                "hex, int or text",
                m.hex.is_some() || m.int.is_some() || m.text.is_some(),
            )?;
        }
        // A LoadBoundProfilePackage piece is removed by index (`key`), anything else by path.
        Op::Remove if m.key.is_some() && m.path.is_none() => {}
        Op::Remove | Op::CorruptSignature => need("path", m.path.is_some())?,
        Op::Swap => {
            need("key (a piece index)", m.key.is_some())?;
            need("int (the other piece index)", m.int.is_some())?;
        }
        Op::Insert => {
            need("path", m.path.is_some())?;
            need("hex (a whole TLV)", m.hex.is_some())?;
        }
        Op::ReplaceCert => {
            need("path", m.path.is_some())?;
            need("cert", m.cert.is_some())?;
        }
        Op::Truncate => need("keep", m.keep.is_some())?,
        Op::Raw => need("hex", m.hex.is_some())?,
        Op::JsonSet => {
            need("key", m.key.is_some())?;
            need("value", m.value.is_some())?;
        }
        Op::JsonRemove => need("key", m.key.is_some())?,
        Op::Fuzz => {
            need("on (the function)", m.on.is_some())?;
            need("strategy", m.strategy.is_some())?;
            if m.strategy.as_deref() == Some("patch") {
                need("patch", m.patch.is_some())?;
            }
        }
    }
    if let Some(h) = &m.hex {
        hex::decode(h.replace(' ', "")).map_err(|e| format!("mutation hex {h:?}: {e}"))?;
    }
    if let Some(p) = &m.path {
        check_path(p)?;
    }
    Ok(())
}

/// Walks a path through the schema without a message: every segment must name a field (or
/// an index of a SEQUENCE OF, or a `#TAG`).
pub fn check_path(path: &str) -> Result<(), String> {
    let mut segments = path.split('.');
    let first = segments.next().unwrap_or_default();
    let mut ty: &'static TypeDef = schema::lookup(first).ok_or_else(|| {
        format!("path {path:?}: the first segment must name an SGP.22 type (see `rspcheck types`)")
    })?;
    for seg in segments {
        let (name, indexed) = match seg.find('[') {
            Some(i) => (&seg[..i], true),
            None => (seg, false),
        };
        if name.starts_with('#') {
            // A tag reaches unknown fields: nothing to check below it.
            return Ok(());
        }
        let field = ty.field(name).ok_or_else(|| {
            let known: Vec<&str> = ty.fields().iter().map(|f| f.name).collect();
            format!(
                "path {path:?}: {} has no field {name:?} (fields: {})",
                ty.name,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        })?;
        ty = field.ty;
        if indexed {
            match ty.kind {
                Kind::SequenceOf { item, .. } => ty = item.ty,
                _ => return Err(format!("path {path:?}: {name} is not a SEQUENCE OF")),
            }
        }
    }
    Ok(())
}

/// Loads every `*.toml` under `dir` (one folder per role), sorted by path. Case ids must be
/// unique across the catalogue.
pub fn load_dir(dir: &Path) -> Result<Catalogue, LoadError> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut cases: Vec<CaseDef> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    // A suites folder beside a vectors folder (a source tree) takes its profiles from there.
    let beside = dir
        .parent()
        .map(|p| p.join("vectors"))
        .filter(|v| v.is_dir());
    let dirs = crate::compat::ProfileDirs {
        repo_vectors: beside.unwrap_or_else(|| crate::engine::repo_root().join("vectors")),
        shared_vectors: crate::engine::shared_vectors(),
    };
    for f in files {
        let io = |source| LoadError::Io {
            path: f.clone(),
            source,
        };
        let len = std::fs::metadata(&f).map_err(io)?.len();
        if len > MAX_FILE {
            return Err(LoadError::TooLarge { path: f });
        }
        let text = std::fs::read_to_string(&f).map_err(io)?;
        let display = f
            .strip_prefix(dir.parent().unwrap_or(Path::new("")))
            .unwrap_or(&f)
            .to_owned();
        for c in parse_file_in(&text, &display, &dirs)? {
            if let Some(first) = seen.get(&c.id) {
                let line = c
                    .source
                    .rsplit(':')
                    .next()
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(1);
                return Err(LoadError::Invalid {
                    path: display,
                    line,
                    detail: format!("case id {} is already used at {first}", c.id),
                });
            }
            seen.insert(c.id.clone(), c.source.clone());
            cases.push(c);
        }
    }
    Ok(Catalogue { cases })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| LoadError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

impl ArgKind {
    fn accepts(self, v: &toml::Value) -> bool {
        match self {
            ArgKind::Text => v.is_str(),
            ArgKind::Int => v.is_integer(),
            ArgKind::Bool => v.is_bool(),
            ArgKind::TextOrInt => v.is_str() || v.is_integer(),
            ArgKind::Table => v.is_table(),
            ArgKind::Any => true,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ArgKind::Text => "a string",
            ArgKind::Int => "an integer",
            ArgKind::Bool => "true or false",
            ArgKind::TextOrInt => "a string or an integer",
            ArgKind::Table => "a table",
            ArgKind::Any => "any value",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const GOOD: &str = r#"
dut = "smdp"
interface = "ES9+"
group = "InitiateAuthentication"

[[case]]
id = "SMDP.X.01"
title = "t"
applies_if = "curve.nist"

[[case.step]]
do = "smdp.order"
with = { profile = "minimal-milenage" }

[[case.step]]
do = "lpa.download"
with = { until = "initiate_authentication" }
mutate = [{ op = "json_remove", on = "initiateAuthentication", key = "euiccInfo1" }]
expect = { status = "8.1.1/2.2" }
"#;

    #[test]
    fn a_good_file_loads_with_sources_and_lines() {
        let cases = parse_file(GOOD, Path::new("suites/smdp/x.toml")).unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].source, "suites/smdp/x.toml:6");
        assert_eq!(cases[0].steps.len(), 2);
        assert_eq!(cases[0].steps[1].line, 15);
        assert_eq!(cases[0].dut, Role::Smdp);
    }

    #[rstest]
    #[case::unknown_key(
        "title = \"t\"",
        "title = \"t\"\ncolour = 1",
        9,
        "unknown field `colour`"
    )]
    #[case::unknown_action(
        "do = \"smdp.order\"",
        "do = \"smdp.ordr\"",
        12,
        "unknown action \"smdp.ordr\""
    )]
    #[case::bad_arg(
        "{ profile = \"minimal-milenage\" }",
        "{ profil = 1 }",
        13,
        "no argument \"profil\""
    )]
    #[case::bad_expect("8.1.1/2.2", "eight", 19, "expect.status")]
    #[case::bad_alternative("8.1.1/2.2", "8.1.1/2.2|eight", 19, "expect.status")]
    #[case::security_without_risk(
        "title = \"t\"",
        "title = \"t\"\ntags = [\"security\"]",
        6,
        "risk"
    )]
    #[case::bad_smdp_tls(
        "title = \"t\"",
        "title = \"t\"\nsmdp_tls = \"self_signed\"",
        6,
        "smdp_tls"
    )]
    #[case::bad_option("curve.nist", "curve.nistt", 9, "unknown ICS option")]
    #[case::bad_path(
        "op = \"json_remove\", on = \"initiateAuthentication\", key = \"euiccInfo1\"",
        "op = \"remove\", path = \"AuthenticateServerRequest.serverSigned1.nope\"",
        18,
        "has no field \"nope\""
    )]
    fn load_errors_name_the_line(
        #[case] from: &str,
        #[case] to: &str,
        #[case] line: usize,
        #[case] detail: &str,
    ) {
        let text = GOOD.replacen(from, to, 1);
        let e = parse_file(&text, Path::new("f.toml")).unwrap_err();
        let LoadError::Invalid {
            line: l, detail: d, ..
        } = &e
        else {
            panic!("{e}")
        };
        assert!(d.contains(detail), "{d}");
        assert_eq!(*l, line, "{e}");
    }

    #[test]
    fn paths_are_checked_against_the_schema() {
        check_path("AuthenticateServerRequest.serverSigned1.serverAddress").unwrap();
        check_path("AuthenticateServerRequest.#80").unwrap();
        assert!(check_path("NoSuchType.x").is_err());
    }
}
