//! Load kit shared by the release load test (`examples/loadtest.rs`), the downloads benchmark
//! (`benches/downloads.rs`) and the debug-mode load test (`tests/load.rs`): the SM-DP+ served
//! for load, a lean eUICC that does the card's side of a download, and the drivers.
//!
//! The lean eUICC, not the reference card: the reference card also cuts the BPP into STORE DATA
//! APDUs, parses and installs the profile into its file-system model and saves its state (about
//! 10 ms a download), which would be most of what a load run measures. The lean card keeps every
//! check that involves the SM-DP+ — both certificate chains to the CI, serverSignature1 and the
//! challenge echo, smdpSignature2, smdpSign, ECKA and the KDF, the MAC and decryption of every
//! BPP segment, StoreMetadata against profileMetadata — and signs euiccSigned1, euiccSigned2
//! and the PIR with SK.EUICC. Its static data (EUICCInfo1/2, keys, certificates) comes from the
//! reference card, so the SM-DP+ sees the same eUICC either way.
#![allow(dead_code)] // each target uses part of it

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rsp_codec::json::{
    AuthenticateClientRequest, AuthenticateClientResponse, Base64Bytes, Es9Function,
    GetBoundProfilePackageRequest, GetBoundProfilePackageResponse, HandleNotificationRequest,
    HeaderOnlyResponse, InitiateAuthenticationRequest, InitiateAuthenticationResponse,
    ResponseHeader, TransactionIdHex,
};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{
    EuiccInfo1, EuiccSigned2, FinalResult, NotificationEvent, NotificationMetadata,
    ProfileInstallationResultData, ServerSigned1, SmdpSigned2, View,
};
use rsp_crypto::bpp;
use rsp_crypto::cert::{self, Role, RspCertificate, Time, VerifyOptions};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{signed, Curve, PrivateKey, PublicKey, RandomSource, SeededRandom};
use rsp_http::{
    ClientConfig, Handler, HttpClient, HttpRequest, HttpResponse, ServerConfig, ServerHandle,
    TlsConfig, Trust,
};
use rsp_smdp::http::SmdpService;
use rsp_smdp::orders::{AuditEntry, Order, OrderState, OrderStore};
use rsp_smdp::{Smdp, SmdpConfig};

pub const ADDRESS: &str = "testsmdpplus1.example.com";
/// The SM-DP+'s clock at start (2026-01-01).
pub const T0: i64 = 1_767_225_600;
/// Seed of the generated test PKI (the one the other SM-DP+ tests use).
pub const PKI_SEED: u64 = 7;

/// What went wrong in a load run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("setup: {0}")]
    Setup(String),
    #[error("{function}: {source}")]
    Http {
        function: &'static str,
        #[source]
        source: rsp_http::HttpError,
    },
    #[error("{function}: HTTP status {status}")]
    HttpStatus { function: &'static str, status: u16 },
    #[error("{function}: SM-DP+ answered {status}")]
    Failed {
        function: &'static str,
        status: String,
    },
    #[error("{function}: {detail}")]
    Protocol {
        function: &'static str,
        detail: String,
    },
}

fn protocol(function: &'static str) -> impl Fn(String) -> LoadError {
    move |detail| LoadError::Protocol { function, detail }
}

// ---------------------------------------------------------------------------- orders

/// Indexed in-memory orders: `MemoryStore` scans (and `by_matching_id` clones) every order per
/// lookup, which at 11,000 orders would dominate a download. The audit log is only counted,
/// so memory stays flat over long runs. Time spent in store calls is accumulated.
#[derive(Default)]
pub struct LoadStore {
    orders: HashMap<String, Order>,
    by_matching_id: HashMap<String, String>,
    consumed: std::collections::HashSet<String>,
    audits: u64,
    nanos: AtomicU64,
}

impl LoadStore {
    fn timed<R>(&self, start: Instant, r: R) -> R {
        self.nanos
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        r
    }
    pub fn nanos(&self) -> u64 {
        self.nanos.load(Ordering::Relaxed)
    }
    pub fn count(&self, state: OrderState) -> usize {
        self.orders.values().filter(|o| o.state == state).count()
    }
    pub fn len(&self) -> usize {
        self.orders.len()
    }
    pub fn audits(&self) -> u64 {
        self.audits
    }
}

