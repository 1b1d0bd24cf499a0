//! The world a case runs in: the PKI, the SM-DP+ and SM-DS (reference ones served over HTTPS on
//! 127.0.0.1, or the DUT's), the eUICC (the reference card in process, or the DUT's through a
//! transport), rspcheck's LPA with its HTTPS client, and the values steps leave for later steps.
//!
//! A fresh world per case keeps cases independent (so `--jobs N` can run them side by side) and
//! makes a case reproducible from its seed alone.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rsp_codec::apdu::{Transport, TransportError};
use rsp_crypto::cert::{FixedClock, Time};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
use rsp_euicc::{Credentials, Euicc, EuiccConfig, Personality};
use rsp_http::{ClientConfig, ClientIdentity, HttpClient, ServerConfig, ServerHandle, TlsConfig};
use rsp_lpa::{Card, CardOptions, Download, HttpsServer, RspServer, ServerTrust};
use rsp_smdp::es12_client::HttpEventRegistrar;
use rsp_smdp::http::SmdpService;
use rsp_smdp::{MemoryStore, Smdp, SmdpConfig};

/// The SM-DP+ and SM-DS addresses the PKIs name (SGP.26's and the generator's defaults).
pub const SMDP_ADDRESS: &str = "testsmdpplus1.example.com";
pub const SMDS_ADDRESS: &str = "testsmds.example.com";

/// How long the reference SM-DP+'s orders live.
pub const ORDER_TTL_SECONDS: i64 = 86_400;

/// The reference roles' clock: inside every certificate of the generated PKI and of SGP.26.
pub fn reference_time() -> Time {
    "2026-10-01T00:00:00Z".parse().expect("constant time")
}

/// Why a world could not be built (always an `error` verdict: the harness failed, not the DUT).
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("PKI {dir}: {detail}")]
    Pki { dir: PathBuf, detail: String },
    #[error("reference {role}: {detail}")]
    Reference { role: &'static str, detail: String },
    #[error("eUICC: {0}")]
    Card(String),
    #[error("LPA HTTPS client: {0}")]
    Https(String),
}

/// A certificate set and where it came from.
pub struct Pki {
    pub dir: PathBuf,
    pub set: PkiSet,
}

impl Pki {
    pub fn load(dir: PathBuf) -> Result<Pki, WorldError> {
        let set = PkiSet::load(&dir).map_err(|e| WorldError::Pki {
            dir: dir.clone(),
            detail: e.to_string(),
        })?;
        Ok(Pki { dir, set })
    }

    /// The generated test PKI (both curves, SM-DS and operator certificates), made once per
    /// machine in the temporary directory.
    pub fn generated() -> Result<Arc<Pki>, WorldError> {
        static GENERATED: OnceLock<Result<Arc<Pki>, String>> = OnceLock::new();
        GENERATED
            .get_or_init(|| {
                let dir = rsp_euicc::testkit::generated_pki(7);
                Pki::load(dir).map(Arc::new).map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|detail| WorldError::Pki {
                dir: std::env::temp_dir(),
                detail,
            })
    }

    /// The GSMA SGP.26 test set from `vectors/sgp26` with SM-DS certificates added
    /// ([`crate::sgp26`]), made once per process.
    pub fn sgp26(vectors: Option<&std::path::Path>) -> Result<Arc<Pki>, WorldError> {
        static SGP26: OnceLock<Result<Arc<Pki>, String>> = OnceLock::new();
        let make = || -> Result<Arc<Pki>, String> {
            let source = vectors
                .map(|v| v.join("sgp26"))
                .filter(|d| d.join("DPtls").is_dir())
                .ok_or("the SGP.26 vectors (../shared/vectors/sgp26) are not there")?;
            let generated = Pki::generated().map_err(|e| e.to_string())?;
            let dir = crate::sgp26::with_smds(&source, &generated.set, &generated.dir)?;
            Pki::load(dir).map(Arc::new).map_err(|e| e.to_string())
        };
        SGP26
            .get_or_init(make)
            .clone()
            .map_err(|detail| WorldError::Pki {
                dir: vectors.map(|v| v.join("sgp26")).unwrap_or_default(),
                detail,
            })
    }

    pub fn ci_ders(&self) -> Vec<Vec<u8>> {
        self.set.cis().iter().map(|c| c.der().to_vec()).collect()
    }

    pub fn ci_pkid_hex(&self, curve: Curve) -> Option<String> {
        Some(hex::encode_upper(self.set.curve(curve)?.ci.cert.key_id()))
    }
}

/// A CERT.DPtls an LPA must refuse: what the reference SM-DP+ presents in a security case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadTls {
    /// From a CI nobody trusts (another generated hierarchy).
    UnknownCa,
    /// Under the right CI, but its validity ended in 2020.
    Expired,
    /// Under the right CI, for another host name than the SM-DP+ address.
    WrongName,
}

