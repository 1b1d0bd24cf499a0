//! Event records (SGP.22 §3.6, digest §2.4–2.5): what an SM-DP+ registered over ES12 for an
//! EID, and what the LPA discovers over ES11, plus an audit trail of registrations, deletions
//! and discoveries. [`MemoryEventStore`] here; the durable
//! [`SqliteEventStore`](crate::sqlite::SqliteEventStore) implements the same small
//! [`EventStore`] trait, which is why every operation can fail with [`EventStoreError::Backend`].
//!
//! A record is identified by its EID and EventID: ES12.DeleteEvent names both ("no event with
//! this EventID for the EID", 8.9.5/3.9), and EventIDs are chosen by each SM-DP+, so only the
//! pair can be required to be unique (a second registration of the pair is 8.9.5/3.3).

use rsp_crypto::cert::Time;
use sha2::{Digest as _, Sha256};

/// One event record.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    /// The EID, 32 decimal digits.
    pub eid: String,
    /// The EventID, which the LPA uses as MatchingID towards `rsp_server_address`.
    pub event_id: String,
    /// FQDN of the SM-DP+ (or Alternative SM-DS) holding the event.
    pub rsp_server_address: String,
    /// Whether the registering party asked for the event to be forwarded (cascade).
    pub forwarding_indicator: bool,
    /// `functionRequesterIdentifier` of the RegisterEvent that created the record.
    pub registered_by: String,
    /// When the record was registered (the SM-DS's injected clock).
    pub registered_at: Time,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An EventID is a MatchingID, a key to a subscription: never logged.
        f.debug_struct("Event")
            .field("eid", &self.eid)
            .field("event_id", &"<redacted>")
            .field("rsp_server_address", &self.rsp_server_address)
            .field("forwarding_indicator", &self.forwarding_indicator)
            .field("registered_by", &self.registered_by)
            .field("registered_at", &self.registered_at.unix())
            .finish()
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventStoreError {
    /// A record with this EID and EventID exists already.
    #[error("an event with this EventID is already registered for the EID")]
    Duplicate,
    /// No record with this EID and EventID.
    #[error("no event with this EventID for the EID")]
    Unknown,
    /// The storage itself failed (I/O, database); the text is for logs.
    #[error("event store: {0}")]
    Backend(String),
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// ES12.RegisterEvent (accepted or refused).
    Register,
    /// ES12.DeleteEvent (accepted or refused).
    Delete,
    /// ES11.AuthenticateClient that reached the event lookup: one entry per event revealed, or
    /// one without an event when there was none.
    Discover,
}

impl AuditAction {
    pub const ALL: [AuditAction; 3] = [
        AuditAction::Register,
        AuditAction::Delete,
        AuditAction::Discover,
    ];

    /// Stored and printed name.
    pub const fn name(self) -> &'static str {
        match self {
            AuditAction::Register => "register",
            AuditAction::Delete => "delete",
            AuditAction::Discover => "discover",
        }
    }

    pub fn from_name(name: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One line of the audit trail. It never holds an EventID, only its [`event_fingerprint`]:
/// an EventID is a MatchingID, and an append-only log cannot be purged of secrets later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds (the SM-DS's injected clock).
    pub time: i64,
    pub action: AuditAction,
    /// The EID as sent (32 digits once parsed).
    pub eid: String,
    /// [`event_fingerprint`] of the EventID, when the entry concerns one event.
    pub event: Option<String>,
    /// `ok`, or the `subject/reason` codes of the refusal (`8.9.5/3.3`).
    pub outcome: String,
    /// Free text: requester, rspServerAddress, forwarding.
    pub detail: String,
}

/// A fingerprint of an EventID for logs: `sha256:` and the first 8 bytes of the digest in hex.
/// Lets an operator find the entries of an EventID they already know, without the log
/// revealing any. (A short, low-entropy EventID can be guessed from it; SM-DP+s should use
/// random ones, as MatchingIDs must be.)
pub fn event_fingerprint(event_id: &str) -> String {
    let digest = Sha256::digest(event_id.as_bytes());
    format!("sha256:{}", hex::encode(&digest[..8]))
}

