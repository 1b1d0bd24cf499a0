//! A profile download as a sequence of observable steps (digest §4.1).
//!
//! [`Download`] performs one [`Step`] per call of [`Download::step`], keeps every message it
//! sent and received, and lets a [`Hooks`] implementation inspect or change each message before
//! it leaves — so a scenario can stop after any step, mutate the next message, or take over.
//! [`Download::run`] is the plain LPA: every step, with the cancellations SGP.22 asks for.

use std::time::{Duration, Instant};

use rsp_codec::activation::ActivationCode;
use rsp_codec::apdu::Transport;
use rsp_codec::json::{Base64Bytes, Es9Function, Secret};
use rsp_codec::tlv::Tlv;
use rsp_codec::views::{StoreMetadataRequest, View};
use serde_json::{json, Value};

use crate::card::Card;
use crate::es10::{self, cons, prim, CancelReason, Es10Error};
use crate::server::{self, RemoteError, RemoteFunction, RspServer, ServerStats};

/// The steps of a download, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// ES10b GetEUICCInfo1 + GetEUICCChallenge, then ES9+ InitiateAuthentication.
    InitiateAuthentication,
    /// ES10b AuthenticateServer.
    AuthenticateServer,
    /// ES9+ AuthenticateClient: the profile metadata arrives.
    AuthenticateClient,
    /// The end user's decision on the metadata and the confirmation code (local; a refusal is
    /// reported with CancelSession).
    Confirm,
    /// ES10b PrepareDownload.
    PrepareDownload,
    /// ES9+ GetBoundProfilePackage.
    GetBoundProfilePackage,
    /// ES10b LoadBoundProfilePackage, piece by piece: the PIR comes back.
    LoadBoundProfilePackage,
    /// ES9+ HandleNotification with the PIR.
    HandleNotification,
    /// ES10b RemoveNotificationFromList of the PIR.
    RemoveNotification,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::InitiateAuthentication,
        Step::AuthenticateServer,
        Step::AuthenticateClient,
        Step::Confirm,
        Step::PrepareDownload,
        Step::GetBoundProfilePackage,
        Step::LoadBoundProfilePackage,
        Step::HandleNotification,
        Step::RemoveNotification,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::InitiateAuthentication => "initiate_authentication",
            Step::AuthenticateServer => "authenticate_server",
            Step::AuthenticateClient => "authenticate_client",
            Step::Confirm => "confirm",
            Step::PrepareDownload => "prepare_download",
            Step::GetBoundProfilePackage => "get_bound_profile_package",
            Step::LoadBoundProfilePackage => "load_bound_profile_package",
            Step::HandleNotification => "handle_notification",
            Step::RemoveNotification => "remove_notification",
        }
    }

    /// The step named `name` (as [`Step::name`] spells it).
    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }

    fn next(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL.get(i + 1).copied()
    }
}

/// A message about to leave the LPA; a hook may change it.
pub enum Outgoing<'a> {
    /// An ES10 request (DER) to the card.
    Es10 {
        function: &'static str,
        request: &'a mut Vec<u8>,
    },
    /// An ES9+/ES11 JSON body and the server address it goes to.
    Remote {
        function: RemoteFunction,
        address: &'a mut String,
        body: &'a mut Value,
    },
    /// The STORE DATA pieces of LoadBoundProfilePackage (each one ES10 command sequence).
    BppPieces(&'a mut Vec<Vec<u8>>),
}

/// A message that came back.
pub enum Incoming<'a> {
    Es10 {
        function: &'static str,
        response: &'a [u8],
    },
    Remote {
        function: RemoteFunction,
        status: u16,
        body: &'a [u8],
    },
}

