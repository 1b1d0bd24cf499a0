//! Test PKI and small helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rsp_crypto::ecc::Curve;
use rsp_crypto::pkigen::{generate_to_dir, GenerateOptions};
use rsp_http::{
    serve, ClientConfig, ClientIdentity, Handler, HttpClient, HttpRequest, HttpResponse,
    ServerConfig, ServerHandle, TlsConfig, Trust,
};

pub const SMDP_HOST: &str = "testsmdpplus1.example.com";

/// A generated SGP.26-layout PKI (NIST only; TLS cannot use brainpool).
pub fn pki(seed: u64) -> PathBuf {
    static DIRS: OnceLock<std::sync::Mutex<Vec<(u64, PathBuf)>>> = OnceLock::new();
    let dirs = DIRS.get_or_init(Default::default);
    let mut dirs = dirs.lock().unwrap();
    if let Some((_, d)) = dirs.iter().find(|(s, _)| *s == seed) {
        return d.clone();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("rsp-http-pki-{seed}"));
    let opts = GenerateOptions {
        seed,
        curves: vec![Curve::NistP256],
        ..Default::default()
    };
    generate_to_dir(&dir, &opts).expect("generate test PKI");
    dirs.push((seed, dir.clone()));
    dir
}

pub fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn ci_der(dir: &Path) -> Vec<u8> {
    read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der"))
}

pub fn dp_tls(dir: &Path) -> TlsConfig {
    TlsConfig::from_pem_files(
        &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
        &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
    )
    .expect("load DP TLS certificate and key")
}

pub fn operator_identity(dir: &Path) -> ClientIdentity {
    ClientIdentity {
        cert_chain_der: rsp_http::load_certificates(
            &dir.join("Operator/CERT_OPERATOR_ECDSA_NIST.der"),
        )
        .unwrap(),
        key_der: rsp_http::load_private_key(&dir.join("Operator/SK_OPERATOR_ECDSA_NIST.pem"))
            .unwrap(),
    }
}

/// Echoes method, path and body; counts calls; panics on path `/panic`, sleeps on `/slow`.
#[derive(Default)]
pub struct Echo {
    pub calls: AtomicUsize,
    pub last: std::sync::Mutex<Option<HttpRequest>>,
}

impl Handler for Echo {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match request.path.as_str() {
            "/panic" => panic!("test handler panic (expected)"),
            "/slow" => std::thread::sleep(Duration::from_millis(400)),
            "/notify" => return HttpResponse::no_content(),
            _ => {}
        }
        let body = request.body.clone();
        *self.last.lock().unwrap() = Some(request);
        HttpResponse::json(200, body).with_header("x-admin-protocol", "gsma/rsp/v2.5.0")
    }

    fn body_too_large(&self, request: &HttpRequest) -> HttpResponse {
        assert!(request.body.is_empty());
        HttpResponse::json(
            200,
            &br#"{"header":{"functionExecutionStatus":{"status":"Failed"}}}"#[..],
        )
    }
}

pub fn base_config() -> ServerConfig {
    ServerConfig {
        request_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        max_requests: Some(50),
        shutdown_grace: Duration::from_secs(2),
        ..Default::default()
    }
}

pub fn start(config: ServerConfig) -> (ServerHandle, Arc<Echo>) {
    let echo = Arc::new(Echo::default());
    let server = serve(config, echo.clone()).expect("server starts");
    (server, echo)
}

pub fn client(trust: Trust, server: &ServerHandle) -> HttpClient {
    let mut config = ClientConfig::new(trust);
    config.timeout = Duration::from_secs(10);
    config.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    HttpClient::new(config).expect("client")
}

pub fn https_url(server: &ServerHandle, path: &str) -> String {
    format!("https://{SMDP_HOST}:{}{path}", server.local_addr().port())
}

pub fn http_url(server: &ServerHandle, path: &str) -> String {
    format!("http://{}{path}", server.local_addr())
}

/// Directory of the SGP.26 vectors, or `None` (after saying so) when absent outside CI.
pub fn sgp26_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/sgp26"
    ))
    .to_owned();
    if dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "SGP.26 vectors missing at {} (required when CI=true)",
            dir.display()
        );
    }
    eprintln!("SKIPPED: SGP.26 vectors not found at {}", dir.display());
    None
}
