//! A profile-package builder: a short TOML [`ProfileDescription`] → DER ProfileElements.
//!
//! The package mirrors the structure of the TS.48 generic test profiles (digest §7): `header`,
//! `mf`, `pukCodes`, `pinCodes`, optional `telecom`, `usim`, optional `opt-usim`, `pinCodes`
//! (the USIM-local PIN2), `akaParameter`, optional `gsm-access` / `df-5gs` / `df-saip` /
//! `phonebook`, optional `isim` (+ `opt-isim`, its local PIN and its own `akaParameter` with the
//! same K/OPc), then one `securityDomain` per `[[security_domain]]`, one `rfm` per `[[rfm]]`,
//! one `application` per `[[application]]`, and `end`. No byte of a TS.48 profile is copied:
//! all contents are computed here from the description. Every optional part is off by default,
//! so a description that does not name it builds the same bytes as before it existed.
//!
//! Description keys (TOML; unknown keys are errors, see [`ProfileDescription`]):
//! - identity and keys: `iccid`, `imsi`, `mnc_length`, `ki`, `opc`, `algorithm`,
//!   `algorithm_options`; PINs `pin1`, `pin2`, `adm1`, `adm2`, `puk1`, `puk2`, `pin_attempts`,
//!   `adm_attempts`, `puk_attempts`;
//! - header and metadata: `profile_type`, `saip_version`, `profile_class`;
//! - files: `spn`, `spn_display_condition`, `usim_aid`, `isim_aid`, `opt_usim` (+ `oplmn`),
//!   `gsm_access`, `df_5gs`, `df_saip` (needs `df_5gs`), `phonebook` (+ `phonebook_records`),
//!   `telecom` (+ `telecom_version`), `isim`;
//! - applets: `[[security_domain]]` ([`SecurityDomainDescription`]), `[[rfm]]`
//!   ([`RfmDescription`]), `[[application]]` with `[[application.instance]]`
//!   ([`ApplicationDescription`]). Every AID is used once across them; every TAR once.
//!
//! Choices and assumptions (each stated where it is made):
//! - Template OIDs are the first-version ones (`2.23.143.1.2.1`, `.3`, `.4`, `.5`, `.6`, `.7`,
//!   `.8`, `.9`, `.13`, `.14`) — the ones every eUICC supports (digest §7.6); DF.TELECOM takes
//!   `.3.2` when asked (`telecom_version = 2`).
//! - Optional file parts carry only what a test needs: DF.TELECOM its EF.ARR and EF.ICE_DN,
//!   DF.PHONEBOOK EF.PBR + one EF.ADN (FID 4F58, SFI 1), DF.SAIP EF.SUCI_Calc_Info with the
//!   null scheme only (no home-network key), which the UST announces with services 124/125.
//!   The header does not list `suciCalculatorApi` (the null scheme needs no calculator
//!   applet); it lists `javacard` when there are application PEs, which are mandated like every
//!   PE the builder writes.
//! - A security domain is installed personalized (`0F`) with one key set ENC/MAC/DEK (key ids
//!   1/2/3, usage qualifiers 18/14/48 as in the TS.48 profiles); RFM and application PEs carry
//!   the description's values as given.
//! - Files of a created-by-default template (MF, ADF.USIM, ADF.ISIM) that need no parameter are
//!   left to the template, except the mandatory `File` components of the schema, which are
//!   emitted empty (= template defaults) when there is nothing to write.
//! - Every EF.ARR the builder writes (MF `2F06`, ADF.USIM / ADF.ISIM / DF.TELECOM `6F06`)
//!   holds the 14 records of [`ARR_RECORDS`], numbered as the templates number their files'
//!   access rules, so template files created without an `Fcp` resolve too. A file given an
//!   `Fcp` here carries an explicit `securityAttributesReferenced` to the same numbering.
//! - `pinStatusTemplateDO` uses the layout of the TCA sample profiles: `01 0A 0B` on the MF
//!   (PIN1, ADM1, ADM2) and `81 01 0A 0B` on an ADF (local PIN2 first); the exact inner
//!   semantics are (unconfirmed).
//! - The header `iccid` holds the digits in plain order, as in the TS.48 profiles (digest §7.2);
//!   EF.ICCID holds the nibble-swapped coding.
//! - DEFAULT values (lcsi 05, PIN retries 0x33, PUK retries 0xAA, sqn* parameters, rotation and
//!   xoring constants, numberOfKeccak) are omitted, as DER requires.
//! - The profile class is not part of the package (it goes to StoreMetadata/ProfileInfo); it
//!   is kept in the description for the SM-DP+ inventory.

use std::fmt;

use rsp_codec::der;
use rsp_codec::iccid::Iccid;
use rsp_codec::tlv::{Tag, Tlv};
use serde::{Deserialize, Serialize};

use crate::package::{ProfileElement, ProfilePackage};

/// Why a description could not be built; `field` names the description field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("{field}: {message}")]
    Invalid {
        /// The key, with the index of a repeated part (`security_domain[1].enc`).
        field: String,
        message: String,
    },
    #[error("{field}: {part} is not supported by this builder yet")]
    Unsupported {
        field: &'static str,
        part: &'static str,
    },
    #[error("description: {0}")]
    Toml(String),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> BuildError {
    BuildError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Authentication algorithm of the `akaParameter` PE.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    #[default]
    Milenage,
    Tuak,
    UsimTestAlgorithm,
}

impl Algorithm {
    /// `AlgorithmID` value (digest §7.4).
    fn id(self) -> i64 {
        match self {
            Algorithm::Milenage => 1,
            Algorithm::Tuak => 2,
            Algorithm::UsimTestAlgorithm => 3,
        }
    }
}

/// SGP.22 profile class (metadata only; not encoded in the package).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileClass {
    #[default]
    Test,
    Provisioning,
    Operational,
}

/// A profile to build, as written in TOML. Only `iccid`, `imsi`, `ki` and `opc` are required.
///
/// ```toml
/// iccid = "8949000000000000018"
/// imsi = "001010000000001"
/// ki = "000102030405060708090A0B0C0D0E0F"
/// opc = "0F0E0D0C0B0A09080706050403020100"
/// algorithm = "milenage"      # | "tuak" | "usim-test-algorithm"
/// spn = "rspcheck"
/// opt_usim = true
/// isim = true
/// telecom = true              # DF.TELECOM; phonebook, df_saip likewise
///
/// [[security_domain]]         # tables last: TOML puts later keys inside the table
/// aid = "A000000151000001"
/// enc = "404142434445464748494A4B4C4D4E4F"
/// mac = "404142434445464748494A4B4C4D4E4F"
/// dek = "404142434445464748494A4B4C4D4E4F"
/// ```
/// `Debug` masks K, OPc, the PIN/PUK/ADM values and the security-domain keys.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDescription {
    /// 19 or 20 decimal digits (the Luhn digit is not enforced).
    pub iccid: String,
    /// 6..15 decimal digits (MCC + MNC + MSIN).
    pub imsi: String,
    /// Subscriber key K: 32 hex digits (64 allowed for TUAK-256).
    pub ki: String,
    /// OPc: 32 hex digits (Milenage, test algorithm) or 64 (TUAK TOPc).
    pub opc: String,
    #[serde(default)]
    pub algorithm: Algorithm,
    /// `AlgoParameter.algorithmOptions`, 2 hex digits; default `00`. Its bit meaning per
    /// algorithm is (unconfirmed); set it explicitly for non-default RES/MAC sizes.
    #[serde(default)]
    pub algorithm_options: Option<String>,
    /// MNC length for EF.AD and the home PLMN (2 or 3); default 2.
    #[serde(default)]
    pub mnc_length: Option<u8>,
    #[serde(default)]
    pub pin1: Option<String>,
    #[serde(default)]
    pub pin2: Option<String>,
    #[serde(default)]
    pub adm1: Option<String>,
    #[serde(default)]
    pub adm2: Option<String>,
    #[serde(default)]
    pub puk1: Option<String>,
    #[serde(default)]
    pub puk2: Option<String>,
    /// PIN attempts (1..15), default 3; ADM attempts default 10; PUK attempts default 10.
    #[serde(default)]
    pub pin_attempts: Option<u8>,
    #[serde(default)]
    pub adm_attempts: Option<u8>,
    #[serde(default)]
    pub puk_attempts: Option<u8>,
    /// Service provider name for EF.SPN (≤ 16 characters of the GSM-compatible ASCII subset).
    #[serde(default)]
    pub spn: Option<String>,
    /// EF.SPN display condition byte, default 0.
    #[serde(default)]
    pub spn_display_condition: Option<u8>,
    #[serde(default)]
    pub profile_class: ProfileClass,
    /// ProfileHeader `profileType`, 1..100 characters.
    #[serde(default)]
    pub profile_type: Option<String>,
    /// SAIP version `major.minor` for the ProfileHeader; default `2.3`, or the version that
    /// introduced the newest template the profile uses (`3.1` with `telecom_version = 2`).
    #[serde(default)]
    pub saip_version: Option<String>,
    /// ADF.USIM / ADF.ISIM AIDs (hex, 5..16 bytes, starting `A0000000871002` / `...1004`).
    #[serde(default)]
    pub usim_aid: Option<String>,
    #[serde(default)]
    pub isim_aid: Option<String>,
    #[serde(default)]
    pub opt_usim: bool,
    #[serde(default)]
    pub isim: bool,
    #[serde(default)]
    pub gsm_access: bool,
    #[serde(default)]
    pub df_5gs: bool,
    /// Not supported yet (error when true).
    #[serde(default)]
    pub csim: bool,
    /// DF.SAIP under ADF.USIM (SUCI calculated by the eUICC, null scheme); needs `df_5gs`.
    #[serde(default)]
    pub df_saip: bool,
    /// DF.PHONEBOOK under ADF.USIM with EF.PBR and one EF.ADN.
    #[serde(default)]
    pub phonebook: bool,
    /// EF.ADN records (1..=250), default 10; needs `phonebook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phonebook_records: Option<u8>,
    /// DF.TELECOM under the MF (EF.ARR, EF.ICE_DN).
    #[serde(default, skip_serializing_if = "is_false")]
    pub telecom: bool,
    /// DF.TELECOM template version: 1 (`2.23.143.1.2.3`, default) or 2 (`.3.2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telecom_version: Option<u8>,
    /// Operator-controlled PLMNs (`"MCC-MNC"`, e.g. `"001-01"`) for EF.OPLMNwAcT; needs
    /// `opt_usim`.
    #[serde(default)]
    pub oplmn: Vec<String>,
    /// Additional security domains (`securityDomain` PEs), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_domain: Vec<SecurityDomainDescription>,
    /// Remote file management applets (`rfm` PEs), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rfm: Vec<RfmDescription>,
    /// Applications (`application` PEs: load block and/or instances), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub application: Vec<ApplicationDescription>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Key type of a security domain's key set (`KeyComponent.keyType`, GP Card Spec table 11-16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SdKeyType {
    /// AES (`88`), SCP03: 16, 24 or 32-byte keys.
    #[default]
    Aes,
    /// Triple DES (`80`), SCP02: 16-byte keys.
    Des,
}

