//! Decoding a TLV tree against the schema into a **named tree**, validation with path-named
//! errors, and the pretty printer used by reports.
//!
//! Decoding is lenient: it names everything it can, keeps unknown fields (flagged, and not an
//! error: SGP.22 types are extensible) and collects every schema violation instead of stopping at
//! the first, so a report can show a malformed message in full.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::der::{self, ContentError};
use crate::eid::Eid;
use crate::iccid::Iccid;
use crate::schema::{Field, Kind, OctetsHint, Size, TypeDef};
use crate::tlv::{to_hex, Tag, Tlv};

/// One node of the named tree; it borrows the TLV it names.
#[derive(Debug, Clone)]
pub struct Node<'t> {
    /// Field or alternative name; the type name at the root; `#TAG` for an unknown field.
    pub name: Cow<'static, str>,
    /// Schema type, `None` for an unknown field.
    pub ty: Option<&'static TypeDef>,
    pub tlv: &'t Tlv,
    /// Position in a SEQUENCE OF.
    pub index: Option<usize>,
    pub children: Vec<Node<'t>>,
    /// Not described by the schema (kept and re-emitted as is).
    pub unknown: bool,
}

impl Node<'_> {
    /// Child by field name.
    pub fn get(&self, name: &str) -> Option<&Node<'_>> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Unknown fields anywhere below, as paths.
    pub fn unknown_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut String::new(), &mut |path, n| {
            if n.unknown {
                out.push(path.to_owned());
            }
        });
        out
    }

    fn segment(&self) -> String {
        match self.index {
            Some(i) => format!("[{i}]"),
            None => self.name.to_string(),
        }
    }

    fn walk(&self, prefix: &mut String, f: &mut dyn FnMut(&str, &Node<'_>)) {
        let len = prefix.len();
        join_segment(prefix, &self.segment(), self.index.is_some());
        f(prefix, self);
        for c in &self.children {
            c.walk(prefix, f);
        }
        prefix.truncate(len);
    }
}

/// Appends `[i]` without the formatting machinery: every SEQUENCE OF item takes this path.
fn push_index(path: &mut String, i: usize) {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    digits[start..]
        .iter()
        .for_each(|&d| path.push(char::from(d)));
    path.push(']');
}

fn join_segment(prefix: &mut String, seg: &str, indexed: bool) {
    if !prefix.is_empty() && !indexed {
        prefix.push('.');
    }
    prefix.push_str(seg);
}

/// What is wrong with a message against the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaErrorKind {
    #[error("expected tag {expected}, found {found}")]
    WrongTag { expected: String, found: Tag },
    #[error("missing mandatory field {name}")]
    MissingField { name: &'static str },
    #[error("unknown alternative with tag {found}")]
    UnknownAlternative { found: Tag },
    #[error("field with tag {found} out of order or repeated")]
    OutOfOrder { found: Tag },
    #[error("expected a constructed encoding")]
    ExpectedConstructed,
    #[error("expected a primitive encoding")]
    ExpectedPrimitive,
    #[error("explicit tag must hold exactly one TLV, found {count}")]
    ExplicitContent { count: usize },
    #[error("expected {expected} {unit}, got {got}")]
    Size {
        expected: Size,
        got: usize,
        unit: &'static str,
    },
    #[error("length not in DER form: {octets} length octets for {len} content bytes")]
    NonDerLength { octets: usize, len: usize },
    #[error("{0}")]
    Content(#[from] ContentError),
}

/// A schema violation at a named path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaError {
    /// `AuthenticateServerResponse.authenticateResponseOk.euiccSigned1.serverChallenge`
    pub path: String,
    /// Byte offset of the offending TLV in the parsed input, when known.
    pub offset: Option<usize>,
    pub kind: SchemaErrorKind,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)?;
        if let Some(o) = self.offset {
            write!(f, " (offset {o})")?;
        }
        Ok(())
    }
}

/// A decoded message: the named tree and every violation found.
#[derive(Debug, Clone)]
pub struct Decoded<'t> {
    pub root: Node<'t>,
    pub errors: Vec<SchemaError>,
}

impl Decoded<'_> {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
    /// The first error, for callers that want a `Result`.
    pub fn first_error(&self) -> Option<&SchemaError> {
        self.errors.first()
    }
}

/// Decodes `tlv` as a value of `ty`.
pub fn decode<'t>(ty: &'static TypeDef, tlv: &'t Tlv) -> Decoded<'t> {
    decode_with(ty, tlv, true)
}

