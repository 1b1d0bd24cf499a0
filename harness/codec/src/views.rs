//! Typed Rust views of the messages the role crates build and read.
//!
//! A view is convertible to and from the TLV tree without losing anything: children the view
//! does not model are kept in `extensions` and written back after the known fields (SGP.22 types
//! are extensible and extension additions come last). Field tags are taken from the schema by
//! field name, so the schema stays the one place that knows them.
//!
//! Views re-encode as DER. Signatures must be checked over the bytes as received; use
//! [`crate::Message`] / [`Tlv::encode`] of the parsed subtree for that, not a view.

use crate::der::{self, BitString, ContentError};
use crate::named::{validate, SchemaError};
use crate::schema::{self, Field, TypeDef};
use crate::tlv::{Tag, Tlv, TlvError};

/// Why a tree does not make a view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Tlv(#[from] TlvError),
    #[error("{0}")]
    Schema(SchemaError),
    #[error("{ty}.{field}: {source}")]
    Content {
        ty: &'static str,
        field: &'static str,
        #[source]
        source: ContentError,
    },
    #[error("{ty}.{field}: expected {expected} bytes, got {got}")]
    Length {
        ty: &'static str,
        field: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{ty}: unsupported alternative {tag}")]
    Alternative { ty: &'static str, tag: Tag },
}

/// A typed view of one schema type.
pub trait View: Sized {
    /// The schema type this view reads and writes.
    const SCHEMA: &'static TypeDef;

    /// Reads a tree that is valid against [`View::SCHEMA`] (call [`View::from_tlv`] for the
    /// checked version).
    fn read(tlv: &Tlv) -> Result<Self, ViewError>;

    /// Builds the tree (DER).
    fn to_tlv(&self) -> Tlv;

    /// Validates against the schema, then reads.
    fn from_tlv(tlv: &Tlv) -> Result<Self, ViewError> {
        if let Some(e) = validate(Self::SCHEMA, tlv).into_iter().next() {
            return Err(ViewError::Schema(e));
        }
        Self::read(tlv)
    }

    fn decode(bytes: &[u8]) -> Result<Self, ViewError> {
        Self::from_tlv(&Tlv::parse(bytes)?)
    }

    fn encode(&self) -> Vec<u8> {
        self.to_tlv().encode_der()
    }
}

// ---------------------------------------------------------------- reader / writer

/// Reads the children of a SEQUENCE by field name.
struct Reader<'t> {
    ty: &'static TypeDef,
    children: &'t [Tlv],
}

