//! `rspcheck serve smdp --config FILE`: the SM-DP+'s address, PKI, limits and its inventory of
//! profiles (built from TOML descriptions by the profile crate, or DER packages), as TOML.
//! Relative paths are relative to the configuration file.

use std::path::{Path, PathBuf};

use rsp_codec::iccid::Iccid;
use rsp_profile::builder::{build_der, ProfileDescription};
use rsp_profile::package::ProfilePackage;
use serde::Deserialize;

use crate::es9::SmdpConfig;
use crate::orders::{Order, OrderState};

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Toml { path: String, detail: String },
    #[error("{path}: profile {index}: {detail}")]
    Profile {
        path: String,
        index: usize,
        detail: String,
    },
}

/// One inventory entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    /// A profile description (TOML, `rsp_profile::builder`) …
    pub description: Option<PathBuf>,
    /// … or a DER profile package.
    pub der: Option<PathBuf>,
    #[serde(default = "default_type")]
    pub profile_type: String,
    /// `available` (wait for ES2+) or `released` (downloadable now).
    #[serde(default = "default_state")]
    pub state: String,
    pub matching_id: Option<String>,
    pub eid: Option<String>,
    pub confirmation_code: Option<String>,
    pub service_provider_name: Option<String>,
    pub profile_name: Option<String>,
    /// test 0, provisioning 1, operational 2.
    pub profile_class: Option<i64>,
}

fn default_type() -> String {
    "default".into()
}
fn default_state() -> String {
    "available".into()
}

/// The server's configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    #[serde(default = "default_address")]
    pub address: String,
    /// PKI folder in the SGP.26 layout; absent: a generated test PKI.
    pub pki: Option<PathBuf>,
    #[serde(default = "default_bind")]
    pub bind: String,
    /// TLS certificate (chain, leaf first) and key; absent: the PKI's `DPtls` NIST pair.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// SQLite database; absent with `in_memory = true` keeps everything in memory.
    pub database: Option<PathBuf>,
    #[serde(default)]
    pub in_memory: bool,
    #[serde(default = "default_cc")]
    pub cc_max_attempts: u32,
    #[serde(default = "default_downloads")]
    pub download_max_attempts: u32,
    /// Seconds from ConfirmOrder until an order expires (8.8.5/4.10); absent = never.
    pub order_ttl_seconds: Option<i64>,
    /// Bind every BPP with ReplaceSessionKeys (profile segments under fresh PPKs).
    #[serde(default)]
    pub replace_session_keys: bool,
    /// Production configuration: refuse eUICCs chaining to the GSMA test CIs (SGP.26).
    #[serde(default)]
    pub production: bool,
    #[serde(default, rename = "profile")]
    pub profiles: Vec<ProfileEntry>,
    /// The ES2+ operator interface (mutual TLS); absent = not served.
    pub es2: Option<Es2Section>,
    /// The ES12 client for SM-DS orders; absent = ConfirmOrder with smdsAddress is 8.9/5.1.
    pub es12: Option<Es12Section>,
    /// The loopback fault-injection interface ([`crate::admin`]); absent = not served.
    pub admin: Option<AdminSection>,
}

/// `[es2]`: where operators reach the SM-DP+ and where it reports progress.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Es2Section {
    pub bind: String,
    /// DER or PEM roots the operator's client certificate must chain to; absent = the PKI's CIs.
    pub operator_roots: Option<PathBuf>,
    /// Full URL of the operator's HandleDownloadProgressInfo; absent = no callbacks.
    pub callback_url: Option<String>,
    /// Accept any certificate from the callback server (lab operator simulators).
    #[serde(default)]
    pub callback_insecure: bool,
}

/// `[es12]`: how the SM-DP+ reaches SM-DSs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Es12Section {
    /// `host=ip:port` overrides of DNS (an SM-DS on loopback).
    #[serde(default)]
    pub resolve: Vec<String>,
    /// forwardingIndicator of RegisterEvent.
    #[serde(default)]
    pub forwarding: bool,
    /// Accept any SM-DS certificate (else it must chain to the PKI's CIs).
    #[serde(default)]
    pub insecure: bool,
}

/// `[admin]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    /// A loopback address (`127.0.0.1:8445`); anything else is refused.
    pub bind: String,
}

fn default_address() -> String {
    SmdpConfig::default().address
}
fn default_bind() -> String {
    "127.0.0.1:8443".into()
}
fn default_cc() -> u32 {
    SmdpConfig::default().cc_max_attempts
}
fn default_downloads() -> u32 {
    SmdpConfig::default().download_max_attempts
}

