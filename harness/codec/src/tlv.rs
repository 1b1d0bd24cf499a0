//! Lossless BER-TLV tree.
//!
//! [`Tlv::parse`] turns bytes into a tree that remembers how each length was encoded, so
//! [`Tlv::encode`] of an untouched tree gives back the exact input bytes (signatures are computed
//! over received bytes, so re-encoding must never "fix" anything). [`Tlv::encode_der`] ignores
//! the remembered forms and always writes DER (minimal definite lengths); edits made through this
//! module or the schema paths forget the remembered form of every node they touch.
//!
//! Hostile input is expected: every failure is a [`TlvError`] naming what was wrong, the byte
//! offset and the path of tags leading to it. No allocation is made from a length before the
//! length has been checked against the bytes actually present, and nesting depth and total size
//! are bounded by [`Limits`].

use std::fmt;

/// The class bits of a tag (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Universal,
    Application,
    ContextSpecific,
    Private,
}

impl Class {
    const fn from_bits(b: u8) -> Class {
        match b >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::ContextSpecific,
            _ => Class::Private,
        }
    }
    const fn bits(self) -> u8 {
        match self {
            Class::Universal => 0x00,
            Class::Application => 0x40,
            Class::ContextSpecific => 0x80,
            Class::Private => 0xC0,
        }
    }
}

/// Largest tag number that fits in the 4-byte tags we accept (1 leading + 3 subsequent octets).
pub const MAX_TAG_NUMBER: u32 = (1 << 21) - 1;

/// A BER tag: class, primitive/constructed bit and tag number.
///
/// Tags are always canonical (X.690 §8.1.2: numbers below 31 in one octet, no leading `0x80`
/// subsequent octet); a non-canonical tag in the input is an error rather than something to keep.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    class: Class,
    constructed: bool,
    number: u32,
}

impl Tag {
    /// Builds a tag. Numbers above [`MAX_TAG_NUMBER`] are clamped by the caller's responsibility;
    /// use [`Tag::try_new`] for untrusted numbers.
    pub const fn new(class: Class, constructed: bool, number: u32) -> Tag {
        Tag {
            class,
            constructed,
            number,
        }
    }

    pub fn try_new(class: Class, constructed: bool, number: u32) -> Option<Tag> {
        (number <= MAX_TAG_NUMBER).then_some(Tag::new(class, constructed, number))
    }

    /// Tag from its encoded octets written as a number, e.g. `0xBF38`, `0x5F37`, `0x80`.
    /// Returns `None` unless the octets are one canonical tag.
    pub const fn from_encoded(v: u32) -> Option<Tag> {
        let bytes = v.to_be_bytes();
        let mut start = 0;
        while start < 3 && bytes[start] == 0 {
            start += 1;
        }
        let first = bytes[start];
        let class = Class::from_bits(first);
        let constructed = first & 0x20 != 0;
        if first & 0x1F != 0x1F {
            if start != 3 {
                return None;
            }
            return Some(Tag::new(class, constructed, (first & 0x1F) as u32));
        }
        let mut number: u32 = 0;
        let mut i = start + 1;
        if i > 3 || bytes[i] == 0x80 {
            return None;
        }
        while i <= 3 {
            let b = bytes[i];
            number = (number << 7) | (b & 0x7F) as u32;
            let last = b & 0x80 == 0;
            if last != (i == 3) {
                return None;
            }
            i += 1;
        }
        if number < 31 {
            return None;
        }
        Some(Tag::new(class, constructed, number))
    }

    /// Like [`Tag::from_encoded`] for constants: fails the build on an invalid tag.
    pub const fn of(v: u32) -> Tag {
        match Tag::from_encoded(v) {
            Some(t) => t,
            None => panic!("invalid tag constant"),
        }
    }

    pub const fn class(self) -> Class {
        self.class
    }
    pub const fn is_constructed(self) -> bool {
        self.constructed
    }
    pub const fn number(self) -> u32 {
        self.number
    }

    /// The same tag with the constructed bit set or cleared.
    pub const fn with_constructed(self, constructed: bool) -> Tag {
        Tag::new(self.class, constructed, self.number)
    }

    /// Number of octets of the encoded tag.
    pub const fn encoded_len(self) -> usize {
        if self.number < 31 {
            1
        } else if self.number < (1 << 7) {
            2
        } else if self.number < (1 << 14) {
            3
        } else {
            4
        }
    }

