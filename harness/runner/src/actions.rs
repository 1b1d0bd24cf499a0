//! The action library: what a scenario step's `do = "…"` calls. Each action drives one role of
//! the world (rspcheck's LPA, the eUICC over ES10, the SM-DP+ over ES2+/ES9+, the SM-DS over
//! ES12, the UICC interface) and reports what it observed; the engine judges the observation
//! against the step's `expect`.
//!
//! Failures are split the TTCN-3 way: what the DUT answered goes into the observation (and may
//! be exactly what a negative case expects); a failure of the harness itself (a bad argument, a
//! reference role that cannot be reached) is [`Observation::harness_error`] and makes the case
//! `error`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_codec::apdu::{sw, CommandApdu};
use rsp_codec::iccid::Iccid;
use rsp_codec::json::{Es2Function, Es9Function, Secret};
use rsp_codec::named::PrettyOptions;
use rsp_codec::path::{self as cpath, FieldValue};
use rsp_codec::schema;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_lpa::download::{Hooks, Incoming, Outgoing};
use rsp_lpa::es10::{pir_error, ResetOptions};
use rsp_lpa::notifications::{self, RetryPolicy};
use rsp_lpa::server::ServerStats;
use rsp_lpa::{
    CancelReason, Consent, Download, DownloadError, DownloadOptions, Es10Error, ProfileFilter,
    ProfileId, RemoteError, Source, Step,
};
use rsp_smdp::faults::ArmedFault;
use rsp_smdp::Order;
use serde_json::{json, Value};

use crate::journal::MessageRecord;
use crate::scenario::{Mutation, MutationOp};
use crate::world::{SmdpSide, World, SMDS_ADDRESS};

/// The type an action argument takes (checked when a suite loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Text,
    Int,
    Bool,
    TextOrInt,
    Table,
    Any,
}

/// An action's signature: name, arguments `(name, kind, required)`, whether its outgoing
/// messages take mutations, and what it does.
pub struct ActionSpec {
    pub name: &'static str,
    pub args: &'static [(&'static str, ArgKind, bool)],
    pub mutable: bool,
    pub doc: &'static str,
}

use ArgKind::*;

/// Every action.
pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "smdp.order",
        args: &[
            ("profile", Text, false),
            ("variant", Text, false),
            ("matching_id", Text, false),
            ("cc", Text, false),
            ("eid", Text, false),
            ("smds", Bool, false),
            ("release", Bool, false),
        ],
        mutable: false,
        doc: "ES2+ DownloadOrder + ConfirmOrder for a profile of vectors/profiles (default \
              minimal-milenage) or ts48/<name>, as given or as one of its compatibility \
              variants (`variant`, crate::compat); eid = \"card\" binds the order to the world's eUICC (default \
              SM-DP+ use: no matching ID unless given), \"other\" to another EID; smds = true \
              registers an SM-DS event. Saves iccid, imsi, matching_id, activation_code.",
    },
    ActionSpec {
        name: "smdp.inventory",
        args: &[("profile", Text, false)],
        mutable: false,
        doc: "Puts a profile of vectors/profiles (default minimal-milenage) into the reference \
              SM-DP+'s inventory, not ordered. Saves iccid and imsi.",
    },
    ActionSpec {
        name: "es2.call",
        args: &[("function", Text, true), ("json", Table, false)],
        mutable: false,
        doc: "An ES2+ call of the operator simulator (DownloadOrder, ConfirmOrder, CancelOrder, \
              ReleaseProfile) with the given JSON (the request header is added); facts status, \
              iccid, matching_id (saved when the answer has them).",
    },
    ActionSpec {
        name: "smdp.arm",
        args: &[
            ("function", Text, false),
            ("fault", Table, true),
            ("times", Int, false),
        ],
        mutable: false,
        doc: "Arms a fault in the reference SM-DP+ for its next answer(s) (rsp_smdp::faults).",
    },
    ActionSpec {
        name: "es2.progress",
        args: &[("count", Int, false)],
        mutable: false,
        doc: "What rspcheck's operator simulator received from the SM-DP+ as ES2+ \
              HandleDownloadProgressInfo (over HTTPS), waiting for `count` calls or for a quiet \
              half second: facts progress.count, progress.points (`<notificationPointId>:<ok | \
              subject/reason>` in arrival order), progress.iccid (the ICCID of all, or mixed), \
              progress.pir (the last resultData PIR: success or error <bppCommandId>/<errorReason>).",
    },
    ActionSpec {
        name: "smdp.order_state",
        args: &[("iccid", Text, false)],
        mutable: false,
        doc: "Facts order.state, order.cc_attempts, order.download_attempts of the reference SM-DP+.",
    },
    ActionSpec {
        name: "smdp.audit",
        args: &[("iccid", Text, false)],
        mutable: false,
        doc: "Fact audit: the reference SM-DP+'s ledger events for the order, e.g. \
              \"ordered,confirmed,released,downloadAttempt:ok\".",
    },
    ActionSpec {
        name: "smdp.clock",
        args: &[("advance_s", Int, true)],
        mutable: false,
        doc: "Moves the reference SM-DP+'s clock forward from the world's time (sessions and \
              orders with a time to live expire).",
    },
    ActionSpec {
        name: "smdp.restart",
        args: &[],
        mutable: false,
        doc: "The reference SM-DP+ loses its sessions (a restart keeping its database).",
    },
    ActionSpec {
        name: "es9.post",
        args: &[
            ("function", Text, true),
            ("body", Text, false),
            ("json", Table, false),
            ("content_type", Text, false),
            ("admin_protocol", Text, false),
        ],
        mutable: true,
        doc: "POSTs a raw body to an ES9+ function of the SM-DP+ (robustness): facts the HTTP \
              status and the functionExecutionStatus.",
    },
    ActionSpec {
        name: "es9.replay",
        args: &[("function", Text, true), ("transaction", Text, false)],
        mutable: true,
        doc: "POSTs again the body rspcheck's LPA last sent to an ES9+ function (an attacker \
              replaying a captured request): transaction = original (default) keeps its \
              transactionId, current puts in the one of the latest session ($transaction_id).",
    },
    ActionSpec {
        name: "es9.sample",
        args: &[("count", Int, false)],
        mutable: false,
        doc: "Opens `count` (default 32) RSP sessions with ES9+ InitiateAuthentication and checks \
              that the transaction IDs and serverChallenges could not be guessed \
              (crate::randomness): facts transaction_ids.unpredictable, \
              server_challenges.unpredictable (true/false).",
    },
    ActionSpec {
        name: "es2.sample_matching_ids",
        args: &[("count", Int, false)],
        mutable: false,
        doc: "Orders `count` (default 32) profiles with ES2+ DownloadOrder and ConfirmOrder \
              without a matchingId, so the SM-DP+ generates each: fact \
              matching_ids.unpredictable (true/false). A DUT SM-DP+ needs that many ICCIDs in \
              its ICS.",
    },
    ActionSpec {
        name: "tls.probe",
        args: &[
            ("version", Text, true),
            ("target", Text, false),
            ("suites", Text, false),
        ],
        mutable: false,
        doc: "A TLS handshake with the SM-DP+ (target smdp, default) or SM-DS (smds) offering \
              only `version` (1.0, 1.1, 1.2, 1.3); 1.2 and 1.3 verify the server certificate \
              (chain to the CI, TLS role, name = the server's address). `suites`: `weak` (TLS \
              1.2 offering only NULL/RC4/3DES suites, hand-built) or one IANA name offered \
              alone (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256). Fact handshake = accepted | \
              refused.",
    },
    ActionSpec {
        name: "lpa.download",
        args: &[
            ("until", Text, false),
            ("source", Text, false),
            ("activation_code", Text, false),
            ("cc", Text, false),
            ("consent", Text, false),
            ("check_metadata", Bool, false),
            ("notify", Bool, false),
        ],
        mutable: true,
        doc: "rspcheck's LPA downloads (source activation_code | default_smdp | event), up to \
              and including step `until` (initiate_authentication … remove_notification) or to \
              the end. Mutations change its outgoing ES10 and ES9+ messages.",
    },
    ActionSpec {
        name: "lpa.continue",
        args: &[("until", Text, false)],
        mutable: true,
        doc: "Continues the download in progress up to `until` or to the end.",
    },
    ActionSpec {
        name: "lpa.cancel",
        args: &[("reason", Text, true)],
        mutable: true,
        doc: "CancelSession of the download in progress on the card and at the SM-DP+ \
              (reason endUserRejection, postponed, timeout, metadataMismatch, \
              loadBppExecutionError, pprNotAllowed, undefinedReason).",
    },
    ActionSpec {
        name: "lpa.discover",
        args: &[("download", Bool, false)],
        mutable: false,
        doc: "ES11 event retrieval at the root SM-DS: facts events (count), has_event (whether \
              $event_id is among them), event_address; saves event_id and event_address of \
              $event_id's event or else the first; with download = true, then downloads it \
              (outcome as lpa.download).",
    },
    ActionSpec {
        name: "lpa.notifications",
        args: &[],
        mutable: false,
        doc: "Sends every pending notification and removes the delivered ones: facts sent, failed.",
    },
    ActionSpec {
        name: "es11.initiate_authentication",
        args: &[("body", Text, false)],
        mutable: true,
        doc: "ES11 InitiateAuthentication at the SM-DS with the card's euiccChallenge and \
              euiccInfo1 (mutations change the JSON or its euiccInfo1), or a raw `body`: status \
              and HTTP status.",
    },
    ActionSpec {
        name: "es10.info",
        args: &[],
        mutable: false,
        doc: "GetEUICCInfo1/2, GetEID, GetEuiccConfiguredAddresses: facts eid, svn, \
              profile_version, firmware, sas, default_dp_address, root_ds_address.",
    },
    ActionSpec {
        name: "es10.challenge",
        args: &[],
        mutable: false,
        doc: "GetEUICCChallenge: fact challenge_length; two calls must differ (fact fresh).",
    },
    ActionSpec {
        name: "es10.profiles",
        args: &[("iccid", Text, false), ("class", Int, false)],
        mutable: false,
        doc: "GetProfilesInfo: facts profiles (count), profile.state / profile.class / \
              profile.nickname of `iccid` (default $iccid) when present.",
    },
    ActionSpec {
        name: "es10.enable",
        args: &[("iccid", Text, false), ("refresh", Bool, false)],
        mutable: false,
        doc: "EnableProfile by ICCID (default $iccid).",
    },
    ActionSpec {
        name: "es10.disable",
        args: &[("iccid", Text, false), ("refresh", Bool, false)],
        mutable: false,
        doc: "DisableProfile by ICCID (default $iccid).",
    },
    ActionSpec {
        name: "es10.delete",
        args: &[("iccid", Text, false)],
        mutable: false,
        doc: "DeleteProfile by ICCID (default $iccid).",
    },
    ActionSpec {
        name: "es10.nickname",
        args: &[("iccid", Text, false), ("nickname", Text, true)],
        mutable: false,
        doc: "SetNickname.",
    },
    ActionSpec {
        name: "es10.memory_reset",
        args: &[
            ("operational", Bool, false),
            ("test", Bool, false),
            ("default_address", Bool, false),
        ],
        mutable: false,
        doc: "eUICCMemoryReset with the chosen options.",
    },
    ActionSpec {
        name: "es10.set_default_address",
        args: &[("address", Text, true)],
        mutable: false,
        doc: "SetDefaultDpAddress.",
    },
    ActionSpec {
        name: "es10.notifications",
        args: &[],
        mutable: false,
        doc: "ListNotification: facts notifications (count), events (comma-separated names).",
    },
    ActionSpec {
        name: "es10.raw",
        args: &[("hex", Text, true)],
        mutable: true,
        doc: "Sends an ES10 request (DER, hex) as STORE DATA: sw, and result when the answer has one.",
    },
    ActionSpec {
        name: "es10.apdus",
        args: &[("apdus", Any, true)],
        mutable: false,
        doc: "Sends raw command APDUs (a list of hex strings) on the ISD-R's logical channel, \
              the channel bits of each CLA set to it (STORE DATA chaining tests): sw is the \
              last status word, fact sws all of them in order.",
    },
    ActionSpec {
        name: "uicc.read_imsi",
        args: &[],
        mutable: false,
        doc: "Over the UICC interface (basic channel): SELECT ADF.USIM from EF.DIR, READ BINARY \
              EF.IMSI: fact imsi (digits), compared with $imsi when set.",
    },
    ActionSpec {
        name: "uicc.authenticate",
        args: &[],
        mutable: false,
        doc: "Over the UICC interface: SELECT ADF.USIM, AUTHENTICATE (3G context) with a MILENAGE \
              vector computed from the ordered profile's K and OPc (vectors/profiles): facts \
              res_matches, ck_matches, ik_matches.",
    },
    ActionSpec {
        name: "uicc.compare_fs",
        args: &[],
        mutable: false,
        doc: "Over the UICC interface (basic channel), reads every EF of the ordered profile's \
              expansion (SELECT by path, or by AID and path under an ADF; READ BINARY / READ \
              RECORD; the profile's PINs and ADM keys verified first) and compares it: facts \
              fs.identical (true/false), fs.compared, fs.different, fs.missing, fs.unreadable.",
    },
    ActionSpec {
        name: "euicc.reset",
        args: &[],
        mutable: false,
        doc: "Resets the card and opens the ISD-R channel again (a download in progress ends).",
    },
    ActionSpec {
        name: "es12.register",
        args: &[
            ("event_id", Text, false),
            ("smdp_address", Text, false),
            ("eid", Text, false),
        ],
        mutable: false,
        doc: "ES12 RegisterEvent at the SM-DS (mutual TLS with CERT.DPtls); saves event_id.",
    },
    ActionSpec {
        name: "es12.delete",
        args: &[("event_id", Text, false), ("eid", Text, false)],
        mutable: false,
        doc: "ES12 DeleteEvent at the SM-DS (eid default: the world's eUICC).",
    },
];

/// Why a step cannot be carried out by an LPA under test driven by command templates (which
/// run start to end, unchanged), if it cannot.
pub fn beyond_lpa_command(
    step: &crate::scenario::StepDef,
    commands: &crate::world::LpaCommands,
) -> Option<String> {
    let missing = |key: &str| {
        Some(format!(
            "{} needs [endpoints] {key} in the LPA's ICS",
            step.action
        ))
    };
    match step.action.as_str() {
        "lpa.continue" | "lpa.cancel" => Some(format!(
            "{} needs rspcheck's own LPA (a command runs a download start to end)",
            step.action
        )),
        "lpa.discover" => {
            if step.args.get("download").and_then(toml::Value::as_bool) != Some(true) {
                Some("lpa.discover without download needs rspcheck's own LPA".into())
            } else if commands.discover.is_none() {
                missing("lpa_command_discover")
            } else {
                None
            }
        }
        "lpa.notifications" if commands.notifications.is_none() => {
            missing("lpa_command_notifications")
        }
        "lpa.download" => {
            if !step.mutate.is_empty() {
                return Some("lpa.download with mutations needs rspcheck's own LPA".into());
            }
            if let Some(k) = ["until", "consent", "check_metadata", "notify"]
                .into_iter()
                .find(|k| step.args.contains_key(*k))
            {
                return Some(format!("lpa.download with `{k}` needs rspcheck's own LPA"));
            }
            match step.args.get("source").and_then(toml::Value::as_str) {
                None | Some("activation_code") => None,
                Some("default_smdp") if commands.default_smdp.is_none() => {
                    missing("lpa_command_default")
                }
                Some("default_smdp") => None,
                Some(other) => Some(format!(
                    "lpa.download with source {other:?} needs rspcheck's own LPA"
                )),
            }
        }
        _ => None,
    }
}