impl BadTls {
    pub const ALL: [BadTls; 3] = [BadTls::UnknownCa, BadTls::Expired, BadTls::WrongName];

    pub fn name(self) -> &'static str {
        match self {
            BadTls::UnknownCa => "unknown_ca",
            BadTls::Expired => "expired",
            BadTls::WrongName => "wrong_name",
        }
    }

    /// The certificate and key files, generated once per machine. The generated PKI's seed
    /// (7) keeps the CI key of the expired and wrong-name variants the trusted one.
    fn files(self) -> Result<(PathBuf, PathBuf), WorldError> {
        use rsp_crypto::pkigen::{GenerateOptions, ValidityDays};
        let mut options = GenerateOptions {
            seed: 7,
            ..GenerateOptions::default()
        };
        match self {
            BadTls::UnknownCa => options.seed = 0x000B_ADCA,
            BadTls::Expired => {
                options.validity = ValidityDays {
                    tls: 30,
                    ..ValidityDays::default()
                }
            }
            BadTls::WrongName => options.smdp_address = "other-smdp.example.com".into(),
        }
        let dir = rsp_euicc::testkit::generated_pki_with(
            &format!("rsp-runner-tls-{}", self.name()),
            &options,
        );
        dp_tls_files(&Pki::load(dir)?)
    }
}

/// The eUICC's transport: the reference card in process, or a DUT card.
pub enum CardTransport {
    Reference(Box<Euicc>),
    /// A DUT card behind any transport (PC/SC reader, vpcd).
    Dut(Box<dyn Transport>),
}

impl CardTransport {
    pub fn reference(&mut self) -> Option<&mut Euicc> {
        match self {
            CardTransport::Reference(e) => Some(e),
            CardTransport::Dut(_) => None,
        }
    }
}

impl Transport for CardTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            CardTransport::Reference(e) => e.transmit(command),
            CardTransport::Dut(t) => t.transmit(command),
        }
    }

    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        match self {
            CardTransport::Reference(e) => e.reset(),
            CardTransport::Dut(t) => t.reset(),
        }
    }
}

/// How to reach the SM-DP+ the LPA talks to.
pub enum SmdpSide {
    /// The reference SM-DP+ served over HTTPS on 127.0.0.1; `service` is the same object the
    /// listener serves, for fault arming, clock setting, ES2+ and state queries.
    Reference {
        service: Arc<SmdpService<MemoryStore>>,
        handle: ServerHandle,
    },
    /// The DUT's SM-DP+: its address (host[:port]) as the activation codes name it.
    Dut { address: String },
}

impl SmdpSide {
    pub fn reference(&self) -> Option<&Arc<SmdpService<MemoryStore>>> {
        match self {
            SmdpSide::Reference { service, .. } => Some(service),
            SmdpSide::Dut { .. } => None,
        }
    }

    /// The address activation codes carry.
    pub fn address(&self) -> String {
        match self {
            SmdpSide::Reference { .. } => SMDP_ADDRESS.to_owned(),
            SmdpSide::Dut { address } => address.clone(),
        }
    }
}

