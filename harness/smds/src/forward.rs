//! Cascade: an Alternative SM-DS passes event registrations on to its parent (the Root SM-DS)
//! so that an LPA asking the root is sent on to the alternative one (SGP.22 ES15; paths and
//! message details unconfirmed, digest §10.2 — we reuse the ES12 JSON binding and paths, which
//! is what an SM-DS parent that also serves SM-DP+s must accept anyway).
//!
//! The [`Smds`](crate::Smds) core stays synchronous and deterministic: it calls a
//! [`Forwarder`], which is [`HttpForwarder`] in a server and [`RecordingForwarder`] in tests.
//! What is forwarded is a RegisterEvent for the same EID and EventID with `rspServerAddress`
//! rewritten to this SM-DS's own address and `forwardingIndicator` false (so that two
//! misconfigured SM-DSes naming each other as parent cannot loop), and the matching
//! DeleteEvent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rsp_codec::json::{
    self, DeleteEventRequest, Eid32, Es12Function, HeaderOnlyResponse, RegisterEventRequest,
    RequestHeader, Secret,
};
use rsp_codec::status::KnownStatus;
use rsp_http::{ClientConfig, HttpClient, HttpError};

/// A registration as sent to the parent.
#[derive(Clone, PartialEq, Eq)]
pub struct ForwardedEvent {
    pub eid: String,
    pub event_id: String,
    /// This SM-DS's own address: the LPA comes here next.
    pub rsp_server_address: String,
}

impl std::fmt::Debug for ForwardedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An EventID is a MatchingID: never logged.
        f.debug_struct("ForwardedEvent")
            .field("eid", &self.eid)
            .field("event_id", &"<redacted>")
            .field("rsp_server_address", &self.rsp_server_address)
            .finish()
    }
}

/// Why the parent did not take a forwarded request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// No answer: connection, TLS handshake, timeout.
    #[error("parent SM-DS unreachable: {0}")]
    Unreachable(String),
    /// An HTTP status other than 200.
    #[error("parent SM-DS answered HTTP {0}")]
    HttpStatus(u16),
    /// A 200 whose body is no SGP.22 response.
    #[error("parent SM-DS answer is not an SGP.22 JSON response: {0}")]
    BadAnswer(String),
    /// A `Failed` (or `Expired`) function execution status.
    #[error("parent SM-DS refused with {subject}/{reason}")]
    Refused { subject: String, reason: String },
}

impl ForwardError {
    /// The catalogued status of a refusal.
    pub fn status(&self) -> Option<KnownStatus> {
        match self {
            ForwardError::Refused { subject, reason } => rsp_codec::status::lookup(subject, reason),
            _ => None,
        }
    }

    fn refused(status: KnownStatus) -> ForwardError {
        ForwardError::Refused {
            subject: status.subject().to_owned(),
            reason: status.reason().to_owned(),
        }
    }
}

/// Passes registrations on to a parent SM-DS. Called with the SM-DS locked: implementations
/// must bound their time (a timeout), since every other request waits meanwhile.
pub trait Forwarder: Send {
    fn register_event(&mut self, event: &ForwardedEvent) -> Result<(), ForwardError>;
    fn delete_event(&mut self, eid: &str, event_id: &str) -> Result<(), ForwardError>;
}

/// One call a [`RecordingForwarder`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardCall {
    Register(ForwardedEvent),
    Delete { eid: String, event_id: String },
}

#[derive(Default)]
struct Recorded {
    calls: Vec<ForwardCall>,
    /// Answers for the next calls, in order; empty means success.
    script: VecDeque<Result<(), ForwardError>>,
}

/// A [`Forwarder`] for tests: records every call and answers from a script (success when the
/// script is empty). Clones share the record, so a test keeps one and gives one to the SM-DS.
#[derive(Clone, Default)]
pub struct RecordingForwarder {
    inner: Arc<Mutex<Recorded>>,
}

impl RecordingForwarder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<ForwardCall> {
        self.lock().calls.clone()
    }

    /// Queues the answer of a coming call.
    pub fn then(&self, answer: Result<(), ForwardError>) -> &Self {
        self.lock().script.push_back(answer);
        self
    }

    fn answer(&self, call: ForwardCall) -> Result<(), ForwardError> {
        let mut r = self.lock();
        r.calls.push(call);
        r.script.pop_front().unwrap_or(Ok(()))
    }
}

impl Forwarder for RecordingForwarder {
    fn register_event(&mut self, event: &ForwardedEvent) -> Result<(), ForwardError> {
        self.answer(ForwardCall::Register(event.clone()))
    }

    fn delete_event(&mut self, eid: &str, event_id: &str) -> Result<(), ForwardError> {
        self.answer(ForwardCall::Delete {
            eid: eid.to_owned(),
            event_id: event_id.to_owned(),
        })
    }
}

