//! Configuration of the reference eUICC: what it reports (EUICCInfo1/2, addresses, ATR) and how
//! it behaves (personality, limits). Read from TOML; every field has a conforming default.

use std::fmt;

use rsp_codec::der::BitString;
use serde::{Deserialize, Serialize};

/// Why a configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config: {0}")]
    Toml(String),
    #[error("config field {field}: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
}

/// Named behaviour profiles that reproduce strict or legacy eUICCs (DESIGN §8, digest §7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Personality {
    /// Fully conforming SGP.22 v2.5 eUICC (the default).
    #[default]
    Conforming,
    /// SGP.22 v2.2.x card (SVN 2.2.2, SAIP 2.3).
    #[serde(rename = "svn-2.2")]
    Svn22,
    /// SGP.22 v2.3 card (SVN 2.3.0, SAIP 2.3.1).
    #[serde(rename = "svn-2.3")]
    Svn23,
    /// SGP.22 v2.5 card (SVN 2.5.0, SAIP 3.3.1) — same as `conforming`, named for ICS files.
    #[serde(rename = "svn-2.5")]
    Svn25,
    /// A SAIP v2.0 card: rejects one-octet efFileSize and securityDomain fields new in v2.2.
    #[serde(rename = "legacy-v2.0")]
    LegacyV20,
    /// Rejects versioned template OIDs (`.4.2`, `.13.4` …) as template-not-supported.
    NoTemplateV2,
    /// Rejects PEs that omit DEFAULT parameters.
    ExplicitDefaultsRequired,
    /// **Deliberately planted bug, for the live fuzzer's self-test only** (not in
    /// [`Personality::ALL`]): the card does not check the C-MAC of the third protected BPP
    /// segment of a session (session segment index 2, counting every 87/88/86 in order), so a
    /// BPP whose third segment has only its MAC damaged installs. Otherwise conforming.
    #[serde(rename = "planted-mac-blind-segment-3")]
    PlantedMacBlindSegment3,
}

impl Personality {
    /// Real-world behaviours (the compatibility matrix's `--personality all`).
    pub const ALL: [Personality; 7] = [
        Personality::Conforming,
        Personality::Svn22,
        Personality::Svn23,
        Personality::Svn25,
        Personality::LegacyV20,
        Personality::NoTemplateV2,
        Personality::ExplicitDefaultsRequired,
    ];

    /// Deliberately planted bugs, for the fuzzer's self-test; kept out of [`Personality::ALL`].
    pub const PLANTED: [Personality; 1] = [Personality::PlantedMacBlindSegment3];

