//! Durability over HTTPS: events registered through one server process live in the SQLite
//! file and are discovered by the next one; a deletion survives the next restart; the audit
//! trail holds every step with EventID fingerprints, never the EventIDs.

mod common;

use common::*;
use rsp_smds::sqlite::{format_audit, AuditFilter, SqliteEventStore};
use rsp_smds::{event_fingerprint, AuditAction};

#[test]
fn events_survive_a_restart_and_deletions_stick() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("smds.db");
    let mut card = card();
    let eid = card.eid().to_digits();
    let discover_once = |ds: &Ds<SqliteEventStore>, card: &mut rsp_euicc::Euicc| {
        let lpa = lpa_client(ds);
        discover(
            &Target {
                client: &lpa,
                port: ds.es11.local_addr().port(),
                address: &ds.address,
            },
            card,
            Style::Es11,
        )
    };

    // 1: register, stop.
    let ds = start(SqliteEventStore::open(&db).unwrap(), DsOptions::default());
    assert_eq!(
        ds.service.with(|s| s.store().journal_mode().to_owned()),
        "wal"
    );
    let dp = dp_client(&ds);
    assert_eq!(register(&ds, &dp, &eid, "EVENT-DURABLE", false), "ok");
    assert_eq!(ds.stop(), 0);

    // 2: a new server on the same file discovers it; delete; stop.
    let ds = start(
        SqliteEventStore::open(&db).unwrap(),
        DsOptions {
            seed: 12,
            ..DsOptions::default()
        },
    );
    assert_eq!(
        discover_once(&ds, &mut card),
        vec![("EVENT-DURABLE".to_owned(), SMDP.to_owned())]
    );
    let dp = dp_client(&ds);
    assert_eq!(delete(&ds, &dp, &eid, "EVENT-DURABLE"), "ok");
    assert_eq!(ds.stop(), 0);

    // 3: gone after the restart; a second delete is refused.
    let ds = start(
        SqliteEventStore::open(&db).unwrap(),
        DsOptions {
            seed: 13,
            ..DsOptions::default()
        },
    );
    assert_eq!(discover_once(&ds, &mut card), vec![]);
    let dp = dp_client(&ds);
    assert_eq!(delete(&ds, &dp, &eid, "EVENT-DURABLE"), "8.9.5/3.9");
    assert_eq!(ds.stop(), 0);

    let store = SqliteEventStore::open_existing(&db).unwrap();
    let audit = store
        .audit_report(&AuditFilter {
            eid: Some(eid.clone()),
            since: None,
        })
        .unwrap();
    let summary: Vec<_> = audit
        .iter()
        .map(|a| (a.action, a.outcome.as_str(), a.event.is_some()))
        .collect();
    assert_eq!(
        summary,
        [
            (AuditAction::Register, "ok", true),
            (AuditAction::Discover, "ok", true),
            (AuditAction::Delete, "ok", true),
            (AuditAction::Discover, "ok", false),
            (AuditAction::Delete, "8.9.5/3.9", true),
        ]
    );
    let fp = event_fingerprint("EVENT-DURABLE");
    assert!(audit
        .iter()
        .all(|a| a.event.as_deref().is_none_or(|e| e == fp)));
    let table = format_audit(&audit);
    assert!(
        table.contains(&fp) && !table.contains("EVENT-DURABLE"),
        "{table}"
    );
}
