//! The ICS (implementation conformance statement, DESIGN §5): what the vendor declares about the
//! DUT — its role, endpoints, PKI and options. `applies_if` expressions are evaluated over the
//! options; [`template`] writes a commented file for a role.
//!
//! Every option is declared in [`OPTIONS`] with its type and default, so a typo in an ICS is a
//! load error naming the key, not a silently inapplicable case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::applies::{OptionValue, Options};

/// The DUT's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Euicc,
    Smdp,
    Smds,
    Lpa,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Euicc, Role::Smdp, Role::Smds, Role::Lpa];

    pub fn name(self) -> &'static str {
        match self {
            Role::Euicc => "euicc",
            Role::Smdp => "smdp",
            Role::Smds => "smds",
            Role::Lpa => "lpa",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }
}

/// An option's type and default.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool(bool),
    Text(&'static str),
    Int(i64),
}

/// One declarable option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub name: &'static str,
    /// Roles whose ICS template shows it (any role may declare it).
    pub roles: &'static [Role],
    pub kind: Kind,
    pub description: &'static str,
}

const ALL_ROLES: &[Role] = &Role::ALL;
const SERVERS: &[Role] = &[Role::Smdp, Role::Smds];
const CARD: &[Role] = &[Role::Euicc];

/// Every option an ICS may declare.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "curve.nist",
        roles: ALL_ROLES,
        kind: Kind::Bool(true),
        description: "NIST P-256 certificates and signatures",
    },
    OptionSpec {
        name: "curve.brp",
        roles: ALL_ROLES,
        kind: Kind::Bool(false),
        description: "brainpoolP256r1 certificates and signatures",
    },
    OptionSpec {
        name: "svn",
        roles: ALL_ROLES,
        kind: Kind::Text("2.2.2"),
        description: "SGP.22 version implemented (major.minor.revision)",
    },
    OptionSpec {
        name: "cc",
        roles: &[Role::Smdp, Role::Lpa],
        kind: Kind::Bool(true),
        description: "confirmation codes",
    },
    OptionSpec {
        name: "es2plus",
        roles: &[Role::Smdp],
        kind: Kind::Bool(false),
        description: "ES2+ reachable by rspcheck's operator simulator (else: pre-provisioned activation codes)",
    },
    OptionSpec {
        name: "asn1_binding",
        roles: &[Role::Smdp],
        kind: Kind::Bool(false),
        description: "the ES9+ ASN.1 binding (/gsma/rsp2/asn1)",
    },
    OptionSpec {
        name: "smds",
        roles: &[Role::Smdp, Role::Lpa],
        kind: Kind::Bool(false),
        description: "SM-DS use case (ES12 registration by the SM-DP+, discovery by the LPA)",
    },
    OptionSpec {
        name: "default_smdp",
        roles: &[Role::Smdp, Role::Euicc, Role::Lpa],
        kind: Kind::Bool(true),
        description: "default SM-DP+ use case",
    },
    OptionSpec {
        name: "replace_session_keys",
        roles: &[Role::Smdp, Role::Euicc],
        kind: Kind::Bool(false),
        description: "BPPs with ReplaceSessionKeys",
    },
    OptionSpec {
        name: "production",
        roles: &[Role::Smdp],
        kind: Kind::Bool(false),
        description: "configured for production: eUICCs chaining to the GSMA test CIs are refused \
                      (the self-test's reference SM-DP+ switches to it per case)",
    },
    OptionSpec {
        name: "ber_tlv",
        roles: CARD,
        kind: Kind::Bool(false),
        description: "BER-TLV files in profiles",
    },
    OptionSpec {
        name: "test_profiles",
        roles: CARD,
        kind: Kind::Bool(true),
        description: "test profiles (profileClass test)",
    },
    OptionSpec {
        name: "lpae",
        roles: CARD,
        kind: Kind::Bool(false),
        description: "LPA in the eUICC",
    },
    OptionSpec {
        name: "crl",
        roles: CARD,
        kind: Kind::Bool(false),
        description: "LoadCRL",
    },
    OptionSpec {
        name: "max_profiles",
        roles: CARD,
        kind: Kind::Int(8),
        description: "profiles the eUICC can hold",
    },
    OptionSpec {
        name: "production_pki",
        roles: SERVERS,
        kind: Kind::Bool(false),
        description: "configured for production: test certificates must be refused",
    },
];

