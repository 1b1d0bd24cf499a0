//! A certificate set in the SGP.26 file layout: loading, per-curve access and verifying every
//! chain in it.
//!
//! Layout (each certificate as `.der`, or `.pem` when there is no `.der`; `SK_*` private keys
//! as PEM; `PK_*` files are not read):
//!
//! | part | certificate | private key | required |
//! |---|---|---|---|
//! | CI | `CertificateIssuer/CERT_CI_ECDSA_{T}` | `SK_CI_ECDSA_{T}.pem` | yes (defines the curve) |
//! | EUM | `EUM/CERT_EUM_ECDSA_{T}` | `SK_EUM_ECDSA_{T}.pem` | yes |
//! | eUICC | `eUICC/CERT_EUICC_ECDSA_{T}` | `SK_EUICC_ECDSA_{T}.pem` | yes |
//! | DPauth | `DPauth/CERT_S_SM_DPauth_ECDSA_{T}` | `SK_S_SM_DPauth_ECDSA_{T}.pem` | yes |
//! | DPpb | `DPpb/CERT_S_SM_DPpb_ECDSA_{T}` | `SK_S_SM_DPpb_ECDSA_{T}.pem` | yes |
//! | DPtls | `DPtls/CERT_S_SM_DP_VARO_TLS_{T}` | `SK_S_SM_DP_TLS_{T}.pem` | yes |
//! | SM-DP+ 2 | `DPauth/CERT_S_SM_DP2auth_ECDSA_{T}`, `DPpb/CERT_S_SM_DP2pb_ECDSA_{T}` | `SK_…` | no |
//! | DSauth | `DSauth/CERT_S_SM_DSauth_ECDSA_{T}` | `SK_S_SM_DSauth_ECDSA_{T}.pem` | no |
//! | DStls | `DStls/CERT_S_SM_DS_TLS_{T}` | `SK_S_SM_DS_TLS_{T}.pem` | no |
//! | Operator | `Operator/CERT_OPERATOR_ECDSA_{T}` | `SK_OPERATOR_ECDSA_{T}.pem` | no |
//! | other DP TLS | any other `DPtls/CERT_*` (SGP.26: `CERT_S_SM_DP{2,4,8}_TLS`) | `SK_S_SM_DP{n}_TLS[_{T}].pem` | no |
//! | negative | every certificate in `invalid/` | — | no |
//!
//! `{T}` is `NIST` (P-256) or `BRP` (brainpoolP256r1); a curve is present when its CI
//! certificate is. SGP.26 itself has no DSauth, DStls or Operator certificates; the names above
//! are the ones our generator (`pkigen`) writes. Every error names the file. A private key that
//! does not match its certificate, a certificate whose key is not on the curve its name says,
//! and a `.pem` that differs from the `.der` beside it are errors.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cert::{
    verify_chain_with, CertError, ParseError, Role, RspCertificate, StatusContext, Time,
    VerifiedChain, VerifyOptions,
};
use crate::ecc::{Curve, EccError, PrivateKey};

/// Key identifiers of the GSMA test CIs of SGP.26 (NIST P-256 and brainpoolP256r1): an RSP
/// role configured for production must not accept chains to them (digest §9).
pub const GSMA_TEST_CI_KEY_IDS: [[u8; 20]; 2] = [
    [
        0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE, 0xB8, 0x8A, 0x38, 0xA1, 0xC1,
        0x1D, 0x80, 0x0A, 0x85, 0xC3,
    ],
    [
        0xC0, 0xBC, 0x70, 0xBA, 0x36, 0x92, 0x9D, 0x43, 0xB4, 0x67, 0xFF, 0x57, 0x57, 0x05, 0x30,
        0xE5, 0x7A, 0xB8, 0xFC, 0xD8,
    ],
];

/// Whether `key_id` is one of the GSMA test CIs' ([`GSMA_TEST_CI_KEY_IDS`]).
pub fn is_gsma_test_ci(key_id: &[u8]) -> bool {
    GSMA_TEST_CI_KEY_IDS.iter().any(|k| k.as_slice() == key_id)
}

