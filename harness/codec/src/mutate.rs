//! Structure-aware mutations for live fuzzing: one deterministic change to a DER message (through
//! the schema's names when its type is known), to a JSON body, to raw bytes or to an activation
//! code. Each mutation says where it struck and what it broke, so an oracle can tell whether the
//! receiver had to refuse it.
//!
//! Everything is bounded: a mutated message grows by at most [`MAX_GROWTH`] bytes and nests at most
//! [`MAX_NESTING`] levels deeper; nothing here panics on any input.

use base64::Engine as _;
use serde_json::Value;

use crate::named::{self, Node};
use crate::schema::{Kind, OctetsHint, TypeDef};
use crate::tlv::{Class, Tag, Tlv};

/// Bytes a mutation may add to a message (oversized strings, deep nesting).
pub const MAX_GROWTH: usize = 70_000;
/// Levels of nesting a mutation may add.
pub const MAX_NESTING: usize = 300;

/// SplitMix64: a small deterministic generator, so a seed names one mutation exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.below(items.len()))
    }
}

/// Why no mutation could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MutateError {
    #[error("the message is not one BER-TLV: {0}")]
    NotTlv(String),
    #[error("{strategy}: the message has no {wanted}")]
    NoTarget {
        strategy: &'static str,
        wanted: &'static str,
    },
    #[error("the body is not a JSON object")]
    NotJsonObject,
    #[error("unknown strategy {0:?}")]
    UnknownStrategy(String),
}

/// Mutations of a DER message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DerStrategy {
    DropField,
    DuplicateField,
    ReorderFields,
    WrongTag,
    LengthShort,
    LengthLong,
    LengthHuge,
    Truncate,
    DeepNesting,
    BoundaryInteger,
    OversizedString,
    EmptyString,
    InvalidUtf8,
    UnknownExtension,
    CorruptSignature,
    BitFlip,
}

impl DerStrategy {
    pub const ALL: [DerStrategy; 16] = [
        DerStrategy::DropField,
        DerStrategy::DuplicateField,
        DerStrategy::ReorderFields,
        DerStrategy::WrongTag,
        DerStrategy::LengthShort,
        DerStrategy::LengthLong,
        DerStrategy::LengthHuge,
        DerStrategy::Truncate,
        DerStrategy::DeepNesting,
        DerStrategy::BoundaryInteger,
        DerStrategy::OversizedString,
        DerStrategy::EmptyString,
        DerStrategy::InvalidUtf8,
        DerStrategy::UnknownExtension,
        DerStrategy::CorruptSignature,
        DerStrategy::BitFlip,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DerStrategy::DropField => "drop-field",
            DerStrategy::DuplicateField => "duplicate-field",
            DerStrategy::ReorderFields => "reorder-fields",
            DerStrategy::WrongTag => "wrong-tag",
            DerStrategy::LengthShort => "length-short",
            DerStrategy::LengthLong => "length-long",
            DerStrategy::LengthHuge => "length-huge",
            DerStrategy::Truncate => "truncate",
            DerStrategy::DeepNesting => "deep-nesting",
            DerStrategy::BoundaryInteger => "boundary-integer",
            DerStrategy::OversizedString => "oversized-string",
            DerStrategy::EmptyString => "empty-string",
            DerStrategy::InvalidUtf8 => "invalid-utf8",
            DerStrategy::UnknownExtension => "unknown-extension",
            DerStrategy::CorruptSignature => "corrupt-signature",
            DerStrategy::BitFlip => "bit-flip",
        }
    }

    pub fn from_name(name: &str) -> Option<DerStrategy> {
        DerStrategy::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The result no longer parses as the message it was (lengths lie, bytes missing).
    fn breaks_framing(self) -> bool {
        matches!(
            self,
            DerStrategy::LengthShort
                | DerStrategy::LengthLong
                | DerStrategy::LengthHuge
                | DerStrategy::Truncate
        )
    }
}

/// One mutated DER message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerMutation {
    pub bytes: Vec<u8>,
    /// Where it struck: a schema path (`AuthenticateServerRequest.serverSigned1.transactionId`)
    /// where the schema names the node, else tags (`BF38/A0/80`).
    pub path: String,
    pub description: String,
    /// The framing is broken, the root's tag changed or the root was buried: whatever the
    /// content, a receiver cannot read this as the message.
    pub breaks_message: bool,
    /// A mandatory component (per the schema) is gone or no longer has its tag.
    pub drops_mandatory: bool,
}