/// What an LPA under test can be made to do, one command template each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LpaCommands {
    /// Download with an activation code.
    pub download: String,
    /// Download from the eUICC's default SM-DP+.
    pub default_smdp: Option<String>,
    /// Ask the root SM-DS for events and download each.
    pub discover: Option<String>,
    /// Send the pending notifications (and remove the delivered ones).
    pub notifications: Option<String>,
}

/// The ICCIDs a DUT SM-DP+ holds for rspcheck, handed out once each.
#[derive(Debug, Default)]
pub struct DutInventory {
    iccids: Vec<String>,
    next: std::sync::atomic::AtomicUsize,
}

impl DutInventory {
    pub fn new(iccids: Vec<String>) -> DutInventory {
        DutInventory {
            iccids,
            next: Default::default(),
        }
    }

    /// The next unused ICCID, if any is left.
    pub fn take(&self) -> Option<String> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.iccids.get(i).cloned()
    }
}

/// Opens a DUT card's transport (a fresh connection per case).
pub type CardOpener = Arc<dyn Fn() -> Result<Box<dyn Transport>, String> + Send + Sync>;

/// Everything a world is built from.
#[derive(Clone)]
pub struct WorldSpec {
    pub pki: Arc<Pki>,
    pub curve: Curve,
    pub seed: u64,
    pub personality: Personality,
    /// Where the DUT SM-DP+ is (`None`: the reference one).
    pub smdp_dut: Option<String>,
    /// ES2+ of the DUT SM-DP+ (`https://host:port`), reached with the PKI's operator
    /// certificate.
    pub es2_dut: Option<String>,
    /// ICCIDs of the DUT SM-DP+'s inventory, shared by the cases of a run (each order takes one).
    pub dut_iccids: Arc<DutInventory>,
    /// The DUT LPA's command templates (`None`: rspcheck's LPA in process). See
    /// [`crate::lpa_command`] for the placeholders.
    pub lpa_command: Option<LpaCommands>,
    /// Where the DUT SM-DS is (`None`: the reference one).
    pub smds_dut: Option<String>,
    /// The DUT SM-DS's ES12 listener, when not at `smds_dut`.
    pub smds_es12_dut: Option<String>,
    /// Host overrides for DUT servers (`name → 127.0.0.1:port`).
    pub resolve: Vec<(String, SocketAddr)>,
    /// Opens the DUT card (`None`: the reference eUICC).
    pub card_dut: Option<CardOpener>,
    /// ReplaceSessionKeys in the reference SM-DP+'s BPPs.
    pub replace_session_keys: bool,
    /// The reference SM-DP+ in its production configuration.
    pub production: bool,
    /// A TLS certificate the reference SM-DP+ presents instead of its valid one.
    pub smdp_tls: Option<BadTls>,
    /// rspcheck's LPA speaks the ES9+ ASN.1 binding ([`crate::asn1_binding`]).
    pub asn1_binding: bool,
    /// Serve rspcheck's operator simulator and have the reference SM-DP+ send it ES2+
    /// HandleDownloadProgressInfo (a case with `es2.progress`).
    pub operator_simulator: bool,
    /// A deliberately planted bug in a reference role (the live fuzzer's self-test).
    pub planted: Option<PlantedBug>,
    pub timeout: Duration,
}

/// Bugs planted on purpose in a reference role, so a fuzz campaign can show it finds them.
/// Only the fuzzer's self-test and tests use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedBug {
    /// The eUICC skips the C-MAC check of the third protected BPP segment.
    EuiccMacBlindSegment3,
    /// The SM-DP+ answers HTTP 500 to an ES9+ request with an unknown JSON key.
    Smdp500OnUnknownKey,
    /// The SM-DS accepts an ES11 AuthenticateClient with a corrupted euiccSignature1.
    SmdsAcceptsBadSignature,
    /// The command-line LPA panics on an activation code with a multi-byte character at
    /// byte 12 (`rspcheck lpa … --planted-bug panic-on-multibyte-ac`).
    LpaPanicOnMultibyteAc,
}

