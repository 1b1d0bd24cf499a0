//! ES9+ (LPA ↔ SM-DP+) JSON messages, digest §2.2.
//!
//! Requests keep unknown keys in `extra`. Response payload fields are all optional because a
//! `Failed` response carries only the header; a role checks presence on success itself.

use serde::{Deserialize, Serialize};

use super::header::{Extra, RequestHeader, ResponseHeader};
use super::types::{Base64Bytes, TransactionIdHex};

/// ES9+.InitiateAuthentication request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateAuthenticationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    /// 16 raw bytes (no TLV).
    pub euicc_challenge: Base64Bytes,
    /// DER of EUICCInfo1 (`BF20`).
    pub euicc_info1: Base64Bytes,
    /// FQDN as given (compared case-insensitively by the SM-DP+).
    pub smdp_address: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.InitiateAuthentication response (also the ES11 one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateAuthenticationResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<TransactionIdHex>,
    /// DER of ServerSigned1 (`30`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_signed1: Option<Base64Bytes>,
    /// `5F37 40` ‖ r ‖ s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_signature1: Option<Base64Bytes>,
    /// `04 14` ‖ SKI.
    #[serde(
        default,
        rename = "euiccCiPKIdToBeUsed",
        skip_serializing_if = "Option::is_none"
    )]
    pub euicc_ci_pkid_to_be_used: Option<Base64Bytes>,
    /// DER of CERT.DPauth (CERT.DSauth on ES11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<Base64Bytes>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.AuthenticateClient request (also the ES11 one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateClientRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    pub transaction_id: TransactionIdHex,
    /// DER of AuthenticateServerResponse (`BF38`) as returned by the eUICC.
    pub authenticate_server_response: Base64Bytes,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.AuthenticateClient response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateClientResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<TransactionIdHex>,
    /// DER of StoreMetadataRequest (`BF25`). JSON key `profileMetadata` (lower-case d).
    #[serde(
        default,
        rename = "profileMetadata",
        skip_serializing_if = "Option::is_none"
    )]
    pub profile_metadata: Option<Base64Bytes>,
    /// DER of SmdpSigned2 (`30`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_signed2: Option<Base64Bytes>,
    /// `5F37 40` ‖ r ‖ s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_signature2: Option<Base64Bytes>,
    /// DER of CERT.DPpb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_certificate: Option<Base64Bytes>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.GetBoundProfilePackage request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBoundProfilePackageRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    pub transaction_id: TransactionIdHex,
    /// DER of PrepareDownloadResponse (`BF21`).
    pub prepare_download_response: Base64Bytes,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.GetBoundProfilePackage response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBoundProfilePackageResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<TransactionIdHex>,
    /// DER of BoundProfilePackage (`BF36`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_profile_package: Option<Base64Bytes>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.HandleNotification request. Success is HTTP 204 with no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandleNotificationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    /// DER of a ProfileInstallationResult (`BF37`) or an OtherSignedNotification (`30`).
    pub pending_notification: Base64Bytes,
    #[serde(flatten)]
    pub extra: Extra,
}

/// ES9+.CancelSession request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelSessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RequestHeader>,
    pub transaction_id: TransactionIdHex,
    /// DER of CancelSessionResponse (`BF41`) from ES10b.CancelSession.
    pub cancel_session_response: Base64Bytes,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A response made of the header only: ES9+ CancelSession, ES12 RegisterEvent/DeleteEvent,
/// ES2+ CancelOrder/ReleaseProfile — and any `Failed` response of any function. Parsing any
/// response body as this type reads its status; the other keys land in `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderOnlyResponse {
    pub header: ResponseHeader,
    #[serde(flatten)]
    pub extra: Extra,
}

impl HeaderOnlyResponse {
    pub fn new(header: ResponseHeader) -> Self {
        Self {
            header,
            extra: Extra::new(),
        }
    }
}

/// ES9+.CancelSession response (header only; CancelSessionOk is empty).
pub type CancelSessionResponse = HeaderOnlyResponse;
