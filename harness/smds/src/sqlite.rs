//! The durable event store of the reference SM-DS: event records and the append-only audit
//! trail in one SQLite database file (`serve smds` with `database = FILE`; `in_memory = true`
//! uses [`MemoryEventStore`](crate::events::MemoryEventStore), and
//! [`SqliteEventStore::open_in_memory`] exists for tests only).
//!
//! Why durable: an event registered by an SM-DP+ must survive a restart of the SM-DS, or the
//! LPA never learns about its profile; a deleted one must stay deleted. Every write is one
//! autocommit statement on a WAL database with `synchronous=FULL`: when the call returns, the
//! row is on disk. [`EventStore`] methods are fallible, so a failed write is returned as
//! [`EventStoreError::Backend`] and the SM-DS refuses the request.
//!
//! # Schema (version [`SCHEMA_VERSION`])
//!
//! ```sql
//! CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL);
//! CREATE TABLE events (
//!     eid TEXT NOT NULL,
//!     event_id TEXT NOT NULL,
//!     rsp_server_address TEXT NOT NULL,
//!     forwarding_indicator INTEGER NOT NULL CHECK (forwarding_indicator IN (0, 1)),
//!     registered_by TEXT NOT NULL,
//!     registered_at INTEGER NOT NULL,             -- unix seconds
//!     PRIMARY KEY (eid, event_id)                 -- registration order is the rowid
//! );
//! CREATE TABLE audit (
//!     id INTEGER PRIMARY KEY AUTOINCREMENT,
//!     time INTEGER NOT NULL,                      -- unix seconds
//!     action TEXT NOT NULL,                       -- AuditAction::name
//!     eid TEXT NOT NULL,
//!     event TEXT,                                 -- event_fingerprint, never the EventID
//!     outcome TEXT NOT NULL,
//!     detail TEXT NOT NULL
//! );
//! -- plus an index on audit (eid), and triggers that abort any UPDATE or DELETE on audit and
//! -- any INSERT that reuses an id: the trail is append-only.
//! ```

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use rsp_crypto::cert::Time;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension as _, TransactionBehavior};

use crate::events::{AuditAction, AuditEntry, Event, EventStore, EventStoreError};

/// The schema version this build writes and reads. A database with a newer version is refused.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA_V1: &str = "
CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE events (
    eid TEXT NOT NULL,
    event_id TEXT NOT NULL,
    rsp_server_address TEXT NOT NULL,
    forwarding_indicator INTEGER NOT NULL CHECK (forwarding_indicator IN (0, 1)),
    registered_by TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    PRIMARY KEY (eid, event_id)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    action TEXT NOT NULL,
    eid TEXT NOT NULL,
    event TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_eid ON audit (eid);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
    WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
INSERT INTO schema_version (version) VALUES (1);
";

const EVENT_COLUMNS: &str =
    "eid, event_id, rsp_server_address, forwarding_indicator, registered_by, registered_at";

/// Why the store could not do something; always names the database file.
#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    /// SQLite refused an operation.
    #[error("SM-DS database {path}: {op}: {source}")]
    Sqlite {
        path: String,
        op: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer rspcheck.
    #[error(
        "SM-DS database {path}: schema version {found} is newer than this rspcheck supports \
         ({supported})"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    /// A schema version this build has no migration from.
    #[error(
        "SM-DS database {path}: unknown schema version {found} (this rspcheck supports \
         {supported})"
    )]
    SchemaUnknown {
        path: String,
        found: i64,
        supported: i64,
    },
    /// An SQLite database of something else (an SM-DP+ database, say).
    #[error("SM-DS database {path}: not an rspcheck SM-DS database")]
    Foreign { path: String },
    /// `open_existing` of a file that is not there.
    #[error("SM-DS database {path}: no such file")]
    Missing { path: String },
    /// A stored row that does not decode (edited by hand).
    #[error("SM-DS database {path}: {what}")]
    Corrupt { path: String, what: String },
}

/// Which audit entries [`SqliteEventStore::audit_report`] returns; every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub eid: Option<String>,
    /// Entries at or after this time (unix seconds).
    pub since: Option<i64>,
}

/// Event records and the audit trail in one SQLite database.
pub struct SqliteEventStore {
    conn: Connection,
    /// The file as given (`:memory:` in memory), for error messages.
    path: String,
    journal_mode: String,
}

impl std::fmt::Debug for SqliteEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteEventStore")
            .field("path", &self.path)
            .field("journal_mode", &self.journal_mode)
            .finish_non_exhaustive()
    }
}

fn sqlite_error(path: &str, op: impl Into<String>, source: rusqlite::Error) -> SqliteStoreError {
    SqliteStoreError::Sqlite {
        path: path.to_owned(),
        op: op.into(),
        source,
    }
}

