//! Random and mutated requests into the reference SM-DS, in-process: its ES11/ES12 core
//! handlers and the HTTPS service's transport layer (listener policy, client certificate
//! check, Content-Type, X-Admin-Protocol, size, method, path).
//!
//! Input: `pick`, `flags`, body. `pick % 12`: 0–1 ES11 InitiateAuthentication /
//! AuthenticateClient, 2–3 ES12 RegisterEvent / DeleteEvent (each body is then also replayed
//! as the other ES12 function and again, reaching duplicates and deletions), 4–11 the service
//! with one of eight paths. `flags`: bits 0–1 listener (ES11, ES12, combined), bit 2 wrong
//! Content-Type, bit 3 v1 X-Admin-Protocol, bit 4 present CERT.DPtls, bit 5 GET, bit 6 cascade
//! with a recording forwarder, bit 7 the forwarder fails. `@TX@` in a body becomes the
//! transactionId of a session opened beforehand, so AuthenticateClient gets past the lookup.
//!
//! Never a panic; every core answer is HTTP 200 with a JSON `header.functionExecutionStatus`;
//! the service answers only 200, 403, 404 or 405 (its store cannot fail here, so no 503), and
//! never 5xx.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rsp_codec::json::{Es11Function, Es12Function};
use rsp_crypto::cert::Time;
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::SeededRandom;
use rsp_http::{Handler, HttpRequest};
use rsp_smds::forward::ForwardError;
use rsp_smds::http::{FixedClock, Listener, SmdsService};
use rsp_smds::{Answer, MemoryEventStore, RecordingForwarder, Smds, SmdsConfig};

const NOW: i64 = 1_767_225_600;

fn pki() -> &'static PkiSet {
    static PKI: OnceLock<PkiSet> = OnceLock::new();
    PKI.get_or_init(|| PkiSet::load(rsp_euicc::testkit::generated_pki(7)).expect("PKI"))
}

/// A valid InitiateAuthentication body (the reference eUICC's EUICCInfo1).
fn initiate_body() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| {
        let mut card = rsp_euicc::Euicc::new(
            rsp_euicc::EuiccConfig::default(),
            rsp_euicc::Credentials::from_set(pki()).expect("credentials"),
            Box::new(SeededRandom::new(3)),
        )
        .expect("eUICC");
        let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
        let info1 = lpa.call(&[0xBF, 0x20, 0x00]).encode();
        let b64 = rsp_codec::json::Base64Bytes::new(info1).to_base64();
        format!(
            r#"{{"euiccChallenge":"AAECAwQFBgcICQoLDA0ODw==","euiccInfo1":"{b64}","smdsAddress":"testsmds.example.com"}}"#
        )
        .into_bytes()
    })
}

const PATHS: [&str; 8] = [
    "/gsma/rsp2/es11/initiateAuthentication",
    "/gsma/rsp2/es11/authenticateClient",
    "/gsma/rsp2/es9plus/initiateAuthentication",
    "/gsma/rsp2/es9plus/authenticateClient",
    "/gsma/rsp2/es12/registerEvent",
    "/gsma/rsp2/es12/deleteEvent",
    "/gsma/rsp2/es9plus/getBoundProfilePackage",
    "/gsma/rsp2/es12/registerEvent?x=1",
];

fn check_core(a: &Answer) {
    assert_eq!(a.http_status, 200);
    let v: serde_json::Value = serde_json::from_slice(&a.body).expect("JSON answer");
    assert!(
        v["header"]["functionExecutionStatus"]["status"].is_string(),
        "answer without a status: {v}"
    );
}

fn replace_tx(body: &[u8], tx: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(b"@TX@") {
            out.extend_from_slice(tx.as_bytes());
            i += 4;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [pick, flags, body @ ..] = data else {
        return;
    };
    let mut smds = Smds::new(
        SmdsConfig::default(),
        pki(),
        MemoryEventStore::default(),
        Box::new(SeededRandom::new(1)),
        Time::from_unix(NOW),
    )
    .expect("SM-DS");
    if flags & 0x40 != 0 {
        let rec = RecordingForwarder::default();
        if flags & 0x80 != 0 {
            rec.then(Err(ForwardError::Unreachable("fuzz".into())));
            rec.then(Err(ForwardError::HttpStatus(500)));
        }
        smds = smds.with_forwarder(Box::new(rec));
    }
    // Opening a session costs a signature: only when the input asks for it.
    let body = if body.windows(4).any(|w| w == b"@TX@") {
        let ia = smds.handle_es11(Es11Function::InitiateAuthentication, initiate_body());
        let v: serde_json::Value = serde_json::from_slice(&ia.body).expect("JSON");
        assert!(
            v["transactionId"].is_string(),
            "the fixed session did not open: {v}"
        );
        replace_tx(body, v["transactionId"].as_str().unwrap_or_default())
    } else {
        body.to_vec()
    };
    match pick % 12 {
        n @ 0..=1 => check_core(&smds.handle_es11(Es11Function::ALL[usize::from(n)], &body)),
        n @ 2..=3 => {
            let first = Es12Function::ALL[usize::from(n - 2)];
            let second = Es12Function::ALL[usize::from(3 - n)];
            for f in [first, first, second, second] {
                check_core(&smds.handle_es12(f, &body));
            }
            assert!(smds.take_store_failure().is_none());
        }
        n => {
            let service = SmdsService::new(
                smds,
                pki().cis(),
                Box::new(FixedClock(Time::from_unix(NOW))),
            );
            let listener = [
                Listener::Es11,
                Listener::Es12,
                Listener::Combined,
                Listener::Es12,
            ][usize::from(flags & 3)];
            let service = service.for_listener(listener);
            let mut headers = vec![(
                "content-type".to_owned(),
                if flags & 4 != 0 {
                    "text/plain"
                } else {
                    "application/json;charset=UTF-8"
                }
                .to_owned(),
            )];
            if flags & 8 != 0 {
                headers.push(("x-admin-protocol".into(), "gsma/rsp/v1.0.0".into()));
            }
            let peer_certificates = if flags & 0x10 != 0 {
                vec![pki().curves()[0].dp_tls.cert.der().to_vec()]
            } else {
                Vec::new()
            };
            let request = HttpRequest {
                method: if flags & 0x20 != 0 { "GET" } else { "POST" }.into(),
                path: PATHS[usize::from(n - 4)].into(),
                headers,
                body,
                peer_certificates,
                peer_addr: "127.0.0.1:1".parse().expect("address"),
            };
            let r = service.handle(request.clone());
            assert!(
                matches!(r.status, 200 | 403 | 404 | 405),
                "HTTP {}",
                r.status
            );
            if r.status == 200 {
                let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON answer");
                assert!(v["header"]["functionExecutionStatus"]["status"].is_string());
            }
            let r = service.body_too_large(&request);
            assert_eq!(r.status, 200);
        }
    }
});
