//! Pending notifications: send each to the SM-DP+ it names (ES9+ HandleNotification), with
//! retries when the server cannot be reached, and remove it from the card once delivered.

use std::time::Duration;

use rsp_codec::apdu::Transport;
use rsp_codec::json::{Base64Bytes, Es9Function};
use rsp_codec::views::NotificationEvent;
use serde_json::json;

use crate::card::Card;
use crate::es10::{Es10Error, PendingNotification};
use crate::server::{self, RemoteError, RemoteFunction, RspServer, ServerError, ServerStats};

/// How delivery is retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per notification (at least 1).
    pub attempts: u32,
    /// Pause before each further attempt, doubled each time. Injected so tests do not sleep.
    pub backoff: Duration,
    pub sleep: fn(Duration),
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(500),
            sleep: std::thread::sleep,
        }
    }
}

/// What happened to one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq_number: i64,
    pub event: Option<NotificationEvent>,
    pub address: String,
    pub attempts: u32,
    /// `Ok(removed)` when the SM-DP+ took it (and whether it was removed from the card).
    pub outcome: Result<bool, String>,
}

/// Sends one notification with retries: a server that cannot be reached, or answers 5xx, is
/// tried again; an answer the server gave on purpose is final.
pub fn send(
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    notification: &PendingNotification,
    policy: &RetryPolicy,
) -> (u32, Result<(), RemoteError>) {
    let function = RemoteFunction::Es9(Es9Function::HandleNotification);
    let body =
        json!({ "pendingNotification": Base64Bytes::new(notification.raw.clone()).to_base64() })
            .to_string();
    let address = &notification.metadata.notification_address;
    let attempts = policy.attempts.max(1);
    let mut pause = policy.backoff;
    let mut last = None;
    for attempt in 1..=attempts {
        if attempt > 1 {
            (policy.sleep)(pause);
            pause *= 2;
        }
        match server::call(server, stats, address, function, body.as_bytes()) {
            Ok(_) => return (attempt, Ok(())),
            Err(e) => {
                let retry = matches!(
                    &e,
                    RemoteError::Server {
                        source: ServerError::Unreachable { .. } | ServerError::Exchange { .. },
                        ..
                    }
                ) || matches!(&e, RemoteError::HttpStatus { status, .. } if *status >= 500);
                last = Some(e);
                if !retry {
                    return (attempt, Err(last.expect("just set")));
                }
            }
        }
    }
    (attempts, Err(last.expect("at least one attempt")))
}

/// Sends every pending notification (or those with `seq_number`), removing each delivered one
/// from the card when `remove` is set.
pub fn process<T: Transport>(
    card: &mut Card<T>,
    server: &mut dyn RspServer,
    stats: &mut ServerStats,
    seq_number: Option<i64>,
    remove: bool,
    policy: &RetryPolicy,
) -> Result<Vec<Delivery>, Es10Error> {
    let pending = card.retrieve_notifications(seq_number)?;
    let mut out = Vec::new();
    for n in pending {
        let (attempts, sent) = send(server, stats, &n, policy);
        let outcome = match sent {
            Ok(()) if remove => match card.remove_notification(n.metadata.seq_number) {
                Ok(()) => Ok(true),
                Err(e) => Err(format!("delivered, but not removed: {e}")),
            },
            Ok(()) => Ok(false),
            Err(e) => Err(e.to_string()),
        };
        out.push(Delivery {
            seq_number: n.metadata.seq_number,
            event: n.metadata.event(),
            address: n.metadata.notification_address.clone(),
            attempts,
            outcome,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::RawReply;
    use rsp_codec::der::BitString;
    use rsp_codec::views::NotificationMetadata;

    struct Flaky {
        failures: u32,
        status: u16,
        calls: u32,
    }

    impl RspServer for Flaky {
        fn post(&mut self, address: &str, _: &str, _: &[u8]) -> Result<RawReply, ServerError> {
            self.calls += 1;
            if self.calls <= self.failures {
                return Err(ServerError::Unreachable {
                    address: address.into(),
                    detail: "refused".into(),
                });
            }
            Ok(RawReply {
                status: self.status,
                body: Vec::new(),
            })
        }
    }

    fn note() -> PendingNotification {
        PendingNotification {
            raw: vec![0x30, 0x00],
            metadata: NotificationMetadata {
                seq_number: 4,
                profile_management_operation: BitString::from_bits(&[1]),
                notification_address: "dp.example".into(),
                iccid: None,
                extensions: vec![],
            },
        }
    }

    fn policy(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            backoff: Duration::from_millis(1),
            sleep: |_| {},
        }
    }

    #[test]
    fn an_unreachable_server_is_retried_until_it_answers() {
        let mut s = Flaky {
            failures: 2,
            status: 204,
            calls: 0,
        };
        let (attempts, r) = send(&mut s, &mut ServerStats::default(), &note(), &policy(3));
        assert_eq!((attempts, r), (3, Ok(())));
    }

    #[test]
    fn retries_are_bounded_and_a_4xx_is_final() {
        let mut s = Flaky {
            failures: 10,
            status: 204,
            calls: 0,
        };
        let (attempts, r) = send(&mut s, &mut ServerStats::default(), &note(), &policy(2));
        assert_eq!(attempts, 2);
        assert!(r.is_err());
        let mut s = Flaky {
            failures: 0,
            status: 400,
            calls: 0,
        };
        let (attempts, r) = send(&mut s, &mut ServerStats::default(), &note(), &policy(5));
        assert_eq!(attempts, 1);
        assert!(matches!(
            r,
            Err(RemoteError::HttpStatus { status: 400, .. })
        ));
    }
}
