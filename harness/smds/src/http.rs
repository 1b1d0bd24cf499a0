//! The SM-DS on HTTPS (digest §2.1, §2.4, §2.5) through the `rsp-http` adapter.
//!
//! # Two listeners
//!
//! ES11 callers are LPAs, which have no TLS client certificate; ES12 callers are SM-DP+s (and,
//! for a cascade, child SM-DSes), which SGP.22 authenticates with mutual TLS. rsp-http's
//! client authentication is all-or-nothing per listener, so the SM-DS serves two:
//!
//! - [`Listener::Es11`]: server TLS only (CERT.DStls). ES11 on `/gsma/rsp2/es11/…` and on
//!   lpac's `/gsma/rsp2/es9plus/…` aliases. ES12 paths answer 403.
//! - [`Listener::Es12`]: bound with `TlsConfig::with_client_auth(CI)`, so a client without a
//!   certificate from the CI fails the handshake. On top of that the service checks, per
//!   request, that the leaf verifies as CERT.DPtls or CERT.DStls (SGP.22 role policy, shape of
//!   the chain) under the trusted CIs at the injected clock — the TLS layer alone would accept
//!   any clientAuth certificate from the CI — and refuses with 403 otherwise, so a listener
//!   mistakenly bound without client authentication still refuses. ES11 paths answer 403.
//!
//! Both are views of one [`SmdsService`] ([`SmdsService::for_listener`]) sharing one SM-DS.
//! [`Listener::Combined`] serves everything on one port without the client certificate check:
//! for a lab where the SM-DP+ under test cannot present a certificate, never the default.
//!
//! # Transport rules (as the SM-DP+'s `SmdpService`)
//!
//! Unknown path 404, method other than POST 405, wrong listener 403, then SGP.22 statuses in an
//! HTTP 200 `Failed` header: a wrong Content-Type 1.2.1/2.1, a non-v2 X-Admin-Protocol
//! 1.2.2/2.1, an oversized body 1.2.1/2.1. A store failure (write, audit) is 503: the answer
//! might describe state that is not on disk. No input produces a 500.

use std::sync::{Arc, Mutex};

use rsp_codec::json::{self, Es11Function, Es12Function, HeaderOnlyResponse, ResponseHeader};
use rsp_codec::status::KnownStatus;
use rsp_crypto::cert::{self, Role, RspCertificate, VerifyOptions};
use rsp_http::{Handler, HttpRequest, HttpResponse};

use crate::events::EventStore;
use crate::smds::{Answer, Smds, MAX_BODY};

/// What the SM-DS sends as its own X-Admin-Protocol.
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";

/// The time the SM-DS uses, read once per request (injected so tests and replays are fixed).
pub use rsp_crypto::cert::{Clock, FixedClock, SystemClock};

/// Which port a [`SmdsService`] view answers on; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// LPA-facing, server TLS only: ES11.
    Es11,
    /// SM-DP+-facing, mutual TLS: ES12, with the client certificate's RSP role checked.
    Es12,
    /// Lab only: ES11 and ES12 on one port, no client certificate check.
    Combined,
}

impl Listener {
    fn serves_es11(self) -> bool {
        matches!(self, Listener::Es11 | Listener::Combined)
    }

    fn serves_es12(self) -> bool {
        matches!(self, Listener::Es12 | Listener::Combined)
    }
}

struct Shared<S: EventStore> {
    smds: Mutex<Smds<S>>,
    clock: Box<dyn Clock>,
    /// CIs an ES12 client certificate must chain to.
    es12_trust: Vec<RspCertificate>,
}

/// The SM-DS behind a lock, as an HTTP handler for one [`Listener`].
pub struct SmdsService<S: EventStore + 'static> {
    shared: Arc<Shared<S>>,
    listener: Listener,
}

impl<S: EventStore + 'static> Clone for SmdsService<S> {
    fn clone(&self) -> Self {
        SmdsService {
            shared: self.shared.clone(),
            listener: self.listener,
        }
    }
}

enum Function {
    Es11(Es11Function),
    Es12(Es12Function),
}

fn failed(status: KnownStatus, message: &str) -> HttpResponse {
    let body = serde_json::to_vec(&HeaderOnlyResponse::new(
        ResponseHeader::failed(status).with_message(message),
    ))
    .unwrap_or_default();
    reply(Answer {
        http_status: 200,
        body,
    })
}

fn reply(a: Answer) -> HttpResponse {
    HttpResponse::json(a.http_status, a.body).with_header("x-admin-protocol", ADMIN_PROTOCOL)
}

