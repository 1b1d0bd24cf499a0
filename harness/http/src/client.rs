//! Blocking HTTP(S) client for the LPA side (ES9+, ES11) and the operator side (ES2+).

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls::{
    key_from_der, provider, root_store, versions, AcceptAnyServerCert, RspRoleVerifier,
};
use crate::{HttpError, HttpResponse, DEFAULT_ADMIN_PROTOCOL, DEFAULT_USER_AGENT};

/// How the client decides whether to trust a server certificate.
#[derive(Debug, Clone)]
pub enum Trust {
    /// Chain to one of these root DERs (e.g. the CI) and match the URL's host against the
    /// certificate's SAN dNSName, webpki rules (expiry, EKU serverAuth, critical extensions).
    Roots(Vec<Vec<u8>>),
    /// [`Trust::Roots`] plus SGP.22 role checks by rsp-crypto: the chain is `[role, CI]` and
    /// carries the GSMA policy OIDs (`Role::DpTls` for an SM-DP+, `Role::DsTls` for an SM-DS).
    /// What a conformance run uses against a DUT server.
    RspRole {
        roots: Vec<Vec<u8>>,
        role: rsp_crypto::cert::Role,
    },
    /// Accept any certificate (the handshake signature is still checked against it). Lab use:
    /// pointing rspcheck at a DUT whose TLS certificate is not from a known CI.
    InsecureAcceptAny,
}

/// A TLS client certificate (ES2+ mutual TLS): DER chain leaf first, key PKCS#8 or SEC1 DER.
#[derive(Clone)]
pub struct ClientIdentity {
    pub cert_chain_der: Vec<Vec<u8>>,
    pub key_der: Vec<u8>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "cert_chain_der",
                &format_args!("{} certificate(s)", self.cert_chain_der.len()),
            )
            .field("key_der", &"<redacted>")
            .finish()
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub trust: Trust,
    /// Bound on one whole call: connect, TLS handshake, request, response.
    pub timeout: Duration,
    /// Extra attempts when the TCP connect fails. Nothing is retried once a request may have
    /// reached the server: SGP.22 POSTs are not idempotent.
    pub retries: u32,
    /// Host-name overrides: connect to this address for this host (TLS still checks the name),
    /// e.g. `("testsmdpplus1.example.com", 127.0.0.1:PORT)`; a `host:port` key applies to that
    /// port only and wins over the bare host.
    pub resolve: Vec<(String, SocketAddr)>,
    /// Certificate to present when the server asks (ES2+).
    pub client_identity: Option<ClientIdentity>,
    /// `X-Admin-Protocol` to send; `None` sends none (negative tests).
    pub admin_protocol: Option<String>,
    /// `User-Agent` to send; `None` sends none.
    pub user_agent: Option<String>,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
    /// Reuse connections between calls (HTTP keep-alive).
    pub keep_alive: bool,
    pub tls12: bool,
    pub tls13: bool,
    /// Offer only these cipher suites (IANA names, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`;
    /// a conformance probe); `None` = every suite of the SGP.22 provider.
    pub cipher_suites: Option<Vec<String>>,
}

