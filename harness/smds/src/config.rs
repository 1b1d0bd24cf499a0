//! `rspcheck serve smds --config FILE`: the SM-DS's address, PKI, listeners, store, parent
//! (cascade) and limits, as TOML. Relative paths are relative to the configuration file.
//!
//! ```toml
//! address = "testsmds.example.com"   # FQDN (optionally :port) signed in serverSigned1
//! pki = "pki"                         # SGP.26 layout with DSauth/DStls; absent: generated
//! pki_seed = 0                        # seed of the generated PKI when `pki` is absent
//! bind = "127.0.0.1:0"                # ES11 (LPAs), server TLS
//! es12_bind = "127.0.0.1:0"           # ES12 (SM-DP+s), mutual TLS
//! es12_client_auth = true             # false: lab, ES12 on `bind` without client certificates
//! database = "smds.db"                # or in_memory = true
//! check_expiry = true
//!
//! [parent]                            # cascade: forward forwardingIndicator=true events
//! url = "https://lpa.ds.example.com:8446"    # the parent's ES12 listener
//! trust = "rsp-role"                  # rsp-role (CERT.DStls under the CIs) | webpki | insecure
//! roots = []                          # trust anchors (DER/PEM); default: the PKI's NIST CI
//! resolve = { "lpa.ds.example.com" = "127.0.0.1:8446" }
//! timeout_secs = 10
//!
//! [limits]
//! max_connections = 1024
//! request_timeout_secs = 30
//! idle_timeout_secs = 60
//! # max_requests = 1000              # stop after this many requests per listener (tests)
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rsp_crypto::cert::Role;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
use rsp_http::{
    ClientConfig, ClientIdentity, HttpError, ServerConfig, ServerHandle, TlsConfig, Trust,
};
use serde::Deserialize;

use crate::events::{EventStore, MemoryEventStore};
use crate::forward::HttpForwarder;
use crate::http::{Clock, Listener, SmdsService};
use crate::smds::{Smds, SmdsConfig, SmdsError, MAX_BODY};
use crate::sqlite::{SqliteEventStore, SqliteStoreError};

/// Why a configuration cannot be used or the server cannot start.
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
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("PKI {dir}: {detail}")]
    Pki { dir: String, detail: String },
    #[error("{what}: {source}")]
    Http {
        what: &'static str,
        #[source]
        source: HttpError,
    },
    #[error(transparent)]
    Store(#[from] SqliteStoreError),
    #[error(transparent)]
    Smds(#[from] SmdsError),
}

/// How the SM-DS checks its parent's TLS certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParentTrust {
    /// Chain to the roots, host name in the SAN, and the SGP.22 role CERT.DStls.
    #[default]
    RspRole,
    /// Chain to the roots and host name only.
    Webpki,
    /// Any certificate (lab).
    Insecure,
}

/// The parent (Root) SM-DS of a cascade.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentConfig {
    /// `https://host[:port]` of the parent's ES12 listener.
    pub url: String,
    #[serde(default)]
    pub trust: ParentTrust,
    /// Trust anchors (DER or PEM files); empty: the PKI's NIST CI.
    #[serde(default)]
    pub roots: Vec<PathBuf>,
    /// Host name → `ip:port` overrides.
    #[serde(default)]
    pub resolve: BTreeMap<String, String>,
    #[serde(default = "default_parent_timeout")]
    pub timeout_secs: u64,
}

/// Server limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_connections")]
    pub max_connections: usize,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_secs: u64,
    /// Each listener stops after this many requests (tests, bounded runs).
    pub max_requests: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: default_connections(),
            request_timeout_secs: default_request_timeout(),
            idle_timeout_secs: default_idle_timeout(),
            max_requests: None,
        }
    }
}

/// The server's configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    #[serde(default = "default_address")]
    pub address: String,
    /// PKI folder in the SGP.26 layout (with DSauth and DStls); absent: a generated test PKI.
    pub pki: Option<PathBuf>,
    /// Seed of the generated PKI when `pki` is absent.
    #[serde(default)]
    pub pki_seed: u64,
    #[serde(default = "default_bind")]
    pub bind: String,
    #[serde(default = "default_bind")]
    pub es12_bind: String,
    /// `false` serves ES12 on `bind` without client certificates (lab).
    #[serde(default = "yes")]
    pub es12_client_auth: bool,
    pub database: Option<PathBuf>,
    #[serde(default)]
    pub in_memory: bool,
    #[serde(default = "yes")]
    pub check_expiry: bool,
    pub parent: Option<ParentConfig>,
    #[serde(default)]
    pub limits: Limits,
    /// A deliberately planted bug (the live fuzzer's self-test); never read from a file.
    #[serde(skip)]
    pub planted_bug: Option<crate::smds::SmdsPlantedBug>,
}

fn default_address() -> String {
    SmdsConfig::default().address
}
fn default_bind() -> String {
    "127.0.0.1:0".into()
}
fn yes() -> bool {
    true
}
fn default_parent_timeout() -> u64 {
    10
}
fn default_connections() -> usize {
    1024
}
fn default_request_timeout() -> u64 {
    30
}
fn default_idle_timeout() -> u64 {
    60
}