    pub fn write(self, out: &mut Vec<u8>) {
        let lead = self.class.bits() | if self.constructed { 0x20 } else { 0 };
        if self.number < 31 {
            out.push(lead | self.number as u8);
            return;
        }
        out.push(lead | 0x1F);
        let n = self.encoded_len() - 1;
        for i in (0..n).rev() {
            let mut b = ((self.number >> (7 * i)) & 0x7F) as u8;
            if i != 0 {
                b |= 0x80;
            }
            out.push(b);
        }
    }

    pub fn to_bytes(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4);
        self.write(&mut v);
        v
    }

    /// The encoded octets as a number (`0xBF38`), handy for matching and display.
    pub fn to_u32(self) -> u32 {
        self.to_bytes()
            .iter()
            .fold(0u32, |acc, b| (acc << 8) | *b as u32)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.to_bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

/// The tags from the top of a tree down to a node, shown as `BF38/A0/30/84`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TagPath(pub Vec<Tag>);

impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top)");
        }
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Bounds applied while parsing untrusted bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting accepted (the top TLV is depth 1).
    pub max_depth: usize,
    /// Largest input accepted, in bytes.
    pub max_size: usize,
}

impl Limits {
    /// Deep enough for every SGP.22 and SAIP structure (the deepest is about 12), small enough to
    /// keep recursion cheap.
    pub const DEFAULT_MAX_DEPTH: usize = 32;
    /// A bound profile package of a large profile stays well below this.
    pub const DEFAULT_MAX_SIZE: usize = 4 * 1024 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_size: Self::DEFAULT_MAX_SIZE,
        }
    }
}

/// What went wrong while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvErrorKind {
    #[error("no bytes where a TLV was expected")]
    Empty,
    #[error("tag truncated: input ends inside a multi-byte tag")]
    TruncatedTag,
    #[error("tag longer than 4 bytes")]
    TagTooLong,
    #[error("non-canonical tag encoding ({reason})")]
    NonCanonicalTag { reason: &'static str },
    #[error("length truncated: input ends inside the length field")]
    TruncatedLength,
    #[error("indefinite length (0x80) is not allowed")]
    IndefiniteLength,
    #[error("reserved length octet 0xFF")]
    ReservedLength,
    #[error("length field of {octets} octets is longer than the 4 accepted")]
    LengthTooLong { octets: usize },
    #[error("length {length} exceeds {remaining} remaining")]
    LengthExceedsInput { length: usize, remaining: usize },
    #[error("nesting deeper than {limit}")]
    TooDeep { limit: usize },
    #[error("input of {size} bytes exceeds the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("{count} trailing bytes after the TLV")]
    TrailingBytes { count: usize },
}

/// A parse failure: the kind, the byte offset in the input and the path of tags to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind} at offset {offset}")]
pub struct TlvError {
    pub kind: TlvErrorKind,
    pub offset: usize,
    pub path: TagPath,
}

/// Content octets of a primitive node. Up to [`Octets::INLINE`] bytes live inside the node
/// (most SGP.22 and SAIP primitives are that short), longer ones on the heap: parsing a
/// profile package then costs about a third of the allocations.
#[derive(Clone)]
pub struct Octets(OctetsRepr);

#[derive(Clone)]
enum OctetsRepr {
    Inline { len: u8, buf: [u8; Octets::INLINE] },
    // A boxed slice (not a Vec) keeps `Octets` at 24 bytes and `Tlv` at 40: parsing moves
    // every node, so its size is most of the parse time.
    Heap(Box<[u8]>),
}

impl Octets {
    /// Longest content stored inline.
    pub const INLINE: usize = 22;

