//! SGP.22 v2.5 types as schema data.
//!
//! Wire tags were resolved by hand from the module's tagging rules (AUTOMATIC TAGS: a SEQUENCE or
//! CHOICE whose components carry no written tag gets context tags 0, 1, … on every component;
//! a tagged CHOICE or open type is explicitly tagged). Where this differs from a reading in the
//! digest, the difference is noted beside the type.

use super::{Field as F, Kind, OctetsHint as H, Size, TypeDef as T};
use Kind::*;

// ---------------------------------------------------------------- basic types

pub static OCTET_STRING: T = T::new("OCTET STRING", 0x04, OctetString { size: Size::ANY, hint: H::Hex });
pub static OCTET1: T = T::new("Octet1", 0x04, OctetString { size: Size::exactly(1), hint: H::Hex });
pub static OCTET4: T = T::new("Octet4", 0x04, OctetString { size: Size::exactly(4), hint: H::Hex });
pub static OCTET8: T = T::new("Octet8", 0x04, OctetString { size: Size::exactly(8), hint: H::Hex });
pub static OCTET16: T = T::new("Octet16", 0x04, OctetString { size: Size::exactly(16), hint: H::Hex });
pub static OCTET32: T = T::new("Octet32", 0x04, OctetString { size: Size::exactly(32), hint: H::Hex });
pub static OCTET_TO16: T = T::new("OctetTo16", 0x04, OctetString { size: Size::range(1, 16), hint: H::Hex });
pub static AID_5_16: T = T::new("OCTET STRING (SIZE(5..16))", 0x04, OctetString { size: Size::range(5, 16), hint: H::Hex });
pub static TRANSACTION_ID: T = T::new("TransactionId", 0x04, OctetString { size: Size::range(1, 16), hint: H::Hex });
pub static VERSION_TYPE: T = T::new("VersionType", 0x04, OctetString { size: Size::exactly(3), hint: H::Version });
pub static ICCID: T = T::new("Iccid", 0x5A, OctetString { size: Size::exactly(10), hint: H::Iccid });
pub static EID_VALUE: T = T::new("EID", 0x5A, OctetString { size: Size::exactly(16), hint: H::Eid });
pub static TAG_LIST: T = T::new("TagList", 0x5C, OctetString { size: Size::ANY, hint: H::Hex });
pub static SIMA_RESPONSE: T = T::new("EUICCResponses", 0x04, OctetString { size: Size::ANY, hint: H::Hex });
pub static EXT_CARD_RESOURCE: T = T::new("ExtCardResource", 0x04, OctetString { size: Size::ANY, hint: H::Tlv });
/// ECDSA r‖s, `[APPLICATION 55] OCTET STRING`. The module puts no size on it; 64 bytes is a crypto check.
pub static SIGNATURE: T = T::new("Signature", 0x5F37, OctetString { size: Size::ANY, hint: H::Signature });
/// One-time public key, `[APPLICATION 73] OCTET STRING`.
pub static EC_POINT: T = T::new("PublicKey", 0x5F49, OctetString { size: Size::ANY, hint: H::EcPoint });
pub static SUBJECT_KEY_IDENTIFIER: T = T::new("SubjectKeyIdentifier", 0x04, OctetString { size: Size::ANY, hint: H::Hex });
pub static UTF8: T = T::new("UTF8String", 0x0C, Utf8String { size: Size::ANY });
pub static UTF8_32: T = T::new("UTF8String (SIZE(0..32))", 0x0C, Utf8String { size: Size::range(0, 32) });
pub static UTF8_64: T = T::new("UTF8String (SIZE(0..64))", 0x0C, Utf8String { size: Size::range(0, 64) });
pub static INTEGER: T = T::new("INTEGER", 0x02, Integer { named: &[] });
pub static BOOLEAN: T = T::new("BOOLEAN", 0x01, Boolean);
pub static OID: T = T::new("OBJECT IDENTIFIER", 0x06, ObjectIdentifier);
pub static BIT_STRING: T = T::new("BIT STRING", 0x03, BitString { named: &[] });
pub static ANY: T = T::new("ANY", 0, Any);
pub static ANY_SEQUENCE: T = T::new("SEQUENCE (opaque)", 0x30, Any);

// ---------------------------------------------------------------- X.509 shapes (opaque inside)

pub static CERTIFICATE: T = T::new("Certificate", 0x30, Sequence(&[
    F::new("tbsCertificate", 0, &ANY_SEQUENCE),
    F::new("signatureAlgorithm", 0, &ANY_SEQUENCE),
    F::new("signatureValue", 0, &BIT_STRING),
]));
pub static CERTIFICATE_LIST: T = T::new("CertificateList", 0x30, Sequence(&[
    F::new("tbsCertList", 0, &ANY_SEQUENCE),
    F::new("signatureAlgorithm", 0, &ANY_SEQUENCE),
    F::new("signatureValue", 0, &BIT_STRING),
]));

// ---------------------------------------------------------------- enumerations

