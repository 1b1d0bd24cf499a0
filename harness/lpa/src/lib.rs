//! rsp-lpa: the Local Profile Assistant — rspcheck's own LPA, and the driver the runner uses
//! whenever the device under test is an eUICC, an SM-DP+ or an SM-DS.
//!
//! - [`card`]: a logical channel to the ISD-R over any APDU transport (in-process reference
//!   eUICC, PC/SC reader, vpcd), STORE DATA framing and the status-word quirks of real cards.
//! - [`es10`]: every ES10a/b/c function with typed answers.
//! - [`server`]: ES9+/ES11 JSON over HTTPS, `Failed` answers as typed errors.
//! - [`download`]: a download as observable, mutable steps (activation code, default SM-DP+,
//!   SM-DS event), with the CancelSession reasons SGP.22 defines.
//! - [`discovery`]: SM-DS event retrieval over ES11.
//! - [`notifications`]: sending pending notifications with retries, then removing them.
//!
//! The role crates never depend on each other: this crate knows the eUICC and the servers only
//! through APDUs and JSON.

pub mod card;
pub mod discovery;
pub mod download;
pub mod es10;
pub mod notifications;
pub mod server;

pub use card::{Card, CardError, CardOptions};
pub use download::{Consent, Download, DownloadError, DownloadOptions, Hooks, Source, Step};
pub use es10::{CancelReason, Es10Error, ProfileFilter, ProfileId, ProfileInfo};
pub use server::{HttpsServer, RemoteError, RspServer, ServerTrust};