    pub fn copy_from(bytes: &[u8]) -> Octets {
        if bytes.len() <= Self::INLINE {
            let mut buf = [0u8; Self::INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            Octets(OctetsRepr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Octets(OctetsRepr::Heap(bytes.into()))
        }
    }

    /// `input[start..end]`, reading a fixed-size window for short contents when the input
    /// allows it: a constant-size copy instead of a memcpy call per primitive. The window's bytes
    /// past `end` stay in the buffer but are never exposed (every accessor stops at `len`).
    fn copy_from_range(input: &[u8], start: usize, end: usize) -> Octets {
        let len = end - start;
        if len <= Self::INLINE {
            if let Some(window) = input.get(start..start + Self::INLINE) {
                let mut buf = [0u8; Self::INLINE];
                buf.copy_from_slice(window);
                return Octets(OctetsRepr::Inline {
                    len: len as u8,
                    buf,
                });
            }
        }
        Octets::copy_from(&input[start..end])
    }

    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            OctetsRepr::Inline { len, buf } => &buf[..*len as usize],
            OctetsRepr::Heap(v) => v,
        }
    }
}

impl From<Vec<u8>> for Octets {
    fn from(v: Vec<u8>) -> Octets {
        if v.len() <= Self::INLINE {
            Octets::copy_from(&v)
        } else {
            Octets(OctetsRepr::Heap(v.into_boxed_slice()))
        }
    }
}

impl std::ops::Deref for Octets {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Octets {
    fn eq(&self, other: &Octets) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for Octets {}

impl fmt::Debug for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", to_hex(self.as_slice()))
    }
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Raw content octets. Parsing produces this only for primitive tags; a builder may put raw
    /// octets under a constructed tag (the fuzzer does).
    Primitive(Octets),
    /// Child TLVs, in order.
    Constructed(Vec<Tlv>),
}

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Tlv {
    tag: Tag,
    value: Value,
    /// Number of length octets as encoded (0 = short form, n = `0x80|n` then n octets), kept
    /// only when the input used a non-minimal form; `None` means DER form. Every mutation of a
    /// node goes through a method that clears it, so `None` stays true.
    length_octets: Option<u8>,
    /// Byte offset of the tag in the parsed input; [`NO_OFFSET`] for a built node (or one past
    /// 4 GiB). A u32 rather than `Option<usize>` keeps the node small.
    offset: u32,
}

const NO_OFFSET: u32 = u32::MAX;

/// Equality is structural: tag and value, plus the remembered length forms (two trees are equal
/// when they encode to the same bytes), not the parse offsets.
impl PartialEq for Tlv {
    fn eq(&self, other: &Self) -> bool {
        self.tag == other.tag && self.value == other.value && self.length_form_eq(other)
    }
}
impl Eq for Tlv {}

impl Tlv {
    fn length_form_eq(&self, other: &Tlv) -> bool {
        // Compare the length octets that would actually be written.
        self.length_header_len() == other.length_header_len()
    }

    /// A primitive node (DER form).
    pub fn primitive(tag: Tag, content: impl Into<Vec<u8>>) -> Tlv {
        Tlv {
            tag,
            value: Value::Primitive(Octets::from(content.into())),
            length_octets: None,
            offset: NO_OFFSET,
        }
    }

    /// A constructed node (DER form). The tag's constructed bit is set.
    pub fn constructed(tag: Tag, children: Vec<Tlv>) -> Tlv {
        Tlv {
            tag: tag.with_constructed(true),
            value: Value::Constructed(children),
            length_octets: None,
            offset: NO_OFFSET,
        }
    }

    /// A node with an arbitrary tag and raw content, for fuzzing and fault injection.
    pub fn raw(tag: Tag, content: impl Into<Vec<u8>>) -> Tlv {
        Tlv::primitive(tag, content)
    }

    pub fn tag(&self) -> Tag {
        self.tag
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Content octets of a primitive node; `None` for a constructed node.
    pub fn content(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Primitive(v) => Some(v),
            Value::Constructed(_) => None,
        }
    }

