//! The SM-DP+ on HTTPS (digest §2.1): ES9+ on `/gsma/rsp2/es9plus/…` through the `rsp-http`
//! adapter. Transport rules answered as SGP.22 statuses in an HTTP 200 `Failed` header: a wrong
//! Content-Type is 1.2.1/2.1, a non-v2 X-Admin-Protocol 1.2.2/2.1, an oversized body 1.2.1/2.1.
//! HandleNotification answers 204. Other methods get 405, unknown paths 404. The ASN.1 binding
//! is on [`ASN1_PATH`] (see [`crate::asn1`]).

use std::sync::{Arc, Mutex};

use rsp_codec::json::{self, Es9Function, HeaderOnlyResponse, ResponseHeader};
use rsp_codec::status::KnownStatus;
use rsp_http::{Handler, HttpRequest, HttpResponse};

use rsp_crypto::cert::Clock;

use crate::asn1::{Asn1Answer, ASN1_CONTENT_TYPE, ASN1_PATH};
use crate::es2_http::ProgressNotifier;
use crate::es9::{Es9Answer, Smdp, SmdpPlantedBug, MAX_BODY};
use crate::faults::TransportFault;
use crate::orders::OrderStore;

/// What the SM-DP+ sends as its own X-Admin-Protocol.
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";

/// Rewrites an ES9+ answer body of the JSON binding before it is sent (the live fuzzer mutates
/// the SM-DP+'s answers to fuzz an LPA under test). Called outside the SM-DP+'s lock.
pub type AnswerFilter = Arc<dyn Fn(Es9Function, &mut Vec<u8>) + Send + Sync>;

/// The SM-DP+ behind a lock, as an HTTP handler.
pub struct SmdpService<S: OrderStore + 'static> {
    smdp: Mutex<Smdp<S>>,
    notifier: Option<ProgressNotifier>,
    /// Read before every request when set (serving); unset, the SM-DP+ keeps the time it was
    /// given (tests, the runner's clock control).
    clock: Mutex<Option<Box<dyn Clock>>>,
    answer_filter: Mutex<Option<AnswerFilter>>,
}