impl OrderStore for LoadStore {
    fn get(&self, iccid: &str) -> Option<Order> {
        let t = Instant::now();
        self.timed(t, self.orders.get(iccid).cloned())
    }
    fn put(&mut self, order: Order) {
        let t = Instant::now();
        if let Some(m) = &order.matching_id {
            self.by_matching_id.insert(m.clone(), order.iccid.clone());
        }
        self.orders.insert(order.iccid.clone(), order);
        self.timed(t, ())
    }
    fn all(&self) -> Vec<Order> {
        let t = Instant::now();
        self.timed(t, self.orders.values().cloned().collect())
    }
    fn audit(&mut self, _entry: AuditEntry) {
        self.audits += 1;
    }
    fn audit_log(&self) -> Vec<AuditEntry> {
        Vec::new()
    }
    fn consume_matching_id(&mut self, matching_id: &str, _iccid: &str) {
        self.consumed.insert(matching_id.to_owned());
    }
    fn matching_id_consumed(&self, matching_id: &str) -> bool {
        self.consumed.contains(matching_id)
    }
    fn by_matching_id(&self, matching_id: &str) -> Option<Order> {
        let t = Instant::now();
        let o = self
            .by_matching_id
            .get(matching_id)
            .and_then(|i| self.orders.get(i))
            .filter(|o| o.matching_id.as_deref() == Some(matching_id))
            .cloned();
        self.timed(t, o)
    }
}

/// The matching ID (activation-code token) of order `i`.
pub fn matching_id(i: usize) -> String {
    format!("LOAD-{i:07}")
}

/// A 20-digit ICCID for order `i`, with its Luhn check digit.
pub fn iccid(i: usize) -> String {
    let body = format!("8999{:015}", i);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 0 {
                let d2 = d * 2;
                d2 / 10 + d2 % 10
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

pub fn profile() -> Vec<u8> {
    // One profile for every order: only a real card would notice that the ICCID in its header
    // differs from the order's (the lean card checks StoreMetadata, not the profile).
    include_bytes!("../../../../vectors/profiles/minimal-milenage.der").to_vec()
}

// ---------------------------------------------------------------------------- server

/// How the SM-DP+ under load is set up.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Orders `0..orders`, released for activation code [`matching_id`]`(i)`.
    pub orders: usize,
    pub seed: u64,
    pub session_ttl: Duration,
    pub max_connections: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            orders: 100,
            seed: 1,
            session_ttl: Duration::from_secs(300),
            max_connections: 2048,
        }
    }
}

/// The SM-DP+'s HTTP adapter plus a loopback-only admin path (`/load/stats`,
/// `/load/advance/<seconds>`) and timing of the ES9+ handler.
pub struct LoadServer {
    service: SmdpService<LoadStore>,
    clock: AtomicI64,
    handler_nanos: AtomicU64,
    es9_requests: AtomicU64,
}

/// What `/load/stats` answers.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ServerStats {
    pub sessions: usize,
    pub orders: usize,
    pub installed: usize,
    pub downloaded: usize,
    pub released: usize,
    pub audits: u64,
    pub es9_requests: u64,
    /// In the ES9+ handler, lock wait included.
    pub handler_ns: u64,
    pub store_ns: u64,
    pub now: i64,
    /// Of the process serving (the whole process when client and server share it).
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

/// Threads of a process, from `/proc/<pid>/status` (the HTTP server's blocking pool grows with
/// concurrent requests, and with it the RSS).
pub fn threads(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// `(VmRSS, VmHWM)` in kB from `/proc/<pid>/status` (`None`: not Linux, or gone).
pub fn memory_kb(pid: Option<u32>) -> Option<(u64, u64)> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

impl LoadServer {
    pub fn stats(&self) -> ServerStats {
        let (rss_kb, hwm_kb) = memory_kb(None).unwrap_or_default();
        self.service.with(|s| {
            let st = s.store();
            ServerStats {
                sessions: s.session_count(),
                orders: st.len(),
                installed: st.count(OrderState::Installed),
                downloaded: st.count(OrderState::Downloaded),
                released: st.count(OrderState::Released),
                audits: st.audits(),
                es9_requests: self.es9_requests.load(Ordering::Relaxed),
                handler_ns: self.handler_nanos.load(Ordering::Relaxed),
                store_ns: st.nanos(),
                now: self.clock.load(Ordering::Relaxed),
                rss_kb,
                hwm_kb,
            }
        })
    }

    /// Moves the SM-DP+'s injected clock forward.
    pub fn advance(&self, seconds: i64) {
        let now = self.clock.fetch_add(seconds, Ordering::Relaxed) + seconds;
        self.service.with(|s| s.set_time(Time::from_unix(now)));
    }

    fn admin(&self, command: &str) -> HttpResponse {
        if command == "stats" {
            return HttpResponse::json(200, serde_json::to_vec(&self.stats()).unwrap_or_default());
        }
        if let Some(n) = command
            .strip_prefix("advance/")
            .and_then(|n| n.parse::<i64>().ok())
        {
            self.advance(n);
            return HttpResponse::no_content();
        }
        HttpResponse::text(404, "no such load command")
    }
}

impl Handler for LoadServer {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let path = request.path.split('?').next().unwrap_or_default();
        if let Some(command) = path.strip_prefix("/load/") {
            return self.admin(command);
        }
        let t = Instant::now();
        let r = self.service.handle(request);
        self.handler_nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.es9_requests.fetch_add(1, Ordering::Relaxed);
        r
    }

    fn body_too_large(&self, request: &HttpRequest) -> HttpResponse {
        self.service.body_too_large(request)
    }
}

