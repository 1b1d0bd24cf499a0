//! ES9+ on the SM-DP+ (digest §2.2, §4.1 steps 3, 6, 9, 10, 11): JSON body in, status and JSON
//! body out. Every failure is an SGP.22 status in an HTTP 200 `Failed` header; malformed bodies
//! get the generic statuses of `rsp_codec::json::parse_body`. Never a panic on any input.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rsp_codec::der;
use rsp_codec::json::{
    self, AuthenticateClientRequest, AuthenticateClientResponse, Base64Bytes, CancelSessionRequest,
    Es9Function, GetBoundProfilePackageRequest, GetBoundProfilePackageResponse,
    HandleNotificationRequest, HeaderOnlyResponse, InitiateAuthenticationRequest,
    InitiateAuthenticationResponse, ResponseHeader, TransactionIdHex,
};
use rsp_codec::status::KnownStatus;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{
    EuiccCancelSessionSigned, EuiccInfo2, EuiccSigned2, NotificationEvent, NotificationMetadata,
    ProfileInstallationResultData, StoreMetadataRequest, View,
};
use rsp_crypto::auth;
use rsp_crypto::bpp::{self, BindParams, BppContent};
use rsp_crypto::cert::{self, Role, RspCertificate, Time, VerifyOptions};
use rsp_crypto::pkiset::PkiSet;
use rsp_crypto::{kdf, signed, PrivateKey, PublicKey, RandomSource};
use rsp_profile::package::ProfilePackage;

use crate::es12_client::EventRegistrar;
use crate::faults::{ArmedFault, FaultError, FaultPlan, TransportFault};
use crate::orders::{AuditEntry, AuditEvent, BoundBpp, Order, OrderState, OrderStore};
use crate::progress::{self, ProgressInfo, ProgressQueue};

/// Largest ES9+ request body accepted (a BF21 or BF37 is small; BPPs only travel outwards).
pub const MAX_BODY: usize = 64 * 1024;
/// Sessions kept at most (oldest dropped first).
pub const MAX_SESSIONS: usize = 10_000;
/// Age-queue entries looked at per request: more than the one session a request can add, so
/// cleanup keeps up with any request rate at bounded work per request.
const PURGE_PER_REQUEST: usize = 4;

#[cfg(test)]
mod session_tests;

/// Why an SM-DP+ cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SmdpError {
    #[error("PKI: no curve has both CERT.DPauth and CERT.DPpb with private keys")]
    NoCredentials,
    #[error("CERT.DPauth has no SM-DP+ OID (SAN registeredID)")]
    NoOid,
}

/// One curve's SM-DP+ keys and certificates.
#[derive(Clone)]
pub struct DpCredentials {
    pub ci: RspCertificate,
    pub dp_auth: RspCertificate,
    pub sk_auth: PrivateKey,
    pub dp_pb: RspCertificate,
    pub sk_pb: PrivateKey,
}

/// SM-DP+ settings.
#[derive(Debug, Clone)]
pub struct SmdpConfig {
    /// The FQDN this SM-DP+ answers for (compared case-insensitively).
    pub address: String,
    /// Lowest and highest eUICC SVN accepted.
    pub svn_min: [u8; 3],
    pub svn_max: [u8; 3],
    pub cc_max_attempts: u32,
    pub download_max_attempts: u32,
    /// hostId of the CRT in InitialiseSecureChannel.
    pub host_id: Vec<u8>,
    /// Check certificate validity at the injected clock.
    pub check_expiry: bool,
    /// A retry with a new otPK gets a newly bound BPP (else 8.2/3.7).
    pub allow_rebind: bool,
    /// Seconds from ConfirmOrder until the order expires (8.8.5/4.10); `None` = never.
    pub order_ttl: Option<i64>,
    /// forwardingIndicator of the ES12.RegisterEvent sent for SM-DS orders.
    pub es12_forwarding: bool,
    /// How long an RSP session lives, from InitiateAuthentication, at the injected clock
    /// (one-second resolution). An expired session is unknown (8.10.1/3.9) and is purged.
    pub session_ttl: Duration,
    /// Bind BPPs with ReplaceSessionKeys: the profile segments are protected with fresh PPKs
    /// sent in the BPP's second sequence of 87 (digest §4.3).
    pub replace_session_keys: bool,
    /// Production configuration: eUICCs chaining to a GSMA test CI (SGP.26) are refused, and
    /// no credentials under such a CI are offered.
    pub production: bool,
    /// A deliberately planted bug, for the live fuzzer's self-test only; `None` (conforming)
    /// unless a test sets it.
    pub planted_bug: Option<SmdpPlantedBug>,
}

/// **Deliberately planted bugs**, so the live fuzzer's self-test can show it finds real ones.
/// Never enabled by configuration files; only tests set [`SmdpConfig::planted_bug`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmdpPlantedBug {
    /// An ES9+ JSON request (HTTP binding) whose top-level object has a key the function's
    /// request does not define (other than `header`) gets HTTP 500 with a plain-text body, as
    /// from a naive server that crashes on an unknown key. Conforming: unknown keys are ignored.
    Http500OnUnknownJsonKey,
}

