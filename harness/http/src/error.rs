use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can fail in the adapter; each variant names what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {reason}")]
    Pem { what: String, reason: String },
    #[error("TLS configuration ({what}): {source}")]
    TlsConfig {
        what: &'static str,
        #[source]
        source: rustls::Error,
    },
    #[error("TLS configuration: {0}")]
    TlsSetup(String),
    #[error("invalid URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("invalid request header {name:?}: {reason}")]
    Header { name: String, reason: String },
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("cannot connect to {host} ({addr}): {source}")]
    Connect {
        host: String,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS handshake with {host} failed: {source}")]
    TlsHandshake {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP exchange with {url} failed: {source}")]
    Http {
        url: String,
        #[source]
        source: hyper::Error,
    },
    #[error("{url}: no answer within {after:?}")]
    Timeout { url: String, after: Duration },
    #[error("{url}: response body exceeds {limit} bytes")]
    ResponseTooLarge { url: String, limit: usize },
    #[error("the blocking client cannot run inside a tokio runtime; call it from a plain thread")]
    InsideRuntime,
}
