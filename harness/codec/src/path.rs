//! Path addressing of message fields: get, set, insert and remove by a named path such as
//! `AuthenticateServerResponse.authenticateResponseOk.euiccSigned1.serverChallenge`.
//!
//! Grammar: segments separated by `.`; a segment is a field or alternative name, optionally
//! followed by `[n]` to pick item n of a SEQUENCE OF; `#TAG` (hex, e.g. `#9F7F`, optionally
//! `#9F7F[1]` for the second occurrence) addresses a child by tag, which reaches unknown fields.
//! The root type name may lead the path. Scenario mutations and the live fuzzer use these
//! paths, so every failure says which segment did not resolve and what was available there.
//!
//! Every edit forgets the remembered length forms along the path, so an edited message encodes
//! as DER where it changed.

use crate::der::{self, BitString, ContentError};
use crate::named::{decode, Node};
use crate::schema::{Field, Kind, TypeDef};
use crate::tlv::{Tag, Tlv};

/// One resolved step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Name(String),
    Index(usize),
    Tag(Tag, usize),
}

/// A path that does not resolve, or an edit that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path {path:?}: {reason}")]
    Syntax { path: String, reason: &'static str },
    #[error("{at}: no field {name:?} here (available: {available})")]
    NoSuchField {
        at: String,
        name: String,
        available: String,
    },
    #[error("{at}: field {name:?} is absent")]
    Absent { at: String, name: String },
    #[error("{at}: index {index} out of range ({len} items)")]
    IndexOutOfRange {
        at: String,
        index: usize,
        len: usize,
    },
    #[error("{at}: not a SEQUENCE OF, cannot index")]
    NotAList { at: String },
    #[error("{at}: no child with tag {tag} (occurrence {occurrence})")]
    NoSuchTag {
        at: String,
        tag: Tag,
        occurrence: usize,
    },
    #[error("{at}: field is already present")]
    AlreadyPresent { at: String },
    #[error("{at}: {reason}")]
    CannotEdit { at: String, reason: &'static str },
    #[error("{at}: value does not fit the field type {ty}: {reason}")]
    ValueType {
        at: String,
        ty: &'static str,
        reason: String,
    },
    #[error("{at}: {source}")]
    Content {
        at: String,
        #[source]
        source: ContentError,
    },
}

/// A value to write into a primitive field, encoded according to the field's schema type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Raw content octets (any primitive type).
    Bytes(Vec<u8>),
    Integer(i64),
    Text(String),
    Boolean(bool),
    /// Dotted OID text.
    Oid(String),
    /// Bit numbers that are set.
    Bits(Vec<usize>),
    Null,
}

fn parse_path(path: &str) -> Result<Vec<Step>, PathError> {
    let syntax = |reason| PathError::Syntax {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let mut steps = Vec::new();
    for seg in path.split('.') {
        let (head, mut rest) = match seg.find('[') {
            Some(i) => seg.split_at(i),
            None => (seg, ""),
        };
        if head.is_empty() && rest.is_empty() {
            return Err(syntax("empty segment"));
        }
        let mut indices = Vec::new();
        while !rest.is_empty() {
            let Some(close) = rest.find(']') else {
                return Err(syntax("unclosed '['"));
            };
            let n: usize = rest[1..close]
                .parse()
                .map_err(|_| syntax("index must be a decimal number"))?;
            indices.push(n);
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(syntax("text after ']'"));
            }
        }
        if let Some(hexstr) = head.strip_prefix('#') {
            let bytes = hex::decode(hexstr).map_err(|_| syntax("tag after '#' must be hex"))?;
            if bytes.is_empty() || bytes.len() > 4 {
                return Err(syntax("tag after '#' must be 1 to 4 bytes"));
            }
            let v = bytes.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b));
            let tag = Tag::from_encoded(v).ok_or(syntax("tag after '#' is not a canonical tag"))?;
            let occ = match indices.as_slice() {
                [] => 0,
                [n] => *n,
                _ => return Err(syntax("one occurrence index after a tag")),
            };
            steps.push(Step::Tag(tag, occ));
            continue;
        }
        if !head.is_empty() {
            if !head
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(syntax("names are ASN.1 identifiers"));
            }
            steps.push(Step::Name(head.to_owned()));
        }
        steps.extend(indices.into_iter().map(Step::Index));
    }
    Ok(steps)
}

