//! rsp-lpa end to end against the reference SM-DP+, SM-DS and eUICC, every hop real: ES9+ and
//! ES11 over HTTPS on 127.0.0.1 (the LPA trusting the CIs with the SGP.22 TLS role check), ES12
//! over mutual TLS from the SM-DP+ to the SM-DS, APDUs to the in-process eUICC, and the UICC
//! interface of the enabled profile on the basic channel.
//!
//! The matrix: the three download methods (activation code, default SM-DP+, SM-DS event) ×
//! SGP.26 and generated certificates × NIST and brainpool × with and without confirmation code ×
//! with and without ReplaceSessionKeys; each case downloads, enables, reads EF.IMSI, disables,
//! deletes, and delivers every notification, checking the SM-DP+'s inventory and ledger at each
//! point. Then the refusals and cancellations the LPA must handle, each checked on both sides.

mod common;

use common::*;
use rsp_codec::activation::{ActivationCode, ParseOptions};
use rsp_codec::json::{Base64Bytes, Es2Function, Es9Function, Secret};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::NotificationEvent;
use rsp_crypto::Curve;
use rsp_euicc::Euicc;
use rsp_lpa::discovery::discover;
use rsp_lpa::download::{default_device_info, Hooks, Installed, NoHooks, Outgoing, TimeSplit};
use rsp_lpa::es10::pir_metadata;
use rsp_lpa::notifications::{self, Delivery, RetryPolicy};
use rsp_lpa::server::ServerStats;
use rsp_lpa::{
    CancelReason, Card, CardOptions, Consent, Download, DownloadError, DownloadOptions,
    HttpsServer, ProfileFilter, ProfileId, RemoteError, Source, Step,
};
use rsp_smdp::faults::{ArmedFault, Fault, SegmentDamage};
use rsp_smdp::orders::{AuditEntry, AuditEvent};
use rsp_smdp::{Order, OrderState, OrderStore, SmdpConfig};
use rstest::rstest;
use serde_json::{json, Value};

const MATCHING_ID: &str = "AC-E2E-0001";
const CC: &str = "8264";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    ActivationCode,
    DefaultSmdp,
    Smds,
}

/// A different profile per method, so each install is checked against its own EF.IMSI.
fn profile_for(method: Method) -> (&'static str, &'static str) {
    match method {
        Method::ActivationCode => ("minimal-milenage", "89999000000000000018"),
        Method::DefaultSmdp => ("usim-isim-full", "89999000000000000026"),
        Method::Smds => ("iccid19-operational", "8999900000000000034"),
    }
}

/// The servers one case talks to, and the LPA's HTTPS client for them.
struct Env {
    smdp: SmdpServer,
    smds: Option<rsp_smds::config::RunningSmds>,
    https: HttpsServer,
}

fn env(pki: &Pki, config: SmdpConfig, orders: Vec<Order>, with_smds: bool) -> Env {
    let smds = with_smds.then(|| serve_smds(pki));
    let es12 = smds
        .as_ref()
        .map(|s| s.es12.as_ref().expect("ES12 listener").local_addr());
    let smdp = serve_smdp(pki, config, orders, es12);
    let mut resolve = vec![(SMDP.to_owned(), smdp.addr())];
    if let Some(s) = &smds {
        resolve.push((SMDS.to_owned(), s.es11.local_addr()));
    }
    Env {
        https: lpa_https(pki, resolve),
        smdp,
        smds,
    }
}

impl Env {
    fn state(&self, iccid: &str) -> OrderState {
        self.smdp
            .service
            .with(|s| s.store().get(iccid).expect("order").state)
    }

    fn audit(&self, iccid: &str) -> Vec<AuditEntry> {
        self.smdp.service.with(|s| {
            s.store()
                .audit_log()
                .into_iter()
                .filter(|e| e.iccid == iccid)
                .collect()
        })
    }

    /// `(event, outcome, detail)` of the ledger entries of `events` for `iccid`.
    fn ledger(&self, iccid: &str, events: &[AuditEvent]) -> Vec<(AuditEvent, String, String)> {
        self.audit(iccid)
            .into_iter()
            .filter(|e| events.contains(&e.event))
            .map(|e| (e.event, e.outcome, e.detail))
            .collect()
    }