/// Actions that look inside (or arm) a reference role: a case using one of them cannot run
/// when that role is the DUT.
pub fn reference_only(action: &str) -> Option<crate::ics::Role> {
    use crate::ics::Role;
    match action {
        "smdp.arm" | "smdp.order_state" | "smdp.audit" | "smdp.restart" | "smdp.inventory"
        | "smdp.clock" | "es2.progress" => Some(Role::Smdp),
        _ => None,
    }
}

pub fn spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}

pub fn names() -> Vec<&'static str> {
    ACTIONS.iter().map(|a| a.name).collect()
}

/// A function execution status as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObservedStatus {
    Success,
    Failed { subject: String, reason: String },
}

/// What a step saw.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub status: Option<ObservedStatus>,
    /// ES10 result code and its name.
    pub result: Option<(i64, String)>,
    /// PIR: `None` inside = success, `Some((bppCommandId, errorReason))` = error.
    pub pir: Option<Option<(i64, i64)>>,
    pub http_status: Option<u16>,
    pub sw: Option<u16>,
    pub facts: BTreeMap<String, String>,
    pub outcome: Option<String>,
    /// The DUT did not answer in time.
    pub no_response: bool,
    /// A DUT answer the harness could not use (malformed, wrong shape).
    pub dut_error: Option<String>,
    /// The harness failed (bad argument, reference role down): verdict `error`.
    pub harness_error: Option<String>,
    pub notes: Vec<String>,
    pub messages: Vec<MessageRecord>,
    /// What a `fuzz` mutation changed and how the DUT answered the changed message.
    pub fuzz: Option<crate::fuzz::mutation::FuzzApplied>,
}

impl Observation {
    fn harness(detail: impl Into<String>) -> Observation {
        Observation {
            harness_error: Some(detail.into()),
            ..Observation::default()
        }
    }

    /// One line for the report: what was observed.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.harness_error {
            parts.push(format!("harness error: {e}"));
        }
        match &self.status {
            Some(ObservedStatus::Success) => parts.push("status success".into()),
            Some(ObservedStatus::Failed { subject, reason }) => parts.push(format!(
                "status {subject}/{reason} ({})",
                rsp_lpa::server::status_meaning(subject, reason)
            )),
            None => {}
        }
        if let Some((code, name)) = &self.result {
            parts.push(format!("result {name} ({code})"));
        }
        match &self.pir {
            Some(None) => parts.push("PIR success".into()),
            Some(Some((b, r))) => parts.push(format!("PIR error bppCommandId {b} errorReason {r}")),
            None => {}
        }
        if let Some(h) = self.http_status {
            parts.push(format!("HTTP {h}"));
        }
        if let Some(s) = self.sw {
            parts.push(format!("SW {s:04X}"));
        }
        if let Some(o) = &self.outcome {
            parts.push(format!("outcome {o}"));
        }
        if self.no_response {
            parts.push("no response".into());
        }
        if let Some(e) = &self.dut_error {
            parts.push(format!("DUT error: {e}"));
        }
        for (k, v) in &self.facts {
            parts.push(format!("{k}={v}"));
        }
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join("; ")
        }
    }
}

/// What an action gets: the world, the step's arguments (variables substituted) and mutations.
pub struct Ctx<'w> {
    pub world: &'w mut World,
    pub args: toml::Table,
    pub mutations: Vec<Mutation>,
    /// `../shared/vectors` (for `replace_cert` files).
    pub vectors: Option<PathBuf>,
    /// Repository `vectors/` (profiles).
    pub repo_vectors: PathBuf,
}

impl Ctx<'_> {
    fn text(&self, name: &str) -> Option<String> {
        match self.args.get(name)? {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            _ => None,
        }
    }

    fn flag(&self, name: &str, default: bool) -> bool {
        self.args
            .get(name)
            .and_then(toml::Value::as_bool)
            .unwrap_or(default)
    }

    fn var(&self, name: &str) -> Option<String> {
        self.world.vars.get(name).cloned()
    }

    fn iccid_arg(&self) -> Result<String, String> {
        self.text("iccid")
            .or_else(|| self.var("iccid"))
            .ok_or_else(|| "no iccid given and no order made yet ($iccid)".to_owned())
    }

    fn secret(&mut self, value: &str) {
        if !value.is_empty() && !self.world.secrets.iter().any(|s| s == value) {
            self.world.secrets.push(value.to_owned());
        }
    }
}

/// Runs one action.
pub fn run(name: &str, ctx: &mut Ctx<'_>) -> Observation {
    let r = match name {
        "smdp.order" => smdp_order(ctx),
        "smdp.arm" => smdp_arm(ctx),
        "smdp.inventory" => smdp_inventory(ctx),
        "es2.call" => es2_call(ctx),
        "es2.progress" => es2_progress(ctx),
        "smdp.order_state" => smdp_order_state(ctx),
        "smdp.audit" => smdp_audit(ctx),
        "smdp.restart" => smdp_restart(ctx),
        "smdp.clock" => smdp_clock(ctx),
        "es9.post" => es9_post(ctx),
        "es9.replay" => es9_replay(ctx),
        "es9.sample" => es9_sample(ctx),
        "es2.sample_matching_ids" => es2_sample_matching_ids(ctx),
        "tls.probe" => tls_probe(ctx),
        "lpa.download" => lpa_download(ctx, true),
        "lpa.continue" => lpa_download(ctx, false),
        "lpa.cancel" => lpa_cancel(ctx),
        "lpa.discover" => lpa_discover(ctx),
        "lpa.notifications" => lpa_notifications(ctx),
        "es11.initiate_authentication" => es11_initiate_authentication(ctx),
        "es10.info" => es10_info(ctx),
        "es10.challenge" => es10_challenge(ctx),
        "es10.profiles" => es10_profiles(ctx),
        "es10.enable" | "es10.disable" | "es10.delete" => es10_state_change(ctx, name),
        "es10.nickname" => es10_nickname(ctx),
        "es10.memory_reset" => es10_memory_reset(ctx),
        "es10.set_default_address" => es10_set_default_address(ctx),
        "es10.notifications" => es10_notifications(ctx),
        "es10.raw" => es10_raw(ctx),
        "es10.apdus" => es10_apdus(ctx),
        "uicc.read_imsi" => uicc_read_imsi(ctx),
        "uicc.authenticate" => uicc_authenticate(ctx),
        "uicc.compare_fs" => uicc_compare_fs(ctx),
        "euicc.reset" => euicc_reset(ctx),
        "es12.register" => es12_register(ctx),
        "es12.delete" => es12_delete(ctx),
        other => Err(format!("action {other} has no implementation")),
    };
    r.unwrap_or_else(Observation::harness)
}

type ActionResult = Result<Observation, String>;

// ------------------------------------------------------------------ SM-DP+ (ES2+, admin)

fn reference_smdp<'a>(
    ctx: &'a Ctx<'_>,
    what: &str,
) -> Result<&'a std::sync::Arc<rsp_smdp::http::SmdpService<rsp_smdp::MemoryStore>>, String> {
    ctx.world
        .smdp
        .reference()
        .ok_or_else(|| format!("{what} needs the reference SM-DP+ (the SM-DP+ here is the DUT)"))
}

/// An ES2+ call of the operator simulator: in process at the reference SM-DP+, or over
/// mutual TLS (the PKI's operator certificate) to a DUT SM-DP+'s ES2+ endpoint.
fn es2(ctx: &Ctx<'_>, f: Es2Function, body: Value) -> Result<Value, String> {
    if let Some(service) = ctx.world.smdp.reference() {
        let a = service.with(|s| s.handle_es2(f, body.to_string().as_bytes()));
        return serde_json::from_slice(&a.body)
            .map_err(|e| format!("ES2+ {f:?}: answer is not JSON: {e}"));
    }
    let base = ctx
        .world
        .spec
        .es2_dut
        .as_deref()
        .ok_or("the ICS declares no ES2+ endpoint ([endpoints] es2plus) for the SM-DP+")?;
    let base = if base.starts_with("https://") {
        base.trim_end_matches('/').to_owned()
    } else {
        format!("https://{}", base.trim_end_matches('/'))
    };
    let pki = &ctx.world.spec.pki;
    let operator = pki
        .set
        .curves()
        .iter()
        .find_map(|c| c.operator.clone())
        .ok_or("the PKI has no operator certificate for ES2+")?;
    let key = operator
        .key_path
        .as_ref()
        .ok_or("the PKI has no operator private key")?;
    let mut c = rsp_http::ClientConfig::new(rsp_http::Trust::RspRole {
        roots: pki.ci_ders(),
        role: rsp_crypto::cert::Role::DpTls,
    });
    c.client_identity = Some(rsp_http::ClientIdentity {
        cert_chain_der: rsp_http::load_certificates(&operator.path).map_err(|e| e.to_string())?,
        key_der: rsp_http::load_private_key(key).map_err(|e| e.to_string())?,
    });
    c.resolve = ctx.world.spec.resolve.clone();
    c.timeout = ctx.world.spec.timeout;
    let client = rsp_http::HttpClient::new(c).map_err(|e| format!("ES2+ client: {e}"))?;
    let r = client
        .post(
            &format!("{base}{}", f.path()),
            "application/json",
            body.to_string().as_bytes(),
        )
        .map_err(|e| format!("ES2+ {f:?}: {e}"))?;
    if r.status == 204 {
        return Ok(json!({"header": {"functionExecutionStatus": {"status": "Executed-Success"}}}));
    }
    serde_json::from_slice(&r.body)
        .map_err(|e| format!("ES2+ {f:?}: HTTP {} answer is not JSON: {e}", r.status))
}

fn es2_status(v: &Value) -> ObservedStatus {
    let st = &v["header"]["functionExecutionStatus"];
    if st["status"] == "Executed-Success" {
        ObservedStatus::Success
    } else {
        let sc = &st["statusCodeData"];
        ObservedStatus::Failed {
            subject: sc["subjectCode"].as_str().unwrap_or("?").to_owned(),
            reason: sc["reasonCode"].as_str().unwrap_or("?").to_owned(),
        }
    }
}

/// A profile to order: its package (the named variant, or as given), ICCID and IMSI, and the
/// package as given (what the card's file system is compared with). Names are those of
/// `vectors/profiles` (with a `.toml` description) or `ts48/<name>` (`../shared/vectors`).
struct ProfileToOrder {
    package: Vec<u8>,
    original: Vec<u8>,
    iccid: String,
    imsi: Option<String>,
}

fn profile_ids(ctx: &Ctx<'_>, name: &str, variant: Option<&str>) -> Result<ProfileToOrder, String> {
    let dirs = crate::compat::ProfileDirs {
        repo_vectors: ctx.repo_vectors.clone(),
        shared_vectors: ctx.vectors.clone(),
    };
    let path = dirs.path_of(name)?;
    let original =
        crate::compat::read_profile(&path).map_err(|e| format!("profile {name}: {e}"))?;
    let package = match variant {
        None => original.clone(),
        Some(v) => crate::compat::variants_of(&path)?
            .get(v)
            .cloned()
            .ok_or_else(|| format!("profile {name} has no variant {v:?}"))?,
    };
    let description = path.with_extension("toml");
    let (iccid, imsi) = if description.is_file() {
        let t: toml::Table = std::fs::read_to_string(&description)
            .map_err(|e| format!("profile {name}: description: {e}"))?
            .parse()
            .map_err(|e| format!("profile {name}: description: {e}"))?;
        let field = |k: &str| {
            t.get(k)
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("profile {name}: description has no {k}"))
        };
        (field("iccid")?, Some(field("imsi")?))
    } else {
        // No description: the header's ICCID and the expansion's EF.IMSI.
        let p = rsp_profile::package::ProfilePackage::parse(&original)
            .map_err(|e| format!("profile {name}: {e}"))?;
        let iccid = p
            .pes()
            .iter()
            .find_map(|pe| pe.header())
            .and_then(|h| h.iccid_digits())
            .ok_or_else(|| format!("profile {name}: no ICCID in its header"))?;
        let imsi = rsp_profile::expand::expand(&p).ok().and_then(|fs| {
            fs.get("MF/ADF.USIM/EF.IMSI")
                .map(|n| imsi_digits(&n.content))
        });
        (iccid, imsi)
    };
    Ok(ProfileToOrder {
        package,
        original,
        iccid,
        imsi,
    })
}

