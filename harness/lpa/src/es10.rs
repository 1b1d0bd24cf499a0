//! ES10a/b/c over a [`Card`]: every function the LPA calls, with typed answers. Each function
//! also has its raw form through [`Card::es10`] so a scenario can send a mutated request.

use rsp_codec::apdu::Transport;
use rsp_codec::der::{self, BitString};
use rsp_codec::eid::Eid;
use rsp_codec::iccid::Iccid;
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{NotificationEvent, NotificationMetadata, View};

use crate::card::{Card, CardError};

/// Why an ES10 call did not give the LPA what it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Es10Error {
    #[error(transparent)]
    Card(#[from] CardError),
    #[error("{function}: malformed answer: {detail}")]
    Malformed {
        function: &'static str,
        detail: String,
    },
    /// The eUICC answered with the function's error alternative or a non-ok result code.
    #[error("{function}: eUICC answered {name} ({code})")]
    Rejected {
        function: &'static str,
        code: i64,
        name: &'static str,
    },
    #[error("{function}: invalid argument: {detail}")]
    Argument {
        function: &'static str,
        detail: String,
    },
}

impl Es10Error {
    /// The eUICC's result or error code when it answered one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Es10Error::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }
}

pub(crate) fn tag(n: u32) -> Tag {
    Tag::of(n)
}
pub(crate) fn prim(n: u32, content: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(tag(n), content)
}
pub(crate) fn cons(n: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(tag(n), children)
}
fn child(t: &Tlv, n: u32) -> Option<&Tlv> {
    t.children().iter().find(|c| c.tag() == tag(n))
}

/// The names of a result enumeration, digest §3.2. Unknown codes read "unknown".
pub fn result_name(function: &'static str, code: i64) -> &'static str {
    match (function, code) {
        (_, 0) => "ok",
        (_, 127) => "undefinedError",
        ("AuthenticateServer" | "PrepareDownload", 1) => "invalidCertificate",
        ("AuthenticateServer" | "PrepareDownload", 2) => "invalidSignature",
        ("AuthenticateServer" | "PrepareDownload", 3) => "unsupportedCurve",
        ("AuthenticateServer" | "PrepareDownload", 4) => "noSessionContext",
        ("AuthenticateServer", 5) => "invalidOid",
        ("AuthenticateServer", 6) => "euiccChallengeMismatch",
        ("AuthenticateServer", 7) => "ciPKUnknown",
        ("PrepareDownload" | "CancelSession", 5) => "invalidTransactionId",
        ("EnableProfile" | "DisableProfile" | "DeleteProfile", 1) => "iccidOrAidNotFound",
        ("EnableProfile" | "DeleteProfile", 2) => "profileNotInDisabledState",
        ("DisableProfile", 2) => "profileNotInEnabledState",
        ("EnableProfile" | "DisableProfile" | "DeleteProfile", 3) => "disallowedByPolicy",
        ("EnableProfile", 4) => "wrongProfileReenabling",
        ("EnableProfile" | "DisableProfile" | "eUICCMemoryReset", 5) => "catBusy",
        ("eUICCMemoryReset" | "RemoveNotificationFromList", 1) => "nothingToDelete",
        ("SetNickname", 1) => "iccidNotFound",
        ("GetProfilesInfo", 1) => "incorrectInputValues",
        _ => "unknown",
    }
}

/// A profile addressed by ICCID or ISD-P AID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileId {
    Iccid(Iccid),
    Aid(Vec<u8>),
}

impl ProfileId {
    /// An ICCID (18–20 digits) or an AID in hex (32 hex digits starting `A0`).
    pub fn parse(text: &str) -> Result<ProfileId, String> {
        let t = text.trim();
        if t.len() == 32 && t.to_ascii_uppercase().starts_with("A0") {
            return hex::decode(t)
                .map(ProfileId::Aid)
                .map_err(|e| format!("AID {t:?}: {e}"));
        }
        Iccid::parse(t)
            .map(ProfileId::Iccid)
            .map_err(|e| format!("{t:?} is neither an ICCID nor an ISD-P AID: {e}"))
    }

