//! ES11 (LPA ↔ SM-DS) JSON messages, digest §2.4.
//!
//! InitiateAuthentication carries the SM-DS address under `smdsAddress` (vendor SDK, treated
//! as normative) or `smdpAddress` (lpac, which reuses its ES9+ code towards the Root SM-DS).
//! [`Es11InitiateAuthenticationRequest`] accepts either key and remembers which one was used
//! ([`AddressKey`]) so that it re-serialises identically and a test can report it. If both keys
//! are present, `smdsAddress` wins and `smdpAddress` is kept in `extra`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::header::{Extra, RequestHeader, ResponseHeader};
use super::types::{Base64Bytes, Secret, TransactionIdHex};

/// ES11 AuthenticateClient request: same JSON as ES9+ (ctxParams1 without matchingId).
pub type Es11AuthenticateClientRequest = super::es9::AuthenticateClientRequest;
/// ES11 InitiateAuthentication response: same JSON as ES9+ (serverCertificate = CERT.DSauth).
pub type Es11InitiateAuthenticationResponse = super::es9::InitiateAuthenticationResponse;

/// Which JSON key carried the SM-DS address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressKey {
    /// `smdsAddress` (normative here, unconfirmed).
    #[default]
    SmdsAddress,
    /// `smdpAddress` (lpac's ES9+-style request).
    SmdpAddress,
}

impl AddressKey {
    pub const fn json_key(self) -> &'static str {
        match self {
            AddressKey::SmdsAddress => "smdsAddress",
            AddressKey::SmdpAddress => "smdpAddress",
        }
    }
}

/// ES11.InitiateAuthentication request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Es11InitiateAuthenticationRequest {
    pub header: Option<RequestHeader>,
    pub euicc_challenge: Base64Bytes,
    pub euicc_info1: Base64Bytes,
    /// The SM-DS address as given.
    pub address: String,
    /// The key it came under / will be emitted under.
    pub address_key: AddressKey,
    /// Unknown keys (must not repeat the address key).
    pub extra: Extra,
}

impl Es11InitiateAuthenticationRequest {
    /// A request using the normative `smdsAddress` key.
    pub fn new(euicc_challenge: Base64Bytes, euicc_info1: Base64Bytes, address: String) -> Self {
        Self {
            header: None,
            euicc_challenge,
            euicc_info1,
            address,
            address_key: AddressKey::SmdsAddress,
            extra: Extra::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Es11IaIn {
    #[serde(default)]
    header: Option<RequestHeader>,
    euicc_challenge: Base64Bytes,
    euicc_info1: Base64Bytes,
    #[serde(default)]
    smds_address: Option<String>,
    #[serde(default)]
    smdp_address: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Es11IaOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<&'a RequestHeader>,
    euicc_challenge: &'a Base64Bytes,
    euicc_info1: &'a Base64Bytes,
    #[serde(skip_serializing_if = "Option::is_none")]
    smds_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smdp_address: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a Extra,
}

impl<'de> Deserialize<'de> for Es11InitiateAuthenticationRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Es11IaIn::deserialize(d)?;
        let mut extra = raw.extra;
        let (address, address_key) = match (raw.smds_address, raw.smdp_address) {
            (Some(a), other) => {
                if let Some(dp) = other {
                    extra.insert("smdpAddress".to_owned(), Value::String(dp));
                }
                (a, AddressKey::SmdsAddress)
            }
            (None, Some(a)) => (a, AddressKey::SmdpAddress),
            (None, None) => return Err(D::Error::missing_field("smdsAddress")),
        };
        Ok(Self {
            header: raw.header,
            euicc_challenge: raw.euicc_challenge,
            euicc_info1: raw.euicc_info1,
            address,
            address_key,
            extra,
        })
    }
}

impl Serialize for Es11InitiateAuthenticationRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (smds_address, smdp_address) = match self.address_key {
            AddressKey::SmdsAddress => (Some(self.address.as_str()), None),
            AddressKey::SmdpAddress => (None, Some(self.address.as_str())),
        };
        Es11IaOut {
            header: self.header.as_ref(),
            euicc_challenge: &self.euicc_challenge,
            euicc_info1: &self.euicc_info1,
            smds_address,
            smdp_address,
            extra: &self.extra,
        }
        .serialize(s)
    }
}

/// One entry of `eventEntries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEntry {
    /// Used by the LPA as MatchingID towards `rspServerAddress`, hence a [`Secret`].
    pub event_id: Secret,
    /// FQDN of an SM-DP+ or of an Alternative SM-DS.
    pub rsp_server_address: String,
    #[serde(flatten)]
    pub extra: Extra,
}

impl EventEntry {
    pub fn new(event_id: impl Into<Secret>, rsp_server_address: impl Into<String>) -> Self {
        Self {
            event_id: event_id.into(),
            rsp_server_address: rsp_server_address.into(),
            extra: Extra::new(),
        }
    }
}

/// ES11.AuthenticateClient response. An empty `eventEntries` means no event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Es11AuthenticateClientResponse {
    pub header: ResponseHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<TransactionIdHex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_entries: Option<Vec<EventEntry>>,
    #[serde(flatten)]
    pub extra: Extra,
}
