//! The ISD-R's ES10a/b/c functions (digest §3.2) and the RSP session (digest §4.1 steps 4, 8,
//! 10, 11). One request TLV in, one response TLV out; malformed requests get an ISO status word
//! (6A80 bad TLV or schema violation, 6A88 unknown function tag), semantic failures the
//! function's own result or error code.

use rsp_codec::apdu::sw;
use rsp_codec::der::{self, BitString};
use rsp_codec::named::validate;
use rsp_codec::schema::{self, TypeDef};
use rsp_codec::tlv::{Tag, Tlv};
use rsp_codec::views::{
    EuiccCancelSessionSigned, EuiccInfo1, EuiccInfo2, EuiccSigned2, FinalResult, NotificationEvent,
    NotificationMetadata, ProfileInstallationResultData, ServerSigned1, SmdpSigned2,
    StoreMetadataRequest, View,
};
use rsp_crypto::cert::{self, Role, RspCertificate, VerifyOptions};
use rsp_crypto::{signed, Curve, PrivateKey, PublicKey};
use rsp_profile::lint::{self, RuleId};
use rsp_profile::package::{PeKind, ProfileElement, ProfilePackage};
use rsp_profile::templates;

use crate::card::Euicc;
use crate::config::{Personality, Resolved};
use crate::loader::{
    pe_status, reason, BppLoader, InstallPolicy, LoadContext, LoadFailure, LoadStep, LoadedProfile,
    PeStatus,
};
use crate::store::{CardState, PendingNotification, ProfileClass, StoredOtKey, StoredProfile};
use crate::uicc::Uicc;

/// The ES10 answer: response data, or a status word only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es10Reply {
    Data(Vec<u8>),
    Sw(u16),
}

/// AuthenticateServer error codes (digest §3.2).
pub mod auth_error {
    pub const INVALID_CERTIFICATE: i64 = 1;
    pub const INVALID_SIGNATURE: i64 = 2;
    pub const UNSUPPORTED_CURVE: i64 = 3;
    pub const NO_SESSION_CONTEXT: i64 = 4;
    pub const INVALID_OID: i64 = 5;
    pub const EUICC_CHALLENGE_MISMATCH: i64 = 6;
    pub const CI_PK_UNKNOWN: i64 = 7;
    pub const UNDEFINED: i64 = 127;
}

/// PrepareDownload error codes.
pub mod download_error {
    pub const INVALID_CERTIFICATE: i64 = 1;
    pub const INVALID_SIGNATURE: i64 = 2;
    pub const UNSUPPORTED_CURVE: i64 = 3;
    pub const NO_SESSION_CONTEXT: i64 = 4;
    pub const INVALID_TRANSACTION_ID: i64 = 5;
    pub const UNDEFINED: i64 = 127;
}

/// What the eUICC remembers of a successful AuthenticateServer.
#[derive(Clone)]
pub(crate) struct AuthContext {
    pub transaction_id: Vec<u8>,
    pub server_address: String,
    /// SM-DP+ OID from CERT.DPauth (SAN registeredID).
    pub smdp_oid: String,
    /// Index into the credentials: the curve/CI the eUICC signs with.
    pub creds: usize,
    /// The CI that CERT.DPauth chains to (CERT.DPpb must chain to the same one).
    pub dpauth_ci: Vec<u8>,
    pub euicc_signature1: [u8; 64],
}

/// The RSP session of the ISD-R (one per card).
pub(crate) enum Session {
    None,
    Challenged {
        challenge: [u8; 16],
    },
    Authenticated(Box<AuthContext>),
    Prepared {
        auth: Box<AuthContext>,
        pk_dppb: PublicKey,
        ot_sk: PrivateKey,
    },
    Loading {
        auth: Box<AuthContext>,
        loader: Box<BppLoader>,
        isdp_aid: Vec<u8>,
    },
}

impl Session {
    fn auth(&self) -> Option<&AuthContext> {
        match self {
            Session::Authenticated(a) => Some(a),
            Session::Prepared { auth, .. } | Session::Loading { auth, .. } => Some(auth),
            _ => None,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Session::None => "none",
            Session::Challenged { .. } => "challenged",
            Session::Authenticated(_) => "authenticated",
            Session::Prepared { .. } => "prepared",
            Session::Loading { .. } => "loading",
        }
    }
}

fn t(tag: u32) -> Tag {
    Tag::of(tag)
}
fn prim(tag: u32, content: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(t(tag), content)
}
fn cons(tag: u32, children: Vec<Tlv>) -> Tlv {
    Tlv::constructed(t(tag), children)
}
fn int(tag: u32, v: i64) -> Tlv {
    prim(tag, der::encode_integer(v))
}
fn result(tag: u32, code: i64) -> Es10Reply {
    Es10Reply::Data(cons(tag, vec![int(0x80, code)]).encode_der())
}

/// The ISO status word for a request that does not match its schema.
fn check(ty: &'static TypeDef, req: &Tlv) -> Result<(), Es10Reply> {
    match validate(ty, req).into_iter().next() {
        Some(_) => Err(Es10Reply::Sw(sw::WRONG_DATA)),
        None => Ok(()),
    }
}

/// ICCID or AID from a ProfileIdentifier-like TLV (`4F` / `5A`).
enum ProfileRef {
    Aid(Vec<u8>),
    Iccid(Vec<u8>),
}

fn profile_ref(t: &Tlv) -> Option<ProfileRef> {
    let c = t.content()?.to_vec();
    match t.tag().to_u32() {
        0x4F => Some(ProfileRef::Aid(c)),
        0x5A => Some(ProfileRef::Iccid(c)),
        _ => None,
    }
}

/// Whether a template OID carries a version suffix (`2.23.143.1.2.4.2`).
fn is_versioned_template(oid: &str) -> bool {
    oid.strip_prefix("2.23.143.1.2.")
        .is_some_and(|rest| rest.contains('.'))
}

impl Euicc {
    /// Dispatches one ES10 request (the data of a complete STORE DATA sequence).
    pub(crate) fn es10(&mut self, data: &[u8]) -> Es10Reply {
        if let Session::Loading { .. } = self.session {
            let first = data.first().copied().unwrap_or(0);
            if matches!(first, 0xA0..=0xA3 | 0x86 | 0x87 | 0x88) {
                return self.load_bpp(data);
            }
        }
        if data.starts_with(&[0xBF, 0x36]) {
            return self.start_load(data);
        }
        let req = match Tlv::parse(data) {
            Ok(t) => t,
            Err(_) => return Es10Reply::Sw(sw::WRONG_DATA),
        };
        if !req.is_constructed() {
            return Es10Reply::Sw(sw::WRONG_DATA);
        }
        match req.tag().to_u32() {
            0xBF3C => self.get_configured_addresses(&req),
            0xBF3F => self.set_default_dp_address(&req),
            0xBF2E => self.get_euicc_challenge(&req),
            0xBF20 => self.get_euicc_info1(&req),
            0xBF22 => self.get_euicc_info2(&req),
            0xBF38 => self.authenticate_server(&req),
            0xBF21 => self.prepare_download(&req),
            0xBF41 => self.cancel_session(&req),
            0xBF28 => self.list_notification(&req),
            0xBF2B => self.retrieve_notifications(&req),
            0xBF30 => self.remove_notification(&req),
            0xBF35 => self.load_crl(&req),
            0xBF43 => self.get_rat(&req),
            0xBF2D => self.get_profiles_info(&req),
            0xBF31 => self.enable_profile(&req),
            0xBF32 => self.disable_profile(&req),
            0xBF33 => self.delete_profile(&req),
            0xBF34 => self.memory_reset(&req),
            0xBF3E => self.get_eid(&req),
            0xBF29 => self.set_nickname(&req),
            _ => Es10Reply::Sw(sw::REFERENCED_DATA_NOT_FOUND),
        }
    }