/// Why a set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PkiSetError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: required file missing (also looked for .pem)", path.display())]
    Missing { path: PathBuf },
    #[error("{}: not a certificate: {error}", path.display())]
    Parse { path: PathBuf, error: ParseError },
    #[error("{}: private key: {error}", path.display())]
    Key { path: PathBuf, error: EccError },
    #[error("{}: private key does not match the certificate {}", path.display(), cert.display())]
    KeyMismatch { path: PathBuf, cert: PathBuf },
    #[error("{}: certificate key is {found}, the file name says {expected}", path.display())]
    WrongCurve {
        path: PathBuf,
        expected: Curve,
        found: String,
    },
    #[error("{}: differs from {}", pem.display(), der.display())]
    PemDerDiffer { pem: PathBuf, der: PathBuf },
    #[error("{}: no CertificateIssuer/CERT_CI_ECDSA_NIST or _BRP certificate", dir.display())]
    NoCi { dir: PathBuf },
}

/// One certificate of the set, with its private key when the set has it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the set directory, e.g. `eUICC/CERT_EUICC_ECDSA_NIST.der`.
    pub name: String,
    pub path: PathBuf,
    pub cert: RspCertificate,
    pub key: Option<PrivateKey>,
    pub key_path: Option<PathBuf>,
}

/// The certificates of one curve.
#[derive(Debug, Clone)]
pub struct CurveSet {
    pub curve: Curve,
    pub ci: Entry,
    pub eum: Entry,
    pub euicc: Entry,
    pub dp_auth: Entry,
    pub dp_pb: Entry,
    pub dp_tls: Entry,
    pub dp2_auth: Option<Entry>,
    pub dp2_pb: Option<Entry>,
    pub ds_auth: Option<Entry>,
    pub ds_tls: Option<Entry>,
    pub operator: Option<Entry>,
}

impl CurveSet {
    /// `(entry, role, intermediates)` for every valid chain of this curve.
    fn chains(&self) -> Vec<(&Entry, Role, Vec<&Entry>)> {
        let mut v = vec![
            (&self.ci, Role::Ci, vec![]),
            (&self.eum, Role::Eum, vec![]),
            (&self.euicc, Role::Euicc, vec![&self.eum]),
            (&self.dp_auth, Role::DpAuth, vec![]),
            (&self.dp_pb, Role::DpPb, vec![]),
            (&self.dp_tls, Role::DpTls, vec![]),
        ];
        let optional = [
            (&self.dp2_auth, Role::DpAuth),
            (&self.dp2_pb, Role::DpPb),
            (&self.ds_auth, Role::DsAuth),
            (&self.ds_tls, Role::DsTls),
            (&self.operator, Role::Operator),
        ];
        for (e, role) in optional {
            if let Some(e) = e {
                v.push((e, role, vec![]));
            }
        }
        v
    }
}

/// A loaded certificate set.
#[derive(Debug, Clone)]
pub struct PkiSet {
    pub dir: PathBuf,
    curves: Vec<CurveSet>,
    /// DP TLS certificates beyond `CERT_S_SM_DP_VARO_TLS_{T}` (SGP.26: DP2/DP4/DP8, NIST only).
    pub extra_tls: Vec<Entry>,
    /// The negative-test certificates of `invalid/`.
    pub invalid: Vec<Entry>,
}

/// One verified (or refused) chain of a set.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// The leaf's file, relative to the set directory.
    pub name: String,
    pub role: Role,
    pub curve: Option<Curve>,
    /// `false` for the `invalid/` certificates, which must fail.
    pub expect_valid: bool,
    pub result: Result<VerifiedChain, CertError>,
}

impl ChainReport {
    /// Valid chains verified and invalid ones were refused.
    pub fn as_expected(&self) -> bool {
        self.result.is_ok() == self.expect_valid
    }
}