pub fn pki() -> Result<PkiSet, LoadError> {
    PkiSet::load(rsp_euicc::testkit::generated_pki(PKI_SEED))
        .map_err(|e| LoadError::Setup(format!("test PKI: {e}")))
}

/// Serves the SM-DP+ with its DPtls certificate on 127.0.0.1 (a free port).
pub fn start_server(opts: &ServerOptions) -> Result<(ServerHandle, Arc<LoadServer>), LoadError> {
    let dir = rsp_euicc::testkit::generated_pki(PKI_SEED);
    let mut store = LoadStore::default();
    let package = profile();
    for i in 0..opts.orders {
        let mid = matching_id(i);
        store.put(Order::released(
            &iccid(i),
            package.clone(),
            Some(&mid),
            None,
        ));
    }
    let config = SmdpConfig {
        session_ttl: opts.session_ttl,
        ..SmdpConfig::default()
    };
    let smdp = Smdp::new(
        config,
        &pki()?,
        store,
        Box::new(SeededRandom::new(opts.seed)),
        Time::from_unix(T0),
    )
    .map_err(|e| LoadError::Setup(format!("SM-DP+: {e}")))?;
    let server = Arc::new(LoadServer {
        service: SmdpService::new(smdp),
        clock: AtomicI64::new(T0),
        handler_nanos: AtomicU64::new(0),
        es9_requests: AtomicU64::new(0),
    });
    let tls = TlsConfig::from_pem_files(
        &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
        &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
    )
    .map_err(|e| LoadError::Setup(format!("DPtls: {e}")))?;
    let handle = rsp_http::serve(
        ServerConfig {
            tls: Some(tls),
            max_connections: opts.max_connections,
            ..ServerConfig::default()
        },
        server.clone(),
    )
    .map_err(|e| LoadError::Setup(format!("serve: {e}")))?;
    Ok((handle, server))
}

// ---------------------------------------------------------------------------- client

/// The LPA's HTTPS client: trusts the CI and checks the DPtls role, as a conformance run does.
pub fn http_client(server: SocketAddr, keep_alive: bool) -> Result<HttpClient, LoadError> {
    let dir = rsp_euicc::testkit::generated_pki(PKI_SEED);
    let ci = std::fs::read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der"))
        .map_err(|e| LoadError::Setup(format!("CI certificate: {e}")))?;
    let mut config = ClientConfig::new(Trust::RspRole {
        roots: vec![ci],
        role: Role::DpTls,
    });
    config.timeout = Duration::from_secs(120);
    config.resolve = vec![(ADDRESS.into(), server)];
    config.keep_alive = keep_alive;
    HttpClient::new(config).map_err(|e| LoadError::Setup(format!("HTTP client: {e}")))
}

/// Calls the admin path of a [`LoadServer`].
pub fn server_stats(http: &HttpClient, server: SocketAddr) -> Result<ServerStats, LoadError> {
    let url = format!("https://{ADDRESS}:{}/load/stats", server.port());
    let r = http
        .post(&url, "application/json", b"{}")
        .map_err(|source| LoadError::Http {
            function: "stats",
            source,
        })?;
    serde_json::from_slice(&r.body).map_err(|e| LoadError::Protocol {
        function: "stats",
        detail: e.to_string(),
    })
}

pub fn advance_clock(http: &HttpClient, server: SocketAddr, seconds: i64) -> Result<(), LoadError> {
    let url = format!("https://{ADDRESS}:{}/load/advance/{seconds}", server.port());
    let r = http
        .post(&url, "application/json", b"{}")
        .map_err(|source| LoadError::Http {
            function: "advance",
            source,
        })?;
    if r.status != 204 {
        return Err(LoadError::HttpStatus {
            function: "advance",
            status: r.status,
        });
    }
    Ok(())
}

