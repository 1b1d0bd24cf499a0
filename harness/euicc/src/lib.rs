//! rsp-euicc: the reference eUICC.
//!
//! A card that behaves like a conforming eUICC over APDUs: the counterpart when a vendor's
//! SM-DP+ or LPA is under test, and the yardstick for a vendor's eUICC. Synchronous and
//! deterministic — APDU in, APDU out, randomness and the clock injected.
//!
//! - [`card`]: the APDU layer (logical channels, SELECT of ISD-R/ECASD, STORE DATA chaining,
//!   61xx + GET RESPONSE) and [`card::Euicc`], which implements [`rsp_codec::apdu::Transport`].
//! - [`es10`]: every ES10a/b/c function and the RSP session (AuthenticateServer and
//!   PrepareDownload checks, CancelSession, notifications, profile management).
//! - [`loader`]: ES8+ — the bound profile package processed piece by piece as the LPA sends
//!   it, with the PIR for every failure.
//! - [`store`]: profiles, notifications and counters, persisted atomically to a state file.
//! - [`uicc`]: the enabled profile as a UICC (SELECT, READ/UPDATE, VERIFY, AUTHENTICATE).
//! - [`testkit`]: an LPA view of a card and a minimal SM-DP+ for tests, benchmarks and fuzzing.
//! - [`vpcd`]: the card behind pcscd's vpcd driver, so any PC/SC application sees it;
//!   `pcsc_transport` (feature `pcsc`): any card in any PC/SC reader as a
//!   [`rsp_codec::apdu::Transport`].
//! - [`config`], [`credentials`]: what the card reports and its ECASD keys and certificates.

pub mod card;
pub mod config;
pub mod credentials;
pub mod es10;
pub mod loader;
#[cfg(feature = "pcsc")]
pub mod pcsc_transport;
pub mod store;
pub mod testkit;
pub mod uicc;
pub mod vpcd;

pub use card::{Euicc, ECASD_AID, ISDR_AID};
pub use config::{EuiccConfig, Personality};
pub use credentials::Credentials;
