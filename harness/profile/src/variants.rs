//! Compatibility variants (DESIGN.md §8, digest §7.3/§7.6): semantically equivalent rewrites
//! of a profile package, for finding eUICCs that fail profiles leaning on template defaults or
//! omitting DEFAULT/optional parameters.
//!
//! [`variants`] produces:
//! - `explicit`: every file a template-based PE creates is spelled out as a `File` element with
//!   its full content written by `fillFileContent` (files created by default included);
//! - `compressed`: only the differences from the template default / fill pattern are written,
//!   and `File` elements that are entirely default are dropped where the template creates the
//!   file by default;
//! - `omit-<pe>.<param>`: one per PE and parameter: a DEFAULT component equal to its DEFAULT
//!   (schema data), or an Fcp component equal to what the template implies (`shortEFID`,
//!   `fileID`, `securityAttributesReferenced`, `efFileSize`), removed everywhere in that PE;
//! - `with-defaults`: the inverse for DER sources (DER drops DEFAULT-valued components, so a
//!   DER profile never has any to omit): every absent DEFAULT component of every SEQUENCE
//!   present written out with its DEFAULT value (`lcsi 05`, PIN/PUK retry counters, SQN
//!   parameters, key access …);
//! - `efFileSize-2byte` / `efFileSize-minimal`: every `efFileSize` re-encoded on two octets
//!   (leading `00`) / on the fewest octets;
//! - `template-<pe>-<oid>`: the PE's template swapped for another version of the same template
//!   where the registry shows the same files for what the profile uses (the header's
//!   `eUICC-Mandatory-GFSTEList` follows; its PE version does not, so a swap to a template newer
//!   than that version says so and lints as SAIP-COMPAT-006 warning).
//!
//! Every variant is checked before it is returned: it must re-parse, add no schema error and
//! expand ([`crate::expand::expand`]) to exactly the source's file system. A variant that fails,
//! or that changes nothing, or that repeats another's bytes, is listed in
//! [`VariantSet::skipped`] with the reason instead.

use std::fmt::Write as _;
use std::path::Path;

use rsp_codec::der;
use rsp_codec::schema::{Field, Kind, TypeDef};
use rsp_codec::tlv::{Tag, Tlv};

use crate::expand::{expand, FileSystem, Node};
use crate::package::{ProfileElement, ProfilePackage};
use crate::schema::{FCP, PROFILE_ELEMENT};
use crate::templates::{self, FileKind, Layout, Template, TemplateFile, TEMPLATES};

/// One equivalent rewrite of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Stable name, also the file stem (`omit-usim.lcsi`).
    pub name: String,
    /// What changed.
    pub description: String,
    pub package: ProfilePackage,
}

/// The variants of one profile, and the ones not produced with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantSet {
    pub variants: Vec<Variant>,
    /// `(name, reason)`.
    pub skipped: Vec<(String, String)>,
}

#[derive(serde::Serialize)]
struct Manifest<'a> {
    variant: Vec<ManifestVariant<'a>>,
    skipped: Vec<ManifestSkipped<'a>>,
}

#[derive(serde::Serialize)]
struct ManifestVariant<'a> {
    name: &'a str,
    file: String,
    description: &'a str,
}

#[derive(serde::Serialize)]
struct ManifestSkipped<'a> {
    name: &'a str,
    reason: &'a str,
}

impl VariantSet {
    /// File name of a variant in [`VariantSet::write`]'s output.
    pub fn file_name(name: &str) -> String {
        format!("{name}.der")
    }

    /// TOML listing each variant (`[[variant]]` name, file, description) and each skipped one
    /// (`[[skipped]]` name, reason).
    pub fn manifest(&self) -> String {
        let m = Manifest {
            variant: self
                .variants
                .iter()
                .map(|v| ManifestVariant {
                    name: &v.name,
                    file: Self::file_name(&v.name),
                    description: &v.description,
                })
                .collect(),
            skipped: self
                .skipped
                .iter()
                .map(|(name, reason)| ManifestSkipped { name, reason })
                .collect(),
        };
        toml::to_string(&m).unwrap_or_default()
    }

    /// Writes `<name>.der` for each variant and `manifest.toml` into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for v in &self.variants {
            std::fs::write(dir.join(Self::file_name(&v.name)), v.package.encode())?;
        }
        std::fs::write(dir.join("manifest.toml"), self.manifest())
    }

    pub fn get(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }
}

// ---------------------------------------------------------------- equivalence