impl Default for SmdpConfig {
    fn default() -> Self {
        SmdpConfig {
            address: "testsmdpplus1.example.com".into(),
            svn_min: [2, 0, 0],
            svn_max: [2, 255, 255],
            cc_max_attempts: 3,
            download_max_attempts: 5,
            host_id: b"rspcheck-smdp".to_vec(),
            check_expiry: true,
            allow_rebind: true,
            order_ttl: None,
            es12_forwarding: false,
            session_ttl: Duration::from_secs(300),
            replace_session_keys: false,
            production: false,
            planted_bug: None,
        }
    }
}

#[derive(Clone)]
enum Stage {
    Initiated,
    Authenticated {
        iccid: String,
        euicc_pk: PublicKey,
        eid: [u8; 16],
        smdp_signature2: [u8; 64],
        cc_required: bool,
        metadata: Tlv,
    },
    Bound {
        iccid: String,
        euicc_pk: PublicKey,
        eid: String,
    },
}

#[derive(Clone)]
struct Session {
    server_challenge: [u8; 16],
    creds: usize,
    ci_pkid: Vec<u8>,
    stage: Stage,
    serial: u64,
    expires_at: Time,
}

/// An ES9+ answer: HTTP status and body (empty for 204).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es9Answer {
    pub http_status: u16,
    pub body: Vec<u8>,
}

impl Es9Answer {
    pub(crate) fn json<T: serde::Serialize>(value: &T) -> Es9Answer {
        Es9Answer {
            http_status: 200,
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }
    pub(crate) fn failed(status: KnownStatus, message: impl Into<String>) -> Es9Answer {
        Es9Answer::json(&HeaderOnlyResponse::new(
            ResponseHeader::failed(status).with_message(message),
        ))
    }
    fn no_content() -> Es9Answer {
        Es9Answer {
            http_status: 204,
            body: Vec::new(),
        }
    }

    /// The status of a `Failed` answer (tests, logs).
    pub fn failure(&self) -> Option<KnownStatus> {
        let r: HeaderOnlyResponse = serde_json::from_slice(&self.body).ok()?;
        r.header.known_status()
    }
}

/// The SM-DP+ core.
pub struct Smdp<S: OrderStore> {
    pub(crate) config: SmdpConfig,
    creds: Vec<DpCredentials>,
    trusted_cis: Vec<RspCertificate>,
    oid: String,
    pub(crate) store: S,
    pub(crate) rng: Box<dyn RandomSource + Send>,
    pub(crate) now: Time,
    sessions: HashMap<Vec<u8>, Session>,
    /// `(serial, transactionId)` in creation order, so also in expiry order while the clock
    /// does not go back. Entries of finished sessions stay until popped or compacted.
    session_queue: VecDeque<(u64, Vec<u8>)>,
    serial: u64,
    faults: FaultPlan,
    progress: ProgressQueue,
    /// PIR bytes for the next BPP-installation progress record.
    pending_result_data: Option<Vec<u8>>,
    pub(crate) registrar: Option<Box<dyn EventRegistrar>>,
    /// functionCallIdentifier of the SM-DP+'s own ES12 calls.
    pub(crate) es12_calls: u64,
}

fn b64(t: &Tlv) -> Base64Bytes {
    Base64Bytes::new(t.encode())
}

fn tlv_field(what: &str, bytes: &[u8]) -> Result<Tlv, Es9Answer> {
    Tlv::parse(bytes)
        .map_err(|e| Es9Answer::failed(KnownStatus::InvalidParameter, format!("{what}: {e}")))
}

impl<S: OrderStore> Smdp<S> {
    pub fn new(
        config: SmdpConfig,
        pki: &PkiSet,
        store: S,
        rng: Box<dyn RandomSource + Send>,
        now: Time,
    ) -> Result<Smdp<S>, SmdpError> {
        let mut creds = Vec::new();
        for c in pki.curves() {
            if let (Some(sk_auth), Some(sk_pb)) = (c.dp_auth.key.clone(), c.dp_pb.key.clone()) {
                creds.push(DpCredentials {
                    ci: c.ci.cert.clone(),
                    dp_auth: c.dp_auth.cert.clone(),
                    sk_auth,
                    dp_pb: c.dp_pb.cert.clone(),
                    sk_pb,
                });
            }
        }
        let first = creds.first().ok_or(SmdpError::NoCredentials)?;
        let production = config.production;
        let oid = first
            .dp_auth
            .registered_ids()
            .first()
            .cloned()
            .ok_or(SmdpError::NoOid)?;
        Ok(Smdp {
            config,
            creds,
            trusted_cis: pki
                .cis()
                .into_iter()
                .filter(|ci| !(production && rsp_crypto::pkiset::is_gsma_test_ci(ci.key_id())))
                .collect(),
            oid,
            store,
            rng,
            now,
            sessions: HashMap::new(),
            session_queue: VecDeque::new(),
            serial: 0,
            faults: FaultPlan::default(),
            progress: ProgressQueue::default(),
            pending_result_data: None,
            registrar: None,
            es12_calls: 0,
        })
    }