fn decode_with<'t>(ty: &'static TypeDef, tlv: &'t Tlv, build: bool) -> Decoded<'t> {
    let mut cx = Cx {
        errors: Vec::new(),
        build,
    };
    let mut path = ty.name.to_owned();
    if !ty.matches(tlv.tag()) {
        cx.err(
            &path,
            tlv,
            SchemaErrorKind::WrongTag {
                expected: expected_tags(ty.tag, ty),
                found: tlv.tag(),
            },
        );
    }
    let root = cx.typed(Cow::Borrowed(ty.name), ty, tlv, &mut path);
    Decoded {
        root,
        errors: cx.errors,
    }
}

/// Validates `tlv` as `ty`, returning every violation. The same walk as [`decode`] without
/// keeping the named tree, which is most of decode's allocations.
pub fn validate(ty: &'static TypeDef, tlv: &Tlv) -> Vec<SchemaError> {
    decode_with(ty, tlv, false).errors
}

fn expected_tags(tag: Option<Tag>, ty: &TypeDef) -> String {
    match (tag, ty.kind) {
        (Some(t), _) => t.to_string(),
        (None, Kind::Choice(alts)) => alts
            .iter()
            .map(|a| expected_tags(a.tag, a.ty))
            .collect::<Vec<_>>()
            .join("|"),
        (None, _) => "any".into(),
    }
}

struct Cx {
    errors: Vec<SchemaError>,
    /// Keep the named tree; off for validation, which only needs the errors.
    build: bool,
}

