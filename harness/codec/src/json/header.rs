//! Request and response headers (digest §2.1; SGP.22 §6.5.1.3/6.5.1.4).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::status::{self, KnownStatus, ReasonCode, SubjectCode};

/// Unknown JSON keys of an object, kept so that they can be reported and re-emitted.
pub type Extra = Map<String, Value>;

/// Request `header`: mandatory on ES2+ and ES12, optional on ES9+/ES11 (LPAs send none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestHeader {
    pub function_requester_identifier: String,
    pub function_call_identifier: String,
    #[serde(flatten)]
    pub extra: Extra,
}

impl RequestHeader {
    pub fn new(requester: impl Into<String>, call: impl Into<String>) -> Self {
        Self {
            function_requester_identifier: requester.into(),
            function_call_identifier: call.into(),
            extra: Extra::new(),
        }
    }
}

/// `functionExecutionStatus.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExecutionStatus {
    #[serde(rename = "Executed-Success")]
    ExecutedSuccess,
    #[serde(rename = "Executed-WithWarning")]
    ExecutedWithWarning,
    #[serde(rename = "Failed")]
    Failed,
    #[serde(rename = "Expired")]
    Expired,
}

impl ExecutionStatus {
    pub const ALL: &'static [ExecutionStatus] = &[
        ExecutionStatus::ExecutedSuccess,
        ExecutionStatus::ExecutedWithWarning,
        ExecutionStatus::Failed,
        ExecutionStatus::Expired,
    ];

    /// Wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::ExecutedSuccess => "Executed-Success",
            ExecutionStatus::ExecutedWithWarning => "Executed-WithWarning",
            ExecutionStatus::Failed => "Failed",
            ExecutionStatus::Expired => "Expired",
        }
    }

    /// `Executed-Success` or `Executed-WithWarning`.
    pub const fn is_executed(self) -> bool {
        matches!(
            self,
            ExecutionStatus::ExecutedSuccess | ExecutionStatus::ExecutedWithWarning
        )
    }
}

impl std::fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `statusCodeData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCodeData {
    pub subject_code: SubjectCode,
    pub reason_code: ReasonCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl StatusCodeData {
    pub fn new(subject_code: SubjectCode, reason_code: ReasonCode) -> Self {
        Self {
            subject_code,
            reason_code,
            subject_identifier: None,
            message: None,
            extra: Extra::new(),
        }
    }

    /// Catalogue entry for these codes (normative or legacy alias).
    pub fn known(&self) -> Option<KnownStatus> {
        status::lookup_codes(&self.subject_code, &self.reason_code)
    }

    /// Whether the codes are a legacy alias (e.g. lpac's 8.8.5/4.1).
    pub fn is_legacy_alias(&self) -> bool {
        status::classify(self.subject_code.as_str(), self.reason_code.as_str())
            .is_some_and(|m| m.is_legacy_alias)
    }
}

impl From<KnownStatus> for StatusCodeData {
    fn from(k: KnownStatus) -> Self {
        Self::new(k.subject_code(), k.reason_code())
    }
}

/// `header.functionExecutionStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionExecutionStatus {
    pub status: ExecutionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code_data: Option<StatusCodeData>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Response `header`, present in every JSON response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseHeader {
    pub function_execution_status: FunctionExecutionStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ResponseHeader {
    /// Any status, optional status code data.
    pub fn with_status(status: ExecutionStatus, status_code_data: Option<StatusCodeData>) -> Self {
        Self {
            function_execution_status: FunctionExecutionStatus {
                status,
                status_code_data,
                extra: Extra::new(),
            },
            extra: Extra::new(),
        }
    }

    /// `Executed-Success` without status code data.
    pub fn success() -> Self {
        Self::with_status(ExecutionStatus::ExecutedSuccess, None)
    }

    /// `Failed` with the codes of a catalogue entry (no message; see [`with_message`](Self::with_message)).
    pub fn failed(status: KnownStatus) -> Self {
        Self::with_status(ExecutionStatus::Failed, Some(status.into()))
    }

    /// `Failed` with arbitrary codes.
    pub fn failed_with(subject: SubjectCode, reason: ReasonCode, message: Option<String>) -> Self {
        let mut data = StatusCodeData::new(subject, reason);
        data.message = message;
        Self::with_status(ExecutionStatus::Failed, Some(data))
    }

    /// Sets `statusCodeData.message` (no effect without status code data).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        if let Some(d) = self.function_execution_status.status_code_data.as_mut() {
            d.message = Some(message.into());
        }
        self
    }

    /// Sets `statusCodeData.subjectIdentifier` (no effect without status code data).
    pub fn with_subject_identifier(mut self, id: impl Into<String>) -> Self {
        if let Some(d) = self.function_execution_status.status_code_data.as_mut() {
            d.subject_identifier = Some(id.into());
        }
        self
    }

    pub fn status(&self) -> ExecutionStatus {
        self.function_execution_status.status
    }

    /// `Executed-Success` or `Executed-WithWarning`.
    pub fn is_executed(&self) -> bool {
        self.status().is_executed()
    }

    pub fn status_code_data(&self) -> Option<&StatusCodeData> {
        self.function_execution_status.status_code_data.as_ref()
    }

    /// Catalogue entry of the status code data, if any and known.
    pub fn known_status(&self) -> Option<KnownStatus> {
        self.status_code_data().and_then(StatusCodeData::known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_shapes() {
        assert_eq!(
            serde_json::to_value(ResponseHeader::success()).unwrap(),
            json!({"functionExecutionStatus": {"status": "Executed-Success"}})
        );
        assert_eq!(
            serde_json::to_value(
                ResponseHeader::failed(KnownStatus::TransactionIdUnknown).with_message("Unknown")
            )
            .unwrap(),
            json!({"functionExecutionStatus": {"status": "Failed", "statusCodeData": {
                "subjectCode": "8.10.1", "reasonCode": "3.9", "message": "Unknown"}}})
        );
        let h = ResponseHeader::failed_with(
            SubjectCode::new("8.8.5").unwrap(),
            ReasonCode::new("4.1").unwrap(),
            None,
        );
        assert_eq!(h.known_status(), Some(KnownStatus::DownloadOrderExpired));
        assert!(h.status_code_data().unwrap().is_legacy_alias());
        assert!(!h.is_executed());
        for s in ExecutionStatus::ALL {
            let v = serde_json::to_value(s).unwrap();
            assert_eq!(v, json!(s.as_str()));
        }
        assert!(serde_json::from_value::<ExecutionStatus>(json!("executed-success")).is_err());
    }
}
