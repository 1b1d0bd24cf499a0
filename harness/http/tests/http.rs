//! Integration tests on 127.0.0.1; every server is bounded by max_requests and timeouts.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rsp_crypto::cert::Role;
use rsp_http::{ClientConfig, HttpClient, HttpError, ServerConfig, TlsConfig, Trust};
use rustls::crypto::ring::cipher_suite as cs;
use rustls::pki_types::{CertificateDer, ServerName};

/// Raw rustls handshake + one request, restricted to `suites`/`version`; returns what was
/// negotiated and the response head line.
fn probe(
    server: &rsp_http::ServerHandle,
    ci: &[u8],
    suites: Vec<rustls::SupportedCipherSuite>,
    version: &'static rustls::SupportedProtocolVersion,
) -> (rustls::ProtocolVersion, rustls::CipherSuite, String) {
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: suites,
        ..rustls::crypto::ring::default_provider()
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ci.to_vec())).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(SMDP_HOST).unwrap())
            .unwrap();
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    tls.write_all(
        b"POST /probe HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out);
    let head = String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    (
        conn.protocol_version().unwrap(),
        conn.negotiated_cipher_suite().unwrap().suite(),
        head,
    )
}

#[test]
fn handler_sees_method_path_headers_and_body() {
    let (server, echo) = start(base_config());
    let client = client(Trust::InsecureAcceptAny, &server);
    let url = http_url(&server, "/gsma/rsp2/es9plus/initiateAuthentication");
    let r = client
        .post(&url, "application/json", br#"{"euiccChallenge":"AA=="}"#)
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, br#"{"euiccChallenge":"AA=="}"#);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(r.header("x-admin-protocol"), Some("gsma/rsp/v2.5.0"));
    let seen = echo.last.lock().unwrap().clone().unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/gsma/rsp2/es9plus/initiateAuthentication");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("X-Admin-Protocol"), Some("gsma/rsp/v2.5.0"));
    assert_eq!(seen.header("user-agent"), Some("gsma-rsp-lpad"));
    assert!(seen
        .headers
        .iter()
        .all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert!(seen.peer_certificates.is_empty());
    assert!(seen.peer_addr.ip().is_loopback());

    // 204 for functions without output; keep-alive reuses the connection.
    let r = client
        .post(&http_url(&server, "/notify"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    let stats = server.shutdown();
    assert_eq!(stats.connections, 1, "{stats:?}");
    assert_eq!(stats.requests, 2);
}

#[test]
fn tls12_negotiates_the_sgp22_mandated_suite() {
    let dir = pki(1);
    let ci = ci_der(&dir);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    let (server, _) = start(config);
    // A client offering only the mandated suite.
    let (version, suite, head) = probe(
        &server,
        &ci,
        vec![cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        &rustls::version::TLS12,
    );
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_2);
    assert_eq!(
        suite,
        rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    assert_eq!(head, "HTTP/1.1 200 OK");
    // A client offering everything (AES-256 and ChaCha first) still lands on it: server order.
    let (_, suite, _) = probe(
        &server,
        &ci,
        vec![
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ],
        &rustls::version::TLS12,
    );
    assert_eq!(
        suite,
        rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    // And the crate's own client over TLS 1.2 only.
    let mut cc = ClientConfig::new(Trust::Roots(vec![ci]));
    cc.tls13 = false;
    cc.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    let client = HttpClient::new(cc).unwrap();
    let r = client
        .post(&https_url(&server, "/x"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(server.shutdown().tls_failures, 0);
}

#[test]
fn tls13_works() {
    let dir = pki(1);
    let ci = ci_der(&dir);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    let (server, _) = start(config);
    let (version, suite, head) = probe(
        &server,
        &ci,
        rustls::crypto::ring::DEFAULT_CIPHER_SUITES.to_vec(),
        &rustls::version::TLS13,
    );
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert_eq!(suite, rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(head, "HTTP/1.1 200 OK");
    let client = client(Trust::Roots(vec![ci]), &server);
    let r = client
        .post(&https_url(&server, "/x"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn tls12_only_server_refuses_tls13_only_client() {
    let dir = pki(1);
    let ci = ci_der(&dir);
    let mut tls = dp_tls(&dir);
    tls.tls13 = false;
    let mut config = base_config();
    config.tls = Some(tls);
    let (server, _) = start(config);
    let mut cc = ClientConfig::new(Trust::Roots(vec![ci]));
    cc.tls12 = false;
    cc.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    let client = HttpClient::new(cc).unwrap();
    let err = client
        .post(&https_url(&server, "/x"), "application/json", b"{}")
        .unwrap_err();
    assert!(matches!(err, HttpError::TlsHandshake { .. }), "{err}");
    assert_eq!(server.shutdown().tls_failures, 1);
}

#[test]
fn a_client_can_offer_one_cipher_suite_and_unknown_names_are_refused() {
    let dir = pki(1);
    let ci = ci_der(&dir);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    let (server, _) = start(config);
    let mut cc = ClientConfig::new(Trust::Roots(vec![ci]));
    cc.tls13 = false;
    cc.cipher_suites = Some(vec!["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()]);
    cc.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    let client = HttpClient::new(cc.clone()).unwrap();
    let r = client
        .post(&https_url(&server, "/x"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
    cc.cipher_suites = Some(vec!["TLS_RSA_WITH_RC4_128_MD5".into()]);
    let err = HttpClient::new(cc).unwrap_err();
    assert!(matches!(err, HttpError::TlsSetup(_)), "{err}");
}

#[test]
fn oversized_body_goes_to_body_too_large_not_the_handler() {
    let mut config = base_config();
    config.max_body_bytes = 1 << 20;
    let (server, echo) = start(config);
    let client = client(Trust::InsecureAcceptAny, &server);
    let big = vec![b'x'; (1 << 20) + 1];
    let r = client
        .post(&http_url(&server, "/big"), "application/json", &big)
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("Failed"));
    assert_eq!(echo.calls.load(Ordering::SeqCst), 0);
    // Exactly at the limit is fine.
    let r = client
        .post(&http_url(&server, "/ok"), "application/json", &big[1..])
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 1 << 20);
    assert_eq!(echo.calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.shutdown().bodies_too_large, 1);
}

#[test]
fn oversized_chunked_body_is_cut_off() {
    let mut config = base_config();
    config.max_body_bytes = 100;
    let (server, echo) = start(config);
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let chunk = format!("40\r\n{}\r\n", "y".repeat(64));
    let req = format!(
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}{chunk}0\r\n\r\n"
    );
    sock.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out);
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(echo.calls.load(Ordering::SeqCst), 0);
    assert_eq!(server.shutdown().bodies_too_large, 1);
}

#[test]
fn default_body_too_large_is_413() {
    struct Plain;
    impl rsp_http::Handler for Plain {
        fn handle(&self, _: rsp_http::HttpRequest) -> rsp_http::HttpResponse {
            rsp_http::HttpResponse::no_content()
        }
    }
    let mut config = base_config();
    config.max_body_bytes = 10;
    let server = rsp_http::serve(config, Arc::new(Plain)).unwrap();
    let client = client(Trust::InsecureAcceptAny, &server);
    let r = client
        .post(&http_url(&server, "/"), "application/json", &[0u8; 11])
        .unwrap();
    assert_eq!(r.status, 413);
    assert!(r.body.is_empty());
}

#[test]
fn handler_panic_is_500_and_server_keeps_serving() {
    let (server, _) = start(base_config());
    let client = client(Trust::InsecureAcceptAny, &server);
    let r = client
        .post(&http_url(&server, "/panic"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 500);
    assert!(!r.body.is_empty() && r.body.len() < 100);
    let r = client
        .post(&http_url(&server, "/after"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
    let stats = server.shutdown();
    assert_eq!((stats.handler_panics, stats.responses_5xx), (1, 1));
}

/// Reads until EOF; returns what came and how long it took.
fn drain(sock: &mut TcpStream) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out);
    (out, start.elapsed())
}

#[test]
fn malformed_http_and_garbage_do_not_hurt() {
    let (server, _) = start(base_config());
    for junk in [
        &b"GARBAGE\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        b"\x16\x03\x01\x00\xff\x01\x00\x00\xfb\x03\x03",
        &[0u8; 5000][..],
    ] {
        let mut sock = TcpStream::connect(server.local_addr()).unwrap();
        let _ = sock.write_all(junk);
        let (out, took) = drain(&mut sock);
        assert!(
            took < Duration::from_secs(4),
            "connection not closed for {junk:?}"
        );
        let text = String::from_utf8_lossy(&out);
        assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    }
    let client = client(Trust::InsecureAcceptAny, &server);
    assert_eq!(
        client
            .post(&http_url(&server, "/"), "application/json", b"{}")
            .unwrap()
            .status,
        200
    );
    let stats = server.shutdown();
    assert!(stats.connection_errors >= 4, "{stats:?}");
}

#[test]
fn slow_clients_are_cut_off_by_the_timeouts() {
    let mut config = base_config();
    config.idle_timeout = Duration::from_millis(400);
    config.request_timeout = Duration::from_millis(400);
    let (server, echo) = start(config);
    // Slowloris head.
    let mut head = TcpStream::connect(server.local_addr()).unwrap();
    head.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    // Head complete, body never finishes.
    let mut body = TcpStream::connect(server.local_addr()).unwrap();
    body.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        .unwrap();
    // Connected, silent.
    let mut idle = TcpStream::connect(server.local_addr()).unwrap();
    for (name, sock) in [
        ("head", &mut head),
        ("body", &mut body),
        ("idle", &mut idle),
    ] {
        let (out, took) = drain(sock);
        assert!(
            took < Duration::from_secs(2),
            "{name}: still open after {took:?}"
        );
        if name == "body" {
            assert!(
                String::from_utf8_lossy(&out).starts_with("HTTP/1.1 408"),
                "{name}"
            );
        }
    }
    assert_eq!(echo.calls.load(Ordering::SeqCst), 0);
    assert!(server.shutdown().timeouts >= 3);
}

#[test]
fn tls_garbage_and_stalled_handshakes_are_counted() {
    let dir = pki(1);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    config.request_timeout = Duration::from_millis(400);
    let (server, _) = start(config);
    let mut garbage = TcpStream::connect(server.local_addr()).unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let (_, took) = drain(&mut garbage);
    assert!(took < Duration::from_secs(2));
    let mut stalled = TcpStream::connect(server.local_addr()).unwrap();
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    let (_, took) = drain(&mut stalled);
    assert!(took < Duration::from_secs(2));
    let client = client(Trust::Roots(vec![ci_der(&dir)]), &server);
    assert_eq!(
        client
            .post(&https_url(&server, "/"), "application/json", b"{}")
            .unwrap()
            .status,
        200
    );
    let stats = server.shutdown();
    assert_eq!(stats.tls_failures, 2, "{stats:?}");
}

#[test]
fn mutual_tls_requires_a_client_certificate() {
    let dir = pki(1);
    let ci = ci_der(&dir);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir).with_client_auth(vec![ci.clone()]));
    let (server, echo) = start(config);
    let url = https_url(&server, "/gsma/rsp2/es2plus/downloadOrder");

    let anonymous = client(Trust::Roots(vec![ci.clone()]), &server);
    assert!(anonymous.post(&url, "application/json", b"{}").is_err());

    // A certificate from another CI is refused too.
    let other = pki(2);
    let mut cc = ClientConfig::new(Trust::Roots(vec![ci.clone()]));
    cc.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    cc.client_identity = Some(operator_identity(&other));
    assert!(HttpClient::new(cc)
        .unwrap()
        .post(&url, "application/json", b"{}")
        .is_err());

    let mut cc = ClientConfig::new(Trust::Roots(vec![ci]));
    cc.resolve = vec![(SMDP_HOST.into(), server.local_addr())];
    let identity = operator_identity(&dir);
    cc.client_identity = Some(identity.clone());
    let r = HttpClient::new(cc)
        .unwrap()
        .post(&url, "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
    let seen = echo.last.lock().unwrap().clone().unwrap();
    assert_eq!(seen.peer_certificates, identity.cert_chain_der);
    assert_eq!(echo.calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.shutdown().tls_failures, 2);
}

#[test]
fn client_trust_checks() {
    let dir = pki(1);
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    let (server, echo) = start(config);

    let wrong_root = client(Trust::Roots(vec![ci_der(&pki(2))]), &server);
    let err = wrong_root
        .post(&https_url(&server, "/"), "application/json", b"{}")
        .unwrap_err();
    assert!(matches!(err, HttpError::TlsHandshake { .. }), "{err}");
    assert!(err.to_string().contains(SMDP_HOST), "{err}");

    let mut cc = ClientConfig::new(Trust::Roots(vec![ci_der(&dir)]));
    cc.resolve = vec![("other.example.com".into(), server.local_addr())];
    let mismatch = HttpClient::new(cc).unwrap();
    let url = format!("https://other.example.com:{}/", server.local_addr().port());
    let err = mismatch.post(&url, "application/json", b"{}").unwrap_err();
    assert!(matches!(err, HttpError::TlsHandshake { .. }), "{err}");

    // SGP.22 role checks on top of webpki: a DP TLS certificate is not an SM-DS one.
    let role = |role| {
        client(
            Trust::RspRole {
                roots: vec![ci_der(&dir)],
                role,
            },
            &server,
        )
    };
    let r = role(Role::DpTls).post(&https_url(&server, "/"), "application/json", b"{}");
    assert_eq!(r.unwrap().status, 200);
    let err = role(Role::DsTls)
        .post(&https_url(&server, "/"), "application/json", b"{}")
        .unwrap_err();
    assert!(
        err.to_string().contains("DStls") || err.to_string().contains("role"),
        "{err}"
    );

    let insecure = client(Trust::InsecureAcceptAny, &server);
    let r = insecure
        .post(&https_url(&server, "/"), "application/json", b"{}")
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(echo.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn client_errors_name_what_failed() {
    let client = HttpClient::new(ClientConfig::new(Trust::InsecureAcceptAny)).unwrap();
    let err = client.post("ftp://x/", "a/b", b"").unwrap_err();
    assert!(matches!(err, HttpError::Url { .. }), "{err}");
    // Nothing listens on port 1.
    let mut cc = ClientConfig::new(Trust::InsecureAcceptAny);
    cc.retries = 1;
    let err = HttpClient::new(cc)
        .unwrap()
        .post("http://127.0.0.1:1/", "a/b", b"")
        .unwrap_err();
    assert!(matches!(err, HttpError::Connect { .. }), "{err}");
    let err = client
        .request("POST", "http://127.0.0.1:1/", &[("bad header", "x")], b"")
        .unwrap_err();
    assert!(matches!(err, HttpError::Header { .. }), "{err}");
    // Inside async code: an error, not a panic; dropping the client there is fine too.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err =
        rt.block_on(async move { client.post("http://127.0.0.1:1/", "a/b", b"").unwrap_err() });
    assert!(matches!(err, HttpError::InsideRuntime), "{err}");
}

#[test]
fn server_stops_after_max_requests() {
    let mut config = base_config();
    config.max_requests = Some(3);
    let (server, _) = start(config);
    let client = client(Trust::InsecureAcceptAny, &server);
    for _ in 0..3 {
        assert_eq!(
            client
                .post(&http_url(&server, "/"), "application/json", b"{}")
                .unwrap()
                .status,
            200
        );
    }
    assert!(server.wait_stopped(Duration::from_secs(5)));
    assert!(client
        .post(&http_url(&server, "/"), "application/json", b"{}")
        .is_err());
    assert_eq!(server.stats().requests, 3);
}

#[test]
fn shutdown_is_graceful_and_bounded() {
    let (server, echo) = start(base_config());
    let url = http_url(&server, "/slow");
    let in_flight = std::thread::spawn(move || {
        let client = HttpClient::new(ClientConfig::new(Trust::InsecureAcceptAny)).unwrap();
        client.post(&url, "application/json", b"{}")
    });
    // An idle keep-alive connection must not hold shutdown up.
    let mut idle = TcpStream::connect(server.local_addr()).unwrap();
    while echo.calls.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let start = Instant::now();
    let stats = server.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(in_flight.join().unwrap().unwrap().status, 200);
    assert_eq!(stats.requests, 1);
    let (_, took) = drain(&mut idle);
    assert!(took < Duration::from_secs(1));
}

#[test]
fn pem_certificate_chain_and_pkcs8_key_load() {
    let dir = pki(1);
    let pem_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rsp-http-pem");
    std::fs::create_dir_all(&pem_dir).unwrap();
    // PEM certificate (leaf + CI) and the SEC1 key as written by pkigen.
    let leaf = read(dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"));
    let ci = ci_der(&dir);
    let pem = |der: &[u8]| {
        let b64 = base64_encode(der);
        format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
    };
    let chain_path = pem_dir.join("chain.pem");
    std::fs::write(&chain_path, format!("{}{}", pem(&leaf), pem(&ci))).unwrap();
    let tls =
        TlsConfig::from_pem_files(&chain_path, &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem")).unwrap();
    assert_eq!(tls.cert_chain_der, vec![leaf, ci.clone()]);
    assert!(format!("{tls:?}").contains("redacted"));
    let mut config = base_config();
    config.tls = Some(tls);
    let (server, _) = start(config);
    let client = client(Trust::Roots(vec![ci]), &server);
    assert_eq!(
        client
            .post(&https_url(&server, "/"), "application/json", b"{}")
            .unwrap()
            .status,
        200
    );

    let err = TlsConfig::from_pem_files(&chain_path, &pem_dir.join("missing.pem")).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    let err = TlsConfig::from_pem_files(&chain_path, &chain_path).unwrap_err();
    assert!(err.to_string().contains("chain.pem"), "{err}");
}

use std::path::Path;

fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[test]
fn sgp26_dp_tls_certificate_works_with_webpki() {
    let Some(dir) = sgp26_dir() else { return };
    // TLS checks validity at the wall clock; the SGP.26 DP TLS certificate is valid only from
    // 2026-07-21 to 2027-02-06, so outside that window this test cannot say anything.
    let leaf = rsp_crypto::cert::RspCertificate::from_der(&read(
        dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
    ))
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if now > leaf.not_after().unix() || now < leaf.not_before().unix() {
        eprintln!("!!! SKIPPING: the SGP.26 DP TLS certificate is not valid at the wall clock");
        return;
    }
    let mut config = base_config();
    config.tls = Some(dp_tls(&dir));
    let (server, _) = start(config);
    let ci = read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der"));
    let (version, suite, head) = probe(
        &server,
        &ci,
        vec![cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        &rustls::version::TLS12,
    );
    assert_eq!(
        (version, suite, head.as_str()),
        (
            rustls::ProtocolVersion::TLSv1_2,
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            "HTTP/1.1 200 OK"
        )
    );
    let url = https_url(&server, "/gsma/rsp2/es9plus/initiateAuthentication");
    let client = client(Trust::Roots(vec![ci.clone()]), &server);
    assert_eq!(
        client.post(&url, "application/json", b"{}").unwrap().status,
        200
    );
    let strict = common::client(
        Trust::RspRole {
            roots: vec![ci],
            role: Role::DpTls,
        },
        &server,
    );
    assert_eq!(
        strict.post(&url, "application/json", b"{}").unwrap().status,
        200
    );
}

#[test]
fn server_config_errors_are_reported() {
    let dir = pki(1);
    let mut tls = dp_tls(&dir);
    tls.tls12 = false;
    tls.tls13 = false;
    let config = ServerConfig {
        tls: Some(tls),
        ..base_config()
    };
    let err = rsp_http::serve(config, Arc::new(Echo::default())).unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
    let mut tls = dp_tls(&dir);
    tls.key_der = vec![1, 2, 3];
    let err = rsp_http::serve(
        ServerConfig {
            tls: Some(tls),
            ..base_config()
        },
        Arc::new(Echo::default()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
    // Port in use.
    let (server, _) = start(base_config());
    let err = rsp_http::serve(
        ServerConfig {
            bind: server.local_addr(),
            ..base_config()
        },
        Arc::new(Echo::default()),
    )
    .unwrap_err();
    assert!(matches!(err, HttpError::Bind { .. }), "{err}");
}