impl<'t> Reader<'t> {
    fn new(ty: &'static TypeDef, tlv: &'t Tlv) -> Reader<'t> {
        Reader {
            ty,
            children: tlv.children(),
        }
    }

    fn field(&self, name: &'static str) -> &'static Field {
        self.ty
            .field(name)
            .unwrap_or_else(|| panic!("view bug: {} has no field {name}", self.ty.name))
    }

    fn tlv(&self, name: &'static str) -> Option<&'t Tlv> {
        let f = self.field(name);
        self.children.iter().find(|c| f.matches(c.tag()))
    }

    /// Mandatory field: validation has already guaranteed presence.
    fn req(&self, name: &'static str) -> Result<&'t Tlv, ViewError> {
        self.tlv(name).ok_or(ViewError::Schema(SchemaError {
            path: format!("{}.{name}", self.ty.name),
            offset: None,
            kind: crate::named::SchemaErrorKind::MissingField { name },
        }))
    }

    fn content_err(&self, field: &'static str) -> impl Fn(ContentError) -> ViewError {
        let ty = self.ty.name;
        move |source| ViewError::Content { ty, field, source }
    }

    fn bytes(&self, name: &'static str) -> Result<Vec<u8>, ViewError> {
        Ok(self.req(name)?.content().unwrap_or_default().to_vec())
    }
    fn opt_bytes(&self, name: &'static str) -> Option<Vec<u8>> {
        self.tlv(name)
            .map(|t| t.content().unwrap_or_default().to_vec())
    }
    fn array<const N: usize>(&self, name: &'static str) -> Result<[u8; N], ViewError> {
        let b = self.bytes(name)?;
        self.fixed(name, &b)
    }
    fn opt_array<const N: usize>(&self, name: &'static str) -> Result<Option<[u8; N]>, ViewError> {
        self.opt_bytes(name)
            .map(|b| self.fixed(name, &b))
            .transpose()
    }
    fn fixed<const N: usize>(&self, name: &'static str, b: &[u8]) -> Result<[u8; N], ViewError> {
        b.try_into().map_err(|_| ViewError::Length {
            ty: self.ty.name,
            field: name,
            expected: N,
            got: b.len(),
        })
    }
    fn text(&self, name: &'static str) -> Result<String, ViewError> {
        let b = self.req(name)?.content().unwrap_or_default();
        Ok(der::decode_utf8(b)
            .map_err(self.content_err(name))?
            .to_owned())
    }
    fn opt_text(&self, name: &'static str) -> Result<Option<String>, ViewError> {
        self.tlv(name)
            .map(|t| {
                der::decode_utf8(t.content().unwrap_or_default())
                    .map(str::to_owned)
                    .map_err(self.content_err(name))
            })
            .transpose()
    }
    fn int(&self, name: &'static str) -> Result<i64, ViewError> {
        der::decode_integer(self.req(name)?.content().unwrap_or_default())
            .map_err(self.content_err(name))
    }
    fn opt_int(&self, name: &'static str) -> Result<Option<i64>, ViewError> {
        self.tlv(name)
            .map(|t| der::decode_integer(t.content().unwrap_or_default()))
            .transpose()
            .map_err(self.content_err(name))
    }
    fn boolean(&self, name: &'static str) -> Result<bool, ViewError> {
        der::decode_boolean(self.req(name)?.content().unwrap_or_default())
            .map_err(self.content_err(name))
    }
    fn oid(&self, name: &'static str) -> Result<String, ViewError> {
        der::decode_oid(self.req(name)?.content().unwrap_or_default())
            .map_err(self.content_err(name))
    }
    fn bits(&self, name: &'static str) -> Result<BitString, ViewError> {
        der::decode_bit_string(self.req(name)?.content().unwrap_or_default())
            .map_err(self.content_err(name))
    }
    fn opt_bits(&self, name: &'static str) -> Result<Option<BitString>, ViewError> {
        self.tlv(name)
            .map(|t| der::decode_bit_string(t.content().unwrap_or_default()))
            .transpose()
            .map_err(self.content_err(name))
    }
    /// Items of a SEQUENCE OF of primitive values.
    fn list_bytes(&self, name: &'static str) -> Result<Vec<Vec<u8>>, ViewError> {
        Ok(self
            .req(name)?
            .children()
            .iter()
            .map(|c| c.content().unwrap_or_default().to_vec())
            .collect())
    }
    /// Children no field of the type describes.
    fn extensions(&self) -> Vec<Tlv> {
        self.children
            .iter()
            .filter(|c| !self.ty.fields().iter().any(|f| f.matches(c.tag())))
            .cloned()
            .collect()
    }
}

/// Builds a SEQUENCE by field name, in schema order as called.
struct Writer {
    ty: &'static TypeDef,
    children: Vec<Tlv>,
}

impl Writer {
    fn new(ty: &'static TypeDef) -> Writer {
        Writer {
            ty,
            children: Vec::new(),
        }
    }
    fn tag(&self, name: &'static str) -> Tag {
        self.ty
            .field(name)
            .and_then(Field::wire_tag)
            .unwrap_or_else(|| panic!("view bug: {}.{name} has no single tag", self.ty.name))
    }
    fn bytes(mut self, name: &'static str, v: &[u8]) -> Self {
        let t = self.tag(name);
        self.children.push(Tlv::primitive(t, v.to_vec()));
        self
    }
    fn opt_bytes(self, name: &'static str, v: Option<&[u8]>) -> Self {
        match v {
            Some(v) => self.bytes(name, v),
            None => self,
        }
    }
    fn text(self, name: &'static str, v: &str) -> Self {
        self.bytes(name, v.as_bytes())
    }
    fn opt_text(self, name: &'static str, v: Option<&str>) -> Self {
        self.opt_bytes(name, v.map(str::as_bytes))
    }
    fn int(self, name: &'static str, v: i64) -> Self {
        self.bytes(name, &der::encode_integer(v))
    }
    fn opt_int(self, name: &'static str, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.int(name, v),
            None => self,
        }
    }
    fn boolean(self, name: &'static str, v: bool) -> Self {
        self.bytes(name, &der::encode_boolean(v))
    }
    fn bits(self, name: &'static str, v: &BitString) -> Self {
        self.bytes(name, &v.encode())
    }
    fn opt_bits(self, name: &'static str, v: Option<&BitString>) -> Self {
        match v {
            Some(v) => self.bits(name, v),
            None => self,
        }
    }
    fn oid(self, name: &'static str, v: &str) -> Self {
        // An OID that does not encode is written empty (and then fails validation loudly).
        let content = der::encode_oid(v).unwrap_or_default();
        self.bytes(name, &content)
    }
    fn tlv(mut self, v: Tlv) -> Self {
        self.children.push(v);
        self
    }
    fn opt_tlv(self, v: Option<&Tlv>) -> Self {
        match v {
            Some(v) => self.tlv(v.clone()),
            None => self,
        }
    }
    fn list_bytes(self, name: &'static str, items: &[Vec<u8>]) -> Self {
        let field = self.ty.field(name).expect("view bug: unknown list field");
        let item_tag = match field.ty.kind {
            schema::Kind::SequenceOf { item, .. } => item.wire_tag().expect("item tag"),
            _ => panic!("view bug: {name} is not a SEQUENCE OF"),
        };
        let t = self.tag(name);
        let children = items
            .iter()
            .map(|i| Tlv::primitive(item_tag, i.clone()))
            .collect();
        self.tlv(Tlv::constructed(t, children))
    }
    fn extensions(mut self, ext: &[Tlv]) -> Self {
        self.children.extend(ext.iter().cloned());
        self
    }
    fn finish(self) -> Tlv {
        Tlv::constructed(self.ty.tag.expect("view types are tagged"), self.children)
    }
}

/// Re-tags a view's tree for a field that carries its own (implicit) tag.
fn retag(mut t: Tlv, tag: Tag) -> Tlv {
    t.set_tag(tag);
    t
}

// ---------------------------------------------------------------- the views

/// `ServerSigned1`: signed by the SM-DP+ in InitiateAuthentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSigned1 {
    pub transaction_id: Vec<u8>,
    pub euicc_challenge: [u8; 16],
    pub server_address: String,
    pub server_challenge: [u8; 16],
    pub extensions: Vec<Tlv>,
}