/// The eUICC's fixed part: keys, certificates and EUICCInfo1/2 of one curve.
#[derive(Clone)]
pub struct LeanEuicc {
    sk: PrivateKey,
    euicc_cert: Tlv,
    eum_cert: Tlv,
    eid: [u8; 16],
    anchors: Vec<RspCertificate>,
    ci_pkid: Vec<u8>,
    info1: Vec<u8>,
    info2: Tlv,
}

impl LeanEuicc {
    /// From the reference card's credentials and answers, offering only `curve`'s CI.
    pub fn new(curve: Curve) -> Result<LeanEuicc, LoadError> {
        let setup = |what: &str, e: String| LoadError::Setup(format!("{what}: {e}"));
        let creds = rsp_euicc::Credentials::from_set(&pki()?)
            .map_err(|e| setup("eUICC credentials", e.to_string()))?;
        let c = creds
            .curves
            .iter()
            .find(|c| c.curve == curve)
            .ok_or_else(|| setup("eUICC credentials", format!("no {curve} keys")))?
            .clone();
        let mut card = rsp_euicc::Euicc::new(
            rsp_euicc::EuiccConfig::default(),
            creds.clone(),
            Box::new(SeededRandom::new(3)),
        )
        .map_err(|e| setup("reference eUICC", e.to_string()))?;
        let info2 = card.euicc_info2().to_tlv();
        let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
        let mut info1 = EuiccInfo1::read(&lpa.call(&[0xBF, 0x20, 0x00]))
            .map_err(|e| setup("EUICCInfo1", e.to_string()))?;
        info1.ci_pkids_for_verification = vec![c.ci.key_id().to_vec()];
        info1.ci_pkids_for_signing = vec![c.ci.key_id().to_vec()];
        let parse = |der: &[u8]| Tlv::parse(der).map_err(|e| setup("certificate", e.to_string()));
        Ok(LeanEuicc {
            sk: c.sk_euicc.clone(),
            euicc_cert: parse(c.euicc_cert.der())?,
            eum_cert: parse(c.eum_cert.der())?,
            eid: *creds.eid.as_bytes(),
            ci_pkid: c.ci.key_id().to_vec(),
            anchors: vec![c.ci.clone()],
            info1: info1.to_tlv().encode_der(),
            info2,
        })
    }

    /// A server certificate checked as a card does: chain to the CI, role, OID, at the leaf's
    /// own notBefore (cards have no reliable clock).
    fn server_key(
        &self,
        der: &[u8],
        role: Role,
        oid: Option<&str>,
        function: &'static str,
    ) -> Result<(PublicKey, Option<String>), LoadError> {
        let leaf = RspCertificate::from_der(der).map_err(|e| LoadError::Protocol {
            function,
            detail: format!("{role} certificate: {e}"),
        })?;
        let options = VerifyOptions {
            expected_server_oid: oid.map(str::to_owned),
            ..VerifyOptions::default()
        };
        let chain =
            cert::verify_chain_with(&leaf, &[], &self.anchors, role, leaf.not_before(), &options)
                .map_err(|e| LoadError::Protocol {
                function,
                detail: format!("{role} chain: {e}"),
            })?;
        Ok((
            chain.public_key().clone(),
            chain.server_oid().map(str::to_owned),
        ))
    }
}

/// Where one download stands; [`Download::step`] moves it on by one ES9+ call.
pub struct Download {
    pub matching_id: String,
    rng: SeededRandom,
    step: usize,
    challenge: [u8; 16],
    tx: Vec<u8>,
    response: Vec<u8>,
    server_address: String,
    smdp_oid: String,
    sig1: [u8; 64],
    pk_dppb: Option<PublicKey>,
    ot_sk: Option<PrivateKey>,
    metadata: Vec<u8>,
}

/// Time per step, summed over downloads.
#[derive(Default)]
pub struct Timings {
    /// The lean card's work (certificates, signatures, ECKA, BPP opening, encoding).
    pub client_ns: AtomicU64,
    /// One ES9+ round trip per function, in [`Es9Function`] order of a download.
    pub call_ns: [AtomicU64; 4],
    pub downloads: AtomicU64,
    pub errors: AtomicU64,
    pub first_errors: Mutex<Vec<String>>,
}