    /// An operator's ES2+ call, in process (ES2+ over mutual TLS is rsp-smdp's own test).
    fn es2(&self, f: Es2Function, body: Value) -> Value {
        let a = self
            .smdp
            .service
            .with(|s| s.handle_es2(f, body.to_string().as_bytes()));
        let v: Value = serde_json::from_slice(&a.body).expect("ES2+ JSON");
        assert_eq!(
            v["header"]["functionExecutionStatus"]["status"], "Executed-Success",
            "{f:?}: {v}"
        );
        v
    }
}

fn no_sleep_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        backoff: std::time::Duration::ZERO,
        sleep: |_| {},
    }
}

fn ac(matching_id: &str, cc_required: bool) -> Source {
    let text = format!(
        "LPA:1${SMDP}${matching_id}{}",
        if cc_required { "$$1" } else { "" }
    );
    let ac = ActivationCode::parse(&text, &ParseOptions::lab()).expect("activation code");
    assert_eq!(ac.confirmation_code_required, cc_required);
    Source::ActivationCode(ac)
}

/// What a finished download left for the checks.
struct Downloaded {
    installed: Installed,
    cc_required: bool,
    ci_pkid: Vec<u8>,
    bpp: Tlv,
    split: TimeSplit,
}

/// Every step of a download; panics with the step's error.
fn download(
    card: &mut Card<&mut Euicc>,
    https: &mut HttpsServer,
    source: Source,
    options: DownloadOptions,
) -> Downloaded {
    let mut d = Download::new(card, https, source, options);
    while let Some(step) = d.next_step() {
        if let Err(e) = d.step() {
            panic!("{}: {e}", step.name());
        }
    }
    let ia = d.initiate_authentication_response().expect("IA answer");
    let pkid = Base64Bytes::from_base64(ia["euiccCiPKIdToBeUsed"].as_str().unwrap()).unwrap();
    Downloaded {
        installed: d.installed().expect("installed"),
        cc_required: d.confirmation_code_required(),
        ci_pkid: Tlv::parse(pkid.as_bytes())
            .unwrap()
            .content()
            .unwrap()
            .to_vec(),
        bpp: Tlv::parse(d.bound_profile_package().unwrap()).unwrap(),
        split: d.time_split(),
    }
}

/// A download expected to fail; returns the error and the step it failed in.
fn failing_download(
    card: &mut Card<&mut Euicc>,
    https: &mut HttpsServer,
    source: Source,
    options: DownloadOptions,
    hooks: impl Hooks + 'static,
) -> (Step, DownloadError) {
    let mut d = Download::new(card, https, source, options).with_hooks(hooks);
    while let Some(step) = d.next_step() {
        if let Err(e) = d.step() {
            return (step, e);
        }
    }
    panic!("the download succeeded");
}

fn codes(e: &DownloadError) -> Option<(String, String)> {
    match e {
        DownloadError::Remote(r) => r.status_codes().map(|(s, r)| (s.to_owned(), r.to_owned())),
        _ => None,
    }
}

fn pair(s: &str, r: &str) -> Option<(String, String)> {
    Some((s.to_owned(), r.to_owned()))
}

fn delivered_events(deliveries: &[Delivery]) -> Vec<Option<NotificationEvent>> {
    for d in deliveries {
        assert_eq!(d.outcome, Ok(true), "{d:?}");
        assert_eq!(d.address, SMDP);
        assert_eq!(d.attempts, 1);
    }
    deliveries.iter().map(|d| d.event).collect()
}

// ------------------------------------------------------------------ the matrix

