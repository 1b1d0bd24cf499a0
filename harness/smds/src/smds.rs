//! The SM-DS core: ES11 (LPA ↔ SM-DS, digest §2.4) and ES12 (SM-DP+ ↔ SM-DS, §2.5) on the JSON
//! binding. JSON body in, [`Answer`] out; every failure is an SGP.22 status in an HTTP 200
//! `Failed` header, malformed bodies get the generic statuses of `rsp_codec::json::parse_body`,
//! and no input makes it panic. Synchronous and deterministic: randomness and the clock are
//! injected, so a scenario or a fuzzer can replay a run from a seed.
//!
//! Registrations, deletions and discoveries are written to the store's audit trail. A store
//! failure (a [`EventStoreError::Backend`], including a failed audit write) answers 8.9/4.2 and
//! is kept for [`Smds::take_store_failure`], which the HTTP adapter turns into 503.
//!
//! Cascade: with a [`Forwarder`] set and `forwardingIndicator` true, a RegisterEvent is stored
//! here first, then forwarded; if the parent fails, the local record is removed again and the
//! answer is 8.9/4.2, so no event is left that the parent does not know about. A DeleteEvent of
//! a forwarded record goes to the parent first and is applied here only once the parent took it
//! (or said it has no such event), so a failure leaves both sides as they were and the SM-DP+
//! can retry. Without a forwarder (a Root SM-DS) the indicator is only stored.

use std::collections::HashMap;

use rsp_codec::json::{
    self, Base64Bytes, DeleteEventRequest, Es11AuthenticateClientRequest,
    Es11AuthenticateClientResponse, Es11Function, Es11InitiateAuthenticationRequest,
    Es11InitiateAuthenticationResponse, Es12Function, EventEntry, HeaderOnlyResponse,
    RegisterEventRequest, ResponseHeader, TransactionIdHex,
};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_crypto::auth;
use rsp_crypto::cert::{self, Role, RspCertificate, StatusContext, Time};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{signed, PrivateKey, RandomSource};

use crate::events::{
    event_fingerprint, AuditAction, AuditEntry, Event, EventStore, EventStoreError,
};
use crate::forward::{ForwardedEvent, Forwarder};

/// Largest ES11/ES12 request body accepted (an AuthenticateServerResponse is a few KiB).
pub const MAX_BODY: usize = 64 * 1024;
/// ES11 sessions kept at most (oldest dropped first), so a flood of InitiateAuthentication
/// cannot exhaust memory.
pub const MAX_SESSIONS: usize = 10_000;
/// Longest EventID and rspServerAddress accepted over ES12 (an FQDN is at most 255 octets).
pub const MAX_FIELD_LEN: usize = 255;

/// Why an SM-DS cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmdsError {
    /// The SGP.26 vector set has no DSauth; use a generated set (`rsp_crypto::pkigen`).
    #[error("PKI: no curve has CERT.DSauth with its private key")]
    NoCredentials,
}

/// An ES11/ES12 answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub http_status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    fn json<T: serde::Serialize>(value: &T) -> Answer {
        Answer {
            http_status: 200,
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    fn success() -> Answer {
        Answer::json(&HeaderOnlyResponse::new(ResponseHeader::success()))
    }

    fn failed(status: KnownStatus, message: impl Into<String>) -> Answer {
        Answer::json(&HeaderOnlyResponse::new(
            ResponseHeader::failed(status).with_message(message),
        ))
    }

    /// The catalogued status of a `Failed` answer (tests, logs); `None` on success.
    pub fn failure(&self) -> Option<KnownStatus> {
        let r: HeaderOnlyResponse = serde_json::from_slice(&self.body).ok()?;
        r.header.known_status()
    }

    /// Whether the header says `Executed-Success` (or with warning).
    pub fn is_executed(&self) -> bool {
        serde_json::from_slice::<HeaderOnlyResponse>(&self.body)
            .map(|r| r.header.is_executed())
            .unwrap_or(false)
    }
}

/// SM-DS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmdsConfig {
    /// The FQDN this SM-DS answers for (compared case-insensitively) and signs in
    /// serverSigned1. The generated test PKI uses `testsmds.example.com`.
    pub address: String,
    /// Lowest and highest eUICC SVN accepted.
    pub svn_min: [u8; 3],
    pub svn_max: [u8; 3],
    /// Check certificate validity at the injected clock (else at each leaf's notBefore).
    pub check_expiry: bool,
    /// A deliberately planted bug, for the live fuzzer's self-test only; `None` (conforming)
    /// unless a test sets it.
    pub planted_bug: Option<SmdsPlantedBug>,
}