    pub fn name(self) -> &'static str {
        match self {
            Personality::Conforming => "conforming",
            Personality::Svn22 => "svn-2.2",
            Personality::Svn23 => "svn-2.3",
            Personality::Svn25 => "svn-2.5",
            Personality::LegacyV20 => "legacy-v2.0",
            Personality::NoTemplateV2 => "no-template-v2",
            Personality::ExplicitDefaultsRequired => "explicit-defaults-required",
            Personality::PlantedMacBlindSegment3 => "planted-mac-blind-segment-3",
        }
    }

    pub fn from_name(name: &str) -> Option<Personality> {
        Personality::ALL
            .into_iter()
            .chain(Personality::PLANTED)
            .find(|p| p.name() == name)
    }

    /// The 0-based session segment whose C-MAC this card does not check (planted bug).
    pub fn blind_mac_segment(self) -> Option<usize> {
        (self == Personality::PlantedMacBlindSegment3).then_some(2)
    }

    /// `(svn, SAIP profile version)` the personality reports unless the config overrides them.
    pub fn versions(self) -> ([u8; 3], [u8; 3]) {
        match self {
            Personality::Svn22 => ([2, 2, 2], [2, 3, 0]),
            Personality::Svn23 => ([2, 3, 0], [2, 3, 1]),
            Personality::LegacyV20 => ([2, 2, 0], [2, 0, 0]),
            Personality::NoTemplateV2 => ([2, 2, 2], [2, 1, 0]),
            Personality::Conforming
            | Personality::Svn25
            | Personality::ExplicitDefaultsRequired
            | Personality::PlantedMacBlindSegment3 => ([2, 5, 0], [3, 3, 1]),
        }
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The reference eUICC's configuration (`[euicc]` in a TOML file or a file of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EuiccConfig {
    pub personality: Personality,
    /// SGP.22 version, `"2.5.0"`; default from the personality.
    pub svn: Option<String>,
    /// SAIP version (EUICCInfo2 profileVersion); default from the personality.
    pub profile_version: Option<String>,
    pub firmware_version: String,
    pub ts102241_version: Option<String>,
    pub globalplatform_version: Option<String>,
    /// Protection Profile version (EUICCInfo2 ppVersion).
    pub pp_version: String,
    pub sas_accreditation_number: String,
    /// other 0, basic 1, medium 2, contactless 3.
    pub euicc_category: Option<i64>,
    /// UICCCapability bit names (digest §7.2).
    pub uicc_capability: Vec<String>,
    /// RspCapability bit names: additionalProfile, crlSupport, rpmSupport, testProfileSupport,
    /// deviceInfoExtensibilitySupport, serviceSpecificDataSupport.
    pub rsp_capability: Vec<String>,
    /// Restrict the CI key ids offered for verification/signing (hex SKIs); empty: every CI
    /// the credentials hold.
    pub ci_pkids_for_verification: Vec<String>,
    pub ci_pkids_for_signing: Vec<String>,
    pub default_dp_address: Option<String>,
    pub root_ds_address: String,
    /// Bytes available for profiles (insufficient-memory path when exceeded).
    pub memory_bytes: u64,
    pub max_profiles: usize,
    /// Largest BPP segment (86/87/88 TLV incl. tag, length and MAC) accepted.
    pub max_segment_size: usize,
    /// Check certificate validity periods against the injected clock. Cards have no reliable
    /// clock, so conforming eUICCs do not; off by default.
    pub check_certificate_expiry: bool,
    /// ATR, hex.
    pub atr: String,
    /// LPAe support bits (EUICC ISDRProprietaryApplicationTemplate), e.g. `["lpaeUsingCat"]`.
    pub lpae_support: Vec<String>,
}

impl Default for EuiccConfig {
    fn default() -> Self {
        EuiccConfig {
            personality: Personality::Conforming,
            svn: None,
            profile_version: None,
            firmware_version: "1.0.0".into(),
            ts102241_version: Some("9.2.0".into()),
            globalplatform_version: Some("2.3.0".into()),
            pp_version: "0.0.1".into(),
            sas_accreditation_number: "RSPCHECK-REFERENCE".into(),
            euicc_category: Some(2),
            // What the TS.48 test profiles list as mandatory services. The UICC side implements
            // USIM/ISIM file access and Milenage; the others are installed and stored only.
            uicc_capability: [
                "usim",
                "isim",
                "csim",
                "milenage",
                "usimTestAlgorithm",
                "berTlvFileSupport",
                "getIdentity",
                "profile-a-x25519",
                "profile-b-p256",
            ]
            .map(String::from)
            .to_vec(),
            rsp_capability: ["additionalProfile", "crlSupport", "testProfileSupport"]
                .map(String::from)
                .to_vec(),
            ci_pkids_for_verification: Vec::new(),
            ci_pkids_for_signing: Vec::new(),
            default_dp_address: None,
            root_ds_address: "lpa.ds.gsma.com".into(),
            memory_bytes: 1 << 20,
            max_profiles: 8,
            max_segment_size: 1020,
            check_certificate_expiry: false,
            // T=0 with TA3 (class A/B/C, clock stop) and T=15 indicated, so a TCK follows;
            // historical bytes: category 80, card capabilities, then "RSPCHK".
            atr: "3B9E96801FC78031E073FE211B6352535043484BC4".into(),
            lpae_support: Vec::new(),
        }
    }
}

/// UICCCapability named bits (digest §7.2, EUICCInfo2 tag 85).
pub const UICC_CAPABILITY_BITS: &[&str] = &[
    "contactlessSupport",
    "usimSupport",
    "isimSupport",
    "csimSupport",
    "akaMilenage",
    "akaCave",
    "akaTuak128",
    "akaTuak256",
    "usimTestAlgorithm",
    "rfu2",
    "gbaAuthenUsim",
    "gbaAuthenISim",
    "mbmsAuthenUsim",
    "eapClient",
    "javacard",
    "multos",
    "multipleUsimSupport",
    "multipleIsimSupport",
    "multipleCsimSupport",
    "berTlvFileSupport",
    "dfLinkSupport",
    "catTp",
    "getIdentity",
    "profile-a-x25519",
    "profile-b-p256",
    "suciCalculatorApi",
    "dns-resolution",
    "scp11ac",
    "scp11c-authorization-mechanism",
    "s16mode",
    "eaka",
    "iotminimal",
];