impl<S: OrderStore + 'static> SmdpService<S> {
    pub fn new(smdp: Smdp<S>) -> SmdpService<S> {
        SmdpService {
            smdp: Mutex::new(smdp),
            notifier: None,
            clock: Mutex::new(None),
            answer_filter: Mutex::new(None),
        }
    }

    /// Sets the SM-DP+'s time from `clock` before each request, so sessions and orders expire
    /// while it serves.
    pub fn with_clock(self, clock: Box<dyn Clock>) -> SmdpService<S> {
        self.set_clock(clock);
        self
    }

    /// Replaces the clock (the admin interface freezes time with a [`rsp_crypto::cert::FixedClock`]).
    pub fn set_clock(&self, clock: Box<dyn Clock>) {
        *self.clock.lock().unwrap_or_else(|p| p.into_inner()) = Some(clock);
    }

    /// Also posts ES2+ HandleDownloadProgressInfo through `notifier` at each notification point.
    pub fn with_progress_notifier(mut smdp: Smdp<S>, notifier: ProgressNotifier) -> SmdpService<S> {
        smdp.set_progress_reporting(true);
        SmdpService {
            smdp: Mutex::new(smdp),
            notifier: Some(notifier),
            clock: Mutex::new(None),
            answer_filter: Mutex::new(None),
        }
    }

    /// Sets (or with `None` removes) the filter every ES9+ answer body of the JSON binding
    /// passes through after faults, before it is written; status and headers stay, the
    /// content length follows the new body. HandleNotification's 204 has no body to filter.
    pub fn set_answer_filter(&self, filter: Option<AnswerFilter>) {
        *self.answer_filter.lock().unwrap_or_else(|p| p.into_inner()) = filter;
    }

    /// Runs the answer filter, if any, on `response`'s body (not on a 204).
    fn filter_answer(&self, function: Es9Function, response: &mut HttpResponse) {
        if response.status == 204 {
            return;
        }
        // Cloned out so a slow filter holds no lock.
        let filter = self
            .answer_filter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(f) = filter {
            f(function, &mut response.body);
        }
    }

    pub fn notifier(&self) -> Option<&ProgressNotifier> {
        self.notifier.as_ref()
    }

    /// Runs `f` on the SM-DP+ (tests, the admin side), then hands any progress records to the
    /// notifier (outside the lock).
    pub fn with<R>(&self, f: impl FnOnce(&mut Smdp<S>) -> R) -> R {
        let (r, progress) = {
            let mut guard = self
                .smdp
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(c) = self
                .clock
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
            {
                guard.set_time(c.now());
            }
            let r = f(&mut guard);
            let progress = if self.notifier.is_some() {
                guard.take_progress()
            } else {
                Vec::new()
            };
            (r, progress)
        };
        if let (Some(n), false) = (&self.notifier, progress.is_empty()) {
            n.send(progress);
        }
        r
    }

    /// The ASN.1 binding: transport problems are HTTP statuses there (it has no JSON header to
    /// carry an SGP.22 status).
    fn handle_asn1(&self, request: &HttpRequest) -> HttpResponse {
        if request.method != "POST" {
            return HttpResponse::text(405, "POST only").with_header("allow", "POST");
        }
        let content_type = request.header("content-type").unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case(ASN1_CONTENT_TYPE) {
            return HttpResponse::text(415, "Content-Type must be application/x-gsma-rsp-asn1");
        }
        if request
            .header("x-admin-protocol")
            .is_some_and(|v| !json::is_supported_admin_protocol(v))
        {
            return HttpResponse::text(400, "X-Admin-Protocol must be gsma/rsp/v2.x");
        }
        let (answer, failure, transport) = self.with(|s| {
            let a = s.handle_asn1(&request.body);
            (a, s.store_mut().take_failure(), s.take_transport_fault())
        });
        if let Some(f) = failure {
            tracing::error!(binding = "asn1", error = %f, "order store write failed; answering 503");
            return HttpResponse::text(503, "order store unavailable");
        }
        tracing::info!(binding = "asn1", answer = ?asn1_outcome(&answer), transport = ?transport, "ES9+ request");
        let response = match answer {
            Asn1Answer::Response(der) => {
                HttpResponse::new(200, der).with_header("content-type", ASN1_CONTENT_TYPE)
            }
            Asn1Answer::NoContent => HttpResponse::no_content(),
            Asn1Answer::BadRequest(why) => HttpResponse::text(400, &why),
        };
        with_transport_fault(
            transport,
            response.with_header("x-admin-protocol", ADMIN_PROTOCOL),
        )
    }
}

pub(crate) fn failed(status: KnownStatus, message: &str) -> HttpResponse {
    let body = serde_json::to_vec(&HeaderOnlyResponse::new(
        ResponseHeader::failed(status).with_message(message),
    ))
    .unwrap_or_default();
    reply(Es9Answer {
        http_status: 200,
        body,
    })
}

/// One log line per request: function and outcome only. Bodies never reach the log (they hold
/// matching IDs, confirmation code hashes and keys).
pub(crate) fn log_answer(
    interface: &'static str,
    function: &'static str,
    answer: &Es9Answer,
    transport: Option<TransportFault>,
) {
    let outcome = match answer.failure() {
        Some(s) => format!("Failed {}/{}", s.subject(), s.reason()),
        None if answer.http_status == 204 => "204".to_owned(),
        None => "Executed-Success".to_owned(),
    };
    tracing::info!(interface, function, outcome = %outcome, transport = ?transport, "request");
}

fn asn1_outcome(answer: &Asn1Answer) -> String {
    match answer {
        Asn1Answer::Response(der) => format!("{} bytes", der.len()),
        Asn1Answer::NoContent => "204".into(),
        Asn1Answer::BadRequest(why) => format!("400 {why}"),
    }
}

/// Applies an injected delay (outside the SM-DP+'s lock: other sessions go on) or drop.
fn with_transport_fault(fault: Option<TransportFault>, response: HttpResponse) -> HttpResponse {
    match fault {
        Some(TransportFault::Delay(d)) => {
            std::thread::sleep(d);
            response
        }
        Some(TransportFault::DropConnection) => HttpResponse::abort_connection(),
        None => response,
    }
}