/// An additional (supplementary) security domain with one key set (ENC, MAC, DEK).
///
/// ```toml
/// [[security_domain]]
/// aid = "A000000151000001"
/// enc = "404142434445464748494A4B4C4D4E4F"
/// mac = "404142434445464748494A4B4C4D4E4F"
/// dek = "404142434445464748494A4B4C4D4E4F"
/// ```
/// `Debug` masks the keys.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityDomainDescription {
    /// Instance AID (hex, 5..16 bytes).
    pub aid: String,
    /// Executable load file AID; default `A0000001515350` (the GlobalPlatform SD package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_aid: Option<String>,
    /// Executable module AID; default `A000000151535041`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_aid: Option<String>,
    /// GlobalPlatform privileges (hex, 1 or 3 bytes); default `800000` (security domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<String>,
    /// Install parameters (content of `C9`, hex); default empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_parameters: Option<String>,
    /// Key version number (1..=127); default 0x30 (the SCP03 range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u8>,
    #[serde(default)]
    pub key_type: SdKeyType,
    /// Key set: encryption, MAC and data-encryption keys (hex).
    pub enc: String,
    pub mac: String,
    pub dek: String,
}

impl std::fmt::Debug for SecurityDomainDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityDomainDescription")
            .field("aid", &self.aid)
            .field("package_aid", &self.package_aid)
            .field("class_aid", &self.class_aid)
            .field("privileges", &self.privileges)
            .field("install_parameters", &self.install_parameters)
            .field("key_version", &self.key_version)
            .field("key_type", &self.key_type)
            .field("enc", &redacted(&self.enc))
            .field("mac", &redacted(&self.mac))
            .field("dek", &redacted(&self.dek))
            .finish()
    }
}

fn redacted(v: &str) -> String {
    format!("<redacted, {} chars>", v.chars().count())
}

/// A remote file management applet instance (TS 102 226): its TARs, minimum security level
/// and access domains, optionally for one ADF too.
///
/// ```toml
/// [[rfm]]
/// instance_aid = "A00000055910100001"
/// tar = ["B00120"]
/// adf = "usim"            # | "isim" | an ADF AID in hex
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmDescription {
    /// Instance AID (hex, 5..16 bytes).
    pub instance_aid: String,
    /// The security domain it is associated with (hex AID); default: none given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_domain_aid: Option<String>,
    /// Toolkit application references (3 bytes hex each), at least one.
    pub tar: Vec<String>,
    /// Minimum security level (TS 102 225 §5.1.1 SPI-derived, 1 byte hex); default `02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_security_level: Option<String>,
    /// UICC access domain / administrative access domain (TS 102 226 §8.2.1.3.2.3, hex);
    /// default `00` (full access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uicc_access_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uicc_admin_access_domain: Option<String>,
    /// ADF the instance may also manage: `"usim"`, `"isim"` or an AID in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adf: Option<String>,
    /// Access domains of the ADF (hex); default `00`; need `adf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adf_access_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adf_admin_access_domain: Option<String>,
}

/// An application PE: a load block (package) and/or instances of a package's classes.
///
/// ```toml
/// [[application]]
/// package_aid = "A0000000871005"
/// load_block = "C482..."          # hex; omitted = the package is already on the eUICC
/// [[application.instance]]
/// class_aid = "A000000087100501"
/// instance_aid = "A000000087100501"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDescription {
    /// Load package AID (hex, 5..16 bytes).
    pub package_aid: String,
    /// `loadBlockObject` (hex, 1..=32768 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_block: Option<String>,
    /// Security domain the package is loaded into (hex AID); needs `load_block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_domain_aid: Option<String>,
    /// Load file data block hash (`hashValue`, hex); needs `load_block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance: Vec<ApplicationInstanceDescription>,
}

/// One application instance of an [`ApplicationDescription`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInstanceDescription {
    pub class_aid: String,
    pub instance_aid: String,
    /// GlobalPlatform privileges (hex, 1 or 3 bytes); default `000000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<String>,
    /// Life cycle state (hex, 1 byte); default `07` (selectable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life_cycle_state: Option<String>,
    /// Install parameters (content of `C9`, hex); default empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_parameters: Option<String>,
    /// UICC toolkit application specific parameters (TS 102 226 §8.2.1.3.2.1, hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolkit_parameters: Option<String>,
}

impl std::fmt::Debug for ProfileDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn mask(v: &str) -> String {
            format!("<redacted, {} chars>", v.chars().count())
        }
        fn mask_opt(v: &Option<String>) -> Option<String> {
            v.as_deref().map(mask)
        }
        f.debug_struct("ProfileDescription")
            .field("iccid", &self.iccid)
            .field("imsi", &self.imsi)
            .field("ki", &mask(&self.ki))
            .field("opc", &mask(&self.opc))
            .field("algorithm", &self.algorithm)
            .field("algorithm_options", &self.algorithm_options)
            .field("mnc_length", &self.mnc_length)
            .field("pin1", &mask_opt(&self.pin1))
            .field("pin2", &mask_opt(&self.pin2))
            .field("adm1", &mask_opt(&self.adm1))
            .field("adm2", &mask_opt(&self.adm2))
            .field("puk1", &mask_opt(&self.puk1))
            .field("puk2", &mask_opt(&self.puk2))
            .field("pin_attempts", &self.pin_attempts)
            .field("adm_attempts", &self.adm_attempts)
            .field("puk_attempts", &self.puk_attempts)
            .field("spn", &self.spn)
            .field("spn_display_condition", &self.spn_display_condition)
            .field("profile_class", &self.profile_class)
            .field("profile_type", &self.profile_type)
            .field("saip_version", &self.saip_version)
            .field("usim_aid", &self.usim_aid)
            .field("isim_aid", &self.isim_aid)
            .field("opt_usim", &self.opt_usim)
            .field("isim", &self.isim)
            .field("gsm_access", &self.gsm_access)
            .field("df_5gs", &self.df_5gs)
            .field("csim", &self.csim)
            .field("df_saip", &self.df_saip)
            .field("phonebook", &self.phonebook)
            .field("phonebook_records", &self.phonebook_records)
            .field("telecom", &self.telecom)
            .field("telecom_version", &self.telecom_version)
            .field("oplmn", &self.oplmn)
            .field("security_domain", &self.security_domain)
            .field("rfm", &self.rfm)
            .field("application", &self.application)
            .finish()
    }
}

impl ProfileDescription {
    /// Parses a TOML description (unknown keys are errors).
    pub fn from_toml(text: &str) -> Result<ProfileDescription, BuildError> {
        toml::from_str(text).map_err(|e| BuildError::Toml(e.message().to_owned()))
    }

    /// The description as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

impl fmt::Display for ProfileDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "profile iccid {} imsi {}", self.iccid, self.imsi)
    }
}

// ------------------------------------------------------------------ validated values

const TEMPLATE_PREFIX: &str = "2.23.143.1.2";
const DEFAULT_USIM_AID: &str = "A0000000871002FFFFFFFF8900000100";
const DEFAULT_ISIM_AID: &str = "A0000000871004FFFFFFFF8900000100";