/// Short aliases accepted in configuration files.
const UICC_ALIASES: &[(&str, &str)] = &[
    ("contactless", "contactlessSupport"),
    ("usim", "usimSupport"),
    ("isim", "isimSupport"),
    ("csim", "csimSupport"),
    ("milenage", "akaMilenage"),
    ("cave", "akaCave"),
    ("tuak128", "akaTuak128"),
    ("tuak256", "akaTuak256"),
    ("ber-tlv", "berTlvFileSupport"),
    ("javacard", "javacard"),
];

pub const RSP_CAPABILITY_BITS: &[&str] = &[
    "additionalProfile",
    "crlSupport",
    "rpmSupport",
    "testProfileSupport",
    "deviceInfoExtensibilitySupport",
    "serviceSpecificDataSupport",
];

pub const LPAE_SUPPORT_BITS: &[&str] = &["lpaeUsingCat", "lpaeUsingScws"];

fn bits_of(
    field: &'static str,
    names: &[String],
    table: &[&str],
    aliases: &[(&str, &str)],
) -> Result<BitString, ConfigError> {
    let mut bits = Vec::new();
    for n in names {
        let canonical = aliases
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(n))
            .map_or(n.as_str(), |(_, c)| c);
        let bit = table
            .iter()
            .position(|t| t.eq_ignore_ascii_case(canonical))
            .ok_or_else(|| ConfigError::Field {
                field,
                problem: format!("unknown bit name {n:?} (known: {})", table.join(", ")),
            })?;
        bits.push(bit);
    }
    Ok(BitString::from_bits(&bits))
}

/// `"2.5.0"` → `[2, 5, 0]`.
pub fn parse_version(field: &'static str, text: &str) -> Result<[u8; 3], ConfigError> {
    let parts: Vec<&str> = text.split('.').collect();
    let bad = || ConfigError::Field {
        field,
        problem: format!("{text:?} is not a version major.minor.revision (each 0-255)"),
    };
    if parts.len() != 3 {
        return Err(bad());
    }
    let mut v = [0u8; 3];
    for (slot, p) in v.iter_mut().zip(parts) {
        *slot = p.parse().map_err(|_| bad())?;
    }
    Ok(v)
}

fn hex_field(field: &'static str, text: &str) -> Result<Vec<u8>, ConfigError> {
    hex::decode(text.replace([' ', ':'], "")).map_err(|e| ConfigError::Field {
        field,
        problem: format!("not hex: {e}"),
    })
}

/// The configuration with every text value parsed, as the card uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub personality: Personality,
    pub svn: [u8; 3],
    pub profile_version: [u8; 3],
    pub firmware_version: [u8; 3],
    pub ts102241_version: Option<[u8; 3]>,
    pub globalplatform_version: Option<[u8; 3]>,
    pub pp_version: [u8; 3],
    pub uicc_capability: BitString,
    pub rsp_capability: BitString,
    pub lpae_support: Option<BitString>,
    pub ci_pkids_for_verification: Vec<Vec<u8>>,
    pub ci_pkids_for_signing: Vec<Vec<u8>>,
    pub atr: Vec<u8>,
}

impl EuiccConfig {
    pub fn from_toml(text: &str) -> Result<EuiccConfig, ConfigError> {
        let config: EuiccConfig =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        config.resolve()?;
        Ok(config)
    }

    /// A conforming card with the given personality.
    pub fn with_personality(personality: Personality) -> EuiccConfig {
        EuiccConfig {
            personality,
            ..EuiccConfig::default()
        }
    }