    pub(crate) fn log(
        &mut self,
        event: AuditEvent,
        iccid: &str,
        eid: Option<&str>,
        outcome: Result<(), KnownStatus>,
        detail: impl Into<String>,
    ) {
        // The PIR rides on the installation point only; taken here so it never lingers.
        let result_data = self.pending_result_data.take();
        let point = progress::notification_point(event);
        if let Some(point) = point.filter(|_| self.progress.is_enabled() && !iccid.is_empty()) {
            let profile_type = self
                .store
                .get(iccid)
                .map(|o| o.profile_type)
                .unwrap_or_default();
            self.progress.push(ProgressInfo {
                iccid: iccid.to_owned(),
                eid: eid.map(str::to_owned),
                profile_type,
                time: self.now,
                point,
                outcome,
                result_data,
            });
        }
        let outcome = match outcome {
            Ok(()) => "ok".to_owned(),
            Err(s) => format!("{}/{}", s.subject(), s.reason()),
        };
        self.store.audit(AuditEntry {
            time: self.now.unix(),
            event,
            iccid: iccid.to_owned(),
            eid: eid.map(str::to_owned),
            outcome,
            detail: detail.into(),
        });
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

    pub fn oid(&self) -> &str {
        &self.oid
    }

    /// Handles one ES9+ request body.
    pub fn handle(&mut self, function: Es9Function, body: &[u8]) -> Es9Answer {
        self.purge_expired(PURGE_PER_REQUEST);
        let result = match function {
            Es9Function::InitiateAuthentication => self.initiate_authentication(body),
            Es9Function::AuthenticateClient => self.authenticate_client(body),
            Es9Function::GetBoundProfilePackage => self.get_bound_profile_package(body),
            Es9Function::HandleNotification => self.handle_notification(body),
            Es9Function::CancelSession => self.cancel_session(body),
        };
        self.faults.apply(function, result.unwrap_or_else(|e| e))
    }

    /// The ES12 client for SM-DS-mode orders (without one, ConfirmOrder with `smdsAddress`
    /// answers 8.9/5.1).
    pub fn set_event_registrar(&mut self, registrar: Box<dyn EventRegistrar>) {
        self.registrar = Some(registrar);
    }

    /// Records ES2+ HandleDownloadProgressInfo points for [`Smdp::take_progress`] (off by default).
    pub fn set_progress_reporting(&mut self, on: bool) {
        self.progress.set_enabled(on);
    }

    /// The notification points reached since the last call.
    pub fn take_progress(&mut self) -> Vec<ProgressInfo> {
        self.progress.take()
    }

    /// Forgets every session, as a restart keeping only the order database would.
    pub fn drop_sessions(&mut self) {
        self.sessions.clear();
        self.session_queue.clear();
    }

    /// Arms a fault for the next matching ES9+ exchange (see [`crate::faults`]).
    pub fn arm(&mut self, fault: ArmedFault) -> Result<(), FaultError> {
        self.faults.arm(fault)
    }

    /// The faults still armed.
    pub fn armed_faults(&self) -> Vec<ArmedFault> {
        self.faults.armed()
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Faults applied since start.
    pub fn faults_applied(&self) -> u64 {
        self.faults.applied()
    }

    /// The delay or dropped connection the last answer asked for (the HTTP adapter's part).
    pub fn take_transport_fault(&mut self) -> Option<TransportFault> {
        self.faults.take_transport()
    }

    pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Es9Answer> {
        json::parse_body_with_limit(body, MAX_BODY)
            .map_err(|e| Es9Answer::json(&HeaderOnlyResponse::new(e.response_header())))
    }

    fn session(&mut self, tx: &[u8]) -> Result<Session, Es9Answer> {
        self.live_session(tx).ok_or_else(|| {
            Es9Answer::failed(KnownStatus::TransactionIdUnknown, "unknown transactionId")
        })
    }

    /// The session if it exists and has not expired (an expired one is removed on the spot).
    fn live_session(&mut self, tx: &[u8]) -> Option<Session> {
        let s = self.sessions.get(tx)?;
        if self.now < s.expires_at {
            return Some(s.clone());
        }
        self.sessions.remove(tx);
        None
    }

    /// Stores a new session in stage Initiated; at [`MAX_SESSIONS`] the oldest is dropped.
    fn insert_session(
        &mut self,
        tx: Vec<u8>,
        server_challenge: [u8; 16],
        creds: usize,
        ci_pkid: Vec<u8>,
    ) {
        self.serial += 1;
        while self.sessions.len() >= MAX_SESSIONS {
            // Every stored session has a queue entry, so the first live entry is the oldest.
            let Some((serial, old)) = self.session_queue.pop_front() else {
                break;
            };
            if self.sessions.get(&old).is_some_and(|s| s.serial == serial) {
                self.sessions.remove(&old);
            }
        }
        // Finished sessions leave entries behind a long-lived one at the front: compact before
        // the queue outgrows the sessions, which is O(1) amortised.
        if self.session_queue.len() >= 2 * MAX_SESSIONS {
            let sessions = &self.sessions;
            self.session_queue
                .retain(|(serial, tx)| sessions.get(tx).is_some_and(|s| s.serial == *serial));
        }
        let ttl = i64::try_from(self.config.session_ttl.as_secs()).unwrap_or(i64::MAX);
        let expires_at = Time::from_unix(self.now.unix().saturating_add(ttl));
        self.session_queue.push_back((self.serial, tx.clone()));
        self.sessions.insert(
            tx,
            Session {
                server_challenge,
                creds,
                ci_pkid,
                stage: Stage::Initiated,
                serial: self.serial,
                expires_at,
            },
        );
    }

    /// Removes expired sessions from the front of the age queue, looking at `max` entries at
    /// most; returns how many sessions it removed. [`Smdp::handle`] calls it on every request.
    pub fn purge_expired(&mut self, max: usize) -> usize {
        let mut removed = 0;
        for _ in 0..max {
            let Some((serial, tx)) = self.session_queue.front() else {
                break;
            };
            if let Some(s) = self.sessions.get(tx).filter(|s| s.serial == *serial) {
                if self.now < s.expires_at {
                    break;
                }
                self.sessions.remove(tx);
                removed += 1;
            }
            self.session_queue.pop_front();
        }
        removed
    }

    /// RSP sessions held, expired ones not yet purged included (tests, load checks).
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    fn at(&self, leaf: &RspCertificate) -> Time {
        if self.config.check_expiry {
            self.now
        } else {
            leaf.not_before()
        }
    }

    // ------------------------------------------------------------ InitiateAuthentication

    fn initiate_authentication(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: InitiateAuthenticationRequest = Self::parse(body)?;
        let (challenge, info1) = auth::check_initiate_request(
            &req.smdp_address,
            &self.config.address,
            req.euicc_challenge.as_bytes(),
            req.euicc_info1.as_bytes(),
            (self.config.svn_min, self.config.svn_max),
        )
        .map_err(|e| {
            let status = match e {
                auth::InitiateError::Address => KnownStatus::InvalidSmdpAddress,
                auth::InitiateError::Svn(_) => KnownStatus::SvnNotSupported,
                _ => KnownStatus::InvalidParameter,
            };
            Es9Answer::failed(status, e.to_string())
        })?;
        // A production SM-DP+ has no credentials a test eUICC could verify (8.8.4/3.7).
        let ci_ids: Vec<&[u8]> = self
            .creds
            .iter()
            .map(|c| c.ci.key_id())
            .map(|id| {
                if self.config.production && rsp_crypto::pkiset::is_gsma_test_ci(id) {
                    &[][..]
                } else {
                    id
                }
            })
            .collect();
        let creds = auth::choose_credentials(&ci_ids, &info1).map_err(|e| {
            let status = match e {
                auth::CredentialChoiceError::NoCertificateForCi => {
                    KnownStatus::NoDpAuthCertificateForCi
                }
                auth::CredentialChoiceError::NoSigningCi => KnownStatus::CiPkIdNotSupported,
            };
            Es9Answer::failed(status, e.to_string())
        })?;
        let mut tx = [0u8; 16];
        self.rng.fill(&mut tx);
        let mut server_challenge = [0u8; 16];
        self.rng.fill(&mut server_challenge);
        let ss1 = auth::server_signed1(&tx, &challenge, &self.config.address, &server_challenge);
        let c = &self.creds[creds];
        let sig = signed::sign_server_signature1(&c.sk_auth, &ss1.encode_der());
        let ci_pkid = c.ci.key_id().to_vec();
        self.insert_session(tx.to_vec(), server_challenge, creds, ci_pkid.clone());
        Ok(Es9Answer::json(&InitiateAuthenticationResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::new(tx.to_vec()).ok(),
            server_signed1: Some(b64(&ss1)),
            server_signature1: Some(Base64Bytes::new(signed::signature_do(&sig))),
            euicc_ci_pkid_to_be_used: Some(Base64Bytes::new(
                Tlv::primitive(Tag::of(0x04), ci_pkid).encode_der(),
            )),
            server_certificate: Some(Base64Bytes::new(self.creds[creds].dp_auth.der().to_vec())),
            extra: Default::default(),
        }))
    }

    // ------------------------------------------------------------ AuthenticateClient

    fn authenticate_client(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: AuthenticateClientRequest = Self::parse(body)?;
        let tx = req.transaction_id.as_bytes().to_vec();
        let session = self.session(&tx)?;
        if !matches!(session.stage, Stage::Initiated) {
            return Err(Es9Answer::failed(
                KnownStatus::TransactionIdUnknown,
                "session not waiting for AuthenticateClient",
            ));
        }
        let euicc = auth::verify_authenticate_server_response(
            req.authenticate_server_response.as_bytes(),
            &auth::Expected {
                transaction_id: &tx,
                server_challenge: &session.server_challenge,
                server_address: &self.config.address,
                ci_key_id: &session.ci_pkid,
            },
            &self.trusted_cis,
            |leaf| self.at(leaf),
        )
        .map_err(|e| Es9Answer::failed(e.status(), e.to_string()))?;
        let (s1, euicc_pk, eid) = (euicc.signed1, euicc.public_key, euicc.eid);
        let sig1_raw = euicc.signature1.as_slice();
        let eid_text = eid.to_digits();
        let use_case = if s1
            .ctx_params1
            .matching_id
            .as_deref()
            .is_some_and(|m| !m.is_empty())
        {
            "matching ID"
        } else {
            "default SM-DP+"
        };
        let order = match self
            .find_order(s1.ctx_params1.matching_id.as_deref(), &eid_text)
            .and_then(|o| self.check_eligible(&o, &s1.euicc_info2).map(|()| o))
        {
            Ok(o) => o,
            Err((iccid, status)) => {
                self.log(
                    AuditEvent::DownloadRefused,
                    &iccid,
                    Some(&eid_text),
                    Err(status),
                    use_case,
                );
                return Err(Es9Answer::failed(status, "download refused"));
            }
        };
        self.log(
            AuditEvent::DownloadAttempt,
            &order.iccid,
            Some(&eid_text),
            Ok(()),
            use_case,
        );

        let mut order = order;
        order.download_attempts += 1;
        let metadata = self.metadata_tlv(&order)?;
        let retry_otpk = order.bound.as_ref().map(|b| b.euicc_otpk.clone());
        let cc_required = order.confirmation_code.is_some();
        let mut sd2 = vec![
            Tlv::primitive(Tag::of(0x80), tx.clone()),
            Tlv::primitive(Tag::of(0x01), der::encode_boolean(cc_required)),
        ];
        if let Some(otpk) = &retry_otpk {
            sd2.push(Tlv::primitive(Tag::of(0x5F49), otpk.clone()));
        }
        let sd2 = Tlv::constructed(Tag::of(0x30), sd2);
        let c = &self.creds[session.creds];
        let sig2 = signed::sign_smdp_signature2(&c.sk_pb, &sd2.encode_der(), sig1_raw);
        let dp_pb = c.dp_pb.der().to_vec();
        let iccid = order.iccid.clone();
        self.store.put(order);
        if let Some(s) = self.sessions.get_mut(&tx) {
            s.stage = Stage::Authenticated {
                iccid,
                euicc_pk,
                eid: *eid.as_bytes(),
                smdp_signature2: sig2,
                cc_required,
                metadata: metadata.clone(),
            };
        }
        Ok(Es9Answer::json(&AuthenticateClientResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::new(tx).ok(),
            profile_metadata: Some(b64(&metadata)),
            smdp_signed2: Some(b64(&sd2)),
            smdp_signature2: Some(Base64Bytes::new(signed::signature_do(&sig2))),
            smdp_certificate: Some(Base64Bytes::new(dp_pb)),
            extra: Default::default(),
        }))
    }

