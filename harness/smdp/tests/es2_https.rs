//! ES2+ over mutual TLS, HandleDownloadProgressInfo callbacks to an operator simulator, the ES12
//! client against an SM-DS stand-in, and transport faults (drop, delay) — all over real HTTPS on
//! 127.0.0.1.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rsp_codec::json::{Es2Function, Es9Function};
use rsp_http::{
    ClientConfig, ClientIdentity, Handler, HttpClient, HttpRequest, HttpResponse, ServerConfig,
    ServerHandle, TlsConfig, Trust,
};
use rsp_smdp::es12_client::HttpEventRegistrar;
use rsp_smdp::es2_http::{Es2Service, ProgressNotifier};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{MemoryStore, Order, OrderStore};
use serde_json::{json, Value};

const OPERATOR: &str = "operator.example.com";
const SMDS: &str = "testsmds.example.com";

/// Records every request and answers like an operator (204) or an SM-DS (success header, or
/// 8.9.5/3.3 for an event ID starting with `DUP`).
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, Value)>>,
}

impl Handler for Recorder {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        self.seen
            .lock()
            .unwrap()
            .push((request.path.clone(), body.clone()));
        if request.path.contains("es2plus") {
            return HttpResponse::no_content();
        }
        let answer = if body["eventId"]
            .as_str()
            .is_some_and(|e| e.starts_with("DUP"))
        {
            json!({"header": {"functionExecutionStatus": {"status": "Failed",
                "statusCodeData": {"subjectCode": "8.9.5", "reasonCode": "3.3"}}}})
        } else {
            json!({"header": {"functionExecutionStatus": {"status": "Executed-Success"}}})
        };
        HttpResponse::json(200, answer.to_string())
    }
}