/// `[endpoints]`: how rspcheck reaches the DUT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    /// SM-DP+ or SM-DS base address (`host[:port]`).
    pub server: Option<String>,
    /// ES2+ base URL of an SM-DP+ DUT.
    pub es2plus: Option<String>,
    /// ES12 listener of an SM-DS DUT (`host:port`, mutual TLS), when not on `server`.
    pub es12: Option<String>,
    /// PC/SC reader of an eUICC DUT.
    pub reader: Option<String>,
    /// LPA DUT: the command that downloads, with the placeholders of [`crate::lpa_command`]
    /// (`{activation_code}`, `{confirmation_code}`, `{smdp}`, `{smdp_resolve}`, `{card}` …).
    pub lpa_command: Option<String>,
    /// LPA DUT: the command that downloads from the eUICC's default SM-DP+.
    pub lpa_command_default: Option<String>,
    /// LPA DUT: the command that asks the root SM-DS for events and downloads each.
    pub lpa_command_discover: Option<String>,
    /// LPA DUT: the command that sends the pending notifications.
    pub lpa_command_notifications: Option<String>,
    /// SM-DP+ DUT: ICCIDs of its inventory that rspcheck may order through ES2+ (each order
    /// consumes one; a run takes them in order).
    #[serde(default)]
    pub iccids: Vec<String>,
}

/// `[pki]`: trust anchors and certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkiSection {
    /// A folder in the SGP.26 layout (default: the generated test PKI).
    pub dir: Option<PathBuf>,
    /// Extra trusted CI certificates (DER or PEM).
    #[serde(default)]
    pub ci: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    role: Role,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    endpoints: Endpoints,
    #[serde(default)]
    pki: PkiSection,
    #[serde(default)]
    options: toml::Table,
}

/// A loaded ICS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ics {
    pub role: Role,
    pub name: Option<String>,
    pub endpoints: Endpoints,
    pub pki: PkiSection,
    /// Every known option, declared or defaulted.
    pub options: Options,
}

/// Why an ICS cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IcsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Syntax { path: String, detail: String },
    #[error("{path}: unknown option {key:?} (see `rspcheck ics template`)")]
    UnknownOption { path: String, key: String },
    #[error("{path}: option {key:?} must be {expected}")]
    WrongType {
        path: String,
        key: String,
        expected: &'static str,
    },
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, toml::Value>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            other => {
                out.insert(key, other.clone());
            }
        }
    }
}

impl Ics {
    /// An ICS with every option at its default.
    pub fn defaults(role: Role) -> Ics {
        Ics {
            role,
            name: None,
            endpoints: Endpoints::default(),
            pki: PkiSection::default(),
            options: OPTIONS
                .iter()
                .map(|o| {
                    let v = match o.kind {
                        Kind::Bool(b) => OptionValue::Bool(b),
                        Kind::Text(t) => OptionValue::Text(t.to_owned()),
                        Kind::Int(i) => OptionValue::Int(i),
                    };
                    (o.name.to_owned(), v)
                })
                .collect(),
        }
    }

