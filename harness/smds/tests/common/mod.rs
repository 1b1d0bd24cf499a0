//! Shared by the SM-DS HTTPS tests: the generated PKI, SM-DS servers on 127.0.0.1 (an ES11
//! listener and a mutual-TLS ES12 listener, each stopping by itself after a bounded number of
//! requests), HTTPS clients for the LPA and the SM-DP+ sides, and an in-test LPA that moves
//! JSON to the SM-DS and APDUs to the reference eUICC.
#![allow(dead_code)] // each test file uses part of it

use std::sync::Arc;
use std::time::Duration;

use rsp_codec::json::{self, Es11Function, Es12Function};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::cert::{Role, Time};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{Curve, SeededRandom};
use rsp_euicc::testkit::{self, Lpa};
use rsp_euicc::{Credentials, Euicc, EuiccConfig};
use rsp_http::{ClientConfig, ClientIdentity, HttpClient, ServerConfig, ServerHandle, Trust};
use rsp_smds::http::{FixedClock, Listener, SmdsService};
use rsp_smds::{EventStore, Forwarder, Smds, SmdsConfig};
use serde_json::{json, Value};

/// The host name in the generated CERT.DStls.
pub const HOST: &str = "testsmds.example.com";
pub const SMDP: &str = "testsmdpplus1.example.com";
pub const OTHER_EID: &str = "89049032123451234512345678901235";
/// Requests each listener serves before it stops by itself.
pub const MAX_REQUESTS: u64 = 200;

pub fn pki_dir() -> std::path::PathBuf {
    testkit::generated_pki(7)
}

pub fn pki() -> PkiSet {
    PkiSet::load(pki_dir()).expect("PKI")
}

pub fn now() -> Time {
    Time::from_unix(1_767_225_600)
}

pub fn card() -> Euicc {
    Euicc::new(
        EuiccConfig::default(),
        Credentials::from_set(&pki()).unwrap(),
        Box::new(SeededRandom::new(3)),
    )
    .unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    json::Base64Bytes::new(bytes.to_vec()).to_base64()
}

pub fn unb64(v: &Value) -> Vec<u8> {
    json::Base64Bytes::from_base64(v.as_str().expect("string"))
        .expect("base64")
        .into_bytes()
}

/// A port that was free a moment ago (for an address that must name its own port before the
/// server is bound).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One SM-DS on two listeners.
pub struct Ds<S: EventStore + Send + 'static> {
    pub es11: ServerHandle,
    pub es12: ServerHandle,
    pub service: SmdsService<S>,
    /// The address it answers for (what the LPA sends as smdsAddress).
    pub address: String,
}

impl<S: EventStore + Send + 'static> Ds<S> {
    pub fn es11_url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.es11.local_addr().port())
    }

    pub fn es12_url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.es12.local_addr().port())
    }

    pub fn es12_base(&self) -> String {
        format!("https://{HOST}:{}", self.es12.local_addr().port())
    }

    /// Stops both listeners; returns the 5xx count (must be 0).
    pub fn stop(self) -> u64 {
        let a = self.es11.shutdown();
        let b = self.es12.shutdown();
        assert_eq!(a.handler_panics + b.handler_panics, 0);
        a.responses_5xx + b.responses_5xx
    }
}

pub struct DsOptions {
    pub address: String,
    /// Port of the ES11 listener (0: any).
    pub es11_port: u16,
    pub forwarder: Option<Box<dyn Forwarder>>,
    pub seed: u64,
}

impl Default for DsOptions {
    fn default() -> Self {
        DsOptions {
            address: HOST.into(),
            es11_port: 0,
            forwarder: None,
            seed: 11,
        }
    }
}