pub static PROFILE_STATE: T = T::new("ProfileState", 0x02, Integer { named: &[(0, "disabled"), (1, "enabled")] });
pub static PROFILE_CLASS: T = T::new("ProfileClass", 0x02, Integer { named: &[(0, "test"), (1, "provisioning"), (2, "operational")] });
pub static ICON_TYPE: T = T::new("IconType", 0x02, Integer { named: &[(0, "jpg"), (1, "png")] });
pub static PPR_IDS: T = T::new("PprIds", 0x03, BitString { named: &[(0, "pprUpdateControl"), (1, "ppr1"), (2, "ppr2")] });
pub static NOTIFICATION_EVENT: T = T::new("NotificationEvent", 0x03, BitString {
    named: &[(0, "notificationInstall"), (1, "notificationEnable"), (2, "notificationDisable"), (3, "notificationDelete")],
});
pub static UICC_CAPABILITY: T = T::new("UICCCapability", 0x03, BitString {
    named: &[
        (0, "contactlessSupport"), (1, "usimSupport"), (2, "isimSupport"), (3, "csimSupport"),
        (4, "akaMilenage"), (5, "akaCave"), (6, "akaTuak128"), (7, "akaTuak256"),
        (8, "usimTestAlgorithm"), (9, "rfu2"), (10, "gbaAuthenUsim"), (11, "gbaAuthenISim"),
        (12, "mbmsAuthenUsim"), (13, "eapClient"), (14, "javacard"), (15, "multos"),
        (16, "multipleUsimSupport"), (17, "multipleIsimSupport"), (18, "multipleCsimSupport"),
        (19, "berTlvFileSupport"), (20, "dfLinkSupport"), (21, "catTp"), (22, "getIdentity"),
        (23, "profile-a-x25519"), (24, "profile-b-p256"), (25, "suciCalculatorApi"),
        (26, "dns-resolution"), (27, "scp11ac"), (28, "scp11c-authorization-mechanism"),
        (29, "s16mode"), (30, "eaka"), (31, "iotminimal"),
    ],
});
pub static RSP_CAPABILITY: T = T::new("RspCapability", 0x03, BitString {
    named: &[
        (0, "additionalProfile"), (1, "crlSupport"), (2, "rpmSupport"), (3, "testProfileSupport"),
        (4, "deviceInfoExtensibilitySupport"), (5, "serviceSpecificDataSupport"),
    ],
});
pub static TRE_PROPERTIES: T = T::new("TreProperties", 0x03, BitString {
    named: &[(0, "isDiscrete"), (1, "isIntegrated"), (2, "usesRemoteMemory")],
});
pub static EUICC_CATEGORY: T = T::new("EuiccCategory", 0x02, Integer {
    named: &[(0, "other"), (1, "basicEuicc"), (2, "mediumEuicc"), (3, "contactlessEuicc")],
});
pub static RESET_OPTIONS: T = T::new("ResetOptions", 0x03, BitString {
    named: &[(0, "deleteOperationalProfiles"), (1, "deleteFieldLoadedTestProfiles"), (2, "resetDefaultSmdpAddress")],
});
pub static LPAE_SUPPORT: T = T::new("LpaeSupport", 0x03, BitString { named: &[(0, "lpaeUsingCat"), (1, "lpaeUsingScws")] });
pub static LPAE_OPTION: T = T::new("LpaeOption", 0x03, BitString { named: &[(0, "activateCatBasedLpae"), (1, "activateScwsBasedLpae")] });
pub static PPR_FLAGS: T = T::new("PprFlags", 0x03, BitString { named: &[(0, "consentRequired")] });
pub static AUTHENTICATE_ERROR_CODE: T = T::new("AuthenticateErrorCode", 0x02, Integer {
    named: &[
        (1, "invalidCertificate"), (2, "invalidSignature"), (3, "unsupportedCurve"), (4, "noSessionContext"),
        (5, "invalidOid"), (6, "euiccChallengeMismatch"), (7, "ciPKUnknown"), (127, "undefinedError"),
    ],
});
pub static DOWNLOAD_ERROR_CODE: T = T::new("DownloadErrorCode", 0x02, Integer {
    named: &[
        (1, "invalidCertificate"), (2, "invalidSignature"), (3, "unsupportedCurve"), (4, "noSessionContext"),
        (5, "invalidTransactionId"), (127, "undefinedError"),
    ],
});
pub static CANCEL_SESSION_REASON: T = T::new("CancelSessionReason", 0x02, Integer {
    named: &[
        (0, "endUserRejection"), (1, "postponed"), (2, "timeout"), (3, "pprNotAllowed"),
        (4, "metadataMismatch"), (5, "loadBppExecutionError"), (127, "undefinedReason"),
    ],
});
pub static CANCEL_SESSION_ERROR: T = T::new("CancelSessionError", 0x02, Integer {
    named: &[(5, "invalidTransactionId"), (127, "undefinedError")],
});
pub static BPP_COMMAND_ID: T = T::new("BppCommandId", 0x02, Integer {
    named: &[
        (0, "initialiseSecureChannel"), (1, "configureISDP"), (2, "storeMetadata"), (3, "storeMetadata2"),
        (4, "replaceSessionKeys"), (5, "loadProfileElements"),
    ],
});
pub static ERROR_REASON: T = T::new("ErrorReason", 0x02, Integer {
    named: &[
        (1, "incorrectInputValues"), (2, "invalidSignature"), (3, "invalidTransactionId"),
        (4, "unsupportedCrtValues"), (5, "unsupportedRemoteOperationType"), (6, "unsupportedProfileClass"),
        (7, "scp03tStructureError"), (8, "scp03tSecurityError"),
        (9, "installFailedDueToIccidAlreadyExistsOnEuicc"), (10, "installFailedDueToInsufficientMemoryForProfile"),
        (11, "installFailedDueToInterruption"), (12, "installFailedDueToPEProcessingError"),
        (13, "installFailedDueToDataMismatch"), (14, "testProfileInstallFailedDueToInvalidNaaKey"),
        (15, "pprNotAllowed"), (127, "installFailedDueToUnknownError"),
    ],
});
pub static UNDEFINED_ERROR: T = T::new("UndefinedError", 0x02, Integer { named: &[(127, "undefinedError")] });
pub static PROFILE_INFO_LIST_ERROR: T = T::new("ProfileInfoListError", 0x02, Integer {
    named: &[(1, "incorrectInputValues"), (127, "undefinedError")],
});
pub static DELETE_NOTIFICATION_STATUS: T = T::new("DeleteNotificationStatus", 0x02, Integer {
    named: &[(0, "ok"), (1, "nothingToDelete"), (127, "undefinedError")],
});
pub static ENABLE_RESULT: T = T::new("EnableResult", 0x02, Integer {
    named: &[
        (0, "ok"), (1, "iccidOrAidNotFound"), (2, "profileNotInDisabledState"), (3, "disallowedByPolicy"),
        (4, "wrongProfileReenabling"), (5, "catBusy"), (127, "undefinedError"),
    ],
});
pub static DISABLE_RESULT: T = T::new("DisableResult", 0x02, Integer {
    named: &[
        (0, "ok"), (1, "iccidOrAidNotFound"), (2, "profileNotInEnabledState"), (3, "disallowedByPolicy"),
        (5, "catBusy"), (127, "undefinedError"),
    ],
});
pub static DELETE_RESULT: T = T::new("DeleteResult", 0x02, Integer {
    named: &[
        (0, "ok"), (1, "iccidOrAidNotFound"), (2, "profileNotInDisabledState"), (3, "disallowedByPolicy"),
        (127, "undefinedError"),
    ],
});
pub static RESET_RESULT: T = T::new("ResetResult", 0x02, Integer {
    named: &[(0, "ok"), (1, "nothingToDelete"), (5, "catBusy"), (127, "undefinedError")],
});
pub static SET_NICKNAME_RESULT: T = T::new("SetNicknameResult", 0x02, Integer {
    named: &[(0, "ok"), (1, "iccidNotFound"), (127, "undefinedError")],
});
pub static SET_DEFAULT_DP_ADDRESS_RESULT: T = T::new("SetDefaultDpAddressResult", 0x02, Integer {
    named: &[(0, "ok"), (127, "undefinedError")],
});
pub static LOAD_CRL_ERROR: T = T::new("LoadCRLResponseError", 0x02, Integer {
    named: &[
        (1, "invalidSignature"), (2, "invalidCRLFormat"), (3, "notEnoughMemorySpace"),
        (4, "verificationKeyNotFound"), (5, "fresherCrlAlreadyLoaded"), (6, "baseCrlMissing"),
        (127, "undefinedError"),
    ],
});
pub static LPAE_ACTIVATION_RESULT: T = T::new("LpaeActivationResult", 0x02, Integer { named: &[(0, "ok"), (1, "notSupported")] });
pub static UPDATE_METADATA_RESULT: T = T::new("UpdateResult", 0x02, Integer {
    named: &[(0, "ok"), (1, "iccidNotFound"), (2, "pprNotAllowed"), (127, "undefinedError")],
});
pub static INITIATE_AUTHENTICATION_ERROR: T = T::new("InitiateAuthenticationError", 0x02, Integer {
    named: &[(1, "invalidDpAddress"), (2, "euiccVersionNotSupportedByDp"), (3, "ciPKNotSupported")],
});
pub static AUTHENTICATE_CLIENT_ERROR_ES9: T = T::new("AuthenticateClientErrorEs9", 0x02, Integer {
    named: &[
        (1, "eumCertificateInvalid"), (2, "eumCertificateExpired"), (3, "euiccCertificateInvalid"),
        (4, "euiccCertificateExpired"), (5, "euiccSignatureInvalid"), (6, "matchingIdRefused"),
        (7, "eidMismatch"), (8, "noEligibleProfile"), (9, "ciPKUnknown"), (10, "invalidTransactionId"),
        (11, "insufficientMemory"), (127, "undefinedError"),
    ],
});
pub static GET_BPP_ERROR: T = T::new("GetBoundProfilePackageError", 0x02, Integer {
    named: &[
        (1, "euiccSignatureInvalid"), (2, "confirmationCodeMissing"), (3, "confirmationCodeRefused"),
        (4, "confirmationCodeRetriesExceeded"), (5, "bppRebindingRefused"), (6, "downloadOrderExpired"),
        (95, "invalidTransactionId"), (127, "undefinedError"),
    ],
});
pub static CANCEL_SESSION_ERROR_ES9: T = T::new("CancelSessionErrorEs9", 0x02, Integer {
    named: &[(1, "invalidTransactionId"), (2, "euiccSignatureInvalid"), (127, "undefinedError")],
});
pub static AUTHENTICATE_CLIENT_ERROR_ES11: T = T::new("AuthenticateClientErrorEs11", 0x02, Integer {
    named: &[
        (1, "eumCertificateInvalid"), (2, "eumCertificateExpired"), (3, "euiccCertificateInvalid"),
        (4, "euiccCertificateExpired"), (5, "euiccSignatureInvalid"), (6, "eventIdUnknown"),
        (7, "invalidTransactionId"), (127, "undefinedError"),
    ],
});

