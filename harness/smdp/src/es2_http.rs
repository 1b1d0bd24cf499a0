//! ES2+ over HTTPS: the operator interface on its own listener with mutual TLS (the operator's
//! certificate must chain to a configured root: [`rsp_http::TlsConfig::with_client_auth`]), and
//! the HandleDownloadProgressInfo callbacks to the operator's URL.
//!
//! Both share the SM-DP+ of an [`SmdpService`]: an order placed here is downloaded there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rsp_codec::json::Es2Function;
use rsp_codec::status::KnownStatus;
use rsp_http::{Handler, HttpClient, HttpRequest, HttpResponse};

use crate::es9::Es9Answer;
use crate::http::{failed, json_transport_refusal, SmdpService, ADMIN_PROTOCOL};
use crate::orders::OrderStore;
use crate::progress::ProgressInfo;

/// ES2+ requests for the shared SM-DP+.
pub struct Es2Service<S: OrderStore + 'static> {
    smdp: Arc<SmdpService<S>>,
    /// Refuse requests that arrive without a client certificate (a listener configured
    /// without client authentication would otherwise let anyone order profiles).
    pub require_client_certificate: bool,
}

impl<S: OrderStore + 'static> Es2Service<S> {
    pub fn new(smdp: Arc<SmdpService<S>>) -> Es2Service<S> {
        Es2Service {
            smdp,
            require_client_certificate: true,
        }
    }
}

impl<S: OrderStore + Send + 'static> Handler for Es2Service<S>
where
    crate::Smdp<S>: Send,
{
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let path = request.path.split('?').next().unwrap_or_default();
        let Some(function) = Es2Function::from_path(path) else {
            return HttpResponse::text(404, "no such function");
        };
        if request.method != "POST" {
            return HttpResponse::text(405, "POST only").with_header("allow", "POST");
        }
        if self.require_client_certificate && request.peer_certificates.is_empty() {
            return HttpResponse::text(403, "ES2+ requires an operator client certificate");
        }
        if let Some(refusal) = json_transport_refusal(&request) {
            return refusal;
        }
        let (answer, failure) = self.smdp.with(|s| {
            let a = s.handle_es2(function, &request.body);
            (a, s.store_mut().take_failure())
        });
        if let Some(f) = failure {
            tracing::error!(function = function.name(), error = %f, "order store write failed; answering 503");
            return HttpResponse::text(503, "order store unavailable");
        }
        crate::http::log_answer("ES2+", function.name(), &answer, None);
        let Es9Answer { http_status, body } = answer;
        HttpResponse::json(http_status, body).with_header("x-admin-protocol", ADMIN_PROTOCOL)
    }

    fn body_too_large(&self, _request: &HttpRequest) -> HttpResponse {
        failed(KnownStatus::InvalidRequest, "request body too large")
    }
}

/// Counters of a [`ProgressNotifier`].
#[derive(Debug, Default)]
pub struct NotifierStats {
    /// Accepted by the operator (HTTP 204 or 200).
    pub delivered: AtomicU64,
    /// Not delivered after the client's retries (unreachable, or another HTTP status).
    pub failed: AtomicU64,
}

/// Posts HandleDownloadProgressInfo to the operator from a background thread, so a slow or
/// absent operator never holds up a download. Records queue in order; dropping the notifier
/// sends what is queued, then stops.
pub struct ProgressNotifier {
    sender: Mutex<Option<mpsc::Sender<ProgressInfo>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<NotifierStats>,
}

impl ProgressNotifier {
    /// `url` is the operator's full HandleDownloadProgressInfo URL; `requester` goes into
    /// `functionRequesterIdentifier`.
    pub fn start(client: HttpClient, url: String, requester: String) -> ProgressNotifier {
        let (tx, rx) = mpsc::channel::<ProgressInfo>();
        let stats = Arc::new(NotifierStats::default());
        let worker_stats = stats.clone();
        let worker = std::thread::spawn(move || {
            let mut call = 0u64;
            for info in rx {
                call += 1;
                let Some(request) = info.to_request(&requester, &call.to_string()) else {
                    tracing::warn!(iccid = %info.iccid, "HandleDownloadProgressInfo skipped: ICCID not sendable");
                    worker_stats.failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let body = serde_json::to_vec(&request).unwrap_or_default();
                match client.post(&url, "application/json", &body) {
                    Ok(r) if r.status == 204 || r.status == 200 => {
                        worker_stats.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        tracing::warn!(iccid = %info.iccid, http = r.status, "HandleDownloadProgressInfo refused");
                        worker_stats.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        tracing::warn!(iccid = %info.iccid, error = %e, "HandleDownloadProgressInfo not delivered");
                        worker_stats.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        ProgressNotifier {
            sender: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
            stats,
        }
    }

    pub fn send(&self, records: Vec<ProgressInfo>) {
        let guard = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = guard.as_ref() {
            for r in records {
                // The worker only stops when the sender is dropped, so this cannot fail.
                let _ = tx.send(r);
            }
        }
    }

    pub fn stats(&self) -> &NotifierStats {
        &self.stats
    }

    /// Sends what is queued and stops the worker.
    pub fn finish(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = w.join();
        }
    }
}

impl Drop for ProgressNotifier {
    fn drop(&mut self) {
        self.finish();
    }
}