#[rstest]
fn download_enable_read_disable_delete_and_notify(
    #[values(Method::ActivationCode, Method::DefaultSmdp, Method::Smds)] method: Method,
    #[values(PkiKind::Sgp26, PkiKind::Generated)] kind: PkiKind,
    #[values(Curve::NistP256, Curve::BrainpoolP256r1)] curve: Curve,
    #[values(false, true)] cc: bool,
    #[values(false, true)] rsk: bool,
) {
    let Some(pki) = pki(kind) else { return };
    let (name, iccid) = profile_for(method);
    let package = profile(name);
    let mut euicc = card(pki, curve, 3);
    let eid = euicc.eid().to_digits();
    let code = cc.then(|| CC.to_owned());
    let orders = match method {
        Method::ActivationCode => {
            let mut o = Order::released(iccid, package.clone(), Some(MATCHING_ID), None);
            o.confirmation_code = code.clone();
            vec![o]
        }
        Method::DefaultSmdp => {
            let mut o = Order::released(iccid, package.clone(), None, Some(&eid));
            o.confirmation_code = code.clone();
            vec![o]
        }
        Method::Smds => vec![Order::available(iccid, package.clone(), "consumer")],
    };
    let config = SmdpConfig {
        replace_session_keys: rsk,
        ..SmdpConfig::default()
    };
    let mut env = env(pki, config, orders, method == Method::Smds);
    let mut event_id = None;
    if method == Method::Smds {
        // The operator orders for this EID through the SM-DS: the SM-DP+ registers the event.
        let header =
            json!({"functionRequesterIdentifier": "operator-1", "functionCallIdentifier": "1"});
        env.es2(
            Es2Function::DownloadOrder,
            json!({"header": header, "iccid": iccid, "eid": eid}),
        );
        let mut confirm = json!({"header": header, "iccid": iccid, "eid": eid,
                                 "smdsAddress": SMDS, "releaseFlag": true});
        if let Some(c) = &code {
            confirm["confirmationCode"] = json!(c);
        }
        let confirmed = env.es2(Es2Function::ConfirmOrder, confirm);
        event_id = Some(confirmed["matchingId"].as_str().unwrap().to_owned());
    }

    let mut card = Card::open(&mut euicc, CardOptions::default()).expect("open ISD-R");
    let mut ds_stats = ServerStats::default();
    let source = match method {
        Method::ActivationCode => ac(MATCHING_ID, cc),
        Method::DefaultSmdp => {
            assert_eq!(
                card.configured_addresses().unwrap().default_dp_address,
                None
            );
            card.set_default_dp_address(SMDP)
                .expect("SetDefaultDpAddress");
            let address = card
                .configured_addresses()
                .unwrap()
                .default_dp_address
                .expect("default SM-DP+ address");
            Source::DefaultSmdp { address }
        }
        Method::Smds => {
            let root = card
                .configured_addresses()
                .unwrap()
                .root_ds_address
                .expect("root SM-DS");
            let events = discover(
                &mut card,
                &mut env.https,
                &mut ds_stats,
                &root,
                &default_device_info(),
            )
            .expect("ES11 discovery");
            assert_eq!(events.len(), 1, "{events:?}");
            assert_eq!(events[0].rsp_server_address, SMDP);
            assert_eq!(Some(events[0].event_id.expose()), event_id.as_deref());
            Source::Event {
                address: events[0].rsp_server_address.clone(),
                event_id: events[0].event_id.clone(),
            }
        }
    };

    let options = DownloadOptions {
        confirmation_code: code.clone().map(Secret::new),
        // The PIR stays on the card: notifications::process delivers all four below.
        send_notification: false,
        ..DownloadOptions::default()
    };
    let done = download(&mut card, &mut env.https, source, options);
    assert_eq!(done.installed.iccid.as_deref(), Some(iccid));
    assert_eq!(done.cc_required, cc);
    let ci = pki.set.curve(curve).unwrap().ci.cert.key_id().to_vec();
    assert_eq!(done.ci_pkid, ci, "the SM-DP+ used the {curve:?} CI");
    let has_rsk = done.bpp.children().iter().any(|c| c.tag() == Tag::of(0xA2));
    assert_eq!(has_rsk, rsk, "ReplaceSessionKeys in the BPP");
    assert_eq!(done.split.server.calls, 3, "IA, AC, GBPP");
    assert!(done.split.apdu.commands > 10, "{:?}", done.split.apdu);
    assert_eq!(env.state(iccid), OrderState::Downloaded);

    let profiles = card.profiles(&ProfileFilter::All).unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].iccid.as_deref(), Some(iccid));
    assert!(!profiles[0].enabled());

    // The PIR: the SM-DP+ marks the order installed.
    let pir_seq = pir_metadata(&done.installed.pir).unwrap().seq_number;
    let mut stats = ServerStats::default();
    let sent = notifications::process(
        &mut card,
        &mut env.https,
        &mut stats,
        Some(pir_seq),
        true,
        &no_sleep_retries(),
    )
    .unwrap();
    assert_eq!(delivered_events(&sent), [Some(NotificationEvent::Install)]);
    assert_eq!(env.state(iccid), OrderState::Installed);

    // Enable; the UICC side shows the profile's EF.IMSI.
    let id = ProfileId::parse(iccid).unwrap();
    card.enable_profile(&id, true).expect("EnableProfile");
    assert!(card.profiles(&ProfileFilter::Id(id.clone())).unwrap()[0].enabled());
    assert_eq!(read_imsi(card.transport_mut()), profile_imsi(&package));

    card.disable_profile(&id, true).expect("DisableProfile");
    card.delete_profile(&id).expect("DeleteProfile");
    assert!(card.profiles(&ProfileFilter::All).unwrap().is_empty());

    // Enable, disable, delete notifications, in order, each delivered and removed.
    let sent = notifications::process(
        &mut card,
        &mut env.https,
        &mut stats,
        None,
        true,
        &no_sleep_retries(),
    )
    .unwrap();
    assert_eq!(
        delivered_events(&sent),
        [
            Some(NotificationEvent::Enable),
            Some(NotificationEvent::Disable),
            Some(NotificationEvent::Delete)
        ]
    );
    assert!(card.list_notifications(None).unwrap().is_empty());
    assert_eq!(stats.calls, 4);

    // The SM-DP+ received each one: its ledger and inventory say so.
    assert_eq!(env.state(iccid), OrderState::Unavailable);
    let ok = || "ok".to_owned();
    assert_eq!(
        env.ledger(iccid, &[AuditEvent::Installed, AuditEvent::Notification]),
        [
            (AuditEvent::Installed, ok(), String::new()),
            (AuditEvent::Notification, ok(), "enable".into()),
            (AuditEvent::Notification, ok(), "disable".into()),
            (AuditEvent::Notification, ok(), "delete".into()),
        ]
    );
    let eids: Vec<_> = env.audit(iccid).into_iter().filter_map(|e| e.eid).collect();
    assert!(eids.iter().all(|e| *e == eid), "{eids:?}");

    if method == Method::Smds {
        // Installed: the SM-DP+ deleted the event over ES12, so discovery finds nothing.
        let events = discover(
            &mut card,
            &mut env.https,
            &mut ds_stats,
            SMDS,
            &default_device_info(),
        )
        .unwrap();
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(ds_stats.calls, 4);
        let smds = env.smds.as_ref().unwrap();
        assert_eq!(smds.es11.stats().requests, 4);
        assert_eq!(
            smds.es12.as_ref().unwrap().stats().requests,
            2,
            "register, delete"
        );
    }
}