impl View for ServerSigned1 {
    const SCHEMA: &'static TypeDef = &schema::SERVER_SIGNED1;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(ServerSigned1 {
            transaction_id: r.bytes("transactionId")?,
            euicc_challenge: r.array("euiccChallenge")?,
            server_address: r.text("serverAddress")?,
            server_challenge: r.array("serverChallenge")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .bytes("euiccChallenge", &self.euicc_challenge)
            .text("serverAddress", &self.server_address)
            .bytes("serverChallenge", &self.server_challenge)
            .extensions(&self.extensions)
            .finish()
    }
}

/// `DeviceInfo`. Device capabilities are kept as their tree (many optional releases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub tac: [u8; 4],
    /// As on the wire (tag `A1`).
    pub device_capabilities: Tlv,
    pub imei: Option<[u8; 8]>,
    pub extensions: Vec<Tlv>,
}

impl View for DeviceInfo {
    const SCHEMA: &'static TypeDef = &schema::DEVICE_INFO;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(DeviceInfo {
            tac: r.array("tac")?,
            device_capabilities: r.req("deviceCapabilities")?.clone(),
            imei: r.opt_array("imei")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        let w = Writer::new(Self::SCHEMA).bytes("tac", &self.tac);
        let caps = retag(
            self.device_capabilities.clone(),
            w.tag("deviceCapabilities"),
        );
        w.tlv(caps)
            .opt_bytes("imei", self.imei.as_ref().map(|i| &i[..]))
            .extensions(&self.extensions)
            .finish()
    }
}

/// `CtxParams1` (its one alternative, ctxParamsForCommonAuthentication). `Debug` masks the
/// matching ID.
#[derive(Clone, PartialEq, Eq)]
pub struct CtxParams1 {
    /// Activation-code token, SM-DS event ID, or absent (default SM-DP+). A secret.
    pub matching_id: Option<String>,
    pub device_info: DeviceInfo,
    pub extensions: Vec<Tlv>,
}

impl std::fmt::Debug for CtxParams1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked = self
            .matching_id
            .as_ref()
            .map(|m| format!("<redacted, {} chars>", m.chars().count()));
        f.debug_struct("CtxParams1")
            .field("matching_id", &masked)
            .field("device_info", &self.device_info)
            .field("extensions", &self.extensions)
            .finish()
    }
}

