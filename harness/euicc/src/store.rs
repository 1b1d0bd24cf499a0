//! The eUICC's persistent state: installed profiles (ISD-Ps), pending notifications, counters,
//! the configured default SM-DP+ address and the one-time key kept for a BPP retry. Saved as
//! JSON with an atomic replace (write a temporary file, fsync, rename) so a virtual card keeps its
//! profiles across restarts and a crash never leaves half a file.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::uicc::UiccSaved;

/// Why a state file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a state file: {detail}")]
    Format { path: String, detail: String },
    #[error("{path}: state version {found}, this build reads {expected}")]
    Version {
        path: String,
        found: u32,
        expected: u32,
    },
}

pub const STATE_VERSION: u32 = 1;

/// Bytes serialised as upper-case hex.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode_upper(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

/// Optional bytes serialised as upper-case hex.
pub mod opt_hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => s.serialize_some(&hex::encode_upper(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// ProfileClass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileClass {
    Test,
    Provisioning,
    Operational,
}

impl ProfileClass {
    pub fn from_code(code: i64) -> Option<ProfileClass> {
        match code {
            0 => Some(ProfileClass::Test),
            1 => Some(ProfileClass::Provisioning),
            2 => Some(ProfileClass::Operational),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        match self {
            ProfileClass::Test => 0,
            ProfileClass::Provisioning => 1,
            ProfileClass::Operational => 2,
        }
    }
}

/// One installed profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    /// EF.ICCID coding (nibble-swapped BCD), as in StoreMetadata.
    #[serde(with = "hex_bytes")]
    pub iccid: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub isdp_aid: Vec<u8>,
    pub enabled: bool,
    pub nickname: Option<String>,
    pub class: ProfileClass,
    /// Profile policy rules as BIT STRING content (unused-bits byte first); empty = none.
    #[serde(with = "hex_bytes")]
    pub ppr: Vec<u8>,
    /// The StoreMetadata request (BF25) as received: ProfileInfo is answered from it.
    #[serde(with = "hex_bytes")]
    pub metadata: Vec<u8>,
    /// The SM-DP+ OID of the installing session (DPauth SAN registeredID).
    pub smdp_oid: String,
    /// The unprotected profile package (concatenated DER PEs) as installed.
    #[serde(with = "hex_bytes")]
    pub package: Vec<u8>,
    /// Storage charged to this profile.
    pub size: u64,
    /// Runtime state of the UICC side (file updates, PIN counters, SQN) while installed.
    #[serde(default)]
    pub uicc: Option<UiccSaved>,
    /// dpProprietaryData (B8) from ConfigureISDP, for ProfileInfo.
    #[serde(default, with = "opt_hex_bytes")]
    pub dp_proprietary_data: Option<Vec<u8>>,
    /// The CI whose eUICC key installed the profile (signs its notifications).
    #[serde(default, with = "hex_bytes")]
    pub ci_pkid: Vec<u8>,
}

/// A notification waiting for the LPA (ListNotification / RetrieveNotificationsList).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingNotification {
    pub seq_number: i64,
    /// install 0, enable 1, disable 2, delete 3 (NotificationEvent bit).
    pub event: usize,
    pub address: String,
    #[serde(with = "opt_hex_bytes")]
    pub iccid: Option<Vec<u8>>,
    /// The signed notification: a PIR (BF37) or an OtherSignedNotification (30).
    #[serde(with = "hex_bytes")]
    pub signed: Vec<u8>,
}

/// The one-time ECKA key pair kept after PrepareDownload, so that a retry with `bppEuiccOtpk`
/// can be bound to the same key (SGP.22 §3.1.3 retry handling).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOtKey {
    pub curve: String,
    #[serde(with = "hex_bytes")]
    pub secret: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub public: Vec<u8>,
}

impl std::fmt::Debug for StoredOtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredOtKey")
            .field("curve", &self.curve)
            .field("public", &hex::encode_upper(&self.public))
            .finish_non_exhaustive()
    }
}

