//! The SGP.22 v2.5 message schema: every type as const data, written by us from the protocol
//! facts (digest §2–§4).
//!
//! One schema feeds decoding into a named tree ([`crate::named`]), validation with path-named
//! errors, path addressing for mutations ([`crate::path`]) and the pretty printer. Types refer to
//! each other by `&'static TypeDef`, so the tables are plain statics.
//!
//! Tagging follows the ASN.1 module's rules, resolved by hand into wire tags: a [`Field`] carries
//! the tag its component has on the wire (implicit tagging replaces the type's own tag); `None`
//! means "the type's own tag", which for an untagged CHOICE is any of its alternatives' tags.
//! A tagged CHOICE is always explicit: the field tag wraps the chosen alternative.

#[rustfmt::skip]
mod defs;

pub use defs::*;

use crate::tlv::Tag;

/// Size constraint of a string type, in bytes (octets) or characters (UTF8String).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub min: usize,
    pub max: Option<usize>,
}

impl Size {
    pub const ANY: Size = Size { min: 0, max: None };
    pub const fn exactly(n: usize) -> Size {
        Size {
            min: n,
            max: Some(n),
        }
    }
    pub const fn range(min: usize, max: usize) -> Size {
        Size {
            min,
            max: Some(max),
        }
    }
    pub const fn at_least(min: usize) -> Size {
        Size { min, max: None }
    }
    pub fn contains(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(m) if m == self.min => write!(f, "{m}"),
            Some(m) => write!(f, "{}..{m}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

/// How an OCTET STRING's content is meant to be read, for display and validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OctetsHint {
    /// Opaque bytes shown in hex.
    Hex,
    /// 16-byte EID in plain BCD.
    Eid,
    /// 10-byte ICCID in EF.ICCID coding (nibble-swapped BCD, F padding).
    Iccid,
    /// 3-byte version `major.minor.revision`.
    Version,
    /// An elliptic-curve point (`04 ‖ X ‖ Y`).
    EcPoint,
    /// A raw r‖s ECDSA signature.
    Signature,
    /// Content that is itself a BER-TLV run (e.g. a tag list, a TS 102 226 resource list).
    Tlv,
}

/// The shape of a type.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Sequence(&'static [Field]),
    /// Alternatives; each field's tag (or nested untagged CHOICE) selects it.
    Choice(&'static [Field]),
    SequenceOf {
        item: &'static Field,
        size: Size,
    },
    OctetString {
        size: Size,
        hint: OctetsHint,
    },
    Utf8String {
        size: Size,
    },
    /// INTEGER, with the named values of the module (empty = plain number).
    Integer {
        named: &'static [(i64, &'static str)],
    },
    Boolean,
    Null,
    ObjectIdentifier,
    BitString {
        named: &'static [(usize, &'static str)],
    },
    /// Any single TLV, kept opaque (certificates' inner parts, vendor data, open types).
    Any,
}

/// A named type.
#[derive(Debug)]
pub struct TypeDef {
    pub name: &'static str,
    /// The type's own tag; `None` for an untagged CHOICE and for [`Kind::Any`].
    pub tag: Option<Tag>,
    pub kind: Kind,
}

/// A component of a SEQUENCE, an alternative of a CHOICE, or the item of a SEQUENCE OF.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    /// Tag on the wire (implicit tagging); `None` = the type's own tag(s).
    pub tag: Option<Tag>,
    /// The tag wraps the type's own encoding (explicit tagging, always the case for a tagged CHOICE).
    pub explicit: bool,
    pub ty: &'static TypeDef,
    pub optional: bool,
    /// Content octets of the DEFAULT value, when the component has one.
    pub default: Option<&'static [u8]>,
}