impl ClientConfig {
    /// Defaults with the given trust: 30 s timeout, 2 connect retries, SGP.22 v2.5.0 headers.
    pub fn new(trust: Trust) -> ClientConfig {
        ClientConfig {
            trust,
            timeout: Duration::from_secs(30),
            retries: 2,
            resolve: Vec::new(),
            client_identity: None,
            admin_protocol: Some(DEFAULT_ADMIN_PROTOCOL.to_owned()),
            user_agent: Some(DEFAULT_USER_AGENT.to_owned()),
            max_response_bytes: 16 << 20,
            keep_alive: true,
            tls12: true,
            tls13: true,
            cipher_suites: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
    https: bool,
    host: String,
    port: u16,
}

/// Blocking client with its own small runtime. Not for use from inside a tokio runtime
/// ([`HttpError::InsideRuntime`]). Safe to share between threads.
pub struct HttpClient {
    /// Always `Some` until drop (taken there to shut down without blocking).
    runtime: Option<tokio::runtime::Runtime>,
    tls: TlsConnector,
    config: ClientConfig,
    pool: Mutex<HashMap<Origin, Vec<SendRequest<Full<Bytes>>>>>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .finish()
    }
}

impl HttpClient {
    pub fn new(config: ClientConfig) -> Result<HttpClient, HttpError> {
        let mut provider = provider();
        if let Some(names) = &config.cipher_suites {
            let mut p = (*provider).clone();
            p.cipher_suites
                .retain(|s| names.iter().any(|n| format!("{:?}", s.suite()) == *n));
            if p.cipher_suites.is_empty() {
                return Err(HttpError::TlsSetup(format!(
                    "none of the cipher suites {names:?} is supported"
                )));
            }
            provider = std::sync::Arc::new(p);
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions(config.tls12, config.tls13)?)
            .map_err(|source| HttpError::TlsConfig {
                what: "protocol versions",
                source,
            })?;
        let builder =
            match &config.trust {
                Trust::Roots(roots) => {
                    builder.with_root_certificates(root_store(roots, "trusted root")?)
                }
                Trust::RspRole { roots, role } => builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(RspRoleVerifier::new(
                        roots, *role, provider,
                    )?)),
                Trust::InsecureAcceptAny => builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider))),
            };
        let mut tls = match &config.client_identity {
            None => builder.with_no_client_auth(),
            Some(id) => {
                let chain = id
                    .cert_chain_der
                    .iter()
                    .map(|c| CertificateDer::from(c.clone()))
                    .collect();
                builder
                    .with_client_auth_cert(chain, key_from_der(&id.key_der)?)
                    .map_err(|source| HttpError::TlsConfig {
                        what: "client certificate and key",
                        source,
                    })?
            }
        };
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("rsp-http-client")
            .enable_all()
            .build()
            .map_err(HttpError::Runtime)?;
        Ok(HttpClient {
            runtime: Some(runtime),
            tls: TlsConnector::from(Arc::new(tls)),
            config,
            pool: Mutex::new(HashMap::new()),
        })
    }

    /// POSTs `body` with `Content-Type: content_type` plus the configured SGP.22 headers.
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<HttpResponse, HttpError> {
        self.request("POST", url, &[("content-type", content_type)], body)
    }

    /// Any method, extra headers (added after `User-Agent`/`X-Admin-Protocol`).
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, HttpError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(HttpError::InsideRuntime);
        }
        let (origin, request) = self.build(method, url, headers, body)?;
        let timeout = self.config.timeout;
        let Some(runtime) = &self.runtime else {
            return Err(HttpError::Runtime(std::io::Error::other(
                "client runtime already shut down",
            )));
        };
        runtime
            .block_on(async {
                tokio::time::timeout(timeout, self.exchange(url, origin, request)).await
            })
            .unwrap_or_else(|_| {
                Err(HttpError::Timeout {
                    url: url.to_owned(),
                    after: timeout,
                })
            })
    }

    fn build(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(Origin, Request<Full<Bytes>>), HttpError> {
        let bad = |reason: &str| HttpError::Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad("scheme must be http or https")),
        };
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let authority = uri.authority().map_or(host.as_str(), |a| a.as_str());
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, authority);
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(ua) = &self.config.user_agent {
            all.push(("user-agent", ua));
        }
        if let Some(ap) = &self.config.admin_protocol {
            all.push(("x-admin-protocol", ap));
        }
        all.extend_from_slice(headers);
        for (name, value) in all {
            let header_err = |reason: String| HttpError::Header {
                name: name.to_owned(),
                reason,
            };
            let n =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| header_err(e.to_string()))?;
            let v = HeaderValue::from_str(value).map_err(|e| header_err(e.to_string()))?;
            builder = builder.header(n, v);
        }
        let request = builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| bad(&e.to_string()))?;
        Ok((Origin { https, host, port }, request))
    }

    async fn exchange(
        &self,
        url: &str,
        origin: Origin,
        mut request: Request<Full<Bytes>>,
    ) -> Result<HttpResponse, HttpError> {
        let http_err = |source| HttpError::Http {
            url: url.to_owned(),
            source,
        };
        let mut pooled = self.take_pooled(&origin);
        let response = loop {
            let reused = pooled.is_some();
            let mut sender = match pooled.take() {
                Some(s) => s,
                None => self.connect(&origin).await?,
            };
            if let Err(e) = sender.ready().await {
                if reused {
                    continue;
                }
                return Err(http_err(e));
            }
            match sender.try_send_request(request).await {
                Ok(response) => {
                    let close = response
                        .headers()
                        .get(hyper::header::CONNECTION)
                        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
                    if self.config.keep_alive && !close {
                        self.put_pooled(origin.clone(), sender);
                    }
                    break response;
                }
                Err(mut e) => match e.take_message() {
                    // Never written: a reused connection that the server had closed. Safe to resend.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(http_err(e.into_error())),
                },
            }
        };
        let (parts, mut body) = response.into_parts();
        let limit = self.config.max_response_bytes;
        let mut buf = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(http_err)?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > limit {
                    return Err(HttpError::ResponseTooLarge {
                        url: url.to_owned(),
                        limit,
                    });
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: buf,
            abort: false,
        })
    }

    fn take_pooled(&self, origin: &Origin) -> Option<SendRequest<Full<Bytes>>> {
        if !self.config.keep_alive {
            return None;
        }
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let idle = pool.get_mut(origin)?;
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn put_pooled(&self, origin: Origin, sender: SendRequest<Full<Bytes>>) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        pool.entry(origin).or_default().push(sender);
    }

    async fn connect(&self, origin: &Origin) -> Result<SendRequest<Full<Bytes>>, HttpError> {
        let addr = self.resolve(origin).await?;
        let mut attempt = 0;
        let tcp = loop {
            match TcpStream::connect(addr).await {
                Ok(s) => break s,
                Err(_) if attempt < self.config.retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                Err(source) => {
                    return Err(HttpError::Connect {
                        host: origin.host.clone(),
                        addr,
                        source,
                    })
                }
            }
        };
        let _ = tcp.set_nodelay(true);
        let handshake_err = |source| HttpError::Http {
            url: format!("{}:{}", origin.host, origin.port),
            source,
        };
        if !origin.https {
            return h1(tcp).await.map_err(handshake_err);
        }
        let name = ServerName::try_from(origin.host.clone()).map_err(|e| HttpError::Url {
            url: origin.host.clone(),
            reason: format!("not a valid TLS server name: {e}"),
        })?;
        let tls = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|source| HttpError::TlsHandshake {
                host: origin.host.clone(),
                source,
            })?;
        h1(tls).await.map_err(handshake_err)
    }

    async fn resolve(&self, origin: &Origin) -> Result<SocketAddr, HttpError> {
        // `host:port` overrides before `host`: one server name can have two listeners (an
        // SM-DP+'s ES9+ and ES2+).
        let with_port = format!("{}:{}", origin.host, origin.port);
        let find = |key: &str| {
            self.config
                .resolve
                .iter()
                .find(|(h, _)| h.eq_ignore_ascii_case(key))
                .map(|(_, a)| *a)
        };
        if let Some(addr) = find(&with_port).or_else(|| find(&origin.host)) {
            return Ok(addr);
        }
        let resolve_err = |reason: String| HttpError::Resolve {
            host: origin.host.clone(),
            reason,
        };
        tokio::net::lookup_host((origin.host.as_str(), origin.port))
            .await
            .map_err(|e| resolve_err(e.to_string()))?
            .next()
            .ok_or_else(|| resolve_err("no address".into()))
    }
}

impl Drop for HttpClient {
    // Dropping a runtime blocks, which tokio forbids inside async code; this never blocks.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn h1<I>(io: I) -> Result<SendRequest<Full<Bytes>>, hyper::Error>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}
