//! The fault-injection and inspection interface of `rspcheck serve smdp`: plain HTTP on a
//! loopback port (refused on any other address), for a runner or a lab engineer driving a
//! device under test against the reference SM-DP+.
//!
//! - `GET /faults` — the armed faults (JSON array of [`ArmedFault`]);
//! - `POST /faults` — arm one (`{"function": "getBoundProfilePackage", "fault": {"kind":
//!   "bppSegment", "index": 3, "damage": "mac"}, "times": 1}`); 201, or 400 naming the problem;
//! - `DELETE /faults` — disarm all; 204;
//! - `POST /clock` — `{"unix": 1767225600}` stops the SM-DP+'s clock at that time; 204;
//! - `GET /orders` — every order's ICCID, state, EID and attempt counters (no matching IDs or
//!   confirmation codes).

use std::sync::Arc;

use rsp_crypto::cert::{FixedClock, Time};
use rsp_http::{Handler, HttpRequest, HttpResponse};
use serde_json::json;

use crate::faults::ArmedFault;
use crate::http::SmdpService;
use crate::orders::OrderStore;

/// The admin interface over an [`SmdpService`].
pub struct AdminService<S: OrderStore + 'static> {
    smdp: Arc<SmdpService<S>>,
}

impl<S: OrderStore + 'static> AdminService<S> {
    pub fn new(smdp: Arc<SmdpService<S>>) -> AdminService<S> {
        AdminService { smdp }
    }
}

fn json_response(status: u16, v: &serde_json::Value) -> HttpResponse {
    HttpResponse::json(status, v.to_string())
}

impl<S: OrderStore + Send + 'static> Handler for AdminService<S>
where
    crate::Smdp<S>: Send,
{
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        if !request.peer_addr.ip().is_loopback() {
            return HttpResponse::text(403, "the admin interface answers loopback clients only");
        }
        let path = request.path.split('?').next().unwrap_or_default();
        match (request.method.as_str(), path) {
            ("GET", "/faults") => {
                let armed = self.smdp.with(|s| s.armed_faults());
                json_response(200, &serde_json::to_value(armed).unwrap_or_default())
            }
            ("POST", "/faults") => {
                let fault: ArmedFault = match serde_json::from_slice(&request.body) {
                    Ok(f) => f,
                    Err(e) => return HttpResponse::text(400, &format!("fault: {e}")),
                };
                match self.smdp.with(|s| s.arm(fault)) {
                    Ok(()) => HttpResponse::new(201, Vec::new()),
                    Err(e) => HttpResponse::text(400, &format!("fault: {e}")),
                }
            }
            ("DELETE", "/faults") => {
                self.smdp.with(|s| s.clear_faults());
                HttpResponse::no_content()
            }
            ("POST", "/clock") => {
                let v: serde_json::Value = match serde_json::from_slice(&request.body) {
                    Ok(v) => v,
                    Err(e) => return HttpResponse::text(400, &format!("clock: {e}")),
                };
                let Some(unix) = v["unix"].as_i64() else {
                    return HttpResponse::text(400, "clock: {\"unix\": seconds} expected");
                };
                // From now on the SM-DP+ stands at this time (the served clock stops).
                self.smdp
                    .set_clock(Box::new(FixedClock(Time::from_unix(unix))));
                HttpResponse::no_content()
            }
            ("GET", "/orders") => {
                let orders = self.smdp.with(|s| s.store().all());
                let list: Vec<_> = orders
                    .iter()
                    .map(|o| {
                        json!({
                            "iccid": o.iccid,
                            "state": o.state.name(),
                            "eid": o.eid,
                            "profileType": o.profile_type,
                            "ccAttempts": o.cc_attempts,
                            "downloadAttempts": o.download_attempts,
                            "smdsAddress": o.smds_address,
                        })
                    })
                    .collect();
                json_response(200, &serde_json::Value::Array(list))
            }
            (_, "/faults" | "/clock" | "/orders") => HttpResponse::text(405, "method not allowed"),
            _ => HttpResponse::text(404, "no such admin resource"),
        }
    }
}