    // ------------------------------------------------------------ ES10a

    fn get_configured_addresses(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::EUICC_CONFIGURED_ADDRESSES_REQUEST, req) {
            return e;
        }
        let mut c = Vec::new();
        if let Some(a) = &self.state.default_dp_address {
            c.push(prim(0x80, a.as_bytes().to_vec()));
        }
        c.push(prim(0x81, self.config.root_ds_address.as_bytes().to_vec()));
        Es10Reply::Data(cons(0xBF3C, c).encode_der())
    }

    fn set_default_dp_address(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::SET_DEFAULT_DP_ADDRESS_REQUEST, req) {
            return e;
        }
        let addr = req
            .children()
            .first()
            .and_then(Tlv::content)
            .and_then(|c| der::decode_utf8(c).ok())
            .map(str::to_owned);
        let Some(addr) = addr else {
            return result(0xBF3F, 127);
        };
        // An empty address removes the default SM-DP+ (digest §3.2, unconfirmed).
        self.state.default_dp_address = (!addr.is_empty()).then_some(addr);
        self.save();
        result(0xBF3F, 0)
    }

    // ------------------------------------------------------------ ES10b: authentication

    fn get_euicc_challenge(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::GET_EUICC_CHALLENGE_REQUEST, req) {
            return e;
        }
        self.interrupt_session();
        let mut challenge = [0u8; 16];
        self.rng.fill(&mut challenge);
        self.session = Session::Challenged { challenge };
        Es10Reply::Data(cons(0xBF2E, vec![prim(0x80, challenge.to_vec())]).encode_der())
    }

    fn ci_lists(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let r = &self.resolved;
        let verification: Vec<Vec<u8>> = self
            .credentials
            .trusted_cis
            .iter()
            .map(|c| c.key_id().to_vec())
            .filter(|k| {
                r.ci_pkids_for_verification.is_empty() || r.ci_pkids_for_verification.contains(k)
            })
            .collect();
        let signing: Vec<Vec<u8>> = self
            .credentials
            .curves
            .iter()
            .map(|c| c.ci.key_id().to_vec())
            .filter(|k| r.ci_pkids_for_signing.is_empty() || r.ci_pkids_for_signing.contains(k))
            .collect();
        (verification, signing)
    }

    fn get_euicc_info1(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::GET_EUICC_INFO1_REQUEST, req) {
            return e;
        }
        Es10Reply::Data(self.euicc_info1().encode())
    }

    fn euicc_info1(&self) -> EuiccInfo1 {
        let (v, s) = self.ci_lists();
        EuiccInfo1 {
            svn: self.resolved.svn,
            ci_pkids_for_verification: v,
            ci_pkids_for_signing: s,
            extensions: Vec::new(),
        }
    }

    fn get_euicc_info2(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::GET_EUICC_INFO2_REQUEST, req) {
            return e;
        }
        Es10Reply::Data(self.euicc_info2().encode())
    }

    /// Free storage for profiles, in bytes.
    pub fn free_memory(&self) -> u64 {
        self.config
            .memory_bytes
            .saturating_sub(self.state.used_bytes())
    }

    /// What GetEUICCInfo2 answers now.
    pub fn euicc_info2(&self) -> EuiccInfo2 {
        let r: &Resolved = &self.resolved;
        let (v, s) = self.ci_lists();
        // TS 102 226 extended card resources: 81 installed applications, 82 free NVM, 83 free
        // RAM (sub-tags unconfirmed, digest §3.3).
        let free = u32::try_from(self.free_memory()).unwrap_or(u32::MAX);
        let mut ext = vec![
            0x81,
            0x01,
            self.state.profiles.len().min(255) as u8,
            0x82,
            0x04,
        ];
        ext.extend_from_slice(&free.to_be_bytes());
        ext.extend_from_slice(&[0x83, 0x02, 0x10, 0x00]);
        EuiccInfo2 {
            profile_version: r.profile_version,
            svn: r.svn,
            euicc_firmware_version: r.firmware_version,
            ext_card_resource: ext,
            uicc_capability: r.uicc_capability.clone(),
            ts102241_version: r.ts102241_version,
            globalplatform_version: r.globalplatform_version,
            rsp_capability: r.rsp_capability.clone(),
            ci_pkids_for_verification: v,
            ci_pkids_for_signing: s,
            euicc_category: self.config.euicc_category,
            forbidden_profile_policy_rules: None,
            pp_version: r.pp_version,
            sas_accreditation_number: self.config.sas_accreditation_number.clone(),
            certification_data_object: None,
            tre_properties: None,
            tre_product_reference: None,
            additional_profile_package_versions: None,
            extensions: Vec::new(),
        }
    }

    /// Verifies a server certificate (DPauth/DPpb) against the CIs offered for verification.
    fn verify_server_cert(
        &self,
        der: &[u8],
        role: Role,
        expected_oid: Option<&str>,
    ) -> Result<(RspCertificate, rsp_crypto::cert::VerifiedChain), cert::CertError> {
        let leaf = RspCertificate::from_der(der).map_err(|error| cert::CertError::Malformed {
            cert: cert::CertRef {
                position: cert::Position::Leaf,
                role,
                subject: "<unparsed>".into(),
            },
            error,
        })?;
        let (verification, _) = self.ci_lists();
        let anchors: Vec<RspCertificate> = self
            .credentials
            .trusted_cis
            .iter()
            .filter(|c| verification.iter().any(|k| k == c.key_id()))
            .cloned()
            .collect();
        // Cards have no reliable clock: unless configured, validity is evaluated at the leaf's
        // own notBefore so that only the structure, roles and signatures count.
        let at = if self.config.check_certificate_expiry {
            self.now
        } else {
            leaf.not_before()
        };
        let options = VerifyOptions {
            expected_server_oid: expected_oid.map(str::to_owned),
            ..VerifyOptions::default()
        };
        let chain = cert::verify_chain_with(&leaf, &[], &anchors, role, at, &options)?;
        Ok((leaf, chain))
    }

    fn authenticate_server(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::AUTHENTICATE_SERVER_REQUEST, req) {
            return e;
        }
        let c = req.children();
        let (Some(ss1_tlv), Some(sig1), Some(pkid), Some(cert_tlv), Some(ctx)) =
            (c.first(), c.get(1), c.get(2), c.get(3), c.get(4))
        else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let Ok(ss1) = ServerSigned1::read(ss1_tlv) else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let error = |code: i64| {
            Es10Reply::Data(
                cons(
                    0xBF38,
                    vec![cons(
                        0xA1,
                        vec![prim(0x80, ss1.transaction_id.clone()), int(0x02, code)],
                    )],
                )
                .encode_der(),
            )
        };
        let Session::Challenged { challenge } = self.session else {
            return error(auth_error::NO_SESSION_CONTEXT);
        };
        // From here on any failure ends the session (a new GetEUICCChallenge is needed).
        self.session = Session::None;
        // CERT.DPauth for a download, CERT.DSauth for SM-DS discovery (ES11 uses the same
        // AuthenticateServer); the role is read from the certificate's policy.
        let role = match RspCertificate::from_der(&cert_tlv.encode()) {
            Ok(c) if c.has_role(Role::DsAuth) => Role::DsAuth,
            _ => Role::DpAuth,
        };
        let (dpauth, chain) = match self.verify_server_cert(&cert_tlv.encode(), role, None) {
            Ok(v) => v,
            Err(e) => return error(e.authenticate_server_error()),
        };
        let Some(pk) = dpauth.public_key() else {
            return error(auth_error::INVALID_CERTIFICATE);
        };
        if signed::verify_server_signature1(
            pk,
            &ss1_tlv.encode(),
            sig1.content().unwrap_or_default(),
        )
        .is_err()
        {
            return error(auth_error::INVALID_SIGNATURE);
        }
        if ss1.euicc_challenge != challenge {
            return error(auth_error::EUICC_CHALLENGE_MISMATCH);
        }
        let to_use = pkid.content().unwrap_or_default();
        let (_, signing) = self.ci_lists();
        let Some(creds) = signing
            .iter()
            .any(|k| k == to_use)
            .then(|| {
                self.credentials
                    .curves
                    .iter()
                    .position(|c| c.ci.key_id() == to_use)
            })
            .flatten()
        else {
            return error(auth_error::CI_PK_UNKNOWN);
        };
        let Some(smdp_oid) = chain.server_oid().map(str::to_owned) else {
            return error(auth_error::INVALID_OID);
        };
        let euicc_signed1 = cons(
            0x30,
            vec![
                prim(0x80, ss1.transaction_id.clone()),
                prim(0x83, ss1.server_address.as_bytes().to_vec()),
                prim(0x84, ss1.server_challenge.to_vec()),
                self.euicc_info2().to_tlv(),
                // ctxParams1 exactly as received.
                ctx.clone(),
            ],
        );
        let signed_bytes = euicc_signed1.encode();
        let cc = &self.credentials.curves[creds];
        let sig = signed::sign_euicc_signature1(&cc.sk_euicc, &signed_bytes);
        let ok = cons(
            0xA0,
            vec![
                Tlv::parse(&signed_bytes).unwrap_or(euicc_signed1),
                prim(0x5F37, sig.to_vec()),
                Tlv::parse(cc.euicc_cert.der()).unwrap_or_else(|_| prim(0x30, Vec::new())),
                Tlv::parse(cc.eum_cert.der()).unwrap_or_else(|_| prim(0x30, Vec::new())),
            ],
        );
        self.session = Session::Authenticated(Box::new(AuthContext {
            transaction_id: ss1.transaction_id.clone(),
            server_address: ss1.server_address.clone(),
            smdp_oid,
            creds,
            dpauth_ci: chain.ci_pkid().to_vec(),
            euicc_signature1: sig,
        }));
        Es10Reply::Data(cons(0xBF38, vec![ok]).encode_der())
    }

    fn prepare_download(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::PREPARE_DOWNLOAD_REQUEST, req) {
            return e;
        }
        let c = req.children();
        let sd2_tlv = c.iter().find(|x| x.tag() == t(0x30));
        let sig2 = c.iter().find(|x| x.tag() == t(0x5F37));
        let hash_cc = c.iter().find(|x| x.tag() == t(0x04));
        let cert_tlv = c.iter().rev().find(|x| x.tag() == t(0x30));
        let (Some(sd2_tlv), Some(sig2), Some(cert_tlv)) = (sd2_tlv, sig2, cert_tlv) else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let Ok(sd2) = SmdpSigned2::read(sd2_tlv) else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let error = |code: i64| {
            Es10Reply::Data(
                cons(
                    0xBF21,
                    vec![cons(
                        0xA1,
                        vec![prim(0x80, sd2.transaction_id.clone()), int(0x02, code)],
                    )],
                )
                .encode_der(),
            )
        };
        let auth = match &self.session {
            Session::Authenticated(a) => a.as_ref().clone(),
            Session::Prepared { auth, .. } => auth.as_ref().clone(),
            _ => return error(download_error::NO_SESSION_CONTEXT),
        };
        // CERT.DPpb must belong to the SM-DP+ of CERT.DPauth (same OID).
        let (dppb, chain) =
            match self.verify_server_cert(&cert_tlv.encode(), Role::DpPb, Some(&auth.smdp_oid)) {
                Ok(v) => v,
                Err(e) => {
                    self.session = Session::None;
                    return error(e.prepare_download_error());
                }
            };
        // Decision: CERT.DPpb must come from the CI of the session's CERT.DPauth (one SM-DP+,
        // one CI per session); another CI is an invalid certificate for this session.
        if chain.ci_pkid() != auth.dpauth_ci.as_slice() {
            self.session = Session::None;
            return error(download_error::INVALID_CERTIFICATE);
        }
        let Some(pk_dppb) = dppb.public_key().cloned() else {
            self.session = Session::None;
            return error(download_error::INVALID_CERTIFICATE);
        };
        if signed::verify_smdp_signature2(
            &pk_dppb,
            &sd2_tlv.encode(),
            &auth.euicc_signature1,
            sig2.content().unwrap_or_default(),
        )
        .is_err()
        {
            self.session = Session::None;
            return error(download_error::INVALID_SIGNATURE);
        }
        if sd2.transaction_id != auth.transaction_id {
            return error(download_error::INVALID_TRANSACTION_ID);
        }
        let hash = hash_cc.and_then(Tlv::content).map(<[u8]>::to_vec);
        if sd2.cc_required && hash.is_none() {
            // ccRequiredFlag without hashCc: the LPA did not ask for the confirmation code.
            self.session = Session::None;
            return error(download_error::UNDEFINED);
        }
        let curve = pk_dppb.curve();
        let ot_sk = match self.reusable_ot_key(curve, sd2.bpp_euicc_otpk.as_deref()) {
            Some(k) => k,
            None => {
                let k = PrivateKey::generate(curve, self.rng.as_mut());
                self.state.ot_key = Some(StoredOtKey {
                    curve: curve.file_tag().to_owned(),
                    secret: k.to_bytes().to_vec(),
                    public: k.public_key().to_uncompressed(),
                });
                self.save();
                k
            }
        };
        let signed2 = EuiccSigned2 {
            transaction_id: auth.transaction_id.clone(),
            euicc_otpk: ot_sk.public_key().to_uncompressed(),
            hash_cc: hash.as_deref().and_then(|h| h.try_into().ok()),
            extensions: Vec::new(),
        }
        .to_tlv();
        let signed2_bytes = signed2.encode_der();
        let cc = &self.credentials.curves[auth.creds];
        let sig = signed::sign_euicc_signature2(
            &cc.sk_euicc,
            &signed2_bytes,
            sig2.content().unwrap_or_default(),
        );
        self.session = Session::Prepared {
            auth: Box::new(auth),
            pk_dppb,
            ot_sk,
        };
        Es10Reply::Data(
            cons(
                0xBF21,
                vec![cons(0xA0, vec![signed2, prim(0x5F37, sig.to_vec())])],
            )
            .encode_der(),
        )
    }

    /// The stored one-time key if `bpp_euicc_otpk` names it (a retry of a bound BPP).
    fn reusable_ot_key(&self, curve: Curve, bpp_euicc_otpk: Option<&[u8]>) -> Option<PrivateKey> {
        let wanted = bpp_euicc_otpk?;
        let stored = self.state.ot_key.as_ref()?;
        if stored.public != wanted || stored.curve != curve.file_tag() {
            return None;
        }
        PrivateKey::from_bytes(curve, &stored.secret).ok()
    }

    fn cancel_session(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::CANCEL_SESSION_REQUEST, req) {
            return e;
        }
        let c = req.children();
        let tx = c
            .first()
            .and_then(Tlv::content)
            .unwrap_or_default()
            .to_vec();
        let reason_code = c
            .get(1)
            .and_then(Tlv::content)
            .and_then(|v| der::decode_integer(v).ok())
            .unwrap_or(127);
        let Some(auth) = self.session.auth().cloned() else {
            return Es10Reply::Data(cons(0xBF41, vec![int(0x81, 5)]).encode_der());
        };
        if auth.transaction_id != tx {
            return Es10Reply::Data(cons(0xBF41, vec![int(0x81, 5)]).encode_der());
        }
        let signed = EuiccCancelSessionSigned {
            transaction_id: tx,
            smdp_oid: auth.smdp_oid.clone(),
            reason: reason_code,
            extensions: Vec::new(),
        }
        .to_tlv();
        let bytes = signed.encode_der();
        let sig = signed::sign_euicc_cancel_session(
            &self.credentials.curves[auth.creds].sk_euicc,
            &bytes,
        );
        // The cancelled load leaves nothing behind (no ISD-P, no PIR).
        self.session = Session::None;
        Es10Reply::Data(
            cons(
                0xBF41,
                vec![cons(0xA0, vec![signed, prim(0x5F37, sig.to_vec())])],
            )
            .encode_der(),
        )
    }

    // ------------------------------------------------------------ ES10b: loading

    fn start_load(&mut self, data: &[u8]) -> Es10Reply {
        let session = std::mem::replace(&mut self.session, Session::None);
        let Session::Prepared {
            auth,
            pk_dppb,
            ot_sk,
        } = session
        else {
            self.session = session;
            // No PrepareDownload: nothing to bind the BPP to.
            return Es10Reply::Sw(sw::CONDITIONS_NOT_SATISFIED);
        };
        let loader = BppLoader::new(LoadContext {
            transaction_id: auth.transaction_id.clone(),
            pk_dppb,
            euicc_ot_sk: ot_sk,
            eid: *self.credentials.eid.as_bytes(),
            max_segment_size: self.config.max_segment_size,
            blind_mac_segment: self.resolved.personality.blind_mac_segment(),
        });
        self.session = Session::Loading {
            auth,
            loader: Box::new(loader),
            isdp_aid: Vec::new(),
        };
        self.load_bpp(data)
    }

    fn load_bpp(&mut self, data: &[u8]) -> Es10Reply {
        let session = std::mem::replace(&mut self.session, Session::None);
        let Session::Loading {
            auth,
            mut loader,
            mut isdp_aid,
        } = session
        else {
            self.session = session;
            return Es10Reply::Sw(sw::CONDITIONS_NOT_SATISFIED);
        };
        let mut policy = CardPolicy {
            state: &self.state,
            resolved: &self.resolved,
            max_profiles: self.config.max_profiles,
            free: self.free_memory(),
            isdp_aid: &mut isdp_aid,
        };
        match loader.feed(data, &mut policy) {
            Ok(LoadStep::NeedMore) => {
                self.session = Session::Loading {
                    auth,
                    loader,
                    isdp_aid,
                };
                Es10Reply::Data(Vec::new())
            }
            Ok(LoadStep::Complete(profile)) => {
                let iccid = profile.metadata.iccid.to_vec();
                match self.install(&auth, &isdp_aid, *profile) {
                    Ok(()) => {
                        self.state.ot_key = None;
                        let pir = self.build_pir(
                            &auth,
                            Some(iccid),
                            FinalResult::Success {
                                aid: isdp_aid,
                                sima_response: PeStatus {
                                    status: pe_status::OK,
                                    identification: None,
                                    additional_information: None,
                                    offset: None,
                                }
                                .euicc_response(false),
                            },
                        );
                        self.save();
                        Es10Reply::Data(pir)
                    }
                    Err(f) => Es10Reply::Data(self.fail_load(&auth, Some(iccid), f)),
                }
            }
            Err(f) => {
                let iccid = loader.metadata().map(|m| m.iccid.to_vec());
                Es10Reply::Data(self.fail_load(&auth, iccid, f))
            }
        }
    }

    fn fail_load(&mut self, auth: &AuthContext, iccid: Option<Vec<u8>>, f: LoadFailure) -> Vec<u8> {
        let sima = f.pe_status.as_ref().map(|s| s.euicc_response(true));
        let pir = self.build_pir(
            auth,
            iccid,
            FinalResult::Error {
                bpp_command_id: f.bpp_command_id,
                error_reason: f.error_reason,
                sima_response: sima,
            },
        );
        self.save();
        pir
    }

    /// Builds, signs and queues a PIR; returns its bytes (BF37).
    fn build_pir(
        &mut self,
        auth: &AuthContext,
        iccid: Option<Vec<u8>>,
        final_result: FinalResult,
    ) -> Vec<u8> {
        let seq = self.next_seq();
        let data = ProfileInstallationResultData {
            transaction_id: auth.transaction_id.clone(),
            notification_metadata: NotificationMetadata {
                seq_number: seq,
                profile_management_operation: NotificationEvent::Install.to_bit_string(),
                notification_address: auth.server_address.clone(),
                iccid: iccid.as_deref().and_then(|i| i.try_into().ok()),
                extensions: Vec::new(),
            },
            smdp_oid: auth.smdp_oid.clone(),
            final_result,
            extensions: Vec::new(),
        }
        .to_tlv();
        let bytes = data.encode_der();
        let creds = auth
            .creds
            .min(self.credentials.curves.len().saturating_sub(1));
        let sig = signed::sign_euicc_sign_pir(&self.credentials.curves[creds].sk_euicc, &bytes);
        let pir = cons(0xBF37, vec![data, prim(0x5F37, sig.to_vec())]).encode_der();
        self.state.notifications.push(PendingNotification {
            seq_number: seq,
            event: NotificationEvent::Install.bit(),
            address: auth.server_address.clone(),
            iccid,
            signed: pir.clone(),
        });
        pir
    }

    fn next_seq(&mut self) -> i64 {
        let s = self.state.next_seq_number;
        self.state.next_seq_number = s.saturating_add(1);
        s
    }

    /// A reset or a new session during a load: the ISD-P is not kept and a PIR with
    /// installFailedDueToInterruption is queued for the SM-DP+ (decision: the PIR is queued
    /// as soon as BF23 has been accepted, since the SM-DP+ is then known to be waiting).
    pub(crate) fn interrupt_session(&mut self) {
        let session = std::mem::replace(&mut self.session, Session::None);
        if let Session::Loading { auth, loader, .. } = session {
            let iccid = loader.metadata().map(|m| m.iccid.to_vec());
            let cmd = loader.current_command();
            self.build_pir(
                &auth,
                iccid,
                FinalResult::Error {
                    bpp_command_id: cmd,
                    error_reason: reason::INTERRUPTION,
                    sima_response: None,
                },
            );
            self.save();
        }
    }

    /// Whole-package checks, expansion, storage.
    fn install(
        &mut self,
        auth: &AuthContext,
        isdp_aid: &[u8],
        p: LoadedProfile,
    ) -> Result<(), LoadFailure> {
        let package = ProfilePackage::from_pes(p.pes.clone());
        // The header ICCID must match StoreMetadata (either coding, digest §7.2).
        if let Some(h) = package.header().and_then(|h| h.iccid) {
            let swapped: Vec<u8> = h.iter().map(|b| b.rotate_left(4)).collect();
            if h != p.metadata.iccid && swapped != p.metadata.iccid {
                return Err(LoadFailure::new(
                    rsp_crypto::bpp::command_id::LOAD_PROFILE_ELEMENTS,
                    reason::DATA_MISMATCH,
                    format!(
                        "header ICCID {} does not match StoreMetadata ICCID {}",
                        hex::encode_upper(&h),
                        hex::encode_upper(p.metadata.iccid)
                    ),
                ));
            }
        }
        personality_checks(self.config.personality, &package)?;
        let fs = rsp_profile::expand::expand(&package).map_err(|e| {
            let id = pe_of_label(&e.to_string())
                .and_then(|i| package.get(i))
                .and_then(ProfileElement::identification);
            LoadFailure::pe(pe_status::BAD_VALUES, id, e.to_string())
        })?;
        let content: u64 = fs.nodes.iter().map(|n| n.content.len() as u64).sum();
        let size = (p.package.len() as u64).max(content);
        if size > self.free_memory() {
            return Err(LoadFailure::new(
                rsp_crypto::bpp::command_id::LOAD_PROFILE_ELEMENTS,
                reason::INSUFFICIENT_MEMORY,
                format!("profile needs {size} bytes, {} free", self.free_memory()),
            ));
        }
        let class = ProfileClass::from_code(p.metadata.effective_profile_class())
            .unwrap_or(ProfileClass::Operational);
        let dp_proprietary = p
            .configure_isdp
            .children()
            .iter()
            .find(|c| c.tag() == t(0xB8))
            .map(Tlv::encode_der);
        self.state.profiles.push(StoredProfile {
            iccid: p.metadata.iccid.to_vec(),
            isdp_aid: isdp_aid.to_vec(),
            enabled: false,
            nickname: None,
            class,
            ppr: p
                .metadata
                .profile_policy_rules
                .as_ref()
                .map(BitString::encode)
                .unwrap_or_default(),
            metadata: p.metadata_tlv.encode_der(),
            smdp_oid: auth.smdp_oid.clone(),
            package: p.package,
            size,
            uicc: None,
            dp_proprietary_data: dp_proprietary,
            ci_pkid: self
                .credentials
                .curves
                .get(auth.creds)
                .map(|c| c.ci.key_id().to_vec())
                .unwrap_or_default(),
        });
        self.state.next_isdp_index = self.state.next_isdp_index.saturating_add(1);
        Ok(())
    }

    // ------------------------------------------------------------ notifications

    fn list_notification(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::LIST_NOTIFICATION_REQUEST, req) {
            return e;
        }
        let filter = req
            .children()
            .first()
            .and_then(Tlv::content)
            .and_then(|c| der::decode_bit_string(c).ok())
            .and_then(|b| NotificationEvent::from_bit_string(&b));
        let items = self
            .state
            .notifications
            .iter()
            .filter(|n| filter.is_none_or(|f| f.bit() == n.event))
            .map(|n| metadata_of(n).to_tlv())
            .collect();
        Es10Reply::Data(cons(0xBF28, vec![cons(0xA0, items)]).encode_der())
    }

    fn retrieve_notifications(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::RETRIEVE_NOTIFICATIONS_LIST_REQUEST, req) {
            return e;
        }
        let criterion = req.children().first().and_then(|a| a.children().first());
        let items = self
            .state
            .notifications
            .iter()
            .filter(|n| match criterion {
                None => true,
                Some(c) if c.tag() == t(0x80) => c
                    .content()
                    .and_then(|v| der::decode_integer(v).ok())
                    .is_some_and(|s| s == n.seq_number),
                Some(c) => c
                    .content()
                    .and_then(|v| der::decode_bit_string(v).ok())
                    .and_then(|b| NotificationEvent::from_bit_string(&b))
                    .is_some_and(|e| e.bit() == n.event),
            })
            .filter_map(|n| Tlv::parse(&n.signed).ok())
            .collect();
        Es10Reply::Data(cons(0xBF2B, vec![cons(0xA0, items)]).encode_der())
    }

    fn remove_notification(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::NOTIFICATION_SENT_REQUEST, req) {
            return e;
        }
        let seq = req
            .children()
            .first()
            .and_then(Tlv::content)
            .and_then(|v| der::decode_integer(v).ok());
        let before = self.state.notifications.len();
        self.state
            .notifications
            .retain(|n| Some(n.seq_number) != seq);
        if self.state.notifications.len() == before {
            return result(0xBF30, 1);
        }
        self.save();
        result(0xBF30, 0)
    }

    /// Queues an OtherSignedNotification for `event` on `profile` if its
    /// notificationConfigurationInfo asks for one.
    fn notify(&mut self, profile: &StoredProfile, event: NotificationEvent) {
        let Some(address) = notification_address(profile, event) else {
            return;
        };
        let seq = self.next_seq();
        let meta = NotificationMetadata {
            seq_number: seq,
            profile_management_operation: event.to_bit_string(),
            notification_address: address.clone(),
            iccid: profile.iccid.as_slice().try_into().ok(),
            extensions: Vec::new(),
        }
        .to_tlv();
        let bytes = meta.encode_der();
        let creds = self
            .credentials
            .for_ci(&profile.ci_pkid)
            .or(self.credentials.curves.first());
        let Some(creds) = creds else { return };
        let sig = signed::sign_other_signed_notification(&creds.sk_euicc, &bytes);
        let signed = cons(
            0x30,
            vec![
                meta,
                prim(0x5F37, sig.to_vec()),
                Tlv::parse(creds.euicc_cert.der()).unwrap_or_else(|_| prim(0x30, Vec::new())),
                Tlv::parse(creds.eum_cert.der()).unwrap_or_else(|_| prim(0x30, Vec::new())),
            ],
        )
        .encode_der();
        self.state.notifications.push(PendingNotification {
            seq_number: seq,
            event: event.bit(),
            address,
            iccid: Some(profile.iccid.clone()),
            signed,
        });
    }

    // ------------------------------------------------------------ CRL, RAT

    fn load_crl(&mut self, req: &Tlv) -> Es10Reply {
        let error = |code: i64| Es10Reply::Data(cons(0xBF35, vec![int(0x81, code)]).encode_der());
        if check(&schema::LOAD_CRL_REQUEST, req).is_err() {
            return error(2);
        }
        let Some(crl) = req.children().first() else {
            return error(2);
        };
        let parts = crl.children();
        let (Some(tbs), Some(sig)) = (parts.first(), parts.get(2)) else {
            return error(2);
        };
        let tbs_items = tbs.children();
        let skip = usize::from(tbs_items.first().is_some_and(|x| x.tag() == t(0x02)));
        let Some(issuer) = tbs_items.get(skip + 1) else {
            return error(2);
        };
        let issuer_der = issuer.encode();
        let Some(ci) = self
            .credentials
            .trusted_cis
            .iter()
            .find(|c| c.subject().der() == issuer_der.as_slice())
        else {
            return error(4);
        };
        let Some(pk) = ci.public_key() else {
            return error(4);
        };
        let sig_der = match sig.content() {
            Some([0, rest @ ..]) => rest,
            _ => return error(2),
        };
        if pk.verify_der(&tbs.encode(), sig_der).is_err() {
            return error(1);
        }
        let number = crl_number(tbs);
        if let (Some(n), Some(loaded)) = (number, self.state.crl_number) {
            if n <= loaded {
                return error(5);
            }
        }
        if number.is_some() {
            self.state.crl_number = number;
            self.save();
        }
        Es10Reply::Data(cons(0xBF35, vec![cons(0xA0, Vec::new())]).encode_der())
    }

    fn get_rat(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::GET_RAT_REQUEST, req) {
            return e;
        }
        // One rule: PPR1 and PPR2 allowed for every operator (wildcard MCC/MNC), with end-user
        // consent.
        let rule = cons(
            0x30,
            vec![
                prim(0x80, BitString::from_bits(&[1, 2]).encode()),
                cons(
                    0xA1,
                    vec![cons(0x30, vec![prim(0x80, vec![0xEE, 0xEE, 0xEE])])],
                ),
                prim(0x82, BitString::from_bits(&[0]).encode()),
            ],
        );
        Es10Reply::Data(cons(0xBF43, vec![cons(0xA0, vec![rule])]).encode_der())
    }

    // ------------------------------------------------------------ ES10c

    fn find(&self, r: &ProfileRef) -> Option<usize> {
        self.state.profiles.iter().position(|p| match r {
            ProfileRef::Aid(a) => &p.isdp_aid == a,
            ProfileRef::Iccid(i) => &p.iccid == i,
        })
    }

    fn get_profiles_info(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::PROFILE_INFO_LIST_REQUEST, req) {
            return match e {
                Es10Reply::Sw(_) => Es10Reply::Data(cons(0xBF2D, vec![int(0x81, 1)]).encode_der()),
                other => other,
            };
        }
        let criterion = req
            .children()
            .iter()
            .find(|c| c.tag() == t(0xA0))
            .and_then(|a| a.children().first());
        let tag_list = req
            .children()
            .iter()
            .find(|c| c.tag() == t(0x5C))
            .and_then(Tlv::content)
            .map(parse_tag_list);
        let items = self
            .state
            .profiles
            .iter()
            .filter(|p| match criterion {
                None => true,
                Some(c) => match (c.tag().to_u32(), c.content()) {
                    (0x4F, Some(v)) => p.isdp_aid == v,
                    (0x5A, Some(v)) => p.iccid == v,
                    (0x95, Some(v)) => der::decode_integer(v).is_ok_and(|k| k == p.class.code()),
                    _ => false,
                },
            })
            .map(|p| profile_info(p, tag_list.as_deref()))
            .collect();
        Es10Reply::Data(cons(0xBF2D, vec![cons(0xA0, items)]).encode_der())
    }

    fn enable_profile(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::ENABLE_PROFILE_REQUEST, req) {
            return e;
        }
        let Some(r) = req
            .children()
            .first()
            .and_then(|a| a.children().first())
            .and_then(profile_ref)
        else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let Some(i) = self.find(&r) else {
            return result(0xBF31, 1);
        };
        if self.state.profiles[i].enabled {
            return result(0xBF31, 2);
        }
        if let Some(cur) = self.state.profiles.iter().position(|p| p.enabled) {
            if ppr_bit(&self.state.profiles[cur], 1) {
                return result(0xBF31, 3);
            }
            self.save();
            self.state.profiles[cur].enabled = false;
            let p = self.state.profiles[cur].clone();
            self.notify(&p, NotificationEvent::Disable);
        }
        self.state.profiles[i].enabled = true;
        let p = self.state.profiles[i].clone();
        self.notify(&p, NotificationEvent::Enable);
        self.refresh_uicc();
        self.save();
        result(0xBF31, 0)
    }

    fn disable_profile(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::DISABLE_PROFILE_REQUEST, req) {
            return e;
        }
        let Some(r) = req
            .children()
            .first()
            .and_then(|a| a.children().first())
            .and_then(profile_ref)
        else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let Some(i) = self.find(&r) else {
            return result(0xBF32, 1);
        };
        if !self.state.profiles[i].enabled {
            return result(0xBF32, 2);
        }
        if ppr_bit(&self.state.profiles[i], 1) {
            return result(0xBF32, 3);
        }
        self.save();
        self.state.profiles[i].enabled = false;
        let p = self.state.profiles[i].clone();
        self.notify(&p, NotificationEvent::Disable);
        self.refresh_uicc();
        self.save();
        result(0xBF32, 0)
    }

    fn delete_profile(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::DELETE_PROFILE_REQUEST, req) {
            return e;
        }
        let Some(r) = req.children().first().and_then(profile_ref) else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let Some(i) = self.find(&r) else {
            return result(0xBF33, 1);
        };
        if self.state.profiles[i].enabled {
            return result(0xBF33, 2);
        }
        if ppr_bit(&self.state.profiles[i], 2) {
            return result(0xBF33, 3);
        }
        let p = self.state.profiles.remove(i);
        self.notify(&p, NotificationEvent::Delete);
        self.save();
        result(0xBF33, 0)
    }

    fn memory_reset(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::EUICC_MEMORY_RESET_REQUEST, req) {
            return e;
        }
        let Some(opts) = req
            .children()
            .first()
            .and_then(Tlv::content)
            .and_then(|c| der::decode_bit_string(c).ok())
        else {
            return Es10Reply::Sw(sw::WRONG_DATA);
        };
        let before = self.state.profiles.len();
        let mut changed = false;
        // Memory reset ignores PPRs and sends no notifications (SGP.22 §3.3.3; decision noted
        // in the crate documentation).
        self.state.profiles.retain(|p| {
            !((opts.bit(0) && p.class == ProfileClass::Operational)
                || (opts.bit(1) && p.class == ProfileClass::Test))
        });
        changed |= self.state.profiles.len() != before;
        if opts.bit(2) && self.state.default_dp_address.is_some() {
            self.state.default_dp_address = None;
            changed = true;
        }
        if !changed {
            return result(0xBF34, 1);
        }
        self.refresh_uicc();
        self.save();
        result(0xBF34, 0)
    }

    fn get_eid(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::GET_EUICC_DATA_REQUEST, req) {
            return e;
        }
        let wants_eid = req.children().first().and_then(Tlv::content) == Some(&[0x5A][..]);
        let items = if wants_eid {
            vec![prim(0x5A, self.credentials.eid.as_bytes().to_vec())]
        } else {
            Vec::new()
        };
        Es10Reply::Data(cons(0xBF3E, items).encode_der())
    }

    fn set_nickname(&mut self, req: &Tlv) -> Es10Reply {
        if let Err(e) = check(&schema::SET_NICKNAME_REQUEST, req) {
            return e;
        }
        let c = req.children();
        let iccid = c
            .first()
            .and_then(Tlv::content)
            .unwrap_or_default()
            .to_vec();
        let nick = c
            .get(1)
            .and_then(Tlv::content)
            .and_then(|v| der::decode_utf8(v).ok())
            .unwrap_or_default()
            .to_owned();
        let Some(i) = self.find(&ProfileRef::Iccid(iccid)) else {
            return result(0xBF29, 1);
        };
        self.state.profiles[i].nickname = (!nick.is_empty()).then_some(nick);
        self.save();
        result(0xBF29, 0)
    }

    /// Rebuilds the UICC side after the enabled profile changed: selections reset to MF of the
    /// new profile (as after a REFRESH).
    fn refresh_uicc(&mut self) {
        self.uicc = self.build_uicc();
        let app = if self.uicc.is_some() {
            crate::card::App::Uicc
        } else {
            crate::card::App::None
        };
        for c in self.channels.iter_mut().flatten() {
            if c.app == crate::card::App::Uicc || c.app == crate::card::App::None {
                c.app = app;
            }
        }
    }

    /// The UICC view of the enabled profile (with its saved runtime state), if any.
    pub(crate) fn build_uicc(&mut self) -> Option<Uicc> {
        let p = self.state.enabled()?;
        let fs = match &self.expanded {
            Some((package, fs)) if *package == p.package => fs.clone(),
            _ => {
                let package = ProfilePackage::parse(&p.package).ok()?;
                let fs = std::sync::Arc::new(rsp_profile::expand::expand(&package).ok()?);
                self.expanded = Some((p.package.clone(), fs.clone()));
                fs
            }
        };
        let p = self.state.enabled()?;
        // Saved state that no longer fits the profile is dropped rather than blocking the card.
        Uicc::new(&fs, p.uicc.as_ref())
            .or_else(|_| Uicc::new(&fs, None))
            .ok()
    }
}