/// Key references (PINKeyReferenceValue / PUKKeyReferenceValue).
const KEY_PIN1: i64 = 0x01;
const KEY_PIN2: i64 = 0x81;
const KEY_ADM1: i64 = 0x0A;
const KEY_ADM2: i64 = 0x0B;
const KEY_PUK1: i64 = 0x01;
const KEY_PUK2: i64 = 0x81;

struct Valid {
    iccid: Iccid,
    imsi: Vec<u8>,
    mcc: [u8; 3],
    mnc: Vec<u8>,
    key: Vec<u8>,
    opc: Vec<u8>,
    algorithm: Algorithm,
    algorithm_options: u8,
    pin1: [u8; 8],
    pin2: [u8; 8],
    adm1: [u8; 8],
    adm2: [u8; 8],
    puk1: [u8; 8],
    puk2: [u8; 8],
    pin_attempts: u8,
    adm_attempts: u8,
    puk_attempts: u8,
    spn: Option<Vec<u8>>,
    profile_type: String,
    /// Explicit header version; `None` = derived from the templates used.
    version: Option<(u8, u8)>,
    usim_aid: Vec<u8>,
    isim_aid: Vec<u8>,
    oplmn: Vec<([u8; 3], Vec<u8>)>,
    phonebook_records: usize,
    telecom_template: &'static str,
    security_domains: Vec<ValidSd>,
    rfms: Vec<ValidRfm>,
    applications: Vec<ValidApp>,
}

struct ValidSd {
    aid: Vec<u8>,
    package: Vec<u8>,
    class: Vec<u8>,
    privileges: Vec<u8>,
    parameters: Vec<u8>,
    key_version: u8,
    key_type: u8,
    /// ENC, MAC, DEK.
    keys: [Vec<u8>; 3],
}

struct ValidRfm {
    instance: Vec<u8>,
    security_domain: Option<Vec<u8>>,
    tars: Vec<Vec<u8>>,
    minimum_security_level: u8,
    uicc_access: Vec<u8>,
    uicc_admin_access: Vec<u8>,
    /// ADF AID, access domain, administrative access domain.
    adf: Option<(Vec<u8>, Vec<u8>, Vec<u8>)>,
}

struct ValidApp {
    package: Vec<u8>,
    load_block: Option<Vec<u8>>,
    security_domain: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    instances: Vec<ValidInstance>,
}

struct ValidInstance {
    class: Vec<u8>,
    instance: Vec<u8>,
    privileges: Vec<u8>,
    life_cycle_state: u8,
    parameters: Vec<u8>,
    toolkit: Option<Vec<u8>>,
}

/// Hex of `min..=max` bytes.
fn hex_range(field: &str, s: &str, min: usize, max: usize) -> Result<Vec<u8>, BuildError> {
    let want = || {
        if min == max {
            format!("must be {} hex digits", min * 2)
        } else {
            format!("must be hex of {min}..{max} bytes")
        }
    };
    let bytes = hex::decode(s).map_err(|_| invalid(field, want()))?;
    if !(min..=max).contains(&bytes.len()) {
        return Err(invalid(field, want()));
    }
    Ok(bytes)
}

/// An optional hex value of `min..=max` bytes, `default` when absent.
fn hex_or(
    field: &str,
    s: Option<&str>,
    default: &[u8],
    min: usize,
    max: usize,
) -> Result<Vec<u8>, BuildError> {
    s.map_or_else(|| Ok(default.to_vec()), |s| hex_range(field, s, min, max))
}

/// Any application identifier (ISO 7816-5: 5..16 bytes).
fn any_aid(field: &str, s: &str) -> Result<Vec<u8>, BuildError> {
    hex_range(field, s, 5, 16)
}

/// GlobalPlatform privileges: 1 byte (GP 2.1.1) or 3 bytes.
fn privileges(field: &str, s: Option<&str>, default: &[u8]) -> Result<Vec<u8>, BuildError> {
    let p = hex_or(field, s, default, 1, 3)?;
    if p.len() == 2 {
        return Err(invalid(field, "must be 2 or 6 hex digits"));
    }
    Ok(p)
}

type Applets = (Vec<ValidSd>, Vec<ValidRfm>, Vec<ValidApp>);

/// The security domain, RFM and application parts, with every AID used once.
fn check_applets(
    d: &ProfileDescription,
    usim_aid: &[u8],
    isim_aid: &[u8],
) -> Result<Applets, BuildError> {
    const MAX_PARTS: usize = 16;
    let mut seen: Vec<(Vec<u8>, String)> = Vec::new();
    let mut unique = |aid: &[u8], key: String| -> Result<(), BuildError> {
        if let Some((_, first)) = seen.iter().find(|(a, _)| a == aid) {
            return Err(invalid(
                key,
                format!("AID {} is already used by {first}", hex::encode_upper(aid)),
            ));
        }
        seen.push((aid.to_vec(), key));
        Ok(())
    };
    for (key, n) in [
        ("security_domain", d.security_domain.len()),
        ("rfm", d.rfm.len()),
        ("application", d.application.len()),
    ] {
        if n > MAX_PARTS {
            return Err(invalid(key, format!("at most {MAX_PARTS} entries")));
        }
    }

    let mut sds = Vec::new();
    for (i, sd) in d.security_domain.iter().enumerate() {
        let k = |f: &str| format!("security_domain[{i}].{f}");
        let aid = any_aid(&k("aid"), &sd.aid)?;
        unique(&aid, k("aid"))?;
        let key_version = sd.key_version.unwrap_or(0x30);
        if !(1..=0x7F).contains(&key_version) {
            return Err(invalid(k("key_version"), "must be 1..127"));
        }
        let (key_type, lens): (u8, &[usize]) = match sd.key_type {
            SdKeyType::Aes => (0x88, &[16, 24, 32]),
            SdKeyType::Des => (0x80, &[16]),
        };
        sds.push(ValidSd {
            package: hex_or(
                &k("package_aid"),
                sd.package_aid.as_deref(),
                &[0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50],
                5,
                16,
            )?,
            class: hex_or(
                &k("class_aid"),
                sd.class_aid.as_deref(),
                &[0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41],
                5,
                16,
            )?,
            privileges: privileges(&k("privileges"), sd.privileges.as_deref(), &[0x80, 0, 0])?,
            parameters: hex_or(
                &k("install_parameters"),
                sd.install_parameters.as_deref(),
                &[],
                0,
                127,
            )?,
            key_version,
            key_type,
            keys: [
                hex_bytes(&k("enc"), &sd.enc, lens)?,
                hex_bytes(&k("mac"), &sd.mac, lens)?,
                hex_bytes(&k("dek"), &sd.dek, lens)?,
            ],
            aid,
        });
    }

    let mut rfms = Vec::new();
    let mut tars_seen: Vec<(Vec<u8>, String)> = Vec::new();
    for (i, r) in d.rfm.iter().enumerate() {
        let k = |f: &str| format!("rfm[{i}].{f}");
        let instance = any_aid(&k("instance_aid"), &r.instance_aid)?;
        unique(&instance, k("instance_aid"))?;
        if r.tar.is_empty() {
            return Err(invalid(k("tar"), "needs at least one TAR"));
        }
        let mut tars = Vec::new();
        for (j, t) in r.tar.iter().enumerate() {
            let key = format!("rfm[{i}].tar[{j}]");
            let tar = hex_range(&key, t, 3, 3)?;
            if let Some((_, first)) = tars_seen.iter().find(|(x, _)| *x == tar) {
                return Err(invalid(
                    key,
                    format!("TAR {} is already used by {first}", hex::encode_upper(&tar)),
                ));
            }
            tars_seen.push((tar.clone(), key));
            tars.push(tar);
        }
        let domain =
            |f: &str, v: Option<&String>| hex_or(&k(f), v.map(String::as_str), &[0], 1, 16);
        let adf = match r.adf.as_deref() {
            None => {
                for (f, v) in [
                    ("adf_access_domain", &r.adf_access_domain),
                    ("adf_admin_access_domain", &r.adf_admin_access_domain),
                ] {
                    if v.is_some() {
                        return Err(invalid(k(f), "needs adf"));
                    }
                }
                None
            }
            Some(a) => {
                let aid = match a {
                    "usim" => usim_aid.to_vec(),
                    "isim" if d.isim => isim_aid.to_vec(),
                    "isim" => return Err(invalid(k("adf"), "\"isim\" needs isim = true")),
                    hex => any_aid(&k("adf"), hex).map_err(|_| {
                        invalid(
                            k("adf"),
                            "must be \"usim\", \"isim\" or an AID of 5..16 bytes in hex",
                        )
                    })?,
                };
                Some((
                    aid,
                    domain("adf_access_domain", r.adf_access_domain.as_ref())?,
                    domain(
                        "adf_admin_access_domain",
                        r.adf_admin_access_domain.as_ref(),
                    )?,
                ))
            }
        };
        rfms.push(ValidRfm {
            instance,
            security_domain: r
                .security_domain_aid
                .as_deref()
                .map(|s| any_aid(&k("security_domain_aid"), s))
                .transpose()?,
            tars,
            minimum_security_level: hex_or(
                &k("minimum_security_level"),
                r.minimum_security_level.as_deref(),
                &[0x02],
                1,
                1,
            )?[0],
            uicc_access: domain("uicc_access_domain", r.uicc_access_domain.as_ref())?,
            uicc_admin_access: domain(
                "uicc_admin_access_domain",
                r.uicc_admin_access_domain.as_ref(),
            )?,
            adf,
        });
    }

    let mut apps = Vec::new();
    for (i, a) in d.application.iter().enumerate() {
        let k = |f: &str| format!("application[{i}].{f}");
        let package = any_aid(&k("package_aid"), &a.package_aid)?;
        let load_block = a
            .load_block
            .as_deref()
            .map(|s| hex_range(&k("load_block"), s, 1, 32768))
            .transpose()?;
        if load_block.is_none() {
            if a.instance.is_empty() {
                return Err(invalid(
                    format!("application[{i}]"),
                    "needs load_block or at least one [[application.instance]]",
                ));
            }
            for (f, v) in [
                ("security_domain_aid", &a.security_domain_aid),
                ("hash", &a.hash),
            ] {
                if v.is_some() {
                    return Err(invalid(k(f), "needs load_block"));
                }
            }
        }
        let mut instances = Vec::new();
        for (j, inst) in a.instance.iter().enumerate() {
            let k = |f: &str| format!("application[{i}].instance[{j}].{f}");
            let instance = any_aid(&k("instance_aid"), &inst.instance_aid)?;
            unique(&instance, k("instance_aid"))?;
            instances.push(ValidInstance {
                class: any_aid(&k("class_aid"), &inst.class_aid)?,
                instance,
                privileges: privileges(&k("privileges"), inst.privileges.as_deref(), &[0, 0, 0])?,
                life_cycle_state: hex_or(
                    &k("life_cycle_state"),
                    inst.life_cycle_state.as_deref(),
                    &[0x07],
                    1,
                    1,
                )?[0],
                parameters: hex_or(
                    &k("install_parameters"),
                    inst.install_parameters.as_deref(),
                    &[],
                    0,
                    127,
                )?,
                toolkit: inst
                    .toolkit_parameters
                    .as_deref()
                    .map(|s| hex_range(&k("toolkit_parameters"), s, 1, 127))
                    .transpose()?,
            });
        }
        apps.push(ValidApp {
            package,
            security_domain: a
                .security_domain_aid
                .as_deref()
                .map(|s| any_aid(&k("security_domain_aid"), s))
                .transpose()?,
            hash: a
                .hash
                .as_deref()
                .map(|s| hex_range(&k("hash"), s, 1, 64))
                .transpose()?,
            load_block,
            instances,
        });
    }
    Ok((sds, rfms, apps))
}