impl PlantedBug {
    pub const ALL: [PlantedBug; 4] = [
        PlantedBug::EuiccMacBlindSegment3,
        PlantedBug::Smdp500OnUnknownKey,
        PlantedBug::SmdsAcceptsBadSignature,
        PlantedBug::LpaPanicOnMultibyteAc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::EuiccMacBlindSegment3 => "euicc-mac-blind-segment-3",
            PlantedBug::Smdp500OnUnknownKey => "smdp-500-on-unknown-key",
            PlantedBug::SmdsAcceptsBadSignature => "smds-accepts-bad-signature",
            PlantedBug::LpaPanicOnMultibyteAc => "lpa-panic-on-multibyte-ac",
        }
    }

    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The role the bug is planted in.
    pub fn role(self) -> crate::ics::Role {
        match self {
            PlantedBug::EuiccMacBlindSegment3 => crate::ics::Role::Euicc,
            PlantedBug::Smdp500OnUnknownKey => crate::ics::Role::Smdp,
            PlantedBug::SmdsAcceptsBadSignature => crate::ics::Role::Smds,
            PlantedBug::LpaPanicOnMultibyteAc => crate::ics::Role::Lpa,
        }
    }
}

/// rspcheck's operator simulator: the HTTPS endpoint an SM-DP+ posts ES2+
/// HandleDownloadProgressInfo to, keeping every request body it receives.
pub struct OperatorSimulator {
    pub handle: ServerHandle,
    pub received: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

/// Host name the reference SM-DP+ calls the operator simulator by.
pub const OPERATOR_ADDRESS: &str = "operator.rspcheck.example";
const PROGRESS_PATH: &str = "/gsma/rsp2/es2plus/handleDownloadProgressInfo";

struct ProgressSink(Arc<std::sync::Mutex<Vec<serde_json::Value>>>);

impl rsp_http::Handler for ProgressSink {
    fn handle(&self, request: rsp_http::HttpRequest) -> rsp_http::HttpResponse {
        if request.method != "POST" || request.path != PROGRESS_PATH {
            return rsp_http::HttpResponse::new(404, "not an ES2+ operator function");
        }
        match serde_json::from_slice::<serde_json::Value>(&request.body) {
            Ok(v) if v.is_object() => {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).push(v);
                rsp_http::HttpResponse::new(204, Vec::new())
            }
            _ => rsp_http::HttpResponse::new(400, "not a JSON object"),
        }
    }
}

impl OperatorSimulator {
    /// Serves on 127.0.0.1 with the PKI's operator certificate.
    fn start(pki: &Pki) -> Result<OperatorSimulator, WorldError> {
        let fail = |detail: String| WorldError::Reference {
            role: "operator simulator",
            detail,
        };
        let operator = pki
            .set
            .curve(Curve::NistP256)
            .and_then(|c| c.operator.clone())
            .ok_or_else(|| fail("the PKI has no operator certificate".into()))?;
        let key = operator
            .key_path
            .ok_or_else(|| fail("the PKI has no operator private key".into()))?;
        let received = Arc::default();
        let handle = rsp_http::serve(
            ServerConfig {
                bind: "127.0.0.1:0".parse().expect("constant address"),
                tls: Some(
                    TlsConfig::from_pem_files(&operator.path, &key)
                        .map_err(|e| fail(e.to_string()))?,
                ),
                worker_threads: 1,
                handler_threads: 1,
                ..ServerConfig::default()
            },
            Arc::new(ProgressSink(Arc::clone(&received))),
        )
        .map_err(|e| fail(e.to_string()))?;
        Ok(OperatorSimulator { handle, received })
    }
}

