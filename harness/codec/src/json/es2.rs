//! ES2+ (Operator ↔ SM-DP+) JSON messages, digest §2.6. The request header is mandatory.
//!
//! Mandatory/optional split as in pysim's es2p.py; enumerations (finalProfileStatusIndicator,
//! notificationPointId meanings, notificationPointStatus layout) are unconfirmed and therefore
//! kept open (plain strings / JSON object).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::es9::HeaderOnlyResponse;
use super::header::{Extra, FunctionExecutionStatus, RequestHeader, ResponseHeader};
use super::types::{Base64Bytes, Eid32, IccidDigits, NotificationPointId, Secret};

/// `finalProfileStatusIndicator` value (unconfirmed).
pub const FINAL_PROFILE_STATUS_AVAILABLE: &str = "Available";
/// `finalProfileStatusIndicator` value (unconfirmed).
pub const FINAL_PROFILE_STATUS_UNAVAILABLE: &str = "Unavailable";

/// ES2+.DownloadOrder request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOrderRequest {
    pub header: RequestHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<IccidDigits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.DownloadOrder response (`iccid` mandatory on success).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOrderResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<IccidDigits>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.ConfirmOrder request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmOrderRequest {
    pub header: RequestHeader,
    pub iccid: IccidDigits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid32>,
    /// Activation-code token (a [`Secret`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<Secret>,
    /// The end user's confirmation code (a [`Secret`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_code: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smds_address: Option<String>,
    pub release_flag: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.ConfirmOrder response (`matchingId` mandatory on success).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmOrderResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_address: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.CancelOrder request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    pub header: RequestHeader,
    pub iccid: IccidDigits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<Secret>,
    /// `Available` / `Unavailable` (unconfirmed; kept open).
    pub final_profile_status_indicator: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.ReleaseProfile request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseProfileRequest {
    pub header: RequestHeader,
    pub iccid: IccidDigits,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES2+.HandleDownloadProgressInfo request (SM-DP+ → Operator); success is HTTP 204.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandleDownloadProgressInfoRequest {
    pub header: RequestHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid32>,
    pub iccid: IccidDigits,
    pub profile_type: String,
    /// W3C `YYYY-MM-DDThh:mm:ssTZD`, kept as given (not validated here).
    pub timestamp: String,
    pub notification_point_id: NotificationPointId,
    /// A JSON object; its layout is unconfirmed (presumably a FunctionExecutionStatus, see
    /// [`notification_point_execution_status`](Self::notification_point_execution_status)).
    pub notification_point_status: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_data: Option<Base64Bytes>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl HandleDownloadProgressInfoRequest {
    /// `notificationPointStatus` read as a FunctionExecutionStatus, if it has that shape.
    pub fn notification_point_execution_status(&self) -> Option<FunctionExecutionStatus> {
        serde_json::from_value(Value::Object(self.notification_point_status.clone())).ok()
    }
}

/// ES2+.CancelOrder response (header only).
pub type CancelOrderResponse = HeaderOnlyResponse;
/// ES2+.ReleaseProfile response (header only).
pub type ReleaseProfileResponse = HeaderOnlyResponse;