/// ISD-P AID for index `n` (`A0000005591010FFFFFFFF8900 nnnn 00`, digest §3.1 example).
pub fn isdp_aid(n: u32) -> Vec<u8> {
    let mut aid = crate::card::ISDR_AID.to_vec();
    let n = (n & 0xFFFF) as u16;
    aid[13..15].copy_from_slice(&n.to_be_bytes());
    aid[15] = 0;
    aid
}

/// `pe[3] usim(id 4)` → 3.
fn pe_of_label(text: &str) -> Option<usize> {
    let start = text.find("pe[")? + 3;
    let end = start + text[start..].find(']')?;
    text[start..end].parse().ok()
}

fn ppr_bit(p: &StoredProfile, bit: usize) -> bool {
    der::decode_bit_string(&p.ppr).is_ok_and(|b| b.bit(bit))
}

fn metadata_of(n: &PendingNotification) -> NotificationMetadata {
    let event = match n.event {
        0 => NotificationEvent::Install,
        1 => NotificationEvent::Enable,
        2 => NotificationEvent::Disable,
        _ => NotificationEvent::Delete,
    };
    NotificationMetadata {
        seq_number: n.seq_number,
        profile_management_operation: event.to_bit_string(),
        notification_address: n.address.clone(),
        iccid: n.iccid.as_deref().and_then(|i| i.try_into().ok()),
        extensions: Vec::new(),
    }
}