fn tls(dir: &std::path::Path) -> TlsConfig {
    TlsConfig::from_pem_files(
        &dir.join("DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
        &dir.join("DPtls/SK_S_SM_DP_TLS_NIST.pem"),
    )
    .expect("TLS certificate")
}

fn serve(tls: TlsConfig, handler: Arc<dyn Handler>) -> ServerHandle {
    rsp_http::serve(
        ServerConfig {
            tls: Some(tls),
            max_requests: Some(100),
            ..ServerConfig::default()
        },
        handler,
    )
    .expect("serve")
}

/// A lab client trusting any server certificate (the stand-ins reuse the DPtls certificate).
fn lab_client(resolve: Vec<(String, std::net::SocketAddr)>) -> HttpClient {
    let mut c = ClientConfig::new(Trust::InsecureAcceptAny);
    c.timeout = Duration::from_secs(10);
    c.retries = 0;
    c.resolve = resolve;
    HttpClient::new(c).expect("client")
}

fn operator_identity(dir: &std::path::Path) -> ClientIdentity {
    ClientIdentity {
        cert_chain_der: rsp_http::load_certificates(
            &dir.join("Operator/CERT_OPERATOR_ECDSA_NIST.der"),
        )
        .unwrap(),
        key_der: rsp_http::load_private_key(&dir.join("Operator/SK_OPERATOR_ECDSA_NIST.pem"))
            .unwrap(),
    }
}

fn header() -> Value {
    json!({"functionRequesterIdentifier": "operator-1", "functionCallIdentifier": "1"})
}

#[test]
fn an_operator_orders_over_mutual_tls_and_hears_every_notification_point() {
    let dir = rsp_euicc::testkit::generated_pki(7);
    let operator = Arc::new(Recorder::default());
    let operator_server = serve(tls(&dir), operator.clone());
    let notifier = ProgressNotifier::start(
        lab_client(vec![(OPERATOR.into(), operator_server.local_addr())]),
        format!("https://{OPERATOR}/gsma/rsp2/es2plus/handleDownloadProgressInfo"),
        "rspcheck-smdp".into(),
    );
    let mut core = smdp(vec![]);
    core.add_profile(Order::available(ICCID, profile(), "consumer"));
    let service = Arc::new(SmdpService::with_progress_notifier(core, notifier));
    let ci = std::fs::read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).unwrap();
    let es2_server = serve(
        tls(&dir).with_client_auth(vec![ci.clone()]),
        Arc::new(Es2Service::new(service.clone())),
    );
    let es2_url = |f: Es2Function| {
        format!(
            "https://{ADDRESS}:{}{}",
            es2_server.local_addr().port(),
            f.path()
        )
    };

    // Without an operator certificate the TLS handshake fails.
    let mut anonymous = ClientConfig::new(Trust::Roots(vec![ci.clone()]));
    anonymous.resolve = vec![(ADDRESS.into(), es2_server.local_addr())];
    anonymous.retries = 0;
    let anonymous = HttpClient::new(anonymous).unwrap();
    assert!(anonymous
        .post(
            &es2_url(Es2Function::DownloadOrder),
            "application/json",
            b"{}"
        )
        .is_err());

    let mut config = ClientConfig::new(Trust::Roots(vec![ci]));
    config.resolve = vec![(ADDRESS.into(), es2_server.local_addr())];
    config.client_identity = Some(operator_identity(&dir));
    let client = HttpClient::new(config).unwrap();
    let call = |f: Es2Function, body: Value| -> Value {
        let r = client
            .post(&es2_url(f), "application/json", body.to_string().as_bytes())
            .expect("ES2+ call");
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).unwrap()
    };
    let a = call(
        Es2Function::DownloadOrder,
        json!({"header": header(), "profileType": "consumer"}),
    );
    assert_eq!(a["iccid"], ICCID, "{a}");
    let a = call(
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "AC-OPERATOR", "releaseFlag": true}),
    );
    assert_eq!(
        a["header"]["functionExecutionStatus"]["status"],
        "Executed-Success"
    );

    let mut card = card();
    let pir = service.with(|s| full_download(s, &mut card, Some("AC-OPERATOR"), None));
    assert_eq!(rsp_euicc::testkit::pir_error(&pir), None);
    service.notifier().unwrap().finish();
    let seen = operator.seen.lock().unwrap().clone();
    let points: Vec<(u64, &str)> = seen
        .iter()
        .map(|(_, v)| {
            (
                v["notificationPointId"].as_u64().unwrap(),
                v["notificationPointStatus"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        points,
        vec![
            (1, "Executed-Success"),
            (3, "Executed-Success"),
            (4, "Executed-Success")
        ]
    );
    for (path, v) in &seen {
        assert_eq!(path, "/gsma/rsp2/es2plus/handleDownloadProgressInfo");
        assert_eq!(v["iccid"], ICCID);
        assert_eq!(v["profileType"], "consumer");
        assert_eq!(v["header"]["functionRequesterIdentifier"], "rspcheck-smdp");
    }
    assert_eq!(
        unb64(&seen[2].1["resultData"]),
        pir.encode(),
        "the PIR travels with the installation point"
    );
    assert_eq!(es2_server.stats().responses_5xx, 0);
}

#[test]
fn smds_orders_register_over_https_and_a_refusal_is_8_9_4_2() {
    let dir = rsp_euicc::testkit::generated_pki(7);
    let smds = Arc::new(Recorder::default());
    let smds_server = serve(tls(&dir), smds.clone());
    let mut core = smdp(vec![]);
    core.set_event_registrar(Box::new(HttpEventRegistrar::new(lab_client(vec![(
        SMDS.into(),
        smds_server.local_addr(),
    )]))));
    core.add_profile(Order::available(ICCID, profile(), "consumer"));
    let eid = "89049032123451234512345678901235";
    let es2 = |core: &mut rsp_smdp::Smdp<MemoryStore>, f: Es2Function, v: Value| {
        core.handle_es2(f, v.to_string().as_bytes())
    };
    success(&es2(
        &mut core,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid}),
    ));
    let refused = es2(
        &mut core,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "matchingId": "DUP-1", "smdsAddress": SMDS, "releaseFlag": true}),
    );
    assert_eq!(
        refused.failure(),
        Some(rsp_codec::status::KnownStatus::SmdsExecutionError)
    );
    let ok = es2(
        &mut core,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "matchingId": "EVENT-1", "smdsAddress": SMDS, "releaseFlag": true}),
    );
    success(&ok);
    assert_eq!(
        core.store().get(ICCID).unwrap().smds_address.as_deref(),
        Some(SMDS)
    );
    let seen = smds.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].0, "/gsma/rsp2/es12/registerEvent");
    assert_eq!(seen[1].1["eventId"], "EVENT-1");
    assert_eq!(seen[1].1["eid"], eid);
    assert_eq!(seen[1].1["rspServerAddress"], ADDRESS);
    // Cancelling the order deletes the event.
    success(&es2(
        &mut core,
        Es2Function::CancelOrder,
        json!({"header": header(), "iccid": ICCID, "finalProfileStatusIndicator": "Available"}),
    ));
    let seen = smds.seen.lock().unwrap().clone();
    assert_eq!(seen.last().unwrap().0, "/gsma/rsp2/es12/deleteEvent");
    // An SM-DS nobody listens on is 8.9/5.1.
    drop(smds_server);
    success(&es2(
        &mut core,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid}),
    ));
    let gone = es2(
        &mut core,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "matchingId": "EVENT-2", "smdsAddress": SMDS, "releaseFlag": true}),
    );
    assert_eq!(
        gone.failure(),
        Some(rsp_codec::status::KnownStatus::SmdsInaccessible)
    );
}