    pub fn parse(text: &str, path: &str) -> Result<Ics, IcsError> {
        let raw: Raw = toml::from_str(text).map_err(|e| IcsError::Syntax {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        let mut ics = Ics::defaults(raw.role);
        ics.name = raw.name;
        ics.endpoints = raw.endpoints;
        ics.pki = raw.pki;
        let mut flat = BTreeMap::new();
        flatten("", &raw.options, &mut flat);
        for (key, value) in flat {
            let spec =
                OPTIONS
                    .iter()
                    .find(|o| o.name == key)
                    .ok_or_else(|| IcsError::UnknownOption {
                        path: path.to_owned(),
                        key: key.clone(),
                    })?;
            let wrong = |expected| IcsError::WrongType {
                path: path.to_owned(),
                key: key.clone(),
                expected,
            };
            let v = match (spec.kind, value) {
                (Kind::Bool(_), toml::Value::Boolean(b)) => OptionValue::Bool(b),
                (Kind::Bool(_), _) => return Err(wrong("true or false")),
                (Kind::Text(_), toml::Value::String(s)) => OptionValue::Text(s),
                (Kind::Text(_), _) => return Err(wrong("a string")),
                (Kind::Int(_), toml::Value::Integer(i)) => OptionValue::Int(i),
                (Kind::Int(_), _) => return Err(wrong("an integer")),
            };
            ics.options.insert(key, v);
        }
        Ok(ics)
    }

    pub fn load(path: &Path) -> Result<Ics, IcsError> {
        let text = std::fs::read_to_string(path).map_err(|source| IcsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ics::parse(&text, &path.display().to_string())
    }
}

fn toml_value(kind: Kind) -> String {
    match kind {
        Kind::Bool(b) => b.to_string(),
        Kind::Text(t) => format!("{t:?}"),
        Kind::Int(i) => i.to_string(),
    }
}

/// A commented ICS for `role`, every option at its default (it loads as it is).
pub fn template(role: Role) -> String {
    let mut out = String::new();
    out.push_str("# rspcheck ICS: what the device under test implements. Cases whose applies_if\n");
    out.push_str("# is false under these options are reported not-applicable, with the reason.\n");
    out.push_str(&format!("role = \"{}\"\n", role.name()));
    out.push_str("# name = \"Vendor product 1.0\"\n\n[endpoints]\n");
    match role {
        Role::Euicc => out.push_str("# reader = \"Virtual PCD 00 00\"   # PC/SC reader name\n"),
        Role::Smdp => out.push_str(
            "# server = \"smdp.example.com:443\"\n# es2plus = \"https://smdp.example.com:8443\"\n\
             # iccids = [\"89999000000000000018\"]   # inventory rspcheck may order through ES2+\n",
        ),
        Role::Smds => out.push_str(
            "# server = \"smds.example.com:443\"     # ES11\n# es12 = \"smds.example.com:8444\"      # ES12 (mutual TLS), when separate\n",
        ),
        Role::Lpa => out.push_str(
            "# lpa_command = \"lpa-tool --card {card} --resolve {smdp_resolve} download -a {activation_code}\"\n\
             # lpa_command_default = \"lpa-tool --card {card} --resolve {smdp_resolve} download --default\"\n\
             # lpa_command_discover = \"lpa-tool --card {card} --resolve {smds_resolve} discover --download\"\n\
             # lpa_command_notifications = \"lpa-tool --card {card} --resolve {smdp_resolve} notifications\"\n",
        ),
    }
    out.push_str(
        "\n[pki]\n# dir = \"../shared/vectors/sgp26\"   # default: a generated test PKI\n",
    );
    out.push_str("# ci = [\"ci.der\"]\n\n[options]\n");
    for o in OPTIONS.iter().filter(|o| o.roles.contains(&role)) {
        out.push_str(&format!(
            "{:<24} # {}\n",
            format!("\"{}\" = {}", o.name, toml_value(o.kind)),
            o.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applies::Expr;

    #[test]
    fn every_template_loads_and_equals_the_defaults() {
        for role in Role::ALL {
            let text = template(role);
            let ics =
                Ics::parse(&text, "template").unwrap_or_else(|e| panic!("{role:?}: {e}\n{text}"));
            assert_eq!(ics, Ics::defaults(role));
        }
    }

    #[test]
    fn nested_and_dotted_options_are_read_and_typos_refused() {
        let ics = Ics::parse(
            "role = \"smdp\"\n[options]\ncurve = { brp = true }\nes2plus = true\n",
            "a.toml",
        )
        .unwrap();
        assert!(Expr::parse("curve.brp and es2plus and curve.nist")
            .unwrap()
            .eval(&ics.options)
            .unwrap());
        let e = Ics::parse("role = \"smdp\"\n[options]\nes2pluss = true\n", "a.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.toml: unknown option \"es2pluss\" (see `rspcheck ics template`)"
        );
        let e = Ics::parse("role = \"smdp\"\n[options]\ncc = \"yes\"\n", "a.toml").unwrap_err();
        assert_eq!(e.to_string(), "a.toml: option \"cc\" must be true or false");
        assert!(Ics::parse("role = \"modem\"\n", "a.toml").is_err());
    }
}
