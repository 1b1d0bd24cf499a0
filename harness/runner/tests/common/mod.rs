//! The reference roles on real sockets for the LPA's end-to-end tests, the vpcd system test, the
//! download benchmark and the time-split example: PKIs (SGP.26 or generated), the SM-DP+ and the
//! SM-DS served over HTTPS on 127.0.0.1, the LPA's HTTPS client with host overrides, and the
//! reference eUICC set to one curve.
#![allow(dead_code)] // each target uses part of it

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rsp_codec::apdu::{sw, CommandApdu, ResponseApdu, Transport};
use rsp_codec::json::Es9Function;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_http::{
    ClientConfig, ClientIdentity, Handler, HttpClient, HttpRequest, HttpResponse, ServerConfig,
    ServerHandle, TlsConfig,
};
use rsp_lpa::server::{RawReply, ServerError};
use rsp_lpa::{HttpsServer, RspServer, ServerTrust};
use rsp_smdp::es12_client::HttpEventRegistrar;
use rsp_smdp::http::SmdpService;
use rsp_smdp::{MemoryStore, Order, Smdp, SmdpConfig};

/// The SM-DP+ and SM-DS addresses every PKI here names (SGP.26's and the generator's defaults).
pub const SMDP: &str = "testsmdpplus1.example.com";
pub const SMDS: &str = "testsmds.example.com";

/// The roles' clock: inside every valid certificate of both PKIs (the SGP.26 VARO TLS
/// certificates run 2026-07-21 – 2027-02-06). TLS itself is checked by rustls at the real time,
/// so the SGP.26 cases need a wall clock before 2027-02-06 (the VARO TLS notAfter): after that,
/// their handshakes fail with an expired certificate until SGP.26 publishes new ones.
pub fn now() -> Time {
    "2026-10-01T00:00:00Z".parse().expect("time")
}

/// Which certificate set the roles use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiKind {
    /// The GSMA SGP.26 test set from `../shared/vectors/sgp26`, plus SM-DS certificates issued
    /// here under its CIs (SGP.26 has none; see [`sgp26_with_smds`]).
    Sgp26,
    /// `rsp_euicc::testkit::generated_pki(7)`: both curves, DS and operator certificates.
    Generated,
}

pub struct Pki {
    pub kind: PkiKind,
    pub dir: PathBuf,
    pub set: PkiSet,
}

impl Pki {
    /// Every CI of the set, DER: what the LPA trusts for TLS (with the SGP.22 role check).
    pub fn ci_ders(&self) -> Vec<Vec<u8>> {
        self.set.cis().iter().map(|c| c.der().to_vec()).collect()
    }

    /// Subject key identifier of the CI of `curve`, hex.
    pub fn ci_pkid_hex(&self, curve: Curve) -> String {
        hex::encode_upper(
            self.set
                .curve(curve)
                .expect("curve in PKI")
                .ci
                .cert
                .key_id(),
        )
    }
}

/// The PKI of `kind`, loaded once per process. `None` only for SGP.26 when the vectors are
/// missing outside CI (said loudly); under `CI=true` a missing set fails the test.
pub fn pki(kind: PkiKind) -> Option<&'static Pki> {
    static GENERATED: OnceLock<Pki> = OnceLock::new();
    static SGP26: OnceLock<Option<Pki>> = OnceLock::new();
    match kind {
        PkiKind::Generated => Some(GENERATED.get_or_init(|| {
            let dir = rsp_euicc::testkit::generated_pki(7);
            let set = PkiSet::load(&dir).expect("generated PKI");
            Pki { kind, dir, set }
        })),
        PkiKind::Sgp26 => SGP26
            .get_or_init(|| {
                let source = sgp26_dir()?;
                let dir = sgp26_with_smds(&source);
                let set = PkiSet::load(&dir).expect("SGP.26 set with SM-DS certificates");
                // Every chain the roles use verifies at the roles' time (DP2/4/8 TLS
                // certificates of SGP.26 are not used, and some have expired).
                for report in set.verify_all(now()) {
                    if !set.extra_tls.iter().any(|e| e.name == report.name) {
                        assert!(report.as_expected(), "{report}");
                    }
                }
                Some(Pki { kind, dir, set })
            })
            .as_ref(),
    }
}

/// `../shared/vectors/sgp26` beside the checkout (or `$RSPCHECK_VECTORS/sgp26`).
pub fn sgp26_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("RSPCHECK_VECTORS").map(PathBuf::from),
        Some(manifest.join("../../../shared/vectors")),
        Some(manifest.join("../../shared/vectors")),
    ];
    let found = candidates
        .iter()
        .flatten()
        .map(|d| d.join("sgp26"))
        .find(|d| d.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der").is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and the SGP.26 vectors are missing (looked in {candidates:?})"
        );
        eprintln!(
            "!!! SGP.26 vectors not found (looked in {candidates:?}): SGP.26 cases SKIPPED \
             (outside CI only) !!!"
        );
    }
    found
}

