//! TCA PEDefinitions v3.3.1 types as schema data.
//!
//! Wire tags were resolved by hand from the module's tagging rules: AUTOMATIC TAGS gives
//! context tags [0], [1], … to every component of a SEQUENCE or CHOICE whose components carry
//! no written tag (implicit, so a SEQUENCE component becomes `A0`/`A1`…, a primitive one
//! `80`/`81`…; from [31] on the tag takes two octets: `BF1F`, `BF20`, …); a SEQUENCE with any
//! written tag gets no automatic tags; a tag on an untagged CHOICE is explicit.

use rsp_codec::schema::{Field as F, Kind, OctetsHint as H, Size, TypeDef as T};
use Kind::*;

// ---------------------------------------------------------------- basic types

pub static OCTET_STRING: T = T::new("OCTET STRING", 0x04, OctetString { size: Size::ANY, hint: H::Hex });
pub static OCTET1: T = T::new("OCTET STRING (SIZE(1))", 0x04, OctetString { size: Size::exactly(1), hint: H::Hex });
pub static OCTET1_2: T = T::new("OCTET STRING (SIZE(1..2))", 0x04, OctetString { size: Size::range(1, 2), hint: H::Hex });
pub static OCTET1_3: T = T::new("OCTET STRING (SIZE(1..3))", 0x04, OctetString { size: Size::range(1, 3), hint: H::Hex });
pub static OCTET2: T = T::new("OCTET STRING (SIZE(2))", 0x04, OctetString { size: Size::exactly(2), hint: H::Hex });
pub static OCTET2_4: T = T::new("OCTET STRING (SIZE(2..4))", 0x04, OctetString { size: Size::range(2, 4), hint: H::Hex });
pub static OCTET3: T = T::new("OCTET STRING (SIZE(3))", 0x04, OctetString { size: Size::exactly(3), hint: H::Hex });
pub static OCTET5: T = T::new("OCTET STRING (SIZE(5))", 0x04, OctetString { size: Size::exactly(5), hint: H::Hex });
pub static OCTET6: T = T::new("OCTET STRING (SIZE(6))", 0x04, OctetString { size: Size::exactly(6), hint: H::Hex });
pub static OCTET8: T = T::new("OCTET STRING (SIZE(8))", 0x04, OctetString { size: Size::exactly(8), hint: H::Hex });
pub static OCTET16: T = T::new("OCTET STRING (SIZE(16))", 0x04, OctetString { size: Size::exactly(16), hint: H::Hex });
pub static OCTET80: T = T::new("OCTET STRING (SIZE(80))", 0x04, OctetString { size: Size::exactly(80), hint: H::Hex });
pub static OCTET0_1: T = T::new("OCTET STRING (SIZE(0..1))", 0x04, OctetString { size: Size::range(0, 1), hint: H::Hex });
pub static OCTET0_8: T = T::new("OCTET STRING (SIZE(0..8))", 0x04, OctetString { size: Size::range(0, 8), hint: H::Hex });
pub static OCTET1_200: T = T::new("OCTET STRING (SIZE(1..200))", 0x04, OctetString { size: Size::range(1, 200), hint: H::Hex });
pub static OCTET2_32: T = T::new("OCTET STRING (SIZE(2..32))", 0x04, OctetString { size: Size::range(2, 32), hint: H::Hex });
pub static OCTET3_483: T = T::new("OCTET STRING (SIZE(3..483))", 0x04, OctetString { size: Size::range(3, 483), hint: H::Hex });
pub static OCTET5_957: T = T::new("OCTET STRING (SIZE(5..957))", 0x04, OctetString { size: Size::range(5, 957), hint: H::Hex });
pub static OCTET7_11: T = T::new("OCTET STRING (SIZE(7..11))", 0x04, OctetString { size: Size::range(7, 11), hint: H::Hex });
/// TS 102 221 file descriptor, 2 to 4 bytes (FDB, coding, record length).
pub static FILE_DESCRIPTOR: T = T::new("OCTET STRING (SIZE(2..4))", 0x04, OctetString { size: Size::range(2, 4), hint: H::Hex });
pub static APPLICATION_IDENTIFIER: T = T::new("ApplicationIdentifier", 0x04, OctetString { size: Size::range(5, 16), hint: H::Hex });
/// The header ICCID: 10 bytes. TS.48 profiles hold the digits in plain order here, not the
/// nibble-swapped EF.ICCID coding (digest §7.2), so this is shown as hex rather than as an ICCID.
pub static HEADER_ICCID: T = T::new("OCTET STRING (SIZE(10))", 0x04, OctetString { size: Size::exactly(10), hint: H::Hex });
/// Content that is itself a BER-TLV run (pinStatusTemplateDO, ...).
pub static OCTETS_TLV: T = T::new("OCTET STRING", 0x04, OctetString { size: Size::ANY, hint: H::Tlv });
pub static PROFILE_TYPE: T = T::new("UTF8String (SIZE(1..100))", 0x0C, Utf8String { size: Size::range(1, 100) });
pub static STATUS_MESSAGE: T = T::new("UTF8String (SIZE(2..64))", 0x0C, Utf8String { size: Size::range(2, 64) });
/// UInt8 / UInt15 / UInt16 / UInt31: the codec checks the INTEGER encoding, not the range.
pub static UINT8: T = T::new("UInt8", 0x02, Integer { named: &[] });
pub static UINT15: T = T::new("UInt15", 0x02, Integer { named: &[] });
pub static UINT16: T = T::new("UInt16", 0x02, Integer { named: &[] });
pub static UINT31: T = T::new("UInt31", 0x02, Integer { named: &[] });
pub static NULL: T = T::new("NULL", 0x05, Null);
pub static OID: T = T::new("OBJECT IDENTIFIER", 0x06, ObjectIdentifier);

// ---------------------------------------------------------------- PE header, profile header

pub static PE_HEADER: T = T::new("PEHeader", 0x30, Sequence(&[
    F::opt("mandated", 0x80, &NULL),
    F::new("identification", 0x81, &UINT15),
]));

pub static PE_DUMMY: T = T::new("PE-Dummy", 0x30, Sequence(&[]));

pub static SERVICES_LIST: T = T::new("ServicesList", 0x30, Sequence(&[
    F::opt("contactless", 0x80, &NULL),
    F::opt("usim", 0x81, &NULL),
    F::opt("isim", 0x82, &NULL),
    F::opt("csim", 0x83, &NULL),
    F::opt("milenage", 0x84, &NULL),
    F::opt("tuak128", 0x85, &NULL),
    F::opt("cave", 0x86, &NULL),
    F::opt("gba-usim", 0x87, &NULL),
    F::opt("gba-isim", 0x88, &NULL),
    F::opt("mbms", 0x89, &NULL),
    F::opt("eap", 0x8A, &NULL),
    F::opt("javacard", 0x8B, &NULL),
    F::opt("multos", 0x8C, &NULL),
    F::opt("multiple-usim", 0x8D, &NULL),
    F::opt("multiple-isim", 0x8E, &NULL),
    F::opt("multiple-csim", 0x8F, &NULL),
    F::opt("tuak256", 0x90, &NULL),
    F::opt("usim-test-algorithm", 0x91, &NULL),
    F::opt("ber-tlv", 0x92, &NULL),
    F::opt("dfLink", 0x93, &NULL),
    F::opt("cat-tp", 0x94, &NULL),
    F::opt("get-identity", 0x95, &NULL),
    F::opt("profile-a-x25519", 0x96, &NULL),
    F::opt("profile-b-p256", 0x97, &NULL),
    F::opt("suciCalculatorApi", 0x98, &NULL),
    F::opt("dns-resolution", 0x99, &NULL),
    F::opt("scp11ac", 0x9A, &NULL),
    F::opt("scp11c-authorization-mechanism", 0x9B, &NULL),
    F::opt("s16mode", 0x9C, &NULL),
    F::opt("eaka", 0x9D, &NULL),
]));