/// One case's world.
pub struct World {
    pub spec: WorldSpec,
    pub smdp: SmdpSide,
    /// rspcheck's operator simulator, when the case asked for it.
    pub operator: Option<OperatorSimulator>,
    /// The reference SM-DS (`None` when the DUT is the SM-DS).
    pub smds: Option<rsp_smds::config::RunningSmds>,
    /// The LPA's card: `None` while a download holds it.
    pub card: Option<Card<CardTransport>>,
    /// The LPA's HTTPS client: `None` while a download holds it.
    pub https: Option<Box<dyn RspServer>>,
    /// The download in progress (it owns the card and the client until it is finished).
    pub download: Option<Download<'static, CardTransport>>,
    /// Values steps saved (`$name` in later steps' arguments).
    pub vars: BTreeMap<String, String>,
    /// Secrets the report must not show (matching IDs, confirmation codes, activation codes).
    pub secrets: Vec<String>,
    /// The last body rspcheck's LPA sent to each ES9+ function (for `es9.replay`).
    pub es9_sent: BTreeMap<String, serde_json::Value>,
    /// The package (as given, not the variant) of the last profile ordered from the reference
    /// SM-DP+: what `uicc.compare_fs` expects on the card.
    pub ordered_profile: Option<Vec<u8>>,
}

impl World {
    pub fn build(spec: WorldSpec) -> Result<World, WorldError> {
        let smds = match &spec.smds_dut {
            Some(_) => None,
            None => Some(serve_smds(
                &spec.pki,
                spec.planted == Some(PlantedBug::SmdsAcceptsBadSignature),
            )?),
        };
        let operator = match (spec.operator_simulator, &spec.smdp_dut) {
            (true, None) => Some(OperatorSimulator::start(&spec.pki)?),
            _ => None,
        };
        let smdp = match &spec.smdp_dut {
            Some(address) => SmdpSide::Dut {
                address: address.clone(),
            },
            None => {
                let es12 = smds
                    .as_ref()
                    .and_then(|s| s.es12.as_ref())
                    .map(ServerHandle::local_addr);
                serve_smdp(&spec, es12, operator.as_ref())?
            }
        };
        let mut resolve = spec.resolve.clone();
        if let SmdpSide::Reference { handle, .. } = &smdp {
            resolve.push((SMDP_ADDRESS.into(), handle.local_addr()));
        }
        if let Some(s) = &smds {
            resolve.push((SMDS_ADDRESS.into(), s.es11.local_addr()));
        }
        let json = HttpsServer::with_trust(
            ServerTrust::CiWithRole(spec.pki.ci_ders()),
            resolve.clone(),
            spec.timeout,
        )
        .map_err(|e| WorldError::Https(e.to_string()))?;
        let https: Box<dyn RspServer> = if spec.asn1_binding {
            let mut c = ClientConfig::new(rsp_http::Trust::RspRole {
                roots: spec.pki.ci_ders(),
                role: rsp_crypto::cert::Role::DpTls,
            });
            c.resolve = resolve;
            c.timeout = spec.timeout;
            c.admin_protocol = None;
            Box::new(crate::asn1_binding::Asn1Server {
                asn1: HttpClient::new(c).map_err(|e| WorldError::Https(e.to_string()))?,
                json: Box::new(json),
            })
        } else {
            Box::new(json)
        };
        let transport = match &spec.card_dut {
            Some(open) => CardTransport::Dut(open().map_err(WorldError::Card)?),
            None => CardTransport::Reference(Box::new(reference_card(&spec)?)),
        };
        let dut_card = matches!(transport, CardTransport::Dut(_));
        let mut card = Card::open(transport, CardOptions::default())
            .map_err(|e| WorldError::Card(e.to_string()))?;
        if dut_card {
            clean_card(&mut card)?;
        }
        Ok(World {
            spec,
            smdp,
            operator,
            smds,
            card: Some(card),
            https: Some(https),
            download: None,
            vars: BTreeMap::new(),
            secrets: Vec::new(),
            es9_sent: BTreeMap::new(),
            ordered_profile: None,
        })
    }