fn digits(field: &str, s: &str, min: usize, max: usize) -> Result<Vec<u8>, BuildError> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        let what = if min == max {
            format!("must be {min} digits")
        } else {
            format!("must be {min}..{max} digits")
        };
        return Err(invalid(field, what));
    }
    Ok(s.bytes().map(|b| b - b'0').collect())
}

fn hex_bytes(field: &str, s: &str, lens: &[usize]) -> Result<Vec<u8>, BuildError> {
    let want = lens
        .iter()
        .map(|l| (l * 2).to_string())
        .collect::<Vec<_>>()
        .join(" or ");
    let bytes = hex::decode(s).map_err(|_| invalid(field, format!("must be {want} hex digits")))?;
    if !lens.contains(&bytes.len()) {
        return Err(invalid(field, format!("must be {want} hex digits")));
    }
    Ok(bytes)
}

/// A PIN/PUK/ADM value: 4..8 digits as ASCII, padded with `FF` to 8 bytes (TS 102 221 §9.5.1).
fn pin(field: &str, value: Option<&str>, default: &str, min: usize) -> Result<[u8; 8], BuildError> {
    let s = value.unwrap_or(default);
    digits(field, s, min, 8)?;
    let mut out = [0xFF; 8];
    out[..s.len()].copy_from_slice(s.as_bytes());
    Ok(out)
}

fn attempts(field: &str, v: Option<u8>, default: u8) -> Result<u8, BuildError> {
    let n = v.unwrap_or(default);
    if !(1..=15).contains(&n) {
        return Err(invalid(field, "must be 1..15"));
    }
    // maxNumOfAttemps-retryNumLeft: high nibble maximum, low nibble attempts left.
    Ok((n << 4) | n)
}

fn plmn(field: &str, s: &str) -> Result<([u8; 3], Vec<u8>), BuildError> {
    let (mcc, mnc) = s
        .split_once('-')
        .ok_or_else(|| invalid(field, format!("{s:?} must be MCC-MNC, e.g. \"001-01\"")))?;
    let mcc = digits(field, mcc, 3, 3)?;
    let mnc = digits(field, mnc, 2, 3)?;
    Ok(([mcc[0], mcc[1], mcc[2]], mnc))
}

fn aid(field: &str, value: Option<&str>, default: &str, app: &[u8]) -> Result<Vec<u8>, BuildError> {
    let bytes = hex::decode(value.unwrap_or(default)).map_err(|_| invalid(field, "must be hex"))?;
    if !(app.len()..=16).contains(&bytes.len()) || !bytes.starts_with(app) {
        return Err(invalid(
            field,
            format!(
                "must be {}..16 bytes starting {}",
                app.len(),
                hex::encode_upper(app)
            ),
        ));
    }
    Ok(bytes)
}

/// Characters whose GSM 03.38 default-alphabet code equals their ASCII code.
fn gsm_compatible(c: char) -> bool {
    c.is_ascii_alphanumeric() || " !\"#%&'()*+,-./:;<=>?".contains(c)
}

impl ProfileDescription {
    fn check(&self) -> Result<Valid, BuildError> {
        if self.csim {
            return Err(BuildError::Unsupported {
                field: "csim",
                part: "ADF.CSIM (csim, opt-csim, cdmaParameter)",
            });
        }
        let n = self.iccid.len();
        if !(n == 19 || n == 20) || !self.iccid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("iccid", "must be 19 or 20 digits"));
        }
        let iccid = Iccid::parse(&self.iccid).map_err(|e| invalid("iccid", e.to_string()))?;
        let imsi = digits("imsi", &self.imsi, 6, 15)?;
        let mnc_len = self.mnc_length.unwrap_or(2);
        if !(mnc_len == 2 || mnc_len == 3) {
            return Err(invalid("mnc_length", "must be 2 or 3"));
        }
        let mnc_len = usize::from(mnc_len);
        let algorithm = self.algorithm;
        let (key_lens, opc_lens): (&[usize], &[usize]) = match algorithm {
            Algorithm::Tuak => (&[16, 32], &[32]),
            _ => (&[16], &[16]),
        };
        let key = hex_bytes("ki", &self.ki, key_lens)?;
        let opc = hex_bytes("opc", &self.opc, opc_lens)?;
        let algorithm_options = match &self.algorithm_options {
            Some(s) => hex_bytes("algorithm_options", s, &[1])?[0],
            None => 0,
        };
        let spn = match &self.spn {
            None => None,
            Some(s) => {
                if s.is_empty() || s.len() > 16 || !s.chars().all(gsm_compatible) {
                    return Err(invalid(
                        "spn",
                        "must be 1..16 characters of A-Z a-z 0-9 space and !\"#%&'()*+,-./:;<=>?",
                    ));
                }
                // EF.SPN (TS 31.102 §4.2.12): display condition, then the name in the GSM
                // default alphabet (identical to ASCII for the characters allowed), FF-padded.
                let mut v = vec![self.spn_display_condition.unwrap_or(0)];
                v.extend_from_slice(s.as_bytes());
                v.resize(17, 0xFF);
                Some(v)
            }
        };
        let profile_type = self
            .profile_type
            .clone()
            .unwrap_or_else(|| "rspcheck test profile".to_owned());
        if profile_type.is_empty() || profile_type.chars().count() > 100 {
            return Err(invalid("profile_type", "must be 1..100 characters"));
        }
        // `None`: the header gets the version the profile's templates need (see `build`).
        let version = self
            .saip_version
            .as_deref()
            .map(|text| {
                text.split_once('.')
                    .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
                    .ok_or_else(|| invalid("saip_version", "must be MAJOR.MINOR, e.g. \"2.3\""))
            })
            .transpose()?;
        if version.is_some_and(|v| v.0 < 2) {
            return Err(invalid("saip_version", "must be 2.0 or later"));
        }
        if !self.oplmn.is_empty() && !self.opt_usim {
            return Err(invalid("oplmn", "needs opt_usim = true"));
        }
        if self.oplmn.len() > 32 {
            return Err(invalid("oplmn", "at most 32 entries"));
        }
        let oplmn = self
            .oplmn
            .iter()
            .map(|p| plmn("oplmn", p))
            .collect::<Result<Vec<_>, _>>()?;
        if self.df_saip && !self.df_5gs {
            return Err(invalid(
                "df_saip",
                "needs df_5gs = true (SUCI belongs to 5GS)",
            ));
        }
        if self.phonebook_records.is_some() && !self.phonebook {
            return Err(invalid("phonebook_records", "needs phonebook = true"));
        }
        let phonebook_records = self.phonebook_records.unwrap_or(10);
        if !(1..=250).contains(&phonebook_records) {
            return Err(invalid("phonebook_records", "must be 1..250"));
        }
        if self.telecom_version.is_some() && !self.telecom {
            return Err(invalid("telecom_version", "needs telecom = true"));
        }
        let telecom_template = match self.telecom_version.unwrap_or(1) {
            1 => "3",
            2 => "3.2",
            _ => return Err(invalid("telecom_version", "must be 1 or 2")),
        };
        let usim_aid = aid(
            "usim_aid",
            self.usim_aid.as_deref(),
            DEFAULT_USIM_AID,
            &[0xA0, 0, 0, 0, 0x87, 0x10, 0x02],
        )?;
        let isim_aid = aid(
            "isim_aid",
            self.isim_aid.as_deref(),
            DEFAULT_ISIM_AID,
            &[0xA0, 0, 0, 0, 0x87, 0x10, 0x04],
        )?;
        let (security_domains, rfms, applications) = check_applets(self, &usim_aid, &isim_aid)?;
        Ok(Valid {
            iccid,
            mcc: [imsi[0], imsi[1], imsi[2]],
            mnc: imsi[3..3 + mnc_len].to_vec(),
            imsi,
            key,
            opc,
            algorithm,
            algorithm_options,
            pin1: pin("pin1", self.pin1.as_deref(), "0000", 4)?,
            pin2: pin("pin2", self.pin2.as_deref(), "0000", 4)?,
            adm1: pin("adm1", self.adm1.as_deref(), "12345678", 8)?,
            adm2: pin("adm2", self.adm2.as_deref(), "87654321", 8)?,
            puk1: pin("puk1", self.puk1.as_deref(), "12345678", 8)?,
            puk2: pin("puk2", self.puk2.as_deref(), "12345678", 8)?,
            pin_attempts: attempts("pin_attempts", self.pin_attempts, 3)?,
            adm_attempts: attempts("adm_attempts", self.adm_attempts, 10)?,
            puk_attempts: attempts("puk_attempts", self.puk_attempts, 10)?,
            spn,
            profile_type,
            version,
            usim_aid,
            isim_aid,
            oplmn,
            phonebook_records: usize::from(phonebook_records),
            telecom_template,
            security_domains,
            rfms,
            applications,
        })
    }
}