pub static GFSTE_LIST: T = T::new("SEQUENCE OF OBJECT IDENTIFIER", 0x30, SequenceOf {
    item: &F::new("templateID", 0, &OID),
    size: Size::ANY,
});

pub static MANDATORY_AID: T = T::new("MandatoryAID", 0x30, Sequence(&[
    F::new("aid", 0x80, &APPLICATION_IDENTIFIER),
    F::new("version", 0x81, &OCTET2),
]));
pub static MANDATORY_AIDS: T = T::new("SEQUENCE OF MandatoryAID", 0x30, SequenceOf {
    item: &F::new("aid", 0, &MANDATORY_AID),
    size: Size::ANY,
});

pub static IOT_OPTIONS: T = T::new("IotOptions", 0x30, Sequence(&[
    F::new("pix", 0x80, &OCTET7_11),
]));

pub static PROFILE_HEADER: T = T::new("ProfileHeader", 0x30, Sequence(&[
    F::new("major-version", 0x80, &UINT8),
    F::new("minor-version", 0x81, &UINT8),
    F::opt("profileType", 0x82, &PROFILE_TYPE),
    F::new("iccid", 0x83, &HEADER_ICCID),
    F::opt("pol", 0x84, &OCTET_STRING),
    F::new("eUICC-Mandatory-services", 0xA5, &SERVICES_LIST),
    F::new("eUICC-Mandatory-GFSTEList", 0xA6, &GFSTE_LIST),
    F::opt("connectivityParameters", 0x87, &OCTET_STRING),
    F::opt("eUICC-Mandatory-AIDs", 0xA8, &MANDATORY_AIDS),
    F::opt("iotOptions", 0xA9, &IOT_OPTIONS),
]));

// ---------------------------------------------------------------- File, Fcp

/// `ProprietaryInfo` (written tags: no automatic tagging).
pub static PROPRIETARY_INFO: T = T::new("ProprietaryInfo", 0x30, Sequence(&[
    F::default("specialFileInformation", 0xC0, &OCTET1, &[0x00]),
    F::opt("fillPattern", 0xC1, &OCTET1_200),
    F::opt("repeatPattern", 0xC2, &OCTET1_200),
    F::opt("maximumFileSize", 0x86, &OCTET_STRING),
    F::default("fileDetails", 0x84, &OCTET1, &[0x01]),
]));

/// `Fcp` (written tags: no automatic tagging).
pub static FCP: T = T::new("Fcp", 0x30, Sequence(&[
    F::opt("fileDescriptor", 0x82, &FILE_DESCRIPTOR),
    F::opt("fileID", 0x83, &OCTET2),
    F::opt("dfName", 0x84, &APPLICATION_IDENTIFIER),
    F::default("lcsi", 0x8A, &OCTET1, &[0x05]),
    F::opt("securityAttributesReferenced", 0x8B, &OCTET1_3),
    F::opt("efFileSize", 0x80, &OCTET_STRING),
    F::opt("pinStatusTemplateDO", 0xC6, &OCTETS_TLV),
    F::opt("shortEFID", 0x88, &OCTET0_1),
    F::opt("proprietaryEFInfo", 0xA5, &PROPRIETARY_INFO),
    F::opt("linkPath", 0xC7, &OCTET0_8),
]));

/// The item of `File`: an untagged CHOICE with automatic tags.
pub static FILE_ITEM: T = T::new("File-item", 0, Choice(&[
    F::new("doNotCreate", 0x80, &NULL),
    F::new("fileDescriptor", 0xA1, &FCP),
    F::new("fillFileOffset", 0x82, &UINT16),
    F::new("fillFileContent", 0x83, &OCTET_STRING),
]));

/// `File ::= SEQUENCE OF CHOICE {...}`; every use in a PE gets an automatic (implicit) tag.
pub static FILE: T = T::new("File", 0x30, SequenceOf {
    item: &F::new("item", 0, &FILE_ITEM),
    size: Size::ANY,
});

// ---------------------------------------------------------------- template-based file PEs
// Component tags: header [0] A0, templateID [1] 81, then one File per template file from [2].

