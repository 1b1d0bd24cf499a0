//! The durable SM-DP+ store: every order field round-trips, state survives a restart, the audit
//! log is append-only, lookups agree with the in-memory store, and a database from a newer
//! rspcheck is refused.

use proptest::prelude::*;
use rsp_crypto::cert::Time;
use rsp_smdp::orders::{
    AuditEntry, AuditEvent, BoundBpp, MemoryStore, Order, OrderMetadata, OrderState, OrderStore,
};
use rsp_smdp::sqlite::{audit_report, format_audit, AuditFilter, SqliteStore, StoreError};
use rstest::rstest;

const ICCID: &str = "89999000000000000018";
const ICCID2: &str = "8999900000000000026";
const EID: &str = "89049032123451234512345678901235";
const EID2: &str = "89049032123451234512345678901310";

/// An order with every optional field set.
fn full_order(iccid: &str, state: OrderState) -> Order {
    Order {
        iccid: iccid.to_owned(),
        package: (0..=255u8).cycle().take(700).collect(),
        profile_type: "type «A»".into(),
        metadata: OrderMetadata {
            service_provider_name: "Opérateur «test»".into(),
            profile_name: "Profile\u{0} with NUL".into(),
            profile_class: -3,
        },
        state,
        eid: Some(EID.into()),
        matching_id: Some(format!("MID-{iccid}")),
        confirmation_code: Some("1234".into()),
        cc_attempts: u32::MAX,
        download_attempts: 7,
        expires_at: Some(Time::from_unix(-86_401)),
        bound: Some(BoundBpp {
            euicc_otpk: vec![0x04; 65],
            bpp: vec![0xBF, 0x36, 0x00],
        }),
        smds_address: Some("testsmds.example.com".into()),
    }
}

fn entry(
    time: i64,
    event: AuditEvent,
    iccid: &str,
    eid: Option<&str>,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        time,
        event,
        iccid: iccid.into(),
        eid: eid.map(str::to_owned),
        outcome: outcome.into(),
        detail: String::new(),
    }
}

#[rstest]
fn every_field_round_trips(
    #[values(
        OrderState::Available,
        OrderState::Allocated,
        OrderState::Linked,
        OrderState::Confirmed,
        OrderState::Released,
        OrderState::Downloaded,
        OrderState::Installed,
        OrderState::Error,
        OrderState::Cancelled,
        OrderState::Unavailable
    )]
    state: OrderState,
    #[values(true, false)] optional_fields: bool,
) {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let order = if optional_fields {
        full_order(ICCID, state)
    } else {
        let mut o = Order::released(ICCID, Vec::new(), None, None);
        o.state = state;
        o
    };
    store.put(order.clone());
    assert!(store.take_error().is_none());
    assert_eq!(store.get(ICCID), Some(order.clone()));
    assert_eq!(store.all(), vec![order]);
    assert_eq!(store.get(ICCID2), None);
    assert!(store.take_error().is_none());
}

#[test]
fn a_put_replaces_the_order_in_place() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    store.put(Order::released(ICCID, vec![1], Some("A"), None));
    store.put(Order::released(ICCID2, vec![2], Some("B"), None));
    let mut changed = full_order(ICCID, OrderState::Installed);
    changed.matching_id = Some("A".into());
    store.put(changed.clone());
    let all = store.all();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], changed, "first put keeps its place");
    assert_eq!(all[1].iccid, ICCID2);
}

#[test]
fn state_and_audit_log_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    let orders = vec![
        full_order(ICCID, OrderState::Installed),
        Order::released(ICCID2, vec![9; 100], None, Some(EID)),
    ];
    let log = vec![
        entry(10, AuditEvent::Ordered, ICCID, None, "ok"),
        entry(20, AuditEvent::Installed, ICCID, Some(EID), "ok"),
        entry(30, AuditEvent::DownloadRefused, "", Some(EID2), "8.2.6/3.8"),
    ];
    {
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.journal_mode(), "wal");
        for o in &orders {
            store.put(o.clone());
        }
        for e in &log {
            store.audit(e.clone());
        }
        assert!(store.take_error().is_none());
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.all(), orders);
    assert_eq!(store.get(ICCID), Some(orders[0].clone()));
    assert_eq!(
        store.by_matching_id(&format!("MID-{ICCID}")),
        Some(orders[0].clone())
    );
    assert_eq!(store.default_for_eid(EID), vec![orders[1].clone()]);
    assert_eq!(store.audit_log(), log);
    assert!(store.take_error().is_none());
    // And once more through open_existing (the audit command's way in).
    let again = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(again.audit_log(), log);
}