// ------------------------------------------------------------------ file contents

/// EF.IMSI (TS 31.102 §4.2.2): length byte (octets used), then the digits BCD nibble-swapped
/// with the first nibble `1` (type IMSI) | parity bit 4 (set for an odd digit count), padded
/// with `F` and `FF` to the 9-byte file.
pub fn ef_imsi(imsi: &[u8]) -> [u8; 9] {
    let mut nibbles = vec![0x1 | if imsi.len() % 2 == 1 { 0x8 } else { 0x0 }];
    nibbles.extend_from_slice(imsi);
    if nibbles.len() % 2 == 1 {
        nibbles.push(0xF);
    }
    let mut out = [0xFF; 9];
    out[0] = (nibbles.len() / 2) as u8;
    for (i, pair) in nibbles.chunks(2).enumerate() {
        out[1 + i] = (pair[1] << 4) | pair[0];
    }
    out
}

/// 3-byte PLMN (TS 24.008 §10.5.1.13): MCC2|MCC1, MNC3|MCC3 (MNC3 = F for 2-digit MNCs),
/// MNC2|MNC1.
pub fn plmn_bytes(mcc: &[u8; 3], mnc: &[u8]) -> [u8; 3] {
    let mnc3 = mnc.get(2).copied().unwrap_or(0xF);
    [
        (mcc[1] << 4) | mcc[0],
        (mnc3 << 4) | mcc[2],
        (mnc[1] << 4) | mnc[0],
    ]
}

/// Access technology of a PLMNwAcT entry (TS 31.102 §4.2.5): UTRAN (b8), E-UTRAN (b7) and
/// NG-RAN (b4) in byte 1, GSM (b8) in byte 2.
const ACT_ALL: [u8; 2] = [0xC8, 0x80];

/// EF.ACC (TS 31.102 §4.2.15): the access class is the last IMSI digit; classes 0..7 are
/// bits 1..8 of byte 2, classes 8..9 bits 1..2 of byte 1.
pub fn ef_acc(imsi: &[u8]) -> [u8; 2] {
    let class = imsi.last().copied().unwrap_or(0);
    if class < 8 {
        [0, 1 << class]
    } else {
        [1 << (class - 8), 0]
    }
}

/// UST / IST bitmap: service n is bit (n-1) mod 8 of byte (n-1) / 8 (TS 31.102 §4.2.8).
fn service_table(services: &[u16], min_len: usize) -> Vec<u8> {
    let max = services.iter().copied().max().unwrap_or(0) as usize;
    let mut out = vec![0u8; min_len.max(max.div_ceil(8))];
    for &n in services {
        let i = usize::from(n - 1);
        out[i / 8] |= 1 << (i % 8);
    }
    out
}

/// Access rules (expanded format, TS 102 221 §9.2.4): AM_DO `80` (or command-header DO `84`),
/// then SC_DO (`90 00` always, `A4 06 83 01 <key> 95 01 08` user verification with that key).
/// AM bits for EFs: b1 read, b2 update, b3..b7 the administrative operations; for DFs every
/// bit is administrative. Key refs: PIN1 `01`, local PIN2 `81`, ADM1 `0A`.
///
/// Numbered as the TCA templates number their files' `arr` (digest §7.3): a template file
/// created without an Fcp points at these record numbers in the EF.ARR of its template
/// (`2F06` for MF files, `6F06` in an ADF), so every such EF.ARR of a built profile carries
/// all 14 records. What each number means is our reading of the files that use it (EF.ICCID
/// 11, EF.DIR/SPN/AD/ECC 10, EF.FDN/EST 8, EF.ACM 7, EF.Keys/LOCI 5, EF.IMSI/UST 2, EF.PL 1,
/// DFs 14), matched to the TS 102 221 / TS 31.102 access conditions of those files; the
/// shapes follow the TS.48 test profiles. Numbers no template uses are ADM-only.
pub const ARR_RECORDS: &[&[u8]] = &[
    // 1: read always, update PIN1; admin ADM1 (EF.PL, EF.LI).
    &[
        0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x02, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01,
        0x08, 0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08,
    ],
    // 2: read PIN1; update and admin ADM1 (EF.IMSI, EF.UST, EF.ACC, EF.OPLMNwAcT, EF.IMPI).
    &[
        0x80, 0x01, 0x01, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x80, 0x01, 0x7E, 0xA4,
        0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08,
    ],
    // 3: everything ADM1 (DF.SAIP EF.SUCI_Calc_Info, EF.SUME, EF.RMA).
    ADM_ONLY,
    // 4: unused by the templates.
    ADM_ONLY,
    // 5: read and update PIN1; admin ADM1 (EF.Keys, EF.LOCI, EF.SMS, EF.Kc, EF.ADN).
    &[
        0x80, 0x01, 0x03, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x80, 0x01, 0x7C, 0xA4,
        0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08,
    ],
    // 6: unused by the templates.
    ADM_ONLY,
    // 7: read, update and INCREASE (`84 01 32`) PIN1; admin ADM1 (EF.ACM, EF.ICT, EF.OCT).
    &[
        0x80, 0x01, 0x03, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x84, 0x01, 0x32, 0xA4,
        0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, 0x0A,
        0x95, 0x01, 0x08,
    ],
    // 8: read PIN1, update PIN2; admin ADM1 (EF.FDN, EF.EST, EF.BDN, EF.ACL).
    &[
        0x80, 0x01, 0x01, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x80, 0x01, 0x02, 0xA4,
        0x06, 0x83, 0x01, 0x81, 0x95, 0x01, 0x08, 0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, 0x0A,
        0x95, 0x01, 0x08,
    ],
    // 9: read always, update PIN1; admin ADM1 (EF.ICE_DN, EF.ICE_FF).
    &[
        0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x02, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01,
        0x08, 0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08,
    ],
    // 10: read always; update and admin ADM1 (EF.DIR, EF.ARR, EF.UMPC, EF.SPN, EF.AD, EF.ECC).
    &[
        0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x7E, 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01,
        0x08,
    ],
    // 11: read always, update never (no AM_DO names it); admin ADM1 (EF.ICCID).
    &[
        0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01,
        0x08,
    ],
    // 12, 13: unused by the templates.
    ADM_ONLY,
    ADM_ONLY,
    // 14: DFs and ADFs: every (administrative) operation ADM1.
    ADM_ONLY,
];
const ADM_ONLY: &[u8] = &[
    0x80, 0x01, 0x7F, 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08,
];
const ARR_PIN1_READ: u8 = 2;
const ARR_ADM: u8 = 3;
const ARR_PIN1_RW: u8 = 5;
const ARR_READ_ALWAYS: u8 = 10;
const ARR_DF: u8 = 14;
const ARR_RECORD_LEN: u8 = 0x28;

fn arr_content() -> Vec<u8> {
    let mut out = Vec::new();
    for r in ARR_RECORDS {
        out.extend_from_slice(r);
        out.resize(
            out.len().next_multiple_of(usize::from(ARR_RECORD_LEN)),
            0xFF,
        );
    }
    out
}