/// Sees (and may change) every message of a download. Both methods default to doing nothing.
pub trait Hooks {
    fn outgoing(&mut self, _step: Step, _message: Outgoing<'_>) {}
    fn incoming(&mut self, _step: Step, _message: Incoming<'_>) {}
}

/// No hooks.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// The end user's answer when the metadata is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consent {
    #[default]
    Accept,
    /// CancelSession endUserRejection.
    Reject,
    /// CancelSession postponed.
    Postpone,
    /// No answer: CancelSession timeout.
    Timeout,
}

/// Where the profile comes from (the three use cases of SGP.22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An activation code: its SM-DP+ address and matching ID.
    ActivationCode(ActivationCode),
    /// The eUICC's default SM-DP+ (no matching ID; the order is bound to the EID).
    DefaultSmdp { address: String },
    /// An SM-DS event: the SM-DP+ it names and the EventID as matching ID.
    Event { address: String, event_id: Secret },
}

impl Source {
    pub fn address(&self) -> &str {
        match self {
            Source::ActivationCode(ac) => &ac.smdp_address,
            Source::DefaultSmdp { address } | Source::Event { address, .. } => address,
        }
    }

    pub fn matching_id(&self) -> Option<&str> {
        match self {
            Source::ActivationCode(ac) => Some(ac.matching_id.as_str()).filter(|m| !m.is_empty()),
            Source::DefaultSmdp { .. } => None,
            Source::Event { event_id, .. } => Some(event_id.expose()),
        }
    }
}

/// Download settings.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    pub confirmation_code: Option<Secret>,
    pub consent: Consent,
    /// DeviceInfo (`A1`) of ctxParams1.
    pub device_info: Tlv,
    /// Compare the BPP's StoreMetadata with the announced metadata and cancel on a mismatch.
    pub check_metadata: bool,
    /// After installation, send the PIR and remove it from the card.
    pub send_notification: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            confirmation_code: None,
            consent: Consent::Accept,
            device_info: default_device_info(),
            check_metadata: true,
            send_notification: true,
        }
    }
}

/// DeviceInfo with the TAC lpac sends and no capabilities declared (digest §3.3).
pub fn default_device_info() -> Tlv {
    cons(
        0xA1,
        vec![prim(0x80, vec![0x35, 0x29, 0x06, 0x11]), cons(0xA1, vec![])],
    )
}

/// ctxParams1 (`A0`): the matching ID when there is one, and the device info.
pub fn ctx_params1(matching_id: Option<&str>, device_info: &Tlv) -> Tlv {
    let mut items = Vec::new();
    if let Some(m) = matching_id {
        items.push(prim(0x80, m.as_bytes()));
    }
    items.push(device_info.clone());
    cons(0xA0, items)
}

/// Why a download stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    #[error("{step}: {source}", step = .step.name())]
    Card {
        step: Step,
        #[source]
        source: Es10Error,
    },
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("{step}: {detail}", step = .step.name())]
    Protocol { step: Step, detail: String },
    /// The SM-DP+ requires a confirmation code and none was given (the session was cancelled
    /// with reason postponed, so the order stays available).
    #[error("the SM-DP+ requires a confirmation code")]
    ConfirmationCodeRequired,
    /// The LPA cancelled the session; `reported` says whether the SM-DP+ acknowledged it.
    #[error("session cancelled ({reason}): {cause}{}", if *reported { "" } else { " (not acknowledged by the SM-DP+)" }, reason = .reason.name())]
    Cancelled {
        reason: CancelReason,
        cause: String,
        reported: bool,
    },
    /// The eUICC refused the profile: the PIR's error (it was still sent to the SM-DP+).
    #[error("installation failed: bppCommandId {bpp_command_id}, errorReason {error_reason}")]
    InstallationFailed {
        bpp_command_id: i64,
        error_reason: i64,
    },
    #[error("the download has no step left")]
    Finished,
}

/// What a finished download produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub iccid: Option<String>,
    pub isdp_aid: Option<Vec<u8>>,
    pub metadata: Option<StoreMetadataRequest>,
    /// The PIR as the card gave it.
    pub pir: Vec<u8>,
}

/// Where the time of a download went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeSplit {
    /// Waiting for servers (TLS, HTTP, the server's crypto and logic).
    pub server: ServerStats,
    /// Inside the APDU transport (the card's crypto and logic, plus the link).
    pub apdu: crate::card::ApduStats,
    /// Per step, wall time.
    pub steps: Vec<(Step, Duration)>,
}