impl View for CtxParams1 {
    const SCHEMA: &'static TypeDef = &schema::CTX_PARAMS1;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        if tlv.tag() != Tag::of(0xA0) {
            return Err(ViewError::Alternative {
                ty: "CtxParams1",
                tag: tlv.tag(),
            });
        }
        let r = Reader::new(&schema::CTX_PARAMS_FOR_COMMON_AUTHENTICATION, tlv);
        let di = retag(r.req("deviceInfo")?.clone(), Tag::of(0x30));
        Ok(CtxParams1 {
            matching_id: r.opt_text("matchingId")?,
            device_info: DeviceInfo::read(&di)?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        let w = Writer::new(&schema::CTX_PARAMS_FOR_COMMON_AUTHENTICATION)
            .opt_text("matchingId", self.matching_id.as_deref());
        let di = retag(self.device_info.to_tlv(), w.tag("deviceInfo"));
        retag(
            w.tlv(di).extensions(&self.extensions).finish(),
            Tag::of(0xA0),
        )
    }
}

/// `EUICCInfo1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccInfo1 {
    pub svn: [u8; 3],
    pub ci_pkids_for_verification: Vec<Vec<u8>>,
    pub ci_pkids_for_signing: Vec<Vec<u8>>,
    pub extensions: Vec<Tlv>,
}

impl View for EuiccInfo1 {
    const SCHEMA: &'static TypeDef = &schema::EUICC_INFO1;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(EuiccInfo1 {
            svn: r.array("svn")?,
            ci_pkids_for_verification: r.list_bytes("euiccCiPKIdListForVerification")?,
            ci_pkids_for_signing: r.list_bytes("euiccCiPKIdListForSigning")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("svn", &self.svn)
            .list_bytes(
                "euiccCiPKIdListForVerification",
                &self.ci_pkids_for_verification,
            )
            .list_bytes("euiccCiPKIdListForSigning", &self.ci_pkids_for_signing)
            .extensions(&self.extensions)
            .finish()
    }
}

/// `EUICCInfo2`. The v2.5 optional tail (certification data, TRE, additional versions) is kept
/// as trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccInfo2 {
    pub profile_version: [u8; 3],
    pub svn: [u8; 3],
    pub euicc_firmware_version: [u8; 3],
    pub ext_card_resource: Vec<u8>,
    pub uicc_capability: BitString,
    pub ts102241_version: Option<[u8; 3]>,
    pub globalplatform_version: Option<[u8; 3]>,
    pub rsp_capability: BitString,
    pub ci_pkids_for_verification: Vec<Vec<u8>>,
    pub ci_pkids_for_signing: Vec<Vec<u8>>,
    pub euicc_category: Option<i64>,
    pub forbidden_profile_policy_rules: Option<BitString>,
    pub pp_version: [u8; 3],
    pub sas_accreditation_number: String,
    pub certification_data_object: Option<Tlv>,
    pub tre_properties: Option<BitString>,
    pub tre_product_reference: Option<String>,
    pub additional_profile_package_versions: Option<Tlv>,
    pub extensions: Vec<Tlv>,
}

impl View for EuiccInfo2 {
    const SCHEMA: &'static TypeDef = &schema::EUICC_INFO2;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(EuiccInfo2 {
            profile_version: r.array("profileVersion")?,
            svn: r.array("svn")?,
            euicc_firmware_version: r.array("euiccFirmwareVer")?,
            ext_card_resource: r.bytes("extCardResource")?,
            uicc_capability: r.bits("uiccCapability")?,
            ts102241_version: r.opt_array("ts102241Version")?,
            globalplatform_version: r.opt_array("globalplatformVersion")?,
            rsp_capability: r.bits("rspCapability")?,
            ci_pkids_for_verification: r.list_bytes("euiccCiPKIdListForVerification")?,
            ci_pkids_for_signing: r.list_bytes("euiccCiPKIdListForSigning")?,
            euicc_category: r.opt_int("euiccCategory")?,
            forbidden_profile_policy_rules: r.opt_bits("forbiddenProfilePolicyRules")?,
            pp_version: r.array("ppVersion")?,
            sas_accreditation_number: r.text("sasAcreditationNumber")?,
            certification_data_object: r.tlv("certificationDataObject").cloned(),
            tre_properties: r.opt_bits("treProperties")?,
            tre_product_reference: r.opt_text("treProductReference")?,
            additional_profile_package_versions: r
                .tlv("additionalEuiccProfilePackageVersions")
                .cloned(),
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("profileVersion", &self.profile_version)
            .bytes("svn", &self.svn)
            .bytes("euiccFirmwareVer", &self.euicc_firmware_version)
            .bytes("extCardResource", &self.ext_card_resource)
            .bits("uiccCapability", &self.uicc_capability)
            .opt_bytes(
                "ts102241Version",
                self.ts102241_version.as_ref().map(|v| &v[..]),
            )
            .opt_bytes(
                "globalplatformVersion",
                self.globalplatform_version.as_ref().map(|v| &v[..]),
            )
            .bits("rspCapability", &self.rsp_capability)
            .list_bytes(
                "euiccCiPKIdListForVerification",
                &self.ci_pkids_for_verification,
            )
            .list_bytes("euiccCiPKIdListForSigning", &self.ci_pkids_for_signing)
            .opt_int("euiccCategory", self.euicc_category)
            .opt_bits(
                "forbiddenProfilePolicyRules",
                self.forbidden_profile_policy_rules.as_ref(),
            )
            .bytes("ppVersion", &self.pp_version)
            .text("sasAcreditationNumber", &self.sas_accreditation_number)
            .opt_tlv(self.certification_data_object.as_ref())
            .opt_bits("treProperties", self.tre_properties.as_ref())
            .opt_text("treProductReference", self.tre_product_reference.as_deref())
            .opt_tlv(self.additional_profile_package_versions.as_ref())
            .extensions(&self.extensions)
            .finish()
    }
}