// ------------------------------------------------------------------ refusals and cancels

/// An activation-code order on the generated PKI (NIST) and the card that downloads it.
fn ac_setup(order: Order, config: SmdpConfig) -> (Env, Euicc) {
    let pki = pki(PkiKind::Generated).unwrap();
    let euicc = card(pki, Curve::NistP256, 5);
    (env(pki, config, vec![order], false), euicc)
}

const ICCID: &str = "89999000000000000018";

fn ac_order(eid: Option<&str>, cc: Option<&str>) -> Order {
    let mut o = Order::released(ICCID, profile("minimal-milenage"), Some(MATCHING_ID), eid);
    o.confirmation_code = cc.map(str::to_owned);
    o
}

fn with_cc(code: &str) -> DownloadOptions {
    DownloadOptions {
        confirmation_code: Some(Secret::new(code.to_owned())),
        ..DownloadOptions::default()
    }
}

#[test]
fn a_wrong_confirmation_code_is_refused_until_the_order_is_spent() {
    let (mut env, mut euicc) = ac_setup(ac_order(None, Some(CC)), SmdpConfig::default());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    for (attempt, expected) in [(1, "3.8"), (2, "3.8"), (3, "6.4")] {
        let (step, e) = failing_download(
            &mut card,
            &mut env.https,
            ac(MATCHING_ID, true),
            with_cc("0000"),
            NoHooks,
        );
        assert_eq!(step, Step::GetBoundProfilePackage, "attempt {attempt}: {e}");
        assert_eq!(codes(&e), pair("8.2.7", expected), "attempt {attempt}: {e}");
    }
    assert_eq!(env.state(ICCID), OrderState::Error);
    // Spent: even the right code no longer gets past AuthenticateClient.
    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, true),
        with_cc(CC),
        NoHooks,
    );
    assert_eq!(step, Step::AuthenticateClient, "{e}");
    assert_eq!(codes(&e), pair("8.2.6", "3.8"), "{e}");
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::ConfirmationCodeRefused]),
        [
            (
                AuditEvent::ConfirmationCodeRefused,
                "8.2.7/3.8".into(),
                "attempt 1 of 3".into()
            ),
            (
                AuditEvent::ConfirmationCodeRefused,
                "8.2.7/3.8".into(),
                "attempt 2 of 3".into()
            ),
            (
                AuditEvent::ConfirmationCodeRefused,
                "8.2.7/6.4".into(),
                "attempt 3 of 3".into()
            ),
        ]
    );
    assert!(card.profiles(&ProfileFilter::All).unwrap().is_empty());
}

