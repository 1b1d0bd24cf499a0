//! ES2+ on the SM-DP+ (digest §2.6): the operator's DownloadOrder, ConfirmOrder, CancelOrder and
//! ReleaseProfile over the order store, with the ES2+ status codes of digest §2.3. The request
//! header is mandatory (the codec's types refuse a body without it). Mutual TLS and the
//! HandleDownloadProgressInfo callbacks belong to the HTTP adapter and are not here yet.

use rsp_codec::json::{
    CancelOrderRequest, ConfirmOrderRequest, ConfirmOrderResponse, DownloadOrderRequest,
    DownloadOrderResponse, Eid32, Es2Function, HeaderOnlyResponse, IccidDigits,
    ReleaseProfileRequest, ResponseHeader, Secret, FINAL_PROFILE_STATUS_AVAILABLE,
};
use rsp_codec::json::{DeleteEventRequest, RegisterEventRequest, RequestHeader};
use rsp_codec::status::KnownStatus;
use rsp_crypto::cert::Time;

use crate::es12_client::Es12Error;
use crate::es9::{Es9Answer, Smdp};
use crate::orders::{AuditEvent, Order, OrderState, OrderStore};

/// Characters of generated matching IDs (activation-code tokens): upper-case letters and digits
/// without the easily confused 0/O and 1/I.
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

impl<S: OrderStore> Smdp<S> {
    /// Adds a profile to the inventory (state available).
    pub fn add_profile(&mut self, order: Order) {
        self.store.put(order);
    }

    /// Handles one ES2+ request body (HandleDownloadProgressInfo is the SM-DP+'s outgoing call,
    /// not handled here).
    pub fn handle_es2(&mut self, function: Es2Function, body: &[u8]) -> Es9Answer {
        let r = match function {
            Es2Function::DownloadOrder => self.download_order(body),
            Es2Function::ConfirmOrder => self.confirm_order(body),
            Es2Function::CancelOrder => self.cancel_order(body),
            Es2Function::ReleaseProfile => self.release_profile(body),
            Es2Function::HandleDownloadProgressInfo => Err(Es9Answer::failed(
                KnownStatus::InvalidRequest,
                "HandleDownloadProgressInfo is sent by the SM-DP+, not to it",
            )),
        };
        r.unwrap_or_else(|e| e)
    }

    fn order(&self, iccid: &IccidDigits) -> Result<Order, Es9Answer> {
        self.store
            .get(iccid.digits())
            .ok_or_else(|| Es9Answer::failed(KnownStatus::IccidUnknown, "unknown ICCID"))
    }

    fn download_order(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: DownloadOrderRequest = Self::parse(body)?;
        let mut order = match (&req.iccid, &req.profile_type) {
            (Some(iccid), profile_type) => {
                let o = self.order(iccid)?;
                if profile_type.as_ref().is_some_and(|t| *t != o.profile_type) {
                    return Err(Es9Answer::failed(
                        KnownStatus::ProfileTypeMismatch,
                        "profileType does not match the ICCID",
                    ));
                }
                if o.state != OrderState::Available {
                    return Err(Es9Answer::failed(
                        KnownStatus::IccidInUse,
                        "ICCID not available",
                    ));
                }
                o
            }
            (None, Some(t)) => {
                let all = self.store.all();
                if !all.iter().any(|o| o.profile_type == *t) {
                    return Err(Es9Answer::failed(
                        KnownStatus::ProfileTypeUnknown,
                        "unknown profileType",
                    ));
                }
                all.into_iter()
                    .find(|o| o.profile_type == *t && o.state == OrderState::Available)
                    .ok_or_else(|| {
                        Es9Answer::failed(
                            KnownStatus::ProfileTypeUnavailable,
                            "no profile of this type left",
                        )
                    })?
            }
            (None, None) => {
                return Err(Es9Answer::failed(
                    KnownStatus::MandatoryParameterMissing,
                    "iccid or profileType required",
                ));
            }
        };
        order.eid = req.eid.as_ref().map(|e| e.as_str().to_owned());
        order.state = if order.eid.is_some() {
            OrderState::Linked
        } else {
            OrderState::Allocated
        };
        let iccid = order.iccid.clone();
        let eid = order.eid.clone();
        self.store.put(order);
        self.log(
            AuditEvent::Ordered,
            &iccid,
            eid.as_deref(),
            Ok(()),
            "DownloadOrder",
        );
        Ok(Es9Answer::json(&DownloadOrderResponse {
            header: ResponseHeader::success(),
            iccid: IccidDigits::new(&iccid).ok(),
            extra: Default::default(),
        }))
    }