pub fn start<S: EventStore + Send + 'static>(store: S, options: DsOptions) -> Ds<S> {
    let set = pki();
    let config = SmdsConfig {
        address: options.address.clone(),
        ..SmdsConfig::default()
    };
    let mut smds = Smds::new(
        config,
        &set,
        store,
        Box::new(SeededRandom::new(options.seed)),
        now(),
    )
    .expect("SM-DS");
    if let Some(f) = options.forwarder {
        smds = smds.with_forwarder(f);
    }
    let service = SmdsService::new(smds, set.cis(), Box::new(FixedClock(now())));
    let tls = rsp_smds::config::ds_tls(&set).expect("DS TLS");
    let ci = set.curve(Curve::NistP256).unwrap().ci.cert.der().to_vec();
    let server = |port: u16, tls, listener| {
        rsp_http::serve(
            ServerConfig {
                bind: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
                tls: Some(tls),
                max_body_bytes: 1 << 20,
                max_requests: Some(MAX_REQUESTS),
                request_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(10),
                shutdown_grace: Duration::from_secs(2),
                ..ServerConfig::default()
            },
            Arc::new(service.for_listener(listener)),
        )
        .expect("serve")
    };
    let es12 = server(0, tls.clone().with_client_auth(vec![ci]), Listener::Es12);
    let es11 = server(options.es11_port, tls, Listener::Es11);
    Ds {
        es11,
        es12,
        service,
        address: options.address,
    }
}

fn ci_nist() -> Vec<u8> {
    pki().curve(Curve::NistP256).unwrap().ci.cert.der().to_vec()
}

/// A client that trusts the CI for CERT.DStls and connects `HOST` to `addr`.
pub fn client(addr: std::net::SocketAddr, identity: Option<ClientIdentity>) -> HttpClient {
    let mut config = ClientConfig::new(Trust::RspRole {
        roots: vec![ci_nist()],
        role: Role::DsTls,
    });
    config.timeout = Duration::from_secs(10);
    config.retries = 0;
    config.resolve = vec![(HOST.into(), addr)];
    config.client_identity = identity;
    HttpClient::new(config).expect("client")
}

/// The TLS identity of a role of the NIST set (DpTls, DsTls, Operator).
pub fn identity(role: Role) -> ClientIdentity {
    let set = pki();
    let nist = set.curve(Curve::NistP256).unwrap();
    let entry = match role {
        Role::DpTls => &nist.dp_tls,
        Role::DsTls => nist.ds_tls.as_ref().unwrap(),
        Role::Operator => nist.operator.as_ref().unwrap(),
        other => panic!("no TLS identity for {other:?}"),
    };
    ClientIdentity {
        cert_chain_der: vec![entry.cert.der().to_vec()],
        key_der: rsp_http::load_private_key(entry.key_path.as_ref().unwrap()).unwrap(),
    }
}

/// The SM-DP+'s side: ES12 client with CERT.DPtls.
pub fn dp_client<S: EventStore + Send + 'static>(ds: &Ds<S>) -> HttpClient {
    client(ds.es12.local_addr(), Some(identity(Role::DpTls)))
}

/// The LPA's side: ES11 client without a certificate.
pub fn lpa_client<S: EventStore + Send + 'static>(ds: &Ds<S>) -> HttpClient {
    client(ds.es11.local_addr(), None)
}

/// POSTs JSON; returns the HTTP status and the body as JSON (`Null` when not JSON).
pub fn post(client: &HttpClient, url: &str, body: &Value) -> (u16, Value) {
    let r = client
        .post(url, "application/json", body.to_string().as_bytes())
        .expect("POST");
    if r.status == 200 {
        assert_eq!(
            r.header("x-admin-protocol"),
            Some("gsma/rsp/v2.5.0"),
            "X-Admin-Protocol"
        );
    }
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    )
}

/// `subject/reason` of a `Failed` answer, `"ok"` on success.
pub fn outcome(v: &Value) -> String {
    let s = &v["header"]["functionExecutionStatus"];
    if s["status"] == "Executed-Success" {
        return "ok".into();
    }
    let d = &s["statusCodeData"];
    format!(
        "{}/{}",
        d["subjectCode"].as_str().unwrap_or("?"),
        d["reasonCode"].as_str().unwrap_or("?")
    )
}

pub fn register_body(eid: &str, event_id: &str, address: &str, forward: bool) -> Value {
    json!({
        "header": {"functionRequesterIdentifier": "dp-1", "functionCallIdentifier": "call-1"},
        "eid": eid, "rspServerAddress": address, "eventId": event_id, "forwardingIndicator": forward,
    })
}

pub fn delete_body(eid: &str, event_id: &str) -> Value {
    json!({
        "header": {"functionRequesterIdentifier": "dp-1", "functionCallIdentifier": "call-2"},
        "eid": eid, "eventId": event_id,
    })
}