impl ServeConfig {
    /// Reads `path`; relative paths inside become relative to its directory.
    pub fn load(path: &Path) -> Result<ServeConfig, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        let mut c: ServeConfig = toml::from_str(&text).map_err(|e| ConfigError::Toml {
            path: p,
            detail: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |x: &mut Option<PathBuf>| {
            if let Some(v) = x.as_mut() {
                if v.is_relative() {
                    *v = base.join(&*v);
                }
            }
        };
        fix(&mut c.pki);
        fix(&mut c.database);
        fix(&mut c.tls_cert);
        fix(&mut c.tls_key);
        if let Some(es2) = c.es2.as_mut() {
            fix(&mut es2.operator_roots);
        }
        for e in &mut c.profiles {
            fix(&mut e.description);
            fix(&mut e.der);
        }
        Ok(c)
    }

    pub fn smdp_config(&self) -> SmdpConfig {
        SmdpConfig {
            address: self.address.clone(),
            cc_max_attempts: self.cc_max_attempts,
            download_max_attempts: self.download_max_attempts,
            order_ttl: self.order_ttl_seconds,
            es12_forwarding: self.es12.as_ref().is_some_and(|e| e.forwarding),
            replace_session_keys: self.replace_session_keys,
            production: self.production,
            ..SmdpConfig::default()
        }
    }

    /// The inventory: each entry built or read, its ICCID taken from the profile header.
    pub fn orders(&self, config_path: &Path) -> Result<Vec<Order>, ConfigError> {
        let path = config_path.display().to_string();
        let mut out = Vec::new();
        for (index, e) in self.profiles.iter().enumerate() {
            let bad = |detail: String| ConfigError::Profile {
                path: path.clone(),
                index,
                detail,
            };
            let package = match (&e.description, &e.der) {
                (Some(d), None) => {
                    let text = std::fs::read_to_string(d)
                        .map_err(|err| bad(format!("{}: {err}", d.display())))?;
                    let desc = ProfileDescription::from_toml(&text)
                        .map_err(|err| bad(format!("{}: {err}", d.display())))?;
                    build_der(&desc).map_err(|err| bad(err.to_string()))?
                }
                (None, Some(d)) => {
                    std::fs::read(d).map_err(|err| bad(format!("{}: {err}", d.display())))?
                }
                _ => return Err(bad("give exactly one of `description` and `der`".into())),
            };
            let header = ProfilePackage::parse(&package)
                .map_err(|err| bad(err.to_string()))?
                .header()
                .ok_or_else(|| bad("no profile header".into()))?;
            let raw = header
                .iccid
                .ok_or_else(|| bad("no ICCID in the header".into()))?;
            // Header ICCIDs appear in both codings in the wild (digest §7.2).
            let iccid = Iccid::from_plain_bcd(&raw)
                .or_else(|_| Iccid::from_bcd(&raw))
                .map_err(|err| bad(format!("header ICCID: {err}")))?;
            let mut order = Order::available(&iccid.to_string(), package, &e.profile_type);
            order.state = match e.state.as_str() {
                "available" => OrderState::Available,
                "released" => OrderState::Released,
                other => return Err(bad(format!("state {other:?}: available or released"))),
            };
            order.matching_id = e.matching_id.clone();
            order.eid = e.eid.clone();
            order.confirmation_code = e.confirmation_code.clone();
            if let Some(v) = &e.service_provider_name {
                order.metadata.service_provider_name = v.clone();
            }
            if let Some(v) = &e.profile_name {
                order.metadata.profile_name = v.clone();
            }
            if let Some(v) = e.profile_class {
                order.metadata.profile_class = v;
            }
            if order.state == OrderState::Released
                && order.matching_id.is_none()
                && order.eid.is_none()
            {
                return Err(bad(
                    "a released profile needs a matching_id or an eid".into()
                ));
            }
            out.push(order);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inventory_builds_from_descriptions() {
        let dir = std::env::temp_dir().join(format!("rsp-smdp-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/profiles");
        let path = dir.join("smdp.toml");
        std::fs::write(
            &path,
            format!(
                "in_memory = true\n[[profile]]\ndescription = \"{vectors}/minimal-milenage.toml\"\nstate = \"released\"\nmatching_id = \"AC-1\"\n\n[[profile]]\nder = \"{vectors}/usim-isim-full.der\"\nprofile_type = \"consumer\"\n"
            ),
        )
        .unwrap();
        let c = ServeConfig::load(&path).unwrap();
        let orders = c.orders(&path).unwrap();
        assert_eq!(orders.len(), 2);
        assert_eq!(orders[0].iccid, "89999000000000000018");
        assert_eq!(orders[0].state, OrderState::Released);
        assert_eq!(orders[1].profile_type, "consumer");
        std::fs::write(&path, "[[profile]]\nstate = \"released\"\n").unwrap();
        let e = ServeConfig::load(&path).unwrap().orders(&path).unwrap_err();
        assert!(e.to_string().contains("profile 0"), "{e}");
        std::fs::write(&path, "colour = 1\n").unwrap();
        assert!(ServeConfig::load(&path)
            .unwrap_err()
            .to_string()
            .contains("colour"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
