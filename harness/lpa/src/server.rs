//! The LPA's side of ES9+ and ES11: JSON over HTTPS to an SM-DP+ or SM-DS, with answers whose
//! status is `Failed` turned into typed errors that carry the subject/reason meaning.
//!
//! [`RspServer`] is the seam: [`HttpsServer`] is the real client (rustls through `rsp-http`,
//! trusting the configured CI with the SGP.22 TLS role checks, or a lab server's certificate);
//! a test or scenario can put any other implementation behind it.

use std::time::{Duration, Instant};

use rsp_codec::json::{Es11Function, Es9Function, ExecutionStatus, ResponseHeader};
use rsp_codec::status;
use rsp_crypto::cert::Role;
use rsp_http::{ClientConfig, HttpClient, Trust};
use serde_json::Value;

/// A POST's answer as it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// No answer could be had from the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// Nothing reached the server (resolve, connect, TLS handshake): safe to try again.
    #[error("{address} unreachable: {detail}")]
    Unreachable { address: String, detail: String },
    /// The request may have reached the server; the exchange broke (reset, timeout).
    #[error("{address}: {detail}")]
    Exchange { address: String, detail: String },
    #[error("invalid server address {0:?}")]
    Address(String),
}

/// Carries a JSON POST to the server at `address` (the FQDN from an activation code, the
/// eUICC or an SM-DS event, optionally with `:port`).
pub trait RspServer {
    fn post(&mut self, address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError>;
}

impl<S: RspServer + ?Sized> RspServer for &mut S {
    fn post(&mut self, address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        (**self).post(address, path, body)
    }
}

impl<S: RspServer + ?Sized> RspServer for Box<S> {
    fn post(&mut self, address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        (**self).post(address, path, body)
    }
}

/// Time spent waiting for servers, for the time split of a download.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerStats {
    pub calls: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Wall time inside [`RspServer::post`]: TLS, HTTP and the server's own processing.
    pub time: Duration,
}

/// How the HTTPS client decides to trust a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTrust {
    /// The certificate chains to one of these CIs and carries the SGP.22 TLS role: CERT.DPtls
    /// for an SM-DP+, CERT.DStls for an SM-DS (policy OIDs checked by rsp-crypto).
    CiWithRole(Vec<Vec<u8>>),
    /// Chains to one of these roots, host name checked, no SGP.22 role check.
    Roots(Vec<Vec<u8>>),
    /// Accept any certificate: a lab server whose certificate is from no known CI.
    InsecureAcceptAny,
}

/// The real client: HTTPS through `rsp-http` (hyper + rustls). ES9+ calls need an SM-DP+
/// certificate and ES11 calls an SM-DS one, so it holds one client per role.
pub struct HttpsServer {
    smdp: HttpClient,
    smds: HttpClient,
}

impl HttpsServer {
    /// `base` gives timeout, retries, host overrides and headers; its trust is replaced by
    /// `trust`, per role.
    pub fn new(trust: ServerTrust, base: ClientConfig) -> Result<HttpsServer, rsp_http::HttpError> {
        let client = |role| {
            let mut c = base.clone();
            c.trust = match &trust {
                ServerTrust::CiWithRole(roots) => Trust::RspRole {
                    roots: roots.clone(),
                    role,
                },
                ServerTrust::Roots(roots) => Trust::Roots(roots.clone()),
                ServerTrust::InsecureAcceptAny => Trust::InsecureAcceptAny,
            };
            HttpClient::new(c)
        };
        Ok(HttpsServer {
            smdp: client(Role::DpTls)?,
            smds: client(Role::DsTls)?,
        })
    }

    /// [`HttpsServer::new`] with defaults, host overrides and a timeout per call.
    pub fn with_trust(
        trust: ServerTrust,
        resolve: Vec<(String, std::net::SocketAddr)>,
        timeout: Duration,
    ) -> Result<HttpsServer, rsp_http::HttpError> {
        let mut base = ClientConfig::new(Trust::InsecureAcceptAny);
        base.resolve = resolve;
        base.timeout = timeout;
        HttpsServer::new(trust, base)
    }
}