// ---------------------------------------------------------------- shared structures

pub static OPERATOR_ID: T = T::new("OperatorId", 0x30, Sequence(&[
    F::new("mccMnc", 0x80, &OCTET_STRING),
    F::opt("gid1", 0x81, &OCTET_STRING),
    F::opt("gid2", 0x82, &OCTET_STRING),
]));
/// Digest §3.2 shows `B8 {06 dpOid}`; the module's automatic tagging gives `80` for the single
/// untagged component, which is what we decode (unknown `06` would be kept and flagged).
pub static DP_PROPRIETARY_DATA: T = T::new("DpProprietaryData", 0x30, Sequence(&[
    F::new("dpOid", 0x80, &OID),
]));
pub static NOTIFICATION_CONFIGURATION_INFORMATION: T = T::new("NotificationConfigurationInformation", 0x30, Sequence(&[
    F::new("profileManagementOperation", 0x80, &NOTIFICATION_EVENT),
    F::new("notificationAddress", 0x81, &UTF8),
]));
static NOTIFICATION_CONFIGURATION_ITEM: F = F::new("notificationConfiguration", 0, &NOTIFICATION_CONFIGURATION_INFORMATION);
pub static NOTIFICATION_CONFIGURATION_LIST: T = T::new("SEQUENCE OF NotificationConfigurationInformation", 0x30,
    SequenceOf { item: &NOTIFICATION_CONFIGURATION_ITEM, size: Size::ANY });
pub static VENDOR_SPECIFIC_ENTRY: T = T::new("VendorSpecificExtensionEntry", 0x30, Sequence(&[
    F::new("vendorOid", 0x80, &OID),
    F::explicit("vendorSpecificData", 0xA1, &ANY),
]));
static VENDOR_SPECIFIC_ITEM: F = F::new("extension", 0, &VENDOR_SPECIFIC_ENTRY);
pub static VENDOR_SPECIFIC_EXTENSION: T = T::new("VendorSpecificExtension", 0x30,
    SequenceOf { item: &VENDOR_SPECIFIC_ITEM, size: Size::ANY });
static SKI_ITEM: F = F::new("ciPKId", 0, &SUBJECT_KEY_IDENTIFIER);
pub static SKI_LIST: T = T::new("SEQUENCE OF SubjectKeyIdentifier", 0x30, SequenceOf { item: &SKI_ITEM, size: Size::ANY });
static VERSION_ITEM: F = F::new("version", 0, &VERSION_TYPE);
pub static VERSION_LIST: T = T::new("SEQUENCE OF VersionType", 0x30, SequenceOf { item: &VERSION_ITEM, size: Size::ANY });

// ---------------------------------------------------------------- ES10a

pub static EUICC_CONFIGURED_ADDRESSES_REQUEST: T = T::new("EuiccConfiguredAddressesRequest", 0xBF3C, Sequence(&[]));
pub static EUICC_CONFIGURED_ADDRESSES_RESPONSE: T = T::new("EuiccConfiguredAddressesResponse", 0xBF3C, Sequence(&[
    F::opt("defaultDpAddress", 0x80, &UTF8),
    F::new("rootDsAddress", 0x81, &UTF8),
]));
pub static SET_DEFAULT_DP_ADDRESS_REQUEST: T = T::new("SetDefaultDpAddressRequest", 0xBF3F, Sequence(&[
    F::new("defaultDpAddress", 0x80, &UTF8),
]));
pub static SET_DEFAULT_DP_ADDRESS_RESPONSE: T = T::new("SetDefaultDpAddressResponse", 0xBF3F, Sequence(&[
    F::new("setDefaultDpAddressResult", 0x80, &SET_DEFAULT_DP_ADDRESS_RESULT),
]));

// ---------------------------------------------------------------- ES10b: info and challenge

pub static GET_EUICC_CHALLENGE_REQUEST: T = T::new("GetEuiccChallengeRequest", 0xBF2E, Sequence(&[]));
pub static GET_EUICC_CHALLENGE_RESPONSE: T = T::new("GetEuiccChallengeResponse", 0xBF2E, Sequence(&[
    F::new("euiccChallenge", 0x80, &OCTET16),
]));
pub static GET_EUICC_INFO1_REQUEST: T = T::new("GetEuiccInfo1Request", 0xBF20, Sequence(&[]));
pub static EUICC_INFO1: T = T::new("EUICCInfo1", 0xBF20, Sequence(&[
    F::new("svn", 0x82, &VERSION_TYPE),
    F::new("euiccCiPKIdListForVerification", 0xA9, &SKI_LIST),
    F::new("euiccCiPKIdListForSigning", 0xAA, &SKI_LIST),
]));
pub static GET_EUICC_INFO2_REQUEST: T = T::new("GetEuiccInfo2Request", 0xBF22, Sequence(&[]));
pub static CERTIFICATION_DATA_OBJECT: T = T::new("CertificationDataObject", 0x30, Sequence(&[
    F::new("platformLabel", 0x80, &UTF8),
    F::new("discoveryBaseURL", 0x81, &UTF8),
]));
pub static EUICC_INFO2: T = T::new("EUICCInfo2", 0xBF22, Sequence(&[
    F::new("profileVersion", 0x81, &VERSION_TYPE),
    F::new("svn", 0x82, &VERSION_TYPE),
    F::new("euiccFirmwareVer", 0x83, &VERSION_TYPE),
    F::new("extCardResource", 0x84, &EXT_CARD_RESOURCE),
    F::new("uiccCapability", 0x85, &UICC_CAPABILITY),
    F::opt("ts102241Version", 0x86, &VERSION_TYPE),
    F::opt("globalplatformVersion", 0x87, &VERSION_TYPE),
    F::new("rspCapability", 0x88, &RSP_CAPABILITY),
    F::new("euiccCiPKIdListForVerification", 0xA9, &SKI_LIST),
    F::new("euiccCiPKIdListForSigning", 0xAA, &SKI_LIST),
    F::opt("euiccCategory", 0x8B, &EUICC_CATEGORY),
    F::opt("forbiddenProfilePolicyRules", 0x99, &PPR_IDS),
    F::new("ppVersion", 0, &VERSION_TYPE),
    F::new("sasAcreditationNumber", 0, &UTF8_64),
    F::opt("certificationDataObject", 0xAC, &CERTIFICATION_DATA_OBJECT),
    F::opt("treProperties", 0x8D, &TRE_PROPERTIES),
    F::opt("treProductReference", 0x8E, &UTF8),
    F::opt("additionalEuiccProfilePackageVersions", 0xAF, &VERSION_LIST),
]));

