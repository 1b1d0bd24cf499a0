//! rsp-smds: the reference SM-DS.
//!
//! Built so far: the core — ES11 InitiateAuthentication and AuthenticateClient (event
//! discovery by the LPA, mutual authentication with CERT.DSauth) and ES12 RegisterEvent and
//! DeleteEvent (event records from SM-DP+s) on the JSON binding, with the status codes of digest
//! §2.3/§2.4/§2.5 — over event records kept in an [`events::EventStore`]. Synchronous and
//! deterministic: randomness and the clock are injected. Not yet: the HTTPS adapter (path →
//! function via `Es11Function::from_path_detailed`/`Es12Function::from_path`, TLS client
//! authentication of ES12 callers), the ASN.1 binding, the durable SQLite store, cascade
//! forwarding (`forwardingIndicator` is stored only), fault injection, `serve smds`.

pub mod events;
pub mod smds;

pub use events::{Event, EventStore, EventStoreError, MemoryEventStore};
pub use smds::{Answer, Smds, SmdsConfig, SmdsError};