impl RspServer for HttpsServer {
    fn post(&mut self, address: &str, path: &str, body: &[u8]) -> Result<RawReply, ServerError> {
        if address.is_empty()
            || address
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@'))
        {
            return Err(ServerError::Address(address.to_owned()));
        }
        let url = format!("https://{address}{path}");
        let client = if path.starts_with("/gsma/rsp2/es11/") {
            &self.smds
        } else {
            &self.smdp
        };
        match client.post(&url, "application/json", body) {
            Ok(r) => Ok(RawReply {
                status: r.status,
                body: r.body.to_vec(),
            }),
            Err(e) => {
                let detail = e.to_string();
                Err(match e {
                    rsp_http::HttpError::Resolve { .. }
                    | rsp_http::HttpError::Connect { .. }
                    | rsp_http::HttpError::TlsHandshake { .. } => ServerError::Unreachable {
                        address: address.to_owned(),
                        detail,
                    },
                    rsp_http::HttpError::Url { .. } => ServerError::Address(address.to_owned()),
                    _ => ServerError::Exchange {
                        address: address.to_owned(),
                        detail,
                    },
                })
            }
        }
    }
}

/// A JSON function of ES9+ or ES11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteFunction {
    Es9(Es9Function),
    Es11(Es11Function),
}

impl RemoteFunction {
    pub fn name(self) -> &'static str {
        match self {
            RemoteFunction::Es9(f) => f.name(),
            RemoteFunction::Es11(f) => f.name(),
        }
    }

    pub fn interface(self) -> &'static str {
        match self {
            RemoteFunction::Es9(_) => "ES9+",
            RemoteFunction::Es11(_) => "ES11",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            RemoteFunction::Es9(f) => f.path(),
            RemoteFunction::Es11(f) => f.path(),
        }
    }
}

impl std::fmt::Display for RemoteFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.interface(), self.name())
    }
}

/// Why a server function did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("{function}: {source}")]
    Server {
        function: RemoteFunction,
        #[source]
        source: ServerError,
    },
    /// The server answered `functionExecutionStatus` Failed (or Expired).
    #[error("{function}: {status} {subject}/{reason} ({meaning}){}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Failed {
        function: RemoteFunction,
        status: ExecutionStatus,
        subject: String,
        reason: String,
        /// The catalogue's meaning of the pair, or the subject and reason names.
        meaning: String,
        message: Option<String>,
    },
    #[error("{function}: HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    HttpStatus {
        function: RemoteFunction,
        status: u16,
        /// The start of the body, for the report.
        body: String,
    },
    #[error("{function}: malformed answer: {detail}")]
    Malformed {
        function: RemoteFunction,
        detail: String,
    },
}

impl RemoteError {
    /// `(subject, reason)` of a Failed answer.
    pub fn status_codes(&self) -> Option<(&str, &str)> {
        match self {
            RemoteError::Failed {
                subject, reason, ..
            } => Some((subject, reason)),
            _ => None,
        }
    }
}

/// What the meaning of a subject/reason pair is, for an error message.
pub fn status_meaning(subject: &str, reason: &str) -> String {
    if let Some(k) = status::lookup(subject, reason) {
        return k.meaning().to_owned();
    }
    format!(
        "{} / {}",
        status::subject_name(subject).unwrap_or("unknown subject"),
        status::reason_name(reason).unwrap_or("unknown reason")
    )
}

/// Longest body excerpt an error keeps.
const BODY_EXCERPT: usize = 200;