/// v2.5 order. The digest lists an `88 rspRpmSupportedVersion` (an SGP.22 v3 component); the
/// v2.5 module has none, so nrEpc is `88`. Unknown tags are kept either way.
pub static DEVICE_CAPABILITIES: T = T::new("DeviceCapabilities", 0x30, Sequence(&[
    F::opt("gsmSupportedRelease", 0x80, &VERSION_TYPE),
    F::opt("utranSupportedRelease", 0x81, &VERSION_TYPE),
    F::opt("cdma2000onexSupportedRelease", 0x82, &VERSION_TYPE),
    F::opt("cdma2000hrpdSupportedRelease", 0x83, &VERSION_TYPE),
    F::opt("cdma2000ehrpdSupportedRelease", 0x84, &VERSION_TYPE),
    F::opt("eutranEpcSupportedRelease", 0x85, &VERSION_TYPE),
    F::opt("contactlessSupportedRelease", 0x86, &VERSION_TYPE),
    F::opt("rspCrlSupportedVersion", 0x87, &VERSION_TYPE),
    F::opt("nrEpcSupportedRelease", 0x88, &VERSION_TYPE),
    F::opt("nr5gcSupportedRelease", 0x89, &VERSION_TYPE),
    F::opt("eutran5gcSupportedRelease", 0x8A, &VERSION_TYPE),
    F::opt("lpaSvn", 0x8B, &VERSION_TYPE),
    F::opt("catSupportedClasses", 0x8C, &BIT_STRING),
    F::opt("euiccFormFactorType", 0x8D, &INTEGER),
    F::opt("deviceAdditionalFeatureSupport", 0xAE, &DEVICE_ADDITIONAL_FEATURE_SUPPORT),
]));
pub static DEVICE_ADDITIONAL_FEATURE_SUPPORT: T = T::new("DeviceAdditionalFeatureSupport", 0x30, Sequence(&[
    F::opt("naiSupport", 0x80, &VERSION_TYPE),
]));
pub static DEVICE_INFO: T = T::new("DeviceInfo", 0x30, Sequence(&[
    F::new("tac", 0x80, &OCTET4),
    F::new("deviceCapabilities", 0xA1, &DEVICE_CAPABILITIES),
    F::opt("imei", 0x82, &OCTET8),
]));

// ---------------------------------------------------------------- ES10b: authentication

pub static SERVER_SIGNED1: T = T::new("ServerSigned1", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("euiccChallenge", 0x81, &OCTET16),
    F::new("serverAddress", 0x83, &UTF8),
    F::new("serverChallenge", 0x84, &OCTET16),
]));
pub static CTX_PARAMS_FOR_COMMON_AUTHENTICATION: T = T::new("CtxParamsForCommonAuthentication", 0x30, Sequence(&[
    F::opt("matchingId", 0x80, &UTF8),
    F::new("deviceInfo", 0xA1, &DEVICE_INFO),
]));
pub static CTX_PARAMS1: T = T::new("CtxParams1", 0, Choice(&[
    F::new("ctxParamsForCommonAuthentication", 0xA0, &CTX_PARAMS_FOR_COMMON_AUTHENTICATION),
]));
pub static AUTHENTICATE_SERVER_REQUEST: T = T::new("AuthenticateServerRequest", 0xBF38, Sequence(&[
    F::new("serverSigned1", 0, &SERVER_SIGNED1),
    F::new("serverSignature1", 0, &SIGNATURE),
    F::new("euiccCiPKIdToBeUsed", 0, &SUBJECT_KEY_IDENTIFIER),
    F::new("serverCertificate", 0, &CERTIFICATE),
    F::new("ctxParams1", 0, &CTX_PARAMS1),
]));
pub static EUICC_SIGNED1: T = T::new("EuiccSigned1", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("serverAddress", 0x83, &UTF8),
    F::new("serverChallenge", 0x84, &OCTET16),
    F::new("euiccInfo2", 0, &EUICC_INFO2),
    F::new("ctxParams1", 0, &CTX_PARAMS1),
]));
pub static AUTHENTICATE_RESPONSE_OK: T = T::new("AuthenticateResponseOk", 0x30, Sequence(&[
    F::new("euiccSigned1", 0, &EUICC_SIGNED1),
    F::new("euiccSignature1", 0, &SIGNATURE),
    F::new("euiccCertificate", 0, &CERTIFICATE),
    F::new("eumCertificate", 0, &CERTIFICATE),
]));
pub static AUTHENTICATE_RESPONSE_ERROR: T = T::new("AuthenticateResponseError", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("authenticateErrorCode", 0, &AUTHENTICATE_ERROR_CODE),
]));
pub static AUTHENTICATE_SERVER_RESPONSE: T = T::new("AuthenticateServerResponse", 0xBF38, Choice(&[
    F::new("authenticateResponseOk", 0xA0, &AUTHENTICATE_RESPONSE_OK),
    F::new("authenticateResponseError", 0xA1, &AUTHENTICATE_RESPONSE_ERROR),
]));

// ---------------------------------------------------------------- ES10b: download

pub static SMDP_SIGNED2: T = T::new("SmdpSigned2", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("ccRequiredFlag", 0, &BOOLEAN),
    F::opt("bppEuiccOtpk", 0, &EC_POINT),
]));
pub static PREPARE_DOWNLOAD_REQUEST: T = T::new("PrepareDownloadRequest", 0xBF21, Sequence(&[
    F::new("smdpSigned2", 0, &SMDP_SIGNED2),
    F::new("smdpSignature2", 0, &SIGNATURE),
    F::opt("hashCc", 0, &OCTET32),
    F::new("smdpCertificate", 0, &CERTIFICATE),
]));
pub static EUICC_SIGNED2: T = T::new("EUICCSigned2", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("euiccOtpk", 0, &EC_POINT),
    F::opt("hashCc", 0, &OCTET32),
]));
pub static PREPARE_DOWNLOAD_RESPONSE_OK: T = T::new("PrepareDownloadResponseOk", 0x30, Sequence(&[
    F::new("euiccSigned2", 0, &EUICC_SIGNED2),
    F::new("euiccSignature2", 0, &SIGNATURE),
]));
pub static PREPARE_DOWNLOAD_RESPONSE_ERROR: T = T::new("PrepareDownloadResponseError", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("downloadErrorCode", 0, &DOWNLOAD_ERROR_CODE),
]));
pub static PREPARE_DOWNLOAD_RESPONSE: T = T::new("PrepareDownloadResponse", 0xBF21, Choice(&[
    F::new("downloadResponseOk", 0xA0, &PREPARE_DOWNLOAD_RESPONSE_OK),
    F::new("downloadResponseError", 0xA1, &PREPARE_DOWNLOAD_RESPONSE_ERROR),
]));

pub static STORE_METADATA_REQUEST: T = T::new("StoreMetadataRequest", 0xBF25, Sequence(&[
    F::new("iccid", 0, &ICCID),
    F::new("serviceProviderName", 0x91, &UTF8_32),
    F::new("profileName", 0x92, &UTF8_64),
    F::opt("iconType", 0x93, &ICON_TYPE),
    F::opt("icon", 0x94, &ICON),
    F::default("profileClass", 0x95, &PROFILE_CLASS, &[2]),
    F::opt("notificationConfigurationInfo", 0xB6, &NOTIFICATION_CONFIGURATION_LIST),
    F::opt("profileOwner", 0xB7, &OPERATOR_ID),
    F::opt("profilePolicyRules", 0x99, &PPR_IDS),
    F::opt("serviceSpecificDataStoredInEuicc", 0xBF22, &VENDOR_SPECIFIC_EXTENSION),
    F::opt("serviceSpecificDataNotStoredInEuicc", 0xBF23, &VENDOR_SPECIFIC_EXTENSION),
]));
pub static ICON: T = T::new("Icon", 0x04, OctetString { size: Size::range(0, 1024), hint: H::Hex });

// ---------------------------------------------------------------- ES8+ (inside the BPP)