    fn to_tlv(&self) -> Tlv {
        match self {
            ProfileId::Iccid(i) => prim(0x5A, i.to_bcd().to_vec()),
            ProfileId::Aid(a) => prim(0x4F, a.clone()),
        }
    }
}

/// Which profiles GetProfilesInfo returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProfileFilter {
    #[default]
    All,
    Id(ProfileId),
    /// test 0, provisioning 1, operational 2.
    Class(i64),
}

/// One `ProfileInfo` (E3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProfileInfo {
    pub iccid: Option<String>,
    pub isdp_aid: Option<String>,
    /// disabled 0, enabled 1.
    pub state: Option<i64>,
    pub nickname: Option<String>,
    pub service_provider_name: Option<String>,
    pub profile_name: Option<String>,
    /// test 0, provisioning 1, operational 2.
    pub class: Option<i64>,
    pub icon_type: Option<i64>,
    pub policy_rules: Option<Vec<usize>>,
}

impl ProfileInfo {
    fn read(t: &Tlv) -> Result<ProfileInfo, String> {
        let text = |n: u32| -> Result<Option<String>, String> {
            child(t, n)
                .map(|c| {
                    der::decode_utf8(c.content().unwrap_or_default())
                        .map(str::to_owned)
                        .map_err(|e| format!("tag {n:X}: {e}"))
                })
                .transpose()
        };
        let int = |n: u32| -> Result<Option<i64>, String> {
            child(t, n)
                .map(|c| {
                    der::decode_integer(c.content().unwrap_or_default())
                        .map_err(|e| format!("tag {n:X}: {e}"))
                })
                .transpose()
        };
        Ok(ProfileInfo {
            iccid: child(t, 0x5A)
                .and_then(Tlv::content)
                .map(|b| {
                    Iccid::from_bcd(b)
                        .map(|i| i.as_str().to_owned())
                        .map_err(|e| format!("iccid: {e}"))
                })
                .transpose()?,
            isdp_aid: child(t, 0x4F).and_then(Tlv::content).map(hex::encode_upper),
            state: int(0x9F70)?,
            nickname: text(0x90)?,
            service_provider_name: text(0x91)?,
            profile_name: text(0x92)?,
            icon_type: int(0x93)?,
            class: int(0x95)?,
            policy_rules: child(t, 0x99)
                .map(|c| {
                    der::decode_bit_string(c.content().unwrap_or_default())
                        .map(|b| b.set_bits())
                        .map_err(|e| format!("profilePolicyRules: {e}"))
                })
                .transpose()?,
        })
    }

    pub fn enabled(&self) -> bool {
        self.state == Some(1)
    }
}

/// The eUICC's configured addresses (BF3C).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ConfiguredAddresses {
    pub default_dp_address: Option<String>,
    pub root_ds_address: Option<String>,
}

/// CancelSession reasons (digest §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    EndUserRejection,
    Postponed,
    Timeout,
    PprNotAllowed,
    MetadataMismatch,
    LoadBppExecutionError,
    Undefined,
}

impl CancelReason {
    pub const ALL: [CancelReason; 7] = [
        CancelReason::EndUserRejection,
        CancelReason::Postponed,
        CancelReason::Timeout,
        CancelReason::PprNotAllowed,
        CancelReason::MetadataMismatch,
        CancelReason::LoadBppExecutionError,
        CancelReason::Undefined,
    ];

    pub fn code(self) -> i64 {
        match self {
            CancelReason::EndUserRejection => 0,
            CancelReason::Postponed => 1,
            CancelReason::Timeout => 2,
            CancelReason::PprNotAllowed => 3,
            CancelReason::MetadataMismatch => 4,
            CancelReason::LoadBppExecutionError => 5,
            CancelReason::Undefined => 127,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CancelReason::EndUserRejection => "endUserRejection",
            CancelReason::Postponed => "postponed",
            CancelReason::Timeout => "timeout",
            CancelReason::PprNotAllowed => "pprNotAllowed",
            CancelReason::MetadataMismatch => "metadataMismatch",
            CancelReason::LoadBppExecutionError => "loadBppExecutionError",
            CancelReason::Undefined => "undefinedReason",
        }
    }
}