    /// Children of a constructed node (empty for a primitive one).
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Constructed(c) => c,
            Value::Primitive(_) => &[],
        }
    }

    pub fn is_constructed(&self) -> bool {
        matches!(self.value, Value::Constructed(_))
    }

    /// First child with this tag.
    pub fn child(&self, tag: Tag) -> Option<&Tlv> {
        self.children().iter().find(|c| c.tag == tag)
    }

    /// Byte offset of this node's tag in the input it was parsed from.
    pub fn offset(&self) -> Option<usize> {
        (self.offset != NO_OFFSET).then_some(self.offset as usize)
    }

    /// Replaces the tag (the remembered length form stays: only the tag changes).
    pub fn set_tag(&mut self, tag: Tag) {
        self.tag = tag;
    }

    /// Replaces the content with primitive octets; this node is then in DER form.
    pub fn set_content(&mut self, content: impl Into<Vec<u8>>) {
        self.value = Value::Primitive(Octets::from(content.into()));
        self.length_octets = None;
    }

    /// Mutable children, turning a primitive node into an empty constructed one first. This node
    /// is then in DER form.
    pub fn children_mut(&mut self) -> &mut Vec<Tlv> {
        self.length_octets = None;
        if let Value::Primitive(_) = self.value {
            self.value = Value::Constructed(Vec::new());
        }
        match &mut self.value {
            Value::Constructed(c) => c,
            Value::Primitive(_) => unreachable!("converted above"),
        }
    }

    /// Forgets the remembered length form of this node only.
    pub fn mark_edited(&mut self) {
        self.length_octets = None;
    }

    /// Forgets every remembered length form: the tree then encodes as DER.
    pub fn normalize(&mut self) {
        self.length_octets = None;
        if let Value::Constructed(c) = &mut self.value {
            c.iter_mut().for_each(Tlv::normalize);
        }
    }

    /// Whether this node's own length field is in DER form (minimal definite length).
    pub fn has_der_length(&self) -> bool {
        self.length_octets.is_none()
    }

    /// Number of length octets this node is written with (1 for the short form).
    pub fn length_field_len(&self) -> usize {
        self.length_header_len()
    }

    /// Whether encoding this tree as parsed differs from DER (non-minimal lengths somewhere).
    pub fn is_der(&self) -> bool {
        self.has_der_length() && self.children().iter().all(Tlv::is_der)
    }

    /// Length of the content octets as they will be encoded.
    pub fn content_len(&self) -> usize {
        match &self.value {
            Value::Primitive(v) => v.len(),
            Value::Constructed(c) => c.iter().map(Tlv::encoded_len).sum(),
        }
    }

    fn length_header_len(&self) -> usize {
        let len = self.content_len();
        match self.length_octets {
            Some(n) if fits_length_form(len, n) => 1 + n as usize,
            _ => der_length_len(len),
        }
    }

    /// Total encoded size: tag + length + content.
    pub fn encoded_len(&self) -> usize {
        self.tag.encoded_len() + self.length_header_len() + self.content_len()
    }

    /// Encodes keeping the length forms of the input (byte-identical for an untouched tree).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out, true);
        out
    }

    /// Encodes as DER: minimal definite lengths everywhere.
    pub fn encode_der(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out, false);
        out
    }

    /// Appends the encoding to `out`; `keep_forms` keeps the remembered length forms.
    ///
    /// Two passes: content lengths are computed once bottom-up (pre-order list), then written,
    /// so encoding stays linear in the tree size whatever its depth.
    pub fn encode_into(&self, out: &mut Vec<u8>, keep_forms: bool) {
        let mut lens = Vec::new();
        let total = self.measure(keep_forms, &mut lens);
        out.reserve(total);
        let mut next = 0;
        self.write(out, keep_forms, &lens, &mut next);
    }

    /// Pushes this node's content length (pre-order) and returns its total encoded length.
    fn measure(&self, keep_forms: bool, lens: &mut Vec<usize>) -> usize {
        let slot = lens.len();
        lens.push(0);
        let content = match &self.value {
            Value::Primitive(v) => v.len(),
            Value::Constructed(c) => c.iter().map(|ch| ch.measure(keep_forms, lens)).sum(),
        };
        lens[slot] = content;
        self.tag.encoded_len() + 1 + self.length_octets_for(content, keep_forms) as usize + content
    }

    fn length_octets_for(&self, len: usize, keep_forms: bool) -> u8 {
        match self.length_octets {
            Some(n) if keep_forms && fits_length_form(len, n) => n,
            _ => der_length_octets(len),
        }
    }

    fn write(&self, out: &mut Vec<u8>, keep_forms: bool, lens: &[usize], next: &mut usize) {
        let len = lens[*next];
        *next += 1;
        self.tag.write(out);
        write_length(out, len, self.length_octets_for(len, keep_forms));
        match &self.value {
            Value::Primitive(v) => out.extend_from_slice(v),
            Value::Constructed(c) => c
                .iter()
                .for_each(|ch| ch.write(out, keep_forms, lens, next)),
        }
    }

    /// Parses exactly one TLV; trailing bytes are an error.
    pub fn parse(input: &[u8]) -> Result<Tlv, TlvError> {
        Tlv::parse_with(input, &Limits::default())
    }

    /// [`Tlv::parse`] with explicit limits.
    pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Tlv, TlvError> {
        let (tlv, used) = Tlv::parse_prefix_with(input, limits)?;
        if used != input.len() {
            return Err(TlvError {
                kind: TlvErrorKind::TrailingBytes {
                    count: input.len() - used,
                },
                offset: used,
                path: TagPath(vec![tlv.tag]),
            });
        }
        Ok(tlv)
    }

    /// Parses the first TLV of `input` and returns it with the number of bytes it used.
    pub fn parse_prefix(input: &[u8]) -> Result<(Tlv, usize), TlvError> {
        Tlv::parse_prefix_with(input, &Limits::default())
    }

    pub fn parse_prefix_with(input: &[u8], limits: &Limits) -> Result<(Tlv, usize), TlvError> {
        check_size(input, limits)?;
        Parser { input, limits }
            .node(0, input.len())
            .map_err(|e| Parser::finish(*e))
    }

    /// Parses a run of concatenated TLVs (e.g. a profile package: ProfileElements back to back).
    pub fn parse_all(input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
        Tlv::parse_all_with(input, &Limits::default())
    }

    pub fn parse_all_with(input: &[u8], limits: &Limits) -> Result<Vec<Tlv>, TlvError> {
        check_size(input, limits)?;
        Parser { input, limits }
            .children(0, input.len(), 0)
            .map_err(|e| Parser::finish(*e))
    }
}

