//! ES2+ on the reference SM-DP+: the operator's order lifecycle (DownloadOrder, ConfirmOrder,
//! ReleaseProfile, CancelOrder) with its status codes, then the download the order enables.

mod common;

use common::*;
use rsp_codec::json::Es2Function;
use rsp_codec::status::KnownStatus;
use rsp_euicc::testkit;
use rsp_smdp::{MemoryStore, Order, OrderState, OrderStore, Smdp};
use serde_json::{json, Value};

fn header() -> Value {
    json!({"functionRequesterIdentifier": "operator-1", "functionCallIdentifier": "call-1"})
}

fn es2(smdp: &mut Smdp<MemoryStore>, f: Es2Function, v: Value) -> rsp_smdp::Es9Answer {
    smdp.handle_es2(f, v.to_string().as_bytes())
}

fn inventory() -> Smdp<MemoryStore> {
    let mut s = smdp(vec![]);
    s.add_profile(Order::available(ICCID, profile(), "consumer"));
    s
}

#[test]
fn order_confirm_download_install() {
    let mut smdp = inventory();
    let a = es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "profileType": "consumer"}),
    );
    assert_eq!(success(&a)["iccid"], ICCID);
    assert_eq!(
        smdp.store().get(ICCID).unwrap().state,
        OrderState::Allocated
    );

    // Confirm without a matching ID: the SM-DP+ makes one (an activation-code token), released.
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "releaseFlag": true}),
    );
    let r = success(&a);
    let token = r["matchingId"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 29, "five groups of five: {token}");
    assert_eq!(r["smdpAddress"], ADDRESS);
    assert_eq!(smdp.store().get(ICCID).unwrap().state, OrderState::Released);

    let mut card = card();
    let pir = full_download(&mut smdp, &mut card, Some(&token), None);
    assert_eq!(testkit::pir_error(&pir), None);
    assert_eq!(
        smdp.store().get(ICCID).unwrap().state,
        OrderState::Installed
    );
}

#[test]
fn confirmed_but_not_released_is_not_downloadable_until_release() {
    let mut smdp = inventory();
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID}),
    ));
    success(&es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "MY-CODE", "releaseFlag": false}),
    ));
    let mut card = card();
    let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("MY-CODE"));
    assert_eq!(a.failure(), Some(KnownStatus::ProfileNotReleased));
    success(&es2(
        &mut smdp,
        Es2Function::ReleaseProfile,
        json!({"header": header(), "iccid": ICCID}),
    ));
    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("MY-CODE"));
    success(&a);
}

#[test]
fn default_smdp_order_needs_the_eid() {
    let mut smdp = inventory();
    let eid = card().eid().to_digits();
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID}),
    ));
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "", "releaseFlag": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::EidMissing));
    success(&es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "matchingId": "", "releaseFlag": true}),
    ));
    let mut card = card();
    assert_eq!(
        testkit::pir_error(&full_download(&mut smdp, &mut card, None, None)),
        None
    );
}

#[test]
fn es2_errors_have_their_status_codes() {
    let mut smdp = inventory();
    let cases: Vec<(Es2Function, Value, KnownStatus)> = vec![
        (
            Es2Function::DownloadOrder,
            json!({"header": header(), "iccid": "89999000000000000026"}),
            KnownStatus::IccidUnknown,
        ),
        (
            Es2Function::DownloadOrder,
            json!({"header": header(), "profileType": "nope"}),
            KnownStatus::ProfileTypeUnknown,
        ),
        (
            Es2Function::DownloadOrder,
            json!({"header": header(), "iccid": ICCID, "profileType": "other"}),
            KnownStatus::ProfileTypeMismatch,
        ),
        (
            Es2Function::DownloadOrder,
            json!({"header": header()}),
            KnownStatus::MandatoryParameterMissing,
        ),
        (
            Es2Function::ReleaseProfile,
            json!({"header": header(), "iccid": ICCID}),
            KnownStatus::ProfileStateTransitionInvalid,
        ),
        (
            Es2Function::ConfirmOrder,
            json!({"header": header(), "iccid": ICCID, "releaseFlag": true}),
            KnownStatus::ProfileStateTransitionInvalid,
        ),
    ];
    for (f, body, expected) in cases {
        assert_eq!(
            es2(&mut smdp, f, body.clone()).failure(),
            Some(expected),
            "{body}"
        );
    }
    // Missing request header: the generic missing-parameter status.
    let a = es2(
        &mut smdp,
        Es2Function::ReleaseProfile,
        json!({"iccid": ICCID}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::MandatoryParameterMissing));

    // Second profile of the type: the first is taken, the type has none left.
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "profileType": "consumer", "eid": "89049032123451234512345678901235"}),
    ));
    let a = es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "profileType": "consumer"}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::ProfileTypeUnavailable));
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": "89049032123451234512345678901335", "releaseFlag": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::EidAssociationMismatch));

    // A matching ID already used by another order conflicts.
    smdp.add_profile(Order::released(
        "89999000000000000026",
        profile(),
        Some("TAKEN"),
        None,
    ));
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "TAKEN", "releaseFlag": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdConflict));
}