impl Field {
    /// Mandatory component with an implicit tag (or the type's own when `tag` is 0).
    pub const fn new(name: &'static str, tag: u32, ty: &'static TypeDef) -> Field {
        Field {
            name,
            tag: if tag == 0 { None } else { Some(Tag::of(tag)) },
            explicit: false,
            ty,
            optional: false,
            default: None,
        }
    }
    /// OPTIONAL component.
    pub const fn opt(name: &'static str, tag: u32, ty: &'static TypeDef) -> Field {
        let mut f = Field::new(name, tag, ty);
        f.optional = true;
        f
    }
    /// Component with a DEFAULT (content octets of the default value).
    pub const fn default(
        name: &'static str,
        tag: u32,
        ty: &'static TypeDef,
        default: &'static [u8],
    ) -> Field {
        let mut f = Field::opt(name, tag, ty);
        f.default = Some(default);
        f
    }
    /// Explicitly tagged component: `tag` wraps the type's encoding.
    pub const fn explicit(name: &'static str, tag: u32, ty: &'static TypeDef) -> Field {
        let mut f = Field::new(name, tag, ty);
        f.explicit = true;
        f
    }
    pub const fn explicit_opt(name: &'static str, tag: u32, ty: &'static TypeDef) -> Field {
        let mut f = Field::explicit(name, tag, ty);
        f.optional = true;
        f
    }

    /// Whether a TLV with tag `t` can be this field.
    pub fn matches(&self, t: Tag) -> bool {
        match self.tag {
            Some(own) => own == t,
            None => self.ty.matches(t),
        }
    }

    /// The tag this field is written with, when it has exactly one.
    pub fn wire_tag(&self) -> Option<Tag> {
        self.tag.or(self.ty.tag)
    }

    /// Whether this field's TLV is the type's TLV (no explicit wrapper, not an untagged CHOICE).
    pub fn is_direct(&self) -> bool {
        !(self.explicit || (self.tag.is_none() && self.ty.is_untagged_choice()))
    }
}

impl TypeDef {
    pub const fn new(name: &'static str, tag: u32, kind: Kind) -> TypeDef {
        TypeDef {
            name,
            tag: if tag == 0 { None } else { Some(Tag::of(tag)) },
            kind,
        }
    }

    pub fn is_untagged_choice(&self) -> bool {
        self.tag.is_none() && matches!(self.kind, Kind::Choice(_))
    }

    /// Whether a TLV with tag `t` can be a value of this type (untagged use).
    pub fn matches(&self, t: Tag) -> bool {
        match (self.tag, self.kind) {
            (Some(own), _) => own == t,
            (None, Kind::Choice(alts)) => alts.iter().any(|a| a.matches(t)),
            (None, _) => true,
        }
    }

    /// Components of a SEQUENCE or alternatives of a CHOICE.
    pub fn fields(&self) -> &'static [Field] {
        match self.kind {
            Kind::Sequence(f) | Kind::Choice(f) => f,
            _ => &[],
        }
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Name of a named INTEGER value or bit.
    pub fn value_name(&self, v: i64) -> Option<&'static str> {
        match self.kind {
            Kind::Integer { named } => named.iter().find(|(n, _)| *n == v).map(|(_, s)| *s),
            _ => None,
        }
    }

    /// Value of a named INTEGER by name.
    pub fn named_value(&self, name: &str) -> Option<i64> {
        match self.kind {
            Kind::Integer { named } => named.iter().find(|(_, s)| *s == name).map(|(n, _)| *n),
            _ => None,
        }
    }
}

/// Every top-level message type, for lookup by name (CLI, vectors, fuzz targets).
pub fn lookup(name: &str) -> Option<&'static TypeDef> {
    ALL_TYPES.iter().copied().find(|t| t.name == name)
}

/// Finds the message types whose own tag is `tag` (e.g. `BF38` → request and response).
pub fn by_tag(tag: Tag) -> impl Iterator<Item = &'static TypeDef> {
    ALL_TYPES
        .iter()
        .copied()
        .filter(move |t| t.tag == Some(tag))
}