/// One line: `OK|FAIL|REJECTED|ACCEPTED  curve role  file: details`.
impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match (&self.result, self.expect_valid) {
            (Ok(_), true) => "OK",
            (Err(_), true) => "FAIL",
            (Err(_), false) => "REJECTED",
            (Ok(_), false) => "ACCEPTED",
        };
        let curve = self.curve.map_or("?", Curve::file_tag);
        write!(
            f,
            "{status:<8} {curve:<4} {:<8} {}: ",
            self.role.name(),
            self.name
        )?;
        match &self.result {
            Ok(v) => {
                write!(
                    f,
                    "CI {} until {}",
                    hex::encode_upper(v.ci_pkid()),
                    v.leaf().not_after()
                )?;
                if let Some(eid) = v.eid() {
                    write!(f, ", EID {eid}")?;
                }
                if let Some(oid) = v.server_oid() {
                    write!(f, ", OID {oid}")?;
                }
                if let Some(dns) = v.dns_names().first() {
                    write!(f, ", DNS {dns}")?;
                }
                if !self.expect_valid {
                    f.write_str(" (expected a failure)")?;
                }
                Ok(())
            }
            Err(e) => {
                write!(f, "{}: {e}", e.kind())?;
                match self.role {
                    Role::Euicc | Role::Eum => {
                        let (s, r) = e.es9_status(StatusContext::AuthenticateClient);
                        write!(f, " [ES9+ {s}/{r}]")
                    }
                    Role::DpAuth | Role::DsAuth => {
                        write!(f, " [AuthenticateServer {}]", e.authenticate_server_error())
                    }
                    Role::DpPb => write!(f, " [PrepareDownload {}]", e.prepare_download_error()),
                    _ => Ok(()),
                }
            }
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, PkiSetError> {
    std::fs::read(path).map_err(|source| PkiSetError::Io {
        path: path.to_owned(),
        source,
    })
}

fn parse_cert(path: &Path) -> Result<RspCertificate, PkiSetError> {
    RspCertificate::from_der_or_pem(&read(path)?).map_err(|error| PkiSetError::Parse {
        path: path.to_owned(),
        error,
    })
}

/// Private-key file names for a certificate file stem: `SK_` + the stem after `CERT_`, also
/// without `_VARO`, also with the curve tag appended when the stem has none.
fn key_candidates(stem: &str, curve: Option<Curve>) -> Vec<String> {
    let base = stem.strip_prefix("CERT_").unwrap_or(stem);
    let mut out = vec![format!("SK_{base}.pem")];
    let no_varo = base.replace("_VARO", "");
    if no_varo != base {
        out.push(format!("SK_{no_varo}.pem"));
    }
    let has_tag = Curve::ALL
        .iter()
        .any(|c| base.ends_with(&format!("_{}", c.file_tag())));
    if let (false, Some(c)) = (has_tag, curve) {
        out.push(format!("SK_{base}_{}.pem", c.file_tag()));
    }
    out
}

struct Loader<'a> {
    dir: &'a Path,
}