/// The JSON bindings' transport rules (ES9+ and ES2+): a wrong Content-Type, a non-v2
/// X-Admin-Protocol or an oversized body is an SGP.22 status in an HTTP 200 `Failed` header.
pub(crate) fn json_transport_refusal(request: &HttpRequest) -> Option<HttpResponse> {
    if !request
        .header("content-type")
        .is_some_and(json::is_json_content_type)
    {
        return Some(failed(
            KnownStatus::InvalidRequest,
            "Content-Type must be application/json",
        ));
    }
    if request
        .header("x-admin-protocol")
        .is_some_and(|v| !json::is_supported_admin_protocol(v))
    {
        return Some(failed(
            KnownStatus::UnsupportedAdminProtocol,
            "X-Admin-Protocol must be gsma/rsp/v2.x",
        ));
    }
    if request.body.len() > MAX_BODY {
        return Some(failed(
            KnownStatus::InvalidRequest,
            "request body too large",
        ));
    }
    None
}

/// The keys each ES9+ request defines besides `header` (`rsp_codec::json::es9`).
fn request_keys(function: Es9Function) -> &'static [&'static str] {
    match function {
        Es9Function::InitiateAuthentication => &["euiccChallenge", "euiccInfo1", "smdpAddress"],
        Es9Function::AuthenticateClient => &["transactionId", "authenticateServerResponse"],
        Es9Function::GetBoundProfilePackage => &["transactionId", "prepareDownloadResponse"],
        Es9Function::HandleNotification => &["pendingNotification"],
        Es9Function::CancelSession => &["transactionId", "cancelSessionResponse"],
    }
}

/// The first top-level key of a JSON object body that `function`'s request does not define.
fn unknown_request_key(function: Es9Function, body: &[u8]) -> Option<String> {
    let serde_json::Value::Object(map) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let known = request_keys(function);
    map.keys()
        .find(|k| *k != "header" && !known.contains(&k.as_str()))
        .cloned()
}

/// [`SmdpPlantedBug::Http500OnUnknownJsonKey`]: the crash a naive server has on an unknown key.
fn planted_crash(
    bug: Option<SmdpPlantedBug>,
    function: Es9Function,
    body: &[u8],
) -> Option<HttpResponse> {
    if bug != Some(SmdpPlantedBug::Http500OnUnknownJsonKey) {
        return None;
    }
    let key = unknown_request_key(function, body)?;
    tracing::warn!(
        function = function.name(),
        "planted bug: HTTP 500 on an unknown JSON key"
    );
    Some(HttpResponse::text(
        500,
        &format!("Internal Server Error: unexpected key {key:?}"),
    ))
}

fn reply(a: Es9Answer) -> HttpResponse {
    let r = if a.http_status == 204 {
        HttpResponse::no_content()
    } else {
        HttpResponse::json(a.http_status, a.body)
    };
    r.with_header("x-admin-protocol", ADMIN_PROTOCOL)
}