fn smdp_order(ctx: &mut Ctx<'_>) -> ActionResult {
    let profile = ctx
        .text("profile")
        .unwrap_or_else(|| "minimal-milenage".into());
    let (iccid, imsi) = match ctx.world.smdp.reference() {
        Some(service) => {
            let service = service.clone();
            let p = profile_ids(ctx, &profile, ctx.text("variant").as_deref())?;
            service.with(|s| s.add_profile(Order::available(&p.iccid, p.package, "default")));
            ctx.world.ordered_profile = Some(p.original);
            (p.iccid, p.imsi)
        }
        // A DUT SM-DP+ orders from its own inventory, as the ICS lists it.
        None => (
            ctx.world.spec.dut_iccids.take().ok_or(
                "no ICCID left to order: list the DUT's inventory in the ICS ([endpoints] iccids)",
            )?,
            None,
        ),
    };
    let eid = match ctx.text("eid").as_deref() {
        None => None,
        Some("card") => Some(ctx.world_card_eid()?),
        Some("other") => Some("89049032123451234512345678901235".to_owned()),
        Some(other) => Some(other.to_owned()),
    };
    let smds = ctx.flag("smds", false);
    let header = json!({"functionRequesterIdentifier": "rspcheck-operator",
                        "functionCallIdentifier": "1"});
    let mut obs = Observation::default();
    let mut dl = json!({"header": header, "iccid": iccid});
    if let Some(e) = &eid {
        dl["eid"] = json!(e);
    }
    let answer = es2(ctx, Es2Function::DownloadOrder, dl)?;
    if es2_status(&answer) != ObservedStatus::Success {
        return Err(format!("ES2+ DownloadOrder refused: {answer}"));
    }
    let mut confirm = json!({"header": header, "iccid": iccid,
                             "releaseFlag": ctx.flag("release", true)});
    if let Some(e) = &eid {
        confirm["eid"] = json!(e);
    }
    let given_mid = ctx.text("matching_id");
    // An EID-bound order without a matching ID is the default SM-DP+ use case.
    let matching_id = match (&given_mid, &eid, smds) {
        (Some(m), _, _) => Some(m.clone()),
        (None, Some(_), _) | (None, _, true) => None,
        (None, None, false) => Some(format!(
            "RSPCHECK-{:016X}",
            ctx.world.spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        )),
    };
    // An empty matchingId asks for none at all: the default SM-DP+ use case (ES2+ ConfirmOrder;
    // an absent one makes the SM-DP+ generate a token).
    // Through an SM-DS the SM-DP+ generates the EventID itself (matchingId absent).
    if !smds || matching_id.is_some() {
        confirm["matchingId"] = json!(matching_id.clone().unwrap_or_default());
    }
    if let Some(cc) = ctx.text("cc") {
        confirm["confirmationCode"] = json!(cc);
        ctx.secret(&cc);
        ctx.world.vars.insert("cc".into(), cc);
    }
    if smds {
        confirm["smdsAddress"] = json!(SMDS_ADDRESS);
    }
    let answer = es2(ctx, Es2Function::ConfirmOrder, confirm)?;
    obs.status = Some(es2_status(&answer));
    if obs.status != Some(ObservedStatus::Success) {
        obs.notes
            .push(format!("ConfirmOrder: {}", answer["header"]));
        return Ok(obs);
    }
    let mid = answer["matchingId"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .or(matching_id);
    let address = ctx.world.smdp.address();
    ctx.world.vars.insert("iccid".into(), iccid.clone());
    ctx.world.vars.insert("profile".into(), profile.clone());
    if let Some(imsi) = imsi {
        ctx.world.vars.insert("imsi".into(), imsi);
    }
    if let Some(m) = mid {
        ctx.secret(&m);
        let ac = format!(
            "LPA:1${address}${m}{}",
            if ctx.text("cc").is_some() { "$$1" } else { "" }
        );
        ctx.secret(&ac);
        ctx.world.vars.insert("matching_id".into(), m.clone());
        ctx.world.vars.insert("activation_code".into(), ac);
        if smds {
            ctx.world.vars.insert("event_id".into(), m);
        }
    }
    obs.facts.insert("iccid".into(), iccid);
    Ok(obs)
}

fn smdp_inventory(ctx: &mut Ctx<'_>) -> ActionResult {
    let profile = ctx
        .text("profile")
        .unwrap_or_else(|| "minimal-milenage".into());
    let p = profile_ids(ctx, &profile, None)?;
    let service = reference_smdp(ctx, "smdp.inventory")?.clone();
    let iccid = p.iccid.clone();
    service.with(|s| s.add_profile(Order::available(&p.iccid, p.package, "default")));
    ctx.world.vars.insert("iccid".into(), iccid.clone());
    if let Some(imsi) = p.imsi {
        ctx.world.vars.insert("imsi".into(), imsi);
    }
    let mut obs = Observation::default();
    obs.facts.insert("iccid".into(), iccid);
    Ok(obs)
}

fn es2_call(ctx: &mut Ctx<'_>) -> ActionResult {
    let name = ctx.text("function").unwrap_or_default();
    let f = Es2Function::ALL
        .iter()
        .copied()
        .find(|f| format!("{f:?}").eq_ignore_ascii_case(&name))
        .ok_or_else(|| format!("es2.call: unknown ES2+ function {name:?}"))?;
    let mut body = match ctx.args.get("json") {
        Some(j) => serde_json::to_value(j).map_err(|e| e.to_string())?,
        None => json!({}),
    };
    if let Some(o) = body.as_object_mut() {
        o.entry("header").or_insert(json!({
            "functionRequesterIdentifier": "rspcheck-operator",
            "functionCallIdentifier": "es2-call"
        }));
    }
    let mut obs = Observation::default();
    obs.messages.push(MessageRecord {
        direction: "sent".into(),
        interface: "ES2+".into(),
        function: format!("{f:?}"),
        tree: None,
        hex: None,
        json: Some(body.clone()),
    });
    let answer = es2(ctx, f, body)?;
    obs.status = Some(es2_status(&answer));
    for (key, fact) in [("iccid", "iccid"), ("matchingId", "matching_id")] {
        if let Some(v) = answer[key].as_str().filter(|v| !v.is_empty()) {
            obs.facts.insert(fact.into(), v.to_owned());
        }
    }
    if let Some(m) = obs.facts.get("matching_id").cloned() {
        ctx.secret(&m);
        let ac = format!("LPA:1${}${m}", ctx.world.smdp.address());
        ctx.secret(&ac);
        ctx.world.vars.insert("matching_id".into(), m);
        ctx.world.vars.insert("activation_code".into(), ac);
    }
    obs.messages.push(MessageRecord {
        direction: "received".into(),
        interface: "ES2+".into(),
        function: format!("{f:?}"),
        tree: None,
        hex: None,
        json: Some(answer),
    });
    Ok(obs)
}

impl Ctx<'_> {
    fn world_card_eid(&mut self) -> Result<String, String> {
        let card = self.world.card().ok_or("no card")?;
        card.eid()
            .map(|e| e.to_digits())
            .map_err(|e| format!("GetEID: {e}"))
    }
}