/// What the enumeration knows about a node.
#[derive(Debug, Clone)]
struct NodeInfo {
    index: Vec<usize>,
    path: String,
    mandatory: bool,
    integer: bool,
    utf8: bool,
    signature: bool,
    constructed: bool,
    children: usize,
    content_len: usize,
}

/// Applies `strategy` to `der`; `ty` (when known) names the nodes and tells which are mandatory.
pub fn mutate_der(
    der: &[u8],
    ty: Option<&'static TypeDef>,
    strategy: DerStrategy,
    rng: &mut Rng,
) -> Result<DerMutation, MutateError> {
    let mut root = Tlv::parse(der).map_err(|e| MutateError::NotTlv(e.to_string()))?;
    let nodes = enumerate(&root, ty);
    let want = |wanted: &'static str| MutateError::NoTarget {
        strategy: strategy.name(),
        wanted,
    };
    let pick = |rng: &mut Rng, f: &dyn Fn(&NodeInfo) -> bool, wanted: &'static str| {
        let eligible: Vec<&NodeInfo> = nodes.iter().filter(|n| f(n)).collect();
        rng.pick(&eligible)
            .map(|n| (*n).clone())
            .ok_or(want(wanted))
    };
    let mut breaks_message = strategy.breaks_framing();
    let mut drops_mandatory = false;
    let (node, what, bytes) = match strategy {
        DerStrategy::DropField => {
            let n = pick(rng, &|n| !n.index.is_empty(), "component to drop")?;
            remove_at(&mut root, &n.index);
            drops_mandatory = n.mandatory;
            (n, "dropped".to_owned(), root.encode())
        }
        DerStrategy::DuplicateField => {
            let n = pick(rng, &|n| !n.index.is_empty(), "component to duplicate")?;
            if let Some(copy) = node_at(&root, &n.index).cloned() {
                insert_after(&mut root, &n.index, copy);
            }
            (n, "duplicated".to_owned(), root.encode())
        }
        DerStrategy::ReorderFields => {
            let n = pick(
                rng,
                &|n| n.constructed && n.children >= 2,
                "constructed node with two components",
            )?;
            let what = match node_mut(&mut root, &n.index) {
                Some(t) => {
                    let c = t.children_mut();
                    let i = rng.below(c.len() - 1);
                    c.swap(i, i + 1);
                    format!("components {i} and {} swapped", i + 1)
                }
                None => String::new(),
            };
            (n, what, root.encode())
        }
        DerStrategy::WrongTag => {
            let n = pick(rng, &|_| true, "node")?;
            let what = match node_mut(&mut root, &n.index) {
                Some(t) => {
                    let old = t.tag();
                    let new = other_tag(old, rng);
                    t.set_tag(new);
                    format!("tag {old} → {new}")
                }
                None => String::new(),
            };
            breaks_message = n.index.is_empty();
            drops_mandatory = n.mandatory;
            (n, what, root.encode())
        }
        DerStrategy::LengthShort | DerStrategy::LengthLong | DerStrategy::LengthHuge => {
            let n = if strategy == DerStrategy::LengthShort {
                pick(rng, &|n| n.content_len > 0, "node with content")?
            } else {
                pick(rng, &|_| true, "node")?
            };
            let encoded = root.encode();
            let (start, tag_len, len_len) = framing(&root, &n.index);
            let len = n.content_len;
            let lie: Vec<u8> = match strategy {
                DerStrategy::LengthShort => der_length(len - 1 - rng.below(len.min(16))),
                DerStrategy::LengthLong => der_length(len + 1 + rng.below(16)),
                _ => rng
                    .pick(&[
                        vec![0x84, 0x7F, 0xFF, 0xFF, 0xFF],
                        vec![0x84, 0xFF, 0xFF, 0xFF, 0xFF],
                        vec![0x88, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                        vec![0x80],
                        vec![0xFF],
                    ])
                    .cloned()
                    .unwrap_or_default(),
            };
            let at = start + tag_len;
            let mut out = encoded.get(..at).unwrap_or_default().to_vec();
            out.extend_from_slice(&lie);
            out.extend_from_slice(encoded.get(at + len_len..).unwrap_or_default());
            let what = format!("length {len} written as {}", crate::tlv::to_hex(&lie));
            (n, what, out)
        }
        DerStrategy::Truncate => {
            let n = pick(rng, &|_| true, "node")?;
            let encoded = root.encode();
            let (start, _, _) = framing(&root, &n.index);
            let total = node_at(&root, &n.index).map_or(1, Tlv::encoded_len);
            let cut = start + 1 + rng.below(total.saturating_sub(1));
            let what = format!("message cut at byte {cut} of {}", encoded.len());
            (n, what, encoded.get(..cut).unwrap_or_default().to_vec())
        }
        DerStrategy::DeepNesting => {
            let n = pick(rng, &|_| true, "node")?;
            let depth = *rng.pick(&[8usize, 64, MAX_NESTING]).unwrap_or(&8);
            if let Some(t) = node_mut(&mut root, &n.index) {
                let mut inner = t.clone();
                let wrapper =
                    Tag::try_new(Class::ContextSpecific, true, 30).unwrap_or(Tag::of(0xBE));
                for _ in 0..depth {
                    inner = Tlv::constructed(wrapper, vec![inner]);
                }
                *t = inner;
            }
            breaks_message = n.index.is_empty();
            drops_mandatory = n.mandatory;
            (n, format!("wrapped in {depth} levels"), root.encode())
        }
        DerStrategy::BoundaryInteger => {
            let n = pick(
                rng,
                &|n| n.integer || (!n.constructed && n.content_len <= 4 && n.content_len > 0),
                "integer",
            )?;
            let values: [&[u8]; 9] = [
                &[],
                &[0x00],
                &[0xFF],
                &[0x7F],
                &[0x80],
                &[0x00, 0x00, 0x01],
                &[0x7F, 0xFF, 0xFF, 0xFF],
                &[0x80, 0x00, 0x00, 0x00],
                &[0x01, 0, 0, 0, 0, 0, 0, 0, 0],
            ];
            let v = rng.pick(&values).copied().unwrap_or_default();
            set_content(&mut root, &n.index, v.to_vec());
            (
                n,
                format!("content set to '{}'", crate::tlv::to_hex(v)),
                root.encode(),
            )
        }
        DerStrategy::OversizedString => {
            let n = pick(rng, &|n| !n.constructed, "primitive")?;
            let size = *rng.pick(&[256usize, 1_024, 4_096, 65_536]).unwrap_or(&256);
            let old = node_at(&root, &n.index)
                .and_then(Tlv::content)
                .unwrap_or_default()
                .to_vec();
            let fill = if old.is_empty() { vec![b'A'] } else { old };
            let content: Vec<u8> = fill.iter().copied().cycle().take(size).collect();
            set_content(&mut root, &n.index, content);
            (n, format!("content grown to {size} bytes"), root.encode())
        }
        DerStrategy::EmptyString => {
            let n = pick(
                rng,
                &|n| !n.constructed && n.content_len > 0,
                "primitive with content",
            )?;
            set_content(&mut root, &n.index, Vec::new());
            (n, "content emptied".to_owned(), root.encode())
        }
        DerStrategy::InvalidUtf8 => {
            let n = match pick(rng, &|n| n.utf8, "UTF8String") {
                Ok(n) => n,
                Err(_) => pick(rng, &|n| !n.constructed, "primitive")?,
            };
            let bad: [&[u8]; 5] = [
                &[0xC3, 0x28],
                &[0xFF],
                &[0xED, 0xA0, 0x80],
                &[0xF8, 0x88, 0x80, 0x80, 0x80],
                &[0xC0, 0xAF],
            ];
            let b = rng.pick(&bad).copied().unwrap_or_default();
            let mut content = node_at(&root, &n.index)
                .and_then(Tlv::content)
                .unwrap_or_default()
                .to_vec();
            let at = rng.below(content.len() + 1);
            content.splice(at..at, b.iter().copied());
            set_content(&mut root, &n.index, content);
            (
                n,
                format!("'{}' inserted at {at}", crate::tlv::to_hex(b)),
                root.encode(),
            )
        }
        DerStrategy::UnknownExtension => {
            let n = pick(rng, &|n| n.constructed, "constructed node")?;
            let number = 64 + rng.below(64) as u32;
            let content: Vec<u8> = (0..1 + rng.below(8))
                .map(|_| rng.next_u64() as u8)
                .collect();
            let ext = match Tag::try_new(Class::ContextSpecific, false, number) {
                Some(tag) => Tlv::primitive(tag, content),
                None => Tlv::primitive(Tag::of(0x9F7F), content),
            };
            let tag = ext.tag();
            if let Some(t) = node_mut(&mut root, &n.index) {
                t.children_mut().push(ext);
            }
            (
                n,
                format!("unknown component {tag} appended"),
                root.encode(),
            )
        }
        DerStrategy::CorruptSignature => {
            let n = pick(
                rng,
                &|n| n.signature && !n.constructed && n.content_len > 0,
                "signature",
            )?;
            let mut content = node_at(&root, &n.index)
                .and_then(Tlv::content)
                .unwrap_or_default()
                .to_vec();
            if let Some(last) = content.last_mut() {
                *last ^= 0x01;
            }
            set_content(&mut root, &n.index, content);
            (n, "last byte's low bit flipped".to_owned(), root.encode())
        }
        DerStrategy::BitFlip => {
            let n = pick(
                rng,
                &|n| !n.constructed && n.content_len > 0,
                "primitive with content",
            )?;
            let mut content = node_at(&root, &n.index)
                .and_then(Tlv::content)
                .unwrap_or_default()
                .to_vec();
            let byte = rng.below(content.len());
            let bit = rng.below(8);
            if let Some(b) = content.get_mut(byte) {
                *b ^= 1 << bit;
            }
            set_content(&mut root, &n.index, content);
            (
                n,
                format!("bit {bit} of byte {byte} flipped"),
                root.encode(),
            )
        }
    };
    Ok(DerMutation {
        bytes,
        description: format!("{} at {}: {what}", strategy.name(), node.path),
        path: node.path,
        breaks_message,
        drops_mandatory,
    })
}