impl Timings {
    fn add(&self, field: &AtomicU64, since: Instant) {
        field.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
    pub fn record_error(&self, e: &LoadError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut f = self.first_errors.lock().unwrap_or_else(|p| p.into_inner());
        if f.len() < 10 {
            f.push(e.to_string());
        }
    }
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
    pub fn downloads(&self) -> u64 {
        self.downloads.load(Ordering::Relaxed)
    }
}

const FUNCTIONS: [(Es9Function, &str); 4] = [
    (
        Es9Function::InitiateAuthentication,
        "initiateAuthentication",
    ),
    (Es9Function::AuthenticateClient, "authenticateClient"),
    (
        Es9Function::GetBoundProfilePackage,
        "getBoundProfilePackage",
    ),
    (Es9Function::HandleNotification, "handleNotification"),
];

fn b64(t: &Tlv) -> Base64Bytes {
    Base64Bytes::new(t.encode())
}

fn tlv(function: &'static str, what: &str, b: Option<&Base64Bytes>) -> Result<Tlv, LoadError> {
    let b = b.ok_or_else(|| LoadError::Protocol {
        function,
        detail: format!("{what} missing"),
    })?;
    Tlv::parse(b.as_bytes()).map_err(|e| LoadError::Protocol {
        function,
        detail: format!("{what}: {e}"),
    })
}

fn check_header(function: &'static str, h: &ResponseHeader) -> Result<(), LoadError> {
    if h.is_executed() {
        return Ok(());
    }
    let status = h.status_code_data().map_or_else(
        || format!("{:?}", h.status()),
        |c| {
            format!(
                "{}/{} {}",
                c.subject_code,
                c.reason_code,
                c.message.as_deref().unwrap_or_default()
            )
        },
    );
    Err(LoadError::Failed { function, status })
}

/// An ES9+ function's JSON answer parsed, or the SM-DP+'s failure status.
fn answer<T: serde::de::DeserializeOwned>(
    function: &'static str,
    body: &[u8],
    header: impl Fn(&T) -> &ResponseHeader,
) -> Result<T, LoadError> {
    let parsed: Result<T, _> = serde_json::from_slice(body);
    match parsed {
        Ok(v) => {
            check_header(function, header(&v))?;
            Ok(v)
        }
        Err(e) => match serde_json::from_slice::<HeaderOnlyResponse>(body) {
            Ok(h) => {
                check_header(function, &h.header)?;
                Err(protocol(function)(e.to_string()))
            }
            Err(_) => Err(protocol(function)(e.to_string())),
        },
    }
}

impl Download {
    /// A download of order [`matching_id`]`(index)`; the card's randomness (challenge,
    /// otSK.EUICC.ECKA) comes from `seed` and `index`, so a run is reproducible.
    pub fn new(index: usize, seed: u64) -> Download {
        Download {
            matching_id: matching_id(index),
            rng: SeededRandom::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            step: 0,
            challenge: [0; 16],
            tx: Vec::new(),
            response: Vec::new(),
            server_address: String::new(),
            smdp_oid: String::new(),
            sig1: [0; 64],
            pk_dppb: None,
            ot_sk: None,
            metadata: Vec::new(),
        }
    }

    pub fn is_done(&self) -> bool {
        self.step == 4
    }

    pub fn transaction_id(&self) -> &[u8] {
        &self.tx
    }