fn es2_progress(ctx: &mut Ctx<'_>) -> ActionResult {
    let op = ctx.world.operator.as_ref().ok_or(
        "es2.progress needs rspcheck's operator simulator, served for the reference SM-DP+",
    )?;
    let want = ctx
        .args
        .get("count")
        .and_then(toml::Value::as_integer)
        .and_then(|n| usize::try_from(n).ok());
    let received = op.received.clone();
    let len = || received.lock().unwrap_or_else(|p| p.into_inner()).len();
    // The SM-DP+ posts from a background thread: wait for it, within the world's timeout.
    let deadline = std::time::Instant::now() + ctx.world.spec.timeout.min(Duration::from_secs(10));
    let quiet = Duration::from_millis(500);
    let (mut last_len, mut last_change) = (len(), std::time::Instant::now());
    while std::time::Instant::now() < deadline {
        let n = len();
        if want.is_some_and(|w| n >= w) {
            break;
        }
        if n != last_len {
            (last_len, last_change) = (n, std::time::Instant::now());
        } else if want.is_none() && n > 0 && last_change.elapsed() >= quiet {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let bodies = received.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut obs = Observation::default();
    let points: Vec<String> = bodies
        .iter()
        .map(|b| {
            let id = b["notificationPointId"].to_string();
            let st = &b["notificationPointStatus"];
            if st["status"] == "Executed-Success" {
                format!("{id}:ok")
            } else {
                let sc = &st["statusCodeData"];
                format!(
                    "{id}:{}/{}",
                    sc["subjectCode"].as_str().unwrap_or("?"),
                    sc["reasonCode"].as_str().unwrap_or("?")
                )
            }
        })
        .collect();
    let iccids: std::collections::BTreeSet<&str> =
        bodies.iter().filter_map(|b| b["iccid"].as_str()).collect();
    // The PIR an installation point carries in resultData.
    if let Some(pir) = bodies
        .iter()
        .filter_map(|b| b["resultData"].as_str())
        .filter_map(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .next_back()
    {
        let text = match pir_error(&pir) {
            Ok(None) => "success".to_owned(),
            Ok(Some((b, r))) => format!("error {b}/{r}"),
            Err(e) => format!("undecodable: {e}"),
        };
        obs.facts.insert("progress.pir".into(), text);
    }
    obs.facts
        .insert("progress.count".into(), bodies.len().to_string());
    obs.facts.insert("progress.points".into(), points.join(","));
    obs.facts.insert(
        "progress.iccid".into(),
        match iccids.len() {
            0 => String::new(),
            1 => iccids.into_iter().next().unwrap_or_default().to_owned(),
            _ => "mixed".into(),
        },
    );
    for b in bodies {
        obs.messages.push(MessageRecord {
            direction: "received".into(),
            interface: "ES2+".into(),
            function: "HandleDownloadProgressInfo".into(),
            tree: json_trees(&b),
            hex: None,
            json: Some(b),
        });
    }
    Ok(obs)
}

fn smdp_arm(ctx: &mut Ctx<'_>) -> ActionResult {
    let mut spec = serde_json::Map::new();
    if let Some(f) = ctx.text("function") {
        spec.insert("function".into(), json!(f));
    }
    let fault = ctx
        .args
        .get("fault")
        .cloned()
        .unwrap_or(toml::Value::Table(Default::default()));
    spec.insert(
        "fault".into(),
        serde_json::to_value(&fault).map_err(|e| e.to_string())?,
    );
    if let Some(t) = ctx.args.get("times").and_then(toml::Value::as_integer) {
        spec.insert("times".into(), json!(t));
    }
    let armed: ArmedFault =
        serde_json::from_value(Value::Object(spec)).map_err(|e| format!("smdp.arm: {e}"))?;
    let service = reference_smdp(ctx, "smdp.arm")?;
    service
        .with(|s| s.arm(armed))
        .map_err(|e| format!("smdp.arm: {e}"))?;
    Ok(Observation::default())
}

fn smdp_order_state(ctx: &mut Ctx<'_>) -> ActionResult {
    let iccid = ctx.iccid_arg()?;
    let service = reference_smdp(ctx, "smdp.order_state")?;
    let order = service
        .with(|s| rsp_smdp::OrderStore::get(s.store(), &iccid))
        .ok_or_else(|| format!("no order for ICCID {iccid}"))?;
    let mut obs = Observation::default();
    obs.facts
        .insert("order.state".into(), order.state.name().to_owned());
    obs.facts
        .insert("order.cc_attempts".into(), order.cc_attempts.to_string());
    obs.facts.insert(
        "order.download_attempts".into(),
        order.download_attempts.to_string(),
    );
    Ok(obs)
}

fn smdp_audit(ctx: &mut Ctx<'_>) -> ActionResult {
    let iccid = ctx.iccid_arg()?;
    let service = reference_smdp(ctx, "smdp.audit")?;
    let entries = service.with(|s| rsp_smdp::OrderStore::audit_log(s.store()));
    let events: Vec<String> = entries
        .into_iter()
        .filter(|e| e.iccid == iccid)
        .map(|e| {
            if e.outcome == "ok" {
                e.event.name().to_owned()
            } else {
                format!("{}:{}", e.event.name(), e.outcome)
            }
        })
        .collect();
    let mut obs = Observation::default();
    obs.facts.insert("audit".into(), events.join(","));
    Ok(obs)
}

fn smdp_clock(ctx: &mut Ctx<'_>) -> ActionResult {
    let advance = ctx
        .args
        .get("advance_s")
        .and_then(toml::Value::as_integer)
        .ok_or("advance_s: seconds")?;
    let service = reference_smdp(ctx, "smdp.clock")?;
    let now = crate::world::reference_time()
        .unix()
        .saturating_add(advance);
    service.with(|s| s.set_time(rsp_crypto::cert::Time::from_unix(now)));
    let mut obs = Observation::default();
    obs.facts.insert("smdp.time".into(), now.to_string());
    Ok(obs)
}

fn smdp_restart(ctx: &mut Ctx<'_>) -> ActionResult {
    let service = reference_smdp(ctx, "smdp.restart")?;
    service.with(|s| s.drop_sessions());
    Ok(Observation::default())
}

fn es9_post(ctx: &mut Ctx<'_>) -> ActionResult {
    let name = ctx.text("function").unwrap_or_default();
    let f = Es9Function::ALL
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(&name))
        .ok_or_else(|| format!("es9.post: unknown ES9+ function {name:?}"))?;
    let mut body: Vec<u8> = match (ctx.text("body"), ctx.args.get("json")) {
        (Some(b), _) => b.into_bytes(),
        (None, Some(j)) => {
            let v = serde_json::to_value(substitute_value(ctx, j)).map_err(|e| e.to_string())?;
            v.to_string().into_bytes()
        }
        (None, None) => b"{}".to_vec(),
    };
    let mut json_body: Option<Value> = serde_json::from_slice(&body).ok();
    if let Some(v) = json_body.as_mut() {
        let mut address = String::new();
        for m in ctx.mutations.clone() {
            apply_json_mutation(ctx, &m, f.name(), v, &mut address)?;
        }
        body = v.to_string().into_bytes();
    } else {
        for m in ctx.mutations.clone() {
            apply_bytes_mutation(&m, &mut body)?;
        }
    }
    let content_type = ctx
        .text("content_type")
        .unwrap_or_else(|| "application/json;charset=UTF-8".into());
    let admin = ctx
        .text("admin_protocol")
        .unwrap_or_else(|| "gsma/rsp/v2.5.0".into());
    post_es9(ctx, f, &body, &content_type, &admin)
}

/// POSTs `body` to ES9+ function `f` of the SM-DP+ with exactly these headers and observes the
/// HTTP status and the functionExecutionStatus.
fn post_es9(
    ctx: &Ctx<'_>,
    f: Es9Function,
    body: &[u8],
    content_type: &str,
    admin: &str,
) -> ActionResult {
    let (url, client) = raw_client(ctx)?;
    let mut obs = Observation::default();
    obs.messages.push(MessageRecord {
        direction: "sent".into(),
        interface: "ES9+".into(),
        function: f.name().into(),
        tree: None,
        hex: None,
        json: serde_json::from_slice(body)
            .ok()
            .or_else(|| Some(Value::String(String::from_utf8_lossy(body).into_owned()))),
    });
    let reply = client.request(
        "POST",
        &format!("{url}{}", f.path()),
        &[("content-type", content_type), ("x-admin-protocol", admin)],
        body,
    );
    match reply {
        Ok(r) => {
            obs.http_status = Some(r.status);
            for (name, value) in &r.headers {
                if matches!(
                    name.as_str(),
                    "x-admin-protocol" | "server" | "content-type"
                ) {
                    obs.facts.insert(format!("header.{name}"), value.clone());
                }
            }
            let v: Option<Value> = serde_json::from_slice(&r.body).ok();
            if let Some(v) = &v {
                if v["header"]["functionExecutionStatus"].is_object() {
                    obs.status = Some(es2_status(v));
                }
            }
            obs.messages.push(MessageRecord {
                direction: "received".into(),
                interface: "ES9+".into(),
                function: f.name().into(),
                tree: None,
                hex: None,
                json: v.or_else(|| {
                    (!r.body.is_empty())
                        .then(|| Value::String(String::from_utf8_lossy(&r.body).into_owned()))
                }),
            });
        }
        Err(e) => {
            obs.no_response = true;
            obs.dut_error = Some(e.to_string());
        }
    }
    Ok(obs)
}

fn es9_function(name: &str) -> Result<Es9Function, String> {
    Es9Function::ALL
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("unknown ES9+ function {name:?}"))
}

fn es9_replay(ctx: &mut Ctx<'_>) -> ActionResult {
    let f = es9_function(&ctx.text("function").unwrap_or_default())?;
    let mut body = ctx
        .world
        .es9_sent
        .get(f.name())
        .cloned()
        .ok_or_else(|| format!("es9.replay: rspcheck's LPA has sent no {} yet", f.name()))?;
    match ctx.text("transaction").as_deref() {
        None | Some("original") => {}
        Some("current") => {
            let t = ctx
                .var("transaction_id")
                .ok_or("es9.replay: no session opened yet ($transaction_id)")?;
            body["transactionId"] = json!(t);
        }
        Some(other) => return Err(format!("transaction {other:?}: original or current")),
    }
    let mut address = String::new();
    for m in ctx.mutations.clone() {
        apply_json_mutation(ctx, &m, f.name(), &mut body, &mut address)?;
    }
    post_es9(
        ctx,
        f,
        body.to_string().as_bytes(),
        "application/json;charset=UTF-8",
        "gsma/rsp/v2.5.0",
    )
}

/// `count` argument of the sampling actions: 16 (the fewest that can show 64 bits) to 256.
fn sample_count(ctx: &Ctx<'_>) -> Result<usize, String> {
    let n = ctx
        .args
        .get("count")
        .and_then(toml::Value::as_integer)
        .unwrap_or(32);
    usize::try_from(n)
        .ok()
        .filter(|n| (16..=256).contains(n))
        .ok_or_else(|| format!("count {n}: 16 to 256"))
}

fn observe_sample(obs: &mut Observation, what: &str, samples: &[Vec<u8>], binary: bool) {
    let a = crate::randomness::assess(samples, binary);
    obs.facts.insert(
        format!("{what}.unpredictable"),
        a.unpredictable().to_string(),
    );
    obs.facts
        .insert(format!("{what}.bits"), format!("{:.0}", a.estimated_bits));
    obs.notes.push(format!("{what}: {}", a.summary()));
}

fn es9_sample(ctx: &mut Ctx<'_>) -> ActionResult {
    use rsp_lpa::server::RemoteFunction;
    let count = sample_count(ctx)?;
    ctx.world.end_download();
    let address = ctx.world.smdp.address();
    let card = ctx.world.card.as_mut().ok_or("no card")?;
    let info1 = card
        .euicc_info1()
        .map_err(|e| format!("GetEUICCInfo1: {e}"))?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let server = ctx.world.https.as_mut().ok_or("no LPA client")?;
    let mut stats = ServerStats::default();
    let (mut transactions, mut challenges) = (Vec::new(), Vec::new());
    let mut obs = Observation::default();
    for i in 0..count {
        // The SM-DP+ only echoes euiccChallenge into serverSigned1; any fresh value will do.
        let mut challenge = [0u8; 16];
        challenge[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let body = json!({
            "euiccChallenge": b64(&challenge),
            "euiccInfo1": b64(&info1),
            "smdpAddress": address,
        });
        let function = RemoteFunction::Es9(Es9Function::InitiateAuthentication);
        let (_, answer) = match rsp_lpa::server::call(
            server.as_mut(),
            &mut stats,
            &address,
            function,
            body.to_string().as_bytes(),
        ) {
            Ok(r) => r,
            Err(e) => {
                obs.notes.push(format!("session {}: {e}", i + 1));
                observe_remote(&mut obs, e);
                return Ok(obs);
            }
        };
        let tx = answer["transactionId"]
            .as_str()
            .and_then(|t| hex::decode(t).ok());
        let challenge = answer["serverSigned1"]
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .and_then(|der| Tlv::parse(&der).ok())
            .and_then(|t| {
                t.child(Tag::of(0x84))
                    .and_then(|c| c.content().map(<[u8]>::to_vec))
            });
        match (tx, challenge) {
            (Some(t), Some(c)) => {
                transactions.push(t);
                challenges.push(c);
            }
            _ => {
                obs.dut_error = Some(format!(
                    "session {}: no hex transactionId or no serverChallenge in serverSigned1",
                    i + 1
                ));
                return Ok(obs);
            }
        }
    }
    obs.status = Some(ObservedStatus::Success);
    observe_sample(&mut obs, "transaction_ids", &transactions, true);
    observe_sample(&mut obs, "server_challenges", &challenges, true);
    Ok(obs)
}

/// An ICCID (19 digits and the Luhn check digit) for the `i`th sample profile.
fn sample_iccid(i: usize) -> String {
    let body = format!("899990000000017{:04}", i % 10_000);
    // 19 ASCII digits always have a check digit.
    let check = rsp_codec::iccid::luhn_check_digit(&body).unwrap_or(0);
    format!("{body}{check}")
}

fn es2_sample_matching_ids(ctx: &mut Ctx<'_>) -> ActionResult {
    let count = sample_count(ctx)?;
    let mut iccids = Vec::new();
    match ctx.world.smdp.reference() {
        Some(service) => {
            let package = profile_ids(ctx, "minimal-milenage", None)?.package;
            for i in 0..count {
                let iccid = sample_iccid(i);
                service
                    .with(|s| s.add_profile(Order::available(&iccid, package.clone(), "default")));
                iccids.push(iccid);
            }
        }
        None => {
            for _ in 0..count {
                iccids.push(ctx.world.spec.dut_iccids.take().ok_or_else(|| {
                    format!("es2.sample_matching_ids needs {count} ICCIDs in the ICS ([endpoints] iccids)")
                })?);
            }
        }
    }
    let header = json!({"functionRequesterIdentifier": "rspcheck-operator",
                        "functionCallIdentifier": "1"});
    let mut obs = Observation::default();
    let mut ids = Vec::new();
    for iccid in &iccids {
        let dl = es2(
            ctx,
            Es2Function::DownloadOrder,
            json!({"header": header, "iccid": iccid}),
        )?;
        if es2_status(&dl) != ObservedStatus::Success {
            obs.status = Some(es2_status(&dl));
            obs.notes.push(format!("DownloadOrder {iccid}: {dl}"));
            return Ok(obs);
        }
        let confirm = json!({"header": header, "iccid": iccid, "releaseFlag": true});
        let answer = es2(ctx, Es2Function::ConfirmOrder, confirm)?;
        match answer["matchingId"].as_str() {
            Some(m) if es2_status(&answer) == ObservedStatus::Success => {
                ctx.secret(m);
                ids.push(m.as_bytes().to_vec());
            }
            _ => {
                obs.status = Some(es2_status(&answer));
                obs.dut_error = Some(format!("ConfirmOrder {iccid}: no generated matchingId"));
                return Ok(obs);
            }
        }
    }
    obs.status = Some(ObservedStatus::Success);
    observe_sample(&mut obs, "matching_ids", &ids, false);
    Ok(obs)
}

fn tls_probe(ctx: &mut Ctx<'_>) -> ActionResult {
    let version = ctx.text("version").unwrap_or_default();
    let (address, role) = match ctx.text("target").as_deref() {
        None | Some("smdp") => (ctx.world.smdp.address(), rsp_crypto::cert::Role::DpTls),
        Some("smds") => (
            ctx.world
                .spec
                .smds_dut
                .clone()
                .unwrap_or_else(|| SMDS_ADDRESS.to_owned()),
            rsp_crypto::cert::Role::DsTls,
        ),
        Some(other) => return Err(format!("target {other:?}: smdp or smds")),
    };
    let socket = server_socket(ctx, &address)?;
    let mut obs = Observation::default();
    let suites = ctx.text("suites");
    let outcome = match (version.as_str(), suites.as_deref()) {
        ("1.0" | "1.1", _) => {
            let v = if version == "1.0" { 0x0301 } else { 0x0302 };
            crate::tls_probe::raw_handshake(
                socket,
                &address,
                v,
                &crate::tls_probe::LEGACY_SUITES,
                ctx.world.spec.timeout,
            )
        }
        ("1.2", Some("weak")) => crate::tls_probe::raw_handshake(
            socket,
            &address,
            0x0303,
            &crate::tls_probe::WEAK_SUITES,
            ctx.world.spec.timeout,
        ),
        ("1.2" | "1.3", _) => {
            let mut c = rsp_http::ClientConfig::new(rsp_http::Trust::RspRole {
                roots: ctx.world.spec.pki.ci_ders(),
                role,
            });
            c.timeout = ctx.world.spec.timeout;
            c.retries = 0;
            c.tls12 = version == "1.2";
            c.tls13 = version == "1.3";
            c.cipher_suites = suites.map(|s| vec![s]);
            c.resolve = vec![(address.clone(), socket)];
            let client = rsp_http::HttpClient::new(c).map_err(|e| e.to_string())?;
            // Any HTTP answer means the handshake (and the certificate checks) passed.
            match client.post(
                &format!("https://{address}/gsma/rsp2/es9plus/initiateAuthentication"),
                "application/json",
                b"{}",
            ) {
                Ok(r) => crate::tls_probe::Handshake::Accepted(format!("HTTP {}", r.status)),
                Err(e) => crate::tls_probe::Handshake::Refused(e.to_string()),
            }
        }
        (other, _) => return Err(format!("version {other:?}: 1.0, 1.1, 1.2 or 1.3")),
    };
    match outcome {
        crate::tls_probe::Handshake::Accepted(d) => {
            obs.facts.insert("handshake".into(), "accepted".into());
            obs.notes.push(format!("TLS {version}: accepted ({d})"));
        }
        crate::tls_probe::Handshake::Refused(d) => {
            obs.facts.insert("handshake".into(), "refused".into());
            obs.notes.push(format!("TLS {version}: refused ({d})"));
        }
        crate::tls_probe::Handshake::Silent => {
            obs.no_response = true;
            obs.facts.insert("handshake".into(), "no answer".into());
        }
    }
    Ok(obs)
}

/// Where a server named `address` (`host` or `host:port`) listens: the world's overrides first,
/// then DNS.
fn server_socket(ctx: &Ctx<'_>, address: &str) -> Result<std::net::SocketAddr, String> {
    let host = address.split(':').next().unwrap_or(address);
    let mut overrides: Vec<(String, std::net::SocketAddr)> = ctx.world.spec.resolve.clone();
    if let SmdpSide::Reference { handle, .. } = &ctx.world.smdp {
        overrides.push((crate::world::SMDP_ADDRESS.into(), handle.local_addr()));
    }
    if let Some(s) = &ctx.world.smds {
        overrides.push((SMDS_ADDRESS.into(), s.es11.local_addr()));
    }
    if let Some((_, a)) = overrides
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(address))
        .or_else(|| overrides.iter().find(|(k, _)| k.eq_ignore_ascii_case(host)))
    {
        return Ok(*a);
    }
    use std::net::ToSocketAddrs;
    let with_port = if address.contains(':') {
        address.to_owned()
    } else {
        format!("{address}:443")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("{address}: {e}"))?
        .next()
        .ok_or_else(|| format!("{address}: no address"))
}

/// An HTTPS client to the SM-DP+ sending exactly the headers a step gives.
fn raw_client(ctx: &Ctx<'_>) -> Result<(String, rsp_http::HttpClient), String> {
    let mut c = rsp_http::ClientConfig::new(rsp_http::Trust::RspRole {
        roots: ctx.world.spec.pki.ci_ders(),
        role: rsp_crypto::cert::Role::DpTls,
    });
    c.timeout = ctx.world.spec.timeout;
    c.admin_protocol = None;
    c.resolve = ctx.world.spec.resolve.clone();
    if let SmdpSide::Reference { handle, .. } = &ctx.world.smdp {
        c.resolve
            .push((crate::world::SMDP_ADDRESS.into(), handle.local_addr()));
    }
    let client = rsp_http::HttpClient::new(c).map_err(|e| e.to_string())?;
    Ok((format!("https://{}", ctx.world.smdp.address()), client))
}

// ------------------------------------------------------------------ LPA

/// The mutations of a step applied to the download's outgoing messages, and every message
/// recorded for the report.
struct StepHooks {
    mutations: Vec<Mutation>,
    vectors: Option<PathBuf>,
    pki: std::sync::Arc<crate::world::Pki>,
    log: std::rc::Rc<std::cell::RefCell<HookLog>>,
}

#[derive(Default)]
struct HookLog {
    messages: Vec<MessageRecord>,
    errors: Vec<String>,
    applied: usize,
    /// The last ES10 answer that was an error alternative: (code, name).
    es10_error: Option<(i64, String)>,
    fuzz: Option<crate::fuzz::mutation::FuzzApplied>,
}

impl HookLog {
    /// Records what a `fuzz` mutation of `function`'s message did.
    fn fuzzed(&mut self, function: &str, r: Result<crate::fuzz::mutation::FuzzApplied, String>) {
        match r {
            Ok(applied) => {
                self.applied += 1;
                self.fuzz = Some(applied);
            }
            Err(e) => self.errors.push(format!("{function}: {e}")),
        }
    }
}

impl Hooks for StepHooks {
    fn outgoing(&mut self, _step: Step, message: Outgoing<'_>) {
        let mut log = self.log.borrow_mut();
        match message {
            Outgoing::Es10 { function, request } => {
                for m in self
                    .mutations
                    .iter()
                    .filter(|m| applies(m, function) && !targets_json(m))
                {
                    if m.op == MutationOp::Fuzz {
                        let r = crate::fuzz::mutation::es10(m, function, request);
                        log.fuzzed(function, r);
                        continue;
                    }
                    match apply_der_mutation(m, request, self.vectors.as_deref(), &self.pki) {
                        Ok(()) => log.applied += 1,
                        Err(e) => log.errors.push(format!("{function}: {e}")),
                    }
                }
                log.messages
                    .push(der_record("sent", "ES10", function, request));
            }
            Outgoing::Remote {
                function,
                address,
                body,
            } => {
                // A DER mutation without `field` is for the ES10 message of the same name
                // (CancelSession exists on both interfaces).
                for m in self
                    .mutations
                    .iter()
                    .filter(|m| applies(m, function.name()) && targets_json(m))
                {
                    if m.op == MutationOp::Fuzz {
                        let r = crate::fuzz::mutation::json(m, function.name(), body);
                        log.fuzzed(function.name(), r);
                        continue;
                    }
                    let r = json_mutation(m, body, address, self.vectors.as_deref(), &self.pki);
                    match r {
                        Ok(()) => log.applied += 1,
                        Err(e) => log.errors.push(format!("{}: {e}", function.name())),
                    }
                }
                log.messages.push(MessageRecord {
                    direction: "sent".into(),
                    interface: function.interface().into(),
                    function: function.name().into(),
                    tree: json_trees(body),
                    hex: None,
                    json: Some(body.clone()),
                });
            }
            Outgoing::BppPieces(pieces) => {
                for m in self
                    .mutations
                    .iter()
                    .filter(|m| applies(m, "LoadBoundProfilePackage"))
                {
                    if m.op == MutationOp::Fuzz {
                        let r = crate::fuzz::mutation::pieces(m, pieces);
                        log.fuzzed("LoadBoundProfilePackage", r);
                        continue;
                    }
                    // Pieces are addressed by `key = "<index>"` (negative: from the end).
                    let index = |k: Option<i64>| {
                        let n = i64::try_from(pieces.len()).ok()?;
                        let i = k?;
                        let i = if i < 0 { n + i } else { i };
                        usize::try_from(i).ok().filter(|&i| i < pieces.len())
                    };
                    let key = index(m.key.as_deref().and_then(|k| k.parse::<i64>().ok()));
                    let r = match (m.op, key) {
                        (_, None) => Err(format!(
                            "LoadBoundProfilePackage mutations need key = a piece index (0 to {})",
                            pieces.len().saturating_sub(1)
                        )),
                        (MutationOp::Swap, Some(i)) => match index(m.int) {
                            Some(j) => {
                                pieces.swap(i, j);
                                Ok(())
                            }
                            None => Err("swap: int is not a piece index".into()),
                        },
                        (MutationOp::Remove, Some(i)) => {
                            pieces.remove(i);
                            Ok(())
                        }
                        (_, Some(i)) => apply_bytes_mutation(m, &mut pieces[i]),
                    };
                    match r {
                        Ok(()) => log.applied += 1,
                        Err(e) => log.errors.push(e),
                    }
                }
                log.messages.push(MessageRecord {
                    direction: "sent".into(),
                    interface: "ES10b".into(),
                    function: "LoadBoundProfilePackage".into(),
                    tree: None,
                    hex: None,
                    json: Some(json!({ "pieces": pieces.len(),
                        "bytes": pieces.iter().map(Vec::len).sum::<usize>() })),
                });
            }
        }
    }

    fn incoming(&mut self, _step: Step, message: Incoming<'_>) {
        let mut log = self.log.borrow_mut();
        match message {
            Incoming::Es10 { function, response } => {
                // Pieces of a BPP are answered by the PIR as a whole (below, after the
                // download); an empty answer (a status word error) accepts nothing.
                if let Some(f) = log.fuzz.as_mut().filter(|f| {
                    f.awaits(function)
                        && function != "LoadBoundProfilePackage"
                        && !response.is_empty()
                }) {
                    f.answer = Some(match error_alternative(response) {
                        None => crate::fuzz::mutation::Answer::Accepted,
                        Some(code) => crate::fuzz::mutation::Answer::Refused(format!(
                            "{} ({code})",
                            rsp_lpa::es10::result_name(function, code)
                        )),
                    });
                }
                // The LPA forwards AuthenticateServer/PrepareDownload errors to the SM-DP+; the
                // card's own answer is what an eUICC case judges.
                if let Some(code) = error_alternative(response) {
                    log.es10_error =
                        Some((code, rsp_lpa::es10::result_name(function, code).into()));
                }
                log.messages
                    .push(der_record("received", "ES10", function, response));
            }
            Incoming::Remote {
                function,
                status,
                body,
            } => {
                let json: Option<Value> = serde_json::from_slice(body).ok();
                if let Some(f) = log.fuzz.as_mut().filter(|f| f.awaits(function.name())) {
                    f.answer = Some(crate::fuzz::mutation::Answer::of_remote(
                        status,
                        json.as_ref(),
                    ));
                }
                log.messages.push(MessageRecord {
                    direction: "received".into(),
                    interface: function.interface().into(),
                    function: format!("{} (HTTP {status})", function.name()),
                    tree: json.as_ref().and_then(json_trees),
                    hex: None,
                    json,
                })
            }
        }
    }
}

/// Whether a mutation is for an ES9+/ES11 JSON body (it names a JSON key or a base64 field)
/// rather than an ES10 request; `on = "CancelSession"` names both interfaces' functions.
fn targets_json(m: &Mutation) -> bool {
    m.field.is_some()
        || matches!(m.op, MutationOp::JsonSet | MutationOp::JsonRemove)
        || (m.op == MutationOp::Fuzz
            && m.strategy
                .as_deref()
                .is_some_and(|s| s.starts_with("json:")))
}

fn applies(m: &Mutation, function: &str) -> bool {
    m.on.as_deref()
        .is_none_or(|on| on.eq_ignore_ascii_case(function))
}

/// A DER message for the report: its named tree (when a schema type matches its tag) and hex.
pub fn der_record(direction: &str, interface: &str, function: &str, der: &[u8]) -> MessageRecord {
    MessageRecord {
        direction: direction.into(),
        interface: interface.into(),
        function: function.into(),
        tree: tree_for(der, Some(direction == "sent")),
        hex: Some(hex::encode_upper(der)),
        json: None,
    }
}

/// Named trees of the base64 DER fields of an ES9+/ES11 JSON body (`field:` then its tree).
pub fn json_trees(body: &Value) -> Option<String> {
    let mut out = String::new();
    for (key, v) in body.as_object()? {
        let Some(text) = v.as_str() else { continue };
        let Ok(der) = base64::engine::general_purpose::STANDARD.decode(text) else {
            continue;
        };
        if let Some(tree) = tree_of(&der) {
            out.push_str(&format!("{key}:\n{tree}\n"));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The codec's named tree of a DER message, secrets masked. Requests and responses often share
/// a tag (BF20, BF2E …): the type that decodes with no unknown fields wins, a request type
/// for what was sent and a response type for what came back breaking ties.
pub fn tree_of(der: &[u8]) -> Option<String> {
    tree_for(der, None)
}

fn tree_for(der: &[u8], sent: Option<bool>) -> Option<String> {
    let tlv = Tlv::parse(der).ok()?;
    let opts = PrettyOptions::default();
    let mut best: Option<(u8, String)> = None;
    for ty in schema::by_tag(tlv.tag()) {
        let d = rsp_codec::named::decode(ty, &tlv);
        let mut score = 0u8;
        if d.is_valid() {
            score += 4;
        }
        if d.root.unknown_paths().is_empty() {
            score += 2;
        }
        if sent.is_some_and(|s| s == ty.name.ends_with("Request")) {
            score += 1;
        }
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, rsp_codec::named::pretty(&d.root, &opts)));
        }
    }
    best.map(|(_, t)| t)
}

fn source_of(ctx: &Ctx<'_>) -> Result<Source, String> {
    let kind = ctx
        .text("source")
        .unwrap_or_else(|| "activation_code".into());
    match kind.as_str() {
        "activation_code" => {
            let text = ctx
                .text("activation_code")
                .or_else(|| ctx.var("activation_code"))
                .ok_or("no activation code: give one or make an order first")?;
            let ac = ActivationCode::parse(&text, &ParseOptions::lab())
                .map_err(|e| format!("activation code: {e}"))?;
            Ok(Source::ActivationCode(ac))
        }
        "default_smdp" => Ok(Source::DefaultSmdp {
            address: ctx.world.smdp.address(),
        }),
        "event" => Ok(Source::Event {
            address: ctx
                .var("event_address")
                .unwrap_or_else(|| ctx.world.smdp.address()),
            event_id: Secret::new(
                ctx.var("event_id")
                    .ok_or("no event: run lpa.discover first")?,
            ),
        }),
        other => Err(format!(
            "source {other:?}: activation_code, default_smdp or event"
        )),
    }
}

fn lpa_download(ctx: &mut Ctx<'_>, start: bool) -> ActionResult {
    let until = match ctx.text("until") {
        Some(u) => Some(Step::from_name(&u).ok_or_else(|| {
            format!(
                "until {u:?}: one of {}",
                Step::ALL.map(Step::name).join(", ")
            )
        })?),
        None => None,
    };
    let log = std::rc::Rc::new(std::cell::RefCell::new(HookLog::default()));
    let hooks = StepHooks {
        mutations: ctx.mutations.clone(),
        vectors: ctx.vectors.clone(),
        pki: ctx.world.spec.pki.clone(),
        log: log.clone(),
    };
    if start {
        if let Some(commands) = ctx.world.spec.lpa_command.clone() {
            let template = match ctx.text("source").as_deref() {
                Some("default_smdp") => commands
                    .default_smdp
                    .ok_or("the LPA's ICS has no lpa_command_default")?,
                _ => commands.download,
            };
            return crate::lpa_command::run_command(
                ctx,
                &template,
                crate::lpa_command::Kind::Download,
            );
        }
        ctx.world.end_download();
        let source = match source_of(ctx) {
            Ok(s) => s,
            // The LPA refusing a malformed activation code is its observable behaviour.
            Err(e) if e.starts_with("activation code:") => {
                let mut obs = Observation {
                    outcome: Some("ac_refused".into()),
                    ..Observation::default()
                };
                obs.notes.push(e);
                return Ok(obs);
            }
            Err(e) => return Err(e),
        };
        let consent = match ctx.text("consent").as_deref() {
            None | Some("accept") => Consent::Accept,
            Some("reject") => Consent::Reject,
            Some("postpone") => Consent::Postpone,
            Some("timeout") => Consent::Timeout,
            Some(o) => return Err(format!("consent {o:?}: accept, reject, postpone, timeout")),
        };
        // `cc = ""` is the user entering no code at all.
        let cc = ctx
            .text("cc")
            .or_else(|| ctx.var("cc"))
            .filter(|c| !c.is_empty());
        let options = DownloadOptions {
            confirmation_code: cc.map(Secret::new),
            consent,
            check_metadata: ctx.flag("check_metadata", true),
            send_notification: ctx.flag("notify", true),
            ..DownloadOptions::default()
        };
        let card = ctx.world.card.take().ok_or("the card is in use")?;
        let server = ctx.world.https.take().ok_or("the LPA client is in use")?;
        ctx.world.download = Some(Download::owning(card, server, source, options));
    }
    let audit_before = crate::lpa_command::audit_len(ctx);
    let download = ctx
        .world
        .download
        .as_mut()
        .ok_or("no download in progress (start one with lpa.download)")?;
    // The hooks of this step only: a later step brings its own mutations.
    download.set_hooks(hooks);
    let mut obs = Observation::default();
    let result = loop {
        let Some(next) = download.next_step() else {
            break Ok(());
        };
        let r = download.step();
        if let Err(e) = r {
            break Err(e);
        }
        if Some(next) == until {
            break Ok(());
        }
    };
    obs.facts.insert(
        "next_step".into(),
        download
            .next_step()
            .map(Step::name)
            .unwrap_or("finished")
            .to_owned(),
    );
    let transaction_id = download
        .initiate_authentication_response()
        .and_then(|v| v["transactionId"].as_str())
        .map(str::to_owned);
    let pir_failed = download
        .pir()
        .and_then(|p| pir_error(p).ok())
        .is_some_and(|e| e.is_some());
    if let Some(pir) = download.pir() {
        obs.pir = pir_error(pir).ok();
        if let Some((status, id)) = failed_pe_status(pir) {
            obs.facts.insert("pe_status".into(), status.to_string());
            if let Some(id) = id {
                obs.facts.insert("pe_identification".into(), id.to_string());
            }
        }
        obs.messages.push(der_record(
            "received",
            "ES10b",
            "ProfileInstallationResult",
            pir,
        ));
    }
    let result_failed = result.is_err();
    match result {
        Ok(()) => {
            obs.status = Some(ObservedStatus::Success);
            if download.next_step().is_none() {
                obs.outcome = Some(
                    if pir_failed {
                        "install_failed"
                    } else {
                        "installed"
                    }
                    .into(),
                );
            }
        }
        Err(e) => observe_download_error(&mut obs, e),
    }
    // A download that ended without installing is described the way an LPA under test driven
    // by a command is (crate::lpa_command): `ac_refused` when the SM-DP+ recorded nothing of
    // it, `failed` otherwise.
    if obs.outcome.is_none() && result_failed {
        let seen = crate::lpa_command::audit_since(ctx, audit_before);
        let reference = ctx.world.smdp.reference().is_some();
        obs.outcome = Some(
            if reference && seen.is_empty() {
                "ac_refused"
            } else {
                "failed"
            }
            .into(),
        );
    }
    let mut l = std::mem::take(&mut *log.borrow_mut());
    if let Some(f) = l.fuzz.as_mut() {
        // The BPP's pieces are answered by the PIR as a whole.
        if f.function == "LoadBoundProfilePackage" && f.answer.is_none() {
            f.answer = obs.pir.as_ref().map(|p| match p {
                None => crate::fuzz::mutation::Answer::Accepted,
                Some((b, r)) => crate::fuzz::mutation::Answer::Refused(format!(
                    "PIR error bppCommandId {b} errorReason {r}"
                )),
            });
        }
    }
    obs.fuzz = l.fuzz.take();
    if let Some(t) = transaction_id {
        ctx.world.vars.insert("transaction_id".into(), t);
    }
    remember_sent(ctx.world, &l.messages);
    if obs.result.is_none() {
        obs.result = l.es10_error;
    }
    obs.messages.extend(l.messages);
    if !l.errors.is_empty() {
        obs.harness_error = Some(format!("mutation not applied: {}", l.errors.join("; ")));
    } else if l.applied == 0 && !ctx.mutations.is_empty() {
        obs.harness_error = Some("no message of the step matched the mutations".into());
    }
    Ok(obs)
}

/// Keeps the ES9+ bodies rspcheck's LPA sent, for `es9.replay`.
fn remember_sent(world: &mut World, messages: &[MessageRecord]) {
    for m in messages {
        if let (true, Some(body)) = (m.direction == "sent" && m.interface == "ES9+", &m.json) {
            world.es9_sent.insert(m.function.clone(), body.clone());
        }
    }
}

fn observe_download_error(obs: &mut Observation, e: DownloadError) {
    obs.notes.push(e.to_string());
    match e {
        DownloadError::Remote(r) => observe_remote(obs, r),
        DownloadError::Card { source, .. } => observe_es10(obs, source),
        DownloadError::Cancelled { reason, .. } => {
            obs.outcome = Some(format!("cancelled:{}", reason.name()));
            obs.status = Some(ObservedStatus::Success);
        }
        DownloadError::InstallationFailed { .. } => {
            obs.outcome = Some("install_failed".into());
        }
        DownloadError::ConfirmationCodeRequired => {
            obs.outcome = Some("confirmation_code_required".into());
        }
        DownloadError::Protocol { step, detail } => {
            obs.dut_error = Some(format!("{}: {detail}", step.name()));
        }
        DownloadError::Finished => obs.harness_error = Some("the download had finished".into()),
    }
}

fn observe_remote(obs: &mut Observation, e: RemoteError) {
    match e {
        RemoteError::Failed {
            subject, reason, ..
        } => {
            obs.status = Some(ObservedStatus::Failed { subject, reason });
            obs.http_status = Some(200);
        }
        RemoteError::HttpStatus { status, body, .. } => {
            obs.http_status = Some(status);
            obs.dut_error = Some(format!("HTTP {status}: {body}"));
        }
        RemoteError::Malformed { function, detail } => {
            obs.dut_error = Some(format!("{function}: malformed answer: {detail}"));
        }
        RemoteError::Server { function, source } => {
            obs.no_response = true;
            obs.dut_error = Some(format!("{function}: {source}"));
        }
    }
}

fn observe_es10(obs: &mut Observation, e: Es10Error) {
    match e {
        Es10Error::Rejected { code, name, .. } => obs.result = Some((code, name.to_owned())),
        Es10Error::Card(rsp_lpa::CardError::Status { sw, .. }) => {
            obs.sw = Some(sw);
            obs.dut_error = Some(format!("status word {sw:04X}"));
        }
        other => obs.dut_error = Some(other.to_string()),
    }
}

fn lpa_cancel(ctx: &mut Ctx<'_>) -> ActionResult {
    let name = ctx.text("reason").unwrap_or_default();
    let reason = CancelReason::ALL
        .into_iter()
        .find(|r| r.name() == name)
        .ok_or_else(|| format!("reason {name:?}: a CancelSessionReason name"))?;
    let log = std::rc::Rc::new(std::cell::RefCell::new(HookLog::default()));
    let hooks = StepHooks {
        mutations: ctx.mutations.clone(),
        vectors: ctx.vectors.clone(),
        pki: ctx.world.spec.pki.clone(),
        log: log.clone(),
    };
    let download = ctx
        .world
        .download
        .as_mut()
        .ok_or("no download in progress")?;
    download.set_hooks(hooks);
    let mut obs = Observation::default();
    match download.cancel(reason) {
        Ok(()) => obs.status = Some(ObservedStatus::Success),
        Err(e) => observe_download_error(&mut obs, e),
    }
    let l = std::mem::take(&mut *log.borrow_mut());
    remember_sent(ctx.world, &l.messages);
    if obs.result.is_none() {
        obs.result = l.es10_error;
    }
    obs.messages.extend(l.messages);
    if !l.errors.is_empty() {
        obs.harness_error = Some(format!("mutation not applied: {}", l.errors.join("; ")));
    } else if l.applied == 0 && !ctx.mutations.is_empty() {
        obs.harness_error = Some("no message of the step matched the mutations".into());
    }
    Ok(obs)
}

fn lpa_discover(ctx: &mut Ctx<'_>) -> ActionResult {
    let download = ctx.flag("download", false);
    if let Some(commands) = ctx.world.spec.lpa_command.clone() {
        let template = commands
            .discover
            .ok_or("the LPA's ICS has no lpa_command_discover")?;
        return crate::lpa_command::run_command(ctx, &template, crate::lpa_command::Kind::Download);
    }
    let mut found = lpa_discover_only(ctx)?;
    if !download || found.facts.get("events").is_none_or(|n| n == "0") {
        return Ok(found);
    }
    ctx.args = toml::Table::new();
    ctx.args.insert("source".into(), "event".into());
    let mut got = lpa_download(ctx, true)?;
    got.facts.append(&mut found.facts);
    found.messages.append(&mut got.messages);
    got.messages = found.messages;
    Ok(got)
}

fn lpa_discover_only(ctx: &mut Ctx<'_>) -> ActionResult {
    ctx.world.end_download();
    let log = std::rc::Rc::new(std::cell::RefCell::new(HookLog::default()));
    let mut hooks = StepHooks {
        mutations: ctx.mutations.clone(),
        vectors: ctx.vectors.clone(),
        pki: ctx.world.spec.pki.clone(),
        log: log.clone(),
    };
    let world = &mut *ctx.world;
    let card = world.card.as_mut().ok_or("no card")?;
    let server = world.https.as_mut().ok_or("no LPA client")?;
    let mut stats = ServerStats::default();
    let mut obs = Observation::default();
    let smds = world
        .spec
        .smds_dut
        .clone()
        .unwrap_or_else(|| SMDS_ADDRESS.to_owned());
    let found = rsp_lpa::discovery::discover_with_hooks(
        card,
        server.as_mut(),
        &mut stats,
        &smds,
        &rsp_lpa::download::default_device_info(),
        &mut hooks,
    );
    let mut l = std::mem::take(&mut *log.borrow_mut());
    obs.fuzz = l.fuzz.take();
    if !l.errors.is_empty() {
        obs.harness_error = Some(format!("mutation not applied: {}", l.errors.join("; ")));
    }
    obs.messages.extend(l.messages);
    match found {
        Ok(events) => {
            obs.status = Some(ObservedStatus::Success);
            obs.facts.insert("events".into(), events.len().to_string());
            // A shared SM-DS may hold other cases' events for this EID: the one this case
            // registered ($event_id) is looked up, else the first is taken.
            let wanted = world.vars.get("event_id").cloned();
            if let Some(w) = &wanted {
                let has = events.iter().any(|e| e.event_id.expose() == w);
                obs.facts.insert("has_event".into(), has.to_string());
            }
            let chosen = wanted
                .as_deref()
                .and_then(|w| events.iter().find(|e| e.event_id.expose() == w))
                .or(events.first());
            if let Some(e) = chosen {
                let id = e.event_id.expose().to_owned();
                world.secrets.push(id.clone());
                world.vars.insert("event_id".into(), id);
                world
                    .vars
                    .insert("event_address".into(), e.rsp_server_address.clone());
                obs.facts
                    .insert("event_address".into(), e.rsp_server_address.clone());
            }
        }
        Err(rsp_lpa::discovery::DiscoveryError::Remote(r)) => observe_remote(&mut obs, r),
        Err(rsp_lpa::discovery::DiscoveryError::Card(c)) => observe_es10(&mut obs, c),
        Err(other) => obs.dut_error = Some(other.to_string()),
    }
    Ok(obs)
}

fn es11_initiate_authentication(ctx: &mut Ctx<'_>) -> ActionResult {
    use rsp_codec::json::Es11Function;
    use rsp_lpa::server::RemoteFunction;
    ctx.world.end_download();
    let function = RemoteFunction::Es11(Es11Function::InitiateAuthentication);
    let smds = ctx
        .world
        .spec
        .smds_dut
        .clone()
        .unwrap_or_else(|| SMDS_ADDRESS.to_owned());
    let body = match ctx.text("body") {
        Some(raw) => raw.into_bytes(),
        None => {
            let card = ctx.world.card.as_mut().ok_or("no card")?;
            let info1 = card
                .euicc_info1()
                .map_err(|e| format!("GetEUICCInfo1: {e}"))?;
            let challenge = card
                .euicc_challenge()
                .map_err(|e| format!("GetEUICCChallenge: {e}"))?;
            let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
            let mut v = json!({
                "euiccChallenge": b64(&challenge),
                "euiccInfo1": b64(&info1),
                "smdsAddress": smds,
            });
            let pki = ctx.world.spec.pki.clone();
            let mut address = smds.clone();
            for m in ctx.mutations.clone() {
                json_mutation(&m, &mut v, &mut address, ctx.vectors.as_deref(), &pki)?;
            }
            v.to_string().into_bytes()
        }
    };
    let mut obs = Observation::default();
    obs.messages.push(MessageRecord {
        direction: "sent".into(),
        interface: "ES11".into(),
        function: "InitiateAuthentication".into(),
        tree: serde_json::from_slice(&body)
            .ok()
            .as_ref()
            .and_then(json_trees),
        hex: None,
        json: serde_json::from_slice(&body).ok(),
    });
    let server = ctx.world.https.as_mut().ok_or("no LPA client")?;
    let mut stats = ServerStats::default();
    match rsp_lpa::server::call(server.as_mut(), &mut stats, &smds, function, &body) {
        Ok((reply, value)) => {
            obs.http_status = Some(reply.status);
            obs.status = Some(ObservedStatus::Success);
            obs.messages.push(MessageRecord {
                direction: "received".into(),
                interface: "ES11".into(),
                function: "InitiateAuthentication".into(),
                tree: json_trees(&value),
                hex: None,
                json: Some(value),
            });
        }
        Err(e) => observe_remote(&mut obs, e),
    }
    Ok(obs)
}

fn lpa_notifications(ctx: &mut Ctx<'_>) -> ActionResult {
    if let Some(commands) = ctx.world.spec.lpa_command.clone() {
        let template = commands
            .notifications
            .ok_or("the LPA's ICS has no lpa_command_notifications")?;
        return crate::lpa_command::run_command(
            ctx,
            &template,
            crate::lpa_command::Kind::Notifications,
        );
    }
    ctx.world.end_download();
    let world = &mut *ctx.world;
    let card = world.card.as_mut().ok_or("no card")?;
    let server = world.https.as_mut().ok_or("no LPA client")?;
    let mut stats = ServerStats::default();
    let policy = RetryPolicy {
        attempts: 2,
        backoff: std::time::Duration::ZERO,
        sleep: |_| {},
    };
    let mut obs = Observation::default();
    match notifications::process(card, server.as_mut(), &mut stats, None, true, &policy) {
        Ok(deliveries) => {
            let sent = deliveries.iter().filter(|d| d.outcome.is_ok()).count();
            obs.facts.insert("sent".into(), sent.to_string());
            obs.facts
                .insert("failed".into(), (deliveries.len() - sent).to_string());
            for d in &deliveries {
                obs.notes.push(format!(
                    "seq {} {:?} → {}: {:?}",
                    d.seq_number, d.event, d.address, d.outcome
                ));
            }
            obs.status = Some(ObservedStatus::Success);
        }
        Err(e) => observe_es10(&mut obs, e),
    }
    Ok(obs)
}

// ------------------------------------------------------------------ ES10 direct

fn with_card<R>(
    ctx: &mut Ctx<'_>,
    f: impl FnOnce(&mut rsp_lpa::Card<crate::world::CardTransport>) -> R,
) -> Result<R, String> {
    let card = ctx.world.card().ok_or("no card")?;
    Ok(f(card))
}

fn es10_outcome(obs: &mut Observation, r: Result<(), Es10Error>) {
    match r {
        Ok(()) => obs.result = Some((0, "ok".into())),
        Err(e) => observe_es10(obs, e),
    }
}

fn es10_info(ctx: &mut Ctx<'_>) -> ActionResult {
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| -> Result<BTreeMap<String, String>, Es10Error> {
        let mut f = BTreeMap::new();
        let info1 = card.euicc_info1()?;
        let info2 = card.euicc_info2()?;
        f.insert("eid".into(), card.eid()?.to_digits());
        let a = card.configured_addresses()?;
        f.insert(
            "default_dp_address".into(),
            a.default_dp_address.unwrap_or_default(),
        );
        f.insert(
            "root_ds_address".into(),
            a.root_ds_address.unwrap_or_default(),
        );
        let t = Tlv::parse(&info2).map_err(|e| Es10Error::Malformed {
            function: "GetEUICCInfo2",
            detail: e.to_string(),
        })?;
        let field = |tag: u32| {
            t.children()
                .iter()
                .find(|c| c.tag() == Tag::of(tag))
                .and_then(Tlv::content)
        };
        let version = |v: &[u8]| v.iter().map(u8::to_string).collect::<Vec<_>>().join(".");
        for (tag, name) in [(0x82, "svn"), (0x81, "profile_version"), (0x83, "firmware")] {
            if let Some(v) = field(tag) {
                f.insert(name.into(), version(v));
            }
        }
        if let Some(sas) = field(0x0C) {
            f.insert("sas".into(), String::from_utf8_lossy(sas).into_owned());
        }
        f.insert("info1_bytes".into(), info1.len().to_string());
        Ok(f)
    })?;
    match r {
        Ok(f) => {
            obs.result = Some((0, "ok".into()));
            obs.facts = f;
        }
        Err(e) => observe_es10(&mut obs, e),
    }
    Ok(obs)
}