/// Everything the eUICC keeps across a reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardState {
    pub version: u32,
    pub profiles: Vec<StoredProfile>,
    pub notifications: Vec<PendingNotification>,
    pub next_seq_number: i64,
    pub next_isdp_index: u32,
    pub default_dp_address: Option<String>,
    pub ot_key: Option<StoredOtKey>,
    /// Number of the last CRL loaded (fresherCrlAlreadyLoaded check).
    pub crl_number: Option<u64>,
}

impl Default for CardState {
    fn default() -> Self {
        CardState {
            version: STATE_VERSION,
            profiles: Vec::new(),
            notifications: Vec::new(),
            next_seq_number: 1,
            next_isdp_index: 0x10,
            default_dp_address: None,
            ot_key: None,
            crl_number: None,
        }
    }
}

impl CardState {
    pub fn load(path: &Path) -> Result<CardState, StoreError> {
        let p = path.display().to_string();
        let text = fs::read_to_string(path).map_err(|source| StoreError::Io {
            path: p.clone(),
            source,
        })?;
        let state: CardState = serde_json::from_str(&text).map_err(|e| StoreError::Format {
            path: p.clone(),
            detail: e.to_string(),
        })?;
        if state.version != STATE_VERSION {
            return Err(StoreError::Version {
                path: p,
                found: state.version,
                expected: STATE_VERSION,
            });
        }
        Ok(state)
    }

    /// Loads `path` if it exists, else a fresh state.
    pub fn load_or_new(path: &Path) -> Result<CardState, StoreError> {
        if path.exists() {
            CardState::load(path)
        } else {
            Ok(CardState::default())
        }
    }

    /// Writes atomically: temporary file in the same directory, fsync, rename, fsync of the
    /// directory (so the rename itself survives a power cut).
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        let p = path.display().to_string();
        let io = |source| StoreError::Io {
            path: p.clone(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Format {
            path: p.clone(),
            detail: e.to_string(),
        })?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let tmp = dir.join(format!(".{file_name}.tmp"));
        {
            let mut f = fs::File::create(&tmp).map_err(io)?;
            f.write_all(&json).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        fs::rename(&tmp, path).map_err(io)?;
        if let Ok(d) = fs::File::open(dir) {
            // Directory fsync is not supported everywhere; the rename is already done.
            let _ = d.sync_all();
        }
        Ok(())
    }

    pub fn profile(&self, iccid: &[u8]) -> Option<&StoredProfile> {
        self.profiles.iter().find(|p| p.iccid == iccid)
    }

    pub fn enabled(&self) -> Option<&StoredProfile> {
        self.profiles.iter().find(|p| p.enabled)
    }

    pub fn used_bytes(&self) -> u64 {
        self.profiles.iter().map(|p| p.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_and_load_round_trip_atomically() {
        let dir = std::env::temp_dir().join(format!("rsp-euicc-store-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("card.json");
        let mut s = CardState {
            default_dp_address: Some("smdp.example.com".into()),
            ..CardState::default()
        };
        s.notifications.push(PendingNotification {
            seq_number: 7,
            event: 0,
            address: "smdp.example.com".into(),
            iccid: Some(vec![0x98, 0x10]),
            signed: vec![0xBF, 0x37, 0x00],
        });
        s.save(&path).unwrap();
        assert!(
            !dir.join(".card.json.tmp").exists(),
            "temporary file renamed away"
        );
        assert_eq!(CardState::load(&path).unwrap(), s);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("rsp-euicc-bad-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("card.json");
        fs::write(&path, "{\"version\": 1, \"profiles\": 3}").unwrap();
        let e = CardState::load(&path).unwrap_err();
        assert!(e.to_string().contains("card.json"), "{e}");
        fs::write(
            &path,
            serde_json::to_string(&CardState {
                version: 9,
                ..CardState::default()
            })
            .unwrap(),
        )
        .unwrap();
        assert!(matches!(
            CardState::load(&path),
            Err(StoreError::Version { found: 9, .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }
}