pub static CONTROL_REF_TEMPLATE: T = T::new("ControlRefTemplate", 0x30, Sequence(&[
    F::new("keyType", 0x80, &OCTET1),
    F::new("keyLen", 0x81, &OCTET1),
    F::new("hostId", 0x84, &OCTET_TO16),
]));
pub static REMOTE_OP_ID: T = T::new("RemoteOpId", 0x82, Integer { named: &[(1, "installBoundProfilePackage")] });
pub static INITIALISE_SECURE_CHANNEL_REQUEST: T = T::new("InitialiseSecureChannelRequest", 0xBF23, Sequence(&[
    F::new("remoteOpId", 0, &REMOTE_OP_ID),
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("controlRefTemplate", 0xA6, &CONTROL_REF_TEMPLATE),
    F::new("smdpOtpk", 0, &EC_POINT),
    F::new("smdpSign", 0, &SIGNATURE),
]));
pub static CONFIGURE_ISDP_REQUEST: T = T::new("ConfigureISDPRequest", 0xBF24, Sequence(&[
    F::opt("dpProprietaryData", 0xB8, &DP_PROPRIETARY_DATA),
]));
pub static REPLACE_SESSION_KEYS_REQUEST: T = T::new("ReplaceSessionKeysRequest", 0xBF26, Sequence(&[
    F::new("initialMacChainingValue", 0x80, &OCTET_STRING),
    F::new("ppkEnc", 0x81, &OCTET_STRING),
    F::new("ppkCmac", 0x82, &OCTET_STRING),
]));
pub static SEGMENT_87: T = T::new("Segment87", 0x87, OctetString { size: Size::ANY, hint: H::Hex });
pub static SEGMENT_88: T = T::new("Segment88", 0x88, OctetString { size: Size::ANY, hint: H::Hex });
pub static SEGMENT_86: T = T::new("Segment86", 0x86, OctetString { size: Size::ANY, hint: H::Hex });
static SEGMENT_87_ITEM: F = F::new("segment", 0, &SEGMENT_87);
static SEGMENT_88_ITEM: F = F::new("segment", 0, &SEGMENT_88);
static SEGMENT_86_ITEM: F = F::new("segment", 0, &SEGMENT_86);
pub static SEQUENCE_OF_87: T = T::new("SEQUENCE OF [7] OCTET STRING", 0x30, SequenceOf { item: &SEGMENT_87_ITEM, size: Size::ANY });
pub static SEQUENCE_OF_88: T = T::new("SEQUENCE OF [8] OCTET STRING", 0x30, SequenceOf { item: &SEGMENT_88_ITEM, size: Size::ANY });
pub static SEQUENCE_OF_86: T = T::new("SEQUENCE OF [6] OCTET STRING", 0x30, SequenceOf { item: &SEGMENT_86_ITEM, size: Size::ANY });
pub static BOUND_PROFILE_PACKAGE: T = T::new("BoundProfilePackage", 0xBF36, Sequence(&[
    F::new("initialiseSecureChannelRequest", 0, &INITIALISE_SECURE_CHANNEL_REQUEST),
    F::new("firstSequenceOf87", 0xA0, &SEQUENCE_OF_87),
    F::new("sequenceOf88", 0xA1, &SEQUENCE_OF_88),
    F::opt("secondSequenceOf87", 0xA2, &SEQUENCE_OF_87),
    F::new("sequenceOf86", 0xA3, &SEQUENCE_OF_86),
]));

// ---------------------------------------------------------------- ES10b: installation result, notifications

pub static NOTIFICATION_METADATA: T = T::new("NotificationMetadata", 0xBF2F, Sequence(&[
    F::new("seqNumber", 0x80, &INTEGER),
    F::new("profileManagementOperation", 0x81, &NOTIFICATION_EVENT),
    F::new("notificationAddress", 0, &UTF8),
    F::opt("iccid", 0, &ICCID),
]));
pub static SUCCESS_RESULT: T = T::new("SuccessResult", 0x30, Sequence(&[
    F::new("aid", 0x4F, &AID_5_16),
    F::new("simaResponse", 0, &SIMA_RESPONSE),
]));
pub static ERROR_RESULT: T = T::new("ErrorResult", 0x30, Sequence(&[
    F::new("bppCommandId", 0x80, &BPP_COMMAND_ID),
    F::new("errorReason", 0x81, &ERROR_REASON),
    F::opt("simaResponse", 0x82, &SIMA_RESPONSE),
]));
pub static FINAL_RESULT: T = T::new("FinalResult", 0, Choice(&[
    F::new("successResult", 0xA0, &SUCCESS_RESULT),
    F::new("errorResult", 0xA1, &ERROR_RESULT),
]));
/// smdpOid is mandatory in v2.5 (optional before); we follow v2.5.
pub static PROFILE_INSTALLATION_RESULT_DATA: T = T::new("ProfileInstallationResultData", 0xBF27, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("notificationMetadata", 0, &NOTIFICATION_METADATA),
    F::new("smdpOid", 0, &OID),
    F::explicit("finalResult", 0xA2, &FINAL_RESULT),
]));
pub static PROFILE_INSTALLATION_RESULT: T = T::new("ProfileInstallationResult", 0xBF37, Sequence(&[
    F::new("profileInstallationResultData", 0, &PROFILE_INSTALLATION_RESULT_DATA),
    F::new("euiccSignPIR", 0, &SIGNATURE),
]));
pub static OTHER_SIGNED_NOTIFICATION: T = T::new("OtherSignedNotification", 0x30, Sequence(&[
    F::new("tbsOtherNotification", 0, &NOTIFICATION_METADATA),
    F::new("euiccNotificationSignature", 0, &SIGNATURE),
    F::new("euiccCertificate", 0, &CERTIFICATE),
    F::new("eumCertificate", 0, &CERTIFICATE),
]));
pub static PENDING_NOTIFICATION: T = T::new("PendingNotification", 0, Choice(&[
    F::new("profileInstallationResult", 0, &PROFILE_INSTALLATION_RESULT),
    F::new("otherSignedNotification", 0, &OTHER_SIGNED_NOTIFICATION),
]));
static NOTIFICATION_METADATA_ITEM: F = F::new("notificationMetadata", 0, &NOTIFICATION_METADATA);
pub static NOTIFICATION_METADATA_LIST: T = T::new("SEQUENCE OF NotificationMetadata", 0x30,
    SequenceOf { item: &NOTIFICATION_METADATA_ITEM, size: Size::ANY });
static PENDING_NOTIFICATION_ITEM: F = F::new("pendingNotification", 0, &PENDING_NOTIFICATION);
pub static PENDING_NOTIFICATION_LIST: T = T::new("SEQUENCE OF PendingNotification", 0x30,
    SequenceOf { item: &PENDING_NOTIFICATION_ITEM, size: Size::ANY });

pub static LIST_NOTIFICATION_REQUEST: T = T::new("ListNotificationRequest", 0xBF28, Sequence(&[
    F::opt("profileManagementOperation", 0x81, &NOTIFICATION_EVENT),
]));
pub static LIST_NOTIFICATION_RESPONSE: T = T::new("ListNotificationResponse", 0xBF28, Choice(&[
    F::new("notificationMetadataList", 0xA0, &NOTIFICATION_METADATA_LIST),
    F::new("listNotificationsResultError", 0x81, &UNDEFINED_ERROR),
]));
pub static RETRIEVE_SEARCH_CRITERIA: T = T::new("RetrieveNotificationsSearchCriteria", 0, Choice(&[
    F::new("seqNumber", 0x80, &INTEGER),
    F::new("profileManagementOperation", 0x81, &NOTIFICATION_EVENT),
]));
pub static RETRIEVE_NOTIFICATIONS_LIST_REQUEST: T = T::new("RetrieveNotificationsListRequest", 0xBF2B, Sequence(&[
    F::explicit_opt("searchCriteria", 0xA0, &RETRIEVE_SEARCH_CRITERIA),
]));
pub static RETRIEVE_NOTIFICATIONS_LIST_RESPONSE: T = T::new("RetrieveNotificationsListResponse", 0xBF2B, Choice(&[
    F::new("notificationList", 0xA0, &PENDING_NOTIFICATION_LIST),
    F::new("notificationsListResultError", 0x81, &UNDEFINED_ERROR),
]));
pub static NOTIFICATION_SENT_REQUEST: T = T::new("NotificationSentRequest", 0xBF30, Sequence(&[
    F::new("seqNumber", 0x80, &INTEGER),
]));
pub static NOTIFICATION_SENT_RESPONSE: T = T::new("NotificationSentResponse", 0xBF30, Sequence(&[
    F::new("deleteNotificationStatus", 0x80, &DELETE_NOTIFICATION_STATUS),
]));