impl SqliteEventStore {
    /// Opens (creating if needed) the database at `path`: WAL journal, `synchronous=FULL`, the
    /// schema created or checked.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteEventStore, SqliteStoreError> {
        Self::open_file(path.as_ref(), true)
    }

    /// [`SqliteEventStore::open`] of a database that must exist (`rspcheck smds audit`: a
    /// mistyped name is an error, not a new empty database).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<SqliteEventStore, SqliteStoreError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(SqliteStoreError::Missing {
                path: path.display().to_string(),
            });
        }
        Self::open_file(path, false)
    }

    /// A private in-memory database (tests): same schema and behaviour, nothing durable.
    pub fn open_in_memory() -> Result<SqliteEventStore, SqliteStoreError> {
        let name = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|e| sqlite_error(&name, "open", e))?;
        Self::init(conn, name)
    }

    fn open_file(path: &Path, create: bool) -> Result<SqliteEventStore, SqliteStoreError> {
        let name = path.display().to_string();
        // No URI interpretation: the name in the configuration is a file name.
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| sqlite_error(&name, "open", e))?;
        Self::init(conn, name)
    }

    fn init(mut conn: Connection, path: String) -> Result<SqliteEventStore, SqliteStoreError> {
        let err = |op: &str| {
            let path = path.clone();
            let op = op.to_owned();
            move |source| SqliteStoreError::Sqlite { path, op, source }
        };
        // `smds audit` next to a running server may hold a lock briefly.
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(err("set busy timeout"))?;
        // A file that is not an SQLite database fails here, on the first read.
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(err("read database"))?;
        let journal_mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(err("set journal_mode=WAL"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err("set synchronous=FULL"))?;
        {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err("begin schema check"))?;
            let tables: Vec<String> = {
                let mut stmt = tx
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .map_err(err("read schema"))?;
                let rows = stmt
                    .query_map([], |r| r.get(0))
                    .map_err(err("read schema"))?;
                rows.collect::<Result<_, _>>().map_err(err("read schema"))?
            };
            let ours = tables.iter().any(|t| t == "schema_version")
                && tables.iter().any(|t| t == "events");
            if ours {
                let found: Option<i64> = tx
                    .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
                    .map_err(err("read schema version"))?;
                match found {
                    Some(SCHEMA_VERSION) => {}
                    Some(v) if v > SCHEMA_VERSION => {
                        return Err(SqliteStoreError::SchemaTooNew {
                            path,
                            found: v,
                            supported: SCHEMA_VERSION,
                        })
                    }
                    other => {
                        return Err(SqliteStoreError::SchemaUnknown {
                            path,
                            found: other.unwrap_or(0),
                            supported: SCHEMA_VERSION,
                        })
                    }
                }
            } else if !tables.is_empty() {
                return Err(SqliteStoreError::Foreign { path });
            } else {
                tx.execute_batch(SCHEMA_V1).map_err(err("create schema"))?;
            }
            tx.commit().map_err(err("commit schema"))?;
        }
        Ok(SqliteEventStore {
            conn,
            path,
            journal_mode,
        })
    }

    /// The database file as given to `open` (`:memory:` in memory).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// SQLite's journal mode: `wal` for a file (unless its file system cannot do WAL), `memory`
    /// in memory.
    pub fn journal_mode(&self) -> &str {
        &self.journal_mode
    }

    fn err(&self, op: impl Into<String>, e: rusqlite::Error) -> SqliteStoreError {
        sqlite_error(&self.path, op, e)
    }

    /// Adds a record; `Ok(false)` when its (EID, EventID) exists already.
    pub fn try_insert(&mut self, event: &Event) -> Result<bool, SqliteStoreError> {
        let op = || format!("register event for EID {}", event.eid);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (eid, event_id) DO NOTHING"
            ))
            .map_err(|e| self.err(op(), e))?;
        let n = stmt
            .execute(params![
                event.eid,
                event.event_id,
                event.rsp_server_address,
                event.forwarding_indicator,
                event.registered_by,
                event.registered_at.unix(),
            ])
            .map_err(|e| self.err(op(), e))?;
        Ok(n == 1)
    }

    /// Removes and returns a record; `Ok(None)` when there is none.
    pub fn try_remove(
        &mut self,
        eid: &str,
        event_id: &str,
    ) -> Result<Option<Event>, SqliteStoreError> {
        // Never name the EventID in an error: it is a MatchingID.
        let op = || format!("delete event for EID {eid}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "DELETE FROM events WHERE eid = ?1 AND event_id = ?2 RETURNING {EVENT_COLUMNS}"
            ))
            .map_err(|e| self.err(op(), e))?;
        let row = stmt
            .query_row(params![eid, event_id], read_event)
            .optional()
            .map_err(|e| self.err(op(), e))?;
        row.map(|r| r.map_err(|what| self.corrupt(what)))
            .transpose()
    }

    /// The records for an EID, oldest registration first.
    pub fn try_events_for(&self, eid: &str) -> Result<Vec<Event>, SqliteStoreError> {
        let op = || format!("events for EID {eid}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE eid = ?1 ORDER BY rowid"
            ))
            .map_err(|e| self.err(op(), e))?;
        let rows = stmt
            .query_map([eid], read_event)
            .map_err(|e| self.err(op(), e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                row.map_err(|e| self.err(op(), e))?
                    .map_err(|what| self.corrupt(what))?,
            );
        }
        Ok(out)
    }

    /// How many records there are.
    pub fn count(&self) -> Result<usize, SqliteStoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.err("count events", e))
    }

    /// Appends to the audit trail.
    pub fn try_audit(&mut self, entry: &AuditEntry) -> Result<(), SqliteStoreError> {
        let op = || format!("append audit entry {}", entry.action.name());
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO audit (time, action, eid, event, outcome, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(|e| self.err(op(), e))?;
        stmt.execute(params![
            entry.time,
            entry.action.name(),
            entry.eid,
            entry.event,
            entry.outcome,
            entry.detail,
        ])
        .map_err(|e| self.err(op(), e))?;
        Ok(())
    }

    /// The audit entries `filter` selects, oldest first.
    pub fn audit_report(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SqliteStoreError> {
        let op = "read audit trail";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT time, action, eid, event, outcome, detail FROM audit \
                 WHERE (?1 IS NULL OR eid = ?1) AND (?2 IS NULL OR time >= ?2) ORDER BY id",
            )
            .map_err(|e| self.err(op, e))?;
        let rows = stmt
            .query_map(params![filter.eid, filter.since], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(op, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (time, action, eid, event, outcome, detail) = row.map_err(|e| self.err(op, e))?;
            let action = AuditAction::from_name(&action).ok_or_else(|| {
                self.corrupt(format!(
                    "unknown audit action {:?}",
                    action.escape_debug().to_string()
                ))
            })?;
            out.push(AuditEntry {
                time,
                action,
                eid,
                event,
                outcome,
                detail,
            });
        }
        Ok(out)
    }

    fn corrupt(&self, what: String) -> SqliteStoreError {
        SqliteStoreError::Corrupt {
            path: self.path.clone(),
            what,
        }
    }

    /// Runs raw SQL (tests: the audit trail must refuse changes).
    #[cfg(test)]
    pub(crate) fn execute_raw(&self, sql: &str) -> rusqlite::Result<usize> {
        self.conn.execute(sql, [])
    }
}

/// One row, or what is wrong with it (the inner error is for stored values that do not fit).
fn read_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Event, String>> {
    let eid: String = r.get(0)?;
    let forwarding: i64 = r.get(3)?;
    let forwarding_indicator = match forwarding {
        0 => false,
        1 => true,
        other => return Ok(Err(format!("event for EID {eid}: forwarding {other}"))),
    };
    Ok(Ok(Event {
        eid,
        event_id: r.get(1)?,
        rsp_server_address: r.get(2)?,
        forwarding_indicator,
        registered_by: r.get(4)?,
        registered_at: Time::from_unix(r.get(5)?),
    }))
}

fn backend(e: SqliteStoreError) -> EventStoreError {
    EventStoreError::Backend(e.to_string())
}

impl EventStore for SqliteEventStore {
    fn insert(&mut self, event: Event) -> Result<(), EventStoreError> {
        match self.try_insert(&event).map_err(backend)? {
            true => Ok(()),
            false => Err(EventStoreError::Duplicate),
        }
    }

    fn remove(&mut self, eid: &str, event_id: &str) -> Result<Event, EventStoreError> {
        self.try_remove(eid, event_id)
            .map_err(backend)?
            .ok_or(EventStoreError::Unknown)
    }

    fn events_for(&self, eid: &str) -> Result<Vec<Event>, EventStoreError> {
        self.try_events_for(eid).map_err(backend)
    }

    fn audit(&mut self, entry: AuditEntry) -> Result<(), EventStoreError> {
        self.try_audit(&entry).map_err(backend)
    }
}

/// Control characters shown escaped, so a logged detail cannot send escape sequences to the
/// operator's terminal.
fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The audit entries as a fixed-width table: time (UTC), action, EID, event (fingerprint, never
/// the EventID), outcome, detail; `-` where a value is absent.
pub fn format_audit(entries: &[AuditEntry]) -> String {
    const HEAD: [&str; 6] = ["TIME", "ACTION", "EID", "EVENT", "OUTCOME", "DETAIL"];
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            printable(s)
        }
    };
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            [
                Time::from_unix(e.time).to_string(),
                e.action.name().to_owned(),
                dash(&e.eid),
                dash(e.event.as_deref().unwrap_or("")),
                dash(&e.outcome),
                printable(&e.detail),
            ]
        })
        .collect();
    let mut widths = [20, 8, 32, 23, 7, 0];
    for (i, w) in widths.iter_mut().enumerate() {
        *w = (*w).max(HEAD[i].len());
        for r in &rows {
            *w = (*w).max(r[i].chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 6]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(HEAD);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::event_fingerprint;

    const EID: &str = "89049032123451234512345678901235";

    fn ev(id: &str) -> Event {
        Event {
            eid: EID.into(),
            event_id: id.into(),
            rsp_server_address: "dp.example.com".into(),
            forwarding_indicator: true,
            registered_by: "dp".into(),
            registered_at: Time::from_unix(1_767_225_600),
        }
    }

    fn entry(id: &str) -> AuditEntry {
        AuditEntry {
            time: 1_767_225_600,
            action: AuditAction::Register,
            eid: EID.into(),
            event: Some(event_fingerprint(id)),
            outcome: "ok".into(),
            detail: "by dp\u{1b}[31m".into(),
        }
    }

    #[test]
    fn records_round_trip_in_registration_order() {
        let mut s = SqliteEventStore::open_in_memory().unwrap();
        s.insert(ev("B")).unwrap();
        s.insert(ev("A")).unwrap();
        assert_eq!(s.insert(ev("A")), Err(EventStoreError::Duplicate));
        assert_eq!(s.events_for(EID).unwrap(), vec![ev("B"), ev("A")]);
        assert_eq!(s.events_for("0").unwrap(), vec![]);
        assert_eq!(s.remove(EID, "B").unwrap(), ev("B"));
        assert_eq!(s.remove(EID, "B"), Err(EventStoreError::Unknown));
        s.insert(ev("B")).unwrap();
        let ids: Vec<_> = s
            .events_for(EID)
            .unwrap()
            .into_iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(ids, ["A", "B"]);
        assert_eq!(s.count().unwrap(), 2);
    }

    #[test]
    fn the_audit_trail_refuses_update_and_delete() {
        let mut s = SqliteEventStore::open_in_memory().unwrap();
        s.audit(entry("E-1")).unwrap();
        for sql in [
            "UPDATE audit SET outcome = 'forged'",
            "DELETE FROM audit",
            "REPLACE INTO audit (id, time, action, eid, event, outcome, detail) \
             VALUES (1, 0, 'register', '', NULL, 'ok', '')",
            "INSERT INTO audit (id, time, action, eid, event, outcome, detail) \
             VALUES (1, 0, 'register', '', NULL, 'ok', '') \
             ON CONFLICT (id) DO UPDATE SET outcome = 'forged'",
        ] {
            let e = s.execute_raw(sql).expect_err(sql);
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
        assert_eq!(
            s.audit_report(&AuditFilter::default()).unwrap(),
            vec![entry("E-1")]
        );
        let table = format_audit(&s.audit_report(&AuditFilter::default()).unwrap());
        assert!(table.contains(&event_fingerprint("E-1")), "{table}");
        assert!(!table.contains('\u{1b}'), "escape sequences are escaped");
        assert!(table.starts_with("TIME"));
    }

    #[test]
    fn a_file_survives_reopening_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smds.db");
        {
            let mut s = SqliteEventStore::open(&path).unwrap();
            assert_eq!(s.journal_mode(), "wal");
            s.insert(ev("A")).unwrap();
        }
        let s = SqliteEventStore::open_existing(&path).unwrap();
        assert_eq!(s.events_for(EID).unwrap(), vec![ev("A")]);
        assert!(matches!(
            SqliteEventStore::open_existing(dir.path().join("nope.db")),
            Err(SqliteStoreError::Missing { .. })
        ));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE orders (iccid TEXT)")
            .unwrap();
        assert!(matches!(
            SqliteEventStore::open(&other),
            Err(SqliteStoreError::Foreign { .. })
        ));
        let newer = dir.path().join("newer.db");
        {
            let s = SqliteEventStore::open(&newer).unwrap();
            s.execute_raw("INSERT INTO schema_version (version) VALUES (9)")
                .unwrap();
        }
        assert!(matches!(
            SqliteEventStore::open(&newer),
            Err(SqliteStoreError::SchemaTooNew { found: 9, .. })
        ));
        std::fs::write(
            dir.path().join("text.db"),
            b"not a database at all, just text",
        )
        .unwrap();
        assert!(SqliteEventStore::open(dir.path().join("text.db")).is_err());
    }
}