/// Where a path ends.
enum Target {
    /// An existing node (index path from the root TLV).
    Present(Vec<usize>, Option<&'static TypeDef>),
    /// An absent field of a SEQUENCE at `parent`.
    Absent {
        parent: Vec<usize>,
        fields: &'static [Field],
        field: &'static Field,
    },
}

fn locate(root: &Tlv, target: &Tlv) -> Option<Vec<usize>> {
    if std::ptr::eq(root, target) {
        return Some(Vec::new());
    }
    for (i, c) in root.children().iter().enumerate() {
        if let Some(mut p) = locate(c, target) {
            p.insert(0, i);
            return Some(p);
        }
    }
    None
}

fn resolve(ty: &'static TypeDef, root: &Tlv, path: &str) -> Result<Target, PathError> {
    let mut steps = parse_path(path)?;
    if matches!(steps.first(), Some(Step::Name(n)) if n == ty.name) {
        steps.remove(0);
    }
    let decoded = decode(ty, root);
    let mut node: &Node<'_> = &decoded.root;
    let mut at = ty.name.to_owned();
    for (k, step) in steps.iter().enumerate() {
        let last = k + 1 == steps.len();
        match step {
            Step::Name(name) => {
                if let Some(c) = node
                    .children
                    .iter()
                    .find(|c| c.index.is_none() && c.name == name.as_str())
                {
                    node = c;
                } else {
                    let fields = node.ty.map(TypeDef::fields).unwrap_or(&[]);
                    let seq = node.ty.is_some_and(|t| matches!(t.kind, Kind::Sequence(_)));
                    match fields.iter().find(|f| f.name == name) {
                        Some(field) if seq && last => {
                            let parent = locate(root, node.tlv).unwrap_or_default();
                            return Ok(Target::Absent {
                                parent,
                                fields,
                                field,
                            });
                        }
                        Some(_) => {
                            return Err(PathError::Absent {
                                at,
                                name: name.clone(),
                            })
                        }
                        None => {
                            let mut names: Vec<&str> =
                                node.children.iter().map(|c| c.name.as_ref()).collect();
                            names.extend(fields.iter().map(|f| f.name));
                            names.dedup();
                            return Err(PathError::NoSuchField {
                                at,
                                name: name.clone(),
                                available: names.join(", "),
                            });
                        }
                    }
                }
                at.push('.');
                at.push_str(name);
            }
            Step::Index(i) => {
                let items: Vec<&Node<'_>> =
                    node.children.iter().filter(|c| c.index.is_some()).collect();
                if items.is_empty() && !node.ty.is_some_and(is_list) {
                    return Err(PathError::NotAList { at });
                }
                node = items.get(*i).copied().ok_or(PathError::IndexOutOfRange {
                    at: at.clone(),
                    index: *i,
                    len: items.len(),
                })?;
                at.push_str(&format!("[{i}]"));
            }
            Step::Tag(tag, occ) => {
                node = node
                    .children
                    .iter()
                    .filter(|c| c.tlv.tag() == *tag)
                    .nth(*occ)
                    .ok_or(PathError::NoSuchTag {
                        at: at.clone(),
                        tag: *tag,
                        occurrence: *occ,
                    })?;
                at.push_str(&format!(".#{tag}"));
            }
        }
    }
    let idx = locate(root, node.tlv).unwrap_or_default();
    Ok(Target::Present(idx, node.ty))
}

fn is_list(ty: &TypeDef) -> bool {
    matches!(ty.kind, Kind::SequenceOf { .. })
}

/// Walks to the node at `idx`, forgetting length forms on the way (they are about to change).
fn node_mut<'a>(root: &'a mut Tlv, idx: &[usize]) -> &'a mut Tlv {
    let mut cur = root;
    for &i in idx {
        cur.mark_edited();
        cur = &mut cur.children_mut()[i];
    }
    cur.mark_edited();
    cur
}

fn node_at<'a>(root: &'a Tlv, idx: &[usize]) -> &'a Tlv {
    idx.iter().fold(root, |cur, &i| &cur.children()[i])
}

/// The TLV at `path`.
pub fn get<'t>(ty: &'static TypeDef, root: &'t Tlv, path: &str) -> Result<&'t Tlv, PathError> {
    match resolve(ty, root, path)? {
        Target::Present(idx, _) => Ok(node_at(root, &idx)),
        Target::Absent { field, .. } => Err(PathError::Absent {
            at: path.to_owned(),
            name: field.name.to_owned(),
        }),
    }
}