    /// Matching ID processing for the three use cases (digest §4.1 step 6). The error names the
    /// order's ICCID when one was found (for the audit log).
    fn find_order(
        &self,
        matching_id: Option<&str>,
        eid: &str,
    ) -> Result<Order, (String, KnownStatus)> {
        let order = match matching_id.filter(|m| !m.is_empty()) {
            Some(m) => {
                let o = self
                    .store
                    .by_matching_id(m)
                    .ok_or((String::new(), KnownStatus::MatchingIdRefused))?;
                if o.eid.as_deref().is_some_and(|e| e != eid) {
                    return Err((o.iccid, KnownStatus::EidMismatch));
                }
                o
            }
            None => self
                .store
                .default_for_eid(eid)
                .into_iter()
                .find(|o| {
                    matches!(
                        o.state,
                        OrderState::Released | OrderState::Downloaded | OrderState::Confirmed
                    )
                })
                .ok_or((String::new(), KnownStatus::EidMismatch))?,
        };
        let refuse = |s| Err((order.iccid.clone(), s));
        match order.state {
            OrderState::Released | OrderState::Downloaded => {}
            OrderState::Confirmed | OrderState::Linked | OrderState::Allocated => {
                return refuse(KnownStatus::ProfileNotReleased)
            }
            // Installed, cancelled, in error: an activation code never works twice.
            _ => return refuse(KnownStatus::MatchingIdRefused),
        }
        if order.expires_at.is_some_and(|t| self.now > t) {
            return refuse(KnownStatus::DownloadOrderExpired);
        }
        if order.download_attempts >= self.config.download_max_attempts {
            return refuse(KnownStatus::DownloadOrderMaxRetries);
        }
        Ok(order)
    }

