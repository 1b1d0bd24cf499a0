//! `rspcheck serve smds` as a user runs it: a configuration file, an SQLite database, two
//! HTTPS listeners on 127.0.0.1 that stop by themselves after one request each
//! (`[limits] max_requests = 1`), then `rspcheck smds audit` on the database.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rsp_crypto::cert::Role;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::Curve;
use rsp_http::{ClientConfig, ClientIdentity, HttpClient, Trust};

const HOST: &str = "testsmds.example.com";

/// Kills the server if the test fails before it stopped by itself.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn addr_after(line: &str, marker: &str) -> Option<std::net::SocketAddr> {
    line.split(marker).nth(1)?.trim().parse().ok()
}

#[test]
fn serve_smds_registers_durably_and_audit_prints_fingerprints() {
    let dir = std::env::temp_dir().join(format!("rspcheck-serve-smds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pki_dir = rsp_euicc::testkit::generated_pki(7);
    let config = dir.join("smds.toml");
    std::fs::write(
        &config,
        format!(
            "pki = {:?}\ndatabase = \"smds.db\"\n[limits]\nmax_requests = 1\n",
            pki_dir.display().to_string()
        ),
    )
    .unwrap();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_rspcheck"))
            .args(["serve", "smds", "--config"])
            .arg(&config)
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs"),
    );
    let mut stderr = BufReader::new(server.0.stderr.take().unwrap());
    let (mut es11, mut es12) = (None, None);
    while es11.is_none() || es12.is_none() {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "server ended early"
        );
        es11 = es11.or_else(|| addr_after(&line, "serving ES11 on https://"));
        es12 = es12.or_else(|| addr_after(&line, "(mutual TLS) on https://"));
    }
    let (es11, es12) = (es11.unwrap(), es12.unwrap());

    let set = PkiSet::load(&pki_dir).unwrap();
    let nist = set.curve(Curve::NistP256).unwrap();
    let client = |addr, identity| {
        let mut c = ClientConfig::new(Trust::RspRole {
            roots: vec![nist.ci.cert.der().to_vec()],
            role: Role::DsTls,
        });
        c.resolve = vec![(HOST.into(), addr)];
        c.timeout = Duration::from_secs(10);
        c.client_identity = identity;
        HttpClient::new(c).unwrap()
    };
    let dp = client(
        es12,
        Some(ClientIdentity {
            cert_chain_der: vec![nist.dp_tls.cert.der().to_vec()],
            key_der: rsp_http::load_private_key(nist.dp_tls.key_path.as_ref().unwrap()).unwrap(),
        }),
    );
    let r = dp
        .post(
            &format!("https://{HOST}:{}/gsma/rsp2/es12/registerEvent", es12.port()),
            "application/json",
            br#"{"header":{"functionRequesterIdentifier":"dp","functionCallIdentifier":"1"},"eid":"89049032123451234512345678901235","rspServerAddress":"testsmdpplus1.example.com","eventId":"SECRET-EVENT-1","forwardingIndicator":false}"#,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("Executed-Success"));
    let lpa = client(es11, None);
    let r = lpa
        .post(
            &format!("https://{HOST}:{}/gsma/rsp2/es11/initiateAuthentication", es11.port()),
            "application/json",
            br#"{"euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA==","euiccInfo1":"vyAA","smdsAddress":"other.example.com"}"#,
        )
        .unwrap();
    assert!(String::from_utf8_lossy(&r.body).contains("8.9.1"));

    // Both listeners have served their one request: the process ends by itself.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve smds did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");

    let o = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(["smds", "audit", "--db"])
        .arg(dir.join("smds.db"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("register") && out.contains("sha256:"), "{out}");
    assert!(!out.contains("SECRET-EVENT-1"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_rspcheck"))
        .args(["smds", "audit", "--db"])
        .arg(dir.join("missing.db"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
