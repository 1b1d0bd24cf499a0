//! The durable order store of the reference SM-DP+: orders and the append-only audit log in one
//! SQLite database file (`serve smdp --db FILE`; `--in-memory` uses
//! [`MemoryStore`](crate::orders::MemoryStore) instead).
//!
//! Why durable: an activation code must never work twice, so after a restart the SM-DP+ must
//! still know that a profile was downloaded and refuse its matching ID. Every `put` and `audit`
//! is one autocommit statement on a WAL database with `synchronous=FULL`: when the call returns,
//! the row is on disk.
//!
//! # Errors on an infallible trait
//!
//! [`OrderStore`]'s methods cannot fail, but a disk can. A failed write is never dropped
//! silently: the store keeps the last error, and [`SqliteStore::take_error`] hands it out (the
//! HTTP adapter checks it after every request and fails that request). Reads always show what is
//! durably in the database, never what a failed write meant to store: after a failed `put` the
//! order reads back as it was before. A read that fails returns nothing (`None` or an empty
//! list, so an unreadable matching ID is refused) and is kept as the last error too; rows that
//! cannot be decoded are left out of `all` and reported the same way.
//!
//! # Schema (version [`SCHEMA_VERSION`])
//!
//! ```sql
//! CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL);
//! CREATE TABLE orders (
//!     iccid TEXT PRIMARY KEY NOT NULL,          -- insertion order is the rowid
//!     package BLOB NOT NULL,
//!     profile_type TEXT NOT NULL,
//!     service_provider_name TEXT NOT NULL,
//!     profile_name TEXT NOT NULL,
//!     profile_class INTEGER NOT NULL,
//!     state TEXT NOT NULL,                      -- OrderState::name
//!     eid TEXT,
//!     matching_id TEXT,
//!     confirmation_code TEXT,
//!     cc_attempts INTEGER NOT NULL,
//!     download_attempts INTEGER NOT NULL,
//!     expires_at INTEGER,                       -- unix seconds
//!     bound_otpk BLOB,
//!     bound_bpp BLOB,
//!     CHECK ((bound_otpk IS NULL) = (bound_bpp IS NULL)),
//!     smds_address TEXT                         -- version 2
//! );
//! CREATE UNIQUE INDEX orders_matching_id ON orders (matching_id) WHERE matching_id <> '';
//! CREATE INDEX orders_eid ON orders (eid);
//! CREATE TABLE audit (
//!     id INTEGER PRIMARY KEY AUTOINCREMENT,
//!     time INTEGER NOT NULL,                    -- unix seconds
//!     event TEXT NOT NULL,                      -- AuditEvent::name
//!     iccid TEXT NOT NULL,
//!     eid TEXT,
//!     outcome TEXT NOT NULL,
//!     detail TEXT NOT NULL
//! );
//! CREATE TABLE consumed_matching_ids (       -- version 2; rows are never deleted
//!     hash BLOB PRIMARY KEY NOT NULL,           -- SHA-256 of the matching ID
//!     iccid TEXT NOT NULL
//! );
//! -- plus indexes on audit (iccid) and audit (eid), and triggers that abort any UPDATE or
//! -- DELETE on audit and any INSERT that reuses an id (INSERT OR REPLACE deletes the old row
//! -- without firing DELETE triggers): the log is append-only.
//! ```
//!
//! A matching ID identifies one order: the unique index makes a `put` of a second order with
//! the same non-empty matching ID fail (kept as the last error) instead of letting one code
//! reach two profiles. A matching ID whose BPP was delivered is consumed for good
//! (`consumed_matching_ids`), so cancelling the order and re-issuing it cannot revive the code.
//! A version-1 database is migrated in place when opened.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use rsp_crypto::cert::Time;
use rusqlite::{params, Connection, OpenFlags, Row, TransactionBehavior};

use crate::orders::{
    matching_id_hash, AuditEntry, AuditEvent, BoundBpp, Order, OrderMetadata, OrderState,
    OrderStore,
};