fn es10_challenge(ctx: &mut Ctx<'_>) -> ActionResult {
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| -> Result<(usize, bool), Es10Error> {
        let a = card.euicc_challenge()?;
        let b = card.euicc_challenge()?;
        Ok((a.len(), a != b))
    })?;
    match r {
        Ok((len, fresh)) => {
            obs.result = Some((0, "ok".into()));
            obs.facts.insert("challenge_length".into(), len.to_string());
            obs.facts.insert("fresh".into(), fresh.to_string());
        }
        Err(e) => observe_es10(&mut obs, e),
    }
    Ok(obs)
}

fn es10_profiles(ctx: &mut Ctx<'_>) -> ActionResult {
    let iccid = ctx.text("iccid").or_else(|| ctx.var("iccid"));
    let filter = match ctx.args.get("class").and_then(toml::Value::as_integer) {
        Some(c) => ProfileFilter::Class(c),
        None => ProfileFilter::All,
    };
    let mut obs = Observation::default();
    match with_card(ctx, |card| card.profiles(&filter))? {
        Ok(list) => {
            obs.result = Some((0, "ok".into()));
            obs.facts.insert("profiles".into(), list.len().to_string());
            if let Some(want) = iccid {
                match list.iter().find(|p| p.iccid.as_deref() == Some(&want)) {
                    Some(p) => {
                        let state = match p.state {
                            Some(1) => "enabled",
                            Some(0) => "disabled",
                            _ => "unknown",
                        };
                        obs.facts.insert("profile.state".into(), state.into());
                        if let Some(c) = p.class {
                            obs.facts.insert("profile.class".into(), c.to_string());
                        }
                        obs.facts.insert(
                            "profile.nickname".into(),
                            p.nickname.clone().unwrap_or_default(),
                        );
                    }
                    None => {
                        obs.facts.insert("profile.state".into(), "absent".into());
                    }
                }
            }
        }
        Err(e) => observe_es10(&mut obs, e),
    }
    Ok(obs)
}