#[test]
fn a_missing_confirmation_code_postpones_and_the_order_stays_available() {
    let (mut env, mut euicc) = ac_setup(ac_order(None, Some(CC)), SmdpConfig::default());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, true),
        DownloadOptions::default(),
        NoHooks,
    );
    assert_eq!(
        (step, e),
        (Step::Confirm, DownloadError::ConfirmationCodeRequired)
    );
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::Cancelled]),
        [(AuditEvent::Cancelled, "ok".into(), "reason 1".into())]
    );
    // Postponed, not rejected: the code can still be entered in a later attempt.
    assert_eq!(env.state(ICCID), OrderState::Released);
}

#[test]
fn an_activation_code_works_once() {
    let (mut env, mut euicc) = ac_setup(ac_order(None, None), SmdpConfig::default());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    // The plain LPA: the PIR goes to the SM-DP+ within the download and leaves the card.
    let done = download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        DownloadOptions::default(),
    );
    assert_eq!(
        done.split.server.calls, 4,
        "IA, AC, GBPP, HandleNotification"
    );
    assert_eq!(env.state(ICCID), OrderState::Installed);
    assert!(card.list_notifications(None).unwrap().is_empty());

    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        DownloadOptions::default(),
        NoHooks,
    );
    assert_eq!(step, Step::AuthenticateClient, "{e}");
    assert_eq!(codes(&e), pair("8.2.6", "3.8"), "{e}");
    assert!(matches!(
        e,
        DownloadError::Remote(RemoteError::Failed { .. })
    ));
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::DownloadRefused]),
        [(
            AuditEvent::DownloadRefused,
            "8.2.6/3.8".into(),
            "matching ID".into()
        )]
    );
    assert_eq!(card.profiles(&ProfileFilter::All).unwrap().len(), 1);
}

#[rstest]
#[case::activation_code(true)]
#[case::default_smdp(false)]
fn a_profile_bound_to_another_eid_is_refused(#[case] with_matching_id: bool) {
    let other = "89049032123451234512345678901235";
    let mut order = ac_order(Some(other), None);
    if !with_matching_id {
        order.matching_id = None;
    }
    let (mut env, mut euicc) = ac_setup(order, SmdpConfig::default());
    assert_ne!(euicc.eid().to_digits(), other);
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let source = if with_matching_id {
        ac(MATCHING_ID, false)
    } else {
        Source::DefaultSmdp {
            address: SMDP.into(),
        }
    };
    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        source,
        DownloadOptions::default(),
        NoHooks,
    );
    assert_eq!(step, Step::AuthenticateClient, "{e}");
    assert_eq!(codes(&e), pair("8.1.1", "3.8"), "{e}");
    assert_eq!(env.state(ICCID), OrderState::Released);
}

/// Where the SM-DP+ (fault-injected) makes the metadata disagree.
#[derive(Debug, Clone, Copy)]
enum Mismatch {
    /// AuthenticateClient announces another profile name.
    Announced,
    /// The BPP's StoreMetadata segment (88, MAC only) is altered in transit.
    InBpp,
}