/// The schema version this build writes and reads. A database with a newer version is refused.
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA_V1: &str = "
CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE orders (
    iccid TEXT PRIMARY KEY NOT NULL,
    package BLOB NOT NULL,
    profile_type TEXT NOT NULL,
    service_provider_name TEXT NOT NULL,
    profile_name TEXT NOT NULL,
    profile_class INTEGER NOT NULL,
    state TEXT NOT NULL,
    eid TEXT,
    matching_id TEXT,
    confirmation_code TEXT,
    cc_attempts INTEGER NOT NULL,
    download_attempts INTEGER NOT NULL,
    expires_at INTEGER,
    bound_otpk BLOB,
    bound_bpp BLOB,
    CHECK ((bound_otpk IS NULL) = (bound_bpp IS NULL))
);
CREATE UNIQUE INDEX orders_matching_id ON orders (matching_id) WHERE matching_id <> '';
CREATE INDEX orders_eid ON orders (eid);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    event TEXT NOT NULL,
    iccid TEXT NOT NULL,
    eid TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_iccid ON audit (iccid);
CREATE INDEX audit_eid ON audit (eid);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
    WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
INSERT INTO schema_version (version) VALUES (1);
";

/// Version 1 → 2: the SM-DS an order's event is registered at, and consumed matching IDs.
const MIGRATE_V2: &str = "
ALTER TABLE orders ADD COLUMN smds_address TEXT;
CREATE TABLE consumed_matching_ids (
    hash BLOB PRIMARY KEY NOT NULL,           -- SHA-256 of the matching ID, never the ID
    iccid TEXT NOT NULL
);
CREATE TRIGGER consumed_no_delete BEFORE DELETE ON consumed_matching_ids
    BEGIN SELECT RAISE(ABORT, 'a consumed matching ID stays consumed'); END;
INSERT INTO schema_version (version) VALUES (2);
";

const ORDER_COLUMNS: &str =
    "iccid, package, profile_type, service_provider_name, profile_name, profile_class, \
     state, eid, matching_id, confirmation_code, cc_attempts, download_attempts, expires_at, \
     bound_otpk, bound_bpp, smds_address";

const PUT_ORDER: &str = "INSERT INTO orders (iccid, package, profile_type, service_provider_name, \
     profile_name, profile_class, state, eid, matching_id, confirmation_code, cc_attempts, \
     download_attempts, expires_at, bound_otpk, bound_bpp, smds_address) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
     ON CONFLICT (iccid) DO UPDATE SET package = excluded.package, \
     profile_type = excluded.profile_type, \
     service_provider_name = excluded.service_provider_name, \
     profile_name = excluded.profile_name, profile_class = excluded.profile_class, \
     state = excluded.state, eid = excluded.eid, matching_id = excluded.matching_id, \
     confirmation_code = excluded.confirmation_code, cc_attempts = excluded.cc_attempts, \
     download_attempts = excluded.download_attempts, expires_at = excluded.expires_at, \
     bound_otpk = excluded.bound_otpk, bound_bpp = excluded.bound_bpp, \
     smds_address = excluded.smds_address";

const AUDIT_COLUMNS: &str = "time, event, iccid, eid, outcome, detail";

/// Every state, so a stored name maps back.
const STATES: [OrderState; 10] = [
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
];

/// Every audit event, so a stored name maps back.
const EVENTS: [AuditEvent; 11] = [
    AuditEvent::Ordered,
    AuditEvent::Confirmed,
    AuditEvent::Released,
    AuditEvent::DownloadAttempt,
    AuditEvent::DownloadRefused,
    AuditEvent::ConfirmationCodeRefused,
    AuditEvent::BppDelivered,
    AuditEvent::Installed,
    AuditEvent::InstallFailed,
    AuditEvent::Notification,
    AuditEvent::Cancelled,
];

// These stop compiling when a variant is added, so that STATES and EVENTS get it too.
const _: () = match OrderState::Available {
    OrderState::Available
    | OrderState::Allocated
    | OrderState::Linked
    | OrderState::Confirmed
    | OrderState::Released
    | OrderState::Downloaded
    | OrderState::Installed
    | OrderState::Error
    | OrderState::Cancelled
    | OrderState::Unavailable => {}
};
const _: () = match AuditEvent::Ordered {
    AuditEvent::Ordered
    | AuditEvent::Confirmed
    | AuditEvent::Released
    | AuditEvent::DownloadAttempt
    | AuditEvent::DownloadRefused
    | AuditEvent::ConfirmationCodeRefused
    | AuditEvent::BppDelivered
    | AuditEvent::Installed
    | AuditEvent::InstallFailed
    | AuditEvent::Notification
    | AuditEvent::Cancelled => {}
};

fn state_named(name: &str) -> Option<OrderState> {
    STATES.into_iter().find(|s| s.name() == name)
}

fn event_named(name: &str) -> Option<AuditEvent> {
    EVENTS.into_iter().find(|e| e.name() == name)
}