fn profile_id(ctx: &Ctx<'_>) -> Result<ProfileId, String> {
    let iccid = ctx.iccid_arg()?;
    ProfileId::parse(&iccid).map_err(|e| format!("iccid {iccid:?}: {e}"))
}

fn es10_state_change(ctx: &mut Ctx<'_>, name: &str) -> ActionResult {
    let id = profile_id(ctx)?;
    let refresh = ctx.flag("refresh", false);
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| match name {
        "es10.enable" => card.enable_profile(&id, refresh),
        "es10.disable" => card.disable_profile(&id, refresh),
        _ => card.delete_profile(&id),
    })?;
    es10_outcome(&mut obs, r);
    Ok(obs)
}

fn es10_nickname(ctx: &mut Ctx<'_>) -> ActionResult {
    let iccid = ctx.iccid_arg()?;
    let iccid = Iccid::parse(&iccid).map_err(|e| format!("iccid: {e}"))?;
    let nickname = ctx.text("nickname").unwrap_or_default();
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| card.set_nickname(&iccid, &nickname))?;
    es10_outcome(&mut obs, r);
    Ok(obs)
}

fn es10_memory_reset(ctx: &mut Ctx<'_>) -> ActionResult {
    let options = ResetOptions {
        delete_operational_profiles: ctx.flag("operational", false),
        delete_field_loaded_test_profiles: ctx.flag("test", false),
        reset_default_smdp_address: ctx.flag("default_address", false),
    };
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| card.memory_reset(options))?;
    es10_outcome(&mut obs, r);
    Ok(obs)
}

fn es10_set_default_address(ctx: &mut Ctx<'_>) -> ActionResult {
    let address = ctx.text("address").unwrap_or_default();
    let mut obs = Observation::default();
    let r = with_card(ctx, |card| card.set_default_dp_address(&address))?;
    es10_outcome(&mut obs, r);
    Ok(obs)
}

fn es10_notifications(ctx: &mut Ctx<'_>) -> ActionResult {
    let mut obs = Observation::default();
    match with_card(ctx, |card| card.list_notifications(None))? {
        Ok(list) => {
            obs.result = Some((0, "ok".into()));
            obs.facts
                .insert("notifications".into(), list.len().to_string());
            let events: Vec<String> = list
                .iter()
                .map(|n| {
                    n.event()
                        .map(|e| format!("{e:?}"))
                        .unwrap_or_else(|| "?".into())
                })
                .collect();
            obs.facts.insert("events".into(), events.join(","));
        }
        Err(e) => observe_es10(&mut obs, e),
    }
    Ok(obs)
}

fn es10_raw(ctx: &mut Ctx<'_>) -> ActionResult {
    let text = ctx.text("hex").unwrap_or_default();
    let mut request =
        hex::decode(text.replace(' ', "")).map_err(|e| format!("es10.raw hex: {e}"))?;
    let pki = ctx.world.spec.pki.clone();
    for m in ctx.mutations.clone() {
        apply_der_mutation(&m, &mut request, ctx.vectors.as_deref(), &pki)?;
    }
    let mut obs = Observation::default();
    obs.messages
        .push(der_record("sent", "ES10", "raw", &request));
    let r = with_card(ctx, |card| card.es10_raw(&request))?;
    match r {
        Ok(resp) => {
            obs.sw = Some(resp.sw);
            if !resp.data.is_empty() {
                obs.messages
                    .push(der_record("received", "ES10", "raw", &resp.data));
                if let Some(code) = result_code(&resp.data) {
                    obs.result = Some((code, if code == 0 { "ok" } else { "error" }.into()));
                }
            }
        }
        Err(e) => obs.dut_error = Some(e.to_string()),
    }
    Ok(obs)
}

fn es10_apdus(ctx: &mut Ctx<'_>) -> ActionResult {
    let list = ctx
        .args
        .get("apdus")
        .and_then(toml::Value::as_array)
        .ok_or("apdus: a list of hex strings")?
        .clone();
    if list.is_empty() || list.len() > 64 {
        return Err("apdus: 1 to 64 commands".into());
    }
    let card = ctx.world.card().ok_or("no card")?;
    let channel = card.channel();
    let mut obs = Observation::default();
    let mut sws = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let text = v
            .as_str()
            .ok_or_else(|| format!("apdus[{i}]: a hex string"))?;
        let bytes = hex::decode(text.replace(' ', "")).map_err(|e| format!("apdus[{i}]: {e}"))?;
        let mut command = CommandApdu::parse(&bytes).map_err(|e| format!("apdus[{i}]: {e}"))?;
        command.cla = rsp_codec::apdu::class_for_channel(command.cla, channel);
        let r = card.exchange(&command).map_err(|e| e.to_string())?;
        obs.notes.push(format!(
            "{}: {}",
            hex::encode_upper(command.encode()),
            sw::describe(r.sw)
        ));
        sws.push(format!("{:04X}", r.sw));
        obs.sw = Some(r.sw);
        if i + 1 == list.len() {
            if let Some(code) = result_code(&r.data) {
                obs.result = Some((code, "result".into()));
            }
        }
    }
    obs.facts.insert("sws".into(), sws.join(","));
    Ok(obs)
}