// ---------------------------------------------------------------- ES10b: cancel session, CRL, RAT

pub static CANCEL_SESSION_REQUEST: T = T::new("CancelSessionRequest", 0xBF41, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("reason", 0x81, &CANCEL_SESSION_REASON),
]));
pub static EUICC_CANCEL_SESSION_SIGNED: T = T::new("EuiccCancelSessionSigned", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("smdpOid", 0x81, &OID),
    F::new("reason", 0x82, &CANCEL_SESSION_REASON),
]));
pub static CANCEL_SESSION_RESPONSE_OK: T = T::new("CancelSessionResponseOk", 0x30, Sequence(&[
    F::new("euiccCancelSessionSigned", 0, &EUICC_CANCEL_SESSION_SIGNED),
    F::new("euiccCancelSessionSignature", 0, &SIGNATURE),
]));
pub static CANCEL_SESSION_RESPONSE: T = T::new("CancelSessionResponse", 0xBF41, Choice(&[
    F::new("cancelSessionResponseOk", 0xA0, &CANCEL_SESSION_RESPONSE_OK),
    F::new("cancelSessionResponseError", 0x81, &CANCEL_SESSION_ERROR),
]));
/// Digest §3.2 writes `BF35 { CertificateList }`; automatic tagging of the single component
/// gives `[0]` implicitly, i.e. `BF35 { A0 <CertificateList content> }`.
pub static LOAD_CRL_REQUEST: T = T::new("LoadCRLRequest", 0xBF35, Sequence(&[
    F::new("crl", 0xA0, &CERTIFICATE_LIST),
]));
static MISSING_PART_ITEM: F = F::new("partNumber", 0, &INTEGER);
pub static MISSING_PARTS: T = T::new("SEQUENCE OF INTEGER", 0x30, SequenceOf { item: &MISSING_PART_ITEM, size: Size::ANY });
pub static LOAD_CRL_RESPONSE_OK: T = T::new("LoadCRLResponseOk", 0x30, Sequence(&[
    F::opt("missingParts", 0xA0, &MISSING_PARTS),
]));
pub static LOAD_CRL_RESPONSE: T = T::new("LoadCRLResponse", 0xBF35, Choice(&[
    F::new("loadCRLResponseOk", 0xA0, &LOAD_CRL_RESPONSE_OK),
    F::new("loadCRLResponseError", 0x81, &LOAD_CRL_ERROR),
]));
pub static GET_RAT_REQUEST: T = T::new("GetRatRequest", 0xBF43, Sequence(&[]));
static OPERATOR_ID_ITEM: F = F::new("operatorId", 0, &OPERATOR_ID);
pub static OPERATOR_ID_LIST: T = T::new("SEQUENCE OF OperatorId", 0x30, SequenceOf { item: &OPERATOR_ID_ITEM, size: Size::ANY });
pub static PROFILE_POLICY_AUTHORISATION_RULE: T = T::new("ProfilePolicyAuthorisationRule", 0x30, Sequence(&[
    F::new("pprIds", 0x80, &PPR_IDS),
    F::new("allowedOperators", 0xA1, &OPERATOR_ID_LIST),
    F::new("pprFlags", 0x82, &PPR_FLAGS),
]));
static PPAR_ITEM: F = F::new("rule", 0, &PROFILE_POLICY_AUTHORISATION_RULE);
pub static RULES_AUTHORISATION_TABLE: T = T::new("RulesAuthorisationTable", 0x30, SequenceOf { item: &PPAR_ITEM, size: Size::ANY });
pub static GET_RAT_RESPONSE: T = T::new("GetRatResponse", 0xBF43, Sequence(&[
    F::new("rat", 0xA0, &RULES_AUTHORISATION_TABLE),
]));

// ---------------------------------------------------------------- ES10c

pub static AID: T = T::new("OctetTo16", 0x4F, OctetString { size: Size::range(1, 16), hint: H::Hex });
pub static PROFILE_SEARCH_CRITERIA: T = T::new("ProfileSearchCriteria", 0, Choice(&[
    F::new("isdpAid", 0x4F, &AID),
    F::new("iccid", 0, &ICCID),
    F::new("profileClass", 0x95, &PROFILE_CLASS),
]));
pub static PROFILE_INFO_LIST_REQUEST: T = T::new("ProfileInfoListRequest", 0xBF2D, Sequence(&[
    F::explicit_opt("searchCriteria", 0xA0, &PROFILE_SEARCH_CRITERIA),
    F::opt("tagList", 0, &TAG_LIST),
]));
pub static PROFILE_INFO: T = T::new("ProfileInfo", 0xE3, Sequence(&[
    F::opt("iccid", 0, &ICCID),
    F::opt("isdpAid", 0x4F, &AID),
    F::opt("profileState", 0x9F70, &PROFILE_STATE),
    F::opt("profileNickname", 0x90, &UTF8_64),
    F::opt("serviceProviderName", 0x91, &UTF8_32),
    F::opt("profileName", 0x92, &UTF8_64),
    F::opt("iconType", 0x93, &ICON_TYPE),
    F::opt("icon", 0x94, &ICON),
    F::opt("profileClass", 0x95, &PROFILE_CLASS),
    F::opt("notificationConfigurationInfo", 0xB6, &NOTIFICATION_CONFIGURATION_LIST),
    F::opt("profileOwner", 0xB7, &OPERATOR_ID),
    F::opt("dpProprietaryData", 0xB8, &DP_PROPRIETARY_DATA),
    F::opt("profilePolicyRules", 0x99, &PPR_IDS),
    F::opt("serviceSpecificDataStoredInEuicc", 0xBF22, &VENDOR_SPECIFIC_EXTENSION),
]));
static PROFILE_INFO_ITEM: F = F::new("profileInfo", 0, &PROFILE_INFO);
pub static PROFILE_INFO_SEQUENCE: T = T::new("SEQUENCE OF ProfileInfo", 0x30, SequenceOf { item: &PROFILE_INFO_ITEM, size: Size::ANY });
pub static PROFILE_INFO_LIST_RESPONSE: T = T::new("ProfileInfoListResponse", 0xBF2D, Choice(&[
    F::new("profileInfoListOk", 0xA0, &PROFILE_INFO_SEQUENCE),
    F::new("profileInfoListError", 0x81, &PROFILE_INFO_LIST_ERROR),
]));
pub static PROFILE_IDENTIFIER: T = T::new("ProfileIdentifier", 0, Choice(&[
    F::new("isdpAid", 0x4F, &AID),
    F::new("iccid", 0, &ICCID),
]));
pub static ENABLE_PROFILE_REQUEST: T = T::new("EnableProfileRequest", 0xBF31, Sequence(&[
    F::explicit("profileIdentifier", 0xA0, &PROFILE_IDENTIFIER),
    F::new("refreshFlag", 0x81, &BOOLEAN),
]));
pub static ENABLE_PROFILE_RESPONSE: T = T::new("EnableProfileResponse", 0xBF31, Sequence(&[
    F::new("enableResult", 0x80, &ENABLE_RESULT),
]));
pub static DISABLE_PROFILE_REQUEST: T = T::new("DisableProfileRequest", 0xBF32, Sequence(&[
    F::explicit("profileIdentifier", 0xA0, &PROFILE_IDENTIFIER),
    F::new("refreshFlag", 0x81, &BOOLEAN),
]));
pub static DISABLE_PROFILE_RESPONSE: T = T::new("DisableProfileResponse", 0xBF32, Sequence(&[
    F::new("disableResult", 0x80, &DISABLE_RESULT),
]));
pub static DELETE_PROFILE_REQUEST: T = T::new("DeleteProfileRequest", 0xBF33, Choice(&[
    F::new("isdpAid", 0x4F, &AID),
    F::new("iccid", 0, &ICCID),
]));
pub static DELETE_PROFILE_RESPONSE: T = T::new("DeleteProfileResponse", 0xBF33, Sequence(&[
    F::new("deleteResult", 0x80, &DELETE_RESULT),
]));
pub static EUICC_MEMORY_RESET_REQUEST: T = T::new("EuiccMemoryResetRequest", 0xBF34, Sequence(&[
    F::new("resetOptions", 0x82, &RESET_OPTIONS),
]));
pub static EUICC_MEMORY_RESET_RESPONSE: T = T::new("EuiccMemoryResetResponse", 0xBF34, Sequence(&[
    F::new("resetResult", 0x80, &RESET_RESULT),
]));
pub static GET_EUICC_DATA_REQUEST: T = T::new("GetEuiccDataRequest", 0xBF3E, Sequence(&[
    F::new("tagList", 0x5C, &OCTET1),
]));
pub static GET_EUICC_DATA_RESPONSE: T = T::new("GetEuiccDataResponse", 0xBF3E, Sequence(&[
    F::new("eidValue", 0, &EID_VALUE),
]));
pub static SET_NICKNAME_REQUEST: T = T::new("SetNicknameRequest", 0xBF29, Sequence(&[
    F::new("iccid", 0, &ICCID),
    F::new("profileNickname", 0x90, &UTF8_64),
]));
pub static SET_NICKNAME_RESPONSE: T = T::new("SetNicknameResponse", 0xBF29, Sequence(&[
    F::new("setNicknameResult", 0x80, &SET_NICKNAME_RESULT),
]));
pub static UPDATE_METADATA_REQUEST: T = T::new("UpdateMetadataRequest", 0xBF2A, Sequence(&[
    F::opt("serviceProviderName", 0x91, &UTF8_32),
    F::opt("profileName", 0x92, &UTF8_64),
    F::opt("iconType", 0x93, &ICON_TYPE),
    F::opt("icon", 0x94, &ICON),
    F::opt("profilePolicyRules", 0x99, &PPR_IDS),
    F::opt("serviceSpecificDataStoredInEuicc", 0xBF22, &VENDOR_SPECIFIC_EXTENSION),
]));
pub static UPDATE_METADATA_RESPONSE: T = T::new("UpdateMetadataResponse", 0xBF2A, Sequence(&[
    F::new("updateResult", 0x80, &UPDATE_METADATA_RESULT),
]));
pub static ISDR_PROPRIETARY_APPLICATION_TEMPLATE: T = T::new("ISDRProprietaryApplicationTemplate", 0xE0, Sequence(&[
    F::new("svn", 0x82, &VERSION_TYPE),
    F::opt("lpaeSupport", 0, &LPAE_SUPPORT),
]));
pub static LPAE_ACTIVATION_REQUEST: T = T::new("LpaeActivationRequest", 0xBF42, Sequence(&[
    F::new("lpaeOption", 0x80, &LPAE_OPTION),
]));
pub static LPAE_ACTIVATION_RESPONSE: T = T::new("LpaeActivationResponse", 0xBF42, Sequence(&[
    F::new("lpaeActivationResult", 0x80, &LPAE_ACTIVATION_RESULT),
]));

