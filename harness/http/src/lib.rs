//! rsp-http: the thin HTTP(S) adapter between rspcheck's synchronous role logic and the network.
//!
//! The reference SM-DP+ (ES9+, ES2+), SM-DS (ES11, ES12), the admin port and the LPA's client all
//! move their SGP.22 JSON (or ASN.1 binding) bodies through this crate. It knows nothing about
//! SGP.22 messages: a server hands each request to a synchronous [`Handler`] and writes back what
//! it returns; the client posts bytes and returns what came back. Role logic stays deterministic
//! and fuzzable in-process; only this crate touches sockets, TLS and a tokio runtime, and it hides
//! the runtime behind blocking calls so callers stay synchronous.
//!
//! TLS is rustls 0.23 with the *ring* provider. rustls supports neither brainpoolP256r1 keys nor
//! brainpool signatures in TLS, so TLS always uses the NIST P-256 certificates (SGP.26
//! `CERT_S_SM_DP_VARO_TLS_NIST`, `CERT_S_SM_DS_TLS_NIST`, the ES2+ operator certificate); the
//! brainpool sets are for the ES9+/ES8+ application-layer signatures only. TLS 1.2 offers
//! `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` first (mandated by SGP.22 §2.6.6) and the server
//! prefers its own order; TLS 1.3 uses rustls' default suites. `TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256`
//! (also listed by SGP.22) is not implemented by rustls.

mod client;
mod error;
mod message;
mod server;
mod tls;

pub use client::{ClientConfig, ClientIdentity, HttpClient, Trust};
pub use error::HttpError;
pub use message::{HttpRequest, HttpResponse};
pub use server::{serve, Handler, ServerConfig, ServerHandle, ServerStats};
pub use tls::{load_certificates, load_private_key, TlsConfig};

/// `X-Admin-Protocol` value the client sends by default (SGP.22 v2.5.0).
pub const DEFAULT_ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";
/// `User-Agent` the client sends by default, as lpac, pySim and vendor LPAs do.
pub const DEFAULT_USER_AGENT: &str = "gsma-rsp-lpad";
