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