/// **Deliberately planted bugs**, so the live fuzzer's self-test can show it finds real ones.
/// Never enabled by configuration files; only tests set [`SmdsConfig::planted_bug`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmdsPlantedBug {
    /// ES11 AuthenticateClient does not check euiccSignature1: a corrupted signature is
    /// accepted (the events of the EID in the certificate are disclosed).
    AcceptsBadEuiccSignature,
}

impl Default for SmdsConfig {
    fn default() -> Self {
        SmdsConfig {
            address: "testsmds.example.com".into(),
            svn_min: [2, 0, 0],
            svn_max: [2, 255, 255],
            check_expiry: true,
            planted_bug: None,
        }
    }
}

/// One curve's SM-DS authentication key and certificate.
#[derive(Clone)]
struct DsCredentials {
    ci: RspCertificate,
    ds_auth: RspCertificate,
    sk: PrivateKey,
}

/// What an ES11 session remembers between InitiateAuthentication and AuthenticateClient.
#[derive(Clone)]
struct Session {
    server_challenge: [u8; 16],
    /// The CI the eUICC was told to sign with (euiccCiPKIdToBeUsed).
    ci_pkid: Vec<u8>,
    serial: u64,
}

/// The SM-DS core over an [`EventStore`].
pub struct Smds<S: EventStore> {
    config: SmdsConfig,
    creds: Vec<DsCredentials>,
    trusted_cis: Vec<RspCertificate>,
    store: S,
    rng: Box<dyn RandomSource + Send>,
    now: Time,
    sessions: HashMap<Vec<u8>, Session>,
    serial: u64,
    forwarder: Option<Box<dyn Forwarder>>,
    store_failure: Option<String>,
}

impl<S: EventStore> Smds<S> {
    /// An SM-DS with the DSauth credentials of every curve of `pki` that has them, trusting
    /// all of its CIs for eUICC chains.
    pub fn new(
        config: SmdsConfig,
        pki: &PkiSet,
        store: S,
        rng: Box<dyn RandomSource + Send>,
        now: Time,
    ) -> Result<Smds<S>, SmdsError> {
        let creds: Vec<DsCredentials> = pki
            .curves()
            .iter()
            .filter_map(|c| {
                let e = c.ds_auth.as_ref()?;
                Some(DsCredentials {
                    ci: c.ci.cert.clone(),
                    ds_auth: e.cert.clone(),
                    sk: e.key.clone()?,
                })
            })
            .collect();
        if creds.is_empty() {
            return Err(SmdsError::NoCredentials);
        }
        Ok(Smds {
            config,
            creds,
            trusted_cis: pki.cis(),
            store,
            rng,
            now,
            sessions: HashMap::new(),
            serial: 0,
            forwarder: None,
            store_failure: None,
        })
    }

    /// Forwards registrations with `forwardingIndicator` true to a parent SM-DS (cascade).
    pub fn with_forwarder(mut self, forwarder: Box<dyn Forwarder>) -> Smds<S> {
        self.forwarder = Some(forwarder);
        self
    }

    /// The last store failure since the previous call: `Some` means the answer given may not
    /// reflect durable state (or the audit trail misses an entry) and the request must fail.
    pub fn take_store_failure(&mut self) -> Option<String> {
        self.store_failure.take()
    }

    /// Maps a store error to its answer, keeping backend failures for the adapter.
    fn store_failed(&mut self, e: EventStoreError) -> Answer {
        let status = match e {
            EventStoreError::Duplicate => KnownStatus::EventIdDuplicated,
            EventStoreError::Unknown => KnownStatus::EventIdUnknown,
            EventStoreError::Backend(ref detail) => {
                self.store_failure = Some(detail.clone());
                KnownStatus::SmdsExecutionError
            }
        };
        Answer::failed(status, e.to_string())
    }

    fn audit(
        &mut self,
        action: AuditAction,
        eid: &str,
        event: Option<String>,
        outcome: &Answer,
        detail: String,
    ) {
        let outcome = match outcome.failure() {
            None => "ok".to_owned(),
            Some(k) => format!("{}/{}", k.subject(), k.reason()),
        };
        let entry = AuditEntry {
            time: self.now.unix(),
            action,
            eid: eid.to_owned(),
            event,
            outcome,
            detail,
        };
        if let Err(e) = self.store.audit(entry) {
            self.store_failure = Some(format!("audit trail: {e}"));
        }
    }

