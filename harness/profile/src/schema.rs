//! The TCA eUICC Profile Package schema (PEDefinitions v3.3.1, digest §7) as `rsp_codec` schema
//! data, written by us from the module's facts.
//!
//! Every type of the module is described, including each template-based file PE with all its
//! named `File` components; no component is left as an opaque `Any`. The `ProfileElement`
//! CHOICE is extensible: a PE with an unknown tag decodes as an unknown alternative (kept and
//! re-emitted by [`crate::ProfilePackage`]).

#[rustfmt::skip]
mod defs;

pub use defs::*;

use rsp_codec::schema::TypeDef;
use rsp_codec::tlv::Tag;

/// A profile-package type by name (`ProfileElement`, `PE-USIM`, `Fcp`, `EUICCResponse`, ...).
pub fn lookup(name: &str) -> Option<&'static TypeDef> {
    ALL_TYPES.iter().copied().find(|t| t.name == name)
}

/// The `ProfileElement` alternative (name and type) a PE with tag `tag` holds.
pub fn pe_alternative(tag: Tag) -> Option<(&'static str, &'static TypeDef)> {
    PROFILE_ELEMENT
        .fields()
        .iter()
        .find(|f| f.matches(tag))
        .map(|f| (f.name, f.ty))
}

/// The `ProfileElement` wire tag of an alternative name (`"usim"` → `B3`).
pub fn pe_tag(name: &str) -> Option<Tag> {
    PROFILE_ELEMENT.field(name).and_then(|f| f.wire_tag())
}

/// Whether a `ProfileElement` alternative is a template-based file-system PE (mf, usim,
/// df-5gs, …): derived from the schema, those are the PE types with a `templateID` component.
pub fn is_file_system_pe(name: &str) -> bool {
    PROFILE_ELEMENT
        .field(name)
        .is_some_and(|f| f.ty.field("templateID").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_pes_come_from_the_schema() {
        let fs: Vec<&str> = PROFILE_ELEMENT
            .fields()
            .iter()
            .map(|f| f.name)
            .filter(|n| is_file_system_pe(n))
            .collect();
        assert_eq!(
            fs,
            [
                "mf",
                "cd",
                "telecom",
                "usim",
                "opt-usim",
                "isim",
                "opt-isim",
                "phonebook",
                "gsm-access",
                "csim",
                "opt-csim",
                "eap",
                "df-5gs",
                "df-saip",
                "df-snpn",
                "df-5gprose",
                "iot",
                "opt-iot"
            ]
        );
        assert!(!is_file_system_pe("pinCodes") && !is_file_system_pe("nope"));
    }

    #[test]
    fn profile_element_tags_follow_automatic_tagging() {
        let tags: Vec<String> = PROFILE_ELEMENT
            .fields()
            .iter()
            .map(|f| f.wire_tag().unwrap().to_string())
            .collect();
        assert_eq!(tags.len(), 34);
        assert_eq!(tags[0], "A0");
        assert_eq!(tags[10], "AA");
        assert_eq!(tags[16], "B0");
        assert_eq!(tags[30], "BE");
        assert_eq!(&tags[31..], ["BF1F", "BF20", "BF21"]);
    }

    #[test]
    fn file_pe_components_are_numbered_from_the_header() {
        // Every template PE: header [0], templateID [1], then Files [2], [3], ... in order.
        for alt in PROFILE_ELEMENT.fields().iter().skip(16) {
            let fields = alt.ty.fields();
            assert_eq!(
                fields[0].wire_tag().unwrap().to_string(),
                "A0",
                "{}",
                alt.name
            );
            assert_eq!(
                fields[1].wire_tag().unwrap().to_string(),
                "81",
                "{}",
                alt.name
            );
            for (i, f) in fields.iter().enumerate().skip(2) {
                let tag = f.wire_tag().unwrap();
                assert_eq!(tag.number() as usize, i, "{}.{}", alt.name, f.name);
                assert!(tag.is_constructed());
                assert!(std::ptr::eq(f.ty, &FILE));
            }
        }
    }

    #[test]
    fn lookup_by_name_and_tag() {
        assert!(lookup("PE-USIM").is_some());
        assert_eq!(pe_alternative(Tag::of(0xB3)).unwrap().0, "usim");
        assert_eq!(pe_alternative(Tag::of(0xBF21)).unwrap().0, "opt-iot");
        assert!(pe_alternative(Tag::of(0xBF22)).is_none());
        assert_eq!(pe_tag("df-5gprose"), Some(Tag::of(0xBF1F)));
        assert_eq!(
            PE_OPT_USIM.field("ef-eaka").unwrap().wire_tag(),
            Some(Tag::of(0xBF57))
        );
    }
}