#[test]
fn a_put_is_on_disk_when_it_returns_without_a_clean_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let order = full_order(ICCID, OrderState::Downloaded);
    store.put(order.clone());
    store.audit(entry(20, AuditEvent::BppDelivered, ICCID, Some(EID), "ok"));
    // A crash: the process is gone, only the files remain (no checkpoint, no WAL index).
    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    std::fs::copy(&path, crashed.join("smdp.db")).unwrap();
    std::fs::copy(dir.path().join("smdp.db-wal"), crashed.join("smdp.db-wal")).unwrap();
    std::mem::forget(store);
    let store = SqliteStore::open(crashed.join("smdp.db")).unwrap();
    assert_eq!(store.get(ICCID), Some(order));
    assert_eq!(store.audit_log().len(), 1);
}

#[test]
fn the_audit_log_is_append_only_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.audit(entry(10, AuditEvent::Installed, ICCID, Some(EID), "ok"));
    // Another connection, as an operator's sqlite3 shell or a tampering process would have.
    let raw = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE audit SET outcome = 'forged'",
        "DELETE FROM audit WHERE iccid = '89999000000000000018'",
        "INSERT OR REPLACE INTO audit (id, time, event, iccid, eid, outcome, detail) \
         VALUES (1, 0, 'installed', '', NULL, 'ok', '')",
    ] {
        let e = raw.execute(sql, []).expect_err(sql);
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    // Appending is allowed.
    raw.execute(
        "INSERT INTO audit (time, event, iccid, eid, outcome, detail) \
         VALUES (11, 'notification', '', NULL, 'ok', 'x')",
        [],
    )
    .unwrap();
    assert_eq!(store.audit_log().len(), 2);
    assert_eq!(store.audit_log()[0].outcome, "ok");
}

#[test]
fn matching_id_lookup_is_exact_and_default_orders_are_per_eid() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let a = Order::released("89999000000000000018", vec![1], Some("AC-Token"), Some(EID));
    let b = Order::released("89999000000000000026", vec![2], None, Some(EID));
    let c = Order::released("89999000000000000034", vec![3], Some(""), Some(EID));
    let d = Order::released("89999000000000000042", vec![4], None, Some(EID2));
    let e = Order::released("89999000000000000059", vec![5], None, None);
    for o in [&a, &b, &c, &d, &e] {
        store.put(o.clone());
    }
    assert_eq!(store.by_matching_id("AC-Token"), Some(a.clone()));
    assert_eq!(store.by_matching_id("ac-token"), None, "case-sensitive");
    assert_eq!(store.by_matching_id("AC-Token "), None);
    assert_eq!(
        store.by_matching_id(""),
        None,
        "an empty matching ID never matches"
    );
    assert_eq!(store.by_matching_id("AC-%"), None, "no LIKE patterns");
    assert_eq!(store.default_for_eid(EID), vec![b, c]);
    assert_eq!(store.default_for_eid(EID2), vec![d]);
    assert_eq!(store.default_for_eid("8904"), vec![]);
    assert!(store.take_error().is_none());
}

#[test]
fn a_failed_write_is_kept_and_reads_show_what_is_durable() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    store.put(Order::released(ICCID, vec![1], Some("AC-1"), None));
    store.put(Order::released(ICCID2, vec![2], Some("AC-2"), None));
    // A second order may not take a matching ID that is in use.
    let mut stolen = full_order(ICCID2, OrderState::Released);
    stolen.matching_id = Some("AC-1".into());
    store.put(stolen);
    let e = store.take_error().expect("the failed put is reported");
    let msg = e.to_string();
    assert!(matches!(e, StoreError::Sqlite { .. }), "{e:?}");
    assert!(
        msg.contains(":memory:") && msg.contains(&format!("put order {ICCID2}")),
        "{msg}"
    );
    assert!(msg.contains("UNIQUE"), "{msg}");
    assert!(!msg.contains("AC-1"), "no matching ID in errors: {msg}");
    assert_eq!(
        store.take_error().map(|e| e.to_string()),
        None,
        "taken once"
    );
    // The durable state is the one before the failed put.
    assert_eq!(
        store.get(ICCID2).unwrap().matching_id.as_deref(),
        Some("AC-2")
    );
    assert_eq!(store.by_matching_id("AC-1").unwrap().iccid, ICCID);
}

#[test]
fn a_version_1_database_is_migrated_and_keeps_its_orders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let mut order = full_order(ICCID, OrderState::Released);
    order.smds_address = None;
    store.put(order.clone());
    drop(store);
    // Turn it back into what version 1 wrote.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TRIGGER consumed_no_delete; DROP TABLE consumed_matching_ids; \
         ALTER TABLE orders DROP COLUMN smds_address; \
         DELETE FROM schema_version WHERE version = 2;",
    )
    .unwrap();
    drop(raw);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(ICCID), Some(order));
    assert!(!store.matching_id_consumed("MID-x"));
    store.consume_matching_id("MID-x", ICCID);
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert!(
        store.matching_id_consumed("MID-x"),
        "consumption is durable"
    );
    assert!(!store.matching_id_consumed("MID-y"));
    let mut store = store;
    assert!(store.take_error().is_none());
}