/// A pending notification as RetrieveNotificationsList returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    /// The DER as the card gave it (a PIR `BF37` or an OtherSignedNotification `30`): this is
    /// what ES9+ HandleNotification carries, unchanged.
    pub raw: Vec<u8>,
    pub metadata: NotificationMetadata,
}

/// eUICCMemoryReset options (digest §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResetOptions {
    pub delete_operational_profiles: bool,
    pub delete_field_loaded_test_profiles: bool,
    pub reset_default_smdp_address: bool,
}

/// The response TLV of `function`, which must carry `tag`.
fn parse_answer(function: &'static str, data: &[u8], want: u32) -> Result<Tlv, Es10Error> {
    let t = Tlv::parse(data).map_err(|e| Es10Error::Malformed {
        function,
        detail: e.to_string(),
    })?;
    if t.tag() != tag(want) {
        return Err(Es10Error::Malformed {
            function,
            detail: format!("answer tag {} instead of {want:X}", t.tag()),
        });
    }
    Ok(t)
}

fn malformed(function: &'static str, detail: impl Into<String>) -> Es10Error {
    Es10Error::Malformed {
        function,
        detail: detail.into(),
    }
}

fn int_of(function: &'static str, t: Option<&Tlv>, what: &str) -> Result<i64, Es10Error> {
    let c = t
        .and_then(Tlv::content)
        .ok_or_else(|| malformed(function, format!("{what} missing")))?;
    der::decode_integer(c).map_err(|e| malformed(function, format!("{what}: {e}")))
}

/// The `80 result` answers of the management functions: ok or [`Es10Error::Rejected`].
fn expect_ok(function: &'static str, data: &[u8], want: u32) -> Result<(), Es10Error> {
    let t = parse_answer(function, data, want)?;
    let code = int_of(function, child(&t, 0x80), "result")?;
    if code != 0 {
        return Err(Es10Error::Rejected {
            function,
            code,
            name: result_name(function, code),
        });
    }
    Ok(())
}

/// A `CHOICE { A0 ok, A1/81 error }` answer: the ok alternative is the whole answer as received.
fn ok_or_error_alternative(
    function: &'static str,
    data: &[u8],
    want: u32,
) -> Result<Vec<u8>, Es10Error> {
    let t = parse_answer(function, data, want)?;
    match t.children().first().map(|c| c.tag().to_u32()) {
        Some(0xA0) => Ok(data.to_vec()),
        Some(0xA1) => {
            // AuthenticateServer/PrepareDownload error: A1 { 80 transactionId, 02 code }.
            let err = &t.children()[0];
            let code = int_of(function, child(err, 0x02), "error code")?;
            Err(Es10Error::Rejected {
                function,
                code,
                name: result_name(function, code),
            })
        }
        Some(0x81) => {
            let code = int_of(function, t.children().first(), "error code")?;
            Err(Es10Error::Rejected {
                function,
                code,
                name: result_name(function, code),
            })
        }
        _ => Err(malformed(
            function,
            "neither the ok nor the error alternative",
        )),
    }
}

impl<T: Transport> Card<T> {
    /// GetEUICCInfo1: the BF20 as received (it goes to the server unchanged).
    pub fn euicc_info1(&mut self) -> Result<Vec<u8>, Es10Error> {
        let data = self.es10("GetEUICCInfo1", &[0xBF, 0x20, 0x00])?;
        parse_answer("GetEUICCInfo1", &data, 0xBF20)?;
        Ok(data)
    }

    /// GetEUICCInfo2: the BF22 as received.
    pub fn euicc_info2(&mut self) -> Result<Vec<u8>, Es10Error> {
        let data = self.es10("GetEUICCInfo2", &[0xBF, 0x22, 0x00])?;
        parse_answer("GetEUICCInfo2", &data, 0xBF22)?;
        Ok(data)
    }