/// The SGP.26 set plus SM-DS certificates issued under its CIs ([`rsp_runner::sgp26`]).
pub fn sgp26_with_smds(sgp26: &Path) -> PathBuf {
    let generated = pki(PkiKind::Generated).expect("generated PKI");
    rsp_runner::sgp26::with_smds(sgp26, &generated.set, &generated.dir)
        .unwrap_or_else(|e| panic!("SGP.26 set with SM-DS certificates: {e}"))
}

// ------------------------------------------------------------------ profiles and the card

/// A built profile vector of the repository (`vectors/profiles/NAME.der`).
pub fn profile(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors/profiles")
        .join(format!("{name}.der"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// EF.IMSI of the USIM as the profile package defines it (expanded from its templates).
pub fn profile_imsi(package: &[u8]) -> Vec<u8> {
    let pkg = rsp_profile::package::ProfilePackage::parse(package).expect("profile package");
    let fs = rsp_profile::expand::expand(&pkg).expect("expand profile");
    fs.nodes
        .iter()
        .find(|n| n.fid == Some(0x6F07))
        .expect("EF.IMSI in the profile")
        .content
        .clone()
}

/// The reference eUICC of `pki`, offering only `curve`'s CI for verification and signing (so
/// every server uses that curve), its root SM-DS set to the reference SM-DS.
pub fn card(pki: &Pki, curve: Curve, seed: u64) -> Euicc {
    let ci = pki.ci_pkid_hex(curve);
    let config = EuiccConfig {
        ci_pkids_for_verification: vec![ci.clone()],
        ci_pkids_for_signing: vec![ci],
        root_ds_address: SMDS.into(),
        ..EuiccConfig::default()
    };
    Euicc::new(
        config,
        Credentials::from_set(&pki.set).expect("eUICC credentials"),
        Box::new(SeededRandom::new(seed)),
    )
    .expect("eUICC")
}

/// One command on the basic channel, GET RESPONSE followed.
pub fn basic(t: &mut dyn Transport, command: CommandApdu) -> ResponseApdu {
    let mut r = t.exchange(&command).expect("transport");
    let mut data = std::mem::take(&mut r.data);
    while r.sw1() == sw::MORE_DATA {
        let le = match r.sw2() {
            0 => 256,
            n => usize::from(n),
        };
        r = t
            .exchange(&CommandApdu::new(0, 0xC0, 0, 0).with_le(le))
            .expect("transport");
        data.extend_from_slice(&r.data);
    }
    r.data = data;
    r
}

/// EF.IMSI of the enabled profile through the UICC interface on the basic channel: ADF.USIM
/// by the AID in EF.DIR, then EF.IMSI (6F07), READ BINARY.
pub fn read_imsi(t: &mut dyn Transport) -> Vec<u8> {
    let select_fid = |fid: [u8; 2]| CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_vec());
    let r = basic(t, select_fid([0x3F, 0x00]));
    assert_eq!(r.sw, sw::OK, "SELECT MF: {}", sw::describe(r.sw));
    let r = basic(t, select_fid([0x2F, 0x00]));
    assert_eq!(r.sw, sw::OK, "SELECT EF.DIR: {}", sw::describe(r.sw));
    let rec = basic(t, CommandApdu::new(0, 0xB2, 1, 4).with_le(0));
    assert_eq!(
        rec.sw,
        sw::OK,
        "READ RECORD EF.DIR: {}",
        sw::describe(rec.sw)
    );
    let template = Tlv::parse_prefix(&rec.data).expect("EF.DIR record").0;
    let aid = template
        .children()
        .iter()
        .find(|c| c.tag() == Tag::of(0x4F))
        .and_then(Tlv::content)
        .expect("USIM AID in EF.DIR")
        .to_vec();
    let r = basic(
        t,
        CommandApdu::new(0, 0xA4, 0x04, 0x04)
            .with_data(aid)
            .with_le(0),
    );
    assert_eq!(r.sw, sw::OK, "SELECT ADF.USIM: {}", sw::describe(r.sw));
    let r = basic(t, select_fid([0x6F, 0x07]));
    assert_eq!(r.sw, sw::OK, "SELECT EF.IMSI: {}", sw::describe(r.sw));
    let r = basic(t, CommandApdu::new(0, 0xB0, 0, 0).with_le(9));
    assert_eq!(r.sw, sw::OK, "READ BINARY EF.IMSI: {}", sw::describe(r.sw));
    r.data
}

// ------------------------------------------------------------------ servers

/// The reference SM-DP+ served over HTTPS on 127.0.0.1 with the set's DPtls (NIST) certificate.
pub struct SmdpServer {
    pub service: Arc<SmdpService<MemoryStore>>,
    pub handle: ServerHandle,
}

impl SmdpServer {
    pub fn addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }
}

/// The reference SM-DP+ core with `orders`, its clock at [`now`]; with an ES12 client to the
/// SM-DS at `smds_es12` (mutual TLS with CERT.DPtls, the SM-DS's CERT.DStls checked with its
/// SGP.22 role).
pub fn smdp_core(
    pki: &Pki,
    config: SmdpConfig,
    orders: Vec<Order>,
    smds_es12: Option<SocketAddr>,
) -> Smdp<MemoryStore> {
    let mut store = MemoryStore::default();
    for o in orders {
        rsp_smdp::OrderStore::put(&mut store, o);
    }
    let mut smdp = Smdp::new(
        config,
        &pki.set,
        store,
        Box::new(SeededRandom::new(11)),
        now(),
    )
    .expect("SM-DP+");
    if let Some(es12) = smds_es12 {
        let (cert, key) = dp_tls_files(pki);
        let mut c = ClientConfig::new(rsp_http::Trust::RspRole {
            roots: pki.ci_ders(),
            role: rsp_crypto::cert::Role::DsTls,
        });
        c.client_identity = Some(ClientIdentity {
            cert_chain_der: rsp_http::load_certificates(&cert).expect("DPtls"),
            key_der: rsp_http::load_private_key(&key).expect("DPtls key"),
        });
        c.resolve = vec![(SMDS.into(), es12)];
        c.timeout = Duration::from_secs(10);
        smdp.set_event_registrar(Box::new(HttpEventRegistrar::new(
            HttpClient::new(c).expect("ES12 client"),
        )));
    }
    smdp
}

/// CERT.DPtls (NIST: rustls has no brainpool) and its private key.
fn dp_tls_files(pki: &Pki) -> (PathBuf, PathBuf) {
    let tls = &pki.set.curve(Curve::NistP256).expect("NIST set").dp_tls;
    (
        tls.path.clone(),
        tls.key_path.clone().expect("DPtls private key"),
    )
}

/// `handler` served over HTTPS on 127.0.0.1 with the set's CERT.DPtls.
pub fn serve_as_smdp(pki: &Pki, handler: Arc<dyn Handler>) -> ServerHandle {
    let (cert, key) = dp_tls_files(pki);
    rsp_http::serve(
        ServerConfig {
            tls: Some(TlsConfig::from_pem_files(&cert, &key).expect("DPtls")),
            worker_threads: 1,
            handler_threads: 4,
            ..ServerConfig::default()
        },
        handler,
    )
    .expect("serve SM-DP+")
}

pub fn serve_smdp(
    pki: &Pki,
    config: SmdpConfig,
    orders: Vec<Order>,
    smds_es12: Option<SocketAddr>,
) -> SmdpServer {
    let service = Arc::new(SmdpService::new(smdp_core(pki, config, orders, smds_es12)));
    let handle = serve_as_smdp(pki, service.clone());
    SmdpServer { service, handle }
}

/// The SM-DP+ in process behind the LPA's server seam: no TLS, no HTTP, no sockets.
pub struct InProcess<'s>(pub &'s mut Smdp<MemoryStore>);