/// The first difference between two file systems (`None` = equal).
pub fn fs_difference(a: &FileSystem, b: &FileSystem) -> Option<String> {
    if a == b {
        return None;
    }
    let n = a.nodes.len().max(b.nodes.len());
    for i in 0..n {
        match (a.nodes.get(i), b.nodes.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => return Some(node_difference(&a.path(i), x, y)),
            (Some(_), None) => return Some(format!("{} missing", a.path(i))),
            (None, Some(_)) => return Some(format!("extra file {}", b.path(i))),
            (None, None) => {}
        }
    }
    if a.pins != b.pins {
        return Some("PIN settings differ".to_owned());
    }
    if a.puks != b.puks {
        return Some("PUK settings differ".to_owned());
    }
    if a.aka != b.aka {
        return Some("AKA parameters differ".to_owned());
    }
    if a.security_domains != b.security_domains {
        return Some("security domains differ".to_owned());
    }
    if a.applications != b.applications {
        return Some("applications differ".to_owned());
    }
    if a.notes != b.notes {
        return Some(format!("notes differ: {:?} vs {:?}", a.notes, b.notes));
    }
    Some("file systems differ".to_owned())
}

fn node_difference(path: &str, x: &Node, y: &Node) -> String {
    let mut what = Vec::new();
    if x.name != y.name {
        what.push(format!("name {} vs {}", x.name, y.name));
    }
    if x.fid != y.fid {
        what.push(format!("fid {:?} vs {:?}", x.fid, y.fid));
    }
    if x.kind != y.kind {
        what.push(format!("kind {} vs {}", x.kind, y.kind));
    }
    if x.size != y.size {
        what.push(format!("size {} vs {}", x.size, y.size));
    }
    if x.record_len != y.record_len {
        what.push(format!(
            "record length {:?} vs {:?}",
            x.record_len, y.record_len
        ));
    }
    if x.sfi != y.sfi {
        what.push(format!("sfi {:?} vs {:?}", x.sfi, y.sfi));
    }
    if x.lcsi != y.lcsi {
        what.push(format!("lcsi {:02X} vs {:02X}", x.lcsi, y.lcsi));
    }
    if x.security != y.security {
        what.push("security attributes".to_owned());
    }
    if x.pin_status != y.pin_status {
        what.push("pinStatusTemplateDO".to_owned());
    }
    if x.aid != y.aid {
        what.push("AID".to_owned());
    }
    if x.link_path != y.link_path {
        what.push("link path".to_owned());
    }
    if x.content != y.content {
        let at = x
            .content
            .iter()
            .zip(&y.content)
            .position(|(p, q)| p != q)
            .unwrap_or(x.content.len().min(y.content.len()));
        what.push(format!("content differs at offset {at}"));
    }
    if x.source != y.source {
        what.push(format!("source {} vs {}", x.source, y.source));
    }
    if x.parent != y.parent || x.children != y.children {
        what.push("tree position".to_owned());
    }
    format!("{path}: {}", what.join(", "))
}

/// Whether `variant` is equivalent to `source`: it re-parses from its bytes, has no more schema
/// errors than the source, and expands to the same file system. `Err` says why not.
pub fn check_equivalent(source: &ProfilePackage, variant: &ProfilePackage) -> Result<(), String> {
    let want = expand(source).map_err(|e| format!("source does not expand: {e}"))?;
    check_against(source, &want, variant)
}

fn check_against(
    source: &ProfilePackage,
    want: &FileSystem,
    variant: &ProfilePackage,
) -> Result<(), String> {
    let bytes = variant.encode();
    let again = ProfilePackage::parse(&bytes).map_err(|e| format!("does not re-parse: {e}"))?;
    let errors = again.validate();
    if errors.len() > source.validate().len() {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(format!("schema errors: {}", list.join("; ")));
    }
    let got = expand(&again).map_err(|e| format!("does not expand: {e}"))?;
    match fs_difference(want, &got) {
        None => Ok(()),
        Some(d) => Err(format!("expansion differs: {d}")),
    }
}

// ---------------------------------------------------------------- generation

type Candidate = (String, String, Result<ProfilePackage, String>);

/// All variants of `source`, each checked for equivalence (see the module docs).
pub fn variants(source: &ProfilePackage) -> VariantSet {
    let mut set = VariantSet::default();
    let want = match expand(source) {
        Ok(fs) => fs,
        Err(e) => {
            set.skipped
                .push(("*".to_owned(), format!("source does not expand: {e}")));
            return set;
        }
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    candidates.push(explicit(source, &want));
    candidates.push(compressed(source, &want));
    candidates.extend(omissions(source));
    candidates.push(with_defaults(source));
    candidates.extend(ef_file_size(source));
    candidates.extend(template_swaps(source));

    let source_bytes = source.encode();
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, description, result) in candidates {
        let pkg = match result {
            Ok(p) => p,
            Err(reason) => {
                set.skipped.push((name, reason));
                continue;
            }
        };
        let bytes = pkg.encode();
        if bytes == source_bytes {
            set.skipped
                .push((name, "nothing to change in this profile".to_owned()));
            continue;
        }
        if let Some((other, _)) = seen.iter().find(|(_, b)| *b == bytes) {
            set.skipped
                .push((name, format!("same bytes as variant {other}")));
            continue;
        }
        match check_against(source, &want, &pkg) {
            Ok(()) => {
                seen.push((name.clone(), bytes));
                set.variants.push(Variant {
                    name,
                    description,
                    package: pkg,
                });
            }
            Err(e) => set
                .skipped
                .push((name, format!("not equivalent, dropped: {e}"))),
        }
    }
    set
}