/// A card or server a download borrows from its caller, or owns (a scenario engine keeps a
/// download alive across steps of its own, so it cannot lend them for a lexical scope).
enum Held<'a, X: ?Sized> {
    Borrowed(&'a mut X),
    Owned(Box<X>),
}

impl<X: ?Sized> std::ops::Deref for Held<'_, X> {
    type Target = X;
    fn deref(&self) -> &X {
        match self {
            Held::Borrowed(x) => x,
            Held::Owned(x) => x,
        }
    }
}

impl<X: ?Sized> std::ops::DerefMut for Held<'_, X> {
    fn deref_mut(&mut self) -> &mut X {
        match self {
            Held::Borrowed(x) => x,
            Held::Owned(x) => x,
        }
    }
}

/// One download session. See the module documentation.
pub struct Download<'a, T: Transport> {
    card: Held<'a, Card<T>>,
    server: Held<'a, dyn RspServer + 'a>,
    hooks: Box<dyn Hooks + 'a>,
    source: Source,
    address: String,
    options: DownloadOptions,
    next: Option<Step>,
    stats: ServerStats,
    apdu_before: crate::card::ApduStats,
    steps: Vec<(Step, Duration)>,

    euicc_info1: Option<Vec<u8>>,
    euicc_challenge: Option<[u8; 16]>,
    transaction_id: Option<Vec<u8>>,
    initiate_response: Option<Value>,
    authenticate_server_response: Option<Vec<u8>>,
    authenticate_client_response: Option<Value>,
    metadata_der: Option<Vec<u8>>,
    cc_required: bool,
    prepare_download_response: Option<Vec<u8>>,
    bpp: Option<Vec<u8>>,
    pir: Option<Vec<u8>>,
}

