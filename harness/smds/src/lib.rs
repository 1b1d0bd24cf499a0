//! rsp-smds: the reference SM-DS.
//!
//! - [`smds`]: the core — ES11 InitiateAuthentication and AuthenticateClient (event discovery
//!   by the LPA, mutual authentication with CERT.DSauth) and ES12 RegisterEvent and DeleteEvent
//!   (event records from SM-DP+s) on the JSON binding, with the status codes of digest
//!   §2.3/§2.4/§2.5. Synchronous and deterministic: randomness and the clock are injected.
//! - [`events`]: event records and the audit trail behind the [`EventStore`] trait;
//!   [`MemoryEventStore`] in memory, [`sqlite::SqliteEventStore`] durable (WAL, append-only
//!   audit trail that holds EventID fingerprints only).
//! - [`forward`]: cascade to a parent (Root) SM-DS through a [`forward::Forwarder`]:
//!   [`forward::HttpForwarder`] over HTTPS, [`forward::RecordingForwarder`] for tests.
//! - [`http`]: the HTTPS adapter ([`http::SmdsService`], an `rsp_http::Handler`): transport
//!   statuses, ES11 on the `es11` paths and the `es9plus` aliases, ES12 on a mutual-TLS
//!   listener only (see the module for the design).
//! - [`config`]: `rspcheck serve smds --config FILE`.
//!
//! Not yet: the ASN.1 binding, fault injection.

pub mod config;
pub mod events;
pub mod forward;
pub mod http;
pub mod smds;
pub mod sqlite;

pub use events::{
    event_fingerprint, AuditAction, AuditEntry, Event, EventStore, EventStoreError,
    MemoryEventStore,
};
pub use forward::{ForwardError, Forwarder, HttpForwarder, RecordingForwarder};
pub use smds::{Answer, Smds, SmdsConfig, SmdsError, SmdsPlantedBug};