#[test]
fn schema_versions_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("INSERT INTO schema_version (version) VALUES (3)", [])
        .unwrap();
    drop(raw);
    let e = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::SchemaTooNew {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("newer"),
        "{msg}"
    );

    // Some other SQLite database.
    let other = dir.path().join("other.db");
    let raw = rusqlite::Connection::open(&other).unwrap();
    raw.execute("CREATE TABLE t (x)", []).unwrap();
    drop(raw);
    let e = SqliteStore::open(&other).unwrap_err();
    assert!(matches!(e, StoreError::Foreign { .. }), "{e:?}");

    // Not a database at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let msg = SqliteStore::open(&junk).unwrap_err().to_string();
    assert!(
        msg.contains("junk.db") && msg.contains("read database"),
        "{msg}"
    );

    // open_existing neither creates nor accepts a missing file.
    let missing = dir.path().join("typo.db");
    let e = SqliteStore::open_existing(&missing).unwrap_err();
    assert!(matches!(e, StoreError::Missing { .. }), "{e:?}");
    assert!(!missing.exists());
}

#[test]
fn an_undecodable_row_is_left_out_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smdp.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.put(Order::released(ICCID, vec![1], Some("AC-1"), None));
    store.put(Order::released(ICCID2, vec![2], None, None));
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE orders SET state = 'Released' WHERE iccid = ?1",
        [ICCID],
    )
    .unwrap();
    assert_eq!(store.get(ICCID), None);
    let e = store.take_error().unwrap().to_string();
    assert!(e.contains(ICCID) && e.contains("unknown state"), "{e}");
    assert_eq!(store.all().len(), 1);
    assert!(store.take_error().is_some());
    // A matching ID whose order cannot be read is refused, not served.
    assert_eq!(store.by_matching_id("AC-1"), None);
}

#[test]
fn audit_report_filters_and_formats() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let t0 = 1_767_225_600; // 2026-01-01T00:00:00Z
    let mut log = vec![
        entry(t0, AuditEvent::Ordered, ICCID, None, "ok"),
        entry(t0 + 61, AuditEvent::DownloadAttempt, ICCID, Some(EID), "ok"),
        entry(
            t0 + 3600,
            AuditEvent::DownloadRefused,
            "",
            Some(EID2),
            "8.2.6/3.8",
        ),
        entry(t0 + 86_400, AuditEvent::Installed, ICCID2, Some(EID2), "ok"),
    ];
    log[2].detail = "matching ID unknown\n\u{1b}[31mred".into();
    for e in &log {
        store.audit(e.clone());
    }
    let report = |iccid: Option<&str>, eid: Option<&str>, since: Option<i64>| {
        audit_report(
            &store,
            AuditFilter {
                iccid: iccid.map(str::to_owned),
                eid: eid.map(str::to_owned),
                since,
            },
        )
    };
    assert_eq!(report(None, None, None), log);
    assert_eq!(report(Some(ICCID), None, None), log[..2].to_vec());
    assert_eq!(report(None, Some(EID2), None), log[2..].to_vec());
    assert_eq!(report(None, None, Some(t0 + 61)), log[1..].to_vec());
    assert_eq!(report(Some(ICCID), Some(EID2), None), vec![]);

    let table = format_audit(&log);
    let expected = "\
TIME                  EVENT             ICCID                 EID                               OUTCOME    DETAIL
2026-01-01T00:00:00Z  ordered           89999000000000000018  -                                 ok
2026-01-01T00:01:01Z  download-attempt  89999000000000000018  89049032123451234512345678901235  ok
2026-01-01T01:00:00Z  download-refused  -                     89049032123451234512345678901310  8.2.6/3.8  matching ID unknown\\n\\u{1b}[31mred
2026-01-02T00:00:00Z  installed         8999900000000000026   89049032123451234512345678901310  ok
";
    assert_eq!(table, expected, "\n{table}");
    assert_eq!(
        format_audit(&[]),
        "TIME                  EVENT             ICCID                 EID                               OUTCOME    DETAIL\n"
    );
}

// ------------------------------------------------------------------ property: same as MemoryStore

/// Any characters, control characters and NUL included.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), Just(Some(String::new())), text().prop_map(Some)]
}