impl Cx {
    /// Adds a child node to the tree being built (dropped when only validating).
    fn keep<'t>(&self, out: &mut Vec<Node<'t>>, node: Node<'t>) {
        if self.build {
            out.push(node);
        }
    }

    fn err(&mut self, path: &str, tlv: &Tlv, kind: SchemaErrorKind) {
        self.errors.push(SchemaError {
            path: path.to_owned(),
            offset: tlv.offset(),
            kind,
        });
    }

    /// SGP.22 messages are DER; a BER length that the lossless tree kept is reported here.
    fn check_der_length(&mut self, tlv: &Tlv, path: &str) {
        if !tlv.has_der_length() {
            self.err(
                path,
                tlv,
                SchemaErrorKind::NonDerLength {
                    octets: tlv.length_field_len(),
                    len: tlv.content_len(),
                },
            );
        }
    }

    fn unknown<'t>(&mut self, tlv: &'t Tlv, index: Option<usize>) -> Node<'t> {
        if !tlv.has_der_length() {
            self.check_der_length(tlv, &format!("#{}", tlv.tag()));
        }
        let mut children = Vec::new();
        for c in tlv.children() {
            let node = self.unknown(c, None);
            self.keep(&mut children, node);
        }
        Node {
            name: if self.build {
                Cow::Owned(format!("#{}", tlv.tag()))
            } else {
                Cow::Borrowed("#")
            },
            ty: None,
            tlv,
            index,
            children,
            unknown: true,
        }
    }

    /// A node for `tlv` holding a value of `ty` (tag already accepted by the caller).
    fn typed<'t>(
        &mut self,
        name: Cow<'static, str>,
        ty: &'static TypeDef,
        tlv: &'t Tlv,
        path: &mut String,
    ) -> Node<'t> {
        self.check_der_length(tlv, path);
        let mut children = Vec::new();
        match ty.kind {
            Kind::Choice(alts) if ty.tag.is_some() => {
                if let Some(inner) = self.single_child(tlv, path) {
                    let node = self.alternative(alts, inner, path);
                    self.keep(&mut children, node);
                }
            }
            Kind::Choice(alts) => {
                let node = self.alternative(alts, tlv, path);
                self.keep(&mut children, node);
            }
            _ => children = self.value(ty, tlv, path),
        };
        Node {
            name,
            ty: Some(ty),
            tlv,
            index: None,
            children,
            unknown: false,
        }
    }

    fn single_child<'t>(&mut self, tlv: &'t Tlv, path: &str) -> Option<&'t Tlv> {
        if !tlv.is_constructed() {
            self.err(path, tlv, SchemaErrorKind::ExpectedConstructed);
            return None;
        }
        match tlv.children() {
            [one] => Some(one),
            other => {
                self.err(
                    path,
                    tlv,
                    SchemaErrorKind::ExplicitContent { count: other.len() },
                );
                None
            }
        }
    }

    fn alternative<'t>(
        &mut self,
        alts: &'static [Field],
        tlv: &'t Tlv,
        path: &mut String,
    ) -> Node<'t> {
        match alts.iter().find(|a| a.matches(tlv.tag())) {
            Some(alt) => self.field(alt, tlv, path, None),
            None => {
                self.err(
                    path,
                    tlv,
                    SchemaErrorKind::UnknownAlternative { found: tlv.tag() },
                );
                self.unknown(tlv, None)
            }
        }
    }

    /// A node for a field whose tag matched.
    fn field<'t>(
        &mut self,
        field: &'static Field,
        tlv: &'t Tlv,
        path: &mut String,
        index: Option<usize>,
    ) -> Node<'t> {
        let len = path.len();
        match index {
            Some(i) => push_index(path, i),
            None => join_segment(path, field.name, false),
        }
        let mut node = if field.explicit {
            self.check_der_length(tlv, path);
            let mut children = Vec::new();
            if let Some(inner) = self.single_child(tlv, path) {
                let node = match field.ty.kind {
                    Kind::Choice(alts) if field.ty.tag.is_none() => {
                        self.alternative(alts, inner, path)
                    }
                    _ => {
                        if !field.ty.matches(inner.tag()) {
                            self.err(
                                path,
                                inner,
                                SchemaErrorKind::WrongTag {
                                    expected: expected_tags(field.ty.tag, field.ty),
                                    found: inner.tag(),
                                },
                            );
                        }
                        self.typed(Cow::Borrowed(field.ty.name), field.ty, inner, path)
                    }
                };
                self.keep(&mut children, node);
            }
            Node {
                name: Cow::Borrowed(field.name),
                ty: Some(field.ty),
                tlv,
                index: None,
                children,
                unknown: false,
            }
        } else {
            self.typed(Cow::Borrowed(field.name), field.ty, tlv, path)
        };
        node.index = index;
        path.truncate(len);
        node
    }

    fn value<'t>(
        &mut self,
        ty: &'static TypeDef,
        tlv: &'t Tlv,
        path: &mut String,
    ) -> Vec<Node<'t>> {
        match ty.kind {
            Kind::Sequence(fields) => {
                if !self.expect_constructed(tlv, path) {
                    return Vec::new();
                }
                self.sequence(fields, tlv, path)
            }
            Kind::SequenceOf { item, size } => {
                if !self.expect_constructed(tlv, path) {
                    return Vec::new();
                }
                let items = tlv.children();
                if !size.contains(items.len()) {
                    self.err(
                        path,
                        tlv,
                        SchemaErrorKind::Size {
                            expected: size,
                            got: items.len(),
                            unit: "items",
                        },
                    );
                }
                let mut out = Vec::new();
                for (i, child) in items.iter().enumerate() {
                    let node = if item.matches(child.tag()) {
                        self.field(item, child, path, Some(i))
                    } else {
                        let mut p = format!("{path}[{i}]");
                        self.err(
                            &p,
                            child,
                            SchemaErrorKind::WrongTag {
                                expected: expected_tags(item.tag, item.ty),
                                found: child.tag(),
                            },
                        );
                        p.clear();
                        self.unknown(child, Some(i))
                    };
                    self.keep(&mut out, node);
                }
                out
            }
            Kind::Choice(_) => unreachable!("choices are handled by typed()"),
            Kind::Any => {
                let mut out = Vec::new();
                for c in tlv.children() {
                    let node = self.unknown_plain(c);
                    self.keep(&mut out, node);
                }
                out
            }
            _ => {
                self.primitive(ty, tlv, path);
                Vec::new()
            }
        }
    }

    /// Opaque content below an `Any`: shown, but not flagged as unknown.
    fn unknown_plain<'t>(&mut self, tlv: &'t Tlv) -> Node<'t> {
        let mut n = self.unknown(tlv, None);
        clear_unknown(&mut n);
        n
    }

    fn expect_constructed(&mut self, tlv: &Tlv, path: &str) -> bool {
        if tlv.is_constructed() {
            true
        } else {
            self.err(path, tlv, SchemaErrorKind::ExpectedConstructed);
            false
        }
    }

    fn sequence<'t>(
        &mut self,
        fields: &'static [Field],
        tlv: &'t Tlv,
        path: &mut String,
    ) -> Vec<Node<'t>> {
        let mut out = Vec::with_capacity(if self.build { tlv.children().len() } else { 0 });
        let mut next = 0;
        for child in tlv.children() {
            let tag = child.tag();
            if let Some(j) = (next..fields.len()).find(|&j| fields[j].matches(tag)) {
                for skipped in &fields[next..j] {
                    self.missing(skipped, tlv, path);
                }
                let node = self.field(&fields[j], child, path, None);
                self.keep(&mut out, node);
                next = j + 1;
            } else if fields[..next].iter().any(|f| f.matches(tag)) {
                let p = format!("{path}.#{tag}");
                self.err(&p, child, SchemaErrorKind::OutOfOrder { found: tag });
                let node = self.unknown(child, None);
                self.keep(&mut out, node);
            } else {
                let node = self.unknown(child, None);
                self.keep(&mut out, node);
            }
        }
        for f in &fields[next..] {
            self.missing(f, tlv, path);
        }
        out
    }

    fn missing(&mut self, f: &'static Field, parent: &Tlv, path: &str) {
        if !f.optional {
            let p = format!("{path}.{}", f.name);
            self.err(&p, parent, SchemaErrorKind::MissingField { name: f.name });
        }
    }

    fn primitive(&mut self, ty: &'static TypeDef, tlv: &Tlv, path: &str) {
        let Some(content) = tlv.content() else {
            self.err(path, tlv, SchemaErrorKind::ExpectedPrimitive);
            return;
        };
        let result: Result<(), SchemaErrorKind> = match ty.kind {
            Kind::OctetString { size, .. } => check_size(size, content.len(), "bytes"),
            Kind::Utf8String { size } => der::decode_utf8(content)
                .map_err(SchemaErrorKind::from)
                .and_then(|s| check_size(size, s.chars().count(), "characters")),
            Kind::Integer { .. } => der::decode_integer(content).map(drop).map_err(Into::into),
            Kind::Boolean => der::decode_boolean(content).map(drop).map_err(Into::into),
            Kind::Null => der::decode_null(content).map_err(Into::into),
            Kind::ObjectIdentifier => der::decode_oid(content).map(drop).map_err(Into::into),
            Kind::BitString { .. } => der::decode_bit_string(content)
                .map(drop)
                .map_err(Into::into),
            _ => Ok(()),
        };
        if let Err(kind) = result {
            self.err(path, tlv, kind);
        }
    }
}

