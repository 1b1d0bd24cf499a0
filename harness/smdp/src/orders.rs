//! Download orders: the profiles an SM-DP+ holds and the state each one is in (SGP.22 §3.1,
//! digest §4.1 steps 6 and 9). In memory here; the durable SQLite store comes with the rest of
//! the SM-DP+ issue and implements the same [`OrderStore`].

use rsp_crypto::cert::Time;

/// The life of one profile at the SM-DP+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    Available,
    Allocated,
    Linked,
    Confirmed,
    Released,
    /// A BPP was delivered (the eUICC may still be installing it).
    Downloaded,
    Installed,
    Error,
    Cancelled,
    Unavailable,
}

impl OrderState {
    pub fn name(self) -> &'static str {
        match self {
            OrderState::Available => "available",
            OrderState::Allocated => "allocated",
            OrderState::Linked => "linked",
            OrderState::Confirmed => "confirmed",
            OrderState::Released => "released",
            OrderState::Downloaded => "downloaded",
            OrderState::Installed => "installed",
            OrderState::Error => "error",
            OrderState::Cancelled => "cancelled",
            OrderState::Unavailable => "unavailable",
        }
    }
}

/// What the eUICC is shown and stores (StoreMetadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMetadata {
    pub service_provider_name: String,
    pub profile_name: String,
    /// test 0, provisioning 1, operational 2.
    pub profile_class: i64,
}

/// A BPP bound to one otPK.EUICC, kept for a retry with the same key (`bppEuiccOtpk`).
#[derive(Clone, PartialEq, Eq)]
pub struct BoundBpp {
    pub euicc_otpk: Vec<u8>,
    pub bpp: Vec<u8>,
}

impl std::fmt::Debug for BoundBpp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundBpp")
            .field("euicc_otpk", &hex::encode_upper(&self.euicc_otpk))
            .field("bpp_bytes", &self.bpp.len())
            .finish()
    }
}

/// One profile and its download order.
#[derive(Clone, PartialEq, Eq)]
pub struct Order {
    /// ICCID digits (19 or 20).
    pub iccid: String,
    /// The unprotected profile package (DER ProfileElements).
    pub package: Vec<u8>,
    /// The operator's profile type (ES2+ DownloadOrder by type).
    pub profile_type: String,
    pub metadata: OrderMetadata,
    pub state: OrderState,
    /// The EID the order is bound to (required for the default SM-DP+ and SM-DS use cases).
    pub eid: Option<String>,
    /// The activation code token or SM-DS event id; `None` = default SM-DP+ use case.
    pub matching_id: Option<String>,
    /// Confirmation code (plain; only its hash travels).
    pub confirmation_code: Option<String>,
    pub cc_attempts: u32,
    pub download_attempts: u32,
    pub expires_at: Option<Time>,
    pub bound: Option<BoundBpp>,
    /// The SM-DS the order's event is registered at (SM-DS use case), for ES12.DeleteEvent.
    pub smds_address: Option<String>,
}

impl std::fmt::Debug for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Matching IDs and confirmation codes are keys to a subscription: never logged.
        f.debug_struct("Order")
            .field("iccid", &self.iccid)
            .field("state", &self.state)
            .field("eid", &self.eid)
            .field(
                "matching_id",
                &self.matching_id.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "confirmation_code",
                &self.confirmation_code.as_ref().map(|_| "<redacted>"),
            )
            .field("cc_attempts", &self.cc_attempts)
            .field("download_attempts", &self.download_attempts)
            .finish_non_exhaustive()
    }
}

impl Order {
    /// A released order for `package` (as an operator's DownloadOrder + ConfirmOrder(release)
    /// would leave it).
    pub fn released(
        iccid: &str,
        package: Vec<u8>,
        matching_id: Option<&str>,
        eid: Option<&str>,
    ) -> Order {
        Order {
            state: OrderState::Released,
            eid: eid.map(str::to_owned),
            matching_id: matching_id.map(str::to_owned),
            ..Order::available(iccid, package, "default")
        }
    }

    /// A profile in the inventory, not yet ordered.
    pub fn available(iccid: &str, package: Vec<u8>, profile_type: &str) -> Order {
        Order {
            iccid: iccid.to_owned(),
            package,
            profile_type: profile_type.to_owned(),
            metadata: OrderMetadata {
                service_provider_name: "rspcheck".into(),
                profile_name: format!("Profile {iccid}"),
                profile_class: 2,
            },
            state: OrderState::Available,
            eid: None,
            matching_id: None,
            confirmation_code: None,
            cc_attempts: 0,
            download_attempts: 0,
            expires_at: None,
            bound: None,
            smds_address: None,
        }
    }
}

