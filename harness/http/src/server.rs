//! Blocking-facade HTTP/1.1 server: tokio + hyper underneath, a synchronous [`Handler`] on top.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::{HttpError, HttpRequest, HttpResponse, TlsConfig};

/// What a server calls per request. Synchronous on purpose: role logic is message in, message
/// out. Calls run on tokio's blocking pool, several at once, so implementations must be
/// `Sync`. A panic is caught, answered with HTTP 500 and counted.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: HttpRequest) -> HttpResponse;

    /// Called instead of [`Handler::handle`] when the body exceeds
    /// [`ServerConfig::max_body_bytes`]; `request.body` is empty (the body is not read). The
    /// default answers 413; an SM-DP+ answers HTTP 200 with an SGP.22 `Failed` status instead.
    /// The connection is closed after the response.
    fn body_too_large(&self, request: &HttpRequest) -> HttpResponse {
        let _ = request;
        HttpResponse::new(413, Vec::new())
    }
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; port 0 picks a free one (see [`ServerHandle::local_addr`]).
    pub bind: SocketAddr,
    /// `None` serves plain HTTP (admin port, tests).
    pub tls: Option<TlsConfig>,
    /// Largest request body handed to the handler (default 1 MiB).
    pub max_body_bytes: usize,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Deadline for the TLS handshake and, separately, for reading a request body.
    pub request_timeout: Duration,
    /// Deadline for the complete head of the next request, counted from when the connection
    /// starts waiting for it: bounds idle keep-alive connections and slowly sent heads alike
    /// (hyper starts its header timer as soon as the connection is idle).
    pub idle_timeout: Duration,
    /// Stop by itself after this many requests (tests). Later requests get 503.
    pub max_requests: Option<u64>,
    /// tokio worker threads (handlers run on the separate blocking pool).
    pub worker_threads: usize,
    /// Handler threads at most (the blocking pool); more requests wait for one. Each idle
    /// thread costs about 140 KB, so a thousand connections must not mean a thousand threads.
    pub handler_threads: usize,
    /// How long [`ServerHandle::shutdown`] waits for in-flight requests to finish; handlers
    /// still running after that are abandoned (at most about twice this in total).
    pub shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            max_body_bytes: 1 << 20,
            max_connections: 1024,
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_requests: None,
            worker_threads: 2,
            handler_threads: 64,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Counters since start; a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// TCP connections accepted.
    pub connections: u64,
    /// Requests whose head was read (including ones refused as too large or after max_requests).
    pub requests: u64,
    /// Responses with status 500–599, the adapter's own included.
    pub responses_5xx: u64,
    /// Handler calls that panicked.
    pub handler_panics: u64,
    /// TLS handshakes that failed or timed out.
    pub tls_failures: u64,
    /// Requests answered through [`Handler::body_too_large`].
    pub bodies_too_large: u64,
    /// Handshakes, heads or bodies that missed their deadline.
    pub timeouts: u64,
    /// Connections ended by a protocol error (malformed HTTP, reset, …), dropped ones included.
    pub connection_errors: u64,
    /// Connections dropped on the handler's request ([`HttpResponse::abort_connection`]).
    pub aborted: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    responses_5xx: AtomicU64,
    handler_panics: AtomicU64,
    tls_failures: AtomicU64,
    bodies_too_large: AtomicU64,
    timeouts: AtomicU64,
    connection_errors: AtomicU64,
    aborted: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> ServerStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ServerStats {
            connections: g(&self.connections),
            requests: g(&self.requests),
            responses_5xx: g(&self.responses_5xx),
            handler_panics: g(&self.handler_panics),
            tls_failures: g(&self.tls_failures),
            bodies_too_large: g(&self.bodies_too_large),
            timeouts: g(&self.timeouts),
            connection_errors: g(&self.connection_errors),
            aborted: g(&self.aborted),
        }
    }
}