fn clear_unknown(n: &mut Node<'_>) {
    n.unknown = false;
    n.children.iter_mut().for_each(clear_unknown);
}

fn check_size(size: Size, got: usize, unit: &'static str) -> Result<(), SchemaErrorKind> {
    if size.contains(got) {
        Ok(())
    } else {
        Err(SchemaErrorKind::Size {
            expected: size,
            got,
            unit,
        })
    }
}

// ---------------------------------------------------------------- pretty printer

/// Fields whose values are secrets: an activation code token (matching ID / event ID), the
/// confirmation-code hash (short codes are brute-forceable from it) and profile protection keys.
pub const SECRET_FIELDS: &[&str] = &[
    "matchingId",
    "eventId",
    "hashCc",
    "initialMacChainingValue",
    "ppkEnc",
    "ppkCmac",
];

/// Printer settings.
#[derive(Debug, Clone, Copy)]
pub struct PrettyOptions {
    /// Mask the values of [`SECRET_FIELDS`] (default on: reports travel between labs and vendors).
    pub redact_secrets: bool,
    /// Show each node's tag.
    pub show_tags: bool,
    /// Further secret field names of the caller's domain (e.g. profile K, OPc, PIN values),
    /// masked like [`SECRET_FIELDS`] when `redact_secrets` is on.
    pub more_secrets: &'static [&'static str],
}

impl Default for PrettyOptions {
    fn default() -> Self {
        PrettyOptions {
            redact_secrets: true,
            show_tags: true,
            more_secrets: &[],
        }
    }
}

/// Renders a named tree: one line per node, indented, values shown by type.
pub fn pretty(node: &Node<'_>, opts: &PrettyOptions) -> String {
    let mut out = String::new();
    pretty_into(&mut out, node, opts, 0);
    out
}

