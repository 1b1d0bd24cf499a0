//! The SM-DP+'s ES12 client (digest §2.5): an SM-DS-mode order (ConfirmOrder with
//! `smdsAddress`) registers an event at that SM-DS; the event is deleted once the profile is
//! installed or the order is cancelled. The core calls the [`EventRegistrar`] trait (so it stays
//! synchronous and testable); [`HttpEventRegistrar`] is the real one over HTTPS, mutual TLS
//! when the client has an identity.

use std::sync::{Arc, Mutex};

use rsp_codec::json::{
    DeleteEventRequest, Es12Function, ExecutionStatus, HeaderOnlyResponse, RegisterEventRequest,
};
use rsp_codec::status::KnownStatus;
use rsp_http::HttpClient;

/// Why an ES12 call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Es12Error {
    /// No answer (connection, TLS, timeout): ConfirmOrder answers 8.9/5.1.
    #[error("SM-DS {address} unreachable: {reason}")]
    Unreachable { address: String, reason: String },
    /// The SM-DS answered but not with success: ConfirmOrder answers 8.9/4.2.
    #[error("SM-DS {address} refused: {reason}")]
    Refused { address: String, reason: String },
}

impl Es12Error {
    /// The ES2+ status ConfirmOrder answers with.
    pub fn status(&self) -> KnownStatus {
        match self {
            Es12Error::Unreachable { .. } => KnownStatus::SmdsInaccessible,
            Es12Error::Refused { .. } => KnownStatus::SmdsExecutionError,
        }
    }
}

/// Where the SM-DP+ registers and deletes events.
pub trait EventRegistrar: Send {
    fn register(
        &mut self,
        smds_address: &str,
        request: &RegisterEventRequest,
    ) -> Result<(), Es12Error>;
    fn delete(&mut self, smds_address: &str, request: &DeleteEventRequest)
        -> Result<(), Es12Error>;
}

/// ES12 over HTTPS to `https://{smdsAddress}/gsma/rsp2/es12/…`.
pub struct HttpEventRegistrar {
    client: HttpClient,
}

impl HttpEventRegistrar {
    pub fn new(client: HttpClient) -> HttpEventRegistrar {
        HttpEventRegistrar { client }
    }

    fn call(&self, address: &str, function: Es12Function, body: Vec<u8>) -> Result<(), Es12Error> {
        let url = format!("https://{address}{}", function.path());
        let unreachable = |reason: String| Es12Error::Unreachable {
            address: address.to_owned(),
            reason,
        };
        // HttpClient refuses to run inside a tokio runtime, and a served SM-DP+ handles ES2+
        // and ES9+ requests on rsp-http's blocking pool, which is one: make the call from a
        // plain thread (as the SM-DS's cascade forwarder does).
        let client = &self.client;
        let joined = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("rsp-smdp-es12".into())
                .spawn_scoped(s, || client.post(&url, "application/json", &body))
                .map(|h| h.join())
        });
        let r = match joined {
            Ok(Ok(r)) => r.map_err(|e| unreachable(e.to_string()))?,
            Ok(Err(_)) => return Err(unreachable("ES12 client thread failed".into())),
            Err(e) => return Err(unreachable(format!("no thread for the ES12 call: {e}"))),
        };
        let refused = |reason: String| Es12Error::Refused {
            address: address.to_owned(),
            reason,
        };
        if r.status != 200 {
            return Err(refused(format!("HTTP {}", r.status)));
        }
        let answer: HeaderOnlyResponse = serde_json::from_slice(&r.body)
            .map_err(|e| refused(format!("answer is not a JSON header: {e}")))?;
        let status = &answer.header.function_execution_status;
        match status.status {
            ExecutionStatus::ExecutedSuccess | ExecutionStatus::ExecutedWithWarning => Ok(()),
            _ => Err(refused(match &status.status_code_data {
                Some(d) => format!("{}/{}", d.subject_code.as_str(), d.reason_code.as_str()),
                None => "Failed without a status code".into(),
            })),
        }
    }
}

impl EventRegistrar for HttpEventRegistrar {
    fn register(
        &mut self,
        smds_address: &str,
        request: &RegisterEventRequest,
    ) -> Result<(), Es12Error> {
        let body = serde_json::to_vec(request).unwrap_or_default();
        self.call(smds_address, Es12Function::RegisterEvent, body)
    }

    fn delete(
        &mut self,
        smds_address: &str,
        request: &DeleteEventRequest,
    ) -> Result<(), Es12Error> {
        let body = serde_json::to_vec(request).unwrap_or_default();
        self.call(smds_address, Es12Function::DeleteEvent, body)
    }
}

/// One ES12 call a [`RecordingRegistrar`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es12Call {
    Register {
        smds_address: String,
        request: RegisterEventRequest,
    },
    Delete {
        smds_address: String,
        request: DeleteEventRequest,
    },
}

/// Records calls and answers with a configurable result (tests, the runner's SM-DS stand-in).
#[derive(Clone, Default)]
pub struct RecordingRegistrar {
    pub calls: Arc<Mutex<Vec<Es12Call>>>,
    pub fail_with: Arc<Mutex<Option<Es12Error>>>,
}

impl RecordingRegistrar {
    fn outcome(&self) -> Result<(), Es12Error> {
        match self
            .fail_with
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl EventRegistrar for RecordingRegistrar {
    fn register(
        &mut self,
        smds_address: &str,
        request: &RegisterEventRequest,
    ) -> Result<(), Es12Error> {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Es12Call::Register {
                smds_address: smds_address.to_owned(),
                request: request.clone(),
            });
        self.outcome()
    }

    fn delete(
        &mut self,
        smds_address: &str,
        request: &DeleteEventRequest,
    ) -> Result<(), Es12Error> {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Es12Call::Delete {
                smds_address: smds_address.to_owned(),
                request: request.clone(),
            });
        self.outcome()
    }
}