/// What happened to an order: the ledger an operator needs to trace a fraudulent re-issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEvent {
    /// ES2+ DownloadOrder or an inventory load.
    Ordered,
    Confirmed,
    Released,
    /// AuthenticateClient accepted for this order (a download attempt).
    DownloadAttempt,
    /// AuthenticateClient refused (matching ID, EID, expiry, retries …).
    DownloadRefused,
    ConfirmationCodeRefused,
    BppDelivered,
    Installed,
    InstallFailed,
    /// Enable/disable/delete notification received.
    Notification,
    Cancelled,
}

impl AuditEvent {
    pub fn name(self) -> &'static str {
        match self {
            AuditEvent::Ordered => "ordered",
            AuditEvent::Confirmed => "confirmed",
            AuditEvent::Released => "released",
            AuditEvent::DownloadAttempt => "download-attempt",
            AuditEvent::DownloadRefused => "download-refused",
            AuditEvent::ConfirmationCodeRefused => "cc-refused",
            AuditEvent::BppDelivered => "bpp-delivered",
            AuditEvent::Installed => "installed",
            AuditEvent::InstallFailed => "install-failed",
            AuditEvent::Notification => "notification",
            AuditEvent::Cancelled => "cancelled",
        }
    }
}

/// One line of the append-only audit log. Never holds a matching ID or confirmation code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Seconds since 1970 (the SM-DP+'s injected clock).
    pub time: i64,
    pub event: AuditEvent,
    /// Empty when the order is not known (e.g. a refused matching ID).
    pub iccid: String,
    pub eid: Option<String>,
    /// `ok` or the SGP.22 status (`8.2.6/3.8`).
    pub outcome: String,
    pub detail: String,
}

/// Where orders live. Implementations must make every `put` and `audit` durable before
/// returning.
pub trait OrderStore: Send {
    fn get(&self, iccid: &str) -> Option<Order>;
    fn put(&mut self, order: Order);
    fn all(&self) -> Vec<Order>;
    /// Appends to the audit log.
    fn audit(&mut self, entry: AuditEntry);
    /// The audit log, oldest first.
    fn audit_log(&self) -> Vec<AuditEntry>;
    /// A write that did not reach durable storage since the last call (the trait's writes are
    /// infallible so the role logic stays simple; the server asks after every request).
    fn take_failure(&mut self) -> Option<String> {
        None
    }
    /// The order whose matching ID is `matching_id` (exact, case-sensitive).
    fn by_matching_id(&self, matching_id: &str) -> Option<Order> {
        self.all()
            .into_iter()
            .find(|o| o.matching_id.as_deref() == Some(matching_id))
    }
    /// Records that a BPP was delivered for `matching_id`: it must never work again, even after
    /// the order is cancelled and its ICCID re-issued (stored as a SHA-256 hash).
    fn consume_matching_id(&mut self, matching_id: &str, iccid: &str);
    /// Whether `matching_id` was consumed.
    fn matching_id_consumed(&self, matching_id: &str) -> bool;
    /// Orders bound to `eid` without a matching ID (default SM-DP+ use case).
    fn default_for_eid(&self, eid: &str) -> Vec<Order> {
        self.all()
            .into_iter()
            .filter(|o| {
                o.eid.as_deref() == Some(eid) && o.matching_id.as_deref().is_none_or(str::is_empty)
            })
            .collect()
    }
}

/// Orders in memory (tests, `--in-memory`).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    orders: Vec<Order>,
    log: Vec<AuditEntry>,
    consumed: std::collections::HashSet<[u8; 32]>,
}

/// How a consumed matching ID is remembered.
pub fn matching_id_hash(matching_id: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(matching_id.as_bytes()).into()
}

impl OrderStore for MemoryStore {
    fn get(&self, iccid: &str) -> Option<Order> {
        self.orders.iter().find(|o| o.iccid == iccid).cloned()
    }
    fn put(&mut self, order: Order) {
        match self.orders.iter_mut().find(|o| o.iccid == order.iccid) {
            Some(o) => *o = order,
            None => self.orders.push(order),
        }
    }
    fn all(&self) -> Vec<Order> {
        self.orders.clone()
    }
    fn audit(&mut self, entry: AuditEntry) {
        self.log.push(entry);
    }
    fn audit_log(&self) -> Vec<AuditEntry> {
        self.log.clone()
    }
    fn consume_matching_id(&mut self, matching_id: &str, _iccid: &str) {
        self.consumed.insert(matching_id_hash(matching_id));
    }
    fn matching_id_consumed(&self, matching_id: &str) -> bool {
        self.consumed.contains(&matching_id_hash(matching_id))
    }
}
