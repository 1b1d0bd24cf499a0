//! A structure-aware mutator for targets whose input is BER-TLV (DER messages, certificates,
//! profile packages), optionally behind a few fixed prefix bytes (a type-selector byte, say).
//!
//! The input after the prefix is parsed leniently into a flat, pre-order list of nodes (a run
//! of top-level TLVs; a constructed node whose content does not parse as TLVs is a leaf). One
//! structure-aware operation rewrites the bytes of one node, or of a run of siblings, and the
//! length fields of every ancestor are rewritten to match, so the result is well-formed except
//! where the operation deliberately lies about a length:
//!
//! - mutate a node's content with libFuzzer's own mutator (lengths follow);
//! - replace a primitive's content with a boundary value (empty, 00, FF, 80 00, runs long
//!   enough to need the long length form, doubled, one byte short, one bit flipped);
//! - change a tag (flip the constructed bit, another tag of the tree, number ±1, other class, a
//!   multi-byte tag, tags SGP.22 uses);
//! - duplicate, remove, swap with a sibling, unwrap (the children take its place), nest (wrap in
//!   a new constructed node), insert a small new child, put a copy of another subtree of the
//!   tree in its place or beside it;
//! - write a wrong length field (off by one, indefinite, over-long, non-minimal, 0xFF).
//!
//! One mutation in four, and every input that does not parse, goes to libFuzzer's byte-level
//! mutator instead ([`libfuzzer_sys::fuzzer_mutate`], with its dictionary and CMP hints), so the
//! prefix and malformed encodings are still explored. The crossover puts a subtree of the second
//! input into the first. Everything is deterministic given libFuzzer's seed, and cheap: one
//! parse into one `Vec` and a rewrite of the node's ancestors.
//!
//! `RSPCHECK_FUZZ_PLAIN_MUTATOR=1` turns the structure-aware part off (every mutation and
//! crossover is then byte-level), to compare the two with one binary.

use std::ops::Range;
use std::sync::OnceLock;

/// Deepest nesting parsed as a tree; deeper content is a leaf.
const MAX_DEPTH: u16 = 40;
/// Most nodes parsed; a larger input is mutated byte-level.
const MAX_NODES: usize = 4096;
const NONE: u32 = u32::MAX;

/// Small deterministic PRNG seeded from libFuzzer's seed: the live fuzzer's SplitMix64
/// ([`rsp_codec::mutate::Rng`]) with this mutator's helpers.
pub struct Rng(rsp_codec::mutate::Rng);

impl Rng {
    pub fn new(seed: u32) -> Rng {
        Rng(rsp_codec::mutate::Rng::new(
            u64::from(seed) ^ 0x5DEE_CE66_D1CE_4E5B,
        ))
    }

    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// In `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// One node: byte offsets into the parsed buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub start: usize,
    /// First content byte (after tag and length).
    pub content: usize,
    pub end: usize,
    pub tag_len: usize,
    /// Index of the parent node, or [`NONE`] at the top.
    pub parent: u32,
    /// Whether the content was parsed as child nodes (they follow in the list).
    pub has_children: bool,
}