    /// Processes the previous answer and makes the next ES9+ call.
    pub fn step(
        &mut self,
        card: &LeanEuicc,
        http: &HttpClient,
        server: SocketAddr,
        timings: &Timings,
    ) -> Result<(), LoadError> {
        let t = Instant::now();
        let (function, name) = FUNCTIONS
            .get(self.step)
            .copied()
            .ok_or_else(|| protocol("download")("already complete".into()))?;
        let body = match self.step {
            0 => self.initiate(card),
            1 => self.authenticate(card),
            2 => self.prepare(card),
            _ => self.install(card),
        }?;
        timings.add(&timings.client_ns, t);
        let t = Instant::now();
        let url = format!("https://{ADDRESS}:{}{}", server.port(), function.path());
        let r = http
            .post(&url, "application/json", &body)
            .map_err(|source| LoadError::Http {
                function: name,
                source,
            })?;
        timings.add(&timings.call_ns[self.step], t);
        let expected = if self.step == 3 { 204 } else { 200 };
        if r.status != expected {
            // A Failed header comes with 200; name its status.
            if r.status == 200 {
                if let Ok(h) = serde_json::from_slice::<HeaderOnlyResponse>(&r.body) {
                    check_header(name, &h.header)?;
                }
            }
            return Err(LoadError::HttpStatus {
                function: name,
                status: r.status,
            });
        }
        self.response = r.body;
        self.step += 1;
        if self.is_done() {
            timings.downloads.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Steps until done.
    pub fn run(
        &mut self,
        card: &LeanEuicc,
        http: &HttpClient,
        server: SocketAddr,
        timings: &Timings,
    ) -> Result<(), LoadError> {
        while !self.is_done() {
            self.step(card, http, server, timings)?;
        }
        Ok(())
    }

    fn initiate(&mut self, card: &LeanEuicc) -> Result<Vec<u8>, LoadError> {
        self.rng.fill(&mut self.challenge);
        json(&InitiateAuthenticationRequest {
            header: None,
            euicc_challenge: Base64Bytes::new(self.challenge.to_vec()),
            euicc_info1: Base64Bytes::new(card.info1.clone()),
            smdp_address: ADDRESS.into(),
            extra: Default::default(),
        })
    }

    /// ES10b.AuthenticateServer's checks, then euiccSigned1.
    fn authenticate(&mut self, card: &LeanEuicc) -> Result<Vec<u8>, LoadError> {
        const F: &str = "initiateAuthentication";
        let ia = answer(F, &self.response, |r: &InitiateAuthenticationResponse| {
            &r.header
        })?;
        let ss1_tlv = tlv(F, "serverSigned1", ia.server_signed1.as_ref())?;
        let sig1_do = tlv(F, "serverSignature1", ia.server_signature1.as_ref())?;
        let pkid = tlv(
            F,
            "euiccCiPKIdToBeUsed",
            ia.euicc_ci_pkid_to_be_used.as_ref(),
        )?;
        let cert = ia
            .server_certificate
            .as_ref()
            .ok_or_else(|| protocol(F)("serverCertificate missing".into()))?;
        let (pk, oid) = card.server_key(cert.as_bytes(), Role::DpAuth, None, F)?;
        signed::verify_server_signature1(
            &pk,
            &ss1_tlv.encode(),
            sig1_do.content().unwrap_or_default(),
        )
        .map_err(|e| protocol(F)(format!("serverSignature1: {e}")))?;
        let ss1 = ServerSigned1::read(&ss1_tlv).map_err(|e| protocol(F)(e.to_string()))?;
        if ss1.euicc_challenge != self.challenge {
            return Err(protocol(F)("euiccChallenge not echoed".into()));
        }
        if pkid.content() != Some(card.ci_pkid.as_slice()) {
            return Err(protocol(F)("euiccCiPKIdToBeUsed is not our CI".into()));
        }
        if ia.transaction_id.as_ref().map(TransactionIdHex::as_bytes)
            != Some(ss1.transaction_id.as_slice())
        {
            return Err(protocol(F)(
                "transactionId differs from serverSigned1".into(),
            ));
        }
        self.smdp_oid = oid.ok_or_else(|| protocol(F)("CERT.DPauth has no OID".into()))?;
        self.tx = ss1.transaction_id.clone();
        self.server_address = ss1.server_address.clone();
        let ctx = Tlv::constructed(
            Tag::of(0xA0),
            vec![
                Tlv::primitive(Tag::of(0x80), self.matching_id.as_bytes().to_vec()),
                Tlv::constructed(
                    Tag::of(0xA1),
                    vec![
                        Tlv::primitive(Tag::of(0x80), vec![0x35, 0x29, 0x06, 0x11]),
                        Tlv::constructed(Tag::of(0xA1), vec![]),
                    ],
                ),
            ],
        );
        let euicc_signed1 = Tlv::constructed(
            Tag::of(0x30),
            vec![
                Tlv::primitive(Tag::of(0x80), ss1.transaction_id.clone()),
                Tlv::primitive(Tag::of(0x83), ss1.server_address.as_bytes().to_vec()),
                Tlv::primitive(Tag::of(0x84), ss1.server_challenge.to_vec()),
                card.info2.clone(),
                ctx,
            ],
        );
        self.sig1 = signed::sign_euicc_signature1(&card.sk, &euicc_signed1.encode_der());
        let resp = Tlv::constructed(
            Tag::of(0xBF38),
            vec![Tlv::constructed(
                Tag::of(0xA0),
                vec![
                    euicc_signed1,
                    Tlv::primitive(Tag::of(0x5F37), self.sig1.to_vec()),
                    card.euicc_cert.clone(),
                    card.eum_cert.clone(),
                ],
            )],
        );
        json(&AuthenticateClientRequest {
            header: None,
            transaction_id: self.tx_hex()?,
            authenticate_server_response: b64(&resp),
            extra: Default::default(),
        })
    }

    /// ES10b.PrepareDownload's checks, then otPK.EUICC.ECKA and euiccSigned2.
    fn prepare(&mut self, card: &LeanEuicc) -> Result<Vec<u8>, LoadError> {
        const F: &str = "authenticateClient";
        let ac = answer(F, &self.response, |r: &AuthenticateClientResponse| {
            &r.header
        })?;
        let sd2_tlv = tlv(F, "smdpSigned2", ac.smdp_signed2.as_ref())?;
        let sig2_do = tlv(F, "smdpSignature2", ac.smdp_signature2.as_ref())?;
        let metadata = tlv(F, "profileMetadata", ac.profile_metadata.as_ref())?;
        let cert = ac
            .smdp_certificate
            .as_ref()
            .ok_or_else(|| protocol(F)("smdpCertificate missing".into()))?;
        let (pk_dppb, _) = card.server_key(cert.as_bytes(), Role::DpPb, Some(&self.smdp_oid), F)?;
        let sig2 = sig2_do.content().unwrap_or_default();
        signed::verify_smdp_signature2(&pk_dppb, &sd2_tlv.encode(), &self.sig1, sig2)
            .map_err(|e| protocol(F)(format!("smdpSignature2: {e}")))?;
        let sd2 = SmdpSigned2::read(&sd2_tlv).map_err(|e| protocol(F)(e.to_string()))?;
        if sd2.transaction_id != self.tx {
            return Err(protocol(F)("transactionId in smdpSigned2 differs".into()));
        }
        if sd2.cc_required {
            return Err(protocol(F)(
                "confirmation code required (none in load)".into(),
            ));
        }
        let ot = PrivateKey::generate(pk_dppb.curve(), &mut self.rng);
        let signed2 = EuiccSigned2 {
            transaction_id: self.tx.clone(),
            euicc_otpk: ot.public_key().to_uncompressed(),
            hash_cc: None,
            extensions: Vec::new(),
        }
        .to_tlv();
        let sig = signed::sign_euicc_signature2(&card.sk, &signed2.encode_der(), sig2);
        let resp = Tlv::constructed(
            Tag::of(0xBF21),
            vec![Tlv::constructed(
                Tag::of(0xA0),
                vec![signed2, Tlv::primitive(Tag::of(0x5F37), sig.to_vec())],
            )],
        );
        self.pk_dppb = Some(pk_dppb);
        self.ot_sk = Some(ot);
        self.metadata = metadata.encode();
        json(&GetBoundProfilePackageRequest {
            header: None,
            transaction_id: self.tx_hex()?,
            prepare_download_response: b64(&resp),
            extra: Default::default(),
        })
    }

    /// Opens the BPP as the card does (smdpSign, ECKA, KDF, every segment), then the PIR.
    fn install(&mut self, card: &LeanEuicc) -> Result<Vec<u8>, LoadError> {
        const F: &str = "getBoundProfilePackage";
        let gb = answer(F, &self.response, |r: &GetBoundProfilePackageResponse| {
            &r.header
        })?;
        let bpp_bytes = gb
            .bound_profile_package
            .as_ref()
            .ok_or_else(|| protocol(F)("boundProfilePackage missing".into()))?;
        let (Some(pk_dppb), Some(ot_sk)) = (&self.pk_dppb, &self.ot_sk) else {
            return Err(protocol(F)("no PrepareDownload state".into()));
        };
        let opened = bpp::open_bpp_with(bpp_bytes.as_bytes(), |isc| {
            bpp::derive_from_isc(isc, pk_dppb, ot_sk, &card.eid, &self.tx)
        })
        .map_err(|e| protocol(F)(format!("BPP: {e}")))?;
        if opened.store_metadata.encode() != self.metadata {
            return Err(protocol(F)(
                "StoreMetadata differs from profileMetadata".into(),
            ));
        }
        let iccid = opened
            .store_metadata
            .child(Tag::of(0x5A))
            .and_then(Tlv::content)
            .and_then(|i| i.try_into().ok());
        let data = ProfileInstallationResultData {
            transaction_id: self.tx.clone(),
            notification_metadata: NotificationMetadata {
                seq_number: 1,
                profile_management_operation: NotificationEvent::Install.to_bit_string(),
                notification_address: self.server_address.clone(),
                iccid,
                extensions: Vec::new(),
            },
            smdp_oid: self.smdp_oid.clone(),
            final_result: FinalResult::Success {
                aid: rsp_euicc::es10::isdp_aid(1),
                // EUICCResponse { peStatus { PEStatus { status ok } } }.
                sima_response: vec![0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00],
            },
            extensions: Vec::new(),
        }
        .to_tlv();
        let sig = signed::sign_euicc_sign_pir(&card.sk, &data.encode_der());
        let pir = Tlv::constructed(
            Tag::of(0xBF37),
            vec![data, Tlv::primitive(Tag::of(0x5F37), sig.to_vec())],
        );
        json(&HandleNotificationRequest {
            header: None,
            pending_notification: b64(&pir),
            extra: Default::default(),
        })
    }

    fn tx_hex(&self) -> Result<TransactionIdHex, LoadError> {
        TransactionIdHex::new(self.tx.clone()).map_err(|e| protocol("download")(e.to_string()))
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, LoadError> {
    serde_json::to_vec(v).map_err(|e| protocol("encode")(e.to_string()))
}

// ---------------------------------------------------------------------------- drivers

/// Runs `work(i)` for `i in 0..n` on `threads` threads, each taking the next index.
pub fn parallel(n: usize, threads: usize, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                work(i);
            });
        }
    });
}