#[test]
fn cancel_order_returns_the_profile_to_the_inventory() {
    let mut smdp = inventory();
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID}),
    ));
    success(&es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "CODE-X", "releaseFlag": true}),
    ));
    let a = es2(
        &mut smdp,
        Es2Function::CancelOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "CODE-Y", "finalProfileStatusIndicator": "Available"}),
    );
    assert_eq!(
        a.failure(),
        Some(KnownStatus::MatchingIdAssociationMismatch)
    );
    success(&es2(
        &mut smdp,
        Es2Function::CancelOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "CODE-X", "finalProfileStatusIndicator": "Available"}),
    ));
    assert_eq!(
        smdp.store().get(ICCID).unwrap().state,
        OrderState::Available
    );
    // The cancelled activation code no longer works.
    let mut card = card();
    let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("CODE-X"));
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdRefused));
    let events: Vec<&str> = smdp
        .store()
        .audit_log()
        .iter()
        .map(|e| e.event.name())
        .collect::<Vec<_>>();
    assert_eq!(
        events,
        vec!["ordered", "confirmed", "cancelled", "download-refused"]
    );
}

fn card_eid(card: &mut rsp_euicc::Euicc) -> String {
    let mut lpa = rsp_euicc::testkit::Lpa::open(card);
    let r = lpa.call(&hex::decode("BF3E035C015A").unwrap());
    hex::encode_upper(r.children()[0].content().unwrap())
}

#[test]
fn an_smds_order_registers_its_event_and_deletes_it_after_installation() {
    use rsp_smdp::es12_client::{Es12Call, Es12Error, RecordingRegistrar};
    let mut card = card();
    let eid = card_eid(&mut card);
    let mut smdp = inventory();
    let registrar = RecordingRegistrar::default();
    smdp.set_event_registrar(Box::new(registrar.clone()));
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid}),
    ));
    // The SM-DS refuses, then is unreachable: 8.9/4.2 and 8.9/5.1, and the order stays linked.
    for (e, status) in [
        (
            Es12Error::Refused {
                address: "x".into(),
                reason: "8.9.5/3.3".into(),
            },
            KnownStatus::SmdsExecutionError,
        ),
        (
            Es12Error::Unreachable {
                address: "x".into(),
                reason: "connection refused".into(),
            },
            KnownStatus::SmdsInaccessible,
        ),
    ] {
        *registrar.fail_with.lock().unwrap() = Some(e);
        let a = es2(
            &mut smdp,
            Es2Function::ConfirmOrder,
            json!({"header": header(), "iccid": ICCID, "eid": eid, "smdsAddress": "testsmds.example.com", "releaseFlag": true}),
        );
        assert_eq!(a.failure(), Some(status));
        assert_eq!(smdp.store().get(ICCID).unwrap().state, OrderState::Linked);
    }
    *registrar.fail_with.lock().unwrap() = None;
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "smdsAddress": "testsmds.example.com", "releaseFlag": true}),
    );
    let event_id = success(&a)["matchingId"].as_str().unwrap().to_owned();
    let calls = registrar.calls.lock().unwrap().clone();
    let Some(Es12Call::Register {
        smds_address,
        request,
    }) = calls.last()
    else {
        panic!("{calls:?}")
    };
    assert_eq!(smds_address, "testsmds.example.com");
    assert_eq!(request.eid.as_str(), eid);
    assert_eq!(request.event_id.expose(), event_id);
    assert_eq!(request.rsp_server_address, ADDRESS);
    // The LPA discovers the event and downloads with its EventID as matching ID.
    let pir = full_download(&mut smdp, &mut card, Some(&event_id), None);
    assert_eq!(testkit::pir_error(&pir), None);
    let calls = registrar.calls.lock().unwrap().clone();
    assert!(
        matches!(calls.last(), Some(Es12Call::Delete { request, .. }) if request.event_id.expose() == event_id),
        "{calls:?}"
    );
}