impl Loader<'_> {
    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(self.dir)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    /// Loads `sub/stem.der` (or `.pem`) with its key; `Ok(None)` when neither file exists.
    fn optional(
        &self,
        sub: &str,
        stem: &str,
        curve: Option<Curve>,
    ) -> Result<Option<Entry>, PkiSetError> {
        let der = self.dir.join(sub).join(format!("{stem}.der"));
        let pem = self.dir.join(sub).join(format!("{stem}.pem"));
        let path = if der.is_file() {
            der
        } else if pem.is_file() {
            pem
        } else {
            return Ok(None);
        };
        self.entry(&path, curve, true).map(Some)
    }

    fn required(&self, sub: &str, stem: &str, curve: Curve) -> Result<Entry, PkiSetError> {
        self.optional(sub, stem, Some(curve))?
            .ok_or_else(|| PkiSetError::Missing {
                path: self.dir.join(sub).join(format!("{stem}.der")),
            })
    }

    fn entry(
        &self,
        path: &Path,
        curve: Option<Curve>,
        with_key: bool,
    ) -> Result<Entry, PkiSetError> {
        let cert = parse_cert(path)?;
        if let Some(expected) = curve {
            if cert.curve() != Some(expected) {
                return Err(PkiSetError::WrongCurve {
                    path: path.to_owned(),
                    expected,
                    found: cert
                        .curve()
                        .map(|c| c.to_string())
                        .or_else(|| cert.curve_oid().map(str::to_owned))
                        .unwrap_or_else(|| cert.key_algorithm().to_owned()),
                });
            }
        }
        let mut entry = Entry {
            name: self.rel(path),
            path: path.to_owned(),
            cert,
            key: None,
            key_path: None,
        };
        if with_key {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parent = path.parent().unwrap_or(self.dir);
            let found = key_candidates(&stem, curve.or(entry.cert.curve()))
                .into_iter()
                .map(|n| parent.join(n))
                .find(|p| p.is_file());
            if let Some(kp) = found {
                let text = String::from_utf8_lossy(&read(&kp)?).into_owned();
                let key = PrivateKey::from_pem(&text).map_err(|error| PkiSetError::Key {
                    path: kp.clone(),
                    error,
                })?;
                if entry.cert.public_key() != Some(&key.public_key()) {
                    return Err(PkiSetError::KeyMismatch {
                        path: kp,
                        cert: path.to_owned(),
                    });
                }
                entry.key = Some(key);
                entry.key_path = Some(kp);
            }
        }
        Ok(entry)
    }

    fn curve_set(&self, curve: Curve) -> Result<Option<CurveSet>, PkiSetError> {
        let t = curve.file_tag();
        let Some(ci) = self.optional(
            "CertificateIssuer",
            &format!("CERT_CI_ECDSA_{t}"),
            Some(curve),
        )?
        else {
            return Ok(None);
        };
        let opt = |sub: &str, stem: String| self.optional(sub, &stem, Some(curve));
        Ok(Some(CurveSet {
            curve,
            ci,
            eum: self.required("EUM", &format!("CERT_EUM_ECDSA_{t}"), curve)?,
            euicc: self.required("eUICC", &format!("CERT_EUICC_ECDSA_{t}"), curve)?,
            dp_auth: self.required("DPauth", &format!("CERT_S_SM_DPauth_ECDSA_{t}"), curve)?,
            dp_pb: self.required("DPpb", &format!("CERT_S_SM_DPpb_ECDSA_{t}"), curve)?,
            dp_tls: self.required("DPtls", &format!("CERT_S_SM_DP_VARO_TLS_{t}"), curve)?,
            dp2_auth: opt("DPauth", format!("CERT_S_SM_DP2auth_ECDSA_{t}"))?,
            dp2_pb: opt("DPpb", format!("CERT_S_SM_DP2pb_ECDSA_{t}"))?,
            ds_auth: opt("DSauth", format!("CERT_S_SM_DSauth_ECDSA_{t}"))?,
            ds_tls: opt("DStls", format!("CERT_S_SM_DS_TLS_{t}"))?,
            operator: opt("Operator", format!("CERT_OPERATOR_ECDSA_{t}"))?,
        }))
    }

    /// Certificate files of a directory, `.der` preferred over a `.pem` of the same stem (the
    /// two must then hold the same certificate). Sorted by name.
    fn cert_files(&self, sub: &str) -> Result<Vec<PathBuf>, PkiSetError> {
        let d = self.dir.join(sub);
        if !d.is_dir() {
            return Ok(Vec::new());
        }
        let rd = std::fs::read_dir(&d).map_err(|source| PkiSetError::Io {
            path: d.clone(),
            source,
        })?;
        let mut names: Vec<String> = Vec::new();
        for e in rd {
            let e = e.map_err(|source| PkiSetError::Io {
                path: d.clone(),
                source,
            })?;
            names.push(e.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        let mut out = Vec::new();
        for n in &names {
            let Some(stem) = n
                .strip_suffix(".der")
                .or_else(|| n.strip_suffix(".pem"))
                .filter(|s| s.starts_with("CERT_"))
            else {
                continue;
            };
            let der = d.join(format!("{stem}.der"));
            if n.ends_with(".pem") && der.is_file() {
                let pem = d.join(n);
                if parse_cert(&pem)?.der() != parse_cert(&der)?.der() {
                    return Err(PkiSetError::PemDerDiffer { pem, der });
                }
                continue;
            }
            out.push(d.join(n));
        }
        Ok(out)
    }
}

impl PkiSet {
    /// Loads the set under `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<PkiSet, PkiSetError> {
        let dir = dir.as_ref();
        let l = Loader { dir };
        let mut curves = Vec::new();
        for curve in Curve::ALL {
            if let Some(cs) = l.curve_set(curve)? {
                curves.push(cs);
            }
        }
        if curves.is_empty() {
            return Err(PkiSetError::NoCi {
                dir: dir.to_owned(),
            });
        }
        let main_tls: Vec<String> = Curve::ALL
            .iter()
            .map(|c| format!("CERT_S_SM_DP_VARO_TLS_{}", c.file_tag()))
            .collect();
        let mut extra_tls = Vec::new();
        for p in l.cert_files("DPtls")? {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !main_tls.contains(&stem) {
                extra_tls.push(l.entry(&p, None, true)?);
            }
        }
        let invalid = l
            .cert_files("invalid")?
            .iter()
            .map(|p| l.entry(p, None, false))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PkiSet {
            dir: dir.to_owned(),
            curves,
            extra_tls,
            invalid,
        })
    }

    /// The certificates of `curve`, if the set has that curve.
    pub fn curve(&self, curve: Curve) -> Option<&CurveSet> {
        self.curves.iter().find(|c| c.curve == curve)
    }

    /// Every curve present, NIST first.
    pub fn curves(&self) -> &[CurveSet] {
        &self.curves
    }

    /// The CI certificates (trust anchors) of every curve.
    pub fn cis(&self) -> Vec<RspCertificate> {
        self.curves.iter().map(|c| c.ci.cert.clone()).collect()
    }

    /// [`PkiSet::verify_all_with`] with default options.
    pub fn verify_all(&self, at: Time) -> Vec<ChainReport> {
        self.verify_all_with(at, &VerifyOptions::default())
    }

    /// Verifies every chain of the set at `at`, each against the CI of its own curve:
    /// per curve CI, EUM, eUICC (under the EUM), DPauth, DPpb, DPtls and the optional parts;
    /// the extra DP TLS certificates; and each `invalid/` certificate, which is expected to
    /// fail: `*EUICC*` as an eUICC under the set's EUM, `*EUM*` as the EUM under the set's
    /// eUICC (with any `CERT_UNKNOWN_CI*` as a further intermediate), `CERT_UNKNOWN_CI*` as a
    /// CI, anything else as the role its policy names.
    pub fn verify_all_with(&self, at: Time, options: &VerifyOptions) -> Vec<ChainReport> {
        let mut out = Vec::new();
        let run_with = |leaf: &RspCertificate,
                        inter: &[&Entry],
                        cs: &CurveSet,
                        role: Role,
                        options: &VerifyOptions| {
            let inter: Vec<RspCertificate> = inter.iter().map(|e| e.cert.clone()).collect();
            verify_chain_with(
                leaf,
                &inter,
                std::slice::from_ref(&cs.ci.cert),
                role,
                at,
                options,
            )
        };
        let run = |leaf: &RspCertificate, inter: &[&Entry], cs: &CurveSet, role: Role| {
            run_with(leaf, inter, cs, role, options)
        };
        for cs in &self.curves {
            for (e, role, inter) in cs.chains() {
                out.push(ChainReport {
                    name: e.name.clone(),
                    role,
                    curve: Some(cs.curve),
                    expect_valid: true,
                    result: run(&e.cert, &inter, cs, role),
                });
            }
        }
        let pick = |e: &Entry| {
            let by_name = Curve::ALL.into_iter().find(|c| {
                e.name
                    .to_ascii_uppercase()
                    .contains(&format!("_{}", c.file_tag()))
            });
            let c = e.cert.curve().or(by_name).unwrap_or(Curve::NistP256);
            self.curve(c).or(self.curves.first())
        };
        for e in &self.extra_tls {
            if let Some(cs) = pick(e) {
                out.push(ChainReport {
                    name: e.name.clone(),
                    role: Role::DpTls,
                    curve: e.cert.curve(),
                    expect_valid: true,
                    result: run(&e.cert, &[], cs, Role::DpTls),
                });
            }
        }
        let stem_of = |e: &Entry| {
            e.path
                .file_stem()
                .map(|s| s.to_string_lossy().to_ascii_uppercase())
                .unwrap_or_default()
        };
        let unknown_cis: Vec<&Entry> = self
            .invalid
            .iter()
            .filter(|e| stem_of(e).starts_with("CERT_UNKNOWN_CI"))
            .collect();
        for e in &self.invalid {
            let Some(cs) = pick(e) else { continue };
            let stem = stem_of(e);
            // The file name says what the certificate stands for; its (possibly wrong) policy
            // must not decide the role it is checked as.
            let (role, result) = if stem.starts_with("CERT_UNKNOWN_CI") {
                (Role::Ci, run(&e.cert, &[], cs, Role::Ci))
            } else if stem.contains("EUICC") {
                let mut opts = options.clone();
                if stem.contains("UNMATCHED_EID") {
                    // An eUICC other than the one the order is bound to (SGP.23 #14).
                    opts.expected_eid = cs.euicc.cert.eid_text().map(str::to_owned);
                }
                (
                    Role::Euicc,
                    run_with(&e.cert, &[&cs.eum], cs, Role::Euicc, &opts),
                )
            } else if stem.contains("EUM") {
                let mut inter = vec![e];
                inter.extend(unknown_cis.iter().copied());
                (Role::Euicc, run(&cs.euicc.cert, &inter, cs, Role::Euicc))
            } else if stem.contains("DPPB") || stem.contains("DP2PB") {
                // A CERT.DPpb must name the SM-DP+ of the set's CERT.DPauth.
                let opts = VerifyOptions {
                    expected_server_oid: cs.dp_auth.cert.registered_ids().first().cloned(),
                    ..options.clone()
                };
                (Role::DpPb, run_with(&e.cert, &[], cs, Role::DpPb, &opts))
            } else {
                let role = role_from_name(&stem)
                    .or_else(|| e.cert.roles().first().copied())
                    .unwrap_or(Role::DpAuth);
                (role, run(&e.cert, &[], cs, role))
            };
            out.push(ChainReport {
                name: e.name.clone(),
                role,
                curve: Some(cs.curve),
                expect_valid: false,
                result,
            });
        }
        out
    }
}

