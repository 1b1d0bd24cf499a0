//! A profile-package builder: a short TOML [`ProfileDescription`] → DER ProfileElements.
//!
//! The package mirrors the structure of the TS.48 generic test profiles (digest §7): `header`,
//! `mf`, `pukCodes`, `pinCodes`, `usim`, optional `opt-usim`, `pinCodes` (the USIM-local PIN2),
//! `akaParameter`, optional `gsm-access` / `df-5gs`, optional `isim` (+ `opt-isim`, its local
//! PIN and its own `akaParameter` with the same K/OPc), then `end`. No byte of a TS.48 profile is
//! copied: all contents are computed here from the description.
//!
//! Choices and assumptions (each stated where it is made):
//! - Template OIDs are the first-version ones (`2.23.143.1.2.1`, `.4`, `.5`, `.7`, `.8`, `.9`,
//!   `.13`) — the ones every eUICC supports (digest §7.6).
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
        field: &'static str,
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

fn invalid(field: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Invalid {
        field,
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
/// ```
/// `Debug` masks K, OPc and the PIN/PUK/ADM values.
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
    /// SAIP version `major.minor` for the ProfileHeader; default `2.3`.
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
    #[serde(default)]
    pub df_saip: bool,
    #[serde(default)]
    pub phonebook: bool,
    /// Operator-controlled PLMNs (`"MCC-MNC"`, e.g. `"001-01"`) for EF.OPLMNwAcT; needs
    /// `opt_usim`.
    #[serde(default)]
    pub oplmn: Vec<String>,
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
            .field("oplmn", &self.oplmn)
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
    version: (i64, i64),
    usim_aid: Vec<u8>,
    isim_aid: Vec<u8>,
    oplmn: Vec<([u8; 3], Vec<u8>)>,
}

fn digits(field: &'static str, s: &str, min: usize, max: usize) -> Result<Vec<u8>, BuildError> {
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

fn hex_bytes(field: &'static str, s: &str, lens: &[usize]) -> Result<Vec<u8>, BuildError> {
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
fn pin(
    field: &'static str,
    value: Option<&str>,
    default: &str,
    min: usize,
) -> Result<[u8; 8], BuildError> {
    let s = value.unwrap_or(default);
    digits(field, s, min, 8)?;
    let mut out = [0xFF; 8];
    out[..s.len()].copy_from_slice(s.as_bytes());
    Ok(out)
}

fn attempts(field: &'static str, v: Option<u8>, default: u8) -> Result<u8, BuildError> {
    let n = v.unwrap_or(default);
    if !(1..=15).contains(&n) {
        return Err(invalid(field, "must be 1..15"));
    }
    // maxNumOfAttemps-retryNumLeft: high nibble maximum, low nibble attempts left.
    Ok((n << 4) | n)
}

fn plmn(field: &'static str, s: &str) -> Result<([u8; 3], Vec<u8>), BuildError> {
    let (mcc, mnc) = s
        .split_once('-')
        .ok_or_else(|| invalid(field, format!("{s:?} must be MCC-MNC, e.g. \"001-01\"")))?;
    let mcc = digits(field, mcc, 3, 3)?;
    let mnc = digits(field, mnc, 2, 3)?;
    Ok(([mcc[0], mcc[1], mcc[2]], mnc))
}

fn aid(
    field: &'static str,
    value: Option<&str>,
    default: &str,
    app: &[u8],
) -> Result<Vec<u8>, BuildError> {
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
        if self.df_saip {
            return Err(BuildError::Unsupported {
                field: "df_saip",
                part: "DF.SAIP (SUCI calculation info)",
            });
        }
        if self.phonebook {
            return Err(BuildError::Unsupported {
                field: "phonebook",
                part: "DF.PHONEBOOK",
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
        let version_text = self.saip_version.as_deref().unwrap_or("2.3");
        let version = version_text
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
            .ok_or_else(|| invalid("saip_version", "must be MAJOR.MINOR, e.g. \"2.3\""))?;
        if version.0 < 2 {
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
            version: (i64::from(version.0), i64::from(version.1)),
            usim_aid: aid(
                "usim_aid",
                self.usim_aid.as_deref(),
                DEFAULT_USIM_AID,
                &[0xA0, 0, 0, 0, 0x87, 0x10, 0x02],
            )?,
            isim_aid: aid(
                "isim_aid",
                self.isim_aid.as_deref(),
                DEFAULT_ISIM_AID,
                &[0xA0, 0, 0, 0, 0x87, 0x10, 0x04],
            )?,
            oplmn,
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
        services.extend([119, 123]); // 5GS MM information, UAC access identities
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
    let gfste = templates.iter().map(|n| oid(0x06, &template(n))).collect();
    let header = cons(
        0xA0,
        vec![
            int(0x80, v.version.0),
            int(0x81, v.version.1),
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