fn pretty_into(out: &mut String, node: &Node<'_>, opts: &PrettyOptions, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    match node.index {
        Some(i) => {
            let _ = write!(out, "[{i}] {}", node.name);
        }
        None => out.push_str(&node.name),
    }
    // Unknown nodes are already named by their tag.
    if opts.show_tags && node.ty.is_some() {
        let _ = write!(out, " [{}]", node.tlv.tag());
    }
    if node.unknown {
        out.push_str(" (unknown)");
    }
    if let Some(content) = node.tlv.content() {
        out.push_str(" = ");
        let name = node.name.as_ref();
        if opts.redact_secrets
            && (SECRET_FIELDS.contains(&name) || opts.more_secrets.contains(&name))
        {
            let _ = write!(out, "<redacted, {} bytes>", content.len());
        } else {
            out.push_str(&render_value(node.ty, content));
        }
    } else if node.children.is_empty() && node.tlv.children().is_empty() {
        out.push_str(" {}");
    }
    out.push('\n');
    for c in &node.children {
        pretty_into(out, c, opts, depth + 1);
    }
}

/// Shows primitive content according to its schema type; falls back to hex when the content does
/// not decode.
pub fn render_value(ty: Option<&'static TypeDef>, content: &[u8]) -> String {
    let Some(ty) = ty else {
        return hex_or_empty(content);
    };
    match ty.kind {
        Kind::OctetString { hint, .. } => render_octets(hint, content),
        Kind::Utf8String { .. } => match der::decode_utf8(content) {
            Ok(s) => format!("{s:?}"),
            Err(_) => format!("{} (invalid UTF-8)", hex_or_empty(content)),
        },
        Kind::Integer { .. } => match der::decode_integer(content) {
            Ok(v) => match ty.value_name(v) {
                Some(name) => format!("{v} ({name})"),
                None if !matches!(ty.kind, Kind::Integer { named: &[] }) => {
                    format!("{v} (not a named value)")
                }
                None => v.to_string(),
            },
            Err(_) => format!("{} (invalid INTEGER)", hex_or_empty(content)),
        },
        Kind::Boolean => match der::decode_boolean(content) {
            Ok(b) => b.to_string(),
            Err(_) => format!("{} (invalid BOOLEAN)", hex_or_empty(content)),
        },
        Kind::Null => "NULL".into(),
        Kind::ObjectIdentifier => match der::decode_oid(content) {
            Ok(oid) => oid,
            Err(_) => format!("{} (invalid OID)", hex_or_empty(content)),
        },
        Kind::BitString { named: [] } => match der::decode_bit_string(content) {
            Ok(bits) => format!("{} ({} unused bits)", hex_or_empty(&bits.data), bits.unused),
            Err(_) => format!("{} (invalid BIT STRING)", hex_or_empty(content)),
        },
        Kind::BitString { named } => match der::decode_bit_string(content) {
            Ok(bits) => {
                let names: Vec<String> = bits
                    .set_bits()
                    .into_iter()
                    .map(|n| match named.iter().find(|(b, _)| *b == n) {
                        Some((_, name)) => (*name).to_owned(),
                        None => format!("bit{n}"),
                    })
                    .collect();
                format!("{{{}}} ({})", names.join(", "), to_hex(content))
            }
            Err(_) => format!("{} (invalid BIT STRING)", hex_or_empty(content)),
        },
        _ => hex_or_empty(content),
    }
}

fn hex_or_empty(content: &[u8]) -> String {
    if content.is_empty() {
        "''".into()
    } else {
        to_hex(content)
    }
}

fn render_octets(hint: OctetsHint, content: &[u8]) -> String {
    match hint {
        OctetsHint::Version if content.len() == 3 => {
            format!("v{}.{}.{}", content[0], content[1], content[2])
        }
        OctetsHint::Eid => match Eid::from_bcd_unverified(content) {
            Ok(eid) if eid.check_digits_valid() => eid.to_digits(),
            Ok(eid) => format!("{} (check digits invalid)", eid.to_digits()),
            Err(_) => format!("{} (not BCD)", hex_or_empty(content)),
        },
        OctetsHint::Iccid => match Iccid::from_bcd(content) {
            Ok(iccid) => format!("{} ({})", iccid.as_str(), to_hex(content)),
            Err(_) => format!("{} (not EF.ICCID BCD)", hex_or_empty(content)),
        },
        _ => hex_or_empty(content),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_index_writes_decimal() {
        for i in [0usize, 7, 10, 99, 1234, usize::MAX] {
            let mut s = String::from("a");
            super::push_index(&mut s, i);
            assert_eq!(s, format!("a[{i}]"));
        }
    }
}