/// The role a certificate file stands for, from its SGP.26-style name.
fn role_from_name(stem: &str) -> Option<Role> {
    const NAMES: &[(&str, Role)] = &[
        ("DPAUTH", Role::DpAuth),
        ("DP2AUTH", Role::DpAuth),
        ("DPPB", Role::DpPb),
        ("DP2PB", Role::DpPb),
        ("DSAUTH", Role::DsAuth),
        ("SM_DS_TLS", Role::DsTls),
        ("_TLS", Role::DpTls),
        ("OPERATOR", Role::Operator),
        ("EUICC", Role::Euicc),
        ("EUM", Role::Eum),
    ];
    NAMES
        .iter()
        .find(|(needle, _)| stem.contains(needle))
        .map(|(_, role)| *role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_names() {
        assert_eq!(
            key_candidates("CERT_S_SM_DP_VARO_TLS_NIST", Some(Curve::NistP256)),
            vec!["SK_S_SM_DP_VARO_TLS_NIST.pem", "SK_S_SM_DP_TLS_NIST.pem"]
        );
        assert_eq!(
            key_candidates("CERT_S_SM_DP2_TLS", Some(Curve::NistP256)),
            vec!["SK_S_SM_DP2_TLS.pem", "SK_S_SM_DP2_TLS_NIST.pem"]
        );
        assert_eq!(
            key_candidates("CERT_EUM_ECDSA_BRP", Some(Curve::BrainpoolP256r1)),
            vec!["SK_EUM_ECDSA_BRP.pem"]
        );
    }

    #[test]
    fn empty_dir_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("pkiset-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = PkiSet::load(&dir).unwrap_err();
        assert!(matches!(e, PkiSetError::NoCi { .. }), "{e}");
        assert!(e.to_string().contains("pkiset-empty"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