/// `EuiccSigned1`: signed by the eUICC in AuthenticateServer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccSigned1 {
    pub transaction_id: Vec<u8>,
    pub server_address: String,
    pub server_challenge: [u8; 16],
    pub euicc_info2: EuiccInfo2,
    pub ctx_params1: CtxParams1,
    pub extensions: Vec<Tlv>,
}

impl View for EuiccSigned1 {
    const SCHEMA: &'static TypeDef = &schema::EUICC_SIGNED1;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(EuiccSigned1 {
            transaction_id: r.bytes("transactionId")?,
            server_address: r.text("serverAddress")?,
            server_challenge: r.array("serverChallenge")?,
            euicc_info2: EuiccInfo2::read(r.req("euiccInfo2")?)?,
            ctx_params1: CtxParams1::read(r.req("ctxParams1")?)?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .text("serverAddress", &self.server_address)
            .bytes("serverChallenge", &self.server_challenge)
            .tlv(self.euicc_info2.to_tlv())
            .tlv(self.ctx_params1.to_tlv())
            .extensions(&self.extensions)
            .finish()
    }
}

/// `SmdpSigned2`: signed by the SM-DP+ in AuthenticateClient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmdpSigned2 {
    pub transaction_id: Vec<u8>,
    pub cc_required: bool,
    /// Present only when re-offering an already bound BPP.
    pub bpp_euicc_otpk: Option<Vec<u8>>,
    pub extensions: Vec<Tlv>,
}

impl View for SmdpSigned2 {
    const SCHEMA: &'static TypeDef = &schema::SMDP_SIGNED2;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(SmdpSigned2 {
            transaction_id: r.bytes("transactionId")?,
            cc_required: r.boolean("ccRequiredFlag")?,
            bpp_euicc_otpk: r.opt_bytes("bppEuiccOtpk"),
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .boolean("ccRequiredFlag", self.cc_required)
            .opt_bytes("bppEuiccOtpk", self.bpp_euicc_otpk.as_deref())
            .extensions(&self.extensions)
            .finish()
    }
}

/// `EUICCSigned2`: signed by the eUICC in PrepareDownload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccSigned2 {
    pub transaction_id: Vec<u8>,
    pub euicc_otpk: Vec<u8>,
    pub hash_cc: Option<[u8; 32]>,
    pub extensions: Vec<Tlv>,
}

impl View for EuiccSigned2 {
    const SCHEMA: &'static TypeDef = &schema::EUICC_SIGNED2;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(EuiccSigned2 {
            transaction_id: r.bytes("transactionId")?,
            euicc_otpk: r.bytes("euiccOtpk")?,
            hash_cc: r.opt_array("hashCc")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .bytes("euiccOtpk", &self.euicc_otpk)
            .opt_bytes("hashCc", self.hash_cc.as_ref().map(|h| &h[..]))
            .extensions(&self.extensions)
            .finish()
    }
}

/// `StoreMetadataRequest` (profile metadata, also `profileMetadata` in AuthenticateClient).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreMetadataRequest {
    /// EF.ICCID coding (nibble-swapped BCD).
    pub iccid: [u8; 10],
    pub service_provider_name: String,
    pub profile_name: String,
    pub icon_type: Option<i64>,
    pub icon: Option<Vec<u8>>,
    /// Absent means the DEFAULT, operational (2).
    pub profile_class: Option<i64>,
    pub notification_configuration_info: Option<Tlv>,
    pub profile_owner: Option<Tlv>,
    pub profile_policy_rules: Option<BitString>,
    pub service_specific_data_stored_in_euicc: Option<Tlv>,
    pub service_specific_data_not_stored_in_euicc: Option<Tlv>,
    pub extensions: Vec<Tlv>,
}