    /// The profile's mandatory services against the eUICC's UICC capabilities.
    fn check_eligible(
        &self,
        order: &Order,
        info2: &EuiccInfo2,
    ) -> Result<(), (String, KnownStatus)> {
        let refuse = || Err((order.iccid.clone(), KnownStatus::NoEligibleProfile));
        let Ok(pkg) = ProfilePackage::parse(&order.package) else {
            return refuse();
        };

        for s in pkg
            .header()
            .map(|h| h.mandatory_services)
            .unwrap_or_default()
        {
            let bit = rsp_profile::package::service_capability_bit(&s);
            if !bit.is_some_and(|b| info2.uicc_capability.bit(b)) {
                return refuse();
            }
        }
        Ok(())
    }

    fn metadata_tlv(&self, order: &Order) -> Result<Tlv, Es9Answer> {
        let iccid = rsp_codec::iccid::Iccid::parse(&order.iccid).map_err(|e| {
            Es9Answer::failed(KnownStatus::NoEligibleProfile, format!("order ICCID: {e}"))
        })?;
        let notify = Tlv::constructed(
            Tag::of(0xB6),
            vec![Tlv::constructed(
                Tag::of(0x30),
                vec![
                    Tlv::primitive(
                        Tag::of(0x80),
                        der::BitString::from_bits(&[0, 1, 2, 3]).encode(),
                    ),
                    Tlv::primitive(Tag::of(0x81), self.config.address.as_bytes().to_vec()),
                ],
            )],
        );
        Ok(StoreMetadataRequest {
            iccid: iccid.to_bcd(),
            service_provider_name: order.metadata.service_provider_name.clone(),
            profile_name: order.metadata.profile_name.clone(),
            icon_type: None,
            icon: None,
            profile_class: Some(order.metadata.profile_class),
            notification_configuration_info: Some(notify),
            profile_owner: None,
            profile_policy_rules: None,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            extensions: Vec::new(),
        }
        .to_tlv())
    }

    // ------------------------------------------------------------ GetBoundProfilePackage