// ---------------------------------------------------------------- ES9+ / ES11 ASN.1 binding

pub static INITIATE_AUTHENTICATION_REQUEST: T = T::new("InitiateAuthenticationRequest", 0xBF39, Sequence(&[
    F::new("euiccChallenge", 0x81, &OCTET16),
    F::new("smdpAddress", 0x83, &UTF8),
    F::new("euiccInfo1", 0, &EUICC_INFO1),
]));
pub static INITIATE_AUTHENTICATION_OK_ES9: T = T::new("InitiateAuthenticationOkEs9", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("serverSigned1", 0, &SERVER_SIGNED1),
    F::new("serverSignature1", 0, &SIGNATURE),
    F::new("euiccCiPKIdToBeUsed", 0, &SUBJECT_KEY_IDENTIFIER),
    F::new("serverCertificate", 0, &CERTIFICATE),
]));
pub static INITIATE_AUTHENTICATION_RESPONSE: T = T::new("InitiateAuthenticationResponse", 0xBF39, Choice(&[
    F::new("initiateAuthenticationOk", 0xA0, &INITIATE_AUTHENTICATION_OK_ES9),
    F::new("initiateAuthenticationError", 0x81, &INITIATE_AUTHENTICATION_ERROR),
]));
pub static AUTHENTICATE_CLIENT_REQUEST: T = T::new("AuthenticateClientRequest", 0xBF3B, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("authenticateServerResponse", 0, &AUTHENTICATE_SERVER_RESPONSE),
]));
pub static AUTHENTICATE_CLIENT_OK: T = T::new("AuthenticateClientOk", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("profileMetaData", 0, &STORE_METADATA_REQUEST),
    F::new("smdpSigned2", 0, &SMDP_SIGNED2),
    F::new("smdpSignature2", 0, &SIGNATURE),
    F::new("smdpCertificate", 0, &CERTIFICATE),
]));
pub static AUTHENTICATE_CLIENT_RESPONSE_ES9: T = T::new("AuthenticateClientResponseEs9", 0xBF3B, Choice(&[
    F::new("authenticateClientOk", 0xA0, &AUTHENTICATE_CLIENT_OK),
    F::new("authenticateClientError", 0x81, &AUTHENTICATE_CLIENT_ERROR_ES9),
]));
pub static GET_BOUND_PROFILE_PACKAGE_REQUEST: T = T::new("GetBoundProfilePackageRequest", 0xBF3A, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("prepareDownloadResponse", 0, &PREPARE_DOWNLOAD_RESPONSE),
]));
pub static GET_BOUND_PROFILE_PACKAGE_OK: T = T::new("GetBoundProfilePackageOk", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("boundProfilePackage", 0, &BOUND_PROFILE_PACKAGE),
]));
pub static GET_BOUND_PROFILE_PACKAGE_RESPONSE: T = T::new("GetBoundProfilePackageResponse", 0xBF3A, Choice(&[
    F::new("getBoundProfilePackageOk", 0xA0, &GET_BOUND_PROFILE_PACKAGE_OK),
    F::new("getBoundProfilePackageError", 0x81, &GET_BPP_ERROR),
]));
/// The single untagged CHOICE component gets automatic tag `[0]`, explicit: `BF3D { A0 { BF37 | 30 } }`.
pub static HANDLE_NOTIFICATION: T = T::new("HandleNotification", 0xBF3D, Sequence(&[
    F::explicit("pendingNotification", 0xA0, &PENDING_NOTIFICATION),
]));
/// Automatic tagging: transactionId `80`; cancelSessionResponse `[1]` implicitly replaces the
/// `[65]` of CancelSessionResponse, so the CHOICE sits in an `A1` wrapper.
pub static CANCEL_SESSION_REQUEST_ES9: T = T::new("CancelSessionRequestEs9", 0xBF41, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::explicit("cancelSessionResponse", 0xA1, &CANCEL_SESSION_RESPONSE_ALTERNATIVES),
]));
/// The alternatives of CancelSessionResponse without its `BF41`, for the re-tagged use above.
pub static CANCEL_SESSION_RESPONSE_ALTERNATIVES: T = T::new("CancelSessionResponse", 0, Choice(&[
    F::new("cancelSessionResponseOk", 0xA0, &CANCEL_SESSION_RESPONSE_OK),
    F::new("cancelSessionResponseError", 0x81, &CANCEL_SESSION_ERROR),
]));
pub static CANCEL_SESSION_OK: T = T::new("CancelSessionOk", 0x30, Sequence(&[]));
pub static CANCEL_SESSION_RESPONSE_ES9: T = T::new("CancelSessionResponseEs9", 0xBF41, Choice(&[
    F::new("cancelSessionOk", 0xA0, &CANCEL_SESSION_OK),
    F::new("cancelSessionError", 0x81, &CANCEL_SESSION_ERROR_ES9),
]));
pub static EVENT_ENTRIES: T = T::new("EventEntries", 0x30, Sequence(&[
    F::new("eventId", 0x80, &UTF8),
    F::new("rspServerAddress", 0x81, &UTF8),
]));
static EVENT_ENTRY_ITEM: F = F::new("eventEntry", 0, &EVENT_ENTRIES);
pub static EVENT_ENTRIES_LIST: T = T::new("SEQUENCE OF EventEntries", 0x30, SequenceOf { item: &EVENT_ENTRY_ITEM, size: Size::ANY });
pub static AUTHENTICATE_CLIENT_OK_ES11: T = T::new("AuthenticateClientOkEs11", 0x30, Sequence(&[
    F::new("transactionId", 0x80, &TRANSACTION_ID),
    F::new("eventEntries", 0xA1, &EVENT_ENTRIES_LIST),
]));
pub static AUTHENTICATE_CLIENT_RESPONSE_ES11: T = T::new("AuthenticateClientResponseEs11", 0xBF40, Choice(&[
    F::new("authenticateClientOk", 0xA0, &AUTHENTICATE_CLIENT_OK_ES11),
    F::new("authenticateClientError", 0x81, &AUTHENTICATE_CLIENT_ERROR_ES11),
]));
pub static REMOTE_PROFILE_PROVISIONING_REQUEST: T = T::new("RemoteProfileProvisioningRequest", 0xA2, Choice(&[
    F::new("initiateAuthenticationRequest", 0, &INITIATE_AUTHENTICATION_REQUEST),
    F::new("authenticateClientRequest", 0, &AUTHENTICATE_CLIENT_REQUEST),
    F::new("getBoundProfilePackageRequest", 0, &GET_BOUND_PROFILE_PACKAGE_REQUEST),
    F::new("cancelSessionRequestEs9", 0, &CANCEL_SESSION_REQUEST_ES9),
    F::new("handleNotification", 0, &HANDLE_NOTIFICATION),
]));
pub static REMOTE_PROFILE_PROVISIONING_RESPONSE: T = T::new("RemoteProfileProvisioningResponse", 0xA2, Choice(&[
    F::new("initiateAuthenticationResponse", 0, &INITIATE_AUTHENTICATION_RESPONSE),
    F::new("authenticateClientResponseEs9", 0, &AUTHENTICATE_CLIENT_RESPONSE_ES9),
    F::new("getBoundProfilePackageResponse", 0, &GET_BOUND_PROFILE_PACKAGE_RESPONSE),
    F::new("cancelSessionResponseEs9", 0, &CANCEL_SESSION_RESPONSE_ES9),
    F::new("authenticateClientResponseEs11", 0, &AUTHENTICATE_CLIENT_RESPONSE_ES11),
]));

