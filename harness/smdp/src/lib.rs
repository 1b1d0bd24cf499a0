//! rsp-smdp: the reference SM-DP+.
//!
//! Built so far (the rest of its issue is open): the ES9+ core — InitiateAuthentication,
//! AuthenticateClient, GetBoundProfilePackage, HandleNotification, CancelSession on the JSON
//! binding, with the checks of digest §4.1 steps 3, 6, 9, 10 and 11 and their SGP.22 status codes —
//! over download orders kept in an [`orders::OrderStore`] (in memory, or durable in SQLite:
//! [`sqlite::SqliteStore`]) with an append-only audit log, and the
//! ES2+ operator functions (DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile). Synchronous and deterministic:
//! randomness and the clock are injected. Served over HTTPS by [`http::SmdpService`] (ES9+ JSON binding). Not yet: the ASN.1 binding, ES2+ over mutual TLS, ES2+ mutual TLS and
//! HandleDownloadProgressInfo callbacks, ES12 client, fault injection, `serve smdp`.

pub mod asn1;
pub mod config;
pub mod es12_client;
pub mod es2;
pub mod es2_http;
pub mod es9;
pub mod faults;
pub mod http;
pub mod orders;
pub mod progress;
pub mod sqlite;

pub use es9::{Es9Answer, Smdp, SmdpConfig};
pub use orders::{MemoryStore, Order, OrderState, OrderStore};