    /// The card, wherever it is (in the world or held by the download).
    pub fn card(&mut self) -> Option<&mut Card<CardTransport>> {
        match &mut self.download {
            Some(d) => Some(d.card()),
            None => self.card.as_mut(),
        }
    }

    /// Ends the download in progress (if any) and takes its card and client back.
    pub fn end_download(&mut self) {
        if let Some(d) = self.download.take() {
            let (card, server) = d.into_parts();
            if card.is_some() {
                self.card = card;
            }
            if server.is_some() {
                self.https = server;
            }
        }
    }
}

/// The reference eUICC's configuration in a world (also written for an LPA under test that
/// runs the reference card from a state file).
pub fn reference_card_config(spec: &WorldSpec) -> Result<EuiccConfig, WorldError> {
    let ci = spec
        .pki
        .ci_pkid_hex(spec.curve)
        .ok_or_else(|| WorldError::Reference {
            role: "eUICC",
            detail: format!("the PKI has no {:?} CI", spec.curve),
        })?;
    let personality = match spec.planted {
        Some(PlantedBug::EuiccMacBlindSegment3) => Personality::PlantedMacBlindSegment3,
        _ => spec.personality,
    };
    Ok(EuiccConfig {
        personality,
        ci_pkids_for_verification: vec![ci.clone()],
        ci_pkids_for_signing: vec![ci],
        root_ds_address: SMDS_ADDRESS.into(),
        default_dp_address: Some(SMDP_ADDRESS.into()),
        ..EuiccConfig::default()
    })
}

/// A DUT card as every case expects to find it (SGP.23's initial conditions): no profiles,
/// the default SM-DP+ address unset, no pending notifications. A reference card starts so.
fn clean_card(card: &mut Card<CardTransport>) -> Result<(), WorldError> {
    let reset = card.memory_reset(rsp_lpa::es10::ResetOptions {
        delete_operational_profiles: true,
        delete_field_loaded_test_profiles: true,
        reset_default_smdp_address: true,
    });
    match reset {
        // nothingToDelete: already clean.
        Ok(()) | Err(rsp_lpa::Es10Error::Rejected { code: 1, .. }) => {}
        Err(e) => {
            return Err(WorldError::Card(format!(
                "memory reset before the case: {e}"
            )))
        }
    }
    let pending = card
        .list_notifications(None)
        .map_err(|e| WorldError::Card(format!("notifications before the case: {e}")))?;
    for n in pending {
        card.remove_notification(n.seq_number)
            .map_err(|e| WorldError::Card(format!("remove notification {}: {e}", n.seq_number)))?;
    }
    Ok(())
}

fn reference_card(spec: &WorldSpec) -> Result<Euicc, WorldError> {
    let reference = |detail: String| WorldError::Reference {
        role: "eUICC",
        detail,
    };
    let config = reference_card_config(spec)?;
    Euicc::new(
        config,
        Credentials::from_set(&spec.pki.set).map_err(|e| reference(e.to_string()))?,
        Box::new(SeededRandom::new(spec.seed)),
    )
    .map_err(|e| reference(e.to_string()))
}

/// CERT.DPtls (NIST: rustls has no brainpool) and its private key.
fn dp_tls_files(pki: &Pki) -> Result<(PathBuf, PathBuf), WorldError> {
    let missing = |what: &str| WorldError::Pki {
        dir: pki.dir.clone(),
        detail: format!("no {what}"),
    };
    let tls = &pki
        .set
        .curve(Curve::NistP256)
        .ok_or_else(|| missing("NIST set"))?
        .dp_tls;
    let key = tls
        .key_path
        .clone()
        .ok_or_else(|| missing("CERT.DPtls private key"))?;
    Ok((tls.path.clone(), key))
}