    /// GetEUICCChallenge: 16 bytes.
    pub fn euicc_challenge(&mut self) -> Result<[u8; 16], Es10Error> {
        const F: &str = "GetEUICCChallenge";
        let data = self.es10(F, &[0xBF, 0x2E, 0x00])?;
        let t = parse_answer(F, &data, 0xBF2E)?;
        child(&t, 0x80)
            .and_then(Tlv::content)
            .and_then(|c| <[u8; 16]>::try_from(c).ok())
            .ok_or_else(|| malformed(F, "euiccChallenge is not 16 bytes"))
    }

    /// GetEID: 32 digits.
    pub fn eid(&mut self) -> Result<Eid, Es10Error> {
        const F: &str = "GetEID";
        let data = self.es10(F, &hex_const("BF3E035C015A"))?;
        let t = parse_answer(F, &data, 0xBF3E)?;
        let bcd = child(&t, 0x5A)
            .and_then(Tlv::content)
            .ok_or_else(|| malformed(F, "EID missing"))?;
        Eid::from_bcd_unverified(bcd).map_err(|e| malformed(F, e.to_string()))
    }

    /// GetEuiccConfiguredAddresses.
    pub fn configured_addresses(&mut self) -> Result<ConfiguredAddresses, Es10Error> {
        const F: &str = "GetEuiccConfiguredAddresses";
        let data = self.es10(F, &[0xBF, 0x3C, 0x00])?;
        let t = parse_answer(F, &data, 0xBF3C)?;
        let text = |n| -> Result<Option<String>, Es10Error> {
            child(&t, n)
                .map(|c| {
                    der::decode_utf8(c.content().unwrap_or_default())
                        .map(str::to_owned)
                        .map_err(|e| malformed(F, e.to_string()))
                })
                .transpose()
        };
        Ok(ConfiguredAddresses {
            default_dp_address: text(0x80)?.filter(|a| !a.is_empty()),
            root_ds_address: text(0x81)?.filter(|a| !a.is_empty()),
        })
    }

    /// SetDefaultDpAddress (an empty address clears it).
    pub fn set_default_dp_address(&mut self, address: &str) -> Result<(), Es10Error> {
        const F: &str = "SetDefaultDpAddress";
        let req = cons(0xBF3F, vec![prim(0x80, address.as_bytes())]).encode_der();
        let data = self.es10(F, &req)?;
        expect_ok(F, &data, 0xBF3F)
    }

    /// AuthenticateServer: the BF38 answer as received (it goes to the server unchanged), or
    /// the eUICC's error code.
    pub fn authenticate_server(&mut self, request: &[u8]) -> Result<Vec<u8>, Es10Error> {
        let data = self.es10("AuthenticateServer", request)?;
        ok_or_error_alternative("AuthenticateServer", &data, 0xBF38)
    }

    /// PrepareDownload: the BF21 answer as received, or the eUICC's error code.
    pub fn prepare_download(&mut self, request: &[u8]) -> Result<Vec<u8>, Es10Error> {
        let data = self.es10("PrepareDownload", request)?;
        ok_or_error_alternative("PrepareDownload", &data, 0xBF21)
    }