/// Where an SM-DS keeps its event records.
pub trait EventStore {
    /// Adds a record; [`EventStoreError::Duplicate`] if its (EID, EventID) exists.
    fn insert(&mut self, event: Event) -> Result<(), EventStoreError>;
    /// Removes and returns the record; [`EventStoreError::Unknown`] if there is none.
    fn remove(&mut self, eid: &str, event_id: &str) -> Result<Event, EventStoreError>;
    /// The records for an EID, oldest registration first.
    fn events_for(&self, eid: &str) -> Result<Vec<Event>, EventStoreError>;
    /// Appends to the audit trail. A store without one accepts and drops the entry.
    fn audit(&mut self, entry: AuditEntry) -> Result<(), EventStoreError> {
        let _ = entry;
        Ok(())
    }
}

/// An [`EventStore`] in memory, in registration order (tests, fuzzing, short-lived servers).
/// Its audit trail is in memory too, capped at [`MemoryEventStore::AUDIT_CAP`] entries (the
/// oldest dropped), so a long-running server cannot grow without bound.
#[derive(Debug, Default, Clone)]
pub struct MemoryEventStore {
    events: Vec<Event>,
    audit: std::collections::VecDeque<AuditEntry>,
}

impl MemoryEventStore {
    pub const AUDIT_CAP: usize = 10_000;

    /// Every record, oldest first.
    pub fn all(&self) -> &[Event] {
        &self.events
    }

    /// The audit trail kept, oldest first.
    pub fn audit_log(&self) -> Vec<AuditEntry> {
        self.audit.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl EventStore for MemoryEventStore {
    fn insert(&mut self, event: Event) -> Result<(), EventStoreError> {
        if self
            .events
            .iter()
            .any(|e| e.eid == event.eid && e.event_id == event.event_id)
        {
            return Err(EventStoreError::Duplicate);
        }
        self.events.push(event);
        Ok(())
    }

    fn remove(&mut self, eid: &str, event_id: &str) -> Result<Event, EventStoreError> {
        let i = self
            .events
            .iter()
            .position(|e| e.eid == eid && e.event_id == event_id)
            .ok_or(EventStoreError::Unknown)?;
        Ok(self.events.remove(i))
    }

    fn events_for(&self, eid: &str) -> Result<Vec<Event>, EventStoreError> {
        Ok(self
            .events
            .iter()
            .filter(|e| e.eid == eid)
            .cloned()
            .collect())
    }

    fn audit(&mut self, entry: AuditEntry) -> Result<(), EventStoreError> {
        if self.audit.len() >= Self::AUDIT_CAP {
            self.audit.pop_front();
        }
        self.audit.push_back(entry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(eid: &str, id: &str) -> Event {
        Event {
            eid: eid.into(),
            event_id: id.into(),
            rsp_server_address: "dp.example.com".into(),
            forwarding_indicator: false,
            registered_by: "dp".into(),
            registered_at: Time::from_unix(0),
        }
    }

    #[test]
    fn pairs_are_unique_and_removable() {
        let mut s = MemoryEventStore::default();
        s.insert(ev("1", "A")).unwrap();
        s.insert(ev("2", "A")).unwrap();
        s.insert(ev("1", "B")).unwrap();
        assert_eq!(s.insert(ev("1", "A")), Err(EventStoreError::Duplicate));
        let ids: Vec<_> = s
            .events_for("1")
            .unwrap()
            .into_iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(ids, ["A", "B"]);
        assert_eq!(s.remove("1", "A").unwrap().event_id, "A");
        assert_eq!(s.remove("1", "A"), Err(EventStoreError::Unknown));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn fingerprints_are_stable_and_hide_the_id() {
        let f = event_fingerprint("SECRET-EVENT");
        assert_eq!(f, event_fingerprint("SECRET-EVENT"));
        assert_ne!(f, event_fingerprint("SECRET-EVENT2"));
        assert!(f.starts_with("sha256:") && f.len() == 7 + 16, "{f}");
        assert!(!f.contains("SECRET"));
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_name(a.name()), Some(a));
        }
    }

    #[test]
    fn debug_hides_the_event_id() {
        assert!(!format!("{:?}", ev("1", "SECRET-EVENT")).contains("SECRET-EVENT"));
    }
}