fn order_strategy() -> impl Strategy<Value = Order> {
    let states = prop::sample::select(vec![
        OrderState::Available,
        OrderState::Allocated,
        OrderState::Linked,
        OrderState::Confirmed,
        OrderState::Released,
        OrderState::Downloaded,
        OrderState::Installed,
        OrderState::Error,
        OrderState::Cancelled,
        OrderState::Unavailable,
    ]);
    // A few ICCIDs, EIDs and matching IDs, so that puts replace orders and lookups collide.
    let iccid = prop::sample::select(vec![ICCID, ICCID2, "8999900000000000034"]);
    let eid = prop::option::of(prop::sample::select(vec![EID, EID2]));
    let matching_id = prop_oneof![
        3 => prop::option::of(
            prop::sample::select(vec!["", "AC-1", "AC-2", "ac-1"]).prop_map(str::to_owned)
        ),
        1 => opt_text(),
    ];
    (
        (
            iccid,
            prop::collection::vec(any::<u8>(), 0..600),
            text(),
            text(),
            text(),
            any::<i64>(),
            states,
        ),
        (
            eid,
            matching_id,
            opt_text(),
            any::<u32>(),
            any::<u32>(),
            prop::option::of(any::<i64>()),
        ),
        prop::option::of((
            prop::collection::vec(any::<u8>(), 0..70),
            prop::collection::vec(any::<u8>(), 0..300),
        )),
    )
        .prop_map(
            |(
                (iccid, package, profile_type, spn, name, class, state),
                (eid, matching_id, cc, cca, dla, exp),
                bound,
            )| Order {
                iccid: iccid.to_owned(),
                package,
                profile_type,
                metadata: OrderMetadata {
                    service_provider_name: spn,
                    profile_name: name,
                    profile_class: class,
                },
                state,
                eid: eid.map(str::to_owned),
                matching_id,
                confirmation_code: cc,
                cc_attempts: cca,
                download_attempts: dla,
                expires_at: exp.map(Time::from_unix),
                bound: bound.map(|(euicc_otpk, bpp)| BoundBpp { euicc_otpk, bpp }),
                smds_address: (cca % 2 == 0).then(|| format!("smds{dla}.example.com")),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any sequence of puts leaves the SQLite store answering like the in-memory one, except
    /// that a second order may not take a matching ID that is in use (that put is refused and
    /// reported).
    #[test]
    fn behaves_like_the_memory_store(orders in prop::collection::vec(order_strategy(), 1..12)) {
        let mut sql = SqliteStore::open_in_memory().unwrap();
        let mut mem = MemoryStore::default();
        for o in orders {
            let taken = o.matching_id.as_deref().filter(|m| !m.is_empty()).is_some_and(|m| {
                mem.all().iter().any(|x| x.iccid != o.iccid && x.matching_id.as_deref() == Some(m))
            });
            sql.put(o.clone());
            let err = sql.take_error();
            prop_assert_eq!(err.is_some(), taken, "{:?}", err);
            if !taken {
                mem.put(o.clone());
            }
            prop_assert_eq!(sql.get(&o.iccid), mem.get(&o.iccid));
        }
        prop_assert_eq!(sql.all(), mem.all());
        for o in mem.all() {
            prop_assert_eq!(sql.get(&o.iccid), Some(o.clone()));
            if let Some(m) = o.matching_id.as_deref().filter(|m| !m.is_empty()) {
                prop_assert_eq!(sql.by_matching_id(m), mem.by_matching_id(m));
            }
        }
        for eid in [EID, EID2] {
            prop_assert_eq!(sql.default_for_eid(eid), mem.default_for_eid(eid));
        }
        prop_assert!(sql.take_error().is_none());
    }

    #[test]
    fn audit_entries_round_trip(
        entries in prop::collection::vec(
            (any::<i64>(), 0usize..11, text(), opt_text(), text(), text()),
            0..10,
        )
    ) {
        const EVENTS: [AuditEvent; 11] = [
            AuditEvent::Ordered, AuditEvent::Confirmed, AuditEvent::Released,
            AuditEvent::DownloadAttempt, AuditEvent::DownloadRefused,
            AuditEvent::ConfirmationCodeRefused, AuditEvent::BppDelivered, AuditEvent::Installed,
            AuditEvent::InstallFailed, AuditEvent::Notification, AuditEvent::Cancelled,
        ];
        let log: Vec<AuditEntry> = entries
            .into_iter()
            .map(|(time, ev, iccid, eid, outcome, detail)| AuditEntry {
                time, event: EVENTS[ev], iccid, eid, outcome, detail,
            })
            .collect();
        let mut store = SqliteStore::open_in_memory().unwrap();
        for e in &log {
            store.audit(e.clone());
        }
        prop_assert_eq!(store.audit_log(), log.clone());
        // Every entry is one line of the table, whatever its text holds.
        prop_assert_eq!(format_audit(&log).lines().count(), log.len() + 1);
    }
}