// ---------------------------------------------------------------- helpers

fn tag(v: u32) -> Tag {
    Tag::of(v)
}

/// How a PE is named in variant names: its kind, plus `-<identification>` when the kind occurs
/// more than once.
fn pe_name(pkg: &ProfilePackage, index: usize) -> String {
    let pe = &pkg.pes()[index];
    let kind = pe.kind().to_string();
    let count = pkg
        .pes()
        .iter()
        .filter(|p| p.kind().to_string() == kind)
        .count();
    match (count, pe.identification()) {
        (1, _) | (_, None) => kind,
        (_, Some(id)) => format!("{kind}-{id}"),
    }
}

fn node_at_mut<'a>(mut t: &'a mut Tlv, path: &[usize]) -> Option<&'a mut Tlv> {
    for &i in path {
        if !t.is_constructed() {
            return None;
        }
        t = t.children_mut().get_mut(i)?;
    }
    Some(t)
}

fn set_pe_tlv(pkg: &mut ProfilePackage, index: usize, tlv: Tlv) {
    pkg.pes_mut()[index] = ProfileElement::from_tlv(tlv);
}

/// The template (with file data) of a file PE.
fn pe_template(pe: &ProfileElement) -> Option<&'static Template> {
    let t = templates::lookup(&pe.template_id()?)?;
    (pe.kind() == t.pe).then_some(t)
}

fn be_value(b: &[u8]) -> Option<u64> {
    let b = &b[b.iter().take_while(|&&x| x == 0).count()..];
    (b.len() <= 8).then(|| b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}

/// One schema-typed node of a PE, as met by [`walk`].
struct Visit<'a> {
    tlv: &'a Tlv,
    field: &'static Field,
    /// TLV child indexes from the PE's TLV.
    path: Vec<usize>,
    /// Field names from the PE alternative (`usim`, `ef-imsi`, `item`, `fileDescriptor`, …).
    names: Vec<&'static str>,
    /// Schema type of the enclosing SEQUENCE, when the field is a SEQUENCE component.
    parent: Option<&'static TypeDef>,
}

fn walk<'a>(pe: &'a ProfileElement, f: &mut dyn FnMut(&Visit<'a>)) {
    let mut path = Vec::new();
    let mut names = Vec::new();
    walk_type(pe.tlv(), &PROFILE_ELEMENT, &mut path, &mut names, f);
}

fn walk_field<'a>(
    t: &'a Tlv,
    field: &'static Field,
    parent: Option<&'static TypeDef>,
    path: &mut Vec<usize>,
    names: &mut Vec<&'static str>,
    f: &mut dyn FnMut(&Visit<'a>),
) {
    names.push(field.name);
    f(&Visit {
        tlv: t,
        field,
        path: path.clone(),
        names: names.clone(),
        parent,
    });
    if field.explicit {
        if let Some(inner) = t.children().first() {
            path.push(0);
            walk_type(inner, field.ty, path, names, f);
            path.pop();
        }
    } else {
        walk_type(t, field.ty, path, names, f);
    }
    names.pop();
}