/// A running SM-DS: its listeners. Dropping it stops them.
#[derive(Debug)]
pub struct RunningSmds {
    pub es11: ServerHandle,
    /// `None` when `es12_client_auth = false` (ES12 is then on the ES11 listener).
    pub es12: Option<ServerHandle>,
}

impl RunningSmds {
    /// Blocks until every listener has stopped (after `max_requests`, or never).
    pub fn wait(&self) {
        while !self.es11.wait_stopped(Duration::from_secs(3600)) {}
        if let Some(h) = &self.es12 {
            while !h.wait_stopped(Duration::from_secs(3600)) {}
        }
    }
}

impl ServeConfig {
    /// Reads `path`; relative paths inside become relative to its directory.
    pub fn load(path: &Path) -> Result<ServeConfig, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        let mut c = ServeConfig::from_toml(&text)
            .map_err(|detail| ConfigError::Toml { path: p, detail })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |v: &mut PathBuf| {
            if v.is_relative() {
                *v = base.join(&*v);
            }
        };
        c.pki.as_mut().map(fix);
        c.database.as_mut().map(fix);
        if let Some(parent) = c.parent.as_mut() {
            parent.roots.iter_mut().for_each(fix);
        }
        Ok(c)
    }

    /// Parses TOML text (paths stay as written).
    pub fn from_toml(text: &str) -> Result<ServeConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn smds_config(&self) -> SmdsConfig {
        SmdsConfig {
            address: self.address.clone(),
            check_expiry: self.check_expiry,
            planted_bug: self.planted_bug,
            ..SmdsConfig::default()
        }
    }

    fn socket(what: &str, s: &str) -> Result<SocketAddr, ConfigError> {
        s.parse()
            .map_err(|e| ConfigError::Invalid(format!("{what} {s:?}: {e}")))
    }

    fn server_config(&self, bind: SocketAddr, tls: TlsConfig) -> ServerConfig {
        ServerConfig {
            bind,
            tls: Some(tls),
            // Over the SM-DS's own limit so that the handler answers 1.2.1 instead of 413.
            max_body_bytes: MAX_BODY * 2,
            max_connections: self.limits.max_connections,
            request_timeout: Duration::from_secs(self.limits.request_timeout_secs),
            idle_timeout: Duration::from_secs(self.limits.idle_timeout_secs),
            max_requests: self.limits.max_requests,
            ..ServerConfig::default()
        }
    }

    /// The forwarder to the parent, if one is configured: presents this SM-DS's CERT.DStls.
    pub fn forwarder(&self, pki: &PkiSet) -> Result<Option<HttpForwarder>, ConfigError> {
        let Some(parent) = &self.parent else {
            return Ok(None);
        };
        let roots = if parent.roots.is_empty() {
            vec![nist(pki)?.ci.cert.der().to_vec()]
        } else {
            let mut all = Vec::new();
            for r in &parent.roots {
                all.extend(
                    rsp_http::load_certificates(r).map_err(|source| ConfigError::Http {
                        what: "parent trust anchors",
                        source,
                    })?,
                );
            }
            all
        };
        let trust = match parent.trust {
            ParentTrust::RspRole => Trust::RspRole {
                roots,
                role: Role::DsTls,
            },
            ParentTrust::Webpki => Trust::Roots(roots),
            ParentTrust::Insecure => Trust::InsecureAcceptAny,
        };
        let mut client = ClientConfig::new(trust);
        client.timeout = Duration::from_secs(parent.timeout_secs.max(1));
        for (host, addr) in &parent.resolve {
            client
                .resolve
                .push((host.clone(), Self::socket("parent.resolve", addr)?));
        }
        let tls = ds_tls(pki)?;
        client.client_identity = Some(ClientIdentity {
            cert_chain_der: tls.cert_chain_der,
            key_der: tls.key_der,
        });
        let f = HttpForwarder::new(parent.url.clone(), self.address.clone(), client).map_err(
            |source| ConfigError::Http {
                what: "parent SM-DS client",
                source,
            },
        )?;
        Ok(Some(f))
    }

    /// Builds the SM-DS from `pki` and serves it: the ES11 listener, and the mutual-TLS ES12
    /// listener unless `es12_client_auth = false`.
    pub fn start(
        &self,
        pki: &PkiSet,
        seed: u64,
        clock: Box<dyn Clock>,
    ) -> Result<RunningSmds, ConfigError> {
        match (&self.database, self.in_memory) {
            (Some(db), false) => self.start_with(SqliteEventStore::open(db)?, pki, seed, clock),
            (None, true) => self.start_with(MemoryEventStore::default(), pki, seed, clock),
            _ => Err(ConfigError::Invalid(
                "give exactly one of `database = FILE` and `in_memory = true`".into(),
            )),
        }
    }

    /// [`ServeConfig::start`] over a given store.
    pub fn start_with<S: EventStore + Send + 'static>(
        &self,
        store: S,
        pki: &PkiSet,
        seed: u64,
        clock: Box<dyn Clock>,
    ) -> Result<RunningSmds, ConfigError> {
        let bind = Self::socket("bind", &self.bind)?;
        let es12_bind = Self::socket("es12_bind", &self.es12_bind)?;
        let tls = ds_tls(pki)?;
        let mut smds = Smds::new(
            self.smds_config(),
            pki,
            store,
            Box::new(SeededRandom::new(seed)),
            clock.now(),
        )?;
        if let Some(f) = self.forwarder(pki)? {
            smds = smds.with_forwarder(Box::new(f));
        }
        let service = SmdsService::new(smds, pki.cis(), clock);
        let serve = |config, service: SmdsService<S>| {
            rsp_http::serve(config, Arc::new(service)).map_err(|source| ConfigError::Http {
                what: "serve",
                source,
            })
        };
        if !self.es12_client_auth {
            let es11 = serve(
                self.server_config(bind, tls),
                service.for_listener(Listener::Combined),
            )?;
            return Ok(RunningSmds { es11, es12: None });
        }
        let ci = nist(pki)?.ci.cert.der().to_vec();
        let es12 = serve(
            self.server_config(es12_bind, tls.clone().with_client_auth(vec![ci])),
            service.for_listener(Listener::Es12),
        )?;
        let es11 = serve(self.server_config(bind, tls), service)?;
        Ok(RunningSmds {
            es11,
            es12: Some(es12),
        })
    }
}