    /// CancelSession: the signed BF41 answer as received.
    pub fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        reason: CancelReason,
    ) -> Result<Vec<u8>, Es10Error> {
        let req = cons(
            0xBF41,
            vec![
                prim(0x80, transaction_id.to_vec()),
                prim(0x81, der::encode_integer(reason.code())),
            ],
        )
        .encode_der();
        let data = self.es10("CancelSession", &req)?;
        ok_or_error_alternative("CancelSession", &data, 0xBF41)
    }

    /// ListNotification, optionally of one operation.
    pub fn list_notifications(
        &mut self,
        event: Option<NotificationEvent>,
    ) -> Result<Vec<NotificationMetadata>, Es10Error> {
        const F: &str = "ListNotification";
        let mut items = Vec::new();
        if let Some(e) = event {
            items.push(prim(0x81, e.to_bit_string().encode()));
        }
        let data = self.es10(F, &cons(0xBF28, items).encode_der())?;
        let t = parse_answer(F, &data, 0xBF28)?;
        let list = match t.children().first() {
            Some(l) if l.tag() == tag(0xA0) => l,
            Some(e) if e.tag() == tag(0x81) => {
                let code = int_of(F, Some(e), "error")?;
                return Err(Es10Error::Rejected {
                    function: F,
                    code,
                    name: result_name(F, code),
                });
            }
            _ => return Err(malformed(F, "no notificationMetadataList")),
        };
        list.children()
            .iter()
            .map(|m| NotificationMetadata::from_tlv(m).map_err(|e| malformed(F, e.to_string())))
            .collect()
    }

    /// RetrieveNotificationsList: all pending notifications, or the one with `seq_number`.
    pub fn retrieve_notifications(
        &mut self,
        seq_number: Option<i64>,
    ) -> Result<Vec<PendingNotification>, Es10Error> {
        const F: &str = "RetrieveNotificationsList";
        let mut items = Vec::new();
        if let Some(n) = seq_number {
            items.push(cons(0xA0, vec![prim(0x80, der::encode_integer(n))]));
        }
        let data = self.es10(F, &cons(0xBF2B, items).encode_der())?;
        let t = parse_answer(F, &data, 0xBF2B)?;
        let list = match t.children().first() {
            Some(l) if l.tag() == tag(0xA0) => l,
            Some(e) if e.tag() == tag(0x81) => {
                let code = int_of(F, Some(e), "error")?;
                return Err(Es10Error::Rejected {
                    function: F,
                    code,
                    name: result_name(F, code),
                });
            }
            _ => return Err(malformed(F, "no notificationList")),
        };
        list.children()
            .iter()
            .map(|n| {
                Ok(PendingNotification {
                    raw: n.encode(),
                    metadata: notification_metadata(n).map_err(|d| malformed(F, d))?,
                })
            })
            .collect()
    }

    /// RemoveNotificationFromList.
    pub fn remove_notification(&mut self, seq_number: i64) -> Result<(), Es10Error> {
        const F: &str = "RemoveNotificationFromList";
        let req = cons(0xBF30, vec![prim(0x80, der::encode_integer(seq_number))]).encode_der();
        let data = self.es10(F, &req)?;
        expect_ok(F, &data, 0xBF30)
    }

    /// GetProfilesInfo.
    pub fn profiles(&mut self, filter: &ProfileFilter) -> Result<Vec<ProfileInfo>, Es10Error> {
        const F: &str = "GetProfilesInfo";
        let items = match filter {
            ProfileFilter::All => vec![],
            ProfileFilter::Id(id) => vec![cons(0xA0, vec![id.to_tlv()])],
            ProfileFilter::Class(c) => vec![cons(0xA0, vec![prim(0x95, der::encode_integer(*c))])],
        };
        let data = self.es10(F, &cons(0xBF2D, items).encode_der())?;
        let t = parse_answer(F, &data, 0xBF2D)?;
        match t.children().first() {
            Some(l) if l.tag() == tag(0xA0) => l
                .children()
                .iter()
                .map(|p| ProfileInfo::read(p).map_err(|d| malformed(F, d)))
                .collect(),
            Some(e) if e.tag() == tag(0x81) => {
                let code = int_of(F, Some(e), "error")?;
                Err(Es10Error::Rejected {
                    function: F,
                    code,
                    name: result_name(F, code),
                })
            }
            _ => Err(malformed(F, "no profileInfoListOk")),
        }
    }

    /// EnableProfile.
    pub fn enable_profile(&mut self, id: &ProfileId, refresh: bool) -> Result<(), Es10Error> {
        const F: &str = "EnableProfile";
        let req = cons(
            0xBF31,
            vec![
                cons(0xA0, vec![id.to_tlv()]),
                prim(0x81, der::encode_boolean(refresh)),
            ],
        );
        let data = self.es10(F, &req.encode_der())?;
        expect_ok(F, &data, 0xBF31)
    }

    /// DisableProfile.
    pub fn disable_profile(&mut self, id: &ProfileId, refresh: bool) -> Result<(), Es10Error> {
        const F: &str = "DisableProfile";
        let req = cons(
            0xBF32,
            vec![
                cons(0xA0, vec![id.to_tlv()]),
                prim(0x81, der::encode_boolean(refresh)),
            ],
        );
        let data = self.es10(F, &req.encode_der())?;
        expect_ok(F, &data, 0xBF32)
    }

    /// DeleteProfile.
    pub fn delete_profile(&mut self, id: &ProfileId) -> Result<(), Es10Error> {
        const F: &str = "DeleteProfile";
        // DeleteProfileRequest is a CHOICE: BF33 carries the 4F/5A element itself.
        let req = cons(0xBF33, vec![id.to_tlv()]).encode_der();
        let data = self.es10(F, &req)?;
        expect_ok(F, &data, 0xBF33)
    }

    /// SetNickname (at most 64 bytes of UTF-8).
    pub fn set_nickname(&mut self, iccid: &Iccid, nickname: &str) -> Result<(), Es10Error> {
        const F: &str = "SetNickname";
        if nickname.len() > 64 {
            return Err(Es10Error::Argument {
                function: F,
                detail: format!("nickname is {} bytes, at most 64", nickname.len()),
            });
        }
        let req = cons(
            0xBF29,
            vec![
                prim(0x5A, iccid.to_bcd().to_vec()),
                prim(0x90, nickname.as_bytes()),
            ],
        );
        let data = self.es10(F, &req.encode_der())?;
        expect_ok(F, &data, 0xBF29)
    }

    /// eUICCMemoryReset.
    pub fn memory_reset(&mut self, options: ResetOptions) -> Result<(), Es10Error> {
        const F: &str = "eUICCMemoryReset";
        let mut bits = Vec::new();
        if options.delete_operational_profiles {
            bits.push(0);
        }
        if options.delete_field_loaded_test_profiles {
            bits.push(1);
        }
        if options.reset_default_smdp_address {
            bits.push(2);
        }
        let req = cons(
            0xBF34,
            vec![prim(0x82, BitString::from_bits(&bits).encode())],
        );
        let data = self.es10(F, &req.encode_der())?;
        expect_ok(F, &data, 0xBF34)
    }
}