/// Content octets of the primitive field at `path`.
pub fn get_content<'t>(
    ty: &'static TypeDef,
    root: &'t Tlv,
    path: &str,
) -> Result<&'t [u8], PathError> {
    get(ty, root, path)?.content().ok_or(PathError::CannotEdit {
        at: path.to_owned(),
        reason: "field is constructed, not primitive",
    })
}

/// Replaces the TLV at `path` with `tlv` as given (tag included), or inserts it when the path
/// names an absent field of a SEQUENCE.
pub fn set_tlv(
    ty: &'static TypeDef,
    root: &mut Tlv,
    path: &str,
    tlv: Tlv,
) -> Result<(), PathError> {
    match resolve(ty, root, path)? {
        Target::Present(idx, _) => {
            *node_mut(root, &idx) = tlv;
            Ok(())
        }
        Target::Absent {
            parent,
            fields,
            field,
        } => insert_field(root, &parent, fields, field, tlv),
    }
}

/// Writes `value` into the primitive field at `path`, encoded for its schema type; an absent
/// optional field is created with its wire tag.
pub fn set(
    ty: &'static TypeDef,
    root: &mut Tlv,
    path: &str,
    value: FieldValue,
) -> Result<(), PathError> {
    match resolve(ty, root, path)? {
        Target::Present(idx, field_ty) => {
            let content = encode_value(field_ty, &value, path)?;
            let node = node_mut(root, &idx);
            if node.is_constructed() {
                return Err(PathError::CannotEdit {
                    at: path.to_owned(),
                    reason: "field is constructed; use set_tlv to replace it",
                });
            }
            node.set_content(content);
            Ok(())
        }
        Target::Absent {
            parent,
            fields,
            field,
        } => {
            let content = encode_value(Some(field.ty), &value, path)?;
            let tag = match (field.explicit, field.wire_tag()) {
                (false, Some(t)) if !t.is_constructed() => t,
                _ => {
                    return Err(PathError::CannotEdit {
                        at: path.to_owned(),
                        reason: "absent field is not primitive; use set_tlv",
                    })
                }
            };
            insert_field(root, &parent, fields, field, Tlv::primitive(tag, content))
        }
    }
}

/// Inserts: an item into a SEQUENCE OF when the path ends in `[n]` (n may equal the length to
/// append), or an absent field of a SEQUENCE at its schema position.
pub fn insert(ty: &'static TypeDef, root: &mut Tlv, path: &str, tlv: Tlv) -> Result<(), PathError> {
    let steps = parse_path(path)?;
    if let Some(Step::Index(i)) = steps.last() {
        let cut = path.rfind('[').unwrap_or(path.len());
        let list_path = &path[..cut];
        let (idx, list_ty) = match resolve(ty, root, list_path)? {
            Target::Present(idx, t) => (idx, t),
            Target::Absent { field, .. } => {
                return Err(PathError::Absent {
                    at: list_path.to_owned(),
                    name: field.name.to_owned(),
                })
            }
        };
        if !list_ty.is_some_and(is_list) {
            return Err(PathError::NotAList {
                at: list_path.to_owned(),
            });
        }
        let list = node_mut(root, &idx).children_mut();
        if *i > list.len() {
            return Err(PathError::IndexOutOfRange {
                at: list_path.to_owned(),
                index: *i,
                len: list.len(),
            });
        }
        list.insert(*i, tlv);
        return Ok(());
    }
    match resolve(ty, root, path)? {
        Target::Present(..) => Err(PathError::AlreadyPresent {
            at: path.to_owned(),
        }),
        Target::Absent {
            parent,
            fields,
            field,
        } => insert_field(root, &parent, fields, field, tlv),
    }
}

/// Removes the node at `path` and returns it. Removing a mandatory field is allowed (that is
/// what negative tests do); the result then fails validation.
pub fn remove(ty: &'static TypeDef, root: &mut Tlv, path: &str) -> Result<Tlv, PathError> {
    match resolve(ty, root, path)? {
        Target::Present(idx, _) => {
            let Some((&last, parent_idx)) = idx.split_last() else {
                return Err(PathError::CannotEdit {
                    at: path.to_owned(),
                    reason: "cannot remove the root",
                });
            };
            Ok(node_mut(root, parent_idx).children_mut().remove(last))
        }
        Target::Absent { field, .. } => Err(PathError::Absent {
            at: path.to_owned(),
            name: field.name.to_owned(),
        }),
    }
}

