//! The SM-DP+'s hooks for the live fuzzer's self-test: the deliberately planted
//! `Http500OnUnknownJsonKey` bug (off by default) and the answer filter of the JSON binding, in
//! process through the HTTP handler and over real HTTPS on 127.0.0.1.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::*;
use rsp_codec::json::Es9Function;
use rsp_euicc::testkit::Lpa;
use rsp_http::{Handler, HttpRequest, HttpResponse};
use rsp_smdp::http::SmdpService;
use rsp_smdp::{AnswerFilter, MemoryStore, Order, SmdpConfig, SmdpPlantedBug};
use serde_json::{json, Value};

fn service(planted_bug: Option<SmdpPlantedBug>) -> Arc<SmdpService<MemoryStore>> {
    let mut smdp = rsp_smdp::Smdp::new(
        SmdpConfig {
            planted_bug,
            ..SmdpConfig::default()
        },
        &pki(),
        MemoryStore::default(),
        Box::new(rsp_crypto::SeededRandom::new(11)),
        now(),
    )
    .unwrap();
    rsp_smdp::OrderStore::put(
        smdp.store_mut(),
        Order::released(ICCID, profile(), Some("AC-HOOKS"), None),
    );
    Arc::new(SmdpService::new(smdp))
}

fn request(f: Es9Function, body: &Value) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: f.path().into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-admin-protocol".into(), "gsma/rsp/v2.5.0".into()),
        ],
        body: body.to_string().into_bytes(),
        peer_certificates: Vec::new(),
        peer_addr: SocketAddr::from(([127, 0, 0, 1], 40000)),
    }
}

/// A valid InitiateAuthentication request from the reference eUICC.
fn initiate_body(lpa: &mut Lpa<'_>) -> Value {
    let info1 = lpa.call(&hex::decode("BF2000").unwrap()).encode();
    let ch = lpa.call(&hex::decode("BF2E00").unwrap());
    json!({
        "euiccChallenge": b64(ch.children()[0].content().unwrap()),
        "euiccInfo1": b64(&info1),
        "smdpAddress": ADDRESS,
    })
}

fn status_of(r: &HttpResponse) -> Value {
    let v: Value = serde_json::from_slice(&r.body).expect("JSON answer");
    v["header"]["functionExecutionStatus"]["status"].clone()
}

#[test]
fn the_planted_bug_answers_500_to_an_unknown_key_and_only_when_planted() {
    for planted in [None, Some(SmdpPlantedBug::Http500OnUnknownJsonKey)] {
        let service = service(planted);
        let mut card = card();
        let mut lpa = Lpa::open(&mut card);
        let valid = initiate_body(&mut lpa);

        // Known keys (and a header) only: served normally either way.
        let mut with_header = valid.clone();
        with_header["header"] = json!({"functionRequesterIdentifier": "lpa",
            "functionCallIdentifier": "1"});
        let r = service.handle(request(Es9Function::InitiateAuthentication, &with_header));
        assert_eq!((r.status, status_of(&r)), (200, json!("Executed-Success")));

        let mut unknown = valid.clone();
        unknown["fuzzedKey"] = json!("x");
        let r = service.handle(request(Es9Function::InitiateAuthentication, &unknown));
        if planted.is_some() {
            assert_eq!(r.status, 500, "{planted:?}");
            assert!(r.header("content-type").unwrap().starts_with("text/plain"));
            assert!(String::from_utf8_lossy(&r.body).contains("fuzzedKey"));
        } else {
            assert_eq!((r.status, status_of(&r)), (200, json!("Executed-Success")));
        }

        // An unknown key in an otherwise invalid request of another function.
        let r = service.handle(request(
            Es9Function::CancelSession,
            &json!({"transactionId": "00", "cancelSessionResponse": "AA==", "more": 1}),
        ));
        assert_eq!(r.status, if planted.is_some() { 500 } else { 200 });
    }
}

fn serve(service: Arc<SmdpService<MemoryStore>>) -> Https {
    serve_https(service, 50)
}

fn post(s: &Https, f: Es9Function, body: &Value) -> HttpResponse {
    post_https(s, f, body)
}

#[test]
fn the_planted_bug_answers_500_over_https() {
    let s = serve(service(Some(SmdpPlantedBug::Http500OnUnknownJsonKey)));
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let mut body = initiate_body(&mut lpa);
    let r = post(&s, Es9Function::InitiateAuthentication, &body);
    assert_eq!((r.status, status_of(&r)), (200, json!("Executed-Success")));
    body["fuzzedKey"] = json!([1, 2]);
    let r = post(&s, Es9Function::InitiateAuthentication, &body);
    assert_eq!(r.status, 500);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
}

#[test]
fn the_answer_filter_rewrites_bodies_over_https() {
    let service = service(None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let filter: AnswerFilter = Arc::new(move |f: Es9Function, body: &mut Vec<u8>| {
        log.lock().unwrap().push(f);
        if f == Es9Function::InitiateAuthentication {
            *body = b"{\"replaced\":\"by the filter, longer than before or not\"}".to_vec();
        }
    });
    service.set_answer_filter(Some(filter));
    let s = serve(service.clone());
    let mut card = card();
    let mut lpa = Lpa::open(&mut card);
    let body = initiate_body(&mut lpa);

    let r = post(&s, Es9Function::InitiateAuthentication, &body);
    assert_eq!(r.status, 200, "the status stays");
    assert_eq!(
        r.body,
        b"{\"replaced\":\"by the filter, longer than before or not\"}"
    );
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(r.header("x-admin-protocol"), Some("gsma/rsp/v2.5.0"));

    // Other functions pass through the filter unchanged; a 204 has no body to filter.
    let r = post(
        &s,
        Es9Function::CancelSession,
        &json!({"transactionId": "00112233", "cancelSessionResponse": "AA=="}),
    );
    assert_eq!(r.status, 200);
    assert!(status_of(&r).as_str().unwrap().starts_with("Failed"));
    let r = post(
        &s,
        Es9Function::HandleNotification,
        &json!({"pendingNotification": "AA=="}),
    );
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Es9Function::InitiateAuthentication,
            Es9Function::CancelSession
        ]
    );

    // Removed: answers are the SM-DP+'s own again.
    service.set_answer_filter(None);
    let body = initiate_body(&mut lpa);
    let r = post(&s, Es9Function::InitiateAuthentication, &body);
    assert_eq!(status_of(&r), json!("Executed-Success"));
}