    fn get_bound_profile_package(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: GetBoundProfilePackageRequest = Self::parse(body)?;
        let tx = req.transaction_id.as_bytes().to_vec();
        let session = self.session(&tx)?;
        let Stage::Authenticated {
            iccid,
            euicc_pk,
            eid,
            smdp_signature2,
            cc_required,
            metadata,
        } = session.stage.clone()
        else {
            return Err(Es9Answer::failed(
                KnownStatus::TransactionIdUnknown,
                "session not waiting for GetBoundProfilePackage",
            ));
        };
        let resp = tlv_field(
            "prepareDownloadResponse",
            req.prepare_download_response.as_bytes(),
        )?;
        let ok = resp
            .children()
            .first()
            .filter(|c| resp.tag() == Tag::of(0xBF21) && c.tag() == Tag::of(0xA0))
            .ok_or_else(|| {
                Es9Answer::failed(
                    KnownStatus::InvalidParameter,
                    "prepareDownloadResponse is not downloadResponseOk",
                )
            })?;
        if let Some(e) =
            rsp_codec::named::validate(&rsp_codec::schema::PREPARE_DOWNLOAD_RESPONSE, &resp)
                .into_iter()
                .next()
        {
            return Err(Es9Answer::failed(
                KnownStatus::InvalidParameter,
                e.to_string(),
            ));
        }
        let (signed2, sig2) = (&ok.children()[0], &ok.children()[1]);
        if signed::verify_euicc_signature2(
            &euicc_pk,
            &signed2.encode(),
            &smdp_signature2,
            sig2.content().unwrap_or_default(),
        )
        .is_err()
        {
            return Err(Es9Answer::failed(
                KnownStatus::EuiccSignatureInvalid,
                "euiccSignature2",
            ));
        }
        let s2 = EuiccSigned2::read(signed2)
            .map_err(|e| Es9Answer::failed(KnownStatus::InvalidParameter, e.to_string()))?;
        if s2.transaction_id != tx {
            return Err(Es9Answer::failed(
                KnownStatus::TransactionIdUnknown,
                "transactionId in euiccSigned2 differs",
            ));
        }
        let mut order = self
            .store
            .get(&iccid)
            .ok_or_else(|| Es9Answer::failed(KnownStatus::BppNotAvailable, "order vanished"))?;
        if cc_required {
            let Some(hash) = s2.hash_cc else {
                return Err(Es9Answer::failed(
                    KnownStatus::ConfirmationCodeMissing,
                    "hashCc missing",
                ));
            };
            let cc = order.confirmation_code.clone().unwrap_or_default();
            if hash != kdf::hash_cc(cc.as_bytes(), &tx) {
                order.cc_attempts += 1;
                let exceeded = order.cc_attempts >= self.config.cc_max_attempts;
                if exceeded {
                    order.state = OrderState::Error;
                }
                let status = if exceeded {
                    KnownStatus::ConfirmationCodeRetriesExceeded
                } else {
                    KnownStatus::ConfirmationCodeRefused
                };
                let detail = format!(
                    "attempt {} of {}",
                    order.cc_attempts, self.config.cc_max_attempts
                );
                let order_iccid = order.iccid.clone();
                self.store.put(order);
                self.sessions.remove(&tx);
                // The ledger (and the ES2+ confirmation-failure point) records every refusal.
                let eid_text = rsp_codec::eid::Eid::from_bcd_unverified(&eid)
                    .map(|e| e.to_digits())
                    .ok();
                self.log(
                    AuditEvent::ConfirmationCodeRefused,
                    &order_iccid,
                    eid_text.as_deref(),
                    Err(status),
                    detail,
                );
                return Err(Es9Answer::failed(status, "confirmation code"));
            }
        }
        // A retry with the otPK the BPP is bound to gets the same BPP again, its
        // InitialiseSecureChannel carrying this session's transactionId (the eUICC refuses
        // another, errorReason invalidTransactionId): the session keys do not depend on it, so
        // only BF23 and its smdpSign change.
        let bpp = match &order.bound {
            Some(b) if b.euicc_otpk == s2.euicc_otpk => {
                let sk_pb = &self.creds[session.creds].sk_pb;
                with_transaction_id(&b.bpp, &tx, &s2.euicc_otpk, sk_pb)
                    .map_err(|e| Es9Answer::failed(KnownStatus::BppNotAvailable, e))?
            }
            Some(_) if !self.config.allow_rebind => {
                return Err(Es9Answer::failed(
                    KnownStatus::BppNotAvailable,
                    "BPP bound to another otPK",
                ));
            }
            _ => {
                let c = &self.creds[session.creds];
                let binding = bpp::bind(
                    &c.sk_pb,
                    &BindParams {
                        transaction_id: &tx,
                        host_id: &self.config.host_id,
                        eid: &eid,
                        euicc_otpk: &s2.euicc_otpk,
                    },
                    self.rng.as_mut(),
                )
                .map_err(|e| {
                    Es9Answer::failed(KnownStatus::InvalidParameter, format!("euiccOtpk: {e}"))
                })?;
                let configure = Tlv::constructed(Tag::of(0xBF24), Vec::new());
                let rsk = self
                    .config
                    .replace_session_keys
                    .then(|| bpp::ReplaceSessionKeys::generate(self.rng.as_mut()));
                let store_metadata = self.faults.take_store_metadata().unwrap_or(metadata);
                let fault_package = self.faults.take_profile_package();
                let built = bpp::build_bpp(
                    &BppContent {
                        isc: &binding.isc,
                        configure_isdp: &configure,
                        store_metadata: &store_metadata,
                        replace_session_keys: rsk.as_ref(),
                        profile: fault_package.as_deref().unwrap_or(&order.package),
                    },
                    &binding.keys,
                )
                .map_err(|e| Es9Answer::failed(KnownStatus::BppNotAvailable, e.to_string()))?
                .encode_der();
                order.bound = Some(BoundBpp {
                    euicc_otpk: s2.euicc_otpk.clone(),
                    bpp: built.clone(),
                });
                built
            }
        };
        order.state = OrderState::Downloaded;
        if let Some(m) = order.matching_id.as_deref().filter(|m| !m.is_empty()) {
            self.store.consume_matching_id(m, &order.iccid);
        }
        let eid_text = rsp_codec::eid::Eid::from_bcd_unverified(&eid)
            .map(|e| e.to_digits())
            .ok();
        self.log(
            AuditEvent::BppDelivered,
            &order.iccid,
            eid_text.as_deref(),
            Ok(()),
            format!("{} bytes", bpp.len()),
        );
        self.store.put(order);
        if let Some(s) = self.sessions.get_mut(&tx) {
            s.stage = Stage::Bound {
                iccid,
                euicc_pk,
                eid: eid_text.clone().unwrap_or_default(),
            };
        }
        Ok(Es9Answer::json(&GetBoundProfilePackageResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::new(tx).ok(),
            bound_profile_package: Some(Base64Bytes::new(bpp)),
            extra: Default::default(),
        }))
    }