/// Every node in pre-order with its index path and, where the schema names it, its name path.
fn enumerate(root: &Tlv, ty: Option<&'static TypeDef>) -> Vec<NodeInfo> {
    // Names and facts from the schema, keyed by the node's address in `root`.
    let mut named_facts: std::collections::HashMap<usize, (String, bool, bool, bool, bool)> =
        std::collections::HashMap::new();
    if let Some(ty) = ty {
        let decoded = named::decode(ty, root);
        collect_named(&decoded.root, None, &mut String::new(), &mut named_facts);
    }
    let mut out = Vec::new();
    walk(
        root,
        false,
        &mut Vec::new(),
        &mut Vec::new(),
        &named_facts,
        &mut out,
    );
    out
}

type Facts = std::collections::HashMap<usize, (String, bool, bool, bool, bool)>;

fn collect_named(
    node: &Node<'_>,
    parent: Option<&'static TypeDef>,
    prefix: &mut String,
    out: &mut Facts,
) {
    let len = prefix.len();
    match node.index {
        Some(i) => prefix.push_str(&format!("[{i}]")),
        None => {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(&node.name);
        }
    }
    let mandatory = parent.is_some_and(|p| {
        matches!(p.kind, Kind::Sequence(_)) && p.field(&node.name).is_some_and(|f| !f.optional)
    });
    let (integer, utf8, signature) = match node.ty.map(|t| t.kind) {
        Some(Kind::Integer { .. }) => (true, false, false),
        Some(Kind::Utf8String { .. }) => (false, true, false),
        Some(Kind::OctetString {
            hint: OctetsHint::Signature,
            ..
        }) => (false, false, true),
        _ => {
            let name = node.name.to_ascii_lowercase();
            let signature = name.contains("signature") && !name.contains("algorithm");
            (false, false, signature && !node.tlv.is_constructed())
        }
    };
    let key = std::ptr::from_ref(node.tlv) as usize;
    // An explicit wrapper and its inner value share no TLV; the first name seen wins.
    out.entry(key)
        .or_insert_with(|| (prefix.clone(), mandatory, integer, utf8, signature));
    for c in &node.children {
        collect_named(c, node.ty, prefix, out);
    }
    prefix.truncate(len);
}