/// The address the profile's notificationConfigurationInfo gives for `event`.
fn notification_address(p: &StoredProfile, event: NotificationEvent) -> Option<String> {
    let meta = Tlv::parse(&p.metadata).ok()?;
    let list = meta.children().iter().find(|c| c.tag() == t(0xB6))?;
    list.children().iter().find_map(|item| {
        let ops = item
            .children()
            .iter()
            .find(|c| c.tag() == t(0x80))
            .and_then(Tlv::content)
            .and_then(|c| der::decode_bit_string(c).ok())?;
        if !ops.bit(event.bit()) {
            return None;
        }
        item.children()
            .iter()
            .find(|c| c.tag() == t(0x81))
            .and_then(Tlv::content)
            .and_then(|c| der::decode_utf8(c).ok())
            .map(str::to_owned)
    })
}

/// `5C` content → tags.
fn parse_tag_list(bytes: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let mut tag = u32::from(bytes[i]);
        let multi = bytes[i] & 0x1F == 0x1F;
        i += 1;
        if multi {
            while i < bytes.len() && out.len() < 64 {
                let b = bytes[i];
                tag = (tag << 8) | u32::from(b);
                i += 1;
                if b & 0x80 == 0 || tag > 0xFF_FFFF {
                    break;
                }
            }
        }
        out.push(tag);
        if out.len() >= 64 {
            break;
        }
    }
    out
}

