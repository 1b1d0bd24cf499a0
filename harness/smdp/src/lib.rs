//! rsp-smdp: the reference SM-DP+.
//!
//! - ES9+ core ([`es9`]): InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage,
//!   HandleNotification, CancelSession with the checks of digest §4.1 steps 3, 6, 9, 10 and 11
//!   and their SGP.22 status codes; on the JSON binding and the ASN.1 binding ([`asn1`]).
//! - Orders in an [`orders::OrderStore`] (in memory, or durable in SQLite: [`sqlite::SqliteStore`])
//!   with an append-only audit log and consumed matching IDs; ES2+ operator functions ([`es2`]).
//! - Served over HTTPS ([`http::SmdpService`]); ES2+ on its own mutual-TLS listener with
//!   HandleDownloadProgressInfo callbacks ([`es2_http`]); the ES12 client registering SM-DS
//!   events ([`es12_client`]); fault injection in-process and over a loopback admin port
//!   ([`faults`], [`admin`]).
//!
//! Synchronous and deterministic: randomness and the clock are injected.

pub mod admin;
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

pub use es9::{Es9Answer, Smdp, SmdpConfig, SmdpPlantedBug};
pub use http::AnswerFilter;
pub use orders::{MemoryStore, Order, OrderState, OrderStore};