    pub fn config(&self) -> &SmdsConfig {
        &self.config
    }

    pub fn set_time(&mut self, now: Time) {
        self.now = now;
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Handles one ES11 request body (the normative and the es9plus alias paths both resolve
    /// to an [`Es11Function`]).
    pub fn handle_es11(&mut self, function: Es11Function, body: &[u8]) -> Answer {
        let result = match function {
            Es11Function::InitiateAuthentication => self.initiate_authentication(body),
            Es11Function::AuthenticateClient => self.authenticate_client(body),
        };
        result.unwrap_or_else(|e| e)
    }

    /// Handles one ES12 request body.
    pub fn handle_es12(&mut self, function: Es12Function, body: &[u8]) -> Answer {
        let result = match function {
            Es12Function::RegisterEvent => self.register_event(body),
            Es12Function::DeleteEvent => self.delete_event(body),
        };
        result.unwrap_or_else(|e| e)
    }

    fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Answer> {
        json::parse_body_with_limit(body, MAX_BODY)
            .map_err(|e| Answer::json(&HeaderOnlyResponse::new(e.response_header())))
    }

    fn at(&self, leaf: &RspCertificate) -> Time {
        if self.config.check_expiry {
            self.now
        } else {
            leaf.not_before()
        }
    }

    // ------------------------------------------------------------ ES11 InitiateAuthentication

    fn initiate_authentication(&mut self, body: &[u8]) -> Result<Answer, Answer> {
        let req: Es11InitiateAuthenticationRequest = Self::parse(body)?;
        // Either key (smdsAddress, or lpac's smdpAddress) names the SM-DS.
        let (challenge, info1) = auth::check_initiate_request(
            &req.address,
            &self.config.address,
            req.euicc_challenge.as_bytes(),
            req.euicc_info1.as_bytes(),
            (self.config.svn_min, self.config.svn_max),
        )
        .map_err(|e| {
            let status = match e {
                auth::InitiateError::Address => KnownStatus::InvalidSmdsAddress,
                auth::InitiateError::Svn(_) => KnownStatus::SmdsSvnNotSupported,
                _ => KnownStatus::InvalidParameter,
            };
            Answer::failed(status, e.to_string())
        })?;
        // A CERT.DSauth the eUICC can verify: under one of its verification CIs and valid now
        // (an expired own certificate is as good as none: 8.9.4/3.7 via the shared mapping).
        let mut last_cert_error = None;
        let mut usable = None;
        for (i, c) in self.creds.iter().enumerate() {
            if !info1
                .ci_pkids_for_verification
                .iter()
                .any(|k| k == c.ci.key_id())
            {
                continue;
            }
            match cert::verify_chain(
                &c.ds_auth,
                &[],
                std::slice::from_ref(&c.ci),
                Role::DsAuth,
                self.at(&c.ds_auth),
            ) {
                Ok(_) => {
                    usable = Some(i);
                    break;
                }
                Err(e) => last_cert_error = Some(e),
            }
        }
        let Some(creds) = usable else {
            let message = match last_cert_error {
                Some(e) => {
                    let (s, r) = e.es9_status(StatusContext::Es11InitiateAuthentication);
                    debug_assert_eq!(
                        rsp_codec::status::lookup(s, r),
                        Some(KnownStatus::NoDsAuthCertificateForCi)
                    );
                    format!("CERT.DSauth unusable: {e}")
                }
                None => "no CERT.DSauth under the eUICC's verification CIs".to_owned(),
            };
            return Err(Answer::failed(
                KnownStatus::NoDsAuthCertificateForCi,
                message,
            ));
        };
        // A CI the eUICC signs with and this SM-DS can verify eUICC chains against; the
        // DSauth's own CI first, so that one curve serves the whole session when it can.
        let own_ci = self.creds[creds].ci.key_id().to_vec();
        let signing = &info1.ci_pkids_for_signing;
        let ci_pkid = if signing.contains(&own_ci) {
            own_ci
        } else if let Some(k) = signing
            .iter()
            .find(|k| self.trusted_cis.iter().any(|c| c.key_id() == k.as_slice()))
        {
            k.clone()
        } else {
            return Err(Answer::failed(
                KnownStatus::SmdsCiPkIdNotSupported,
                "none of euiccCiPKIdListForSigning is supported",
            ));
        };

        let mut tx = [0u8; 16];
        self.rng.fill(&mut tx);
        let mut server_challenge = [0u8; 16];
        self.rng.fill(&mut server_challenge);
        let ss1 = auth::server_signed1(&tx, &challenge, &self.config.address, &server_challenge);
        let c = &self.creds[creds];
        let sig = signed::sign_server_signature1(&c.sk, &ss1.encode_der());
        let ds_auth = c.ds_auth.der().to_vec();
        self.remember(
            tx.to_vec(),
            Session {
                server_challenge,
                ci_pkid: ci_pkid.clone(),
                serial: 0,
            },
        );
        Ok(Answer::json(&Es11InitiateAuthenticationResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::new(tx.to_vec()).ok(),
            server_signed1: Some(Base64Bytes::new(ss1.encode_der())),
            server_signature1: Some(Base64Bytes::new(signed::signature_do(&sig))),
            euicc_ci_pkid_to_be_used: Some(Base64Bytes::new(
                Tlv::primitive(Tag::of(0x04), ci_pkid).encode_der(),
            )),
            server_certificate: Some(Base64Bytes::new(ds_auth)),
            extra: Default::default(),
        }))
    }

    fn remember(&mut self, tx: Vec<u8>, mut session: Session) {
        self.serial += 1;
        session.serial = self.serial;
        if self.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = self
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.serial)
                .map(|(k, _)| k.clone())
            {
                self.sessions.remove(&oldest);
            }
        }
        self.sessions.insert(tx, session);
    }

    // ------------------------------------------------------------ ES11 AuthenticateClient

    fn authenticate_client(&mut self, body: &[u8]) -> Result<Answer, Answer> {
        let req: Es11AuthenticateClientRequest = Self::parse(body)?;
        let tx = req.transaction_id.as_bytes().to_vec();
        let session = self.sessions.get(&tx).cloned().ok_or_else(|| {
            Answer::failed(KnownStatus::TransactionIdUnknown, "unknown transactionId")
        })?;
        let response = req.authenticate_server_response.as_bytes();
        let expected = auth::Expected {
            transaction_id: &tx,
            server_challenge: &session.server_challenge,
            server_address: &self.config.address,
            ci_key_id: &session.ci_pkid,
        };
        let trusted = &self.trusted_cis;
        let at = |leaf: &RspCertificate| self.at(leaf);
        let euicc = if self.config.planted_bug == Some(SmdsPlantedBug::AcceptsBadEuiccSignature) {
            auth::verify_authenticate_server_response_skipping_signature1(
                response, &expected, trusted, at,
            )
        } else {
            auth::verify_authenticate_server_response(response, &expected, trusted, at)
        }
        .map_err(|e| Answer::failed(e.status(), e.to_string()))?;
        let eid = euicc.eid.to_digits();
        let events = self
            .store
            .events_for(&eid)
            .map_err(|e| self.store_failed(e))?;
        // The session is used up; event records stay until the SM-DP+ deletes them.
        self.sessions.remove(&tx);
        let ok = Answer::success();
        if events.is_empty() {
            self.audit(AuditAction::Discover, &eid, None, &ok, "no event".into());
        }
        for e in &events {
            let detail = format!("to {}", e.rsp_server_address);
            self.audit(
                AuditAction::Discover,
                &eid,
                Some(event_fingerprint(&e.event_id)),
                &ok,
                detail,
            );
        }
        Ok(Answer::json(&Es11AuthenticateClientResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::new(tx).ok(),
            event_entries: Some(
                events
                    .into_iter()
                    .map(|e| EventEntry::new(e.event_id, e.rsp_server_address))
                    .collect(),
            ),
            extra: Default::default(),
        }))
    }

    // ------------------------------------------------------------ ES12

    fn register_event(&mut self, body: &[u8]) -> Result<Answer, Answer> {
        let req: RegisterEventRequest = Self::parse(body)?;
        let eid = req.eid.as_str().to_owned();
        let fingerprint = event_fingerprint(req.event_id.expose());
        let mut detail = format!(
            "by {:?} for {:?}",
            req.header.function_requester_identifier, req.rsp_server_address
        );
        let forward = req.forwarding_indicator && self.forwarder.is_some();
        if forward {
            detail.push_str(", forwarded");
        }
        let result = self.register(req, forward);
        let answer = result.as_ref().unwrap_or_else(|a| a);
        self.audit(
            AuditAction::Register,
            &eid,
            Some(fingerprint),
            answer,
            detail,
        );
        result
    }

    fn register(&mut self, req: RegisterEventRequest, forward: bool) -> Result<Answer, Answer> {
        let event_id = req.event_id.expose();
        if event_id.is_empty() || event_id.len() > MAX_FIELD_LEN {
            return Err(Answer::failed(
                KnownStatus::InvalidParameter,
                "eventId: 1 to 255 octets expected",
            ));
        }
        if !is_fqdn(&req.rsp_server_address) {
            return Err(Answer::failed(
                KnownStatus::InvalidParameter,
                "rspServerAddress is not an FQDN",
            ));
        }
        let event = Event {
            eid: req.eid.as_str().to_owned(),
            event_id: event_id.to_owned(),
            rsp_server_address: req.rsp_server_address,
            forwarding_indicator: req.forwarding_indicator,
            registered_by: req.header.function_requester_identifier,
            registered_at: self.now,
        };
        let (eid, event_id) = (event.eid.clone(), event.event_id.clone());
        // Stored first: a duplicate is refused without bothering the parent, and the rollback
        // below is a local operation, more dependable than a compensating call to the parent.
        if let Err(e) = self.store.insert(event) {
            return Err(self.store_failed(e));
        }
        if !forward {
            return Ok(Answer::success());
        }
        let forwarded = ForwardedEvent {
            eid: eid.clone(),
            event_id: event_id.clone(),
            rsp_server_address: self.config.address.clone(),
        };
        let Some(Err(e)) = self
            .forwarder
            .as_mut()
            .map(|f| f.register_event(&forwarded))
        else {
            return Ok(Answer::success());
        };
        // Roll back: no event here that the parent does not know about.
        if let Err(EventStoreError::Backend(b)) = self.store.remove(&eid, &event_id) {
            self.store_failure = Some(format!("rollback after a failed cascade: {b}"));
        }
        Err(Answer::failed(
            KnownStatus::SmdsExecutionError,
            format!("cascade registration: {e}"),
        ))
    }

    fn delete_event(&mut self, body: &[u8]) -> Result<Answer, Answer> {
        let req: DeleteEventRequest = Self::parse(body)?;
        let eid = req.eid.as_str().to_owned();
        let event_id = req.event_id.expose().to_owned();
        let detail = format!("by {:?}", req.header.function_requester_identifier);
        let result = self.delete(&eid, &event_id);
        let answer = result.as_ref().unwrap_or_else(|a| a);
        self.audit(
            AuditAction::Delete,
            &eid,
            Some(event_fingerprint(&event_id)),
            answer,
            detail,
        );
        result
    }

    fn delete(&mut self, eid: &str, event_id: &str) -> Result<Answer, Answer> {
        let existing = match self.store.events_for(eid) {
            Ok(events) => events.into_iter().find(|e| e.event_id == event_id),
            Err(e) => return Err(self.store_failed(e)),
        };
        let Some(existing) = existing else {
            return Err(self.store_failed(EventStoreError::Unknown));
        };
        if existing.forwarding_indicator {
            if let Some(f) = self.forwarder.as_mut() {
                match f.delete_event(eid, event_id) {
                    Ok(()) => {}
                    // The parent has no such event: nothing left to undo there.
                    Err(e) if e.status() == Some(KnownStatus::EventIdUnknown) => {}
                    Err(e) => {
                        return Err(Answer::failed(
                            KnownStatus::SmdsExecutionError,
                            format!("cascade deletion: {e}"),
                        ))
                    }
                }
            }
        }
        match self.store.remove(eid, event_id) {
            Ok(_) => Ok(Answer::success()),
            Err(e) => Err(self.store_failed(e)),
        }
    }
}

/// A plausible FQDN: dot-separated labels of letters, digits and hyphens, at most 255 octets,
/// optionally with a `:port` (the LPA connects to it as given).
fn is_fqdn(address: &str) -> bool {
    let host = match address.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => address,
    };
    !host.is_empty()
        && address.len() <= MAX_FIELD_LEN
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_check() {
        for ok in [
            "testsmdpplus1.example.com",
            "localhost",
            "dp.example.com:8443",
        ] {
            assert!(is_fqdn(ok), "{ok}");
        }
        for bad in ["", ".", "a..b", "-a.b", "a b", "https://x", "x:", "x:y"] {
            assert!(!is_fqdn(bad), "{bad}");
        }
    }

    #[test]
    fn failed_answers_carry_the_status() {
        let a = Answer::failed(KnownStatus::EventIdUnknown, "x");
        assert_eq!(a.http_status, 200);
        assert_eq!(a.failure(), Some(KnownStatus::EventIdUnknown));
        assert!(!a.is_executed());
        assert!(Answer::success().is_executed());
        assert_eq!(Answer::success().failure(), None);
    }
}