/// ProfileInfo (E3) of a stored profile, limited to `tags` when given.
fn profile_info(p: &StoredProfile, tags: Option<&[u32]>) -> Tlv {
    let meta = Tlv::parse(&p.metadata).ok();
    let from_meta = |tag: u32| {
        meta.as_ref().and_then(|m| {
            m.children()
                .iter()
                .find(|c| c.tag().to_u32() == tag)
                .cloned()
        })
    };
    let mut items: Vec<Tlv> = vec![
        prim(0x5A, p.iccid.clone()),
        prim(0x4F, p.isdp_aid.clone()),
        int(0x9F70, i64::from(p.enabled)),
    ];
    if let Some(n) = &p.nickname {
        items.push(prim(0x90, n.as_bytes().to_vec()));
    }
    items.extend([0x91, 0x92, 0x93, 0x94].into_iter().filter_map(from_meta));
    items.push(int(0x95, p.class.code()));
    items.extend([0xB6, 0xB7].into_iter().filter_map(from_meta));
    if let Some(d) = p
        .dp_proprietary_data
        .as_deref()
        .and_then(|d| Tlv::parse(d).ok())
    {
        items.push(d);
    }
    items.extend(from_meta(0x99));
    if let Some(tags) = tags {
        items.retain(|i| tags.contains(&i.tag().to_u32()));
    }
    cons(0xE3, items)
}