/// Downloads of orders `first..first + n`, all in flight at once: every session does step k
/// before any does step k + 1, so after the second step the SM-DP+ holds `n` authenticated
/// sessions and after the third `n` bound BPPs. `after_step(k)` runs between steps.
#[allow(clippy::too_many_arguments)]
pub fn run_concurrent(
    card: &LeanEuicc,
    http: &HttpClient,
    server: SocketAddr,
    first: usize,
    n: usize,
    threads: usize,
    seed: u64,
    timings: &Timings,
    mut after_step: impl FnMut(usize),
) {
    let downloads: Vec<Mutex<Option<Download>>> = (first..first + n)
        .map(|i| Mutex::new(Some(Download::new(i, seed))))
        .collect();
    for step in 0..4 {
        parallel(n, threads, |i| {
            let mut slot = downloads[i].lock().unwrap_or_else(|p| p.into_inner());
            if let Some(d) = slot.as_mut() {
                if let Err(e) = d.step(card, http, server, timings) {
                    timings.record_error(&e);
                    // A failed download takes no further steps.
                    *slot = None;
                }
            }
        });
        after_step(step);
    }
}

/// Whole downloads of orders `first..first + n`, each finished before its thread starts the
/// next (`threads` such clients side by side).
#[allow(clippy::too_many_arguments)]
pub fn run_sequential(
    card: &LeanEuicc,
    http: &HttpClient,
    server: SocketAddr,
    first: usize,
    n: usize,
    threads: usize,
    seed: u64,
    timings: &Timings,
) {
    parallel(n, threads, |i| {
        if let Err(e) = Download::new(first + i, seed).run(card, http, server, timings) {
            timings.record_error(&e);
        }
    });
}