    // ------------------------------------------------------------ HandleNotification

    /// Always 204 (the function has no output); what verifies is applied to the orders.
    fn handle_notification(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: HandleNotificationRequest = Self::parse(body)?;
        let Ok(n) = Tlv::parse(req.pending_notification.as_bytes()) else {
            return Ok(Es9Answer::no_content());
        };
        match n.tag().to_u32() {
            0xBF37 => self.apply_pir(&n),
            0x30 => self.apply_other(&n),
            _ => {}
        }
        Ok(Es9Answer::no_content())
    }

    fn apply_pir(&mut self, pir: &Tlv) {
        let (Some(data), Some(sig)) = (pir.children().first(), pir.children().get(1)) else {
            return;
        };
        let Ok(d) = ProfileInstallationResultData::read(data) else {
            return;
        };
        let Some(session) = self.live_session(&d.transaction_id) else {
            return;
        };
        let Stage::Bound {
            iccid,
            euicc_pk,
            eid: session_eid,
        } = session.stage
        else {
            return;
        };
        if signed::verify_euicc_sign_pir(
            &euicc_pk,
            &data.encode(),
            sig.content().unwrap_or_default(),
        )
        .is_err()
        {
            return;
        }
        if let Some(mut o) = self.store.get(&iccid) {
            let (state, event, detail) = match &d.final_result {
                rsp_codec::views::FinalResult::Success { .. } => {
                    (OrderState::Installed, AuditEvent::Installed, String::new())
                }
                // A failed install may be retried (with the same otPK: the BPP is kept).
                rsp_codec::views::FinalResult::Error {
                    bpp_command_id,
                    error_reason,
                    ..
                } => (
                    OrderState::Released,
                    AuditEvent::InstallFailed,
                    format!("bppCommandId {bpp_command_id}, errorReason {error_reason}"),
                ),
            };
            o.state = state;
            self.store.put(o);
            // The session's EID (from CERT.EUICC): activation-code orders name none.
            let eid = (!session_eid.is_empty()).then_some(session_eid);
            self.pending_result_data = Some(pir.encode());
            self.log(event, &iccid, eid.as_deref(), Ok(()), detail);
            if event == AuditEvent::Installed {
                self.delete_event(&iccid);
            }
        }
        self.sessions.remove(&d.transaction_id);
    }

    fn apply_other(&mut self, n: &Tlv) {
        let c = n.children();
        let (Some(meta), Some(sig), Some(euicc), Some(eum)) =
            (c.first(), c.get(1), c.get(2), c.get(3))
        else {
            return;
        };
        let Ok(chain) = cert::verify_chain_der(
            &euicc.encode(),
            &[&eum.encode()],
            &self.trusted_cis,
            Role::Euicc,
            self.now,
            &VerifyOptions::default(),
        ) else {
            return;
        };
        if signed::verify_other_signed_notification(
            chain.public_key(),
            &meta.encode(),
            sig.content().unwrap_or_default(),
        )
        .is_err()
        {
            return;
        }
        let Ok(m) = NotificationMetadata::read(meta) else {
            return;
        };
        let Some(iccid) = m
            .iccid
            .and_then(|i| rsp_codec::iccid::Iccid::from_bcd(&i).ok())
        else {
            return;
        };
        let Some(mut o) = self.store.get(&iccid.to_string()) else {
            return;
        };
        let eid = chain.eid().map(|e| e.to_digits());
        let event = m.event().map_or("unknown", |e| match e {
            NotificationEvent::Install => "install",
            NotificationEvent::Enable => "enable",
            NotificationEvent::Disable => "disable",
            NotificationEvent::Delete => "delete",
        });
        if m.event() == Some(NotificationEvent::Delete) {
            o.state = OrderState::Unavailable;
        }
        let iccid = o.iccid.clone();
        self.store.put(o);
        self.log(
            AuditEvent::Notification,
            &iccid,
            eid.as_deref(),
            Ok(()),
            event,
        );
    }