impl StoreMetadataRequest {
    /// The class with the DEFAULT applied.
    pub fn effective_profile_class(&self) -> i64 {
        self.profile_class.unwrap_or(2)
    }
}

impl View for StoreMetadataRequest {
    const SCHEMA: &'static TypeDef = &schema::STORE_METADATA_REQUEST;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(StoreMetadataRequest {
            iccid: r.array("iccid")?,
            service_provider_name: r.text("serviceProviderName")?,
            profile_name: r.text("profileName")?,
            icon_type: r.opt_int("iconType")?,
            icon: r.opt_bytes("icon"),
            profile_class: r.opt_int("profileClass")?,
            notification_configuration_info: r.tlv("notificationConfigurationInfo").cloned(),
            profile_owner: r.tlv("profileOwner").cloned(),
            profile_policy_rules: r.opt_bits("profilePolicyRules")?,
            service_specific_data_stored_in_euicc: r
                .tlv("serviceSpecificDataStoredInEuicc")
                .cloned(),
            service_specific_data_not_stored_in_euicc: r
                .tlv("serviceSpecificDataNotStoredInEuicc")
                .cloned(),
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("iccid", &self.iccid)
            .text("serviceProviderName", &self.service_provider_name)
            .text("profileName", &self.profile_name)
            .opt_int("iconType", self.icon_type)
            .opt_bytes("icon", self.icon.as_deref())
            .opt_int("profileClass", self.profile_class)
            .opt_tlv(self.notification_configuration_info.as_ref())
            .opt_tlv(self.profile_owner.as_ref())
            .opt_bits("profilePolicyRules", self.profile_policy_rules.as_ref())
            .opt_tlv(self.service_specific_data_stored_in_euicc.as_ref())
            .opt_tlv(self.service_specific_data_not_stored_in_euicc.as_ref())
            .extensions(&self.extensions)
            .finish()
    }
}

/// The profile management operation of a notification (`NotificationEvent`, one bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationEvent {
    Install,
    Enable,
    Disable,
    Delete,
}

impl NotificationEvent {
    pub const ALL: [NotificationEvent; 4] = [
        NotificationEvent::Install,
        NotificationEvent::Enable,
        NotificationEvent::Disable,
        NotificationEvent::Delete,
    ];
    pub fn bit(self) -> usize {
        match self {
            NotificationEvent::Install => 0,
            NotificationEvent::Enable => 1,
            NotificationEvent::Disable => 2,
            NotificationEvent::Delete => 3,
        }
    }
    pub fn to_bit_string(self) -> BitString {
        BitString::from_bits(&[self.bit()])
    }
    /// The event of a BIT STRING with exactly one known bit set.
    pub fn from_bit_string(bits: &BitString) -> Option<NotificationEvent> {
        match bits.set_bits().as_slice() {
            [b] => NotificationEvent::ALL.into_iter().find(|e| e.bit() == *b),
            _ => None,
        }
    }
}

/// `NotificationMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationMetadata {
    pub seq_number: i64,
    /// As encoded; [`NotificationEvent::from_bit_string`] reads the one expected bit.
    pub profile_management_operation: BitString,
    pub notification_address: String,
    pub iccid: Option<[u8; 10]>,
    pub extensions: Vec<Tlv>,
}

impl NotificationMetadata {
    pub fn event(&self) -> Option<NotificationEvent> {
        NotificationEvent::from_bit_string(&self.profile_management_operation)
    }
}

impl View for NotificationMetadata {
    const SCHEMA: &'static TypeDef = &schema::NOTIFICATION_METADATA;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(NotificationMetadata {
            seq_number: r.int("seqNumber")?,
            profile_management_operation: r.bits("profileManagementOperation")?,
            notification_address: r.text("notificationAddress")?,
            iccid: r.opt_array("iccid")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .int("seqNumber", self.seq_number)
            .bits(
                "profileManagementOperation",
                &self.profile_management_operation,
            )
            .text("notificationAddress", &self.notification_address)
            .opt_bytes("iccid", self.iccid.as_ref().map(|i| &i[..]))
            .extensions(&self.extensions)
            .finish()
    }
}