/// `cert_signature`: `t` is the BIT STRING closing a certificate (a SEQUENCE opening with its
/// TBS SEQUENCE).
fn walk(
    t: &Tlv,
    cert_signature: bool,
    index: &mut Vec<usize>,
    tags: &mut Vec<String>,
    facts: &Facts,
    out: &mut Vec<NodeInfo>,
) {
    tags.push(t.tag().to_string());
    let key = std::ptr::from_ref(t) as usize;
    let (path, mandatory, integer, utf8, mut signature) = facts
        .get(&key)
        .cloned()
        .unwrap_or_else(|| (tags.join("/"), false, false, false, false));
    signature |= cert_signature;
    out.push(NodeInfo {
        index: index.clone(),
        path,
        mandatory,
        integer,
        utf8,
        signature,
        constructed: t.is_constructed(),
        children: t.children().len(),
        content_len: t.content_len(),
    });
    let certificate = t.tag() == Tag::of(0x30)
        && t.children()
            .first()
            .is_some_and(|f| f.tag() == Tag::of(0x30));
    let last = t.children().len().saturating_sub(1);
    for (i, c) in t.children().iter().enumerate() {
        index.push(i);
        let sig = certificate && i == last && c.tag() == Tag::of(0x03);
        walk(c, sig, index, tags, facts, out);
        index.pop();
    }
    tags.pop();
}