    // ------------------------------------------------------------ CancelSession

    fn cancel_session(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: CancelSessionRequest = Self::parse(body)?;
        let tx = req.transaction_id.as_bytes().to_vec();
        let session = self.session(&tx)?;
        let euicc_pk = match &session.stage {
            Stage::Authenticated { euicc_pk, .. } | Stage::Bound { euicc_pk, .. } => {
                euicc_pk.clone()
            }
            Stage::Initiated => {
                return Err(Es9Answer::failed(
                    KnownStatus::TransactionIdUnknown,
                    "no authenticated session",
                ))
            }
        };
        let resp = tlv_field(
            "cancelSessionResponse",
            req.cancel_session_response.as_bytes(),
        )?;
        let ok = resp
            .children()
            .first()
            .filter(|c| resp.tag() == Tag::of(0xBF41) && c.tag() == Tag::of(0xA0))
            .ok_or_else(|| {
                Es9Answer::failed(
                    KnownStatus::InvalidParameter,
                    "cancelSessionResponse is not cancelSessionResponseOk",
                )
            })?;
        let (Some(signed_t), Some(sig)) = (ok.children().first(), ok.children().get(1)) else {
            return Err(Es9Answer::failed(
                KnownStatus::InvalidParameter,
                "cancelSessionResponseOk incomplete",
            ));
        };
        if signed::verify_euicc_cancel_session(
            &euicc_pk,
            &signed_t.encode(),
            sig.content().unwrap_or_default(),
        )
        .is_err()
        {
            return Err(Es9Answer::failed(
                KnownStatus::EuiccSignatureInvalid,
                "euiccCancelSessionSignature",
            ));
        }
        let s = EuiccCancelSessionSigned::read(signed_t)
            .map_err(|e| Es9Answer::failed(KnownStatus::InvalidParameter, e.to_string()))?;
        if s.smdp_oid != self.oid {
            return Err(Es9Answer::failed(
                KnownStatus::SmdpOidInvalid,
                "smdpOid is not this SM-DP+",
            ));
        }
        if s.transaction_id != tx {
            return Err(Es9Answer::failed(
                KnownStatus::TransactionIdUnknown,
                "transactionId in euiccCancelSessionSigned differs",
            ));
        }
        let iccid = match &session.stage {
            Stage::Authenticated { iccid, .. } | Stage::Bound { iccid, .. } => iccid.clone(),
            Stage::Initiated => String::new(),
        };
        if let Some(mut o) = self.store.get(&iccid) {
            // Decision: the end user refused, PPRs are not allowed, or the metadata did not
            // match → the order goes to error (the operator decides); postponed, timeout, a BPP
            // execution error or an undefined reason → downloadable again.
            o.state = match s.reason {
                0 | 3 | 4 => OrderState::Error,
                _ => OrderState::Released,
            };
            let eid = o.eid.clone();
            self.store.put(o);
            self.log(
                AuditEvent::Cancelled,
                &iccid,
                eid.as_deref(),
                Ok(()),
                format!("reason {}", s.reason),
            );
        }
        self.sessions.remove(&tx);
        Ok(Es9Answer::json(&HeaderOnlyResponse::new(
            ResponseHeader::success(),
        )))
    }
}

/// `bpp` (DER) with the InitialiseSecureChannelRequest rebuilt for `transaction_id` and signed
/// again with SK.DPpb over it and `euicc_otpk`; everything else unchanged.
fn with_transaction_id(
    bpp: &[u8],
    transaction_id: &[u8],
    euicc_otpk: &[u8],
    sk_pb: &PrivateKey,
) -> Result<Vec<u8>, String> {
    let mut t = Tlv::parse(bpp).map_err(|e| format!("stored BPP: {e}"))?;
    let isc = t
        .children()
        .first()
        .filter(|c| c.tag() == Tag::of(0xBF23))
        .ok_or("stored BPP without InitialiseSecureChannelRequest")?;
    let mut view = rsp_codec::views::InitialiseSecureChannelRequest::read(isc)
        .map_err(|e| format!("stored InitialiseSecureChannelRequest: {e}"))?;
    if view.transaction_id == transaction_id {
        return Ok(bpp.to_vec());
    }
    view.transaction_id = transaction_id.to_vec();
    view.smdp_sign = Vec::new();
    let mut isc = view.to_tlv();
    let data = signed::smdp_sign_data_tlv(&isc, euicc_otpk).map_err(|e| e.to_string())?;
    let sig = sk_pb.sign(&data);
    let slot = isc
        .children_mut()
        .iter_mut()
        .find(|c| c.tag() == signed::SIGNATURE_TAG)
        .ok_or("InitialiseSecureChannelRequest without smdpSign")?;
    slot.set_content(sig.to_vec());
    isc.mark_edited();
    t.children_mut()[0] = isc;
    t.mark_edited();
    Ok(t.encode_der())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_answers_carry_the_status() {
        let a = Es9Answer::failed(KnownStatus::TransactionIdUnknown, "x");
        assert_eq!(a.http_status, 200);
        assert_eq!(a.failure(), Some(KnownStatus::TransactionIdUnknown));
        assert_eq!(Es9Answer::no_content().http_status, 204);
    }
}