#[test]
fn a_served_smdp_reaches_the_smds_from_its_request_handlers() {
    // Served, the SM-DP+ handles requests on rsp-http's blocking pool, inside a tokio runtime,
    // where the blocking HttpClient refuses to run: ES12 must still get through.
    let dir = rsp_euicc::testkit::generated_pki(7);
    let smds = Arc::new(Recorder::default());
    let smds_server = serve(tls(&dir), smds.clone());
    let mut core = smdp(vec![]);
    core.set_event_registrar(Box::new(HttpEventRegistrar::new(lab_client(vec![(
        SMDS.into(),
        smds_server.local_addr(),
    )]))));
    core.add_profile(Order::available(ICCID, profile(), "consumer"));
    let service = Arc::new(SmdpService::new(core));
    let ci = std::fs::read(dir.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).unwrap();
    let es2_server = serve(
        tls(&dir).with_client_auth(vec![ci.clone()]),
        Arc::new(Es2Service::new(service.clone())),
    );
    let mut config = ClientConfig::new(Trust::Roots(vec![ci]));
    config.resolve = vec![(ADDRESS.into(), es2_server.local_addr())];
    config.client_identity = Some(operator_identity(&dir));
    let client = HttpClient::new(config).unwrap();
    let call = |f: Es2Function, body: Value| -> Value {
        let url = format!(
            "https://{ADDRESS}:{}{}",
            es2_server.local_addr().port(),
            f.path()
        );
        let r = client
            .post(&url, "application/json", body.to_string().as_bytes())
            .expect("ES2+ call");
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v["header"]["functionExecutionStatus"]["status"], "Executed-Success",
            "{f:?}: {v}"
        );
        v
    };
    let eid = "89049032123451234512345678901235";
    call(
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid}),
    );
    call(
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "matchingId": "EVENT-H", "smdsAddress": SMDS, "releaseFlag": true}),
    );
    call(
        Es2Function::CancelOrder,
        json!({"header": header(), "iccid": ICCID, "finalProfileStatusIndicator": "Available"}),
    );
    let paths: Vec<String> = smds
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/gsma/rsp2/es12/registerEvent",
            "/gsma/rsp2/es12/deleteEvent"
        ]
    );
}

#[test]
fn injected_transport_faults_drop_and_delay_the_answer() {
    let dir = rsp_euicc::testkit::generated_pki(7);
    let service = Arc::new(SmdpService::new(smdp(vec![])));
    let server = serve(tls(&dir), service.clone());
    let client = lab_client(vec![(ADDRESS.into(), server.local_addr())]);
    let url = format!(
        "https://{ADDRESS}:{}{}",
        server.local_addr().port(),
        Es9Function::InitiateAuthentication.path()
    );
    let arm = |v: Value| service.with(|s| s.arm(serde_json::from_value(v).unwrap()).unwrap());
    arm(json!({"function": "initiateAuthentication", "fault": {"kind": "dropConnection"}}));
    assert!(client.post(&url, "application/json", b"{}").is_err());
    arm(json!({"fault": {"kind": "delay", "millis": 300}}));
    let start = Instant::now();
    let r = client.post(&url, "application/json", b"{}").unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    // Spent: the next answer is immediate and untouched.
    let r = client.post(&url, "application/json", b"{}").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(service.with(|s| s.faults_applied()), 2);
    assert_eq!(server.stats().aborted, 1);
    assert_eq!(server.stats().responses_5xx, 0);
}