    pub fn resolve(&self) -> Result<Resolved, ConfigError> {
        let (svn, pv) = self.personality.versions();
        let opt_version = |field, v: &Option<String>| -> Result<Option<[u8; 3]>, ConfigError> {
            v.as_deref().map(|t| parse_version(field, t)).transpose()
        };
        if self.max_segment_size < 32 {
            return Err(ConfigError::Field {
                field: "max_segment_size",
                problem: format!("{} is too small to carry a segment", self.max_segment_size),
            });
        }
        if let Some(a) = &self.default_dp_address {
            if a.len() > 255 {
                return Err(ConfigError::Field {
                    field: "default_dp_address",
                    problem: "longer than 255 characters".into(),
                });
            }
        }
        let atr = hex_field("atr", &self.atr)?;
        if atr.len() < 2 || atr.len() > 33 {
            return Err(ConfigError::Field {
                field: "atr",
                problem: format!("{} bytes; an ATR has 2 to 33", atr.len()),
            });
        }
        Ok(Resolved {
            personality: self.personality,
            svn: opt_version("svn", &self.svn)?.unwrap_or(svn),
            profile_version: opt_version("profile_version", &self.profile_version)?.unwrap_or(pv),
            firmware_version: parse_version("firmware_version", &self.firmware_version)?,
            ts102241_version: opt_version("ts102241_version", &self.ts102241_version)?,
            globalplatform_version: opt_version(
                "globalplatform_version",
                &self.globalplatform_version,
            )?,
            pp_version: parse_version("pp_version", &self.pp_version)?,
            uicc_capability: bits_of(
                "uicc_capability",
                &self.uicc_capability,
                UICC_CAPABILITY_BITS,
                UICC_ALIASES,
            )?,
            rsp_capability: bits_of(
                "rsp_capability",
                &self.rsp_capability,
                RSP_CAPABILITY_BITS,
                &[],
            )?,
            lpae_support: if self.lpae_support.is_empty() {
                None
            } else {
                Some(bits_of(
                    "lpae_support",
                    &self.lpae_support,
                    LPAE_SUPPORT_BITS,
                    &[],
                )?)
            },
            ci_pkids_for_verification: self
                .ci_pkids_for_verification
                .iter()
                .map(|h| hex_field("ci_pkids_for_verification", h))
                .collect::<Result<_, _>>()?,
            ci_pkids_for_signing: self
                .ci_pkids_for_signing
                .iter()
                .map(|h| hex_field("ci_pkids_for_signing", h))
                .collect::<Result<_, _>>()?,
            atr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_resolves_to_a_v25_card() {
        let r = EuiccConfig::default().resolve().unwrap();
        assert_eq!(r.svn, [2, 5, 0]);
        assert_eq!(r.profile_version, [3, 3, 1]);
        assert!(r.uicc_capability.bit(1) && r.uicc_capability.bit(4));
        assert!(r.rsp_capability.bit(0) && r.rsp_capability.bit(3));
    }

    #[test]
    fn default_atr_has_a_valid_tck() {
        let atr = EuiccConfig::default().resolve().unwrap().atr;
        assert_eq!(atr[0], 0x3B);
        assert_eq!(
            atr[1..].iter().fold(0u8, |a, b| a ^ b),
            0,
            "T0..TCK XOR to zero"
        );
    }

    #[test]
    fn personalities_have_names_that_round_trip() {
        for p in Personality::ALL.into_iter().chain(Personality::PLANTED) {
            assert_eq!(Personality::from_name(p.name()), Some(p));
            let toml = format!("personality = \"{}\"", p.name());
            assert_eq!(EuiccConfig::from_toml(&toml).unwrap().personality, p);
        }
    }

    #[test]
    fn planted_personalities_stay_out_of_all_and_only_they_blind_a_mac() {
        for p in Personality::PLANTED {
            assert!(!Personality::ALL.contains(&p), "{p}");
            assert!(p.name().starts_with("planted-"), "{p}");
        }
        let p = Personality::PlantedMacBlindSegment3;
        assert_eq!(p.blind_mac_segment(), Some(2));
        assert_eq!(p.versions(), Personality::Conforming.versions());
        for q in Personality::ALL {
            assert_eq!(q.blind_mac_segment(), None, "{q}");
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let e = EuiccConfig::from_toml("svn = \"2.x\"").unwrap_err();
        assert!(e.to_string().contains("svn"), "{e}");
        let e = EuiccConfig::from_toml("uicc_capability = [\"warp\"]").unwrap_err();
        assert!(e.to_string().contains("warp"), "{e}");
        let e = EuiccConfig::from_toml("colour = 1").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