#[rstest]
#[case::announced(Mismatch::Announced)]
#[case::in_bpp(Mismatch::InBpp)]
fn a_metadata_mismatch_is_cancelled_and_reported(#[case] mismatch: Mismatch) {
    let (mut env, mut euicc) = ac_setup(ac_order(None, None), SmdpConfig::default());
    let name = "Not the bound profile";
    let armed = match mismatch {
        Mismatch::Announced => {
            let mut tlv = vec![0x92, name.len() as u8];
            tlv.extend_from_slice(name.as_bytes());
            ArmedFault {
                function: Some(Es9Function::AuthenticateClient),
                fault: Fault::SetField {
                    field: "profileMetadata".into(),
                    path: "StoreMetadataRequest.profileName".into(),
                    tlv_hex: hex::encode(tlv),
                },
                times: 1,
            }
        }
        // Segment 0 is ConfigureISDP (87), segment 1 the first StoreMetadata piece (88).
        Mismatch::InBpp => ArmedFault {
            function: Some(Es9Function::GetBoundProfilePackage),
            fault: Fault::BppSegment {
                index: 1,
                damage: SegmentDamage::Ciphertext,
            },
            times: 1,
        },
    };
    env.smdp.service.with(|s| s.arm(armed).unwrap());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let mut d = Download::new(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        DownloadOptions::default(),
    );
    d.run_until(Step::GetBoundProfilePackage).unwrap();
    let announced = d.metadata().unwrap().profile_name;
    match mismatch {
        Mismatch::Announced => assert_eq!(announced, name),
        Mismatch::InBpp => assert_eq!(announced, format!("Profile {ICCID}")),
    }
    let e = d.step().unwrap_err();
    assert!(
        matches!(
            e,
            DownloadError::Cancelled {
                reason: CancelReason::MetadataMismatch,
                reported: true,
                ..
            }
        ),
        "{e}"
    );
    drop(d);
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::Cancelled]),
        [(AuditEvent::Cancelled, "ok".into(), "reason 4".into())]
    );
    assert_eq!(env.state(ICCID), OrderState::Error);
    // Nothing of the profile reached the card.
    assert!(card.profiles(&ProfileFilter::All).unwrap().is_empty());
    assert!(card.list_notifications(None).unwrap().is_empty());
}

#[rstest]
#[case::reject(Consent::Reject, CancelReason::EndUserRejection, OrderState::Error)]
#[case::postpone(Consent::Postpone, CancelReason::Postponed, OrderState::Released)]
#[case::timeout(Consent::Timeout, CancelReason::Timeout, OrderState::Released)]
fn a_refused_consent_is_reported_with_its_reason(
    #[case] consent: Consent,
    #[case] reason: CancelReason,
    #[case] state: OrderState,
) {
    let (mut env, mut euicc) = ac_setup(ac_order(None, None), SmdpConfig::default());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let options = DownloadOptions {
        consent,
        ..DownloadOptions::default()
    };
    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        options,
        NoHooks,
    );
    assert_eq!(step, Step::Confirm);
    assert!(
        matches!(e, DownloadError::Cancelled { reason: r, reported: true, .. } if r == reason),
        "{e}"
    );
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::Cancelled]),
        [(
            AuditEvent::Cancelled,
            "ok".into(),
            format!("reason {}", reason.code())
        )]
    );
    assert_eq!(env.state(ICCID), state);
    if state == OrderState::Released {
        // Postponed or timed out: the same activation code works later.
        download(
            &mut card,
            &mut env.https,
            ac(MATCHING_ID, false),
            DownloadOptions::default(),
        );
        assert_eq!(env.state(ICCID), OrderState::Installed);
    }
}

/// Replaces one LoadBoundProfilePackage piece with bytes that are no ES10 request.
struct CorruptPiece(usize);

impl Hooks for CorruptPiece {
    fn outgoing(&mut self, _step: Step, message: Outgoing<'_>) {
        if let Outgoing::BppPieces(pieces) = message {
            pieces[self.0] = vec![0xFF];
        }
    }
}

#[test]
fn a_piece_the_card_refuses_is_cancelled_as_load_bpp_execution_error() {
    let (mut env, mut euicc) = ac_setup(ac_order(None, None), SmdpConfig::default());
    let mut card = Card::open(&mut euicc, CardOptions::default()).unwrap();
    let (step, e) = failing_download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        DownloadOptions::default(),
        CorruptPiece(2),
    );
    assert_eq!(step, Step::LoadBoundProfilePackage);
    match &e {
        DownloadError::Cancelled {
            reason: CancelReason::LoadBppExecutionError,
            cause,
            reported: true,
        } => assert!(
            cause.contains("piece 3 of") && cause.contains("6A80"),
            "{cause}"
        ),
        other => panic!("{other}"),
    }
    assert_eq!(
        env.ledger(ICCID, &[AuditEvent::Cancelled]),
        [(AuditEvent::Cancelled, "ok".into(), "reason 5".into())]
    );
    assert_eq!(env.state(ICCID), OrderState::Released);
    assert!(card.profiles(&ProfileFilter::All).unwrap().is_empty());
    // The order is downloadable again, and this time it installs.
    download(
        &mut card,
        &mut env.https,
        ac(MATCHING_ID, false),
        DownloadOptions::default(),
    );
    assert_eq!(env.state(ICCID), OrderState::Installed);
}