// ------------------------------------------------------------------ TLV helpers

fn t(tag: u32) -> Tag {
    Tag::of(tag)
}
fn prim(tag: u32, content: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(t(tag), content)
}
fn cons(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(t(tag), children)
}
fn int(tag: u32, v: i64) -> Tlv {
    prim(tag, der::encode_integer(v))
}
fn oid(tag: u32, dotted: &str) -> Tlv {
    prim(
        tag,
        der::encode_oid(dotted).expect("template OIDs are well formed"),
    )
}
fn template(n: &str) -> String {
    format!("{TEMPLATE_PREFIX}.{n}")
}
fn size_bytes(n: usize) -> Vec<u8> {
    // efFileSize in minimal octets (digest §7.3).
    let b = (n as u32).to_be_bytes();
    let skip = b.iter().take(3).take_while(|&&x| x == 0).count();
    b[skip..].to_vec()
}

/// A `File` component: optional Fcp, then content written from offset 0.
struct FileSpec {
    fcp: Vec<Tlv>,
    content: Option<Vec<u8>>,
}

impl FileSpec {
    fn empty() -> FileSpec {
        FileSpec {
            fcp: Vec::new(),
            content: None,
        }
    }
    fn content(content: impl Into<Vec<u8>>) -> FileSpec {
        FileSpec {
            fcp: Vec::new(),
            content: Some(content.into()),
        }
    }
    /// Transparent EF with an explicit Fcp.
    fn transparent(
        fid: u16,
        arr_fid: u16,
        arr: u8,
        size: usize,
        content: Option<Vec<u8>>,
    ) -> FileSpec {
        FileSpec {
            fcp: vec![
                prim(0x82, [0x41, 0x21]),
                prim(0x83, fid.to_be_bytes()),
                sec_attr(arr_fid, arr),
                prim(0x80, size_bytes(size)),
            ],
            content,
        }
    }
    /// Linear-fixed EF with an explicit Fcp.
    fn linear(
        fid: u16,
        arr_fid: u16,
        arr: u8,
        rec_len: u8,
        records: usize,
        content: Option<Vec<u8>>,
    ) -> FileSpec {
        FileSpec {
            fcp: vec![
                prim(0x82, [0x42, 0x21, 0x00, rec_len]),
                prim(0x83, fid.to_be_bytes()),
                sec_attr(arr_fid, arr),
                prim(0x80, size_bytes(usize::from(rec_len) * records)),
            ],
            content,
        }
    }
    /// Linear-fixed EF whose identity comes from the template: only record layout + rule.
    fn linear_param(
        arr_fid: u16,
        arr: u8,
        rec_len: u8,
        records: usize,
        content: Vec<u8>,
    ) -> FileSpec {
        FileSpec {
            fcp: vec![
                prim(0x82, [0x42, 0x21, 0x00, rec_len]),
                sec_attr(arr_fid, arr),
                prim(0x80, size_bytes(usize::from(rec_len) * records)),
            ],
            content: Some(content),
        }
    }
    /// A DF or ADF.
    fn df(fid: u16, aid: Option<&[u8]>, arr_fid: u16, pin_status: &[u8]) -> FileSpec {
        let mut fcp = vec![prim(0x83, fid.to_be_bytes())];
        if let Some(aid) = aid {
            fcp.push(prim(0x84, aid));
        }
        fcp.push(sec_attr(arr_fid, ARR_DF));
        fcp.push(prim(0xC6, pin_status));
        FileSpec { fcp, content: None }
    }

    fn encode(self, tag: u32) -> Tlv {
        let mut items = Vec::new();
        if !self.fcp.is_empty() {
            items.push(cons(0xA1, self.fcp));
        }
        if let Some(c) = self.content {
            items.push(prim(0x83, c));
        }
        cons(tag, items)
    }
}

fn sec_attr(arr_fid: u16, record: u8) -> Tlv {
    let f = arr_fid.to_be_bytes();
    prim(0x8B, [f[0], f[1], record])
}

const PIN_STATUS_MF: &[u8] = &[0x01, 0x0A, 0x0B];
const PIN_STATUS_ADF: &[u8] = &[0x81, 0x01, 0x0A, 0x0B];

/// Builds PEs in order, numbering identifications from 1.
struct Pes {
    pes: Vec<Tlv>,
    next_id: i64,
}

impl Pes {
    fn header(&mut self) -> Tlv {
        let id = self.next_id;
        self.next_id += 1;
        cons(0xA0, vec![prim(0x80, []), int(0x81, id)])
    }
    /// A template file PE: header, templateID, then `(component tag, File)` in schema order.
    fn file_pe(&mut self, tag: u32, tmpl: &str, files: Vec<(u32, FileSpec)>) {
        let mut children = vec![self.header(), oid(0x81, &template(tmpl))];
        children.extend(files.into_iter().map(|(tag, f)| f.encode(tag)));
        self.pes.push(cons(tag, children));
    }
    fn pin_codes(&mut self, pins: Vec<Tlv>) {
        let h = self.header();
        self.pes
            .push(cons(0xA2, vec![h, cons(0xA1, vec![cons(0xA0, pins)])]));
    }
    fn aka(&mut self, v: &Valid) {
        let mut p = vec![
            int(0x80, v.algorithm.id()),
            prim(0x81, [v.algorithm_options]),
        ];
        p.push(prim(0x82, v.key.clone()));
        p.push(prim(0x83, v.opc.clone()));
        let h = self.header();
        self.pes
            .push(cons(0xA4, vec![h, cons(0xA1, vec![cons(0xA1, p)])]));
    }
}

/// `keyUsageQualifier` and `keyIdentifier` of the ENC, MAC and DEK keys of a key set (the
/// values of the TS.48 test profiles' security domain).
const SD_KEYS: [(u8, u8); 3] = [(0x18, 0x01), (0x14, 0x02), (0x48, 0x03)];

impl Pes {
    /// `securityDomain`: the instance (personalized, `0F`) and its one key set.
    fn security_domain(&mut self, sd: &ValidSd) {
        let h = self.header();
        let instance = vec![
            prim(0x4F, sd.package.clone()),
            prim(0x4F, sd.class.clone()),
            prim(0x4F, sd.aid.clone()),
            prim(0x82, sd.privileges.clone()),
            prim(0x83, [0x0F]),
            prim(0xC9, sd.parameters.clone()),
        ];
        // keyAccess (00) and macLength (8) are DEFAULT values, so omitted.
        let keys = SD_KEYS
            .iter()
            .zip(&sd.keys)
            .map(|(&(usage, id), key)| {
                cons(
                    0x30,
                    vec![
                        prim(0x95, [usage]),
                        prim(0x82, [id]),
                        prim(0x83, [sd.key_version]),
                        cons(
                            0x30,
                            vec![cons(
                                0x30,
                                vec![prim(0x80, [sd.key_type]), prim(0x86, key.clone())],
                            )],
                        ),
                    ],
                )
            })
            .collect();
        self.pes
            .push(cons(0xA6, vec![h, cons(0xA1, instance), cons(0xA2, keys)]));
    }

    /// `rfm`: written tags (digest §7.4; tarList `[0]`, access domains universal OCTET STRING).
    fn rfm(&mut self, r: &ValidRfm) {
        let mut c = vec![self.header(), prim(0x4F, r.instance.clone())];
        if let Some(sd) = &r.security_domain {
            c.push(prim(0x4F, sd.clone()));
        }
        c.push(cons(
            0xA0,
            r.tars.iter().map(|t| prim(0x04, t.clone())).collect(),
        ));
        c.push(prim(0x81, [r.minimum_security_level]));
        c.push(prim(0x04, r.uicc_access.clone()));
        c.push(prim(0x04, r.uicc_admin_access.clone()));
        if let Some((aid, access, admin)) = &r.adf {
            c.push(cons(
                0x30,
                vec![
                    prim(0x80, aid.clone()),
                    prim(0x81, access.clone()),
                    prim(0x82, admin.clone()),
                ],
            ));
        }
        self.pes.push(cons(0xA7, c));
    }

    /// `application`: load block, then instances (lifeCycleState omitted when DEFAULT 07).
    fn application(&mut self, a: &ValidApp) {
        let mut c = vec![self.header()];
        if let Some(block) = &a.load_block {
            let mut l = vec![prim(0x4F, a.package.clone())];
            if let Some(sd) = &a.security_domain {
                l.push(prim(0x4F, sd.clone()));
            }
            if let Some(hash) = &a.hash {
                l.push(prim(0xC1, hash.clone()));
            }
            l.push(prim(0xC4, block.clone()));
            c.push(cons(0xA1, l));
        }
        if !a.instances.is_empty() {
            let list = a
                .instances
                .iter()
                .map(|i| {
                    let mut t = vec![
                        prim(0x4F, a.package.clone()),
                        prim(0x4F, i.class.clone()),
                        prim(0x4F, i.instance.clone()),
                        prim(0x82, i.privileges.clone()),
                    ];
                    if i.life_cycle_state != 0x07 {
                        t.push(prim(0x83, [i.life_cycle_state]));
                    }
                    t.push(prim(0xC9, i.parameters.clone()));
                    if let Some(tk) = &i.toolkit {
                        t.push(cons(0xEA, vec![prim(0x80, tk.clone())]));
                    }
                    cons(0x30, t)
                })
                .collect();
            c.push(cons(0xA2, list));
        }
        self.pes.push(cons(0xA8, c));
    }
}