fn check_size(input: &[u8], limits: &Limits) -> Result<(), TlvError> {
    if input.len() > limits.max_size {
        return Err(TlvError {
            kind: TlvErrorKind::TooLarge {
                size: input.len(),
                limit: limits.max_size,
            },
            offset: 0,
            path: TagPath::default(),
        });
    }
    Ok(())
}

/// Whether `len` can be written with `octets` length octets (0 = short form).
fn fits_length_form(len: usize, octets: u8) -> bool {
    match octets {
        0 => len < 0x80,
        1..=4 => octets >= der_length_octets(len),
        _ => false,
    }
}

/// Length octets after the first for the DER form (0 = short form).
fn der_length_octets(len: usize) -> u8 {
    if len < 0x80 {
        0
    } else if len <= 0xFF {
        1
    } else if len <= 0xFFFF {
        2
    } else if len <= 0xFF_FFFF {
        3
    } else {
        4
    }
}

/// Size of a DER length field.
pub fn der_length_len(len: usize) -> usize {
    1 + der_length_octets(len) as usize
}

fn write_length(out: &mut Vec<u8>, len: usize, octets: u8) {
    if octets == 0 {
        out.push(len as u8);
        return;
    }
    out.push(0x80 | octets);
    for i in (0..octets as usize).rev() {
        out.push((len >> (8 * i)) as u8);
    }
}

/// Appends a DER length field.
pub fn write_der_length(out: &mut Vec<u8>, len: usize) {
    write_length(out, len, der_length_octets(len));
}

struct Parser<'a> {
    input: &'a [u8],
    limits: &'a Limits,
}

/// A parsed tag and length: where the content starts and ends.
struct Header {
    tag: Tag,
    length_octets: u8,
    content_start: usize,
    content_end: usize,
}

/// Internal results box the error: `Result<Vec<Tlv>, _>` then stays the size of a `Vec`, which
/// the recursion returns once per constructed node. While an error unwinds, each enclosing node
/// pushes its tag, so the path is innermost first until [`Parser::finish`] turns it around: the
/// hot path keeps no path at all.
type ParseResult<T> = Result<T, Box<TlvError>>;