fn node_at<'a>(root: &'a Tlv, index: &[usize]) -> Option<&'a Tlv> {
    index.iter().try_fold(root, |t, &i| t.children().get(i))
}

fn node_mut<'a>(root: &'a mut Tlv, index: &[usize]) -> Option<&'a mut Tlv> {
    let mut t = root;
    for &i in index {
        if !t.is_constructed() {
            return None;
        }
        t = t.children_mut().get_mut(i)?;
    }
    Some(t)
}

fn remove_at(root: &mut Tlv, index: &[usize]) {
    if let Some((&last, parent)) = index.split_last() {
        if let Some(p) = node_mut(root, parent) {
            let c = p.children_mut();
            if last < c.len() {
                c.remove(last);
            }
        }
    }
}

fn insert_after(root: &mut Tlv, index: &[usize], t: Tlv) {
    if let Some((&last, parent)) = index.split_last() {
        if let Some(p) = node_mut(root, parent) {
            let c = p.children_mut();
            c.insert((last + 1).min(c.len()), t);
        }
    }
}

fn set_content(root: &mut Tlv, index: &[usize], content: Vec<u8>) {
    if let Some(t) = node_mut(root, index) {
        t.set_content(content);
    }
}

/// Offset of the node's tag in `root.encode()`, its tag length and its length field's length.
fn framing(root: &Tlv, index: &[usize]) -> (usize, usize, usize) {
    let mut start = 0;
    let mut t = root;
    for &i in index {
        start += t.tag().encoded_len() + t.length_field_len();
        for c in t.children().iter().take(i) {
            start += c.encoded_len();
        }
        match t.children().get(i) {
            Some(c) => t = c,
            None => break,
        }
    }
    (start, t.tag().encoded_len(), t.length_field_len())
}

fn der_length(len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    crate::tlv::write_der_length(&mut out, len);
    out
}

/// Another tag for a node: the next context number, another class, or a universal type.
fn other_tag(old: Tag, rng: &mut Rng) -> Tag {
    let constructed = old.is_constructed();
    let candidates = [
        Tag::try_new(Class::ContextSpecific, constructed, (old.number() + 1) % 31),
        Tag::try_new(Class::Private, constructed, old.number() % 31),
        Tag::try_new(
            Class::Universal,
            constructed,
            if constructed { 16 } else { 4 },
        ),
        Tag::try_new(Class::Application, constructed, 77),
    ];
    let options: Vec<Tag> = candidates
        .into_iter()
        .flatten()
        .filter(|t| *t != old)
        .collect();
    rng.pick(&options).copied().unwrap_or(Tag::of(0x9F7F))
}

// ------------------------------------------------------------------------------------ JSON

/// Mutations of a JSON request or answer body (an object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JsonStrategy {
    MissingKey,
    ExtraKey,
    TypeConfusion,
    Base64Damage,
    OversizedString,
    EmptyString,
    /// A DER mutation inside a base64 field.
    Der(DerStrategy),
}

impl JsonStrategy {
    /// The JSON-only strategies (without the nested DER ones).
    pub const PLAIN: [JsonStrategy; 6] = [
        JsonStrategy::MissingKey,
        JsonStrategy::ExtraKey,
        JsonStrategy::TypeConfusion,
        JsonStrategy::Base64Damage,
        JsonStrategy::OversizedString,
        JsonStrategy::EmptyString,
    ];