impl<'a, T: Transport> Download<'a, T> {
    pub fn new(
        card: &'a mut Card<T>,
        server: &'a mut dyn RspServer,
        source: Source,
        options: DownloadOptions,
    ) -> Download<'a, T> {
        Download::with(
            Held::Borrowed(card),
            Held::Borrowed(server),
            source,
            options,
        )
    }

    /// A download that owns its card and server; [`Download::into_parts`] gives them back.
    pub fn owning(
        card: Card<T>,
        server: Box<dyn RspServer + 'a>,
        source: Source,
        options: DownloadOptions,
    ) -> Download<'a, T> {
        Download::with(
            Held::Owned(Box::new(card)),
            Held::Owned(server),
            source,
            options,
        )
    }

    /// The card and server of an [`Download::owning`] download (`None` for borrowed ones).
    #[allow(clippy::type_complexity)]
    pub fn into_parts(self) -> (Option<Card<T>>, Option<Box<dyn RspServer + 'a>>) {
        let card = match self.card {
            Held::Owned(c) => Some(*c),
            Held::Borrowed(_) => None,
        };
        let server = match self.server {
            Held::Owned(s) => Some(s),
            Held::Borrowed(_) => None,
        };
        (card, server)
    }

    fn with(
        card: Held<'a, Card<T>>,
        server: Held<'a, dyn RspServer + 'a>,
        source: Source,
        options: DownloadOptions,
    ) -> Download<'a, T> {
        let apdu_before = card.stats().clone();
        Download {
            address: source.address().to_owned(),
            card,
            server,
            hooks: Box::new(NoHooks),
            source,
            options,
            next: Some(Step::InitiateAuthentication),
            stats: ServerStats::default(),
            apdu_before,
            steps: Vec::new(),
            euicc_info1: None,
            euicc_challenge: None,
            transaction_id: None,
            initiate_response: None,
            authenticate_server_response: None,
            authenticate_client_response: None,
            metadata_der: None,
            cc_required: false,
            prepare_download_response: None,
            bpp: None,
            pir: None,
        }
    }

    /// Every message passes through `hooks` from now on.
    pub fn with_hooks(mut self, hooks: impl Hooks + 'a) -> Self {
        self.hooks = Box::new(hooks);
        self
    }

    /// Replaces the hooks (a scenario gives each of its steps its own).
    pub fn set_hooks(&mut self, hooks: impl Hooks + 'a) {
        self.hooks = Box::new(hooks);
    }

    /// The step [`Download::step`] performs next; `None` when finished.
    pub fn next_step(&self) -> Option<Step> {
        self.next
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The SM-DP+ address in use.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn transaction_id(&self) -> Option<&[u8]> {
        self.transaction_id.as_deref()
    }

    pub fn euicc_info1(&self) -> Option<&[u8]> {
        self.euicc_info1.as_deref()
    }

    pub fn euicc_challenge(&self) -> Option<&[u8; 16]> {
        self.euicc_challenge.as_ref()
    }

    pub fn initiate_authentication_response(&self) -> Option<&Value> {
        self.initiate_response.as_ref()
    }

    pub fn authenticate_server_response(&self) -> Option<&[u8]> {
        self.authenticate_server_response.as_deref()
    }

    pub fn authenticate_client_response(&self) -> Option<&Value> {
        self.authenticate_client_response.as_ref()
    }

    /// The profile metadata the SM-DP+ announced (StoreMetadataRequest DER).
    pub fn metadata_der(&self) -> Option<&[u8]> {
        self.metadata_der.as_deref()
    }

    /// The announced metadata, read.
    pub fn metadata(&self) -> Option<StoreMetadataRequest> {
        self.metadata_der
            .as_deref()
            .and_then(|m| StoreMetadataRequest::decode(m).ok())
    }

    /// Whether the SM-DP+ asked for a confirmation code.
    pub fn confirmation_code_required(&self) -> bool {
        self.cc_required
    }

    pub fn prepare_download_response(&self) -> Option<&[u8]> {
        self.prepare_download_response.as_deref()
    }

    pub fn bound_profile_package(&self) -> Option<&[u8]> {
        self.bpp.as_deref()
    }

    pub fn pir(&self) -> Option<&[u8]> {
        self.pir.as_deref()
    }

    /// Time spent so far, by party and by step.
    pub fn time_split(&self) -> TimeSplit {
        let now = self.card.stats();
        TimeSplit {
            server: self.stats.clone(),
            apdu: crate::card::ApduStats {
                commands: now.commands - self.apdu_before.commands,
                bytes_sent: now.bytes_sent - self.apdu_before.bytes_sent,
                bytes_received: now.bytes_received - self.apdu_before.bytes_received,
                time: now.time.saturating_sub(self.apdu_before.time),
            },
            steps: self.steps.clone(),
        }
    }

    /// The card, e.g. for a check between steps.
    pub fn card(&mut self) -> &mut Card<T> {
        &mut self.card
    }

    /// Performs the next step; returns which step it was.
    pub fn step(&mut self) -> Result<Step, DownloadError> {
        let step = self.next.ok_or(DownloadError::Finished)?;
        let started = Instant::now();
        let result = match step {
            Step::InitiateAuthentication => self.initiate_authentication(),
            Step::AuthenticateServer => self.authenticate_server(),
            Step::AuthenticateClient => self.authenticate_client(),
            Step::Confirm => self.confirm(),
            Step::PrepareDownload => self.prepare_download(),
            Step::GetBoundProfilePackage => self.get_bound_profile_package(),
            Step::LoadBoundProfilePackage => self.load_bound_profile_package(),
            Step::HandleNotification => self.handle_notification(),
            Step::RemoveNotification => self.remove_notification(),
        };
        self.steps.push((step, started.elapsed()));
        match result {
            Ok(()) => {
                self.next = step.next();
                if !self.options.send_notification && self.next == Some(Step::HandleNotification) {
                    self.next = None;
                }
                Ok(step)
            }
            Err(e) => {
                self.next = None;
                Err(e)
            }
        }
    }

    /// Performs steps up to and including `last`.
    pub fn run_until(&mut self, last: Step) -> Result<(), DownloadError> {
        while let Some(next) = self.next {
            if next > last {
                break;
            }
            self.step()?;
        }
        Ok(())
    }

    /// Every remaining step. A PIR with an error is sent to the SM-DP+ like a success and then
    /// reported as [`DownloadError::InstallationFailed`].
    pub fn run(mut self) -> Result<Installed, DownloadError> {
        while self.next.is_some() {
            self.step()?;
        }
        self.installed()
    }

    /// The outcome once the BPP is loaded.
    pub fn installed(&self) -> Result<Installed, DownloadError> {
        let pir = self.pir.clone().ok_or(DownloadError::Protocol {
            step: Step::LoadBoundProfilePackage,
            detail: "no PIR yet".into(),
        })?;
        let protocol = |detail: String| DownloadError::Protocol {
            step: Step::LoadBoundProfilePackage,
            detail,
        };
        if let Some((bpp_command_id, error_reason)) = es10::pir_error(&pir).map_err(protocol)? {
            return Err(DownloadError::InstallationFailed {
                bpp_command_id,
                error_reason,
            });
        }
        let metadata = self.metadata();
        Ok(Installed {
            iccid: metadata.as_ref().and_then(|m| {
                rsp_codec::iccid::Iccid::from_bcd(&m.iccid)
                    .ok()
                    .map(|i| i.as_str().to_owned())
            }),
            isdp_aid: pir_isdp_aid(&pir),
            metadata,
            pir,
        })
    }

    // ------------------------------------------------------------------ plumbing

    fn es10(
        &mut self,
        step: Step,
        function: &'static str,
        request: Vec<u8>,
    ) -> Result<Vec<u8>, DownloadError> {
        let mut request = request;
        self.hooks.outgoing(
            step,
            Outgoing::Es10 {
                function,
                request: &mut request,
            },
        );
        let r = self
            .card
            .es10_raw(&request)
            .map_err(|e| DownloadError::Card {
                step,
                source: e.into(),
            })?;
        self.hooks.incoming(
            step,
            Incoming::Es10 {
                function,
                response: &r.data,
            },
        );
        if r.sw != rsp_codec::apdu::sw::OK {
            return Err(DownloadError::Card {
                step,
                source: crate::card::CardError::Status {
                    command: function.to_owned(),
                    sw: r.sw,
                }
                .into(),
            });
        }
        Ok(r.data)
    }

    fn remote(
        &mut self,
        step: Step,
        function: Es9Function,
        body: Value,
    ) -> Result<Value, DownloadError> {
        let function = RemoteFunction::Es9(function);
        let mut body = body;
        let mut address = self.address.clone();
        self.hooks.outgoing(
            step,
            Outgoing::Remote {
                function,
                address: &mut address,
                body: &mut body,
            },
        );
        let bytes = serde_json::to_vec(&body).expect("a JSON value serialises");
        let started = Instant::now();
        let reply = self.server.post(&address, function.path(), &bytes);
        self.stats.time += started.elapsed();
        self.stats.calls += 1;
        self.stats.bytes_sent += bytes.len() as u64;
        let reply = reply.map_err(|source| RemoteError::Server { function, source })?;
        self.stats.bytes_received += reply.body.len() as u64;
        self.hooks.incoming(
            step,
            Incoming::Remote {
                function,
                status: reply.status,
                body: &reply.body,
            },
        );
        Ok(server::read_answer(function, &reply)?)
    }

    fn field(&self, step: Step, answer: &Value, key: &str) -> Result<Vec<u8>, DownloadError> {
        let s = answer
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| DownloadError::Protocol {
                step,
                detail: format!("answer without {key}"),
            })?;
        Base64Bytes::from_base64(s)
            .map(Base64Bytes::into_bytes)
            .map_err(|e| DownloadError::Protocol {
                step,
                detail: format!("{key}: {e}"),
            })
    }

    fn tlv_field(&self, step: Step, answer: &Value, key: &str) -> Result<Tlv, DownloadError> {
        let bytes = self.field(step, answer, key)?;
        Tlv::parse(&bytes).map_err(|e| DownloadError::Protocol {
            step,
            detail: format!("{key}: {e}"),
        })
    }

    fn tx_hex(&self) -> String {
        hex::encode_upper(self.transaction_id.as_deref().unwrap_or_default())
    }

    // ------------------------------------------------------------------ steps

    fn initiate_authentication(&mut self) -> Result<(), DownloadError> {
        let step = Step::InitiateAuthentication;
        let info1 = self.es10(step, "GetEUICCInfo1", vec![0xBF, 0x20, 0x00])?;
        let ch = self.es10(step, "GetEUICCChallenge", vec![0xBF, 0x2E, 0x00])?;
        let challenge = Tlv::parse(&ch)
            .ok()
            .and_then(|t| {
                t.children()
                    .first()
                    .and_then(Tlv::content)
                    .map(<[u8]>::to_vec)
            })
            .and_then(|c| <[u8; 16]>::try_from(c).ok())
            .ok_or(DownloadError::Protocol {
                step,
                detail: "GetEUICCChallenge answered no 16-byte challenge".into(),
            })?;
        let body = json!({
            "euiccChallenge": Base64Bytes::new(challenge.to_vec()).to_base64(),
            "euiccInfo1": Base64Bytes::new(info1.clone()).to_base64(),
            "smdpAddress": self.address,
        });
        let answer = self.remote(step, Es9Function::InitiateAuthentication, body)?;
        let tx = answer
            .get("transactionId")
            .and_then(Value::as_str)
            .and_then(|t| hex::decode(t).ok())
            .ok_or(DownloadError::Protocol {
                step,
                detail: "answer without a hex transactionId".into(),
            })?;
        self.euicc_info1 = Some(info1);
        self.euicc_challenge = Some(challenge);
        self.transaction_id = Some(tx);
        self.initiate_response = Some(answer);
        Ok(())
    }

    fn authenticate_server(&mut self) -> Result<(), DownloadError> {
        let step = Step::AuthenticateServer;
        let ia = self.initiate_response.clone().unwrap_or_default();
        let request = cons(
            0xBF38,
            vec![
                self.tlv_field(step, &ia, "serverSigned1")?,
                self.tlv_field(step, &ia, "serverSignature1")?,
                self.tlv_field(step, &ia, "euiccCiPKIdToBeUsed")?,
                self.tlv_field(step, &ia, "serverCertificate")?,
                ctx_params1(self.source.matching_id(), &self.options.device_info),
            ],
        );
        let data = self.es10(step, "AuthenticateServer", request.encode_der())?;
        // The answer goes to the SM-DP+ even when it is the error alternative: the server
        // then ends its session with the matching status.
        self.authenticate_server_response = Some(data);
        Ok(())
    }

    fn authenticate_client(&mut self) -> Result<(), DownloadError> {
        let step = Step::AuthenticateClient;
        let response = self
            .authenticate_server_response
            .clone()
            .unwrap_or_default();
        let body = json!({
            "transactionId": self.tx_hex(),
            "authenticateServerResponse": Base64Bytes::new(response).to_base64(),
        });
        let answer = self.remote(step, Es9Function::AuthenticateClient, body)?;
        let metadata = self.field(step, &answer, "profileMetadata")?;
        let signed2 = self.tlv_field(step, &answer, "smdpSigned2")?;
        // smdpSigned2 = { 80 transactionId, 01 ccRequiredFlag, 5F49 bppEuiccOtpk OPT }.
        self.cc_required = signed2
            .children()
            .iter()
            .find(|c| c.tag() == es10::tag(0x01))
            .and_then(Tlv::content)
            .is_some_and(|c| c.first().is_some_and(|b| *b != 0));
        self.metadata_der = Some(metadata);
        self.authenticate_client_response = Some(answer);
        Ok(())
    }

    fn confirm(&mut self) -> Result<(), DownloadError> {
        let reason = match self.options.consent {
            Consent::Accept => None,
            Consent::Reject => Some(CancelReason::EndUserRejection),
            Consent::Postpone => Some(CancelReason::Postponed),
            Consent::Timeout => Some(CancelReason::Timeout),
        };
        if let Some(reason) = reason {
            return Err(self.cancel_with(reason, "the end user did not accept the profile"));
        }
        if self.cc_required && self.options.confirmation_code.is_none() {
            // Postponed, not rejected: a rejection ends the order at the SM-DP+, and the user
            // may simply not have the code at hand yet.
            let _ = self.cancel_with(CancelReason::Postponed, "no confirmation code");
            return Err(DownloadError::ConfirmationCodeRequired);
        }
        Ok(())
    }

    fn prepare_download(&mut self) -> Result<(), DownloadError> {
        let step = Step::PrepareDownload;
        let ac = self
            .authenticate_client_response
            .clone()
            .unwrap_or_default();
        let mut items = vec![
            self.tlv_field(step, &ac, "smdpSigned2")?,
            self.tlv_field(step, &ac, "smdpSignature2")?,
        ];
        if self.cc_required {
            if let Some(code) = &self.options.confirmation_code {
                let h = rsp_crypto::kdf::hash_cc(
                    code.expose().as_bytes(),
                    self.transaction_id.as_deref().unwrap_or_default(),
                );
                items.push(Tlv::primitive(es10::tag(0x04), h.to_vec()));
            }
        }
        items.push(self.tlv_field(step, &ac, "smdpCertificate")?);
        let data = self.es10(step, "PrepareDownload", cons(0xBF21, items).encode_der())?;
        self.prepare_download_response = Some(data);
        Ok(())
    }

    fn get_bound_profile_package(&mut self) -> Result<(), DownloadError> {
        let step = Step::GetBoundProfilePackage;
        let prep = self.prepare_download_response.clone().unwrap_or_default();
        let body = json!({
            "transactionId": self.tx_hex(),
            "prepareDownloadResponse": Base64Bytes::new(prep).to_base64(),
        });
        let answer = self.remote(step, Es9Function::GetBoundProfilePackage, body)?;
        let bpp = self.field(step, &answer, "boundProfilePackage")?;
        self.bpp = Some(bpp);
        Ok(())
    }

    fn load_bound_profile_package(&mut self) -> Result<(), DownloadError> {
        let step = Step::LoadBoundProfilePackage;
        let bpp_bytes = self.bpp.clone().unwrap_or_default();
        let bpp = Tlv::parse(&bpp_bytes).map_err(|e| DownloadError::Protocol {
            step,
            detail: format!("boundProfilePackage: {e}"),
        })?;
        if self.options.check_metadata {
            if let (Some(announced), Some(in_bpp)) = (&self.metadata_der, bpp_metadata(&bpp)) {
                if !same_metadata(announced, &in_bpp) {
                    return Err(self.cancel_with(
                        CancelReason::MetadataMismatch,
                        "the BPP's StoreMetadata differs from the announced metadata",
                    ));
                }
            }
        }
        let mut pieces = rsp_crypto::bpp::lpa_pieces(&bpp);
        self.hooks.outgoing(step, Outgoing::BppPieces(&mut pieces));
        let n = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let r = match self.card.es10_raw(&piece) {
                Ok(r) => r,
                Err(e) => {
                    let cause = format!("piece {} of {n}: {e}", i + 1);
                    return Err(self.cancel_with(CancelReason::LoadBppExecutionError, &cause));
                }
            };
            self.hooks.incoming(
                step,
                Incoming::Es10 {
                    function: "LoadBoundProfilePackage",
                    response: &r.data,
                },
            );
            if r.sw != rsp_codec::apdu::sw::OK {
                let cause = format!(
                    "piece {} of {n}: card answered {}",
                    i + 1,
                    rsp_codec::apdu::sw::describe(r.sw)
                );
                return Err(self.cancel_with(CancelReason::LoadBppExecutionError, &cause));
            }
            if !r.data.is_empty() {
                // A PIR, at the end or early on an error: the card stops processing.
                es10::pir_metadata(&r.data).map_err(|detail| DownloadError::Protocol {
                    step,
                    detail: format!("answer to piece {} of {n} is not a PIR: {detail}", i + 1),
                })?;
                self.pir = Some(r.data);
                return Ok(());
            }
        }
        Err(self.cancel_with(
            CancelReason::LoadBppExecutionError,
            "no ProfileInstallationResult after the last piece",
        ))
    }

    fn handle_notification(&mut self) -> Result<(), DownloadError> {
        let step = Step::HandleNotification;
        let pir = self.pir.clone().unwrap_or_default();
        let metadata =
            es10::pir_metadata(&pir).map_err(|detail| DownloadError::Protocol { step, detail })?;
        // The PIR goes to the notification address it names (normally the same SM-DP+).
        let saved = std::mem::replace(&mut self.address, metadata.notification_address.clone());
        let body = json!({ "pendingNotification": Base64Bytes::new(pir).to_base64() });
        let result = self.remote(step, Es9Function::HandleNotification, body);
        self.address = saved;
        result.map(|_| ())
    }

    fn remove_notification(&mut self) -> Result<(), DownloadError> {
        let step = Step::RemoveNotification;
        let pir = self.pir.clone().unwrap_or_default();
        let metadata =
            es10::pir_metadata(&pir).map_err(|detail| DownloadError::Protocol { step, detail })?;
        let req = cons(
            0xBF30,
            vec![prim(
                0x80,
                rsp_codec::der::encode_integer(metadata.seq_number),
            )],
        );
        let data = self.es10(step, "RemoveNotificationFromList", req.encode_der())?;
        let t = Tlv::parse(&data).map_err(|e| DownloadError::Protocol {
            step,
            detail: e.to_string(),
        })?;
        let code = t
            .children()
            .first()
            .and_then(Tlv::content)
            .and_then(|c| rsp_codec::der::decode_integer(c).ok());
        if code != Some(0) {
            return Err(DownloadError::Protocol {
                step,
                detail: format!("RemoveNotificationFromList answered {code:?}"),
            });
        }
        Ok(())
    }

    // ------------------------------------------------------------------ cancel

    /// Cancels the session with `reason`: ES10b CancelSession, then ES9+ CancelSession with
    /// the card's signed answer. Ends the download.
    pub fn cancel(&mut self, reason: CancelReason) -> Result<(), DownloadError> {
        self.next = None;
        let Some(tx) = self.transaction_id.clone() else {
            return Err(DownloadError::Protocol {
                step: Step::InitiateAuthentication,
                detail: "no session to cancel".into(),
            });
        };
        let step = Step::Confirm;
        let request = cons(
            0xBF41,
            vec![
                prim(0x80, tx),
                prim(0x81, rsp_codec::der::encode_integer(reason.code())),
            ],
        );
        let signed = self.es10(step, "CancelSession", request.encode_der())?;
        let body = json!({
            "transactionId": self.tx_hex(),
            "cancelSessionResponse": Base64Bytes::new(signed).to_base64(),
        });
        self.remote(step, Es9Function::CancelSession, body)?;
        Ok(())
    }

    fn cancel_with(&mut self, reason: CancelReason, cause: &str) -> DownloadError {
        let reported = self.cancel(reason).is_ok();
        DownloadError::Cancelled {
            reason,
            cause: cause.to_owned(),
            reported,
        }
    }
}