#[test]
fn without_an_es12_client_an_smds_order_is_8_9_5_1() {
    let mut smdp = inventory();
    let eid = card_eid(&mut card());
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "smdsAddress": "testsmds.example.com", "releaseFlag": true}),
    );
    // DownloadOrder was skipped, so the state check answers first; order it properly.
    assert_eq!(
        a.failure(),
        Some(KnownStatus::ProfileStateTransitionInvalid)
    );
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID}),
    ));
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "eid": eid, "smdsAddress": "testsmds.example.com", "releaseFlag": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::SmdsInaccessible));
}

#[test]
fn a_consumed_matching_id_never_comes_back_after_cancel_and_reissue() {
    let mut smdp = inventory();
    let order = |smdp: &mut Smdp<MemoryStore>| {
        success(&es2(
            smdp,
            Es2Function::DownloadOrder,
            json!({"header": header(), "iccid": ICCID}),
        ));
    };
    order(&mut smdp);
    success(&es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "ONCE-ONLY", "releaseFlag": true}),
    ));
    let mut card = card();
    let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
    let (mut d, a) = authenticate(&mut smdp, &mut lpa, Some("ONCE-ONLY"));
    d.prepare_response = prepare(&mut lpa, &success(&a), None, &d.tx);
    // The BPP goes out damaged, so the install fails and the order may be cancelled.
    smdp.arm(
        serde_json::from_value(json!({
            "function": "getBoundProfilePackage",
            "fault": {"kind": "bppSegment", "index": 2, "damage": "mac"}
        }))
        .unwrap(),
    )
    .unwrap();
    let bpp = unb64(&success(&get_bpp(&mut smdp, &d))["boundProfilePackage"]);
    let pir = testkit::load_pieces(&mut lpa, &rsp_codec::tlv::Tlv::parse(&bpp).unwrap());
    assert!(testkit::pir_error(&pir).is_some());
    let n = post(
        &mut smdp,
        rsp_codec::json::Es9Function::HandleNotification,
        json!({ "pendingNotification": b64(&pir.encode()) }),
    );
    assert_eq!(n.http_status, 204);
    assert_eq!(smdp.store().get(ICCID).unwrap().state, OrderState::Released);
    // The operator cancels and re-issues the ICCID with the same code.
    success(&es2(
        &mut smdp,
        Es2Function::CancelOrder,
        json!({"header": header(), "iccid": ICCID, "finalProfileStatusIndicator": "Available"}),
    ));
    order(&mut smdp);
    let a = es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "ONCE-ONLY", "releaseFlag": true}),
    );
    assert_eq!(a.failure(), Some(KnownStatus::MatchingIdConflict));
    assert!(
        smdp.store()
            .audit_log()
            .iter()
            .all(|e| !e.detail.contains("ONCE-ONLY")),
        "the ledger never holds a matching ID"
    );
}

#[test]
fn an_order_expires_after_its_ttl() {
    let mut inventory = MemoryStore::default();
    inventory.put(Order::available(ICCID, profile(), "consumer"));
    // Orders expire one hour after ConfirmOrder.
    let config = rsp_smdp::SmdpConfig {
        order_ttl: Some(3600),
        ..Default::default()
    };
    let mut smdp = Smdp::new(
        config,
        &pki(),
        inventory,
        Box::new(rsp_crypto::SeededRandom::new(3)),
        now(),
    )
    .unwrap();
    success(&es2(
        &mut smdp,
        Es2Function::DownloadOrder,
        json!({"header": header(), "iccid": ICCID}),
    ));
    success(&es2(
        &mut smdp,
        Es2Function::ConfirmOrder,
        json!({"header": header(), "iccid": ICCID, "matchingId": "SOON-GONE", "releaseFlag": true}),
    ));
    smdp.set_time(rsp_crypto::cert::Time::from_unix(now().unix() + 3601));
    let mut card = card();
    let mut lpa = rsp_euicc::testkit::Lpa::open(&mut card);
    let (_, a) = authenticate(&mut smdp, &mut lpa, Some("SOON-GONE"));
    assert_eq!(a.failure(), Some(KnownStatus::DownloadOrderExpired));
}