pub static PE_MF: T = T::new("PE-MF", 0x30, Sequence(&[
    F::new("mf-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("mf", 0xA2, &FILE),
    F::opt("ef-pl", 0xA3, &FILE),
    F::new("ef-iccid", 0xA4, &FILE),
    F::new("ef-dir", 0xA5, &FILE),
    F::new("ef-arr", 0xA6, &FILE),
    F::opt("ef-umpc", 0xA7, &FILE),
]));
pub static PE_CD: T = T::new("PE-CD", 0x30, Sequence(&[
    F::new("cd-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-cd", 0xA2, &FILE),
    F::opt("ef-launchpad", 0xA3, &FILE),
    F::opt("ef-icon", 0xA4, &FILE),
]));
pub static PE_TELECOM: T = T::new("PE-TELECOM", 0x30, Sequence(&[
    F::new("telecom-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-telecom", 0xA2, &FILE),
    F::opt("ef-arr", 0xA3, &FILE),
    F::opt("ef-rma", 0xA4, &FILE),
    F::opt("ef-sume", 0xA5, &FILE),
    F::opt("ef-ice-dn", 0xA6, &FILE),
    F::opt("ef-ice-ff", 0xA7, &FILE),
    F::opt("ef-psismsc", 0xA8, &FILE),
    F::opt("df-graphics", 0xA9, &FILE),
    F::opt("ef-img", 0xAA, &FILE),
    F::opt("ef-iidf", 0xAB, &FILE),
    F::opt("ef-ice-graphics", 0xAC, &FILE),
    F::opt("ef-launch-scws", 0xAD, &FILE),
    F::opt("ef-icon", 0xAE, &FILE),
    F::opt("df-phonebook", 0xAF, &FILE),
    F::opt("ef-pbr", 0xB0, &FILE),
    F::opt("ef-ext1", 0xB1, &FILE),
    F::opt("ef-aas", 0xB2, &FILE),
    F::opt("ef-gas", 0xB3, &FILE),
    F::opt("ef-psc", 0xB4, &FILE),
    F::opt("ef-cc", 0xB5, &FILE),
    F::opt("ef-puid", 0xB6, &FILE),
    F::opt("ef-iap", 0xB7, &FILE),
    F::opt("ef-adn", 0xB8, &FILE),
    F::opt("ef-pbc", 0xB9, &FILE),
    F::opt("ef-anr", 0xBA, &FILE),
    F::opt("ef-puri", 0xBB, &FILE),
    F::opt("ef-email", 0xBC, &FILE),
    F::opt("ef-sne", 0xBD, &FILE),
    F::opt("ef-uid", 0xBE, &FILE),
    F::opt("ef-grp", 0xBF1F, &FILE),
    F::opt("ef-ccp1", 0xBF20, &FILE),
    F::opt("df-multimedia", 0xBF21, &FILE),
    F::opt("ef-mml", 0xBF22, &FILE),
    F::opt("ef-mmdf", 0xBF23, &FILE),
    F::opt("df-mmss", 0xBF24, &FILE),
    F::opt("ef-mlpl", 0xBF25, &FILE),
    F::opt("ef-mspl", 0xBF26, &FILE),
    F::opt("ef-mmssmode", 0xBF27, &FILE),
    F::opt("df-mcs", 0xBF28, &FILE),
    F::opt("ef-mst", 0xBF29, &FILE),
    F::opt("ef-mcs-config", 0xBF2A, &FILE),
    F::opt("df-v2x", 0xBF2B, &FILE),
    F::opt("ef-vst", 0xBF2C, &FILE),
    F::opt("ef-v2x-config", 0xBF2D, &FILE),
    F::opt("ef-v2xp-pc5", 0xBF2E, &FILE),
    F::opt("ef-v2xp-Uu", 0xBF2F, &FILE),
]));
pub static PE_USIM: T = T::new("PE-USIM", 0x30, Sequence(&[
    F::new("usim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("adf-usim", 0xA2, &FILE),
    F::new("ef-imsi", 0xA3, &FILE),
    F::new("ef-arr", 0xA4, &FILE),
    F::opt("ef-keys", 0xA5, &FILE),
    F::opt("ef-keysPS", 0xA6, &FILE),
    F::opt("ef-hpplmn", 0xA7, &FILE),
    F::new("ef-ust", 0xA8, &FILE),
    F::opt("ef-fdn", 0xA9, &FILE),
    F::opt("ef-sms", 0xAA, &FILE),
    F::opt("ef-smsp", 0xAB, &FILE),
    F::opt("ef-smss", 0xAC, &FILE),
    F::new("ef-spn", 0xAD, &FILE),
    F::new("ef-est", 0xAE, &FILE),
    F::opt("ef-start-hfn", 0xAF, &FILE),
    F::opt("ef-threshold", 0xB0, &FILE),
    F::opt("ef-psloci", 0xB1, &FILE),
    F::new("ef-acc", 0xB2, &FILE),
    F::opt("ef-fplmn", 0xB3, &FILE),
    F::opt("ef-loci", 0xB4, &FILE),
    F::opt("ef-ad", 0xB5, &FILE),
    F::new("ef-ecc", 0xB6, &FILE),
    F::opt("ef-netpar", 0xB7, &FILE),
    F::opt("ef-epsloci", 0xB8, &FILE),
    F::opt("ef-epsnsc", 0xB9, &FILE),
]));
pub static PE_OPT_USIM: T = T::new("PE-OPT-USIM", 0x30, Sequence(&[
    F::new("optusim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::opt("ef-li", 0xA2, &FILE),
    F::opt("ef-acmax", 0xA3, &FILE),
    F::opt("ef-acm", 0xA4, &FILE),
    F::opt("ef-gid1", 0xA5, &FILE),
    F::opt("ef-gid2", 0xA6, &FILE),
    F::opt("ef-msisdn", 0xA7, &FILE),
    F::opt("ef-puct", 0xA8, &FILE),
    F::opt("ef-cbmi", 0xA9, &FILE),
    F::opt("ef-cbmid", 0xAA, &FILE),
    F::opt("ef-sdn", 0xAB, &FILE),
    F::opt("ef-ext2", 0xAC, &FILE),
    F::opt("ef-ext3", 0xAD, &FILE),
    F::opt("ef-cbmir", 0xAE, &FILE),
    F::opt("ef-plmnwact", 0xAF, &FILE),
    F::opt("ef-oplmnwact", 0xB0, &FILE),
    F::opt("ef-hplmnwact", 0xB1, &FILE),
    F::opt("ef-dck", 0xB2, &FILE),
    F::opt("ef-cnl", 0xB3, &FILE),
    F::opt("ef-smsr", 0xB4, &FILE),
    F::opt("ef-bdn", 0xB5, &FILE),
    F::opt("ef-ext5", 0xB6, &FILE),
    F::opt("ef-ccp2", 0xB7, &FILE),
    F::opt("ef-ext4", 0xB8, &FILE),
    F::opt("ef-acl", 0xB9, &FILE),
    F::opt("ef-cmi", 0xBA, &FILE),
    F::opt("ef-ici", 0xBB, &FILE),
    F::opt("ef-oci", 0xBC, &FILE),
    F::opt("ef-ict", 0xBD, &FILE),
    F::opt("ef-oct", 0xBE, &FILE),
    F::opt("ef-vgcs", 0xBF1F, &FILE),
    F::opt("ef-vgcss", 0xBF20, &FILE),
    F::opt("ef-vbs", 0xBF21, &FILE),
    F::opt("ef-vbss", 0xBF22, &FILE),
    F::opt("ef-emlpp", 0xBF23, &FILE),
    F::opt("ef-aaem", 0xBF24, &FILE),
    F::opt("ef-hiddenkey", 0xBF25, &FILE),
    F::opt("ef-pnn", 0xBF26, &FILE),
    F::opt("ef-opl", 0xBF27, &FILE),
    F::opt("ef-mbdn", 0xBF28, &FILE),
    F::opt("ef-ext6", 0xBF29, &FILE),
    F::opt("ef-mbi", 0xBF2A, &FILE),
    F::opt("ef-mwis", 0xBF2B, &FILE),
    F::opt("ef-cfis", 0xBF2C, &FILE),
    F::opt("ef-ext7", 0xBF2D, &FILE),
    F::opt("ef-spdi", 0xBF2E, &FILE),
    F::opt("ef-mmsn", 0xBF2F, &FILE),
    F::opt("ef-ext8", 0xBF30, &FILE),
    F::opt("ef-mmsicp", 0xBF31, &FILE),
    F::opt("ef-mmsup", 0xBF32, &FILE),
    F::opt("ef-mmsucp", 0xBF33, &FILE),
    F::opt("ef-nia", 0xBF34, &FILE),
    F::opt("ef-vgcsca", 0xBF35, &FILE),
    F::opt("ef-vbsca", 0xBF36, &FILE),
    F::opt("ef-gbabp", 0xBF37, &FILE),
    F::opt("ef-msk", 0xBF38, &FILE),
    F::opt("ef-muk", 0xBF39, &FILE),
    F::opt("ef-ehplmn", 0xBF3A, &FILE),
    F::opt("ef-gbanl", 0xBF3B, &FILE),
    F::opt("ef-ehplmnpi", 0xBF3C, &FILE),
    F::opt("ef-lrplmnsi", 0xBF3D, &FILE),
    F::opt("ef-nafkca", 0xBF3E, &FILE),
    F::opt("ef-spni", 0xBF3F, &FILE),
    F::opt("ef-pnni", 0xBF40, &FILE),
    F::opt("ef-ncp-ip", 0xBF41, &FILE),
    F::opt("ef-ufc", 0xBF42, &FILE),
    F::opt("ef-nasconfig", 0xBF43, &FILE),
    F::opt("ef-uicciari", 0xBF44, &FILE),
    F::opt("ef-pws", 0xBF45, &FILE),
    F::opt("ef-fdnuri", 0xBF46, &FILE),
    F::opt("ef-bdnuri", 0xBF47, &FILE),
    F::opt("ef-sdnuri", 0xBF48, &FILE),
    F::opt("ef-ial", 0xBF49, &FILE),
    F::opt("ef-ips", 0xBF4A, &FILE),
    F::opt("ef-ipd", 0xBF4B, &FILE),
    F::opt("ef-epdgid", 0xBF4C, &FILE),
    F::opt("ef-epdgselection", 0xBF4D, &FILE),
    F::opt("ef-epdgidem", 0xBF4E, &FILE),
    F::opt("ef-epdgselectionem", 0xBF4F, &FILE),
    F::opt("ef-frompreferred", 0xBF50, &FILE),
    F::opt("ef-imsconfigdata", 0xBF51, &FILE),
    F::opt("ef-3gpppsdataoff", 0xBF52, &FILE),
    F::opt("ef-3gpppsdataoffservicelist", 0xBF53, &FILE),
    F::opt("ef-xcapconfigdata", 0xBF54, &FILE),
    F::opt("ef-earfcnlist", 0xBF55, &FILE),
    F::opt("ef-mudmidconfigdata", 0xBF56, &FILE),
    F::opt("ef-eaka", 0xBF57, &FILE),
]));
pub static PE_PHONEBOOK: T = T::new("PE-PHONEBOOK", 0x30, Sequence(&[
    F::new("phonebook-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-phonebook", 0xA2, &FILE),
    F::opt("ef-pbr", 0xA3, &FILE),
    F::opt("ef-ext1", 0xA4, &FILE),
    F::opt("ef-aas", 0xA5, &FILE),
    F::opt("ef-gas", 0xA6, &FILE),
    F::opt("ef-psc", 0xA7, &FILE),
    F::opt("ef-cc", 0xA8, &FILE),
    F::opt("ef-puid", 0xA9, &FILE),
    F::opt("ef-iap", 0xAA, &FILE),
    F::opt("ef-adn", 0xAB, &FILE),
    F::opt("ef-pbc", 0xAC, &FILE),
    F::opt("ef-anr", 0xAD, &FILE),
    F::opt("ef-puri", 0xAE, &FILE),
    F::opt("ef-email", 0xAF, &FILE),
    F::opt("ef-sne", 0xB0, &FILE),
    F::opt("ef-uid", 0xB1, &FILE),
    F::opt("ef-grp", 0xB2, &FILE),
    F::opt("ef-ccp1", 0xB3, &FILE),
]));
pub static PE_GSM_ACCESS: T = T::new("PE-GSM-ACCESS", 0x30, Sequence(&[
    F::new("gsm-access-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-gsm-access", 0xA2, &FILE),
    F::opt("ef-kc", 0xA3, &FILE),
    F::opt("ef-kcgprs", 0xA4, &FILE),
    F::opt("ef-cpbcch", 0xA5, &FILE),
    F::opt("ef-invscan", 0xA6, &FILE),
]));
pub static PE_DF_5GS: T = T::new("PE-DF-5GS", 0x30, Sequence(&[
    F::new("df-5gs-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-df-5gs", 0xA2, &FILE),
    F::opt("ef-5gs3gpploci", 0xA3, &FILE),
    F::opt("ef-5gsn3gpploci", 0xA4, &FILE),
    F::opt("ef-5gs3gppnsc", 0xA5, &FILE),
    F::opt("ef-5gsn3gppnsc", 0xA6, &FILE),
    F::opt("ef-5gauthkeys", 0xA7, &FILE),
    F::opt("ef-uac-aic", 0xA8, &FILE),
    F::opt("ef-suci-calc-info", 0xA9, &FILE),
    F::opt("ef-opl5g", 0xAA, &FILE),
    F::opt("ef-supinai", 0xAB, &FILE),
    F::opt("ef-routing-indicator", 0xAC, &FILE),
    F::opt("ef-ursp", 0xAD, &FILE),
    F::opt("ef-tn3gppsnn", 0xAE, &FILE),
    F::opt("ef-cag", 0xAF, &FILE),
    F::opt("ef-sor-cmci", 0xB0, &FILE),
    F::opt("ef-dri", 0xB1, &FILE),
    F::opt("ef-5gsedrx", 0xB2, &FILE),
    F::opt("ef-5gnswo-conf", 0xB3, &FILE),
    F::opt("ef-mchpplmn", 0xB4, &FILE),
    F::opt("ef-kausf-derivation", 0xB5, &FILE),
]));
pub static PE_DF_SAIP: T = T::new("PE-DF-SAIP", 0x30, Sequence(&[
    F::new("df-saip-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-df-saip", 0xA2, &FILE),
    F::opt("ef-suci-calc-info-usim", 0xA3, &FILE),
]));
pub static PE_DF_SNPN: T = T::new("PE-DF-SNPN", 0x30, Sequence(&[
    F::new("df-snpn-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-df-snpn", 0xA2, &FILE),
    F::opt("ef-pws-snpn", 0xA3, &FILE),
]));
pub static PE_DF_5GPROSE: T = T::new("PE-DF-5GPROSE", 0x30, Sequence(&[
    F::new("df-5g-prose-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-df-5g-prose", 0xA2, &FILE),
    F::opt("ef-5g-prose-st", 0xA3, &FILE),
    F::opt("ef-5g-prose-dd", 0xA4, &FILE),
    F::opt("ef-5g-prose-dc", 0xA5, &FILE),
    F::opt("ef-5g-prose-u2nru", 0xA6, &FILE),
    F::opt("ef-5g-prose-ru", 0xA7, &FILE),
    F::opt("ef-5g-prose-uir", 0xA8, &FILE),
]));
pub static PE_ISIM: T = T::new("PE-ISIM", 0x30, Sequence(&[
    F::new("isim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("adf-isim", 0xA2, &FILE),
    F::new("ef-impi", 0xA3, &FILE),
    F::new("ef-impu", 0xA4, &FILE),
    F::new("ef-domain", 0xA5, &FILE),
    F::new("ef-ist", 0xA6, &FILE),
    F::opt("ef-ad", 0xA7, &FILE),
    F::new("ef-arr", 0xA8, &FILE),
]));
pub static PE_OPT_ISIM: T = T::new("PE-OPT-ISIM", 0x30, Sequence(&[
    F::new("optisim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::opt("ef-pcscf", 0xA2, &FILE),
    F::opt("ef-sms", 0xA3, &FILE),
    F::opt("ef-smsp", 0xA4, &FILE),
    F::opt("ef-smss", 0xA5, &FILE),
    F::opt("ef-smsr", 0xA6, &FILE),
    F::opt("ef-gbabp", 0xA7, &FILE),
    F::opt("ef-gbanl", 0xA8, &FILE),
    F::opt("ef-nafkca", 0xA9, &FILE),
    F::opt("ef-uicciari", 0xAA, &FILE),
    F::opt("ef-frompreferred", 0xAB, &FILE),
    F::opt("ef-imsconfigdata", 0xAC, &FILE),
    F::opt("ef-xcapconfigdata", 0xAD, &FILE),
    F::opt("ef-webrtcuri", 0xAE, &FILE),
    F::opt("ef-mudmidconfigdata", 0xAF, &FILE),
]));
pub static PE_CSIM: T = T::new("PE-CSIM", 0x30, Sequence(&[
    F::new("csim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("adf-csim", 0xA2, &FILE),
    F::new("ef-arr", 0xA3, &FILE),
    F::new("ef-call-count", 0xA4, &FILE),
    F::new("ef-imsi-m", 0xA5, &FILE),
    F::new("ef-imsi-t", 0xA6, &FILE),
    F::new("ef-tmsi", 0xA7, &FILE),
    F::new("ef-ah", 0xA8, &FILE),
    F::new("ef-aop", 0xA9, &FILE),
    F::new("ef-aloc", 0xAA, &FILE),
    F::new("ef-cdmahome", 0xAB, &FILE),
    F::new("ef-znregi", 0xAC, &FILE),
    F::new("ef-snregi", 0xAD, &FILE),
    F::new("ef-distregi", 0xAE, &FILE),
    F::new("ef-accolc", 0xAF, &FILE),
    F::new("ef-term", 0xB0, &FILE),
    F::new("ef-acp", 0xB1, &FILE),
    F::new("ef-prl", 0xB2, &FILE),
    F::new("ef-ruimid", 0xB3, &FILE),
    F::new("ef-csim-st", 0xB4, &FILE),
    F::new("ef-spc", 0xB5, &FILE),
    F::new("ef-otapaspc", 0xB6, &FILE),
    F::new("ef-namlock", 0xB7, &FILE),
    F::new("ef-ota", 0xB8, &FILE),
    F::new("ef-sp", 0xB9, &FILE),
    F::new("ef-esn-meid-me", 0xBA, &FILE),
    F::new("ef-li", 0xBB, &FILE),
    F::new("ef-usgind", 0xBC, &FILE),
    F::new("ef-ad", 0xBD, &FILE),
    F::new("ef-max-prl", 0xBE, &FILE),
    F::new("ef-spcs", 0xBF1F, &FILE),
    F::new("ef-mecrp", 0xBF20, &FILE),
    F::new("ef-home-tag", 0xBF21, &FILE),
    F::new("ef-group-tag", 0xBF22, &FILE),
    F::new("ef-specific-tag", 0xBF23, &FILE),
    F::new("ef-call-prompt", 0xBF24, &FILE),
]));
pub static PE_OPT_CSIM: T = T::new("PE-OPT-CSIM", 0x30, Sequence(&[
    F::new("optcsim-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::opt("ef-ssci", 0xA2, &FILE),
    F::opt("ef-fdn", 0xA3, &FILE),
    F::opt("ef-sms", 0xA4, &FILE),
    F::opt("ef-smsp", 0xA5, &FILE),
    F::opt("ef-smss", 0xA6, &FILE),
    F::opt("ef-ssfc", 0xA7, &FILE),
    F::opt("ef-spn", 0xA8, &FILE),
    F::opt("ef-mdn", 0xA9, &FILE),
    F::opt("ef-ecc", 0xAA, &FILE),
    F::opt("ef-me3gpdopc", 0xAB, &FILE),
    F::opt("ef-3gpdopm", 0xAC, &FILE),
    F::opt("ef-sipcap", 0xAD, &FILE),
    F::opt("ef-mipcap", 0xAE, &FILE),
    F::opt("ef-sipupp", 0xAF, &FILE),
    F::opt("ef-mipupp", 0xB0, &FILE),
    F::opt("ef-sipsp", 0xB1, &FILE),
    F::opt("ef-mipsp", 0xB2, &FILE),
    F::opt("ef-sippapss", 0xB3, &FILE),
    F::opt("ef-puzl", 0xB4, &FILE),
    F::opt("ef-maxpuzl", 0xB5, &FILE),
    F::opt("ef-hrpdcap", 0xB6, &FILE),
    F::opt("ef-hrpdupp", 0xB7, &FILE),
    F::opt("ef-csspr", 0xB8, &FILE),
    F::opt("ef-atc", 0xB9, &FILE),
    F::opt("ef-eprl", 0xBA, &FILE),
    F::opt("ef-bcsmscfg", 0xBB, &FILE),
    F::opt("ef-bcsmspref", 0xBC, &FILE),
    F::opt("ef-bcsmstable", 0xBD, &FILE),
    F::opt("ef-bcsmsp", 0xBE, &FILE),
    F::opt("ef-bakpara", 0xBF1F, &FILE),
    F::opt("ef-upbakpara", 0xBF20, &FILE),
    F::opt("ef-mmsn", 0xBF21, &FILE),
    F::opt("ef-ext8", 0xBF22, &FILE),
    F::opt("ef-mmsicp", 0xBF23, &FILE),
    F::opt("ef-mmsup", 0xBF24, &FILE),
    F::opt("ef-mmsucp", 0xBF25, &FILE),
    F::opt("ef-auth-capability", 0xBF26, &FILE),
    F::opt("ef-3gcik", 0xBF27, &FILE),
    F::opt("ef-dck", 0xBF28, &FILE),
    F::opt("ef-gid1", 0xBF29, &FILE),
    F::opt("ef-gid2", 0xBF2A, &FILE),
    F::opt("ef-cdmacnl", 0xBF2B, &FILE),
    F::opt("ef-sf-euimid", 0xBF2C, &FILE),
    F::opt("ef-est", 0xBF2D, &FILE),
    F::opt("ef-hidden-key", 0xBF2E, &FILE),
    F::opt("ef-lcsver", 0xBF2F, &FILE),
    F::opt("ef-lcscp", 0xBF30, &FILE),
    F::opt("ef-sdn", 0xBF31, &FILE),
    F::opt("ef-ext2", 0xBF32, &FILE),
    F::opt("ef-ext3", 0xBF33, &FILE),
    F::opt("ef-ici", 0xBF34, &FILE),
    F::opt("ef-oci", 0xBF35, &FILE),
    F::opt("ef-ext5", 0xBF36, &FILE),
    F::opt("ef-ccp2", 0xBF37, &FILE),
    F::opt("ef-applabels", 0xBF38, &FILE),
    F::opt("ef-model", 0xBF39, &FILE),
    F::opt("ef-rc", 0xBF3A, &FILE),
    F::opt("ef-smscap", 0xBF3B, &FILE),
    F::opt("ef-mipflags", 0xBF3C, &FILE),
    F::opt("ef-3gpduppext", 0xBF3D, &FILE),
    F::opt("ef-ipv6cap", 0xBF3E, &FILE),
    F::opt("ef-tcpconfig", 0xBF3F, &FILE),
    F::opt("ef-dgc", 0xBF40, &FILE),
    F::opt("ef-wapbrowsercp", 0xBF41, &FILE),
    F::opt("ef-wapbrowserbm", 0xBF42, &FILE),
    F::opt("ef-mmsconfig", 0xBF43, &FILE),
    F::opt("ef-jdl", 0xBF44, &FILE),
]));
pub static PE_EAP: T = T::new("PE-EAP", 0x30, Sequence(&[
    F::new("eap-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::new("df-eap", 0xA2, &FILE),
    F::opt("ef-eapkeys", 0xA3, &FILE),
    F::new("ef-eapstatus", 0xA4, &FILE),
    F::opt("ef-puid", 0xA5, &FILE),
    F::opt("ef-ps", 0xA6, &FILE),
    F::opt("ef-curid", 0xA7, &FILE),
    F::opt("ef-reid", 0xA8, &FILE),
    F::opt("ef-realm", 0xA9, &FILE),
]));
pub static PE_IOT: T = T::new("PE-IoT", 0x30, Sequence(&[
    F::new("iot-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::opt("mf", 0xA2, &FILE),
    F::opt("ef-pl", 0xA3, &FILE),
    F::opt("ef-iccid", 0xA4, &FILE),
    F::opt("ef-dir", 0xA5, &FILE),
    F::opt("ef-arr", 0xA6, &FILE),
    F::opt("ef-umpc", 0xA7, &FILE),
    F::opt("adf-usim", 0xA8, &FILE),
    F::new("ef-imsi", 0xA9, &FILE),
    F::opt("ef-arr-usim", 0xAA, &FILE),
    F::opt("ef-keys", 0xAB, &FILE),
    F::opt("ef-keysPS", 0xAC, &FILE),
    F::opt("ef-hpplmn", 0xAD, &FILE),
    F::opt("ef-ust", 0xAE, &FILE),
    F::opt("ef-start-hfn", 0xAF, &FILE),
    F::opt("ef-threshold", 0xB0, &FILE),
    F::opt("ef-psloci", 0xB1, &FILE),
    F::new("ef-acc", 0xB2, &FILE),
    F::opt("ef-fplmn", 0xB3, &FILE),
    F::opt("ef-loci", 0xB4, &FILE),
    F::opt("ef-ad", 0xB5, &FILE),
    F::opt("ef-ecc", 0xB6, &FILE),
    F::opt("ef-netpar", 0xB7, &FILE),
]));
pub static PE_OPT_IOT: T = T::new("PE-OPT-IoT", 0x30, Sequence(&[
    F::new("optiot-header", 0xA0, &PE_HEADER),
    F::new("templateID", 0x81, &OID),
    F::opt("ef-fdn", 0xA2, &FILE),
    F::opt("ef-sms", 0xA3, &FILE),
    F::opt("ef-smsp", 0xA4, &FILE),
    F::opt("ef-smss", 0xA5, &FILE),
    F::opt("ef-spn", 0xA6, &FILE),
    F::opt("ef-est", 0xA7, &FILE),
    F::opt("ef-oplmnwact", 0xA8, &FILE),
    F::opt("ef-hplmnwact", 0xA9, &FILE),
    F::opt("ef-ehplmn", 0xAA, &FILE),
    F::opt("ef-epsloci", 0xAB, &FILE),
    F::opt("ef-epsnsc", 0xAC, &FILE),
    F::opt("df-df-5gs", 0xAD, &FILE),
    F::opt("ef-5gs3gpploci", 0xAE, &FILE),
    F::opt("ef-5gsn3gpploci", 0xAF, &FILE),
    F::opt("ef-5gs3gppnsc", 0xB0, &FILE),
    F::opt("ef-5gsn3gppnsc", 0xB1, &FILE),
    F::opt("ef-5gauthkeys", 0xB2, &FILE),
    F::opt("ef-uac-aic", 0xB3, &FILE),
    F::opt("ef-suci-calc-info", 0xB4, &FILE),
    F::opt("ef-opl5g", 0xB5, &FILE),
    F::opt("ef-supi-nai", 0xB6, &FILE),
    F::opt("ef-routing-indicator", 0xB7, &FILE),
    F::opt("ef-ursp", 0xB8, &FILE),
    F::opt("ef-tn3gppsnn", 0xB9, &FILE),
    F::opt("df-df-saip", 0xBA, &FILE),
    F::opt("ef-suci-calc-info-usim", 0xBB, &FILE),
]));

// ---------------------------------------------------------------- genericFileManagement

/// The item of `FileManagement`: written tags, so no automatic tagging.
pub static FILE_MANAGEMENT_ITEM: T = T::new("FileManagement-item", 0, Choice(&[
    F::new("filePath", 0x80, &OCTET0_8),
    F::new("createFCP", 0x62, &FCP),
    F::new("fillFileOffset", 0, &UINT16),
    F::new("fillFileContent", 0x81, &OCTET_STRING),
]));

pub static FILE_MANAGEMENT: T = T::new("FileManagement", 0x30, SequenceOf {
    item: &F::new("item", 0, &FILE_MANAGEMENT_ITEM),
    size: Size::at_least(1),
});

pub static PE_GENERIC_FILE_MANAGEMENT: T = T::new("PE-GenericFileManagement", 0x30, Sequence(&[
    F::new("gfm-header", 0xA0, &PE_HEADER),
    F::new("fileManagementCMD", 0xA1, &T::new("SEQUENCE OF FileManagement", 0x30, SequenceOf {
        item: &F::new("fileManagement", 0, &FILE_MANAGEMENT),
        size: Size::at_least(1),
    })),
]));

// ---------------------------------------------------------------- akaParameter, cdmaParameter

pub static ALGORITHM_ID: T = T::new("AlgorithmID", 0x02, Integer {
    named: &[(1, "milenage"), (2, "tuak"), (3, "usim-test-algorithm")],
});

pub static MAPPING_PARAMETER: T = T::new("MappingParameter", 0x30, Sequence(&[
    F::new("mappingOptions", 0x80, &OCTET1),
    F::new("mappingSource", 0x81, &APPLICATION_IDENTIFIER),
]));

/// Keys: 16 bytes (Milenage, TUAK-128) or 32 (TUAK-256); the module puts no size on them.
pub static ALGO_PARAMETER: T = T::new("AlgoParameter", 0x30, Sequence(&[
    F::new("algorithmID", 0x80, &ALGORITHM_ID),
    F::new("algorithmOptions", 0x81, &OCTET1),
    F::new("key", 0x82, &OCTET_STRING),
    F::new("opc", 0x83, &OCTET_STRING),
    F::default("rotationConstants", 0x84, &OCTET5, &ROTATION_CONSTANTS_DEFAULT),
    F::default("xoringConstants", 0x85, &OCTET80, &XORING_CONSTANTS_DEFAULT),
    F::opt("authCounterMax", 0x86, &OCTET3),
    F::default("numberOfKeccak", 0x87, &UINT8, &[0x01]),
]));

/// Milenage r1..r5.
pub static ROTATION_CONSTANTS_DEFAULT: [u8; 5] = [0x40, 0x00, 0x20, 0x40, 0x60];

/// Milenage c1..c5: c1 = 0, c2 = …01, c3 = …02, c4 = …04, c5 = …08 (16 bytes each).
pub static XORING_CONSTANTS_DEFAULT: [u8; 80] = {
    let mut c = [0u8; 80];
    c[31] = 0x01;
    c[47] = 0x02;
    c[63] = 0x04;
    c[79] = 0x08;
    c
};

/// `algoConfiguration`: an untagged CHOICE with automatic tags, given tag [1] (explicit) in the PE.
pub static ALGO_CONFIGURATION: T = T::new("AlgoConfiguration", 0, Choice(&[
    F::new("mappingParameter", 0xA0, &MAPPING_PARAMETER),
    F::new("algoParameter", 0xA1, &ALGO_PARAMETER),
]));

pub static SQN_INIT: T = T::new("SEQUENCE (SIZE(32)) OF OCTET STRING (SIZE(6))", 0x30, SequenceOf {
    item: &F::new("sqn", 0, &OCTET6),
    size: Size::exactly(32),
});

pub static PE_AKA_PARAMETER: T = T::new("PE-AKAParameter", 0x30, Sequence(&[
    F::new("aka-header", 0xA0, &PE_HEADER),
    F::explicit("algoConfiguration", 0xA1, &ALGO_CONFIGURATION),
    F::default("sqnOptions", 0x82, &OCTET1, &[0x02]),
    F::default("sqnDelta", 0x83, &OCTET6, &[0x00, 0x00, 0x10, 0x00, 0x00, 0x00]),
    F::default("sqnAgeLimit", 0x84, &OCTET6, &[0x00, 0x00, 0x10, 0x00, 0x00, 0x00]),
    // DEFAULT in the module is 32 × '000000000000'H; kept as OPTIONAL here.
    F::opt("sqnInit", 0xA5, &SQN_INIT),
]));

pub static PE_CDMA_PARAMETER: T = T::new("PE-CDMAParameter", 0x30, Sequence(&[
    F::new("cdma-header", 0xA0, &PE_HEADER),
    F::new("authenticationKey", 0x81, &OCTET8),
    F::opt("ssd", 0x82, &OCTET16),
    F::opt("hrpdAccessAuthenticationData", 0x83, &OCTET2_32),
    F::opt("simpleIPAuthenticationData", 0x84, &OCTET3_483),
    F::opt("mobileIPAuthenticationData", 0x85, &OCTET5_957),
]));

// ---------------------------------------------------------------- pinCodes, pukCodes

pub static PIN_KEY_REFERENCE: T = T::new("PINKeyReferenceValue", 0x02, Integer {
    named: &[
        (1, "pinAppl1"), (2, "pinAppl2"), (3, "pinAppl3"), (4, "pinAppl4"),
        (5, "pinAppl5"), (6, "pinAppl6"), (7, "pinAppl7"), (8, "pinAppl8"),
        (10, "adm1"), (11, "adm2"), (12, "adm3"), (13, "adm4"), (14, "adm5"),
        (129, "secondPINAppl1"), (130, "secondPINAppl2"), (131, "secondPINAppl3"), (132, "secondPINAppl4"),
        (133, "secondPINAppl5"), (134, "secondPINAppl6"), (135, "secondPINAppl7"), (136, "secondPINAppl8"),
        (138, "adm6"), (139, "adm7"), (140, "adm8"), (141, "adm9"), (142, "adm10"),
    ],
});

pub static PUK_KEY_REFERENCE: T = T::new("PUKKeyReferenceValue", 0x02, Integer {
    named: &[
        (1, "pukAppl1"), (2, "pukAppl2"), (3, "pukAppl3"), (4, "pukAppl4"),
        (5, "pukAppl5"), (6, "pukAppl6"), (7, "pukAppl7"), (8, "pukAppl8"),
        (129, "secondPUKAppl1"), (130, "secondPUKAppl2"), (131, "secondPUKAppl3"), (132, "secondPUKAppl4"),
        (133, "secondPUKAppl5"), (134, "secondPUKAppl6"), (135, "secondPUKAppl7"), (136, "secondPUKAppl8"),
    ],
});

pub static PIN_CONFIGURATION: T = T::new("PINConfiguration", 0x30, Sequence(&[
    F::new("keyReference", 0x80, &PIN_KEY_REFERENCE),
    F::new("pinValue", 0x81, &OCTET8),
    F::opt("unblockingPINReference", 0x82, &PUK_KEY_REFERENCE),
    F::default("pinAttributes", 0x83, &UINT8, &[0x07]),
    F::default("maxNumOfAttemps-retryNumLeft", 0x84, &UINT8, &[0x33]),
]));

/// `pinCodes`: an untagged CHOICE with automatic tags, given tag [1] (explicit) in the PE.
pub static PIN_CODES_CHOICE: T = T::new("PINCodes", 0, Choice(&[
    F::new("pinconfig", 0xA0, &T::new("SEQUENCE (SIZE(1..26)) OF PINConfiguration", 0x30, SequenceOf {
        item: &F::new("pinConfiguration", 0, &PIN_CONFIGURATION),
        size: Size::range(1, 26),
    })),
    F::new("filePath", 0x81, &OCTET0_8),
]));

pub static PE_PIN_CODES: T = T::new("PE-PINCodes", 0x30, Sequence(&[
    F::new("pin-Header", 0xA0, &PE_HEADER),
    F::explicit("pinCodes", 0xA1, &PIN_CODES_CHOICE),
]));

pub static PUK_CONFIGURATION: T = T::new("PUKConfiguration", 0x30, Sequence(&[
    F::new("keyReference", 0x80, &PUK_KEY_REFERENCE),
    F::new("pukValue", 0x81, &OCTET8),
    F::default("maxNumOfAttemps-retryNumLeft", 0x82, &UINT8, &[0x00, 0xAA]),
]));

pub static PE_PUK_CODES: T = T::new("PE-PUKCodes", 0x30, Sequence(&[
    F::new("puk-Header", 0xA0, &PE_HEADER),
    F::new("pukCodes", 0xA1, &T::new("SEQUENCE (SIZE(1..16)) OF PUKConfiguration", 0x30, SequenceOf {
        item: &F::new("pukConfiguration", 0, &PUK_CONFIGURATION),
        size: Size::range(1, 16),
    })),
]));

// ---------------------------------------------------------------- applications (GlobalPlatform shapes)

pub static UICC_APPLICATION_PARAMETERS: T = T::new("UICCApplicationParameters", 0x30, Sequence(&[
    F::opt("uiccToolkitApplicationSpecificParametersField", 0x80, &OCTET_STRING),
    F::opt("uiccAccessApplicationSpecificParametersField", 0x81, &OCTET_STRING),
    F::opt("uiccAdministrativeAccessApplicationSpecificParametersField", 0x82, &OCTET_STRING),
]));

pub static TS102226_ADDITIONAL_CONTACTLESS_PARAMETERS: T = T::new("TS102226AdditionalContactlessParameters", 0x30, Sequence(&[
    F::new("protocolParameterData", 0x80, &OCTET_STRING),
]));

pub static APPLICATION_SYSTEM_PARAMETERS: T = T::new("ApplicationSystemParameters", 0x30, Sequence(&[
    F::opt("volatileMemoryQuotaC7", 0xC7, &OCTET2_4),
    F::opt("nonVolatileMemoryQuotaC8", 0xC8, &OCTET2_4),
    F::opt("globalServiceParameters", 0xCB, &OCTET_STRING),
    F::opt("implicitSelectionParameter", 0xCF, &OCTET_STRING),
    F::opt("volatileReservedMemory", 0xD7, &OCTET2_4),
    F::opt("nonVolatileReservedMemory", 0xD8, &OCTET2_4),
    F::opt("ts102226SIMFileAccessToolkitParameter", 0xCA, &OCTET_STRING),
    F::opt("ts102226AdditionalContactlessParameters", 0xA0, &TS102226_ADDITIONAL_CONTACTLESS_PARAMETERS),
    F::opt("contactlessProtocolParameters", 0xD9, &OCTET_STRING),
    F::opt("userInteractionContactlessParameters", 0xDA, &OCTET_STRING),
    F::opt("cumulativeGrantedVolatileMemory", 0x82, &OCTET2_4),
    F::opt("cumulativeGrantedNonVolatileMemory", 0x83, &OCTET2_4),
]));

pub static CONTROL_REFERENCE_TEMPLATE: T = T::new("ControlReferenceTemplate", 0x30, Sequence(&[
    F::new("applicationProviderIdentifier", 0x5F20, &OCTET_STRING),
]));

/// `ApplicationInstance` (written tags: no automatic tagging; the AIDs all use `4F`).
pub static APPLICATION_INSTANCE: T = T::new("ApplicationInstance", 0x30, Sequence(&[
    F::new("applicationLoadPackageAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::new("classAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::new("instanceAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::opt("extraditeSecurityDomainAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::new("applicationPrivileges", 0x82, &OCTET_STRING),
    F::default("lifeCycleState", 0x83, &OCTET1, &[0x07]),
    F::new("applicationSpecificParametersC9", 0xC9, &OCTET_STRING),
    F::opt("systemSpecificParameters", 0xEF, &APPLICATION_SYSTEM_PARAMETERS),
    F::opt("applicationParameters", 0xEA, &UICC_APPLICATION_PARAMETERS),
    F::opt("processData", 0x30, &T::new("SEQUENCE OF OCTET STRING", 0x30, SequenceOf {
        item: &F::new("data", 0, &OCTET_STRING),
        size: Size::at_least(1),
    })),
    F::opt("controlReferenceTemplate", 0xB0, &CONTROL_REFERENCE_TEMPLATE),
]));

pub static APPLICATION_LOAD_PACKAGE: T = T::new("ApplicationLoadPackage", 0x30, Sequence(&[
    F::new("loadPackageAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::opt("securityDomainAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::opt("nonVolatileCodeLimitC6", 0xC6, &OCTET_STRING),
    F::opt("volatileDataLimitC7", 0xC7, &OCTET_STRING),
    F::opt("nonVolatileDataLimitC8", 0xC8, &OCTET_STRING),
    F::opt("hashValue", 0xC1, &OCTET_STRING),
    F::new("loadBlockObject", 0xC4, &OCTET_STRING),
]));

pub static PE_APPLICATION: T = T::new("PE-Application", 0x30, Sequence(&[
    F::new("app-Header", 0xA0, &PE_HEADER),
    F::opt("loadBlock", 0xA1, &APPLICATION_LOAD_PACKAGE),
    F::opt("instanceList", 0xA2, &T::new("SEQUENCE OF ApplicationInstance", 0x30, SequenceOf {
        item: &F::new("instance", 0, &APPLICATION_INSTANCE),
        size: Size::at_least(1),
    })),
]));

// ---------------------------------------------------------------- securityDomain

pub static KEY_COMPONENT: T = T::new("KeyComponent", 0x30, Sequence(&[
    F::new("keyType", 0x80, &OCTET_STRING),
    F::new("keyData", 0x86, &OCTET_STRING),
    F::default("macLength", 0x87, &UINT8, &[0x08]),
]));

/// `KeyObject` (written tags: no automatic tagging).
pub static KEY_OBJECT: T = T::new("KeyObject", 0x30, Sequence(&[
    F::new("keyUsageQualifier", 0x95, &OCTET1_2),
    F::default("keyAccess", 0x96, &OCTET1, &[0x00]),
    F::new("keyIdentifier", 0x82, &OCTET1),
    F::new("keyVersionNumber", 0x83, &OCTET1),
    F::opt("keyCounterValue", 0x85, &OCTET_STRING),
    F::new("keyComponents", 0x30, &T::new("SEQUENCE OF KeyComponent", 0x30, SequenceOf {
        item: &F::new("keyComponent", 0, &KEY_COMPONENT),
        size: Size::at_least(1),
    })),
]));

pub static OPEN_PERSO_DATA: T = T::new("OpenPersoData", 0x30, Sequence(&[
    F::opt("restrictParameter", 0xD9, &OCTET1),
    F::opt("contactlessProtocolParameters", 0x04, &OCTET_STRING),
]));

pub static CAT_TP_PARAMETERS: T = T::new("CatTpParameters", 0x30, Sequence(&[
    F::new("catTpMaxSduSize", 0x80, &UINT16),
    F::new("catTpMaxPduSize", 0x81, &UINT16),
]));

pub static PE_SECURITY_DOMAIN: T = T::new("PE-SecurityDomain", 0x30, Sequence(&[
    F::new("sd-Header", 0xA0, &PE_HEADER),
    F::new("instance", 0xA1, &APPLICATION_INSTANCE),
    F::opt("keyList", 0xA2, &T::new("SEQUENCE OF KeyObject", 0x30, SequenceOf {
        item: &F::new("keyObject", 0, &KEY_OBJECT),
        size: Size::at_least(1),
    })),
    F::opt("sdPersoData", 0xA3, &T::new("SEQUENCE OF OCTET STRING", 0x30, SequenceOf {
        item: &F::new("persoData", 0, &OCTETS_TLV),
        size: Size::at_least(1),
    })),
    F::opt("openPersoData", 0xA4, &OPEN_PERSO_DATA),
    F::opt("catTpParameters", 0xA5, &CAT_TP_PARAMETERS),
]));

// ---------------------------------------------------------------- rfm, nonStandard, end

pub static ADF_RFM_ACCESS: T = T::new("ADFRFMAccess", 0x30, Sequence(&[
    F::new("adfAID", 0x80, &APPLICATION_IDENTIFIER),
    F::new("adfAccessDomain", 0x81, &OCTET_STRING),
    F::new("adfAdminAccessDomain", 0x82, &OCTET_STRING),
]));

/// `PE-RFM` (written tags: no automatic tagging; header and tarList both use [0]).
pub static PE_RFM: T = T::new("PE-RFM", 0x30, Sequence(&[
    F::new("rfm-header", 0xA0, &PE_HEADER),
    F::new("instanceAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::opt("securityDomainAID", 0x4F, &APPLICATION_IDENTIFIER),
    F::opt("tarList", 0xA0, &T::new("SEQUENCE OF OCTET STRING (SIZE(3))", 0x30, SequenceOf {
        item: &F::new("tar", 0, &OCTET3),
        size: Size::at_least(1),
    })),
    F::new("minimumSecurityLevel", 0x81, &OCTET1),
    F::new("uiccAccessDomain", 0, &OCTET_STRING),
    F::new("uiccAdminAccessDomain", 0, &OCTET_STRING),
    F::opt("adfRFMAccess", 0, &ADF_RFM_ACCESS),
]));

pub static PE_NON_STANDARD: T = T::new("PE-NonStandard", 0x30, Sequence(&[
    F::new("nonStandard-header", 0xA0, &PE_HEADER),
    F::new("issuerID", 0x81, &OID),
    F::new("content", 0x82, &OCTET_STRING),
]));

pub static PE_END: T = T::new("PE-End", 0x30, Sequence(&[
    F::new("end-header", 0xA0, &PE_HEADER),
]));

// ---------------------------------------------------------------- ProfileElement

/// `ProfileElement`: untagged, extensible CHOICE with automatic tags (digest §7.1).
pub static PROFILE_ELEMENT: T = T::new("ProfileElement", 0, Choice(&[
    F::new("header", 0xA0, &PROFILE_HEADER),
    F::new("genericFileManagement", 0xA1, &PE_GENERIC_FILE_MANAGEMENT),
    F::new("pinCodes", 0xA2, &PE_PIN_CODES),
    F::new("pukCodes", 0xA3, &PE_PUK_CODES),
    F::new("akaParameter", 0xA4, &PE_AKA_PARAMETER),
    F::new("cdmaParameter", 0xA5, &PE_CDMA_PARAMETER),
    F::new("securityDomain", 0xA6, &PE_SECURITY_DOMAIN),
    F::new("rfm", 0xA7, &PE_RFM),
    F::new("application", 0xA8, &PE_APPLICATION),
    F::new("nonStandard", 0xA9, &PE_NON_STANDARD),
    F::new("end", 0xAA, &PE_END),
    F::new("rfu1", 0xAB, &PE_DUMMY),
    F::new("rfu2", 0xAC, &PE_DUMMY),
    F::new("rfu3", 0xAD, &PE_DUMMY),
    F::new("rfu4", 0xAE, &PE_DUMMY),
    F::new("rfu5", 0xAF, &PE_DUMMY),
    F::new("mf", 0xB0, &PE_MF),
    F::new("cd", 0xB1, &PE_CD),
    F::new("telecom", 0xB2, &PE_TELECOM),
    F::new("usim", 0xB3, &PE_USIM),
    F::new("opt-usim", 0xB4, &PE_OPT_USIM),
    F::new("isim", 0xB5, &PE_ISIM),
    F::new("opt-isim", 0xB6, &PE_OPT_ISIM),
    F::new("phonebook", 0xB7, &PE_PHONEBOOK),
    F::new("gsm-access", 0xB8, &PE_GSM_ACCESS),
    F::new("csim", 0xB9, &PE_CSIM),
    F::new("opt-csim", 0xBA, &PE_OPT_CSIM),
    F::new("eap", 0xBB, &PE_EAP),
    F::new("df-5gs", 0xBC, &PE_DF_5GS),
    F::new("df-saip", 0xBD, &PE_DF_SAIP),
    F::new("df-snpn", 0xBE, &PE_DF_SNPN),
    F::new("df-5gprose", 0xBF1F, &PE_DF_5GPROSE),
    F::new("iot", 0xBF20, &PE_IOT),
    F::new("opt-iot", 0xBF21, &PE_OPT_IOT),
]));

// ---------------------------------------------------------------- install-time result

pub static PE_STATUS_CODE: T = T::new("PEStatusCode", 0x02, Integer {
    named: &[
        (0, "ok"), (1, "pe-not-supported"), (2, "memory-failure"), (3, "bad-values"),
        (4, "not-enough-memory"), (5, "invalid-request-format"), (6, "invalid-parameter"),
        (7, "runtime-not-supported"), (8, "lib-not-supported"), (9, "template-not-supported"),
        (10, "feature-not-supported"), (11, "pin-code-missing"), (31, "unsupported-profile-version"),
    ],
});

pub static PE_STATUS: T = T::new("PEStatus", 0x30, Sequence(&[
    F::new("status", 0x80, &PE_STATUS_CODE),
    F::opt("identification", 0x81, &UINT15),
    F::opt("additional-information", 0x82, &UINT8),
    F::opt("offset", 0x83, &UINT31),
]));

pub static EUICC_RESPONSE: T = T::new("EUICCResponse", 0x30, Sequence(&[
    F::new("peStatus", 0xA0, &T::new("SEQUENCE OF PEStatus", 0x30, SequenceOf {
        item: &F::new("peStatus", 0, &PE_STATUS),
        size: Size::ANY,
    })),
    F::opt("profileInstallationAborted", 0x81, &NULL),
    F::opt("statusMessage", 0x82, &STATUS_MESSAGE),
]));

/// Every named top-level type, for lookup by name.
pub static ALL_TYPES: &[&T] = &[
    &PROFILE_ELEMENT, &PROFILE_HEADER, &PE_HEADER, &SERVICES_LIST, &FILE, &FCP, &PROPRIETARY_INFO,
    &PE_MF, &PE_CD, &PE_TELECOM, &PE_USIM, &PE_OPT_USIM, &PE_PHONEBOOK, &PE_GSM_ACCESS, &PE_DF_5GS,
    &PE_DF_SAIP, &PE_DF_SNPN, &PE_DF_5GPROSE, &PE_ISIM, &PE_OPT_ISIM, &PE_CSIM, &PE_OPT_CSIM, &PE_EAP,
    &PE_IOT, &PE_OPT_IOT, &PE_GENERIC_FILE_MANAGEMENT, &FILE_MANAGEMENT, &PE_AKA_PARAMETER,
    &ALGO_PARAMETER, &MAPPING_PARAMETER, &PE_CDMA_PARAMETER, &PE_PIN_CODES, &PIN_CONFIGURATION,
    &PE_PUK_CODES, &PUK_CONFIGURATION, &PE_SECURITY_DOMAIN, &KEY_OBJECT, &APPLICATION_INSTANCE,
    &PE_APPLICATION, &APPLICATION_LOAD_PACKAGE, &PE_RFM, &PE_NON_STANDARD, &PE_END, &PE_DUMMY,
    &PE_STATUS, &EUICC_RESPONSE,
];