struct Shared {
    handler: Arc<dyn Handler>,
    counters: Counters,
    stop: watch::Sender<bool>,
    max_body_bytes: usize,
    request_timeout: Duration,
    idle_timeout: Duration,
    max_requests: Option<u64>,
}

/// A running server. Dropping it shuts it down like [`ServerHandle::shutdown`].
pub struct ServerHandle {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl ServerHandle {
    /// The bound address (the real port when `bind` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> ServerStats {
        self.shared.counters.snapshot()
    }

    /// Whether the server has stopped (after `max_requests`, or shut down).
    pub fn is_stopped(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Blocks until the server stopped by itself or `timeout` passed; returns whether it stopped.
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.is_stopped() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// Stops accepting, lets in-flight requests finish (up to `shutdown_grace`), closes idle
    /// connections, and returns the final counters.
    pub fn shutdown(mut self) -> ServerStats {
        self.stop_and_join();
        self.stats()
    }

    fn stop_and_join(&mut self) {
        self.shared.stop.send_replace(true);
        if let Some(thread) = self.thread.take() {
            // The server thread never panics by design; if it did, there is nothing to recover.
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Binds and starts serving on a background thread with its own tokio runtime; returns once the
/// socket is bound, so the caller may connect right away.
pub fn serve(config: ServerConfig, handler: Arc<dyn Handler>) -> Result<ServerHandle, HttpError> {
    let acceptor = match &config.tls {
        Some(tls) => Some(TlsAcceptor::from(Arc::new(tls.server_config()?))),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads.max(1))
        .max_blocking_threads(config.handler_threads.max(1))
        .thread_name("rsp-http-server")
        .enable_all()
        .build()
        .map_err(HttpError::Runtime)?;
    let listener = runtime
        .block_on(TcpListener::bind(config.bind))
        .map_err(|source| HttpError::Bind {
            addr: config.bind,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| HttpError::Bind {
        addr: config.bind,
        source,
    })?;
    let (stop, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        handler,
        counters: Counters::default(),
        stop,
        max_body_bytes: config.max_body_bytes,
        request_timeout: config.request_timeout,
        idle_timeout: config.idle_timeout,
        max_requests: config.max_requests,
    });
    let max_connections = config
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let grace = config.shutdown_grace;
    let task_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("rsp-http-accept".into())
        .spawn(move || {
            runtime.block_on(accept_loop(
                listener,
                task_shared,
                acceptor,
                max_connections,
                grace,
            ));
            runtime.shutdown_timeout(grace);
        })
        .map_err(HttpError::Runtime)?;
    Ok(ServerHandle {
        local_addr,
        shared,
        thread: Some(thread),
    })
}

/// Resolves when the stop flag is (or becomes) set.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    acceptor: Option<TlsAcceptor>,
    max_connections: usize,
    grace: Duration,
) {
    let limit = Arc::new(Semaphore::new(max_connections));
    let mut stop = shared.stop.subscribe();
    loop {
        let permit = tokio::select! {
            _ = stopped(&mut stop) => break,
            permit = limit.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => {
                    // EMFILE and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        bump(&shared.counters.connections);
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            connection(stream, peer, shared, acceptor).await;
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a permit: getting them all back means all have finished.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, limit.acquire_many(all)).await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<TlsAcceptor>,
) {
    let Some(acceptor) = acceptor else {
        serve_http(stream, peer, Vec::new(), shared).await;
        return;
    };
    match tokio::time::timeout(shared.request_timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => {
            let certs = tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.to_vec()).collect())
                .unwrap_or_default();
            serve_http(tls, peer, certs, shared).await;
        }
        Ok(Err(_)) => bump(&shared.counters.tls_failures),
        Err(_) => {
            bump(&shared.counters.tls_failures);
            bump(&shared.counters.timeouts);
        }
    }
}

async fn serve_http<I>(io: I, peer: SocketAddr, certs: Vec<Vec<u8>>, shared: Arc<Shared>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let certs = Arc::new(certs);
    let mut stop = shared.stop.subscribe();
    let svc_shared = shared.clone();
    let service = service_fn(move |req| {
        let shared = svc_shared.clone();
        let certs = certs.clone();
        async move {
            match respond(req, peer, certs, shared).await {
                Some(reply) => Ok(reply),
                // hyper closes the connection when the service fails.
                None => Err(std::io::Error::other(
                    "handler asked to drop the connection",
                )),
            }
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(shared.idle_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    if let Err(e) = result {
        if e.is_timeout() {
            bump(&shared.counters.timeouts);
        } else {
            bump(&shared.counters.connection_errors);
        }
    }
}

type Reply = Response<Full<Bytes>>;

async fn respond(
    req: Request<Incoming>,
    peer: SocketAddr,
    certs: Arc<Vec<Vec<u8>>>,
    shared: Arc<Shared>,
) -> Option<Reply> {
    let number = shared.counters.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let last = match shared.max_requests {
        Some(max) if number > max => {
            return Some(to_hyper(
                &shared,
                HttpResponse::text(503, "server stopping"),
                true,
            ));
        }
        Some(max) => number == max,
        None => false,
    };
    let (parts, body) = req.into_parts();
    let mut request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
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
        body: Vec::new(),
        peer_certificates: (*certs).clone(),
        peer_addr: peer,
    };
    let reply = match read_body(body, shared.max_body_bytes, shared.request_timeout).await {
        BodyRead::Complete(bytes) => {
            request.body = bytes;
            let response = call(&shared, move |h| h.handle(request)).await;
            if response.abort {
                bump(&shared.counters.aborted);
                if last {
                    shared.stop.send_replace(true);
                }
                return None;
            }
            to_hyper(&shared, response, last)
        }
        BodyRead::TooLarge => {
            bump(&shared.counters.bodies_too_large);
            let response = call(&shared, move |h| h.body_too_large(&request)).await;
            to_hyper(&shared, response, true)
        }
        BodyRead::TimedOut => {
            bump(&shared.counters.timeouts);
            to_hyper(
                &shared,
                HttpResponse::text(408, "request body timeout"),
                true,
            )
        }
        BodyRead::Failed => to_hyper(
            &shared,
            HttpResponse::text(400, "unreadable request body"),
            true,
        ),
    };
    if last {
        shared.stop.send_replace(true);
    }
    Some(reply)
}

enum BodyRead {
    Complete(Vec<u8>),
    TooLarge,
    TimedOut,
    Failed,
}

async fn read_body(mut body: Incoming, max: usize, deadline: Duration) -> BodyRead {
    let declared = body.size_hint().lower();
    if declared > max as u64 {
        return BodyRead::TooLarge;
    }
    let read = async move {
        // `declared` is at most `max` here, so this allocation is bounded by configuration.
        let mut buf = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return BodyRead::Failed;
            };
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max {
                    return BodyRead::TooLarge;
                }
                buf.extend_from_slice(&data);
            }
        }
        BodyRead::Complete(buf)
    };
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or(BodyRead::TimedOut)
}

/// Runs handler code on the blocking pool; a panic becomes a 500.
async fn call<F>(shared: &Arc<Shared>, f: F) -> HttpResponse
where
    F: FnOnce(&dyn Handler) -> HttpResponse + Send + 'static,
{
    let handler = shared.handler.clone();
    match tokio::task::spawn_blocking(move || f(handler.as_ref())).await {
        Ok(response) => response,
        Err(e) => {
            if e.is_panic() {
                bump(&shared.counters.handler_panics);
            }
            HttpResponse::text(500, "internal error: request handler failed")
        }
    }
}

fn to_hyper(shared: &Shared, response: HttpResponse, close: bool) -> Reply {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        bump(&shared.counters.responses_5xx);
    }
    let mut reply = Response::new(Full::new(Bytes::from(response.body)));
    *reply.status_mut() = status;
    let headers = reply.headers_mut();
    for (name, value) in &response.headers {
        // A handler's invalid header is dropped rather than failing the whole response.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    if close {
        headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    reply
}