fn pin_config(
    key: i64,
    value: &[u8; 8],
    unblock: Option<i64>,
    attributes: i64,
    attempts: u8,
) -> Tlv {
    let mut c = vec![int(0x80, key), prim(0x81, value.to_vec())];
    if let Some(u) = unblock {
        c.push(int(0x82, u));
    }
    if attributes != 7 {
        c.push(int(0x83, attributes));
    }
    if attempts != 0x33 {
        c.push(int(0x84, i64::from(attempts)));
    }
    cons(0x30, c)
}

fn puk_config(key: i64, value: &[u8; 8], attempts: u8) -> Tlv {
    let mut c = vec![int(0x80, key), prim(0x81, value.to_vec())];
    if attempts != 0xAA {
        c.push(int(0x82, i64::from(attempts)));
    }
    cons(0x30, c)
}

/// EF.DIR record (TS 102 221 §13.1): `61 L 4F L <AID> 50 L <label>`.
fn dir_record(aid: &[u8], label: &str) -> Vec<u8> {
    let inner = [
        prim(0x4F, aid.to_vec()).encode_der(),
        prim(0x50, label.as_bytes().to_vec()).encode_der(),
    ]
    .concat();
    let mut r = vec![0x61, inner.len() as u8];
    r.extend(inner);
    r
}

/// A TLV-coded ISIM string field (TS 31.103 §4.2.2–4.2.4: tag `80`, length, UTF-8 value).
fn isim_tlv(value: &str) -> Vec<u8> {
    prim(0x80, value.as_bytes().to_vec()).encode_der()
}