/// The lowest CRL number in a tbsCertList's extensions (`2.5.29.20`).
fn crl_number(tbs: &Tlv) -> Option<u64> {
    let exts = tbs.children().iter().find(|c| c.tag() == t(0xA0))?;
    for ext in exts.children().first()?.children() {
        let c = ext.children();
        let oid = c
            .first()
            .and_then(Tlv::content)
            .and_then(|o| der::decode_oid(o).ok())?;
        if oid == "2.5.29.20" {
            let inner = Tlv::parse(c.last()?.content()?).ok()?;
            let v = der::decode_integer(inner.content()?).ok()?;
            return u64::try_from(v).ok();
        }
    }
    None
}

/// The personality's whole-package rejections, reported as the card would (PEStatus naming
/// the PE).
fn personality_checks(
    personality: Personality,
    package: &ProfilePackage,
) -> Result<(), LoadFailure> {
    let rejected: &[(RuleId, i64)] = match personality {
        Personality::LegacyV20 => &[
            (RuleId::EfFileSizeOneOctet, pe_status::BAD_VALUES),
            (RuleId::SdV22Fields, pe_status::INVALID_PARAMETER),
        ],
        Personality::NoTemplateV2 => {
            &[(RuleId::VersionedTemplate, pe_status::TEMPLATE_NOT_SUPPORTED)]
        }
        Personality::ExplicitDefaultsRequired => {
            &[(RuleId::OmittedDefault, pe_status::INVALID_PARAMETER)]
        }
        _ => &[],
    };
    if rejected.is_empty() {
        return Ok(());
    }
    for f in lint::lint(package) {
        if let Some((_, status)) = rejected.iter().find(|(r, _)| *r == f.rule) {
            return Err(LoadFailure::pe(
                *status,
                f.identification,
                format!("{} ({personality}): {}", f.rule, f.message),
            ));
        }
    }
    Ok(())
}