impl RspServer for InProcess<'_> {
    fn post(&mut self, _address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        let f = Es9Function::from_path(path).ok_or(ServerError::Address(path.into()))?;
        let a = self.0.handle(f, body);
        Ok(RawReply {
            status: a.http_status,
            body: a.body,
        })
    }
}

/// A handler that adds up the time spent inside `inner` (the server's own work, without TLS
/// and HTTP).
pub struct Timed<H: Handler> {
    pub inner: Arc<H>,
    busy: Mutex<(u64, Duration)>,
}

impl<H: Handler> Timed<H> {
    pub fn new(inner: Arc<H>) -> Timed<H> {
        Timed {
            inner,
            busy: Mutex::new((0, Duration::ZERO)),
        }
    }

    /// `(requests, time inside the handler)` since the last call.
    pub fn take(&self) -> (u64, Duration) {
        std::mem::take(&mut *self.busy.lock().unwrap())
    }
}

impl<H: Handler> Handler for Timed<H> {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let started = Instant::now();
        let r = self.inner.handle(request);
        let mut b = self.busy.lock().unwrap();
        b.0 += 1;
        b.1 += started.elapsed();
        r
    }

    fn body_too_large(&self, request: &HttpRequest) -> HttpResponse {
        self.inner.body_too_large(request)
    }
}

/// The reference SM-DS: ES11 and mutual-TLS ES12 listeners on 127.0.0.1.
pub fn serve_smds(pki: &Pki) -> rsp_smds::config::RunningSmds {
    rsp_smds::config::ServeConfig::from_toml("in_memory = true\n")
        .expect("SM-DS config")
        .start(&pki.set, 5, Box::new(rsp_crypto::cert::FixedClock(now())))
        .expect("SM-DS")
}

/// The LPA's HTTPS client: trusts the set's CIs with the SGP.22 TLS role check (CERT.DPtls for
/// ES9+, CERT.DStls for ES11), host names resolved to the loopback listeners.
pub fn lpa_https(pki: &Pki, resolve: Vec<(String, SocketAddr)>) -> HttpsServer {
    HttpsServer::with_trust(
        ServerTrust::CiWithRole(pki.ci_ders()),
        resolve,
        Duration::from_secs(20),
    )
    .expect("LPA HTTPS client")
}