/// rustls has no brainpool: TLS uses the NIST set.
fn nist(pki: &PkiSet) -> Result<&rsp_crypto::pkiset::CurveSet, ConfigError> {
    pki.curve(Curve::NistP256).ok_or_else(|| ConfigError::Pki {
        dir: pki.dir.display().to_string(),
        detail: "no NIST P-256 set (TLS needs one)".into(),
    })
}

/// CERT.DStls (NIST) and its key as a TLS identity.
pub fn ds_tls(pki: &PkiSet) -> Result<TlsConfig, ConfigError> {
    let bad = |detail: &str| ConfigError::Pki {
        dir: pki.dir.display().to_string(),
        detail: detail.to_owned(),
    };
    let entry = nist(pki)?
        .ds_tls
        .as_ref()
        .ok_or_else(|| bad("no DStls certificate"))?;
    let key = entry
        .key_path
        .as_ref()
        .ok_or_else(|| bad("no DStls private key"))?;
    TlsConfig::from_pem_files(&entry.path, key).map_err(|source| ConfigError::Http {
        what: "DS TLS certificate",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_parses_with_defaults_and_refuses_unknown_keys() {
        let c = ServeConfig::from_toml(
            "in_memory = true\n[parent]\nurl = \"https://root.example.com:9\"\ntrust = \"insecure\"\n\
             resolve = { \"root.example.com\" = \"127.0.0.1:9\" }\n[limits]\nmax_requests = 5\n",
        )
        .unwrap();
        assert_eq!(c.address, "testsmds.example.com");
        assert_eq!(
            (c.bind.as_str(), c.es12_bind.as_str()),
            ("127.0.0.1:0", "127.0.0.1:0")
        );
        assert!(c.es12_client_auth && c.check_expiry && c.in_memory);
        let p = c.parent.unwrap();
        assert_eq!((p.trust, p.timeout_secs), (ParentTrust::Insecure, 10));
        assert_eq!(c.limits.max_requests, Some(5));
        assert_eq!(c.limits.max_connections, 1024);
        let e = ServeConfig::from_toml("colour = 1\n").unwrap_err();
        assert!(e.contains("colour"), "{e}");
        let e = ServeConfig::from_toml("[parent]\nurl = \"x\"\ntrust = \"maybe\"\n").unwrap_err();
        assert!(e.contains("maybe"), "{e}");
    }

    #[test]
    fn load_resolves_relative_paths_and_start_needs_one_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smds.toml");
        std::fs::write(&path, "database = \"smds.db\"\npki = \"pki\"\n").unwrap();
        let c = ServeConfig::load(&path).unwrap();
        assert_eq!(
            c.database.as_deref(),
            Some(dir.path().join("smds.db").as_path())
        );
        assert_eq!(c.pki.as_deref(), Some(dir.path().join("pki").as_path()));
        let pki = PkiSet::load(rsp_euicc::testkit::generated_pki(7)).unwrap();
        let both = ServeConfig::from_toml("database = \"x.db\"\nin_memory = true\n").unwrap();
        let clock = || {
            Box::new(crate::http::FixedClock(rsp_crypto::cert::Time::from_unix(
                0,
            )))
        };
        assert!(matches!(
            both.start(&pki, 1, clock()),
            Err(ConfigError::Invalid(_))
        ));
        let bad_bind = ServeConfig::from_toml("in_memory = true\nbind = \"nowhere\"\n").unwrap();
        assert!(matches!(
            bad_bind.start(&pki, 1, clock()),
            Err(ConfigError::Invalid(_))
        ));
    }
}