fn insert_field(
    root: &mut Tlv,
    parent: &[usize],
    fields: &'static [Field],
    field: &'static Field,
    tlv: Tlv,
) -> Result<(), PathError> {
    let pos_of = |t: Tag| fields.iter().position(|f| f.matches(t));
    let rank = fields
        .iter()
        .position(|f| std::ptr::eq(f, field))
        .unwrap_or(fields.len());
    let parent_node = node_mut(root, parent);
    let children = parent_node.children_mut();
    // Before the first known field that comes later in the schema.
    let at = children
        .iter()
        .position(|c| pos_of(c.tag()).is_some_and(|p| p > rank))
        .unwrap_or(children.len());
    children.insert(at, tlv);
    Ok(())
}

fn encode_value(
    ty: Option<&'static TypeDef>,
    value: &FieldValue,
    at: &str,
) -> Result<Vec<u8>, PathError> {
    let mismatch = |ty: &'static TypeDef, reason: &str| PathError::ValueType {
        at: at.to_owned(),
        ty: ty.name,
        reason: reason.to_owned(),
    };
    let content_err = |source| PathError::Content {
        at: at.to_owned(),
        source,
    };
    if let FieldValue::Bytes(b) = value {
        return Ok(b.clone());
    }
    let Some(ty) = ty else {
        return Err(PathError::CannotEdit {
            at: at.to_owned(),
            reason: "unknown field: only raw bytes can be written",
        });
    };
    Ok(match (ty.kind, value) {
        (Kind::Integer { .. }, FieldValue::Integer(v)) => der::encode_integer(*v),
        (Kind::Integer { .. }, FieldValue::Text(name)) => match ty.named_value(name) {
            Some(v) => der::encode_integer(v),
            None => return Err(mismatch(ty, "not a named value of this INTEGER")),
        },
        (Kind::Boolean, FieldValue::Boolean(b)) => der::encode_boolean(*b),
        (Kind::Null, FieldValue::Null) => Vec::new(),
        (Kind::ObjectIdentifier, FieldValue::Oid(s) | FieldValue::Text(s)) => {
            der::encode_oid(s).map_err(content_err)?
        }
        (Kind::Utf8String { .. }, FieldValue::Text(s)) => s.as_bytes().to_vec(),
        (Kind::BitString { .. }, FieldValue::Bits(bits)) => BitString::from_bits(bits).encode(),
        (Kind::BitString { named }, FieldValue::Text(s)) => {
            let mut bits = Vec::new();
            for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match named.iter().find(|(_, n)| *n == name) {
                    Some((b, _)) => bits.push(*b),
                    None => return Err(mismatch(ty, "not a named bit of this BIT STRING")),
                }
            }
            BitString::from_bits(&bits).encode()
        }
        (Kind::OctetString { .. }, FieldValue::Text(s)) => {
            hex::decode(s).map_err(|_| mismatch(ty, "OCTET STRING text must be hex"))?
        }
        _ => return Err(mismatch(ty, "value kind does not match the field type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{
        AUTHENTICATE_SERVER_RESPONSE, NOTIFICATION_METADATA, STORE_METADATA_REQUEST,
    };

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    fn metadata() -> Tlv {
        // seqNumber 1, install, "smdp.example.com"
        Tlv::parse(&h(
            "BF2F 19 80 01 01 81 02 07 80 0C 10 736D64702E6578616D706C652E636F6D",
        ))
        .unwrap()
    }

    #[test]
    fn syntax() {
        assert_eq!(
            parse_path("a.b[2].#9F70[1]").unwrap(),
            vec![
                Step::Name("a".into()),
                Step::Name("b".into()),
                Step::Index(2),
                Step::Tag(Tag::of(0x9F70), 1)
            ]
        );
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[x]").is_err());
        assert!(parse_path("#ZZ").is_err());
        assert!(parse_path("#BF05").is_err());
        assert!(parse_path("a[1]b").is_err());
    }

    #[test]
    fn get_and_set_values() {
        let mut t = metadata();
        let ty = &NOTIFICATION_METADATA;
        assert_eq!(get_content(ty, &t, "seqNumber").unwrap(), &[1]);
        assert_eq!(
            get_content(ty, &t, "NotificationMetadata.seqNumber").unwrap(),
            &[1]
        );
        set(ty, &mut t, "seqNumber", FieldValue::Integer(300)).unwrap();
        assert_eq!(get_content(ty, &t, "seqNumber").unwrap(), &[0x01, 0x2C]);
        set(
            ty,
            &mut t,
            "profileManagementOperation",
            FieldValue::Text("notificationDelete".into()),
        )
        .unwrap();
        assert_eq!(
            get_content(ty, &t, "profileManagementOperation").unwrap(),
            &[0x04, 0x10]
        );
        let err = set(ty, &mut t, "seqNumber", FieldValue::Boolean(true)).unwrap_err();
        assert!(matches!(err, PathError::ValueType { .. }), "{err}");
    }

    #[test]
    fn unknown_names_list_what_is_there() {
        let t = metadata();
        let err = get(&NOTIFICATION_METADATA, &t, "seqNumbr").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("seqNumber") && msg.contains("notificationAddress"),
            "{msg}"
        );
    }

    #[test]
    fn remove_then_insert_restores_order() {
        let mut t = metadata();
        let original = t.encode();
        let ty = &NOTIFICATION_METADATA;
        let removed = remove(ty, &mut t, "profileManagementOperation").unwrap();
        assert_eq!(removed.tag(), Tag::of(0x81));
        assert!(!crate::named::validate(ty, &t).is_empty());
        insert(ty, &mut t, "profileManagementOperation", removed).unwrap();
        assert_eq!(t.encode(), original);
        assert!(matches!(
            insert(
                ty,
                &mut t,
                "seqNumber",
                Tlv::primitive(Tag::of(0x80), vec![1])
            ),
            Err(PathError::AlreadyPresent { .. })
        ));
    }

    #[test]
    fn absent_optional_field_is_created_in_place() {
        // StoreMetadataRequest with iccid, spn, name; add profileClass (95) between name and end
        let mut t = Tlv::parse(&h("BF25 12 5A 0A 98001032547698103214 91 00 92 02 4142")).unwrap();
        let ty = &STORE_METADATA_REQUEST;
        set(ty, &mut t, "iconType", FieldValue::Text("png".into())).unwrap();
        set(ty, &mut t, "profileClass", FieldValue::Integer(0)).unwrap();
        assert_eq!(
            t.encode(),
            h("BF25 18 5A 0A 98001032547698103214 91 00 92 02 4142 93 01 01 95 01 00")
        );
        assert!(crate::named::validate(ty, &t).is_empty());
    }

    #[test]
    fn choice_and_list_paths() {
        // BF38 { A1 { 80 01 07, 02 01 06 } }  (authenticateResponseError, euiccChallengeMismatch)
        let mut t = Tlv::parse(&h("BF38 08 A1 06 80 01 07 02 01 06")).unwrap();
        let ty = &AUTHENTICATE_SERVER_RESPONSE;
        assert_eq!(
            get_content(ty, &t, "authenticateResponseError.authenticateErrorCode").unwrap(),
            &[6]
        );
        set(
            ty,
            &mut t,
            "authenticateResponseError.authenticateErrorCode",
            FieldValue::Text("ciPKUnknown".into()),
        )
        .unwrap();
        assert_eq!(t.encode(), h("BF38 08 A1 06 80 01 07 02 01 07"));
        let err = get(ty, &t, "authenticateResponseOk").unwrap_err();
        assert!(
            matches!(
                err,
                PathError::Absent { .. } | PathError::NoSuchField { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn tag_paths_reach_unknown_fields() {
        let mut t = Tlv::parse(&h("BF2F 0C 80 01 01 81 02 07 80 0C 00 9F7F 00")).unwrap();
        let ty = &NOTIFICATION_METADATA;
        assert_eq!(get(ty, &t, "#9F7F").unwrap().tag(), Tag::of(0x9F7F));
        set(ty, &mut t, "#9F7F", FieldValue::Bytes(vec![0xAA])).unwrap();
        assert_eq!(get_content(ty, &t, "#9F7F").unwrap(), &[0xAA]);
        assert!(matches!(
            set(ty, &mut t, "#9F7F", FieldValue::Integer(1)),
            Err(PathError::CannotEdit { .. })
        ));
    }
}