fn serve_smdp(
    spec: &WorldSpec,
    smds_es12: Option<SocketAddr>,
    operator: Option<&OperatorSimulator>,
) -> Result<SmdpSide, WorldError> {
    let fail = |detail: String| WorldError::Reference {
        role: "SM-DP+",
        detail,
    };
    let config = SmdpConfig {
        replace_session_keys: spec.replace_session_keys,
        production: spec.production,
        // Orders live a day, so order expiry (8.8.5/4.10) is reachable with `smdp.clock`.
        order_ttl: Some(ORDER_TTL_SECONDS),
        planted_bug: (spec.planted == Some(PlantedBug::Smdp500OnUnknownKey))
            .then_some(rsp_smdp::SmdpPlantedBug::Http500OnUnknownJsonKey),
        ..SmdpConfig::default()
    };
    let mut smdp = Smdp::new(
        config,
        &spec.pki.set,
        MemoryStore::default(),
        Box::new(SeededRandom::new(spec.seed ^ 0x5D9)),
        reference_time(),
    )
    .map_err(|e| fail(e.to_string()))?;
    let (cert, key) = dp_tls_files(&spec.pki)?;
    // ES12 to the SM-DS keeps the valid certificate: only the LPA's side is under test.
    let (served_cert, served_key) = match spec.smdp_tls {
        Some(bad) => bad.files()?,
        None => (cert.clone(), key.clone()),
    };
    if let Some(es12) = smds_es12 {
        let mut c = ClientConfig::new(rsp_http::Trust::RspRole {
            roots: spec.pki.ci_ders(),
            role: rsp_crypto::cert::Role::DsTls,
        });
        c.client_identity = Some(ClientIdentity {
            cert_chain_der: rsp_http::load_certificates(&cert).map_err(|e| fail(e.to_string()))?,
            key_der: rsp_http::load_private_key(&key).map_err(|e| fail(e.to_string()))?,
        });
        c.resolve = vec![(SMDS_ADDRESS.into(), es12)];
        c.timeout = spec.timeout;
        smdp.set_event_registrar(Box::new(HttpEventRegistrar::new(
            HttpClient::new(c).map_err(|e| fail(e.to_string()))?,
        )));
    }
    let service = Arc::new(match operator {
        None => SmdpService::new(smdp),
        Some(op) => {
            // The SM-DP+ → operator channel is not what a case tests: no certificate checks.
            let mut c = ClientConfig::new(rsp_http::Trust::InsecureAcceptAny);
            c.resolve = vec![(OPERATOR_ADDRESS.into(), op.handle.local_addr())];
            c.timeout = spec.timeout;
            let client = HttpClient::new(c).map_err(|e| fail(e.to_string()))?;
            SmdpService::with_progress_notifier(
                smdp,
                rsp_smdp::es2_http::ProgressNotifier::start(
                    client,
                    format!("https://{OPERATOR_ADDRESS}{PROGRESS_PATH}"),
                    "rspcheck-smdp".into(),
                ),
            )
        }
    });
    let handle = rsp_http::serve(
        ServerConfig {
            bind: "127.0.0.1:0".parse().expect("constant address"),
            tls: Some(
                TlsConfig::from_pem_files(&served_cert, &served_key)
                    .map_err(|e| fail(e.to_string()))?,
            ),
            worker_threads: 1,
            handler_threads: 2,
            ..ServerConfig::default()
        },
        service.clone(),
    )
    .map_err(|e| fail(e.to_string()))?;
    Ok(SmdpSide::Reference { service, handle })
}

fn serve_smds(pki: &Pki, planted: bool) -> Result<rsp_smds::config::RunningSmds, WorldError> {
    let mut config =
        rsp_smds::config::ServeConfig::from_toml("in_memory = true\n").map_err(|detail| {
            WorldError::Reference {
                role: "SM-DS",
                detail,
            }
        })?;
    config.planted_bug = planted.then_some(rsp_smds::SmdsPlantedBug::AcceptsBadEuiccSignature);
    config
        .start(&pki.set, 5, Box::new(FixedClock(reference_time())))
        .map_err(|e| WorldError::Reference {
            role: "SM-DS",
            detail: e.to_string(),
        })
}