/// Reads a JSON answer: HTTP 200 with a header whose status is executed, else a typed error.
/// HandleNotification's success is HTTP 204 and reads as `Value::Null`.
pub fn read_answer(function: RemoteFunction, reply: &RawReply) -> Result<Value, RemoteError> {
    if reply.status == 204 && function == RemoteFunction::Es9(Es9Function::HandleNotification) {
        return Ok(Value::Null);
    }
    if reply.status != 200 {
        let text = String::from_utf8_lossy(&reply.body);
        return Err(RemoteError::HttpStatus {
            function,
            status: reply.status,
            body: text.chars().take(BODY_EXCERPT).collect(),
        });
    }
    let value: Value = serde_json::from_slice(&reply.body).map_err(|e| RemoteError::Malformed {
        function,
        detail: format!("not JSON: {e}"),
    })?;
    let header: ResponseHeader = value
        .get("header")
        .cloned()
        .ok_or_else(|| RemoteError::Malformed {
            function,
            detail: "no header".into(),
        })
        .and_then(|h| {
            serde_json::from_value(h).map_err(|e| RemoteError::Malformed {
                function,
                detail: format!("header: {e}"),
            })
        })?;
    if header.is_executed() {
        return Ok(value);
    }
    let data = header.status_code_data();
    let subject = data
        .map(|d| d.subject_code.as_str().to_owned())
        .unwrap_or_default();
    let reason = data
        .map(|d| d.reason_code.as_str().to_owned())
        .unwrap_or_default();
    Err(RemoteError::Failed {
        function,
        status: header.status(),
        meaning: if data.is_some() {
            status_meaning(&subject, &reason)
        } else {
            "no statusCodeData".into()
        },
        message: data.and_then(|d| d.message.clone()),
        subject,
        reason,
    })
}

/// One call: POST, time it, read the answer.
pub fn call(
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    address: &str,
    function: RemoteFunction,
    body: &[u8],
) -> Result<(RawReply, Value), RemoteError> {
    let started = Instant::now();
    let reply = server.post(address, function.path(), body);
    stats.time += started.elapsed();
    stats.calls += 1;
    stats.bytes_sent += body.len() as u64;
    let reply = reply.map_err(|source| RemoteError::Server { function, source })?;
    stats.bytes_received += reply.body.len() as u64;
    let value = read_answer(function, &reply)?;
    Ok((reply, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const IA: RemoteFunction = RemoteFunction::Es9(Es9Function::InitiateAuthentication);

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_failed_answer_carries_codes_and_meaning() {
        let body = r#"{"header":{"functionExecutionStatus":{"status":"Failed",
            "statusCodeData":{"subjectCode":"8.8.1","reasonCode":"3.8","message":"not me"}}}}"#;
        let e = read_answer(IA, &reply(200, body)).unwrap_err();
        assert_eq!(e.status_codes(), Some(("8.8.1", "3.8")));
        let text = e.to_string();
        assert!(
            text.starts_with("ES9+.InitiateAuthentication: Failed 8.8.1/3.8 ("),
            "{text}"
        );
        assert!(text.ends_with(": not me"), "{text}");
    }

    #[rstest]
    #[case::http_500(500, "boom", "HTTP 500: boom")]
    #[case::not_json(200, "<html>", "malformed answer: not JSON")]
    #[case::no_header(200, "{}", "malformed answer: no header")]
    #[case::bad_header(
        200,
        r#"{"header":{"functionExecutionStatus":{"status":"Nope"}}}"#,
        "malformed answer: header:"
    )]
    fn broken_answers_are_typed_errors(
        #[case] status: u16,
        #[case] body: &str,
        #[case] expected: &str,
    ) {
        let e = read_answer(IA, &reply(status, body)).unwrap_err();
        assert!(e.to_string().contains(expected), "{e}");
    }

    #[test]
    fn success_and_notification_204() {
        let body = r#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"x":1}"#;
        assert_eq!(read_answer(IA, &reply(200, body)).unwrap()["x"], 1);
        let hn = RemoteFunction::Es9(Es9Function::HandleNotification);
        assert_eq!(read_answer(hn, &reply(204, "")).unwrap(), Value::Null);
        assert!(read_answer(IA, &reply(204, "")).is_err());
    }

    #[test]
    fn an_address_with_a_path_is_refused_before_any_connection() {
        let mut s = HttpsServer::with_trust(
            ServerTrust::InsecureAcceptAny,
            vec![],
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            s.post("evil.example/x", "/p", b"{}"),
            Err(ServerError::Address("evil.example/x".into()))
        );
    }
}