/// The first PEStatus whose status is not ok in a PIR's simaResponse (digest §7.5):
/// `(status, identification)`. Both PIR alternatives carry a simaResponse (`04` in success,
/// `82` in errorResult), each a run of EUICCResponse SEQUENCEs.
pub fn failed_pe_status(pir: &[u8]) -> Option<(i64, Option<i64>)> {
    let int = |t: &Tlv| rsp_codec::der::decode_integer(t.content()?).ok();
    let pir = Tlv::parse(pir).ok()?;
    let data = pir.children().first()?;
    let result = data
        .children()
        .iter()
        .find(|c| c.tag() == Tag::of(0xA2))?
        .children()
        .first()?;
    let sima = result
        .children()
        .iter()
        .find(|c| c.tag() == Tag::of(0x04) || c.tag() == Tag::of(0x82))?
        .content()?;
    let mut rest = sima;
    while !rest.is_empty() {
        let (response, used) = Tlv::parse_prefix(rest).ok()?;
        rest = &rest[used..];
        let statuses = response
            .children()
            .iter()
            .find(|c| c.tag() == Tag::of(0xA0))?;
        for pe in statuses.children() {
            let field = |n: u32| pe.children().iter().find(|c| c.tag() == Tag::of(n));
            let status = field(0x80).and_then(int)?;
            if status != 0 {
                return Some((status, field(0x81).and_then(int)));
            }
        }
    }
    None
}

/// The code of an answer's error alternative: `BFxx { A1 { …, 02 code } }` (AuthenticateServer,
/// PrepareDownload) or `BFxx { 81 code }`.
fn error_alternative(answer: &[u8]) -> Option<i64> {
    let t = Tlv::parse(answer).ok()?;
    let first = t.children().first()?;
    if first.tag() == Tag::of(0x81) && !first.is_constructed() {
        return rsp_codec::der::decode_integer(first.content()?).ok();
    }
    if first.tag() == Tag::of(0xA1) {
        let code = first.children().iter().find(|c| c.tag() == Tag::of(0x02))?;
        return rsp_codec::der::decode_integer(code.content()?).ok();
    }
    None
}

/// The result code of a simple ES10 answer: `BFxx { 80 result }` or `BFxx { 81 error }`.
fn result_code(answer: &[u8]) -> Option<i64> {
    let t = Tlv::parse(answer).ok()?;
    let first = t.children().first()?;
    if first.tag() == Tag::of(0x80) || first.tag() == Tag::of(0x81) {
        return rsp_codec::der::decode_integer(first.content()?).ok();
    }
    None
}

// ------------------------------------------------------------------ UICC side, card

/// One command on the basic channel, GET RESPONSE followed.
fn basic(
    t: &mut crate::world::CardTransport,
    command: CommandApdu,
) -> Result<rsp_codec::apdu::ResponseApdu, String> {
    use rsp_codec::apdu::Transport as _;
    let mut r = t.exchange(&command).map_err(|e| e.to_string())?;
    let mut data = std::mem::take(&mut r.data);
    let mut rounds = 0;
    while r.sw1() == sw::MORE_DATA && rounds < 64 {
        rounds += 1;
        let le = match r.sw2() {
            0 => 256,
            n => usize::from(n),
        };
        r = t
            .exchange(&CommandApdu::new(0, 0xC0, 0, 0).with_le(le))
            .map_err(|e| e.to_string())?;
        data.extend_from_slice(&r.data);
    }
    r.data = data;
    Ok(r)
}

fn uicc_read_imsi(ctx: &mut Ctx<'_>) -> ActionResult {
    let mut obs = Observation::default();
    let expected = ctx.var("imsi");
    let card = ctx.world.card().ok_or("no card")?;
    let t = card.transport_mut();
    if !select_usim(t, &mut obs)? {
        return Ok(obs);
    }
    let select_fid = |fid: [u8; 2]| CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_vec());
    for (what, command) in [
        ("SELECT EF.IMSI", select_fid([0x6F, 0x07])),
        (
            "READ BINARY EF.IMSI",
            CommandApdu::new(0, 0xB0, 0, 0).with_le(9),
        ),
    ] {
        let r = basic(t, command)?;
        obs.notes.push(format!("{what}: {}", sw::describe(r.sw)));
        obs.sw = Some(r.sw);
        if r.sw != sw::OK {
            return Ok(obs);
        }
        if what.starts_with("READ") {
            let imsi = imsi_digits(&r.data);
            if let Some(want) = &expected {
                obs.facts
                    .insert("imsi_matches".into(), (&imsi == want).to_string());
            }
            obs.facts.insert("imsi".into(), imsi);
        }
    }
    Ok(obs)
}

/// Most differences listed in a fact (the report keeps the rest in the notes).
const FS_LISTED: usize = 12;

fn uicc_compare_fs(ctx: &mut Ctx<'_>) -> ActionResult {
    use rsp_profile::templates::FileKind;
    let der = ctx
        .world
        .ordered_profile
        .clone()
        .ok_or("uicc.compare_fs needs a profile ordered with smdp.order first")?;
    let package = rsp_profile::package::ProfilePackage::parse(&der).map_err(|e| e.to_string())?;
    let fs = rsp_profile::expand::expand(&package).map_err(|e| format!("expansion: {e}"))?;
    let card = ctx.world.card().ok_or("no card")?;
    let t = card.transport_mut();
    let mut obs = Observation::default();
    // The profile's own PINs and ADM keys (rspcheck ordered it, so it knows them) open the
    // protected EFs: the MF's directly, an ADF's local ones with the ADF selected.
    for pin in &fs.pins {
        let Ok(reference) = u8::try_from(pin.key_reference) else {
            continue;
        };
        if pin.context != "MF" {
            let Some(aid) = fs.get(&pin.context).and_then(|n| n.aid.clone()) else {
                continue;
            };
            basic(t, CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(aid))?;
        }
        let r = basic(
            t,
            CommandApdu::new(0, 0x20, 0, reference).with_data(pin.value.0.clone()),
        )?;
        obs.notes.push(format!(
            "VERIFY {} key {reference:02X}: {}",
            pin.context,
            sw::describe(r.sw)
        ));
    }
    let (mut compared, mut different, mut missing, mut unreadable) = (0, Vec::new(), Vec::new(), 0);
    for (i, node) in fs.nodes.iter().enumerate() {
        let records = match node.kind {
            FileKind::Transparent => None,
            FileKind::LinearFixed | FileKind::Cyclic => node.record_len,
            _ => continue,
        };
        // Linked files and BER-TLV files carry no content of their own in the expansion.
        if node.link_path.is_some() || (node.content.is_empty() && node.size > 0) {
            continue;
        }
        let path = fs.path(i);
        let Some(select) = select_commands(&fs, i) else {
            obs.notes.push(format!("{path}: no FID path, not compared"));
            continue;
        };
        let mut status = sw::OK;
        for c in select {
            status = basic(t, c)?.sw;
            if status != sw::OK {
                break;
            }
        }
        if status == sw::FILE_NOT_FOUND {
            missing.push(path);
            continue;
        }
        if status != sw::OK {
            obs.notes
                .push(format!("{path}: SELECT {}", sw::describe(status)));
            missing.push(path);
            continue;
        }
        let read = match records {
            None => read_binary(t, node.size)?,
            Some(len) => read_records(t, usize::from(len), node.size)?,
        };
        match read {
            Ok(content) => {
                compared += 1;
                if content != node.content {
                    let at = content
                        .iter()
                        .zip(&node.content)
                        .position(|(a, b)| a != b)
                        .unwrap_or(content.len().min(node.content.len()));
                    obs.notes.push(format!(
                        "{path}: differs from byte {at} ({} bytes read, {} expected)",
                        content.len(),
                        node.content.len()
                    ));
                    different.push(path);
                }
            }
            Err(0x6982 | 0x6985 | 0x6983) => unreadable += 1,
            Err(s) => {
                obs.notes.push(format!("{path}: read {}", sw::describe(s)));
                different.push(path);
            }
        }
    }
    let list = |v: &[String]| {
        let mut s = v
            .iter()
            .take(FS_LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(",");
        if v.len() > FS_LISTED {
            s.push_str(&format!(",+{}", v.len() - FS_LISTED));
        }
        s
    };
    obs.facts.insert(
        "fs.identical".into(),
        (different.is_empty() && missing.is_empty() && compared > 0).to_string(),
    );
    obs.facts.insert("fs.compared".into(), compared.to_string());
    obs.facts.insert("fs.different".into(), list(&different));
    obs.facts.insert("fs.missing".into(), list(&missing));
    obs.facts
        .insert("fs.unreadable".into(), unreadable.to_string());
    Ok(obs)
}

/// The SELECTs that reach node `i`: by path from the MF, or the ADF by AID and then the path
/// below it. `None` when a FID on the way is unknown.
fn select_commands(fs: &rsp_profile::expand::FileSystem, i: usize) -> Option<Vec<CommandApdu>> {
    let mut chain = Vec::new();
    let mut cur = Some(i);
    while let Some(c) = cur {
        chain.push(c);
        cur = fs.nodes.get(c)?.parent;
        if chain.len() > fs.nodes.len() {
            return None;
        }
    }
    chain.reverse();
    // The deepest ADF on the way, if any: paths below it are relative to it.
    let adf = chain.iter().rposition(|&c| fs.nodes[c].aid.is_some());
    let (mut commands, below) = match adf {
        Some(a) => {
            let aid = fs.nodes[chain[a]].aid.clone()?;
            (
                vec![CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(aid)],
                &chain[a + 1..],
            )
        }
        None => (Vec::new(), chain.get(1..)?),
    };
    let mut path = Vec::new();
    for &c in below {
        path.extend_from_slice(&fs.nodes[c].fid?.to_be_bytes());
    }
    let p1 = if adf.is_some() { 0x09 } else { 0x08 };
    commands.push(CommandApdu::new(0, 0xA4, p1, 0x0C).with_data(path));
    Some(commands)
}

/// READ BINARY of `size` bytes in chunks; `Err(sw)` on a status other than 9000.
fn read_binary(
    t: &mut crate::world::CardTransport,
    size: usize,
) -> Result<Result<Vec<u8>, u16>, String> {
    let mut out = Vec::with_capacity(size);
    while out.len() < size {
        let Ok(offset) = u16::try_from(out.len()) else {
            break;
        };
        let le = (size - out.len()).min(255);
        let [p1, p2] = offset.to_be_bytes();
        let r = basic(t, CommandApdu::new(0, 0xB0, p1 & 0x7F, p2).with_le(le))?;
        if r.sw != sw::OK {
            return Ok(Err(r.sw));
        }
        if r.data.is_empty() {
            break;
        }
        out.extend_from_slice(&r.data);
    }
    Ok(Ok(out))
}

/// READ RECORD (absolute) of every record of a record EF of `size` bytes.
fn read_records(
    t: &mut crate::world::CardTransport,
    record_len: usize,
    size: usize,
) -> Result<Result<Vec<u8>, u16>, String> {
    let count = size.checked_div(record_len).unwrap_or(0);
    let mut out = Vec::with_capacity(size);
    for n in 1..=count.min(254) {
        let r = basic(
            t,
            CommandApdu::new(0, 0xB2, n as u8, 0x04).with_le(record_len),
        )?;
        if r.sw != sw::OK {
            return Ok(Err(r.sw));
        }
        out.extend_from_slice(&r.data);
    }
    Ok(Ok(out))
}

/// EF.IMSI (TS 31.102 4.2.2): length, then digits nibble-swapped with the parity nibble first.
fn imsi_digits(ef: &[u8]) -> String {
    let Some((&len, rest)) = ef.split_first() else {
        return String::new();
    };
    let rest = &rest[..usize::from(len).min(rest.len())];
    let mut digits = String::new();
    for (i, b) in rest.iter().enumerate() {
        let (lo, hi) = (b & 0x0F, b >> 4);
        if i > 0 && lo < 10 {
            digits.push(char::from(b'0' + lo));
        }
        if hi < 10 {
            digits.push(char::from(b'0' + hi));
        }
    }
    digits
}

/// SELECT MF, EF.DIR record 1's AID, then that ADF (USIM) on the basic channel.
fn select_usim(t: &mut crate::world::CardTransport, obs: &mut Observation) -> Result<bool, String> {
    let select_fid = |fid: [u8; 2]| CommandApdu::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_vec());
    let mut step = |what: &str, r: &rsp_codec::apdu::ResponseApdu| -> bool {
        obs.notes.push(format!("{what}: {}", sw::describe(r.sw)));
        if r.sw != sw::OK {
            obs.sw = Some(r.sw);
            return false;
        }
        true
    };
    if !step("SELECT MF", &basic(t, select_fid([0x3F, 0x00]))?)
        || !step("SELECT EF.DIR", &basic(t, select_fid([0x2F, 0x00]))?)
    {
        return Ok(false);
    }
    let rec = basic(t, CommandApdu::new(0, 0xB2, 1, 4).with_le(0))?;
    if !step("READ RECORD EF.DIR", &rec) {
        return Ok(false);
    }
    let aid = Tlv::parse_prefix(&rec.data)
        .ok()
        .and_then(|(t, _)| {
            t.children()
                .iter()
                .find(|c| c.tag() == Tag::of(0x4F))
                .and_then(Tlv::content)
                .map(<[u8]>::to_vec)
        })
        .ok_or("EF.DIR record 1 has no AID")?;
    let r = basic(
        t,
        CommandApdu::new(0, 0xA4, 0x04, 0x04)
            .with_data(aid)
            .with_le(0),
    )?;
    Ok(step("SELECT ADF.USIM", &r))
}

fn uicc_authenticate(ctx: &mut Ctx<'_>) -> ActionResult {
    let profile = ctx
        .var("profile")
        .ok_or("no profile ordered in this case ($profile)")?;
    let desc = std::fs::read_to_string(
        ctx.repo_vectors
            .join("profiles")
            .join(format!("{profile}.toml")),
    )
    .map_err(|e| format!("profile {profile}: {e}"))?;
    let t: toml::Table = desc
        .parse()
        .map_err(|e| format!("profile {profile}: {e}"))?;
    if t.get("algorithm")
        .and_then(toml::Value::as_str)
        .is_some_and(|a| a != "milenage")
    {
        return Err(format!(
            "profile {profile}: uicc.authenticate computes MILENAGE only"
        ));
    }
    let key = |k: &str| -> Result<[u8; 16], String> {
        let h = t
            .get(k)
            .and_then(toml::Value::as_str)
            .ok_or_else(|| format!("profile {profile}: no {k}"))?;
        hex::decode(h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("profile {profile}: {k} is not 16 bytes of hex"))
    };
    let milenage = rsp_crypto::milenage::Milenage::new(key("ki")?, key("opc")?);
    let mut rand = [0u8; 16];
    rand[..8].copy_from_slice(&ctx.world.spec.seed.to_be_bytes());
    rand[8..].copy_from_slice(&(!ctx.world.spec.seed).to_be_bytes());
    // A fresh SQN above anything a new profile has seen, AMF with the separation bit.
    let v = milenage.generate_vector(&rand, [0, 0, 0, 0, 0, 0x21], [0x80, 0x00]);
    let mut obs = Observation::default();
    let card = ctx.world.card().ok_or("no card")?;
    let t = card.transport_mut();
    if !select_usim(t, &mut obs)? {
        return Ok(obs);
    }
    let mut data = vec![0x10];
    data.extend_from_slice(&rand);
    data.push(0x10);
    data.extend_from_slice(&v.autn);
    let r = basic(
        t,
        CommandApdu::new(0, 0x88, 0x00, 0x81)
            .with_data(data)
            .with_le(0),
    )?;
    obs.notes
        .push(format!("AUTHENTICATE: {}", sw::describe(r.sw)));
    obs.sw = Some(r.sw);
    if r.sw != sw::OK {
        return Ok(obs);
    }
    // DB ‖ L RES ‖ L CK ‖ L IK (‖ L Kc): TS 31.102 §7.1.2.1.
    let mut fields = Vec::new();
    let mut rest = r.data.get(1..).unwrap_or_default();
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        let Some(value) = tail.get(..len) else { break };
        fields.push(value.to_vec());
        rest = &tail[len..];
    }
    if r.data.first() != Some(&0xDB) || fields.len() < 3 {
        obs.dut_error = Some(format!(
            "AUTHENTICATE answer is not a successful 3G response: {}",
            hex::encode_upper(&r.data)
        ));
        return Ok(obs);
    }
    obs.facts
        .insert("res_matches".into(), (fields[0] == v.xres).to_string());
    obs.facts
        .insert("ck_matches".into(), (fields[1] == v.ck).to_string());
    obs.facts
        .insert("ik_matches".into(), (fields[2] == v.ik).to_string());
    Ok(obs)
}