impl<S: OrderStore + Send + 'static> Handler for SmdpService<S>
where
    Smdp<S>: Send,
{
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let path = request.path.split('?').next().unwrap_or_default();
        if path == ASN1_PATH {
            return self.handle_asn1(&request);
        }
        let Some(function) = Es9Function::from_path(path) else {
            return HttpResponse::text(404, "no such function");
        };
        if request.method != "POST" {
            return HttpResponse::text(405, "POST only").with_header("allow", "POST");
        }
        if let Some(mut refusal) = json_transport_refusal(&request) {
            self.filter_answer(function, &mut refusal);
            return refusal;
        }
        let handled = self.with(|s| {
            if let Some(crash) = planted_crash(s.config.planted_bug, function, &request.body) {
                return Err(crash);
            }
            let a = s.handle(function, &request.body);
            Ok((a, s.store_mut().take_failure(), s.take_transport_fault()))
        });
        let (answer, failure, transport) = match handled {
            Ok(h) => h,
            Err(crash) => return crash,
        };
        if let Some(f) = failure {
            // The answer may describe state that is not on disk: refuse rather than mislead.
            tracing::error!(function = function.name(), error = %f, "order store write failed; answering 503");
            return HttpResponse::text(503, "order store unavailable");
        }
        log_answer("ES9+", function.name(), &answer, transport);
        let mut response = reply(answer);
        self.filter_answer(function, &mut response);
        with_transport_fault(transport, response)
    }

    fn body_too_large(&self, request: &HttpRequest) -> HttpResponse {
        if request.path.split('?').next() == Some(ASN1_PATH) {
            return HttpResponse::text(413, "request body too large");
        }
        failed(KnownStatus::InvalidRequest, "request body too large")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsp_codec::json::{
        AuthenticateClientRequest, CancelSessionRequest, GetBoundProfilePackageRequest,
        HandleNotificationRequest, InitiateAuthenticationRequest,
    };
    use serde_json::{json, Value};

    /// A request of `function` with every key it defines, and the keys its type re-emits.
    fn full_request(function: Es9Function) -> (Value, Vec<String>) {
        fn keys<T: serde::de::DeserializeOwned + serde::Serialize>(
            v: &Value,
            extra: impl Fn(&T) -> usize,
        ) -> Vec<String> {
            let t: T = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(extra(&t), 0, "{v}");
            let Value::Object(m) = serde_json::to_value(&t).unwrap() else {
                panic!("not an object")
            };
            m.keys().cloned().collect()
        }
        let tx = "0123456789ABCDEF0123456789ABCDEF";
        let b = "AAEC";
        let mut v = match function {
            Es9Function::InitiateAuthentication => {
                json!({"euiccChallenge": b, "euiccInfo1": b, "smdpAddress": "x.example"})
            }
            Es9Function::AuthenticateClient => {
                json!({"transactionId": tx, "authenticateServerResponse": b})
            }
            Es9Function::GetBoundProfilePackage => {
                json!({"transactionId": tx, "prepareDownloadResponse": b})
            }
            Es9Function::HandleNotification => json!({"pendingNotification": b}),
            Es9Function::CancelSession => json!({"transactionId": tx, "cancelSessionResponse": b}),
        };
        v["header"] = json!({"functionRequesterIdentifier": "x", "functionCallIdentifier": "y"});
        let keys = match function {
            Es9Function::InitiateAuthentication => {
                keys::<InitiateAuthenticationRequest>(&v, |r| r.extra.len())
            }
            Es9Function::AuthenticateClient => {
                keys::<AuthenticateClientRequest>(&v, |r| r.extra.len())
            }
            Es9Function::GetBoundProfilePackage => {
                keys::<GetBoundProfilePackageRequest>(&v, |r| r.extra.len())
            }
            Es9Function::HandleNotification => {
                keys::<HandleNotificationRequest>(&v, |r| r.extra.len())
            }
            Es9Function::CancelSession => keys::<CancelSessionRequest>(&v, |r| r.extra.len()),
        };
        (v, keys)
    }

    #[test]
    fn request_keys_are_those_of_the_request_types() {
        for &f in Es9Function::ALL {
            let (v, mut typed) = full_request(f);
            typed.retain(|k| k != "header");
            let mut listed: Vec<String> = request_keys(f).iter().map(|k| k.to_string()).collect();
            typed.sort();
            listed.sort();
            assert_eq!(listed, typed, "{f:?}");
            assert_eq!(unknown_request_key(f, v.to_string().as_bytes()), None);
        }
    }

    #[test]
    fn the_planted_crash_fires_on_an_unknown_top_level_key_only() {
        let bug = Some(SmdpPlantedBug::Http500OnUnknownJsonKey);
        for &f in Es9Function::ALL {
            let (mut v, _) = full_request(f);
            let body = v.to_string();
            assert!(planted_crash(bug, f, body.as_bytes()).is_none(), "{f:?}");
            // A nested unknown key, an unparseable body, a non-object: no crash.
            v["header"]["surprise"] = json!(1);
            assert!(planted_crash(bug, f, v.to_string().as_bytes()).is_none());
            assert!(planted_crash(bug, f, b"{not json").is_none());
            assert!(planted_crash(bug, f, b"[1,2]").is_none());
            v["surprise"] = json!(1);
            let body = v.to_string();
            let r = planted_crash(bug, f, body.as_bytes()).expect("crash");
            assert_eq!(r.status, 500);
            assert!(r.header("content-type").unwrap().starts_with("text/plain"));
            assert!(String::from_utf8_lossy(&r.body).contains("surprise"));
            // Not planted: nothing.
            assert!(planted_crash(None, f, body.as_bytes()).is_none());
        }
        // A key of another function's request is unknown here.
        let body = json!({"transactionId": "01", "euiccChallenge": "AA=="}).to_string();
        assert!(planted_crash(bug, Es9Function::AuthenticateClient, body.as_bytes()).is_some());
    }
}