impl Parser<'_> {
    fn err(&self, kind: TlvErrorKind, offset: usize) -> Box<TlvError> {
        Box::new(TlvError {
            kind,
            offset,
            path: TagPath(Vec::new()),
        })
    }

    /// Turns an unwound error's path outermost first.
    fn finish(mut e: TlvError) -> TlvError {
        e.path.0.reverse();
        e
    }

    /// Parses the node starting at `pos`, which must end by `end`; returns it and its size.
    fn node(&self, pos: usize, end: usize) -> ParseResult<(Tlv, usize)> {
        let header = self.header(pos, end, 0)?;
        let value = self.value(&header, 1)?;
        let used = header.content_end - pos;
        Ok((self.assemble(pos, &header, value), used))
    }

    /// Reads the tag and length at `pos` (a node at `depth`, the top being 0) and checks depth and
    /// bounds. An error's path starts with the offending tag when it could be read.
    #[inline(always)]
    fn header(&self, pos: usize, end: usize, depth: usize) -> ParseResult<Header> {
        if pos >= end {
            return Err(self.err(TlvErrorKind::Empty, pos));
        }
        if depth >= self.limits.max_depth {
            return Err(self.err(
                TlvErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                pos,
            ));
        }
        let (tag, tag_len) = self.tag(pos, end)?;
        let with_tag = |mut e: Box<TlvError>| {
            e.path.0.push(tag);
            e
        };
        let len_pos = pos + tag_len;
        let (len, length_octets) = self.length(len_pos, end).map_err(with_tag)?;
        let content_start = len_pos + 1 + length_octets as usize;
        let remaining = end - content_start;
        if len > remaining {
            return Err(with_tag(self.err(
                TlvErrorKind::LengthExceedsInput {
                    length: len,
                    remaining,
                },
                pos,
            )));
        }
        Ok(Header {
            tag,
            length_octets,
            content_start,
            content_end: content_start + len,
        })
    }

    /// The content of a node; `depth` is that of its children.
    #[inline(always)]
    fn value(&self, header: &Header, depth: usize) -> ParseResult<Value> {
        Ok(if header.tag.is_constructed() {
            let children = self
                .children(header.content_start, header.content_end, depth)
                .map_err(|mut e| {
                    e.path.0.push(header.tag);
                    e
                })?;
            Value::Constructed(children)
        } else {
            Value::Primitive(Octets::copy_from_range(
                self.input,
                header.content_start,
                header.content_end,
            ))
        })
    }

    #[inline(always)]
    fn assemble(&self, pos: usize, header: &Header, value: Value) -> Tlv {
        let len = header.content_end - header.content_start;
        Tlv {
            tag: header.tag,
            value,
            length_octets: (header.length_octets != der_length_octets(len))
                .then_some(header.length_octets),
            offset: u32::try_from(pos).unwrap_or(NO_OFFSET),
        }
    }

    /// Children (at `depth`) go straight into a `Vec` sized by a header-only pre-scan of this
    /// level, each built in place: one allocation per constructed node, no node returned by
    /// value.
    fn children(&self, mut pos: usize, end: usize, depth: usize) -> ParseResult<Vec<Tlv>> {
        let mut children = Vec::with_capacity(self.count_children(pos, end));
        while pos < end {
            let header = self.header(pos, end, depth)?;
            let value = self.value(&header, depth + 1)?;
            children.push(self.assemble(pos, &header, value));
            pos = header.content_end;
        }
        Ok(children)
    }

    /// How many TLVs start in `pos..end`, reading only tags and lengths. It stops at the first
    /// malformed header: the parse that follows reports it, so the count need not be exact
    /// then, only bounded by the input (at most one child per two bytes).
    fn count_children(&self, mut pos: usize, end: usize) -> usize {
        let mut count = 0;
        while pos < end {
            let Some(next) = self.skip_header_and_content(pos, end) else {
                break;
            };
            count += 1;
            pos = next;
        }
        count
    }

    /// Position after the TLV at `pos`, or `None` if its header is malformed or overruns `end`.
    fn skip_header_and_content(&self, pos: usize, end: usize) -> Option<usize> {
        let input = &self.input[..end];
        let mut i = pos + 1;
        if input[pos] & 0x1F == 0x1F {
            while *input.get(i)? & 0x80 != 0 {
                i += 1;
            }
            i += 1;
        }
        let first = *input.get(i)?;
        i += 1;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7F) as usize;
            if n == 0 || n > 4 {
                return None;
            }
            let octets = input.get(i..i + n)?;
            i += n;
            octets
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize)
        };
        let next = i.checked_add(len)?;
        (next <= end).then_some(next)
    }

    fn tag(&self, pos: usize, end: usize) -> ParseResult<(Tag, usize)> {
        let first = self.input[pos];
        let class = Class::from_bits(first);
        let constructed = first & 0x20 != 0;
        if first & 0x1F != 0x1F {
            return Ok((Tag::new(class, constructed, (first & 0x1F) as u32), 1));
        }
        let mut number: u32 = 0;
        let mut i = pos + 1;
        loop {
            if i >= end {
                return Err(self.err(TlvErrorKind::TruncatedTag, pos));
            }
            if i - pos >= 4 {
                return Err(self.err(TlvErrorKind::TagTooLong, pos));
            }
            let b = self.input[i];
            if i == pos + 1 && b == 0x80 {
                return Err(self.err(
                    TlvErrorKind::NonCanonicalTag {
                        reason: "leading 0x80 octet in tag number",
                    },
                    pos,
                ));
            }
            number = (number << 7) | (b & 0x7F) as u32;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 31 {
            return Err(self.err(
                TlvErrorKind::NonCanonicalTag {
                    reason: "tag number below 31 in multi-byte form",
                },
                pos,
            ));
        }
        Ok((Tag::new(class, constructed, number), i - pos))
    }

    /// Returns (length, number of length octets after the first; 0 = short form).
    fn length(&self, pos: usize, end: usize) -> ParseResult<(usize, u8)> {
        if pos >= end {
            return Err(self.err(TlvErrorKind::TruncatedLength, pos));
        }
        let first = self.input[pos];
        if first < 0x80 {
            return Ok((first as usize, 0));
        }
        if first == 0x80 {
            return Err(self.err(TlvErrorKind::IndefiniteLength, pos));
        }
        if first == 0xFF {
            return Err(self.err(TlvErrorKind::ReservedLength, pos));
        }
        let n = (first & 0x7F) as usize;
        if n > 4 {
            return Err(self.err(TlvErrorKind::LengthTooLong { octets: n }, pos));
        }
        if end - pos - 1 < n {
            return Err(self.err(TlvErrorKind::TruncatedLength, pos));
        }
        let len = self.input[pos + 1..pos + 1 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        Ok((len, n as u8))
    }
}

/// Hex helper for displays and tests: upper-case, no separators.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn node_stays_small() {
        // Parse time is mostly moving nodes; a growing Tlv shows up in the profile benchmark.
        assert_eq!(std::mem::size_of::<Octets>(), 24);
        assert_eq!(std::mem::size_of::<Tlv>(), 48);
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[rstest]
    #[case(0x80, Class::ContextSpecific, false, 0)]
    #[case(0xA0, Class::ContextSpecific, true, 0)]
    #[case(0x5A, Class::Application, false, 26)]
    #[case(0xBF38, Class::ContextSpecific, true, 56)]
    #[case(0x5F37, Class::Application, false, 55)]
    #[case(0x9F70, Class::ContextSpecific, false, 112)]
    #[case(0xBF8100, Class::ContextSpecific, true, 128)]
    #[case(0xE3, Class::Private, true, 3)]
    fn tag_constants(#[case] v: u32, #[case] class: Class, #[case] c: bool, #[case] n: u32) {
        let t = Tag::of(v);
        assert_eq!((t.class(), t.is_constructed(), t.number()), (class, c, n));
        assert_eq!(t.to_u32(), v);
    }

    #[rstest]
    #[case(0xBF05)] // number below 31 in long form
    #[case(0xBF8001)] // leading 0x80
    #[case(0x1F)] // truncated
    #[case(0xBF81)] // last octet has continuation bit
    fn non_canonical_tag_constants(#[case] v: u32) {
        assert_eq!(Tag::from_encoded(v), None);
    }

    #[test]
    fn parses_and_reencodes_identically() {
        let input = h("BF38 81 08 A0 06 30 04 80 02 01 02");
        let t = Tlv::parse(&input).unwrap();
        assert_eq!(t.tag(), Tag::of(0xBF38));
        assert_eq!(t.encode(), input);
        assert!(!t.is_der());
        assert_eq!(t.encode_der(), h("BF38 08 A0 06 30 04 80 02 01 02"));
        let inner = &t.children()[0].children()[0].children()[0];
        assert_eq!(inner.content(), Some(&[1u8, 2][..]));
        assert_eq!(inner.offset(), Some(8));
    }

    #[test]
    fn edit_gives_der_for_edited_node() {
        let input = h("30 82 00 03 80 01 05");
        let mut t = Tlv::parse(&input).unwrap();
        t.children_mut()[0].set_content(vec![6, 7]);
        assert_eq!(t.encode(), h("30 04 80 02 06 07"));
    }

    #[test]
    fn long_form_kept_when_content_grows_within_form() {
        let mut t = Tlv::parse(&h("04 81 01 AA")).unwrap();
        assert_eq!(t.encode(), h("04 81 01 AA"));
        t.set_content(vec![0xBB; 2]);
        assert_eq!(t.encode(), h("04 02 BB BB"));
    }

    #[rstest]
    #[case("", TlvErrorKind::Empty, 0, "(top)")]
    #[case("BF", TlvErrorKind::TruncatedTag, 0, "(top)")]
    #[case("BF 81 82 83 04 00", TlvErrorKind::TagTooLong, 0, "(top)")]
    #[case("BF 80 38 00", TlvErrorKind::NonCanonicalTag { reason: "leading 0x80 octet in tag number" }, 0, "(top)")]
    #[case("BF 05 00", TlvErrorKind::NonCanonicalTag { reason: "tag number below 31 in multi-byte form" }, 0, "(top)")]
    #[case("30", TlvErrorKind::TruncatedLength, 1, "30")]
    #[case("30 80 00 00", TlvErrorKind::IndefiniteLength, 1, "30")]
    #[case("30 FF", TlvErrorKind::ReservedLength, 1, "30")]
    #[case("04 85 00 00 00 00 01 00", TlvErrorKind::LengthTooLong { octets: 5 }, 1, "04")]
    #[case("04 82 01", TlvErrorKind::TruncatedLength, 1, "04")]
    #[case("30 05 80 01 00", TlvErrorKind::LengthExceedsInput { length: 5, remaining: 3 }, 0, "30")]
    #[case("30 03 80 03 00", TlvErrorKind::LengthExceedsInput { length: 3, remaining: 1 }, 2, "30/80")]
    #[case("80 01 00 00", TlvErrorKind::TrailingBytes { count: 1 }, 3, "80")]
    fn hostile_inputs(
        #[case] input: &str,
        #[case] kind: TlvErrorKind,
        #[case] offset: usize,
        #[case] path: &str,
    ) {
        let err = Tlv::parse(&h(input)).unwrap_err();
        assert_eq!(err.kind, kind, "{err}");
        assert_eq!(err.offset, offset, "{err}");
        assert_eq!(err.path.to_string(), path);
    }

    #[test]
    fn error_message_names_path_and_offset() {
        // BF38 { A0 { 30 { 84 len 17 but 16 left } } }
        let mut v = h("BF38 16 A0 14 30 12 84 11");
        v.extend_from_slice(&[0u8; 16]);
        let err = Tlv::parse(&v).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BF38/A0/30/84: length 17 exceeds 16 remaining at offset 7"
        );
    }

    #[test]
    fn depth_is_bounded() {
        // Build 40 nested definite-length SEQUENCEs.
        let mut bytes = vec![];
        for _ in 0..40 {
            let mut outer = vec![0x30];
            write_der_length(&mut outer, bytes.len());
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        let err = Tlv::parse(&bytes).unwrap_err();
        assert_eq!(err.kind, TlvErrorKind::TooDeep { limit: 32 });
        assert_eq!(err.path.0.len(), 32);
    }

    #[test]
    fn size_is_bounded() {
        let limits = Limits {
            max_depth: 8,
            max_size: 4,
        };
        let err = Tlv::parse_with(&h("04 03 01 02 03"), &limits).unwrap_err();
        assert_eq!(err.kind, TlvErrorKind::TooLarge { size: 5, limit: 4 });
    }

    #[test]
    fn parse_all_reads_a_run() {
        let v = Tlv::parse_all(&h("80 01 01 A1 00 5A 00")).unwrap();
        assert_eq!(v.len(), 3);
        assert!(Tlv::parse_all(&[]).unwrap().is_empty());
    }

    #[test]
    fn huge_declared_length_allocates_nothing() {
        let err = Tlv::parse(&h("04 84 FF FF FF FF 00")).unwrap_err();
        assert!(matches!(err.kind, TlvErrorKind::LengthExceedsInput { .. }));
    }
}