fn digits_str(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

// ------------------------------------------------------------------ build

/// Builds the profile package of a description. Deterministic: same description, same bytes.
pub fn build(desc: &ProfileDescription) -> Result<ProfilePackage, BuildError> {
    let v = desc.check()?;
    let mut p = Pes {
        pes: Vec::new(),
        next_id: 1,
    };
    let mut templates = vec!["1", "4"];

    // mf
    let dir_len = 0x20u8;
    let mut dir = dir_record(&v.usim_aid, "USIM");
    dir.resize(usize::from(dir_len), 0xFF);
    let mut dir_records = 1;
    if desc.isim {
        let mut r = dir_record(&v.isim_aid, "ISIM");
        r.resize(usize::from(dir_len), 0xFF);
        dir.extend(r);
        dir_records += 1;
    }
    let arr = arr_content();
    let arr_records = ARR_RECORDS.len();
    p.file_pe(
        0xB0,
        "1",
        vec![
            (
                0xA2,
                FileSpec::df(0x3F00, None, 0x2F06, PIN_STATUS_MF).without_fid(),
            ),
            (0xA4, FileSpec::content(v.iccid.to_bcd().to_vec())),
            (
                0xA5,
                FileSpec::linear_param(0x2F06, ARR_READ_ALWAYS, dir_len, dir_records, dir),
            ),
            (
                0xA6,
                FileSpec::linear_param(
                    0x2F06,
                    ARR_READ_ALWAYS,
                    ARR_RECORD_LEN,
                    arr_records,
                    arr.clone(),
                ),
            ),
        ],
    );

    // pukCodes, pinCodes (MF level: PIN1, ADM1, ADM2)
    let h = p.header();
    p.pes.push(cons(
        0xA3,
        vec![
            h,
            cons(
                0xA1,
                vec![
                    puk_config(KEY_PUK1, &v.puk1, v.puk_attempts),
                    puk_config(KEY_PUK2, &v.puk2, v.puk_attempts),
                ],
            ),
        ],
    ));
    p.pin_codes(vec![
        pin_config(KEY_PIN1, &v.pin1, Some(KEY_PUK1), 6, v.pin_attempts),
        pin_config(KEY_ADM1, &v.adm1, None, 3, v.adm_attempts),
        pin_config(KEY_ADM2, &v.adm2, None, 3, v.adm_attempts),
    ]);

    if desc.telecom {
        templates.insert(1, v.telecom_template);
        // DF.TELECOM: its own EF.ARR (the same records; the template's rules for its files
        // point at the MF's 2F06) and EF.ICE_DN left to the template (50 empty records).
        p.file_pe(
            0xB2,
            v.telecom_template,
            vec![
                (0xA2, FileSpec::df(0x7F10, None, 0x2F06, PIN_STATUS_MF)),
                (
                    0xA3,
                    FileSpec::linear_param(
                        0x2F06,
                        ARR_READ_ALWAYS,
                        ARR_RECORD_LEN,
                        arr_records,
                        arr.clone(),
                    ),
                ),
                (0xA6, FileSpec::empty()),
            ],
        );
    }

    // usim
    let mut services: Vec<u16> = vec![
        10, // SMS
        12, // SMS parameters
        33, // (n°33) shall be set to 1
        82, // EPS mobility management information
    ];
    if v.spn.is_some() {
        services.push(19);
    }
    if desc.opt_usim {
        services.extend([20, 42, 43]); // PLMNwAcT, OPLMNwAcT, HPLMNwAcT
    }
    if desc.gsm_access {
        services.extend([27, 38]); // GSM access, GSM security context
    }
    if desc.df_5gs {
        // TS 31.102 EF.UST: n°122 5GS mobility management information (the two LOCI files),
        // n°126 UAC access identities (EF.UAC_AIC). Not n°123: no 5G security parameters files.
        services.extend([122, 126]);
    }
    if desc.phonebook {
        services.push(1); // local phonebook
    }
    if desc.df_saip {
        services.extend([124, 125]); // subscription identifier privacy, SUCI by the USIM
    }
    services.sort_unstable();
    let ust = service_table(&services, 14);
    let mut ust_file = FileSpec::content(ust.clone());
    if ust.len() != 14 {
        ust_file.fcp = vec![prim(0x80, size_bytes(ust.len()))];
    }
    // EF.AD (TS 31.102 §4.2.18): UE operation mode (normal), additional info, MNC length.
    let ad = vec![0x00, 0x00, 0x00, v.mnc.len() as u8];
    p.file_pe(
        0xB3,
        "4",
        vec![
            (
                0xA2,
                FileSpec::df(0x7FF0, Some(&v.usim_aid), 0x2F06, PIN_STATUS_ADF),
            ),
            (0xA3, FileSpec::content(ef_imsi(&v.imsi).to_vec())),
            (
                0xA4,
                FileSpec::linear_param(
                    0x6F06,
                    ARR_READ_ALWAYS,
                    ARR_RECORD_LEN,
                    arr_records,
                    arr.clone(),
                ),
            ),
            (0xA8, ust_file),
            (
                0xAD,
                v.spn
                    .clone()
                    .map(FileSpec::content)
                    .unwrap_or_else(FileSpec::empty),
            ),
            (0xAE, FileSpec::empty()),
            (0xB2, FileSpec::content(ef_acc(&v.imsi).to_vec())),
            (0xB5, FileSpec::content(ad.clone())),
            (0xB6, FileSpec::empty()),
        ],
    );

    if desc.opt_usim {
        templates.push("5");
        let home = plmn_bytes(&v.mcc, &v.mnc);
        let entry = |pl: [u8; 3]| [pl[0], pl[1], pl[2], ACT_ALL[0], ACT_ALL[1]];
        let empty_entries = |n: usize| [0xFF, 0xFF, 0xFF, 0x00, 0x00].repeat(n);
        let mut oplmn: Vec<u8> = v
            .oplmn
            .iter()
            .flat_map(|(mcc, mnc)| entry(plmn_bytes(mcc, mnc)))
            .collect();
        let n_oplmn = v.oplmn.len().max(8);
        oplmn.extend(empty_entries(n_oplmn - v.oplmn.len()));
        p.file_pe(
            0xB4,
            "5",
            vec![
                (
                    0xAF,
                    FileSpec::transparent(0x6F60, 0x6F06, ARR_PIN1_RW, 40, Some(empty_entries(8))),
                ),
                (
                    0xB0,
                    FileSpec::transparent(0x6F61, 0x6F06, ARR_PIN1_READ, n_oplmn * 5, Some(oplmn)),
                ),
                (
                    0xB1,
                    FileSpec::transparent(
                        0x6F62,
                        0x6F06,
                        ARR_PIN1_READ,
                        5,
                        Some(entry(home).to_vec()),
                    ),
                ),
            ],
        );
    }

    // USIM-local PIN2, then the USIM's authentication parameters.
    p.pin_codes(vec![pin_config(
        KEY_PIN2,
        &v.pin2,
        Some(KEY_PUK2),
        3,
        v.pin_attempts,
    )]);
    p.aka(&v);

    if desc.gsm_access {
        templates.push("7");
        // EF.Kc / EF.KcGPRS (TS 31.102 §4.4.3): Kc (8) + CKSN; CKSN 07 = no key available.
        let kc = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        p.file_pe(
            0xB8,
            "7",
            vec![
                (0xA2, FileSpec::df(0x5F3B, None, 0x6F06, PIN_STATUS_ADF)),
                (
                    0xA3,
                    FileSpec::transparent(0x4F20, 0x6F06, ARR_PIN1_RW, 9, Some(kc.to_vec())),
                ),
                (
                    0xA4,
                    FileSpec::transparent(0x4F52, 0x6F06, ARR_PIN1_RW, 9, Some(kc.to_vec())),
                ),
            ],
        );
    }

    if desc.df_5gs {
        templates.push("13");
        // EF.5GS3GPPLOCI / EF.5GSN3GPPLOCI (TS 31.102 §4.4.11.2/3): 5G-GUTI (13), last
        // visited TAI (6), update status (1); `01` = not updated, no identity stored.
        let mut loci = vec![0xFF; 19];
        loci.push(0x01);
        p.file_pe(
            0xBC,
            "13",
            vec![
                (0xA2, FileSpec::df(0x5FC0, None, 0x6F06, PIN_STATUS_ADF)),
                (
                    0xA3,
                    FileSpec::transparent(0x4F01, 0x6F06, ARR_PIN1_RW, 20, Some(loci.clone())),
                ),
                (
                    0xA4,
                    FileSpec::transparent(0x4F02, 0x6F06, ARR_PIN1_RW, 20, Some(loci)),
                ),
                // EF.UAC_AIC (§4.4.11.7): no access identities.
                (
                    0xA8,
                    FileSpec::transparent(0x4F06, 0x6F06, ARR_PIN1_READ, 4, Some(vec![0; 4])),
                ),
            ],
        );
    }

    if desc.df_saip {
        templates.push("14");
        // EF.SUCI_Calc_Info (TS 31.102 §4.4.11.8 coding): protection scheme list `A0` with the
        // null scheme only (identifier 00, key index 00), so no home-network key list.
        let mut suci = vec![0xA0, 0x02, 0x00, 0x00];
        suci.resize(0x20, 0xFF);
        p.file_pe(
            0xBD,
            "14",
            vec![
                (0xA2, FileSpec::df(0x5FD0, None, 0x6F06, PIN_STATUS_ADF)),
                (
                    0xA3,
                    FileSpec::transparent(0x4F01, 0x6F06, ARR_ADM, suci.len(), Some(suci)),
                ),
            ],
        );
    }

    if desc.phonebook {
        templates.push("6");
        // EF.ADN: the first FID and SFI the template offers; 14-byte alpha identifier + 14
        // (TS 31.102 §4.4.2.3). EF.PBR (§4.4.2.1) lists it as a type-1 file (A8 / C0 FID SFI).
        let (adn_fid, adn_sfi, adn_len) = (0x4F58u16, 0x01u8, 28u8);
        let [f1, f2] = adn_fid.to_be_bytes();
        let pbr_len = 0x10u8;
        let mut pbr = vec![0xA8, 0x05, 0xC0, 0x03, f1, f2, adn_sfi];
        pbr.resize(usize::from(pbr_len), 0xFF);
        p.file_pe(
            0xB7,
            "6",
            vec![
                (0xA2, FileSpec::df(0x5F3A, None, 0x6F06, PIN_STATUS_ADF)),
                (
                    0xA3,
                    FileSpec::linear_param(0x6F06, ARR_PIN1_READ, pbr_len, 1, pbr),
                ),
                (
                    0xAB,
                    FileSpec::linear(
                        adn_fid,
                        0x6F06,
                        ARR_PIN1_RW,
                        adn_len,
                        v.phonebook_records,
                        None,
                    )
                    .with_sfi(adn_sfi),
                ),
            ],
        );
    }

    if desc.isim {
        templates.extend(["8", "9"]);
        // TS 23.003 §13: IMPI `<imsi>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org`, IMPU `sip:` + IMPI,
        // home domain `ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org` (MNC padded to 3 digits).
        let mnc3 = if v.mnc.len() == 2 {
            format!("0{}", digits_str(&v.mnc))
        } else {
            digits_str(&v.mnc)
        };
        let domain = format!("ims.mnc{mnc3}.mcc{}.3gppnetwork.org", digits_str(&v.mcc));
        let impi = format!("{}@{domain}", digits_str(&v.imsi));
        let impu = format!("sip:{impi}");
        let rec_len = 0x50u8;
        let mut impu_records = isim_tlv(&impu);
        impu_records.resize(usize::from(rec_len), 0xFF);
        p.file_pe(
            0xB5,
            "8",
            vec![
                (
                    0xA2,
                    FileSpec::df(0x7FF1, Some(&v.isim_aid), 0x2F06, PIN_STATUS_ADF),
                ),
                (
                    0xA3,
                    FileSpec::transparent(
                        0x6F02,
                        0x6F06,
                        ARR_PIN1_READ,
                        0x50,
                        Some(isim_tlv(&impi)),
                    ),
                ),
                (
                    0xA4,
                    FileSpec::linear(
                        0x6F04,
                        0x6F06,
                        ARR_PIN1_READ,
                        rec_len,
                        2,
                        Some(impu_records),
                    ),
                ),
                (
                    0xA5,
                    FileSpec::transparent(
                        0x6F03,
                        0x6F06,
                        ARR_PIN1_READ,
                        0x40,
                        Some(isim_tlv(&domain)),
                    ),
                ),
                // EF.IST (TS 31.103 §4.2.7): no optional ISIM service.
                (
                    0xA6,
                    FileSpec::transparent(0x6F07, 0x6F06, ARR_PIN1_READ, 1, Some(vec![0x00])),
                ),
                (
                    0xA7,
                    FileSpec::transparent(0x6FAD, 0x6F06, ARR_READ_ALWAYS, 4, Some(ad)),
                ),
                (
                    0xA8,
                    FileSpec::linear(
                        0x6F06,
                        0x6F06,
                        ARR_READ_ALWAYS,
                        ARR_RECORD_LEN,
                        arr_records,
                        Some(arr),
                    ),
                ),
            ],
        );
        // opt-isim: EF.GBABP (TS 31.103 §4.2.10), left to its fill.
        p.file_pe(
            0xB6,
            "9",
            vec![(
                0xA7,
                FileSpec::transparent(0x6FD5, 0x6F06, ARR_PIN1_RW, 0x20, None),
            )],
        );
        p.pin_codes(vec![pin_config(
            KEY_PIN2,
            &v.pin2,
            Some(KEY_PUK2),
            3,
            v.pin_attempts,
        )]);
        p.aka(&v);
    }

    for sd in &v.security_domains {
        p.security_domain(sd);
    }
    for r in &v.rfms {
        p.rfm(r);
    }
    for a in &v.applications {
        p.application(a);
    }

    // end
    let h = p.header();
    p.pes.push(cons(0xAA, vec![h]));

    // header, first
    let mut services = vec![0x81]; // usim
    if desc.isim {
        services.push(0x82);
    }
    services.push(match (v.algorithm, v.key.len()) {
        (Algorithm::Milenage, _) => 0x84,
        (Algorithm::Tuak, 16) => 0x85,
        (Algorithm::Tuak, _) => 0x90,
        (Algorithm::UsimTestAlgorithm, _) => 0x91,
    });
    if !v.applications.is_empty() {
        // The application PEs are mandated: the eUICC must run Java Card to install them
        // (linter SAIP-SVC-008; a MULTOS package is not something the builder writes).
        services.push(0x8B);
    }
    services.sort_unstable();
    // Default header version: 2.3, or the one that introduced the newest template used (e.g.
    // 3.1 for DF.TELECOM v2), so a default description never trips SAIP-COMPAT-006/008.
    let version = v.version.unwrap_or_else(|| {
        templates
            .iter()
            .filter_map(|n| crate::templates::since(&template(n)))
            .map(|s| (s.major, s.minor))
            .fold((2, 3), Ord::max)
    });
    let gfste = templates.iter().map(|n| oid(0x06, &template(n))).collect();
    let header = cons(
        0xA0,
        vec![
            int(0x80, i64::from(version.0)),
            int(0x81, i64::from(version.1)),
            prim(0x82, v.profile_type.as_bytes().to_vec()),
            prim(0x83, v.iccid.to_plain_bcd().to_vec()),
            cons(0xA5, services.into_iter().map(|s| prim(s, [])).collect()),
            cons(0xA6, gfste),
        ],
    );
    let mut pes = vec![header];
    pes.append(&mut p.pes);
    Ok(ProfilePackage::from_pes(
        pes.into_iter().map(ProfileElement::from_tlv).collect(),
    ))
}

impl FileSpec {
    /// With a `shortEFID` (SFI in bits 8..4, TS 102 221 §11.1.1.4.8).
    fn with_sfi(mut self, sfi: u8) -> FileSpec {
        self.fcp.push(prim(0x88, [sfi << 3]));
        self
    }
    /// The MF's Fcp: no fileID (the template fixes 3F00).
    fn without_fid(mut self) -> FileSpec {
        self.fcp.retain(|c| c.tag() != Tag::of(0x83));
        self
    }
}

/// Builds and encodes in one step.
pub fn build_der(desc: &ProfileDescription) -> Result<Vec<u8>, BuildError> {
    build(desc).map(|p| p.encode())
}