/// `finalResult` of a ProfileInstallationResult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalResult {
    Success {
        aid: Vec<u8>,
        sima_response: Vec<u8>,
    },
    Error {
        bpp_command_id: i64,
        error_reason: i64,
        sima_response: Option<Vec<u8>>,
    },
}

/// `ProfileInstallationResultData` (BF27): what euiccSignPIR covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInstallationResultData {
    pub transaction_id: Vec<u8>,
    pub notification_metadata: NotificationMetadata,
    pub smdp_oid: String,
    pub final_result: FinalResult,
    pub extensions: Vec<Tlv>,
}

impl View for ProfileInstallationResultData {
    const SCHEMA: &'static TypeDef = &schema::PROFILE_INSTALLATION_RESULT_DATA;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        let wrapper = r.req("finalResult")?;
        let inner = wrapper.children().first().ok_or(ViewError::Alternative {
            ty: "FinalResult",
            tag: wrapper.tag(),
        })?;
        let final_result = match inner.tag().to_u32() {
            0xA0 => {
                let s = Reader::new(&schema::SUCCESS_RESULT, inner);
                FinalResult::Success {
                    aid: s.bytes("aid")?,
                    sima_response: s.bytes("simaResponse")?,
                }
            }
            0xA1 => {
                let e = Reader::new(&schema::ERROR_RESULT, inner);
                FinalResult::Error {
                    bpp_command_id: e.int("bppCommandId")?,
                    error_reason: e.int("errorReason")?,
                    sima_response: e.opt_bytes("simaResponse"),
                }
            }
            _ => {
                return Err(ViewError::Alternative {
                    ty: "FinalResult",
                    tag: inner.tag(),
                })
            }
        };
        Ok(ProfileInstallationResultData {
            transaction_id: r.bytes("transactionId")?,
            notification_metadata: NotificationMetadata::read(r.req("notificationMetadata")?)?,
            smdp_oid: r.oid("smdpOid")?,
            final_result,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        let result = match &self.final_result {
            FinalResult::Success { aid, sima_response } => retag(
                Writer::new(&schema::SUCCESS_RESULT)
                    .bytes("aid", aid)
                    .bytes("simaResponse", sima_response)
                    .finish(),
                Tag::of(0xA0),
            ),
            FinalResult::Error {
                bpp_command_id,
                error_reason,
                sima_response,
            } => retag(
                Writer::new(&schema::ERROR_RESULT)
                    .int("bppCommandId", *bpp_command_id)
                    .int("errorReason", *error_reason)
                    .opt_bytes("simaResponse", sima_response.as_deref())
                    .finish(),
                Tag::of(0xA1),
            ),
        };
        let w = Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .tlv(self.notification_metadata.to_tlv())
            .oid("smdpOid", &self.smdp_oid);
        let wrapper = Tlv::constructed(w.tag("finalResult"), vec![result]);
        w.tlv(wrapper).extensions(&self.extensions).finish()
    }
}

/// `EuiccCancelSessionSigned`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EuiccCancelSessionSigned {
    pub transaction_id: Vec<u8>,
    pub smdp_oid: String,
    pub reason: i64,
    pub extensions: Vec<Tlv>,
}

impl View for EuiccCancelSessionSigned {
    const SCHEMA: &'static TypeDef = &schema::EUICC_CANCEL_SESSION_SIGNED;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(EuiccCancelSessionSigned {
            transaction_id: r.bytes("transactionId")?,
            smdp_oid: r.oid("smdpOid")?,
            reason: r.int("reason")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .oid("smdpOid", &self.smdp_oid)
            .int("reason", self.reason)
            .extensions(&self.extensions)
            .finish()
    }
}

/// `CancelSessionRequest` (ES10b).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelSessionRequest {
    pub transaction_id: Vec<u8>,
    pub reason: i64,
    pub extensions: Vec<Tlv>,
}

impl View for CancelSessionRequest {
    const SCHEMA: &'static TypeDef = &schema::CANCEL_SESSION_REQUEST;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        Ok(CancelSessionRequest {
            transaction_id: r.bytes("transactionId")?,
            reason: r.int("reason")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        Writer::new(Self::SCHEMA)
            .bytes("transactionId", &self.transaction_id)
            .int("reason", self.reason)
            .extensions(&self.extensions)
            .finish()
    }
}

/// `InitialiseSecureChannelRequest` (BF23), first element of a BPP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialiseSecureChannelRequest {
    pub remote_op_id: i64,
    pub transaction_id: Vec<u8>,
    pub key_type: u8,
    pub key_len: u8,
    pub host_id: Vec<u8>,
    pub smdp_otpk: Vec<u8>,
    pub smdp_sign: Vec<u8>,
    pub extensions: Vec<Tlv>,
}