    pub fn name(self) -> String {
        match self {
            JsonStrategy::MissingKey => "missing-key".into(),
            JsonStrategy::ExtraKey => "extra-key".into(),
            JsonStrategy::TypeConfusion => "type-confusion".into(),
            JsonStrategy::Base64Damage => "base64-damage".into(),
            JsonStrategy::OversizedString => "oversized-string".into(),
            JsonStrategy::EmptyString => "empty-string".into(),
            JsonStrategy::Der(d) => format!("der-{}", d.name()),
        }
    }

    pub fn from_name(name: &str) -> Option<JsonStrategy> {
        if let Some(d) = name.strip_prefix("der-") {
            return DerStrategy::from_name(d).map(JsonStrategy::Der);
        }
        JsonStrategy::PLAIN.into_iter().find(|s| s.name() == name)
    }
}

/// One mutated JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMutation {
    pub body: Value,
    /// The key it struck: `transactionId`, `header.functionCallIdentifier`.
    pub key: String,
    pub description: String,
    /// The DER mutation inside the key's base64 value.
    pub der: Option<DerMutation>,
}

/// Applies `strategy` to a JSON object body. `der_type` names the ASN.1 type of a base64 key.
pub fn mutate_json(
    body: &Value,
    strategy: JsonStrategy,
    der_type: &dyn Fn(&str) -> Option<&'static TypeDef>,
    rng: &mut Rng,
) -> Result<JsonMutation, MutateError> {
    let mut body = body.clone();
    let object = body.as_object().ok_or(MutateError::NotJsonObject)?;
    // Top-level keys and the header's, as (parent, key).
    let mut keys: Vec<(Option<String>, String)> =
        object.keys().map(|k| (None, k.clone())).collect();
    if let Some(h) = object.get("header").and_then(Value::as_object) {
        keys.extend(h.keys().map(|k| (Some("header".to_owned()), k.clone())));
    }
    let b64 = |v: &Value| -> Option<Vec<u8>> {
        let s = v.as_str()?;
        if s.len() < 4 {
            return None;
        }
        base64::engine::general_purpose::STANDARD.decode(s).ok()
    };
    let want = |wanted: &'static str| MutateError::NoTarget {
        strategy: "json",
        wanted,
    };
    let get = |body: &Value, (p, k): &(Option<String>, String)| -> Option<Value> {
        match p {
            Some(p) => body.get(p)?.get(k).cloned(),
            None => body.get(k).cloned(),
        }
    };
    let eligible: Vec<(Option<String>, String)> = keys
        .iter()
        .filter(|pk| {
            let v = get(&body, pk);
            match strategy {
                JsonStrategy::Base64Damage => v.as_ref().and_then(b64).is_some(),
                JsonStrategy::Der(_) => v
                    .as_ref()
                    .and_then(b64)
                    .is_some_and(|d| Tlv::parse(&d).is_ok()),
                JsonStrategy::OversizedString | JsonStrategy::EmptyString => {
                    v.as_ref().is_some_and(Value::is_string)
                }
                _ => true,
            }
        })
        .cloned()
        .collect();
    if strategy == JsonStrategy::ExtraKey {
        let in_header = object.contains_key("header") && rng.below(3) == 0;
        let parent = in_header.then(|| "header".to_owned());
        let key = format!("rspcheckUnknown{}", rng.below(1000));
        let value = match rng.below(4) {
            0 => Value::from("x"),
            1 => Value::from(rng.below(1 << 20)),
            2 => serde_json::json!({ "nested": [1, 2, 3] }),
            _ => Value::Null,
        };
        let shown = value.to_string();
        if let Some(m) = slot(&mut body, parent.as_deref()) {
            m.insert(key.clone(), value);
        }
        let full = parent.map_or(key.clone(), |p| format!("{p}.{key}"));
        return Ok(JsonMutation {
            body,
            description: format!("extra-key: {full} = {shown} added"),
            key: full,
            der: None,
        });
    }
    let (parent, key) = rng
        .pick(&eligible)
        .cloned()
        .ok_or(want("key fit for the strategy"))?;
    let full = parent
        .as_ref()
        .map_or(key.clone(), |p| format!("{p}.{key}"));
    let old = get(&body, &(parent.clone(), key.clone())).unwrap_or(Value::Null);
    let mut der = None;
    let (new, what): (Option<Value>, String) = match strategy {
        JsonStrategy::MissingKey => (None, "removed".into()),
        JsonStrategy::TypeConfusion => {
            let options = [
                Value::from(12345),
                serde_json::json!([old.clone()]),
                serde_json::json!({ "value": old.clone() }),
                Value::Null,
                Value::Bool(true),
                Value::from(old.to_string()),
            ];
            let fit: Vec<&Value> = options
                .iter()
                .filter(|v| std::mem::discriminant(*v) != std::mem::discriminant(&old))
                .collect();
            let v = rng.pick(&fit).map(|v| (*v).clone()).unwrap_or(Value::Null);
            let what = format!("value became {}", kind_of(&v));
            (Some(v), what)
        }
        JsonStrategy::Base64Damage => {
            let s = old.as_str().unwrap_or_default().to_owned();
            let (damaged, what) = match rng.below(4) {
                0 => {
                    let at = rng.below(s.len() + 1);
                    let mut d = s.clone();
                    d.insert(at.min(d.len()), '!');
                    (d, format!("'!' inserted at {at}"))
                }
                1 => (
                    s.trim_end_matches('=').chars().skip(1).collect(),
                    "first character dropped, padding removed".into(),
                ),
                2 => (
                    s.replace('+', "-").replace('/', "_") + "-_",
                    "URL-safe alphabet".into(),
                ),
                _ => (format!("{s}===="), "extra padding".into()),
            };
            (Some(Value::from(damaged)), what)
        }
        JsonStrategy::OversizedString => {
            let size = *rng.pick(&[1_024usize, 16_384, 65_536]).unwrap_or(&1_024);
            let s = old.as_str().unwrap_or_default();
            let base = if s.is_empty() { "A" } else { s };
            let grown: String = base.chars().cycle().take(size).collect();
            (
                Some(Value::from(grown)),
                format!("grown to {size} characters"),
            )
        }
        JsonStrategy::EmptyString => (Some(Value::from("")), "emptied".into()),
        JsonStrategy::Der(d) => {
            let bytes = b64(&old).unwrap_or_default();
            let m = mutate_der(&bytes, der_type(&key), d, rng)?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&m.bytes);
            let what = m.description.clone();
            der = Some(m);
            (Some(Value::from(encoded)), what)
        }
        JsonStrategy::ExtraKey => unreachable!("handled above"),
    };
    if let Some(m) = slot(&mut body, parent.as_deref()) {
        match new {
            Some(v) => {
                m.insert(key.clone(), v);
            }
            None => {
                m.remove(&key);
            }
        }
    }
    Ok(JsonMutation {
        body,
        description: format!("{} of {full}: {what}", strategy.name()),
        key: full,
        der,
    })
}