impl<S: EventStore + 'static> SmdsService<S> {
    /// The [`Listener::Es11`] view of a new service; `es12_trust` are the CIs ES12 client
    /// certificates must chain to (normally `PkiSet::cis`).
    pub fn new(
        smds: Smds<S>,
        es12_trust: Vec<RspCertificate>,
        clock: Box<dyn Clock>,
    ) -> SmdsService<S> {
        SmdsService {
            shared: Arc::new(Shared {
                smds: Mutex::new(smds),
                clock,
                es12_trust,
            }),
            listener: Listener::Es11,
        }
    }

    /// Another view of the same SM-DS, for another listener.
    pub fn for_listener(&self, listener: Listener) -> SmdsService<S> {
        SmdsService {
            shared: self.shared.clone(),
            listener,
        }
    }

    pub fn listener(&self) -> Listener {
        self.listener
    }

    /// Runs `f` on the SM-DS (tests, the admin side).
    pub fn with<R>(&self, f: impl FnOnce(&mut Smds<S>) -> R) -> R {
        let mut guard = self
            .shared
            .smds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// `Err` with the refusal when the request's client certificate is not a CERT.DPtls or
    /// CERT.DStls under a trusted CI.
    fn check_client_certificate(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        let Some((leaf, rest)) = request.peer_certificates.split_first() else {
            return Err(HttpResponse::text(
                403,
                "ES12 requires a TLS client certificate (CERT.DPtls or CERT.DStls)",
            ));
        };
        let intermediates: Vec<&[u8]> = rest.iter().map(Vec::as_slice).collect();
        let now = self.shared.clock.now();
        let mut last = None;
        for role in [Role::DpTls, Role::DsTls] {
            match cert::verify_chain_der(
                leaf,
                &intermediates,
                &self.shared.es12_trust,
                role,
                now,
                &VerifyOptions::default(),
            ) {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        let why = last.map(|e| e.to_string()).unwrap_or_default();
        Err(HttpResponse::text(
            403,
            &format!(
                "client certificate is not a CERT.DPtls or CERT.DStls under a trusted CI: {why}"
            ),
        ))
    }
}

impl<S: EventStore + Send + 'static> Handler for SmdsService<S> {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let path = request.path.split('?').next().unwrap_or_default();
        let function = if let Some(f) = Es11Function::from_path(path) {
            Function::Es11(f)
        } else if let Some(f) = Es12Function::from_path(path) {
            Function::Es12(f)
        } else {
            return HttpResponse::text(404, "no such function");
        };
        if request.method != "POST" {
            return HttpResponse::text(405, "POST only").with_header("allow", "POST");
        }
        match function {
            Function::Es11(_) if !self.listener.serves_es11() => {
                return HttpResponse::text(403, "ES11 is served on the SM-DS's LPA listener");
            }
            Function::Es12(_) if !self.listener.serves_es12() => {
                return HttpResponse::text(
                    403,
                    "ES12 is served on the SM-DS's mutual-TLS listener only",
                );
            }
            Function::Es12(_) if self.listener == Listener::Es12 => {
                if let Err(refusal) = self.check_client_certificate(&request) {
                    return refusal;
                }
            }
            _ => {}
        }
        if !request
            .header("content-type")
            .is_some_and(json::is_json_content_type)
        {
            return failed(
                KnownStatus::InvalidRequest,
                "Content-Type must be application/json",
            );
        }
        if request
            .header("x-admin-protocol")
            .is_some_and(|v| !json::is_supported_admin_protocol(v))
        {
            return failed(
                KnownStatus::UnsupportedAdminProtocol,
                "X-Admin-Protocol must be gsma/rsp/v2.x",
            );
        }
        if request.body.len() > MAX_BODY {
            return failed(KnownStatus::InvalidRequest, "request body too large");
        }
        let now = self.shared.clock.now();
        let (answer, failure) = self.with(|s| {
            s.set_time(now);
            let a = match function {
                Function::Es11(f) => s.handle_es11(f, &request.body),
                Function::Es12(f) => s.handle_es12(f, &request.body),
            };
            (a, s.take_store_failure())
        });
        if let Some(f) = failure {
            // The answer may describe state that is not on disk: refuse rather than mislead.
            eprintln!("rsp-smds: event store failed: {f}");
            return HttpResponse::text(503, "event store unavailable");
        }
        reply(answer)
    }

    fn body_too_large(&self, _request: &HttpRequest) -> HttpResponse {
        failed(KnownStatus::InvalidRequest, "request body too large")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{AuditEntry, Event, EventStoreError, MemoryEventStore};
    use rsp_crypto::cert::Time;
    use rsp_crypto::pkiset::PkiSet;
    use rsp_crypto::SeededRandom;

    fn pki() -> PkiSet {
        PkiSet::load(rsp_euicc::testkit::generated_pki(7)).unwrap()
    }

    /// A store whose writes fail, to see the 503.
    #[derive(Default)]
    struct Broken(MemoryEventStore);

    impl EventStore for Broken {
        fn insert(&mut self, _: Event) -> Result<(), EventStoreError> {
            Err(EventStoreError::Backend("disk full".into()))
        }
        fn remove(&mut self, eid: &str, id: &str) -> Result<Event, EventStoreError> {
            self.0.remove(eid, id)
        }
        fn events_for(&self, eid: &str) -> Result<Vec<Event>, EventStoreError> {
            self.0.events_for(eid)
        }
        fn audit(&mut self, _: AuditEntry) -> Result<(), EventStoreError> {
            Err(EventStoreError::Backend("disk full".into()))
        }
    }

    fn service<S: EventStore>(store: S) -> SmdsService<S> {
        let pki = pki();
        let smds = Smds::new(
            Default::default(),
            &pki,
            store,
            Box::new(SeededRandom::new(1)),
            Time::from_unix(1_767_225_600),
        )
        .unwrap();
        SmdsService::new(
            smds,
            pki.cis(),
            Box::new(FixedClock(Time::from_unix(1_767_225_600))),
        )
    }

    fn request(path: &str, body: &str, certs: Vec<Vec<u8>>) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            peer_certificates: certs,
            peer_addr: "127.0.0.1:1".parse().unwrap(),
        }
    }

    const REGISTER: &str = r#"{"header":{"functionRequesterIdentifier":"dp","functionCallIdentifier":"1"},"eid":"89049032123451234512345678901235","rspServerAddress":"dp.example.com","eventId":"E-1","forwardingIndicator":false}"#;

    #[test]
    fn listeners_route_and_check_the_client_certificate() {
        let s = service(MemoryEventStore::default());
        let es12 = s.for_listener(Listener::Es12);
        let path = Es12Function::RegisterEvent.path();
        assert_eq!(s.handle(request(path, REGISTER, vec![])).status, 403);
        assert_eq!(es12.handle(request(path, REGISTER, vec![])).status, 403);
        let pki = pki();
        let nist = &pki.curves()[0];
        // An eUICC certificate chains to the CI but is no TLS role.
        let euicc = vec![nist.euicc.cert.der().to_vec(), nist.eum.cert.der().to_vec()];
        assert_eq!(es12.handle(request(path, REGISTER, euicc)).status, 403);
        let dp = vec![nist.dp_tls.cert.der().to_vec()];
        let r = es12.handle(request(path, REGISTER, dp));
        assert_eq!(r.status, 200);
        assert!(String::from_utf8_lossy(&r.body).contains("Executed-Success"));
        let ds = vec![nist.ds_tls.as_ref().unwrap().cert.der().to_vec()];
        let r = es12.handle(request(path, REGISTER, ds));
        assert!(
            String::from_utf8_lossy(&r.body).contains("8.9.5"),
            "duplicate"
        );
        let ia = Es11Function::InitiateAuthentication.path();
        assert_eq!(es12.handle(request(ia, "{}", vec![])).status, 403);
        let combined = s.for_listener(Listener::Combined);
        assert_eq!(combined.handle(request(ia, "{}", vec![])).status, 200);
        assert_eq!(s.handle(request("/x", "{}", vec![])).status, 404);
        let mut get = request(ia, "{}", vec![]);
        get.method = "GET".into();
        assert_eq!(s.handle(get).status, 405);
    }

    #[test]
    fn a_failing_store_answers_503() {
        let s = service(Broken::default()).for_listener(Listener::Combined);
        let r = s.handle(request(
            Es12Function::RegisterEvent.path(),
            REGISTER,
            vec![],
        ));
        assert_eq!(r.status, 503);
        let r = s.handle(request(
            Es12Function::DeleteEvent.path(),
            r#"{"header":{"functionRequesterIdentifier":"dp","functionCallIdentifier":"1"},"eid":"89049032123451234512345678901235","eventId":"E-1"}"#,
            vec![],
        ));
        assert_eq!(r.status, 503, "the refusal cannot be audited");
    }
}