/// Why the store could not do something; always names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("SM-DP+ database {path}: {op}: {source}")]
    Sqlite {
        path: String,
        op: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer rspcheck.
    #[error(
        "SM-DP+ database {path}: schema version {found} is newer than this rspcheck supports \
         ({supported}); use the rspcheck that wrote it or a newer one"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    /// A schema version this build has no migration from.
    #[error(
        "SM-DP+ database {path}: unknown schema version {found} (this rspcheck supports \
         {supported})"
    )]
    SchemaUnknown {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The file is an SQLite database of something else.
    #[error(
        "SM-DP+ database {path}: not an rspcheck SM-DP+ database (it has tables but no \
         schema_version)"
    )]
    Foreign { path: String },
    /// `open_existing` of a file that is not there.
    #[error("SM-DP+ database {path}: no such file")]
    Missing { path: String },
    /// A stored row that does not decode (edited by hand, or written by a buggy build).
    #[error("SM-DP+ database {path}: {op}: {what}")]
    Corrupt {
        path: String,
        op: String,
        what: String,
    },
}

/// Which audit entries [`audit_report`] returns; every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub iccid: Option<String>,
    pub eid: Option<String>,
    /// Entries at or after this time (unix seconds).
    pub since: Option<i64>,
}

/// Orders and the audit log in one SQLite database. See the module documentation for how
/// errors surface through the infallible [`OrderStore`] methods.
pub struct SqliteStore {
    conn: Connection,
    /// The file as given (`:memory:` for [`SqliteStore::open_in_memory`]), for error messages.
    path: String,
    journal_mode: String,
    last_error: RefCell<Option<StoreError>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("journal_mode", &self.journal_mode)
            .field("pending_error", &self.last_error.borrow().is_some())
            .finish_non_exhaustive()
    }
}

/// The columns of one order row, before the checks that can fail.
struct OrderRow {
    iccid: String,
    package: Vec<u8>,
    profile_type: String,
    service_provider_name: String,
    profile_name: String,
    profile_class: i64,
    state: String,
    eid: Option<String>,
    matching_id: Option<String>,
    confirmation_code: Option<String>,
    cc_attempts: u32,
    download_attempts: u32,
    expires_at: Option<i64>,
    bound_otpk: Option<Vec<u8>>,
    bound_bpp: Option<Vec<u8>>,
    smds_address: Option<String>,
}

impl OrderRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
        Ok(OrderRow {
            iccid: r.get(0)?,
            package: r.get(1)?,
            profile_type: r.get(2)?,
            service_provider_name: r.get(3)?,
            profile_name: r.get(4)?,
            profile_class: r.get(5)?,
            state: r.get(6)?,
            eid: r.get(7)?,
            matching_id: r.get(8)?,
            confirmation_code: r.get(9)?,
            cc_attempts: r.get(10)?,
            download_attempts: r.get(11)?,
            expires_at: r.get(12)?,
            bound_otpk: r.get(13)?,
            bound_bpp: r.get(14)?,
            smds_address: r.get(15)?,
        })
    }

    fn into_order(self) -> Result<Order, String> {
        let state = state_named(&self.state).ok_or_else(|| {
            format!(
                "order {}: unknown state {:?}",
                self.iccid,
                self.state.escape_debug().to_string()
            )
        })?;
        let bound = match (self.bound_otpk, self.bound_bpp) {
            (Some(euicc_otpk), Some(bpp)) => Some(BoundBpp { euicc_otpk, bpp }),
            (None, None) => None,
            _ => return Err(format!("order {}: half of a bound BPP", self.iccid)),
        };
        Ok(Order {
            iccid: self.iccid,
            package: self.package,
            profile_type: self.profile_type,
            metadata: OrderMetadata {
                service_provider_name: self.service_provider_name,
                profile_name: self.profile_name,
                profile_class: self.profile_class,
            },
            state,
            eid: self.eid,
            matching_id: self.matching_id,
            confirmation_code: self.confirmation_code,
            cc_attempts: self.cc_attempts,
            download_attempts: self.download_attempts,
            expires_at: self.expires_at.map(Time::from_unix),
            bound,
            smds_address: self.smds_address,
        })
    }
}

/// time, event, iccid, eid, outcome, detail.
type AuditRow = (i64, String, String, Option<String>, String, String);