/// The metadata inside a pending notification: `BF37 { BF27 { … BF2F … } }` or
/// `30 { BF2F … }`.
fn notification_metadata(n: &Tlv) -> Result<NotificationMetadata, String> {
    let holder = match n.tag().to_u32() {
        0xBF37 => n
            .children()
            .first()
            .filter(|c| c.tag() == tag(0xBF27))
            .ok_or("PIR without ProfileInstallationResultData")?,
        0x30 => n,
        other => return Err(format!("notification with tag {other:X}")),
    };
    let m = child(holder, 0xBF2F).ok_or("notification without NotificationMetadata")?;
    NotificationMetadata::from_tlv(m).map_err(|e| e.to_string())
}

/// The sequence number and notification address of a PIR (what the LPA needs after loading).
pub fn pir_metadata(pir: &[u8]) -> Result<NotificationMetadata, String> {
    let t = Tlv::parse(pir).map_err(|e| e.to_string())?;
    if t.tag() != tag(0xBF37) {
        return Err(format!("PIR tag {} instead of BF37", t.tag()));
    }
    notification_metadata(&t)
}

/// `(bppCommandId, errorReason)` of a PIR whose finalResult is an error, `None` for success.
pub fn pir_error(pir: &[u8]) -> Result<Option<(i64, i64)>, String> {
    let t = Tlv::parse(pir).map_err(|e| e.to_string())?;
    let data = t
        .children()
        .first()
        .filter(|c| c.tag() == tag(0xBF27))
        .ok_or("PIR without BF27")?;
    let result = child(data, 0xA2)
        .and_then(|f| f.children().first())
        .ok_or("PIR without finalResult")?;
    match result.tag().to_u32() {
        0xA0 => Ok(None),
        0xA1 => {
            let n = |k| {
                child(result, k)
                    .and_then(Tlv::content)
                    .ok_or(format!("errorResult without {k:X}"))
                    .and_then(|c| der::decode_integer(c).map_err(|e| e.to_string()))
            };
            Ok(Some((n(0x80)?, n(0x81)?)))
        }
        other => Err(format!("finalResult alternative {other:X}")),
    }
}

fn hex_const(s: &str) -> Vec<u8> {
    hex::decode(s).expect("constant hex")
}