fn walk_type<'a>(
    t: &'a Tlv,
    ty: &'static TypeDef,
    path: &mut Vec<usize>,
    names: &mut Vec<&'static str>,
    f: &mut dyn FnMut(&Visit<'a>),
) {
    match ty.kind {
        Kind::Sequence(fields) if t.is_constructed() => {
            for (i, c) in t.children().iter().enumerate() {
                if let Some(fd) = fields.iter().find(|fd| fd.matches(c.tag())) {
                    path.push(i);
                    walk_field(c, fd, Some(ty), path, names, f);
                    path.pop();
                }
            }
        }
        Kind::Choice(alts) if ty.tag.is_none() => {
            if let Some(a) = alts.iter().find(|a| a.matches(t.tag())) {
                walk_field(t, a, None, path, names, f);
            }
        }
        Kind::SequenceOf { item, .. } if t.is_constructed() => {
            for (i, c) in t.children().iter().enumerate() {
                if item.matches(c.tag()) {
                    path.push(i);
                    walk_field(c, item, None, path, names, f);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// A readable path: field names without SEQUENCE OF item levels.
fn display_path(names: &[&str]) -> String {
    names
        .iter()
        .filter(|n| **n != "item")
        .copied()
        .collect::<Vec<_>>()
        .join(".")
}

// ---------------------------------------------------------------- explicit

/// Items of a `File` element: whether writes (`82`/`83`) come only after every Fcp.
fn simple_items(items: &[Tlv]) -> bool {
    let first_write = items
        .iter()
        .position(|i| matches!(i.tag().to_u32(), 0x82 | 0x83));
    match first_write {
        None => true,
        Some(w) => !items[w..].iter().any(|i| i.tag() == tag(0xA1)),
    }
}

fn has_content(n: &Node) -> bool {
    !n.kind.is_dir() && n.kind != FileKind::BerTlv && n.link_path.is_none() && !n.content.is_empty()
}

/// Inserts `elem` among a PE's children in schema order (field index `fi`).
fn insert_in_order(pe: &mut Tlv, ty: &'static TypeDef, fi: usize, elem: Tlv) {
    let fields = ty.fields();
    let pos = pe
        .children()
        .iter()
        .position(|c| {
            fields
                .iter()
                .position(|f| f.matches(c.tag()))
                .is_some_and(|ci| ci > fi)
        })
        .unwrap_or(pe.children().len());
    pe.children_mut().insert(pos, elem);
}

fn explicit(source: &ProfilePackage, fs: &FileSystem) -> Candidate {
    let name = "explicit".to_owned();
    let mut pkg = source.clone();
    let mut written = 0usize;
    let mut added = 0usize;
    let mut kept_required = Vec::new();
    let mut no_data = Vec::new();
    for (index, pe) in source.pes().iter().enumerate() {
        let Some(ty) = pe.schema() else { continue };
        if pe.template_id().is_none() {
            continue;
        }
        let Some(t) = pe_template(pe) else {
            no_data.push(pe.label(index));
            continue;
        };
        let kind = t.pe;
        let label = pe.label(index);
        let mut tlv = pe.tlv().clone();
        for (fi, field) in ty.fields().iter().enumerate().skip(2) {
            let Some(wt) = field.wire_tag() else { continue };
            let tf = t.file(field.name);
            let elem = tlv.children().iter().position(|c| c.tag() == wt);
            let items: Vec<Tlv> = elem
                .map(|i| tlv.children()[i].children().to_vec())
                .unwrap_or_default();
            if items.iter().any(|i| i.tag() == tag(0x80)) {
                continue;
            }
            if elem.is_none() && !(t.created_by_default && tf.is_some()) {
                continue;
            }
            let source_name = format!("pe[{index}] {kind}.{}", field.name);
            let Some(node) = fs.nodes.iter().find(|n| n.source == source_name) else {
                continue;
            };
            let required_note = format!(
                "{label}: {} content required by the template but not given",
                field.name
            );
            let write = has_content(node) && !fs.notes.contains(&required_note);
            if has_content(node) && !write {
                kept_required.push(field.name);
            }
            if !simple_items(&items) && !write {
                continue;
            }
            let mut new_items: Vec<Tlv> = items
                .iter()
                .filter(|i| !matches!(i.tag().to_u32(), 0x82 | 0x83))
                .cloned()
                .collect();
            if write {
                new_items.push(Tlv::primitive(tag(0x83), node.content.clone()));
            }
            match elem {
                Some(i) => {
                    if new_items != items {
                        *tlv.children_mut()[i].children_mut() = new_items;
                        written += 1;
                    }
                }
                None => {
                    insert_in_order(&mut tlv, ty, fi, Tlv::constructed(wt, new_items));
                    added += 1;
                }
            }
        }
        set_pe_tlv(&mut pkg, index, tlv);
    }
    let mut d = format!(
        "every template file spelled out: {added} File elements added for files created by \
         default, {written} File elements given their full content in one fillFileContent"
    );
    if !kept_required.is_empty() {
        let _ = write!(
            d,
            "; left without content (required by the template, not given by the source): {}",
            kept_required.join(", ")
        );
    }
    if !no_data.is_empty() {
        let _ = write!(
            d,
            "; PEs with no template data left as they are: {}",
            no_data.join(", ")
        );
    }
    (name, d, Ok(pkg))
}

// ---------------------------------------------------------------- compressed

/// Maximal runs where `a` and `b` differ, merged across gaps shorter than an offset item.
fn diff_runs(a: &[u8], b: &[u8]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < a.len() {
        if a[i] == b[i] {
            i += 1;
            continue;
        }
        let s = i;
        while i < a.len() && a[i] != b[i] {
            i += 1;
        }
        match runs.last_mut() {
            Some(last) if s - last.1 <= 4 => last.1 = i,
            _ => runs.push((s, i)),
        }
    }
    runs
}

fn offset_item(off: usize) -> Tlv {
    Tlv::primitive(tag(0x82), der::encode_integer(off as i64))
}

fn compressed(source: &ProfilePackage, fs: &FileSystem) -> Candidate {
    let name = "compressed".to_owned();
    // Baseline: every simple File element of a template PE without its writes.
    let mut base = source.clone();
    for (index, pe) in source.pes().iter().enumerate() {
        if pe_template(pe).is_none() {
            continue;
        }
        let mut tlv = pe.tlv().clone();
        for c in tlv.children_mut().iter_mut().skip(2) {
            if c.is_constructed() && simple_items(c.children()) {
                let keep: Vec<Tlv> = c
                    .children()
                    .iter()
                    .filter(|i| !matches!(i.tag().to_u32(), 0x82 | 0x83))
                    .cloned()
                    .collect();
                if keep.len() != c.children().len() {
                    *c.children_mut() = keep;
                }
            }
        }
        set_pe_tlv(&mut base, index, tlv);
    }
    let bfs = match expand(&base) {
        Ok(b) => b,
        Err(e) => {
            return (
                name,
                String::new(),
                Err(format!(
                    "the profile without its writes does not expand: {e}"
                )),
            )
        }
    };
    let mut pkg = source.clone();
    let (mut shortened, mut dropped, mut kept) = (0usize, 0usize, Vec::new());
    for (index, pe) in source.pes().iter().enumerate() {
        let (Some(ty), Some(t)) = (pe.schema(), pe_template(pe)) else {
            continue;
        };
        let mut tlv = pe.tlv().clone();
        let mut remove = Vec::new();
        for (ci, c) in pe.tlv().children().iter().enumerate().skip(2) {
            let Some(field) = ty.fields().iter().find(|f| f.matches(c.tag())) else {
                continue;
            };
            let items = c.children();
            if !c.is_constructed() || !simple_items(items) {
                continue;
            }
            if items.iter().any(|i| i.tag() == tag(0x80)) {
                continue;
            }
            let tf = t.file(field.name);
            let source_name = format!("pe[{index}] {}.{}", t.pe, field.name);
            let (Some(want), Some(b)) = (
                fs.nodes.iter().find(|n| n.source == source_name),
                bfs.nodes.iter().find(|n| n.source == source_name),
            ) else {
                continue;
            };
            let fcps: Vec<Tlv> = items
                .iter()
                .filter(|i| i.tag() == tag(0xA1))
                .cloned()
                .collect();
            let had_writes = fcps.len() != items.len();
            let mut new_items = fcps.clone();
            if had_writes {
                if want.content.len() != b.content.len() {
                    continue;
                }
                let runs = diff_runs(&b.content, &want.content);
                let pattern_given = fcps.iter().any(|f| {
                    f.child(tag(0xA5)).is_some_and(|p| {
                        p.child(tag(0xC1)).is_some() || p.child(tag(0xC2)).is_some()
                    })
                });
                if runs.is_empty() && tf.is_some_and(|t| t.content_required) && !pattern_given {
                    // Dropping every write would make the required content "not given".
                    kept.push(field.name);
                    continue;
                }
                let mut pos = 0;
                for (s, e) in runs {
                    if s > pos {
                        new_items.push(offset_item(s - pos));
                    }
                    new_items.push(Tlv::primitive(tag(0x83), want.content[s..e].to_vec()));
                    pos = e;
                }
            }
            let droppable =
                new_items.is_empty() && t.created_by_default && tf.is_some() && field.optional;
            if droppable {
                remove.push(ci);
                dropped += 1;
            } else if new_items != items {
                *tlv.children_mut()[ci].children_mut() = new_items;
                shortened += 1;
            }
        }
        for ci in remove.into_iter().rev() {
            tlv.children_mut().remove(ci);
        }
        set_pe_tlv(&mut pkg, index, tlv);
    }
    let mut d = format!(
        "only differences from template defaults / fill patterns: {shortened} File elements \
         reduced to their differing bytes, {dropped} all-default File elements dropped from \
         created-by-default templates"
    );
    if !kept.is_empty() {
        let _ = write!(
            d,
            "; kept as written (content required by the template equals the default): {}",
            kept.join(", ")
        );
    }
    (name, d, Ok(pkg))
}

// ---------------------------------------------------------------- omissions

/// Why a component may be omitted, when it may.
fn omittable(pe: &ProfileElement, v: &Visit<'_>) -> Option<String> {
    let content = v.tlv.content()?;
    if let Some(d) = default_content(v.field) {
        if content == d {
            return Some(format!("equal to its DEFAULT {}", hex::encode_upper(d)));
        }
        return None;
    }
    if !v.parent.is_some_and(|p| std::ptr::eq(p, &FCP)) || v.names.len() < 3 {
        return None;
    }
    // Fcp of a File element of a template PE: names = [pe, file, item, fileDescriptor, field].
    let t = pe_template(pe)?;
    let tf: &TemplateFile = t.file(v.names[1])?;
    let fcp = {
        // The Fcp TLV: the visit's parent node.
        let mut n = pe.tlv();
        for &i in &v.path[..v.path.len() - 1] {
            n = n.children().get(i)?;
        }
        n
    };
    match v.field.name {
        "shortEFID" => {
            let sfi = match content {
                [] => None,
                [b] if b & 7 == 0 => Some(b >> 3),
                _ => return None,
            };
            (sfi == tf.sfi).then(|| "equal to the template's SFI".to_owned())
        }
        "fileID" => {
            let fid = u16::from_be_bytes(content.try_into().ok()?);
            (tf.fid == Some(fid) && tf.fid_choices == 1)
                .then(|| "equal to the template's FID".to_owned())
        }
        "securityAttributesReferenced" => {
            let [a, b] = t.arr_fid.to_be_bytes();
            (tf.arr.is_some_and(|r| content == [a, b, r]))
                .then(|| "equal to the template's access rule".to_owned())
        }
        "efFileSize" => {
            let size = be_value(content)?;
            let implied = match tf.layout {
                Layout::Bytes(Some(s)) if !tf.kind.is_record() => u64::from(s),
                Layout::Records {
                    count: Some(c),
                    len,
                } if tf.kind.is_record() => {
                    let rl = match fcp.child(tag(0x82)).and_then(Tlv::content) {
                        Some(d) if d.len() >= 4 => u16::from_be_bytes([d[2], d[3]]),
                        _ => len?,
                    };
                    u64::from(c) * u64::from(rl)
                }
                _ => return None,
            };
            (size == implied).then(|| "equal to the template's size".to_owned())
        }
        _ => None,
    }
}

fn omissions(source: &ProfilePackage) -> Vec<Candidate> {
    // (pe index, generic path, last name) -> paths, displays, reason
    struct Group {
        index: usize,
        generic: String,
        last: &'static str,
        paths: Vec<Vec<usize>>,
        shown: Vec<String>,
        reason: String,
    }
    let mut groups: Vec<Group> = Vec::new();
    for (index, pe) in source.pes().iter().enumerate() {
        if !pe.kind().is_known() {
            continue;
        }
        let file_pe = pe.template_id().is_some();
        walk(pe, &mut |v| {
            let Some(reason) = omittable(pe, v) else {
                return;
            };
            let mut generic: Vec<&str> = v.names.clone();
            if file_pe && generic.len() > 1 {
                generic[1] = "*";
            }
            let generic = display_path(&generic);
            let shown = display_path(&v.names);
            match groups
                .iter_mut()
                .find(|g| g.index == index && g.generic == generic)
            {
                Some(g) => {
                    g.paths.push(v.path.clone());
                    g.shown.push(shown);
                }
                None => groups.push(Group {
                    index,
                    generic,
                    last: v.field.name,
                    paths: vec![v.path.clone()],
                    shown: vec![shown],
                    reason,
                }),
            }
        });
    }
    let mut out = Vec::new();
    for g in &groups {
        let clash = groups
            .iter()
            .any(|o| o.index == g.index && o.last == g.last && o.generic != g.generic);
        let pe = pe_name(source, g.index);
        let name = if clash {
            let tail = g.generic.split_once('.').map_or("", |(_, t)| t);
            format!(
                "omit-{pe}.{}",
                tail.replace(".*.", ".").replace('*', "file")
            )
        } else {
            format!("omit-{pe}.{}", g.last)
        };
        let mut pkg = source.clone();
        let mut tlv = source.pes()[g.index].tlv().clone();
        let mut paths = g.paths.clone();
        paths.sort();
        let mut ok = true;
        for p in paths.iter().rev() {
            let (last, parent) = p.split_last().expect("component paths are not empty");
            match node_at_mut(&mut tlv, parent) {
                Some(n) if *last < n.children().len() => {
                    n.children_mut().remove(*last);
                }
                _ => ok = false,
            }
        }
        let description = format!(
            "omitted {} ({}) at {}",
            g.last,
            g.reason,
            g.shown.join(", ")
        );
        if !ok {
            out.push((name, description, Err("path no longer resolves".to_owned())));
            continue;
        }
        set_pe_tlv(&mut pkg, g.index, tlv);
        out.push((name, description, Ok(pkg)));
    }
    if out.is_empty() {
        out.push((
            "omit-*".to_owned(),
            String::new(),
            Err("no DEFAULT-valued or template-implied optional parameter present".to_owned()),
        ));
    }
    out
}

// ---------------------------------------------------------------- DEFAULTs spelled out

/// DER content of a component's DEFAULT value (the schema keeps it as DER content octets).
fn default_content(f: &Field) -> Option<Vec<u8>> {
    f.default.map(<[u8]>::to_vec)
}

/// Every absent DEFAULT component of every SEQUENCE present written out with its DEFAULT value
/// (DER drops them, so this is the inverse of the `omit-` variants for DER sources).
fn with_defaults(source: &ProfilePackage) -> Candidate {
    let name = "with-defaults".to_owned();
    let mut pkg = source.clone();
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for (index, pe) in source.pes().iter().enumerate() {
        if !pe.kind().is_known() {
            continue;
        }
        let mut adds: Vec<(Vec<usize>, &'static [Field])> = Vec::new();
        walk(pe, &mut |v| {
            if v.field.explicit || !v.tlv.is_constructed() {
                return;
            }
            if let Kind::Sequence(fields) = v.field.ty.kind {
                let missing = fields.iter().any(|f| {
                    f.default.is_some()
                        && !f.explicit
                        && !v.tlv.children().iter().any(|c| f.matches(c.tag()))
                });
                if missing {
                    adds.push((v.path.clone(), fields));
                }
            }
        });
        if adds.is_empty() {
            continue;
        }
        adds.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tlv = pe.tlv().clone();
        for (path, fields) in adds.iter().rev() {
            let Some(seq) = node_at_mut(&mut tlv, path) else {
                continue;
            };
            for (fi, f) in fields.iter().enumerate() {
                let (Some(d), Some(wt), false) = (default_content(f), f.wire_tag(), f.explicit)
                else {
                    continue;
                };
                if seq.children().iter().any(|c| f.matches(c.tag())) {
                    continue;
                }
                let pos = seq
                    .children()
                    .iter()
                    .position(|c| {
                        fields
                            .iter()
                            .position(|g| g.matches(c.tag()))
                            .is_some_and(|ci| ci > fi)
                    })
                    .unwrap_or(seq.children().len());
                seq.children_mut().insert(pos, Tlv::primitive(wt, d));
                match counts.iter_mut().find(|(n, _)| *n == f.name) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((f.name, 1)),
                }
            }
        }
        set_pe_tlv(&mut pkg, index, tlv);
    }
    if counts.is_empty() {
        return (
            name,
            String::new(),
            Err("every DEFAULT component is already present".to_owned()),
        );
    }
    let list: Vec<String> = counts.iter().map(|(n, c)| format!("{n} x{c}")).collect();
    (
        name,
        format!(
            "absent DEFAULT components written out with their DEFAULT value (not DER): {}",
            list.join(", ")
        ),
        Ok(pkg),
    )
}

// ---------------------------------------------------------------- efFileSize encodings

fn ef_file_size(source: &ProfilePackage) -> Vec<Candidate> {
    let mut two = source.clone();
    let mut minimal = source.clone();
    let (mut n_two, mut n_min, mut total) = (0usize, 0usize, 0usize);
    for (index, pe) in source.pes().iter().enumerate() {
        let mut hits: Vec<(Vec<usize>, Vec<u8>)> = Vec::new();
        walk(pe, &mut |v| {
            if v.field.name == "efFileSize" && v.parent.is_some_and(|p| std::ptr::eq(p, &FCP)) {
                if let Some(c) = v.tlv.content() {
                    hits.push((v.path.clone(), c.to_vec()));
                }
            }
        });
        if hits.is_empty() {
            continue;
        }
        total += hits.len();
        let mut t2 = pe.tlv().clone();
        let mut tm = pe.tlv().clone();
        for (path, c) in &hits {
            let Some(v) = be_value(c) else { continue };
            let min = {
                let bytes = v.to_be_bytes();
                let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
                bytes[skip..].to_vec()
            };
            let two_bytes = if min.len() == 1 {
                vec![0, min[0]]
            } else {
                min.clone()
            };
            if *c != two_bytes {
                if let Some(n) = node_at_mut(&mut t2, path) {
                    n.set_content(two_bytes);
                    n_two += 1;
                }
            }
            if *c != min {
                if let Some(n) = node_at_mut(&mut tm, path) {
                    n.set_content(min);
                    n_min += 1;
                }
            }
        }
        set_pe_tlv(&mut two, index, t2);
        set_pe_tlv(&mut minimal, index, tm);
    }
    let none = |what: &str| {
        if total == 0 {
            "no efFileSize in this profile".to_owned()
        } else {
            format!("every efFileSize is already {what}")
        }
    };
    vec![
        (
            "efFileSize-2byte".to_owned(),
            format!("{n_two} of {total} efFileSize values re-encoded on two octets (leading 00)"),
            if n_two > 0 {
                Ok(two)
            } else {
                Err(none("at least two octets long"))
            },
        ),
        (
            "efFileSize-minimal".to_owned(),
            format!("{n_min} of {total} efFileSize values re-encoded on the fewest octets"),
            if n_min > 0 {
                Ok(minimal)
            } else {
                Err(none("minimal"))
            },
        ),
    ]
}

// ---------------------------------------------------------------- template versions

/// A template file's facts, ignoring its display name.
fn same_file(a: &TemplateFile, b: &TemplateFile) -> bool {
    TemplateFile { label: "", ..*a } == TemplateFile { label: "", ..*b }
}

fn short_oid(oid: &str) -> &str {
    oid.strip_prefix("2.23.143.1.2.").unwrap_or(oid)
}

/// Why `to` cannot replace `from` for this PE, or `None` when the registry shows the same files
/// for what the PE uses.
fn swap_obstacle(pe: &ProfileElement, from: &Template, to: &Template) -> Option<String> {
    if from.created_by_default != to.created_by_default {
        return Some("one template creates its files by default, the other does not".to_owned());
    }
    if from.base != to.base || from.arr_fid != to.arr_fid {
        return Some("templates differ in placement or EF.ARR".to_owned());
    }
    let ty = pe.schema()?;
    let present: Vec<&str> = pe
        .tlv()
        .children()
        .iter()
        .skip(2)
        .filter_map(|c| ty.fields().iter().find(|f| f.matches(c.tag())))
        .map(|f| f.name)
        .collect();
    for name in &present {
        match (from.file(name), to.file(name)) {
            (Some(a), Some(b)) if !same_file(a, b) => {
                return Some(format!("{name} differs between the templates"))
            }
            (Some(_), None) => return Some(format!("{name} is not a file of {}", to.oid)),
            (None, Some(_)) => return Some(format!("{name} is not a file of {}", from.oid)),
            _ => {}
        }
    }
    if from.created_by_default {
        for f in to.files {
            if !present.contains(&f.name) && from.file(f.name).is_none_or(|a| !same_file(a, f)) {
                return Some(format!("{} would create {} by default", to.oid, f.name));
            }
        }
        for f in from.files {
            if !present.contains(&f.name) && to.file(f.name).is_none() {
                return Some(format!("{} does not create {} by default", to.oid, f.name));
            }
        }
    }
    None
}

/// A note when `to` is newer than the PE version the header declares (the header is kept:
/// the variant tests eUICCs on the template, SAIP-COMPAT-006 warns about it).
fn newer_than_header(pkg: &ProfilePackage, to: &Template) -> String {
    match pkg.header().and_then(|h| h.version()) {
        Some(d) if to.since > d => format!(
            "; the template is from PE v{}, the header declares {d} (kept)",
            to.since
        ),
        _ => String::new(),
    }
}

fn oid_tlv(oid: &str) -> Option<Tlv> {
    Some(Tlv::primitive(tag(0x06), der::encode_oid(oid).ok()?))
}

fn template_swaps(source: &ProfilePackage) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (index, pe) in source.pes().iter().enumerate() {
        let Some(from) = pe_template(pe) else {
            continue;
        };
        for to in TEMPLATES
            .iter()
            .filter(|t| t.pe == from.pe && t.oid != from.oid)
        {
            let name = format!("template-{}-{}", pe_name(source, index), short_oid(to.oid));
            if let Some(why) = swap_obstacle(pe, from, to) {
                out.push((name, String::new(), Err(why)));
                continue;
            }
            let mut pkg = source.clone();
            let mut tlv = pe.tlv().clone();
            let Some(new_oid) = der::encode_oid(to.oid).ok() else {
                continue;
            };
            match tlv.children_mut().get_mut(1) {
                Some(c) if c.tag() == tag(0x81) => c.set_content(new_oid),
                _ => continue,
            }
            set_pe_tlv(&mut pkg, index, tlv);
            let gfste = update_gfste(&mut pkg, index, from.oid, to.oid);
            out.push((
                name,
                format!(
                    "{} template {} ({}) replaced by {} ({}){gfste}{}",
                    pe.label(index),
                    from.oid,
                    from.name,
                    to.oid,
                    to.name,
                    newer_than_header(source, to)
                ),
                Ok(pkg),
            ));
        }
    }
    if out.is_empty() {
        out.push((
            "template-*".to_owned(),
            String::new(),
            Err("no PE uses a template with another version in the registry".to_owned()),
        ));
    }
    out
}

/// Keeps the header's GFSTE list in step with a template swap.
fn update_gfste(pkg: &mut ProfilePackage, swapped: usize, from: &str, to: &str) -> String {
    let still_used = pkg
        .pes()
        .iter()
        .enumerate()
        .any(|(i, p)| i != swapped && p.template_id().as_deref() == Some(from));
    let Some(hi) = pkg.pes().iter().position(|p| p.kind() == "header") else {
        return String::new();
    };
    let (Some(old), Some(new)) = (oid_tlv(from), oid_tlv(to)) else {
        return String::new();
    };
    let mut tlv = pkg.pes()[hi].tlv().clone();
    let Some(list) = tlv.children_mut().iter_mut().find(|c| c.tag() == tag(0xA6)) else {
        return String::new();
    };
    let has = |l: &Tlv, o: &Tlv| l.children().iter().any(|c| c.content() == o.content());
    let msg;
    if has(list, &new) {
        if still_used || !has(list, &old) {
            return String::new();
        }
        let keep: Vec<Tlv> = list
            .children()
            .iter()
            .filter(|c| c.content() != old.content())
            .cloned()
            .collect();
        *list.children_mut() = keep;
        msg = format!("; {from} removed from eUICC-Mandatory-GFSTEList");
    } else if let (false, Some(pos)) = (
        still_used,
        list.children()
            .iter()
            .position(|c| c.content() == old.content()),
    ) {
        list.children_mut()[pos] = new;
        msg = format!("; eUICC-Mandatory-GFSTEList entry {from} replaced by {to}");
    } else {
        list.children_mut().push(new);
        msg = format!("; {to} added to eUICC-Mandatory-GFSTEList");
    }
    set_pe_tlv(pkg, hi, tlv);
    msg
}