impl View for InitialiseSecureChannelRequest {
    const SCHEMA: &'static TypeDef = &schema::INITIALISE_SECURE_CHANNEL_REQUEST;
    fn read(tlv: &Tlv) -> Result<Self, ViewError> {
        let r = Reader::new(Self::SCHEMA, tlv);
        let crt = Reader::new(&schema::CONTROL_REF_TEMPLATE, r.req("controlRefTemplate")?);
        Ok(InitialiseSecureChannelRequest {
            remote_op_id: r.int("remoteOpId")?,
            transaction_id: r.bytes("transactionId")?,
            key_type: crt.array::<1>("keyType")?[0],
            key_len: crt.array::<1>("keyLen")?[0],
            host_id: crt.bytes("hostId")?,
            smdp_otpk: r.bytes("smdpOtpk")?,
            smdp_sign: r.bytes("smdpSign")?,
            extensions: r.extensions(),
        })
    }
    fn to_tlv(&self) -> Tlv {
        let crt = Writer::new(&schema::CONTROL_REF_TEMPLATE)
            .bytes("keyType", &[self.key_type])
            .bytes("keyLen", &[self.key_len])
            .bytes("hostId", &self.host_id)
            .finish();
        let w = Writer::new(Self::SCHEMA)
            .int("remoteOpId", self.remote_op_id)
            .bytes("transactionId", &self.transaction_id);
        let crt = retag(crt, w.tag("controlRefTemplate"));
        w.tlv(crt)
            .bytes("smdpOtpk", &self.smdp_otpk)
            .bytes("smdpSign", &self.smdp_sign)
            .extensions(&self.extensions)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_device_info() -> DeviceInfo {
        DeviceInfo {
            tac: [0x35, 0x29, 0x06, 0x11],
            device_capabilities: Tlv::constructed(Tag::of(0xA1), vec![]),
            imei: None,
            extensions: vec![],
        }
    }

    #[test]
    fn ctx_params_matches_lpac_minimal_device_info() {
        // lpac's minimal deviceInfo A1 08 80 04 35290611 A1 00 inside ctxParams1 A0.
        let c = CtxParams1 {
            matching_id: None,
            device_info: sample_device_info(),
            extensions: vec![],
        };
        assert_eq!(hex::encode_upper(c.encode()), "A00AA108800435290611A100");
        assert_eq!(CtxParams1::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn debug_masks_the_matching_id() {
        let c = CtxParams1 {
            matching_id: Some("04386-AGYFT-A74Y8-3F815".into()),
            device_info: sample_device_info(),
            extensions: vec![],
        };
        let text = format!("{c:?} {:?}", EuiccSigned1Debug(&c));
        assert!(!text.contains("AGYFT"), "{text}");
        assert!(text.contains("<redacted, 23 chars>"));
    }

    /// Nested use: a struct that derives Debug and holds CtxParams1 stays redacted.
    #[derive(Debug)]
    struct EuiccSigned1Debug<'a>(#[allow(dead_code)] &'a CtxParams1);

    #[test]
    fn pir_data_matches_digest_example() {
        let digest = "BF271F800101BF2F0A800101810207800C0161060388370AA208A106800101810108";
        let v = ProfileInstallationResultData::decode(&hex::decode(digest).unwrap()).unwrap();
        assert_eq!(v.smdp_oid, "2.999.10");
        assert_eq!(
            v.notification_metadata.event(),
            Some(NotificationEvent::Install)
        );
        assert_eq!(
            v.final_result,
            FinalResult::Error {
                bpp_command_id: 1,
                error_reason: 8,
                sima_response: None
            }
        );
        assert_eq!(hex::encode_upper(v.encode()), digest);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let s = ServerSigned1 {
            transaction_id: vec![1, 2],
            euicc_challenge: [3; 16],
            server_address: "smdp.example.com".into(),
            server_challenge: [4; 16],
            extensions: vec![Tlv::primitive(Tag::of(0x9F7F), vec![0xAB])],
        };
        let bytes = s.encode();
        let back = ServerSigned1::decode(&bytes).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn schema_errors_are_reported_with_paths() {
        let err = ServerSigned1::decode(&hex::decode("3003800101").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ServerSigned1.euiccChallenge: missing mandatory field euiccChallenge (offset 0)"
        );
    }
}