impl Node {
    fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Decodes a definite length field at the start of `b`: (length, octets used).
fn read_length(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    if first < 0x80 {
        return Some((first as usize, 1));
    }
    let n = (first & 0x7F) as usize;
    if n == 0 || n > 4 || b.len() < 1 + n {
        return None;
    }
    Some((
        b[1..=n].iter().fold(0, |acc, x| (acc << 8) | *x as usize),
        1 + n,
    ))
}

fn write_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Parses `b` as a run of TLVs filling it exactly, into a pre-order list; `None` when it is not
/// one (or has too many nodes).
pub fn parse(b: &[u8]) -> Option<Vec<Node>> {
    let mut nodes = Vec::new();
    parse_run(b, 0, b.len(), NONE, 0, &mut nodes).then_some(nodes)
}

fn parse_run(
    b: &[u8],
    mut pos: usize,
    end: usize,
    parent: u32,
    depth: u16,
    nodes: &mut Vec<Node>,
) -> bool {
    while pos < end {
        if nodes.len() >= MAX_NODES {
            return false;
        }
        let start = pos;
        let mut tag_len = 1;
        if b[pos] & 0x1F == 0x1F {
            loop {
                if pos + tag_len >= end || tag_len >= 4 {
                    return false;
                }
                let x = b[pos + tag_len];
                tag_len += 1;
                if x & 0x80 == 0 {
                    break;
                }
            }
        }
        let Some((len, len_len)) = read_length(&b[pos + tag_len..end]) else {
            return false;
        };
        let content = pos + tag_len + len_len;
        if len > end - content {
            return false;
        }
        let index = nodes.len();
        nodes.push(Node {
            start,
            content,
            end: content + len,
            tag_len,
            parent,
            has_children: false,
        });
        if b[start] & 0x20 != 0 && depth < MAX_DEPTH {
            if parse_run(b, content, content + len, index as u32, depth + 1, nodes) {
                nodes[index].has_children = true;
            } else {
                // Not TLVs inside: keep it as a leaf.
                nodes.truncate(index + 1);
            }
        }
        pos = content + len;
    }
    true
}

/// Rewrites `b`: the bytes `range` (inside the content of node `parent`, or at the top when
/// `parent` is [`NONE`]) become `with`, and every ancestor's length field is rewritten to fit
/// (kept as it was where the length did not change).
pub fn splice(b: &[u8], nodes: &[Node], parent: u32, range: Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut current = with.to_vec();
    let mut range = range;
    let mut p = parent;
    while p != NONE {
        let n = &nodes[p as usize];
        let mut out = Vec::with_capacity(n.end - n.start + current.len());
        let new_len = (range.start - n.content) + current.len() + (n.end - range.end);
        out.extend_from_slice(&b[n.start..n.start + n.tag_len]);
        if new_len == n.end - n.content {
            out.extend_from_slice(&b[n.start + n.tag_len..n.content]);
        } else {
            write_der_length(&mut out, new_len);
        }
        out.extend_from_slice(&b[n.content..range.start]);
        out.extend_from_slice(&current);
        out.extend_from_slice(&b[range.end..n.end]);
        current = out;
        range = n.range();
        p = n.parent;
    }
    let mut out = Vec::with_capacity(b.len() - range.len() + current.len());
    out.extend_from_slice(&b[..range.start]);
    out.extend_from_slice(&current);
    out.extend_from_slice(&b[range.end..]);
    out
}

/// A TLV with a DER length.
fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 5 + content.len());
    out.extend_from_slice(tag);
    write_der_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn boundary_content(rng: &mut Rng, old: &[u8]) -> Vec<u8> {
    match rng.below(10) {
        0 => Vec::new(),
        1 => vec![0x00],
        2 => vec![0xFF],
        3 => vec![0x80, 0x00],
        4 => vec![0x41; 0x80],
        5 => vec![0x00; 0x100],
        6 => [old, old].concat(),
        7 => old[..old.len().saturating_sub(1)].to_vec(),
        8 => {
            let mut c = old.to_vec();
            if !c.is_empty() {
                let i = rng.below(c.len());
                c[i] ^= 1 << rng.below(8);
            }
            c
        }
        _ => (0..1 + rng.below(8)).map(|_| rng.byte()).collect(),
    }
}