/// The StoreMetadataRequest carried in a BPP's `A1` (88 segments are MAC-only: payload ‖ MAC).
pub fn bpp_metadata(bpp: &Tlv) -> Option<Vec<u8>> {
    let a1 = bpp.children().iter().find(|c| c.tag() == es10::tag(0xA1))?;
    let mut out = Vec::new();
    for seg in a1.children() {
        let c = seg.content()?;
        out.extend_from_slice(c.get(..c.len().checked_sub(8)?)?);
    }
    Some(out)
}

/// Whether two StoreMetadataRequest encodings say the same (read through the view, so
/// encoding differences alone are not a mismatch; unreadable ones compare as bytes).
fn same_metadata(a: &[u8], b: &[u8]) -> bool {
    match (
        StoreMetadataRequest::decode(a),
        StoreMetadataRequest::decode(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The ISD-P AID of a successful PIR.
fn pir_isdp_aid(pir: &[u8]) -> Option<Vec<u8>> {
    let t = Tlv::parse(pir).ok()?;
    let data = t.children().first()?;
    let fr = data
        .children()
        .iter()
        .find(|c| c.tag() == es10::tag(0xA2))?;
    let ok = fr
        .children()
        .first()
        .filter(|c| c.tag() == es10::tag(0xA0))?;
    ok.children()
        .iter()
        .find(|c| c.tag() == es10::tag(0x4F))
        .and_then(Tlv::content)
        .map(<[u8]>::to_vec)
}