fn euicc_reset(ctx: &mut Ctx<'_>) -> ActionResult {
    ctx.world.end_download();
    let card = ctx.world.card.take().ok_or("no card")?;
    let mut transport = card.close().map_err(|e| e.to_string())?;
    use rsp_codec::apdu::Transport as _;
    let atr = transport.reset().map_err(|e| format!("reset: {e}"))?;
    let card = rsp_lpa::Card::open(transport, rsp_lpa::CardOptions::default())
        .map_err(|e| format!("open ISD-R after reset: {e}"))?;
    ctx.world.card = Some(card);
    let mut obs = Observation::default();
    obs.facts.insert("atr".into(), hex::encode_upper(atr));
    Ok(obs)
}

// ------------------------------------------------------------------ ES12

fn es12_client(ctx: &Ctx<'_>) -> Result<rsp_smdp::es12_client::HttpEventRegistrar, String> {
    let pki = &ctx.world.spec.pki;
    let tls = &pki
        .set
        .curve(rsp_crypto::Curve::NistP256)
        .ok_or("no NIST set")?
        .dp_tls;
    let mut c = rsp_http::ClientConfig::new(rsp_http::Trust::RspRole {
        roots: pki.ci_ders(),
        role: rsp_crypto::cert::Role::DsTls,
    });
    c.client_identity = Some(rsp_http::ClientIdentity {
        cert_chain_der: rsp_http::load_certificates(&tls.path).map_err(|e| e.to_string())?,
        key_der: rsp_http::load_private_key(tls.key_path.as_ref().ok_or("no DPtls key")?)
            .map_err(|e| e.to_string())?,
    });
    let mut resolve = ctx.world.spec.resolve.clone();
    if let Some(s) = &ctx.world.smds {
        let es12 = s.es12.as_ref().ok_or("the SM-DS has no ES12 listener")?;
        resolve.push((SMDS_ADDRESS.into(), es12.local_addr()));
    }
    c.resolve = resolve;
    c.timeout = ctx.world.spec.timeout;
    Ok(rsp_smdp::es12_client::HttpEventRegistrar::new(
        rsp_http::HttpClient::new(c).map_err(|e| e.to_string())?,
    ))
}

/// Where ES12 goes: the DUT SM-DS's ES12 listener, its address, or the reference SM-DS.
fn smds_address(ctx: &Ctx<'_>) -> String {
    let spec = &ctx.world.spec;
    spec.smds_es12_dut
        .clone()
        .or_else(|| spec.smds_dut.clone())
        .unwrap_or_else(|| SMDS_ADDRESS.to_owned())
}

fn es12_observe(obs: &mut Observation, r: Result<(), rsp_smdp::es12_client::Es12Error>) {
    match r {
        Ok(()) => obs.status = Some(ObservedStatus::Success),
        Err(rsp_smdp::es12_client::Es12Error::Refused { reason, .. }) => {
            // The registrar keeps the SM-DS's status in its text: "subject/reason …".
            let code = reason
                .split_whitespace()
                .find(|w| w.contains('/'))
                .unwrap_or_default()
                .trim_matches(|c: char| !c.is_ascii_digit() && c != '.' && c != '/');
            let (s, r) = code.split_once('/').unwrap_or(("?", "?"));
            obs.status = Some(ObservedStatus::Failed {
                subject: s.to_owned(),
                reason: r.to_owned(),
            });
            obs.notes.push(reason);
        }
        Err(e) => {
            obs.no_response = true;
            obs.dut_error = Some(e.to_string());
        }
    }
}

fn es12_register(ctx: &mut Ctx<'_>) -> ActionResult {
    use rsp_smdp::es12_client::EventRegistrar as _;
    let event_id = ctx.text("event_id").unwrap_or_else(|| {
        format!(
            "EV-{:016X}",
            ctx.world.spec.seed.wrapping_mul(0xD6E8_FEB8_6659_FD93)
        )
    });
    let eid = match ctx.text("eid") {
        Some(e) => e,
        None => ctx.world_card_eid()?,
    };
    let smdp = ctx
        .text("smdp_address")
        .unwrap_or_else(|| ctx.world.smdp.address());
    ctx.secret(&event_id);
    let request: rsp_codec::json::RegisterEventRequest = serde_json::from_value(json!({
        "header": {"functionRequesterIdentifier": "rspcheck-smdp", "functionCallIdentifier": "1"},
        "eid": eid, "rspServerAddress": smdp, "eventId": event_id, "forwardingIndicator": false
    }))
    .map_err(|e| format!("RegisterEvent request: {e}"))?;
    let mut client = es12_client(ctx)?;
    let mut obs = Observation::default();
    es12_observe(&mut obs, client.register(&smds_address(ctx), &request));
    ctx.world.vars.insert("event_id".into(), event_id);
    Ok(obs)
}

fn es12_delete(ctx: &mut Ctx<'_>) -> ActionResult {
    use rsp_smdp::es12_client::EventRegistrar as _;
    let event_id = ctx
        .text("event_id")
        .or_else(|| ctx.var("event_id"))
        .ok_or("no event_id")?;
    let eid = match ctx.text("eid") {
        Some(e) => e,
        None => ctx.world_card_eid()?,
    };
    let request: rsp_codec::json::DeleteEventRequest = serde_json::from_value(json!({
        "header": {"functionRequesterIdentifier": "rspcheck-smdp", "functionCallIdentifier": "2"},
        "eid": eid, "eventId": event_id
    }))
    .map_err(|e| format!("DeleteEvent request: {e}"))?;
    let mut client = es12_client(ctx)?;
    let mut obs = Observation::default();
    es12_observe(&mut obs, client.delete(&smds_address(ctx), &request));
    Ok(obs)
}

// ------------------------------------------------------------------ mutations

/// `$name` in string arguments becomes the variable's value.
pub fn substitute_value(ctx: &Ctx<'_>, v: &toml::Value) -> toml::Value {
    substitute(&ctx.world.vars, v)
}

pub fn substitute(vars: &BTreeMap<String, String>, v: &toml::Value) -> toml::Value {
    match v {
        toml::Value::String(s) => match s.strip_prefix('$').and_then(|n| vars.get(n)) {
            Some(val) => toml::Value::String(val.clone()),
            None => v.clone(),
        },
        toml::Value::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, v)| (k.clone(), substitute(vars, v)))
                .collect(),
        ),
        toml::Value::Array(a) => {
            toml::Value::Array(a.iter().map(|v| substitute(vars, v)).collect())
        }
        other => other.clone(),
    }
}

fn apply_json_mutation(
    ctx: &Ctx<'_>,
    m: &Mutation,
    function: &str,
    body: &mut Value,
    address: &mut String,
) -> Result<(), String> {
    if !applies(m, function) {
        return Ok(());
    }
    json_mutation(
        m,
        body,
        address,
        ctx.vectors.as_deref(),
        &ctx.world.spec.pki,
    )
}

fn json_mutation(
    m: &Mutation,
    body: &mut Value,
    _address: &mut String,
    vectors: Option<&std::path::Path>,
    pki: &crate::world::Pki,
) -> Result<(), String> {
    match m.op {
        MutationOp::JsonSet => {
            let key = m.key.as_deref().unwrap_or_default();
            let value =
                serde_json::to_value(m.value.clone().unwrap_or(toml::Value::Boolean(false)))
                    .map_err(|e| e.to_string())?;
            body.as_object_mut()
                .ok_or("the body is not a JSON object")?
                .insert(key.to_owned(), value);
            Ok(())
        }
        MutationOp::JsonRemove => {
            let key = m.key.as_deref().unwrap_or_default();
            body.as_object_mut()
                .ok_or("the body is not a JSON object")?
                .remove(key)
                .map(|_| ())
                .ok_or_else(|| format!("no key {key:?} to remove"))
        }
        _ => {
            let field = m
                .field
                .as_deref()
                .ok_or("a DER mutation of a JSON message needs `field` (the base64 key)")?;
            let b64 = body[field]
                .as_str()
                .ok_or_else(|| format!("no base64 field {field:?}"))?;
            let mut der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("{field}: {e}"))?;
            apply_der_mutation(m, &mut der, vectors, pki)?;
            body[field] = json!(base64::engine::general_purpose::STANDARD.encode(der));
            Ok(())
        }
    }
}

fn apply_bytes_mutation(m: &Mutation, bytes: &mut Vec<u8>) -> Result<(), String> {
    match m.op {
        MutationOp::Truncate => {
            bytes.truncate(m.keep.unwrap_or(0));
            Ok(())
        }
        MutationOp::Raw => {
            *bytes = hex::decode(m.hex.as_deref().unwrap_or_default().replace(' ', ""))
                .map_err(|e| e.to_string())?;
            Ok(())
        }
        other => Err(format!("{other:?} needs a DER message")),
    }
}

/// Applies a mutation to a DER message, addressed by codec path.
pub fn apply_der_mutation(
    m: &Mutation,
    der: &mut Vec<u8>,
    vectors: Option<&std::path::Path>,
    pki: &crate::world::Pki,
) -> Result<(), String> {
    if matches!(m.op, MutationOp::Truncate | MutationOp::Raw) {
        return apply_bytes_mutation(m, der);
    }
    let path = m.path.as_deref().ok_or("the mutation needs a path")?;
    let type_name = path.split('.').next().unwrap_or_default();
    let ty = schema::lookup(type_name).ok_or_else(|| format!("unknown type {type_name}"))?;
    let mut root = Tlv::parse(der).map_err(|e| format!("message: {e}"))?;
    let hex_of = |h: &Option<String>| -> Result<Vec<u8>, String> {
        hex::decode(h.as_deref().unwrap_or_default().replace(' ', "")).map_err(|e| e.to_string())
    };
    match m.op {
        MutationOp::Set => {
            let value = if let Some(i) = m.int {
                FieldValue::Integer(i)
            } else if let Some(t) = &m.text {
                FieldValue::Text(t.clone())
            } else {
                FieldValue::Bytes(hex_of(&m.hex)?)
            };
            cpath::set(ty, &mut root, path, value).map_err(|e| e.to_string())?;
        }
        MutationOp::Remove => {
            cpath::remove(ty, &mut root, path).map_err(|e| e.to_string())?;
        }
        MutationOp::Insert => {
            let tlv = Tlv::parse(&hex_of(&m.hex)?).map_err(|e| format!("hex TLV: {e}"))?;
            cpath::insert(ty, &mut root, path, tlv).map_err(|e| e.to_string())?;
        }
        MutationOp::CorruptSignature => {
            // A signature field, or a certificate (its last leaf is the signature BIT STRING).
            let mut node = cpath::get(ty, &root, path)
                .map_err(|e| e.to_string())?
                .clone();
            flip_last_leaf_byte(&mut node).ok_or("nothing to corrupt: the field is empty")?;
            cpath::set_tlv(ty, &mut root, path, node).map_err(|e| e.to_string())?;
        }
        MutationOp::ReplaceCert => {
            let cert = certificate(m.cert.as_deref().unwrap_or_default(), vectors, pki)?;
            let tlv = Tlv::parse(&cert).map_err(|e| format!("certificate: {e}"))?;
            cpath::set_tlv(ty, &mut root, path, tlv).map_err(|e| e.to_string())?;
        }
        _ => return Err(format!("{:?} does not apply to DER", m.op)),
    }
    *der = root.encode();
    Ok(())
}

/// Flips the lowest bit of the last content byte of the last primitive TLV under `t`.
fn flip_last_leaf_byte(t: &mut Tlv) -> Option<()> {
    t.mark_edited();
    if t.is_constructed() {
        return flip_last_leaf_byte(t.children_mut().last_mut()?);
    }
    let mut content = t.content()?.to_vec();
    *content.last_mut()? ^= 0x01;
    *t = Tlv::primitive(t.tag(), content);
    Some(())
}

/// A certificate by name: `pki:<entry>` from the world's PKI (NIST set), or a DER file
/// relative to the vectors folder.
fn certificate(
    name: &str,
    vectors: Option<&std::path::Path>,
    pki: &crate::world::Pki,
) -> Result<Vec<u8>, String> {
    if let Some(file) = name.strip_prefix("pki:invalid/") {
        // The PKI's own invalid certificates (expired, wrong EID, unknown CI …), which chain
        // like the valid ones where they should.
        if file.contains("..") || file.contains('/') {
            return Err(format!(
                "certificate {name:?}: a file name of the PKI's invalid/ folder"
            ));
        }
        let path = pki.dir.join("invalid").join(file);
        return std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()));
    }
    if let Some(entry) = name.strip_prefix("pki:") {
        // `pki:brp/<entry>`: the brainpoolP256r1 set's certificate (a wrong-curve case).
        let (curve, entry) = match entry.strip_prefix("brp/") {
            Some(e) => (rsp_crypto::Curve::BrainpoolP256r1, e),
            None => (rsp_crypto::Curve::NistP256, entry),
        };
        let set = pki
            .set
            .curve(curve)
            .ok_or_else(|| format!("the PKI has no {curve:?} set"))?;
        let cert = match entry {
            "dp_auth" => &set.dp_auth.cert,
            "dp_pb" => &set.dp_pb.cert,
            "dp_tls" => &set.dp_tls.cert,
            "eum" => &set.eum.cert,
            "euicc" => &set.euicc.cert,
            "ci" => &set.ci.cert,
            other => {
                return Err(format!(
                    "pki:{other}: dp_auth, dp_pb, dp_tls, eum, euicc or ci (brp/… for brainpool)"
                ))
            }
        };
        return Ok(cert.der().to_vec());
    }
    let dir = vectors.ok_or("the vectors folder was not found (../shared/vectors)")?;
    if name.contains("..") {
        return Err(format!("certificate {name:?}: no '..' in vector paths"));
    }
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_iccids_are_valid_and_distinct() {
        let a: Vec<String> = (0..64).map(sample_iccid).collect();
        for i in &a {
            rsp_codec::iccid::Iccid::parse_strict(i).unwrap_or_else(|e| panic!("{i}: {e}"));
        }
        let distinct: std::collections::BTreeSet<&String> = a.iter().collect();
        assert_eq!(distinct.len(), a.len());
    }
}