fn length_lie(rng: &mut Rng, real: usize) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(8) {
        0 => write_der_length(&mut out, real + 1),
        1 => write_der_length(&mut out, real.saturating_sub(1)),
        2 => out.push(0x80),
        3 => out.extend_from_slice(&[0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
        4 => out.push(0xFF),
        5 => out.extend_from_slice(&[0x85, 0, 0, 0, 0, real as u8]),
        // Non-minimal but true: BER accepts it, DER does not.
        6 => {
            out.push(0x82);
            out.extend_from_slice(&(real as u16).to_be_bytes());
        }
        _ => write_der_length(&mut out, real + 1 + rng.below(0x100)),
    }
    out
}

/// Tags of SGP.22 and SAIP messages and of X.509 worth trying anywhere.
const TAGS: &[&[u8]] = &[
    &[0x04],
    &[0x02],
    &[0x03],
    &[0x05],
    &[0x06],
    &[0x0C],
    &[0x30],
    &[0x31],
    &[0x5A],
    &[0x80],
    &[0x81],
    &[0xA0],
    &[0xA1],
    &[0xA3],
    &[0x5F, 0x37],
    &[0x5F, 0x49],
    &[0x7F, 0x21],
    &[0xBF, 0x20],
    &[0xBF, 0x21],
    &[0xBF, 0x22],
    &[0xBF, 0x2D],
    &[0xBF, 0x37],
    &[0xBF, 0x38],
    &[0xBF, 0x3E],
    &[0x9F, 0x70],
];

fn new_tag(rng: &mut Rng, b: &[u8], nodes: &[Node], old: &[u8]) -> Vec<u8> {
    let mut t = old.to_vec();
    match rng.below(6) {
        0 => t[0] ^= 0x20,
        1 => {
            let other = &nodes[rng.below(nodes.len())];
            t = b[other.start..other.start + other.tag_len].to_vec();
        }
        2 => {
            let last = t.len() - 1;
            if last == 0 {
                // Stay in the one-octet form: bits 5 to 1 never become 0x1F.
                t[0] = (t[0] & 0xE0) | ((t[0] & 0x1F) + 1) % 0x1F;
            } else {
                t[last] = (t[last] & 0x80) | (t[last].wrapping_add(1) & 0x7F);
            }
        }
        3 => t[0] = (t[0] & 0x3F) | ((rng.below(4) as u8) << 6),
        4 => t = vec![(t[0] & 0xE0) | 0x1F, rng.below(0x80) as u8],
        _ => t = TAGS[rng.below(TAGS.len())].to_vec(),
    }
    t
}

/// Children of node `p` (or the top-level nodes for [`NONE`]).
fn children(nodes: &[Node], p: u32) -> Vec<usize> {
    (0..nodes.len()).filter(|i| nodes[*i].parent == p).collect()
}

/// One structure-aware operation on the tree of `b`; `room` is the most bytes the result may
/// have. `None` when the operation did not apply.
fn mutate_tree(b: &[u8], nodes: &[Node], rng: &mut Rng, room: usize) -> Option<Vec<u8>> {
    if nodes.is_empty() {
        return Some(tlv(TAGS[rng.below(TAGS.len())], &[rng.byte()]));
    }
    let i = rng.below(nodes.len());
    let n = nodes[i];
    let tag = &b[n.start..n.start + n.tag_len];
    let len_field = &b[n.start + n.tag_len..n.content];
    let content = &b[n.content..n.end];
    let own = |with: &[u8]| splice(b, nodes, n.parent, n.range(), with);
    let out = match rng.below(12) {
        // Content bytes through libFuzzer's mutator, lengths kept consistent.
        0..=2 => {
            let mut c = content.to_vec();
            if c.is_empty() {
                c.push(rng.byte());
            }
            let size = c.len();
            let cap = (size * 2 + 16)
                .min(size + room.saturating_sub(b.len()))
                .max(size);
            c.resize(cap, 0);
            let new = libfuzzer_sys::fuzzer_mutate(&mut c, size, cap);
            c.truncate(new);
            own(&tlv(tag, &c))
        }
        3 => own(&tlv(tag, &boundary_content(rng, content))),
        4 => own(&[&new_tag(rng, b, nodes, tag)[..], len_field, content].concat()),
        5 => splice(b, nodes, n.parent, n.end..n.end, &b[n.range()]),
        6 => own(&[]),
        7 => {
            let sibs = children(nodes, n.parent);
            let j = sibs[rng.below(sibs.len())];
            let (a, z) = if j < i { (nodes[j], n) } else { (n, nodes[j]) };
            if a == z {
                return None;
            }
            let swapped = [&b[z.range()], &b[a.end..z.start], &b[a.range()]].concat();
            splice(b, nodes, n.parent, a.start..z.end, &swapped)
        }
        8 => {
            let wrapper: &[u8] = match rng.below(4) {
                0 => &[0x30],
                1 => &[0xA0],
                2 => &[0xBF, 0x22],
                _ if tag[0] & 0x20 != 0 => tag,
                _ => &[0x30],
            };
            own(&tlv(wrapper, &b[n.range()]))
        }
        9 => own(&[tag, &length_lie(rng, content.len())[..], content].concat()),
        10 => {
            let donor = nodes[rng.below(nodes.len())].range();
            if rng.chance(2) {
                own(&b[donor])
            } else {
                splice(b, nodes, n.parent, n.end..n.end, &b[donor])
            }
        }
        _ => {
            if !n.has_children {
                return None;
            }
            if rng.chance(2) {
                // Unwrap: the children take the node's place.
                own(content)
            } else {
                let kids = children(nodes, i as u32);
                let at = kids
                    .get(rng.below(kids.len() + 1))
                    .map_or(n.end, |k| nodes[*k].start);
                let small: Vec<u8> = (0..rng.below(4)).map(|_| rng.byte()).collect();
                let child = tlv(&[0x80 | rng.below(0x1F) as u8], &small);
                splice(b, nodes, i as u32, at..at, &child)
            }
        }
    };
    Some(out)
}

fn plain_only() -> bool {
    static PLAIN: OnceLock<bool> = OnceLock::new();
    *PLAIN.get_or_init(|| std::env::var_os("RSPCHECK_FUZZ_PLAIN_MUTATOR").is_some_and(|v| v != "0"))
}

/// The custom mutator: `data[..size]` is the input (its first `prefix` bytes kept), `data` has
/// room for `max_size` bytes; returns the new size.
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32, prefix: usize) -> usize {
    let mut rng = Rng::new(seed);
    if plain_only() || size < prefix || max_size <= prefix || rng.chance(4) {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let body = &data[prefix..size];
    let room = max_size - prefix;
    let out = parse(body)
        .and_then(|nodes| mutate_tree(body, &nodes, &mut rng, room))
        .filter(|out| out.len() <= room && out != body);
    match out {
        Some(out) => {
            data[prefix..prefix + out.len()].copy_from_slice(&out);
            prefix + out.len()
        }
        None => libfuzzer_sys::fuzzer_mutate(data, size, max_size),
    }
}

/// The custom crossover: a subtree of `data2` replaces, or goes beside, a node of `data1`.
/// Falls back to a byte-level splice (head of one, tail of the other) when either input does
/// not parse.
pub fn crossover(data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32, prefix: usize) -> usize {
    let mut rng = Rng::new(seed);
    fn tree(d: &[u8], prefix: usize) -> Option<(&[u8], Vec<Node>)> {
        let body = d.get(prefix..)?;
        parse(body).filter(|n| !n.is_empty()).map(|n| (body, n))
    }
    let spliced = match (plain_only(), tree(data1, prefix), tree(data2, prefix)) {
        (false, Some((a, an)), Some((b, bn))) => {
            let donor = &b[bn[rng.below(bn.len())].range()];
            let n = an[rng.below(an.len())];
            let at = if rng.chance(2) {
                n.range()
            } else {
                n.end..n.end
            };
            Some([&data1[..prefix], &splice(a, &an, n.parent, at, donor)].concat())
        }
        _ => None,
    };
    let bytes = spliced.filter(|s| s.len() <= out.len()).unwrap_or_else(|| {
        let head = rng.below(data1.len() + 1);
        let tail = rng.below(data2.len() + 1);
        [&data1[..head], &data2[tail..]].concat()
    });
    let n = bytes.len().min(out.len());
    out[..n].copy_from_slice(&bytes[..n]);
    n
}

/// Installs [`mutate`] and [`crossover`] as the target's custom mutator and crossover; the
/// argument is the number of prefix bytes before the TLVs.
#[macro_export]
macro_rules! der_mutator {
    ($prefix:expr) => {
        $crate::libfuzzer_sys::fuzz_mutator!(|data: &mut [u8],
                                              size: usize,
                                              max_size: usize,
                                              seed: u32| {
            $crate::der_mutator::mutate(data, size, max_size, seed, $prefix)
        });
        $crate::libfuzzer_sys::fuzz_crossover!(|data1: &[u8],
                                                data2: &[u8],
                                                out: &mut [u8],
                                                seed: u32| {
            $crate::der_mutator::crossover(data1, data2, out, seed, $prefix)
        });
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_and_raw_constructed() {
        let input = [
            0x30, 0x81, 0x05, 0x80, 0x03, 0x01, 0x02, 0x03, 0x30, 0x02, 0xFF, 0xFF,
        ];
        let nodes = parse(&input).expect("parses");
        assert_eq!(nodes.len(), 3);
        assert!(nodes[0].has_children && !nodes[2].has_children);
        assert_eq!(nodes[1].parent, 0);
    }

    #[test]
    fn lengths_follow_edits_and_survive_otherwise() {
        let input = [0x30, 0x81, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x00];
        let nodes = parse(&input).expect("parses");
        let grown = splice(&input, &nodes, 2, 7..8, &[0x00, 0x01]);
        assert_eq!(grown, [0x30, 0x06, 0xA0, 0x04, 0x80, 0x02, 0x00, 0x01]);
        let same = splice(&input, &nodes, 2, 7..8, &[0x07]);
        assert_eq!(same, [0x30, 0x81, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x07]);
    }
}