fn read_audit(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`: WAL journal, `synchronous=FULL`, the
    /// schema created or checked. A database from a newer rspcheck is refused
    /// ([`StoreError::SchemaTooNew`]), as is an SQLite file of something else.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        Self::open_file(path.as_ref(), true)
    }

    /// [`SqliteStore::open`] of a database that must already exist (`rspcheck smdp audit`: a
    /// mistyped name is an error, not a new empty database).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        Self::open_file(path, false)
    }

    /// A private in-memory database (tests); same schema and behaviour, nothing durable.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let name = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|e| sqlite_error(&name, "open", e))?;
        Self::init(conn, name)
    }

    fn open_file(path: &Path, create: bool) -> Result<SqliteStore, StoreError> {
        let name = path.display().to_string();
        // No URI interpretation: the name on the command line is a file name.
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| sqlite_error(&name, "open", e))?;
        Self::init(conn, name)
    }

    fn init(mut conn: Connection, path: String) -> Result<SqliteStore, StoreError> {
        let err = |op: &str| {
            let path = path.clone();
            let op = op.to_owned();
            move |source| StoreError::Sqlite { path, op, source }
        };
        // Another process (`smdp audit` next to a running server) may hold a lock briefly.
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
            let has_version: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master \
                     WHERE type = 'table' AND name = 'schema_version')",
                    [],
                    |r| r.get(0),
                )
                .map_err(err("read schema"))?;
            if has_version {
                let found: Option<i64> = tx
                    .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
                    .map_err(err("read schema version"))?;
                match found {
                    Some(SCHEMA_VERSION) => {}
                    Some(1) => tx
                        .execute_batch(MIGRATE_V2)
                        .map_err(err("migrate schema 1 → 2"))?,
                    Some(v) if v > SCHEMA_VERSION => {
                        return Err(StoreError::SchemaTooNew {
                            path,
                            found: v,
                            supported: SCHEMA_VERSION,
                        })
                    }
                    other => {
                        return Err(StoreError::SchemaUnknown {
                            path,
                            found: other.unwrap_or(0),
                            supported: SCHEMA_VERSION,
                        })
                    }
                }
            } else {
                let tables: i64 = tx
                    .query_row(
                        "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(err("read schema"))?;
                if tables > 0 {
                    return Err(StoreError::Foreign { path });
                }
                tx.execute_batch(SCHEMA_V1).map_err(err("create schema"))?;
                tx.execute_batch(MIGRATE_V2).map_err(err("create schema"))?;
            }
            tx.commit().map_err(err("commit schema"))?;
        }
        Ok(SqliteStore {
            conn,
            path,
            journal_mode,
            last_error: RefCell::new(None),
        })
    }

    /// The database file as given to `open` (`:memory:` for an in-memory store).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// SQLite's journal mode: `wal` for a file (unless its file system cannot do WAL, when
    /// SQLite keeps `delete`, still durable), `memory` in memory.
    pub fn journal_mode(&self) -> &str {
        &self.journal_mode
    }

    /// The last error of a store method since the previous call, if any. A caller of the
    /// infallible [`OrderStore`] methods checks this after each unit of work (one ES9+
    /// request): `Some` means a write may not be durable and the request must fail.
    pub fn take_error(&mut self) -> Option<StoreError> {
        self.last_error.get_mut().take()
    }

    fn fail(&self, e: StoreError) {
        *self.last_error.borrow_mut() = Some(e);
    }

    fn sqlite_error(&self, op: impl Into<String>, e: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, op, e)
    }

    /// Runs an order query; rows that do not decode are left out and reported.
    fn query_orders(
        &self,
        op: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Order>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.sqlite_error(op, e))?;
        let rows = stmt
            .query_map(params, OrderRow::read)
            .map_err(|e| self.sqlite_error(op, e))?;
        let mut out = Vec::new();
        for row in rows {
            let row = row.map_err(|e| self.sqlite_error(op, e))?;
            match row.into_order() {
                Ok(o) => out.push(o),
                Err(what) => self.fail(StoreError::Corrupt {
                    path: self.path.clone(),
                    op: op.to_owned(),
                    what,
                }),
            }
        }
        Ok(out)
    }

    fn orders_or_fail(&self, op: &str, sql: &str, params: impl rusqlite::Params) -> Vec<Order> {
        self.query_orders(op, sql, params).unwrap_or_else(|e| {
            self.fail(e);
            Vec::new()
        })
    }

    /// Writes `order` (insert or replace by ICCID, keeping its place in `all`).
    pub fn try_put(&mut self, order: &Order) -> Result<(), StoreError> {
        let op = || format!("put order {}", order.iccid);
        let mut stmt = self
            .conn
            .prepare_cached(PUT_ORDER)
            .map_err(|e| self.sqlite_error(op(), e))?;
        let (otpk, bpp) = match &order.bound {
            Some(b) => (Some(&b.euicc_otpk), Some(&b.bpp)),
            None => (None, None),
        };
        stmt.execute(params![
            order.iccid,
            order.package,
            order.profile_type,
            order.metadata.service_provider_name,
            order.metadata.profile_name,
            order.metadata.profile_class,
            order.state.name(),
            order.eid,
            order.matching_id,
            order.confirmation_code,
            order.cc_attempts,
            order.download_attempts,
            order.expires_at.map(Time::unix),
            otpk,
            bpp,
            order.smds_address,
        ])
        .map_err(|e| self.sqlite_error(op(), e))?;
        Ok(())
    }

    /// Appends `entry` to the audit log.
    pub fn try_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let op = || format!("append audit entry {}", entry.event.name());
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO audit (time, event, iccid, eid, outcome, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(|e| self.sqlite_error(op(), e))?;
        stmt.execute(params![
            entry.time,
            entry.event.name(),
            entry.iccid,
            entry.eid,
            entry.outcome,
            entry.detail,
        ])
        .map_err(|e| self.sqlite_error(op(), e))?;
        Ok(())
    }

    /// The audit entries `filter` selects, oldest first. Rows that do not decode are left out
    /// and kept as the last error.
    pub fn try_audit_report(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let op = "read audit log";
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE (?1 IS NULL OR iccid = ?1) \
             AND (?2 IS NULL OR eid = ?2) AND (?3 IS NULL OR time >= ?3) ORDER BY id"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sqlite_error(op, e))?;
        let rows = stmt
            .query_map(params![filter.iccid, filter.eid, filter.since], read_audit)
            .map_err(|e| self.sqlite_error(op, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (time, event, iccid, eid, outcome, detail) =
                row.map_err(|e| self.sqlite_error(op, e))?;
            match event_named(&event) {
                Some(event) => out.push(AuditEntry {
                    time,
                    event,
                    iccid,
                    eid,
                    outcome,
                    detail,
                }),
                None => self.fail(StoreError::Corrupt {
                    path: self.path.clone(),
                    op: op.to_owned(),
                    what: format!("unknown audit event {:?}", event.escape_debug().to_string()),
                }),
            }
        }
        Ok(out)
    }

    /// Runs raw SQL on the database (tests: the audit log must refuse changes).
    #[cfg(test)]
    pub(crate) fn execute_raw(&self, sql: &str) -> rusqlite::Result<usize> {
        self.conn.execute(sql, [])
    }
}

fn sqlite_error(path: &str, op: impl Into<String>, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_owned(),
        op: op.into(),
        source,
    }
}

impl OrderStore for SqliteStore {
    fn take_failure(&mut self) -> Option<String> {
        self.take_error().map(|e| e.to_string())
    }

    fn get(&self, iccid: &str) -> Option<Order> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE iccid = ?1");
        self.orders_or_fail(&format!("get order {iccid}"), &sql, [iccid])
            .pop()
    }

    fn put(&mut self, order: Order) {
        if let Err(e) = self.try_put(&order) {
            self.fail(e);
        }
    }

    fn all(&self) -> Vec<Order> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders ORDER BY rowid");
        self.orders_or_fail("read orders", &sql, [])
    }

    fn audit(&mut self, entry: AuditEntry) {
        if let Err(e) = self.try_audit(&entry) {
            self.fail(e);
        }
    }

    fn audit_log(&self) -> Vec<AuditEntry> {
        audit_report(self, AuditFilter::default())
    }

    fn consume_matching_id(&mut self, matching_id: &str, iccid: &str) {
        let hash = matching_id_hash(matching_id);
        if let Err(e) = self.conn.execute(
            "INSERT OR IGNORE INTO consumed_matching_ids (hash, iccid) VALUES (?1, ?2)",
            params![hash.as_slice(), iccid],
        ) {
            let e = self.sqlite_error(format!("consume matching ID of order {iccid}"), e);
            self.fail(e);
        }
    }

    fn matching_id_consumed(&self, matching_id: &str) -> bool {
        let hash = matching_id_hash(matching_id);
        match self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM consumed_matching_ids WHERE hash = ?1)",
            [hash.as_slice()],
            |r| r.get(0),
        ) {
            Ok(b) => b,
            Err(e) => {
                self.fail(self.sqlite_error("look up consumed matching IDs", e));
                // Refuse rather than risk a second use; the request answers 503 anyway.
                true
            }
        }
    }

    fn by_matching_id(&self, matching_id: &str) -> Option<Order> {
        // The `<> ''` term lets SQLite use the partial unique index; an empty matching ID
        // never selects an order.
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE matching_id = ?1 AND matching_id <> ''"
        );
        // Never name the matching ID in an error: it is a key to a subscription.
        self.orders_or_fail("look up matching ID", &sql, [matching_id])
            .pop()
    }

    fn default_for_eid(&self, eid: &str) -> Vec<Order> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders \
             WHERE eid = ?1 AND (matching_id IS NULL OR matching_id = '') ORDER BY rowid"
        );
        self.orders_or_fail(&format!("orders for EID {eid}"), &sql, [eid])
    }
}

/// The audit entries `filter` selects, oldest first (`rspcheck smdp audit --db FILE`). A read
/// error gives an empty list and is kept in the store ([`SqliteStore::take_error`]); use
/// [`SqliteStore::try_audit_report`] to get it directly.
pub fn audit_report(store: &SqliteStore, filter: AuditFilter) -> Vec<AuditEntry> {
    store.try_audit_report(&filter).unwrap_or_else(|e| {
        store.fail(e);
        Vec::new()
    })
}

/// Control characters shown escaped, so a logged detail cannot break the table or send
/// escape sequences to the operator's terminal.
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

/// The audit entries as a fixed-width table: time (UTC, `YYYY-MM-DDTHH:MM:SSZ`), event, ICCID,
/// EID, outcome, detail; `-` for an unknown ICCID or EID. Columns are at least as wide as an
/// ICCID, an EID and the longest event name, wider only when a value needs it.
pub fn format_audit(entries: &[AuditEntry]) -> String {
    const HEAD: [&str; 6] = ["TIME", "EVENT", "ICCID", "EID", "OUTCOME", "DETAIL"];
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
                e.event.name().to_owned(),
                dash(&e.iccid),
                dash(e.eid.as_deref().unwrap_or("")),
                dash(&e.outcome),
                printable(&e.detail),
            ]
        })
        .collect();
    let longest_event = EVENTS.iter().map(|e| e.name().len()).max().unwrap_or(0);
    let mut widths = [20, longest_event, 20, 32, 9, 0];
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

    fn entry(iccid: &str) -> AuditEntry {
        AuditEntry {
            time: 1_767_225_600,
            event: AuditEvent::Installed,
            iccid: iccid.into(),
            eid: Some("89049032123451234512345678901235".into()),
            outcome: "ok".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn the_audit_log_refuses_update_and_delete() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        s.audit(entry("89999000000000000018"));
        for sql in [
            "UPDATE audit SET outcome = 'forged'",
            "UPDATE audit SET iccid = '89999000000000000026' WHERE id = 1",
            "DELETE FROM audit",
            "DELETE FROM audit WHERE id = 1",
            "REPLACE INTO audit (id, time, event, iccid, eid, outcome, detail) \
             VALUES (1, 0, 'installed', '', NULL, 'ok', '')",
            "INSERT INTO audit (id, time, event, iccid, eid, outcome, detail) \
             VALUES (1, 0, 'installed', '', NULL, 'ok', '') \
             ON CONFLICT (id) DO UPDATE SET outcome = 'forged'",
        ] {
            let e = s.execute_raw(sql).expect_err(sql);
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
        assert_eq!(s.audit_log(), vec![entry("89999000000000000018")]);
        assert!(s.take_error().is_none());
    }

    #[test]
    fn matching_id_lookup_uses_the_index() {
        let s = SqliteStore::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = s
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let p = plan("SELECT iccid FROM orders WHERE matching_id = 'x' AND matching_id <> ''");
        assert!(p.contains("orders_matching_id"), "{p}");
        let p = plan(
            "SELECT iccid FROM orders WHERE eid = 'x' AND (matching_id IS NULL OR matching_id = '')",
        );
        assert!(p.contains("orders_eid"), "{p}");
    }

    #[test]
    fn every_state_and_event_name_maps_back() {
        for s in STATES {
            assert_eq!(state_named(s.name()), Some(s));
        }
        for e in EVENTS {
            assert_eq!(event_named(e.name()), Some(e));
        }
        assert_eq!(state_named("Released"), None);
    }
}