/// `n` sessions that only call InitiateAuthentication and are then abandoned (as by an LPA
/// that crashed): they must expire. Returns their transaction IDs.
#[allow(clippy::too_many_arguments)]
pub fn run_abandoned(
    card: &LeanEuicc,
    http: &HttpClient,
    server: SocketAddr,
    first: usize,
    n: usize,
    threads: usize,
    seed: u64,
    timings: &Timings,
) -> Vec<Vec<u8>> {
    let txs = Mutex::new(Vec::new());
    parallel(n, threads, |i| {
        let mut d = Download::new(first + i, seed);
        match d.step(card, http, server, timings).and_then(|()| {
            // Parse the answer (verifying the SM-DP+) without the AuthenticateClient call.
            d.authenticate(card).map(|_| ())
        }) {
            Ok(()) => txs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(d.tx.clone()),
            Err(e) => timings.record_error(&e),
        }
    });
    txs.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// An AuthenticateClient for a transaction the SM-DP+ should no longer know; returns the
/// SGP.22 status it answered (`None`: it accepted or answered otherwise).
pub fn probe_unknown(
    http: &HttpClient,
    server: SocketAddr,
    tx: &[u8],
) -> Result<Option<(String, String)>, LoadError> {
    const F: &str = "authenticateClient";
    let body = json(&AuthenticateClientRequest {
        header: None,
        transaction_id: TransactionIdHex::new(tx.to_vec())
            .map_err(|e| protocol(F)(e.to_string()))?,
        authenticate_server_response: Base64Bytes::new(vec![0xBF, 0x38, 0x00]),
        extra: Default::default(),
    })?;
    let url = format!(
        "https://{ADDRESS}:{}{}",
        server.port(),
        Es9Function::AuthenticateClient.path()
    );
    let r = http
        .post(&url, "application/json", &body)
        .map_err(|source| LoadError::Http {
            function: F,
            source,
        })?;
    let h: HeaderOnlyResponse =
        serde_json::from_slice(&r.body).map_err(|e| protocol(F)(e.to_string()))?;
    Ok(h.header
        .status_code_data()
        .map(|c| (c.subject_code.to_string(), c.reason_code.to_string())))
}