/// A [`Forwarder`] over HTTPS: ES12 JSON to the parent's ES12 listener, presenting this
/// SM-DS's TLS certificate (CERT.DStls, which has EKU clientAuth) for its mutual TLS.
pub struct HttpForwarder {
    client: HttpClient,
    base_url: String,
    requester: String,
    calls: u64,
}

impl std::fmt::Debug for HttpForwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpForwarder")
            .field("base_url", &self.base_url)
            .field("requester", &self.requester)
            .finish_non_exhaustive()
    }
}

impl HttpForwarder {
    /// `base_url`: `https://host[:port]` of the parent's ES12 listener; `requester`: the
    /// `functionRequesterIdentifier` sent (this SM-DS's address). `config` carries the trust in
    /// the parent (normally `Trust::RspRole` with `Role::DsTls`), the client identity and a
    /// timeout.
    pub fn new(
        base_url: impl Into<String>,
        requester: impl Into<String>,
        config: ClientConfig,
    ) -> Result<HttpForwarder, HttpError> {
        Ok(HttpForwarder {
            client: HttpClient::new(config)?,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            requester: requester.into(),
            calls: 0,
        })
    }

    fn header(&mut self) -> RequestHeader {
        self.calls += 1;
        RequestHeader::new(
            self.requester.clone(),
            format!("{}-cascade-{}", self.requester, self.calls),
        )
    }

    fn post(&self, function: Es12Function, body: &[u8]) -> Result<(), ForwardError> {
        let url = format!("{}{}", self.base_url, function.path());
        let client = &self.client;
        // HttpClient refuses to run inside a tokio runtime, and SM-DS handlers run on rsp-http's
        // blocking pool, which is one: make the call from a plain thread.
        let joined = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("rsp-smds-cascade".into())
                .spawn_scoped(s, || client.post(&url, json::CONTENT_TYPE_JSON, body))
                .map(|h| h.join())
        });
        let response = match joined {
            Ok(Ok(r)) => r.map_err(|e| ForwardError::Unreachable(e.to_string()))?,
            Ok(Err(_)) => return Err(ForwardError::Unreachable("client thread failed".into())),
            Err(e) => return Err(ForwardError::Unreachable(format!("no thread: {e}"))),
        };
        if response.status != 200 {
            return Err(ForwardError::HttpStatus(response.status));
        }
        let r: HeaderOnlyResponse = serde_json::from_slice(&response.body)
            .map_err(|e| ForwardError::BadAnswer(e.to_string()))?;
        if r.header.is_executed() {
            return Ok(());
        }
        Err(match r.header.status_code_data() {
            Some(d) => ForwardError::Refused {
                subject: d.subject_code.as_str().to_owned(),
                reason: d.reason_code.as_str().to_owned(),
            },
            None => ForwardError::refused(KnownStatus::SmdsExecutionError),
        })
    }
}

fn eid32(eid: &str) -> Result<Eid32, ForwardError> {
    // The core only forwards EIDs it parsed, so this cannot fail in practice.
    Eid32::new(eid).map_err(|e| ForwardError::BadAnswer(format!("EID: {e}")))
}

impl Forwarder for HttpForwarder {
    fn register_event(&mut self, event: &ForwardedEvent) -> Result<(), ForwardError> {
        let req = RegisterEventRequest {
            header: self.header(),
            eid: eid32(&event.eid)?,
            rsp_server_address: event.rsp_server_address.clone(),
            event_id: Secret::new(event.event_id.clone()),
            forwarding_indicator: false,
            extra: Default::default(),
        };
        let body = serde_json::to_vec(&req).map_err(|e| ForwardError::BadAnswer(e.to_string()))?;
        self.post(Es12Function::RegisterEvent, &body)
    }

    fn delete_event(&mut self, eid: &str, event_id: &str) -> Result<(), ForwardError> {
        let req = DeleteEventRequest {
            header: self.header(),
            eid: eid32(eid)?,
            event_id: Secret::new(event_id),
            extra: Default::default(),
        };
        let body = serde_json::to_vec(&req).map_err(|e| ForwardError::BadAnswer(e.to_string()))?;
        self.post(Es12Function::DeleteEvent, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recording_forwarder_records_and_follows_its_script() {
        let rec = RecordingForwarder::default();
        let mut f: Box<dyn Forwarder> = Box::new(rec.clone());
        rec.then(Err(ForwardError::refused(KnownStatus::EventIdDuplicated)));
        let ev = ForwardedEvent {
            eid: "1".into(),
            event_id: "SECRET".into(),
            rsp_server_address: "ds.example.com".into(),
        };
        let e = f.register_event(&ev).unwrap_err();
        assert_eq!(e.status(), Some(KnownStatus::EventIdDuplicated));
        f.delete_event("1", "SECRET").unwrap();
        assert_eq!(
            rec.calls(),
            vec![
                ForwardCall::Register(ev.clone()),
                ForwardCall::Delete {
                    eid: "1".into(),
                    event_id: "SECRET".into()
                }
            ]
        );
        assert!(!format!("{ev:?}").contains("SECRET"));
    }
}