/// Every named message type, for lookup by name.
pub static ALL_TYPES: &[&T] = &[
    &EUICC_CONFIGURED_ADDRESSES_REQUEST, &EUICC_CONFIGURED_ADDRESSES_RESPONSE,
    &SET_DEFAULT_DP_ADDRESS_REQUEST, &SET_DEFAULT_DP_ADDRESS_RESPONSE,
    &GET_EUICC_CHALLENGE_REQUEST, &GET_EUICC_CHALLENGE_RESPONSE,
    &GET_EUICC_INFO1_REQUEST, &EUICC_INFO1, &GET_EUICC_INFO2_REQUEST, &EUICC_INFO2,
    &DEVICE_INFO, &DEVICE_CAPABILITIES, &CTX_PARAMS1, &CTX_PARAMS_FOR_COMMON_AUTHENTICATION,
    &SERVER_SIGNED1, &AUTHENTICATE_SERVER_REQUEST, &EUICC_SIGNED1, &AUTHENTICATE_RESPONSE_OK,
    &AUTHENTICATE_RESPONSE_ERROR, &AUTHENTICATE_SERVER_RESPONSE,
    &SMDP_SIGNED2, &PREPARE_DOWNLOAD_REQUEST, &EUICC_SIGNED2, &PREPARE_DOWNLOAD_RESPONSE_OK,
    &PREPARE_DOWNLOAD_RESPONSE_ERROR, &PREPARE_DOWNLOAD_RESPONSE, &STORE_METADATA_REQUEST,
    &CONTROL_REF_TEMPLATE, &INITIALISE_SECURE_CHANNEL_REQUEST, &CONFIGURE_ISDP_REQUEST,
    &REPLACE_SESSION_KEYS_REQUEST, &BOUND_PROFILE_PACKAGE,
    &NOTIFICATION_METADATA, &SUCCESS_RESULT, &ERROR_RESULT, &PROFILE_INSTALLATION_RESULT_DATA,
    &PROFILE_INSTALLATION_RESULT, &OTHER_SIGNED_NOTIFICATION, &PENDING_NOTIFICATION,
    &LIST_NOTIFICATION_REQUEST, &LIST_NOTIFICATION_RESPONSE,
    &RETRIEVE_NOTIFICATIONS_LIST_REQUEST, &RETRIEVE_NOTIFICATIONS_LIST_RESPONSE,
    &NOTIFICATION_SENT_REQUEST, &NOTIFICATION_SENT_RESPONSE,
    &CANCEL_SESSION_REQUEST, &EUICC_CANCEL_SESSION_SIGNED, &CANCEL_SESSION_RESPONSE_OK, &CANCEL_SESSION_RESPONSE,
    &LOAD_CRL_REQUEST, &LOAD_CRL_RESPONSE_OK, &LOAD_CRL_RESPONSE, &GET_RAT_REQUEST, &GET_RAT_RESPONSE,
    &PROFILE_POLICY_AUTHORISATION_RULE, &OPERATOR_ID,
    &PROFILE_INFO_LIST_REQUEST, &PROFILE_INFO, &PROFILE_INFO_LIST_RESPONSE,
    &ENABLE_PROFILE_REQUEST, &ENABLE_PROFILE_RESPONSE, &DISABLE_PROFILE_REQUEST, &DISABLE_PROFILE_RESPONSE,
    &DELETE_PROFILE_REQUEST, &DELETE_PROFILE_RESPONSE, &EUICC_MEMORY_RESET_REQUEST, &EUICC_MEMORY_RESET_RESPONSE,
    &GET_EUICC_DATA_REQUEST, &GET_EUICC_DATA_RESPONSE, &SET_NICKNAME_REQUEST, &SET_NICKNAME_RESPONSE,
    &UPDATE_METADATA_REQUEST, &UPDATE_METADATA_RESPONSE,
    &ISDR_PROPRIETARY_APPLICATION_TEMPLATE, &LPAE_ACTIVATION_REQUEST, &LPAE_ACTIVATION_RESPONSE,
    &INITIATE_AUTHENTICATION_REQUEST, &INITIATE_AUTHENTICATION_OK_ES9, &INITIATE_AUTHENTICATION_RESPONSE,
    &AUTHENTICATE_CLIENT_REQUEST, &AUTHENTICATE_CLIENT_OK, &AUTHENTICATE_CLIENT_RESPONSE_ES9,
    &GET_BOUND_PROFILE_PACKAGE_REQUEST, &GET_BOUND_PROFILE_PACKAGE_OK, &GET_BOUND_PROFILE_PACKAGE_RESPONSE,
    &HANDLE_NOTIFICATION, &CANCEL_SESSION_REQUEST_ES9, &CANCEL_SESSION_OK, &CANCEL_SESSION_RESPONSE_ES9,
    &EVENT_ENTRIES, &AUTHENTICATE_CLIENT_OK_ES11, &AUTHENTICATE_CLIENT_RESPONSE_ES11,
    &REMOTE_PROFILE_PROVISIONING_REQUEST, &REMOTE_PROFILE_PROVISIONING_RESPONSE,
    &CERTIFICATE, &CERTIFICATE_LIST,
];
