//! Cascade (ES15 over the ES12 binding): in process with the recording forwarder — what is
//! forwarded, in which order, and that a failing parent leaves no half-registered event — and
//! over real HTTPS between two SM-DS instances, where the LPA discovers at the root, is sent
//! to the child, and discovers the SM-DP+'s event there.

mod common;

use common::*;
use rsp_codec::json::Es12Function;
use rsp_codec::status::KnownStatus;
use rsp_crypto::SeededRandom;
use rsp_smds::forward::{ForwardCall, ForwardError, ForwardedEvent, HttpForwarder};
use rsp_smds::{Answer, EventStore, MemoryEventStore, RecordingForwarder, Smds, SmdsConfig};
use rstest::rstest;

const CHILD: &str = "testsmds.example.com";

fn core(forwarder: Option<RecordingForwarder>) -> Smds<MemoryEventStore> {
    let s = Smds::new(
        SmdsConfig::default(),
        &pki(),
        MemoryEventStore::default(),
        Box::new(SeededRandom::new(1)),
        now(),
    )
    .unwrap();
    match forwarder {
        Some(f) => s.with_forwarder(Box::new(f)),
        None => s,
    }
}

fn reg(s: &mut Smds<MemoryEventStore>, id: &str, forward: bool) -> Answer {
    s.handle_es12(
        Es12Function::RegisterEvent,
        register_body(OTHER_EID, id, SMDP, forward)
            .to_string()
            .as_bytes(),
    )
}

fn del(s: &mut Smds<MemoryEventStore>, id: &str) -> Answer {
    s.handle_es12(
        Es12Function::DeleteEvent,
        delete_body(OTHER_EID, id).to_string().as_bytes(),
    )
}

fn refused(status: KnownStatus) -> ForwardError {
    ForwardError::Refused {
        subject: status.subject().into(),
        reason: status.reason().into(),
    }
}

#[test]
fn forwarded_registrations_carry_this_smds_address() {
    let rec = RecordingForwarder::default();
    let mut s = core(Some(rec.clone()));
    assert!(reg(&mut s, "E-FWD", true).is_executed());
    assert!(reg(&mut s, "E-LOCAL", false).is_executed());
    assert_eq!(
        rec.calls(),
        vec![ForwardCall::Register(ForwardedEvent {
            eid: OTHER_EID.into(),
            event_id: "E-FWD".into(),
            rsp_server_address: CHILD.into(),
        })],
        "only the forwardingIndicator=true event, with the SM-DS's own address"
    );
    // Locally the SM-DP+'s address stays.
    let local = s.store().events_for(OTHER_EID).unwrap();
    assert_eq!(local[0].rsp_server_address, SMDP);
    assert!(del(&mut s, "E-FWD").is_executed());
    assert!(del(&mut s, "E-LOCAL").is_executed());
    assert_eq!(
        rec.calls()[1],
        ForwardCall::Delete {
            eid: OTHER_EID.into(),
            event_id: "E-FWD".into()
        }
    );
    assert_eq!(
        rec.calls().len(),
        2,
        "the local-only event is not forwarded"
    );
    assert!(s.store().is_empty());
}

#[rstest]
#[case::unreachable(ForwardError::Unreachable("connection refused".into()))]
#[case::http_error(ForwardError::HttpStatus(503))]
#[case::refused(refused(KnownStatus::EventIdDuplicated))]
fn a_failing_parent_leaves_no_half_registered_event(#[case] failure: ForwardError) {
    let rec = RecordingForwarder::default();
    rec.then(Err(failure));
    let mut s = core(Some(rec.clone()));
    let a = reg(&mut s, "E-1", true);
    assert_eq!(a.failure(), Some(KnownStatus::SmdsExecutionError));
    assert!(s.store().is_empty(), "rolled back");
    assert_eq!(s.take_store_failure(), None);
    let audit = s.store().audit_log();
    assert_eq!(audit.last().unwrap().outcome, "8.9/4.2");
    // A retry once the parent is back goes through.
    assert!(reg(&mut s, "E-1", true).is_executed());
    assert_eq!(s.store().len(), 1);
}

