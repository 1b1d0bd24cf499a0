//! Loopback throughput and idle-connection memory of the adapter.
//!
//! `cargo run --release --example loadgen [seconds] [threads] [idle_connections]`
//! The server runs in a child process (this binary with `serve <tls12|tls13|plain>`) so its
//! RSS is measured alone, from /proc.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_crypto::ecc::Curve;
use rsp_crypto::pkigen::{generate_to_dir, GenerateOptions};
use rsp_http::{
    ClientConfig, Handler, HttpClient, HttpRequest, HttpResponse, ServerConfig, TlsConfig, Trust,
};

const HOST: &str = "testsmdpplus1.example.com";

struct Trivial;
impl Handler for Trivial {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        HttpResponse::json(200, request.body)
    }
}

fn pki() -> PathBuf {
    let dir = std::env::temp_dir().join("rsp-http-loadgen-pki");
    if !dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der").is_file() {
        let opts = GenerateOptions {
            seed: 7,
            curves: vec![Curve::NistP256],
            ..Default::default()
        };
        if let Err(e) = generate_to_dir(&dir, &opts) {
            eprintln!("cannot generate PKI: {e}");
            std::process::exit(1);
        }
    }
    dir
}

fn serve(mode: &str) -> ! {
    let dir = pki();
    let tls = match mode {
        "plain" => None,
        _ => {
            let mut tls = match TlsConfig::from_pem_files(
                &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
                &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
            ) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1)
                }
            };
            tls.tls13 = mode == "tls13";
            tls.tls12 = mode == "tls12";
            Some(tls)
        }
    };
    let config = ServerConfig {
        tls,
        max_connections: 5000,
        idle_timeout: Duration::from_secs(300),
        ..Default::default()
    };
    let server = match rsp_http::serve(config, Arc::new(Trivial)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    println!("{}", server.local_addr());
    let _ = std::io::stdout().flush();
    // Run until the parent closes our stdin.
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let stats = server.shutdown();
    eprintln!("server stats: {stats:?}");
    std::process::exit(0)
}

fn spawn(mode: &str) -> (Child, SocketAddr) {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["serve", mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server address");
    (child, line.trim().parse().expect("address"))
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn throughput(mode: &str, seconds: u64, threads: usize, ci: &[u8]) {
    let (mut child, addr) = spawn(mode);
    let mut cc = ClientConfig::new(Trust::Roots(vec![ci.to_vec()]));
    cc.resolve = vec![(HOST.into(), addr)];
    let client = Arc::new(HttpClient::new(cc).expect("client"));
    let url = match mode {
        "plain" => format!("http://{addr}/gsma/rsp2/es9plus/x"),
        _ => format!("https://{HOST}:{}/gsma/rsp2/es9plus/x", addr.port()),
    };
    let body = br#"{"transactionId":"0123456789ABCDEF0123456789ABCDEF"}"#;
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (client, url, done, errors) =
                (client.clone(), url.clone(), done.clone(), errors.clone());
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    match client.post(&url, "application/json", body) {
                        Ok(r) if r.status == 200 => done.fetch_add(1, Ordering::Relaxed),
                        _ => errors.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{mode:6} keep-alive, {threads} client threads: {n} requests in {elapsed:.1} s = {:.0} req/s ({} errors); server RSS {} KiB",
        n as f64 / elapsed,
        errors.load(Ordering::Relaxed),
        rss_kib(child.id())
    );
    drop(child.stdin.take());
    let _ = child.wait();
}

fn idle_memory(count: usize, ci: &[u8]) {
    let (mut child, addr) = spawn("tls13");
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kib(child.id());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ci.to_vec()))
        .expect("root");
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let name = rustls::pki_types::ServerName::try_from(HOST).expect("name");
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let mut sock = TcpStream::connect(addr).expect("connect");
        let mut conn = rustls::ClientConnection::new(config.clone(), name.clone()).expect("conn");
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).expect("handshake");
        }
        held.push((sock, conn));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib(child.id());
    println!(
        "{count} idle TLS 1.3 connections: server RSS {before} KiB -> {after} KiB ({:.1} KiB per connection)",
        (after.saturating_sub(before)) as f64 / count as f64
    );
    drop(held);
    drop(child.stdin.take());
    let _ = child.wait();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(args.get(2).map_or("tls13", String::as_str));
    }
    let seconds = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let threads = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(4);
    let idle = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let ci = std::fs::read(pki().join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).expect("CI");
    for mode in ["plain", "tls12", "tls13"] {
        throughput(mode, seconds, threads, &ci);
    }
    throughput("tls13", seconds, 1, &ci);
    idle_memory(idle, &ci);
}