/// The checks the card makes on each piece as it arrives.
struct CardPolicy<'a> {
    state: &'a CardState,
    resolved: &'a Resolved,
    max_profiles: usize,
    free: u64,
    isdp_aid: &'a mut Vec<u8>,
}

impl InstallPolicy for CardPolicy<'_> {
    fn configure_isdp(&mut self, _request: &Tlv) -> Result<(), LoadFailure> {
        if self.state.profiles.len() >= self.max_profiles || self.free == 0 {
            return Err(LoadFailure::new(
                rsp_crypto::bpp::command_id::CONFIGURE_ISDP,
                reason::INSUFFICIENT_MEMORY,
                format!(
                    "{} profiles installed, the card holds {}",
                    self.state.profiles.len(),
                    self.max_profiles
                ),
            ));
        }
        let mut n = self.state.next_isdp_index;
        while self
            .state
            .profiles
            .iter()
            .any(|p| p.isdp_aid == isdp_aid(n))
        {
            n = n.wrapping_add(1);
        }
        *self.isdp_aid = isdp_aid(n);
        Ok(())
    }

    fn store_metadata(&mut self, m: &StoreMetadataRequest) -> Result<(), LoadFailure> {
        let cmd = rsp_crypto::bpp::command_id::STORE_METADATA;
        if self.state.profiles.iter().any(|p| p.iccid == m.iccid) {
            return Err(LoadFailure::new(
                cmd,
                reason::ICCID_ALREADY_EXISTS,
                format!("ICCID {} already installed", hex::encode_upper(m.iccid)),
            ));
        }
        let class = m.effective_profile_class();
        if class == 0 && !self.resolved.rsp_capability.bit(3) {
            return Err(LoadFailure::new(
                cmd,
                reason::UNSUPPORTED_PROFILE_CLASS,
                "test profiles not supported",
            ));
        }
        if ProfileClass::from_code(class).is_none() {
            return Err(LoadFailure::new(
                cmd,
                reason::UNSUPPORTED_PROFILE_CLASS,
                format!("profile class {class}"),
            ));
        }
        if let Some(ppr) = &m.profile_policy_rules {
            // PPRs only on operational profiles; PPR1 only if no installed profile has it.
            let any = ppr.set_bits().iter().any(|b| *b == 1 || *b == 2);
            if any && class != 2 {
                return Err(LoadFailure::new(
                    cmd,
                    reason::PPR_NOT_ALLOWED,
                    "PPR on a non-operational profile",
                ));
            }
            if ppr.bit(1) && self.state.profiles.iter().any(|p| ppr_bit(p, 1)) {
                return Err(LoadFailure::new(
                    cmd,
                    reason::PPR_NOT_ALLOWED,
                    "another profile already has PPR1",
                ));
            }
        }
        Ok(())
    }

    fn profile_element(&mut self, index: usize, pe: &ProfileElement) -> Result<(), LoadFailure> {
        let id = pe.identification();
        match pe.kind() {
            PeKind::Known("header") => {
                let Some(h) = pe.header() else {
                    return Err(LoadFailure::pe(
                        pe_status::BAD_VALUES,
                        id,
                        "unreadable header",
                    ));
                };
                let major = h.major_version.unwrap_or(0);
                if major > i64::from(self.resolved.profile_version[0]) {
                    return Err(LoadFailure::pe(
                        pe_status::UNSUPPORTED_PROFILE_VERSION,
                        id,
                        format!(
                            "profile version {major}.x, this card supports {}.x",
                            self.resolved.profile_version[0]
                        ),
                    ));
                }
                for s in &h.mandatory_services {
                    let supported = rsp_profile::package::service_capability_bit(s)
                        .is_some_and(|b| self.resolved.uicc_capability.bit(b));
                    if !supported {
                        return Err(LoadFailure::pe(
                            pe_status::FEATURE_NOT_SUPPORTED,
                            id,
                            format!("mandatory service {s} not supported"),
                        ));
                    }
                }
                for oid in &h.gfste_list {
                    if templates::lookup(oid).is_none()
                        && templates::recognised_without_data(oid).is_none()
                    {
                        return Err(LoadFailure::pe(
                            pe_status::TEMPLATE_NOT_SUPPORTED,
                            id,
                            format!("mandatory template {oid} unknown"),
                        ));
                    }
                    if self.resolved.personality == Personality::NoTemplateV2
                        && is_versioned_template(oid)
                    {
                        return Err(LoadFailure::pe(
                            pe_status::TEMPLATE_NOT_SUPPORTED,
                            id,
                            format!("template {oid} (no-template-v2)"),
                        ));
                    }
                }
                Ok(())
            }
            PeKind::Unknown(_) if pe.mandated() => Err(LoadFailure::pe(
                pe_status::PE_NOT_SUPPORTED,
                id,
                format!("{}: unknown mandated ProfileElement", pe.label(index)),
            )),
            _ => {
                if let Some(oid) = pe.template_id() {
                    if templates::lookup(&oid).is_none()
                        && templates::recognised_without_data(&oid).is_none()
                    {
                        return Err(LoadFailure::pe(
                            pe_status::TEMPLATE_NOT_SUPPORTED,
                            id,
                            format!("{}: template {oid}", pe.label(index)),
                        ));
                    }
                    if self.resolved.personality == Personality::NoTemplateV2
                        && is_versioned_template(&oid)
                    {
                        return Err(LoadFailure::pe(
                            pe_status::TEMPLATE_NOT_SUPPORTED,
                            id,
                            format!("{}: template {oid} (no-template-v2)", pe.label(index)),
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_reuses_the_expansion_of_the_same_package() {
        use crate::testkit::{self, Lpa, TestDp};
        let set = rsp_crypto::pkiset::PkiSet::load(testkit::generated_pki(7)).unwrap();
        let mut card = Euicc::new(
            crate::EuiccConfig::default(),
            crate::Credentials::from_set(&set).unwrap(),
            Box::new(rsp_crypto::SeededRandom::new(1)),
        )
        .unwrap();
        let profile = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/profiles/minimal-milenage.der"
        ))
        .unwrap();
        let mut dp = TestDp::new(set.curve(rsp_crypto::Curve::NistP256).unwrap());
        let pir = testkit::download(&mut card, &mut dp, &profile, 2);
        assert!(testkit::pir_error(&pir).is_none());
        let iccid = TestDp::metadata(&profile, 2).iccid;
        let mut enable = vec![0xBF, 0x31, 0x11, 0xA0, 0x0C, 0x5A, 0x0A];
        enable.extend_from_slice(&iccid);
        enable.extend_from_slice(&[0x81, 0x01, 0xFF]);
        Lpa::open(&mut card).call(&enable);
        card.power_on();
        let first = card.expanded.as_ref().map(|(_, fs)| fs.clone()).unwrap();
        let read_imsi = |card: &mut Euicc| {
            card.process(&hex::decode("00A4000C023F00").unwrap());
            card.process(&hex::decode("00A4040C07A0000000871002").unwrap());
            card.process(&hex::decode("00A4000C026F07").unwrap());
            card.process(&hex::decode("00B0000009").unwrap())
        };
        let before = read_imsi(&mut card);
        card.power_on();
        let second = card.expanded.as_ref().map(|(_, fs)| fs.clone()).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &second), "expanded once");
        assert_eq!(
            read_imsi(&mut card),
            before,
            "the same UICC after the reset"
        );
        assert!(
            before.ends_with(&[0x90, 0x00]),
            "{}",
            hex::encode_upper(&before)
        );
    }

    #[test]
    fn isdp_aids_follow_the_isdr_family() {
        assert_eq!(
            hex::encode_upper(isdp_aid(0x10)),
            "A0000005591010FFFFFFFF8900001000"
        );
    }

    #[test]
    fn pe_labels_give_indexes() {
        assert_eq!(pe_of_label("pe[3] usim(id 4): EF.IMSI: bad"), Some(3));
        assert_eq!(pe_of_label("no label"), None);
    }

    #[test]
    fn tag_lists_parse_one_and_two_byte_tags() {
        assert_eq!(
            parse_tag_list(&[0x5A, 0x9F, 0x70, 0x90]),
            vec![0x5A, 0x9F70, 0x90]
        );
        assert_eq!(parse_tag_list(&[0x9F]), vec![0x9F]);
    }

    #[test]
    fn versioned_templates_are_recognised() {
        assert!(is_versioned_template("2.23.143.1.2.4.2"));
        assert!(!is_versioned_template("2.23.143.1.2.4"));
    }

    #[test]
    fn saip_services_map_to_the_configured_capability_names() {
        use crate::config::UICC_CAPABILITY_BITS;
        use rsp_profile::package::service_capability_bit;
        assert_eq!(
            UICC_CAPABILITY_BITS[service_capability_bit("usim").unwrap()],
            "usimSupport"
        );
        assert_eq!(
            UICC_CAPABILITY_BITS[service_capability_bit("milenage").unwrap()],
            "akaMilenage"
        );
        assert_eq!(
            UICC_CAPABILITY_BITS[service_capability_bit("profile-b-p256").unwrap()],
            "profile-b-p256"
        );
        assert_eq!(service_capability_bit("warp-drive"), None);
    }
}
