//! ES12 (SM-DP+ ↔ SM-DS) JSON messages, digest §2.5. The request header is mandatory.

use serde::{Deserialize, Serialize};

use super::es9::HeaderOnlyResponse;
use super::header::{Extra, RequestHeader};
use super::types::{Eid32, Secret};

/// ES12.RegisterEvent request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEventRequest {
    pub header: RequestHeader,
    pub eid: Eid32,
    /// FQDN of the SM-DP+ (or Alternative SM-DS) the LPA must contact.
    pub rsp_server_address: String,
    /// The LPA uses it as MatchingID (a [`Secret`]).
    pub event_id: Secret,
    /// Whether the SM-DS must forward the registration (cascade).
    pub forwarding_indicator: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES12.DeleteEvent request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteEventRequest {
    pub header: RequestHeader,
    pub eid: Eid32,
    /// The LPA uses it as MatchingID (a [`Secret`]).
    pub event_id: Secret,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES12.RegisterEvent response (header only).
pub type RegisterEventResponse = HeaderOnlyResponse;
/// ES12.DeleteEvent response (header only).
pub type DeleteEventResponse = HeaderOnlyResponse;