    fn new_token(&mut self) -> String {
        let mut raw = [0u8; 25];
        self.rng.fill(&mut raw);
        let chars: Vec<char> = raw
            .iter()
            .map(|b| char::from(TOKEN_ALPHABET[usize::from(*b) % TOKEN_ALPHABET.len()]))
            .collect();
        chars
            .chunks(5)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    fn confirm_order(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: ConfirmOrderRequest = Self::parse(body)?;
        let mut order = self.order(&req.iccid)?;
        if !matches!(order.state, OrderState::Allocated | OrderState::Linked) {
            return Err(Es9Answer::failed(
                KnownStatus::ProfileStateTransitionInvalid,
                "order not awaiting confirmation",
            ));
        }
        if let (Some(have), Some(given)) = (&order.eid, &req.eid) {
            if have != given.as_str() {
                return Err(Es9Answer::failed(
                    KnownStatus::EidAssociationMismatch,
                    "a different EID is associated",
                ));
            }
        }
        let eid = order
            .eid
            .clone()
            .or(req.eid.as_ref().map(|e| e.as_str().to_owned()));
        let matching_id = match req.matching_id.as_ref().map(Secret::expose) {
            Some("") => None,
            Some(m) => {
                if self
                    .store
                    .by_matching_id(m)
                    .is_some_and(|o| o.iccid != order.iccid)
                {
                    return Err(Es9Answer::failed(
                        KnownStatus::MatchingIdConflict,
                        "matchingId already used",
                    ));
                }
                if order.matching_id.as_deref().is_some_and(|have| have != m) {
                    return Err(Es9Answer::failed(
                        KnownStatus::MatchingIdAssociationMismatch,
                        "a different matchingId is associated",
                    ));
                }
                Some(m.to_owned())
            }
            None => Some(self.new_token()),
        };
        // Without a matching ID (default SM-DP+) or through an SM-DS the order must name the EID.
        if eid.is_none() && (matching_id.is_none() || req.smds_address.is_some()) {
            return Err(Es9Answer::failed(KnownStatus::EidMissing, "EID required"));
        }
        if let Some(m) = matching_id.as_deref() {
            if self.store.matching_id_consumed(m) {
                return Err(Es9Answer::failed(
                    KnownStatus::MatchingIdConflict,
                    "matchingId was used for a download already",
                ));
            }
        }
        if let Some(smds) = req.smds_address.as_deref() {
            // eid is Some here (checked above); the event id is the matching ID.
            let event_id = matching_id.clone().unwrap_or_default();
            self.register_event(smds, eid.as_deref().unwrap_or_default(), &event_id)
                .map_err(|e| Es9Answer::failed(e.status(), e.to_string()))?;
            order.smds_address = Some(smds.to_owned());
        }
        if let Some(ttl) = self.config.order_ttl {
            order.expires_at = Some(Time::from_unix(self.now.unix().saturating_add(ttl)));
        }
        order.eid = eid.clone();
        order.matching_id = matching_id.clone();
        order.confirmation_code = req
            .confirmation_code
            .as_ref()
            .map(|c| c.expose().to_owned());
        order.state = if req.release_flag {
            OrderState::Released
        } else {
            OrderState::Confirmed
        };
        let iccid = order.iccid.clone();
        self.store.put(order);
        self.log(
            AuditEvent::Confirmed,
            &iccid,
            eid.as_deref(),
            Ok(()),
            if req.release_flag { "released" } else { "" },
        );
        Ok(Es9Answer::json(&ConfirmOrderResponse {
            header: ResponseHeader::success(),
            eid: eid.as_deref().and_then(|e| Eid32::new(e).ok()),
            matching_id: Some(Secret::new(matching_id.unwrap_or_default())),
            smdp_address: Some(self.config.address.clone()),
            extra: Default::default(),
        }))
    }

    fn cancel_order(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: CancelOrderRequest = Self::parse(body)?;
        let mut order = self.order(&req.iccid)?;
        if let (Some(have), Some(given)) = (&order.eid, &req.eid) {
            if have != given.as_str() {
                return Err(Es9Answer::failed(
                    KnownStatus::EidAssociationMismatch,
                    "a different EID is associated",
                ));
            }
        }
        if let (Some(have), Some(given)) = (&order.matching_id, &req.matching_id) {
            if have != given.expose() {
                return Err(Es9Answer::failed(
                    KnownStatus::MatchingIdAssociationMismatch,
                    "a different matchingId is associated",
                ));
            }
        }
        if matches!(
            order.state,
            OrderState::Downloaded | OrderState::Installed | OrderState::Available
        ) {
            return Err(Es9Answer::failed(
                KnownStatus::ProfileStateTransitionInvalid,
                "order cannot be cancelled now",
            ));
        }
        self.delete_event(&order.iccid);
        let eid = order.eid.take();
        order.smds_address = None;
        order.matching_id = None;
        order.confirmation_code = None;
        order.bound = None;
        order.state = if req.final_profile_status_indicator == FINAL_PROFILE_STATUS_AVAILABLE {
            OrderState::Available
        } else {
            OrderState::Unavailable
        };
        let iccid = order.iccid.clone();
        self.store.put(order);
        self.log(
            AuditEvent::Cancelled,
            &iccid,
            eid.as_deref(),
            Ok(()),
            format!(
                "CancelOrder, final status {}",
                req.final_profile_status_indicator
            ),
        );
        Ok(Es9Answer::json(&HeaderOnlyResponse::new(
            ResponseHeader::success(),
        )))
    }

    fn register_event(&mut self, smds: &str, eid: &str, event_id: &str) -> Result<(), Es12Error> {
        let unreachable = |reason: &str| Es12Error::Unreachable {
            address: smds.to_owned(),
            reason: reason.to_owned(),
        };
        let eid = Eid32::new(eid).map_err(|e| unreachable(&format!("EID: {e}")))?;
        self.es12_calls += 1;
        let request = RegisterEventRequest {
            header: RequestHeader::new(self.oid().to_owned(), self.es12_calls.to_string()),
            eid,
            rsp_server_address: self.config.address.clone(),
            event_id: Secret::new(event_id),
            forwarding_indicator: self.config.es12_forwarding,
            extra: Default::default(),
        };
        let registrar = self
            .registrar
            .as_mut()
            .ok_or_else(|| unreachable("no ES12 client configured on this SM-DP+"))?;
        registrar.register(smds, &request)
    }

    /// Deletes the order's SM-DS event, if it has one (after installation, on cancellation).
    /// A failure is logged, not fatal: the event points at an order that no longer downloads.
    pub(crate) fn delete_event(&mut self, iccid: &str) {
        let Some(order) = self.store.get(iccid) else {
            return;
        };
        let (Some(smds), Some(eid), Some(event_id)) =
            (order.smds_address, order.eid, order.matching_id)
        else {
            return;
        };
        let Ok(eid32) = Eid32::new(&eid) else {
            return;
        };
        self.es12_calls += 1;
        let request = DeleteEventRequest {
            header: RequestHeader::new(self.oid().to_owned(), self.es12_calls.to_string()),
            eid: eid32,
            event_id: Secret::new(event_id),
            extra: Default::default(),
        };
        let outcome = match self.registrar.as_mut() {
            Some(r) => r.delete(&smds, &request).map_err(|e| e.to_string()),
            None => Err("no ES12 client configured".to_owned()),
        };
        if let Err(e) = outcome {
            tracing::warn!(iccid, smds = %smds, error = %e, "ES12 DeleteEvent failed");
        }
    }

    fn release_profile(&mut self, body: &[u8]) -> Result<Es9Answer, Es9Answer> {
        let req: ReleaseProfileRequest = Self::parse(body)?;
        let mut order = self.order(&req.iccid)?;
        if order.state != OrderState::Confirmed {
            return Err(Es9Answer::failed(
                KnownStatus::ProfileStateTransitionInvalid,
                "only a confirmed order can be released",
            ));
        }
        order.state = OrderState::Released;
        let iccid = order.iccid.clone();
        let eid = order.eid.clone();
        self.store.put(order);
        self.log(AuditEvent::Released, &iccid, eid.as_deref(), Ok(()), "");
        Ok(Es9Answer::json(&HeaderOnlyResponse::new(
            ResponseHeader::success(),
        )))
    }
}