/// ES12.RegisterEvent over HTTPS; the outcome.
pub fn register<S: EventStore + Send + 'static>(
    ds: &Ds<S>,
    dp: &HttpClient,
    eid: &str,
    event_id: &str,
    forward: bool,
) -> String {
    let (status, v) = post(
        dp,
        &ds.es12_url(Es12Function::RegisterEvent.path()),
        &register_body(eid, event_id, SMDP, forward),
    );
    assert_eq!(status, 200, "{v}");
    outcome(&v)
}

pub fn delete<S: EventStore + Send + 'static>(
    ds: &Ds<S>,
    dp: &HttpClient,
    eid: &str,
    event_id: &str,
) -> String {
    let (status, v) = post(
        dp,
        &ds.es12_url(Es12Function::DeleteEvent.path()),
        &delete_body(eid, event_id),
    );
    assert_eq!(status, 200, "{v}");
    outcome(&v)
}

/// How the LPA talks to the SM-DS: the normative ES11 form, or lpac's (es9plus paths,
/// address under `smdpAddress`).
#[derive(Clone, Copy, Debug)]
pub enum Style {
    Es11,
    Es9PlusAlias,
}

impl Style {
    pub fn path(self, f: Es11Function) -> &'static str {
        match self {
            Style::Es11 => f.path(),
            Style::Es9PlusAlias => f.alias_path(),
        }
    }

    pub fn address_key(self) -> &'static str {
        match self {
            Style::Es11 => "smdsAddress",
            Style::Es9PlusAlias => "smdpAddress",
        }
    }
}

/// Where an LPA discovers: the ES11 listener's URL base and the address it names.
pub struct Target<'a> {
    pub client: &'a HttpClient,
    pub port: u16,
    pub address: &'a str,
}

impl Target<'_> {
    fn url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.port)
    }
}

/// InitiateAuthentication with the card's EUICCInfo1 (optionally edited) and challenge.
pub fn initiate(t: &Target<'_>, lpa: &mut Lpa<'_>, style: Style, info1: Option<Vec<u8>>) -> Value {
    let info1 = info1.unwrap_or_else(|| lpa.call(&hex::decode("BF2000").unwrap()).encode());
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    let challenge = ch.children()[0].content().unwrap().to_vec();
    let mut req = json!({"euiccChallenge": b64(&challenge), "euiccInfo1": b64(&info1)});
    req[style.address_key()] = json!(t.address);
    let (status, v) = post(
        t.client,
        &t.url(style.path(Es11Function::InitiateAuthentication)),
        &req,
    );
    assert_eq!(status, 200, "{v}");
    v
}

/// One discovery; `mutate` may change the card's AuthenticateServerResponse before it is
/// posted. Returns the AuthenticateClient answer.
pub fn discover_with(
    t: &Target<'_>,
    card: &mut Euicc,
    style: Style,
    mutate: impl FnOnce(&mut Tlv),
) -> Value {
    let mut lpa = Lpa::open(card);
    let ia = initiate(t, &mut lpa, style, None);
    assert_eq!(outcome(&ia), "ok", "{ia}");
    // ctxParams1 without matchingId: discovery (digest §2.4).
    let part = |k: &str| Tlv::parse(&unb64(&ia[k])).unwrap();
    let req = testkit::authenticate_server_request(
        part("serverSigned1"),
        part("serverSignature1"),
        part("euiccCiPKIdToBeUsed"),
        part("serverCertificate"),
        None,
    );
    let mut resp = lpa.call(&req.encode_der());
    assert_eq!(
        resp.children().first().map(|c| c.tag()),
        Some(Tag::of(0xA0)),
        "the eUICC refused the SM-DS: {}",
        hex::encode_upper(resp.encode())
    );
    mutate(&mut resp);
    let tx = ia["transactionId"].as_str().unwrap().to_owned();
    let (status, v) = post(
        t.client,
        &t.url(style.path(Es11Function::AuthenticateClient)),
        &json!({"transactionId": tx, "authenticateServerResponse": b64(&resp.encode())}),
    );
    assert_eq!(status, 200, "{v}");
    v
}

/// The (eventId, rspServerAddress) pairs a discovery returns.
pub fn discover(t: &Target<'_>, card: &mut Euicc, style: Style) -> Vec<(String, String)> {
    let v = discover_with(t, card, style, |_| {});
    assert_eq!(outcome(&v), "ok", "{v}");
    v["eventEntries"]
        .as_array()
        .expect("eventEntries array")
        .iter()
        .map(|e| {
            (
                e["eventId"].as_str().unwrap().to_owned(),
                e["rspServerAddress"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