/// The object a key lives in: the body, or its `parent` object.
fn slot<'a>(
    body: &'a mut Value,
    parent: Option<&str>,
) -> Option<&'a mut serde_json::Map<String, Value>> {
    match parent {
        Some(p) => body.get_mut(p)?.as_object_mut(),
        None => body.as_object_mut(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ------------------------------------------------------------------------------ raw bodies

/// Mutations of a body as bytes (an answer an LPA must survive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BytesStrategy {
    Truncate,
    InvalidUtf8,
    NotJson,
    DeepJsonNesting,
    Empty,
}

impl BytesStrategy {
    pub const ALL: [BytesStrategy; 5] = [
        BytesStrategy::Truncate,
        BytesStrategy::InvalidUtf8,
        BytesStrategy::NotJson,
        BytesStrategy::DeepJsonNesting,
        BytesStrategy::Empty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BytesStrategy::Truncate => "truncate",
            BytesStrategy::InvalidUtf8 => "invalid-utf8",
            BytesStrategy::NotJson => "not-json",
            BytesStrategy::DeepJsonNesting => "deep-json-nesting",
            BytesStrategy::Empty => "empty",
        }
    }

    pub fn from_name(name: &str) -> Option<BytesStrategy> {
        BytesStrategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Applies `strategy` to a body; returns the new bytes and what changed.
pub fn mutate_bytes(body: &[u8], strategy: BytesStrategy, rng: &mut Rng) -> (Vec<u8>, String) {
    match strategy {
        BytesStrategy::Truncate => {
            let cut = rng.below(body.len().max(1));
            (
                body.get(..cut).unwrap_or_default().to_vec(),
                format!("cut at byte {cut} of {}", body.len()),
            )
        }
        BytesStrategy::InvalidUtf8 => {
            let mut out = body.to_vec();
            let at = rng.below(out.len() + 1);
            out.splice(at..at, [0xC3, 0x28, 0xFF]);
            (out, format!("invalid UTF-8 inserted at {at}"))
        }
        BytesStrategy::NotJson => (
            b"<html><body>502 Bad Gateway</body></html>".to_vec(),
            "replaced by an HTML page".into(),
        ),
        BytesStrategy::DeepJsonNesting => {
            let depth = *rng.pick(&[200usize, 5_000, 30_000]).unwrap_or(&200);
            let mut out = Vec::with_capacity(2 * depth);
            out.extend(std::iter::repeat_n(b'[', depth));
            out.extend(std::iter::repeat_n(b']', depth));
            (out, format!("{depth} nested arrays"))
        }
        BytesStrategy::Empty => (Vec::new(), "emptied".into()),
    }
}

// ------------------------------------------------------------------------ activation codes

/// Mutations of an activation code (`LPA:1$ADDRESS$MATCHING-ID[$OID[$CC]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AcStrategy {
    DropField,
    ExtraField,
    EmptyField,
    OversizedField,
    Multibyte,
    ControlCharacter,
    WrongFormat,
    Truncate,
}

impl AcStrategy {
    pub const ALL: [AcStrategy; 8] = [
        AcStrategy::DropField,
        AcStrategy::ExtraField,
        AcStrategy::EmptyField,
        AcStrategy::OversizedField,
        AcStrategy::Multibyte,
        AcStrategy::ControlCharacter,
        AcStrategy::WrongFormat,
        AcStrategy::Truncate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AcStrategy::DropField => "drop-field",
            AcStrategy::ExtraField => "extra-field",
            AcStrategy::EmptyField => "empty-field",
            AcStrategy::OversizedField => "oversized-field",
            AcStrategy::Multibyte => "multibyte",
            AcStrategy::ControlCharacter => "control-character",
            AcStrategy::WrongFormat => "wrong-format",
            AcStrategy::Truncate => "truncate",
        }
    }

    pub fn from_name(name: &str) -> Option<AcStrategy> {
        AcStrategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Applies `strategy` to an activation code; returns the new text and what changed.
pub fn mutate_activation_code(ac: &str, strategy: AcStrategy, rng: &mut Rng) -> (String, String) {
    let (prefix, rest) = match ac.strip_prefix("LPA:") {
        Some(r) => ("LPA:", r),
        None => ("", ac),
    };
    let mut fields: Vec<String> = rest.split('$').map(str::to_owned).collect();
    let n = fields.len();
    let i = rng.below(n);
    let what = match strategy {
        AcStrategy::DropField => {
            fields.remove(i);
            format!("field {i} dropped")
        }
        AcStrategy::ExtraField => {
            fields.push("EXTRA".into());
            "a sixth-or-later field appended".into()
        }
        AcStrategy::EmptyField => {
            fields[i].clear();
            format!("field {i} emptied")
        }
        AcStrategy::OversizedField => {
            let size = *rng.pick(&[256usize, 4_096]).unwrap_or(&256);
            fields[i] = fields[i]
                .chars()
                .chain(std::iter::repeat('A'))
                .take(size)
                .collect();
            format!("field {i} grown to {size} characters")
        }
        AcStrategy::Multibyte => {
            let ch = *rng.pick(&['é', '€', '𝄞', '\u{FEFF}']).unwrap_or(&'é');
            let f = &mut fields[i];
            let at = f
                .char_indices()
                .map(|(b, _)| b)
                .nth(rng.below(f.chars().count() + 1));
            f.insert(at.unwrap_or(f.len()), ch);
            format!("{ch:?} inserted in field {i}")
        }
        AcStrategy::ControlCharacter => {
            let ch = *rng.pick(&['\0', '\n', '\r', '\u{7F}']).unwrap_or(&'\0');
            fields[i].push(ch);
            format!("{ch:?} appended to field {i}")
        }
        AcStrategy::WrongFormat => {
            fields[0] = rng
                .pick(&["0", "2", "01", "", "X"])
                .copied()
                .unwrap_or("0")
                .to_owned();
            format!("format field set to {:?}", fields[0])
        }
        AcStrategy::Truncate => {
            let text = format!("{prefix}{}", fields.join("$"));
            let cut = text
                .char_indices()
                .map(|(b, _)| b)
                .nth(rng.below(text.chars().count().max(1)))
                .unwrap_or(0);
            return (text[..cut].to_owned(), format!("cut after {cut} bytes"));
        }
    };
    (format!("{prefix}{}", fields.join("$")), what)
}

#[cfg(test)]
mod tests;