#[test]
fn deletion_goes_to_the_parent_first() {
    let rec = RecordingForwarder::default();
    let mut s = core(Some(rec.clone()));
    assert!(reg(&mut s, "E-1", true).is_executed());
    rec.then(Err(ForwardError::Unreachable("down".into())));
    assert_eq!(
        del(&mut s, "E-1").failure(),
        Some(KnownStatus::SmdsExecutionError)
    );
    assert_eq!(s.store().len(), 1, "kept, so that the SM-DP+ can retry");
    // The parent no longer knowing the event is no reason to keep it here.
    rec.then(Err(refused(KnownStatus::EventIdUnknown)));
    assert!(del(&mut s, "E-1").is_executed());
    assert!(s.store().is_empty());
    // Unknown locally: refused without asking the parent.
    let calls = rec.calls().len();
    assert_eq!(
        del(&mut s, "E-1").failure(),
        Some(KnownStatus::EventIdUnknown)
    );
    assert_eq!(rec.calls().len(), calls);
}

#[test]
fn a_duplicate_is_refused_before_forwarding_and_a_root_ignores_the_indicator() {
    let rec = RecordingForwarder::default();
    let mut s = core(Some(rec.clone()));
    assert!(reg(&mut s, "E-1", true).is_executed());
    assert_eq!(
        reg(&mut s, "E-1", true).failure(),
        Some(KnownStatus::EventIdDuplicated)
    );
    assert_eq!(rec.calls().len(), 1);
    let mut root = core(None);
    assert!(reg(&mut root, "E-1", true).is_executed());
    assert!(root.store().events_for(OTHER_EID).unwrap()[0].forwarding_indicator);
}

#[test]
fn cascade_between_two_smds_over_https() {
    let root = start(MemoryEventStore::default(), DsOptions::default());
    // The child's address names its port: both run on this host with the same certificate.
    let port = free_port();
    let child_address = format!("{HOST}:{port}");
    let set = pki();
    let mut config = rsp_http::ClientConfig::new(rsp_http::Trust::RspRole {
        roots: vec![set.curves()[0].ci.cert.der().to_vec()],
        role: rsp_crypto::cert::Role::DsTls,
    });
    config.client_identity = Some(identity(rsp_crypto::cert::Role::DsTls));
    config.resolve = vec![(HOST.into(), root.es12.local_addr())];
    config.timeout = std::time::Duration::from_secs(10);
    let forwarder = HttpForwarder::new(root.es12_base(), &child_address, config).unwrap();
    let child = start(
        MemoryEventStore::default(),
        DsOptions {
            address: child_address.clone(),
            es11_port: port,
            forwarder: Some(Box::new(forwarder)),
            seed: 12,
        },
    );
    let dp = dp_client(&child);
    let mut card = card();
    let eid = card.eid().to_digits();
    assert_eq!(register(&child, &dp, &eid, "EVENT-C", true), "ok");
    assert_eq!(register(&child, &dp, &eid, "EVENT-LOCAL", false), "ok");

    // The LPA asks the root and is sent to the child …
    let at_root = client(root.es11.local_addr(), None);
    let found = discover(
        &Target {
            client: &at_root,
            port: root.es11.local_addr().port(),
            address: HOST,
        },
        &mut card,
        Style::Es11,
    );
    assert_eq!(found, vec![("EVENT-C".to_owned(), child_address.clone())]);
    // … which sends it to the SM-DP+.
    let at_child = client(child.es11.local_addr(), None);
    let found = discover(
        &Target {
            client: &at_child,
            port,
            address: &found[0].1,
        },
        &mut card,
        Style::Es9PlusAlias,
    );
    assert_eq!(
        found,
        vec![
            ("EVENT-C".to_owned(), SMDP.to_owned()),
            ("EVENT-LOCAL".to_owned(), SMDP.to_owned())
        ]
    );
    let at_root_record = root.service.with(|s| s.store().events_for(&eid).unwrap());
    assert_eq!(at_root_record[0].registered_by, child_address);
    assert!(
        !at_root_record[0].forwarding_indicator,
        "no further cascade"
    );

    // Deleting at the child deletes at the root.
    assert_eq!(delete(&child, &dp, &eid, "EVENT-C"), "ok");
    assert!(root.service.with(|s| s.store().is_empty()));

    // With the root gone, a forwarded registration fails as a whole.
    assert_eq!(root.stop(), 0);
    assert_eq!(register(&child, &dp, &eid, "EVENT-D", true), "8.9/4.2");
    let ids: Vec<_> = child.service.with(|s| {
        s.store()
            .events_for(&eid)
            .unwrap()
            .into_iter()
            .map(|e| e.event_id)
            .collect()
    });
    assert_eq!(ids, ["EVENT-LOCAL"], "no half-registered event");
    assert_eq!(child.stop(), 0);
}
