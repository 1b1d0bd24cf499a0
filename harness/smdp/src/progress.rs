//! ES2+ HandleDownloadProgressInfo (digest §2.6): what the SM-DP+ tells the operator at each
//! notification point of a download. The core records a [`ProgressInfo`] whenever it writes an
//! audit entry that is a notification point (so the ledger and the callbacks cannot disagree);
//! the HTTP side ([`crate::es2_http::ProgressNotifier`]) drains them and posts them to the
//! operator. Point numbers 1–4 follow the digest (unconfirmed): eligibility and retry check,
//! confirmation failure, BPP download, BPP installation.

use std::collections::VecDeque;

use rsp_codec::json::{
    Base64Bytes, Eid32, HandleDownloadProgressInfoRequest, IccidDigits, NotificationPointId,
    RequestHeader, ResponseHeader,
};
use rsp_codec::status::KnownStatus;
use rsp_crypto::cert::Time;

use crate::orders::AuditEvent;

/// Progress records kept for the notifier at most (oldest dropped, and counted, beyond).
pub const MAX_PENDING: usize = 10_000;

/// One notification point reached by one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressInfo {
    pub iccid: String,
    pub eid: Option<String>,
    pub profile_type: String,
    pub time: Time,
    pub point: NotificationPointId,
    /// `Err` carries the status the download failed with.
    pub outcome: Result<(), KnownStatus>,
    /// The PIR for the BPP installation point.
    pub result_data: Option<Vec<u8>>,
}

impl ProgressInfo {
    /// The ES2+ request body, with the SM-DP+ as requester; `None` for an ICCID the JSON
    /// binding cannot carry (orders hold 19–20 digits, so only a corrupt store gets here).
    pub fn to_request(
        &self,
        requester: &str,
        call_id: &str,
    ) -> Option<HandleDownloadProgressInfoRequest> {
        let header = match self.outcome {
            Ok(()) => ResponseHeader::success(),
            Err(status) => ResponseHeader::failed(status),
        };
        let status = match serde_json::to_value(header.function_execution_status) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        Some(HandleDownloadProgressInfoRequest {
            header: RequestHeader::new(requester, call_id),
            eid: self.eid.as_deref().and_then(|e| Eid32::new(e).ok()),
            iccid: IccidDigits::new(&self.iccid).ok()?,
            profile_type: self.profile_type.clone(),
            timestamp: self.time.to_string(),
            notification_point_id: self.point,
            notification_point_status: status,
            result_data: self.result_data.clone().map(Base64Bytes::new),
            extra: Default::default(),
        })
    }
}

/// The notification point an audit event is, if any.
pub fn notification_point(event: AuditEvent) -> Option<NotificationPointId> {
    match event {
        AuditEvent::DownloadAttempt | AuditEvent::DownloadRefused => {
            Some(NotificationPointId::ELIGIBILITY_CHECK)
        }
        AuditEvent::ConfirmationCodeRefused => Some(NotificationPointId::CONFIRMATION_FAILURE),
        AuditEvent::BppDelivered => Some(NotificationPointId::BPP_DOWNLOAD),
        AuditEvent::Installed | AuditEvent::InstallFailed => {
            Some(NotificationPointId::BPP_INSTALLATION)
        }
        AuditEvent::Ordered
        | AuditEvent::Confirmed
        | AuditEvent::Released
        | AuditEvent::Notification
        | AuditEvent::Cancelled => None,
    }
}

/// Pending progress records (bounded).
#[derive(Debug, Default)]
pub struct ProgressQueue {
    enabled: bool,
    pending: VecDeque<ProgressInfo>,
    dropped: u64,
}

impl ProgressQueue {
    /// Starts (or stops) recording; off by default so nobody accumulates records nobody sends.
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.pending.clear();
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub fn push(&mut self, info: ProgressInfo) {
        if !self.enabled {
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(info);
    }

    pub fn take(&mut self) -> Vec<ProgressInfo> {
        self.pending.drain(..).collect()
    }

    /// Records dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_point_carries_its_status_and_the_request_round_trips() {
        let info = ProgressInfo {
            iccid: "89999000000000000018".into(),
            eid: Some("89049032123451234512345678901235".into()),
            profile_type: "consumer".into(),
            time: Time::from_unix(1_767_225_600),
            point: NotificationPointId::CONFIRMATION_FAILURE,
            outcome: Err(KnownStatus::ConfirmationCodeRefused),
            result_data: None,
        };
        let body = serde_json::to_value(info.to_request("rspcheck-smdp", "7").unwrap()).unwrap();
        assert_eq!(body["notificationPointId"], 2);
        assert_eq!(body["timestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(
            body["notificationPointStatus"]["statusCodeData"]["subjectCode"],
            "8.2.7"
        );
        let back: HandleDownloadProgressInfoRequest = serde_json::from_value(body).unwrap();
        assert_eq!(back.iccid.digits(), "89999000000000000018");
        let corrupt = ProgressInfo {
            iccid: "not-an-iccid".into(),
            ..info
        };
        assert!(corrupt.to_request("rspcheck-smdp", "8").is_none());
    }

    #[test]
    fn the_queue_is_bounded_and_off_by_default() {
        let mut q = ProgressQueue::default();
        let info = ProgressInfo {
            iccid: "89999000000000000018".into(),
            eid: None,
            profile_type: "t".into(),
            time: Time::from_unix(0),
            point: NotificationPointId::BPP_DOWNLOAD,
            outcome: Ok(()),
            result_data: None,
        };
        q.push(info.clone());
        assert!(q.take().is_empty());
        q.set_enabled(true);
        for _ in 0..MAX_PENDING + 3 {
            q.push(info.clone());
        }
        assert_eq!((q.take().len(), q.dropped()), (MAX_PENDING, 3));
    }
}
